"""The beginning of a PostgreSQL transaction: the locks and the locked dossiers in one
round trip, and the one place where the driver's errors become the library's."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Final

import attrs
import psycopg
from psycopg.rows import TupleRow

from verwijsindex.errors import StorageError
from verwijsindex.storage._postgres_arrays import TextArray

__all__ = ["Locked", "lock_and_read", "storage_error", "translated"]


@contextmanager
def translated() -> Iterator[None]:
    """The one place where driver errors become :class:`StorageError`. The primary message
    only: a DETAIL line may quote stored values."""
    try:
        yield
    except psycopg.Error as e:
        raise storage_error(e) from e


def storage_error(e: psycopg.Error) -> StorageError:
    what = e.diag.message_primary or (str(e).splitlines() or [""])[0]
    code = f" [{e.sqlstate}]" if e.sqlstate else ""
    return StorageError(f"PostgreSQL {type(e).__name__}{code}: {what}")


def lock_and_read(
    cursor: psycopg.Cursor[TupleRow], keys: list[str], schema: str | None, snapshot: bool = False
) -> Locked:
    """Begin, take the advisory locks on *keys*, then read their dossiers, in one round trip
    (with *schema*, the search path is set for this transaction first), through *cursor*,
    the transaction's own (see :class:`~verwijsindex.storage._postgres_tx.PostgresTransaction`).

    The read is a statement of its own after the locks are held, so under READ COMMITTED
    it sees every commit made before: a dossier is only written under its lock, so what
    it returns stays current for the whole transaction (the transaction's own writes are
    overlaid by :class:`PostgresTransaction`). With them, the keys of the youths under
    each locked key that is a parent's or a dwelling's pseudonym: their registrations lock
    it too, so the answer stays current as well.

    A transaction with locks plans its statements once (``plan_cache_mode =
    force_generic_plan``, set for this transaction only by the statement that takes the
    locks): it runs look-ups by key and writes, whose plan does not depend on the values,
    and the server otherwise planned its reads by ``key = ANY (...)`` anew at every
    execution (80-110 us each).
    """
    conn = cursor.connection
    if not keys:
        nothing = Locked({}, {}, frozenset())
        with conn.pipeline():
            cursor.execute(
                "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
                if snapshot
                else "BEGIN ISOLATION LEVEL READ COMMITTED"
            )
            if schema is not None:
                cursor.execute("SELECT pg_catalog.set_config('search_path', %s, true)", [schema])
        return nothing
    array = TextArray(keys)
    with conn.pipeline():
        cursor.execute("BEGIN ISOLATION LEVEL READ COMMITTED")
        if schema is not None:
            cursor.execute("SELECT pg_catalog.set_config('search_path', %s, true)", [schema])
        if len(keys) == 1:
            cursor.execute(_GENERIC + ", pg_advisory_xact_lock(hashtextextended(%s, 0))", keys)
        else:
            cursor.execute(
                _GENERIC + ", pg_advisory_xact_lock(hashtextextended(k, 0))"
                " FROM unnest(%s::text[]) WITH ORDINALITY AS u(k, i) ORDER BY i",
                [array],
            )
        cursor.execute(READ_LOCKED, {"keys": array})  # the last on the cursor: its rows
    rows = cursor.fetchall()
    found: dict[str, str | None] = dict.fromkeys(keys)
    held: dict[tuple[str, str], list[str]] = {}
    for table, term, key, data in rows:
        if table == "d":
            found[key] = data
            continue
        held.setdefault((table, term), []).append(key)
        if data is not None and key not in found:
            found[key] = data
    return Locked(found, held, frozenset(keys))


_GENERIC: Final = "SELECT pg_catalog.set_config('plan_cache_mode', 'force_generic_plan', true)"
"""The start of the lock statement: its transaction plans statements once (see
:func:`lock_and_read`); in the statement of the locks, not one of its own."""

READ_LOCKED: Final = """
SELECT 'd', key, key, data FROM dossiers WHERE key = ANY (%(keys)s::text[])
UNION ALL
SELECT 'p', p.parent_key, p.key, (SELECT d.data FROM dossiers d WHERE d.key = p.key)
FROM dossier_parents p WHERE p.parent_key = ANY (%(keys)s::text[])
UNION ALL
SELECT 'a', a.address_key, a.key, (SELECT d.data FROM dossiers d WHERE d.key = a.key)
FROM dossier_addresses a WHERE a.address_key = ANY (%(keys)s::text[])
ORDER BY 1, 2, 3
"""
"""The dossiers of the locked keys (``'d'`` rows), and the siblings and housemates under
the locked keys that are a parent's (``'p'``) or a dwelling's (``'a'``), with their
dossiers: one statement after the locks, read in the same round trip. A batch of
registrations asks for every one. (One statement: one snapshot for all of it.)"""


@attrs.frozen
class Locked:
    """What :func:`lock_and_read` read: the dossiers of the locked keys (and of the youths
    under them), the keys under each locked parent and dwelling, and the locked keys."""

    read: dict[str, str | None]
    terms: dict[tuple[str, str], list[str]]
    keys: frozenset[str]
