"""Plots (grafieken) of :func:`compare` results, on matplotlib (the ``sim`` extra).

Each helper takes the rows of :func:`compare` and returns a
:class:`matplotlib.figure.Figure` made without pyplot, so it works on any backend
(Agg included) and in notebooks, where a figure shows as an image. Bars are the mean
over replications; the whiskers span the smallest to the largest replication.

Under the plot, a caption (the figure's ``supxlabel``) names what was run, read from
the rows: the area and its youths, the years, the seed and replications, the scenarios
(and the policy, match rule and active period they differ in or share), and what the
bars and whiskers are:

>>> from verwijsindex.simulation import Scenario, compare
>>> rows = compare(
...     [Scenario("statute"), Scenario("leaflet", policy="leaflet-zuid-limburg")],
...     years=1, seed=1, replications=2, population_fraction=0.003,
... )
>>> figure = plot_matches(rows)
>>> [ax.get_ylabel() for ax in figure.axes]
['share of linked youths with a match', 'count over the run']
>>> print(figure.get_suptitle())
Matches
>>> print(figure.get_supxlabel())
Zuid-Limburg, 392 youths under 23 at the start; 1 year; seed 1, 2 replications
Scenarios, differing in policy: statute, leaflet (policy leaflet-zuid-limburg); all with match
rule different-organisations, 2 years active
Bars: mean over the 2 replications of each scenario; whiskers: min to max over the replications
(not a confidence interval); dots: each replication's share matched
>>> plot_matches(Rows([]))
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidRecordError: plots take the rows of compare(): a non-empty Rows
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence
from math import isnan
from typing import TYPE_CHECKING, Any

from verwijsindex._optional import optional
from verwijsindex.errors import InvalidRecordError
from verwijsindex.simulation._rows import Rows, summarise

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["plot_information", "plot_lifecycle", "plot_matches", "plot_time_to_match"]

_BANDS = (("under_12", "under 12"), ("12_15", "12-15"), ("16_22", "16-22"))

#: How the caption names an area of :data:`~verwijsindex.simulation.AREAS`.
_AREA_NAMES = {"zuid-limburg": "Zuid-Limburg", "country": "the Netherlands (Zuid-Limburg scaled)"}

#: What a scenario sets: the columns of a row, and what the caption calls them.
_SETTINGS = (("policy", "policy"), ("match_rule", "match rule"), ("active_years", "active period"))


def _say(column: str, value: object) -> str:
    """A scenario's setting as the caption says it, e.g. "match rule any-two-links"."""
    if column == "active_years":
        return f"{value} year{'' if value == 1 else 's'} active"
    return f"{column.replace('_', ' ')} {value}"


def _new_figure(columns: int, title: str | None, width: float = 5.5) -> tuple[Figure, list[Axes]]:
    figure_module = optional("matplotlib.figure", "drawing a plot")
    figure: Figure = figure_module.Figure(figsize=(width * columns, 4.2), layout="constrained")
    axes = figure.subplots(1, columns, squeeze=False)[0]
    if title:
        figure.suptitle(title)
    return figure, list(axes)


def _listed(values: Sequence[object], *, grouped: bool = False) -> str:
    """Values joined by commas; with *grouped*, whole numbers as 26,012 (not seeds)."""
    return ", ".join(f"{v:,}" if grouped and isinstance(v, int) else f"{v}" for v in values)


def _and(words: Sequence[str]) -> str:
    return " and ".join([", ".join(words[:-1]), words[-1]] if len(words) > 2 else words)


def _distinct(rows: Rows, column: str) -> list[Any]:
    return list(dict.fromkeys(r.get(column) for r in rows))


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

    # --- the caption: what was run, read from the rows --------------------------------------

    def population(self) -> str:
        """Area and youths under 23 on the first day, e.g. "Zuid-Limburg, 26,012 youths"."""
        sizes: dict[str, list[Any]] = {}
        for r in self.runs:
            area = r.get("area")
            name = _AREA_NAMES.get(str(area), str(area)) if area is not None else "area unknown"
            sizes.setdefault(name, [])
            if r.get("population") not in sizes[name]:
                sizes[name].append(r.get("population"))
        told = []
        for name, counts in sizes.items():
            known = [c for c in counts if isinstance(c, int)]
            told.append(f"{name}, {_listed(known, grouped=True) or 'an unknown number of'} youths")
        return " and ".join(told) + " under 23 at the start"

    def run(self) -> str:
        """Years, seed(s) and replications, e.g. "3 years; seed 2026, 3 replications"."""
        years = [y for y in _distinct(self.runs, "years") if y is not None]
        seeds = [s for s in _distinct(self.runs, "seed") if s is not None]
        numbers = sorted({v for r in self.runs if isinstance(v := r.get("replication"), int)})
        year_text = f"{_listed(years) or '?'} year{'' if years == [1] else 's'}"
        seed_text = f"seed{'' if len(seeds) == 1 else 's'} {_listed(seeds) or 'unknown'}"
        count = len(numbers)
        replication_text = f"{count} replication{'' if count == 1 else 's'}"
        if not numbers:
            replication_text = "replications not recorded"
        elif numbers != list(range(count)):
            replication_text += f" ({_listed(numbers)})"
        return f"{year_text}; {seed_text}, {replication_text}"

    def settings(self) -> str:
        """The scenarios, what they differ in and what they share."""
        of = {s: self.runs.where(scenario=s) for s in self.scenarios}
        differ, share = [], []
        own: dict[str, list[str]] = {s: [] for s in self.scenarios}
        for column, label in _SETTINGS:
            values = _distinct(self.runs, column)
            if values == [None]:
                continue
            if len(values) == 1:
                share.append(_say(column, values[0]))
                continue
            differ.append(label)
            for scenario, runs in of.items():
                mine = [v for v in _distinct(runs, column) if v is not None]
                if not any(_say(column, v) in scenario or f"{v}" == scenario for v in mine):
                    own[scenario].append(" or ".join(_say(column, v) for v in mine))
        named = [f"{s} ({', '.join(own[s])})" if own[s] else s for s in self.scenarios]
        text = f"Scenario{'' if len(named) == 1 else 's'}"
        if differ and len(named) > 1:
            text += f", differing in {_and(differ)}"
        text += f": {', '.join(named)}"
        if share:
            text += f"; all with {', '.join(share)}"
        return text

    def mean(self) -> str:
        """What a bar is: the mean over the replications of each scenario."""
        per = {len(self.runs.where(scenario=s)) for s in self.scenarios}
        if per == {1}:
            return "the one replication of each scenario"
        over = f"the {per.pop()} replications" if len(per) == 1 else "the replications"
        return f"mean over {over} of each scenario"

    def whiskers(self) -> str:
        """What the whiskers are: the smallest to the largest replication."""
        if all(len(self.runs.where(scenario=s)) == 1 for s in self.scenarios):
            return "whiskers (min to max over the replications) have no length"
        return "whiskers: min to max over the replications (not a confidence interval)"

    def caption(self, figure: Figure, *notes: str) -> None:
        """Put the caption under *figure*: what was run, then *notes*, each line wrapped."""
        lines = [f"{self.population()}; {self.run()}", self.settings(), *notes]
        wrap = max(40, round(figure.get_figwidth() * 15))
        text = "\n".join(textwrap.fill(line, wrap) for line in lines)
        figure.supxlabel(text, x=0.01, ha="left", multialignment="left", fontsize="small")


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
    stats.caption(
        figure,
        f"Bars: {stats.mean()}; {stats.whiskers()}; dots: each replication's share matched",
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
    left_out = any(
        r.get(m) is None for r in stats.runs for m in ("days_to_match_median", "days_to_match_mean")
    )
    stats.caption(
        figure,
        "Bars: the median and mean days from a youth's first link to their first match "
        "(matched youths only"
        + ("; a replication without matches is left out" if left_out else "")
        + f"), {stats.mean()}; {stats.whiskers()}",
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
    stats.caption(
        figure,
        f"Bars: {stats.mean()}; {stats.whiskers()}; the stacked bars (left) have no whiskers",
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
    stats.caption(figure, f"Bars: {stats.mean()}; {stats.whiskers()}")
    return figure
