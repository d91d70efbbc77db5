"""Bulk import (massa-import): migrating an existing regional index in batches.

Each record is judged on its own: created, duplicate (the professional already has an
active link on the youth) or rejected with its error. Records are written in batched
transactions, each locking only its own youths.

>>> from datetime import date
>>> from verwijsindex.testing import make_index, make_professional, make_subject
>>> index = make_index()
>>> nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
>>> index.add_organisation(nurse.organisation)
>>> youth = make_subject(bsn="111222333", birth_date=date(2015, 5, 1))
>>> report = index.bulk_register([
...     ImportRecord(youth, nurse),
...     ImportRecord(youth, nurse),
...     {"subject": {"bsn": "123"}, "professional": {}},
... ])
>>> [o.status.value for o in report.outcomes]
['created', 'duplicate', 'rejected']
>>> type(report.outcomes[2].error).__name__
'InvalidBsnError'
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from typing import Any

import attrs

from verwijsindex import _validators as v
from verwijsindex._context import MAX_BATCH, Context, with_siblings
from verwijsindex.clock import check_moment
from verwijsindex.errors import (
    InvalidRecordError,
    StorageError,
    UnknownOrganisationError,
    ValidationError,
    VerwijsindexError,
)
from verwijsindex.links import Prepared, known_organisation, prepare, register_in
from verwijsindex.model import Professional, Subject
from verwijsindex.signals import LockSiblings

log = logging.getLogger("verwijsindex.import")

__all__ = [
    "ImportOutcome",
    "ImportProgress",
    "ImportRecord",
    "ImportReport",
    "ImportStatus",
    "bulk_register",
]


class ImportStatus(enum.Enum):
    CREATED = "created"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


def _optional_moment(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is None:
        return
    if not isinstance(value, datetime):
        raise InvalidRecordError(f"{attribute.name} must be a datetime or None")
    check_moment(value, attribute.name)


def _optional_day(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, date) or isinstance(value, datetime)):
        raise InvalidRecordError(f"{attribute.name} must be a date or None")


def _of(kind: type) -> Any:
    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, kind):
            raise InvalidRecordError(f"{attribute.name} must be {v.a(kind.__name__)}")

    return check


@attrs.frozen
class ImportRecord:
    """One link to import: who, about whom, and optionally when it was made and ends."""

    subject: Subject = attrs.field(validator=_of(Subject))
    professional: Professional = attrs.field(validator=_of(Professional))
    created_at: datetime | None = attrs.field(default=None, validator=_optional_moment)
    ends_on: date | None = attrs.field(default=None, validator=_optional_day)


@attrs.frozen
class ImportOutcome:
    """The outcome of one record of :meth:`VerwijsIndex.bulk_register`."""

    position: int
    status: ImportStatus
    link_id: str | None = None
    error: VerwijsindexError | None = None
    match_id: str | None = None
    """The match the record's link made or joined (or was already part of), if any."""


@attrs.frozen
class ImportReport:
    """Per-record outcomes of :meth:`VerwijsIndex.bulk_register`, in input order."""

    outcomes: tuple[ImportOutcome, ...]

    def _count(self, status: ImportStatus) -> int:
        return sum(1 for o in self.outcomes if o.status is status)

    @property
    def created(self) -> int:
        return self._count(ImportStatus.CREATED)

    @property
    def duplicates(self) -> int:
        return self._count(ImportStatus.DUPLICATE)

    @property
    def rejected(self) -> int:
        return self._count(ImportStatus.REJECTED)


@attrs.frozen
class ImportProgress:
    """How far an import is, after each batch: records read, and their outcomes so far."""

    batches: int
    records: int
    created: int
    duplicates: int
    rejected: int


Progress = Callable[[ImportProgress], object]


def bulk_register(
    ctx: Context,
    records: Iterable[ImportRecord | Mapping[str, Any]],
    *,
    batch_size: int | None = None,
    notify: bool = True,
    progress: Progress | None = None,
) -> ImportReport:
    """Import many links (a regional index migrating), in batched transactions.

    With ``notify=False`` (migration mode) a match of links imported this way alone is
    formed and logged, but no match, family or address notification is written: the old
    index told its professionals already. A match the import makes with a link registered
    in this index (which the old index never held) is told as always (decision 93).
    *progress*, when given, is called after each batch with an :class:`ImportProgress`.
    Each outcome names the match its link made or joined.

    Each record is an :class:`ImportRecord` or a dict of the same shape. A record that
    fails validation (wrong types, dates that overflow or lie out of range, time-zone
    offsets that do not exist) is rejected with its library error; the others go on.
    ``created_at`` may lie in the past (historical links); matches are judged at the
    current time. When the store fails part-way, the :class:`StorageError` carries the
    partial report of what was committed as ``error.report``; running the import again
    completes it without duplicates.

    A record with a ``created_at`` before the index's now whose professional has a link on
    the youth made at that moment and withdrawn since (as risk resolved) is a
    ``duplicate`` of that link: an import run again brings back no withdrawn link
    (decision 108). A link that ended is made again when a record gives it a later end.
    A record dated after the index's clock is made at its now, and a run again cannot
    tell it from a new one. A link withdrawn as unjustified is deleted as if it had never
    been made (JW 7.1.4.5(1)(a)), so the index cannot tell its record from a new one:
    take it out of the source. The records of one professional about one youth are taken
    in the order given, and while that professional's link is current a later record is
    a ``duplicate`` (as a repeated registration is): give them oldest first.
    """
    if isinstance(records, str | bytes | Mapping | ImportRecord) or not isinstance(
        records, Iterable
    ):
        raise InvalidRecordError("records must be a collection of ImportRecords or dicts")
    if batch_size is not None and (
        not isinstance(batch_size, int)
        or isinstance(batch_size, bool)
        or not 1 <= batch_size <= MAX_BATCH
    ):
        raise InvalidRecordError(f"batch_size must be None or a whole number from 1 to {MAX_BATCH}")
    v.flag_argument(notify, "notify")
    if progress is not None and not callable(progress):
        raise InvalidRecordError("progress must be None or a callable")
    return _bulk_register(ctx, records, batch_size, notify, progress)


def _bulk_register(
    ctx: Context,
    records: Iterable[ImportRecord | Mapping[str, Any]],
    batch_size: int | None,
    notify: bool,
    progress: Progress | None,
) -> ImportReport:
    size = batch_size or ctx.batch_size
    done: list[ImportOutcome] = []
    pending: list[tuple[int, Prepared]] = []
    batches = 0
    read = 0
    reported = 0

    def run_batch() -> None:
        nonlocal batches, reported
        if pending:
            try:
                done.extend(_run_batch(ctx, pending, notify))
            except StorageError as error:
                # What was committed before stays; the caller re-runs the import to complete
                # it (the records already imported come back as duplicates).
                error.report = ImportReport(tuple(sorted(done, key=_position)))
                raise
            pending.clear()
        batches += 1
        reported = read
        report = ImportReport(tuple(done))
        counts = ImportProgress(batches, read, report.created, report.duplicates, report.rejected)
        log.info(
            "import batch %d: %d records read, %d created, %d duplicates, %d rejected",
            *attrs.astuple(counts),
        )
        if progress is not None:
            progress(counts)

    for position, raw in enumerate(records):
        read = position + 1
        try:
            record = _record(raw)
            prep = prepare(
                ctx, record.subject, record.professional, record.ends_on, record.created_at
            )
        except VerwijsindexError as error:
            done.append(ImportOutcome(position, ImportStatus.REJECTED, error=error))
            continue
        pending.append((position, prep))
        if len(pending) >= size:
            run_batch()
    if pending or not batches or read != reported:
        run_batch()  # the last records (or rejections since the last batch) reported too
    return ImportReport(tuple(sorted(done, key=_position)))


def _position(outcome: ImportOutcome) -> int:
    return outcome.position


def _record(raw: ImportRecord | Mapping[str, Any]) -> ImportRecord:
    """*raw* as a checked :class:`ImportRecord`: a malformed one raises a library error."""
    from verwijsindex.serialization import structure

    record = raw if isinstance(raw, ImportRecord) else structure(raw, ImportRecord)
    attrs.validate(record)
    return record


def _run_batch(
    ctx: Context, pending: list[tuple[int, Prepared]], notify: bool
) -> list[ImportOutcome]:
    """One batch in one transaction; tried again with the siblings' locks when family
    signals need them (:func:`verwijsindex._context.with_siblings`)."""
    locks = {k for _, prep in pending for k in prep.locks}
    return with_siblings(lambda held: _write_batch(ctx, pending, held, notify), locks)


def _write_batch(
    ctx: Context, pending: list[tuple[int, Prepared]], locks: tuple[str, ...], notify: bool
) -> list[ImportOutcome]:
    outcomes: list[ImportOutcome] = []
    wanted: frozenset[str] = frozenset()
    with ctx.work(locks) as work:
        # Every youth the batch's family or address signals could concern, locked before
        # any work: a batch that learnt them one signal at a time would run many times.
        held = frozenset(locks)
        for _, prep in pending:
            parents = set(prep.parents)
            stored = work.load(prep.key)
            if ctx.rules.family_match and stored is not None:
                # the parents registered before, which the record may not name (decision 76)
                parents.update(stored.subject.parent_keys)
                wanted |= parents
            for parent in parents:
                wanted |= set(work.keys_for_parent(parent))
            if prep.address_key is not None:
                wanted |= set(work.keys_for_address(prep.address_key))
        wanted -= held
        if wanted:
            raise LockSiblings(wanted)
        # The directory the batch may need, in one read where the store can: each record's
        # professional and organisation, and those of the links already on its youth.
        links = [
            link
            for _, prep in pending
            if (d := work.load(prep.key)) is not None
            for link in d.links
        ]
        work.prefetch(
            (
                *(prep.professional.organisation.id for _, prep in pending),
                *(k.organisation for k in links),
            ),
            (*(prep.professional.id for _, prep in pending), *(k.professional for k in links)),
        )
        for position, prep in pending:
            try:
                organisation = known_organisation(work, prep.professional)
                registration = register_in(ctx, work, prep, organisation, locks, notify=notify)
            except (ValidationError, UnknownOrganisationError) as error:
                outcomes.append(ImportOutcome(position, ImportStatus.REJECTED, error=error))
                continue
            except LockSiblings as more:
                # The batch will run again with these locks; go on only to learn the
                # siblings every other record needs, so that it runs again once.
                wanted |= more.keys
                continue
            status = ImportStatus.CREATED if registration.created else ImportStatus.DUPLICATE
            match_id = registration.match.id if registration.match is not None else None
            outcomes.append(
                ImportOutcome(position, status, link_id=registration.link.id, match_id=match_id)
            )
        if wanted:
            raise LockSiblings(wanted)  # rolls the batch back
    return outcomes
