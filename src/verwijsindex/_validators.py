"""The attrs validators and converters every model shares (one place; none echoes a value).

A validator names the field and what is wrong with it, never the value: a value could be
a BSN, a name or an id, and a message can end up in a log. Each takes the error class to
raise, :class:`~verwijsindex.errors.InvalidRecordError` unless a caller says otherwise.

>>> import attrs
>>> @attrs.frozen
... class Example:
...     name: str = attrs.field(validator=text(20))
...     count: int = attrs.field(default=0, validator=count)
>>> Example("Jan").name
'Jan'
>>> Example("111222333" * 3)
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidRecordError: name must be one line of at most 20 characters
>>> Example("x", count=True)
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidRecordError: count must be a whole number, zero or more
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import attrs

from verwijsindex import cbs_code
from verwijsindex.clock import check_moment
from verwijsindex.errors import InvalidRecordError, VerwijsindexError

__all__ = [
    "CONTROL",
    "IDENT",
    "as_tuple",
    "aware",
    "count",
    "identifier",
    "instance_of",
    "municipality",
    "municipality_code",
    "optional",
    "pattern",
    "plain_text",
    "positive",
    "text",
    "tuple_of",
]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
"""Characters no text field may hold: control characters, line and paragraph separators
(one line, always), and lone surrogates (text that cannot be encoded)."""

IDENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,63}")
"""An id: a letter or digit, then up to 63 letters, digits or ``. _ : -``."""


def plain_text(value: object, limit: int) -> bool:
    """Whether *value* is a non-empty string of one line of at most *limit* characters that
    can be encoded."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= limit
        and bool(value.strip())
        and not CONTROL.search(value)
    )


def text(limit: int, error: type[VerwijsindexError] = InvalidRecordError) -> Validator:
    """A non-empty string of one line of at most *limit* characters."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, str) or not value.strip():
            raise error(f"{attribute.name} must be a non-empty string")
        if not plain_text(value, limit):
            raise error(f"{attribute.name} must be one line of at most {limit} characters")

    return check


def pattern(
    regex: re.Pattern[str], what: str, error: type[VerwijsindexError] = InvalidRecordError
) -> Validator:
    """A string that *regex* matches in full; *what* says what it must be."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, str) or not regex.fullmatch(value):
            raise error(f"{attribute.name} must be {what}")

    return check


identifier = pattern(IDENT, "an identifier")
"""An id of :data:`IDENT`."""


def optional(check: Validator) -> Validator:
    """*check*, unless the value is ``None``."""

    def optional_check(instance: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if value is not None:
            check(instance, attribute, value)

    return optional_check


def instance_of(kind: type | tuple[type, ...]) -> Validator:
    """An instance of *kind* (a ``date`` that is not a ``datetime``; never a ``bool`` for
    an ``int``)."""
    name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if (
            not isinstance(value, kind)
            or (kind is date and isinstance(value, datetime))
            or (kind is int and isinstance(value, bool))
        ):
            raise InvalidRecordError(f"{attribute.name} must be a {name}")

    return check


def count(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A whole number, zero or more (not a ``bool``)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidRecordError(f"{attribute.name} must be a whole number, zero or more")


def positive(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A whole number, one or more (not a ``bool``)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidRecordError(f"{attribute.name} must be a positive whole number")


def aware(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A timezone-aware ``datetime`` within the bounds of :func:`clock.check_moment`."""
    if not isinstance(value, datetime):
        raise InvalidRecordError(f"{attribute.name} must be a datetime")
    check_moment(value, attribute.name)


def tuple_of(kind: type) -> Validator:
    """A tuple whose items are all *kind*."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, tuple) or not all(isinstance(v, kind) for v in value):
            raise InvalidRecordError(f"{attribute.name} must be a tuple of {kind.__name__}")

    return check


def as_tuple(value: Any) -> Any:
    """Lists become tuples; anything else (a string, ``None``) is left for the validator."""
    return tuple(value) if isinstance(value, list | tuple) else value


def municipality(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A canonical CBS municipality code (four digits; see :mod:`verwijsindex.cbs_code`)."""
    if not isinstance(value, str) or cbs_code.compact(value) != value:
        raise InvalidRecordError(f"{attribute.name} must be a four-digit CBS municipality code")


def municipality_code(value: object) -> object:
    """Converter: any spelling of a CBS code becomes its four digits; anything else is left
    for :func:`municipality` to refuse."""
    code = cbs_code.compact(value)
    return value if code is None else code
