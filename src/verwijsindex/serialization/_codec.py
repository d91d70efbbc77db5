"""Plain data and JSON text, both ways: :func:`unstructure` and :func:`structure` by the
shared converter (and its fast path), :func:`to_json` and :func:`from_json` strict about
what JSON may hold."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from datetime import date
from typing import Any, TypeVar

import cattrs

from verwijsindex.errors import ForbiddenFieldError, InvalidRecordError, VerwijsindexError
from verwijsindex.model import Match
from verwijsindex.serialization._convert import fast_path, is_forbidden_key, make_converter

__all__ = [
    "ENCODER",
    "from_json",
    "match_from_dossier_json",
    "match_of_youth_from_dossier_json",
    "structure",
    "to_json",
    "unstructure",
]

T = TypeVar("T")


@functools.cache
def _converter() -> cattrs.Converter:
    return make_converter()


def unstructure(value: Any) -> Any:
    """*value* as plain data (dicts, lists, strings, numbers), by the shared converter."""
    return _converter().unstructure(value)


def structure(data: Any, cls: type[T]) -> T:
    """Build a *cls* from plain *data*, or raise a :class:`~verwijsindex.errors.ValidationError`."""
    fast = fast_path(cls)
    if fast is not None:
        try:
            built: T = fast(data)
            return built
        except Exception:  # noqa: S110 - anything off: the converter decides, and raises its own error
            pass
    return _converter().structure(data, cls)


ENCODER = json.JSONEncoder(sort_keys=True, separators=(",", ":"), allow_nan=False)
"""One encoder for every record (``json.dumps`` with options builds a new one per call)."""

_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
"""A JSON escape of a surrogate: a pair is a character beyond the BMP, a lone one is not
text. Where one appears, :func:`_refuse_lone_surrogates` looks closer."""


def _refuse_lone_surrogates(data: Any) -> None:
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidRecordError("a string holds a lone surrogate, which is not text") from None


def _refuse_free_text_keys(value: Any) -> None:
    """Plain data the caller built (not a model: its field names are the model's own) may
    not carry a reason, risk or note, nor a key that is not a string."""
    if isinstance(value, Mapping):
        for key, item in value.items():
            if not isinstance(key, str):
                raise InvalidRecordError("the keys of a JSON object must be strings")
            if is_forbidden_key(key):
                raise ForbiddenFieldError(field=key)
            _refuse_free_text_keys(item)
    elif isinstance(value, list | tuple):
        for item in value:
            _refuse_free_text_keys(item)


def to_json(value: Any) -> str:
    """*value* as compact JSON with sorted keys. A value JSON cannot hold (NaN, infinity,
    bytes, an object the converter does not know, a lone surrogate) raises
    :class:`InvalidRecordError`; a reason-like key in plain data
    :class:`ForbiddenFieldError`."""
    try:
        if isinstance(value, Mapping | list | tuple):
            _refuse_free_text_keys(value)
        data = unstructure(value)
        text = ENCODER.encode(data)
    except (TypeError, ValueError, RecursionError) as error:
        if isinstance(error, VerwijsindexError):
            raise
        raise InvalidRecordError(f"{type(value).__name__} cannot be written as JSON") from None
    if _SURROGATE_ESCAPE.search(text):
        _refuse_lone_surrogates(data)
    return text


def match_from_dossier_json(text: str | bytes | bytearray) -> Match | None:
    """The ``match`` of a dossier stored as JSON, validated as a :class:`Match`, without
    building the rest of the dossier (a third of the work, for the look-ups that need
    only the match); malformed JSON or a malformed match raises
    :class:`InvalidRecordError`."""
    data = _loads(text)
    if not isinstance(data, dict) or "match" not in data:
        raise InvalidRecordError("a stored dossier is a JSON object with a match field")
    match = data["match"]
    return None if match is None else structure(match, Match)


def match_of_youth_from_dossier_json(
    text: str | bytes | bytearray,
) -> tuple[Match, date, date | None] | None:
    """The ``match`` of a dossier stored as JSON with its youth's ``birth_date`` and
    ``died_on``, each validated, without building the rest of the dossier; ``None`` when it
    has no match. Malformed JSON or a malformed field raises :class:`InvalidRecordError`."""
    data = _loads(text)
    if not isinstance(data, dict) or "match" not in data:
        raise InvalidRecordError("a stored dossier is a JSON object with a match field")
    match = data["match"]
    if match is None:
        return None
    subject = data.get("subject")
    if not isinstance(subject, dict) or "birth_date" not in subject:
        raise InvalidRecordError("a stored dossier's subject has a birth_date")
    died = subject.get("died_on")
    return (
        structure(match, Match),
        structure(subject["birth_date"], date),
        None if died is None else structure(died, date),
    )


def from_json(text: str | bytes | bytearray, cls: type[T]) -> T:
    """Build a *cls* from JSON *text*; malformed JSON raises :class:`InvalidRecordError`.

    >>> from_json("{", dict)
    Traceback (most recent call last):
        ...
    verwijsindex.errors.InvalidRecordError: not valid JSON: Expecting property name ...
    """
    if not isinstance(cls, type) or cls is object:
        raise InvalidRecordError("cls must be a model or a plain type such as str or dict")
    return structure(_loads(text), cls)


def _refuse_constant(name: str) -> Any:
    raise InvalidRecordError(f"not valid JSON: {name} is not a JSON number")


def _finite(text: str) -> float:
    number = float(text)
    if number in (float("inf"), float("-inf")):
        raise InvalidRecordError("not valid JSON: a number too large for a float")
    return number


_DECODER = json.JSONDecoder(parse_constant=_refuse_constant, parse_float=_finite)
"""The one decoder of every record read: ``json.loads`` with these hooks would build a
decoder for each call."""
_BOM = "\ufeff"


def _loads(text: str | bytes | bytearray) -> Any:
    try:
        if type(text) is str:
            if text.startswith(_BOM):  # as json.loads refuses it
                raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
            data = _DECODER.decode(text)
        else:
            data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite)
        if _SURROGATE_ESCAPE.search(text if isinstance(text, str) else text.decode("utf-8")):
            _refuse_lone_surrogates(data)
        return data
    except InvalidRecordError:
        raise
    except json.JSONDecodeError as exc:
        error = InvalidRecordError(f"not valid JSON: {exc.msg} at position {exc.pos}")
    except (ValueError, TypeError, RecursionError) as exc:
        error = InvalidRecordError(f"not valid JSON ({type(exc).__name__})")
    raise error from None
