"""Informing the youth and parents (informatieplicht, JW 7.1.5.1; AVG 14(3)).

The professional who made a link informs the youth and/or the legal representative, by
the youth's age on the day of the link and the notification policy of the professional's
region; the index records who was informed and when, and lists links where that is overdue.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Final

import attrs

from verwijsindex._context import Context, actor
from verwijsindex._unit import UnitOfWork
from verwijsindex.clock import age_on, check_moment, local_date
from verwijsindex.dossier import (
    Dossier,
    InformationDuty,
    InformationRecord,
    find_link,
    informed_by_link,
    is_current,
)
from verwijsindex.errors import AccessDeniedError, InvalidRecordError
from verwijsindex.matching import is_due_for_deletion
from verwijsindex.model import Link, LogAction, Recipient
from verwijsindex.policies import MAX_AGE
from verwijsindex.roles import Actor

__all__ = [
    "CLOCK_TOLERANCE",
    "OverdueInformation",
    "overdue_information",
    "record_informed",
    "told_by_age",
]

CLOCK_TOLERANCE: Final = timedelta(minutes=5)
"""How far the moment a youth was informed may lie before the link was made, or after
the index's now: the caller's clock and the index's may differ a little (decision 39)."""


def told_by_age(
    ctx: Context, work: UnitOfWork, dossier: Dossier, duty: InformationDuty, born: date
) -> InformationDuty:
    """*duty* with whom its link must be told by the youth's age on the day the link was
    made, by the birth date *born* (JW 7.1.5.1(1)): after a rectification or a merge that
    changed the birth date. Its deadline stays; a birth date after that day (a newborn
    registered early) counts as age 0."""
    link = next((lk for lk in dossier.links if lk.id == duty.link_id), None)
    organisation = None if link is None else work.organisation(link.organisation)
    if link is None or organisation is None:
        return duty
    age = min(max(age_on(born, local_date(link.created_at)), 0), MAX_AGE)
    recipients = ctx.region_of(organisation.municipality_code).policy.recipients(age)
    return attrs.evolve(duty, recipients=recipients)


@attrs.frozen
class OverdueInformation:
    """A link whose youth or parents were not (all) informed by the deadline."""

    link: Link
    missing: frozenset[Recipient]
    inform_by: date


def record_informed(
    ctx: Context,
    link_id: str,
    recipients: Iterable[Recipient],
    at: datetime,
    *,
    by: Actor | str | None = None,
) -> None:
    """Record that *recipients* were informed of link *link_id* at *at* (JW 7.1.5.1)."""
    at = check_moment(at, "at")
    if isinstance(recipients, str | bytes) or not isinstance(recipients, Iterable):
        raise InvalidRecordError("recipients must be one or more Recipient values")
    chosen = frozenset(recipients)
    if not chosen or not all(isinstance(r, Recipient) for r in chosen):
        raise InvalidRecordError("recipients must be one or more Recipient values")
    key = ctx.key_for_link(link_id)
    by_id = ctx.professional(by, key=key, link_id=link_id) if by is not None else None
    denied = False
    with ctx.work([key]) as work:
        dossier, link = find_link(work.load(key), link_id)
        now = work.stamp(dossier)
        if not link.created_at - CLOCK_TOLERANCE <= at <= now + CLOCK_TOLERANCE:
            raise InvalidRecordError("at must lie between the making of the link and now")
        actor_id = link.professional if by_id is None else by_id
        if actor_id != link.professional:
            denied = True
            work.log(now, actor(actor_id), LogAction.DENIED, about=dossier, link_id=link_id)
        else:
            record = InformationRecord(link_id, chosen, at, actor(actor_id))
            dossier = attrs.evolve(dossier, informed=(*dossier.informed, record))
            work.save(dossier)
            work.log(now, actor(actor_id), LogAction.INFORMED, about=dossier, link_id=link_id)
    if denied:
        raise AccessDeniedError("only the professional who made a link informs about it")


def overdue_information(ctx: Context, now: datetime | None = None) -> list[OverdueInformation]:
    """Active links whose information duty was not met by its deadline (one month); a link
    past its end day is no longer active, whether or not a sweep has run since."""
    at = check_moment(now, "now") if now is not None else ctx.now()
    today = local_date(at)
    out: list[OverdueInformation] = []
    with ctx.store.transaction() as tx:
        for key in tx.keys_information_due(today, 1_000_000):
            dossier = tx.load(key)
            if dossier is None or is_due_for_deletion(dossier.subject, today, ctx.rules):
                continue  # 23 or deceased: every link must go, none is overdue
            informed = informed_by_link(dossier)
            links = {lk.id: lk for lk in dossier.links if is_current(lk, at)}
            for duty in dossier.duties:
                missing = duty.recipients - informed.get(duty.link_id, set())
                if duty.link_id in links and missing and duty.inform_by < today:
                    out.append(OverdueInformation(links[duty.link_id], missing, duty.inform_by))
    return sorted(out, key=lambda o: (o.inform_by, o.link.id))
