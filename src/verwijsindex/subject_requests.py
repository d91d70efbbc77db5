"""Data-subject requests (verzoeken van betrokkenen): the rules, without a store.

Who may file follows the youth's age (JW 7.1.5.1(2)); the answer is due in one month,
extendable once by at most two more (AVG 12(3)); the answers are values: the access
report and the routes to the controllers. :mod:`verwijsindex.privacy` is the public face.

>>> from datetime import date
>>> from verwijsindex.model import Recipient
>>> from verwijsindex.testing import make_subject
>>> youth = make_subject(bsn="111222333", birth_date=date(2001, 5, 1))   # 25 in 2026
>>> eligible_requesters(25)
frozenset({<Recipient.YOUTH: 'youth'>})
>>> request = file_request(
...     RequestKind.OBJECTION, youth, {Recipient.YOUTH}, received_on=date(2026, 1, 31)
... )
>>> request.due_on
datetime.date(2026, 2, 28)
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

import attrs

from verwijsindex import _validators as v
from verwijsindex.clock import add_months, age_on
from verwijsindex.dossier import InformationDuty, InformationRecord
from verwijsindex.errors import InvalidRecordError, NotEligibleError
from verwijsindex.matching import Rules
from verwijsindex.model import (
    Address,
    Bsn,
    Gender,
    Link,
    LogEntry,
    Match,
    Organisation,
    Professional,
    Recipient,
    Subject,
)
from verwijsindex.service_number import ServiceNumber

__all__ = [
    "AccessReport",
    "ExtensionGround",
    "GeneralData",
    "LinkReport",
    "RequestKind",
    "RequestStatus",
    "RightsRequest",
    "Route",
    "decide",
    "eligible_requesters",
    "file_request",
    "load_export",
    "require_granted",
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


def _requesters(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if (
        not isinstance(value, frozenset)
        or not value
        or not all(isinstance(r, Recipient) for r in value)
    ):
        raise InvalidRecordError(f"{attribute.name} must be a non-empty set of Recipient")


def _recipients(value: object) -> frozenset[Recipient]:
    """The requesters given as any collection of :class:`Recipient` (not a string)."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidRecordError("requesters must be a collection of Recipient")
    chosen = frozenset(value)
    if not all(isinstance(r, Recipient) for r in chosen):
        raise InvalidRecordError("requesters must be Recipient values")
    if not chosen:
        raise NotEligibleError("a request is filed by the youth or their legal representative")
    return chosen


def _rules(value: object) -> Rules:
    if value is None:
        return Rules()
    if not isinstance(value, Rules):
        raise InvalidRecordError("rules must be a Rules value or None")
    return value


@attrs.frozen
class RightsRequest:
    """A data-subject request. ``requesters`` are who filed it; ``subject`` is the youth's
    BSN, or their service number when they have none, and stays masked."""

    id: str = attrs.field(validator=v.identifier)
    kind: RequestKind = attrs.field(validator=v.instance_of(RequestKind))
    subject: Bsn | ServiceNumber = attrs.field(validator=v.instance_of((Bsn, ServiceNumber)))
    requesters: frozenset[Recipient] = attrs.field(validator=_requesters)
    received_on: date = attrs.field(validator=v.day)
    due_on: date = attrs.field(validator=v.day)
    extension: ExtensionGround | None = attrs.field(
        default=None, validator=v.optional(v.instance_of(ExtensionGround))
    )
    status: RequestStatus = attrs.field(
        default=RequestStatus.RECEIVED, validator=v.instance_of(RequestStatus)
    )

    def extend(
        self, ground: ExtensionGround, *, months: int = 2, rules: Rules | None = None
    ) -> RightsRequest:
        """The request with its deadline extended on *ground*, by at most two months."""
        rules = _rules(rules)
        limit = rules.request_extension_months
        if not isinstance(ground, ExtensionGround):
            raise InvalidRecordError("an extension needs one of the grounds of AVG 12(3)")
        if self.extension is not None:
            raise InvalidRecordError("the deadline was extended already")
        if not isinstance(months, int) or isinstance(months, bool) or not 1 <= months <= limit:
            raise InvalidRecordError(f"an extension is 1 to {limit} months")
        due_on = add_months(self.received_on, rules.request_months + months)
        return attrs.evolve(self, extension=ground, due_on=due_on)


def eligible_requesters(age: int) -> frozenset[Recipient]:
    """Who files for a youth of *age* (JW 7.1.5.1(2)): under 12 the legal representative,
    12 to 15 the youth and the representative together, 16 and older the youth."""
    if not isinstance(age, int) or isinstance(age, bool) or age < 0:
        raise InvalidRecordError("age must be a whole number, zero or more")
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


def check_requesters(requesters: frozenset[Recipient], born: date, received_on: date) -> None:
    """Raise :class:`NotEligibleError` unless *requesters* are who may file for a youth born
    on *born*, at their age on *received_on*."""
    if received_on < born:
        raise NotEligibleError("the request was received before the youth's birth date")
    age = age_on(born, received_on)
    wanted = eligible_requesters(age)
    if requesters != wanted:
        raise NotEligibleError(f"at {age} {_WHO[wanted]}")


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
    v.model_argument(subject, Subject, "subject")
    v.day_argument(received_on, "received_on")
    if received_on < subject.birth_date:
        raise InvalidRecordError("received_on lies before the youth's birth date")
    chosen = _recipients(requesters)
    rules = _rules(rules)
    check_requesters(chosen, subject.birth_date, received_on)
    return RightsRequest(
        id=uuid.uuid4().hex,
        kind=kind,
        subject=subject.number,
        requesters=chosen,
        received_on=received_on,
        due_on=add_months(received_on, rules.request_months),
    )


def decide(request: RightsRequest, *, granted: bool) -> RightsRequest:
    """The controller's decision on an objection or rectification."""
    v.model_argument(request, RightsRequest, "request")
    v.flag_argument(granted, "granted")
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


def require_granted(request: RightsRequest) -> None:
    """Refuse to carry out a request that was not granted (:func:`decide`)."""
    if request.status is not RequestStatus.GRANTED:
        raise InvalidRecordError("the request must be granted first (decide)")


def load_export(text: str | bytes) -> AccessReport:
    """Read an export back into an :class:`AccessReport`."""
    from verwijsindex.serialization import from_json

    return from_json(text, AccessReport)
