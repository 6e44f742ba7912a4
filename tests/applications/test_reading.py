"""Reading an application: staff and the applicant's last step get the whole application on one read-only
page; applicants read plain findings without internal rule codes; drafts are not called cases."""

from __future__ import annotations

from tests.applications.conftest import complete_draft, run
from tilgang.applications import services
from tilgang.applications.lifecycle import Command

EN = {"Accept-Language": "en"}


def test_staff_read_the_whole_application_on_one_page(people, client_for, catalog):
    application = complete_draft(people, catalog)
    run(people["applicant"], application, Command.SUBMIT)
    client = client_for(people["legal"])
    case_page = client.get(f"/soknader/{application.pk}/", headers=EN).content.decode()
    assert f"/soknader/{application.pk}/sammendrag/" in case_page
    page = client.get(f"/soknader/{application.pk}/sammendrag/", headers=EN).content.decode()
    for text in ("Study how income mobility differs", "Everyone resident in Norway", "BEFOLKNING_KJOENN",
                 "Per Deltaker", "prosjekt.pdf", "Pseudonymised register data"):  # fmt: skip
        assert text in page
    assert "<textarea" not in page and "<select" not in page
    # The step pages, which look editable, lead those who cannot edit to the summary.
    response = client.get(f"/soknader/{application.pk}/steg/legal/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/sammendrag/")


def test_the_check_step_shows_the_whole_application(people, client_for, catalog):
    application = complete_draft(people, catalog)
    page = (
        client_for(people["applicant"])
        .get(f"/soknader/{application.pk}/steg/check/", headers=EN)
        .content.decode()
    )
    assert 'id="application-summary"' in page and "Study how income mobility differs" in page


def test_findings_show_no_rule_codes_to_applicants_and_are_not_list_bullets(people, client_for, catalog):
    application = services.application_create(actor=people["applicant"], title="Empty")
    page = (
        client_for(people["applicant"])
        .get(f"/soknader/{application.pk}/steg/check/", headers=EN)
        .content.decode()
    )
    findings = page.split('id="findings-heading"', 1)[1].split("</section>", 1)[0]
    assert "Missing: the purpose" in findings
    assert "COMPLETE" not in findings and "R-" not in findings and "<li" not in findings


def test_staff_see_the_rule_code_in_a_muted_line(people, client_for, catalog):
    application = complete_draft(people, catalog, purpose_statistical=False)
    application.state = "submitted"
    application.save(update_fields=["state"])
    page = client_for(people["legal"]).get(f"/soknader/{application.pk}/", headers=EN).content.decode()
    assert "Rule: R-ELIG-6" in page


def test_a_draft_is_not_named_by_its_database_id(people, client_for, catalog):
    application = services.application_create(actor=people["applicant"], title="Cohorts")
    client = client_for(people["applicant"])
    index = client.get("/soknader/", headers=EN).content.decode()
    assert f"Draft {application.pk}" not in index and "Not sent yet" in index
    step = client.get(f"/soknader/{application.pk}/steg/project/", headers=EN).content.decode()
    assert "Back to the application" in step and "Back to the case" not in step


def test_done_messages_say_where_the_case_is_now(people, client_for, catalog):
    application = complete_draft(people, catalog)
    response = client_for(people["applicant"]).post(
        f"/soknader/{application.pk}/kommando/submit/", headers=EN, follow=True
    )
    page = response.content.decode()
    assert (
        "Done. The case is now “Submitted, waiting for legal review”." in page and "Done: submit" not in page
    )
