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
verwijsindex.errors.ConfigurationError: schema name 'no such schema' must be lower-case ...
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Generator, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date
from typing import Any, Final, LiteralString, TypeAlias, TypeVar

from verwijsindex.errors import (
    ConfigurationError,
    SchemaVersionError,
    ScrubIncompleteError,
    StorageError,
)
from verwijsindex.model import LogEntry, Match, Notification, Organisation, Professional
from verwijsindex.pseudonyms import log_token
from verwijsindex.serialization import to_json
from verwijsindex.storage import LOG_LANES, Dossier, LogAudit, index_terms
from verwijsindex.storage._sql import (
    audit,
    decode,
    decode_match,
    reseal_log,
    secrets_by_token,
)

try:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict
    from psycopg.pq import TransactionStatus
    from psycopg.rows import TupleRow, tuple_row
    from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout
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

MIGRATIONS: Final[tuple[tuple[LiteralString, ...], ...]] = (
    # 0 -> 1: the first schema. Keys sort by code point (COLLATE "C"), as Python sorts.
    (
        """CREATE TABLE dossiers (
            key text COLLATE "C" PRIMARY KEY,
            data text NOT NULL,
            sweep_due date,
            information_due date)""",
        "CREATE INDEX dossiers_sweep_due ON dossiers (sweep_due, key) WHERE sweep_due IS NOT NULL",
        """CREATE INDEX dossiers_information_due ON dossiers (information_due, key)
            WHERE information_due IS NOT NULL""",
        """CREATE TABLE dossier_links (
            link_id text COLLATE "C" PRIMARY KEY, key text COLLATE "C" NOT NULL)""",
        "CREATE INDEX dossier_links_key ON dossier_links (key)",
        """CREATE TABLE dossier_matches (
            match_id text COLLATE "C" PRIMARY KEY, key text COLLATE "C" NOT NULL)""",
        "CREATE INDEX dossier_matches_key ON dossier_matches (key)",
        """CREATE TABLE dossier_professionals (
            professional_id text COLLATE "C", key text COLLATE "C",
            PRIMARY KEY (professional_id, key))""",
        "CREATE INDEX dossier_professionals_key ON dossier_professionals (key)",
        """CREATE TABLE dossier_parents (
            parent_key text COLLATE "C", key text COLLATE "C", PRIMARY KEY (parent_key, key))""",
        "CREATE INDEX dossier_parents_key ON dossier_parents (key)",
        'CREATE TABLE organisations (id text COLLATE "C" PRIMARY KEY, data text NOT NULL)',
        'CREATE TABLE professionals (id text COLLATE "C" PRIMARY KEY, data text NOT NULL)',
        """CREATE TABLE outbox (
            seq bigserial PRIMARY KEY,
            id text COLLATE "C" NOT NULL UNIQUE,
            key text COLLATE "C" NOT NULL,
            data text NOT NULL)""",
        "CREATE INDEX outbox_key ON outbox (key)",
        """CREATE TABLE log_entries (
            lane integer, seq bigint, id text NOT NULL UNIQUE, data text NOT NULL,
            PRIMARY KEY (lane, seq))""",
        """CREATE TABLE log_heads (
            lane integer PRIMARY KEY, seq bigint NOT NULL, hash text NOT NULL)""",
        "CREATE TABLE log_refs (token text NOT NULL, entry_id text NOT NULL)",
        "CREATE INDEX log_refs_token ON log_refs (token)",
    ),
    # 1 -> 2: key check values, sealed heads, each youth's sealed count of log references
    (
        """CREATE TABLE key_checks (
            key_id text COLLATE "C" PRIMARY KEY,
            position integer NOT NULL UNIQUE,
            check_value text NOT NULL)""",
        "ALTER TABLE log_heads ADD COLUMN seal text NOT NULL DEFAULT ''",
        "ALTER TABLE dossiers ADD COLUMN log_token text",
        "ALTER TABLE dossiers ADD COLUMN logged integer NOT NULL DEFAULT 0",
        "ALTER TABLE dossiers ADD COLUMN log_seal text",
        "CREATE INDEX dossiers_log_token ON dossiers (log_token)",
        "CREATE UNIQUE INDEX log_refs_token_entry ON log_refs (token, entry_id)",
    ),
)
"""The schema, as the statements that bring version ``n`` to ``n + 1``. A later release
appends to this list; a store opened on an older schema applies the missing steps."""

SCHEMA_VERSION: Final = len(MIGRATIONS)
"""The schema version this library writes. A newer one is refused with SchemaVersionError."""


@contextmanager
def _translated() -> Iterator[None]:
    """The one place where driver errors become :class:`StorageError`. The primary message
    only: a DETAIL line may quote stored values."""
    try:
        yield
    except psycopg.Error as e:
        raise _storage_error(e) from e


def _match_ids(dossier: Dossier) -> tuple[str, ...]:
    return (dossier.match.id,) if dossier.match is not None else ()


def _save_params(dossier: Dossier, text: str) -> dict[str, Any]:
    terms = index_terms(dossier)
    return {
        "key": dossier.key,
        "data": text,
        "sweep_due": dossier.sweep_due,
        "information_due": dossier.information_due,
        "log_token": log_token(dossier.subject.log_secret),
        "logged": dossier.logged,
        "log_seal": dossier.log_seal,
        "links": list(terms.link_ids),
        "matches": list(terms.match_ids),
        "professionals": list(terms.professional_ids),
        "parents": list(terms.parent_keys),
    }


def _save_many_params(saved: Iterable[tuple[Dossier, str]]) -> dict[str, Any]:
    """The arrays of :data:`_SAVE_MANY`: one entry per dossier, one per (term, key) pair."""
    params: dict[str, list[Any]] = {
        name: []
        for name in (
            "keys", "data", "sweep_due", "information_due", "log_tokens", "logged",
            "log_seals", "link_ids", "link_keys",
            "match_ids", "match_keys", "professional_ids", "professional_keys",
            "parent_keys", "parent_owner_keys",
        )
    }  # fmt: skip
    for dossier, text in saved:
        key = dossier.key
        terms = index_terms(dossier)
        params["keys"].append(key)
        params["data"].append(text)
        params["sweep_due"].append(dossier.sweep_due)
        params["information_due"].append(dossier.information_due)
        params["log_tokens"].append(log_token(dossier.subject.log_secret))
        params["logged"].append(dossier.logged)
        params["log_seals"].append(dossier.log_seal)
        for ids, owners, column in (
            ("link_ids", "link_keys", terms.link_ids),
            ("match_ids", "match_keys", terms.match_ids),
            ("professional_ids", "professional_keys", terms.professional_ids),
            ("parent_keys", "parent_owner_keys", terms.parent_keys),
        ):
            unique = list(dict.fromkeys(column))
            params[ids].extend(unique)
            params[owners].extend([key] * len(unique))
    return params


class PostgresStore:
    """A store in a PostgreSQL database, in schema *schema*, with up to *max_connections*.

    Opening it creates the schema when it is missing (safely, when several processes
    open it at once) and refuses a schema newer than this library with
    :class:`~verwijsindex.errors.SchemaVersionError`.

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
                f"schema name {schema!r} must be lower-case letters, digits and underscores, "
                "starting with a letter or underscore"
            )
        if (
            not isinstance(max_connections, int)
            or isinstance(max_connections, bool)
            or max_connections < 1
        ):
            raise ConfigurationError("max_connections must be a positive integer")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
            raise ConfigurationError("timeout must be a positive number of seconds")
        if pool is not None and not isinstance(pool, ConnectionPool):
            raise ConfigurationError("pool must be a psycopg_pool.ConnectionPool")
        if url is None and pool is None:
            raise ConfigurationError("PostgresStore needs a connection URL or a pool")
        params: dict[str, Any] = {}
        if url is not None:
            try:
                params = conninfo_to_dict(url)
            except (psycopg.Error, TypeError):
                # The URL is not repeated: it may hold a password.
                raise ConfigurationError("not a valid PostgreSQL connection URL") from None
        self.schema = schema
        self._where = " ".join(
            f"{name}={params[name]}" for name in ("host", "port", "dbname") if params.get(name)
        )
        self._own = pool is None
        self._closed = False
        self._timeout = float(timeout)
        if pool is None:
            assert url is not None
            self._create_schema(lambda: _connect(url))
            self._pool: ConnectionPool[Any] = ConnectionPool(
                url,
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
        conn.execute("SELECT pg_catalog.set_config('search_path', %s, false)", [self.schema])

    def _create_schema(self, connect: Callable[[], psycopg.Connection[TupleRow]] | None) -> None:
        if connect is not None:
            with _translated():
                conn = connect()
            try:
                self._migrate(conn)
            finally:
                conn.close()
            return
        with _translated(), self._pool.connection() as conn:
            restore = _autocommit(conn)
            try:
                self._migrate(conn)
            finally:
                conn.autocommit, conn.row_factory = restore

    def _migrate(self, conn: psycopg.Connection[TupleRow]) -> None:
        with _translated(), conn.transaction():
            conn.execute("SELECT pg_catalog.set_config('search_path', %s, true)", [self.schema])
            conn.execute("SELECT pg_advisory_xact_lock(%s)", [_SCHEMA_LOCK])
            row = conn.execute(
                "SELECT pg_catalog.to_regclass(%s) IS NOT NULL",
                [sql.Identifier(self.schema, "schema_version").as_string(conn)],
            ).fetchone()
            version = 0
            if row is not None and row[0]:
                found = conn.execute("SELECT max(version) FROM schema_version").fetchone()
                version = found[0] if found is not None and found[0] is not None else 0
            if version > SCHEMA_VERSION:
                raise SchemaVersionError(
                    f"schema {self.schema} has version {version}; this library knows "
                    f"versions up to {SCHEMA_VERSION}: upgrade verwijsindex"
                )
            if version == SCHEMA_VERSION:
                return
            if version == 0:
                conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(self.schema))
                )
                conn.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer)")
            for number, step in enumerate(MIGRATIONS[version:], start=version + 1):
                for statement in step:
                    conn.execute(statement)
                if number == 2:
                    _to_version_2(conn)
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
    ) -> Iterator[_PostgresTransaction]:
        """One database transaction, holding an advisory lock on each key in *locks*; a
        *snapshot* is ``REPEATABLE READ READ ONLY``, one moment for all it reads."""
        if self._closed:
            raise StorageError("the store is closed")
        keys = sorted(set(locks))
        conn, read, restore = self._begin(keys, snapshot)
        try:
            tx = _PostgresTransaction(conn, read)
            try:
                yield tx
                if conn.info.transaction_status == TransactionStatus.INERROR:
                    # A caller caught a StorageError and went on: nothing can commit.
                    raise StorageError(
                        "a statement in this transaction failed, so it was rolled back"
                    )
                tx.commit()
            finally:
                tx.closed = True
        except BaseException:
            if not conn.closed and conn.info.transaction_status != TransactionStatus.IDLE:
                with contextlib.suppress(psycopg.Error):
                    conn.execute("ROLLBACK")
            raise
        finally:
            self._give_back(conn, restore)

    def _begin(
        self, keys: list[str], snapshot: bool = False
    ) -> tuple[psycopg.Connection[TupleRow], dict[str, str | None], _Restore | None]:
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
                return conn, _lock_and_read(conn, keys, schema, snapshot), restore
            except psycopg.OperationalError as error:
                dead = conn.closed or conn.broken
                self._give_back(conn, restore)
                if not dead or attempt == attempts - 1:
                    raise _storage_error(error) from error
                if attempt == 0:
                    self._pool.check()  # drop every other dead connection at once
            except psycopg.Error as error:
                self._give_back(conn, restore)
                raise _storage_error(error) from error
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
        comes. A vacuum cannot remove a row that a snapshot taken before its deletion may
        still read: this waits, up to the store's timeout, until every snapshot older than
        the call has ended, and raises :class:`~verwijsindex.errors.ScrubIncompleteError`
        if one is still open then (never a silent "done"). What remains in the server's
        write-ahead log and backups is described in ``docs/privacy.md``."""
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
            with _translated():
                self._wait_for_older_snapshots(conn)
                for table in _SCRUBBED:
                    conn.execute(sql.SQL("VACUUM {}").format(sql.Identifier(self.schema, table)))
        finally:
            self._give_back(conn, restore)

    def _wait_for_older_snapshots(self, conn: psycopg.Connection[Any]) -> None:
        marker = conn.execute(
            "SELECT (pg_snapshot_xmax(pg_current_snapshot())::text::bigint % 4294967296)"
            "::text::xid",
            prepare=False,
        ).fetchone()
        deadline = time.monotonic() + self._timeout
        while True:
            row = conn.execute(_OLDER_SNAPSHOTS, [marker[0] if marker else None]).fetchone()
            if row is None or row[0] == 0:
                return
            if time.monotonic() >= deadline:
                raise ScrubIncompleteError(
                    "another session holds a snapshot older than the deletion, so the deleted "
                    "rows cannot be vacuumed yet; the deletion stands, and the next scrub "
                    "removes them"
                )
            time.sleep(0.01)

    def close(self) -> None:
        """Close the store's own pool; a pool the application gave stays open."""
        self._closed = True
        if self._own:
            self._pool.close()


_OLDER_SNAPSHOTS: Final = """
SELECT count(*) FROM pg_catalog.pg_stat_activity
WHERE pid <> pg_backend_pid() AND datname = current_database()
  AND backend_type <> 'autovacuum worker' AND backend_xmin IS NOT NULL
  AND age(backend_xmin) > age(%s::xid)
"""
"""Other sessions of this database whose snapshot is older than the marker: a vacuum now
could not remove rows they may still read."""

_Restore: TypeAlias = "tuple[bool, Any]"
"""The autocommit mode and row factory of an application's connection, given back."""

_SCRUBBED: Final = (
    "dossiers",
    "dossier_links",
    "dossier_matches",
    "dossier_professionals",
    "dossier_parents",
    "outbox",
    "log_refs",
)
"""The tables that hold, or point to, a youth's data: vacuumed after a deletion."""


def _connect(url: str) -> psycopg.Connection[TupleRow]:
    return psycopg.connect(url, autocommit=True)


def _autocommit(conn: psycopg.Connection[Any]) -> _Restore:
    """Put a connection of an application's pool in autocommit mode with tuple rows (the
    store begins and ends its transactions itself); return what to restore."""
    before = (conn.autocommit, conn.row_factory)
    if not conn.autocommit:
        if conn.info.transaction_status != TransactionStatus.IDLE:
            conn.rollback()
        conn.autocommit = True
    conn.row_factory = tuple_row
    return before


def _storage_error(e: psycopg.Error) -> StorageError:
    what = e.diag.message_primary or (str(e).splitlines() or [""])[0]
    code = f" [{e.sqlstate}]" if e.sqlstate else ""
    return StorageError(f"PostgreSQL {type(e).__name__}{code}: {what}")


def _to_version_2(conn: psycopg.Connection[TupleRow]) -> None:
    """Version 2 keeps each dossier's log token beside it, and seals the ids of a youth's
    links and matches in the log entries about them (:func:`_sql.reseal_log`)."""
    rows = conn.execute("SELECT key, data FROM dossiers").fetchall()
    dossiers = [decode(data, Dossier, "dossiers", key) for key, data in rows]
    if dossiers:
        with conn.cursor() as cur:
            cur.executemany(
                "UPDATE dossiers SET log_token = %s WHERE key = %s",
                [(log_token(d.subject.log_secret), d.key) for d in dossiers],
            )
    refs = conn.execute("SELECT token, entry_id FROM log_refs").fetchall()
    secrets = secrets_by_token(dossiers)
    for (lane,) in conn.execute("SELECT DISTINCT lane FROM log_entries").fetchall():
        stored = conn.execute(
            "SELECT id, data FROM log_entries WHERE lane = %s ORDER BY seq", [lane]
        ).fetchall()
        entries = [decode(data, LogEntry, "log_entries", entry_id) for entry_id, data in stored]
        rewritten = reseal_log({lane: entries}, secrets, refs)[lane]
        with conn.cursor() as cur:
            cur.executemany(
                "UPDATE log_entries SET data = %s WHERE lane = %s AND seq = %s",
                [(to_json(e), e.lane, e.seq) for e in rewritten],
            )
        last = rewritten[-1]
        conn.execute(
            "UPDATE log_heads SET seq = %s, hash = %s WHERE lane = %s", [last.seq, last.hash, lane]
        )


def _lock_and_read(
    conn: psycopg.Connection[TupleRow], keys: list[str], schema: str | None, snapshot: bool = False
) -> dict[str, str | None]:
    """Begin, take the advisory locks on *keys*, then read their dossiers, in one round trip
    (with *schema*, the search path is set for this transaction first).

    The read is a statement of its own after the locks are held, so under READ COMMITTED
    it sees every commit made before: a dossier is only written under its lock, so what
    it returns stays current for the whole transaction (the transaction's own writes are
    overlaid by :class:`_PostgresTransaction`). Returns key -> stored JSON (None: no row).
    """
    if not keys:
        with conn.pipeline():
            conn.execute(
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                if snapshot
                else "BEGIN ISOLATION LEVEL READ COMMITTED"
            )
            if schema is not None:
                conn.execute("SELECT pg_catalog.set_config('search_path', %s, true)", [schema])
        return {}
    with conn.pipeline():
        conn.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        if schema is not None:
            conn.execute("SELECT pg_catalog.set_config('search_path', %s, true)", [schema])
        if len(keys) == 1:
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", keys)
        else:
            conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(k, 0))"
                " FROM unnest(%s::text[]) WITH ORDINALITY AS u(k, i) ORDER BY i",
                [keys],
            )
        cursor = conn.execute("SELECT key, data FROM dossiers WHERE key = ANY (%s::text[])", [keys])
    found: dict[str, str | None] = dict.fromkeys(keys)
    found.update(cursor.fetchall())
    return found


_SAVE: Final = """
WITH dossier AS (
    INSERT INTO dossiers (key, data, sweep_due, information_due, log_token, logged, log_seal)
    VALUES (%(key)s, %(data)s, %(sweep_due)s, %(information_due)s, %(log_token)s, %(logged)s,
            %(log_seal)s)
    ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data, sweep_due = EXCLUDED.sweep_due,
        information_due = EXCLUDED.information_due, log_token = EXCLUDED.log_token,
        logged = EXCLUDED.logged, log_seal = EXCLUDED.log_seal
), links_gone AS (
    DELETE FROM dossier_links WHERE key = %(key)s AND link_id <> ALL (%(links)s::text[])
), links_new AS (
    INSERT INTO dossier_links (link_id, key) SELECT DISTINCT unnest(%(links)s::text[]), %(key)s
    ON CONFLICT (link_id) DO UPDATE SET key = EXCLUDED.key
), matches_gone AS (
    DELETE FROM dossier_matches WHERE key = %(key)s AND match_id <> ALL (%(matches)s::text[])
), matches_new AS (
    INSERT INTO dossier_matches (match_id, key) SELECT DISTINCT unnest(%(matches)s::text[]), %(key)s
    ON CONFLICT (match_id) DO UPDATE SET key = EXCLUDED.key
), professionals_gone AS (
    DELETE FROM dossier_professionals
    WHERE key = %(key)s AND professional_id <> ALL (%(professionals)s::text[])
), professionals_new AS (
    INSERT INTO dossier_professionals (professional_id, key)
    SELECT DISTINCT unnest(%(professionals)s::text[]), %(key)s ON CONFLICT DO NOTHING
), parents_gone AS (
    DELETE FROM dossier_parents WHERE key = %(key)s AND parent_key <> ALL (%(parents)s::text[])
)
INSERT INTO dossier_parents (parent_key, key)
SELECT DISTINCT unnest(%(parents)s::text[]), %(key)s ON CONFLICT DO NOTHING
"""
# The deletes and inserts of one side table touch disjoint rows, so they may run as
# sibling statements of one command: a save is one round trip.

_SAVE_MANY: Final = """
WITH dossier AS (
    INSERT INTO dossiers (key, data, sweep_due, information_due, log_token, logged, log_seal)
    SELECT * FROM unnest(%(keys)b::text[], %(data)b::text[], %(sweep_due)b::date[],
                         %(information_due)b::date[], %(log_tokens)b::text[],
                         %(logged)b::integer[], %(log_seals)b::text[])
    ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data, sweep_due = EXCLUDED.sweep_due,
        information_due = EXCLUDED.information_due, log_token = EXCLUDED.log_token,
        logged = EXCLUDED.logged, log_seal = EXCLUDED.log_seal
), links_gone AS (
    DELETE FROM dossier_links WHERE key = ANY (%(keys)b::text[])
    AND link_id NOT IN (SELECT unnest(%(link_ids)b::text[]))
), links_new AS (
    INSERT INTO dossier_links (link_id, key)
    SELECT * FROM unnest(%(link_ids)b::text[], %(link_keys)b::text[])
    ON CONFLICT (link_id) DO UPDATE SET key = EXCLUDED.key
), matches_gone AS (
    DELETE FROM dossier_matches WHERE key = ANY (%(keys)b::text[])
    AND match_id NOT IN (SELECT unnest(%(match_ids)b::text[]))
), matches_new AS (
    INSERT INTO dossier_matches (match_id, key)
    SELECT * FROM unnest(%(match_ids)b::text[], %(match_keys)b::text[])
    ON CONFLICT (match_id) DO UPDATE SET key = EXCLUDED.key
), professionals_gone AS (
    DELETE FROM dossier_professionals WHERE key = ANY (%(keys)b::text[])
    AND (professional_id, key) NOT IN (
        SELECT * FROM unnest(%(professional_ids)b::text[], %(professional_keys)b::text[]))
), professionals_new AS (
    INSERT INTO dossier_professionals (professional_id, key)
    SELECT * FROM unnest(%(professional_ids)b::text[], %(professional_keys)b::text[])
    ON CONFLICT DO NOTHING
), parents_gone AS (
    DELETE FROM dossier_parents WHERE key = ANY (%(keys)b::text[])
    AND (parent_key, key) NOT IN (
        SELECT * FROM unnest(%(parent_keys)b::text[], %(parent_owner_keys)b::text[]))
)
INSERT INTO dossier_parents (parent_key, key)
SELECT * FROM unnest(%(parent_keys)b::text[], %(parent_owner_keys)b::text[])
ON CONFLICT DO NOTHING
"""
# _SAVE for many dossiers at once: what one transaction saved, written in one round trip
# when it commits (or before a query that must see it). It is used only when no link or
# match id is claimed by two of the dossiers, so each side table's deletes and inserts
# still touch disjoint rows; otherwise the saves are written one by one, in order. Arrays
# go in binary (%b): the text format would escape the JSON in them element by element.

_DELETE: Final = """
WITH links AS (DELETE FROM dossier_links WHERE key = %(key)s),
matches AS (DELETE FROM dossier_matches WHERE key = %(key)s),
professionals AS (DELETE FROM dossier_professionals WHERE key = %(key)s),
parents AS (DELETE FROM dossier_parents WHERE key = %(key)s)
DELETE FROM dossiers WHERE key = %(key)s
"""

_APPEND_LOG: Final = """
WITH entries AS (
    INSERT INTO log_entries (lane, seq, id, data)
    SELECT * FROM unnest(%(lanes)b::integer[], %(seqs)b::bigint[], %(ids)b::text[],
                         %(data)b::text[])
), refs AS (
    INSERT INTO log_refs (token, entry_id)
    SELECT * FROM unnest(%(tokens)b::text[], %(entry_ids)b::text[])
)
INSERT INTO log_heads (lane, seq, hash, seal)
SELECT * FROM unnest(%(head_lanes)b::integer[], %(head_seqs)b::bigint[], %(head_hashes)b::text[],
                     %(head_seals)b::text[])
ON CONFLICT (lane) DO UPDATE SET seq = EXCLUDED.seq, hash = EXCLUDED.hash, seal = EXCLUDED.seal
"""

_SEAL_HEADS: Final = """
UPDATE log_heads SET seal = s.seal
FROM unnest(%(lanes)b::integer[], %(seals)b::text[]) AS s(lane, seal)
WHERE log_heads.lane = s.lane
"""


class _PostgresTransaction:
    """The statements of one transaction on one connection.

    Writes that return nothing are queued and sent in one pipeline with the next read, or
    with the ``COMMIT``: a unit of work's saves, outbox and logbook go to the server
    together. ``_read`` holds the dossiers of the locked keys as read right after locking
    (see :func:`_lock_and_read`) and those a look-up fetched with their keys; what this
    transaction saves or deletes replaces them there (the advisory locks keep anyone else
    from writing them until the commit).
    """

    def __init__(
        self, conn: psycopg.Connection[TupleRow], read: dict[str, str | None] | None = None
    ) -> None:
        self._conn = conn
        self._streams = 0
        self.closed = False
        self._read: dict[str, str | None] = read or {}
        self._queue: list[tuple[LiteralString, _Params]] = []

    def _check_open(self) -> None:
        if self.closed:
            raise StorageError("the transaction has ended")

    def _write(self, query: LiteralString, params: _Params) -> None:
        """Queue a write that returns nothing."""
        self._check_open()
        self._queue.append((query, params))

    def _send(self, last: tuple[_Query, _Params] | None = None) -> Any:
        """Send the queued writes and *last* in one round trip; return *last*'s cursor."""
        self._check_open()
        queue, self._queue = self._queue, []
        cursor = None
        with _translated():
            if not queue:
                if last is not None:
                    cursor = self._conn.execute(*last)
            else:
                with self._conn.pipeline():
                    for query, params in queue:
                        self._conn.execute(query, params)
                    if last is not None:
                        cursor = self._conn.execute(*last)
        return cursor

    def commit(self) -> None:
        """Send what is queued and commit, in one round trip."""
        self._send(("COMMIT", ()))

    def _rows(self, query: LiteralString, params: _Params = ()) -> list[TupleRow]:
        rows: list[TupleRow] = self._send((query, params)).fetchall()
        return rows

    def _run(self, query: LiteralString, params: _Params = ()) -> int:
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
        self.save_all([dossier])

    def save_all(self, dossiers: Sequence[Dossier]) -> None:
        """Save *dossiers* in order, in one statement (one per dossier when two of them
        claim the same link or match id, so that the last one saved gets it)."""
        saved = [(dossier, to_json(dossier)) for dossier in dossiers]
        for dossier, text in saved:
            self._read[dossier.key] = text
        claimed: dict[str, str] = {}
        for dossier, _ in saved:
            for term in (*(lk.id for lk in dossier.links), *_match_ids(dossier)):
                if claimed.setdefault(term, dossier.key) != dossier.key:
                    for one, text in saved:
                        self._write(_SAVE, _save_params(one, text))
                    return
        if len(saved) == 1:
            self._write(_SAVE, _save_params(*saved[0]))
        elif saved:
            self._write(_SAVE_MANY, _save_many_params(saved))

    def delete(self, key: str) -> None:
        self._write(_DELETE, {"key": key})
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

    def matches_for_professional(self, professional_id: str) -> list[Match]:
        rows = self._rows(
            "SELECT p.key, (SELECT d.data FROM dossiers d WHERE d.key = p.key)"
            " FROM dossier_professionals p WHERE p.professional_id = %s"
            " AND EXISTS (SELECT 1 FROM dossier_matches m WHERE m.key = p.key) ORDER BY p.key",
            [professional_id],
        )
        found = (decode_match(data, key) for key, data in rows if data is not None)
        return [m for m in found if m is not None]

    def keys_for_parent(self, parent_key: str) -> list[str]:
        return self._keys_and_read(
            "SELECT p.key, (SELECT d.data FROM dossiers d WHERE d.key = p.key)"
            " FROM dossier_parents p WHERE p.parent_key = %s ORDER BY p.key",
            parent_key,
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
        return decode(rows[0][0], Organisation, "organisations", organisation_id) if rows else None

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
        return decode(rows[0][0], Professional, "professionals", professional_id)

    def put_professional(self, professional: Professional) -> None:
        self._write(
            "INSERT INTO professionals (id, data) VALUES (%s, %s)"
            " ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data",
            [professional.id, to_json(professional)],
        )

    def professionals_of(self, organisation_id: str) -> list[Professional]:
        rows = self._rows("SELECT id, data FROM professionals ORDER BY id")
        found = (decode(data, Professional, "professionals", pid) for pid, data in rows)
        return [p for p in found if p.organisation.id == organisation_id]

    # -- outbox -----------------------------------------------------------------------------------

    def add_notifications(self, items: Sequence[tuple[str, Notification]]) -> None:
        if not items:
            return
        # A repeated id replaces the message but keeps its place in the queue.
        latest = {n.id: (key, n) for key, n in items}
        self._write(
            "INSERT INTO outbox (id, key, data)"
            " SELECT * FROM unnest(%b::text[], %b::text[], %b::text[])"
            " ON CONFLICT (id) DO UPDATE SET key = EXCLUDED.key, data = EXCLUDED.data",
            [
                list(latest),
                [key for key, _ in latest.values()],
                [to_json(n) for _, n in latest.values()],
            ],
        )

    def _notifications(self, rows: list[TupleRow]) -> list[Notification]:
        return [decode(row[1], Notification, "outbox", row[0]) for row in rows]

    def pending_notifications(self, limit: int | None) -> list[Notification]:
        if limit is None:
            return self._notifications(self._rows("SELECT id, data FROM outbox ORDER BY seq"))
        return self._notifications(
            self._rows("SELECT id, data FROM outbox ORDER BY seq LIMIT %s", [limit])
        )

    def notifications_for(self, key: str) -> list[Notification]:
        return self._notifications(
            self._rows("SELECT id, data FROM outbox WHERE key = %s ORDER BY seq", [key])
        )

    def acknowledge(self, ids: Sequence[str]) -> int:
        if not ids:
            return 0
        return self._run("DELETE FROM outbox WHERE id = ANY (%s::text[])", [list(ids)])

    def delete_notifications(self, key: str) -> None:
        self._write("DELETE FROM outbox WHERE key = %s", [key])

    def rekey_notifications(self, old: str, new: str) -> None:
        self._write("UPDATE outbox SET key = %s WHERE key = %s", [new, old])

    # -- logbook ----------------------------------------------------------------------------------

    def log_head(self, lane: int) -> tuple[int, str] | None:
        # FOR UPDATE: appends to one lane wait here for each other until commit.
        rows = self._rows("SELECT seq, hash FROM log_heads WHERE lane = %s FOR UPDATE", [lane])
        if not rows or rows[0][0] == 0:
            return None
        return (rows[0][0], rows[0][1])

    def append_log(
        self,
        entries: Sequence[LogEntry],
        refs: Sequence[tuple[str, str]],
        seals: Mapping[int, str] = _NO_SEALS,
    ) -> None:
        heads = {entry.lane: (entry.seq, entry.hash) for entry in entries}
        other = {lane: seal for lane, seal in seals.items() if lane not in heads}
        if other:
            self._write(_SEAL_HEADS, {"lanes": list(other), "seals": list(other.values())})
        if not entries and not refs:
            return
        params = {
            "lanes": [entry.lane for entry in entries],
            "seqs": [entry.seq for entry in entries],
            "ids": [entry.id for entry in entries],
            "data": [to_json(entry) for entry in entries],
            "tokens": [token for token, _ in refs],
            "entry_ids": [entry_id for _, entry_id in refs],
            "head_lanes": list(heads),
            "head_seqs": [seq for seq, _ in heads.values()],
            "head_hashes": [h for _, h in heads.values()],
            "head_seals": [seals.get(lane, "") for lane in heads],
        }
        self._write(_APPEND_LOG, params)

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
                with _translated():
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
                with _translated():
                    self._conn.execute(sql.SQL("CLOSE {}").format(name))

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

    def key_checks(self) -> list[tuple[str, str]]:
        rows = self._rows("SELECT key_id, check_value FROM key_checks ORDER BY position")
        return [(key_id, check) for key_id, check in rows]

    def add_key_check(self, key_id: str, check: str) -> None:
        self._write(
            "INSERT INTO key_checks (key_id, position, check_value)"
            " SELECT %s, (SELECT count(*) FROM key_checks), %s ON CONFLICT DO NOTHING",
            [key_id, check],
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
