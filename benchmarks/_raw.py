"""The raw baselines: hand-written code doing the reads and writes the index does.

The index is first run on a :class:`RecordingStore` (a memory store that notes every
read and write of every transaction, with each record already turned into its JSON
text). The baselines then replay those operations with plain dicts, hand-written
:mod:`sqlite3` statements or hand-written psycopg statements: the same dossier JSON
row, the same side-index rows per link, the same outbox and logbook rows, the same
look-ups, the same transactions and locks. They pay no validation, no serialization and
no rules, so they are the floor for the backend.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from verwijsindex.model import LogEntry, Notification, Organisation, Professional
from verwijsindex.pseudonyms import log_token
from verwijsindex.serialization import to_json
from verwijsindex.storage import Dossier, MemoryStore, index_terms

__all__ = [
    "MemoryReplay",
    "PostgresReplay",
    "RecordedTransaction",
    "RecordingStore",
    "SQLiteReplay",
    "sqlite_connect",
]

Op = tuple[Any, ...]


@dataclass
class RecordedTransaction:
    locks: tuple[str, ...]
    ops: list[Op] = field(default_factory=list)


class _RecordingTransaction:
    """Passes every call to the memory transaction and notes the ones that touch storage."""

    def __init__(self, inner: Any, record: RecordedTransaction) -> None:
        self._inner = inner
        self._ops = record.ops

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def load(self, key: str) -> Dossier | None:
        self._ops.append(("load", key))
        found: Dossier | None = self._inner.load(key)
        return found

    def get_organisation(self, organisation_id: str) -> Organisation | None:
        self._ops.append(("org", organisation_id))
        found: Organisation | None = self._inner.get_organisation(organisation_id)
        return found

    def get_professional(self, professional_id: str) -> Professional | None:
        self._ops.append(("pro", professional_id))
        found: Professional | None = self._inner.get_professional(professional_id)
        return found

    def put_professional(self, professional: Professional) -> None:
        self._ops.append(("put_pro", professional.id, to_json(professional)))
        self._inner.put_professional(professional)

    def keys_for_parent(self, parent_key: str) -> list[str]:
        self._ops.append(("parent", parent_key))
        found: list[str] = self._inner.keys_for_parent(parent_key)
        return found

    def keys_for_address(self, address_key: str) -> list[str]:
        self._ops.append(("address", address_key))
        found: list[str] = self._inner.keys_for_address(address_key)
        return found

    def save(self, dossier: Dossier) -> None:
        terms = index_terms(dossier)
        self._ops.append(
            (
                "save",
                (
                    dossier.key,
                    to_json(dossier),
                    _day(dossier.sweep_due),
                    _day(dossier.information_due),
                    _day(dossier.follow_up_due),
                    log_token(dossier.subject.log_secret),
                    dossier.logged,
                    dossier.log_seal,
                ),
                (
                    terms.link_ids,
                    terms.match_ids,
                    terms.professional_ids,
                    terms.parent_keys,
                    terms.address_keys,
                ),
            )
        )
        self._inner.save(dossier)

    def add_counts(self, items: Sequence[tuple[date, str, str, str, int]]) -> None:
        self._ops.append(("counts", [(m.isoformat(), *rest) for m, *rest in items]))
        self._inner.add_counts(items)

    def add_notifications(self, items: Sequence[tuple[str, Notification]]) -> None:
        self._ops.append(("notes", [(n.id, key, n.recipient, to_json(n)) for key, n in items]))
        self._inner.add_notifications(items)

    def log_head(self, lane: int) -> tuple[int, str] | None:
        self._ops.append(("head", lane))
        found: tuple[int, str] | None = self._inner.log_head(lane)
        return found

    def append_log(
        self,
        entries: Sequence[LogEntry],
        refs: Sequence[tuple[str, str]],
        seals: Mapping[int, str] | None = None,
    ) -> None:
        rows = [(e.lane, e.id, to_json(e), e.hash) for e in entries]
        self._ops.append(("log", rows, list(refs), dict(seals or {})))
        self._inner.append_log(entries, refs, seals or {})


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


class RecordingStore:
    """A memory store that keeps, per transaction, the operations the index made."""

    def __init__(self) -> None:
        self._store = MemoryStore()
        self.transactions: list[RecordedTransaction] = []

    @contextmanager
    def transaction(self, locks: Sequence[str] = (), *, snapshot: bool = False) -> Iterator[Any]:
        record = RecordedTransaction(tuple(sorted(set(locks))))
        with self._store.transaction(locks) as tx:
            yield _RecordingTransaction(tx, record)
        if record.ops:
            self.transactions.append(record)

    def close(self) -> None:
        self._store.close()

    def take(self) -> list[RecordedTransaction]:
        """The transactions recorded so far, forgetting them."""
        out, self.transactions = self.transactions, []
        return out


# --- plain dicts ------------------------------------------------------------------------------


class MemoryReplay:
    """The bookkeeping of the memory store as a plain dict loop: dossiers by key, the
    look-up dicts, the outbox and the log lanes, with the records as objects."""

    def __init__(self, organisations: Sequence[Organisation], professionals: Sequence[Any]):
        self.dossiers: dict[str, str] = {}
        self.by_link: dict[str, str] = {}
        self.by_match: dict[str, str] = {}
        self.by_professional: dict[str, set[str]] = {}
        self.by_parent: dict[str, set[str]] = {}
        self.by_address: dict[str, set[str]] = {}
        self.counts: dict[tuple[str, str, str, str], int] = {}
        self.organisations = {o.id: o for o in organisations}
        self.professionals: dict[str, Any] = {p.id: p for p in professionals}
        self.outbox: dict[str, tuple[str, str, str]] = {}
        self.lanes: dict[int, list[str]] = {}
        self.heads: dict[int, tuple[int, str, str]] = {}
        self.refs: dict[str, list[str]] = {}

    def run(self, tx: RecordedTransaction) -> None:
        for op in tx.ops:
            kind = op[0]
            if kind == "load":
                self.dossiers.get(op[1])
            elif kind == "org":
                self.organisations.get(op[1])
            elif kind == "pro":
                self.professionals.get(op[1])
            elif kind == "put_pro":
                self.professionals[op[1]] = op[2]
            elif kind == "parent":
                sorted(self.by_parent.get(op[1], ()))
            elif kind == "address":
                sorted(self.by_address.get(op[1], ()))
            elif kind == "save":
                row, (links, matches, pros, parents, addresses) = op[1:]
                key = row[0]
                self.dossiers[key] = row
                for link_id in links:
                    self.by_link[link_id] = key
                for match_id in matches:
                    self.by_match[match_id] = key
                for pid in pros:
                    self.by_professional.setdefault(pid, set()).add(key)
                for parent in parents:
                    self.by_parent.setdefault(parent, set()).add(key)
                for address in addresses:
                    self.by_address.setdefault(address, set()).add(key)
            elif kind == "counts":
                for month, code, band, what, n in op[1]:
                    cell = (month, code, band, what)
                    self.counts[cell] = self.counts.get(cell, 0) + n
            elif kind == "notes":
                for nid, key, recipient, data in op[1]:
                    self.outbox[nid] = (key, recipient, data)
            elif kind == "head":
                self.heads.get(op[1])
            elif kind == "log":
                seals = op[3]
                for lane, _entry_id, data, hash_ in op[1]:
                    entries = self.lanes.setdefault(lane, [])
                    entries.append(data)
                    self.heads[lane] = (len(entries), hash_, seals.get(lane, ""))
                for lane, seal in seals.items():  # a lane sealed anew without an entry
                    if lane in self.heads:
                        self.heads[lane] = (*self.heads[lane][:2], seal)
                for token, entry_id in op[2]:
                    self.refs.setdefault(token, []).append(entry_id)


# --- SQLite ---------------------------------------------------------------------------------

_SIDE_SQL = (
    "INSERT OR IGNORE INTO dossier_links (link_id, key) VALUES (?, ?)",
    "INSERT OR IGNORE INTO dossier_matches (match_id, key) VALUES (?, ?)",
    "INSERT OR IGNORE INTO dossier_professionals (professional_id, key) VALUES (?, ?)",
    "INSERT OR IGNORE INTO dossier_parents (parent_key, key) VALUES (?, ?)",
    "INSERT OR IGNORE INTO dossier_addresses (address_key, key) VALUES (?, ?)",
)
_UPSERT_DOSSIER = (
    "INSERT INTO dossiers (key, data, sweep_due, information_due, follow_up_due, log_token,"
    " logged, log_seal) VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET data = excluded.data, sweep_due = excluded.sweep_due, "
    "information_due = excluded.information_due, follow_up_due = excluded.follow_up_due, "
    "log_token = excluded.log_token, logged = excluded.logged, log_seal = excluded.log_seal"
)
_ADD_COUNTS = (
    "INSERT INTO stat_counts (month, municipality, age_band, kind, count) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (month, municipality, age_band, kind)"
    " DO UPDATE SET count = count + excluded.count"
)
_SIDES = 5
"""The side tables a saved dossier's terms go to: links, matches, professionals, parents
and addresses."""


def sqlite_connect(path: str) -> sqlite3.Connection:
    """A connection with the durability settings of the SQLite store."""
    db = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=FULL")
    db.execute("PRAGMA foreign_keys=ON")
    db.execute("PRAGMA secure_delete=ON")
    return db


class SQLiteReplay:
    """Hand-written :mod:`sqlite3` statements: one ``BEGIN IMMEDIATE`` ... ``COMMIT`` per
    recorded transaction. In *batched* mode (for bulk imports) the writes of a transaction
    are gathered and written with one ``executemany`` per table after its reads."""

    def __init__(self, path: str, *, batched: bool = False) -> None:
        self.db = sqlite_connect(path)
        self.batched = batched

    def close(self) -> None:
        self.db.close()

    def run(self, tx: RecordedTransaction) -> None:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        heads: dict[int, int] = {}
        dossiers: list[tuple[Any, ...]] = []
        sides: list[list[tuple[str, str]]] = [[] for _ in range(_SIDES)]
        try:
            for op in tx.ops:
                kind = op[0]
                if kind == "load":
                    db.execute("SELECT data FROM dossiers WHERE key = ?", (op[1],)).fetchone()
                elif kind == "org":
                    db.execute("SELECT data FROM organisations WHERE id = ?", (op[1],)).fetchone()
                elif kind == "pro":
                    db.execute("SELECT data FROM professionals WHERE id = ?", (op[1],)).fetchone()
                elif kind == "put_pro":
                    db.execute(
                        "INSERT INTO professionals (id, data) VALUES (?, ?) "
                        "ON CONFLICT (id) DO UPDATE SET data = excluded.data",
                        (op[1], op[2]),
                    )
                elif kind == "parent":
                    db.execute(
                        "SELECT key FROM dossier_parents WHERE parent_key = ? ORDER BY key",
                        (op[1],),
                    ).fetchall()
                elif kind == "address":
                    db.execute(
                        "SELECT key FROM dossier_addresses WHERE address_key = ? ORDER BY key",
                        (op[1],),
                    ).fetchall()
                elif kind == "save":
                    _collect(op, dossiers, sides)
                    if not self.batched:
                        self._write(dossiers, sides)
                elif kind == "counts":
                    db.executemany(_ADD_COUNTS, op[1])
                elif kind == "notes":
                    db.executemany(
                        "INSERT INTO outbox (id, key, recipient, data) VALUES (?, ?, ?, ?)", op[1]
                    )
                elif kind == "head":
                    row = db.execute(
                        "SELECT seq FROM log_heads WHERE lane = ?", (op[1],)
                    ).fetchone()
                    heads[op[1]] = 0 if row is None else row[0]
                elif kind == "log":
                    self._write(dossiers, sides)
                    self._log(op[1], op[2], op[3], heads)
            self._write(dossiers, sides)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def _write(self, dossiers: list[tuple[Any, ...]], sides: list[list[tuple[str, str]]]) -> None:
        if dossiers:
            self.db.executemany(_UPSERT_DOSSIER, dossiers)
            dossiers.clear()
        for sql, rows in zip(_SIDE_SQL, sides, strict=True):
            if rows:
                self.db.executemany(sql, rows)
                rows.clear()

    def _log(
        self,
        entries: list[tuple[int, str, str, str]],
        refs: list[Any],
        seals: dict[int, str],
        heads: dict[int, int],
    ) -> None:
        rows = []
        last: dict[int, tuple[int, int, str, str]] = {}
        for lane, entry_id, data, hash_ in entries:
            heads[lane] = seq = heads.get(lane, 0) + 1
            rows.append((lane, seq, entry_id, data))
            last[lane] = (lane, seq, hash_, seals.get(lane, ""))
        self.db.executemany(
            "INSERT INTO log_entries (lane, seq, id, data) VALUES (?, ?, ?, ?)", rows
        )
        self.db.executemany(
            "INSERT INTO log_heads (lane, seq, hash, seal) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (lane) DO UPDATE SET seq = excluded.seq, hash = excluded.hash,"
            " seal = excluded.seal",
            list(last.values()),
        )
        resealed = [(lane, seal) for lane, seal in seals.items() if lane not in last]
        if resealed:
            self.db.executemany(
                "INSERT INTO log_heads (lane, seq, hash, seal) VALUES (?, 0, '', ?)"
                " ON CONFLICT (lane) DO UPDATE SET seal = excluded.seal",
                resealed,
            )
        if refs:
            self.db.executemany("INSERT INTO log_refs (token, entry_id) VALUES (?, ?)", refs)


def _collect(op: Op, dossiers: list[tuple[Any, ...]], sides: list[list[tuple[str, str]]]) -> None:
    """A recorded save: its dossier row, and a (term, key) row per side table."""
    row, terms = op[1:]
    key = row[0]
    dossiers.append(row)
    for rows, column in zip(sides, terms, strict=True):
        rows.extend((term, key) for term in column)


# --- PostgreSQL ---------------------------------------------------------------------------


class PostgresReplay:
    """Hand-written psycopg statements, one database transaction per recorded one, with
    the same advisory locks. In *batched* mode the dossier reads of a transaction are one
    ``key = ANY(...)`` query and its writes one ``executemany`` per table. In *pipelined*
    mode a transaction is three round trips, as few as its reads allow: the locks with
    the dossiers and the look-ups by parent and dwelling (one statement); the
    organisations and professionals (one statement) and the log heads, which a
    registration knows only once it has read the dossier; every write with the
    ``COMMIT``. The connection plans its statements once (``plan_cache_mode``), as the
    library's transactions with locks do. Arrays are passed as Python lists, as
    hand-written psycopg code passes them (the library's own array dumpers are its
    own work)."""

    def __init__(
        self, url: str, schema: str, *, batched: bool = False, pipelined: bool = False
    ) -> None:
        import psycopg

        self.conn = psycopg.connect(url, autocommit=True)
        self.conn.execute("SELECT pg_catalog.set_config('search_path', %s, false)", [schema])
        # Its statements planned once, as the library's locked transactions plan theirs: the
        # server would plan its reads by key = ANY (...) anew at every execution.
        self.conn.execute("SET plan_cache_mode = force_generic_plan")
        self.batched = batched
        self.pipelined = pipelined

    def close(self) -> None:
        self.conn.close()

    def _lock(self, locks: Sequence[str]) -> None:
        if len(locks) == 1:
            self.conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", locks)
        elif locks:
            self.conn.execute(
                "SELECT pg_advisory_xact_lock(hashtextextended(k, 0))"
                " FROM unnest(%s::text[]) WITH ORDINALITY AS u(k, i) ORDER BY i",
                [list(locks)],
            )

    def run(self, tx: RecordedTransaction) -> None:
        if self.pipelined:
            self._run_pipelined(tx)
            return
        conn = self.conn
        heads: dict[int, int] = {}
        dossiers: list[tuple[Any, ...]] = []
        sides: list[list[tuple[str, str]]] = [[] for _ in range(_SIDES)]
        with conn.transaction():
            self._lock(tx.locks)
            if self.batched:
                keys = [op[1] for op in tx.ops if op[0] == "load"]
                conn.execute("SELECT data FROM dossiers WHERE key = ANY(%s)", [keys]).fetchall()
                pros = sorted({op[1] for op in tx.ops if op[0] == "pro"})
                conn.execute("SELECT data FROM professionals WHERE id = ANY(%s)", [pros]).fetchall()
            for op in tx.ops:
                kind = op[0]
                if kind == "load" and not self.batched:
                    conn.execute("SELECT data FROM dossiers WHERE key = %s", [op[1]]).fetchone()
                elif kind == "org":
                    conn.execute("SELECT data FROM organisations WHERE id = %s", [op[1]]).fetchone()
                elif kind == "pro" and not self.batched:
                    conn.execute("SELECT data FROM professionals WHERE id = %s", [op[1]]).fetchone()
                elif kind == "parent":
                    conn.execute(
                        "SELECT key FROM dossier_parents WHERE parent_key = %s ORDER BY key",
                        [op[1]],
                    ).fetchall()
                elif kind == "address":
                    conn.execute(
                        "SELECT key FROM dossier_addresses WHERE address_key = %s ORDER BY key",
                        [op[1]],
                    ).fetchall()
                elif kind in ("put_pro", "save", "notes", "counts"):
                    self._apply(op, dossiers, sides)
                    if kind == "save" and not self.batched:
                        self._write(dossiers, sides)
                elif kind == "head":
                    row = conn.execute(
                        "SELECT seq FROM log_heads WHERE lane = %s FOR UPDATE", [op[1]]
                    ).fetchone()
                    heads[op[1]] = 0 if row is None else row[0]
                elif kind == "log":
                    self._write(dossiers, sides)
                    self._log(op[1], op[2], op[3], heads)
            self._write(dossiers, sides)

    def _run_pipelined(self, tx: RecordedTransaction) -> None:
        conn = self.conn
        of = {
            kind: [op for op in tx.ops if op[0] == kind]
            for kind in ("load", "parent", "address", "head")
        }
        organisations = sorted({op[1] for op in tx.ops if op[0] == "org"})
        professionals = sorted({op[1] for op in tx.ops if op[0] == "pro"})
        try:
            with conn.pipeline():
                conn.execute("BEGIN")
                self._lock(tx.locks)
                read = conn.execute(  # one statement, as the library reads them
                    "SELECT 'd', data FROM dossiers WHERE key = ANY(%s)"
                    " UNION ALL SELECT 'p', key FROM dossier_parents WHERE parent_key = ANY(%s)"
                    " UNION ALL SELECT 'a', key FROM dossier_addresses WHERE address_key = ANY(%s)"
                    " ORDER BY 1, 2",
                    [[op[1] for op in of[kind]] for kind in ("load", "parent", "address")],
                )
            read.fetchall()
            with conn.pipeline():
                found = [
                    conn.execute(
                        "SELECT data FROM organisations WHERE id = ANY(%s)"
                        " UNION ALL SELECT data FROM professionals WHERE id = ANY(%s)",
                        [organisations, professionals],
                    )
                ]
                lanes = conn.execute(
                    "SELECT lane, seq FROM log_heads WHERE lane = ANY(%s) ORDER BY lane FOR UPDATE",
                    [sorted({op[1] for op in of["head"]})],
                )
            for cursor in found:
                cursor.fetchall()
            heads: dict[int, int] = dict(lanes.fetchall())
            dossiers: list[tuple[Any, ...]] = []
            sides: list[list[tuple[str, str]]] = [[] for _ in range(_SIDES)]
            with conn.pipeline():
                for op in tx.ops:
                    if op[0] in ("put_pro", "save", "notes", "counts"):
                        self._apply(op, dossiers, sides)
                    elif op[0] == "log":
                        self._write(dossiers, sides)
                        self._log(op[1], op[2], op[3], heads)
                self._write(dossiers, sides)
                conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _apply(
        self, op: Op, dossiers: list[tuple[Any, ...]], sides: list[list[tuple[str, str]]]
    ) -> None:
        """A recorded write: a professional's upsert and the outbox at once, a dossier's
        save collected for :meth:`_write`."""
        kind = op[0]
        if kind == "put_pro":
            self.conn.execute(
                "INSERT INTO professionals (id, data) VALUES (%s, %s) "
                "ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data",
                [op[1], op[2]],
            )
        elif kind == "save":
            _collect(op, dossiers, sides)
        elif kind == "counts":
            with self.conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO stat_counts (month, municipality, age_band, kind, count)"
                    " VALUES (%s, %s, %s, %s, %s) ON CONFLICT (month, municipality, age_band, kind)"
                    " DO UPDATE SET count = stat_counts.count + EXCLUDED.count",
                    op[1],
                )
        else:
            with self.conn.cursor() as cur:
                cur.executemany(
                    "INSERT INTO outbox (id, key, recipient, data) VALUES (%s, %s, %s, %s)", op[1]
                )

    def _write(self, dossiers: list[tuple[Any, ...]], sides: list[list[tuple[str, str]]]) -> None:
        with self.conn.cursor() as cur:
            if dossiers:
                cur.executemany(
                    "INSERT INTO dossiers (key, data, sweep_due, information_due, follow_up_due,"
                    " log_token, logged, log_seal) VALUES (%s, %s, %s, %s, %s, %s, %s, %s)"
                    " ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data,"
                    " sweep_due = EXCLUDED.sweep_due, information_due = EXCLUDED.information_due,"
                    " follow_up_due = EXCLUDED.follow_up_due, log_token = EXCLUDED.log_token,"
                    " logged = EXCLUDED.logged, log_seal = EXCLUDED.log_seal",
                    dossiers,
                )
                dossiers.clear()
            tables = (
                ("dossier_links", "link_id"),
                ("dossier_matches", "match_id"),
                ("dossier_professionals", "professional_id"),
                ("dossier_parents", "parent_key"),
                ("dossier_addresses", "address_key"),
            )
            for (table, column), rows in zip(tables, sides, strict=True):
                if rows:
                    cur.executemany(
                        f"INSERT INTO {table} ({column}, key) VALUES (%s, %s) "
                        "ON CONFLICT DO NOTHING",
                        rows,
                    )
                    rows.clear()

    def _log(
        self,
        entries: list[tuple[int, str, str, str]],
        refs: list[Any],
        seals: dict[int, str],
        heads: dict[int, int],
    ) -> None:
        rows = []
        last: dict[int, tuple[int, str, str, int]] = {}
        for lane, entry_id, data, hash_ in entries:
            heads[lane] = seq = heads.get(lane, 0) + 1
            rows.append((lane, seq, entry_id, data))
            last[lane] = (seq, hash_, seals.get(lane, ""), lane)
        resealed = [(seal, lane) for lane, seal in seals.items() if lane not in last]
        with self.conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO log_entries (lane, seq, id, data) VALUES (%s, %s, %s, %s)", rows
            )
            cur.executemany(
                "UPDATE log_heads SET seq = %s, hash = %s, seal = %s WHERE lane = %s",
                list(last.values()),
            )
            if resealed:
                cur.executemany("UPDATE log_heads SET seal = %s WHERE lane = %s", resealed)
            if refs:
                cur.executemany("INSERT INTO log_refs (token, entry_id) VALUES (%s, %s)", refs)
