"""The pre-check: each guideline rule applied to an application, named after its DOMAIN ID."""

from __future__ import annotations

from datetime import date

import pytest

from tests.applications.conftest import complete_draft, run, to_active
from tilgang.applications import services
from tilgang.applications.lifecycle import Command, Refusal, State
from tilgang.applications.models import Application
from tilgang.applications.rules import precheck


def rules(application, *, blocking_only=True):
    application = Application.objects.get(pk=application.pk)
    return {f.rule for f in precheck(application) if f.blocking or not blocking_only}


def finding(application, rule):
    return next(f for f in precheck(Application.objects.get(pk=application.pk)) if f.rule == rule)


def select(people, application, *names, **extra):
    services.variables_set(actor=people["applicant"], application=application, names=list(names), **extra)


def update(people, application, **data):
    services.application_update(actor=people["applicant"], application=application, data=data)


def test_R_DATA_1_health_register_variables_point_to_helsedata(people, catalog):
    application = complete_draft(people, catalog, gdpr_art9="j")
    select(people, application, "BEFOLKNING_KJOENN", "NPR_DIAGNOSE")
    found = finding(application, "R-DATA-1")
    assert found.blocking and "NPR_DIAGNOSE" in found.message and "helsedata.no" in found.what_to_do


def test_R_DATA_2_unpublished_statistic_names_its_date(people, catalog):
    application = complete_draft(people, catalog)
    select(people, application, "INNTEKT_WLONN")
    found = finding(application, "R-DATA-2")
    assert found.blocking and "2021" in found.message
    # Leaving the embargoed year out clears it.
    select(people, application, "INNTEKT_WLONN", years={"INNTEKT_WLONN": [2019, 2020]})
    assert "R-DATA-2" not in rules(application)


def test_R_DATA_3_special_categories_need_an_art_9_basis(people, catalog):
    application = complete_draft(people, catalog)
    select(people, application, "STRAFF_LOVBRUDD")
    assert "R-DATA-3" in rules(application)
    update(people, application, gdpr_art9="j")
    assert "R-DATA-3" not in rules(application)


def test_R_DATA_6_especially_identifying_variables_need_a_justification(people, catalog):
    application = complete_draft(people, catalog)
    select(people, application, "BEFOLKNING_FOEDSELSDATO")
    assert "R-DATA-6" in rules(application)
    services.variable_justify(
        actor=people["applicant"], application=application, name="BEFOLKNING_FOEDSELSDATO",
        justification="Exact age at the event is the outcome.",
    )  # fmt: skip
    assert "R-DATA-6" not in rules(application)


def test_R_ELIG_7_foreign_institution_wanting_identifiable_data(people, catalog):
    from tilgang.institutions.models import Institution, InstitutionKind

    abroad = Institution.objects.create(
        name="Harvard", foreign_id="US-H", country="US", kind=InstitutionKind.OTHER
    )
    application = complete_draft(people, catalog, institution_id=abroad.pk)
    assert finding(application, "R-ELIG-7").blocking
    update(people, application, wants_indirectly_identifiable=False)
    assert "R-ELIG-7" not in rules(application)


def test_R_ELIG_7_eu_research_institution_needs_a_special_agreement(people, catalog):
    from tilgang.institutions.models import Institution, InstitutionKind

    eu = Institution.objects.create(
        name="Karolinska", foreign_id="SE-KI", country="SE", kind=InstitutionKind.RESEARCH_EUROSTAT,
        approved_from=date(2010, 1, 1),
    )  # fmt: skip
    application = complete_draft(people, catalog, institution_id=eu.pk)
    found = finding(application, "R-ELIG-7")
    assert not found.blocking and "special agreement" in found.message


def test_R_DATA_9_public_body_linked_data_needs_an_account_of_safeguards(people, catalog, public_body):
    application = complete_draft(
        people, catalog, institution_id=public_body.pk, need_description="Statistics on benefit use.",
        linkage=True, linkage_description="Link our benefit data with the population register.",
    )  # fmt: skip
    assert "R-DATA-9" in rules(application)
    update(people, application, safeguards_account="Analysis unit separate from case handling; no lookups.")
    assert "R-DATA-9" not in rules(application)


def test_R_DATA_9_population_basics_unlinked_need_no_account(people, catalog, public_body):
    application = complete_draft(people, catalog, institution_id=public_body.pk, need_description="Need.")
    assert "R-DATA-9" not in rules(application)


def test_R_PSEUDO_3_institution_owning_linked_data(people, catalog):
    application = complete_draft(
        people,
        catalog,
        linkage=True,
        linkage_description="Our cohort study",
        institution_owns_linked_data=True,
    )
    found = finding(application, "R-PSEUDO-3")
    assert not found.blocking and "linkage key" in found.message
    update(people, application, key_handling_separate=True)
    assert "R-PSEUDO-3" not in rules(application, blocking_only=False)


def test_R_ELIG_5_student_without_qualified_supervisor(people, catalog, make_user, institution):
    from tilgang.institutions.models import Affiliation

    application = complete_draft(people, catalog, applicant_is_student=True)
    assert "R-ELIG-5" in rules(application)
    supervisor = make_user(email="professor@uio.example")
    update(people, application, supervisor_email=supervisor.email)
    assert "R-ELIG-5" in rules(application)
    Affiliation.objects.create(
        user=supervisor, institution=institution, position="Professor", has_research_qualifications=True,
        valid_from=date(2010, 1, 1),
    )  # fmt: skip
    assert "R-ELIG-5" not in rules(application)


def test_R_ELIG_6_non_statistical_purpose(people, catalog):
    application = complete_draft(people, catalog, purpose_statistical=False)
    assert "R-ELIG-6" in rules(application)


def test_R_CASE_9_reuse_only_without_overlap_in_time(people, catalog):
    earlier = to_active(people, complete_draft(people, catalog))
    application = complete_draft(people, catalog, members=False, reuse_of_case_number=earlier.case_number)
    assert application.reuse_of == earlier
    assert "R-CASE-9" in rules(application)  # the same period overlaps
    update(people, application, period_start=date(2030, 1, 1), period_end=date(2031, 1, 1))
    assert "R-CASE-9" not in rules(application)


def test_submission_is_blocked_while_a_blocking_finding_stands(people, catalog):
    application = complete_draft(people, catalog, purpose_statistical=False)
    assert "R-ELIG-6" in {f.rule for f in precheck(application) if f.blocking}
    with pytest.raises(Refusal, match="pre-check finds problems") as refused:
        run(people["applicant"], application, Command.SUBMIT)
    assert "R-ELIG-6" not in str(refused.value)  # the applicant reads the problem, not the rule's code
    application.refresh_from_db()
    assert application.state == State.DRAFT and application.case_sequence is None


def test_missing_content_and_attachments_are_listed(people, catalog):
    application = services.application_create(actor=people["applicant"], title="Empty")
    found = precheck(application)
    messages = " ".join(f.message for f in found if f.rule == "COMPLETE")
    assert "the purpose" in messages and "Project description" in messages and "the variables" in messages
