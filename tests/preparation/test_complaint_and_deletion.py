"""Complaints within six months reproduce the run (R-CASE-6); deletion destroys the key copies (R-CASE-8,
R-PSEUDO-5) and the case closes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from tilgang.applications.lifecycle import Refusal, State
from tilgang.audit.models import AuditEvent
from tilgang.preparation import services
from tilgang.preparation.models import Complaint, JobKind, JobStatus, ProjectKey


@pytest.fixture
def delivered(case, people):
    officer = people["officer"]
    order = services.order_create(actor=officer, application=case)
    job = services.job_start(actor=officer, order=order, kind=JobKind.EXTRACT)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    return services.delivery_send(actor=officer, order=order, disclosure_assessed=True)


def test_R_CASE_6_complaint_reproduces_the_run_with_identical_files(delivered, people):
    complaint = services.complaint_lodge(
        actor=people["applicant"], delivery=delivered, message="Income seems off."
    )
    with pytest.raises(services.PreparationError, match="Reproduce the run first"):
        services.complaint_confirm(actor=people["officer"], complaint=complaint)
    job = services.complaint_reproduce(actor=people["officer"], complaint=complaint)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.kind == JobKind.REPRODUCE, job.error
    complaint.refresh_from_db()
    assert complaint.identical is True and complaint.differences == []
    services.complaint_confirm(actor=people["officer"], complaint=complaint)
    assert Complaint.objects.get(pk=complaint.pk).confirmed_at is not None
    assert AuditEvent.objects.filter(action="preparation.complaint.confirmed").exists()


def test_R_CASE_6_no_complaint_after_six_months(delivered, people):
    with time_machine.travel(timezone.now() + timedelta(days=200)):
        with pytest.raises(Refusal, match="six months"):
            services.complaint_lodge(actor=people["applicant"], delivery=delivered, message="Too late?")
    assert not Complaint.objects.exists()


def test_R_CASE_8_deletion_needs_the_case_reference_then_keys_are_destroyed(delivered, people):
    case = delivered.order.application
    services.delivery_check(actor=people["applicant"], delivery=delivered)
    work = Path(delivered.job.out_dir)
    assert work.exists()
    with pytest.raises(services.PreparationError, match="case reference"):
        services.deletion_confirm(
            actor=people["applicant"], application=case, case_reference="26/99999", confirm=True
        )
    case.refresh_from_db()
    assert case.state == State.ACTIVE and ProjectKey.objects.get(application=case).sealed
    with pytest.raises(Refusal):
        services.deletion_confirm(actor=people["applicant"], application=case, case_reference=case.case_number,
                                  confirm=False)  # fmt: skip
    services.deletion_confirm(actor=people["applicant"], application=case, case_reference=case.case_number,
                              confirm=True)  # fmt: skip
    case.refresh_from_db()
    assert case.state == State.DELETION_CONFIRMED
    key = ProjectKey.objects.get(application=case)
    # DOMAIN R-PSEUDO-5: the office's linkage keys and the project's key material are gone.
    assert key.sealed is None and key.destroyed_at is not None
    assert not work.exists()
    services.case_close(actor=people["officer"], application=case)
    case.refresh_from_db()
    assert case.state == State.CLOSED


def test_no_extraction_after_the_keys_are_destroyed(delivered, people):
    case = delivered.order.application
    services.keys_destroy(actor=people["officer"], application=case)
    from tilgang.preparation.models import DataOrder, Job

    order = DataOrder.objects.get(application=case)
    job = Job.objects.create(
        order=order,
        kind=JobKind.EXTRACT,
        started_by=people["officer"],
        out_dir=str(Path(delivered.job.out_dir).parent / "x"),
    )
    job = services.job_run(job.pk)
    assert job.status == JobStatus.FAILED and "destroyed" in job.error
