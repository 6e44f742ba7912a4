"""Fixtures for applications: an approved institution, a small catalog, people, and complete drafts."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from tilgang.applications import services
from tilgang.applications.lifecycle import Command
from tilgang.applications.models import Application, AttachmentKind, ProjectRole

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture
def institution(db):
    from tilgang.institutions.models import Institution, InstitutionKind

    return Institution.objects.create(
        name="Universitetet i Oslo",
        orgnr="971035854",
        kind=InstitutionKind.RESEARCH_NFR,
        approved_from=date(2004, 1, 1),
    )


@pytest.fixture
def public_body(db):
    from tilgang.institutions.models import Institution, InstitutionKind, PublicBodyCategory

    return Institution.objects.create(
        name="Arbeids- og velferdsdirektoratet", orgnr="889640782", kind=InstitutionKind.PUBLIC_BODY,
        public_body_category=PublicBodyCategory.A,
    )  # fmt: skip


@pytest.fixture
def catalog(db):
    """A few variables: ordinary, especially identifying, special category, health register, embargoed."""
    from tilgang.catalog.models import Coverage, Register, StatisticsArea, Variable

    def area(code):
        return StatisticsArea.objects.get_or_create(code=code, defaults={"name_nb": code, "name_en": code})[0]

    def register(code, area_code, kind="administrative"):
        return Register.objects.get_or_create(
            code=code,
            defaults={"area": area(area_code), "name_nb": code, "name_en": code, "source_kind": kind,
                      "register_version": "t"},
        )[0]  # fmt: skip

    def variable(name, reg, area_code, years=(2018, 2019, 2020), published=None, **extra):
        v = Variable.objects.create(
            name=name, register=reg, area=area(area_code), unit_type="PERSON", temporality="FIXED", data_type="STRING",
            price_group=area_code, label_nb=name, label_en=name, definition_nb="", definition_en="",
            register_version="t", **extra,
        )  # fmt: skip
        for year in years:
            Coverage.objects.create(variable=v, year=year, published_on=(published or {}).get(year))
        return v

    bef = register("BEFOLKNING", "BEF")
    future = timezone.localdate() + timedelta(days=120)
    return {
        "KJOENN": variable("BEFOLKNING_KJOENN", bef, "BEF"),
        "FOEDSELSDATO": variable("BEFOLKNING_FOEDSELSDATO", bef, "BEF", identifying="exact_date"),
        "INNTEKT": variable(
            "INNTEKT_WLONN",
            register("INNTEKT", "INNT"),
            "INNT",
            years=(2019, 2020, 2021),
            published={2021: future},
        ),
        "STRAFF": variable("STRAFF_LOVBRUDD", register("STRAFF", "KRIM"), "KRIM", sensitivity="crime"),
        "NPR": variable(
            "NPR_DIAGNOSE", register("NPR", "HELSE", "health_register"), "HELSE", sensitivity="health"
        ),
        "future": future,
    }


@pytest.fixture
def people(make_user, institution):
    return {
        "applicant": make_user(email="forsker@uio.example", full_name="Frida Forsker", language="en",
                               institution=institution),
        "member": make_user(email="deltaker@uio.example", full_name="Per Deltaker", language="en",
                            institution=institution),
        "signatory": make_user(email="leder@uio.example", full_name="Liv Leder", language="en", institution=institution),
        "legal": make_user("legal_reviewer", email="jurist@example.org", full_name="Jon Jurist", language="en"),
        "officer": make_user("case_officer", email="sb@example.org", full_name="Siri Saksbehandler", language="en"),
        "head": make_user("head_of_section", "case_officer", email="sl@example.org", full_name="Sverre Leder",
                          language="en"),
        "outsider": make_user(email="other@example.org", full_name="Ola Utenfor", language="en"),
    }  # fmt: skip


def pdf_upload(name="prosjekt.pdf"):
    return io.BytesIO(PDF), name


CONTENT = {
    "purpose": "Study how income mobility differs between cohorts.",
    "purpose_statistical": True,
    "project_description": "Register study of income mobility.",
    "period_start": date(2027, 1, 1),
    "period_end": date(2029, 12, 31),
    "population_kind": "as_of_date",
    "population_criteria": "Everyone resident in Norway",
    "population_as_of": date(2019, 1, 1),
    "data_sources": "Population register 2019-2020",
    "storage_location": "tsd",
    "gdpr_art6": "e",
    "dpia_route": "negative",
    "dpia_reason": "Pseudonymised register data, low risk.",
}


def complete_draft(people, catalog, *, members=True, **overrides) -> Application:
    """A draft with every required piece, whose pre-check is clean."""
    applicant = people["applicant"]
    with transaction.atomic():
        application = services.application_create(actor=applicant, title="Income mobility")
        services.application_update(actor=applicant, application=application, data={**CONTENT, **overrides})
        services.variables_set(actor=applicant, application=application, names=["BEFOLKNING_KJOENN"])
        for kind, name in (
            (AttachmentKind.PROJECT_DESCRIPTION, "prosjekt.pdf"),
            (AttachmentKind.PERMIT_DPO, "dpo.pdf"),
        ):
            data, _name = pdf_upload(name)
            services.attachment_add(actor=applicant, application=application, kind=kind, file=data, name=name)
        if members:
            services.member_add(actor=applicant, application=application, full_name="Per Deltaker",
                                email=people["member"].email, role=ProjectRole.PROJECT_MEMBER)  # fmt: skip
            services.member_add(actor=applicant, application=application, full_name="Liv Leder",
                                email=people["signatory"].email, role=ProjectRole.SIGNATORY)  # fmt: skip
    application.refresh_from_db()
    return application


def run(actor, application, command, **data) -> Application:
    return services.case_transition(actor=actor, application=application, command=command, **data)


def to_assigned(people, application) -> Application:
    run(people["applicant"], application, Command.SUBMIT)
    run(people["legal"], application, Command.TAKE_LEGAL_REVIEW)
    run(people["legal"], application, Command.PASS_LEGAL_REVIEW)
    return run(people["head"], application, Command.ASSIGN, case_officer_id=people["officer"].pk)


def to_active(people, application) -> Application:
    to_assigned(people, application)
    deadline = application.period_end + timedelta(days=30)
    run(people["officer"], application, Command.GRANT_ACCESS, deletion_deadline=deadline)
    run(people["officer"], application, Command.SEND_OFFER)
    run(people["applicant"], application, Command.ACCEPT_OFFER)
    for who in ("applicant", "member", "signatory"):
        run(people[who], application, Command.SIGN_DECLARATION, confirm=True)
    run(people["signatory"], application, Command.SIGN_AGREEMENT)
    run(people["officer"], application, Command.START_PREPARATION)
    run(people["officer"], application, Command.DELIVER)
    return run(people["applicant"], application, Command.CONFIRM_RECEIPT)
