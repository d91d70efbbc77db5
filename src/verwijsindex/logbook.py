"""The logbook (logboek): who did what, when, as hash chains that show any tampering.

Each entry carries the hash of the one before it in its *lane*; a lane's head (its last
sequence number and hash) is stored apart, so an edited, removed, reordered or appended
entry breaks the chain (JW 7.1.2.3(1)(f)). Entries name a youth only through a per-entry
reference derived from a per-youth secret, never a BSN or a storage pseudonym.

>>> from datetime import datetime, timezone
>>> from verwijsindex.model import LogAction
>>> at = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
>>> entries = chain(None, [Draft(at=at, actor="professional:p1", action=LogAction.REGISTERED)],
...                 lane=3, ids=iter(["e1"]))
>>> entries[0].seq, entries[0].prev_hash
(1, '')
>>> verify(entries, {3: (1, entries[0].hash)}).ok
True
>>> import attrs
>>> verify([attrs.evolve(entries[0], actor="professional:p2")], {3: (1, entries[0].hash)}).ok
False
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone

import attrs

from verwijsindex.model import LogAction, LogEntry

__all__ = ["Draft", "LogbookReport", "chain", "entry_hash", "verify"]


@attrs.frozen
class Draft:
    """A log entry before it is chained: what happened, by whom, about which reference."""

    at: datetime
    actor: str
    action: LogAction
    subject_ref: str | None = None
    link_id: str | None = None
    match_id: str | None = None
    count: int | None = None


@attrs.frozen
class LogbookReport:
    """The result of :func:`verify`. ``problems`` says where a chain breaks."""

    ok: bool
    entries: int
    lanes: int
    problems: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.ok


_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True)


def _digest(
    id: str,
    lane: int,
    seq: int,
    at: datetime,
    actor: str,
    action: LogAction,
    subject_ref: str | None,
    link_id: str | None,
    match_id: str | None,
    count: int | None,
    prev: str,
) -> str:
    # The pinned encoding, version 1: a JSON array in this order, the time in UTC.
    payload = [
        1,
        id,
        lane,
        seq,
        at.astimezone(timezone.utc).isoformat(),
        actor,
        action.value,
        subject_ref,
        link_id,
        match_id,
        count,
        prev,
    ]
    return hashlib.sha256(_ENCODER.encode(payload).encode("ascii")).hexdigest()


def entry_hash(entry: LogEntry) -> str:
    """SHA-256 over a pinned encoding of every field but the hash itself."""
    return _digest(
        entry.id,
        entry.lane,
        entry.seq,
        entry.at,
        entry.actor,
        entry.action,
        entry.subject_ref,
        entry.link_id,
        entry.match_id,
        entry.count,
        entry.prev_hash,
    )


def chain(
    head: tuple[int, str] | None, drafts: Sequence[Draft], *, lane: int, ids: Iterator[str]
) -> list[LogEntry]:
    """Turn *drafts* into entries that continue lane *lane* after *head*."""
    seq, prev = head if head is not None else (0, "")
    out: list[LogEntry] = []
    for draft in drafts:
        seq += 1
        entry_id = next(ids)
        at = draft.at.astimezone(timezone.utc)
        digest = _digest(
            entry_id,
            lane,
            seq,
            at,
            draft.actor,
            draft.action,
            draft.subject_ref,
            draft.link_id,
            draft.match_id,
            draft.count,
            prev,
        )
        out.append(
            LogEntry(
                id=entry_id,
                lane=lane,
                seq=seq,
                at=at,
                actor=draft.actor,
                action=draft.action,
                subject_ref=draft.subject_ref,
                link_id=draft.link_id,
                match_id=draft.match_id,
                count=draft.count,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    return out


def verify(entries: Iterable[LogEntry], heads: Mapping[int, tuple[int, str]]) -> LogbookReport:
    """Check every lane: sequence without gaps, each link of the chain, and the stored head.

    *entries* must come ordered by lane, then sequence number, as stores return them.
    """
    problems: list[str] = []
    last: dict[int, tuple[int, str]] = {}
    count = 0
    for entry in entries:
        count += 1
        seq, prev = last.get(entry.lane, (0, ""))
        where = f"lane {entry.lane}, entry {entry.seq}"
        if entry.seq != seq + 1:
            problems.append(f"{where}: expected sequence number {seq + 1}")
        if entry.prev_hash != prev:
            problems.append(f"{where}: does not follow the entry before it")
        if entry_hash(entry) != entry.hash:
            problems.append(f"{where}: contents changed after it was written")
        last[entry.lane] = (entry.seq, entry.hash)
    for lane in sorted(set(heads) | set(last)):
        if heads.get(lane) != last.get(lane):
            problems.append(f"lane {lane}: the stored head does not match the last entry")
        if len(problems) > 100:
            break
    return LogbookReport(ok=not problems, entries=count, lanes=len(last), problems=tuple(problems))
