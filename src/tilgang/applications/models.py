"""Applications for microdata and the case that follows them, from draft to deletion (DOMAIN
"The application", "Case handling", "Conditions on the recipient").

The state of an application changes only through ``services.case_transition`` and the table in
``lifecycle.py``. Clocks are stored as ``*_due_at`` timestamps and worked by ``sweeps.py``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tilgang.applications.lifecycle import State


class StorageLocation(models.TextChoices):
    INSTITUTION = "institution", _("The institution's own secure area")
    TSD = "tsd", _("TSD (Services for sensitive data)")
    SAFE = "safe", _("SAFE")
    OTHER = "other", _("Another secure analysis environment")


class Art6Basis(models.TextChoices):
    # GDPR art. 6(1)
    CONSENT = "a", _("Art. 6(1)(a) consent")
    LEGAL_OBLIGATION = "c", _("Art. 6(1)(c) legal obligation")
    PUBLIC_INTEREST = "e", _("Art. 6(1)(e) task in the public interest or exercise of official authority")
    LEGITIMATE_INTEREST = "f", _("Art. 6(1)(f) legitimate interest")


class Art9Basis(models.TextChoices):
    # GDPR art. 9(2) for special categories (and art. 10 for criminal convictions and offences)
    NONE = "", _("No special categories")
    EXPLICIT_CONSENT = "a", _("Art. 9(2)(a) explicit consent")
    PUBLIC_INTEREST = "g", _("Art. 9(2)(g) substantial public interest")
    RESEARCH = "j", _("Art. 9(2)(j) scientific research or statistics, with national law")


class DpiaRoute(models.TextChoices):
    DPIA = "dpia", _("A data protection impact assessment (DPIA) is attached")
    NEGATIVE = "negative", _("A reasoned assessment that no DPIA is needed (negative DPIA)")
    PRE_2018 = "pre_2018", _("The project had a valid basis before 20 July 2018")


class PopulationKind(models.TextChoices):
    # 002 §4: "resident 1.1.2013" and "resident 1.1.–31.12.2012" are different populations.
    AS_OF_DATE = "as_of_date", _("Everyone who met the criteria on one date (e.g. resident on 1.1.2013)")
    PERIOD = "period", _("Everyone who met the criteria at any time in a period (e.g. resident in 2012)")
    COHORTS = "cohorts", _("Birth cohorts")
    PROJECT_LIST = "project_list", _("A list of persons supplied by the project")


class SelectionSource(models.TextChoices):
    CATALOG = "catalog", _("Chosen from the catalog")
    UPLOAD = "upload", _("Uploaded variable list")
    SCRIPT = "script", _("microdata.no script")


class ProjectRole(models.TextChoices):
    APPLICANT = "applicant", _("Applicant / project leader")
    PROJECT_MEMBER = "project_member", _("Project member")
    SIGNATORY = "signatory", _("Signatory")


class CaseCounter(models.Model):
    """The running sequence of case numbers per year (26/01234)."""

    year = models.PositiveIntegerField(unique=True)
    value = models.PositiveIntegerField(default=0)


class Application(models.Model):
    state = models.CharField(max_length=30, choices=State.choices, default=State.DRAFT, db_index=True)
    case_year = models.PositiveIntegerField(null=True, blank=True)
    case_sequence = models.PositiveIntegerField(null=True, blank=True)

    # Purpose (001 §5, R-ELIG-6)
    title = models.CharField(_("project title"), max_length=300)
    purpose = models.TextField(_("purpose"), blank=True)
    purpose_statistical = models.BooleanField(
        _("the data are used only for statistical results and analyses, including research"),
        null=True,
        blank=True,
    )
    project_description = models.TextField(_("project description"), blank=True)
    # Responsible institution and person; eligibility (R-ELIG-1…7)
    institution = models.ForeignKey(
        "institutions.Institution",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    applicant = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="applications_led"
    )
    applicant_is_student = models.BooleanField(_("the applicant is a master or PhD student"), default=False)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="supervised_applications",
    )
    supervisor_name = models.CharField(_("supervisor"), max_length=200, blank=True)
    funded_project = models.ForeignKey(
        "institutions.FundedProject",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="applications",
    )
    # Duration
    period_start = models.DateField(_("processing starts"), null=True, blank=True)
    period_end = models.DateField(_("processing ends (project end)"), null=True, blank=True)
    retention_beyond = models.BooleanField(_("data must be kept after the processing ends"), default=False)
    retention_until = models.DateField(_("kept until"), null=True, blank=True)
    retention_reason = models.TextField(_("why the data must be kept"), blank=True)
    # Population (002 §4)
    population_kind = models.CharField(
        _("population"), max_length=20, choices=PopulationKind.choices, blank=True
    )
    population_criteria = models.TextField(_("who belongs to the population"), blank=True)
    population_as_of = models.DateField(_("on this date"), null=True, blank=True)
    population_from = models.DateField(_("period from"), null=True, blank=True)
    population_to = models.DateField(_("period to"), null=True, blank=True)
    population_cohort_from = models.PositiveSmallIntegerField(_("born from year"), null=True, blank=True)
    population_cohort_to = models.PositiveSmallIntegerField(_("born to year"), null=True, blank=True)
    # Data
    data_sources = models.TextField(_("data sources and years"), blank=True)
    selection_source = models.CharField(
        max_length=10, choices=SelectionSource.choices, default=SelectionSource.CATALOG
    )
    selection_script = models.TextField(blank=True)
    selection_file_name = models.CharField(max_length=255, blank=True)
    wants_indirectly_identifiable = models.BooleanField(
        _("the project needs indirectly identifiable data (with running numbers), not anonymous data"),
        default=True,
    )
    own_data_by_consent = models.BooleanField(
        _("the project links its own data collected with consent"), default=False
    )
    # Storage
    storage_location = models.CharField(
        _("where the data are stored"), max_length=20, choices=StorageLocation.choices, blank=True
    )
    storage_details = models.TextField(_("how the data are stored and protected"), blank=True)
    # Legal basis
    gdpr_art6 = models.CharField(_("GDPR art. 6 basis"), max_length=2, choices=Art6Basis.choices, blank=True)
    gdpr_art9 = models.CharField(_("GDPR art. 9 basis"), max_length=2, choices=Art9Basis.choices, blank=True)
    legal_basis_details = models.TextField(_("the legal basis explained"), blank=True)
    dpia_route = models.CharField(
        _("data protection impact assessment"), max_length=10, choices=DpiaRoute.choices, blank=True
    )
    dpia_reason = models.TextField(
        _("why no DPIA is needed, or the GDPR basis of a pre-2018 project"), blank=True
    )
    # Linkage and third-party data (R-PSEUDO-2, R-PSEUDO-3)
    linkage = models.BooleanField(_("the data are linked with data from other sources"), default=False)
    linkage_description = models.TextField(
        _("how the linkage is done, and the variables to be linked"), blank=True
    )
    third_party_data = models.BooleanField(_("data from other data owners are included"), default=False)
    third_party_owners = models.TextField(
        _("the other data owners, and their exemptions from confidentiality"), blank=True
    )
    institution_owns_linked_data = models.BooleanField(
        _("our institution also owns data that will be linked"), default=False
    )
    key_handling_separate = models.BooleanField(
        _("linkage keys are handled by a unit independent of the researchers"), default=False
    )
    # Public bodies (001 §4, R-DATA-9)
    need_description = models.TextField(_("the need and purpose (public bodies)"), blank=True)
    safeguards_account = models.TextField(
        _("how non-statistical use of non-anonymous data is prevented (public bodies)"), blank=True
    )
    contractor_name = models.CharField(_("contractor who will receive the data"), max_length=300, blank=True)
    contractor_how = models.TextField(_("how the data are passed to the contractor"), blank=True)
    # Reuse (R-CASE-9)
    reuse_of = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reused_by",
        verbose_name=_("reuse of the dataset of an earlier project"),
    )
    # Case handling
    legal_reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_reviews",
    )
    case_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    # Clocks
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    submitted_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    appeal_due_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    complaint_due_at = models.DateTimeField(null=True, blank=True)  # R-CASE-6
    receipt_due_at = models.DateTimeField(null=True, blank=True)  # download window (R-CASE-6)
    deletion_due_at = models.DateTimeField(null=True, blank=True)  # R-CASE-8
    deletion_reminded_at = models.DateTimeField(null=True, blank=True)
    deletion_last_reminder_at = models.DateTimeField(null=True, blank=True)
    deletion_escalated_at = models.DateTimeField(null=True, blank=True)
    deletion_confirmed_at = models.DateTimeField(null=True, blank=True)
    project_end_noticed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case_year", "case_sequence"],
                condition=models.Q(case_sequence__isnull=False),
                name="unique_application_case_number",
            )
        ]

    def __str__(self) -> str:
        return f"{self.case_number} {self.title}"

    @property
    def case_number(self) -> str:
        if self.case_sequence is None or self.case_year is None:
            # A draft is not a case yet: no number, and the database id means nothing to anyone.
            return str(_("Draft"))
        return f"{self.case_year % 100:02d}/{self.case_sequence:05d}"

    @property
    def is_public_body(self) -> bool:
        return bool(self.institution and self.institution.kind == "public_body")


class ProjectMember(models.Model):
    """A person with a role in the project; each one with access signs a declaration (R-CASE-4)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="project_memberships",
    )
    full_name = models.CharField(_("full name"), max_length=200)
    email = models.EmailField(_("e-mail address"))
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField(_("role"), max_length=20, choices=ProjectRole.choices)
    declaration_signed_at = models.DateTimeField(null=True, blank=True)
    change_request = models.ForeignKey(
        "ChangeRequest", null=True, blank=True, on_delete=models.SET_NULL, related_name="new_members"
    )
    added_at = models.DateTimeField(default=timezone.now)
    removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["role", "full_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "email", "role"],
                condition=models.Q(removed_at__isnull=True),
                name="unique_member_role",
            )
        ]

    def __str__(self) -> str:
        return self.full_name


class SelectedVariable(models.Model):
    """One variable of the selection, with its years and, for especially identifying ones, why."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="variables")
    variable = models.ForeignKey("catalog.Variable", on_delete=models.PROTECT, related_name="+")
    years = models.JSONField(default=list)  # empty: every year available
    justification = models.TextField(_("why this especially identifying variable is needed"), blank=True)

    class Meta:
        ordering = ["variable__position", "variable__name"]
        constraints = [
            models.UniqueConstraint(fields=["application", "variable"], name="unique_selected_variable")
        ]


class AttachmentKind(models.TextChoices):
    PROJECT_DESCRIPTION = "project_description", _("Project description or research protocol")
    VARIABLE_LIST = "variable_list", _("Variable list")
    DPIA = "dpia", _("Data protection impact assessment (DPIA) or negative DPIA")
    PERMIT_DPO = "permit_dpo", _("Recommendation from the data protection officer")
    PERMIT_DPA = "permit_dpa", _("Licence from the Data Protection Authority")
    PERMIT_REC = "permit_rec", _("Advance approval from REC")
    EXEMPTION = "exemption", _("Exemption from confidentiality from another data owner")
    CONSENT = "consent", _("Information letter and consent form")
    DECLARATION = "declaration", _("Signed non-disclosure declaration")
    OTHER = "other", _("Other")


PERMIT_KINDS = (AttachmentKind.PERMIT_DPO, AttachmentKind.PERMIT_DPA, AttachmentKind.PERMIT_REC)


class ScanStatus(models.TextChoices):
    CLEAN = "clean", _("No threats found")
    NOT_SCANNED = "not_scanned", _("Not scanned")


class Attachment(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    kind = models.CharField(_("kind"), max_length=30, choices=AttachmentKind.choices)
    file = models.FileField(upload_to="applications/attachments/%Y/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    scan_status = models.CharField(max_length=12, choices=ScanStatus.choices, default=ScanStatus.NOT_SCANNED)
    member = models.ForeignKey(
        ProjectMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "uploaded_at"]


class MessageKind(models.TextChoices):
    MESSAGE = "message", _("Message")
    COMPLETION_REQUEST = "completion", _("Request for completion")
    COMPLAINT = "complaint", _("Complaint about the delivery")


class Message(models.Model):
    """Between the applicant and the office; never internal notes."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="messages")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_staff = models.BooleanField(default=False)
    kind = models.CharField(max_length=12, choices=MessageKind.choices, default=MessageKind.MESSAGE)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]


class InternalNote(models.Model):
    """Staff only; never shown to applicants or members."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]


class DecisionKind(models.TextChoices):
    ACCESS = "access", _("Access")
    REFUSAL = "refusal", _("Refusal")


class StandardCondition(models.TextChoices):
    # DOMAIN "Conditions on the recipient" (001 §7)
    PURPOSE = "purpose", _("The data are used only for the stated purpose and within this decision.")
    SECURITY = (
        "security",
        _(
            "Access control, logging and after-the-fact control protect the data; no storage on mobile or local devices."
        ),
    )
    NEED_TO_KNOW = (
        "need_to_know",
        _(
            "Only people who need the data for their work get access, each informed of the duty of confidentiality first."
        ),
    )
    LIST_ON_REQUEST = "list_on_request", _("A complete list of the people with access is given on request.")
    NO_REIDENTIFICATION = "no_reidentification", _("No one may re-identify or try to re-identify a unit.")
    ANONYMOUS_RESULTS = (
        "anonymous_results",
        _("Results are published only in anonymous form, citing Statistics Norway as the source."),
    )
    FINAL_REPORT = (
        "final_report",
        _("The final report is published within a reasonable time after the project ends."),
    )
    CONFIRM_DELETION = (
        "confirm_deletion",
        _("The data, copies and printouts are deleted by the deadline, and the deletion is confirmed."),
    )


class Decision(models.Model):
    """The decision (vedtak) under the Public Administration Act, appealable to the Ministry of Finance
    (R-CASE-2)."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="decisions")
    kind = models.CharField(max_length=10, choices=DecisionKind.choices)
    standard_conditions = models.JSONField(default=list)
    specific_conditions = models.TextField(_("conditions for this case"), blank=True)
    reasons = models.TextField(_("reasons"), blank=True)
    deletion_deadline = models.DateField(_("deletion deadline"), null=True, blank=True)
    language = models.CharField(max_length=2)
    letter = models.FileField(upload_to="applications/decisions/%Y/", blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-decided_at", "-pk"]

    def condition_texts(self) -> list[str]:
        labels = dict(StandardCondition.choices)
        return [str(labels[code]) for code in self.standard_conditions if code in labels]


class AppealOutcome(models.TextChoices):
    PENDING = "", _("Pending")
    UPHELD = "upheld", _("Refusal upheld")
    REVERSED = "reversed", _("Refusal reversed")


class Appeal(models.Model):
    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="appeals")
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="appeals")
    grounds = models.TextField(_("grounds for the appeal"))
    lodged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    lodged_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=AppealOutcome.choices, blank=True)
    outcome_reasons = models.TextField(blank=True)
    outcome_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-lodged_at"]


class ChangeKind(models.TextChoices):
    # R-CASE-7
    NEW_MEMBERS = "new_members", _("New project members")
    UPDATED_FIGURES = "updated_figures", _("Updated figures")
    EXTENDED_PERIOD = "extended_period", _("Extended project period")


class ChangeStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    AGREED = "agreed", _("Change agreement issued")
    SIGNED = "signed", _("Change agreement signed")
    REFUSED = "refused", _("Refused")


class ChangeRequest(models.Model):
    """A project change (R-CASE-7), ending in a change agreement with a handling cost."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="changes")
    kinds = models.JSONField(default=list)
    description = models.TextField(_("what changes"))
    new_period_end = models.DateField(_("new project end"), null=True, blank=True)
    status = models.CharField(max_length=10, choices=ChangeStatus.choices, default=ChangeStatus.REQUESTED)
    handling_cost_nok = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)  # offers
    reasons = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]


class BreachConsequence(models.TextChoices):
    WARNING = "warning", _("Warning")
    NEW_CONDITIONS = "new_conditions", _("New conditions")
    DELETION_DEMANDED = "deletion_demanded", _("Deletion demanded")


class Breach(models.Model):
    """A breach of the conditions (R-CASE-10); counts in later applications by the same people and
    institution."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="breaches")
    description = models.TextField(_("what happened"))
    occurred_on = models.DateField(_("when it happened"))
    consequence = models.CharField(_("consequence"), max_length=20, choices=BreachConsequence.choices)
    new_conditions = models.TextField(_("new conditions"), blank=True)
    people = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    institution = models.ForeignKey(
        "institutions.Institution", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at"]


class CaseEvent(models.Model):
    """The case history as shown to staff (and, without internal commands, to the applicant); the
    tamper-evident record is the audit chain."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    command = models.CharField(max_length=40)
    from_state = models.CharField(max_length=30)
    to_state = models.CharField(max_length=30)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    @property
    def command_label(self) -> str:
        from tilgang.applications.lifecycle import Command

        return str(Command(self.command).label) if self.command in Command.values else self.command

    @property
    def from_label(self) -> str:
        return str(State(self.from_state).label) if self.from_state in State.values else self.from_state

    @property
    def to_label(self) -> str:
        return str(State(self.to_state).label) if self.to_state in State.values else self.to_state
