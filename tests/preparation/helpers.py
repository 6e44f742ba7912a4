"""Shared by the preparation, journey and browser tests: a register directory, the catalog loaded from it,
the people of a case, and a case driven through the real services to a signed agreement."""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from django.db import transaction

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PERSONS = 1500
SEED = 3
# Real catalog variables of the synthetic registers: fixed, yearly income, a date reduced to the year.
VARIABLES = ["BEFOLKNING_KJOENN", "BEFOLKNING_FOEDSELSAAR", "INNTEKT_WLONN"]
TARIFF = {
    "valid_from": date(2026, 1, 1),
    "hourly_rate": Decimal("1250.00"),
    "outside_lists_hourly_rate": Decimal("1450.00"),
    "fdtrygd_table_price": Decimal("4800.00"),
    "area_price": Decimal("6500.00"),
    "handling_cost": Decimal("2500.00"),
    "vat_percent": Decimal("25"),
    "hours_coordination": Decimal("6"),
    "hours_population": Decimal("4"),
    "hours_third_party": Decimal("10"),
    "hours_archiving": Decimal("3"),
}


def make_registers(directory: Path) -> Path:
    from tilgang.engine.synth.generate import generate

    if not (directory / "metadata.json").is_file():
        generate(directory, persons=PERSONS, seed=SEED)
    return directory


def setup_office(settings, registers: Path, work: Path) -> None:
    """Point the portal at the registers, load the catalog, and give the office a tariff."""
    from tilgang.catalog.services import catalog_load
    from tilgang.offers.models import Tariff
    from tilgang.offers.services import tariff_create

    settings.TILGANG_REGISTERS_DIR = str(registers)
    settings.TILGANG_PREPARATION_DIR = str(work)
    settings.EXCHANGE_SPOOL_DIR = work / "spool"
    with transaction.atomic():
        catalog_load(actor=None, directory=registers)
        if not Tariff.objects.exists():
            tariff_create(actor=None, **TARIFF)


def make_people(make_user) -> dict:
    from tilgang.institutions.models import Institution, InstitutionKind

    institution = Institution.objects.create(
        name="Universitetet i Oslo", orgnr="971035854", kind=InstitutionKind.RESEARCH_NFR,
        approved_from=date(2004, 1, 1),
    )  # fmt: skip

    def person(*roles, **fields):
        return make_user(*roles, language="en", **fields)

    return {
        "institution": institution,
        "applicant": person(email="forsker@uio.example", full_name="Frida Forsker", institution=institution,
                            mobile="+4791234567"),
        "member": person(email="deltaker@uio.example", full_name="Per Deltaker", institution=institution),
        "signatory": person(email="leder@uio.example", full_name="Liv Leder", institution=institution),
        "legal": person("legal_reviewer", email="jurist@tilgang.example", full_name="Jon Jurist"),
        "officer": person("case_officer", email="saksbehandler@tilgang.example", full_name="Siri Saksbehandler"),
        "head": person("head_of_section", "case_officer", email="seksjonsleder@tilgang.example",
                       full_name="Sverre Leder"),
        "owner": person(email="kontakt@nav.example", full_name="Nina Nav", mobile="+4798765432"),
    }  # fmt: skip


CONTENT = {
    "purpose": "Study how income differs between cohorts.",
    "purpose_statistical": True,
    "project_description": "Register study of income.",
    "period_start": date(2027, 1, 1),
    "period_end": date(2029, 12, 31),
    "population_kind": "as_of_date",
    "population_criteria": "Everyone resident in Norway",
    "population_as_of": date(2020, 1, 1),
    "data_sources": "Population register and income 2019",
    "storage_location": "tsd",
    "gdpr_art6": "e",
    "dpia_route": "negative",
    "dpia_reason": "Pseudonymised register data, low risk.",
}


def draft(people: dict, *, title: str = "Income over the life course", years=None, reuse_of=None):
    from tilgang.applications import services
    from tilgang.applications.models import AttachmentKind, ProjectRole

    applicant = people["applicant"]
    application = services.application_create(actor=applicant, title=title)
    data = dict(CONTENT)
    if reuse_of is not None:
        # DOMAIN R-CASE-9: reuse only by a project that does not overlap in time.
        data.update(reuse_of_case_number=reuse_of.case_number, period_start=date(2030, 1, 1),
                    period_end=date(2031, 12, 31))  # fmt: skip
    services.application_update(actor=applicant, application=application, data=data)
    services.variables_set(actor=applicant, application=application, names=VARIABLES,
                           years=years or {"INNTEKT_WLONN": [2019]})  # fmt: skip
    for kind, name in (
        (AttachmentKind.PROJECT_DESCRIPTION, "protokoll.pdf"),
        (AttachmentKind.PERMIT_DPO, "dpo.pdf"),
    ):
        services.attachment_add(
            actor=applicant, application=application, kind=kind, file=io.BytesIO(PDF), name=name
        )
    services.member_add(actor=applicant, application=application, full_name=people["member"].full_name,
                        email=people["member"].email, role=ProjectRole.PROJECT_MEMBER)  # fmt: skip
    services.member_add(actor=applicant, application=application, full_name=people["signatory"].full_name,
                        email=people["signatory"].email, role=ProjectRole.SIGNATORY)  # fmt: skip
    return application


def signed_case(people: dict, **draft_args):
    """A case with a signed agreement, through the applications and offers services, as the portal does it."""
    from tilgang.applications.lifecycle import Command
    from tilgang.applications.models import ProjectRole
    from tilgang.applications.services import case_transition
    from tilgang.offers import services as offers

    with transaction.atomic():
        application = draft(people, **draft_args)
        application.refresh_from_db()
        steps = [
            (people["applicant"], Command.SUBMIT, {}),
            (people["legal"], Command.TAKE_LEGAL_REVIEW, {}),
            (people["legal"], Command.PASS_LEGAL_REVIEW, {}),
            (people["head"], Command.ASSIGN, {"case_officer_id": people["officer"].pk}),
            (people["officer"], Command.GRANT_ACCESS,
             {"deletion_deadline": application.period_end + timedelta(days=60)}),
        ]  # fmt: skip
        for actor, command, data in steps:
            application = case_transition(actor=actor, application=application, command=command, **data)
        offer = offers.offer_create(actor=people["officer"], application=application)
        offers.offer_send(actor=people["officer"], offer=offer)
        signatory = application.members.get(role=ProjectRole.SIGNATORY)
        offers.offer_accept(actor=people["applicant"], offer=offer, invoice_address="UiO, Postboks 1072 Blindern",
                            order_reference="UIO-4711", signatory_id=signatory.pk)  # fmt: skip
        for who in ("applicant", "member", "signatory"):
            offers.declaration_sign(actor=people[who], offer=offer)
        offer.refresh_from_db()
        offers.offer_sign(actor=people["signatory"], offer=offer, document_sha256=offer.agreement_sha256)
        application.refresh_from_db()
    return application


def read_csv_rows(path: Path) -> list[dict[str, str]]:
    import csv

    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def change_with_updated_figures(people: dict, application, description: str = "Add the 2020 figures."):
    """The project asks for updated figures; the office issues the change agreement; the signatory signs."""
    from tilgang.applications.lifecycle import Command
    from tilgang.applications.services import case_transition
    from tilgang.offers import services as offers

    with transaction.atomic():
        case_transition(actor=people["applicant"], application=application, command=Command.REQUEST_CHANGE,
                        kinds=["updated_figures"], description=description)  # fmt: skip
        offer = offers.offer_create(actor=people["officer"], application=application, kind="change")
        offers.offer_send(actor=people["officer"], offer=offer)
        offer.refresh_from_db()
        offers.offer_sign(actor=people["signatory"], offer=offer, document_sha256=offer.document_sha256)
    application.refresh_from_db()
    return application


def delivered_rows(job, table_prefix: str) -> dict[str, dict[str, str]]:
    """Rows of the delivered CSV table starting with ``table_prefix``, by running number."""
    data = Path(job.out_dir) / "delivery" / "data"
    path = next(p for p in sorted(data.glob("*.csv")) if p.name.startswith(table_prefix))
    rows = read_csv_rows(path)
    key = next(k for k in rows[0] if k.startswith("LOPENR"))
    return {(row[key] + "|" + row.get("AAR", "")): row for row in rows}
