"""The context (context): what every operation needs, as one value below the operations.

:class:`VerwijsIndex <verwijsindex.index.VerwijsIndex>` builds one :class:`Context` and
hands it to each operation; no operation imports the facade (ARCHITECTURE.md). The context
is frozen: re-keying makes a new one with the new keyring, and the facade swaps it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from types import TracebackType
from typing import TypeVar

import attrs

from verwijsindex import _validators as v
from verwijsindex._unit import LockSiblings, UnitOfWork, actor
from verwijsindex.clock import Clock, check_moment
from verwijsindex.dossier import Dossier, SubjectRecord
from verwijsindex.errors import (
    AccessDeniedError,
    ConfigurationError,
    InvalidRecordError,
    NotFoundError,
    UnknownMunicipalityError,
)
from verwijsindex.matching import MatchRule, Rules
from verwijsindex.model import Address, Bsn, LogAction, Organisation, Professional
from verwijsindex.pseudonyms import Keyring, lane_of
from verwijsindex.regions import Region, Regions
from verwijsindex.roles import (
    Actor,
    RegionCoordinator,
    checked_actor,
)
from verwijsindex.roles import actor_name as name_of
from verwijsindex.service_number import ServiceNumber
from verwijsindex.storage import DEFAULT_BATCH, LOG_LANES, Scrubbing, Store, Transaction

__all__ = ["MAX_BATCH", "Context", "actor", "professional_id", "with_siblings"]

MAX_BATCH = 100_000
"""The most youths one transaction of the sweep, re-keying or an import may hold."""

T = TypeVar("T")

UNKNOWN_REGION = "?"
"""How a refused coordinator of a region this index does not know is logged."""


def with_siblings(run: Callable[[tuple[str, ...]], T], locks: Iterable[str]) -> T:
    """``run(locks)``, and again with more locks each time it raises
    :class:`~verwijsindex._unit.LockSiblings` (a family signal about siblings it did not
    lock, or a deletion that takes a youth out of one: decision 94). The locks grow each
    time and are bounded by the stored youths, so this ends."""
    held = frozenset(locks)
    while True:
        try:
            return run(tuple(sorted(held)))
        except LockSiblings as more:
            if more.keys <= held:  # pragma: no cover - the signal asks only for new locks
                raise
            held |= more.keys


def professional_id(value: Professional | str) -> str:
    """The id of a professional given as a value or an id."""
    if isinstance(value, Professional):
        return v.model_argument(value, Professional, "professional").id
    if isinstance(value, str):
        return v.id_argument(value, "professional")
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
    excluded_addresses: frozenset[str] = frozenset()
    _regions_by_code: dict[str, Region] = attrs.field(factory=dict, eq=False, repr=False)
    _current_codes: dict[str, str] = attrs.field(factory=dict, eq=False, repr=False)
    unfinished_rekey: list[str] = attrs.field(factory=list, eq=False, repr=False)
    """The ids of keys a re-key was moving records to, unfinished when this index opened:
    until it ends, a unit of work is refused (decision 86)."""

    @classmethod
    def checked(
        cls,
        *,
        store: object,
        keyring: Keyring,
        clock: object,
        rules: object,
        regions: object,
        match_rule: object,
        batch_size: object,
        excluded_addresses: object = (),
    ) -> Context:
        """A context from the arguments of ``VerwijsIndex(...)``, each checked for its type
        (``ConfigurationError`` naming the argument, never its value)."""
        if not isinstance(store, Store):
            raise ConfigurationError("store must be a Store, e.g. open_store(url)")
        if not callable(clock):
            raise ConfigurationError("clock must be callable, returning an aware datetime")
        if not isinstance(rules, Rules):
            raise ConfigurationError("rules must be a Rules value")
        if not isinstance(regions, Regions):
            raise ConfigurationError("regions must be a Regions value, e.g. load_regions(...)")
        if not isinstance(match_rule, MatchRule):
            raise ConfigurationError("match_rule must be a MatchRule")
        named = "batch_size"
        if batch_size is None:  # the store's own, where it names one
            named = "the store's preferred_batch"
            batch_size = getattr(store, "preferred_batch", DEFAULT_BATCH)
        if (
            not isinstance(batch_size, int)
            or isinstance(batch_size, bool)
            or not 1 <= batch_size <= MAX_BATCH
        ):
            raise ConfigurationError(f"{named} must be a whole number from 1 to {MAX_BATCH}")
        if isinstance(excluded_addresses, str | bytes) or not isinstance(
            excluded_addresses, Iterable
        ):
            raise ConfigurationError("excluded_addresses must be a collection of Address values")
        excluded = tuple(excluded_addresses)
        if not all(isinstance(a, Address) for a in excluded):
            raise ConfigurationError("excluded_addresses must be a collection of Address values")
        dwellings = frozenset(a.dwelling for a in excluded)
        return cls(store, keyring, clock, rules, regions, match_rule, batch_size, dwellings)

    def address_key(self, address: Address, stored: SubjectRecord | None = None) -> str | None:
        """The pseudonym of the youth's dwelling for the address match, or ``None`` for an
        institution on the exclusion list. While address matches are off the index makes
        no key, and keeps the one of the youth's *stored* record for the same dwelling: a
        worker run with them off (the command line's import, one left on old settings)
        does not take the youth out of a dwelling that an index with them on judges
        (decision 123)."""
        if not self.rules.address_match:
            if (
                stored is not None
                and stored.address_key is not None
                and stored.address.dwelling == address.dwelling
            ):
                return stored.address_key
            return None
        if address.dwelling in self.excluded_addresses:
            return None
        return self.keyring.address_pseudonym(address.dwelling)

    # -- time, places, pseudonyms ------------------------------------------------------------------

    def now(self) -> datetime:
        """The clock, checked to be aware. A change is stamped under its lock instead
        (:meth:`UnitOfWork.stamp`); this is for what reads or judges only."""
        return check_moment(self.clock(), "clock()")

    def region_of(self, municipality_code: str) -> Region:
        """The region of a municipality (raises ``UnknownMunicipalityError``)."""
        region = self._regions_by_code.get(municipality_code)
        if region is None:
            region = self.regions.region_of_municipality(municipality_code)
            self._regions_by_code[municipality_code] = region
        return region

    def region_name(self, municipality_code: str) -> str | None:
        """The name of the region of this index that has the municipality, or ``None``: a
        youth may live, and move, anywhere in the country (decision 104), and of a
        municipality outside the index's regions the index knows no address."""
        try:
            return self.region_of(municipality_code).name
        except UnknownMunicipalityError:
            return None

    def current_code(self, municipality_code: str) -> str:
        """The CBS code the municipality *municipality_code* has now: a former one (of a
        municipality that merged) gives the code of the one it merged into; a code the
        regions do not know stays as it is."""
        code = self._current_codes.get(municipality_code)
        if code is None:  # looked up once per code (a look-up normalises the query: 3 µs)
            code = self.regions.current_code(municipality_code)
            self._current_codes[municipality_code] = code  # four digits: at most 10,000
        return code

    def current_address(self, address: Address) -> Address:
        """*address*, its municipality given by its current CBS code (decision 78)."""
        code = self.current_code(address.municipality_code)
        if code == address.municipality_code:
            return address
        return attrs.evolve(address, municipality_code=code)

    def current_organisation(self, organisation: Organisation) -> Organisation:
        """*organisation*, its municipality given by its current CBS code (decision 78)."""
        code = self.current_code(organisation.municipality_code)
        if code == organisation.municipality_code:
            return organisation
        return attrs.evolve(organisation, municipality_code=code)

    def pseudonym(self, number: Bsn | ServiceNumber) -> str:
        """The storage key of the youth with *number*: a BSN or a service number."""
        return self.keyring.pseudonym(number)

    # -- units of work -----------------------------------------------------------------------------

    def unit(self, tx: Transaction, locks: Sequence[str]) -> UnitOfWork:
        """A unit of work on *tx*, logging to the lane of *locks*."""
        return UnitOfWork(
            tx,
            lane_of(locks, LOG_LANES),
            clock=self.clock,
            keyring=self.keyring,
            rules=self.rules,
            locks=locks,
        )

    def check_rekey_finished(self) -> None:
        """Read again whether the re-key this index found unfinished has ended; if not, a
        ``ConfigurationError`` says to finish it: a youth whose dossier has not moved yet
        would be looked up under the new key, not found, and registered twice (decision
        86)."""
        with self.store.transaction() as tx:
            moving = tx.key_moves()
        self.unfinished_rekey[:] = moving
        if moving:
            raise ConfigurationError(
                f"a re-key to key id {', '.join(moving)} was not finished: run "
                "VerwijsIndex.rekey() with that key again; until then the index works on "
                "no youth"
            )

    def work(self, locks: Sequence[str] = (), *, scrub: bool = True) -> _Working:
        """A transaction holding *locks*, with its unit of work, flushed when the block ends
        without an error (and nothing written when it raises). When the unit deleted or
        replaced personal data, the store scrubs its files after the commit (unless
        *scrub* is false: the caller scrubs once after many units)."""
        return _Working(self, locks, scrub)

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
        """Log a refused attempt in a transaction of its own; return the error to raise. A
        region's coordinator is logged by the region's own name: the field is the caller's
        text, and whatever it holds (a BSN, a note) must not reach the logbook; one of a
        name that is no region of this index is logged as :data:`UNKNOWN_REGION`."""
        checked_actor(who)
        if isinstance(who, RegionCoordinator):
            try:
                who = RegionCoordinator(self.regions.region_for(who.region).name)
            except UnknownMunicipalityError:
                who = RegionCoordinator(UNKNOWN_REGION)  # logged, never as the caller wrote it
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
        name: str = "by",
        key: str | None = None,
        link_id: str | None = None,
        match_id: str | None = None,
    ) -> str:
        """The professional id of *who*; any other role is refused and logged."""
        checked_actor(who, name)
        if not isinstance(who, Professional | str):
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
        v.id_argument(id, f"{kind}_id")
        with self.store.transaction() as tx:
            key = find(tx, id)
        if key is None:
            raise NotFoundError(kind=kind, id=id)
        return key


class _Working:
    """The block of :meth:`Context.work`. A class rather than a generator-based
    ``contextmanager``: every operation enters one (a registration at least once), and
    entering and leaving a class costs less than driving a generator. It does what the
    generator did: the store's transaction entered first, the unit flushed only when the
    block ends without an error, the transaction left (committed or rolled back), and
    then, after a commit, the store scrubbed if the unit asks for it."""

    __slots__ = ("context", "locks", "scrub", "transaction", "unit")

    transaction: AbstractContextManager[Transaction]
    unit: UnitOfWork

    def __init__(self, context: Context, locks: Sequence[str], scrub: bool) -> None:
        self.context = context
        self.locks = locks
        self.scrub = scrub

    def __enter__(self) -> UnitOfWork:
        context = self.context
        if context.unfinished_rekey:
            context.check_rekey_finished()
        transaction = context.store.transaction(self.locks)
        tx = transaction.__enter__()
        self.transaction = transaction
        try:
            self.unit = context.unit(tx, self.locks)
        except BaseException as error:  # pragma: no cover - making a unit raises nothing
            transaction.__exit__(type(error), error, error.__traceback__)
            raise
        return self.unit

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> bool | None:  # not plain bool: the block is not one that swallows errors
        transaction = self.transaction
        if kind is None:
            try:
                self.unit.flush()
            except BaseException as failed:  # the flush's error leaves the transaction too
                if not transaction.__exit__(type(failed), failed, failed.__traceback__):
                    raise
            else:
                transaction.__exit__(None, None, None)
        elif not transaction.__exit__(kind, error, trace):
            return False
        if self.scrub and self.unit.scrub:
            self.context.scrub()
        return kind is not None  # an error the store's block swallowed stays swallowed
