"""The published numbers of :mod:`verwijsindex.statistics`: the age bands and kinds that
a count is counted under, one number as a :class:`StatRow`, and the tables as
:class:`Statistics`, with their checks, order and text, dict and pandas forms.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
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
    """Youths whose links were deleted because they turned 23 (JW 7.1.4.5(2)(b)): one
    count a youth, however many links went with them (the other kinds count links)."""
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
