"""Arbitrary values into every argument of every public entry point: only the library's
errors come out.

For each entry point the table below gives a call that works; Hypothesis then replaces
one argument at a time by junk (None, bools, huge ints, NaN, lone surrogates, a megabyte of
text, naive and oddly zoned datetimes, bytes, objects, and values of the argument's own
type drawn by ``st.from_type``). Whatever the call does with it, it returns or raises a
:class:`~verwijsindex.errors.VerwijsindexError`, never a builtin error. The catalogue in
``test_boundary.py`` states which error each known bad input gets; this test looks for the
inputs nobody thought of. It runs on the memory store and on a SQLite file.
"""

from __future__ import annotations

import inspect
import math
import typing
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.storage.boundary_cases import (
    MB,
    NoOffset,
    Offset25,
    RaisingZone,
    World,
    build_world,
)
from verwijsindex import cbs_code, privacy, serialization
from verwijsindex.errors import VerwijsindexError
from verwijsindex.importing import ImportRecord
from verwijsindex.index import VerwijsIndex
from verwijsindex.matching import MatchRule, Rules
from verwijsindex.model import (
    Address,
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
    Recipient,
    Subject,
    WithdrawalReason,
    format_bsn,
    parse_bsn,
)
from verwijsindex.policies import STATUTORY, information_duty, policy
from verwijsindex.pseudonyms import Keyring, PseudonymKey
from verwijsindex.regions import ZUID_LIMBURG, load_regions
from verwijsindex.roles import RightsOfficer
from verwijsindex.storage import MemoryStore, Store, open_store
from verwijsindex.storage.sqlite import SQLiteStore
from verwijsindex.subject_requests import ExtensionGround, RequestKind, eligible_requesters
from verwijsindex.testing import TEST_KEY, FixedClock

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)
LATER = NOW + timedelta(minutes=1)

# --- junk -----------------------------------------------------------------------------------------

SURROGATES = st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1)
ODD_ZONES = st.sampled_from([Offset25(), RaisingZone(), NoOffset()])

JUNK: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63),
    st.integers(max_value=-(2**63)),
    st.floats(),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e308]),
    st.text(max_size=30),
    SURROGATES,
    st.text(st.characters(codec="utf-8"), min_size=65, max_size=80),
    st.just(MB),
    st.just("\x00"),
    st.binary(max_size=20),
    st.datetimes(),
    st.datetimes(timezones=st.timezones()),
    st.datetimes().map(lambda d: d.replace(tzinfo=timezone.utc)),
    st.builds(lambda z: datetime(2026, 1, 1, tzinfo=z), ODD_ZONES),
    st.sampled_from([datetime.max.replace(tzinfo=timezone.utc), datetime.min]),
    st.dates(),
    st.lists(st.text(max_size=5), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
    st.sets(st.sampled_from(list(Recipient))),
    st.sampled_from(
        [object(), Gender.MALE, Recipient.YOUTH, "111222333", "0935", "t1", "Maastricht"]
    ),
)
"""Anything a careless caller or a hostile form might pass."""

_SIMPLE = (str, int, float, bool, bytes, date, datetime)


def values_for(annotation: Any) -> st.SearchStrategy[Any]:
    """Junk, and values of the argument's own type where Hypothesis can build them
    without running the library's validators."""
    kinds = [t for t in typing.get_args(annotation) or (annotation,) if t in _SIMPLE]
    return st.one_of(JUNK, *(st.from_type(t) for t in kinds))


# --- the entry points, each with a call that works ----------------------------------------------


Entry = tuple[Callable[..., object], Callable[[World], dict[str, Any]]]


ENTRIES: dict[str, Entry] = {
    # the index
    "add_organisation": (
        VerwijsIndex.add_organisation,
        lambda w: {"organisation": w.teacher.organisation},
    ),
    "organisation": (
        VerwijsIndex.organisation,
        lambda w: {"organisation_id": w.teacher.organisation.id},
    ),
    "register": (
        VerwijsIndex.register,
        lambda w: {"subject": w.fresh, "professional": w.teacher, "ends_on": None},
    ),
    "withdraw": (
        VerwijsIndex.withdraw,
        lambda w: {
            "link_id": w.nurse_link_id,
            "by": w.nurse,
            "reason": WithdrawalReason.RISK_RESOLVED,
        },
    ),
    "links_for": (VerwijsIndex.links_for, lambda w: {"professional": w.teacher}),
    "history": (VerwijsIndex.history, lambda w: {"subject": w.youth, "professional": w.teacher}),
    "bulk_register": (
        VerwijsIndex.bulk_register,
        lambda w: {"records": [ImportRecord(w.fresh, w.nurse)], "batch_size": None},
    ),
    "matches_for": (VerwijsIndex.matches_for, lambda w: {"professional": w.teacher}),
    "set_lead": (
        VerwijsIndex.set_lead,
        lambda w: {"match_id": w.match_id, "professional": w.teacher, "by": w.teacher},
    ),
    "mark_coordinated": (
        VerwijsIndex.mark_coordinated,
        lambda w: {"match_id": w.match_id, "professional": w.teacher},
    ),
    "record_informed": (
        VerwijsIndex.record_informed,
        lambda w: {"link_id": w.link_id, "recipients": {Recipient.YOUTH}, "at": NOW, "by": None},
    ),
    "overdue_information": (VerwijsIndex.overdue_information, lambda w: {"now": LATER}),
    "record_death": (
        VerwijsIndex.record_death,
        lambda w: {"subject": w.other, "died_on": date(2026, 11, 22)},
    ),
    "record_move": (VerwijsIndex.record_move, lambda w: {"subject": w.youth}),
    "merge_service_number": (
        VerwijsIndex.merge_service_number,
        lambda w: {"without": w.fresh, "subject": w.fresh},
    ),
    "statistics": (
        VerwijsIndex.statistics,
        lambda w: {
            "period": (date(2026, 11, 1), date(2026, 11, 30)),
            "by": w.checker,
            "threshold": 5,
        },
    ),
    "notifications_for": (
        VerwijsIndex.notifications_for,
        lambda w: {"professional": w.teacher, "limit": None},
    ),
    "claim_notifications": (
        VerwijsIndex.claim_notifications,
        lambda w: {"limit": 5, "lease": timedelta(minutes=1)},
    ),
    "add_professional": (VerwijsIndex.add_professional, lambda w: {"professional": w.nurse}),
    "professional": (VerwijsIndex.professional, lambda w: {"professional_id": "n1"}),
    "close": (VerwijsIndex.close, lambda w: {}),
    "matches_awaiting_coordination": (
        VerwijsIndex.matches_awaiting_coordination,
        lambda w: {"by": w.checker, "now": None},
    ),
    "follow_up_status": (
        VerwijsIndex.follow_up_status,
        lambda w: {"match_id": w.match_id, "by": w.checker},
    ),
    "organisation_contacts": (VerwijsIndex.organisation_contacts, lambda w: {"by": w.coordinator}),
    "organisation_signals": (VerwijsIndex.organisation_signals, lambda w: {"by": w.coordinator}),
    "access_report": (VerwijsIndex.access_report, lambda w: {"request": w.access, "by": w.officer}),
    "export": (VerwijsIndex.export, lambda w: {"request": w.export, "by": w.officer}),
    "rectify": (
        VerwijsIndex.rectify,
        lambda w: {"request": w.rectification, "corrected": w.youth, "by": w.officer},
    ),
    "erase": (VerwijsIndex.erase, lambda w: {"request": w.objection, "by": w.officer}),
    "route": (VerwijsIndex.route, lambda w: {"request": w.access, "by": w.officer}),
    "pending_notifications": (VerwijsIndex.pending_notifications, lambda w: {"limit": 10}),
    "acknowledge": (VerwijsIndex.acknowledge, lambda w: {"ids": [w.notification_id]}),
    "sweep": (VerwijsIndex.sweep, lambda w: {"now": LATER}),
    "rekey": (VerwijsIndex.rekey, lambda w: {"new_key": TEST_KEY}),
    "change_match_rule": (
        VerwijsIndex.change_match_rule,
        lambda w: {"rule": MatchRule.DIFFERENT_ORGANISATIONS},
    ),
    "change_household_rules": (
        VerwijsIndex.change_household_rules,
        lambda w: {"family_match": True, "address_match": False},
    ),
    "verify_logbook": (VerwijsIndex.verify_logbook, lambda w: {"anchor": None}),
    # the rights functions
    "privacy.file_request": (
        privacy.file_request,
        lambda w: {
            "kind": RequestKind.ACCESS,
            "subject": w.youth,
            "requesters": {Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE},
            "received_on": date(2026, 11, 23),
            "rules": None,
        },
    ),
    "privacy.decide": (
        privacy.decide,
        lambda w: {"request": w.received_objection, "granted": True},
    ),
    "privacy.access_report": (
        privacy.access_report,
        lambda w: {"index": w.index, "request": w.access, "by": w.officer},
    ),
    "privacy.eligible_requesters": (eligible_requesters, lambda w: {"age": 14}),
    "privacy.load_export": (
        privacy.load_export,
        lambda w: {"text": '{"generated_at": "2026-11-23T09:00:00+00:00"}'},
    ),
    "RightsRequest.extend": (
        lambda _request, ground, months, rules: _request.extend(ground, months=months, rules=rules),
        lambda w: {
            "_request": w.access,
            "ground": ExtensionGround.COMPLEXITY,
            "months": 1,
            "rules": None,
        },
    ),
}

PURE: dict[str, tuple[Callable[..., object], dict[str, Any]]] = {
    "parse_bsn": (parse_bsn, {"text": "111222333"}),
    "format_bsn": (format_bsn, {"bsn": "111222333"}),
    "cbs_code.compact": (cbs_code.compact, {"value": "GM0935"}),
    "cbs_code.validate": (cbs_code.validate, {"value": "0935"}),
    "Address": (
        Address,
        {
            "street": "Markt",
            "house_number": "1",
            "postcode": "6211 CK",
            "city": "Maastricht",
            "municipality_code": "0935",
        },
    ),
    "Organisation": (
        Organisation,
        {"id": "ggd", "name": "GGD", "municipality_code": "0935", "email": "a@b.nl", "phone": None},
    ),
    "Subject": (
        Subject,
        {
            "bsn": parse_bsn("111222333"),
            "name": "Sam",
            "gender": Gender.MALE,
            "birth_date": date(2012, 1, 1),
            "address": Address("Markt", "1", "6211 CK", "Maastricht", "0935"),
            "parents": (),
            "died_on": None,
        },
    ),
    "Link": (
        Link,
        {
            "id": "L1",
            "subject": "k",
            "professional": "p1",
            "organisation": "o1",
            "created_at": NOW,
            "ends_on": date(2028, 1, 1),
        },
    ),
    "Match": (
        Match,
        {
            "id": "M1",
            "subject": "k",
            "links": ("L1", "L2"),
            "professionals": ("p1", "p2"),
            "kind": MatchKind.SUBJECT,
            "created_at": NOW,
            "updated_at": NOW,
            "lead": None,
            "coordinated": False,
        },
    ),
    "Notification": (
        Notification,
        {
            "id": "N1",
            "kind": NotificationKind.MATCH,
            "recipient": "p1",
            "created_at": NOW,
            "match_id": "M1",
            "contacts": (),
            "link_id": None,
        },
    ),
    "Contact": (
        Contact,
        {
            "professional_id": "p1",
            "name": "Piet",
            "organisation": "GGD",
            "email": "p@b.nl",
            "phone": None,
        },
    ),
    "LogEntry": (
        LogEntry,
        {
            "id": "e1",
            "lane": 0,
            "seq": 1,
            "at": NOW,
            "actor": "system",
            "action": LogAction.REGISTERED,
            "subject_ref": None,
            "link_id": None,
            "match_id": None,
            "count": None,
            "prev_hash": "",
            "hash": "0" * 64,
        },
    ),
    "Rules": (Rules, {"active_years": 2, "archive_years": 5, "family_match": True}),
    "PseudonymKey": (PseudonymKey, {"id": "k1", "secret": b"s" * 32}),
    "Keyring": (Keyring, {"keys": [TEST_KEY]}),
    "RightsOfficer": (RightsOfficer, {"municipality_code": "0935"}),
    "serialization.to_json": (serialization.to_json, {"value": {"a": 1}}),
    "serialization.from_json": (serialization.from_json, {"text": '{"a": 1}', "cls": dict}),
    "regions.municipality": (ZUID_LIMBURG.municipality, {"name_or_code": "Maastricht"}),
    "regions.region_for": (ZUID_LIMBURG.region_for, {"name_or_code": "0935"}),
    "regions.region_of_municipality": (ZUID_LIMBURG.region_of_municipality, {"code": 935}),
    "load_regions": (load_regions, {"source": 'name = "X"', "policies": {}}),
    "policy": (policy, {"name": "statute"}),
    "information_duty": (
        information_duty,
        {"policy": STATUTORY, "birth_date": date(2012, 1, 1), "at": NOW},
    ),
    "open_store": (open_store, {"url": "memory://"}),
}


def _params(call: Callable[..., object], valid: dict[str, Any]) -> list[tuple[str, Any]]:
    """The arguments to replace, each with its annotation (or ``Any``)."""
    try:
        hints = typing.get_type_hints(call)
    except Exception:  # a lambda, or a name the hints cannot resolve: junk only
        hints = {}
    return [(name, hints.get(name, Any)) for name in valid if not name.startswith("_")]


def _call(call: Callable[..., object], args: dict[str, Any]) -> None:
    """Call with the arguments by name where the signature allows, else in order."""
    try:
        signature = inspect.signature(call)
    except (TypeError, ValueError):
        call(*args.values())
        return
    positional = [
        p.name
        for p in signature.parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name in args
    ]
    keywords = {name: value for name, value in args.items() if name not in positional}
    call(*(args[name] for name in positional), **keywords)


def _only_library_errors(call: Callable[..., object], args: dict[str, Any]) -> None:
    try:
        _call(call, args)
    except VerwijsindexError as error:
        message = str(error)
        if len(message) >= 300:
            pytest.fail(f"a message of {len(message)} characters")
    except BaseException as error:  # anything else is the defect this test looks for
        pytest.fail(f"{type(error).__name__}: {str(error)[:200]}")


JUNK_SETTINGS = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.fixture(params=["memory", "sqlite-file"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    store: Store = MemoryStore() if request.param == "memory" else SQLiteStore(tmp_path / "j.db")
    yield build_world(request.param, store)
    store.close()


_NAMES = build_world("memory", MemoryStore())
"""A world on the memory store, to read the table's argument names at collection."""

INDEX_CASES = [
    (name, param, hint)
    for name, (call, valid) in ENTRIES.items()
    for param, hint in _params(call, valid(_NAMES))
]


@pytest.mark.parametrize(("name", "param", "hint"), INDEX_CASES, ids=lambda v: str(v))
def test_index_and_rights_calls_raise_only_library_errors(
    world: World, name: str, param: str, hint: Any
) -> None:
    call, valid = ENTRIES[name]
    needs_index = name in ENTRIES and not name.startswith(("privacy.", "RightsRequest."))

    @JUNK_SETTINGS
    @given(value=values_for(hint))
    def run(value: Any) -> None:
        args = valid(world)
        args[param] = value
        if needs_index:
            _only_library_errors(call, {"self": world.index, **args})
        else:
            _only_library_errors(call, args)

    run()


PURE_CASES = [
    (name, param, hint)
    for name, (call, valid) in PURE.items()
    for param, hint in _params(call, valid)
]


@pytest.mark.parametrize(("name", "param", "hint"), PURE_CASES, ids=lambda v: str(v))
@JUNK_SETTINGS
@given(data=st.data())
def test_models_and_functions_raise_only_library_errors(
    name: str, param: str, hint: Any, data: st.DataObject
) -> None:
    call, valid = PURE[name]
    args = dict(valid)
    args[param] = data.draw(values_for(hint), label=param)
    _only_library_errors(call, args)


@JUNK_SETTINGS
@given(
    option=st.sampled_from(["clock", "rules", "regions", "match_rule", "batch_size", "adopt"]),
    value=JUNK,
)
def test_the_index_refuses_junk_settings_with_a_library_error(option: str, value: Any) -> None:
    store = MemoryStore()
    _only_library_errors(
        VerwijsIndex,
        {"store": store, "key": TEST_KEY, "clock": FixedClock(NOW), option: value},
    )


@JUNK_SETTINGS
@given(value=JUNK)
def test_the_index_refuses_a_junk_store_or_key(value: Any) -> None:
    _only_library_errors(VerwijsIndex, {"store": value, "key": TEST_KEY})
    _only_library_errors(VerwijsIndex, {"store": MemoryStore(), "key": value})


@JUNK_SETTINGS
@given(value=JUNK)
def test_a_clock_returning_junk_gives_a_library_error(value: Any) -> None:
    index = VerwijsIndex(MemoryStore(), key=TEST_KEY, clock=lambda: value)
    _only_library_errors(index.sweep, {})
    _only_library_errors(index.overdue_information, {})


@JUNK_SETTINGS
@given(path=JUNK, timeout=st.one_of(st.just(1.0), JUNK))
def test_a_sqlite_store_refuses_junk_with_a_library_error(
    path: Any, timeout: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    if isinstance(path, str) and path and path not in (":memory:",):
        path = tmp_path_factory.mktemp("junk") / path.replace("/", "_")[:100]
    try:
        store = SQLiteStore(path, timeout=timeout)
    except VerwijsindexError:
        return
    except OSError:  # a name the file system refuses is the environment's answer
        return
    store.close()


def test_every_public_method_of_the_index_is_in_the_table() -> None:
    public = {
        name
        for name, member in inspect.getmembers(VerwijsIndex, inspect.isfunction)
        if not name.startswith("_") and name != "logbook_anchor"
    }
    assert public <= set(ENTRIES), sorted(public - set(ENTRIES))
