"""The public form: what an API may return of the library's values, with no pseudonym,
secret, hash or BSN in it."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import attrs

from verwijsindex.errors import InvalidRecordError
from verwijsindex.model import Bsn, is_valid_bsn
from verwijsindex.serialization._codec import ENCODER, unstructure
from verwijsindex.service_number import ServiceNumber

__all__ = ["public", "public_json"]


_HIDDEN = frozenset(
    {
        "subject_ref",
        "pseudonym",
        "key",
        "log_secret",
        "former_secrets",
        "address_key",
        "parent_keys",
        "hash",
        "prev_hash",
        "log_seal",
    }
)
"""Fields that name a youth's storage pseudonym, a secret or a hash: never in the public form.
A ``subject`` that is a string (a link's or match's) is the pseudonym too."""

_PSEUDONYM = re.compile(r"[0-9a-f]{64}")
_NINE_DIGITS = re.compile(r"(?<![0-9A-Za-z])[0-9]{9}(?![0-9A-Za-z])")
"""Nine digits standing as a word. Not within a run of letters and digits: the library's
ids are 32 random hexadecimal digits, and about one in two hundred holds nine decimal
digits that pass the elfproef."""
_INTERNAL = frozenset({"Dossier", "SubjectRecord", "IndexTerms", "LogAudit", "Keyring"})
"""The store's own records: what they hold is kept from the public by construction."""


def public(value: Any) -> Any:
    """*value* as plain data for an API (a ``Registration``, ``Link``, ``Match``,
    ``Notification``, access report, rights request, or lists of them): the storage
    pseudonym, secrets and hashes are left out, and a BSN or service number is shown
    masked (``******333``). A value it would still have to leak from (a stored dossier,
    a string shaped like a pseudonym or a BSN) raises :class:`InvalidRecordError`.

    >>> from datetime import date, datetime, timezone
    >>> from verwijsindex.model import Link
    >>> link = Link(id="L1", subject="ab" * 32, professional="p1", organisation="o1",
    ...             created_at=datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc),
    ...             ends_on=date(2028, 11, 23))
    >>> "subject" in public(link), public(link)["ends_on"]
    (False, '2028-11-23')
    """
    data = _public(value)
    _refuse_leaks(data)
    return data


def public_json(value: Any) -> str:
    """:func:`public` as compact JSON with sorted keys."""
    return ENCODER.encode(public(value))


def _public(value: Any) -> Any:
    if isinstance(value, Bsn | ServiceNumber):
        return str(value).removeprefix(f"{type(value).__name__}('").removesuffix("')")
    if attrs.has(type(value)):
        if type(value).__name__ in _INTERNAL:
            raise InvalidRecordError(
                f"a {type(value).__name__} is the store's record: it has no public form"
            )
        out: dict[str, Any] = {}
        for field in attrs.fields(type(value)):
            item = getattr(value, field.name)
            if field.name in _HIDDEN or (field.name == "subject" and isinstance(item, str)):
                continue
            out[field.name] = _public(item)
        return out
    if isinstance(value, list | tuple):
        return [_public(item) for item in value]
    if isinstance(value, frozenset | set):
        return sorted((_public(item) for item in value), key=str)
    if isinstance(value, Mapping):
        raise InvalidRecordError("a mapping has no public form: pass the library's values")
    return unstructure(value)


def _refuse_leaks(data: Any) -> None:
    """A last look: no string that is a pseudonym or a hash, and no valid BSN standing as a
    word in one (a BSN glued to letters or digits, as in ``"x111222333"``, is not seen)."""
    if isinstance(data, str):
        if _PSEUDONYM.fullmatch(data) or any(is_valid_bsn(m) for m in _NINE_DIGITS.findall(data)):
            raise InvalidRecordError("the public form would carry a pseudonym or a BSN")
    elif isinstance(data, dict):
        for item in data.values():
            _refuse_leaks(item)
    elif isinstance(data, list):
        for item in data:
            _refuse_leaks(item)
