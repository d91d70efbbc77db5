"""The raw baseline of the sweep: hand-written code over the stored JSON.

It walks the due dossiers in batches of 500 (as the index does), parses each JSON row,
archives ended links, purges old archive entries, drops a match that lost its links,
deletes dossiers of youths who turned 23, writes the row back with its new due day and
appends one hashed log row per change, then ROLLS BACK each batch, so the library's
sweep that follows finds the same work. (A rolled-back batch skips one commit; with
batches of 500 that is a small part of the work.)
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import date
from typing import Any

import attrs

from benchmarks._raw import sqlite_connect
from verwijsindex.model import LinkStatus
from verwijsindex.storage import Dossier

__all__ = ["memory_sweep", "postgres_sweep", "sqlite_sweep"]

_BATCH = 500
_SIDE = ("dossier_links", "dossier_matches", "dossier_professionals", "dossier_parents")


def _years_later(day: str, years: int) -> str:
    y, md = int(day[:4]), day[4:]
    if md == "-02-29":
        md = "-03-01"
    return f"{y + years:04d}{md}"


def _sweep_one(data: str, today: str) -> tuple[str | None, str | None, list[str]]:
    """(new JSON or None to delete, new due day, log rows) for one stored dossier."""
    d = json.loads(data)
    subject = d["subject"]
    gone = [lk["id"] for lk in d["links"]]
    if subject["died_on"] is not None or today >= _years_later(subject["birth_date"], 23):
        return None, None, gone
    links = []
    logged = []
    for lk in d["links"]:
        if lk["status"] == "active" and lk["ends_on"] <= today:
            lk = {**lk, "status": "archived", "archived_on": lk["ends_on"]}
            logged.append(lk["id"])
        if lk["status"] == "archived" and _years_later(lk["archived_on"], 5) <= today:
            logged.append(lk["id"])
            continue
        links.append(lk)
    if not links:
        return None, None, gone
    active = [lk for lk in links if lk["status"] == "active"]
    match = d["match"] if d["match"] is not None and len(active) >= 2 else None
    due = min(
        [_years_later(subject["birth_date"], 23)]
        + [lk["ends_on"] for lk in active]
        + [_years_later(lk["archived_on"], 5) for lk in links if lk["status"] == "archived"]
    )
    new = {**d, "links": links, "match": match, "sweep_due": due}
    return json.dumps(new, sort_keys=True, separators=(",", ":")), due, logged


def _log_rows(links: list[str], seq: int, prev: str) -> tuple[list[tuple[Any, ...]], int, str]:
    rows = []
    for link_id in links:
        seq += 1
        entry = {"id": uuid.uuid4().hex, "lane": 0, "seq": seq, "link_id": link_id, "prev": prev}
        text = json.dumps(entry, sort_keys=True, separators=(",", ":"))
        prev = hashlib.sha256(text.encode()).hexdigest()
        rows.append((0, seq, entry["id"], text))
    return rows, seq, prev


def sqlite_sweep(path: str, today: date) -> int:
    """Sweep the SQLite file at *path* as of *today*, rolling every batch back."""
    db = sqlite_connect(path)
    day = today.isoformat()
    last = ("", "")
    swept = 0
    try:
        while True:
            db.execute("BEGIN IMMEDIATE")
            rows = db.execute(
                "SELECT key, data, sweep_due FROM dossiers WHERE sweep_due <= ? "
                "AND (sweep_due, key) > (?, ?) ORDER BY sweep_due, key LIMIT ?",
                (day, *last, _BATCH),
            ).fetchall()
            if not rows:
                db.execute("ROLLBACK")
                return swept
            head = db.execute("SELECT seq, hash FROM log_heads WHERE lane = 0").fetchone()
            seq, prev = head if head is not None else (0, "")
            log: list[tuple[Any, ...]] = []
            for key, data, _ in rows:
                new, due, links = _sweep_one(data, day)
                if new is None:
                    for table in _SIDE:
                        db.execute(f"DELETE FROM {table} WHERE key = ?", (key,))
                    db.execute("DELETE FROM dossiers WHERE key = ?", (key,))
                else:
                    db.execute(
                        "UPDATE dossiers SET data = ?, sweep_due = ? WHERE key = ?", (new, due, key)
                    )
                entries, seq, prev = _log_rows(links, seq, prev)
                log.extend(entries)
            db.executemany("INSERT INTO log_entries (lane, seq, id, data) VALUES (?, ?, ?, ?)", log)
            db.execute("UPDATE log_heads SET seq = ?, hash = ? WHERE lane = 0", (seq, prev))
            db.execute("ROLLBACK")
            swept += len(rows)
            last = (rows[-1][2], rows[-1][0])
    finally:
        db.close()


def postgres_sweep(url: str, schema: str, today: date) -> int:
    """Sweep the PostgreSQL schema as of *today*, rolling every batch back."""
    import psycopg

    conn = psycopg.connect(url, autocommit=True)
    conn.execute("SELECT pg_catalog.set_config('search_path', %s, false)", [schema])
    last: tuple[Any, str] = (date.min, "")
    swept = 0
    try:
        while True:
            with conn.transaction() as tx:
                rows = conn.execute(
                    "SELECT key, data, sweep_due FROM dossiers WHERE sweep_due <= %s "
                    "AND (sweep_due, key) > (%s, %s) ORDER BY sweep_due, key LIMIT %s",
                    (today, *last, _BATCH),
                ).fetchall()
                if not rows:
                    return swept
                keys = [row[0] for row in rows]
                conn.execute(
                    "SELECT pg_advisory_xact_lock(hashtextextended(k, 0))"
                    " FROM unnest(%s::text[]) k",
                    [keys],
                )
                head = conn.execute(
                    "SELECT seq, hash FROM log_heads WHERE lane = 0 FOR UPDATE"
                ).fetchone()
                seq, prev = head if head is not None else (0, "")
                log: list[tuple[Any, ...]] = []
                updates: list[tuple[Any, ...]] = []
                deletes: list[str] = []
                for key, data, _ in rows:
                    new, due, links = _sweep_one(data, today.isoformat())
                    if new is None:
                        deletes.append(key)
                    else:
                        updates.append((new, due, key))
                    entries, seq, prev = _log_rows(links, seq, prev)
                    log.extend(entries)
                with conn.cursor() as cur:
                    if updates:
                        cur.executemany(
                            "UPDATE dossiers SET data = %s, sweep_due = %s WHERE key = %s", updates
                        )
                    if deletes:
                        for table in (*_SIDE, "dossiers"):
                            cur.execute(
                                f"DELETE FROM {table} WHERE key = ANY(%s)",
                                [deletes],
                            )
                    cur.executemany(
                        "INSERT INTO log_entries (lane, seq, id, data) VALUES (%s, %s, %s, %s)",
                        log,
                    )
                conn.execute("UPDATE log_heads SET seq = %s, hash = %s WHERE lane = 0", (seq, prev))
                swept += len(rows)
                last = (rows[-1][2], rows[-1][0])
                raise psycopg.Rollback(tx)
    finally:
        conn.close()


def memory_sweep(dossiers: dict[str, Dossier], today: date) -> int:
    """The same walk over the memory store's dict of dossiers, into a new dict."""
    out: dict[str, Dossier | None] = {}
    log: list[tuple[str, str]] = []
    due = sorted(
        (d.sweep_due, k) for k, d in dossiers.items() if d.sweep_due and d.sweep_due <= today
    )
    for _, key in due:
        d = dossiers[key]
        born = d.subject.birth_date.isoformat()
        if d.subject.died_on is not None or today.isoformat() >= _years_later(born, 23):
            out[key] = None
            log.extend(("deleted", lk.id) for lk in d.links)
            continue
        links = []
        for lk in d.links:
            if lk.status is LinkStatus.ACTIVE and lk.ends_on <= today:
                lk = attrs.evolve(lk, status=LinkStatus.ARCHIVED, archived_on=lk.ends_on)
                log.append(("expired", lk.id))
            links.append(lk)
        active = sum(1 for lk in links if lk.status is LinkStatus.ACTIVE)
        match = d.match if active >= 2 else None
        out[key] = attrs.evolve(d, links=tuple(links), match=match)
    return len(due)
