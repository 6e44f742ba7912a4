"""Granting access: the deletion deadline starts at the project end, and a refusal keeps the form open
with everything typed."""

from __future__ import annotations

from tests.applications.conftest import complete_draft, to_assigned
from tilgang.applications.lifecycle import State
from tilgang.applications.models import Application

EN = {"Accept-Language": "en"}


def test_deletion_deadline_is_prefilled_from_the_project_end(people, client_for, catalog):
    application = to_assigned(people, complete_draft(people, catalog))
    page = client_for(people["officer"]).get(f"/soknader/{application.pk}/", headers=EN).content.decode()
    assert 'name="grant_access-deletion_deadline" value="2029-12-31"' in page


def test_a_refused_grant_keeps_the_form_open_with_the_assessment(people, client_for, catalog):
    application = to_assigned(people, complete_draft(people, catalog))
    client = client_for(people["officer"])
    response = client.post(
        f"/soknader/{application.pk}/kommando/grant_access/",
        {"grant_access-deletion_deadline": "2028-01-01", "grant_access-standard_conditions": ["purpose"],
         "grant_access-reasons": "The permit covers every variable."},
        headers=EN,
    )  # fmt: skip
    page = response.content.decode()
    assert response.status_code == 200 and "before the project ends" in page
    assert '<details class="ds-details" open>' in page
    assert "The permit covers every variable.</textarea>" in page and 'value="2028-01-01"' in page
    # A missing date is flagged at its field, the text still there.
    response = client.post(
        f"/soknader/{application.pk}/kommando/grant_access/",
        {"grant_access-deletion_deadline": "", "grant_access-reasons": "Kept."}, headers=EN,
    )  # fmt: skip
    page = response.content.decode()
    assert 'id="id_grant_access-deletion_deadline_error"' in page and "Kept.</textarea>" in page
    assert Application.objects.get(pk=application.pk).state == State.CASE_OFFICER_ASSIGNED
