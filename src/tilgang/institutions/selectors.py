"""Reads for institutions, including what other apps ask: warnings about an institution's approval."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from tilgang.core.roles import Role
from tilgang.institutions.eligibility import approval_fact
from tilgang.institutions.models import (
    RESEARCH_KINDS,
    Affiliation,
    ApprovalRequest,
    FundedProject,
    Institution,
    InstitutionKind,
    StagedAttachment,
)

EXPIRY_WARNING_DAYS = 30


def institutions_search(query: str = "") -> QuerySet[Institution]:
    institutions = Institution.objects.all().prefetch_related("approvals")
    query = query.strip()
    if query:
        compact = "".join(query.split())
        condition = Q(name__icontains=query)
        if compact.isdigit():
            condition |= Q(orgnr=compact) | Q(region_code=compact)
        condition |= Q(foreign_id__iexact=query)
        institutions = institutions.filter(condition)
    return institutions


def approval_requests_visible_to(user) -> QuerySet[ApprovalRequest]:
    requests = ApprovalRequest.objects.select_related("institution", "applicant")
    if user.has_role(Role.ADMINISTRATOR) or user.has_role(Role.LEGAL_REVIEWER):
        return requests
    return requests.filter(applicant=user)


def latest_approval_requests(institutions) -> dict[int, ApprovalRequest]:
    """The newest sent or open request to approve each institution, by institution id (for the public
    "may we apply?" page: a request being assessed, or a refusal, is said there)."""
    latest: dict[int, ApprovalRequest] = {}
    for request in ApprovalRequest.objects.filter(institution__in=list(institutions)).order_by("-created_at"):
        latest.setdefault(request.institution_id, request)
    return latest


def staged_attachments_kept(user, ids: dict[str, str]) -> dict[str, StagedAttachment]:
    """The user's own kept files of the new-request form, by form field; ``ids`` come from the form's
    hidden inputs (field -> id), so anything not the user's, not of that kind or swept is left out."""
    from tilgang.institutions.forms import ATTACHMENT_FIELDS

    wanted = {field: raw for field, raw in ids.items() if field in ATTACHMENT_FIELDS and str(raw).isdigit()}
    rows = StagedAttachment.objects.filter(owner=user, pk__in=[int(raw) for raw in wanted.values()])
    by_pk = {row.pk: row for row in rows}
    kept = {}
    for field, raw in wanted.items():
        row = by_pk.get(int(raw))
        if row is not None and row.kind == ATTACHMENT_FIELDS[field]:
            kept[field] = row
    return kept


def affiliations_visible_to(user) -> QuerySet[Affiliation]:
    affiliations = Affiliation.objects.select_related("institution", "user")
    return affiliations if user.is_staff_member else affiliations.filter(user=user)


def funded_projects_visible_to(user) -> QuerySet[FundedProject]:
    projects = FundedProject.objects.select_related("institution", "commissioning_body", "owner")
    return projects if user.is_staff_member else projects.filter(owner=user)


@dataclass(frozen=True)
class ApprovalWarning:
    code: str  # expired, expiring, not_approved, ceased
    level: str  # danger, warning
    rule: str
    message: str
    until: date | None = None


def approval_warnings(institution: Institution | None, on: date) -> list[ApprovalWarning]:
    """What a case officer must know about the institution of an open application on ``on``.

    Public bodies are not approved but listed (R-ELIG-3); they are warned about only if they ceased."""
    if institution is None:
        return []
    if institution.ceased_on and on >= institution.ceased_on:
        return [
            ApprovalWarning(
                "ceased",
                "danger",
                "R-ELIG-3" if institution.kind == InstitutionKind.PUBLIC_BODY else "R-ELIG-1",
                _("%(name)s ceased to exist on %(day)s.")
                % {"name": institution.name, "day": institution.ceased_on},
                institution.ceased_on,
            )
        ]
    fact = approval_fact(institution, on)
    if fact.approved:
        if fact.valid_to and fact.valid_to <= on + timedelta(days=EXPIRY_WARNING_DAYS):
            return [
                ApprovalWarning(
                    "expiring",
                    "warning",
                    fact.rule,
                    _("The approval of %(name)s (%(source)s) expires on %(day)s.")
                    % {"name": institution.name, "source": fact.source_label, "day": fact.valid_to},
                    fact.valid_to,
                )
            ]
        return []
    if institution.kind == InstitutionKind.PUBLIC_BODY:
        return []
    if fact.expired_on is not None:
        return [
            ApprovalWarning(
                "expired",
                "danger",
                "R-ELIG-1",
                _("The approval of %(name)s as a research institution expired on %(day)s.")
                % {"name": institution.name, "day": fact.expired_on},
                fact.expired_on,
            )
        ]
    if institution.kind in RESEARCH_KINDS or institution.kind == InstitutionKind.OTHER:
        return [
            ApprovalWarning(
                "not_approved",
                "danger",
                "R-ELIG-2",
                _("%(name)s is not an approved research institution.") % {"name": institution.name},
            )
        ]
    return []
