"""The simulated world (de gesimuleerde werkelijkheid): who needs help, and who gets involved.

The world is the same for every scenario of a replication (common random numbers): it
depends on the population, the organisations, the assumptions, the seed and the
replication, never on the rules under test, so differences between scenarios come from
the rules alone.

Week by week, each youth of age *a* starts an *episode* of need at
``episode_rates[a]`` per 1,000 a year (a Poisson number per age and week). An episode
lasts an exponential time (mean ``episode_mean_days``, ending before the 23rd birthday);
one professional gets involved at its start and more arrive as a Poisson process
(``extra_involvements_per_year``), so a youth already linked is much more likely to get
another link than any other youth. Each involvement's organisation kind is drawn by age
(``kind_weights``); whether the professional later withdraws the link, and whether they
register again when it ends, is drawn when they get involved.

>>> import random
>>> rng = random.Random(1)
>>> round(sum(poisson(rng, 3.0) for _ in range(1000)) / 1000, 1)
3.0
"""

from __future__ import annotations

import heapq
import math
import random
from collections.abc import Iterator
from datetime import date, datetime, timedelta

import attrs

from verwijsindex.clock import AMSTERDAM, age_on, birthday
from verwijsindex.model import WithdrawalReason
from verwijsindex.simulation._assumptions import AGES, Assumptions, OrganisationKind
from verwijsindex.simulation._population import Population
from verwijsindex.simulation._staff import Staff

__all__ = ["Involvement", "World", "poisson"]

_YEAR_DAYS = 365.25


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson-distributed count with *mean* (Knuth's method, in steps of at most 30)."""
    count = 0
    while mean > 0:
        step = min(mean, 30.0)
        mean -= step
        limit = math.exp(-step)
        product = rng.random()
        while product > limit:
            count += 1
            product *= rng.random()
    return count


@attrs.frozen
class Involvement:
    """One professional getting involved with one youth at ``at``, until ``until``.

    ``withdraw`` says whether they withdraw the link (at ``withdraw_at``); ``renews``
    whether they register again when the link ends while they are still involved.
    """

    at: datetime
    youth: int
    organisation: int
    professional: int
    until: datetime
    withdraw: WithdrawalReason | None
    withdraw_at: datetime | None
    renews: bool


def local_moment(day: date, minutes: int) -> datetime:
    """*minutes* after midnight of *day* in Amsterdam, as an aware datetime."""
    return datetime(day.year, day.month, day.day, tzinfo=AMSTERDAM) + timedelta(minutes=minutes)


class World:
    """The stream of involvements for one replication, generated week by week."""

    def __init__(
        self,
        population: Population,
        staff: Staff,
        assumptions: Assumptions,
        *,
        seed: int,
        replication: int,
    ) -> None:
        self.population = population
        self.staff = staff
        self.a = assumptions
        self.rng = random.Random(
            f"verwijsindex-world:{population.area}:{population.fraction}:{seed}:{replication}"
        )
        self.weeks = 0
        self._heap: list[tuple[datetime, int, Involvement]] = []
        self._seq = 0
        self._kinds = [self._kind_table(age) for age in range(AGES)]
        first, last = assumptions.working_hours
        self._first_minute = first * 60
        self._minutes = (last - first) * 60

    def _kind_table(self, age: int) -> tuple[list[OrganisationKind], list[float]]:
        band = self.a.kinds_at(age)
        kinds = [k for k, _ in band.weights]
        cumulative: list[float] = []
        running = 0.0
        for _, weight in band.weights:
            running += weight
            cumulative.append(running)
        return kinds, cumulative

    def until(self, moment: datetime) -> Iterator[Involvement]:
        """The involvements before *moment*, in order of time."""
        while local_moment(self.a.start + timedelta(weeks=self.weeks), 0) < moment:
            self._week(self.weeks)
            self.weeks += 1
        heap = self._heap
        while heap and heap[0][0] < moment:
            yield heapq.heappop(heap)[2]

    # -- generation --------------------------------------------------------------------------

    def _moment(self, day: date) -> datetime:
        return local_moment(day, self._first_minute + int(self.rng.random() * self._minutes))

    def _week(self, week: int) -> None:
        rng = self.rng
        first_day = self.a.start + timedelta(weeks=week)
        for age in range(AGES):
            youths = self.population.aged(first_day, age)
            mean = len(youths) * self.a.episode_rates[age] / 1000 * 7 / _YEAR_DAYS
            for _ in range(poisson(rng, mean)):
                youth = youths[int(rng.random() * len(youths))]
                day = first_day + timedelta(days=int(rng.random() * 7))
                self._episode(youth, self._moment(day), siblings=True)

    def _episode(self, youth: int, at: datetime, *, siblings: bool) -> None:
        rng = self.rng
        a = self.a
        born = self.population.birth_date(youth)
        limit = local_moment(birthday(born, AGES), 0)
        if at >= limit:
            return
        end = min(at + timedelta(days=rng.expovariate(1 / a.episode_mean_days)), limit)
        self._involve(youth, at, end)
        span = end - at
        for _ in range(poisson(rng, a.extra_involvements_per_year * span.days / _YEAR_DAYS)):
            self._involve(youth, at + span * rng.random(), end)
        if siblings and rng.random() < a.sibling_share:
            day = at.date()
            candidates = [
                s
                for s in self.population.siblings(youth)
                if self.population.birth[s] <= day.toordinal()
                and age_on(self.population.birth_date(s), day) < AGES
            ]
            if candidates:
                sibling = candidates[int(rng.random() * len(candidates))]
                later = timedelta(days=int(rng.random() * a.sibling_within_days))
                self._episode(sibling, at + later, siblings=False)

    def _involve(self, youth: int, at: datetime, end: datetime) -> None:
        rng = self.rng
        a = self.a
        age = min(age_on(self.population.birth_date(youth), at.date()), AGES - 1)
        kinds, cumulative = self._kinds[age]
        pick = rng.random() * cumulative[-1]
        kind = kinds[-1]
        for candidate, edge in zip(kinds, cumulative, strict=True):
            if pick < edge:
                kind = candidate
                break
        organisation = self.staff.choose(rng, youth, kind, age)
        professional = int(rng.random() * self.staff.organisations[organisation].professionals)
        until = min(at + timedelta(days=rng.expovariate(1 / a.involvement_mean_days)), end)
        draw = rng.random()
        withdraw: WithdrawalReason | None = None
        withdraw_at: datetime | None = None
        if draw < a.withdraw_unjustified_share:
            withdraw = WithdrawalReason.UNJUSTIFIED
            withdraw_at = at + timedelta(days=1 + int(rng.random() * a.unjustified_within_days))
        elif draw < a.withdraw_unjustified_share + a.withdraw_resolved_share:
            withdraw = WithdrawalReason.RISK_RESOLVED
            withdraw_at = until
        renews = rng.random() < a.renew_share
        involvement = Involvement(
            at, youth, organisation, professional, until, withdraw, withdraw_at, renews
        )
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, involvement))
