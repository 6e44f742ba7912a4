"""Demo data for institutions: where the approvals of the demo institutions come from, counties and
municipalities from the code lists, and organisations whose request for approval is pending, approved
and refused. Idempotent; run by ``demo_seed`` after the demo users exist.

The three requesting organisations are invented (with valid check digits); the others are real.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from tilgang.audit.services import audit_record
from tilgang.core.demo import DEMO_PASSWORD
from tilgang.institutions import services
from tilgang.institutions.models import (
    REQUIRED_ATTACHMENTS,
    Affiliation,
    Approval,
    ApprovalRequest,
    ApprovalSource,
    Institution,
    InstitutionKind,
    ListImport,
)

NFR_ORGNRS = ("971035854", "874789542", "974767880", "970422528", "983744516")
EUROSTAT_ORGNRS = ("971035854", "874789542")
EUROSTAT_FOREIGN = [("Karolinska Institutet", "SE", "202100-2973")]

# (e-mail, name, language, organisation, orgnr, outcome)
REQUESTERS = [
    ("soker@fjordforsk.example", "Solveig Søker", "nb", "Fjordforsk analyse AS", "923456783", "pending"),
    (
        "leder@velferdsanalyse.example",
        "Vegard Velferd",
        "nn",
        "Senter for velferdsanalyse",
        "987654325",
        "approved",
    ),
    ("post@nordlysdata.example", "Nora Nordlys", "en", "Nordlys Data AS", "975318648", "refused"),
]


def _pdf(title: str) -> SimpleUploadedFile:
    from weasyprint import HTML

    html = f"<html><body><h1>{title}</h1><p>Demo document.</p></body></html>"
    return SimpleUploadedFile(f"{title.lower().replace(' ', '-')}.pdf", HTML(string=html).write_pdf())


def _list_batch(source: str, file_name: str, list_date: date) -> ListImport:
    batch, created = ListImport.objects.get_or_create(
        source=source,
        file_name=file_name,
        defaults={
            "file_sha256": "0" * 64,
            "file_format": "xlsx" if source == ApprovalSource.NFR else "pdf",
            "list_date": list_date,
            "status": ListImport.Status.APPLIED,
            "applied_at": timezone.now(),
            "counts": {},
        },
    )
    if created:
        audit_record(actor=None, action="institutions.list_import.applied", obj=batch, payload={"demo": True})
    return batch


def _list_approval(institution: Institution, source: str, batch: ListImport, since: date) -> None:
    if institution.approvals.filter(source=source).exists():
        return
    approval = Approval.objects.create(institution=institution, source=source, valid_from=since, batch=batch)
    services.approval_summary_refresh(institution)
    audit_record(
        actor=None,
        action="institutions.approval.created",
        obj=approval,
        payload={"institution": institution.pk, "source": source, "batch": batch.pk, "demo": True},
    )


@transaction.atomic
def _lists() -> None:
    nfr = _list_batch(ApprovalSource.NFR, "godkjente-forskningsorganisasjoner-demo.xlsx", date(2025, 1, 6))
    eurostat = _list_batch(ApprovalSource.EUROSTAT, "Recognised-research-entities-demo.pdf", date(2025, 3, 3))
    for institution in Institution.objects.filter(orgnr__in=NFR_ORGNRS):
        # The demo list replaces any record made from the core demo's summary fields.
        institution.approvals.filter(
            source=ApprovalSource.NFR, batch__isnull=True, request__isnull=True
        ).delete()
        _list_approval(institution, ApprovalSource.NFR, nfr, institution.approved_from or date(2004, 1, 1))
    for institution in Institution.objects.filter(orgnr__in=EUROSTAT_ORGNRS):
        _list_approval(institution, ApprovalSource.EUROSTAT, eurostat, date(2014, 6, 1))
    for name, country, foreign_id in EUROSTAT_FOREIGN:
        institution, created = Institution.objects.get_or_create(
            country=country,
            foreign_id=foreign_id,
            defaults={"name": name, "kind": InstitutionKind.RESEARCH_EUROSTAT},
        )
        if created:
            audit_record(
                actor=None, action="institutions.institution.created", obj=institution, payload={"demo": True}
            )
        _list_approval(institution, ApprovalSource.EUROSTAT, eurostat, date(2016, 9, 1))


def _requester(email: str, name: str, language: str):
    from tilgang.accounts.models import User

    user = User.objects.filter(email=email).first()
    if user is None:
        with transaction.atomic():
            user = User.objects.create_user(
                email=email, password=DEMO_PASSWORD, full_name=name, language=language
            )
            audit_record(
                actor=None, action="accounts.user.created", obj=user, payload={"roles": [], "demo": True}
            )
    return user


def _requests() -> None:
    from tilgang.accounts.models import User

    assessor = User.objects.filter(email="jurist@tilgang.example").first()
    year = timezone.localdate().year
    for email, name, language, organisation, orgnr, outcome in REQUESTERS:
        if ApprovalRequest.objects.filter(institution__orgnr=orgnr).exists():
            continue
        user = _requester(email, name, language)
        with transaction.atomic():
            request = services.approval_request_send(
                actor=user,
                name=organisation,
                orgnr=orgnr,
                research_statement=(
                    f"{organisation} driver uavhengig forskning på arbeidsliv og velferd. Forskerne har doktorgrad, "
                    "velger selv metode og publiserer resultatene fritt."
                ),
                rd_person_years=Decimal("6.5"),
                staff_count=11,
                projects=[
                    {
                        "title": "Unge utenfor arbeidslivet",
                        "year": year - 1,
                        "funding_source": "Forskningsrådet",
                        "amount_nok": 2400000,
                        "published_where": "Søkelys på arbeidslivet",
                    },
                    {
                        "title": "Trygd og flytting",
                        "year": year - 2,
                        "funding_source": "Arbeids- og velferdsdirektoratet",
                        "amount_nok": 950000,
                        "published_where": "Rapportserie, åpen tilgang",
                    },
                ],  # fmt: skip
                attachments={kind: _pdf(f"{organisation} {kind}") for kind in REQUIRED_ATTACHMENTS},
            )
            if assessor is None or outcome == "pending":
                continue
            codes = [code for code, _text in services.CHECKLIST]
            if outcome == "approved":
                services.approval_request_checklist(actor=assessor, request=request, ticked=codes)
                today = timezone.localdate()
                services.approval_request_approve(
                    actor=assessor, request=request, valid_from=today, valid_to=date(today.year + 5, 12, 31)
                )
            else:
                services.approval_request_checklist(actor=assessor, request=request, ticked=codes[:3])
                services.approval_request_refuse(
                    actor=assessor,
                    request=request,
                    reasons=(
                        "The organisation sells analyses to customers and decides neither its methods nor what is "
                        "published independently of them; no research by staff with research qualifications is documented."
                    ),
                )


def _people() -> None:
    from tilgang.accounts.models import User

    researcher = User.objects.filter(email="forsker@uio.example").first()
    uio = Institution.objects.filter(orgnr="971035854").first()
    if researcher and uio and not Affiliation.objects.filter(user=researcher).exists():
        services.affiliation_create(
            actor=researcher,
            user=researcher,
            institution=uio,
            position="Professor",
            has_research_qualifications=True,
            valid_from=date(2015, 8, 1),
        )


def seed() -> None:
    _lists()
    services.public_bodies_sync(actor=None)
    _requests()
    _people()
