"""What the SQLite and PostgreSQL stores share: decoding stored records (one corrupt-record
error), the log audit, and the step that brings a version-1 logbook to version 2.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from datetime import date
from typing import Any, Final, TypeVar

from verwijsindex.dossier import MatchOfYouth
from verwijsindex.errors import ConfigurationError, CorruptRecordError, ValidationError
from verwijsindex.logbook import Draft, chain, refs_digest
from verwijsindex.model import LogEntry, Notification, Organisation, Professional
from verwijsindex.pseudonyms import entry_ref, log_token, seal_id, seal_link_id
from verwijsindex.serialization import from_json
from verwijsindex.serialization._codec import match_of_youth_from_dossier_json
from verwijsindex.storage import Dossier, LogAudit

__all__ = [
    "audit",
    "corrupt",
    "decode",
    "decode_directory",
    "decode_match",
    "lifetime_of",
    "recipient_of",
    "reseal_log",
    "seconds",
    "secrets_by_token",
]

T = TypeVar("T")
D = TypeVar("D", Organisation, Professional)


def corrupt(table: str, row: object) -> CorruptRecordError:
    """The error for a stored record that does not parse: where it is, never its content."""
    return CorruptRecordError(f"table {table!r}, row {row!r}: the stored record does not parse")


def decode(text: object, cls: type[T], table: str, row: object) -> T:
    """Parse a stored JSON record, or raise :class:`CorruptRecordError` naming where it is."""
    try:
        if not isinstance(text, str):
            raise ValidationError()
        return from_json(text, cls)
    except ValidationError:
        raise corrupt(table, row) from None


DIRECTORY_RECORDS: Final = 4096
"""Organisations and professionals kept decoded, by their stored text (see
:func:`decode_directory`)."""


def _kept(cls: type[D]) -> Callable[[str], D]:
    @functools.lru_cache(maxsize=DIRECTORY_RECORDS)
    def decoded(text: str) -> D:
        return from_json(text, cls)

    return decoded


_DIRECTORY: Final[dict[type, Callable[[str], Any]]] = {
    Organisation: _kept(Organisation),
    Professional: _kept(Professional),
}


def decode_directory(text: object, cls: type[D], table: str, row: object) -> D:
    """:func:`decode` for an organisation or a professional, kept by its stored text.

    A registration reads the organisations and professionals it involves, the same few
    hundred records again and again: one decoded from the same text is the same frozen
    record, so it is built once. The text is still read from the store every time, so
    what was changed since is what is returned; a record that does not parse is not
    kept and fails every time it is read."""
    try:
        if not isinstance(text, str):
            raise ValidationError()
        found: D = _DIRECTORY[cls](text)
        return found
    except ValidationError:
        raise corrupt(table, row) from None


def decode_match(text: object, key: str) -> MatchOfYouth | None:
    """The match of a stored dossier with its youth's birth date and day of death, or
    :class:`CorruptRecordError`."""
    try:
        if not isinstance(text, str):
            raise ValidationError()
        found = match_of_youth_from_dossier_json(text)
    except ValidationError:
        raise corrupt("dossiers", key) from None
    return None if found is None else MatchOfYouth(*found)


def audit(
    youths: Iterable[Sequence[Any]], refs: Iterable[Sequence[Any]], dangling: int
) -> LogAudit:
    """A :class:`LogAudit` from the rows ``(key, log_token, logged, log_seal)`` of the
    dossiers and ``(token, entry_id)`` of the references."""
    by_token: dict[str, list[str]] = {}
    for token, entry_id in refs:
        by_token.setdefault(token, []).append(entry_id)
    found = []
    tokens = set()
    for key, token, logged, seal in youths:
        tokens.add(token)
        ids = by_token.get(token, [])
        found.append((key, token, logged, seal, len(ids), refs_digest(ids)))
    orphans = sum(len(ids) for token, ids in by_token.items() if token not in tokens)
    return LogAudit(youths=tuple(found), orphans=orphans, dangling=dangling)


def reseal_log(
    lanes: dict[int, list[LogEntry]],
    secrets: dict[str, str],
    refs: Iterable[Sequence[Any]],
) -> dict[int, list[LogEntry]]:
    """Version 1 of the logbook kept a youth's link and match ids in plain text. For version
    2 (decision 32) each entry about a stored youth gets them sealed under the youth's
    secret, an entry about a youth who is gone (a reference without a youth: deleted under
    version 1) loses them, and each lane is chained anew. No anchor can exist before
    version 2, so rewriting the chains hides nothing."""
    secret_of_entry: dict[str, str] = {}
    for token, entry_id in refs:
        secret = secrets.get(token)
        if secret is not None:
            secret_of_entry[entry_id] = secret
    out: dict[int, list[LogEntry]] = {}
    for lane, entries in lanes.items():
        drafts = []
        for e in entries:
            link_id, match_id = e.link_id, e.match_id
            if e.subject_ref is not None and (link_id is not None or match_id is not None):
                secret = secret_of_entry.get(e.id)
                if secret is None or entry_ref(secret, e.id) != e.subject_ref:
                    link_id = match_id = None
                else:
                    link_id = None if link_id is None else seal_link_id(secret, e.id, link_id)
                    match_id = None if match_id is None else seal_id(secret, e.id, match_id)
            drafts.append(
                Draft(e.at, e.actor, e.action, e.subject_ref, link_id, match_id, e.count, e.id)
            )
        out[lane] = chain(None, drafts, lane=lane, trusted=True)
    return out


def secrets_by_token(dossiers: Iterable[Dossier]) -> dict[str, str]:
    """Each dossier's log token and secret."""
    return {log_token(d.subject.log_secret): d.subject.log_secret for d in dossiers}


INDEX_TABLES: Final = frozenset({"schema_version", "dossiers", "outbox", "log_entries"})
"""Tables every index has had since schema version 1, on SQLite and PostgreSQL: a database
or schema without all of them holds no index (another program's may have a
``schema_version`` table of its own)."""


def flag(value: object, name: str) -> bool:
    """*value* if it is ``True`` or ``False``; otherwise a :class:`ConfigurationError`
    naming *name*."""
    if not isinstance(value, bool):
        raise ConfigurationError(f"{name} must be True or False")
    return value


def seconds(value: object, name: str) -> float:
    """*value* if it is a number of seconds a store may wait: finite, above zero, at most
    a day (never a ``bool``); otherwise a :class:`ConfigurationError` naming *name*."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0 < value <= 86_400  # NaN fails this too
    ):
        raise ConfigurationError(f"{name} must be a number of seconds above 0, at most a day")
    return float(value)


def signal_of(data: str) -> str | None:
    """The family or address signal a stored notification is one of (``None`` for any
    other, and for a row that does not parse)."""
    try:
        return from_json(data, Notification).signal
    except (ValidationError, TypeError, ValueError):
        return None


def lifetime_of(data: str) -> tuple[date | None, date | None]:
    """The youth's birth date and day of death in a stored dossier, for a migration to fill
    the columns beside it; ``(None, None)`` for a row that does not parse (it withholds
    nothing, and every read of it reports it)."""
    try:
        dossier = from_json(data, Dossier)
    except (ValidationError, TypeError, ValueError):
        return None, None
    return dossier.subject.birth_date, dossier.subject.died_on


def recipient_of(data: str) -> str | None:
    """The recipient of a stored notification, or ``None`` when the row does not parse as
    one (the row is then set aside: never handed out, never in the way of the others)."""
    try:
        return from_json(data, Notification).recipient
    except (ValidationError, TypeError, ValueError):
        return None
