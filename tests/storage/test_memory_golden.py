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

A transaction that ends in an error keeps nothing, and here it also takes back the random
draws made in it (``_Rewound``): a registration that finds it must start again with more
locks may give up before it draws an id or after, and either way the next ids come from
the same place in the stream. (Without the rewinding, the dump of 4f226c8 hashes to
33d501ae…, and that of the code since registrations ask for their siblings' locks before
they draw to 3765bd4a…: what 4f226c8 gives with it.)

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

GOLDEN = "6e9a8c2b277816f38a3b65aae37df16d4f8179e89e39512eb528ca78cb2e6af7"
"""SHA-256 of the dump at commit 4f226c8 (before the lean-core changes), with this test, but
for three changes meant to alter what is stored, each checked to alter that alone:

- one log entry's lane (3765bd4a… before decision 94): since a deletion takes the youth out
  of the household signals still pending for others, one withdrawal of this run (a last
  link withdrawn as unjustified) asks for a sibling's lock as well, and its one log entry
  goes to the lane of the wider set of locks (1, not 13);
- the moments, in UTC (0f7f1c9c… before): the simulation's clock gives Amsterdam time,
  and the index now keeps every moment it reads from a clock or is given as the same
  moment in UTC (``check_moment``); the dumps before and after differ in 3,536 moments
  alone, each the same instant written with another offset;
- the link a household signal was told through (dcf82596… before decision 125): each
  ``SIGNALLED`` entry of a family or address signal names it, sealed, and every link id in
  the logbook is sealed with a keystream of its own (``seal_link_id``), not the match id's;
  the dumps before and after differ in the ``link_id`` of those 305 entries (of 1,191
  ``SIGNALLED`` entries) and of the 1,607 other entries that name a link (each now
  ``^``-sealed), and in the hashes, heads and seals of the chain that follows from them."""


def _canon(value: Any) -> Any:
    return json.loads(to_json(value))


def _dossier(dossier: Any) -> Any:
    """A dossier as canonical JSON, without ``silent`` when it is empty: the field came
    after 4f226c8 (decision 93), and this run imports nothing, so it is empty throughout
    (a non-empty one would be dumped, and change the digest)."""
    data = _canon(dossier)
    if isinstance(data, dict) and data.get("silent") == []:
        del data["silent"]
    return data


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
            "dossiers": [_dossier(d) for d in dossiers],
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


class _Rewound:
    """A store transaction that, when it ends in an error (it is rolled back), also takes back
    the random draws made in it and the notifications it put in the outbox: what a
    transaction that kept nothing drew does not shift the ids of those that follow. So a
    registration that gives up earlier (before it draws) to start again with more locks
    leaves the same bytes as one that gave up later."""

    def __init__(self, inner: Any, stream: random.Random, notified: list[Any]) -> None:
        self.inner, self.stream, self.notified = inner, stream, notified

    def __enter__(self) -> Any:
        self.state, self.mark = self.stream.getstate(), len(self.notified)
        return self.inner.__enter__()

    def __exit__(self, *exc: Any) -> Any:
        if exc[0] is not None:
            self.stream.setstate(self.state)
            del self.notified[self.mark :]
        return self.inner.__exit__(*exc)


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
    real = MemoryStore.transaction

    def transaction(self: MemoryStore, locks: Sequence[str] = (), *, snapshot: bool = False) -> Any:
        return _Rewound(real(self, locks, snapshot=snapshot), stream, notified)

    monkeypatch.setattr(MemoryStore, "transaction", transaction)
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
