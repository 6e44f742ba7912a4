"""Forms of the offer pages. Amounts and hours are text: the services parse them (comma or point) and
refuse negative or malformed values with the same message as the API."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tilgang.core.forms import DsFormMixin
from tilgang.offers.models import ExchangeMethod, LineItem, SpecificPriceKind


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _amount(label, help_text=""):
    return forms.CharField(label=label, max_length=20, help_text=help_text)


class TariffForm(DsFormMixin, forms.Form):
    valid_from = forms.DateField(label=_("Valid from"), widget=DateInput)
    valid_to = forms.DateField(label=_("Valid to"), widget=DateInput, required=False)
    hourly_rate = _amount(_("Hourly rate (NOK)"))
    outside_lists_hourly_rate = _amount(_("Hourly rate for data outside the variable lists (NOK)"))
    fdtrygd_table_price = _amount(_("Fixed price per FD-Trygd table, unless set below (NOK)"))
    area_price = _amount(_("Fixed price per statistics area, unless set below (NOK)"))
    handling_cost = _amount(_("Handling cost for a change agreement (NOK)"))
    vat_percent = _amount(_("VAT rate (%)"))
    hours_coordination = _amount(_("Proposed hours: coordination, clarification, offer and agreement"))
    hours_population = _amount(_("Proposed hours: population"))
    hours_third_party = _amount(_("Proposed hours: third-party data intake and file preparation"))
    hours_archiving = _amount(_("Proposed hours: archiving, documentation and delivery"))
    prices = forms.CharField(
        label=_("Fixed prices per FD-Trygd table and per statistics area"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        help_text=_("One per line: “fdtrygd ARBSOK 5200” or “area INNTEKT 3900”."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def clean_prices(self) -> list[dict]:
        entries = []
        for number, raw in enumerate(self.cleaned_data.get("prices", "").splitlines(), start=1):
            parts = raw.split()
            if not parts:
                continue
            if len(parts) != 3 or parts[0] not in SpecificPriceKind.values:
                raise forms.ValidationError(
                    _("Line %(number)s: write the kind (fdtrygd or area), the table or area, and the price.")
                    % {"number": number}
                )
            entries.append({"kind": parts[0], "key": parts[1], "price": parts[2]})
        return entries


class OfferSettingsForm(DsFormMixin, forms.Form):
    delivery_date = forms.DateField(label=_("Delivery date"), widget=DateInput, required=False)
    exchange_method = forms.ChoiceField(label=_("How the data are exchanged"), choices=ExchangeMethod.choices)
    exchange_details = forms.CharField(
        label=_("Details of the exchange (e.g. the TSD project number)"), max_length=500, required=False
    )
    special_terms = forms.CharField(
        label=_("Further terms of this agreement"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    invoice_address = forms.CharField(
        label=_("Invoice address"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    order_reference = forms.CharField(label=_("Order or reference number"), max_length=100, required=False)


class LineQuantityForm(DsFormMixin, forms.Form):
    quantity = forms.CharField(label=_("Quantity"), max_length=20)


class LineAddForm(DsFormMixin, forms.Form):
    item = forms.ChoiceField(label=_("Tariff item"), choices=LineItem.choices)
    key = forms.CharField(label=_("FD-Trygd table or statistics area"), max_length=80, required=False)
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    quantity = forms.CharField(label=_("Quantity (hours or count)"), max_length=20)
    reason = forms.CharField(label=_("Reason for the line"), widget=forms.Textarea(attrs={"rows": 2}))


class AcceptForm(DsFormMixin, forms.Form):
    invoice_address = forms.CharField(label=_("Invoice address"), widget=forms.Textarea(attrs={"rows": 3}))
    order_reference = forms.CharField(label=_("Your order or reference number"), max_length=100)
    signatory = forms.TypedChoiceField(label=_("Who signs for the institution"), coerce=int, choices=())

    def __init__(self, *args, signatories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["signatory"].choices = [(m.pk, m.full_name) for m in signatories]  # type: ignore[attr-defined]


class DeclineForm(DsFormMixin, forms.Form):
    reason = forms.CharField(label=_("Why you decline the offer"), widget=forms.Textarea(attrs={"rows": 3}))


class ConfirmForm(DsFormMixin, forms.Form):
    confirm = forms.BooleanField(label=_("I have read the document and sign it"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["confirm"].widget.attrs["class"] = "ds-checkbox"


class SignForm(ConfirmForm):
    document_sha256 = forms.CharField(widget=forms.HiddenInput, max_length=64)


class UploadForm(DsFormMixin, forms.Form):
    file = forms.FileField(label=_("The agreement, signed, as PDF"))
