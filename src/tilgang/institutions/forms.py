from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tilgang.core.forms import DsFormMixin
from tilgang.core.validators import normalise_orgnr
from tilgang.institutions.models import Institution, InstitutionKind


class InstitutionForm(DsFormMixin, forms.ModelForm):
    class Meta:
        model = Institution
        fields = [
            "name",
            "orgnr",
            "foreign_id",
            "country",
            "kind",
            "public_body_category",
            "approved_from",
            "approved_to",
        ]
        widgets = {
            "approved_from": forms.DateInput(attrs={"type": "date"}),
            "approved_to": forms.DateInput(attrs={"type": "date"}),
        }

    def clean_orgnr(self):
        value = self.cleaned_data.get("orgnr", "").strip()
        return normalise_orgnr(value) if value else ""

    def clean_country(self):
        return self.cleaned_data["country"].strip().upper()

    def clean(self):
        data = super().clean() or {}
        if data.get("country") == "NO" and not data.get("orgnr"):
            self.add_error("orgnr", _("A Norwegian institution needs its organisation number."))
        if data.get("country") != "NO" and not data.get("orgnr") and not data.get("foreign_id"):
            self.add_error("foreign_id", _("A foreign institution needs an identifier from its own country."))
        if data.get("kind") == InstitutionKind.PUBLIC_BODY and not data.get("public_body_category"):
            self.add_error("public_body_category", _("Choose the category (a–e) of the public body."))
        start, end = data.get("approved_from"), data.get("approved_to")
        if start and end and end < start:
            raise ValidationError(_("The approval cannot end before it starts."))
        return data
