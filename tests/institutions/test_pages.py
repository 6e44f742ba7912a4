"""Portal pages: the public "may my institution apply?" page, the institution page, my affiliation."""

from __future__ import annotations

from datetime import date

import pytest

from tilgang.institutions.models import Affiliation, FundedProject, InstitutionKind

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


def test_public_check_page_answers_with_a_reason(client, approved, institution_factory):
    approved(source="nfr", start=date(2004, 1, 1), name="Universitetet i Oslo", orgnr="971035854")
    institution_factory(name="Analysehuset AS", orgnr="975318648")
    page = client.get("/institusjoner/kan-vi-soke/?q=971035854", headers=EN).content.decode()
    assert "Universitetet i Oslo" in page and "May apply" in page
    page = client.get("/institusjoner/kan-vi-soke/?q=analysehuset", headers=EN).content.decode()
    assert "May not apply as it stands" in page and "(R-ELIG-2)" not in page
    page = client.get("/institusjoner/kan-vi-soke/?q=finnesikke", headers=EN).content.decode()
    assert "No institution matches" in page


def test_institution_page_shows_where_the_approval_comes_from(client_for, make_user, approved):
    uio = approved(source="nfr", start=date(2004, 1, 1), name="Universitetet i Oslo", orgnr="971035854")
    page = client_for(make_user("case_officer")).get(f"/institusjoner/{uio.pk}/", headers=EN).content.decode()
    assert "Research Council of Norway" in page and "recorded by hand" in page


def test_edit_form_no_longer_sets_approvals(client_for, admin):
    client = client_for(admin)
    response = client.post(
        "/institusjoner/ny/",
        {"name": "Statistiska centralbyrån", "orgnr": "", "foreign_id": "SE-SCB", "country": "se",
         "kind": "public_body", "public_body_category": "d"},
    )  # fmt: skip
    assert response.status_code == 302
    page = client.get("/institusjoner/ny/", headers=EN).content.decode()
    assert "research_nfr" not in page


def test_my_affiliation_and_project(client_for, make_user, approved, institution_factory):
    uio = approved(source="nfr", start=date(2004, 1, 1), name="Universitetet i Oslo", orgnr="971035854")
    body = institution_factory(
        name="Nav", kind=InstitutionKind.PUBLIC_BODY, public_body_category="a", orgnr="889640782"
    )
    user = make_user()
    client = client_for(user)
    client.post(
        "/institusjoner/mine/tilknytning/",
        {"aff-institution": uio.pk, "aff-position": "Førsteamanuensis", "aff-has_research_qualifications": "on", "aff-valid_from": "2020-01-01"},
    )  # fmt: skip
    assert Affiliation.objects.get(user=user).has_research_qualifications
    response = client.post(
        "/institusjoner/mine/prosjekt/",
        {"proj-title": "Sykefravær", "proj-funding_kind": "commission", "proj-funder_name": "Nav", "proj-reference": "K-1",
         "proj-commissioning_body": body.pk, "proj-valid_from": "2025-01-01", "proj-valid_to": "2026-12-31"},
        headers=EN, follow=True,
    )  # fmt: skip
    assert "standard research agreement" in response.content.decode()
    assert not FundedProject.objects.exists()
    page = client.get("/institusjoner/mine/", headers=EN).content.decode()
    assert "Førsteamanuensis" in page
