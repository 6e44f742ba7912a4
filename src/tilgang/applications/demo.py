"""Demo data: one case in every state of the lifecycle, driven through the same services as the portal.

Idempotent: a demo case is recognised by its title and left alone when it exists. Needs the demo users
(core) and the catalog (for the variables); without variables only drafts are made.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from tilgang.accounts.models import User
from tilgang.applications import services
from tilgang.applications.lifecycle import Command, State
from tilgang.applications.models import Application, AttachmentKind, ProjectRole

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PREFIX = "Demo: "

S, C = State, Command
Step = tuple[str | None, str, dict[str, Any]]
# The commands that bring a case from a submitted draft to each state: (who, command, data). Staff write in
# bokmål, as the office does.
_SUBMITTED: list[Step] = [("forsker", C.SUBMIT, {})]
_REVIEW = [*_SUBMITTED, ("jurist", C.TAKE_LEGAL_REVIEW, {})]
_PASSED = [
    *_REVIEW,
    (
        "jurist",
        C.PASS_LEGAL_REVIEW,
        {"note": "Rettslig grunnlag og personvernombudets anbefaling er i orden."},
    ),
]
_ASSIGNED = [*_PASSED, ("seksjonsleder", C.ASSIGN, {"case_officer": "saksbehandler"})]
_GRANTED = [*_ASSIGNED, ("saksbehandler", C.GRANT_ACCESS, {"deletion_deadline": date(2029, 6, 30)})]
_OFFERED = [*_GRANTED, ("saksbehandler", C.SEND_OFFER, {})]
_ACCEPTED = [*_OFFERED, ("forsker", C.ACCEPT_OFFER, {})]
_SIGNED = [
    *_ACCEPTED,
    *[(who, C.SIGN_DECLARATION, {"confirm": True}) for who in ("forsker", "deltaker", "leder")],
    ("leder", C.SIGN_AGREEMENT, {}),
]
_PREPARING = [*_SIGNED, ("saksbehandler", C.START_PREPARATION, {})]
_DELIVERED = [*_PREPARING, ("saksbehandler", C.DELIVER, {})]
_ACTIVE = [*_DELIVERED, ("forsker", C.CONFIRM_RECEIPT, {})]
_CHANGE = [
    *_ACTIVE,
    (
        "forsker",
        C.REQUEST_CHANGE,
        {"kinds": ["updated_figures"], "description": "Legg til tallene for 2023."},
    ),
]
_DUE = [*_ACTIVE, ("saksbehandler", C.MARK_DELETION_DUE, {})]
_DELETED = [*_DUE, ("forsker", C.CONFIRM_DELETION, {"confirm": True})]
_REFUSED = [
    *_REVIEW,
    (
        "jurist",
        C.REFUSE,
        {"reasons": "Prosjektet har ikke dispensasjon fra taushetsplikten for disse dataene."},
    ),
]
_APPEALED = [
    *_REFUSED,
    ("forsker", C.APPEAL, {"grounds": "Personvernombudets anbefaling dekker dataene; se vedlegget."}),
]

RECIPES: dict[State, list[Step]] = {
    S.DRAFT: [],
    S.SUBMITTED: _SUBMITTED,
    S.LEGAL_REVIEW: _REVIEW,
    S.RETURNED_TO_APPLICANT: [
        *_REVIEW,
        ("jurist", C.RETURN_FOR_COMPLETION, {"message": "Legg ved godkjenningen fra REK."}),
    ],
    S.LEGAL_APPROVED: _PASSED,
    S.REFUSED: _REFUSED,
    S.CASE_OFFICER_ASSIGNED: _ASSIGNED,
    S.ACCESS_GRANTED: _GRANTED,
    S.OFFER_SENT: _OFFERED,
    S.OFFER_EXPIRED: [*_OFFERED, (None, C.EXPIRE_OFFER, {})],
    S.OFFER_ACCEPTED: _ACCEPTED,
    S.AGREEMENT_SIGNED: _SIGNED,
    S.IN_PREPARATION: _PREPARING,
    S.DELIVERED: _DELIVERED,
    S.ACTIVE: _ACTIVE,
    S.CHANGE_REQUESTED: _CHANGE,
    S.CHANGE_AGREED: [*_CHANGE, ("saksbehandler", C.AGREE_CHANGE, {})],
    S.DELETION_DUE: _DUE,
    S.DELETION_CONFIRMED: _DELETED,
    S.CLOSED: [*_DELETED, ("saksbehandler", C.CLOSE, {})],
    S.WITHDRAWN: [*_SUBMITTED, ("forsker", C.WITHDRAW, {})],
    S.APPEALED: _APPEALED,
    S.UPHELD: [*_APPEALED, ("jurist", C.UPHOLD, {"reasons": "Finansdepartementet opprettholdt avslaget."})],
    S.REVERSED: [*_APPEALED, ("jurist", C.REVERSE, {"reasons": "Statistikkbyrået omgjorde vedtaket."})],
}
# A case waiting for acceptance or for signatures needs a real offer to act on; offers/demo.py makes these two
# through the offers services, so the demo never tells someone to accept an offer that is not there.
MADE_BY_OFFERS_DEMO = {S.OFFER_SENT, S.OFFER_ACCEPTED}
EMAILS = {
    "forsker": "forsker@uio.example",
    "deltaker": "deltaker@uio.example",
    "leder": "leder@uio.example",
    "jurist": "jurist@tilgang.example",
    "saksbehandler": "saksbehandler@tilgang.example",
    "seksjonsleder": "seksjonsleder@tilgang.example",
    "analytiker": "analytiker@nav.example",
}


def _published_years(name: str) -> list[int]:
    from tilgang.catalog.models import Variable

    variable = Variable.objects.filter(name=name).first()
    if variable is None:
        return []
    return [c.year for c in variable.coverage.all() if not c.embargoed()][-3:]


def _content(title_state: str) -> dict[str, Any]:
    return {
        "purpose": "Research on how income and education shape moves between municipalities.",
        "purpose_statistical": True,
        "project_description": "Register-based panel study, see the attached protocol.",
        "period_start": date(2026, 1, 1),
        "period_end": date(2028, 12, 31),
        "population_kind": "as_of_date",
        "population_criteria": "Everyone resident in Norway aged 18–66",
        "population_as_of": date(2020, 1, 1),
        "data_sources": "Population register and income statistics, 2018–2020",
        "storage_location": "tsd",
        "gdpr_art6": "e",
        "dpia_route": "negative",
        "dpia_reason": "Pseudonymised register data without special categories; low risk.",
    }


def _draft(people: dict[str, User], title: str, variables: list[str]) -> Application:
    applicant = people["forsker"]
    application = services.application_create(actor=applicant, title=title)
    services.application_update(actor=applicant, application=application, data=_content(title))
    if variables:
        services.variables_set(
            actor=applicant, application=application, names=variables,
            years={name: _published_years(name) for name in variables if _published_years(name)},
        )  # fmt: skip
    for kind, name in (
        (AttachmentKind.PROJECT_DESCRIPTION, "protokoll.pdf"),
        (AttachmentKind.PERMIT_DPO, "sikt.pdf"),
    ):
        services.attachment_add(
            actor=applicant, application=application, kind=kind, file=io.BytesIO(PDF), name=name
        )
    services.member_add(actor=applicant, application=application, full_name=people["deltaker"].full_name,
                        email=people["deltaker"].email, role=ProjectRole.PROJECT_MEMBER)  # fmt: skip
    services.member_add(actor=applicant, application=application, full_name=people["leder"].full_name,
                        email=people["leder"].email, role=ProjectRole.SIGNATORY)  # fmt: skip
    return application


def seed() -> None:
    found = {key: User.objects.filter(email=email).first() for key, email in EMAILS.items()}
    people = {key: user for key, user in found.items() if user is not None}
    if len(people) < len(EMAILS):
        return
    from tilgang.catalog.models import Variable

    variables = [v for v in ("BEFOLKNING_KJOENN", "BEFOLKNING_FOEDSELSAAR", "INNTEKT_WLONN")
                 if Variable.objects.filter(name=v, withdrawn_at__isnull=True).exists()]  # fmt: skip
    for state, recipe in RECIPES.items():
        if state in MADE_BY_OFFERS_DEMO:
            continue
        title = f"{PREFIX}{State(state).label}"
        if Application.objects.filter(title=title).exists():
            continue
        if recipe and not variables:
            continue  # without the catalog nothing can be submitted
        with transaction.atomic():
            application = _draft(people, title, variables)
            for who, command, data in recipe:
                if "case_officer" in data:
                    data = {**data, "case_officer_id": people[data["case_officer"]].pk}
                    del data["case_officer"]
                services.case_transition(
                    actor=people[who] if who else None, application=application, command=command, **data
                )
    _public_body_case(people, variables)
    _draft_with_findings(people)


def _public_body_case(people: dict[str, User], variables: list[str]) -> None:
    title = f"{PREFIX}NAV benefit statistics by municipality"
    if Application.objects.filter(title=title).exists() or not variables:
        return
    analyst = people["analytiker"]
    with transaction.atomic():
        application = services.application_create(actor=analyst, title=title)
        services.application_update(
            actor=analyst, application=application,
            data={**_content(title), "gdpr_art6": "e", "need_description": "Statistics on benefit use by municipality.",
                  "safeguards_account": "The analysis unit is separate from case handling and has no lookup access."},
        )  # fmt: skip
        basics = [name for name in variables if name.startswith("BEFOLKNING_")]
        services.variables_set(
            actor=analyst, application=application, names=basics,
            years={name: _published_years(name) for name in basics if _published_years(name)},
        )  # fmt: skip
        services.attachment_add(actor=analyst, application=application, kind=AttachmentKind.PROJECT_DESCRIPTION,
                                file=io.BytesIO(PDF), name="behov.pdf")  # fmt: skip
        services.case_transition(actor=analyst, application=application, command=Command.SUBMIT)


def _draft_with_findings(people: dict[str, User]) -> None:
    """A draft whose pre-check shows rule findings (health register, non-statistical purpose)."""
    from tilgang.catalog.models import Variable

    title = f"{PREFIX}draft with problems to fix"
    if Application.objects.filter(title=title).exists():
        return
    health = list(
        Variable.objects.filter(register__source_kind="health_register").values_list("name", flat=True)[:1]
    )
    with transaction.atomic():
        application = services.application_create(actor=people["forsker"], title=title)
        services.application_update(
            actor=people["forsker"], application=application,
            data={"purpose": "Check benefit claims against income.", "purpose_statistical": False,
                  "period_start": timezone.localdate(), "period_end": timezone.localdate() + timedelta(days=365)},
        )  # fmt: skip
        if health:
            services.variables_set(actor=people["forsker"], application=application, names=health)
