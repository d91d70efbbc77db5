"""A transaction of the PostgreSQL store: the statements of one unit of work on one
connection, after :func:`~verwijsindex.storage._postgres_begin.lock_and_read` began it."""

from __future__ import annotations

from collections.abc import Collection, Generator, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Final, LiteralString, TypeAlias

import psycopg
from psycopg import sql
from psycopg.pq import TransactionStatus
from psycopg.rows import TupleRow

from verwijsindex.dossier import index_terms
from verwijsindex.errors import CorruptRecordError, StorageError
from verwijsindex.model import LogEntry, Notification, Organisation, Professional
from verwijsindex.pseudonyms import log_token
from verwijsindex.serialization import to_json
from verwijsindex.storage import (
    CLAIM_HORIZON,
    LOG_LANES,
    Dossier,
    LogAudit,
    MatchOfYouth,
    Withheld,
)
from verwijsindex.storage._postgres_arrays import (
    BigintArray,
    DateArray,
    IntArray,
    TextArray,
)
from verwijsindex.storage._postgres_begin import Locked, translated
from verwijsindex.storage._postgres_sql import (
    ACKNOWLEDGE,
    ACKNOWLEDGE_CLAIMED,
    ADD_COUNTS,
    APPEND_LOG,
    CLAIM,
    DELETE,
    PENDING,
    PENDING_FOR,
    SAVE,
    SAVE_MANY,
    SAVE_NEW,
    SEAL_HEADS,
    match_ids,
)
from verwijsindex.storage._sql import audit, decode, decode_directory, decode_match

__all__ = ["PostgresTransaction"]

Params: TypeAlias = "Sequence[Any] | dict[str, Any]"
_Query: TypeAlias = "LiteralString | sql.Composed"
_FETCH: Final = 500
"""Rows fetched at a time when streaming the logbook."""
_NO_SEALS: Final[Mapping[int, str]] = {}


LOG_HEADS_FOR_UPDATE: LiteralString = (
    "SELECT lane, seq, hash, seal FROM log_heads WHERE lane = ANY (%s::int[])"
    " ORDER BY lane FOR UPDATE"
)


def _head(row: tuple[int, str] | None) -> tuple[int, str] | None:
    """A lane's head as :meth:`PostgresTransaction.log_head` returns it (``None`` when the
    lane has no entry yet)."""
    return None if row is None or row[0] == 0 else row


def _born_by(withheld: Withheld | None) -> date | None:
    return None if withheld is None else withheld.born_by


def save_params(dossier: Dossier, text: str) -> dict[str, Any]:
    terms = index_terms(dossier)
    return {
        "key": dossier.key,
        "data": text,
        "sweep_due": dossier.sweep_due,
        "information_due": dossier.information_due,
        "follow_up_due": dossier.follow_up_due,
        "log_token": log_token(dossier.subject.log_secret),
        "logged": dossier.logged,
        "log_seal": dossier.log_seal,
        "birth_date": dossier.subject.birth_date,
        "died_on": dossier.subject.died_on,
        "links": TextArray(terms.link_ids),
        "matches": TextArray(terms.match_ids),
        "professionals": TextArray(terms.professional_ids),
        "parents": TextArray(terms.parent_keys),
        "addresses": TextArray(terms.address_keys),
    }


def save_many_params(saved: Iterable[tuple[Dossier, str]]) -> dict[str, Any]:
    """The arrays of :data:`SAVE_MANY`: one entry per dossier, one per (term, key) pair."""
    params: dict[str, list[Any]] = {
        name: TextArray()
        for name in (
            "keys", "data", "log_tokens", "log_seals", "link_ids", "link_keys",
            "match_ids", "match_keys", "professional_ids", "professional_keys",
            "parent_keys", "parent_owner_keys", "address_keys", "address_owner_keys",
        )
    }  # fmt: skip
    params["sweep_due"] = DateArray()
    params["information_due"] = DateArray()
    params["follow_up_due"] = DateArray()
    params["birth_dates"] = DateArray()
    params["died_on"] = DateArray()
    params["logged"] = IntArray()
    for dossier, text in saved:
        key = dossier.key
        terms = index_terms(dossier)
        params["keys"].append(key)
        params["data"].append(text)
        params["sweep_due"].append(dossier.sweep_due)
        params["information_due"].append(dossier.information_due)
        params["follow_up_due"].append(dossier.follow_up_due)
        params["log_tokens"].append(log_token(dossier.subject.log_secret))
        params["logged"].append(dossier.logged)
        params["log_seals"].append(dossier.log_seal)
        params["birth_dates"].append(dossier.subject.birth_date)
        params["died_on"].append(dossier.subject.died_on)
        for ids, owners, column in (
            ("link_ids", "link_keys", terms.link_ids),
            ("match_ids", "match_keys", terms.match_ids),
            ("professional_ids", "professional_keys", terms.professional_ids),
            ("parent_keys", "parent_owner_keys", terms.parent_keys),
            ("address_keys", "address_owner_keys", terms.address_keys),
        ):
            unique = list(dict.fromkeys(column))
            params[ids].extend(unique)
            params[owners].extend([key] * len(unique))
    return params


class PostgresTransaction:
    """The statements of one transaction on one connection.

    Writes that return nothing are queued and sent in one pipeline with the next read, or
    with the ``COMMIT``: a unit of work's saves, outbox and logbook go to the server
    together. ``_read`` holds the dossiers of the locked keys as read right after locking
    (see :func:`lock_and_read`) and those a look-up fetched with their keys; what this
    transaction saves or deletes replaces them there (the advisory locks keep anyone else
    from writing them until the commit).

    Its statements go through one cursor of its own (*cursor*, or a new one), not a new
    cursor each (``conn.execute``), which psycopg builds with its map of adapters every
    time. A statement whose rows are wanted is the last one sent on it, or goes through a
    cursor of its own. When the transaction ends (:meth:`close`) it lets go of the cursor
    and of every record it read or queued, so that the transaction object, kept alive by
    a caller or by the traceback of an error, holds nothing about a youth. (The frames of
    such a traceback hold what they were working on: the statements being sent, a unit of
    work's dossiers.)
    """

    def __init__(
        self,
        conn: psycopg.Connection[TupleRow],
        locked: Locked | None = None,
        cursor: psycopg.Cursor[TupleRow] | None = None,
    ) -> None:
        self._conn = conn
        self._cursor: psycopg.Cursor[TupleRow] | None = conn.cursor() if cursor is None else cursor
        self._streams = 0
        self.closed = False
        self._read: dict[str, str | None] = dict(locked.read) if locked else {}
        self._terms = dict(locked.terms) if locked else {}
        self._held = locked.keys if locked else frozenset()
        # the locked keys without a dossier, not yet saved or deleted in this transaction
        self._absent = {k for k in locked.keys if locked.read.get(k) is None} if locked else set()
        self._queue: list[tuple[LiteralString, Params]] = []
        self._saves: list[tuple[Dossier, str]] = []
        # the log heads read (and locked) ahead with the directory, then as appended
        self._heads: dict[int, tuple[int, str] | None] = {}
        self._seals: dict[int, str] = {}  # each head's seal, read or appended with it

    def close(self) -> None:
        """End this transaction's use of the connection (the store commits or rolls back),
        and let go of what it read: psycopg's closed cursor still holds the rows it read
        last, and the parameters it sent."""
        self.closed = True
        cursor, self._cursor = self._cursor, None
        if cursor is not None:
            cursor.close()
        self._read = {}
        self._terms = {}
        self._queue = []
        self._saves = []

    def _shared(self) -> psycopg.Cursor[TupleRow]:
        cursor = self._cursor
        if cursor is None:
            raise StorageError("the transaction has ended")
        return cursor

    def _check_open(self) -> None:
        if self.closed:
            raise StorageError("the transaction has ended")

    def _write(self, query: LiteralString, params: Params) -> None:
        """Queue a write that returns nothing (after the saves queued before it)."""
        self._check_open()
        self._queue_saves()
        self._queue.append((query, params))

    def _queue_saves(self) -> None:
        """Queue the dossiers saved since the last write as one statement (one per dossier
        when two of them claim the same link or match id, so that the last one saved gets
        it, as separate saves would)."""
        saved, self._saves = self._saves, []
        if len(saved) == 1:
            key = saved[0][0].key
            new = key in self._absent
            self._absent.discard(key)
            self._queue.append((SAVE_NEW if new else SAVE, save_params(*saved[0])))
            return
        self._absent.difference_update(dossier.key for dossier, _ in saved)
        claimed: dict[str, str] = {}
        for dossier, _ in saved:
            for term in (*(lk.id for lk in dossier.links), *match_ids(dossier)):
                if claimed.setdefault(term, dossier.key) != dossier.key:
                    self._queue.extend((SAVE, save_params(*one)) for one in saved)
                    return
        if saved:
            latest = {dossier.key: (dossier, text) for dossier, text in saved}
            self._queue.append((SAVE_MANY, save_many_params(latest.values())))

    def _send(self, last: tuple[_Query, Params] | None = None, *, first: bool = False) -> Any:
        """Send the queued writes and *last* in one round trip (*last* ahead of the writes
        when *first*, for a read they cannot change); return *last*'s cursor."""
        self._check_open()
        self._queue_saves()
        queue, self._queue = self._queue, []
        cursor = None
        shared = self._shared()
        with translated():
            if not queue:
                if last is not None:  # a COMMIT alone is not worth a round trip to prepare
                    cursor = shared.execute(*last, prepare=False if last[0] == "COMMIT" else None)
            else:
                with self._conn.pipeline():
                    if last is not None and first:  # the writes follow on the shared one
                        cursor = self._conn.execute(*last)
                    for query, params in queue:
                        shared.execute(query, params)
                    if last is not None and not first:
                        cursor = shared.execute(*last)
        return cursor

    def commit(self) -> None:
        """Send what is queued and commit, in one round trip."""
        self._send(("COMMIT", ()))

    def _rows(self, query: LiteralString, params: Params = ()) -> list[TupleRow]:
        rows: list[TupleRow] = self._send((query, params)).fetchall()
        return rows

    def _run(self, query: LiteralString, params: Params = ()) -> int:
        count: int = self._send((query, params)).rowcount
        return count

    def _keys(self, query: LiteralString, params: Sequence[Any]) -> list[str]:
        return [row[0] for row in self._rows(query, params)]

    # -- dossiers ---------------------------------------------------------------------------------

    def load(self, key: str) -> Dossier | None:
        self._check_open()
        if key in self._read:
            text = self._read[key]
        else:
            rows = self._rows("SELECT data FROM dossiers WHERE key = %s", [key])
            text = rows[0][0] if rows else None
        return None if text is None else decode(text, Dossier, "dossiers", key)

    def save(self, dossier: Dossier) -> None:
        self._check_open()
        self._held = frozenset()  # what the locks read may no longer hold
        text = to_json(dossier)
        self._read[dossier.key] = text
        self._saves.append((dossier, text))

    def delete(self, key: str) -> None:
        self._held = frozenset()
        self._absent.discard(key)
        self._write(DELETE, {"key": key})
        self._read[key] = None

    def key_for_link(self, link_id: str) -> str | None:
        keys = self._keys("SELECT key FROM dossier_links WHERE link_id = %s", [link_id])
        return keys[0] if keys else None

    def key_for_match(self, match_id: str) -> str | None:
        keys = self._keys("SELECT key FROM dossier_matches WHERE match_id = %s", [match_id])
        return keys[0] if keys else None

    def _keys_and_read(self, query: LiteralString, term: str) -> list[str]:
        """The keys *query* finds for *term*, keeping their dossiers' JSON for :meth:`load`:
        every caller loads them next, and one statement saves a round trip per dossier.
        (Under READ COMMITTED a later load sees no more than this read does.) The dossier
        is a correlated subquery, not a join: the plan stays a walk of the look-up index
        even before ANALYZE has run on a freshly loaded table (a join was planned as a
        parallel scan then, at 15 ms a call)."""
        rows = self._rows(query, [term])
        for key, data in rows:
            if data is not None and key not in self._read:
                self._read[key] = data
        return [key for key, _ in rows]

    def keys_for_professional(self, professional_id: str) -> list[str]:
        return self._keys_and_read(
            "SELECT p.key, (SELECT d.data FROM dossiers d WHERE d.key = p.key)"
            " FROM dossier_professionals p WHERE p.professional_id = %s ORDER BY p.key",
            professional_id,
        )

    def matches_for_professional(self, professional_id: str) -> list[MatchOfYouth]:
        rows = self._rows(
            "SELECT p.key, (SELECT d.data FROM dossiers d WHERE d.key = p.key)"
            " FROM dossier_professionals p WHERE p.professional_id = %s"
            " AND EXISTS (SELECT 1 FROM dossier_matches m WHERE m.key = p.key) ORDER BY p.key",
            [professional_id],
        )
        found = (decode_match(data, key) for key, data in rows if data is not None)
        return [m for m in found if m is not None]

    def _held_term(self, table: str, term: str) -> list[str] | None:
        """The keys read with the locks under *term*, while nothing was saved or deleted."""
        if term not in self._held:
            return None
        return list(self._terms.get((table, term), ()))

    def keys_for_parent(self, parent_key: str) -> list[str]:
        held = self._held_term("p", parent_key)
        if held is not None:
            return held
        return self._keys_and_read(
            "SELECT p.key, (SELECT d.data FROM dossiers d WHERE d.key = p.key)"
            " FROM dossier_parents p WHERE p.parent_key = %s ORDER BY p.key",
            parent_key,
        )

    def keys_for_address(self, address_key: str) -> list[str]:
        held = self._held_term("a", address_key)
        if held is not None:
            return held
        return self._keys_and_read(
            "SELECT a.key, (SELECT d.data FROM dossiers d WHERE d.key = a.key)"
            " FROM dossier_addresses a WHERE a.address_key = %s ORDER BY a.key",
            address_key,
        )

    def keys_follow_up_due(self, on: date, after: str | None, limit: int) -> list[str]:
        return self._keys(
            "SELECT key FROM dossiers WHERE follow_up_due <= %s AND key > %s ORDER BY key LIMIT %s",
            [on, "" if after is None else after, limit],
        )

    def keys_sweep_due(self, on: date, limit: int) -> list[str]:
        return self._keys(
            "SELECT key FROM dossiers WHERE sweep_due <= %s ORDER BY sweep_due, key LIMIT %s",
            [on, limit],
        )

    def keys_information_due(self, before: date, limit: int) -> list[str]:
        return self._keys(
            "SELECT key FROM dossiers WHERE information_due < %s"
            " ORDER BY information_due, key LIMIT %s",
            [before, limit],
        )

    def keys(self, after: str | None, limit: int) -> list[str]:
        if after is None:
            return self._keys("SELECT key FROM dossiers ORDER BY key LIMIT %s", [limit])
        return self._keys(
            "SELECT key FROM dossiers WHERE key > %s ORDER BY key LIMIT %s", [after, limit]
        )

    # -- organisations and professionals ----------------------------------------------------------

    def get_organisation(self, organisation_id: str) -> Organisation | None:
        rows = self._rows("SELECT data FROM organisations WHERE id = %s", [organisation_id])
        return (
            decode_directory(rows[0][0], Organisation, "organisations", organisation_id)
            if rows
            else None
        )

    def read_directory(
        self,
        organisation_ids: Sequence[str],
        professional_ids: Sequence[str],
        *,
        log_lanes: Sequence[int] = (),
    ) -> tuple[dict[str, Organisation | None], dict[str, Professional | None]]:
        """The organisations and professionals, with what is queued, in one round trip;
        and the heads of *log_lanes*, locked as :meth:`log_head` locks them, in the same."""
        self._check_open()
        self._queue_saves()
        queue, self._queue = self._queue, []
        lanes = [lane for lane in dict.fromkeys(log_lanes) if lane not in self._heads]
        shared = self._shared()
        with translated(), self._conn.pipeline():
            for query, params in queue:
                shared.execute(query, params)
            directory = shared.execute(
                "SELECT 'o', id, data FROM organisations WHERE id = ANY (%s::text[])"
                " UNION ALL SELECT 'p', id, data FROM professionals WHERE id = ANY (%s::text[])",
                [TextArray(organisation_ids), TextArray(professional_ids)],
            )
            heads = self._conn.execute(LOG_HEADS_FOR_UPDATE, [IntArray(lanes)]) if lanes else None
        with translated():
            found_organisations: dict[str, str] = {}
            found_professionals: dict[str, str] = {}
            for table, record_id, data in directory.fetchall():
                (found_organisations if table == "o" else found_professionals)[record_id] = data
            found_heads = {row[0]: row[1:] for row in heads.fetchall()} if heads else {}
        for lane in lanes:
            seq, hash_, seal = found_heads.get(lane, (0, "", ""))
            self._heads[lane] = _head((seq, hash_))
            self._seals[lane] = seal
        return (
            {
                i: decode_directory(found_organisations[i], Organisation, "organisations", i)
                if i in found_organisations
                else None
                for i in organisation_ids
            },
            {
                i: decode_directory(found_professionals[i], Professional, "professionals", i)
                if i in found_professionals
                else None
                for i in professional_ids
            },
        )

    def put_organisation(self, organisation: Organisation) -> None:
        self._write(
            "INSERT INTO organisations (id, data) VALUES (%s, %s)"
            " ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data",
            [organisation.id, to_json(organisation)],
        )

    def get_professional(self, professional_id: str) -> Professional | None:
        rows = self._rows("SELECT data FROM professionals WHERE id = %s", [professional_id])
        if not rows:
            return None
        return decode_directory(rows[0][0], Professional, "professionals", professional_id)

    def put_professional(self, professional: Professional) -> None:
        self._write(
            "INSERT INTO professionals (id, data) VALUES (%s, %s)"
            " ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data",
            [professional.id, to_json(professional)],
        )

    def professionals_of(self, organisation_id: str) -> list[Professional]:
        rows = self._rows("SELECT id, data FROM professionals ORDER BY id")
        # decoded, not kept: the whole directory would push out what registrations read
        found = (decode(data, Professional, "professionals", pid) for pid, data in rows)
        return [p for p in found if p.organisation.id == organisation_id]

    # -- outbox -----------------------------------------------------------------------------------

    def add_notifications(self, items: Sequence[tuple[str, Notification]]) -> None:
        if not items:
            return
        # A repeated id replaces the message but keeps its place in the queue.
        latest = {n.id: (key, n) for key, n in items}
        self._write(
            "INSERT INTO outbox (id, key, recipient, signal, data)"
            " SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::text[])"
            " ON CONFLICT (id) DO UPDATE SET key = EXCLUDED.key,"
            " recipient = EXCLUDED.recipient, signal = EXCLUDED.signal, data = EXCLUDED.data",
            [
                TextArray(latest),
                TextArray([key for key, _ in latest.values()]),
                TextArray([n.recipient for _, n in latest.values()]),
                TextArray([n.signal for _, n in latest.values()]),
                TextArray([to_json(n) for _, n in latest.values()]),
            ],
        )

    def _notifications(self, rows: list[TupleRow]) -> list[Notification]:
        """The notifications of ``(id, data)`` rows; a row that does not parse, or holds
        another row's notification, is set aside (never selected again) instead of failing
        everyone's read."""
        found = []
        for row in rows:
            try:
                notification = decode(row[1], Notification, "outbox", row[0])
            except CorruptRecordError:
                notification = None
            # another row's notification would go out under its id, its acknowledgement
            # would remove nothing, and it would go out again after every lease
            if notification is None or notification.id != row[0]:
                self._write("UPDATE outbox SET set_aside = true WHERE id = %s", [row[0]])
            else:
                found.append(notification)
        return found

    def pending_notifications(
        self, limit: int | None, *, withheld: Withheld | None = None
    ) -> list[Notification]:
        params = {"limit": limit, "born_by": _born_by(withheld)}
        return self._notifications(self._rows(PENDING[withheld is not None], params))

    def pending_for(
        self, recipient: str, limit: int | None, *, withheld: Withheld | None = None
    ) -> list[Notification]:
        params = {"recipient": recipient, "limit": limit, "born_by": _born_by(withheld)}
        return self._notifications(self._rows(PENDING_FOR[withheld is not None], params))

    def notifications_for(self, key: str) -> list[Notification]:
        return self._notifications(
            self._rows("SELECT id, data FROM outbox WHERE key = %s ORDER BY seq", [key])
        )

    def claim_notifications(
        self,
        limit: int,
        now: datetime,
        until: datetime,
        claim: str,
        *,
        withheld: Withheld | None = None,
    ) -> list[Notification]:
        horizon = now + CLAIM_HORIZON
        params = {"limit": limit, "now": now, "until": until, "claim": claim, "horizon": horizon}
        params["born_by"] = _born_by(withheld)
        rows = self._rows(CLAIM[withheld is not None], params)
        rows.sort(key=lambda row: row[2])  # oldest first: RETURNING keeps no order
        return self._notifications(rows)

    def set_aside_count(self) -> int:
        rows = self._rows("SELECT count(*) FROM outbox WHERE set_aside")
        return int(rows[0][0])

    def acknowledge(self, ids: Sequence[str], claim: str | None = None) -> int:
        # SKIP LOCKED: a row another transaction is changing (a deletion taking its youth
        # out of a signal, decision 94) is left as if another claim held it, so that a
        # sender never waits on a unit that may wait on it: no deadlock, at most a
        # notification that goes out again when the lease ends
        if not ids:
            return 0
        if claim is None:
            return self._run(ACKNOWLEDGE, [TextArray(ids)])
        return self._run(ACKNOWLEDGE_CLAIMED, [TextArray(ids), claim])

    def delete_notifications(self, key: str) -> None:
        self._write("DELETE FROM outbox WHERE key = %s", [key])

    def any_signal_notifications(self) -> bool:
        rows = self._rows(
            "SELECT 1 FROM outbox WHERE signal IS NOT NULL AND NOT set_aside LIMIT 1", []
        )
        return bool(rows)

    def signal_notifications(self, signals: Collection[str]) -> list[tuple[str, Notification]]:
        if not signals:
            return []
        rows = self._rows(
            "SELECT id, data, key FROM outbox WHERE signal = ANY (%s::text[]) AND NOT set_aside"
            " ORDER BY seq",
            [TextArray(sorted(signals))],
        )
        keys = {row[0]: row[2] for row in rows}
        return [(keys[n.id], n) for n in self._notifications(rows)]

    def remove_notifications(self, ids: Sequence[str]) -> None:
        if ids:
            self._write("DELETE FROM outbox WHERE id = ANY (%s::text[])", [TextArray(ids)])

    def revise_notifications(self, notifications: Sequence[Notification]) -> None:
        if notifications:
            self._write(
                "UPDATE outbox o SET recipient = r.recipient, signal = r.signal, data = r.data"
                " FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[])"
                " AS r (id, recipient, signal, data) WHERE o.id = r.id",
                [
                    TextArray([n.id for n in notifications]),
                    TextArray([n.recipient for n in notifications]),
                    TextArray([n.signal for n in notifications]),
                    TextArray([to_json(n) for n in notifications]),
                ],
            )

    def rekey_notifications(self, old: str, new: str) -> None:
        self._write("UPDATE outbox SET key = %s WHERE key = %s", [new, old])

    # -- logbook ----------------------------------------------------------------------------------

    def log_head(self, lane: int) -> tuple[int, str] | None:
        # FOR UPDATE: appends to one lane wait here for each other until commit. A head
        # read ahead (read_directory) is locked since then, so it is as it was read, or as
        # this transaction appended to it; what is queued goes with the next round trip.
        # A head neither read nor appended to before is locked ahead of what is queued, so
        # that a transaction locks its lane before the rows it shares with others.
        if lane in self._heads:
            self._check_open()
            return self._heads[lane]
        rows = self._send(
            ("SELECT seq, hash, seal FROM log_heads WHERE lane = %s FOR UPDATE", [lane]),
            first=True,
        ).fetchall()
        self._heads[lane] = head = _head((rows[0][0], rows[0][1]) if rows else None)
        self._seals[lane] = rows[0][2] if rows else ""
        return head

    def log_head_seal(self, lane: int) -> str:
        if lane not in self._seals:
            self.log_head(lane)
        self._check_open()
        return self._seals[lane]

    def append_log(
        self,
        entries: Sequence[LogEntry],
        refs: Sequence[tuple[str, str]],
        seals: Mapping[int, str] = _NO_SEALS,
    ) -> None:
        heads = {entry.lane: (entry.seq, entry.hash) for entry in entries}
        other = {lane: seal for lane, seal in seals.items() if lane not in heads}
        self._seals.update((lane, seals.get(lane, "")) for lane in heads)
        self._seals.update(other)
        if other:
            self._write(SEAL_HEADS, {"lanes": IntArray(other), "seals": TextArray(other.values())})
        if not entries and not refs:
            return
        params = {
            "lanes": IntArray([entry.lane for entry in entries]),
            "seqs": BigintArray([entry.seq for entry in entries]),
            "ids": TextArray([entry.id for entry in entries]),
            "data": TextArray([to_json(entry) for entry in entries]),
            "tokens": TextArray([token for token, _ in refs]),
            "entry_ids": TextArray([entry_id for _, entry_id in refs]),
            "head_lanes": IntArray(heads),
            "head_seqs": BigintArray([seq for seq, _ in heads.values()]),
            "head_hashes": TextArray([h for _, h in heads.values()]),
            "head_seals": TextArray([seals.get(lane, "") for lane in heads]),
        }
        self._write(APPEND_LOG, params)
        # the heads as appended (the append locks them): log_head answers from here
        self._heads.update(heads)

    def log_entries(self) -> Generator[LogEntry, None, None]:
        """Every entry, ordered by lane and sequence number, fetched a batch at a time.

        Iterate inside the transaction; the server closes the cursor when it ends.
        """
        self._streams += 1
        name = sql.Identifier(f"verwijsindex_log_{self._streams}")
        declare = sql.SQL(
            "DECLARE {} NO SCROLL CURSOR FOR SELECT id, data FROM log_entries ORDER BY lane, seq"
        ).format(name)
        fetch = sql.SQL("FETCH FORWARD {} FROM {}").format(sql.Literal(_FETCH), name)
        self._send((declare, ()))
        done = False
        try:
            while not done:
                if self.closed:
                    raise StorageError("the transaction has ended")
                with translated():
                    rows = self._conn.execute(fetch).fetchall()
                done = len(rows) < _FETCH
                for entry_id, data in rows:
                    if self.closed:
                        raise StorageError("the transaction has ended")
                    yield decode(data, LogEntry, "log_entries", entry_id)
        finally:
            # After the transaction the server has closed the cursor, and the connection
            # may already serve another transaction: leave it alone then.
            if not self.closed and self._usable():
                with translated():
                    self._conn.execute(sql.SQL("CLOSE {}").format(name))

    def log_entries_from(self, starts: Mapping[int, int]) -> Iterator[LogEntry]:
        """The entries from each lane's start on: a range of the primary key per lane."""
        lanes = sorted({*range(LOG_LANES), *starts})
        rows = self._rows(
            "SELECT l.id, l.data FROM unnest(%s::int[], %s::bigint[]) AS s(lane, start)"
            " JOIN log_entries l ON l.lane = s.lane AND l.seq >= s.start"
            " ORDER BY l.lane, l.seq",
            [IntArray(lanes), BigintArray([starts.get(lane, 1) for lane in lanes])],
        )
        for entry_id, data in rows:
            yield decode(data, LogEntry, "log_entries", entry_id)

    def _usable(self) -> bool:
        return self._conn.info.transaction_status == TransactionStatus.INTRANS

    def log_heads(self) -> dict[int, tuple[int, str]]:
        rows = self._rows("SELECT lane, seq, hash FROM log_heads WHERE seq > 0 ORDER BY lane")
        return {lane: (seq, h) for lane, seq, h in rows}

    def log_seals(self) -> dict[int, str]:
        rows = self._rows(
            "SELECT lane, seal FROM log_heads WHERE seq > 0 OR seal <> '' ORDER BY lane"
        )
        return {lane: seal for lane, seal in rows}  # noqa: C416 - rows are tuples of two

    def log_audit(self) -> LogAudit:
        youths = self._rows("SELECT key, log_token, logged, log_seal FROM dossiers")
        refs = self._rows("SELECT token, entry_id FROM log_refs")
        ((dangling,),) = self._rows(
            "SELECT count(*) FROM log_refs r"
            " WHERE NOT EXISTS (SELECT 1 FROM log_entries e WHERE e.id = r.entry_id)"
        )
        return audit(youths, refs, dangling)

    # -- keys --------------------------------------------------------------------------------------

    def add_counts(self, items: Sequence[tuple[date, str, str, str, int]]) -> None:
        # One row per cell: an INSERT ... ON CONFLICT may not touch a row twice.
        cells: dict[tuple[date, str, str, str], int] = {}
        for month, code, band, kind, n in items:
            cells[(month, code, band, kind)] = cells.get((month, code, band, kind), 0) + n
        if cells:
            # in the cells' order: two transactions that count in the same cells lock their
            # rows in the same order, so they never wait for each other's
            ordered = sorted(cells.items())
            columns = list(zip(*((*cell, n) for cell, n in ordered), strict=True))
            self._write(
                ADD_COUNTS,
                {
                    "months": DateArray(columns[0]),
                    "codes": TextArray(columns[1]),
                    "bands": TextArray(columns[2]),
                    "kinds": TextArray(columns[3]),
                    "counts": BigintArray(columns[4]),
                },
            )

    def counts(self, first: date, last: date) -> dict[tuple[date, str, str, str], int]:
        rows = self._rows(
            "SELECT month, municipality, age_band, kind, count FROM stat_counts"
            " WHERE month >= %s AND month <= %s",
            [first, last],
        )
        return {(m, code, band, kind): n for m, code, band, kind, n in rows}

    def key_checks(self) -> list[tuple[str, str]]:
        rows = self._rows("SELECT key_id, check_value FROM key_checks ORDER BY position")
        return [(key_id, check) for key_id, check in rows]

    def add_key_check(self, key_id: str, check: str) -> None:
        self._write(
            "INSERT INTO key_checks (key_id, position, check_value)"
            " SELECT %s, (SELECT count(*) FROM key_checks), %s ON CONFLICT DO NOTHING",
            [key_id, check],
        )

    def key_moves(self) -> list[str]:
        rows = self._rows("SELECT key_id FROM key_checks WHERE moving ORDER BY position")
        return [key_id for (key_id,) in rows]

    def set_key_move(self, key_id: str, moving: bool) -> None:
        self._write("UPDATE key_checks SET moving = %s WHERE key_id = %s", [moving, key_id])

    def setting(self, name: str) -> str | None:
        rows = self._rows("SELECT value FROM settings WHERE name = %s", [name])
        return None if not rows else str(rows[0][0])

    def put_setting(self, name: str, value: str, *, replace: bool = False) -> None:
        if replace:
            self._write(
                "INSERT INTO settings (name, value) VALUES (%s, %s)"
                " ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                [name, value],
            )
        else:
            self._write(
                "INSERT INTO settings (name, value) VALUES (%s, %s) ON CONFLICT DO NOTHING",
                [name, value],
            )

    def log_entries_for(self, token: str) -> list[LogEntry]:
        rows = self._rows(
            "SELECT e.id, e.data FROM log_refs r JOIN log_entries e ON e.id = r.entry_id"
            " WHERE r.token = %s",
            [token],
        )
        found = [decode(data, LogEntry, "log_entries", entry_id) for entry_id, data in rows]
        return sorted(found, key=lambda e: (e.at, e.lane, e.seq))

    def delete_log_refs(self, token: str) -> None:
        self._write("DELETE FROM log_refs WHERE token = %s", [token])
