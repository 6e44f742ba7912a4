"""The HMAC-SHA256 chain: computing and verifying links. Pure functions over plain values."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

GENESIS = "0" * 64


@dataclass(frozen=True)
class Link:
    id: int
    seq: int
    created_at: str  # ISO 8601
    actor_id: int | None
    action: str
    object_type: str
    object_id: str
    ip: str | None
    payload: dict
    prev_hash: str
    hash: str


def compute_hash(key: bytes, link: Link) -> str:
    message = json.dumps(
        [
            link.seq,
            link.created_at,
            link.actor_id,
            link.action,
            link.object_type,
            link.object_id,
            link.ip,
            link.payload,
            link.prev_hash,
        ],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def head_mac(key: bytes, seq: int, last_hash: str) -> str:
    return hmac.new(key, f"head:{seq}:{last_hash}".encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Finding:
    kind: str  # "modified" | "deleted" | "inserted" | "reordered"
    seq: int  # the event at (or before) which the chain breaks
    detail: str


def verify(key: bytes, links: Iterable[Link], head: tuple[int, str, str] | None) -> Finding | None:
    """Walk the chain in storage order; return the first tampering found, or None.

    ``head`` is (seq, last_hash, mac) from the head record; without it, truncation at the end
    cannot be told from a shorter chain.
    """
    rows: Sequence[Link] = list(links)
    expected_seq, prev_hash = 1, GENESIS
    for index, link in enumerate(rows):
        if not hmac.compare_digest(compute_hash(key, link), link.hash):
            following = rows[index + 1] if index + 1 < len(rows) else None
            skips_over = (
                following is not None
                and hmac.compare_digest(compute_hash(key, following), following.hash)
                and following.prev_hash == prev_hash
            )
            if skips_over:
                return Finding("inserted", link.seq, "an event not in the chain was inserted")
            return Finding("modified", link.seq, "the event's content does not match its hash")
        if link.seq == expected_seq and link.prev_hash == prev_hash:
            expected_seq, prev_hash = link.seq + 1, link.hash
            continue
        later_seqs = {other.seq for other in rows[index + 1 :]}
        if link.seq > expected_seq and not later_seqs & set(range(expected_seq, link.seq)):
            return Finding(
                "deleted", link.seq, f"events {expected_seq}–{link.seq - 1} are missing before this one"
            )
        return Finding("reordered", link.seq, f"expected event {expected_seq} here")
    if head is not None:
        head_seq, head_hash, mac = head
        if not hmac.compare_digest(head_mac(key, head_seq, head_hash), mac):
            return Finding("modified", head_seq, "the chain's head record was altered")
        if head_seq > expected_seq - 1:
            return Finding(
                "deleted", expected_seq, f"events {expected_seq}–{head_seq} at the end are missing"
            )
        if head_seq < expected_seq - 1 or head_hash != prev_hash:
            return Finding("inserted", head_seq + 1, "events were appended outside the chain")
    return None
