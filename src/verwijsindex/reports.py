"""Statistics (statistieken, JW 7.1.2.3(1)(h)): counts that cannot be traced to a youth or
a professional, for a region's coordinator or a municipality's follow-up checker.

Each event is counted in the transaction that makes it (a link made, a match made, a
withdrawal by its ground, an expiry, a deletion at the age limit), by month, municipality
and age band on that day; information overdue and matches awaiting coordination are
counted when the statistics are read, in the month their deadline passed. The tables are
protected by :func:`verwijsindex.statistics.tabulate` (every count below the threshold
suppressed, and as many others as it takes that none can be worked out).

>>> from datetime import date, datetime, timezone
>>> from verwijsindex.roles import RegionCoordinator
>>> from verwijsindex.testing import FixedClock, make_index, make_professional, make_subject
>>> index = make_index(clock=FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)))
>>> nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
>>> index.add_organisation(nurse.organisation)
>>> for bsn in ("111222333", "123456782", "010000008", "100000009", "999999990", "111111110"):
...     _ = index.register(make_subject(bsn=bsn, birth_date=date(2013, 1, 1)), nurse)
>>> stats = index.statistics((date(2026, 11, 1), date(2026, 11, 30)),
...                          by=RegionCoordinator("Maastricht-Heuvelland"))
>>> row = stats.cell(date(2026, 11, 1), StatKind.LINKS_MADE, "Maastricht-Heuvelland", "0935")
>>> row.count                       # six links in Maastricht, all youths aged 13
6
>>> stats.cell(date(2026, 11, 1), StatKind.LINKS_MADE, "Maastricht-Heuvelland", "0935",
...            AgeBand.AGE_12_15).count
6
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Final

from verwijsindex._context import Context
from verwijsindex._validators import MAX_LIMIT
from verwijsindex.clock import add_months, age_on, local_date
from verwijsindex.dossier import Dossier, follow_up_day, informed_by_link
from verwijsindex.errors import InvalidRecordError, UnknownMunicipalityError
from verwijsindex.model import LinkStatus
from verwijsindex.policies import MAX_AGE
from verwijsindex.roles import Actor, FollowUpChecker, RegionCoordinator, checked_actor
from verwijsindex.statistics import (
    DEFAULT_THRESHOLD,
    AgeBand,
    CountKey,
    Statistics,
    StatKind,
    StatRow,
    age_band,
    tabulate,
)
from verwijsindex.storage import Transaction

__all__ = ["AgeBand", "StatKind", "StatRow", "Statistics", "statistics"]


def statistics(
    ctx: Context,
    period: tuple[date, date],
    *,
    by: Actor | str,
    threshold: int = DEFAULT_THRESHOLD,
) -> Statistics:
    """The protected tables of the months of *period* (first and last day, both included),
    for a :class:`RegionCoordinator` (their region) or a :class:`FollowUpChecker` (their
    municipality's rows); anyone else is refused and logged."""
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < LEAST:
        raise InvalidRecordError(f"threshold must be a whole number of at least {LEAST}")
    return tables(ctx, period, by=by, threshold=threshold)


LEAST: Final = DEFAULT_THRESHOLD
"""The least threshold a reader of the index may ask for: more protection, never less
(decision 80). :func:`tables` takes any, for a simulation's synthetic population."""


def tables(
    ctx: Context, period: tuple[date, date], *, by: Actor | str, threshold: int
) -> Statistics:
    """:func:`statistics` at any *threshold* that :func:`~verwijsindex.statistics.tabulate`
    takes: for a simulation, whose youths are made up."""
    checked_actor(by)
    first, last = _period(period)
    try:
        if isinstance(by, RegionCoordinator):
            region = ctx.regions.region_for(by.region).name
        elif isinstance(by, FollowUpChecker):
            region = ctx.region_of(by.municipality_code).name
        else:
            raise ctx.deny(
                by, "only a region's coordinator or a follow-up checker reads statistics"
            )
    except UnknownMunicipalityError:  # of no region of this index: refused, as any other
        raise ctx.deny(
            by, "only the coordinator or a follow-up checker of a region of this index"
        ) from None
    regions = {m.code: r.name for r in ctx.regions for m in r.municipalities if r.name == region}
    with ctx.store.transaction(snapshot=True) as tx:
        counts: dict[CountKey, int] = {}
        for (month, code, band, kind), n in tx.counts(first, last).items():
            _add(counts, regions, month, ctx.current_code(code), band, kind, n)
        for month, code, band, kind in _open_cases(ctx, _open_dossiers(ctx, tx), first, last):
            _add(counts, regions, month, ctx.current_code(code), band, kind, 1)
    stats = tabulate(counts, regions, threshold=threshold)
    if isinstance(by, FollowUpChecker):
        own = ctx.current_code(by.municipality_code)
        return Statistics([r for r in stats if r.municipality == own], stats.threshold)
    return stats


def _period(period: object) -> tuple[date, date]:
    if not isinstance(period, tuple) or len(period) != 2:
        raise InvalidRecordError("period must be a (first day, last day) pair of dates")
    first, last = period
    for day in (first, last):
        if not isinstance(day, date) or isinstance(day, datetime):
            raise InvalidRecordError("period must be a (first day, last day) pair of dates")
        if not date(1900, 1, 1) <= day < date(3000, 1, 1):
            raise InvalidRecordError("period must lie between 1900 and 2999")
    if last < first:
        raise InvalidRecordError("period ends before it begins")
    # whole months: a month's cells must not depend on the day a caller ends the period,
    # or two readings of one month differ by the cases of the days between (decision 80)
    return first.replace(day=1), add_months(last.replace(day=1), 1) - timedelta(days=1)


def _add(
    counts: dict[CountKey, int],
    regions: dict[str, str],
    month: date,
    code: str,
    band: str,
    kind: str,
    n: int,
) -> None:
    """Add one stored or open count to the region's cells; youths living outside the
    region (registered by its professionals) are the other region's to count."""
    if code not in regions:
        return
    try:
        key = (month, code, AgeBand(band), StatKind(kind))
    except ValueError:  # a count this release does not know: left out, never guessed
        return
    counts[key] = counts.get(key, 0) + n


def _open_dossiers(ctx: Context, tx: Transaction) -> Iterator[Dossier]:
    """The dossiers with an open case: information due before today, or a match past the
    follow-up period, read in pages."""
    today = local_date(ctx.now())
    seen: set[str] = set()
    for key in tx.keys_information_due(today, MAX_LIMIT):
        seen.add(key)
        dossier = tx.load(key)
        if dossier is not None:
            yield dossier
    after: str | None = None
    while page := tx.keys_follow_up_due(today, after, ctx.batch_size):
        for key in page:
            dossier = tx.load(key) if key not in seen else None
            if dossier is not None:
                yield dossier
        after = page[-1]


def _open_cases(
    ctx: Context, dossiers: Iterator[Dossier], first: date, last: date
) -> Iterator[tuple[date, str, str, str]]:
    """``(month, municipality, band, kind)`` of each duty overdue and each match awaiting
    coordination, in the month its deadline passed, when that lies in the period."""
    today = local_date(ctx.now())
    for dossier in dossiers:
        subject = dossier.subject
        code = subject.address.municipality_code
        informed = informed_by_link(dossier)
        active = {lk.id: lk for lk in dossier.links if lk.status is LinkStatus.ACTIVE}
        for duty in dossier.duties:
            link = active.get(duty.link_id)
            if link is None or duty.inform_by >= today:
                continue
            if duty.recipients <= informed.get(duty.link_id, set()):
                continue
            if first <= duty.inform_by <= last:
                band = _band(subject.birth_date, local_date(link.created_at))
                kind = StatKind.INFORMATION_OVERDUE.value
                yield (duty.inform_by.replace(day=1), code, band, kind)
        due = follow_up_day(dossier, ctx.rules)
        if due is not None and due <= today and first <= due <= last:
            band = _band(subject.birth_date, due)
            yield (due.replace(day=1), code, band, StatKind.AWAITING_COORDINATION.value)


def _band(birth_date: date, day: date) -> str:
    return age_band(min(age_on(birth_date, day), MAX_AGE)).value
