"""The commands that make throwaway indexes: ``demo``, a short readable scenario with the
fixed :data:`DEMO_KEY`, and ``simulate``, a policy scenario on a synthetic population with
its report. A SQLite file they use must carry the mark of the command line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TextIO

from verwijsindex.cli._listings import _words
from verwijsindex.cli._output import _say, _shown, _usage
from verwijsindex.cli._stores import _check_url, _scratch, _sqlite_file
from verwijsindex.errors import ConfigurationError
from verwijsindex.index import VerwijsIndex
from verwijsindex.pseudonyms import PseudonymKey

if TYPE_CHECKING:
    from verwijsindex.simulation import Population

DEMO_KEY = PseudonymKey("demo", b"verwijsindex-demo-key-never-real")
"""The fixed key of ``verwijsindex demo``. Never use it for real data."""


def _demo(url: str, *, keep: bool, out: TextIO) -> int:
    from verwijsindex.testing import FixedClock, make_professional, make_subject

    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
    store = _scratch(url, "demo", fresh=not keep)
    try:
        index = VerwijsIndex(store, key=DEMO_KEY, clock=clock)
        team = {
            "teacher": make_professional(id="docent-1", organisation="Sint Jozefschool"),
            "nurse": make_professional(id="jgz-1", organisation="GGD Zuid-Limburg"),
            "mee": make_professional(
                id="mee-1", organisation="MEE Zuid-Limburg", municipality="Sittard-Geleen"
            ),
            "attendance": make_professional(
                id="leerplicht-1",
                organisation="Regionaal Bureau Leerplicht Westelijke Mijnstreek",
                municipality="Sittard-Geleen",
            ),
            "youthcare": make_professional(
                id="jeugdzorg-1", organisation="Bureau Jeugdzorg Limburg", municipality="Heerlen"
            ),
        }
        for professional in team.values():
            index.add_organisation(professional.organisation)
        youths = {
            "Sam (9, Maastricht)": make_subject(
                bsn="111222333", birth_date=date(2017, 3, 1), name="Sam"
            ),
            "Noor (14, Sittard-Geleen)": make_subject(
                bsn="123456782",
                birth_date=date(2012, 6, 30),
                municipality="Sittard-Geleen",
                name="Noor",
            ),
            "Daan (19, Heerlen)": make_subject(
                bsn="010000008", birth_date=date(2007, 1, 15), municipality="Heerlen", name="Daan"
            ),
        }
        plan = [
            ("Sam (9, Maastricht)", "teacher"),
            ("Noor (14, Sittard-Geleen)", "attendance"),
            ("Sam (9, Maastricht)", "nurse"),
            ("Daan (19, Heerlen)", "youthcare"),
            ("Noor (14, Sittard-Geleen)", "mee"),
            ("Noor (14, Sittard-Geleen)", "mee"),
            ("Daan (19, Heerlen)", "nurse"),
        ]
        _say(out, f"verwijsindex demo on {_shown(url)}  (clock starts {clock().date()})")
        _say(out)
        _say(out, "Registrations: who is involved with whom (never why)")
        for name, role in plan:
            clock.advance(timedelta(hours=2))
            professional = team[role]
            reg = index.register(youths[name], professional)
            _say(out, f"  {name:<26}  {professional.id:<13} {professional.organisation.name}")
            if not reg.created:
                _say(out, "      already registered: same link, nobody told")
                continue
            match = f" -> match {reg.match.id[:8]}" if reg.match is not None else ""
            _say(out, f"      new link{match}; inform: {_words(reg.information_duty)}")
        _say(out)
        _say(out, "Matches, as each professional sees them")
        for professional in team.values():
            for m in index.matches_for(professional):
                others = [p for p in m.professionals if p != professional.id]
                _say(out, f"  {professional.id:<14} match {m.id[:8]} with {', '.join(others)}")
        _say(out)
        _say(out, "Notifications in the outbox")
        for n in index.pending_notifications():
            _say(out, f"  {n.kind.value:<12} to {n.recipient:<24} match {(n.match_id or '')[:8]}")
            for c in n.contacts:
                _say(out, f"      contact: {c.name} <{c.email}>", indent="    ")
        _say(out)
        report = index.verify_logbook()
        _say(
            out,
            f"Logbook: {report.entries} entries in {report.lanes} chains, "
            f"{'verified' if report.ok else 'BROKEN'}",
        )
    finally:
        store.close()
    return 0


def _progress_bar(stream: TextIO) -> Callable[[float], None]:
    """A progress bar on *stream* (stdlib only), redrawn when the percentage changes."""
    shown = [-1]

    def draw(fraction: float) -> None:
        percent = int(fraction * 100)
        if percent == shown[0]:
            return
        shown[0] = percent
        filled = percent * 30 // 100
        stream.write(f"\rsimulating [{'#' * filled}{'.' * (30 - filled)}] {percent:3d}%")
        if percent >= 100:
            stream.write("\n")
        stream.flush()

    return draw


def _simulate(args: argparse.Namespace, out: TextIO) -> int:
    from verwijsindex.simulation import Scenario, run_scenario, store_counts, synthetic_population

    _check_url(args.store)
    if args.replace and _sqlite_file(args.store) is None:
        raise _usage("--replace only deletes a SQLite file (sqlite:///path.db)")
    scenario = Scenario(
        f"{args.policy}, {args.match_rule}, {args.active_years} years active",
        policy=args.policy,
        match_rule=args.match_rule,
        active_years=args.active_years,
    )
    show = args.progress or sys.stderr.isatty()
    began = time.perf_counter()
    store = _scratch(args.store, "simulate", fresh=args.replace)
    try:
        population = synthetic_population(
            args.area, seed=args.seed, fraction=args.population_fraction, years=args.years
        )
        run = run_scenario(
            scenario,
            population,
            years=args.years,
            seed=args.seed,
            store=store,
            progress=_progress_bar(sys.stderr) if show else None,
        )
        logbook = run.index.verify_logbook()
        stored = store_counts(store)
    except ConfigurationError as error:
        if "empty store" not in str(error):
            raise
        hint = "; give --replace to start it afresh" if _sqlite_file(args.store) else ""
        raise _usage(f"{error}{hint}") from None
    finally:
        store.close()
    seconds = time.perf_counter() - began
    if args.json:
        data = {
            "store_url": _shown(args.store),
            "metrics": run.row,
            "store": stored,
            "logbook": {"ok": logbook.ok, "entries": logbook.entries},
            "seconds": round(seconds, 3),
        }
        json.dump(data, out, indent=2)
        print(file=out)
    else:
        _print_report(run.row, stored, logbook.ok, logbook.entries, args, population, out)
        _say(out, f"Ran in {seconds:.1f} s")
    return 0


def _years(number: int) -> str:
    return "1 year" if number == 1 else f"{number:,} years"


def _print_report(
    row: dict[str, Any],
    stored: dict[str, int],
    ok: bool,
    entries: int,
    args: argparse.Namespace,
    population: Population,
    out: TextIO,
) -> None:
    def line(label: str, value: object) -> None:
        if isinstance(value, float):
            text = f"{value:,.2f}"
        elif isinstance(value, int):
            text = f"{value:,}"
        else:
            text = "-" if value is None else str(value)
        _say(out, f"  {label:<44}{text:>12}")

    _say(out, f"verwijsindex simulate on {_shown(args.store)}")
    _say(
        out,
        f"scenario: policy {row['policy']}, match rule {row['match_rule']}, "
        f"links active {_years(row['active_years'])}",
    )
    _say(
        out,
        f"{population.regions.name}: {row['population']:,} youths under 23 "
        f"(fraction {args.population_fraction:g}), {_years(row['years'])} from "
        f"{population.start.isoformat()}, random seed {row['seed']}",
    )
    _say(out)
    _say(out, "Links")
    line("links made", row["links"])
    line("  of which renewals", row["renewals"])
    line("repeat registrations (same link returned)", row["repeat_registrations"])
    line("refused (age limit)", row["refused"])
    line("youths with a link", row["linked_youths"])
    line("archive hints", row["archive_hints"])
    line("withdrawn: risk resolved", row["withdrawn_risk_resolved"])
    line("withdrawn: unjustified", row["withdrawn_unjustified"])
    _say(out, "Matches")
    line("matches", row["matches"])
    line("youths matched", row["matched_youths"])
    line("share of youths with a link matched", row["share_matched"])
    line("days to first match, median", row["days_to_match_median"])
    line("days to first match, mean", row["days_to_match_mean"])
    line("cross-region matches", row["cross_region_matches"])
    line("family-match signals", row["family_signals"])
    _say(out, "Notifications")
    line("to professionals", row["notified_professional"])
    line("to follow-up checkers", row["notified_follow_up"])
    line("to region coordinators", row["notified_coordinator"])
    line("family matches to professionals", row["notified_family"])
    line("address matches to professionals", row["notified_address"])
    line("reminders to follow-up checkers", row["notified_reminder"])
    _say(out, "Information duty (links, by age on the day)")
    _say(out, f"  {'':<26}{'under 12':>10}{'12-15':>10}{'16-22':>10}")
    for key, label in (("youth", "youth"), ("representative", "legal representative")):
        values = [row[f"duty_{key}_{band}"] for band in ("under_12", "12_15", "16_22")]
        _say(out, f"  {label:<26}" + "".join(f"{v:>10,}" for v in values))
    line("links not informed as the statute says", row["not_informed_links"])
    line("links over-informed against the statute", row["over_informed_links"])
    line("youths not informed", row["youths_not_informed"])
    line("youths over-informed", row["youths_over_informed"])
    _say(out, "Lifecycle (weekly sweeps)")
    line("expired", row["expired"])
    line("purged from the archive", row["purged"])
    line("deleted at the age limit", row["deleted_links"])
    line("youths deleted at the age limit", row["deleted_youths"])
    line("matches dissolved", row["matches_dissolved"])
    _say(out, "In the store at the end")
    line("youths", stored["youths"])
    line("links, active", stored["active_links"])
    line("links, archived", stored["archived_links"])
    line("matches", stored["matches"])
    _say(out, f"Logbook: {entries:,} entries, {'verified' if ok else 'BROKEN'}")
