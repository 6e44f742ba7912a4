"""Institutions, where their approval comes from, and the people and projects that apply through them.

DOMAIN R-ELIG-1…7. ``Institution.approved_from``/``approved_to`` and ``kind`` summarise the approval
history (``Approval``) for lists and old callers; services keep them in step (``approval_summary_refresh``).
"""

from __future__ import annotations

from datetime import date

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class InstitutionKind(models.TextChoices):
    # DOMAIN R-ELIG-1, R-ELIG-2, R-ELIG-3
    RESEARCH_NFR = "research_nfr", _("Research institution approved by the Research Council of Norway")
    RESEARCH_EUROSTAT = "research_eurostat", _("Research entity recognised by Eurostat")
    RESEARCH_OFFICE = "research_office", _("Research institution approved by the statistics office")
    PUBLIC_BODY = "public_body", _("Public body")
    OTHER = "other", _("Other organisation")


RESEARCH_KINDS = frozenset(
    {InstitutionKind.RESEARCH_NFR, InstitutionKind.RESEARCH_EUROSTAT, InstitutionKind.RESEARCH_OFFICE}
)


class PublicBodyCategory(models.TextChoices):
    # DOMAIN R-ELIG-3 a–e
    A = "a", _("a) State body, county or municipality")
    B = "b", _("b) Norges Bank")
    C = "c", _("c) The Office of the Auditor General")
    D = "d", _("d) Central statistics authority of another country")
    E = "e", _("e) International organisation founded on a treaty")


class Institution(models.Model):
    name = models.CharField(_("name"), max_length=300)
    orgnr = models.CharField(
        _("organisation number"), max_length=9, blank=True
    )  # Norwegian, check digit validated
    foreign_id = models.CharField(_("foreign identifier"), max_length=60, blank=True)
    country = models.CharField(_("country"), max_length=2, default="NO")  # ISO 3166-1 alpha-2
    kind = models.CharField(
        _("kind"), max_length=30, choices=InstitutionKind.choices, default=InstitutionKind.OTHER
    )
    public_body_category = models.CharField(
        _("public body category"), max_length=1, choices=PublicBodyCategory.choices, blank=True
    )
    # Counties (2 digits) and municipalities (4 digits) synced from the code lists are keyed by their
    # code: the code lists carry no organisation numbers.
    region_code = models.CharField(_("county or municipality code"), max_length=4, blank=True)
    ceased_on = models.DateField(_("ceased on"), null=True, blank=True)
    approved_from = models.DateField(_("approved from"), null=True, blank=True)
    approved_to = models.DateField(_("approved to"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                fields=["orgnr"], condition=~models.Q(orgnr=""), name="unique_institution_orgnr"
            ),
            models.UniqueConstraint(
                fields=["region_code"],
                condition=~models.Q(region_code=""),
                name="unique_institution_region_code",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def identifier(self) -> str:
        return self.orgnr or self.foreign_id or self.region_code

    @property
    def is_research_kind(self) -> bool:
        return self.kind in RESEARCH_KINDS

    def is_approved_on(self, day: date) -> bool:
        if self.kind in (InstitutionKind.OTHER,):
            return False
        if self.ceased_on and day >= self.ceased_on:
            return False
        if self.approved_from and day < self.approved_from:
            return False
        return not (self.approved_to and day > self.approved_to)

    def approval_on(self, day: date) -> Approval | None:
        """The approval in force on ``day``; the list sources win over the office's own."""
        found = [approval for approval in self.approvals.all() if approval.covers(day)]
        found.sort(key=lambda a: (SOURCE_RANK[a.source], a.valid_from))
        return found[0] if found else None

    def latest_approval(self) -> Approval | None:
        approvals = sorted(self.approvals.all(), key=lambda a: (a.valid_to or date.max, a.valid_from))
        return approvals[-1] if approvals else None


class ApprovalSource(models.TextChoices):
    NFR = "nfr", _("Research Council of Norway")
    EUROSTAT = "eurostat", _("Eurostat")
    OFFICE = "office", _("The statistics office")


SOURCE_RANK: dict[str, int] = {ApprovalSource.NFR: 0, ApprovalSource.EUROSTAT: 1, ApprovalSource.OFFICE: 2}
SOURCE_KIND = {
    ApprovalSource.NFR: InstitutionKind.RESEARCH_NFR,
    ApprovalSource.EUROSTAT: InstitutionKind.RESEARCH_EUROSTAT,
    ApprovalSource.OFFICE: InstitutionKind.RESEARCH_OFFICE,
}


class ListImport(models.Model):
    """One upload of an official list: parsed, previewed, then applied in one transaction or discarded."""

    class Status(models.TextChoices):
        PREVIEW = "preview", _("Preview")
        APPLIED = "applied", _("Applied")
        DISCARDED = "discarded", _("Discarded")

    source = models.CharField(_("list"), max_length=10, choices=ApprovalSource.choices)
    file_name = models.CharField(max_length=255)
    file_sha256 = models.CharField(max_length=64)
    file_format = models.CharField(max_length=10)
    list_date = models.DateField(_("date of the list"))
    rows = models.JSONField(default=list)  # parsed rows: {"line", "orgnr", "name", "country", "since"}
    row_errors = models.JSONField(default=list)  # [{"line", "message"}]
    columns_found = models.JSONField(default=list)
    preview_digest = models.CharField(max_length=64, blank=True)
    counts = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREVIEW)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    applied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class Approval(models.Model):
    """One period in which an institution is approved, and by whom (DOMAIN R-ELIG-1, R-ELIG-2)."""

    institution = models.ForeignKey(Institution, on_delete=models.CASCADE, related_name="approvals")
    source = models.CharField(_("source"), max_length=10, choices=ApprovalSource.choices)
    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    batch = models.ForeignKey(
        ListImport, null=True, blank=True, on_delete=models.PROTECT, related_name="approvals"
    )
    ended_by_batch = models.ForeignKey(
        ListImport, null=True, blank=True, on_delete=models.PROTECT, related_name="ended_approvals"
    )
    request = models.ForeignKey(
        "ApprovalRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="approvals"
    )
    expiry_notice_sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-valid_from", "pk"]

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class RequestStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    MORE_INFO = "more_info", _("More information requested")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


OPEN_REQUEST_STATUSES = (RequestStatus.DRAFT, RequestStatus.SUBMITTED, RequestStatus.MORE_INFO)


class ApprovalRequest(models.Model):
    """An organisation on neither list asks the office to approve it as a research institution (R-ELIG-2)."""

    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="approval_requests")
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="institution_approval_requests"
    )
    status = models.CharField(max_length=12, choices=RequestStatus.choices, default=RequestStatus.DRAFT)
    research_statement = models.TextField(_("statement of independent research"))
    rd_person_years = models.DecimalField(_("R&D person-years"), max_digits=8, decimal_places=1)
    staff_count = models.PositiveIntegerField(_("number of employees"))
    checklist = models.JSONField(default=dict, blank=True)  # item code -> bool, ticked by staff
    more_info_message = models.TextField(blank=True)
    decision_reasons = models.TextField(blank=True)
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    letter = models.FileField(upload_to="institutions/letters/", blank=True)
    letter_language = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_REQUEST_STATUSES


class ResearchProject(models.Model):
    """A project of the last three years in the approval request: funding source, amount, publication."""

    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="projects")
    title = models.CharField(_("project"), max_length=300)
    year = models.PositiveSmallIntegerField(_("year"))
    funding_source = models.CharField(_("funding source"), max_length=300)
    amount_nok = models.PositiveBigIntegerField(_("amount (NOK)"))
    published_where = models.CharField(_("where the results are published"), max_length=500)

    class Meta:
        ordering = ["-year", "pk"]


class AttachmentKind(models.TextChoices):
    # DOMAIN R-ELIG-2: the minimum a request must carry (001 §2.2.1)
    STATUTES = "statutes", _("Statutes")
    ANNUAL_REPORT = "annual_report", _("Last annual report")
    COMPANY_CERTIFICATE = "company_certificate", _("Certificate from the Register of Business Enterprises")
    RESEARCH_STATEMENT = (
        "research_statement",
        _("Statement of independent research with the last three years' projects"),
    )
    OTHER = "other", _("Other attachment")


REQUIRED_ATTACHMENTS = (
    AttachmentKind.STATUTES,
    AttachmentKind.ANNUAL_REPORT,
    AttachmentKind.COMPANY_CERTIFICATE,
    AttachmentKind.RESEARCH_STATEMENT,
)


class RequestAttachment(models.Model):
    request = models.ForeignKey(ApprovalRequest, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(max_length=30, choices=AttachmentKind.choices)
    file = models.FileField(upload_to="institutions/requests/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "uploaded_at"]


class Affiliation(models.Model):
    """A person's position at an institution (DOMAIN R-ELIG-5: supervisors need research qualifications)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="affiliations")
    institution = models.ForeignKey(Institution, on_delete=models.PROTECT, related_name="affiliations")
    position = models.CharField(_("position"), max_length=200)
    has_research_qualifications = models.BooleanField(_("holds research qualifications"), default=False)
    valid_from = models.DateField(_("from"), default=date.today)
    valid_to = models.DateField(_("to"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-valid_from", "pk"]

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day <= self.valid_to)


class FundingKind(models.TextChoices):
    # DOMAIN R-ELIG-4
    NFR = "nfr", _("Funded by the Research Council of Norway")
    RESEARCH_PROGRAMME = "programme", _("Funded by another national or international research programme")
    PUBLIC_COMMISSION = "commission", _("Commissioned by a public body under the standard research agreement")


class FundedProject(models.Model):
    """A project that gives its researchers a route without an approved institution (R-ELIG-4)."""

    title = models.CharField(_("project title"), max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="funded_projects"
    )
    institution = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="funded_projects"
    )
    funding_kind = models.CharField(_("funding"), max_length=12, choices=FundingKind.choices)
    funder_name = models.CharField(_("funder or programme"), max_length=300)
    commissioning_body = models.ForeignKey(
        Institution, null=True, blank=True, on_delete=models.PROTECT, related_name="commissioned_projects"
    )
    standard_agreement = models.BooleanField(_("uses the standard research agreement"), default=False)
    reference = models.CharField(_("grant or contract reference"), max_length=100)
    valid_from = models.DateField(_("project start"))
    valid_to = models.DateField(_("project end"))
    verified_at = models.DateTimeField(null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-valid_from", "pk"]

    def covers(self, day: date) -> bool:
        return self.valid_from <= day <= self.valid_to


STAGED_ATTACHMENT_HOURS = 24  # a kept file of an unfinished new-request form is removed after this


class StagedAttachment(models.Model):
    """A checked document from the new-request form, kept on the server while the user corrects the
    form (a browser cannot send a chosen file again after a refused form). It becomes a
    ``RequestAttachment`` when the request is made; unused ones are swept after a day."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=AttachmentKind.choices)
    file = models.FileField(upload_to="institutions/staged/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "created_at"]
