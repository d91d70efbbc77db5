"""What an error keeps of the input that caused it: never a BSN's digits, however the
caller wrote them apart."""

from __future__ import annotations

import pytest

from verwijsindex.errors import (
    ForbiddenFieldError,
    NotFoundError,
    UnknownMunicipalityError,
    masked,
)

APART = [
    "111222333",
    "111 222 333",
    "111.222.333",
    "111-222-333",
    "111_222_333",
    "111,222,333",
    "111/222/333",
    "111:222:333",
    "(111) 222 333",
    "1_1_1_2_2_2_3_3_3",
]


@pytest.mark.parametrize("written", APART)
def test_masked_keeps_no_more_than_the_last_three_digits(written: str) -> None:
    shown = masked(f"id {written} here")
    assert shown is not None
    assert sum(c.isdigit() for c in shown) <= 3, shown
    assert shown.startswith("id ") and shown.endswith(" here"), shown


@pytest.mark.parametrize("written", APART)
def test_a_forbidden_field_is_named_without_its_digits(written: str) -> None:
    error = ForbiddenFieldError(field=f"reden {written}")
    for text in (str(error), repr(error), error.field or ""):
        assert not any(c.isdigit() for c in text), text
    assert error.field is not None and error.field.startswith("reden ")


@pytest.mark.parametrize("written", APART)
def test_an_id_or_query_keeps_only_the_last_three_digits(written: str) -> None:
    for kept in (
        NotFoundError(kind="link", id=written).id,
        UnknownMunicipalityError(query=written).query,
    ):
        assert kept is not None and sum(c.isdigit() for c in kept) <= 3, kept


def test_short_numbers_and_dates_stay_readable() -> None:
    assert masked("link 42 of 2026") == "link 42 of 2026"
    assert masked("reden2") == "reden2"
