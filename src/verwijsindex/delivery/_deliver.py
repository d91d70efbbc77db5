"""The loop of :mod:`verwijsindex.delivery`: :func:`deliver` claims the outbox batch by
batch, sends each notification through a :class:`Notifier` with a few tries, and
acknowledges what was sent.
"""

from __future__ import annotations

import enum
import logging
import math
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Protocol

import attrs

from verwijsindex._validators import MAX_LIMIT
from verwijsindex.clock import Clock, check_moment
from verwijsindex.delivery._messages import Message, compose
from verwijsindex.errors import (
    ConfigurationError,
    NotFoundError,
    UndeliverableError,
    ValidationError,
)
from verwijsindex.index import VerwijsIndex
from verwijsindex.model import Notification
from verwijsindex.outbox import MAX_LEASE, Claim

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


MAX_ATTEMPTS = 100
"""The most tries :func:`deliver` makes of one notification in a run."""


def _check_whole(value: object, name: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ConfigurationError(f"{name} must be a whole number from {low} to {high}")
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
    sent notifications. A notification that cannot be composed (an unknown professional),
    that the notifier finds undeliverable (:class:`~verwijsindex.errors.UndeliverableError`:
    every recipient refused) or that fails every try is counted as failed and left in the
    outbox, held until its lease ends; a run tries each notification once, so what failed
    never stands in the way of what comes after it.

    What failed returns first when its lease ends while the run goes on: a claim that
    hands out only that holds it again, and the next claim hands out what lies behind it.
    The run stops when a claim hands out nothing, or only what claims in a row took back
    already (a lease shorter than such a row of claims takes would stop it early), or
    when nothing of a claim was sent and acknowledged while the notifier failed for
    another reason than the message (its server away: the rest waits for the next run)
    or the lease ran out.

    *clock* (default: the index's) tells when the lease ends: once it has, the rest of the
    batch is left for another claim rather than sent twice. Logs the totals at INFO and
    each failure at WARNING under ``verwijsindex.delivery``, with notification ids and
    kinds only. A bad argument raises :class:`~verwijsindex.errors.ConfigurationError`
    before anything is claimed; an error of the store goes on to the caller.
    """
    if not callable(getattr(notifier, "send", None)):
        raise ConfigurationError("notifier must have a send(message) method")
    _check_whole(limit, "limit", 1, MAX_LIMIT)
    if not isinstance(lease, timedelta) or not timedelta(0) < lease <= MAX_LEASE:
        raise ConfigurationError("lease must be a timedelta above zero, at most a day")
    _check_whole(attempts, "attempts", 1, MAX_ATTEMPTS)
    pause = _check_seconds(backoff, "backoff", zero=True)
    if pause * (2 ** (attempts - 1) - 1) >= lease.total_seconds():
        raise ConfigurationError(
            "backoff must let the waits between the tries of one notification end within "
            "the lease (backoff x (2 ** (attempts - 1) - 1) seconds)"
        )
    if not callable(sleep):
        raise ConfigurationError("sleep must be callable")
    if clock is not None and not callable(clock):
        raise ConfigurationError("clock must be callable")
    now = clock if clock is not None else index.clock
    try:
        check_moment(now(), "clock")
    except ValidationError:
        raise ConfigurationError("clock must return a timezone-aware datetime") from None
    report = DeliveryReport()
    failed: set[str] = set()  # the notifications that failed in this run
    held: set[str] = set()  # of those, what claims in a row took back (and nothing else)
    while True:
        claim = index.claim_notifications(limit, lease=lease)
        if claim.set_aside:  # rows that do not parse, set aside: there may be more behind
            report = attrs.evolve(report, set_aside=report.set_aside + claim.set_aside)
        if all(n.id in failed for n in claim.notifications):
            # nothing new: what failed came back, its lease over while the run went on;
            # this claim holds it again, and once all of it is held the next claim hands
            # out what lies behind it, or nothing
            ids = {n.id for n in claim.notifications}
            if claim.set_aside or (ids and not ids <= held):
                held |= ids
                continue
            break  # nothing handed out, or only what claims in a row took back already
        held.clear()
        batch, stuck = _deliver_claim(index, notifier, claim, now, attempts, pause, sleep, failed)
        report = DeliveryReport(*(a + b for a, b in zip(attrs.astuple(report), batch, strict=True)))
        if batch[0] == batch[4] and (stuck or batch[3] or batch[4]):
            break  # nothing sent and acknowledged: the notifier is failing, or the lease ran out
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
    failed_before: set[str],
) -> tuple[tuple[int, int, int, int, int], bool]:
    """Send one claim's notifications, but not those in *failed_before* (which gets this
    claim's failures); ((sent, failed, set aside, lapsed, unacknowledged), whether the
    notifier failed for another reason than a message of its own)."""
    sent: list[Notification] = []
    failed = lapsed = 0
    stuck = False
    fresh = [n for n in claim.notifications if n.id not in failed_before]  # the rest: tried
    for n, notification in enumerate(fresh):  # in this run, held by this claim for its lease
        if now() >= claim.until:
            lapsed = len(fresh) - n
            log.warning("claim %s: the lease ended; %d notifications left unsent", claim.id, lapsed)
            break
        outcome = _deliver_one(index, notifier, notification, attempts, backoff, sleep)
        if outcome is _Outcome.SENT:
            sent.append(notification)
        else:
            failed += 1
            failed_before.add(notification.id)
            stuck = stuck or outcome is _Outcome.FAILED
    late = 0
    if sent:
        done = index.acknowledge(attrs.evolve(claim, notifications=tuple(sent)))
        late = len(sent) - done
        if late and now() < claim.until:  # still our lease, by this sender's clock
            log.warning(
                "claim %s: %d notifications sent were no longer held by this claim: deleted "
                "with their youth's record meanwhile, being changed by another transaction, "
                "or taken by a sender whose clock runs ahead of this one's (then they go out "
                "again)",
                claim.id,
                late,
            )
        elif late:
            log.warning(
                "claim %s: %d notifications sent after the lease ended; they go out again",
                claim.id,
                late,
            )
    return (len(sent), failed, 0, lapsed, late), stuck  # set aside: counted by the caller


class _Outcome(enum.Enum):
    SENT = "sent"
    UNDELIVERABLE = "undeliverable"  # the message itself: no try will do better
    FAILED = "failed"  # every try failed: the notifier or its server, perhaps for all


def _deliver_one(
    index: VerwijsIndex,
    notifier: Notifier,
    notification: Notification,
    attempts: int,
    backoff: float,
    sleep: Callable[[float], object],
) -> _Outcome:
    kind = notification.kind.value
    try:
        message = compose(notification, index)
    except (NotFoundError, ValidationError) as error:  # no try will do better
        log.warning(
            "notification %s (%s) not sent: %s", notification.id, kind, type(error).__name__
        )
        return _Outcome.UNDELIVERABLE
    failure = ""
    for attempt in range(1, attempts + 1):
        try:
            notifier.send(message)
        except UndeliverableError as error:
            log.warning(
                "notification %s (%s) not sent: %s", notification.id, kind, type(error).__name__
            )
            return _Outcome.UNDELIVERABLE
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
            return _Outcome.SENT
    log.warning(
        "notification %s (%s) not sent after %d attempts: %s",
        notification.id,
        kind,
        attempts,
        failure,
    )
    return _Outcome.FAILED
