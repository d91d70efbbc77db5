"""A transaction of the SQLite store: the statements of one unit of work on one
connection, and the one place where the driver's errors become the library's."""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import date, datetime, timezone
from types import TracebackType
from typing import Final

from verwijsindex.errors import CorruptRecordError, StorageError
from verwijsindex.model import LogEntry, Notification, Organisation, Professional
from verwijsindex.pseudonyms import log_token
from verwijsindex.serialization import to_json
from verwijsindex.storage import (
    CLAIM_HORIZON,
    LOG_LANES,
    Dossier,
    IndexTerms,
    LogAudit,
    MatchOfYouth,
    Withheld,
    index_terms,
)
from verwijsindex.storage._sql import audit, decode, decode_directory, decode_match
from verwijsindex.storage._sqlite_sql import (
    ADD_COUNT,
    ADD_NOTIFICATION,
    CLAIMABLE,
    FETCH,
    INSERT_LOG,
    INSERT_REF,
    NO_SEALS,
    NO_TERMS,
    PENDING,
    PENDING_FOR,
    PUT_ORGANISATION,
    PUT_PROFESSIONAL,
    SAVE_DOSSIER,
    SEAL_HEAD,
    SET_HEAD,
    SIDE,
)

__all__ = ["TRANSLATE", "SQLiteTransaction", "run"]


class _Translate:
    """Turns every :mod:`sqlite3` error raised inside ``with TRANSLATE:`` into a
    :class:`StorageError` chained to it: the one place this backend maps driver errors."""

    __slots__ = ()

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if isinstance(error, sqlite3.Error):
            # the driver quotes the text of a column it cannot decode: never a record's data
            detail = str(error).split(" with text ", 1)[0]
            if detail.startswith("Could not decode to UTF-8"):  # a stored record, damaged
                raise CorruptRecordError(f"SQLite: {detail}") from None
            raise StorageError(f"SQLite failed: {type(error).__name__}: {detail}") from error


TRANSLATE: Final = _Translate()


def _columns(terms: IndexTerms) -> tuple[tuple[str, ...], ...]:
    return (
        terms.link_ids,
        terms.match_ids,
        terms.professional_ids,
        terms.parent_keys,
        terms.address_keys,
    )


def _utc(moment: datetime) -> str:
    """A moment as text that sorts as it compares: UTC, ISO 8601, microseconds always."""
    return moment.astimezone(timezone.utc).isoformat(timespec="microseconds")


def _iso(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


def _withheld(
    statements: tuple[str, str], withheld: Withheld | None
) -> tuple[str, tuple[str, ...]]:
    """The statement of *statements* for *withheld*, and the parameter it adds."""
    if withheld is None:
        return statements[0], ()
    return statements[1], (withheld.born_by.isoformat(),)


def run(connection: sqlite3.Connection) -> Iterator[SQLiteTransaction]:
    """One transaction on *connection*: ``BEGIN IMMEDIATE``, ``COMMIT`` when the block
    ends, ``ROLLBACK`` when it raises."""
    with TRANSLATE:
        connection.execute("BEGIN IMMEDIATE")
    try:
        tx = SQLiteTransaction(connection)
        yield tx
        with TRANSLATE:
            connection.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already
            connection.execute("ROLLBACK")
        raise


class SQLiteTransaction:
    """The statements of one transaction on one connection.

    ``_terms`` holds the look-up terms of each dossier as they stand in the side tables
    (read with the dossier, or written by this transaction), so a save writes only the
    terms that changed. ``_read`` holds the dossiers a look-up fetched with its keys, for
    the :meth:`load` that follows (one statement instead of one per dossier); under
    ``BEGIN IMMEDIATE`` no one else writes meanwhile. Writes go to the database at once.
    """

    __slots__ = ("_db", "_head_seal", "_read", "_terms")

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._terms: dict[str, IndexTerms] = {}
        self._read: dict[str, object] = {}
        self._head_seal: tuple[int, str] | None = None  # (lane, seal) as log_head read them

    # -- dossiers ---------------------------------------------------------------------------------

    def load(self, key: str) -> Dossier | None:
        row: tuple[object] | None
        if key in self._read:
            row = (self._read.pop(key),)
        else:
            with TRANSLATE:
                row = self._db.execute("SELECT data FROM dossiers WHERE key = ?", (key,)).fetchone()
        if row is None:
            # no dossier, so no side rows: the foreign keys see to that
            self._terms[key] = NO_TERMS
            return None
        dossier = decode(row[0], Dossier, "dossiers", key)
        if dossier.key != key:
            raise CorruptRecordError(f"table 'dossiers', row {key!r}: the record has another key")
        self._terms[key] = index_terms(dossier)
        return dossier

    def save(self, dossier: Dossier) -> None:
        self.save_all([dossier])

    def save_all(self, dossiers: Sequence[Dossier]) -> None:
        """Save *dossiers* in order, with one statement per table."""
        rows = []
        clears: list[tuple[str]] = []
        removes: tuple[list[tuple[str, str]], ...] = tuple([] for _ in SIDE)
        inserts: tuple[list[tuple[str, str]], ...] = tuple([] for _ in SIDE)
        for dossier in dossiers:
            key = dossier.key
            rows.append(
                (
                    key,
                    to_json(dossier),
                    _iso(dossier.sweep_due),
                    _iso(dossier.information_due),
                    _iso(dossier.follow_up_due),
                    log_token(dossier.subject.log_secret),
                    dossier.logged,
                    dossier.log_seal,
                    dossier.subject.birth_date.isoformat(),
                    _iso(dossier.subject.died_on),
                )
            )
            terms = index_terms(dossier)
            old = self._terms.get(key)
            if old is None:
                clears.append((key,))
                old = NO_TERMS
            for gone, added, before, after in zip(
                removes, inserts, _columns(old), _columns(terms), strict=True
            ):
                if before == after:
                    continue
                if before:
                    gone.extend((term, key) for term in set(before).difference(after))
                added.extend((term, key) for term in after if term not in before)
            self._terms[key] = terms
            self._read.pop(key, None)
        db = self._db
        with TRANSLATE:
            db.executemany(SAVE_DOSSIER, rows)
            for side, gone, added in zip(SIDE, removes, inserts, strict=True):
                if clears:
                    db.executemany(side.clear, clears)
                if gone:
                    db.executemany(side.remove, gone)
                if added:
                    db.executemany(side.insert, added)

    def delete(self, key: str) -> None:
        self._read.pop(key, None)
        db = self._db
        with TRANSLATE:
            for side in SIDE:
                db.execute(side.clear, (key,))
            db.execute("DELETE FROM dossiers WHERE key = ?", (key,))
        self._terms[key] = NO_TERMS

    def _one_key(self, sql: str, term: str) -> str | None:
        with TRANSLATE:
            row = self._db.execute(sql, (term,)).fetchone()
        return None if row is None else str(row[0])

    def _keys(self, sql: str, parameters: tuple[object, ...]) -> list[str]:
        with TRANSLATE:
            return [row[0] for row in self._db.execute(sql, parameters)]

    def key_for_link(self, link_id: str) -> str | None:
        return self._one_key("SELECT key FROM dossier_links WHERE link_id = ?", link_id)

    def key_for_match(self, match_id: str) -> str | None:
        return self._one_key("SELECT key FROM dossier_matches WHERE match_id = ?", match_id)

    def _keys_and_read(self, sql: str, term: str) -> list[str]:
        """The keys *sql* finds for *term*, keeping their dossiers' JSON for :meth:`load`
        (every caller loads them next: one statement instead of one per dossier)."""
        with TRANSLATE:
            rows = self._db.execute(sql, (term,)).fetchall()
        for key, data in rows:
            self._read[key] = data
        return [key for key, _ in rows]

    def keys_for_professional(self, professional_id: str) -> list[str]:
        return self._keys_and_read(
            "SELECT p.key, d.data FROM dossier_professionals p JOIN dossiers d ON d.key = p.key"
            " WHERE p.professional_id = ? ORDER BY p.key",
            professional_id,
        )

    def matches_for_professional(self, professional_id: str) -> list[MatchOfYouth]:
        # only the dossiers with a match term, and of each only the match and the youth's
        # birth date and day of death are decoded
        with TRANSLATE:
            rows = self._db.execute(
                "SELECT p.key, d.data FROM dossier_professionals p"
                " JOIN dossiers d ON d.key = p.key WHERE p.professional_id = ?"
                " AND EXISTS (SELECT 1 FROM dossier_matches m WHERE m.key = p.key)"
                " ORDER BY p.key",
                (professional_id,),
            ).fetchall()
        found = (decode_match(data, key) for key, data in rows)
        return [m for m in found if m is not None]

    def keys_for_parent(self, parent_key: str) -> list[str]:
        return self._keys_and_read(
            "SELECT p.key, d.data FROM dossier_parents p JOIN dossiers d ON d.key = p.key"
            " WHERE p.parent_key = ? ORDER BY p.key",
            parent_key,
        )

    def keys_for_address(self, address_key: str) -> list[str]:
        return self._keys_and_read(
            "SELECT a.key, d.data FROM dossier_addresses a JOIN dossiers d ON d.key = a.key"
            " WHERE a.address_key = ? ORDER BY a.key",
            address_key,
        )

    def keys_follow_up_due(self, on: date, after: str | None, limit: int) -> list[str]:
        return self._keys(
            "SELECT key FROM dossiers WHERE follow_up_due <= ? AND key > ? ORDER BY key LIMIT ?",
            (on.isoformat(), "" if after is None else after, limit),
        )

    def keys_sweep_due(self, on: date, limit: int) -> list[str]:
        return self._keys(
            "SELECT key FROM dossiers WHERE sweep_due <= ? ORDER BY sweep_due, key LIMIT ?",
            (on.isoformat(), limit),
        )

    def keys_information_due(self, before: date, limit: int) -> list[str]:
        return self._keys(
            "SELECT key FROM dossiers WHERE information_due < ? "
            "ORDER BY information_due, key LIMIT ?",
            (before.isoformat(), limit),
        )

    def keys(self, after: str | None, limit: int) -> list[str]:
        if after is None:
            return self._keys("SELECT key FROM dossiers ORDER BY key LIMIT ?", (limit,))
        return self._keys(
            "SELECT key FROM dossiers WHERE key > ? ORDER BY key LIMIT ?", (after, limit)
        )

    # -- organisations and professionals -----------------------------------------------------------

    def get_organisation(self, organisation_id: str) -> Organisation | None:
        with TRANSLATE:
            row = self._db.execute(
                "SELECT data FROM organisations WHERE id = ?", (organisation_id,)
            ).fetchone()
        if row is None:
            return None
        return decode_directory(row[0], Organisation, "organisations", organisation_id)

    def put_organisation(self, organisation: Organisation) -> None:
        with TRANSLATE:
            self._db.execute(PUT_ORGANISATION, (organisation.id, to_json(organisation)))

    def get_professional(self, professional_id: str) -> Professional | None:
        with TRANSLATE:
            row = self._db.execute(
                "SELECT data FROM professionals WHERE id = ?", (professional_id,)
            ).fetchone()
        if row is None:
            return None
        return decode_directory(row[0], Professional, "professionals", professional_id)

    def put_professional(self, professional: Professional) -> None:
        with TRANSLATE:
            self._db.execute(PUT_PROFESSIONAL, (professional.id, to_json(professional)))

    def professionals_of(self, organisation_id: str) -> list[Professional]:
        with TRANSLATE:
            rows = self._db.execute("SELECT id, data FROM professionals ORDER BY id").fetchall()
        # decoded, not kept: the whole directory would push out what registrations read
        found = (decode(data, Professional, "professionals", pid) for pid, data in rows)
        return [p for p in found if p.organisation.id == organisation_id]

    # -- outbox ------------------------------------------------------------------------------------

    def add_notifications(self, items: Sequence[tuple[str, Notification]]) -> None:
        rows = [(n.id, key, n.recipient, n.signal, to_json(n)) for key, n in items]
        if rows:
            with TRANSLATE:
                self._db.executemany(ADD_NOTIFICATION, rows)

    def _notifications(self, sql: str, parameters: tuple[object, ...]) -> list[Notification]:
        """The notifications *sql* selects as ``(id, data)``; a row that does not parse is
        set aside (never selected again) instead of failing everyone's read."""
        with TRANSLATE:
            rows = self._db.execute(sql, parameters).fetchall()
        found = []
        for id_, data in rows:
            notification = self._parsed(id_, data)
            if notification is not None:
                found.append(notification)
        return found

    def _parsed(self, id_: str, data: object) -> Notification | None:
        """The notification of one row, or ``None`` with the row set aside: when it does
        not parse, or is another row's (a copied row would go out under the other's id,
        its acknowledgement would remove nothing, and it would go out again after every
        lease). The outbox's rows are read as bytes (``CAST(data AS BLOB)``), so that a
        row that is not UTF-8 is set aside here, not the whole read refused by the
        driver."""
        try:
            text = data.decode("utf-8") if isinstance(data, bytes) else data
            notification = decode(text, Notification, "outbox", id_)
        except (UnicodeDecodeError, CorruptRecordError):
            notification = None
        if notification is None or notification.id != id_:
            self._set_aside(id_)
            return None
        return notification

    def _set_aside(self, id_: str) -> None:
        with TRANSLATE:
            self._db.execute("UPDATE outbox SET set_aside = 1 WHERE id = ?", (id_,))

    def pending_notifications(
        self, limit: int | None, *, withheld: Withheld | None = None
    ) -> list[Notification]:
        statement, born_by = _withheld(PENDING, withheld)
        return self._notifications(statement, (*born_by, -1 if limit is None else limit))

    def pending_for(
        self, recipient: str, limit: int | None, *, withheld: Withheld | None = None
    ) -> list[Notification]:
        statement, born_by = _withheld(PENDING_FOR, withheld)
        return self._notifications(statement, (recipient, *born_by, -1 if limit is None else limit))

    def notifications_for(self, key: str) -> list[Notification]:
        return self._notifications(
            "SELECT id, CAST(data AS BLOB) FROM outbox WHERE key = ? ORDER BY seq", (key,)
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
        # BEGIN IMMEDIATE holds SQLite's write lock: one claimant at a time.
        statement, born_by = _withheld(CLAIMABLE, withheld)
        with TRANSLATE:
            rows = self._db.execute(
                statement, (_utc(now), _utc(now + CLAIM_HORIZON), *born_by, limit)
            ).fetchall()
            self._db.executemany(
                "UPDATE outbox SET claim = ?, claimed_until = ? WHERE id = ?",
                [(claim, _utc(until), id_) for (id_,) in rows],
            )
        return self._notifications(
            "SELECT id, CAST(data AS BLOB) FROM outbox WHERE claim = ? AND set_aside = 0"
            " ORDER BY seq",
            (claim,),
        )

    def set_aside_count(self) -> int:
        with TRANSLATE:
            row = self._db.execute("SELECT count(*) FROM outbox WHERE set_aside = 1").fetchone()
        return int(row[0])

    def acknowledge(self, ids: Sequence[str], claim: str | None = None) -> int:
        if not ids:
            return 0
        with TRANSLATE:
            if claim is None:
                cursor = self._db.executemany(
                    "DELETE FROM outbox WHERE id = ?", [(i,) for i in dict.fromkeys(ids)]
                )
            else:
                cursor = self._db.executemany(
                    "DELETE FROM outbox WHERE id = ? AND claim = ?",
                    [(i, claim) for i in dict.fromkeys(ids)],
                )
        return cursor.rowcount

    def delete_notifications(self, key: str) -> None:
        with TRANSLATE:
            self._db.execute("DELETE FROM outbox WHERE key = ?", (key,))

    def any_signal_notifications(self) -> bool:
        with TRANSLATE:
            row = self._db.execute(
                "SELECT 1 FROM outbox WHERE signal IS NOT NULL AND set_aside = 0 LIMIT 1"
            ).fetchone()
        return row is not None

    def signal_notifications(self, signals: Collection[str]) -> list[tuple[str, Notification]]:
        if not signals:
            return []
        with TRANSLATE:
            rows = self._db.execute(
                "SELECT id, key, CAST(data AS BLOB) FROM outbox WHERE set_aside = 0"
                " AND signal IN (SELECT value FROM json_each(?)) ORDER BY seq",
                (json.dumps(sorted(signals)),),
            ).fetchall()
        found = []
        for id_, key, data in rows:
            notification = self._parsed(id_, data)
            if notification is not None:
                found.append((key, notification))
        return found

    def remove_notifications(self, ids: Sequence[str]) -> None:
        self.acknowledge(ids)  # one writer at a time: nothing to wait for

    def revise_notifications(self, notifications: Sequence[Notification]) -> None:
        if notifications:
            with TRANSLATE:
                self._db.executemany(
                    "UPDATE outbox SET recipient = ?, signal = ?, data = ? WHERE id = ?",
                    [(n.recipient, n.signal, to_json(n), n.id) for n in notifications],
                )

    def rekey_notifications(self, old: str, new: str) -> None:
        with TRANSLATE:
            self._db.execute("UPDATE outbox SET key = ? WHERE key = ?", (new, old))

    # -- logbook -----------------------------------------------------------------------------------

    def log_head(self, lane: int) -> tuple[int, str] | None:
        with TRANSLATE:
            row = self._db.execute(
                "SELECT seq, hash, seal FROM log_heads WHERE lane = ?", (lane,)
            ).fetchone()
        self._head_seal = (lane, "" if row is None else row[2])  # for log_head_seal
        return None if row is None else (row[0], row[1])

    def log_head_seal(self, lane: int) -> str:
        if self._head_seal is not None and self._head_seal[0] == lane:
            return self._head_seal[1]
        with TRANSLATE:
            row = self._db.execute("SELECT seal FROM log_heads WHERE lane = ?", (lane,)).fetchone()
        return "" if row is None else str(row[0])

    def append_log(
        self,
        entries: Sequence[LogEntry],
        refs: Sequence[tuple[str, str]],
        seals: Mapping[int, str] = NO_SEALS,
    ) -> None:
        rows = [(e.lane, e.seq, e.id, to_json(e)) for e in entries]
        heads = {e.lane: (e.lane, e.seq, e.hash, seals.get(e.lane, "")) for e in entries}
        self._head_seal = None
        db = self._db
        with TRANSLATE:
            if rows:
                db.executemany(INSERT_LOG, rows)
                db.executemany(SET_HEAD, list(heads.values()))
            if refs:
                db.executemany(INSERT_REF, refs)
            other = [(lane, seal) for lane, seal in seals.items() if lane not in heads]
            if other:
                db.executemany(SEAL_HEAD, other)

    def log_entries(self) -> Iterator[LogEntry]:
        return self._log_entries("SELECT lane, seq, data FROM log_entries ORDER BY lane, seq", ())

    def log_entries_from(self, starts: Mapping[int, int]) -> Iterator[LogEntry]:
        # A range of the primary key (lane, seq) per lane: the entries from the start only.
        for lane in sorted({*range(LOG_LANES), *starts}):
            yield from self._log_entries(
                "SELECT lane, seq, data FROM log_entries WHERE lane = ? AND seq >= ? ORDER BY seq",
                (lane, starts.get(lane, 1)),
            )

    def _log_entries(self, query: str, params: Sequence[object]) -> Iterator[LogEntry]:
        with TRANSLATE:
            cursor = self._db.execute(query, params)
        try:
            while True:
                with TRANSLATE:
                    rows = cursor.fetchmany(FETCH)
                if not rows:
                    return
                for lane, seq, data in rows:
                    yield decode(data, LogEntry, "log_entries", (lane, seq))
        finally:
            with contextlib.suppress(sqlite3.Error):
                cursor.close()

    def log_heads(self) -> dict[int, tuple[int, str]]:
        with TRANSLATE:
            rows = self._db.execute(
                "SELECT lane, seq, hash FROM log_heads WHERE seq > 0 ORDER BY lane"
            ).fetchall()
        return {lane: (seq, hash_) for lane, seq, hash_ in rows}

    def log_seals(self) -> dict[int, str]:
        with TRANSLATE:
            rows = self._db.execute("SELECT lane, seal FROM log_heads ORDER BY lane").fetchall()
        return dict(rows)

    def log_audit(self) -> LogAudit:
        with TRANSLATE:
            youths = self._db.execute(
                "SELECT key, log_token, logged, log_seal FROM dossiers"
            ).fetchall()
            refs = self._db.execute("SELECT token, entry_id FROM log_refs").fetchall()
            (dangling,) = self._db.execute(
                "SELECT count(*) FROM log_refs r"
                " WHERE NOT EXISTS (SELECT 1 FROM log_entries e WHERE e.id = r.entry_id)"
            ).fetchone()
        return audit(youths, refs, dangling)

    # -- keys --------------------------------------------------------------------------------------

    def add_counts(self, items: Sequence[tuple[date, str, str, str, int]]) -> None:
        rows = [(month.isoformat(), code, band, kind, n) for month, code, band, kind, n in items]
        with TRANSLATE:
            self._db.executemany(ADD_COUNT, rows)

    def counts(self, first: date, last: date) -> dict[tuple[date, str, str, str], int]:
        with TRANSLATE:
            rows = self._db.execute(
                "SELECT month, municipality, age_band, kind, count FROM stat_counts"
                " WHERE month >= ? AND month <= ?",
                (first.isoformat(), last.isoformat()),
            ).fetchall()
        return {(date.fromisoformat(m), code, band, kind): n for m, code, band, kind, n in rows}

    def key_checks(self) -> list[tuple[str, str]]:
        with TRANSLATE:
            rows = self._db.execute(
                "SELECT key_id, check_value FROM key_checks ORDER BY position"
            ).fetchall()
        return [(key_id, check) for key_id, check in rows]

    def add_key_check(self, key_id: str, check: str) -> None:
        with TRANSLATE:
            self._db.execute(
                "INSERT INTO key_checks (key_id, position, check_value)"
                " SELECT ?, (SELECT count(*) FROM key_checks), ? ON CONFLICT DO NOTHING",
                (key_id, check),
            )

    def key_moves(self) -> list[str]:
        with TRANSLATE:
            rows = self._db.execute(
                "SELECT key_id FROM key_checks WHERE moving ORDER BY position"
            ).fetchall()
        return [key_id for (key_id,) in rows]

    def set_key_move(self, key_id: str, moving: bool) -> None:
        with TRANSLATE:
            self._db.execute(
                "UPDATE key_checks SET moving = ? WHERE key_id = ?", (int(moving), key_id)
            )

    def setting(self, name: str) -> str | None:
        with TRANSLATE:
            row = self._db.execute("SELECT value FROM settings WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def put_setting(self, name: str, value: str, *, replace: bool = False) -> None:
        verb = "INSERT OR REPLACE" if replace else "INSERT OR IGNORE"
        with TRANSLATE:
            self._db.execute(f"{verb} INTO settings (name, value) VALUES (?, ?)", (name, value))

    def log_entries_for(self, token: str) -> list[LogEntry]:
        with TRANSLATE:
            rows = self._db.execute(
                "SELECT e.lane, e.seq, e.data FROM log_refs r "
                "JOIN log_entries e ON e.id = r.entry_id WHERE r.token = ?",
                (token,),
            ).fetchall()
        found = [decode(data, LogEntry, "log_entries", (lane, seq)) for lane, seq, data in rows]
        return sorted(found, key=lambda e: (e.at, e.lane, e.seq))

    def delete_log_refs(self, token: str) -> None:
        with TRANSLATE:
            self._db.execute("DELETE FROM log_refs WHERE token = ?", (token,))
