"""Time-based work for institutions, run by ``tilgang manage sweep`` (idempotent)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from tilgang.audit.services import audit_record
from tilgang.core.roles import Role
from tilgang.institutions.models import STAGED_ATTACHMENT_HOURS, Approval, StagedAttachment
from tilgang.institutions.selectors import EXPIRY_WARNING_DAYS
from tilgang.notify.services import email_send


def approvals_expiring(now: datetime) -> int:
    """E-mail the administrators once about each approval that ends within 30 days.

    An approval that is followed by another one (renewed, or on a list too) is not reported."""
    from tilgang.accounts.models import User

    today = timezone.localdate(now)
    horizon = today + timedelta(days=EXPIRY_WARNING_DAYS)
    due = Approval.objects.filter(
        valid_to__isnull=False, valid_to__gte=today, valid_to__lte=horizon, expiry_notice_sent_at__isnull=True
    ).select_related("institution")
    acted = 0
    for approval in due:
        institution, ends = approval.institution, approval.valid_to
        if ends is None:  # the query excludes open-ended approvals
            continue
        followed = institution.approvals.exclude(pk=approval.pk).filter(
            valid_from__lte=ends + timedelta(days=1)
        )
        if any(other.valid_to is None or other.valid_to > ends for other in followed):
            continue
        with transaction.atomic():
            locked = Approval.objects.select_for_update().get(pk=approval.pk)
            if locked.expiry_notice_sent_at is not None:
                continue
            locked.expiry_notice_sent_at = now
            locked.save(update_fields=["expiry_notice_sent_at"])
            admins = User.objects.filter(is_active=True, role_grants__role=Role.ADMINISTRATOR).distinct()
            for admin in admins:
                email_send(
                    to=admin.email,
                    template="institution_approval_expiring",
                    context={
                        "institution": institution,
                        "approval": locked,
                        "link": f"/institusjoner/{institution.pk}/",
                    },
                    language=admin.language,
                )
            audit_record(
                actor=None,
                action="institutions.approval.expiry_notified",
                obj=locked,
                payload={
                    "institution": institution.pk,
                    "valid_to": ends.isoformat(),
                    "recipients": len(admins),
                },
            )
        acted += 1
    return acted


def staged_attachments_expire(now: datetime) -> int:
    """Remove the kept files of new-request forms that were never sent (older than a day)."""
    from tilgang.institutions.services import _storage_discard

    removed = 0
    for staged in StagedAttachment.objects.filter(
        created_at__lt=now - timedelta(hours=STAGED_ATTACHMENT_HOURS)
    ):
        storage, name = staged.file.storage, staged.file.name
        with transaction.atomic():
            locked = StagedAttachment.objects.select_for_update().filter(pk=staged.pk).first()
            if locked is None:  # used for a request, or swept, meanwhile
                continue
            audit_record(
                actor=None,
                action="institutions.staged_attachment.expired",
                obj=locked,
                payload={"kind": locked.kind},
            )
            locked.delete()
        _storage_discard(storage, name)
        removed += 1
    return removed


SWEEPS = [approvals_expiring, staged_attachments_expire]
