"""Housekeeping (onderhoud): the sweep that applies the lifecycle, and re-keying.

Both run in batches of ``index.batch_size`` youths, each batch one transaction that locks
only its own youths, so registrations go on meanwhile.

>>> from datetime import date, datetime, timezone
>>> from verwijsindex.testing import FixedClock, make_index, make_professional, make_subject
>>> clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
>>> index = make_index(clock=clock)
>>> nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
>>> index.add_organisation(nurse.organisation)
>>> _ = index.register(make_subject(bsn="111222333", birth_date=date(2012, 5, 1)), nurse,
...                    ends_on=date(2027, 1, 1))
>>> report = index.sweep(datetime(2027, 1, 2, 9, 0, tzinfo=timezone.utc))
>>> report.expired, report.purged, report.deleted_subjects
(1, 0, 0)
>>> index.sweep(datetime(2032, 1, 1, 9, 0, tzinfo=timezone.utc)).purged   # five years on
1
>>> index.sweep(datetime(2032, 1, 1, 9, 0))
Traceback (most recent call last):
    ...
verwijsindex.errors.NaiveDatetimeError: now must be timezone-aware
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import attrs

from verwijsindex import signals
from verwijsindex._collector import paused
from verwijsindex._unit import SYSTEM, UnitOfWork, finish
from verwijsindex.clock import ensure_aware, local_date
from verwijsindex.errors import ConfigurationError
from verwijsindex.logbook import head_message, refs_message
from verwijsindex.matching import archive_purge_date, as_of, is_due_for_deletion
from verwijsindex.model import Link, LinkStatus, LogAction
from verwijsindex.pseudonyms import Keyring, PseudonymKey, log_token
from verwijsindex.pseudonyms import rekey as rekey_pseudonym
from verwijsindex.storage import Dossier

if TYPE_CHECKING:
    from verwijsindex.index import VerwijsIndex

__all__ = ["SweepReport", "rekey", "sweep"]


@attrs.frozen
class SweepReport:
    """What one :meth:`VerwijsIndex.sweep` did."""

    at: datetime
    expired: int = 0
    purged: int = 0
    deleted_links: int = 0
    deleted_subjects: int = 0
    matches_dissolved: int = 0
    dossiers: int = 0


def sweep(index: VerwijsIndex, now: datetime | None = None) -> SweepReport:
    """Apply the lifecycle up to *now*: archive ended links, purge the archive after five
    years, delete everything from the 23rd birthday and on death. Idempotent; runs in
    batches, each locking only its own youths, so registrations go on meanwhile. The
    cyclic garbage collector is paused meanwhile (see :mod:`verwijsindex._collector`)."""
    at = ensure_aware(now, "now") if now is not None else index._now()
    with paused():
        return _sweep(index, at)


def _sweep(index: VerwijsIndex, at: datetime) -> SweepReport:
    today = local_date(at)
    totals = dict.fromkeys(
        (
            "expired",
            "purged",
            "deleted_links",
            "deleted_subjects",
            "matches_dissolved",
            "dossiers",
        ),
        0,
    )
    # Each key is swept once. The store answers due keys in order, and a key swept before
    # comes back only if it is still due afterwards (``stuck``), so asking for
    # ``batch_size + stuck`` keys always holds a full batch of new ones: the cost stays
    # linear in the number of due dossiers (asking for ``batch_size + len(seen)`` was not).
    seen: set[str] = set()
    stuck = 0
    while True:
        limit = index.batch_size + stuck
        with index.store.transaction() as tx:
            answer = tx.keys_sweep_due(today, limit)
        due = [k for k in answer if k not in seen]
        if not due:
            if len(answer) < limit:
                break
            stuck += len(answer)  # swept keys made due again meanwhile: look further
            continue
        batch = sorted(due[: index.batch_size])
        seen.update(batch)
        with index.store.transaction(batch) as tx:
            work = index._unit(tx, batch)
            for key in batch:
                stuck += _sweep_one(index, work, key, at, today, totals)
            work.flush()
    with index.store.transaction() as tx:
        work = index._unit(tx, ())
        work.log(at, SYSTEM, LogAction.SWEEP, count=totals["dossiers"])
        work.flush()
    if totals["deleted_subjects"] or totals["deleted_links"] or totals["purged"]:
        index._scrub()
    return SweepReport(at=at, **totals)


def _sweep_one(
    index: VerwijsIndex,
    work: UnitOfWork,
    key: str,
    swept_at: datetime,
    today: date,
    totals: dict[str, int],
) -> bool:
    """Sweep one youth; return whether the dossier is still due on *today* afterwards."""
    dossier = work.load(key)
    if dossier is None or dossier.sweep_due is None or dossier.sweep_due > today:
        return False
    at = work.stamp(dossier, swept_at)
    totals["dossiers"] += 1
    subject = dossier.subject
    if is_due_for_deletion(subject, today, index.rules):
        for link in dossier.links:
            work.log(at, SYSTEM, LogAction.DELETED, about=dossier, link_id=link.id)
        totals["deleted_links"] += len(dossier.links)
        totals["deleted_subjects"] += 1
        work.delete(dossier)
        return False
    links: list[Link] = []
    for link in dossier.links:
        ended = as_of(link, at)
        if ended is not link:
            link = ended
            totals["expired"] += 1
            work.log(at, SYSTEM, LogAction.EXPIRED, about=dossier, link_id=link.id)
        if (
            link.status is LinkStatus.ARCHIVED
            and link.archived_on is not None
            and archive_purge_date(link.archived_on, index.rules) <= today
        ):
            totals["purged"] += 1
            work.log(at, SYSTEM, LogAction.PURGED, about=dossier, link_id=link.id)
            continue
        links.append(link)
    kept = {lk.id for lk in links}
    dossier = attrs.evolve(
        dossier,
        links=tuple(links),
        duties=tuple(d for d in dossier.duties if d.link_id in kept),
        informed=tuple(r for r in dossier.informed if r.link_id in kept),
    )
    had_match = dossier.match is not None
    dossier, match = signals.rematch(index, work, dossier, at, notify=False)
    if had_match and match is None:
        totals["matches_dissolved"] += 1
    if not index._keep(work, dossier):
        return False
    saved = finish(dossier, index.rules)
    return saved.sweep_due is not None and saved.sweep_due <= today


def rekey(index: VerwijsIndex, new_key: PseudonymKey) -> int:
    """Move every stored record to pseudonyms under *new_key* added to the ring.

    No BSN is needed: each pseudonym gets one more HMAC step. Returns how many
    dossiers were moved. Run it while no registrations are made; it can be re-run
    safely (records already under *new_key* are skipped). The cyclic garbage collector
    is paused meanwhile.
    """
    with paused():
        return _rekey(index, new_key)


def _rekey(index: VerwijsIndex, new_key: PseudonymKey) -> int:
    if not isinstance(new_key, PseudonymKey):
        raise ConfigurationError("rekey() takes a PseudonymKey")
    if new_key.id == index.keyring.current_id:
        if new_key != index.keyring.keys[-1]:
            raise ConfigurationError("a different key with this id is already in use")
        ring = index.keyring
    else:
        ring = index.keyring.extended(new_key)
    old = index.keyring
    index._check_keys(ring)  # the store learns the new key's check value before any move
    now = index._now()
    moved = 0
    after: str | None = None
    while True:
        with index.store.transaction() as tx:
            keys = tx.keys(after, index.batch_size)
        if not keys:
            break
        after = keys[-1]
        with index.store.transaction(keys) as tx:
            for old_key in keys:
                dossier = tx.load(old_key)
                if dossier is None or dossier.subject.key_id == new_key.id:
                    continue
                new = rekey_pseudonym(old_key, new_key)
                tx.delete(old_key)
                tx.save(_rekeyed(dossier, new, new_key, old, ring))
                tx.rekey_notifications(old_key, new)
                moved += 1
    index.keyring = ring
    with index.store.transaction() as tx:
        heads, seals = tx.log_heads(), tx.log_seals()
        resealed = {
            lane: ring.seal(head_message(lane, seq, hash_))
            for lane, (seq, hash_) in heads.items()
            if old.check_seal(head_message(lane, seq, hash_), seals.get(lane))
        }
        if resealed:
            tx.append_log([], [], resealed)
    with index.store.transaction() as tx:
        work = index._unit(tx, ())
        work.log(now, SYSTEM, LogAction.REKEYED, count=moved)
        work.flush()
    return moved


def _rekeyed(dossier: Dossier, new: str, key: PseudonymKey, old: Keyring, ring: Keyring) -> Dossier:
    subject = attrs.evolve(
        dossier.subject,
        key=new,
        key_id=key.id,
        parent_keys=tuple(sorted(rekey_pseudonym(p, key) for p in dossier.subject.parent_keys)),
    )
    links = tuple(attrs.evolve(lk, subject=new) for lk in dossier.links)
    match = attrs.evolve(dossier.match, subject=new) if dossier.match is not None else None
    seal = dossier.log_seal
    message = refs_message(log_token(dossier.subject.log_secret), dossier.logged)
    if old.check_seal(message, seal):  # a seal that did not fit stays as it was, for verify
        seal = ring.seal(message)
    return attrs.evolve(dossier, subject=subject, links=links, match=match, log_seal=seal)
