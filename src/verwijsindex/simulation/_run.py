"""One scenario run (een scenario doorrekenen): the world fed to the real index, and counted.

Everything counted comes from what the service returns: each :class:`Registration`,
the withdrawals made, the notifications read from the outbox (then acknowledged) and
each :class:`SweepReport`.

>>> from verwijsindex.simulation._population import synthetic_population
>>> run = run_scenario(
...     Scenario("short", active_years=1), synthetic_population(fraction=0.005, years=1), years=1
... )
>>> run.row["active_years"], run.row["links"] > 0, run.index.verify_logbook().ok
(1, True, True)
>>> store_counts(run.index.store)["pending_notifications"]
0
"""

from __future__ import annotations

import heapq
import statistics
import time
from collections import OrderedDict
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

import attrs

from verwijsindex import reports
from verwijsindex.clock import FixedClock, add_years, age_on, local_date
from verwijsindex.errors import AgeLimitError, ConfigurationError, InvalidRecordError
from verwijsindex.index import VerwijsIndex
from verwijsindex.links import Registration
from verwijsindex.matching import MatchRule, Rules, deletion_date
from verwijsindex.model import (
    LinkStatus,
    NotificationKind,
    Recipient,
    Subject,
    WithdrawalReason,
)
from verwijsindex.pseudonyms import PseudonymKey
from verwijsindex.regions import POLICIES, STATUTORY, NotificationPolicy, Regions, policy
from verwijsindex.roles import RegionCoordinator
from verwijsindex.simulation._assumptions import Assumptions, checked
from verwijsindex.simulation._population import Population
from verwijsindex.simulation._staff import Staff, build_staff
from verwijsindex.simulation._world import Involvement, World, local_moment
from verwijsindex.statistics import DEFAULT_THRESHOLD, Statistics, StatRow
from verwijsindex.storage import Store, open_store

__all__ = [
    "METRICS",
    "SIMULATION_KEY",
    "Scenario",
    "SimulationRun",
    "run_scenario",
    "store_counts",
]

#: The pseudonym key of simulated stores. Never use it, or a simulated store, for real data.
SIMULATION_KEY = PseudonymKey("simulation", b"verwijsindex-simulation-key-never-real")

Value = int | float | str | None
Row = dict[str, Value]
Progress = Callable[[float], None]

#: Every metric of a row, in order, with what it counts.
METRICS: dict[str, str] = {
    "links": "links made (registrations that created a link)",
    "repeat_registrations": "registrations of a youth the professional already had an active "
    "link on (the index returned that link; nobody was told)",
    "refused": "registrations the index refused because the youth was past the age limit",
    "renewals": "links made again by a professional still involved when their link ended",
    "linked_youths": "distinct youths with at least one link",
    "matches": "distinct matches that arose",
    "matched_youths": "distinct youths who got a match",
    "share_matched": "matched_youths / linked_youths",
    "days_to_match_median": "median days from a youth's first link to their first match",
    "days_to_match_mean": "mean days from a youth's first link to their first match",
    "cross_region_matches": "matches whose professionals came from more than one region "
    "(the coordinators were told)",
    "family_signals": "family-match signals (links on youths who share a parent)",
    "notified_professional": "match notifications to professionals",
    "notified_follow_up": "notifications to the municipality's follow-up checker",
    "notified_coordinator": "notifications to region coordinators (cross-region matches)",
    "notified_family": "family-match notifications to professionals",
    "notified_address": "address-match notifications to professionals",
    "notified_reminder": "reminders to the follow-up checker of matches still uncoordinated "
    "after the follow-up period",
    "duty_youth_under_12": "links on youths under 12 whose youth must be informed",
    "duty_youth_12_15": "links on youths of 12-15 whose youth must be informed",
    "duty_youth_16_22": "links on youths of 16-22 whose youth must be informed",
    "duty_representative_under_12": "links on youths under 12 whose legal representative "
    "must be informed",
    "duty_representative_12_15": "links on youths of 12-15 whose legal representative "
    "must be informed",
    "duty_representative_16_22": "links on youths of 16-22 whose legal representative "
    "must be informed",
    "not_informed_links": "links where the policy leaves out someone the statute informs",
    "over_informed_links": "links where the policy informs someone the statute does not",
    "youths_not_informed": "distinct youths with a not-informed link",
    "youths_over_informed": "distinct youths with an over-informed link",
    "archive_hints": "registrations that got the one-time hint of archived links",
    "withdrawn_risk_resolved": "links withdrawn because the risk was resolved (archived)",
    "withdrawn_unjustified": "links withdrawn as unjustified (deleted)",
    "expired": "links archived by the sweep when their active period ended",
    "purged": "archived links purged by the sweep after the archive period",
    "deleted_links": "links deleted by the sweep because the youth reached the age limit",
    "deleted_youths": "youths deleted by the sweep at the age limit",
    "matches_dissolved": "matches the sweep dissolved when links ended",
}

_BANDS = ("under_12", "12_15", "16_22")
_RECIPIENT_NAMES = {Recipient.YOUTH: "youth", Recipient.LEGAL_REPRESENTATIVE: "representative"}


def _band(age: int) -> str:
    return _BANDS[0] if age < 12 else _BANDS[1] if age < 16 else _BANDS[2]


def _to_policy(value: NotificationPolicy | str) -> NotificationPolicy:
    if isinstance(value, str):
        return policy(value)
    if not isinstance(value, NotificationPolicy):
        raise InvalidRecordError("policy must be a NotificationPolicy or the name of one")
    return value


def _to_match_rule(value: MatchRule | str) -> MatchRule:
    if isinstance(value, MatchRule):
        return value
    try:
        return MatchRule(value)
    except ValueError:
        known = ", ".join(r.value for r in MatchRule)
        raise InvalidRecordError(f"unknown match rule {value!r}; known: {known}") from None


def _to_rules(value: Rules) -> Rules:
    if not isinstance(value, Rules):
        raise InvalidRecordError("rules must be a Rules value")
    return value


def _name(_: object, __: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, str) or not value.strip():
        raise InvalidRecordError("a scenario needs a name")


@attrs.frozen
class Scenario:
    """A set of rules to try (scenario): the numbers, the match rule, the notification
    policy of every region, and the active period (``active_years`` overrides
    ``rules.active_years`` when given; afterwards both hold the same value).

    The policy and match rule may be given by name (``"statute"``, ``"any-two-links"``).
    """

    name: str = attrs.field(validator=_name)
    rules: Rules = attrs.field(factory=Rules, converter=_to_rules)
    match_rule: MatchRule = attrs.field(
        default=MatchRule.DIFFERENT_ORGANISATIONS, converter=_to_match_rule
    )
    policy: NotificationPolicy = attrs.field(default=STATUTORY, converter=_to_policy)
    active_years: int | None = None

    def __attrs_post_init__(self) -> None:
        if self.active_years is None:
            object.__setattr__(self, "active_years", self.rules.active_years)
        elif self.active_years != self.rules.active_years:
            object.__setattr__(
                self, "rules", attrs.evolve(self.rules, active_years=self.active_years)
            )

    def regions(self, regions: Regions) -> Regions:
        """*regions* with every region's notification policy set to this scenario's."""
        return attrs.evolve(
            regions, regions=tuple(attrs.evolve(r, policy=self.policy) for r in regions)
        )


def policy_scenarios(**common: Any) -> list[Scenario]:
    """One scenario per shipped notification policy, named after it."""
    return [Scenario(name, policy=p, **common) for name, p in POLICIES.items()]


def match_rule_scenarios(**common: Any) -> list[Scenario]:
    """One scenario per match rule, named after it."""
    return [Scenario(rule.value, match_rule=rule, **common) for rule in MatchRule]


@attrs.frozen
class SimulationRun:
    """What :func:`run_scenario` did: the row of counts, the index it ran on (its store
    still open), and how long it took (wall seconds; not part of the row)."""

    scenario: Scenario
    row: Row
    index: VerwijsIndex
    seconds: float
    start: date = attrs.field(default=date(2026, 1, 1))
    """The first day of the simulated period."""

    def statistics(self, *, threshold: int = DEFAULT_THRESHOLD) -> Statistics:
        """The statistics the index would publish for the simulated period, every region's
        tables as its coordinator reads them (JW 7.1.2.3(1)(h)): the same suppression as a
        municipality would see, to judge what a policy does to what can be published."""
        period = (self.start, self.index.clock().date())
        rows: list[StatRow] = []
        for region in self.index.regions:
            by = RegionCoordinator(region.name)
            # any threshold: the population is made up (the index's readers get at least 5)
            rows.extend(reports.tables(self.index._context, period, by=by, threshold=threshold))
        return Statistics(rows, threshold)


@attrs.define
class _LinkState:
    youth: int
    professional: str
    ends_on: date
    active: bool = True


class _Tally:
    """The counts of one run."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = dict.fromkeys(METRICS, 0)
        self.linked: set[int] = set()
        self.first_link: dict[int, datetime] = {}
        self.matched: set[int] = set()
        self.match_ids: set[str] = set()
        self.days: list[float] = []
        self.cross_region: set[str] = set()
        self.family: set[str] = set()
        self.not_informed: set[int] = set()
        self.over_informed: set[int] = set()

    def registration(self, reg: Registration, youth: int, age: int, at: datetime) -> None:
        c = self.counts
        if not reg.created:
            c["repeat_registrations"] += 1
            return
        c["links"] += 1
        self.linked.add(youth)
        self.first_link.setdefault(youth, at)
        band = _band(age)
        for recipient in reg.information_duty:
            c[f"duty_{_RECIPIENT_NAMES[recipient]}_{band}"] += 1
        statute = STATUTORY.recipients(age)
        if statute - reg.information_duty:
            c["not_informed_links"] += 1
            self.not_informed.add(youth)
        if reg.information_duty - statute:
            c["over_informed_links"] += 1
            self.over_informed.add(youth)
        if reg.archive_hint:
            c["archive_hints"] += 1
        if reg.match is not None:
            self.match_ids.add(reg.match.id)
            if youth not in self.matched:
                self.matched.add(youth)
                self.days.append((at - self.first_link[youth]).total_seconds() / 86_400)

    def finish(self) -> dict[str, Value]:
        c: dict[str, Value] = dict(self.counts)
        c["linked_youths"] = len(self.linked)
        c["matches"] = len(self.match_ids)
        c["matched_youths"] = len(self.matched)
        c["share_matched"] = len(self.matched) / len(self.linked) if self.linked else 0.0
        c["days_to_match_median"] = statistics.median(self.days) if self.days else None
        c["days_to_match_mean"] = statistics.fmean(self.days) if self.days else None
        c["cross_region_matches"] = len(self.cross_region)
        c["family_signals"] = len(self.family)
        c["youths_not_informed"] = len(self.not_informed)
        c["youths_over_informed"] = len(self.over_informed)
        return c


_REGISTER, _WITHDRAW = 0, 1
_SUBJECT_CACHE = 50_000
_NOTIFIED = {
    NotificationKind.MATCH: "notified_professional",
    NotificationKind.FOLLOW_UP: "notified_follow_up",
    NotificationKind.COORDINATOR: "notified_coordinator",
    NotificationKind.FAMILY_MATCH: "notified_family",
    NotificationKind.ADDRESS_MATCH: "notified_address",
    NotificationKind.FOLLOW_UP_REMINDER: "notified_reminder",
}


class _Runner:
    def __init__(
        self,
        scenario: Scenario,
        population: Population,
        staff: Staff,
        index: VerwijsIndex,
        clock: FixedClock,
    ) -> None:
        self.scenario = scenario
        self.population = population
        self.staff = staff
        self.index = index
        self.clock = clock
        self.tally = _Tally()
        self.links: dict[str, _LinkState] = {}
        self.heap: list[tuple[datetime, int, int, Any]] = []
        self.seq = 0
        self.subjects: OrderedDict[int, Subject] = OrderedDict()

    def subject(self, youth: int) -> Subject:
        """The youth's Subject, from a small cache: links on one youth come in episodes."""
        subjects = self.subjects
        found = subjects.get(youth)
        if found is None:
            found = subjects[youth] = self.population.subject(youth)
            if len(subjects) > _SUBJECT_CACHE:
                subjects.popitem(last=False)
        else:
            subjects.move_to_end(youth)
        return found

    def push(self, at: datetime, kind: int, payload: Any) -> None:
        self.seq += 1
        heapq.heappush(self.heap, (at, self.seq, kind, payload))

    def run_until(self, moment: datetime) -> None:
        heap = self.heap
        while heap and heap[0][0] < moment:
            at, _, kind, payload = heapq.heappop(heap)
            self.clock.set(at)
            if kind == _REGISTER:
                self.register(at, payload[0], renewal=payload[1])
            else:
                self.withdraw(at, payload[0], payload[1])

    def register(self, at: datetime, inv: Involvement, *, renewal: bool) -> None:
        p = self.population
        professional = self.staff.professional(inv.organisation, inv.professional)
        try:
            reg = self.index.register(self.subject(inv.youth), professional)
        except AgeLimitError:
            self.tally.counts["refused"] += 1
            return
        age = age_on(p.birth_date(inv.youth), local_date(at))
        self.tally.registration(reg, inv.youth, age, at)
        if not reg.created:
            return
        if renewal:
            self.tally.counts["renewals"] += 1
        link = reg.link
        self.links[link.id] = _LinkState(inv.youth, professional.id, link.ends_on)
        ends = local_moment(link.ends_on, 0)
        if inv.withdraw is not None and inv.withdraw_at is not None and at < inv.withdraw_at < ends:
            self.push(inv.withdraw_at, _WITHDRAW, (link.id, inv.withdraw))
        elif inv.renews and inv.until > ends:
            self.push(ends + (at - local_moment(local_date(at), 0)), _REGISTER, (inv, True))

    def withdraw(self, at: datetime, link_id: str, reason: WithdrawalReason) -> None:
        state = self.links.pop(link_id, None)
        if state is None or not state.active:
            return
        today = local_date(at)
        born = self.population.birth_date(state.youth)
        if today >= state.ends_on or today >= deletion_date(born, self.scenario.rules):
            return
        self.index.withdraw(link_id, by=state.professional, reason=reason)
        state.active = False
        unjustified = reason is WithdrawalReason.UNJUSTIFIED
        self.tally.counts[
            "withdrawn_unjustified" if unjustified else "withdrawn_risk_resolved"
        ] += 1

    def read_outbox(self) -> None:
        notes = self.index.pending_notifications()
        counts = self.tally.counts
        for note in notes:
            name = _NOTIFIED.get(note.kind)
            if name is not None:
                counts[name] += 1
            if note.kind is NotificationKind.COORDINATOR and note.match_id is not None:
                self.tally.cross_region.add(note.match_id)
            elif note.kind is NotificationKind.FAMILY_MATCH and note.match_id is not None:
                self.tally.family.add(note.match_id)
        if notes:
            self.index.acknowledge([n.id for n in notes])

    def sweep(self, at: datetime) -> None:
        self.clock.set(at)
        report = self.index.sweep()
        c = self.tally.counts
        c["expired"] += report.expired
        c["purged"] += report.purged
        c["deleted_links"] += report.deleted_links
        c["deleted_youths"] += report.deleted_subjects
        c["matches_dissolved"] += report.matches_dissolved


def store_counts(store: Store) -> dict[str, int]:
    """What *store* holds now: youths (dossiers), links (active and archived), matches,
    and notifications not yet acknowledged. Reads every dossier; for reports and tests."""
    counts = dict.fromkeys(
        ("youths", "links", "active_links", "archived_links", "matches", "pending_notifications"),
        0,
    )
    after: str | None = None
    while True:
        with store.transaction() as tx:
            keys = tx.keys(after, 50_000)
            dossiers = [tx.load(k) for k in keys]
            if after is None:
                counts["pending_notifications"] = len(tx.pending_notifications(None))
        if not keys:
            return counts
        after = keys[-1]
        for dossier in dossiers:
            if dossier is None:  # pragma: no cover - deleted between the two reads
                continue
            counts["youths"] += 1
            counts["links"] += len(dossier.links)
            active = sum(1 for lk in dossier.links if lk.status is LinkStatus.ACTIVE)
            counts["active_links"] += active
            counts["archived_links"] += len(dossier.links) - active
            counts["matches"] += dossier.match is not None


def check_years(years: object) -> int:
    if isinstance(years, bool) or not isinstance(years, int) or years < 1:
        raise InvalidRecordError("years must be a whole number, 1 or more")
    return years


def _check_empty(store: Store) -> None:
    with store.transaction() as tx:
        empty = not tx.keys(None, 1) and not tx.log_heads()
    if not empty:
        raise ConfigurationError(
            "the simulation needs an empty store; it found records in this one"
        )


def run_scenario(
    scenario: Scenario,
    population: Population,
    *,
    years: int,
    seed: int = 0,
    replication: int = 0,
    store: str | Store = "memory://",
    assumptions: Assumptions | None = None,
    staff: Staff | None = None,
    progress: Progress | None = None,
) -> SimulationRun:
    """Run *scenario* for *years* on a fresh :class:`VerwijsIndex` over *store* (a URL or
    an empty store) with a simulated clock, and count what the service returns.

    The world (who needs help and who gets involved) depends on *population*, *seed* and
    *replication* only, so scenarios run with the same ones see the same world. The store
    is left open on ``run.index.store`` for inspection; close it when done.
    """
    a = checked(assumptions)
    if not isinstance(scenario, Scenario):
        raise InvalidRecordError("run_scenario() takes a Scenario")
    if not isinstance(population, Population):
        raise InvalidRecordError("population must be a Population (synthetic_population())")
    check_years(years)
    for name, number in (("seed", seed), ("replication", replication)):
        if isinstance(number, bool) or not isinstance(number, int):
            raise InvalidRecordError(f"{name} must be a whole number")
    if staff is not None and staff.population is not population:
        raise InvalidRecordError("staff must be built for this population (build_staff)")
    if not isinstance(store, str | Store):
        raise ConfigurationError("store must be a store URL or an empty Store")
    last_day = add_years(population.start, years)
    if last_day > population.end:
        raise InvalidRecordError(
            f"the population covers births until {population.end}; it cannot run {years} years"
        )
    began = time.perf_counter()
    opened = open_store(store) if isinstance(store, str) else store
    try:
        _check_empty(opened)
        clock = FixedClock(local_moment(population.start, 0))
        index = VerwijsIndex(
            opened,
            key=SIMULATION_KEY,
            clock=clock,
            rules=scenario.rules,
            regions=scenario.regions(population.regions),
            match_rule=scenario.match_rule,
        )
        staff = staff if staff is not None else build_staff(population, a)
        for org in staff.organisations:
            index.add_organisation(org.organisation)
        world = World(population, staff, a, seed=seed, replication=replication)
        runner = _Runner(scenario, population, staff, index, clock)
        days = (last_day - population.start).days
        step = a.sweep_every_days
        boundaries = [*range(step, days, step), days]
        for done, offset in enumerate(boundaries, 1):
            # the sweep runs at 01:00 on the boundary day; links are made in working hours
            moment = local_moment(population.start + timedelta(days=offset), 60)
            for inv in world.until(moment):
                runner.push(inv.at, _REGISTER, (inv, False))
            runner.run_until(moment)
            runner.read_outbox()
            runner.sweep(moment)
            if progress is not None:
                progress(done / len(boundaries))
    except BaseException:
        if isinstance(store, str):
            opened.close()
        raise
    row: Row = {
        "scenario": scenario.name,
        "replication": replication,
        "seed": seed,
        "area": population.area,
        "population": population.at_start,
        "years": years,
        "policy": scenario.policy.name,
        "match_rule": scenario.match_rule.value,
        "active_years": scenario.rules.active_years,
        **runner.tally.finish(),
    }
    return SimulationRun(scenario, row, index, time.perf_counter() - began, population.start)
