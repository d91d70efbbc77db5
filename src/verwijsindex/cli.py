"""The command line (opdrachtregel): ``verwijsindex`` and ``python -m verwijsindex``.

Subcommands: ``simulate`` (the main job: a policy scenario on the real index, with a
report), ``demo``, ``regions``, ``policies``, ``check-bsn`` and ``sweep``. Bad arguments
print one line and exit with code 2; ``--help`` works everywhere.

The CLI, unlike the library, may read the environment: ``VERWIJSINDEX_KEY`` (hex, at
least 32 bytes) and ``VERWIJSINDEX_KEY_ID`` give the pseudonym key for ``sweep``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from verwijsindex.clock import add_months
from verwijsindex.errors import VerwijsindexError, masked
from verwijsindex.index import SweepReport, VerwijsIndex
from verwijsindex.matching import MatchRule
from verwijsindex.model import Recipient, is_valid_bsn, parse_bsn
from verwijsindex.pseudonyms import PseudonymKey
from verwijsindex.regions import POLICIES, ZUID_LIMBURG, deviations
from verwijsindex.storage import open_store

if TYPE_CHECKING:
    from verwijsindex.simulation import Population

__all__ = ["main"]

DEMO_KEY = PseudonymKey("demo", b"verwijsindex-demo-key-never-real")
"""The fixed key of ``verwijsindex demo``. Never use it for real data."""

_RECIPIENT_WORDS = {
    Recipient.YOUTH: "youth",
    Recipient.LEGAL_REPRESENTATIVE: "legal representative",
}


SIMULATE_STORE = "sqlite:///verwijsindex-sim.db"
"""Where ``verwijsindex simulate`` keeps its run by default."""


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a whole number") from None


def _positive(text: str) -> int:
    number = _whole(text)
    if number < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return number


def _month(text: str) -> date:
    try:
        return date.fromisoformat(f"{text}-01")
    except ValueError:
        raise argparse.ArgumentTypeError("must be a month as YYYY-MM") from None


def _fraction(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError("must be a number") from None
    if not 0 < number <= 1:
        raise argparse.ArgumentTypeError("must be above 0 and at most 1")
    return number


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        # argparse repeats what it did not understand; a number that could be a BSN is
        # masked but for its last three digits.
        self.exit(2, f"{self.prog}: error: {masked(message, 300)}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="verwijsindex",
        description="The Dutch verwijsindex risicojongeren (Jeugdwet chapter 7.1).",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    simulate = sub.add_parser(
        "simulate",
        help="simulate a policy scenario on the real index and report what it does",
        description="Simulate a synthetic population's links on the real index with a "
        "simulated clock, and print counts only (never a BSN).",
    )
    simulate.add_argument(
        "--store", default=SIMULATE_STORE, help=f"store URL (default {SIMULATE_STORE})"
    )
    simulate.add_argument(
        "--replace", action="store_true", help="delete the SQLite file first if it exists"
    )
    simulate.add_argument("--years", type=_positive, default=5, help="simulated years (5)")
    simulate.add_argument("--seed", type=_whole, default=1, help="random seed (1)")
    simulate.add_argument(
        "--policy", choices=sorted(POLICIES), default="statute", help="notification policy"
    )
    simulate.add_argument(
        "--match-rule",
        choices=[r.value for r in MatchRule],
        default=MatchRule.DIFFERENT_ORGANISATIONS.value,
        help="which links make a match",
    )
    simulate.add_argument(
        "--active-years", type=_positive, default=2, help="active period of a link (2)"
    )
    simulate.add_argument(
        "--area",
        choices=["zuid-limburg", "country"],
        default="zuid-limburg",
        help="whose youths: Zuid-Limburg, or the country (Zuid-Limburg scaled up)",
    )
    simulate.add_argument(
        "--population-fraction",
        type=_fraction,
        default=1.0,
        help="share of the area's youths to simulate, above 0 and at most 1 (1)",
    )
    simulate.add_argument("--json", action="store_true", help="machine-readable output")
    simulate.add_argument(
        "--progress", action="store_true", help="show a progress bar even if not a terminal"
    )

    demo = sub.add_parser("demo", help="run a short, readable scenario and print what happens")
    demo.add_argument("--store", default="sqlite:///verwijsindex-demo.db", help="store URL")
    demo.add_argument(
        "--keep", action="store_true", help="do not empty a SQLite demo file before the run"
    )

    sub.add_parser("regions", help="list the regions, municipalities and contacts")

    policies = sub.add_parser("policies", help="the notification policies and their deviations")
    policies.add_argument("--json", action="store_true", help="machine-readable output")

    check = sub.add_parser("check-bsn", help="check BSNs with the elfproef (exit 1 if any fails)")
    check.add_argument("bsn", nargs="+", help="one or more BSNs")

    sweep = sub.add_parser("sweep", help="apply the lifecycle: expire, purge, delete")
    sweep.add_argument("--store", required=True, help="store URL")
    sweep.add_argument("--json", action="store_true", help="machine-readable output")

    importer = sub.add_parser(
        "import",
        help="import links from a CSV file (a regional index migrating)",
        description="Import the links of a CSV file (the layout is in docs/integration.md and "
        "verwijsindex.cli.CSV_COLUMNS); the organisations in the file are added first. Prints "
        "progress per batch on stderr and the report on stdout.",
    )
    importer.add_argument("file", help="the CSV file (UTF-8, a header row)")
    importer.add_argument("--store", required=True, help="store URL")
    importer.add_argument(
        "--no-notify",
        action="store_true",
        help="migration: form and log matches, but tell no one (the old index did)",
    )
    importer.add_argument("--batch-size", type=_positive, default=500, help="records a batch (500)")
    importer.add_argument("--json", action="store_true", help="machine-readable report")

    stats = sub.add_parser(
        "stats",
        help="statistics that identify no one, for a region or a municipality",
        description="Counts per month, municipality, age band and kind (JW 7.1.2.3(1)(h)); "
        "every count below the threshold is suppressed, and as many more as it takes that "
        "none can be worked out.",
    )
    stats.add_argument("--store", required=True, help="store URL")
    scope = stats.add_mutually_exclusive_group(required=True)
    scope.add_argument("--region", help="as the region's coordinator: the region's tables")
    scope.add_argument(
        "--municipality", help="as the follow-up checker: the municipality's rows (CBS code)"
    )
    stats.add_argument(
        "--from", dest="first", type=_month, required=True, help="first month, YYYY-MM"
    )
    stats.add_argument("--to", dest="last", type=_month, help="last month, YYYY-MM (the first)")
    stats.add_argument("--threshold", type=_positive, default=5, help="suppress below this (5)")
    stats.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line with *argv*; return the exit code."""
    stream = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        if args.command == "simulate":
            return _simulate(args, stream)
        if args.command == "demo":
            return _demo(args.store, keep=args.keep, out=stream)
        if args.command == "regions":
            return _regions(stream)
        if args.command == "policies":
            return _policies(stream, as_json=args.json)
        if args.command == "check-bsn":
            return _check_bsn(args.bsn, stream)
        if args.command == "stats":
            return _stats(args, stream)
        if args.command == "import":
            return _import(args, stream)
        return _sweep(args.store, stream, as_json=args.json)
    except VerwijsindexError as error:
        print(f"verwijsindex: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:  # a file the user named cannot be read or written
        print(f"verwijsindex: error: {error.strerror or type(error).__name__}", file=sys.stderr)
        return 2


def _key_from_env() -> PseudonymKey:
    text = os.environ.get("VERWIJSINDEX_KEY")
    if not text:
        raise _usage("set VERWIJSINDEX_KEY (hex, at least 32 bytes) to open a real store")
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise _usage("VERWIJSINDEX_KEY must be hexadecimal") from None
    return PseudonymKey(os.environ.get("VERWIJSINDEX_KEY_ID", "default"), secret)


def _usage(message: str) -> SystemExit:
    print(f"verwijsindex: error: {message}", file=sys.stderr)
    return SystemExit(2)


# --- regions, policies, BSN ----------------------------------------------------------------------


def _regions(out: TextIO) -> int:
    for region in ZUID_LIMBURG:
        print(f"{region.name} ({region.programme})", file=out)
        print(f"  contact: {', '.join(region.contacts)}", file=out)
        print(f"  policy:  {region.policy.name}", file=out)
        for m in region.municipalities:
            former = f"  (formerly {', '.join(m.former_codes)})" if m.former_codes else ""
            print(f"  {m.code}  {m.name}{former}", file=out)
    print(f"information: {', '.join(ZUID_LIMBURG.information_sites)}", file=out)
    return 0


def _words(recipients: frozenset[Recipient]) -> str:
    return " and ".join(_RECIPIENT_WORDS[r] for r in Recipient if r in recipients) or "nobody"


def _policies(out: TextIO, *, as_json: bool) -> int:
    if as_json:
        data = [
            {
                "name": p.name,
                "title": p.title,
                "source": p.source,
                "bands": [
                    {
                        "min_age": b.min_age,
                        "max_age": b.max_age,
                        "recipients": sorted(r.value for r in b.recipients),
                    }
                    for b in p.bands
                ],
                "deviations": [
                    {
                        "age": d.age,
                        "kind": d.kind,
                        "missing": sorted(r.value for r in d.missing),
                        "extra": sorted(r.value for r in d.extra),
                    }
                    for d in deviations(p)
                ],
            }
            for p in POLICIES.values()
        ]
        json.dump(data, out, indent=2)
        print(file=out)
        return 0
    for p in POLICIES.values():
        print(f"{p.name}: {p.title}", file=out)
        print(f"  source: {p.source}", file=out)
        for band in p.bands:
            print(
                f"  ages {band.min_age:>2}-{band.max_age:<2}  {_words(band.recipients)}", file=out
            )
        found = deviations(p)
        if not found:
            print("  deviations from the statute: none", file=out)
        for d in found:
            what = []
            if d.missing:
                what.append(f"does not tell the {_words(d.missing)}")
            if d.extra:
                what.append(f"also tells the {_words(d.extra)}")
            print(f"  age {d.age:>2}: {d.kind}: {'; '.join(what)}", file=out)
    return 0


def _check_bsn(values: Sequence[str], out: TextIO) -> int:
    failed = 0
    for position, value in enumerate(values, 1):
        if is_valid_bsn(value):
            print(f"#{position}: valid ({parse_bsn(value)})", file=out)
        else:
            failed += 1
            try:
                parse_bsn(value)
            except VerwijsindexError as error:
                print(f"#{position}: invalid: {error}", file=out)
    return 1 if failed else 0


CSV_COLUMNS: tuple[str, ...] = (
    "bsn",
    "surname",
    "twin",
    "name",
    "gender",
    "birth_date",
    "street",
    "house_number",
    "postcode",
    "city",
    "municipality_code",
    "parents",
    "professional_id",
    "professional_name",
    "professional_email",
    "professional_phone",
    "organisation_id",
    "organisation_name",
    "organisation_municipality_code",
    "organisation_email",
    "created_at",
    "ends_on",
)
"""The columns of ``verwijsindex import``: a youth (``bsn``, or ``surname`` and an optional
``twin`` ordinal for a youth without one; ``gender`` M, V or O; ``parents`` the parents'
BSNs separated by ``;``), the professional and their organisation, and optionally when
the link was made (ISO 8601 with its offset) and when it ends (``YYYY-MM-DD``)."""


def _cell(row: dict[str, str], name: str) -> str | None:
    value = (row.get(name) or "").strip()
    return value or None


def _organisation_of(row: dict[str, str]) -> dict[str, object]:
    return {
        "id": _cell(row, "organisation_id"),
        "name": _cell(row, "organisation_name"),
        "municipality_code": _cell(row, "organisation_municipality_code"),
        "email": _cell(row, "organisation_email"),
        "phone": None,
    }


def _record_of(row: dict[str, str]) -> dict[str, object]:
    """One CSV row as the dict an import takes; what is wrong with it, the import reports."""

    def cell(name: str) -> str | None:
        return _cell(row, name)

    organisation = _organisation_of(row)
    twin = cell("twin")
    return {
        "subject": {
            "bsn": cell("bsn"),
            "surname": cell("surname"),
            "twin": int(twin) if twin and twin.isdigit() else twin,
            "name": cell("name"),
            "gender": cell("gender"),
            "birth_date": cell("birth_date"),
            "address": {
                "street": cell("street"),
                "house_number": cell("house_number"),
                "postcode": cell("postcode"),
                "city": cell("city"),
                "municipality_code": cell("municipality_code"),
            },
            "parents": [p.strip() for p in (cell("parents") or "").split(";") if p.strip()],
            "died_on": None,
        },
        "professional": {
            "id": cell("professional_id"),
            "name": cell("professional_name"),
            "organisation": organisation,
            "email": cell("professional_email"),
            "phone": cell("professional_phone"),
        },
        "created_at": cell("created_at"),
        "ends_on": cell("ends_on"),
    }


def _import(args: argparse.Namespace, out: TextIO) -> int:
    import csv

    from verwijsindex.importing import ImportProgress
    from verwijsindex.model import Organisation
    from verwijsindex.serialization import structure

    with open(args.file, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    missing = [c for c in ("name", "birth_date", "professional_id") if rows and c not in rows[0]]
    if missing:
        raise _usage(f"the CSV file has no column {missing[0]} (see docs/integration.md)")
    records = [_record_of(row) for row in rows]
    store = open_store(args.store)
    try:
        index = VerwijsIndex(store, key=_key_from_env())
        organisations: dict[object, Organisation] = {}
        for row in rows:
            try:
                found = structure(_organisation_of(row), Organisation)
            except VerwijsindexError:
                continue  # the import rejects the record, with its error
            organisations.setdefault(found.id, found)
        for organisation in organisations.values():
            index.add_organisation(organisation)

        def progress(done: ImportProgress) -> None:
            print(
                f"batch {done.batches}: {done.records} records, {done.created} created, "
                f"{done.duplicates} duplicates, {done.rejected} rejected",
                file=sys.stderr,
            )

        report = index.bulk_register(
            records, batch_size=args.batch_size, notify=not args.no_notify, progress=progress
        )
    finally:
        store.close()
    rejected = [
        {"line": o.position + 2, "error": str(o.error)}
        for o in report.outcomes
        if o.error is not None
    ]
    summary = {
        "records": len(records),
        "created": report.created,
        "duplicates": report.duplicates,
        "rejected": report.rejected,
        "matches": len({o.match_id for o in report.outcomes if o.match_id}),
    }
    if args.json:
        json.dump({**summary, "rejected_lines": rejected}, out)
        print(file=out)
    else:
        for name, count in summary.items():
            print(f"{name:<12}{count:>8}", file=out)
        for line in rejected:
            print(f"line {line['line']}: {line['error']}", file=out)
    return 0


def _stats(args: argparse.Namespace, out: TextIO) -> int:
    from verwijsindex.roles import FollowUpChecker, RegionCoordinator

    last_month: date = args.last or args.first
    last = add_months(last_month, 1) - timedelta(days=1)
    by = RegionCoordinator(args.region) if args.region else FollowUpChecker(args.municipality)
    store = open_store(args.store)
    try:
        index = VerwijsIndex(store, key=_key_from_env())
        stats = index.statistics((args.first, last), by=by, threshold=args.threshold)
    finally:
        store.close()
    if args.json:
        json.dump(stats.as_dicts(), out)
        print(file=out)
        return 0
    tables = dict.fromkeys((row.month, row.kind, row.region) for row in stats)
    if not tables:
        print("no counts in this period", file=out)
    for month, kind, region in tables:
        print(stats.format_table(month, kind, region), file=out)
        print(file=out)
    return 0


def _sweep(url: str, out: TextIO, *, as_json: bool) -> int:
    store = open_store(url)
    try:
        report = VerwijsIndex(store, key=_key_from_env()).sweep()
    finally:
        store.close()
    fields = SweepReport.COUNTS
    if as_json:
        data = {"at": report.at.isoformat(), **{f: getattr(report, f) for f in fields}}
        json.dump(data, out)
        print(file=out)
    else:
        print(f"sweep at {report.at.isoformat(timespec='seconds')}", file=out)
        for field in fields:
            print(f"  {field.replace('_', ' '):<20}{getattr(report, field):>8}", file=out)
    return 0


# --- the demo ------------------------------------------------------------------------------------


def _demo(url: str, *, keep: bool, out: TextIO) -> int:
    from verwijsindex.testing import FixedClock, make_professional, make_subject

    if url.startswith("sqlite:///") and not keep:
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
    store = open_store(url)
    index = VerwijsIndex(store, key=DEMO_KEY, clock=clock)
    try:
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
        print(f"verwijsindex demo on {url}  (clock starts {clock().date()})", file=out)
        print("", file=out)
        print("Registrations: who is involved with whom (never why)", file=out)
        for name, role in plan:
            clock.advance(timedelta(hours=2))
            professional = team[role]
            reg = index.register(youths[name], professional)
            what = "new link" if reg.created else "already registered: same link, nobody told"
            match = (
                f"  -> match {reg.match.id[:8]}" if reg.match is not None and reg.created else ""
            )
            print(
                f"  {professional.name:<28} {professional.organisation.name:<52} {name:<26} "
                f"{what}{match}",
                file=out,
            )
            if reg.created:
                print(f"      inform: {_words(reg.information_duty)}", file=out)
        print("", file=out)
        print("Matches, as each professional sees them", file=out)
        for professional in team.values():
            for m in index.matches_for(professional):
                others = [p for p in m.professionals if p != professional.id]
                print(
                    f"  {professional.id:<14} match {m.id[:8]} with {', '.join(others)}", file=out
                )
        print("", file=out)
        print("Notifications in the outbox", file=out)
        notes = index.pending_notifications()
        for n in notes:
            contacts = ", ".join(f"{c.name} <{c.email}>" for c in n.contacts) or "-"
            match_id = (n.match_id or "")[:8]
            print(
                f"  {n.kind.value:<12} to {n.recipient:<24} match {match_id}  {contacts}", file=out
            )
        print("", file=out)
        report = index.verify_logbook()
        print(
            f"Logbook: {report.entries} entries in {report.lanes} chains, "
            f"{'verified' if report.ok else 'BROKEN'}",
            file=out,
        )
    finally:
        store.close()
    return 0


# --- simulate ------------------------------------------------------------------------------------


def _sqlite_file(url: str) -> Path | None:
    if not url.startswith("sqlite:///"):
        return None
    path = url.removeprefix("sqlite:///")
    return None if path in ("", ":memory:") else Path(path)


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

    path = _sqlite_file(args.store)
    if args.replace:
        if path is None:
            raise _usage("--replace only deletes a SQLite file (sqlite:///path.db)")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    scenario = Scenario(
        f"{args.policy}, {args.match_rule}, {args.active_years} years active",
        policy=args.policy,
        match_rule=args.match_rule,
        active_years=args.active_years,
    )
    show = args.progress or sys.stderr.isatty()
    began = time.perf_counter()
    population = synthetic_population(
        args.area, seed=args.seed, fraction=args.population_fraction, years=args.years
    )
    try:
        run = run_scenario(
            scenario,
            population,
            years=args.years,
            seed=args.seed,
            store=args.store,
            progress=_progress_bar(sys.stderr) if show else None,
        )
    except VerwijsindexError as error:
        if "empty store" in str(error) and path is not None:
            raise _usage(f"{error}; pass --replace to start {path} afresh") from None
        raise
    try:
        logbook = run.index.verify_logbook()
        stored = store_counts(run.index.store)
    finally:
        run.index.store.close()
    seconds = time.perf_counter() - began
    if args.json:
        data = {
            "store_url": args.store,
            "metrics": run.row,
            "store": stored,
            "logbook": {"ok": logbook.ok, "entries": logbook.entries},
            "seconds": round(seconds, 3),
        }
        json.dump(data, out, indent=2)
        print(file=out)
    else:
        _print_report(run.row, stored, logbook.ok, logbook.entries, args, population, out)
        print(f"Ran in {seconds:.1f} s", file=out)
    return 0


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
        print(f"  {label:<44}{text:>12}", file=out)

    print(f"verwijsindex simulate on {args.store}", file=out)
    print(
        f"scenario: policy {row['policy']}, match rule {row['match_rule']}, "
        f"links active {row['active_years']} years",
        file=out,
    )
    print(
        f"{population.regions.name}: {row['population']:,} youths under 23 "
        f"(fraction {args.population_fraction:g}), {row['years']} years from "
        f"{population.start.isoformat()}, seed {row['seed']}",
        file=out,
    )
    print("", file=out)
    print("Links", file=out)
    line("links made", row["links"])
    line("  of which renewals", row["renewals"])
    line("repeat registrations (same link returned)", row["repeat_registrations"])
    line("refused (age limit)", row["refused"])
    line("youths with a link", row["linked_youths"])
    line("archive hints", row["archive_hints"])
    line("withdrawn: risk resolved", row["withdrawn_risk_resolved"])
    line("withdrawn: unjustified", row["withdrawn_unjustified"])
    print("Matches", file=out)
    line("matches", row["matches"])
    line("youths matched", row["matched_youths"])
    line("share of youths with a link matched", row["share_matched"])
    line("days to first match, median", row["days_to_match_median"])
    line("days to first match, mean", row["days_to_match_mean"])
    line("cross-region matches", row["cross_region_matches"])
    line("family-match signals", row["family_signals"])
    print("Notifications", file=out)
    line("to professionals", row["notified_professional"])
    line("to follow-up checkers", row["notified_follow_up"])
    line("to region coordinators", row["notified_coordinator"])
    line("family matches to professionals", row["notified_family"])
    line("address matches to professionals", row["notified_address"])
    line("reminders to follow-up checkers", row["notified_reminder"])
    print("Information duty (links, by age on the day)", file=out)
    print(f"  {'':<26}{'under 12':>10}{'12-15':>10}{'16-22':>10}", file=out)
    for key, label in (("youth", "youth"), ("representative", "legal representative")):
        values = [row[f"duty_{key}_{band}"] for band in ("under_12", "12_15", "16_22")]
        print(f"  {label:<26}" + "".join(f"{v:>10,}" for v in values), file=out)
    line("links not informed as the statute says", row["not_informed_links"])
    line("links over-informed against the statute", row["over_informed_links"])
    line("youths not informed", row["youths_not_informed"])
    line("youths over-informed", row["youths_over_informed"])
    print("Lifecycle (weekly sweeps)", file=out)
    line("expired", row["expired"])
    line("purged from the archive", row["purged"])
    line("deleted at the age limit", row["deleted_links"])
    line("youths deleted at the age limit", row["deleted_youths"])
    line("matches dissolved", row["matches_dissolved"])
    print("In the store at the end", file=out)
    line("youths", stored["youths"])
    line("links, active", stored["active_links"])
    line("links, archived", stored["archived_links"])
    line("matches", stored["matches"])
    print(f"Logbook: {entries:,} entries, {'verified' if ok else 'BROKEN'}", file=out)
