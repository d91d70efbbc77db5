"""How the PostgreSQL server plans the store's statements.

A statement psycopg prepares is planned anew at every execution while the server keeps
choosing a custom plan for it; the reads by ``key = ANY ($1)`` of a registration (the
locked dossiers, the directory, the log heads) were, every time: a plan of 80-110 us on
the server in two of a registration's three round trips. A transaction that holds locks
runs only look-ups by key and writes, whose plan does not depend on the values, and plans
them once (``plan_cache_mode = force_generic_plan``, for that transaction only);
transactions without locks (pages, due lists) keep the server's choice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

pytestmark = pytest.mark.postgres
psycopg = pytest.importorskip("psycopg")
pytest.importorskip("psycopg_pool")

from psycopg import sql  # noqa: E402
from psycopg_pool import ConnectionPool  # noqa: E402

from benchmarks._backends import index_on  # noqa: E402
from benchmarks._common import add_organisations  # noqa: E402
from benchmarks._data import make_world, registrations  # noqa: E402
from verwijsindex.errors import ConfigurationError  # noqa: E402
from verwijsindex.storage._postgres_arrays import TextArray  # noqa: E402
from verwijsindex.storage.postgres import PostgresStore, check_server_version  # noqa: E402


@pytest.fixture(params=["own pool", "application pool"])
def store(request: Any, postgres_url: str) -> Iterator[PostgresStore]:
    """A store with one connection, of its own pool or of an application's."""
    schema = f"vi_test_{uuid.uuid4().hex}"
    pool: ConnectionPool[Any] | None = None
    if request.param == "own pool":
        made = PostgresStore(postgres_url, schema=schema, max_connections=1)
    else:
        pool = ConnectionPool(postgres_url, min_size=1, max_size=1, open=True)
        made = PostgresStore(schema=schema, pool=pool)
    try:
        yield made
    finally:
        made.close()
        if pool is not None:
            pool.close()
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _mode(store: PostgresStore, locks: tuple[str, ...]) -> str:
    with store.transaction(locks) as tx:
        ((mode,),) = tx._rows("SHOW plan_cache_mode")
    return str(mode)


def test_a_transaction_with_locks_plans_generically_and_others_as_the_server_chooses(
    store: PostgresStore,
) -> None:
    default = _mode(store, ())
    assert default == "auto"
    assert _mode(store, ("a",)) == "force_generic_plan"
    assert _mode(store, ("a", "b")) == "force_generic_plan"
    assert _mode(store, ()) == default  # for that transaction only, on the same connection
    with store.transaction(snapshot=True) as tx:
        assert tx._rows("SHOW plan_cache_mode") == [(default,)]


def test_a_registration_plans_none_of_its_statements_anew(store: PostgresStore) -> None:
    world = make_world(professionals=40, organisations=8)
    add_organisations(store, world)
    index = index_on(store)
    for r in registrations(world, 60, bsn_start=40_000_000, seed=3):
        index.register(r.subject, r.professional)
    with store.transaction(("a",)) as tx:
        # (but the statements that set the search path and the mode, run before the mode
        # holds: calls of set_config, one with the locks, without a table)
        rows = tx._rows(
            "SELECT statement, custom_plans FROM pg_prepared_statements"
            " WHERE custom_plans > 0 AND statement NOT LIKE 'SELECT pg_catalog.set_config(%%'"
        )
    assert rows == []


def test_the_stores_connections_send_its_arrays_with_its_own_dumpers(
    store: PostgresStore,
) -> None:
    """On the store's own pool and on an application's: otherwise psycopg would adapt the
    arrays as plain lists, to the same values, slower, and no other test would notice."""
    from psycopg.adapt import PyFormat, Transformer

    for locks in ((), ("a",)):
        with store.transaction(locks) as tx:
            dumper = Transformer(tx._conn).get_dumper(TextArray(["x"]), PyFormat.AUTO)
            assert type(dumper).__module__ == "verwijsindex.storage._postgres_arrays"


@pytest.mark.parametrize(("version", "major"), [(110022, 11), (100023, 10), (90624, 9)])
def test_a_server_older_than_12_is_refused(version: int, major: int) -> None:
    with pytest.raises(ConfigurationError, match=f"PostgreSQL 12 or later.*version {major}$"):
        check_server_version(version)


def test_a_server_of_12_or_later_is_taken(store: PostgresStore) -> None:
    check_server_version(120000)
    with store.transaction() as tx:
        ((version,),) = tx._rows("SELECT current_setting('server_version_num')::int")
    check_server_version(version)
