"""Matches and signals (signalen): keeping a youth's match in line with their links, and
telling everyone concerned.

A match notifies every professional in it, with only the *others'* contact details and the
match id (JW 7.1.4.3(2)); the follow-up checker of the youth's municipality (JW 7.1.3.2);
and, when the organisations lie in more than one region, each region's coordinator. A
family match (JW 7.1.2.3(1)(e)) is a signal to the professionals of youths who share a
registered parent.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

import attrs

from verwijsindex._context import Context, actor
from verwijsindex._unit import UnitOfWork, new_id
from verwijsindex.dossier import Dossier
from verwijsindex.errors import UnknownOrganisationError, UnknownProfessionalError
from verwijsindex.matching import find_family_match, find_match
from verwijsindex.model import (
    Contact,
    Link,
    Match,
    MatchKind,
    NotificationKind,
)
from verwijsindex.statistics import StatKind

__all__ = ["LockSiblings", "contacts_of", "family_signal", "notify_match", "regions_of", "rematch"]


class LockSiblings(Exception):
    """A family signal must be logged about siblings the transaction did not lock: the
    caller rolls back and tries again with their locks too."""

    def __init__(self, keys: frozenset[str]) -> None:
        super().__init__()
        self.keys = keys


def rematch(
    ctx: Context,
    work: UnitOfWork,
    dossier: Dossier,
    now: datetime,
    *,
    notify: bool,
) -> tuple[Dossier, Match | None]:
    """Bring the dossier's match in line with its active links; notify on growth.

    A match whose own links no longer make a match has dissolved, whether or not a sweep
    has run since they ended: a match that forms later gets a new id."""
    found = find_match(dossier.links, ctx.match_rule, at=now)
    old = dossier.match
    if old is not None:
        members = set(old.links)
        if (
            find_match([lk for lk in dossier.links if lk.id in members], ctx.match_rule, at=now)
            is None
        ):
            old = None
    if found is None:
        if dossier.match is not None:
            return attrs.evolve(dossier, match=None), None
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
        lead = old.lead if old.lead in professionals else None
        match = attrs.evolve(
            old, links=link_ids, professionals=professionals, updated_at=now, lead=lead
        )
    if old is None:
        work.count(StatKind.MATCHES_MADE.value, dossier, now)
    grew = old is None or not set(link_ids) <= set(old.links)
    if notify and grew:
        notify_match(ctx, work, dossier, match, found, now)
    return attrs.evolve(dossier, match=match), match


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
    code = dossier.subject.address.municipality_code
    follow_up = NotificationKind.FOLLOW_UP
    work.signal(dossier, f"follow-up:{code}", follow_up, code, now, match_id=match.id)
    regions = regions_of(ctx, work, links)
    if len(regions) > 1:
        for region in regions:
            work.signal(
                dossier,
                f"coordinator:{region}",
                NotificationKind.COORDINATOR,
                region,
                now,
                match_id=match.id,
                contacts=contacts,
            )


def contacts_of(work: UnitOfWork, professional_ids: Iterable[str]) -> tuple[Contact, ...]:
    """What a notification may say of each professional: their contact details."""
    contacts = []
    for pid in professional_ids:
        professional = work.professional(pid)
        if professional is None:
            raise UnknownProfessionalError(kind="professional", id=pid)
        contacts.append(Contact.of(professional))
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


def family_signal(
    ctx: Context,
    work: UnitOfWork,
    dossier: Dossier,
    link: Link,
    now: datetime,
    locked: frozenset[str],
) -> None:
    """Signal a family match (JW 7.1.2.3(1)(e)) when the new link joins one.

    The signal is logged about each youth it concerns, which writes to their dossiers:
    when a sibling it concerns is not among *locked*, :class:`LockSiblings` asks the
    caller to try again with their locks."""
    siblings: dict[str, Dossier] = {dossier.key: dossier}
    for parent_key in dossier.subject.parent_keys:
        for key in work.keys_for_parent(parent_key):
            if key not in siblings:
                sibling = work.load(key)
                if sibling is not None:
                    siblings[key] = sibling
    if len(siblings) < 2:
        return
    found = find_family_match([d.links for d in siblings.values()], ctx.match_rule, at=now)
    if found is None or link not in found:
        return
    unlocked = frozenset(lk.subject for lk in found) - locked
    if unlocked:
        raise LockSiblings(unlocked)
    family_id = f"family-{new_id()}"
    professionals = tuple(dict.fromkeys(lk.professional for lk in found))
    contacts = contacts_of(work, professionals)
    notified: set[tuple[str, str]] = set()
    for lk in found:
        if (lk.professional, lk.subject) in notified:
            continue
        notified.add((lk.professional, lk.subject))
        others = tuple(c for c in contacts if c.professional_id != lk.professional)
        sibling = siblings[lk.subject]
        at = work.stamp(sibling, now)  # never before what the sibling's dossier holds
        work.signal(
            sibling,
            actor(lk.professional),
            NotificationKind.FAMILY_MATCH,
            lk.professional,
            at,
            match_id=family_id,
            contacts=others,
        )
