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

# The reference page lists the members in the order they are imported here: the order of
# the module this package was split from, read top to bottom.
# isort: off
from verwijsindex.serialization._convert import is_forbidden_key, make_converter
from verwijsindex.serialization._codec import unstructure, structure, to_json
from verwijsindex.serialization._codec import match_from_dossier_json, from_json
from verwijsindex.serialization._public import public, public_json
# isort: on

__all__ = [
    "from_json",
    "is_forbidden_key",
    "make_converter",
    "match_from_dossier_json",
    "public",
    "public_json",
    "structure",
    "to_json",
    "unstructure",
]
