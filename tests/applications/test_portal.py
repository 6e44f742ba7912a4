"""The portal pages call the same services: drafts in steps, the case page, queues, the public register."""

from __future__ import annotations

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.applications.conftest import PDF, complete_draft, run, to_active, to_assigned
from tilgang.accounts.services import api_token_create
from tilgang.applications.lifecycle import Command, State
from tilgang.applications.models import Application

EN = {"Accept-Language": "en"}


def test_applicant_creates_and_saves_a_draft_in_steps(people, client_for, catalog):
    client = client_for(people["applicant"])
    response = client.post("/soknader/ny/", {"title": "Cohort study"}, headers=EN)
    application = Application.objects.get(title="Cohort study")
    assert response.headers["Location"] == f"/soknader/{application.pk}/steg/project/"
    response = client.post(
        f"/soknader/{application.pk}/steg/period/",
        {"period_start": "2027-01-01", "period_end": "2026-01-01", "save": "1"},
        headers=EN,
    )
    assert response.status_code == 200 and "ends before it starts" in response.content.decode()
    response = client.post(
        f"/soknader/{application.pk}/steg/period/",
        {"period_start": "2027-01-01", "period_end": "2028-01-01", "save_next": "1"},
        headers=EN,
    )
    assert response.headers["Location"].endswith("/steg/population/")
    application.refresh_from_db()
    assert str(application.period_end) == "2028-01-01"
    client.post(
        f"/soknader/{application.pk}/variabler/", {"names": "BEFOLKNING_KJOENN: 2018-2019"}, headers=EN
    )
    assert application.variables.get().years == [2018, 2019]
    client.post(f"/soknader/{application.pk}/vedlegg/",
                {"kind": "project_description", "file": SimpleUploadedFile("p.pdf", PDF)}, headers=EN)  # fmt: skip
    assert application.attachments.count() == 1
    page = client.get(f"/soknader/{application.pk}/steg/check/", headers=EN).content.decode()
    assert "Missing: the purpose" in page and "COMPLETE" not in page


def test_submit_from_the_check_page_and_the_case_page(people, client_for, catalog):
    application = complete_draft(people, catalog)
    client = client_for(people["applicant"])
    page = client.get(f"/soknader/{application.pk}/steg/check/", headers=EN).content.decode()
    assert "found nothing to fix" in page
    client.post(f"/soknader/{application.pk}/kommando/submit/", headers=EN)
    application.refresh_from_db()
    assert application.state == State.SUBMITTED
    page = client.get(f"/soknader/{application.pk}/", headers=EN).content.decode()
    assert "A legal reviewer will look at the application first." in page


def test_internal_notes_are_never_shown_to_applicants(people, client_for, catalog):
    application = to_assigned(people, complete_draft(people, catalog))
    run(people["officer"], application, Command.ADD_NOTE, note="Secret assessment of the permit")
    run(people["officer"], application, Command.MESSAGE, message="Please confirm the storage.")
    staff_page = (
        client_for(people["officer"]).get(f"/soknader/{application.pk}/", headers=EN).content.decode()
    )
    assert "Secret assessment" in staff_page and "Please confirm" in staff_page
    page = client_for(people["applicant"]).get(f"/soknader/{application.pk}/", headers=EN).content.decode()
    assert "Secret assessment" not in page and "Please confirm" in page
    member_page = (
        client_for(people["member"]).get(f"/soknader/{application.pk}/", headers=EN).content.decode()
    )
    assert "Please confirm" not in member_page and application.title in member_page


def test_staff_command_forms_refuse_bad_input_with_a_message(people, client_for, catalog):
    application = to_assigned(people, complete_draft(people, catalog))
    client = client_for(people["officer"])
    response = client.post(
        f"/soknader/{application.pk}/kommando/grant_access/",
        {"grant_access-deletion_deadline": "2028-01-01", "grant_access-standard_conditions": ["purpose"]},
        headers=EN, follow=True,
    )  # fmt: skip
    assert "before the project ends" in response.content.decode()
    assert Application.objects.get(pk=application.pk).state == State.CASE_OFFICER_ASSIGNED


def test_queues_show_legal_review_first_and_workload(people, client_for, catalog):
    application = complete_draft(people, catalog)
    run(people["applicant"], application, Command.SUBMIT)
    page = client_for(people["head"]).get("/soknader/saksbehandling/?view=all", headers=EN).content.decode()
    assert application.title in page and "Siri Saksbehandler: 0 open cases" in page
    page = client_for(people["legal"]).get("/soknader/saksbehandling/", headers=EN).content.decode()
    assert application.title in page  # new submissions wait for a legal reviewer first (R-CASE-1)


def test_others_get_404(people, client_for, catalog):
    application = complete_draft(people, catalog)
    assert client_for(people["outsider"]).get(f"/soknader/{application.pk}/").status_code == 404
    assert client_for(people["legal"]).get(f"/soknader/{application.pk}/").status_code == 404  # a draft


def test_public_register_lists_active_projects(people, client, catalog):
    application = to_active(people, complete_draft(people, catalog))
    page = client.get("/soknader/prosjektregister/", headers=EN).content.decode()
    assert application.title in page and "Frida Forsker" in page
    csv_text = client.get("/soknader/prosjektregister.csv").content.decode()
    assert application.case_number in csv_text and "BEF" in csv_text
    assert client.get("/api/v1/applications/register").json()[0]["data_areas"] == ["BEF"]


def test_decision_letter_downloads_as_pdf(people, client_for, catalog):
    application = to_assigned(people, complete_draft(people, catalog))
    run(
        people["officer"],
        application,
        Command.GRANT_ACCESS,
        deletion_deadline=application.period_end + timedelta(1),
    )
    decision = application.decisions.get()
    response = client_for(people["applicant"]).get(f"/soknader/{application.pk}/vedtak/{decision.pk}/")
    assert response.status_code == 200 and b"".join(response.streaming_content)[:5] == b"%PDF-"


def test_delivery_and_signatures_are_never_bare_state_changes(people, client_for, catalog):
    """Delivering needs a package and signing needs the signature record: the case page does not offer them,
    and the generic command routes of the portal and the API refuse them."""
    application = to_assigned(people, complete_draft(people, catalog))
    run(people["officer"], application, Command.GRANT_ACCESS, deletion_deadline=application.period_end)
    run(people["officer"], application, Command.SEND_OFFER)
    run(people["applicant"], application, Command.ACCEPT_OFFER)
    for who in ("applicant", "member", "signatory"):
        run(people[who], application, Command.SIGN_DECLARATION, confirm=True)
    signatory = client_for(people["signatory"])
    assert signatory.post(f"/soknader/{application.pk}/kommando/sign_agreement/").status_code == 404
    run(people["signatory"], application, Command.SIGN_AGREEMENT)
    run(people["officer"], application, Command.START_PREPARATION)
    officer = client_for(people["officer"])
    page = officer.get(f"/soknader/{application.pk}/", headers=EN).content.decode()
    assert 'data-command="deliver"' not in page
    assert f'href="/uttrekk/sak/{application.pk}/" id="preparation-link"' in page
    assert officer.post(f"/soknader/{application.pk}/kommando/deliver/").status_code == 404
    _token, raw = api_token_create(user=people["officer"], name="test")
    api = Client(headers={"Authorization": f"Bearer {raw}", "Accept-Language": "en"})
    response = api.post(
        f"/api/v1/applications/{application.pk}/commands/deliver", content_type="application/json"
    )
    assert response.status_code == 400 and "/preparation/orders/" in response.json()["detail"]
    assert Application.objects.get(pk=application.pk).state == State.IN_PREPARATION


def test_a_refused_case_has_no_offer_link(people, client_for, catalog):
    application = to_assigned(people, complete_draft(people, catalog))
    run(people["officer"], application, Command.REFUSE, reasons="No legal basis.")
    page = client_for(people["applicant"]).get(f"/soknader/{application.pk}/", headers=EN).content.decode()
    assert "No legal basis." in page and f"/tilbud/sak/{application.pk}/" not in page
    assert "preparation-link" not in page


def test_the_declaration_is_offered_only_to_who_has_not_signed_it(people, client_for, catalog):
    application = to_assigned(people, complete_draft(people, catalog))
    url = f"/soknader/{application.pk}/"
    member = client_for(people["member"])
    assert 'data-command="sign_declaration"' in member.get(url, headers=EN).content.decode()
    run(people["member"], application, Command.SIGN_DECLARATION, confirm=True)
    assert 'data-command="sign_declaration"' not in member.get(url, headers=EN).content.decode()
