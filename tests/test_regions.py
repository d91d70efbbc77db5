"""Tests for verwijsindex.regions: the Zuid-Limburg data, look-ups, loading and policies."""

from __future__ import annotations

import importlib.resources
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verwijsindex.errors import (
    AgeLimitError,
    InvalidRecordError,
    NaiveDatetimeError,
    NotFoundError,
    UnknownMunicipalityError,
)
from verwijsindex.model import Recipient
from verwijsindex.regions import (
    LEAFLET_WESTELIJKE_MIJNSTREEK,
    LEAFLET_ZUID_LIMBURG,
    POLICIES,
    STATUTORY,
    ZUID_LIMBURG,
    AgeBand,
    Deviation,
    Municipality,
    NotificationPolicy,
    Region,
    Regions,
    deviations,
    information_duty,
    load_regions,
    policy,
)

LEGAL = Recipient.LEGAL_REPRESENTATIVE
YOUTH = Recipient.YOUTH
BOTH = frozenset({YOUTH, LEGAL})
ONLY_LEGAL = frozenset({LEGAL})
ONLY_YOUTH = frozenset({YOUTH})
SHIPPED = (STATUTORY, LEAFLET_ZUID_LIMBURG, LEAFLET_WESTELIJKE_MIJNSTREEK)

# --- the policy table of domain.md, row by row -------------------------------------------------

POLICY_TABLE = [
    (STATUTORY, 0, 11, ONLY_LEGAL),
    (STATUTORY, 12, 15, BOTH),
    (STATUTORY, 16, 22, ONLY_YOUTH),
    (LEAFLET_ZUID_LIMBURG, 0, 11, ONLY_LEGAL),
    (LEAFLET_ZUID_LIMBURG, 12, 15, BOTH),
    (LEAFLET_ZUID_LIMBURG, 16, 22, BOTH),
    (LEAFLET_WESTELIJKE_MIJNSTREEK, 0, 11, ONLY_LEGAL),
    (LEAFLET_WESTELIJKE_MIJNSTREEK, 12, 15, ONLY_LEGAL),
    (LEAFLET_WESTELIJKE_MIJNSTREEK, 16, 22, ONLY_YOUTH),
]


@pytest.mark.parametrize(
    ("pol", "low", "high", "expected"),
    POLICY_TABLE,
    ids=[f"{p.name}-{lo}-{hi}" for p, lo, hi, _ in POLICY_TABLE],
)
def test_policy_table_row(
    pol: NotificationPolicy, low: int, high: int, expected: frozenset[Recipient]
) -> None:
    for age in range(low, high + 1):
        assert pol.recipients(age) == expected


def test_policy_names_and_registry() -> None:
    assert [p.name for p in SHIPPED] == [
        "statute",
        "leaflet-zuid-limburg",
        "leaflet-westelijke-mijnstreek",
    ]
    assert dict(POLICIES) == {p.name: p for p in SHIPPED}
    for p in SHIPPED:
        assert policy(p.name) is p
    assert STATUTORY.source == "JW 7.1.5.1"
    assert "seed 000" in LEAFLET_ZUID_LIMBURG.source
    assert "seed 002" in LEAFLET_WESTELIJKE_MIJNSTREEK.source


def test_policies_mapping_is_read_only() -> None:
    with pytest.raises(TypeError):
        POLICIES["mine"] = STATUTORY  # type: ignore[index]


def test_unknown_policy_is_not_found() -> None:
    with pytest.raises(NotFoundError, match="unknown notification policy; the shipped") as info:
        policy("wet")
    assert "wet" not in str(info.value) and info.value.id == "wet"
    assert isinstance(info.value, LookupError)
    assert info.value.kind == "notification policy"


BOUNDARIES = [
    (STATUTORY, 11, ONLY_LEGAL),
    (STATUTORY, 12, BOTH),
    (STATUTORY, 15, BOTH),
    (STATUTORY, 16, ONLY_YOUTH),
    (STATUTORY, 22, ONLY_YOUTH),
    (LEAFLET_ZUID_LIMBURG, 11, ONLY_LEGAL),
    (LEAFLET_ZUID_LIMBURG, 12, BOTH),
    (LEAFLET_ZUID_LIMBURG, 15, BOTH),
    (LEAFLET_ZUID_LIMBURG, 16, BOTH),
    (LEAFLET_ZUID_LIMBURG, 22, BOTH),
    (LEAFLET_WESTELIJKE_MIJNSTREEK, 11, ONLY_LEGAL),
    (LEAFLET_WESTELIJKE_MIJNSTREEK, 12, ONLY_LEGAL),
    (LEAFLET_WESTELIJKE_MIJNSTREEK, 15, ONLY_LEGAL),
    (LEAFLET_WESTELIJKE_MIJNSTREEK, 16, ONLY_YOUTH),
    (LEAFLET_WESTELIJKE_MIJNSTREEK, 22, ONLY_YOUTH),
]


@pytest.mark.parametrize(
    ("pol", "age", "expected"), BOUNDARIES, ids=[f"{p.name}-{a}" for p, a, _ in BOUNDARIES]
)
def test_boundary_ages(pol: NotificationPolicy, age: int, expected: frozenset[Recipient]) -> None:
    assert pol.recipients(age) == expected


@pytest.mark.parametrize("pol", SHIPPED, ids=[p.name for p in SHIPPED])
@pytest.mark.parametrize("age", [23, 24, 99])
def test_age_23_and_over_is_refused(pol: NotificationPolicy, age: int) -> None:
    with pytest.raises(AgeLimitError) as info:
        pol.recipients(age)
    assert info.value.age == age


@pytest.mark.parametrize("age", [-1, -23])
def test_negative_age_is_invalid(age: int) -> None:
    with pytest.raises(InvalidRecordError, match="0 or more"):
        STATUTORY.recipients(age)


@pytest.mark.parametrize("age", [True, 12.0, "12"])
def test_age_must_be_an_int(age: Any) -> None:
    with pytest.raises(InvalidRecordError, match="whole number"):
        STATUTORY.recipients(age)


@given(age=st.integers(min_value=0, max_value=22), pol=st.sampled_from(SHIPPED))
def test_every_age_informs_someone(age: int, pol: NotificationPolicy) -> None:
    recipients = pol.recipients(age)
    assert recipients
    assert recipients <= BOTH


# --- the 29 February birthday and the Amsterdam calendar ----------------------------------------

LEAPLING = date(2008, 2, 29)


def test_born_29_february_is_11_on_28_february_2020() -> None:
    at = datetime(2020, 2, 28, 12, 0, tzinfo=UTC)
    assert information_duty(STATUTORY, LEAPLING, at) == ONLY_LEGAL


def test_born_29_february_is_12_on_1_march_2020() -> None:
    at = datetime(2020, 3, 1, 12, 0, tzinfo=UTC)
    assert information_duty(STATUTORY, LEAPLING, at) == BOTH


def test_born_29_february_is_12_on_29_february_2020() -> None:
    at = datetime(2020, 2, 29, 12, 0, tzinfo=UTC)
    assert information_duty(STATUTORY, LEAPLING, at) == BOTH


def test_born_29_february_turns_16_on_29_february_2024() -> None:
    assert information_duty(STATUTORY, LEAPLING, datetime(2024, 2, 28, 12, tzinfo=UTC)) == BOTH
    at = datetime(2024, 2, 29, 12, tzinfo=UTC)
    assert information_duty(STATUTORY, LEAPLING, at) == ONLY_YOUTH


def test_born_29_february_turns_23_on_1_march_in_a_common_year() -> None:
    at = datetime(2031, 2, 28, 12, tzinfo=UTC)
    assert information_duty(STATUTORY, LEAPLING, at) == ONLY_YOUTH
    with pytest.raises(AgeLimitError):
        information_duty(STATUTORY, LEAPLING, datetime(2031, 3, 1, 12, tzinfo=UTC))


def test_age_is_counted_on_the_amsterdam_date() -> None:
    born = date(2010, 6, 1)
    # 22:30 UTC on 31 May 2022 is 00:30 on 1 June in Amsterdam (summer time, UTC+2).
    assert information_duty(STATUTORY, born, datetime(2022, 5, 31, 21, 30, tzinfo=UTC)) == (
        ONLY_LEGAL
    )
    assert information_duty(STATUTORY, born, datetime(2022, 5, 31, 22, 30, tzinfo=UTC)) == BOTH
    hawaii = timezone(timedelta(hours=-10))
    assert information_duty(STATUTORY, born, datetime(2022, 5, 31, 14, 0, tzinfo=hawaii)) == (BOTH)


def test_information_duty_uses_the_given_policy() -> None:
    at = datetime(2021, 1, 1, tzinfo=UTC)
    born = date(2003, 1, 1)  # 18
    assert information_duty(LEAFLET_ZUID_LIMBURG, born, at) == BOTH
    assert information_duty(STATUTORY, born, at) == ONLY_YOUTH


def test_information_duty_refuses_naive_datetimes() -> None:
    with pytest.raises(NaiveDatetimeError):
        information_duty(STATUTORY, LEAPLING, datetime(2020, 3, 1))


def test_information_duty_at_23_is_an_age_limit_error() -> None:
    with pytest.raises(AgeLimitError) as info:
        information_duty(STATUTORY, date(2000, 1, 1), datetime(2023, 1, 1, tzinfo=UTC))
    assert info.value.age == 23


def test_information_duty_before_birth_is_invalid() -> None:
    with pytest.raises(InvalidRecordError, match="not yet born"):
        information_duty(STATUTORY, date(2030, 1, 1), datetime(2029, 1, 1, tzinfo=UTC))


def test_information_duty_wants_a_date_not_a_datetime() -> None:
    at = datetime(2020, 3, 1, tzinfo=UTC)
    with pytest.raises(InvalidRecordError, match="birth_date"):
        information_duty(STATUTORY, datetime(2008, 2, 29, tzinfo=UTC), at)


# --- deviations --------------------------------------------------------------------------------


def test_statute_has_no_deviations() -> None:
    assert deviations(STATUTORY) == ()


def test_zuid_limburg_leaflet_over_informs_from_16() -> None:
    found = deviations(LEAFLET_ZUID_LIMBURG)
    assert found == tuple(
        Deviation(age=age, missing=frozenset(), extra=ONLY_LEGAL) for age in range(16, 23)
    )
    assert {d.kind for d in found} == {"over-informs"}


def test_westelijke_mijnstreek_page_under_informs_from_12_to_15() -> None:
    found = deviations(LEAFLET_WESTELIJKE_MIJNSTREEK)
    assert found == tuple(
        Deviation(age=age, missing=ONLY_YOUTH, extra=frozenset()) for age in range(12, 16)
    )
    assert {d.kind for d in found} == {"under-informs"}


def test_deviations_against_another_reference() -> None:
    found = deviations(STATUTORY, reference=LEAFLET_WESTELIJKE_MIJNSTREEK)
    assert [(d.age, d.kind) for d in found] == [(age, "over-informs") for age in range(12, 16)]


def test_deviation_kind_both() -> None:
    swapped = NotificationPolicy(
        name="swapped",
        title="youth instead of parents",
        source="test",
        bands=(AgeBand(0, 11, ONLY_YOUTH), AgeBand(12, 22, BOTH)),
    )
    found = deviations(swapped)
    assert [d.age for d in found if d.kind == "both"] == list(range(12))
    assert found[0] == Deviation(age=0, missing=ONLY_LEGAL, extra=ONLY_YOUTH)
    assert [d.age for d in found if d.kind == "over-informs"] == list(range(16, 23))


def test_deviation_needs_a_difference() -> None:
    with pytest.raises(InvalidRecordError):
        Deviation(age=3, missing=frozenset(), extra=frozenset())


# --- building policies ---------------------------------------------------------------------------


def test_bands_may_be_given_in_any_order() -> None:
    pol = NotificationPolicy(
        "late",
        "t",
        "s",
        (AgeBand(16, 22, ONLY_YOUTH), AgeBand(0, 15, ONLY_LEGAL)),
    )
    assert [b.min_age for b in pol.bands] == [0, 16]
    assert pol.recipients(15) == ONLY_LEGAL


def test_a_band_may_inform_nobody() -> None:
    pol = NotificationPolicy("none", "duty dropped", "test", (AgeBand(0, 22, frozenset()),))
    assert pol.recipients(7) == frozenset()
    assert {d.kind for d in deviations(pol)} == {"under-informs"}


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ((AgeBand(0, 10, ONLY_LEGAL), AgeBand(12, 22, ONLY_YOUTH)), "no band covers age 11"),
        ((AgeBand(1, 22, ONLY_LEGAL),), "no band covers age 0"),
        ((AgeBand(0, 15, ONLY_LEGAL),), "no band covers ages 16..22"),
        ((AgeBand(0, 12, ONLY_LEGAL), AgeBand(12, 22, BOTH)), "overlap at age 12"),
        ((AgeBand(0, 22, ONLY_LEGAL), AgeBand(3, 5, BOTH)), "overlap at ages 3..5"),
        ((AgeBand(0, 23, ONLY_LEGAL),), "reach age 23"),
        ((), "no band covers ages 0..22"),
    ],
)
def test_bands_must_cover_0_to_22_exactly(bands: tuple[AgeBand, ...], message: str) -> None:
    with pytest.raises(InvalidRecordError, match=message):
        NotificationPolicy("p", "t", "s", bands)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((5, 4, ONLY_LEGAL), "below min_age"),
        ((-1, 4, ONLY_LEGAL), "min_age"),
        ((0, True, ONLY_LEGAL), "max_age"),
        ((0, 4, {"youth"}), "Recipient"),
        ((0, 4, "youth"), "Recipient"),
    ],
)
def test_age_band_validation(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(InvalidRecordError, match=message):
        AgeBand(*args)


def test_policy_needs_bands_and_a_name() -> None:
    with pytest.raises(InvalidRecordError, match="AgeBand"):
        NotificationPolicy("p", "t", "s", ("0-22",))  # type: ignore[arg-type]
    with pytest.raises(InvalidRecordError, match="AgeBand"):
        NotificationPolicy("p", "t", "s", 3)  # type: ignore[arg-type]
    with pytest.raises(InvalidRecordError, match="name"):
        NotificationPolicy("", "t", "s", STATUTORY.bands)


RECIPIENT_SETS = st.frozensets(st.sampled_from(list(Recipient)))


@given(
    cuts=st.sets(st.integers(min_value=1, max_value=22)),
    sets=st.lists(RECIPIENT_SETS, min_size=23, max_size=23),
)
def test_any_partition_of_0_to_22_is_a_policy(
    cuts: set[int], sets: list[frozenset[Recipient]]
) -> None:
    starts = [0, *sorted(cuts)]
    ends = [s - 1 for s in starts[1:]] + [22]
    bands = [AgeBand(lo, hi, sets[i]) for i, (lo, hi) in enumerate(zip(starts, ends, strict=True))]
    pol = NotificationPolicy("generated", "t", "s", tuple(reversed(bands)))
    for band in bands:
        for age in range(band.min_age, band.max_age + 1):
            assert pol.recipients(age) == band.recipients
    if len(bands) > 1:
        with pytest.raises(InvalidRecordError, match="no band covers"):
            NotificationPolicy("gap", "t", "s", tuple(bands[:1] + bands[2:]))


@given(pol=st.sampled_from(SHIPPED), reference=st.sampled_from(SHIPPED))
def test_deviations_describe_the_difference(
    pol: NotificationPolicy, reference: NotificationPolicy
) -> None:
    by_age = {d.age: d for d in deviations(pol, reference)}
    for age in range(23):
        told, due = pol.recipients(age), reference.recipients(age)
        if age in by_age:
            assert (due - by_age[age].missing) | by_age[age].extra == told
        else:
            assert told == due


# --- the Zuid-Limburg data ----------------------------------------------------------------------

TABLE = {
    "Maastricht-Heuvelland": {
        "0935": "Maastricht",
        "1903": "Eijsden-Margraten",
        "1729": "Gulpen-Wittem",
        "0938": "Meerssen",
        "0981": "Vaals",
        "0994": "Valkenburg aan de Geul",
    },
    "Parkstad Limburg": {
        "0917": "Heerlen",
        "0928": "Kerkrade",
        "0882": "Landgraaf",
        "0899": "Brunssum",
        "0965": "Simpelveld",
        "0986": "Voerendaal",
        "1954": "Beekdaelen",
    },
    "Westelijke Mijnstreek": {
        "1883": "Sittard-Geleen",
        "0971": "Stein",
        "0888": "Beek",
    },
}
INHABITANTS = {
    "Maastricht": 122_000,
    "Eijsden-Margraten": 25_500,
    "Gulpen-Wittem": 14_000,
    "Meerssen": 19_000,
    "Vaals": 10_000,
    "Valkenburg aan de Geul": 16_300,
    "Heerlen": 87_000,
    "Kerkrade": 45_500,
    "Landgraaf": 37_000,
    "Brunssum": 27_500,
    "Simpelveld": 10_500,
    "Voerendaal": 12_400,
    "Beekdaelen": 35_800,
    "Sittard-Geleen": 91_500,
    "Stein": 24_800,
    "Beek": 15_700,
}
ALL = [(region, code, name) for region, rows in TABLE.items() for code, name in rows.items()]


def test_regions_and_municipalities_exactly_as_domain_md() -> None:
    assert ZUID_LIMBURG.name == "Zuid-Limburg"
    assert len(ZUID_LIMBURG) == 3
    assert {r.name: {m.code: m.name for m in r.municipalities} for r in ZUID_LIMBURG} == TABLE
    assert len(ZUID_LIMBURG.municipalities()) == 16


def test_programmes_contacts_and_coordinators() -> None:
    mh, pl, wm = ZUID_LIMBURG.regions
    assert (mh.programme, pl.programme, wm.programme) == (
        "Verwijsindex",
        "Vroeg Samenwerken",
        "Verwijsindex-CJG",
    )
    assert mh.contacts == ("maud.jacobs@maastricht.nl",)
    assert mh.coordinator == "maud.jacobs@maastricht.nl"
    assert pl.contacts == ("l.gooyen@heerlen.nl", "vip@heerlen.nl")
    assert pl.coordinator == "vip@heerlen.nl"
    assert wm.contacts == ("vip@heerlen.nl",)
    assert wm.coordinator == "vip@heerlen.nl"
    assert pl.aliases == ("Parkstad",)


def test_information_sites_and_organisations() -> None:
    assert ZUID_LIMBURG.information_sites == (
        "www.verwijsindex-parkstad.nl",
        "www.multisignaal.nl",
        "www.verwijsindex.tv/ouders",
        "www.jijmaakthetverschil.nu",
    )
    mh, pl, wm = ZUID_LIMBURG.regions
    assert wm.organisations == (
        "Bureau Jeugdzorg Limburg",
        "MEE Zuid-Limburg",
        "GGD Zuid-Limburg",
        "Orbis Thuis",
        "Partners in Welzijn",
        "Regionaal Bureau Leerplicht Westelijke Mijnstreek",
    )
    assert mh.organisations == pl.organisations == ()
    assert wm.information_sites == ("www.verwijsindex.nl",)


def test_every_region_follows_the_statute() -> None:
    assert all(region.policy is STATUTORY for region in ZUID_LIMBURG)


def test_inhabitants() -> None:
    found = {m.name: m.inhabitants for m in ZUID_LIMBURG.municipalities()}
    assert found == INHABITANTS
    assert 580_000 <= sum(INHABITANTS.values()) <= 620_000


def test_beekdaelen_records_its_predecessors() -> None:
    beekdaelen = ZUID_LIMBURG.municipality("1954")
    assert beekdaelen.former_codes == ("0951", "0881", "0962")
    assert beekdaelen.former_names == ("Nuth", "Onderbanken", "Schinnen")


def test_data_file_ships_in_the_package() -> None:
    resource = importlib.resources.files("verwijsindex") / "data" / "zuid-limburg.toml"
    assert resource.is_file()
    text = resource.read_text(encoding="utf-8")
    assert "CBS" in text
    assert "2023" in text
    assert load_regions(text) == ZUID_LIMBURG


# --- look-ups ------------------------------------------------------------------------------------


def spellings(code: str, name: str) -> list[str | int]:
    bare = code.lstrip("0")
    return [
        name,
        name.upper(),
        name.lower(),
        name.replace("-", " "),
        name.replace("-", "").replace(" ", ""),
        f"  {name.lower()}  ",
        code,
        bare,
        int(code),
        f"GM{code}",
        f"gm{bare}",
        f"GM {code}",
    ]


@pytest.mark.parametrize(("region", "code", "name"), ALL, ids=[n for _, _, n in ALL])
def test_every_municipality_in_several_spellings(region: str, code: str, name: str) -> None:
    for query in spellings(code, name):
        municipality = ZUID_LIMBURG.municipality(query)
        assert (municipality.code, municipality.name) == (code, name), query
        assert ZUID_LIMBURG.region_for(query).name == region, query
        assert ZUID_LIMBURG.region_of_municipality(query).name == region, query


@pytest.mark.parametrize(
    "query",
    ["0951", 951, "GM0951", "0881", "gm881", "0962", 962, "Nuth", "ONDERBANKEN", "schinnen"],
)
def test_former_municipalities_resolve_to_beekdaelen(query: str | int) -> None:
    assert ZUID_LIMBURG.municipality(query).code == "1954"
    assert ZUID_LIMBURG.region_for(query).name == "Parkstad Limburg"
    assert ZUID_LIMBURG.region_of_municipality(query).name == "Parkstad Limburg"


@pytest.mark.parametrize(
    ("query", "region"),
    [
        ("Maastricht-Heuvelland", "Maastricht-Heuvelland"),
        ("maastricht heuvelland", "Maastricht-Heuvelland"),
        ("PARKSTAD LIMBURG", "Parkstad Limburg"),
        ("Parkstad", "Parkstad Limburg"),
        ("westelijke-mijnstreek", "Westelijke Mijnstreek"),
        ("Westelijke Mijnstreek", "Westelijke Mijnstreek"),
    ],
)
def test_region_by_its_own_name(query: str, region: str) -> None:
    assert ZUID_LIMBURG.region_for(query).name == region


def test_region_names_are_not_municipalities() -> None:
    with pytest.raises(UnknownMunicipalityError):
        ZUID_LIMBURG.municipality("Parkstad")


@pytest.mark.parametrize("query", ["Amsterdam", "0363", "GM0363", 363, "GM", "Valkenburg"])
def test_unknown_municipalities(query: str | int) -> None:
    for lookup in (
        ZUID_LIMBURG.municipality,
        ZUID_LIMBURG.region_for,
        ZUID_LIMBURG.region_of_municipality,
    ):
        with pytest.raises(UnknownMunicipalityError, match="unknown") as info:
            lookup(query)
        assert info.value.query == str(query)
        assert isinstance(info.value, LookupError)


@pytest.mark.parametrize(
    "query",
    [None, True, 9.35, b"0935", 0, -935, 10_000, "", "   ", "111222333", "x" * 201, "\ud800"],
)
def test_a_query_that_can_name_nothing_is_malformed(query: Any) -> None:
    """Not a name (one line of at most 200 characters) nor a CBS code (1 to 9999): the
    query itself is wrong, which is not the same as a municipality the regions lack."""
    for lookup in (
        ZUID_LIMBURG.municipality,
        ZUID_LIMBURG.region_for,
        ZUID_LIMBURG.region_of_municipality,
    ):
        with pytest.raises(InvalidRecordError) as info:
            lookup(query)
        assert not isinstance(info.value, UnknownMunicipalityError)


def test_unknown_message_names_the_collection_and_keeps_the_query_on_an_attribute() -> None:
    with pytest.raises(UnknownMunicipalityError) as info:
        ZUID_LIMBURG.municipality("Amsterdam")
    assert str(info.value) == (
        "unknown municipality: no municipality in Zuid-Limburg has that name or CBS code"
    )
    assert info.value.query == "Amsterdam"
    with pytest.raises(UnknownMunicipalityError) as info:
        ZUID_LIMBURG.region_for("Amsterdam 1112.22.333")  # a BSN in the wrong field
    assert "222" not in str(info.value) and info.value.query == "Amsterdam ********333"


def _scramble(data: st.DataObject, name: str) -> str:
    out = []
    for char in name:
        if char in " -":
            out.append(data.draw(st.sampled_from(["", " ", "-", "  "])))
        else:
            out.append(char.upper() if data.draw(st.booleans()) else char.lower())
    return "".join(out)


@given(data=st.data())
def test_look_up_ignores_case_spaces_and_hyphens(data: st.DataObject) -> None:
    _, code, name = data.draw(st.sampled_from(ALL))
    assert ZUID_LIMBURG.municipality(_scramble(data, name)).code == code


def test_iteration() -> None:
    assert list(ZUID_LIMBURG) == list(ZUID_LIMBURG.regions)
    assert [m.code for m in ZUID_LIMBURG.municipalities()] == [code for _, code, _ in ALL]


def test_values_are_frozen() -> None:
    municipality = ZUID_LIMBURG.municipality("Vaals")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        municipality.name = "Vals"  # type: ignore[misc]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        STATUTORY.bands = ()  # type: ignore[misc]
    assert hash(ZUID_LIMBURG) == hash(load_regions(_shipped_text()))


def _shipped_text() -> str:
    resource = importlib.resources.files("verwijsindex") / "data" / "zuid-limburg.toml"
    return resource.read_text(encoding="utf-8")


# --- building values in Python -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("given_code", "code"), [(935, "0935"), ("935", "0935"), ("GM0935", "0935")]
)
def test_municipality_code_is_canonical(given_code: Any, code: str) -> None:
    assert Municipality(code=given_code, name="Maastricht").code == code


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"code": "12345", "name": "X"}, "CBS municipality code"),
        ({"code": "0000", "name": "X"}, "CBS municipality code"),
        ({"code": "09a5", "name": "X"}, "CBS municipality code"),
        ({"code": 1.5, "name": "X"}, "CBS municipality code"),
        ({"code": "0935", "name": ""}, "name"),
        ({"code": "0935", "name": "X", "inhabitants": -1}, "inhabitants"),
        ({"code": "0935", "name": "X", "former_codes": "0951"}, "list of CBS codes"),
        ({"code": "0935", "name": "X", "former_names": "Nuth"}, "list of strings"),
    ],
)
def test_municipality_validation(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRecordError, match=message):
        Municipality(**fields)


def test_region_defaults() -> None:
    region = Region(
        name="Noord",
        programme="Samen",
        municipalities=[Municipality("0014", "Groningen")],
        contacts=["a@groningen.nl", "b@groningen.nl"],
    )
    assert region.coordinator == "a@groningen.nl"
    assert region.policy is STATUTORY
    assert region.municipalities == (Municipality("0014", "Groningen"),)
    assert region.information_sites == region.organisations == region.aliases == ()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"contacts": []}, "contacts must name at least one"),
        ({"contacts": [""]}, "non-empty strings"),
        ({"municipalities": "Groningen"}, "list of Municipality"),
        ({"contacts": ["not-an-address"]}, "not an e-mail address"),
        ({"contacts": "a@b.nl"}, "list of strings"),
        ({"coordinator": "nobody"}, "coordinator"),
        ({"municipalities": []}, "non-empty list of Municipality"),
        ({"municipalities": ["Groningen"]}, "Municipality"),
        ({"policy": "statute"}, "NotificationPolicy"),
        ({"name": " "}, "name"),
        # a region's name is the recipient of its coordinator's notices (decision 110)
        ({"name": "N" * 151}, "name must be one line of at most 150 characters"),
    ],
)
def test_region_validation(fields: dict[str, Any], message: str) -> None:
    base: dict[str, Any] = {
        "name": "Noord",
        "programme": "Samen",
        "municipalities": [Municipality("0014", "Groningen")],
        "contacts": ["a@groningen.nl"],
    }
    with pytest.raises(InvalidRecordError, match=message):
        Region(**(base | fields))


def test_regions_needs_at_least_one_region() -> None:
    with pytest.raises(InvalidRecordError, match="non-empty list of Region"):
        Regions(name="Leeg", regions=())
    with pytest.raises(InvalidRecordError, match="list of Region"):
        Regions(name="Leeg", regions="Noord")  # type: ignore[arg-type]


# --- loading your own file -----------------------------------------------------------------------

OWN = """
name = "Friesland"
information_sites = ["www.example.nl"]

[[regions]]
name = "Súdwest"
programme = "Samen Starten"
contacts = ["info@example.nl", "coordinator@example.nl"]
policy = "leaflet-zuid-limburg"

[[regions.municipalities]]
code = "1900"
name = "Súdwest-Fryslân"
inhabitants = 91000

[[regions.municipalities]]
code = 80
name = "Leeuwarden"
former_codes = ["0140"]
former_names = ["Littenseradiel"]

[[regions]]
name = "Noordoost"
programme = "Verwijsindex"
contacts = ["vi@example.nl"]
coordinator = "regie@example.nl"

[[regions.municipalities]]
code = "GM0059"
name = "Achtkarspelen"
"""


def _check_own(regions: Regions) -> None:
    assert regions.name == "Friesland"
    assert regions.information_sites == ("www.example.nl",)
    sudwest, noordoost = regions.regions
    assert sudwest.coordinator == "info@example.nl"
    assert sudwest.policy is LEAFLET_ZUID_LIMBURG
    assert noordoost.coordinator == "regie@example.nl"
    assert noordoost.policy is STATUTORY
    assert regions.municipality("sudwest fryslan").code == "1900"
    assert regions.municipality("SÚDWEST-FRYSLÂN").inhabitants == 91000
    assert regions.municipality("GM0080").name == "Leeuwarden"
    assert regions.municipality(140).name == "Leeuwarden"
    assert regions.municipality("littenseradiel").code == "0080"
    assert regions.region_for("59").name == "Noordoost"
    assert regions.region_for("sudwest") is sudwest


def test_load_own_file_from_a_path(tmp_path: Path) -> None:
    path = tmp_path / "friesland.toml"
    path.write_text(OWN, encoding="utf-8")
    _check_own(load_regions(path))


def test_load_own_file_from_text_and_bytes() -> None:
    _check_own(load_regions(OWN))
    _check_own(load_regions(OWN.encode("utf-8")))


def test_load_with_own_policies() -> None:
    mine = attrs.evolve(LEAFLET_WESTELIJKE_MIJNSTREEK, name="mine")
    text = OWN.replace('policy = "leaflet-zuid-limburg"', 'policy = "mine"')
    regions = load_regions(text, policies={**POLICIES, "mine": mine})
    assert regions.regions[0].policy is mine
    with pytest.raises(InvalidRecordError, match=r"regions\[0\]\.policy: unknown policy; known"):
        load_regions(text)


def test_missing_file_is_an_os_error(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        load_regions(tmp_path / "nothing.toml")


def test_a_str_path_gets_a_hint() -> None:
    with pytest.raises(InvalidRecordError, match=r"pass pathlib\.Path"):
        load_regions("regions.toml")


def test_non_utf8(tmp_path: Path) -> None:
    with pytest.raises(InvalidRecordError, match="not UTF-8"):
        load_regions(b"name = '\xff'")
    path = tmp_path / "latin1.toml"
    path.write_bytes(b"name = '\xff'")
    with pytest.raises(InvalidRecordError, match="not UTF-8"):
        load_regions(path)


def test_source_of_another_type() -> None:
    with pytest.raises(InvalidRecordError, match="not int"):
        load_regions(42)  # type: ignore[arg-type]


def _region(**changes: str) -> str:
    fields = {
        "name": '"R"',
        "programme": '"P"',
        "contacts": '["a@example.nl"]',
        "municipalities": '[{code = "0001", name = "Een"}]',
    }
    fields.update(changes)
    body = "\n".join(f"{k} = {v}" for k, v in fields.items() if v)
    return f"[[regions]]\n{body}\n"


MALFORMED = [
    ("name = ", "not valid TOML"),
    (_region(), "missing key 'name'"),
    ('name = "X"', "missing key 'regions'"),
    ('name = "X"\nregions = []', "non-empty list of Region"),
    ('name = "X"\nregions = "R"', "regions: expected a list"),
    ('name = "X"\nregions = [1]', r"regions\[0\]: expected a table"),
    (
        'name = "X"\nextra = 1\n' + _region(),
        r"^<string>: unknown key; the keys here are information_sites, name, regions$",
    ),
    ("name = 3\n" + _region(), "name: expected a string"),
    ('name = "X"\ninformation_sites = "www"\n' + _region(), "information_sites: expected a list"),
    ('name = "X"\n' + _region(programme=""), r"regions\[0\]: missing key 'programme'"),
    (
        'name = "X"\n' + _region(colour='"red"'),
        r"regions\[0\]: unknown key; the keys here are aliases, ",
    ),
    (
        'name = "X"\n' + _region(policy='"wet"'),
        r"regions\[0\]\.policy: unknown policy; known: leaflet",
    ),
    (
        'name = "X"\n' + _region(policy="12"),
        r"regions\[0\]\.policy: unknown policy; known: leaflet",
    ),
    ('name = "X"\n' + _region(contacts="[]"), "contacts must name at least one"),
    ('name = "X"\n' + _region(contacts='["nobody"]'), "not an e-mail address"),
    ('name = "X"\n' + _region(contacts="[1]"), r"regions\[0\]\.contacts\[0\]: expected a string"),
    ('name = "X"\n' + _region(coordinator="1"), r"regions\[0\]\.coordinator: expected a string"),
    ('name = "X"\n' + _region(coordinator='"x"'), "coordinator is not an e-mail address"),
    ('name = "X"\n' + _region(municipalities="[]"), "non-empty list of Municipality"),
    (
        'name = "X"\n' + _region(municipalities='[{name = "Een"}]'),
        r"regions\[0\]\.municipalities\[0\]: missing key 'code'",
    ),
    (
        'name = "X"\n' + _region(municipalities='[{code = "12345", name = "Een"}]'),
        r"municipalities\[0\]: not a CBS municipality code",
    ),
    (
        'name = "X"\n' + _region(municipalities='[{code = true, name = "Een"}]'),
        r"municipalities\[0\]\.code: expected a string",
    ),
    (
        'name = "X"\n' + _region(municipalities='[{code = "1", name = "Een", inhabitants = "9"}]'),
        r"inhabitants: expected a whole number",
    ),
    (
        'name = "X"\n' + _region(municipalities='[{code = "1", name = "Een", inhabitants = -9}]'),
        r"inhabitants must be a whole number",
    ),
    (
        'name = "X"\n' + _region(municipalities='[{code = "1", name = "0935"}]'),
        "cannot read as a CBS code",
    ),
    (
        'name = "X"\n'
        + _region(municipalities='[{code = "1", name = "Een"}, {code = 1, name = "Twee"}]'),
        r"regions\[0\]\.municipalities\[1\] has a CBS code that regions\[0\]\.municipalities\[0\]",
    ),
    (
        'name = "X"\n'
        + _region(municipalities='[{code = "1", name = "Een", former_codes = ["2"]}]')
        + _region(name='"S"', municipalities='[{code = "2", name = "Twee"}]'),
        r"regions\[1\]\.municipalities\[0\] has a CBS code that regions\[0\]\.municipalities\[0\]",
    ),
    (
        'name = "X"\n'
        + _region(municipalities='[{code = "1", name = "Een"}]')
        + _region(name='"S"', municipalities='[{code = "2", name = "E-E-N"}]'),
        r"regions\[1\]\.municipalities\[0\] has a name that regions\[0\]\.municipalities\[0\] has",
    ),
    (
        'name = "X"\n'
        + _region()
        + _region(name='"r"', municipalities='[{code = "2", name = "Twee"}]'),
        r"regions\[1\] has a name or alias that regions\[0\] has already",
    ),
    (
        'name = "X"\n'
        + _region()
        + _region(name='"Een"', municipalities='[{code = "2", name = "Twee"}]'),
        r"regions\[1\] has a name or alias that is the name of regions\[0\]\.municipalities\[0\]",
    ),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED)
def test_malformed_files(text: str, message: str) -> None:
    with pytest.raises(InvalidRecordError, match=message) as info:
        load_regions(text)
    assert str(info.value).startswith("<string>: ")


def test_malformed_file_names_its_path(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text('name = "X"\n' + _region(contacts='["nobody"]'), encoding="utf-8")
    with pytest.raises(InvalidRecordError) as info:
        load_regions(path)
    assert str(info.value) == f"{path}: regions[0]: contacts[0] is not an e-mail address"


def test_a_region_may_share_its_name_with_its_own_municipality() -> None:
    text = 'name = "X"\n' + _region(name='"Een"')
    regions = load_regions(text)
    assert regions.region_for("een").name == "Een"
    assert regions.municipality("een").code == "0001"


def test_a_region_with_the_longest_name_reaches_its_coordinator() -> None:
    """A region's name is the recipient of its coordinator's notices and, after
    ``coordinator:``, the actor of their log entries, each of at most 200 characters: a
    name of 189 to 200 characters was taken by the region and then refused every
    registration of a match across its border (review of decision 110). The longest name
    a region takes now goes through a match across regions, a match on a youth living
    outside the regions, and the sweep's reminder."""
    from verwijsindex import VerwijsIndex
    from verwijsindex.delivery import compose
    from verwijsindex.model import Address
    from verwijsindex.storage import open_store
    from verwijsindex.testing import TEST_KEY, FixedClock, make_professional, make_subject

    long = "R" * 150
    with pytest.raises(InvalidRecordError, match="name must be one line of at most 150"):
        attrs.evolve(ZUID_LIMBURG.regions[0], name=long + "R")
    first = attrs.evolve(ZUID_LIMBURG.regions[0], name=long)
    regions = attrs.evolve(ZUID_LIMBURG, regions=(first, *ZUID_LIMBURG.regions[1:]))
    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=UTC))
    index = VerwijsIndex(open_store("memory://"), key=TEST_KEY, clock=clock, regions=regions)
    here = make_professional(id="p1", organisation="GGD Zuid-Limburg", municipality="Maastricht")
    there = make_professional(id="p2", organisation="Jeugdzorg Heerlen", municipality="Heerlen")
    for pro in (here, there):
        index.add_organisation(pro.organisation)
    youth = make_subject(bsn="111222333", birth_date=date(2014, 3, 15))
    elsewhere = attrs.evolve(
        make_subject(bsn="123456782", birth_date=date(2014, 3, 15)),
        address=Address("Dam", "1", "1012 JS", "Amsterdam", "0363"),
    )
    for subject in (youth, elsewhere):
        index.register(subject, here)
        assert index.register(subject, there).match is not None
    clock.advance(timedelta(weeks=5))
    index.sweep()
    to_long = [n for n in index.pending_notifications() if n.recipient == long]
    assert {n.kind.value for n in to_long} == {"coordinator", "follow-up", "follow-up-reminder"}
    for notice in index.pending_notifications():
        compose(notice, index)
    assert index.verify_logbook().ok
