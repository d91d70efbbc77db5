"""The outbox (uitgaande berichten): notifications written with the change that caused
them, read and acknowledged by the application that delivers them.

Several senders may deliver at once: :func:`claim_notifications` hands each a batch under
a lease that no other claim gets while it lives, and acknowledging the claim removes what
it sent; what a sender did not acknowledge returns to the queue when the lease ends
(:mod:`verwijsindex.delivery` is a loop that does all this). A professional reads their own
pending notifications with :func:`notifications_for`.

>>> from datetime import timedelta
>>> from verwijsindex.testing import make_index
>>> index = make_index()
>>> index.pending_notifications(), index.acknowledge(["no-such-id"])
([], 0)
>>> claim = index.claim_notifications(10, lease=timedelta(minutes=5))
>>> claim.notifications, index.acknowledge(claim)
((), 0)
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime, timedelta

import attrs

from verwijsindex import _validators as v
from verwijsindex._context import Context
from verwijsindex._unit import new_id
from verwijsindex.clock import local_date
from verwijsindex.errors import InvalidRecordError
from verwijsindex.model import Notification, NotificationKind
from verwijsindex.roles import Actor
from verwijsindex.storage import MAX_LEASE, Transaction, Withheld

__all__ = [
    "MAX_LEASE",
    "Claim",
    "acknowledge",
    "claim_notifications",
    "notifications_for",
    "pending_notifications",
]

log = logging.getLogger("verwijsindex.outbox")


@attrs.frozen
class Claim:
    """Pending notifications handed to one sender until ``until``; acknowledge the claim
    (or the ids it sent) when they are delivered. ``set_aside`` counts stored notifications
    that do not parse, set aside (never handed out) so that they block no one."""

    id: str = attrs.field(validator=v.identifier)
    until: datetime = attrs.field(validator=v.aware)
    notifications: tuple[Notification, ...] = attrs.field(
        converter=v.as_tuple, validator=v.tuple_of(Notification)
    )
    set_aside: int = attrs.field(default=0, validator=v.count)


def _withheld(ctx: Context, now: datetime | None = None) -> Withheld:
    """The youths whose notifications go to no one at *now* (the clock's, by default): all
    their links must go (23 or deceased), whether or not the sweep has deleted them yet
    (decision 106)."""
    return Withheld.on(local_date(now if now is not None else ctx.now()), ctx.rules)


def pending_notifications(ctx: Context, limit: int | None = None) -> list[Notification]:
    """Notifications written but not yet acknowledged, oldest first; none about a youth
    whose links must all go (decision 106)."""
    limit = v.limit_argument(limit)
    held = _withheld(ctx)
    with ctx.store.transaction() as tx:
        return tx.pending_notifications(limit, withheld=held)


_TO_PROFESSIONALS = frozenset(
    {NotificationKind.MATCH, NotificationKind.FAMILY_MATCH, NotificationKind.ADDRESS_MATCH}
)


def to_professional(notification: Notification) -> bool:
    """Whether *notification* is of a kind addressed to a professional (its recipient an
    id that may look like a municipality's code or a region's name, the recipients of
    the follow-up checker's and the coordinator's kinds: decision 88)."""
    kind = notification.kind
    return kind in _TO_PROFESSIONALS or (
        kind is NotificationKind.MOVE and notification.link_id is not None
    )


def _own(tx: Transaction, pid: str, held: Withheld) -> list[Notification]:
    return [n for n in tx.pending_for(pid, None, withheld=held) if to_professional(n)]


def notifications_for(
    ctx: Context, professional: Actor | str, *, limit: int | None = None
) -> list[Notification]:
    """The professional's own pending notifications, oldest first; any other role is
    refused and logged."""
    limit = v.limit_argument(limit)
    pid = ctx.professional(professional, name="professional")
    held = _withheld(ctx)
    with ctx.store.transaction() as tx:
        own = _own(tx, pid, held)
    return own if limit is None else own[:limit]


def claim_notifications(
    ctx: Context, limit: int = 50, *, lease: timedelta = timedelta(minutes=5)
) -> Claim:
    """Up to *limit* pending notifications that no other sender holds, held by this claim
    for *lease* (by the index's clock); on PostgreSQL ``FOR UPDATE SKIP LOCKED``, so that
    senders never wait for each other nor get the same notification."""
    size = v.limit_argument(limit)
    if size is None or size < 1:
        raise InvalidRecordError("limit must be a whole number, 1 or more")
    if not isinstance(lease, timedelta) or not timedelta(0) < lease <= MAX_LEASE:
        raise InvalidRecordError("lease must be a timedelta above zero, at most a day")
    now = ctx.now()
    claim = new_id()
    until = now + lease
    held = _withheld(ctx, now)
    with ctx.store.transaction() as tx:
        before = tx.set_aside_count()
        notes = tx.claim_notifications(size, now, until, claim, withheld=held)
        set_aside = tx.set_aside_count() - before
    if set_aside:
        log.warning("set aside %d stored notifications that do not parse", set_aside)
    log.debug("claim %s: %d notifications until %s", claim, len(notes), until.isoformat())
    return Claim(claim, until, tuple(notes), set_aside)


def acknowledge(ctx: Context, ids: Iterable[str] | Claim, *, by: Actor | str | None = None) -> int:
    """Mark notifications as delivered; returns how many were removed. With a
    :class:`Claim`, the claim's notifications that it still holds; with *by*, only the
    notifications addressed to that professional (anyone else's are left alone)."""
    claim = None
    if isinstance(ids, Claim):
        v.model_argument(ids, Claim, "ids")
        claim, wanted = ids.id, [n.id for n in ids.notifications]
    else:
        wanted = v.ids_argument(ids, "ids")
    # the role is checked before the transaction: a refusal is logged in one of its own
    pid = ctx.professional(by) if by is not None else None
    held = _withheld(ctx)
    with ctx.store.transaction() as tx:
        if pid is not None:
            own = {n.id for n in _own(tx, pid, held)}
            wanted = [i for i in wanted if i in own]
        return tx.acknowledge(wanted, claim)
