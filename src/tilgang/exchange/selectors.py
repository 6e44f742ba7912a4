"""Reads: inbox, sent box, packages per case, and who may see a package."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tilgang.accounts.models import User
from tilgang.core.registry import Task
from tilgang.exchange.models import Package, Upload
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


def staged_uploads(user: User, ids: Iterable[object]) -> list[Upload]:
    """The user's own finished portal uploads among ``ids`` that no package has claimed and that
    have not expired, in the order given. Anyone else's, or a malformed id, is simply not there."""
    wanted: list[uuid.UUID] = []
    for raw in ids:
        try:
            value = raw if isinstance(raw, uuid.UUID) else uuid.UUID(str(raw))
        except ValueError:
            continue
        if value not in wanted:
            wanted.append(value)
    found = {
        upload.pk: upload
        for upload in Upload.objects.filter(
            pk__in=wanted,
            owner=user,
            package__isnull=True,
            completed_at__isnull=False,
            expires_at__gt=timezone.now(),
        )
    }
    return [found[pk] for pk in wanted if pk in found]


def waiting_for(user: User) -> list[Task]:
    """The front page's "Waiting for you": packages sent to the user that they have not downloaded yet."""
    waiting = Package.objects.filter(
        status=Package.Status.SENT, recipients__user=user, recipients__first_downloaded_at__isnull=True
    ).order_by("available_until", "pk")
    return [
        Task(
            _("Download the package “%(subject)s”") % {"subject": package.subject},
            reverse("exchange:package", args=[package.pk]),
            package.available_until,
        )
        for package in waiting
    ]
