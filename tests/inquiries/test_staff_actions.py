"""Staff answer, forward to a section that answers directly, override the reply language, invite to
apply, close; and who may see what (DOMAIN R-INFO-1, R-INFO-2)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tilgang.accounts.models import Invitation
from tilgang.audit.models import AuditEvent
from tilgang.inquiries import services
from tilgang.inquiries.models import InquiryStatus, MessageKind, ReplyTemplate


def test_R_INFO_2_answer_goes_out_in_the_reply_language(ask, info, committed, mailoutbox):
    inquiry = ask(text="Eg lurer på kva tal de har om inntekt, og korleis eg finn dei.")
    mailoutbox.clear()
    committed(services.inquiry_answer, actor=info, inquiry=inquiry, body="Tala finn du i statistikkbanken.")
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED and inquiry.answered_at
    reply = inquiry.messages.get(kind=MessageKind.REPLY)
    assert reply.language == "nn" and reply.author == info
    (mail,) = mailoutbox
    assert "Tala finn du i statistikkbanken." in mail.body and inquiry.reference in mail.subject
    # Greeting and signature in the reply language, no template text left over.
    assert mail.body.startswith("Hei Asker,") and "Venleg helsing\ninformasjonstenesta" in mail.body
    assert "{%" not in mail.body and "%}" not in mail.body


def test_R_INFO_2_staff_override_the_guess(ask, info, committed, client_for):
    inquiry = ask(text="Mikrodata 2024?")
    assert inquiry.language_guess == "nb"
    response = client_for(info).post(
        reverse("inquiries:inquiry_language", args=[inquiry.reference]), {"language": "en"}
    )
    assert response.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.language == "en" and inquiry.language_overridden
    assert AuditEvent.objects.filter(action="inquiries.inquiry.language_set").exists()


def test_R_INFO_2_standard_answers_are_offered_in_the_reply_language(ask, info, client_for):
    ReplyTemplate.objects.create(
        key="k", language="nn", title="Nynorsk svar", body="Dette er eit standardsvar."
    )
    ReplyTemplate.objects.create(
        key="k", language="nb", title="Bokmål svar", body="Dette er et standardsvar."
    )
    inquiry = ask(text="Eg lurer på korleis eg får tilgang. Kva treng eg?")
    client = client_for(info)
    page = client.get(
        reverse("inquiries:inquiry", args=[inquiry.reference]), headers={"Accept-Language": "en"}
    ).content.decode()
    assert "Nynorsk svar" in page and "Bokmål svar" not in page
    nn = ReplyTemplate.objects.get(language="nn")
    page = client.get(
        reverse("inquiries:inquiry", args=[inquiry.reference]) + f"?mal={nn.pk}"
    ).content.decode()
    assert "Dette er eit standardsvar." in page


def test_R_INFO_1_forward_tells_the_inquirer_who_holds_it_and_the_section_answers(
    ask, info, section, section_member, committed, mailoutbox, client_for, make_user
):
    inquiry = ask(text="Hvordan er husholdningsinntekt definert?")
    mailoutbox.clear()
    committed(services.inquiry_forward, actor=info, inquiry=inquiry, section=section, note="Definisjon")
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.FORWARDED and inquiry.section == section
    to_inquirer, to_section = mailoutbox
    assert to_inquirer.to == ["asker@example.org"] and "Income statistics" in to_inquirer.body
    assert "income@example.org" in to_inquirer.body
    assert (
        to_section.to == ["income@example.org"] and f"/informasjon/ko/{inquiry.reference}/" in to_section.body
    )
    assert "asker@example.org" not in to_section.body

    member = client_for(section_member)
    assert inquiry.reference in member.get(reverse("inquiries:queue")).content.decode()
    mailoutbox.clear()
    with_capture = committed(
        member.post,
        reverse("inquiries:inquiry_answer", args=[inquiry.reference]),
        {"body": "Definisjonen er …"},
    )
    assert with_capture.status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.ANSWERED
    assert "Income statistics" in mailoutbox[0].body  # signed by the section that answered

    outsider = client_for(make_user("case_officer"))
    assert outsider.get(reverse("inquiries:inquiry", args=[inquiry.reference])).status_code == 404
    assert inquiry.reference not in outsider.get(reverse("inquiries:queue")).content.decode()


def test_only_the_information_service_forwards(ask, section, section_member):
    inquiry = ask()
    with pytest.raises(services.InquiryError):
        services.inquiry_forward(actor=section_member, inquiry=inquiry, section=section)


def test_a_section_member_cannot_answer_what_is_not_forwarded(ask, section_member):
    with pytest.raises(services.InquiryError):
        services.inquiry_answer(actor=section_member, inquiry=ask(), body="Svar")


def test_a_microdata_question_becomes_an_invitation_to_apply(ask, info, committed, mailoutbox):
    inquiry = ask(text="How can I apply for access to microdata?", topic="microdata", name="Alex Researcher")
    mailoutbox.clear()
    committed(services.inquiry_invite, actor=info, inquiry=inquiry)
    inquiry.refresh_from_db()
    invitation = Invitation.objects.get(email="asker@example.org")
    assert inquiry.invitation == invitation and invitation.full_name == "Alex Researcher"
    assert invitation.language == "en" and invitation.roles == []
    assert inquiry.status == InquiryStatus.ANSWERED
    assert mailoutbox[0].to == ["asker@example.org"]
    with pytest.raises(services.InquiryError):
        services.inquiry_invite(actor=info, inquiry=inquiry)


def test_invitation_for_someone_with_an_account_is_refused_clearly(ask, info, make_user):
    make_user(email="asker@example.org")
    with pytest.raises(services.InquiryError, match="already has an account"):
        services.inquiry_invite(actor=info, inquiry=ask())


def test_close_needs_a_reason_and_stays_in_the_thread(ask, info):
    inquiry = ask()
    with pytest.raises(services.InquiryError):
        services.inquiry_close(actor=info, inquiry=inquiry, reason=" ")
    services.inquiry_close(actor=info, inquiry=inquiry, reason="Duplicate of another inquiry")
    inquiry.refresh_from_db()
    assert inquiry.status == InquiryStatus.CLOSED
    assert inquiry.messages.filter(kind=MessageKind.NOTE, body="Duplicate of another inquiry").exists()
    with pytest.raises(services.InquiryError):
        services.inquiry_answer(actor=info, inquiry=inquiry, body="x")


def test_empty_answer_is_refused(ask, info):
    with pytest.raises(services.InquiryError, match="empty"):
        services.inquiry_answer(actor=info, inquiry=ask(), body="  ")


def test_R_INFO_1_the_queue_warns_before_and_after_the_due_time(info, client_for, ask):
    from datetime import datetime

    import time_machine

    from tilgang.inquiries.service_level import OSLO

    with time_machine.travel(datetime(2026, 11, 16, 10, tzinfo=OSLO), tick=False) as traveller:
        inquiry = ask()
        traveller.move_to(datetime(2026, 11, 18, 13, tzinfo=OSLO))
        page = (
            client_for(info)
            .get(reverse("inquiries:queue"), headers={"Accept-Language": "en"})
            .content.decode()
        )
        assert "due within half a working day" in page and "Due soon" in page
        traveller.move_to(datetime(2026, 11, 18, 15, 30, tzinfo=OSLO))
        page = (
            client_for(info)
            .get(reverse("inquiries:queue"), headers={"Accept-Language": "en"})
            .content.decode()
        )
        assert (
            "past its due time" in page
            and f'class="clock-overdue" data-reference="{inquiry.reference}"' in page
        )


def test_R_INFO_1_overdue_sweep_flags_once(ask):
    from datetime import timedelta

    from django.utils import timezone

    from tilgang.inquiries.sweeps import flag_overdue_inquiries

    inquiry = ask()
    later = inquiry.due_at + timedelta(minutes=1)
    assert flag_overdue_inquiries(inquiry.due_at - timedelta(minutes=1)) == 0
    assert flag_overdue_inquiries(later) == 1
    assert flag_overdue_inquiries(later) == 0
    inquiry.refresh_from_db()
    assert inquiry.overdue_flagged_at == later
    assert timezone.now()  # the sweep is idempotent


def test_sections_page_creates_a_section(info, client_for, section_member):
    client = client_for(info)
    response = client.post(
        reverse("inquiries:sections"),
        {"code": "pop", "name": "Population", "email": "pop@example.org", "members": section_member.email},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("inquiries:sections"),
        {"code": "pop2", "name": "Population", "email": "pop@example.org", "members": "nobody@example.org"},
        headers={"Accept-Language": "en"},
    )
    assert "No staff member has the address nobody@example.org" in response.content.decode()
