"""The command line (opdrachtregel): ``verwijsindex`` and ``python -m verwijsindex``.

Subcommands (:data:`COMMANDS`): ``simulate`` (the main job: a policy scenario on the real
index, with a report), ``demo``, ``regions``, ``policies``, ``check-bsn``, ``sweep``,
``import`` and ``stats``; ``--help`` works everywhere and ``--version`` names the release.
Text output fits :data:`WIDTH` columns and names regions and policies by their names.

Exit codes: 0 done; :data:`EXIT_FAILURE` (1) anything that failed, and ``check-bsn`` when a
BSN is invalid; :data:`EXIT_USAGE` (2) a usage error (argparse, bad arguments, a malformed
store URL, a missing or malformed key in the environment); :data:`EXIT_STORE` (3) a store
that cannot be opened or reached, or a SQLite path or PostgreSQL schema that holds no index
(``--create`` makes one); :data:`EXIT_REJECTED` (4) an ``import`` that rejected rows (the
others were written); 130 when interrupted (Ctrl-C). Every error is one line on stderr
that never repeats a value the user gave; each warning logged meanwhile (the PostgreSQL
pool's, on a dropped connection) is one line too, its long digit runs masked.

The CLI, unlike the library, may read the environment: ``VERWIJSINDEX_KEY`` (hex, at
least 32 bytes) and ``VERWIJSINDEX_KEY_ID`` give the pseudonym key of ``sweep``,
``import`` and ``stats`` (:data:`ENVIRONMENT`).

``demo`` and ``simulate`` make throwaway indexes. A SQLite file they make carries a mark,
a table :data:`MARK_TABLE` written before the store is opened, and they delete or write
only a file that carries it: a real index, or any other file, is left alone.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from typing import TextIO

from verwijsindex._collector import paused
from verwijsindex.cli._existing import CSV_COLUMNS as CSV_COLUMNS
from verwijsindex.cli._existing import _import, _stats, _sweep
from verwijsindex.cli._listings import _check_bsn, _policies, _regions
from verwijsindex.cli._output import EXIT_FAILURE as EXIT_FAILURE
from verwijsindex.cli._output import EXIT_INTERRUPTED as EXIT_INTERRUPTED
from verwijsindex.cli._output import EXIT_REJECTED as EXIT_REJECTED
from verwijsindex.cli._output import EXIT_STORE as EXIT_STORE
from verwijsindex.cli._output import EXIT_USAGE as EXIT_USAGE
from verwijsindex.cli._output import WIDTH as WIDTH
from verwijsindex.cli._output import _error, _one_line, _Stop
from verwijsindex.cli._output import _shown as _shown
from verwijsindex.cli._parser import COMMANDS as COMMANDS
from verwijsindex.cli._parser import DEMO_STORE as DEMO_STORE
from verwijsindex.cli._parser import ENVIRONMENT as ENVIRONMENT
from verwijsindex.cli._parser import SIMULATE_STORE as SIMULATE_STORE
from verwijsindex.cli._parser import _Parser as _Parser
from verwijsindex.cli._parser import _parser
from verwijsindex.cli._stores import MARK_TABLE as MARK_TABLE
from verwijsindex.cli._throwaway import DEMO_KEY as DEMO_KEY
from verwijsindex.cli._throwaway import _demo, _simulate
from verwijsindex.errors import VerwijsindexError

# The names the docstring above, the tests and docs/rules.md use are imported as themselves,
# so each is still verwijsindex.cli.NAME; the reference documents main alone, as before.
__all__ = ["main"]


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line with *argv*; return the exit code.

    A usage error that argparse finds, or a missing or malformed key, raises
    ``SystemExit(2)`` as argparse does; every other failure is one line on stderr and its
    exit code returned (see the module's docstring)."""
    stream = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        with paused(), _warnings_on_stderr():  # the command line owns its process (decision 58)
            return _run(args, stream)
    except KeyboardInterrupt:  # Ctrl-C: what was committed stays, a run again finishes it
        _error("interrupted")
        return EXIT_INTERRUPTED
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


class _OneLine(logging.Formatter):
    """A log record as the command line's one line: its level and message, long digit runs
    masked, no traceback (a driver's warning may hold what it was sent)."""

    def format(self, record: logging.LogRecord) -> str:
        return f"verwijsindex: {record.levelname.lower()}: {_one_line(record.getMessage())}"


@contextlib.contextmanager
def _warnings_on_stderr() -> Iterator[None]:
    """Warnings logged during the command (the library's, or its PostgreSQL pool's on a
    dropped connection), each as one line on stderr, when the process has set up no
    logging of its own; without it Python prints them as they come."""
    root = logging.getLogger()
    if root.handlers:
        yield
        return
    handler = logging.StreamHandler()
    handler.setLevel(logging.WARNING)
    handler.setFormatter(_OneLine())
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)


def _quiet_stdout() -> None:
    """Point stdout at the null device, so that the interpreter's flush at exit finds no
    closed pipe to complain about (the recipe of Python's ``signal`` documentation)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
