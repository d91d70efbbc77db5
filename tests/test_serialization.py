"""Tests for :mod:`verwijsindex.serialization`: round trips, forbidden keys, no BSN in errors."""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import attrs
import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import (
    addresses,
    aware_datetimes,
    bsn_digits,
    bsns,
    contacts,
    links,
    log_entries,
    matches,
    notifications,
    organisations,
    professionals,
    subjects,
)
from verwijsindex.errors import (
    ForbiddenFieldError,
    InvalidBsnError,
    InvalidRecordError,
    NaiveDatetimeError,
    ValidationError,
)
from verwijsindex.model import (
    FREE_TEXT_WORDS,
    Address,
    Bsn,
    Contact,
    Gender,
    Link,
    LinkStatus,
    LogAction,
    LogEntry,
    Match,
    MatchKind,
    Notification,
    NotificationKind,
    Organisation,
    Professional,
    Subject,
    WithdrawalReason,
    parse_bsn,
)
from verwijsindex.serialization import (
    from_json,
    is_forbidden_key,
    make_converter,
    structure,
    to_json,
    unstructure,
)

VALID = "111222333"
PARENT = "123456782"
NOW = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)

CONVERTER = make_converter()


def address() -> Address:
    return Address(
        street="Markt", house_number="1", postcode="6211 CK", city="Maastricht",
        municipality_code="0935",
    )  # fmt: skip


def subject() -> Subject:
    return Subject(
        bsn=parse_bsn(VALID),
        name="Sanne de Vries",
        gender=Gender.FEMALE,
        birth_date=date(2010, 5, 17),
        address=address(),
        parents=(parse_bsn(PARENT),),
    )


def professional() -> Professional:
    organisation = Organisation(
        id="ggd-zl", name="GGD Zuid-Limburg", municipality_code="0935",
        email="verwijsindex@ggdzl.nl",
    )  # fmt: skip
    return Professional(
        id="p-1", name="J. Janssen", organisation=organisation, email="j.janssen@ggdzl.nl"
    )


def link() -> Link:
    return Link(
        id="L1",
        subject="pseudonym-1",
        professional="p-1",
        organisation="ggd-zl",
        created_at=NOW,
        ends_on=date(2028, 3, 1),
        status=LinkStatus.ARCHIVED,
        archived_on=date(2026, 6, 1),
        withdrawal_reason=WithdrawalReason.RISK_RESOLVED,
    )


def notification() -> Notification:
    return Notification(
        id="N1",
        kind=NotificationKind.MATCH,
        recipient="p-2",
        created_at=NOW,
        match_id="M1",
        contacts=(Contact.of(professional()),),
    )


def in_utc(value: Any) -> Any:
    """*value* with every datetime moved to UTC: the same instants, compared safely.

    Aware datetimes in different zones compare by instant, except that Python calls an
    inter-zone comparison unequal when either side is in a DST fold or gap (PEP 495).
    """
    if isinstance(value, datetime):
        return value.astimezone(UTC)
    if isinstance(value, tuple):
        return tuple(in_utc(item) for item in value)
    if attrs.has(type(value)) and not isinstance(value, Bsn):
        return attrs.evolve(
            value, **{f.name: in_utc(getattr(value, f.name)) for f in attrs.fields(type(value))}
        )
    return value


def leaked(error: BaseException, *secrets: str) -> bool:
    """Whether any of *secrets* shows in the error's message, traceback or chain."""
    text = str(error) + "".join(traceback.format_exception(error)) + repr(error.args)
    return any(secret in text for secret in secrets)


# --- round trips ---------------------------------------------------------------------------------

MODELS: list[tuple[type[Any], Callable[[], st.SearchStrategy[Any]]]] = [
    (Address, addresses),
    (Subject, subjects),
    (Organisation, organisations),
    (Professional, professionals),
    (Contact, contacts),
    (Link, links),
    (Match, matches),
    (Notification, notifications),
    (LogEntry, log_entries),
    (Bsn, bsns),
]


@pytest.mark.parametrize(("cls", "strategy"), MODELS, ids=[cls.__name__ for cls, _ in MODELS])
@given(data=st.data())
def test_every_model_round_trips(
    cls: type[Any], strategy: Callable[[], st.SearchStrategy[Any]], data: st.DataObject
) -> None:
    value = data.draw(strategy())
    plain = CONVERTER.unstructure(value)
    assert json.loads(json.dumps(plain)) == plain  # plain data only: dicts, lists, str, int
    restored = CONVERTER.structure(plain, cls)
    assert type(restored) is cls
    assert in_utc(restored) == in_utc(value)
    assert CONVERTER.unstructure(restored) == plain  # same local time and offset, too
    text = to_json(value)
    assert json.loads(text) == plain
    assert in_utc(from_json(text, cls)) == in_utc(value)
    assert to_json(from_json(text, cls)) == text


@given(aware_datetimes())
def test_aware_datetimes_round_trip_to_the_same_instant_and_offset(at: datetime) -> None:
    text = CONVERTER.unstructure(at)
    assert text == at.isoformat()
    restored = CONVERTER.structure(text, datetime)
    assert restored.astimezone(UTC) == at.astimezone(UTC)
    assert restored.utcoffset() == at.utcoffset()


def test_a_datetime_in_the_autumn_fold_keeps_its_offset() -> None:
    amsterdam = ZoneInfo("Europe/Amsterdam")
    first = datetime(2026, 10, 25, 2, 30, tzinfo=amsterdam)
    second = first.replace(fold=1)
    assert unstructure(first) == "2026-10-25T02:30:00+02:00"
    assert unstructure(second) == "2026-10-25T02:30:00+01:00"
    assert structure(unstructure(second), datetime) - structure(
        unstructure(first), datetime
    ) == timedelta(hours=1)


def test_the_unstructured_shape() -> None:
    plain = unstructure(subject())
    assert plain == {
        "bsn": VALID,
        "name": "Sanne de Vries",
        "gender": "V",
        "birth_date": "2010-05-17",
        "address": {
            "street": "Markt",
            "house_number": "1",
            "postcode": "6211 CK",
            "city": "Maastricht",
            "municipality_code": "0935",
        },
        "parents": [PARENT],
        "died_on": None,
        "surname": None,
        "twin": None,
    }
    assert unstructure(link())["created_at"] == "2026-03-01T09:30:00+00:00"
    assert unstructure(link())["withdrawal_reason"] == "risk-resolved"
    assert unstructure(notification())["contacts"][0]["organisation"] == "GGD Zuid-Limburg"


def test_collections_unstructure_as_lists() -> None:
    assert CONVERTER.unstructure(("b", "a")) == ["b", "a"]
    assert CONVERTER.unstructure(frozenset({"b", "a", "c"})) == ["a", "b", "c"]
    assert CONVERTER.unstructure(frozenset({1, "a"})) in ([1, "a"], ["a", 1])
    assert CONVERTER.structure(["a", "b"], frozenset[str]) == frozenset({"a", "b"})
    assert CONVERTER.structure(["a", "b"], tuple[str, ...]) == ("a", "b")
    assert CONVERTER.structure(("a",), list[str]) == ["a"]


def test_to_json_is_compact_and_sorted() -> None:
    text = to_json(link())
    assert text == json.dumps(unstructure(link()), sort_keys=True, separators=(",", ":"))
    assert text.startswith('{"archived_on":"2026-06-01","created_at":')
    assert ": " not in text
    assert ", " not in text


def test_a_bsn_structures_from_any_spelling() -> None:
    assert structure("1112.22.333", Bsn) == parse_bsn(VALID)
    assert structure(" 12345672 ", Bsn).value == "012345672"
    assert unstructure(parse_bsn("12345672")) == "012345672"


def test_make_converter_is_the_librarys_own() -> None:
    first, second = make_converter(), make_converter()
    assert isinstance(first, cattrs.Converter)
    assert first is not second
    assert first is not cattrs.global_converter
    assert first.unstructure(date(2026, 1, 1)) == "2026-01-01"
    assert cattrs.global_converter.unstructure(date(2026, 1, 1)) == date(2026, 1, 1)
    assert cattrs.global_converter.unstructure(parse_bsn(VALID)) == {"value": VALID}


# --- what may never be stored ---------------------------------------------------------------------

FORBIDDEN_KEYS = [
    *sorted(FREE_TEXT_WORDS),
    "Reden",
    "REDEN",
    "reden_melding",
    "meldingReden",
    "signaal-reden",
    "risico's",
    "risk_level",
    "Leef_gebied",
    "life_domain",
    "diagnosis_code",
    "free_text",
    "vrije tekst",
    "zorgsignaal",
    "extra_notes",
    "Toelichting ",
    "why?",
    "WAAROM",
    "withdrawal reason text",
]


@pytest.mark.parametrize("key", FORBIDDEN_KEYS)
def test_a_forbidden_key_is_refused(key: str) -> None:
    record = {**unstructure(link()), key: "zorgen over de thuissituatie"}
    with pytest.raises(ForbiddenFieldError) as caught:
        structure(record, Link)
    assert caught.value.field == key
    assert str(caught.value).startswith("Link: field ")
    assert "thuissituatie" not in str(caught.value)


@pytest.mark.parametrize("key", FORBIDDEN_KEYS)
def test_a_forbidden_key_is_refused_in_a_nested_record(key: str) -> None:
    record = unstructure(subject())
    record["address"][key] = "x"
    with pytest.raises(ForbiddenFieldError) as caught:
        structure(record, Subject)
    assert caught.value.field == key
    assert str(caught.value).startswith("Subject.address: field ")


@pytest.mark.parametrize(
    ("cls", "record", "where"),
    [
        (Notification, lambda r: r["contacts"][0], "Notification.contacts[0]"),
        (Professional, lambda r: r["organisation"], "Professional.organisation"),
        (Subject, lambda r: r, "Subject"),
    ],
)
def test_forbidden_keys_are_found_at_any_depth(
    cls: type[Any], record: Callable[[dict[str, Any]], dict[str, Any]], where: str
) -> None:
    value = {Notification: notification, Professional: professional, Subject: subject}[cls]()
    plain = unstructure(value)
    record(plain)["Reden"] = "x"
    with pytest.raises(ForbiddenFieldError, match="^" + re.escape(f"{where}: field 'Reden'")):
        structure(plain, cls)


def test_a_forbidden_key_wins_over_other_problems() -> None:
    record = {"colour": "blue", "notes": "x"}
    with pytest.raises(ForbiddenFieldError):
        structure(record, Link)


def test_a_real_field_that_contains_a_forbidden_word_is_allowed() -> None:
    plain = unstructure(link())
    assert "withdrawal_reason" in plain
    assert structure(plain, Link) == link()


def test_another_spelling_of_a_real_field_is_unknown_not_forbidden() -> None:
    plain = unstructure(link())
    plain["Withdrawal-Reason"] = plain.pop("withdrawal_reason")
    with pytest.raises(InvalidRecordError, match="Link: unknown key 'Withdrawal-Reason'"):
        structure(plain, Link)


def test_withdrawal_reason_on_another_model_is_forbidden() -> None:
    plain = unstructure(notification())
    plain["withdrawal_reason"] = "risk-resolved"
    with pytest.raises(ForbiddenFieldError):
        structure(plain, Notification)


def test_a_forbidden_key_that_holds_a_bsn_is_masked() -> None:
    key = f"reden_{VALID}"
    record = {**unstructure(link()), key: "x"}
    with pytest.raises(ForbiddenFieldError) as caught:
        structure(record, Link)
    assert caught.value.field == "reden_*********"
    assert not leaked(caught.value, VALID)


@pytest.mark.parametrize(
    ("key", "forbidden"),
    [
        ("reden", True),
        ("Signaal_Reden", True),
        ("leef-gebieden", True),
        ("street", False),
        ("organisation", False),
        ("withdrawal_reason", True),
        (1, False),
    ],
)
def test_is_forbidden_key(key: object, forbidden: bool) -> None:
    assert is_forbidden_key(key) is forbidden


def test_is_forbidden_key_spares_the_models_fields() -> None:
    assert not is_forbidden_key("withdrawal_reason", fields=["withdrawal_reason"])
    assert not is_forbidden_key("WithdrawalReason", fields=["withdrawal_reason"])
    assert is_forbidden_key("reason", fields=["withdrawal_reason"])


# --- malformed records ----------------------------------------------------------------------------


def test_an_unknown_key_is_refused() -> None:
    record = {**unstructure(link()), "colour": "blue"}
    with pytest.raises(InvalidRecordError, match=r"^Link: unknown key 'colour'$"):
        structure(record, Link)


def test_many_unknown_keys_are_summarised() -> None:
    record = {**unstructure(link()), **{f"extra_{c}": 1 for c in "abcdefg"}}
    with pytest.raises(InvalidRecordError, match=r"unknown keys .* and 2 more$"):
        structure(record, Link)


def test_a_key_that_is_not_a_string_is_refused() -> None:
    record: dict[Any, Any] = {**unstructure(link()), 1: "x"}
    with pytest.raises(InvalidRecordError, match=r"Link: unknown key '<int>'"):
        structure(record, Link)


@pytest.mark.parametrize("field", ["id", "subject", "created_at", "ends_on"])
def test_a_missing_field_is_refused(field: str) -> None:
    record = unstructure(link())
    del record[field]
    with pytest.raises(InvalidRecordError, match=rf"^Link\.{field}: missing field$"):
        structure(record, Link)


def test_fields_with_defaults_may_be_left_out() -> None:
    plain = {k: v for k, v in unstructure(link()).items() if k in {"id", "subject"}}
    plain |= {"professional": "p-1", "organisation": "o-1"}
    plain |= {"created_at": "2026-03-01T09:30:00+01:00", "ends_on": "2028-03-01"}
    restored = structure(plain, Link)
    assert restored.status is LinkStatus.ACTIVE
    assert restored.withdrawal_reason is None


@pytest.mark.parametrize(
    "text",
    ["2026-03-01T09:30:00", "2026-03-01 09:30", "2026-03-01T09:30:00.123456", "20260301T093000"],
)
def test_a_naive_datetime_string_is_refused(text: str) -> None:
    record = {**unstructure(link()), "created_at": text}
    with pytest.raises(NaiveDatetimeError, match=r"^Link\.created_at: "):
        structure(record, Link)


@pytest.mark.parametrize("value", ["yesterday", "2026-02-30T10:00:00+01:00", "", 1700000000, None])
def test_a_malformed_datetime_is_refused(value: object) -> None:
    record = {**unstructure(link()), "created_at": value}
    with pytest.raises(InvalidRecordError, match=r"^Link\.created_at: expected an ISO 8601"):
        structure(record, Link)


@pytest.mark.parametrize("value", ["2026-13-01", "2026-03-01T00:00:00+00:00", 20260301, None])
def test_a_malformed_date_is_refused(value: object) -> None:
    record = {**unstructure(link()), "ends_on": value}
    with pytest.raises(InvalidRecordError, match=r"^Link\.ends_on: expected an ISO 8601 date"):
        structure(record, Link)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("status", "actief", r"^Link\.status: expected one of 'active', 'archived'$"),
        ("status", ["active"], r"^Link\.status: expected one of"),
        ("id", 1, r"^Link\.id: expected a string, got int$"),
        ("subject", None, r"^Link\.subject: expected a string, got NoneType$"),
    ],
)
def test_a_wrong_type_is_refused(field: str, value: object, message: str) -> None:
    record = {**unstructure(link()), field: value}
    with pytest.raises(InvalidRecordError, match=message):
        structure(record, Link)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lane": True}, r"^LogEntry\.lane: expected an integer, got bool$"),
        ({"seq": "1"}, r"^LogEntry\.seq: expected an integer, got str$"),
        ({"seq": 1.0}, r"^LogEntry\.seq: expected an integer, got float$"),
        ({"action": "REGISTERED"}, r"^LogEntry\.action: expected one of"),
    ],
)
def test_numbers_and_enums_are_strict(changes: dict[str, Any], message: str) -> None:
    entry = LogEntry(id="E1", lane=0, seq=1, at=NOW, actor="p-1", action=LogAction.READ)
    record = {**unstructure(entry), **changes}
    with pytest.raises(InvalidRecordError, match=message):
        structure(record, LogEntry)


@pytest.mark.parametrize("value", [1, "true", "yes", None])
def test_booleans_are_strict(value: object) -> None:
    match = Match(
        id="M1", subject="s", links=("L1", "L2"), professionals=("p-1",),
        kind=MatchKind.SUBJECT, created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    record = {**unstructure(match), "coordinated": value}
    with pytest.raises(InvalidRecordError, match=r"^Match\.coordinated: expected true or false"):
        structure(record, Match)


@pytest.mark.parametrize("value", ["L1", {"L1": 1}, 1])
def test_a_collection_must_be_a_list(value: object) -> None:
    match = Match(
        id="M1", subject="s", links=("L1", "L2"), professionals=("p-1",),
        kind=MatchKind.SUBJECT, created_at=NOW, updated_at=NOW,
    )  # fmt: skip
    record = {**unstructure(match), "links": value}
    with pytest.raises(InvalidRecordError, match=r"^Match\.links: expected a list"):
        structure(record, Match)


def test_an_element_error_names_its_index() -> None:
    record = unstructure(notification())
    record["contacts"].append({**record["contacts"][0], "email": 3})
    with pytest.raises(InvalidRecordError, match=r"^Notification\.contacts\[1\]\.email: expected"):
        structure(record, Notification)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"postcode": "62"}, r"^Subject\.address: postcode must be a .*postcode$"),
        ({"municipality_code": "GM"}, r"^Subject\.address: municipality_code must be a four"),
        ({"street": "Markt\n1"}, r"^Subject\.address: street must be one line"),
    ],
)
def test_a_failed_model_validator_is_an_invalid_record(
    changes: dict[str, Any], message: str
) -> None:
    record = unstructure(subject())
    record["address"].update(changes)
    with pytest.raises(InvalidRecordError, match=message):
        structure(record, Subject)


def test_a_failed_validator_at_the_top_names_the_model() -> None:
    record = {**unstructure(link()), "id": "not an id"}
    with pytest.raises(InvalidRecordError, match=r"^Link: id must be an identifier$"):
        structure(record, Link)


@pytest.mark.parametrize("value", [None, [], "record", 1, ["id", "L1"], b"{}"])
@pytest.mark.parametrize("cls", [Subject, Link, Address, Notification, LogEntry])
def test_a_record_that_is_not_a_dict_is_refused(value: object, cls: type[Any]) -> None:
    with pytest.raises(InvalidRecordError, match=rf"^{cls.__name__}: expected a mapping"):
        structure(value, cls)


def test_a_nested_record_that_is_not_a_dict_is_refused() -> None:
    record = {**unstructure(subject()), "address": "Markt 1, Maastricht"}
    with pytest.raises(InvalidRecordError, match=r"^Subject\.address: expected a mapping"):
        structure(record, Subject)


def test_errors_are_value_errors_and_carry_no_chain() -> None:
    record = {**unstructure(link()), "created_at": "yesterday"}
    with pytest.raises(ValueError, match="created_at") as caught:
        structure(record, Link)
    assert caught.value.__cause__ is None
    assert caught.value.__context__ is None
    assert not hasattr(caught.value, "__notes__")


def test_malformed_json_is_refused() -> None:
    with pytest.raises(InvalidRecordError, match="not valid JSON"):
        from_json('{"bsn": "111222333"', Subject)
    with pytest.raises(InvalidRecordError, match="not valid JSON"):
        from_json("NaN-ish", Subject)
    with pytest.raises(InvalidRecordError, match=r"^Subject: expected a mapping"):
        from_json("[]", Subject)
    assert from_json(b'"111222333"', Bsn) == parse_bsn(VALID)


def test_unstructuring_a_naive_datetime_is_refused() -> None:
    with pytest.raises(NaiveDatetimeError):
        unstructure(datetime(2026, 3, 1, 9, 30))


def test_fixed_offsets_and_zones_are_kept() -> None:
    at = datetime(2026, 7, 1, 12, 0, tzinfo=timezone(timedelta(hours=5, minutes=45)))
    assert unstructure(at) == "2026-07-01T12:00:00+05:45"
    assert structure("2026-07-01T12:00:00+05:45", datetime) == at
    assert structure("2026-07-01T12:00:00Z", datetime) == datetime(2026, 7, 1, 12, tzinfo=UTC)


def test_other_types_follow_the_same_rules() -> None:
    assert CONVERTER.structure(1, float) == 1.0
    assert CONVERTER.structure(0.5, float) == 0.5
    with pytest.raises(InvalidRecordError, match=r"^float: expected a number, got bool$"):
        CONVERTER.structure(True, float)
    with pytest.raises(InvalidRecordError, match=r"^list\[int\]\[1\]: expected an integer"):
        CONVERTER.structure([1, "2"], list[int])
    with pytest.raises(InvalidRecordError, match=r"^dict\[str, int\]: invalid value"):
        CONVERTER.structure("not a dict", dict[str, int])
    with pytest.raises(InvalidRecordError, match=r"^complex: cannot structure complex$"):
        CONVERTER.structure("1+2j", complex)


def test_a_union_of_models_is_structured_and_translated() -> None:
    union: Any = Link | Match
    assert CONVERTER.structure(unstructure(link()), union) == link()
    record = {**unstructure(link()), "created_at": "2026-03-01T09:30:00"}
    with pytest.raises(NaiveDatetimeError, match=r"Link\.created_at: datetime must be"):
        CONVERTER.structure(record, union)


def test_a_dict_key_is_never_shown() -> None:
    record = {VALID: "x"}
    with pytest.raises(InvalidRecordError, match=r"^dict\[str, int\]\[…\]: expected") as caught:
        CONVERTER.structure(record, dict[str, int])
    assert not leaked(caught.value, VALID)


@pytest.mark.parametrize("text", [None, 1, "[" * 100_000])
def test_json_that_cannot_be_read_is_refused(text: Any) -> None:
    with pytest.raises(InvalidRecordError, match=r"^not valid JSON"):
        from_json(text, Subject)


# --- no BSN in any error --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "bad",
    ["111222334", "1112.22.334", " 111222334 ", "11122233x", "1234567", "1112223330"],
)
def test_an_invalid_bsn_in_a_record_is_refused_without_showing_it(bad: str) -> None:
    record = {**unstructure(subject()), "bsn": bad}
    with pytest.raises(InvalidBsnError) as caught:
        structure(record, Subject)
    assert str(caught.value).startswith("Subject.bsn: not a valid BSN")
    assert not leaked(caught.value, bad.strip(), "111222", "1112.22")


def test_an_invalid_parent_bsn_names_its_index() -> None:
    record = unstructure(subject())
    record["parents"] = [PARENT, "111222334"]
    with pytest.raises(InvalidBsnError, match=r"^Subject\.parents\[1\]: not a valid BSN") as caught:
        structure(record, Subject)
    assert not leaked(caught.value, "111222334", PARENT)


def _bsn_everywhere() -> list[tuple[str, Any]]:
    """Places a BSN can turn up in a subject record by mistake, and what to put there."""
    number = int(VALID)
    return [
        ("bsn", number),
        ("bsn", [VALID]),
        ("bsn", {"value": VALID}),
        ("name", number),
        ("gender", VALID),
        ("birth_date", VALID),
        ("died_on", VALID),
        ("parents", VALID),
        ("parents", [number]),
        ("address", VALID),
        ("extra", VALID),
        ("notes", VALID),
    ]


@pytest.mark.parametrize(("field", "value"), _bsn_everywhere())
def test_no_error_ever_shows_a_bsn(field: str, value: Any) -> None:
    record = {**unstructure(subject()), field: value}
    with pytest.raises(ValidationError) as caught:
        structure(record, Subject)
    assert not leaked(caught.value, VALID, "1112.22", PARENT)


def test_a_bsn_as_a_key_is_masked() -> None:
    record = {**unstructure(subject()), VALID: "x"}
    with pytest.raises(InvalidRecordError, match=r"unknown key '\*{9}'") as caught:
        structure(record, Subject)
    assert not leaked(caught.value, VALID)


@given(bsn_digits(), st.integers(1, 9))
def test_a_wrong_check_digit_never_shows(value: str, delta: int) -> None:
    bad = value[:8] + str((int(value[8]) + delta) % 10)
    record = {**unstructure(subject()), "bsn": bad}
    with pytest.raises(InvalidBsnError) as caught:
        structure(record, Subject)
    assert not leaked(caught.value, bad, bad[:8])


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(st.sampled_from(sorted(unstructure(subject()))), JSON_VALUES)
def test_any_changed_field_gives_a_model_or_a_validation_error(field: str, value: Any) -> None:
    record = {**unstructure(subject()), field: value}
    refused: ValidationError | None = None
    try:
        restored = structure(record, Subject)
    except ValidationError as error:
        refused = error
    if refused is None:
        assert isinstance(restored, Subject)
    else:
        assert not leaked(refused, VALID, PARENT)


@given(st.one_of(JSON_VALUES, st.dictionaries(st.text(), JSON_VALUES)))
@pytest.mark.parametrize("cls", [Subject, Link, Match, Notification, LogEntry, Bsn])
def test_arbitrary_data_raises_only_validation_errors(cls: type[Any], data: Any) -> None:
    try:
        value = structure(data, cls)
    except ValidationError:
        pass
    else:  # only a Bsn can come out of such data, from a valid nine-digit string
        assert isinstance(value, Bsn)


def test_the_all_zero_number_is_refused() -> None:
    record = {**unstructure(subject()), "bsn": "000000000"}
    with pytest.raises(InvalidBsnError, match=r"^Subject\.bsn: not a valid BSN: 000000000 is not"):
        structure(record, Subject)


@pytest.mark.parametrize("depth", [400, 1_100, 5_000])
def test_to_json_of_data_nested_too_deep_is_a_library_error(depth: int) -> None:
    nested: list[object] = []
    for _ in range(depth):
        nested = [nested]
    with pytest.raises(InvalidRecordError, match="cannot be written as JSON"):
        to_json(nested)
