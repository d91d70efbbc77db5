"""Notices from the population register (BRP): a death, a move.

>>> from datetime import date
>>> from verwijsindex.testing import make_index, make_professional, make_subject
>>> index = make_index()
>>> nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
>>> index.add_organisation(nurse.organisation)
>>> _ = index.register(make_subject(bsn="111222333", birth_date=date(2015, 5, 1)), nurse)
>>> index.record_move(make_subject(bsn="111222333", birth_date=date(2015, 5, 1),
...                                municipality="Heerlen"))
1
>>> sorted((n.kind.value, n.recipient) for n in index.pending_notifications())
[('coordinator', 'Parkstad Limburg'), ('move', '0917'), ('move', 'n1')]

A notice that cannot be true changes nothing:

>>> youth = make_subject(bsn="111222333", birth_date=date(2015, 5, 1))
>>> index.record_death(youth, date(2099, 1, 1))
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidNoticeError: died_on lies after today
>>> index.record_death(youth, date(2014, 12, 31))
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidNoticeError: died_on lies before the birth date
>>> index.record_death(youth, "today")
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidRecordError: died_on must be a date
>>> index.record_death(youth, date(2025, 1, 1))
1
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

import attrs

from verwijsindex import _validators as v
from verwijsindex import logbook
from verwijsindex._context import Context, with_siblings
from verwijsindex._unit import UnitOfWork
from verwijsindex.clock import age_on, local_date
from verwijsindex.dossier import Dossier, SubjectRecord, is_current
from verwijsindex.errors import (
    AgeLimitError,
    InvalidNoticeError,
    InvalidRecordError,
    NotFoundError,
)
from verwijsindex.information import told_by_age
from verwijsindex.matching import check_general_data, is_due_for_deletion
from verwijsindex.model import (
    Address,
    Bsn,
    LogAction,
    Match,
    Subject,
)
from verwijsindex.service_number import ServiceNumber
from verwijsindex.signals import rematch, standing, tell_of_move

__all__ = [
    "POPULATION_REGISTER",
    "MergeOutcome",
    "merge_service_number",
    "record_death",
    "record_move",
]

POPULATION_REGISTER = "population-register"


def record_death(ctx: Context, subject: Subject | Bsn | ServiceNumber, died_on: date) -> int:
    """A death notice from the population register: every link, the match and the
    archive are deleted at once (JW 7.1.4.5(2)(c)). Returns how many links went.

    A death after today (on the Amsterdam calendar) or before the youth's birth date
    cannot be true: :class:`InvalidNoticeError`, and nothing is deleted."""
    if isinstance(subject, Subject):
        v.model_argument(subject, Subject, "subject")
    number = subject.number if isinstance(subject, Subject) else subject
    if not isinstance(number, Bsn | ServiceNumber):
        raise InvalidRecordError("record_death() takes a Subject, a Bsn or a ServiceNumber")
    v.model_argument(number, type(number), "subject")
    if not isinstance(died_on, date) or isinstance(died_on, datetime):
        raise InvalidRecordError("died_on must be a date")
    if isinstance(subject, Subject) and died_on < subject.birth_date:
        raise InvalidNoticeError("died_on lies before the birth date", field="died_on")
    key = ctx.pseudonym(number)

    def run(locks: tuple[str, ...]) -> int:
        with ctx.work(locks) as work:
            dossier = work.load(key)
            now = work.stamp(dossier)
            if died_on > local_date(ctx.now()):  # this host's own day, read under the lock
                raise InvalidNoticeError("died_on lies after today", field="died_on")
            if dossier is None:
                work.check_ring()
                return 0
            if died_on < dossier.subject.birth_date:
                raise InvalidNoticeError("died_on lies before the birth date", field="died_on")
            for link in dossier.links:
                work.log(
                    now, POPULATION_REGISTER, LogAction.DELETED, about=dossier, link_id=link.id
                )
            work.delete(dossier)  # may ask for the siblings' locks (decision 94)
        return len(dossier.links)

    return with_siblings(run, [key])


def record_move(ctx: Context, subject: Subject) -> int:
    """A move notice from the population register (JW 7.1.2.3(1)(g)): the general data
    takes the new address, and every professional with an active link is told, also of
    a move within the municipality. When the municipality changed, the new municipality's
    coordinator receives the active links' professionals and organisations; when the
    region changed, the new region's coordinator too. Returns how many professionals
    were told.

    A youth may move out of the index's regions: the professionals are told, and neither
    the new municipality nor a region's coordinator, since the index knows no address of
    a municipality outside its regions (decision 104). An address that is not one cannot
    be true: :class:`InvalidNoticeError`, and nothing changes."""
    if not isinstance(subject, Subject):
        raise InvalidRecordError("record_move() takes the youth's Subject with the new address")
    address = subject.address
    try:
        if not isinstance(address, Address):
            raise InvalidRecordError("address")
        attrs.validate(address)
    except (InvalidRecordError, TypeError, ValueError):
        raise InvalidNoticeError("address is not an address", field="address") from None
    v.model_argument(subject, Subject, "subject")
    address = ctx.current_address(address)
    key = ctx.pseudonym(subject.number)
    with ctx.work([key]) as work:
        dossier = work.load(key)
        if dossier is None:
            work.check_ring()
            return 0  # no youth
        if ctx.current_address(dossier.subject.address) == address:
            return 0  # a notice repeated: no move, no one told again
        now = work.stamp(dossier)
        if is_due_for_deletion(dossier.subject, local_date(now), ctx.rules):
            return 0  # 23 or deceased: the sweep deletes them; no one is told of them
        old = ctx.current_code(dossier.subject.address.municipality_code)
        record = attrs.evolve(
            dossier.subject, address=address, address_key=ctx.address_key(address, dossier.subject)
        )
        dossier = attrs.evolve(dossier, subject=record)
        work.save(dossier, replaces=True)  # the old address goes from the files too
        work.log(now, POPULATION_REGISTER, LogAction.MOVED, about=dossier)
        return tell_of_move(ctx, work, dossier, now, old_code=old)


@attrs.frozen
class MergeOutcome:
    """What :func:`merge_service_number` did: how many links moved into the BSN's dossier,
    and the youth's match after the merge."""

    links: int
    match: Match | None


def merge_service_number(
    ctx: Context, without: Subject | ServiceNumber, subject: Subject
) -> MergeOutcome:
    """The youth registered by service number now has a BSN (BJW 7.3.1): move every link,
    the archive, the information records and the logbook references from the service
    number's dossier into the BSN's, in one transaction; the match is recomputed and the
    professionals told when it grew; the merge is logged.

    *without* is the youth as registered without a BSN (or their :class:`ServiceNumber`),
    *subject* the youth with the BSN and the general data the population register now
    gives. Nothing stored under the service number raises ``NotFoundError``."""
    if isinstance(without, Subject):
        v.model_argument(without, Subject, "without")
    number = without.number if isinstance(without, Subject) else without
    if not isinstance(number, ServiceNumber):
        raise InvalidRecordError(
            "without must be the youth's Subject without a BSN, or its ServiceNumber"
        )
    v.model_argument(number, ServiceNumber, "without")
    v.model_argument(subject, Subject, "subject")
    if subject.bsn is None:
        raise InvalidRecordError("subject must carry the BSN the youth now has")
    check_general_data(subject, ctx.now())
    old_key, key = ctx.pseudonym(number), ctx.pseudonym(subject.bsn)
    with ctx.work(sorted({old_key, key})) as work:
        old = work.load(old_key)
        if old is None:
            raise NotFoundError("nothing is stored under that service number")
        current = work.load(key)
        now = work.stamp(old)
        if current is not None:
            now = work.stamp(current, now)
        return move_in(
            ctx, work, old, current, subject, now, by=POPULATION_REGISTER, action=LogAction.MERGED
        )


def move_in(
    ctx: Context,
    work: UnitOfWork,
    old: Dossier,
    current: Dossier | None,
    subject: Subject,
    now: datetime,
    *,
    by: str,
    action: LogAction,
    parents_named: bool = False,
    no_parents: bool = False,
) -> MergeOutcome:
    """Move the dossier *old* into the one under *subject*'s number (*current*, or a new
    one), with *subject*'s general data, under the locks of both held by *work*: every
    link, the archive, the information records and the logbook references; a
    professional's current link on both keeps the one of *current* (decision 75) and the
    match carries across (decision 82); the match is recomputed and the professionals told
    when it grew; *action* is logged by *by*. The merge into a BSN (*parents_named* false:
    the parents of either side and *subject* stay, decision 76) and a rectification of the
    data a service number is made of (*parents_named*: *subject*'s parents, if it names
    any, replace the registered ones; with *no_parents*, none stay) both come here. A
    merge refuses a youth past the age limit (decision 77); a rectification to that age
    is made, tells no one, and leaves the deletion to the sweep (decision 111)."""
    key = ctx.pseudonym(subject.number)
    named = tuple(sorted({ctx.pseudonym(p) for p in subject.parents}))
    # the parents registered on either side stay (decision 76), unless a rectification
    # names the parents the youth has
    registered = (*old.subject.parent_keys, *(current.subject.parent_keys if current else ()))
    parents = named if parents_named and named else tuple(sorted({*named, *registered}))
    if no_parents:  # a rectification saying the youth has none to register (decision 105)
        parents = ()
    age = age_on(subject.birth_date, local_date(now))
    past_limit = age >= ctx.rules.age_limit
    if past_limit and action is LogAction.MERGED:  # no youth of that age is merged (decision 77)
        raise AgeLimitError(age=age, field="birth_date")
    record = SubjectRecord(
        key=key,
        key_id=ctx.keyring.current_id,
        name=subject.name,
        gender=subject.gender,
        birth_date=subject.birth_date,
        address=ctx.current_address(subject.address),
        log_secret=(current or old).subject.log_secret,
        parent_keys=parents,
        died_on=subject.died_on,
        # with address matches off, the key of whichever side was at this dwelling stays
        address_key=ctx.address_key(subject.address, current.subject if current else None)
        or ctx.address_key(subject.address, old.subject),
        former_secrets=_former_secrets(old, current),
    )
    # A professional with a current link on the BSN's dossier keeps that one, as
    # registering again keeps the existing link: their current link under the number
    # does not move in, nor its information duty and records.
    kept = current.links if current is not None else ()
    present = {lk.professional: lk.id for lk in kept if is_current(lk, now)}
    # each dropped link, with the link of the same professional that stands for it
    dropped = {
        lk.id: present[lk.professional]
        for lk in old.links
        if lk.professional in present and is_current(lk, now)
    }
    moved = tuple(attrs.evolve(lk, subject=key) for lk in old.links if lk.id not in dropped)
    merged = Dossier(
        subject=record,
        links=(*kept, *moved),
        match=_carried_match(ctx, old, current, key, dropped, now),
        hinted=old.hinted | (current.hinted if current else frozenset()),
        silent=old.silent | (current.silent if current else frozenset()),  # finish prunes
        duties=(
            *(current.duties if current else ()),
            *(d for d in old.duties if d.link_id not in dropped),
        ),
        informed=(
            *(current.informed if current else ()),
            *(r for r in old.informed if r.link_id not in dropped),
        ),
        logged=old.logged + (current.logged if current else 0),
        log_digest=old.log_digest
        if current is None
        else logbook.add_digests(old.log_digest, current.log_digest),
    )
    if any(d.subject.birth_date != record.birth_date for d in (old, current) if d):
        # whom each link must be told follows the population register's birth date
        born = record.birth_date
        duties = tuple(told_by_age(ctx, work, merged, d, born) for d in merged.duties)
        merged = attrs.evolve(merged, duties=duties)
    work.merge(old, merged)
    work.stamp(merged, now)  # a change of the merged record, at *now* (decision 30)
    # a correction past the age limit is made and no one is told: the sweep deletes the
    # youth, as after any rectification to that age (decisions 74, 111)
    merged, match = rematch(ctx, work, merged, now, notify=True)  # none told past the limit
    work.save(merged, replaces=True)
    if action is LogAction.MERGED:  # the population register's address (decision 112)
        _tell_merged_move(ctx, work, merged, (old, current), now)
    for link_id in sorted(dropped):
        work.log(now, by, LogAction.DELETED, about=merged, link_id=link_id)
    work.log(now, by, action, about=merged, count=len(moved))
    return MergeOutcome(links=len(moved), match=match)


def _tell_merged_move(
    ctx: Context,
    work: UnitOfWork,
    merged: Dossier,
    sides: tuple[Dossier, Dossier | None],
    now: datetime,
) -> None:
    """A merge brings the population register's address: the professionals whose links
    were made at another address are told of the move, as by a move notice (which would
    find the address stored already), and the new municipality and region when a side
    lived outside them: the move is judged from the side that left the new region, else
    from one that left the new municipality."""
    address = merged.subject.address
    moved = [
        d for d in sides if d is not None and ctx.current_address(d.subject.address) != address
    ]
    if not moved:
        return
    new_code = address.municipality_code
    new_region = ctx.region_name(new_code)

    def stayed(dossier: Dossier) -> tuple[bool, bool]:  # False first: the side that left
        code = ctx.current_code(dossier.subject.address.municipality_code)
        return (ctx.region_name(code) == new_region, code == new_code)

    came_from = min(moved, key=stayed)
    old_code = ctx.current_code(came_from.subject.address.municipality_code)
    movers = {lk.professional for d in moved for lk in d.links}
    tell_of_move(ctx, work, merged, now, old_code=old_code, movers=movers)


def _former_secrets(old: Dossier, current: Dossier | None) -> tuple[str, ...]:
    if current is None:  # the merged dossier keeps the service number's own secret
        return old.subject.former_secrets
    return (
        *current.subject.former_secrets,
        old.subject.log_secret,
        *old.subject.former_secrets,
    )


def _carried_match(
    ctx: Context,
    old: Dossier,
    current: Dossier | None,
    key: str,
    dropped: Mapping[str, str],
    now: datetime,
) -> Match | None:
    """The match the merged dossier starts from (rematch then brings it in line): the BSN
    dossier's, or else the service number's, each as it stands at *now* (a stored match
    whose links ended has dissolved, sweep or not: decisions 6, 7 and 89), now under the
    BSN's key, with each link that did not move in replaced by the same professional's
    link that stands for it (the match the professionals were told of stands)."""
    match = standing(ctx, current, now) if current is not None else None
    if match is None:
        match = standing(ctx, old, now)
    if match is None:
        return None
    links = tuple(dict.fromkeys(dropped.get(link_id, link_id) for link_id in match.links))
    return attrs.evolve(match, subject=key, links=links)
