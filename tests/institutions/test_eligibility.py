"""Who may apply, one test per kind of applicant, named after the rule (DOMAIN R-ELIG-1…7)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import transaction

from tilgang.institutions.eligibility import eligibility
from tilgang.institutions.models import Affiliation, FundedProject, InstitutionKind, PublicBodyCategory

pytestmark = pytest.mark.django_db
ON = date(2026, 3, 1)


def rules(result, blocking=None):
    return [f.rule for f in result.findings if blocking is None or f.blocking == blocking]


def test_R_ELIG_1_researcher_at_an_nfr_approved_institution_may_apply(approved):
    uio = approved(source="nfr", start=date(2004, 1, 1), name="Universitetet i Oslo", orgnr="971035854")
    result = eligibility(institution=uio, on=ON, purpose_statistical=True)
    assert result.may_apply and result.route == "approved_institution"
    finding = result.by_rule("R-ELIG-1")[0]
    assert (
        not finding.blocking
        and "Research Council of Norway" in finding.message
        and "2004-01-01" in finding.message
    )


def test_R_ELIG_1_eurostat_recognised_institution_may_apply(approved):
    entity = approved(source="eurostat", start=date(2016, 9, 1), name="Karolinska Institutet", country="SE")
    result = eligibility(
        institution=entity, on=ON, purpose_statistical=True, wants_indirectly_identifiable=False
    )
    assert result.may_apply
    assert "Eurostat" in result.by_rule("R-ELIG-1")[0].message


def test_R_ELIG_1_expired_approval_blocks_and_says_when(approved):
    old = approved(
        source="nfr",
        start=date(2010, 1, 1),
        end=date(2025, 12, 31),
        name="Nedlagt institutt",
        orgnr="970141669",
    )
    result = eligibility(institution=old, on=ON, purpose_statistical=True)
    assert not result.may_apply
    finding = result.by_rule("R-ELIG-1")[0]
    assert finding.blocking and "expired on 2025-12-31" in finding.message
    assert "approved again" in finding.what_to_do
    # The day it ended it was still approved.
    assert eligibility(institution=old, on=date(2025, 12, 31), purpose_statistical=True).may_apply


def test_R_ELIG_1_approval_that_has_not_started_does_not_count(approved):
    future = approved(source="nfr", start=date(2027, 1, 1), name="Nytt institutt", orgnr="874761532")
    assert not eligibility(institution=future, on=ON, purpose_statistical=True).may_apply


def test_R_ELIG_2_organisation_on_no_list_is_told_to_ask_the_office(institution_factory):
    other = institution_factory(name="Analysehuset AS", orgnr="975318648")
    result = eligibility(institution=other, on=ON, purpose_statistical=True)
    assert not result.may_apply and result.route == ""
    finding = result.by_rule("R-ELIG-2")[0]
    assert finding.blocking and "not on the list" in finding.message
    assert "statutes" in finding.what_to_do and "standard research agreement" in finding.what_to_do
    assert "R-ELIG" not in finding.what_to_do  # plain words for the public, the rule is in `rule`


def test_R_ELIG_2_institution_approved_by_the_office_may_apply(approved):
    office = approved(
        source="office",
        start=date(2025, 1, 1),
        end=date(2029, 12, 31),
        name="Senter for velferdsanalyse",
        orgnr="987654325",
    )
    result = eligibility(institution=office, on=ON, purpose_statistical=True)
    assert result.may_apply
    finding = result.by_rule("R-ELIG-2")[0]
    assert not finding.blocking and "statistics office" in finding.message and "2029-12-31" in finding.message


@pytest.mark.parametrize("category", list(PublicBodyCategory.values[:3]))
def test_R_ELIG_3_norwegian_public_bodies_a_to_c_may_apply(institution_factory, category):
    body = institution_factory(
        name=f"Organ {category}", kind=InstitutionKind.PUBLIC_BODY, public_body_category=category
    )
    result = eligibility(institution=body, on=ON, purpose_statistical=True)
    assert result.may_apply and result.route == "public_body"
    assert f"{category})" in result.by_rule("R-ELIG-3")[0].message


def test_R_ELIG_3_public_body_without_category_is_blocked(institution_factory):
    body = institution_factory(name="Ukjent etat", kind=InstitutionKind.PUBLIC_BODY)
    result = eligibility(institution=body, on=ON, purpose_statistical=True)
    assert not result.may_apply and rules(result, blocking=True) == ["R-ELIG-3"]


def test_R_ELIG_3_municipality_that_ceased_is_blocked(institution_factory):
    gone = institution_factory(
        name="Tidligere kommune",
        kind=InstitutionKind.PUBLIC_BODY,
        public_body_category="a",
        region_code="1850",
        ceased_on=date(2024, 1, 1),
    )
    result = eligibility(institution=gone, on=ON, purpose_statistical=True)
    assert not result.may_apply and "ceased" in result.findings[-1].message


@pytest.fixture
def owner(make_user):
    return make_user(email="prosjekt@example.org")


def _project(owner, **fields):
    values = dict(
        title="Arbeid og helse", owner=owner, funding_kind="nfr", funder_name="Forskningsrådet",
        reference="NFR 123456", valid_from=date(2025, 1, 1), valid_to=date(2027, 12, 31),
    )  # fmt: skip
    values.update(fields)
    with transaction.atomic():
        return FundedProject.objects.create(**values)


def test_R_ELIG_4_nfr_funded_project_gives_a_route_without_an_approved_institution(
    institution_factory, owner
):
    unapproved = institution_factory(name="Lite analysefirma AS", orgnr="975318648")
    project = _project(owner)
    result = eligibility(institution=unapproved, on=ON, purpose_statistical=True, funded_project=project)
    assert result.may_apply and result.route == "funded_project"
    finding = result.by_rule("R-ELIG-4")[0]
    assert not finding.blocking and "not been checked" in finding.message


def test_R_ELIG_4_commission_needs_a_public_body_and_the_standard_research_agreement(
    institution_factory, owner
):
    body = institution_factory(
        name="Arbeids- og velferdsdirektoratet", kind=InstitutionKind.PUBLIC_BODY, public_body_category="a"
    )
    without = _project(owner, funding_kind="commission", commissioning_body=body, standard_agreement=False)
    result = eligibility(institution=None, on=ON, purpose_statistical=True, funded_project=without)
    assert not result.may_apply and rules(result, blocking=True) == ["R-ELIG-4"]
    with_agreement = _project(
        owner, funding_kind="commission", commissioning_body=body, standard_agreement=True
    )
    assert eligibility(
        institution=None, on=ON, purpose_statistical=True, funded_project=with_agreement
    ).may_apply


def test_R_ELIG_4_project_outside_its_period_gives_no_access(owner):
    ended = _project(owner, valid_to=date(2025, 12, 31))
    result = eligibility(institution=None, on=ON, purpose_statistical=True, funded_project=ended)
    assert not result.may_apply and "gives no access" in result.by_rule("R-ELIG-4")[0].message


def test_R_ELIG_4_without_institution_or_project_nobody_may_apply():
    result = eligibility(institution=None, on=ON, purpose_statistical=True)
    assert not result.may_apply and result.findings[0].blocking


@pytest.fixture
def supervisor_at(make_user):
    def make(institution, qualified=True, **fields):
        user = make_user()
        with transaction.atomic():
            return Affiliation.objects.create(
                user=user, institution=institution, position="Professor", has_research_qualifications=qualified,
                valid_from=fields.get("valid_from", date(2015, 1, 1)), valid_to=fields.get("valid_to"),
            )  # fmt: skip

    return make


def test_R_ELIG_5_student_with_qualified_supervisor_at_approved_institution_may_apply(
    approved, institution_factory, supervisor_at
):
    uio = approved(source="nfr", start=date(2004, 1, 1), name="Universitetet i Oslo", orgnr="971035854")
    supervisor = supervisor_at(uio)
    result = eligibility(
        institution=None, on=ON, purpose_statistical=True, applicant_is_student=True, supervisor=supervisor
    )
    assert result.may_apply and result.route == "student"
    assert "Universitetet i Oslo" in result.by_rule("R-ELIG-5")[0].message


def test_R_ELIG_5_student_without_supervisor_or_with_unqualified_one_is_blocked(approved, supervisor_at):
    uio = approved(source="nfr", start=date(2004, 1, 1), name="Universitetet i Oslo", orgnr="971035854")
    alone = eligibility(institution=uio, on=ON, purpose_statistical=True, applicant_is_student=True)
    assert not alone.may_apply and rules(alone, blocking=True) == ["R-ELIG-5"]
    unqualified = eligibility(
        institution=uio,
        on=ON,
        purpose_statistical=True,
        applicant_is_student=True,
        supervisor=supervisor_at(uio, qualified=False),
    )
    assert (
        not unqualified.may_apply and "research qualifications" in unqualified.by_rule("R-ELIG-5")[0].message
    )


def test_R_ELIG_5_supervisor_at_unapproved_institution_or_ended_affiliation_is_blocked(
    institution_factory, approved, supervisor_at
):
    firm = institution_factory(name="Firma AS", orgnr="975318648")
    result = eligibility(
        institution=None,
        on=ON,
        purpose_statistical=True,
        applicant_is_student=True,
        supervisor=supervisor_at(firm),
    )
    assert (
        not result.may_apply
        and "not an approved research institution" in result.by_rule("R-ELIG-5")[0].message
    )
    uio = approved(source="nfr", start=date(2004, 1, 1), name="Universitetet i Oslo", orgnr="971035854")
    left = supervisor_at(uio, valid_to=date(2025, 6, 30))
    assert not eligibility(
        institution=None, on=ON, purpose_statistical=True, applicant_is_student=True, supervisor=left
    ).may_apply


def test_R_ELIG_6_non_statistical_purpose_blocks_even_an_approved_institution(approved):
    uio = approved(source="nfr", start=date(2004, 1, 1), name="Universitetet i Oslo", orgnr="971035854")
    result = eligibility(institution=uio, on=ON, purpose_statistical=False)
    assert not result.may_apply
    finding = result.by_rule("R-ELIG-6")[0]
    assert finding.blocking and "control use" in finding.message


def test_R_ELIG_7_foreign_institution_outside_eu_eea_gets_only_anonymised_data(approved):
    harvard = approved(source="eurostat", start=date(2018, 4, 4), name="Harvard University", country="US")
    identifiable = eligibility(institution=harvard, on=ON, purpose_statistical=True)
    assert not identifiable.may_apply
    finding = identifiable.by_rule("R-ELIG-7")[0]
    assert (
        finding.blocking
        and "only anonymised data" in finding.message
        and "Norwegian project" in finding.what_to_do
    )
    anonymised = eligibility(
        institution=harvard, on=ON, purpose_statistical=True, wants_indirectly_identifiable=False
    )
    assert anonymised.may_apply and not anonymised.by_rule("R-ELIG-7")[0].blocking


def test_R_ELIG_7_approved_eu_eea_institution_only_under_a_special_agreement(approved):
    karolinska = approved(
        source="eurostat", start=date(2016, 9, 1), name="Karolinska Institutet", country="SE"
    )
    result = eligibility(institution=karolinska, on=ON, purpose_statistical=True)
    assert result.may_apply
    finding = result.by_rule("R-ELIG-7")[0]
    assert (
        not finding.blocking
        and "special agreement" in finding.message
        and "Norwegian venue" in finding.message
    )


def test_R_ELIG_7_unapproved_eu_institution_gets_nothing_identifiable(institution_factory):
    firm = institution_factory(name="Datenfirma GmbH", country="DE", foreign_id="HRB 1")
    result = eligibility(institution=firm, on=ON, purpose_statistical=True)
    assert not result.may_apply
    assert set(rules(result, blocking=True)) == {"R-ELIG-2", "R-ELIG-7"}


@pytest.mark.parametrize("category", ["d", "e"])
def test_R_ELIG_7_foreign_statistics_authority_and_treaty_organisation_under_special_agreement(
    institution_factory, category
):
    body = institution_factory(
        name="SCB",
        country="SE",
        foreign_id="SE-SCB",
        kind=InstitutionKind.PUBLIC_BODY,
        public_body_category=category,
    )
    result = eligibility(institution=body, on=ON, purpose_statistical=True)
    assert result.may_apply and result.route == "public_body"
    assert "special agreement" in result.by_rule("R-ELIG-7")[0].message


def test_findings_are_translated(approved):
    from django.utils import translation

    old = approved(
        source="nfr", start=date(2010, 1, 1), end=date(2025, 12, 31), name="Institutt", orgnr="970141669"
    )
    with translation.override("en"):
        english = eligibility(institution=old, on=ON, purpose_statistical=True).findings[0].message
    assert english.startswith("The approval of Institutt")
