"""The command line (opdrachtregel): ``verwijsindex`` and ``python -m verwijsindex``.

Subcommands: ``demo``, ``regions``, ``policies``, ``check-bsn`` and ``sweep``.
Bad arguments print one line and exit with code 2.

The CLI, unlike the library, may read the environment: ``VERWIJSINDEX_KEY`` (hex, at
least 32 bytes) and ``VERWIJSINDEX_KEY_ID`` give the pseudonym key for ``sweep``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import NoReturn, TextIO

from verwijsindex.errors import VerwijsindexError
from verwijsindex.index import VerwijsIndex
from verwijsindex.model import Recipient, is_valid_bsn, parse_bsn
from verwijsindex.pseudonyms import PseudonymKey
from verwijsindex.regions import POLICIES, ZUID_LIMBURG, deviations
from verwijsindex.storage import open_store

__all__ = ["main"]

DEMO_KEY = PseudonymKey("demo", b"verwijsindex-demo-key-never-real")
"""The fixed key of ``verwijsindex demo``. Never use it for real data."""

_RECIPIENT_WORDS = {
    Recipient.YOUTH: "youth",
    Recipient.LEGAL_REPRESENTATIVE: "legal representative",
}


class _Parser(argparse.ArgumentParser):
    """argparse, but an error is one line and exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="verwijsindex",
        description="The Dutch verwijsindex risicojongeren (Jeugdwet chapter 7.1).",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

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
    return parser


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    """Run the command line with *argv*; return the exit code."""
    stream = out or sys.stdout
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            return _demo(args.store, keep=args.keep, out=stream)
        if args.command == "regions":
            return _regions(stream)
        if args.command == "policies":
            return _policies(stream, as_json=args.json)
        if args.command == "check-bsn":
            return _check_bsn(args.bsn, stream)
        return _sweep(args.store, stream, as_json=args.json)
    except VerwijsindexError as error:
        print(f"verwijsindex: error: {error}", file=sys.stderr)
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


def _sweep(url: str, out: TextIO, *, as_json: bool) -> int:
    store = open_store(url)
    try:
        report = VerwijsIndex(store, key=_key_from_env()).sweep()
    finally:
        store.close()
    fields = [
        "expired",
        "purged",
        "deleted_links",
        "deleted_subjects",
        "matches_dissolved",
        "dossiers",
    ]
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
