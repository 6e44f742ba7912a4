"""The API twin of every offer action: tariffs, building and sending offers, acceptance, declarations,
signatures (re-authenticated with the password, and the code when a second factor is on), declining,
and invoice bases with their CSV and EHF exports. Amounts are strings with two decimals (exact)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from tilgang.applications.lifecycle import Refusal
from tilgang.applications.selectors import application_for
from tilgang.core.middleware import current_ip
from tilgang.core.permissions import ADMIN, SIGNED_IN, only, register
from tilgang.core.roles import Role
from tilgang.offers import invoicing, selectors, services
from tilgang.offers.models import InvoiceBasis, Offer, OfferKind, Tariff
from tilgang.offers.pricing import format_nok

router = Router(tags=["offers"])

CASE_STAFF = only(Role.CASE_OFFICER, Role.HEAD_OF_SECTION)
FINANCE = only(Role.CASE_OFFICER, Role.HEAD_OF_SECTION, Role.ADMINISTRATOR)


class ErrorOut(Schema):
    detail: str


class PriceIn(Schema):
    kind: str
    key: str
    price: str


class TariffIn(Schema):
    valid_from: date
    valid_to: date | None = None
    hourly_rate: str
    outside_lists_hourly_rate: str
    fdtrygd_table_price: str
    area_price: str
    handling_cost: str
    vat_percent: str = "25"
    hours_coordination: str
    hours_population: str
    hours_third_party: str
    hours_archiving: str
    note: str = ""
    prices: list[PriceIn] = []


class TariffUpdateIn(Schema):
    valid_to: date | None = None
    hourly_rate: str | None = None
    outside_lists_hourly_rate: str | None = None
    fdtrygd_table_price: str | None = None
    area_price: str | None = None
    handling_cost: str | None = None
    vat_percent: str | None = None
    hours_coordination: str | None = None
    hours_population: str | None = None
    hours_third_party: str | None = None
    hours_archiving: str | None = None
    note: str | None = None
    prices: list[PriceIn] = []


class TariffOut(Schema):
    id: int
    valid_from: date
    valid_to: date | None
    hourly_rate: str
    outside_lists_hourly_rate: str
    fdtrygd_table_price: str
    area_price: str
    handling_cost: str
    vat_percent: str
    hours: dict[str, str]
    prices: list[dict[str, str]]
    in_use: bool


class CreateIn(Schema):
    kind: str = OfferKind.INITIAL


class UpdateIn(Schema):
    delivery_date: date | None = None
    exchange_method: str | None = None
    exchange_details: str | None = None
    special_terms: str | None = None
    invoice_address: str | None = None
    order_reference: str | None = None


class QuantityIn(Schema):
    quantity: str


class LineIn(Schema):
    item: str
    quantity: str
    reason: str = ""
    key: str = ""
    description: str = ""


class AcceptIn(Schema):
    invoice_address: str
    order_reference: str
    signatory_id: int | None = None


class DeclineIn(Schema):
    reason: str = ""


class SignIn(Schema):
    document_sha256: str
    password: str
    code: str = ""


class InvoiceIn(Schema):
    kind: str = "delivery"


class OfferOut(Schema):
    id: int
    application_id: int
    case_number: str
    kind: str
    status: str
    tariff_id: int
    language: str
    delivery_date: date | None
    exchange_method: str
    exchange_details: str
    lines: list[dict[str, Any]]
    subtotal: str
    vat: str
    total: str
    total_text: str
    sent_at: str | None
    due_at: str | None
    document_sha256: str
    agreement_sha256: str
    invoice_address: str
    order_reference: str
    signatory_id: int | None
    unsigned_members: list[str]
    signatures: list[dict[str, Any]]


class InvoiceOut(Schema):
    id: int
    number: str
    kind: str
    application_id: int
    offer_id: int
    case_number: str
    issue_date: date
    due_date: date
    buyer_name: str
    buyer_orgnr: str
    invoice_address: str
    order_reference: str
    lines: list[dict[str, Any]]
    subtotal: str
    vat_percent: str
    vat: str
    total: str


def _tariff_out(tariff: Tariff) -> dict[str, Any]:
    return {
        "id": tariff.pk, "valid_from": tariff.valid_from, "valid_to": tariff.valid_to,
        "hourly_rate": str(tariff.hourly_rate), "outside_lists_hourly_rate": str(tariff.outside_lists_hourly_rate),
        "fdtrygd_table_price": str(tariff.fdtrygd_table_price), "area_price": str(tariff.area_price),
        "handling_cost": str(tariff.handling_cost), "vat_percent": str(tariff.vat_percent),
        "hours": {name: str(getattr(tariff, name)) for name in services.TARIFF_HOUR_FIELDS},
        "prices": [{"kind": p.kind, "key": p.key, "price": str(p.price)} for p in tariff.prices.all()],
        "in_use": tariff.in_use,
    }  # fmt: skip


def _offer_out(request, offer: Offer) -> dict[str, Any]:
    iso = lambda value: value.isoformat() if value else None  # noqa: E731
    people = selectors.people_to_sign(offer)
    return {
        "id": offer.pk, "application_id": offer.application_id, "case_number": offer.application.case_number,
        "kind": offer.kind, "status": offer.status, "tariff_id": offer.tariff_id, "language": offer.language,
        "delivery_date": offer.delivery_date, "exchange_method": offer.exchange_method,
        "exchange_details": offer.exchange_details,
        "lines": [
            {"id": line.pk, "item": line.item, "key": line.key, "label": line.label, "unit": line.unit,
             "quantity": str(line.quantity), "unit_price": str(line.unit_price), "amount": str(line.amount),
             "proposed": line.proposed, "reason": line.reason}
            for line in offer.lines.all()
        ],
        "subtotal": str(offer.subtotal), "vat": str(offer.vat), "total": str(offer.total),
        "total_text": format_nok(offer.total, request.user.language),
        "sent_at": iso(offer.sent_at), "due_at": iso(offer.due_at), "document_sha256": offer.document_sha256,
        "agreement_sha256": offer.agreement_sha256, "invoice_address": offer.invoice_address,
        "order_reference": offer.order_reference, "signatory_id": offer.signatory_id,
        "unsigned_members": [m.full_name for m in people["unsigned"]],
        "signatures": [
            {"kind": s.kind, "member_id": s.member_id, "method": s.method, "signed_at": s.signed_at.isoformat(),
             "document_sha256": s.document_sha256}
            for s in offer.signatures.filter(revoked_at__isnull=True)
        ],
    }  # fmt: skip


def _invoice_out(invoice: InvoiceBasis) -> dict[str, Any]:
    return {
        "id": invoice.pk, "number": invoice.number, "kind": invoice.kind, "application_id": invoice.application_id,
        "offer_id": invoice.offer_id, "case_number": invoice.case_number, "issue_date": invoice.issue_date,
        "due_date": invoice.due_date, "buyer_name": invoice.buyer_name, "buyer_orgnr": invoice.buyer_orgnr,
        "invoice_address": invoice.invoice_address, "order_reference": invoice.order_reference,
        "lines": invoice.lines, "subtotal": str(invoice.subtotal), "vat_percent": str(invoice.vat_percent),
        "vat": str(invoice.vat), "total": str(invoice.total),
    }  # fmt: skip


def _offer(request, offer_id: int) -> Offer:
    offer = selectors.offer_for(request.user, offer_id)
    if offer is None:
        raise Http404
    return offer


def _fresh(request, offer_id: int) -> dict[str, Any]:
    return _offer_out(request, _offer(request, offer_id))


OFFER = {200: OfferOut, 400: ErrorOut}


# --- tariffs ---------------------------------------------------------------------------------------------


@router.get("/tariffs", response=list[TariffOut], url_name="offers_tariffs")
def tariffs(request):
    return [_tariff_out(t) for t in selectors.tariffs()]


@router.post("/tariffs/create", response={201: TariffOut, 400: ErrorOut}, url_name="offers_tariff_create")
def tariff_create(request, payload: TariffIn):
    data = payload.dict()
    prices = data.pop("prices")
    try:
        tariff = services.tariff_create(actor=request.user, prices=prices, **data)
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return Status(201, _tariff_out(tariff))


@router.post("/tariffs/{int:tariff_id}/update", response={200: TariffOut, 400: ErrorOut},
             url_name="offers_tariff_update")  # fmt: skip
def tariff_update(request, tariff_id: int, payload: TariffUpdateIn):
    tariff = Tariff.objects.filter(pk=tariff_id).first()
    if tariff is None:
        raise Http404
    data = payload.dict(exclude_unset=True)
    prices = data.pop("prices", [])
    try:
        tariff = services.tariff_update(actor=request.user, tariff=tariff, prices=prices, **data)
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return _tariff_out(tariff)


# --- offers ----------------------------------------------------------------------------------------------


@router.get("/cases/{int:application_id}", response=list[OfferOut], url_name="offers_of_case")
def offers_of_case(request, application_id: int):
    application = application_for(request.user, application_id)
    if application is None:
        raise Http404
    return [_offer_out(request, offer) for offer in selectors.offers_of(request.user, application)]


@router.post("/cases/{int:application_id}/create", response={201: OfferOut, 400: ErrorOut},
             url_name="offers_create")  # fmt: skip
def create(request, application_id: int, payload: CreateIn):
    application = application_for(request.user, application_id)
    if application is None:
        raise Http404
    try:
        offer = services.offer_create(actor=request.user, application=application, kind=payload.kind)
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return Status(201, _offer_out(request, offer))


@router.get("/{int:offer_id}", response=OfferOut, url_name="offers_detail")
def detail(request, offer_id: int):
    return _fresh(request, offer_id)


def _run(request, offer_id: int, call) -> Any:
    offer = _offer(request, offer_id)
    try:
        call(offer)
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return _fresh(request, offer_id)


@router.post("/{int:offer_id}/update", response=OFFER, url_name="offers_update")
def update(request, offer_id: int, payload: UpdateIn):
    data = payload.dict(exclude_unset=True)
    return _run(
        request, offer_id, lambda offer: services.offer_update(actor=request.user, offer=offer, **data)
    )


@router.post("/{int:offer_id}/lines/{int:line_id}/set", response=OFFER, url_name="offers_line_set")
def line_set(request, offer_id: int, line_id: int, payload: QuantityIn):
    return _run(request, offer_id, lambda offer: services.offer_line_set(
        actor=request.user, offer=offer, line_id=line_id, quantity=payload.quantity))  # fmt: skip


@router.post("/{int:offer_id}/lines/add", response=OFFER, url_name="offers_line_add")
def line_add(request, offer_id: int, payload: LineIn):
    return _run(request, offer_id, lambda offer: services.offer_line_add(
        actor=request.user, offer=offer, **payload.dict()))  # fmt: skip


@router.post("/{int:offer_id}/lines/{int:line_id}/remove", response=OFFER, url_name="offers_line_remove")
def line_remove(request, offer_id: int, line_id: int):
    return _run(request, offer_id, lambda offer: services.offer_line_remove(
        actor=request.user, offer=offer, line_id=line_id))  # fmt: skip


@router.post("/{int:offer_id}/send", response=OFFER, url_name="offers_send")
def send(request, offer_id: int):
    return _run(request, offer_id, lambda offer: services.offer_send(actor=request.user, offer=offer))


@router.post("/{int:offer_id}/discard", response=OFFER, url_name="offers_discard")
def discard(request, offer_id: int):
    return _run(request, offer_id, lambda offer: services.offer_discard(actor=request.user, offer=offer))


@router.post("/{int:offer_id}/accept", response=OFFER, url_name="offers_accept")
def accept(request, offer_id: int, payload: AcceptIn):
    return _run(request, offer_id, lambda offer: services.offer_accept(
        actor=request.user, offer=offer, invoice_address=payload.invoice_address,
        order_reference=payload.order_reference, signatory_id=payload.signatory_id))  # fmt: skip


@router.post("/{int:offer_id}/decline", response=OFFER, url_name="offers_decline")
def decline(request, offer_id: int, payload: DeclineIn):
    return _run(request, offer_id, lambda offer: services.offer_decline(
        actor=request.user, offer=offer, reason=payload.reason))  # fmt: skip


@router.post("/{int:offer_id}/declaration/sign", response=OFFER, url_name="offers_declaration_sign")
def declaration_sign(request, offer_id: int):
    return _run(request, offer_id, lambda offer: services.declaration_sign(actor=request.user, offer=offer))


def _reauthenticated(request, password: str, code: str) -> str | None:
    """The API's re-authentication before signing: the password, and the code when a second factor is on."""
    from tilgang.accounts import services as accounts

    user = request.user
    result = accounts.login_check_password(email=user.email, password=password, ip=current_ip.get())
    if result.user is None or result.user.pk != user.pk:
        return str(result.error or _("The password is wrong."))
    if user.has_totp and not accounts.totp_verify(user=user, code=code, ip=current_ip.get()):
        return _("The code is wrong or has already been used. Enter the 6 digits your app shows now.")
    return None


@router.post("/{int:offer_id}/sign", response=OFFER, url_name="offers_sign")
def sign(request, offer_id: int, payload: SignIn):
    offer = _offer(request, offer_id)
    problem = _reauthenticated(request, payload.password, payload.code)
    if problem:
        return Status(400, {"detail": problem})
    return _run(request, offer.pk, lambda o: services.offer_sign(
        actor=request.user, offer=o, document_sha256=payload.document_sha256))  # fmt: skip


@router.post("/{int:offer_id}/sign/upload", response=OFFER, url_name="offers_sign_upload")
def sign_upload(request, offer_id: int, file: File[UploadedFile], note: Form[str] = ""):
    return _run(request, offer_id, lambda offer: services.offer_sign_upload(
        actor=request.user, offer=offer, file=file, name=file.name or "avtale.pdf"))  # fmt: skip


def _pdf(data, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.get("/{int:offer_id}/document", url_name="offers_document")
def document(request, offer_id: int):
    offer = _offer(request, offer_id)
    if not offer.document:
        raise Http404
    with offer.document.open("rb") as handle:
        return _pdf(handle.read(), f"tilbud-{offer.pk}.pdf")


@router.get("/{int:offer_id}/agreement", url_name="offers_agreement")
def agreement(request, offer_id: int):
    offer = _offer(request, offer_id)
    if not offer.agreement:
        raise Http404
    with offer.agreement.open("rb") as handle:
        return _pdf(handle.read(), f"avtale-{offer.pk}.pdf")


# --- invoice bases ------------------------------------------------------------------------------------------


@router.get("/invoices", response=list[InvoiceOut], url_name="offers_invoices")
def invoices(request):
    return [_invoice_out(i) for i in selectors.invoices()]


@router.post("/cases/{int:application_id}/invoices/create", response={201: InvoiceOut, 400: ErrorOut},
             url_name="offers_invoice_create")  # fmt: skip
def invoice_create(request, application_id: int, payload: InvoiceIn):
    application = application_for(request.user, application_id)
    if application is None:
        raise Http404
    try:
        invoice = services.invoice_basis_create(
            actor=request.user, application=application, kind=payload.kind
        )
    except Refusal as error:
        return Status(400, {"detail": str(error)})
    return Status(201, _invoice_out(invoice))


def _invoice(invoice_id: int) -> InvoiceBasis:
    invoice = selectors.invoices().filter(pk=invoice_id).first()
    if invoice is None:
        raise Http404
    return invoice


@router.get("/invoices/{int:invoice_id}", response=InvoiceOut, url_name="offers_invoice")
def invoice(request, invoice_id: int):
    return _invoice_out(_invoice(invoice_id))


@router.get("/invoices/{int:invoice_id}/csv", url_name="offers_invoice_csv")
def invoice_csv(request, invoice_id: int):
    return HttpResponse(invoicing.invoice_csv([_invoice(invoice_id)]), content_type="text/csv; charset=utf-8")


@router.get(
    "/invoices/{int:invoice_id}/ubl", response={200: None, 400: ErrorOut}, url_name="offers_invoice_ubl"
)
def invoice_ubl(request, invoice_id: int):
    xml = invoicing.invoice_ubl(_invoice(invoice_id))
    problems = invoicing.schema_errors(xml) + invoicing.peppol_problems(xml)
    if problems:
        return Status(400, {"detail": "; ".join(problems)})
    return HttpResponse(xml, content_type="application/xml")


register(
    {
        "api:offers_tariffs": ADMIN,
        "api:offers_tariff_create": ADMIN,
        "api:offers_tariff_update": ADMIN,
        "api:offers_of_case": SIGNED_IN,
        "api:offers_create": CASE_STAFF,
        "api:offers_detail": SIGNED_IN,
        "api:offers_update": CASE_STAFF,
        "api:offers_line_set": CASE_STAFF,
        "api:offers_line_add": CASE_STAFF,
        "api:offers_line_remove": CASE_STAFF,
        "api:offers_send": CASE_STAFF,
        "api:offers_discard": CASE_STAFF,
        "api:offers_accept": SIGNED_IN,
        "api:offers_decline": SIGNED_IN,
        "api:offers_declaration_sign": SIGNED_IN,
        "api:offers_sign": SIGNED_IN,
        "api:offers_sign_upload": SIGNED_IN,
        "api:offers_document": SIGNED_IN,
        "api:offers_agreement": SIGNED_IN,
        "api:offers_invoices": FINANCE,
        "api:offers_invoice_create": CASE_STAFF,
        "api:offers_invoice": FINANCE,
        "api:offers_invoice_csv": FINANCE,
        "api:offers_invoice_ubl": FINANCE,
    }
)
