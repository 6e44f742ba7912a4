"""Inbound e-mail: a raw RFC 5322 message becomes an inquiry or a follow-up; bad input is kept, never
dropped (the command, the token-protected endpoint, the parser)."""

from __future__ import annotations

import io
from email.message import EmailMessage

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from tests.inquiries.conftest import raw_mail
from tilgang.accounts.services import api_token_create
from tilgang.audit.models import AuditEvent
from tilgang.inquiries import services
from tilgang.inquiries.mail import html_to_text, parse_message
from tilgang.inquiries.models import Inquiry, InquiryAttachment, InquiryStatus, MessageKind, Rejection


def receive(committed, raw: bytes):
    return committed(services.inquiry_receive_email, raw=raw)


def test_an_email_becomes_an_inquiry_with_a_receipt_in_its_language(db, committed, mailoutbox):
    result = receive(committed, raw_mail(text="Hei, eg finn ikkje tala. Kva gjer eg no?"))
    inquiry = result.inquiry
    assert (
        inquiry.channel == "email" and inquiry.email == "kari@example.org" and inquiry.name == "Kari Nordmann"
    )
    assert inquiry.subject == "Spørsmål om inntekt"
    assert inquiry.language_guess == "nn" and inquiry.language == "nn"
    assert inquiry.reference.startswith("INF-")
    assert [m.to for m in mailoutbox] == [["kari@example.org"]]
    assert mailoutbox[0].subject.startswith(f"[{inquiry.reference}]")
    assert AuditEvent.objects.filter(action="inquiries.inquiry.received", object_id=str(inquiry.pk)).exists()


def test_reply_with_the_reference_in_the_subject_is_threaded_and_reopens(db, committed, mailoutbox, info):
    first = receive(committed, raw_mail()).inquiry
    committed(services.inquiry_answer, actor=info, inquiry=first, body="Se tabell 1.")
    result = receive(
        committed,
        raw_mail(subject=f"SV: [{first.reference}] Svar på spørsmålet", text="Takk, men hva med 2025?"),
    )
    assert result.threaded and result.inquiry.pk == first.pk
    first.refresh_from_db()
    assert first.status == InquiryStatus.OPEN and first.answered_at is None
    assert list(first.messages.filter(incoming=True).values_list("kind", flat=True)) == [
        MessageKind.QUESTION,
        MessageKind.FOLLOW_UP,
    ]
    assert Inquiry.objects.count() == 1


def test_a_reference_from_another_sender_does_not_reach_someone_elses_inquiry(db, committed):
    first = receive(committed, raw_mail()).inquiry
    result = receive(committed, raw_mail(sender="other@example.org", subject=f"Re: [{first.reference}]"))
    assert not result.threaded and result.inquiry.pk != first.pk


def test_auto_replies_are_threaded_without_a_receipt_and_do_not_reopen(db, committed, mailoutbox, info):
    first = receive(committed, raw_mail()).inquiry
    committed(services.inquiry_answer, actor=info, inquiry=first, body="Svar.")
    sent = len(mailoutbox)
    receive(
        committed,
        raw_mail(subject=f"Out of office: [{first.reference}]", headers={"Auto-Submitted": "auto-replied"}),
    )
    first.refresh_from_db()
    assert first.status == InquiryStatus.ANSWERED
    assert first.messages.filter(kind=MessageKind.AUTO_REPLY).count() == 1
    assert len(mailoutbox) == sent


def test_html_only_mail_is_turned_into_inert_text_and_kept_as_a_file(db, committed, info, client_for):
    html = "<html><head><style>p{}</style><script>alert('x')</script></head><body><p>Hei <b>der</b></p><img src=x onerror=alert(1)><p>Hvor finner jeg &lt;tallene&gt;?</p></body></html>"
    inquiry = receive(committed, raw_mail(text=None, html=html)).inquiry
    question = inquiry.messages.get(kind=MessageKind.QUESTION)
    assert "alert" not in question.body and "<b>" not in question.body
    assert "Hei der" in question.body and "<tallene>" in question.body
    assert question.attachments.get().filename == "original-1.html"
    page = client_for(info).get(reverse("inquiries:inquiry", args=[inquiry.reference])).content.decode()
    assert "&lt;tallene&gt;" in page and "<tallene>" not in page


def test_script_in_a_plain_text_mail_is_shown_escaped(db, committed, info, client_for):
    inquiry = receive(committed, raw_mail(text="<script>alert('x')</script> hva er dette?")).inquiry
    page = client_for(info).get(reverse("inquiries:inquiry", args=[inquiry.reference])).content.decode()
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert" in page


def test_attachments_are_stored_and_only_offered_as_downloads(db, committed, info, client_for):
    inquiry = receive(
        committed,
        raw_mail(
            attachments=[
                ("../../etc/passwd.html", "text/html", b"<script>evil()</script>"),
                ("tabell.pdf", "application/pdf", b"%PDF-1.4"),
            ]
        ),
    ).inquiry
    names = sorted(
        InquiryAttachment.objects.filter(message__inquiry=inquiry).values_list("filename", flat=True)
    )
    assert names == ["passwd.html", "tabell.pdf"]
    item = InquiryAttachment.objects.get(filename="passwd.html")
    response = client_for(info).get(reverse("inquiries:attachment", args=[item.pk]))
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert b"".join(response.streaming_content) == b"<script>evil()</script>"


def test_odd_encodings_are_decoded_or_replaced_never_fatal(db, committed):
    latin = (
        b"From: =?iso-8859-1?q?P=E5l_=D8stby?= <pal@example.org>\r\n"
        b"Subject: =?iso-8859-1?q?Sp=F8rsm=E5l_om_l=F8nn?=\r\n"
        b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"Hvor finner jeg l=F8nnstall for =E6rlige folk?\r\n"
    )
    inquiry = receive(committed, latin).inquiry
    assert inquiry.name == "Pål Østby" and inquiry.subject == "Spørsmål om lønn"
    assert "lønnstall for ærlige" in inquiry.messages.first().body

    unknown = (
        b"From: x@example.org\r\nSubject: test\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\n"
        b"Hei p\xe5 deg, hvor er tallene?\r\n"
    )
    inquiry = receive(committed, unknown).inquiry
    assert "Hei p" in inquiry.messages.first().body

    broken_base64 = (
        b"From: y@example.org\r\nSubject: test\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\nSGVpLCBodm9yIGZpbm5lciBqZWcgdGFsbGVuZT8=!!\r\n"
    )
    assert receive(committed, broken_base64).inquiry is not None


def test_empty_mail_is_kept_as_a_rejection_not_dropped(db, committed, mailoutbox):
    result = receive(committed, raw_mail(subject="", text=""))
    assert result.inquiry is None and result.rejection.reason == "empty"
    assert result.rejection.raw  # the message as received is kept for staff
    assert mailoutbox == []  # no automatic reply to an empty message


def test_a_subject_only_mail_is_a_question(db, committed):
    result = receive(committed, raw_mail(subject="Hvor finner jeg KPI?", text=""))
    assert result.inquiry.messages.first().body == "Hvor finner jeg KPI?"


def test_mail_without_a_sender_is_kept_as_a_rejection(db, committed):
    result = receive(committed, raw_mail(sender=None))
    assert result.rejection.reason == "no_sender"


def test_oversized_mail_is_recorded_with_its_sender(db, committed, settings):
    settings.INQUIRY_MAX_EMAIL_BYTES = 2000
    result = receive(committed, raw_mail(attachments=[("big.bin", "application/octet-stream", b"x" * 5000)]))
    assert result.rejection.reason == "too_large"
    assert result.rejection.sender == "kari@example.org" and result.rejection.size > 2000


def test_huge_text_is_cut_in_the_thread_and_kept_whole_as_a_file(db, committed, settings):
    settings.INQUIRY_MAX_EMAIL_TEXT = 100
    text = "Hei, jeg lurer på noe. " + "x" * 500
    inquiry = receive(committed, raw_mail(text=text)).inquiry
    question = inquiry.messages.get(kind=MessageKind.QUESTION)
    assert len(question.body) == 100
    full = question.attachments.get(filename="full-text.txt")
    assert full.file.read().decode().strip() == text


def test_a_flood_from_one_address_is_rate_limited_and_kept(db, committed, settings):
    settings.INQUIRY_MAX_PER_ADDRESS = 3
    results = [receive(committed, raw_mail(text=f"Spørsmål nummer {n}")) for n in range(5)]
    assert [r.inquiry is not None for r in results] == [True, True, True, False, False]
    assert Rejection.objects.filter(reason="rate_address").count() == 2


def test_rejected_mail_can_be_released_into_the_queue(db, committed, settings, info):
    settings.INQUIRY_MAX_PER_ADDRESS = 0
    rejection = receive(committed, raw_mail(text="Et ekte spørsmål")).rejection
    inquiry = committed(services.rejection_release, actor=info, rejection=rejection)
    assert inquiry.messages.first().body == "Et ekte spørsmål"
    rejection.refresh_from_db()
    assert rejection.inquiry == inquiry and rejection.released_at
    with pytest.raises(services.InquiryError):
        services.rejection_release(actor=info, rejection=rejection)


def test_management_command_reads_standard_input(db, monkeypatch, tmp_path):
    stdin = io.TextIOWrapper(io.BytesIO(raw_mail(text="Hvor finner jeg tallene?")))
    monkeypatch.setattr("sys.stdin", stdin)
    out = io.StringIO()
    call_command("inquiry_receive", stdout=out)
    assert out.getvalue().startswith("created INF-")
    path = tmp_path / "message.eml"
    path.write_bytes(raw_mail(sender=None))
    out = io.StringIO()
    call_command("inquiry_receive", "--file", str(path), stdout=out)
    assert "rejected (no_sender)" in out.getvalue()


def test_management_command_refuses_empty_input(db, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(b"")))
    with pytest.raises(CommandError):
        call_command("inquiry_receive")


def test_endpoint_needs_an_information_service_token(db, client, make_user, info):
    url = reverse("api:inquiry_inbound_email")
    raw = raw_mail(text="Hei, hvor er tallene?")
    assert client.post(url, raw, content_type="message/rfc822").status_code == 401
    _t, other = api_token_create(user=make_user("case_officer"), name="x")
    assert (
        client.post(
            url, raw, content_type="message/rfc822", headers={"Authorization": f"Bearer {other}"}
        ).status_code
        == 403
    )
    _t, token = api_token_create(user=info, name="mail gateway")
    response = client.post(
        url, raw, content_type="message/rfc822", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["reference"].startswith("INF-") and body["rejected"] is False


def test_parser_handles_nested_multipart_and_inline_images():
    message = EmailMessage()
    message["From"] = "a@example.org"
    message["Subject"] = "Hei"
    message.set_content("Tekst")
    message.add_alternative("<p>Tekst</p>", subtype="html")
    message.add_attachment(
        b"\x89PNG", maintype="image", subtype="png", filename="bilde.png", disposition="inline"
    )
    parsed = parse_message(message.as_bytes())
    assert parsed.text == "Tekst" and [a.filename for a in parsed.attachments] == ["bilde.png"]
    assert parsed.html_only is False


def test_html_to_text_drops_scripts_and_keeps_lines():
    assert html_to_text("<p>a</p><script>b</script><p>c<br>d</p>") == "a\n\nc\nd"


def test_rejections_are_deleted_with_their_files_after_90_days(db, committed, settings):
    from datetime import timedelta

    from django.utils import timezone

    from tilgang.inquiries.sweeps import purge_old_rejections

    rejection = receive(committed, raw_mail(sender=None)).rejection
    name = rejection.raw.name
    storage = rejection.raw.storage
    assert storage.exists(name)
    assert purge_old_rejections(timezone.now() + timedelta(days=89)) == 0
    assert purge_old_rejections(timezone.now() + timedelta(days=91)) == 1
    assert not Rejection.objects.exists() and not storage.exists(name)
