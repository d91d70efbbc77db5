"""Statistics (statistieken) that leave the index only as counts no one can be traced by.

JW 7.1.2.3(1)(h): the index may give out counts, never a youth or a professional. A
count of one to four people in a municipality, month and age band can point at a
family, so :func:`tabulate` turns event counts into tables whose small counts are
suppressed, and suppresses more counts (secondary suppression) until no suppressed
count can be worked out from the published ones and the table's sums.

One table per month, kind of event and region: municipalities by age bands, with the
total of each municipality (``age_band=None``), of each band (``municipality=None``)
and of the region (both ``None``). Here Stein's 3 is suppressed (``x``, CBS's sign for
"geheim"); Stein's 6 goes with it, or the row total would give the 3 away, and Beek's
5 and 10 go too, or the columns would:

>>> from datetime import date
>>> march = date(2026, 3, 1)
>>> U12, M, O = AgeBand.UNDER_12, AgeBand.AGE_12_15, AgeBand.AGE_16_22
>>> made = StatKind.LINKS_MADE
>>> counts = {
...     (march, "1883", U12, made): 9, (march, "1883", M, made): 14, (march, "1883", O, made): 11,
...     (march, "0971", U12, made): 3, (march, "0971", M, made): 6, (march, "0971", O, made): 8,
...     (march, "0888", U12, made): 5, (march, "0888", M, made): 10, (march, "0888", O, made): 7,
... }
>>> regions = dict.fromkeys(["0888", "0971", "1883"], "Westelijke Mijnstreek")
>>> stats = tabulate(counts, regions)
>>> print(stats.format_table(march, made, "Westelijke Mijnstreek"))
links-made 2026-03 Westelijke Mijnstreek
municipality under-12 12-15 16-22 all
0888                x     x     7  22
0971                x     x     8  17
1883                9    14    11  34
all                17    30    26  73
>>> stein = stats.cell(march, made, "Westelijke Mijnstreek", "0971", U12)
>>> stein.count, stein.suppressed
(None, True)
>>> len(stats), sum(row.suppressed for row in stats)
(16, 4)

A zero is published: it identifies no one. The guarantee, the algorithm and what else
was weighed are in :func:`tabulate`.
"""

from __future__ import annotations

import enum
import heapq
from collections.abc import Iterator, Mapping
from datetime import date, datetime
from typing import Any

import attrs

from verwijsindex import _validators as v
from verwijsindex import cbs_code
from verwijsindex._optional import optional
from verwijsindex.errors import (
    AgeLimitError,
    InvalidRecordError,
    NotFoundError,
)

__all__ = [
    "DEFAULT_THRESHOLD",
    "AgeBand",
    "CountKey",
    "StatKind",
    "StatRow",
    "Statistics",
    "age_band",
    "tabulate",
]

DEFAULT_THRESHOLD = 5
"""Counts from 1 to 4 are suppressed unless told otherwise: the usual floor of Dutch
municipal and CBS tables on people."""

_REGION_NAME_LIMIT = 200


class AgeBand(enum.Enum):
    """The age bands of the statistics: those of the information duty (JW 7.1.5.1).

    Not :class:`verwijsindex.policies.AgeBand`, which is a band *of a policy* with its
    recipients; these three are fixed, so a table reads the same under every policy.
    """

    UNDER_12 = "under-12"
    AGE_12_15 = "12-15"
    AGE_16_22 = "16-22"


class StatKind(enum.Enum):
    """What a count counts in a month. The index decides when a case is counted; this
    module only protects the numbers."""

    LINKS_MADE = "links-made"
    """Links registered (JW 7.1.4.3)."""
    MATCHES_MADE = "matches-made"
    """Matches made (JW 7.1.2.3(1)(c))."""
    WITHDRAWN_RISK_RESOLVED = "withdrawn-risk-resolved"
    """Links withdrawn because the risk is no longer present (JW 7.1.4.5(1)(b))."""
    WITHDRAWN_UNJUSTIFIED = "withdrawn-unjustified"
    """Links withdrawn because they should not have been made (JW 7.1.4.5(1)(a))."""
    EXPIRED = "expired"
    """Links whose active period ended (JW 7.1.4.5(2)(a))."""
    DELETED_AGE_LIMIT = "deleted-age-limit"
    """Links deleted because the youth turned 23 (JW 7.1.4.5(2)(b))."""
    INFORMATION_OVERDUE = "information-overdue"
    """Links whose information duty ran more than a month over (AVG art. 14(3))."""
    AWAITING_COORDINATION = "awaiting-coordination"
    """Matches whose professionals had not recorded that they coordinated (JW 7.1.3.2)."""


_BANDS: tuple[AgeBand, ...] = tuple(AgeBand)
_KINDS: tuple[StatKind, ...] = tuple(StatKind)
_KIND_ORDER = {kind: n for n, kind in enumerate(_KINDS)}
_BAND_ORDER = {band: n for n, band in enumerate(_BANDS)}


def age_band(age: int) -> AgeBand:
    """The band of a youth of *age* whole years.

    >>> age_band(11), age_band(12), age_band(16)
    (<AgeBand.UNDER_12: 'under-12'>, <AgeBand.AGE_12_15: '12-15'>, <AgeBand.AGE_16_22: '16-22'>)
    >>> age_band(23)
    Traceback (most recent call last):
        ...
    verwijsindex.errors.AgeLimitError: ... under 23 (age on the day: 23)
    """
    if not isinstance(age, int) or isinstance(age, bool):
        raise InvalidRecordError("age must be a whole number of years")
    if age < 0:
        raise InvalidRecordError("age must be 0 or more")
    if age > 22:
        raise AgeLimitError(age=age)
    if age < 12:
        return AgeBand.UNDER_12
    return AgeBand.AGE_12_15 if age < 16 else AgeBand.AGE_16_22


# --- the rows -----------------------------------------------------------------------------------


def _is_month(value: object) -> bool:
    return (
        isinstance(value, date)
        and not isinstance(value, datetime)
        and value.day == 1
        and 1900 <= value.year <= 2999
    )


def _month(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not _is_month(value):
        raise InvalidRecordError(f"{attribute.name} must be a date on the first of a month")


def _is_municipality(value: object) -> bool:
    return isinstance(value, str) and cbs_code.compact(value) == value


def _region_name(value: object) -> bool:
    return v.plain_text(value, _REGION_NAME_LIMIT)


def _region(_: object, attribute: attrs.Attribute[Any], value: object) -> None:
    if not _region_name(value):
        raise InvalidRecordError(
            f"{attribute.name} must be one line of at most {_REGION_NAME_LIMIT} characters"
        )


def _check_count(instance: StatRow, attribute: attrs.Attribute[Any], value: object) -> None:
    if value is not None:
        v.count(instance, attribute, value)


@attrs.frozen
class StatRow:
    """One number of a table, tidy: the month, the region, the municipality (``None``:
    the whole region), the age band (``None``: all bands), the kind, and the count
    (``None`` when it is suppressed, and then ``suppressed`` is true)."""

    month: date = attrs.field(validator=_month)
    region: str = attrs.field(validator=_region)
    municipality: str | None = attrs.field(validator=v.optional(v.municipality))
    age_band: AgeBand | None = attrs.field(validator=v.optional(v.instance_of(AgeBand)))
    kind: StatKind = attrs.field(validator=v.instance_of(StatKind))
    count: int | None = attrs.field(validator=_check_count)
    suppressed: bool = attrs.field(validator=v.instance_of(bool))

    def __attrs_post_init__(self) -> None:
        if (self.count is None) != self.suppressed:
            raise InvalidRecordError("count must be None exactly when suppressed is True")

    def as_dict(self) -> dict[str, str | int | bool | None]:
        """The row as plain JSON values: the month as an ISO date, enums by their value.

        >>> StatRow(date(2026, 3, 1), "Parkstad", None, None, StatKind.EXPIRED, 12,
        ...         False).as_dict()["month"]
        '2026-03-01'
        """
        return {
            "month": self.month.isoformat(),
            "region": self.region,
            "municipality": self.municipality,
            "age_band": None if self.age_band is None else self.age_band.value,
            "kind": self.kind.value,
            "count": self.count,
            "suppressed": self.suppressed,
        }


_COLUMNS = ("month", "region", "municipality", "age_band", "kind", "count", "suppressed")


def _sort_key(row: StatRow) -> tuple[date, int, str, bool, str, bool, int]:
    """Table by table (month, kind, region); municipalities by code, bands by age, the
    totals last."""
    return (
        row.month,
        _KIND_ORDER[row.kind],
        row.region,
        row.municipality is None,
        row.municipality or "",
        row.age_band is None,
        -1 if row.age_band is None else _BAND_ORDER[row.age_band],
    )


def _rows(value: object) -> tuple[StatRow, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        raise InvalidRecordError("rows must be a tuple of StatRow")
    if not all(isinstance(row, StatRow) for row in value):
        raise InvalidRecordError("rows must be a tuple of StatRow")
    return tuple(sorted(value, key=_sort_key))


def _dash(value: int | None) -> str:
    return "x" if value is None else str(value)


@attrs.frozen
class Statistics:
    """The tables :func:`tabulate` made: tidy :class:`StatRow` values, sorted table by
    table (month, kind, region), then by municipality and band with the totals last.
    ``threshold`` is the one the counts were protected with."""

    rows: tuple[StatRow, ...] = attrs.field(converter=_rows)
    threshold: int = attrs.field(default=DEFAULT_THRESHOLD, validator=v.positive)

    def __iter__(self) -> Iterator[StatRow]:
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def rows_for(
        self,
        *,
        month: date | None = None,
        kind: StatKind | None = None,
        region: str | None = None,
    ) -> tuple[StatRow, ...]:
        """The rows of one month, kind or region, or of any combination (``None``: any)."""
        return tuple(
            row
            for row in self.rows
            if (month is None or row.month == month)
            and (kind is None or row.kind == kind)
            and (region is None or row.region == region)
        )

    def cell(
        self,
        month: date,
        kind: StatKind,
        region: str,
        municipality: str | None = None,
        age_band: AgeBand | None = None,
    ) -> StatRow:
        """The row of one number; ``None`` for the municipality or band is the total.
        :class:`~verwijsindex.errors.NotFoundError` if the statistics have no such row."""
        for row in self.rows_for(month=month, kind=kind, region=region):
            if row.municipality == municipality and row.age_band == age_band:
                return row
        raise NotFoundError("no such number in these statistics")

    def format_table(self, month: date, kind: StatKind, region: str) -> str:
        """One table as text, a suppressed count shown as ``x``."""
        rows = self.rows_for(month=month, kind=kind, region=region)
        if not rows:
            raise NotFoundError("no such table in these statistics")
        header = ["municipality", *(band.value for band in _BANDS), "all"]
        lines: list[list[str]] = [header]
        by_municipality: dict[str | None, dict[AgeBand | None, int | None]] = {}
        for row in rows:
            by_municipality.setdefault(row.municipality, {})[row.age_band] = row.count
        for municipality, cells in by_municipality.items():
            values = [_dash(cells.get(band)) for band in (*_BANDS, None)]
            lines.append([municipality or "all", *values])
        widths = [max(len(line[n]) for line in lines) for n in range(len(header))]
        title = f"{kind.value} {month.isoformat()[:7]} {region}"
        body = [
            " ".join(
                cell.ljust(widths[n]) if n == 0 else cell.rjust(widths[n])
                for n, cell in enumerate(line)
            )
            for line in lines
        ]
        return "\n".join([title, *body])

    def as_dicts(self) -> list[dict[str, str | int | bool | None]]:
        """The rows as plain dicts fit for ``json.dumps``: ISO dates, enum values, and
        ``None`` for a total's municipality or band and for a suppressed count."""
        return [row.as_dict() for row in self.rows]

    def to_pandas(self) -> Any:
        """A :class:`pandas.DataFrame`, one row per number: ``month`` as a datetime,
        ``count`` as a nullable integer (``<NA>`` when suppressed), ``None`` for a
        total's municipality or band (``groupby`` leaves those rows out unless given
        ``dropna=False``). Needs pandas (the ``sim`` extra)."""
        pandas = optional("pandas", "to_pandas()")
        frame = pandas.DataFrame.from_records(self.as_dicts(), columns=list(_COLUMNS))
        frame["month"] = pandas.to_datetime(frame["month"], format="%Y-%m-%d")
        frame["count"] = frame["count"].astype("Int64")
        frame["suppressed"] = frame["suppressed"].astype(bool)
        for column in ("municipality", "age_band"):
            frame[column] = frame[column].astype(object).where(frame[column].notna(), None)
        return frame


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


def _exposed(grid: Grid, hidden: set[Cell]) -> list[Cell]:
    """The hidden cells a reader can work out from the published ones: those on no cycle
    of hidden cells along which the values can move (by linear algebra, and knowing that
    every count is a whole number and a hidden one at least 1)."""
    return [
        cell
        for cell in sorted(hidden)
        if _route(grid, hidden, cell, 1, publishable=False) is None
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
    """The cells of *grid* to suppress at *threshold*: see :func:`tabulate`."""
    hidden = {
        (i, j)
        for i, line in enumerate(grid)
        for j, value in enumerate(line)
        if 1 <= value < threshold
    }
    return _secure(grid, hidden)


def _secure(grid: Grid, hidden: set[Cell]) -> frozenset[Cell]:
    """*hidden* and the secondary suppressions that keep each of them from being worked
    out."""
    hidden = set(hidden)
    while hidden:
        _pair_relations(grid, hidden)
        exposed = _exposed(grid, hidden)
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

    What this does not promise: the range a suppressed count must lie in may be narrow
    (with ``threshold=2`` a suppressed cell that is not a total is often a 1), and tables
    are protected one by one: publishing sums across regions, months or kinds, or a
    corrected table next to the old one, adds relations this check never saw.

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
