from __future__ import annotations

from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from tilgang.catalog.models import Variable
from tilgang.catalog.variable_lists import MAX_BYTES
from tilgang.core.forms import DsFormMixin


class SearchForm(DsFormMixin, forms.Form):
    q = forms.CharField(
        label=_("Search the variables"),
        required=False,
        max_length=200,
        help_text=_("Words in bokmål or English, or a variable name, for example INNTEKT_WLONN."),
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class SelectionForm(DsFormMixin, forms.Form):
    file = forms.FileField(
        label=_("Variable list or script file"),
        required=False,
        help_text=_("A ticked variable list (.xlsx or .csv) or a microdata.no script (.txt)."),
    )
    script = forms.CharField(
        label=_("Or paste a microdata.no script"),
        required=False,
        max_length=200_000,
        widget=forms.Textarea(attrs={"rows": 8, "spellcheck": "false"}),
        help_text=_("Lines with require, import, import-event and import-panel choose the variables."),
    )

    def clean_file(self):
        upload = self.cleaned_data.get("file")
        if upload and upload.size > MAX_BYTES:
            raise forms.ValidationError(_("The file is larger than 5 MB."))
        return upload

    def clean(self):
        data = super().clean() or {}
        if not data.get("file") and not (data.get("script") or "").strip():
            raise forms.ValidationError(_("Choose a file or paste a script."))
        if data.get("file") and (data.get("script") or "").strip():
            raise forms.ValidationError(_("Choose a file or paste a script, not both."))
        return data


class VariableTextsForm(DsFormMixin, forms.Form):
    label_nb = forms.CharField(label=_("Label (bokmål)"), max_length=300)
    label_en = forms.CharField(label=_("Label (English)"), max_length=300)
    definition_nb = forms.CharField(label=_("Definition (bokmål)"), widget=forms.Textarea(attrs={"rows": 4}))
    definition_en = forms.CharField(label=_("Definition (English)"), widget=forms.Textarea(attrs={"rows": 4}))

    @classmethod
    def for_variable(cls, variable: Variable, data=None) -> VariableTextsForm:
        initial = {
            "label_nb": variable.shown_label_nb,
            "label_en": variable.shown_label_en,
            "definition_nb": variable.shown_definition_nb,
            "definition_en": variable.shown_definition_en,
        }
        return cls(data, initial=initial, prefix="texts")


class PublicationDatesForm(DsFormMixin, forms.Form):
    """One date per year of the variable; empty means the loaded date."""

    def __init__(self, *args, variable: Variable, **kwargs):
        super().__init__(*args, prefix="dates", **kwargs)
        self.years: list[int] = []
        for row in variable.coverage.all():
            self.years.append(row.year)
            field = forms.DateField(
                label=str(row.year),
                required=False,
                initial=row.publication_date,
                widget=forms.DateInput(attrs={"type": "date", "class": "ds-input"}, format="%Y-%m-%d"),
            )
            self.fields[f"year_{row.year}"] = field

    def dates(self) -> dict[int, date | None]:
        return {year: self.cleaned_data.get(f"year_{year}") for year in self.years}
