"""Plots (grafieken) of :func:`compare` results, on matplotlib (the ``sim`` extra).

Each helper takes the rows of :func:`compare` and returns a
:class:`matplotlib.figure.Figure` made without pyplot, so it works on any backend
(Agg included) and in notebooks, where a figure shows as an image. Bars are the mean
over replications; the whiskers span the smallest to the largest replication.

>>> from verwijsindex.simulation import Scenario, compare
>>> rows = compare([Scenario("a")], years=1, population_fraction=0.003)
>>> [ax.get_ylabel() for ax in plot_matches(rows).axes]
['share of linked youths with a match', 'count over the run']
>>> plot_matches(Rows([]))
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidRecordError: plots take the rows of compare(): a non-empty Rows
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from math import isnan
from typing import TYPE_CHECKING, Any

from verwijsindex.errors import ConfigurationError, InvalidRecordError
from verwijsindex.simulation._rows import Rows, summarise

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_information", "plot_lifecycle", "plot_matches", "plot_time_to_match"]

_BANDS = (("under_12", "under 12"), ("12_15", "12-15"), ("16_22", "16-22"))


def _new_figure(columns: int, title: str | None, width: float = 5.5) -> tuple[Figure, list[Axes]]:
    try:
        figure_module = importlib.import_module("matplotlib.figure")
    except ImportError as error:
        raise ConfigurationError(
            "plots need matplotlib: pip install 'verwijsindex[sim]'"
        ) from error
    figure: Figure = figure_module.Figure(figsize=(width * columns, 4.2), layout="constrained")
    axes = figure.subplots(1, columns, squeeze=False)[0]
    if title:
        figure.suptitle(title)
    return figure, list(axes)


class _Stats:
    """Mean, min and max of each metric per scenario, from a compare() result."""

    def __init__(self, rows: Rows | Sequence[dict[str, Any]]) -> None:
        if not isinstance(rows, Rows):
            rows = Rows(rows)
        if not rows or "scenario" not in rows.columns:
            raise InvalidRecordError("plots take the rows of compare(): a non-empty Rows")
        summary = rows.summary if rows.summary is not None else summarise(rows)
        self.runs = rows
        self.scenarios = list(dict.fromkeys(str(r["scenario"]) for r in rows))
        self._by = {(str(r["scenario"]), str(r["metric"])): r for r in summary}

    def get(self, metric: str, key: str = "mean") -> list[float]:
        out = []
        for scenario in self.scenarios:
            value = self._by[(scenario, metric)][key]
            out.append(float(value) if isinstance(value, int | float) else float("nan"))
        return out

    def spread(self, metric: str) -> list[list[float]]:
        mean, low, high = self.get(metric), self.get(metric, "min"), self.get(metric, "max")
        return [
            [m - lo for m, lo in zip(mean, low, strict=True)],
            [h - m for m, h in zip(mean, high, strict=True)],
        ]

    def values(self, metric: str) -> list[tuple[int, float]]:
        """(scenario position, value) of every replication."""
        place = {s: i for i, s in enumerate(self.scenarios)}
        return [
            (place[str(r["scenario"])], float(v))
            for r in self.runs
            if isinstance(v := r.get(metric), int | float)
        ]


def _grouped(ax: Axes, stats: _Stats, metrics: Sequence[tuple[str, str]], ylabel: str) -> None:
    count = len(metrics)
    width = 0.8 / count
    positions = range(len(stats.scenarios))
    top = 0.0
    for k, (metric, label) in enumerate(metrics):
        xs = [p - 0.4 + width * (k + 0.5) for p in positions]
        means, spread = stats.get(metric), stats.spread(metric)
        ax.bar(xs, means, width, yerr=spread, capsize=3, label=label)
        top = max([top, *(m + s for m, s in zip(means, spread[1], strict=True) if not isnan(m))])
    ax.set_xticks(list(positions), stats.scenarios, rotation=20, ha="right")
    ax.set_ylabel(ylabel)
    rows_of_legend = -(-count // 4)
    ax.set_ylim(0, max(top, 1.0) * (1.15 + 0.12 * rows_of_legend))  # room for the legend
    ax.legend(fontsize="small", ncols=min(count, 4), loc="upper center")


def plot_matches(rows: Rows, *, title: str | None = "Matches") -> Figure:
    """Share of linked youths matched per scenario (replications as dots), and the
    number of matches, cross-region matches and family signals."""
    stats = _Stats(rows)
    figure, (left, right) = _new_figure(2, title)
    positions = list(range(len(stats.scenarios)))
    left.bar(positions, stats.get("share_matched"), 0.6, yerr=stats.spread("share_matched"),
             capsize=3, color="tab:blue", alpha=0.8)  # fmt: skip
    dots = stats.values("share_matched")
    left.plot([x for x, _ in dots], [y for _, y in dots], "o", color="black", markersize=3)
    left.set_xticks(positions, stats.scenarios, rotation=20, ha="right")
    left.set_ylabel("share of linked youths with a match")
    left.set_ylim(bottom=0)
    _grouped(
        right,
        stats,
        [
            ("matches", "matches"),
            ("cross_region_matches", "cross-region"),
            ("family_signals", "family signals"),
        ],
        "count over the run",
    )
    return figure


def plot_time_to_match(rows: Rows, *, title: str | None = "Days to a first match") -> Figure:
    """Median and mean days from a youth's first link to their first match."""
    stats = _Stats(rows)
    figure, (ax,) = _new_figure(1, title, width=7)
    _grouped(
        ax,
        stats,
        [("days_to_match_median", "median"), ("days_to_match_mean", "mean")],
        "days",
    )
    return figure


def plot_information(rows: Rows, *, title: str | None = "Informing youths and parents") -> Figure:
    """Whom each scenario's policy informs, by recipient and age band (stacked), and the
    links that inform fewer or others than the statute."""
    stats = _Stats(rows)
    figure, (left, right) = _new_figure(2, title)
    positions = list(range(len(stats.scenarios)))
    bottom = [0.0] * len(positions)
    for recipient, label in (("youth", "youth"), ("representative", "legal representative")):
        for band, band_label in _BANDS:
            values = stats.get(f"duty_{recipient}_{band}")
            left.bar(positions, values, 0.6, bottom=bottom, label=f"{label}, {band_label}")
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    left.set_xticks(positions, stats.scenarios, rotation=20, ha="right")
    left.set_ylabel("links with a duty to inform")
    left.set_ylim(0, max(max(bottom), 1.0) * 1.6)  # room for the legend
    left.legend(fontsize="x-small", ncols=2, loc="upper center")
    _grouped(
        right,
        stats,
        [
            ("not_informed_links", "not informed (vs statute)"),
            ("over_informed_links", "over-informed (vs statute)"),
        ],
        "links",
    )
    return figure


def plot_lifecycle(rows: Rows, *, title: str | None = "Lifecycle of links") -> Figure:
    """Links made and renewed, archive hints, and how links ended: expired, withdrawn
    (both grounds), deleted at the age limit, purged."""
    stats = _Stats(rows)
    figure, (ax,) = _new_figure(1, title, width=10)
    _grouped(
        ax,
        stats,
        [
            ("links", "links"),
            ("renewals", "renewed"),
            ("archive_hints", "archive hints"),
            ("expired", "expired"),
            ("withdrawn_risk_resolved", "withdrawn: resolved"),
            ("withdrawn_unjustified", "withdrawn: unjustified"),
            ("deleted_links", "deleted at age limit"),
            ("purged", "purged"),
        ],
        "count over the run",
    )
    return figure
