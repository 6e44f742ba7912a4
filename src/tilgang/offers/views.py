"""Portal pages for tariffs, offers, acceptance, signatures and invoice bases. Thin: logic is in services."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tilgang.accounts.middleware import recently_authenticated
from tilgang.applications.lifecycle import CaseRole, Refusal, State
from tilgang.applications.models import Application, ProjectRole
from tilgang.applications.selectors import application_for, is_case_staff
from tilgang.applications.services import case_roles
from tilgang.core.http import AuthedRequest
from tilgang.offers import forms as f
from tilgang.offers import invoicing, selectors, services
from tilgang.offers.models import InvoiceBasis, OfferKind, OfferStatus, Tariff
from tilgang.offers.pricing import format_nok, format_quantity


def _offer(request: AuthedRequest, pk: int):
    offer = selectors.offer_for(request.user, pk)
    if offer is None:
        raise Http404
    return offer


def _back(offer) -> HttpResponse:
    return redirect("offers:detail", pk=offer.pk)


def _refused(request, error: Exception) -> None:
    messages.error(request, str(error))


# --- lists ---------------------------------------------------------------------------------------------


def index(request: AuthedRequest) -> HttpResponse:
    user = request.user
    staff = is_case_staff(user)
    return render(
        request,
        "offers/index.html",
        {
            "staff": staff,
            "cases": selectors.cases_to_offer(user) if staff else None,
            "open_offers": selectors.my_open_offers(user),
            "language": request.LANGUAGE_CODE,
        },
    )


def case(request: AuthedRequest, application_id: int) -> HttpResponse:
    application = application_for(request.user, application_id)
    if application is None:
        raise Http404
    offers = selectors.offers_of(request.user, application)
    # Offers and change agreements are made by the case's own case officer; others only read.
    officer = CaseRole.CASE_OFFICER in case_roles(user=request.user, application=application)
    can_offer = officer and application.state in (State.ACCESS_GRANTED, State.OFFER_EXPIRED)
    can_change = officer and application.state == State.CHANGE_REQUESTED
    return render(
        request,
        "offers/case.html",
        {"application": application, "offers": offers, "can_offer": can_offer, "can_change": can_change,
         "tariff": services.tariff_in_force(), "state_label": State(application.state).label},
    )  # fmt: skip


@require_POST
def create(request: AuthedRequest, application_id: int) -> HttpResponse:
    application = application_for(request.user, application_id)
    if application is None:
        raise Http404
    kind = request.POST.get("kind", OfferKind.INITIAL)
    try:
        offer = services.offer_create(actor=request.user, application=application, kind=kind)
    except Refusal as error:
        _refused(request, error)
        return redirect("offers:case", application_id=application.pk)
    messages.success(request, _("The offer was proposed from the case. Adjust it and send it."))
    return _back(offer)


# --- one offer ------------------------------------------------------------------------------------------


def _line_rows(offer, language: str) -> list[dict]:
    return [
        {
            "line": line,
            "quantity": format_quantity(line.quantity, language),
            "unit_price": format_nok(line.unit_price, language),
            "amount": format_nok(line.amount, language),
            "form": f.LineQuantityForm(
                initial={"quantity": format_quantity(line.quantity, language)}, prefix=f"line{line.pk}"
            ),
        }
        for line in offer.lines.all()
    ]


def detail(request: AuthedRequest, pk: int, forms_: dict | None = None) -> HttpResponse:
    offer = _offer(request, pk)
    user = request.user
    application: Application = offer.application
    roles = case_roles(user=user, application=application)
    staff = is_case_staff(user)
    officer = CaseRole.CASE_OFFICER in roles
    language = request.LANGUAGE_CODE
    people = selectors.people_to_sign(offer)
    mine_unsigned = [
        m for m in people["unsigned"] if m.user_id == user.pk or (m.user_id is None and m.email == user.email)
    ]
    signatory = offer.signatory if offer.kind == OfferKind.INITIAL else services._signatory_for(offer)
    is_signatory = services._is_signatory(user, signatory)
    forms_ = forms_ or {}
    context = {
        "offer": offer,
        "application": application,
        "staff": staff,
        "officer": officer,
        "draft": offer.status == OfferStatus.DRAFT,
        "open": offer.status == OfferStatus.SENT,
        "lines": _line_rows(offer, language),
        "subtotal": format_nok(offer.subtotal, language),
        "vat": format_nok(offer.vat, language),
        "total": format_nok(offer.total, language),
        "vat_percent": format_quantity(offer.tariff.vat_percent, language),
        "people": people,
        "mine_unsigned": mine_unsigned,
        "is_applicant": CaseRole.APPLICANT in roles,
        "is_signatory": is_signatory,
        "signatory": signatory,
        "signatures": offer.signatures.select_related("member").filter(revoked_at__isnull=True),
        "invoices": offer.invoices.all() if staff else [],
    }
    if context["draft"] and officer:
        context["settings_form"] = forms_.get("settings") or f.OfferSettingsForm(
            initial={name: getattr(offer, name) for name in f.OfferSettingsForm.base_fields},
            prefix="settings",
        )
        context["add_form"] = forms_.get("add") or f.LineAddForm(prefix="add")
    if (
        context["open"]
        and offer.kind == OfferKind.INITIAL
        and CaseRole.APPLICANT in roles
        and not people["agreement"]
    ):
        signatories = application.members.filter(role=ProjectRole.SIGNATORY, removed_at__isnull=True)
        context["accept_form"] = forms_.get("accept") or f.AcceptForm(
            signatories=signatories, prefix="accept",
            initial={"invoice_address": offer.invoice_address, "order_reference": offer.order_reference,
                     "signatory": offer.signatory_id},
        )  # fmt: skip
        # Once accepted, the form only changes the details (folded away); the next step is signing.
        context["accept_change"] = offer.acceptance_given_at is not None
        context["accept_open"] = "accept" in forms_
        context["decline_form"] = forms_.get("decline") or f.DeclineForm(prefix="decline")
    if context["open"] and mine_unsigned:
        context["declaration_form"] = f.ConfirmForm(prefix="declaration")
    if context["open"] and (is_signatory or CaseRole.APPLICANT in roles) and not people["agreement"]:
        context["upload_form"] = forms_.get("upload") or f.UploadForm(prefix="upload")
    return render(request, "offers/detail.html", context)


def _form_or_back(request, offer, key: str, form) -> HttpResponse | None:
    if form.is_valid():
        return None
    return detail(request, offer.pk, forms_={key: form})


@require_POST
def update(request: AuthedRequest, pk: int) -> HttpResponse:
    offer = _offer(request, pk)
    form = f.OfferSettingsForm(request.POST, prefix="settings")
    if (shown := _form_or_back(request, offer, "settings", form)) is not None:
        return shown
    data = dict(form.cleaned_data)
    if offer.kind == OfferKind.INITIAL:
        data.pop("invoice_address"), data.pop("order_reference")
    try:
        services.offer_update(actor=request.user, offer=offer, **data)
        messages.success(request, _("The offer was saved."))
    except Refusal as error:
        _refused(request, error)
    return _back(offer)


@require_POST
def line_set(request: AuthedRequest, pk: int, line_id: int) -> HttpResponse:
    offer = _offer(request, pk)
    try:
        services.offer_line_set(
            actor=request.user,
            offer=offer,
            line_id=line_id,
            quantity=request.POST.get(f"line{line_id}-quantity", ""),
        )
        messages.success(request, _("The line was changed."))
    except Refusal as error:
        _refused(request, error)
    return _back(offer)


@require_POST
def line_add(request: AuthedRequest, pk: int) -> HttpResponse:
    offer = _offer(request, pk)
    form = f.LineAddForm(request.POST, prefix="add")
    if (shown := _form_or_back(request, offer, "add", form)) is not None:
        return shown
    try:
        services.offer_line_add(actor=request.user, offer=offer, **form.cleaned_data)
        messages.success(request, _("The line was added."))
    except Refusal as error:
        form.add_error(None, str(error))
        return detail(request, offer.pk, forms_={"add": form})
    return _back(offer)


@require_POST
def line_remove(request: AuthedRequest, pk: int, line_id: int) -> HttpResponse:
    offer = _offer(request, pk)
    try:
        services.offer_line_remove(actor=request.user, offer=offer, line_id=line_id)
        messages.success(request, _("The line was removed."))
    except Refusal as error:
        _refused(request, error)
    return _back(offer)


@require_POST
def send(request: AuthedRequest, pk: int) -> HttpResponse:
    offer = _offer(request, pk)
    try:
        services.offer_send(actor=request.user, offer=offer)
        messages.success(request, _("The offer was sent. The applicant has two weeks to accept it."))
    except Refusal as error:
        _refused(request, error)
    return _back(offer)


@require_POST
def discard(request: AuthedRequest, pk: int) -> HttpResponse:
    offer = _offer(request, pk)
    try:
        services.offer_discard(actor=request.user, offer=offer)
        messages.success(request, _("The draft offer was withdrawn."))
    except Refusal as error:
        _refused(request, error)
        return _back(offer)
    return redirect("offers:case", application_id=offer.application_id)


@require_POST
def accept(request: AuthedRequest, pk: int) -> HttpResponse:
    offer = _offer(request, pk)
    signatories = offer.application.members.filter(role=ProjectRole.SIGNATORY, removed_at__isnull=True)
    form = f.AcceptForm(request.POST, prefix="accept", signatories=signatories)
    if (shown := _form_or_back(request, offer, "accept", form)) is not None:
        return shown
    try:
        services.offer_accept(
            actor=request.user, offer=offer, invoice_address=form.cleaned_data["invoice_address"],
            order_reference=form.cleaned_data["order_reference"], signatory_id=form.cleaned_data["signatory"],
        )  # fmt: skip
        messages.success(
            request,
            _(
                "Thank you. The agreement is ready: the members sign their declarations, then the signatory signs."
            ),
        )
    except Refusal as error:
        form.add_error(None, str(error))
        return detail(request, offer.pk, forms_={"accept": form})
    return _back(offer)


@require_POST
def decline(request: AuthedRequest, pk: int) -> HttpResponse:
    offer = _offer(request, pk)
    form = f.DeclineForm(request.POST, prefix="decline")
    if (shown := _form_or_back(request, offer, "decline", form)) is not None:
        return shown
    try:
        services.offer_decline(actor=request.user, offer=offer, reason=form.cleaned_data["reason"])
        messages.success(request, _("You declined the offer. The case officer has been told."))
    except Refusal as error:
        _refused(request, error)
    return _back(offer)


@require_POST
def declaration(request: AuthedRequest, pk: int) -> HttpResponse:
    offer = _offer(request, pk)
    form = f.ConfirmForm(request.POST, prefix="declaration")
    if not form.is_valid():
        messages.error(request, _("Tick the box to confirm that you sign the declaration."))
        return _back(offer)
    try:
        services.declaration_sign(actor=request.user, offer=offer)
        messages.success(request, _("You signed the non-disclosure declaration."))
    except Refusal as error:
        _refused(request, error)
    return _back(offer)


def sign(request: AuthedRequest, pk: int) -> HttpResponse:
    """The signatory signs the agreement shown, after re-authenticating."""
    offer = _offer(request, pk)
    here = reverse("offers:sign", kwargs={"pk": offer.pk})
    if not recently_authenticated(request):
        return redirect(f"{reverse('accounts:reauth')}?{urlencode({'next': here})}")
    expected = offer.agreement_sha256 if offer.kind == OfferKind.INITIAL else offer.document_sha256
    form = f.SignForm(request.POST or None, prefix="sign", initial={"document_sha256": expected})
    if request.method == "POST" and form.is_valid():
        try:
            services.offer_sign(
                actor=request.user, offer=offer, document_sha256=form.cleaned_data["document_sha256"]
            )
        except Refusal as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("You signed the agreement. The case goes on to the preparation of the data.")
            )
            return _back(offer)
    return render(request, "offers/sign.html", {"offer": offer, "form": form, "sha256": expected})


@require_POST
def upload(request: AuthedRequest, pk: int) -> HttpResponse:
    offer = _offer(request, pk)
    form = f.UploadForm(request.POST, request.FILES, prefix="upload")
    if (shown := _form_or_back(request, offer, "upload", form)) is not None:
        return shown
    file = form.cleaned_data["file"]
    try:
        services.offer_sign_upload(actor=request.user, offer=offer, file=file, name=file.name)
        messages.success(request, _("The signed agreement was received."))
    except Refusal as error:
        form.add_error("file", str(error))
        return detail(request, offer.pk, forms_={"upload": form})
    return _back(offer)


def document(request: AuthedRequest, pk: int) -> FileResponse:
    offer = _offer(request, pk)
    if not offer.document:
        raise Http404
    return FileResponse(offer.document.open("rb"), content_type="application/pdf",
                        filename=f"tilbud-{offer.application.case_number.replace('/', '-')}.pdf")  # fmt: skip


def agreement(request: AuthedRequest, pk: int) -> FileResponse:
    offer = _offer(request, pk)
    if not offer.agreement:
        raise Http404
    return FileResponse(offer.agreement.open("rb"), content_type="application/pdf",
                        filename=f"avtale-{offer.application.case_number.replace('/', '-')}.pdf")  # fmt: skip


def signed_upload(request: AuthedRequest, pk: int, signature_id: int) -> FileResponse:
    """Case staff check an agreement that was signed on paper and uploaded."""
    offer = _offer(request, pk)
    signature = offer.signatures.filter(pk=signature_id).exclude(upload="").first()
    if signature is None or not is_case_staff(request.user):
        raise Http404
    return FileResponse(signature.upload.open("rb"), content_type="application/pdf",
                        filename=f"signert-{offer.pk}.pdf")  # fmt: skip


# --- tariffs (administrators) ------------------------------------------------------------------------------


def _tariff_fields(form) -> dict:
    data = dict(form.cleaned_data)
    prices = data.pop("prices")
    return {**data, "prices": prices}


def tariffs(request: AuthedRequest) -> HttpResponse:
    form = f.TariffForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.tariff_create(actor=request.user, **_tariff_fields(form))
        except Refusal as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The new tariff was saved."))
            return redirect("offers:tariffs")
    return render(request, "offers/tariffs.html", {"tariffs": selectors.tariffs(), "form": form,
                                                     "in_force": services.tariff_in_force()})  # fmt: skip


def tariff_edit(request: AuthedRequest, pk: int) -> HttpResponse:
    tariff = Tariff.objects.filter(pk=pk).first()
    if tariff is None:
        raise Http404
    initial = {name: getattr(tariff, name) for name in f.TariffForm.base_fields if hasattr(tariff, name)}
    initial["prices"] = "\n".join(f"{p.kind} {p.key} {p.price}" for p in tariff.prices.all())
    form = f.TariffForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = _tariff_fields(form)
        data.pop("valid_from")
        try:
            services.tariff_update(actor=request.user, tariff=tariff, **data)
        except Refusal as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The tariff was saved."))
            return redirect("offers:tariffs")
    return render(request, "offers/tariff_edit.html", {"tariff": tariff, "form": form})


# --- invoice bases ------------------------------------------------------------------------------------------


def invoices(request: AuthedRequest) -> HttpResponse:
    return render(request, "offers/invoices.html",
                  {"invoices": selectors.invoices(), "language": request.LANGUAGE_CODE})  # fmt: skip


def _invoice(pk: int) -> InvoiceBasis:
    invoice = selectors.invoices().filter(pk=pk).first()
    if invoice is None:
        raise Http404
    return invoice


def invoice_csv(request: AuthedRequest, pk: int) -> HttpResponse:
    invoice = _invoice(pk)
    response = HttpResponse(invoicing.invoice_csv([invoice]), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="fakturagrunnlag-{invoice.number}.csv"'
    return response


def invoice_xml(request: AuthedRequest, pk: int) -> HttpResponse:
    invoice = _invoice(pk)
    xml = invoicing.invoice_ubl(invoice)
    problems = invoicing.schema_errors(xml) + invoicing.peppol_problems(xml)
    if problems:
        messages.error(
            request,
            _("The e-invoice did not pass its checks: %(problems)s") % {"problems": "; ".join(problems)},
        )
        return redirect("offers:invoices")
    response = HttpResponse(xml, content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="ehf-{invoice.number}.xml"'
    return response


@require_POST
def invoices_csv(request: AuthedRequest) -> HttpResponse:
    """Every invoice basis not yet exported, in one CSV for the finance system; they are marked exported."""
    pending = list(selectors.invoices(exported=False))
    for invoice in pending:
        services.invoice_mark_exported(actor=request.user, invoice=invoice, fmt="csv")
    response = HttpResponse(invoicing.invoice_csv(pending), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="fakturagrunnlag.csv"'
    return response
