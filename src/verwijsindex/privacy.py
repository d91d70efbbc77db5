"""Data-subject rights (rechten van betrokkenen): access, export, rectification, erasure.

A youth and their legal representative can ask what is recorded (AVG 15), take it with
them (AVG 20), have the general data corrected (AVG 16) and object to the recording
(AVG 21, 17). Who may file follows the youth's age (JW 7.1.5.1(2)); the answer is due in
one month, extendable by at most two (AVG 12(3)); the municipal executive whose agreement
covers the organisation is the controller (JW 7.1.2.2(3)).

The request rules are in :mod:`verwijsindex.subject_requests`, the store side in
:mod:`verwijsindex.rights`; this module is their public face. Each function here is the
same as the method of :class:`~verwijsindex.index.VerwijsIndex` of the same name.

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

from verwijsindex.errors import AccessDeniedError, InvalidRecordError
from verwijsindex.index import VerwijsIndex
from verwijsindex.model import Subject
from verwijsindex.roles import Actor
from verwijsindex.subject_requests import (
    AccessReport,
    ExtensionGround,
    GeneralData,
    LinkReport,
    RequestKind,
    RequestStatus,
    RightsRequest,
    Route,
    decide,
    eligible_requesters,
    file_request,
    load_export,
)

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


def _index(index: object) -> VerwijsIndex:
    if not isinstance(index, VerwijsIndex):
        raise InvalidRecordError("index must be a VerwijsIndex")
    return index


def access_report(index: VerwijsIndex, request: RightsRequest, *, by: Actor) -> AccessReport:
    """Everything stored about the youth of *request* (AVG 15); see
    :meth:`VerwijsIndex.access_report`."""
    return _index(index).access_report(request, by=by)


def export(index: VerwijsIndex, request: RightsRequest, *, by: Actor) -> str:
    """The access report as JSON (AVG 20); see :meth:`VerwijsIndex.export`."""
    return _index(index).export(request, by=by)


def rectify(
    index: VerwijsIndex,
    request: RightsRequest,
    corrected: Subject,
    *,
    by: Actor,
    no_parents: bool = False,
) -> RightsRequest:
    """Correct the youth's general data (AVG 16); see :meth:`VerwijsIndex.rectify`."""
    return _index(index).rectify(request, corrected, by=by, no_parents=no_parents)


def erase(index: VerwijsIndex, request: RightsRequest, *, by: Actor) -> RightsRequest:
    """Carry out a granted objection (AVG 21, 17); see :meth:`VerwijsIndex.erase`."""
    return _index(index).erase(request, by=by)


def route(index: VerwijsIndex, request: RightsRequest, *, by: Actor) -> tuple[Route, ...]:
    """The controllers for *request*; see :meth:`VerwijsIndex.route`."""
    return _index(index).route(request, by=by)
