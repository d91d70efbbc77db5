"""Oversight roles (toezicht): what the follow-up checker and an organisation's coordinator see.

The follow-up checker sees, for a match on a youth living in their municipality, only
whether contact was made (JW 7.1.3.2). An organisation's coordinator sees their own
professionals' contact details and the signals sent to them; neither sees anything about
a youth.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

import attrs

from verwijsindex._context import Context
from verwijsindex._unit import registered
from verwijsindex.clock import check_moment, local_date
from verwijsindex.dossier import Dossier, Withheld, follow_up_day
from verwijsindex.errors import NotFoundError, UnknownOrganisationError
from verwijsindex.model import Link, Match, Notification, NotificationKind, Professional
from verwijsindex.roles import Actor, FollowUpChecker, OrganisationCoordinator, checked_actor
from verwijsindex.signals import in_force

__all__ = [
    "AwaitingCoordination",
    "FollowUpStatus",
    "follow_up_status",
    "matches_awaiting_coordination",
    "organisation_contacts",
    "organisation_signals",
]


@attrs.frozen
class FollowUpStatus:
    """All a follow-up checker sees of a match: whether contact was made."""

    match_id: str
    contact_made: bool


def follow_up_status(ctx: Context, match_id: str, *, by: Actor | str) -> FollowUpStatus:
    """Whether the professionals in a match made contact, for the follow-up checker of
    the municipality where the youth lives (JW 7.1.3.2). Nothing else is shown."""
    checked_actor(by)
    if not isinstance(by, FollowUpChecker):
        # refused and logged before the match is looked up: whether it stands is no
        # outsider's to learn from the answer (a malformed id is refused as such)
        try:
            known: str | None = ctx.key_for_match(match_id)
        except NotFoundError:
            known = None
        raise ctx.deny(by, "only the follow-up checker of the youth's municipality", key=known)
    key = ctx.key_for_match(match_id)
    with ctx.store.transaction() as tx:
        dossier = tx.load(key)
    match = in_force(ctx, dossier, ctx.now()) if dossier is not None else None
    if dossier is None or match is None or match.id != match_id:  # dissolved: decision 7
        raise NotFoundError(kind="match", id=match_id)
    home = ctx.current_code(dossier.subject.address.municipality_code)
    if ctx.current_code(by.municipality_code) != home:
        raise ctx.deny(by, "only the follow-up checker of the youth's municipality", key=key)
    return FollowUpStatus(match_id=match_id, contact_made=match.coordinated)


@attrs.frozen
class AwaitingCoordination:
    """A match that passed the follow-up period without recorded coordination: its id, its
    age in days and whether a lead is set; nothing about the youth or the professionals."""

    match_id: str
    age_days: int
    lead_set: bool


def matches_awaiting_coordination(
    ctx: Context, *, by: Actor | str, now: datetime | None = None
) -> list[AwaitingCoordination]:
    """The matches on youths living in the follow-up checker's municipality that have no
    recorded coordination :attr:`Rules.follow_up_after` after they were made (JW 7.1.3.2),
    oldest first."""
    checked_actor(by)
    if not isinstance(by, FollowUpChecker):
        raise ctx.deny(by, "only a municipality's follow-up checker may do this")
    at = check_moment(now, "now") if now is not None else ctx.now()
    today = local_date(at)
    code = ctx.current_code(by.municipality_code)
    found: list[AwaitingCoordination] = []
    after: str | None = None
    while True:
        with ctx.store.transaction() as tx:
            keys = tx.keys_follow_up_due(today, after, ctx.batch_size)
            dossiers = [tx.load(key) for key in keys]
        for dossier in dossiers:
            if dossier is None:
                continue
            if ctx.current_code(dossier.subject.address.municipality_code) != code:
                continue
            due = follow_up_day(dossier, ctx.rules)
            match = in_force(ctx, dossier, at)
            if match is None or due is None or due > today:
                continue
            age = (today - local_date(match.created_at)).days
            found.append(AwaitingCoordination(match.id, age, match.lead is not None))
        if len(keys) < ctx.batch_size:
            break
        after = keys[-1]
    return sorted(found, key=lambda a: (-a.age_days, a.match_id))


def _coordinator(ctx: Context, by: Actor | str) -> OrganisationCoordinator:
    checked_actor(by)
    if not isinstance(by, OrganisationCoordinator):
        raise ctx.deny(by, "only an organisation's coordinator may do this")
    with ctx.store.transaction() as tx:
        if tx.get_organisation(by.organisation_id) is None:
            raise UnknownOrganisationError(kind="organisation", id=by.organisation_id)
    return by


def organisation_contacts(ctx: Context, *, by: Actor | str) -> list[Professional]:
    """The professionals of the coordinator's own organisation, with contact details."""
    coordinator = _coordinator(ctx, by)
    with ctx.store.transaction() as tx:
        found = tx.professionals_of(coordinator.organisation_id)
    return sorted(found, key=lambda p: p.id)


def organisation_signals(ctx: Context, *, by: Actor | str) -> list[Notification]:
    """Pending signals to the coordinator's own organisation's professionals: those a
    professional has through a link the organisation made (a professional known to two
    organisations, or who moved on, is the one organisation's for its links and the
    other's for theirs). They carry only match ids and professionals' contact details,
    nothing about youths; a match notice of a match that is no longer the youth's is no
    one's."""
    coordinator = _coordinator(ctx, by)
    organisation = coordinator.organisation_id
    found = []
    now = ctx.now()
    held = Withheld.on(local_date(now), ctx.rules)  # none of a youth of 23 (decision 106)
    with ctx.store.transaction() as tx:
        keys: dict[str, str | None] = {}  # a notice's id -> the youth it is filed under
        pending = [n for n in tx.pending_notifications(None, withheld=held) if n.kind in _SIGNALS]
        for notice in pending:
            if notice.id in keys or notice.match_id is None:
                continue
            if notice.signal is not None:
                keys.update((n.id, k) for k, n in tx.signal_notifications([notice.signal]))
            else:
                keys[notice.id] = tx.key_for_match(notice.match_id)
        youths: dict[str, tuple[Dossier, Match | None, dict[str, datetime]] | None] = {}
        for key in sorted({k for k in keys.values() if k is not None}):
            dossier = tx.load(key)
            if dossier is not None:  # its match as it stands, sweep or not (decision 89)
                youths[key] = (dossier, in_force(ctx, dossier, now), registered(tx, dossier))
        for notice in pending:
            filed = keys.get(notice.id)
            youth = youths.get(filed) if filed is not None else None
            link = _sent_through(*youth, notice) if youth is not None else None
            if link is not None and link.organisation == organisation:
                found.append(notice)
    return found


def _sent_through(
    dossier: Dossier, match: Match | None, arrivals: dict[str, datetime], notice: Notification
) -> Link | None:
    """The recipient's link on the youth of *dossier* that *notice* was sent through: of
    their links current on the notice's day (not archived before it, not past their end
    day), the last this index registered by the notice's moment (*arrivals*: when each
    link was; for an imported link, not the old index's ``created_at``). Two current links
    of one professional on one youth come only from a merge. ``None`` for a match notice
    of a match that is no longer the youth's (*match*: the youth's match as it stands)."""
    if notice.kind is NotificationKind.MATCH and (match is None or match.id != notice.match_id):
        return None
    day = local_date(notice.created_at)
    mine = [
        (arrivals.get(lk.id, lk.created_at), lk)
        for lk in dossier.links
        if lk.professional == notice.recipient
    ]
    before = [(at, lk) for at, lk in mine if at <= notice.created_at]
    current = [
        (at, lk)
        for at, lk in before
        if (lk.archived_on is None or lk.archived_on >= day) and lk.ends_on > day
    ]
    chosen = current or before
    return max(chosen, key=lambda pair: pair[0])[1] if chosen else None


_SIGNALS: Final = frozenset(
    {NotificationKind.MATCH, NotificationKind.FAMILY_MATCH, NotificationKind.ADDRESS_MATCH}
)
