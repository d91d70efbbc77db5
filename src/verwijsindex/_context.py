"""The context (context): what every operation needs, as one value below the operations.

:class:`VerwijsIndex <verwijsindex.index.VerwijsIndex>` builds one :class:`Context` and
hands it to each operation; no operation imports the facade (ARCHITECTURE.md). The context
is frozen: re-keying makes a new one with the new keyring, and the facade swaps it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import attrs

from verwijsindex._unit import UnitOfWork
from verwijsindex.clock import Clock, ensure_aware
from verwijsindex.dossier import Dossier
from verwijsindex.errors import AccessDeniedError, InvalidRecordError, NotFoundError
from verwijsindex.matching import MatchRule, Rules
from verwijsindex.model import Bsn, LogAction, Professional
from verwijsindex.pseudonyms import Keyring, lane_of
from verwijsindex.regions import Region, Regions
from verwijsindex.roles import Actor, FollowUpChecker, OrganisationCoordinator, RightsOfficer
from verwijsindex.roles import actor_name as name_of
from verwijsindex.storage import LOG_LANES, Scrubbing, Store, Transaction

__all__ = ["Context", "actor", "professional_id"]


def actor(professional_id: str) -> str:
    """How a professional appears in the logbook."""
    return f"professional:{professional_id}"


def professional_id(value: Professional | str) -> str:
    """The id of a professional given as a value or an id."""
    if isinstance(value, Professional):
        return value.id
    if isinstance(value, str) and value:
        return value
    raise InvalidRecordError("a professional is a Professional or its id")


@attrs.frozen
class Context:
    """The store, the keys, the clock and the rules an index works with."""

    store: Store
    keyring: Keyring
    clock: Clock
    rules: Rules
    regions: Regions
    match_rule: MatchRule
    batch_size: int
    _regions_by_code: dict[str, Region] = attrs.field(factory=dict, eq=False, repr=False)

    # -- time, places, pseudonyms ------------------------------------------------------------------

    def now(self) -> datetime:
        """The clock, checked to be aware. A change is stamped under its lock instead
        (:meth:`UnitOfWork.stamp`); this is for what reads or judges only."""
        return ensure_aware(self.clock(), "clock()")

    def region_of(self, municipality_code: str) -> Region:
        """The region of a municipality (raises ``UnknownMunicipalityError``)."""
        region = self._regions_by_code.get(municipality_code)
        if region is None:
            region = self.regions.region_of_municipality(municipality_code)
            self._regions_by_code[municipality_code] = region
        return region

    def pseudonym(self, bsn: Bsn) -> str:
        """The storage key of the youth with *bsn*."""
        return self.keyring.pseudonym(bsn)

    # -- units of work -----------------------------------------------------------------------------

    def unit(self, tx: Transaction, locks: Sequence[str]) -> UnitOfWork:
        """A unit of work on *tx*, logging to the lane of *locks*."""
        return UnitOfWork(
            tx, lane_of(locks, LOG_LANES), clock=self.clock, keyring=self.keyring, rules=self.rules
        )

    @contextmanager
    def work(self, locks: Sequence[str] = (), *, scrub: bool = True) -> Iterator[UnitOfWork]:
        """A transaction holding *locks*, with its unit of work, flushed when the block ends
        without an error (and nothing written when it raises). When the unit deleted or
        replaced personal data, the store scrubs its files after the commit (unless
        *scrub* is false: the caller scrubs once after many units)."""
        with self.store.transaction(locks) as tx:
            unit = self.unit(tx, locks)
            yield unit
            unit.flush()
        if scrub and unit.scrub:
            self.scrub()

    def keep(self, work: UnitOfWork, dossier: Dossier, *, replaces: bool = False) -> bool:
        """Save *dossier*, or delete it when no link is left: JW 7.1.4.3 allows the general
        data only as part of a link, so it goes with the last one. Returns whether it was
        kept."""
        if dossier.links:
            work.save(dossier, replaces=replaces)
            return True
        work.delete(dossier)
        return False

    def scrub(self) -> None:
        """Make data deleted by the last transaction unreadable from the store's files
        (decision 35), on a store that can."""
        if isinstance(self.store, Scrubbing):
            self.store.scrub()

    # -- who may do what ---------------------------------------------------------------------------

    def deny(
        self,
        who: object,
        message: str,
        *,
        key: str | None = None,
        link_id: str | None = None,
        match_id: str | None = None,
    ) -> AccessDeniedError:
        """Log a refused attempt in a transaction of its own; return the error to raise."""
        locks = [key] if key is not None else []
        with self.work(locks) as work:
            dossier = work.load(key) if key is not None else None
            work.log(
                work.stamp(dossier),
                name_of(who),
                LogAction.DENIED,
                about=dossier,
                link_id=link_id if dossier is not None else None,
                match_id=match_id if dossier is not None else None,
            )
        return AccessDeniedError(message)

    def professional(
        self,
        who: Actor | str,
        *,
        key: str | None = None,
        link_id: str | None = None,
        match_id: str | None = None,
    ) -> str:
        """The professional id of *who*; any other role is refused and logged."""
        if isinstance(who, OrganisationCoordinator | FollowUpChecker | RightsOfficer):
            raise self.deny(
                who, "only a professional may do this", key=key, link_id=link_id, match_id=match_id
            )
        return professional_id(who)

    # -- look-ups by id ----------------------------------------------------------------------------

    def key_for_link(self, link_id: str) -> str:
        """The pseudonym of the youth that link *link_id* belongs to."""
        return self._key_by("link", link_id, lambda tx, id: tx.key_for_link(id))

    def key_for_match(self, match_id: str) -> str:
        """The pseudonym of the youth that match *match_id* belongs to."""
        return self._key_by("match", match_id, lambda tx, id: tx.key_for_match(id))

    def _key_by(self, kind: str, id: str, find: Callable[[Transaction, str], str | None]) -> str:
        if not isinstance(id, str):
            raise InvalidRecordError(f"a {kind} id is a string")
        with self.store.transaction() as tx:
            key = find(tx, id)
        if key is None:
            raise NotFoundError(kind=kind, id=id)
        return key
