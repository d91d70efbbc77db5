"""Storage (opslag): the small protocol every store implements, and ``open_store``.

The index keeps each youth's data as one *dossier*: the general data (without the BSN),
the links, the current match, who has been told what. A store persists dossiers keyed
by the youth's storage pseudonym, keeps a few look-up indexes derived from them, the
outbox and the logbook, and gives transactions that lock the dossiers they name.

A store is anything that has the methods of :class:`Store` and :class:`Transaction`; no
base class is needed. Three ship with the library:

>>> store = open_store("memory://")
>>> type(store).__name__
'MemoryStore'
>>> open_store("ftp://example.org/db")
Traceback (most recent call last):
    ...
verwijsindex.errors.ConfigurationError: unknown store URL scheme 'ftp': use memory://, ...

``sqlite:///verwijsindex.db`` opens a file relative to the working directory,
``sqlite:////abs/path.db`` an absolute one, ``sqlite://`` or ``sqlite:///:memory:`` an
in-memory database. A PostgreSQL URL may name the schema to use with ``?schema=name``
(default ``verwijsindex``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import TYPE_CHECKING, Protocol, runtime_checkable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import attrs

from verwijsindex.errors import ConfigurationError, InvalidRecordError
from verwijsindex.model import (
    Address,
    Gender,
    Link,
    LogEntry,
    Match,
    Notification,
    Organisation,
    Professional,
    Recipient,
)

if TYPE_CHECKING:
    from verwijsindex.storage.memory import MemoryStore
    from verwijsindex.storage.postgres import PostgresStore
    from verwijsindex.storage.sqlite import SQLiteStore

__all__ = [
    "Dossier",
    "IndexTerms",
    "InformationDuty",
    "InformationRecord",
    "LogAudit",
    "MemoryStore",
    "PostgresStore",
    "SQLiteStore",
    "Scrubbing",
    "Store",
    "SubjectRecord",
    "Transaction",
    "index_terms",
    "open_store",
]

LOG_LANES = 16
"""The logbook is kept as this many independent hash chains, so writers on different
youths do not wait for one chain head. A transaction writes all its entries to one lane."""


def _hex_secret(_: object, attribute: attrs.Attribute[str], value: object) -> None:
    if not (
        isinstance(value, str) and len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    ):
        raise InvalidRecordError(f"{attribute.name} must be 64 lower-case hex digits")


@attrs.frozen
class SubjectRecord:
    """What is stored about a youth: the general data and keys, never the BSN.

    ``key`` is the storage pseudonym (HMAC of the BSN), ``key_id`` names the key that
    made it, ``parent_keys`` are the parents' pseudonyms, ``log_secret`` is the per-youth
    secret from which logbook tokens derive (destroyed on erasure).
    """

    key: str
    key_id: str
    name: str
    gender: Gender
    birth_date: date
    address: Address
    log_secret: str = attrs.field(validator=_hex_secret)
    parent_keys: tuple[str, ...] = ()
    died_on: date | None = None


@attrs.frozen
class InformationDuty:
    """Who must be informed of a link, and by when (JW 7.1.5.1, AVG 14(3))."""

    link_id: str
    recipients: frozenset[Recipient]
    inform_by: date


@attrs.frozen
class InformationRecord:
    """Who was informed of a link, when, recorded by whom."""

    link_id: str
    recipients: frozenset[Recipient]
    informed_at: datetime
    recorded_by: str


@attrs.frozen
class Dossier:
    """Everything stored about one youth, saved and loaded as a unit under a lock.

    ``sweep_due`` is the first day a sweep has work on this dossier; ``information_due``
    the first day an information duty becomes overdue. The index computes both.

    ``changed_at`` is the latest moment stamped on the dossier: every change is stamped
    no earlier, whatever the clock of the host making it says. ``logged`` counts the
    logbook entries that refer to the youth, and ``log_seal`` seals that count under the
    application's key, so references cannot be removed unseen.
    """

    subject: SubjectRecord
    links: tuple[Link, ...] = ()
    match: Match | None = None
    hinted: frozenset[str] = frozenset()
    duties: tuple[InformationDuty, ...] = ()
    informed: tuple[InformationRecord, ...] = ()
    sweep_due: date | None = None
    information_due: date | None = None
    changed_at: datetime | None = None
    logged: int = 0
    log_seal: str | None = None

    @property
    def key(self) -> str:
        return self.subject.key


@attrs.frozen
class IndexTerms:
    """The look-up terms a store keeps for a dossier; derive them with :func:`index_terms`."""

    link_ids: tuple[str, ...]
    match_ids: tuple[str, ...]
    professional_ids: tuple[str, ...]
    parent_keys: tuple[str, ...]


def index_terms(dossier: Dossier) -> IndexTerms:
    """The look-up terms of *dossier*, the same for every store."""
    return IndexTerms(
        link_ids=tuple(link.id for link in dossier.links),
        match_ids=(dossier.match.id,) if dossier.match is not None else (),
        professional_ids=tuple(sorted({link.professional for link in dossier.links})),
        parent_keys=tuple(sorted(set(dossier.subject.parent_keys))),
    )


@attrs.frozen
class LogAudit:
    """What :meth:`Transaction.log_audit` reports: for each stored youth, their key and log
    token, the sealed count of references the dossier records and the references found;
    the references whose token belongs to no stored youth (``orphans``) and those naming
    an entry that does not exist (``dangling``)."""

    youths: tuple[tuple[str, str, int, str | None, int], ...]
    orphans: int
    dangling: int


class Transaction(Protocol):
    """One unit of work. Everything written commits together or not at all."""

    # dossiers
    def load(self, key: str) -> Dossier | None: ...
    def save(self, dossier: Dossier) -> None: ...
    def delete(self, key: str) -> None: ...
    def key_for_link(self, link_id: str) -> str | None: ...
    def key_for_match(self, match_id: str) -> str | None: ...
    def keys_for_professional(self, professional_id: str) -> list[str]: ...
    def matches_for_professional(self, professional_id: str) -> list[Match]: ...
    def keys_for_parent(self, parent_key: str) -> list[str]: ...
    def keys_sweep_due(self, on: date, limit: int) -> list[str]: ...
    def keys_information_due(self, before: date, limit: int) -> list[str]: ...
    def keys(self, after: str | None, limit: int) -> list[str]: ...

    # organisations and professionals
    def get_organisation(self, organisation_id: str) -> Organisation | None: ...
    def put_organisation(self, organisation: Organisation) -> None: ...
    def get_professional(self, professional_id: str) -> Professional | None: ...
    def put_professional(self, professional: Professional) -> None: ...
    def professionals_of(self, organisation_id: str) -> list[Professional]: ...

    # outbox
    def add_notifications(self, items: Sequence[tuple[str, Notification]]) -> None: ...
    def pending_notifications(self, limit: int | None) -> list[Notification]: ...
    def notifications_for(self, key: str) -> list[Notification]: ...
    def acknowledge(self, ids: Sequence[str]) -> int: ...
    def delete_notifications(self, key: str) -> None: ...
    def rekey_notifications(self, old: str, new: str) -> None: ...

    # logbook
    def log_head(self, lane: int) -> tuple[int, str] | None: ...
    def append_log(
        self,
        entries: Sequence[LogEntry],
        refs: Sequence[tuple[str, str]],
        seals: Mapping[int, str] = ...,
    ) -> None: ...
    def log_entries(self) -> Iterator[LogEntry]: ...
    def log_heads(self) -> dict[int, tuple[int, str]]: ...
    def log_seals(self) -> dict[int, str]: ...
    def log_entries_for(self, token: str) -> list[LogEntry]: ...
    def delete_log_refs(self, token: str) -> None: ...
    def log_audit(self) -> LogAudit: ...

    # keys
    def key_checks(self) -> dict[str, str]: ...
    def add_key_check(self, key_id: str, check: str) -> None: ...


@runtime_checkable
class Store(Protocol):
    """A place to keep the verwijsindex. See the module docstring for the contract."""

    def transaction(self, locks: Sequence[str] = ()) -> AbstractContextManager[Transaction]: ...

    def close(self) -> None: ...


@runtime_checkable
class Scrubbing(Protocol):
    """A store that can make deleted data unreadable from its files (an optional capability)."""

    def scrub(self) -> None:
        """Make data deleted by committed transactions unreadable from the store's files.

        Raises :class:`~verwijsindex.errors.ScrubIncompleteError` when that cannot be done
        now (the deletion itself stands); the next call tries again."""


def open_store(url: str) -> Store:
    """Open the store named by *url*: ``memory://``, ``sqlite:///path.db`` or
    ``postgresql://user@host/db``. The library never reads the environment itself."""
    if not isinstance(url, str):
        raise ConfigurationError("a store URL must be a string")
    scheme, sep, rest = url.partition("://")
    if not sep:
        raise ConfigurationError(
            "a store URL looks like memory://, sqlite:///path.db or postgresql://..."
        )
    scheme = scheme.lower()
    if scheme == "memory":
        from verwijsindex.storage.memory import MemoryStore

        return MemoryStore()
    if scheme == "sqlite":
        from verwijsindex.storage.sqlite import SQLiteStore

        path = rest[1:] if rest.startswith("/") else rest
        return SQLiteStore(path or ":memory:")
    if scheme in {"postgresql", "postgres"}:
        from verwijsindex.storage.postgres import PostgresStore

        base, schema = _split_schema(url)
        return PostgresStore(base) if schema is None else PostgresStore(base, schema=schema)
    raise ConfigurationError(
        f"unknown store URL scheme {scheme!r}: use memory://, sqlite:///path.db or postgresql://..."
    )


def _split_schema(url: str) -> tuple[str, str | None]:
    """Take a ``schema=`` query parameter off a PostgreSQL URL (libpq does not know it)."""
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    schemas = [value for name, value in query if name == "schema"]
    if not schemas:
        return url, None
    rest = urlencode([(name, value) for name, value in query if name != "schema"])
    return urlunsplit(parts._replace(query=rest)), schemas[-1]


def __getattr__(name: str) -> object:
    # The backends load lazily, so importing the protocol never imports a driver.
    if name == "MemoryStore":
        from verwijsindex.storage.memory import MemoryStore

        return MemoryStore
    if name == "SQLiteStore":
        from verwijsindex.storage.sqlite import SQLiteStore

        return SQLiteStore
    if name == "PostgresStore":
        from verwijsindex.storage.postgres import PostgresStore

        return PostgresStore
    raise AttributeError(name)
