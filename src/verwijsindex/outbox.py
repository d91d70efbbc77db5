"""The outbox (uitgaande berichten): notifications written with the change that caused
them, read and acknowledged by the application that delivers them.

>>> from verwijsindex.testing import make_index
>>> index = make_index()
>>> index.pending_notifications(), index.acknowledge(["no-such-id"])
([], 0)
"""

from __future__ import annotations

from collections.abc import Iterable

from verwijsindex._context import Context
from verwijsindex.errors import InvalidRecordError
from verwijsindex.model import Notification

__all__ = ["acknowledge", "pending_notifications"]


def pending_notifications(ctx: Context, limit: int | None = None) -> list[Notification]:
    """Notifications written but not yet acknowledged, oldest first."""
    with ctx.store.transaction() as tx:
        return tx.pending_notifications(limit)


def acknowledge(ctx: Context, ids: Iterable[str]) -> int:
    """Mark notifications as delivered; returns how many were pending."""
    wanted = list(ids)
    if not all(isinstance(i, str) for i in wanted):
        raise InvalidRecordError("notification ids are strings")
    with ctx.store.transaction() as tx:
        return tx.acknowledge(wanted)
