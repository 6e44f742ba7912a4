"""Case handling rules after the decision: agreement, delivery, complaints, changes, deletion, breaches."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from tests.applications.conftest import complete_draft, run, to_active, to_assigned
from tilgang.applications import selectors, sweeps
from tilgang.applications.lifecycle import Command, Refusal, State
from tilgang.applications.models import Application, ChangeStatus, ProjectMember
from tilgang.applications.services import add_months
from tilgang.audit.models import AuditEvent


def test_R_CASE_4_agreement_needs_every_members_declaration(people, catalog):
    application = to_assigned(people, complete_draft(people, catalog))
    run(
        people["officer"],
        application,
        Command.GRANT_ACCESS,
        deletion_deadline=application.period_end + timedelta(1),
    )
    run(people["officer"], application, Command.SEND_OFFER)
    run(people["applicant"], application, Command.ACCEPT_OFFER)
    run(people["applicant"], application, Command.SIGN_DECLARATION, confirm=True)
    with pytest.raises(Refusal, match="Per Deltaker"):
        run(people["signatory"], application, Command.SIGN_AGREEMENT)
    run(people["member"], application, Command.SIGN_DECLARATION, confirm=True)
    run(people["signatory"], application, Command.SIGN_DECLARATION, confirm=True)
    assert run(people["signatory"], application, Command.SIGN_AGREEMENT).state == State.AGREEMENT_SIGNED


def test_R_CASE_4_only_the_signatory_signs_the_agreement(people, catalog):
    application = to_assigned(people, complete_draft(people, catalog))
    run(
        people["officer"],
        application,
        Command.GRANT_ACCESS,
        deletion_deadline=application.period_end + timedelta(1),
    )
    run(people["officer"], application, Command.SEND_OFFER)
    run(people["applicant"], application, Command.ACCEPT_OFFER)
    with pytest.raises(Refusal, match="Only the signatory"):
        run(people["applicant"], application, Command.SIGN_AGREEMENT)


def test_R_CASE_6_complaint_window_is_six_months_after_delivery(people, catalog):
    application = to_active(people, complete_draft(people, catalog))
    assert application.complaint_due_at == add_months(application.delivered_at, 6)
    assert add_months(timezone.datetime(2026, 8, 31), 6) == timezone.datetime(2027, 2, 28)
    run(people["applicant"], application, Command.COMPLAIN, message="The 2020 file is missing.")
    with time_machine.travel(application.complaint_due_at + timedelta(days=1)):
        with pytest.raises(Refusal, match="six months"):
            run(people["applicant"], application, Command.COMPLAIN, message="Late")


def test_R_CASE_6_delivered_becomes_active_after_the_download_window(people, catalog):
    application = to_active(people, complete_draft(people, catalog))
    Application.objects.filter(pk=application.pk).update(state=State.DELIVERED)
    later = application.receipt_due_at + timedelta(minutes=1)
    assert sweeps.download_window_ended(later) == 1
    assert sweeps.download_window_ended(later) == 0
    assert Application.objects.get(pk=application.pk).state == State.ACTIVE


def test_R_CASE_7_change_with_new_member_and_extended_period(people, catalog, make_user):
    application = to_active(people, complete_draft(people, catalog))
    old_deadline = application.deletion_due_at
    newcomer = make_user(email="ny@uio.example", full_name="Nina Ny")
    new_end = application.period_end + timedelta(days=365)
    with pytest.raises(Refusal, match="after the current one"):
        run(people["applicant"], application, Command.REQUEST_CHANGE, kinds=["extended_period"], description="x",
            new_period_end=application.period_end)  # fmt: skip
    run(people["applicant"], application, Command.REQUEST_CHANGE, kinds=["new_members", "extended_period"],
        description="Nina joins; one more year.", new_period_end=new_end,
        new_members=[{"full_name": "Nina Ny", "email": newcomer.email}])  # fmt: skip
    run(people["officer"], application, Command.AGREE_CHANGE, handling_cost_nok=1500)
    with pytest.raises(Refusal, match="Nina Ny"):
        run(people["signatory"], application, Command.SIGN_CHANGE_AGREEMENT)
    run(newcomer, application, Command.SIGN_DECLARATION, confirm=True)
    application = run(people["signatory"], application, Command.SIGN_CHANGE_AGREEMENT)
    assert application.state == State.ACTIVE and application.period_end == new_end
    assert application.deletion_due_at - old_deadline == timedelta(days=365)
    change = application.changes.get()
    assert change.status == ChangeStatus.SIGNED and change.handling_cost_nok == 1500


def test_R_CASE_8_deletion_reminders_due_and_escalation(people, catalog, mailoutbox,
                                                        django_capture_on_commit_callbacks):  # fmt: skip
    application = to_active(people, complete_draft(people, catalog))
    deadline = application.deletion_due_at
    with django_capture_on_commit_callbacks(execute=True):
        assert sweeps.deletion_reminders(deadline - timedelta(days=40)) == 0
        assert sweeps.deletion_reminders(deadline - timedelta(days=29)) == 1
        assert sweeps.deletion_reminders(deadline - timedelta(days=29)) == 0  # idempotent
        assert sweeps.deletion_due(deadline - timedelta(days=29)) == 1
        assert sweeps.deletion_reminders(deadline - timedelta(days=6)) == 1
        assert sweeps.deletion_overdue(deadline - timedelta(days=1)) == 0
        assert sweeps.deletion_overdue(deadline + timedelta(days=1)) == 1
        assert sweeps.deletion_overdue(deadline + timedelta(days=2)) == 0
    application.refresh_from_db()
    assert application.state == State.DELETION_DUE
    subjects = [(m.to[0], m.subject) for m in mailoutbox]
    assert sum("delete the data" in s for to, s in subjects if to == people["applicant"].email) == 2
    assert any(to == people["head"].email and "not confirmed" in s for to, s in subjects)
    assert AuditEvent.objects.filter(action="applications.deletion.escalated").count() == 1
    with pytest.raises(Refusal, match="Confirm"):
        run(people["applicant"], application, Command.CONFIRM_DELETION)
    assert run(people["applicant"], application, Command.CONFIRM_DELETION, confirm=True).state == (
        State.DELETION_CONFIRMED
    )


def test_R_CASE_10_breach_is_visible_on_later_applications(people, catalog):
    earlier = to_active(people, complete_draft(people, catalog))
    run(people["officer"], earlier, Command.RECORD_BREACH, description="Data stored on a laptop.",
        occurred_on=timezone.localdate(), consequence="deletion_demanded",
        delete_by=timezone.localdate() + timedelta(days=10))  # fmt: skip
    earlier.refresh_from_db()
    assert earlier.deletion_due_at.date() == timezone.localdate() + timedelta(days=10)
    later = complete_draft(people, catalog, members=False)
    run(people["applicant"], later, Command.SUBMIT)
    assert [b.application_id for b in selectors.breaches_relevant_to(later)] == [earlier.pk]


def test_R_CASE_10_new_conditions_need_text(people, catalog):
    application = to_active(people, complete_draft(people, catalog))
    with pytest.raises(Refusal, match="new conditions"):
        run(people["officer"], application, Command.RECORD_BREACH, description="x",
            occurred_on=timezone.localdate(), consequence="new_conditions")  # fmt: skip
    assert not application.breaches.exists()


def test_members_see_the_project_not_each_others_private_data(people, catalog):
    application = complete_draft(people, catalog)
    rows = selectors.members_seen_by(people["member"], application, staff=False)
    emails = {row["member"].full_name: row["email"] for row in rows}
    assert emails["Per Deltaker"] == people["member"].email
    assert emails["Liv Leder"] == "" and emails["Frida Forsker"] == ""
    assert ProjectMember.objects.filter(application=application).count() == 3


def test_R_CASE_8_project_end_makes_deletion_due(people, catalog):
    application = to_active(people, complete_draft(people, catalog))
    Application.objects.filter(pk=application.pk).update(deletion_due_at=timezone.now() + timedelta(days=400))
    after_end = timezone.make_aware(timezone.datetime.combine(application.period_end + timedelta(days=1),
                                                              timezone.datetime.min.time()))  # fmt: skip
    with time_machine.travel(after_end):
        assert sweeps.deletion_due(timezone.now()) == 1
    assert Application.objects.get(pk=application.pk).state == State.DELETION_DUE


def test_R_CASE_8_an_officer_marking_deletion_due_early_gives_thirty_days_to_delete(people, catalog):
    application = to_active(people, complete_draft(people, catalog))
    decided = application.deletion_due_at
    assert decided > timezone.now()
    run(people["officer"], application, Command.MARK_DELETION_DUE)
    application.refresh_from_db()
    assert application.state == State.DELETION_DUE
    assert timezone.now() < application.deletion_due_at <= timezone.now() + timedelta(days=30)
    event = AuditEvent.objects.filter(action="applications.application.mark_deletion_due").latest("seq")
    assert event.payload["deletion_due_at_was"] == decided.isoformat()
