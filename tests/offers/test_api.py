"""Every offer action through the API; bad input gets a clear message and nothing changes."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client

from tests.conftest import PASSWORD
from tests.offers.conftest import granted
from tilgang.accounts.services import api_token_create
from tilgang.applications.lifecycle import State
from tilgang.offers.models import Offer


@pytest.fixture
def api(db):
    def for_user(user) -> Client:
        _token, raw = api_token_create(user=user, name="test")
        return Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})

    return for_user


def post(client, url, data=None):
    return client.post(url, data or {}, content_type="application/json")


def test_the_whole_journey_through_the_api(api, people, catalog, tariff):
    application = granted(people, catalog)
    officer, applicant, signatory = api(people["officer"]), api(people["applicant"]), api(people["signatory"])
    response = post(officer, f"/api/v1/offers/cases/{application.pk}/create")
    assert response.status_code == 201, response.content
    offer = response.json()
    base = f"/api/v1/offers/{offer['id']}"
    # The applicant sees no draft (R-CASE-3).
    assert applicant.get(base).status_code == 404
    line = offer["lines"][0]
    response = post(officer, f"{base}/lines/{line['id']}/set", {"quantity": "8"})
    assert response.status_code == 200 and response.json()["lines"][0]["amount"] == "10000.00"
    response = post(
        officer, f"{base}/lines/add", {"item": "other_hours", "quantity": "2", "reason": "Extra checks"}
    )
    assert response.status_code == 200
    assert post(officer, f"{base}/send").status_code == 200
    detail = applicant.get(base).json()
    assert detail["status"] == "sent" and detail["total"] == "34687.50"  # 27 750 + 25 % VAT
    members = application.members.all()
    signatory_member = members.get(role="signatory")
    response = post(applicant, f"{base}/accept", {"invoice_address": "Postboks 1072 Blindern\n0316 Oslo",
                                                 "order_reference": "UIO-1", "signatory_id": signatory_member.pk})  # fmt: skip
    assert response.status_code == 200, response.content
    sha = response.json()["agreement_sha256"]
    for who in ("applicant", "member", "signatory"):
        assert post(api(people[who]), f"{base}/declaration/sign").status_code == 200
    # Re-authentication is part of signing through the API.
    wrong = post(signatory, f"{base}/sign", {"document_sha256": sha, "password": "not it"})
    assert wrong.status_code == 400
    response = post(signatory, f"{base}/sign", {"document_sha256": sha, "password": PASSWORD})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "accepted"
    application.refresh_from_db()
    assert application.state == State.AGREEMENT_SIGNED
    assert applicant.get(f"{base}/agreement").status_code == 200


def test_bad_input_is_refused_with_a_message_and_nothing_changes(api, people, catalog, tariff):
    application = granted(people, catalog)
    officer = api(people["officer"])
    offer = post(officer, f"/api/v1/offers/cases/{application.pk}/create").json()
    base = f"/api/v1/offers/{offer['id']}"
    line = offer["lines"][0]
    response = post(officer, f"{base}/lines/{line['id']}/set", {"quantity": "-1"})
    assert response.status_code == 400 and "negative" in response.json()["detail"]
    response = post(officer, f"{base}/lines/add", {"item": "champagne", "quantity": "1", "reason": "x"})
    assert response.status_code == 400 and "Unknown tariff item" in response.json()["detail"]
    assert officer.get(base).json()["lines"] == offer["lines"]
    assert post(officer, f"{base}/send").status_code == 200
    response = post(officer, f"{base}/update", {"special_terms": "new"})
    assert response.status_code == 400 and "has been sent" in response.json()["detail"]
    applicant = api(people["applicant"])
    signatory_id = application.members.get(role="signatory").pk
    due = Offer.objects.get(pk=offer["id"]).due_at
    with time_machine.travel(due + timedelta(hours=1)):
        response = post(applicant, f"{base}/accept", {"invoice_address": "A", "order_reference": "1",
                                                     "signatory_id": signatory_id})  # fmt: skip
    assert response.status_code == 400 and "deadline" in response.json()["detail"]
    assert post(applicant, f"{base}/accept", {"invoice_address": "A\n0316 Oslo", "order_reference": "1",
                                             "signatory_id": signatory_id}).status_code == 200  # fmt: skip
    sha = applicant.get(base).json()["agreement_sha256"]
    response = post(api(people["member"]), f"{base}/sign", {"document_sha256": sha, "password": PASSWORD})
    assert response.status_code == 400 and "named as the signatory" in response.json()["detail"]
    response = post(api(people["signatory"]), f"{base}/sign", {"document_sha256": sha, "password": PASSWORD})
    assert response.status_code == 400 and "Missing" in response.json()["detail"]
    assert Offer.objects.get(pk=offer["id"]).status == "sent"


def test_tariffs_are_maintained_by_administrators(api, make_user, people, tariff):
    admin = api(make_user("administrator"))
    data = {"valid_from": "2027-01-01", "hourly_rate": "1300", "outside_lists_hourly_rate": "1500",
            "fdtrygd_table_price": "5000", "area_price": "6800", "handling_cost": "2600",
            "hours_coordination": "6", "hours_population": "4", "hours_third_party": "10", "hours_archiving": "3",
            "prices": [{"kind": "fdtrygd", "key": "ARBSOK", "price": "5400"}]}  # fmt: skip
    response = post(admin, "/api/v1/offers/tariffs/create", data)
    assert response.status_code == 201, response.content
    assert [t["valid_to"] for t in admin.get("/api/v1/offers/tariffs").json()] == [None, "2026-12-31"]
    bad = post(
        admin, "/api/v1/offers/tariffs/create", {**data, "valid_from": "2028-01-01", "hourly_rate": "-5"}
    )
    assert bad.status_code == 400 and "negative" in bad.json()["detail"]
    bad = post(admin, "/api/v1/offers/tariffs/create", {**data, "valid_from": "2028-01-01",
                                                        "prices": [{"kind": "moon", "key": "x", "price": "1"}]})  # fmt: skip
    assert bad.status_code == 400 and "Unknown tariff item" in bad.json()["detail"]
    assert len(admin.get("/api/v1/offers/tariffs").json()) == 2
    assert post(api(people["officer"]), "/api/v1/offers/tariffs/create", data).status_code == 403
