"""The information service: inquiries and their service-level clocks, the public journal, innsyn
requests and the respondent service of surveys (DOMAIN R-INFO-1…5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tilgang.accounts.models import LANGUAGE_IN_TEXT, Language


class Counter(models.Model):
    """Yearly running numbers (inquiry and innsyn references, journal case numbers)."""

    name = models.CharField(max_length=20)
    year = models.PositiveIntegerField()
    value = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["name", "year"], name="unique_counter_per_year")]


class Section(models.Model):
    """A subject section that answers forwarded inquiries directly (DOMAIN R-INFO-1)."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("e-mail address"))
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="inquiry_sections")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    WEB = "web", _("Web form")
    EMAIL = "email", _("E-mail")
    API = "api", _("API")
    PHONE = "phone", _("Phone")


class Topic(models.TextChoices):
    STATISTICS = "statistics", _("Statistics and figures")
    MICRODATA = "microdata", _("Access to microdata")
    RESPONDENT = "respondent", _("Reporting to a survey")
    OTHER = "other", _("Something else")


class InquiryStatus(models.TextChoices):
    OPEN = "open", _("Open")
    FORWARDED = "forwarded", _("Forwarded to a section")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed without answer")


OPEN_STATUSES = (InquiryStatus.OPEN, InquiryStatus.FORWARDED)


class Inquiry(models.Model):
    """A question from anyone, by web form, e-mail, API or phone, with its service-level clock."""

    reference = models.CharField(max_length=20, unique=True)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    topic = models.CharField(max_length=20, choices=Topic.choices, default=Topic.STATISTICS)
    name = models.CharField(_("name"), max_length=200, blank=True)
    # Empty only for a phone inquiry from a caller without e-mail: the answer is then given by phone.
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    subject = models.CharField(_("subject"), max_length=300, blank=True)
    # DOMAIN R-INFO-2: the guess from the text, and the language replies are written in.
    language_guess = models.CharField(max_length=2, choices=Language.choices, default=Language.NB)
    language_scores = models.JSONField(default=dict)
    language = models.CharField(_("reply language"), max_length=2, choices=Language.choices)
    language_overridden = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=InquiryStatus.choices, default=InquiryStatus.OPEN)
    section = models.ForeignKey(Section, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    survey = models.ForeignKey(
        "inquiries.Survey", null=True, blank=True, on_delete=models.SET_NULL, related_name="inquiries"
    )
    invitation = models.ForeignKey(
        "accounts.Invitation", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    received_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    answered_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    overdue_flagged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["status", "due_at"]), models.Index(fields=["email", "received_at"])]

    def __str__(self) -> str:
        return self.reference

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def language_in_text(self) -> str:
        return str(LANGUAGE_IN_TEXT[Language(self.language)])

    @property
    def answer_by_phone_only(self) -> bool:
        """A caller who gave no e-mail address: the answer can only be given by phone."""
        return not self.email


class MessageKind(models.TextChoices):
    QUESTION = "question", _("Question")
    FOLLOW_UP = "follow_up", _("Follow-up from the inquirer")
    AUTO_REPLY = "auto_reply", _("Automatic reply from the inquirer's mail system")
    RECEIPT = "receipt", _("Receipt")
    REPLY = "reply", _("Reply")
    PHONE_REPLY = "phone_reply", _("Answer given by phone")
    FORWARDED = "forwarded", _("Forwarded")
    INVITATION = "invitation", _("Invitation to apply")
    NOTE = "note", _("Internal note")


class InquiryMessage(models.Model):
    """One message of an inquiry's thread, in or out; outgoing ones record the language used."""

    inquiry = models.ForeignKey(Inquiry, on_delete=models.CASCADE, related_name="messages")
    kind = models.CharField(max_length=12, choices=MessageKind.choices)
    incoming = models.BooleanField(default=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(blank=True)
    language = models.CharField(max_length=2, choices=Language.choices, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]


class InquiryAttachment(models.Model):
    """A file that came with an e-mail; kept in storage and only ever offered as a download."""

    message = models.ForeignKey(InquiryMessage, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="inquiries/attachments/%Y/%m/")
    filename = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()


class ReplyTemplate(models.Model):
    """A standard answer in one written standard; staff pick one in the inquiry's reply language.

    The versions sharing a ``key`` are one standard answer: they share its topic and are retired and
    reactivated together (``services.standard_answer_*``). A retired answer is no longer offered when
    answering; replies already sent keep their own copy of the text."""

    key = models.SlugField(max_length=40)
    language = models.CharField(max_length=2, choices=Language.choices)
    title = models.CharField(max_length=200)
    body = models.TextField()
    topic = models.CharField(max_length=20, choices=Topic.choices, default=Topic.OTHER)
    retired_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["key", "language"]
        constraints = [models.UniqueConstraint(fields=["key", "language"], name="unique_reply_template")]

    def __str__(self) -> str:
        return self.title


class RejectionReason(models.TextChoices):
    HONEYPOT = "honeypot", _("Filled in the hidden spam trap")
    RATE_IP = "rate_ip", _("Too many messages from one network address")
    RATE_ADDRESS = "rate_address", _("Too many messages from one e-mail address")
    EMPTY = "empty", _("Empty message")
    TOO_LARGE = "too_large", _("Message too large")
    NO_SENDER = "no_sender", _("No usable sender address")


class Rejection(models.Model):
    """A message that did not become an inquiry. Kept so that nothing is dropped silently: staff
    see every rejection and can release it into the queue."""

    channel = models.CharField(max_length=10, choices=Channel.choices)
    reason = models.CharField(max_length=20, choices=RejectionReason.choices)
    sender = models.CharField(max_length=254, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)
    subject = models.CharField(max_length=300, blank=True)
    size = models.PositiveIntegerField(default=0)
    data = models.JSONField(default=dict)  # a web submission's fields
    raw = models.FileField(upload_to="inquiries/rejected/%Y/%m/", blank=True)  # an e-mail, as received
    received_at = models.DateTimeField(default=timezone.now)
    released_at = models.DateTimeField(null=True, blank=True)
    inquiry = models.ForeignKey(Inquiry, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["-received_at", "-pk"]


class SubmissionAttempt(models.Model):
    """Each public submission, for the rate limits per network address and per e-mail address."""

    channel = models.CharField(max_length=10, choices=Channel.choices)
    ip = models.GenericIPAddressField(null=True, db_index=True)
    email = models.CharField(max_length=254, db_index=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)


# --- the public journal and innsyn ---------------------------------------------------------------


class DocType(models.TextChoices):
    INCOMING = "I", _("Incoming")
    OUTGOING = "U", _("Outgoing")
    INTERNAL = "X", _("Internal")


SCREENED_MASK = "*****"


class JournalEntry(models.Model):
    """One document of a case in the public journal (offentlig journal)."""

    journal_date = models.DateField(default=timezone.localdate)
    case_year = models.PositiveIntegerField()
    case_sequence = models.PositiveIntegerField()
    document_number = models.PositiveIntegerField()
    doc_type = models.CharField(max_length=1, choices=DocType.choices)
    title = models.CharField(max_length=500)
    party = models.CharField(max_length=300, blank=True)  # sender (incoming) or recipient (outgoing)
    party_is_person = models.BooleanField(default=False)
    personal_names = models.JSONField(default=list)
    exempt_phrases = models.JSONField(default=list)
    document_date = models.DateField()
    screened = models.BooleanField(default=False)
    legal_reference = models.CharField(max_length=200, blank=True)
    # What the public sees and searches; personal names are searchable for 12 months only.
    title_public = models.CharField(max_length=500)
    party_public = models.CharField(max_length=300, blank=True)
    search_text = models.TextField(blank=True)
    search_names = models.TextField(blank=True)
    document_file = models.FileField(upload_to="journal/documents/%Y/", blank=True)
    public_file = models.FileField(upload_to="journal/screened/%Y/", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-journal_date", "-case_year", "-case_sequence", "-document_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["case_year", "case_sequence", "document_number"], name="unique_journal_document"
            )
        ]

    def __str__(self) -> str:
        return self.document_reference

    @property
    def case_number(self) -> str:
        return f"{self.case_year % 100:02d}/{self.case_sequence:05d}"

    @property
    def document_reference(self) -> str:
        return f"{self.case_number}-{self.document_number}"


class InnsynStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    GRANTED = "granted", _("Access granted")
    REFUSED = "refused", _("Refused")
    DEEMED_REFUSED = "deemed_refused", _("Not answered in time: counts as a refusal")


class InnsynRequest(models.Model):
    """A request for access to a journaled document (DOMAIN R-INFO-3)."""

    reference = models.CharField(max_length=20, unique=True)
    entry = models.ForeignKey(JournalEntry, on_delete=models.PROTECT, related_name="innsyn_requests")
    name = models.CharField(_("name"), max_length=200, blank=True)
    email = models.EmailField(_("e-mail address"))
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.NB)
    message = models.TextField(blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.WEB)
    status = models.CharField(max_length=20, choices=InnsynStatus.choices, default=InnsynStatus.PENDING)
    received_at = models.DateTimeField(default=timezone.now)
    due_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    legal_reference = models.CharField(max_length=200, blank=True)
    explanation = models.TextField(blank=True)
    sent_file = models.FileField(upload_to="journal/sent/%Y/", blank=True)
    download_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    download_expires_at = models.DateTimeField(null=True, blank=True)
    deemed_refused_at = models.DateTimeField(null=True, blank=True)
    appeal_token_hash = models.CharField(max_length=64, blank=True, db_index=True)
    appealed_at = models.DateTimeField(null=True, blank=True)
    appeal_text = models.TextField(blank=True)

    class Meta:
        ordering = ["due_at", "pk"]

    def __str__(self) -> str:
        return self.reference

    @property
    def answered_at(self):
        return self.decided_at

    @property
    def can_appeal(self) -> bool:
        return self.status in (InnsynStatus.REFUSED, InnsynStatus.DEEMED_REFUSED) and self.appealed_at is None


# --- respondents (DOMAIN R-INFO-4) ---------------------------------------------------------------


class Survey(models.Model):
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    what_to_report = models.TextField(_("what to report"))
    how_to_report = models.TextField(_("how to report"))
    deadline = models.DateField(_("deadline"))
    contact_name = models.CharField(_("contact person"), max_length=200)
    contact_email = models.EmailField(_("contact e-mail"))
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    obligatory = models.BooleanField(_("reporting obligation"), default=False)
    legal_reference = models.CharField(_("legal basis of the obligation"), max_length=200, blank=True)
    fine_legal_reference = models.CharField(_("legal basis of coercive fines"), max_length=200, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-deadline", "name"]

    def __str__(self) -> str:
        return self.name


class Respondent(models.Model):
    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="respondents")
    name = models.CharField(_("name"), max_length=200)
    identifier = models.CharField(_("organisation number or reference"), max_length=40, blank=True)
    reporting_for = models.CharField(_("reports for"), max_length=300)
    email = models.EmailField(_("e-mail address"))
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.NB)
    letter_sent_at = models.DateTimeField(null=True, blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    reminder_count = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["survey", "email", "reporting_for"], name="unique_respondent")
        ]

    def __str__(self) -> str:
        return self.name


class FineStatus(models.TextChoices):
    PREPARED = "prepared", _("Prepared")
    SENT = "sent", _("Letter sent")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class CoerciveFine(models.Model):
    """A prepared decision on a coercive fine (tvangsmulkt) for a respondent who has not reported."""

    respondent = models.ForeignKey(Respondent, on_delete=models.CASCADE, related_name="fines")
    amount_per_day = models.PositiveIntegerField(_("amount per day (NOK)"))
    from_date = models.DateField(_("runs from"))
    status = models.CharField(max_length=10, choices=FineStatus.choices, default=FineStatus.PREPARED)
    prepared_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    prepared_at = models.DateTimeField(default=timezone.now)
    letter_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-prepared_at"]
