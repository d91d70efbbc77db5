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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Final, Self

from verwijsindex.errors import (
    ConfigurationError,
    NoIndexError,
    SchemaVersionError,
    ScrubIncompleteError,
    StorageError,
)
from verwijsindex.storage._sql import INDEX_TABLES, flag, seconds
from verwijsindex.storage._sqlite_sql import AFTER, MIGRATIONS, SCHEMA_VERSION
from verwijsindex.storage._sqlite_tx import TRANSLATE, SQLiteTransaction, run

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "SQLiteStore"]


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


def _foreign(connection: sqlite3.Connection, tables: set[str]) -> bool:
    """Whether the database's ``schema_version`` table is another program's: not the
    index's two columns, or a version recorded without the index's tables."""
    if "schema_version" not in tables:
        return False
    columns = {row[1] for row in connection.execute("PRAGMA table_info(schema_version)")}
    if columns != {"id", "version"}:
        return True
    (version,) = connection.execute("SELECT max(version) FROM schema_version").fetchone()
    return version is not None and not tables >= INDEX_TABLES


def _tables(connection: sqlite3.Connection) -> set[str]:
    """The database's tables, read without writing (a file that is not a database fails
    here, as it would on opening)."""
    rows = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


_SYNCHRONOUS: Final = {"full": "FULL", "normal": "NORMAL"}
"""The values of ``synchronous`` a store takes, and the ``PRAGMA synchronous`` each sets."""

CHECKPOINT_PAGES: Final = 1000
"""SQLite's own ``wal_autocheckpoint``: after a commit leaves the write-ahead log longer
than this many pages, the committing connection copies it into the database file."""
BATCH_LOCKS: Final = 50
"""A transaction that locks this many youths or more is a batch (a sweep, re-key or
import; also a registration at an address with this many youths, which only costs
time); see :data:`BATCH_CHECKPOINT_PAGES`."""
BATCH_CHECKPOINT_PAGES: Final = 20_000
"""The ``wal_autocheckpoint`` of a batch's commit (80 MB at SQLite's 4 KB pages): a batch
of 500 youths writes a few thousand pages, many of them the same pages as the batch
before (index pages, the logbook's last page, the counts), so checkpointing after each
batch copied and synced them again and again. Only when the log is about five batches
long does the batch's commit copy it, once (decision 69), unless another connection's
commit (at :data:`CHECKPOINT_PAGES`) copies it first. Registrations keep
:data:`CHECKPOINT_PAGES`."""


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

    Opening a file makes it, and the index in it, when there is none. With
    ``create=False`` a path without a file or a database without an index is left as it
    is: :class:`~verwijsindex.errors.NoIndexError`.

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
        create: bool = True,
    ) -> None:
        self._path = _path(path)
        self._timeout = seconds(timeout, "timeout")
        self._synchronous = _synchronous(synchronous)
        self._memory = self._path in {":memory:", ""}
        flag(create, "create")
        if not create and (self._memory or not os.path.exists(self._path)):
            raise NoIndexError("the database holds no index, and create is False")
        self._lock = threading.RLock()
        self._local = threading.local()
        self._connections: dict[threading.Thread, sqlite3.Connection] = {}
        self._shared: sqlite3.Connection | None = None
        self._closed = False
        with TRANSLATE:
            connection = self._connect()
            try:
                tables = _tables(connection)
                if not create and not tables >= INDEX_TABLES:
                    raise NoIndexError("the database holds no index, and create is False")
                if _foreign(connection, tables):
                    raise SchemaVersionError(
                        "the database has a schema_version table but no index: another "
                        "program's, which this library leaves alone"
                    )
                if not self._memory:
                    self._wal(connection)
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

    def _wal(self, connection: sqlite3.Connection) -> None:
        """Put the file in WAL mode. While another connection holds a write transaction,
        SQLite answers "database is locked" at once, without the busy handler that makes
        every other statement wait: so wait here, as long as the store's timeout."""
        deadline = time.monotonic() + self._timeout
        pause = 0.002
        while True:
            try:
                connection.execute("PRAGMA journal_mode=WAL")
                return
            except sqlite3.OperationalError as error:
                busy = error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY  # extended codes too
                if not busy or time.monotonic() > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

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
    ) -> Iterator[SQLiteTransaction]:
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
                yield from run(shared)
        else:
            with TRANSLATE:
                connection = self._thread_connection()
            if len(locks) < BATCH_LOCKS:
                yield from run(connection)
                return
            try:
                with TRANSLATE:
                    connection.execute(f"PRAGMA wal_autocheckpoint={BATCH_CHECKPOINT_PAGES}")
                yield from run(connection)
            finally:  # a connection closed meanwhile needs nothing set back
                with contextlib.suppress(sqlite3.Error):
                    connection.execute(f"PRAGMA wal_autocheckpoint={CHECKPOINT_PAGES}")

    def scrub(self) -> None:
        """Make deleted data unreadable from the files: with ``secure_delete`` on, the pages
        are overwritten in the database; this checkpoints the write-ahead log and truncates
        it, so no older copy of a page stays behind in ``-wal``. A checkpoint that a reader
        blocks is tried again until the store's timeout; then
        :class:`~verwijsindex.errors.ScrubIncompleteError` says so (never a silent "done")."""
        if self._closed or self._memory:
            return
        deadline = time.monotonic() + self._timeout
        with TRANSLATE:
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
        with TRANSLATE:
            for connection in connections:
                connection.close()
