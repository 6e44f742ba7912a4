"""Every write of the information service. Each function runs in one transaction and writes its audit
event; refusals raise ``InquiryError`` with a translated message that is safe to show.

Audit payloads hold IDs and codes only, never names, addresses or message text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from tilgang.accounts.models import Language, User, new_token, token_hash
from tilgang.audit.services import audit_record
from tilgang.core.roles import Role
from tilgang.inquiries import service_level
from tilgang.inquiries.language import detect_language
from tilgang.inquiries.mail import Attachment, ParsedMail, parse_message
from tilgang.inquiries.models import (
    OPEN_STATUSES,
    SCREENED_MASK,
    Channel,
    CoerciveFine,
    Counter,
    DocType,
    FineStatus,
    InnsynRequest,
    InnsynStatus,
    Inquiry,
    InquiryAttachment,
    InquiryMessage,
    InquiryStatus,
    JournalEntry,
    MessageKind,
    Rejection,
    RejectionReason,
    ReplyTemplate,
    Respondent,
    Section,
    SubmissionAttempt,
    Survey,
    Topic,
)
from tilgang.notify.services import email_send


class InquiryError(Exception):
    """A refused action of the information service; the message is translated and safe to show."""


class DocumentNotFound(InquiryError):
    """An innsyn request names a document that is not in the journal."""


class Rejected(InquiryError):
    """A submission that was recorded as a rejection instead of becoming an inquiry."""

    def __init__(self, message: str, rejection: Rejection):
        super().__init__(message)
        self.rejection = rejection


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def max_text() -> int:
    return _setting("INQUIRY_MAX_TEXT", 10_000)


def _max_email_text() -> int:
    return _setting("INQUIRY_MAX_EMAIL_TEXT", 50_000)


def _max_email_bytes() -> int:
    return _setting("INQUIRY_MAX_EMAIL_BYTES", 25 * 1024 * 1024)


def _local_today() -> date:
    return timezone.localdate()


def _next_number(name: str, year: int) -> int:
    counter, _created = Counter.objects.select_for_update().get_or_create(name=name, year=year)
    counter.value += 1
    counter.save(update_fields=["value"])
    return counter.value


def _reference(prefix: str) -> str:
    year = _local_today().year
    return f"{prefix}-{year}-{_next_number(prefix, year):05d}"


def _valid_email(email: str) -> str:
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InquiryError(_("Enter a valid e-mail address.")) from None
    return email


def _clean_text(text: str, *, limit: int) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\x00", "").strip()
    if not text:
        raise InquiryError(_("Write your question: the message is empty."))
    if len(text) > limit:
        raise InquiryError(
            _("The message is too long: at most %(limit)d characters, this one has %(length)d.")
            % {"limit": limit, "length": len(text)}
        )
    return text


# --- rate limits and rejections (nothing is dropped silently) ------------------------------------


def _rate_reason(*, channel: str, ip: str | None, email: str) -> str | None:
    since = timezone.now() - timedelta(minutes=_setting("INQUIRY_RATE_WINDOW_MINUTES", 60))
    recent = SubmissionAttempt.objects.filter(created_at__gte=since)
    if ip and recent.filter(ip=ip).count() >= _setting("INQUIRY_MAX_PER_IP", 10):
        return RejectionReason.RATE_IP
    if email and recent.filter(email=email).count() >= _setting("INQUIRY_MAX_PER_ADDRESS", 5):
        return RejectionReason.RATE_ADDRESS
    return None


@transaction.atomic
def rejection_record(
    *,
    channel: str,
    reason: str,
    sender: str = "",
    ip: str | None = None,
    subject: str = "",
    size: int = 0,
    data: dict | None = None,
    raw: bytes | None = None,
) -> Rejection:
    rejection = Rejection(
        channel=channel,
        reason=reason,
        sender=sender[:254],
        ip=ip,
        subject=subject[:300],
        size=size,
        data=data or {},
    )
    if raw is not None:
        rejection.raw.save("message.eml", ContentFile(raw), save=False)
    rejection.save()
    audit_record(actor=None, action="inquiries.rejection.recorded", obj=rejection, payload={"reason": reason})
    return rejection


def _rejection_message(reason: str) -> str:
    if reason in (RejectionReason.RATE_IP, RejectionReason.RATE_ADDRESS):
        return _(
            "We have received many messages from you in a short time. Wait an hour and try again, "
            "or phone the information service (Monday–Friday 09–15)."
        )
    return _("The message could not be received.")


REJECTION_KEEP_DAYS = 90


@transaction.atomic
def rejections_purge(*, now: datetime) -> int:
    """Rejected messages hold personal data: they are deleted, with their files, after 90 days."""
    count = 0
    for rejection in Rejection.objects.filter(received_at__lt=now - timedelta(days=REJECTION_KEEP_DAYS)):
        if rejection.raw:
            rejection.raw.delete(save=False)
        audit_record(
            actor=None,
            action="inquiries.rejection.purged",
            obj=rejection,
            payload={"reason": rejection.reason},
        )
        rejection.delete()
        count += 1
    return count


def submission_guard(*, channel: str, ip: str | None, email: str, data: dict) -> None:
    """Count a public submission and refuse it over the rate limits, recording the rejection."""
    email = (email or "").strip().lower()
    reason = _rate_reason(channel=channel, ip=ip, email=email)
    with transaction.atomic():
        SubmissionAttempt.objects.create(channel=channel, ip=ip, email=email[:254])
    if reason:
        rejection = rejection_record(channel=channel, reason=reason, sender=email, ip=ip, data=data)
        raise Rejected(_rejection_message(reason), rejection)


def honeypot_caught(*, channel: str, ip: str | None, data: dict) -> Rejection:
    """The hidden field was filled in: a robot. Kept for staff to see; the robot sees a thank-you."""
    return rejection_record(
        channel=channel,
        reason=RejectionReason.HONEYPOT,
        sender=str(data.get("email", ""))[:254],
        ip=ip,
        data=data,
    )


# --- inquiries -------------------------------------------------------------------------------------


def _working_days_for(topic: str) -> int:
    if topic == Topic.RESPONDENT:
        return service_level.RESPONDENT_WORKING_DAYS  # DOMAIN R-INFO-4
    return service_level.INQUIRY_WORKING_DAYS  # DOMAIN R-INFO-1


def _receipt_send(inquiry: Inquiry, *, follow_up: bool = False) -> None:
    email_send(
        to=inquiry.email,
        template="inquiry_receipt",
        context={"inquiry": inquiry, "follow_up": follow_up},
        language=inquiry.language,
    )
    InquiryMessage.objects.create(inquiry=inquiry, kind=MessageKind.RECEIPT, language=inquiry.language)


def _attachments_store(message: InquiryMessage, parsed: ParsedMail) -> None:
    limit = _setting("INQUIRY_MAX_ATTACHMENTS", 20)
    for attachment in parsed.attachments[:limit]:
        stored = InquiryAttachment(
            message=message,
            filename=attachment.filename,
            content_type=attachment.content_type[:100],
            size=len(attachment.data),
        )
        stored.file.save("attachment.bin", ContentFile(attachment.data), save=False)
        stored.save()
    if len(parsed.attachments) > limit:
        InquiryMessage.objects.create(
            inquiry=message.inquiry,
            kind=MessageKind.NOTE,
            body=_("%(count)d more attachments came with this e-mail; the original message is kept.")
            % {"count": len(parsed.attachments) - limit},
        )


@transaction.atomic
def inquiry_create(
    *,
    channel: str,
    email: str,
    text: str,
    name: str = "",
    phone: str = "",
    topic: str = Topic.STATISTICS,
    subject: str = "",
    survey: Survey | None = None,
    actor: User | None = None,
    received_at: datetime | None = None,
    parsed: ParsedMail | None = None,
    text_limit: int | None = None,
) -> Inquiry:
    """A new inquiry with its reference, language guess, due time and receipt. Only a phone inquiry may
    come without an e-mail address: it gets no receipt, and its answer is given by phone."""
    email = "" if channel == Channel.PHONE and not (email or "").strip() else _valid_email(email)
    text = _clean_text(text, limit=text_limit or max_text())
    if topic not in Topic.values:
        raise InquiryError(_("Unknown topic."))
    received = received_at or timezone.now()
    guess = detect_language(f"{subject}\n{text}")  # DOMAIN R-INFO-2
    if survey is not None:
        topic = Topic.RESPONDENT
    inquiry = Inquiry.objects.create(
        reference=_reference("INF"),
        channel=channel,
        topic=topic,
        name=(name or "").strip()[:200],
        email=email,
        phone=(phone or "").strip()[:30],
        subject=(subject or "").strip()[:300],
        language_guess=guess.language,
        language_scores=guess.scores,
        language=guess.language,
        survey=survey,
        received_at=received,
        due_at=service_level.due_at(received, _working_days_for(topic)),
    )
    message = InquiryMessage.objects.create(
        inquiry=inquiry, kind=MessageKind.QUESTION, incoming=True, body=text, created_at=received
    )
    if parsed is not None:
        _attachments_store(message, parsed)
    audit_record(
        actor=actor,
        action="inquiries.inquiry.received",
        obj=inquiry,
        payload={"channel": channel, "topic": topic, "language_guess": guess.language},
    )
    if email and not (parsed is not None and parsed.automatic):
        _receipt_send(inquiry)
    return inquiry


# How far ahead of the server's clock a typed-in receipt time may be (a wall clock running fast).
PHONE_CLOCK_SLACK = timedelta(minutes=5)


@transaction.atomic
def inquiry_register_phone(
    *,
    actor: User,
    name: str,
    phone: str,
    topic: str,
    text: str,
    email: str = "",
    received_at: datetime | None = None,
) -> Inquiry:
    """Staff register a question received by phone (DOMAIN R-INFO-1). The clock starts when the call
    came in, not when it is registered; the language is guessed from the text as for other inquiries.
    Without an e-mail address there is no receipt and the answer is recorded as given by phone."""
    _require_information_service(actor)
    if not (name or "").strip():
        raise InquiryError(_("Give the caller's name."))
    phone = (phone or "").strip()
    if not re.fullmatch(r"\+?[0-9][0-9 ()-]{3,28}", phone):
        raise InquiryError(_("Give the caller's phone number, e.g. +47 912 34 567."))
    received = received_at or timezone.now()
    if received > timezone.now() + PHONE_CLOCK_SLACK:
        raise InquiryError(_("The time the call was received cannot be in the future."))
    return inquiry_create(
        channel=Channel.PHONE,
        name=name,
        email=email,
        phone=phone,
        topic=topic,
        text=text,
        actor=actor,
        received_at=received,
    )


def inquiry_submit_public(
    *,
    channel: str,
    ip: str | None,
    name: str,
    email: str,
    phone: str,
    topic: str,
    text: str,
    survey: Survey | None = None,
) -> Inquiry:
    """A question through the public form or API: rate limits first, then the inquiry."""
    data = {"name": name, "email": email, "phone": phone, "topic": topic, "text": text[: max_text()]}
    if survey is not None:
        data["survey"] = survey.code
    submission_guard(channel=channel, ip=ip, email=email, data=data)
    return inquiry_create(
        channel=channel, name=name, email=email, phone=phone, topic=topic, text=text, survey=survey
    )


@dataclass(frozen=True)
class InboundResult:
    inquiry: Inquiry | None
    rejection: Rejection | None
    threaded: bool = False


def _email_text(parsed: ParsedMail) -> tuple[str, bool]:
    """The text to keep in the thread, and whether it was cut (the whole text is kept as a file)."""
    text = parsed.text.strip() or parsed.subject.strip()
    if not text and parsed.attachments:
        text = _("(The e-mail had no text, only attachments.)")
    limit = _max_email_text()
    if len(text) > limit:
        return text[:limit], True
    return text, False


def inquiry_receive_email(*, raw: bytes, actor: User | None = None) -> InboundResult:
    """Turn a raw RFC 5322 message into an inquiry, or a follow-up of the inquiry whose reference is in
    the subject. Anything that cannot become one is recorded as a rejection, never dropped."""
    if len(raw) > _max_email_bytes():
        head = parse_message(raw[:65536].split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0] + b"\n\n")
        rejection = rejection_record(
            channel=Channel.EMAIL,
            reason=RejectionReason.TOO_LARGE,
            sender=head.sender,
            subject=head.subject,
            size=len(raw),
        )
        return InboundResult(None, rejection)
    parsed = parse_message(raw)
    if not parsed.sender:
        return InboundResult(
            None,
            rejection_record(
                channel=Channel.EMAIL,
                reason=RejectionReason.NO_SENDER,
                subject=parsed.subject,
                size=len(raw),
                raw=raw,
            ),
        )
    text, cut = _email_text(parsed)
    if not text:
        return InboundResult(
            None,
            rejection_record(
                channel=Channel.EMAIL,
                reason=RejectionReason.EMPTY,
                sender=parsed.sender,
                size=len(raw),
                raw=raw,
            ),
        )
    reason = _rate_reason(channel=Channel.EMAIL, ip=None, email=parsed.sender)
    with transaction.atomic():
        SubmissionAttempt.objects.create(channel=Channel.EMAIL, email=parsed.sender)
    if reason:
        return InboundResult(
            None,
            rejection_record(
                channel=Channel.EMAIL,
                reason=reason,
                sender=parsed.sender,
                subject=parsed.subject,
                size=len(raw),
                raw=raw,
            ),
        )
    return _inbound_accept(parsed=parsed, text=text, cut=cut, actor=actor)


@transaction.atomic
def _inbound_accept(*, parsed: ParsedMail, text: str, cut: bool, actor: User | None) -> InboundResult:
    if cut:  # the thread holds the first part; the whole text is kept as a file
        parsed.attachments.append(Attachment("full-text.txt", "text/plain", parsed.text.encode()))
    reference = parsed.reference
    existing = None
    if reference:
        # Threading only for the same sender: a guessed reference does not reach someone else's case.
        existing = (
            Inquiry.objects.select_for_update().filter(reference=reference, email=parsed.sender).first()
        )
    if existing is not None:
        _follow_up(existing, parsed=parsed, text=text, actor=actor)
        return InboundResult(existing, None, threaded=True)
    inquiry = inquiry_create(
        channel=Channel.EMAIL,
        name=parsed.sender_name,
        email=parsed.sender,
        subject=parsed.subject,
        text=text,
        actor=actor,
        parsed=parsed,
        text_limit=_max_email_text(),
    )
    return InboundResult(inquiry, None)


def _follow_up(inquiry: Inquiry, *, parsed: ParsedMail, text: str, actor: User | None) -> None:
    kind = MessageKind.AUTO_REPLY if parsed.automatic else MessageKind.FOLLOW_UP
    message = InquiryMessage.objects.create(inquiry=inquiry, kind=kind, incoming=True, body=text)
    _attachments_store(message, parsed)
    reopened = False
    if not parsed.automatic and inquiry.status in (InquiryStatus.ANSWERED, InquiryStatus.CLOSED):
        # A new question after the answer: the clock starts again.
        now = timezone.now()
        inquiry.status = InquiryStatus.FORWARDED if inquiry.section_id else InquiryStatus.OPEN
        inquiry.received_at = now
        inquiry.due_at = service_level.due_at(now, _working_days_for(inquiry.topic))
        inquiry.answered_at = None
        inquiry.closed_at = None
        inquiry.overdue_flagged_at = None
        inquiry.save()
        reopened = True
    audit_record(
        actor=actor,
        action="inquiries.inquiry.follow_up",
        obj=inquiry,
        payload={"automatic": parsed.automatic, "reopened": reopened},
    )
    if reopened:
        _receipt_send(inquiry, follow_up=True)


def may_handle(user: User, inquiry: Inquiry) -> bool:
    """The information service handles every inquiry; a section handles those forwarded to it."""
    if user.has_role(Role.INFORMATION_SERVICE):
        return True
    section = inquiry.section
    return section is not None and section.members.filter(pk=user.pk).exists()


def _require_handler(actor: User, inquiry: Inquiry) -> None:
    if not may_handle(actor, inquiry):
        raise InquiryError(_("This inquiry is not yours to handle."))


def _require_information_service(actor: User) -> None:
    if not actor.has_role(Role.INFORMATION_SERVICE):
        raise InquiryError(_("Only the information service can do this."))


def _locked(inquiry: Inquiry) -> Inquiry:
    return Inquiry.objects.select_for_update().get(
        pk=inquiry.pk
    )  # no outer join: PostgreSQL refuses FOR UPDATE on one


def _answerable(actor: User, inquiry: Inquiry) -> Inquiry:
    inquiry = _locked(inquiry)
    _require_handler(actor, inquiry)
    if inquiry.status == InquiryStatus.CLOSED:
        raise InquiryError(_("This inquiry is closed."))
    return inquiry


def _answer_record(
    *, actor: User, inquiry: Inquiry, body: str, kind: str, at: datetime | None = None
) -> tuple[Inquiry, InquiryMessage, bool]:
    """The reply in the thread, and the inquiry answered: its clock stops at the first answer.
    ``inquiry`` is locked, and ``actor`` may handle it."""
    body = _clean_text(body, limit=20_000)
    fields = {"created_at": at} if at is not None else {}
    message = InquiryMessage.objects.create(
        inquiry=inquiry, kind=kind, author=actor, body=body, language=inquiry.language, **fields
    )
    first = inquiry.answered_at is None
    inquiry.status = InquiryStatus.ANSWERED
    if first:
        inquiry.answered_at = message.created_at
    inquiry.save(update_fields=["status", "answered_at"])
    return inquiry, message, first


@transaction.atomic
def inquiry_answer(*, actor: User, inquiry: Inquiry, body: str) -> InquiryMessage:
    """Send the answer in the inquiry's reply language (DOMAIN R-INFO-2)."""
    inquiry = _answerable(actor, inquiry)
    if inquiry.answer_by_phone_only:
        raise InquiryError(
            _("The caller gave no e-mail address. Phone them, and record the answer you gave by phone.")
        )
    inquiry, message, first = _answer_record(actor=actor, inquiry=inquiry, body=body, kind=MessageKind.REPLY)
    section = inquiry.section if inquiry.section_id and not actor.has_role(Role.INFORMATION_SERVICE) else None
    email_send(
        to=inquiry.email,
        template="inquiry_reply",
        context={"inquiry": inquiry, "body": message.body, "section": section},
        language=inquiry.language,
    )
    audit_record(
        actor=actor,
        action="inquiries.inquiry.answered",
        obj=inquiry,
        payload={"language": inquiry.language, "first": first, "section": inquiry.section_id},
    )
    return message


@transaction.atomic
def inquiry_answer_by_phone(
    *, actor: User, inquiry: Inquiry, body: str, given_at: datetime | None = None
) -> InquiryMessage:
    """Record the answer given to the inquirer by phone (DOMAIN R-INFO-1): nothing is e-mailed, the
    inquiry is answered and its clock stops at the time the answer was given (default now)."""
    inquiry = _answerable(actor, inquiry)
    if not inquiry.phone:
        raise InquiryError(_("This inquiry has no phone number: send the answer by e-mail."))
    now = timezone.now()
    given = given_at or now
    if given > now + PHONE_CLOCK_SLACK:
        raise InquiryError(_("The time the answer was given cannot be in the future."))
    if given < inquiry.received_at.replace(second=0, microsecond=0):
        raise InquiryError(_("The answer cannot have been given before the inquiry was received."))
    given = min(max(given, inquiry.received_at), now)
    inquiry, message, first = _answer_record(
        actor=actor, inquiry=inquiry, body=body, kind=MessageKind.PHONE_REPLY, at=given
    )
    audit_record(
        actor=actor,
        action="inquiries.inquiry.answered",
        obj=inquiry,
        payload={
            "language": inquiry.language,
            "first": first,
            "section": inquiry.section_id,
            "by_phone": True,
        },
    )
    return message


@transaction.atomic
def inquiry_forward(*, actor: User, inquiry: Inquiry, section: Section, note: str = "") -> None:
    """Hand the inquiry to a subject section, which answers directly; the inquirer is told who holds it."""
    inquiry = _locked(inquiry)
    _require_information_service(actor)
    if not inquiry.is_open:
        raise InquiryError(_("Only an open inquiry can be forwarded."))
    if inquiry.section_id == section.pk:
        raise InquiryError(_("The inquiry is already with this section."))
    inquiry.section = section
    inquiry.status = InquiryStatus.FORWARDED
    inquiry.save(update_fields=["section", "status"])
    InquiryMessage.objects.create(
        inquiry=inquiry, kind=MessageKind.FORWARDED, author=actor, body=(note or "").strip()[:5000]
    )
    if inquiry.email:  # a caller without e-mail hears from the section by phone
        email_send(
            to=inquiry.email,
            template="inquiry_forwarded",
            context={"inquiry": inquiry, "section": section},
            language=inquiry.language,
        )
    email_send(
        to=section.email,
        template="inquiry_section_notice",
        context={"inquiry": inquiry, "section": section, "link": f"/informasjon/ko/{inquiry.reference}/"},
        language=Language.NB,
    )
    audit_record(
        actor=actor, action="inquiries.inquiry.forwarded", obj=inquiry, payload={"section": section.pk}
    )


@transaction.atomic
def inquiry_set_language(*, actor: User, inquiry: Inquiry, language: str) -> None:
    """Staff override the guessed written standard (DOMAIN R-INFO-2)."""
    inquiry = _locked(inquiry)
    _require_handler(actor, inquiry)
    if language not in Language.values:
        raise InquiryError(_("Unknown language."))
    inquiry.language = language
    inquiry.language_overridden = language != inquiry.language_guess
    inquiry.save(update_fields=["language", "language_overridden"])
    audit_record(
        actor=actor, action="inquiries.inquiry.language_set", obj=inquiry, payload={"language": language}
    )


@transaction.atomic
def inquiry_invite(*, actor: User, inquiry: Inquiry) -> None:
    """Turn a question about microdata into an invitation to apply; the invitation is the answer."""
    from tilgang.accounts.services import AccountError, invitation_create

    inquiry = _locked(inquiry)
    _require_handler(actor, inquiry)
    if inquiry.invitation_id:
        raise InquiryError(_("An invitation was already sent for this inquiry."))
    if not inquiry.email:
        raise InquiryError(_("An invitation is sent by e-mail, and the caller gave no e-mail address."))
    try:
        invitation = invitation_create(
            invited_by=actor,
            email=inquiry.email,
            full_name=inquiry.name or inquiry.email,
            language=inquiry.language,
        )
    except AccountError as error:
        raise InquiryError(str(error)) from error
    inquiry.invitation = invitation
    inquiry.status = InquiryStatus.ANSWERED
    inquiry.answered_at = inquiry.answered_at or timezone.now()
    inquiry.save(update_fields=["invitation", "status", "answered_at"])
    InquiryMessage.objects.create(
        inquiry=inquiry, kind=MessageKind.INVITATION, author=actor, language=inquiry.language
    )
    audit_record(
        actor=actor, action="inquiries.inquiry.invited", obj=inquiry, payload={"invitation": invitation.pk}
    )


@transaction.atomic
def inquiry_close(*, actor: User, inquiry: Inquiry, reason: str) -> None:
    """Close without an answer (spam, duplicate, withdrawn); the reason stays in the thread."""
    inquiry = _locked(inquiry)
    _require_handler(actor, inquiry)
    reason = (reason or "").strip()
    if not reason:
        raise InquiryError(_("Say why the inquiry is closed without an answer."))
    if not inquiry.is_open:
        raise InquiryError(_("Only an open inquiry can be closed."))
    inquiry.status = InquiryStatus.CLOSED
    inquiry.closed_at = timezone.now()
    inquiry.save(update_fields=["status", "closed_at"])
    InquiryMessage.objects.create(inquiry=inquiry, kind=MessageKind.NOTE, author=actor, body=reason[:2000])
    audit_record(actor=actor, action="inquiries.inquiry.closed", obj=inquiry)


def rejection_release(*, actor: User, rejection: Rejection) -> Inquiry:
    """Staff judge a rejected message to be genuine: it becomes an inquiry (without rate limits)."""
    _require_information_service(actor)
    with transaction.atomic():
        rejection = Rejection.objects.select_for_update().get(pk=rejection.pk)
        if rejection.released_at is not None:
            raise InquiryError(_("This message was already released."))
        if rejection.raw:
            with rejection.raw.open("rb") as handle:
                raw = handle.read()
            parsed = parse_message(raw)
            text, cut = _email_text(parsed)
            if not parsed.sender or not text:
                raise InquiryError(_("This message has no sender address or no text; it cannot be answered."))
            inquiry = _inbound_accept(parsed=parsed, text=text, cut=cut, actor=actor).inquiry
        elif rejection.data.get("email") and rejection.data.get("text"):
            survey = Survey.objects.filter(code=rejection.data.get("survey") or "").first()
            inquiry = inquiry_create(
                channel=rejection.channel,
                name=rejection.data.get("name", ""),
                email=rejection.data["email"],
                phone=rejection.data.get("phone", ""),
                topic=rejection.data.get("topic") or Topic.OTHER,
                text=rejection.data["text"],
                survey=survey,
                actor=actor,
            )
        else:
            raise InquiryError(_("This message has no sender address or no text; it cannot be answered."))
        assert inquiry is not None
        rejection.released_at = timezone.now()
        rejection.inquiry = inquiry
        rejection.save(update_fields=["released_at", "inquiry"])
        audit_record(
            actor=actor, action="inquiries.rejection.released", obj=rejection, payload={"inquiry": inquiry.pk}
        )
        return inquiry


# --- standard answers (DOMAIN R-INFO-2) -----------------------------------------------------------


def may_manage_standard_answers(user: User) -> bool:
    return bool(user.role_set & {Role.INFORMATION_SERVICE, Role.ADMINISTRATOR})


def _require_standard_answer_manager(actor: User) -> None:
    if not may_manage_standard_answers(actor):
        raise InquiryError(_("Only the information service and administrators manage standard answers."))


def _standard_answer_versions(versions: Mapping[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    """Language → (title, text); a language with neither is absent, one with only one is refused."""
    cleaned: dict[str, tuple[str, str]] = {}
    for language, (title, body) in versions.items():
        if language not in Language.values:
            raise InquiryError(_("Unknown language."))
        title = (title or "").strip()
        body = (body or "").replace("\r\n", "\n").replace("\x00", "").strip()
        if not title and not body:
            continue
        label = Language(language).label
        if not title or not body:
            raise InquiryError(
                _("Give both the title and the text of the version in %(language)s.") % {"language": label}
            )
        if len(title) > 200 or len(body) > 20_000:
            raise InquiryError(
                _(
                    "The version in %(language)s is too long: at most 200 characters of title and 20 000 of text."
                )
                % {"language": label}
            )
        cleaned[language] = (title, body)
    return cleaned


def _standard_answer_topic(topic: str) -> str:
    if topic not in Topic.values:
        raise InquiryError(_("Unknown topic."))
    return topic


@transaction.atomic
def standard_answer_create(
    *, actor: User, key: str, topic: str, versions: Mapping[str, tuple[str, str]]
) -> list[ReplyTemplate]:
    """A new standard answer, in one or more written standards (one ``ReplyTemplate`` each)."""
    _require_standard_answer_manager(actor)
    key = (key or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9-]{2,40}", key):
        raise InquiryError(_("The code may hold lower-case letters, digits and hyphens (2–40)."))
    if ReplyTemplate.objects.filter(key=key).exists():
        raise InquiryError(_("A standard answer with this code exists."))
    topic = _standard_answer_topic(topic)
    cleaned = _standard_answer_versions(versions)
    if not cleaned:
        raise InquiryError(_("Write the standard answer in at least one language."))
    now = timezone.now()
    created = []
    for language, (title, body) in cleaned.items():
        template = ReplyTemplate.objects.create(
            key=key, language=language, title=title, body=body, topic=topic, updated_at=now
        )
        audit_record(
            actor=actor,
            action="inquiries.standard_answer.created",
            obj=template,
            payload={"key": key, "language": language, "topic": topic},
        )
        created.append(template)
    return created


def _standard_answer_locked(key: str) -> list[ReplyTemplate]:
    versions = list(ReplyTemplate.objects.select_for_update().filter(key=key))
    if not versions:
        raise InquiryError(_("There is no standard answer with this code."))
    return versions


@transaction.atomic
def standard_answer_update(
    *, actor: User, key: str, topic: str, versions: Mapping[str, tuple[str, str]]
) -> list[ReplyTemplate]:
    """Change the topic and the texts, and add missing language versions. A version cannot be emptied:
    retire the whole answer instead. Replies already sent keep the text they were sent with."""
    _require_standard_answer_manager(actor)
    existing = {version.language: version for version in _standard_answer_locked(key)}
    topic = _standard_answer_topic(topic)
    cleaned = _standard_answer_versions(versions)
    for language in existing:
        if language not in cleaned:
            raise InquiryError(
                _(
                    "The version in %(language)s cannot be emptied. Retire the standard answer if it "
                    "should no longer be used."
                )
                % {"language": Language(language).label}
            )
    retired_at = next(iter(existing.values())).retired_at
    now = timezone.now()
    for language, (title, body) in cleaned.items():
        version = existing.get(language)
        if version is None:
            version = ReplyTemplate.objects.create(
                key=key,
                language=language,
                title=title,
                body=body,
                topic=topic,
                retired_at=retired_at,
                updated_at=now,
            )
            existing[language] = version
            action = "inquiries.standard_answer.version_added"
        elif (version.title, version.body, version.topic) != (title, body, topic):
            version.title, version.body, version.topic, version.updated_at = title, body, topic, now
            version.save(update_fields=["title", "body", "topic", "updated_at"])
            action = "inquiries.standard_answer.updated"
        else:
            continue
        audit_record(
            actor=actor,
            action=action,
            obj=version,
            payload={"key": key, "language": language, "topic": topic},
        )
    return sorted(existing.values(), key=lambda version: version.language)


@transaction.atomic
def standard_answer_retire(*, actor: User, key: str) -> list[ReplyTemplate]:
    """No longer offered when answering, in any language; kept, and can be reactivated."""
    _require_standard_answer_manager(actor)
    versions = _standard_answer_locked(key)
    if all(version.retired_at for version in versions):
        raise InquiryError(_("This standard answer is already retired."))
    now = timezone.now()
    for version in versions:
        version.retired_at = now
        version.save(update_fields=["retired_at"])
        audit_record(
            actor=actor,
            action="inquiries.standard_answer.retired",
            obj=version,
            payload={"key": key, "language": version.language},
        )
    return versions


@transaction.atomic
def standard_answer_reactivate(*, actor: User, key: str) -> list[ReplyTemplate]:
    _require_standard_answer_manager(actor)
    versions = _standard_answer_locked(key)
    if not any(version.retired_at for version in versions):
        raise InquiryError(_("This standard answer is in use."))
    for version in versions:
        version.retired_at = None
        version.save(update_fields=["retired_at"])
        audit_record(
            actor=actor,
            action="inquiries.standard_answer.reactivated",
            obj=version,
            payload={"key": key, "language": version.language},
        )
    return versions


@transaction.atomic
def section_create(*, actor: User, code: str, name: str, email: str, members: Sequence[User] = ()) -> Section:
    _require_information_service(actor)
    code = (code or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9-]{2,40}", code):
        raise InquiryError(_("The code may hold lower-case letters, digits and hyphens (2–40)."))
    if Section.objects.filter(code=code).exists():
        raise InquiryError(_("A section with this code exists."))
    if not (name or "").strip():
        raise InquiryError(_("Give the section a name."))
    section = Section.objects.create(code=code, name=name.strip(), email=_valid_email(email))
    section.members.set(members)
    audit_record(
        actor=actor,
        action="inquiries.section.created",
        obj=section,
        payload={"members": [m.pk for m in members]},
    )
    return section


@transaction.atomic
def inquiries_flag_overdue(*, now: datetime) -> int:
    """Flag open inquiries whose due time has passed (the queue shows them in red)."""
    count = 0
    for inquiry in Inquiry.objects.select_for_update().filter(
        status__in=OPEN_STATUSES, due_at__lt=now, overdue_flagged_at__isnull=True
    ):
        inquiry.overdue_flagged_at = now
        inquiry.save(update_fields=["overdue_flagged_at"])
        audit_record(actor=None, action="inquiries.inquiry.overdue", obj=inquiry)
        count += 1
    return count


# --- the public journal ---------------------------------------------------------------------------

_CASE_RE = re.compile(r"^\s*(\d{2}|\d{4})/(\d{1,6})(?:-(\d{1,4}))?\s*$")


def parse_case_number(text: str) -> tuple[int, int, int | None]:
    """``26/01234-5`` → (2026, 1234, 5); the document number is optional (``26/01234``)."""
    match = _CASE_RE.match(text or "")
    if not match:
        raise InquiryError(_("A case number looks like 26/01234 and a document number like 26/01234-5."))
    year = int(match.group(1))
    if year < 100:
        year += 2000
    sequence = int(match.group(2))
    document = int(match.group(3)) if match.group(3) else None
    if sequence == 0 or document == 0:
        raise InquiryError(_("A case number looks like 26/01234 and a document number like 26/01234-5."))
    return year, sequence, document


@transaction.atomic
def journal_case_number_new(*, year: int | None = None) -> str:
    """A new case number, for a case that starts outside the application cases."""
    year = year or _local_today().year
    return f"{year % 100:02d}/{_next_number('CASE', year):05d}"


def _mask(text: str, phrases: Sequence[str]) -> str:
    for phrase in sorted({p.strip() for p in phrases if p and p.strip()}, key=len, reverse=True):
        text = re.sub(re.escape(phrase), SCREENED_MASK, text, flags=re.IGNORECASE)
    return text


def _as_file(document) -> File | None:
    if document is None:
        return None
    if isinstance(document, bytes):
        return ContentFile(document)
    return document


@transaction.atomic
def journal_record(
    *,
    actor: User | None,
    case_number: str,
    doc_type: str,
    title: str,
    party: str,
    document_date: date,
    screened: bool,
    legal_reference: str,
    document_file=None,
    party_is_person: bool = False,
    personal_names: Sequence[str] = (),
    exempt_phrases: Sequence[str] = (),
    public_file=None,
    journal_date: date | None = None,
) -> JournalEntry:
    """Journal one case document. ``case_number`` is ``26/01234-5``, or ``26/01234`` for the case's next
    document. A screened document is masked with its legal reference: the party when it is a person,
    and the listed personal names and exempt phrases in the title. Unscreened personal names stay
    visible but are searchable for 12 months only."""
    year, sequence, document = parse_case_number(case_number)
    if doc_type not in DocType.values:
        raise InquiryError(_("The document type is incoming (I), outgoing (U) or internal (X)."))
    title = (title or "").strip()
    if not title:
        raise InquiryError(_("The document needs a title."))
    legal_reference = (legal_reference or "").strip()
    if screened and not legal_reference:
        raise InquiryError(
            _("A screened document needs its legal reference, e.g. Offl. § 13 jf. statistikkloven § 7.")
        )
    if document is None:
        highest = JournalEntry.objects.filter(case_year=year, case_sequence=sequence).aggregate(
            highest=Max("document_number")
        )["highest"]
        document = (highest or 0) + 1
    elif JournalEntry.objects.filter(
        case_year=year, case_sequence=sequence, document_number=document
    ).exists():
        raise InquiryError(
            _("Document %(number)s is already in the journal.") % {"number": case_number.strip()}
        )
    party = (party or "").strip()
    names = [n.strip() for n in personal_names if n and n.strip()]
    if party_is_person and party:
        names.append(party)
    if screened:
        title_public = _mask(title, [*names, *exempt_phrases])
        party_public = SCREENED_MASK if party_is_person and party else _mask(party, names)
    else:
        title_public, party_public = title, party
    visible_names = [n for n in names if n.lower() in f"{title_public}\n{party_public}".lower()]
    search_text = _mask(f"{title_public}\n{party_public}", visible_names).replace(SCREENED_MASK, " ")
    entry = JournalEntry(
        journal_date=journal_date or _local_today(),
        case_year=year,
        case_sequence=sequence,
        document_number=document,
        doc_type=doc_type,
        title=title[:500],
        party=party[:300],
        party_is_person=party_is_person,
        personal_names=names,
        exempt_phrases=[p.strip() for p in exempt_phrases if p and p.strip()],
        document_date=document_date,
        screened=screened,
        legal_reference=legal_reference[:200],
        title_public=title_public[:500],
        party_public=party_public[:300],
        search_text=search_text,
        search_names="\n".join(visible_names),
        recorded_by=actor,
    )
    if (stored := _as_file(document_file)) is not None:
        entry.document_file.save(getattr(stored, "name", None) or "document", stored, save=False)
    if (public := _as_file(public_file)) is not None:
        entry.public_file.save(getattr(public, "name", None) or "screened", public, save=False)
    entry.save()
    audit_record(
        actor=actor,
        action="inquiries.journal.recorded",
        obj=entry,
        payload={"doc_type": doc_type, "screened": screened, "document": entry.document_reference},
    )
    return entry


@transaction.atomic
def journal_names_expire(*, now: datetime) -> int:
    """Personal names stop being searchable 12 months after journaling (the search also checks)."""
    cutoff = timezone.localdate(now) - timedelta(days=365)
    count = 0
    for entry in (
        JournalEntry.objects.select_for_update().filter(journal_date__lt=cutoff).exclude(search_names="")
    ):
        entry.search_names = ""
        entry.save(update_fields=["search_names"])
        audit_record(actor=None, action="inquiries.journal.names_unsearchable", obj=entry)
        count += 1
    return count


# --- innsyn (DOMAIN R-INFO-3) ---------------------------------------------------------------------


@transaction.atomic
def innsyn_request_create(
    *,
    entry: JournalEntry,
    email: str,
    name: str = "",
    message: str = "",
    language: str = Language.NB,
    channel: str = Channel.WEB,
) -> InnsynRequest:
    email = _valid_email(email)
    message = (message or "").strip()
    if len(message) > 5000:
        raise InquiryError(
            _("The message is too long: at most %(limit)d characters, this one has %(length)d.")
            % {"limit": 5000, "length": len(message)}
        )
    if language not in Language.values:
        language = Language.NB
    now = timezone.now()
    request = InnsynRequest.objects.create(
        reference=_reference("INN"),
        entry=entry,
        name=(name or "").strip()[:200],
        email=email,
        language=language,
        message=message,
        channel=channel,
        received_at=now,
        due_at=service_level.due_at(now, service_level.INNSYN_WORKING_DAYS),  # DOMAIN R-INFO-3
    )
    audit_record(actor=None, action="inquiries.innsyn.requested", obj=request, payload={"entry": entry.pk})
    email_send(
        to=email, template="innsyn_receipt", context={"request": request, "entry": entry}, language=language
    )
    return request


def innsyn_request_public(
    *,
    entry_id: int | None,
    document: str = "",
    email: str,
    name: str,
    message: str,
    language: str,
    ip: str | None,
    channel: str = Channel.WEB,
) -> InnsynRequest:
    """A request from the public page or API; a document that is not in the journal is refused clearly."""
    entry = None
    if entry_id is not None:
        entry = JournalEntry.objects.filter(pk=entry_id).first()
    elif document:
        year, sequence, number = parse_case_number(document)
        if number is None:
            raise InquiryError(_("Give the document number too, like 26/01234-5."))
        entry = JournalEntry.objects.filter(
            case_year=year, case_sequence=sequence, document_number=number
        ).first()
    if entry is None:
        raise DocumentNotFound(
            _(
                "There is no document %(number)s in the journal. Check the number in the journal, or ask the information service."
            )
            % {"number": document or "–"}
        )
    submission_guard(
        channel=channel,
        ip=ip,
        email=email,
        data={
            "name": name,
            "email": email,
            "topic": "innsyn",
            "text": f"{entry.document_reference}\n{message}"[: max_text()],
        },
    )
    return innsyn_request_create(
        entry=entry, email=email, name=name, message=message, language=language, channel=channel
    )


def _innsyn_locked(request: InnsynRequest) -> InnsynRequest:
    return InnsynRequest.objects.select_for_update().select_related("entry").get(pk=request.pk)


def _download_days() -> int:
    return _setting("INNSYN_DOWNLOAD_DAYS", 14)


@transaction.atomic
def innsyn_grant(*, actor: User, request: InnsynRequest, screened_copy=None) -> str:
    """Grant access and send the document, screened when the journal entry is; returns the link path."""
    _require_information_service(actor)
    request = _innsyn_locked(request)
    if request.status not in (InnsynStatus.PENDING, InnsynStatus.DEEMED_REFUSED):
        raise InquiryError(_("This request has already been decided."))
    entry = request.entry
    source = _as_file(screened_copy)
    if source is None and entry.public_file:
        source = entry.public_file
    if source is None and entry.document_file:
        if entry.screened:
            raise InquiryError(
                _("This document is screened (%(reference)s). Upload the screened copy to send.")
                % {"reference": entry.legal_reference}
            )
        source = entry.document_file
    if source is None:
        raise InquiryError(_("There is no file for this document. Upload the copy to send."))
    source.open("rb")
    try:
        content = source.read()
    finally:
        source.close()
    request.sent_file.save("document", ContentFile(content), save=False)
    token, digest = new_token()
    now = timezone.now()
    request.status = InnsynStatus.GRANTED
    request.decided_at, request.decided_by = now, actor
    request.download_token_hash = digest
    request.download_expires_at = now + timedelta(days=_download_days())
    request.save()
    link = f"/informasjon/innsyn/dokument/{token}/"
    email_send(
        to=request.email,
        template="innsyn_granted",
        context={"request": request, "entry": entry, "link": link, "days": _download_days()},
        language=request.language,
    )
    audit_record(
        actor=actor,
        action="inquiries.innsyn.granted",
        obj=request,
        payload={"entry": entry.pk, "in_time": now <= request.due_at, "screened": entry.screened},
    )
    return link


def _appeal_token(request: InnsynRequest) -> str:
    token, digest = new_token()
    request.appeal_token_hash = digest
    return token


@transaction.atomic
def innsyn_refuse(
    *, actor: User, request: InnsynRequest, legal_reference: str, explanation: str = ""
) -> None:
    """Refuse with the legal reference; the requester is told how to appeal."""
    _require_information_service(actor)
    request = _innsyn_locked(request)
    if request.status not in (InnsynStatus.PENDING, InnsynStatus.DEEMED_REFUSED):
        raise InquiryError(_("This request has already been decided."))
    legal_reference = (legal_reference or "").strip()
    if not legal_reference:
        raise InquiryError(_("A refusal needs its legal reference, e.g. Offl. § 13 jf. statistikkloven § 7."))
    token = _appeal_token(request)
    request.status = InnsynStatus.REFUSED
    request.decided_at, request.decided_by = timezone.now(), actor
    request.legal_reference = legal_reference[:200]
    request.explanation = (explanation or "").strip()[:5000]
    request.save()
    email_send(
        to=request.email,
        template="innsyn_refused",
        context={"request": request, "entry": request.entry, "link": f"/informasjon/innsyn/klage/{token}/"},
        language=request.language,
    )
    audit_record(
        actor=actor, action="inquiries.innsyn.refused", obj=request, payload={"entry": request.entry_id}
    )


@transaction.atomic
def innsyn_lapse(*, now: datetime) -> int:
    """A request not answered within five working days counts as a refusal that can be appealed."""
    count = 0
    for request in (
        InnsynRequest.objects.select_for_update()
        .select_related("entry")
        .filter(status=InnsynStatus.PENDING, due_at__lt=now)
    ):
        token = _appeal_token(request)
        request.status = InnsynStatus.DEEMED_REFUSED
        request.deemed_refused_at = now
        request.save()
        email_send(
            to=request.email,
            template="innsyn_deemed_refused",
            context={
                "request": request,
                "entry": request.entry,
                "link": f"/informasjon/innsyn/klage/{token}/",
            },
            language=request.language,
        )
        audit_record(actor=None, action="inquiries.innsyn.deemed_refused", obj=request)
        count += 1
    return count


def innsyn_by_appeal_token(token: str) -> InnsynRequest:
    request = (
        InnsynRequest.objects.select_related("entry").filter(appeal_token_hash=token_hash(token)).first()
        if token
        else None
    )
    if request is None:
        raise InquiryError(_("This link is not valid. Check that you copied the whole link."))
    if not request.can_appeal:
        raise InquiryError(_("This request has already been appealed, or can no longer be appealed."))
    return request


@transaction.atomic
def innsyn_appeal(*, token: str, text: str) -> InnsynRequest:
    request = innsyn_by_appeal_token(token)
    request = _innsyn_locked(request)
    if not request.can_appeal:
        raise InquiryError(_("This request has already been appealed, or can no longer be appealed."))
    request.appealed_at = timezone.now()
    request.appeal_text = _clean_text(text, limit=5000)
    request.save(update_fields=["appealed_at", "appeal_text"])
    email_send(
        to=request.email,
        template="innsyn_appeal_receipt",
        context={"request": request},
        language=request.language,
    )
    audit_record(actor=None, action="inquiries.innsyn.appealed", obj=request)
    return request


def innsyn_by_download_token(token: str) -> InnsynRequest:
    request = InnsynRequest.objects.filter(download_token_hash=token_hash(token)).first() if token else None
    if request is None or not request.sent_file:
        raise InquiryError(_("This link is not valid. Check that you copied the whole link."))
    if request.download_expires_at is None or request.download_expires_at <= timezone.now():
        raise InquiryError(
            _("This link has expired. Ask the information service to send the document again.")
        )
    return request


# --- respondents (DOMAIN R-INFO-4) ----------------------------------------------------------------


@transaction.atomic
def survey_create(
    *,
    actor: User,
    code: str,
    name: str,
    what_to_report: str,
    how_to_report: str,
    deadline: date,
    contact_name: str,
    contact_email: str,
    contact_phone: str = "",
    obligatory: bool = False,
    legal_reference: str = "",
    fine_legal_reference: str = "",
) -> Survey:
    _require_information_service(actor)
    code = (code or "").strip().lower()
    if not re.fullmatch(r"[a-z0-9-]{2,40}", code):
        raise InquiryError(_("The code may hold lower-case letters, digits and hyphens (2–40)."))
    if Survey.objects.filter(code=code).exists():
        raise InquiryError(_("A survey with this code exists."))
    for value in (name, what_to_report, how_to_report, contact_name):
        if not (value or "").strip():
            raise InquiryError(_("A survey letter states what to report, how, the deadline and a contact."))
    if obligatory and not (legal_reference or "").strip():
        raise InquiryError(_("A survey with a reporting obligation needs its legal reference."))
    survey = Survey.objects.create(
        code=code,
        name=name.strip(),
        what_to_report=what_to_report.strip(),
        how_to_report=how_to_report.strip(),
        deadline=deadline,
        contact_name=contact_name.strip(),
        contact_email=_valid_email(contact_email),
        contact_phone=(contact_phone or "").strip(),
        obligatory=obligatory,
        legal_reference=(legal_reference or "").strip(),
        fine_legal_reference=(fine_legal_reference or "").strip(),
    )
    audit_record(
        actor=actor, action="inquiries.survey.created", obj=survey, payload={"obligatory": obligatory}
    )
    return survey


@transaction.atomic
def respondent_add(
    *,
    actor: User,
    survey: Survey,
    name: str,
    reporting_for: str,
    email: str,
    identifier: str = "",
    language: str = Language.NB,
) -> Respondent:
    _require_information_service(actor)
    email = _valid_email(email)
    if not (name or "").strip() or not (reporting_for or "").strip():
        raise InquiryError(_("Give the respondent's name and whom they report for."))
    if language not in Language.values:
        raise InquiryError(_("Unknown language."))
    if Respondent.objects.filter(survey=survey, email=email, reporting_for=reporting_for.strip()).exists():
        raise InquiryError(_("This respondent is already in the survey."))
    respondent = Respondent.objects.create(
        survey=survey,
        name=name.strip(),
        reporting_for=reporting_for.strip(),
        email=email,
        identifier=(identifier or "").strip(),
        language=language,
    )
    audit_record(
        actor=actor, action="inquiries.respondent.added", obj=respondent, payload={"survey": survey.pk}
    )
    return respondent


@transaction.atomic
def survey_letters_send(*, actor: User, survey: Survey) -> int:
    """The letter: what to report, for whom, how, the deadline, a contact and any obligation."""
    _require_information_service(actor)
    now = timezone.now()
    count = 0
    for respondent in survey.respondents.select_for_update().filter(letter_sent_at__isnull=True):
        respondent.letter_sent_at = now
        respondent.save(update_fields=["letter_sent_at"])
        email_send(
            to=respondent.email,
            template="survey_letter",
            context={"survey": survey, "respondent": respondent},
            language=respondent.language,
        )
        audit_record(actor=actor, action="inquiries.respondent.letter_sent", obj=respondent)
        count += 1
    return count


@transaction.atomic
def respondent_mark_reported(*, actor: User, respondent: Respondent) -> None:
    _require_information_service(actor)
    respondent = Respondent.objects.select_for_update().get(pk=respondent.pk)
    if respondent.reported_at is not None:
        raise InquiryError(_("This respondent has already reported."))
    respondent.reported_at = timezone.now()
    respondent.save(update_fields=["reported_at"])
    CoerciveFine.objects.filter(respondent=respondent, status=FineStatus.PREPARED).update(
        status=FineStatus.WITHDRAWN
    )
    audit_record(actor=actor, action="inquiries.respondent.reported", obj=respondent)


def _non_respondents(survey: Survey):
    return survey.respondents.filter(letter_sent_at__isnull=False, reported_at__isnull=True)


@transaction.atomic
def survey_reminders_send(
    *, actor: User | None, survey: Survey, now: datetime, first_only: bool = False
) -> int:
    """Remind those who have not reported once the deadline has passed (DOMAIN R-INFO-4)."""
    if actor is not None:
        _require_information_service(actor)
    if timezone.localdate(now) <= survey.deadline:
        raise InquiryError(
            _("Reminders go out after the deadline, %(deadline)s.")
            % {"deadline": survey.deadline.isoformat()}
        )
    respondents = _non_respondents(survey).select_for_update()
    if first_only:
        respondents = respondents.filter(reminder_count=0)
    else:
        # Never twice on one day, so a double click does not send two reminders.
        respondents = respondents.exclude(last_reminded_at__date=timezone.localdate(now))
    count = 0
    for respondent in respondents:
        respondent.reminder_count += 1
        respondent.last_reminded_at = now
        respondent.save(update_fields=["reminder_count", "last_reminded_at"])
        email_send(
            to=respondent.email,
            template="survey_reminder",
            context={"survey": survey, "respondent": respondent},
            language=respondent.language,
        )
        audit_record(
            actor=actor,
            action="inquiries.respondent.reminded",
            obj=respondent,
            payload={"reminder": respondent.reminder_count},
        )
        count += 1
    return count


def survey_reminders_due(now: datetime) -> int:
    """Sweep: the first reminder to every non-respondent of every survey whose deadline has passed."""
    count = 0
    today = timezone.localdate(now)
    for survey in Survey.objects.filter(deadline__lt=today):
        if _non_respondents(survey).filter(reminder_count=0).exists():
            count += survey_reminders_send(actor=None, survey=survey, now=now, first_only=True)
    return count


@transaction.atomic
def fine_prepare(
    *, actor: User, respondent: Respondent, amount_per_day: int, from_date: date
) -> CoerciveFine:
    """Prepare a coercive fine decision: only under a reporting obligation, after the deadline and a
    reminder, for someone who has not reported."""
    _require_information_service(actor)
    respondent = Respondent.objects.select_for_update().select_related("survey").get(pk=respondent.pk)
    survey = respondent.survey
    if not survey.obligatory:
        raise InquiryError(_("Coercive fines apply only to surveys with a reporting obligation."))
    if respondent.reported_at is not None:
        raise InquiryError(_("This respondent has reported."))
    if respondent.reminder_count == 0:
        raise InquiryError(_("Send a reminder before preparing a coercive fine."))
    if amount_per_day <= 0:
        raise InquiryError(_("The amount per day must be more than zero."))
    if from_date <= _local_today():
        raise InquiryError(_("The fine can only run from a future date."))
    if respondent.fines.filter(status__in=[FineStatus.PREPARED, FineStatus.SENT]).exists():
        raise InquiryError(_("A coercive fine is already prepared for this respondent."))
    fine = CoerciveFine.objects.create(
        respondent=respondent, amount_per_day=amount_per_day, from_date=from_date, prepared_by=actor
    )
    audit_record(
        actor=actor,
        action="inquiries.fine.prepared",
        obj=fine,
        payload={
            "respondent": respondent.pk,
            "amount_per_day": amount_per_day,
            "from": from_date.isoformat(),
        },
    )
    return fine


@transaction.atomic
def fine_letter_send(*, actor: User, fine: CoerciveFine) -> None:
    _require_information_service(actor)
    fine = CoerciveFine.objects.select_for_update().select_related("respondent__survey").get(pk=fine.pk)
    if fine.status != FineStatus.PREPARED:
        raise InquiryError(_("Only a prepared fine can be sent."))
    respondent = fine.respondent
    fine.status, fine.letter_sent_at = FineStatus.SENT, timezone.now()
    fine.save(update_fields=["status", "letter_sent_at"])
    email_send(
        to=respondent.email,
        template="survey_fine",
        context={"survey": respondent.survey, "respondent": respondent, "fine": fine},
        language=respondent.language,
    )
    audit_record(actor=actor, action="inquiries.fine.letter_sent", obj=fine)
