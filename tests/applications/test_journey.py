"""The whole journey through the services: draft → decision → delivery → deletion, and refusal → appeal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.applications.conftest import complete_draft, run, to_active, to_assigned
from tilgang.applications.lifecycle import Command, Refusal, State
from tilgang.applications.models import Application, DecisionKind
from tilgang.applications.rules import blocking, precheck
from tilgang.audit.models import AuditEvent


def test_a_complete_draft_has_a_clean_precheck(people, catalog):
    application = complete_draft(people, catalog)
    assert blocking(precheck(application)) == []


def test_R_CASE_1_submission_goes_to_legal_review_then_a_case_officer(people, catalog, mailoutbox,
                                                                      django_capture_on_commit_callbacks):  # fmt: skip
    application = complete_draft(people, catalog)
    with django_capture_on_commit_callbacks(execute=True):
        run(people["applicant"], application, Command.SUBMIT)
    application.refresh_from_db()
    assert application.state == State.SUBMITTED and application.case_number.count("/") == 1
    assert any("Application received" in m.subject for m in mailoutbox)
    # The case officer cannot skip the legal review.
    with pytest.raises(Refusal):
        run(people["head"], application, Command.ASSIGN, case_officer_id=people["officer"].pk)
    run(people["legal"], application, Command.TAKE_LEGAL_REVIEW)
    run(people["legal"], application, Command.PASS_LEGAL_REVIEW)
    application = run(people["head"], application, Command.ASSIGN, case_officer_id=people["officer"].pk)
    assert application.state == State.CASE_OFFICER_ASSIGNED and application.case_officer == people["officer"]


def test_full_journey_to_closed(people, catalog):
    application = to_active(people, complete_draft(people, catalog))
    assert application.state == State.ACTIVE
    decision = application.decisions.get()
    assert decision.kind == DecisionKind.ACCESS and decision.letter.name.endswith(".pdf")
    with decision.letter.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    run(people["applicant"], application, Command.CONFIRM_DELETION, confirm=True)
    application = run(people["officer"], application, Command.CLOSE)
    assert application.state == State.CLOSED
    commands = list(application.events.values_list("command", flat=True))
    assert commands[0] == "submit" and commands[-1] == "close"
    assert AuditEvent.objects.filter(
        action="applications.application.close", object_id=str(application.pk)
    ).exists()


def test_R_CASE_2_refusal_can_be_appealed_and_reversed(people, catalog):
    application = to_assigned(people, complete_draft(people, catalog))
    with pytest.raises(Refusal, match="reasons"):
        run(people["officer"], application, Command.REFUSE, reasons="  ")
    run(people["officer"], application, Command.REFUSE, reasons="Very special circumstances.")
    application.refresh_from_db()
    assert application.state == State.REFUSED
    assert application.appeal_due_at - application.decided_at == timedelta(weeks=3)
    run(people["applicant"], application, Command.APPEAL, grounds="The conditions are met.")
    application = run(people["legal"], application, Command.REVERSE, reasons="The conditions are met.")
    assert application.state == State.REVERSED and application.appeals.get().outcome == "reversed"
    application = run(people["head"], application, Command.ASSIGN, case_officer_id=people["officer"].pk)
    assert application.state == State.CASE_OFFICER_ASSIGNED


def test_R_CASE_2_appeal_after_three_weeks_is_refused(people, catalog):
    import time_machine
    from django.utils import timezone

    application = to_assigned(people, complete_draft(people, catalog))
    run(people["officer"], application, Command.REFUSE, reasons="No basis.")
    with time_machine.travel(timezone.now() + timedelta(weeks=3, days=1)):
        with pytest.raises(Refusal, match="three weeks"):
            run(people["applicant"], application, Command.APPEAL, grounds="Please")
    assert Application.objects.get(pk=application.pk).state == State.REFUSED


def test_the_public_journal_gets_the_application_decision_and_notes(people, catalog):
    from tilgang.inquiries.models import JournalEntry

    application = to_assigned(people, complete_draft(people, catalog))
    run(people["officer"], application, Command.ADD_NOTE, note="Permit checked.")
    run(people["officer"], application, Command.REFUSE, reasons="No basis.")
    application.refresh_from_db()
    entries = JournalEntry.objects.filter(
        case_year=application.case_year, case_sequence=application.case_sequence
    )
    assert sorted(entries.values_list("doc_type", flat=True)) == ["I", "U", "X"]
    assert all(entry.screened for entry in entries)


def test_a_member_without_an_account_is_invited_and_joins_by_email(people, catalog, make_user, mailoutbox,
                                                                  django_capture_on_commit_callbacks):  # fmt: skip
    from tilgang.applications import selectors, services

    application = complete_draft(people, catalog)
    with django_capture_on_commit_callbacks(execute=True):
        services.member_add(actor=people["applicant"], application=application, full_name="Ny Person",
                            email="ny.person@uio.example", role="project_member")  # fmt: skip
    assert any(m.to == ["ny.person@uio.example"] for m in mailoutbox)
    newcomer = make_user(email="ny.person@uio.example")
    assert selectors.application_for(newcomer, application.pk) is not None
    run(newcomer, application, Command.SIGN_DECLARATION, confirm=True)
    assert application.members.get(email="ny.person@uio.example").user == newcomer


def test_the_virus_scan_hook_refuses_infected_files(people, catalog, settings):
    import io

    from tests.applications.conftest import PDF
    from tilgang.applications import services

    application = complete_draft(people, catalog)
    settings.APPLICATIONS_VIRUS_SCANNER = "tests.applications.test_journey.always_infected"
    before = application.attachments.count()
    with pytest.raises(Refusal, match="virus"):
        services.attachment_add(actor=people["applicant"], application=application, kind="other",
                                file=io.BytesIO(PDF), name="a.pdf")  # fmt: skip
    assert application.attachments.count() == before


def always_infected(data: bytes) -> bool:
    return False


def test_R_CASE_2_decision_letter_has_conditions_deadline_and_appeal_route(people, catalog):
    import shutil
    import subprocess

    application = to_assigned(people, complete_draft(people, catalog))
    run(people["officer"], application, Command.GRANT_ACCESS, deletion_deadline=date(2030, 6, 30),
        specific_conditions="Only at TSD.")  # fmt: skip
    decision = application.decisions.get()
    assert decision.language == "en"
    with decision.letter.open("rb") as handle:
        pdf = handle.read()
    text = subprocess.run(
        [shutil.which("pdftotext") or "pdftotext", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    text = " ".join(text.split())
    assert application.case_number in text and "Only at TSD." in text
    assert "No one may re-identify" in text and "June 30, 2030" in text
    assert "Ministry of Finance" in text and "three weeks" in text
