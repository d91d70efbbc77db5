"""A database written under schema version 1 opens, migrates and keeps working.

Version 1 had no key check values, no sealed heads, no log token or sealed count beside
each dossier, and kept a youth's link and match ids in the logbook in plain text. The test
writes a store with today's code and takes it back to what version 1 wrote: the columns,
index and table dropped, the dossiers' JSON without the fields version 1 did not have, the
ids in the log entries in plain text and each lane chained anew, and one youth erased as
version 1 erased (the dossier and references gone, the entries left with plain ids).

Opening it migrates it: the ids of stored youths are sealed, those of youths gone are
blanked, and the lanes are chained anew. The first index must say ``adopt=True`` (an
index without it is refused); it records the key and seals the logbook as it stands.
Then the logbook verifies, nothing left of the erased youth carries an id the
professionals hold, the access report reads, and registrations go on.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.storage.concurrency import object_and_erase
from verwijsindex.errors import KeyMismatchError, RuleMismatchError
from verwijsindex.index import VerwijsIndex
from verwijsindex.logbook import Draft, chain
from verwijsindex.matching import MatchRule
from verwijsindex.model import LogEntry, Recipient, parse_bsn
from verwijsindex.privacy import RequestKind, access_report, file_request
from verwijsindex.pseudonyms import entry_ref, unseal_id
from verwijsindex.roles import RightsOfficer
from verwijsindex.serialization import from_json, to_json
from verwijsindex.storage import open_store
from verwijsindex.storage.sqlite import SCHEMA_VERSION
from verwijsindex.testing import TEST_KEY, FixedClock, make_professional, make_subject

START = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
BSNS = ["111222333", "123456782"]
ERASED = "010000008"
NEW_IN_2 = ("changed_at", "logged", "log_digest", "log_seal")

Run = Callable[..., list[Any]]


def _youth(bsn: str) -> Any:
    return make_subject(bsn=bsn, birth_date=date(2014, 1, 1))


def _fill(url: str) -> tuple[list[str], set[str]]:
    """Register three youths, matched; erase one. Returns every youth's log secret and the
    link and match ids of the erased youth (which the professionals hold)."""
    store = open_store(url)
    index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
    pros = [
        make_professional(id="p1", organisation="GGD Zuid-Limburg"),
        make_professional(id="p2", organisation="MEE Zuid-Limburg"),
    ]
    for p in pros:
        index.add_organisation(p.organisation)
    held: set[str] = set()
    for bsn in [*BSNS, ERASED]:
        for p in pros:
            registration = index.register(_youth(bsn), p)
            if bsn == ERASED:
                held.add(registration.link.id)
                if registration.match is not None:
                    held.add(registration.match.id)
    with store.transaction() as tx:
        secrets = [d.subject.log_secret for k in tx.keys(None, 10) if (d := tx.load(k))]
    object_and_erase(index, _youth(ERASED), START.date())
    store.close()
    return secrets, held


def _old_json(data: str) -> str:
    dossier = json.loads(data)
    for name in NEW_IN_2:
        dossier.pop(name, None)
    return json.dumps(dossier)


def _plain(entries: list[LogEntry], secrets: list[str], lane: int) -> list[LogEntry]:
    """The lane as version 1 wrote it: the ids in plain text, chained anew."""
    drafts = []
    for e in entries:
        link_id, match_id = e.link_id, e.match_id
        for secret in secrets:
            if e.subject_ref == entry_ref(secret, e.id):
                link_id = None if link_id is None else unseal_id(secret, e.id, link_id)
                match_id = None if match_id is None else unseal_id(secret, e.id, match_id)
        drafts.append(
            Draft(e.at, e.actor, e.action, e.subject_ref, link_id, match_id, e.count, e.id)
        )
    return chain(None, drafts, lane=lane)


def _downgrade(run: Run, secrets: list[str], held: set[str], mark: str) -> None:

    def q(query: str) -> str:  # the two drivers' parameter markers
        return query.replace("?", mark)

    for key, data in run("SELECT key, data FROM dossiers"):
        run(q("UPDATE dossiers SET data = ? WHERE key = ?"), [_old_json(data), key])
    lanes = sorted({lane for (lane,) in run("SELECT DISTINCT lane FROM log_entries")})
    for lane in lanes:
        rows = run(q("SELECT data FROM log_entries WHERE lane = ? ORDER BY seq"), [lane])
        plain = _plain([from_json(data, LogEntry) for (data,) in rows], secrets, lane)
        for e in plain:
            run(q("UPDATE log_entries SET data = ? WHERE id = ?"), [to_json(e), e.id])
        run(q("UPDATE log_heads SET hash = ? WHERE lane = ?"), [plain[-1].hash, lane])
    texts = " ".join(data for (data,) in run("SELECT data FROM log_entries"))
    assert any(i in texts for i in held)  # version 1 left the erased youth's ids readable
    # the schema of version 1: no follow-up days, addresses or counts (version 3), no
    # tokens, counts of references, seals or key checks (version 2)
    run("DROP INDEX dossiers_follow_up_due")
    run("ALTER TABLE dossiers DROP COLUMN follow_up_due")
    run("DROP TABLE dossier_addresses")
    run("DROP TABLE stat_counts")
    _to_version_4(run)
    run("DROP INDEX outbox_recipient")
    for column in ("recipient", "claim", "claimed_until", "set_aside"):
        run(f"ALTER TABLE outbox DROP COLUMN {column}")
    run("DROP INDEX dossiers_log_token")
    run("DROP INDEX log_refs_token_entry")
    for column in ("log_token", "logged", "log_seal"):
        run(f"ALTER TABLE dossiers DROP COLUMN {column}")
    run("ALTER TABLE log_heads DROP COLUMN seal")
    run("DROP TABLE key_checks")
    run("UPDATE schema_version SET version = 1")


def _check(url: str, held: set[str], run: Run) -> None:
    store = open_store(url)
    try:
        with pytest.raises(KeyMismatchError, match="adopt=True"):
            VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
        VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START), adopt=True)
        index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
        assert index.verify_logbook().ok
        with store.transaction() as tx:
            for entry in tx.log_entries():
                for value in (entry.link_id, entry.match_id):
                    assert value is None or not any(i in value for i in held)
        youth = _youth(BSNS[0])
        request = file_request(
            RequestKind.ACCESS,
            youth,
            {Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE},
            received_on=START.date(),
        )
        report = access_report(index, request, by=RightsOfficer("0935"))
        assert {e.action.value for e in report.log} >= {"registered", "signalled"}
        links = {r.link.id for r in report.links}
        assert links <= {e.link_id for e in report.log}  # unsealed for the youth's report
        teacher = make_professional(id="p3", organisation="Sint Jozefschool")
        index.add_organisation(teacher.organisation)
        again = index.register(youth, teacher)
        assert again.match is not None and len(again.match.professionals) == 3
        assert index.verify_logbook().ok
        with pytest.raises(KeyMismatchError, match="another secret"):
            VerwijsIndex(store, key=type(TEST_KEY)(TEST_KEY.id, b"x" * 32))
    finally:
        store.close()
    assert run("SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    assert run("SELECT key_id FROM key_checks WHERE moving") == []  # version 4
    assert run("SELECT count(*) FROM dossiers WHERE log_token IS NULL") == [(0,)]
    assert run("SELECT count(*) FROM dossiers WHERE birth_date IS NULL") == [(0,)]  # 6
    # every youth with an uncoordinated match has its follow-up day (version 3)
    rows = run("SELECT data, follow_up_due FROM dossiers")
    matched = [due for data, due in rows if json.loads(data)["match"] is not None]
    assert matched and all(due is not None for due in matched)


def _sqlite_run(path: Path) -> Run:
    """Run a query on the SQLite file at *path* behind the store's back."""

    def run(query: str, params: Any = ()) -> list[Any]:
        with sqlite3.connect(path) as db:
            rows = db.execute(query, params).fetchall()
        db.close()
        return rows

    return run


def test_a_sqlite_database_of_version_1_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    url = f"sqlite:///{path}"
    secrets, held = _fill(url)

    run = _sqlite_run(path)
    _downgrade(run, secrets, held, "?")
    _check(url, held, run)


@pytest.fixture
def postgres_url_with_schema(postgres_url: str) -> Iterator[tuple[str, Run]]:
    psycopg = pytest.importorskip("psycopg")
    schema = f"vi_migrate_{uuid.uuid4().hex[:12]}"

    def run(query: Any, params: Any = ()) -> list[Any]:
        with psycopg.connect(postgres_url, autocommit=True) as conn:
            conn.execute("SELECT set_config('search_path', %s, false)", [schema])
            cur = conn.execute(query, params)
            return cur.fetchall() if cur.description is not None else []

    yield f"{postgres_url}{'&' if '?' in postgres_url else '?'}schema={schema}", run
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        drop = psycopg.sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE")
        conn.execute(drop.format(psycopg.sql.Identifier(schema)))


@pytest.mark.postgres
def test_a_postgresql_schema_of_version_1_is_migrated(
    postgres_url_with_schema: tuple[str, Run],
) -> None:
    url, run = postgres_url_with_schema
    secrets, held = _fill(url)
    _downgrade(run, secrets, held, "%s")
    _check(url, held, run)


# --- version 3 to 4: which key a re-key is moving to (decision 86) --------------------------------

K2 = type(TEST_KEY)("key-2", b"another-secret-of-32-bytes-long!!")


def _rekeyed_then_version_3(url: str, run: Run) -> None:
    """A store re-keyed to key-2 (finished), taken back to version 3: no ``moving``."""
    store = open_store(url)
    index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
    nurse = make_professional(id="p1", organisation="GGD Zuid-Limburg")
    index.add_organisation(nurse.organisation)
    index.register(_youth(BSNS[0]), nurse)
    assert index.rekey(K2) == 1
    store.close()
    _to_version_4(run)
    run("ALTER TABLE key_checks DROP COLUMN moving")
    run("UPDATE schema_version SET version = 3")


def _check_version_4(url: str, run: Run) -> None:
    store = open_store(url)
    try:
        index = VerwijsIndex(store, key=[TEST_KEY, K2], clock=FixedClock(START))
        teacher = make_professional(id="p2", organisation="Sint Jozefschool")
        index.add_organisation(teacher.organisation)
        registration = index.register(_youth(BSNS[0]), teacher)  # found under key-2
        assert registration.match is not None
        assert index.verify_logbook().ok
    finally:
        store.close()
    assert run("SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    assert run("SELECT key_id FROM key_checks WHERE moving") == []


def test_a_sqlite_database_of_version_3_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "three.db"
    url = f"sqlite:///{path}"

    run = _sqlite_run(path)
    _rekeyed_then_version_3(url, run)
    _check_version_4(url, run)


@pytest.mark.postgres
def test_a_postgresql_schema_of_version_3_is_migrated(
    postgres_url_with_schema: tuple[str, Run],
) -> None:
    url, run = postgres_url_with_schema
    _rekeyed_then_version_3(url, run)
    _check_version_4(url, run)


# --- version 4 to 5: the signal each notification is one of (decision 94) ------------------------


def _to_version_4(run: Run) -> None:
    """Take a store back to what version 4 wrote: no ``signal`` beside each notification."""
    _to_version_5(run)
    run("DROP INDEX outbox_signal")
    run("ALTER TABLE outbox DROP COLUMN signal")
    run("UPDATE schema_version SET version = 4")


def _siblings_then_version_4(url: str, run: Run, mark: str) -> Any:
    """Siblings A and B with a family signal pending, and one notice that does not parse,
    taken back to version 4."""
    store = open_store(url)
    index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
    pa = make_professional(id="pa", organisation="GGD Zuid-Limburg")
    pb = make_professional(id="pb", organisation="MEE Zuid-Limburg")
    for p in (pa, pb):
        index.add_organisation(p.organisation)
    parent = "010000008"
    b_youth = make_subject(bsn=BSNS[1], birth_date=date(2014, 1, 1), parents=[parent])
    a_youth = make_subject(bsn=BSNS[0], birth_date=date(2015, 1, 1), parents=[parent])
    index.register(b_youth, pb)
    index.register(a_youth, pa)
    assert sorted(n.recipient for n in index.pending_notifications()) == ["pa", "pb"]
    store.close()
    run(f"UPDATE outbox SET data = {mark} WHERE recipient = {mark}", ["{not json", "pa"])
    _to_version_4(run)
    return a_youth


def _check_version_5(url: str, run: Run, a_youth: Any) -> None:
    store = open_store(url)
    try:
        index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
        assert [n.recipient for n in index.pending_notifications()] == ["pb"]  # pa's set aside
        index.record_death(a_youth, START.date())  # found by the signal the migration read
        assert index.pending_notifications() == []
        assert index.verify_logbook().ok
    finally:
        store.close()
    assert run("SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    assert run("SELECT count(*) FROM outbox WHERE signal IS NOT NULL") == [(0,)]


def test_a_sqlite_database_of_version_4_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "four.db"
    url = f"sqlite:///{path}"

    run = _sqlite_run(path)
    a_youth = _siblings_then_version_4(url, run, "?")
    _check_version_5(url, run, a_youth)


@pytest.mark.postgres
def test_a_postgresql_schema_of_version_4_is_migrated(
    postgres_url_with_schema: tuple[str, Run],
) -> None:
    url, run = postgres_url_with_schema
    a_youth = _siblings_then_version_4(url, run, "%s")
    _check_version_5(url, run, a_youth)


# --- version 5 to 6: the birth date and day of death beside the dossier (decision 106) ----------


def _to_version_5(run: Run) -> None:
    """Take a store back to what version 5 wrote: no birth date or day of death beside
    each dossier."""
    _to_version_6(run)
    run("ALTER TABLE dossiers DROP COLUMN birth_date")
    run("ALTER TABLE dossiers DROP COLUMN died_on")
    run("UPDATE schema_version SET version = 5")


EVE = datetime(2026, 6, 1, 20, 0, tzinfo=timezone.utc)  # 22:00 in Amsterdam


def _eve_of_23_then_version_5(url: str, run: Run, mark: str) -> None:
    """A youth matched on the eve of their 23rd birthday and one of 14, their notices
    pending, and a dossier whose JSON does not parse, taken back to version 5."""
    store = open_store(url)
    index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(EVE))
    pros = [
        make_professional(id="p1", organisation="GGD Zuid-Limburg"),
        make_professional(id="p2", organisation="MEE Zuid-Limburg"),
    ]
    for p in pros:
        index.add_organisation(p.organisation)
    for bsn, born in (
        (BSNS[0], date(2003, 6, 2)),
        (BSNS[1], date(2012, 1, 1)),
        (ERASED, date(2012, 1, 1)),
    ):
        for p in pros:
            index.register(make_subject(bsn=bsn, birth_date=born), p)
    broken = index.keyring.pseudonym(parse_bsn(ERASED))
    store.close()
    run(f"UPDATE dossiers SET data = {mark} WHERE key = {mark}", ["{not json", broken])
    _to_version_5(run)


def _check_version_6(url: str, run: Run) -> None:
    store = open_store(url)
    try:
        clock = FixedClock(EVE)
        index = VerwijsIndex(store, key=TEST_KEY, clock=clock)
        assert len(index.pending_notifications()) == 9
        clock.set(EVE + timedelta(hours=2, minutes=30))  # 00:30 on the birthday
        claim = index.claim_notifications(20)
        assert len(claim.notifications) == 6  # the other two youths' (the broken one's too)
    finally:
        store.close()
    assert run("SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    filled = run("SELECT birth_date FROM dossiers WHERE birth_date IS NOT NULL ORDER BY 1")
    assert [str(day) for (day,) in filled] == ["2003-06-02", "2012-01-01"]


def test_a_sqlite_database_of_version_5_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "five.db"
    url = f"sqlite:///{path}"
    run = _sqlite_run(path)
    _eve_of_23_then_version_5(url, run, "?")
    _check_version_6(url, run)


@pytest.mark.postgres
def test_a_postgresql_schema_of_version_5_is_migrated(
    postgres_url_with_schema: tuple[str, Run],
) -> None:
    url, run = postgres_url_with_schema
    _eve_of_23_then_version_5(url, run, "%s")
    _check_version_6(url, run)


# --- version 6 to 7: the rule the youths were judged by (decision 119) ---------------------------


def _to_version_6(run: Run) -> None:
    """Take a store back to what version 6 wrote: no settings, so no match rule."""
    run("DROP TABLE settings")
    run("UPDATE schema_version SET version = 6")


def _matched_then_version_6(url: str, run: Run) -> None:
    """One organisation's two professionals on a youth, no match by the default rule,
    taken back to version 6."""
    store = open_store(url)
    index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
    for p in ("p1", "p2"):
        nurse = make_professional(id=p, organisation="GGD Zuid-Limburg")
        index.add_organisation(nurse.organisation)
        index.register(_youth(BSNS[0]), nurse)
    store.close()
    _to_version_6(run)


def _check_version_7(url: str, run: Run) -> None:
    """The first index to open a store of version 6 records its rule; another is refused
    from then on, and a change of rule judges the youth again."""
    store = open_store(url)
    try:
        rule = MatchRule.DIFFERENT_PROFESSIONALS
        index = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START), match_rule=rule)
        with pytest.raises(RuleMismatchError):
            VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(START))
        assert index.matches_for("p1") == []  # judged by the old rule until a change
        changed = index.change_match_rule(rule)
        assert (changed.youths, changed.formed) == (1, 1)
        assert [m.professionals for m in index.matches_for("p1")] == [("p1", "p2")]
    finally:
        store.close()
    assert run("SELECT version FROM schema_version") == [(SCHEMA_VERSION,)]
    assert sorted(run("SELECT name, value FROM settings")) == [
        ("address_match", "off"),  # the household options, recorded as it opened (decision 124)
        ("family_match", "on"),
        ("match_rule", rule.value),
    ]


def test_a_sqlite_database_of_version_6_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "six.db"
    url = f"sqlite:///{path}"
    run = _sqlite_run(path)
    _matched_then_version_6(url, run)
    _check_version_7(url, run)


@pytest.mark.postgres
def test_a_postgresql_schema_of_version_6_is_migrated(
    postgres_url_with_schema: tuple[str, Run],
) -> None:
    url, run = postgres_url_with_schema
    _matched_then_version_6(url, run)
    _check_version_7(url, run)
