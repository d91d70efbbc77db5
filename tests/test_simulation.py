"""The policy simulation: it drives the real index, deterministically, on any store."""

from __future__ import annotations

import io
import math
import statistics
import sys
from collections import Counter
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import attrs
import pytest

from verwijsindex.clock import age_on
from verwijsindex.errors import (
    ConfigurationError,
    InvalidRecordError,
    NotFoundError,
    VerwijsindexError,
)
from verwijsindex.matching import MatchRule, Rules
from verwijsindex.model import LogAction, is_valid_bsn
from verwijsindex.regions import LEAFLET_WESTELIJKE_MIJNSTREEK, STATUTORY, ZUID_LIMBURG
from verwijsindex.simulation import (
    KNOWN_ORGANISATIONS,
    METRICS,
    Assumptions,
    KindWeights,
    OrganisationKind,
    Population,
    Rows,
    Scenario,
    area_regions,
    build_staff,
    compare,
    match_rule_scenarios,
    plot_information,
    plot_lifecycle,
    plot_matches,
    plot_time_to_match,
    policy_scenarios,
    run_scenario,
    store_counts,
    summarise,
    synthetic_bsn,
    synthetic_population,
)
from verwijsindex.simulation._world import poisson
from verwijsindex.storage import open_store

SMALL = 0.02  # 2% of Zuid-Limburg: about 2,600 youths


def n(row: Mapping[str, object], name: str) -> int:
    """The count *name* of *row*."""
    value = row[name]
    assert isinstance(value, int) and not isinstance(value, bool), (name, value)
    return value


def x(row: Mapping[str, object], name: str) -> float:
    """The number *name* of *row*."""
    value = row[name]
    assert isinstance(value, int | float), (name, value)
    return float(value)


@pytest.fixture(scope="module")
def population() -> Population:
    return synthetic_population(seed=5, fraction=SMALL, years=3)


# --- it drives the real service -------------------------------------------------------------------


def test_a_run_leaves_a_store_whose_counts_equal_the_report(population: Population) -> None:
    # Short periods, so that within three years links expire, are purged, and come back.
    scenario = Scenario("short", rules=Rules(active_years=1, archive_years=1))
    run = run_scenario(scenario, population, years=3, seed=5)
    row = run.row
    assert run.index.verify_logbook().ok
    with run.index.store.transaction() as tx:
        actions = Counter(entry.action for entry in tx.log_entries())
    # Every count below is exercised by this run.
    for metric in ("links", "matches", "expired", "purged", "deleted_links", "archive_hints"):
        assert n(row, metric) > 0, metric
    for metric in ("withdrawn_risk_resolved", "withdrawn_unjustified", "renewals"):
        assert n(row, metric) > 0, metric

    # The logbook (what the index wrote) against the report (what the index returned).
    assert actions[LogAction.REGISTERED] == row["links"]
    assert actions[LogAction.WITHDRAWN] == n(row, "withdrawn_risk_resolved") + n(
        row, "withdrawn_unjustified"
    )
    notified = ("notified_professional", "notified_follow_up", "notified_coordinator")
    signals = (*notified, "notified_family", "notified_address", "notified_reminder")
    # a notice still pending when a link it concerns is withdrawn as unjustified goes
    # unsent (decision 95): logged as signalled, never read from the outbox
    assert actions[LogAction.SIGNALLED] >= sum(n(row, k) for k in signals)
    assert actions[LogAction.HISTORY_LOOKUP] == row["archive_hints"]
    assert actions[LogAction.PURGED] == row["purged"]
    assert actions[LogAction.DELETED] == row["deleted_links"]
    # A link also expires when its own professional registers again on its last day,
    # before a sweep: the log has those, the sweep reports do not.
    assert actions[LogAction.EXPIRED] >= n(row, "expired")
    days = (date(2029, 1, 5) - population.start).days
    assert actions[LogAction.SWEEP] == math.ceil(days / 7)  # weekly, and on the last day

    # What is left in the store: every link made, less those deleted or purged.
    stored = store_counts(run.index.store)
    assert stored["links"] == (
        n(row, "links")
        - n(row, "withdrawn_unjustified")
        - n(row, "purged")
        - n(row, "deleted_links")
    )
    assert stored["active_links"] + stored["archived_links"] == stored["links"]
    assert stored["pending_notifications"] == 0  # every notification was read
    assert 0 < stored["matches"] <= n(row, "matches")
    assert stored["youths"] <= n(row, "linked_youths")
    run.index.store.close()


def test_rows_count_what_the_registrations_returned(population: Population) -> None:
    row = run_scenario(Scenario("statute"), population, years=2, seed=2).row
    duties = sum(
        n(row, f"duty_{r}_{b}")
        for r in ("youth", "representative")
        for b in ("under_12", "12_15", "16_22")
    )
    # under the statute, links on 12-15s inform two, all others one
    assert duties == row["links"] + row["duty_youth_12_15"]  # type: ignore[operator]
    assert row["duty_youth_under_12"] == row["duty_representative_16_22"] == 0
    assert row["not_informed_links"] == row["over_informed_links"] == 0
    assert 0 < row["matched_youths"] <= row["linked_youths"]  # type: ignore[operator]
    assert row["share_matched"] == row["matched_youths"] / row["linked_youths"]  # type: ignore[operator]
    assert row["days_to_match_median"] is not None and row["days_to_match_median"] >= 0  # type: ignore[operator]
    assert set(METRICS) <= set(row)


def test_policies_under_and_over_inform_as_their_deviations_say(population: Population) -> None:
    rows = compare(policy_scenarios(), years=1, seed=4, population=population)
    by = {r["scenario"]: r for r in rows}
    statute, zl, wm = (
        by[name] for name in ("statute", "leaflet-zuid-limburg", "leaflet-westelijke-mijnstreek")
    )
    # one world: the same links under every policy
    assert statute["links"] == zl["links"] == wm["links"]
    # seed 000 tells parents of 16+: every 16-22 link is over-informed
    assert zl["over_informed_links"] == zl["duty_youth_16_22"] == zl["duty_representative_16_22"]
    assert zl["not_informed_links"] == 0
    # seed 002 does not tell 12-15s themselves
    assert wm["not_informed_links"] == statute["duty_youth_12_15"]
    assert n(wm, "not_informed_links") > 0
    assert wm["duty_youth_12_15"] == 0 and wm["over_informed_links"] == 0
    assert 0 < wm["youths_not_informed"] <= wm["not_informed_links"]  # type: ignore[operator]


def test_match_rules(population: Population) -> None:
    rows = compare(match_rule_scenarios(), years=2, seed=6, population=population)
    by = {r["scenario"]: r for r in rows}
    organisations = by["different-organisations"]["matches"]
    professionals = by["different-professionals"]["matches"]
    # Two active links by one professional cannot exist (a repeat returns the same link),
    # so "any two links" is "different professionals".
    assert by["any-two-links"]["matches"] == professionals
    assert organisations < professionals  # type: ignore[operator]


def test_a_shorter_active_period_expires_and_renews_more(population: Population) -> None:
    rows = compare(
        [Scenario("one year", active_years=1), Scenario("two years")],
        years=3,
        seed=8,
        population=population,
    )
    one, two = rows
    assert one["active_years"] == 1 and two["active_years"] == 2
    assert one["expired"] > two["expired"]  # type: ignore[operator]
    assert one["renewals"] > two["renewals"]  # type: ignore[operator]


def test_a_lower_age_limit_refuses_registrations(population: Population) -> None:
    row = run_scenario(
        Scenario("until 18", rules=Rules(age_limit=18)), population, years=1, seed=3
    ).row
    assert row["refused"] and row["deleted_youths"]


# --- deterministic, and independent of the store --------------------------------------------------


def test_same_seed_same_rows_different_seed_different_rows() -> None:
    scenarios = [Scenario("a"), Scenario("b", policy=LEAFLET_WESTELIJKE_MIJNSTREEK)]
    kwargs = {"years": 2, "population_fraction": 0.01, "replications": 2}
    first = compare(scenarios, seed=11, **kwargs)  # type: ignore[arg-type]
    again = compare(scenarios, seed=11, **kwargs)  # type: ignore[arg-type]
    other = compare(scenarios, seed=12, **kwargs)  # type: ignore[arg-type]
    assert first == again
    assert list(first) == list(again) and first.summary == again.summary
    assert list(first) != list(other)
    # replications differ from each other, and the summary spans them
    assert first[0]["links"] != first[1]["links"]
    assert first.summary is not None
    links = first.summary.where(scenario="a", metric="links")[0]
    values = [n(r, "links") for r in first.where(scenario="a")]
    assert links["min"] == min(values) and links["max"] == max(values)
    assert links["stdev"] == pytest.approx(statistics.stdev(values))


def test_results_do_not_depend_on_the_store(population: Population, tmp_path: Path) -> None:
    scenario = Scenario("statute", active_years=1)
    rows = {}
    for url in ("memory://", "sqlite://", f"sqlite:///{tmp_path / 'sim.db'}"):
        run = run_scenario(scenario, population, years=2, seed=9, store=url)
        rows[url] = run.row
        run.index.store.close()
    first, *others = rows.values()
    assert all(row == first for row in others)


def test_the_world_does_not_depend_on_the_sweep_interval(population: Population) -> None:
    weekly = run_scenario(Scenario("s"), population, years=1, seed=1).row
    daily = run_scenario(
        Scenario("s"), population, years=1, seed=1, assumptions=Assumptions(sweep_every_days=1)
    ).row
    assert daily["links"] == weekly["links"] and daily["matches"] == weekly["matches"]


# --- compare and rows ---------------------------------------------------------------------------


def test_compare_with_a_store_factory_and_progress(population: Population) -> None:
    seen: list[float] = []
    opened: list[object] = []

    def fresh() -> object:
        store = open_store("memory://")
        opened.append(store)
        return store

    rows = compare(
        [Scenario("x"), Scenario("y")],
        years=1,
        seed=1,
        replications=2,
        population=population,
        store_url=fresh,  # type: ignore[arg-type]
        progress=seen.append,
    )
    assert len(opened) == 4 == len(rows)
    assert [(r["scenario"], r["replication"]) for r in rows] == [
        ("x", 0),
        ("x", 1),
        ("y", 0),
        ("y", 1),
    ]
    assert seen == sorted(seen) and seen[-1] == pytest.approx(1.0)
    assert rows.summary is not None and len(rows.summary) == 2 * len(METRICS)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        (lambda: compare([], years=1), InvalidRecordError),
        (lambda: compare([Scenario("a"), Scenario("a")], years=1), InvalidRecordError),
        (lambda: compare(["statute"], years=1), InvalidRecordError),  # type: ignore[list-item]
        (lambda: compare([Scenario("a")], years=1, replications=0), InvalidRecordError),
        (lambda: compare([Scenario("a")], years=1, population=3), InvalidRecordError),  # type: ignore[arg-type]
        (lambda: compare([Scenario("a")], years=1, population="Utrecht"), InvalidRecordError),
        (lambda: compare([Scenario("a")], years=1, population_fraction=0), InvalidRecordError),
        (lambda: compare([Scenario("a")], years=1, store_url=7), ConfigurationError),  # type: ignore[arg-type]
        (
            lambda: compare([Scenario("a"), Scenario("b")], years=1, store_url="sqlite:///x.db"),
            ConfigurationError,
        ),
    ],
)
def test_compare_refuses_bad_input(call: object, error: type[Exception]) -> None:
    with pytest.raises(error):
        call()  # type: ignore[operator]


def test_run_scenario_refuses_bad_input(population: Population) -> None:
    with pytest.raises(InvalidRecordError):
        run_scenario("statute", population, years=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidRecordError):
        run_scenario(Scenario("a"), "zuid-limburg", years=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidRecordError, match="births until"):
        run_scenario(Scenario("a"), population, years=4)
    with pytest.raises(InvalidRecordError):
        run_scenario(Scenario("a"), population, years=True)
    with pytest.raises(InvalidRecordError):
        run_scenario(Scenario("a"), population, years=1, seed="1")  # type: ignore[arg-type]
    other = synthetic_population(fraction=0.001, years=1)
    with pytest.raises(InvalidRecordError, match="staff"):
        run_scenario(Scenario("a"), population, years=1, staff=build_staff(other))
    with pytest.raises(ConfigurationError):
        run_scenario(Scenario("a"), population, years=1, store=3)  # type: ignore[arg-type]
    used = run_scenario(Scenario("a"), population, years=1)
    with pytest.raises(ConfigurationError, match="empty store"):
        run_scenario(Scenario("a"), population, years=1, store=used.index.store)


def test_rows() -> None:
    rows = Rows([{"scenario": "a", "links": 1}, {"scenario": "b", "links": None}])
    assert rows.columns == ("scenario", "links") and len(rows) == 2
    assert rows.column("links") == [1, None]
    assert rows.where(scenario="b")[0]["links"] is None
    assert rows[0:1] == ({"scenario": "a", "links": 1},)
    with pytest.raises(InvalidRecordError, match="no column"):
        rows.column("matches")
    assert "2 rows" in repr(rows)
    assert Rows([]).columns == ()
    summary = summarise([*rows, {"scenario": "a", "links": 3}])
    first = summary.where(scenario="a", metric="links")[0]
    assert (first["mean"], first["min"], first["max"], first["n"]) == (2.0, 1.0, 3.0, 2)
    empty = summary.where(scenario="b", metric="links")[0]
    assert empty["mean"] is None and empty["n"] == 0
    with pytest.raises(TypeError):
        hash(rows)


def test_to_pandas() -> None:
    pytest.importorskip("pandas")
    frame = Rows([{"scenario": "a", "links": 1}]).to_pandas()
    assert list(frame.columns) == ["scenario", "links"] and frame["links"].tolist() == [1]


def test_to_pandas_without_pandas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "pandas", None)
    with pytest.raises(ConfigurationError, match=r"verwijsindex\[sim\]"):
        Rows([{"a": 1}]).to_pandas()


# --- plots --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compared(population: Population) -> Rows:
    return compare(
        [Scenario("statute"), Scenario("leaflet", policy="leaflet-zuid-limburg")],
        years=1,
        seed=2,
        replications=2,
        population=population,
    )


@pytest.mark.parametrize(
    "plot", [plot_matches, plot_time_to_match, plot_information, plot_lifecycle]
)
def test_plots_render_to_png(compared: Rows, plot: object) -> None:
    pytest.importorskip("matplotlib")
    figure = plot(compared)  # type: ignore[operator]
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    assert buffer.getvalue().startswith(b"\x89PNG")
    assert figure.axes


def test_plots_take_plain_rows_and_refuse_nonsense(compared: Rows) -> None:
    pytest.importorskip("matplotlib")
    figure = plot_matches(list(compared), title=None)  # type: ignore[arg-type]
    assert figure.axes
    with pytest.raises(InvalidRecordError):
        plot_matches(Rows([]))


def test_plots_without_matplotlib(compared: Rows, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ConfigurationError, match="matplotlib"):
        plot_matches(compared)


# --- scenarios and assumptions -------------------------------------------------------------------


def test_scenario() -> None:
    s = Scenario("s", policy="leaflet-zuid-limburg", match_rule="any-two-links", active_years=1)
    assert s.rules.active_years == s.active_years == 1
    assert s.match_rule is MatchRule.ANY_TWO_LINKS
    assert Scenario("t", rules=Rules(active_years=1)).active_years == 1
    assert attrs.evolve(s, name="u").rules == s.rules
    assert all(r.policy is s.policy for r in s.regions(ZUID_LIMBURG))
    assert [x.name for x in policy_scenarios()] == [
        "statute",
        "leaflet-zuid-limburg",
        "leaflet-westelijke-mijnstreek",
    ]
    with pytest.raises(NotFoundError):
        Scenario("s", policy="lenient")
    with pytest.raises(InvalidRecordError):
        Scenario("s", policy=3)  # type: ignore[arg-type]
    with pytest.raises(InvalidRecordError):
        Scenario("s", rules={"active_years": 1})  # type: ignore[arg-type]
    with pytest.raises(InvalidRecordError):
        Scenario(" ")
    with pytest.raises(InvalidRecordError):
        Scenario("s", active_years=0)
    assert isinstance(InvalidRecordError(), VerwijsindexError)


@pytest.mark.parametrize(
    "change",
    [
        {"household_join_share": 1.5},
        {"age_pyramid": (1.0,) * 22},
        {"age_pyramid": (0.0,) * 23},
        {"age_pyramid": "flat"},
        {"episode_rates": (-1.0,) * 23},
        {"episode_mean_days": 0},
        {"episode_mean_days": float("inf")},
        {"extra_involvements_per_year": -1},
        {"kind_weights": (KindWeights(0, 11, ((OrganisationKind.SCHOOL, 1.0),)),)},
        {"kind_weights": (KindWeights(1, 22, ((OrganisationKind.SCHOOL, 1.0),)),)},
        {"kind_weights": 3},
        {"kind_weights": (3,)},
        {"sibling_gap_years": (3, 1)},
        {"withdraw_resolved_share": 0.9, "withdraw_unjustified_share": 0.2},
        {"working_hours": (17, 8)},
        {"start": "2026-01-05"},
        {"sweep_every_days": 0},
        # finite, and far past any youth's life: memory and time without end
        {"extra_involvements_per_year": 1e6},
        {"episode_rates": (1e6,) * 23},
        {"age_pyramid": (1e300,) * 23},
        {"episode_mean_days": 1e300},
        {"involvement_mean_days": 1e12},
        {"youths_country": 10**12},
        {"youths_zuid_limburg": 10**9},
        {"max_children": 10**6},
        {"youths_per_professional": 10**12},
        {"min_professionals": 10**9},
        {"sibling_within_days": 10**9},
        {"unjustified_within_days": 10**9},
        {"sweep_every_days": 10**9},
    ],
)
def test_assumptions_refuse_nonsense(change: dict[str, Any]) -> None:
    with pytest.raises(InvalidRecordError):
        attrs.evolve(Assumptions(), **change)


@pytest.mark.parametrize(
    "weights",
    [
        lambda: KindWeights(5, 3, ((OrganisationKind.SCHOOL, 1.0),)),
        lambda: KindWeights(0, 22, ()),
        lambda: KindWeights(0, 22, ((OrganisationKind.SCHOOL, -1.0),)),
        lambda: KindWeights(0, 22, ((OrganisationKind.SCHOOL, 0.0),)),
    ],
)
def test_kind_weights_refuse_nonsense(weights: object) -> None:
    with pytest.raises(InvalidRecordError):
        weights()  # type: ignore[operator]


def test_assumptions_kinds_at() -> None:
    a = Assumptions()
    assert a.kinds_at(0).min_age == 0 and a.kinds_at(22).max_age == 22
    with pytest.raises(InvalidRecordError):
        a.kinds_at(23)


# --- the population ------------------------------------------------------------------------------


def test_synthetic_bsns_are_valid_and_distinct() -> None:
    numbers = [*range(2_000), *range(4_500_000, 4_502_000)]
    youths = {synthetic_bsn(n) for n in numbers}
    parents = {synthetic_bsn(n, base=3_000_000) for n in numbers}
    assert len(youths) == len(parents) == len(numbers) and not youths & parents
    assert all(is_valid_bsn(b) for b in youths | parents)
    for bad in (-1, True, "1"):
        with pytest.raises(InvalidRecordError):
            synthetic_bsn(bad)  # type: ignore[arg-type]
    with pytest.raises(InvalidRecordError):
        synthetic_bsn(10**9)


def test_population_shape(population: Population) -> None:
    p = population
    start = p.start
    assert p.at_start == len(p.under(start)) == pytest.approx(130_000 * SMALL, abs=12)
    assert len(p) > p.at_start  # births during the three years
    assert list(p.birth) == sorted(p.birth)
    ages = Counter(age_on(p.birth_date(i), start) for i in p.under(start))
    assert set(ages) == set(range(23))
    assert ages[22] > ages[0]  # the pyramid is wider at the top
    assert all(len(p.aged(start, a)) == ages[a] for a in range(23))
    # municipalities weighted by inhabitants
    maastricht = sum(1 for i in p.under(start) if p.municipality(i).name == "Maastricht")
    assert maastricht / p.at_start == pytest.approx(122_000 / 594_500, abs=0.03)
    # households: siblings share the household, its parents and municipality
    sizes = Counter(len(list(p.siblings(i))) + 1 for i in range(len(p)))
    assert set(sizes) <= {1, 2, 3, 4} and sizes[2] > 0
    assert {p.household_parents[h] for h in range(p.households)} == {1, 2}
    youth = next(i for i in range(len(p)) if list(p.siblings(i)))
    for sibling in p.siblings(youth):
        assert p.parent_bsns(sibling) == p.parent_bsns(youth)
        assert p.municipality(sibling) == p.municipality(youth)
        assert abs(p.birth[sibling] - p.birth[youth]) >= 365
    subject = p.subject(youth)
    assert subject.address.municipality_code == p.municipality(youth).code
    assert len(subject.parents) == p.household_parents[p.household[youth]]
    assert subject.number.value == p.bsn(youth)
    assert "Population zuid-limburg" in repr(p) and p.bsn(youth) not in repr(p)


def test_population_is_deterministic_and_seeded() -> None:
    a = synthetic_population(seed=1, fraction=0.005, years=1)
    b = synthetic_population(seed=1, fraction=0.005, years=1)
    c = synthetic_population(seed=2, fraction=0.005, years=1)
    assert a.birth == b.birth and a.household == b.household
    assert a.birth != c.birth


def test_population_refuses_bad_input() -> None:
    kwargs: dict[str, Any]
    for kwargs in (
        {"fraction": 1.5},
        {"fraction": True},
        {"years": -1},
        {"seed": "one"},
        {"assumptions": {}},
    ):
        with pytest.raises(InvalidRecordError):
            synthetic_population(**kwargs)
    with pytest.raises(InvalidRecordError, match="unknown area"):
        synthetic_population("Utrecht")


def test_country_scales_zuid_limburg() -> None:
    regions = area_regions("country")
    assert [r.name for r in regions] == [r.name for r in ZUID_LIMBURG]
    total = sum(m.inhabitants or 0 for m in regions.municipalities())
    assert total == pytest.approx(594_500 * 4_500_000 / 130_000, rel=0.001)
    small = synthetic_population("country", fraction=0.001, years=1)
    assert small.at_start == pytest.approx(4_500, abs=12)
    assert small.regions.name.startswith("Nederland")


# --- organisations and the world ---------------------------------------------------------------


def test_staff(population: Population) -> None:
    staff = build_staff(population)
    by_name = {o.organisation.name: o for o in staff.organisations}
    for name, (kind, low, high) in KNOWN_ORGANISATIONS.items():
        org = by_name[name]
        assert (org.kind, org.min_age, org.max_age) == (kind, low, high)
        assert ZUID_LIMBURG.region_of_municipality(org.organisation.municipality_code).name == (
            "Westelijke Mijnstreek"
        )
    for r in range(len(ZUID_LIMBURG)):
        kinds = {o.kind for o in staff.organisations if o.region == r}
        assert kinds == set(OrganisationKind)
    assert "Politie Parkstad Limburg" in by_name and "Orbis Thuis" in by_name
    assert len({o.organisation.id for o in staff.organisations}) == len(staff.organisations)
    first = staff.professional(0, 0)
    assert (
        staff.professional(0, 0) is first
        and first.organisation == staff.organisations[0].organisation
    )
    assert "organisations=" in repr(staff) and staff.headcount >= 2 * len(staff.organisations)


def test_poisson_mean() -> None:
    import random

    rng = random.Random(1)
    assert statistics.fmean(poisson(rng, 4.0) for _ in range(4_000)) == pytest.approx(4, rel=0.05)
    assert statistics.fmean(poisson(rng, 75.0) for _ in range(1_000)) == pytest.approx(75, rel=0.03)
    assert poisson(rng, 0.0) == 0


def test_statutory_policy_is_the_default() -> None:
    assert Scenario("s").policy is STATUTORY
    assert Assumptions().start == date(2026, 1, 5) and Assumptions().start.weekday() == 0
    assert timedelta(days=Assumptions().sweep_every_days) == timedelta(weeks=1)


def test_a_run_leaves_the_collector_alone(
    population: Population, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A notebook's kernel has threads of its own: a run does not switch the collector off
    (``verwijsindex.collector_paused()`` is the caller's choice)."""
    import gc

    calls: list[str] = []
    monkeypatch.setattr(gc, "disable", lambda: calls.append("disable"))
    during: list[bool] = []
    assert gc.isenabled()
    run_scenario(
        Scenario("statute"),
        population,
        years=1,
        seed=3,
        progress=lambda _: during.append(gc.isenabled()),
    )
    assert during and all(during)
    assert calls == []


def test_a_run_reports_the_statistics_a_region_would_publish(population: Population) -> None:
    """The same tables the index gives a region's coordinator: every count below the
    threshold suppressed, and what is published adds up to the run's own counts."""
    from verwijsindex.statistics import StatKind

    run = run_scenario(Scenario("statute"), population, years=1, seed=3)
    stats = run.statistics()
    assert stats.rows and {row.region for row in stats} == {r.name for r in population.regions}
    for row in stats:
        assert row.suppressed or row.count == 0 or (row.count or 0) >= 5
    made = [
        row.count
        for row in stats
        if row.kind is StatKind.LINKS_MADE and row.municipality is None and row.age_band is None
    ]
    if None not in made:  # the regions' totals of links, unless one is suppressed
        assert sum(n or 0 for n in made) <= n(run.row, "links")
    assert run.statistics(threshold=1).rows  # nothing suppressed at threshold 1
    assert not any(row.suppressed for row in run.statistics(threshold=1))


# --- plots name their run and say what the whiskers are ------------------------------------------

PLOTS = [plot_matches, plot_time_to_match, plot_information, plot_lifecycle]


def _caption(figure: Any) -> str:
    """The figure's caption (its supxlabel), unwrapped."""
    return " ".join(str(figure.get_supxlabel()).split())


@pytest.mark.parametrize("plot", PLOTS)
def test_each_plot_names_its_run_and_explains_its_whiskers(
    compared: Rows, population: Population, plot: Any
) -> None:
    pytest.importorskip("matplotlib")
    figure = plot(compared)
    caption = _caption(figure)
    assert figure.get_suptitle()  # the default title stays
    assert caption.startswith(
        f"Zuid-Limburg, {population.at_start:,} youths under 23 at the start; "
        "1 year; seed 2, 2 replications "
    )
    assert (
        "Scenarios, differing in policy: statute, leaflet (policy leaflet-zuid-limburg); "
        "all with match rule different-organisations, 2 years active"
    ) in caption
    assert "mean over the 2 replications of each scenario" in caption
    assert "whiskers: min to max over the replications (not a confidence interval)" in caption
    # without a title the caption stays: it is not the title
    untitled = plot(compared, title=None)
    assert not untitled.get_suptitle() and _caption(untitled) == caption


def test_plot_captions_say_what_each_plot_draws(compared: Rows) -> None:
    pytest.importorskip("matplotlib")
    assert "dots: each replication's share matched" in _caption(plot_matches(compared))
    assert "the stacked bars (left) have no whiskers" in _caption(plot_information(compared))
    timing = _caption(plot_time_to_match(compared))
    assert "median and mean days from a youth's first link to their first match" in timing
    # a replication without a match has no days: the caption says it is left out
    rows = [dict(r) for r in compared]
    rows[0]["days_to_match_median"] = rows[0]["days_to_match_mean"] = None
    assert "without matches is left out" in _caption(plot_time_to_match(Rows(rows)))


def test_plot_captions_come_from_the_rows_not_from_defaults(
    compared: Rows, population: Population
) -> None:
    pytest.importorskip("matplotlib")
    other = compare(match_rule_scenarios(), years=2, seed=7, population=population)
    caption = _caption(plot_lifecycle(other))
    assert (
        f"{population.at_start:,} youths under 23 at the start; 2 years; seed 7, 1 replication "
        in caption
    )
    assert (
        "Scenarios, differing in match rule: different-organisations, "
        "different-professionals, any-two-links; all with policy statute, 2 years active"
    ) in caption
    assert "Bars: the one replication of each scenario" in caption
    assert "whiskers (min to max over the replications) have no length" in caption
    # scenarios that differ in more than their names say what each one sets
    mixed = compare(
        [
            Scenario("short", active_years=1),
            Scenario("strict", match_rule="different-professionals"),
        ],
        years=1,
        seed=7,
        population=population,
    )
    assert (
        "Scenarios, differing in match rule and active period: "
        "short (match rule different-organisations, 1 year active), "
        "strict (match rule different-professionals, 2 years active); all with policy statute"
    ) in _caption(plot_matches(mixed))
    # rows of two comparisons together: both seeds, both years
    both = Rows([*compared, *other.where(scenario="different-organisations")])
    assert "; 1, 2 years; seeds 2, 7, 2 replications " in _caption(plot_matches(both))
    # rows picked from replication 1 only: the caption names it
    assert "seed 2, 1 replication (1) " in _caption(plot_matches(compared.where(replication=1)))
