"""The demo: approved, pending and refused institutions, and where the approvals come from."""

from __future__ import annotations

import pytest

from tilgang.core.demo import demo_seed
from tilgang.institutions.demo import seed
from tilgang.institutions.models import Approval, ApprovalRequest, Institution, RequestStatus


@pytest.mark.slow
def test_demo_seed_is_complete_and_idempotent(db, django_capture_on_commit_callbacks):
    demo_seed()
    with django_capture_on_commit_callbacks(execute=True):
        seed()
    statuses = dict(ApprovalRequest.objects.values_list("institution__name", "status"))
    assert statuses == {
        "Fjordforsk analyse AS": RequestStatus.SUBMITTED,
        "Senter for velferdsanalyse": RequestStatus.APPROVED,
        "Nordlys Data AS": RequestStatus.REFUSED,
    }
    uio = Institution.objects.get(orgnr="971035854")
    assert set(uio.approvals.values_list("source", flat=True)) == {"nfr", "eurostat"}
    assert all(a.batch_id for a in uio.approvals.all())
    assert Institution.objects.get(orgnr="987654325").kind == "research_office"
    assert Institution.objects.filter(region_code="4601").exists()
    counts = (Institution.objects.count(), Approval.objects.count(), ApprovalRequest.objects.count())
    seed()
    assert (Institution.objects.count(), Approval.objects.count(), ApprovalRequest.objects.count()) == counts
