"""Questions received by phone: registered by staff, timed from the call, answered by phone when the
caller gave no e-mail address (DOMAIN R-INFO-1, R-INFO-2)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from tilgang.audit.models import AuditEvent
from tilgang.inquiries import selectors, services
from tilgang.inquiries.models import Channel, InquiryStatus, MessageKind
from tilgang.inquiries.service_level import OSLO, ClockState

EN = {"Accept-Language": "en"}
FRIDAY_AFTERNOON = datetime(2026, 11, 20, 14, 30, tzinfo=OSLO)
MONDAY_MORNING = datetime(2026, 11, 23, 10, 0, tzinfo=OSLO)


@pytest.fixture
def call(info, committed):
    def register(**fields):
        fields.setdefault("name", "Per Telefon")
        fields.setdefault("phone", "+47 912 34 567")
        fields.setdefault("topic", "statistics")
        fields.setdefault("text", "Han lurer på hvor han finner boligprisene for Bergen.")
        return committed(services.inquiry_register_phone, actor=info, **fields)

    return register


def test_R_INFO_1_the_clock_starts_when_the_call_came_in_not_when_it_was_registered(call):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        inquiry = call(received_at=FRIDAY_AFTERNOON)
    assert inquiry.channel == Channel.PHONE and inquiry.received_at == FRIDAY_AFTERNOON
    # Two working days after Friday: Tuesday at 15:00, not Wednesday (two days after Monday).
    assert inquiry.due_at == datetime(2026, 11, 24, 15, tzinfo=OSLO)
    assert inquiry.messages.get(kind=MessageKind.QUESTION).created_at == FRIDAY_AFTERNOON


def test_R_INFO_1_a_message_left_after_closing_counts_from_the_next_opening(call):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        inquiry = call(received_at=datetime(2026, 11, 20, 16, 45, tzinfo=OSLO))
    assert inquiry.due_at == datetime(2026, 11, 25, 15, tzinfo=OSLO)


def test_R_INFO_1_a_respondent_question_by_phone_has_the_respondent_service_level(call):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        inquiry = call(topic="respondent", received_at=MONDAY_MORNING)
    assert inquiry.topic == "respondent" and inquiry.due_at == datetime(2026, 11, 25, 15, tzinfo=OSLO)


def test_the_time_received_cannot_be_in_the_future(call):
    with pytest.raises(services.InquiryError, match="cannot be in the future"):
        call(received_at=timezone.now() + timedelta(hours=1))


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"name": " "}, "caller's name"),
        ({"phone": ""}, "phone number"),
        ({"phone": "ring meg"}, "phone number"),
        ({"email": "not-an-address"}, "valid e-mail"),
        ({"text": " "}, "empty"),
    ],
)
def test_registration_refuses_what_cannot_be_answered(call, fields, message):
    with pytest.raises(services.InquiryError, match=message):
        call(**fields)


def test_only_the_information_service_registers_phone_inquiries(section_member):
    with pytest.raises(services.InquiryError, match="Only the information service"):
        services.inquiry_register_phone(
            actor=section_member, name="A", phone="+47 22 00 00 00", topic="other", text="Spørsmål?"
        )


def test_R_INFO_2_the_written_standard_is_guessed_from_the_text(call):
    inquiry = call(text="Ho lurer på kva tal de har for heile fylket, og korleis ho finn dei.")
    assert inquiry.language_guess == "nn" and inquiry.language == "nn"


def test_a_caller_with_e_mail_gets_a_receipt_and_one_without_gets_none(call, mailoutbox, info):
    without = call()
    assert without.email == "" and mailoutbox == []
    assert not without.messages.filter(kind=MessageKind.RECEIPT).exists()
    event = AuditEvent.objects.get(action="inquiries.inquiry.received")
    assert event.actor_id == info.pk and event.payload["channel"] == "phone"
    with_email = call(email="Kari@Example.org")
    (receipt,) = mailoutbox
    assert receipt.to == ["kari@example.org"] and with_email.reference in receipt.subject


def test_R_INFO_1_the_answer_given_by_phone_is_recorded_and_stops_the_clock(
    call, info, committed, mailoutbox
):
    with time_machine.travel(MONDAY_MORNING, tick=False) as traveller:
        inquiry = call(received_at=MONDAY_MORNING)
        with pytest.raises(services.InquiryError, match="gave no e-mail address"):
            services.inquiry_answer(actor=info, inquiry=inquiry, body="Svar")
        given = MONDAY_MORNING + timedelta(minutes=20)
        traveller.move_to(MONDAY_MORNING + timedelta(minutes=45))  # recorded a while after the call
        committed(
            services.inquiry_answer_by_phone,
            actor=info,
            inquiry=inquiry,
            body="Viste ham til tabell 07221 i statistikkbanken.",
            given_at=given,
        )
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED and inquiry.answered_at == given
    reply = inquiry.messages.get(kind=MessageKind.PHONE_REPLY)
    assert reply.author == info and reply.language == "nb" and reply.created_at == given
    assert mailoutbox == []  # nothing is e-mailed
    assert selectors.clock_state(inquiry, now=given + timedelta(days=10)) == ClockState.ANSWERED_IN_TIME
    event = AuditEvent.objects.get(action="inquiries.inquiry.answered")
    assert event.payload["by_phone"] is True and event.payload["first"] is True
    assert inquiry not in selectors.inquiries_visible_to(info).filter(status__in=["open", "forwarded"])


def test_the_answer_given_by_phone_needs_a_plausible_time(call, info):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        inquiry = call(received_at=MONDAY_MORNING)
        with pytest.raises(services.InquiryError, match="before the inquiry was received"):
            services.inquiry_answer_by_phone(
                actor=info, inquiry=inquiry, body="Svar", given_at=MONDAY_MORNING - timedelta(hours=1)
            )
        with pytest.raises(services.InquiryError, match="cannot be in the future"):
            services.inquiry_answer_by_phone(
                actor=info, inquiry=inquiry, body="Svar", given_at=MONDAY_MORNING + timedelta(hours=1)
            )
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.OPEN


def test_an_inquiry_without_a_phone_number_is_answered_by_e_mail(ask, info):
    with pytest.raises(services.InquiryError, match="no phone number"):
        services.inquiry_answer_by_phone(actor=info, inquiry=ask(), body="Svar")


def test_R_INFO_1_a_section_answers_a_caller_without_e_mail_by_phone(
    call, info, section, section_member, committed, mailoutbox
):
    inquiry = call()
    committed(services.inquiry_forward, actor=info, inquiry=inquiry, section=section)
    (notice,) = mailoutbox  # the section is told; the caller has no address to tell
    assert notice.to == ["income@example.org"]
    committed(services.inquiry_answer_by_phone, actor=section_member, inquiry=inquiry, body="Ringte tilbake.")
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED and len(mailoutbox) == 1


def test_no_invitation_without_an_e_mail_address(call, info):
    with pytest.raises(services.InquiryError, match="no e-mail address"):
        services.inquiry_invite(actor=info, inquiry=call(topic="microdata"))


# --- the pages -----------------------------------------------------------------------------------


def test_the_form_registers_the_call_and_it_is_in_the_queue(info, client_for, committed):
    with time_machine.travel(MONDAY_MORNING, tick=False):
        client = client_for(info)
        form = client.get(reverse("inquiries:phone_inquiry_new"), headers=EN).content.decode()
        assert 'value="2026-11-23T10:00"' in form  # received: now, by default
        response = committed(
            client.post,
            reverse("inquiries:phone_inquiry_new"),
            {
                "name": "Per Telefon",
                "phone": "+47 912 34 567",
                "email": "",
                "topic": "statistics",
                "text": "Han lurer på hvor han finner boligprisene.",
                "received_at": "2026-11-23T09:15",
            },
        )
        assert response.status_code == 302
        queue = client.get(reverse("inquiries:queue"), headers=EN).content.decode()
    inquiry = selectors.inquiries_visible_to(info).get()
    assert response.url == reverse("inquiries:inquiry", args=[inquiry.reference])
    assert inquiry.received_at == datetime(2026, 11, 23, 9, 15, tzinfo=OSLO)
    assert f'data-reference="{inquiry.reference}"' in queue and "Per Telefon" in queue


def test_the_form_shows_refusals(info, client_for):
    response = client_for(info).post(
        reverse("inquiries:phone_inquiry_new"),
        {
            "name": "Per",
            "phone": "+47 912 34 567",
            "topic": "statistics",
            "text": "Spørsmål om tall?",
            "received_at": (timezone.localtime() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
        headers=EN,
    )
    assert response.status_code == 400
    assert "cannot be in the future" in response.content.decode()


def test_the_inquiry_page_of_a_caller_without_e_mail_offers_only_the_phone_answer(
    call, info, client_for, committed
):
    inquiry = call()
    client = client_for(info)
    url = reverse("inquiries:inquiry", args=[inquiry.reference])
    page = client.get(url, headers=EN).content.decode()
    assert "The caller gave no e-mail address." in page and "+47 912 34 567" in page
    assert reverse("inquiries:inquiry_answer", args=[inquiry.reference]) not in page
    assert reverse("inquiries:inquiry_invite", args=[inquiry.reference]) not in page
    assert "&lt;&gt;" not in page  # no empty address shown

    # An e-mail answer posted anyway is refused, not sent.
    client.post(reverse("inquiries:inquiry_answer", args=[inquiry.reference]), {"body": "Svar"})
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.OPEN

    given = timezone.localtime().replace(second=0, microsecond=0)
    response = committed(
        client.post,
        reverse("inquiries:inquiry_answer_phone", args=[inquiry.reference]),
        {"phone-body": "Forklarte hvor tallene ligger.", "phone-given_at": given.strftime("%Y-%m-%dT%H:%M")},
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED
    page = client.get(url, headers=EN).content.decode()
    assert "Answer given by phone" in page and "Forklarte hvor tallene ligger." in page


def test_a_caller_with_e_mail_can_be_answered_either_way(call, info, client_for):
    inquiry = call(email="kari@example.org")
    page = client_for(info).get(reverse("inquiries:inquiry", args=[inquiry.reference]), headers=EN)
    text = page.content.decode()
    assert reverse("inquiries:inquiry_answer", args=[inquiry.reference]) in text
    assert reverse("inquiries:inquiry_answer_phone", args=[inquiry.reference]) in text
