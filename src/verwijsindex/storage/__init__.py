"""Storage (opslag): the small protocol every store implements, and ``open_store``.

The index keeps each youth's data as one :class:`~verwijsindex.dossier.Dossier`: the
general data (without the BSN), the links, the current match, who has been told what. A
store persists dossiers keyed by the youth's storage pseudonym, keeps a few look-up terms
derived from them, the directory of organisations and professionals, the outbox and the
logbook, and gives transactions that lock the dossiers they name.

A store is anything that has the methods of :class:`Store` and :class:`Transaction`; no
base class is needed. A :class:`Transaction` is five roles, each a protocol of its own,
each method's promise in its docstring: :class:`DossierTransaction`,
:class:`DirectoryTransaction`, :class:`OutboxTransaction` and
or :class:`LogbookTransaction` and :class:`StatisticsTransaction`. :class:`Scrubbing` (of
a store) and :class:`DirectoryReading` (of a transaction) are optional capabilities.
:class:`verwijsindex.testing.TransactionContract` tests every promise. Three stores ship:

>>> store = open_store("memory://")
>>> type(store).__name__
'MemoryStore'
>>> open_store("ftp://example.org/db")
Traceback (most recent call last):
    ...
verwijsindex.errors.ConfigurationError: unknown store URL scheme: use memory://, ...

``sqlite:///verwijsindex.db`` opens a file relative to the working directory,
``sqlite:////abs/path.db`` an absolute one, ``sqlite://`` or ``sqlite:///:memory:`` an
in-memory database. A SQLite URL takes one parameter, ``?synchronous=full`` (the default)
or ``?synchronous=normal``; any other is refused. A PostgreSQL URL may name the schema to
use with ``?schema=name`` (default ``verwijsindex``).

>>> open_store("sqlite:///verwijsindex.db?synchronous=off")
Traceback (most recent call last):
    ...
verwijsindex.errors.ConfigurationError: synchronous must be 'full' (the default) or 'normal'
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Protocol, Self, runtime_checkable
from urllib.parse import parse_qsl, unquote, urlsplit, urlunsplit

import attrs

from verwijsindex.dossier import (
    Dossier,
    IndexTerms,
    InformationDuty,
    InformationRecord,
    MatchOfYouth,
    SubjectRecord,
    Withheld,
    index_terms,
)
from verwijsindex.errors import ConfigurationError, NoIndexError
from verwijsindex.model import LogEntry, Notification, Organisation, Professional

if TYPE_CHECKING:
    from verwijsindex.storage.memory import MemoryStore
    from verwijsindex.storage.postgres import PostgresStore
    from verwijsindex.storage.sqlite import SQLiteStore

__all__ = [
    "CLAIM_HORIZON",
    "DEFAULT_BATCH",
    "LOG_LANES",
    "MAX_LEASE",
    "ClosingStore",
    "DirectoryReading",
    "DirectoryTransaction",
    "Dossier",
    "DossierTransaction",
    "IndexTerms",
    "InformationDuty",
    "InformationRecord",
    "LogAudit",
    "LogReadingFrom",
    "LogbookTransaction",
    "MatchOfYouth",
    "MemoryStore",
    "OutboxTransaction",
    "PostgresStore",
    "SQLiteStore",
    "Scrubbing",
    "StatisticsTransaction",
    "Store",
    "SubjectRecord",
    "Transaction",
    "Withheld",
    "index_terms",
    "open_store",
]

DEFAULT_BATCH = 500
"""Youths per transaction of a sweep, a re-key or an import, unless the index is given a
batch size or the store names its own in a ``preferred_batch`` attribute (the memory
store's is 50: a commit there costs nothing, and short transactions keep the garbage
collector quiet; decision 68). A database store commits once a batch, so more youths a
batch mean fewer commits."""


LOG_LANES = 16
"""The logbook is kept as this many independent hash chains, so writers on different
youths do not wait for one chain head. A transaction writes all its entries to one lane."""

MAX_LEASE: Final = timedelta(days=1)
"""The longest a claim may hold notifications (a longer lease is refused)."""

CLAIM_HORIZON: Final = MAX_LEASE + timedelta(minutes=5)
"""How far past the claimant's *now* a stored claim may hold: the longest lease, and five
minutes for clocks that differ. A claim that holds longer was made by a clock that runs
ahead, and holds nothing: a sender that died holding it would park its notifications for
as long as its clock was wrong (decision 96)."""


@attrs.frozen
class LogAudit:
    """What :meth:`LogbookTransaction.log_audit` reports: for each stored youth, their key
    and log token, the count of references the dossier records (``logged``) and its
    ``log_seal``, and the number and :func:`~verwijsindex.logbook.refs_digest` of the
    entry ids referenced under the token; the references whose token belongs to no stored
    youth (``orphans``) and those naming an entry that does not exist (``dangling``)."""

    youths: tuple[tuple[str, str, int, str | None, int, str], ...]
    orphans: int
    dangling: int


class DossierTransaction(Protocol):
    """The dossiers of one transaction, and the look-up terms derived from them."""

    def load(self, key: str) -> Dossier | None:
        """The dossier under *key*, or ``None``; what this transaction saved counts."""

    def save(self, dossier: Dossier) -> None:
        """Insert or replace the dossier under ``dossier.key`` and replace its look-up terms
        with :func:`index_terms`; a link or match id saved under another key moves to it."""

    def delete(self, key: str) -> None:
        """Remove the dossier under *key* (if any) and its look-up terms. The outbox and the
        logbook are left alone."""

    def key_for_link(self, link_id: str) -> str | None:
        """The key of the dossier holding link *link_id*, or ``None``."""

    def key_for_match(self, match_id: str) -> str | None:
        """The key of the dossier whose match is *match_id*, or ``None``."""

    def keys_for_professional(self, professional_id: str) -> list[str]:
        """The keys of the dossiers with a link of *professional_id*, sorted."""

    def matches_for_professional(self, professional_id: str) -> list[MatchOfYouth]:
        """The ``match`` of each dossier with a link of *professional_id* that has one, by
        key, with the youth's ``birth_date`` and ``died_on`` (:class:`MatchOfYouth`). A
        store may read only the dossiers with a match and decode only those fields; a
        malformed record it reads raises ``CorruptRecordError``."""

    def keys_for_parent(self, parent_key: str) -> list[str]:
        """The keys of the dossiers of youths with registered parent *parent_key*, sorted."""

    def keys_for_address(self, address_key: str) -> list[str]:
        """The keys of the dossiers whose ``subject.address_key`` is *address_key*, sorted."""

    def keys_sweep_due(self, on: date, limit: int) -> list[str]:
        """Up to *limit* keys with ``sweep_due <= on``, ordered by ``(sweep_due, key)``."""

    def keys_information_due(self, before: date, limit: int) -> list[str]:
        """Up to *limit* keys with ``information_due < before``, by ``(information_due, key)``."""

    def keys_follow_up_due(self, on: date, after: str | None, limit: int) -> list[str]:
        """Up to *limit* keys with ``follow_up_due <= on``, greater than *after* (from the
        first if ``None``), in code-point order: paging over the matches that wait for
        coordination."""

    def keys(self, after: str | None, limit: int) -> list[str]:
        """Up to *limit* keys greater than *after* (from the first if ``None``), in code-point
        order: paging over every dossier."""


class DirectoryTransaction(Protocol):
    """The directory of one transaction: organisations, professionals, the check values
    of the pseudonym keys the store was written with, and the index's settings."""

    def get_organisation(self, organisation_id: str) -> Organisation | None:
        """The organisation with *organisation_id*, or ``None``."""

    def put_organisation(self, organisation: Organisation) -> None:
        """Insert or replace the organisation with ``organisation.id``."""

    def get_professional(self, professional_id: str) -> Professional | None:
        """The professional with *professional_id*, or ``None``."""

    def put_professional(self, professional: Professional) -> None:
        """Insert or replace the professional with ``professional.id``."""

    def professionals_of(self, organisation_id: str) -> list[Professional]:
        """The professionals of organisation *organisation_id*, by id."""

    def key_checks(self) -> list[tuple[str, str]]:
        """The stored ``(key id, check value)`` of each pseudonym key, oldest first
        (decision 31)."""

    def add_key_check(self, key_id: str, check: str) -> None:
        """Record the check value of *key_id* as the newest key, unless the id, or a key in
        that place, is recorded already: the first one stays, also when two processes
        record one at once (they read :meth:`key_checks` again to see which)."""

    def key_moves(self) -> list[str]:
        """The ids of the recorded keys that a re-key began moving the records to and has
        not finished (decision 86), oldest first."""

    def set_key_move(self, key_id: str, moving: bool) -> None:
        """Mark the recorded key *key_id* as one a re-key is moving records to, or (with
        *moving* false) as one it finished moving to."""

    def setting(self, name: str) -> str | None:
        """The index's setting *name* as recorded (``match_rule``: the rule its youths
        were judged by, decision 119), or ``None`` while none is."""

    def put_setting(self, name: str, value: str, *, replace: bool = False) -> None:
        """Record *value* as the index's setting *name*. Without *replace* a value recorded
        already stays, also when two processes record one at once (they read
        :meth:`setting` again to see which); with it, *value* takes its place."""


class OutboxTransaction(Protocol):
    """The outbox of one transaction: notifications filed under the youth they concern."""

    def add_notifications(self, items: Sequence[tuple[str, Notification]]) -> None:
        """Add ``(key, notification)`` pairs, in order; an id that is pending already is
        replaced (with its key) and keeps its place."""

    def pending_notifications(
        self, limit: int | None, *, withheld: Withheld | None = None
    ) -> list[Notification]:
        """Up to *limit* unacknowledged notifications (all if ``None``), oldest first: in the
        order they were added, also after a rollback put some back. A stored row that does
        not parse is set aside (see :meth:`set_aside_count`), never in the way of the others.
        With *withheld*, those filed under a youth it holds (by the stored dossier's birth
        date and day of death) are left out, and do not count toward *limit*."""

    def pending_for(
        self, recipient: str, limit: int | None, *, withheld: Withheld | None = None
    ) -> list[Notification]:
        """The pending notifications whose ``recipient`` is *recipient*, oldest first: a
        look-up, not a scan of the outbox; *withheld* as for :meth:`pending_notifications`."""

    def claim_notifications(
        self,
        limit: int,
        now: datetime,
        until: datetime,
        claim: str,
        *,
        withheld: Withheld | None = None,
    ) -> list[Notification]:
        """Up to *limit* pending notifications, oldest first, that no claim holds at *now*
        (never claimed, claimed until *now* or before, or claimed until after ``now +``
        :data:`CLAIM_HORIZON`); they are held by *claim* until *until*. Two transactions
        that claim at once never get the same notification. With *withheld*, those filed
        under a youth it holds are neither handed out nor claimed, and do not count toward
        *limit*."""

    def set_aside_count(self) -> int:
        """How many stored notifications were set aside because they do not parse."""

    def acknowledge(self, ids: Sequence[str], claim: str | None = None) -> int:
        """Remove the notifications with these ids (with *claim*, only those that claim
        holds); return how many were removed (a repeated or unknown id counts nothing). A
        store whose transactions run at once may leave one that another transaction is
        changing, rather than wait for it: it goes out again when its lease ends."""

    def notifications_for(self, key: str) -> list[Notification]:
        """The pending notifications filed under *key*, oldest first."""

    def delete_notifications(self, key: str) -> None:
        """Remove the pending notifications filed under *key*."""

    def any_signal_notifications(self) -> bool:
        """Whether the notification of any family or address signal is pending (a probe of
        the index :meth:`signal_notifications` reads, not a scan)."""

    def signal_notifications(self, signals: Collection[str]) -> list[tuple[str, Notification]]:
        """The pending notifications whose :attr:`~verwijsindex.model.Notification.signal`
        is one of *signals*, each with the key it is filed under, oldest first: a look-up by
        an index, not a scan of the outbox (decision 94)."""

    def remove_notifications(self, ids: Sequence[str]) -> None:
        """Remove the pending notifications with these ids, unsent: a change of the unit of
        work, not a delivery (where :meth:`acknowledge` may leave a notification another
        transaction holds, this waits for it)."""

    def revise_notifications(self, notifications: Sequence[Notification]) -> None:
        """Replace the message of each pending notification with one of these ids; its key,
        place in line and claim stay. An id no longer pending is skipped: a notification
        acknowledged meanwhile is never sent again."""

    def rekey_notifications(self, old: str, new: str) -> None:
        """File the pending notifications of *old* under *new*, keeping their order."""


class LogbookTransaction(Protocol):
    """The logbook of one transaction: hash-chained lanes, their sealed heads, and the
    references that tie entries to a youth's log token."""

    def log_head(self, lane: int) -> tuple[int, str] | None:
        """``(seq, hash)`` of the last entry of *lane*, or ``None``. Appending to the lane
        waits for other transactions that asked for its head until they end."""

    def log_head_seal(self, lane: int) -> str:
        """The seal stored with *lane*'s head as this transaction sees it (``""`` without
        one). Asked right after :meth:`log_head`, whose read it may answer from: a unit of
        work tells by it that another process re-keyed the store (decision 90)."""

    def append_log(
        self,
        entries: Sequence[LogEntry],
        refs: Sequence[tuple[str, str]],
        seals: Mapping[int, str] = ...,
    ) -> None:
        """Add *entries* (an id that exists already raises ``StorageError``) and set each
        lane's stored head to its last new entry, with the seal *seals* gives for the lane
        (``""`` without one); add the ``(token, entry_id)`` references *refs* (a reference
        that exists already raises ``StorageError``). A seal for a lane without new entries
        replaces that head's seal, and makes the head ``(0, "")`` of an empty lane."""

    def log_entries(self) -> Iterator[LogEntry]:
        """Every entry, ordered by lane, then sequence number; consume it in the transaction."""

    def log_heads(self) -> dict[int, tuple[int, str]]:
        """``{lane: (seq, hash)}`` for every lane that has entries."""

    def log_seals(self) -> dict[int, str]:
        """``{lane: seal}`` of every stored head: of each lane with entries, and of each
        empty lane that was sealed."""

    def log_entries_for(self, token: str) -> list[LogEntry]:
        """The entries referenced under *token*, by time (then lane and sequence number)."""

    def delete_log_refs(self, token: str) -> None:
        """Forget every reference under *token* (the entries stay)."""

    def log_audit(self) -> LogAudit:
        """Each stored youth's key, log token, ``logged`` and ``log_seal``, beside the number
        and digest of the entry ids referenced under the token; the references under no
        stored youth's token; those naming an entry that does not exist."""


class StatisticsTransaction(Protocol):
    """The counts of one transaction: how often each event happened, per month,
    municipality, age band and kind. Counts only: nothing in them names a youth."""

    def add_counts(self, items: Sequence[tuple[date, str, str, str, int]]) -> None:
        """Add each ``(month, municipality, age band, kind, n)`` to its count (a count that
        does not exist yet starts at 0)."""

    def counts(self, first: date, last: date) -> dict[tuple[date, str, str, str], int]:
        """Every count whose month lies from *first* to *last*, both included."""


class Transaction(
    DossierTransaction,
    DirectoryTransaction,
    OutboxTransaction,
    LogbookTransaction,
    StatisticsTransaction,
    Protocol,
):
    """One unit of work on a store: everything written commits together when the
    transaction's block ends, or not at all when it raises. A store raises
    :class:`~verwijsindex.errors.StorageError` for what its driver refuses (the driver's
    error as ``__cause__``) and ``CorruptRecordError`` for a stored record that does not
    parse, naming where it is but never its content."""


@runtime_checkable
class Store(Protocol):
    """A place to keep the verwijsindex."""

    def transaction(
        self, locks: Sequence[str] = (), *, snapshot: bool = False
    ) -> AbstractContextManager[Transaction]:
        """A transaction, as a context manager: committed when the block ends, rolled back
        when it raises (and the exception goes on). While it runs, no other transaction
        holds a lock on a key in *locks*. With *snapshot* it only reads, and everything it
        reads is of one moment, whatever other transactions commit meanwhile. A closed
        store raises ``StorageError``."""

    def close(self) -> None:
        """Release the store's connections; closing twice is harmless."""


class ClosingStore(Store, Protocol):
    """A store that is also a context manager, closed when the block ends: every store
    :func:`open_store` opens (``with open_store(url) as store:``)."""

    def __enter__(self) -> Self: ...

    def __exit__(self, *exc: object) -> None: ...


@runtime_checkable
class DirectoryReading(Protocol):
    """A transaction that reads several organisations and professionals at once (an
    optional capability: a store across a network saves a round trip per record)."""

    def read_directory(
        self,
        organisation_ids: Sequence[str],
        professional_ids: Sequence[str],
        *,
        log_lanes: Sequence[int] = (),
    ) -> tuple[dict[str, Organisation | None], dict[str, Professional | None]]:
        """Each of *organisation_ids* and *professional_ids* (distinct), mapped to what
        :meth:`~DirectoryTransaction.get_organisation` and
        :meth:`~DirectoryTransaction.get_professional` would return for it, this
        transaction's own writes included. The heads of *log_lanes* are read and locked
        with them, as :meth:`~LogbookTransaction.log_head` reads and locks a head; a
        later ``log_head`` of such a lane answers as it would have without the read ahead
        (the head as read, or as this transaction appended to it)."""
        ...


@runtime_checkable
class LogReadingFrom(Protocol):
    """A transaction that reads the logbook from given positions on (an optional
    capability: checking the entries after an anchor then costs those entries only)."""

    def log_entries_from(self, starts: Mapping[int, int]) -> Iterator[LogEntry]:
        """The entries of each lane from sequence number ``starts[lane]`` on (from the first
        for a lane not in *starts*), ordered by lane, then sequence number, as
        :meth:`~LogbookTransaction.log_entries` returns them; consume it in the
        transaction."""
        ...


@runtime_checkable
class Scrubbing(Protocol):
    """A store that can make deleted data unreadable from its files (an optional capability)."""

    def scrub(self) -> None:
        """Make data deleted by committed transactions unreadable from the store's files.

        Raises :class:`~verwijsindex.errors.ScrubIncompleteError` when that cannot be done
        now (the deletion itself stands); the next call tries again."""


# --- opening a store by URL -----------------------------------------------------------------------

_BACKENDS: Mapping[str, tuple[str, str]] = {
    "memory": ("verwijsindex.storage.memory", "MemoryStore"),
    "sqlite": ("verwijsindex.storage.sqlite", "SQLiteStore"),
    "postgresql": ("verwijsindex.storage.postgres", "PostgresStore"),
    "postgres": ("verwijsindex.storage.postgres", "PostgresStore"),
}
"""URL scheme to (module, class): the one table of backends, loaded when first asked for,
so importing the protocol never imports a driver."""


def _backend(scheme: str) -> Any:
    module, name = _BACKENDS[scheme]
    return getattr(importlib.import_module(module), name)


def open_store(url: str, *, create: bool = True) -> ClosingStore:
    """Open the store named by *url*: ``memory://``, ``sqlite:///path.db`` or
    ``postgresql://user@host/db``. The library never reads the environment itself.

    A SQLite file or a PostgreSQL schema without an index gets one made, unless *create*
    is false: then :class:`~verwijsindex.errors.NoIndexError`, and nothing is made (a
    nightly job whose URL is mistyped stops instead of starting an empty index). A
    ``memory://`` store never holds one before it is opened."""
    if not isinstance(url, str):
        raise ConfigurationError("a store URL must be a string")
    if not isinstance(create, bool):  # storage._sql's flag() imports this module
        raise ConfigurationError("create must be True or False")
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigurationError(
            "a store URL looks like memory://, sqlite:///path.db or postgresql://..."
        )
    scheme = scheme.lower()
    if scheme not in _BACKENDS:
        raise ConfigurationError(
            "unknown store URL scheme: use memory://, sqlite:///path.db or postgresql://..."
        )
    backend = _backend(scheme)
    if scheme == "memory":
        if not create:
            raise NoIndexError("a memory store holds no index before it is opened")
        store: ClosingStore = backend()
    elif scheme == "sqlite":
        rest, _, query = rest.partition("?")
        path = rest[1:] if rest.startswith("/") else rest
        store = backend(path or ":memory:", create=create, **_sqlite_options(query))
    else:
        try:
            base, schema = _split_schema(url)
        except ConfigurationError:
            raise
        except ValueError:  # an unclosed IPv6 bracket, a port that is no number, ...
            # The URL is not repeated: it may hold a password.
            raise ConfigurationError("not a valid PostgreSQL connection URL") from None
        if schema is None:
            store = backend(base, create=create)
        else:
            store = backend(base, schema=schema, create=create)
    return store


_SQLITE_PARAMETERS = frozenset({"synchronous"})
"""The parameters a SQLite URL may have, each a keyword argument of ``SQLiteStore``."""


def _sqlite_options(query: str) -> dict[str, str]:
    """The keyword arguments of ``SQLiteStore`` in the query of a SQLite URL; the store
    checks their values. Errors repeat neither a name nor a value: both are the caller's."""
    options: dict[str, str] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name not in _SQLITE_PARAMETERS:
            raise ConfigurationError(
                "unknown parameter in a SQLite URL: the one it takes is "
                "?synchronous=full or ?synchronous=normal"
            )
        if name in options:
            raise ConfigurationError("synchronous is given more than once in a SQLite URL")
        options[name] = value
    return options


def _split_schema(url: str) -> tuple[str, str | None]:
    """Take a ``schema=`` query parameter off a PostgreSQL URL (libpq does not know it),
    leaving every other parameter as written: re-encoding them would change what libpq
    reads (``%20`` written as ``+``, which libpq keeps as a plus)."""
    parts = urlsplit(url)
    kept: list[str] = []
    schemas: list[str] = []
    for item in parts.query.split("&") if parts.query else ():
        name, _, value = item.partition("=")
        if unquote(name) == "schema":
            schemas.append(unquote(value))
        else:
            kept.append(item)
    if not schemas:
        return url, None
    if len(schemas) > 1:
        raise ConfigurationError("a PostgreSQL URL names its schema once (?schema=...)")
    return urlunsplit(parts._replace(query="&".join(kept))), schemas[0]


def __getattr__(name: str) -> object:
    for module, cls in _BACKENDS.values():
        if cls == name:
            return getattr(importlib.import_module(module), cls)
    raise AttributeError(name)
