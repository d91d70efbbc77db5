"""Simulation speed: simulated youth-years per second, with peak memory.

Each scenario runs the statute on the real index over a memory store, through
``verwijsindex.simulation`` (``synthetic_population`` then ``run_scenario``): Zuid-Limburg
(about 130 thousand youths) and the whole country (about 4.5 million youths, about 100
thousand links a year), 5 simulated years each.

The raw baseline is a plain loop drawing one random number per youth per simulated year,
the floor for any simulation in Python that looks at every youth. Each side runs in a
fresh process, so peak memory is the scenario's own: ``VmHWM`` counted from the start
of the run (``ru_maxrss`` would include the parent's size at the fork).
"""

from __future__ import annotations

import multiprocessing
import random
import resource
import time
from typing import Any

from benchmarks._backends import Settings
from benchmarks._report import Figure, Timing, emit
from verwijsindex.simulation import Scenario, run_scenario, synthetic_population

__all__ = ["run"]

SCENARIOS = (
    ("simulation.zuid-limburg", "zuid-limburg"),
    ("simulation.nl", "country"),
)
"""(name, area)."""
YEARS = 5


def _simulate(area: str, fraction: float, years: int) -> tuple[int, int]:
    """Run the statute for *years* on a synthetic population of *area* (a memory store);
    return how many youths it started with and how many links were made."""
    population = synthetic_population(area, seed=1, fraction=fraction, years=years)
    run = run_scenario(Scenario("statute"), population, years=years, seed=1)
    run.index.store.close()
    links = run.row["links"]
    assert isinstance(links, int)
    return int(population.at_start), links


def _raw(youths: int, years: int) -> None:
    rng = random.Random(7)
    drawn = 0
    for _ in range(years):
        for _ in range(youths):
            if rng.random() < 0.02:
                drawn += 1


def _reset_peak() -> None:
    """Start the peak-memory count afresh (Linux): a child inherits ``ru_maxrss`` from
    the parent that forked it, and the benchmark process may hold a million links."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def _peak_kb() -> int:
    """The peak resident memory since :func:`_reset_peak`, in KiB (``VmHWM``), or
    ``ru_maxrss`` where /proc has no such line."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _measure(kind: str, area: str, fraction: float, years: int, youths: int, results: Any) -> None:
    _reset_peak()
    start = time.perf_counter()
    links = 0
    if kind == "raw":
        _raw(youths, years)
    else:
        youths, links = _simulate(area, fraction, years)
    seconds = time.perf_counter() - start
    results.put((seconds, youths, links, _peak_kb()))


def _in_process(*args: Any) -> tuple[float, int, int, int]:
    ctx = multiprocessing.get_context("spawn")
    results = ctx.Queue()
    process = ctx.Process(target=_measure, args=(*args, results))
    process.start()
    found: tuple[float, int, int, int] = results.get(timeout=3_600)
    process.join(60)
    return found


def run(settings: Settings, backend: str) -> None:
    years = settings.size(1, YEARS)
    for name, area in SCENARIOS:
        fraction = settings.size(1, 1_000) / 1_000 if area == "zuid-limburg" else 1.0
        if settings.quick:
            fraction = 0.002 if area == "zuid-limburg" else 0.0001
        ours_s, simulated, links, ours_kb = _in_process("ours", area, fraction, years, 0)
        raw_s, *_ = _in_process("raw", area, fraction, years, simulated)
        note = (
            f"youth-years/s; {simulated:,} youths x {years} years in {ours_s:.1f} s, "
            f"peak memory {ours_kb / 1024:,.0f} MB; {links:,} links made"
        )
        emit(
            Figure(
                name,
                backend,
                simulated,
                Timing(simulated * years, ours_s),
                Timing(simulated * years, raw_s),
                note,
            )
        )
