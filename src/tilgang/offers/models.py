"""Tariffs, offers, agreements, signatures and invoice bases (DOMAIN R-CASE-3, R-CASE-4, R-CASE-7, "Price").

Money is ``Decimal`` with two places (NOK and øre) everywhere; ``pricing.py`` does the arithmetic.
A tariff that an offer used is never changed again, so an old offer keeps the prices it was made with;
the offer also keeps a JSON snapshot of its tariff.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MONEY: dict[str, Any] = {"max_digits": 12, "decimal_places": 2}
HOURS: dict[str, Any] = {"max_digits": 8, "decimal_places": 2}


class Tariff(models.Model):
    """One version of the price list, in force from ``valid_from`` to ``valid_to`` (inclusive, open-ended
    when empty). DOMAIN "Price": time is charged, not the data."""

    valid_from = models.DateField(_("valid from"))
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    hourly_rate = models.DecimalField(_("hourly rate"), **MONEY)
    outside_lists_hourly_rate = models.DecimalField(
        _("hourly rate for data outside the variable lists"), **MONEY
    )
    fdtrygd_table_price = models.DecimalField(_("fixed price per FD-Trygd table (default)"), **MONEY)
    area_price = models.DecimalField(_("fixed price per statistics area (default)"), **MONEY)
    handling_cost = models.DecimalField(_("handling cost for a change agreement"), **MONEY)
    vat_percent = models.DecimalField(
        _("VAT rate (per cent)"), max_digits=5, decimal_places=2, default=Decimal(25)
    )
    # The hours the offer proposes for the work charged by time; the case officer adjusts them.
    hours_coordination = models.DecimalField(
        _("hours: coordination, clarification, offer and agreement"), **HOURS
    )
    hours_population = models.DecimalField(_("hours: population"), **HOURS)
    hours_third_party = models.DecimalField(_("hours: third-party data intake and file preparation"), **HOURS)
    hours_archiving = models.DecimalField(_("hours: archiving, documentation and delivery"), **HOURS)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-valid_from"]

    def __str__(self) -> str:
        return f"{self.valid_from.isoformat()}–{self.valid_to.isoformat() if self.valid_to else ''}"

    @property
    def in_use(self) -> bool:
        return self.offers.exists()


class SpecificPriceKind(models.TextChoices):
    FDTRYGD = "fdtrygd", _("FD-Trygd table")
    AREA = "area", _("Statistics area")


class TariffPrice(models.Model):
    """A fixed price for one FD-Trygd table or one statistics area, overriding the tariff's default."""

    tariff = models.ForeignKey(Tariff, on_delete=models.CASCADE, related_name="prices")
    kind = models.CharField(max_length=10, choices=SpecificPriceKind.choices)
    key = models.CharField(max_length=80)  # the FD-Trygd table or the area code
    price = models.DecimalField(**MONEY)

    class Meta:
        ordering = ["kind", "key"]
        constraints = [models.UniqueConstraint(fields=["tariff", "kind", "key"], name="offers_unique_price")]


class OfferKind(models.TextChoices):
    INITIAL = "initial", _("Offer and data agreement")
    CHANGE = "change", _("Change agreement")


class OfferStatus(models.TextChoices):
    DRAFT = "draft", _("Being prepared")
    SENT = "sent", _("Sent, waiting for acceptance")
    ACCEPTED = "accepted", _("Accepted and signed")
    DECLINED = "declined", _("Declined")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class ExchangeMethod(models.TextChoices):
    # DOMAIN R-FX-5, 001 §12
    FILE_EXCHANGE = "file_exchange", _("The secure file exchange: encrypted package, password by SMS")
    DIRECT_UPLOAD = (
        "direct_upload",
        _("Direct upload to the project's secure analysis environment (e.g. TSD)"),
    )


class Offer(models.Model):
    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="offers"
    )
    kind = models.CharField(max_length=10, choices=OfferKind.choices, default=OfferKind.INITIAL)
    change_request = models.ForeignKey(
        "applications.ChangeRequest", null=True, blank=True, on_delete=models.PROTECT, related_name="offers"
    )
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.DRAFT)
    tariff = models.ForeignKey(Tariff, on_delete=models.PROTECT, related_name="offers")
    tariff_snapshot = models.JSONField(default=dict)
    language = models.CharField(max_length=2)
    delivery_date = models.DateField(_("delivery date"), null=True, blank=True)
    exchange_method = models.CharField(
        _("how the data are exchanged"),
        max_length=20,
        choices=ExchangeMethod.choices,
        default=ExchangeMethod.FILE_EXCHANGE,
    )
    exchange_details = models.TextField(_("details of the exchange (e.g. the TSD project)"), blank=True)
    special_terms = models.TextField(_("further terms of this agreement"), blank=True)
    agreement_conditions = models.JSONField(default=list)  # texts of the decision's conditions, at sending
    # Totals, fixed when the offer is sent (computed from the lines while it is a draft).
    subtotal = models.DecimalField(**MONEY, default=Decimal("0.00"))
    vat = models.DecimalField(**MONEY, default=Decimal("0.00"))
    total = models.DecimalField(**MONEY, default=Decimal("0.00"))
    document = models.FileField(upload_to="offers/%Y/", blank=True)
    document_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    due_at = models.DateTimeField(null=True, blank=True)  # DOMAIN R-CASE-4: two weeks from sending
    reminded_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)  # accepted, declined, expired or withdrawn
    decline_reason = models.TextField(blank=True)
    # The acceptance (R-CASE-4), given by the applicant.
    invoice_address = models.TextField(_("invoice address"), blank=True)
    order_reference = models.CharField(_("your order or reference number"), max_length=100, blank=True)
    signatory = models.ForeignKey(
        "applications.ProjectMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    acceptance_given_at = models.DateTimeField(null=True, blank=True)
    # The agreement as it is signed: the offer with the acceptance filled in. Its bytes are what is signed.
    agreement = models.FileField(upload_to="offers/agreements/%Y/", blank=True)
    agreement_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.application.case_number} {self.get_kind_display()} {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.status == OfferStatus.SENT

    @property
    def awaiting_signatures(self) -> bool:
        """The applicant has accepted (invoice address, reference, signatory); the signatures are left."""
        return (
            self.status == OfferStatus.SENT
            and self.kind == OfferKind.INITIAL
            and self.acceptance_given_at is not None
        )

    def status_text(self) -> str:
        if self.awaiting_signatures:
            return str(_("Accepted, waiting for signatures"))
        return self.get_status_display()

    def agreement_signature(self) -> Signature | None:
        return self.signatures.filter(kind=SignatureKind.AGREEMENT, revoked_at__isnull=True).first()


class LineItem(models.TextChoices):
    """What a line charges for (001 §11). Unknown items are refused."""

    COORDINATION = "coordination", _("Coordination, clarification, offer and agreement")
    POPULATION = "population", _("Population")
    THIRD_PARTY = "third_party", _("Third-party data intake and file preparation")
    FDTRYGD = "fdtrygd", _("Extraction and minimisation, FD-Trygd table")
    AREA = "area", _("Extraction and minimisation, statistics area")
    OUTSIDE_LISTS = "outside_lists", _("Extraction and documentation of data outside the variable lists")
    ARCHIVING = "archiving", _("Archiving, documentation and delivery")
    HANDLING = "handling", _("Handling cost of the change agreement")
    OTHER_HOURS = "other_hours", _("Other work, by time")


HOURLY_ITEMS = frozenset(
    {LineItem.COORDINATION, LineItem.POPULATION, LineItem.THIRD_PARTY, LineItem.ARCHIVING,
     LineItem.OUTSIDE_LISTS, LineItem.OTHER_HOURS}
)  # fmt: skip


class Unit(models.TextChoices):
    HOUR = "hour", _("hours")
    PIECE = "piece", _("pcs")


class OfferLine(models.Model):
    offer = models.ForeignKey(Offer, on_delete=models.CASCADE, related_name="lines")
    position = models.PositiveIntegerField(default=0)
    item = models.CharField(max_length=20, choices=LineItem.choices)
    key = models.CharField(max_length=80, blank=True)  # the FD-Trygd table or the area code
    description = models.CharField(max_length=300, blank=True)  # a line the officer added
    unit = models.CharField(max_length=10, choices=Unit.choices)
    quantity = models.DecimalField(**HOURS)
    unit_price = models.DecimalField(**MONEY)
    proposed = models.BooleanField(default=False)  # proposed by the system from the case
    proposed_quantity = models.DecimalField(**HOURS, null=True, blank=True)
    reason = models.TextField(blank=True)  # why a line was added

    class Meta:
        ordering = ["position", "pk"]

    @property
    def amount(self) -> Decimal:
        from tilgang.offers.pricing import line_amount

        return line_amount(self.quantity, self.unit_price)

    @property
    def label(self) -> str:
        base = str(LineItem(self.item).label) if self.item in LineItem.values else self.item
        if self.description:
            return f"{base}: {self.description}"
        return f"{base}: {self.key_name}" if self.key else base

    @property
    def key_name(self) -> str:
        """A statistics area by its name in the active language ("Income", "Inntekt"), not its code; an
        FD-Trygd table (or an area no longer in the catalogue) by its key."""
        if self.item == LineItem.AREA and self.key:
            from tilgang.catalog.models import StatisticsArea

            area = StatisticsArea.objects.filter(code=self.key).first()
            if area is not None:
                return area.name
        return self.key


class SignatureKind(models.TextChoices):
    AGREEMENT = "agreement", _("Agreement, signed for the institution")
    DECLARATION = "declaration", _("Non-disclosure declaration")


class SignatureMethod(models.TextChoices):
    PORTAL = "portal", _("Signed in the portal after re-authentication")
    UPLOAD = "upload", _("Signed on paper, uploaded as PDF")


class Signature(models.Model):
    """A signature on an exact document: who, when, from where, and the SHA-256 of the bytes signed."""

    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="signatures")
    kind = models.CharField(max_length=12, choices=SignatureKind.choices)
    member = models.ForeignKey("applications.ProjectMember", on_delete=models.PROTECT, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    method = models.CharField(max_length=10, choices=SignatureMethod.choices)
    signed_at = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    document_sha256 = models.CharField(max_length=64)  # the document shown and signed
    document = models.FileField(upload_to="offers/declarations/%Y/", blank=True)  # a declaration as signed
    upload = models.FileField(upload_to="offers/signed/%Y/", blank=True)
    upload_sha256 = models.CharField(max_length=64, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["signed_at", "pk"]


class InvoiceKind(models.TextChoices):
    DELIVERY = "delivery", _("Delivery")
    CHANGE = "change", _("Change agreement")


class InvoiceCounter(models.Model):
    year = models.PositiveIntegerField(unique=True)
    value = models.PositiveIntegerField(default=0)


class InvoiceBasis(models.Model):
    """What the finance system invoices: created at delivery, and for a change agreement when agreed."""

    application = models.ForeignKey(
        "applications.Application", on_delete=models.PROTECT, related_name="invoices"
    )
    offer = models.ForeignKey(Offer, on_delete=models.PROTECT, related_name="invoices")
    kind = models.CharField(max_length=10, choices=InvoiceKind.choices)
    number = models.CharField(max_length=20, unique=True)
    issue_date = models.DateField()
    due_date = models.DateField()
    case_number = models.CharField(max_length=20)
    buyer_name = models.CharField(max_length=300)
    buyer_orgnr = models.CharField(max_length=20, blank=True)
    invoice_address = models.TextField()
    order_reference = models.CharField(max_length=100)
    lines = models.JSONField(
        default=list
    )  # [{"label", "unit", "quantity", "unit_price", "amount"}] as strings
    subtotal = models.DecimalField(**MONEY)
    vat_percent = models.DecimalField(max_digits=5, decimal_places=2)
    vat = models.DecimalField(**MONEY)
    total = models.DecimalField(**MONEY)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    exported_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["offer", "kind"], name="offers_one_invoice_per_offer")]
