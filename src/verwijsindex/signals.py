"""Matches and signals (signalen): keeping a youth's match in line with their links, and
telling everyone concerned.

A match notifies every professional in it, with only the *others'* contact details and the
match id (JW 7.1.4.3(2)); the follow-up checker of the youth's municipality (JW 7.1.3.2);
and, when the organisations lie in more than one region, each region's coordinator. A
family match (JW 7.1.2.3(1)(e)) is a signal to the professionals of youths who share a
registered parent.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from datetime import date, datetime
from typing import Any

import attrs

from verwijsindex._context import Context, actor
from verwijsindex._copy import unchecked
from verwijsindex._unit import LockSiblings, UnitOfWork, new_id
from verwijsindex.clock import local_date
from verwijsindex.dossier import Dossier, is_current, replace
from verwijsindex.errors import UnknownOrganisationError, UnknownProfessionalError
from verwijsindex.matching import (
    MatchRule,
    active_links,
    find_family_match,
    is_due_for_deletion,
    match_of,
)
from verwijsindex.model import (
    Contact,
    Link,
    Match,
    MatchKind,
    NotificationKind,
)
from verwijsindex.statistics import StatKind

__all__ = [
    "LockSiblings",
    "contacts_of",
    "household_signals",
    "lock_household",
    "notify_match",
    "regions_of",
    "rematch",
    "tell_coordinator",
]

_MATCHES_MADE = StatKind.MATCHES_MADE.value  # read once: an enum's value is a property


def in_force(ctx: Context, dossier: Dossier, now: datetime) -> Match | None:
    """The match the oversight and the professionals act on at *now*: :func:`standing`,
    and none for a youth who is 23 or deceased, all of whose links must go whether or not
    the sweep has deleted them yet (decision 89)."""
    if is_due_for_deletion(dossier.subject, local_date(now), ctx.rules):
        return None
    return standing(ctx, dossier, now)


def standing(ctx: Context, dossier: Dossier, now: datetime) -> Match | None:
    """The dossier's match as :func:`rematch` would leave it at *now*, without writing:
    ``None`` when its own active links no longer make a match, whether or not a sweep has
    run since (decisions 6, 7 and 89); otherwise without the links that ended and a lead
    who left with them."""
    active = active_links(dossier.links, now)
    match = _kept(dossier.match, active, ctx.match_rule)
    if match is None:
        return None
    found = match_of(active, ctx.match_rule) or ()
    return match if tuple(lk.id for lk in found) == match.links else _reshaped(match, found)


def _kept(match: Match | None, active: tuple[Link, ...], rule: MatchRule) -> Match | None:
    """*match* if its own links among *active* still make a match, else ``None``: it has
    dissolved, and a match that forms later gets a new id (decision 7)."""
    if match is None:
        return None
    members = set(match.links)
    own = tuple(lk for lk in active if lk.id in members)
    return match if match_of(own, rule) is not None else None


def _reshaped(match: Match, found: Sequence[Link], **changes: Any) -> Match:
    """*match* made of the links *found*, its lead kept only while still in it."""
    professionals = tuple(dict.fromkeys(lk.professional for lk in found))
    lead = match.lead if match.lead in professionals else None
    links = tuple(lk.id for lk in found)
    return attrs.evolve(match, links=links, professionals=professionals, lead=lead, **changes)


def rematch(
    ctx: Context,
    work: UnitOfWork,
    dossier: Dossier,
    now: datetime,
    *,
    notify: bool,
) -> tuple[Dossier, Match | None]:
    """Bring the dossier's match in line with its active links; with *notify*, tell of
    it when it formed or grew, unless the youth is 23 or deceased (all their links must
    go, and nothing of them is handed out: decision 106).

    A match whose own links no longer make a match has dissolved, whether or not a sweep
    has run since they ended: a match that forms later gets a new id. A change that only
    takes links away (a withdrawal, the sweep) passes *notify* too: under an unchanged
    rule it cannot make a match grow, and where it does (the rule changed since the youth
    was last judged) the match is told as any other is (decision 118)."""
    active = active_links(dossier.links, now)  # what find_match looks at, found once
    found = match_of(active, ctx.match_rule)
    old = _kept(dossier.match, active, ctx.match_rule)
    if found is None:
        if dossier.match is not None:
            return replace(dossier, match=None), None
        return dossier, None
    link_ids = tuple(lk.id for lk in found)
    professionals = tuple(dict.fromkeys(lk.professional for lk in found))
    if old is not None and old.links == link_ids:
        return dossier, old
    if old is None:
        match = Match(
            id=new_id(),
            subject=dossier.key,
            links=link_ids,
            professionals=professionals,
            kind=MatchKind.SUBJECT,
            created_at=now,
            updated_at=now,
        )
    else:
        match = _reshaped(old, found, updated_at=now)
    # a youth of 23 or deceased has every link going: their match is neither told nor
    # counted (a merge, a change of rule; a registration refuses them)
    live = not is_due_for_deletion(dossier.subject, local_date(now), ctx.rules)
    if old is None and live:
        work.count(_MATCHES_MADE, dossier, now)
    grew = old is None or not set(link_ids) <= set(old.links)
    if notify and grew and live:
        notify_match(ctx, work, dossier, match, found, now)
    return replace(dossier, match=match), match


def notify_match(
    ctx: Context,
    work: UnitOfWork,
    dossier: Dossier,
    match: Match,
    links: Sequence[Link],
    now: datetime,
) -> None:
    contacts = contacts_of(work, match.professionals)
    for pid in match.professionals:
        others = tuple(c for c in contacts if c.professional_id != pid)
        kind = NotificationKind.MATCH
        work.signal(dossier, actor(pid), kind, pid, now, match_id=match.id, contacts=others)
    ask_follow_up(ctx, work, dossier, match, NotificationKind.FOLLOW_UP, now)
    regions = regions_of(ctx, work, links)
    if len(regions) > 1:
        for region in regions:
            tell_coordinator(work, dossier, region, now, contacts, match_id=match.id)


def ask_follow_up(
    ctx: Context,
    work: UnitOfWork,
    dossier: Dossier,
    match: Match,
    kind: NotificationKind,
    now: datetime,
) -> None:
    """Ask for *match* to be followed up (JW 7.1.3.2), or remind of it (*kind*): the
    follow-up checker of the youth's municipality or, for a youth who lives outside the
    index's regions (the index knows no address of that municipality), the coordinator
    of each region whose organisations made the match's links, with the professionals'
    contact details and nothing of where the youth lives (decision 110)."""
    code = dossier.subject.address.municipality_code
    if ctx.region_name(code) is not None:
        work.signal(dossier, f"follow-up:{code}", kind, code, now, match_id=match.id)
        return
    contacts = contacts_of(work, match.professionals)
    links = [lk for lk in dossier.links if lk.id in match.links]
    for region in regions_of(ctx, work, links):
        work.signal(
            dossier,
            f"coordinator:{region}",
            kind,
            region,
            now,
            match_id=match.id,
            contacts=contacts,
        )


def tell_of_move(
    ctx: Context,
    work: UnitOfWork,
    dossier: Dossier,
    now: datetime,
    *,
    old_code: str,
    movers: Collection[str] | None = None,
    by: str | None = None,
) -> int:
    """Tell of the youth's move (JW 7.1.2.3(1)(g)): *dossier* has the new address, and
    the youth lived in the municipality *old_code* before. Each professional with an
    active link is told (of those in *movers*, when given; never *by*, who brought the
    new address), and, when the municipality changed, the new municipality and, when the
    region changed, its coordinator get every active link's professional. A
    professional's notice names the others only when they are in the youth's match as it
    stands: the move puts no one in touch whom the match rule did not. Of a municipality
    outside the index's regions the index knows no address: no notice goes to it (decision
    104), and the coordinators of the professionals' regions are asked to follow the
    youth's match up instead (decision 110). Returns how many professionals were told;
    with no active link, no one is."""
    active = [lk for lk in dossier.links if is_current(lk, now)]
    if not active:
        return 0
    new = dossier.subject.address.municipality_code
    contacts = contacts_of(work, dict.fromkeys(lk.professional for lk in active))
    match = standing(ctx, dossier, now)  # as it stands, sweep or not (decision 89)
    matched = set(match.professionals) if match is not None else set()
    told: set[str] = set()
    for link in active:
        professional = link.professional
        if professional in told or professional == by:
            continue
        if movers is not None and professional not in movers:
            continue
        told.add(professional)
        others: tuple[Contact, ...] = ()
        if professional in matched:
            others = tuple(
                c
                for c in contacts
                if c.professional_id != professional and c.professional_id in matched
            )
        work.signal(
            dossier,
            actor(professional),
            NotificationKind.MOVE,
            professional,
            now,
            link_id=link.id,
            contacts=others,
        )
    if new == old_code:
        return len(told)
    new_region, old_region = ctx.region_name(new), ctx.region_name(old_code)
    if new_region is None:  # no address of it is known here: no notice could reach it
        if match is not None and old_region is not None:  # its follow-up passes to the
            # coordinators of the professionals' regions (decision 110)
            ask_follow_up(ctx, work, dossier, match, NotificationKind.FOLLOW_UP, now)
        return len(told)
    # the new municipality follows the match up (JW 7.1.3.2)
    work.signal(
        dossier,
        f"coordinator:{new}",
        NotificationKind.MOVE,
        new,
        now,
        contacts=contacts,
        match_id=match.id if match is not None else None,
    )
    if new_region != old_region:
        tell_coordinator(work, dossier, new_region, now, contacts)
    return len(told)


def tell_coordinator(
    work: UnitOfWork,
    dossier: Dossier,
    region: str,
    now: datetime,
    contacts: tuple[Contact, ...],
    *,
    match_id: str | None = None,
) -> None:
    """Tell *region*'s coordinator: of a match across regions (with its *match_id*), or
    of a youth with active links who moved into the region (without)."""
    work.signal(
        dossier,
        f"coordinator:{region}",
        NotificationKind.COORDINATOR,
        region,
        now,
        match_id=match_id,
        contacts=contacts,
    )


_contact = unchecked(Contact)
"""A :class:`Contact` made without its validators: see :func:`contacts_of`."""


def contacts_of(work: UnitOfWork, professional_ids: Iterable[str]) -> tuple[Contact, ...]:
    """What a notification may say of each professional: their contact details.

    ``Contact.of`` without the validators: each field is one of a
    :class:`~verwijsindex.model.Professional` from the directory, checked as it was made
    and again as it was added or registered, by the same patterns and limits a
    :class:`Contact` has for it (``tests/test_fast_paths.py`` compares the two)."""
    contacts = []
    for pid in professional_ids:
        professional = work.professional(pid)
        if professional is None:
            raise UnknownProfessionalError(kind="professional", id=pid)
        contacts.append(
            _contact(
                professional_id=professional.id,
                name=professional.name,
                organisation=professional.organisation.name,
                email=professional.email,
                phone=professional.phone,
            )
        )
    return tuple(contacts)


def regions_of(ctx: Context, work: UnitOfWork, links: Iterable[Link]) -> list[str]:
    """The names of the regions whose organisations made *links*, in order."""
    names: dict[str, None] = {}
    for organisation_id in dict.fromkeys(lk.organisation for lk in links):
        organisation = work.organisation(organisation_id)
        if organisation is None:
            raise UnknownOrganisationError(kind="organisation", id=organisation_id)
        names[ctx.region_of(organisation.municipality_code).name] = None
    return list(names)


def household_signals(
    ctx: Context,
    work: UnitOfWork,
    dossier: Dossier,
    link: Link,
    now: datetime,
    locked: Collection[str],
) -> None:
    """Signal a family match and an address match (JW 7.1.2.3(1)(e)) when the new link
    joins one: links on youths who share a registered parent, and (when
    ``Rules.address_match`` is on) on youths registered at one dwelling. A family is the
    youths who share one parent (decision 81); the dwelling's match is judged on every
    youth there, siblings too, and tells everyone in it, also a professional a family
    signal of the same link told of the same others (decision 120). The signal names no
    other youth: each professional learns the others' contact details.

    The signal is logged about each youth it concerns, which writes to their dossiers:
    when a youth it concerns is not among *locked*, :class:`LockSiblings` asks the caller
    to try again with their locks (all of them at once)."""
    subject = dossier.subject
    groups = _groups(
        ctx, work, subject.key, subject.parent_keys, subject.address_key, link, now, dossier.links
    )
    _ask_for_locks(groups, locked)
    for kind, found, members in groups:
        youths = {dossier.key: dossier, **members}
        _signal(work, youths, kind, found, now, link, _told_before(ctx, youths, found, link, now))


def lock_household(
    ctx: Context,
    work: UnitOfWork,
    key: str,
    parents: tuple[str, ...],
    address_key: str | None,
    links: tuple[Link, ...],
    link: Link,
    now: datetime,
    locked: Collection[str],
) -> None:
    """:class:`LockSiblings` *before* a registration draws an id or writes anything, when
    its new *link* (made with a stand-in id, as *links* end with it) will join a household
    match with youths not among *locked*: :func:`household_signals` would ask for their
    locks anyway, after the whole registration was made and had to be rolled back."""
    _ask_for_locks(_groups(ctx, work, key, parents, address_key, link, now, links), locked)


_Group = tuple[NotificationKind, tuple[Link, ...], dict[str, Dossier]]


def _groups(
    ctx: Context,
    work: UnitOfWork,
    key: str,
    parents: tuple[str, ...],
    address_key: str | None,
    link: Link,
    now: datetime,
    links: tuple[Link, ...],
) -> list[_Group]:
    """The household matches the youth *key*'s new *link* joins, with the other youths
    in each: a family per parent first (youths who share that parent; two parents with the
    same children are one family, and a family whose match another one holds whole is not
    signalled twice), then the dwelling's, every youth there. *links* are the youth's
    links, the new one among them."""
    groups: list[_Group] = []
    if ctx.rules.family_match:
        families: dict[frozenset[str], dict[str, Dossier]] = {}
        for parent in parents:
            siblings = _others(ctx, work, key, [work.keys_for_parent(parent)], now)
            if siblings:
                families.setdefault(frozenset(siblings), siblings)
        found_by_family = [
            (found, members)
            for members in families.values()
            if (found := _household_match(ctx, links, members, link, now)) is not None
        ]
        held = [frozenset(lk.id for lk in found) for found, _ in found_by_family]
        for i, (found, members) in enumerate(found_by_family):
            if any(held[i] < other or (held[i] == other and j < i) for j, other in enumerate(held)):
                continue  # another family's match holds this one whole
            groups.append((NotificationKind.FAMILY_MATCH, found, members))
    if ctx.rules.address_match and address_key is not None:
        # every youth at the dwelling, siblings too: their links together make the match,
        # and everyone in it is told, as in a subject match (decision 120)
        there = _others(ctx, work, key, [work.keys_for_address(address_key)], now)
        found = _household_match(ctx, links, there, link, now) if there else None
        if found is not None:
            groups.append((NotificationKind.ADDRESS_MATCH, found, there))
    return groups


def _ask_for_locks(groups: list[_Group], locked: Collection[str]) -> None:
    unlocked = frozenset(lk.subject for _, found, _ in groups for lk in found).difference(locked)
    if unlocked:
        raise LockSiblings(unlocked)


def _others(
    ctx: Context, work: UnitOfWork, own: str, key_lists: list[list[str]], now: datetime
) -> dict[str, Dossier]:
    """The other youths under the keys of *key_lists*, as the unit has them; not one whose
    links must all go by *now* (23 or deceased) and whom the sweep has not deleted yet."""
    others: dict[str, Dossier] = {}
    today: date | None = None
    for keys in key_lists:
        for key in keys:
            if key != own and key not in others:
                other = work.load(key)
                if other is None:
                    continue
                today = today or local_date(now)
                if not is_due_for_deletion(other.subject, today, ctx.rules):
                    others[key] = other
    return others


def _household_match(
    ctx: Context, links: tuple[Link, ...], others: dict[str, Dossier], link: Link, now: datetime
) -> tuple[Link, ...] | None:
    """The links of a household match that the new *link* joins, or ``None``."""
    youths = [links, *(other.links for other in others.values())]
    found = find_family_match(youths, ctx.match_rule, at=now)
    return found if found is not None and link in found else None


def _told_before(
    ctx: Context, youths: dict[str, Dossier], found: tuple[Link, ...], new: Link, now: datetime
) -> frozenset[str]:
    """The ids of the links of *found* that the old index told of each other, the new one
    among them: when the new link was imported in migration mode, those imported the same
    way that make a household match with it on their own (decision 93); none otherwise."""
    if new.id not in youths[new.subject].silent:
        return frozenset()
    quiet: dict[str, list[Link]] = {}
    for lk in found:
        if lk.id in youths[lk.subject].silent:
            quiet.setdefault(lk.subject, []).append(lk)
    old = find_family_match(list(quiet.values()), ctx.match_rule, at=now)
    return frozenset(lk.id for lk in old) if old is not None and new in old else frozenset()


def _signal(
    work: UnitOfWork,
    youths: dict[str, Dossier],
    kind: NotificationKind,
    found: tuple[Link, ...],
    now: datetime,
    new: Link,
    told: frozenset[str],
) -> None:
    """Tell each professional in the household match *found* of the others. When the new
    link was imported in migration mode, the old index told it and the links of *told* of
    each other (decision 93): those are not told again, neither of each other nor the new
    link's professional of them; when *found* is *told* whole, no one is told."""
    if told and all(lk.id in told for lk in found):
        return
    prefix = "family" if kind is NotificationKind.FAMILY_MATCH else "address"
    signal_id = f"{prefix}-{new_id()}"
    professionals = tuple(dict.fromkeys(lk.professional for lk in found))
    contacts = contacts_of(work, professionals)
    notified: set[tuple[str, str]] = set()
    known = {lk.professional for lk in found if lk.id in told and lk.id != new.id}
    for lk in found:
        if (lk.professional, lk.subject) in notified:
            continue
        if lk.id in told and lk.id != new.id:
            continue  # the old index told it of the new one
        notified.add((lk.professional, lk.subject))
        others = tuple(c for c in contacts if c.professional_id != lk.professional)
        if lk.id == new.id and known:
            others = tuple(c for c in others if c.professional_id not in known)
            if not others:
                continue
        youth = youths[lk.subject]
        at = work.stamp(youth, now)  # never before what the youth's dossier holds
        work.signal(
            youth,
            actor(lk.professional),
            kind,
            lk.professional,
            at,
            match_id=signal_id,
            contacts=others,
            through=lk.id,
        )
