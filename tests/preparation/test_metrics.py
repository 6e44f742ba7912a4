"""The key figures for heads of section: cases by state, durations, offers, overdue deletions, inquiries."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from tilgang.preparation import selectors, services
from tilgang.preparation.models import JobKind


def test_metrics_count_states_durations_and_overdue_deletions(case, people):
    officer = people["officer"]
    order = services.order_create(actor=officer, application=case)
    services.job_start(actor=officer, order=order, kind=JobKind.EXTRACT)
    services.delivery_send(actor=officer, order=order, disclosure_assessed=True)
    case.refresh_from_db()
    data = selectors.metrics()
    assert ("delivered", "Delivered", 1) in data.by_state
    to_offer, to_delivery = data.durations
    assert to_offer.count == 1 and to_delivery.count == 1 and to_delivery.median_days is not None
    assert data.offers_accepted == 1 and data.deletions_overdue == 0
    later = selectors.metrics(now=case.deletion_due_at + timedelta(days=1))
    assert later.deletions_overdue == 1


def test_percentile_is_nearest_rank():
    assert selectors._percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9) == 9
    assert selectors._percentile([5], 0.9) == 5
    assert selectors._percentile([], 0.9) is None


def test_dashboard_for_heads_of_section_with_svg_and_csv(case, people, client_for, make_user):
    head = people["head"]
    response = client_for(head).get("/uttrekk/nokkeltall/", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "<svg" in body and "Cases by state" in body and "<script" not in body.split("<main")[1]
    csv = client_for(head).get("/uttrekk/nokkeltall.csv", headers={"Accept-Language": "en"})
    assert csv.status_code == 200 and "Offers accepted;1" in csv.content.decode("utf-8-sig")
    assert client_for(people["officer"]).get("/uttrekk/nokkeltall/").status_code in (403, 404)
    assert client_for(people["applicant"]).get("/uttrekk/nokkeltall/").status_code in (403, 404)
    admin = make_user("administrator")
    assert client_for(admin).get("/uttrekk/nokkeltall/").status_code == 200
    assert timezone.now()
