"""The order page as a case officer walks it: ordering once the case is in preparation, run buttons that
never lose the minimisation on the page, a release review that does not call high-risk data plainly
approved, and the codebook readable before delivery."""

from __future__ import annotations

import re

import pytest

from tilgang.applications.lifecycle import Command, State
from tilgang.applications.services import case_transition
from tilgang.engine import pipeline
from tilgang.preparation import selectors, services
from tilgang.preparation.models import DataOrder, Job, JobKind

EN = {"Accept-Language": "en"}


def _income(spec_variables) -> dict:
    return next(v for v in spec_variables if v["name"] == "INNTEKT_WLONN")


def test_the_officer_orders_from_the_application_when_the_case_is_in_preparation(case, people, client_for):
    case = case_transition(actor=people["officer"], application=case, command=Command.START_PREPARATION)
    assert case.state == State.IN_PREPARATION
    officer = client_for(people["officer"])
    page = officer.get(f"/uttrekk/sak/{case.pk}/", headers=EN).content.decode()
    assert 'id="order-create"' in page
    response = officer.post(f"/uttrekk/sak/{case.pk}/bestilling/ny/", headers=EN)
    order = DataOrder.objects.get(application=case)
    assert response.status_code == 302 and response["Location"] == f"/uttrekk/bestilling/{order.pk}/"
    case.refresh_from_db()
    assert case.state == State.IN_PREPARATION
    # The case has its order now: the button goes, as the service would refuse a second one.
    page = officer.get(f"/uttrekk/sak/{case.pk}/", headers=EN).content.decode()
    assert 'id="order-create"' not in page


def test_the_offered_order_button_matches_what_the_service_accepts(case, people):
    assert services.order_possible(case)
    services.order_create(actor=people["officer"], application=case)
    case.refresh_from_db()
    assert case.state == State.IN_PREPARATION and not services.order_possible(case)


def test_the_dry_run_button_saves_the_choice_on_the_page_first(case, people, client_for, monkeypatch):
    order = services.order_create(actor=people["officer"], application=case)
    assert (
        "minimise" not in _income(order.spec["variables"]) or not _income(order.spec["variables"])["minimise"]
    )
    used = []
    real = pipeline.dry_run

    def spy(order_spec, *args, **kwargs):
        used.append(order_spec)
        return real(order_spec, *args, **kwargs)

    monkeypatch.setattr(pipeline, "dry_run", spy)
    officer = client_for(people["officer"])
    page = officer.get(f"/uttrekk/bestilling/{order.pk}/", headers=EN).content.decode()
    # The run buttons submit the order form, so what is chosen there goes with them.
    assert re.search(r'<button[^>]*id="dry-run-start"[^>]*form="order-form"[^>]*name="run"', page)
    assert re.search(r'<button[^>]*id="extract-start"[^>]*form="order-form"[^>]*name="run"', page)
    response = officer.post(
        f"/uttrekk/bestilling/{order.pk}/", {"min_INNTEKT_WLONN": "deciles", "run": "dry_run"}, headers=EN
    )
    job = Job.objects.get(order=order)
    assert response.status_code == 302 and response["Location"] == f"/uttrekk/jobb/{job.pk}/"
    assert job.kind == JobKind.DRY_RUN and job.status == "succeeded", job.error
    order.refresh_from_db()
    income = _income(order.spec["variables"])
    assert income["minimise"]["method"] == "quantile_groups" and income["minimise"]["groups"] == 10
    # The dry run ran with the choice, and the page shows it chosen afterwards.
    assert len(used) == 1
    ran = next(v for v in used[0].variables if v.name == "INNTEKT_WLONN")
    assert ran.minimise is not None and ran.minimise.method == "quantile_groups" and ran.minimise.groups == 10
    assert order.dry_run is not None
    page = officer.get(f"/uttrekk/bestilling/{order.pk}/", headers=EN).content.decode()
    assert re.search(r'<option value="deciles" selected>', page)


def test_a_run_without_changes_keeps_the_order_as_it_is(case, people, client_for):
    officer = people["officer"]
    order = services.order_create(actor=officer, application=case)
    order = services.order_update(actor=officer, order=order, choices={"INNTEKT_WLONN": "deciles"})
    updated = order.updated_at
    response = client_for(officer).post(
        f"/uttrekk/bestilling/{order.pk}/", {"min_INNTEKT_WLONN": "deciles", "run": "extract"}, headers=EN
    )
    job = Job.objects.get(order=order)
    assert response["Location"] == f"/uttrekk/jobb/{job.pk}/" and job.kind == JobKind.EXTRACT
    order.refresh_from_db()
    assert order.updated_at == updated


def test_an_unknown_run_is_refused(case, people, client_for):
    order = services.order_create(actor=people["officer"], application=case)
    response = client_for(people["officer"]).post(
        f"/uttrekk/bestilling/{order.pk}/", {"min_INNTEKT_WLONN": "deciles", "run": "reproduce"}, headers=EN
    )
    assert response.status_code == 404 and not Job.objects.exists()


@pytest.fixture
def extracted(case, people):
    officer = people["officer"]
    order = services.order_create(actor=officer, application=case)
    order = services.order_update(actor=officer, order=order, choices={"INNTEKT_WLONN": "deciles"})
    job = services.job_start(actor=officer, order=order, kind=JobKind.EXTRACT)
    job.refresh_from_db()
    figures = selectors.disclosure_figures(job.result["disclosure"])
    assert figures is not None and figures.high_risk, "the test registers should give groups below k"
    return order


def _review(page: str) -> str:
    found = re.search(r'<td id="release-review" data-state="(\w+)">(.*?)</td>', page, re.S)
    assert found, page
    return found.group(1) + " " + re.sub(r"\s+", " ", found.group(2))


def test_R_DATA_6_high_risk_is_not_shown_as_plainly_passed(extracted, people, client_for):
    officer = client_for(people["officer"])
    page = officer.get(f"/uttrekk/bestilling/{extracted.pk}/", headers=EN).content.decode()
    review = _review(page)
    assert review.startswith("risk_unassessed")
    assert 'data-color="success"' not in review and ">Passed<" not in review
    assert "not yet assessed" in review
    officer.post(f"/uttrekk/bestilling/{extracted.pk}/lever/", {"disclosure_assessed": "1"}, headers=EN)
    page = officer.get(f"/uttrekk/bestilling/{extracted.pk}/", headers=EN).content.decode()
    review = _review(page)
    assert review.startswith("risk_assessed")
    assert "explicit risk assessment by Siri Saksbehandler" in review and 'data-color="success"' not in review


def test_low_risk_is_shown_as_passed(extracted, people, client_for):
    job = extracted.extraction
    job.result["disclosure"].update(records_below_k=0, share_below_k=0.0, smallest_group=7)
    job.save(update_fields=["result"])
    page = client_for(people["officer"]).get(f"/uttrekk/bestilling/{extracted.pk}/", headers=EN)
    review = _review(page.content.decode())
    assert review.startswith("passed") and 'data-color="success"' in review and ">Passed<" in review


def test_the_officer_reads_the_codebook_before_delivery(extracted, people, client_for):
    job = extracted.extraction
    officer = client_for(people["officer"])
    page = officer.get(f"/uttrekk/bestilling/{extracted.pk}/", headers=EN).content.decode()
    link = f'href="/uttrekk/jobb/{job.pk}/kodebok/codebook.nb.html"'
    assert link in page
    response = officer.get(f"/uttrekk/jobb/{job.pk}/kodebok/codebook.nb.html")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"INNTEKT_WLONN" in b"".join(response.streaming_content)
    # Only the codebook files, and only for the case officer of the case.
    data = next(f["path"] for f in job.result["files"] if f["path"].startswith("data/"))
    assert officer.get(f"/uttrekk/jobb/{job.pk}/kodebok/{data}").status_code == 404
    assert officer.get(f"/uttrekk/jobb/{job.pk}/kodebok/MANIFEST.json").status_code == 404
    assert client_for(people["applicant"]).get(
        f"/uttrekk/jobb/{job.pk}/kodebok/codebook.nb.html"
    ).status_code in (
        403,
        404,
    )
    researcher_page = (
        client_for(people["applicant"]).get(f"/uttrekk/bestilling/{extracted.pk}/").content.decode()
    )
    assert "/kodebok/" not in researcher_page
