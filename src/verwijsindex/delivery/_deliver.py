"""The loop of :mod:`verwijsindex.delivery`: :func:`deliver` claims the outbox batch by
batch, sends each notification through a :class:`Notifier` with a few tries, and
acknowledges what was sent.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

import attrs

from verwijsindex.clock import Clock
from verwijsindex.delivery._messages import Message, compose
from verwijsindex.errors import ConfigurationError, NotFoundError, ValidationError
from verwijsindex.index import VerwijsIndex
from verwijsindex.model import Notification
from verwijsindex.outbox import Claim

log = logging.getLogger("verwijsindex.delivery")

# --- sending -------------------------------------------------------------------------------------


class Notifier(Protocol):
    """Anything that sends a :class:`Message` (verzender): :class:`SmtpNotifier`, a queue of
    your own, a list in a test. ``send`` returns when the message is accepted and raises
    when it is not; :func:`deliver` then tries again."""

    def send(self, message: Message) -> None: ...


@attrs.frozen
class DeliveryReport:
    """What one :func:`deliver` run did.

    ``sent``: notifications sent and acknowledged or, for ``unacknowledged`` of them, sent
    after their lease had ended (they go out again). ``failed``: notifications that could
    not be composed or failed every attempt; they stay in the outbox and return when the
    lease ends. ``set_aside``: stored notifications that did not parse, set aside by the
    store. ``lapsed``: claimed but not tried because the lease ended first; they return to
    the queue.
    """

    sent: int = 0
    failed: int = 0
    set_aside: int = 0
    lapsed: int = 0
    unacknowledged: int = 0


def _check_whole(value: object, name: str, low: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < low:
        raise ConfigurationError(f"{name} must be a whole number, {low} or more")
    return value


def _check_seconds(value: object, name: str, *, zero: bool) -> float:
    if (
        not isinstance(value, int | float)
        or isinstance(value, bool)
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not zero)
    ):
        least = "0 or more" if zero else "above 0"
        raise ConfigurationError(f"{name} must be a finite number of seconds, {least}")
    return float(value)


def deliver(
    index: VerwijsIndex,
    notifier: Notifier,
    *,
    limit: int = 50,
    lease: timedelta = timedelta(minutes=5),
    attempts: int = 3,
    backoff: float = 0.5,
    sleep: Callable[[float], object] = time.sleep,
    clock: Clock | None = None,
) -> DeliveryReport:
    """Send the outbox through *notifier* until nothing is left to claim (bezorgen).

    Claims up to *limit* notifications at a time under *lease*; composes each
    (:func:`compose`) and sends it with up to *attempts* tries, waiting *backoff*,
    ``2 * backoff``, ... seconds (through *sleep*) between them; acknowledges the claim's
    sent notifications. A notification that cannot be composed (an unknown professional)
    or fails every try is counted as failed and left in the outbox: it returns when its
    lease ends, to this run only if the lease ends while it goes on. The run stops when a
    claim hands out nothing, or when nothing of a claim was sent and acknowledged.

    *clock* (default: the index's) tells when the lease ends: once it has, the rest of the
    batch is left for another claim rather than sent twice. Logs the totals at INFO and
    each failure at WARNING under ``verwijsindex.delivery``, with notification ids and
    kinds only. A bad argument raises :class:`~verwijsindex.errors.ConfigurationError`
    before anything is claimed; an error of the store goes on to the caller.
    """
    if not callable(getattr(notifier, "send", None)):
        raise ConfigurationError("notifier must have a send(message) method")
    _check_whole(limit, "limit", 1)
    if not isinstance(lease, timedelta) or lease <= timedelta(0):
        raise ConfigurationError("lease must be a timedelta above zero")
    _check_whole(attempts, "attempts", 1)
    pause = _check_seconds(backoff, "backoff", zero=True)
    if not callable(sleep):
        raise ConfigurationError("sleep must be callable")
    if clock is not None and not callable(clock):
        raise ConfigurationError("clock must be callable")
    now = clock if clock is not None else index.clock
    report = DeliveryReport()
    while True:
        claim = index.claim_notifications(limit, lease=lease)
        batch = _deliver_claim(index, notifier, claim, now, attempts, pause, sleep)
        report = DeliveryReport(*(a + b for a, b in zip(attrs.astuple(report), batch, strict=True)))
        if not claim.notifications and claim.set_aside:
            continue  # a batch of rows that do not parse: there may be more behind it
        if batch[0] == batch[4]:  # nothing handed out, or nothing of it sent and acknowledged
            break
    log.info(
        "delivery: %d sent, %d failed, %d set aside, %d lapsed, %d sent after the lease",
        report.sent,
        report.failed,
        report.set_aside,
        report.lapsed,
        report.unacknowledged,
    )
    return report


def _deliver_claim(
    index: VerwijsIndex,
    notifier: Notifier,
    claim: Claim,
    now: Clock,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], object],
) -> tuple[int, int, int, int, int]:
    """Send one claim's notifications; (sent, failed, set aside, lapsed, unacknowledged)."""
    sent: list[Notification] = []
    failed = lapsed = 0
    for n, notification in enumerate(claim.notifications):
        if now() >= claim.until:
            lapsed = len(claim.notifications) - n
            log.warning("claim %s: the lease ended; %d notifications left unsent", claim.id, lapsed)
            break
        if _deliver_one(index, notifier, notification, attempts, backoff, sleep):
            sent.append(notification)
        else:
            failed += 1
    late = 0
    if sent:
        done = index.acknowledge(attrs.evolve(claim, notifications=tuple(sent)))
        late = len(sent) - done
        if late and now() < claim.until:  # still our lease: deleted meanwhile, with the youth
            log.warning(
                "claim %s: %d notifications sent left the outbox while being sent (their "
                "youth's record was deleted meanwhile); they do not go out again",
                claim.id,
                late,
            )
        elif late:
            log.warning(
                "claim %s: %d notifications sent after the lease ended; they go out again",
                claim.id,
                late,
            )
    return len(sent), failed, claim.set_aside, lapsed, late


def _deliver_one(
    index: VerwijsIndex,
    notifier: Notifier,
    notification: Notification,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], object],
) -> bool:
    kind = notification.kind.value
    try:
        message = compose(notification, index)
    except (NotFoundError, ValidationError) as error:  # no try will do better
        log.warning(
            "notification %s (%s) not sent: %s", notification.id, kind, type(error).__name__
        )
        return False
    failure = ""
    for attempt in range(1, attempts + 1):
        try:
            notifier.send(message)
        except Exception as error:  # a notifier of the application's may raise anything
            failure = type(error).__name__
            if attempt < attempts:
                log.info(
                    "notification %s (%s): attempt %d failed (%s); trying again",
                    notification.id,
                    kind,
                    attempt,
                    failure,
                )
                sleep(backoff * 2 ** (attempt - 1))
        else:
            log.debug("notification %s (%s) sent", notification.id, kind)
            return True
    log.warning(
        "notification %s (%s) not sent after %d attempts: %s",
        notification.id,
        kind,
        attempts,
        failure,
    )
    return False
