from datetime import datetime

from ninja import Router, Schema

from tilgang.audit.selectors import audit_chain_verify, audit_events
from tilgang.core.permissions import ADMIN, STAFF, register

router = Router(tags=["audit"])


class EventOut(Schema):
    seq: int
    created_at: datetime
    actor_id: int | None
    action: str
    object_type: str
    object_id: str
    ip: str | None
    payload: dict


class VerifyOut(Schema):
    intact: bool
    events: int
    broken_at: int | None = None
    kind: str | None = None
    detail: str | None = None


@router.get("/events", response=list[EventOut], url_name="audit_events")
def events(
    request,
    actor_id: int | None = None,
    object_type: str = "",
    object_id: str = "",
    since: datetime | None = None,
    until: datetime | None = None,
    limit: int = 100,
):
    limit = max(1, min(limit, 1000))
    return list(
        audit_events(
            actor_id=actor_id, object_type=object_type, object_id=object_id, since=since, until=until
        )[:limit]
    )


@router.post("/verify", response=VerifyOut, url_name="audit_verify")
def verify(request):
    count, finding = audit_chain_verify()
    if finding is None:
        return {"intact": True, "events": count}
    return {
        "intact": False,
        "events": count,
        "broken_at": finding.seq,
        "kind": finding.kind,
        "detail": finding.detail,
    }


register({"api:audit_events": STAFF, "api:audit_verify": ADMIN})
