"""The API twin of every portal action on applications; the same services and the same permission table.

Lifecycle commands are ``POST /applications/{id}/commands/{command}``; ``GET /applications/lifecycle``
returns the table of (state, command, roles) → next state that decides them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from tilgang.applications import selectors, services
from tilgang.applications.lifecycle import (
    DELIVERY_COMMANDS,
    OFFER_COMMANDS,
    Command,
    Refusal,
    table_markdown,
    table_rows,
)
from tilgang.applications.models import Application, ProjectRole
from tilgang.applications.rules import precheck
from tilgang.core.permissions import PUBLIC, SIGNED_IN, register

router = Router(tags=["applications"])


class ErrorOut(Schema):
    detail: str


class CreateIn(Schema):
    title: str
    institution_id: int | None = None


class UpdateIn(Schema):
    """Any subset of the application's content; only the fields sent are changed."""

    title: str | None = None
    institution_id: int | None = None
    purpose: str | None = None
    purpose_statistical: bool | None = None
    project_description: str | None = None
    applicant_is_student: bool | None = None
    supervisor_email: str | None = None
    supervisor_name: str | None = None
    funded_project_id: int | None = None
    reuse_of_case_number: str | None = None
    period_start: date | None = None
    period_end: date | None = None
    retention_beyond: bool | None = None
    retention_until: date | None = None
    retention_reason: str | None = None
    population_kind: str | None = None
    population_criteria: str | None = None
    population_as_of: date | None = None
    population_from: date | None = None
    population_to: date | None = None
    population_cohort_from: int | None = None
    population_cohort_to: int | None = None
    data_sources: str | None = None
    wants_indirectly_identifiable: bool | None = None
    own_data_by_consent: bool | None = None
    storage_location: str | None = None
    storage_details: str | None = None
    gdpr_art6: str | None = None
    gdpr_art9: str | None = None
    legal_basis_details: str | None = None
    dpia_route: str | None = None
    dpia_reason: str | None = None
    linkage: bool | None = None
    linkage_description: str | None = None
    third_party_data: bool | None = None
    third_party_owners: str | None = None
    institution_owns_linked_data: bool | None = None
    key_handling_separate: bool | None = None
    need_description: str | None = None
    safeguards_account: str | None = None
    contractor_name: str | None = None
    contractor_how: str | None = None


class MemberIn(Schema):
    full_name: str
    email: str
    role: ProjectRole = ProjectRole.PROJECT_MEMBER


class VariablesIn(Schema):
    names: list[str]
    years: dict[str, list[int]] = {}
    justifications: dict[str, str] = {}


class PersonIn(Schema):
    full_name: str
    email: str


class CommandIn(Schema):
    """The data a command needs; see the lifecycle table for which command takes what."""

    message: str | None = None
    note: str | None = None
    reasons: str | None = None
    grounds: str | None = None
    case_officer_id: int | None = None
    deletion_deadline: date | None = None
    standard_conditions: list[str] | None = None
    specific_conditions: str | None = None
    kinds: list[str] | None = None
    description: str | None = None
    new_period_end: date | None = None
    new_members: list[PersonIn] | None = None
    confirm: bool | None = None
    consequence: str | None = None
    occurred_on: date | None = None
    new_conditions: str | None = None
    delete_by: date | None = None
    handling_cost_nok: float | None = None


class FindingOut(Schema):
    rule: str
    blocking: bool
    message: str
    what_to_do: str
    step: str


class ApplicationOut(Schema):
    id: int
    case_number: str
    state: str
    title: str
    institution_id: int | None
    applicant_id: int
    case_officer_id: int | None
    period_start: date | None
    period_end: date | None
    deletion_due_at: str | None
    complaint_due_at: str | None
    appeal_due_at: str | None
    variables: list[str]
    attachments: list[dict]
    members: list[dict]
    allowed_commands: list[str]
    decisions: list[dict]


class TransitionOut(Schema):
    state: str
    command: str
    roles: list[str]
    next_state: str


def _visible(request, application_id: int) -> Application:
    application = selectors.application_for(request.user, application_id)
    if application is None:
        raise Http404
    return application


def _out(request, application: Application) -> dict[str, Any]:
    staff = selectors.is_case_staff(request.user)
    iso = lambda value: value.isoformat() if value else None  # noqa: E731
    return {
        "id": application.pk,
        "case_number": application.case_number,
        "state": application.state,
        "title": application.title,
        "institution_id": application.institution_id,
        "applicant_id": application.applicant_id,
        "case_officer_id": application.case_officer_id,
        "period_start": application.period_start,
        "period_end": application.period_end,
        "deletion_due_at": iso(application.deletion_due_at),
        "complaint_due_at": iso(application.complaint_due_at),
        "appeal_due_at": iso(application.appeal_due_at),
        "variables": [s.variable.name for s in application.variables.select_related("variable")],
        "attachments": [
            {"id": a.pk, "kind": a.kind, "name": a.original_name, "size": a.size}
            for a in application.attachments.all()
            if a.kind != "declaration"
            or staff
            or a.uploaded_by_id == request.user.pk
            or application.applicant_id == request.user.pk
        ],
        "members": [
            {"name": row["member"].full_name, "role": row["member"].role, "email": row["email"]}
            for row in selectors.members_seen_by(request.user, application, staff=staff)
        ],
        "allowed_commands": services.allowed_commands(user=request.user, application=application),
        "decisions": [
            {
                "id": d.pk,
                "kind": d.kind,
                "deletion_deadline": iso(d.deletion_deadline),
                "reasons": d.reasons,
                "conditions": d.condition_texts(),
                "specific_conditions": d.specific_conditions,
            }
            for d in application.decisions.all()
        ],  # fmt: skip
    }


@router.get("/lifecycle", response=list[TransitionOut], url_name="application_lifecycle", auth=None)
def lifecycle_table(request):
    """The permission table: every (state, command) with the roles that may run it and the next state."""
    return [
        {"state": t.state, "command": t.command, "roles": sorted(t.roles), "next_state": t.to_state}
        for t in table_rows()
    ]


@router.get("/register", response=list[dict], url_name="application_register", auth=None)
def public_register(request):
    """DOMAIN R-CASE-9: the public register of active projects, as open data."""
    return selectors.register_rows()


@router.get("/mine", response=list[ApplicationOut], url_name="application_list")
def application_list(request):
    return [_out(request, a) for a in selectors.applications_visible_to(request.user)[:500]]


@router.post("/create", response={201: ApplicationOut, 400: ErrorOut}, url_name="application_create")
def application_create(request, payload: CreateIn):
    from tilgang.institutions.models import Institution

    institution = None
    if payload.institution_id is not None:
        institution = Institution.objects.filter(pk=payload.institution_id).first()
        if institution is None:
            return Status(400, {"detail": _("Unknown institution.")})
    try:
        application = services.application_create(
            actor=request.user, title=payload.title, institution=institution
        )
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return Status(201, _out(request, application))


@router.get("/{application_id}", response=ApplicationOut, url_name="application_get")
def application_get(request, application_id: int):
    return _out(request, _visible(request, application_id))


@router.post(
    "/{application_id}/update", response={200: ApplicationOut, 400: ErrorOut}, url_name="application_update"
)
def application_update(request, application_id: int, payload: UpdateIn):
    application = _visible(request, application_id)
    try:
        application = services.application_update(
            actor=request.user, application=application, data=payload.dict(exclude_unset=True)
        )
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return _out(request, application)


@router.post(
    "/{application_id}/members/add",
    response={200: ApplicationOut, 400: ErrorOut},
    url_name="application_member_add",
)
def member_add(request, application_id: int, payload: MemberIn):
    application = _visible(request, application_id)
    try:
        services.member_add(
            actor=request.user, application=application, full_name=payload.full_name, email=payload.email,
            role=str(payload.role),
        )  # fmt: skip
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return _out(request, application)


@router.post(
    "/{application_id}/variables/set", response={200: ApplicationOut, 400: ErrorOut},
    url_name="application_variables_set",
)  # fmt: skip
def variables_set(request, application_id: int, payload: VariablesIn):
    application = _visible(request, application_id)
    try:
        services.variables_set(
            actor=request.user, application=application, names=payload.names, years=payload.years,
            justifications=payload.justifications,
        )  # fmt: skip
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return _out(request, application)


@router.post(
    "/{application_id}/attachments/add", response={201: ApplicationOut, 400: ErrorOut},
    url_name="application_attach",
)  # fmt: skip
def attach(request, application_id: int, kind: Form[str], file: File[UploadedFile]):
    """Multipart upload: ``kind`` (see the attachment kinds) and ``file`` (PDF, DOCX, XLSX or ODT)."""
    application = _visible(request, application_id)
    try:
        services.attachment_add(
            actor=request.user, application=application, kind=kind, file=file, name=file.name or ""
        )
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return Status(201, _out(request, application))


@router.get("/{application_id}/precheck", response=list[FindingOut], url_name="application_precheck")
def application_precheck(request, application_id: int):
    return [finding.as_dict() for finding in precheck(_visible(request, application_id))]


@router.post(
    "/{application_id}/commands/{command}", response={200: ApplicationOut, 400: ErrorOut, 404: ErrorOut},
    url_name="application_command",
    description=(
        "Run a lifecycle command. Refused (400, with the reason) when the state or your role on the case does "
        "not allow it, or the data are missing; nothing is changed then. The permission table:\n\n"
        + table_markdown()
    ),
)  # fmt: skip
def application_command(request, application_id: int, command: Command, payload: CommandIn | None = None):
    application = _visible(request, application_id)
    if command in OFFER_COMMANDS:
        return Status(400, {"detail": _("Offers and agreements are handled under /api/v1/offers/.")})
    if command in DELIVERY_COMMANDS:
        return Status(
            400,
            {"detail": _("Data are delivered from their order: /api/v1/preparation/orders/{id}/deliver.")},
        )
    data = payload.dict(exclude_unset=True) if payload else {}
    if "new_members" in data:
        data["new_members"] = [dict(person) for person in data["new_members"]]
    try:
        application = services.case_transition(
            actor=request.user, application=application, command=command, **data
        )
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return _out(request, application)


register(
    {
        "api:application_lifecycle": PUBLIC,
        "api:application_register": PUBLIC,
        "api:application_list": SIGNED_IN,
        "api:application_create": SIGNED_IN,
        "api:application_get": SIGNED_IN,
        "api:application_update": SIGNED_IN,
        "api:application_member_add": SIGNED_IN,
        "api:application_variables_set": SIGNED_IN,
        "api:application_attach": SIGNED_IN,
        "api:application_precheck": SIGNED_IN,
        "api:application_command": SIGNED_IN,
    }
)
