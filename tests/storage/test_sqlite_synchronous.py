"""The SQLite store's ``synchronous`` setting: FULL by default, NORMAL when asked for.

``sqlite:///path.db?synchronous=normal`` (or ``SQLiteStore(path, synchronous="normal")``)
opens every connection with ``PRAGMA synchronous=NORMAL``; anything else in the URL, or
any other value, is refused with a :class:`ConfigurationError` that repeats none of it,
before anything is made on disk. With WAL and NORMAL a commit outlives the process that
made it (the write-ahead log is in the operating system's page cache): a process killed
with SIGKILL loses nothing it committed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from tests.storage.concurrency import many_youths
from tests.storage.test_boundary import MAX_MESSAGE, echo
from verwijsindex.errors import ConfigurationError
from verwijsindex.storage import open_store
from verwijsindex.storage.sqlite import SQLiteStore
from verwijsindex.testing import make_index, make_professional

FULL, NORMAL = 2, 1
"""What ``PRAGMA synchronous`` reads back."""

THREADS = 3


def synchronous(store: SQLiteStore) -> tuple[object, int]:
    """The connection a transaction of this thread runs on, and its ``PRAGMA synchronous``."""
    with store.transaction() as tx:
        connection = tx._db
        (value,) = connection.execute("PRAGMA synchronous").fetchone()
    assert isinstance(value, int)
    return connection, value


def on_every_connection(store: SQLiteStore) -> list[int]:
    """``PRAGMA synchronous`` of each connection this store's transactions use: this
    thread's, and those of :data:`THREADS` threads alive at once (each with its own
    connection to a file; all with the one connection of an in-memory database)."""
    seen = [synchronous(store)]
    ready = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            ready.wait(30)
            seen.append(synchronous(store))
            # no thread ends (and has its connection closed) before every thread has read
            ready.wait(30)
        except BaseException as error:  # pragma: no cover - reported by the assertion
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    distinct = len({id(connection) for connection, _ in seen})
    assert distinct == (1 if repr(store) == "SQLiteStore(':memory:')" else THREADS + 1)
    return [value for _, value in seen]


def opened(url: str) -> SQLiteStore:
    store = open_store(url)
    assert isinstance(store, SQLiteStore)
    return store


# --- the setting on every connection --------------------------------------------------------------


@pytest.mark.parametrize("where", ["file", "memory"])
def test_the_default_is_full_on_every_connection(tmp_path: Path, where: str) -> None:
    path = tmp_path / "index.db" if where == "file" else ":memory:"
    for store in (SQLiteStore(path), opened(f"sqlite:///{path}")):
        with store:
            assert on_every_connection(store) == [FULL] * (THREADS + 1)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?synchronous=normal", NORMAL),
        ("?synchronous=NORMAL", NORMAL),
        ("?synchronous=Normal", NORMAL),
        ("?synchronous=full", FULL),
        ("?synchronous=FULL", FULL),
        ("?synchronous=%6Eormal", NORMAL),  # percent-encoded, as any URL may be
        ("?", FULL),
    ],
)
def test_the_url_parameter_sets_every_connection(tmp_path: Path, query: str, expected: int) -> None:
    path = tmp_path / "index.db"
    with opened(f"sqlite:///{path}{query}") as store:
        assert repr(store) == f"SQLiteStore({str(path)!r})"  # the query is no part of the path
        assert on_every_connection(store) == [expected] * (THREADS + 1)
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "index.db"
    ]


@pytest.mark.parametrize(
    "url", ["sqlite://?synchronous=normal", "sqlite:///:memory:?synchronous=normal"]
)
def test_the_url_parameter_sets_an_in_memory_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, url: str
) -> None:
    monkeypatch.chdir(tmp_path)  # where a file taken for the path would land
    with opened(url) as store:
        assert repr(store) == "SQLiteStore(':memory:')"
        assert on_every_connection(store) == [NORMAL] * (THREADS + 1)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("value", "expected"), [("normal", NORMAL), ("NoRmAl", NORMAL), ("full", FULL)]
)
@pytest.mark.parametrize("where", ["file", "memory"])
def test_the_keyword_sets_every_connection(
    tmp_path: Path, where: str, value: str, expected: int
) -> None:
    path = tmp_path / "index.db" if where == "file" else ":memory:"
    with SQLiteStore(path, synchronous=value) as store:
        assert on_every_connection(store) == [expected] * (THREADS + 1)


def test_the_setting_holds_for_connections_opened_later(tmp_path: Path) -> None:
    """A thread that comes after others have ended gets a new connection: NORMAL too."""
    with SQLiteStore(tmp_path / "index.db", synchronous="normal") as store:
        for _ in range(3):
            assert on_every_connection(store) == [NORMAL] * (THREADS + 1)


def test_a_file_written_with_normal_reopens_with_full(tmp_path: Path) -> None:
    """The setting belongs to the store, not to the file."""
    url = f"sqlite:///{tmp_path / 'index.db'}"
    with opened(f"{url}?synchronous=normal") as store:
        assert synchronous(store)[1] == NORMAL
    with opened(url) as store:
        assert synchronous(store)[1] == FULL


# --- refusals -------------------------------------------------------------------------------------

MB = "x" * 1_000_000


def refused(call: object, secrets: tuple[str, ...], folder: Path) -> str:
    """The message of the :class:`ConfigurationError` *call* raises; it names
    ``synchronous``, repeats none of *secrets*, and nothing was made in *folder*."""
    assert callable(call)
    with pytest.raises(ConfigurationError) as caught:
        call()
    assert type(caught.value) is ConfigurationError
    message = str(caught.value)
    assert "synchronous" in message
    assert len(message) < MAX_MESSAGE
    for secret in secrets:
        assert echo(message, secret) is None, (secret, message)
    assert list(folder.iterdir()) == []
    return message


@pytest.mark.parametrize(
    ("query", "secrets"),
    [
        ("synchronous=off", ("off",)),
        ("synchronous=extra", ("extra",)),
        ("synchronous=0", ()),
        ("synchronous=1", ()),
        ("synchronous=2", ()),
        ("synchronous=fullest", ("fullest",)),
        ("synchronous=%20normal", ()),
        ("synchronous=", ()),
        ("synchronous", ()),
        ("synchronous=geheim-111222333", ("geheim-111222333",)),
        (f"synchronous={MB}", (MB,)),
        ("synchronous=normal&synchronous=normal", ()),
        ("synchronous=normal&synchronous=full", ()),
        ("journal_mode=delete", ("journal_mode", "delete")),
        ("mode=ro", ()),
        ("Synchronous=normal", ()),
        ("synchronous=normal&geheim=111222333", ("geheim", "111222333")),
        ("111222333=normal", ("111222333",)),
        ("=normal", ()),
        ("synchronous=normal?synchronous=full", ()),
    ],
)
@pytest.mark.parametrize("where", ["relative", "absolute", "memory"])
def test_a_bad_url_parameter_is_refused_and_nothing_is_made(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    query: str,
    secrets: tuple[str, ...],
    where: str,
) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    monkeypatch.chdir(folder)  # a relative path a bad call might make lands here
    base = {
        "relative": "sqlite:///index.db",
        "absolute": f"sqlite:///{folder / 'index.db'}",
        "memory": "sqlite://",
    }[where]
    refused(lambda: open_store(f"{base}?{query}"), secrets, folder)


@pytest.mark.parametrize(
    "value",
    [
        "off",
        "extra",
        "",
        " normal",
        "normal ",
        "0",
        "1",
        "fullest",
        "ｎｏｒｍａｌ",
        MB,
        None,
        1,
        2,
        True,
        b"normal",
    ],
)
def test_a_bad_keyword_value_is_refused_and_nothing_is_made(tmp_path: Path, value: object) -> None:
    secrets = (
        (value,) if isinstance(value, str) and value.strip() not in {"normal", "0", "1"} else ()
    )
    refused(
        lambda: SQLiteStore(tmp_path / "index.db", synchronous=value),  # type: ignore[arg-type]
        secrets,
        tmp_path,
    )


# --- a process killed with SIGKILL loses nothing it committed -------------------------------------


def _register_until_killed(url: str, report: str) -> None:
    """Register youths one by one, for ever; after each commit, append the new link's id
    to *report* with one ``write`` (so a line is whole or absent)."""
    index = make_index(url)
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    index.add_organisation(nurse.organisation)
    store = index.store
    assert isinstance(store, SQLiteStore)
    fd = os.open(report, os.O_WRONLY | os.O_APPEND)  # never closed: the process is killed
    os.write(fd, f"synchronous {synchronous(store)[1]}\n".encode())
    for youth in many_youths(100_000):
        link = index.register(youth, nurse).link
        os.write(fd, f"link {link.id}\n".encode())
    time.sleep(600)  # pragma: no cover - killed long before


def _reported(report: Path) -> list[str]:
    """The whole lines of *report*."""
    text = report.read_text()
    return text.split("\n")[:-1]  # a line cut short by the kill has no newline yet


@pytest.mark.slow
@pytest.mark.parametrize(("setting", "expected"), [("normal", NORMAL), ("full", FULL)])
def test_a_process_killed_after_its_commits_loses_none_of_them(
    tmp_path: Path, setting: str, expected: int
) -> None:
    path = tmp_path / "crash.db"
    url = f"sqlite:///{path}?synchronous={setting}"
    report = tmp_path / "committed.txt"
    report.touch()
    ctx = multiprocessing.get_context("spawn")
    doomed = ctx.Process(target=_register_until_killed, args=(url, str(report)))
    doomed.start()
    deadline = time.monotonic() + 120
    while len(_reported(report)) < 41:  # the setting, then 40 registrations or more
        assert doomed.is_alive(), f"the child ended early: exit code {doomed.exitcode}"
        assert time.monotonic() < deadline, "the child registered too slowly"
        time.sleep(0.005)
    doomed.kill()  # SIGKILL, most likely in the middle of a registration
    doomed.join(30)
    assert doomed.exitcode == -signal.SIGKILL
    first, *lines = _reported(report)
    assert first == f"synchronous {expected}"
    committed = [line.removeprefix("link ") for line in lines]
    assert len(committed) >= 40
    assert Path(f"{path}-wal").stat().st_size > 0  # the commits were left in the log

    index = make_index(url)
    try:
        with index.store.transaction() as tx:
            keys = tx.keys(None, 1_000_000)
            for link_id in committed:
                key = tx.key_for_link(link_id)
                assert key is not None, link_id
                dossier = tx.load(key)
                assert dossier is not None
                assert [lk.id for lk in dossier.links] == [link_id]
        # at most one more: committed, then killed before it was reported
        assert len(committed) <= len(keys) <= len(committed) + 1
        logbook = index.verify_logbook()
        assert logbook.ok, logbook.problems
        nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
        assert index.register(many_youths(1)[0], nurse).created is False  # and not locked
    finally:
        index.store.close()
