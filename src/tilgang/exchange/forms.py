from django import forms
from django.utils.translation import gettext_lazy as _

from tilgang.core.forms import DsFormMixin
from tilgang.exchange.models import ArchiveFormat
from tilgang.exchange.services import MAX_DAYS, MIN_DAYS


class PackageForm(DsFormMixin, forms.Form):
    recipients = forms.CharField(
        label=_("Recipients"),
        help_text=_("E-mail addresses, separated by commas."),
        max_length=2000,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    case_reference = forms.CharField(
        label=_("Case number or reference"),
        help_text=_("The office's case number or reference that the package relates to."),
        max_length=100,
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )
    archive_format = forms.ChoiceField(
        label=_("Encryption format"),
        choices=ArchiveFormat.choices,
        initial=ArchiveFormat.SEVEN_Z,
        widget=forms.RadioSelect,
    )
    download_days = forms.IntegerField(
        label=_("Days the package can be downloaded"), min_value=MIN_DAYS, max_value=MAX_DAYS, initial=14
    )
    receipt_requested = forms.BooleanField(label=_("Send me a receipt when it is downloaded"), required=False)

    def __init__(self, *args, staff: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not staff:
            self.fields["recipients"].label = _("Recipient at the office")
            self.fields["recipients"].help_text = _(
                "The e-mail address of the person at the office you send to."
            )
        self.fields["archive_format"].widget.attrs.pop("class", None)
        self.fields["receipt_requested"].widget.attrs["class"] = "ds-input"

    def recipient_list(self) -> list[str]:
        raw = self.cleaned_data["recipients"].replace(";", ",").replace(" ", ",")
        return [part.strip().lower() for part in raw.split(",") if part.strip()]


class ReopenForm(DsFormMixin, forms.Form):
    days = forms.IntegerField(label=_("Days"), min_value=MIN_DAYS, max_value=MAX_DAYS, initial=14)


class CaseForm(DsFormMixin, forms.Form):
    reference = forms.CharField(label=_("Case number or reference"), max_length=100)
