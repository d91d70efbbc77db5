"""Data-subject rights (rechten van betrokkenen): access, export, rectification, erasure.

A youth and their legal representative can ask what is recorded (AVG 15), take it with
them (AVG 20), have the general data corrected (AVG 16) and object to the recording
(AVG 21, 17). Who may file follows the youth's age (JW 7.1.5.1(2)); the answer is due in
one month, extendable by at most two (AVG 12(3)); the municipal executive whose agreement
covers the organisation is the controller (JW 7.1.2.2(3)).

>>> from datetime import date
>>> from verwijsindex.model import Recipient
>>> from verwijsindex.testing import make_subject
>>> youth = make_subject(bsn="111222333", birth_date=date(2012, 5, 1))   # 14 in 2027
>>> both = {Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE}
>>> request = file_request(RequestKind.ACCESS, youth, both, received_on=date(2027, 1, 31))
>>> request.due_on
datetime.date(2027, 2, 28)
>>> request.extend(ExtensionGround.COMPLEXITY, months=2).due_on
datetime.date(2027, 4, 30)
>>> file_request(RequestKind.ACCESS, youth, {Recipient.YOUTH}, received_on=date(2027, 1, 31))
Traceback (most recent call last):
    ...
verwijsindex.errors.NotEligibleError: at 14 the youth and the legal representative file together
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import TYPE_CHECKING

import attrs

from verwijsindex.clock import add_months, age_on
from verwijsindex.errors import (
    AccessDeniedError,
    InvalidRecordError,
    NotEligibleError,
    NotFoundError,
    TamperedLogbookError,
)
from verwijsindex.logbook import refs_message
from verwijsindex.matching import Rules
from verwijsindex.model import (
    Address,
    Bsn,
    Gender,
    Link,
    LogAction,
    LogEntry,
    Match,
    Organisation,
    Professional,
    Recipient,
    Subject,
)
from verwijsindex.pseudonyms import Keyring, entry_ref, log_token, unseal_id
from verwijsindex.roles import Actor, RightsOfficer, actor_name
from verwijsindex.storage import (
    Dossier,
    InformationDuty,
    InformationRecord,
    Transaction,
)

if TYPE_CHECKING:
    from verwijsindex.index import VerwijsIndex

__all__ = [
    "AccessDeniedError",
    "AccessReport",
    "ExtensionGround",
    "GeneralData",
    "LinkReport",
    "RequestKind",
    "RequestStatus",
    "RightsRequest",
    "Route",
    "access_report",
    "decide",
    "eligible_requesters",
    "erase",
    "export",
    "file_request",
    "load_export",
    "rectify",
    "route",
]


# --- requests ---------------------------------------------------------------------------------


class RequestKind(enum.Enum):
    """What the youth or their representative asks for."""

    ACCESS = "access"  # AVG 15: what is recorded
    RECTIFICATION = "rectification"  # AVG 16: correct the general data
    OBJECTION = "objection"  # AVG 21 and 17: remove the recording
    EXPORT = "export"  # AVG 20: the same as access, machine-readable


class RequestStatus(enum.Enum):
    RECEIVED = "received"
    GRANTED = "granted"
    REFUSED = "refused"
    COMPLETED = "completed"


class ExtensionGround(enum.Enum):
    """The grounds AVG 12(3) allows for extending the deadline; never free text."""

    COMPLEXITY = "complexity"
    NUMBER_OF_REQUESTS = "number-of-requests"


@attrs.frozen
class RightsRequest:
    """A data-subject request. ``requesters`` are who filed it; the BSN stays masked."""

    id: str
    kind: RequestKind
    subject: Bsn
    requesters: frozenset[Recipient]
    received_on: date
    due_on: date
    extension: ExtensionGround | None = None
    status: RequestStatus = RequestStatus.RECEIVED

    def extend(
        self, ground: ExtensionGround, *, months: int = 2, rules: Rules | None = None
    ) -> RightsRequest:
        """The request with its deadline extended on *ground*, by at most two months."""
        rules = rules or Rules()
        limit = rules.request_extension_months
        if not isinstance(ground, ExtensionGround):
            raise InvalidRecordError("an extension needs one of the grounds of AVG 12(3)")
        if self.extension is not None:
            raise InvalidRecordError("the deadline was extended already")
        if not isinstance(months, int) or not 1 <= months <= limit:
            raise InvalidRecordError(f"an extension is 1 to {limit} months")
        due_on = add_months(self.received_on, rules.request_months + months)
        return attrs.evolve(self, extension=ground, due_on=due_on)


def eligible_requesters(age: int) -> frozenset[Recipient]:
    """Who files for a youth of *age* (JW 7.1.5.1(2)): under 12 the legal representative,
    12 to 15 the youth and the representative together, 16 and older the youth."""
    if age < 12:
        return frozenset({Recipient.LEGAL_REPRESENTATIVE})
    if age < 16:
        return frozenset({Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE})
    return frozenset({Recipient.YOUTH})


_WHO = {
    frozenset({Recipient.LEGAL_REPRESENTATIVE}): "the legal representative files",
    frozenset({Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE}): (
        "the youth and the legal representative file together"
    ),
    frozenset({Recipient.YOUTH}): "the youth files",
}


def file_request(
    kind: RequestKind,
    subject: Subject,
    requesters: Iterable[Recipient],
    *,
    received_on: date,
    rules: Rules | None = None,
) -> RightsRequest:
    """Record a request received on *received_on*; raise :class:`NotEligibleError` when
    *requesters* are not who may file at the youth's age on that day."""
    if not isinstance(kind, RequestKind):
        raise InvalidRecordError("kind must be a RequestKind")
    if not isinstance(subject, Subject):
        raise InvalidRecordError("file_request() takes the youth's Subject")
    if not isinstance(received_on, date) or isinstance(received_on, datetime):
        raise InvalidRecordError("received_on must be a date")
    chosen = frozenset(requesters)
    if not all(isinstance(r, Recipient) for r in chosen):
        raise NotEligibleError("a request is filed by the youth or their legal representative")
    age = age_on(subject.birth_date, received_on)
    wanted = eligible_requesters(age)
    if chosen != wanted:
        raise NotEligibleError(f"at {age} {_WHO[wanted]}")
    return RightsRequest(
        id=uuid.uuid4().hex,
        kind=kind,
        subject=subject.bsn,
        requesters=chosen,
        received_on=received_on,
        due_on=add_months(received_on, (rules or Rules()).request_months),
    )


def decide(request: RightsRequest, *, granted: bool) -> RightsRequest:
    """The controller's decision on an objection or rectification."""
    if request.status is not RequestStatus.RECEIVED:
        raise InvalidRecordError("the request was decided already")
    return attrs.evolve(request, status=RequestStatus.GRANTED if granted else RequestStatus.REFUSED)


# --- the access report ------------------------------------------------------------------------


@attrs.frozen
class GeneralData:
    """The youth's general data as stored (the client card), without the BSN."""

    pseudonym: str
    name: str
    gender: Gender
    birth_date: date
    address: Address
    registered_parents: int
    died_on: date | None = None


@attrs.frozen
class LinkReport:
    """One link with the organisation and professional behind it."""

    link: Link
    organisation: Organisation | None
    professional: Professional | None


@attrs.frozen
class AccessReport:
    """Everything stored about one youth (AVG 15); ``log`` says who did what, when."""

    generated_at: datetime
    subject: GeneralData | None = None
    links: tuple[LinkReport, ...] = ()
    matches: tuple[Match, ...] = ()
    duties: tuple[InformationDuty, ...] = ()
    informed: tuple[InformationRecord, ...] = ()
    log: tuple[LogEntry, ...] = ()


@attrs.frozen
class Route:
    """Where a request goes: the controller of one organisation involved, and the contact."""

    organisation: str
    municipality_code: str
    municipality: str
    region: str
    contact: str


# --- the operations -------------------------------------------------------------------------------


def _officer(index: VerwijsIndex, by: Actor, request: RightsRequest) -> RightsOfficer:
    if not isinstance(request, RightsRequest):
        raise InvalidRecordError("a data-subject operation takes a RightsRequest")
    if not isinstance(by, RightsOfficer):
        key = index.keyring.pseudonym(request.subject)
        raise index._deny(by, "data-subject requests are handled by a rights officer", key=key)
    return by


def _controls(tx: Transaction, dossier: Dossier, officer: RightsOfficer) -> bool:
    codes = set()
    for organisation_id in {lk.organisation for lk in dossier.links}:
        organisation = tx.get_organisation(organisation_id)
        if organisation is not None:
            codes.add(organisation.municipality_code)
    return officer.municipality_code in codes


def _report(tx: Transaction, dossier: Dossier, at: datetime, keyring: Keyring) -> AccessReport:
    s = dossier.subject
    links = tuple(
        LinkReport(lk, tx.get_organisation(lk.organisation), tx.get_professional(lk.professional))
        for lk in dossier.links
    )
    log = _youth_log(tx, dossier, keyring)
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
        matches=(dossier.match,) if dossier.match is not None else (),
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
    fits = keyring.check_seal(refs_message(token, dossier.logged), dossier.log_seal)
    if not fits or len(entries) != dossier.logged:
        raise TamperedLogbookError(
            "the references to this youth's log entries were altered: the access report "
            "would be incomplete"
        )
    out = []
    for entry in entries:
        if entry.subject_ref != entry_ref(secret, entry.id):
            raise TamperedLogbookError("a reference names an entry about someone else")
        out.append(
            attrs.evolve(
                entry,
                link_id=None
                if entry.link_id is None
                else unseal_id(secret, entry.id, entry.link_id),
                match_id=None
                if entry.match_id is None
                else unseal_id(secret, entry.id, entry.match_id),
            )
        )
    return tuple(out)


def _with_dossier(
    index: VerwijsIndex,
    request: RightsRequest,
    by: Actor,
    action: LogAction,
    change: object = None,
) -> tuple[AccessReport | None, int]:
    """Run one rights operation under the youth's lock, checking the officer is controller."""
    officer = _officer(index, by, request)
    key = index.keyring.pseudonym(request.subject)
    with index.store.transaction([key]) as tx:
        work = index._unit(tx, [key])
        dossier = work.load(key)
        now = work.stamp(dossier)
        if dossier is None:
            return (AccessReport(generated_at=now) if action is LogAction.READ else None), 0
        if not _controls(tx, dossier, officer):
            denied = True
        else:
            denied = False
            if action is LogAction.READ:
                report = _report(tx, dossier, now, index.keyring)
                work.log(now, actor_name(officer), LogAction.READ, about=dossier)
                work.flush()
                return report, 0
            if action is LogAction.RECTIFIED:
                assert isinstance(change, Subject)
                record = attrs.evolve(
                    dossier.subject,
                    name=change.name,
                    gender=change.gender,
                    birth_date=change.birth_date,
                    address=change.address,
                    parent_keys=tuple(sorted({index.keyring.pseudonym(p) for p in change.parents})),
                    died_on=change.died_on,
                )
                dossier = attrs.evolve(dossier, subject=record)
                work.save(dossier)
                work.log(now, actor_name(officer), LogAction.RECTIFIED, about=dossier)
                work.flush()
                return None, 1
            # erasure: every link, match, archive entry and pending notification goes, and the
            # per-youth secret with the dossier, so the remaining log entries are unlinkable
            work.delete(dossier)
            work.log(now, actor_name(officer), LogAction.ERASED, count=len(dossier.links))
            work.flush()
            removed = len(dossier.links)
    if denied:
        raise index._deny(
            officer, "this municipality is not the controller for this youth", key=key
        )
    return None, removed


def access_report(index: VerwijsIndex, request: RightsRequest, *, by: Actor) -> AccessReport:
    """Everything stored about the youth of *request* (AVG 15), for a rights officer of a
    controlling municipality. The read is logged. A youth with nothing stored gets an
    empty report."""
    if request.kind not in (RequestKind.ACCESS, RequestKind.EXPORT):
        raise InvalidRecordError("an access report answers an access or export request")
    report, _ = _with_dossier(index, request, by, LogAction.READ)
    assert report is not None
    return report


def export(index: VerwijsIndex, request: RightsRequest, *, by: Actor) -> str:
    """The access report as JSON through the library's converter (AVG 20)."""
    from verwijsindex.serialization import to_json

    return to_json(access_report(index, request, by=by))


def load_export(text: str | bytes) -> AccessReport:
    """Read an export back into an :class:`AccessReport`."""
    from verwijsindex.serialization import from_json

    return from_json(text, AccessReport)


def rectify(
    index: VerwijsIndex, request: RightsRequest, corrected: Subject, *, by: Actor
) -> RightsRequest:
    """Correct the youth's general data (AVG 16) to *corrected*; logged with who did it."""
    if request.kind is not RequestKind.RECTIFICATION:
        raise InvalidRecordError("rectify() answers a rectification request")
    if not isinstance(corrected, Subject) or corrected.bsn != request.subject:
        raise InvalidRecordError("the corrected data must be for the same youth")
    _require_granted(request)
    _, changed = _with_dossier(index, request, by, LogAction.RECTIFIED, corrected)
    if not changed:
        raise NotFoundError("nothing is stored about this youth")
    index._scrub()  # the old values go from the files too
    return attrs.evolve(request, status=RequestStatus.COMPLETED)


def erase(index: VerwijsIndex, request: RightsRequest, *, by: Actor) -> RightsRequest:
    """Carry out a granted objection (AVG 21, 17): remove every link, match, archive entry
    and pending notification about the youth, without archiving, and destroy the secret
    that ties their logbook entries to them. One new log entry records that an erasure
    was done, by whom and when, without identifying the youth."""
    if request.kind is not RequestKind.OBJECTION:
        raise InvalidRecordError("erase() carries out an objection")
    _require_granted(request)
    _with_dossier(index, request, by, LogAction.ERASED)
    index._scrub()
    return attrs.evolve(request, status=RequestStatus.COMPLETED)


def _require_granted(request: RightsRequest) -> None:
    if request.status is not RequestStatus.GRANTED:
        raise InvalidRecordError("the request must be granted first (decide)")


def route(index: VerwijsIndex, request: RightsRequest, *, by: Actor) -> tuple[Route, ...]:
    """The controllers for *request*: for each organisation with a link on the youth, the
    municipality whose agreement it signed and its region's contact point. Any rights
    officer may route; the look-up is logged."""
    if not isinstance(request, RightsRequest):
        raise InvalidRecordError("route() takes a RightsRequest")
    if not isinstance(by, RightsOfficer):
        raise index._deny(by, "requests are routed by a rights officer")
    key = index.keyring.pseudonym(request.subject)
    routes: dict[str, Route] = {}
    with index.store.transaction([key]) as tx:
        work = index._unit(tx, [key])
        dossier = work.load(key)
        if dossier is None:
            return ()
        now = work.stamp(dossier)
        for organisation_id in dict.fromkeys(lk.organisation for lk in dossier.links):
            organisation = tx.get_organisation(organisation_id)
            if organisation is None:
                continue
            municipality = index.regions.municipality(organisation.municipality_code)
            region = index.regions.region_of_municipality(organisation.municipality_code)
            routes[organisation.id] = Route(
                organisation=organisation.name,
                municipality_code=municipality.code,
                municipality=municipality.name,
                region=region.name,
                contact=region.coordinator,
            )
        work.log(now, actor_name(by), LogAction.READ, about=dossier)
        work.flush()
    return tuple(routes.values())
