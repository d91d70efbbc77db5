"""The store contract, part one: every promise of the :class:`~verwijsindex.storage.Transaction`
protocol, tested directly on the store.

Round trips, the look-up terms, due keys and paging, the directory, the outbox's order and
acknowledgement, the logbook's lanes, heads, seals, references and audit, duplicate ids,
all-or-nothing transactions and a closed store, each as the method's docstring promises.
"""

from __future__ import annotations

from datetime import date, timedelta

import attrs

from verwijsindex.dossier import (
    Dossier,
    MatchOfYouth,
    Withheld,
)
from verwijsindex.errors import StorageError
from verwijsindex.logbook import refs_digest
from verwijsindex.model import (
    Contact,
    Notification,
    NotificationKind,
)
from verwijsindex.pseudonyms import log_token
from verwijsindex.storage import DirectoryReading, LogReadingFrom, Transaction
from verwijsindex.testing._base import BSN_A, BSN_B, PARENT, START, ContractBase
from verwijsindex.testing._factories import raises
from verwijsindex.testing._records import (
    T0,
    dossier,
    entry,
    full_dossier,
    link,
    notification,
    organisation,
    pending_ids,
    professional,
)

__all__ = ["TransactionContract"]


class TransactionContract(ContractBase):
    """Every promise of the Transaction protocol, on the store :meth:`make_store` opens."""

    # -- transactions ------------------------------------------------------------------------------

    def test_transaction_is_all_or_nothing(self) -> None:
        store = self.store()
        org = self.pro("p", "GGD Zuid-Limburg").organisation
        with raises(RuntimeError), store.transaction() as tx:
            tx.put_organisation(org)
            raise RuntimeError("boom")
        with store.transaction() as tx:
            assert tx.get_organisation(org.id) is None
            tx.put_organisation(org)
        with store.transaction() as tx:
            assert tx.get_organisation(org.id) == org

    def test_settings_keep_the_first_value_unless_replaced(self) -> None:
        """Decision 119: the first value of a setting stays, a replacement takes its place,
        and a rollback undoes either."""
        store = self.store()
        with store.transaction() as tx:
            assert tx.setting("match_rule") is None
            tx.put_setting("match_rule", "first")
            tx.put_setting("match_rule", "second")  # the first one stays
            assert tx.setting("match_rule") == "first"
            tx.put_setting("other", "x")
        with store.transaction() as tx:
            assert tx.setting("match_rule") == "first" and tx.setting("other") == "x"
            tx.put_setting("match_rule", "third", replace=True)
            assert tx.setting("match_rule") == "third"
        with raises(_Rollback), store.transaction() as tx:
            tx.put_setting("match_rule", "fourth", replace=True)
            tx.put_setting("new", "y")
            raise _Rollback
        with store.transaction() as tx:
            assert tx.setting("match_rule") == "third" and tx.setting("new") is None

    def test_a_rollback_leaves_nothing_of_any_kind(self) -> None:
        store = self.store()

        def write_everything(tx: Transaction) -> None:
            tx.save(full_dossier("k1"))
            tx.put_organisation(organisation(1))
            tx.put_professional(professional(1))
            tx.add_notifications([("k1", notification(1))])
            tx.append_log([entry(0, 1, token="t")], [("t", "e0-1")], {0: "seal"})
            tx.add_key_check("key-1", "check")

        with raises(RuntimeError), store.transaction() as tx:
            write_everything(tx)
            raise RuntimeError("boom")
        with store.transaction() as tx:
            assert tx.load("k1") is None and tx.keys(None, 10) == []
            assert tx.key_for_link("L1") is None and tx.keys_for_professional("P1") == []
            assert tx.get_organisation("O1") is None and tx.get_professional("P1") is None
            assert tx.pending_notifications(None) == []
            assert list(tx.log_entries()) == [] and tx.log_heads() == {}
            assert tx.log_seals() == {} and tx.log_entries_for("t") == []
            assert tx.key_checks() == []
            write_everything(tx)  # the store is usable again
        with store.transaction() as tx:
            assert tx.load("k1") == full_dossier("k1")

    def test_a_closed_store_refuses_work(self) -> None:
        store = self.store()
        store.close()
        store.close()  # twice is harmless
        with raises(StorageError), store.transaction() as tx:
            tx.load("any")

    # -- dossiers ----------------------------------------------------------------------------------

    def test_a_full_dossier_round_trips(self) -> None:
        store = self.store()
        saved = full_dossier()
        with store.transaction(["k1"]) as tx:
            assert tx.load("k1") is None
            tx.save(saved)
            assert tx.load("k1") == saved
        with store.transaction() as tx:
            assert tx.load("k1") == saved

    def test_dossier_round_trip_and_look_up_indexes(self) -> None:
        index, _ = self.index()
        a = index.register(self.youth(BSN_A, parents=[PARENT]), self.pro("p1", "GGD Zuid-Limburg"))
        b = index.register(self.youth(BSN_A), self.pro("p2", "MEE Zuid-Limburg"))
        assert b.match is not None
        index.register(self.youth(BSN_B), self.pro("p1", "GGD Zuid-Limburg"))  # no match
        with index.store.transaction() as tx:
            key = tx.key_for_link(a.link.id)
            assert key is not None
            dossier = tx.load(key)
            assert isinstance(dossier, Dossier)
            born = dossier.subject.birth_date
            assert tx.matches_for_professional("p1") == [MatchOfYouth(b.match, born, None)]
            assert tx.matches_for_professional("nobody") == []
            assert tx.key_for_match(b.match.id) == key
            assert key in tx.keys_for_professional("p1")
            assert tx.keys_for_professional("nobody") == []
            assert tx.load("no-such-key") is None
            assert key in tx.keys_sweep_due(date(2100, 1, 1), 10)
            assert tx.keys_sweep_due(date(2026, 1, 1), 10) == []
        with index.store.transaction() as tx:
            tx.save(attrs.evolve(dossier, match=None))
            assert tx.matches_for_professional("p1") == []  # what this transaction saved
            died = attrs.evolve(dossier.subject, died_on=date(2026, 1, 2))
            tx.save(attrs.evolve(dossier, subject=died))
            assert tx.matches_for_professional("p1") == [
                MatchOfYouth(b.match, born, date(2026, 1, 2))
            ]
            tx.save(dossier)
        with index.store.transaction() as tx:
            assert tx.load(key) == dossier
            tx.delete(key)
            assert tx.load(key) is None
            assert tx.key_for_link(a.link.id) is None
            assert key not in tx.keys_for_professional("p1")
            assert tx.matches_for_professional("p1") == []

    def test_look_up_terms_follow_save_resave_and_delete(self) -> None:
        store = self.store()
        first = full_dossier("k1")
        sibling = dossier("k2", links=(link(9, "k2", 1),), parents=("parent-a",))
        with store.transaction() as tx:
            tx.save(first)
            tx.save(sibling)
        with store.transaction() as tx:
            assert (tx.key_for_link("L1"), tx.key_for_link("L3")) == ("k1", "k1")
            assert tx.key_for_link("L9") == "k2"
            assert tx.key_for_match("M1") == "k1"
            assert tx.keys_for_professional("P1") == ["k1", "k2"]
            assert tx.keys_for_professional("P3") == ["k1"]
            assert tx.keys_for_parent("parent-a") == ["k1", "k2"]
            assert tx.keys_for_parent("parent-b") == ["k1"]
            assert tx.keys_for_address("address-1") == ["k1"]
            tx.save(
                attrs.evolve(
                    sibling, subject=attrs.evolve(sibling.subject, address_key="address-1")
                )
            )
        with store.transaction() as tx:
            assert tx.keys_for_address("address-1") == ["k1", "k2"]
        # saved again without the match, with one link, one parent and the address fewer
        smaller = Dossier(
            subject=dossier("k1", parents=("parent-b",)).subject, links=(first.links[0],)
        )
        with store.transaction() as tx:
            tx.save(smaller)
        with store.transaction() as tx:
            assert tx.load("k1") == smaller
            assert tx.key_for_link("L1") == "k1"
            assert tx.key_for_link("L2") is None and tx.key_for_link("L3") is None
            assert tx.key_for_match("M1") is None
            assert tx.keys_for_professional("P1") == ["k1", "k2"]
            assert tx.keys_for_professional("P2") == []
            assert tx.keys_for_parent("parent-a") == ["k2"]
            assert tx.keys_for_parent("parent-b") == ["k1"]
            assert tx.keys_for_address("address-1") == ["k2"]
        with store.transaction() as tx:
            tx.delete("k1")
            tx.delete("k2")
            tx.save(sibling)
            tx.delete("no-such-key")
        with store.transaction() as tx:
            assert tx.load("k1") is None
            assert tx.key_for_link("L1") is None
            assert tx.keys_for_professional("P1") == ["k2"]
            assert tx.keys_for_parent("parent-b") == []
            assert tx.keys_for_address("address-1") == []
            assert tx.keys(None, 10) == ["k2"]

    def test_what_a_transaction_saved_is_what_it_reads(self) -> None:
        store = self.store()
        with store.transaction() as tx:
            tx.save(full_dossier("k1"))
            tx.save(dossier("k1", links=(link(1, "k1", 1), link(4, "k1", 4)), parents=("p-c",)))
        with store.transaction() as tx:
            loaded = tx.load("k1")
            assert loaded is not None and [x.id for x in loaded.links] == ["L1", "L4"]
            tx.save(Dossier(subject=dossier("k1").subject, links=(link(5, "k1", 4),)))
            assert tx.key_for_link("L1") is None and tx.key_for_link("L5") == "k1"
            assert tx.keys_for_professional("P4") == ["k1"]
            assert tx.keys_for_professional("P1") == []
            assert tx.keys_for_parent("p-c") == []
            tx.delete("k1")
            tx.save(dossier("k1", links=(link(6, "k1", 6),)))
            assert tx.key_for_link("L5") is None
            assert tx.keys_for_professional("P6") == ["k1"]
        with store.transaction() as tx:
            assert tx.keys_for_professional("P6") == ["k1"]

    def test_a_link_id_saved_under_another_key_moves(self) -> None:
        store = self.store()
        with store.transaction() as tx:
            tx.save(dossier("k1", links=(link(1, "k1"),)))
            tx.save(dossier("k2", links=(link(1, "k2"),)))
            assert tx.key_for_link("L1") == "k2"
        with store.transaction() as tx:
            assert tx.key_for_link("L1") == "k2"

    def test_due_keys_and_paging(self) -> None:
        store = self.store()

        def due(
            key: str, sweep: date | None, info: date | None, follow_up: date | None = None
        ) -> Dossier:
            return Dossier(
                subject=dossier(key).subject,
                sweep_due=sweep,
                information_due=info,
                follow_up_due=follow_up,
            )

        with store.transaction() as tx:
            tx.save(due("k3", date(2026, 1, 2), date(2026, 1, 1)))
            tx.save(due("k1", date(2026, 1, 2), date(2026, 1, 3)))
            tx.save(due("k2", date(2026, 1, 1), None))
            tx.save(due("k4", None, date(2026, 1, 2)))
            tx.save(due("k5", date(2026, 1, 3), None))
        with store.transaction() as tx:
            assert tx.keys_sweep_due(date(2026, 1, 2), 10) == ["k2", "k1", "k3"]
            assert tx.keys_sweep_due(date(2026, 1, 2), 2) == ["k2", "k1"]
            assert tx.keys_sweep_due(date(2025, 12, 31), 10) == []
            assert tx.keys_information_due(date(2026, 1, 3), 10) == ["k3", "k4"]
            assert tx.keys_information_due(date(2026, 1, 1), 10) == []
            assert tx.keys(None, 2) == ["k1", "k2"]
            assert tx.keys("k2", 2) == ["k3", "k4"]
            assert tx.keys("k5", 2) == []
            tx.save(due("k4", None, None))  # no longer due
            assert tx.keys_information_due(date(2026, 1, 3), 10) == ["k3"]
            assert tx.keys_follow_up_due(date(2026, 1, 3), None, 10) == []
            tx.save(due("k5", date(2026, 1, 3), None, date(2026, 1, 2)))
            tx.save(due("k3", date(2026, 1, 2), date(2026, 1, 1), date(2026, 1, 1)))
            tx.save(due("k1", date(2026, 1, 2), date(2026, 1, 3), date(2026, 1, 9)))
        with store.transaction() as tx:
            # by key, not by day: the list of a municipality is read in pages
            assert tx.keys_follow_up_due(date(2026, 1, 2), None, 10) == ["k3", "k5"]
            assert tx.keys_follow_up_due(date(2026, 1, 2), None, 1) == ["k3"]
            assert tx.keys_follow_up_due(date(2026, 1, 2), "k3", 10) == ["k5"]
            assert tx.keys_follow_up_due(date(2026, 1, 9), "k1", 10) == ["k3", "k5"]
            tx.save(due("k3", date(2026, 1, 2), date(2026, 1, 1)))  # coordinated meanwhile
            tx.save(due("k5", date(2026, 1, 3), None))  # dissolved
            assert tx.keys_follow_up_due(date(2026, 1, 9), None, 10) == ["k1"]
        keys = [f"k{n:03d}" for n in range(250)]
        with store.transaction() as tx:
            for key in reversed(keys):
                tx.save(dossier(key))
        seen: list[str] = []
        after: str | None = None
        with store.transaction() as tx:
            while page := tx.keys(after, 40):
                seen.extend(page)
                after = page[-1]
        assert seen == sorted({*keys, "k1", "k2", "k3", "k4", "k5"})

    # -- counts ------------------------------------------------------------------------------------

    def test_counts_add_up_by_cell_and_month_and_roll_back(self) -> None:
        store = self.store()
        jan, feb, mar = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)
        with store.transaction() as tx:
            tx.add_counts(
                [
                    (jan, "0935", "12-15", "links-made", 2),
                    (jan, "0935", "12-15", "links-made", 1),  # the same cell twice in one call
                    (feb, "1883", "under-12", "expired", 1),
                ]
            )
        with store.transaction() as tx:
            tx.add_counts([(jan, "0935", "12-15", "links-made", 4), (mar, "0935", "16-22", "x", 1)])
        with raises(RuntimeError), store.transaction() as tx:
            tx.add_counts([(jan, "0935", "12-15", "links-made", 100)])
            raise RuntimeError("boom")
        with store.transaction() as tx:
            assert tx.counts(jan, feb) == {
                (jan, "0935", "12-15", "links-made"): 7,
                (feb, "1883", "under-12", "expired"): 1,
            }
            assert tx.counts(mar, mar) == {(mar, "0935", "16-22", "x"): 1}
            assert tx.counts(date(2025, 1, 1), date(2025, 12, 1)) == {}

    # -- the directory -----------------------------------------------------------------------------

    def test_organisations_professionals_and_key_checks(self) -> None:
        store = self.store()
        renamed = attrs.evolve(organisation(1), name="Nieuwe naam")
        with store.transaction() as tx:
            assert tx.get_organisation("O1") is None and tx.get_professional("P1") is None
            tx.put_organisation(organisation(1))
            tx.put_professional(professional(1))
            tx.put_professional(professional(2, org=1))
            tx.put_professional(professional(3))
            tx.put_organisation(renamed)
            assert tx.get_organisation("O1") == renamed
            assert tx.key_checks() == []
            tx.add_key_check("key-1", "first")
            tx.add_key_check("key-1", "second")  # the first one stays
            tx.add_key_check("key-2", "other")
        with store.transaction() as tx:
            assert tx.get_organisation("O1") == renamed
            assert tx.get_professional("P1") == professional(1)
            assert [p.id for p in tx.professionals_of("O1")] == ["P1", "P2"]
            assert tx.professionals_of("O9") == []
            assert tx.key_checks() == [("key-1", "first"), ("key-2", "other")]
            assert tx.key_moves() == []
            tx.set_key_move("key-3", True)  # not recorded: nothing to mark
            tx.add_key_check("key-3", "third")
            assert tx.key_moves() == []
            tx.set_key_move("key-2", True)
            tx.set_key_move("key-1", True)
            tx.set_key_move("key-1", False)
        with store.transaction() as tx:
            assert tx.key_moves() == ["key-2"]
        with raises(_Rollback), store.transaction() as tx:
            tx.set_key_move("key-2", False)
            tx.set_key_move("key-1", True)
            raise _Rollback
        with store.transaction() as tx:
            assert tx.key_moves() == ["key-2"]  # rolled back
            tx.set_key_move("key-2", False)
        with store.transaction() as tx:
            assert tx.key_moves() == []

    def test_a_directory_read_at_once_is_the_one_read_by_record(self) -> None:
        """:class:`~verwijsindex.storage.DirectoryReading`, where a store offers it: the
        same answers as the reads one by one, unknown ids as ``None``, and the
        transaction's own writes seen."""
        store = self.store()
        with store.transaction() as tx:
            tx.put_organisation(organisation(1))
            tx.put_professional(professional(1))
        with store.transaction() as tx:
            if not isinstance(tx, DirectoryReading):
                return
            tx.put_professional(professional(2, org=1))  # written in this transaction
            organisations, professionals = tx.read_directory(["O1", "O9"], ["P1", "P2", "P9"])
            assert organisations == {"O1": organisation(1), "O9": None}
            assert professionals == {
                "P1": professional(1),
                "P2": professional(2, org=1),
                "P9": None,
            }
            assert tx.read_directory([], []) == ({}, {})

    def test_log_heads_read_with_the_directory_answer_as_log_head(self) -> None:
        """``read_directory(..., log_lanes=...)``: a later ``log_head`` of those lanes is what
        it would have been without the read ahead, before and after an append."""
        store = self.store()
        with store.transaction() as tx:
            tx.append_log([entry(2, 1), entry(2, 2)], [])
        with store.transaction() as tx:
            if not isinstance(tx, DirectoryReading):
                return
            assert tx.read_directory([], [], log_lanes=[2, 4, 2]) == ({}, {})
            assert (tx.log_head(2), tx.log_head(4)) == ((2, "h2-2"), None)
            tx.append_log([entry(2, 3), entry(4, 1)], [])
            assert (tx.log_head(2), tx.log_head(4)) == ((3, "h2-3"), (1, "h4-1"))
            tx.read_directory([], [], log_lanes=[2])  # read ahead again: what was appended
            assert tx.log_head(2) == (3, "h2-3")
        with store.transaction() as tx:
            assert tx.log_heads() == {2: (3, "h2-3"), 4: (1, "h4-1")}

    def test_a_head_s_seal_is_read_with_it(self) -> None:
        """``log_head_seal``: the seal stored with a lane's head as the transaction sees
        it, after ``log_head``, a read ahead with the directory, or an append; ``""`` for
        a lane without one (decision 90)."""
        store = self.store()
        with store.transaction() as tx:
            tx.append_log([entry(2, 1)], [], {2: "k1:aa", 5: "k1:bb"})
        with store.transaction() as tx:
            assert tx.log_head(2) == (1, "h2-1")
            assert tx.log_head_seal(2) == "k1:aa"
            assert (tx.log_head(5), tx.log_head_seal(5)) in ((None, "k1:bb"), ((0, ""), "k1:bb"))
            assert (tx.log_head(7), tx.log_head_seal(7)) in ((None, ""), ((0, ""), ""))
            tx.append_log([entry(2, 2)], [], {2: "k2:cc"})
            assert tx.log_head_seal(2) == "k2:cc"
            tx.append_log([], [], {7: "k2:dd"})
            assert tx.log_head_seal(7) == "k2:dd"
        with store.transaction() as tx:
            if isinstance(tx, DirectoryReading):
                tx.read_directory([], [], log_lanes=[2, 7])
            assert (tx.log_head_seal(2), tx.log_head_seal(7)) == ("k2:cc", "k2:dd")
            assert tx.log_head_seal(5) == "k1:bb"  # asked without its head first

    # -- the outbox --------------------------------------------------------------------------------

    def test_outbox_by_youth_in_order_and_all_or_nothing(self) -> None:
        store = self.store()

        def note(i: int) -> Notification:
            return Notification(
                id=f"n{i}", kind=NotificationKind.FOLLOW_UP, recipient="0935", created_at=START
            )

        with store.transaction() as tx:
            tx.add_notifications([("ka", note(1)), ("kb", note(2)), ("ka", note(3))])
            tx.add_notifications([("kb", note(4)), ("ka", note(5))])
        before = pending_ids(store)
        assert before == ["n1", "n2", "n3", "n4", "n5"]
        with store.transaction() as tx:
            assert [n.id for n in tx.pending_notifications(2)] == ["n1", "n2"]
        with raises(RuntimeError), store.transaction() as tx:
            tx.delete_notifications("ka")
            tx.rekey_notifications("kb", "kc")
            assert tx.acknowledge(["n2", "n2", "n9"]) == 1
            tx.add_notifications([("ka", note(6))])
            assert [n.id for n in tx.pending_notifications(None)] == ["n4", "n6"]
            tx.delete_notifications("kc")  # n4 was moved to kc
            assert [n.id for n in tx.pending_notifications(None)] == ["n6"]
            raise RuntimeError("boom")
        assert pending_ids(store) == before
        with store.transaction() as tx:
            tx.rekey_notifications("kb", "kc")
            tx.delete_notifications("ka")
        assert pending_ids(store) == ["n2", "n4"]
        with store.transaction() as tx:
            tx.delete_notifications("kb")  # nothing is filed under kb any more
        assert pending_ids(store) == ["n2", "n4"]
        with store.transaction() as tx:
            tx.delete_notifications("kc")
        assert pending_ids(store) == []

    def test_the_outbox_withholds_what_a_youth_of_the_age_limit_or_deceased_was_sent(
        self,
    ) -> None:
        """With :class:`Withheld`, the outbox's reads leave out what is filed under a youth
        born on or before ``born_by``, or with a day of death, by the stored dossier as
        last saved; the notifications of other youths, and of a key with no dossier, come
        as before, and the withheld ones take no place of theirs under a limit (decision
        106)."""
        store = self.store()
        born = date(2012, 5, 17)  # the birth date of the records' dossier
        aged = dossier("old").subject
        dead = attrs.evolve(dossier("dead").subject, died_on=date(2026, 1, 1))
        young = attrs.evolve(dossier("young").subject, birth_date=born + timedelta(days=1))

        def note(i: int) -> Notification:
            return Notification(
                id=f"w{i}", kind=NotificationKind.FOLLOW_UP, recipient="0935", created_at=T0
            )

        with store.transaction() as tx:
            for record in (aged, dead, young):
                tx.save(attrs.evolve(dossier(record.key), subject=record))
            tx.add_notifications(
                [("old", note(1)), ("dead", note(2)), ("young", note(3)), ("none", note(4))]
            )
            tx.add_notifications([("old", note(5)), ("young", note(6))])
        held = Withheld(born_by=born)
        until = START + timedelta(minutes=5)
        with store.transaction() as tx:
            every = [n.id for n in tx.pending_notifications(None)]
            assert every == ["w1", "w2", "w3", "w4", "w5", "w6"]
            assert [n.id for n in tx.pending_notifications(None, withheld=held)] == [
                "w3",
                "w4",
                "w6",
            ]
            assert [n.id for n in tx.pending_notifications(2, withheld=held)] == ["w3", "w4"]
            assert [n.id for n in tx.pending_for("0935", 1, withheld=held)] == ["w3"]
            got = tx.claim_notifications(2, START, until, "c1", withheld=held)
            assert [n.id for n in got] == ["w3", "w4"]
        with store.transaction() as tx:  # the withheld were not claimed: any claim may have them
            assert [n.id for n in tx.claim_notifications(9, START, until, "c2")] == [
                "w1",
                "w2",
                "w5",
                "w6",
            ]
        with store.transaction() as tx:  # the youth grew younger in a rectification
            younger = attrs.evolve(aged, birth_date=born + timedelta(days=2))
            tx.save(attrs.evolve(dossier("old"), subject=younger))
            later = START + timedelta(minutes=6)
            claimed = tx.claim_notifications(9, later, later + timedelta(minutes=5), "c3",
                                             withheld=held)  # fmt: skip
            assert [n.id for n in claimed] == ["w1", "w3", "w4", "w5", "w6"]

    def test_outbox_upsert_keeps_the_place_and_acknowledge_counts(self) -> None:
        store = self.store()
        changed = Notification(
            id="N1", kind=NotificationKind.FOLLOW_UP, recipient="0935", created_at=T0
        )
        with store.transaction() as tx:
            tx.add_notifications([("k1", notification(1)), ("k2", notification(2))])
            tx.add_notifications([("k1", notification(3))])
            tx.add_notifications([])
            tx.add_notifications([("k3", changed)])  # the same id: replaced in its place
        with store.transaction() as tx:
            assert [n.id for n in tx.pending_notifications(None)] == ["N1", "N2", "N3"]
            assert tx.pending_notifications(None)[0] == changed
            assert tx.pending_notifications(0) == []
            tx.delete_notifications("k1")  # N1 is filed under k3 now
            assert [n.id for n in tx.pending_notifications(None)] == ["N1", "N2"]
            assert tx.acknowledge([]) == 0
            assert tx.acknowledge(["N2", "N2", "N-unknown"]) == 1
            assert tx.acknowledge(["N2"]) == 0

    def test_a_signal_s_notices_are_found_by_its_id_and_revised_in_place(self) -> None:
        """``signal_notifications``: the pending family and address notices of the signals
        asked for, with their keys, oldest first (``any_signal_notifications``: whether
        there is one at all); a match notice with the same
        ``match_id`` is no signal's. ``revise_notifications`` replaces a notice's message
        where it is (key, place, claim), skips one acknowledged meanwhile, and the notice
        is found by its signal as revised; ``remove_notifications`` removes by id; a
        rollback undoes it (decision 94)."""
        store = self.store()
        contact = Contact(
            professional_id="p9", name="P Negen", organisation="GGD", email="p9@ggd.nl"
        )

        def note(i: int, kind: NotificationKind, match_id: str) -> Notification:
            return Notification(
                id=f"n{i}", kind=kind, recipient=f"p{i}", created_at=T0, match_id=match_id,
                contacts=(contact,),
            )  # fmt: skip

        family, address, match = (
            NotificationKind.FAMILY_MATCH,
            NotificationKind.ADDRESS_MATCH,
            NotificationKind.MATCH,
        )
        with raises(_Rollback), store.transaction() as tx:
            assert not tx.any_signal_notifications()
            tx.add_notifications([("ka", note(9, match, "family-9"))])  # a match's, no signal
            assert not tx.any_signal_notifications()
            raise _Rollback
        with store.transaction() as tx:
            assert tx.signal_notifications(["family-1"]) == []
            tx.add_notifications(
                [
                    ("kb", note(1, family, "family-1")),
                    ("ka", note(2, family, "family-1")),
                    ("ka", note(3, match, "family-2")),
                    ("kc", note(4, address, "address-3")),
                    ("ka", note(5, family, "family-2")),
                ]
            )
            assert tx.signal_notifications([]) == []
            assert tx.any_signal_notifications()
        with store.transaction() as tx:
            found = tx.signal_notifications({"family-1", "family-2", "address-9"})
            assert [(k, n.id) for k, n in found] == [("kb", "n1"), ("ka", "n2"), ("ka", "n5")]
            assert found[0][1] == note(1, family, "family-1")
            assert tx.claim_notifications(1, T0, T0 + timedelta(hours=1), "c1")[0].id == "n1"
        bare = attrs.evolve(note(1, family, "family-1"), contacts=())
        with store.transaction() as tx:
            tx.acknowledge(["n5"])
            tx.revise_notifications([bare, note(5, family, "family-1")])
            tx.revise_notifications([])
            assert tx.signal_notifications(["family-1"]) == [
                ("kb", bare),
                ("ka", note(2, family, "family-1")),
            ]
        assert pending_ids(store) == ["n1", "n2", "n3", "n4"]  # in place; n5 not back
        with store.transaction() as tx:
            tx.remove_notifications([])
            tx.remove_notifications(["n3", "n-unknown"])
            assert tx.pending_notifications(1) == [bare]
            assert tx.acknowledge(["n1"], claim="c1") == 1  # the claim held
            tx.revise_notifications([attrs.evolve(note(2, family, "family-1"), contacts=())])
        with raises(_Rollback), store.transaction() as tx:
            tx.revise_notifications([note(2, address, "address-3")])
            assert [n.id for _, n in tx.signal_notifications(["address-3"])] == ["n2", "n4"]
            raise _Rollback
        with store.transaction() as tx:
            assert tx.signal_notifications(["address-3"])[0][1].id == "n4"
            assert [n.id for _, n in tx.signal_notifications(["family-1"])] == ["n2"]
            assert tx.signal_notifications(["family-1"])[0][1].contacts == ()

    # -- the logbook -------------------------------------------------------------------------------

    def test_log_entries_stream_in_lane_order_and_heads_follow(self) -> None:
        store = self.store()
        with store.transaction() as tx:
            assert tx.log_head(0) is None and tx.log_heads() == {}
            tx.append_log([entry(3, seq) for seq in range(1, 601)], [], {3: "seal-3"})
            tx.append_log([entry(1, seq) for seq in range(1, 601)], [])
            tx.append_log([], [])
        with store.transaction() as tx:
            ids = [e.id for e in tx.log_entries()]
            assert ids == [f"e1-{s}" for s in range(1, 601)] + [f"e3-{s}" for s in range(1, 601)]
            assert tx.log_heads() == {1: (600, "h1-600"), 3: (600, "h3-600")}
            assert tx.log_head(3) == (600, "h3-600")
            assert tx.log_seals() == {1: "", 3: "seal-3"}
            tx.append_log([], [], {1: "seal-1"})  # a seal for a lane without new entries
            assert tx.log_seals() == {1: "seal-1", 3: "seal-3"}
            assert tx.log_heads() == {1: (600, "h1-600"), 3: (600, "h3-600")}

    def test_log_entries_from_given_positions(self) -> None:
        """:class:`~verwijsindex.storage.LogReadingFrom`, where a store offers it: each
        lane's entries from its start on (from the first for a lane not named), in the
        order of :meth:`~verwijsindex.storage.LogbookTransaction.log_entries`."""
        store = self.store()
        with store.transaction() as tx:
            tx.append_log([entry(3, seq) for seq in range(1, 601)], [])
            tx.append_log([entry(1, seq) for seq in range(1, 11)], [])
            tx.append_log([entry(5, seq) for seq in range(1, 4)], [])
        with store.transaction() as tx:
            if not isinstance(tx, LogReadingFrom):
                return
            starts = {3: 598, 5: 9, 7: 2}  # lane 5 has no entry 9, lane 7 none at all
            found = [e.id for e in tx.log_entries_from(starts)]
            assert found == [f"e1-{s}" for s in range(1, 11)] + ["e3-598", "e3-599", "e3-600"]
            every = [e.id for e in tx.log_entries()]
            assert [e.id for e in tx.log_entries_from({})] == every

    def test_log_entries_for_a_token_by_time(self) -> None:
        store = self.store()
        late = entry(2, 1, at=T0 + timedelta(hours=1), token="t1")
        early = entry(5, 1, at=T0, token="t1")
        with store.transaction() as tx:
            tx.append_log([late], [("t1", late.id)])
            tx.append_log([early], [("t1", early.id), ("t1", "missing-entry"), ("t2", early.id)])
        with store.transaction() as tx:
            assert tx.log_entries_for("t1") == [early, late]
            tx.delete_log_refs("t1")
            assert tx.log_entries_for("t1") == []
            assert tx.log_entries_for("t2") == [early]
            assert len(list(tx.log_entries())) == 2

    def test_a_log_entry_id_is_written_once(self) -> None:
        store = self.store()
        with store.transaction() as tx:
            tx.append_log([entry(0, 1)], [])
        with raises(StorageError), store.transaction() as tx:
            tx.append_log([attrs.evolve(entry(0, 2), id="e0-1")], [])
        with raises(StorageError), store.transaction() as tx:
            tx.append_log([entry(1, 1), attrs.evolve(entry(1, 2), id="e1-1")], [])
        with store.transaction() as tx:
            assert [e.id for e in tx.log_entries()] == ["e0-1"]
            assert tx.log_heads() == {0: (1, "h0-1")}

    def test_the_log_audit_counts_references(self) -> None:
        store = self.store()
        secrets = ("a1" * 32, "b2" * 32)
        youths = [
            attrs.evolve(dossier(f"k{n}", secret=secret), logged=n, log_seal=f"seal-{n}")
            for n, secret in enumerate(secrets, start=1)
        ]
        tokens = [log_token(secret) for secret in secrets]
        with store.transaction() as tx:
            for one in youths:
                tx.save(one)
            tx.append_log(
                [entry(0, 1), entry(0, 2), entry(0, 3)],
                [
                    (tokens[0], "e0-1"),
                    (tokens[1], "e0-2"),
                    (tokens[1], "e0-3"),
                    (tokens[1], "no-such-entry"),
                    ("nobody's-token", "e0-1"),
                ],
            )
        with store.transaction() as tx:
            audit = tx.log_audit()
        assert sorted(audit.youths) == [
            ("k1", tokens[0], 1, "seal-1", 1, refs_digest(["e0-1"])),
            ("k2", tokens[1], 2, "seal-2", 3, refs_digest(["e0-2", "e0-3", "no-such-entry"])),
        ]
        assert (audit.orphans, audit.dangling) == (1, 1)

    def test_a_deletion_leaves_the_outbox_and_the_logbook(self) -> None:
        store = self.store()
        with store.transaction() as tx:
            tx.save(full_dossier("k1"))
            tx.add_notifications([("k1", notification(1))])
            tx.append_log([entry(0, 1, token="t1")], [("t1", "e0-1")])
        with store.transaction() as tx:
            tx.delete("k1")
        with store.transaction() as tx:
            assert tx.load("k1") is None and tx.key_for_match("M1") is None
            assert [n.id for n in tx.pending_notifications(None)] == ["N1"]
            assert [e.id for e in tx.log_entries_for("t1")] == ["e0-1"]


class _Rollback(Exception):
    """Leaves a transaction on purpose, so that its writes are undone."""
