"""A Hypothesis state machine of :class:`VerwijsIndex` against a small reference model.

The machine drives one index on one store (memory, a SQLite file, PostgreSQL) with a
settable clock, and keeps beside it a plain Python model of the rules of the domain
brief (the Jeugdwet, chapter 7.1). The model uses no library code to decide anything: it only
builds values (subjects, professionals, requests) with the library's constructors and
test factories; ages, end dates, archive dates, regions and match conditions are its own.

The world is fixed and small:

- five professionals of four organisations: ``p1`` and ``p2`` of one organisation (together
  they never match), ``p3`` in Vaals and ``p4`` in Maastricht (region Maastricht-Heuvelland),
  ``p5`` in Heerlen (region Parkstad Limburg), so some matches cross a region border;
- four youths: aged 7, 14 and 17, and ``y22`` who turns 23 on 15 January 2027, about seven
  weeks after the start (23 November 2026).

What the model keeps, per youth: the youth as the population register knows them now
(address, death), the stored links (professional, organisation, end date, archive date),
the current match as a set of link ids with a generation number (a match that forms anew
is a new generation and must get an id never seen before), the professionals that had the
one-time archive hint, and the pending outbox as a multiset of ``(kind, recipient)``.

The rules, as the model has them (the intended behaviour, also where today's code differs):

1. Each change to a youth is stamped with a moment never earlier than what is stored for
   that youth; a stored link is never "not yet active" because the caller's clock is
   behind. The clock may step back by up to five seconds behind the latest moment it
   showed (clocks of different hosts disagree), never across midnight, so the model can
   count in days: a link is active while its status is active and its end date is after
   today's date in Europe/Amsterdam.
2. A match exists iff the active links come from two or more organisations, and then holds
   every active link. Each time it forms or grows, every professional in it gets a MATCH
   notification, the youth's municipality (CBS code) a FOLLOW_UP, and, when the
   organisations lie in more than one region, each region a COORDINATOR notification.
   Registering again while active is a no-op. Withdrawing and expiry never notify; a match
   that loses its condition dissolves, and a later one is new.
3. A move notice tells every professional with an active link (MOVE), also when the
   municipality is unchanged; a new municipality gets a MOVE, a new region a notice for
   its coordinator (kind MOVE or COORDINATOR: the model does not fix which). The move is
   only sent for youths that are not stored or have an active link (what a youth with only
   archived links should cause is not settled).
4. A death date after today or before the birth date is refused with a ValidationError
   and changes nothing; a valid one deletes everything about the youth. (A bare BSN of a
   youth with nothing stored and a date before birth may be refused or ignored: there is
   no birth date to check against.)
5. When the last link of a youth goes (unjustified withdrawal, purge, sweep at 23, death,
   erasure), the dossier and its pending notifications go with it. A link withdrawn as
   unjustified that is not the last goes as if never made, and with it what the pending
   notices of the match it was in say of it (decision 95): its professional's MATCH
   notices go, a MATCH notice left naming no one goes, all of them go when that match
   dissolved (MATCH, FOLLOW_UP, FOLLOW_UP_REMINDER, COORDINATOR), and a COORDINATOR notice
   goes when the match no longer spans the coordinator's region, or two regions; the move
   notice about the link goes. Notices of other matches stay.
6. A sweep on or after the day a match is four weeks old (``Rules.follow_up_after``) and
   still uncoordinated reminds the youth's municipality once (FOLLOW_UP_REMINDER); a match
   that dissolves and forms again is a new match and may be reminded again.
7. The match rule may change (decision 119): every youth is judged again by the new one
   at once, a match that forms or grows is told as in rule 2 (to no one for a youth who
   is 23 or deceased), one that no longer holds dissolves untold. "Two or more
   organisations" in rule 2 is then "two or more professionals" or "two or more links".

A stored match is judged as of the last change to the youth (a registration, withdrawal or
sweep), because reading does not rematch: between two sweeps a match may still hold a
link whose end date has passed. Where no link of the youth ended since that change, the
match is also checked against today.
"""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import attrs
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tests.storage.conftest import drop_schemas
from verwijsindex import privacy
from verwijsindex.errors import (
    AccessDeniedError,
    AgeLimitError,
    DeceasedSubjectError,
    InvalidRecordError,
    NotFoundError,
    ValidationError,
)
from verwijsindex.index import VerwijsIndex
from verwijsindex.matching import MatchRule, Rules
from verwijsindex.model import (
    LinkStatus,
    Notification,
    NotificationKind,
    Professional,
    Recipient,
    Subject,
    WithdrawalReason,
)
from verwijsindex.roles import RightsOfficer
from verwijsindex.storage import Store, open_store
from verwijsindex.testing import TEST_KEY, FixedClock, make_professional, make_subject
from verwijsindex.testing._base import ContractBase

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
START = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
START_DAY = date(2026, 11, 23)
AGE_LIMIT = 23
ARCHIVE_YEARS = 5
FOLLOW_UP = Rules().follow_up_after
ACTIVE_YEARS = 2

# The model's own map of the municipalities used: name -> (CBS code, region).
MUNICIPALITIES: dict[str, tuple[str, str]] = {
    "Maastricht": ("0935", "Maastricht-Heuvelland"),
    "Vaals": ("0981", "Maastricht-Heuvelland"),
    "Heerlen": ("0917", "Parkstad Limburg"),
    "Sittard-Geleen": ("1883", "Westelijke Mijnstreek"),
}
CODES = {code: name for name, (code, _) in MUNICIPALITIES.items()}


@dataclass(frozen=True)
class Staff:
    id: str
    organisation: str
    municipality: str

    @property
    def region(self) -> str:
        return MUNICIPALITIES[self.municipality][1]

    @property
    def code(self) -> str:
        return MUNICIPALITIES[self.municipality][0]


STAFF = {
    s.id: s
    for s in (
        Staff("p1", "GGD Zuid-Limburg", "Maastricht"),
        Staff("p2", "GGD Zuid-Limburg", "Maastricht"),  # p1's organisation: no match together
        Staff("p3", "MEE Zuid-Limburg", "Vaals"),
        Staff("p4", "Sint Jozefschool", "Maastricht"),
        Staff("p5", "Jeugdzorg Parkstad", "Heerlen"),  # the other region
    )
}
PROFESSIONALS: dict[str, Professional] = {
    s.id: make_professional(id=s.id, organisation=s.organisation, municipality=s.municipality)
    for s in STAFF.values()
}
ORGANISATION_OF = {pid: p.organisation.id for pid, p in PROFESSIONALS.items()}
ORGANISATION_CODES = sorted({s.code for s in STAFF.values()})


@dataclass(frozen=True)
class Person:
    bsn: str
    birth_date: date
    municipality: str


PEOPLE = {
    "y14": Person("111222333", date(2012, 5, 1), "Maastricht"),
    "y7": Person("111222345", date(2019, 8, 15), "Maastricht"),
    "y17": Person("111222357", date(2009, 3, 10), "Heerlen"),
    "y22": Person("111222369", date(2004, 1, 15), "Sittard-Geleen"),  # 23 on 2027-01-15
}

Kind = NotificationKind | None
"""A notification kind in the model; ``None`` is the new region's move notice, which may be
either a MOVE or a COORDINATOR notification."""


# --- the model's own calendar ----------------------------------------------------------------


def local_day(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def add_years(day: date, years: int) -> date:
    if (day.month, day.day) == (2, 29):
        return date(day.year + years, 2, 28)
    return day.replace(year=day.year + years)


def age(birth_date: date, day: date) -> int:
    years = day.year - birth_date.year
    return years - 1 if (day.month, day.day) < (birth_date.month, birth_date.day) else years


def requesters(age_then: int) -> set[Recipient]:
    if age_then < 12:
        return {Recipient.LEGAL_REPRESENTATIVE}
    if age_then < 16:
        return {Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE}
    return {Recipient.YOUTH}


# --- the model ------------------------------------------------------------------------------


@dataclass
class ModelLink:
    professional: str
    ends_on: date
    archived_on: date | None = None  # None: status active (until a sweep or withdrawal)

    @property
    def organisation(self) -> str:
        return ORGANISATION_OF[self.professional]


@dataclass
class Youth:
    name: str
    person: Person
    key: str
    subject: Subject  # what the population register says now
    links: dict[str, ModelLink] = field(default_factory=dict)  # by link id, oldest first
    match: frozenset[str] | None = None
    generation: int | None = None
    match_made: date | None = None  # the day the current match formed
    reminded: bool = False  # the follow-up checker was reminded of the current match
    evaluated_on: date = START_DAY
    hinted: set[str] = field(default_factory=set)
    pending: Counter[tuple[Kind, str]] = field(default_factory=Counter)
    # the pending notices of matches, as (kind, recipient, generation, others named), and
    # how many move notices are pending for each link: what decision 95 needs to know
    told: list[tuple[NotificationKind, str, int, frozenset[str]]] = field(default_factory=list)
    moves: Counter[str] = field(default_factory=Counter)

    def tell(
        self, kind: NotificationKind, recipient: str, others: frozenset[str] = frozenset()
    ) -> None:
        """A notice of the current match is pending."""
        assert self.generation is not None
        self.pending[(kind, recipient)] += 1
        self.told.append((kind, recipient, self.generation, others))

    def clear_outbox(self) -> None:
        self.pending.clear()
        self.told.clear()
        self.moves.clear()

    def active(self, day: date) -> list[str]:
        return [
            lid for lid, lk in self.links.items() if lk.archived_on is None and lk.ends_on > day
        ]

    def organisations(self, link_ids: list[str] | frozenset[str]) -> set[str]:
        return {self.links[lid].organisation for lid in link_ids}

    def professionals(self, link_ids: list[str] | frozenset[str]) -> set[str]:
        return {self.links[lid].professional for lid in link_ids}

    def forget(self) -> None:
        """Everything stored about the youth is gone (rule 5)."""
        self.links.clear()
        self.match = None
        self.generation = None
        self.match_made = None
        self.reminded = False
        self.hinted.clear()
        self.clear_outbox()


def outbox_agrees(expected: Counter[tuple[Kind, str]], notes: list[Notification]) -> bool:
    """Whether *notes* are exactly *expected*, a ``None`` kind standing for MOVE or
    COORDINATOR."""
    rest = Counter((n.kind, n.recipient) for n in notes)
    for (kind, recipient), count in expected.items():
        if kind is None:
            continue
        if rest[(kind, recipient)] < count:
            return False
        rest[(kind, recipient)] -= count
    for (kind, recipient), count in expected.items():
        if kind is not None:
            continue
        for either in (NotificationKind.MOVE, NotificationKind.COORDINATOR):
            taken = min(count, rest[(either, recipient)])
            rest[(either, recipient)] -= taken
            count -= taken
        if count:
            return False
    return not +rest


def show(counter: Counter[tuple[Kind, str]]) -> list[str]:
    return sorted(
        f"{kind.value if kind else 'move|coordinator'}:{recipient}"
        for (kind, recipient), n in counter.items()
        for _ in range(n)
    )


# --- strategies -----------------------------------------------------------------------------

youth_names = st.sampled_from(sorted(PEOPLE))
professional_ids = st.sampled_from(sorted(STAFF))
picks = st.integers(min_value=0, max_value=7)
clock_steps = st.one_of(
    st.integers(1, 600).map(lambda n: timedelta(minutes=n)),
    st.integers(1, 72).map(lambda n: timedelta(hours=n)),
    st.integers(1, 60).map(lambda n: timedelta(days=n)),
    st.integers(1, 6).map(lambda n: timedelta(days=30 * n)),
)


class IndexMachine(RuleBasedStateMachine):
    """The index on a fresh store per example, and the model beside it."""

    def make_store(self) -> Store:
        raise NotImplementedError

    def drop_store(self, store: Store) -> None:
        store.close()

    def __init__(self) -> None:
        super().__init__()
        self.clock = FixedClock(START)
        self.high_water = START  # the latest moment the clock showed
        self.store = self.make_store()
        self.index = VerwijsIndex(self.store, key=TEST_KEY, clock=self.clock)
        for professional in PROFESSIONALS.values():
            self.index.add_organisation(professional.organisation)
        self.youths: dict[str, Youth] = {}
        for name, person in PEOPLE.items():
            subject = make_subject(
                bsn=person.bsn, birth_date=person.birth_date, municipality=person.municipality
            )
            key = self.index.keyring.pseudonym(subject.number)
            self.youths[name] = Youth(name, person, key, subject)
        self.generations = itertools.count(1)
        self.match_ids: dict[int, str] = {}  # model generation -> the id the store gave it
        self.order: dict[str, int] = {}  # link id -> order of registration
        self.swept_on: date | None = None
        self.rule = MatchRule.DIFFERENT_ORGANISATIONS

    def teardown(self) -> None:
        self.drop_store(self.store)

    # -- helpers ---------------------------------------------------------------------------

    def today(self) -> date:
        return local_day(self.clock())

    def qualifies(self, youth: Youth, link_ids: list[str]) -> bool:
        """Rules 2 and 7: whether *link_ids* make a match by the rule in force."""
        if self.rule is MatchRule.DIFFERENT_ORGANISATIONS:
            return len(youth.organisations(link_ids)) >= 2
        if self.rule is MatchRule.DIFFERENT_PROFESSIONALS:
            return len(youth.professionals(link_ids)) >= 2
        return len(link_ids) >= 2

    def rematch(self, youth: Youth, day: date, *, notify: bool, rejudged: bool = False) -> None:
        """Rule 2 on the model: the match as of *day*, and who is told."""
        active = youth.active(day)
        old = youth.match
        if old is not None and not self.qualifies(youth, [i for i in old if i in active]):
            old = None  # the match lost its condition: it dissolved
        youth.evaluated_on = day
        if not self.qualifies(youth, active):
            youth.match, youth.generation, youth.match_made = None, None, None
            return
        grew = old is None or not set(active) <= old
        if old is None:
            assert notify or rejudged, "a match never forms on a withdrawal or a sweep"
            youth.generation = next(self.generations)
            youth.match_made, youth.reminded = day, False
        youth.match = frozenset(active)
        if notify and grew:
            everyone = frozenset(youth.professionals(active))
            for pid in everyone:
                youth.tell(NotificationKind.MATCH, pid, everyone - {pid})
            code = youth.subject.address.municipality_code
            youth.tell(NotificationKind.FOLLOW_UP, code)
            regions = self.regions(youth)
            if len(regions) > 1:
                for region in regions:
                    youth.tell(NotificationKind.COORDINATOR, region)

    @staticmethod
    def regions(youth: Youth) -> set[str]:
        """The regions of the organisations in the youth's match."""
        held = youth.match or frozenset()
        return {STAFF[youth.links[lid].professional].region for lid in held}

    def forget_link(self, youth: Youth, link_id: str, professional: str, was: int | None) -> None:
        """Rule 5 for a link withdrawn as unjustified that was not the last (decision 95);
        *was* is the generation of the match the link was in, if it was in one."""
        dissolved = was is not None and youth.generation != was
        regions = self.regions(youth)
        kept = []
        for kind, recipient, generation, others in youth.told:
            if was is None or generation != was:
                kept.append((kind, recipient, generation, others))  # another match's
                continue
            gone = (
                dissolved
                or (kind is NotificationKind.MATCH and recipient == professional)
                or (kind is NotificationKind.MATCH and not others - {professional})
                or (
                    kind is NotificationKind.COORDINATOR
                    and (len(regions) < 2 or recipient not in regions)
                )
            )
            if gone:
                youth.pending[(kind, recipient)] -= 1
            else:
                kept.append((kind, recipient, generation, others - {professional}))
        youth.told = kept
        youth.pending[(NotificationKind.MOVE, professional)] -= youth.moves.pop(link_id, 0)
        youth.pending = +youth.pending

    def request(self, youth: Youth, kind: privacy.RequestKind) -> privacy.RightsRequest:
        day = self.today()
        filed = privacy.file_request(
            kind,
            youth.subject,
            requesters(age(youth.person.birth_date, day)),
            received_on=day,
        )
        return privacy.decide(filed, granted=True)

    def officer(self, youth: Youth, controller: bool, pick: int) -> RightsOfficer:
        """A rights officer of the municipality of an organisation involved, or of
        Sittard-Geleen, where no organisation signed."""
        codes = sorted({STAFF[lk.professional].code for lk in youth.links.values()})
        if controller:
            chosen = codes or ORGANISATION_CODES
            return RightsOfficer(chosen[pick % len(chosen)])
        return RightsOfficer(MUNICIPALITIES["Sittard-Geleen"][0])

    def moved(self, youth: Youth, municipality: str, house: int, name: str | None) -> Subject:
        fresh = make_subject(
            bsn=youth.person.bsn,
            birth_date=youth.person.birth_date,
            municipality=municipality,
            name=name if name is not None else youth.subject.name,
            died_on=youth.subject.died_on,
        )
        return attrs.evolve(fresh, address=attrs.evolve(fresh.address, house_number=str(house)))

    # -- the clock -------------------------------------------------------------------------

    @rule(step=clock_steps)
    def advance_clock(self, step: timedelta) -> None:
        self.clock.advance(step)
        self.high_water = max(self.high_water, self.clock())

    @rule(years=st.integers(2, 5))
    def leap_years(self, years: int) -> None:
        """Years pass: links end, archives reach their five years and are purged."""
        self.advance_clock(timedelta(days=365 * years))

    @precondition(
        lambda self: (
            (
                self.high_water.astimezone(AMSTERDAM)
                - self.high_water.astimezone(AMSTERDAM).replace(hour=0, minute=0, second=0)
            )
            >= timedelta(seconds=10)
        )
    )
    @rule(seconds=st.integers(1, 5))
    def step_clock_back(self, seconds: int) -> None:
        """Another host's clock: a few seconds behind the latest moment seen, same day."""
        self.clock.set(self.high_water - timedelta(seconds=seconds))

    # -- registering and withdrawing -------------------------------------------------------

    @rule(name=youth_names, pid=professional_ids)
    def register(self, name: str, pid: str) -> None:
        """Register for the maximum period of two years."""
        self.registered(name, pid, None)

    @rule(name=youth_names)
    def register_two_colleagues(self, name: str) -> None:
        """``p1`` and ``p2``, of one organisation: a match only by the rules of rule 7."""
        self.registered(name, "p1", None)
        self.registered(name, "p2", None)

    @rule(name=youth_names, pid=professional_ids, days=st.sampled_from([3, 30, 180, 400]))
    def register_for_a_shorter_period(self, name: str, pid: str, days: int) -> None:
        self.registered(name, pid, days)

    def registered(self, name: str, pid: str, days: int | None) -> None:
        youth = self.youths[name]
        day = self.today()
        ends_on = None if days is None else day + timedelta(days=days)
        professional = PROFESSIONALS[pid]
        if youth.subject.died_on is not None:
            with pytest.raises(DeceasedSubjectError):
                self.index.register(youth.subject, professional, ends_on=ends_on)
            return
        if age(youth.person.birth_date, day) >= AGE_LIMIT:
            with pytest.raises(AgeLimitError):
                self.index.register(youth.subject, professional, ends_on=ends_on)
            return
        result = self.index.register(youth.subject, professional, ends_on=ends_on)
        own = [lid for lid in youth.active(day) if youth.links[lid].professional == pid]
        if own:
            assert not result.created, "registering again while active is a no-op"
            assert result.link.id == own[0]
            return
        assert result.created
        hint = pid not in youth.hinted and any(lid not in youth.active(day) for lid in youth.links)
        assert result.archive_hint == hint
        if hint:
            youth.hinted.add(pid)
        youth.links[result.link.id] = ModelLink(
            pid, ends_on if ends_on is not None else add_years(day, ACTIVE_YEARS)
        )
        self.order[result.link.id] = len(self.order)
        self.rematch(youth, day, notify=True)

    @rule(name=youth_names, pick=picks, reason=st.sampled_from(WithdrawalReason))
    def withdraw(self, name: str, pick: int, reason: WithdrawalReason) -> None:
        youth = self.youths[name]
        day = self.today()
        # a link found unjustified is deleted from the archive too (decision 103)
        choice = (
            youth.active(day) if reason is WithdrawalReason.RISK_RESOLVED else list(youth.links)
        )
        if not choice:
            return
        link_id = choice[pick % len(choice)]
        link = youth.links[link_id]
        result = self.index.withdraw(link_id, by=PROFESSIONALS[link.professional], reason=reason)
        if reason is WithdrawalReason.RISK_RESOLVED:
            assert result is not None and result.status is LinkStatus.ARCHIVED
            assert result.archived_on == day
            link.archived_on = day
        else:
            assert result is None
            del youth.links[link_id]
        if not youth.links:
            youth.forget()
            return
        was = youth.generation if youth.match and link_id in youth.match else None
        self.rematch(youth, day, notify=False)
        if reason is WithdrawalReason.UNJUSTIFIED:
            self.forget_link(youth, link_id, link.professional, was)

    @rule(to=st.sampled_from(MatchRule))
    def change_match_rule(self, to: MatchRule) -> None:
        """Rule 7: every youth judged again by the new rule at once."""
        day = self.today()
        self.index.change_match_rule(to)
        self.rule = to
        for youth in self.youths.values():
            if youth.links:
                self.rematch(youth, day, notify=not self.withheld(youth, day), rejudged=True)

    # -- housekeeping ----------------------------------------------------------------------

    @rule()
    def sweep(self) -> None:
        day = self.today()
        self.index.sweep()
        for youth in self.youths.values():
            if not youth.links:
                continue
            if youth.subject.died_on is not None or age(youth.person.birth_date, day) >= AGE_LIMIT:
                youth.forget()
                continue
            for link_id, link in list(youth.links.items()):
                if link.archived_on is None and link.ends_on <= day:
                    link.archived_on = link.ends_on
                if (
                    link.archived_on is not None
                    and add_years(link.archived_on, ARCHIVE_YEARS) <= day
                ):
                    del youth.links[link_id]
            if not youth.links:
                youth.forget()
                continue
            self.rematch(youth, day, notify=False)
            # rule 6: one reminder to the follow-up checker when the match waits too long
            made = youth.match_made
            if made is not None and not youth.reminded and made + FOLLOW_UP <= day:
                code = youth.subject.address.municipality_code
                youth.tell(NotificationKind.FOLLOW_UP_REMINDER, code)
                youth.reminded = True
        self.swept_on = day
        with self.store.transaction() as tx:
            for youth in self.youths.values():
                dossier = tx.load(youth.key)
                if dossier is None:
                    continue
                assert age(youth.person.birth_date, day) < AGE_LIMIT, f"{youth.name} is 23"
                assert youth.subject.died_on is None, f"{youth.name} died"
                late = [
                    lk.id
                    for lk in dossier.links
                    if lk.status is LinkStatus.ACTIVE and lk.ends_on <= day
                ]
                assert not late, f"{youth.name}: active links past their end after a sweep"

    def withheld(self, youth: Youth, day: date) -> bool:
        """Whether the outbox hands out nothing of *youth* on *day*: all their links must
        go, sweep or not (decision 106)."""
        return youth.subject.died_on is not None or age(youth.person.birth_date, day) >= AGE_LIMIT

    @rule()
    def acknowledge_all(self) -> None:
        day = self.today()
        pending = self.index.pending_notifications()
        assert self.index.acknowledge([n.id for n in pending]) == len(pending)
        for youth in self.youths.values():
            if not self.withheld(youth, day):
                youth.clear_outbox()

    # -- notices from the population register -----------------------------------------------

    @rule(
        name=youth_names,
        municipality=st.sampled_from(sorted(MUNICIPALITIES)),
        house=st.integers(1, 99),
    )
    def record_move(self, name: str, municipality: str, house: int) -> None:
        youth = self.youths[name]
        day = self.today()
        active = youth.active(day)
        if youth.links and not active:
            return  # not settled: see the module docstring
        new = self.moved(youth, municipality, house, None)
        told = self.index.record_move(new)
        if youth.links and age(youth.person.birth_date, day) >= AGE_LIMIT:
            assert told == 0  # due for deletion: no one is told, nothing changes
            return
        old_code = youth.subject.address.municipality_code
        new_code = new.address.municipality_code
        repeated = new.address == youth.subject.address  # a notice repeated: no move
        youth.subject = new
        if not youth.links or repeated:
            assert told == 0
            return
        professionals = youth.professionals(active)
        assert told == len(professionals)
        for pid in professionals:
            youth.pending[(NotificationKind.MOVE, pid)] += 1
        for lid in active:  # one active link per professional: the one the notice names
            youth.moves[lid] += 1
        if new_code != old_code:
            youth.pending[(NotificationKind.MOVE, new_code)] += 1
        new_region = MUNICIPALITIES[municipality][1]
        if new_region != MUNICIPALITIES[CODES[old_code]][1]:
            youth.pending[(None, new_region)] += 1

    @rule(
        name=youth_names,
        when=st.sampled_from(["today", "yesterday", "birth", "tomorrow", "before-birth"]),
        as_bsn=st.booleans(),
    )
    def record_death(self, name: str, when: str, as_bsn: bool) -> None:
        youth = self.youths[name]
        day = self.today()
        died_on = {
            "today": day,
            "yesterday": day - timedelta(days=1),
            "birth": youth.person.birth_date,
            "tomorrow": day + timedelta(days=1),
            "before-birth": youth.person.birth_date - timedelta(days=1),
        }[when]
        notice = youth.subject.number if as_bsn else youth.subject
        if as_bsn and not youth.links and died_on < youth.person.birth_date:
            # a bare BSN of a youth with nothing stored: no birth date to check against,
            # so refusing and doing nothing are both right
            with contextlib.suppress(ValidationError):
                assert self.index.record_death(notice, died_on) == 0
            return
        if died_on > day or died_on < youth.person.birth_date:
            with pytest.raises(ValidationError):
                self.index.record_death(notice, died_on)
            return
        assert self.index.record_death(notice, died_on) == len(youth.links)
        youth.forget()
        if youth.subject.died_on is None:
            youth.subject = attrs.evolve(youth.subject, died_on=died_on)

    # -- data-subject rights ---------------------------------------------------------------

    @rule(
        name=youth_names,
        controller=st.booleans(),
        pick=picks,
        municipality=st.sampled_from(sorted(MUNICIPALITIES)),
        corrected_name=st.sampled_from(["Gecorrigeerde Naam", "Test Jeugdige"]),
    )
    def rectify(
        self, name: str, controller: bool, pick: int, municipality: str, corrected_name: str
    ) -> None:
        youth = self.youths[name]
        request = self.request(youth, privacy.RequestKind.RECTIFICATION)
        corrected = self.moved(youth, municipality, 1, corrected_name)
        officer = self.officer(youth, controller, pick)
        if corrected.died_on is not None:  # a death is recorded, not corrected (decision 74)
            with pytest.raises(InvalidRecordError):
                privacy.rectify(self.index, request, corrected, by=officer)
            return
        if not youth.links:
            with pytest.raises(NotFoundError):
                privacy.rectify(self.index, request, corrected, by=officer)
            return
        if not controller:
            with pytest.raises(AccessDeniedError):
                privacy.rectify(self.index, request, corrected, by=officer)
            return
        done = privacy.rectify(self.index, request, corrected, by=officer)
        assert done.status is privacy.RequestStatus.COMPLETED
        youth.subject = corrected

    @rule(name=youth_names, controller=st.booleans(), pick=picks)
    def erase(self, name: str, controller: bool, pick: int) -> None:
        youth = self.youths[name]
        request = self.request(youth, privacy.RequestKind.OBJECTION)
        officer = self.officer(youth, controller, pick)
        if not youth.links:  # nothing stored: nothing to erase, and it says so (decision 83)
            with pytest.raises(NotFoundError):
                privacy.erase(self.index, request, by=officer)
            return
        if not controller:
            with pytest.raises(AccessDeniedError):
                privacy.erase(self.index, request, by=officer)
            return
        done = privacy.erase(self.index, request, by=officer)
        assert done.status is privacy.RequestStatus.COMPLETED
        youth.forget()

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def dossiers_hold_the_model_links(self) -> None:
        with self.store.transaction() as tx:
            dossiers = {y.name: tx.load(y.key) for y in self.youths.values()}
        for youth in self.youths.values():
            dossier = dossiers[youth.name]
            if not youth.links:
                assert dossier is None, f"{youth.name}: a dossier without links is left"
                continue
            assert dossier is not None, f"{youth.name}: the dossier is gone"
            stored = {lk.id: lk for lk in dossier.links}
            assert set(stored) == set(youth.links), youth.name
            for link_id, want in youth.links.items():
                got = stored[link_id]
                assert got.professional == want.professional
                assert got.organisation == want.organisation
                assert got.ends_on == want.ends_on, (youth.name, got.ends_on, want.ends_on)
                if want.archived_on is None:
                    assert got.status is LinkStatus.ACTIVE, (youth.name, link_id)
                else:
                    assert got.status is LinkStatus.ARCHIVED, (youth.name, link_id)
                    assert got.archived_on == want.archived_on
            assert dossier.subject.name == youth.subject.name
            assert dossier.subject.address == youth.subject.address

    @invariant()
    def the_match_follows_the_rule(self) -> None:
        today = self.today()
        with self.store.transaction() as tx:
            dossiers = {y.name: tx.load(y.key) for y in self.youths.values()}
        for youth in self.youths.values():
            dossier = dossiers[youth.name]
            stored = dossier.match if dossier is not None else None
            days = {youth.evaluated_on}
            if youth.active(today) == youth.active(youth.evaluated_on):
                days.add(today)
            for day in days:
                # the rule over the *stored* links, as of the day the youth was last changed
                active = {
                    lk.id: lk
                    for lk in (dossier.links if dossier is not None else ())
                    if lk.status is LinkStatus.ACTIVE and lk.ends_on > day
                }
                held = {
                    MatchRule.DIFFERENT_ORGANISATIONS: {lk.organisation for lk in active.values()},
                    MatchRule.DIFFERENT_PROFESSIONALS: {lk.professional for lk in active.values()},
                    MatchRule.ANY_TWO_LINKS: set(active),
                }[self.rule]
                if len(held) >= 2:
                    assert stored is not None, f"{youth.name}: no match on {day}"
                    assert set(stored.links) == set(active), f"{youth.name}: on {day}"
                else:
                    assert stored is None, f"{youth.name}: a match without its condition"
            if youth.match is None:
                assert stored is None
                continue
            assert stored is not None and set(stored.links) == youth.match, youth.name
            assert set(stored.professionals) == youth.professionals(youth.match)
            assert youth.generation is not None
            if youth.generation not in self.match_ids:
                assert stored.id not in self.match_ids.values(), (
                    f"{youth.name}: a match that formed anew kept an old id"
                )
                self.match_ids[youth.generation] = stored.id
            assert self.match_ids[youth.generation] == stored.id, (
                f"{youth.name}: the match changed id while it held"
            )
        for pid, professional in PROFESSIONALS.items():
            got = {m.id for m in self.index.matches_for(professional)}
            want = {
                self.match_ids[y.generation]
                for y in self.youths.values()
                if y.match is not None
                and y.generation is not None
                and pid in y.professionals(y.match)
                # none of a youth whose links must all go, swept or not
                and y.subject.died_on is None
                and age(y.person.birth_date, today) < AGE_LIMIT
            }
            assert got == want, f"matches_for({pid})"

    @invariant()
    def changes_are_stamped_in_order(self) -> None:
        """Rule 1: a youth's links carry non-decreasing moments in the order they were
        made, and a match is never older than its links."""
        with self.store.transaction() as tx:
            dossiers = [tx.load(y.key) for y in self.youths.values()]
        for dossier in dossiers:
            if dossier is None:
                continue
            made = sorted(dossier.links, key=lambda lk: self.order[lk.id])
            moments = [lk.created_at for lk in made]
            assert moments == sorted(moments), "a later link is stamped earlier"
            if dossier.match is not None:
                members = [lk.created_at for lk in dossier.links if lk.id in dossier.match.links]
                assert dossier.match.created_at <= dossier.match.updated_at
                assert max(members) <= dossier.match.updated_at

    @invariant()
    def outbox_matches_the_model(self) -> None:
        notes = {y.name: ContractBase.filed_under(self.store, y.key) for y in self.youths.values()}
        for youth in self.youths.values():
            got = notes[youth.name]
            assert outbox_agrees(youth.pending, got), (
                f"{youth.name}: outbox {sorted(f'{n.kind.value}:{n.recipient}' for n in got)}"
                f", model {show(youth.pending)}"
            )
        day = self.today()
        total = sum(
            sum(y.pending.values()) for y in self.youths.values() if not self.withheld(y, day)
        )
        assert len(self.index.pending_notifications()) == total

    @invariant()
    def logbook_verifies(self) -> None:
        assert self.index.verify_logbook().ok


# --- one test per store ------------------------------------------------------------------------


def _run(machine: type[IndexMachine], examples: int, steps: int) -> None:
    run_state_machine_as_test(
        machine,
        settings=settings(
            max_examples=examples,
            stateful_step_count=steps,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        ),
    )


def test_memory_store() -> None:
    class OnMemory(IndexMachine):
        def make_store(self) -> Store:
            return open_store("memory://")

    _run(OnMemory, examples=300, steps=50)


def test_sqlite_file_store(tmp_path: Path) -> None:
    class OnSQLiteFile(IndexMachine):
        def make_store(self) -> Store:
            return open_store(f"sqlite:///{tmp_path / f'index-{uuid.uuid4().hex}.db'}")

    _run(OnSQLiteFile, examples=75, steps=40)


@pytest.fixture
def postgres_schemas(postgres_url: str, postgres_schema: str) -> Iterator[list[str]]:
    """Per-example schemas named after the test's own schema, dropped afterwards."""
    pytest.importorskip("psycopg")
    made: list[str] = []
    yield made
    drop_schemas(postgres_url, made)


@pytest.mark.postgres
def test_postgres_store(
    postgres_url: str, postgres_schema: str, postgres_schemas: list[str]
) -> None:
    class OnPostgres(IndexMachine):
        def make_store(self) -> Store:
            schema = f"{postgres_schema}_{len(postgres_schemas)}"
            postgres_schemas.append(schema)
            joiner = "&" if "?" in postgres_url else "?"
            return open_store(f"{postgres_url}{joiner}schema={schema}")

    _run(OnPostgres, examples=25, steps=30)
