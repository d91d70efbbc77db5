"""Protecting one table of :mod:`verwijsindex.statistics`: which counts of a grid to
suppress so that none of them can be worked out from the rest (the algorithm that
:func:`~verwijsindex.statistics.tabulate` describes).
"""

from __future__ import annotations

import heapq
from collections.abc import Set

from verwijsindex.statistics._tables import DEFAULT_THRESHOLD

# --- protecting one table -----------------------------------------------------------------------
#
# A table is a grid of (municipalities + 1) rows by (bands + 1) columns: the last row holds
# the region's totals, the last column the municipalities' totals, the corner the grand total.
# Every row of the grid sums to its last cell and every column to its last cell: those are
# all the relations a reader can use. Cells are (row, column) pairs.

Cell = tuple[int, int]
Grid = list[list[int]]


def _relations(grid: Grid) -> list[list[Cell]]:
    """Every row and every column of the grid, each a list of its cells."""
    rows, columns = len(grid), len(grid[0])
    return [[(i, j) for j in range(columns)] for i in range(rows)] + [
        [(i, j) for i in range(rows)] for j in range(columns)
    ]


def _sign(grid: Grid, cell: Cell) -> int:
    """-1 for a margin that is not the corner, else 1: flipping those signs turns every
    relation into 'the row (column) sums to zero', so the suppressed cells form a bipartite
    graph of rows and columns in which a cell's value can change exactly when the cell
    lies on a cycle."""
    i, j = cell
    return -1 if (i == len(grid) - 1) != (j == len(grid[0]) - 1) else 1


def _may_move(grid: Grid, cell: Cell, change: int) -> bool:
    """Whether a reader must allow *cell* one more (+1) or one less (-1) than its value:
    every suppressed count is at least 1, since a zero is always published."""
    value = grid[cell[0]][cell[1]]
    return value > 0 and (change > 0 or value >= 2)


def _route(
    grid: Grid, hidden: set[Cell], cell: Cell, change: int, *, publishable: bool
) -> tuple[int, list[Cell]] | None:
    """The cheapest cycle through *cell* along which *cell* moves by *change* and every
    other cell on it may move as the cycle moves it: as (cost, the published cells on
    it). Hidden cells cost nothing; a published one costs its value, and is only used
    when *publishable*. ``None``: there is no such cycle."""
    if not _may_move(grid, cell, change):
        return None
    rows = len(grid)
    i, j = cell
    # Node i is row i, node rows + j is column j. Going row -> column along (i, j) moves
    # the cell by +sign, going column -> row by -sign. The cycle goes head -> tail, back.
    forward = change == _sign(grid, cell)
    tail, head = (i, rows + j) if forward else (rows + j, i)
    best: dict[int, int] = {head: 0}
    came: dict[int, tuple[int, Cell]] = {}
    queue = [(0, head)]
    while queue:
        cost, node = heapq.heappop(queue)
        if node == tail:
            break
        if cost > best.get(node, cost):
            continue
        if node < rows:
            steps = [((node, b), rows + b, 1) for b in range(len(grid[0]))]
        else:
            steps = [((a, node - rows), a, -1) for a in range(rows)]
        for step, target, direction in steps:
            if step == cell:
                continue
            price = 0 if step in hidden else grid[step[0]][step[1]]
            if (price and not publishable) or not _may_move(
                grid, step, direction * _sign(grid, step)
            ):
                continue
            if cost + price < best.get(target, cost + price + 1):
                best[target] = cost + price
                came[target] = (node, step)
                heapq.heappush(queue, (cost + price, target))
    if tail not in best:
        return None
    published: list[Cell] = []
    node = tail
    while node != head:
        node, step = came[node]
        if step not in hidden:
            published.append(step)
    return best[tail], published


def _exposed(grid: Grid, hidden: set[Cell], safe: Set[Cell] = frozenset()) -> list[Cell]:
    """The hidden cells a reader can work out from the published ones: those on no cycle
    of hidden cells along which the values can move (by linear algebra, and knowing that
    every count is a whole number and a hidden one at least 1). A cell of *safe* was on
    such a cycle with fewer cells hidden, and still is (hiding more only adds cycles): it
    is not searched again."""
    return [
        cell
        for cell in sorted(hidden)
        if cell not in safe
        and _route(grid, hidden, cell, 1, publishable=False) is None
        and _route(grid, hidden, cell, -1, publishable=False) is None
    ]


def _pair_relations(grid: Grid, hidden: set[Cell]) -> None:
    """Suppress more until no row or column has exactly one suppressed cell: add its
    smallest published non-zero cell (one that gives another lone suppressed cell a
    partner first, then a cell before a total). A relation with one suppressed count has
    a published non-zero member: the total if the count is a cell, a cell if it is the
    total."""
    relations = _relations(grid)
    last_row, last_column = len(grid) - 1, len(grid[0]) - 1

    def hidden_in(cells: list[Cell]) -> int:
        return sum(1 for c in cells if c in hidden)

    changed = True
    while changed:
        changed = False
        for number, relation in enumerate(relations):
            if hidden_in(relation) != 1:
                continue
            in_row = number < len(grid)
            candidates = [
                (
                    grid[c[0]][c[1]],
                    int(hidden_in(relations[len(grid) + c[1]] if in_row else relations[c[0]]) != 1),
                    int(c[0] == last_row or c[1] == last_column),
                    c,
                )
                for c in relation
                if c not in hidden and grid[c[0]][c[1]] > 0
            ]
            if candidates:
                hidden.add(min(candidates)[3])
                changed = True


def _protect(grid: Grid, threshold: int) -> frozenset[Cell]:
    """The cells of *grid* to suppress at *threshold*: see :func:`tabulate`.

    From ``DEFAULT_THRESHOLD`` on (the lowest a reader of the index may ask for), the
    cells are found threshold by threshold: those of the threshold below, then the counts
    the next one adds and their secondary suppressions. So a table read at two thresholds
    publishes no more than the lower one alone: a count shown at the higher one is shown
    at the lower one too (decision 92)."""
    start = min(threshold, DEFAULT_THRESHOLD)
    safe: set[Cell] = set()  # hidden cells found safe so far: they stay safe
    hidden = _secure(grid, _below(grid, 1, start), safe)
    # the counts from *start* up that are still shown, smallest first: each is hidden in
    # its turn, with what it needs (a count hidden already changes nothing)
    for value in sorted({v for line in grid for v in line if start <= v < threshold}):
        shown = _below(grid, value, value + 1) - hidden
        if shown:
            hidden = _secure(grid, {*hidden, *shown}, safe)
    return hidden


def _below(grid: Grid, low: int, high: int) -> set[Cell]:
    """The cells whose count is from *low* to *high* - 1 (primary suppression)."""
    return {
        (i, j) for i, line in enumerate(grid) for j, value in enumerate(line) if low <= value < high
    }


def _secure(grid: Grid, hidden: set[Cell], safe: set[Cell] | None = None) -> frozenset[Cell]:
    """*hidden* and the secondary suppressions that keep each of them from being worked
    out. *safe*, when given, holds hidden cells known to be safe, and gains those found
    so (a caller that hides more, step by step, searches each cell once)."""
    hidden = set(hidden)
    safe = set() if safe is None else safe
    while hidden:
        _pair_relations(grid, hidden)
        exposed = _exposed(grid, hidden, safe)
        safe.update(hidden.difference(exposed))
        if not exposed:
            break
        cell = exposed[0]
        routes = [
            found
            for change in (1, -1)
            if (found := _route(grid, hidden, cell, change, publishable=True)) is not None
        ]
        if not routes or not min(routes)[1]:
            # Cannot happen: the table's own counts, all one higher, are a cycle through
            # every non-zero cell. Were it to, hiding every non-zero count is safe: any
            # multiple of the table fits what is left published (zeros).
            return frozenset(
                (i, j) for i, line in enumerate(grid) for j, value in enumerate(line) if value
            )
        hidden.update(min(routes)[1])
    return frozenset(hidden)
