"""Fixtures for the store tests: a PostgreSQL server, when one is named.

The PostgreSQL tests run against the server in ``VERWIJSINDEX_TEST_POSTGRES_URL``; each
test gets a schema of its own, dropped afterwards. Without the variable they skip, except
under CI (``CI`` set), where a missing server is a failure, never a silent skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from verwijsindex.storage.postgres import PostgresStore

POSTGRES_URL_VARIABLE = "VERWIJSINDEX_TEST_POSTGRES_URL"


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The URL of a PostgreSQL server to test against; skips (or fails under CI) without one."""
    url = os.environ.get(POSTGRES_URL_VARIABLE)
    if url:
        return url
    if os.environ.get("CI"):
        pytest.fail(f"CI is set but {POSTGRES_URL_VARIABLE} is not: the PostgreSQL tests must run")
    pytest.skip(
        f"PostgreSQL tests need {POSTGRES_URL_VARIABLE}, "
        "e.g. postgresql://postgres@127.0.0.1:5432/test"
    )


@pytest.fixture
def postgres_schema(postgres_url: str) -> Iterator[str]:
    """A fresh schema name, dropped with everything in it after the test."""
    psycopg = pytest.importorskip("psycopg")
    from psycopg import sql

    schema = f"vi_test_{uuid.uuid4().hex}"
    yield schema
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def postgres_store(postgres_url: str, postgres_schema: str) -> Iterator[PostgresStore]:
    """A :class:`PostgresStore` in a schema of its own, closed and dropped afterwards."""
    from verwijsindex.storage.postgres import PostgresStore

    store = PostgresStore(postgres_url, schema=postgres_schema)
    yield store
    store.close()
