"""The PostgreSQL store's typed arrays: the bytes psycopg would send, the values the server
reads back, and the connections that learn them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytestmark = pytest.mark.postgres
psycopg = pytest.importorskip("psycopg")

from psycopg.adapt import PyFormat, Transformer  # noqa: E402
from psycopg.types.array import ListBinaryDumper  # noqa: E402

from verwijsindex.storage._postgres_arrays import (  # noqa: E402
    BigintArray,
    DateArray,
    IntArray,
    TextArray,
    know_arrays,
)

_texts = st.lists(
    st.one_of(st.none(), st.text(st.characters(codec="utf-8", exclude_characters="\x00")))
)
_int4 = st.lists(st.integers(-(2**31), 2**31 - 1))
_int8 = st.lists(st.integers(-(2**63), 2**63 - 1))
_dates = st.lists(st.one_of(st.none(), st.dates()))


@pytest.fixture(scope="module")
def conn(postgres_url: str) -> Iterator[Any]:
    with psycopg.connect(postgres_url, autocommit=True) as connection:
        know_arrays(connection)
        yield connection


def _bytes(dumped: Any) -> bytes:
    assert dumped is not None
    return bytes(dumped)


def _dumped(conn: Any, value: list[Any]) -> bytes:
    """What the connection's adaptation sends for *value* in binary."""
    tx = Transformer(conn)
    return _bytes(tx.get_dumper(value, PyFormat.BINARY).dump(value))


@given(values=_texts.filter(lambda values: any(v is not None for v in values)))
def test_a_text_array_is_sent_as_psycopg_sends_a_list_of_text(conn: Any, values: list[Any]) -> None:
    """Byte for byte. (A list without a text in it psycopg sends in the text format; the
    round trip below covers those.)"""
    ours = Transformer(conn).get_dumper(TextArray(values), PyFormat.AUTO)
    theirs = ListBinaryDumper(list, Transformer(conn)).upgrade(values, PyFormat.BINARY)
    assert (ours.oid, theirs.oid) == (1009, 1009)
    assert _bytes(ours.dump(TextArray(values))) == _bytes(theirs.dump(values))


@pytest.mark.parametrize(
    ("cls", "cast", "strategy"),
    [
        (TextArray, "text[]", _texts),
        (IntArray, "integer[]", _int4),
        (BigintArray, "bigint[]", _int8),
        (DateArray, "date[]", _dates),
    ],
)
def test_the_server_reads_back_what_was_sent(
    conn: Any, cls: type[list[Any]], cast: str, strategy: Any
) -> None:
    @given(values=strategy)
    def check(values: list[Any]) -> None:
        sent = cls(values)
        # no cast: the array's own type goes with it
        (read,) = conn.execute("SELECT %s", [sent]).fetchone()
        assert read == values
        assert conn.execute("SELECT pg_typeof(%s)::text", [sent]).fetchone() == (cast,)

    check()


def test_the_arrays_are_sent_in_binary_with_their_type(conn: Any) -> None:
    for value, oid in (
        (TextArray(["a"]), 1009),
        (IntArray([1]), 1007),
        (BigintArray([1]), 1016),
        (DateArray([date(2026, 12, 6)]), 1182),
    ):
        dumper = Transformer(conn).get_dumper(value, PyFormat.AUTO)
        assert dumper.format == psycopg.pq.Format.BINARY
        assert dumper.oid == oid
        assert type(dumper).__module__ == "verwijsindex.storage._postgres_arrays"


def test_a_value_that_does_not_fit_is_a_driver_error(conn: Any) -> None:
    with pytest.raises(psycopg.DataError, match="integer array"):
        conn.execute("SELECT %s", [IntArray([2**31])])
    with pytest.raises(psycopg.DataError, match="bigint array"):
        conn.execute("SELECT %s", [BigintArray([2**63])])


def test_a_connection_that_does_not_know_them_sends_them_as_lists(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as plain:
        assert plain.execute("SELECT %s::text[]", [TextArray(["a", None])]).fetchone() == (
            ["a", None],
        )
        assert plain.execute("SELECT %s::integer[]", [IntArray([1, 2])]).fetchone() == ([1, 2],)
        assert plain.execute(
            "SELECT %s::date[]", [DateArray([date(2000, 1, 1), None])]
        ).fetchone() == ([date(2000, 1, 1), None],)


def test_learning_them_leaves_the_connections_other_arrays_alone(postgres_url: str) -> None:
    """On a connection of the caller's pool, a plain list and psycopg's dumpers by type
    (what ``COPY`` uses) are as before."""
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        before = {
            (oid, fmt): conn.adapters.get_dumper_by_oid(oid, fmt)
            for oid in (1009, 1007, 1016, 1182)
            for fmt in (psycopg.pq.Format.BINARY, psycopg.pq.Format.TEXT)
        }
        plain_before = _dumped(conn, ["a", "b"])
        know_arrays(conn)
        know_arrays(conn)  # again: harmless
        after = {
            (oid, fmt): conn.adapters.get_dumper_by_oid(oid, fmt)
            for oid in (1009, 1007, 1016, 1182)
            for fmt in (psycopg.pq.Format.BINARY, psycopg.pq.Format.TEXT)
        }
        assert after == before
        assert _dumped(conn, ["a", "b"]) == plain_before
        assert conn.adapters.get_dumper(list, PyFormat.BINARY) is ListBinaryDumper


@pytest.mark.parametrize("encoding", ["LATIN1", "WIN1252", "SQL_ASCII"])
def test_text_is_encoded_as_psycopg_encodes_it_in_the_connections_encoding(
    postgres_url: str, encoding: str
) -> None:
    values = ["caf\u00e9", None, "Ma\u00e4stricht", "plain"]
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        know_arrays(conn)
        conn.execute(f"SET client_encoding TO '{encoding}'")
        ours = Transformer(conn).get_dumper(TextArray(values), PyFormat.AUTO)
        theirs = ListBinaryDumper(list, Transformer(conn)).upgrade(values, PyFormat.BINARY)
        assert _bytes(ours.dump(TextArray(values))) == _bytes(theirs.dump(values))
        if encoding != "SQL_ASCII":  # no conversion at all there: the server keeps bytes
            assert conn.execute("SELECT %s", [TextArray(values)]).fetchone() == (values,)
