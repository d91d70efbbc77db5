"""The match rule a store records (decision 119), where an index meets it outside the
contract's single process: a read-only session, a store written to the protocol before
the rule, and the command line, which opens a store with the rule it records."""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from verwijsindex.cli import main
from verwijsindex.errors import ConfigurationError
from verwijsindex.index import VerwijsIndex
from verwijsindex.matching import MatchRule
from verwijsindex.storage import open_store
from verwijsindex.storage.memory import MemoryStore
from verwijsindex.testing import FixedClock, make_professional, make_subject
from verwijsindex.testing._base import START

KEY_HEX = "ab" * 32
RULE = MatchRule.DIFFERENT_PROFESSIONALS


def _key() -> Any:
    from verwijsindex.pseudonyms import PseudonymKey

    return PseudonymKey("default", bytes.fromhex(KEY_HEX))


def _made(url: str, rule: MatchRule = RULE) -> None:
    """An index at *url* whose application runs *rule*, with a youth of one organisation's
    two professionals (a match by *rule*, none by the default)."""
    store = open_store(url)
    try:
        index = VerwijsIndex(store, key=_key(), match_rule=rule)
        for p in ("p1", "p2"):
            nurse = make_professional(id=p, organisation="GGD Zuid-Limburg")
            index.add_organisation(nurse.organisation)
            index.register(make_subject(bsn="111222333", birth_date=date(2014, 3, 15)), nurse)
    finally:
        store.close()


def _call(*args: str) -> int:
    return main(list(args), out=io.StringIO())


def test_the_command_line_takes_the_rule_the_store_records(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`sweep` and `stats` on a store whose application runs another rule than the
    default were refused, and the nightly sweep could not run."""
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    url = f"sqlite:///{tmp_path / 'index.db'}"
    _made(url)
    assert _call("sweep", "--store", url) == 0
    assert _call("stats", "--store", url, "--region", "Parkstad", "--from", "2026-01") == 0
    capsys.readouterr()
    store = open_store(url)
    try:
        index = VerwijsIndex(store, key=_key(), match_rule=RULE)  # still the application's
        assert [m.professionals for m in index.matches_for("p1")] == [("p1", "p2")]
    finally:
        store.close()


@pytest.mark.parametrize(
    "command",
    [
        ("stats", "--region", "Parkstad", "--from", "2026-01"),
        ("sweep", "--create"),
    ],
    ids=["stats", "sweep-create"],
)
def test_the_command_line_fixes_no_rule_on_a_store_that_records_none(
    command: tuple[str, ...],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A store upgraded from schema version 6 records no rule until the application opens
    it: `stats` run first recorded the default, and the application was shut out; so did
    `--create`, which makes an index only where there is none, and had the sweep judge
    the youths by the default (the reviews of decision 119)."""
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    path = tmp_path / "index.db"
    url = f"sqlite:///{path}"
    _made(url)
    with sqlite3.connect(path) as connection:
        connection.execute("DELETE FROM settings")
    connection.close()
    name, *rest = command
    assert _call(name, "--store", url, *rest) == 1
    err = capsys.readouterr().err
    assert "records no match rule yet" in err and len(err.splitlines()) == 1
    with sqlite3.connect(path) as connection:
        assert connection.execute("SELECT count(*) FROM settings").fetchone() == (0,)
    connection.close()
    _made(url)  # the application records its rule
    assert _call("sweep", "--store", url) == 0


def test_a_store_the_command_line_makes_records_the_default_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    url = f"sqlite:///{tmp_path / 'new.db'}"
    assert _call("sweep", "--store", url, "--create") == 0
    store = open_store(url)
    try:
        with store.transaction() as tx:
            assert tx.setting("match_rule") == MatchRule.DIFFERENT_ORGANISATIONS.value
    finally:
        store.close()


class _Before119:
    """A store written to the protocol before decision 119: no settings."""

    def __init__(self) -> None:
        self._inner = MemoryStore()

    @contextmanager
    def transaction(self, locks: Any = (), *, snapshot: bool = False) -> Iterator[Any]:
        with self._inner.transaction(locks) as tx:
            yield _NoSettings(tx)

    def close(self) -> None:
        self._inner.close()


class _NoSettings:
    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        if name in ("setting", "put_setting"):
            raise AttributeError(name)
        return getattr(self._inner, name)


def test_a_store_without_settings_is_refused_by_the_library() -> None:
    """It failed with a bare ``AttributeError``."""
    with pytest.raises(ConfigurationError, match="setting"):
        VerwijsIndex(_Before119(), key=_key(), clock=FixedClock(START))


@pytest.mark.postgres
def test_a_read_only_postgresql_session_opens_an_index(
    postgres_url: str, postgres_schema: str
) -> None:
    """A reporting role or a hot standby: the rule is read, not written again."""
    separator = "&" if "?" in postgres_url else "?"
    url = f"{postgres_url}{separator}schema={postgres_schema}"
    _made(url)
    read_only = f"{url}&options=-c%20default_transaction_read_only%3Don"
    store = open_store(read_only)
    try:
        index = VerwijsIndex(store, key=_key(), match_rule=None)
        assert index.match_rule is RULE
        assert [m.professionals for m in index.matches_for("p1")] == [("p1", "p2")]
    finally:
        store.close()


@pytest.mark.postgres
def test_create_on_a_postgresql_index_that_records_no_rule_records_none(
    postgres_url: str,
    postgres_schema: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    psycopg = pytest.importorskip("psycopg")
    from psycopg import sql

    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    separator = "&" if "?" in postgres_url else "?"
    url = f"{postgres_url}{separator}schema={postgres_schema}"
    _made(url)
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(postgres_schema, "settings")))
    assert _call("sweep", "--store", url, "--create") == 1
    assert "records no match rule yet" in capsys.readouterr().err
    fresh = f"{url}_new"
    try:
        assert _call("sweep", "--store", fresh, "--create") == 0
        store = open_store(fresh)
        try:
            with store.transaction() as tx:
                assert tx.setting("match_rule") == MatchRule.DIFFERENT_ORGANISATIONS.value
        finally:
            store.close()
    finally:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            drop = sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE")
            conn.execute(drop.format(sql.Identifier(f"{postgres_schema}_new")))
