"""Preparation: the data order of a case, the engine's jobs, deliveries, third-party data, complaints.

The order is the engine's order model (``tilgang.engine.order.Order``) stored as JSON, made from the
application's approved selection and population (``orders.order_from_application``). A job runs the
engine in the worker (``tasks.py``); at most one job of an order runs at a time (a partial unique
constraint, so two officers cannot start the same order at once). The project's sealed randomness is
kept per project (``ProjectKey``) so every delivery of the project keeps its running numbers
(DOMAIN R-PSEUDO-1); a reuse is a new project with a new key (R-CASE-9).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class OrderPurpose(models.TextChoices):
    INITIAL = "initial", _("First delivery")
    CHANGE = "change", _("Project change with updated figures")


class DataOrder(models.Model):
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="data_orders"
    )
    number = models.PositiveIntegerField()  # 1, 2, … per case
    purpose = models.CharField(max_length=10, choices=OrderPurpose.choices, default=OrderPurpose.INITIAL)
    change_request = models.ForeignKey(
        "applications.ChangeRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    spec = models.JSONField()  # the engine's order (Order.to_toml_dict())
    dry_run = models.JSONField(null=True, blank=True)  # DryRunReport.to_dict() of the last dry run
    dry_run_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["application", "number"]
        constraints = [
            models.UniqueConstraint(fields=["application", "number"], name="preparation_unique_order_number")
        ]

    def __str__(self) -> str:
        return f"{self.application.case_number} #{self.number}"

    @property
    def project_id(self) -> str:
        return str(self.spec["project"]["id"])

    def latest_job(self, kind: str | None = None) -> Job | None:
        jobs = self.jobs.all()
        if kind:
            jobs = jobs.filter(kind=kind)
        return jobs.order_by("-created_at", "-pk").first()

    @property
    def extraction(self) -> Job | None:
        """The newest successful extraction (the one a delivery sends)."""
        return (
            self.jobs.filter(kind=JobKind.EXTRACT, status=JobStatus.SUCCEEDED)
            .order_by("-finished_at")
            .first()
        )


class JobKind(models.TextChoices):
    DRY_RUN = "dry_run", _("Dry run")
    EXTRACT = "extract", _("Extraction")
    REPRODUCE = "reproduce", _("Reproduction for a complaint")


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Finished")
    FAILED = "failed", _("Failed")


ACTIVE_JOB_STATES = (JobStatus.QUEUED, JobStatus.RUNNING)


class Job(models.Model):
    order = models.ForeignKey(DataOrder, on_delete=models.PROTECT, related_name="jobs")
    kind = models.CharField(max_length=10, choices=JobKind.choices)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    step = models.CharField(max_length=30, blank=True)
    fraction = models.FloatField(default=0.0)
    error = models.TextField(blank=True)  # the engine's message for the case officer
    out_dir = models.CharField(max_length=500, blank=True)
    result = models.JSONField(null=True, blank=True)
    reproduces = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="reproductions"
    )
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            # Two officers cannot run the same order at once: one queued or running job per order.
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(status__in=["queued", "running"]),
                name="preparation_one_active_job_per_order",
            )
        ]

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_JOB_STATES

    @property
    def percent(self) -> int:
        return round(self.fraction * 100)


class ProjectKey(models.Model):
    """The project's sealed randomness (sealed under the office key), shared by all its deliveries."""

    application = models.OneToOneField(
        "applications.Application", on_delete=models.PROTECT, related_name="project_key"
    )
    project_id = models.CharField(max_length=64)
    sealed = models.JSONField(null=True, blank=True)  # None once destroyed
    created_at = models.DateTimeField(default=timezone.now)
    destroyed_at = models.DateTimeField(null=True, blank=True)


class Delivery(models.Model):
    order = models.OneToOneField(DataOrder, on_delete=models.PROTECT, related_name="delivery")
    job = models.ForeignKey(Job, on_delete=models.PROTECT, related_name="+")
    package = models.ForeignKey("exchange.Package", on_delete=models.PROTECT, related_name="+")
    invoice = models.ForeignKey(
        "offers.InvoiceBasis", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    manifest_sha256 = models.CharField(max_length=64)
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    delivered_at = models.DateTimeField(default=timezone.now)
    checked_at = models.DateTimeField(null=True, blank=True)  # the researcher checked it against the order
    checked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-delivered_at"]


class LinkageMode(models.TextChoices):
    # DOMAIN R-PSEUDO-2: distributed linkage is the rule; R-PSEUDO-3/4: linked at the office otherwise.
    DISTRIBUTED = "distributed", _("Distributed linkage: the owner gets the linkage key")
    OFFICE = "office", _("Linked at the office: the owner sends its file to the office")


class ThirdPartyRequest(models.Model):
    """Data of a named third-party owner (DOMAIN R-CASE-5, R-PSEUDO-2)."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="third_party_requests"
    )
    owner = models.CharField(_("data owner"), max_length=120)
    contact = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    mode = models.CharField(_("linkage"), max_length=12, choices=LinkageMode.choices)
    table_name = models.CharField(_("delivered table"), max_length=32, blank=True)
    id_column = models.CharField(_("ID column"), max_length=64, default="FNR")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    package = models.ForeignKey(  # the file the owner sent (office linkage)
        "exchange.Package", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    file = models.ForeignKey(
        "exchange.PackageFile", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    arrived_at = models.DateTimeField(null=True, blank=True)
    key_package = models.ForeignKey(  # the linkage key sent to the owner (distributed linkage)
        "exchange.Package", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    key_sent_at = models.DateTimeField(null=True, blank=True)
    destroyed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["application", "owner"], name="preparation_one_request_per_owner")
        ]

    def __str__(self) -> str:
        return self.owner

    @property
    def awaited(self) -> bool:
        return self.mode == LinkageMode.OFFICE and self.arrived_at is None


class Complaint(models.Model):
    """A complaint about a delivery within six months (R-CASE-6), handled with the reproducible run."""

    delivery = models.ForeignKey(Delivery, on_delete=models.PROTECT, related_name="complaints")
    message = models.TextField(_("what is wrong with the delivery"))
    lodged_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    lodged_at = models.DateTimeField(default=timezone.now)
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    identical = models.BooleanField(null=True, blank=True)  # the reproduced files equal the delivered ones
    differences = models.JSONField(default=list)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-lodged_at"]
