"""Bad input gets a clear message and changes nothing."""

from __future__ import annotations

import io
import zipfile
from datetime import date

import pytest

from tests.applications.conftest import PDF, complete_draft, run, to_assigned
from tilgang.applications import services
from tilgang.applications.lifecycle import Command, Refusal, State
from tilgang.applications.models import Application, Attachment
from tilgang.audit.models import AuditEvent


def test_period_end_before_start_is_refused(people, catalog):
    application = complete_draft(people, catalog)
    with pytest.raises(Refusal, match="ends before it starts"):
        services.application_update(
            actor=people["applicant"], application=application,
            data={"period_start": date(2030, 1, 1), "period_end": date(2029, 1, 1)},
        )  # fmt: skip
    assert Application.objects.get(pk=application.pk).period_start == date(2027, 1, 1)


def test_keeping_data_until_before_project_end_is_refused(people, catalog):
    application = complete_draft(people, catalog)
    with pytest.raises(Refusal, match="not after the project end"):
        services.application_update(
            actor=people["applicant"], application=application,
            data={"retention_beyond": True, "retention_until": date(2028, 1, 1), "retention_reason": "Audit"},
        )  # fmt: skip


def test_deletion_deadline_before_project_end_is_refused(people, catalog):
    application = to_assigned(people, complete_draft(people, catalog))
    with pytest.raises(Refusal, match="before the project ends"):
        run(people["officer"], application, Command.GRANT_ACCESS, deletion_deadline=date(2028, 6, 1))
    application.refresh_from_db()
    assert application.state == State.CASE_OFFICER_ASSIGNED and not application.decisions.exists()


def test_unknown_variables_are_named(people, catalog):
    application = complete_draft(people, catalog)
    with pytest.raises(Refusal, match="NO_SUCH_VARIABLE"):
        services.variables_set(actor=people["applicant"], application=application,
                               names=["BEFOLKNING_KJOENN", "NO_SUCH_VARIABLE"])  # fmt: skip
    assert list(application.variables.values_list("variable__name", flat=True)) == ["BEFOLKNING_KJOENN"]


def test_years_without_data_are_named(people, catalog):
    application = complete_draft(people, catalog)
    with pytest.raises(Refusal, match="1999"):
        services.variables_set(actor=people["applicant"], application=application, names=["BEFOLKNING_KJOENN"],
                               years={"BEFOLKNING_KJOENN": [1999]})  # fmt: skip


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00" + b"\x00" * 100, "report.pdf", "Programs"),
        (PDF, "report.docx", "named"),
        (b"", "empty.pdf", "empty"),
        (b"just text", "notes.pdf", "not a PDF"),
    ],
)
def test_disguised_or_empty_attachments_are_refused(people, catalog, content, name, message):
    application = complete_draft(people, catalog)
    before = Attachment.objects.count()
    with pytest.raises(Refusal, match=message):
        services.attachment_add(actor=people["applicant"], application=application, kind="other",
                                file=io.BytesIO(content), name=name)  # fmt: skip
    assert Attachment.objects.count() == before


def test_macro_documents_are_refused(people, catalog):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w/>")
        archive.writestr("word/vbaProject.bin", "macro")
    application = complete_draft(people, catalog)
    with pytest.raises(Refusal, match="macros"):
        services.attachment_add(actor=people["applicant"], application=application, kind="other",
                                file=io.BytesIO(buffer.getvalue()), name="x.docx")  # fmt: skip


def test_oversized_attachments_are_refused(people, catalog, settings):
    from tilgang.institutions import uploads

    application = complete_draft(people, catalog)
    big = PDF + b"%" + b"x" * (uploads.MAX_UPLOAD_BYTES + 1)
    with pytest.raises(Refusal, match="larger than"):
        services.attachment_add(actor=people["applicant"], application=application, kind="other",
                                file=io.BytesIO(big), name="big.pdf")  # fmt: skip


def test_double_submit_is_refused_and_numbers_once(people, catalog):
    application = complete_draft(people, catalog)
    run(people["applicant"], application, Command.SUBMIT)
    number = Application.objects.get(pk=application.pk).case_number
    events = AuditEvent.objects.count()
    with pytest.raises(Refusal, match="while the case is"):
        run(people["applicant"], application, Command.SUBMIT)
    assert Application.objects.get(pk=application.pk).case_number == number
    assert AuditEvent.objects.count() == events


def test_wrong_role_is_refused(people, catalog):
    application = complete_draft(people, catalog)
    with pytest.raises(Refusal, match="Only the applicant"):
        run(people["member"], application, Command.SUBMIT)
    with pytest.raises(Refusal):
        services.application_update(actor=people["outsider"], application=application, data={"title": "Mine"})
    assert Application.objects.get(pk=application.pk).title == "Income mobility"


def test_submitted_applications_cannot_be_edited(people, catalog):
    application = complete_draft(people, catalog)
    run(people["applicant"], application, Command.SUBMIT)
    with pytest.raises(Refusal, match="change the application"):
        services.application_update(actor=people["applicant"], application=application, data={"title": "New"})


def test_staff_cannot_apply(people):
    with pytest.raises(Refusal, match="Staff"):
        services.application_create(actor=people["officer"], title="Mine")


def test_completion_request_needs_a_message(people, catalog):
    application = complete_draft(people, catalog)
    run(people["applicant"], application, Command.SUBMIT)
    run(people["legal"], application, Command.TAKE_LEGAL_REVIEW)
    with pytest.raises(Refusal, match="complete"):
        run(people["legal"], application, Command.RETURN_FOR_COMPLETION, message="")
    run(people["legal"], application, Command.RETURN_FOR_COMPLETION, message="Attach the REC approval.")
    services.application_update(actor=people["applicant"], application=application, data={"title": "Better"})
    assert (
        run(people["applicant"], application, Command.RESUBMIT).state == State.LEGAL_REVIEW
    )  # DOMAIN R-CASE-1: back to the reviewer
