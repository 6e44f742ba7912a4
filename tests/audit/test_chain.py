"""The audit chain catches each of the four tamperings: modified, deleted, inserted, reordered."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction

from tilgang.audit.models import AuditEvent, AuditHead
from tilgang.audit.selectors import audit_chain_verify
from tilgang.audit.services import audit_record


@pytest.fixture
def chain(db):
    with transaction.atomic():
        for number in range(1, 7):
            audit_record(
                actor=None, action="test.thing.changed", obj=("test.thing", number), payload={"n": number}
            )
    return list(AuditEvent.objects.order_by("seq"))


def test_intact_chain_verifies(chain):
    assert audit_chain_verify() == (6, None)
    call_command("audit_verify")  # exits normally


def test_events_are_linked_in_order(chain):
    assert [event.seq for event in chain] == [1, 2, 3, 4, 5, 6]
    assert all(later.prev_hash == earlier.hash for earlier, later in zip(chain, chain[1:], strict=False))


def test_modified_payload_is_caught(chain):
    AuditEvent.objects.filter(seq=3).update(payload={"n": 99})
    _, finding = audit_chain_verify()
    assert (finding.kind, finding.seq) == ("modified", 3)
    with pytest.raises(CommandError, match="event 3: modified"):
        call_command("audit_verify")


def test_modified_actor_is_caught(chain):
    AuditEvent.objects.filter(seq=5).update(actor_id=42)
    assert audit_chain_verify()[1].kind == "modified"


def test_deleted_event_is_caught(chain):
    AuditEvent.objects.filter(seq=4).delete()
    _, finding = audit_chain_verify()
    assert (finding.kind, finding.seq) == ("deleted", 5)


def test_deleted_newest_events_are_caught_through_the_head(chain):
    AuditEvent.objects.filter(seq__gte=5).delete()
    _, finding = audit_chain_verify()
    assert finding.kind == "deleted"


def test_inserted_event_is_caught(chain):
    # Re-store events 4–6 behind a forged event, keeping their own content.
    later = list(AuditEvent.objects.filter(seq__gte=4).order_by("seq").values())
    AuditEvent.objects.filter(seq__gte=4).delete()
    forged = dict(later[0])
    forged.update(id=None, seq=100, action="test.thing.forged", hash="f" * 64, prev_hash=chain[2].hash)
    AuditEvent.objects.create(**forged)
    for row in later:
        AuditEvent.objects.create(**{**row, "id": None})
    _, finding = audit_chain_verify()
    assert (finding.kind, finding.seq) == ("inserted", 100)


def test_reordered_events_are_caught(chain):
    rows = {row["seq"]: row for row in AuditEvent.objects.filter(seq__in=[2, 3]).values()}
    AuditEvent.objects.filter(seq__gte=2).delete()
    rest = [rows[3], rows[2]]
    others = [event for event in chain if event.seq >= 4]
    for row in rest:
        AuditEvent.objects.create(**{**row, "id": None})
    for event in others:
        event.pk = None
        event.save(force_insert=True)
    _, finding = audit_chain_verify()
    assert (finding.kind, finding.seq) == ("reordered", 3)


def test_head_record_tampering_is_caught(chain):
    AuditHead.objects.filter(id=1).update(seq=7)
    assert audit_chain_verify()[1].kind == "modified"


def test_event_outside_a_transaction_is_refused(transactional_db):
    with pytest.raises(RuntimeError, match="inside the transaction"):
        audit_record(actor=None, action="test.thing.changed")
