"""How the command line answers: its exit codes, its one-line errors on stderr, and text
output in at most :data:`WIDTH` columns that never shows a password.

Every other part of the command line reports through these; they import nothing of it.
"""

from __future__ import annotations

import re
import sys
import textwrap
from typing import TextIO

from verwijsindex.errors import masked

WIDTH = 100
"""No line of text output is longer than this."""

EXIT_FAILURE = 1
"""Something failed (and ``check-bsn``: a BSN is invalid)."""
EXIT_USAGE = 2
"""A usage error: bad arguments, or a missing or malformed key in the environment."""
EXIT_STORE = 3
"""The store cannot be opened or reached, or a SQLite path or PostgreSQL schema holds no
index."""
EXIT_REJECTED = 4
"""An import that rejected rows: the others were written, and the rejected ones are
reported by their lines."""
EXIT_INTERRUPTED = 130
"""Ctrl-C, as a shell reports a command that SIGINT ended (128 + 2)."""


class _Stop(Exception):
    """A failure the command line reports in one line, with its exit code."""

    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code


def _one_line(message: str) -> str:
    """*message* as one line, every run of eight or more digits masked."""
    return " ".join((masked(message, 300) or "").split())


def _error(message: str) -> None:
    print(f"verwijsindex: error: {_one_line(message)}", file=sys.stderr)


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
