"""The SQLite store's schema and statements: what :mod:`verwijsindex.storage.sqlite` asks
of the database, apart from how it asks it."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import date
from typing import Final

import attrs

from verwijsindex.dossier import Dossier, IndexTerms, follow_up_day
from verwijsindex.model import LogEntry
from verwijsindex.pseudonyms import log_token
from verwijsindex.serialization import to_json
from verwijsindex.storage._sql import (
    decode,
    lifetime_of,
    recipient_of,
    reseal_log,
    secrets_by_token,
    signal_of,
)

MIGRATIONS: Final[dict[int, tuple[str, ...]]] = {
    1: (
        """CREATE TABLE IF NOT EXISTS dossiers (
            key TEXT PRIMARY KEY,
            data TEXT NOT NULL,
            sweep_due TEXT,
            information_due TEXT)""",
        """CREATE INDEX IF NOT EXISTS dossiers_sweep_due
            ON dossiers (sweep_due, key) WHERE sweep_due IS NOT NULL""",
        """CREATE INDEX IF NOT EXISTS dossiers_information_due
            ON dossiers (information_due, key) WHERE information_due IS NOT NULL""",
        """CREATE TABLE IF NOT EXISTS dossier_links (
            link_id TEXT PRIMARY KEY,
            key TEXT NOT NULL REFERENCES dossiers (key) ON DELETE CASCADE) WITHOUT ROWID""",
        "CREATE INDEX IF NOT EXISTS dossier_links_key ON dossier_links (key)",
        """CREATE TABLE IF NOT EXISTS dossier_matches (
            match_id TEXT PRIMARY KEY,
            key TEXT NOT NULL REFERENCES dossiers (key) ON DELETE CASCADE) WITHOUT ROWID""",
        "CREATE INDEX IF NOT EXISTS dossier_matches_key ON dossier_matches (key)",
        """CREATE TABLE IF NOT EXISTS dossier_professionals (
            professional_id TEXT NOT NULL,
            key TEXT NOT NULL REFERENCES dossiers (key) ON DELETE CASCADE,
            PRIMARY KEY (professional_id, key)) WITHOUT ROWID""",
        "CREATE INDEX IF NOT EXISTS dossier_professionals_key ON dossier_professionals (key)",
        """CREATE TABLE IF NOT EXISTS dossier_parents (
            parent_key TEXT NOT NULL,
            key TEXT NOT NULL REFERENCES dossiers (key) ON DELETE CASCADE,
            PRIMARY KEY (parent_key, key)) WITHOUT ROWID""",
        "CREATE INDEX IF NOT EXISTS dossier_parents_key ON dossier_parents (key)",
        "CREATE TABLE IF NOT EXISTS organisations (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
        "CREATE TABLE IF NOT EXISTS professionals (id TEXT PRIMARY KEY, data TEXT NOT NULL)",
        """CREATE TABLE IF NOT EXISTS outbox (
            seq INTEGER PRIMARY KEY AUTOINCREMENT,
            id TEXT NOT NULL UNIQUE,
            key TEXT NOT NULL,
            data TEXT NOT NULL)""",
        "CREATE INDEX IF NOT EXISTS outbox_key ON outbox (key)",
        """CREATE TABLE IF NOT EXISTS log_entries (
            lane INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            id TEXT NOT NULL UNIQUE,
            data TEXT NOT NULL,
            PRIMARY KEY (lane, seq))""",
        """CREATE TABLE IF NOT EXISTS log_heads (
            lane INTEGER PRIMARY KEY,
            seq INTEGER NOT NULL,
            hash TEXT NOT NULL)""",
        "CREATE TABLE IF NOT EXISTS log_refs (token TEXT NOT NULL, entry_id TEXT NOT NULL)",
        "CREATE INDEX IF NOT EXISTS log_refs_token ON log_refs (token)",
    ),
    2: (
        """CREATE TABLE IF NOT EXISTS key_checks (
            key_id TEXT PRIMARY KEY,
            position INTEGER NOT NULL UNIQUE,
            check_value TEXT NOT NULL) WITHOUT ROWID""",
        "ALTER TABLE log_heads ADD COLUMN seal TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE dossiers ADD COLUMN log_token TEXT",
        "ALTER TABLE dossiers ADD COLUMN logged INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE dossiers ADD COLUMN log_seal TEXT",
        "CREATE INDEX IF NOT EXISTS dossiers_log_token ON dossiers (log_token)",
        "CREATE UNIQUE INDEX IF NOT EXISTS log_refs_token_entry ON log_refs (token, entry_id)",
    ),
    3: (
        "ALTER TABLE dossiers ADD COLUMN follow_up_due TEXT",
        """CREATE INDEX IF NOT EXISTS dossiers_follow_up_due
            ON dossiers (follow_up_due, key) WHERE follow_up_due IS NOT NULL""",
        """CREATE TABLE IF NOT EXISTS dossier_addresses (
            address_key TEXT NOT NULL,
            key TEXT NOT NULL REFERENCES dossiers (key) ON DELETE CASCADE,
            PRIMARY KEY (address_key, key)) WITHOUT ROWID""",
        "CREATE INDEX IF NOT EXISTS dossier_addresses_key ON dossier_addresses (key)",
        """CREATE TABLE IF NOT EXISTS stat_counts (
            month TEXT NOT NULL,
            municipality TEXT NOT NULL,
            age_band TEXT NOT NULL,
            kind TEXT NOT NULL,
            count INTEGER NOT NULL,
            PRIMARY KEY (month, municipality, age_band, kind)) WITHOUT ROWID""",
        "ALTER TABLE outbox ADD COLUMN recipient TEXT",
        "ALTER TABLE outbox ADD COLUMN claim TEXT",
        "ALTER TABLE outbox ADD COLUMN claimed_until TEXT",
        "ALTER TABLE outbox ADD COLUMN set_aside INTEGER NOT NULL DEFAULT 0",
        """CREATE INDEX IF NOT EXISTS outbox_recipient
            ON outbox (recipient, seq) WHERE set_aside = 0""",
    ),
    4: ("ALTER TABLE key_checks ADD COLUMN moving INTEGER NOT NULL DEFAULT 0",),
    5: (
        "ALTER TABLE outbox ADD COLUMN signal TEXT",
        "CREATE INDEX IF NOT EXISTS outbox_signal ON outbox (signal) WHERE signal IS NOT NULL",
    ),
    6: (
        "ALTER TABLE dossiers ADD COLUMN birth_date TEXT",
        "ALTER TABLE dossiers ADD COLUMN died_on TEXT",
    ),
    # the index's settings: the rule its youths were judged by (decision 119)
    7: (
        """CREATE TABLE IF NOT EXISTS settings (
            name TEXT PRIMARY KEY, value TEXT NOT NULL)""",
    ),
}
"""The schema, as the statements that bring a database from the version before to each
version. A later release adds an entry; opening an older database runs the missing ones."""


def _text(data: object) -> str:
    """A stored record read as bytes, as text (``""``, which parses as nothing, when it is
    not UTF-8: the row is then set aside like any that does not parse)."""
    if isinstance(data, bytes):
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            return ""
    return data if isinstance(data, str) else ""


def _to_version_2(connection: sqlite3.Connection) -> None:
    """Version 2 keeps each dossier's log token beside it, and seals the ids of a youth's
    links and matches in the log entries about them (:func:`_sql.reseal_log`)."""
    rows = connection.execute("SELECT key, data FROM dossiers").fetchall()
    dossiers = [decode(data, Dossier, "dossiers", key) for key, data in rows]
    connection.executemany(
        "UPDATE dossiers SET log_token = ? WHERE key = ?",
        [(log_token(d.subject.log_secret), d.key) for d in dossiers],
    )
    refs = connection.execute("SELECT token, entry_id FROM log_refs").fetchall()
    secrets = secrets_by_token(dossiers)
    for (lane,) in connection.execute("SELECT DISTINCT lane FROM log_entries").fetchall():
        stored = connection.execute(
            "SELECT seq, data FROM log_entries WHERE lane = ? ORDER BY seq", (lane,)
        ).fetchall()
        entries = [decode(data, LogEntry, "log_entries", (lane, seq)) for seq, data in stored]
        rewritten = reseal_log({lane: entries}, secrets, refs)[lane]
        connection.executemany(
            "UPDATE log_entries SET data = ? WHERE lane = ? AND seq = ?",
            [(to_json(e), e.lane, e.seq) for e in rewritten],
        )
        last = rewritten[-1]
        connection.execute(
            "UPDATE log_heads SET seq = ?, hash = ? WHERE lane = ?", (last.seq, last.hash, lane)
        )


def _to_version_3(connection: sqlite3.Connection) -> None:
    """Version 3 indexes the day each uncoordinated match passes the follow-up period (for
    the dossiers written before, that day follows the default period; an index with
    another period sets its own on the dossier's next change), and each notification's
    recipient (a row that does not parse is set aside)."""
    rows = connection.execute("SELECT key, data FROM dossiers").fetchall()
    due = [(follow_up_day(decode(data, Dossier, "dossiers", key)), key) for key, data in rows]
    connection.executemany(
        "UPDATE dossiers SET follow_up_due = ? WHERE key = ?",
        [(day.isoformat(), key) for day, key in due if day is not None],
    )
    for id_, data in connection.execute("SELECT id, CAST(data AS BLOB) FROM outbox").fetchall():
        recipient = recipient_of(_text(data))
        connection.execute(
            "UPDATE outbox SET recipient = ?, set_aside = ? WHERE id = ?",
            (recipient, int(recipient is None), id_),
        )


def _to_version_5(connection: sqlite3.Connection) -> None:
    """Version 5 indexes the family and address signal each notification is one of
    (decision 94)."""
    rows = connection.execute(
        "SELECT id, CAST(data AS BLOB) FROM outbox WHERE set_aside = 0"
    ).fetchall()
    connection.executemany(
        "UPDATE outbox SET signal = ? WHERE id = ?",
        [(signal, id_) for id_, data in rows if (signal := signal_of(_text(data))) is not None],
    )


def _to_version_6(connection: sqlite3.Connection) -> None:
    """Version 6 keeps each youth's birth date and day of death beside the dossier, so that
    the outbox can leave out the notifications of a youth whose links must all go before
    the sweep has deleted them (decision 106)."""
    rows = connection.execute("SELECT key, CAST(data AS BLOB) FROM dossiers").fetchall()
    filled = []
    for key, data in rows:
        born, died = lifetime_of(_text(data))
        filled.append((_day(born), _day(died), key))
    connection.executemany("UPDATE dossiers SET birth_date = ?, died_on = ? WHERE key = ?", filled)


def _day(day: date | None) -> str | None:
    return None if day is None else day.isoformat()


AFTER: Final = {2: _to_version_2, 3: _to_version_3, 5: _to_version_5, 6: _to_version_6}
"""Steps in Python that follow a version's statements."""

SCHEMA_VERSION: Final[int] = max(MIGRATIONS)
"""The schema version this release writes; a database with a higher one is refused."""

FETCH = 500
NO_TERMS: Final = IndexTerms(
    link_ids=(), match_ids=(), professional_ids=(), parent_keys=(), address_keys=()
)


@attrs.frozen
class _SideTable:
    """One look-up table derived from the dossiers, with its statements."""

    clear: str
    insert: str
    remove: str


def _side(table: str, column: str, conflict: str) -> _SideTable:
    # The names are the constants below, never input; every value is a parameter.
    return _SideTable(
        clear=f"DELETE FROM {table} WHERE key = ?",  # noqa: S608
        insert=f"INSERT OR {conflict} INTO {table} ({column}, key) VALUES (?, ?)",  # noqa: S608
        remove=f"DELETE FROM {table} WHERE {column} = ? AND key = ?",  # noqa: S608
    )


# In the order of the fields of IndexTerms. A link or match id names one dossier: saving it
# under another key moves it (as in the memory store).
SIDE: Final = (
    _side("dossier_links", "link_id", "REPLACE"),
    _side("dossier_matches", "match_id", "REPLACE"),
    _side("dossier_professionals", "professional_id", "IGNORE"),
    _side("dossier_parents", "parent_key", "IGNORE"),
    _side("dossier_addresses", "address_key", "IGNORE"),
)

SAVE_DOSSIER = (
    "INSERT INTO dossiers (key, data, sweep_due, information_due, follow_up_due, log_token,"
    " logged, log_seal, birth_date, died_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (key) DO UPDATE SET data = excluded.data, "
    "sweep_due = excluded.sweep_due, information_due = excluded.information_due, "
    "follow_up_due = excluded.follow_up_due, "
    "log_token = excluded.log_token, logged = excluded.logged, log_seal = excluded.log_seal, "
    "birth_date = excluded.birth_date, died_on = excluded.died_on"
)
_NOT_WITHHELD = (
    " AND NOT EXISTS (SELECT 1 FROM dossiers d WHERE d.key = outbox.key"
    " AND (d.died_on IS NOT NULL OR d.birth_date <= ?))"
)
"""The condition that leaves out the notifications of a youth :class:`Withheld` holds: the
youth's birth date on or before its ``born_by`` (its one parameter), or a day of death
(decision 106)."""


def _either(head: str, tail: str) -> tuple[str, str]:
    """A statement of the outbox without and with the withheld condition."""
    return head + tail, head + _NOT_WITHHELD + tail


PENDING: Final = _either(
    "SELECT id, CAST(data AS BLOB) FROM outbox WHERE set_aside = 0", " ORDER BY seq LIMIT ?"
)
PENDING_FOR: Final = _either(
    "SELECT id, CAST(data AS BLOB) FROM outbox WHERE recipient = ? AND set_aside = 0",
    " ORDER BY seq LIMIT ?",
)
CLAIMABLE: Final = _either(
    "SELECT id FROM outbox WHERE set_aside = 0 AND (claimed_until IS NULL"
    " OR claimed_until <= ? OR claimed_until > ?)",
    " ORDER BY seq LIMIT ?",
)
"""Each as ``(without, with)`` the withheld condition, whose parameter comes before the
limit."""
ADD_COUNT = (
    "INSERT INTO stat_counts (month, municipality, age_band, kind, count) VALUES (?, ?, ?, ?, ?)"
    " ON CONFLICT (month, municipality, age_band, kind)"
    " DO UPDATE SET count = count + excluded.count"
)
PUT_ORGANISATION = (
    "INSERT INTO organisations (id, data) VALUES (?, ?) "
    "ON CONFLICT (id) DO UPDATE SET data = excluded.data"
)
PUT_PROFESSIONAL = (
    "INSERT INTO professionals (id, data) VALUES (?, ?) "
    "ON CONFLICT (id) DO UPDATE SET data = excluded.data"
)
ADD_NOTIFICATION = (
    "INSERT INTO outbox (id, key, recipient, signal, data) VALUES (?, ?, ?, ?, ?) "
    "ON CONFLICT (id) DO UPDATE SET key = excluded.key, recipient = excluded.recipient, "
    "signal = excluded.signal, data = excluded.data"
)
INSERT_LOG = "INSERT INTO log_entries (lane, seq, id, data) VALUES (?, ?, ?, ?)"
SET_HEAD = (
    "INSERT INTO log_heads (lane, seq, hash, seal) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (lane) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, "
    "seal = excluded.seal"
)
SEAL_HEAD = (
    "INSERT INTO log_heads (lane, seq, hash, seal) VALUES (?, 0, '', ?) "
    "ON CONFLICT (lane) DO UPDATE SET seal = excluded.seal"
)
NO_SEALS: Final[Mapping[int, str]] = {}
INSERT_REF = "INSERT INTO log_refs (token, entry_id) VALUES (?, ?)"
