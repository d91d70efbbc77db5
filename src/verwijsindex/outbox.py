"""The outbox (uitgaande berichten): notifications written with the change that caused
them, read and acknowledged by the application that delivers them.

>>> from verwijsindex.testing import make_index
>>> index = make_index()
>>> index.pending_notifications(), index.acknowledge(["no-such-id"])
([], 0)
"""

from __future__ import annotations

from collections.abc import Iterable

from verwijsindex import _validators as v
from verwijsindex._context import Context
from verwijsindex.model import Notification

__all__ = ["acknowledge", "pending_notifications"]


def pending_notifications(ctx: Context, limit: int | None = None) -> list[Notification]:
    """Notifications written but not yet acknowledged, oldest first."""
    limit = v.limit_argument(limit)
    with ctx.store.transaction() as tx:
        return tx.pending_notifications(limit)


def acknowledge(ctx: Context, ids: Iterable[str]) -> int:
    """Mark notifications as delivered; returns how many were pending."""
    wanted = v.ids_argument(ids, "ids")
    with ctx.store.transaction() as tx:
        return tx.acknowledge(wanted)
