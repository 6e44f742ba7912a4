"""The demo leaves one case ready to prepare, which the newcomer can deliver as in docs/journey.md."""

from __future__ import annotations

from tilgang.applications.lifecycle import State
from tilgang.applications.models import Application
from tilgang.preparation import demo, services
from tilgang.preparation.models import JobKind, JobStatus


def test_demo_case_is_ready_to_prepare_deliverable_and_idempotent(office):
    from tilgang.core.demo import demo_seed

    demo_seed()
    demo.seed()
    case = Application.objects.get(title=demo.TITLE)
    assert case.state == State.AGREEMENT_SIGNED
    assert case.case_officer.email == "saksbehandler@tilgang.example"
    assert case.applicant.email == "forsker@uio.example" and case.applicant.mobile
    assert {v.variable.name for v in case.variables.all()} == set(demo.VARIABLES)
    demo.seed()
    assert Application.objects.filter(title=demo.TITLE).count() == 1
    order = services.order_create(actor=case.case_officer, application=case)
    job = services.job_start(actor=case.case_officer, order=order, kind=JobKind.EXTRACT)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.error
    services.delivery_send(actor=case.case_officer, order=order, disclosure_assessed=True)
    case.refresh_from_db()
    assert case.state == State.DELIVERED
