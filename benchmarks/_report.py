"""Measuring and printing: one line per figure, with its raw baseline and the ratio.

A line reads::

    register.single   sqlite    n=2000     1,650 ops/s  p50 0.52 ms  p99 1.10 ms | raw ...

``ratio`` is always our throughput divided by the raw baseline's throughput, measured in
the same run on the same kind of data: 0.40x means the library does the work at 40 % of
the speed of hand-written code doing the same reads and writes.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

__all__ = ["Figure", "Timing", "emit", "note", "percentile", "skip", "time_each", "time_total"]

T = TypeVar("T")


def percentile(sorted_ns: list[int], q: float) -> float:
    """The *q* quantile (nearest rank) of sorted nanosecond latencies, in milliseconds."""
    if not sorted_ns:
        return float("nan")
    rank = min(len(sorted_ns) - 1, max(0, int(q * len(sorted_ns) + 0.5) - 1))
    return sorted_ns[rank] / 1e6


@dataclass
class Timing:
    """*count* operations in *seconds*, with per-operation latencies when taken."""

    count: int
    seconds: float
    latencies_ns: list[int] = field(default_factory=list)

    @property
    def ops(self) -> float:
        return self.count / self.seconds if self.seconds > 0 else float("inf")

    def p(self, q: float) -> float | None:
        if not self.latencies_ns:
            return None
        return percentile(sorted(self.latencies_ns), q)

    @staticmethod
    def merge(parts: Iterable[Timing], seconds: float) -> Timing:
        """Timings of workers that ran side by side for *seconds* of wall time."""
        count = 0
        latencies: list[int] = []
        for part in parts:
            count += part.count
            latencies.extend(part.latencies_ns)
        return Timing(count, seconds, latencies)


def settle() -> None:
    """Collect garbage before a measured side, so that neither side pays for the
    collector walking the other side's leftovers (the memory store of a run can hold
    millions of objects)."""
    gc.collect()


def time_each(items: Iterable[T], action: Callable[[T], object]) -> Timing:
    """Run *action* on every item, timing each call and the whole."""
    latencies: list[int] = []
    clock = time.perf_counter_ns
    start = clock()
    for item in items:
        t0 = clock()
        action(item)
        latencies.append(clock() - t0)
    return Timing(len(latencies), (clock() - start) / 1e9, latencies)


def time_alternating(
    pairs: Iterable[tuple[Callable[[], object], Callable[[], object]]],
) -> tuple[Timing, Timing]:
    """Run the two calls of each pair one after the other, timing each: two sides that
    alternate call by call see the same machine, so a load that comes and goes on a
    shared machine slows both alike. Which side goes first alternates too (A B, B A, ...),
    so that neither always runs right after the other (a connection just used, a cache
    just warmed, a collection the other side started). Each side's time is the sum of its
    own calls. The two share one heap: meant for stores whose records live outside it
    (SQLite, PostgreSQL), not for the memory store."""
    first: list[int] = []
    second: list[int] = []
    clock = time.perf_counter_ns
    for i, (a, b) in enumerate(pairs):
        turns = ((a, first), (b, second)) if i % 2 == 0 else ((b, second), (a, first))
        for call, into in turns:
            t0 = clock()
            call()
            into.append(clock() - t0)
    return (
        Timing(len(first), sum(first) / 1e9, first),
        Timing(len(second), sum(second) / 1e9, second),
    )


def time_total(count: int, action: Callable[[], object]) -> Timing:
    """Time one call of *action* that does *count* operations."""
    start = time.perf_counter()
    action()
    return Timing(count, time.perf_counter() - start)


def _ms(value: float | None) -> str:
    return "      -   " if value is None else f"{value:7.2f} ms"


def _ratio(value: float) -> str:
    return f"{value:6.2f}x" if value >= 0.1 else f"{value:6.1g}x"


def _ops(value: float) -> str:
    return f"{value:>10,.0f}/s"


@dataclass
class Figure:
    name: str
    backend: str
    n: int
    ours: Timing
    raw: Timing
    note: str = ""

    @property
    def ratio(self) -> float:
        return self.ours.ops / self.raw.ops if self.raw.ops else float("nan")

    def line(self) -> str:
        o, r = self.ours, self.raw
        tail = f"  ({self.note})" if self.note else ""
        return (
            f"{self.name:<24} {self.backend:<15} n={self.n:<8,} {_ops(o.ops)} "
            f"p50{_ms(o.p(0.5))} p99{_ms(o.p(0.99))} | raw {_ops(r.ops)} "
            f"p50{_ms(r.p(0.5))} p99{_ms(r.p(0.99))} | {_ratio(self.ratio)} raw{tail}"
        )


FIGURES: list[Figure] = []


def emit(figure: Figure) -> Figure:
    """Print *figure* (and keep it for the summary)."""
    FIGURES.append(figure)
    print(figure.line(), flush=True)
    return figure


def skip(name: str, backend: str, reason: str) -> None:
    print(f"{name:<24} {backend:<15} skipped: {reason}", flush=True)


def note(text: str) -> None:
    """A progress or context line, on stderr so the figures stay a clean table."""
    print(f"  .. {text}", file=sys.stderr, flush=True)
