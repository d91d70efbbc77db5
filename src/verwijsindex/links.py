"""Links (koppelingen): registering that a professional is involved, withdrawing it, and
what a professional may read of their own links and a youth's history.

>>> from datetime import date, datetime, timezone
>>> from verwijsindex.testing import FixedClock, make_index, make_professional, make_subject
>>> index = make_index(clock=FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)))
>>> nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
>>> index.add_organisation(nurse.organisation)
>>> youth = make_subject(bsn="111222333", birth_date=date(2012, 5, 1))
>>> link = index.register(youth, nurse).link
>>> link.ends_on                                   # two years at most (JW 7.1.4.5(2)(a))
datetime.date(2028, 11, 23)
>>> index.register(youth, nurse, reden="zorgen")   # never why
Traceback (most recent call last):
    ...
verwijsindex.errors.ForbiddenFieldError: field 'reden' may not be stored: ...
>>> from verwijsindex.model import WithdrawalReason
>>> index.withdraw(link.id, by=nurse, reason=WithdrawalReason.RISK_RESOLVED).status.value
'archived'
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import date, datetime

import attrs

from verwijsindex import _validators as v
from verwijsindex import signals
from verwijsindex._context import Context, actor, with_siblings
from verwijsindex._copy import copy_with
from verwijsindex._unit import SYSTEM, UnitOfWork, new_id
from verwijsindex.clock import check_moment, local_date
from verwijsindex.dossier import (
    Dossier,
    InformationDuty,
    SubjectRecord,
    duty_of,
    find_link,
    is_current,
    replace,
)
from verwijsindex.errors import (
    AccessDeniedError,
    ForbiddenFieldError,
    InvalidRecordError,
    NotFoundError,
    UnknownOrganisationError,
)
from verwijsindex.information import CLOCK_TOLERANCE, told_by_age
from verwijsindex.matching import (
    Disposition,
    active_links,
    as_of,
    check_ends_on,
    check_registrable,
    disposition,
    information_due,
    is_due_for_deletion,
    withdrawal_event,
)
from verwijsindex.model import (
    Link,
    LinkStatus,
    LogAction,
    Match,
    Organisation,
    Professional,
    Recipient,
    Subject,
    WithdrawalReason,
    check_no_bsn,
    check_not_the_youths,
    looks_like_free_text,
)
from verwijsindex.pseudonyms import new_log_secret
from verwijsindex.roles import Actor
from verwijsindex.statistics import StatKind

__all__ = [
    "Prepared",
    "Registration",
    "history",
    "links_for",
    "prepare",
    "register",
    "register_in",
    "withdraw",
]

log = logging.getLogger("verwijsindex.links")
_LINKS_MADE = StatKind.LINKS_MADE.value  # read once: an enum's value is a property


@attrs.frozen
class Registration:
    """The outcome of :meth:`VerwijsIndex.register <verwijsindex.index.VerwijsIndex.register>`.

    ``information_duty`` lists whom the professional must inform (by the notification
    policy of their organisation's region); ``archive_hint`` is true, once per
    professional, when the youth has archived links (JW 7.1.4.6(2)); ``created`` is false
    when the professional already had an active link and that link is returned.
    """

    link: Link
    match: Match | None
    information_duty: frozenset[Recipient]
    archive_hint: bool
    created: bool


@attrs.frozen
class Prepared:
    """A registration checked as far as it can be without the lock: the values, the
    pseudonyms, the locks. What depends on the moment is checked under the lock."""

    subject: Subject
    professional: Professional
    key: str
    parents: tuple[str, ...]
    ends_on: date | None
    created_at: datetime | None
    locks: tuple[str, ...]
    address_key: str | None = None


def refuse_extra(extra: Mapping[str, object]) -> None:
    """Any keyword beyond the statute's is refused; one that would record *why* is a
    :class:`ForbiddenFieldError`."""
    for name in extra:
        if looks_like_free_text(name):
            raise ForbiddenFieldError(field=name)
        raise InvalidRecordError("register() takes no other keyword arguments")


def register(
    ctx: Context,
    subject: Subject,
    professional: Actor,
    *,
    ends_on: date | None = None,
    extra: Mapping[str, object] | None = None,
) -> Registration:
    """Record that *professional* is involved with *subject* (melding), and match.

    A youth of 23 or older, a deceased youth, an end date in the past or beyond two years,
    an unknown organisation or any extra field (a reason above all) raise a library error,
    and nothing is written. The link is stamped with a moment read while the youth's lock
    is held, never earlier than the youth's latest stored change (decision 30)."""
    refuse_extra(extra or {})
    if not isinstance(professional, Professional):
        key = ctx.pseudonym(v.model_argument(subject, Subject, "subject").number)
        ctx.professional(professional, name="professional", key=key)  # refuses other roles
        raise InvalidRecordError("register() takes a Professional")
    prepared = prepare(ctx, subject, professional, ends_on, None)
    # with_siblings(run, prepared.locks) spelled out: the same tries with the same locks,
    # without a closure and a call for the one try nearly every registration takes
    held = frozenset(prepared.locks)
    while True:
        locks = tuple(sorted(held))
        try:
            with ctx.work(locks) as work:
                stored = work.load(prepared.key)
                # the directory this registration may need, read at once (one loop, not
                # two generators)
                organisation_ids = [professional.organisation.id]
                professional_ids = [professional.id]
                for link in stored.links if stored is not None else ():
                    organisation_ids.append(link.organisation)
                    professional_ids.append(link.professional)
                work.prefetch(organisation_ids, professional_ids, log_head=True)
                organisation = known_organisation(work, professional)
                return register_in(ctx, work, prepared, organisation, locks)
        except signals.LockSiblings as more:
            if more.keys <= held:  # pragma: no cover - the signal asks only for new locks
                raise
            held |= more.keys


def prepare(
    ctx: Context,
    subject: Subject,
    professional: Professional,
    ends_on: date | None,
    created_at: datetime | None,
) -> Prepared:
    """Check *subject* and *professional* and make the youth's and parents' pseudonyms."""
    v.model_argument(subject, Subject, "subject")
    v.model_argument(professional, Professional, "professional")
    check_not_the_youths(professional, subject)
    if ends_on is not None and (not isinstance(ends_on, date) or isinstance(ends_on, datetime)):
        raise InvalidRecordError("ends_on must be a date")
    key = ctx.pseudonym(subject.number)
    parents = tuple(sorted({ctx.pseudonym(p) for p in subject.parents}))
    locks = (key, *parents) if ctx.rules.family_match else (key,)
    address_key = ctx.address_key(subject.address)
    if address_key is not None:  # registrations at one dwelling wait for each other
        locks = (*locks, address_key)
    return Prepared(subject, professional, key, parents, ends_on, created_at, locks, address_key)


def known_organisation(work: UnitOfWork, professional: Professional) -> Organisation:
    """The professional's organisation as the index knows it, or
    :class:`UnknownOrganisationError` when it has not signed the agreement."""
    organisation = work.organisation(professional.organisation.id)
    if organisation is None:
        raise UnknownOrganisationError(
            "the professional's organisation has not signed the agreement of this index "
            "(add_organisation)",
            kind="organisation",
            id=professional.organisation.id,
        )
    return organisation


def register_in(
    ctx: Context,
    work: UnitOfWork,
    p: Prepared,
    organisation: Organisation,
    locks: Sequence[str],
    *,
    notify: bool = True,
) -> Registration:
    """Register under the locks of *work*: stamp, check what depends on the moment, add
    the link (or return the active one), rematch, and signal a family match."""
    professional = p.professional
    check_no_bsn(professional, stored=organisation)  # decisions 114, 115
    dossier = work.load(p.key)
    now = work.stamp(dossier)
    created_at = now
    if p.created_at is not None:  # a historical link, imported
        created_at = check_moment(p.created_at, "created_at")  # kept in UTC, as the rest
        if created_at > now + CLOCK_TOLERANCE:
            raise InvalidRecordError("created_at lies in the future")
        if created_at > now:  # the import's host runs a little ahead: made now
            created_at = now
        if local_date(created_at) < p.subject.birth_date:
            raise InvalidRecordError("created_at lies before the youth's birth_date")
    age = check_registrable(p.subject, created_at, ctx.rules)
    if created_at < now:
        check_registrable(p.subject, now, ctx.rules)
    ends_on = check_ends_on(created_at, p.ends_on, ctx.rules)
    if ends_on <= local_date(now):
        field = "created_at" if p.ends_on is None else "ends_on"  # the one to correct
        raise InvalidRecordError(f"{field}: the link ended before the import; nothing to keep")
    duty = ctx.region_of(organisation.municipality_code).policy.recipients(age)
    if dossier is not None:
        for link in dossier.links:
            if link.professional == professional.id and is_current(link, now):
                work.put_professional(professional)  # new contact details (decision 8)
                parents = _parents_with(p.parents, dossier)
                if parents != dossier.subject.parent_keys:  # a parent named now (decision 76)
                    record = attrs.evolve(dossier.subject, parent_keys=parents)
                    work.save(replace(dossier, subject=record))
                return _not_made(dossier, link, dossier.match, duty)
        if created_at < now:  # a historical record, dated by its source
            for link in dossier.links:
                if (
                    link.professional == professional.id
                    and link.created_at == created_at
                    and link.withdrawal_reason is not None
                ):  # imported before and withdrawn since: an import run again brings
                    # back no withdrawn link (decision 108); one that ended may be lengthened
                    return _not_made(dossier, link, None, duty)  # archived: in no match
    # A registration adds the parents it names to those registered before and removes none
    # (decision 76): a professional who knows no parent does not undo another's family match.
    parents = _parents_with(p.parents, dossier)
    if ctx.rules.family_match and not set(parents) <= set(locks):
        # a registered parent this registration did not name: its siblings wait on its lock
        raise signals.LockSiblings(frozenset(parents) - frozenset(locks))
    address_key = p.address_key  # ctx.address_key(p.subject.address), made by prepare()
    # in migration too: a household with a link made here is told (decision 93)
    household = (ctx.rules.family_match and bool(parents)) or bool(address_key)
    stand_in = None
    if household:  # siblings to lock are asked for before anything is drawn or written
        stand_in = Link(
            id=_STAND_IN,
            subject=p.key,
            professional=professional.id,
            organisation=organisation.id,
            created_at=created_at,
            ends_on=ends_on,
        )
        links = (*(dossier.links if dossier is not None else ()), stand_in)
        signals.lock_household(ctx, work, p.key, parents, address_key, links, stand_in, now, locks)
    if address_key is None and dossier is not None:  # address matches off: the stored
        # dwelling's key stays (decision 123); the signals above judged none
        address_key = ctx.address_key(p.subject.address, dossier.subject)
    record = _subject_record(ctx, p, dossier, parents, address_key)
    moved_from = None  # the municipality the youth lived in, when this address is new
    if (
        notify
        and p.created_at is None  # a historical record's address may be older: no news
        and dossier is not None
        and ctx.current_address(dossier.subject.address) != record.address
    ):
        moved_from = ctx.current_code(dossier.subject.address.municipality_code)
    if dossier is None:
        dossier = Dossier(subject=record)
        work.stamp(dossier, now)  # a new dossier is stamped with its first change
    duties = dossier.duties
    if record != dossier.subject:  # the general data changed: the old goes from the files
        work.scrub = True
        if record.birth_date != dossier.subject.birth_date:  # and who is told of each link
            duties = tuple(told_by_age(ctx, work, dossier, d, record.birth_date) for d in duties)
    # the new record goes into the dossier with the link, below, in one replace(): nothing
    # until then reads the dossier's subject
    work.put_professional(professional)
    if stand_in is not None:  # the same fields, checked as it was made; the id is new_id()'s
        link = copy_with(stand_in, id=new_id())
    else:
        link = Link(
            id=new_id(),
            subject=p.key,
            professional=professional.id,
            organisation=organisation.id,
            created_at=created_at,
            ends_on=ends_on,
        )
    archive_hint = professional.id not in dossier.hinted and any(
        not is_current(lk, now) for lk in dossier.links
    )
    dossier = replace(
        dossier,
        subject=record,
        links=(*dossier.links, link),
        hinted=dossier.hinted | {professional.id} if archive_hint else dossier.hinted,
        duties=(
            *duties,
            InformationDuty(link.id, duty, information_due(created_at, ctx.rules)),
        ),
        silent=dossier.silent if notify else dossier.silent | {link.id},
    )
    work.log(now, actor(professional.id), LogAction.REGISTERED, about=dossier, link_id=link.id)
    work.count(_LINKS_MADE, dossier, now)
    log.debug("registered link %s by %s", link.id, professional.id)
    if archive_hint:
        work.log(now, actor(professional.id), LogAction.HISTORY_LOOKUP, about=dossier)
    had = dossier.match
    # migration: a match of the links it imported alone was told by the old index
    tell = notify or any(lk.id not in dossier.silent for lk in active_links(dossier.links, now))
    dossier, match = signals.rematch(ctx, work, dossier, now, notify=tell)
    if match is not None and match != had:
        log.debug("link %s made or joined match %s", link.id, match.id)
        if not tell:  # the match is formed and logged, no one is told (decision 93)
            work.log(now, SYSTEM, LogAction.MATCHED, about=dossier, match_id=match.id)
    work.save(dossier)
    if moved_from is not None:  # before the move notice: tell of it now (decision 112)
        signals.tell_of_move(ctx, work, dossier, now, old_code=moved_from, by=professional.id)
    if household:
        signals.household_signals(ctx, work, dossier, link, now, locks)
    return Registration(
        link=link, match=match, information_duty=duty, archive_hint=archive_hint, created=True
    )


_STAND_IN = "stand-in"
"""The id of the new link as :func:`signals.lock_household` sees it: no id is drawn for a
registration that will have to start again with more locks."""


def _not_made(
    dossier: Dossier, link: Link, match: Match | None, duty: frozenset[Recipient]
) -> Registration:
    """The registration that finds *link* made already: nothing new, no archive hint."""
    return Registration(
        link=link,
        match=match,
        information_duty=duty_of(dossier, link.id, duty),
        archive_hint=False,
        created=False,
    )


def _parents_with(named: tuple[str, ...], dossier: Dossier | None) -> tuple[str, ...]:
    """The parents *named* and those registered in *dossier* before, in order."""
    if dossier is None or set(dossier.subject.parent_keys) <= set(named):
        return named
    return tuple(sorted({*named, *dossier.subject.parent_keys}))


def _subject_record(
    ctx: Context,
    p: Prepared,
    dossier: Dossier | None,
    parents: tuple[str, ...],
    address_key: str | None,
) -> SubjectRecord:
    s = p.subject
    return SubjectRecord(
        key=p.key,
        key_id=ctx.keyring.current_id,
        name=s.name,
        gender=s.gender,
        birth_date=s.birth_date,
        address=ctx.current_address(s.address),
        log_secret=dossier.subject.log_secret if dossier is not None else new_log_secret(),
        parent_keys=parents,
        died_on=s.died_on,
        address_key=address_key,
        former_secrets=dossier.subject.former_secrets if dossier is not None else (),
    )


def withdraw(
    ctx: Context, link_id: str, *, by: Actor | str, reason: WithdrawalReason
) -> Link | None:
    """Withdraw a link on one of the two statutory grounds (JW 7.1.4.5(1)): archived on
    ``RISK_RESOLVED`` (returned), deleted on ``UNJUSTIFIED`` (``None``). A link that has
    ended or was withdrawn before is in the archive: it can still be found unjustified,
    and is then deleted from it (decision 103)."""
    if not isinstance(reason, WithdrawalReason):
        if isinstance(reason, str):
            raise ForbiddenFieldError(
                "reason must be a WithdrawalReason (RISK_RESOLVED or UNJUSTIFIED); "
                "free text is never stored",
                field="reason",
            )
        raise InvalidRecordError("reason must be a WithdrawalReason")
    key = ctx.key_for_link(link_id)
    actor_id = ctx.professional(by, key=key, link_id=link_id)

    def run(locks: tuple[str, ...]) -> tuple[bool, Link | None]:
        denied = False
        result: Link | None = None
        with ctx.work(locks) as work:
            dossier, link = find_link(work.load(key), link_id)
            before = dossier
            now = work.stamp(dossier)
            if link.professional != actor_id:
                denied = True
                work.log(now, actor(actor_id), LogAction.DENIED, about=dossier, link_id=link_id)
            elif not is_current(link, now) and reason is not WithdrawalReason.UNJUSTIFIED:
                # withdrawn, or archived by its end day (swept or not): nothing to archive;
                # a link found unjustified is deleted from the archive too (decision 103)
                raise NotFoundError(kind="active link", id=link_id)
            else:
                deleting = disposition(withdrawal_event(reason)) is Disposition.DELETE
                if deleting:
                    dossier = attrs.evolve(
                        dossier,
                        links=tuple(lk for lk in dossier.links if lk.id != link_id),
                        duties=tuple(d for d in dossier.duties if d.link_id != link_id),
                        informed=tuple(r for r in dossier.informed if r.link_id != link_id),
                    )
                else:
                    result = attrs.evolve(
                        link,
                        status=LinkStatus.ARCHIVED,
                        archived_on=local_date(now),
                        withdrawal_reason=reason,
                    )
                    dossier = attrs.evolve(
                        dossier,
                        links=tuple(result if lk.id == link_id else lk for lk in dossier.links),
                    )
                work.log(now, actor(actor_id), LogAction.WITHDRAWN, about=dossier, link_id=link_id)
                work.count(
                    StatKind.WITHDRAWN_UNJUSTIFIED.value
                    if deleting
                    else StatKind.WITHDRAWN_RISK_RESOLVED.value,
                    dossier,
                    now,
                )
                dossier, _ = signals.rematch(ctx, work, dossier, now, notify=True)
                if deleting and dossier.links:  # the last link takes the youth along
                    match = dossier.match
                    spans = [lk for lk in dossier.links if match and lk.id in match.links]
                    work.forget_link(before, dossier, link, signals.regions_of(ctx, work, spans))
                ctx.keep(work, dossier, replaces=deleting)
        return denied, result

    # the last link withdrawn as unjustified takes the youth out of their household's
    # signals, which may need their siblings' locks (decision 94)
    denied, result = with_siblings(run, [key])
    if denied:
        raise AccessDeniedError("only the professional who made a link may withdraw it")
    return result


def links_for(ctx: Context, professional: Actor | str) -> list[Link]:
    """The professional's own links, active and archived, as the lifecycle has them now:
    none of a youth who is 23 or deceased, whose links must all go whether or not the
    sweep has deleted them yet (JW 7.1.4.5(2), as :func:`history`)."""
    pid = ctx.professional(professional, name="professional")
    with ctx.store.transaction() as tx:
        dossiers = [tx.load(k) for k in tx.keys_for_professional(pid)]
    now = ctx.now()
    today = local_date(now)
    links = [
        as_of(lk, now)
        for d in dossiers
        if d is not None and not is_due_for_deletion(d.subject, today, ctx.rules)
        for lk in d.links
        if lk.professional == pid
    ]
    return sorted(links, key=lambda lk: (lk.created_at, lk.id))


def history(ctx: Context, subject: Subject, professional: Actor | str) -> list[Link]:
    """The youth's archived links, for a professional holding an active link (logged). A
    youth who is 23 or deceased has no active link and no archive, whether or not the sweep
    has deleted them yet (JW 7.1.4.5(2), decision 89): refused like anyone without one."""
    v.model_argument(subject, Subject, "subject")
    key = ctx.pseudonym(subject.number)
    pid = ctx.professional(professional, name="professional", key=key)
    denied = False
    archived: list[Link] = []
    with ctx.work([key]) as work:
        dossier = work.load(key)
        now = work.stamp(dossier)
        if (
            dossier is None
            or is_due_for_deletion(dossier.subject, local_date(now), ctx.rules)
            or not any(lk.professional == pid and is_current(lk, now) for lk in dossier.links)
        ):
            denied = True
            work.log(now, actor(pid), LogAction.DENIED, about=dossier)
        else:
            archived = [as_of(lk, now) for lk in dossier.links if not is_current(lk, now)]
            work.log(now, actor(pid), LogAction.HISTORY_LOOKUP, about=dossier)
    if denied:
        raise AccessDeniedError("history is only open to a professional with an active link")
    return archived
