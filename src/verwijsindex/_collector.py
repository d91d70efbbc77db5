"""Pausing Python's cyclic garbage collector during the library's long, allocating runs.

An import or a simulation builds hundreds of thousands of small objects (dossiers, links,
log entries) that live on, and none of them in reference cycles: reference counting frees
whatever is dropped. The cyclic collector would still walk them all again and again as
the heap grows (in a bulk import of 50 thousand links on the memory store that was 40 % of
the time, and it collected nothing). :func:`paused` turns it off for the run and restores
the caller's setting afterwards; cycles made meanwhile are collected after the run.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]


@contextmanager
def paused() -> Iterator[None]:
    """Disable the cyclic garbage collector for the block, if it was enabled."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
