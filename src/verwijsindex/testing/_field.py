"""The store contract, part three: what must hold as a deployment runs, on every store.

Clocks that disagree between hosts, a key that does not fit, notices from the population
register that cannot be true, an erasure that must leave nothing to tie together, and an
import that meets bad records or a failing store. Mixed into
:class:`verwijsindex.testing.StoreContract`; see that class for how to use it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime, timedelta, timezone, tzinfo
from typing import Any

import attrs

from verwijsindex.clock import AMSTERDAM, FixedClock
from verwijsindex.delivery import compose
from verwijsindex.errors import (
    ConfigurationError,
    InvalidNoticeError,
    KeyMismatchError,
    StorageError,
    ValidationError,
    VerwijsindexError,
)
from verwijsindex.importing import ImportRecord, ImportStatus
from verwijsindex.index import VerwijsIndex
from verwijsindex.model import (
    Address,
    LinkStatus,
    NotificationKind,
    Recipient,
    Subject,
    WithdrawalReason,
)
from verwijsindex.privacy import RequestKind, access_report, decide, erase, file_request
from verwijsindex.pseudonyms import PseudonymKey
from verwijsindex.roles import OrganisationCoordinator, RightsOfficer
from verwijsindex.storage import Store
from verwijsindex.testing import _factories as t
from verwijsindex.testing._base import ContractBase, valid_bsns
from verwijsindex.testing._factories import raises

__all__ = ["FieldContract"]

START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
BSN = "111222333"
OTHER_BSN = "123456782"


class _OffsetOf25Hours(tzinfo):
    """A time zone of a caller's own whose offset no time can have."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=25)

    def dst(self, dt: datetime | None) -> timedelta:
        return timedelta(0)

    def tzname(self, dt: datetime | None) -> str:
        return "+25:00"


class FieldContract(ContractBase):
    """Field conditions, on the store that :meth:`make_store` opens."""

    def _index(self, store: Store, clock: Callable[[], datetime]) -> VerwijsIndex:
        return VerwijsIndex(store, key=t.TEST_KEY, clock=clock)

    def _registered_by_a_nurse(
        self, index: VerwijsIndex, count: int
    ) -> tuple[Any, Any, list[str], list[Subject]]:
        """A nurse and a teacher of two organisations of *index*, and *count* youths of 12
        the nurse registered: the nurse, the teacher, the youths' BSNs and the youths."""
        nurse, teacher = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        for pro in (nurse, teacher):
            index.add_organisation(pro.organisation)
        bsns = valid_bsns(count)
        youths = [self.youth(bsn, age=12) for bsn in bsns]
        for youth in youths:
            index.register(youth, nurse)
        return nurse, teacher, bsns, youths

    @staticmethod
    def _rekey_dying(store: Store, clock: Callable[[], datetime], *, moves: int) -> PseudonymKey:
        """Begin a re-key of *store* to a second key that dies after *moves* dossiers moved
        (one a batch); the key."""
        new = PseudonymKey("key-2", b"another-secret-of-32-bytes-long!!")
        dying = VerwijsIndex(
            _DiesAfterMoves(store, moves=moves), key=t.TEST_KEY, clock=clock, batch_size=1
        )
        with raises(_Died):
            dying.rekey(new)
        return new

    @staticmethod
    def _snapshot(index: VerwijsIndex) -> tuple[object, ...]:
        """Everything the store holds that the API can read, to see that nothing changed."""
        with index.store.transaction() as tx:
            keys = tx.keys(None, 1_000_000)
            return (
                tuple(tx.load(k) for k in keys),
                tuple(tx.pending_notifications(None)),
                tuple(tx.log_entries()),
                tuple(sorted(tx.log_heads().items())),
                tuple(tx.key_checks()),
            )

    # -- one youth, three hosts whose clocks disagree ----------------------------------------------

    def test_a_link_stamped_late_joins_the_match_it_follows(self) -> None:
        """Finding 1: c's worker read its clock before waiting for the youth's lock, so its
        clock is behind the links already stored. The match must hold a, b and c."""
        store = self.store()
        moment = datetime(2026, 11, 23, 21, 7, 17, tzinfo=timezone.utc)
        clocks = {
            "a": FixedClock(moment.replace(microsecond=322_000)),
            "b": FixedClock(moment.replace(microsecond=417_000)),
            "c": FixedClock(moment.replace(microsecond=197_000)),
        }
        hosts = {name: self._index(store, clock) for name, clock in clocks.items()}
        orgs = {"a": "GGD Zuid-Limburg", "b": "MEE Zuid-Limburg", "c": "Sint Jozefschool"}
        pros = {name: self.pro(name, org) for name, org in orgs.items()}
        for pro in pros.values():
            hosts["a"].add_organisation(pro.organisation)
        youth = self.youth(age=12)
        assert hosts["a"].register(youth, pros["a"]).match is None
        first = hosts["b"].register(youth, pros["b"]).match
        late = hosts["c"].register(youth, pros["c"])
        assert first is not None and late.match is not None
        assert late.match.id == first.id
        assert set(late.match.professionals) == {"a", "b", "c"}
        assert late.link.created_at >= clocks["b"]()  # never before what it follows
        for name in ("a", "b", "c"):
            (match,) = hosts[name].matches_for(name)
            assert match == late.match
        notes = hosts["c"].pending_notifications()
        for name in ("a", "b", "c"):
            mine = [n for n in notes if n.kind is NotificationKind.MATCH and n.recipient == name]
            others = {c.professional_id for c in mine[-1].contacts}
            assert others == {"a", "b", "c"} - {name}
        # the lagging host still sees every link active, and withdraws with a later stamp
        archived = hosts["c"].withdraw(
            late.link.id, by=pros["c"], reason=WithdrawalReason.RISK_RESOLVED
        )
        assert archived is not None
        (still,) = hosts["a"].matches_for("a")
        assert set(still.professionals) == {"a", "b"}
        assert hosts["a"].verify_logbook().ok

    # -- a clock in Amsterdam time -----------------------------------------------------------------

    def test_a_clock_in_amsterdam_time_through_the_night_the_clocks_go_back(self) -> None:
        """A host's clock may give Amsterdam time: the clock protocol asks for an aware
        time, no more. On the night the clocks go back, 02:00 to 03:00 happens twice, and
        two moments in one zone are compared, subtracted and shifted by their wall-clock
        time: a lease of five minutes held 65, a duty met was refused as met after now, and
        a sweep as of half an hour ago was refused as a moment still to come."""
        store = self.store()
        wall = _WallClock(datetime(2026, 10, 25, 2, 40, tzinfo=AMSTERDAM))  # 00:40 UTC
        index = self._index(store, wall)
        nurse = self.pro("p1", "GGD Zuid-Limburg")
        index.add_organisation(nurse.organisation)
        done = index.register(self.youth(age=12), nurse)
        wall.now = datetime(2026, 10, 25, 2, 58, tzinfo=AMSTERDAM)  # 00:58 UTC, summer time
        claim = index.claim_notifications(5, lease=timedelta(minutes=5))
        held = claim.until.astimezone(timezone.utc) - wall.now.astimezone(timezone.utc)
        assert held == timedelta(minutes=5)  # in elapsed time, not on the wall clock
        wall.now = datetime(2026, 10, 25, 2, 20, fold=1, tzinfo=AMSTERDAM)  # 01:20 UTC, winter
        informed = datetime(2026, 10, 25, 2, 50, tzinfo=AMSTERDAM)  # 00:50 UTC: between the two
        index.record_informed(done.link.id, done.information_duty, informed)
        assert index.overdue_information(now=wall.now + timedelta(days=60)) == []
        index.sweep(now=datetime(2026, 10, 25, 2, 50, tzinfo=AMSTERDAM))  # half an hour ago
        assert index.verify_logbook().ok
        store.close()

    def test_a_youth_of_23_has_no_links_to_show_before_the_sweep_deletes_them(self) -> None:
        """Born on 29 February 2008, the youth turns 23 on 1 March 2031, which begins at
        23:00 UTC on 28 February: from then their links must all go (JW 7.1.4.5(2)). The
        professional's list of links showed the link as active until the sweep ran, where
        the history and the oversight already held the youth gone; their list of matches
        showed the match (a review of the first fix, which left it)."""
        store = self.store()
        clock = FixedClock(datetime(2031, 2, 28, 21, 59, tzinfo=timezone.utc))
        index = self._index(store, clock)
        nurse, teacher = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        for pro in (nurse, teacher):
            index.add_organisation(pro.organisation)
        youth = attrs.evolve(self.youth(age=12), birth_date=date(2008, 2, 29))
        done = index.register(youth, nurse)
        matched = index.register(youth, teacher).match
        clock.set(datetime(2031, 2, 28, 22, 59, tzinfo=timezone.utc))  # the last minute at 22
        assert [lk.id for lk in index.links_for(nurse)] == [done.link.id]
        assert index.matches_for(nurse) == [matched]
        clock.set(datetime(2031, 2, 28, 23, 0, tzinfo=timezone.utc))  # 1 March in Amsterdam
        assert index.links_for(nurse) == []
        assert index.matches_for(nurse) == []  # as its links: none to be in
        assert index.sweep().deleted_subjects == 1
        assert index.links_for(nurse) == [] and index.matches_for(nurse) == []
        store.close()

    # -- the key must fit the store ----------------------------------------------------------------

    def test_a_key_that_does_not_fit_the_store_is_refused(self) -> None:
        """Finding 2: the right key id with the wrong secret would make a second dossier."""
        index, clock = self.index()
        index.register(self.youth(age=12), self.pro("p1", "GGD Zuid-Limburg"))
        index.register(self.youth(age=12), self.pro("p2", "MEE Zuid-Limburg"))
        before = self._snapshot(index)
        secret = b"the-right-id-but-the-wrong-secret"
        wrong = PseudonymKey(t.TEST_KEY.id, secret)
        with raises(KeyMismatchError) as caught:
            VerwijsIndex(index.store, key=wrong, clock=clock)
        assert caught[0].key_ids == (t.TEST_KEY.id,)
        assert secret.decode() not in str(caught[0]) and t.TEST_KEY.id in str(caught[0])
        assert isinstance(caught[0], VerwijsindexError)
        other = PseudonymKey("another-id", secret)
        with raises(KeyMismatchError) as caught:  # the store's records are under test-key
            VerwijsIndex(index.store, key=other, clock=clock)
        assert caught[0].key_ids == (t.TEST_KEY.id,)
        assert self._snapshot(index) == before
        # after a re-key the old key alone no longer fits; the ring with both does
        new = PseudonymKey("key-2", b"another-secret-of-32-bytes-long!!")
        index.rekey(new)
        with raises(KeyMismatchError) as caught:
            VerwijsIndex(index.store, key=t.TEST_KEY, clock=clock)
        assert caught[0].key_ids == ("key-2",)
        both = VerwijsIndex(index.store, key=[t.TEST_KEY, new], clock=clock)
        again = both.register(self.youth(age=12), self.pro("p1", "GGD Zuid-Limburg"))
        assert not again.created and again.match is not None
        with raises(KeyMismatchError):
            VerwijsIndex(index.store, key=[t.TEST_KEY, PseudonymKey("key-2", secret)], clock=clock)
        assert both.verify_logbook().ok

    def test_an_unfinished_re_key_stops_the_index_until_it_is_run_again(self) -> None:
        """A re-key dies half-way (here: the store fails after two dossiers moved). An
        index restarted with both keys, as it must be, looks youths up under the new key:
        one whose dossier had not moved yet would be registered twice, and the re-key run
        again would overwrite the second dossier, links and all. So until the re-key is
        finished the index works on no youth, and run again it finishes (decision 86)."""
        store = self.store()
        clock = FixedClock(START)
        first = self._index(store, clock)
        _, teacher, _, youths = self._registered_by_a_nurse(first, 5)
        new = self._rekey_dying(store, clock, moves=2)
        restarted = VerwijsIndex(store, key=[t.TEST_KEY, new], clock=clock)
        before = self._snapshot(restarted)
        # reads that need no youth's key still answer (the outbox, a coordinator's view)
        assert restarted.pending_notifications() == []
        assert restarted.organisation_signals(by=OrganisationCoordinator("ggd-zuid-limburg")) == []
        for youth in youths:
            with raises(ConfigurationError) as caught:
                restarted.register(youth, teacher)
            assert "key-2" in str(caught[0]) and "rekey" in str(caught[0])
        with raises(ConfigurationError):
            restarted.record_death(youths[0], START.date())
        third = PseudonymKey("key-3", b"a-third-secret-of-32-bytes-long!!")
        with raises(ConfigurationError) as caught:  # not over an unfinished one
            restarted.rekey(third)
        assert "key-2" in str(caught[0])
        assert self._snapshot(restarted) == before  # nothing written
        other = VerwijsIndex(store, key=[t.TEST_KEY, new], clock=clock)  # another worker
        assert other.rekey(new) == 3  # the rest moves
        for youth in youths:  # each youth found under the new key, with the nurse's link
            registration = restarted.register(youth, teacher)
            assert registration.match is not None
            assert sorted(registration.match.professionals) == ["p1", "p2"]
        with store.transaction() as tx:
            keys = tx.keys(None, 100)
            assert len(keys) == 5 and tx.key_moves() == []
        assert restarted.verify_logbook().ok

    def test_a_worker_opened_before_a_re_key_writes_nothing_after_it(self) -> None:
        """A web service's worker opened with the old key goes on running while another
        process re-keys the store. Its next registration of a youth already in the index
        would look the youth up under the old pseudonym, find nothing and make a second
        dossier: the professionals would never be matched. From the moment the re-key
        begins, such a worker's every unit of work that would write is refused with
        ``KeyMismatchError`` and writes nothing (decision 90)."""
        store = self.store()
        clock = FixedClock(START)
        worker = self._index(store, clock)  # opened before the re-key, running on
        _, teacher, _, youths = self._registered_by_a_nurse(worker, 3)
        new = PseudonymKey("key-2", b"another-secret-of-32-bytes-long!!")
        self._index(store, clock).rekey(new)  # another process
        before = self._snapshot(worker)
        for youth in youths:
            with raises(KeyMismatchError) as caught:
                worker.register(youth, teacher)
            assert caught[0].key_ids == ("key-2",)
            assert "open" in str(caught[0]) and str(youth.number) not in str(caught[0])
        with raises(KeyMismatchError):
            worker.register(self.youth(OTHER_BSN, age=12), teacher)  # a new youth, too
        # what finds no youth says so only while it could see them: the youth is there
        with raises(KeyMismatchError):
            worker.record_death(youths[0], START.date())
        moved = attrs.evolve(
            youths[1], address=Address("Dorpstraat", "1", "6361 AA", "Nuth", "0951")
        )
        with raises(KeyMismatchError):
            worker.record_move(moved)
        officer = RightsOfficer("0935")
        request = file_request(
            RequestKind.ACCESS,
            youths[2],
            {Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE},
            received_on=START.date(),
        )
        with raises(KeyMismatchError):
            access_report(worker, request, by=officer)
        assert self._snapshot(worker) == before  # nothing written
        restarted = VerwijsIndex(store, key=[t.TEST_KEY, new], clock=clock)
        for youth in youths:  # each youth found under the new key, with the nurse's link
            registration = restarted.register(youth, teacher)
            assert registration.match is not None
            assert sorted(registration.match.professionals) == ["p1", "p2"]
        assert restarted.verify_logbook().ok

    def test_a_worker_opened_before_a_re_key_stops_while_it_runs(self) -> None:
        """The re-key dies after moving one dossier; the old worker is refused from then
        on, not only once the re-key ends: a youth it registered behind the re-key's
        progress would not be moved."""
        store = self.store()
        clock = FixedClock(START)
        worker = self._index(store, clock)
        nurse, teacher, bsns, youths = self._registered_by_a_nurse(worker, 3)
        new = self._rekey_dying(store, clock, moves=1)
        before = self._snapshot(worker)
        for youth in youths:
            with raises(KeyMismatchError):
                worker.register(youth, teacher)
        with raises(KeyMismatchError):  # the nurse again, naming a parent: no log entry
            worker.register(self.youth(bsns[2], age=12, parents=[OTHER_BSN]), nurse)
        assert self._snapshot(worker) == before
        assert VerwijsIndex(store, key=[t.TEST_KEY, new], clock=clock).rekey(new) == 2
        with raises(KeyMismatchError):
            worker.register(youths[0], teacher)

    def test_a_keyring_must_be_the_store_s_keys_in_order(self) -> None:
        """A ring in another order, or with a key the store never used, would make other
        pseudonyms: a second dossier for a youth who is matched already."""
        index, clock = self.index()
        index.register(self.youth(age=12), self.pro("p1", "GGD Zuid-Limburg"))
        index.register(self.youth(age=12), self.pro("p2", "MEE Zuid-Limburg"))
        second = PseudonymKey("key-2", b"another-secret-of-32-bytes-long!!")
        third = PseudonymKey("key-3", b"a-third-secret-of-32-bytes-long!!")
        index.rekey(second)
        before = self._snapshot(index)
        for ring, ids in (
            ([second, t.TEST_KEY], ("key-2", t.TEST_KEY.id)),
            ([t.TEST_KEY, second, third], ("key-3",)),
        ):
            with raises(KeyMismatchError) as caught:
                VerwijsIndex(index.store, key=ring, clock=clock)
            assert set(caught[0].key_ids) >= set(ids[:1])
        assert self._snapshot(index) == before  # the third key was not recorded either
        both = VerwijsIndex(index.store, key=[t.TEST_KEY, second], clock=clock)
        assert not both.register(self.youth(age=12), self.pro("p1", "GGD Zuid-Limburg")).created

    def test_a_host_whose_clock_runs_ahead_cannot_make_a_death_of_tomorrow_true(self) -> None:
        """A change stamped by a host three days ahead moves the youth's stamps on, but
        today is still the day of the host that judges the notice."""
        store = self.store()
        now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
        right = self._index(store, FixedClock(now))
        ahead = self._index(store, FixedClock(now + timedelta(days=3)))
        for org in ("GGD Zuid-Limburg", "MEE Zuid-Limburg"):
            right.add_organisation(self.pro("x", org).organisation)
        right.register(self.youth(age=12), self.pro("p1", "GGD Zuid-Limburg"))
        ahead.register(self.youth(age=12), self.pro("p2", "MEE Zuid-Limburg"))
        with raises(InvalidNoticeError):
            right.record_death(self.youth(age=12), date(2026, 11, 25))
        assert right.record_death(self.youth(age=12), date(2026, 11, 23)) == 2

    def test_a_family_signal_is_stamped_after_what_the_sibling_holds(self) -> None:
        store = self.store()
        now = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
        right = self._index(store, FixedClock(now))
        ahead = self._index(store, FixedClock(now + timedelta(minutes=10)))
        for org in ("GGD Zuid-Limburg", "MEE Zuid-Limburg"):
            right.add_organisation(self.pro("x", org).organisation)
        parent = "100000009"
        ahead.register(
            self.youth(OTHER_BSN, age=12, parents=[parent]), self.pro("p1", "GGD Zuid-Limburg")
        )
        right.register(self.youth(age=12, parents=[parent]), self.pro("p2", "MEE Zuid-Limburg"))
        sibling = right.keyring.pseudonym(self.youth(OTHER_BSN, age=12).number)
        with store.transaction() as tx:
            dossier = tx.load(sibling)
        assert dossier is not None and dossier.changed_at == now + timedelta(minutes=10)
        notes = [
            n for n in right.pending_notifications() if n.kind is NotificationKind.FAMILY_MATCH
        ]
        assert {n.recipient for n in notes} == {"p1", "p2"}
        signal_to_p1 = [n for n in notes if n.recipient == "p1"]
        assert signal_to_p1[0].created_at >= now + timedelta(minutes=10)
        assert right.verify_logbook().ok

    # -- notices that cannot be true ---------------------------------------------------------------

    def test_a_death_notice_that_cannot_be_true_changes_nothing(self) -> None:
        """Finding 3: an impossible death notice deleted a dossier for good."""
        # 23:30 UTC on 23 November is already 24 November in Amsterdam
        index, _ = self.index(start=datetime(2026, 11, 23, 23, 30, tzinfo=timezone.utc))
        youth = self.youth(age=12)
        index.register(youth, self.pro("p1", "GGD Zuid-Limburg"))
        index.register(youth, self.pro("p2", "MEE Zuid-Limburg"))
        before = self._snapshot(index)
        for died in (date.max, date(2026, 11, 25), youth.birth_date - timedelta(days=1)):
            for given in (youth, youth.number):
                with raises(InvalidNoticeError) as caught:
                    index.record_death(given, died)
                assert caught[0].field == "died_on" and isinstance(caught[0], ValidationError)
        assert self._snapshot(index) == before
        assert index.record_death(youth, date(2026, 11, 24)) == 2  # today in Amsterdam
        assert self._snapshot(index)[0] == ()

    def test_a_move_notice_that_cannot_be_true_changes_nothing(self) -> None:
        index, _ = self.index()
        index.register(self.youth(age=12), self.pro("p1", "GGD Zuid-Limburg"))
        before = self._snapshot(index)
        broken = object.__new__(Subject)
        for field in attrs.fields(Subject):
            object.__setattr__(broken, field.name, getattr(self.youth(age=12), field.name))
        object.__setattr__(broken, "address", "Teststraat 1, Maastricht")
        with raises(InvalidNoticeError) as caught:
            index.record_move(broken)
        assert caught[0].field == "address"
        assert self._snapshot(index) == before

    def test_a_move_out_of_the_index_s_regions_tells_the_professionals(self) -> None:
        """A youth may live anywhere in the country (a registration takes any
        municipality), and moves out of the index's regions happen. Such a move notice was
        refused as one that cannot be true: no professional was told and the old address
        stayed (decision 104). Now the professionals are told. The index knows no address
        of a municipality outside its regions (a notice to it could never be delivered, and
        came back after every lease), so neither it nor any region's coordinator is; every
        notice the move makes can be composed for delivery."""
        index, _ = self.index()
        first = index.register(self.youth(age=12), self.pro("p1", "GGD Zuid-Limburg"))
        second = index.register(self.youth(age=12), self.pro("p2", "MEE Zuid-Limburg"))
        assert second.match is not None
        index.acknowledge(n.id for n in index.pending_notifications())
        amsterdam = Address(
            street="Dam", house_number="1", postcode="1012 JS", city="Amsterdam",
            municipality_code="0363",
        )  # fmt: skip
        assert index.record_move(attrs.evolve(self.youth(age=12), address=amsterdam)) == 2
        told = sorted(
            (n.kind.value, n.recipient, n.link_id is not None)
            for n in index.pending_notifications()
        )
        # the youth's match is followed up by the coordinator of the professionals' region
        # now (decision 110)
        assert told == [
            ("follow-up", "Maastricht-Heuvelland", False),
            ("move", "p1", True),
            ("move", "p2", True),
        ]
        for notice in index.pending_notifications():
            compose(notice, index)  # every one reaches someone
        to_p1 = [n for n in index.pending_notifications() if n.recipient == "p1"]
        (follow_up,) = [n for n in index.pending_notifications() if n.kind.value == "follow-up"]
        assert second.match is not None and follow_up.match_id == second.match.id
        assert [c.professional_id for c in to_p1[0].contacts] == ["p2"]
        assert to_p1[0].link_id == first.link.id
        # and back: the region's coordinator of Maastricht hears of it again
        index.acknowledge(n.id for n in index.pending_notifications())
        assert index.record_move(self.youth(age=12)) == 2
        recipients = sorted(n.recipient for n in index.pending_notifications())
        assert recipients == ["0935", "Maastricht-Heuvelland", "p1", "p2"]
        for notice in index.pending_notifications():
            compose(notice, index)
        assert index.verify_logbook().ok

    def test_a_match_on_a_youth_living_outside_the_index_s_regions_is_followed_up(self) -> None:
        """A registration takes a youth who lives anywhere in the country. A match on a
        youth of a municipality outside the index's regions was filed for that
        municipality's follow-up checker, whom the index cannot reach: ``deliver`` failed
        the notice on every run and no one followed the match up (JW 7.1.3.2). Now the
        coordinator of each region whose professionals are in the match is asked to
        follow it up, and reminded after the follow-up period (decision 110); the notice
        names the professionals, not where the youth lives."""
        index, clock = self.index()
        amsterdam = Address(
            street="Dam", house_number="1", postcode="1012 JS", city="Amsterdam",
            municipality_code="0363",
        )  # fmt: skip
        youth = attrs.evolve(self.youth(age=12), address=amsterdam)
        index.register(youth, self.pro("p1", "GGD Zuid-Limburg"))
        second = index.register(youth, self.pro("p2", "MEE Zuid-Limburg"))
        assert second.match is not None
        match_id = second.match.id

        def told(kind: NotificationKind) -> list[tuple[str, list[str]]]:
            return sorted(
                (n.recipient, sorted(c.professional_id for c in n.contacts))
                for n in index.pending_notifications()
                if n.kind is kind and n.match_id == match_id
            )

        assert told(NotificationKind.FOLLOW_UP) == [("Maastricht-Heuvelland", ["p1", "p2"])]
        for notice in index.pending_notifications():  # every one reaches someone
            message = compose(notice, index)
            assert "0363" not in message.body and "Amsterdam" not in message.body
            if notice.kind is NotificationKind.FOLLOW_UP:
                assert message.to == (index.regions.region_for("Maastricht").coordinator,)
                assert match_id in message.body
        index.acknowledge(n.id for n in index.pending_notifications())
        # a professional of another region joins: both regions' coordinators follow it up
        third = index.register(youth, self.pro("p3", "Jeugdzorg Heerlen", "Heerlen"))
        assert third.match is not None and third.match.id == match_id
        assert told(NotificationKind.FOLLOW_UP) == [
            ("Maastricht-Heuvelland", ["p1", "p2", "p3"]),
            ("Parkstad Limburg", ["p1", "p2", "p3"]),
        ]
        # ... and when that link was unjustified, Parkstad's goes and the other stops naming p3
        index.withdraw(third.link.id, by="p3", reason=WithdrawalReason.UNJUSTIFIED)
        assert told(NotificationKind.FOLLOW_UP) == [("Maastricht-Heuvelland", ["p1", "p2"])]
        index.acknowledge(n.id for n in index.pending_notifications())
        clock.advance(index.rules.follow_up_after + timedelta(days=1))
        index.sweep()
        assert told(NotificationKind.FOLLOW_UP_REMINDER) == [
            ("Maastricht-Heuvelland", ["p1", "p2"])
        ]
        (reminder,) = index.pending_notifications()
        message = compose(reminder, index)
        assert message.to == (index.regions.region_for("Maastricht").coordinator,)
        assert match_id in message.body and "0363" not in message.body
        assert index.verify_logbook().ok

    def test_a_registration_that_brings_a_new_address_tells_of_the_move(self) -> None:
        """A registration brings the youth's general data, and its address replaces the
        stored one (decision 76). When it came before the population register's move
        notice, that notice found the address it gives stored already and told no one:
        the professional with an active link never heard of the move, and neither did the
        new municipality nor its region's coordinator (JW 7.1.2.3(1)(g)). Now the
        registration tells of the move, as the notice would have, to everyone but the
        professional who brought the address; the notice after it is a repeat
        (decision 112)."""
        index, clock = self.index()
        first = index.register(self.youth(age=9), self.pro("n1", "GGD Zuid-Limburg"))
        index.acknowledge(n.id for n in index.pending_notifications())
        clock.advance(timedelta(days=3))
        moved = self.youth(age=9, municipality="Heerlen")
        second = index.register(moved, self.pro("n2", "GGD Zuid-Limburg"))  # a colleague
        assert second.match is None  # one organisation: no match under the default rule
        told = sorted(
            (n.kind.value, n.recipient, n.link_id, sorted(c.professional_id for c in n.contacts))
            for n in index.pending_notifications()
        )
        assert told == [
            ("coordinator", "Parkstad Limburg", None, ["n1", "n2"]),
            ("move", "0917", None, ["n1", "n2"]),
            ("move", "n1", first.link.id, []),
        ]
        for notice in index.pending_notifications():
            compose(notice, index)
        index.acknowledge(n.id for n in index.pending_notifications())
        clock.advance(timedelta(hours=2))
        assert index.record_move(moved) == 0  # the notice after it: a repeat
        assert index.pending_notifications() == []
        # a registration at the address stored tells no one of a move
        index.register(moved, self.pro("h1", "Jeugdzorg Heerlen", "Heerlen"))
        assert NotificationKind.MOVE not in {n.kind for n in index.pending_notifications()}
        # nor does an imported historical record: its address may be the older one
        made = clock() - timedelta(days=300)
        older = ImportRecord(self.youth(age=9), self.pro("m1", "MEE Zuid-Limburg"), created_at=made)
        assert index.bulk_register([older], notify=True).created == 1
        assert NotificationKind.MOVE not in {n.kind for n in index.pending_notifications()}
        assert index.verify_logbook().ok

    def test_a_move_within_the_municipality_tells_the_professionals(self) -> None:
        """Finding 4: a move within the municipality told no one."""
        index, _ = self.index()
        first = index.register(self.youth(age=12), self.pro("p1", "GGD Zuid-Limburg"))
        index.acknowledge(n.id for n in index.pending_notifications())
        moved = attrs.evolve(
            self.youth(age=12),
            address=attrs.evolve(self.youth(age=12).address, street="Nieuwstraat"),
        )
        assert index.record_move(moved) == 1
        (note,) = index.pending_notifications()
        assert (note.kind, note.recipient, note.link_id) == (
            NotificationKind.MOVE,
            "p1",
            first.link.id,
        )

    def test_a_move_notice_repeated_tells_no_one_again(self) -> None:
        """The population register sends a notice again (or one to the address the youth
        has): no move, nothing written, no one told twice."""
        index, _ = self.index()
        index.register(self.youth(age=12), self.pro("p1", "GGD Zuid-Limburg"))
        index.acknowledge(n.id for n in index.pending_notifications())
        moved = attrs.evolve(
            self.youth(age=12),
            address=attrs.evolve(self.youth(age=12).address, street="Nieuwstraat"),
        )
        assert index.record_move(moved) == 1
        index.acknowledge(n.id for n in index.pending_notifications())
        before = self._snapshot(index)
        assert index.record_move(moved) == 0
        assert index.pending_notifications() == []
        assert self._snapshot(index) == before

    def test_a_repeated_move_notice_on_a_record_with_a_former_code_tells_no_one(self) -> None:
        """A record stored before decision 78 keeps Nuth's code (0951); the population
        register sends its address again: it is the address the youth has."""
        index, _ = self.index()
        index.register(self.youth(age=12), self.pro("p1", "GGD Zuid-Limburg"))
        index.acknowledge(n.id for n in index.pending_notifications())
        nuth = Address("Dorpstraat", "1", "6361 AA", "Nuth", "0951")
        with index.store.transaction() as tx:
            (key,) = tx.keys(None, 10)
            stored = tx.load(key)
            assert stored is not None
            old = attrs.evolve(stored.subject, address=nuth)
            tx.save(attrs.evolve(stored, subject=old))
        assert index.record_move(attrs.evolve(self.youth(age=12), address=nuth)) == 0
        assert index.pending_notifications() == []

    # -- erasure leaves nothing to tie together ----------------------------------------------------

    def test_erasure_leaves_no_id_that_ties_the_remaining_entries(self) -> None:
        """Finding 5: the remaining entries carried the link and match ids the professionals
        hold, so the whole trail of an erased youth could be picked out."""
        index, _ = self.index()
        youth, p1, p2 = (
            self.youth(age=12),
            self.pro("p1", "GGD Zuid-Limburg"),
            self.pro("p2", "MEE Zuid-Limburg"),
        )
        first = index.register(youth, p1)
        second = index.register(youth, p2)
        assert second.match is not None
        index.record_informed(first.link.id, {Recipient.LEGAL_REPRESENTATIVE}, START)
        index.set_lead(second.match.id, p1)
        index.mark_coordinated(second.match.id, p2)
        index.history(youth, p1)
        known = {first.link.id, second.link.id, second.match.id}
        known |= {n.id for n in index.pending_notifications()}
        index.register(self.youth(OTHER_BSN, age=12), p1)  # another youth, whose trail stays
        _erase(index, youth)
        with index.store.transaction() as tx:
            entries = list(tx.log_entries())
        assert entries
        for entry in entries:
            values = {entry.id, entry.actor, entry.subject_ref, entry.link_id, entry.match_id}
            assert not values & known, entry.action
            for value in (entry.link_id, entry.match_id):
                assert value is None or not any(k in value for k in known)
        assert index.verify_logbook().ok

    def test_erasure_leaves_no_two_ids_sealed_with_one_keystream(self) -> None:
        """A household signal's log entry names the link it was told through and the
        signal (decision 125). Sealed with one keystream, the two sealed values XOR-ed
        would be the two ids XOR-ed, no secret needed: after an erasure, a signal id a
        sibling's professional holds would give back the erased youth's link id, and the
        known ``family-`` the first characters of it. Each field has a keystream of its
        own."""
        index, _ = self.index()
        parent, a_bsn, b_bsn, c_bsn = valid_bsns(4)
        youth = self.youth(a_bsn, age=12, parents=[parent])
        link = index.register(youth, self.pro("pd", "GGD Zuid-Limburg")).link
        index.register(self.youth(b_bsn, parents=[parent]), self.pro("pb", "MEE Zuid-Limburg"))
        index.register(self.youth(c_bsn, parents=[parent]), self.pro("pc", "MEE Zuid-Limburg"))
        signals = {n.match_id for n in index.pending_notifications() if n.match_id}
        assert any(s.startswith("family-") for s in signals)
        _erase(index, youth)
        with index.store.transaction() as tx:
            both = [e for e in tx.log_entries() if e.link_id and e.match_id]
        assert both  # the erased youth's household entries, sealed
        for entry in both:
            assert entry.link_id is not None and entry.match_id is not None
            mixed = _xor_hex(entry.link_id[1:], entry.match_id[1:])
            for signal in signals:
                assert _xor(mixed, signal.encode()) != link.id.encode()[: len(mixed)]
            assert _xor(mixed, b"family-") != link.id.encode()[:7]

    def test_a_deleted_youth_leaves_no_id_in_the_logbook(self) -> None:
        """Death and the age limit delete too: what the professionals hold ties nothing."""
        index, clock = self.index()
        old = t.make_subject(bsn=OTHER_BSN, birth_date=date(2004, 1, 1))
        known: set[str] = set()
        for youth in (self.youth(age=12), old):
            a = index.register(youth, self.pro("p1", "GGD Zuid-Limburg"))
            b = index.register(youth, self.pro("p2", "MEE Zuid-Limburg"))
            assert b.match is not None
            known |= {a.link.id, b.link.id, b.match.id}
        index.record_death(self.youth(age=12), START.date())
        clock.set(datetime(2027, 1, 2, 9, 0, tzinfo=timezone.utc))
        assert index.sweep().deleted_subjects == 1
        with index.store.transaction() as tx:
            for entry in tx.log_entries():
                for value in (entry.link_id, entry.match_id):
                    assert value is None or not any(k in value for k in known)
        assert index.verify_logbook().ok

    # -- bulk import reports every record ----------------------------------------------------------

    def test_an_import_rejects_each_malformed_record_and_goes_on(self) -> None:
        """Finding 7: one malformed record ended the import with a bare OverflowError."""
        index, _ = self.index()
        from verwijsindex.serialization import unstructure

        p1 = self.pro("p1", "GGD Zuid-Limburg")
        good = unstructure(ImportRecord(self.youth(age=12), p1))
        bad_dates = [
            "0001-01-01T00:00:00+23:00",
            "9999-12-31T23:59:59-23:00",
            "1899-12-31T00:00:00+00:00",
            0,
            "",
            False,
            None,
            "2026-01-01T00:00:00",
        ]
        records: list[Any] = [
            {**good, "created_at": value} for value in bad_dates if value is not None
        ]
        records += [
            {**good, "ends_on": "0001-01-01"},
            {**good, "ends_on": 7},
            42,
            None,
            "text",
            ImportRecord(self.youth(OTHER_BSN, age=12), p1),
        ]
        report = index.bulk_register(records, batch_size=2)
        statuses = [o.status for o in report.outcomes]
        assert statuses[:-1] == [ImportStatus.REJECTED] * (len(records) - 1)
        assert statuses[-1] is ImportStatus.CREATED
        for outcome in report.outcomes[:-1]:
            assert isinstance(outcome.error, ValidationError), outcome
        with raises(ValidationError):
            ImportRecord(
                self.youth(age=12), p1, created_at=datetime(2026, 1, 1, tzinfo=_OffsetOf25Hours())
            )
        with raises(ValidationError):
            ImportRecord(self.youth(age=12), p1, created_at="2026-01-01")  # type: ignore[arg-type]

    def test_an_import_from_a_host_whose_clock_runs_a_little_ahead_is_taken(self) -> None:
        """The import tool's host is three seconds ahead of the index's: its records are
        made "now" by its clock. Within the clocks' tolerance (``CLOCK_TOLERANCE``, as for
        ``record_informed``) the link is taken, made at the index's now (never after
        what it stamps next); beyond it the record is rejected naming ``created_at``."""
        index, clock = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        now = clock()
        report = index.bulk_register(
            [
                ImportRecord(self.youth(age=12), p1, created_at=now + timedelta(seconds=3)),
                ImportRecord(self.youth(age=12), p2, created_at=now + timedelta(minutes=6)),
            ]
        )
        created, rejected = report.outcomes
        assert created.status is ImportStatus.CREATED
        assert rejected.status is ImportStatus.REJECTED and "created_at" in str(rejected.error)
        (link,) = index.links_for(p1)
        assert link.created_at == now
        assert index.register(self.youth(age=12), p2).link.created_at >= link.created_at

    def test_an_import_that_fails_part_way_reports_what_was_committed(self) -> None:
        index, clock = self.index()
        pros = [self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")]
        youths = [self.youth(age=12), self.youth(OTHER_BSN, age=12), t.make_subject(
            bsn="010000008", birth_date=date(2012, 1, 1)
        )]  # fmt: skip
        records = [ImportRecord(y, p) for y in youths for p in pros]
        failing = VerwijsIndex(_FailOnWrite(index.store, after=1), key=t.TEST_KEY, clock=clock)
        with raises(StorageError) as caught:
            failing.bulk_register(records, batch_size=2)
        partial = caught[0].report
        assert [o.status for o in partial.outcomes] == [ImportStatus.CREATED] * 2
        again = index.bulk_register(records, batch_size=2)
        assert [o.status for o in again.outcomes] == [ImportStatus.DUPLICATE] * 2 + [
            ImportStatus.CREATED
        ] * 4
        with index.store.transaction() as tx:
            links = [lk for k in tx.keys(None, 10) for lk in (tx.load(k) or _none()).links]
        assert len(links) == 6
        assert len({(lk.subject, lk.professional) for lk in links}) == 6
        assert index.verify_logbook().ok

    def test_an_import_run_again_brings_back_no_withdrawn_link(self) -> None:
        """A nightly job or a re-run after a crash imports the same file again after a
        professional withdrew one of its links (the risk resolved: the link is archived).
        The record is the archived link, made at the same moment by the same professional:
        it comes back as ``duplicate``, with no new link and no one told again."""
        index, clock = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        made = clock() - timedelta(days=40)
        youth = self.youth(age=12)
        records = [ImportRecord(youth, p, created_at=made) for p in (p1, p2)]
        first = index.bulk_register(records)
        assert first.created == 2 and first.outcomes[1].match_id is not None
        index.acknowledge([n.id for n in index.pending_notifications()])
        withdrawn = first.outcomes[0].link_id
        assert withdrawn is not None
        index.withdraw(withdrawn, by=p1, reason=WithdrawalReason.RISK_RESOLVED)
        index.acknowledge([n.id for n in index.pending_notifications()])
        clock.advance(timedelta(days=1))

        again = index.bulk_register(records)

        assert [o.status for o in again.outcomes] == [ImportStatus.DUPLICATE] * 2
        assert again.outcomes[0].link_id == withdrawn
        assert again.outcomes[0].match_id is None  # the archived link is in no match
        assert [(lk.id, lk.status) for lk in index.links_for(p1)] == [
            (withdrawn, LinkStatus.ARCHIVED)
        ]
        assert [lk.id for lk in index.links_for(p2)] == [first.outcomes[1].link_id]
        assert index.pending_notifications() == []
        assert index.verify_logbook().ok

    def test_an_import_lengthening_a_link_that_ended_makes_a_new_link(self) -> None:
        """A link that simply ended (the sweep archived it) is imported again with a later
        end: the source lengthened it. That is a link again, not a duplicate of the one
        that ended; only a withdrawal is kept from coming back (decision 108)."""
        index, clock = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        made = clock() - timedelta(days=40)
        today = clock().astimezone(AMSTERDAM).date()
        youth = self.youth(age=12)
        first = index.bulk_register(
            [ImportRecord(youth, p1, created_at=made, ends_on=today + timedelta(days=3))]
        )
        clock.advance(timedelta(days=20))
        index.sweep()
        assert [lk.status for lk in index.links_for(p1)] == [LinkStatus.ARCHIVED]
        later = today + timedelta(days=200)
        again = index.bulk_register([ImportRecord(youth, p1, created_at=made, ends_on=later)])
        assert again.outcomes[0].status is ImportStatus.CREATED
        assert again.outcomes[0].link_id != first.outcomes[0].link_id
        assert index.register(youth, p2).match is not None

    def test_an_import_dated_a_little_ahead_is_no_duplicate_of_a_withdrawn_link(self) -> None:
        """On a clock that stands still (or a host running ahead), a record dated a
        little after the index's now is made at that now (the tolerance of the clocks),
        the moment a link withdrawn just before was made at too. It is a new link, not
        the withdrawn one come back."""
        index, clock = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        youth = self.youth(age=12)
        live = index.register(youth, p1)
        index.withdraw(live.link.id, by=p1, reason=WithdrawalReason.RISK_RESOLVED)
        report = index.bulk_register(
            [ImportRecord(youth, p1, created_at=clock() + timedelta(seconds=90))]
        )
        assert report.outcomes[0].status is ImportStatus.CREATED
        assert report.outcomes[0].link_id != live.link.id
        assert index.register(youth, p2).match is not None

    def test_an_import_rejection_names_the_field(self) -> None:
        """An import tool reports a wrong row by the field to correct: a link that ended
        before the import (``ends_on``, or ``created_at`` when the default period from it
        ended), a youth of 23 (``birth_date``), a youth who has died (``died_on``).
        Nothing is written for them."""
        from verwijsindex.serialization import unstructure

        index, clock = self.index()
        p1 = self.pro("p1", "GGD Zuid-Limburg")
        today = clock().astimezone(AMSTERDAM).date()
        records = [
            ImportRecord(
                self.youth(age=12),
                p1,
                created_at=clock() - timedelta(days=400),
                ends_on=today - timedelta(days=1),
            ),
            ImportRecord(self.youth(OTHER_BSN, age=23), p1),
            ImportRecord(self.youth("010000008", age=12, died_on=today - timedelta(days=2)), p1),
            # no ends_on: the default period from created_at ended, which is what to correct
            ImportRecord(self.youth(age=12), p1, created_at=clock() - timedelta(days=3000)),
        ]
        # a file whose columns shifted: the BSN in the name, never stored (decision 109)
        shifted = unstructure(ImportRecord(self.youth(age=12), p1))
        shifted["subject"] = {**shifted["subject"], "name": f"Sanne {BSN}"}
        records.append(shifted)
        report = index.bulk_register(records)
        fields = ["ends_on", "birth_date", "died_on", "created_at", "name"]
        for outcome, field in zip(report.outcomes, fields, strict=True):
            assert outcome.status is ImportStatus.REJECTED, outcome
            assert field in str(outcome.error), (field, str(outcome.error))
            assert BSN not in str(outcome.error)
        assert index.links_for(p1) == []


def _erase(index: VerwijsIndex, youth: Subject) -> None:
    """The youth's objection, granted and carried out: everything about them erased."""
    request = file_request(
        RequestKind.OBJECTION,
        youth,
        {Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE},
        received_on=START.date(),
    )
    erase(index, decide(request, granted=True), by=RightsOfficer("0935"))


def _xor_hex(a: str, b: str) -> bytes:
    """Two sealed values (hex) XOR-ed, over the shorter one's length."""
    return _xor(bytes.fromhex(a), bytes.fromhex(b))


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=False))


def _none() -> Any:
    raise AssertionError("a key without a dossier")


class _WallClock:
    """A clock that gives the moment it is set to, in the zone it is given in."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class _FailOnWrite:
    """A store whose writing transactions fail (as a full disk would) after *after* of them
    have committed."""

    def __init__(self, store: Store, *, after: int) -> None:
        self.inner = store
        self.left = after

    def transaction(self, locks: Sequence[str] = (), *, snapshot: bool = False) -> Any:
        @contextmanager
        def run() -> Iterator[Any]:
            with self.inner.transaction(locks, snapshot=snapshot) as tx:
                if locks:
                    if self.left <= 0:
                        raise StorageError("disk full")
                    self.left -= 1
                yield tx

        return run()

    def close(self) -> None:
        self.inner.close()


class _Died(Exception):
    """Stands for a process killed in the middle of a job."""


class _DiesAfterMoves:
    """A store whose transactions fail once *moves* dossiers have been moved to a new key
    (counted by ``rekey_notifications``, one per dossier moved)."""

    def __init__(self, store: Store, moves: int) -> None:
        self.inner = store
        self.left = moves

    def transaction(self, locks: Sequence[str] = (), *, snapshot: bool = False) -> Any:
        @contextmanager
        def run() -> Iterator[Any]:
            with self.inner.transaction(locks, snapshot=snapshot) as tx:
                yield _CountsMoves(tx, self)

        return run()

    def close(self) -> None:
        self.inner.close()


class _CountsMoves:
    def __init__(self, tx: Any, store: _DiesAfterMoves) -> None:
        self.tx = tx
        self.store = store

    def rekey_notifications(self, old: str, new: str) -> None:
        if self.store.left == 0:
            raise _Died
        self.store.left -= 1
        self.tx.rekey_notifications(old, new)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.tx, name)
