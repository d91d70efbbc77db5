"""Data-subject rights, the store side (rechten van betrokkenen): access, export,
rectification, erasure and routing, for a rights officer of a controlling municipality.

The public functions are in :mod:`verwijsindex.privacy` and on
:class:`~verwijsindex.index.VerwijsIndex`; the rules of a request (who may file, by when)
are in :mod:`verwijsindex.subject_requests`.
"""

from __future__ import annotations

import logging
from datetime import date, datetime

import attrs

from verwijsindex import _validators as v
from verwijsindex._context import Context, with_siblings
from verwijsindex._unit import UnitOfWork
from verwijsindex.clock import add_months, local_date
from verwijsindex.dossier import Dossier
from verwijsindex.errors import InvalidRecordError, NotFoundError, TamperedLogbookError
from verwijsindex.information import told_by_age
from verwijsindex.logbook import refs_digest, refs_message
from verwijsindex.matching import as_of, check_general_data
from verwijsindex.model import LogAction, LogEntry, Subject
from verwijsindex.notices import move_in
from verwijsindex.pseudonyms import Keyring, entry_ref, log_token, unseal_id
from verwijsindex.roles import Actor, RightsOfficer, actor_name, checked_actor
from verwijsindex.service_number import ServiceNumber
from verwijsindex.signals import standing
from verwijsindex.storage import Transaction
from verwijsindex.subject_requests import (
    AccessReport,
    GeneralData,
    LinkReport,
    RequestKind,
    RequestStatus,
    RightsRequest,
    Route,
    check_requesters,
    require_granted,
)

__all__ = ["access_report", "erase", "export", "rectify", "route"]

log = logging.getLogger("verwijsindex.rights")


def _officer(ctx: Context, by: Actor, request: RightsRequest) -> RightsOfficer:
    v.model_argument(request, RightsRequest, "request")
    checked_actor(by)
    if not isinstance(by, RightsOfficer):
        key = ctx.pseudonym(request.subject)
        raise ctx.deny(by, "data-subject requests are handled by a rights officer", key=key)
    return by


def _controls(ctx: Context, work: UnitOfWork, dossier: Dossier, officer: RightsOfficer) -> bool:
    codes = set()
    for organisation_id in {lk.organisation for lk in dossier.links}:
        organisation = work.organisation(organisation_id)
        if organisation is not None:
            codes.add(ctx.current_code(organisation.municipality_code))
    return ctx.current_code(officer.municipality_code) in codes


def _report(ctx: Context, work: UnitOfWork, dossier: Dossier, at: datetime) -> AccessReport:
    """The report as the youth's data stands at *at*: a link past its end day archived and
    a match its links no longer make dissolved, whether or not a sweep ran (decision 89)."""
    s = dossier.subject
    links = tuple(
        LinkReport(
            as_of(lk, at), work.organisation(lk.organisation), work.professional(lk.professional)
        )
        for lk in dossier.links
    )
    match = standing(ctx, dossier, at)
    log = _youth_log(work.tx, dossier, ctx.keyring)
    return AccessReport(
        generated_at=at,
        subject=GeneralData(
            pseudonym=s.key,
            name=s.name,
            gender=s.gender,
            birth_date=s.birth_date,
            address=s.address,
            registered_parents=len(s.parent_keys),
            died_on=s.died_on,
        ),
        links=links,
        matches=(match,) if match is not None else (),
        duties=dossier.duties,
        informed=dossier.informed,
        log=log,
    )


def _youth_log(tx: Transaction, dossier: Dossier, keyring: Keyring) -> tuple[LogEntry, ...]:
    """The youth's log entries, with the ids of their links and matches unsealed; raises
    :class:`TamperedLogbookError` when a reference is missing or does not fit, so that an
    access report never silently leaves an entry out."""
    secret = dossier.subject.log_secret
    token = log_token(secret)
    entries = tx.log_entries_for(token)
    found = refs_message(token, len(entries), refs_digest(e.id for e in entries))
    if not keyring.check_seal(found, dossier.log_seal):
        raise TamperedLogbookError(
            "the references to this youth's log entries were altered: the access report "
            "would be incomplete"
        )
    out = []
    secrets = dossier.subject.secrets  # the youth's own, then those of dossiers merged in
    for entry in entries:
        made_with = next((s for s in secrets if entry.subject_ref == entry_ref(s, entry.id)), None)
        if made_with is None:
            raise TamperedLogbookError("a reference names an entry about someone else")
        out.append(
            attrs.evolve(
                entry,
                link_id=None
                if entry.link_id is None
                else unseal_id(made_with, entry.id, entry.link_id),
                match_id=None
                if entry.match_id is None
                else unseal_id(made_with, entry.id, entry.match_id),
            )
        )
    return tuple(out)


def _check_received(ctx: Context, request: RightsRequest, today: date) -> None:
    """A request is answered from the day it was received until the deadline and its one
    extension (AVG 12(3)) have passed: one received after *today* was not received, and one
    received before that is overdue or back-dated, with who may file judged on a day the
    youth was younger (decision 98). Either is refused naming ``received_on``."""
    if request.received_on > today:
        raise InvalidRecordError("received_on lies after today: the request was not received")
    rules = ctx.rules
    months = rules.request_months + rules.request_extension_months
    if add_months(request.received_on, months) < today:
        raise InvalidRecordError(
            "received_on lies further back than any answer may take: file the request anew"
        )


def _with_dossier(
    ctx: Context,
    request: RightsRequest,
    by: Actor,
    action: LogAction,
    change: object = None,
    *,
    no_parents: bool = False,
) -> tuple[AccessReport | None, int]:
    """Run one rights operation under the youth's lock, checking the officer is controller."""
    officer = _officer(ctx, by, request)
    key = ctx.pseudonym(request.subject)

    def run(locks: tuple[str, ...]) -> tuple[AccessReport | None, int, bool]:
        removed = 0
        with ctx.work(locks) as work:
            dossier = work.load(key)
            now = work.stamp(dossier)
            _check_received(ctx, request, local_date(now))
            if dossier is None:  # a report is empty; a change has nothing to change
                work.check_ring()
                if action is not LogAction.READ:
                    raise NotFoundError("nothing is stored about this youth")
                return AccessReport(generated_at=now), 0, False
            if not _controls(ctx, work, dossier, officer):
                denied = True
            else:
                denied = False
                # who may file, by the birth date the index holds, not the one the request
                # was filed with (nothing is written when they may not)
                check_requesters(
                    request.requesters, dossier.subject.birth_date, request.received_on
                )
                if action is LogAction.READ:
                    report = _report(ctx, work, dossier, now)
                    work.log(now, actor_name(officer), LogAction.READ, about=dossier)
                    return report, 0, False
                if isinstance(change, Subject):  # a rectification
                    record = attrs.evolve(
                        dossier.subject,
                        name=change.name,
                        gender=change.gender,
                        birth_date=change.birth_date,
                        address=change.address,
                        # the parents the corrected data names replace the registered ones; data
                        # that names none keeps them (the report shows only their number, so an
                        # officer correcting a name could not name them again: decision 76),
                        # unless the youth has none to register (decision 105)
                        parent_keys=()
                        if no_parents
                        else tuple(sorted({ctx.pseudonym(p) for p in change.parents}))
                        or dossier.subject.parent_keys,
                        died_on=change.died_on,
                        address_key=ctx.address_key(change.address, dossier.subject),
                    )
                    duties = dossier.duties
                    if record.birth_date != dossier.subject.birth_date:
                        duties = tuple(
                            told_by_age(ctx, work, dossier, d, record.birth_date) for d in duties
                        )
                    dossier = attrs.evolve(dossier, subject=record, duties=duties)
                    work.save(dossier, replaces=True)  # the old values go from the files too
                    work.log(now, actor_name(officer), LogAction.RECTIFIED, about=dossier)
                    return None, 1, False
                # erasure: every link, match, archive entry and pending notification goes, and the
                # per-youth secret with the dossier, so the remaining log entries are unlinkable
                work.delete(dossier)
                work.log(now, actor_name(officer), LogAction.ERASED, count=len(dossier.links))
                removed = len(dossier.links)
        return None, removed, denied

    # an erasure takes the youth out of their household's signals, which may need their
    # siblings' locks (decision 94)
    report, removed, denied = with_siblings(run, [key])
    if denied:
        raise ctx.deny(officer, "this municipality is not the controller for this youth", key=key)
    return report, removed


def access_report(ctx: Context, request: RightsRequest, *, by: Actor) -> AccessReport:
    """Everything stored about the youth of *request* (AVG 15), for a rights officer of a
    controlling municipality. The read is logged. A youth with nothing stored gets an
    empty report."""
    v.model_argument(request, RightsRequest, "request")
    if request.kind not in (RequestKind.ACCESS, RequestKind.EXPORT):
        raise InvalidRecordError("an access report answers an access or export request")
    report, _ = _with_dossier(ctx, request, by, LogAction.READ)
    return report or AccessReport(generated_at=ctx.now())


def export(ctx: Context, request: RightsRequest, *, by: Actor) -> str:
    """The access report as JSON through the library's converter (AVG 20)."""
    from verwijsindex.serialization import to_json

    return to_json(access_report(ctx, request, by=by))


def rectify(
    ctx: Context,
    request: RightsRequest,
    corrected: Subject,
    *,
    by: Actor,
    no_parents: bool = False,
) -> RightsRequest:
    """Correct the youth's general data (AVG 16) to *corrected*; logged with who did it.

    The parents *corrected* names replace the registered ones; when it names none, the
    registered ones stay (decision 76), unless *no_parents* says that the youth has no
    parent to register: then every registered parent goes (decision 105)."""
    v.model_argument(request, RightsRequest, "request")
    if request.kind is not RequestKind.RECTIFICATION:
        raise InvalidRecordError("rectify() answers a rectification request")
    v.model_argument(corrected, Subject, "corrected")
    if v.flag_argument(no_parents, "no_parents") and corrected.parents:
        raise InvalidRecordError("no_parents: the corrected data names a parent")
    renumbered = corrected.number != request.subject
    if renumbered and not (
        isinstance(request.subject, ServiceNumber) and isinstance(corrected.number, ServiceNumber)
    ):  # a youth without a BSN gets it by merge_service_number, not by a correction
        raise InvalidRecordError("the corrected data must be for the same youth")
    check_general_data(corrected, ctx.now())
    corrected = attrs.evolve(corrected, address=ctx.current_address(corrected.address))
    require_granted(request)
    if renumbered:
        _renumber(ctx, request, corrected, by, no_parents)
    else:
        _with_dossier(ctx, request, by, LogAction.RECTIFIED, corrected, no_parents=no_parents)
    return attrs.evolve(request, status=RequestStatus.COMPLETED)


def _renumber(
    ctx: Context, request: RightsRequest, corrected: Subject, by: Actor, no_parents: bool
) -> None:
    """Correct the surname, birth date or gender of a youth without a BSN: the data their
    service number is made of, so the dossier moves to the corrected number, joining one
    a registration with the right data made there (decision 87)."""
    officer = _officer(ctx, by, request)
    old_key, key = ctx.pseudonym(request.subject), ctx.pseudonym(corrected.number)
    with ctx.work(sorted({old_key, key})) as work:
        old = work.load(old_key)
        now = work.stamp(old)
        _check_received(ctx, request, local_date(now))
        if old is None:
            raise NotFoundError("nothing is stored about this youth")
        current = work.load(key)
        # joining a dossier under the corrected number is the judgement that it is the
        # same youth: the officer must control it too
        denied = not _controls(ctx, work, old, officer) or (
            current is not None and not _controls(ctx, work, current, officer)
        )
        if not denied:
            check_requesters(request.requesters, old.subject.birth_date, request.received_on)
            if current is not None:
                now = work.stamp(current, now)
            move_in(ctx, work, old, current, corrected, now, by=actor_name(officer),
                    action=LogAction.RECTIFIED, parents_named=True,
                    no_parents=no_parents)  # fmt: skip
    if denied:
        raise ctx.deny(
            officer, "this municipality is not the controller for this youth", key=old_key
        )


def erase(ctx: Context, request: RightsRequest, *, by: Actor) -> RightsRequest:
    """Carry out a granted objection (AVG 21, 17): remove every link, match, archive entry
    and pending notification about the youth, without archiving, and destroy the secret
    that ties their logbook entries to them. One new log entry records that an erasure
    was done, by whom and when, without identifying the youth.

    Nothing stored under the request's number raises ``NotFoundError``: the youth was
    never registered, everything went already (an erasure carried out before, the age
    limit), or a youth registered by service number was merged into their BSN since (file
    the objection under the BSN)."""
    v.model_argument(request, RightsRequest, "request")
    if request.kind is not RequestKind.OBJECTION:
        raise InvalidRecordError("erase() carries out an objection")
    require_granted(request)
    _, removed = _with_dossier(ctx, request, by, LogAction.ERASED)
    log.info("erased everything about one youth on a granted objection (%d links)", removed)
    return attrs.evolve(request, status=RequestStatus.COMPLETED)


def route(ctx: Context, request: RightsRequest, *, by: Actor) -> tuple[Route, ...]:
    """The controllers for *request*: for each organisation with a link on the youth, the
    municipality whose agreement it signed and its region's contact point. Any rights
    officer may route; the look-up is logged."""
    v.model_argument(request, RightsRequest, "request")
    checked_actor(by)
    if not isinstance(by, RightsOfficer):
        raise ctx.deny(by, "requests are routed by a rights officer")
    key = ctx.pseudonym(request.subject)
    routes: dict[str, Route] = {}
    with ctx.work([key]) as work:
        dossier = work.load(key)
        if dossier is None:
            work.check_ring()
            return ()
        now = work.stamp(dossier)
        for organisation_id in dict.fromkeys(lk.organisation for lk in dossier.links):
            organisation = work.organisation(organisation_id)
            if organisation is None:
                continue
            municipality = ctx.regions.municipality(organisation.municipality_code)
            region = ctx.region_of(organisation.municipality_code)
            routes[organisation.id] = Route(
                organisation=organisation.name,
                municipality_code=municipality.code,
                municipality=municipality.name,
                region=region.name,
                contact=region.coordinator,
            )
        work.log(now, actor_name(by), LogAction.READ, about=dossier)
    return tuple(routes.values())
