"""The arrays the PostgreSQL store sends, in PostgreSQL's binary array format.

psycopg adapts a Python ``list`` by looking at its elements for every statement: which
type they are, which array type that makes, a new dumper for it. For the one-dimensional
arrays of one known type that the store sends (keys, ids, JSON texts, lanes, sequence
numbers, dates) that costs more than the rest of a statement's adaptation together: about
a fifth of a registration's client time. These lists say their element type, and their
dumpers write the bytes straight away.

Each is a ``list``: on a connection whose adapters do not know them (see
:func:`know_arrays`) psycopg adapts them as any list, to the same values.
"""

from __future__ import annotations

import struct
import weakref
from collections.abc import Callable
from datetime import date
from typing import Any, Final

import psycopg
from psycopg import adapt, pq
from psycopg.abc import AdaptContext

__all__ = ["BigintArray", "DateArray", "IntArray", "TextArray", "know_arrays"]

_HEAD: Final = struct.Struct(">iiIii").pack
"""One dimension: the dimensions, the has-null flag, the element type, size, lower bound."""
_EMPTY: Final = struct.Struct(">iiI").pack
"""No dimension: an empty array of the element type."""
_LENGTH: Final = struct.Struct(">i").pack
_INT4: Final = struct.Struct(">ii").pack
_INT8: Final = struct.Struct(">iq").pack
_NULL: Final = _LENGTH(-1)
_EPOCH: Final = date(2000, 1, 1).toordinal()
"""PostgreSQL counts a date in days from 1 January 2000."""

_TEXT_OID: Final = 25
_INT4_OID: Final = 23
_INT8_OID: Final = 20
_DATE_OID: Final = 1082


class TextArray(list[str | None]):
    """A ``text[]``; ``None`` is NULL."""

    __slots__ = ()


class IntArray(list[int]):
    """An ``integer[]`` (four bytes an element)."""

    __slots__ = ()


class BigintArray(list[int]):
    """A ``bigint[]`` (eight bytes an element)."""

    __slots__ = ()


class DateArray(list[date | None]):
    """A ``date[]``; ``None`` is NULL."""

    __slots__ = ()


class _ArrayDumper(adapt.Dumper):
    """A binary array dumper. Its type is set per instance, not on the class, so that
    registering it does not make it the connection's dumper for every ``text[]`` (or
    ``integer[]``...) psycopg is asked to write by type alone, as ``COPY`` does: on a
    connection of the caller's pool, only these lists change how they are sent."""

    format = pq.Format.BINARY
    array_oid: int = 0

    def __init__(self, cls: type, context: AdaptContext | None = None) -> None:
        super().__init__(cls, context)
        self.oid = self.array_oid


class _TextArrayDumper(_ArrayDumper):
    array_oid = 1009

    def __init__(self, cls: type, context: AdaptContext | None = None) -> None:
        super().__init__(cls, context)
        conn = self.connection
        if conn is None or conn.pgconn.parameter_status(b"client_encoding") == b"UTF8":
            self._encoding = "utf-8"  # the usual case, without a look-up of the codec
        else:  # as psycopg's own text dumpers: SQL_ASCII takes the bytes of UTF-8
            encoding = conn.info.encoding
            self._encoding = "utf-8" if encoding == "ascii" else encoding

    def dump(self, obj: TextArray) -> bytes:
        if not obj:
            return _EMPTY(0, 0, _TEXT_OID)
        parts = [b""]
        hasnull = 0
        encoding = self._encoding
        for item in obj:
            if item is None:
                hasnull = 1
                parts.append(_NULL)
            else:
                data = item.encode(encoding)
                parts.append(_LENGTH(len(data)))
                parts.append(data)
        parts[0] = _HEAD(1, hasnull, _TEXT_OID, len(obj), 1)
        return b"".join(parts)


class _IntegersDumper(_ArrayDumper):
    """Whole numbers of one size: *element_oid*, each packed (with its length) by *pack*."""

    element_oid: int
    pack: Callable[[int, int], bytes]
    size: int
    what: str

    def dump(self, obj: list[int]) -> bytes:
        if not obj:
            return _EMPTY(0, 0, self.element_oid)
        pack, size = self.pack, self.size
        try:
            items = b"".join([pack(size, n) for n in obj])
        except struct.error:
            raise psycopg.DataError(f"a value does not fit in {self.what}") from None
        return _HEAD(1, 0, self.element_oid, len(obj), 1) + items


class _IntArrayDumper(_IntegersDumper):
    array_oid, element_oid, pack, size, what = 1007, _INT4_OID, _INT4, 4, "an integer array"


class _BigintArrayDumper(_IntegersDumper):
    array_oid, element_oid, pack, size, what = 1016, _INT8_OID, _INT8, 8, "a bigint array"


class _DateArrayDumper(_ArrayDumper):
    array_oid = 1182

    def dump(self, obj: DateArray) -> bytes:
        if not obj:
            return _EMPTY(0, 0, _DATE_OID)
        parts = [_INT4(4, day.toordinal() - _EPOCH) if day is not None else _NULL for day in obj]
        hasnull = 1 if _NULL in parts else 0
        return _HEAD(1, hasnull, _DATE_OID, len(obj), 1) + b"".join(parts)


_DUMPERS: Final = (
    (TextArray, _TextArrayDumper),
    (IntArray, _IntArrayDumper),
    (BigintArray, _BigintArrayDumper),
    (DateArray, _DateArrayDumper),
)


_KNOWING: Final[weakref.WeakSet[psycopg.Connection[Any]]] = weakref.WeakSet()
"""The connections taught already."""


def know_arrays(conn: psycopg.Connection[Any]) -> None:
    """Teach *conn* the arrays of this module, once per connection."""
    if conn in _KNOWING:
        return
    for cls, dumper in _DUMPERS:
        conn.adapters.register_dumper(cls, dumper)
    _KNOWING.add(conn)
