"""The arguments of the command line: the subcommands (:data:`COMMANDS`), their options
and help, and the checks of an argument's value; an argument error is one line and exit
code 2.
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from importlib import metadata
from types import MappingProxyType
from typing import Any, NoReturn

from verwijsindex._context import MAX_BATCH
from verwijsindex.cli._output import EXIT_USAGE, WIDTH, _one_line
from verwijsindex.matching import MatchRule
from verwijsindex.regions import POLICIES, ZUID_LIMBURG
from verwijsindex.statistics import DEFAULT_THRESHOLD

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

SIMULATE_STORE = "memory://"
"""Where ``verwijsindex simulate`` keeps its run by default: in memory, about ten times as
fast as a SQLite file, and nothing is left behind."""

DEMO_STORE = "sqlite:///verwijsindex-demo.db"
"""Where ``verwijsindex demo`` keeps its run by default."""

_STORE_HELP = "the store: memory://, sqlite:///path.db or postgresql://..."

_EXIT_CODES = (
    "exit codes: 0 done, 1 failed, 2 usage error, 3 the store cannot be opened or reached\n"
    "(or a SQLite path holds no index), 4 import rejected rows; see docs/cli.md"
)


_MAX_YEARS = 100
"""The most years a simulation runs, or a link is active in it: enough for any policy
question, and far from the end of the calendar."""


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number") from None


def _whole_number(lowest: int, highest: int | None = None) -> Callable[[str], int]:
    """A whole number of *lowest* or more, and at most *highest* when given."""

    def check(text: str) -> int:
        number = _whole(text)
        if highest is not None and not lowest <= number <= highest:
            raise argparse.ArgumentTypeError(f"must be a whole number from {lowest} to {highest}")
        if number < lowest:
            raise argparse.ArgumentTypeError(f"must be a whole number of at least {lowest}")
        return number

    return check


def _month(text: str) -> date:
    try:
        month = date.fromisoformat(f"{text}-01")
    except ValueError:
        raise argparse.ArgumentTypeError("must be a month as YYYY-MM") from None
    if month.year == date.max.year and month.month == date.max.month:
        raise argparse.ArgumentTypeError("must be a month before 9999-12")  # it has no end
    return month


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
    simulate.add_argument(
        "--years", type=_whole_number(1, _MAX_YEARS), default=5, help="simulated years (5)"
    )
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
        "--active-years",
        type=_whole_number(1, _MAX_YEARS),
        default=2,
        help="active period of a link (2)",
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
        help="migration: form and log matches of imported links, but tell no one (the old "
        "index did); a match with a link made in this index is told",
    )
    importer.add_argument(
        "--batch-size",
        type=_whole_number(1, MAX_BATCH),
        default=None,
        help="records a batch (the store's own: 500 on SQLite and PostgreSQL, 50 in memory)",
    )
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
    stats.add_argument(
        "--threshold",
        type=_whole_number(DEFAULT_THRESHOLD),
        default=DEFAULT_THRESHOLD,
        help=f"suppress below this ({DEFAULT_THRESHOLD}, the least)",
    )
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
