"""The review before delivery: the disclosure figures in the reader's language, a clear warning and the
case officer's explicit assessment when records sit in groups below k (DOMAIN R-DATA-6), minimisation and
texts in words rather than codes."""

from __future__ import annotations

import re
import typing

import pytest
from django.utils import translation

from tilgang.audit.models import AuditEvent
from tilgang.engine.order import Minimise
from tilgang.exchange.models import Package
from tilgang.preparation import orders, selectors, services
from tilgang.preparation.models import Delivery, JobKind


@pytest.fixture
def extracted(case, people):
    """An order with deciles of income, extracted; the test registers leave small groups on sex × birth year."""
    officer = people["officer"]
    order = services.order_create(actor=officer, application=case)
    order = services.order_update(actor=officer, order=order, choices={"INNTEKT_WLONN": "deciles"})
    job = services.job_start(actor=officer, order=order, kind=JobKind.EXTRACT)
    job.refresh_from_db()
    figures = selectors.disclosure_figures(job.result["disclosure"])
    assert figures is not None and figures.high_risk, "the test registers should give groups below k"
    return order


def _nb(user):
    user.language = "nb"
    user.save(update_fields=["language"])
    return user


def test_R_DATA_6_high_disclosure_risk_needs_the_officers_assessment(extracted, people):
    with pytest.raises(services.PreparationError, match="Assess the disclosure risk"):
        services.delivery_send(actor=people["officer"], order=extracted)
    assert not Package.objects.exists() and not Delivery.objects.exists()
    delivery = services.delivery_send(actor=people["officer"], order=extracted, disclosure_assessed=True)
    event = AuditEvent.objects.get(action="preparation.delivery.sent", object_id=str(delivery.pk))
    assert event.payload["disclosure_high_risk"] is True
    assert event.payload["disclosure_risk_assessed"] is True


def test_R_DATA_6_low_risk_is_delivered_without_the_assessment(extracted, people):
    job = extracted.extraction
    job.result["disclosure"].update(records_below_k=0, share_below_k=0.0, smallest_group=7)
    job.save(update_fields=["result"])
    delivery = services.delivery_send(actor=people["officer"], order=extracted)
    event = AuditEvent.objects.get(action="preparation.delivery.sent", object_id=str(delivery.pk))
    assert event.payload["disclosure_high_risk"] is False


def test_R_DATA_6_the_portal_warns_and_asks_for_the_assessment(extracted, people, client_for):
    officer = client_for(_nb(people["officer"]))
    page = officer.get(f"/uttrekk/bestilling/{extracted.pk}/").content.decode()
    figures = selectors.disclosure_figures(extracted.extraction.result["disclosure"])
    assert 'id="disclosure-warning"' in page and 'data-color="warning"' in page
    assert 'name="disclosure_assessed"' in page and "required" in page
    # Figures in Norwegian form: a decimal comma in the share, the smallest group as a number.
    below = re.search(r'id="records-below-k">([^<]+)<', page)
    assert below and re.search(r"\(\d+,\d %\)", below.group(1)), below
    assert f'id="smallest-group">{figures.smallest_group}<' in page
    # The engine's English lines are gone.
    assert "Quasi-identifiers:" not in page and "Records: " not in page and "Smallest group:" not in page
    response = officer.post(f"/uttrekk/bestilling/{extracted.pk}/lever/")
    assert response.status_code == 302 and not Delivery.objects.exists()
    response = officer.post(f"/uttrekk/bestilling/{extracted.pk}/lever/", {"disclosure_assessed": "1"})
    delivery = Delivery.objects.get(order=extracted)
    assert response["Location"] == f"/uttrekk/levering/{delivery.pk}/"


def test_R_DATA_6_the_api_asks_for_the_assessment(extracted, people, client):
    from tilgang.accounts.services import api_token_create

    _token, raw = api_token_create(user=people["officer"], name="test")
    auth = {"Authorization": f"Bearer {raw}", "Accept-Language": "en"}
    url = f"/api/v1/preparation/orders/{extracted.pk}/deliver"
    refused = client.post(url, "{}", content_type="application/json", headers=auth)
    assert refused.status_code == 400 and "disclosure risk" in refused.json()["detail"]
    done = client.post(url, {"disclosure_risk_assessed": True}, content_type="application/json", headers=auth)
    assert done.status_code == 201, done.content


def test_the_jobs_table_is_not_headed_with_the_catalogs_unit_type(extracted, people, client_for):
    officer = client_for(_nb(people["officer"]))
    page = officer.get(f"/uttrekk/bestilling/{extracted.pk}/").content.decode()
    header = re.search(r'<table class="ds-table" id="jobs">\s*<thead>(.*?)</thead>', page, re.S)
    assert header and "Arbeidsforhold" not in header.group(1)  # the catalog's “Job” as a unit type


def test_no_rule_codes_on_the_officers_pages(extracted, people, client_for, case):
    officer = client_for(_nb(people["officer"]))
    for url in (f"/uttrekk/bestilling/{extracted.pk}/", f"/uttrekk/sak/{case.pk}/"):
        assert "DOMAIN R-" not in officer.get(url).content.decode()


def _example(method: str) -> Minimise:
    params: dict[str, dict] = {
        "age": {"reference_date": "2020-01-01"},
        "age_group": {"reference_date": "2020-01-01", "width": 5},
        "intervals": {"breaks": (0, 100000, 500000)},
        "quantile_groups": {"groups": 4},
        "small_municipality": {"threshold": 1000},
        "top_bottom": {"top": 2000000, "bottom": 0},
    }
    return Minimise.model_validate({"method": method, **params.get(method, {})})


@pytest.mark.parametrize("method", typing.get_args(Minimise.model_fields["method"].annotation))
def test_every_minimisation_of_the_engine_is_named_in_words(method):
    spec = _example(method).model_dump(mode="json", exclude_none=True)
    with translation.override("en"):
        text = orders.minimisation_text(spec)
    assert text and "_" not in text and text != method


def test_minimisation_words_for_presets_and_parameters():
    with translation.override("en"):
        assert orders.minimisation_text({"method": "quantile_groups", "groups": 10}) == "Deciles (10 groups)"
        assert orders.minimisation_text({"method": "year"}) == "Year only"
        assert orders.minimisation_text(None) == "None (as in the register)"
        assert "2,000,000" in orders.minimisation_text({"method": "top_bottom", "top": 2000000})
        assert (
            orders.minimisation_text({"method": "intervals", "breaks": [0, 10, 20]})
            == "Intervals: 0-9, 10-19, 20+"
        )


def test_the_delivery_page_names_the_minimisation(extracted, people, client_for):
    delivery = services.delivery_send(actor=people["officer"], order=extracted, disclosure_assessed=True)
    researcher = client_for(people["applicant"])
    page = researcher.get(
        f"/uttrekk/levering/{delivery.pk}/", headers={"Accept-Language": "en"}
    ).content.decode()
    side = re.search(r'id="order-side">(.*?)</table>', page, re.S)
    assert side and "Deciles (10 groups)" in side.group(1) and "quantile_groups" not in side.group(1)
    assert "Whole number" in page  # the codebook's LONG in words


def test_every_step_of_the_engine_is_shown_in_words():
    from tilgang.engine.pipeline import STEPS
    from tilgang.preparation.templatetags.preparation_tags import job_step

    with translation.override("en"):
        for step, _weight in STEPS:
            assert job_step(step) != step and "_" not in job_step(step)
