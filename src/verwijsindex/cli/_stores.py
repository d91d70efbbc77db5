"""The stores of the command line: a store URL checked, a SQLite path looked at without
writing to it, an existing index opened (``sweep``, ``import``, ``stats``), and a throwaway
index made and marked (``demo``, ``simulate``: :data:`MARK_TABLE`).

A store that cannot be opened is one line and its exit code, never a traceback.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import attrs

from verwijsindex.cli._output import EXIT_FAILURE, EXIT_STORE, EXIT_USAGE, _Stop
from verwijsindex.errors import (
    ConfigurationError,
    NoIndexError,
    SchemaVersionError,
    StorageError,
)
from verwijsindex.storage import open_store
from verwijsindex.storage._sql import INDEX_TABLES

if TYPE_CHECKING:
    from verwijsindex.storage import ClosingStore

MARK_TABLE = "cli_made"
"""The table by which ``demo`` and ``simulate`` know a SQLite file they made: one row, the
command that made it. They delete, or write to, no other file."""

_SCHEMES = frozenset({"memory", "sqlite", "postgresql", "postgres"})
_SQLITE_MAGIC = b"SQLite format 3\x00"


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
    return _Found(exists=True, database=True, index=tables >= INDEX_TABLES, made_by=made_by)


def _open(url: str, *, create: bool = True, missing_ok: bool = False) -> ClosingStore:
    """The store at *url*: exit code 2 when the URL itself is malformed (no store was
    tried), 3 when the store it names cannot be opened or reached, or holds no index and
    *create* is false (``NoIndexError`` itself with *missing_ok*)."""
    try:
        return open_store(url, create=create)
    except NoIndexError:
        if missing_ok:
            raise
        where = "at that path" if _sqlite_file(url) is not None else "in that schema"
        raise _Stop(EXIT_STORE, f"no index {where}; give --create to make one") from None
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


def _open_index(url: str, *, create: bool) -> tuple[ClosingStore, bool]:
    """The index at *url* for ``sweep``, ``import`` and ``stats``, and whether this call
    made it: a SQLite path or a PostgreSQL schema must hold one already unless *create*;
    exit code 3 otherwise (a mistyped path, database or schema makes nothing). A store
    that lasts only as long as the command (``memory://``, an in-memory SQLite database:
    an unset variable in ``sqlite:///$DB``) is a usage error: the command's work would be
    gone with it."""
    _check_url(url)
    path = _sqlite_file(url)
    if path is None and url.partition("://")[0].lower() not in ("postgresql", "postgres"):
        raise _Stop(
            EXIT_USAGE,
            "that store keeps nothing after the command: give a SQLite file or a PostgreSQL URL",
        )
    if path is None:  # PostgreSQL: the store says whether its schema holds an index
        if not create:
            return _open(url, create=False), False
        try:
            return _open(url, create=False, missing_ok=True), False
        except NoIndexError:  # only then does this command make the index
            return _open(url, create=True), True
    found = _look(path)
    if found.exists and not found.readable:
        raise _Stop(EXIT_STORE, _UNREADABLE)
    if found.exists and not found.empty and not found.database:
        raise _Stop(EXIT_STORE, "cannot open the store: the file is not a SQLite database")
    if not create and (not found.exists or found.empty):
        raise _Stop(EXIT_STORE, "no index at that path; give --create to make one")
    if not create and found.database and not found.index:
        raise _Stop(EXIT_STORE, "that SQLite database holds no index; give --create to make one")
    return _open(url, create=create), not found.index


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
