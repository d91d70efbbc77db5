"""The service's rules, once, on the memory store.

What must hold on every store is in the store contract (:mod:`verwijsindex.testing`),
run by ``tests/storage``; these tests are about the rules themselves (who matches, who is
told, ages and periods, roles), which do not depend on the store.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from typing import Any

import attrs

from verwijsindex.clock import FixedClock
from verwijsindex.errors import (
    AccessDeniedError,
    AgeLimitError,
    ConfigurationError,
    ForbiddenFieldError,
    NotFoundError,
)
from verwijsindex.importing import ImportRecord
from verwijsindex.index import VerwijsIndex
from verwijsindex.matching import MatchRule, Rules
from verwijsindex.model import (
    LinkStatus,
    LogAction,
    NotificationKind,
    Organisation,
    Recipient,
    WithdrawalReason,
)
from verwijsindex.pseudonyms import PseudonymKey
from verwijsindex.storage import DEFAULT_BATCH, MemoryStore, Store, open_store
from verwijsindex.testing import _factories as t
from verwijsindex.testing._base import (
    BSN_A,
    BSN_B,
    BSN_C,
    PARENT,
    START,
    ContractBase,
    valid_bsns,
)
from verwijsindex.testing._factories import raises


class TestServiceRules(ContractBase):
    def make_store(self) -> Store:
        return MemoryStore()

    def test_index_needs_a_key(self) -> None:
        with raises(ConfigurationError):
            VerwijsIndex(self.store(), key=None)

    def test_same_organisation_does_not_match_by_default(self) -> None:
        index, _ = self.index()
        index.register(self.youth(), self.pro("p1", "GGD Zuid-Limburg"))
        second = index.register(self.youth(), self.pro("p2", "GGD Zuid-Limburg"))
        assert second.match is None and index.pending_notifications() == []

    def test_different_professionals_rule(self) -> None:
        index, _ = self.index(match_rule=MatchRule.DIFFERENT_PROFESSIONALS)
        index.register(self.youth(), self.pro("p1", "GGD Zuid-Limburg"))
        second = index.register(self.youth(), self.pro("p2", "GGD Zuid-Limburg"))
        assert second.match is not None

    def test_cross_region_match_tells_both_coordinators(self) -> None:
        index, _ = self.index()
        index.register(self.youth(), self.pro("p1", "GGD Zuid-Limburg"))
        index.register(self.youth(), self.pro("p2", "Jeugdzorg Heerlen", "Heerlen"))
        coordinators = [
            n.recipient
            for n in index.pending_notifications()
            if n.kind is NotificationKind.COORDINATOR
        ]
        assert sorted(coordinators) == ["Maastricht-Heuvelland", "Parkstad Limburg"]

    def test_information_duty_follows_age(self) -> None:
        index, _ = self.index()
        pro = self.pro("p1", "GGD Zuid-Limburg")
        both = frozenset(Recipient)
        for bsn, age, expected in (
            (BSN_A, 11, {Recipient.LEGAL_REPRESENTATIVE}),
            (BSN_B, 12, both),
            (BSN_C, 16, {Recipient.YOUTH}),
        ):
            assert index.register(self.youth(bsn, age=age), pro).information_duty == expected

    def test_age_boundary_22_and_23(self) -> None:
        index, _ = self.index()
        pro = self.pro("p1", "GGD Zuid-Limburg")
        last_day = date(START.year - 23, START.month, START.day + 1)
        assert index.register(t.make_subject(bsn=BSN_A, birth_date=last_day), pro).created
        with raises(AgeLimitError):
            index.register(t.make_subject(bsn=BSN_B, birth_date=last_day - timedelta(days=1)), pro)

    def test_shorter_period_is_allowed(self) -> None:
        index, _clock = self.index()
        pro = self.pro("p1", "GGD Zuid-Limburg")
        reg = index.register(self.youth(), pro, ends_on=date(2027, 5, 1))
        assert reg.link.ends_on == date(2027, 5, 1)
        assert index.register(self.youth(BSN_B), pro).link.ends_on == date(2028, 11, 23)

    def test_archive_hint_only_once_per_professional(self) -> None:
        index, clock = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        index.register(self.youth(), p1, ends_on=date(2027, 1, 1))
        clock.set(datetime(2027, 1, 2, 9, 0, tzinfo=timezone.utc))
        first = index.register(self.youth(), p2, ends_on=date(2027, 2, 1))
        assert first.archive_hint
        clock.set(datetime(2027, 3, 1, 9, 0, tzinfo=timezone.utc))
        index.sweep()
        assert not index.register(self.youth(), p2).archive_hint

    def test_withdrawal_needs_a_statutory_reason_and_the_owner(self) -> None:
        index, _ = self.index()
        p1, p2 = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        a = index.register(self.youth(), p1)
        text: Any = "gaat beter thuis"
        with raises(ForbiddenFieldError):
            index.withdraw(a.link.id, by=p1, reason=text)
        before = self.written(index)
        with raises(AccessDeniedError):
            index.withdraw(a.link.id, by=p2, reason=WithdrawalReason.RISK_RESOLVED)
        dossiers, notes, entries = self.written(index)
        assert (dossiers, notes, entries) == (before[0], before[1], before[2] + 1)
        with index.store.transaction() as tx:
            last = list(tx.log_entries())
        assert any(e.action is LogAction.DENIED and e.actor == "professional:p2" for e in last)
        assert index.links_for(p1)[0].status is LinkStatus.ACTIVE

    def test_history_only_with_an_active_link(self) -> None:
        index, _ = self.index()
        index.register(self.youth(), self.pro("p1", "GGD Zuid-Limburg"))
        with raises(AccessDeniedError):
            index.history(self.youth(), self.pro("p2", "MEE Zuid-Limburg"))
        assert index.history(self.youth(), self.pro("p1", "GGD Zuid-Limburg")) == []

    def test_history_is_closed_from_the_23rd_birthday_before_the_sweep(self) -> None:
        """At 23 every link and the archive go (JW 7.1.4.5(2)(b)); no rule waits for the
        sweep (decision 89). The history stayed open, and was logged, until the sweep ran."""
        index, clock = self.index()
        nurse, mee = self.pro("p1", "GGD Zuid-Limburg"), self.pro("p2", "MEE Zuid-Limburg")
        youth = self.youth(age=22)
        archived = index.register(youth, mee).link
        index.withdraw(archived.id, by=mee, reason=WithdrawalReason.RISK_RESOLVED)
        index.register(youth, nurse)
        assert [lk.id for lk in index.history(youth, nurse)] == [archived.id]
        clock.set(datetime(START.year + 1, 3, 15, 9, 0, tzinfo=timezone.utc))  # 23 today
        with raises(AccessDeniedError):
            index.history(youth, nurse)

    def test_rules_are_parameters(self) -> None:
        index, _clock = self.index(rules=Rules(active_years=1))
        reg = index.register(self.youth(), self.pro("p1", "GGD Zuid-Limburg"))
        assert reg.link.ends_on == date(2027, 11, 23)

    def test_organisation_must_be_in_the_regions(self) -> None:
        index, _ = self.index()
        outside = Organisation(id="elders", name="Elders", municipality_code="0363", email="a@b.nl")
        with raises(NotFoundError):
            index.add_organisation(outside)

    def test_history_look_up_is_logged(self) -> None:
        index, _ = self.index()
        p1 = self.pro("p1", "GGD Zuid-Limburg")
        index.register(self.youth(), p1)
        index.history(self.youth(), p1)
        with index.store.transaction() as tx:
            looked = [e for e in tx.log_entries() if e.action is LogAction.HISTORY_LOOKUP]
        assert [e.actor for e in looked] == ["professional:p1"]

    def test_the_region_s_policy_sets_the_information_duty(self) -> None:
        from verwijsindex.regions import LEAFLET_ZUID_LIMBURG, ZUID_LIMBURG, Regions

        leaflet = Regions(
            name="Zuid-Limburg (leaflet)",
            regions=tuple(attrs.evolve(r, policy=LEAFLET_ZUID_LIMBURG) for r in ZUID_LIMBURG),
        )
        index, _ = self.index(regions=leaflet)
        reg = index.register(self.youth(age=17), self.pro("p1", "GGD Zuid-Limburg"))
        assert reg.information_duty == frozenset(Recipient)  # the statute: the youth only

    def test_family_match_can_be_switched_off(self) -> None:
        index, _ = self.index(rules=Rules(family_match=False))
        index.register(self.youth(BSN_A, parents=[PARENT]), self.pro("p1", "GGD Zuid-Limburg"))
        index.register(self.youth(BSN_B, parents=[PARENT]), self.pro("p2", "MEE Zuid-Limburg"))
        assert index.pending_notifications() == []


class _Counting:
    """A transaction that counts the reads of each directory entry and dossier."""

    def __init__(self, tx: Any, reads: dict[tuple[str, str], int]) -> None:
        self._tx = tx
        self._reads = reads

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._tx, name)
        if name not in ("get_organisation", "get_professional", "load"):
            return method

        def counted(arg: str) -> Any:
            self._reads[(name, arg)] = self._reads.get((name, arg), 0) + 1
            return method(arg)

        return counted


class _CountingStore(MemoryStore):
    def __init__(self) -> None:
        super().__init__()
        self.reads: dict[tuple[str, str], int] = {}

    def transaction(self, locks: Any = (), *, snapshot: bool = False) -> Any:
        from contextlib import contextmanager

        @contextmanager
        def counting() -> Any:
            with super(_CountingStore, self).transaction(locks, snapshot=snapshot) as tx:
                yield _Counting(tx, self.reads)

        return counting()


def _counted_index() -> tuple[VerwijsIndex, _CountingStore, list[Any]]:
    store = _CountingStore()
    index = VerwijsIndex(
        store, key=t.TEST_KEY, clock=lambda: START, match_rule=MatchRule.DIFFERENT_PROFESSIONALS
    )
    pros = [
        ContractBase.pro("p1", "GGD Zuid-Limburg"),
        ContractBase.pro("p2", "GGD Zuid-Limburg"),
        ContractBase.pro("p3", "MEE Zuid-Limburg"),
    ]
    for p in pros:
        index.add_organisation(p.organisation)
    return index, store, pros


def test_a_registration_reads_each_organisation_professional_and_dossier_at_most_once() -> None:
    """The unit of work caches what it read: a registration that makes a match of three,
    two of them from one organisation, reads each organisation, professional and dossier
    at most once."""
    index, store, pros = _counted_index()
    youth = ContractBase.youth(parents=[PARENT])
    index.register(youth, pros[0])
    index.register(youth, pros[1])
    store.reads.clear()
    registration = index.register(youth, pros[2])
    assert registration.match is not None and len(registration.match.professionals) == 3
    assert {name for name, _ in store.reads} == {"get_organisation", "get_professional", "load"}
    assert max(store.reads.values()) == 1, store.reads


def test_a_family_match_with_an_unlocked_sibling_reads_again_only_once() -> None:
    """A family match that concerns a sibling the transaction did not lock rolls back and
    runs once more with the sibling's lock (decision 33): every read is then made once per
    attempt, never more."""
    index, store, pros = _counted_index()
    index.register(ContractBase.youth(BSN_B, parents=[PARENT]), pros[2])
    youth = ContractBase.youth(parents=[PARENT])
    store.reads.clear()
    index.register(youth, pros[0])
    assert any(kind == NotificationKind.FAMILY_MATCH for kind in _kinds(index))
    assert max(store.reads.values()) == 2, store.reads


def _kinds(index: VerwijsIndex) -> list[NotificationKind]:
    return [n.kind for n in index.pending_notifications()]


def test_an_import_of_many_families_whose_siblings_are_stored_completes() -> None:
    """Each youth of the batch has a sibling registered before, in a family of its own:
    every family signal needs a sibling the batch did not lock. The batch used to start
    again once per family and gave up after five ("the youths' families kept changing");
    now it learns every sibling it needs in one pass and runs once more."""
    from verwijsindex.importing import ImportRecord
    from verwijsindex.testing._base import valid_bsns

    index, _, pros = _counted_index()
    nurse, teacher = pros[0], pros[2]
    bsns = valid_bsns(24)
    families = [(bsns[2 * i], bsns[2 * i + 1]) for i in range(12)]
    parents = valid_bsns(36)[24:]
    for (older, _), parent in zip(families, parents, strict=True):
        index.register(ContractBase.youth(older, age=14, parents=[parent]), nurse)
    records = [
        ImportRecord(ContractBase.youth(younger, age=10, parents=[parent]), teacher)
        for (_, younger), parent in zip(families, parents, strict=True)
    ]
    report = index.bulk_register(records, batch_size=500)
    assert report.created == 12 and report.rejected == 0
    signals = [n for n in index.pending_notifications() if n.kind is NotificationKind.FAMILY_MATCH]
    assert len(signals) == 24  # each family: both professionals, filed under each sibling


def test_the_batch_size_is_the_store_s_own_unless_given(tmp_path: Any) -> None:
    """Decision 68: 50 youths a transaction in memory, where a commit costs nothing, 500
    on a database store (one commit a batch), any given size on either; a store that names
    a size out of range is refused as a bad batch size is."""
    memory = MemoryStore()
    assert VerwijsIndex(memory, key=t.TEST_KEY).batch_size == 50
    assert VerwijsIndex(memory, key=t.TEST_KEY, batch_size=7).batch_size == 7
    with open_store(f"sqlite:///{tmp_path / 'index.db'}") as lite:
        assert VerwijsIndex(lite, key=t.TEST_KEY).batch_size == DEFAULT_BATCH == 500
        assert VerwijsIndex(lite, key=t.TEST_KEY, batch_size=20).batch_size == 20

    class Odd(MemoryStore):
        preferred_batch = 0

    with raises(ConfigurationError) as caught:
        VerwijsIndex(Odd(), key=t.TEST_KEY)
    assert "preferred_batch" in str(caught[0])


def test_the_sweep_goes_in_batches_of_the_store_s_size() -> None:
    """Each batch is one transaction holding the locks of its youths: 120 due youths are
    swept in batches of 50, 50 and 20 on a memory store."""
    store = MemoryStore()
    index = VerwijsIndex(store, key=t.TEST_KEY, clock=FixedClock(START))
    nurse = t.make_professional(id="p1", organisation="GGD")
    index.add_organisation(nurse.organisation)
    for bsn in valid_bsns(120):
        index.register(t.make_subject(bsn=bsn, birth_date=date(2015, 1, 1)), nurse)
    later = VerwijsIndex(store, key=t.TEST_KEY, clock=FixedClock(START + timedelta(days=800)))
    with _batch_transactions() as batches:
        assert later.sweep().dossiers == 120
    assert batches == [50, 50, 20]


def test_a_bulk_import_and_a_re_key_go_in_batches_of_the_store_s_size() -> None:
    """120 records are imported in batches of 50, 50 and 20 on a memory store, unless the
    import is given a size; a re-key pages the keys 50 at a time (a moved youth's new key
    may come up again in a later page, and is passed over there)."""
    nurse = t.make_professional(id="p1", organisation="GGD")
    records = [
        ImportRecord(t.make_subject(bsn=bsn, birth_date=date(2015, 1, 1)), nurse)
        for bsn in valid_bsns(120)
    ]
    store = MemoryStore()
    index = VerwijsIndex(store, key=t.TEST_KEY, clock=FixedClock(START))
    index.add_organisation(nurse.organisation)
    assert [p.records for p in _batches(index, records)] == [50, 100, 120]  # so far
    other = VerwijsIndex(MemoryStore(), key=t.TEST_KEY, clock=FixedClock(START))
    other.add_organisation(nurse.organisation)
    assert [p.records for p in _batches(other, records, batch_size=100)] == [100, 120]
    with _batch_transactions() as sizes:
        assert index.rekey(PseudonymKey("second", bytes(range(32)))) == 120
    assert sizes[:2] == [50, 50] and max(sizes) == 50 and sum(sizes) >= 120


@contextlib.contextmanager
def _batch_transactions() -> Iterator[list[int]]:
    """The number of youths each memory-store transaction of several locks holds, while
    the block runs."""
    sizes: list[int] = []
    real = MemoryStore.transaction

    def counting(self: MemoryStore, locks: Any = (), *, snapshot: bool = False) -> Any:
        if len(locks) > 1:
            sizes.append(len(locks))
        return real(self, locks, snapshot=snapshot)

    MemoryStore.transaction = counting  # type: ignore[method-assign]
    try:
        yield sizes
    finally:
        MemoryStore.transaction = real  # type: ignore[method-assign]


def _batches(index: VerwijsIndex, records: list[ImportRecord], **options: Any) -> list[Any]:
    done: list[Any] = []
    report = index.bulk_register(records, progress=done.append, **options)
    assert report.created == len(records)
    return done
