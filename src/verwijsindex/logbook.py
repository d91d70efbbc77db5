"""The logbook (logboek): who did what, when, as hash chains that show any tampering.

Each entry carries the hash of the one before it in its *lane*; a lane's head (its last
sequence number and hash) is stored apart, so an edited, removed, reordered or appended
entry breaks the chain (JW 7.1.2.3(1)(f)). Entries name a youth only through a per-entry
reference derived from a per-youth secret, never a BSN or a storage pseudonym.

>>> from datetime import datetime, timezone
>>> from verwijsindex.model import LogAction
>>> at = datetime(2026, 11, 23, 12, 0, tzinfo=timezone.utc)
>>> entries = chain(None, [draft(at, "professional:p1", LogAction.REGISTERED, id="e1")], lane=3)
>>> entries[0].seq, entries[0].prev_hash
(1, '')
>>> verify(entries, {3: (1, entries[0].hash)}).ok
True
>>> import attrs
>>> verify([attrs.evolve(entries[0], actor="professional:p2")], {3: (1, entries[0].hash)}).ok
False
"""

from __future__ import annotations

import functools
import hashlib
import inspect
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any, Protocol

import attrs

from verwijsindex.clock import ensure_aware
from verwijsindex.errors import InvalidRecordError
from verwijsindex.model import LogAction, LogEntry

__all__ = [
    "DIGEST_ZERO",
    "Draft",
    "LogbookReport",
    "add_digests",
    "chain",
    "check_refs",
    "check_seals",
    "draft",
    "entry_hash",
    "head_message",
    "make_anchor",
    "read_anchor",
    "refs_digest",
    "refs_message",
    "verify",
]


@attrs.frozen(slots=True)
class Draft:
    """A log entry before it is chained: its id, what happened, by whom, about which
    reference. Make one with :func:`draft`, which checks the fields a caller gives."""

    at: datetime
    actor: str
    action: LogAction
    subject_ref: str | None = None
    link_id: str | None = None
    match_id: str | None = None
    count: int | None = None
    id: str = ""


@attrs.frozen
class LogbookReport:
    """The result of :func:`verify`. ``problems`` says where a chain breaks."""

    ok: bool
    entries: int
    lanes: int
    problems: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return self.ok


_quote = json.encoder.encode_basestring_ascii
"""The JSON encoder's own string quoting (its C version where there is one)."""


def _digest(
    id: str,
    lane: int,
    seq: int,
    at: datetime | str,
    actor: str,
    action: LogAction,
    subject_ref: str | None,
    link_id: str | None,
    match_id: str | None,
    count: int | None,
    prev: str,
) -> str:
    # *at* may come as its UTC ISO 8601 text already (chain() writes it once per moment)
    at_text = at if isinstance(at, str) else at.astimezone(timezone.utc).isoformat()
    # .value is a property; _value_ is what it reads (anything but an action goes the
    # long way, and fails there as it did)
    action_text = _quote(action._value_ if type(action) is LogAction else action.value)
    # The pinned encoding, version 1: the compact ASCII JSON array
    # [1, id, lane, seq, at (UTC, ISO 8601), actor, action, subject_ref, link_id, match_id,
    #  count, prev_hash], written out here as json.dumps(..., separators=(",", ":")) would
    # (tests/test_logbook.py pins both the bytes and known hashes).
    payload = (
        f"[1,{_quote(id)},{lane:d},{seq:d},{_quote(at_text)},"
        f"{_quote(actor)},{action_text},"
        f"{'null' if subject_ref is None else _quote(subject_ref)},"
        f"{'null' if link_id is None else _quote(link_id)},"
        f"{'null' if match_id is None else _quote(match_id)},"
        f"{'null' if count is None else format(count, 'd')},{_quote(prev)}]"
    )
    return hashlib.sha256(payload.encode("ascii")).hexdigest()


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


_new = object.__new__
_set = object.__setattr__


def _trusted_entry(
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
    prev_hash: str,
    hash: str,
) -> LogEntry:
    """A :class:`LogEntry` of values checked already, set field by field without its
    validators; written out, not a loop over the fields (one per log entry)."""
    entry: LogEntry = _new(LogEntry)
    _set(entry, "id", id)
    _set(entry, "lane", lane)
    _set(entry, "seq", seq)
    _set(entry, "at", at)
    _set(entry, "actor", actor)
    _set(entry, "action", action)
    _set(entry, "subject_ref", subject_ref)
    _set(entry, "link_id", link_id)
    _set(entry, "match_id", match_id)
    _set(entry, "count", count)
    _set(entry, "prev_hash", prev_hash)
    _set(entry, "hash", hash)
    return entry


if tuple(inspect.signature(_trusted_entry).parameters) != tuple(
    f.name for f in attrs.fields(LogEntry)
):
    raise RuntimeError("_trusted_entry must set every field of LogEntry")  # pragma: no cover


def draft(
    at: datetime,
    actor: str,
    action: LogAction,
    *,
    id: str = "",
    subject_ref: str | None = None,
    link_id: str | None = None,
    match_id: str | None = None,
    count: int | None = None,
) -> Draft:
    """A :class:`Draft`, its fields checked as :class:`LogEntry` would check them. The
    checks are straight-line (and an actor's once per actor), so that :func:`chain` can
    build the entries without running every validator again."""
    if not isinstance(at, datetime):
        raise InvalidRecordError("at must be a datetime")
    if at.tzinfo is not timezone.utc:  # a UTC moment is aware: nothing for ensure_aware
        ensure_aware(at, "at")
    if not isinstance(actor, str):
        raise InvalidRecordError("actor must be a non-empty string")
    _check_actor(actor)
    if not isinstance(action, LogAction):
        raise InvalidRecordError("action must be a LogAction")
    if not (id is None or isinstance(id, str)):
        raise InvalidRecordError("id must be a string")
    if not (subject_ref is None or isinstance(subject_ref, str)):
        raise InvalidRecordError("subject_ref must be a string")
    if not (link_id is None or isinstance(link_id, str)):
        raise InvalidRecordError("link_id must be a string")
    if not (match_id is None or isinstance(match_id, str)):
        raise InvalidRecordError("match_id must be a string")
    if count is not None and (type(count) is not int or count < 0):
        raise InvalidRecordError("count must be a whole number, zero or more")
    return Draft(at, actor, action, subject_ref, link_id, match_id, count, id)


@functools.lru_cache(maxsize=4096)
def _check_actor(actor: str) -> None:
    LogEntry(id="x", lane=0, seq=0, at=_EPOCH, actor=actor, action=LogAction.READ)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def chain(
    head: tuple[int, str] | None,
    drafts: Sequence[Draft],
    *,
    lane: int,
    ids: Iterator[str] | None = None,
    trusted: bool = False,
) -> list[LogEntry]:
    """Turn *drafts* into entries that continue lane *lane* after *head*. Each entry takes
    its draft's id, or the next of *ids*.

    ``trusted=True`` is for drafts made by :func:`draft` (its checks are those of
    :class:`LogEntry`) with ids the library made: each entry is then set field by field
    instead of running every validator again, which is the logbook's share of every
    registration. Otherwise each entry is validated.
    """
    seq, prev = head if head is not None else (0, "")
    out: list[LogEntry] = []
    moment: datetime | None = None
    at, at_text = _EPOCH, ""
    for d in drafts:
        seq += 1
        id = d.id if ids is None else next(ids)
        if d.at is not moment:  # the entries of one change share their moment
            moment = d.at
            at = moment.astimezone(timezone.utc)
            at_text = at.isoformat()
        actor, action, ref, link_id, match_id, count = (
            d.actor,
            d.action,
            d.subject_ref,
            d.link_id,
            d.match_id,
            d.count,
        )
        digest = _digest(id, lane, seq, at_text, actor, action, ref, link_id, match_id, count, prev)
        if trusted:
            entry = _trusted_entry(
                id, lane, seq, at, actor, action, ref, link_id, match_id, count, prev, digest
            )
        else:
            entry = LogEntry(
                id, lane, seq, at, actor, action, ref, link_id, match_id, count, prev, digest
            )
        out.append(entry)
        prev = digest
    return out


def verify(
    entries: Iterable[LogEntry],
    heads: Mapping[int, tuple[int, str]],
    *,
    anchor: Mapping[int, tuple[int, str]] | None = None,
    from_anchor: bool = False,
) -> LogbookReport:
    """Check every lane: sequence without gaps, each link of the chain, and the stored head;
    given an *anchor* (lane to sequence number and hash, see :func:`make_anchor`), also
    that each anchored entry is still there with the anchored hash. Since each hash covers
    the one before it, that proves every entry at or before the anchor unchanged.

    With *from_anchor*, *entries* start at each anchored lane's anchored entry (the ones
    before it were proven by an earlier check against the same anchor): the chain is
    checked from that entry, whose own hash must be the anchored one.

    *entries* must come ordered by lane, then sequence number, as stores return them.
    """
    problems: list[str] = []
    last: dict[int, tuple[int, str | None]] = {}
    if from_anchor:
        last = {lane: (seq - 1, None) for lane, (seq, _) in (anchor or {}).items()}
    anchored: dict[int, str] = {}
    count = 0
    for entry in entries:
        count += 1
        seq, prev = last.get(entry.lane, (0, ""))
        where = f"lane {entry.lane}, entry {entry.seq}"
        if entry.seq != seq + 1:
            problems.append(f"{where}: expected sequence number {seq + 1}")
        if prev is not None and entry.prev_hash != prev:
            problems.append(f"{where}: does not follow the entry before it")
        if entry_hash(entry) != entry.hash:
            problems.append(f"{where}: contents changed after it was written")
        if anchor is not None and anchor.get(entry.lane, (0, ""))[0] == entry.seq:
            anchored[entry.lane] = entry.hash
        last[entry.lane] = (entry.seq, entry.hash)
    for lane in sorted(set(heads) | set(last)):
        seen = last.get(lane)
        if seen is not None and seen[1] is None:
            continue  # nothing read from the anchored entry on: reported below
        if heads.get(lane) != seen:
            problems.append(f"lane {lane}: the stored head does not match the last entry")
        if len(problems) > 100:
            break
    for lane, (seq, hash_) in sorted((anchor or {}).items()):
        if lane not in anchored:
            problems.append(f"lane {lane}: entry {seq} of the anchor is missing")
        elif anchored[lane] != hash_:
            problems.append(f"lane {lane}: the entries up to {seq} are not those of the anchor")
    return LogbookReport(ok=not problems, entries=count, lanes=len(last), problems=tuple(problems))


def head_message(lane: int, seq: int, hash: str) -> str:
    """What a lane's head seal covers: the lane, its last sequence number and hash."""
    return f"log-head:v1:{lane}:{seq}:{hash}"


def refs_message(token: str, logged: int, digest: str) -> str:
    """What a youth's ``log_seal`` covers: their log token, the count of the entries that
    refer to them and the digest of those entries' ids (:func:`refs_digest`)."""
    return f"log-refs:v1:{token}:{logged}:{digest}"


DIGEST_ZERO = "0" * 64
"""The digest of no entry ids."""

_REF_DOMAIN = b"verwijsindex:log-ref:v1:"
_MODULUS = 1 << 256


def refs_digest(entry_ids: Iterable[str], start: str = DIGEST_ZERO) -> str:
    """The digest of a set of entry ids, going on from *start*: the sum, modulo 2**256, of
    the SHA-256 of each id. Order does not matter, so it grows one id at a time; a removed,
    swapped or repeated id changes it.

    >>> refs_digest(["e2", "e1"]) == refs_digest(["e2"], refs_digest(["e1"]))
    True
    >>> refs_digest(["e1", "e1"]) == refs_digest(["e1"])
    False
    """
    total = int(start, 16)
    for entry_id in entry_ids:
        total += int.from_bytes(hashlib.sha256(_REF_DOMAIN + entry_id.encode("utf-8")).digest())
    return format(total % _MODULUS, "064x")


def add_digests(first: str, second: str) -> str:
    """The digest of two disjoint sets of entry ids, from their digests (:func:`refs_digest`
    is a sum, so the union's digest is the sum of the two).

    >>> add_digests(refs_digest(["e1"]), refs_digest(["e2"])) == refs_digest(["e1", "e2"])
    True
    """
    return format((int(first, 16) + int(second, 16)) % _MODULUS, "064x")


class _Sealer(Protocol):
    def check_seal(self, message: str, seal: object) -> bool: ...


def check_seals(
    heads: Mapping[int, tuple[int, str]], seals: Mapping[int, str], keyring: _Sealer, lanes: int
) -> list[str]:
    """The lanes whose head is not sealed by a key of *keyring* over its sequence number and
    hash (an empty lane over ``(0, "")``): a head moved back, or a lane emptied, without the
    key shows here. Every one of the *lanes* must have a sealed head."""
    problems = []
    for lane in range(lanes):
        seq, hash_ = heads.get(lane, (0, ""))
        if not keyring.check_seal(head_message(lane, seq, hash_), seals.get(lane)):
            problems.append(f"lane {lane}: the stored head is not sealed by the application's key")
    return problems


def check_refs(audit: _Audit, keyring: _Sealer) -> list[str]:
    """Each stored youth's references to their entries against their sealed count: a
    reference removed without the key shows here. Messages name no youth."""
    problems: list[str] = []
    unsealed = short = 0
    for _, token, logged, seal, found, digest in audit.youths:
        if keyring.check_seal(refs_message(token, found, digest), seal):
            continue
        if found != logged:
            short += 1
        else:
            unsealed += 1
    if unsealed:
        problems.append(f"{unsealed} youths' log references do not fit their seal")
    if short:
        problems.append(f"{short} youths have another number of log references than sealed")
    if audit.orphans:
        problems.append(f"{audit.orphans} log references name no stored youth")
    if audit.dangling:
        problems.append(f"{audit.dangling} log references name an entry that does not exist")
    return problems


class _Audit(Protocol):
    @property
    def youths(self) -> Sequence[tuple[str, str, int, str | None, int, str]]: ...
    @property
    def orphans(self) -> int: ...
    @property
    def dangling(self) -> int: ...


_ANCHOR_VERSION = 1


def make_anchor(heads: Mapping[int, tuple[int, str]], at: datetime) -> dict[str, Any]:
    """An anchor of the logbook as it stands: a JSON-serialisable dict of each lane's last
    sequence number and hash, and when it was taken.

    >>> anchor = make_anchor({3: (7, "ab")}, datetime(2026, 12, 1, tzinfo=timezone.utc))
    >>> anchor
    {'version': 1, 'taken_at': '2026-12-01T00:00:00+00:00', 'lanes': {'3': [7, 'ab']}}
    >>> read_anchor(anchor)
    {3: (7, 'ab')}
    """
    return {
        "version": _ANCHOR_VERSION,
        "taken_at": at.astimezone(timezone.utc).isoformat(),
        "lanes": {str(lane): [seq, hash_] for lane, (seq, hash_) in sorted(heads.items())},
    }


def read_anchor(anchor: Mapping[str, Any] | str) -> dict[int, tuple[int, str]]:
    """The lanes of an anchor made by :func:`make_anchor` (the dict, or its JSON text)."""
    if isinstance(anchor, str | bytes):
        try:
            anchor = json.loads(anchor)
        except (ValueError, RecursionError):
            raise InvalidRecordError("anchor: not valid JSON") from None
    if not isinstance(anchor, Mapping):
        raise InvalidRecordError("anchor: not an anchor made by logbook_anchor()")
    version = anchor.get("version")
    if type(version) is not int or version != _ANCHOR_VERSION:
        raise InvalidRecordError("anchor: not an anchor made by logbook_anchor()")
    lanes = anchor.get("lanes")
    if not isinstance(lanes, Mapping):
        raise InvalidRecordError("anchor: lanes must be an object")
    out: dict[int, tuple[int, str]] = {}
    for lane, head in lanes.items():
        if (
            not isinstance(lane, str)
            or not lane.isascii()
            or not lane.isdigit()
            or not isinstance(head, list | tuple)
            or len(head) != 2
            or type(head[0]) is not int
            or head[0] < 1
            or not isinstance(head[1], str)
        ):
            raise InvalidRecordError("anchor: each lane is [sequence number, hash]")
        out[int(lane)] = (head[0], head[1])
    return out
