"""Where a benchmark runs: a fresh memory store, SQLite file or PostgreSQL schema.

SQLite databases live in a temporary directory removed afterwards; PostgreSQL
benchmarks get a schema ``bench_<uuid>`` of their own, dropped afterwards.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from benchmarks._data import NOW
from verwijsindex.index import VerwijsIndex
from verwijsindex.storage import Store, open_store
from verwijsindex.testing import TEST_KEY, FixedClock

__all__ = ["BACKENDS", "Place", "Settings", "index_on", "place"]

BACKENDS = ("memory", "sqlite", "postgres")


@dataclass
class Settings:
    """The command line, as the benchmarks see it."""

    quick: bool = False
    only: frozenset[str] = frozenset()
    backends: tuple[str, ...] = BACKENDS
    postgres_url: str | None = None
    fill: str = "load"
    tmp: str = field(default_factory=tempfile.gettempdir)

    def wants(self, name: str) -> bool:
        return not self.only or name in self.only

    def size(self, quick: int, full: int) -> int:
        return quick if self.quick else full


@dataclass
class Place:
    """One fresh place to store an index: its backend, URL and (for the raw baselines)
    the SQLite path or PostgreSQL URL and schema."""

    backend: str
    url: str
    sqlite_path: str | None = None
    pg_url: str | None = None
    schema: str | None = None

    def open(self) -> Store:
        return open_store(self.url)


def index_on(store: Store, clock: FixedClock | None = None) -> VerwijsIndex:
    """The index the benchmarks use: the test key, a fixed clock at :data:`NOW`."""
    return VerwijsIndex(store, key=TEST_KEY, clock=clock or FixedClock(NOW))


def _drop_schema(url: str, schema: str) -> None:
    import psycopg
    from psycopg import sql

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@contextmanager
def place(
    settings: Settings, backend: str, label: str = "", *, synchronous: str = "full"
) -> Iterator[Place]:
    """A fresh, empty place on *backend*, removed when the block ends. A SQLite store is
    opened with *synchronous* (``full``, the store's default, or ``normal``)."""
    if synchronous != "full" and backend != "sqlite":  # pragma: no cover - a benchmark's bug
        raise ValueError(f"synchronous={synchronous} is a SQLite setting, not one of {backend}")
    if backend == "memory":
        yield Place("memory", "memory://")
    elif backend == "sqlite":
        folder = tempfile.mkdtemp(prefix="verwijsindex-bench-", dir=settings.tmp)
        path = os.path.join(folder, f"{label or 'bench'}.db")
        query = "" if synchronous == "full" else f"?synchronous={synchronous}"
        try:
            yield Place("sqlite", f"sqlite:///{path}{query}", sqlite_path=path)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
    elif backend == "postgres":
        url = settings.postgres_url
        assert url is not None
        schema = f"bench_{uuid.uuid4().hex}"
        sep = "&" if "?" in url else "?"
        try:
            yield Place("postgres", f"{url}{sep}schema={schema}", pg_url=url, schema=schema)
        finally:
            _drop_schema(url, schema)
    else:  # pragma: no cover - the command line refuses others
        raise ValueError(backend)
