"""The answer part of an inquiry's page: standard answers never wipe out typed text, the one on the
inquiry's topic is chosen first, and a phone answer once recorded is not asked for again (R-INFO-2)."""

from __future__ import annotations

import html
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tilgang.inquiries import services
from tilgang.inquiries.models import ReplyTemplate

pytestmark = pytest.mark.django_db
EN = {"Accept-Language": "en"}


@pytest.fixture
def answers(info):
    services.standard_answer_create(
        actor=info, key="tall", topic="statistics",
        versions={"nb": ("Statistikkbanken", "Tallene finner du i statistikkbanken.")},
    )  # fmt: skip
    services.standard_answer_create(
        actor=info, key="mikrodata", topic="microdata",
        versions={"nb": ("Tilgang til mikrodata", "Forskere kan søke i portalen.")},
    )  # fmt: skip
    return {t.key: t for t in ReplyTemplate.objects.all()}


def _selected(page: str) -> str:
    chooser = page[page.index('id="id_mal"') : page.index("</select>", page.index('id="id_mal"'))]
    return chooser.split(" selected>")[1].split("<")[0] if " selected>" in chooser else ""


def test_R_INFO_2_the_standard_answer_on_the_inquirys_topic_is_chosen_first(info, ask, answers, client_for):
    inquiry = ask(text="Hvor finner jeg tall for mikrodata og tilgang?", topic="microdata")
    page = client_for(info).get(reverse("inquiries:inquiry", args=[inquiry.reference]), headers=EN).text
    assert _selected(page) == "Tilgang til mikrodata"


def test_R_INFO_2_using_a_standard_answer_keeps_what_was_typed(info, ask, answers, client_for):
    inquiry = ask(text="Hvor finner jeg tallene for inntekt i Bergen?", topic="statistics")
    client = client_for(info)
    url = reverse("inquiries:inquiry_answer", args=[inquiry.reference])
    chosen = str(answers["tall"].pk)
    # An empty box gets the standard answer; nothing is sent.
    page = client.post(url, {"body": "", "mal": chosen, "use_template": "1"}, headers=EN).text
    assert "Tallene finner du i statistikkbanken.</textarea>" in page
    assert not inquiry.messages.filter(kind="reply").exists()
    # With text typed, the text is kept and the user is asked.
    page = client.post(url, {"body": "Hei Ola,", "mal": chosen, "use_template": "1"}, headers=EN).text
    assert "Hei Ola,</textarea>" in page and 'id="template-question"' in page
    assert "Replace it with “Statistikkbanken”, or add the standard answer after your text?" in html.unescape(
        page
    )
    page = client.post(url, {"body": "Hei Ola,", "mal": chosen, "use_template": "append"}, headers=EN).text
    assert "Hei Ola,\n\nTallene finner du i statistikkbanken.</textarea>" in page
    page = client.post(url, {"body": "Hei Ola,", "mal": chosen, "use_template": "replace"}, headers=EN).text
    assert ">\nTallene finner du i statistikkbanken.</textarea>" in page
    assert not inquiry.messages.filter(kind="reply").exists()


def test_R_INFO_2_a_phone_answer_recorded_is_not_asked_for_again(info, client_for, committed, answers):
    inquiry = committed(
        services.inquiry_register_phone, actor=info, name="Ola Ringer", email="", phone="912 34 567",
        topic="statistics", text="Når kommer befolkningstallene?",
        received_at=timezone.now() - timedelta(minutes=5),
    )  # fmt: skip
    client = client_for(info)
    page = client.get(reverse("inquiries:inquiry", args=[inquiry.reference]), headers=EN).text
    assert page.count("Phone them at 912 34 567") == 1
    # The standard answer goes into the phone answer, keeping the time typed.
    page = client.post(
        reverse("inquiries:inquiry_answer_phone", args=[inquiry.reference]),
        {"phone-body": "", "phone-given_at": "2026-01-05T10:15", "mal": str(answers["tall"].pk),
         "use_template": "1"},
        headers=EN,
    ).text  # fmt: skip
    assert "Tallene finner du i statistikkbanken.</textarea>" in page and 'value="2026-01-05T10:15"' in page
    client.post(
        reverse("inquiries:inquiry_answer_phone", args=[inquiry.reference]),
        {"phone-body": "Sa at tallene kommer i mars.",
         "phone-given_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M")},
    )  # fmt: skip
    page = client.get(reverse("inquiries:inquiry", args=[inquiry.reference]), headers=EN).text
    assert "Phone them at" not in page and "912 34 567" in page
    assert 'id="phone-answered"' in page and 'id="phone-again"' in page and 'id="id_mal"' not in page


def test_the_reply_language_is_named_in_the_readers_language(info, ask, client_for):
    inquiry = ask(text="Where do I find the figures for income in English, please?")
    assert inquiry.language == "en"
    url = reverse("inquiries:inquiry", args=[inquiry.reference])
    page = client_for(info).get(url).text  # the staff member reads English
    assert "The answer is sent in English." in page
    info.language = "nb"
    info.save(update_fields=["language"])
    page = client_for(info).get(url).text
    assert "Svaret sendes på engelsk." in page and "på English" not in page
