"""Reads: inbox, sent box, packages per case, and who may see a package."""

from __future__ import annotations

from django.db.models import QuerySet

from tilgang.accounts.models import User
from tilgang.exchange.models import Package
from tilgang.exchange.services import CASE_ROLES


def can_see_cases(user: object) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role_set & CASE_ROLES)  # type: ignore[attr-defined]


def inbox(user: User) -> QuerySet[Package]:
    return (
        Package.objects.filter(status=Package.Status.SENT, recipients__user=user)
        .select_related("sender")
        .order_by("-sent_at", "-pk")
    )


def sent_box(user: User) -> QuerySet[Package]:
    return (
        Package.objects.filter(sender=user)
        .prefetch_related("recipients__user")
        .order_by("-created_at", "-pk")
    )


def packages_for_case(reference: str) -> QuerySet[Package]:
    return (
        Package.objects.filter(case_reference__iexact=reference.strip())
        .select_related("sender")
        .prefetch_related("recipients__user")
        .order_by("-created_at", "-pk")
    )


def package_for(user: User, pk: int) -> tuple[Package, str] | None:
    """The package and the viewer's relation to it ("sender", "recipient", "staff"), or None."""
    package = Package.objects.select_related("sender").filter(pk=pk).first()
    if package is None:
        return None
    if package.sender_id == user.pk:
        return package, "sender"
    if package.is_sent and package.recipients.filter(user=user).exists():
        return package, "recipient"
    if can_see_cases(user):
        return package, "staff"
    return None
