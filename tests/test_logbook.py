"""The logbook's hash chains: any edit, removal, reordering or append is found."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verwijsindex.errors import ValidationError
from verwijsindex.logbook import Draft, chain, draft, entry_hash, verify
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


# -- the pinned encoding and the trusted fast path --------------------------------------------

_KNOWN_AT = datetime(2026, 11, 23, 13, 5, 7, 123456, tzinfo=timezone(timedelta(hours=1)))
_KNOWN = [
    Draft(
        at=_KNOWN_AT,
        actor="professional:p-1",
        action=LogAction.REGISTERED,
        subject_ref='réf"1',
        link_id="l1",
    ),
    Draft(at=_KNOWN_AT, actor="system", action=LogAction.SWEEP, count=12),
    Draft(at=_KNOWN_AT, actor="system", action=LogAction.SWEEP, match_id="m1"),
]


def test_known_hashes_of_encoding_version_1() -> None:
    entries = chain((4, "ab" * 32), _KNOWN, lane=7, ids=iter(["e1", "e2", "e3"]))
    assert [e.hash for e in entries] == [
        "04c77bcb080e870d23c2bdec9d4de7034b76e352e8dc101e8dbc867743a18dbf",
        "8469c2d726131dabb3aa5b9180ac208b1cbdcebf6e619050aa93d633e938f497",
        "7e08f893e6dcc800b3295ac9f39a5f3c3baa05715de6f6189d56aaffb6399f96",
    ]


_text = st.text(max_size=30)


@given(
    id=_text,
    lane=st.integers(0, 10**12),
    seq=st.integers(0, 10**12),
    actor=_text,
    action=st.sampled_from(LogAction),
    refs=st.tuples(*[st.none() | _text] * 3),
    count=st.none() | st.integers(0, 10**12),
    prev=_text,
)
def test_the_encoding_is_compact_ascii_json(
    id: str,
    lane: int,
    seq: int,
    actor: str,
    action: LogAction,
    refs: tuple[str | None, str | None, str | None],
    count: int | None,
    prev: str,
) -> None:
    import hashlib
    import json

    from verwijsindex.logbook import _digest

    payload = [1, id, lane, seq, AT.isoformat(), actor, action.value, *refs, count, prev]
    expected = json.dumps(payload, separators=(",", ":"), ensure_ascii=True)
    digest = _digest(id, lane, seq, AT, actor, action, *refs, count, prev)
    assert digest == hashlib.sha256(expected.encode("ascii")).hexdigest()


def test_trusted_drafts_make_the_same_entries_as_validated_ones() -> None:
    drafts = [attrs.evolve(d, id=f"e{i}") for i, d in enumerate(_KNOWN)]
    fast = chain((4, "ab" * 32), drafts, lane=7, trusted=True)
    checked = chain((4, "ab" * 32), drafts, lane=7, trusted=False)
    assert fast == checked
    assert [LogEntry(**attrs.asdict(e, recurse=False)) for e in fast] == checked
    assert (fast[0].seq, fast[0].prev_hash) == (5, "ab" * 32)
    fresh = chain(None, drafts, lane=7, trusted=True)
    assert verify(fresh, heads(fresh)).ok


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"at": datetime(2026, 11, 23, 9, 0)}, "timezone"),
        ({"at": "2026-11-23"}, "at must be a datetime"),
        ({"actor": ""}, "actor must be"),
        ({"actor": "x" * 201}, "actor must be one line"),
        ({"actor": "a\nb"}, "actor must be one line"),
        ({"actor": 7}, "actor must be"),
        ({"action": "read"}, "action must be"),
        ({"link_id": 5}, "link_id"),
        ({"match_id": b"m"}, "match_id"),
        ({"count": -1}, "count"),
        ({"count": True}, "count"),
    ],
)
def test_drafts_are_checked_as_log_entries_are(change: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {"at": AT, "actor": "system", "action": LogAction.READ}
    fields.update(change)
    with pytest.raises(ValidationError, match=message):
        draft(**fields)  # type: ignore[arg-type]
