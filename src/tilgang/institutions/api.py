"""Institutions in the API: everything readable, and writable by staff (approval requests by applicants).

Command paths are unique (REMS style): ``POST /institutions/lists/{id}/apply``."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from tilgang.core.permissions import ADMIN, SIGNED_IN, only, register
from tilgang.core.roles import Role
from tilgang.core.validators import normalise_orgnr
from tilgang.institutions import selectors, services
from tilgang.institutions.eligibility import eligibility
from tilgang.institutions.lists import ListLayoutError
from tilgang.institutions.models import (
    RESEARCH_KINDS,
    SOURCE_KIND,
    ApprovalSource,
    AttachmentKind,
    FundingKind,
    Institution,
    InstitutionKind,
    ListImport,
    PublicBodyCategory,
)
from tilgang.institutions.uploads import UploadError, validate_document

router = Router(tags=["institutions"])
KIND_SOURCE = {kind: source for source, kind in SOURCE_KIND.items()}
ERRORS = (services.InstitutionError, ValidationError)


class ErrorOut(Schema):
    detail: str
    errors: dict[str, list[str]] = {}
    expected_columns: list[str] = []
    found_columns: list[str] = []


def _error(error: Exception, status: int = 400):
    if isinstance(error, ListLayoutError):
        return Status(
            status,
            {
                "detail": " ".join(error.messages),
                "expected_columns": error.expected,
                "found_columns": error.found,
            },
        )
    if isinstance(error, ValidationError):
        errors = error.message_dict if hasattr(error, "error_dict") else {}
        return Status(status, {"detail": " ".join(error.messages), "errors": errors})
    return Status(status, {"detail": str(error)})


# --- institutions --------------------------------------------------------------------------------


class ApprovalOut(Schema):
    id: int
    source: str
    valid_from: date
    valid_to: date | None
    batch_id: int | None
    request_id: int | None


class InstitutionOut(Schema):
    id: int
    name: str
    orgnr: str
    foreign_id: str
    region_code: str
    country: str
    kind: str
    public_body_category: str
    approved_from: date | None
    approved_to: date | None
    ceased_on: date | None


class InstitutionDetailOut(InstitutionOut):
    approvals: list[ApprovalOut]
    warnings: list[str]


class InstitutionIn(Schema):
    name: str
    orgnr: str = ""
    foreign_id: str = ""
    country: str = "NO"
    kind: InstitutionKind = InstitutionKind.OTHER
    public_body_category: PublicBodyCategory | None = None
    # With a research kind on create: the approval recorded by hand (source from the kind).
    approved_from: date | None = None
    approved_to: date | None = None


@router.get("", response=list[InstitutionOut], url_name="institution_list")
def institution_list(request, q: str = ""):
    return list(selectors.institutions_search(q)[:1000])


@router.get("/{int:institution_id}", response=InstitutionDetailOut, url_name="institution_detail")
def institution_detail(request, institution_id: int):
    institution = get_object_or_404(Institution, pk=institution_id)
    warnings = selectors.approval_warnings(institution, timezone.localdate())
    return {
        **InstitutionOut.from_orm(institution).dict(),
        "approvals": list(institution.approvals.all()),
        "warnings": [warning.message for warning in warnings],
    }


def _institution_from(payload: InstitutionIn, institution: Institution | None = None) -> Institution:
    data = payload.dict()
    data.pop("approved_from")
    data.pop("approved_to")
    data["public_body_category"] = data["public_body_category"] or ""
    if (
        institution is not None
        and data["kind"] != institution.kind
        and (data["kind"] in RESEARCH_KINDS or institution.kind in RESEARCH_KINDS)
    ):
        raise ValidationError(
            {"kind": [_("Research approvals come from the lists and the office's decisions.")]}
        )
    if institution is None and data["kind"] in RESEARCH_KINDS:
        data["kind"] = InstitutionKind.OTHER  # set by the approval recorded next
    if data["orgnr"]:
        data["orgnr"] = normalise_orgnr(data["orgnr"])
    data["country"] = data["country"].strip().upper()
    target = institution or Institution()
    for key, value in data.items():
        setattr(target, key, value)
    return target


@router.post("/create", response={201: InstitutionOut, 400: ErrorOut}, url_name="institution_create")
def institution_create(request, payload: InstitutionIn):
    try:
        with transaction.atomic():
            institution = services.institution_save(
                actor=request.user, institution=_institution_from(payload)
            )
            if payload.kind in RESEARCH_KINDS:
                services.approval_record(
                    actor=request.user,
                    institution=institution,
                    source=KIND_SOURCE[payload.kind],
                    valid_from=payload.approved_from or timezone.localdate(),
                    valid_to=payload.approved_to,
                )
                institution.refresh_from_db()
    except ERRORS as error:
        return _error(error)
    return Status(201, institution)


@router.post(
    "/{int:institution_id}/update",
    response={200: InstitutionOut, 400: ErrorOut},
    url_name="institution_update",
)
def institution_update(request, institution_id: int, payload: InstitutionIn):
    institution = get_object_or_404(Institution, pk=institution_id)
    try:
        saved = services.institution_save(
            actor=request.user, institution=_institution_from(payload, institution)
        )
    except ValidationError as error:
        return _error(error)
    return saved


class ApprovalIn(Schema):
    source: ApprovalSource
    valid_from: date
    valid_to: date | None = None


@router.post(
    "/{int:institution_id}/approvals/create",
    response={201: ApprovalOut, 400: ErrorOut},
    url_name="institution_approval_create",
)
def institution_approval_create(request, institution_id: int, payload: ApprovalIn):
    institution = get_object_or_404(Institution, pk=institution_id)
    try:
        approval = services.approval_record(actor=request.user, institution=institution, **payload.dict())
    except ERRORS as error:
        return _error(error)
    return Status(201, approval)


class FindingOut(Schema):
    rule: str
    blocking: bool
    message: str
    what_to_do: str


class EligibilityOut(Schema):
    may_apply: bool
    route: str
    findings: list[FindingOut]


@router.get("/{int:institution_id}/eligibility", response=EligibilityOut, url_name="institution_eligibility")
def institution_eligibility(
    request, institution_id: int, on: date | None = None, purpose_statistical: bool = True,
    wants_indirectly_identifiable: bool = True,
):  # fmt: skip
    institution = get_object_or_404(Institution, pk=institution_id)
    result = eligibility(
        institution=institution,
        on=on or timezone.localdate(),
        purpose_statistical=purpose_statistical,
        wants_indirectly_identifiable=wants_indirectly_identifiable,
    )
    return {"may_apply": result.may_apply, "route": result.route, "findings": result.findings}


# --- the official lists --------------------------------------------------------------------------


class DiffEntryOut(Schema):
    action: str
    name: str
    orgnr: str
    country: str
    line: int | None
    institution_id: int | None
    changes: list[str]


class ListImportOut(Schema):
    id: int
    source: str
    file_name: str
    file_format: str
    list_date: date
    status: str
    columns_found: list[str]
    counts: dict


class ListPreviewOut(ListImportOut):
    entries: list[DiffEntryOut]
    errors: list[dict]


def _preview(batch: ListImport) -> dict:
    data = ListImportOut.from_orm(batch).dict()
    if batch.status != ListImport.Status.PREVIEW:
        return {**data, "entries": [], "errors": []}
    diff = services.list_diff(batch)
    return {**data, "entries": [e for e in diff.entries if e.action != "same"], "errors": diff.errors}


@router.get("/lists", response=list[ListImportOut], url_name="institution_list_imports")
def list_imports(request):
    return list(ListImport.objects.all()[:100])


@router.post(
    "/lists/preview", response={201: ListPreviewOut, 400: ErrorOut}, url_name="institution_list_preview"
)
def list_preview(request, source: Form[ApprovalSource], list_date: Form[date], file: File[UploadedFile]):
    try:
        batch = services.list_import_preview(
            actor=request.user,
            source=source,
            file_name=file.name or "",
            data=file.read(),
            list_date=list_date,
        )
    except ValidationError as error:
        return _error(error)
    return Status(201, _preview(batch))


@router.get("/lists/{int:batch_id}", response=ListPreviewOut, url_name="institution_list_import")
def list_import(request, batch_id: int):
    return _preview(get_object_or_404(ListImport, pk=batch_id))


@router.post(
    "/lists/{int:batch_id}/apply",
    response={200: ListImportOut, 400: ErrorOut},
    url_name="institution_list_apply",
)
def list_apply(request, batch_id: int):
    batch = get_object_or_404(ListImport, pk=batch_id)
    try:
        services.list_import_apply(actor=request.user, batch=batch)
    except ERRORS as error:
        return _error(error)
    batch.refresh_from_db()
    return batch


@router.post(
    "/lists/{int:batch_id}/discard",
    response={200: ListImportOut, 400: ErrorOut},
    url_name="institution_list_discard",
)
def list_discard(request, batch_id: int):
    batch = get_object_or_404(ListImport, pk=batch_id)
    try:
        services.list_import_discard(actor=request.user, batch=batch)
    except ERRORS as error:
        return _error(error)
    batch.refresh_from_db()
    return batch


class SyncOut(Schema):
    added: list[str]
    renamed: list[str]
    ceased: list[str]
    unchanged: int


@router.post("/public-bodies/sync", response=SyncOut, url_name="institution_public_bodies_sync")
def public_bodies_sync(request, dry_run: bool = False):
    return services.public_bodies_sync(actor=request.user, apply=not dry_run)


# --- approval requests ---------------------------------------------------------------------------


class ProjectIn(Schema):
    title: str
    year: int
    funding_source: str
    amount_nok: int
    published_where: str


class RequestIn(Schema):
    name: str
    orgnr: str = ""
    country: str = "NO"
    foreign_id: str = ""
    research_statement: str
    rd_person_years: Decimal
    staff_count: int
    projects: list[ProjectIn] = []


class RequestUpdateIn(Schema):
    research_statement: str
    rd_person_years: Decimal
    staff_count: int
    projects: list[ProjectIn] | None = None


class AttachmentOut(Schema):
    id: int
    kind: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    uploaded_at: datetime


class RequestOut(Schema):
    id: int
    institution_id: int
    applicant_id: int
    status: str
    research_statement: str
    rd_person_years: Decimal
    staff_count: int
    checklist: dict
    more_info_message: str
    decision_reasons: str
    valid_from: date | None
    valid_to: date | None
    has_letter: bool
    missing_attachments: list[str]
    attachments: list[AttachmentOut]
    projects: list[ProjectIn]


def _request_out(approval_request) -> dict:
    return {
        **{
            key: getattr(approval_request, key)
            for key in (
                "id", "institution_id", "applicant_id", "status", "research_statement", "rd_person_years",
                "staff_count", "checklist", "more_info_message", "decision_reasons", "valid_from", "valid_to",
            )
        },
        "has_letter": bool(approval_request.letter),
        "missing_attachments": services.missing_attachments(approval_request),
        "attachments": list(approval_request.attachments.all()),
        "projects": list(approval_request.projects.all()),
    }  # fmt: skip


def _visible(request, request_id: int):
    return get_object_or_404(selectors.approval_requests_visible_to(request.user), pk=request_id)


@router.get("/approval-requests", response=list[RequestOut], url_name="institution_request_list")
def request_list(request):
    return [_request_out(r) for r in selectors.approval_requests_visible_to(request.user)[:200]]


@router.get("/approval-requests/{int:request_id}", response=RequestOut, url_name="institution_request_detail")
def request_detail(request, request_id: int):
    return _request_out(_visible(request, request_id))


@router.post(
    "/approval-requests/create",
    response={201: RequestOut, 400: ErrorOut},
    url_name="institution_request_create",
)
def request_create(request, payload: RequestIn):
    data = payload.dict()
    try:
        created = services.approval_request_create(actor=request.user, **data)
    except ERRORS as error:
        return _error(error)
    return Status(201, _request_out(created))


@router.post(
    "/approval-requests/{int:request_id}/update",
    response={200: RequestOut, 400: ErrorOut},
    url_name="institution_request_update",
)
def request_update(request, request_id: int, payload: RequestUpdateIn):
    approval_request = _visible(request, request_id)
    try:
        updated = services.approval_request_update(
            actor=request.user, request=approval_request, **payload.dict()
        )
    except ERRORS as error:
        return _error(error)
    return _request_out(updated)


@router.post(
    "/approval-requests/{int:request_id}/attachments/add",
    response={201: AttachmentOut, 400: ErrorOut},
    url_name="institution_request_attach",
)
def request_attach(request, request_id: int, kind: Form[AttachmentKind], file: File[UploadedFile]):
    approval_request = _visible(request, request_id)
    try:
        file.checked = validate_document(file, file.name or "")  # type: ignore[attr-defined]
        attachment = services.approval_request_attach(
            actor=request.user, request=approval_request, kind=kind, upload=file
        )
    except (UploadError, *ERRORS) as error:
        return _error(error)
    return Status(201, attachment)


@router.post(
    "/approval-requests/{int:request_id}/attachments/{int:attachment_id}/remove",
    response={204: None, 400: ErrorOut},
    url_name="institution_request_detach",
)
def request_detach(request, request_id: int, attachment_id: int):
    try:
        services.approval_request_detach(
            actor=request.user, request=_visible(request, request_id), attachment_id=attachment_id
        )
    except ERRORS as error:
        return _error(error)
    return Status(204, None)


@router.get(
    "/approval-requests/{int:request_id}/attachments/{int:attachment_id}",
    url_name="institution_request_attachment",
)
def request_attachment(request, request_id: int, attachment_id: int):
    """The attachment's file, to the applicant and to assessors (as the request itself)."""
    attachment = get_object_or_404(_visible(request, request_id).attachments, pk=attachment_id)
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )


@router.get("/approval-requests/{int:request_id}/letter", url_name="institution_request_letter")
def request_letter(request, request_id: int):
    approval_request = _visible(request, request_id)
    if not approval_request.letter:
        raise Http404
    return FileResponse(
        approval_request.letter.open("rb"),
        as_attachment=False,
        filename=f"decision-{approval_request.pk}.pdf",
        content_type="application/pdf",
    )


@router.post(
    "/approval-requests/{int:request_id}/submit",
    response={200: RequestOut, 400: ErrorOut},
    url_name="institution_request_submit",
)
def request_submit(request, request_id: int):
    try:
        submitted = services.approval_request_submit(
            actor=request.user, request=_visible(request, request_id)
        )
    except ERRORS as error:
        return _error(error)
    return _request_out(submitted)


class ChecklistIn(Schema):
    ticked: list[str]


class MessageIn(Schema):
    message: str


class ApproveIn(Schema):
    valid_from: date
    valid_to: date


class RefuseIn(Schema):
    reasons: str


@router.post(
    "/approval-requests/{int:request_id}/checklist",
    response={200: RequestOut, 400: ErrorOut},
    url_name="institution_request_checklist",
)
def request_checklist(request, request_id: int, payload: ChecklistIn):
    try:
        done = services.approval_request_checklist(
            actor=request.user, request=_visible(request, request_id), ticked=payload.ticked
        )
    except ERRORS as error:
        return _error(error)
    return _request_out(done)


@router.post(
    "/approval-requests/{int:request_id}/ask-more",
    response={200: RequestOut, 400: ErrorOut},
    url_name="institution_request_ask_more",
)
def request_ask_more(request, request_id: int, payload: MessageIn):
    try:
        done = services.approval_request_ask_more(
            actor=request.user, request=_visible(request, request_id), message=payload.message
        )
    except ERRORS as error:
        return _error(error)
    return _request_out(done)


@router.post(
    "/approval-requests/{int:request_id}/approve",
    response={200: RequestOut, 400: ErrorOut},
    url_name="institution_request_approve",
)
def request_approve(request, request_id: int, payload: ApproveIn):
    approval_request = _visible(request, request_id)
    try:
        services.approval_request_approve(actor=request.user, request=approval_request, **payload.dict())
    except ERRORS as error:
        return _error(error)
    approval_request.refresh_from_db()
    return _request_out(approval_request)


@router.post(
    "/approval-requests/{int:request_id}/refuse",
    response={200: RequestOut, 400: ErrorOut},
    url_name="institution_request_refuse",
)
def request_refuse(request, request_id: int, payload: RefuseIn):
    try:
        done = services.approval_request_refuse(
            actor=request.user, request=_visible(request, request_id), reasons=payload.reasons
        )
    except ERRORS as error:
        return _error(error)
    return _request_out(done)


# --- people and projects -------------------------------------------------------------------------


class AffiliationOut(Schema):
    id: int
    user_id: int
    institution_id: int
    position: str
    has_research_qualifications: bool
    valid_from: date
    valid_to: date | None


class AffiliationIn(Schema):
    institution_id: int
    position: str
    has_research_qualifications: bool = False
    valid_from: date | None = None
    valid_to: date | None = None
    user_id: int | None = None  # staff may record someone else's


@router.get("/affiliations", response=list[AffiliationOut], url_name="institution_affiliation_list")
def affiliation_list(request, user_id: int | None = None):
    affiliations = selectors.affiliations_visible_to(request.user)
    if user_id is not None:
        affiliations = affiliations.filter(user_id=user_id)
    return list(affiliations[:500])


@router.post(
    "/affiliations/create",
    response={201: AffiliationOut, 400: ErrorOut},
    url_name="institution_affiliation_create",
)
def affiliation_create(request, payload: AffiliationIn):
    from tilgang.accounts.models import User

    institution = get_object_or_404(Institution, pk=payload.institution_id)
    user = request.user if payload.user_id is None else get_object_or_404(User, pk=payload.user_id)
    try:
        affiliation = services.affiliation_create(
            actor=request.user, user=user, institution=institution, position=payload.position,
            has_research_qualifications=payload.has_research_qualifications,
            valid_from=payload.valid_from, valid_to=payload.valid_to,
        )  # fmt: skip
    except ERRORS as error:
        return _error(error)
    return Status(201, affiliation)


class EndIn(Schema):
    on: date | None = None


@router.post(
    "/affiliations/{int:affiliation_id}/end",
    response={200: AffiliationOut, 400: ErrorOut},
    url_name="institution_affiliation_end",
)
def affiliation_end(request, affiliation_id: int, payload: EndIn):
    affiliation = get_object_or_404(selectors.affiliations_visible_to(request.user), pk=affiliation_id)
    try:
        return services.affiliation_end(
            actor=request.user, affiliation=affiliation, on=payload.on or timezone.localdate()
        )
    except ERRORS as error:
        return _error(error)


class FundedProjectOut(Schema):
    id: int
    title: str
    owner_id: int
    institution_id: int | None
    funding_kind: str
    funder_name: str
    commissioning_body_id: int | None
    standard_agreement: bool
    reference: str
    valid_from: date
    valid_to: date
    verified: bool


class FundedProjectIn(Schema):
    title: str
    funding_kind: FundingKind
    funder_name: str
    reference: str
    valid_from: date
    valid_to: date
    institution_id: int | None = None
    commissioning_body_id: int | None = None
    standard_agreement: bool = False


def _project_out(project) -> dict:
    return {
        **{f: getattr(project, f) for f in FundedProjectOut.model_fields if f != "verified"},
        "verified": project.verified_at is not None,
    }


@router.get("/funded-projects", response=list[FundedProjectOut], url_name="institution_funded_project_list")
def funded_project_list(request):
    return [_project_out(p) for p in selectors.funded_projects_visible_to(request.user)[:500]]


@router.post(
    "/funded-projects/create",
    response={201: FundedProjectOut, 400: ErrorOut},
    url_name="institution_funded_project_create",
)
def funded_project_create(request, payload: FundedProjectIn):
    data = payload.dict()
    institution_id, body_id = data.pop("institution_id"), data.pop("commissioning_body_id")
    institution = get_object_or_404(Institution, pk=institution_id) if institution_id else None
    body = get_object_or_404(Institution, pk=body_id) if body_id else None
    try:
        project = services.funded_project_create(
            actor=request.user, institution=institution, commissioning_body=body, **data
        )
    except ERRORS as error:
        return _error(error)
    return Status(201, _project_out(project))


@router.post(
    "/funded-projects/{int:project_id}/verify",
    response={200: FundedProjectOut, 400: ErrorOut},
    url_name="institution_funded_project_verify",
)
def funded_project_verify(request, project_id: int):
    project = get_object_or_404(selectors.funded_projects_visible_to(request.user), pk=project_id)
    try:
        services.funded_project_verify(actor=request.user, project=project)
    except ERRORS as error:
        return _error(error)
    return _project_out(project)


ASSESSORS = only(Role.ADMINISTRATOR, Role.LEGAL_REVIEWER)

register(
    {
        "api:institution_list": SIGNED_IN,
        "api:institution_detail": SIGNED_IN,
        "api:institution_create": ADMIN,
        "api:institution_update": ADMIN,
        "api:institution_approval_create": ADMIN,
        "api:institution_eligibility": SIGNED_IN,
        "api:institution_list_imports": ADMIN,
        "api:institution_list_preview": ADMIN,
        "api:institution_list_import": ADMIN,
        "api:institution_list_apply": ADMIN,
        "api:institution_list_discard": ADMIN,
        "api:institution_public_bodies_sync": ADMIN,
        # Applicants see and act on their own requests (404 for others'); assessors on all.
        "api:institution_request_list": SIGNED_IN,
        "api:institution_request_detail": SIGNED_IN,
        "api:institution_request_create": SIGNED_IN,
        "api:institution_request_update": SIGNED_IN,
        "api:institution_request_attach": SIGNED_IN,
        "api:institution_request_detach": SIGNED_IN,
        "api:institution_request_attachment": SIGNED_IN,
        "api:institution_request_letter": SIGNED_IN,
        "api:institution_request_submit": SIGNED_IN,
        "api:institution_request_checklist": ASSESSORS,
        "api:institution_request_ask_more": ASSESSORS,
        "api:institution_request_approve": ASSESSORS,
        "api:institution_request_refuse": ASSESSORS,
        "api:institution_affiliation_list": SIGNED_IN,
        "api:institution_affiliation_create": SIGNED_IN,
        "api:institution_affiliation_end": SIGNED_IN,
        "api:institution_funded_project_list": SIGNED_IN,
        "api:institution_funded_project_create": SIGNED_IN,
        "api:institution_funded_project_verify": ASSESSORS,
    }
)
