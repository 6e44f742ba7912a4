"""Dry run, extraction as a background job, delivery through the exchange, the check against the order."""

from __future__ import annotations

import pytest

from tilgang.applications.lifecycle import State
from tilgang.audit.models import AuditEvent
from tilgang.exchange.models import Package
from tilgang.offers.models import InvoiceBasis
from tilgang.preparation import services
from tilgang.preparation.models import Job, JobKind, JobStatus, ProjectKey


def test_dry_run_gives_counts_and_estimated_size(case, people):
    order = services.order_create(actor=people["officer"], application=case)
    job = services.job_start(actor=people["officer"], order=order, kind=JobKind.DRY_RUN)
    job.refresh_from_db()
    order.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert order.dry_run["population"]["persons"] > 100
    assert order.dry_run["tables"]
    assert set(order.dry_run["estimated_bytes"]) == {"parquet", "csv"}


def test_extraction_delivery_and_check(case, people, mailoutbox, django_capture_on_commit_callbacks):
    officer = people["officer"]
    order = services.order_create(actor=officer, application=case)
    job = services.job_start(actor=officer, order=order, kind=JobKind.EXTRACT)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    assert job.fraction == 1.0 and job.result["guard"]["passed"]
    assert ProjectKey.objects.get(application=case).sealed
    with django_capture_on_commit_callbacks(execute=True):
        delivery = services.delivery_send(actor=officer, order=order, disclosure_assessed=True)
    case.refresh_from_db()
    # DOMAIN R-CASE-6: the download window and the complaint window start with the delivery.
    assert case.state == State.DELIVERED
    assert case.receipt_due_at and case.complaint_due_at
    package = delivery.package
    assert package.status == Package.Status.SENT and package.archive_format == "7z"
    assert package.case_reference == case.case_number
    names = set(package.files.values_list("name", flat=True))
    assert {"MANIFEST.json", "codebook.json", "codebook.nb.html", "codebook.en.html"} <= names
    assert InvoiceBasis.objects.filter(application=case, kind="delivery").count() == 1
    assert delivery.invoice is not None
    subjects = [m.subject for m in mailoutbox]
    assert any("delivered" in s for s in subjects)
    from tilgang.inquiries.models import JournalEntry

    assert JournalEntry.objects.filter(doc_type="U", title__startswith="Delivery of data").exists()
    services.delivery_check(actor=people["applicant"], delivery=delivery)
    case.refresh_from_db()
    assert case.state == State.ACTIVE
    assert AuditEvent.objects.filter(action="preparation.delivery.checked").exists()


def test_two_officers_cannot_run_the_same_order_at_once(case, people):
    order = services.order_create(actor=people["officer"], application=case)
    running = Job.objects.create(
        order=order, kind=JobKind.EXTRACT, status=JobStatus.RUNNING, started_by=people["officer"]
    )
    with pytest.raises(services.PreparationError, match="already running"):
        services.job_start(actor=people["officer"], order=order, kind=JobKind.DRY_RUN)
    assert Job.objects.filter(order=order).count() == 1
    running.status = JobStatus.FAILED
    running.save()
    assert services.job_start(actor=people["officer"], order=order, kind=JobKind.DRY_RUN).pk != running.pk


def test_failed_job_says_why_and_can_be_retried(case, people, settings, registers, tmp_path):
    order = services.order_create(actor=people["officer"], application=case)
    settings.TILGANG_REGISTERS_DIR = str(tmp_path / "missing")
    job = services.job_start(actor=people["officer"], order=order, kind=JobKind.EXTRACT)
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED
    assert "missing" in job.error or "metadata" in job.error.lower()
    assert AuditEvent.objects.filter(action="preparation.job.failed", object_id=str(job.pk)).exists()
    settings.TILGANG_REGISTERS_DIR = str(registers)
    retried = services.job_retry(actor=people["officer"], job=job)
    retried.refresh_from_db()
    assert retried.status == JobStatus.SUCCEEDED, retried.error


def test_nothing_to_deliver_before_the_extraction(case, people):
    order = services.order_create(actor=people["officer"], application=case)
    with pytest.raises(services.PreparationError, match="Run the extraction first"):
        services.delivery_send(actor=people["officer"], order=order)
    case.refresh_from_db()
    assert case.state == State.IN_PREPARATION


def test_an_order_changed_after_its_extraction_is_not_delivered(case, people):
    order = services.order_create(actor=people["officer"], application=case)
    services.job_start(actor=people["officer"], order=order, kind=JobKind.EXTRACT)
    services.order_update(actor=people["officer"], order=order, choices={"INNTEKT_WLONN": "quintiles"})
    with pytest.raises(services.PreparationError, match="changed since the extraction"):
        services.delivery_send(actor=people["officer"], order=order)
    assert not Package.objects.exists()


def test_dry_run_reports_disclosure_of_the_person_variables(case, people):
    order = services.order_create(actor=people["officer"], application=case)
    assert order.spec["disclosure"]["quasi_identifiers"] == ["BEFOLKNING_KJOENN", "BEFOLKNING_FOEDSELSAAR"]
    services.job_start(actor=people["officer"], order=order, kind=JobKind.DRY_RUN)
    order.refresh_from_db()
    report = order.dry_run["disclosure"]
    assert (
        report["k"] == 5
        and report["groups"] > 10
        and report["records"] == order.dry_run["population"]["persons"]
    )
