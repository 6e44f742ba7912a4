"""Every write on tariffs, offers, signatures and invoice bases; each one transaction with its audit event.

The case moves only through ``applications.services.case_transition``: ``send_offer`` when an offer is
sent, ``accept_offer`` and ``sign_agreement`` when the acceptance is complete, ``expire_offer`` when it
lapses or is declined, ``agree_change`` / ``sign_change_agreement`` for a change agreement.

The acceptance (DOMAIN R-CASE-4) is complete when, before the deadline, the applicant has given the invoice
address, the order reference and the signatory; every project member has signed the non-disclosure
declaration; and the named signatory has signed the agreement (in the portal after re-authentication, or
by an uploaded signed PDF). The signatory signs last: signing is refused while anything else is missing.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from tilgang.accounts.models import User
from tilgang.applications.lifecycle import CaseRole, Command, Refusal, State
from tilgang.applications.models import (
    Application,
    ChangeStatus,
    DecisionKind,
    ProjectMember,
    ProjectRole,
)
from tilgang.applications.services import case_roles, case_transition
from tilgang.audit.services import audit_record
from tilgang.core.middleware import current_ip
from tilgang.core.roles import Role
from tilgang.notify.services import email_send
from tilgang.offers import documents, pricing
from tilgang.offers.models import (
    ExchangeMethod,
    InvoiceBasis,
    InvoiceCounter,
    InvoiceKind,
    LineItem,
    Offer,
    OfferKind,
    OfferLine,
    OfferStatus,
    Signature,
    SignatureKind,
    SignatureMethod,
    SpecificPriceKind,
    Tariff,
    TariffPrice,
)

ACCEPTANCE_PERIOD = timedelta(days=14)  # DOMAIN R-CASE-4
REMINDER_BEFORE = timedelta(days=3)
INVOICE_DUE_DAYS = 30
DEFAULT_DELIVERY_WEEKS = 8
MAX_HOURS = Decimal("10000")


class OfferError(Refusal):
    """A refused action on a tariff, an offer or an invoice; the message is translated and safe to show."""


def _money(value: Any, label: str) -> Decimal:
    try:
        amount = pricing.to_decimal(value)
    except pricing.PriceError as error:
        raise OfferError(f"{label}: {error}") from error
    if amount < 0:
        raise OfferError(_("%(label)s cannot be negative.") % {"label": label})
    if amount != amount.quantize(pricing.ORE):
        raise OfferError(_("%(label)s has more than two decimals.") % {"label": label})
    if amount >= Decimal("1e10"):
        raise OfferError(_("%(label)s is too large.") % {"label": label})
    return amount


def _hours(value: Any) -> Decimal:
    try:
        quantity = pricing.to_decimal(value)
    except pricing.PriceError as error:
        raise OfferError(str(error)) from error
    if quantity < 0:
        raise OfferError(_("The quantity cannot be negative."))
    if quantity != quantity.quantize(pricing.ORE) or quantity > MAX_HOURS:
        raise OfferError(_("Give the quantity with at most two decimals, and below 10 000."))
    return quantity


def _notify(user: User | None, template: str, offer: Offer, **context: Any) -> None:
    if user is None:
        return
    email_send(
        to=user.email,
        template=template,
        context={"offer": offer, "application": offer.application, "user": user,
                 "link": f"/tilbud/{offer.pk}/", **context},
        language=user.language,
    )  # fmt: skip


def _journal(offer: Offer, *, actor: User | None, doc_type: str, title: str, file=None) -> None:
    """The outgoing offer and the signed agreement go in the public journal, screened (Offl. § 13)."""
    application = offer.application
    try:
        from tilgang.inquiries.services import journal_record
    except ImportError:  # pragma: no cover - the journal is part of the product
        return
    journal_record(
        actor=actor,
        case_number=application.case_number,
        doc_type=doc_type,
        title=title,
        party=application.institution.name if application.institution else "",
        document_date=timezone.localdate(),
        screened=True,
        legal_reference="Offl. § 13, jf. statistikkloven § 7",
        document_file=file,
    )


# --- tariffs ----------------------------------------------------------------------------------------

TARIFF_MONEY_FIELDS = {
    "hourly_rate": _("Hourly rate"),
    "outside_lists_hourly_rate": _("Hourly rate for data outside the variable lists"),
    "fdtrygd_table_price": _("Price per FD-Trygd table"),
    "area_price": _("Price per statistics area"),
    "handling_cost": _("Handling cost"),
}
TARIFF_HOUR_FIELDS = ("hours_coordination", "hours_population", "hours_third_party", "hours_archiving")


def tariff_in_force(day: date | None = None) -> Tariff | None:
    day = day or timezone.localdate()
    return (
        Tariff.objects.filter(valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=day))
        .order_by("-valid_from")
        .first()
    )


def _admin_guard(actor: User | None) -> None:
    if actor is not None and not actor.has_role(Role.ADMINISTRATOR):
        raise OfferError(_("Only an administrator can maintain the tariff."))


def _tariff_values(fields: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, label in TARIFF_MONEY_FIELDS.items():
        if name in fields:
            values[name] = _money(fields[name], str(label))
    for name in TARIFF_HOUR_FIELDS:
        if name in fields:
            values[name] = _hours(fields[name])
    if "vat_percent" in fields:
        vat = _money(fields["vat_percent"], _("VAT rate"))
        if vat > 100:
            raise OfferError(_("The VAT rate is a percentage between 0 and 100."))
        values["vat_percent"] = vat
    if "note" in fields:
        values["note"] = str(fields["note"] or "").strip()[:300]
    unknown = set(fields) - set(TARIFF_MONEY_FIELDS) - set(TARIFF_HOUR_FIELDS) - {"vat_percent", "note"}
    if unknown:
        raise OfferError(_("Unknown tariff items: %(items)s.") % {"items": ", ".join(sorted(unknown))})
    return values


def _prices_set(tariff: Tariff, prices: list[dict[str, Any]]) -> None:
    for entry in prices:
        kind, key = str(entry.get("kind") or ""), str(entry.get("key") or "").strip()
        if kind not in SpecificPriceKind.values:
            raise OfferError(
                _(
                    "Unknown tariff item “%(item)s”: a fixed price is for an FD-Trygd table or a statistics area."
                )
                % {"item": kind}
            )
        if not key:
            raise OfferError(_("Name the FD-Trygd table or the statistics area of each fixed price."))
        price = _money(entry.get("price"), key)
        TariffPrice.objects.update_or_create(tariff=tariff, kind=kind, key=key, defaults={"price": price})


@transaction.atomic
def tariff_create(
    *,
    actor: User | None,
    valid_from: date,
    valid_to: date | None = None,
    prices: list[dict[str, Any]] | None = None,
    **fields: Any,
) -> Tariff:
    """A new version of the tariff from ``valid_from``; the version before it ends the day before."""
    _admin_guard(actor)
    values = _tariff_values(fields)
    missing = [name for name in (*TARIFF_MONEY_FIELDS, *TARIFF_HOUR_FIELDS) if name not in values]
    if missing:
        raise OfferError(_("The tariff needs every item: missing %(items)s.") % {"items": ", ".join(missing)})
    if valid_to is not None and valid_to < valid_from:
        raise OfferError(_("The tariff cannot end before it starts."))
    latest = Tariff.objects.select_for_update().order_by("-valid_from").first()
    if latest is not None:
        if valid_from <= latest.valid_from:
            raise OfferError(
                _("A new tariff must start after %(day)s, when the latest one starts.")
                % {"day": latest.valid_from.isoformat()}
            )
        if latest.valid_to is None or latest.valid_to >= valid_from:
            latest.valid_to = valid_from - timedelta(days=1)
            latest.save(update_fields=["valid_to"])
    tariff = Tariff.objects.create(valid_from=valid_from, valid_to=valid_to, created_by=actor, **values)
    _prices_set(tariff, prices or [])
    audit_record(actor=actor, action="offers.tariff.created", obj=tariff,
                 payload={"previous": latest.pk if latest else None})  # fmt: skip
    return tariff


@transaction.atomic
def tariff_update(
    *, actor: User | None, tariff: Tariff, prices: list[dict[str, Any]] | None = None, **fields: Any
) -> Tariff:
    """Change a tariff no offer has used yet; a used tariff stays as it was (old offers keep their prices)."""
    _admin_guard(actor)
    tariff = Tariff.objects.select_for_update().get(pk=tariff.pk)
    if tariff.in_use:
        raise OfferError(
            _(
                "Offers have been made with this tariff, so it cannot change. Add a new tariff from a later date."
            )
        )
    valid_to = fields.pop("valid_to", tariff.valid_to)
    values = _tariff_values(fields)
    if valid_to is not None and valid_to < tariff.valid_from:
        raise OfferError(_("The tariff cannot end before it starts."))
    for name, value in values.items():
        setattr(tariff, name, value)
    tariff.valid_to = valid_to
    tariff.save()
    _prices_set(tariff, prices or [])
    audit_record(actor=actor, action="offers.tariff.updated", obj=tariff,
                 payload={"fields": sorted([*values, "valid_to"]), "prices": len(prices or [])})  # fmt: skip
    return tariff


# --- building an offer --------------------------------------------------------------------------------


def _officer_guard(actor: User | None, application: Application) -> None:
    if actor is None:
        return
    if CaseRole.CASE_OFFICER not in case_roles(user=actor, application=application):
        raise OfferError(_("Only the case officer of the case can prepare and send its offers."))


def _draft_guard(offer: Offer) -> None:
    if offer.status != OfferStatus.DRAFT:
        raise OfferError(_("The offer has been sent and can no longer be changed. Nothing was changed."))


def _locked(offer: Offer) -> Offer:
    return Offer.objects.select_for_update().select_related("application", "tariff").get(pk=offer.pk)


def _recompute(offer: Offer) -> None:
    result = pricing.totals((line.amount for line in offer.lines.all()), offer.tariff.vat_percent)
    offer.subtotal, offer.vat, offer.total = result.subtotal, result.vat, result.total
    offer.save(update_fields=["subtotal", "vat", "total"])


def _add_lines(offer: Offer, proposed: list[pricing.ProposedLine]) -> None:
    for position, line in enumerate(proposed, start=1):
        OfferLine.objects.create(
            offer=offer, position=position * 10, item=line.item, key=line.key, unit=line.unit,
            quantity=line.quantity, unit_price=line.unit_price, proposed=True, proposed_quantity=line.quantity,
        )  # fmt: skip


def _previous_acceptance(application: Application) -> Offer | None:
    return (
        Offer.objects.filter(application=application)
        .filter(status=OfferStatus.ACCEPTED)
        .exclude(invoice_address="")
        .first()
    )


@transaction.atomic
def offer_create(*, actor: User | None, application: Application, kind: str = OfferKind.INITIAL) -> Offer:
    """The case officer starts an offer; the system proposes its lines from the case."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    _officer_guard(actor, application)
    if kind not in OfferKind.values:
        raise OfferError(_("An offer is an offer with a data agreement, or a change agreement."))
    change = None
    if kind == OfferKind.INITIAL:
        # DOMAIN R-CASE-3: an offer with a price only once every access condition is met: the decision.
        if (
            application.state not in (State.ACCESS_GRANTED, State.OFFER_EXPIRED)
            or not application.decisions.filter(kind=DecisionKind.ACCESS).exists()
        ):
            raise OfferError(
                _("An offer can be made only once access has been granted (the legal review passed and the "
                  "decision made). The case is “%(state)s”.") % {"state": State(application.state).label}
            )  # fmt: skip
    else:
        change = application.changes.filter(status=ChangeStatus.REQUESTED).first()
        if application.state != State.CHANGE_REQUESTED or change is None:
            raise OfferError(_("A change agreement needs a project change that has been requested."))
    if (
        Offer.objects.filter(application=application)
        .filter(kind=kind, status__in=[OfferStatus.DRAFT, OfferStatus.SENT])
        .exists()
    ):
        raise OfferError(_("The case already has an offer being prepared or waiting for acceptance."))
    tariff = tariff_in_force()
    if tariff is None:
        raise OfferError(_("No tariff is in force today. An administrator must add one first."))
    previous = _previous_acceptance(application)
    offer = Offer.objects.create(
        application=application,
        kind=kind,
        change_request=change,
        tariff=tariff,
        tariff_snapshot=pricing.tariff_snapshot(tariff),
        language=application.applicant.language,
        delivery_date=timezone.localdate() + timedelta(weeks=DEFAULT_DELIVERY_WEEKS)
        if kind == OfferKind.INITIAL else None,
        exchange_method=ExchangeMethod.DIRECT_UPLOAD if application.storage_location == "tsd"
        else ExchangeMethod.FILE_EXCHANGE,
        created_by=actor,
        # A change agreement is invoiced like the agreement it changes.
        invoice_address=previous.invoice_address if previous and kind == OfferKind.CHANGE else "",
        order_reference=previous.order_reference if previous and kind == OfferKind.CHANGE else "",
    )  # fmt: skip
    proposed = (
        pricing.proposal(tariff, application)
        if kind == OfferKind.INITIAL
        else pricing.change_proposal(tariff)
    )
    _add_lines(offer, proposed)
    _recompute(offer)
    audit_record(actor=actor, action="offers.offer.created", obj=offer,
                 payload={"application": application.pk, "kind": kind, "tariff": tariff.pk})  # fmt: skip
    return offer


@transaction.atomic
def offer_update(*, actor: User | None, offer: Offer, **fields: Any) -> Offer:
    offer = _locked(offer)
    _officer_guard(actor, offer.application)
    _draft_guard(offer)
    allowed = {"delivery_date", "exchange_method", "exchange_details", "special_terms", "invoice_address",
               "order_reference"}  # fmt: skip
    unknown = set(fields) - allowed
    if unknown:
        raise OfferError(
            _("These fields cannot be changed: %(fields)s.") % {"fields": ", ".join(sorted(unknown))}
        )
    if "delivery_date" in fields:
        day = fields["delivery_date"]
        if day is not None and not isinstance(day, date):
            try:
                day = date.fromisoformat(str(day))
            except ValueError as error:
                raise OfferError(_("Give the delivery date as a date.")) from error
        if day is not None and day <= timezone.localdate():
            raise OfferError(_("The delivery date must be in the future."))
        offer.delivery_date = day
    if "exchange_method" in fields:
        if fields["exchange_method"] not in ExchangeMethod.values:
            raise OfferError(
                _("Choose the secure file exchange or direct upload to a secure analysis environment.")
            )
        offer.exchange_method = fields["exchange_method"]
    for name in ("exchange_details", "special_terms", "invoice_address", "order_reference"):
        if name in fields:
            setattr(
                offer, name, str(fields[name] or "").strip()[: 100 if name == "order_reference" else 5000]
            )
    offer.save()
    audit_record(actor=actor, action="offers.offer.updated", obj=offer, payload={"fields": sorted(fields)})
    return offer


@transaction.atomic
def offer_line_set(*, actor: User | None, offer: Offer, line_id: int, quantity: Any) -> OfferLine:
    """The case officer adjusts the hours (or the count) of a line."""
    offer = _locked(offer)
    _officer_guard(actor, offer.application)
    _draft_guard(offer)
    line = offer.lines.filter(pk=line_id).first()
    if line is None:
        raise OfferError(_("That line is not on this offer."))
    new = _hours(quantity)
    old = line.quantity
    line.quantity = new
    line.save(update_fields=["quantity"])
    _recompute(offer)
    audit_record(actor=actor, action="offers.line.adjusted", obj=offer,
                 payload={"line": line.pk, "from": str(old), "to": str(new)})  # fmt: skip
    return line


@transaction.atomic
def offer_line_add(
    *,
    actor: User | None,
    offer: Offer,
    item: str,
    quantity: Any,
    reason: str,
    key: str = "",
    description: str = "",
) -> OfferLine:
    """A line the officer adds, priced from the offer's tariff, with the reason for it."""
    offer = _locked(offer)
    _officer_guard(actor, offer.application)
    _draft_guard(offer)
    item, key = str(item or "").strip(), str(key or "").strip()
    try:
        unit, unit_price = pricing.unit_price_for(offer.tariff, item, key)
    except pricing.PriceError as error:
        raise OfferError(str(error)) from error
    if item in (LineItem.FDTRYGD, LineItem.AREA) and not key:
        raise OfferError(_("Name the FD-Trygd table or the statistics area of the line."))
    reason = str(reason or "").strip()
    if not reason:
        raise OfferError(_("Give the reason for the added line."))
    amount = _hours(quantity)
    last = offer.lines.order_by("-position").first()
    line = OfferLine.objects.create(
        offer=offer, position=(last.position if last else 0) + 10, item=item, key=key[:80],
        description=str(description or "").strip()[:300], unit=unit, quantity=amount, unit_price=unit_price,
        reason=reason,
    )  # fmt: skip
    _recompute(offer)
    audit_record(actor=actor, action="offers.line.added", obj=offer, payload={"line": line.pk, "item": item})
    return line


@transaction.atomic
def offer_line_remove(*, actor: User | None, offer: Offer, line_id: int) -> None:
    offer = _locked(offer)
    _officer_guard(actor, offer.application)
    _draft_guard(offer)
    line = offer.lines.filter(pk=line_id).first()
    if line is None:
        raise OfferError(_("That line is not on this offer."))
    audit_record(
        actor=actor, action="offers.line.removed", obj=offer, payload={"line": line.pk, "item": line.item}
    )
    line.delete()
    _recompute(offer)


@transaction.atomic
def offer_discard(*, actor: User | None, offer: Offer) -> Offer:
    """Withdraw an offer that has not been sent."""
    offer = _locked(offer)
    _officer_guard(actor, offer.application)
    _draft_guard(offer)
    offer.status, offer.closed_at = OfferStatus.WITHDRAWN, timezone.now()
    offer.save(update_fields=["status", "closed_at"])
    audit_record(actor=actor, action="offers.offer.withdrawn", obj=offer)
    return offer


@transaction.atomic
def offer_send(*, actor: User | None, offer: Offer) -> Offer:
    """Send the offer: the PDF in the applicant's language, the journal, the e-mail, the case moves and the
    two-week clock starts (R-CASE-3, R-CASE-4). A change agreement is issued with its handling cost (R-CASE-7)."""
    offer = _locked(offer)
    application = offer.application
    _officer_guard(actor, application)
    _draft_guard(offer)
    if not offer.lines.exists():
        raise OfferError(_("The offer has no price lines."))
    if offer.kind == OfferKind.INITIAL and offer.delivery_date is None:
        raise OfferError(_("Give the delivery date."))
    if (
        offer.kind == OfferKind.INITIAL
        and offer.delivery_date
        and offer.delivery_date <= timezone.localdate()
    ):
        raise OfferError(_("The delivery date must be in the future."))
    now = timezone.now()
    _recompute(offer)
    decision = application.decisions.filter(kind=DecisionKind.ACCESS).first()
    with translation.override(offer.language):
        offer.agreement_conditions = decision.condition_texts() if decision else []
    offer.status, offer.sent_at, offer.due_at = OfferStatus.SENT, now, now + ACCEPTANCE_PERIOD
    pdf = documents.offer_pdf(offer)
    offer.document.save(f"tilbud-{application.pk}-{offer.pk}.pdf", ContentFile(pdf), save=False)
    offer.document_sha256 = documents.sha256(pdf)
    offer.save()
    if offer.kind == OfferKind.INITIAL:
        case_transition(actor=actor, application=application, command=Command.SEND_OFFER)
        title = _("Offer and data agreement")
    else:
        case_transition(actor=actor, application=application, command=Command.AGREE_CHANGE,
                        handling_cost_nok=offer.subtotal)  # fmt: skip
        title = _("Change agreement")
    _journal(offer, actor=actor, doc_type="U", title=title, file=offer.document)
    audit_record(actor=actor, action="offers.offer.sent", obj=offer,
                 payload={"application": application.pk, "total": str(offer.total),
                          "sha256": offer.document_sha256})  # fmt: skip
    _notify(application.applicant, "offer_sent", offer, total=pricing.format_nok(offer.total, application.applicant.language),
            due=_due_text(offer, application.applicant))  # fmt: skip
    if offer.kind == OfferKind.CHANGE:
        # R-CASE-7: the handling cost is invoiced when the change is agreed.
        invoice_basis_create(actor=actor, application=application, kind=InvoiceKind.CHANGE)
    return offer


def _due_text(offer: Offer, user: User) -> str:
    if offer.due_at is None:
        return ""
    with translation.override(user.language):
        return date_format(timezone.localtime(offer.due_at), "DATETIME_FORMAT")


# --- acceptance and signatures --------------------------------------------------------------------------


def _open_guard(offer: Offer, now: datetime | None = None) -> None:
    now = now or timezone.now()
    if offer.status != OfferStatus.SENT:
        raise OfferError(
            _("The offer is “%(status)s” and can no longer be accepted or signed.")
            % {"status": offer.get_status_display()}
        )
    # DOMAIN R-CASE-4: accepted within two weeks; after the deadline the offer lapses.
    if offer.kind == OfferKind.INITIAL and offer.due_at is not None and now > offer.due_at:
        raise OfferError(
            _("The deadline for accepting the offer passed on %(day)s. Ask the case officer for a new offer.")
            % {"day": date_format(timezone.localtime(offer.due_at), "DATETIME_FORMAT")}
        )


def _mine(application: Application, user: User):
    return application.members.filter(removed_at__isnull=True).filter(
        Q(user=user) | Q(user__isnull=True, email=user.email)
    )


def _member_user(member: ProjectMember) -> User | None:
    return member.user or User.objects.filter(email=member.email, is_active=True).first()


@transaction.atomic
def offer_accept(
    *, actor: User, offer: Offer, invoice_address: str, order_reference: str, signatory_id: int | None
) -> Offer:
    """The applicant gives the invoice address, the order reference and names who signs (R-CASE-4); the
    agreement to sign is made from the offer with these filled in."""
    offer = _locked(offer)
    application = offer.application
    if CaseRole.APPLICANT not in case_roles(user=actor, application=application):
        raise OfferError(_("Only the applicant can accept the offer."))
    if offer.kind != OfferKind.INITIAL:
        raise OfferError(_("A change agreement is signed by the signatory; it needs no acceptance."))
    _open_guard(offer)
    if offer.agreement_signature() is not None:
        raise OfferError(_("The agreement has already been signed; the acceptance cannot change."))
    invoice_address, order_reference = (invoice_address or "").strip(), (order_reference or "").strip()
    if not invoice_address:
        raise OfferError(_("Give the invoice address."))
    if not order_reference:
        raise OfferError(_("Give your institution's order or reference number."))
    if len(order_reference) > 100:
        raise OfferError(_("The order or reference number can be at most 100 characters."))
    signatory = application.members.filter(
        pk=signatory_id or 0, role=ProjectRole.SIGNATORY, removed_at__isnull=True
    ).first()
    if signatory is None:
        raise OfferError(
            _("Choose the signatory: a person on the project who is authorised to bind the institution.")
        )
    offer.invoice_address, offer.order_reference, offer.signatory = (
        invoice_address[:2000],
        order_reference,
        signatory,
    )
    offer.accepted_by, offer.acceptance_given_at = actor, timezone.now()
    pdf = documents.offer_pdf(offer, agreement=True)
    offer.agreement.save(f"avtale-{application.pk}-{offer.pk}.pdf", ContentFile(pdf), save=False)
    offer.agreement_sha256 = documents.sha256(pdf)
    offer.save()
    audit_record(actor=actor, action="offers.offer.acceptance_given", obj=offer,
                 payload={"signatory": signatory.pk, "sha256": offer.agreement_sha256})  # fmt: skip
    if application.state == State.OFFER_SENT:  # a changed acceptance keeps the case where it is
        case_transition(actor=actor, application=application, command=Command.ACCEPT_OFFER)
    signer = _member_user(signatory)
    if signer is not None:
        _notify(signer, "offer_sign", offer, due=_due_text(offer, signer))
    for member in application.members.filter(removed_at__isnull=True, declaration_signed_at__isnull=True):
        person = _member_user(member)
        if member.pk != signatory.pk and person is not None and person.pk != actor.pk:
            _notify(person, "offer_declaration", offer, due=_due_text(offer, person))
    return offer


def _readiness_guard(offer: Offer) -> None:
    if offer.kind == OfferKind.INITIAL and not offer.agreement_sha256:
        raise OfferError(
            _(
                "The applicant must first accept the offer with the invoice address, order reference and signatory."
            )
        )
    if offer.agreement_signature() is not None:
        raise OfferError(_("The agreement has already been signed."))
    members = offer.application.members.filter(removed_at__isnull=True, declaration_signed_at__isnull=True)
    if offer.kind == OfferKind.CHANGE and offer.change_request_id:
        members = members.filter(change_request_id=offer.change_request_id)
    if members.exists():
        # DOMAIN R-CASE-4: every project member signs the non-disclosure declaration.
        raise OfferError(
            _("Every project member must sign the non-disclosure declaration before the agreement is signed. "
              "Missing: %(names)s.") % {"names": ", ".join(m.full_name for m in members)}
        )  # fmt: skip


def _signatory_for(offer: Offer) -> ProjectMember | None:
    if offer.kind == OfferKind.INITIAL:
        return offer.signatory
    return offer.application.members.filter(role=ProjectRole.SIGNATORY, removed_at__isnull=True).first()


def _is_signatory(user: User, member: ProjectMember | None) -> bool:
    if member is None:
        return False
    return member.user_id == user.pk or (member.user_id is None and member.email == user.email)


@transaction.atomic
def offer_sign(*, actor: User, offer: Offer, document_sha256: str) -> Signature:
    """The named signatory signs the exact agreement shown (its SHA-256), after re-authentication, which
    the portal view and the API check before calling this."""
    offer = _locked(offer)
    _open_guard(offer)
    if offer.kind == OfferKind.INITIAL and not offer.agreement_sha256:
        _readiness_guard(offer)
    member = _signatory_for(offer)
    if not _is_signatory(actor, member):
        raise OfferError(
            _("Only %(name)s, named as the signatory, can sign this agreement.")
            % {"name": member.full_name if member else _("the signatory")}
        )
    _readiness_guard(offer)
    assert member is not None
    expected = offer.agreement_sha256 if offer.kind == OfferKind.INITIAL else offer.document_sha256
    if (document_sha256 or "").strip().lower() != expected:
        raise OfferError(_("The agreement has changed since you opened it. Read it again, then sign."))
    signature = Signature.objects.create(
        offer=offer, kind=SignatureKind.AGREEMENT, member=member, user=actor, method=SignatureMethod.PORTAL,
        ip=current_ip.get(), document_sha256=expected,
    )  # fmt: skip
    audit_record(actor=actor, action="offers.agreement.signed", obj=offer,
                 payload={"signature": signature.pk, "sha256": expected, "method": "portal"})  # fmt: skip
    _complete(offer, actor=actor)
    return signature


@transaction.atomic
def offer_sign_upload(*, actor: User, offer: Offer, file: Any, name: str) -> Signature:
    """The fallback: the agreement signed on paper by the signatory, uploaded as PDF by the applicant or
    the signatory."""
    from tilgang.institutions.uploads import UploadError, validate_document

    offer = _locked(offer)
    _open_guard(offer)
    roles = case_roles(user=actor, application=offer.application)
    member = _signatory_for(offer)
    if CaseRole.APPLICANT not in roles and not _is_signatory(actor, member):
        raise OfferError(_("Only the applicant or the signatory can upload the signed agreement."))
    _readiness_guard(offer)
    if member is None:
        raise OfferError(_("The project has no signatory."))
    try:
        checked = validate_document(file, name, allowed=("pdf",))
    except UploadError as error:
        raise OfferError(" ".join(error.messages)) from error
    file.seek(0)
    data = file.read()
    expected = offer.agreement_sha256 if offer.kind == OfferKind.INITIAL else offer.document_sha256
    signature = Signature(
        offer=offer, kind=SignatureKind.AGREEMENT, member=member, user=actor, method=SignatureMethod.UPLOAD,
        ip=current_ip.get(), document_sha256=expected, upload_sha256=checked.sha256,
    )  # fmt: skip
    signature.upload.save(f"signert-{offer.pk}-{checked.sha256[:12]}.pdf", ContentFile(data), save=False)
    signature.save()
    audit_record(actor=actor, action="offers.agreement.signed", obj=offer,
                 payload={"signature": signature.pk, "sha256": checked.sha256, "method": "upload"})  # fmt: skip
    _complete(offer, actor=actor)
    return signature


@transaction.atomic
def declaration_sign(*, actor: User, offer: Offer) -> list[Signature]:
    """A project member signs the non-disclosure declaration (R-CASE-4), recorded on the case and here with
    the hash of the declaration document."""
    offer = _locked(offer)
    _open_guard(offer)
    application = offer.application
    pending = list(_mine(application, actor).filter(declaration_signed_at__isnull=True))
    if not pending:
        raise OfferError(_("You have no declaration to sign on this project."))
    case_transition(actor=actor, application=application, command=Command.SIGN_DECLARATION, confirm=True)
    signatures = []
    for member in pending:
        member.refresh_from_db()
        pdf = documents.declaration_pdf(offer, member)
        signature = Signature(
            offer=offer, kind=SignatureKind.DECLARATION, member=member, user=actor, method=SignatureMethod.PORTAL,
            ip=current_ip.get(), document_sha256=documents.sha256(pdf),
        )  # fmt: skip
        signature.document.save(f"erklaering-{offer.pk}-{member.pk}.pdf", ContentFile(pdf), save=False)
        signature.save()
        signatures.append(signature)
    audit_record(actor=actor, action="offers.declaration.signed", obj=offer,
                 payload={"signatures": [s.pk for s in signatures]})  # fmt: skip
    return signatures


def _complete(offer: Offer, *, actor: User) -> None:
    """All pieces are there: the offer is accepted and the agreement signed, on the case too."""
    application = offer.application
    member = _signatory_for(offer)
    signatory_user = _member_user(member) if member else None
    if signatory_user is None:
        raise OfferError(
            _(
                "The signatory needs an account in the portal before the agreement can be registered as signed."
            )
        )
    if offer.kind == OfferKind.INITIAL:
        assert offer.accepted_by is not None
        # The case moved to "accepted" with the acceptance; cases accepted before that rule catch up here.
        if application.state == State.OFFER_SENT:
            case_transition(actor=offer.accepted_by, application=application, command=Command.ACCEPT_OFFER)
        case_transition(actor=signatory_user, application=application, command=Command.SIGN_AGREEMENT)
        title = _("Signed data agreement")
    else:
        case_transition(actor=signatory_user, application=application, command=Command.SIGN_CHANGE_AGREEMENT)
        title = _("Signed change agreement")
    offer.status, offer.closed_at = OfferStatus.ACCEPTED, timezone.now()
    offer.save(update_fields=["status", "closed_at"])
    signature = offer.agreement_signature()
    _journal(offer, actor=actor, doc_type="I", title=title,
             file=(signature.upload if signature and signature.upload else offer.agreement) or None)  # fmt: skip
    audit_record(
        actor=actor, action="offers.offer.accepted", obj=offer, payload={"application": application.pk}
    )
    recipients = {u.pk: u for u in (application.applicant, application.case_officer) if u is not None}
    for user in recipients.values():
        _notify(user, "offer_accepted", offer)


@transaction.atomic
def offer_decline(*, actor: User, offer: Offer, reason: str) -> Offer:
    """The applicant declines with a reason: the offer lapses and the case says so."""
    offer = _locked(offer)
    application = offer.application
    if CaseRole.APPLICANT not in case_roles(user=actor, application=application):
        raise OfferError(_("Only the applicant can decline the offer."))
    if offer.kind != OfferKind.INITIAL:
        raise OfferError(_("A change agreement cannot be declined here; write to the case officer."))
    _open_guard(offer)
    reason = (reason or "").strip()
    if not reason:
        raise OfferError(_("Say why you decline the offer."))
    offer.status, offer.closed_at, offer.decline_reason = OfferStatus.DECLINED, timezone.now(), reason[:5000]
    offer.save(update_fields=["status", "closed_at", "decline_reason"])
    case_transition(actor=None, application=application, command=Command.EXPIRE_OFFER)
    audit_record(actor=actor, action="offers.offer.declined", obj=offer)
    _notify(application.case_officer, "offer_declined", offer)
    return offer


@transaction.atomic
def offer_expire(*, offer: Offer, now: datetime) -> bool:
    """The sweep: an offer not accepted within two weeks lapses (R-CASE-4)."""
    offer = _locked(offer)
    if (
        offer.status != OfferStatus.SENT
        or offer.kind != OfferKind.INITIAL
        or not offer.due_at
        or offer.due_at > now
    ):
        return False
    offer.status, offer.closed_at = OfferStatus.EXPIRED, now
    offer.save(update_fields=["status", "closed_at"])
    if offer.application.state in (State.OFFER_SENT, State.OFFER_ACCEPTED):
        case_transition(actor=None, application=offer.application, command=Command.EXPIRE_OFFER)
    audit_record(actor=None, action="offers.offer.expired", obj=offer)
    for user in {
        u.pk: u for u in (offer.application.applicant, offer.application.case_officer) if u
    }.values():
        _notify(user, "offer_expired", offer)
    return True


@transaction.atomic
def offer_remind(*, offer: Offer, now: datetime) -> bool:
    """The sweep: one reminder before the deadline, to the applicant and to whoever has still to sign."""
    if not Offer.objects.filter(pk=offer.pk, status=OfferStatus.SENT, reminded_at__isnull=True).update(
        reminded_at=now
    ):
        return False
    offer.refresh_from_db()
    application = offer.application
    audit_record(actor=None, action="offers.offer.reminded", obj=offer)
    people = {application.applicant.pk: application.applicant}
    for member in application.members.filter(removed_at__isnull=True, declaration_signed_at__isnull=True):
        user = _member_user(member)
        if user is not None:
            people[user.pk] = user
    if offer.signatory is not None and offer.agreement_signature() is None:
        user = _member_user(offer.signatory)
        if user is not None:
            people[user.pk] = user
    for user in people.values():
        _notify(user, "offer_reminder", offer, due=_due_text(offer, user))
    return True


# --- invoice bases --------------------------------------------------------------------------------------


def _invoice_number(year: int) -> str:
    counter, _created = InvoiceCounter.objects.select_for_update().get_or_create(year=year)
    counter.value += 1
    counter.save(update_fields=["value"])
    return f"{year}-{counter.value:06d}"


@transaction.atomic
def invoice_basis_create(
    *, actor: User | None, application: Application, kind: str = InvoiceKind.DELIVERY
) -> InvoiceBasis:
    """The basis for the finance system's invoice: when the delivery is made (``delivery``, called by the
    delivery step) and when a change agreement is agreed (``change``). Idempotent per offer."""
    if kind not in InvoiceKind.values:
        raise OfferError(_("An invoice basis is for a delivery or a change agreement."))
    if kind == InvoiceKind.DELIVERY:
        offer = (
            Offer.objects.filter(application=application)
            .filter(kind=OfferKind.INITIAL, status=OfferStatus.ACCEPTED)
            .first()
        )
        if offer is None:
            raise OfferError(_("The case has no accepted offer to invoice."))
    else:
        offer = (
            Offer.objects.filter(application=application)
            .filter(kind=OfferKind.CHANGE, status__in=[OfferStatus.SENT, OfferStatus.ACCEPTED])
            .first()
        )
        if offer is None:
            raise OfferError(_("The case has no change agreement to invoice."))
    existing = InvoiceBasis.objects.filter(offer=offer, kind=kind).first()
    if existing is not None:
        return existing
    if not offer.invoice_address or not offer.order_reference:
        raise OfferError(_("The invoice address and the order reference are missing."))
    institution = application.institution
    today = timezone.localdate()
    language = "nb"  # the finance system reads bokmål
    with translation.override(language):
        lines = [
            {"item": line.item, "key": line.key, "label": line.label, "unit": line.unit,
             "quantity": str(line.quantity), "unit_price": str(line.unit_price), "amount": str(line.amount)}
            for line in offer.lines.all()
        ]  # fmt: skip
    invoice = InvoiceBasis.objects.create(
        application=application, offer=offer, kind=kind, number=_invoice_number(today.year), issue_date=today,
        due_date=today + timedelta(days=INVOICE_DUE_DAYS), case_number=application.case_number,
        buyer_name=institution.name if institution else application.applicant.full_name,
        buyer_orgnr=institution.orgnr if institution else "", invoice_address=offer.invoice_address,
        order_reference=offer.order_reference, lines=lines, subtotal=offer.subtotal,
        vat_percent=offer.tariff.vat_percent, vat=offer.vat, total=offer.total, created_by=actor,
    )  # fmt: skip
    audit_record(actor=actor, action="offers.invoice.created", obj=invoice,
                 payload={"application": application.pk, "offer": offer.pk, "kind": kind, "total": str(invoice.total)})  # fmt: skip
    return invoice


@transaction.atomic
def invoice_mark_exported(*, actor: User | None, invoice: InvoiceBasis, fmt: str) -> InvoiceBasis:
    invoice = InvoiceBasis.objects.select_for_update().get(pk=invoice.pk)
    first = invoice.exported_at is None
    if first:
        invoice.exported_at = timezone.now()
        invoice.save(update_fields=["exported_at"])
    audit_record(
        actor=actor, action="offers.invoice.exported", obj=invoice, payload={"format": fmt, "first": first}
    )
    return invoice
