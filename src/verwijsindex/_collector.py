"""Pausing Python's cyclic garbage collector, for a process that is yours alone.

An import, a catch-up sweep or a simulation on the memory store builds hundreds of
thousands of small objects (dossiers, links, log entries) that live on, and none of them
in reference cycles: reference counting frees whatever is dropped. The cyclic collector
still walks them again and again as the heap grows (in a bulk import of 50 thousand links
on the memory store that was 40 % of the time, and it collected nothing).

The setting is the process's, not the caller's: turned off in one thread, it is off for
every thread of a web server. So the library never touches it (decision 58). A process
that runs one job and nothing else (the command line, a nightly import, a notebook's
simulation) may: :func:`paused` (``verwijsindex.collector_paused``) turns it off for a
block and restores the setting afterwards; cycles made meanwhile are collected then.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["paused"]


@contextmanager
def paused() -> Iterator[None]:
    """Disable the cyclic garbage collector for the block, and give the setting back.

    Process-wide: use it only in a process whose every thread is yours (a command, a batch
    job, a notebook), never inside a server that handles other requests meanwhile.

    >>> import gc
    >>> from verwijsindex import collector_paused
    >>> with collector_paused():
    ...     gc.isenabled()
    False
    >>> gc.isenabled()
    True
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
