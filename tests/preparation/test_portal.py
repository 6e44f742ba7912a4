"""The portal pages work without JavaScript: order, dry run, extraction with progress, delivery, check."""

from __future__ import annotations

from tilgang.applications.lifecycle import State
from tilgang.preparation.models import DataOrder, Delivery, Job

EN = {"Accept-Language": "en"}


def test_officer_prepares_and_delivers_in_the_portal(case, people, client_for):
    officer = client_for(people["officer"])
    page = officer.get(f"/uttrekk/sak/{case.pk}/", headers=EN)
    assert page.status_code == 200 and "Make the order from the application" in page.content.decode()
    response = officer.post(f"/uttrekk/sak/{case.pk}/bestilling/ny/", headers=EN)
    order = DataOrder.objects.get(application=case)
    assert response.status_code == 302 and response["Location"] == f"/uttrekk/bestilling/{order.pk}/"
    page = officer.get(f"/uttrekk/bestilling/{order.pk}/", headers=EN).content.decode()
    assert "INNTEKT_WLONN" in page and "Resident in Norway on 2020-01-01" in page
    response = officer.post(
        f"/uttrekk/bestilling/{order.pk}/", {"min_INNTEKT_WLONN": "quintiles"}, headers=EN
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert next(v for v in order.spec["variables"] if v["name"] == "INNTEKT_WLONN")["minimise"]["groups"] == 5
    response = officer.post(f"/uttrekk/bestilling/{order.pk}/kjor/", {"kind": "extract"}, headers=EN)
    job = Job.objects.get(order=order)
    assert response["Location"] == f"/uttrekk/jobb/{job.pk}/"
    status = officer.get(f"/uttrekk/jobb/{job.pk}/status/", headers=EN).content.decode()
    assert 'data-status="succeeded"' in status
    page = officer.get(f"/uttrekk/bestilling/{order.pk}/", headers=EN).content.decode()
    assert 'id="guard-passed"' in page and "codebook.json" in page
    # The test registers leave small groups on sex × birth year: the officer confirms the assessment (R-DATA-6).
    assert 'id="disclosure-warning"' in page
    response = officer.post(
        f"/uttrekk/bestilling/{order.pk}/lever/", {"disclosure_assessed": "1"}, headers=EN
    )
    delivery = Delivery.objects.get(order=order)
    assert response["Location"] == f"/uttrekk/levering/{delivery.pk}/"
    researcher = client_for(people["applicant"])
    page = researcher.get(f"/uttrekk/levering/{delivery.pk}/", headers=EN).content.decode()
    assert "The order" in page and "The codebook" in page and "PERSONS" in page
    researcher.post(f"/uttrekk/levering/{delivery.pk}/kontrollert/", headers=EN)
    case.refresh_from_db()
    assert case.state == State.ACTIVE


def test_others_see_nothing_of_the_case(case, people, client_for, make_user):
    stranger = client_for(make_user())
    other_officer = client_for(make_user("case_officer"))
    assert stranger.get(f"/uttrekk/sak/{case.pk}/").status_code == 404
    assert other_officer.get(f"/uttrekk/sak/{case.pk}/").status_code == 404
    assert other_officer.post(f"/uttrekk/sak/{case.pk}/bestilling/ny/", headers=EN).status_code == 404
    assert not DataOrder.objects.exists()
