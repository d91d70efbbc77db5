"""Access-report latency (AVG 15) on the filled store.

Each youth asked about has an access request filed first (untimed); the timed call is
``verwijsindex.privacy.access_report`` by a rights officer of a controlling municipality,
which reads the dossier and logs the read.

The raw baseline reads what a report shows (the dossier JSON, each link's organisation
and professional, the youth's log entries through the log token) and appends the one
log row that records the read, under the youth's lock, by hand-written statements.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from benchmarks._backends import Settings
from benchmarks._data import TODAY
from benchmarks._raw import sqlite_connect
from benchmarks._report import Figure, emit, time_each
from verwijsindex.clock import age_on
from verwijsindex.importing import ImportRecord
from verwijsindex.privacy import (
    RequestKind,
    RightsRequest,
    access_report,
    eligible_requesters,
    file_request,
)
from verwijsindex.pseudonyms import log_token
from verwijsindex.roles import RightsOfficer

if TYPE_CHECKING:
    from benchmarks.large import Stored

__all__ = ["run"]

Call = Callable[[ImportRecord], object]


def _prepare(stored: Stored, records: list[ImportRecord]) -> Call:
    """File an access request for each record's youth (untimed), as their rights officer
    would on receiving it, and return ``record -> report`` through the rights API: the
    request filed by who may file at the youth's age, answered by a rights officer of the
    municipality of the registering organisation (a controlling municipality)."""
    index = stored.index
    asked: dict[str, tuple[RightsRequest, RightsOfficer]] = {}
    for r in records:
        age = age_on(r.subject.birth_date, TODAY)
        request = file_request(
            RequestKind.ACCESS, r.subject, eligible_requesters(age), received_on=TODAY
        )
        officer = RightsOfficer(r.professional.organisation.municipality_code)
        asked[r.subject.number.value] = (request, officer)

    def call(r: ImportRecord) -> object:
        request, officer = asked[r.subject.number.value]
        return access_report(index, request, by=officer)

    return call


def run(settings: Settings, stored: Stored) -> None:
    n = settings.size(30, 1_000)
    records = [stored.sample[i % len(stored.sample)] for i in range(n)]
    call = _prepare(stored, records)
    ours = time_each(records, call)
    raw = _raw(stored)
    base = time_each(records, raw)
    emit(Figure("access_report.at-1m", stored.place.backend, n, ours, base, "AVG 15, logged"))


def _entry(key: str) -> str:
    return json.dumps({"id": uuid.uuid4().hex, "actor": "officer", "key": key})


def _raw(stored: Stored) -> Call:
    target = stored.place
    keyring = stored.index.keyring

    if target.backend == "memory":
        s: Any = stored.store
        log: list[str] = []

        def memory(record: ImportRecord) -> object:
            key = keyring.pseudonym(record.subject.number)
            d = s._dossiers[key]
            links = [
                (lk, s._organisations.get(lk.organisation), s._professionals.get(lk.professional))
                for lk in d.links
            ]
            entries = [s._entries[i] for i in s._refs.get(log_token(d.subject.log_secret), ())]
            log.append(_entry(key))
            return links, entries

        return memory
    if target.backend == "sqlite":
        assert target.sqlite_path is not None
        db = sqlite_connect(target.sqlite_path)

        def lite(record: ImportRecord) -> object:
            key = keyring.pseudonym(record.subject.number)
            db.execute("BEGIN IMMEDIATE")
            (data,) = db.execute("SELECT data FROM dossiers WHERE key = ?", (key,)).fetchone()
            d = json.loads(data)
            links = [
                (
                    db.execute(
                        "SELECT data FROM organisations WHERE id = ?", (lk["organisation"],)
                    ).fetchone(),
                    db.execute(
                        "SELECT data FROM professionals WHERE id = ?", (lk["professional"],)
                    ).fetchone(),
                )
                for lk in d["links"]
            ]
            token = log_token(d["subject"]["log_secret"])
            entries = db.execute(
                "SELECT e.data FROM log_refs r JOIN log_entries e ON e.id = r.entry_id "
                "WHERE r.token = ?",
                (token,),
            ).fetchall()
            head = db.execute("SELECT seq FROM log_heads WHERE lane = 1").fetchone()
            seq = head[0] if head else 0
            entry_id = uuid.uuid4().hex
            db.execute(
                "INSERT INTO log_entries (lane, seq, id, data) VALUES (1, ?, ?, ?)",
                (seq + 1, entry_id, _entry(key)),
            )
            db.execute(
                "INSERT INTO log_heads (lane, seq, hash) VALUES (1, ?, 'x') "
                "ON CONFLICT (lane) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                (seq + 1,),
            )
            db.execute("INSERT INTO log_refs (token, entry_id) VALUES (?, ?)", (token, entry_id))
            db.execute("COMMIT")
            return links, entries

        return lite
    import psycopg

    assert target.pg_url is not None
    conn = psycopg.connect(target.pg_url, autocommit=True)
    conn.execute("SELECT pg_catalog.set_config('search_path', %s, false)", [target.schema])

    def pg(record: ImportRecord) -> object:
        key = keyring.pseudonym(record.subject.number)
        with conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [key])
            row = conn.execute("SELECT data FROM dossiers WHERE key = %s", [key]).fetchone()
            assert row is not None
            d = json.loads(row[0])
            links = [
                (
                    conn.execute(
                        "SELECT data FROM organisations WHERE id = %s", [lk["organisation"]]
                    ).fetchone(),
                    conn.execute(
                        "SELECT data FROM professionals WHERE id = %s", [lk["professional"]]
                    ).fetchone(),
                )
                for lk in d["links"]
            ]
            token = log_token(d["subject"]["log_secret"])
            entries = conn.execute(
                "SELECT e.data FROM log_refs r JOIN log_entries e ON e.id = r.entry_id "
                "WHERE r.token = %s",
                [token],
            ).fetchall()
            head = conn.execute("SELECT seq FROM log_heads WHERE lane = 1 FOR UPDATE").fetchone()
            seq = head[0] if head else 0
            entry_id = uuid.uuid4().hex
            conn.execute(
                "INSERT INTO log_entries (lane, seq, id, data) VALUES (1, %s, %s, %s)",
                [seq + 1, entry_id, _entry(key)],
            )
            conn.execute("UPDATE log_heads SET seq = %s, hash = 'x' WHERE lane = 1", [seq + 1])
            conn.execute(
                "INSERT INTO log_refs (token, entry_id) VALUES (%s, %s)", [token, entry_id]
            )
        return links, entries

    return pg
