"""The public question form: no account, a honeypot instead of a CAPTCHA, rate limits per network
address and per e-mail address, and a receipt in the question's written standard."""

from __future__ import annotations

from django.urls import reverse

from tilgang.inquiries.models import Inquiry, Rejection, SubmissionAttempt

EN = {"Accept-Language": "en"}


def form(**fields):
    data = {
        "name": "Ola Nordmann",
        "email": "ola@example.org",
        "phone": "",
        "topic": "statistics",
        "text": "Hei! Eg lurer på kvar eg finn tala for inntekt. Kan de hjelpe meg?",
        "website": "",
    }
    data.update(fields)
    return data


def post(client, committed, **fields):
    return committed(client.post, reverse("inquiries:ask"), form(**fields), headers=EN)


def test_the_form_is_public(client, db):
    response = client.get(reverse("inquiries:ask"), headers=EN)
    assert response.status_code == 200
    assert 'name="website"' in response.content.decode()  # the honeypot is there, hidden


def test_R_INFO_2_a_nynorsk_question_gets_a_receipt_rendered_in_nynorsk(client, db, committed, mailoutbox):
    response = post(client, committed)
    assert response.status_code == 302 and response.headers["Location"] == reverse("inquiries:thanks")
    inquiry = Inquiry.objects.get()
    assert inquiry.language_guess == "nn" and inquiry.language == "nn"
    assert inquiry.messages.get(kind="receipt").language == "nn"
    (receipt,) = mailoutbox
    assert receipt.to == ["ola@example.org"] and inquiry.reference in receipt.subject
    # Day names come from Django's own nynorsk catalogue ("måndag", "tysdag", …).
    from django.utils import formats, translation

    with translation.override("nn"):
        weekday = formats.date_format(inquiry.due_at.astimezone(), "l")
    assert weekday in receipt.body
    page = client.get(reverse("inquiries:thanks"), headers=EN).content.decode()
    assert inquiry.reference in page


def test_missing_fields_are_refused_with_messages(client, db, committed):
    response = post(client, committed, text="   ", email="not an address")
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body and "Enter a valid email address." in body
    assert Inquiry.objects.count() == 0


def test_a_huge_question_is_refused_with_the_limit(client, db, committed, settings):
    settings.INQUIRY_MAX_TEXT = 50
    response = post(client, committed, text="x" * 51)
    assert response.status_code == 400
    assert "at most 50 characters" in response.content.decode()
    assert Inquiry.objects.count() == 0


def test_the_honeypot_catches_robots_quietly_but_keeps_the_submission(client, db, committed, mailoutbox):
    response = post(client, committed, website="http://spam.example")
    assert response.status_code == 302  # the robot sees a thank-you …
    assert Inquiry.objects.count() == 0 and mailoutbox == []
    rejection = Rejection.objects.get()  # … and staff see what came in
    assert rejection.reason == "honeypot" and rejection.data["email"] == "ola@example.org"
    page = client.get(reverse("inquiries:thanks"), headers=EN).content.decode()
    assert "INF-" not in page


def test_rate_limit_per_network_address(client, db, committed, settings):
    settings.INQUIRY_MAX_PER_IP = 2
    codes = [post(client, committed, email=f"person{n}@example.org").status_code for n in range(3)]
    assert codes == [302, 302, 429]
    assert Inquiry.objects.count() == 2
    assert Rejection.objects.get().reason == "rate_ip"


def test_rate_limit_per_address(client, db, committed, settings):
    settings.INQUIRY_MAX_PER_ADDRESS = 1
    first = post(client, committed)
    second = post(client, committed, REMOTE_ADDR="10.0.0.9")
    assert first.status_code == 302 and second.status_code == 429
    assert "Wait an hour" in second.content.decode()
    assert Rejection.objects.get().reason == "rate_address"
    assert SubmissionAttempt.objects.count() == 2


def test_script_in_the_question_is_stored_as_text_and_shown_inert(client, db, committed, info, client_for):
    post(client, committed, text="<img src=x onerror=alert(1)> hvor er tallene?")
    inquiry = Inquiry.objects.get()
    assert inquiry.messages.first().body.startswith("<img")
    page = client_for(info).get(reverse("inquiries:inquiry", args=[inquiry.reference])).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page


def test_R_INFO_4_a_respondent_question_names_its_survey(client, db, committed, info):
    from datetime import date

    from tilgang.inquiries import services

    survey = services.survey_create(
        actor=info,
        code="lonn",
        name="Lønn",
        what_to_report="Lønn",
        how_to_report="Altinn",
        deadline=date(2026, 12, 1),
        contact_name="Kontakt",
        contact_email="k@example.org",
    )
    post(
        client,
        committed,
        topic="respondent",
        survey=survey.pk,
        text="Må vi rapportere når vi har to ansatte?",
    )
    inquiry = Inquiry.objects.get()
    assert inquiry.survey == survey and inquiry.topic == "respondent"
