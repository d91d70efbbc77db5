"""Tests for verwijsindex.statistics: tables whose counts cannot be traced (JW 7.1.2.3(1)(h)).

Three readers try to work out each suppressed count from what is published, each
written here apart from the module's own check:

- ``peel``: a row or column with one unknown gives it away; repeated to a fixed point,
  so chains of such rows and columns are followed;
- ``linearly_determined``: all the sums at once, by exact Gaussian elimination;
- ``integer_reader``: all the sums, and that every count is a whole number and a
  suppressed one at least 1 (a zero is always published), by asking a max-flow whether
  a table with that count one higher, or one lower, fits what is published.

None may work out a count the module suppressed, on hand-made tables and on random ones.
"""

from __future__ import annotations

import json
import sys
from collections import deque
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from fractions import Fraction
from typing import Any

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from verwijsindex.errors import (
    AgeLimitError,
    ConfigurationError,
    InvalidRecordError,
    NotFoundError,
)
from verwijsindex.statistics import (
    DEFAULT_THRESHOLD,
    AgeBand,
    CountKey,
    Statistics,
    StatKind,
    StatRow,
    _exposed,
    _pair_relations,
    _secure,
    age_band,
    tabulate,
)

MARCH = date(2026, 3, 1)
APRIL = date(2026, 4, 1)
MADE = StatKind.LINKS_MADE
BANDS = tuple(AgeBand)
WM = "Westelijke Mijnstreek"
PARKSTAD = "Parkstad Limburg"
WM_CODES = ("0888", "0971", "1883")
PARKSTAD_CODES = ("0882", "0899", "0917", "0928")
REGIONS = dict.fromkeys(WM_CODES, WM) | dict.fromkeys(PARKSTAD_CODES, PARKSTAD)
CODES = ("0882", "0888", "0899", "0917")  # up to four municipalities of one test region

Cell = tuple[int, int]
Published = list[list[int | None]]

# --- helpers: a matrix in, the published grid out -----------------------------------------------


def counts_of(
    matrix: Sequence[Sequence[int]],
    codes: Sequence[str] = CODES,
    *,
    month: date = MARCH,
    kind: StatKind = MADE,
) -> dict[CountKey, int]:
    """Counts of one month and kind: row *m* of *matrix* is municipality ``codes[m]``."""
    return {
        (month, code, band, kind): value
        for code, line in zip(codes, matrix, strict=False)
        for band, value in zip(BANDS, line, strict=True)
    }


def region_of(matrix: Sequence[Sequence[int]], name: str = "Test") -> dict[str, str]:
    return dict.fromkeys(CODES[: len(matrix)], name)


def full_grid(matrix: Sequence[Sequence[int]]) -> list[list[int]]:
    """The matrix with its margins: each row's total last, the column totals below."""
    grid = [[*line, sum(line)] for line in matrix]
    return [*grid, [sum(column) for column in zip(*grid, strict=True)]]


def published_grid(
    stats: Statistics, region: str, *, month: date = MARCH, kind: StatKind = MADE
) -> Published:
    """The grid a reader sees: the published counts, None where suppressed."""
    rows = stats.rows_for(month=month, kind=kind, region=region)
    codes = sorted({r.municipality for r in rows if r.municipality is not None})
    out: Published = []
    for code in (*codes, None):
        out.append([stats.cell(month, kind, region, code, band).count for band in (*BANDS, None)])
    return out


def protect(matrix: Sequence[Sequence[int]], threshold: int = 5) -> tuple[Published, set[Cell]]:
    """Tabulate *matrix* as one region and give the published grid and the hidden cells."""
    stats = tabulate(counts_of(matrix), region_of(matrix), threshold=threshold)
    grid = published_grid(stats, "Test")
    hidden = {(i, j) for i, line in enumerate(grid) for j, v in enumerate(line) if v is None}
    return grid, hidden


# --- the readers --------------------------------------------------------------------------------


def relations(grid: Sequence[Sequence[object]]) -> list[list[tuple[Cell, int]]]:
    """Every row and column of the grid as (cell, coefficient) pairs summing to zero:
    the cells count +1, the total -1."""
    last_row, last_col = len(grid) - 1, len(grid[0]) - 1
    rows = [
        [((i, j), -1 if j == last_col else 1) for j in range(last_col + 1)]
        for i in range(last_row + 1)
    ]
    cols = [
        [((i, j), -1 if i == last_row else 1) for i in range(last_row + 1)]
        for j in range(last_col + 1)
    ]
    return rows + cols


def peel(published: Published) -> set[Cell]:
    """The unknowns a reader works out one relation at a time, to a fixed point."""
    known: list[list[int | None]] = [list(line) for line in published]
    solved: set[Cell] = set()
    changed = True
    while changed:
        changed = False
        for relation in relations(known):
            unknown = [(c, k) for c, k in relation if known[c[0]][c[1]] is None]
            if len(unknown) != 1:
                continue
            (cell, coefficient) = unknown[0]
            rest = sum(k * v for c, k in relation if (v := known[c[0]][c[1]]) is not None)
            known[cell[0]][cell[1]] = -rest * coefficient  # coefficient is +1 or -1
            solved.add(cell)
            changed = True
    return solved


def linearly_determined(published: Published) -> set[Cell]:
    """The unknowns the sums fix, by exact Gaussian elimination over all relations."""
    unknowns = sorted(
        (i, j) for i, line in enumerate(published) for j, v in enumerate(line) if v is None
    )
    index = {cell: n for n, cell in enumerate(unknowns)}
    matrix = []
    for relation in relations(published):
        row = [Fraction(0)] * len(unknowns)
        for cell, coefficient in relation:
            if cell in index:
                row[index[cell]] = Fraction(coefficient)
        matrix.append(row)
    basis: list[tuple[int, list[Fraction]]] = []  # (pivot column, row), reduced
    for row in matrix:
        row = reduce(row, basis)
        pivot = next((n for n, x in enumerate(row) if x), None)
        if pivot is not None:
            row = [x / row[pivot] for x in row]
            basis = [(p, [a - b[pivot] * c for a, c in zip(b, row, strict=True)]) for p, b in basis]
            basis.append((pivot, row))
    found = set()
    for cell, n in index.items():
        unit = [Fraction(int(m == n)) for m in range(len(unknowns))]
        if not any(reduce(unit, basis)):
            found.add(cell)
    return found


def reduce(row: list[Fraction], basis: list[tuple[int, list[Fraction]]]) -> list[Fraction]:
    for pivot, b in basis:
        if row[pivot]:
            factor = row[pivot]
            row = [a - factor * c for a, c in zip(row, b, strict=True)]
    return row


BIG = 10**6


def fits(published: Published, bounds: Mapping[Cell, tuple[int, int]]) -> bool:
    """Whether whole numbers within *bounds* for the unknowns fit every sum: a feasible
    flow. Flip the sign of the margins but the corner and every relation says 'sums to
    zero'; the unknown (i, j) is then a flow from row i to column j."""
    rows, cols = len(published), len(published[0])

    def sign(i: int, j: int) -> int:
        return -1 if (i == rows - 1) != (j == cols - 1) else 1

    supply = [0] * (rows + cols)  # what the unknowns of a row send, a column receives
    arcs: list[tuple[int, int, int]] = []  # row node, column node, capacity above the low
    for i in range(rows):
        for j in range(cols):
            value = published[i][j]
            if value is not None:
                supply[i] -= sign(i, j) * value
                supply[rows + j] -= sign(i, j) * value
                continue
            low, high = sorted((sign(i, j) * bounds[(i, j)][0], sign(i, j) * bounds[(i, j)][1]))
            supply[i] -= low
            supply[rows + j] -= low
            arcs.append((i, rows + j, high - low))
    if any(s < 0 for s in supply) or sum(supply[:rows]) != sum(supply[rows:]):
        return False
    source, sink = rows + cols, rows + cols + 1
    capacity: dict[int, dict[int, int]] = {n: {} for n in range(rows + cols + 2)}

    def add(a: int, b: int, c: int) -> None:
        capacity[a][b] = capacity[a].get(b, 0) + c
        capacity[b].setdefault(a, 0)

    for i in range(rows):
        add(source, i, supply[i])
    for j in range(cols):
        add(rows + j, sink, supply[rows + j])
    for a, b, c in arcs:
        add(a, b, c)
    flow = 0
    while True:  # Edmonds-Karp
        parent: dict[int, int] = {source: source}
        queue = deque([source])
        while queue and sink not in parent:
            node = queue.popleft()
            for nxt, c in capacity[node].items():
                if c > 0 and nxt not in parent:
                    parent[nxt] = node
                    queue.append(nxt)
        if sink not in parent:
            return flow == sum(supply[:rows])
        path = []
        node = sink
        while node != source:
            path.append((parent[node], node))
            node = parent[node]
        push = min(capacity[a][b] for a, b in path)
        for a, b in path:
            capacity[a][b] -= push
            capacity[b][a] += push
        flow += push


def integer_reader(published: Published, truth: Sequence[Sequence[int]]) -> set[Cell]:
    """The unknowns no other whole-number table with suppressed counts >= 1 allows."""
    unknown = [(i, j) for i, line in enumerate(published) for j, v in enumerate(line) if v is None]
    base = dict.fromkeys(unknown, (1, BIG))
    assert fits(published, base | {c: (truth[c[0]][c[1]],) * 2 for c in unknown})
    found = set()
    for cell in unknown:
        value = truth[cell[0]][cell[1]]
        higher = fits(published, base | {cell: (value + 1, BIG)})
        lower = value >= 2 and fits(published, base | {cell: (1, value - 1)})
        if not (higher or lower):
            found.add(cell)
    return found


def assert_protected(matrix: Sequence[Sequence[int]], threshold: int) -> set[Cell]:
    """Tabulate, then check everything the module promises; the hidden cells."""
    truth = full_grid(matrix)
    published, hidden = protect(matrix, threshold)
    for i, line in enumerate(published):
        for j, value in enumerate(line):
            if value is not None:
                assert value == truth[i][j]  # published counts are the true ones
            if 1 <= truth[i][j] < threshold:
                assert value is None  # primary suppression
            if truth[i][j] == 0:
                assert value == 0  # a zero is always shown
    assert peel(published) == set()
    assert linearly_determined(published) == set()
    assert integer_reader(published, truth) == set()
    return hidden


# --- the readers are sharp ------------------------------------------------------------------------


def test_the_readers_see_through_primary_suppression_alone() -> None:
    truth = full_grid([[0, 0, 3], [6, 7, 8]])
    naive: Published = [list(line) for line in truth]
    naive[0][2] = None  # only the 3: "0, 0, x, total 3"
    assert peel(naive) == {(0, 2)}
    assert linearly_determined(naive) == {(0, 2)}
    assert integer_reader(naive, truth) == {(0, 2)}


def test_peeling_follows_chains() -> None:
    truth = full_grid([[3, 9, 8], [7, 6, 10]])
    grid: Published = [list(line) for line in truth]
    for cell in [(0, 0), (0, 1), (1, 1)]:  # (1, 1) alone in row 1, then (0, 1), then (0, 0)
        grid[cell[0]][cell[1]] = None
    assert peel(grid) == {(0, 0), (0, 1), (1, 1)}


def test_a_cell_between_two_cycles_escapes_peeling_but_not_algebra() -> None:
    matrix = [[6, 7, 8], [9, 6, 7], [8, 9, 6], [7, 8, 9]]
    truth = full_grid(matrix)
    # two 2x2 cycles: rows 0-1 x bands 0-1, rows 2-3 x (band 2, row total); (0, 2) joins them
    hidden = {(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (0, 2)}
    grid: Published = [
        [None if (i, j) in hidden else v for j, v in enumerate(line)]
        for i, line in enumerate(truth)
    ]
    assert peel(grid) == set()  # every row and column has two unknowns or none
    assert linearly_determined(grid) == {(0, 2)}
    assert integer_reader(grid, truth) == {(0, 2)}
    assert _exposed(truth, hidden) == [(0, 2)]
    secured = _secure(truth, hidden)
    assert hidden < secured
    assert _exposed(truth, set(secured)) == []
    final: Published = [
        [None if (i, j) in secured else v for j, v in enumerate(line)]
        for i, line in enumerate(truth)
    ]
    assert linearly_determined(final) == set()
    assert integer_reader(final, truth) == set()


def test_the_guard_hides_every_non_zero_count_when_no_cycle_is_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import verwijsindex.statistics._suppression as module

    truth = full_grid([[3, 9, 8], [7, 6, 10]])
    monkeypatch.setattr(module, "_route", lambda *args, **kwargs: None)
    everything = {(i, j) for i in range(3) for j in range(4)}
    assert _secure(truth, {(0, 0)}) == everything


def test_a_lone_hidden_zero_finds_no_partner() -> None:
    zeros = full_grid([[0, 0, 0], [0, 0, 0]])
    hidden = {(0, 0)}  # the module never hides a zero; the helpers cope if asked to
    _pair_relations(zeros, hidden)
    assert hidden == {(0, 0)}
    assert _secure(zeros, hidden) == frozenset()  # a zero cannot be hidden: it is shown


def test_two_ones_that_sum_to_two_are_not_enough() -> None:
    # Row 0 reads "x, x, 9, total 11": the two must be 1 and 1, as neither is 0.
    # Peeling and linear algebra miss it; a reader who knows zeros are shown does not.
    matrix = [[1, 1, 9], [1, 1, 9]]
    truth = full_grid(matrix)
    primary = {(0, 0), (0, 1), (1, 0), (1, 1)}
    grid: Published = [
        [None if (i, j) in primary else v for j, v in enumerate(line)]
        for i, line in enumerate(truth)
    ]
    assert peel(grid) == set()
    assert linearly_determined(grid) == set()
    assert integer_reader(grid, truth) == primary
    hidden = assert_protected(matrix, 5)
    assert primary < hidden


# --- primary suppression --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "shown"), [(0, True), (1, False), (4, False), (5, True), (12, True)]
)
def test_primary_suppression_at_the_threshold(value: int, shown: bool) -> None:
    stats = tabulate({(MARCH, "0888", AgeBand.AGE_12_15, MADE): value}, {"0888": WM})
    row = stats.cell(MARCH, MADE, WM, "0888", AgeBand.AGE_12_15)
    assert row.suppressed is not shown
    assert row.count == (value if shown else None)


@pytest.mark.parametrize("threshold", range(1, 8))
def test_every_threshold(threshold: int) -> None:
    matrix = [[0, 4, 5], [6, 0, 7], [8, 9, 10]]
    hidden = assert_protected(matrix, threshold)
    if threshold <= 4:
        assert hidden == set()
    else:
        assert (0, 1) in hidden


def test_threshold_one_suppresses_nothing() -> None:
    matrix = [[1, 0, 0], [0, 1, 2]]
    assert protect(matrix, threshold=1)[1] == set()


def test_a_table_of_large_counts_keeps_every_count() -> None:
    assert protect([[5, 6, 7], [8, 9, 10], [11, 12, 5]])[1] == set()


def test_zeros_are_shown_and_a_table_of_zeros_hides_nothing() -> None:
    stats = tabulate(counts_of([[0, 0, 0], [0, 0, 0]]), region_of([[0], [0]]))
    assert len(stats) == 12
    assert all(row.count == 0 and not row.suppressed for row in stats)


# --- secondary suppression ------------------------------------------------------------------------


def test_a_lone_small_cell_takes_the_rows_total_when_the_rest_are_zeros() -> None:
    published, hidden = protect([[0, 0, 3], [6, 7, 8]])
    assert published[0][:2] == [0, 0]
    assert (0, 2) in hidden and (0, 3) in hidden  # the cell and its row's total
    assert_protected([[0, 0, 3], [6, 7, 8]], 5)


def test_secondary_suppression_in_a_row_takes_the_smallest_published_count() -> None:
    published, hidden = protect([[3, 6, 8], [7, 9, 8], [10, 11, 12]])
    assert {(0, 0), (0, 1)} <= hidden  # the 3, and the 6 beside it rather than the 8
    assert published[0][2] == 8


def test_secondary_suppression_in_a_column() -> None:
    _, hidden = protect([[3, 9, 8], [6, 10, 11], [7, 12, 13]])
    assert (1, 0) in hidden  # the 6 below the 3, the smallest of its column


def test_secondary_suppression_in_the_margins() -> None:
    # Band 16-22 totals 4 over the region: that column total is suppressed, so the
    # band totals need a second suppression and the grand total must not give it away.
    matrix = [[7, 8, 2], [9, 6, 2], [8, 7, 0]]
    published, hidden = protect(matrix)
    last = len(published) - 1
    assert (last, 2) in hidden
    assert sum(1 for j in range(4) if (last, j) in hidden) >= 2
    assert_protected(matrix, 5)


def test_a_small_row_total_is_protected() -> None:
    matrix = [[1, 1, 1], [8, 9, 10], [7, 6, 11]]
    published, hidden = protect(matrix)
    assert (0, 3) in hidden  # the municipality's total of 3
    assert sum(1 for i in range(len(published)) if (i, 3) in hidden) >= 2
    assert_protected(matrix, 5)


def test_a_region_of_one_municipality() -> None:
    # Each band's total equals the one cell: the total goes with the cell.
    stats = tabulate({(MARCH, "0935", AgeBand.UNDER_12, MADE): 2}, {"0935": "Heuvelland"})
    suppressed = {(r.municipality, r.age_band) for r in stats if r.suppressed}
    assert suppressed == {
        ("0935", AgeBand.UNDER_12),
        ("0935", None),
        (None, AgeBand.UNDER_12),
        (None, None),
    }
    grid = published_grid(stats, "Heuvelland")
    assert peel(grid) == set() and linearly_determined(grid) == set()
    assert integer_reader(grid, full_grid([[2, 0, 0]])) == set()


TRICKY = [
    [[0, 0, 3], [0, 0, 0]],
    [[0, 0, 3], [0, 0, 4]],
    [[1, 0, 0], [0, 1, 0], [0, 0, 1]],
    [[2, 2, 2], [2, 2, 2]],
    [[1, 1, 0], [1, 1, 0]],
    [[1, 12, 12], [12, 12, 12], [12, 12, 1]],
    [[4, 5, 6], [5, 6, 7], [6, 7, 8], [7, 8, 9]],
    [[0, 5, 0], [0, 4, 0], [0, 5, 0], [5, 0, 0]],
    [[12, 0, 0], [0, 1, 0], [0, 0, 12], [0, 0, 0]],
    [[3, 9, 8], [7, 6, 10]],
    [[9, 14, 11], [3, 6, 8], [5, 10, 7]],
]


@pytest.mark.parametrize("matrix", TRICKY, ids=[str(m) for m in TRICKY])
@pytest.mark.parametrize("threshold", [2, 3, 5])
def test_tricky_tables(matrix: list[list[int]], threshold: int) -> None:
    assert_protected(matrix, threshold)


def test_the_doctests_table_suppresses_four() -> None:
    hidden = assert_protected([[5, 10, 7], [3, 6, 8], [9, 14, 11]], 5)
    assert hidden == {(0, 0), (0, 1), (1, 0), (1, 1)}


matrices = st.integers(2, 4).flatmap(
    lambda n: st.lists(st.lists(st.integers(0, 12), min_size=3, max_size=3), min_size=n, max_size=n)
)


@settings(max_examples=400, deadline=None)
@given(matrices, st.integers(1, 6))
def test_no_suppressed_count_can_be_worked_out(matrix: list[list[int]], threshold: int) -> None:
    hidden = assert_protected(matrix, threshold)
    truth = full_grid(matrix)
    assert all(truth[i][j] > 0 for i, j in hidden)  # no zero is ever hidden
    if all(v == 0 or v >= threshold for line in truth for v in line):
        assert hidden == set()  # nothing to protect, nothing hidden


@settings(max_examples=200, deadline=None)
@given(matrices.map(lambda m: [[min(v, 4) for v in line] for line in m]), st.integers(2, 6))
def test_small_counts_everywhere(matrix: list[list[int]], threshold: int) -> None:
    assert_protected(matrix, threshold)


# --- the tables -----------------------------------------------------------------------------------


def test_tables_are_complete_and_sorted() -> None:
    counts = {
        (APRIL, "0888", AgeBand.UNDER_12, StatKind.EXPIRED): 7,
        (MARCH, "0917", AgeBand.AGE_16_22, MADE): 6,
    }
    stats = tabulate(counts, REGIONS)
    tables = [(r.month, r.kind, r.region) for r in stats]
    assert list(dict.fromkeys(tables)) == [
        (MARCH, MADE, PARKSTAD),
        (MARCH, MADE, WM),
        (APRIL, StatKind.EXPIRED, PARKSTAD),
        (APRIL, StatKind.EXPIRED, WM),
    ]
    # every municipality of the region by every band, with the totals: (n + 1) x 4
    assert len(stats.rows_for(month=MARCH, region=PARKSTAD)) == 5 * 4
    assert len(stats.rows_for(month=MARCH, region=WM)) == 4 * 4
    assert len(stats) == 2 * (20 + 16)
    wm = stats.rows_for(month=MARCH, region=WM)
    assert all(r.count == 0 for r in wm)
    assert [(r.municipality, r.age_band) for r in wm[:4]] == [("0888", b) for b in BANDS] + [
        ("0888", None)
    ]
    assert (wm[-1].municipality, wm[-1].age_band) == (None, None)
    assert stats.cell(MARCH, MADE, PARKSTAD).count == 6
    assert stats.threshold == DEFAULT_THRESHOLD
    assert list(stats) == list(stats.rows)
    assert Statistics(tuple(reversed(stats.rows))) == stats  # rows are kept sorted


def test_counts_of_other_regions_and_tables_do_not_mix() -> None:
    counts = counts_of([[6, 7, 8], [9, 10, 11], [12, 13, 14]], WM_CODES) | counts_of(
        [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]], PARKSTAD_CODES
    )
    counts |= counts_of([[6, 7, 8]], WM_CODES, kind=StatKind.MATCHES_MADE)
    stats = tabulate(counts, REGIONS)
    assert not any(r.suppressed for r in stats.rows_for(region=WM))
    assert stats.cell(MARCH, MADE, WM).count == sum(range(6, 15))
    assert stats.cell(MARCH, StatKind.MATCHES_MADE, WM, "0971").count == 0
    assert any(r.suppressed for r in stats.rows_for(region=PARKSTAD, kind=MADE))


def test_cell_and_table_not_found() -> None:
    stats = tabulate(counts_of([[6, 7, 8]], WM_CODES), REGIONS)
    with pytest.raises(NotFoundError):
        stats.cell(APRIL, MADE, WM)
    with pytest.raises(NotFoundError):
        stats.format_table(MARCH, StatKind.EXPIRED, WM)


def test_format_table() -> None:
    stats = tabulate(counts_of([[0, 0, 3], [6, 7, 8]], ("0888", "0971")), REGIONS)
    text = stats.format_table(MARCH, MADE, WM)
    assert text.splitlines()[0] == "links-made 2026-03 Westelijke Mijnstreek"
    assert text.splitlines()[2].split()[:4] == ["0888", "0", "0", "x"]


# --- as_dicts and pandas ------------------------------------------------------------------------


def example() -> Statistics:
    return tabulate(counts_of([[5, 10, 7], [3, 6, 8], [9, 14, 11]], WM_CODES), REGIONS)


def test_as_dicts_is_json() -> None:
    stats = example()
    dicts = stats.as_dicts()
    assert json.loads(json.dumps(dicts)) == dicts
    assert dicts[0] == {
        "month": "2026-03-01",
        "region": PARKSTAD,
        "municipality": "0882",
        "age_band": "under-12",
        "kind": "links-made",
        "count": 0,
        "suppressed": False,
    }
    stein = next(d for d in dicts if d["municipality"] == "0971" and d["age_band"] == "under-12")
    assert stein["count"] is None and stein["suppressed"] is True
    rebuilt = [
        StatRow(
            month=date.fromisoformat(str(d["month"])),
            region=str(d["region"]),
            municipality=None if d["municipality"] is None else str(d["municipality"]),
            age_band=None if d["age_band"] is None else AgeBand(d["age_band"]),
            kind=StatKind(d["kind"]),
            count=None if d["count"] is None else int(d["count"]),
            suppressed=bool(d["suppressed"]),
        )
        for d in dicts
    ]
    assert Statistics(rebuilt) == stats


def test_to_pandas_round_trip() -> None:
    pandas = pytest.importorskip("pandas")
    stats = example()
    frame = stats.to_pandas()
    assert list(frame.columns) == [
        "month", "region", "municipality", "age_band", "kind", "count", "suppressed"
    ]  # fmt: skip
    assert str(frame["count"].dtype) == "Int64" and frame["count"].isna().sum() == 4
    assert frame["suppressed"].dtype == bool
    back: list[dict[str, Any]] = []
    for record in frame.to_dict("records"):
        record["month"] = record["month"].date().isoformat()
        record["count"] = None if pandas.isna(record["count"]) else int(record["count"])
        record["suppressed"] = bool(record["suppressed"])
        back.append(record)
    assert back == stats.as_dicts()
    empty = Statistics(()).to_pandas()
    assert len(empty) == 0 and list(empty.columns) == list(frame.columns)


def test_to_pandas_without_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ConfigurationError, match=r"verwijsindex\[sim\]"):
        example().to_pandas()


# --- age bands ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "band"),
    [(0, AgeBand.UNDER_12), (11, AgeBand.UNDER_12), (12, AgeBand.AGE_12_15),
     (15, AgeBand.AGE_12_15), (16, AgeBand.AGE_16_22), (22, AgeBand.AGE_16_22)],
)  # fmt: skip
def test_age_band(age: int, band: AgeBand) -> None:
    assert age_band(age) is band


def test_age_band_refuses() -> None:
    with pytest.raises(AgeLimitError):
        age_band(23)
    for bad in (-1, True, 12.0, "12", None):
        with pytest.raises(InvalidRecordError, match=r"^age must be"):
            age_band(bad)  # type: ignore[arg-type]


def test_the_enums_values() -> None:
    assert [b.value for b in AgeBand] == ["under-12", "12-15", "16-22"]
    assert [k.value for k in StatKind] == [
        "links-made",
        "matches-made",
        "withdrawn-risk-resolved",
        "withdrawn-unjustified",
        "expired",
        "deleted-age-limit",
        "information-overdue",
        "awaiting-coordination",
    ]


# --- validation ---------------------------------------------------------------------------------

SECRET = "111222333"  # looks like a BSN: it must never show in a message
U12 = AgeBand.UNDER_12
BAD_COUNTS: list[tuple[str, object, str]] = [
    ("not a mapping", [((MARCH, "0888", U12, MADE), 1)], "^counts must be a mapping"),
    ("key not a tuple", {SECRET: 1}, "^counts keys must be"),
    ("key too short", {(MARCH, "0888", U12): 1}, "^counts keys must be"),
    ("month a datetime", {(datetime(2026, 3, 1), "0888", U12, MADE): 1}, "^counts: the month"),
    ("month not the 1st", {(date(2026, 3, 2), "0888", U12, MADE): 1}, "^counts: the month"),
    ("month a string", {("2026-03-01", "0888", U12, MADE): 1}, "^counts: the month"),
    ("month too early", {(date(1800, 3, 1), "0888", U12, MADE): 1}, "^counts: the month"),
    ("municipality a BSN", {(MARCH, SECRET, U12, MADE): 1}, "^counts: the municipality"),
    ("municipality short", {(MARCH, "888", U12, MADE): 1}, "^counts: the municipality"),
    ("municipality GM", {(MARCH, "GM0888", U12, MADE): 1}, "^counts: the municipality"),
    ("municipality int", {(MARCH, 888, U12, MADE): 1}, "^counts: the municipality"),
    ("band a string", {(MARCH, "0888", "under-12", MADE): 1}, "^counts: the age band"),
    ("kind a string", {(MARCH, "0888", U12, "links-made"): 1}, "^counts: the kind"),
    ("count negative", {(MARCH, "0888", U12, MADE): -1}, "^counts values"),
    ("count a bool", {(MARCH, "0888", U12, MADE): True}, "^counts values"),
    ("count a float", {(MARCH, "0888", U12, MADE): 1.0}, "^counts values"),
    ("count a BSN string", {(MARCH, "0888", U12, MADE): SECRET}, "^counts values"),
    ("municipality in no region", {(MARCH, "0935", U12, MADE): 1}, "^regions must give"),
]


@pytest.mark.parametrize(
    ("counts", "message"), [c[1:] for c in BAD_COUNTS], ids=[c[0] for c in BAD_COUNTS]
)
def test_bad_counts(counts: Any, message: str) -> None:
    with pytest.raises(InvalidRecordError, match=message) as caught:
        tabulate(counts, REGIONS)
    assert SECRET not in str(caught.value) and "0935" not in str(caught.value)


BAD_REGIONS: list[tuple[str, object, str]] = [
    ("not a mapping", [("0888", WM)], "^regions must be a mapping"),
    ("key a BSN", {SECRET: WM}, "^regions keys"),
    ("key not canonical", {"888": WM}, "^regions keys"),
    ("name empty", {"0888": " "}, "^regions values"),
    ("name two lines", {"0888": "West\nOost"}, "^regions values"),
    ("name too long", {"0888": "x" * 201}, "^regions values"),
    ("name not a string", {"0888": 1}, "^regions values"),
]


@pytest.mark.parametrize(
    ("regions", "message"), [c[1:] for c in BAD_REGIONS], ids=[c[0] for c in BAD_REGIONS]
)
def test_bad_regions(regions: Any, message: str) -> None:
    with pytest.raises(InvalidRecordError, match=message) as caught:
        tabulate({}, regions)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize("threshold", [0, -1, True, False, 2.5, "5", None])
def test_bad_threshold(threshold: Any) -> None:
    with pytest.raises(InvalidRecordError, match=r"^threshold must be"):
        tabulate({}, REGIONS, threshold=threshold)


def test_a_statrow_checks_its_fields() -> None:
    good = StatRow(MARCH, WM, "0888", U12, MADE, 7, False)
    assert good.as_dict()["count"] == 7
    for changes in (
        {"count": None},
        {"suppressed": True},
        {"month": date(2026, 3, 5)},
        {"municipality": "888"},
        {"age_band": "under-12"},
        {"kind": "links-made"},
        {"count": -1},
        {"region": ""},
        {"suppressed": 1},
    ):
        with pytest.raises(InvalidRecordError):
            attrs.evolve(good, **changes)
    with pytest.raises(InvalidRecordError):
        Statistics([good, "row"])
    with pytest.raises(InvalidRecordError):
        Statistics("rows")
    with pytest.raises(InvalidRecordError):
        Statistics((good,), threshold=0)


@pytest.mark.parametrize(
    ("module", "feature", "says"),
    [
        ("pandas", "to_pandas()", "to_pandas() needs pandas: pip install 'verwijsindex[sim]'"),
        ("matplotlib.figure", "drawing a plot", "drawing a plot needs matplotlib"),
    ],
)
def test_a_missing_optional_dependency_names_its_extra(
    module: str, feature: str, says: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sys

    from verwijsindex._optional import optional
    from verwijsindex.errors import ConfigurationError

    monkeypatch.setitem(sys.modules, module, None)  # import now raises ImportError
    with pytest.raises(ConfigurationError) as caught:
        optional(module, feature)
    assert str(caught.value).startswith(says)
    assert str(caught.value).endswith("pip install 'verwijsindex[sim]'")


# --- two readings at two thresholds (decision 92) ------------------------------------------------


def test_a_higher_threshold_hides_whatever_a_lower_one_hid() -> None:
    """A reader may ask for a threshold above 5 (decision 80). Read at 5 and at 7, the
    tables together must publish no more than the one at 5: at 7, this table published
    the first row's 15 that 5 had hidden, and the third column's total less the two
    counts published at 5 gave away the 3 that 5 hid (decision 92)."""
    matrix = [[8, 20, 15], [15, 0, 3], [0, 6, 15]]
    _, at_5 = protect(matrix, 5)
    _, at_7 = protect(matrix, 7)
    assert at_5 <= at_7


@settings(max_examples=300, deadline=None)
@given(matrices, st.integers(5, 9), st.integers(1, 4))
def test_what_a_threshold_hides_a_higher_one_hides_too(
    matrix: list[list[int]], low: int, step: int
) -> None:
    _, lower = protect(matrix, low)
    _, higher = protect(matrix, low + step)
    assert lower <= higher
