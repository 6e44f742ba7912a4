"""The lifecycle table as a whole: every state × command × role either runs (to the table's next state,
with an audit event) or is refused with a message and changes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from tests.applications.conftest import complete_draft
from tilgang.applications import services
from tilgang.applications.lifecycle import (
    TABLE,
    CaseRole,
    Command,
    Refusal,
    State,
    table_markdown,
    transition_for,
)
from tilgang.applications.models import (
    Appeal,
    Application,
    ChangeRequest,
    ChangeStatus,
    Decision,
    DecisionKind,
    ProjectMember,
)
from tilgang.audit.models import AuditEvent


class _Rollback(Exception):
    pass


def _data(command: str, application: Application, other_officer) -> dict:
    day = timezone.localdate()
    return {
        Command.RETURN_FOR_COMPLETION: {"message": "Please complete section 7."},
        Command.REFUSE: {"reasons": "The conditions are not met."},
        Command.GRANT_ACCESS: {"deletion_deadline": application.period_end + timedelta(days=30)},
        Command.ASSIGN: {"case_officer_id": other_officer.pk},
        Command.REASSIGN: {"case_officer_id": other_officer.pk},
        Command.COMPLAIN: {"message": "A variable is missing."},
        Command.REQUEST_CHANGE: {"kinds": ["updated_figures"], "description": "Add 2022."},
        Command.REFUSE_CHANGE: {"reasons": "Not covered by the permit."},
        Command.CONFIRM_DELETION: {"confirm": True},
        Command.APPEAL: {"grounds": "The conditions are met."},
        Command.UPHOLD: {"reasons": "Upheld by the Ministry."},
        Command.REVERSE: {"reasons": "Reversed by the Ministry."},
        Command.MESSAGE: {"message": "Hello"},
        Command.ADD_NOTE: {"note": "Checked the permit."},
        Command.SIGN_DECLARATION: {"confirm": True},
        Command.RECORD_BREACH: {
            "description": "Data on a laptop.",
            "occurred_on": day,
            "consequence": "warning",
        },
    }.get(command, {})


@pytest.fixture
def rich(people, catalog, make_user):
    """One application with everything any command may need: members, a refusal, an appeal, changes."""
    application = complete_draft(people, catalog)
    people["other_officer"] = make_user("case_officer", email="sb2@example.org")
    people["head_only"] = make_user("head_of_section", email="head@example.org")
    people["legal_only"] = people["legal"]
    decision = Decision.objects.create(
        application=application, kind=DecisionKind.REFUSAL, reasons="x", language="en"
    )
    Appeal.objects.create(application=application, decision=decision, grounds="g")
    ChangeRequest.objects.create(application=application, kinds=["updated_figures"], description="d")
    ChangeRequest.objects.create(
        application=application, kinds=["updated_figures"], description="d", status=ChangeStatus.AGREED
    )
    now = timezone.now()
    Application.objects.filter(pk=application.pk).update(
        case_year=2026, case_sequence=990, case_officer=people["officer"], complaint_due_at=now + timedelta(days=90),
        appeal_due_at=now + timedelta(days=10), deletion_due_at=now + timedelta(days=400),
    )  # fmt: skip
    return application


ACTORS = {
    CaseRole.APPLICANT: "applicant",
    CaseRole.MEMBER: "member",
    CaseRole.SIGNATORY: "signatory",
    CaseRole.LEGAL_REVIEWER: "legal_only",
    CaseRole.CASE_OFFICER: "officer",
    CaseRole.HEAD_OF_SECTION: "head_only",
    CaseRole.SYSTEM: None,
}


@pytest.mark.parametrize("state", list(State))
def test_every_command_by_every_role_in_state(state, rich, people):
    Application.objects.filter(pk=rich.pk).update(state=state)
    checked = 0
    for command in Command:
        for role, key in ACTORS.items():
            actor = people[key] if key else None
            rule = TABLE.get((str(state), str(command)))
            allowed = rule is not None and str(role) in rule.roles
            events_before = AuditEvent.objects.count()
            try:
                with transaction.atomic():
                    if command == Command.SIGN_AGREEMENT:
                        ProjectMember.objects.filter(application=rich).update(
                            declaration_signed_at=timezone.now()
                        )
                    application = Application.objects.get(pk=rich.pk)
                    try:
                        services.case_transition(
                            actor=actor, application=application, command=command,
                            **_data(command, application, people["other_officer"]),
                        )  # fmt: skip
                    except Refusal as error:
                        assert not allowed, f"{state} {command} {role} refused: {error}"
                        assert str(error)
                        assert Application.objects.get(pk=rich.pk).state == state
                        assert AuditEvent.objects.count() == events_before
                    else:
                        assert allowed, f"{state} {command} {role} ran but the table refuses it"
                        assert Application.objects.get(pk=rich.pk).state == rule.to_state
                        assert (
                            AuditEvent.objects.filter(action=f"applications.application.{command}").count()
                            == 1
                        )
                    raise _Rollback
            except _Rollback:
                pass
            checked += 1
    assert checked == len(Command) * len(ACTORS)


def test_refusals_say_why():
    with pytest.raises(Refusal, match="while the case is"):
        transition_for(State.DRAFT, Command.GRANT_ACCESS, {CaseRole.CASE_OFFICER})
    with pytest.raises(Refusal, match="Only the case officer of the case"):
        transition_for(State.CASE_OFFICER_ASSIGNED, Command.GRANT_ACCESS, {CaseRole.LEGAL_REVIEWER})
    with pytest.raises(Refusal, match="Unknown command"):
        transition_for(State.DRAFT, "explode", {CaseRole.APPLICANT})


def test_every_state_is_reachable_and_every_open_state_can_move():
    targets = {rule.to_state for rule in TABLE.values()} | {State.DRAFT}
    assert targets == set(State.values)


def test_the_documented_table_is_the_table():
    docs = Path(__file__).resolve().parents[2] / "docs" / "applications.md"
    assert table_markdown() in docs.read_text()
