"""Reads, with object-level permission: who sees which application and what of it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DateTimeField,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from tilgang.accounts.models import User
from tilgang.applications.lifecycle import FINAL_STATES, NEXT_STEP, State
from tilgang.applications.models import Application, Breach, CaseEvent, ProjectMember
from tilgang.core.registry import Task
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


def officer_workload() -> list[User]:
    """Case officers with the number of open cases each holds."""
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


# Who holds a case: the one who must act next (the case page's "Who holds the case" and the work list).
APPLICANT_HELD = (
    State.DRAFT, State.RETURNED_TO_APPLICANT, State.OFFER_SENT, State.DELIVERED, State.ACTIVE, State.DELETION_DUE,
    State.REFUSED,
)  # fmt: skip
LEGAL_HELD = (State.LEGAL_REVIEW, State.APPEALED)
HEAD_HELD = (State.LEGAL_APPROVED, State.REVERSED)
SIGNATORY_HELD = (State.OFFER_ACCEPTED, State.CHANGE_AGREED)
OFFICER_HELD = tuple(
    s for s in State
    if s not in (*APPLICANT_HELD, State.SUBMITTED, *LEGAL_HELD, *HEAD_HELD, *SIGNATORY_HELD, *FINAL_STATES)
)  # fmt: skip


def holder(application: Application) -> str:
    """The name of the person, or the group, who holds the case now."""
    state = application.state
    if state in APPLICANT_HELD:
        return application.applicant.full_name
    if state == State.SUBMITTED:  # waiting to be taken by any legal reviewer
        return _("the legal reviewers")
    if state in LEGAL_HELD:
        return (
            application.legal_reviewer.full_name if application.legal_reviewer else _("the legal reviewers")
        )
    if state in HEAD_HELD:
        return _("the head of section")
    if state in SIGNATORY_HELD:
        return _("the signatory")
    if state in FINAL_STATES:
        return "—"
    return application.case_officer.full_name if application.case_officer else _("the case officers")


def held_by(user: User) -> Q:
    """DOMAIN R-CASE-1: the cases this staff member holds in person, in whichever staff role."""
    return Q(state__in=LEGAL_HELD, legal_reviewer=user) | Q(state__in=OFFICER_HELD, case_officer=user)


def _waiting_for_a_taker() -> Q:
    return (
        Q(state=State.SUBMITTED)
        | Q(state__in=LEGAL_HELD, legal_reviewer__isnull=True)
        | Q(state__in=HEAD_HELD)
    )


def needs_action_by(user: User) -> Q:
    """Held by the user, or waiting for anyone with one of the user's staff roles to take it."""
    query = held_by(user)
    if user.has_role(Role.LEGAL_REVIEWER):
        query |= Q(state=State.SUBMITTED) | Q(state__in=LEGAL_HELD, legal_reviewer__isnull=True)
    if user.has_role(Role.HEAD_OF_SECTION):
        query |= Q(state__in=HEAD_HELD)
    return query


def mine(user: User) -> Q:
    """Cases the user holds, and open cases they answer for while someone else acts (the applicant,
    the signatory)."""
    return (
        held_by(user)
        | (Q(case_officer=user) & ~Q(state__in=FINAL_STATES))
        | Q(state=State.RETURNED_TO_APPLICANT, legal_reviewer=user, case_officer__isnull=True)
    )


WORK_VIEWS = {
    "action": gettext_lazy("Needs my action"),
    "mine": gettext_lazy("My cases"),
    "unassigned": gettext_lazy("Not taken yet"),
    "all": gettext_lazy("All cases"),
}
WORK_SORTS = {
    "oldest": gettext_lazy("Received, oldest first"),
    "newest": gettext_lazy("Received, newest first"),
    "deadline": gettext_lazy("Deadline, soonest first"),
    "status": gettext_lazy("Status"),
}
# The deadline that matters for the case in its state, and what it is a deadline for.
_DEADLINES = (
    (State.REFUSED, "appeal_due_at", gettext_lazy("Appeal")),
    (State.DELIVERED, "receipt_due_at", gettext_lazy("Download")),
    (State.ACTIVE, "deletion_due_at", gettext_lazy("Deletion")),
    (State.CHANGE_REQUESTED, "deletion_due_at", gettext_lazy("Deletion")),
    (State.CHANGE_AGREED, "deletion_due_at", gettext_lazy("Deletion")),
    (State.DELETION_DUE, "deletion_due_at", gettext_lazy("Deletion")),
)
DEADLINE_KINDS = {str(state): label for state, _field, label in _DEADLINES}
_CASE_NUMBER = re.compile(r"^(\d{2}|\d{4})/0*(\d+)$")


@dataclass(frozen=True)
class WorkFilter:
    view: str = "action"
    status: str = ""
    q: str = ""
    sort: str = "oldest"

    @classmethod
    def parse(cls, params) -> WorkFilter:
        view, sort = params.get("view", ""), params.get("sort", "")
        status = params.get("status", "")
        return cls(
            view=view if view in WORK_VIEWS else "action",
            status=status if status in State.values and status != State.DRAFT else "",
            q=params.get("q", "").strip()[:100],
            sort=sort if sort in WORK_SORTS else "oldest",
        )


def _search(text: str) -> Q:
    query = (
        Q(title__icontains=text)
        | Q(applicant__full_name__icontains=text)
        | Q(applicant__email__icontains=text)
        | Q(institution__name__icontains=text)
    )
    number = _CASE_NUMBER.match(text)
    if number:
        year = int(number.group(1))
        query |= Q(case_year=year if year > 99 else 2000 + year, case_sequence=int(number.group(2)))
    elif text.isdigit():
        query |= Q(case_sequence=int(text))
    return query


def work_list(user: User, wanted: WorkFilter) -> QuerySet[Application]:
    """The staff work list: submitted cases filtered, searched and sorted, each with its deadline, whether
    it needs the user's action and whether it came back from the applicant."""
    cases = Application.objects.exclude(state=State.DRAFT)
    if wanted.view == "action":
        cases = cases.filter(needs_action_by(user))
    elif wanted.view == "mine":
        cases = cases.filter(mine(user))
    elif wanted.view == "unassigned":
        cases = cases.filter(_waiting_for_a_taker())
    if wanted.status:
        cases = cases.filter(state=wanted.status)
    if wanted.q:
        cases = cases.filter(_search(wanted.q))
    arrived_by = CaseEvent.objects.filter(application=OuterRef("pk"), to_state=OuterRef("state")).exclude(
        from_state=F("to_state")
    )
    cases = cases.annotate(
        deadline=Case(
            *[When(state=state, then=F(field)) for state, field, _label in _DEADLINES],
            default=Value(None),
            output_field=DateTimeField(),
        ),
        needs_my_action=Case(When(needs_action_by(user), then=Value(True)), default=Value(False),
                             output_field=BooleanField()),
        arrived_by=Subquery(arrived_by.order_by("-created_at", "-pk").values("command")[:1],
                            output_field=CharField()),
        state_order=Case(*[When(state=s, then=Value(i)) for i, s in enumerate(State)],
                         output_field=IntegerField()),
    ).select_related("institution", "applicant", "legal_reviewer", "case_officer")  # fmt: skip
    received = F("submitted_at").asc(nulls_last=True)
    orders: dict[str, list[Any]] = {
        "oldest": [received, "pk"],
        "newest": [F("submitted_at").desc(nulls_last=True), "-pk"],
        "deadline": [F("deadline").asc(nulls_last=True), received, "pk"],
        "status": ["state_order", received, "pk"],
    }
    order = orders[wanted.sort]
    return cases.order_by(*order)


def work_counts(user: User) -> dict[str, int]:
    cases = Application.objects.exclude(state=State.DRAFT)
    return {
        "action": cases.filter(needs_action_by(user)).count(),
        "mine": cases.filter(mine(user)).count(),
        "unassigned": cases.filter(_waiting_for_a_taker()).count(),
        "all": cases.count(),
    }


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


def declarations_pending(user: User, application: Application) -> bool:
    """Whether ``user`` is on the project with a non-disclosure declaration still to sign."""
    return (
        application.members.filter(removed_at__isnull=True, declaration_signed_at__isnull=True)
        .filter(Q(user=user) | Q(user__isnull=True, email=user.email))
        .exists()
    )


# The applicant's own next steps on the front page; offers (with their deadline) come from the offers app.
_APPLICANT_TASK_STATES = (State.DRAFT, State.RETURNED_TO_APPLICANT, State.DELIVERED, State.DELETION_DUE)
_DECLARATION_STATES = (State.OFFER_SENT, State.OFFER_ACCEPTED, State.CHANGE_AGREED)


def waiting_for(user: User) -> list[Task]:
    """The front page's "Waiting for you": staff get the count of cases that need them; applicants their cases
    that wait for them, and anyone on a project the declaration they have still to sign."""
    if is_case_staff(user):
        count = Application.objects.filter(needs_action_by(user)).count()
        if not count:
            return []
        text = ngettext("%(count)d case needs your action", "%(count)d cases need your action", count)
        return [Task(text % {"count": count}, reverse("applications:queues"))]
    tasks = []
    visible = applications_visible_to(user)
    for application in visible.filter(applicant=user, state__in=_APPLICANT_TASK_STATES).order_by("pk"):
        due = {State.DELIVERED: application.receipt_due_at, State.DELETION_DUE: application.deletion_due_at}
        tasks.append(
            Task(
                _("“%(title)s”: %(step)s")
                % {"title": application.title, "step": NEXT_STEP[State(application.state)]},
                reverse("applications:detail", args=[application.pk]),
                due.get(State(application.state)),
            )
        )
    refused = visible.filter(applicant=user, state=State.REFUSED, appeal_due_at__gt=timezone.now())
    for application in refused.order_by("pk"):
        tasks.append(
            Task(
                _("“%(title)s” was refused; you may appeal") % {"title": application.title},
                reverse("applications:detail", args=[application.pk]),
                application.appeal_due_at,
            )
        )
    # One query for every project with a declaration of this user's still unsigned.
    unsigned = ProjectMember.objects.filter(
        removed_at__isnull=True, declaration_signed_at__isnull=True
    ).filter(Q(user=user) | Q(user__isnull=True, email=user.email))
    pending = visible.filter(state__in=_DECLARATION_STATES, members__in=unsigned).distinct().order_by("pk")
    for application in pending:
        tasks.append(
            Task(
                _("Sign the non-disclosure declaration for “%(title)s”") % {"title": application.title},
                reverse("applications:detail", args=[application.pk]),
            )
        )
    return tasks
