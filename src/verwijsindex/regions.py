"""Regions, municipalities and notification policies (regio's, gemeenten, informatieplicht).

Zuid-Limburg ships as :data:`ZUID_LIMBURG`; look-ups take a region name, a municipality
name or a CBS code, in any case, with or without accents, hyphens, ``GM`` or leading zeros,
and former municipalities resolve to the one they merged into:

>>> ZUID_LIMBURG.region_for("gm935").name
'Maastricht-Heuvelland'
>>> ZUID_LIMBURG.region_for("Parkstad").coordinator
'vip@heerlen.nl'
>>> ZUID_LIMBURG.municipality("schinnen")      # merged into Beekdaelen on 1 January 2019
Municipality(code='1954', name='Beekdaelen', former_codes=('0951', '0881', '0962'), ...)
>>> ZUID_LIMBURG.region_of_municipality(962).name
'Parkstad Limburg'
>>> ZUID_LIMBURG.municipality("Amsterdam")
Traceback (most recent call last):
    ...
verwijsindex.errors.UnknownMunicipalityError: unknown municipality: no municipality in ...

Each region names its notification policy; the policies themselves (who must be informed
of a link, by the youth's age) live in :mod:`verwijsindex.policies` and are importable
from here too:

>>> ZUID_LIMBURG.region_for("Sittard-Geleen").policy is STATUTORY
True

Your own regions load from TOML (a ``str`` or ``bytes`` is the TOML text, a path-like is a
file); the shipped ``data/zuid-limburg.toml`` documents the schema:

>>> load_regions('name = "Elders"')
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidRecordError: <string>: missing key 'regions'
"""

from __future__ import annotations

import os
import tomllib
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar

import attrs

from verwijsindex import _validators as v
from verwijsindex import cbs_code
from verwijsindex.errors import InvalidRecordError, UnknownMunicipalityError
from verwijsindex.policies import (
    LEAFLET_WESTELIJKE_MIJNSTREEK,
    LEAFLET_ZUID_LIMBURG,
    POLICIES,
    STATUTORY,
    AgeBand,
    Deviation,
    NotificationPolicy,
    deviations,
    information_duty,
    policy,
)

__all__ = [
    "LEAFLET_WESTELIJKE_MIJNSTREEK",
    "LEAFLET_ZUID_LIMBURG",
    "POLICIES",
    "STATUTORY",
    "ZUID_LIMBURG",
    "AgeBand",
    "Deviation",
    "Municipality",
    "NotificationPolicy",
    "Region",
    "Regions",
    "deviations",
    "information_duty",
    "load_regions",
    "policy",
]

_EMAIL = v.EMAIL
_T = TypeVar("_T")


# --- small validators and converters ---------------------------------------------------------


_text = v.text(2_000)
_name = v.text(150)
"""A region's name: the recipient of the notices to its coordinator and, after
``coordinator:``, the actor of their log entries (each holds at most 200 characters), so
that no notice a region's match makes can be refused."""


def _texts(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, tuple) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InvalidRecordError(f"{attribute.name} must be a list of non-empty strings")


def _emails(_: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    for n, address in enumerate(value):
        if not _EMAIL.fullmatch(address):
            raise InvalidRecordError(f"{attribute.name}[{n}] is not an e-mail address")


def _str_tuple(value: Iterable[str]) -> tuple[str, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidRecordError(f"expected a list of strings, not {type(value).__name__}")
    return tuple(value)


def _canonical_code(value: object) -> str:
    """``935``, ``"935"``, ``"GM0935"`` → ``"0935"`` (:mod:`verwijsindex.cbs_code`)."""
    code = cbs_code.compact(value)
    if code is None:
        raise InvalidRecordError("not a CBS municipality code such as '0935'")
    return code


def _code_tuple(value: Iterable[object]) -> tuple[str, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidRecordError(f"expected a list of CBS codes, not {type(value).__name__}")
    return tuple(_canonical_code(v) for v in value)


def _fold(text: str) -> str:
    """Fold case, accents, spaces and punctuation: ``"Gulpen-Wittem"`` → ``"gulpenwittem"``."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed.casefold() if c.isalnum() and not unicodedata.combining(c))


def _key(query: object) -> str | None:
    """The look-up key of a name or code, or ``None`` if *query* can name nothing."""
    if isinstance(query, bool):
        return None
    if isinstance(query, int):
        code = cbs_code.compact(query)
        return None if code is None else f"code:{code}"
    if not isinstance(query, str):
        return None
    folded = _fold(query)
    digits = folded.removeprefix("gm")
    if digits.isascii() and digits.isdigit():
        code = cbs_code.compact(digits)
        return None if code is None else f"code:{code}"
    return f"name:{folded}" if folded else None


def _query_key(query: object) -> str:
    """The look-up key of a query, or :class:`InvalidRecordError` when *query* can name
    nothing: not a name (one line of text, at most 200 characters) nor a CBS code (an int,
    or digits with or without ``GM``, from 1 to 9999)."""
    key = _key(query) if isinstance(query, int) or v.plain_text(query, 200) else None
    if key is None:
        raise InvalidRecordError("a municipality or region is named by its name or CBS code")
    return key


def _name_key(name: str) -> str:
    key = _key(name)
    if key is None or not key.startswith("name:"):
        raise InvalidRecordError("a name cannot read as a CBS code")
    return key


# --- municipalities and regions ----------------------------------------------------------------


def _inhabitants(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise InvalidRecordError(f"{attribute.name} must be a whole number, 0 or more, or None")


@attrs.frozen
class Municipality:
    """A municipality (gemeente) by CBS code, with the codes and names of those merged into it."""

    code: str = attrs.field(converter=_canonical_code)
    name: str = attrs.field(validator=_text)
    former_codes: tuple[str, ...] = attrs.field(default=(), converter=_code_tuple)
    inhabitants: int | None = attrs.field(default=None, validator=_inhabitants)
    former_names: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple, validator=_texts)


def _items(value: Iterable[_T], kind: type[_T], label: str) -> tuple[_T, ...]:
    """*value* as a non-empty tuple of *kind*, for the field *label*."""
    if isinstance(value, str | bytes) or not isinstance(value, Iterable):
        raise InvalidRecordError(f"{label} must be a list of {kind.__name__}")
    result = tuple(value)
    if not result or not all(isinstance(item, kind) for item in result):
        raise InvalidRecordError(f"{label} must be a non-empty list of {kind.__name__}")
    return result


def _municipalities(value: Iterable[Municipality]) -> tuple[Municipality, ...]:
    return _items(value, Municipality, "municipalities")


def _non_empty(_: object, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    if not value:
        raise InvalidRecordError(f"{attribute.name} must name at least one")


def _first_contact(region: Region) -> str:
    return region.contacts[0] if region.contacts else ""


def _is_policy(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not isinstance(value, NotificationPolicy):
        raise InvalidRecordError(f"{attribute.name} must be a NotificationPolicy")


@attrs.frozen
class Region:
    """A verwijsindex region (regio): its municipalities, contact point and policy.

    ``coordinator`` (regievoerder) receives notices of matches across region borders; it
    defaults to the first of ``contacts``.
    """

    name: str = attrs.field(validator=_name)
    programme: str = attrs.field(validator=_text)
    municipalities: tuple[Municipality, ...] = attrs.field(converter=_municipalities)
    contacts: tuple[str, ...] = attrs.field(
        converter=_str_tuple, validator=[_texts, _non_empty, _emails]
    )
    coordinator: str = attrs.field(
        default=attrs.Factory(_first_contact, takes_self=True), validator=_text
    )
    information_sites: tuple[str, ...] = attrs.field(
        default=(), converter=_str_tuple, validator=_texts
    )
    policy: NotificationPolicy = attrs.field(default=STATUTORY, validator=_is_policy)
    organisations: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple, validator=_texts)
    aliases: tuple[str, ...] = attrs.field(default=(), converter=_str_tuple, validator=_texts)

    def __attrs_post_init__(self) -> None:
        if not _EMAIL.fullmatch(self.coordinator):
            raise InvalidRecordError("coordinator is not an e-mail address")


def _regions(value: Iterable[Region]) -> tuple[Region, ...]:
    return _items(value, Region, "regions")


@attrs.frozen
class Regions:
    """A collection of regions (e.g. Zuid-Limburg) with O(1) look-up by name or CBS code.

    Codes, names, former codes and former names must each name one municipality; region
    names and aliases one region. A clash raises :class:`InvalidRecordError`.
    """

    name: str = attrs.field(validator=_text)
    regions: tuple[Region, ...] = attrs.field(converter=_regions)
    information_sites: tuple[str, ...] = attrs.field(
        default=(), converter=_str_tuple, validator=_texts
    )
    _by_municipality: Mapping[str, tuple[Municipality, Region]] = attrs.field(
        init=False, repr=False, eq=False, hash=False
    )
    _by_region: Mapping[str, Region] = attrs.field(init=False, repr=False, eq=False, hash=False)

    def __attrs_post_init__(self) -> None:
        by_municipality: dict[str, tuple[Municipality, Region]] = {}
        by_region: dict[str, Region] = {}
        where: dict[int, str] = {}  # where each municipality and region stands, by position

        def claim(key: str, what: str, municipality: Municipality, region: Region) -> None:
            taken = by_municipality.setdefault(key, (municipality, region))
            if taken[0] is not municipality:
                raise InvalidRecordError(
                    f"{where[id(municipality)]} has {what} that {where[id(taken[0])]} has already"
                )

        for r, region in enumerate(self.regions):
            where[id(region)] = f"regions[{r}]"
            for m, municipality in enumerate(region.municipalities):
                where[id(municipality)] = f"regions[{r}].municipalities[{m}]"
                claim(f"code:{municipality.code}", "a CBS code", municipality, region)
                claim(_name_key(municipality.name), "a name", municipality, region)
                for code in municipality.former_codes:
                    claim(f"code:{code}", "a former CBS code", municipality, region)
                for name in municipality.former_names:
                    claim(_name_key(name), "a former name", municipality, region)
        for region in self.regions:
            for label in (region.name, *region.aliases):
                key = _name_key(label)
                taken = by_region.setdefault(key, region)
                if taken is not region:
                    raise InvalidRecordError(
                        f"{where[id(region)]} has a name or alias that "
                        f"{where[id(taken)]} has already"
                    )
                owner = by_municipality.get(key)
                if owner is not None and owner[1] is not region:
                    raise InvalidRecordError(
                        f"{where[id(region)]} has a name or alias that is the name of "
                        f"{where[id(owner[0])]}"
                    )
        object.__setattr__(self, "_by_municipality", MappingProxyType(by_municipality))
        object.__setattr__(self, "_by_region", MappingProxyType(by_region))

    def __iter__(self) -> Iterator[Region]:
        return iter(self.regions)

    def __len__(self) -> int:
        return len(self.regions)

    def municipalities(self) -> tuple[Municipality, ...]:
        """Every current municipality, region by region, in file order."""
        return tuple(m for region in self.regions for m in region.municipalities)

    def _find(self, query: str | int, what: str = "municipality") -> tuple[Municipality, Region]:
        found = self._by_municipality.get(_query_key(query))
        if found is None:
            raise UnknownMunicipalityError(
                f"unknown {what}: no {what} in {self.name} has that name or CBS code",
                query=str(query),
            )
        return found

    def municipality(self, name_or_code: str | int) -> Municipality:
        """The municipality with this name or CBS code (current or former)."""
        return self._find(name_or_code)[0]

    def current_code(self, code: str) -> str:
        """The CBS code the municipality with *code* has now: a former one (of a
        municipality that merged) gives the code of the one it merged into; a code these
        regions do not know stays as it is (decision 78)."""
        try:
            return self._find(code)[0].code
        except UnknownMunicipalityError:
            return code

    def region_of_municipality(self, code: str | int) -> Region:
        """The region of the municipality with this CBS code (or name)."""
        return self._find(code)[1]

    def region_for(self, name_or_code: str | int) -> Region:
        """The region with this name or alias, or holding this municipality name or code."""
        region = self._by_region.get(_query_key(name_or_code))
        if region is not None:
            return region
        return self._find(name_or_code, "region or municipality")[1]


# --- loading TOML ------------------------------------------------------------------------------

_TOP_KEYS = frozenset({"name", "information_sites", "regions"})
_REGION_KEYS = frozenset(
    {"name", "aliases", "programme", "contacts", "coordinator", "information_sites"}
    | {"organisations", "policy", "municipalities"}
)
_MUNICIPALITY_KEYS = frozenset({"code", "name", "former_codes", "former_names", "inhabitants"})


def _fail(where: str, message: str) -> InvalidRecordError:
    return InvalidRecordError(f"{where}: {message}" if where else message)


def _table(
    value: object, where: str, allowed: frozenset[str], required: Iterable[str]
) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _fail(where, f"expected a table, not {type(value).__name__}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise _fail(where, f"unknown key; the keys here are {', '.join(sorted(allowed))}")
    for key in required:
        if key not in value:
            raise _fail(where, f"missing key {key!r}")
    return value


def _at(where: str, key: str) -> str:
    return f"{where}.{key}" if where else key


def _list(table: Mapping[str, Any], key: str, where: str) -> list[Any]:
    value = table.get(key, [])
    if not isinstance(value, list):
        raise _fail(_at(where, key), f"expected a list, not {type(value).__name__}")
    return value


def _strings(table: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
    items = _list(table, key, where)
    for i, item in enumerate(items):
        if not isinstance(item, str):
            raise _fail(f"{_at(where, key)}[{i}]", f"expected a string, not {type(item).__name__}")
    return tuple(items)


def _string(table: Mapping[str, Any], key: str, where: str) -> str:
    value = table[key]
    if not isinstance(value, str):
        raise _fail(_at(where, key), f"expected a string, not {type(value).__name__}")
    return value


def _build(where: str, cls: type[_T], **fields: Any) -> _T:
    try:
        return cls(**fields)
    except InvalidRecordError as err:
        raise _fail(where, str(err)) from err


def _load_municipality(raw: object, where: str) -> Municipality:
    table = _table(raw, where, _MUNICIPALITY_KEYS, ("code", "name"))
    code = table["code"]
    if isinstance(code, bool) or not isinstance(code, str | int):
        raise _fail(_at(where, "code"), f"expected a string such as '0935', not {code!r}")
    inhabitants = table.get("inhabitants")
    if inhabitants is not None and (
        isinstance(inhabitants, bool) or not isinstance(inhabitants, int)
    ):
        raise _fail(
            _at(where, "inhabitants"), f"expected a whole number, not {type(inhabitants).__name__}"
        )
    return _build(
        where,
        Municipality,
        code=code,
        name=_string(table, "name", where),
        former_codes=tuple(_list(table, "former_codes", where)),
        inhabitants=inhabitants,
        former_names=_strings(table, "former_names", where),
    )


def _load_region(raw: object, where: str, policies: Mapping[str, NotificationPolicy]) -> Region:
    table = _table(raw, where, _REGION_KEYS, ("name", "programme", "contacts", "municipalities"))
    policy_name = table.get("policy", STATUTORY.name)
    if not isinstance(policy_name, str) or policy_name not in policies:
        known = ", ".join(sorted(policies))
        raise _fail(_at(where, "policy"), f"unknown policy; known: {known}")
    optional: dict[str, Any] = {}
    if "coordinator" in table:
        optional["coordinator"] = _string(table, "coordinator", where)
    municipalities = _list(table, "municipalities", where)
    return _build(
        where,
        Region,
        name=_string(table, "name", where),
        programme=_string(table, "programme", where),
        municipalities=tuple(
            _load_municipality(m, f"{where}.municipalities[{i}]")
            for i, m in enumerate(municipalities)
        ),
        contacts=_strings(table, "contacts", where),
        information_sites=_strings(table, "information_sites", where),
        policy=policies[policy_name],
        organisations=_strings(table, "organisations", where),
        aliases=_strings(table, "aliases", where),
        **optional,
    )


def _parse(text: str, origin: str, policies: Mapping[str, NotificationPolicy]) -> Regions:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        hint = ""
        if "\n" not in text and text.strip().endswith(".toml"):
            hint = " (a str is read as TOML text; pass pathlib.Path(...) to read a file)"
        raise InvalidRecordError(f"{origin}: not valid TOML: {err}{hint}") from err
    try:
        table = _table(data, "", _TOP_KEYS, ("name", "regions"))
        return _build(
            "",
            Regions,
            name=_string(table, "name", ""),
            regions=tuple(
                _load_region(r, f"regions[{i}]", policies)
                for i, r in enumerate(_list(table, "regions", ""))
            ),
            information_sites=_strings(table, "information_sites", ""),
        )
    except InvalidRecordError as err:
        raise InvalidRecordError(f"{origin}: {err}") from err


def load_regions(
    source: str | bytes | os.PathLike[str],
    *,
    policies: Mapping[str, NotificationPolicy] = POLICIES,
) -> Regions:
    """Load and validate regions from TOML: a ``str`` or ``bytes`` is the TOML text itself
    (bytes as UTF-8); an ``os.PathLike`` such as :class:`pathlib.Path` is a file to read.

    A region's ``policy`` key is looked up in *policies* (pass your own mapping to add
    policies). Anything malformed raises :class:`InvalidRecordError` saying where; a missing
    file raises the ``OSError`` that opening it raises.
    """
    if isinstance(source, bytes):
        origin = "<bytes>"
        try:
            text = source.decode("utf-8")
        except UnicodeDecodeError as err:
            raise InvalidRecordError(f"{origin}: not UTF-8 at byte {err.start}") from None
    elif isinstance(source, str):
        origin, text = "<string>", source
    elif isinstance(source, os.PathLike):
        path = Path(source)
        origin = str(path)
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as err:
            raise InvalidRecordError(f"{origin}: not UTF-8 at byte {err.start}") from None
    else:
        raise InvalidRecordError(
            f"source must be TOML text (str or bytes) or a path, not {type(source).__name__}"
        )
    if not isinstance(policies, Mapping) or not all(
        isinstance(name, str) and isinstance(p, NotificationPolicy) for name, p in policies.items()
    ):
        raise InvalidRecordError("policies must map names to NotificationPolicy values")
    return _parse(text, origin, policies)


def _load_shipped(filename: str) -> Regions:
    resource = resources.files("verwijsindex") / "data" / filename
    return _parse(resource.read_text(encoding="utf-8"), f"verwijsindex/data/{filename}", POLICIES)


#: The three regions of Zuid-Limburg (seed 000), from ``data/zuid-limburg.toml``.
ZUID_LIMBURG: Regions = _load_shipped("zuid-limburg.toml")
