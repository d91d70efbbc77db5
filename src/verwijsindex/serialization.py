"""Serialization (serialisatie): the library's own cattrs converter, strict in both directions.

Models become plain data (dicts, lists, strings, numbers) and come back only when the
data is exactly right: aware datetimes and dates as ISO 8601 strings, a :class:`Bsn` as
its nine digits, enums by value, tuples and frozensets as lists.

>>> from datetime import date, datetime, timezone
>>> from verwijsindex.model import Bsn, Link, parse_bsn
>>> link = Link(id="L1", subject="pseudonym-1", professional="P1", organisation="O1",
...             created_at=datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc),
...             ends_on=date(2028, 3, 1))
>>> data = unstructure(link)
>>> data["created_at"], data["ends_on"], data["status"]
('2026-03-01T09:30:00+00:00', '2028-03-01', 'active')
>>> structure(data, Link) == link
True
>>> to_json(parse_bsn("1112.22.333"))
'"111222333"'
>>> from_json('"111222333"', Bsn)
Bsn('******333')

What the verwijsindex may never hold is refused, and so is anything malformed. Messages
name the model and the field, never the value (a value could be a BSN):

>>> structure({**data, "reden": "zorgen over thuis"}, Link)
Traceback (most recent call last):
    ...
verwijsindex.errors.ForbiddenFieldError: Link: field 'reden' may not be stored: ...
>>> structure({**data, "created_at": "2026-03-01T09:30:00"}, Link)
Traceback (most recent call last):
    ...
verwijsindex.errors.NaiveDatetimeError: Link.created_at: datetime must be timezone-aware
>>> structure({**data, "colour": "blue"}, Link)
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidRecordError: Link: unknown key 'colour'
>>> structure({"value": "111222334"}, Bsn)
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidBsnError: Bsn: not a valid BSN: expected a string, not dict
>>> structure("111222334", Bsn)
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidBsnError: Bsn: not a valid BSN: the check digit (elfproef) does not match

The unstructured form of a :class:`Bsn` is its plain digits: an export to the youth
(AVG art. 20) is a lawful place for it. The stores never serialize a :class:`Subject`'s
BSN: they key a youth by a keyed pseudonym and keep the BSN out of every record they write.
"""

from __future__ import annotations

import contextvars
import enum
import functools
import json
import re
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import list_structure_factory
from cattrs.errors import (
    AttributeValidationNote,
    IterableValidationNote,
    StructureHandlerNotFoundError,
)

from verwijsindex.clock import ensure_aware
from verwijsindex.errors import (
    ForbiddenFieldError,
    InvalidRecordError,
    NaiveDatetimeError,
    ValidationError,
)
from verwijsindex.model import Bsn, looks_like_free_text, parse_bsn

__all__ = [
    "from_json",
    "is_forbidden_key",
    "make_converter",
    "structure",
    "to_json",
    "unstructure",
]

T = TypeVar("T")


def _normalise_key(key: str) -> str:
    return "".join(ch for ch in key.casefold() if ch.isalpha())


def is_forbidden_key(key: object, fields: Collection[str] = ()) -> bool:
    """Whether *key* looks like a reason, risk or free text (and is not one of *fields*).

    The key is normalised to lower-case letters and matches when it contains one of
    :data:`verwijsindex.model.FREE_TEXT_WORDS`. A real field of the model, in any spelling
    that normalises to the same letters, is never forbidden:

    >>> is_forbidden_key("Reden_Melding"), is_forbidden_key("risico's")
    (True, True)
    >>> is_forbidden_key("withdrawal_reason", fields=["withdrawal_reason"])
    False
    >>> is_forbidden_key("street")
    False
    """
    if not isinstance(key, str):
        return False
    normalised = _normalise_key(key)
    if normalised in {_normalise_key(name) for name in fields}:
        return False
    return looks_like_free_text(normalised)


def _describe_key(key: object) -> str:
    """A key as it may appear in a message: digits masked, so a BSN used as a key never shows."""
    if not isinstance(key, str):
        return f"<{type(key).__name__}>"
    masked = re.sub(r"\d", "*", key)
    return masked if len(masked) <= 64 else masked[:63] + "…"


def _type_name(cl: object) -> str:
    if isinstance(cl, type) and get_origin(cl) is None:
        return cl.__name__
    return repr(cl).replace("verwijsindex.model.", "")


# --- strict hooks for the leaves --------------------------------------------------------------


def _expected(what: str, value: object) -> InvalidRecordError:
    return InvalidRecordError(f"expected {what}, got {type(value).__name__}")


def _structure_str(value: object, _: object) -> str:
    if not isinstance(value, str):
        raise _expected("a string", value)
    return value


def _structure_int(value: object, _: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _expected("an integer", value)
    return value


def _structure_float(value: object, _: object) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _expected("a number", value)
    return float(value)


def _structure_bool(value: object, _: object) -> bool:
    if not isinstance(value, bool):
        raise _expected("true or false", value)
    return value


def _structure_datetime(value: object, _: object) -> datetime:
    if not isinstance(value, str):
        raise _expected("an ISO 8601 datetime string", value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRecordError("expected an ISO 8601 datetime string") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise NaiveDatetimeError()
    return parsed


def _unstructure_datetime(value: datetime) -> str:
    return ensure_aware(value).isoformat()


def _structure_date(value: object, _: object) -> date:
    if not isinstance(value, str):
        raise _expected("an ISO 8601 date string", value)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidRecordError("expected an ISO 8601 date string") from None


def _unstructure_date(value: date) -> str:
    return value.isoformat()


def _structure_bsn(value: object, _: object) -> Bsn:
    return parse_bsn(value)


def _unstructure_bsn(value: Bsn) -> str:
    return value.value


def _is_enum(cl: Any) -> bool:
    return isinstance(cl, type) and issubclass(cl, enum.Enum)


def _enum_hook(cl: type[enum.Enum]) -> Callable[[object, object], enum.Enum]:
    by_value = {member.value: member for member in cl}
    choices = ", ".join(repr(v) for v in by_value)

    def structure_enum(value: object, _: object) -> enum.Enum:
        try:
            return by_value[value]
        except (KeyError, TypeError):
            raise InvalidRecordError(f"expected one of {choices}") from None

    return structure_enum


def _sorted_list(values: Iterable[Any]) -> list[Any]:
    items = list(values)
    try:
        return sorted(items)
    except TypeError:
        return items


def _is_collection(cl: Any) -> bool:
    origin = get_origin(cl) or cl
    if origin is tuple:
        args = get_args(cl)
        return not args or (len(args) == 2 and args[1] is Ellipsis)
    return origin in (list, frozenset, set)


# --- the converter ----------------------------------------------------------------------------

_translating: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "verwijsindex_serialization_translating", default=False
)


class _Converter(cattrs.Converter):
    """A converter that turns every structuring failure into one of the library's errors."""

    def structure(self, obj: Any, cl: type[T]) -> T:
        if _translating.get():  # a nested call: the outermost one translates
            return super().structure(obj, cl)
        token = _translating.set(True)
        try:
            return super().structure(obj, cl)
        except Exception as exc:  # every failure, whatever its type, is translated
            error = _translate(exc, cl)
        finally:
            _translating.reset(token)
        raise error from None  # outside the handler: no __context__ to leak the input


def _translate(exc: BaseException, cl: object) -> ValidationError:
    """The first leaf of a cattrs error tree, as a library error naming model and field."""
    failed = getattr(exc, "cl", cl)  # a union names the member that failed
    where = _type_name(failed if (get_origin(failed) or failed) != (get_origin(cl) or cl) else cl)
    leaf: BaseException = exc
    while True:
        for note in getattr(leaf, "__notes__", ()):
            if isinstance(note, AttributeValidationNote):
                where += f".{note.name}"
                break
            if isinstance(note, IterableValidationNote):
                where += f"[{note.index}]" if isinstance(note.index, int) else "[…]"
                break
        if isinstance(leaf, BaseExceptionGroup) and leaf.exceptions:
            leaf = leaf.exceptions[0]
        else:
            break
    if isinstance(leaf, ValidationError):
        error = type(leaf).__new__(type(leaf))
        error.__dict__.update({k: v for k, v in vars(leaf).items() if k != "__notes__"})
        error.args = (f"{where}: {leaf}",)
        return error
    if isinstance(leaf, KeyError):
        return InvalidRecordError(f"{where}: missing field")
    if isinstance(leaf, StructureHandlerNotFoundError):
        return InvalidRecordError(f"{where}: cannot structure {_type_name(leaf.type_)}")
    return InvalidRecordError(f"{where}: invalid value ({type(leaf).__name__})")


def _collection_hook(converter: cattrs.Converter, cl: Any) -> Callable[[object, object], Any]:
    """Structure a homogeneous tuple, list, set or frozenset from a list (or tuple) only."""
    origin = get_origin(cl) or cl
    args = get_args(cl)
    element = args[0] if args else Any
    as_list = list_structure_factory(list[element], converter)  # type: ignore[valid-type]

    def structure_collection(value: object, _: object) -> Any:
        if not isinstance(value, list | tuple):
            raise _expected("a list", value)
        return origin(as_list(value, list[element]))  # type: ignore[valid-type]

    return structure_collection


def _attrs_hook(converter: cattrs.Converter, cl: type[Any]) -> Callable[[object, object], Any]:
    """Check the keys of the dict (forbidden, unknown, not strings), then let cattrs build it."""
    inner = converter.gen_structure_attrs_fromdict(cl)
    names = frozenset(a.name for a in attrs.fields(cl))

    def structure_model(value: object, _: object) -> Any:
        if not isinstance(value, Mapping):
            raise _expected("a mapping (JSON object)", value)
        unknown = [key for key in value if key not in names]
        for key in unknown:
            if is_forbidden_key(key, names):
                raise ForbiddenFieldError(field=_describe_key(key))
        if unknown:
            shown = ", ".join(repr(_describe_key(key)) for key in unknown[:5])
            more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
            plural = "s" if len(unknown) > 1 else ""
            raise InvalidRecordError(f"unknown key{plural} {shown}{more}")
        return inner(value, cl)

    return structure_model


def make_converter() -> cattrs.Converter:
    """A new converter with the library's rules; never :data:`cattrs.global_converter`.

    >>> from verwijsindex.model import Gender
    >>> converter = make_converter()
    >>> converter.unstructure(Gender.FEMALE), converter.structure("V", Gender)
    ('V', <Gender.FEMALE: 'V'>)
    >>> converter.structure(1, bool)
    Traceback (most recent call last):
        ...
    verwijsindex.errors.InvalidRecordError: bool: expected true or false, got int
    """
    converter = _Converter(
        forbid_extra_keys=True,
        unstruct_collection_overrides={
            tuple: list,
            list: list,
            frozenset: _sorted_list,
            set: _sorted_list,
        },
    )
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(datetime, _unstructure_datetime)
    converter.register_structure_hook(date, _structure_date)
    converter.register_unstructure_hook(date, _unstructure_date)
    converter.register_structure_hook(Bsn, _structure_bsn)
    converter.register_unstructure_hook(Bsn, _unstructure_bsn)
    converter.register_structure_hook_factory(_is_enum, _enum_hook)
    converter.register_structure_hook_factory(
        _is_collection, lambda cl: _collection_hook(converter, cl)
    )
    converter.register_structure_hook_factory(
        lambda cl: attrs.has(cl) and cl is not Bsn, lambda cl: _attrs_hook(converter, cl)
    )
    return converter


@functools.cache
def _converter() -> cattrs.Converter:
    return make_converter()


def unstructure(value: Any) -> Any:
    """*value* as plain data (dicts, lists, strings, numbers), by the shared converter."""
    return _converter().unstructure(value)


def structure(data: Any, cls: type[T]) -> T:
    """Build a *cls* from plain *data*, or raise a :class:`~verwijsindex.errors.ValidationError`."""
    return _converter().structure(data, cls)


def to_json(value: Any) -> str:
    """*value* as compact JSON with sorted keys."""
    return json.dumps(unstructure(value), sort_keys=True, separators=(",", ":"))


def from_json(text: str | bytes | bytearray, cls: type[T]) -> T:
    """Build a *cls* from JSON *text*; malformed JSON raises :class:`InvalidRecordError`.

    >>> from_json("{", dict)
    Traceback (most recent call last):
        ...
    verwijsindex.errors.InvalidRecordError: not valid JSON: Expecting property name ...
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        error = InvalidRecordError(f"not valid JSON: {exc.msg} at position {exc.pos}")
    except (ValueError, TypeError, RecursionError) as exc:
        error = InvalidRecordError(f"not valid JSON ({type(exc).__name__})")
    else:
        return structure(data, cls)
    raise error from None
