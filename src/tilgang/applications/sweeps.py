"""Time-based work on cases, idempotent: each sweep acts on a row once and records that it did.

- the download window ends: a delivered project becomes active (R-CASE-6);
- deletion (R-CASE-8): reminders 30 and 7 days before the deadline, the case marked as due 30 days
  before it (or when the project has ended), and escalation to the case officer and the heads of
  section once the deadline has passed without a confirmation.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.formats import date_format
from django.utils.timezone import localtime

from tilgang.accounts.models import User
from tilgang.applications.lifecycle import Command, State
from tilgang.applications.models import Application
from tilgang.applications.services import _notify, case_transition
from tilgang.audit.services import audit_record
from tilgang.core.roles import Role

FIRST_REMINDER = timedelta(days=30)
LAST_REMINDER = timedelta(days=7)
WITH_DATA = (State.DELIVERED, State.ACTIVE, State.CHANGE_REQUESTED, State.CHANGE_AGREED, State.DELETION_DUE)


def _deadline(application: Application) -> str:
    assert application.deletion_due_at is not None
    return date_format(localtime(application.deletion_due_at).date(), "DATE_FORMAT")


def download_window_ended(now: datetime) -> int:
    done = 0
    for application in Application.objects.filter(state=State.DELIVERED, receipt_due_at__lte=now):
        case_transition(actor=None, application=application, command=Command.CONFIRM_RECEIPT)
        done += 1
    return done


def deletion_reminders(now: datetime) -> int:
    done = 0
    due = Application.objects.filter(
        state__in=WITH_DATA, deletion_due_at__isnull=False, deletion_confirmed_at__isnull=True
    )
    for application in due.filter(
        deletion_reminded_at__isnull=True, deletion_due_at__lte=now + FIRST_REMINDER
    ):
        with transaction.atomic():
            if Application.objects.filter(pk=application.pk, deletion_reminded_at__isnull=True).update(
                deletion_reminded_at=now
            ):
                audit_record(
                    actor=None, action="applications.deletion.reminded", obj=application, payload={"n": 1}
                )
                _notify(application.applicant, "application_deletion_reminder", application,
                        deadline=_deadline(application))  # fmt: skip
                done += 1
    for application in due.filter(
        deletion_last_reminder_at__isnull=True, deletion_due_at__lte=now + LAST_REMINDER
    ):
        with transaction.atomic():
            if Application.objects.filter(pk=application.pk, deletion_last_reminder_at__isnull=True).update(
                deletion_last_reminder_at=now
            ):
                audit_record(
                    actor=None, action="applications.deletion.reminded", obj=application, payload={"n": 2}
                )
                _notify(application.applicant, "application_deletion_reminder", application,
                        deadline=_deadline(application))  # fmt: skip
                done += 1
    return done


def deletion_due(now: datetime) -> int:
    done = 0
    for application in Application.objects.filter(state__in=[State.DELIVERED, State.ACTIVE]):
        project_ended = application.period_end is not None and application.period_end < localtime(now).date()
        near = application.deletion_due_at is not None and application.deletion_due_at <= now + FIRST_REMINDER
        if project_ended or near:
            case_transition(actor=None, application=application, command=Command.MARK_DELETION_DUE)
            done += 1
    return done


def deletion_overdue(now: datetime) -> int:
    done = 0
    overdue = Application.objects.filter(
        state__in=WITH_DATA,
        deletion_due_at__lt=now,
        deletion_confirmed_at__isnull=True,
        deletion_escalated_at__isnull=True,
    )
    heads = list(User.objects.filter(role_grants__role=Role.HEAD_OF_SECTION, is_active=True))
    for application in overdue:
        with transaction.atomic():
            if not Application.objects.filter(pk=application.pk, deletion_escalated_at__isnull=True).update(
                deletion_escalated_at=now
            ):
                continue
            audit_record(actor=None, action="applications.deletion.escalated", obj=application)
            recipients = {u.pk: u for u in [application.case_officer, *heads] if u is not None}
            for user in recipients.values():
                _notify(user, "application_deletion_overdue", application, deadline=_deadline(application))
            done += 1
    return done


SWEEPS = [download_window_ended, deletion_reminders, deletion_due, deletion_overdue]
