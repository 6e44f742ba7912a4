"""Forms of preparation: the order (minimisation per variable, years for a project change), third-party
requests, complaints and the deletion confirmation."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tilgang.core.forms import DsFormMixin
from tilgang.engine.metadata import Metadata
from tilgang.preparation import orders
from tilgang.preparation.models import LinkageMode

YEARS_RE = re.compile(r"^\s*\d{4}(\s*-\s*\d{4})?(\s*,\s*\d{4}(\s*-\s*\d{4})?)*\s*$")


def parse_years(text: str) -> list[int]:
    """``2018-2020, 2022`` → [2018, 2019, 2020, 2022]."""
    years: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "-" in part:
            start, end = (int(x) for x in part.split("-", 1))
            years.update(range(min(start, end), max(start, end) + 1))
        else:
            years.add(int(part))
    return sorted(years)


def years_text(years: list[int]) -> str:
    return ", ".join(str(y) for y in years)


class OrderForm(DsFormMixin, forms.Form):
    """One minimisation choice per ordered variable; for a project change also the years of each."""

    def __init__(self, *args: Any, spec: dict[str, Any], meta: Metadata, change: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.names: list[str] = []
        self.change = change
        for request in spec.get("variables", []):
            name = request["name"]
            try:
                variable = meta.variable(name)
            except KeyError:
                continue
            self.names.append(name)
            self.fields[f"min_{name}"] = forms.ChoiceField(
                label=name, choices=orders.minimisation_choices(variable), required=False,
                initial=orders.minimise_key(request.get("minimise")),
            )  # fmt: skip
            if change and variable.temporality != "FIXED":
                from tilgang.preparation.services import _years_in

                self.fields[f"years_{name}"] = forms.CharField(
                    label=_("Years of %(name)s") % {"name": name}, required=False,
                    initial=years_text(_years_in({"variables": [request]}).get(name, [])),
                    help_text=_("For example 2018-2020, 2022."),
                )  # fmt: skip

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in self.names:
            text = cleaned.get(f"years_{name}")
            if text and not YEARS_RE.match(text):
                self.add_error(f"years_{name}", _("Write years as 2018-2020, 2022."))
        return cleaned

    def choices(self) -> dict[str, str]:
        return {name: self.cleaned_data.get(f"min_{name}") or "" for name in self.names}

    def years(self) -> dict[str, list[int]] | None:
        if not self.change:
            return None
        found = {}
        for name in self.names:
            text = self.cleaned_data.get(f"years_{name}")
            if text:
                found[name] = parse_years(text)
        return found

    def rows(self):
        for name in self.names:
            yield name, self[f"min_{name}"], self[f"years_{name}"] if f"years_{name}" in self.fields else None


class ThirdPartyForm(DsFormMixin, forms.Form):
    owner = forms.CharField(label=_("Data owner"), max_length=120)
    contact_email = forms.EmailField(
        label=_("The owner's contact (e-mail of a portal user)"),
        help_text=_("The request, and with distributed linkage the linkage key, go to this person."),
    )
    mode = forms.ChoiceField(label=_("Linkage"), choices=LinkageMode.choices, initial=LinkageMode.DISTRIBUTED)
    table_name = forms.CharField(
        label=_("Delivered table (linked at the office)"), max_length=32, required=False,
        help_text=_("For example NAV_TILTAK: 1–32 characters A–Z, 0–9 and _."),
    )  # fmt: skip
    id_column = forms.CharField(label=_("Column with the national ID"), max_length=64, initial="FNR")


class ComplaintForm(DsFormMixin, forms.Form):
    message = forms.CharField(
        label=_("What is wrong with the delivery?"), widget=forms.Textarea(attrs={"rows": 4})
    )


class DeletionForm(DsFormMixin, forms.Form):
    case_reference = forms.CharField(
        label=_("Case reference"),
        max_length=20,
        help_text=_("As it stands on the decision, for example 26/00012."),
    )
    confirm = forms.BooleanField(
        label=_("The data, all copies and all printouts have been deleted."),
        required=True,
    )
