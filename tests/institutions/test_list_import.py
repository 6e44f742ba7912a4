"""Importing the official lists (DOMAIN R-ELIG-1): preview, additions, changes, removals, bad files."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from tests.institutions.conftest import read
from tilgang.audit.models import AuditEvent
from tilgang.institutions import services
from tilgang.institutions.lists import ListLayoutError, parse_list
from tilgang.institutions.models import Approval, Institution, InstitutionKind, ListImport

pytestmark = pytest.mark.django_db


def _import(admin, name, source="nfr", day=date(2025, 1, 6)):
    batch = services.list_import_preview(
        actor=admin, source=source, file_name=name, data=read(name), list_date=day
    )
    return batch, services.list_diff(batch)


def test_R_ELIG_1_first_list_adds_every_row_and_matches_known_institutions_by_orgnr(
    admin, institution_factory
):
    uio = institution_factory(name="UiO (old name)", orgnr="971035854")
    batch, diff = _import(admin, "nfr_2025.xlsx")
    assert diff.counts == {"add": 6, "change": 0, "remove": 0, "same": 0}
    assert diff.errors == []
    assert not Approval.objects.exists(), "a preview changes nothing"
    services.list_import_apply(actor=admin, batch=batch)
    uio.refresh_from_db()
    assert uio.kind == InstitutionKind.RESEARCH_NFR
    assert Institution.objects.filter(approvals__source="nfr").count() == 6
    approval = uio.approvals.get()
    assert (approval.valid_from, approval.valid_to, approval.batch_id) == (date(2004, 1, 1), None, batch.pk)
    assert Institution.objects.get(orgnr="970141669").approved_from == date(2009, 3, 15)
    assert ListImport.objects.get(pk=batch.pk).status == ListImport.Status.APPLIED
    assert AuditEvent.objects.filter(action="institutions.approval.created").count() == 6
    assert AuditEvent.objects.filter(
        action="institutions.list_import.applied", object_id=str(batch.pk)
    ).exists()


def test_R_ELIG_1_next_list_with_additions_changes_and_removals(admin):
    first, _diff = _import(admin, "nfr_2025.xlsx")
    services.list_import_apply(actor=admin, batch=first)
    batch, diff = _import(admin, "nfr_2026.csv", day=date(2026, 1, 5))
    assert {e.orgnr for e in diff.of("add")} == {"970422528", "874761532"}
    assert [e.orgnr for e in diff.of("change")] == ["980242218"]
    assert "Stiftelsen Samfunnsøkonomisk analyse Oslo" in diff.of("change")[0].changes[0]
    assert [e.orgnr for e in diff.of("remove")] == ["970141669"]
    assert diff.counts["same"] == 4
    services.list_import_apply(actor=admin, batch=batch)

    removed = Institution.objects.get(orgnr="970141669")
    ended = removed.approvals.get()
    assert ended.valid_to == date(2026, 1, 4) and ended.ended_by_batch_id == batch.pk
    assert not removed.is_approved_on(date(2026, 2, 1))
    assert removed.is_approved_on(date(2025, 12, 31))
    assert Institution.objects.get(orgnr="980242218").name == "Stiftelsen Samfunnsøkonomisk analyse Oslo"
    assert Institution.objects.get(orgnr="874761532").approvals.get().valid_from == date(2025, 11, 1)
    # Applying the same list again changes nothing.
    again, diff = _import(admin, "nfr_2026.xlsx", day=date(2026, 1, 5))
    assert diff.counts == {"add": 0, "change": 0, "remove": 0, "same": 7}


def test_eurostat_pdf_is_read_and_matched_by_name_and_country(admin, institution_factory):
    uio = institution_factory(name="Universitetet i Oslo", orgnr="971035854")
    batch, diff = _import(admin, "eurostat_2025.pdf", source="eurostat")
    assert batch.file_format == "pdf"
    assert diff.counts["add"] == 7
    assert next(e for e in diff.entries if e.country == "NO").institution_id == uio.pk
    services.list_import_apply(actor=admin, batch=batch)
    karolinska = Institution.objects.get(name="Karolinska Institutet")
    assert (karolinska.country, karolinska.kind) == ("SE", InstitutionKind.RESEARCH_EUROSTAT)
    assert uio.approvals.get(source="eurostat").valid_from == date(2014, 6, 1)


def test_unexpected_layout_names_expected_and_found_columns(admin):
    with pytest.raises(ListLayoutError) as caught:
        parse_list(source="nfr", file_name="x.xlsx", data=read("nfr_wrong_layout.xlsx"))
    assert caught.value.expected == ["Organisasjonsnummer", "Navn", "Kategori", "Godkjent fra"]
    assert caught.value.found == ["Org", "Institusjon", "Fylke"]
    message = caught.value.messages[0]
    assert "Organisasjonsnummer, Navn are missing" in message and "Found: Org, Institusjon, Fylke" in message
    # The NFR list is not a Eurostat list either.
    with pytest.raises(ListLayoutError, match="Country"):
        parse_list(source="eurostat", file_name="nfr.xlsx", data=read("nfr_2025.xlsx"))


def test_duplicate_orgnr_in_the_file_blocks_the_whole_list(admin):
    batch, diff = _import(admin, "nfr_duplicate_orgnr.csv")
    assert any("971035854 is also on line 2" in e["message"] for e in diff.errors)
    with pytest.raises(services.InstitutionError, match="1 problem"):
        services.list_import_apply(actor=admin, batch=batch)
    assert not Approval.objects.exists() and not Institution.objects.exists()


def test_conflicting_orgnr_against_a_known_institution_blocks_the_list(admin, institution_factory):
    institution_factory(name="Vestlandsforskning", orgnr="974760673")
    batch, diff = _import(admin, "nfr_2025.xlsx")
    assert any(
        "registered with organisation number 974760673, but the list gives 970141669" in e["message"]
        for e in diff.errors
    )
    with pytest.raises(services.InstitutionError):
        services.list_import_apply(actor=admin, batch=batch)
    assert Institution.objects.count() == 1 and not Approval.objects.exists()


def test_invalid_orgnr_in_a_row_is_reported_with_its_line(admin):
    data = b"Organisasjonsnummer;Navn\n971035854;Universitetet i Oslo\n971035855;Feil nummer\n"
    parsed = parse_list(source="nfr", file_name="liste.csv", data=data)
    assert len(parsed.rows) == 1
    assert (
        "Line 3 (Feil nummer)" in parsed.errors[0]["message"] and "check digit" in parsed.errors[0]["message"]
    )


def test_nothing_is_half_applied_when_a_row_fails_midway(admin, monkeypatch):
    batch, _diff = _import(admin, "nfr_2025.xlsx")
    real_create = Approval.objects.create
    calls = {"n": 0}

    def failing_create(**kwargs):
        calls["n"] += 1
        if calls["n"] == 4:
            raise RuntimeError("disk full")
        return real_create(**kwargs)

    monkeypatch.setattr(Approval.objects, "create", failing_create)
    with pytest.raises(RuntimeError):
        services.list_import_apply(actor=admin, batch=batch)
    assert not Approval.objects.exists() and not Institution.objects.exists()
    assert ListImport.objects.get(pk=batch.pk).status == ListImport.Status.PREVIEW


def test_apply_refuses_when_the_institutions_changed_since_the_preview(admin, institution_factory):
    batch, _diff = _import(admin, "nfr_2025.xlsx")
    institution_factory(name="Universitetet i Oslo", orgnr="971035854")
    Approval.objects.create(
        institution=Institution.objects.get(orgnr="971035854"), source="nfr", valid_from=date(2004, 1, 1)
    )
    with pytest.raises(services.InstitutionError, match="changed since the preview"):
        services.list_import_apply(actor=admin, batch=batch)


def test_a_file_that_is_not_a_list_is_refused(admin):
    with pytest.raises(ValidationError, match="XLSX, CSV"):
        parse_list(source="nfr", file_name="program.exe", data=b"MZ\x90\x00")


def test_import_pages_preview_and_apply(admin, client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = client_for(admin)
    response = client.post(
        "/institusjoner/lister/",
        {
            "source": "nfr",
            "list_date": "2025-01-06",
            "file": SimpleUploadedFile("nfr.xlsx", read("nfr_wrong_layout.xlsx")),
        },
        headers={"Accept-Language": "en"},
    )
    assert response.status_code == 200
    assert "Expected:" in response.content.decode() and "Institusjon" in response.content.decode()
    response = client.post(
        "/institusjoner/lister/",
        {
            "source": "nfr",
            "list_date": "2025-01-06",
            "file": SimpleUploadedFile("nfr.xlsx", read("nfr_2025.xlsx")),
        },
    )
    batch = ListImport.objects.get()
    assert response.headers["Location"] == f"/institusjoner/lister/{batch.pk}/"
    page = client.get(
        f"/institusjoner/lister/{batch.pk}/", headers={"Accept-Language": "en"}
    ).content.decode()
    assert "6 to add, 0 to change, 0 to remove" in page and "Vestlandsforskning" in page
    client.post(f"/institusjoner/lister/{batch.pk}/bruk/")
    assert Approval.objects.count() == 6
