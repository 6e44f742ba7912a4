"""Writing audit events. Called by every service that changes state, inside its transaction."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils import timezone

from tilgang.audit.chain import GENESIS, Link, compute_hash, head_mac
from tilgang.audit.models import AuditEvent, AuditHead, audit_key
from tilgang.core.middleware import current_ip


def _object_ref(obj: Any) -> tuple[str, str]:
    if obj is None:
        return "", ""
    if isinstance(obj, tuple):
        return str(obj[0]), str(obj[1])
    if isinstance(obj, models.Model):
        return obj._meta.label_lower, str(obj.pk)
    raise TypeError(f"cannot audit object of type {type(obj).__name__}")


def audit_record(*, actor: Any, action: str, obj: Any = None, payload: dict | None = None) -> AuditEvent:
    """Append an event to the chain in the caller's transaction.

    ``payload`` holds IDs and codes only — never names, e-mail addresses or free text.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("audit events are written inside the transaction of the change they record")
    object_type, object_id = _object_ref(obj)
    actor_id = getattr(actor, "pk", None) if actor is not None else None
    head, _ = AuditHead.objects.select_for_update().get_or_create(
        id=1, defaults={"seq": 0, "hash": GENESIS, "mac": head_mac(audit_key(), 0, GENESIS)}
    )
    # Round to microseconds as stored, so verification recomputes the same text.
    created_at = timezone.now()
    link = Link(
        id=0,
        seq=head.seq + 1,
        created_at=created_at.isoformat(),
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip=current_ip.get(),
        payload=payload or {},
        prev_hash=head.hash,
        hash="",
    )
    digest = compute_hash(audit_key(), link)
    event = AuditEvent.objects.create(
        seq=link.seq,
        created_at=created_at,
        actor_id=actor_id,
        action=action,
        object_type=object_type,
        object_id=object_id,
        ip=link.ip,
        payload=link.payload,
        prev_hash=link.prev_hash,
        hash=digest,
    )
    head.seq, head.hash, head.mac = link.seq, digest, head_mac(audit_key(), link.seq, digest)
    head.save(update_fields=["seq", "hash", "mac"])
    return event
