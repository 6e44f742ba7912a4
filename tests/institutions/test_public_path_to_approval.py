"""The public "may we apply?" page shows where an organisation stands and how a new one gets to ask the
office for approval (DOMAIN R-ELIG-1, R-ELIG-2); requesters find their request in the menu."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import timezone

from tests.institutions.conftest import REQUEST_FIELDS, project_rows
from tilgang.institutions import services
from tilgang.institutions.models import ApprovalRequest, RequestStatus

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}
CHECK = "/institusjoner/kan-vi-soke/"


def _page(client, query: str) -> str:
    return client.get(CHECK, {"q": query}, headers=EN).content.decode()


def test_R_ELIG_1_an_approved_institution_is_not_offered_the_approval_request(client, approved):
    approved(source="nfr", start=date(2004, 1, 1), name="Universitetet i Oslo", orgnr="971035854")
    page = _page(client, "Universitetet i Oslo")
    assert "May apply" in page
    assert "/institusjoner/godkjenning/ny/" not in page and 'id="request-path"' not in page
    assert "(R-ELIG-1)" not in page  # no rule codes for the public


def test_R_ELIG_2_a_new_organisation_is_told_how_to_get_an_account(client, institution_factory):
    institution_factory(name="Analysehuset AS", orgnr="975318648")
    page = _page(client, "analysehuset")
    assert "May not apply as it stands" in page and "(R-ELIG-2)" not in page and "R-ELIG-4" not in page
    assert 'id="request-path"' in page
    assert "Accounts are given by invitation: ask the information service for one" in page
    assert 'href="/informasjon/?emne=microdata"' in page
    form = client.get("/informasjon/?emne=microdata", headers=EN).content.decode()
    assert '<option value="microdata" selected>' in form
    login = client.get("/konto/logg-inn/", headers=EN).content.decode()
    assert "No account? Accounts are given by invitation." in login


def test_R_ELIG_2_a_pending_or_refused_request_is_said(client, applicant, jurist):
    request = services.approval_request_create(
        actor=applicant, **{**REQUEST_FIELDS, "projects": project_rows(timezone.localdate().year)}
    )
    ApprovalRequest.objects.filter(pk=request.pk).update(
        status=RequestStatus.SUBMITTED, submitted_at=timezone.now()
    )
    page = _page(client, "Fjordforsk")
    assert "The office is assessing a request to approve Fjordforsk analyse AS" in page
    assert 'id="request-path"' not in page  # a second request would be refused anyway
    ApprovalRequest.objects.filter(pk=request.pk).update(
        status=RequestStatus.REFUSED, decided_at=timezone.now()
    )
    page = _page(client, "Fjordforsk")
    assert "The office refused to approve Fjordforsk analyse AS as a research institution on" in page
    assert 'id="request-path"' in page


def test_signed_in_users_are_sent_straight_to_the_request_form(client_for, make_user, institution_factory):
    institution_factory(name="Analysehuset AS", orgnr="975318648")
    page = _page(client_for(make_user(language="en")), "analysehuset")
    assert 'href="/institusjoner/godkjenning/ny/"' in page and "ask the information service" not in page


def test_the_menu_leads_a_requester_to_their_approval_request(client_for, applicant, make_user):
    client = client_for(applicant)
    assert 'href="/institusjoner/godkjenning/"' not in client.get("/", headers=EN).content.decode()
    services.approval_request_create(
        actor=applicant, **{**REQUEST_FIELDS, "projects": project_rows(timezone.localdate().year)}
    )
    assert 'href="/institusjoner/godkjenning/"' in client.get("/", headers=EN).content.decode()
    other = client_for(make_user(email="annen@example.org"))
    assert 'href="/institusjoner/godkjenning/"' not in other.get("/", headers=EN).content.decode()
