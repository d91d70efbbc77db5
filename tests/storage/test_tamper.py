"""A logbook that cannot be shortened unseen, on every store.

Someone with write access to the database but without the application's key removes the
newest entries of a lane (and moves the stored head back to values already in the table),
or removes references that tie entries to a youth: ``verify_logbook()`` reports it, and an
access report refuses to come out incomplete. Someone who holds the key can rewrite the
chain and its seals; an anchor kept outside the database still shows it.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Protocol

import attrs
import pytest

from tests.storage.concurrency import BSNS, populate
from verwijsindex.clock import age_on
from verwijsindex.errors import KeyMismatchError, TamperedLogbookError
from verwijsindex.index import VerwijsIndex
from verwijsindex.logbook import Draft, chain, head_message
from verwijsindex.model import LogAction, LogEntry
from verwijsindex.privacy import RequestKind, access_report, eligible_requesters, file_request
from verwijsindex.pseudonyms import log_token
from verwijsindex.roles import RightsOfficer
from verwijsindex.serialization import from_json, to_json
from verwijsindex.storage import MemoryStore, Store, open_store
from verwijsindex.testing import TEST_KEY, FixedClock, make_professional, make_subject
from verwijsindex.testing._base import valid_bsns

START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)


class Raw(Protocol):
    """What an outsider with write access to the database can do, without the key."""

    def entries(self, lane: int) -> list[LogEntry]: ...
    def delete_entries(self, lane: int, seqs: list[int]) -> None: ...
    def put_entries(self, lane: int, entries: list[LogEntry]) -> None: ...
    def head(self, lane: int) -> tuple[int, str, str]: ...
    def set_head(self, lane: int, seq: int, hash_: str, seal: str) -> None: ...
    def refs(self, token: str) -> list[str]: ...
    def delete_ref(self, token: str, entry_id: str) -> None: ...
    def add_ref(self, token: str, entry_id: str) -> None: ...
    def drop_head(self, lane: int) -> None: ...
    def strip_seals(self) -> None: ...


class MemoryRaw:
    def __init__(self, store: MemoryStore) -> None:
        self.s = store

    def entries(self, lane: int) -> list[LogEntry]:
        return list(self.s._log[lane])

    def delete_entries(self, lane: int, seqs: list[int]) -> None:
        self.s._log[lane] = [e for e in self.s._log[lane] if e.seq not in seqs]

    def put_entries(self, lane: int, entries: list[LogEntry]) -> None:
        self.s._log[lane] = list(entries)
        for entry in entries:
            self.s._entries[entry.id] = entry

    def head(self, lane: int) -> tuple[int, str, str]:
        seq, hash_ = self.s._heads[lane]
        return seq, hash_, self.s._seals[lane]

    def set_head(self, lane: int, seq: int, hash_: str, seal: str) -> None:
        self.s._heads[lane] = (seq, hash_)
        self.s._seals[lane] = seal

    def refs(self, token: str) -> list[str]:
        return list(self.s._refs.get(token, []))

    def delete_ref(self, token: str, entry_id: str) -> None:
        self.s._refs[token].remove(entry_id)

    def add_ref(self, token: str, entry_id: str) -> None:
        self.s._refs.setdefault(token, []).append(entry_id)

    def drop_head(self, lane: int) -> None:
        self.s._heads.pop(lane, None)
        self.s._seals.pop(lane, None)

    def strip_seals(self) -> None:
        self.s._seals.clear()
        self.s._key_checks.clear()
        for key, dossier in list(self.s._dossiers.items()):
            self.s._dossiers[key] = attrs.evolve(dossier, log_seal=None)


class SQLRaw:
    """SQLite and PostgreSQL through a DB-API connection of their own (*mark* is the
    driver's parameter marker)."""

    def __init__(self, connect: Any, mark: str) -> None:
        self.connect = connect
        self.mark = mark

    def run(self, query: str, params: tuple[Any, ...] = ()) -> list[Any]:
        conn = self.connect()
        try:
            cur = conn.execute(query.replace("?", self.mark), params)
            rows = cur.fetchall() if cur.description is not None else []
            conn.commit()
            return list(rows)
        finally:
            conn.close()

    def entries(self, lane: int) -> list[LogEntry]:
        rows = self.run("SELECT data FROM log_entries WHERE lane = ? ORDER BY seq", (lane,))
        return [from_json(data, LogEntry) for (data,) in rows]

    def delete_entries(self, lane: int, seqs: list[int]) -> None:
        for seq in seqs:
            self.run("DELETE FROM log_entries WHERE lane = ? AND seq = ?", (lane, seq))

    def put_entries(self, lane: int, entries: list[LogEntry]) -> None:
        self.run("DELETE FROM log_entries WHERE lane = ?", (lane,))
        for e in entries:
            self.run(
                "INSERT INTO log_entries (lane, seq, id, data) VALUES (?, ?, ?, ?)",
                (e.lane, e.seq, e.id, to_json(e)),
            )

    def head(self, lane: int) -> tuple[int, str, str]:
        ((seq, hash_, seal),) = self.run(
            "SELECT seq, hash, seal FROM log_heads WHERE lane = ?", (lane,)
        )
        return seq, hash_, seal

    def set_head(self, lane: int, seq: int, hash_: str, seal: str) -> None:
        self.run(
            "UPDATE log_heads SET seq = ?, hash = ?, seal = ? WHERE lane = ?",
            (seq, hash_, seal, lane),
        )

    def refs(self, token: str) -> list[str]:
        return [i for (i,) in self.run("SELECT entry_id FROM log_refs WHERE token = ?", (token,))]

    def delete_ref(self, token: str, entry_id: str) -> None:
        self.run("DELETE FROM log_refs WHERE token = ? AND entry_id = ?", (token, entry_id))

    def add_ref(self, token: str, entry_id: str) -> None:
        with contextlib.suppress(Exception):  # the unique index refuses a repeat
            self.run("INSERT INTO log_refs (token, entry_id) VALUES (?, ?)", (token, entry_id))

    def drop_head(self, lane: int) -> None:
        self.run("DELETE FROM log_heads WHERE lane = ?", (lane,))

    def strip_seals(self) -> None:
        self.run("UPDATE log_heads SET seal = ''")
        self.run("DELETE FROM key_checks")
        self.run("UPDATE dossiers SET log_seal = NULL")
        for key, data in self.run("SELECT key, data FROM dossiers"):
            dossier = json.loads(data)
            dossier["log_seal"] = None
            self.run("UPDATE dossiers SET data = ? WHERE key = ?", (json.dumps(dossier), key))


@attrs.define
class World:
    store: Store
    raw: Raw
    url: str | None

    def index(self, key: Any = TEST_KEY) -> VerwijsIndex:
        return VerwijsIndex(self.store, key=key, clock=FixedClock(START))


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    if request.param == "memory":
        memory = MemoryStore()
        yield World(memory, MemoryRaw(memory), None)
        return
    if request.param == "sqlite":
        path = tmp_path / "index.db"
        store = open_store(f"sqlite:///{path}")
        yield World(store, SQLRaw(lambda: sqlite3.connect(path), "?"), None)
        store.close()
        return
    url = request.getfixturevalue("postgres_url")
    psycopg = pytest.importorskip("psycopg")
    schema = f"vi_tamper_{uuid.uuid4().hex[:12]}"
    from verwijsindex.storage.postgres import PostgresStore

    store = PostgresStore(url, schema=schema)

    def connect() -> Any:
        conn = psycopg.connect(url)
        conn.execute("SELECT set_config('search_path', %s, false)", [schema])
        return conn

    yield World(store, SQLRaw(connect, "%s"), url)
    store.close()
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            psycopg.sql.SQL("DROP SCHEMA {} CASCADE").format(psycopg.sql.Identifier(schema))
        )


def busiest_lane(index: VerwijsIndex) -> int:
    with index.store.transaction() as tx:
        heads = tx.log_heads()
    return max(heads, key=lambda lane: heads[lane][0])


def token_of(index: VerwijsIndex, bsn: str) -> str:
    key = index.keyring.pseudonym(make_subject(bsn=bsn, birth_date=date(2010, 1, 1)).number)
    with index.store.transaction() as tx:
        dossier = tx.load(key)
    assert dossier is not None
    return log_token(dossier.subject.log_secret)


def report_for(index: VerwijsIndex, bsn: str) -> Any:
    # filed with the birth date populate() stored, by whoever may file at that age: the
    # index checks the requesters against the birth date it holds
    born = date(2010 + BSNS.index(bsn), 1, 1)
    youth = make_subject(bsn=bsn, birth_date=born)
    who = eligible_requesters(age_on(born, START.date()))
    request = file_request(RequestKind.ACCESS, youth, who, received_on=START.date())
    return access_report(index, request, by=RightsOfficer("0935"))


def test_the_newest_entries_cannot_be_removed_unseen(world: World) -> None:
    """Finding 6: delete the last entries of a lane and copy the new last entry's sequence
    number and hash into the stored head (values already in the table)."""
    index = world.index()
    populate(index)
    lane = busiest_lane(index)
    entries = world.raw.entries(lane)
    assert len(entries) >= 3
    _, _, seal = world.raw.head(lane)
    world.raw.delete_entries(lane, [entries[-1].seq, entries[-2].seq])
    world.raw.set_head(lane, entries[-3].seq, entries[-3].hash, seal)
    report = world.index().verify_logbook()
    assert not report.ok
    assert any("not sealed" in p for p in report.problems)


def test_a_seal_replaced_by_text_that_is_no_mac_is_reported(world: World) -> None:
    """A lane's seal overwritten with non-ASCII text: the check reports the lane as not
    sealed, as for any other wrong seal, instead of failing in hmac.compare_digest."""
    index = world.index()
    populate(index)
    lane = busiest_lane(index)
    seq, hash_, seal = world.raw.head(lane)
    world.raw.set_head(lane, seq, hash_, seal.rpartition(":")[0] + ":" + "é" * 64)
    report = world.index().verify_logbook()
    assert not report.ok
    assert any("not sealed" in p for p in report.problems)


def test_a_removed_reference_is_reported_and_the_access_report_refuses(world: World) -> None:
    index = world.index()
    populate(index)
    token = token_of(index, BSNS[0])
    refs = world.raw.refs(token)
    assert refs
    world.raw.delete_ref(token, refs[-1])
    report = index.verify_logbook()
    assert not report.ok
    assert any("log references" in p for p in report.problems)
    with pytest.raises(TamperedLogbookError):
        report_for(index, BSNS[0])
    assert len(report_for(index, BSNS[1]).log) > 0  # the others' reports stand


def test_an_anchor_shows_a_rewrite_by_someone_who_holds_the_key(world: World) -> None:
    index = world.index()
    populate(index)
    index.sweep()  # a last entry about no youth, in lane 0
    anchor = index.logbook_anchor()
    assert json.loads(json.dumps(anchor)) == anchor
    assert index.verify_logbook(anchor=anchor).ok
    # the key holder changes who did something, chains the lane anew and seals its head
    lane = busiest_lane(index)
    entries = world.raw.entries(lane)
    changed = [attrs.evolve(e, actor="professional:p2") if e.seq == 1 else e for e in entries]
    rewrite(world, index, lane, changed)
    assert index.verify_logbook().ok  # with the key, the rewrite passes the plain check
    report = index.verify_logbook(anchor=anchor)
    assert not report.ok
    assert report.problems == (
        f"lane {lane}: the entries up to {entries[-1].seq} are not those of the anchor",
    )
    assert not index.verify_logbook(anchor=json.dumps(anchor)).ok


def test_an_anchor_shows_entries_removed_by_someone_who_holds_the_key(world: World) -> None:
    index = world.index()
    populate(index)
    index.sweep()
    index.sweep()
    anchor = index.logbook_anchor()
    sweep = [e for e in world.raw.entries(0) if e.action.value == "sweep"][-1]
    rewrite(world, index, 0, [e for e in world.raw.entries(0) if e.id != sweep.id])
    assert index.verify_logbook().ok
    report = index.verify_logbook(anchor=anchor)
    assert report.problems == (f"lane 0: entry {sweep.seq} of the anchor is missing",)


def rewrite(world: World, index: VerwijsIndex, lane: int, entries: list[LogEntry]) -> None:
    drafts = [
        Draft(e.at, e.actor, e.action, e.subject_ref, e.link_id, e.match_id, e.count, e.id)
        for e in entries
    ]
    rewritten = chain(None, drafts, lane=lane)
    world.raw.put_entries(lane, rewritten)
    last = rewritten[-1]
    seal = index.keyring.seal(head_message(lane, last.seq, last.hash))
    world.raw.set_head(lane, last.seq, last.hash, seal)


def test_a_swapped_or_repeated_reference_is_reported(world: World) -> None:
    """The count alone would not show a reference replaced by another one: the digest of the
    ids does."""
    index = world.index()
    populate(index)
    token = token_of(index, BSNS[0])
    refs = world.raw.refs(token)
    world.raw.delete_ref(token, refs[-1])
    world.raw.add_ref(token, refs[0])  # a repeat of one the youth has (a store may refuse it)
    other = world.raw.refs(token_of(index, BSNS[1]))[0]
    if world.raw.refs(token) == refs[:-1]:  # the repeat was refused: take another's entry
        world.raw.add_ref(token, other)
    assert len(world.raw.refs(token)) == len(refs)
    report = index.verify_logbook()
    assert not report.ok
    assert any("log references" in p for p in report.problems)
    with pytest.raises(TamperedLogbookError):
        report_for(index, BSNS[0])


def test_a_lane_emptied_with_its_head_is_reported(world: World) -> None:
    index = world.index()
    populate(index)
    index.sweep()  # lane 0 holds entries about no youth
    entries = world.raw.entries(0)
    world.raw.delete_entries(0, [e.seq for e in entries])
    world.raw.drop_head(0)
    report = index.verify_logbook()
    assert not report.ok
    assert "lane 0: the stored head is not sealed by the application's key" in report.problems


def test_stripping_every_seal_does_not_get_the_store_sealed_again(world: World) -> None:
    """An outsider who cuts entries and then strips the seals and check values must not get
    the next index to seal what is left (decision 31): the store is refused instead."""
    index = world.index()
    populate(index)
    lane = busiest_lane(index)
    entries = world.raw.entries(lane)
    world.raw.delete_entries(lane, [entries[-1].seq])
    world.raw.strip_seals()
    assert not index.verify_logbook().ok
    with pytest.raises(KeyMismatchError, match="adopt=True"):
        world.index()
    assert not index.verify_logbook().ok


# --- a check from the anchor on ------------------------------------------------------------------


def after(world: World, anchor: dict[str, Any]) -> int:
    """How many entries there are from each anchored entry on (all of an unanchored lane)."""
    from verwijsindex.logbook import read_anchor

    starts = {lane: seq for lane, (seq, _) in read_anchor(anchor).items()}
    with world.store.transaction() as tx:
        lanes = list(tx.log_heads())
    return sum(1 for lane in lanes for e in world.raw.entries(lane) if e.seq >= starts.get(lane, 1))


def test_a_check_from_the_anchor_reads_what_came_after_it(world: World) -> None:
    index = world.index()
    populate(index)
    index.sweep()
    anchor = index.logbook_anchor()
    full = index.verify_logbook(anchor=anchor)
    assert full.ok
    index.sweep()
    index.sweep()  # two entries after the anchor, in lane 0
    quick = index.verify_logbook(anchor=anchor, from_anchor=True)
    assert quick.ok, quick.problems
    assert quick.entries == after(world, anchor) == len(anchor["lanes"]) + 2
    assert quick.entries < full.entries
    assert index.verify_logbook(anchor=anchor).entries == full.entries + 2


def test_a_check_from_the_anchor_finds_a_change_after_it(world: World) -> None:
    index = world.index()
    populate(index)
    index.sweep()
    anchor = index.logbook_anchor()
    index.sweep()
    entries = world.raw.entries(0)
    last = entries[-1]
    world.raw.put_entries(0, [*entries[:-1], attrs.evolve(last, actor="professional:p2")])
    report = index.verify_logbook(anchor=anchor, from_anchor=True)
    assert report.problems == (f"lane 0, entry {last.seq}: contents changed after it was written",)


def test_a_check_from_the_anchor_finds_the_anchored_entry_rewritten(world: World) -> None:
    index = world.index()
    populate(index)
    index.sweep()
    anchor = index.logbook_anchor()
    lane = busiest_lane(index)
    entries = world.raw.entries(lane)
    changed = [attrs.evolve(e, actor="professional:p2") if e.seq == 1 else e for e in entries]
    rewrite(world, index, lane, changed)  # by someone with the key: chained and sealed anew
    report = index.verify_logbook(anchor=anchor, from_anchor=True)
    assert report.problems == (
        f"lane {lane}: the entries up to {entries[-1].seq} are not those of the anchor",
    )


def test_a_check_from_the_anchor_leaves_what_lies_before_it_to_the_full_check(
    world: World,
) -> None:
    """What it does not read it cannot see: a change before the anchor that keeps the
    anchored entry is found by the full check only."""
    index = world.index()
    populate(index)
    index.sweep()
    anchor = index.logbook_anchor()
    lane = busiest_lane(index)
    entries = world.raw.entries(lane)
    first = entries[0]
    world.raw.put_entries(lane, [attrs.evolve(first, actor="professional:p2"), *entries[1:]])
    assert index.verify_logbook(anchor=anchor, from_anchor=True).ok
    assert not index.verify_logbook(anchor=anchor).ok


def test_a_check_from_the_anchor_needs_one(world: World) -> None:
    from verwijsindex.errors import InvalidRecordError

    index = world.index()
    with pytest.raises(InvalidRecordError, match="from_anchor needs an anchor"):
        index.verify_logbook(from_anchor=True)
    with pytest.raises(InvalidRecordError, match="from_anchor"):
        index.verify_logbook(index.logbook_anchor(), from_anchor="yes")  # type: ignore[arg-type]


def test_a_signal_entry_made_unreadable_does_not_stop_a_death_notice(world: World) -> None:
    """A and B share a parent and have a family signal pending. Someone without the key
    makes the sealed signal id of every ``SIGNALLED`` entry unreadable. A's death notice
    still deletes everything about A (the statute orders it; taking A out of the signal
    reads those entries, and an id that does not open is left out, not a bare
    ``ValueError``), and the check of the logbook reports the change (decision 94)."""
    index = world.index()
    pa = make_professional(id="pa", organisation="GGD Zuid-Limburg")
    pb = make_professional(id="pb", organisation="MEE Zuid-Limburg")
    for p in (pa, pb):
        index.add_organisation(p.organisation)
    parent, a_bsn, b_bsn = valid_bsns(3)
    a_youth = make_subject(bsn=a_bsn, birth_date=date(2014, 1, 1), parents=[parent])
    index.register(make_subject(bsn=b_bsn, birth_date=date(2013, 1, 1), parents=[parent]), pb)
    index.register(a_youth, pa)
    assert sorted(n.recipient for n in index.pending_notifications()) == ["pa", "pb"]
    with index.store.transaction() as tx:
        lanes = sorted(tx.log_heads())
    spoilt = 0
    for lane in lanes:
        entries = world.raw.entries(lane)
        for i, e in enumerate(entries):
            if e.action is LogAction.SIGNALLED and e.match_id is not None:
                entries[i] = attrs.evolve(e, match_id="~not-hex")
                spoilt += 1
        world.raw.put_entries(lane, entries)
    assert spoilt == 2
    assert index.record_death(a_youth, START.date()) == 1
    assert index.links_for("pa") == []
    assert not index.verify_logbook().ok
