"""The API twins of the standard-answer pages and of phone inquiries (DOMAIN R-INFO-1, R-INFO-2)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tilgang.accounts.services import api_token_create
from tilgang.inquiries.models import InquiryStatus, MessageKind, ReplyTemplate
from tilgang.inquiries.service_level import OSLO


@pytest.fixture
def api_as(client):
    def for_user(user):
        _token, raw = api_token_create(user=user, name="test")
        headers = {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}

        def call(method, name, *args, json=None, **query):
            url = reverse(f"api:{name}", args=args)
            if method == "get":
                return client.get(url, query, headers=headers)
            return client.post(url, json or {}, content_type="application/json", headers=headers)

        return call

    return for_user


def test_R_INFO_2_standard_answers_through_the_api(api_as, info, make_user):
    api = api_as(make_user("administrator"))
    created = api(
        "post",
        "inquiry_standard_answer_create",
        json={
            "key": "mikrodata",
            "topic": "microdata",
            "versions": [{"language": "nn", "title": "Tilgang", "body": "Forskarar kan søkje."}],
        },
    )
    assert created.status_code == 201
    assert created.json()["missing_languages"] == ["nb", "en"] and not created.json()["retired"]
    again = api("post", "inquiry_standard_answer_create", json={"key": "mikrodata", "versions": []})
    assert again.status_code == 400

    twice = api(
        "post",
        "inquiry_standard_answer_update",
        "mikrodata",
        json={"versions": [{"language": "nb", "title": "A", "body": "B"}] * 2},
    )
    assert twice.status_code == 400 and "at most once" in twice.json()["detail"]
    updated = api(
        "post",
        "inquiry_standard_answer_update",
        "mikrodata",
        json={"versions": [{"language": "nb", "title": "Tilgang", "body": "Forskere kan søke."}]},
    )
    assert updated.status_code == 200
    body = updated.json()
    assert body["missing_languages"] == ["en"] and body["topic"] == "microdata"  # topic kept
    assert {v["language"]: v["body"] for v in body["versions"]} == {
        "nb": "Forskere kan søke.",
        "nn": "Forskarar kan søkje.",  # versions not given are left as they were
    }

    assert api("post", "inquiry_standard_answer_retire", "mikrodata").json()["retired"] is True
    assert api("post", "inquiry_standard_answer_retire", "mikrodata").status_code == 400
    listed = api("get", "inquiry_standard_answers", include_retired="false").json()
    assert listed == []
    assert api("post", "inquiry_standard_answer_reactivate", "mikrodata").json()["retired"] is False
    detail = api("get", "inquiry_standard_answer", "mikrodata").json()
    assert detail["key"] == "mikrodata" and len(detail["versions"]) == 2
    assert api("get", "inquiry_standard_answer", "nope").status_code == 404
    assert api("post", "inquiry_standard_answer_retire", "nope").status_code == 404
    assert ReplyTemplate.objects.filter(retired_at__isnull=True).count() == 2


def test_R_INFO_1_a_phone_inquiry_through_the_api_is_answered_by_phone(api_as, info, committed, mailoutbox):
    api = api_as(info)
    received = datetime(2026, 11, 20, 14, 30, tzinfo=OSLO)  # Friday
    with time_machine.travel(datetime(2026, 11, 23, 10, tzinfo=OSLO), tick=False):
        created = committed(
            api,
            "post",
            "inquiry_phone_register",
            json={
                "name": "Per Telefon",
                "phone": "+47 912 34 567",
                "topic": "statistics",
                "text": "Eg lurer på kvar eg finn bustadprisane.",
                "received_at": received.isoformat(),
            },
        )
        assert created.status_code == 201
        inquiry = created.json()
        assert inquiry["channel"] == "phone" and inquiry["language"] == "nn" and inquiry["email"] == ""
        assert inquiry["due_at"].startswith("2026-11-24T15:00")
        assert mailoutbox == []
        reference = inquiry["reference"]
        queue = api("get", "inquiry_queue").json()
        assert [item["reference"] for item in queue] == [reference]

        refused = api("post", "inquiry_answer", reference, json={"body": "Svar"})
        assert refused.status_code == 400 and "no e-mail address" in refused.json()["detail"]
        given = datetime(2026, 11, 23, 9, 40, tzinfo=OSLO)
        answered = api(
            "post",
            "inquiry_answer_phone",
            reference,
            json={"body": "Viste til statistikkbanken.", "given_at": given.isoformat()},
        )
    assert answered.status_code == 200
    assert (
        answered.json()["status"] == InquiryStatus.ANSWERED and answered.json()["clock"] == "answered_in_time"
    )
    detail = api("get", "inquiry_detail", reference).json()
    assert [m["kind"] for m in detail["messages"]] == [MessageKind.QUESTION, MessageKind.PHONE_REPLY]


def test_phone_registration_refuses_a_future_time_and_other_roles(api_as, info, make_user):
    api = api_as(info)
    future = api(
        "post",
        "inquiry_phone_register",
        json={
            "name": "Per",
            "phone": "+47 912 34 567",
            "text": "Spørsmål?",
            "received_at": (datetime.now(OSLO) + timedelta(days=1)).isoformat(),
        },
    )
    assert future.status_code == 400 and "future" in future.json()["detail"]
    officer = api_as(make_user("case_officer"))
    refused = officer(
        "post", "inquiry_phone_register", json={"name": "Per", "phone": "+47 912 34 567", "text": "Spørsmål?"}
    )
    assert refused.status_code == 403
