"""The logbook's hash chains: any edit, removal, reordering or append is found."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verwijsindex.logbook import Draft, chain, entry_hash, verify
from verwijsindex.model import LogAction, LogEntry

AT = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


def make(n: int, lane: int = 0, head: tuple[int, str] | None = None) -> list[LogEntry]:
    drafts = [
        Draft(at=AT + timedelta(minutes=i), actor=f"professional:p{i}", action=LogAction.READ)
        for i in range(n)
    ]
    return chain(head, drafts, lane=lane, ids=iter(f"e{lane}-{i}" for i in range(10_000)))


def heads(entries: list[LogEntry]) -> dict[int, tuple[int, str]]:
    return {e.lane: (e.seq, e.hash) for e in entries}


def test_a_fresh_chain_verifies() -> None:
    entries = make(5)
    report = verify(entries, heads(entries))
    assert report.ok and bool(report) and report.entries == 5 and report.lanes == 1


def test_chains_continue_from_their_head() -> None:
    first = make(2)
    more = chain(
        (2, first[-1].hash),
        [Draft(at=AT, actor="system", action=LogAction.SWEEP)],
        lane=0,
        ids=iter(["x"]),
    )
    assert more[0].seq == 3 and more[0].prev_hash == first[-1].hash
    assert verify([*first, *more], heads(more)).ok


def test_hash_covers_every_field() -> None:
    (entry,) = make(1)
    for change in (
        {"actor": "professional:other"},
        {"action": LogAction.WITHDRAWN},
        {"at": AT + timedelta(seconds=1)},
        {"subject_ref": "abc"},
        {"link_id": "l"},
        {"match_id": "m"},
        {"count": 3},
        {"id": "other"},
    ):
        assert entry_hash(attrs.evolve(entry, **change)) != entry.hash


def test_hash_is_the_same_in_any_timezone() -> None:
    (entry,) = make(1)
    from zoneinfo import ZoneInfo

    moved = attrs.evolve(entry, at=entry.at.astimezone(ZoneInfo("Europe/Amsterdam")))
    assert entry_hash(moved) == entry.hash


@given(position=st.integers(0, 5), kind=st.sampled_from(["edit", "delete", "swap", "append"]))
def test_any_tampering_is_found(position: int, kind: str) -> None:
    entries = make(6)
    stored_heads = heads(entries)
    tampered = list(entries)
    if kind == "edit":
        tampered[position] = attrs.evolve(tampered[position], actor="professional:mallory")
    elif kind == "delete":
        del tampered[position]
    elif kind == "swap":
        other = (position + 1) % 6
        tampered[position], tampered[other] = tampered[other], tampered[position]
    else:
        tampered.append(attrs.evolve(entries[-1], seq=7, prev_hash=entries[-1].hash))
    report = verify(tampered, stored_heads)
    assert not report.ok and report.problems


def test_lanes_are_independent() -> None:
    a, b = make(3, lane=0), make(2, lane=5)
    assert verify([*a, *b], {**heads(a), **heads(b)}).ok
    assert not verify([*a, *b], heads(a)).ok  # a head is missing for lane 5
    assert not verify(a, {**heads(a), **heads(b)}).ok  # lane 5 lost all its entries


@pytest.mark.parametrize("n", [0, 1])
def test_small_logbooks(n: int) -> None:
    entries = make(n)
    assert verify(entries, heads(entries)).ok
