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
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

import attrs

from verwijsindex._collector import paused
from verwijsindex._unit import UnitOfWork
from verwijsindex.clock import ensure_aware, local_date
from verwijsindex.errors import (
    InvalidRecordError,
    UnknownOrganisationError,
    ValidationError,
    VerwijsindexError,
)
from verwijsindex.matching import check_registrable
from verwijsindex.model import Organisation, Professional, Subject
from verwijsindex.pseudonyms import lane_of
from verwijsindex.storage import LOG_LANES

if TYPE_CHECKING:
    from verwijsindex.index import VerwijsIndex, _Prepared

__all__ = ["ImportOutcome", "ImportRecord", "ImportReport", "ImportStatus", "bulk_register"]


class ImportStatus(enum.Enum):
    CREATED = "created"
    DUPLICATE = "duplicate"
    REJECTED = "rejected"


@attrs.frozen
class ImportRecord:
    """One link to import: who, about whom, and optionally when it was made and ends."""

    subject: Subject
    professional: Professional
    created_at: datetime | None = None
    ends_on: date | None = None


@attrs.frozen
class ImportOutcome:
    """The outcome of one record of :meth:`VerwijsIndex.bulk_register`."""

    position: int
    status: ImportStatus
    link_id: str | None = None
    error: VerwijsindexError | None = None


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


def bulk_register(
    index: VerwijsIndex,
    records: Iterable[ImportRecord | Mapping[str, Any]],
    *,
    batch_size: int | None = None,
) -> ImportReport:
    """Import many links (a regional index migrating), in batched transactions.

    Each record is an :class:`ImportRecord` or a dict of the same shape. A record that
    fails validation is rejected with its error; the others go on. ``created_at`` may
    lie in the past (historical links); matches are judged at the current time. The cyclic
    garbage collector is paused meanwhile (see :mod:`verwijsindex._collector`).
    """
    with paused():
        return _bulk_register(index, records, batch_size)


def _bulk_register(
    index: VerwijsIndex,
    records: Iterable[ImportRecord | Mapping[str, Any]],
    batch_size: int | None,
) -> ImportReport:
    from verwijsindex.serialization import structure

    size = batch_size or index.batch_size
    now = index._now()
    outcomes: list[ImportOutcome] = []
    pending: list[tuple[int, _Prepared]] = []

    def run_batch() -> None:
        if not pending:
            return
        locks = sorted({k for _, prep in pending for k in prep.locks})
        with index.store.transaction(locks) as tx:
            work = UnitOfWork(tx, lane_of(locks, LOG_LANES))
            organisations: dict[str, Organisation | None] = {}
            for position, prep in pending:
                org_id = prep.professional.organisation.id
                if org_id not in organisations:
                    organisations[org_id] = tx.get_organisation(org_id)
                organisation = organisations[org_id]
                if organisation is None:
                    error = UnknownOrganisationError(
                        f"organisation {org_id!r} has not signed the agreement of this index"
                    )
                    outcomes.append(ImportOutcome(position, ImportStatus.REJECTED, error=error))
                    continue
                try:
                    registration = index._register_in(tx, work, prep, organisation, now)
                except ValidationError as error:
                    outcomes.append(ImportOutcome(position, ImportStatus.REJECTED, error=error))
                    continue
                status = ImportStatus.CREATED if registration.created else ImportStatus.DUPLICATE
                outcomes.append(ImportOutcome(position, status, link_id=registration.link.id))
            work.flush()
        pending.clear()

    for position, raw in enumerate(records):
        try:
            record = raw if isinstance(raw, ImportRecord) else structure(raw, ImportRecord)
            created_at = ensure_aware(record.created_at, "created_at") if record.created_at else now
            if created_at > now:
                raise InvalidRecordError("created_at lies in the future")
            prep = index._prepare(record.subject, record.professional, created_at, record.ends_on)
            if created_at < now:
                check_registrable(record.subject, now, index.rules)
                if prep.ends_on <= local_date(now):
                    raise InvalidRecordError("the link ended before the import; nothing to keep")
        except VerwijsindexError as error:
            outcomes.append(ImportOutcome(position, ImportStatus.REJECTED, error=error))
            continue
        pending.append((position, prep))
        if len(pending) >= size:
            run_batch()
    run_batch()
    return ImportReport(tuple(sorted(outcomes, key=lambda o: o.position)))
