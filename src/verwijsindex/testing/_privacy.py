"""The store contract, part two: roles, access control and data-subject rights on every store.

Mixed into :class:`verwijsindex.testing.StoreContract`; see that class for how to use it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import Any

import attrs

from verwijsindex.clock import FixedClock
from verwijsindex.errors import (
    AccessDeniedError,
    InvalidRecordError,
    NotEligibleError,
    NotFoundError,
)
from verwijsindex.index import VerwijsIndex
from verwijsindex.model import (
    LogAction,
    LogEntry,
    NotificationKind,
    Recipient,
    Subject,
    WithdrawalReason,
)
from verwijsindex.privacy import (
    RequestKind,
    RequestStatus,
    RightsRequest,
    access_report,
    decide,
    erase,
    export,
    file_request,
    load_export,
    rectify,
)
from verwijsindex.pseudonyms import log_token
from verwijsindex.roles import (
    FollowUpChecker,
    OrganisationCoordinator,
    RegionCoordinator,
    RightsOfficer,
    actor_name,
)
from verwijsindex.testing import _factories as t
from verwijsindex.testing._base import ContractBase
from verwijsindex.testing._factories import raises

__all__ = ["PrivacyContract"]

START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
YOUTH_BSN = "111222333"
TODAY = START.date()

P_OWN = t.make_professional(id="p1", organisation="GGD Zuid-Limburg")
P_MATCH = t.make_professional(id="p2", organisation="MEE Zuid-Limburg")
P_OTHER = t.make_professional(id="p3", organisation="Sint Jozefschool")
ROLES: dict[str, Any] = {
    "professional-own": P_OWN,
    "professional-other": P_OTHER,
    "coordinator": OrganisationCoordinator("ggd-zuid-limburg"),
    "checker-own": FollowUpChecker("0935"),
    "checker-other": FollowUpChecker("1883"),
    "officer-own": RightsOfficer("0935"),
    "officer-other": RightsOfficer("0917"),
}


def _youth(**changes: Any) -> Subject:
    youth = t.make_subject(bsn=YOUTH_BSN, birth_date=date(2012, 6, 1), parents=["100000009"])
    return attrs.evolve(youth, **changes) if changes else youth


def _request(kind: RequestKind, *, granted: bool = False) -> RightsRequest:
    request = file_request(
        kind, _youth(), {Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE}, received_on=TODAY
    )
    return decide(request, granted=True) if granted else request


@attrs.frozen
class _World:
    index: VerwijsIndex
    link_id: str
    match_id: str


# Each operation takes the world and an actor; the set names who may do it.
_OPERATIONS: dict[str, tuple[Callable[[_World, Any], object], set[str]]] = {
    "register": (
        lambda w, a: w.index.register(_youth(), a),
        {"professional-own", "professional-other"},
    ),
    "withdraw": (
        lambda w, a: w.index.withdraw(w.link_id, by=a, reason=WithdrawalReason.RISK_RESOLVED),
        {"professional-own"},
    ),
    "record_informed": (
        lambda w, a: w.index.record_informed(w.link_id, {Recipient.YOUTH}, START, by=a),
        {"professional-own"},
    ),
    "links_for": (lambda w, a: w.index.links_for(a), {"professional-own", "professional-other"}),
    "matches_for": (
        lambda w, a: w.index.matches_for(a),
        {"professional-own", "professional-other"},
    ),
    "set_lead": (lambda w, a: w.index.set_lead(w.match_id, "p1", by=a), {"professional-own"}),
    "mark_coordinated": (
        lambda w, a: w.index.mark_coordinated(w.match_id, a),
        {"professional-own"},
    ),
    "history": (lambda w, a: w.index.history(_youth(), a), {"professional-own"}),
    "follow_up_status": (
        lambda w, a: w.index.follow_up_status(w.match_id, by=a),
        {"checker-own"},
    ),
    "organisation_contacts": (
        lambda w, a: w.index.organisation_contacts(by=a),
        {"coordinator"},
    ),
    "organisation_signals": (lambda w, a: w.index.organisation_signals(by=a), {"coordinator"}),
    "access_report": (
        lambda w, a: access_report(w.index, _request(RequestKind.ACCESS), by=a),
        {"officer-own"},
    ),
    "export": (
        lambda w, a: export(w.index, _request(RequestKind.EXPORT), by=a),
        {"officer-own"},
    ),
    "rectify": (
        lambda w, a: rectify(
            w.index,
            _request(RequestKind.RECTIFICATION, granted=True),
            _youth(name="Gecorrigeerde Naam"),
            by=a,
        ),
        {"officer-own"},
    ),
    "erase": (
        lambda w, a: erase(w.index, _request(RequestKind.OBJECTION, granted=True), by=a),
        {"officer-own"},
    ),
}


class PrivacyContract(ContractBase):
    """Roles and data-subject rights, on the store that :meth:`make_store` opens."""

    def world(self) -> _World:
        index = VerwijsIndex(self.store(), key=t.TEST_KEY, clock=FixedClock(START))
        for p in (P_OWN, P_MATCH, P_OTHER):
            index.add_organisation(p.organisation)
        first = index.register(_youth(), P_OWN)
        second = index.register(_youth(), P_MATCH)
        assert second.match is not None
        return _World(index, first.link.id, second.match.id)

    @staticmethod
    def _state(
        index: VerwijsIndex,
    ) -> tuple[tuple[object, ...], tuple[object, ...], dict[str, LogEntry]]:
        """The data about youths (without the logbook's bookkeeping in each dossier: the
        moment and the sealed count of entries, which a logged refusal moves on), the outbox
        and the log entries by id."""
        with index.store.transaction() as tx:
            keys = tx.keys(None, 1000)
            dossiers = tuple(
                None
                if d is None
                else attrs.evolve(d, changed_at=None, logged=0, log_digest="", log_seal=None)
                for d in (tx.load(k) for k in keys)
            )
            pending = tuple(tx.pending_notifications(None))
            entries = {entry.id: entry for entry in tx.log_entries()}
        return dossiers, pending, entries

    def test_a_region_coordinator_is_logged_by_the_region_s_name_alone(self) -> None:
        """A refusal is logged with its actor, and a region coordinator's region is the
        caller's text: one carrying a BSN and a note went into the logbook as it was, where
        nothing can remove it. A refused coordinator of a known region (by any of its
        names) is logged by the region's own name; of a name that is no region of this
        index, as ``region-coordinator:?``: refused and logged, the text never kept."""
        world = self.world()
        index = world.index
        note = "jongere " + YOUTH_BSN + " heeft ADHD"
        for region in (note, "maastricht-heuvelland"):
            with raises(AccessDeniedError) as caught:
                index.follow_up_status(world.match_id, by=RegionCoordinator(region))
            assert YOUTH_BSN not in str(caught[0])
        with index.store.transaction() as tx:
            actors = [e.actor for e in tx.log_entries()]
        coordinators = sorted(a for a in actors if a.startswith("region-coordinator:"))
        assert coordinators == ["region-coordinator:?", "region-coordinator:Maastricht-Heuvelland"]
        assert not any(YOUTH_BSN in a or "ADHD" in a for a in actors)
        index.store.close()

    def test_statistics_for_a_region_or_municipality_not_of_this_index_are_refused_and_logged(
        self,
    ) -> None:
        """The one operation a region's coordinator may call: one of a name that is no
        region of this index, and a follow-up checker of a municipality outside it, got a
        look-up error and no entry in the logbook, where every other role refused is
        logged."""
        world = self.world()
        index = world.index
        period = (date(2026, 1, 1), date(2026, 2, 28))
        note = "jongere " + YOUTH_BSN + " heeft ADHD"
        for who in (RegionCoordinator(note), FollowUpChecker("9999")):
            with raises(AccessDeniedError) as caught:
                index.statistics(period, by=who)
            assert YOUTH_BSN not in str(caught[0])
        with index.store.transaction() as tx:
            denied = [e.actor for e in tx.log_entries() if e.action is LogAction.DENIED]
        assert sorted(denied) == ["follow-up:9999", "region-coordinator:?"]
        index.store.close()

    def test_follow_up_status_is_refused_and_logged_whether_the_match_stands_or_not(
        self,
    ) -> None:
        """Only a follow-up checker may ask a match's status. A professional asking about a
        dissolved match, or an id no match has, was told "not found" and nothing was
        logged, while the same question about a standing match was refused and logged:
        the answer told an outsider whether a match stands. The role is checked first."""
        world = self.world()
        index = world.index
        with index.store.transaction() as tx:
            before = sum(e.action is LogAction.DENIED for e in tx.log_entries())
        with index.store.transaction() as tx:
            key = tx.key_for_match(world.match_id)
        assert key is not None
        [link] = [lk for lk in index.links_for(P_MATCH) if lk.subject == key]
        index.withdraw(link.id, by=P_MATCH, reason=WithdrawalReason.RISK_RESOLVED)
        for match_id in (world.match_id, "no-such-match"):
            with raises(AccessDeniedError):
                index.follow_up_status(match_id, by=P_OTHER)
        with index.store.transaction() as tx:
            denied = [e for e in tx.log_entries() if e.action is LogAction.DENIED]
        assert len(denied) == before + 2
        assert {e.actor for e in denied[before:]} == {actor_name(P_OTHER)}
        with raises(NotFoundError):  # the checker of the youth's municipality: dissolved
            index.follow_up_status(world.match_id, by=FollowUpChecker("0935"))
        assert index.verify_logbook().ok
        index.store.close()

    def test_role_operation_matrix(self) -> None:
        # A refused call changes nothing but the logbook, so the next cell may use its
        # world; an allowed call, or a cell that fails, leaves a world no one reuses.
        world: _World | None = None
        try:
            for operation, (call, allowed) in _OPERATIONS.items():
                for role, actor in ROLES.items():
                    if world is None:
                        world = self.world()
                    spent = world
                    if role in allowed:
                        world = None
                    try:
                        self._check_cell(spent, operation, call, role, actor, role in allowed)
                    finally:
                        if world is None:
                            spent.index.store.close()
        finally:
            if world is not None:
                world.index.store.close()

    def _check_cell(
        self,
        world: _World,
        operation: str,
        call: Callable[[_World, Any], object],
        role: str,
        actor: Any,
        allowed: bool,
    ) -> None:
        dossiers, pending, entries = self._state(world.index)
        if allowed:
            call(world, actor)
            return
        try:
            call(world, actor)
        except AccessDeniedError:
            pass
        else:
            raise AssertionError(f"{role} was allowed to {operation}")
        after_dossiers, after_pending, after_entries = self._state(world.index)
        assert (after_dossiers, after_pending) == (dossiers, pending), (role, operation)
        assert len(after_entries) == len(entries) + 1, (role, operation)
        (latest,) = (entry for key, entry in after_entries.items() if key not in entries)
        assert latest.action is LogAction.DENIED, (role, operation)
        assert latest.actor == actor_name(actor), (role, operation)
        assert world.index.verify_logbook().ok

    def test_access_report_holds_everything_stored(self) -> None:
        world = self.world()
        index = world.index
        index.record_informed(world.link_id, set(Recipient), START)
        report = access_report(index, _request(RequestKind.ACCESS), by=ROLES["officer-own"])
        assert report.subject is not None
        assert report.subject.name == _youth().name
        assert report.subject.registered_parents == 1
        assert {r.link.professional for r in report.links} == {"p1", "p2"}
        assert {r.organisation.name for r in report.links if r.organisation} == {
            "GGD Zuid-Limburg",
            "MEE Zuid-Limburg",
        }
        assert [m.id for m in report.matches] == [world.match_id]
        assert len(report.duties) == 2 and len(report.informed) == 1
        actions = [e.action for e in report.log]
        assert actions.count(LogAction.REGISTERED) == 2
        assert LogAction.SIGNALLED in actions and LogAction.INFORMED in actions
        assert YOUTH_BSN not in repr(report)
        again = access_report(index, _request(RequestKind.ACCESS), by=ROLES["officer-own"])
        assert [e.action for e in again.log].count(LogAction.READ) == 1  # the first read

    def test_export_round_trips_to_the_access_report(self) -> None:
        world = self.world()
        officer = ROLES["officer-own"]
        text = export(world.index, _request(RequestKind.EXPORT), by=officer)
        assert YOUTH_BSN not in text
        report = load_export(text)
        with world.index.store.transaction() as tx:  # drop the READ that export itself logged
            reads = [e for e in tx.log_entries() if e.action is LogAction.READ]
        assert len(reads) == 1
        expected = access_report(world.index, _request(RequestKind.ACCESS), by=officer)
        assert report == attrs.evolve(
            expected,
            generated_at=report.generated_at,
            log=tuple(e for e in expected.log if e.id != reads[0].id),
        )

    def test_a_youth_with_nothing_stored_gets_an_empty_report(self) -> None:
        index = VerwijsIndex(self.store(), key=t.TEST_KEY, clock=FixedClock(START))
        report = access_report(index, _request(RequestKind.ACCESS), by=ROLES["officer-own"])
        assert report.subject is None and report.links == () and report.log == ()

    def test_rectification_corrects_and_is_logged(self) -> None:
        world = self.world()
        officer = ROLES["officer-own"]
        with raises(InvalidRecordError):  # not granted yet
            rectify(world.index, _request(RequestKind.RECTIFICATION), _youth(), by=officer)
        done = rectify(
            world.index,
            _request(RequestKind.RECTIFICATION, granted=True),
            _youth(name="Gecorrigeerde Naam"),
            by=officer,
        )
        assert done.status.value == "completed"
        report = access_report(world.index, _request(RequestKind.ACCESS), by=officer)
        assert report.subject is not None and report.subject.name == "Gecorrigeerde Naam"
        rectified = [e for e in report.log if e.action is LogAction.RECTIFIED]
        assert [e.actor for e in rectified] == ["officer:0935"]

    def test_erasure_leaves_nothing_readable(self) -> None:
        world = self.world()
        index = world.index
        officer = ROLES["officer-own"]
        key = index.keyring.pseudonym(_youth().number)
        with index.store.transaction() as tx:
            dossier = tx.load(key)
        assert dossier is not None
        token = log_token(dossier.subject.log_secret)
        text = self.stored_text(index.store)
        if text is not None:
            assert key in text and token in text  # the search can find them while they exist
        erase(index, _request(RequestKind.OBJECTION, granted=True), by=officer)
        assert index.links_for(P_OWN) == [] and index.links_for(P_MATCH) == []
        assert index.matches_for(P_OWN) == [] and index.matches_for(P_MATCH) == []
        assert index.pending_notifications() == []
        with raises(AccessDeniedError):
            index.history(_youth(), P_OWN)
        empty = access_report(index, _request(RequestKind.ACCESS), by=officer)
        assert empty.subject is None and empty.links == () and empty.log == ()
        with index.store.transaction() as tx:
            assert tx.load(key) is None
            assert tx.log_entries_for(token) == []
            assert tx.pending_notifications(None) == []
            entries = list(tx.log_entries())
        erased = [e for e in entries if e.action is LogAction.ERASED]
        assert len(erased) == 1
        assert erased[0].actor == "officer:0935" and erased[0].subject_ref is None
        assert index.verify_logbook().ok
        text = self.stored_text(index.store)
        if text is not None:
            assert key not in text and token not in text
            assert dossier.subject.log_secret not in text
        fresh = index.register(_youth(), P_OTHER)
        assert fresh.created and fresh.match is None and not fresh.archive_hint
        report = access_report(index, _request(RequestKind.ACCESS), by=RightsOfficer("0935"))
        assert [r.link.id for r in report.links] == [fresh.link.id]
        assert {e.action for e in report.log} == {LogAction.REGISTERED}

    def test_a_rectification_naming_no_parent_keeps_the_registered_ones(self) -> None:
        """The officer corrects the name; the access report shows the parents only as a
        number, so the corrected data names none: the registered parent stays (decision
        76), or a sibling registered later would make no family match."""
        world = self.world()
        officer = ROLES["officer-own"]
        rectify(
            world.index,
            _request(RequestKind.RECTIFICATION, granted=True),
            _youth(name="Gecorrigeerde Naam", parents=()),
            by=officer,
        )
        report = access_report(world.index, _request(RequestKind.ACCESS), by=officer)
        assert report.subject is not None and report.subject.name == "Gecorrigeerde Naam"
        assert report.subject.registered_parents == 1

    def test_a_rectification_can_say_the_youth_has_no_parent_to_register(self) -> None:
        """A parent registered wrongly, and the youth has no other: corrected data naming
        none keeps the registered one (decision 76), so the wrong parent could not be
        removed, and an unrelated child of theirs made a family match that put the
        professionals in touch. ``no_parents=True`` says so, and the parent goes."""
        world = self.world()
        index = world.index
        officer = ROLES["officer-own"]
        request = _request(RequestKind.RECTIFICATION, granted=True)
        with raises(InvalidRecordError):  # no parent, yet the corrected data names one
            rectify(index, request, _youth(), by=officer, no_parents=True)
        with raises(InvalidRecordError):
            rectify(index, request, _youth(parents=()), by=officer, no_parents="yes")  # type: ignore[arg-type]
        done = rectify(index, request, _youth(parents=()), by=officer, no_parents=True)
        assert done.status is RequestStatus.COMPLETED
        report = access_report(index, _request(RequestKind.ACCESS), by=officer)
        assert report.subject is not None and report.subject.registered_parents == 0
        other = t.make_subject(bsn="123456782", birth_date=date(2015, 1, 1), parents=["100000009"])
        index.register(other, P_OTHER)
        family = [
            n for n in index.pending_notifications() if n.kind is NotificationKind.FAMILY_MATCH
        ]
        assert family == []
        index.store.close()

    def test_a_rectified_birth_date_redoes_whom_each_link_must_be_told(self) -> None:
        """Who is informed of a link follows the youth's age on the day it was made (JW
        7.1.5.1(1)): registered at 14 (the youth and the representative), the youth was
        in fact 17 (the youth alone) or 10 (the representative alone)."""
        officer = ROLES["officer-own"]
        for born, told in (
            (date(2009, 6, 1), {Recipient.YOUTH}),
            (date(2016, 6, 1), {Recipient.LEGAL_REPRESENTATIVE}),
        ):
            world = self.world()
            rectify(
                world.index,
                _request(RequestKind.RECTIFICATION, granted=True),
                _youth(birth_date=born),
                by=officer,
            )
            requesters = told if born.year < 2010 else {Recipient.LEGAL_REPRESENTATIVE}
            request = file_request(
                RequestKind.ACCESS, _youth(birth_date=born), requesters, received_on=TODAY
            )
            report = access_report(world.index, request, by=officer)
            assert [set(d.recipients) for d in report.duties] == [told, told], born

    def test_a_birth_date_a_registration_brings_redoes_whom_each_link_must_be_told(
        self,
    ) -> None:
        """A later registration brings the population register's birth date, and the
        stored one becomes it: the links made before are told by the youth's age by that
        date as after a rectification (JW 7.1.5.1(1)). They kept the recipients of the old
        date: a 17-year-old's parents were still to be told of the first link."""
        officer = ROLES["officer-own"]
        for born, told in (
            (date(2009, 6, 1), {Recipient.YOUTH}),
            (date(2016, 6, 1), {Recipient.LEGAL_REPRESENTATIVE}),
        ):
            world = self.world()  # two links, made with a birth date of age 14
            world.index.register(_youth(birth_date=born), P_OTHER)
            requesters = told if born.year < 2010 else {Recipient.LEGAL_REPRESENTATIVE}
            request = file_request(
                RequestKind.ACCESS, _youth(birth_date=born), requesters, received_on=TODAY
            )
            report = access_report(world.index, request, by=officer)
            assert [set(d.recipients) for d in report.duties] == [told, told, told], born

    def test_a_birth_date_rectified_to_after_the_link_is_taken(self) -> None:
        """A newborn registered before the population register had the birth: the birth
        date is corrected to a day after the link was made. Accepted (as before), and the
        link is told as for a youth of 0: the representative."""
        world = self.world()
        clock = world.index.clock
        assert isinstance(clock, FixedClock)
        clock.advance(timedelta(days=7))
        born = TODAY + timedelta(days=3)
        rectify(
            world.index,
            _request(RequestKind.RECTIFICATION, granted=True),
            _youth(birth_date=born),
            by=ROLES["officer-own"],
        )
        request = file_request(
            RequestKind.ACCESS,
            _youth(birth_date=born),
            {Recipient.LEGAL_REPRESENTATIVE},
            received_on=TODAY + timedelta(days=7),
        )
        report = access_report(world.index, request, by=ROLES["officer-own"])
        assert [set(d.recipients) for d in report.duties] == [{Recipient.LEGAL_REPRESENTATIVE}] * 2

    def test_a_rectification_to_impossible_data_is_refused(self) -> None:
        """A birth date after today, or a death (recorded by ``record_death``, which also
        checks its day): refused with the field named, nothing written."""
        world = self.world()
        officer = ROLES["officer-own"]
        before = self._state(world.index)
        for corrected in (
            _youth(birth_date=date(2030, 1, 1)),
            _youth(died_on=date(2026, 11, 1)),
            _youth(died_on=date(2000, 1, 1)),
        ):
            with raises(InvalidRecordError) as caught:
                rectify(
                    world.index,
                    _request(RequestKind.RECTIFICATION, granted=True),
                    corrected,
                    by=officer,
                )
            assert "birth_date" in str(caught[0]) or "died_on" in str(caught[0])
        assert self._state(world.index) == before

    @staticmethod
    def _refused_on_received(world: _World, requesters: set[Recipient], on: date) -> None:
        """An access request and a granted objection received *on*, by *requesters*: both
        refused with an ``InvalidRecordError`` naming ``received_on``."""
        officer = ROLES["officer-own"]
        access = file_request(RequestKind.ACCESS, _youth(), requesters, received_on=on)
        objection = decide(
            file_request(RequestKind.OBJECTION, _youth(), requesters, received_on=on),
            granted=True,
        )
        for call in (
            lambda: access_report(world.index, access, by=officer),
            lambda: erase(world.index, objection, by=officer),
        ):
            with raises(InvalidRecordError) as caught:
                call()
            assert "received_on" in str(caught[0])

    def test_a_request_received_after_today_is_refused(self) -> None:
        """A request dated after today (on the Amsterdam calendar) was not received: its
        operations refuse it, naming ``received_on``, and write nothing."""
        world = self.world()
        both = {Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE}
        later = TODAY + timedelta(days=30)
        before = self._state(world.index)
        self._refused_on_received(world, both, later)
        assert self._state(world.index) == before

    def test_a_request_received_further_back_than_any_answer_may_take_is_refused(
        self,
    ) -> None:
        """A request is answered within a month, extended once by at most two (AVG 12(3)).
        One dated further back is overdue or back-dated: who may file is judged on the day
        it was received, so a representative alone filed an objection for a youth of 14,
        dated when the youth was 11, and the record was erased (JW 7.1.5.1(2)). Refused,
        naming ``received_on``, nothing written; three months back, it is still answered
        (decision 98)."""
        world = self.world()
        officer = ROLES["officer-own"]
        before = self._state(world.index)
        long_ago = date(2023, 6, 1)  # the youth, born 1 June 2012, was 11
        self._refused_on_received(world, {Recipient.LEGAL_REPRESENTATIVE}, long_ago)
        assert self._state(world.index) == before
        both = {Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE}
        recent = TODAY - timedelta(days=89)
        report = access_report(
            world.index, file_request(RequestKind.ACCESS, _youth(), both, received_on=recent),
            by=officer,
        )  # fmt: skip
        assert report.links

    def test_who_may_file_is_checked_against_the_stored_birth_date(self) -> None:
        """A request filed with a false birth date (the youth, 14 as stored, made under 12
        so that the legal representative files alone) is refused when it is carried out,
        and nothing is written; filed as the stored birth date says, it goes through."""
        world = self.world()
        officer = ROLES["officer-own"]
        younger = _youth(birth_date=date(2016, 1, 1))
        parent = {Recipient.LEGAL_REPRESENTATIVE}

        def filed(kind: RequestKind, youth: Subject, who: set[Recipient]) -> RightsRequest:
            request = file_request(kind, youth, who, received_on=TODAY)
            granted = kind in (RequestKind.OBJECTION, RequestKind.RECTIFICATION)
            return decide(request, granted=True) if granted else request

        before = self._state(world.index)
        calls: list[Callable[[], object]] = [
            lambda: access_report(
                world.index, filed(RequestKind.ACCESS, younger, parent), by=officer
            ),
            lambda: export(world.index, filed(RequestKind.EXPORT, younger, parent), by=officer),
            lambda: rectify(
                world.index,
                filed(RequestKind.RECTIFICATION, younger, parent),
                _youth(name="Een Andere Naam"),
                by=officer,
            ),
            lambda: erase(world.index, filed(RequestKind.OBJECTION, younger, parent), by=officer),
        ]
        for call in calls:
            with raises(NotEligibleError):
                call()
        assert self._state(world.index) == before
        assert world.index.links_for(P_OWN) != []
        both = {Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE}
        done = erase(world.index, filed(RequestKind.OBJECTION, _youth(), both), by=officer)
        assert done.status.value == "completed" and world.index.links_for(P_OWN) == []

    def test_the_officer_must_be_the_controller(self) -> None:
        world = self.world()
        with raises(AccessDeniedError):
            access_report(world.index, _request(RequestKind.ACCESS), by=ROLES["officer-other"])
        with raises(AccessDeniedError):
            erase(world.index, _request(RequestKind.OBJECTION, granted=True), by=P_OWN)
        assert world.index.links_for(P_OWN) != []
