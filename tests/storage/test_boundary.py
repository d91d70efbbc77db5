"""Bad input at every public entry point: the one library error, a short message that
repeats nothing of the input, and a store exactly as it was.

The rows are in :mod:`tests.storage.boundary_cases`. Each row that touches a store runs on
three: memory, a SQLite file and PostgreSQL; the others run once. For each row:

1. exactly the expected library error class is raised, never a builtin or a relative;
2. the message holds no part of the bad input: not a string of three or more characters
   given, nor any six characters of it, nor four digits in a row of a BSN-like string;
3. the message is under 300 characters, also for a 1 MB input;
4. a full snapshot of the store is the same before and after: the memory store's whole
   internal state, every row of every table of the SQLite file or PostgreSQL schema.

An operation outside the actor's role is logged (``AccessDeniedError``: "nothing changed;
the attempt is logged"), so for those rows the logbook may gain entries, each one a
``denied`` entry, with the youth's count of references to them; everything else must be
as it was.

A failing row lists everything wrong with it in one line, so that the list of failures is
the list of what to fix.
"""

from __future__ import annotations

import contextlib
import copy
import itertools
import json
import sqlite3
import subprocess
import sys
import unicodedata
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import attrs
import pytest

from tests.storage.boundary_cases import (
    ARABIC,
    BAD_CHECK,
    BOLD,
    BSN,
    FULLWIDTH,
    MB,
    NAN,
    PURE_ROWS,
    STORE_ROWS,
    SURR,
    Env,
    Row,
    World,
    build_world,
)
from tests.storage.conftest import drop_schemas
from verwijsindex import cbs_code
from verwijsindex.errors import AccessDeniedError, VerwijsindexError
from verwijsindex.model import is_valid_bsn
from verwijsindex.storage import Store
from verwijsindex.storage.memory import MemoryStore
from verwijsindex.storage.sqlite import SQLiteStore

MAX_MESSAGE = 300
LOG_TABLES = frozenset({"log_entries", "log_heads", "log_refs"})
"""The logbook's tables: a refused attempt is logged in them."""
LOG_FIELDS = ("logged", "log_digest", "log_seal")
"""A dossier's count, digest and seal of the log entries about the youth."""
MEMORY_LOG = frozenset({"_log", "_heads", "_entries", "_refs", "_seals"})


# --- snapshots ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    """What a store holds: all of it (``full``), all but the logbook (``logless``), and
    the action of each log entry by id (``log``)."""

    full: dict[str, Any]
    logless: dict[str, Any]
    log: dict[str, str]


def memory_snapshot(store: MemoryStore) -> Snapshot:
    """The memory store's whole internal state, deep-copied (its lock left out)."""
    full: dict[str, Any] = {}
    for name, value in vars(store).items():
        if hasattr(value, "acquire") and hasattr(value, "release"):
            continue  # the store's lock
        if isinstance(value, itertools.count):
            full[name] = repr(value)  # its next number, without taking it
        elif hasattr(value, "by_day") and hasattr(value, "days"):
            full[name] = (copy.deepcopy(value.by_day), list(value.days))
        else:
            full[name] = copy.deepcopy(value)
    logless = {name: value for name, value in full.items() if name not in MEMORY_LOG}
    logless["_dossiers"] = {
        key: attrs.evolve(dossier, logged=0, log_digest="", log_seal=None)
        for key, dossier in full.get("_dossiers", {}).items()
    }
    log = {entry_id: entry.action.value for entry_id, entry in full.get("_entries", {}).items()}
    return Snapshot(full, logless, log)


Tables = dict[str, tuple[tuple[str, ...], list[tuple[Any, ...]]]]


def _without_log_fields(columns: tuple[str, ...], row: tuple[Any, ...]) -> tuple[Any, ...]:
    out = []
    for column, value in zip(columns, row, strict=True):
        if column in LOG_FIELDS:
            value = None
        elif column == "data" and isinstance(value, str):
            data = json.loads(value)
            for field in LOG_FIELDS:
                data.pop(field, None)
            value = json.dumps(data, sort_keys=True)
        out.append(value)
    return tuple(out)


def sql_snapshot(tables: Tables) -> Snapshot:
    """Every row of every table, sorted; and the same without the logbook."""
    full: dict[str, Any] = {}
    logless: dict[str, Any] = {}
    log: dict[str, str] = {}
    for name, (columns, rows) in tables.items():
        full[name] = (columns, sorted(rows, key=repr))
        if name == "dossiers":
            normal = [_without_log_fields(columns, row) for row in rows]
            logless[name] = (columns, sorted(normal, key=repr))
        elif name not in LOG_TABLES:
            logless[name] = full[name]
        if name == "log_entries":
            for row in rows:
                record = dict(zip(columns, row, strict=True))
                log[str(record["id"])] = str(json.loads(record["data"]).get("action"))
    return Snapshot(full, logless, log)


def sqlite_tables(path: Path) -> Tables:
    """Every row of every table of the SQLite file, read with a connection of our own."""
    connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True)
    try:
        names = [
            name
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        tables: Tables = {}
        for name in names:
            cursor = connection.execute(f'SELECT * FROM "{name}"')
            columns = tuple(d[0] for d in cursor.description)
            tables[name] = (columns, cursor.fetchall())
        return tables
    finally:
        connection.close()


def postgres_tables(url: str, schema: str) -> Tables:
    """Every row of every table of *schema*, read with a connection of our own."""
    import psycopg
    from psycopg import sql

    tables: Tables = {}
    with psycopg.connect(url, autocommit=True) as connection:
        names = connection.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name",
            [schema],
        ).fetchall()
        for (name,) in names:
            cursor = connection.execute(
                sql.SQL("SELECT * FROM {}").format(sql.Identifier(schema, name))
            )
            columns = tuple(d.name for d in cursor.description or ())
            tables[name] = (columns, cursor.fetchall())
    return tables


def describe_change(before: Snapshot, after: Snapshot, *, denied: bool) -> str | None:
    """What changed in the store, or ``None``. With *denied*, the logbook may have gained
    ``denied`` entries (and the dossiers their count); nothing else may differ."""
    if denied:
        changed = [
            n
            for n in before.logless.keys() | after.logless.keys()
            if _differs(before.logless, after.logless, n)
        ]
        gone = [i for i in before.log if i not in after.log]
        new = sorted({action for i, action in after.log.items() if i not in before.log})
        extra = [a for a in new if a != "denied"]
        parts = []
        if changed:
            parts.append(f"changed {', '.join(sorted(changed))}")
        if gone:
            parts.append(f"{len(gone)} log entries removed")
        if extra:
            parts.append(f"logged {', '.join(extra)}")
        return "; ".join(parts) or None
    changed = [
        n for n in before.full.keys() | after.full.keys() if _differs(before.full, after.full, n)
    ]
    if not changed:
        return None
    new = sorted({action for i, action in after.log.items() if i not in before.log})
    logged = f" (logged {', '.join(new)})" if new else ""
    return f"changed {', '.join(sorted(changed))}{logged}"


def _differs(before: dict[str, Any], after: dict[str, Any], name: str) -> bool:
    return bool(before.get(name) != after.get(name))


# --- the checks -----------------------------------------------------------------------------------


def _digits(value: str) -> str:
    return "".join(c for c in value if unicodedata.decimal(c, None) is not None)


def bsn_like(value: str) -> bool:
    """Whether *value* is mostly digits, eight or more (in any script): it may be a BSN."""
    digits = _digits(value)
    rest = [c for c in value if c not in " .-"]
    return len(digits) >= 8 and len(digits) >= 0.75 * len(rest)


def echo(message: str, value: str) -> str | None:
    """How *message* repeats *value*, or ``None``."""
    if len(value) < 3:
        return None
    if value in message:
        return "the whole value"
    scan = message[:2_000]
    if len(value) >= 6:
        for start in range(len(scan) - 5):
            window = scan[start : start + 6]
            if window in value:
                return f"the substring {window!a}"
    if bsn_like(value):
        original = _digits(value)[:20_000]
        plain = "".join(str(unicodedata.decimal(c)) for c in original)
        for form in {original, plain}:
            for window in {form[i : i + 4] for i in range(len(form) - 3)}:
                if window in message:
                    return f"the digits {window!a}"
    return None


def _name(error: BaseException) -> str:
    kind = type(error)
    if kind.__module__ == "builtins":
        return f"builtin {kind.__name__}"
    if isinstance(error, VerwijsindexError):
        return kind.__name__
    return f"{kind.__module__}.{kind.__qualname__}"


def _close(result: object) -> None:
    """Close a store a bad call opened when it should have refused."""
    if isinstance(result, Store):
        with contextlib.suppress(Exception):
            result.close()


def run_row(
    row: Row[Any],
    argument: object,
    snapshot: Callable[[], Snapshot] | None = None,
    where: str = "",
) -> None:
    """Make the bad call of *row* and fail with everything that is wrong, in one line."""
    before = snapshot() if snapshot is not None else None
    problems: list[str] = []
    caught: Exception | None = None
    try:
        result = row.call(argument)
    except Exception as error:
        caught = error
    else:
        problems.append(f"no error (returned {type(result).__name__})")
        _close(result)
    if caught is not None:
        if type(caught) is not row.expected:
            problems.append(f"raised {_name(caught)}, expected {row.expected.__name__}")
        try:
            message = str(caught)
        except Exception as error:  # a message that cannot even be made
            message = ""
            problems.append(f"str(error) raised {_name(error)}")
        if len(message) >= MAX_MESSAGE:
            problems.append(f"message of {len(message)} characters")
        for secret in row.secrets:
            how = echo(message, secret)
            if how is not None:
                problems.append(f"message echoes the input ({how})")
                break
        shown = ascii(message[:100])
    else:
        shown = "-"
    if snapshot is not None and before is not None:
        change = describe_change(before, snapshot(), denied=row.expected is AccessDeniedError)
        if change is not None:
            problems.append(f"store {change}")
    if problems:
        label = f"{row.id} @ {where}" if where else row.id
        pytest.fail(f"[{label}] {' | '.join(problems)} | message: {shown}", pytrace=False)


# --- the rows -------------------------------------------------------------------------------------


@dataclass
class Prepared:
    """A world on a store, and how to take the store's snapshot."""

    world: World
    snapshot: Callable[[], Snapshot]


class Worlds:
    """The world of one kind of store, shared by the rows that leave it as it was.

    Building a world costs a store and five registrations (a PostgreSQL schema of its
    own: most of this file's time). A row that passes has changed nothing but, for a
    refused actor, the ``denied`` entries the snapshot allows; its world serves the next
    row. A row that fails may have written anything, so its world is thrown away and the
    next row gets a new one."""

    def __init__(self, kind: str, request: pytest.FixtureRequest, directory: Path) -> None:
        self.kind = kind
        self._request = request
        self._directory = directory
        self._current: Prepared | None = None
        self._store: Store | None = None
        self._built = 0

    def get(self) -> Prepared:
        if self._current is None:
            self._current = self._build()
        return self._current

    def spoil(self) -> None:
        if self._store is not None:
            self._store.close()
        self._store = self._current = None

    def _build(self) -> Prepared:
        self._built += 1
        store: Store
        take: Callable[[], Snapshot]
        if self.kind == "memory":
            memory = MemoryStore()
            store = memory

            def take() -> Snapshot:
                return memory_snapshot(memory)

        elif self.kind == "sqlite":
            path = self._directory / f"world-{self._built}.db"
            store = SQLiteStore(path)

            def take() -> Snapshot:
                return sql_snapshot(sqlite_tables(path))

        else:
            from verwijsindex.storage.postgres import PostgresStore

            url: str = self._request.getfixturevalue("postgres_url")
            schema = f"vi_test_{uuid.uuid4().hex}"
            self._request.getfixturevalue("postgres_schemas").append(schema)
            store = PostgresStore(url, schema=schema)

            def take() -> Snapshot:
                return sql_snapshot(postgres_tables(url, schema))

        self._store = store
        try:
            return Prepared(build_world(self.kind, store), take)
        except BaseException:
            self.spoil()
            raise


@pytest.fixture(
    scope="module",
    params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def worlds(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Worlds]:
    if request.param == "postgres":  # set up first, so torn down after the last world
        request.getfixturevalue("postgres_schemas")
    shared = Worlds(request.param, request, tmp_path_factory.mktemp(f"worlds-{request.param}"))
    try:
        yield shared
    finally:
        shared.spoil()


@pytest.fixture(scope="module")
def postgres_schemas(postgres_url: str) -> Iterator[list[str]]:
    """The schemas of this module's PostgreSQL worlds, dropped after its last row."""
    pytest.importorskip("psycopg")
    made: list[str] = []
    yield made
    drop_schemas(postgres_url, made)


@pytest.mark.parametrize("row", STORE_ROWS, ids=[row.id for row in STORE_ROWS])
def test_bad_input_on_a_store(worlds: Worlds, row: Row[World]) -> None:
    prepared = worlds.get()
    try:
        run_row(row, prepared.world, prepared.snapshot, prepared.world.kind)
    except BaseException:
        worlds.spoil()
        raise


@pytest.mark.parametrize("row", PURE_ROWS, ids=[row.id for row in PURE_ROWS])
def test_bad_input_without_a_store(
    row: Row[Env], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    directory = tmp_path / "a-directory"
    directory.mkdir()
    monkeypatch.chdir(tmp_path)  # a relative path a bad call might create lands here
    run_row(row, Env(tmp_path, directory))


def test_the_table_is_large_and_its_ids_distinct() -> None:
    ids = [row.id for row in STORE_ROWS] + [row.id for row in PURE_ROWS]
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert len(ids) >= 300
    rows: list[Row[Any]] = [*STORE_ROWS, *PURE_ROWS]
    for row in rows:
        assert issubclass(row.expected, VerwijsindexError), row.id


# --- the functions that must never raise ----------------------------------------------------------

NOT_A_BSN: list[object] = [
    BAD_CHECK,
    FULLWIDTH,
    BOLD,
    ARABIC,
    "111２２２333",
    None,
    111222333,
    "",
    SURR,
    "1" * 1_000_000,
    BSN + "\x00",
    b"111222333",
    "000000000",
    NAN,
    [BSN],
]


@pytest.mark.parametrize("value", NOT_A_BSN, ids=range(len(NOT_A_BSN)))
def test_is_valid_bsn_says_no_and_never_raises(value: object) -> None:
    assert is_valid_bsn(value) is False, f"is_valid_bsn accepted {ascii(value)[:40]}"


NOT_A_CODE: list[object] = [
    "Maastricht",
    None,
    "0000",
    10**100,
    True,
    935.0,
    NAN,
    SURR,
    "9" * 1_000_000,
    "GM0935\x00",
    "١٢٣٤",
    "٠٩٣٥",
    "12345",
    -935,
    date(2026, 1, 1),
]


@pytest.mark.parametrize("value", NOT_A_CODE, ids=range(len(NOT_A_CODE)))
def test_cbs_code_says_no_and_never_raises(value: object) -> None:
    shown = ascii(value)[:40]
    assert cbs_code.compact(value) is None, f"compact accepted {shown}"
    assert cbs_code.is_valid(value) is False, f"is_valid accepted {shown}"


# --- the command line -----------------------------------------------------------------------------

CLI_CASES: list[tuple[str, list[str | bytes]]] = [
    ("demo-store-directory", ["demo", "--store", "sqlite:///{directory}"]),
    ("demo-store-bad-ipv6", ["demo", "--store", "postgresql://[::1"]),
    ("demo-store-unknown-scheme", ["demo", "--store", f"ftp://{BSN}@example.org/db"]),
    ("demo-unknown-option", ["demo", "--store", "memory://", f"--bsn={BSN}"]),
    ("check-bsn-unknown-option", ["check-bsn", f"--nope={BSN}", "123456782"]),
    ("check-bsn-nothing", ["check-bsn"]),
    ("sweep-store-bad-ipv6", ["sweep", "--store", "postgresql://[::1"]),
    ("sweep-store-unknown-scheme", ["sweep", "--store", f"ftp://{BSN}@example.org/db"]),
    ("sweep-store-directory", ["sweep", "--store", "sqlite:///{directory}"]),
    (
        "sweep-store-postgres-bad-schema",
        ["sweep", "--store", "postgresql://127.0.0.1:1/x?schema=A-B"],
    ),
    ("sweep-no-store", ["sweep"]),
    ("unknown-subcommand", ["frobnicate"]),
    ("unknown-subcommand-bsn", [BSN]),
    ("simulate-years-bsn", ["simulate", "--years", f"x{BSN}"]),
]


CANNOT_OPEN = {"demo-store-directory", "sweep-store-directory"}
"""Cases whose store cannot be opened (exit code 3); every other one is a usage error (2)."""


def _run_cli(arguments: list[str | bytes], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    env = {
        "PATH": "/usr/bin:/bin",
        "VERWIJSINDEX_KEY": "00" * 32,
        "PYTHONPATH": ":".join(sys.path),
        "LC_ALL": "C.UTF-8",
    }
    return subprocess.run(
        [sys.executable, "-m", "verwijsindex", *arguments],
        cwd=cwd,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )


def _bsn_leak(output: str, arguments: list[str | bytes]) -> str | None:
    for argument in arguments:
        text = argument.decode("utf-8", "replace") if isinstance(argument, bytes) else argument
        if bsn_like(text) or BSN in text:
            digits = _digits(text)
            for start in range(len(digits) - 3):
                if digits[start : start + 4] in output:
                    return digits[start : start + 4]
    return None


@pytest.mark.parametrize(("name", "arguments"), CLI_CASES, ids=[name for name, _ in CLI_CASES])
def test_the_command_line_refuses_bad_arguments_in_one_line(
    name: str, arguments: list[str | bytes], tmp_path: Path
) -> None:
    directory = tmp_path / "a-directory"
    directory.mkdir()
    given: list[str | bytes] = [
        a.replace("{directory}", str(directory)) if isinstance(a, str) else a for a in arguments
    ]
    done = _run_cli(given, tmp_path)
    stderr = done.stderr.decode("utf-8", "replace")
    stdout = done.stdout.decode("utf-8", "replace")
    problems = []
    expected = 3 if name in CANNOT_OPEN else 2
    if done.returncode != expected:
        problems.append(f"exit code {done.returncode}, not {expected}")
    if "Traceback" in stderr:
        problems.append("a traceback")
    lines = stderr.strip().splitlines()
    if len(lines) != 1:
        problems.append(f"{len(lines)} lines on stderr")
    leak = _bsn_leak(stderr + stdout, given)
    if leak is not None:
        problems.append(f"echoes BSN digits {leak!r}")
    if problems:
        last = ascii(lines[-1][:120]) if lines else "-"
        pytest.fail(f"[cli {name}] {' | '.join(problems)} | stderr: {last}", pytrace=False)


def test_the_command_line_check_bsn_masks_junk() -> None:
    """Invalid BSNs are reported (exit 1, as documented), one line each, never echoed."""
    arguments: list[str | bytes] = [FULLWIDTH, BOLD, BAD_CHECK, b"\xff111222333", "1" * 100_000]
    done = _run_cli(["check-bsn", *arguments], Path.cwd())
    stdout = done.stdout.decode("utf-8", "replace")
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 1, (done.returncode, stderr[-300:])
    assert "Traceback" not in stderr
    assert len(stdout.strip().splitlines()) == len(arguments)
    assert _bsn_leak(stdout + stderr, arguments) is None
    assert MB[:6] not in stdout
