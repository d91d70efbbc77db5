"""Policy simulation (beleidssimulatie): a synthetic population fed to the real index.

A :class:`Scenario` names the rules to try: the numbers (:class:`~verwijsindex.Rules`,
the active period above all), the match rule and the notification policy. :func:`compare`
runs scenarios on the real :class:`~verwijsindex.VerwijsIndex` with a simulated clock, on
a synthetic population (valid BSNs, households, Zuid-Limburg's municipalities), and
returns tidy rows of counts; the same seed gives the same rows on any store:

>>> from verwijsindex.simulation import Scenario, compare
>>> rows = compare(
...     [Scenario("statute"), Scenario("leaflet", policy="leaflet-zuid-limburg")],
...     years=1, seed=3, population_fraction=0.01,
... )
>>> [(r["scenario"], r["population"]) for r in rows]
[('statute', 1303), ('leaflet', 1303)]
>>> rows[0]["links"] == rows[1]["links"] > 0      # one world, two policies
True
>>> [r["over_informed_links"] > 0 for r in rows]  # the leaflet tells parents of 16+
[False, True]
>>> rows.summary.where(scenario="statute", metric="links")[0]["n"]
1

Bad input raises errors of the library's tree:

>>> Scenario("x", match_rule="first-come")
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidRecordError: unknown match rule 'first-come'; known: ...
>>> compare([Scenario("a")], years=0, seed=1)
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidRecordError: years must be a whole number, 1 or more

The pieces are public too: :func:`synthetic_population` (compact arrays; a youth becomes
a :class:`~verwijsindex.Subject` only when a link arrives), :func:`run_scenario` (one run,
leaving its store open), the :class:`Assumptions` behind the world, and ``plot_*``
helpers on matplotlib (the ``sim`` extra). See ``docs/simulation.md``.

>>> synthetic_bsn(0), synthetic_bsn(1)
('100000009', '100000010')
"""

from __future__ import annotations

from verwijsindex.simulation._assumptions import Assumptions, KindWeights, OrganisationKind
from verwijsindex.simulation._plots import (
    plot_information,
    plot_lifecycle,
    plot_matches,
    plot_time_to_match,
)
from verwijsindex.simulation._population import (
    AREAS,
    Population,
    area_regions,
    synthetic_bsn,
    synthetic_population,
)
from verwijsindex.simulation._rows import Rows, compare, summarise
from verwijsindex.simulation._run import (
    METRICS,
    SIMULATION_KEY,
    Scenario,
    SimulationRun,
    match_rule_scenarios,
    policy_scenarios,
    run_scenario,
    store_counts,
)
from verwijsindex.simulation._staff import (
    KNOWN_ORGANISATIONS,
    SimulatedOrganisation,
    Staff,
    build_staff,
)
from verwijsindex.simulation._world import Involvement, World

__all__ = [
    "AREAS",
    "KNOWN_ORGANISATIONS",
    "METRICS",
    "SIMULATION_KEY",
    "Assumptions",
    "Involvement",
    "KindWeights",
    "OrganisationKind",
    "Population",
    "Rows",
    "Scenario",
    "SimulatedOrganisation",
    "SimulationRun",
    "Staff",
    "World",
    "area_regions",
    "build_staff",
    "compare",
    "match_rule_scenarios",
    "plot_information",
    "plot_lifecycle",
    "plot_matches",
    "plot_time_to_match",
    "policy_scenarios",
    "run_scenario",
    "store_counts",
    "summarise",
    "synthetic_bsn",
    "synthetic_population",
]
