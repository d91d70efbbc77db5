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

import enum
import keyword
import re
from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any, Final, TypeVar

import attrs

from verwijsindex import cbs_code
from verwijsindex.clock import EARLIEST, LATEST, check_moment
from verwijsindex.errors import InvalidRecordError, VerwijsindexError

__all__ = [
    "CONTROL",
    "IDENT",
    "MAX_LIMIT",
    "as_tuple",
    "aware",
    "between",
    "count",
    "day",
    "day_argument",
    "flag_argument",
    "id_argument",
    "identifier",
    "identifiers",
    "ids_argument",
    "instance_of",
    "limit_argument",
    "model_argument",
    "municipality",
    "municipality_code",
    "optional",
    "pattern",
    "plain_text",
    "positive",
    "revalidate",
    "text",
    "tuple_of",
]

Validator = Callable[[Any, "attrs.Attribute[Any]", Any], None]
T = TypeVar("T")

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
"""Characters no text field may hold: control characters, line and paragraph separators
(one line, always), and lone surrogates (text that cannot be encoded)."""

_MAIL_TEXT = r"[^@\s,;:<>()\[\]\"\\\x00-\x1f\x7f\ud800-\udfff]+"
EMAIL = re.compile(rf"(?!.*=\?){_MAIL_TEXT}@{_MAIL_TEXT}\.{_MAIL_TEXT}")
r"""An e-mail address that a mail header, and smtplib, read as that one address: no
space, comma, semicolon, colon, angle or square bracket, parenthesis, quote or
backslash, which make a header name other or more addresses, no ``=?`` (an encoded word
a header decodes into any of those) and no control character or lone surrogate.
Otherwise as loose as the pattern before it (``[^@\s]+@[^@\s]+\.[^@\s]+``), so that every
address stored under it that was not one of those still reads (an international domain
in either form included). Match it with ``fullmatch``."""

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

    search = CONTROL.search

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, str) or not value.strip():
            raise error(f"{attribute.name} must be a non-empty string")
        # plain_text(value, limit) with what the line above proved left out (the models
        # run this for every text field of every value they make)
        if len(value) > limit or search(value):
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


def a(noun: str) -> str:
    """*noun* with its indefinite article: ``a Bsn``, ``an Address``."""
    return f"an {noun}" if noun[:1] in "AEIOUaeiou" else f"a {noun}"


def instance_of(kind: type | tuple[type, ...]) -> Validator:
    """An instance of *kind* (a ``date`` that is not a ``datetime``; never a ``bool`` for
    an ``int``)."""
    name = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
    name = a(name)
    if kind is not date and kind is not int:  # the two exceptions below cannot apply

        def plain(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
            if not isinstance(value, kind):
                raise InvalidRecordError(f"{attribute.name} must be {name}")

        return plain

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if (
            not isinstance(value, kind)
            or (kind is date and isinstance(value, datetime))
            or (kind is int and isinstance(value, bool))
        ):
            raise InvalidRecordError(f"{attribute.name} must be {name}")

    return check


def count(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A whole number, zero or more (not a ``bool``)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidRecordError(f"{attribute.name} must be a whole number, zero or more")


def between(low: int, high: int) -> Validator:
    """A whole number from *low* to *high* (not a ``bool``)."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise InvalidRecordError(
                f"{attribute.name} must be a whole number from {low} to {high}"
            )

    return check


def identifiers(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A tuple of ids of :data:`IDENT`."""
    if not isinstance(value, tuple) or not all(
        isinstance(item, str) and IDENT.fullmatch(item) for item in value
    ):
        raise InvalidRecordError(f"{attribute.name} must be a tuple of identifiers")


def positive(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A whole number, one or more (not a ``bool``)."""
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidRecordError(f"{attribute.name} must be a positive whole number")


def aware(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A timezone-aware ``datetime`` within the bounds of :func:`clock.check_moment`."""
    if not isinstance(value, datetime):
        raise InvalidRecordError(f"{attribute.name} must be a datetime")
    check_moment(value, attribute.name)


def day(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A ``date`` (not a ``datetime``) from 1900 up to and including 2999, the range of
    :func:`clock.check_moment`."""
    day_argument(value, attribute.name)


_FIRST_DAY: Final = EARLIEST.date()
_END_DAY: Final = LATEST.date()


def day_argument(value: object, name: str) -> date:
    """*value* if it is a ``date`` (not a ``datetime``) from 1900 to 2999, or an
    :class:`InvalidRecordError` naming *name*."""
    if not isinstance(value, date) or isinstance(value, datetime):
        raise InvalidRecordError(f"{name} must be a date")
    if not _FIRST_DAY <= value < _END_DAY:
        raise InvalidRecordError(f"{name} must lie between 1900 and 2999")
    return value


def tuple_of(kind: type) -> Validator:
    """A tuple whose items are all *kind*."""

    def check(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
        if isinstance(value, tuple):
            for item in value:  # a loop, not all(...): the tuples are short
                if not isinstance(item, kind):
                    break
            else:
                return
        raise InvalidRecordError(f"{attribute.name} must be a tuple of {kind.__name__}")

    return check


def as_tuple(value: Any) -> Any:
    """Lists become tuples; anything else (a string, ``None``) is left for the validator."""
    return tuple(value) if isinstance(value, list | tuple) else value


def municipality(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    """A canonical CBS municipality code (four digits; see :mod:`verwijsindex.cbs_code`)."""
    # four ASCII digits, not all zero: what compact() keeps as it is (a str subclass, or
    # anything else, goes the long way)
    if type(value) is str and len(value) == 4 and value.isdigit() and value.isascii():
        if value == "0000":
            raise InvalidRecordError(f"{attribute.name} must be a four-digit CBS municipality code")
        return
    if not isinstance(value, str) or cbs_code.compact(value) != value:
        raise InvalidRecordError(f"{attribute.name} must be a four-digit CBS municipality code")


def municipality_code(value: object) -> object:
    """Converter: any spelling of a CBS code becomes its four digits; anything else is left
    for :func:`municipality` to refuse."""
    code = cbs_code.compact(value)
    return value if code is None else code


# --- arguments of the public API (not attrs fields) -------------------------------------------


def id_argument(value: object, name: str) -> str:
    """*value* if it is an id of :data:`IDENT` (every id the library stores is one), or an
    :class:`InvalidRecordError` naming *name*: a value that cannot be an id is refused
    before any store sees it (a lone surrogate, a NUL byte, a megabyte)."""
    if not isinstance(value, str) or not IDENT.fullmatch(value):
        raise InvalidRecordError(f"{name} must be an identifier")
    return value


def ids_argument(values: object, name: str) -> list[str]:
    """A list of ids from any iterable of them; a string (an iterable of characters) or
    ``None`` is refused."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise InvalidRecordError(f"{name} must be a collection of identifiers")
    return [id_argument(value, name) for value in values]


MAX_LIMIT = 2**31 - 1
"""The largest limit a query takes: every store's integer type holds it."""


def limit_argument(value: object, name: str = "limit") -> int | None:
    """``None`` (no limit) or a whole number from 0 to :data:`MAX_LIMIT` (never a
    ``bool``)."""
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_LIMIT:
        raise InvalidRecordError(f"{name} must be None or a whole number from 0 to {MAX_LIMIT}")
    return value


def flag_argument(value: object, name: str) -> bool:
    """``True`` or ``False`` and nothing else (not ``"no"``, not ``0``)."""
    if not isinstance(value, bool):
        raise InvalidRecordError(f"{name} must be True or False")
    return value


_LEAVES: frozenset[type] = frozenset({str, int, float, bool, bytes, type(None), date, datetime})
"""Types whose values hold no attrs instance: :func:`revalidate` stops at them."""

_Check = Callable[[Any], None]
_CHECKS: dict[type, _Check] = {}
"""The check of each class :func:`revalidate` met, made once per class (never per value:
nothing of a value is kept)."""


def revalidate(value: Any) -> None:
    """Run every validator of the attrs instance *value* again, and of each attrs instance
    in its fields, however deep. The models are frozen and checked when made; this
    catches one changed afterwards (``object.__setattr__``), before any of it is stored.
    The validators raise the library's own errors."""
    cls = type(value)
    (_CHECKS.get(cls) or _check_for(cls))(value)


def _check_for(cls: type) -> _Check:
    """The check of values of *cls*: for an attrs class a function made for it (each
    validator in field order, then the field's value revalidated unless it is a leaf), as
    the loop over the fields would run them but without looking the fields up each time;
    for an enumeration nothing; for anything else the check of :func:`_contents`."""
    check: _Check
    if attrs.has(cls):
        check = _compile(cls)
    elif issubclass(cls, enum.Enum):
        check = _nothing
    else:
        check = _contents
    _CHECKS[cls] = check
    return check


def _nothing(value: Any) -> None:
    """An enumeration member holds no attrs instance."""


def _contents(value: Any) -> None:
    """The items of a tuple or frozenset, revalidated unless they are leaves; any other
    value holds nothing to check."""
    if isinstance(value, tuple | frozenset):
        for item in value:
            if type(item) not in _LEAVES:
                revalidate(item)


def _compile(cls: type) -> _Check:
    """A function that checks an instance of the attrs class *cls*, one field after the
    other, exactly as a loop over ``attrs.fields(cls)`` would."""
    scope: dict[str, Any] = {"_LEAVES": _LEAVES, "_CHECKS": _CHECKS, "_check_for": _check_for}
    lines = ["def check(value):"]
    for i, field in enumerate(attrs.fields(cls)):
        name = field.name
        read = f"value.{name}" if name.isidentifier() and not keyword.iskeyword(name) else None
        lines.append(f"    item = {read or f'getattr(value, {name!r})'}")
        if field.validator is not None:
            scope[f"validator_{i}"], scope[f"field_{i}"] = field.validator, field
            lines.append(f"    validator_{i}(value, field_{i}, item)")
        lines.append("    kind = type(item)")
        lines.append("    if kind not in _LEAVES:")
        lines.append("        (_CHECKS.get(kind) or _check_for(kind))(item)")
    lines.append("    return None")
    exec("\n".join(lines), scope)  # noqa: S102 - the source is made here from field names
    check: _Check = scope["check"]
    return check


def model_argument(value: object, kind: type[T], name: str) -> T:
    """*value* if it is a *kind* whose fields (and theirs) all pass their validators again;
    else an :class:`InvalidRecordError` naming *name*."""
    if not isinstance(value, kind):
        raise InvalidRecordError(f"{name} must be {a(kind.__name__)}")
    try:
        revalidate(value)
    except VerwijsindexError:
        raise
    except Exception:  # a field changed to something its validator cannot even look at
        raise InvalidRecordError(f"{name} is a {kind.__name__} whose fields were changed") from None
    return value
