"""The memory store after a fixed run, byte for byte as the path before the lean-core work
left it (issue "A lean core"): the proof that making registrations cheaper dropped nothing.

A simulated population runs two years on the memory store (registrations, repeat
registrations, withdrawals on both grounds, sweeps, information and follow-up), with every
random draw of the library taken from one seeded stream. Everything the store holds that its
transaction protocol can read is written out as canonical JSON: every dossier with its links,
match, archive, duties, seals and due days, the pending outbox in its order and every
notification the run put in it, every logbook entry, head and seal, each youth's log
references, the directory, the statistics' counts and the key checks. Its SHA-256 must
equal the one the old path gave (``GOLDEN``, recorded at commit 4f226c8 with this very
test). A change that alters a single byte of what is stored (a dropped log entry, another
order of notifications, a different seal) fails it.

If a change is *meant* to alter what is stored, the digest is re-recorded in the same commit,
with the reason in its message; ``VERWIJSINDEX_GOLDEN_DUMP=path`` writes the dump to compare.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import secrets
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from verwijsindex.model import Notification
from verwijsindex.pseudonyms import log_token
from verwijsindex.serialization import to_json
from verwijsindex.simulation import Scenario, run_scenario, synthetic_population
from verwijsindex.storage import MemoryStore
from verwijsindex.storage.memory import _MemoryTransaction

GOLDEN = "33d501ae49c3916c1676de8f8f0ba3308c1ab94ea32a427076a60150efc8b5fb"
"""SHA-256 of the dump at commit 4f226c8 (before the lean-core changes)."""


def _canon(value: Any) -> Any:
    return json.loads(to_json(value))


def dump(store: MemoryStore, notified: list[Any]) -> str:
    """Everything *store* holds that its transaction protocol reads, and every notification
    the run put in its outbox (delivered ones included), as canonical JSON."""
    with store.transaction(snapshot=True) as tx:
        keys = tx.keys(None, 10_000_000)
        dossiers = [tx.load(key) for key in keys]
        tokens = {
            key: log_token(d.subject.log_secret)
            for key, d in zip(keys, dossiers, strict=True)
            if d is not None
        }
        organisation_ids = sorted(
            {link.organisation for d in dossiers if d is not None for link in d.links}
        )
        professional_ids = sorted(
            {link.professional for d in dossiers if d is not None for link in d.links}
        )
        state = {
            "keys": keys,
            "dossiers": [_canon(d) for d in dossiers],
            "outbox": [_canon(n) for n in tx.pending_notifications(None)],
            "notified": notified,
            "log": [_canon(entry) for entry in tx.log_entries()],
            "heads": sorted(tx.log_heads().items()),
            "seals": sorted(tx.log_seals().items()),
            "refs": {
                key: [entry.id for entry in tx.log_entries_for(token)]
                for key, token in tokens.items()
            },
            "organisations": [_canon(tx.get_organisation(i)) for i in organisation_ids],
            "professionals": [_canon(tx.get_professional(i)) for i in professional_ids],
            "counts": sorted(
                [
                    [day.isoformat(), *rest, n]
                    for (day, *rest), n in tx.counts(date(1900, 1, 1), date(2200, 1, 1)).items()
                ]
            ),
            "key_checks": sorted(tx.key_checks()),
            "sweep_due": tx.keys_sweep_due(date(2200, 1, 1), 10_000_000),
            "information_due": tx.keys_information_due(date(2200, 1, 1), 10_000_000),
            "follow_up_due": tx.keys_follow_up_due(date(2200, 1, 1), None, 10_000_000),
        }
    return json.dumps(state, sort_keys=True, separators=(",", ":"))


def test_a_fixed_run_leaves_the_memory_store_byte_for_byte_as_before(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stream = random.Random(20261206)
    monkeypatch.setattr(os, "urandom", stream.randbytes)
    monkeypatch.setattr(secrets, "token_bytes", lambda n=32: stream.randbytes(n))
    monkeypatch.setattr(secrets, "token_hex", lambda n=32: stream.randbytes(n).hex())
    population = synthetic_population(seed=7, fraction=0.25, years=2)
    notified: list[Any] = []
    add = _MemoryTransaction.add_notifications

    def add_notifications(
        tx: _MemoryTransaction, items: Sequence[tuple[str, Notification]]
    ) -> None:
        notified.extend([key, _canon(n)] for key, n in items)
        add(tx, items)

    monkeypatch.setattr(_MemoryTransaction, "add_notifications", add_notifications)
    store = MemoryStore()
    run = run_scenario(Scenario("statute"), population, years=2, seed=7, store=store)
    links = run.row["links"]
    assert isinstance(links, int) and links > 500  # real work: the dump is not of an empty store
    assert len(notified) > 500
    text = dump(store, notified)
    target = os.environ.get("VERWIJSINDEX_GOLDEN_DUMP")
    if target:
        Path(target).write_text(text)
    assert hashlib.sha256(text.encode()).hexdigest() == GOLDEN
