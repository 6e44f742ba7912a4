"""Filters of the preparation pages: stored engine values in words."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext_lazy as _

from tilgang.catalog.models import DataType
from tilgang.preparation import orders, selectors

register = template.Library()


@register.filter
def minimisation(spec: dict[str, Any] | None) -> str:
    """``{{ v.minimise|minimisation }}``: “Deciles (10 groups)”, “Year only”, …"""
    return orders.minimisation_text(spec)


@register.filter
def data_type(code: str) -> str:
    """A codebook column's data type (STRING, LONG, …) in words."""
    return str(DataType(code).label) if code in DataType.values else code


@register.filter
def disclosure(report: object) -> selectors.DisclosureFigures | None:
    return selectors.disclosure_figures(report)


STEPS = {
    "check": _("checking the order"),
    "identity": _("reading the identity register"),
    "population": _("finding the population"),
    "extract": _("extracting the variables"),
    "disclosure": _("checking the disclosure risk"),
    "running_numbers": _("making running numbers"),
    "linkage": _("linking third-party data"),
    "write": _("writing the files"),
    "guard": _("running the release guard"),
    "codebook": _("writing the codebook"),
    "manifest": _("writing the manifest"),
    "done": _("finished"),
}


@register.filter
def job_step(step: str) -> str:
    """The engine's step name (``tilgang.engine.pipeline.STEPS``) in words."""
    label = STEPS.get(step)
    return str(label) if label is not None else step


@register.filter
def is_codebook(path: str) -> bool:
    """A codebook file of an extraction, which the case officer may open before delivering."""
    from tilgang.preparation.views import CODEBOOK_FILES

    return bool(CODEBOOK_FILES.match(str(path)))
