"""The PostgreSQL store (PostgreSQL-opslag): for several processes and hosts at once.

Every record is kept as JSON text in its own schema (``verwijsindex`` unless told
otherwise), beside a few look-up columns. A transaction is one database transaction;
the keys it names are locked with transaction-level advisory locks, taken in sorted
order, so two registrations of the same youth run one after the other, even from
different hosts. A store holds a small pool of connections and may be shared by threads.

It needs the ``postgres`` extra (``pip install verwijsindex[postgres]``), and a server:

>>> store = PostgresStore("postgresql://vi@db.invalid/vi", schema="no such schema")
Traceback (most recent call last):
    ...
verwijsindex.errors.ConfigurationError: schema must be lower-case ...
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, Final, LiteralString, Self, TypeAlias, TypeVar

from verwijsindex.errors import (
    ConfigurationError,
    NoIndexError,
    SchemaVersionError,
    ScrubIncompleteError,
    StorageError,
)
from verwijsindex.storage import LOG_LANES
from verwijsindex.storage._postgres_sql import (
    LOCKED_BY_OTHERS,
    MIGRATIONS,
    OLDER_SNAPSHOTS,
    SCHEMA_VERSION,
    SCRUBBED,
    to_version_2,
    to_version_3,
    to_version_5,
    to_version_6,
)
from verwijsindex.storage._sql import INDEX_TABLES, flag, seconds

try:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict
    from psycopg.pq import TransactionStatus
    from psycopg.rows import TupleRow, tuple_row
    from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

    from verwijsindex.storage._postgres_arrays import know_arrays
    from verwijsindex.storage._postgres_begin import (
        Locked,
        lock_and_read,
        storage_error,
        translated,
    )
    from verwijsindex.storage._postgres_tx import PostgresTransaction
except ImportError:  # pragma: no cover - tested in a subprocess without psycopg
    _HAVE_PSYCOPG = False
else:
    _HAVE_PSYCOPG = True

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "PostgresStore"]

T = TypeVar("T")
_Params = Sequence[Any] | dict[str, Any]
_Query: TypeAlias = "LiteralString | sql.Composed"

_SCHEMA_NAME: Final = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_SCHEMA_LOCK: Final = 0x76657277_69_6A73
"""The advisory lock id held while a schema is created or migrated ("verwijs" in hex)."""
_POOL_TIMEOUT: Final = 30.0
"""Seconds a transaction waits for a free connection before giving up."""
_FETCH: Final = 500
"""Rows fetched at a time when streaming the logbook."""
_NO_SEALS: Final[Mapping[int, str]] = {}


_SSLMODES = ("disable", "allow", "prefer", "require", "verify-ca", "verify-full")
"""The values libpq takes for ``sslmode``: another is refused before any connection."""


class PostgresStore:
    """A store in a PostgreSQL database, in schema *schema*, with up to *max_connections*.

    Opening it creates the schema when it is missing (safely, when several processes
    open it at once) and refuses a schema newer than this library with
    :class:`~verwijsindex.errors.SchemaVersionError`. With ``create=False`` a schema that
    holds no index is not made: :class:`~verwijsindex.errors.NoIndexError` (a job that
    must find its index, where a mistyped database or schema would otherwise start an
    empty one).

    The connections come from a :class:`psycopg_pool.ConnectionPool` of the store's own,
    or from *pool*, an application's pool (then *url* may be omitted; the store never
    closes a pool it was given, and sets the search path per transaction). A connection
    that the server has dropped (a restart, an idle timeout) is noticed when a
    transaction begins, discarded with every other dead one in the pool, and the
    transaction begins again on a live one. *timeout* is how long a transaction waits for a
    free connection, and :meth:`scrub` for older snapshots to end, in seconds.
    """

    def __init__(
        self,
        url: str | None = None,
        *,
        schema: str = "verwijsindex",
        max_connections: int = 8,
        pool: ConnectionPool[Any] | None = None,
        timeout: float = _POOL_TIMEOUT,
        create: bool = True,
    ) -> None:
        if not _HAVE_PSYCOPG:
            raise ConfigurationError(
                "the PostgreSQL store needs psycopg and psycopg-pool: "
                "pip install 'verwijsindex[postgres]'"
            )
        if (
            not isinstance(schema, str)
            or not _SCHEMA_NAME.fullmatch(schema)
            or schema.startswith("pg_")
        ):
            raise ConfigurationError(
                "schema must be lower-case letters, digits and underscores, starting with a "
                "letter or underscore, and not pg_"
            )
        if (
            not isinstance(max_connections, int)
            or isinstance(max_connections, bool)
            or max_connections < 1
        ):
            raise ConfigurationError("max_connections must be a positive integer")
        seconds(timeout, "timeout")
        if pool is not None and not isinstance(pool, ConnectionPool):
            raise ConfigurationError("pool must be a psycopg_pool.ConnectionPool")
        params: dict[str, Any] = {}
        if url is not None:
            try:
                if not isinstance(url, str):
                    raise TypeError(type(url).__name__)
                url.encode("utf-8")
                params = conninfo_to_dict(url)
            except Exception:  # whatever libpq's parser finds wrong: a library error
                # The URL is not repeated: it may hold a password.
                raise ConfigurationError("not a valid PostgreSQL connection URL") from None
            if params.get("sslmode", "prefer") not in _SSLMODES:
                raise ConfigurationError(f"sslmode must be one of {', '.join(_SSLMODES)}")
        flag(create, "create")
        self.schema = schema
        self._create = create
        self._where = " ".join(
            f"{name}={params[name]}" for name in ("host", "port", "dbname") if params.get(name)
        )
        self._own = pool is None
        self._closed = False
        self._timeout = float(timeout)
        if pool is None:
            if url is None:
                raise ConfigurationError("PostgresStore needs a connection URL or a pool")
            address = url
            self._create_schema(lambda: _connect(address))
            self._pool: ConnectionPool[Any] = ConnectionPool(
                address,
                min_size=0,
                max_size=max_connections,
                kwargs={"autocommit": True},
                configure=self._configure,
                timeout=self._timeout,
                name=f"verwijsindex-{schema}",
                open=True,
            )
        else:
            self._pool = pool
            self._create_schema(None)
        self._max_connections = max_connections if pool is None else (pool.max_size or 1)

    def __repr__(self) -> str:
        where = f"{self._where} " if self._where else ""
        return f"<PostgresStore {where}schema={self.schema}>"

    def _configure(self, conn: psycopg.Connection[TupleRow]) -> None:
        """Set up a new connection of the store's own pool: the search path, and READ
        COMMITTED whatever the server's default says."""
        conn.isolation_level = psycopg.IsolationLevel.READ_COMMITTED
        know_arrays(conn)
        conn.execute("SELECT pg_catalog.set_config('search_path', %s, false)", [self.schema])

    def _create_schema(self, connect: Callable[[], psycopg.Connection[TupleRow]] | None) -> None:
        if connect is not None:
            with translated():
                conn = connect()
            try:
                self._migrate(conn)
            finally:
                conn.close()
            return
        with translated(), self._pool.connection() as conn:
            restore = _autocommit(conn)
            try:
                self._migrate(conn)
            finally:
                conn.autocommit, conn.row_factory = restore

    def _migrate(self, conn: psycopg.Connection[TupleRow]) -> None:
        check_server_version(conn.info.server_version)
        with translated(), conn.transaction():
            conn.execute("SELECT pg_catalog.set_config('search_path', %s, true)", [self.schema])
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [_SCHEMA_LOCK])
            tables = [
                sql.Identifier(self.schema, table).as_string(conn)
                for table in ("schema_version", *sorted(INDEX_TABLES - {"schema_version"}))
            ]
            row = conn.execute(
                "SELECT pg_catalog.to_regclass(%s) IS NOT NULL,"
                " bool_and(pg_catalog.to_regclass(t) IS NOT NULL) FROM unnest(%s::text[]) AS t",
                [tables[0], tables[1:]],
            ).fetchone()
            version = 0
            if row is not None and row[0]:
                if not row[1]:  # another program's table of that name
                    if not self._create:
                        raise NoIndexError("the schema holds no index, and create is False")
                    raise SchemaVersionError(
                        f"schema {self.schema} has a schema_version table but no index"
                    )
                found = conn.execute("SELECT max(version) FROM schema_version").fetchone()
                version = found[0] if found is not None and found[0] is not None else 0
                if not isinstance(version, int) or isinstance(version, bool):
                    raise SchemaVersionError(
                        f"schema {self.schema} has a schema version this library cannot read"
                    )
            if version > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"schema {self.schema} has version {version}; this library knows "
                    f"versions up to {SCHEMA_VERSION}: upgrade verwijsindex"
                )
            if version == SCHEMA_VERSION:
                return
            if version == 0 and not self._create:
                raise NoIndexError("the schema holds no index, and create is False")
            if version == 0:
                conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
                )
                conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer)")
            for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in step:
                    conn.execute(statement)
                if number == 2:
                    to_version_2(conn)
                if number == 3:
                    to_version_3(conn)
                if number == 5:
                    to_version_5(conn)
                if number == 6:
                    to_version_6(conn)
            # One head row per lane, made here so that first appends never race.
            conn.execute(
                "INSERT INTO log_heads (lane, seq, hash)"
                " SELECT lane, 0, '' FROM generate_series(0, %s - 1) AS lane"
                " ON CONFLICT (lane) DO NOTHING",
                [LOG_LANES],
            )
            conn.execute("DELETE FROM schema_version")
            conn.execute("INSERT INTO schema_version VALUES (%s)", [SCHEMA_VERSION])

    @contextmanager
    def transaction(
        self, locks: Sequence[str] = (), *, snapshot: bool = False
    ) -> Iterator[PostgresTransaction]:
        """One database transaction, holding an advisory lock on each key in *locks*; a
        *snapshot* is ``REPEATABLE READ READ ONLY``, one moment for all it reads."""
        if self._closed:
            raise StorageError("the store is closed")
        keys = sorted(set(locks))
        conn, cursor, read, restore = self._begin(keys, snapshot)
        try:
            tx = PostgresTransaction(conn, read, cursor)
            del cursor, read  # the transaction's alone: it lets go of them when it ends
            try:
                yield tx
                if conn.info.transaction_status == TransactionStatus.INERROR:
                    # A caller caught a StorageError and went on: nothing can commit.
                    raise StorageError(
                        "a statement in this transaction failed, so it was rolled back"
                    )
                tx.commit()
            finally:
                tx.close()
        except BaseException:
            if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
                with contextlib.suppress(psycopg.Error):
                    conn.execute("ROLLBACK")
            raise
        finally:
            self._give_back(conn, restore)

    def _begin(
        self, keys: list[str], snapshot: bool = False
    ) -> tuple[psycopg.Connection[TupleRow], psycopg.Cursor[TupleRow], Locked, _Restore | None]:
        """A pooled connection inside a new transaction, holding the locks on *keys* and
        with their dossiers read. A connection the server dropped fails here, before
        anything was done: it is discarded (and the pool checks its other idle ones), and
        the transaction begins again on a live one."""
        attempts = self._max_connections + 1
        for attempt in range(attempts):
            try:
                conn = self._pool.getconn()
            except PoolTimeout as error:
                raise StorageError(
                    f"no free database connection after {self._timeout:g} seconds"
                ) from error
            except PoolClosed as error:
                raise StorageError("the store is closed") from error
            restore = None
            try:
                if not self._own:
                    restore = _autocommit(conn)
                schema = None if self._own else self.schema
                cursor = conn.cursor()
                return conn, cursor, lock_and_read(cursor, keys, schema, snapshot), restore
            except psycopg.OperationalError as error:
                dead = conn.closed or conn.broken
                self._give_back(conn, restore)
                if not dead or attempt == attempts - 1:
                    raise storage_error(error) from error
                if attempt == 0:
                    self._pool.check()  # drop every other dead connection at once
            except psycopg.Error as error:
                self._give_back(conn, restore)
                raise storage_error(error) from error
            except BaseException:
                self._give_back(conn, restore)
                raise
        raise AssertionError("unreachable")  # pragma: no cover

    def _give_back(self, conn: psycopg.Connection[TupleRow], restore: _Restore | None) -> None:
        if restore is not None and not conn.closed and not conn.broken:
            with contextlib.suppress(psycopg.Error):
                conn.autocommit, conn.row_factory = restore
        self._pool.putconn(conn)

    def scrub(self) -> None:
        """Vacuum the tables that held a youth's data, so that the rows deleted by committed
        transactions are removed from the table files now rather than whenever autovacuum
        comes. A vacuum cannot remove a row that a snapshot or transaction older than its
        deletion may still read: this waits, up to the store's timeout, until every snapshot
        and transaction older than the call has ended, and raises
        :class:`~verwijsindex.errors.ScrubIncompleteError` if one is still open then (never a
        silent "done"). What remains in the server's write-ahead log and backups is
        described in ``docs/privacy.md``."""
        if self._closed:
            return
        try:
            conn = self._pool.getconn()
        except (PoolTimeout, PoolClosed) as error:
            raise StorageError("no database connection to vacuum with") from error
        restore = None
        try:
            if not self._own:
                restore = _autocommit(conn)
            with translated():
                self._wait_for_older_snapshots(conn)
                for table in SCRUBBED:
                    self._vacuum(conn, table)
        finally:
            self._give_back(conn, restore)

    def _vacuum(self, conn: psycopg.Connection[Any], table: str) -> None:
        """Vacuum *table*. A plain VACUUM also cuts the table's empty last pages off the
        file, for which it must have the table to itself: while another session holds any
        lock on it, it retries for five seconds and gives up, so under load every scrub
        waited that long and the scrubs queued behind each other. The cut is made when no
        other session holds a lock on the table, and skipped when one does (decision 79):
        the rows are removed either way; the freed space stays in the file, as it does
        for pages that are not last."""
        busy = conn.execute(
            LOCKED_BY_OTHERS, {"schema": self.schema, "table": table}, prepare=False
        ).fetchone()
        vacuum = "VACUUM (TRUNCATE false) {}" if busy and busy[0] else "VACUUM {}"
        conn.execute(sql.SQL(vacuum).format(sql.Identifier(self.schema, table)))

    def _wait_for_older_snapshots(self, conn: psycopg.Connection[Any]) -> None:
        marker = conn.execute(
            "SELECT (pg_snapshot_xmax(pg_current_snapshot())::text::bigint % 4294967296)"
            "::text::xid",
            prepare=False,
        ).fetchone()
        deadline = time.monotonic() + self._timeout
        while True:
            found = conn.execute(OLDER_SNAPSHOTS, {"marker": marker[0] if marker else None})
            row = found.fetchone()
            if row is None or row[0] == 0:
                return
            if time.monotonic() >= deadline:
                raise ScrubIncompleteError(
                    "another session holds a snapshot or a transaction older than the "
                    "deletion, so the deleted "
                    "rows cannot be vacuumed yet; the deletion stands, and the next scrub "
                    "removes them"
                )
            time.sleep(0.01)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the store's own pool; a pool the application gave stays open."""
        self._closed = True
        if self._own:
            self._pool.close()


_Restore: TypeAlias = "tuple[bool, Any]"
"""The autocommit mode and row factory of an application's connection, given back."""


OLDEST_SERVER: Final = 120000
"""PostgreSQL 12: a transaction with locks sets ``plan_cache_mode``, which 12 brought."""


def check_server_version(version: int) -> None:
    """Refuse a PostgreSQL server older than :data:`OLDEST_SERVER` (libpq's number: 150020
    is 15.20), before anything is written."""
    if version < OLDEST_SERVER:
        major = version // 10000
        raise ConfigurationError(f"PostgreSQL 12 or later is needed; the server is version {major}")


def _connect(url: str) -> psycopg.Connection[TupleRow]:
    return psycopg.connect(url, autocommit=True)


def _autocommit(conn: psycopg.Connection[Any]) -> _Restore:
    """Put a connection of an application's pool in autocommit mode with tuple rows (the
    store begins and ends its transactions itself); return what to restore. The first
    time, teach it the store's arrays (:func:`know_arrays`: only the store's own lists
    change how they are sent)."""
    before = (conn.autocommit, conn.row_factory)
    know_arrays(conn)
    if not conn.autocommit:
        if conn.info.transaction_status != TransactionStatus.IDLE:
            conn.rollback()
        conn.autocommit = True
    conn.row_factory = tuple_row
    return before
