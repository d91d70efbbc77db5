"""The command line (opdrachtregel): ``verwijsindex`` and ``python -m verwijsindex``.

Subcommands (:data:`COMMANDS`): ``simulate`` (the main job: a policy scenario on the real
index, with a report), ``demo``, ``regions``, ``policies``, ``check-bsn``, ``sweep``,
``import`` and ``stats``; ``--help`` works everywhere and ``--version`` names the release.
Text output fits :data:`WIDTH` columns and names regions and policies by their names.

Exit codes: 0 done; :data:`EXIT_FAILURE` (1) anything that failed, and ``check-bsn`` when a
BSN is invalid; :data:`EXIT_USAGE` (2) a usage error (argparse, bad arguments, a malformed
store URL, a missing or malformed key in the environment); :data:`EXIT_STORE` (3) a store
that cannot be opened or reached, or a SQLite path that holds no index (``--create`` makes
one). Every error is one line on stderr that never repeats a value the user gave.

The CLI, unlike the library, may read the environment: ``VERWIJSINDEX_KEY`` (hex, at
least 32 bytes) and ``VERWIJSINDEX_KEY_ID`` give the pseudonym key of ``sweep``,
``import`` and ``stats`` (:data:`ENVIRONMENT`).

``demo`` and ``simulate`` make throwaway indexes. A SQLite file they make carries a mark,
a table :data:`MARK_TABLE` written before the store is opened, and they delete or write
only a file that carries it: a real index, or any other file, is left alone.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import sys
import textwrap
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

import attrs

from verwijsindex._collector import paused
from verwijsindex.clock import add_months
from verwijsindex.errors import (
    ConfigurationError,
    SchemaVersionError,
    StorageError,
    VerwijsindexError,
    masked,
)
from verwijsindex.index import VerwijsIndex
from verwijsindex.maintenance import SweepReport
from verwijsindex.matching import MatchRule
from verwijsindex.model import Recipient, is_valid_bsn, parse_bsn
from verwijsindex.pseudonyms import PseudonymKey
from verwijsindex.regions import POLICIES, ZUID_LIMBURG, NotificationPolicy, deviations
from verwijsindex.storage import open_store

if TYPE_CHECKING:
    from verwijsindex.roles import FollowUpChecker, RegionCoordinator
    from verwijsindex.simulation import Population
    from verwijsindex.storage import ClosingStore

__all__ = ["main"]

DEMO_KEY = PseudonymKey("demo", b"verwijsindex-demo-key-never-real")
"""The fixed key of ``verwijsindex demo``. Never use it for real data."""

COMMANDS: Mapping[str, str] = MappingProxyType(
    {
        "simulate": "Run a notification-policy scenario on a synthetic population and report "
        "the counts.",
        "demo": "Run a short, readable scenario: five professionals, three youths, their matches.",
        "regions": "List the regions of Zuid-Limburg: municipalities, contacts and policy.",
        "policies": "List the notification policies: who is told at which age, and where "
        "each differs from the statute.",
        "check-bsn": "Check BSNs with the elfproef; exit 1 if any is invalid.",
        "sweep": "Apply the lifecycle to an index now: expire, purge and delete.",
        "import": "Import links from a CSV file into an index (a regional index migrating).",
        "stats": "Print statistics that identify no one, for a region or a municipality.",
    }
)
"""Every subcommand and its one-line description (its ``--help`` and the list of commands)."""

ENVIRONMENT: Mapping[str, str] = MappingProxyType(
    {
        "VERWIJSINDEX_KEY": "the index's pseudonym key: hexadecimal, at least 32 bytes (required)",
        "VERWIJSINDEX_KEY_ID": "the id stored with that key (default: default)",
    }
)
"""The environment variables of ``sweep``, ``import`` and ``stats``, and what they hold."""

WIDTH = 100
"""No line of text output is longer than this."""

EXIT_FAILURE = 1
"""Something failed (and ``check-bsn``: a BSN is invalid)."""
EXIT_USAGE = 2
"""A usage error: bad arguments, or a missing or malformed key in the environment."""
EXIT_STORE = 3
"""The store cannot be opened or reached, or a SQLite path holds no index."""

SIMULATE_STORE = "memory://"
"""Where ``verwijsindex simulate`` keeps its run by default: in memory, about ten times as
fast as a SQLite file, and nothing is left behind."""

DEMO_STORE = "sqlite:///verwijsindex-demo.db"
"""Where ``verwijsindex demo`` keeps its run by default."""

MARK_TABLE = "cli_made"
"""The table by which ``demo`` and ``simulate`` know a SQLite file they made: one row, the
command that made it. They delete, or write to, no other file."""

_STORE_HELP = "the store: memory://, sqlite:///path.db or postgresql://..."
_SCHEMES = frozenset({"memory", "sqlite", "postgresql", "postgres"})
_SQLITE_MAGIC = b"SQLite format 3\x00"
_INDEX_TABLE = "schema_version"
"""The table every SQLite index has (``verwijsindex.storage.sqlite``): no index without it."""

_RECIPIENT_WORDS = {
    Recipient.YOUTH: "youth",
    Recipient.LEGAL_REPRESENTATIVE: "legal representative",
}

_SOURCES = {
    "seed 000": "the Zuid-Limburg leaflet",
    "seed 002": "the Westelijke Mijnstreek page",
}
"""The documents behind the policies, by the labels a source may still carry."""
_LABEL = re.compile(r"\bseed \d{3}\b")

_EXIT_CODES = (
    "exit codes: 0 done, 1 failed, 2 usage error, 3 the store cannot be opened or reached\n"
    "(or a SQLite path holds no index); see docs/cli.md"
)


class _Stop(Exception):
    """A failure the command line reports in one line, with its exit code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number") from None


def _positive(text: str) -> int:
    number = _whole(text)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def _month(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise argparse.ArgumentTypeError("must be a month as YYYY-MM") from None


def _fraction(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number") from None
    if not 0 < number <= 1:
        raise argparse.ArgumentTypeError("must be above 0 and at most 1")
    return number


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        # argparse repeats what it did not understand; a number that could be a BSN is
        # masked but for its last three digits.
        self.exit(EXIT_USAGE, f"{self.prog}: error: {_one_line(message)}\n")


class _Help(argparse.RawDescriptionHelpFormatter):
    """The help as written (descriptions are one line, notes are laid out by hand), in at
    most :data:`WIDTH` columns however wide the terminal."""

    def __init__(self, prog: str) -> None:
        columns = shutil.get_terminal_size().columns - 2
        super().__init__(prog, width=max(40, min(columns, WIDTH)))


def _version() -> str:
    """The installed release, as the package metadata has it."""
    try:
        return metadata.version("verwijsindex")
    except metadata.PackageNotFoundError:
        return "unknown (the package is not installed)"


def _command(
    sub: Any, name: str, *, notes: Sequence[str] = (), environment: bool = False
) -> argparse.ArgumentParser:
    """The subparser *name*, described by :data:`COMMANDS`; its help ends with *notes*, the
    environment variables it reads, and the exit codes."""
    epilog = [*notes]
    if environment:
        width = max(len(variable) for variable in ENVIRONMENT) + 2
        epilog += ["", "environment:"]
        epilog += [f"  {variable:<{width}}{text}" for variable, text in ENVIRONMENT.items()]
    epilog += ["", _EXIT_CODES]
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=COMMANDS[name],
        description=COMMANDS[name],
        epilog="\n".join(epilog).strip(),
        formatter_class=_Help,
    )
    return parser


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="verwijsindex",
        description="The Dutch verwijsindex risicojongeren (Jeugdwet chapter 7.1).",
        epilog=_EXIT_CODES,
        formatter_class=_Help,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(
        dest="command", required=True, parser_class=_Parser, metavar="COMMAND"
    )

    simulate = _command(
        sub,
        "simulate",
        notes=[
            "Feeds a synthetic population's links to the real index with a simulated clock",
            "and prints counts only, never a BSN. The store must be empty. A SQLite file it",
            "makes is marked as made by this command line; --replace deletes only such a file.",
        ],
    )
    simulate.add_argument(
        "--store", default=SIMULATE_STORE, metavar="URL", help=f"{_STORE_HELP} ({SIMULATE_STORE})"
    )
    simulate.add_argument(
        "--replace",
        action="store_true",
        help="delete the SQLite file first if demo or simulate made it",
    )
    simulate.add_argument("--years", type=_positive, default=5, help="simulated years (5)")
    simulate.add_argument("--seed", type=_whole, default=1, help="random seed (1)")
    simulate.add_argument(
        "--policy",
        choices=sorted(POLICIES),
        default="statute",
        metavar="NAME",
        help=f"notification policy: {_alternatives(sorted(POLICIES), 'statute')}",
    )
    simulate.add_argument(
        "--match-rule",
        choices=[r.value for r in MatchRule],
        default=MatchRule.DIFFERENT_ORGANISATIONS.value,
        metavar="RULE",
        help="which links make a match: "
        + _alternatives([r.value for r in MatchRule], MatchRule.DIFFERENT_ORGANISATIONS.value),
    )
    simulate.add_argument(
        "--active-years", type=_positive, default=2, help="active period of a link (2)"
    )
    simulate.add_argument(
        "--area",
        choices=["zuid-limburg", "country"],
        default="zuid-limburg",
        metavar="AREA",
        help="whose youths: zuid-limburg (the default), or country (Zuid-Limburg scaled up)",
    )
    simulate.add_argument(
        "--population-fraction",
        type=_fraction,
        default=1.0,
        help="share of the area's youths to simulate, above 0 and at most 1 (1)",
    )
    simulate.add_argument("--json", action="store_true", help="machine-readable output")
    simulate.add_argument(
        "--progress", action="store_true", help="show a progress bar even if not a terminal"
    )

    demo = _command(
        sub,
        "demo",
        notes=[
            "Starts afresh on its SQLite file each run. A file it makes is marked as made by",
            "this command line; it deletes or writes no other file.",
        ],
    )
    demo.add_argument(
        "--store", default=DEMO_STORE, metavar="URL", help=f"{_STORE_HELP} ({DEMO_STORE})"
    )
    demo.add_argument(
        "--keep", action="store_true", help="do not empty a SQLite demo file before the run"
    )

    regions = _command(sub, "regions")
    regions.add_argument("--json", action="store_true", help="machine-readable output")

    policies = _command(sub, "policies")
    policies.add_argument("--json", action="store_true", help="machine-readable output")

    check = _command(
        sub, "check-bsn", notes=["Each BSN is shown masked but for its last three digits."]
    )
    check.add_argument("bsn", nargs="+", help="one or more BSNs")

    existing = [
        "A SQLite file must hold an index already: give --create to make one.",
    ]
    sweep = _command(sub, "sweep", notes=existing, environment=True)
    sweep.add_argument("--store", required=True, metavar="URL", help=_STORE_HELP)
    _create_option(sweep)
    sweep.add_argument("--json", action="store_true", help="machine-readable output")

    importer = _command(
        sub,
        "import",
        notes=[
            "The CSV layout is in docs/cli.md; the organisations in the file are added",
            "first. Prints progress per batch on stderr and the report on stdout.",
            *existing,
        ],
        environment=True,
    )
    importer.add_argument("file", help="the CSV file (UTF-8, a header row)")
    importer.add_argument("--store", required=True, metavar="URL", help=_STORE_HELP)
    _create_option(importer)
    importer.add_argument(
        "--no-notify",
        action="store_true",
        help="migration: form and log matches, but tell no one (the old index did)",
    )
    importer.add_argument("--batch-size", type=_positive, default=500, help="records a batch (500)")
    importer.add_argument("--json", action="store_true", help="machine-readable report")

    stats = _command(
        sub,
        "stats",
        notes=[
            "Counts per month, municipality, age band and kind (JW 7.1.2.3(1)(h)); every count",
            "below the threshold is suppressed, and as many more as it takes that none can be",
            "worked out. Regions: " + ", ".join(r.name for r in ZUID_LIMBURG) + ".",
            *existing,
        ],
        environment=True,
    )
    stats.add_argument("--store", required=True, metavar="URL", help=_STORE_HELP)
    _create_option(stats)
    scope = stats.add_mutually_exclusive_group(required=True)
    scope.add_argument("--region", help="as the region's coordinator: the region's tables")
    scope.add_argument(
        "--municipality", help="as the follow-up checker: the municipality's rows (CBS code)"
    )
    stats.add_argument(
        "--from", dest="first", type=_month, required=True, help="first month, YYYY-MM"
    )
    stats.add_argument("--to", dest="last", type=_month, help="last month, YYYY-MM (the first)")
    stats.add_argument("--threshold", type=_positive, default=5, help="suppress below this (5)")
    stats.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def _alternatives(names: Sequence[str], default: str) -> str:
    """*names* as words, the *default* marked: ``a (the default), b or c``."""
    words = [f"{n} (the default)" if n == default else n for n in names]
    return ", ".join(words[:-1]) + " or " + words[-1]


def _create_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--create", action="store_true", help="make the index if the SQLite file holds none"
    )


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line with *argv*; return the exit code.

    A usage error that argparse finds, or a missing or malformed key, raises
    ``SystemExit(2)`` as argparse does; every other failure is one line on stderr and its
    exit code returned (see the module's docstring)."""
    stream = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        with paused():  # the command line owns its process (decision 58)
            return _run(args, stream)
    except _Stop as stop:
        _error(str(stop))
        return stop.code
    except VerwijsindexError as error:
        _error(str(error))
        return EXIT_FAILURE
    except BrokenPipeError:  # `verwijsindex regions --json | head`: the reader has enough
        _quiet_stdout()
        return EXIT_FAILURE
    except OSError as error:  # a file cannot be written or deleted
        _error(error.strerror or type(error).__name__)
        return EXIT_FAILURE


def _run(args: argparse.Namespace, out: TextIO) -> int:
    if args.command == "simulate":
        return _simulate(args, out)
    if args.command == "demo":
        return _demo(args.store, keep=args.keep, out=out)
    if args.command == "regions":
        return _regions(out, as_json=args.json)
    if args.command == "policies":
        return _policies(out, as_json=args.json)
    if args.command == "check-bsn":
        return _check_bsn(args.bsn, out)
    if args.command == "stats":
        return _stats(args, out)
    if args.command == "import":
        return _import(args, out)
    return _sweep(args.store, out, create=args.create, as_json=args.json)


def _quiet_stdout() -> None:
    """Point stdout at the null device, so that the interpreter's flush at exit finds no
    closed pipe to complain about (the recipe of Python's ``signal`` documentation)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _one_line(message: str) -> str:
    """*message* as one line, every run of eight or more digits masked."""
    return " ".join((masked(message, 300) or "").split())


def _error(message: str) -> None:
    print(f"verwijsindex: error: {_one_line(message)}", file=sys.stderr)


def _key_from_env() -> PseudonymKey:
    text = os.environ.get("VERWIJSINDEX_KEY")
    if not text:
        raise _usage("set VERWIJSINDEX_KEY (hex, at least 32 bytes) to open a real store")
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise _usage("VERWIJSINDEX_KEY must be hexadecimal") from None
    try:
        return PseudonymKey(os.environ.get("VERWIJSINDEX_KEY_ID", "default"), secret)
    except VerwijsindexError as error:
        raise _usage(f"VERWIJSINDEX_KEY or VERWIJSINDEX_KEY_ID: {error}") from None


def _usage(message: str) -> SystemExit:
    _error(message)
    return SystemExit(EXIT_USAGE)


def _say(out: TextIO, text: str = "", *, indent: str = "    ") -> None:
    """Print *text* on *out* in lines of at most :data:`WIDTH` columns; a line that is
    longer is wrapped, its continuation lines indented by its own indent and *indent*."""
    if len(text) <= WIDTH:
        print(text, file=out)
        return
    lead = text[: len(text) - len(text.lstrip())]
    wrapped = textwrap.fill(text, WIDTH, subsequent_indent=lead + indent, break_on_hyphens=False)
    print(wrapped, file=out)


def _shown(url: str) -> str:
    """*url* fit to print: a password in it replaced by ``***``."""
    url = re.sub(r"^([A-Za-z][\w+.-]*://[^/@:]*):[^/@]*@", r"\1:***@", url)
    return re.sub(r"(?i)(password=)[^&]*", r"\1***", url)


# --- stores --------------------------------------------------------------------------------------


def _check_url(url: str) -> None:
    """A usage error unless *url* names a kind of store there is."""
    scheme, sep, _ = url.partition("://")
    if not sep or scheme.lower() not in _SCHEMES:
        raise _Stop(
            EXIT_USAGE,
            "unknown store URL scheme: use memory://, sqlite:///path.db or postgresql://...",
        )


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL, as :func:`~verwijsindex.storage.open_store` reads it, or
    ``None`` for an in-memory database or another kind of store."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme.lower() != "sqlite":
        return None
    rest = rest.partition("?")[0]  # ?synchronous=normal is the store's, not the file's
    path = rest[1:] if rest.startswith("/") else rest
    return None if path in ("", ":memory:") else Path(path)


@attrs.frozen
class _Found:
    """What is at a SQLite path: nothing, an empty file, a file that is not a SQLite
    database, or a database (with or without an index, with or without the mark)."""

    exists: bool
    empty: bool = False
    database: bool = False
    readable: bool = True
    index: bool = False
    made_by: str | None = None


def _look(path: Path) -> _Found:
    """What is at *path*, read without writing or creating anything."""
    try:
        with path.open("rb") as handle:
            head = handle.read(len(_SQLITE_MAGIC))
    except FileNotFoundError:
        return _Found(exists=False)
    except OSError:  # a directory, or no permission: the store says what is wrong
        return _Found(exists=True, readable=False)
    if head != _SQLITE_MAGIC:
        return _Found(exists=True, empty=not head)
    try:
        # mode=rw creates nothing, and, unlike mode=ro, leaves no -wal or -shm behind
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True)
        try:
            tables = {
                row[0]
                for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
            made_by = None
            if MARK_TABLE in tables:
                row = connection.execute(f"SELECT command FROM {MARK_TABLE}").fetchone()  # noqa: S608
                made_by = row[0] if row is not None and isinstance(row[0], str) else None
        finally:
            connection.close()
    except sqlite3.Error:
        return _Found(exists=True, database=True, readable=False)
    return _Found(exists=True, database=True, index=_INDEX_TABLE in tables, made_by=made_by)


def _open(url: str) -> ClosingStore:
    """The store at *url*: exit code 2 when the URL itself is malformed (no store was
    tried), 3 when the store it names cannot be opened or reached."""
    try:
        return open_store(url)
    except ConfigurationError as error:  # the library's messages name no value
        raise _Stop(EXIT_USAGE, f"the store URL: {error}") from None
    except StorageError as error:
        raise _Stop(EXIT_STORE, _cannot_open(url, error)) from None


def _cannot_open(url: str, error: StorageError) -> str:
    """Why the store at *url* cannot be opened, in words that repeat nothing of *url*."""
    if isinstance(error, SchemaVersionError):
        return "cannot open the store: its schema version is not one this release can use"
    cause = error.__cause__
    if isinstance(cause, sqlite3.Error):
        reason = f"SQLite: {cause}"  # SQLite's own short messages name no file
    else:
        reason = type(cause or error).__name__
    hint = ""
    if _sqlite_file(url) is not None:
        hint = "; does the directory exist, and may you write there?"
    elif url.lower().startswith("postgres"):
        hint = "; is the server running, and may you connect to it?"
    return f"cannot open the store ({reason}){hint}"


_UNREADABLE = (
    "cannot open the store: the path cannot be read as a SQLite file"
    " (a directory, no permission, or a damaged or locked database)"
)


def _open_index(url: str, *, create: bool) -> ClosingStore:
    """The index at *url* for ``sweep``, ``import`` and ``stats``: a SQLite path must hold
    one already unless *create*; exit code 3 otherwise."""
    _check_url(url)
    path = _sqlite_file(url)
    if path is not None:
        found = _look(path)
        if found.exists and not found.readable:
            raise _Stop(EXIT_STORE, _UNREADABLE)
        if found.exists and not found.empty and not found.database:
            raise _Stop(EXIT_STORE, "cannot open the store: the file is not a SQLite database")
        if not create and (not found.exists or found.empty):
            raise _Stop(EXIT_STORE, "no index at that path; give --create to make one")
        if not create and found.database and not found.index:
            raise _Stop(
                EXIT_STORE, "that SQLite database holds no index; give --create to make one"
            )
    return _open(url)


def _scratch(url: str, command: str, *, fresh: bool) -> ClosingStore:
    """The store at *url* for ``demo`` and ``simulate``, which make throwaway indexes.

    A SQLite file that is not there yet is made and marked as *command*'s; one that is
    there is used (or, if *fresh*, deleted and made anew) only if it carries the mark:
    anything else is left alone, exit code 1."""
    _check_url(url)
    path = _sqlite_file(url)
    if path is not None:
        found = _look(path)
        if found.exists and not found.readable:  # never write to what could not be checked
            raise _Stop(EXIT_STORE, _UNREADABLE)
        if found.exists and found.made_by is None:
            raise _Stop(
                EXIT_FAILURE,
                "that file was not made by verwijsindex demo or simulate, so it is left alone;"
                " give --store a new file",
            )
        if found.exists and fresh:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        if not found.exists or fresh:
            _mark(path, command)
    return _open(url)


def _mark(path: Path, command: str) -> None:
    """Make the SQLite file *path* and mark it as made by *command*, before any store
    writes to it: a run that breaks off still leaves a file the next run may delete."""
    try:
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rwc", uri=True)
        try:
            with connection:
                connection.execute(f"CREATE TABLE {MARK_TABLE} (command TEXT NOT NULL)")
                connection.execute(f"INSERT INTO {MARK_TABLE} (command) VALUES (?)", (command,))  # noqa: S608
        finally:
            connection.close()
    except sqlite3.Error as error:
        raise _Stop(
            EXIT_STORE,
            f"cannot open the store (SQLite: {error}); does the directory exist, and may you "
            "write there?",
        ) from None


# --- regions, policies, BSN ----------------------------------------------------------------------


def _plain(text: str) -> str:
    """*text* with a source named by its document, not by an internal label."""
    return _LABEL.sub(lambda m: _SOURCES.get(m.group(), "a regional source"), text)


def _policy_name(policy: NotificationPolicy) -> str:
    return f"{policy.name} ({_plain(policy.title)})"


def _regions(out: TextIO, *, as_json: bool) -> int:
    if as_json:
        data = {
            "name": ZUID_LIMBURG.name,
            "information_sites": list(ZUID_LIMBURG.information_sites),
            "regions": [
                {
                    "name": region.name,
                    "aliases": list(region.aliases),
                    "programme": region.programme,
                    "contacts": list(region.contacts),
                    "coordinator": region.coordinator,
                    "policy": region.policy.name,
                    "information_sites": list(region.information_sites),
                    "organisations": list(region.organisations),
                    "municipalities": [
                        {
                            "code": m.code,
                            "name": m.name,
                            "former_codes": list(m.former_codes),
                            "former_names": list(m.former_names),
                            "inhabitants": m.inhabitants,
                        }
                        for m in region.municipalities
                    ],
                }
                for region in ZUID_LIMBURG
            ],
        }
        json.dump(data, out, indent=2)
        print(file=out)
        return 0
    for region in ZUID_LIMBURG:
        _say(out, f"{region.name} (programme: {region.programme})")
        _say(out, f"  contact: {', '.join(region.contacts)}", indent="         ")
        _say(out, f"  policy:  {_policy_name(region.policy)}", indent="         ")
        for m in region.municipalities:
            former = f"  (formerly {', '.join(m.former_codes)})" if m.former_codes else ""
            _say(out, f"  {m.code}  {m.name}{former}")
    _say(out, f"information: {', '.join(ZUID_LIMBURG.information_sites)}", indent="  ")
    return 0


def _words(recipients: frozenset[Recipient]) -> str:
    return " and ".join(_RECIPIENT_WORDS[r] for r in Recipient if r in recipients) or "nobody"


def _policies(out: TextIO, *, as_json: bool) -> int:
    if as_json:
        data = [
            {
                "name": p.name,
                "title": _plain(p.title),
                "source": _plain(p.source),
                "bands": [
                    {
                        "min_age": b.min_age,
                        "max_age": b.max_age,
                        "recipients": sorted(r.value for r in b.recipients),
                    }
                    for b in p.bands
                ],
                "deviations": [
                    {
                        "age": d.age,
                        "kind": d.kind,
                        "missing": sorted(r.value for r in d.missing),
                        "extra": sorted(r.value for r in d.extra),
                    }
                    for d in deviations(p)
                ],
                "regions": [r.name for r in ZUID_LIMBURG if r.policy.name == p.name],
            }
            for p in POLICIES.values()
        ]
        json.dump(data, out, indent=2)
        print(file=out)
        return 0
    for p in POLICIES.values():
        _say(out, f"{p.name}: {_plain(p.title)}")
        _say(out, f"  source: {_plain(p.source)}", indent="        ")
        users = [r.name for r in ZUID_LIMBURG if r.policy.name == p.name]
        _say(out, f"  regions: {', '.join(users) or 'none'}", indent="  ")
        for band in p.bands:
            _say(out, f"  ages {band.min_age:>2}-{band.max_age:<2}  {_words(band.recipients)}")
        found = deviations(p)
        if not found:
            _say(out, "  deviations from the statute: none")
        for d in found:
            what = []
            if d.missing:
                what.append(f"does not tell the {_words(d.missing)}")
            if d.extra:
                what.append(f"also tells the {_words(d.extra)}")
            _say(out, f"  age {d.age:>2}: {d.kind}: {'; '.join(what)}")
    return 0


def _check_bsn(values: Sequence[str], out: TextIO) -> int:
    failed = 0
    for position, value in enumerate(values, 1):
        if is_valid_bsn(value):
            _say(out, f"#{position}: valid ({parse_bsn(value)})")
        else:
            failed += 1
            try:
                parse_bsn(value)
            except VerwijsindexError as error:
                _say(out, f"#{position}: invalid: {error}")
    return EXIT_FAILURE if failed else 0


CSV_COLUMNS: tuple[str, ...] = (
    "bsn",
    "surname",
    "twin",
    "name",
    "gender",
    "birth_date",
    "street",
    "house_number",
    "postcode",
    "city",
    "municipality_code",
    "parents",
    "professional_id",
    "professional_name",
    "professional_email",
    "professional_phone",
    "organisation_id",
    "organisation_name",
    "organisation_municipality_code",
    "organisation_email",
    "created_at",
    "ends_on",
)
"""The columns of ``verwijsindex import``: a youth (``bsn``, or ``surname`` and an optional
``twin`` ordinal for a youth without one; ``gender`` M, V or O; ``parents`` the parents'
BSNs separated by ``;``), the professional and their organisation, and optionally when
the link was made (ISO 8601 with its offset) and when it ends (``YYYY-MM-DD``)."""


def _cell(row: dict[str, str], name: str) -> str | None:
    value = (row.get(name) or "").strip()
    return value or None


def _organisation_of(row: dict[str, str]) -> dict[str, object]:
    return {
        "id": _cell(row, "organisation_id"),
        "name": _cell(row, "organisation_name"),
        "municipality_code": _cell(row, "organisation_municipality_code"),
        "email": _cell(row, "organisation_email"),
        "phone": None,
    }


def _record_of(row: dict[str, str]) -> dict[str, object]:
    """One CSV row as the dict an import takes; what is wrong with it, the import reports."""

    def cell(name: str) -> str | None:
        return _cell(row, name)

    organisation = _organisation_of(row)
    twin = cell("twin")
    return {
        "subject": {
            "bsn": cell("bsn"),
            "surname": cell("surname"),
            "twin": int(twin) if twin and twin.isdigit() else twin,
            "name": cell("name"),
            "gender": cell("gender"),
            "birth_date": cell("birth_date"),
            "address": {
                "street": cell("street"),
                "house_number": cell("house_number"),
                "postcode": cell("postcode"),
                "city": cell("city"),
                "municipality_code": cell("municipality_code"),
            },
            "parents": [p.strip() for p in (cell("parents") or "").split(";") if p.strip()],
            "died_on": None,
        },
        "professional": {
            "id": cell("professional_id"),
            "name": cell("professional_name"),
            "organisation": organisation,
            "email": cell("professional_email"),
            "phone": cell("professional_phone"),
        },
        "created_at": cell("created_at"),
        "ends_on": cell("ends_on"),
    }


def _read_csv(name: str) -> list[dict[str, str]]:
    """The rows of the CSV file *name*; a usage error if it cannot be read."""
    import csv

    try:
        with open(name, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as error:
        raise _usage(
            f"cannot read the CSV file: {error.strerror or type(error).__name__}"
        ) from None
    except UnicodeDecodeError:
        raise _usage("the CSV file is not UTF-8") from None
    except csv.Error:
        raise _usage("the CSV file is not valid CSV") from None
    missing = [c for c in ("name", "birth_date", "professional_id") if rows and c not in rows[0]]
    if missing:
        raise _usage(f"the CSV file has no column {missing[0]} (see docs/cli.md)")
    return rows


def _import(args: argparse.Namespace, out: TextIO) -> int:
    from verwijsindex.importing import ImportProgress
    from verwijsindex.model import Organisation
    from verwijsindex.serialization import structure

    rows = _read_csv(args.file)
    records = [_record_of(row) for row in rows]
    key = _key_from_env()
    store = _open_index(args.store, create=args.create)
    try:
        index = VerwijsIndex(store, key=key)
        organisations: dict[object, Organisation] = {}
        for row in rows:
            try:
                found = structure(_organisation_of(row), Organisation)
            except VerwijsindexError:
                continue  # the import rejects the record, with its error
            organisations.setdefault(found.id, found)
        for organisation in organisations.values():
            index.add_organisation(organisation)

        def progress(done: ImportProgress) -> None:
            _say(
                sys.stderr,
                f"batch {done.batches}: {done.records} records, {done.created} created, "
                f"{done.duplicates} duplicates, {done.rejected} rejected",
            )

        report = index.bulk_register(
            records, batch_size=args.batch_size, notify=not args.no_notify, progress=progress
        )
    finally:
        store.close()
    rejected = [
        {"line": o.position + 2, "error": str(o.error)}
        for o in report.outcomes
        if o.error is not None
    ]
    summary = {
        "records": len(records),
        "created": report.created,
        "duplicates": report.duplicates,
        "rejected": report.rejected,
        "matches": len({o.match_id for o in report.outcomes if o.match_id}),
    }
    if args.json:
        json.dump({**summary, "rejected_lines": rejected}, out)
        print(file=out)
    else:
        for name, count in summary.items():
            _say(out, f"{name:<12}{count:>8}")
        for line in rejected:
            _say(out, f"line {line['line']}: {line['error']}")
    return 0


def _reader(args: argparse.Namespace) -> RegionCoordinator | FollowUpChecker:
    """Who reads the statistics: a usage error for a region or municipality not known."""
    from verwijsindex.roles import FollowUpChecker, RegionCoordinator

    try:
        if args.region is not None:
            return RegionCoordinator(ZUID_LIMBURG.region_for(args.region).name)
        checker = FollowUpChecker(args.municipality)
        ZUID_LIMBURG.region_of_municipality(checker.municipality_code)
    except VerwijsindexError:
        option = "--region" if args.region is not None else "--municipality"
        raise _usage(f"{option}: no region or municipality of Zuid-Limburg goes by that") from None
    return checker


def _stats(args: argparse.Namespace, out: TextIO) -> int:
    last_month: date = args.last or args.first
    if last_month < args.first:
        raise _usage("--to: the last month comes before the first")
    last = add_months(last_month, 1) - timedelta(days=1)
    by = _reader(args)
    key = _key_from_env()
    store = _open_index(args.store, create=args.create)
    try:
        index = VerwijsIndex(store, key=key)
        stats = index.statistics((args.first, last), by=by, threshold=args.threshold)
    finally:
        store.close()
    if args.json:
        json.dump(stats.as_dicts(), out)
        print(file=out)
        return 0
    tables = dict.fromkeys((row.month, row.kind, row.region) for row in stats)
    if not tables:
        _say(out, "no counts in this period")
    for month, kind, region in tables:
        for line in stats.format_table(month, kind, region).splitlines():
            _say(out, line)
        _say(out)
    return 0


def _sweep(url: str, out: TextIO, *, create: bool, as_json: bool) -> int:
    key = _key_from_env()
    store = _open_index(url, create=create)
    try:
        report = VerwijsIndex(store, key=key).sweep()
    finally:
        store.close()
    fields = SweepReport.COUNTS
    if as_json:
        data = {"at": report.at.isoformat(), **{f: getattr(report, f) for f in fields}}
        json.dump(data, out)
        print(file=out)
    else:
        _say(out, f"sweep at {report.at.isoformat(timespec='seconds')}")
        for field in fields:
            _say(out, f"  {field.replace('_', ' '):<20}{getattr(report, field):>8}")
    return 0


# --- the demo ------------------------------------------------------------------------------------


def _demo(url: str, *, keep: bool, out: TextIO) -> int:
    from verwijsindex.testing import FixedClock, make_professional, make_subject

    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
    store = _scratch(url, "demo", fresh=not keep)
    try:
        index = VerwijsIndex(store, key=DEMO_KEY, clock=clock)
        team = {
            "teacher": make_professional(id="docent-1", organisation="Sint Jozefschool"),
            "nurse": make_professional(id="jgz-1", organisation="GGD Zuid-Limburg"),
            "mee": make_professional(
                id="mee-1", organisation="MEE Zuid-Limburg", municipality="Sittard-Geleen"
            ),
            "attendance": make_professional(
                id="leerplicht-1",
                organisation="Regionaal Bureau Leerplicht Westelijke Mijnstreek",
                municipality="Sittard-Geleen",
            ),
            "youthcare": make_professional(
                id="jeugdzorg-1", organisation="Bureau Jeugdzorg Limburg", municipality="Heerlen"
            ),
        }
        for professional in team.values():
            index.add_organisation(professional.organisation)
        youths = {
            "Sam (9, Maastricht)": make_subject(
                bsn="111222333", birth_date=date(2017, 3, 1), name="Sam"
            ),
            "Noor (14, Sittard-Geleen)": make_subject(
                bsn="123456782",
                birth_date=date(2012, 6, 30),
                municipality="Sittard-Geleen",
                name="Noor",
            ),
            "Daan (19, Heerlen)": make_subject(
                bsn="010000008", birth_date=date(2007, 1, 15), municipality="Heerlen", name="Daan"
            ),
        }
        plan = [
            ("Sam (9, Maastricht)", "teacher"),
            ("Noor (14, Sittard-Geleen)", "attendance"),
            ("Sam (9, Maastricht)", "nurse"),
            ("Daan (19, Heerlen)", "youthcare"),
            ("Noor (14, Sittard-Geleen)", "mee"),
            ("Noor (14, Sittard-Geleen)", "mee"),
            ("Daan (19, Heerlen)", "nurse"),
        ]
        _say(out, f"verwijsindex demo on {_shown(url)}  (clock starts {clock().date()})")
        _say(out)
        _say(out, "Registrations: who is involved with whom (never why)")
        for name, role in plan:
            clock.advance(timedelta(hours=2))
            professional = team[role]
            reg = index.register(youths[name], professional)
            _say(out, f"  {name:<26}  {professional.id:<13} {professional.organisation.name}")
            if not reg.created:
                _say(out, "      already registered: same link, nobody told")
                continue
            match = f" -> match {reg.match.id[:8]}" if reg.match is not None else ""
            _say(out, f"      new link{match}; inform: {_words(reg.information_duty)}")
        _say(out)
        _say(out, "Matches, as each professional sees them")
        for professional in team.values():
            for m in index.matches_for(professional):
                others = [p for p in m.professionals if p != professional.id]
                _say(out, f"  {professional.id:<14} match {m.id[:8]} with {', '.join(others)}")
        _say(out)
        _say(out, "Notifications in the outbox")
        for n in index.pending_notifications():
            _say(out, f"  {n.kind.value:<12} to {n.recipient:<24} match {(n.match_id or '')[:8]}")
            for c in n.contacts:
                _say(out, f"      contact: {c.name} <{c.email}>", indent="    ")
        _say(out)
        report = index.verify_logbook()
        _say(
            out,
            f"Logbook: {report.entries} entries in {report.lanes} chains, "
            f"{'verified' if report.ok else 'BROKEN'}",
        )
    finally:
        store.close()
    return 0


# --- simulate ------------------------------------------------------------------------------------


def _progress_bar(stream: TextIO) -> Callable[[float], None]:
    """A progress bar on *stream* (stdlib only), redrawn when the percentage changes."""
    shown = [-1]

    def draw(fraction: float) -> None:
        percent = int(fraction * 100)
        if percent == shown[0]:
            return
        shown[0] = percent
        filled = percent * 30 // 100
        stream.write(f"\rsimulating [{'#' * filled}{'.' * (30 - filled)}] {percent:3d}%")
        if percent >= 100:
            stream.write("\n")
        stream.flush()

    return draw


def _simulate(args: argparse.Namespace, out: TextIO) -> int:
    from verwijsindex.simulation import Scenario, run_scenario, store_counts, synthetic_population

    _check_url(args.store)
    if args.replace and _sqlite_file(args.store) is None:
        raise _usage("--replace only deletes a SQLite file (sqlite:///path.db)")
    scenario = Scenario(
        f"{args.policy}, {args.match_rule}, {args.active_years} years active",
        policy=args.policy,
        match_rule=args.match_rule,
        active_years=args.active_years,
    )
    show = args.progress or sys.stderr.isatty()
    began = time.perf_counter()
    store = _scratch(args.store, "simulate", fresh=args.replace)
    try:
        population = synthetic_population(
            args.area, seed=args.seed, fraction=args.population_fraction, years=args.years
        )
        run = run_scenario(
            scenario,
            population,
            years=args.years,
            seed=args.seed,
            store=store,
            progress=_progress_bar(sys.stderr) if show else None,
        )
        logbook = run.index.verify_logbook()
        stored = store_counts(store)
    except ConfigurationError as error:
        if "empty store" not in str(error):
            raise
        hint = "; give --replace to start it afresh" if _sqlite_file(args.store) else ""
        raise _usage(f"{error}{hint}") from None
    finally:
        store.close()
    seconds = time.perf_counter() - began
    if args.json:
        data = {
            "store_url": _shown(args.store),
            "metrics": run.row,
            "store": stored,
            "logbook": {"ok": logbook.ok, "entries": logbook.entries},
            "seconds": round(seconds, 3),
        }
        json.dump(data, out, indent=2)
        print(file=out)
    else:
        _print_report(run.row, stored, logbook.ok, logbook.entries, args, population, out)
        _say(out, f"Ran in {seconds:.1f} s")
    return 0


def _years(number: int) -> str:
    return "1 year" if number == 1 else f"{number:,} years"


def _print_report(
    row: dict[str, Any],
    stored: dict[str, int],
    ok: bool,
    entries: int,
    args: argparse.Namespace,
    population: Population,
    out: TextIO,
) -> None:
    def line(label: str, value: object) -> None:
        if isinstance(value, float):
            text = f"{value:,.2f}"
        elif isinstance(value, int):
            text = f"{value:,}"
        else:
            text = "-" if value is None else str(value)
        _say(out, f"  {label:<44}{text:>12}")

    _say(out, f"verwijsindex simulate on {_shown(args.store)}")
    _say(
        out,
        f"scenario: policy {row['policy']}, match rule {row['match_rule']}, "
        f"links active {_years(row['active_years'])}",
    )
    _say(
        out,
        f"{population.regions.name}: {row['population']:,} youths under 23 "
        f"(fraction {args.population_fraction:g}), {_years(row['years'])} from "
        f"{population.start.isoformat()}, random seed {row['seed']}",
    )
    _say(out)
    _say(out, "Links")
    line("links made", row["links"])
    line("  of which renewals", row["renewals"])
    line("repeat registrations (same link returned)", row["repeat_registrations"])
    line("refused (age limit)", row["refused"])
    line("youths with a link", row["linked_youths"])
    line("archive hints", row["archive_hints"])
    line("withdrawn: risk resolved", row["withdrawn_risk_resolved"])
    line("withdrawn: unjustified", row["withdrawn_unjustified"])
    _say(out, "Matches")
    line("matches", row["matches"])
    line("youths matched", row["matched_youths"])
    line("share of youths with a link matched", row["share_matched"])
    line("days to first match, median", row["days_to_match_median"])
    line("days to first match, mean", row["days_to_match_mean"])
    line("cross-region matches", row["cross_region_matches"])
    line("family-match signals", row["family_signals"])
    _say(out, "Notifications")
    line("to professionals", row["notified_professional"])
    line("to follow-up checkers", row["notified_follow_up"])
    line("to region coordinators", row["notified_coordinator"])
    line("family matches to professionals", row["notified_family"])
    line("address matches to professionals", row["notified_address"])
    line("reminders to follow-up checkers", row["notified_reminder"])
    _say(out, "Information duty (links, by age on the day)")
    _say(out, f"  {'':<26}{'under 12':>10}{'12-15':>10}{'16-22':>10}")
    for key, label in (("youth", "youth"), ("representative", "legal representative")):
        values = [row[f"duty_{key}_{band}"] for band in ("under_12", "12_15", "16_22")]
        _say(out, f"  {label:<26}" + "".join(f"{v:>10,}" for v in values))
    line("links not informed as the statute says", row["not_informed_links"])
    line("links over-informed against the statute", row["over_informed_links"])
    line("youths not informed", row["youths_not_informed"])
    line("youths over-informed", row["youths_over_informed"])
    _say(out, "Lifecycle (weekly sweeps)")
    line("expired", row["expired"])
    line("purged from the archive", row["purged"])
    line("deleted at the age limit", row["deleted_links"])
    line("youths deleted at the age limit", row["deleted_youths"])
    line("matches dissolved", row["matches_dissolved"])
    _say(out, "In the store at the end")
    line("youths", stored["youths"])
    line("links, active", stored["active_links"])
    line("links, archived", stored["archived_links"])
    line("matches", stored["matches"])
    _say(out, f"Logbook: {entries:,} entries, {'verified' if ok else 'BROKEN'}")
