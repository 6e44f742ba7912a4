"""Innsyn: a request is due in five working days (DOMAIN R-INFO-3); staff grant (sending the screened
document) or refuse with the legal reference; an unanswered request counts as an appealable refusal."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse

from tilgang.inquiries import services
from tilgang.inquiries.models import InnsynStatus, Rejection
from tilgang.inquiries.service_level import OSLO

LEGAL = "Offl. § 13 jf. statistikkloven § 7"


@pytest.fixture
def entry(db):
    return services.journal_record(
        actor=None,
        case_number="26/01234-3",
        doc_type="U",
        title="Vedtak til Frida Forsker",
        party="Frida Forsker",
        party_is_person=True,
        document_date=date(2026, 11, 10),
        screened=True,
        legal_reference=LEGAL,
        document_file=ContentFile(b"original with names"),
    )


@pytest.fixture
def open_entry(db):
    return services.journal_record(
        actor=None,
        case_number="26/01234-1",
        doc_type="I",
        title="Søknad",
        party="Universitetet i Oslo",
        document_date=date(2026, 11, 9),
        screened=False,
        legal_reference="",
        document_file=ContentFile(b"application"),
    )


def request_for(entry, committed, **fields):
    fields.setdefault("email", "journalist@example.org")
    return committed(services.innsyn_request_create, entry=entry, **fields)


def link(body: str, kind: str) -> str:
    match = re.search(rf"(/informasjon/innsyn/{kind}/[^/\s]+/)", body)
    assert match, body
    return match.group(1)


def test_R_INFO_3_request_is_due_in_five_working_days_with_a_receipt(open_entry, committed, mailoutbox):
    with time_machine.travel(datetime(2026, 11, 16, 10, tzinfo=OSLO), tick=False):
        request = request_for(open_entry, committed)
    assert request.due_at == datetime(2026, 11, 23, 15, tzinfo=OSLO)
    assert request.reference.startswith("INN-2026-")
    assert mailoutbox[0].to == ["journalist@example.org"] and "26/01234-1" in mailoutbox[0].body


def test_R_INFO_3_grant_sends_a_link_to_the_document(open_entry, committed, mailoutbox, info, client):
    request = request_for(open_entry, committed)
    committed(services.innsyn_grant, actor=info, request=request)
    request.refresh_from_db()
    assert request.status == InnsynStatus.GRANTED and request.decided_by == info
    response = client.get(link(mailoutbox[-1].body, "dokument"))
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"application"


def test_R_INFO_3_a_screened_document_is_only_sent_as_a_screened_copy(
    entry, committed, info, mailoutbox, client
):
    request = request_for(entry, committed)
    with pytest.raises(services.InquiryError, match="screened"):
        services.innsyn_grant(actor=info, request=request)
    committed(services.innsyn_grant, actor=info, request=request, screened_copy=ContentFile(b"masked copy"))
    body = mailoutbox[-1].body
    assert LEGAL in body
    response = client.get(link(body, "dokument"))
    assert b"".join(response.streaming_content) == b"masked copy"


def test_the_download_link_expires(open_entry, committed, info, mailoutbox, client):
    request = request_for(open_entry, committed)
    committed(services.innsyn_grant, actor=info, request=request)
    url = link(mailoutbox[-1].body, "dokument")
    with time_machine.travel(request.due_at + timedelta(days=30)):
        assert client.get(url).status_code == 410
    assert client.get("/informasjon/innsyn/dokument/wrong-token/").status_code == 410


def test_refusal_needs_the_legal_reference_and_can_be_appealed(entry, committed, info, mailoutbox, client):
    request = request_for(entry, committed)
    with pytest.raises(services.InquiryError, match="legal reference"):
        services.innsyn_refuse(actor=info, request=request, legal_reference="")
    committed(
        services.innsyn_refuse,
        actor=info,
        request=request,
        legal_reference=LEGAL,
        explanation="Taushetsplikt.",
    )
    request.refresh_from_db()
    assert request.status == InnsynStatus.REFUSED and request.legal_reference == LEGAL
    body = mailoutbox[-1].body
    assert LEGAL in body and "Taushetsplikt." in body
    appeal = link(body, "klage")
    assert client.get(appeal).status_code == 200
    committed(client.post, appeal, {"text": "Jeg mener dokumentet bør være offentlig."})
    request.refresh_from_db()
    assert request.appealed_at and request.appeal_text.startswith("Jeg mener")
    assert client.get(appeal).status_code == 410  # once only
    with pytest.raises(services.InquiryError):
        services.innsyn_grant(actor=info, request=request)


def test_R_INFO_3_unanswered_after_five_working_days_counts_as_a_refusal(
    open_entry, committed, mailoutbox, info
):
    from tilgang.inquiries.sweeps import lapse_unanswered_innsyn

    request = request_for(open_entry, committed)
    assert committed(lapse_unanswered_innsyn, request.due_at - timedelta(minutes=1)) == 0
    assert committed(lapse_unanswered_innsyn, request.due_at + timedelta(minutes=1)) == 1
    assert committed(lapse_unanswered_innsyn, request.due_at + timedelta(days=1)) == 0
    request.refresh_from_db()
    assert request.status == InnsynStatus.DEEMED_REFUSED and request.can_appeal
    assert "/informasjon/innsyn/klage/" in mailoutbox[-1].body
    # Staff may still grant it afterwards.
    committed(services.innsyn_grant, actor=info, request=request)
    request.refresh_from_db()
    assert request.status == InnsynStatus.GRANTED


def test_a_request_for_a_document_not_in_the_journal_is_refused_clearly(db):
    with pytest.raises(services.DocumentNotFound, match="There is no document 26/99999-1 in the journal"):
        services.innsyn_request_public(
            entry_id=None,
            document="26/99999-1",
            email="a@example.org",
            name="",
            message="",
            language="en",
            ip=None,
        )
    with pytest.raises(services.InquiryError, match="document number too"):
        services.innsyn_request_public(
            entry_id=None,
            document="26/99999",
            email="a@example.org",
            name="",
            message="",
            language="en",
            ip=None,
        )


def test_public_innsyn_form_and_the_staff_queue(open_entry, client, committed, info, client_for):
    url = reverse("inquiries:innsyn_new", args=[open_entry.pk])
    assert client.get(url).status_code == 200
    response = committed(
        client.post, url, {"email": "jo@example.org", "name": "Jo", "message": "", "website": ""}
    )
    assert response.status_code == 302
    page = (
        client_for(info)
        .get(reverse("inquiries:innsyn_queue"), headers={"Accept-Language": "en"})
        .content.decode()
    )
    assert "26/01234-1" in page and "On time" in page
    assert client.get(reverse("inquiries:innsyn_new", args=[999999])).status_code == 404


def test_innsyn_honeypot_is_kept_as_a_rejection(open_entry, client, committed):
    committed(
        client.post,
        reverse("inquiries:innsyn_new", args=[open_entry.pk]),
        {"email": "bot@example.org", "website": "x"},
    )
    assert Rejection.objects.get().reason == "honeypot"
    assert open_entry.innsyn_requests.count() == 0


def test_staff_grant_and_refuse_in_the_portal(entry, open_entry, committed, info, client_for):
    client = client_for(info)
    first = request_for(open_entry, committed)
    second = request_for(entry, committed)
    response = committed(client.post, reverse("inquiries:innsyn_grant", args=[first.reference]))
    assert response.status_code == 302
    response = committed(
        client.post, reverse("inquiries:innsyn_refuse", args=[second.reference]), {"legal_reference": LEGAL}
    )
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == InnsynStatus.GRANTED and second.status == InnsynStatus.REFUSED
