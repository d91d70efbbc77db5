"""The PostgreSQL store's schema and statements: what :mod:`verwijsindex.storage.postgres`
sends to the server, apart from how it sends it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, LiteralString

from verwijsindex.dossier import Dossier, follow_up_day
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

if TYPE_CHECKING:
    import psycopg
    from psycopg.rows import TupleRow

__all__ = [
    "ADD_COUNTS",
    "APPEND_LOG",
    "CLAIM",
    "DELETE",
    "LOCKED_BY_OTHERS",
    "MIGRATIONS",
    "OLDER_SNAPSHOTS",
    "PENDING",
    "PENDING_FOR",
    "SAVE",
    "SAVE_MANY",
    "SAVE_NEW",
    "SCHEMA_VERSION",
    "SCRUBBED",
    "SEAL_HEADS",
    "match_ids",
    "to_version_2",
    "to_version_3",
    "to_version_5",
    "to_version_6",
]

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
    # 2 -> 3: the follow-up day of a match, the youths at one address, the counts
    (
        "ALTER TABLE dossiers ADD COLUMN follow_up_due date",
        """CREATE INDEX dossiers_follow_up_due ON dossiers (follow_up_due, key)
            WHERE follow_up_due IS NOT NULL""",
        """CREATE TABLE dossier_addresses (
            address_key text COLLATE "C", key text COLLATE "C", PRIMARY KEY (address_key, key))""",
        "CREATE INDEX dossier_addresses_key ON dossier_addresses (key)",
        """CREATE TABLE stat_counts (
            month date, municipality text COLLATE "C", age_band text COLLATE "C",
            kind text COLLATE "C", count bigint NOT NULL,
            PRIMARY KEY (month, municipality, age_band, kind))""",
        "ALTER TABLE outbox ADD COLUMN recipient text",
        "ALTER TABLE outbox ADD COLUMN claim text",
        "ALTER TABLE outbox ADD COLUMN claimed_until timestamptz",
        "ALTER TABLE outbox ADD COLUMN set_aside boolean NOT NULL DEFAULT false",
        "CREATE INDEX outbox_recipient ON outbox (recipient, seq) WHERE NOT set_aside",
    ),
    # 3 -> 4: which key a re-key is moving the records to and has not finished (decision 86)
    ("ALTER TABLE key_checks ADD COLUMN moving boolean NOT NULL DEFAULT false",),
    # 4 -> 5: the family or address signal each notification is one of (decision 94)
    (
        "ALTER TABLE outbox ADD COLUMN signal text",
        "CREATE INDEX outbox_signal ON outbox (signal) WHERE signal IS NOT NULL",
    ),
    # 5 -> 6: the youth's birth date and day of death beside the dossier (decision 106)
    (
        "ALTER TABLE dossiers ADD COLUMN birth_date date",
        "ALTER TABLE dossiers ADD COLUMN died_on date",
    ),
    # 6 -> 7: the index's settings: the rule its youths were judged by (decision 119)
    ('CREATE TABLE settings (name text COLLATE "C" PRIMARY KEY, value text NOT NULL)',),
)
"""The schema, as the statements that bring version ``n`` to ``n + 1``. A later release
appends to this list; a store opened on an older schema applies the missing steps."""

SCHEMA_VERSION: Final = len(MIGRATIONS)
"""The schema version this library writes. A newer one is refused with SchemaVersionError."""


def match_ids(dossier: Dossier) -> tuple[str, ...]:
    return (dossier.match.id,) if dossier.match is not None else ()


OLDER_SNAPSHOTS: Final = """
SELECT count(*) FROM pg_catalog.pg_stat_activity
WHERE pid <> pg_backend_pid() AND datname = current_database()
  AND backend_type <> 'autovacuum worker'
  AND (age(backend_xmin) > age(%(marker)s::xid) OR age(backend_xid) > age(%(marker)s::xid))
"""
"""Other sessions of this database whose snapshot, or whose open transaction, is older
than the marker: a vacuum now could not remove rows they may still read. A session idle
in a READ COMMITTED transaction after a write has a transaction id and no snapshot, and
holds the vacuum back all the same."""

LOCKED_BY_OTHERS: Final = """
SELECT count(*) FROM pg_catalog.pg_locks AS l
JOIN pg_catalog.pg_class AS c ON c.oid = l.relation
JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace
WHERE l.pid IS DISTINCT FROM pg_backend_pid() AND n.nspname = %(schema)s
  AND c.relname = %(table)s
  AND l.database = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())
"""
"""How many locks other sessions, and prepared transactions (no process), hold on (or
wait for on) one table of the schema in this database."""

SCRUBBED: Final = (
    "dossiers",
    "dossier_links",
    "dossier_matches",
    "dossier_professionals",
    "dossier_parents",
    "dossier_addresses",
    "outbox",
    "log_refs",
)
"""The tables that hold, or point to, a youth's data: vacuumed after a deletion."""


def to_version_2(conn: psycopg.Connection[TupleRow]) -> None:
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


def to_version_3(conn: psycopg.Connection[TupleRow]) -> None:
    """Version 3 indexes the day each uncoordinated match passes the follow-up period; for
    the dossiers written before, that day follows the default period (an index with
    another period sets its own on the dossier's next change)."""
    rows = conn.execute("SELECT key, data FROM dossiers").fetchall()
    due = [(follow_up_day(decode(data, Dossier, "dossiers", key)), key) for key, data in rows]
    due = [(day, key) for day, key in due if day is not None]
    if due:
        with conn.cursor() as cur:
            cur.executemany("UPDATE dossiers SET follow_up_due = %s WHERE key = %s", due)
    outbox = conn.execute("SELECT id, data FROM outbox").fetchall()
    if outbox:
        with conn.cursor() as cur:
            cur.executemany(
                "UPDATE outbox SET recipient = %s, set_aside = %s WHERE id = %s",
                [
                    (recipient, recipient is None, id_)
                    for id_, data in outbox
                    for recipient in [recipient_of(data)]
                ],
            )


def to_version_5(conn: psycopg.Connection[TupleRow]) -> None:
    """Version 5 indexes the family and address signal each notification is one of
    (decision 94)."""
    rows = conn.execute("SELECT id, data FROM outbox WHERE NOT set_aside").fetchall()
    signals = [(signal, id_) for id_, data in rows if (signal := signal_of(data)) is not None]
    if signals:
        with conn.cursor() as cur:
            cur.executemany("UPDATE outbox SET signal = %s WHERE id = %s", signals)


def to_version_6(conn: psycopg.Connection[TupleRow]) -> None:
    """Version 6 keeps each youth's birth date and day of death beside the dossier, so that
    the outbox can leave out the notifications of a youth whose links must all go before
    the sweep has deleted them (decision 106)."""
    rows = conn.execute("SELECT key, data FROM dossiers").fetchall()
    filled = [(*lifetime_of(data), key) for key, data in rows]
    if filled:
        with conn.cursor() as cur:
            cur.executemany(
                "UPDATE dossiers SET birth_date = %s, died_on = %s WHERE key = %s", filled
            )


NOT_WITHHELD: Final = """
      AND NOT EXISTS (SELECT 1 FROM dossiers d WHERE d.key = outbox.key
                      AND (d.died_on IS NOT NULL OR d.birth_date <= %(born_by)s))"""
"""Leaves out the notifications of a youth :class:`Withheld` holds (decision 106)."""


def _either(head: LiteralString, tail: LiteralString) -> tuple[LiteralString, LiteralString]:
    """A statement of the outbox without and with the withheld condition."""
    return head + tail, head + NOT_WITHHELD + tail


CLAIM: Final = _either(
    """
WITH picked AS (
    SELECT seq FROM outbox
    WHERE NOT set_aside
      AND (claimed_until IS NULL OR claimed_until <= %(now)s OR claimed_until > %(horizon)s)""",
    """
    ORDER BY seq LIMIT %(limit)s FOR UPDATE SKIP LOCKED
)
UPDATE outbox o SET claim = %(claim)s, claimed_until = %(until)s
FROM picked WHERE o.seq = picked.seq
RETURNING o.id, o.data, o.seq
""",
)
"""Hand out up to *limit* pending notifications that no live claim holds, the oldest (a
claim that holds beyond *horizon* was made by a clock ahead, and holds nothing):
rows another sender is claiming at this moment are skipped, not waited for. The rows come
back in no particular order (``RETURNING``); the caller sorts them by ``seq``. Each
statement here is ``(without, with)`` the withheld condition (its parameter ``born_by``)."""
PENDING: Final = _either(
    "SELECT id, data FROM outbox WHERE NOT set_aside", " ORDER BY seq LIMIT %(limit)s"
)
PENDING_FOR: Final = _either(
    "SELECT id, data FROM outbox WHERE recipient = %(recipient)s AND NOT set_aside",
    " ORDER BY seq LIMIT %(limit)s",
)


ACKNOWLEDGE: Final = """
DELETE FROM outbox WHERE id IN (
    SELECT id FROM outbox WHERE id = ANY (%s::text[]) ORDER BY id FOR UPDATE SKIP LOCKED)
"""
ACKNOWLEDGE_CLAIMED: Final = """
DELETE FROM outbox WHERE id IN (
    SELECT id FROM outbox WHERE id = ANY (%s::text[]) AND claim = %s
    ORDER BY id FOR UPDATE SKIP LOCKED)
"""
"""Remove acknowledged notifications; one that another transaction holds is skipped: a
sender never waits on a unit of work (which may be waiting on it)."""


ADD_COUNTS: Final = """
INSERT INTO stat_counts (month, municipality, age_band, kind, count)
SELECT * FROM unnest(%(months)s::date[], %(codes)s::text[], %(bands)s::text[],
                     %(kinds)s::text[], %(counts)s::bigint[])
ON CONFLICT (month, municipality, age_band, kind)
DO UPDATE SET count = stat_counts.count + EXCLUDED.count
"""


_UPSERT_DOSSIER: Final = """
    INSERT INTO dossiers (key, data, sweep_due, information_due, follow_up_due, log_token,
                          logged, log_seal, birth_date, died_on)
    VALUES (%(key)s, %(data)s, %(sweep_due)s, %(information_due)s, %(follow_up_due)s,
            %(log_token)s, %(logged)s, %(log_seal)s, %(birth_date)s, %(died_on)s)
    ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data, sweep_due = EXCLUDED.sweep_due,
        information_due = EXCLUDED.information_due, follow_up_due = EXCLUDED.follow_up_due,
        log_token = EXCLUDED.log_token, logged = EXCLUDED.logged, log_seal = EXCLUDED.log_seal,
        birth_date = EXCLUDED.birth_date, died_on = EXCLUDED.died_on
"""
_TERMS_GONE: Final = {
    "links": "DELETE FROM dossier_links WHERE key = %(key)s AND link_id <> ALL (%(links)s::text[])",
    "matches": "DELETE FROM dossier_matches"
    " WHERE key = %(key)s AND match_id <> ALL (%(matches)s::text[])",
    "professionals": "DELETE FROM dossier_professionals"
    " WHERE key = %(key)s AND professional_id <> ALL (%(professionals)s::text[])",
    "parents": "DELETE FROM dossier_parents"
    " WHERE key = %(key)s AND parent_key <> ALL (%(parents)s::text[])",
    "addresses": "DELETE FROM dossier_addresses"
    " WHERE key = %(key)s AND address_key <> ALL (%(addresses)s::text[])",
}
"""The look-up rows of a saved dossier that it no longer has, per side table."""
_TERMS_NEW: Final = {
    "links": "INSERT INTO dossier_links (link_id, key)"
    " SELECT DISTINCT unnest(%(links)s::text[]), %(key)s"
    " ON CONFLICT (link_id) DO UPDATE SET key = EXCLUDED.key",
    "matches": "INSERT INTO dossier_matches (match_id, key)"
    " SELECT DISTINCT unnest(%(matches)s::text[]), %(key)s"
    " ON CONFLICT (match_id) DO UPDATE SET key = EXCLUDED.key",
    "professionals": "INSERT INTO dossier_professionals (professional_id, key)"
    " SELECT DISTINCT unnest(%(professionals)s::text[]), %(key)s ON CONFLICT DO NOTHING",
    "parents": "INSERT INTO dossier_parents (parent_key, key)"
    " SELECT DISTINCT unnest(%(parents)s::text[]), %(key)s ON CONFLICT DO NOTHING",
    "addresses": "INSERT INTO dossier_addresses (address_key, key)"
    " SELECT DISTINCT unnest(%(addresses)s::text[]), %(key)s ON CONFLICT DO NOTHING",
}
"""The look-up rows of a saved dossier, per side table (a link or match id another
dossier held moves to this one, as a later save claims it)."""


def _save(*, deletes: bool) -> str:
    """One statement that saves a dossier and its look-up rows: the dossier's upsert, and
    per side table the rows it no longer has deleted (with *deletes*) and its rows
    inserted, as sibling parts of one command (they touch disjoint rows)."""
    parts = [("dossier", _UPSERT_DOSSIER)]
    for table in _TERMS_NEW:
        if deletes:
            parts.append((f"{table}_gone", _TERMS_GONE[table]))
        parts.append((f"{table}_new", _TERMS_NEW[table]))
    *ahead, (_, last) = parts
    return "WITH " + ",\n".join(f"{name} AS ({sql})" for name, sql in ahead) + "\n" + last


SAVE: Final = _save(deletes=True)
"""Save a dossier: a save is one round trip."""

SAVE_NEW: Final = _save(deletes=False)
"""SAVE for a youth who had no dossier when the transaction locked them, saved for the
first time in it: no look-up row can name the key (they are written and removed with
the dossier, under its lock), so there is nothing to delete."""

SAVE_MANY: Final = """
WITH dossier AS (
    INSERT INTO dossiers (key, data, sweep_due, information_due, follow_up_due, log_token,
                          logged, log_seal, birth_date, died_on)
    SELECT * FROM unnest(%(keys)b::text[], %(data)b::text[], %(sweep_due)b::date[],
                         %(information_due)b::date[], %(follow_up_due)b::date[],
                         %(log_tokens)b::text[], %(logged)b::integer[], %(log_seals)b::text[],
                         %(birth_dates)b::date[], %(died_on)b::date[])
    ON CONFLICT (key) DO UPDATE SET data = EXCLUDED.data, sweep_due = EXCLUDED.sweep_due,
        information_due = EXCLUDED.information_due, follow_up_due = EXCLUDED.follow_up_due,
        log_token = EXCLUDED.log_token, logged = EXCLUDED.logged, log_seal = EXCLUDED.log_seal,
        birth_date = EXCLUDED.birth_date, died_on = EXCLUDED.died_on
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
), parents_new AS (
    INSERT INTO dossier_parents (parent_key, key)
    SELECT * FROM unnest(%(parent_keys)b::text[], %(parent_owner_keys)b::text[])
    ON CONFLICT DO NOTHING
), addresses_gone AS (
    DELETE FROM dossier_addresses WHERE key = ANY (%(keys)b::text[])
    AND (address_key, key) NOT IN (
        SELECT * FROM unnest(%(address_keys)b::text[], %(address_owner_keys)b::text[]))
)
INSERT INTO dossier_addresses (address_key, key)
SELECT * FROM unnest(%(address_keys)b::text[], %(address_owner_keys)b::text[])
ON CONFLICT DO NOTHING
"""
# SAVE for many dossiers at once: what one transaction saved, written in one round trip
# when it commits (or before a query that must see it). It is used only when no link or
# match id is claimed by two of the dossiers, so each side table's deletes and inserts
# still touch disjoint rows; otherwise the saves are written one by one, in order. Arrays
# go in binary (%b): the text format would escape the JSON in them element by element.

DELETE: Final = """
WITH links AS (DELETE FROM dossier_links WHERE key = %(key)s),
matches AS (DELETE FROM dossier_matches WHERE key = %(key)s),
professionals AS (DELETE FROM dossier_professionals WHERE key = %(key)s),
parents AS (DELETE FROM dossier_parents WHERE key = %(key)s),
addresses AS (DELETE FROM dossier_addresses WHERE key = %(key)s)
DELETE FROM dossiers WHERE key = %(key)s
"""

APPEND_LOG: Final = """
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

SEAL_HEADS: Final = """
UPDATE log_heads SET seal = s.seal
FROM unnest(%(lanes)b::integer[], %(seals)b::text[]) AS s(lane, seal)
WHERE log_heads.lane = s.lane
"""
