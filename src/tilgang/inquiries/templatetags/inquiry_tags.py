"""Formatting for the information service: due times with the weekday, in the active language."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone, translation
from django.utils.dateformat import format as date_format

register = template.Library()


@register.filter
def when(value: datetime | None) -> str:
    """``tysdag 24. november 2026 kl. 15:00`` (nynorsk), ``Tuesday 24 November 2026, 15:00`` (English)."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    if (translation.get_language() or "nb").startswith("en"):
        return date_format(local, "l j F Y, H:i")
    return date_format(local, r"l j. F Y \k\l. H:i")


@register.filter
def hours(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f}"


@register.filter
def has_any_role(user, roles: str) -> bool:
    """``user|has_any_role:"information_service,head_of_section"``"""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.role_set & {role.strip() for role in roles.split(",")})
