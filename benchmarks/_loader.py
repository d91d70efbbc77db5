"""A direct loader: historical links written as dossiers through the Store protocol.

Filling a store with a million links through :meth:`VerwijsIndex.bulk_register` runs
every rule for every link (about a thousand links a second on this machine with
SQLite: a quarter of an hour per backend). The benchmarks on a filled store measure what
happens *after* the migration, so by default the store is filled here instead: each
youth's dossier is built as the index would leave it (links with the default end date, a
match where the rule finds one, information duties by the region's policy, most of them
met, the due days) and saved with ``tx.save``, with one ``registered`` logbook entry per
link, chained and referenced as the index writes them. The outbox is left empty, as it
is once notifications are delivered. ``--fill bulk`` fills through ``bulk_register``.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Iterator
from datetime import date, timedelta

from benchmarks._data import NOW
from verwijsindex import logbook
from verwijsindex.clock import age_on, local_date
from verwijsindex.importing import ImportRecord
from verwijsindex.index import VerwijsIndex
from verwijsindex.matching import (
    archive_purge_date,
    default_ends_on,
    deletion_date,
    find_match,
    information_due,
)
from verwijsindex.model import (
    Link,
    LinkStatus,
    LogAction,
    LogEntry,
    Match,
    MatchKind,
)
from verwijsindex.pseudonyms import entry_ref, lane_of, log_token, new_log_secret, seal_link_id
from verwijsindex.storage import (
    LOG_LANES,
    Dossier,
    InformationDuty,
    InformationRecord,
    Store,
    SubjectRecord,
)

__all__ = ["by_youth", "load"]

_PER_TRANSACTION = 2_000


def by_youth(records: Iterable[ImportRecord]) -> Iterator[list[ImportRecord]]:
    """*records* in groups of one youth's links (they come together)."""
    for _, group in itertools.groupby(records, key=lambda r: r.subject.bsn):
        yield list(group)


def _dossier(index: VerwijsIndex, group: list[ImportRecord]) -> Dossier:
    subject = group[0].subject
    keyring = index.keyring
    key = keyring.pseudonym(subject.number)
    record = SubjectRecord(
        key=key,
        key_id=keyring.current_id,
        name=subject.name,
        gender=subject.gender,
        birth_date=subject.birth_date,
        address=subject.address,
        log_secret=new_log_secret(),
        parent_keys=tuple(sorted({keyring.pseudonym(p) for p in subject.parents})),
    )
    rules = index.rules
    links: list[Link] = []
    duties: list[InformationDuty] = []
    informed: list[InformationRecord] = []
    for r in group:
        assert r.created_at is not None
        made = r.created_at
        link = Link(
            id=uuid.uuid4().hex,
            subject=key,
            professional=r.professional.id,
            organisation=r.professional.organisation.id,
            created_at=made,
            ends_on=default_ends_on(made, rules),
        )
        links.append(link)
        region = index.regions.region_of_municipality(r.professional.organisation.municipality_code)
        duty = region.policy.recipients(age_on(subject.birth_date, local_date(made)))
        duties.append(InformationDuty(link.id, duty, information_due(made, rules)))
        if made < NOW - timedelta(days=7):  # most youths and parents were told in a week
            informed.append(
                InformationRecord(
                    link.id, duty, made + timedelta(days=7), f"professional:{link.professional}"
                )
            )
    found = find_match(links, index.match_rule, at=NOW)
    match = None
    if found is not None:
        made = max(lk.created_at for lk in found)
        match = Match(
            id=uuid.uuid4().hex,
            subject=key,
            links=tuple(lk.id for lk in found),
            professionals=tuple(dict.fromkeys(lk.professional for lk in found)),
            kind=MatchKind.SUBJECT,
            created_at=made,
            updated_at=made,
        )
    days: list[date] = [deletion_date(subject.birth_date, rules)]
    days += [lk.ends_on for lk in links if lk.status is LinkStatus.ACTIVE]
    days += [archive_purge_date(lk.archived_on, rules) for lk in links if lk.archived_on]
    told = {r.link_id for r in informed}
    pending = [d.inform_by for d in duties if d.link_id not in told]
    logged = len(links)  # one "registered" entry per link, written by _log
    token = log_token(record.log_secret)
    digest = logbook.refs_digest(_entry_id(lk) for lk in links)
    return Dossier(
        subject=record,
        links=tuple(links),
        match=match,
        duties=tuple(duties),
        informed=tuple(informed),
        sweep_due=min(days),
        information_due=min(pending) if pending else None,
        changed_at=max(lk.created_at for lk in links),
        logged=logged,
        log_digest=digest,
        log_seal=keyring.seal(logbook.refs_message(token, logged, digest)),
    )


def _entry_id(link: Link) -> str:
    """The id of the "registered" entry of *link* (known before the entry is written)."""
    return f"{link.id}-r"


def _log(
    dossiers: list[Dossier], head: tuple[int, str] | None, lane: int
) -> tuple[list[LogEntry], list[tuple[str, str]]]:
    drafts: list[logbook.Draft] = []
    ids: list[str] = []
    refs: list[tuple[str, str]] = []
    for dossier in dossiers:
        secret = dossier.subject.log_secret
        token = log_token(secret)
        for link in dossier.links:
            entry_id = _entry_id(link)
            ids.append(entry_id)
            refs.append((token, entry_id))
            drafts.append(
                logbook.Draft(
                    at=link.created_at,
                    actor=f"professional:{link.professional}",
                    action=LogAction.REGISTERED,
                    subject_ref=entry_ref(secret, entry_id),
                    link_id=seal_link_id(secret, entry_id, link.id),
                )
            )
    return logbook.chain(head, drafts, lane=lane, ids=iter(ids)), refs


def load(store: Store, index: VerwijsIndex, groups: Iterable[list[ImportRecord]]) -> int:
    """Write each youth's links in *groups* as one dossier; returns how many links."""
    done = 0
    youths = iter(groups)
    while chunk := list(itertools.islice(youths, _PER_TRANSACTION)):
        dossiers = [_dossier(index, group) for group in chunk]
        keys = sorted(d.key for d in dossiers)
        lane = lane_of(keys, LOG_LANES)
        with store.transaction(keys) as tx:
            for dossier in dossiers:
                tx.save(dossier)
            entries, refs = _log(dossiers, tx.log_head(lane), lane)
            last = entries[-1]
            seal = index.keyring.seal(logbook.head_message(lane, last.seq, last.hash))
            tx.append_log(entries, refs, {lane: seal})
        done += sum(len(d.links) for d in dossiers)
    return done
