"""The table of bad inputs for ``test_boundary.py``: every public entry point, called wrongly.

Each row is a short id, a callable that makes one bad call, the one library error class the
call must raise, and the strings of the input that the message must not repeat. Rows of
:data:`STORE_ROWS` get a prepared :class:`World` (an index on the store under test with
organisations, professionals, a youth with a match, an archived link, rights requests);
rows of :data:`PURE_ROWS` touch no store and get an :class:`Env` (a scratch directory).

The expected classes follow one policy (the project's issue): a wrong type or malformed
value is ``InvalidRecordError``; a naive datetime ``NaiveDatetimeError``; a datetime out of
bounds ``InvalidRecordError``; a bad BSN ``InvalidBsnError``; an impossible population-register
notice ``InvalidNoticeError``; a bad end date ``InvalidPeriodError``; a reason field
``ForbiddenFieldError``; a youth of 23 or older ``AgeLimitError``; bad arguments of
``VerwijsIndex``, ``open_store`` and the stores ``ConfigurationError``; a well-formed id
that does not exist the fitting ``NotFoundError``; an operation outside the actor's role
``AccessDeniedError``.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any, Generic, TypeVar

import attrs

from verwijsindex import cbs_code, privacy, serialization
from verwijsindex.errors import (
    AccessDeniedError,
    AgeLimitError,
    ConfigurationError,
    DeceasedSubjectError,
    ForbiddenFieldError,
    InvalidBsnError,
    InvalidNoticeError,
    InvalidPeriodError,
    InvalidRecordError,
    KeyMismatchError,
    NaiveDatetimeError,
    NotEligibleError,
    NotFoundError,
    UnknownMunicipalityError,
    UnknownOrganisationError,
    VerwijsindexError,
)
from verwijsindex.importing import ImportRecord
from verwijsindex.index import VerwijsIndex
from verwijsindex.matching import Rules
from verwijsindex.model import (
    Address,
    Bsn,
    Contact,
    Gender,
    Link,
    LogAction,
    LogEntry,
    Match,
    MatchKind,
    Notification,
    NotificationKind,
    Organisation,
    Professional,
    Recipient,
    Subject,
    WithdrawalReason,
    format_bsn,
    parse_bsn,
)
from verwijsindex.policies import STATUTORY, information_duty, policy
from verwijsindex.pseudonyms import Keyring, PseudonymKey
from verwijsindex.regions import ZUID_LIMBURG, load_regions
from verwijsindex.roles import FollowUpChecker, OrganisationCoordinator, RightsOfficer
from verwijsindex.storage import Store, open_store
from verwijsindex.storage.postgres import PostgresStore
from verwijsindex.storage.sqlite import SQLiteStore
from verwijsindex.subject_requests import (
    ExtensionGround,
    RequestKind,
    RequestStatus,
    RightsRequest,
    decide,
    eligible_requesters,
    file_request,
    load_export,
)
from verwijsindex.testing import TEST_KEY, FixedClock, make_professional, make_subject

__all__ = [
    "NOW",
    "PURE_ROWS",
    "STORE_ROWS",
    "Env",
    "Row",
    "World",
    "build_world",
]

# --- the bad values -------------------------------------------------------------------------------

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
TODAY = date(2026, 11, 23)
BSN = "111222333"
FRESH = "010000008"
"""The BSN of the world's fresh youth, who has no link yet."""
BAD_CHECK = "111222334"
FULLWIDTH = "１１１２２２３３３"
BOLD = "𝟏𝟏𝟏𝟐𝟐𝟐𝟑𝟑𝟑"
ARABIC = "١١١٢٢٢٣٣٣"
SURR = "vertrouwelijk\ud800id"
"""An id or name with a lone surrogate: text that cannot be encoded."""
NUL = "vertrouwelijk\x00id"
LONG_ID = "vertrouwelijk-" + "x" * 51
"""65 characters: one more than an id may have."""
MB = "geheim" * 174_763
"""A little over a million characters."""
UNKNOWN_LINK = "qx7k2-b4f3a9c-zz81"
UNKNOWN_MATCH = "wq8v2-4b2e81-vv19"
UNKNOWN_ORG = "zx81-9d1c-qqk4"
CLOSED_PG = "postgresql://postgres@127.0.0.1:1/test"
"""A PostgreSQL URL where nothing listens: a constructor that does not refuse its
arguments fails to connect at once, and creates nothing."""
NAN = float("nan")
INF = float("inf")

DT_MAX = datetime.max.replace(tzinfo=timezone.utc)
DT_MIN = datetime.min.replace(tzinfo=timezone.utc)
YEAR1 = datetime(1, 1, 1, tzinfo=timezone.utc)
YEAR9999 = datetime(9999, 1, 1, tzinfo=timezone.utc)
NAIVE = datetime(2026, 11, 23, 9, 0)


class Offset25(tzinfo):
    """A time zone 25 hours ahead: ``utcoffset()`` of a datetime in it raises ValueError."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        return timedelta(hours=25)

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str:
        return "+25"


class RaisingZone(tzinfo):
    """A time zone whose offset cannot be read."""

    def utcoffset(self, dt: datetime | None) -> timedelta:
        raise RuntimeError("no offset here")

    def dst(self, dt: datetime | None) -> timedelta | None:
        raise RuntimeError("no dst here")

    def tzname(self, dt: datetime | None) -> str:
        return "??"


class NoOffset(tzinfo):
    """A time zone that gives no offset: a datetime in it is naive."""

    def utcoffset(self, dt: datetime | None) -> timedelta | None:
        return None

    def dst(self, dt: datetime | None) -> timedelta | None:
        return None

    def tzname(self, dt: datetime | None) -> str | None:
        return None


OFF25 = datetime(2026, 11, 23, 9, 0, tzinfo=Offset25())
RAISING = datetime(2026, 11, 23, 9, 0, tzinfo=RaisingZone())
NONE_OFFSET = datetime(2026, 11, 23, 9, 0, tzinfo=NoOffset())

BOTH = frozenset({Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE})
RR = WithdrawalReason.RISK_RESOLVED
OTHER_SECRET = b"another-secret-of-at-least-32-bytes!"


# --- helpers --------------------------------------------------------------------------------------

T = TypeVar("T")


def bad(function: Callable[..., object], /, *args: Any, **kwargs: Any) -> object:
    """Call *function* with arguments the type checker would refuse (on purpose)."""
    return function(*args, **kwargs)


def tampered(value: T, **changes: object) -> T:
    """A copy of the frozen *value* with *changes* forced in past its validators."""
    clone = copy.copy(value)
    for name, changed in changes.items():
        object.__setattr__(clone, name, changed)
    return clone


def constant_clock(value: object) -> Any:
    """A clock that always returns *value*, whatever that is."""
    return lambda: value


# --- the world a store row runs in ----------------------------------------------------------------


@dataclass
class World:
    """An index on the store under test, with everything a bad call needs."""

    kind: str
    store: Store
    index: VerwijsIndex
    clock: FixedClock
    teacher: Professional
    nurse: Professional
    outsider: Professional
    youth: Subject
    other: Subject
    fresh: Subject
    link_id: str
    nurse_link_id: str
    archived_link_id: str
    match_id: str
    notification_id: str
    officer: RightsOfficer
    foreign_officer: RightsOfficer
    coordinator: OrganisationCoordinator
    checker: FollowUpChecker
    foreign_checker: FollowUpChecker
    access: RightsRequest
    export: RightsRequest
    rectification: RightsRequest
    objection: RightsRequest
    received_objection: RightsRequest
    unknown_rectification: RightsRequest

    def index_with(self, **options: Any) -> Any:
        """Another index on the same store, with *options* (e.g. a bad clock)."""
        options.setdefault("clock", self.clock)
        return VerwijsIndex(self.store, key=TEST_KEY, **options)

    def clocked(self, value: object) -> Any:
        """An index on the same store whose clock returns *value*."""
        return VerwijsIndex(self.store, key=TEST_KEY, clock=constant_clock(value))

    @property
    def ix(self) -> Any:
        """The index, for calls the type checker would refuse."""
        return self.index


def build_world(kind: str, store: Store) -> World:
    """Prepare *store*: three organisations, a youth with a match, an archived link on a
    second youth, pending notifications, and rights requests."""
    clock = FixedClock(NOW)
    index = VerwijsIndex(store, key=TEST_KEY, clock=clock)
    teacher = make_professional(id="t1", organisation="Sint Jozefschool")
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    outsider = make_professional(
        id="o1", organisation="Bureau Jeugdzorg Limburg", municipality="Heerlen"
    )
    for professional in (teacher, nurse, outsider):
        index.add_organisation(professional.organisation)
    youth = make_subject(bsn=BSN, birth_date=date(2012, 5, 1))
    other = make_subject(bsn="123456782", birth_date=date(2010, 3, 1))
    fresh = make_subject(bsn="010000008", birth_date=date(2015, 6, 1))
    first = index.register(youth, teacher)
    second = index.register(youth, nurse)
    assert second.match is not None
    archived = index.register(other, teacher)
    index.withdraw(archived.link.id, by=teacher, reason=RR)
    pending = index.pending_notifications()
    assert pending

    def filed(kind: RequestKind, subject: Subject = youth) -> RightsRequest:
        return file_request(kind, subject, BOTH, received_on=TODAY)

    unknown = make_subject(bsn="100000009", birth_date=date(2013, 1, 1))
    return World(
        kind=kind,
        store=store,
        index=index,
        clock=clock,
        teacher=teacher,
        nurse=nurse,
        outsider=outsider,
        youth=youth,
        other=other,
        fresh=fresh,
        link_id=first.link.id,
        nurse_link_id=second.link.id,
        archived_link_id=archived.link.id,
        match_id=second.match.id,
        notification_id=pending[0].id,
        officer=RightsOfficer("0935"),
        foreign_officer=RightsOfficer("1883"),
        coordinator=OrganisationCoordinator("sint-jozefschool"),
        checker=FollowUpChecker("0935"),
        foreign_checker=FollowUpChecker("1883"),
        access=filed(RequestKind.ACCESS),
        export=filed(RequestKind.EXPORT),
        rectification=decide(filed(RequestKind.RECTIFICATION), granted=True),
        objection=decide(filed(RequestKind.OBJECTION), granted=True),
        received_objection=filed(RequestKind.OBJECTION),
        unknown_rectification=decide(filed(RequestKind.RECTIFICATION, unknown), granted=True),
    )


@dataclass(frozen=True)
class Env:
    """What a row that touches no store may use: a scratch directory (the working
    directory while it runs) and a directory that exists."""

    tmp: Path
    directory: Path


W = TypeVar("W")


@dataclass(frozen=True)
class Row(Generic[W]):
    """One bad call: its id, the call, the error class it must raise, and the strings of
    its input that the message must not repeat."""

    id: str
    call: Callable[[W], object]
    expected: type[VerwijsindexError]
    secrets: tuple[str, ...] = ()


StoreRow = Row[World]
PureRow = Row[Env]

IRE = InvalidRecordError
CE = ConfigurationError
AD = AccessDeniedError


# --- families of bad ids and actors ---------------------------------------------------------------


def _id_family(
    prefix: str,
    call: Callable[[World, object], object],
    not_found: type[VerwijsindexError],
    unknown: str,
) -> list[StoreRow]:
    """The same id argument, malformed every way, and well-formed but unknown."""

    def row(suffix: str, value: object, expected: type[VerwijsindexError] = IRE) -> StoreRow:
        secrets = (value,) if isinstance(value, str) else ()
        return Row(f"{prefix}-{suffix}", lambda w: call(w, value), expected, secrets)

    return [
        row("none", None),
        row("int", 12345),
        row("bool", True),
        row("list", ["x"]),
        row("bytes", b"abcdef"),
        row("empty", ""),
        row("surrogate", SURR),
        row("nul", NUL),
        row("65-chars", LONG_ID),
        row("1mb", MB),
        row("unknown", unknown, not_found),
        row("unknown-bsn-like", BSN, not_found),
    ]


def _actor_family(
    prefix: str, call: Callable[[World, object], object], *, none: bool = True
) -> list[StoreRow]:
    """The same actor argument as something that is no actor at all."""
    values: list[tuple[str, object]] = [
        ("int", 12345),
        ("empty", ""),
        ("surrogate", SURR),
        ("nul", NUL),
        ("65-chars", LONG_ID),
        ("1mb", MB),
        ("list", ["t1"]),
    ]
    if none:
        values.insert(0, ("none", None))

    def row(suffix: str, value: object) -> StoreRow:
        secrets = (value,) if isinstance(value, str) else ()
        return Row(f"{prefix}-{suffix}", lambda w: call(w, value), IRE, secrets)

    return [row(suffix, value) for suffix, value in values]


def _moment_family(
    prefix: str, call: Callable[[World, object], object], *, none: bool = False
) -> list[StoreRow]:
    """The same datetime argument, naive, out of bounds, with a broken zone, or no datetime."""
    values: list[tuple[str, object, type[VerwijsindexError]]] = [
        ("naive", NAIVE, NaiveDatetimeError),
        ("zone-without-offset", NONE_OFFSET, NaiveDatetimeError),
        ("year-1", YEAR1, IRE),
        ("datetime-min", DT_MIN, IRE),
        ("datetime-max", DT_MAX, IRE),
        ("year-9999", YEAR9999, IRE),
        ("offset-25h", OFF25, IRE),
        ("raising-zone", RAISING, IRE),
        ("date", TODAY, IRE),
        ("string", "2026-11-23T09:00:00+00:00", IRE),
        ("float", 1_795_424_400.0, IRE),
    ]
    if none:
        values.insert(0, ("none", None, IRE))

    def row(suffix: str, value: object, expected: type[VerwijsindexError]) -> StoreRow:
        secrets = (value,) if isinstance(value, str) else ()
        return Row(f"{prefix}-{suffix}", lambda w: call(w, value), expected, secrets)

    return [row(*value) for value in values]


# --- rows on a store ------------------------------------------------------------------------------

STORE_ROWS: list[StoreRow] = []

# ids: links, matches, organisations, notifications
STORE_ROWS += _id_family(
    "withdraw-id",
    lambda w, v: w.ix.withdraw(v, by=w.teacher, reason=RR),
    NotFoundError,
    UNKNOWN_LINK,
)
STORE_ROWS += _id_family(
    "record-informed-id",
    lambda w, v: w.ix.record_informed(v, BOTH, NOW),
    NotFoundError,
    UNKNOWN_LINK,
)
STORE_ROWS += _id_family(
    "set-lead-id", lambda w, v: w.ix.set_lead(v, w.teacher), NotFoundError, UNKNOWN_MATCH
)
STORE_ROWS += _id_family(
    "mark-coordinated-id",
    lambda w, v: w.ix.mark_coordinated(v, w.teacher),
    NotFoundError,
    UNKNOWN_MATCH,
)
STORE_ROWS += _id_family(
    "follow-up-status-id",
    lambda w, v: w.ix.follow_up_status(v, by=w.checker),
    NotFoundError,
    UNKNOWN_MATCH,
)
STORE_ROWS += _id_family(
    "organisation-id", lambda w, v: w.ix.organisation(v), UnknownOrganisationError, UNKNOWN_ORG
)
STORE_ROWS += [
    Row(
        "withdraw-id-10mb",
        lambda w: w.ix.withdraw("geheim" * 1_747_627, by=w.teacher, reason=RR),
        IRE,
        (MB,),
    ),
    Row(
        "withdraw-archived-link",
        lambda w: w.index.withdraw(w.archived_link_id, by=w.teacher, reason=RR),
        NotFoundError,
    ),
    Row("organisation-id-tuple", lambda w: w.ix.organisation(("sint-jozefschool",)), IRE),
]

# withdraw: reason and actor
STORE_ROWS += [
    Row(
        "withdraw-reason-text",
        lambda w: w.ix.withdraw(w.link_id, by=w.teacher, reason="zorgen over thuis"),
        ForbiddenFieldError,
        ("zorgen over thuis",),
    ),
    Row(
        "withdraw-reason-enum-value",
        lambda w: w.ix.withdraw(w.link_id, by=w.teacher, reason="risk-resolved"),
        ForbiddenFieldError,
    ),
    Row("withdraw-reason-none", lambda w: w.ix.withdraw(w.link_id, by=w.teacher, reason=None), IRE),
    Row("withdraw-reason-int", lambda w: w.ix.withdraw(w.link_id, by=w.teacher, reason=1), IRE),
    Row(
        "withdraw-reason-other-enum",
        lambda w: w.ix.withdraw(w.link_id, by=w.teacher, reason=Recipient.YOUTH),
        IRE,
    ),
    Row("withdraw-by-nurse", lambda w: w.index.withdraw(w.link_id, by=w.nurse, reason=RR), AD),
    Row("withdraw-by-nurse-id", lambda w: w.index.withdraw(w.link_id, by="n1", reason=RR), AD),
    Row("withdraw-by-officer", lambda w: w.index.withdraw(w.link_id, by=w.officer, reason=RR), AD),
    Row(
        "withdraw-by-coordinator",
        lambda w: w.index.withdraw(w.link_id, by=w.coordinator, reason=RR),
        AD,
    ),
    Row("withdraw-by-checker", lambda w: w.index.withdraw(w.link_id, by=w.checker, reason=RR), AD),
]
STORE_ROWS += _actor_family("withdraw-by", lambda w, v: w.ix.withdraw(w.link_id, by=v, reason=RR))

# links_for, matches_for
STORE_ROWS += _actor_family("links-for", lambda w, v: w.ix.links_for(v))
STORE_ROWS += [
    Row("links-for-bool", lambda w: w.ix.links_for(True), IRE),
    Row("links-for-bytes", lambda w: w.ix.links_for(b"t1"), IRE),
    Row("links-for-officer", lambda w: w.index.links_for(w.officer), AD),
    Row("links-for-coordinator", lambda w: w.index.links_for(w.coordinator), AD),
    Row("links-for-checker", lambda w: w.index.links_for(w.checker), AD),
    Row(
        "links-for-tampered-professional",
        lambda w: w.index.links_for(tampered(w.teacher, id=SURR)),
        IRE,
        (SURR,),
    ),
]
STORE_ROWS += _actor_family("matches-for", lambda w, v: w.ix.matches_for(v))
STORE_ROWS += [
    Row("matches-for-officer", lambda w: w.index.matches_for(w.officer), AD),
    Row("matches-for-coordinator", lambda w: w.index.matches_for(w.coordinator), AD),
    Row("matches-for-checker", lambda w: w.index.matches_for(w.checker), AD),
]

# register
STORE_ROWS += [
    Row("register-subject-none", lambda w: w.ix.register(None, w.teacher), IRE),
    Row("register-subject-bsn-string", lambda w: w.ix.register(BSN, w.teacher), IRE, (BSN,)),
    Row("register-subject-dict", lambda w: w.ix.register({"bsn": BSN}, w.teacher), IRE, (BSN,)),
    Row("register-professional-none", lambda w: w.ix.register(w.fresh, None), IRE),
    Row("register-professional-id", lambda w: w.ix.register(w.fresh, "t1"), IRE),
    Row("register-professional-int", lambda w: w.ix.register(w.fresh, 12345), IRE),
    Row("register-by-officer", lambda w: w.index.register(w.fresh, w.officer), AD),
    Row("register-by-coordinator", lambda w: w.index.register(w.fresh, w.coordinator), AD),
    Row("register-by-checker", lambda w: w.index.register(w.fresh, w.checker), AD),
    Row(
        "register-reden",
        lambda w: w.index.register(w.fresh, w.teacher, reden="zorgen thuis"),
        ForbiddenFieldError,
        ("zorgen thuis",),
    ),
    Row(
        "register-reason",
        lambda w: w.index.register(w.fresh, w.teacher, reason="111222333 at risk"),
        ForbiddenFieldError,
        ("111222333 at risk",),
    ),
    Row(
        "register-risico",
        lambda w: w.index.register(w.fresh, w.teacher, risico="hoog"),
        ForbiddenFieldError,
    ),
    Row(
        "register-notitie",
        lambda w: w.index.register(w.fresh, w.teacher, notitie="zie map qx7"),
        ForbiddenFieldError,
        ("zie map qx7",),
    ),
    Row(
        "register-reden-melding",
        lambda w: w.index.register(w.fresh, w.teacher, Reden_Melding="thuis"),
        ForbiddenFieldError,
    ),
    # a reason-like keyword with a BSN in it, its digits apart: the field is named, the
    # digits are not
    Row(
        "register-reden-bsn-underscores",
        lambda w: w.ix.register(w.fresh, w.teacher, reden_111_222_333="x"),
        ForbiddenFieldError,
        ("111_222_333",),
    ),
    Row(
        "register-reden-bsn-commas",
        lambda w: w.ix.register(w.fresh, w.teacher, **{"reden 111,222,333": "x"}),
        ForbiddenFieldError,
        ("111,222,333",),
    ),
    Row(
        "register-reden-bsn-slashes",
        lambda w: w.ix.register(w.fresh, w.teacher, **{"reden111/222/333": "x"}),
        ForbiddenFieldError,
        ("111/222/333",),
    ),
    Row(
        "register-keyword-bsn",
        lambda w: w.ix.register(w.youth, w.teacher, **{BSN: 1}),
        IRE,
        (BSN,),
    ),
    Row(
        "register-keyword-fullwidth-bsn",
        lambda w: w.ix.register(w.youth, w.teacher, **{FULLWIDTH: 1}),
        IRE,
        (FULLWIDTH,),
    ),
    Row(
        "register-keyword-1mb",
        lambda w: w.ix.register(w.youth, w.teacher, **{MB: 1}),
        IRE,
        (MB,),
    ),
    Row(
        "register-keyword-surrogate",
        lambda w: w.ix.register(w.youth, w.teacher, **{SURR: 1}),
        IRE,
        (SURR,),
    ),
    Row(
        "register-keyword-colour",
        lambda w: w.index.register(w.fresh, w.teacher, colour="blauw-groen"),
        IRE,
        ("blauw-groen",),
    ),
    Row(
        "register-ends-on-past",
        lambda w: w.index.register(w.fresh, w.teacher, ends_on=date(2026, 1, 1)),
        InvalidPeriodError,
    ),
    Row(
        "register-ends-on-today",
        lambda w: w.index.register(w.fresh, w.teacher, ends_on=TODAY),
        InvalidPeriodError,
    ),
    Row(
        "register-ends-on-beyond-maximum",
        lambda w: w.index.register(w.fresh, w.teacher, ends_on=date(2029, 11, 24)),
        InvalidPeriodError,
    ),
    Row(
        "register-ends-on-date-max",
        lambda w: w.index.register(w.fresh, w.teacher, ends_on=date.max),
        InvalidPeriodError,
    ),
    Row(
        "register-ends-on-date-min",
        lambda w: w.index.register(w.fresh, w.teacher, ends_on=date.min),
        InvalidPeriodError,
    ),
    Row(
        "register-ends-on-string",
        lambda w: w.ix.register(w.fresh, w.teacher, ends_on="2027-01-01"),
        IRE,
        ("2027-01-01",),
    ),
    Row(
        "register-ends-on-datetime",
        lambda w: w.index.register(
            w.fresh, w.teacher, ends_on=datetime(2027, 1, 1, tzinfo=timezone.utc)
        ),
        IRE,
    ),
    Row("register-ends-on-int", lambda w: w.ix.register(w.fresh, w.teacher, ends_on=20270101), IRE),
    Row("register-ends-on-bool", lambda w: w.ix.register(w.fresh, w.teacher, ends_on=True), IRE),
    Row(
        "register-age-23",
        lambda w: w.index.register(
            make_subject(bsn="010000008", birth_date=date(2003, 11, 23)), w.teacher
        ),
        AgeLimitError,
    ),
    Row(
        "register-born-year-1",
        lambda w: w.index.register(
            make_subject(bsn="010000008", birth_date=date(1, 1, 1)), w.teacher
        ),
        IRE,  # a birth date before 1900 is out of range, before any age is judged
    ),
    Row(
        "register-born-in-future",
        lambda w: w.index.register(
            make_subject(bsn="010000008", birth_date=date(2027, 1, 1)), w.teacher
        ),
        IRE,
    ),
    Row(
        "register-born-date-max",
        lambda w: w.index.register(make_subject(bsn="010000008", birth_date=date.max), w.teacher),
        IRE,
    ),
    Row(
        "register-deceased",
        lambda w: w.index.register(
            make_subject(bsn="010000008", birth_date=date(2015, 6, 1), died_on=date(2026, 1, 1)),
            w.teacher,
        ),
        DeceasedSubjectError,
    ),
    Row(
        "register-unknown-organisation",
        lambda w: w.index.register(
            w.fresh, make_professional(id="g1", organisation="Kwik Zx Qwerty")
        ),
        UnknownOrganisationError,
        ("kwik-zx-qwerty",),
    ),
    Row(
        "register-tampered-bsn-string",
        lambda w: w.index.register(tampered(w.fresh, bsn=BSN), w.teacher),
        IRE,
        (BSN,),
    ),
    Row(
        "register-tampered-name-surrogate",
        lambda w: w.index.register(tampered(w.fresh, name=SURR), w.teacher),
        IRE,
        (SURR,),
    ),
    Row(
        "register-tampered-name-1mb",
        lambda w: w.index.register(tampered(w.fresh, name=MB), w.teacher),
        IRE,
        (MB,),
    ),
    Row(
        "register-tampered-name-nul",
        lambda w: w.index.register(tampered(w.fresh, name=NUL), w.teacher),
        IRE,
        (NUL,),
    ),
    Row(  # a shifted column of a form or a file: the number would be stored readable
        "register-tampered-name-bsn",
        lambda w: w.index.register(tampered(w.fresh, name=f"Sanne {BSN}"), w.teacher),
        IRE,
        (BSN,),
    ),
    Row(
        "register-tampered-name-bsn-spelled",
        lambda w: w.index.register(tampered(w.fresh, name="Sanne 1112.22.333"), w.teacher),
        IRE,
        ("1112.22.333", BSN),
    ),
    Row(  # the same in the address (decision 113)
        "register-tampered-street-bsn",
        lambda w: w.index.register(
            tampered(w.fresh, address=tampered(w.fresh.address, street=f"Markt {BSN}")), w.teacher
        ),
        IRE,
        (BSN,),
    ),
    Row(
        "register-tampered-city-bsn-spelled",
        lambda w: w.index.register(
            tampered(w.fresh, address=tampered(w.fresh.address, city="Maastricht 111-222-333")),
            w.teacher,
        ),
        IRE,
        ("111-222-333", BSN),
    ),
    Row(
        "register-tampered-house-number-bsn",
        lambda w: w.index.register(
            tampered(w.fresh, address=tampered(w.fresh.address, house_number=BSN)), w.teacher
        ),
        IRE,
        (BSN,),
    ),
    Row(
        "register-tampered-address-none",
        lambda w: w.index.register(tampered(w.fresh, address=None), w.teacher),
        IRE,
    ),
    Row(
        "register-tampered-parents-string",
        lambda w: w.index.register(tampered(w.fresh, parents=BSN), w.teacher),
        IRE,
        (BSN,),
    ),
    Row(
        "register-tampered-birth-date-none",
        lambda w: w.index.register(tampered(w.fresh, birth_date=None), w.teacher),
        IRE,
    ),
    Row(
        "register-tampered-professional-name-surrogate",
        lambda w: w.index.register(w.fresh, tampered(w.teacher, name=SURR)),
        IRE,
        (SURR,),
    ),
    Row(
        "register-tampered-professional-id-65",
        lambda w: w.index.register(w.fresh, tampered(w.teacher, id=LONG_ID)),
        IRE,
        (LONG_ID,),
    ),
    Row(
        "register-tampered-professional-email-1mb",
        lambda w: w.index.register(w.fresh, tampered(w.teacher, email=MB)),
        IRE,
        (MB,),
    ),
]

# history
STORE_ROWS += [
    Row("history-subject-none", lambda w: w.ix.history(None, w.teacher), IRE),
    Row("history-subject-bsn-string", lambda w: w.ix.history(BSN, w.teacher), IRE, (BSN,)),
    Row(
        "history-subject-tampered-bsn",
        lambda w: w.index.history(tampered(w.youth, bsn=BSN), w.teacher),
        IRE,
        (BSN,),
    ),
    Row("history-professional-none", lambda w: w.ix.history(w.youth, None), IRE),
    Row("history-professional-int", lambda w: w.ix.history(w.youth, 12345), IRE),
    Row("history-professional-surrogate", lambda w: w.ix.history(w.youth, SURR), IRE, (SURR,)),
    Row("history-professional-1mb", lambda w: w.ix.history(w.youth, MB), IRE, (MB,)),
    Row("history-by-outsider", lambda w: w.index.history(w.youth, w.outsider), AD),
    Row("history-by-officer", lambda w: w.index.history(w.youth, w.officer), AD),
    Row("history-without-link", lambda w: w.index.history(w.fresh, w.teacher), AD),
]

# bulk_register


def _duplicate(w: World) -> list[ImportRecord]:
    """A record the store holds already: importing it writes nothing."""
    return [ImportRecord(w.youth, w.teacher)]


STORE_ROWS += [
    Row("bulk-register-none", lambda w: w.ix.bulk_register(None), IRE),
    Row("bulk-register-bsn-string", lambda w: w.ix.bulk_register(BSN), IRE, (BSN,)),
    Row("bulk-register-int", lambda w: w.ix.bulk_register(42), IRE),
    Row("bulk-register-bytes", lambda w: w.ix.bulk_register(b"abcdef"), IRE),
    Row(
        "bulk-register-one-mapping",
        lambda w: w.ix.bulk_register({"subject": w.youth, "professional": w.teacher}),
        IRE,
    ),
    Row(
        "bulk-register-one-record",
        lambda w: w.ix.bulk_register(ImportRecord(w.youth, w.teacher)),
        IRE,
    ),
    Row("bulk-register-batch-0", lambda w: w.ix.bulk_register(_duplicate(w), batch_size=0), IRE),
    Row(
        "bulk-register-batch-negative",
        lambda w: w.ix.bulk_register(_duplicate(w), batch_size=-1),
        IRE,
    ),
    Row(
        "bulk-register-batch-bool",
        lambda w: w.ix.bulk_register(_duplicate(w), batch_size=True),
        IRE,
    ),
    Row(
        "bulk-register-batch-string",
        lambda w: w.ix.bulk_register(_duplicate(w), batch_size="x"),
        IRE,
    ),
    Row(
        "bulk-register-batch-float",
        lambda w: w.ix.bulk_register(_duplicate(w), batch_size=1.5),
        IRE,
    ),
    Row(
        "bulk-register-batch-nan", lambda w: w.ix.bulk_register(_duplicate(w), batch_size=NAN), IRE
    ),
    Row(
        "bulk-register-batch-huge",
        lambda w: w.ix.bulk_register(_duplicate(w), batch_size=10**100),
        IRE,
    ),
]

# set_lead, mark_coordinated (beyond the ids)
STORE_ROWS += [
    Row("set-lead-professional-none", lambda w: w.ix.set_lead(w.match_id, None), IRE),
    Row("set-lead-professional-int", lambda w: w.ix.set_lead(w.match_id, 12345), IRE),
    Row("set-lead-professional-empty", lambda w: w.ix.set_lead(w.match_id, ""), IRE),
    Row(
        "set-lead-professional-surrogate",
        lambda w: w.ix.set_lead(w.match_id, SURR, by=w.teacher),
        IRE,
        (SURR,),
    ),
    Row(
        "set-lead-professional-1mb",
        lambda w: w.ix.set_lead(w.match_id, MB, by=w.teacher),
        IRE,
        (MB,),
    ),
    Row(
        "set-lead-not-in-match",
        lambda w: w.index.set_lead(w.match_id, w.outsider, by=w.teacher),
        IRE,
    ),
    Row(
        "set-lead-by-outsider", lambda w: w.index.set_lead(w.match_id, w.teacher, by=w.outsider), AD
    ),
    Row("set-lead-by-officer", lambda w: w.index.set_lead(w.match_id, w.teacher, by=w.officer), AD),
    Row("set-lead-by-int", lambda w: w.ix.set_lead(w.match_id, w.teacher, by=12345), IRE),
    Row(
        "set-lead-tampered-professional",
        lambda w: w.index.set_lead(w.match_id, tampered(w.teacher, id=SURR), by=w.teacher),
        IRE,
        (SURR,),
    ),
    Row(
        "mark-coordinated-by-outsider",
        lambda w: w.index.mark_coordinated(w.match_id, w.outsider),
        AD,
    ),
    Row(
        "mark-coordinated-by-outsider-id", lambda w: w.index.mark_coordinated(w.match_id, "o1"), AD
    ),
    Row(
        "mark-coordinated-by-officer", lambda w: w.index.mark_coordinated(w.match_id, w.officer), AD
    ),
    Row(
        "mark-coordinated-by-checker",
        lambda w: w.index.mark_coordinated(w.match_id, w.checker),
        AD,
    ),
]
STORE_ROWS += _actor_family(
    "mark-coordinated-by", lambda w, v: w.ix.mark_coordinated(w.match_id, v)
)

# record_informed: recipients, moment, actor
STORE_ROWS += [
    Row(
        "record-informed-recipients-none", lambda w: w.ix.record_informed(w.link_id, None, NOW), IRE
    ),
    Row(
        "record-informed-recipients-string",
        lambda w: w.ix.record_informed(w.link_id, "youth", NOW),
        IRE,
    ),
    Row(
        "record-informed-recipients-empty", lambda w: w.ix.record_informed(w.link_id, [], NOW), IRE
    ),
    Row(
        "record-informed-recipients-strings",
        lambda w: w.ix.record_informed(w.link_id, ["youth"], NOW),
        IRE,
    ),
    Row(
        "record-informed-recipients-mixed",
        lambda w: w.ix.record_informed(w.link_id, [Recipient.YOUTH, "ouder-123456"], NOW),
        IRE,
        ("ouder-123456",),
    ),
    Row(
        "record-informed-recipients-int", lambda w: w.ix.record_informed(w.link_id, 12345, NOW), IRE
    ),
    Row(
        "record-informed-before-link",
        lambda w: w.index.record_informed(w.link_id, BOTH, NOW - timedelta(days=1)),
        IRE,
    ),
    Row(
        "record-informed-after-now",
        lambda w: w.index.record_informed(w.link_id, BOTH, NOW + timedelta(days=1)),
        IRE,
    ),
    Row(
        "record-informed-by-nurse",
        lambda w: w.index.record_informed(w.link_id, BOTH, NOW, by=w.nurse),
        AD,
    ),
    Row(
        "record-informed-by-officer",
        lambda w: w.index.record_informed(w.link_id, BOTH, NOW, by=w.officer),
        AD,
    ),
]
STORE_ROWS += _moment_family(
    "record-informed-at", lambda w, v: w.ix.record_informed(w.link_id, BOTH, v), none=True
)
STORE_ROWS += _actor_family(
    "record-informed-by",
    lambda w, v: w.ix.record_informed(w.link_id, BOTH, NOW, by=v),
    none=False,
)

# overdue_information, sweep
STORE_ROWS += _moment_family("overdue-information", lambda w, v: w.ix.overdue_information(v))
STORE_ROWS += _moment_family("sweep", lambda w, v: w.ix.sweep(v))
STORE_ROWS += [
    Row("overdue-information-int", lambda w: w.ix.overdue_information(0), IRE),
    Row("sweep-int", lambda w: w.ix.sweep(0), IRE),
]

# record_death, record_move
STORE_ROWS += [
    Row("record-death-subject-none", lambda w: w.ix.record_death(None, date(2026, 1, 1)), IRE),
    Row(
        "record-death-subject-bsn-string",
        lambda w: w.ix.record_death(BSN, date(2026, 1, 1)),
        IRE,
        (BSN,),
    ),
    Row(
        "record-death-subject-tampered-bsn",
        lambda w: w.index.record_death(tampered(w.youth, bsn=BSN), date(2026, 1, 1)),
        IRE,
        (BSN,),
    ),
    Row(
        "record-death-tomorrow",
        lambda w: w.index.record_death(w.youth, TODAY + timedelta(days=1)),
        InvalidNoticeError,
    ),
    Row(
        "record-death-before-birth",
        lambda w: w.index.record_death(w.youth, date(2012, 4, 30)),
        InvalidNoticeError,
    ),
    Row(
        "record-death-before-birth-by-bsn",
        lambda w: w.index.record_death(w.youth.number, date(2000, 1, 1)),
        InvalidNoticeError,
    ),
    Row(
        "record-death-unknown-youth-tomorrow",
        lambda w: w.index.record_death(w.fresh.number, TODAY + timedelta(days=1)),
        InvalidNoticeError,
    ),
    Row(
        "record-death-date-max",
        lambda w: w.index.record_death(w.youth, date.max),
        InvalidNoticeError,
    ),
    Row(
        "record-death-date-min",
        lambda w: w.index.record_death(w.youth, date.min),
        InvalidNoticeError,
    ),
    Row(
        "record-death-string", lambda w: w.ix.record_death(w.youth, "gisteren"), IRE, ("gisteren",)
    ),
    Row("record-death-datetime", lambda w: w.ix.record_death(w.youth, NOW), IRE),
    Row("record-death-none", lambda w: w.ix.record_death(w.youth, None), IRE),
    Row("record-death-int", lambda w: w.ix.record_death(w.youth, 20261123), IRE),
    Row("record-move-none", lambda w: w.ix.record_move(None), IRE),
    Row("record-move-bsn-string", lambda w: w.ix.record_move(BSN), IRE, (BSN,)),
    Row("record-move-bsn", lambda w: w.ix.record_move(w.youth.bsn), IRE),
    Row(
        "record-move-address-none",
        lambda w: w.index.record_move(tampered(w.youth, address=None)),
        InvalidNoticeError,
    ),
    Row(  # a number a BSN could be, in the new street (decision 113)
        "record-move-street-bsn",
        lambda w: w.index.record_move(
            tampered(w.youth, address=tampered(w.youth.address, street=f"Markt {BSN}"))
        ),
        IRE,
        (BSN,),
    ),
    Row(
        "record-move-address-bad-postcode",
        lambda w: w.index.record_move(
            tampered(w.youth, address=tampered(w.youth.address, postcode="XXXX-99"))
        ),
        InvalidNoticeError,
        ("XXXX-99",),
    ),
    Row(
        "record-move-address-code-none",
        lambda w: w.index.record_move(
            tampered(w.youth, address=tampered(w.youth.address, municipality_code=None))
        ),
        InvalidNoticeError,
    ),
    Row(
        "record-move-tampered-bsn",
        lambda w: w.index.record_move(tampered(w.youth, bsn=BSN)),
        IRE,
        (BSN,),
    ),
    Row(
        "record-move-tampered-name",
        lambda w: w.index.record_move(tampered(w.youth, name=SURR)),
        IRE,
        (SURR,),
    ),
]

# follow_up_status, organisation_contacts, organisation_signals (the roles)
STORE_ROWS += [
    Row("follow-up-status-by-none", lambda w: w.ix.follow_up_status(w.match_id, by=None), IRE),
    Row("follow-up-status-by-int", lambda w: w.ix.follow_up_status(w.match_id, by=12345), IRE),
    Row(
        "follow-up-status-by-surrogate",
        lambda w: w.ix.follow_up_status(w.match_id, by=SURR),
        IRE,
        (SURR,),
    ),
    Row(
        "follow-up-status-by-teacher",
        lambda w: w.index.follow_up_status(w.match_id, by=w.teacher),
        AD,
    ),
    Row(
        "follow-up-status-by-officer",
        lambda w: w.index.follow_up_status(w.match_id, by=w.officer),
        AD,
    ),
    Row(
        "follow-up-status-by-foreign-checker",
        lambda w: w.index.follow_up_status(w.match_id, by=w.foreign_checker),
        AD,
    ),
]


def _coordinator_rows(method: str) -> list[StoreRow]:
    """The rows of a method only an organisation's coordinator may call."""
    slug = method.replace("_", "-")

    def call(w: World, by: object) -> object:
        return getattr(w.ix, method)(by=by)

    return [
        Row(f"{slug}-by-none", lambda w: call(w, None), IRE),
        Row(f"{slug}-by-int", lambda w: call(w, 12345), IRE),
        Row(f"{slug}-by-surrogate", lambda w: call(w, SURR), IRE, (SURR,)),
        Row(f"{slug}-by-1mb", lambda w: call(w, MB), IRE, (MB,)),
        Row(f"{slug}-by-teacher", lambda w: call(w, w.teacher), AD),
        Row(f"{slug}-by-professional-id", lambda w: call(w, "t1"), AD),
        Row(f"{slug}-by-officer", lambda w: call(w, w.officer), AD),
        Row(
            f"{slug}-by-coordinator-of-unknown",
            lambda w: call(w, OrganisationCoordinator(UNKNOWN_ORG)),
            UnknownOrganisationError,
            (UNKNOWN_ORG,),
        ),
        Row(
            f"{slug}-by-tampered-coordinator",
            lambda w: call(w, tampered(w.coordinator, organisation_id=SURR)),
            IRE,
            (SURR,),
        ),
    ]


STORE_ROWS += _coordinator_rows("organisation_contacts")
STORE_ROWS += _coordinator_rows("organisation_signals")

# data-subject rights, on the index and through verwijsindex.privacy
STORE_ROWS += [
    Row(
        "privacy-access-report-none",
        lambda w: bad(privacy.access_report, w.index, None, by=w.officer),
        IRE,
    ),
    Row("access-report-none", lambda w: w.ix.access_report(None, by=w.officer), IRE),
    Row("privacy-export-none", lambda w: bad(privacy.export, w.index, None, by=w.officer), IRE),
    Row(
        "privacy-rectify-none",
        lambda w: bad(privacy.rectify, w.index, None, w.youth, by=w.officer),
        IRE,
    ),
    Row("privacy-erase-none", lambda w: bad(privacy.erase, w.index, None, by=w.officer), IRE),
    Row("privacy-route-none", lambda w: bad(privacy.route, w.index, None, by=w.officer), IRE),
    Row(
        "access-report-bsn-string",
        lambda w: w.ix.access_report(BSN, by=w.officer),
        IRE,
        (BSN,),
    ),
    Row(
        "access-report-dict",
        lambda w: w.ix.access_report({"subject": BSN, "kind": "access"}, by=w.officer),
        IRE,
        (BSN,),
    ),
    Row(
        "privacy-access-report-subject-string",
        lambda w: privacy.access_report(w.index, tampered(w.access, subject=BSN), by=w.officer),
        IRE,
        (BSN,),
    ),
    Row(
        "privacy-export-subject-string",
        lambda w: privacy.export(w.index, tampered(w.export, subject=BSN), by=w.officer),
        IRE,
        (BSN,),
    ),
    Row(
        "privacy-erase-subject-string",
        lambda w: privacy.erase(w.index, tampered(w.objection, subject=BSN), by=w.officer),
        IRE,
        (BSN,),
    ),
    Row(
        "privacy-route-subject-string",
        lambda w: privacy.route(w.index, tampered(w.access, subject=BSN), by=w.officer),
        IRE,
        (BSN,),
    ),
    Row(
        "privacy-rectify-subject-string",
        lambda w: privacy.rectify(
            w.index, tampered(w.rectification, subject=BSN), w.youth, by=w.officer
        ),
        IRE,
        (BSN,),
    ),
    Row(
        "access-report-kind-string",
        lambda w: w.index.access_report(tampered(w.access, kind="access"), by=w.officer),
        IRE,
    ),
    Row(
        "erase-status-string",
        lambda w: w.index.erase(tampered(w.objection, status="granted"), by=w.officer),
        IRE,
    ),
    Row(
        "access-report-objection",
        lambda w: w.index.access_report(w.objection, by=w.officer),
        IRE,
    ),
    Row("access-report-by-none", lambda w: w.ix.access_report(w.access, by=None), IRE),
    Row("access-report-by-int", lambda w: w.ix.access_report(w.access, by=12345), IRE),
    Row("access-report-by-teacher", lambda w: w.index.access_report(w.access, by=w.teacher), AD),
    Row("access-report-by-professional-id", lambda w: w.ix.access_report(w.access, by="t1"), AD),
    Row(
        "access-report-by-foreign-officer",
        lambda w: w.index.access_report(w.access, by=w.foreign_officer),
        AD,
    ),
    Row(
        "privacy-access-report-by-coordinator",
        lambda w: privacy.access_report(w.index, w.access, by=w.coordinator),
        AD,
    ),
    Row("export-by-teacher", lambda w: w.index.export(w.export, by=w.teacher), AD),
    Row("export-objection", lambda w: w.index.export(w.objection, by=w.officer), IRE),
    Row("export-by-none", lambda w: w.ix.export(w.export, by=None), IRE),
    Row("rectify-corrected-none", lambda w: w.ix.rectify(w.rectification, None, by=w.officer), IRE),
    Row(
        "rectify-corrected-bsn-string",
        lambda w: w.ix.rectify(w.rectification, BSN, by=w.officer),
        IRE,
        (BSN,),
    ),
    Row(
        "rectify-corrected-other-youth",
        lambda w: w.index.rectify(w.rectification, w.fresh, by=w.officer),
        IRE,
    ),
    Row(
        "rectify-corrected-tampered-name",
        lambda w: w.index.rectify(w.rectification, tampered(w.youth, name=SURR), by=w.officer),
        IRE,
        (SURR,),
    ),
    Row(
        "rectify-corrected-tampered-name-1mb",
        lambda w: w.index.rectify(w.rectification, tampered(w.youth, name=MB), by=w.officer),
        IRE,
        (MB,),
    ),
    Row(
        "rectify-not-granted",
        lambda w: w.index.rectify(
            file_request(RequestKind.RECTIFICATION, w.youth, BOTH, received_on=TODAY),
            w.youth,
            by=w.officer,
        ),
        IRE,
    ),
    Row("rectify-access-request", lambda w: w.index.rectify(w.access, w.youth, by=w.officer), IRE),
    Row(
        "rectify-by-teacher", lambda w: w.index.rectify(w.rectification, w.youth, by=w.teacher), AD
    ),
    Row(
        "rectify-by-foreign-officer",
        lambda w: w.index.rectify(w.rectification, w.youth, by=w.foreign_officer),
        AD,
    ),
    Row(
        "rectify-unknown-youth",
        lambda w: w.index.rectify(
            w.unknown_rectification,
            make_subject(bsn="100000009", birth_date=date(2013, 1, 1)),
            by=w.officer,
        ),
        NotFoundError,
    ),
    Row("erase-not-granted", lambda w: w.index.erase(w.received_objection, by=w.officer), IRE),
    Row("erase-access-request", lambda w: w.index.erase(w.access, by=w.officer), IRE),
    Row("erase-by-teacher", lambda w: w.index.erase(w.objection, by=w.teacher), AD),
    Row("erase-by-foreign-officer", lambda w: w.index.erase(w.objection, by=w.foreign_officer), AD),
    Row("erase-by-none", lambda w: w.ix.erase(w.objection, by=None), IRE),
    Row("route-by-teacher", lambda w: w.index.route(w.access, by=w.teacher), AD),
    Row("route-by-none", lambda w: w.ix.route(w.access, by=None), IRE),
    Row("route-dict", lambda w: w.ix.route({"subject": BSN}, by=w.officer), IRE, (BSN,)),
]

# pending_notifications, acknowledge
STORE_ROWS += [
    Row("pending-limit-negative", lambda w: w.ix.pending_notifications(limit=-1), IRE),
    Row("pending-limit-true", lambda w: w.ix.pending_notifications(limit=True), IRE),
    Row("pending-limit-false", lambda w: w.ix.pending_notifications(limit=False), IRE),
    Row("pending-limit-float", lambda w: w.ix.pending_notifications(limit=1.5), IRE),
    Row("pending-limit-string", lambda w: w.ix.pending_notifications(limit="10"), IRE),
    Row("pending-limit-nan", lambda w: w.ix.pending_notifications(limit=NAN), IRE),
    Row("pending-limit-inf", lambda w: w.ix.pending_notifications(limit=INF), IRE),
    Row("pending-limit-huge", lambda w: w.ix.pending_notifications(limit=10**100), IRE),
    Row("pending-limit-huge-negative", lambda w: w.ix.pending_notifications(limit=-(10**100)), IRE),
    Row("pending-limit-list", lambda w: w.ix.pending_notifications(limit=[1]), IRE),
    Row("acknowledge-none", lambda w: w.ix.acknowledge(None), IRE),
    Row("acknowledge-abc", lambda w: w.ix.acknowledge("abc"), IRE, ("abc",)),
    Row(
        "acknowledge-single-id-string",
        lambda w: w.ix.acknowledge(w.notification_id),
        IRE,
    ),
    Row("acknowledge-int", lambda w: w.ix.acknowledge(12345), IRE),
    Row("acknowledge-bytes", lambda w: w.ix.acknowledge(b"abcdef"), IRE),
    Row("acknowledge-item-none", lambda w: w.ix.acknowledge([None]), IRE),
    Row("acknowledge-item-int", lambda w: w.ix.acknowledge([12345]), IRE),
    Row("acknowledge-item-empty", lambda w: w.ix.acknowledge([""]), IRE),
    Row("acknowledge-item-surrogate", lambda w: w.ix.acknowledge([SURR]), IRE, (SURR,)),
    Row("acknowledge-item-nul", lambda w: w.ix.acknowledge([NUL]), IRE, (NUL,)),
    Row("acknowledge-item-65-chars", lambda w: w.ix.acknowledge([LONG_ID]), IRE, (LONG_ID,)),
    Row("acknowledge-item-1mb", lambda w: w.ix.acknowledge([MB]), IRE, (MB,)),
    Row(
        "acknowledge-valid-then-bad",
        lambda w: w.ix.acknowledge([w.notification_id, 12345]),
        IRE,
    ),
]

# verify_logbook, rekey
STORE_ROWS += [
    Row("verify-logbook-int", lambda w: w.ix.verify_logbook(12345), IRE),
    Row("verify-logbook-bad-json", lambda w: w.ix.verify_logbook("{"), IRE),
    Row("verify-logbook-list", lambda w: w.ix.verify_logbook([]), IRE),
    Row("verify-logbook-empty-dict", lambda w: w.ix.verify_logbook({}), IRE),
    Row(
        "verify-logbook-version-bool",
        lambda w: w.ix.verify_logbook({"version": True, "lanes": {}}),
        IRE,
    ),
    Row(
        "verify-logbook-nan-seq",
        lambda w: w.ix.verify_logbook('{"version": 1, "lanes": {"0": [NaN, "ab"]}}'),
        IRE,
    ),
    Row(
        "verify-logbook-arabic-lane",
        lambda w: w.ix.verify_logbook({"version": 1, "lanes": {"٣": [1, "ab"]}}),
        IRE,
    ),
    Row(
        "verify-logbook-hash-none",
        lambda w: w.ix.verify_logbook({"version": 1, "lanes": {"0": [1, None]}}),
        IRE,
    ),
    Row(
        "verify-logbook-lanes-list", lambda w: w.ix.verify_logbook({"version": 1, "lanes": []}), IRE
    ),
    Row("verify-logbook-1mb", lambda w: w.ix.verify_logbook(MB), IRE, (MB,)),
    Row("verify-logbook-bytes", lambda w: w.ix.verify_logbook(b"\xff\xfe"), IRE),
    Row("verify-logbook-surrogate", lambda w: w.ix.verify_logbook(SURR), IRE, (SURR,)),
    Row("change-match-rule-none", lambda w: w.ix.change_match_rule(None), CE),
    Row(
        "change-match-rule-string",
        lambda w: w.ix.change_match_rule("any-two-links"),
        CE,
        ("any-two-links",),
    ),
    Row("rekey-none", lambda w: w.ix.rekey(None), CE),
    Row("rekey-string", lambda w: w.ix.rekey("nieuwe-sleutel"), CE, ("nieuwe-sleutel",)),
    Row("rekey-keyring", lambda w: w.ix.rekey(Keyring([TEST_KEY])), CE),
    Row(
        "rekey-same-id-other-secret",
        lambda w: w.index.rekey(PseudonymKey("test-key", OTHER_SECRET)),
        CE,
    ),
    Row(
        "rekey-tampered-short-secret",
        lambda w: w.index.rekey(tampered(PseudonymKey("nieuw", OTHER_SECRET), secret=b"kort")),
        CE,
    ),
    Row(
        "rekey-tampered-id-surrogate",
        lambda w: w.index.rekey(tampered(PseudonymKey("nieuw", OTHER_SECRET), id=SURR)),
        CE,
        (SURR,),
    ),
]

# add_organisation
STORE_ROWS += [
    Row("add-organisation-none", lambda w: w.ix.add_organisation(None), IRE),
    Row("add-organisation-id", lambda w: w.ix.add_organisation("sint-jozefschool"), IRE),
    Row(
        "add-organisation-dict",
        lambda w: w.ix.add_organisation({"id": "geheim-org", "name": "Geheim"}),
        IRE,
    ),
    Row(
        "add-organisation-amsterdam",
        lambda w: w.index.add_organisation(
            Organisation(
                id="amsterdamse-school",
                name="Amsterdamse School",
                municipality_code="0363",
                email="vi@amsterdamse-school.example",
            )
        ),
        UnknownMunicipalityError,
        ("0363",),
    ),
    Row(
        "add-organisation-tampered-name",
        lambda w: w.index.add_organisation(tampered(w.outsider.organisation, name=SURR)),
        IRE,
        (SURR,),
    ),
    Row(
        "add-organisation-tampered-id",
        lambda w: w.index.add_organisation(tampered(w.outsider.organisation, id=LONG_ID)),
        IRE,
        (LONG_ID,),
    ),
    Row(
        "add-organisation-tampered-code",
        lambda w: w.index.add_organisation(
            tampered(w.outsider.organisation, municipality_code=None)
        ),
        IRE,
    ),
    Row(  # a shifted column of a form or a file: the number would be stored readable
        "add-organisation-name-bsn",
        lambda w: w.index.add_organisation(
            attrs.evolve(w.outsider.organisation, name=f"School {BSN}")
        ),
        IRE,
        (BSN,),
    ),
    Row(  # the same in a professional's name (decision 114)
        "register-professional-name-bsn",
        lambda w: w.index.register(w.fresh, attrs.evolve(w.teacher, name=f"Jan {BSN}")),
        IRE,
        (BSN,),
    ),
    Row(
        "register-professional-organisation-name-bsn",
        lambda w: w.index.register(
            w.fresh,
            attrs.evolve(
                w.teacher,
                organisation=attrs.evolve(w.teacher.organisation, name="School 111.222.333"),
            ),
        ),
        IRE,
        ("111.222.333", BSN),
    ),
    Row(
        "add-professional-name-bsn",
        lambda w: w.index.add_professional(attrs.evolve(w.teacher, name=f"Jan {BSN}")),
        IRE,
        (BSN,),
    ),
    Row(  # the youth's BSN in the professional's phone, id or e-mail (decision 115)
        "register-professional-phone-youths-bsn",
        lambda w: w.index.register(w.fresh, attrs.evolve(w.teacher, phone=FRESH)),
        IRE,
        (FRESH,),
    ),
    Row(
        "register-professional-phone-youths-bsn-spelled",
        lambda w: w.index.register(w.fresh, attrs.evolve(w.teacher, phone="0100 00 008")),
        IRE,
        ("0100 00 008", FRESH),
    ),
    Row(
        "register-professional-organisation-phone-youths-bsn",
        lambda w: w.index.register(
            w.fresh,
            attrs.evolve(w.teacher, organisation=attrs.evolve(w.teacher.organisation, phone=FRESH)),
        ),
        IRE,
        (FRESH,),
    ),
    Row(
        "register-new-professional-id-youths-bsn",
        lambda w: w.index.register(w.fresh, attrs.evolve(w.teacher, id=f"mdw-{FRESH}")),
        IRE,
        (FRESH,),
    ),
    Row(  # a registration again, of a link that stands: nothing is stored either
        "register-again-professional-phone-youths-bsn",
        lambda w: w.index.register(w.youth, attrs.evolve(w.teacher, phone=BSN)),
        IRE,
        (BSN,),
    ),
    Row(
        "add-professional-organisation-name-bsn",
        lambda w: w.index.add_professional(
            attrs.evolve(
                w.teacher,
                organisation=attrs.evolve(w.teacher.organisation, name="School 111.222.333"),
            )
        ),
        IRE,
        ("111.222.333", BSN),
    ),
    Row(
        "register-professional-email-youths-bsn",
        lambda w: w.index.register(
            w.fresh, attrs.evolve(w.teacher, email=f"{FRESH}@school.example.nl")
        ),
        IRE,
        (FRESH,),
    ),
    Row(
        "register-professional-name-bsn-fullwidth",
        lambda w: w.index.register(
            w.fresh,
            attrs.evolve(
                w.teacher, name="Jan \uff11\uff11\uff11\uff12\uff12\uff12\uff13\uff13\uff13"
            ),
        ),
        IRE,
    ),
    Row(
        "add-organisation-tampered-email",
        lambda w: w.index.add_organisation(tampered(w.outsider.organisation, email=MB)),
        IRE,
        (MB,),
    ),
]

# a clock that returns what no clock may
STORE_ROWS += [
    Row("clock-max-register", lambda w: w.clocked(DT_MAX).register(w.fresh, w.teacher), IRE),
    Row(
        "clock-max-withdraw",
        lambda w: w.clocked(DT_MAX).withdraw(w.link_id, by=w.teacher, reason=RR),
        IRE,
    ),
    Row("clock-max-links-for", lambda w: w.clocked(DT_MAX).links_for(w.teacher), IRE),
    Row("clock-max-history", lambda w: w.clocked(DT_MAX).history(w.youth, w.teacher), IRE),
    Row("clock-max-sweep", lambda w: w.clocked(DT_MAX).sweep(), IRE),
    Row("clock-max-overdue", lambda w: w.clocked(DT_MAX).overdue_information(), IRE),
    Row("clock-max-logbook-anchor", lambda w: w.clocked(DT_MAX).logbook_anchor(), IRE),
    Row(
        "clock-max-access-report",
        lambda w: w.clocked(DT_MAX).access_report(w.access, by=w.officer),
        IRE,
    ),
    Row("clock-max-set-lead", lambda w: w.clocked(DT_MAX).set_lead(w.match_id, w.teacher), IRE),
    Row(
        "clock-max-record-informed",
        lambda w: w.clocked(DT_MAX).record_informed(w.link_id, BOTH, NOW),
        IRE,
    ),
    Row(
        "clock-max-record-death",
        lambda w: w.clocked(DT_MAX).record_death(w.youth, date(2020, 1, 1)),
        IRE,
    ),
    Row(
        "clock-max-rekey",
        lambda w: w.clocked(DT_MAX).rekey(PseudonymKey("nieuw", OTHER_SECRET)),
        IRE,
    ),
    Row("clock-min-register", lambda w: w.clocked(DT_MIN).register(w.fresh, w.teacher), IRE),
    Row("clock-year-1-register", lambda w: w.clocked(YEAR1).register(w.fresh, w.teacher), IRE),
    Row(
        "clock-year-9999-register", lambda w: w.clocked(YEAR9999).register(w.fresh, w.teacher), IRE
    ),
    Row("clock-offset-25h-register", lambda w: w.clocked(OFF25).register(w.fresh, w.teacher), IRE),
    Row("clock-offset-25h-sweep", lambda w: w.clocked(OFF25).sweep(), IRE),
    Row(
        "clock-raising-zone-register",
        lambda w: w.clocked(RAISING).register(w.fresh, w.teacher),
        IRE,
    ),
    Row(
        "clock-naive-register",
        lambda w: w.clocked(NAIVE).register(w.fresh, w.teacher),
        NaiveDatetimeError,
    ),
    Row(
        "clock-naive-links-for", lambda w: w.clocked(NAIVE).links_for(w.teacher), NaiveDatetimeError
    ),
    Row(
        "clock-zone-without-offset-register",
        lambda w: w.clocked(NONE_OFFSET).register(w.fresh, w.teacher),
        NaiveDatetimeError,
    ),
    Row("clock-none-register", lambda w: w.clocked(None).register(w.fresh, w.teacher), IRE),
    Row(
        "clock-string-register",
        lambda w: w.clocked("2026-11-23T09:00:00+00:00").register(w.fresh, w.teacher),
        IRE,
        ("2026-11-23T09:00:00+00:00",),
    ),
    Row("clock-date-register", lambda w: w.clocked(TODAY).register(w.fresh, w.teacher), IRE),
]

# VerwijsIndex(...) on the store under test
STORE_ROWS += [
    Row("index-key-none", lambda w: VerwijsIndex(w.store, key=None), CE),
    Row(
        "index-key-string",
        lambda w: bad(VerwijsIndex, w.store, key="geheime-sleutel"),
        CE,
        ("geheime-sleutel",),
    ),
    Row("index-key-bytes", lambda w: bad(VerwijsIndex, w.store, key=OTHER_SECRET), CE),
    Row("index-key-empty-list", lambda w: VerwijsIndex(w.store, key=[]), CE),
    Row("index-key-twice", lambda w: VerwijsIndex(w.store, key=[TEST_KEY, TEST_KEY]), CE),
    Row("index-key-int", lambda w: bad(VerwijsIndex, w.store, key=42), CE),
    Row(
        "index-key-other-secret",
        lambda w: VerwijsIndex(w.store, key=PseudonymKey("test-key", OTHER_SECRET)),
        KeyMismatchError,
    ),
    Row(
        "index-key-other-id",
        lambda w: VerwijsIndex(w.store, key=PseudonymKey("andere-sleutel", OTHER_SECRET)),
        KeyMismatchError,
    ),
    Row(
        "index-key-extra-older",
        lambda w: VerwijsIndex(
            w.store, key=[PseudonymKey("andere-sleutel", OTHER_SECRET), TEST_KEY]
        ),
        KeyMismatchError,
    ),
    Row("index-clock-none", lambda w: w.index_with(clock=None), CE),
    Row("index-clock-string", lambda w: w.index_with(clock="nu-meteen"), CE, ("nu-meteen",)),
    Row("index-clock-datetime", lambda w: w.index_with(clock=NOW), CE),
    Row("index-clock-int", lambda w: w.index_with(clock=42), CE),
    Row("index-rules-statute", lambda w: w.index_with(rules="statute"), CE, ("statute",)),
    Row("index-rules-int", lambda w: w.index_with(rules=42), CE),
    Row("index-rules-dict", lambda w: w.index_with(rules={"active_years": 2}), CE),
    Row("index-regions-none", lambda w: w.index_with(regions=None), CE),
    Row(
        "index-regions-string",
        lambda w: w.index_with(regions="Zuid-Limburg"),
        CE,
        ("Zuid-Limburg",),
    ),
    Row("index-regions-list", lambda w: w.index_with(regions=[]), CE),
    Row("index-regions-tuple-of-region", lambda w: w.index_with(regions=ZUID_LIMBURG.regions), CE),
    Row(
        "index-match-rule-string",
        lambda w: w.index_with(match_rule="different-organisations"),
        CE,
        ("different-organisations",),
    ),
    Row("index-match-rule-int", lambda w: w.index_with(match_rule=1), CE),
    Row("index-batch-size-string", lambda w: w.index_with(batch_size="x"), CE),
    Row("index-batch-size-zero", lambda w: w.index_with(batch_size=0), CE),
    Row("index-batch-size-negative", lambda w: w.index_with(batch_size=-1), CE),
    Row("index-batch-size-bool", lambda w: w.index_with(batch_size=True), CE),
    Row("index-batch-size-float", lambda w: w.index_with(batch_size=1.5), CE),
    Row("index-batch-size-nan", lambda w: w.index_with(batch_size=NAN), CE),
    Row("index-batch-size-huge", lambda w: w.index_with(batch_size=10**100), CE),
    Row("index-adopt-string", lambda w: w.index_with(adopt="yes"), CE),
    Row("index-adopt-none", lambda w: w.index_with(adopt=None), CE),
    Row("index-adopt-int", lambda w: w.index_with(adopt=1), CE),
    Row("index-adopt-true-again", lambda w: w.index_with(adopt=True), CE),
]


# --- rows without a store -------------------------------------------------------------------------

_YOUTH = make_subject(bsn=BSN, birth_date=date(2012, 5, 1))
_ORG = Organisation(
    id="ggd", name="GGD Zuid-Limburg", municipality_code="0935", email="vi@ggd.example"
)
_PRO = Professional(id="p1", name="Jan Jansen", organisation=_ORG, email="jan@ggd.example")
_ACCESS = file_request(RequestKind.ACCESS, _YOUTH, BOTH, received_on=TODAY)
_OBJECTION = file_request(RequestKind.OBJECTION, _YOUTH, BOTH, received_on=TODAY)

_ADDRESS: dict[str, Any] = {
    "street": "Markt",
    "house_number": "1",
    "postcode": "6211 CK",
    "city": "Maastricht",
    "municipality_code": "0935",
}
_SUBJECT: dict[str, Any] = {
    "bsn": parse_bsn(BSN),
    "name": "Sam Jansen",
    "gender": Gender.UNKNOWN,
    "birth_date": date(2012, 5, 1),
    "address": Address(**_ADDRESS),
}
_ORGANISATION: dict[str, Any] = {
    "id": "ggd",
    "name": "GGD Zuid-Limburg",
    "municipality_code": "0935",
    "email": "vi@ggd.example",
}
_PROFESSIONAL: dict[str, Any] = {
    "id": "p1",
    "name": "Jan Jansen",
    "organisation": _ORG,
    "email": "jan@ggd.example",
}
_CONTACT: dict[str, Any] = {
    "professional_id": "p1",
    "name": "Jan Jansen",
    "organisation": "GGD Zuid-Limburg",
    "email": "jan@ggd.example",
}
_LINK: dict[str, Any] = {
    "id": "L1",
    "subject": "pseudonym-1",
    "professional": "p1",
    "organisation": "ggd",
    "created_at": NOW,
    "ends_on": date(2028, 11, 23),
}
_MATCH: dict[str, Any] = {
    "id": "M1",
    "subject": "pseudonym-1",
    "links": ("L1", "L2"),
    "professionals": ("p1", "p2"),
    "kind": MatchKind.SUBJECT,
    "created_at": NOW,
    "updated_at": NOW,
}
_NOTIFICATION: dict[str, Any] = {
    "id": "N1",
    "kind": NotificationKind.MATCH,
    "recipient": "p1",
    "created_at": NOW,
}
_LOG_ENTRY: dict[str, Any] = {
    "id": "E1",
    "lane": 0,
    "seq": 1,
    "at": NOW,
    "actor": "system",
    "action": LogAction.READ,
}
_REQUEST: dict[str, Any] = {
    "id": "R1",
    "kind": RequestKind.ACCESS,
    "subject": parse_bsn(BSN),
    "requesters": BOTH,
    "received_on": TODAY,
    "due_on": date(2026, 12, 23),
}


def _model_rows(
    prefix: str,
    cls: Callable[..., object],
    base: dict[str, Any],
    cases: list[tuple[str, str, object, type[VerwijsindexError]]],
) -> list[PureRow]:
    """Rows that build *cls* from *base* with one field replaced by a bad value."""

    def row(suffix: str, field: str, value: object, expected: type[VerwijsindexError]) -> PureRow:
        secrets = (value,) if isinstance(value, str) else ()
        return Row(f"{prefix}-{suffix}", lambda e: cls(**{**base, field: value}), expected, secrets)

    return [row(*case) for case in cases]


PURE_ROWS: list[PureRow] = []

PURE_ROWS += _model_rows(
    "address",
    Address,
    _ADDRESS,
    [
        ("street-none", "street", None, IRE),
        ("street-surrogate", "street", SURR, IRE),
        ("street-nul", "street", NUL, IRE),
        ("street-1mb", "street", MB, IRE),
        ("house-number-int", "house_number", 1, IRE),
        ("postcode-short", "postcode", "1234", IRE),
        ("postcode-none", "postcode", None, IRE),
        ("postcode-bsn", "postcode", BSN, IRE),
        ("city-empty", "city", "", IRE),
        ("code-name", "municipality_code", "Maastricht", IRE),
        ("code-bool", "municipality_code", True, IRE),
        ("code-float", "municipality_code", 935.0, IRE),
        ("code-nan", "municipality_code", NAN, IRE),
        ("code-zero", "municipality_code", "0000", IRE),
        ("code-arabic-digits", "municipality_code", "٠٩٣٥", IRE),
    ],
)
PURE_ROWS += _model_rows(
    "subject",
    Subject,
    _SUBJECT,
    [
        ("bsn-string", "bsn", BSN, IRE),
        ("bsn-none", "bsn", None, IRE),
        ("name-surrogate", "name", SURR, IRE),
        ("name-none", "name", None, IRE),
        ("name-1mb", "name", MB, IRE),
        ("name-nul", "name", NUL, IRE),
        ("name-bsn", "name", f"Sanne {BSN}", IRE),
        ("name-bsn-spelled", "name", "Sanne 1112 22 333", IRE),
        ("name-eight-digits", "name", "Sanne 11222333", IRE),
        ("name-bsn-en-dash", "name", "Sanne 111\u2013222\u2013333", IRE),
        ("name-bsn-middle-dot", "name", "Sanne 111\u00b7222\u00b7333", IRE),
        ("address-street-bsn", "address", Address(**{**_ADDRESS, "street": f"Markt {BSN}"}), IRE),
        ("address-city-bsn", "address", Address(**{**_ADDRESS, "city": f"Vaals {BSN}"}), IRE),
        ("gender-string", "gender", "M", IRE),
        ("birth-date-datetime", "birth_date", NOW, IRE),
        ("birth-date-string", "birth_date", "2012-05-01", IRE),
        ("birth-date-none", "birth_date", None, IRE),
        ("address-none", "address", None, IRE),
        ("address-dict", "address", dict(_ADDRESS), IRE),
        ("parents-string", "parents", BSN, IRE),
        ("parents-strings", "parents", [BSN], IRE),
        ("parents-none", "parents", None, IRE),
        ("died-on-string", "died_on", "gisteren", IRE),
        ("died-on-datetime", "died_on", NOW, IRE),
    ],
)
PURE_ROWS += _model_rows(
    "organisation-model",
    Organisation,
    _ORGANISATION,
    [
        ("id-surrogate", "id", SURR, IRE),
        ("id-65-chars", "id", LONG_ID, IRE),
        ("id-none", "id", None, IRE),
        ("id-empty", "id", "", IRE),
        ("id-space", "id", "geheim id", IRE),
        ("name-surrogate", "name", SURR, IRE),
        ("name-1mb", "name", MB, IRE),
        ("name-none", "name", None, IRE),
        ("code-name", "municipality_code", "Amsterdam", IRE),
        ("code-none", "municipality_code", None, IRE),
        ("email-malformed", "email", "qx-geen-adres-7f", IRE),
        ("email-none", "email", None, IRE),
        ("phone-letters", "phone", "abcdefgh", IRE),
        ("phone-int", "phone", 612345678, IRE),
    ],
)
PURE_ROWS += _model_rows(
    "professional",
    Professional,
    _PROFESSIONAL,
    [
        ("id-space", "id", "geheim id", IRE),
        ("id-surrogate", "id", SURR, IRE),
        ("name-surrogate", "name", SURR, IRE),
        ("name-1mb", "name", MB, IRE),
        ("organisation-none", "organisation", None, IRE),
        ("organisation-id", "organisation", "ggd", IRE),
        ("email-1mb", "email", MB, IRE),
        ("phone-nul", "phone", "+31 6 1234\x005678", IRE),
    ],
)
PURE_ROWS += _model_rows(
    "contact",
    Contact,
    _CONTACT,
    [
        ("professional-id-none", "professional_id", None, IRE),
        ("name-surrogate", "name", SURR, IRE),
        ("name-1mb", "name", MB, IRE),
        ("organisation-nul", "organisation", NUL, IRE),
        ("email-malformed", "email", "qx-geen-adres-7f", IRE),
        ("phone-surrogate", "phone", "+31 6 1234 " + SURR, IRE),
        ("phone-int", "phone", 612345678, IRE),
    ],
)
PURE_ROWS += _model_rows(
    "link",
    Link,
    _LINK,
    [
        ("id-none", "id", None, IRE),
        ("id-surrogate", "id", SURR, IRE),
        ("id-65-chars", "id", LONG_ID, IRE),
        ("subject-surrogate", "subject", SURR, IRE),
        ("subject-1mb", "subject", MB, IRE),
        ("professional-int", "professional", 12345, IRE),
        ("created-at-naive", "created_at", NAIVE, NaiveDatetimeError),
        ("created-at-year-1", "created_at", YEAR1, IRE),
        ("created-at-max", "created_at", DT_MAX, IRE),
        ("created-at-offset-25h", "created_at", OFF25, IRE),
        ("created-at-raising-zone", "created_at", RAISING, IRE),
        ("created-at-string", "created_at", "2026-11-23T09:00:00+00:00", IRE),
        ("ends-on-datetime", "ends_on", NOW, IRE),
        ("ends-on-string", "ends_on", "2028-11-23", IRE),
        ("status-string", "status", "active", IRE),
        ("archived-on-string", "archived_on", "gisteren", IRE),
        ("withdrawal-reason-string", "withdrawal_reason", "risk-resolved", IRE),
    ],
)
PURE_ROWS += _model_rows(
    "match",
    Match,
    _MATCH,
    [
        ("id-empty", "id", "", IRE),
        ("links-string", "links", "L1L2L3", IRE),
        ("links-none", "links", None, IRE),
        ("links-ints", "links", [1, 2], IRE),
        ("professionals-surrogate", "professionals", ("p1", SURR), IRE),
        ("professionals-65-chars", "professionals", ("p1", LONG_ID), IRE),
        ("kind-string", "kind", "subject", IRE),
        ("created-at-max", "created_at", DT_MAX, IRE),
        ("updated-at-offset-25h", "updated_at", OFF25, IRE),
        ("lead-int", "lead", 12345, IRE),
        ("lead-surrogate", "lead", SURR, IRE),
        ("coordinated-string", "coordinated", "yes", IRE),
        ("coordinated-int", "coordinated", 1, IRE),
    ],
)
PURE_ROWS += _model_rows(
    "notification",
    Notification,
    _NOTIFICATION,
    [
        ("id-empty", "id", "", IRE),
        ("kind-string", "kind", "match", IRE),
        ("recipient-nul", "recipient", NUL, IRE),
        ("recipient-1mb", "recipient", MB, IRE),
        ("created-at-naive", "created_at", NAIVE, NaiveDatetimeError),
        ("created-at-year-9999", "created_at", YEAR9999, IRE),
        ("contacts-string", "contacts", "abcdef", IRE),
        ("contacts-dicts", "contacts", [{"name": "Jan"}], IRE),
        ("match-id-int", "match_id", 12345, IRE),
        ("match-id-65-chars", "match_id", LONG_ID, IRE),
        ("link-id-surrogate", "link_id", SURR, IRE),
    ],
)
PURE_ROWS += _model_rows(
    "log-entry",
    LogEntry,
    _LOG_ENTRY,
    [
        ("lane-negative", "lane", -1, IRE),
        ("lane-bool", "lane", True, IRE),
        ("lane-huge", "lane", 10**100, IRE),
        ("seq-float", "seq", 1.5, IRE),
        ("seq-nan", "seq", NAN, IRE),
        ("at-naive", "at", NAIVE, NaiveDatetimeError),
        ("at-min", "at", DT_MIN, IRE),
        ("actor-empty", "actor", "", IRE),
        ("actor-surrogate", "actor", SURR, IRE),
        ("action-string", "action", "read", IRE),
        ("count-negative", "count", -1, IRE),
        ("prev-hash-none", "prev_hash", None, IRE),
        ("subject-ref-int", "subject_ref", 12345, IRE),
    ],
)
_IMPORT: dict[str, Any] = {"subject": _YOUTH, "professional": _PRO}
PURE_ROWS += _model_rows(
    "import-record",
    ImportRecord,
    _IMPORT,
    [
        ("subject-none", "subject", None, IRE),
        ("subject-bsn-string", "subject", BSN, IRE),
        ("professional-id", "professional", "p1", IRE),
        ("created-at-zero", "created_at", 0, IRE),
        ("created-at-empty", "created_at", "", IRE),
        ("created-at-false", "created_at", False, IRE),
        ("created-at-naive", "created_at", NAIVE, NaiveDatetimeError),
        ("created-at-offset-25h", "created_at", OFF25, IRE),
        ("created-at-raising-zone", "created_at", RAISING, IRE),
        ("created-at-year-9999", "created_at", YEAR9999, IRE),
        ("created-at-year-1", "created_at", YEAR1, IRE),
        ("ends-on-string", "ends_on", "2027-01-01", IRE),
        ("ends-on-datetime", "ends_on", NOW, IRE),
    ],
)
PURE_ROWS += _model_rows(
    "rights-request",
    RightsRequest,
    _REQUEST,
    [
        ("subject-string", "subject", BSN, IRE),
        ("subject-none", "subject", None, IRE),
        ("kind-string", "kind", "access", IRE),
        ("requesters-string", "requesters", "youth", IRE),
        ("requesters-none", "requesters", None, IRE),
        ("requesters-strings", "requesters", frozenset({"youth"}), IRE),
        ("received-on-none", "received_on", None, IRE),
        ("received-on-datetime", "received_on", NOW, IRE),
        ("due-on-string", "due_on", "2026-12-23", IRE),
        ("status-string", "status", "granted", IRE),
        ("id-none", "id", None, IRE),
        ("id-surrogate", "id", SURR, IRE),
        ("extension-string", "extension", "complexity", IRE),
    ],
)
PURE_ROWS += _model_rows(
    "rules",
    Rules,
    {},
    [
        ("active-years-zero", "active_years", 0, IRE),
        ("active-years-bool", "active_years", True, IRE),
        ("active-years-string", "active_years", "2", IRE),
        ("active-years-float", "active_years", 1.5, IRE),
        ("active-years-none", "active_years", None, IRE),
        ("active-years-huge", "active_years", 10**9, IRE),
        ("archive-years-negative", "archive_years", -1, IRE),
        ("archive-years-huge", "archive_years", 10**9, IRE),
        ("age-limit-zero", "age_limit", 0, IRE),
        ("information-months-nan", "information_months", NAN, IRE),
        ("request-months-bool", "request_months", True, IRE),
        ("request-extension-months-huge", "request_extension_months", 10**9, IRE),
        ("family-match-string", "family_match", "yes", IRE),
        ("family-match-none", "family_match", None, IRE),
    ],
)

# keys
PURE_ROWS += [
    Row("pseudonym-key-id-none", lambda e: bad(PseudonymKey, None, OTHER_SECRET), CE),
    Row("pseudonym-key-id-empty", lambda e: PseudonymKey("", OTHER_SECRET), CE),
    Row("pseudonym-key-id-65-chars", lambda e: PseudonymKey(LONG_ID, OTHER_SECRET), CE, (LONG_ID,)),
    Row("pseudonym-key-id-surrogate", lambda e: PseudonymKey(SURR, OTHER_SECRET), CE, (SURR,)),
    Row("pseudonym-key-id-nul", lambda e: PseudonymKey(NUL, OTHER_SECRET), CE, (NUL,)),
    Row(
        "pseudonym-key-secret-string",
        lambda e: bad(PseudonymKey, "k", "geheim-geheim-geheim-geheim-geheim-geheim"),
        CE,
        ("geheim-geheim-geheim-geheim-geheim-geheim",),
    ),
    Row("pseudonym-key-secret-short", lambda e: PseudonymKey("k", b"kort"), CE),
    Row("pseudonym-key-secret-none", lambda e: bad(PseudonymKey, "k", None), CE),
    Row("pseudonym-key-secret-bytearray", lambda e: bad(PseudonymKey, "k", bytearray(40)), CE),
    Row("keyring-none", lambda e: bad(Keyring, None), CE),
    Row("keyring-empty", lambda e: Keyring([]), CE),
    Row("keyring-string", lambda e: bad(Keyring, "geheime-sleutel"), CE, ("geheime-sleutel",)),
    Row("keyring-twice", lambda e: Keyring([TEST_KEY, TEST_KEY]), CE),
    Row("keyring-none-item", lambda e: bad(Keyring, [None]), CE),
    Row("keyring-int", lambda e: bad(Keyring, 42), CE),
    Row("keyring-of-int", lambda e: bad(Keyring.of, 42), CE),
    Row(
        "keyring-of-string", lambda e: bad(Keyring.of, "geheime-sleutel"), CE, ("geheime-sleutel",)
    ),
]

# roles
PURE_ROWS += [
    Row("coordinator-none", lambda e: bad(OrganisationCoordinator, None), IRE),
    Row("coordinator-surrogate", lambda e: OrganisationCoordinator(SURR), IRE, (SURR,)),
    Row("coordinator-65-chars", lambda e: OrganisationCoordinator(LONG_ID), IRE, (LONG_ID,)),
    Row("coordinator-1mb", lambda e: OrganisationCoordinator(MB), IRE, (MB,)),
    Row("follow-up-checker-name", lambda e: FollowUpChecker("Sittard"), IRE, ("Sittard",)),
    Row("follow-up-checker-none", lambda e: FollowUpChecker(None), IRE),
    Row("follow-up-checker-bool", lambda e: FollowUpChecker(True), IRE),
    Row("follow-up-checker-float", lambda e: FollowUpChecker(935.0), IRE),
    Row("follow-up-checker-arabic-digits", lambda e: FollowUpChecker("٠٩٣٥"), IRE),
    Row("rights-officer-zero", lambda e: RightsOfficer("0000"), IRE),
    Row("rights-officer-1mb", lambda e: RightsOfficer(MB), IRE, (MB,)),
    Row("rights-officer-negative", lambda e: RightsOfficer(-935), IRE),
    Row("rights-officer-bsn", lambda e: RightsOfficer(BSN), IRE, (BSN,)),
]

# the BSN
PURE_ROWS += [
    Row("parse-bsn-check-digit", lambda e: parse_bsn(BAD_CHECK), InvalidBsnError, (BAD_CHECK,)),
    Row("parse-bsn-fullwidth", lambda e: parse_bsn(FULLWIDTH), InvalidBsnError, (FULLWIDTH,)),
    Row("parse-bsn-bold-digits", lambda e: parse_bsn(BOLD), InvalidBsnError, (BOLD,)),
    Row("parse-bsn-arabic-indic", lambda e: parse_bsn(ARABIC), InvalidBsnError, (ARABIC,)),
    Row(
        "parse-bsn-mixed-fullwidth",
        lambda e: parse_bsn("111２２２333"),
        InvalidBsnError,
        ("111２２２333",),
    ),
    Row("parse-bsn-none", lambda e: parse_bsn(None), InvalidBsnError),
    Row("parse-bsn-int", lambda e: parse_bsn(111222333), InvalidBsnError),
    Row("parse-bsn-empty", lambda e: parse_bsn(""), InvalidBsnError),
    Row(
        "parse-bsn-surrogate",
        lambda e: parse_bsn("111222\ud800333"),
        InvalidBsnError,
        ("111222\ud800333",),
    ),
    Row("parse-bsn-1mb", lambda e: parse_bsn("1" * 1_000_000), InvalidBsnError, ("1" * 1_000_000,)),
    Row("parse-bsn-nul", lambda e: parse_bsn(BSN + "\x00"), InvalidBsnError, (BSN,)),
    Row("parse-bsn-bytes", lambda e: parse_bsn(b"111222333"), InvalidBsnError),
    Row("parse-bsn-zeros", lambda e: parse_bsn("000000000"), InvalidBsnError),
    Row("parse-bsn-seven-digits", lambda e: parse_bsn("1234567"), InvalidBsnError, ("1234567",)),
    Row(
        "parse-bsn-ten-digits", lambda e: parse_bsn("1112223330"), InvalidBsnError, ("1112223330",)
    ),
    Row("parse-bsn-trailing-letter", lambda e: parse_bsn("111 222 333x"), InvalidBsnError, (BSN,)),
    Row("format-bsn-check-digit", lambda e: format_bsn(BAD_CHECK), InvalidBsnError, (BAD_CHECK,)),
    Row("format-bsn-fullwidth", lambda e: format_bsn(FULLWIDTH), InvalidBsnError, (FULLWIDTH,)),
    Row("format-bsn-none", lambda e: bad(format_bsn, None), InvalidBsnError),
    Row("format-bsn-int", lambda e: bad(format_bsn, 111222333), InvalidBsnError),
    Row("bsn-check-digit", lambda e: Bsn(BAD_CHECK), InvalidBsnError, (BAD_CHECK,)),
    Row("bsn-fullwidth", lambda e: Bsn(FULLWIDTH), InvalidBsnError, (FULLWIDTH,)),
    Row("bsn-separators", lambda e: Bsn("1112.22.333"), InvalidBsnError, ("1112.22.333",)),
    Row("bsn-none", lambda e: bad(Bsn, None), InvalidBsnError),
]

# CBS codes
PURE_ROWS += [
    Row("cbs-validate-name", lambda e: cbs_code.validate("Maastricht"), IRE, ("Maastricht",)),
    Row("cbs-validate-none", lambda e: cbs_code.validate(None), IRE),
    Row("cbs-validate-zero", lambda e: cbs_code.validate("0000"), IRE),
    Row("cbs-validate-huge", lambda e: cbs_code.validate(10**100), IRE),
    Row("cbs-validate-bool", lambda e: cbs_code.validate(True), IRE),
    Row("cbs-validate-float", lambda e: cbs_code.validate(935.0), IRE),
    Row("cbs-validate-nan", lambda e: cbs_code.validate(NAN), IRE),
    Row("cbs-validate-surrogate", lambda e: cbs_code.validate(SURR), IRE, (SURR,)),
    Row("cbs-validate-1mb", lambda e: cbs_code.validate("9" * 1_000_000), IRE, ("9" * 1_000_000,)),
    Row("cbs-validate-nul", lambda e: cbs_code.validate("GM0935\x00"), IRE),
    Row("cbs-validate-arabic-digits", lambda e: cbs_code.validate("١٢٣٤"), IRE),
    Row("cbs-validate-five-digits", lambda e: cbs_code.validate("12345"), IRE, ("12345",)),
    Row("cbs-validate-bsn", lambda e: cbs_code.validate(BSN), IRE, (BSN,)),
    Row("cbs-format-name", lambda e: cbs_code.format("Heerlen"), IRE, ("Heerlen",)),
    Row("cbs-format-none", lambda e: cbs_code.format(None), IRE),
]

# the converter
_LINK_JSON = serialization.to_json(Link(**_LINK))


def _link_json(**changes: object) -> str:
    data = json.loads(_LINK_JSON)
    data.update(changes)
    return json.dumps(data)


PURE_ROWS += [
    Row("to-json-nan", lambda e: serialization.to_json(NAN), IRE),
    Row("to-json-inf", lambda e: serialization.to_json(INF), IRE),
    Row("to-json-negative-inf", lambda e: serialization.to_json(-INF), IRE),
    Row("to-json-nan-in-list", lambda e: serialization.to_json([1.0, NAN]), IRE),
    Row("to-json-object", lambda e: serialization.to_json(object()), IRE),
    Row("to-json-surrogate", lambda e: serialization.to_json(SURR), IRE, (SURR,)),
    Row(
        "to-json-reden",
        lambda e: serialization.to_json({"reden": "zorgen thuis"}),
        ForbiddenFieldError,
        ("zorgen thuis",),
    ),
    Row("to-json-naive", lambda e: serialization.to_json(NAIVE), NaiveDatetimeError),
    Row("to-json-datetime-max", lambda e: serialization.to_json(DT_MAX), IRE),
    Row("to-json-bytes", lambda e: serialization.to_json(b"abcdef"), IRE),
    Row("to-json-tuple-key", lambda e: serialization.to_json({(1, 2): "x"}), IRE),
    Row(
        "to-json-tampered-link",
        lambda e: serialization.to_json(tampered(Link(**_LINK), created_at=NAIVE)),
        NaiveDatetimeError,
    ),
    Row("from-json-bad-json", lambda e: serialization.from_json("{", dict), IRE),
    Row("from-json-none", lambda e: bad(serialization.from_json, None, Link), IRE),
    Row("from-json-list-for-link", lambda e: serialization.from_json("[]", Link), IRE),
    Row(
        "from-json-reden",
        lambda e: serialization.from_json(_link_json(reden="zorgen thuis"), Link),
        ForbiddenFieldError,
        ("zorgen thuis",),
    ),
    Row(
        "from-json-bsn-check-digit",
        lambda e: serialization.from_json('"111222334"', Bsn),
        InvalidBsnError,
        (BAD_CHECK,),
    ),
    Row(
        "from-json-bsn-fullwidth",
        lambda e: serialization.from_json(f'"{FULLWIDTH}"', Bsn),
        InvalidBsnError,
        (FULLWIDTH,),
    ),
    Row("from-json-nan", lambda e: serialization.from_json("NaN", float), IRE),
    Row("from-json-overflow", lambda e: serialization.from_json("1e999", float), IRE),
    Row("from-json-surrogate", lambda e: serialization.from_json('"\\ud800"', str), IRE),
    Row(
        "from-json-link-year-1",
        lambda e: serialization.from_json(_link_json(created_at="0001-01-01T00:00:00+00:00"), Link),
        IRE,
    ),
    Row(
        "from-json-link-year-9999",
        lambda e: serialization.from_json(_link_json(created_at="9999-12-31T23:59:59+00:00"), Link),
        IRE,
    ),
    Row(
        "from-json-link-offset-25h",
        lambda e: serialization.from_json(_link_json(created_at="2026-11-23T09:00:00+25:00"), Link),
        IRE,
    ),
    Row(
        "from-json-link-bsn-key",
        lambda e: serialization.from_json(_link_json(**{BSN: 1}), Link),
        IRE,
        (BSN,),
    ),
    Row("from-json-object-class", lambda e: serialization.from_json('"x"', object), IRE),
    Row("from-json-class-none", lambda e: bad(serialization.from_json, '"x"', None), IRE),
    Row("from-json-1mb", lambda e: serialization.from_json(MB, Link), IRE, (MB,)),
    Row("from-json-deep", lambda e: serialization.from_json("[" * 100_000, list), IRE),
    Row("from-json-bytes-not-utf8", lambda e: serialization.from_json(b"\xff\xfe", Link), IRE),
    Row("from-json-dict", lambda e: bad(serialization.from_json, {"id": "L1"}, Link), IRE),
    Row(
        "structure-bsn-dict",
        lambda e: serialization.structure({"value": BAD_CHECK}, Bsn),
        InvalidBsnError,
        (BAD_CHECK,),
    ),
]

# regions and policies
_Z: Any = ZUID_LIMBURG
PURE_ROWS += [
    Row(
        "municipality-unknown",
        lambda e: _Z.municipality("Amsterdam"),
        UnknownMunicipalityError,
        ("Amsterdam",),
    ),
    Row("municipality-none", lambda e: _Z.municipality(None), IRE),
    Row("municipality-float", lambda e: _Z.municipality(935.0), IRE),
    Row("municipality-bool", lambda e: _Z.municipality(True), IRE),
    Row("municipality-surrogate", lambda e: _Z.municipality(SURR), IRE, (SURR,)),
    Row("municipality-1mb", lambda e: _Z.municipality(MB), IRE, (MB,)),
    Row("municipality-bsn", lambda e: _Z.municipality(BSN), IRE, (BSN,)),
    Row("municipality-list", lambda e: _Z.municipality(["Heerlen"]), IRE),
    Row(
        "region-for-unknown",
        lambda e: _Z.region_for("Amsterdam"),
        UnknownMunicipalityError,
        ("Amsterdam",),
    ),
    Row("region-for-none", lambda e: _Z.region_for(None), IRE),
    Row("region-for-bytes", lambda e: _Z.region_for(b"Heerlen"), IRE),
    Row("region-for-1mb", lambda e: _Z.region_for(MB), IRE, (MB,)),
    Row(
        "region-of-municipality-unknown-code",
        lambda e: _Z.region_of_municipality("0363"),
        UnknownMunicipalityError,
        ("0363",),
    ),
    Row("region-of-municipality-zero", lambda e: _Z.region_of_municipality(0), IRE),
    Row("region-of-municipality-huge", lambda e: _Z.region_of_municipality(10**30), IRE),
    Row("region-of-municipality-negative", lambda e: _Z.region_of_municipality(-935), IRE),
    Row("region-of-municipality-nan", lambda e: _Z.region_of_municipality(NAN), IRE),
    Row("policy-unknown", lambda e: policy("wet"), NotFoundError, ("wet",)),
    Row("policy-none", lambda e: bad(policy, None), IRE),
    Row("policy-list", lambda e: bad(policy, ["statute"]), IRE),
    Row("policy-surrogate", lambda e: policy(SURR), IRE, (SURR,)),
    Row("policy-1mb", lambda e: policy(MB), IRE, (MB,)),
    Row("policy-int", lambda e: bad(policy, 12345), IRE),
    Row("recipients-none", lambda e: bad(STATUTORY.recipients, None), IRE),
    Row("recipients-float", lambda e: bad(STATUTORY.recipients, 12.5), IRE),
    Row("recipients-nan", lambda e: bad(STATUTORY.recipients, NAN), IRE),
    Row("recipients-age-23", lambda e: STATUTORY.recipients(23), AgeLimitError),
    Row(
        "information-duty-datetime-max",
        lambda e: information_duty(STATUTORY, date(2012, 5, 1), DT_MAX),
        IRE,
    ),
    Row(
        "information-duty-offset-25h",
        lambda e: information_duty(STATUTORY, date(2012, 5, 1), OFF25),
        IRE,
    ),
    Row(
        "information-duty-birth-string",
        lambda e: bad(information_duty, STATUTORY, "2012-05-01", NOW),
        IRE,
    ),
    Row(
        "information-duty-policy-none",
        lambda e: bad(information_duty, None, date(2012, 5, 1), NOW),
        IRE,
    ),
]


# region files
def _toml(
    *,
    top: str = "",
    region_name: str = '"Noord"',
    region: str = "",
    code: str = '"0935"',
    municipality: str = "",
    contacts: str = '["vi@noord.example"]',
) -> str:
    return (
        f'name = "Testregio"\n{top}\n'
        f'[[regions]]\nname = {region_name}\nprogramme = "Samen"\ncontacts = {contacts}\n{region}\n'
        f'[[regions.municipalities]]\ncode = {code}\nname = "Maastricht"\n{municipality}\n'
    )


_GOOD_TOML = _toml()
PURE_ROWS += [
    Row("load-regions-missing-regions", lambda e: load_regions('name = "Elders"'), IRE),
    Row("load-regions-not-toml", lambda e: load_regions("name = = ="), IRE),
    Row("load-regions-none", lambda e: bad(load_regions, None), IRE),
    Row("load-regions-int", lambda e: bad(load_regions, 123), IRE),
    Row("load-regions-not-utf8", lambda e: load_regions(b"\xff\xfe"), IRE),
    Row("load-regions-surrogate", lambda e: load_regions(f'name = "{SURR}"'), IRE, (SURR,)),
    Row("load-regions-1mb-junk", lambda e: load_regions(MB), IRE, (MB,)),
    Row("load-regions-no-regions", lambda e: load_regions('name = "x"\nregions = []'), IRE),
    Row("load-regions-bsn-key", lambda e: load_regions(_toml(top=f"{BSN} = 1")), IRE, (BSN,)),
    Row(
        "load-regions-unknown-policy",
        lambda e: load_regions(_toml(region='policy = "geheim-beleid-7f3a"')),
        IRE,
        ("geheim-beleid-7f3a",),
    ),
    Row("load-regions-name-number", lambda e: load_regions(_toml(region_name=BSN)), IRE, (BSN,)),
    Row(
        "load-regions-name-1mb",
        lambda e: load_regions(_toml(region_name=f'"{MB}"')),
        IRE,
        (MB,),
    ),
    Row("load-regions-code-bsn", lambda e: load_regions(_toml(code=f'"{BSN}"')), IRE, (BSN,)),
    Row("load-regions-code-bool", lambda e: load_regions(_toml(code="true")), IRE),
    Row(
        "load-regions-inhabitants-text",
        lambda e: load_regions(_toml(municipality='inhabitants = "vele-inwoners-123"')),
        IRE,
        ("vele-inwoners-123",),
    ),
    Row(
        "load-regions-former-name-number",
        lambda e: load_regions(_toml(municipality=f"former_names = [{BSN}]")),
        IRE,
        (BSN,),
    ),
    Row(
        "load-regions-contact-malformed",
        lambda e: load_regions(_toml(contacts='["qx-geen-adres-7f"]')),
        IRE,
        ("qx-geen-adres-7f",),
    ),
    Row("load-regions-policies-empty", lambda e: load_regions(_GOOD_TOML, policies={}), IRE),
    Row("load-regions-policies-none", lambda e: bad(load_regions, _GOOD_TOML, policies=None), IRE),
    Row(
        "load-regions-policies-strings",
        lambda e: bad(load_regions, _GOOD_TOML, policies={"statute": "statute"}),
        IRE,
    ),
]

# rights without a store
PURE_ROWS += [
    Row(
        "file-request-requesters-none",
        lambda e: bad(file_request, RequestKind.ACCESS, _YOUTH, None, received_on=TODAY),
        IRE,
    ),
    Row(
        "file-request-requesters-string",
        lambda e: bad(file_request, RequestKind.ACCESS, _YOUTH, "youth", received_on=TODAY),
        IRE,
    ),
    Row(
        "file-request-requesters-int",
        lambda e: bad(file_request, RequestKind.ACCESS, _YOUTH, 12345, received_on=TODAY),
        IRE,
    ),
    Row(
        "file-request-requesters-strings",
        lambda e: bad(
            file_request, RequestKind.ACCESS, _YOUTH, ["youth", "ouder"], received_on=TODAY
        ),
        IRE,
    ),
    Row(
        "file-request-requesters-empty",
        lambda e: file_request(RequestKind.ACCESS, _YOUTH, [], received_on=TODAY),
        NotEligibleError,
    ),
    Row(
        "file-request-youth-alone-at-14",
        lambda e: file_request(RequestKind.ACCESS, _YOUTH, {Recipient.YOUTH}, received_on=TODAY),
        NotEligibleError,
    ),
    Row(
        "file-request-kind-string",
        lambda e: bad(file_request, "access", _YOUTH, BOTH, received_on=TODAY),
        IRE,
    ),
    Row(
        "file-request-subject-none",
        lambda e: bad(file_request, RequestKind.ACCESS, None, BOTH, received_on=TODAY),
        IRE,
    ),
    Row(
        "file-request-subject-bsn-string",
        lambda e: bad(file_request, RequestKind.ACCESS, BSN, BOTH, received_on=TODAY),
        IRE,
        (BSN,),
    ),
    Row(
        "file-request-subject-tampered",
        lambda e: file_request(
            RequestKind.ACCESS, tampered(_YOUTH, bsn=BSN), BOTH, received_on=TODAY
        ),
        IRE,
        (BSN,),
    ),
    Row(
        "file-request-received-none",
        lambda e: bad(file_request, RequestKind.ACCESS, _YOUTH, BOTH, received_on=None),
        IRE,
    ),
    Row(
        "file-request-received-string",
        lambda e: bad(file_request, RequestKind.ACCESS, _YOUTH, BOTH, received_on="2026-11-23"),
        IRE,
    ),
    Row(
        "file-request-received-datetime",
        lambda e: bad(file_request, RequestKind.ACCESS, _YOUTH, BOTH, received_on=NOW),
        IRE,
    ),
    Row(
        "file-request-received-date-max",
        lambda e: file_request(RequestKind.ACCESS, _YOUTH, BOTH, received_on=date.max),
        IRE,
    ),
    Row(
        "file-request-received-year-1",
        lambda e: file_request(RequestKind.ACCESS, _YOUTH, BOTH, received_on=date(1, 1, 1)),
        IRE,
    ),
    Row(
        "file-request-received-before-birth",
        lambda e: file_request(RequestKind.ACCESS, _YOUTH, BOTH, received_on=date(2010, 1, 1)),
        IRE,
    ),
    Row(
        "file-request-rules-string",
        lambda e: bad(
            file_request, RequestKind.ACCESS, _YOUTH, BOTH, received_on=TODAY, rules="statute"
        ),
        IRE,
        ("statute",),
    ),
    Row("decide-none", lambda e: bad(decide, None, granted=True), IRE),
    Row("decide-bsn-string", lambda e: bad(decide, BSN, granted=True), IRE, (BSN,)),
    Row("decide-granted-no", lambda e: bad(decide, _OBJECTION, granted="no"), IRE, ("no",)),
    Row("decide-granted-none", lambda e: bad(decide, _OBJECTION, granted=None), IRE),
    Row("decide-granted-int", lambda e: bad(decide, _OBJECTION, granted=1), IRE),
    Row("decide-twice", lambda e: decide(decide(_OBJECTION, granted=True), granted=False), IRE),
    Row(
        "decide-status-string",
        lambda e: decide(tampered(_OBJECTION, status="received"), granted=True),
        IRE,
    ),
    Row(
        "decide-status-completed",
        lambda e: decide(tampered(_OBJECTION, status=RequestStatus.COMPLETED), granted=True),
        IRE,
    ),
    Row(
        "extend-months-true", lambda e: _ACCESS.extend(ExtensionGround.COMPLEXITY, months=True), IRE
    ),
    Row("extend-months-zero", lambda e: _ACCESS.extend(ExtensionGround.COMPLEXITY, months=0), IRE),
    Row("extend-months-three", lambda e: _ACCESS.extend(ExtensionGround.COMPLEXITY, months=3), IRE),
    Row(
        "extend-months-negative",
        lambda e: _ACCESS.extend(ExtensionGround.COMPLEXITY, months=-1),
        IRE,
    ),
    Row(
        "extend-months-float",
        lambda e: bad(_ACCESS.extend, ExtensionGround.COMPLEXITY, months=1.5),
        IRE,
    ),
    Row(
        "extend-months-none",
        lambda e: bad(_ACCESS.extend, ExtensionGround.COMPLEXITY, months=None),
        IRE,
    ),
    Row(
        "extend-months-string",
        lambda e: bad(_ACCESS.extend, ExtensionGround.COMPLEXITY, months="2"),
        IRE,
    ),
    Row(
        "extend-months-huge",
        lambda e: _ACCESS.extend(ExtensionGround.COMPLEXITY, months=10**100),
        IRE,
    ),
    Row("extend-ground-string", lambda e: bad(_ACCESS.extend, "complexity"), IRE),
    Row("extend-ground-none", lambda e: bad(_ACCESS.extend, None), IRE),
    Row(
        "extend-twice",
        lambda e: _ACCESS.extend(ExtensionGround.COMPLEXITY, months=1).extend(
            ExtensionGround.COMPLEXITY, months=1
        ),
        IRE,
    ),
    Row(
        "extend-rules-string",
        lambda e: bad(_ACCESS.extend, ExtensionGround.COMPLEXITY, rules="statute"),
        IRE,
        ("statute",),
    ),
    Row("eligible-requesters-none", lambda e: bad(eligible_requesters, None), IRE),
    Row("eligible-requesters-negative", lambda e: eligible_requesters(-1), IRE),
    Row("eligible-requesters-bool", lambda e: eligible_requesters(True), IRE),
    Row("eligible-requesters-float", lambda e: bad(eligible_requesters, 12.5), IRE),
    Row("eligible-requesters-string", lambda e: bad(eligible_requesters, "12"), IRE),
    Row("eligible-requesters-nan", lambda e: bad(eligible_requesters, NAN), IRE),
    Row("load-export-none", lambda e: bad(load_export, None), IRE),
    Row("load-export-bad-json", lambda e: load_export("{"), IRE),
    Row("load-export-list", lambda e: load_export("[]"), IRE),
    Row("load-export-int", lambda e: bad(load_export, 123), IRE),
    Row("load-export-deep", lambda e: load_export("[" * 100_000), IRE),
    Row("load-export-not-utf8", lambda e: load_export(b"\xff\xfe"), IRE),
    Row(
        "load-export-reden",
        lambda e: load_export('{"generated_at": "2026-11-23T09:00:00+00:00", "reden": "thuis"}'),
        ForbiddenFieldError,
    ),
    Row(
        "load-export-naive",
        lambda e: load_export('{"generated_at": "2026-11-23T09:00:00"}'),
        NaiveDatetimeError,
    ),
    Row(
        "load-export-year-1",
        lambda e: load_export('{"generated_at": "0001-01-01T00:00:00+00:00"}'),
        IRE,
    ),
    Row(
        "load-export-year-9999",
        lambda e: load_export('{"generated_at": "9999-12-31T23:59:59+00:00"}'),
        IRE,
    ),
    Row("load-export-1mb", lambda e: load_export(MB), IRE, (MB,)),
    Row(
        "load-export-bsn-key",
        lambda e: load_export('{"generated_at": "2026-11-23T09:00:00+00:00", "111222333": 1}'),
        IRE,
        (BSN,),
    ),
]

# open_store and the stores' constructors
PURE_ROWS += [
    Row("open-store-sqlite-nul", lambda e: open_store("sqlite:///a\x00b.db"), CE),
    Row("open-store-postgres-bad-ipv6", lambda e: open_store("postgresql://[::1"), CE),
    Row("open-store-sqlite-surrogate", lambda e: open_store("sqlite:///\ud800.db"), CE),
    Row(
        "open-store-postgres-surrogate",
        lambda e: open_store("postgresql://postgres@127.0.0.1:1/test\ud800"),
        CE,
    ),
    Row("open-store-unknown-scheme", lambda e: open_store("ftp://example.org/db"), CE),
    Row("open-store-mysql-bsn", lambda e: open_store(f"mysql://{BSN}@db.example/vi"), CE, (BSN,)),
    Row("open-store-empty", lambda e: open_store(""), CE),
    Row("open-store-none", lambda e: bad(open_store, None), CE),
    Row("open-store-int", lambda e: bad(open_store, 123), CE),
    Row("open-store-bytes", lambda e: bad(open_store, b"memory://"), CE),
    Row("open-store-sqlite-directory", lambda e: open_store(f"sqlite:///{e.directory}"), CE),
    Row("open-store-sqlite-1mb", lambda e: open_store(f"sqlite:///{MB}"), CE, (MB,)),
    Row(
        "open-store-postgres-bad-schema",
        lambda e: open_store(f"{CLOSED_PG}?schema=Geheim-Qzxw"),
        CE,
        ("Geheim-Qzxw",),
    ),
    Row("open-store-postgres-empty-schema", lambda e: open_store(f"{CLOSED_PG}?schema="), CE),
    Row(
        "open-store-postgres-pg-schema",
        lambda e: open_store(f"{CLOSED_PG}?schema=pg_catalog"),
        CE,
        ("pg_catalog",),
    ),
    Row(
        "open-store-postgres-bad-sslmode",
        lambda e: open_store(f"{CLOSED_PG}?sslmode=geen-idee"),
        CE,
        ("geen-idee",),
    ),
    Row("sqlite-store-timeout-negative", lambda e: SQLiteStore(e.tmp / "t.db", timeout=-1), CE),
    Row("sqlite-store-timeout-bool", lambda e: SQLiteStore(e.tmp / "t.db", timeout=True), CE),
    Row("sqlite-store-timeout-string", lambda e: bad(SQLiteStore, e.tmp / "t.db", timeout="x"), CE),
    Row("sqlite-store-timeout-nan", lambda e: SQLiteStore(e.tmp / "t.db", timeout=NAN), CE),
    Row("sqlite-store-timeout-inf", lambda e: SQLiteStore(e.tmp / "t.db", timeout=INF), CE),
    Row("sqlite-store-timeout-none", lambda e: bad(SQLiteStore, e.tmp / "t.db", timeout=None), CE),
    Row("sqlite-store-path-none", lambda e: bad(SQLiteStore, None), CE),
    Row("sqlite-store-path-int", lambda e: bad(SQLiteStore, 123), CE),
    Row(
        "sqlite-store-path-nul",
        lambda e: SQLiteStore("geheim\x00pad.db"),
        CE,
        ("geheim\x00pad.db",),
    ),
    Row(
        "sqlite-store-path-surrogate",
        lambda e: SQLiteStore(str(e.tmp / "geheim\ud800pad.db")),
        CE,
        ("geheim\ud800pad.db",),
    ),
    Row("sqlite-store-path-directory", lambda e: SQLiteStore(e.directory), CE),
    Row("sqlite-store-path-1mb", lambda e: SQLiteStore(MB), CE, (MB,)),
    Row(
        "postgres-store-max-connections-true",
        lambda e: PostgresStore(CLOSED_PG, max_connections=True),
        CE,
    ),
    Row(
        "postgres-store-max-connections-zero",
        lambda e: PostgresStore(CLOSED_PG, max_connections=0),
        CE,
    ),
    Row(
        "postgres-store-max-connections-negative",
        lambda e: PostgresStore(CLOSED_PG, max_connections=-1),
        CE,
    ),
    Row(
        "postgres-store-max-connections-float",
        lambda e: bad(PostgresStore, CLOSED_PG, max_connections=1.5),
        CE,
    ),
    Row(
        "postgres-store-max-connections-string",
        lambda e: bad(PostgresStore, CLOSED_PG, max_connections="8"),
        CE,
    ),
    Row(
        "postgres-store-max-connections-none",
        lambda e: bad(PostgresStore, CLOSED_PG, max_connections=None),
        CE,
    ),
    Row("postgres-store-timeout-negative", lambda e: PostgresStore(CLOSED_PG, timeout=-1), CE),
    Row("postgres-store-timeout-bool", lambda e: PostgresStore(CLOSED_PG, timeout=True), CE),
    Row("postgres-store-timeout-nan", lambda e: PostgresStore(CLOSED_PG, timeout=NAN), CE),
    Row("postgres-store-timeout-inf", lambda e: PostgresStore(CLOSED_PG, timeout=INF), CE),
    Row("postgres-store-timeout-string", lambda e: bad(PostgresStore, CLOSED_PG, timeout="5"), CE),
    Row(
        "postgres-store-schema-upper-case",
        lambda e: PostgresStore(CLOSED_PG, schema="Geheim-Qzxw"),
        CE,
        ("Geheim-Qzxw",),
    ),
    Row(
        "postgres-store-schema-pg",
        lambda e: PostgresStore(CLOSED_PG, schema="pg_geheim_qzxw"),
        CE,
        ("pg_geheim_qzxw",),
    ),
    Row("postgres-store-schema-empty", lambda e: PostgresStore(CLOSED_PG, schema=""), CE),
    Row("postgres-store-schema-none", lambda e: bad(PostgresStore, CLOSED_PG, schema=None), CE),
    Row("postgres-store-schema-1mb", lambda e: PostgresStore(CLOSED_PG, schema=MB), CE, (MB,)),
    Row(
        "postgres-store-schema-nul",
        lambda e: PostgresStore(CLOSED_PG, schema="geheim\x00qzxw"),
        CE,
        ("geheim\x00qzxw",),
    ),
    Row("postgres-store-url-none", lambda e: PostgresStore(None), CE),
    Row("postgres-store-url-int", lambda e: bad(PostgresStore, 123), CE),
    Row("postgres-store-url-bad-ipv6", lambda e: PostgresStore("postgresql://[::1"), CE),
    Row("postgres-store-pool-string", lambda e: bad(PostgresStore, CLOSED_PG, pool="pool"), CE),
    Row("index-store-none", lambda e: bad(VerwijsIndex, None, key=TEST_KEY), CE),
    Row("index-store-url", lambda e: bad(VerwijsIndex, "memory://", key=TEST_KEY), CE),
    Row("index-store-object", lambda e: bad(VerwijsIndex, object(), key=TEST_KEY), CE),
]
