"""The store contract, part two: the service end to end, on every store.

Registration, matching and its notifications, the lifecycle through the sweep, deletion,
imports and re-keying as they are stored and read back; with :class:`FieldContract` (field
conditions) and :class:`PrivacyContract` (roles and rights). See
:mod:`verwijsindex.testing` for how to use it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone
from typing import Any

import attrs

from verwijsindex.errors import (
    AccessDeniedError,
    AgeLimitError,
    ConfigurationError,
    DeceasedSubjectError,
    ForbiddenFieldError,
    InvalidPeriodError,
    InvalidRecordError,
    NotFoundError,
    RuleMismatchError,
    UnknownOrganisationError,
)
from verwijsindex.importing import ImportRecord, ImportStatus
from verwijsindex.index import VerwijsIndex
from verwijsindex.matching import MatchRule
from verwijsindex.model import (
    Address,
    LinkStatus,
    NotificationKind,
    Organisation,
    Recipient,
    WithdrawalReason,
)
from verwijsindex.pseudonyms import PseudonymKey
from verwijsindex.roles import FollowUpChecker
from verwijsindex.storage import Store
from verwijsindex.testing import _factories as t
from verwijsindex.testing._base import BSN_A, BSN_B, BSN_C, PARENT, START, valid_bsns
from verwijsindex.testing._factories import raises
from verwijsindex.testing._field import FieldContract
from verwijsindex.testing._national import NationalContract
from verwijsindex.testing._outbox import OutboxContract
from verwijsindex.testing._privacy import PrivacyContract

__all__ = ["IndexContract"]


class IndexContract(FieldContract, PrivacyContract, NationalContract, OutboxContract):
    """The service end to end on the store: what must hold on every store when the index
    works on it. The rules themselves are tested once, on the memory store
    (``tests/test_index.py``)."""

    def _refused(
        self, index: VerwijsIndex, call: Callable[[], object], kind: type[Exception]
    ) -> None:
        before = self.written(index)
        with raises(kind):
            call()
        assert self.written(index) == before

    def test_no_bsn_in_the_stored_dossier(self) -> None:
        index, _ = self.index()
        index.register(self.youth(BSN_A, parents=[PARENT]), self.pro("p1", "GGD Zuid-Limburg"))
        with index.store.transaction() as tx:
            (key,) = tx.keys(None, 10)
            dossier = tx.load(key)
        assert dossier is not None
        text = repr(dossier) + repr(attrs.asdict(dossier))
        assert BSN_A not in text and PARENT not in text
        assert key == index.keyring.pseudonym(self.youth(BSN_A).number)

    def test_only_the_youth_s_own_bsn_is_refused_in_a_professional(self) -> None:
        """Decision 115: the youth's or a parent's BSN in the professional's id, phone or
        e-mail address is refused and nothing is written; a nine-digit number that passes
        the elfproef but is not theirs (an RSIN as an organisation's id, a staff number,
        a phone without its 0) is taken, and so is the organisation as the directory
        holds it, copied into the professional, whatever it held before decision 114."""
        index, _ = self.index()
        rsin = attrs.evolve(
            self.pro("x", "GGD Zuid-Limburg").organisation, id=BSN_B, phone="612345609"
        )
        index.add_organisation(rsin)
        old = attrs.evolve(rsin, id="ggd-oud", name="GGD 232262536")
        with index.store.transaction() as tx:  # as a version before decision 114 stored it
            tx.put_organisation(old)
        youth = self.youth(parents=[PARENT])
        p1 = attrs.evolve(self.pro(BSN_C, "GGD Zuid-Limburg"), name="Jan Smit", organisation=rsin)
        for bad in (
            attrs.evolve(p1, id=f"mdw-{BSN_A}"),
            attrs.evolve(p1, phone=PARENT),
            attrs.evolve(p1, email=f"{BSN_A}@ggd.example.nl"),
            attrs.evolve(p1, organisation=attrs.evolve(rsin, phone=BSN_A)),
            attrs.evolve(p1, organisation=attrs.evolve(old, name="GGD 111222333")),
        ):
            self._refused(index, functools.partial(index.register, youth, bad), InvalidRecordError)
        index.register(youth, p1)
        p2 = attrs.evolve(self.pro("p2", "GGD Zuid-Limburg"), organisation=old)
        second = index.register(youth, p2)
        assert second.match is not None and second.match.professionals == (BSN_C, "p2")
        index.add_professional(attrs.evolve(p1, email="nieuw@ggd.example.nl"))
        index.add_organisation(attrs.evolve(rsin, phone="043 123 4567"))
        assert index.professional(BSN_C).email == "nieuw@ggd.example.nl"

    def test_a_match_that_forms_when_a_link_goes_is_told(self) -> None:
        """A match that forms on a withdrawal or on the sweep (the rule changed since the
        youth was last judged: one organisation's three professionals, then the rule of
        different professionals, as a change of rule that stopped before it judged the
        youth leaves them) is told to everyone in it and to the follow-up checker, as one
        formed by a registration is. It was formed and stored, and the checker was
        reminded of it later, but no one was told (decision 118)."""
        for end in ("withdraw", "sweep"):
            index, clock = self.index()
            youth = self.youth()
            pros = [self.pro(p, "GGD Zuid-Limburg") for p in ("p1", "p2", "p3")]
            index.register(youth, pros[0])
            index.register(youth, pros[1])
            ends_on = clock().date() + timedelta(days=2)
            third = index.register(youth, pros[2], ends_on=ends_on)
            assert third.match is None and index.pending_notifications() == []
            rule = MatchRule.DIFFERENT_PROFESSIONALS
            with index.store.transaction() as tx:
                tx.put_setting("match_rule", rule.value, replace=True)
            judged = VerwijsIndex(index.store, key=t.TEST_KEY, clock=clock, match_rule=rule)
            if end == "withdraw":
                judged.withdraw(third.link.id, by="p3", reason=WithdrawalReason.RISK_RESOLVED)
            else:
                clock.advance(timedelta(days=3))
                judged.sweep()
            (match,) = judged.matches_for("p1")
            assert match.professionals == ("p1", "p2"), end
            told = {(n.recipient, n.kind) for n in judged.pending_notifications()}
            code = youth.address.municipality_code
            assert told == {
                ("p1", NotificationKind.MATCH),
                ("p2", NotificationKind.MATCH),
                (code, NotificationKind.FOLLOW_UP),
            }, end
            assert all(n.match_id == match.id for n in judged.pending_notifications())

    def test_an_index_with_another_match_rule_is_refused(self) -> None:
        """Decision 119: the store keeps the rule its youths were judged by, and a worker
        set up with another is refused before it reads or writes, where it would form and
        dissolve matches the others would not."""
        index, clock = self.index()
        index.register(self.youth(), self.pro("p1", "GGD Zuid-Limburg"))
        before = self.written(index)
        for rule in (MatchRule.DIFFERENT_PROFESSIONALS, MatchRule.ANY_TWO_LINKS):
            with raises(RuleMismatchError):
                VerwijsIndex(index.store, key=t.TEST_KEY, clock=clock, match_rule=rule)
        assert self.written(index) == before
        with index.store.transaction() as tx:
            assert tx.setting("match_rule") == MatchRule.DIFFERENT_ORGANISATIONS.value
        VerwijsIndex(index.store, key=t.TEST_KEY, clock=clock)  # the store's rule opens

    def test_an_index_may_take_the_store_s_match_rule(self) -> None:
        """``match_rule=None`` takes the rule the store records (the command line opens a
        store so, whatever rule the application runs) and records none itself: a store
        that records none is refused, where a report opened first would have fixed the
        store's rule for the application."""
        index, clock = self.index(match_rule=MatchRule.DIFFERENT_PROFESSIONALS)
        follower = VerwijsIndex(index.store, key=t.TEST_KEY, clock=clock, match_rule=None)
        assert follower.match_rule is MatchRule.DIFFERENT_PROFESSIONALS
        fresh = self.store()
        with raises(RuleMismatchError):
            VerwijsIndex(fresh, key=t.TEST_KEY, clock=clock, match_rule=None)
        with fresh.transaction() as tx:
            assert tx.setting("match_rule") is None
        VerwijsIndex(fresh, key=t.TEST_KEY, clock=clock, match_rule=MatchRule.ANY_TWO_LINKS)
        with fresh.transaction() as tx:
            assert tx.setting("match_rule") == MatchRule.ANY_TWO_LINKS.value

    def test_a_change_of_rule_counts_no_match_of_a_youth_of_23(self) -> None:
        """A youth who turned 23 and is not swept yet is judged by the new rule, and no
        one is told: nor is a match counted in the statistics, or in the change's report
        (the third review of decision 120 found both)."""
        index, clock = self.index()
        old = self.youth(BSN_B, age=22)
        for p in ("p1", "p2"):
            index.register(old, self.pro(p, "GGD Zuid-Limburg"))
        index.acknowledge([n.id for n in index.pending_notifications()])
        clock.advance(timedelta(days=366))
        with index.store.transaction() as tx:
            before = tx.counts(date(2000, 1, 1), date(2100, 1, 1))
        changed = index.change_match_rule(MatchRule.DIFFERENT_PROFESSIONALS)
        assert (changed.formed, changed.grew, changed.dissolved) == (0, 0, 0)
        assert index.pending_notifications() == []
        with index.store.transaction() as tx:
            assert tx.counts(date(2000, 1, 1), date(2100, 1, 1)) == before

    def test_a_change_of_rule_during_an_unfinished_re_key_writes_nothing(self) -> None:
        """Decision 119: refused before the new rule is recorded, so the store's rule and
        the youths' matches stay as they were until the re-key is finished."""
        index, _ = self.index()
        index.register(self.youth(), self.pro("p1", "GGD Zuid-Limburg"))
        with index.store.transaction() as tx:
            tx.add_key_check("key-2", "check")
            tx.set_key_move("key-2", True)
        with raises(ConfigurationError):
            index.change_match_rule(MatchRule.DIFFERENT_PROFESSIONALS)
        with index.store.transaction() as tx:
            assert tx.setting("match_rule") == MatchRule.DIFFERENT_ORGANISATIONS.value
        assert index.match_rule is MatchRule.DIFFERENT_ORGANISATIONS

    def test_changing_the_match_rule_judges_every_youth_again(self) -> None:
        """Decision 119: a match the new rule makes is told to everyone in it and to the
        follow-up checker at the change; a match that stands is not told again; one the
        rule no longer makes dissolves, telling no one; running it again tells nothing."""
        index, clock = self.index()
        one, two = self.youth(BSN_A), self.youth(BSN_B)
        for p in ("p1", "p2", "p3"):
            index.register(one, self.pro(p, "GGD Zuid-Limburg"))
        index.register(two, self.pro("p1", "GGD Zuid-Limburg"))
        index.register(two, self.pro("p4", "MEE Zuid-Limburg"))
        standing = index.matches_for("p4")
        index.acknowledge([n.id for n in index.pending_notifications()])
        changed = index.change_match_rule(MatchRule.DIFFERENT_PROFESSIONALS)
        assert (changed.youths, changed.formed, changed.grew, changed.dissolved) == (2, 1, 0, 0)
        assert index.match_rule is MatchRule.DIFFERENT_PROFESSIONALS
        told = sorted((n.recipient, n.kind.value) for n in index.pending_notifications())
        code = one.address.municipality_code
        assert told == [(code, "follow-up"), ("p1", "match"), ("p2", "match"), ("p3", "match")]
        assert index.matches_for("p4") == standing
        with raises(RuleMismatchError):
            VerwijsIndex(index.store, key=t.TEST_KEY, clock=clock)
        index.acknowledge([n.id for n in index.pending_notifications()])
        again = index.change_match_rule(MatchRule.DIFFERENT_PROFESSIONALS)
        assert (again.formed, again.grew, again.dissolved) == (0, 0, 0)
        assert index.pending_notifications() == []
        back = VerwijsIndex(
            index.store,
            key=t.TEST_KEY,
            clock=clock,
            match_rule=MatchRule.DIFFERENT_PROFESSIONALS,
        ).change_match_rule(MatchRule.DIFFERENT_ORGANISATIONS)
        assert (back.formed, back.grew, back.dissolved) == (0, 0, 1)
        assert index.pending_notifications() == []
        reopened = VerwijsIndex(index.store, key=t.TEST_KEY, clock=clock)
        assert [m.professionals for m in reopened.matches_for("p2")] == []
        assert reopened.matches_for("p4") == standing
        with raises(ConfigurationError):
            reopened.change_match_rule("any-two-links")  # type: ignore[arg-type]

    def test_two_organisations_match_and_everyone_is_told(self) -> None:
        index, _ = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        first = index.register(self.youth(), p1)
        assert first.created and first.match is None and not first.archive_hint
        assert index.pending_notifications() == []
        second = index.register(self.youth(), p2)
        match = second.match
        assert match is not None and match.professionals == ("p1", "p2")
        assert set(match.links) == {first.link.id, second.link.id}
        notes = index.pending_notifications()
        by_recipient = {n.recipient: n for n in notes}
        assert set(by_recipient) == {"p1", "p2", "0935"}
        assert [c.professional_id for c in by_recipient["p1"].contacts] == ["p2"]
        assert [c.professional_id for c in by_recipient["p2"].contacts] == ["p1"]
        assert by_recipient["0935"].kind is NotificationKind.FOLLOW_UP
        assert by_recipient["0935"].contacts == ()
        assert all(n.match_id == match.id for n in notes)
        assert index.matches_for(p1) == [match] and index.matches_for("p2") == [match]

    def test_registering_again_is_idempotent(self) -> None:
        index, clock = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        index.register(self.youth(), p1)
        first = index.register(self.youth(), p2)
        before = self.written(index)
        clock.advance(timedelta(days=3))
        again = index.register(self.youth(), p2)
        assert not again.created and again.link == first.link and again.match == first.match
        assert self.written(index) == before
        assert len(index.links_for(p2)) == 1

    def test_a_later_link_joins_and_notifies_everyone_again(self) -> None:
        index, clock = self.index()
        index.register(self.youth(), self.pro("p1", "GGD Zuid-Limburg"))
        first = index.register(self.youth(), self.pro("p2", "MEE Zuid-Limburg"))
        index.acknowledge(n.id for n in index.pending_notifications())
        clock.advance(timedelta(days=10))
        third = index.register(self.youth(), self.pro("p3", "Sint Jozefschool"))
        assert third.match is not None and first.match is not None
        assert third.match.id == first.match.id
        assert third.match.professionals == ("p1", "p2", "p3")
        recipients = sorted(n.recipient for n in index.pending_notifications())
        assert recipients == ["0935", "p1", "p2", "p3"]

    def test_bad_input_is_refused_and_nothing_is_written(self) -> None:
        index, _ = self.index()
        pro = self.pro("p1", "GGD Zuid-Limburg")
        index.register(self.youth(BSN_B), pro)
        born_23_years_ago_today = date(START.year - 23, START.month, START.day)
        old = t.make_subject(bsn=BSN_A, birth_date=born_23_years_ago_today)
        self._refused(index, lambda: index.register(old, pro), AgeLimitError)
        dead = self.youth(BSN_A, died_on=date(2026, 1, 1))
        self._refused(index, lambda: index.register(dead, pro), DeceasedSubjectError)
        stranger = self.pro("p9", "Onbekende Stichting")
        self._refused(
            index, lambda: index.register(self.youth(), stranger), UnknownOrganisationError
        )
        reason: dict[str, Any] = {"reason": "zorgen over thuis"}
        self._refused(
            index, lambda: index.register(self.youth(), pro, **reason), ForbiddenFieldError
        )
        self._refused(
            index, lambda: index.register(self.youth(), pro, colour="red"), InvalidRecordError
        )
        late = date(2029, 1, 1)
        self._refused(
            index, lambda: index.register(self.youth(), pro, ends_on=late), InvalidPeriodError
        )
        past = date(2026, 11, 1)
        self._refused(
            index, lambda: index.register(self.youth(), pro, ends_on=past), InvalidPeriodError
        )
        not_a_subject: Any = {"bsn": BSN_A}
        self._refused(index, lambda: index.register(not_a_subject, pro), InvalidRecordError)

    def test_expiry_archives_and_archived_links_never_match(self) -> None:
        index, clock = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        first = index.register(self.youth(), p1, ends_on=date(2027, 1, 1))
        clock.set(datetime(2027, 1, 2, 9, 0, tzinfo=timezone.utc))
        report = index.sweep()
        assert report.expired == 1 and report.purged == 0
        (link,) = index.links_for(p1)
        assert link.status is LinkStatus.ARCHIVED and link.archived_on == date(2027, 1, 1)
        second = index.register(self.youth(), p2)
        assert second.match is None and second.archive_hint
        assert index.history(self.youth(), p2) == [link]
        again = index.register(self.youth(), p1)
        assert again.archive_hint and again.link.id != first.link.id
        assert again.match is not None  # two new active links from two organisations
        p3 = self.pro("p3", "Sint Jozefschool")
        assert index.register(self.youth(), p3).archive_hint
        assert not index.register(self.youth(BSN_B), p2).archive_hint

    def test_archive_is_purged_after_five_years(self) -> None:
        index, clock = self.index()
        pro = self.pro("p1", "GGD Zuid-Limburg")
        index.register(self.youth(age=5), pro, ends_on=date(2027, 1, 1))
        other = index.register(self.youth(age=5), self.pro("p2", "MEE Zuid-Limburg"))
        clock.set(datetime(2031, 12, 31, 9, 0, tzinfo=timezone.utc))
        report = index.sweep()
        assert report.expired == 2 and report.purged == 0  # both ended; neither purged yet
        assert len(index.links_for(pro)) == 1
        clock.set(datetime(2032, 1, 1, 9, 0, tzinfo=timezone.utc))
        report = index.sweep()
        assert report.purged == 1
        assert index.links_for(pro) == []
        assert [lk.id for lk in index.links_for("p2")] == [other.link.id]

    def test_withdrawal_risk_resolved_archives(self) -> None:
        index, _ = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        a = index.register(self.youth(), p1)
        b = index.register(self.youth(), p2)
        assert b.match is not None
        archived = index.withdraw(a.link.id, by=p1, reason=WithdrawalReason.RISK_RESOLVED)
        assert archived is not None and archived.status is LinkStatus.ARCHIVED
        assert archived.withdrawal_reason is WithdrawalReason.RISK_RESOLVED
        assert index.matches_for(p2) == []  # the match dissolves: one active link is left
        assert index.links_for(p1) == [archived]

    def test_withdrawal_unjustified_deletes(self) -> None:
        index, _ = self.index()
        p1 = self.pro("p1", "GGD Zuid-Limburg")
        a = index.register(self.youth(), p1)
        assert index.withdraw(a.link.id, by=p1, reason=WithdrawalReason.UNJUSTIFIED) is None
        assert index.links_for(p1) == []
        with raises(NotFoundError):
            index.withdraw(a.link.id, by=p1, reason=WithdrawalReason.UNJUSTIFIED)
        assert not index.register(self.youth(), self.pro("p2", "MEE Zuid-Limburg")).archive_hint

    @staticmethod
    def _pending(index: VerwijsIndex) -> list[tuple[str, str, tuple[str, ...]]]:
        return sorted(
            (n.kind.value, n.recipient, tuple(sorted(c.professional_id for c in n.contacts)))
            for n in index.pending_notifications()
        )

    def test_a_link_withdrawn_as_unjustified_is_named_by_no_pending_notice(self) -> None:
        """a and b in Maastricht, c in Heerlen (another region) match on one youth; c's
        link is withdrawn as unjustified: deleted as if never made (JW 7.1.4.5(1)(a)). The
        notices still pending named c to a and b, a and b to c, and told both regions'
        coordinators of a match across them: c's go, a's and b's name each other only,
        and the coordinators' go, as the match no longer spans two regions (decision 95)."""
        index, _ = self.index()
        a, b = self.pro("a1", "GGD Zuid-Limburg"), self.pro("b1", "Sint Jozefschool")
        c = self.pro("c1", "MEE Zuid-Limburg", municipality="Heerlen")
        for p in (a, b, c):
            index.add_organisation(p.organisation)
        index.register(self.youth(), a)
        match = index.register(self.youth(), b).match
        withdrawn = index.register(self.youth(), c)
        pending = self._pending(index)
        assert ("coordinator", "Parkstad Limburg", ("a1", "b1", "c1")) in pending
        assert ("match", "c1", ("a1", "b1")) in pending
        index.withdraw(withdrawn.link.id, by=c, reason=WithdrawalReason.UNJUSTIFIED)
        assert self._pending(index) == [
            ("follow-up", "0935", ()),
            ("follow-up", "0935", ()),
            ("match", "a1", ("b1",)),
            ("match", "a1", ("b1",)),
            ("match", "b1", ("a1",)),
            ("match", "b1", ("a1",)),
        ]
        assert match is not None and [m.id for m in index.matches_for(a)] == [match.id]

    def test_a_match_dissolved_by_an_unjustified_link_is_told_to_no_one(self) -> None:
        """a and c match; c's link is withdrawn as unjustified, and the match is gone: its
        notices still pending (to a and c, and the follow-up checker's) go with it."""
        index, _ = self.index()
        a, c = self.pro("a1", "GGD Zuid-Limburg"), self.pro("c1", "MEE Zuid-Limburg")
        index.register(self.youth(), a)
        withdrawn = index.register(self.youth(), c)
        assert withdrawn.match is not None and self._pending(index)
        index.withdraw(withdrawn.link.id, by=c, reason=WithdrawalReason.UNJUSTIFIED)
        assert self._pending(index) == []
        assert index.matches_for(a) == []

    def test_a_move_notice_stops_naming_a_link_withdrawn_as_unjustified(self) -> None:
        """After a move, a, b and c each have a move notice pending naming the others; c's
        link is withdrawn as unjustified: c's notice goes, a's and b's stop naming c."""
        index, _ = self.index()
        organisations = ("GGD Zuid-Limburg", "Sint Jozefschool", "MEE Zuid-Limburg")
        pros = [self.pro(f"{n}1", org) for n, org in zip("abc", organisations, strict=True)]
        youth = self.youth()
        registrations = [index.register(youth, p) for p in pros]
        index.acknowledge(n.id for n in index.pending_notifications())
        index.record_move(
            attrs.evolve(youth, address=Address("Markt", "2", "6211 CK", "Maastricht", "0935"))
        )
        assert sorted(r for k, r, _ in self._pending(index) if k == "move") == ["a1", "b1", "c1"]
        index.withdraw(registrations[2].link.id, by=pros[2], reason=WithdrawalReason.UNJUSTIFIED)
        assert self._pending(index) == [("move", "a1", ("b1",)), ("move", "b1", ("a1",))]

    def test_an_unjustified_link_takes_nothing_told_through_an_earlier_one(self) -> None:
        """a and c matched; c's link was withdrawn as the risk resolved (archived, kept
        lawfully: what was told of it stays). c registers again, a new match forms, and
        that second link is withdrawn as unjustified: its match's notices go, the first
        match's stay, to a and to c (decision 95)."""
        index, _ = self.index()
        a, c = self.pro("a1", "GGD Zuid-Limburg"), self.pro("c1", "MEE Zuid-Limburg")
        index.register(self.youth(), a)
        first = index.register(self.youth(), c)
        index.withdraw(first.link.id, by=c, reason=WithdrawalReason.RISK_RESOLVED)
        lawful = self._pending(index)
        assert ("match", "c1", ("a1",)) in lawful
        second = index.register(self.youth(), c)
        assert second.match is not None and first.match is not None
        assert second.match.id != first.match.id
        index.withdraw(second.link.id, by=c, reason=WithdrawalReason.UNJUSTIFIED)
        assert self._pending(index) == lawful

    def test_a_move_to_another_region_stops_naming_a_link_withdrawn_as_unjustified(
        self,
    ) -> None:
        """The youth moves to Heerlen: the new municipality and the new region's coordinator
        are told every active link's professional. c's link is then withdrawn as
        unjustified: neither names c any longer, nor does a's move notice (decision 95)."""
        index, _ = self.index()
        a, c = self.pro("a1", "GGD Zuid-Limburg"), self.pro("c1", "MEE Zuid-Limburg")
        youth = self.youth()
        index.register(youth, a)
        withdrawn = index.register(youth, c).link
        index.acknowledge(n.id for n in index.pending_notifications())
        heerlen = Address("Markt", "2", "6411 EJ", "Heerlen", "0917")
        index.record_move(attrs.evolve(youth, address=heerlen))
        assert any("c1" in contacts for _, _, contacts in self._pending(index))
        index.withdraw(withdrawn.id, by=c, reason=WithdrawalReason.UNJUSTIFIED)
        pending = self._pending(index)
        assert pending and not any(r == "c1" or "c1" in contacts for _, r, contacts in pending)

    def test_a_risk_resolved_withdrawal_leaves_the_pending_notices(self) -> None:
        """An archived link is kept lawfully (JW 7.1.4.5(1)(b)): what was told of it stays."""
        index, _ = self.index()
        a, c = self.pro("a1", "GGD Zuid-Limburg"), self.pro("c1", "MEE Zuid-Limburg")
        index.register(self.youth(), a)
        withdrawn = index.register(self.youth(), c)
        before = self._pending(index)
        index.withdraw(withdrawn.link.id, by=c, reason=WithdrawalReason.RISK_RESOLVED)
        assert self._pending(index) == before

    def test_a_link_past_its_end_is_withdrawn_by_no_one_whether_or_not_the_sweep_ran(
        self,
    ) -> None:
        """A link whose end day has come is archived from that day (JW 7.1.4.5(2)(a)) and
        purged five years later; a withdrawal as risk resolved afterwards finds no active
        link, before the sweep as after it, and does not restart the archive's five years
        (decision 6)."""
        end = START.date() + timedelta(days=30)
        purge = datetime(end.year + 5, end.month, end.day, 9, 0, tzinfo=timezone.utc)
        for reason in [WithdrawalReason.RISK_RESOLVED]:
            for swept in (False, True):
                index, clock = self.index()
                nurse = self.pro("p1", "GGD Zuid-Limburg")
                link = index.register(self.youth(), nurse, ends_on=end).link
                clock.advance(timedelta(days=180))
                if swept:
                    index.sweep()
                with raises(NotFoundError):
                    index.withdraw(link.id, by=nurse, reason=reason)
                assert [(lk.status, lk.archived_on) for lk in index.links_for(nurse)] == [
                    (LinkStatus.ARCHIVED, end)
                ]
                clock.set(purge - timedelta(days=1))
                assert index.sweep().purged == 0
                clock.set(purge)
                assert index.sweep().purged == 1

    def test_a_link_in_the_archive_found_unjustified_is_deleted_from_it(self) -> None:
        """A link found unjustified is deleted, not archived (JW 7.1.4.5(1)(a)), also when
        it had ended or had been withdrawn as risk resolved: it was refused as no active
        link and stayed in the archive for five years, with its archive hint to the next
        professional (decision 103). A second withdrawal of any kind finds nothing."""
        end = START.date() + timedelta(days=30)
        for way in ("ended", "ended and swept", "risk resolved"):
            index, clock = self.index()
            nurse = self.pro("p1", "GGD Zuid-Limburg")
            short = index.register(self.youth(BSN_A), nurse, ends_on=end).link
            kept = index.register(self.youth(BSN_B), nurse).link
            if way == "risk resolved":
                index.withdraw(short.id, by=nurse, reason=WithdrawalReason.RISK_RESOLVED)
            clock.advance(timedelta(days=180))
            if way == "ended and swept":
                index.sweep()
            with raises(AccessDeniedError):  # only the professional who made it
                index.withdraw(
                    short.id,
                    by=self.pro("p2", "MEE Zuid-Limburg"),
                    reason=WithdrawalReason.UNJUSTIFIED,
                )
            done = index.withdraw(short.id, by=nurse, reason=WithdrawalReason.UNJUSTIFIED)
            assert done is None, way
            assert [lk.id for lk in index.links_for(nurse)] == [kept.id], way
            for reason in WithdrawalReason:
                with raises(NotFoundError):
                    index.withdraw(short.id, by=nurse, reason=reason)
            teacher = self.pro("p2", "MEE Zuid-Limburg")
            assert not index.register(self.youth(BSN_A), teacher).archive_hint, way
            assert index.verify_logbook().ok

    def test_a_sweep_as_of_a_moment_still_to_come_is_refused(self) -> None:
        """A sweep runs as of a moment that has come (the clock's, five minutes' difference
        between hosts allowed): one as of next year would stamp the youth's record with it,
        and every registration after it would start, and end, a year late (decision 30)."""
        index, clock = self.index()
        nurse = self.pro("p1", "GGD Zuid-Limburg")
        index.register(self.youth(), nurse, ends_on=START.date() + timedelta(days=30))

        def state() -> tuple[object, ...]:
            with index.store.transaction() as tx:
                keys = tx.keys(None, 10)
                return (keys, [tx.load(k) for k in keys], tx.log_heads())

        before = state()
        with raises(InvalidRecordError) as caught:
            index.sweep(START + timedelta(days=300))
        assert "now" in str(caught[0])
        assert state() == before
        assert index.sweep(START + timedelta(minutes=4)).expired == 0  # hosts' clocks differ
        clock.advance(timedelta(days=1))
        link = index.register(self.youth(), self.pro("p2", "MEE Zuid-Limburg")).link
        assert link.created_at == START + timedelta(days=1)

    def test_turning_23_deletes_everything(self) -> None:
        index, clock = self.index()
        born = date(2004, 2, 29)
        youth = t.make_subject(bsn=BSN_A, birth_date=born)
        p1 = self.pro("p1", "GGD Zuid-Limburg")
        index.register(youth, p1, ends_on=date(2027, 1, 1))
        clock.set(datetime(2027, 1, 5, 9, 0, tzinfo=timezone.utc))
        index.sweep()
        index.register(youth, self.pro("p2", "MEE Zuid-Limburg"))
        clock.set(datetime(2027, 2, 28, 12, 0, tzinfo=timezone.utc))
        assert index.sweep().deleted_subjects == 0  # 29 February: still 22 on 28 February
        clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc))
        report = index.sweep()
        assert report.deleted_subjects == 1 and report.deleted_links == 2
        assert index.links_for(p1) == [] and index.links_for("p2") == []
        assert self.written(index)[0] == 0

    def test_death_deletes_everything(self) -> None:
        index, clock = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        index.register(self.youth(), p1)
        index.register(self.youth(), p2)
        with index.store.transaction() as tx:
            (key,) = tx.keys(None, 10)
            dossier = tx.load(key)
            assert dossier is not None
            died = attrs.evolve(dossier.subject, died_on=date(2026, 12, 1))
            tx.save(attrs.evolve(dossier, subject=died, sweep_due=date(2026, 12, 1)))
        clock.set(datetime(2026, 12, 2, 9, 0, tzinfo=timezone.utc))
        report = index.sweep()
        assert report.deleted_subjects == 1 and report.deleted_links == 2
        assert index.matches_for(p1) == [] and index.pending_notifications() == []

    def test_sweep_is_idempotent(self) -> None:
        index, clock = self.index()
        index.register(self.youth(), self.pro("p1", "GGD Zuid-Limburg"), ends_on=date(2027, 1, 1))
        index.register(self.youth(BSN_B), self.pro("p1", "GGD Zuid-Limburg"))
        clock.set(datetime(2027, 6, 1, 9, 0, tzinfo=timezone.utc))
        first = index.sweep()
        second = index.sweep()
        assert first.expired == 1 and first.dossiers == 1
        assert (second.expired, second.purged, second.deleted_links, second.dossiers) == (
            0,
            0,
            0,
            0,
        )
        assert index.verify_logbook().ok

    def test_sweep_asks_for_each_due_key_about_once(self) -> None:
        index, clock = self.index(batch_size=4)
        p1 = self.pro("p1", "GGD Zuid-Limburg")
        youths = [self.youth(bsn) for bsn in valid_bsns(30)]
        for youth in youths:
            index.register(youth, p1, ends_on=date(2027, 1, 1))
        index.register(self.youth(BSN_B), p1)  # not due
        answered: list[int] = []
        counting = _CountingSweepKeys(index.store, answered)
        index = VerwijsIndex(counting, key=t.TEST_KEY, clock=clock, batch_size=4)
        clock.set(datetime(2027, 6, 1, 9, 0, tzinfo=timezone.utc))
        report = index.sweep()
        assert report.expired == len(youths) and report.dossiers == len(youths)
        # batches of 4 then one empty answer: 30 keys read, not 4 + 8 + 12 + ... as before
        assert answered == [4] * 7 + [2, 0]
        assert index.sweep().dossiers == 0

    def test_information_overdue_after_one_month(self) -> None:
        index, clock = self.index()
        p1 = self.pro("p1", "GGD Zuid-Limburg")
        a = index.register(self.youth(age=13), p1)
        b = index.register(self.youth(BSN_B, age=13), p1)
        clock.advance(timedelta(days=3))  # informed on days 2 and 3, recorded on day 3
        index.record_informed(b.link.id, set(Recipient), START + timedelta(days=2))
        index.record_informed(a.link.id, {Recipient.YOUTH}, START + timedelta(days=3))
        assert index.overdue_information(datetime(2026, 12, 23, 12, 0, tzinfo=timezone.utc)) == []
        overdue = index.overdue_information(datetime(2026, 12, 24, 12, 0, tzinfo=timezone.utc))
        assert [(o.link.id, o.missing) for o in overdue] == [
            (a.link.id, frozenset({Recipient.LEGAL_REPRESENTATIVE}))
        ]
        with raises(AccessDeniedError):
            index.record_informed(a.link.id, {Recipient.YOUTH}, START, by="p2")

    def test_lead_and_coordination(self) -> None:
        index, _ = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        index.register(self.youth(), p1)
        match = index.register(self.youth(), p2).match
        assert match is not None
        assert index.set_lead(match.id, p2, by=p1).lead == "p2"
        assert index.mark_coordinated(match.id, p1).coordinated
        with raises(AccessDeniedError):
            index.mark_coordinated(match.id, "p3")
        with raises(NotFoundError):
            index.set_lead("no-such-match", p1)
        (stored,) = index.matches_for(p1)
        assert stored.lead == "p2" and stored.coordinated

    def test_family_match_signals(self) -> None:
        index, _ = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        index.register(self.youth(BSN_A, parents=[PARENT]), p1)
        reg = index.register(self.youth(BSN_B, parents=[PARENT]), p2)
        assert reg.match is None  # no match on the youth itself
        family = [
            n for n in index.pending_notifications() if n.kind is NotificationKind.FAMILY_MATCH
        ]
        assert sorted(n.recipient for n in family) == ["p1", "p2"]
        assert len({n.match_id for n in family}) == 1
        unrelated = index.register(self.youth(BSN_C), self.pro("p3", "Sint Jozefschool"))
        assert unrelated.match is None
        assert len(index.pending_notifications()) == 2

    def _family_after_a_registration_without_parents(self, *, bulk: bool) -> None:
        index, _ = self.index()
        nurse, teacher = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p3", "GGD Zuid-Limburg")
        index.register(self.youth(BSN_A, parents=[PARENT]), nurse)
        if bulk:
            report = index.bulk_register([ImportRecord(self.youth(BSN_A), teacher)])
            assert report.created == 1
        else:
            index.register(self.youth(BSN_A), teacher)  # this professional knows no parent
        index.register(self.youth(BSN_B, parents=[PARENT]), self.pro("p2", "MEE Zuid-Limburg"))
        family = [
            n for n in index.pending_notifications() if n.kind is NotificationKind.FAMILY_MATCH
        ]
        assert sorted(n.recipient for n in family) == ["p1", "p2", "p3"]

    def test_a_sibling_past_the_age_limit_makes_no_family_match(self) -> None:
        """From the 23rd birthday all of a youth's links must go (JW 7.1.4.5(2)(b)); until
        the sweep deletes them they still lie in the store, and must not make a family
        match that day (decision 6: no rule depends on when the sweep last ran)."""
        born = date(2004, 11, 30)  # 23 on 2027-11-30, while the link of 2026-11-23 runs
        told = []
        for day in (29, 30):
            index, clock = self.index()
            youth = t.make_subject(bsn=BSN_A, birth_date=born, parents=[PARENT])
            index.register(youth, self.pro("p1", "GGD Zuid-Limburg"))
            clock.set(datetime(2027, 11, day, 9, 0, tzinfo=timezone.utc))
            index.register(self.youth(BSN_B, parents=[PARENT]), self.pro("p2", "MEE Zuid-Limburg"))
            told.append(
                sorted(
                    n.recipient
                    for n in index.pending_notifications()
                    if n.kind is NotificationKind.FAMILY_MATCH
                )
            )
        assert told == [["p1", "p2"], []]

    def test_a_former_municipality_code_is_stored_as_the_current_one(self) -> None:
        """Nuth (0951) and Schinnen (0962) merged into Beekdaelen (1954): an address or an
        organisation given with a former code is stored with the current one, so that the
        follow-up notice goes to Beekdaelen, its checker sees the match, and a move within
        Beekdaelen written with the other code is no move to another municipality."""
        index, clock = self.index()
        nuth = Address("Dorpstraat", "1", "6361 AA", "Nuth", "0951")
        youth = attrs.evolve(self.youth(), address=nuth)
        schinnen = attrs.evolve(
            self.pro("p2", "Jeugdzorg Schinnen"),
            organisation=Organisation(
                id="jeugdzorg-schinnen",
                name="Jeugdzorg Schinnen",
                municipality_code="0962",
                email="verwijsindex@jeugdzorg-schinnen.example",
            ),
        )
        index.add_organisation(schinnen.organisation)
        index.register(youth, self.pro("p1", "GGD Zuid-Limburg"))
        match = index.register(youth, schinnen).match
        assert match is not None
        follow_up = [
            n.recipient
            for n in index.pending_notifications()
            if n.kind is NotificationKind.FOLLOW_UP
        ]
        assert follow_up == ["1954"]
        with index.store.transaction() as tx:
            (key,) = tx.keys(None, 10)
            stored = tx.load(key)
            organisation = tx.get_organisation("jeugdzorg-schinnen")
        assert stored is not None and stored.subject.address.municipality_code == "1954"
        assert organisation is not None and organisation.municipality_code == "1954"
        clock.advance(timedelta(weeks=5))
        for code in ("1954", "0951"):  # the checker's own code, or a former one
            awaiting = index.matches_awaiting_coordination(by=FollowUpChecker(code))
            assert [m.match_id for m in awaiting] == [match.id]
        index.acknowledge(n.id for n in index.pending_notifications())
        beekdaelen = attrs.evolve(nuth, city="Beekdaelen", municipality_code="1954")
        index.record_move(attrs.evolve(youth, address=beekdaelen))
        told = sorted(n.recipient for n in index.pending_notifications())
        assert told == ["p1", "p2"]  # the professionals; no municipality was left

    def test_an_import_made_before_the_birth_is_rejected_naming_created_at(self) -> None:
        index, _ = self.index()
        youth = self.youth(BSN_A, age=3)
        early = datetime(START.year - 5, 1, 1, 9, 0, tzinfo=timezone.utc)
        report = index.bulk_register([ImportRecord(youth, self.pro("p1", "GGD Zuid-Limburg"),
                                                   created_at=early)])  # fmt: skip
        (outcome,) = report.outcomes
        assert outcome.status is ImportStatus.REJECTED
        assert "created_at" in str(outcome.error) and "birth_date" in str(outcome.error)

    def test_a_repeated_registration_adds_the_parents_it_names(self) -> None:
        """The same professional registers again, now knowing a parent: the link stays the
        one there is (no second link), and the parent is registered (decision 76), so that
        a sibling registered later through them makes the family match."""
        index, _ = self.index()
        nurse = self.pro("p1", "GGD Zuid-Limburg")
        first = index.register(self.youth(BSN_A), nurse)
        again = index.register(self.youth(BSN_A, parents=[PARENT]), nurse)
        assert not again.created and again.link == first.link
        index.register(self.youth(BSN_B, parents=[PARENT]), self.pro("p2", "MEE Zuid-Limburg"))
        family = [
            n.recipient
            for n in index.pending_notifications()
            if n.kind is NotificationKind.FAMILY_MATCH
        ]
        assert sorted(family) == ["p1", "p2"]

    def test_a_repeated_registration_brings_the_professional_s_new_contact_details(
        self,
    ) -> None:
        """A professional's contact details are stored or updated with each registration
        (decision 8). A registration repeated on a current link with a new e-mail address
        kept the old one, and the next match notice gave the other professional an address
        that no longer reaches them."""
        index, _ = self.index()
        nurse = self.pro("p1", "GGD Zuid-Limburg")
        index.register(self.youth(BSN_A), nurse)
        moved = attrs.evolve(nurse, email="p1-nieuw@ggd-zuid-limburg.example")
        again = index.register(self.youth(BSN_A), moved)
        assert not again.created
        found = index.professional("p1")
        assert found is not None and found.email == moved.email
        teacher = self.pro("p2", "MEE Zuid-Limburg")
        index.register(self.youth(BSN_A), teacher)
        told = [c.email for n in index.notifications_for(teacher) for c in n.contacts]
        assert told == [moved.email]

    def test_a_registration_naming_no_parent_keeps_the_registered_ones(self) -> None:
        self._family_after_a_registration_without_parents(bulk=False)

    def test_an_import_naming_no_parent_keeps_the_registered_ones(self) -> None:
        self._family_after_a_registration_without_parents(bulk=True)

    def test_logbook_verifies_and_names_no_one(self) -> None:
        index, _ = self.index()
        index.register(self.youth(), self.pro("p1", "GGD Zuid-Limburg"))
        index.register(self.youth(), self.pro("p2", "MEE Zuid-Limburg"))
        report = index.verify_logbook()
        assert report.ok and report.entries >= 5
        with index.store.transaction() as tx:
            entries = list(tx.log_entries())
            (key,) = tx.keys(None, 10)
        refs = {e.subject_ref for e in entries if e.subject_ref}
        assert len(refs) == len([e for e in entries if e.subject_ref])  # one per entry
        assert not any(key in repr(e) or BSN_A in repr(e) for e in entries)

    def test_acknowledge_removes_from_the_outbox(self) -> None:
        index, _ = self.index()
        index.register(self.youth(), self.pro("p1", "GGD Zuid-Limburg"))
        index.register(self.youth(), self.pro("p2", "MEE Zuid-Limburg"))
        notes = index.pending_notifications()
        assert index.acknowledge([notes[0].id, notes[0].id, "unknown"]) == 1
        assert index.pending_notifications() == notes[1:]
        assert index.pending_notifications(limit=1) == notes[1:2]

    def test_bulk_register(self) -> None:
        index, _ = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        stranger = self.pro("p9", "Onbekende Stichting")
        from verwijsindex.serialization import unstructure

        as_dict = unstructure(ImportRecord(self.youth(BSN_C), p2))
        with_reason = {**as_dict, "reden": "x"}
        report = index.bulk_register(
            [
                ImportRecord(self.youth(BSN_A), p1),
                ImportRecord(self.youth(BSN_A), p2, created_at=START - timedelta(days=30)),
                ImportRecord(self.youth(BSN_A), p1),
                ImportRecord(self.youth(BSN_B), stranger),
                ImportRecord(self.youth(BSN_B, age=30), p1),
                as_dict,
                with_reason,
                {"subject": "nonsense"},
            ],
            batch_size=3,
        )
        statuses = [o.status for o in report.outcomes]
        created, dup, rej = ImportStatus.CREATED, ImportStatus.DUPLICATE, ImportStatus.REJECTED
        assert statuses == [created, created, dup, rej, rej, created, rej, rej]
        errors = [type(o.error) for o in report.outcomes if o.error is not None]
        assert errors == [
            UnknownOrganisationError,
            AgeLimitError,
            ForbiddenFieldError,
            InvalidRecordError,
        ]
        assert (report.created, report.duplicates, report.rejected) == (3, 1, 4)
        (match,) = index.matches_for(p1)
        assert match.professionals == ("p2", "p1")  # the imported link is the older one
        assert index.verify_logbook().ok

    def test_rekey_moves_every_record(self) -> None:
        index, _ = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        index.register(self.youth(BSN_A, parents=[PARENT]), p1)
        index.register(self.youth(BSN_A), p2)
        old_key = index.keyring.pseudonym(self.youth(BSN_A).number)
        new_key = PseudonymKey("key-2", b"another-secret-of-32-bytes-long!!")
        assert index.rekey(new_key) == 1
        assert index.rekey(new_key) == 0
        new = index.keyring.pseudonym(self.youth(BSN_A).number)
        assert new != old_key
        with index.store.transaction() as tx:
            assert tx.keys(None, 10) == [new]
            dossier = tx.load(new)
            assert dossier is not None and dossier.subject.key_id == "key-2"
        assert {n.recipient for n in self.filed_under(index.store, new)} == {"p1", "p2", "0935"}
        again = index.register(self.youth(BSN_A), p1)
        assert not again.created
        assert index.verify_logbook().ok

    def test_the_general_data_goes_with_the_last_link(self) -> None:
        index, clock = self.index()
        p1 = self.pro("p1", "GGD Zuid-Limburg")
        a = index.register(self.youth(BSN_A), p1)
        index.withdraw(a.link.id, by=p1, reason=WithdrawalReason.UNJUSTIFIED)
        index.register(self.youth(BSN_B), p1, ends_on=date(2027, 1, 1))
        clock.set(datetime(2032, 1, 2, 9, 0, tzinfo=timezone.utc))
        report = index.sweep()
        assert report.purged == 1
        assert self.written(index)[0] == 0  # no dossier left for either youth

    def test_deletion_makes_the_log_entries_unlinkable(self) -> None:
        index, clock = self.index()
        youth = t.make_subject(bsn=BSN_A, birth_date=date(2004, 2, 29))
        index.register(youth, self.pro("p1", "GGD Zuid-Limburg"))
        with index.store.transaction() as tx:
            (key,) = tx.keys(None, 10)
            dossier = tx.load(key)
        assert dossier is not None
        from verwijsindex.pseudonyms import log_token

        token = log_token(dossier.subject.log_secret)
        clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc))
        assert index.sweep().deleted_subjects == 1
        with index.store.transaction() as tx:
            assert tx.log_entries_for(token) == []
        assert index.verify_logbook().ok

    def test_a_death_notice_deletes_at_once(self) -> None:
        index, _ = self.index()
        index.register(self.youth(), self.pro("p1", "GGD Zuid-Limburg"))
        index.register(self.youth(), self.pro("p2", "MEE Zuid-Limburg"))
        assert index.record_death(self.youth(), date(2026, 11, 22)) == 2
        assert self.written(index)[:2] == (0, 0)
        assert index.record_death(self.youth(), date(2026, 11, 22)) == 0
        with _raises_invalid():
            index.record_death(self.youth(), "yesterday")  # type: ignore[arg-type]

    def test_a_move_notice_on_the_23rd_birthday_tells_no_one(self) -> None:
        """From the 23rd birthday all of a youth's links must go (JW 7.1.4.5(2)(b)); until
        the sweep deletes them they still lie in the store. A move notice that day tells
        no one, as a registration is refused (decision 6: no rule waits for the sweep)."""
        index, clock = self.index()
        youth = t.make_subject(bsn=BSN_A, birth_date=date(2004, 2, 29))
        index.register(youth, self.pro("p1", "GGD Zuid-Limburg"))
        index.register(youth, self.pro("p2", "MEE Zuid-Limburg"))
        index.acknowledge(n.id for n in index.pending_notifications())
        clock.set(datetime(2027, 3, 1, 8, 0, tzinfo=timezone.utc))  # 09:00, 23 today
        moved = attrs.evolve(youth, address=self.youth(municipality="Heerlen").address)
        before = self.written(index)
        assert index.record_move(moved) == 0
        assert index.pending_notifications() == []
        assert self.written(index) == before

    def test_a_move_notice_puts_in_touch_only_professionals_who_match(self) -> None:
        """Two nurses of one organisation make no match (the default rule): the move
        notice tells each of the move, and names neither to the other. With a match, it
        names the others, as the match notice did."""
        index, _ = self.index()
        n1, n2 = self.pro("n1", "GGD Zuid-Limburg"), self.pro("n2", "GGD Zuid-Limburg")
        index.register(self.youth(), n1)
        index.register(self.youth(), n2)
        assert index.pending_notifications() == []
        index.record_move(self.youth(municipality="Heerlen"))
        to_nurses = [n for n in index.pending_notifications() if n.recipient in ("n1", "n2")]
        assert len(to_nurses) == 2 and all(n.contacts == () for n in to_nurses)
        index.acknowledge(n.id for n in index.pending_notifications())
        index.register(self.youth(municipality="Heerlen"), self.pro("p2", "MEE Zuid-Limburg"))
        index.acknowledge(n.id for n in index.pending_notifications())
        index.record_move(self.youth())
        named = {
            n.recipient: sorted(c.professional_id for c in n.contacts)
            for n in index.pending_notifications()
            if n.kind is NotificationKind.MOVE and n.recipient in ("n1", "n2", "p2")
        }
        assert named == {"n1": ["n2", "p2"], "n2": ["n1", "p2"], "p2": ["n1", "n2"]}

    def test_a_move_notice_names_only_who_match_as_the_match_stands(self) -> None:
        """Two nurses of one organisation and a mentor matched; the mentor's link ended
        and no sweep has run since: the nurses alone make no match (the default rule), so
        it has dissolved (decisions 6, 7 and 89). The move notice named each nurse to the
        other from the match as stored."""
        index, clock = self.index()
        n1, n2 = self.pro("n1", "GGD Zuid-Limburg"), self.pro("n2", "GGD Zuid-Limburg")
        index.register(self.youth(), n1)
        index.register(self.youth(), n2)
        mentor = self.pro("m1", "MEE Zuid-Limburg")
        index.register(self.youth(), mentor, ends_on=clock().date() + timedelta(days=3))
        index.acknowledge(n.id for n in index.pending_notifications())
        clock.advance(timedelta(days=5))
        index.record_move(self.youth(municipality="Heerlen"))
        to_nurses = [n for n in index.pending_notifications() if n.recipient in ("n1", "n2")]
        assert len(to_nurses) == 2 and all(n.contacts == () for n in to_nurses)

    def test_a_move_notice_tells_the_professionals_and_the_new_municipality(self) -> None:
        index, _ = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        first = index.register(self.youth(), p1)
        index.register(self.youth(), p2)
        index.acknowledge(n.id for n in index.pending_notifications())
        # a move within the municipality tells the professionals, no coordinator
        here = self.youth().address
        nearby = attrs.evolve(self.youth(), address=attrs.evolve(here, street="Nieuwstraat"))
        assert index.record_move(nearby) == 2
        notes = index.pending_notifications()
        assert sorted((n.kind.value, n.recipient) for n in notes) == [
            ("move", "p1"),
            ("move", "p2"),
        ]
        index.acknowledge(n.id for n in notes)
        moved = index.record_move(self.youth(municipality="Heerlen"))
        assert moved == 2
        notes = index.pending_notifications()
        assert {n.kind for n in notes} == {NotificationKind.MOVE, NotificationKind.COORDINATOR}
        by_recipient = {n.recipient: n for n in notes}
        assert set(by_recipient) == {"p1", "p2", "0917", "Parkstad Limburg"}
        assert by_recipient["Parkstad Limburg"].kind is NotificationKind.COORDINATOR
        assert by_recipient["p1"].link_id == first.link.id
        assert [c.professional_id for c in by_recipient["0917"].contacts] == ["p1", "p2"]
        match = index.matches_for(p1)[0]
        assert by_recipient["0917"].match_id == match.id  # the new checker follows it up
        follow = index.follow_up_status(match.id, by=FollowUpChecker("0917"))
        assert not follow.contact_made

    def test_a_failure_after_matching_writes_nothing(self) -> None:
        index, _ = self.index()
        index.register(self.youth(), self.pro("p1", "GGD Zuid-Limburg"))
        before = self.written(index)
        failing = VerwijsIndex(_FailingLog(index.store), key=t.TEST_KEY, clock=index.clock)
        with raises(_Crash):
            failing.register(self.youth(), self.pro("p2", "MEE Zuid-Limburg"))
        assert self.written(index) == before
        assert index.matches_for("p1") == []

    def test_a_match_that_ended_is_not_revived_by_a_later_link(self) -> None:
        for sweep_first in (True, False):
            index, clock = self.index()
            p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
            index.register(self.youth(), p1, ends_on=date(2027, 1, 1))
            first = index.register(self.youth(), p2).match
            clock.set(datetime(2027, 2, 1, 9, 0, tzinfo=timezone.utc))
            if sweep_first:
                assert index.sweep().matches_dissolved == 1
            later = index.register(self.youth(), self.pro("p3", "Sint Jozefschool")).match
            assert first is not None and later is not None
            assert later.id != first.id, sweep_first
            assert later.professionals == ("p2", "p3")
            assert later.lead is None and not later.coordinated
            (ended,) = index.links_for(p1)
            assert ended.status is LinkStatus.ARCHIVED and ended.archived_on == date(2027, 1, 1)
            assert index.sweep().expired == (0 if sweep_first else 1)


class _Crash(Exception):
    """Stands in for a process that dies half-way through a transaction."""


class _FailingLog:
    """A store whose transactions fail when the logbook is written, after everything else."""

    def __init__(self, store: Store) -> None:
        self.inner = store

    def transaction(self, locks: Sequence[str] = (), *, snapshot: bool = False) -> Any:
        @contextmanager
        def run() -> Iterator[Any]:
            with self.inner.transaction(locks, snapshot=snapshot) as tx:
                yield _FailingTransaction(tx)

        return run()

    def close(self) -> None:
        self.inner.close()


class _CountingSweepKeys:
    """A store that notes how many keys each ``keys_sweep_due`` answered."""

    def __init__(self, store: Store, answered: list[int]) -> None:
        self.inner = store
        self.answered = answered

    def transaction(self, locks: Sequence[str] = (), *, snapshot: bool = False) -> Any:
        @contextmanager
        def run() -> Iterator[Any]:
            with self.inner.transaction(locks, snapshot=snapshot) as tx:
                yield _CountingTransaction(tx, self.answered)

        return run()

    def close(self) -> None:
        self.inner.close()


class _CountingTransaction:
    def __init__(self, tx: Any, answered: list[int]) -> None:
        self.tx = tx
        self.answered = answered

    def keys_sweep_due(self, on: date, limit: int) -> list[str]:
        found: list[str] = self.tx.keys_sweep_due(on, limit)
        self.answered.append(len(found))
        return found

    def __getattr__(self, name: str) -> Any:
        return getattr(self.tx, name)


class _FailingTransaction:
    def __init__(self, tx: Any) -> None:
        self.tx = tx

    def __getattr__(self, name: str) -> Any:
        return getattr(self.tx, name)

    def append_log(self, entries: Any, refs: Any, seals: Any = None) -> None:
        raise _Crash()


def _raises_invalid() -> Any:
    return raises(InvalidRecordError)
