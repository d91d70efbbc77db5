"""Benchmarks of the verwijsindex, each printed beside a raw baseline from the same run.

``python -m benchmarks`` runs them all (``make bench``); ``--quick`` runs every one at a
tiny size in seconds (``make test`` does, so they never rot; no time is asserted).
See docs/performance.md for the figures and what they mean.

A benchmark is a function ``run(settings, backend)`` that prints its figures with
:func:`benchmarks._report.emit`; :data:`BENCHMARKS` lists them in the order they run.
"""

from __future__ import annotations

from collections.abc import Callable

from benchmarks import concurrency, irreducible, large, logbook, registration, simulation
from benchmarks._backends import Settings

__all__ = ["BENCHMARKS"]

Run = Callable[[Settings, str], None]

BENCHMARKS: dict[str, tuple[tuple[str, ...], Run]] = {
    "register-single": (("memory", "sqlite", "postgres"), registration.run_single),
    "register-bulk": (("memory", "sqlite", "postgres"), registration.run_bulk),
    "irreducible": (("memory",), irreducible.run),
    "stored-10k": (("memory", "sqlite", "postgres"), large.run_10k),
    "stored-1m": (("memory", "sqlite", "postgres"), large.run_1m),
    "logbook": (("memory", "sqlite", "postgres"), logbook.run),
    "concurrent": (("sqlite", "postgres"), concurrency.run),
    "simulation": (("memory",), simulation.run),
}
"""name -> (backends it runs on, function). ``stored-1m`` builds one store of a million
links per backend and runs on it, in order: registration latency, ``matches_for``, the
access report, and the sweeps (which change the store, so they come last)."""
