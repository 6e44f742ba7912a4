"""A case returned for completion comes back to the one who returned it (DOMAIN R-CASE-1), marked as
sent again, and the e-mails say what each reader needs."""

from __future__ import annotations

from tests.applications.conftest import complete_draft, run, to_assigned
from tilgang.applications.lifecycle import Command, State

EN = {"Accept-Language": "en"}


def test_R_CASE_1_resubmission_returns_to_the_legal_reviewer(
    people, client_for, catalog, mailoutbox, django_capture_on_commit_callbacks
):
    application = complete_draft(people, catalog)
    run(people["applicant"], application, Command.SUBMIT)
    run(people["legal"], application, Command.TAKE_LEGAL_REVIEW)
    with django_capture_on_commit_callbacks(execute=True):
        run(people["legal"], application, Command.RETURN_FOR_COMPLETION, message="Attach the REC approval.")
    returned = [m for m in mailoutbox if people["applicant"].email in m.to][-1]
    assert "Attach the REC approval." in returned.body  # the request itself, not only a link
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        application = run(people["applicant"], application, Command.RESUBMIT)
    assert application.state == State.LEGAL_REVIEW and application.legal_reviewer == people["legal"]
    to_reviewer = [m for m in mailoutbox if people["legal"].email in m.to]
    assert len(to_reviewer) == 1 and "back with you" in to_reviewer[0].subject
    page = client_for(people["legal"]).get("/soknader/saksbehandling/?view=mine", headers=EN).content.decode()
    assert application.title in page and "Completed and sent again" in page and "Needs my action" in page
    case_page = client_for(people["legal"]).get(f"/soknader/{application.pk}/", headers=EN).content.decode()
    assert 'data-command="take_legal_review"' not in case_page and "Jon Jurist" in case_page


def test_R_CASE_1_resubmission_returns_to_the_case_officer(people, catalog):
    application = to_assigned(people, complete_draft(people, catalog))
    run(people["officer"], application, Command.RETURN_FOR_COMPLETION, message="Which years?")
    application = run(people["applicant"], application, Command.RESUBMIT)
    assert application.state == State.CASE_OFFICER_ASSIGNED and application.case_officer == people["officer"]
    assert application.events.last().to_state == State.CASE_OFFICER_ASSIGNED
