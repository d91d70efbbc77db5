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

from verwijsindex.statistics._suppression import _exposed as _exposed
from verwijsindex.statistics._suppression import _pair_relations as _pair_relations
from verwijsindex.statistics._suppression import _secure as _secure
from verwijsindex.statistics._tables import (
    DEFAULT_THRESHOLD,
    AgeBand,
    Statistics,
    StatKind,
    StatRow,
    age_band,
)
from verwijsindex.statistics._tabulate import CountKey, tabulate

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
