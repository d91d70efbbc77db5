"""A PostgreSQL save of a youth who had no dossier when the transaction locked them is
sent without the deletes of look-up rows (there can be none); every later save of the
same youth in the transaction, and every other save, with them."""

from __future__ import annotations

import pytest

from verwijsindex.storage.postgres import PostgresStore
from verwijsindex.testing._records import dossier, link

pytestmark = pytest.mark.postgres
pytest.importorskip("psycopg")

from verwijsindex.storage._postgres_sql import SAVE, SAVE_NEW  # noqa: E402


def _queued(tx: object) -> list[str]:
    tx._queue_saves()  # type: ignore[attr-defined]
    names = {SAVE: "SAVE", SAVE_NEW: "SAVE_NEW"}
    return [names.get(query, "other") for query, _ in tx._queue]  # type: ignore[attr-defined]


def test_the_first_save_of_a_youth_without_a_dossier_has_no_deletes(
    postgres_store: PostgresStore,
) -> None:
    with postgres_store.transaction(["k1", "k2"]) as tx:
        tx.save(dossier("k1", links=(link(1, "k1"), link(2, "k1"))))
        assert _queued(tx) == ["SAVE_NEW"]
        tx.save(dossier("k1", links=(link(1, "k1"),)))
        assert _queued(tx) == ["SAVE_NEW", "SAVE"]
        tx.delete("k2")
        tx.save(dossier("k2", links=(link(3, "k2"),)))
        assert _queued(tx) == ["SAVE_NEW", "SAVE", "other", "SAVE"]
    with postgres_store.transaction(["k1"]) as tx:  # now it has one
        tx.save(dossier("k1", links=(link(1, "k1"),)))
        assert _queued(tx) == ["SAVE"]
    with postgres_store.transaction(["k9"]) as tx:  # not locked: whatever it had
        tx.save(dossier("k8", links=(link(8, "k8"),)))
        assert _queued(tx) == ["SAVE"]


def test_a_second_save_in_the_transaction_takes_away_what_the_first_filed(
    postgres_store: PostgresStore,
) -> None:
    with postgres_store.transaction(["k1"]) as tx:
        tx.save(dossier("k1", links=(link(1, "k1"), link(2, "k1", prof=2)), parents=("p1",)))
        assert tx.key_for_link("L2") == "k1"  # the first save is written here
        tx.save(dossier("k1", links=(link(1, "k1"),)))
    with postgres_store.transaction() as tx:
        assert tx.key_for_link("L1") == "k1"
        assert tx.key_for_link("L2") is None
        assert tx.keys_for_professional("P2") == []
        assert tx.keys_for_parent("p1") == []
        assert tx.keys_for_professional("P1") == ["k1"]


def test_a_youth_deleted_and_saved_again_keeps_only_the_new_terms(
    postgres_store: PostgresStore,
) -> None:
    with postgres_store.transaction(["k1"]) as tx:
        tx.save(dossier("k1", links=(link(1, "k1"),), parents=("p1",)))
    with postgres_store.transaction(["k1"]) as tx:
        tx.delete("k1")
        tx.save(dossier("k1", links=(link(2, "k1", prof=2),)))
    with postgres_store.transaction() as tx:
        assert tx.key_for_link("L1") is None
        assert tx.keys_for_parent("p1") == []
        assert tx.keys_for_professional("P1") == []
        assert tx.key_for_link("L2") == "k1"
