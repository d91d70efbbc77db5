"""Tidy rows (nette tabellen) of simulation results, and :func:`compare`.

>>> rows = Rows([{"scenario": "a", "links": 3}, {"scenario": "a", "links": 5}])
>>> rows.column("links"), rows.columns
([3, 5], ('scenario', 'links'))
>>> summarise(rows).where(metric="links")[0]
{'scenario': 'a', 'metric': 'links', 'n': 2, 'mean': 4.0, 'stdev': 1.414..., 'min': 3.0, 'max': 5.0}
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, overload

import attrs

from verwijsindex._optional import optional
from verwijsindex.errors import ConfigurationError, InvalidRecordError
from verwijsindex.simulation._assumptions import Assumptions, checked
from verwijsindex.simulation._population import Population, synthetic_population
from verwijsindex.simulation._run import (
    METRICS,
    Progress,
    Row,
    Scenario,
    Value,
    check_years,
    run_scenario,
)
from verwijsindex.simulation._staff import build_staff
from verwijsindex.storage import Store

__all__ = ["Rows", "compare", "summarise"]

_IN_MEMORY = ("memory://", "sqlite://", "sqlite:///:memory:")


def _rows(value: Iterable[Row]) -> tuple[Row, ...]:
    return tuple(dict(r) for r in value)


@attrs.frozen
class Rows(Sequence[Row]):
    """Tidy rows: a read-only sequence of dicts with the same keys, one per observation.

    :func:`compare` returns one row per scenario and replication, with ``summary``
    holding one row per scenario and metric (mean, stdev, min, max over replications).
    Rows compare equal when their contents are equal.
    """

    rows: tuple[Row, ...] = attrs.field(converter=_rows)
    summary: Rows | None = None

    @overload
    def __getitem__(self, i: int) -> Row: ...
    @overload
    def __getitem__(self, i: slice) -> Sequence[Row]: ...
    def __getitem__(self, i: int | slice) -> Row | Sequence[Row]:
        return self.rows[i]

    def __len__(self) -> int:
        return len(self.rows)

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)

    def __repr__(self) -> str:
        extra = f", summary={len(self.summary)} rows" if self.summary is not None else ""
        return f"<Rows {len(self.rows)} rows, columns {list(self.columns)!r}{extra}>"

    @property
    def columns(self) -> tuple[str, ...]:
        """The keys of the rows, in order."""
        return tuple(self.rows[0]) if self.rows else ()

    def column(self, name: str) -> list[Value]:
        """The values of column *name*, row by row."""
        if self.rows and name not in self.rows[0]:
            raise InvalidRecordError(f"no column {name!r}; columns: {', '.join(self.columns)}")
        return [r[name] for r in self.rows]

    def where(self, **equal: Value) -> Rows:
        """The rows whose columns equal the given values, e.g. ``where(scenario="statute")``."""
        return Rows(r for r in self.rows if all(r.get(k) == v for k, v in equal.items()))

    def to_pandas(self) -> Any:
        """A :class:`pandas.DataFrame` of the rows (needs pandas: the ``sim`` extra)."""
        pandas = optional("pandas", "to_pandas()")
        return pandas.DataFrame.from_records(list(self.rows), columns=list(self.columns))


def summarise(rows: Iterable[Row], *, by: str = "scenario") -> Rows:
    """One row per value of *by* and metric: ``mean``, ``stdev`` (0 for one value),
    ``min``, ``max`` and ``n`` over the rows that have a value (``None`` is left out)."""
    groups: dict[Value, list[Row]] = {}
    for given in rows:
        groups.setdefault(given[by], []).append(given)
    out: list[Row] = []
    for key, members in groups.items():
        for metric in METRICS:
            values = [float(v) for r in members if isinstance(v := r.get(metric), int | float)]
            row: Row = {by: key, "metric": metric, "n": len(values)}
            if values:
                row |= {
                    "mean": statistics.fmean(values),
                    "stdev": statistics.stdev(values) if len(values) > 1 else 0.0,
                    "min": min(values),
                    "max": max(values),
                }
            else:
                row |= dict.fromkeys(("mean", "stdev", "min", "max"))
            out.append(row)
    return Rows(out)


def compare(
    scenarios: Iterable[Scenario],
    *,
    years: int,
    seed: int = 0,
    replications: int = 1,
    population: str | Population = "zuid-limburg",
    population_fraction: float = 1.0,
    store_url: str | Callable[[], Store] = "memory://",
    assumptions: Assumptions | None = None,
    progress: Progress | None = None,
) -> Rows:
    """Run every scenario *replications* times for *years* and return tidy rows.

    *population* is an area (``"zuid-limburg"``, ``"country"``), drawn once from *seed*
    at *population_fraction*, or a :class:`Population`. Replication *r* draws its world
    from *seed* and *r*; every scenario of a replication sees the same world. Each run
    gets a fresh store from *store_url* (a URL of an in-memory store, or a callable
    returning an empty store); a file or server URL holds only one run. Each store is
    closed after its run.
    """
    a = checked(assumptions)
    chosen = list(scenarios) if not isinstance(scenarios, Scenario) else [scenarios]
    if not chosen or not all(isinstance(s, Scenario) for s in chosen):
        raise InvalidRecordError("compare() takes one or more Scenario values")
    names = [s.name for s in chosen]
    if len(set(names)) != len(names):
        raise InvalidRecordError("scenario names must be different from each other")
    check_years(years)
    if isinstance(replications, bool) or not isinstance(replications, int) or replications < 1:
        raise InvalidRecordError("replications must be a whole number, 1 or more")
    if isinstance(population, str):
        people = synthetic_population(
            population, seed=seed, fraction=population_fraction, years=years, assumptions=a
        )
    elif isinstance(population, Population):
        people = population
    else:
        raise InvalidRecordError("population must be an area name or a Population")
    runs = len(chosen) * replications
    if isinstance(store_url, str):
        if runs > 1 and store_url not in _IN_MEMORY:
            raise ConfigurationError(
                f"{store_url} holds one run; compare() runs {runs}: use memory://, "
                "sqlite:// or a callable that returns an empty store"
            )
    elif not callable(store_url):
        raise ConfigurationError("store_url must be a store URL or a callable")
    staff = build_staff(people, a)
    rows: list[Row] = []
    for replication in range(replications):
        for number, scenario in enumerate(chosen):
            done = replication * len(chosen) + number

            def report(fraction: float, done: int = done) -> None:
                if progress is not None:
                    progress((done + fraction) / runs)

            store = store_url if isinstance(store_url, str) else store_url()
            run = run_scenario(
                scenario,
                people,
                years=years,
                seed=seed,
                replication=replication,
                store=store,
                assumptions=a,
                staff=staff,
                progress=report,
            )
            run.index.store.close()
            rows.append(run.row)
    order = {name: i for i, name in enumerate(names)}
    rows.sort(key=lambda r: (order[str(r["scenario"])], r["replication"]))
    return Rows(rows, summary=summarise(rows))
