"""``python -m benchmarks [--quick] [--only NAME ...] [--backend B ...] [--postgres-url URL]``."""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence

from benchmarks import BENCHMARKS
from benchmarks._backends import BACKENDS, Settings
from benchmarks._report import skip

_ENV = ("VERWIJSINDEX_BENCH_POSTGRES_URL", "VERWIJSINDEX_TEST_POSTGRES_URL")


def _parse(argv: Sequence[str] | None) -> Settings:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Benchmarks of the verwijsindex, each beside a raw baseline.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="tiny sizes: checks that every benchmark runs"
    )
    parser.add_argument(
        "--only",
        action="append",
        default=[],
        choices=sorted(BENCHMARKS),
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(sorted(BENCHMARKS))}",
    )
    parser.add_argument(
        "--backend", action="append", default=[], choices=BACKENDS, help="repeatable"
    )
    parser.add_argument(
        "--postgres-url",
        default=next((os.environ[v] for v in _ENV if os.environ.get(v)), None),
        help=f"PostgreSQL server to use (default: ${_ENV[0]} or ${_ENV[1]})",
    )
    parser.add_argument(
        "--fill",
        choices=("load", "bulk"),
        default="load",
        help="fill the 10k/1M stores with the direct loader (default) or bulk_register (slow)",
    )
    args = parser.parse_args(argv)
    return Settings(
        quick=args.quick,
        only=frozenset(args.only),
        backends=tuple(args.backend) or BACKENDS,
        postgres_url=args.postgres_url,
        fill=args.fill,
    )


def _header(settings: Settings) -> None:
    mode = "quick (tiny sizes; figures mean nothing)" if settings.quick else "full"
    print(
        f"verwijsindex benchmarks, {mode}: Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}, {os.cpu_count()} CPUs",
        flush=True,
    )


def main(argv: Sequence[str] | None = None) -> int:
    settings = _parse(argv)
    _header(settings)
    start = time.perf_counter()
    for name, (backends, run) in BENCHMARKS.items():
        if not settings.wants(name):
            continue
        for backend in backends:
            if backend not in settings.backends:
                continue
            if backend == "postgres" and not settings.postgres_url:
                skip(name, backend, f"set {_ENV[0]} or {_ENV[1]} (or --postgres-url)")
                continue
            _run(run, settings, backend)
    print(f"done in {time.perf_counter() - start:.0f} s", flush=True)
    return 0


def _run(run: Callable[[Settings, str], None], settings: Settings, backend: str) -> None:
    run(settings, backend)


if __name__ == "__main__":
    sys.exit(main())
