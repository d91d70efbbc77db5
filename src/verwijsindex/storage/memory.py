"""The in-memory store (geheugenopslag): a supported backend for notebooks, tests and simulation.

It keeps the same contract as the database stores: a transaction is all or nothing
(an exception undoes every write made in it), and transactions run one at a time, so
threads may share one store.

>>> from verwijsindex.storage import MemoryStore
>>> store = MemoryStore()
>>> with store.transaction() as tx:
...     tx.load("no-such-key") is None
True
"""

from __future__ import annotations

import bisect
import itertools
import threading
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Self, TypeVar

from verwijsindex.errors import StorageError
from verwijsindex.logbook import refs_digest
from verwijsindex.model import LogEntry, Notification, Organisation, Professional
from verwijsindex.pseudonyms import log_token
from verwijsindex.storage import CLAIM_HORIZON, Dossier, LogAudit, MatchOfYouth, Withheld
from verwijsindex.storage._ordered import _DueIndex, _Sorted

__all__ = ["MemoryStore"]

_Undo = tuple[Any, ...]
"""A function and its arguments, called to undo one write."""
_NO_SEALS: Mapping[int, str] = {}
K = TypeVar("K")
V = TypeVar("V")
T = TypeVar("T", str, tuple[int, str])


def _seq(entry: LogEntry) -> int:
    return entry.seq


def _due_days(dossier: Dossier | None) -> tuple[date | None, date | None, date | None]:
    if dossier is None:
        return (None, None, None)
    return (dossier.sweep_due, dossier.information_due, dossier.follow_up_due)


def _by_id(professional: Professional) -> str:
    return professional.id


def _put(mapping: dict[Any, Any], key: object, value: object) -> None:
    mapping[key] = value


def _remove(mapping: dict[Any, Any], key: object) -> None:
    del mapping[key]


def _file(by_key: dict[str, dict[str, int]], key: str, item: str, seq: int) -> None:
    by_key.setdefault(key, {})[item] = seq


def _unfile(by_key: dict[str, dict[str, int]], key: str, item: str) -> None:
    items = by_key[key]
    del items[item]
    if not items:
        del by_key[key]


class MemoryStore:
    """A store that lives in this process's memory and is gone when the process ends."""

    preferred_batch = 50
    """Youths per transaction of a sweep, re-key or import when the index is given no
    batch size (decision 68). A commit costs nothing here; a long transaction keeps every
    record it replaced until it ends, and those make Python's garbage collector run full
    collections over the whole store (a re-key of 624,892 dossiers, a million links: 74 s
    in batches of 500, 44 s in batches of 50). Short ones also let other threads in between."""

    def __init__(self) -> None:
        self._lock = threading.RLock()
        self._dossiers: dict[str, Dossier] = {}
        self._key_order: _Sorted[str] = _Sorted()  # the keys, for paging
        self._by_link: dict[str, str] = {}
        self._by_match: dict[str, str] = {}
        self._by_professional: dict[str, set[str]] = {}
        self._by_parent: dict[str, set[str]] = {}
        self._by_address: dict[str, set[str]] = {}
        self._organisations: dict[str, Organisation] = {}
        self._professionals: dict[str, Professional] = {}
        self._outbox: dict[str, tuple[str, Notification]] = {}
        # each youth's pending notifications (id -> order of arrival), so deleting or
        # listing them does not read the whole outbox
        self._outbox_by_key: dict[str, dict[str, int]] = {}
        # the pending notifications of each family and address signal, likewise
        self._outbox_by_signal: dict[str, dict[str, int]] = {}
        self._arrivals = itertools.count()
        # the pending notifications as (order of arrival, id), for reading them in pages
        self._arrival_order: _Sorted[tuple[int, str]] = _Sorted()
        self._log: dict[int, list[LogEntry]] = {}
        self._heads: dict[int, tuple[int, str]] = {}
        self._entries: dict[str, LogEntry] = {}
        self._refs: dict[str, list[str]] = {}
        self._seals: dict[int, str] = {}
        self._key_checks: list[tuple[str, str]] = []
        self._key_moves: set[str] = set()
        self._settings: dict[str, str] = {}
        # The due days as buckets of keys, and the days in order: the sweep and the
        # information check find their work without looking at every dossier.
        self._sweep_due = _DueIndex()
        self._information_due = _DueIndex()
        self._follow_up_due = _DueIndex()
        self._counts: dict[tuple[date, str, str, str], int] = {}
        self._claims: dict[str, tuple[str, datetime]] = {}  # notification id -> claim, until
        self._closed = False

    def __repr__(self) -> str:
        return f"<MemoryStore dossiers={len(self._dossiers)}>"

    def transaction(self, locks: Sequence[str] = (), *, snapshot: bool = False) -> _Transacting:
        """One transaction at a time under the store's lock (a snapshot needs nothing more)."""
        return _Transacting(self)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._closed = True


class _Transacting:
    """The block of one transaction: the store's lock held, every write undone when the
    block raises. A class rather than a generator-based ``contextmanager``: entering and
    leaving costs half as much, once per registration."""

    __slots__ = ("store", "tx")

    def __init__(self, store: MemoryStore) -> None:
        self.store = store

    def __enter__(self) -> _MemoryTransaction:
        store = self.store
        if store._closed:
            raise StorageError("the store is closed")
        store._lock.acquire()
        try:
            self.tx = _MemoryTransaction(store)
        except BaseException:  # pragma: no cover - making the transaction raises nothing
            store._lock.release()
            raise
        return self.tx

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: object
    ) -> None:
        try:
            if kind is not None:
                self.tx.rollback()
        finally:
            self.tx.closed = True
            self.tx.undo.clear()  # the replaced records it held are not kept beyond the end
            self.store._lock.release()


class _MemoryTransaction:
    def __init__(self, store: MemoryStore) -> None:
        self.s = store
        self.undo: list[_Undo] = []
        self.closed = False

    def rollback(self) -> None:
        for undo, *args in reversed(self.undo):
            undo(*args)
        self.undo.clear()

    # -- helpers that record how to undo themselves ----------------------------------------------
    # An undo step is a tuple (function, *arguments) of a module-level function: one object
    # per step, where a closure would make several for the cyclic garbage collector to
    # track, and a big store makes every collection slow.

    def _set(self, mapping: dict[K, V], key: K, value: V) -> None:
        if key in mapping:
            self.undo.append((_put, mapping, key, mapping[key]))
        else:
            self.undo.append((_remove, mapping, key))
        mapping[key] = value

    def _pop(self, mapping: dict[K, V], key: K) -> None:
        if key in mapping:
            self.undo.append((_put, mapping, key, mapping.pop(key)))

    def _add_to(self, mapping: dict[str, set[str]], term: str, key: str) -> None:
        keys = mapping.get(term)
        if keys is None:
            mapping[term] = {key}
            self.undo.append((_remove, mapping, term))
        elif key not in keys:
            keys.add(key)
            self.undo.append((set.discard, keys, key))

    def _discard_from(self, mapping: dict[str, set[str]], term: str, key: str) -> None:
        # a term left without keys goes: a re-key moves every parent to a new pseudonym,
        # and a million empty sets would stay for the collector to walk
        keys = mapping.get(term)
        if keys is None or key not in keys:
            return
        if len(keys) == 1:
            del mapping[term]
            self.undo.append((_put, mapping, term, keys))
        else:
            keys.discard(key)
            self.undo.append((set.add, keys, key))

    def _insert(self, order: _Sorted[T], value: T) -> None:
        order.add(value)
        self.undo.append((_Sorted.remove, order, value))

    def _withdraw(self, order: _Sorted[T], value: T) -> None:
        order.remove(value)
        self.undo.append((_Sorted.add, order, value))

    # -- dossiers ---------------------------------------------------------------------------------

    def load(self, key: str) -> Dossier | None:
        return self.s._dossiers.get(key)

    def save(self, dossier: Dossier) -> None:
        key = dossier.subject.key
        s = self.s
        old = s._dossiers.get(key)
        if old is None:
            self._insert(s._key_order, key)
        # Only the terms that changed are filed anew: a saved dossier keeps most of them.
        # These are the terms of index_terms(dossier) and index_terms(old), read from the
        # two dossiers directly (a registration saves one or two): what a dossier shares
        # with the old one (the same tuple of links, the same parents) leaves nothing to
        # take away.
        by_link, by_match = s._by_link, s._by_match
        links = dossier.links
        match = dossier.match
        subject = dossier.subject
        for link in links:
            if by_link.get(link.id) != key:
                self._set(by_link, link.id, key)
        if match is not None and by_match.get(match.id) != key:
            self._set(by_match, match.id, key)
        professionals = {link.professional for link in links}
        parents = set(subject.parent_keys)
        address = subject.address_key
        gone_professionals: set[str] = set()
        gone_parents: set[str] = set()
        gone_address = None
        if old is not None:
            if old.links is not links:
                for link_id in {lk.id for lk in old.links}.difference(lk.id for lk in links):
                    if by_link.get(link_id) == key:
                        self._pop(by_link, link_id)
                gone_professionals = {lk.professional for lk in old.links} - professionals
            gone_match = old.match.id if old.match is not None else None
            if (
                gone_match is not None
                and (match is None or gone_match != match.id)
                and by_match.get(gone_match) == key
            ):
                self._pop(by_match, gone_match)
            was = old.subject
            if was.parent_keys != subject.parent_keys:
                gone_parents = set(was.parent_keys) - parents
            if was.address_key and was.address_key != address:
                gone_address = was.address_key
        for term in sorted(professionals):
            self._add_to(s._by_professional, term, key)
        for term in gone_professionals:
            self._discard_from(s._by_professional, term, key)
        for term in sorted(parents):
            self._add_to(s._by_parent, term, key)
        for term in gone_parents:
            self._discard_from(s._by_parent, term, key)
        if address:
            self._add_to(s._by_address, address, key)
        if gone_address is not None:
            self._discard_from(s._by_address, gone_address, key)
        self._set(s._dossiers, key, dossier)
        before = _due_days(old)
        # _move does nothing for a day that stays: asked here, without the call
        if before[0] != dossier.sweep_due:
            self._move(s._sweep_due, key, before[0], dossier.sweep_due)
        if before[1] != dossier.information_due:
            self._move(s._information_due, key, before[1], dossier.information_due)
        if before[2] != dossier.follow_up_due:
            self._move(s._follow_up_due, key, before[2], dossier.follow_up_due)

    def _move(self, index: _DueIndex, key: str, old: date | None, new: date | None) -> None:
        if old == new:
            return
        if old is not None:
            index.discard(old, key)
            self.undo.append((_DueIndex.add, index, old, key))
        if new is not None:
            index.add(new, key)
            self.undo.append((_DueIndex.discard, index, new, key))

    def _unindex(self, key: str, old: Dossier) -> None:
        # the terms of index_terms(old), read from the dossier as save() reads them (a
        # re-key deletes every dossier): no IndexTerms and no sorting to take them away
        s = self.s
        by_link = s._by_link
        for link in old.links:
            if by_link.get(link.id) == key:
                self._pop(by_link, link.id)
        match = old.match
        if match is not None and s._by_match.get(match.id) == key:
            self._pop(s._by_match, match.id)
        for professional_id in {link.professional for link in old.links}:
            self._discard_from(s._by_professional, professional_id, key)
        for parent_key in set(old.subject.parent_keys):
            self._discard_from(s._by_parent, parent_key, key)
        address = old.subject.address_key
        if address:
            self._discard_from(s._by_address, address, key)

    def delete(self, key: str) -> None:
        old = self.s._dossiers.get(key)
        if old is not None:
            self._unindex(key, old)
            self._pop(self.s._dossiers, key)
            self._withdraw(self.s._key_order, key)
            self._move(self.s._sweep_due, key, old.sweep_due, None)
            self._move(self.s._information_due, key, old.information_due, None)
            self._move(self.s._follow_up_due, key, old.follow_up_due, None)

    def key_for_link(self, link_id: str) -> str | None:
        return self.s._by_link.get(link_id)

    def key_for_match(self, match_id: str) -> str | None:
        return self.s._by_match.get(match_id)

    def keys_for_professional(self, professional_id: str) -> list[str]:
        return sorted(self.s._by_professional.get(professional_id, ()))

    def matches_for_professional(self, professional_id: str) -> list[MatchOfYouth]:
        dossiers = self.s._dossiers
        found = (dossiers[k] for k in self.keys_for_professional(professional_id))
        return [
            MatchOfYouth(d.match, d.subject.birth_date, d.subject.died_on)
            for d in found
            if d.match is not None
        ]

    def keys_for_parent(self, parent_key: str) -> list[str]:
        return sorted(self.s._by_parent.get(parent_key, ()))

    def keys_for_address(self, address_key: str) -> list[str]:
        return sorted(self.s._by_address.get(address_key, ()))

    def keys_follow_up_due(self, on: date, after: str | None, limit: int) -> list[str]:
        index = self.s._follow_up_due
        end = bisect.bisect_right(index.days, on)
        keys = sorted(
            k for day in index.days[:end] for k in index.by_day[day] if after is None or k > after
        )
        return keys[:limit]

    def keys_sweep_due(self, on: date, limit: int) -> list[str]:
        return self.s._sweep_due.first(on, limit, inclusive=True)

    def keys_information_due(self, before: date, limit: int) -> list[str]:
        return self.s._information_due.first(before, limit, inclusive=False)

    def keys(self, after: str | None, limit: int) -> list[str]:
        return self.s._key_order.page(after, limit)

    # -- organisations and professionals ----------------------------------------------------------

    def get_organisation(self, organisation_id: str) -> Organisation | None:
        return self.s._organisations.get(organisation_id)

    def put_organisation(self, organisation: Organisation) -> None:
        self._set(self.s._organisations, organisation.id, organisation)

    def get_professional(self, professional_id: str) -> Professional | None:
        return self.s._professionals.get(professional_id)

    def put_professional(self, professional: Professional) -> None:
        self._set(self.s._professionals, professional.id, professional)

    def professionals_of(self, organisation_id: str) -> list[Professional]:
        found = self.s._professionals.values()
        return sorted((p for p in found if p.organisation.id == organisation_id), key=_by_id)

    # -- outbox -----------------------------------------------------------------------------------

    def add_notifications(self, items: Sequence[tuple[str, Notification]]) -> None:
        for key, notification in items:
            outbox = self.s._outbox
            old = outbox.get(notification.id)
            if old is None:
                seq = next(self.s._arrivals)
                self._insert(self.s._arrival_order, (seq, notification.id))
                # self._set(outbox, ...) for an id it does not hold, without the call
                outbox[notification.id] = (key, notification)
                self.undo.append((_remove, outbox, notification.id))
            else:  # a repeated id replaces the message and its key, and keeps its place
                seq = self.s._outbox_by_key[old[0]][notification.id]
                self._unfile(old[0], notification.id)
                self._unsignal(old[1])
                self._set(outbox, notification.id, (key, notification))
            self._file(key, notification.id, seq)
            if notification.signal is not None:
                self._file_in(self.s._outbox_by_signal, notification.signal, notification.id, seq)

    def _withheld(self, key: str, withheld: Withheld) -> bool:
        dossier = self.s._dossiers.get(key)
        if dossier is None:
            return False
        subject = dossier.subject
        return withheld.holds(subject.birth_date, subject.died_on)

    def pending_notifications(
        self, limit: int | None, *, withheld: Withheld | None = None
    ) -> list[Notification]:
        # in order of arrival, also after a rollback put some back (in its place by number)
        order, outbox = self.s._arrival_order, self.s._outbox
        if withheld is None:
            ids = order if limit is None else order.page(None, limit)
            return [outbox[i][1] for _, i in ids]
        found: list[Notification] = []
        for _, notification_id in order:
            if limit is not None and len(found) == limit:
                break
            key, notification = outbox[notification_id]
            if not self._withheld(key, withheld):
                found.append(notification)
        return found

    def pending_for(
        self, recipient: str, limit: int | None, *, withheld: Withheld | None = None
    ) -> list[Notification]:
        # the recipients are few per youth; an index by recipient is the SQL stores' job
        found = [
            n
            for n in self.pending_notifications(None, withheld=withheld)
            if n.recipient == recipient
        ]
        return found if limit is None else found[:limit]

    def claim_notifications(
        self,
        limit: int,
        now: datetime,
        until: datetime,
        claim: str,
        *,
        withheld: Withheld | None = None,
    ) -> list[Notification]:
        # oldest first, stepping over those a live claim holds: a page reads the page and
        # the held ones before it, not the whole outbox
        claims, outbox = self.s._claims, self.s._outbox
        free: list[Notification] = []
        if limit <= 0:
            return free
        horizon = now + CLAIM_HORIZON  # a claim beyond it was made by a clock ahead
        for _, notification_id in self.s._arrival_order:
            held = claims.get(notification_id)
            if held is None or held[1] <= now or held[1] > horizon:
                key, notification = outbox[notification_id]
                if withheld is not None and self._withheld(key, withheld):
                    continue
                free.append(notification)
                if len(free) == limit:
                    break
        for notification in free:
            self._set(claims, notification.id, (claim, until))
        return free

    def set_aside_count(self) -> int:
        return 0  # a record in memory is a value: it cannot fail to parse

    def notifications_for(self, key: str) -> list[Notification]:
        items = self.s._outbox_by_key.get(key)
        if not items:
            return []
        return [self.s._outbox[i][1] for i in sorted(items, key=items.__getitem__)]

    def acknowledge(self, ids: Sequence[str], claim: str | None = None) -> int:
        done = 0
        claims = self.s._claims
        for notification_id in dict.fromkeys(ids):
            found = self.s._outbox.get(notification_id)
            if found is None:
                continue
            held = claims.get(notification_id)
            if claim is not None and (held is None or held[0] != claim):
                continue
            self._drop(found[0], notification_id)
            done += 1
        return done

    def delete_notifications(self, key: str) -> None:
        for notification_id in list(self.s._outbox_by_key.get(key, ())):
            self._drop(key, notification_id)

    def any_signal_notifications(self) -> bool:
        return bool(self.s._outbox_by_signal)

    def signal_notifications(self, signals: Collection[str]) -> list[tuple[str, Notification]]:
        by_signal, outbox = self.s._outbox_by_signal, self.s._outbox
        found = sorted(
            (seq, notification_id)
            for signal in signals
            for notification_id, seq in by_signal.get(signal, {}).items()
        )
        return [outbox[notification_id] for _, notification_id in found]

    def remove_notifications(self, ids: Sequence[str]) -> None:
        self.acknowledge(ids)

    def revise_notifications(self, notifications: Sequence[Notification]) -> None:
        outbox = self.s._outbox
        for notification in notifications:
            found = outbox.get(notification.id)
            if found is None:
                continue
            key, old = found
            seq = self.s._outbox_by_key[key][notification.id]
            self._unsignal(old)
            self._set(outbox, notification.id, (key, notification))
            if notification.signal is not None:
                self._file_in(self.s._outbox_by_signal, notification.signal, notification.id, seq)

    def _drop(self, key: str, notification_id: str) -> None:
        """Remove a pending notification filed under *key*, its place in line and its claim."""
        seq = self.s._outbox_by_key[key][notification_id]
        self._withdraw(self.s._arrival_order, (seq, notification_id))
        self._unfile(key, notification_id)
        self._unsignal(self.s._outbox[notification_id][1])
        self._pop(self.s._outbox, notification_id)
        self._pop(self.s._claims, notification_id)

    def _unsignal(self, notification: Notification) -> None:
        """Take *notification* out of its signal's index (if it is one of a signal)."""
        if notification.signal is not None:
            self._unfile_from(self.s._outbox_by_signal, notification.signal, notification.id)

    def rekey_notifications(self, old: str, new: str) -> None:
        items = self.s._outbox_by_key.get(old)
        for notification_id, seq in list(items.items()) if items else ():
            _, notification = self.s._outbox[notification_id]
            self._unfile(old, notification_id)
            self._set(self.s._outbox, notification_id, (new, notification))
            self._file(new, notification_id, seq)

    def _file(self, key: str, item: str, seq: int) -> None:
        self._file_in(self.s._outbox_by_key, key, item, seq)

    def _unfile(self, key: str, item: str) -> None:
        self._unfile_from(self.s._outbox_by_key, key, item)

    def _file_in(self, by_key: dict[str, dict[str, int]], key: str, item: str, seq: int) -> None:
        _file(by_key, key, item, seq)
        self.undo.append((_unfile, by_key, key, item))

    def _unfile_from(self, by_key: dict[str, dict[str, int]], key: str, item: str) -> None:
        seq = by_key[key][item]
        _unfile(by_key, key, item)
        self.undo.append((_file, by_key, key, item, seq))

    # -- logbook ----------------------------------------------------------------------------------

    def log_head(self, lane: int) -> tuple[int, str] | None:
        return self.s._heads.get(lane)

    def log_head_seal(self, lane: int) -> str:
        return self.s._seals.get(lane, "")

    def append_log(
        self,
        entries: Sequence[LogEntry],
        refs: Sequence[tuple[str, str]],
        seals: Mapping[int, str] = _NO_SEALS,
    ) -> None:
        # The checks and writes of one loop each (a registration appends a few entries):
        # every check before any write, each entry id and each reference new; a lane's
        # head set once, to its last entry, as setting it entry by entry would leave it.
        s = self.s
        known = s._entries
        lanes: set[int] = set()
        ids: set[str] = set()
        for entry in entries:
            entry_id = entry.id
            if entry_id in known or entry_id in ids:
                raise StorageError("a log entry with this id exists already")
            ids.add(entry_id)
            lanes.add(entry.lane)
        stored_refs = s._refs
        seen: set[tuple[str, str]] = set()
        for ref in refs:
            if ref in seen or ref[1] in stored_refs.get(ref[0], ()):
                raise StorageError("a log reference that exists already")
            seen.add(ref)
        for number in lanes | set(seals):
            self._set(s._seals, number, seals.get(number, ""))
        undo = self.undo
        logs = s._log
        last: dict[int, LogEntry] = {}
        for entry in entries:
            lane = logs.get(entry.lane)
            if lane is None:  # a lane of its own: gone again on a rollback, not left empty
                lane = logs[entry.lane] = []
                undo.append((_remove, logs, entry.lane))
            lane.append(entry)
            undo.append((list.pop, lane))
            known[entry.id] = entry  # new: checked above
            undo.append((_remove, known, entry.id))
            last[entry.lane] = entry
        for number, entry in last.items():
            self._set(s._heads, number, (entry.seq, entry.hash))
        for token, entry_id in refs:
            ids_of = stored_refs.get(token)
            if ids_of is None:  # a youth's first entry: the token goes again on a rollback
                ids_of = stored_refs[token] = []
                undo.append((_remove, stored_refs, token))
            ids_of.append(entry_id)
            undo.append((list.pop, ids_of))

    def log_entries(self) -> Iterator[LogEntry]:
        for lane in sorted(self.s._log):
            yield from list(self.s._log[lane])

    def log_entries_from(self, starts: Mapping[int, int]) -> Iterator[LogEntry]:
        for lane in sorted(self.s._log):
            entries = self.s._log[lane]
            first = bisect.bisect_left(entries, starts.get(lane, 1), key=_seq)
            yield from entries[first:]

    def log_heads(self) -> dict[int, tuple[int, str]]:
        return dict(self.s._heads)

    def log_seals(self) -> dict[int, str]:
        return dict(self.s._seals)

    def log_entries_for(self, token: str) -> list[LogEntry]:
        entries = self.s._entries
        found = [entries[i] for i in self.s._refs.get(token, ()) if i in entries]
        return sorted(found, key=lambda e: (e.at, e.lane, e.seq))

    def delete_log_refs(self, token: str) -> None:
        self._pop(self.s._refs, token)

    def log_audit(self) -> LogAudit:
        refs, entries = self.s._refs, self.s._entries
        youths = []
        tokens = set()
        for dossier in self.s._dossiers.values():
            token = log_token(dossier.subject.log_secret)
            tokens.add(token)
            ids = refs.get(token, ())
            youths.append(
                (dossier.key, token, dossier.logged, dossier.log_seal, len(ids), refs_digest(ids))
            )
        orphans = sum(len(ids) for token, ids in refs.items() if token not in tokens)
        dangling = sum(1 for ids in refs.values() for i in ids if i not in entries)
        return LogAudit(youths=tuple(youths), orphans=orphans, dangling=dangling)

    # -- keys --------------------------------------------------------------------------------------

    def key_checks(self) -> list[tuple[str, str]]:
        return list(self.s._key_checks)

    def add_key_check(self, key_id: str, check: str) -> None:
        checks = self.s._key_checks
        if all(known != key_id for known, _ in checks):
            checks.append((key_id, check))
            self.undo.append((list.pop, checks))

    def key_moves(self) -> list[str]:
        moving = self.s._key_moves
        return [key_id for key_id, _ in self.s._key_checks if key_id in moving]

    def set_key_move(self, key_id: str, moving: bool) -> None:
        moves = self.s._key_moves
        if all(known != key_id for known, _ in self.s._key_checks):
            return  # only a recorded key is marked, as the database stores do
        if moving and key_id not in moves:
            moves.add(key_id)
            self.undo.append((set.discard, moves, key_id))
        elif not moving and key_id in moves:
            moves.discard(key_id)
            self.undo.append((set.add, moves, key_id))

    def setting(self, name: str) -> str | None:
        return self.s._settings.get(name)

    def put_setting(self, name: str, value: str, *, replace: bool = False) -> None:
        if replace or name not in self.s._settings:
            self._set(self.s._settings, name, value)

    # -- counts -----------------------------------------------------------------------------------

    def add_counts(self, items: Sequence[tuple[date, str, str, str, int]]) -> None:
        counts = self.s._counts
        for month, municipality, band, kind, n in items:
            cell = (month, municipality, band, kind)
            self._set(counts, cell, counts.get(cell, 0) + n)

    def counts(self, first: date, last: date) -> dict[tuple[date, str, str, str], int]:
        return {cell: n for cell, n in self.s._counts.items() if first <= cell[0] <= last}
