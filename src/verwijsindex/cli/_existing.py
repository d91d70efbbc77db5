"""The commands on an existing index: ``sweep``, ``import`` (a CSV file laid out as
:data:`CSV_COLUMNS`) and ``stats``. Each opens the index with the pseudonym key the
environment gives (``VERWIJSINDEX_KEY``, ``VERWIJSINDEX_KEY_ID``).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from datetime import date, timedelta
from typing import TYPE_CHECKING, TextIO

import attrs

from verwijsindex.cli._output import EXIT_REJECTED, _say, _usage
from verwijsindex.cli._stores import _open_index
from verwijsindex.clock import add_months
from verwijsindex.errors import (
    ConfigurationError,
    InvalidRecordError,
    RuleMismatchError,
    UnknownMunicipalityError,
    VerwijsindexError,
    masked_name,
)
from verwijsindex.index import VerwijsIndex
from verwijsindex.maintenance import HOUSEHOLD_SETTINGS, RULE_SETTING, SweepReport
from verwijsindex.matching import MatchRule
from verwijsindex.pseudonyms import PseudonymKey
from verwijsindex.regions import ZUID_LIMBURG

if TYPE_CHECKING:
    from verwijsindex.model import Organisation
    from verwijsindex.roles import FollowUpChecker, RegionCoordinator
    from verwijsindex.storage import Store


def _key_from_env() -> PseudonymKey:
    text = os.environ.get("VERWIJSINDEX_KEY")
    if not text:
        raise _usage("set VERWIJSINDEX_KEY (hex, at least 32 bytes) to open a real store")
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        raise _usage("VERWIJSINDEX_KEY must be hexadecimal") from None
    try:
        return PseudonymKey(os.environ.get("VERWIJSINDEX_KEY_ID", "default"), secret)
    except VerwijsindexError as error:
        raise _usage(f"VERWIJSINDEX_KEY or VERWIJSINDEX_KEY_ID: {error}") from None


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


def _ordinal(text: str) -> bool:
    """Whether *text* is a few ASCII digits: ``"²".isdigit()`` is true and int() refuses
    it, and int() refuses more than 4,300 digits."""
    return len(text) < 10 and text.isascii() and text.isdigit()


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
            # a twin that is no ordinal goes to the import as it is, which rejects its line
            "twin": int(twin) if twin and _ordinal(twin) else twin,
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


def _read_csv(name: str) -> tuple[list[dict[str, str]], list[int]]:
    """The rows of the CSV file *name*, and the line of the file each ends on; a usage
    error if it cannot be read, or its header lacks a column every row needs."""
    import csv

    rows: list[dict[str, str]] = []
    lines: list[int] = []
    try:
        # utf-8-sig: a spreadsheet's "CSV UTF-8" starts with a byte-order mark, which would
        # otherwise become part of the first column's name (bsn)
        with open(name, encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames
            if not header:
                raise _usage("the CSV file has no header row (see docs/cli.md)")
            _check_columns(header)
            missing = [c for c in ("name", "birth_date", "professional_id") if c not in header]
            if missing:
                raise _usage(f"the CSV file has no column {missing[0]} (see docs/cli.md)")
            for row in reader:  # blank lines are skipped: the reader counts the file's lines
                rows.append(row)
                lines.append(reader.line_num)
    except OSError as error:
        raise _usage(
            f"cannot read the CSV file: {error.strerror or type(error).__name__}"
        ) from None
    except UnicodeDecodeError:
        raise _usage("the CSV file is not UTF-8") from None
    except csv.Error:
        raise _usage("the CSV file is not valid CSV") from None
    for line, row in zip(lines, rows, strict=True):
        if None in row:  # csv.DictReader's key for the cells beyond the header
            raise _usage(f"line {line} of the CSV file has more cells than its header")
    return rows, lines


def _check_columns(header: Sequence[str]) -> None:
    """Refuse a header that names a column twice or one the import does not take (a reason
    above all: nothing but the columns of :data:`CSV_COLUMNS` is read), naming the column
    with its digits masked and never repeating a cell."""
    seen: set[str] = set()
    for column in header:
        if column in seen:
            raise _usage(f"the CSV file names the column {masked_name(column)} twice")
        seen.add(column)
        if column not in CSV_COLUMNS:
            raise _usage(
                f"the CSV file has a column the import does not take: {masked_name(column)} "
                "(see docs/cli.md)"
            )


_DIFFERING = (
    "organisation_name, organisation_municipality_code or organisation_email: other rows "
    "give this organisation_id other details"
)
_OUTSIDE = (
    "organisation_municipality_code: not a municipality of the index's regions, so the "
    "organisation cannot sign its agreement"
)


def _organisations(
    records: Sequence[dict[str, object]],
) -> tuple[list[tuple[Organisation, list[int]]], dict[int, str]]:
    """The organisations to add before the import with the rows that name each, and the
    rows to reject for theirs.

    Only rows that are whole records count: a row the import will reject writes nothing,
    not even its organisation. The rows that give one organisation id two sets of details
    are each rejected, in whatever order they come (the first row's details would decide
    otherwise). A former municipality code is its current one here, as the index stores
    it (decision 78): an organisation's own records carry the old code for years."""
    from verwijsindex.importing import ImportRecord
    from verwijsindex.serialization import structure

    versions: dict[str, set[Organisation]] = {}
    rows_of: dict[str, list[int]] = {}
    for position, raw in enumerate(records):
        try:
            record = structure(raw, ImportRecord)
            attrs.validate(record)
        except VerwijsindexError:
            continue  # the import rejects the record, with its error
        organisation = _current(record.professional.organisation)
        versions.setdefault(organisation.id, set()).add(organisation)
        rows_of.setdefault(organisation.id, []).append(position)
    rejected: dict[int, str] = {}
    kept: list[tuple[Organisation, list[int]]] = []
    for organisation_id, found in versions.items():
        if len(found) > 1:
            rejected.update(dict.fromkeys(rows_of[organisation_id], _DIFFERING))
        else:
            kept.append((found.pop(), rows_of[organisation_id]))
    return kept, rejected


def _current(organisation: Organisation) -> Organisation:
    """*organisation* with its municipality's current CBS code, where the code is a former
    one of the index's regions (one outside them is refused when it is added)."""
    code = ZUID_LIMBURG.current_code(organisation.municipality_code)
    if code == organisation.municipality_code:
        return organisation
    return attrs.evolve(organisation, municipality_code=code)


def _index_on(store: Store, key: PseudonymKey, *, made: bool) -> VerwijsIndex:
    """The index on *store* with the match rule the store records, whatever rule the
    application runs (decision 119), and the store's household options (decision 124).
    An index this command *made* (``--create`` where there was none) takes the statute's
    default; one that was there and records no rule yet is refused, so that a command run
    before the application never fixes the rule; and so is one that records no household
    options yet (written before decision 124), which ``rules=None`` would record."""
    if not made:
        with store.transaction() as tx:
            setting = getattr(tx, "setting", None)  # a store without it: the index refuses
            unrecorded = (  # a store without a rule: the index refuses it as such
                callable(setting)
                and setting(RULE_SETTING) is not None
                and any(setting(name) is None for name in HOUSEHOLD_SETTINGS)
            )
        if unrecorded:
            raise RuleMismatchError(
                "the store records no household options yet (whether family and address "
                "matches are on); nothing was read or written: open it once with the "
                "application, which records its own"
            )
    return VerwijsIndex(
        store, key=key, match_rule=MatchRule.DIFFERENT_ORGANISATIONS if made else None
    )


def _import(args: argparse.Namespace, out: TextIO) -> int:
    from verwijsindex.importing import ImportProgress

    rows, lines = _read_csv(args.file)
    records = [_record_of(row) for row in rows]
    key = _key_from_env()
    store, made = _open_index(args.store, create=args.create)
    try:
        index = _index_on(store, key, made=made)
        if index.rules.address_match:  # the exclusion list is the application's (decision 124)
            raise ConfigurationError(
                "the index judges address matches by the application's list of excluded "
                "addresses, which the command line does not have; nothing was imported: "
                "import through the application (bulk_register)"
            )
        organisations, refused = _organisations(records)
        for organisation, positions in organisations:
            try:
                index.add_organisation(organisation)
            except UnknownMunicipalityError:  # outside the index's regions: its rows go
                refused.update(dict.fromkeys(positions, _OUTSIDE))
            except InvalidRecordError as error:  # its name holds a BSN: its rows go
                refused.update(dict.fromkeys(positions, str(error)))

        def progress(done: ImportProgress) -> None:
            _say(
                sys.stderr,
                f"batch {done.batches}: {done.records} records, {done.created} created, "
                f"{done.duplicates} duplicates, {done.rejected} rejected",
            )

        kept = [position for position in range(len(records)) if position not in refused]
        report = index.bulk_register(
            [records[position] for position in kept],
            batch_size=args.batch_size,
            notify=not args.no_notify,
            progress=progress,
        )
    finally:
        store.close()
    errors = dict(refused)
    errors.update((kept[o.position], str(o.error)) for o in report.outcomes if o.error is not None)
    rejected = [{"line": lines[position], "error": errors[position]} for position in sorted(errors)]
    summary = {
        "records": len(records),
        "created": report.created,
        "duplicates": report.duplicates,
        "rejected": len(rejected),
        "matches": len({o.match_id for o in report.outcomes if o.match_id}),
    }
    if args.json:
        json.dump({**summary, "rejected_lines": rejected}, out)
        print(file=out)
    else:
        for name, count in summary.items():
            _say(out, f"{name:<12}{count:>8}")
        for line in rejected:
            _say(out, f"line {line['line']}: {line['error']}")
    return EXIT_REJECTED if rejected else 0


def _reader(args: argparse.Namespace) -> RegionCoordinator | FollowUpChecker:
    """Who reads the statistics: a usage error for a region or municipality not known."""
    from verwijsindex.roles import FollowUpChecker, RegionCoordinator

    try:
        if args.region is not None:
            return RegionCoordinator(ZUID_LIMBURG.region_for(args.region).name)
        checker = FollowUpChecker(args.municipality)
        ZUID_LIMBURG.region_of_municipality(checker.municipality_code)
    except VerwijsindexError:
        option = "--region" if args.region is not None else "--municipality"
        raise _usage(f"{option}: no region or municipality of Zuid-Limburg goes by that") from None
    return checker


def _stats(args: argparse.Namespace, out: TextIO) -> int:
    last_month: date = args.last or args.first
    if last_month < args.first:
        raise _usage("--to: the last month comes before the first")
    last = add_months(last_month, 1) - timedelta(days=1)
    by = _reader(args)
    key = _key_from_env()
    store, made = _open_index(args.store, create=args.create)
    try:
        index = _index_on(store, key, made=made)
        stats = index.statistics((args.first, last), by=by, threshold=args.threshold)
    finally:
        store.close()
    if args.json:
        json.dump(stats.as_dicts(), out)
        print(file=out)
        return 0
    tables = dict.fromkeys((row.month, row.kind, row.region) for row in stats)
    if not tables:
        _say(out, "no counts in this period")
    for month, kind, region in tables:
        for line in stats.format_table(month, kind, region).splitlines():
            _say(out, line)
        _say(out)
    return 0


def _sweep(url: str, out: TextIO, *, create: bool, as_json: bool) -> int:
    key = _key_from_env()
    store, made = _open_index(url, create=create)
    try:
        report = _index_on(store, key, made=made).sweep()
    finally:
        store.close()
    fields = SweepReport.COUNTS
    if as_json:
        data = {"at": report.at.isoformat(), **{f: getattr(report, f) for f in fields}}
        json.dump(data, out)
        print(file=out)
    else:
        _say(out, f"sweep at {report.at.isoformat(timespec='seconds')}")
        for field in fields:
            _say(out, f"  {field.replace('_', ' '):<20}{getattr(report, field):>8}")
    return 0
