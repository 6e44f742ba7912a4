"""The API twin of the information service's actions."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from tilgang.accounts.services import api_token_create
from tilgang.inquiries import services
from tilgang.inquiries.models import InnsynStatus, Inquiry


@pytest.fixture
def api(client, info):
    _token, raw = api_token_create(user=info, name="test")
    headers = {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}

    def call(method, name, *args, json=None, **kwargs):
        url = reverse(f"api:{name}", args=args)
        if method == "get":
            return client.get(url, kwargs, headers=headers)
        if kwargs.get("multipart"):
            return client.post(url, kwargs["data"], headers=headers)
        return client.post(url, json or {}, content_type="application/json", headers=headers)

    return call


def test_public_question_submit_needs_no_token_and_is_rate_limited(client, db, settings, committed):
    settings.INQUIRY_MAX_PER_ADDRESS = 1
    url = reverse("api:inquiry_submit")
    body = {"name": "Ola", "email": "ola@example.org", "text": "Kva er tala for 2025? Eg finn dei ikkje."}
    response = committed(client.post, url, body, content_type="application/json")
    assert response.status_code == 201 and response.json()["language"] == "nn"
    assert client.post(url, body, content_type="application/json").status_code == 429
    empty = client.post(url, {**body, "email": "x@example.org", "text": " "}, content_type="application/json")
    assert empty.status_code == 400


def test_queue_detail_answer_language_forward_invite_close(api, db, ask, section, committed):
    inquiry = ask(text="Hello, how can I get access to microdata?")
    other = ask(email="other@example.org")
    third = ask(email="third@example.org")
    queue = api("get", "inquiry_queue").json()
    assert {item["reference"] for item in queue} == {inquiry.reference, other.reference, third.reference}
    detail = api("get", "inquiry_detail", inquiry.reference).json()
    assert detail["language_guess"] == "en" and detail["messages"][0]["kind"] == "question"
    assert (
        api("post", "inquiry_language", inquiry.reference, json={"language": "nb"}).json()["language"] == "nb"
    )
    answered = committed(api, "post", "inquiry_answer", inquiry.reference, json={"body": "Svar"})
    assert answered.json()["status"] == "answered"
    forwarded = committed(api, "post", "inquiry_forward", other.reference, json={"section_code": "income"})
    assert forwarded.json()["section"] == "income"
    assert api("post", "inquiry_forward", third.reference, json={"section_code": "nope"}).status_code == 400
    invited = committed(api, "post", "inquiry_invite", third.reference)
    assert invited.json()["status"] == "answered"
    assert api("post", "inquiry_close", third.reference, json={"reason": "x"}).status_code == 400
    assert api("get", "inquiry_detail", "INF-0000-00000").status_code == 404


def test_rejections_and_release(api, db, settings, committed):
    from tests.inquiries.conftest import raw_mail

    settings.INQUIRY_MAX_PER_ADDRESS = 0
    committed(services.inquiry_receive_email, raw=raw_mail())
    (item,) = api("get", "inquiry_rejections").json()
    assert item["reason"] == "rate_address"
    released = committed(api, "post", "inquiry_rejection_release", item["id"])
    assert released.status_code == 200 and Inquiry.objects.count() == 1


def test_figures_and_sections(api, db, section_member):
    assert "weeks" in api("get", "inquiry_figures").json()
    created = api(
        "post",
        "inquiry_section_create",
        json={
            "code": "pop",
            "name": "Population",
            "email": "p@example.org",
            "member_emails": [section_member.email],
        },
    )
    assert created.status_code == 201
    assert [s["code"] for s in api("get", "inquiry_sections").json()] == ["pop"]


def test_journal_record_search_and_innsyn(api, client, db, committed):
    created = api(
        "post",
        "journal_record",
        multipart=True,
        data={
            "case_number": "26/00042-1",
            "doc_type": "I",
            "title": "Søknad fra Kari Nordmann",
            "party": "Kari Nordmann",
            "party_is_person": "true",
            "document_date": "2026-11-10",
            "screened": "true",
            "legal_reference": "Offl. § 13",
        },
    )
    assert created.status_code == 201, created.content
    assert created.json()["party"] == "*****"
    found = client.get(reverse("api:journal_search"), {"q": "Søknad"}).json()
    assert [e["document_number"] for e in found] == ["26/00042-1"]
    missing = client.post(
        reverse("api:innsyn_request"),
        {"document_number": "26/99999-1", "email": "j@example.org"},
        content_type="application/json",
        headers={"Accept-Language": "en"},
    )
    assert missing.status_code == 404 and "no document 26/99999-1" in missing.json()["detail"]
    made = committed(
        client.post,
        reverse("api:innsyn_request"),
        {"document_number": "26/00042-1", "email": "j@example.org"},
        content_type="application/json",
    )
    assert made.status_code == 201
    reference = made.json()["reference"]
    assert [r["reference"] for r in api("get", "innsyn_queue").json()] == [reference]
    refused = committed(api, "post", "innsyn_refuse", reference, json={"legal_reference": "Offl. § 13"})
    assert refused.json()["status"] == InnsynStatus.REFUSED
    assert api("post", "innsyn_grant", reference).status_code == 400
    assert (
        client.post(
            reverse("api:innsyn_appeal"), {"token": "bad", "text": "x"}, content_type="application/json"
        ).status_code
        == 400
    )


def test_surveys_api(api, db, committed):
    created = api(
        "post",
        "survey_create",
        json={
            "code": "s1",
            "name": "S",
            "what_to_report": "a",
            "how_to_report": "b",
            "deadline": "2020-01-01",
            "contact_name": "c",
            "contact_email": "c@example.org",
            "obligatory": True,
            "legal_reference": "statistikkloven § 10",
        },
    )
    survey_id = created.json()["id"]
    added = api(
        "post",
        "respondent_add",
        survey_id,
        json={"name": "R", "reporting_for": "R AS", "email": "r@example.org"},
    )
    assert added.status_code == 201
    assert committed(api, "post", "survey_letters", survey_id).json() == {"count": 1}
    assert committed(api, "post", "survey_reminders", survey_id).json() == {"count": 1}
    respondent_id = added.json()["id"]
    fine = api("post", "fine_prepare", respondent_id, json={"amount_per_day": 300, "from_date": "2099-01-01"})
    assert fine.status_code == 201
    assert committed(api, "post", "fine_send", fine.json()["id"]).json()["status"] == "sent"
    reported = api("post", "respondent_reported", respondent_id)
    assert reported.json()["reported_at"]
    assert [s["reported"] for s in api("get", "surveys").json()] == [1]
    assert len(api("get", "survey_respondents", survey_id).json()) == 1
    assert date.fromisoformat(created.json()["deadline"]) == date(2020, 1, 1)
