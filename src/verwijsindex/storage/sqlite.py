"""The SQLite store (SQLite-opslag): the verwijsindex in one file, or in memory, on one host.

Every transaction runs under ``BEGIN IMMEDIATE``, so writers wait for each other across
threads and processes; an exception inside the ``with`` block rolls everything back.

>>> from verwijsindex.storage import SQLiteStore
>>> store = SQLiteStore()
>>> store
SQLiteStore(':memory:')
>>> with store.transaction() as tx:
...     tx.load("no-such-key") is None
True
>>> with store.transaction() as tx:
...     tx.log_heads()
{}
>>> store.close()
>>> store.transaction().__enter__()
Traceback (most recent call last):
    ...
verwijsindex.errors.StorageError: the store is closed

Driver errors come out as :class:`~verwijsindex.errors.StorageError` with the
:mod:`sqlite3` exception as ``__cause__``; a record that does not parse as
:class:`~verwijsindex.errors.CorruptRecordError`, naming the table and the row but never
its content.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timezone
from types import TracebackType
from typing import Final, Self, TypeVar

from verwijsindex.errors import (
    ConfigurationError,
    CorruptRecordError,
    SchemaVersionError,
    ScrubIncompleteError,
    StorageError,
)
from verwijsindex.model import LogEntry, Match, Notification, Organisation, Professional
from verwijsindex.pseudonyms import log_token
from verwijsindex.serialization import to_json
from verwijsindex.storage import (
    LOG_LANES,
    Dossier,
    IndexTerms,
    LogAudit,
    index_terms,
)
from verwijsindex.storage._sql import audit, decode, decode_match, seconds
from verwijsindex.storage._sqlite_sql import (
    ADD_COUNT,
    ADD_NOTIFICATION,
    AFTER,
    FETCH,
    INSERT_LOG,
    INSERT_REF,
    MIGRATIONS,
    NO_SEALS,
    NO_TERMS,
    PUT_ORGANISATION,
    PUT_PROFESSIONAL,
    SAVE_DOSSIER,
    SCHEMA_VERSION,
    SEAL_HEAD,
    SET_HEAD,
    SIDE,
)

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SQLiteStore"]

T = TypeVar("T")


class _Translate:
    """Turns every :mod:`sqlite3` error raised inside ``with _TRANSLATE:`` into a
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
            raise StorageError(f"SQLite failed: {type(error).__name__}: {error}") from error


_TRANSLATE: Final = _Translate()


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


_MAX_PATH = 4096
"""The longest path, in bytes, a SQLite store takes (PATH_MAX on Linux)."""


def _path(value: object) -> str:
    """*value* as the path of a database file (or ``:memory:``), or a
    :class:`ConfigurationError` that does not repeat it."""
    try:
        path = os.fspath(value)  # type: ignore[call-overload]
    except TypeError:
        raise ConfigurationError("path must be a str or a path-like object") from None
    if not isinstance(path, str):
        raise ConfigurationError("path must be a str or a path-like object, not bytes")
    try:
        size = len(path.encode("utf-8"))
    except UnicodeEncodeError:
        raise ConfigurationError("path holds a character that is not text") from None
    if "\x00" in path or size > _MAX_PATH:
        raise ConfigurationError(f"path must be a file name of at most {_MAX_PATH} bytes")
    if path not in {":memory:", ""} and os.path.isdir(path):
        raise ConfigurationError("path names a directory, not a database file")
    return path


_SYNCHRONOUS: Final = {"full": "FULL", "normal": "NORMAL"}
"""The values of ``synchronous`` a store takes, and the ``PRAGMA synchronous`` each sets."""


def _synchronous(value: object) -> str:
    """*value* (``"full"`` or ``"normal"``, in any case) as the keyword of
    ``PRAGMA synchronous``, or a :class:`ConfigurationError` that does not repeat it."""
    if isinstance(value, str) and value.isascii():
        found = _SYNCHRONOUS.get(value.lower())
        if found is not None:
            return found
    raise ConfigurationError("synchronous must be 'full' (the default) or 'normal'")


class SQLiteStore:
    """A store in an SQLite database file, or in memory with ``":memory:"`` (the default).

    Each thread gets its own connection to a file; an in-memory database has one
    connection that threads take turns on. :meth:`close` closes them all.

    By default every connection runs with ``PRAGMA synchronous=FULL``: a commit has reached
    the disk when it returns. ``synchronous="normal"`` (``?synchronous=normal`` in the URL) trades
    that for speed: in WAL mode a commit then outlives a crash of the process, but the
    last ones before a power cut or an operating-system crash may be lost (never
    corrupted). For work that can be run again, such as a batch import or a simulation.

    >>> with SQLiteStore(synchronous="normal") as store:
    ...     store
    SQLiteStore(':memory:')
    >>> SQLiteStore(synchronous="off")
    Traceback (most recent call last):
        ...
    verwijsindex.errors.ConfigurationError: synchronous must be 'full' (the default) or 'normal'
    """

    def __init__(
        self,
        path: str | os.PathLike[str] = ":memory:",
        *,
        timeout: float = 30.0,
        synchronous: str = "full",
    ) -> None:
        self._path = _path(path)
        self._timeout = seconds(timeout, "timeout")
        self._synchronous = _synchronous(synchronous)
        self._memory = self._path in {":memory:", ""}
        self._lock = threading.RLock()
        self._local = threading.local()
        self._connections: dict[threading.Thread, sqlite3.Connection] = {}
        self._shared: sqlite3.Connection | None = None
        self._closed = False
        with _TRANSLATE:
            connection = self._connect()
            try:
                if not self._memory:
                    connection.execute("PRAGMA journal_mode=WAL")
                self._migrate(connection)
            except BaseException:
                connection.close()
                raise
        if self._memory:
            self._shared = connection
        else:
            self._local.connection = connection
            self._connections[threading.current_thread()] = connection

    def __repr__(self) -> str:
        return f"SQLiteStore({self._path!r})"

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self._path, timeout=self._timeout, isolation_level=None, check_same_thread=False
        )
        # Every connection: the setting is per connection, and each thread opens its own.
        connection.execute(f"PRAGMA synchronous={self._synchronous}")
        connection.execute("PRAGMA foreign_keys=ON")
        # Deleted rows are overwritten, so an erased youth cannot be read back from the file.
        connection.execute("PRAGMA secure_delete=ON")
        connection.execute("PRAGMA cache_size=-65536")
        return connection

    def _migrate(self, connection: sqlite3.Connection) -> None:
        connection.execute("BEGIN IMMEDIATE")
        try:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_version ("
                "id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL)"
            )
            row = connection.execute("SELECT version FROM schema_version WHERE id = 1").fetchone()
            current = 0 if row is None else row[0]
            if not isinstance(current, int) or current > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"the database {self._path!r} has schema version {current!r}; "
                    f"this release reads versions up to {SCHEMA_VERSION}"
                )
            for version in sorted(MIGRATIONS):
                if version > current:
                    for statement in MIGRATIONS[version]:
                        connection.execute(statement)
                    if version in AFTER:
                        AFTER[version](connection)
            if current != SCHEMA_VERSION:
                connection.execute(
                    "INSERT INTO schema_version (id, version) VALUES (1, ?) "
                    "ON CONFLICT (id) DO UPDATE SET version = excluded.version",
                    (SCHEMA_VERSION,),
                )
            connection.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already
                connection.execute("ROLLBACK")
            raise

    def _thread_connection(self) -> sqlite3.Connection:
        connection: sqlite3.Connection | None = getattr(self._local, "connection", None)
        if connection is not None:
            return connection
        with self._lock:
            if self._closed:  # pragma: no cover - only when close() races this thread
                raise StorageError("the store is closed")
            for thread in [t for t in self._connections if not t.is_alive()]:
                self._connections.pop(thread).close()
            connection = self._connect()
            self._connections[threading.current_thread()] = connection
        self._local.connection = connection
        return connection

    @contextmanager
    def transaction(
        self, locks: Sequence[str] = (), *, snapshot: bool = False
    ) -> Iterator[_SQLiteTransaction]:
        """One unit of work under ``BEGIN IMMEDIATE``: committed when the block ends,
        rolled back when it raises. *locks* need no more than that: SQLite has one writer,
        and a transaction sees one moment (a *snapshot* as well)."""
        if self._closed:
            raise StorageError("the store is closed")
        if self._memory:
            with self._lock:
                shared = self._shared
                if shared is None:  # pragma: no cover - only when close() races this thread
                    raise StorageError("the store is closed")
                yield from _run(shared)
        else:
            with _TRANSLATE:
                connection = self._thread_connection()
            yield from _run(connection)

    def scrub(self) -> None:
        """Make deleted data unreadable from the files: with ``secure_delete`` on, the pages
        are overwritten in the database; this checkpoints the write-ahead log and truncates
        it, so no older copy of a page stays behind in ``-wal``. A checkpoint that a reader
        blocks is tried again until the store's timeout; then
        :class:`~verwijsindex.errors.ScrubIncompleteError` says so (never a silent "done")."""
        if self._closed or self._memory:
            return
        deadline = time.monotonic() + self._timeout
        with _TRANSLATE:
            connection = self._thread_connection()
            while True:
                row = connection.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                if row is not None and row[0] == 0:
                    return
                if time.monotonic() >= deadline:
                    raise ScrubIncompleteError(
                        "the write-ahead log could not be truncated: another connection is "
                        "reading it; deleted data may stay in the -wal file until the next scrub"
                    )
                time.sleep(0.005)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every connection this store opened. Closing twice is harmless."""
        with self._lock:
            self._closed = True
            connections = list(self._connections.values())
            if self._shared is not None:
                connections.append(self._shared)
            self._connections.clear()
            self._shared = None
        with _TRANSLATE:
            for connection in connections:
                connection.close()


def _run(connection: sqlite3.Connection) -> Iterator[_SQLiteTransaction]:
    with _TRANSLATE:
        connection.execute("BEGIN IMMEDIATE")
    try:
        tx = _SQLiteTransaction(connection)
        yield tx
        with _TRANSLATE:
            connection.execute("COMMIT")
    except BaseException:
        with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back already
            connection.execute("ROLLBACK")
        raise


class _SQLiteTransaction:
    """The statements of one transaction on one connection.

    ``_terms`` holds the look-up terms of each dossier as they stand in the side tables
    (read with the dossier, or written by this transaction), so a save writes only the
    terms that changed. ``_read`` holds the dossiers a look-up fetched with its keys, for
    the :meth:`load` that follows (one statement instead of one per dossier); under
    ``BEGIN IMMEDIATE`` no one else writes meanwhile. Writes go to the database at once.
    """

    __slots__ = ("_db", "_read", "_terms")

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._terms: dict[str, IndexTerms] = {}
        self._read: dict[str, object] = {}

    # -- dossiers ---------------------------------------------------------------------------------

    def load(self, key: str) -> Dossier | None:
        row: tuple[object] | None
        if key in self._read:
            row = (self._read.pop(key),)
        else:
            with _TRANSLATE:
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
        with _TRANSLATE:
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
        with _TRANSLATE:
            for side in SIDE:
                db.execute(side.clear, (key,))
            db.execute("DELETE FROM dossiers WHERE key = ?", (key,))
        self._terms[key] = NO_TERMS

    def _one_key(self, sql: str, term: str) -> str | None:
        with _TRANSLATE:
            row = self._db.execute(sql, (term,)).fetchone()
        return None if row is None else str(row[0])

    def _keys(self, sql: str, parameters: tuple[object, ...]) -> list[str]:
        with _TRANSLATE:
            return [row[0] for row in self._db.execute(sql, parameters)]

    def key_for_link(self, link_id: str) -> str | None:
        return self._one_key("SELECT key FROM dossier_links WHERE link_id = ?", link_id)

    def key_for_match(self, match_id: str) -> str | None:
        return self._one_key("SELECT key FROM dossier_matches WHERE match_id = ?", match_id)

    def _keys_and_read(self, sql: str, term: str) -> list[str]:
        """The keys *sql* finds for *term*, keeping their dossiers' JSON for :meth:`load`
        (every caller loads them next: one statement instead of one per dossier)."""
        with _TRANSLATE:
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

    def matches_for_professional(self, professional_id: str) -> list[Match]:
        # only the dossiers with a match term, and of each only the match is decoded
        with _TRANSLATE:
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
        with _TRANSLATE:
            row = self._db.execute(
                "SELECT data FROM organisations WHERE id = ?", (organisation_id,)
            ).fetchone()
        if row is None:
            return None
        return decode(row[0], Organisation, "organisations", organisation_id)

    def put_organisation(self, organisation: Organisation) -> None:
        with _TRANSLATE:
            self._db.execute(PUT_ORGANISATION, (organisation.id, to_json(organisation)))

    def get_professional(self, professional_id: str) -> Professional | None:
        with _TRANSLATE:
            row = self._db.execute(
                "SELECT data FROM professionals WHERE id = ?", (professional_id,)
            ).fetchone()
        if row is None:
            return None
        return decode(row[0], Professional, "professionals", professional_id)

    def put_professional(self, professional: Professional) -> None:
        with _TRANSLATE:
            self._db.execute(PUT_PROFESSIONAL, (professional.id, to_json(professional)))

    def professionals_of(self, organisation_id: str) -> list[Professional]:
        with _TRANSLATE:
            rows = self._db.execute("SELECT id, data FROM professionals ORDER BY id").fetchall()
        found = (decode(data, Professional, "professionals", pid) for pid, data in rows)
        return [p for p in found if p.organisation.id == organisation_id]

    # -- outbox ------------------------------------------------------------------------------------

    def add_notifications(self, items: Sequence[tuple[str, Notification]]) -> None:
        rows = [
            (notification.id, key, notification.recipient, to_json(notification))
            for key, notification in items
        ]
        if rows:
            with _TRANSLATE:
                self._db.executemany(ADD_NOTIFICATION, rows)

    def _notifications(self, sql: str, parameters: tuple[object, ...]) -> list[Notification]:
        """The notifications *sql* selects as ``(id, data)``; a row that does not parse is
        set aside (never selected again) instead of failing everyone's read."""
        with _TRANSLATE:
            rows = self._db.execute(sql, parameters).fetchall()
        found = []
        for id_, data in rows:
            try:
                found.append(decode(data, Notification, "outbox", id_))
            except CorruptRecordError:
                self._set_aside(id_)
        return found

    def _set_aside(self, id_: str) -> None:
        with _TRANSLATE:
            self._db.execute("UPDATE outbox SET set_aside = 1 WHERE id = ?", (id_,))

    def pending_notifications(self, limit: int | None) -> list[Notification]:
        return self._notifications(
            "SELECT id, data FROM outbox WHERE set_aside = 0 ORDER BY seq LIMIT ?",
            (-1 if limit is None else limit,),
        )

    def pending_for(self, recipient: str, limit: int | None) -> list[Notification]:
        return self._notifications(
            "SELECT id, data FROM outbox WHERE recipient = ? AND set_aside = 0"
            " ORDER BY seq LIMIT ?",
            (recipient, -1 if limit is None else limit),
        )

    def notifications_for(self, key: str) -> list[Notification]:
        return self._notifications("SELECT id, data FROM outbox WHERE key = ? ORDER BY seq", (key,))

    def claim_notifications(
        self, limit: int, now: datetime, until: datetime, claim: str
    ) -> list[Notification]:
        # BEGIN IMMEDIATE holds SQLite's write lock: one claimant at a time.
        with _TRANSLATE:
            rows = self._db.execute(
                "SELECT id FROM outbox WHERE set_aside = 0"
                " AND (claimed_until IS NULL OR claimed_until <= ?) ORDER BY seq LIMIT ?",
                (_utc(now), limit),
            ).fetchall()
            self._db.executemany(
                "UPDATE outbox SET claim = ?, claimed_until = ? WHERE id = ?",
                [(claim, _utc(until), id_) for (id_,) in rows],
            )
        return self._notifications(
            "SELECT id, data FROM outbox WHERE claim = ? AND set_aside = 0 ORDER BY seq", (claim,)
        )

    def set_aside_count(self) -> int:
        with _TRANSLATE:
            row = self._db.execute("SELECT count(*) FROM outbox WHERE set_aside = 1").fetchone()
        return int(row[0])

    def acknowledge(self, ids: Sequence[str], claim: str | None = None) -> int:
        if not ids:
            return 0
        with _TRANSLATE:
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
        with _TRANSLATE:
            self._db.execute("DELETE FROM outbox WHERE key = ?", (key,))

    def rekey_notifications(self, old: str, new: str) -> None:
        with _TRANSLATE:
            self._db.execute("UPDATE outbox SET key = ? WHERE key = ?", (new, old))

    # -- logbook -----------------------------------------------------------------------------------

    def log_head(self, lane: int) -> tuple[int, str] | None:
        with _TRANSLATE:
            row = self._db.execute(
                "SELECT seq, hash FROM log_heads WHERE lane = ?", (lane,)
            ).fetchone()
        return None if row is None else (row[0], row[1])

    def append_log(
        self,
        entries: Sequence[LogEntry],
        refs: Sequence[tuple[str, str]],
        seals: Mapping[int, str] = NO_SEALS,
    ) -> None:
        rows = [(e.lane, e.seq, e.id, to_json(e)) for e in entries]
        heads = {e.lane: (e.lane, e.seq, e.hash, seals.get(e.lane, "")) for e in entries}
        db = self._db
        with _TRANSLATE:
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
        with _TRANSLATE:
            cursor = self._db.execute(query, params)
        try:
            while True:
                with _TRANSLATE:
                    rows = cursor.fetchmany(FETCH)
                if not rows:
                    return
                for lane, seq, data in rows:
                    yield decode(data, LogEntry, "log_entries", (lane, seq))
        finally:
            with contextlib.suppress(sqlite3.Error):
                cursor.close()

    def log_heads(self) -> dict[int, tuple[int, str]]:
        with _TRANSLATE:
            rows = self._db.execute(
                "SELECT lane, seq, hash FROM log_heads WHERE seq > 0 ORDER BY lane"
            ).fetchall()
        return {lane: (seq, hash_) for lane, seq, hash_ in rows}

    def log_seals(self) -> dict[int, str]:
        with _TRANSLATE:
            rows = self._db.execute("SELECT lane, seal FROM log_heads ORDER BY lane").fetchall()
        return dict(rows)

    def log_audit(self) -> LogAudit:
        with _TRANSLATE:
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
        with _TRANSLATE:
            self._db.executemany(ADD_COUNT, rows)

    def counts(self, first: date, last: date) -> dict[tuple[date, str, str, str], int]:
        with _TRANSLATE:
            rows = self._db.execute(
                "SELECT month, municipality, age_band, kind, count FROM stat_counts"
                " WHERE month >= ? AND month <= ?",
                (first.isoformat(), last.isoformat()),
            ).fetchall()
        return {(date.fromisoformat(m), code, band, kind): n for m, code, band, kind, n in rows}

    def key_checks(self) -> list[tuple[str, str]]:
        with _TRANSLATE:
            rows = self._db.execute(
                "SELECT key_id, check_value FROM key_checks ORDER BY position"
            ).fetchall()
        return [(key_id, check) for key_id, check in rows]

    def add_key_check(self, key_id: str, check: str) -> None:
        with _TRANSLATE:
            self._db.execute(
                "INSERT INTO key_checks (key_id, position, check_value)"
                " SELECT ?, (SELECT count(*) FROM key_checks), ? ON CONFLICT DO NOTHING",
                (key_id, check),
            )

    def log_entries_for(self, token: str) -> list[LogEntry]:
        with _TRANSLATE:
            rows = self._db.execute(
                "SELECT e.lane, e.seq, e.data FROM log_refs r "
                "JOIN log_entries e ON e.id = r.entry_id WHERE r.token = ?",
                (token,),
            ).fetchall()
        found = [decode(data, LogEntry, "log_entries", (lane, seq)) for lane, seq, data in rows]
        return sorted(found, key=lambda e: (e.at, e.lane, e.seq))

    def delete_log_refs(self, token: str) -> None:
        with _TRANSLATE:
            self._db.execute("DELETE FROM log_refs WHERE token = ?", (token,))
