"""Making the tables of :mod:`verwijsindex.statistics`: the counts and regions checked,
then a complete table per month, kind and region, each protected by ``_suppression``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from verwijsindex.errors import InvalidRecordError
from verwijsindex.statistics._suppression import _protect
from verwijsindex.statistics._tables import (
    _BANDS,
    _KIND_ORDER,
    _REGION_NAME_LIMIT,
    DEFAULT_THRESHOLD,
    AgeBand,
    Statistics,
    StatKind,
    StatRow,
    _is_month,
    _is_municipality,
    _region_name,
)

# --- checking the input -------------------------------------------------------------------------

CountKey = tuple[date, str, AgeBand, StatKind]
"""A cell of the counts: month (the 1st), CBS municipality code, age band, kind."""


def _threshold(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise InvalidRecordError("threshold must be a whole number, 1 or more")
    return value


def _regions(value: object) -> dict[str, str]:
    if not isinstance(value, Mapping):
        raise InvalidRecordError("regions must be a mapping of CBS municipality code to region")
    checked: dict[str, str] = {}
    for code, name in value.items():
        if not _is_municipality(code):
            raise InvalidRecordError("regions keys must be four-digit CBS municipality codes")
        if not _region_name(name):
            raise InvalidRecordError(
                f"regions values must be region names of one line of at most "
                f"{_REGION_NAME_LIMIT} characters"
            )
        checked[code] = name
    return checked


def _counts(value: object, regions: Mapping[str, str]) -> dict[CountKey, int]:
    if not isinstance(value, Mapping):
        raise InvalidRecordError(
            "counts must be a mapping of (month, municipality, age_band, kind) to a count"
        )
    checked: dict[CountKey, int] = {}
    for key, count in value.items():
        if not isinstance(key, tuple) or len(key) != 4:
            raise InvalidRecordError(
                "counts keys must be (month, municipality, age_band, kind) tuples"
            )
        month, municipality, band, kind = key
        if not _is_month(month):
            raise InvalidRecordError("counts: the month must be a date on the first of a month")
        if not _is_municipality(municipality):
            raise InvalidRecordError(
                "counts: the municipality must be a four-digit CBS municipality code"
            )
        if not isinstance(band, AgeBand):
            raise InvalidRecordError("counts: the age band must be an AgeBand")
        if not isinstance(kind, StatKind):
            raise InvalidRecordError("counts: the kind must be a StatKind")
        if not isinstance(count, int) or isinstance(count, bool) or count < 0:
            raise InvalidRecordError("counts values must be whole numbers, zero or more")
        if municipality not in regions:
            raise InvalidRecordError("regions must give the region of every municipality in counts")
        checked[(month, municipality, band, kind)] = count
    return checked


# --- the tables ---------------------------------------------------------------------------------


def tabulate(
    counts: Mapping[CountKey, int],
    regions: Mapping[str, str],
    *,
    threshold: int = DEFAULT_THRESHOLD,
) -> Statistics:
    """The counts as tables that cannot be traced to a youth or professional
    (JW 7.1.2.3(1)(h)).

    *counts* maps ``(month, municipality, age_band, kind)`` to a whole number: a month
    is a ``date`` on its first day, a municipality a four-digit CBS code. *regions* maps
    every municipality code to the name of its region. For each month and kind that
    occur in *counts*, every region gets a complete table: each of its municipalities
    (also those not in *counts*) by each age band, a missing cell counting 0, with the
    municipalities' totals (``age_band=None``), the bands' totals (``municipality=None``)
    and the region's total.

    **Primary suppression.** A count from 1 to ``threshold - 1`` is suppressed; a zero
    is published, as it identifies no one. ``threshold=1`` suppresses nothing.

    **Secondary suppression.** Every row and column of a table sums to its total, so a
    suppressed count can often be worked out: from "0, 0, x, total 3", or from a row
    total less the published cells. First, as long as a row or column (margins
    included) has exactly one suppressed count, its smallest published non-zero count
    is suppressed too. Then a check: a reader who knows every published number and
    every sum, and that the counts are whole numbers and a suppressed one at least 1
    (zeros are published), must be unable to work out any suppressed count. That holds
    exactly when each suppressed count lies on a cycle of suppressed counts, alternating
    between rows and columns, along which all of them can move by one without one
    dropping below 1; then at least two tables fit what is published. Where a count lies
    on no such cycle (two pairs of rows joined by a single cell, say, which "one
    suppressed count per row" does not catch), the cheapest cycle through it is found
    (a shortest path, a published count costing its value) and its counts suppressed.
    The check repeats until no suppressed count can be worked out; it always ends, at
    worst with every non-zero count suppressed.

    **Two thresholds.** From a threshold of 5 on, a higher threshold suppresses what a
    lower one does and more (the cells are found threshold by threshold): read at 5 and
    at 7, a table publishes no more than at 5 alone (decision 92).

    What this does not promise: the range a suppressed count must lie in may be narrow
    (with ``threshold=2`` a suppressed cell that is not a total is often a 1), and tables
    are protected one by one: publishing sums across regions, months or kinds, or a
    corrected table next to the old one, adds relations this check never saw. The
    choice of cells is fixed and public, so a reader who runs it on each table that fits
    the published numbers and keeps those it would suppress alike can narrow the
    suppressed counts further, at times to one table; only a random choice, which this
    is not, would close that.

    >>> tabulate({}, {"0935": "Maastricht-Heuvelland"}).rows
    ()
    >>> tabulate({}, {}, threshold=True)
    Traceback (most recent call last):
        ...
    verwijsindex.errors.InvalidRecordError: threshold must be a whole number, 1 or more
    """
    checked_threshold = _threshold(threshold)
    by_code = _regions(regions)
    cells = _counts(counts, by_code)
    members: dict[str, list[str]] = {}
    for municipality in sorted(by_code):
        members.setdefault(by_code[municipality], []).append(municipality)
    tables = sorted({(key[0], key[3]) for key in cells}, key=lambda t: (t[0], _KIND_ORDER[t[1]]))
    rows: list[StatRow] = []
    for month, kind in tables:
        for region in sorted(members):
            codes = members[region]
            grid = [[cells.get((month, code, band, kind), 0) for band in _BANDS] for code in codes]
            for line in grid:
                line.append(sum(line))
            grid.append([sum(column) for column in zip(*grid, strict=True)])
            hidden = _protect(grid, checked_threshold)
            for i, code in enumerate((*codes, None)):
                for j, band in enumerate((*_BANDS, None)):
                    secret = (i, j) in hidden
                    rows.append(
                        StatRow(
                            month=month,
                            region=region,
                            municipality=code,
                            age_band=band,
                            kind=kind,
                            count=None if secret else grid[i][j],
                            suppressed=secret,
                        )
                    )
    return Statistics(rows, threshold=checked_threshold)
