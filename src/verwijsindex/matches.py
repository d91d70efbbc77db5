"""Matches (matches): what a professional sees of the matches they are in, and what they
record after one: who takes the lead (regie) and that they have coordinated.

>>> from datetime import date
>>> from verwijsindex.testing import make_index, make_professional, make_subject
>>> index = make_index()
>>> nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
>>> teacher = make_professional(id="t1", organisation="Sint Jozefschool")
>>> for p in (nurse, teacher):
...     index.add_organisation(p.organisation)
>>> youth = make_subject(bsn="111222333", birth_date=date(2015, 5, 1))
>>> _ = index.register(youth, nurse)
>>> match = index.register(youth, teacher).match
>>> index.set_lead(match.id, nurse).lead
'n1'
>>> index.mark_coordinated(match.id, teacher).coordinated
True
>>> index.mark_coordinated(match.id, "someone-else")
Traceback (most recent call last):
    ...
verwijsindex.errors.AccessDeniedError: only a professional in the match may change it
"""

from __future__ import annotations

from collections.abc import Callable

import attrs

from verwijsindex import signals
from verwijsindex._context import Context, actor, professional_id
from verwijsindex.clock import local_date
from verwijsindex.errors import AccessDeniedError, InvalidRecordError, NotFoundError
from verwijsindex.matching import is_due_for_deletion
from verwijsindex.model import LogAction, Match, Professional
from verwijsindex.roles import Actor

__all__ = ["mark_coordinated", "matches_for", "set_lead"]


def matches_for(ctx: Context, professional: Actor | str) -> list[Match]:
    """The matches the professional is part of, oldest first: none of a youth who is 23 or
    deceased, whose links must all go whether or not the sweep has deleted them yet (JW
    7.1.4.5(2), as :func:`~verwijsindex.links.links_for`)."""
    pid = ctx.professional(professional, name="professional")
    with ctx.store.transaction() as tx:
        found = tx.matches_for_professional(pid)
    today = local_date(ctx.now())
    matches = [
        f.match
        for f in found
        if pid in f.match.professionals and not is_due_for_deletion(f, today, ctx.rules)
    ]
    return sorted(matches, key=lambda m: (m.created_at, m.id))


def set_lead(
    ctx: Context, match_id: str, professional: Professional | str, *, by: Actor | str | None = None
) -> Match:
    """Record which professional in the match takes the lead (regie)."""
    lead = professional_id(professional)

    def change(match: Match) -> Match:
        if lead not in match.professionals:
            raise InvalidRecordError("the lead must be a professional in the match")
        return attrs.evolve(match, lead=lead)

    return _change(ctx, match_id, by if by is not None else lead, LogAction.LEAD_SET, change)


def mark_coordinated(ctx: Context, match_id: str, professional: Actor | str) -> Match:
    """Record that the professionals in the match have coordinated (contact made)."""
    return _change(
        ctx,
        match_id,
        professional,
        LogAction.COORDINATED,
        lambda match: attrs.evolve(match, coordinated=True),
    )


def _change(
    ctx: Context,
    match_id: str,
    by: Actor | str,
    action: LogAction,
    change: Callable[[Match], Match],
) -> Match:
    key = ctx.key_for_match(match_id)
    actor_id = ctx.professional(by, key=key, match_id=match_id)
    denied = False
    with ctx.work([key]) as work:
        dossier = work.load(key)
        if dossier is None or dossier.match is None or dossier.match.id != match_id:
            raise NotFoundError(kind="match", id=match_id)
        now = work.stamp(dossier)
        # the match as it stands now: dissolved, or without a professional whose link
        # ended, whether or not a sweep has run since (decisions 6 and 7)
        dossier, current = signals.rematch(ctx, work, dossier, now, notify=True)
        if current is None or current.id != match_id or signals.in_force(ctx, dossier, now) is None:
            raise NotFoundError(kind="match", id=match_id)
        match: Match = current
        if actor_id not in match.professionals:
            denied = True
            work.log(now, actor(actor_id), LogAction.DENIED, about=dossier, match_id=match_id)
        else:
            match = attrs.evolve(change(match), updated_at=now)
            dossier = attrs.evolve(dossier, match=match)
            work.save(dossier)
            work.log(now, actor(actor_id), action, about=dossier, match_id=match_id)
    if denied:
        raise AccessDeniedError("only a professional in the match may change it")
    return match
