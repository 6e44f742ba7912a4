from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from django.db.models import QuerySet

from tilgang.audit.chain import Finding, Link, verify
from tilgang.audit.models import AuditEvent, AuditHead, audit_key


def audit_events(
    *,
    actor_id: int | None = None,
    object_type: str = "",
    object_id: str = "",
    action: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.all().order_by("-seq")
    if actor_id is not None:
        events = events.filter(actor_id=actor_id)
    if object_type:
        events = events.filter(object_type=object_type)
    if object_id:
        events = events.filter(object_id=object_id)
    if action:
        events = events.filter(action__startswith=action)
    if since is not None:
        events = events.filter(created_at__gte=since)
    if until is not None:
        events = events.filter(created_at__lt=until)
    return events


def _links() -> Iterator[Link]:
    # Storage order (primary key), not seq: a reordering shows up as seq out of place.
    for event in AuditEvent.objects.order_by("pk").iterator(chunk_size=2000):
        yield Link(
            id=event.pk,
            seq=event.seq,
            created_at=event.created_at.isoformat(),
            actor_id=event.actor_id,
            action=event.action,
            object_type=event.object_type,
            object_id=event.object_id,
            ip=event.ip,
            payload=event.payload,
            prev_hash=event.prev_hash,
            hash=event.hash,
        )


def audit_chain_verify() -> tuple[int, Finding | None]:
    """Return (number of events, first tampering or None)."""
    head = AuditHead.objects.filter(id=1).first()
    head_tuple = (head.seq, head.hash, head.mac) if head else None
    count = AuditEvent.objects.count()
    return count, verify(audit_key(), _links(), head_tuple)
