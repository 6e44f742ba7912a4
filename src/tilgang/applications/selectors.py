"""Reads, with object-level permission: who sees which application and what of it."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from tilgang.accounts.models import User
from tilgang.applications.lifecycle import State
from tilgang.applications.models import Application, Breach, ProjectMember
from tilgang.core.roles import Role

CASE_STAFF = (Role.LEGAL_REVIEWER, Role.CASE_OFFICER, Role.HEAD_OF_SECTION)
# Where the public register of projects (R-CASE-9) lists a project: it has, or is about to have, data.
REGISTER_STATES = (
    State.AGREEMENT_SIGNED,
    State.IN_PREPARATION,
    State.DELIVERED,
    State.ACTIVE,
    State.CHANGE_REQUESTED,
    State.CHANGE_AGREED,
    State.DELETION_DUE,
)


def is_case_staff(user: User) -> bool:
    return bool(user.role_set & set(CASE_STAFF))


def _member_of(user: User) -> Q:
    # Members are added by e-mail, possibly before they have an account (the e-mail is the user name).
    return (
        Q(applicant=user)
        | Q(members__user=user, members__removed_at__isnull=True)
        | Q(members__user__isnull=True, members__email=user.email, members__removed_at__isnull=True)
    )


def applications_visible_to(user: User) -> QuerySet[Application]:
    """Case staff see every submitted case (drafts stay private); others see their own projects."""
    base = Application.objects.select_related("institution", "applicant", "case_officer", "legal_reviewer")
    if is_case_staff(user):
        return base.exclude(state=State.DRAFT)
    return base.filter(_member_of(user)).distinct()


def application_for(user: User, pk: int) -> Application | None:
    return applications_visible_to(user).filter(pk=pk).first()


def my_applications(user: User) -> QuerySet[Application]:
    return (
        Application.objects.filter(_member_of(user)).distinct().select_related("institution", "case_officer")
    )


def legal_queue() -> QuerySet[Application]:
    # DOMAIN R-CASE-1: new submissions go to legal review first, oldest first.
    return (
        Application.objects.filter(state__in=[State.SUBMITTED, State.LEGAL_REVIEW, State.APPEALED])
        .order_by("submitted_at", "pk")
        .select_related("institution", "legal_reviewer")
    )


def assignment_queue() -> QuerySet[Application]:
    return (
        Application.objects.filter(state__in=[State.LEGAL_APPROVED, State.REVERSED])
        .order_by("submitted_at", "pk")
        .select_related("institution")
    )


def officer_workload() -> list[User]:
    """Case officers with the number of open cases each holds."""
    from tilgang.applications.lifecycle import FINAL_STATES

    return list(
        User.objects.filter(role_grants__role=Role.CASE_OFFICER, is_active=True)
        .annotate(
            open_cases=Count(
                "cases",
                filter=~Q(cases__state__in=[*FINAL_STATES, State.DELETION_CONFIRMED, State.REFUSED]),
                distinct=True,
            )
        )
        .order_by("open_cases", "full_name")
    )


def officer_cases(user: User) -> QuerySet[Application]:
    from tilgang.applications.lifecycle import FINAL_STATES

    return (
        Application.objects.filter(case_officer=user)
        .exclude(state__in=FINAL_STATES)
        .select_related("institution")
        .order_by("deletion_due_at", "submitted_at")
    )


def members_seen_by(user: User, application: Application, *, staff: bool) -> list[dict]:
    """Members see each other's name, institution and role only; e-mail and declarations are private."""
    rows = []
    for member in application.members.filter(removed_at__isnull=True).select_related("institution"):
        own = member.user_id == user.pk or (member.user_id is None and member.email == user.email)
        show_private = staff or own or application.applicant_id == user.pk
        rows.append(
            {
                "member": member,
                "email": member.email if show_private else "",
                "signed": member.declaration_signed_at if show_private else None,
                "show_private": show_private,
            }
        )
    return rows


def breaches_relevant_to(application: Application) -> QuerySet[Breach]:
    """DOMAIN R-CASE-10: breaches by the same people or institution on other projects."""
    users = ProjectMember.objects.filter(
        application=application, removed_at__isnull=True, user__isnull=False
    ).values_list("user", flat=True)
    query = Q(people__in=list(users))
    if application.institution_id:
        query |= Q(institution_id=application.institution_id)
    return (
        Breach.objects.filter(query).exclude(application=application).distinct().select_related("application")
    )


def public_register() -> QuerySet[Application]:
    return (
        Application.objects.filter(state__in=REGISTER_STATES)
        .select_related("institution", "applicant")
        .prefetch_related("variables__variable__area")
        .order_by("case_year", "case_sequence")
    )


def register_rows() -> list[dict]:
    rows = []
    for app in public_register():
        areas = sorted({s.variable.area.code for s in app.variables.all()})
        rows.append(
            {
                "case_number": app.case_number,
                "title": app.title,
                "institution": app.institution.name if app.institution else "",
                "project_leader": app.applicant.full_name,
                "period_start": app.period_start.isoformat() if app.period_start else "",
                "period_end": app.period_end.isoformat() if app.period_end else "",
                "data_areas": areas,
            }
        )
    return rows
