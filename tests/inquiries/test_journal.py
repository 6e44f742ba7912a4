"""The public journal: case and document numbers, screening with the legal reference, search, and
personal names that stop being searchable after 12 months."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone

from tilgang.audit.models import AuditEvent
from tilgang.inquiries import services
from tilgang.inquiries.models import JournalEntry
from tilgang.inquiries.selectors import journal_search

LEGAL = "Offl. § 13 jf. statistikkloven § 7"


def record(actor=None, **fields):
    values = {
        "actor": actor,
        "case_number": "26/01234-1",
        "doc_type": "I",
        "title": "Søknad om tilgang til mikrodata",
        "party": "Universitetet i Oslo",
        "document_date": date(2026, 11, 10),
        "screened": False,
        "legal_reference": "",
    }
    values.update(fields)
    return services.journal_record(**values)


def test_case_numbers_are_parsed_and_shown_as_year_sequence_document(db):
    assert services.parse_case_number("26/01234-5") == (2026, 1234, 5)
    assert services.parse_case_number("2026/1234") == (2026, 1234, None)
    for bad in ("", "26-01234-5", "26/0-1", "abc", "26/01234-0"):
        with pytest.raises(services.InquiryError):
            services.parse_case_number(bad)
    entry = record()
    assert entry.document_reference == "26/01234-1" and entry.case_number == "26/01234"


def test_journal_record_is_audited_and_numbers_the_next_document(db, info):
    first = record(actor=info)
    second = record(actor=info, case_number="26/01234", doc_type="U", title="Vedtak")
    assert second.document_number == 2
    assert AuditEvent.objects.filter(action="inquiries.journal.recorded").count() == 2
    with pytest.raises(services.InquiryError, match="already in the journal"):
        record(case_number="26/01234-1")
    assert first.recorded_by == info


def test_new_case_numbers_run_per_year(db):
    assert services.journal_case_number_new(year=2026) == "26/00001"
    assert services.journal_case_number_new(year=2026) == "26/00002"
    assert services.journal_case_number_new(year=2027) == "27/00001"


def test_screening_masks_personal_names_and_exempt_content_with_the_legal_reference(db):
    entry = record(
        doc_type="U",
        title="Vedtak til Frida Forsker om data på grunnkrets Sagene",
        party="Frida Forsker",
        party_is_person=True,
        personal_names=["Frida Forsker"],
        exempt_phrases=["grunnkrets Sagene"],
        screened=True,
        legal_reference=LEGAL,
    )
    assert entry.title_public == "Vedtak til ***** om data på *****"
    assert entry.party_public == "*****"
    assert "Frida" not in entry.search_text and "Sagene" not in entry.search_text
    assert entry.search_names == ""
    assert list(journal_search(query="Frida")) == []
    assert list(journal_search(query="Vedtak")) == [entry]


def test_screening_needs_the_legal_reference(db):
    with pytest.raises(services.InquiryError, match="legal reference"):
        record(screened=True, legal_reference=" ")
    assert JournalEntry.objects.count() == 0


def test_personal_names_are_searchable_for_twelve_months_only(db):
    today = timezone.localdate()
    recent = record(
        case_number="26/00001-1",
        party="Per Person",
        party_is_person=True,
        journal_date=today - timedelta(days=30),
    )
    old = record(
        case_number="25/00001-1",
        party="Per Person",
        party_is_person=True,
        journal_date=today - timedelta(days=400),
    )
    assert list(journal_search(query="Per Person")) == [recent]
    # The name is still shown on the old entry; it is only not found by searching.
    assert old.party_public == "Per Person"
    assert set(journal_search(query="Søknad")) == {recent, old}


def test_the_names_sweep_empties_old_names(db):
    from tilgang.inquiries.sweeps import expire_searchable_names

    today = timezone.localdate()
    old = record(party="Per Person", party_is_person=True, journal_date=today - timedelta(days=400))
    assert expire_searchable_names(timezone.now()) == 1
    old.refresh_from_db()
    assert old.search_names == ""
    assert expire_searchable_names(timezone.now()) == 0


def test_search_by_case_number_type_and_date(db):
    a = record(case_number="26/00010-1", journal_date=date(2026, 11, 2))
    b = record(case_number="26/00010-2", doc_type="U", title="Tilbud", journal_date=date(2026, 11, 5))
    assert set(journal_search(query="26/00010")) == {a, b}
    assert list(journal_search(query="26/00010-2")) == [b]
    assert list(journal_search(doc_type="U")) == [b]
    assert list(journal_search(date_from=date(2026, 11, 3))) == [b]


def test_public_journal_page_lists_and_searches_without_screened_content(client, db):
    record(
        title="Søknad fra Kari Nordmann",
        personal_names=["Kari Nordmann"],
        screened=True,
        legal_reference=LEGAL,
    )
    record(case_number="26/00002-1", title="Tilbud om data")
    page = client.get(reverse("inquiries:journal"), headers={"Accept-Language": "en"}).content.decode()
    assert "Kari Nordmann" not in page and LEGAL in page and "Tilbud om data" in page
    page = client.get(
        reverse("inquiries:journal") + "?q=Tilbud", headers={"Accept-Language": "en"}
    ).content.decode()
    assert "1 document found" in page


def test_staff_journal_a_document_with_files(info, client_for):
    client = client_for(info)
    response = client.post(
        reverse("inquiries:journal_record"),
        {
            "case_number": "",
            "doc_type": "X",
            "title": "Notat",
            "party": "",
            "document_date": "2026-11-10",
            "legal_reference": "",
            "document_file": ContentFile(b"notat", name="notat.txt"),
        },
    )
    assert response.status_code == 302
    entry = JournalEntry.objects.get()
    assert entry.document_file.read() == b"notat"
