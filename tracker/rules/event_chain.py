"""The hash chain of the event log (issue 14, 网络安全等级保护 2.0 8.1.4.3 c) and 8.1.4.7): pure Python, no Flask.

Every event carries ``hash`` = SHA-256 over a canonical serialisation of its content and ``prev_hash``, the
hash of the event before it in the same chain. There is one chain per agency, and one (chain 0) for the
events that belong to no agency (a failed login with a name nobody has, a change of the shared calendar).
The first event of a chain follows GENESIS. The position of an event in its chain (1, 2, 3 ... in id
order) is part of what is hashed, so an event deleted, inserted or moved breaks the chain at the next one.

This module is the one rule: the writer (tracker.audit), the migration that chains the events of the
previous release, and ``flask --app tracker audit verify`` all call ``event_hash``.

What the content is, exactly (version 1): the JSON array
``[1, chain, seq, kind, subject_type, subject_id, actor_id, created_at, data, note, prev_hash]`` written with
sorted keys, no whitespace and UTF-8 (``ensure_ascii=False``); ``created_at`` is the UTC time as ISO 8601
with microseconds and ``+00:00``; ``data`` is the JSON value as the database gives it back (so object keys
are strings and tuples are arrays).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

VERSION = 1
GENESIS = "0" * 64  # the prev_hash of the first event of every chain
NO_AGENCY = 0  # the chain of events without an agency (agency ids start at 1)


def chain_of(agency_id: int | None) -> int:
    return NO_AGENCY if agency_id is None else agency_id


def _utc_iso(ts: datetime) -> str:
    if ts.tzinfo is None:  # stored UTC without an offset (never written by the product; read defensively)
        ts = ts.replace(tzinfo=UTC)
    return ts.astimezone(UTC).isoformat(timespec="microseconds")


def _json_value(value):
    """``value`` as it comes back from a JSON column: keys as strings, tuples as lists."""
    return json.loads(json.dumps(value, ensure_ascii=False))


def canonical(
    *,
    chain: int,
    seq: int,
    kind: str,
    subject_type: str,
    subject_id: int | None,
    actor_id: int | None,
    created_at: datetime,
    data,
    note: str | None,
    prev_hash: str,
) -> bytes:
    content = [
        VERSION,
        chain,
        seq,
        kind,
        subject_type,
        subject_id,
        actor_id,
        _utc_iso(created_at),
        _json_value(data if data is not None else {}),
        note,
        prev_hash,
    ]
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def event_hash(**content) -> str:
    """SHA-256 (hex) of ``canonical(**content)``."""
    return hashlib.sha256(canonical(**content)).hexdigest()


CONTENT = ("kind", "subject_type", "subject_id", "actor_id", "created_at", "data", "note")


@dataclass
class Head:
    """Where a chain ends: how many events it holds and the hash of the last one."""

    seq: int = 0
    last_hash: str = GENESIS


def link(head: Head, chain: int, row: dict) -> tuple[str, str]:
    """Append ``row`` (the CONTENT keys) to the chain ending at ``head`` (moved on): (prev_hash, hash)."""
    prev = head.last_hash
    head.seq += 1
    head.last_hash = event_hash(chain=chain, seq=head.seq, prev_hash=prev, **{k: row[k] for k in CONTENT})
    return prev, head.last_hash


@dataclass
class Break:
    """The first event of a chain that does not verify, and why."""

    event_id: int | None
    chain: int
    kind: str | None
    created_at: datetime | None
    reason: str


@dataclass
class Verifier:
    """Fed the stored chain heads (``limits``, read first), then every event in id order (``add``), then the
    heads again (``finish``): the events checked per chain and the first break of each chain. Memory is one
    Head per chain, whatever the number of events.

    Events appended after the heads were read (a chain's events beyond its head's count: under the chain
    lock they come later in id order) are left for the next run, so a verify during normal work is exact."""

    limits: dict[int, tuple[int, str]] = field(default_factory=dict)
    heads: dict[int, Head] = field(default_factory=dict)
    breaks: dict[int, Break] = field(default_factory=dict)

    def add(self, row: dict) -> None:
        """row: id, agency_id, prev_hash, hash and the CONTENT keys."""
        chain = chain_of(row["agency_id"])
        if chain in self.breaks:
            return  # after its first break a chain says nothing more about the events that follow
        head = self.heads.setdefault(chain, Head())
        if chain in self.limits and head.seq >= self.limits[chain][0]:
            return  # appended after the heads were read
        stored_prev, stored_hash = row["prev_hash"], row["hash"]
        seq = head.seq + 1
        recomputed = event_hash(chain=chain, seq=seq, prev_hash=stored_prev or "", **{k: row[k] for k in CONTENT})
        if stored_prev != head.last_hash:
            reason = "与前一事件不衔接（前一事件被删除、插入或改动）"
        elif recomputed != stored_hash:
            reason = "内容与哈希不符（事件被改动）"
        else:
            head.seq, head.last_hash = seq, stored_hash
            return
        self.breaks[chain] = Break(row["id"], chain, row["kind"], row["created_at"], reason)

    def finish(self, heads_now: dict[int, tuple[int, str]]) -> None:
        """Each chain must end where its head said when the run began (events deleted at the end of a chain
        leave the head ahead of them); a chain whose first event came during the run must have a head now."""
        for chain in sorted(set(self.limits) | set(self.heads)):
            if chain in self.breaks:
                continue
            head = self.heads.get(chain, Head())
            if chain in self.limits:
                if self.limits[chain] != (head.seq, head.last_hash):
                    self.breaks[chain] = Break(None, chain, None, None, "链尾与链头记录不符（末尾的事件被删除）")
            elif chain not in heads_now:
                self.breaks[chain] = Break(None, chain, None, None, "没有链头记录")

    def checked(self) -> dict[int, int]:
        return {chain: head.seq for chain, head in sorted(self.heads.items())}

    def first_break(self) -> Break | None:
        """The break with the smallest event id (a break at a chain's end comes after every event)."""
        return min(self.breaks.values(), key=lambda b: (b.event_id is None, b.event_id or 0, b.chain), default=None)
