"""The store contract, what an application reaches for: the outbox delivered by several
senders under leases, a professional's own notifications, the directory, and an import in
migration mode, end to end on the store :meth:`make_store` opens."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import attrs

from verwijsindex.errors import (
    AccessDeniedError,
    UnknownOrganisationError,
    UnknownProfessionalError,
)
from verwijsindex.importing import ImportProgress, ImportRecord
from verwijsindex.index import VerwijsIndex
from verwijsindex.model import Gender, LogAction, NotificationKind, WithdrawalReason, parse_bsn
from verwijsindex.roles import OrganisationCoordinator, RightsOfficer
from verwijsindex.testing import _factories as t
from verwijsindex.testing._base import BSN_A, BSN_B, ContractBase, valid_bsns
from verwijsindex.testing._factories import raises

__all__ = ["OutboxContract"]


class OutboxContract(ContractBase):
    """Delivery, the directory and migration, on any store."""

    def _matched(self, index: VerwijsIndex, youths: int) -> None:
        nurse = self.pro("n1", "GGD Zuid-Limburg")
        teacher = self.pro("t1", "Sint Jozefschool")
        for bsn in valid_bsns(youths):
            index.register(self.youth(bsn), nurse)
            index.register(self.youth(bsn), teacher)

    def test_claims_never_overlap_and_return_when_the_lease_ends(self) -> None:
        index, clock = self.index()
        self._matched(index, 4)  # 4 matches: 3 notifications each
        everything = {n.id for n in index.pending_notifications()}
        assert len(everything) == 12
        first = index.claim_notifications(5, lease=timedelta(minutes=5))
        second = index.claim_notifications(5, lease=timedelta(minutes=5))
        third = index.claim_notifications(5, lease=timedelta(minutes=5))
        ids = [{n.id for n in c.notifications} for c in (first, second, third)]
        assert [len(i) for i in ids] == [5, 5, 2]
        assert ids[0] | ids[1] | ids[2] == everything and not ids[0] & ids[1]
        assert index.claim_notifications(5).notifications == ()  # all held
        assert index.acknowledge(first) == 5
        clock.advance(timedelta(minutes=6))  # second and third were never acknowledged
        again = index.claim_notifications(10, lease=timedelta(minutes=5))
        assert {n.id for n in again.notifications} == ids[1] | ids[2]
        assert index.acknowledge(second) == 0  # its lease ended, another claim holds them
        assert index.acknowledge(again) == 7
        assert index.pending_notifications() == []
        with raises(ValueError):
            index.claim_notifications(0)
        with raises(ValueError):
            index.claim_notifications(5, lease=timedelta(0))

    def test_a_claim_from_a_clock_far_ahead_parks_nothing(self) -> None:
        """A sender whose clock runs a year ahead claims a batch and dies before it sends.
        Its claim would hold for the year: a claim that holds beyond the longest lease
        (and five minutes of clocks that differ) holds nothing, and a sender on the right
        clock hands the notifications out at once. A day's lease from a clock two minutes
        ahead still holds (decision 96)."""
        index, clock = self.index()
        self._matched(index, 2)
        everything = {n.id for n in index.pending_notifications()}
        clock.advance(timedelta(days=365))
        parked = index.claim_notifications(3, lease=timedelta(minutes=5))
        clock.advance(timedelta(days=-365, minutes=10))
        found = index.claim_notifications(10, lease=timedelta(minutes=5))
        assert {n.id for n in found.notifications} == everything
        assert index.acknowledge(parked) == 0  # another claim holds them now
        assert index.acknowledge(found) == 6
        self._matched(index, 3)  # one youth more: three new notifications
        fresh = {n.id for n in index.pending_notifications()}
        assert len(fresh) == 3
        clock.advance(timedelta(minutes=2))
        held = index.claim_notifications(10, lease=timedelta(days=1))
        clock.advance(timedelta(minutes=-2))
        assert index.claim_notifications(10).notifications == ()
        assert {n.id for n in held.notifications} == fresh

    def test_no_one_is_told_of_a_youth_of_23_before_the_sweep(self) -> None:
        """A match made at 22:00 on the eve of the youth's 23rd birthday (Amsterdam time),
        its notices still pending at 00:30: from the birthday all the youth's links must go
        (JW 7.1.4.5(2)(b)), and the views leave the youth out before the sweep (decision
        102), but the outbox still handed the match to its senders and professionals until
        the sweep deleted it. They go to no one now, hold no sender's place in the queue,
        and the sweep deletes them (decision 106)."""
        eve = datetime(2026, 6, 1, 20, 0, tzinfo=timezone.utc)
        index, clock = self.index(start=eve)
        nurse, teacher = self.pro("n1", "GGD Zuid-Limburg"), self.pro("t1", "Sint Jozefschool")
        older = t.make_subject(bsn=BSN_A, birth_date=date(2003, 6, 2))
        younger = t.make_subject(bsn=BSN_B, birth_date=date(2012, 6, 2))
        for youth in (older, younger):  # the older youth's notices are the oldest
            index.register(youth, nurse)
            index.register(youth, teacher)
        everything = [n.id for n in index.pending_notifications()]
        assert len(everything) == 6
        old, young = everything[:3], everything[3:]
        clock.set(datetime(2026, 6, 1, 22, 30, tzinfo=timezone.utc))  # 00:30 on 2 June
        assert [n.id for n in index.pending_notifications()] == young
        assert [n.id for n in index.pending_notifications(1)] == young[:1]
        assert [n.id for n in index.notifications_for(nurse)] == young[:1]
        assert index.acknowledge(old, by=nurse) == 0
        first = index.claim_notifications(1)
        assert [n.id for n in first.notifications] == young[:1]
        rest = index.claim_notifications(10)
        assert [n.id for n in rest.notifications] == young[1:]
        clock.advance(timedelta(minutes=10))  # the leases end; the old ones stay withheld
        assert [n.id for n in index.claim_notifications(10).notifications] == young
        assert index.sweep().deleted_subjects == 1
        with index.store.transaction() as tx:
            keys = tx.keys(None, 10)
        assert all(n.id not in old for key in keys for n in self.filed_under(index.store, key))
        assert index.verify_logbook().ok

    def test_a_claim_hands_out_the_oldest_first(self) -> None:
        """Also after a lease ended: rows claimed before (on PostgreSQL, rewritten to the
        end of the table) come first again, before the newer ones."""
        index, clock = self.index()
        self._matched(index, 4)
        order = [n.id for n in index.pending_notifications()]
        index.claim_notifications(5, lease=timedelta(minutes=1))
        clock.advance(timedelta(minutes=2))
        again = index.claim_notifications(100)
        assert [n.id for n in again.notifications] == order

    def test_a_coordinator_sees_the_signals_of_their_organisation_s_links(self) -> None:
        """An organisation's coordinator sees the pending signals its professionals have
        through the organisation's links. A professional known to another organisation
        too (the directory keeps one record per professional) took their signals along:
        the other organisation's coordinator saw a match of this one's, with its
        professionals' names and e-mail, and this one's saw nothing."""
        index, _ = self.index()
        nurse, teacher = self.pro("n1", "GGD Zuid-Limburg"), self.pro("t1", "Sint Jozefschool")
        parent, a_bsn, b_bsn, c_bsn = valid_bsns(4)
        index.register(self.youth(a_bsn, parents=[parent]), nurse)
        index.register(self.youth(a_bsn, parents=[parent]), teacher)  # a match
        index.register(self.youth(b_bsn, parents=[parent]), self.pro("m1", "MEE Zuid-Limburg"))

        def seen(organisation: str) -> list[tuple[str, str]]:
            found = index.organisation_signals(by=OrganisationCoordinator(organisation))
            return sorted((n.kind.value, n.recipient) for n in found)

        ggd = [("family-match", "n1"), ("match", "n1")]
        assert seen("ggd-zuid-limburg") == ggd
        assert seen("sint-jozefschool") == [("family-match", "t1"), ("match", "t1")]
        elsewhere = self.pro("n1", "Orbis Thuis")  # n1 works for Orbis too
        index.add_organisation(elsewhere.organisation)
        index.register(self.youth(c_bsn), elsewhere)
        assert seen("orbis-thuis") == []
        assert seen("ggd-zuid-limburg") == ggd

    def test_a_coordinator_sees_a_notice_by_the_link_it_was_sent_through(self) -> None:
        """pd matched on a youth for GGD; that link was archived, and pd registered the
        youth again for Orbis, joining the same match. Each coordinator sees the notices
        told through their organisation's link: GGD's the ones from before, Orbis's the
        ones since (decision 99)."""
        index, clock = self.index()
        youth = self.youth()
        for_ggd = self.pro("pd", "GGD Zuid-Limburg")
        first = index.register(youth, for_ggd).link
        index.register(youth, self.pro("t1", "Sint Jozefschool"))
        index.register(youth, self.pro("m1", "MEE Zuid-Limburg"))
        before = {n.id for n in index.pending_notifications() if n.recipient == "pd"}
        clock.advance(timedelta(days=5))
        index.withdraw(first.id, by=for_ggd, reason=WithdrawalReason.RISK_RESOLVED)
        for_orbis = self.pro("pd", "Orbis Thuis")
        index.add_organisation(for_orbis.organisation)
        clock.advance(timedelta(days=5))
        index.register(youth, for_orbis)
        since = {n.id for n in index.pending_notifications() if n.recipient == "pd"} - before

        def seen(organisation: str) -> set[str]:
            found = index.organisation_signals(by=OrganisationCoordinator(organisation))
            return {n.id for n in found if n.recipient == "pd"}

        assert before and since
        assert seen("ggd-zuid-limburg") == before
        assert seen("orbis-thuis") == since

    def test_a_coordinator_sees_no_notice_of_a_match_dissolved_sweep_or_not(self) -> None:
        """A match notice of a match that is no longer the youth's is no organisation's
        (decision 99), and the oversight reads a match as it stands, not as the sweep last
        left it (decision 89). A match dissolved by a link's end day showed its notice to
        the other organisation's coordinator until the sweep ran."""
        index, clock = self.index()
        youth = self.youth()
        index.register(youth, self.pro("n1", "GGD Zuid-Limburg"))
        index.register(youth, self.pro("t1", "Sint Jozefschool"), ends_on=date(2026, 11, 30))

        def seen(organisation: str) -> list[tuple[str, str]]:
            found = index.organisation_signals(by=OrganisationCoordinator(organisation))
            return sorted((n.kind.value, n.recipient) for n in found)

        assert seen("ggd-zuid-limburg") == [("match", "n1")]
        clock.advance(timedelta(days=8))  # t1's link ended: the match dissolved
        assert seen("ggd-zuid-limburg") == []
        assert seen("sint-jozefschool") == []
        index.sweep()
        assert seen("ggd-zuid-limburg") == []

    def test_an_imported_link_counts_from_its_import_for_the_coordinator(self) -> None:
        """pd's GGD link on a youth ended by its end day (no sweep since); the migration
        brings pd's Orbis link on the youth, made in the old index before the GGD one. It
        joins the match here, and pd is told through it: the notice is Orbis's. Judged by
        the old index's moment, the GGD link looked the later one (decision 99)."""
        index, clock = self.index()
        youth = self.youth()
        index.register(youth, self.pro("pd", "GGD Zuid-Limburg"), ends_on=date(2026, 12, 3))
        index.register(youth, self.pro("t1", "Sint Jozefschool"))
        index.register(youth, self.pro("m1", "MEE Zuid-Limburg"))
        index.acknowledge(n.id for n in index.pending_notifications())
        clock.advance(timedelta(days=20))
        orbis = self.pro("pd", "Orbis Thuis")
        index.add_organisation(orbis.organisation)
        made = clock() - timedelta(days=120)
        index.bulk_register([ImportRecord(youth, orbis, created_at=made)], notify=False)
        told = {n.id for n in index.pending_notifications() if n.recipient == "pd"}
        assert told

        def seen(organisation: str) -> set[str]:
            found = index.organisation_signals(by=OrganisationCoordinator(organisation))
            return {n.id for n in found if n.recipient == "pd"}

        assert seen("orbis-thuis") == told
        assert seen("ggd-zuid-limburg") == set()

    def test_a_merge_gives_no_coordinator_a_notice_through_an_archived_link(self) -> None:
        """pd has an Orbis link on the youth (registered first, current) and a GGD link on
        the same youth known by a service number (registered later, then archived); a
        match then tells pd through the Orbis link. The merge puts both links on one
        dossier: the notice stays Orbis's, not the archived link's organisation's
        (decision 99)."""
        index, clock = self.index()
        numbered = t.make_subject(
            bsn=None, surname="Bakker", gender=Gender.FEMALE, birth_date=self.youth().birth_date
        )
        youth = attrs.evolve(numbered, bsn=parse_bsn(BSN_A), surname=None)
        orbis = self.pro("pd", "Orbis Thuis")
        index.add_organisation(orbis.organisation)
        index.register(youth, orbis)
        clock.advance(timedelta(days=1))
        ggd = index.register(numbered, self.pro("pd", "GGD Zuid-Limburg")).link
        clock.advance(timedelta(days=1))
        index.withdraw(ggd.id, by="pd", reason=WithdrawalReason.RISK_RESOLVED)
        clock.advance(timedelta(days=2))
        index.register(youth, self.pro("t1", "Sint Jozefschool"))
        told = {n.id for n in index.pending_notifications() if n.recipient == "pd"}
        clock.advance(timedelta(days=1))
        index.merge_service_number(numbered, youth)

        def seen(organisation: str) -> set[str]:
            found = index.organisation_signals(by=OrganisationCoordinator(organisation))
            return {n.id for n in found if n.recipient == "pd"}

        assert told and seen("orbis-thuis") == told
        assert seen("ggd-zuid-limburg") == set()

    def test_a_professional_reads_and_acknowledges_only_their_own(self) -> None:
        index, _ = self.index()
        self._matched(index, 2)
        mine = index.notifications_for("n1")
        assert len(mine) == 2 and all(n.recipient == "n1" for n in mine)
        assert all(n.kind is NotificationKind.MATCH for n in mine)
        theirs = [n.id for n in index.notifications_for("t1")]
        assert index.acknowledge(theirs, by="n1") == 0  # someone else's: left alone
        assert index.acknowledge([n.id for n in mine], by="n1") == 2
        assert index.notifications_for("n1") == [] and len(index.notifications_for("t1")) == 2
        with raises(AccessDeniedError):
            index.notifications_for(RightsOfficer("0935"))

    def test_a_professional_whose_id_is_a_code_gets_only_professionals_notices(self) -> None:
        """A professional's id may be any identifier: an employee number "0935" is also
        Maastricht's CBS code, the follow-up checker's recipient; one named after a region
        is its coordinator's. Their notifications are the professionals' kinds only: the
        checker's and the coordinator's stay theirs (decision 9)."""
        index, _ = self.index()
        clerk = self.pro("0935", "MEE Zuid-Limburg")
        named = self.pro("Maastricht-Heuvelland", "MEE Zuid-Limburg")
        index.add_professional(clerk)
        index.add_professional(named)
        worker = self.pro("w1", "Welzijn Parkstad", municipality="Heerlen")
        index.add_organisation(worker.organisation)
        index.register(self.youth(), self.pro("n1", "GGD Zuid-Limburg"))
        index.register(self.youth(), worker)  # a match across two regions
        theirs = {n.recipient: n.kind for n in index.pending_notifications()}
        assert theirs["0935"] is NotificationKind.FOLLOW_UP
        assert theirs["Maastricht-Heuvelland"] is NotificationKind.COORDINATOR
        for pro in ("0935", "Maastricht-Heuvelland"):
            assert index.notifications_for(pro) == []
            ids = [n.id for n in index.pending_notifications() if n.recipient == pro]
            assert index.acknowledge(ids, by=pro) == 0
        assert len(index.pending_notifications()) == len(theirs)  # nothing acknowledged

    def test_an_acknowledgement_by_another_role_is_refused_and_logged(self) -> None:
        """Refused and logged (decision 16) on every store: on SQLite the refusal's own
        log transaction once ran inside the acknowledgement's and failed as a store error."""
        index, _ = self.index()
        self._matched(index, 1)
        ids = [n.id for n in index.pending_notifications()]
        with raises(AccessDeniedError):
            index.acknowledge(ids, by=RightsOfficer("0935"))
        assert {n.id for n in index.pending_notifications()} == set(ids)
        with index.store.transaction() as tx:
            actions = [e.action for e in tx.log_entries()]
        assert actions.count(LogAction.DENIED) == 1

    def test_professionals_are_added_to_a_known_organisation_only(self) -> None:
        index, _ = self.index()
        nurse = self.pro("n9", "GGD Zuid-Limburg")
        index.add_professional(nurse)
        assert index.professional("n9") == nurse
        with raises(UnknownProfessionalError):
            index.professional("nobody")
        stranger = self.pro("x9", "Onbekende Stichting")
        with raises(UnknownOrganisationError):
            index.add_professional(stranger)

    def test_a_migration_forms_and_logs_matches_and_tells_no_one(self) -> None:
        index, _ = self.index()
        nurse = self.pro("n1", "GGD Zuid-Limburg")
        teacher = self.pro("t1", "Sint Jozefschool")
        bsns = valid_bsns(5)
        records = [
            ImportRecord(self.youth(bsn, parents=["100000009"]), pro)
            for bsn in bsns
            for pro in (nurse, teacher)
        ]
        seen: list[ImportProgress] = []
        report = index.bulk_register(records, batch_size=4, notify=False, progress=seen.append)
        assert report.created == 10 and report.rejected == 0
        assert index.pending_notifications() == []  # no match, family or follow-up notice
        assert [p.batches for p in seen] == [1, 2, 3] and seen[-1].records == 10
        assert seen[-1].created == 10
        matches = {m.id for m in index.matches_for(nurse)}
        assert len(matches) == 5
        made = {o.match_id for o in report.outcomes if o.match_id is not None}
        assert made == matches
        with index.store.transaction() as tx:
            logged = [e for e in tx.log_entries() if e.action is LogAction.MATCHED]
        assert len(logged) == 5
        assert index.verify_logbook().ok
        later = index.register(self.youth(bsns[0]), self.pro("m1", "MEE Zuid-Limburg"))
        assert later.match is not None and later.match.id in matches
        kinds = {n.kind for n in index.pending_notifications()}
        assert NotificationKind.MATCH in kinds  # a registration after the import tells all

    def test_a_migration_tells_a_household_with_a_link_made_in_this_index(self) -> None:
        """A's sibling B has a link registered in this index; the migration imports A's.
        The old index never held B's link, so no one ever told its professional of A's:
        the family signal goes out, as a match does (decision 93). Siblings whose links the
        migration imported alone stay quiet."""
        index, _ = self.index()
        parent, a_bsn, b_bsn, c_bsn = valid_bsns(4)
        index.register(self.youth(b_bsn, parents=[parent]), self.pro("pb", "MEE Zuid-Limburg"))
        imported = ImportRecord(
            self.youth(a_bsn, parents=[parent]), self.pro("pa", "GGD Zuid-Limburg")
        )
        index.bulk_register([imported], notify=False)
        family = [
            n for n in index.pending_notifications() if n.kind is NotificationKind.FAMILY_MATCH
        ]
        assert sorted(n.recipient for n in family) == ["pa", "pb"]
        index.acknowledge(n.id for n in index.pending_notifications())
        other = valid_bsns(6)[4:]  # another family, wholly from the old index
        index.bulk_register(
            [
                ImportRecord(
                    self.youth(c_bsn, parents=[other[0]]), self.pro("pc", "GGD Zuid-Limburg")
                ),
                ImportRecord(
                    self.youth(other[1], parents=[other[0]]), self.pro("pd", "MEE Zuid-Limburg")
                ),
            ],
            notify=False,
        )
        assert index.pending_notifications() == []

    def test_a_migration_tells_a_household_only_what_the_old_index_did_not(self) -> None:
        """B's link was registered here; the migration imports the links of B's siblings A
        (pa) and C (pc, pd). The old index told pa, pc and pd of each other: each is told
        of pb alone, once; pb is told at each import of those imported so far. Telling
        every imported professional again at every record was a flood (decision 47)."""
        index, _ = self.index()
        parent, a_bsn, b_bsn, c_bsn = valid_bsns(4)
        index.register(self.youth(b_bsn, parents=[parent]), self.pro("pb", "MEE Zuid-Limburg"))
        index.acknowledge(n.id for n in index.pending_notifications())
        imports = [
            (a_bsn, self.pro("pa", "GGD Zuid-Limburg")),
            (c_bsn, self.pro("pc", "Sint Jozefschool")),
            (c_bsn, self.pro("pd", "GGD Zuid-Limburg")),
        ]
        records = [ImportRecord(self.youth(bsn, parents=[parent]), pro) for bsn, pro in imports]
        index.bulk_register(records, notify=False)
        told = sorted(
            (n.recipient, tuple(sorted(c.professional_id for c in n.contacts)))
            for n in index.pending_notifications()
            if n.kind is NotificationKind.FAMILY_MATCH
        )
        assert told == [
            ("pa", ("pb",)),
            ("pb", ("pa",)),
            ("pb", ("pa", "pc")),
            ("pb", ("pa", "pc", "pd")),
            ("pc", ("pb",)),
            ("pd", ("pb",)),
        ]

    def test_a_migration_tells_imported_links_the_old_index_could_not_match(self) -> None:
        """pa and pd are one organisation's, on A and C; B's link (another organisation's)
        was registered here. The old index held pa and pd without a household match (one
        organisation: the rule does not put them in touch), so it told them nothing of
        each other; the match is made here, through B's link, and all three are told of
        each other (decision 93)."""
        index, _ = self.index()
        parent, a_bsn, b_bsn, c_bsn = valid_bsns(4)
        index.register(self.youth(b_bsn, parents=[parent]), self.pro("pb", "MEE Zuid-Limburg"))
        index.acknowledge(n.id for n in index.pending_notifications())
        records = [
            ImportRecord(self.youth(bsn, parents=[parent]), self.pro(pid, "GGD Zuid-Limburg"))
            for bsn, pid in ((a_bsn, "pa"), (c_bsn, "pd"))
        ]
        index.bulk_register(records, notify=False)
        knows: dict[str, set[str]] = {}
        for n in index.pending_notifications():
            knows.setdefault(n.recipient, set()).update(c.professional_id for c in n.contacts)
        assert knows == {"pa": {"pb", "pd"}, "pb": {"pa", "pd"}, "pd": {"pa", "pb"}}

    def test_a_migration_tells_a_match_with_a_link_made_in_this_index(self) -> None:
        """Migration mode keeps quiet what the old index told already: a match of links
        it imports. A link registered in this index was never in the old one, so a match
        the import made with it was told to no one: the nurse registered live, the
        teacher's link came with the migration, and neither was ever put in touch
        (decision 93). Links the migration imported stay quiet among themselves, also
        across imports."""
        index, _ = self.index()
        nurse = self.pro("n1", "GGD Zuid-Limburg")
        teacher = self.pro("t1", "Sint Jozefschool")
        mentor = self.pro("m1", "MEE Zuid-Limburg")
        live, quiet = valid_bsns(2)
        index.register(self.youth(live), nurse)
        report = index.bulk_register([ImportRecord(self.youth(live), teacher)], notify=False)
        assert report.created == 1
        (match,) = index.matches_for(nurse)
        told = {n.recipient for n in index.pending_notifications() if n.match_id == match.id}
        assert {"n1", "t1"} <= told
        for pro in (teacher, mentor):  # two imports of the old index's links: quiet
            index.bulk_register([ImportRecord(self.youth(quiet), pro)], notify=False)
        (other,) = index.matches_for(mentor)
        assert not [n for n in index.pending_notifications() if n.match_id == other.id]
        index.withdraw(other.links[1], by=mentor, reason=WithdrawalReason.UNJUSTIFIED)
        with index.store.transaction() as tx:
            quiet_ids = {i for k in tx.keys(None, 10) if (d := tx.load(k)) for i in d.silent}
        assert other.links[1] not in quiet_ids  # no trace of a link deleted
        assert other.links[0] in quiet_ids
        assert index.verify_logbook().ok
