"""Housekeeping (onderhoud): the sweep that applies the lifecycle, re-keying, the keys a
store was written with, the match rule its youths were judged by and its change, and the
logbook's checks.

The sweep and re-keying run in batches of ``batch_size`` youths, each batch one
transaction that locks only its own youths, so registrations go on meanwhile.

>>> from datetime import date, datetime, timezone
>>> from verwijsindex.testing import FixedClock, make_index, make_professional, make_subject
>>> clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
>>> index = make_index(clock=clock)
>>> nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
>>> index.add_organisation(nurse.organisation)
>>> _ = index.register(make_subject(bsn="111222333", birth_date=date(2012, 5, 1)), nurse,
...                    ends_on=date(2027, 1, 1))
>>> clock.set(datetime(2027, 1, 2, 1, 0, tzinfo=timezone.utc))
>>> report = index.sweep()
>>> report.expired, report.purged, report.deleted_subjects
(1, 0, 0)
>>> clock.set(datetime(2032, 1, 1, 1, 0, tzinfo=timezone.utc))
>>> index.sweep().purged   # five years on
1
>>> index.sweep(datetime(2032, 1, 1, 9, 0))
Traceback (most recent call last):
    ...
verwijsindex.errors.NaiveDatetimeError: now must be timezone-aware
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any, ClassVar

import attrs

from verwijsindex import _validators as v
from verwijsindex import logbook, signals
from verwijsindex._context import Context, with_siblings
from verwijsindex._copy import copy_with
from verwijsindex._unit import SYSTEM, UnitOfWork
from verwijsindex.clock import check_moment, local_date
from verwijsindex.dossier import Dossier, finish, follow_up_day, replace
from verwijsindex.errors import (
    ConfigurationError,
    InvalidRecordError,
    KeyMismatchError,
    RuleMismatchError,
    StorageError,
)
from verwijsindex.information import CLOCK_TOLERANCE
from verwijsindex.logbook import head_message, refs_message
from verwijsindex.matching import (
    MatchRule,
    Rules,
    archive_purge_date,
    as_of,
    is_due_for_deletion,
)
from verwijsindex.model import Link, LinkStatus, LogAction, Match, NotificationKind
from verwijsindex.pseudonyms import Keyring, PseudonymKey, key_check, log_token
from verwijsindex.pseudonyms import rekey as rekey_pseudonym
from verwijsindex.statistics import StatKind
from verwijsindex.storage import LOG_LANES, LogReadingFrom, Store, Transaction

sweep_log = logging.getLogger("verwijsindex.sweep")
rekey_log = logging.getLogger("verwijsindex.rekey")
rule_log = logging.getLogger("verwijsindex.rule")

__all__ = [
    "HOUSEHOLD_SETTINGS",
    "RULE_SETTING",
    "RuleChange",
    "SweepReport",
    "change_household_rules",
    "change_match_rule",
    "check_household",
    "check_keys",
    "check_rule",
    "judge_again",
    "logbook_anchor",
    "rekey",
    "sweep",
    "verify_logbook",
]

RULE_SETTING = "match_rule"
"""The store's setting that holds the rule its youths were judged by (decision 119)."""
HOUSEHOLD_SETTINGS = ("family_match", "address_match")
"""The options of :class:`~verwijsindex.matching.Rules` that decide whom a household
signal joins, each a setting of the store of its own name, ``on`` or ``off`` (decision
124)."""


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

    COUNTS: ClassVar[tuple[str, ...]] = (
        "expired",
        "purged",
        "deleted_links",
        "deleted_subjects",
        "matches_dissolved",
        "dossiers",
    )
    """The names of the counts, in report order."""


def sweep(ctx: Context, now: datetime | None = None) -> SweepReport:
    """Apply the lifecycle up to *now*: archive ended links, purge the archive after five
    years, delete everything from the 23rd birthday and on death. Idempotent; runs in
    batches, each locking only its own youths, so registrations go on meanwhile.

    *now* defaults to the clock; a moment after the clock's (by more than
    :data:`~verwijsindex.information.CLOCK_TOLERANCE`) raises ``InvalidRecordError``."""
    given = check_moment(now, "now") if now is not None else None
    if given is not None and given > ctx.now() + CLOCK_TOLERANCE:
        # it would stamp the records with a moment still to come, and every registration
        # after it with that moment (decision 30)
        raise InvalidRecordError(
            "now lies after the index's clock: a sweep runs as of a moment that has come"
        )
    return _sweep(ctx, given)


def _sweep(ctx: Context, given: datetime | None) -> SweepReport:
    """Sweep as of *given*, or of the clock: each dossier is then swept as of a moment read
    under its lock (and never earlier than its own latest moment)."""
    at = given if given is not None else ctx.now()
    today = local_date(at)
    totals = dict.fromkeys(SweepReport.COUNTS, 0)
    # Each key is swept once. The store answers due keys in order, and a key swept before
    # comes back only if it is still due afterwards (``stuck``), so asking for
    # ``batch_size + stuck`` keys always holds a full batch of new ones: the cost stays
    # linear in the number of due dossiers (asking for ``batch_size + len(seen)`` was not).
    seen: set[str] = set()
    stuck = 0
    scrub = False
    while True:
        limit = ctx.batch_size + stuck
        with ctx.store.transaction() as tx:
            answer = tx.keys_sweep_due(today, limit)
        due = [k for k in answer if k not in seen]
        if not due:
            if len(answer) < limit:
                break
            stuck += len(answer)  # swept keys made due again meanwhile: look further
            continue
        batch = sorted(due[: ctx.batch_size])
        seen.update(batch)
        # a youth deleted leaves their household's signals, which may need their
        # siblings' locks: the batch is tried again with them (decision 94)
        counted, still, scrubbed = with_siblings(
            functools.partial(_sweep_batch, ctx, batch, given, today), batch
        )
        for name, count in counted.items():
            totals[name] += count
        stuck += still
        scrub = scrub or scrubbed
    with ctx.work() as work:
        work.log(at, SYSTEM, LogAction.SWEEP, count=totals["dossiers"])
    if scrub:  # once, for all the batches
        ctx.scrub()
    report = SweepReport(at=at, **totals)
    sweep_log.info(
        "sweep as of %s: %s", at.isoformat(), ", ".join(f"{k} {totals[k]}" for k in totals)
    )
    return report


def _sweep_batch(
    ctx: Context, batch: list[str], given: datetime | None, today: date, locks: tuple[str, ...]
) -> tuple[dict[str, int], int, bool]:
    """Sweep the youths of *batch* in one transaction holding *locks*: the counts, how many
    are still due afterwards, and whether the store should scrub its files."""
    counted = dict.fromkeys(SweepReport.COUNTS, 0)
    still = 0
    with ctx.work(locks, scrub=False) as work:
        for key in batch:
            still += _sweep_one(ctx, work, key, given, today, counted)
    return counted, still, work.scrub


def _sweep_one(
    ctx: Context,
    work: UnitOfWork,
    key: str,
    given: datetime | None,
    today: date,
    totals: dict[str, int],
) -> bool:
    """Sweep one youth; return whether the dossier is still due on *today* afterwards."""
    dossier = work.load(key)
    if dossier is None or dossier.sweep_due is None or dossier.sweep_due > today:
        return False
    at = work.stamp(dossier, given)
    today = max(today, local_date(at))
    totals["dossiers"] += 1
    subject = dossier.subject
    if is_due_for_deletion(subject, today, ctx.rules):
        for link in dossier.links:
            work.log(at, SYSTEM, LogAction.DELETED, about=dossier, link_id=link.id)
        if subject.died_on is None:  # the age limit; a death is no statistic of the index
            work.count(StatKind.DELETED_AGE_LIMIT.value, dossier, at)
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
            work.count(StatKind.EXPIRED.value, dossier, at)
        if (
            link.status is LinkStatus.ARCHIVED
            and link.archived_on is not None
            and archive_purge_date(link.archived_on, ctx.rules) <= today
        ):
            totals["purged"] += 1
            work.log(at, SYSTEM, LogAction.PURGED, about=dossier, link_id=link.id)
            work.scrub = True
            continue
        links.append(link)
    kept = {lk.id for lk in links}
    dossier = replace(
        dossier,
        links=tuple(links),
        duties=tuple(d for d in dossier.duties if d.link_id in kept),
        informed=tuple(r for r in dossier.informed if r.link_id in kept),
    )
    had_match = dossier.match is not None
    dossier, match = signals.rematch(ctx, work, dossier, at, notify=True)
    if had_match and match is None:
        totals["matches_dissolved"] += 1
    if match is not None:
        dossier = _remind(ctx, work, dossier, match, at, today)
    if not ctx.keep(work, dossier):
        return False
    saved = finish(dossier, ctx.rules)
    return saved.sweep_due is not None and saved.sweep_due <= today


def _remind(
    ctx: Context, work: UnitOfWork, dossier: Dossier, match: Match, at: datetime, today: date
) -> Dossier:
    """Once per match: remind the follow-up checker of the youth's municipality (or, for a
    youth living outside the index's regions, the coordinators of the professionals'
    regions) that the match passed the follow-up period without recorded coordination
    (JW 7.1.3.2)."""
    due = follow_up_day(dossier, ctx.rules)
    if due is None or due > today or match.reminded:
        return dossier
    signals.ask_follow_up(ctx, work, dossier, match, NotificationKind.FOLLOW_UP_REMINDER, at)
    return attrs.evolve(dossier, match=attrs.evolve(match, reminded=True))


def rekey(ctx: Context, new_key: PseudonymKey) -> tuple[Keyring, int]:
    """Move every stored record to pseudonyms under *new_key* added to the ring; return the
    new ring and how many dossiers moved.

    No BSN is needed: each pseudonym gets one more HMAC step. Run it while no registrations
    are made; it can be re-run safely (records already under *new_key* are skipped). The
    store learns the new key's check value before any record moves, and that the key's
    records are moving: until the re-key ends, an index opened on the store refuses to
    work on any youth (decision 86).
    """
    return _rekey(ctx, new_key)


def _rekey(ctx: Context, new_key: PseudonymKey) -> tuple[Keyring, int]:
    if not isinstance(new_key, PseudonymKey):
        raise ConfigurationError("rekey() takes a PseudonymKey")
    attrs.validate(new_key)  # also a key changed after it was made
    ctx.now()  # a clock that cannot be read stops the re-key before anything is written
    old = ctx.keyring
    if new_key.id == old.current_id:
        if new_key != old.keys[-1]:
            raise ConfigurationError("a different key with this id is already in use")
        ring = old
    else:
        ring = old.extended(new_key)
    with ctx.store.transaction() as tx:
        unfinished = [key_id for key_id in tx.key_moves() if key_id != new_key.id]
    if unfinished:  # a key after it would be chained onto records the ring cannot find
        raise ConfigurationError(
            f"a re-key to key id {', '.join(unfinished)} was not finished: run rekey() "
            "with that key first"
        )
    if ring is not old:
        record_key(ctx.store, old, ring)
    now = ctx.now()
    moved = 0
    for keys in _pages(ctx):
        with ctx.store.transaction(keys) as tx:
            for old_key in keys:
                dossier = tx.load(old_key)
                if dossier is None or dossier.subject.key_id == new_key.id:
                    continue
                new = rekey_pseudonym(old_key, new_key)
                if tx.load(new) is not None:  # never overwrite: a youth would lose links
                    raise StorageError(
                        "a dossier stands already under the new pseudonym of one being moved "
                        "(written by an index that did not wait for the re-key): nothing was "
                        "overwritten, and the re-key stops"
                    )
                tx.delete(old_key)
                tx.save(_rekeyed(dossier, new, new_key, old, ring))
                tx.rekey_notifications(old_key, new)
                moved += 1
    with ctx.store.transaction() as tx:
        _reseal(tx, old, ring)  # what a re-key begun before decision 90 left sealed by *old*
        tx.set_key_move(new_key.id, False)  # every record moved: the index may work again
    with attrs.evolve(ctx, keyring=ring).work() as work:
        work.log(now, SYSTEM, LogAction.REKEYED, count=moved)
    rekey_log.info("re-keyed %d dossiers to key %s", moved, new_key.id)
    return ring, moved


def _rekeyed(dossier: Dossier, new: str, key: PseudonymKey, old: Keyring, ring: Keyring) -> Dossier:
    # The new pseudonyms are HMAC outputs (64 hex digits) and every other value comes from
    # the stored, valid dossier: copies without the validators (verwijsindex._copy).
    subject = copy_with(
        dossier.subject,
        key=new,
        key_id=key.id,
        parent_keys=tuple(sorted(rekey_pseudonym(p, key) for p in dossier.subject.parent_keys)),
        address_key=None
        if dossier.subject.address_key is None
        else rekey_pseudonym(dossier.subject.address_key, key),
    )
    links = tuple(copy_with(lk, subject=new) for lk in dossier.links)
    match = copy_with(dossier.match, subject=new) if dossier.match is not None else None
    seal = dossier.log_seal
    token = log_token(dossier.subject.log_secret)
    message = refs_message(token, dossier.logged, dossier.log_digest)
    if old.check_seal(message, seal):  # a seal that did not fit stays as it was, for verify
        seal = ring.seal(message)
    return replace(dossier, subject=subject, links=links, match=match, log_seal=seal)


# --- the match rule the youths were judged by (decision 119) -------------------------------------


def check_rule(store: Store, rule: MatchRule | None) -> MatchRule:
    """The match rule an index on *store* judges by: *rule*, or with ``None`` the one the
    store records. Refuses, with :class:`RuleMismatchError` and before anything about a
    youth is read or written, a *rule* other than the store's, and ``None`` on a store
    that records none. A store that records none (new, or written by a release before
    decision 119) records *rule*; of two processes that record one at once, the first
    stays. A store that records one already is only read (a read-only session opens it)."""
    with store.transaction() as tx:
        if not callable(getattr(tx, "setting", None)) or not callable(
            getattr(tx, "put_setting", None)
        ):
            raise ConfigurationError(
                "the store's transactions have no setting() and put_setting(), which the "
                "store protocol asks for since decision 119"
            )
        stored = tx.setting(RULE_SETTING)
        if stored is None and rule is not None:
            tx.put_setting(RULE_SETTING, rule.value)
            stored = tx.setting(RULE_SETTING)
    if stored is None:
        raise RuleMismatchError(
            "the store records no match rule yet: open it once with the rule its youths "
            "were judged by (match_rule=...), which it then records"
        )
    if rule is not None and stored == rule.value:
        return rule
    if rule is None:
        try:
            return MatchRule(stored)
        except ValueError:
            raise RuleMismatchError(
                "the store records a match rule this release does not know"
            ) from None
    raise RuleMismatchError(
        f"the store's youths were judged by the match rule {stored!r}, and this index is "
        f"set to {rule.value!r}; nothing was read or written: open it with the store's "
        "rule (match_rule=None takes it), or change it with change_match_rule"
    )


def check_household(store: Store, rules: Rules | None) -> Rules:
    """The rules an index on *store* works by: *rules*, or with ``None`` the statute's
    with the household options the store records (:data:`HOUSEHOLD_SETTINGS`). A store
    that records none (new, or written before decision 124) records those of *rules* (the
    statute's for ``None``); of two processes that record them at once, the first stays.
    Refuses, with :class:`RuleMismatchError` and before anything about a youth is read or
    written, *rules* whose household options are not the store's: a worker with family or
    address matches on where the others have them off (or the other way) signals
    households the others would not, or takes youths out of the dwellings they judge."""
    given = rules if rules is not None else Rules()
    with store.transaction() as tx:
        stored = {name: tx.setting(name) for name in HOUSEHOLD_SETTINGS}
        for name, value in stored.items():
            if value is None:
                tx.put_setting(name, "on" if getattr(given, name) else "off")
                stored[name] = tx.setting(name)
    if any(value not in ("on", "off") for value in stored.values()):
        raise RuleMismatchError("the store records household options this release does not know")
    recorded = {name: stored[name] == "on" for name in HOUSEHOLD_SETTINGS}
    if rules is None:
        return attrs.evolve(
            given, family_match=recorded["family_match"], address_match=recorded["address_match"]
        )
    differ = [name for name in HOUSEHOLD_SETTINGS if getattr(rules, name) != recorded[name]]
    if differ:
        raise RuleMismatchError(
            f"the store's youths were judged with {' and '.join(differ)} "
            f"{' and '.join('on' if recorded[n] else 'off' for n in differ)}, and this index's "
            "rules differ; nothing was read or written: open it with the store's (rules=None "
            "takes them), or change them with change_household_rules"
        )
    return rules


def change_household_rules(
    ctx: Context, *, family_match: bool | None = None, address_match: bool | None = None
) -> Context:
    """Record the household options given as the store's; return the context with them
    (decision 124). Nothing is judged again: a family or address match is signalled when
    a link is made (decision 4), so an index that turns one on signals from then on, as
    decision 44 has it. Run it while no other worker registers, then open the workers
    again."""
    changes = {"family_match": family_match, "address_match": address_match}
    for name, value in changes.items():
        if value is not None and not isinstance(value, bool):
            raise ConfigurationError(f"{name} must be True or False")
    given = {name: value for name, value in changes.items() if value is not None}
    if not given:
        raise ConfigurationError(
            "change_household_rules() takes family_match, address_match or both"
        )
    ctx.now()  # a clock that cannot be read stops the change before anything is written
    ctx.check_rekey_finished()  # and so does a re-key begun and not finished
    with ctx.store.transaction() as tx:
        for name, value in given.items():
            tx.put_setting(name, "on" if value else "off", replace=True)
    rules = attrs.evolve(
        ctx.rules,
        family_match=ctx.rules.family_match if family_match is None else family_match,
        address_match=ctx.rules.address_match if address_match is None else address_match,
    )
    return attrs.evolve(ctx, rules=rules)


@attrs.frozen
class RuleChange:
    """What one :meth:`VerwijsIndex.change_match_rule` did: how many youths it judged
    again, and how many matches formed, grew (each told to everyone in it and the
    follow-up checker) or dissolved, of youths whose links stand (a youth of 23 or
    deceased is judged, and neither told nor counted)."""

    rule: MatchRule
    youths: int = 0
    formed: int = 0
    grew: int = 0
    dissolved: int = 0


def change_match_rule(ctx: Context, rule: MatchRule) -> Context:
    """Record *rule* as the store's match rule; return the context with it, for
    :func:`judge_again` to judge every youth by it (decision 119).

    Run it while no other worker registers: a worker opened before it judges by the old
    rule until it is opened again, and is then refused with the old one."""
    if not isinstance(rule, MatchRule):
        raise ConfigurationError("change_match_rule() takes a MatchRule")
    ctx.now()  # a clock that cannot be read stops the change before anything is written
    ctx.check_rekey_finished()  # and so does a re-key begun and not finished
    with ctx.store.transaction() as tx:
        tx.put_setting(RULE_SETTING, rule.value, replace=True)
    return attrs.evolve(ctx, match_rule=rule)


def judge_again(ctx: Context) -> RuleChange:
    """Judge every youth again by the context's match rule (JW 7.1.2.3(1)(c)): a match
    that forms or grows is told as a registration's is, and one that no longer holds
    dissolves (decision 7). Running it again finishes a run that stopped part-way: a
    youth judged already has nothing new to tell."""
    counts = dict.fromkeys(("youths", "formed", "grew", "dissolved"), 0)
    for keys in _pages(ctx):
        with ctx.work(keys) as work:
            for key in keys:
                _judge_again(ctx, work, key, counts)
    rule = ctx.match_rule
    rule_log.info("match rule %s: %s", rule.value, ", ".join(f"{k} {counts[k]}" for k in counts))
    return RuleChange(rule, **counts)


def _pages(ctx: Context) -> Iterator[list[str]]:
    """Every stored key in order, a batch at a time, each page read in a transaction of
    its own: a key written meanwhile after the last one read (a re-key's new pseudonym)
    comes in its turn, one before it does not."""
    after: str | None = None
    while True:
        with ctx.store.transaction() as tx:
            keys = tx.keys(after, ctx.batch_size)
        if not keys:
            return
        after = keys[-1]
        yield keys


def _judge_again(ctx: Context, work: UnitOfWork, key: str, counts: dict[str, int]) -> None:
    """The youth *key* judged by the context's rule: what :func:`signals.rematch` does on
    a registration (which tells no one of a youth who is 23 or deceased, whose links the
    sweep deletes)."""
    dossier = work.load(key)
    if dossier is None:
        return
    now = work.stamp(dossier)
    counts["youths"] += 1
    old = dossier.match
    judged, match = signals.rematch(ctx, work, dossier, now, notify=True)
    if judged is dossier:
        return
    work.save(judged)
    if is_due_for_deletion(dossier.subject, local_date(now), ctx.rules):
        return  # judged, and neither told nor counted: the sweep deletes them
    if old is not None and (match is None or match.id != old.id):
        counts["dissolved"] += 1
    if match is not None and (old is None or match.id != old.id):
        counts["formed"] += 1
    elif match is not None and old is not None and not set(match.links) <= set(old.links):
        counts["grew"] += 1


# --- the keys a store was written with (decision 31) ---------------------------------------------


def check_keys(store: Store, keyring: Keyring, *, adopt: bool = False) -> list[str]:
    """Refuse a keyring that does not fit *store* with :class:`KeyMismatchError`, before
    anything about a youth is read or written: the store keeps each key's check value in
    the order of the ring, and the ring must be exactly that. Returns the ids of the keys
    a re-key began moving records to and did not finish (decision 86).

    A new store records the ring's keys and seals its empty logbook. A store that holds
    records but no check values was written by a release before them: it is refused,
    unless *adopt* says to record the keys and seal its logbook as it stands (once)."""
    ring = _checks(keyring)
    with store.transaction() as tx:
        stored = tx.key_checks()
        if stored:
            if adopt:
                raise ConfigurationError(
                    "this store has key check values already: adopt=True is for a store "
                    "written by a release before them, once"
                )
            _compare(stored, ring)
            return tx.key_moves()
        if not adopt and (tx.keys(None, 1) or tx.log_heads()):
            raise KeyMismatchError(
                "this store holds records but no key check values (it was written by a "
                "release before them): open it once with adopt=True to record the key "
                "and seal its logbook as it stands",
                key_ids=(),
            )
        for key_id, check in ring:
            tx.add_key_check(key_id, check)
        _compare(tx.key_checks(), ring)  # another process may have recorded first
        _seal_as_it_stands(tx, keyring)
        return tx.key_moves()


def record_key(store: Store, old: Keyring, ring: Keyring) -> None:
    """Record the newest key of *ring* (which extends *old*) before a re-key moves records,
    as the key records are moving to until the re-key ends (decision 86)."""
    wanted = _checks(ring)
    with store.transaction() as tx:
        stored = tx.key_checks()
        if stored == wanted:
            return  # a re-key that goes on where it stopped
        _compare(stored, _checks(old))
        tx.add_key_check(*wanted[-1])
        _compare(tx.key_checks(), wanted)
        tx.set_key_move(wanted[-1][0], True)
        # every lane's head sealed under the new key from now on: an index still running
        # with the old ring sees it at its next write and stops (decision 90)
        _reseal(tx, old, ring)


def _reseal(tx: Transaction, old: Keyring, ring: Keyring) -> None:
    """Seal every lane's head under *ring* where *old* sealed it (a seal that did not fit
    stays as it was, for ``verify_logbook``). Each head is read as ``log_head`` reads it,
    locked, lane by lane: a worker appending to a lane meanwhile has finished, and its
    head is the one sealed (read without the lock, the seal was of the head before it)."""
    heads = {lane: tx.log_head(lane) or (0, "") for lane in range(LOG_LANES)}
    seals = tx.log_seals()
    resealed = {}
    for lane, (seq, hash_) in heads.items():
        message = head_message(lane, seq, hash_)
        if old.check_seal(message, seals.get(lane)):
            resealed[lane] = ring.seal(message)
    tx.append_log([], [], resealed)


def _checks(keyring: Keyring) -> list[tuple[str, str]]:
    return [(key.id, key_check(key)) for key in keyring.keys]


def _compare(stored: list[tuple[str, str]], ring: list[tuple[str, str]]) -> None:
    if stored == ring:
        return
    known = dict(stored)
    ids = [key_id for key_id, _ in ring]
    wrong = [key_id for key_id, check in ring if known.get(key_id, check) != check]
    if wrong:
        raise KeyMismatchError(
            f"key id {_names(wrong)} is known to this store with another secret: the key "
            "given is not the one its records were made with",
            key_ids=tuple(wrong),
        )
    missing = [key_id for key_id, _ in stored if key_id not in ids]
    if missing:
        raise KeyMismatchError(
            f"this store holds records made under key id {_names(missing)}, which the "
            "keyring does not hold",
            key_ids=tuple(missing),
        )
    extra = [key_id for key_id in ids if key_id not in known]
    if extra:
        raise KeyMismatchError(
            f"key id {_names(extra)} was never used with this store: a new key is added "
            "with rekey()",
            key_ids=tuple(extra),
        )
    raise KeyMismatchError(
        f"the keyring holds this store's keys in another order; the store's order is "
        f"{_names([key_id for key_id, _ in stored])}",
        key_ids=tuple(ids),
    )


def _names(ids: list[str]) -> str:
    return ", ".join(repr(key_id) for key_id in ids)


def _seal_as_it_stands(tx: Transaction, keyring: Keyring) -> None:
    """Seal every lane's head and each youth's references as they stand (decision 31)."""
    heads = tx.log_heads()
    seals = {}
    for lane in range(LOG_LANES):
        seq, hash_ = heads.get(lane, (0, ""))
        seals[lane] = keyring.seal(head_message(lane, seq, hash_))
    tx.append_log([], [], seals)
    for key, token, _, _, found, digest in tx.log_audit().youths:
        dossier = tx.load(key)
        if dossier is not None:
            seal = keyring.seal(refs_message(token, found, digest))
            tx.save(attrs.evolve(dossier, logged=found, log_digest=digest, log_seal=seal))


# --- the logbook's checks (decision 33) -----------------------------------------------------------


def logbook_anchor(ctx: Context) -> dict[str, Any]:
    """Each lane's last sequence number and hash now, as a small JSON-serialisable dict to
    keep outside the database: :func:`verify_logbook` with it reports any entry at or
    before it that is missing or changed, even by someone who holds the key."""
    with ctx.store.transaction(snapshot=True) as tx:
        heads = tx.log_heads()
    return logbook.make_anchor(heads, ctx.now())


def verify_logbook(
    ctx: Context, anchor: Mapping[str, Any] | str | None = None, *, from_anchor: bool = False
) -> logbook.LogbookReport:
    """Check every hash chain, the sealed heads, each youth's sealed count of references
    to their entries, and, given an *anchor*, that nothing at or before it is missing or
    changed.

    With *from_anchor* (and an *anchor* a full check has already been run against), only
    the entries from each anchored one on are read and chained, with the sealed heads: the
    time is that of the entries after the anchor, where the store offers
    :class:`~verwijsindex.storage.LogReadingFrom`. Each youth's count of references is
    left to the full check, which reads them all."""
    v.flag_argument(from_anchor, "from_anchor")
    if from_anchor and anchor is None:
        raise InvalidRecordError("from_anchor needs an anchor")
    anchored = logbook.read_anchor(anchor) if anchor is not None else None
    with ctx.store.transaction(snapshot=True) as tx:
        heads = tx.log_heads()
        if from_anchor and anchored is not None:
            starts = {lane: seq for lane, (seq, _) in anchored.items()}
            entries = (
                tx.log_entries_from(starts)
                if isinstance(tx, LogReadingFrom)
                else (e for e in tx.log_entries() if e.seq >= starts.get(e.lane, 1))
            )
            report = logbook.verify(entries, heads, anchor=anchored, from_anchor=True)
        else:
            report = logbook.verify(tx.log_entries(), heads, anchor=anchored)
        seals = tx.log_seals()
        audit = None if from_anchor else tx.log_audit()
    problems = list(report.problems)
    problems += logbook.check_seals(heads, seals, ctx.keyring, LOG_LANES)
    if audit is not None:
        problems += logbook.check_refs(audit, ctx.keyring)
    return attrs.evolve(report, ok=not problems, problems=tuple(problems))
