"""Respondents (DOMAIN R-INFO-4): survey letters, reminders after the deadline, coercive fines, and
questions about the reporting obligation in the inquiry queue with the same service level."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from tilgang.inquiries import services
from tilgang.inquiries.models import FineStatus, Topic
from tilgang.inquiries.service_level import OSLO, RESPONDENT_WORKING_DAYS, due_at
from tilgang.inquiries.sweeps import remind_non_respondents

NOW = datetime(2026, 11, 16, 10, tzinfo=OSLO)
DEADLINE = date(2026, 11, 20)


@pytest.fixture
def survey(info):
    return services.survey_create(
        actor=info,
        code="lonn-2026",
        name="Lønnsstatistikk 2026",
        what_to_report="Lønn og arbeidstid per ansatt",
        how_to_report="Skjema RA-0001 i Altinn",
        deadline=DEADLINE,
        contact_name="Lønnsseksjonen",
        contact_email="lonn@example.org",
        obligatory=True,
        legal_reference="statistikkloven § 10",
        fine_legal_reference="statistikkloven § 21",
    )


@pytest.fixture
def respondents(survey, info):
    return [
        services.respondent_add(
            actor=info,
            survey=survey,
            name=name,
            reporting_for=f"{name}, Oslo",
            email=email,
            language=language,
        )
        for name, email, language in [
            ("Fjordbakst AS", "fjord@example.org", "nn"),
            ("Nordlys AS", "nordlys@example.org", "nb"),
            ("Sol AS", "sol@example.org", "en"),
        ]
    ]


def test_an_obligatory_survey_needs_its_legal_reference(info):
    with pytest.raises(services.InquiryError, match="legal reference"):
        services.survey_create(
            actor=info,
            code="xx",
            name="X",
            what_to_report="a",
            how_to_report="b",
            deadline=DEADLINE,
            contact_name="c",
            contact_email="c@example.org",
            obligatory=True,
        )


def test_R_INFO_4_the_letter_says_what_for_whom_how_deadline_contact_and_obligation(
    survey, respondents, committed, mailoutbox, info
):
    assert committed(services.survey_letters_send, actor=info, survey=survey) == 3
    assert committed(services.survey_letters_send, actor=info, survey=survey) == 0  # once per respondent
    letter = next(m for m in mailoutbox if m.to == ["nordlys@example.org"])
    for part in (
        "Lønn og arbeidstid per ansatt",
        "Nordlys AS, Oslo",
        "Skjema RA-0001 i Altinn",
        "lonn@example.org",
        "statistikkloven § 10",
    ):
        assert part in letter.body
    assert "Lønnsstatistikk 2026" in letter.subject


def test_R_INFO_4_reminders_go_to_non_respondents_after_the_deadline(
    survey, respondents, committed, mailoutbox, info
):
    committed(services.survey_letters_send, actor=info, survey=survey)
    services.respondent_mark_reported(actor=info, respondent=respondents[1])
    mailoutbox.clear()
    on_deadline = datetime(2026, 11, 20, 16, tzinfo=OSLO)
    assert committed(remind_non_respondents, on_deadline) == 0
    after = datetime(2026, 11, 23, 8, tzinfo=OSLO)
    assert committed(remind_non_respondents, after) == 2
    assert sorted(m.to[0] for m in mailoutbox) == ["fjord@example.org", "sol@example.org"]
    assert committed(remind_non_respondents, after + timedelta(days=1)) == 0  # the sweep reminds once
    respondents[0].refresh_from_db()
    assert respondents[0].reminder_count == 1


def test_staff_can_remind_again_but_not_twice_a_day_and_not_before_the_deadline(
    survey, respondents, committed, info
):
    committed(services.survey_letters_send, actor=info, survey=survey)
    with pytest.raises(services.InquiryError, match="after the deadline"):
        services.survey_reminders_send(actor=info, survey=survey, now=datetime(2026, 11, 19, tzinfo=OSLO))
    day = datetime(2026, 11, 24, 10, tzinfo=OSLO)
    assert committed(services.survey_reminders_send, actor=info, survey=survey, now=day) == 3
    assert (
        committed(services.survey_reminders_send, actor=info, survey=survey, now=day + timedelta(hours=1))
        == 0
    )
    assert (
        committed(services.survey_reminders_send, actor=info, survey=survey, now=day + timedelta(days=1)) == 3
    )


def test_R_INFO_4_coercive_fine_is_prepared_only_under_obligation_after_a_reminder(
    survey, respondents, committed, mailoutbox, info
):
    committed(services.survey_letters_send, actor=info, survey=survey)
    target = respondents[0]
    with time_machine.travel(datetime(2026, 11, 24, 10, tzinfo=OSLO), tick=False):
        with pytest.raises(services.InquiryError, match="reminder"):
            services.fine_prepare(
                actor=info, respondent=target, amount_per_day=500, from_date=date(2026, 12, 7)
            )
        committed(
            services.survey_reminders_send,
            actor=info,
            survey=survey,
            now=datetime(2026, 11, 24, 10, tzinfo=OSLO),
        )
        with pytest.raises(services.InquiryError, match="future"):
            services.fine_prepare(
                actor=info, respondent=target, amount_per_day=500, from_date=date(2026, 11, 24)
            )
        with pytest.raises(services.InquiryError, match="more than zero"):
            services.fine_prepare(
                actor=info, respondent=target, amount_per_day=0, from_date=date(2026, 12, 7)
            )
        fine = services.fine_prepare(
            actor=info, respondent=target, amount_per_day=500, from_date=date(2026, 12, 7)
        )
        with pytest.raises(services.InquiryError, match="already prepared"):
            services.fine_prepare(
                actor=info, respondent=target, amount_per_day=500, from_date=date(2026, 12, 7)
            )
        mailoutbox.clear()
        committed(services.fine_letter_send, actor=info, fine=fine)
    fine.refresh_from_db()
    assert fine.status == FineStatus.SENT
    (letter,) = mailoutbox
    assert (
        letter.to == ["fjord@example.org"] and "500" in letter.body and "statistikkloven § 21" in letter.body
    )
    with pytest.raises(services.InquiryError):
        services.fine_letter_send(actor=info, fine=fine)


def test_no_fine_for_voluntary_surveys_or_those_who_reported(survey, respondents, info, committed):
    voluntary = services.survey_create(
        actor=info,
        code="frivillig",
        name="Frivillig",
        what_to_report="a",
        how_to_report="b",
        deadline=DEADLINE,
        contact_name="c",
        contact_email="c@example.org",
    )
    person = services.respondent_add(
        actor=info, survey=voluntary, name="P", reporting_for="P", email="p@example.org"
    )
    with pytest.raises(services.InquiryError, match="reporting obligation"):
        services.fine_prepare(actor=info, respondent=person, amount_per_day=100, from_date=date(2030, 1, 1))
    services.respondent_mark_reported(actor=info, respondent=respondents[2])
    with pytest.raises(services.InquiryError, match="has reported"):
        services.fine_prepare(
            actor=info, respondent=respondents[2], amount_per_day=100, from_date=date(2030, 1, 1)
        )


def test_reporting_withdraws_a_prepared_fine(survey, respondents, committed, info):
    committed(services.survey_letters_send, actor=info, survey=survey)
    with time_machine.travel(datetime(2026, 11, 24, 10, tzinfo=OSLO), tick=False):
        committed(
            services.survey_reminders_send,
            actor=info,
            survey=survey,
            now=datetime(2026, 11, 24, 10, tzinfo=OSLO),
        )
        fine = services.fine_prepare(
            actor=info, respondent=respondents[0], amount_per_day=200, from_date=date(2026, 12, 1)
        )
    services.respondent_mark_reported(actor=info, respondent=respondents[0])
    fine.refresh_from_db()
    assert fine.status == FineStatus.WITHDRAWN


def test_R_INFO_4_respondent_questions_enter_the_queue_with_the_same_service_level(survey, committed):
    with time_machine.travel(NOW, tick=False):
        inquiry = committed(
            services.inquiry_create,
            channel="email",
            email="fjord@example.org",
            text="Må vi rapportere?",
            survey=survey,
        )
    assert inquiry.topic == Topic.RESPONDENT
    assert inquiry.due_at == due_at(NOW, RESPONDENT_WORKING_DAYS) == datetime(2026, 11, 18, 15, tzinfo=OSLO)


def test_survey_pages(survey, respondents, info, client_for, committed):
    client = client_for(info)
    assert client.get(reverse("inquiries:surveys")).status_code == 200
    page = client.get(
        reverse("inquiries:survey", args=[survey.pk]), headers={"Accept-Language": "en"}
    ).content.decode()
    assert "Fjordbakst AS" in page
    response = committed(
        client.post, reverse("inquiries:survey_letters", args=[survey.pk]), headers={"Accept-Language": "en"}
    )
    assert response.status_code == 302
    respondents[0].refresh_from_db()
    assert respondents[0].letter_sent_at
