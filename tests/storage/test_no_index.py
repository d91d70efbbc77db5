"""Opening a store that must hold an index already (``create=False``), and the command
line's ``sweep``, ``import`` and ``stats``, which open stores that way without
``--create``: a mistyped path, database or schema makes nothing and says so, on every
store (decision 117)."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from verwijsindex.cli import main
from verwijsindex.errors import NoIndexError, SchemaVersionError, StorageError
from verwijsindex.storage import open_store
from verwijsindex.storage.sqlite import SQLiteStore

KEY_ENV = {"VERWIJSINDEX_KEY": "ab" * 32}


def _schema_exists(url: str, schema: str) -> bool:
    psycopg = pytest.importorskip("psycopg")
    with psycopg.connect(url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.schemata WHERE schema_name = %s", [schema]
        ).fetchone()
    return row is not None and row[0] == 1


def _with_schema(url: str, schema: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


def test_memory_url_holds_no_index_to_open() -> None:
    with pytest.raises(NoIndexError, match="holds no index"):
        open_store("memory://", create=False)
    open_store("memory://", create=True).close()


def test_sqlite_without_a_file_makes_none(tmp_path: Path) -> None:
    path = tmp_path / "typo.db"
    with pytest.raises(NoIndexError, match="holds no index") as caught:
        SQLiteStore(path, create=False)
    assert str(tmp_path) not in str(caught.value)
    assert not path.exists()
    with pytest.raises(NoIndexError):
        open_store(f"sqlite:///{path}", create=False)
    assert not path.exists()
    with pytest.raises(NoIndexError):
        SQLiteStore(":memory:", create=False)


def test_sqlite_database_without_an_index_is_left_as_it_was(tmp_path: Path) -> None:
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (a)")
    connection.close()
    empty = tmp_path / "empty.db"
    empty.touch()
    before = other.read_bytes()
    for path in (other, empty):
        with pytest.raises(NoIndexError):
            SQLiteStore(path, create=False)
    assert other.read_bytes() == before  # not even put in WAL mode
    assert not Path(f"{other}-wal").exists()
    assert empty.read_bytes() == b""
    plain = tmp_path / "notes.txt"
    plain.write_text("not a database\n", encoding="utf-8")
    with pytest.raises(StorageError):
        SQLiteStore(plain, create=False)
    assert plain.read_text(encoding="utf-8") == "not a database\n"


def test_sqlite_database_with_a_table_named_as_an_index_s_is_no_index(tmp_path: Path) -> None:
    """Another program's database may have a ``schema_version`` of its own: it is no
    index, and it is left as it was, not put in WAL mode."""
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE schema_version (app TEXT)")
    connection.close()
    before = other.read_bytes()
    with pytest.raises(NoIndexError):
        SQLiteStore(other, create=False)
    with pytest.raises(SchemaVersionError):  # nor is an index made in it
        SQLiteStore(other)
    assert other.read_bytes() == before
    assert not Path(f"{other}-wal").exists()


def test_sqlite_index_opens_without_create(tmp_path: Path) -> None:
    path = tmp_path / "index.db"
    SQLiteStore(path).close()
    store = SQLiteStore(path, create=False)
    try:
        with store.transaction() as tx:
            assert tx.keys(None, 1) == []
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_schema_without_an_index_is_not_made(
    postgres_url: str, postgres_schema: str
) -> None:
    from verwijsindex.storage.postgres import PostgresStore

    with pytest.raises(NoIndexError, match="holds no index") as caught:
        PostgresStore(postgres_url, schema=postgres_schema, create=False)
    assert postgres_schema not in str(caught.value)
    assert not _schema_exists(postgres_url, postgres_schema)
    with pytest.raises(NoIndexError):
        open_store(_with_schema(postgres_url, postgres_schema), create=False)
    assert not _schema_exists(postgres_url, postgres_schema)
    PostgresStore(postgres_url, schema=postgres_schema).close()  # made
    store = open_store(_with_schema(postgres_url, postgres_schema), create=False)
    try:
        with store.transaction() as tx:
            assert tx.keys(None, 1) == []
    finally:
        store.close()


@pytest.mark.postgres
def test_postgres_schema_holding_other_tables_is_no_index(
    postgres_url: str, postgres_schema: str
) -> None:
    from psycopg import sql

    from verwijsindex.storage.postgres import PostgresStore

    psycopg = pytest.importorskip("psycopg")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(postgres_schema)))
        conn.execute(
            sql.SQL("CREATE TABLE {} (a int)").format(sql.Identifier(postgres_schema, "t"))
        )
    with pytest.raises(NoIndexError):
        PostgresStore(postgres_url, schema=postgres_schema, create=False)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
            [postgres_schema],
        ).fetchone()
    assert row is not None and row[0] == 1  # nothing added beside the table


@pytest.mark.postgres
@pytest.mark.parametrize("column", ["varchar", "integer"])
def test_postgres_schema_with_another_program_s_schema_version_is_no_index(
    column: str,
    postgres_url: str,
    postgres_schema: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A migration tool's ``schema_version`` table is no index: a text version let a bare
    ``TypeError`` out of the command line, and a number had the store migrate the schema
    and fail on a table it took to be there."""
    from psycopg import sql

    psycopg = pytest.importorskip("psycopg")
    table = sql.Identifier(postgres_schema, "schema_version")
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(postgres_schema)))
        conn.execute(sql.SQL(f"CREATE TABLE {{}} (version {column})").format(table))
        conn.execute(sql.SQL("INSERT INTO {} VALUES ('6')").format(table))
    url = _with_schema(postgres_url, postgres_schema)
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_ENV["VERWIJSINDEX_KEY"])
    with pytest.raises(NoIndexError):
        open_store(url, create=False)
    with pytest.raises(SchemaVersionError):
        open_store(url)
    code = main(
        ["stats", "--store", url, "--region", "Parkstad", "--from", "2026-01"], out=io.StringIO()
    )
    assert code == 3
    assert capsys.readouterr().err.count("\n") == 1
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = %s",
            [postgres_schema],
        ).fetchone()
    assert row is not None and row[0] == 1


@pytest.mark.postgres
@pytest.mark.parametrize("command", ["sweep", "stats", "import"])
def test_cli_refuses_a_schema_without_an_index_unless_create(
    command: str,
    postgres_url: str,
    postgres_schema: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_ENV["VERWIJSINDEX_KEY"])
    csv_file = tmp_path / "links.csv"
    csv_file.write_text("name,birth_date,professional_id\n", encoding="utf-8")
    extra = {
        "stats": ["--region", "Parkstad", "--from", "2026-01"],
        "import": [str(csv_file)],
    }.get(command, [])
    url = _with_schema(postgres_url, postgres_schema)

    def call(*more: str) -> int:
        return main([command, *extra, "--store", url, *more], out=io.StringIO())

    assert call() == 3
    err = capsys.readouterr().err
    assert err.strip().endswith("no index in that schema; give --create to make one")
    assert postgres_schema not in err
    assert not _schema_exists(postgres_url, postgres_schema)
    assert call("--create") == 0
    assert _schema_exists(postgres_url, postgres_schema)
    assert call() == 0  # now there is one
