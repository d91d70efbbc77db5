"""The memory store's ordered indexes: keys by due day, and sorted values kept in short
runs, so that a page or a due list costs what it returns, not a sort of the store."""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterator
from datetime import date
from typing import Generic, TypeVar

__all__ = ["_RUN", "_DueIndex", "_Sorted"]

T = TypeVar("T", str, tuple[int, str])
_RUN = 1_000
"""How long a run of :class:`_Sorted` may grow before it is split in two."""


class _DueIndex:
    """Keys by due day: a set per day, and the days in sorted order (days whose set is
    empty stay listed; there is one per calendar day at most)."""

    __slots__ = ("by_day", "days")

    def __init__(self) -> None:
        self.by_day: dict[date, set[str]] = {}
        self.days: list[date] = []

    def add(self, day: date, key: str) -> None:
        keys = self.by_day.get(day)
        if keys is None:
            keys = self.by_day[day] = set()
            bisect.insort(self.days, day)
        keys.add(key)

    def discard(self, day: date, key: str) -> None:
        keys = self.by_day.get(day)
        if keys is not None:
            keys.discard(key)

    def first(self, bound: date, limit: int, *, inclusive: bool) -> list[str]:
        """Up to *limit* keys due by *bound*, by day and then key."""
        end = (bisect.bisect_right if inclusive else bisect.bisect_left)(self.days, bound)
        out: list[str] = []
        for day in self.days[:end]:
            keys = self.by_day[day]
            if keys:
                out.extend(sorted(keys))
                if len(out) >= limit:
                    break
        return out[:limit]


class _Sorted(Generic[T]):
    """Distinct values in ascending order, kept as short sorted runs and the last value of
    each run: adding or removing a value costs two bisections and a move within its run,
    and a page of values after a bound costs two bisections and the page, never a sort of
    everything. A run longer than :data:`_RUN` is split in two, and one a quarter of that
    or shorter joins a neighbour, so there are never many more runs than values / _RUN.
    Two are equal when they hold the same values, however they are cut into runs."""

    __slots__ = ("lasts", "runs")

    def __init__(self) -> None:
        self.runs: list[list[T]] = []
        self.lasts: list[T] = []

    def add(self, value: T) -> None:
        """Add *value*, which is not here yet."""
        runs, lasts = self.runs, self.lasts
        i = bisect.bisect_left(lasts, value)
        if i < len(runs):
            run = runs[i]
            bisect.insort(run, value)
        elif runs:  # after every value: at the end of the last run
            i -= 1
            run = runs[i]
            run.append(value)
            lasts[i] = value
        else:
            runs.append([value])
            lasts.append(value)
            return
        self._split(i)

    def remove(self, value: T) -> None:
        """Remove *value*, which is here."""
        runs, lasts = self.runs, self.lasts
        i = bisect.bisect_left(lasts, value)
        run = runs[i]
        del run[bisect.bisect_left(run, value)]
        if not run:
            del runs[i], lasts[i]
            return
        lasts[i] = run[-1]
        if len(run) <= _RUN // 4 and len(runs) > 1:  # join the next run (the last: the one before)
            if i == len(runs) - 1:
                i -= 1
            runs[i].extend(runs.pop(i + 1))
            lasts[i] = lasts.pop(i + 1)
            self._split(i)

    def _split(self, i: int) -> None:
        run = self.runs[i]
        if len(run) > _RUN:
            half = len(run) // 2
            self.runs.insert(i + 1, run[half:])
            del run[half:]
            self.lasts.insert(i, run[-1])

    def page(self, after: T | None, limit: int) -> list[T]:
        """Up to *limit* values greater than *after* (from the first if ``None``), in order."""
        runs = self.runs
        i = j = 0
        if after is not None:
            i = bisect.bisect_right(self.lasts, after)
            if i < len(runs):
                j = bisect.bisect_right(runs[i], after)
        out: list[T] = []
        while i < len(runs) and len(out) < limit:
            out.extend(runs[i][j : j + limit - len(out)])
            i, j = i + 1, 0
        return out

    def __iter__(self) -> Iterator[T]:
        return itertools.chain.from_iterable(self.runs)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Sorted) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"_Sorted({list(self)!r})"
