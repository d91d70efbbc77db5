"""The command line, run as a user runs it: in a subprocess; and in-process, for coverage."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from verwijsindex.cli import main

KEY_HEX = "ab" * 32
NINE_DIGITS = re.compile(r"(?<![\d,.])\d{9}(?![\d,.])")
SMALL = ("--population-fraction", "0.01", "--years", "1")


def run(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "verwijsindex", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )


def test_demo_on_a_sqlite_file(tmp_path: Path) -> None:
    done = run("demo", "--store", "sqlite:///demo.db", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Registrations" in out and "Matches" in out and "Notifications" in out
    assert "already registered: same link, nobody told" in out
    assert "inform: youth and legal representative" in out
    assert "coordinator" in out
    assert "verified" in out
    assert (tmp_path / "demo.db").exists()
    for bsn in ("111222333", "123456782", "010000008"):
        assert bsn not in out
    again = run("demo", "--store", "sqlite:///demo.db", cwd=tmp_path)
    assert again.returncode == 0
    assert again.stdout.count("new link") == out.count("new link")  # a fresh run each time


def test_regions() -> None:
    done = run("regions")
    assert done.returncode == 0
    assert "Beekdaelen" in done.stdout and "1954" in done.stdout and "0951" in done.stdout
    assert done.stdout.count("  contact:") == 3


def test_policies_text_and_json() -> None:
    done = run("policies")
    assert done.returncode == 0
    assert "deviations from the statute: none" in done.stdout
    data = json.loads(run("policies", "--json").stdout)
    by_name = {p["name"]: p for p in data}
    assert by_name["statute"]["deviations"] == []
    assert [d["age"] for d in by_name["leaflet-zuid-limburg"]["deviations"]] == list(range(16, 23))
    assert [d["age"] for d in by_name["leaflet-westelijke-mijnstreek"]["deviations"]] == [
        12,
        13,
        14,
        15,
    ]


def test_check_bsn() -> None:
    done = run("check-bsn", "111222333", "1112.22.333")
    assert done.returncode == 0
    assert "111222333" not in done.stdout  # masked even here
    bad = run("check-bsn", "111222334", "123")
    assert bad.returncode == 1
    assert "elfproef" in bad.stdout and "fewer than eight digits" in bad.stdout
    assert "111222334" not in bad.stdout


def test_sweep_needs_a_key_and_runs(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'index.db'}"
    missing = run("sweep", "--store", url, env={"VERWIJSINDEX_KEY": ""})
    assert missing.returncode == 2 and "VERWIJSINDEX_KEY" in missing.stderr
    done = run("sweep", "--store", url, "--json", env={"VERWIJSINDEX_KEY": KEY_HEX})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["dossiers"] == 0
    text = run("sweep", "--store", url, env={"VERWIJSINDEX_KEY": KEY_HEX})
    assert "expired" in text.stdout


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("frobnicate",),
        ("sweep",),
        ("demo", "--store"),
        ("check-bsn",),
        ("regions", "extra"),
        ("policies", "--yaml"),
        ("demo", "--store", "ftp://nowhere"),
        ("sweep", "--store", "ftp://nowhere"),
        ("simulate", "--years", "0"),
        ("simulate", "--years", "two"),
        ("simulate", "--seed", "x"),
        ("simulate", "--active-years", "-1"),
        ("simulate", "--population-fraction", "0"),
        ("simulate", "--population-fraction", "1.5"),
        ("simulate", "--population-fraction", "half"),
        ("simulate", "--policy", "lenient"),
        ("simulate", "--match-rule", "first-come"),
        ("simulate", "--area", "utrecht"),
        ("simulate", "--store", "memory://", "--replace"),
        ("simulate", "--store", "ftp://nowhere", *SMALL),
        ("simulate", "--frobnicate"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    done = run(*args, env={"VERWIJSINDEX_KEY": KEY_HEX})
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_stats_for_a_region_and_a_municipality(tmp_path: Path) -> None:
    """The statistics of a store whose key is in the environment: a table per kind, every
    small count an x; the checker gets their municipality's rows only."""
    from datetime import date, datetime, timezone

    from verwijsindex.index import VerwijsIndex
    from verwijsindex.pseudonyms import PseudonymKey
    from verwijsindex.storage import open_store
    from verwijsindex.testing import FixedClock, make_professional, make_subject
    from verwijsindex.testing._base import valid_bsns

    url = f"sqlite:///{tmp_path / 'index.db'}"
    store = open_store(url)
    clock = FixedClock(datetime.now(timezone.utc))
    index = VerwijsIndex(store, key=PseudonymKey("default", bytes.fromhex(KEY_HEX)), clock=clock)
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    index.add_organisation(nurse.organisation)
    for bsn in valid_bsns(6):
        index.register(make_subject(bsn=bsn, birth_date=date(2013, 1, 1)), nurse)
    store.close()
    month = clock().strftime("%Y-%m")
    env = {"VERWIJSINDEX_KEY": KEY_HEX}
    region = ("stats", "--store", url, "--region", "Maastricht-Heuvelland", "--from", month)
    text = run(*region, env=env)
    assert text.returncode == 0, text.stderr
    assert "links-made" in text.stdout and " 6 " in text.stdout
    rows = json.loads(run(*region, "--json", env=env).stdout)
    cell = [r for r in rows if r["kind"] == "links-made" and r["municipality"] == "0935"
            and r["age_band"] == "12-15"]  # fmt: skip
    assert [r["count"] for r in cell] == [6]
    checker = ("stats", "--store", url, "--municipality", "0938", "--from", month, "--json")
    mine = json.loads(run(*checker, env=env).stdout)
    assert mine and {r["municipality"] for r in mine} == {"0938"}
    bad = run("stats", "--store", url, "--region", "Nergens", "--from", month, env=env)
    assert bad.returncode == 2 and len(bad.stderr.strip().splitlines()) == 1
    assert run("stats", "--store", url, "--from", "2026-13", "--region", "x").returncode == 2


@pytest.mark.parametrize(
    "command", ["simulate", "demo", "regions", "policies", "check-bsn", "sweep", "stats"]
)
def test_help_everywhere(command: str) -> None:
    done = run(command, "--help")
    assert done.returncode == 0 and "usage:" in done.stdout


# --- simulate -----------------------------------------------------------------------------------


def test_simulate_reports_on_a_sqlite_file(tmp_path: Path) -> None:
    done = run("simulate", "--store", "sqlite:///sim.db", *SMALL, "--seed", "4", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for heading in ("Links", "Matches", "Notifications", "Information duty", "Lifecycle"):
        assert heading in out
    assert "policy statute, match rule different-organisations" in out
    assert "Logbook:" in out and "verified" in out
    assert not NINE_DIGITS.search(out + done.stderr)  # counts only, never a BSN
    assert done.stderr == ""  # no progress bar when stderr is not a terminal
    assert (tmp_path / "sim.db").exists()
    # the store is not empty now: refuse, and say how to start afresh
    again = run("simulate", "--store", "sqlite:///sim.db", *SMALL, cwd=tmp_path)
    assert again.returncode == 2
    assert len(again.stderr.strip().splitlines()) == 1 and "--replace" in again.stderr
    replaced = run(
        "simulate", "--store", "sqlite:///sim.db", "--replace", *SMALL, "--seed", "4", cwd=tmp_path
    )
    assert replaced.returncode == 0 and replaced.stdout.split("Ran in")[0] == out.split("Ran in")[0]


def test_simulate_json_is_the_same_on_every_store(tmp_path: Path) -> None:
    args = ("simulate", *SMALL, "--seed", "9", "--json", "--policy", "leaflet-zuid-limburg")
    on_file = run(*args, "--store", f"sqlite:///{tmp_path / 'a.db'}", "--progress")
    in_memory = run(*args, "--store", "memory://")
    assert on_file.returncode == in_memory.returncode == 0, on_file.stderr + in_memory.stderr
    assert "simulating [" in on_file.stderr and "100%" in on_file.stderr
    a, b = json.loads(on_file.stdout), json.loads(in_memory.stdout)
    assert a["metrics"] == b["metrics"] and a["store"] == b["store"]
    metrics, stored = a["metrics"], a["store"]
    assert metrics["policy"] == "leaflet-zuid-limburg" and metrics["over_informed_links"] > 0
    assert a["logbook"]["ok"] is True
    assert stored["links"] == (
        metrics["links"]
        - metrics["withdrawn_unjustified"]
        - metrics["purged"]
        - metrics["deleted_links"]
    )
    assert not NINE_DIGITS.search(on_file.stdout)


# --- in-process, so coverage sees the command line ------------------------------------------------


def call(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(list(args), out=out)
    return code, out.getvalue()


def test_in_process_simulate_text_and_json(tmp_path: Path) -> None:
    code, text = call("simulate", "--store", "memory://", *SMALL, "--match-rule", "any-two-links")
    assert code == 0 and "any-two-links" in text and "Ran in" in text
    url = f"sqlite:///{tmp_path / 'x.db'}"
    code, data = call("simulate", "--store", url, *SMALL, "--active-years", "1", "--json")
    assert code == 0 and json.loads(data)["metrics"]["active_years"] == 1
    code, data = call("simulate", "--store", url, "--replace", *SMALL, "--json", "--progress")
    assert code == 0 and json.loads(data)["logbook"]["ok"]


def test_in_process_simulate_refuses_a_used_store(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'used.db'}"
    assert call("simulate", "--store", url, *SMALL)[0] == 0
    with pytest.raises(SystemExit) as stop:
        call("simulate", "--store", url, *SMALL)
    assert stop.value.code == 2 and "--replace" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        call("simulate", "--store", "memory://", "--replace")
    assert call("simulate", "--store", "sqlite://", *SMALL)[0] == 0


def test_in_process_other_commands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert call("demo", "--store", "memory://")[0] == 0
    code, text = call("regions")
    assert code == 0 and "Westelijke Mijnstreek" in text
    assert call("policies")[0] == 0 and json.loads(call("policies", "--json")[1])
    assert call("check-bsn", "111222333")[0] == 0
    assert call("check-bsn", "111222334")[0] == 1
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    url = f"sqlite:///{tmp_path / 'sweep.db'}"
    assert call("sweep", "--store", url)[0] == 0
    assert json.loads(call("sweep", "--store", url, "--json")[1])["dossiers"] == 0
    assert call("sweep", "--store", "ftp://nowhere")[0] == 2
    assert "unknown store URL" in capsys.readouterr().err
    monkeypatch.setenv("VERWIJSINDEX_KEY", "not hex")
    with pytest.raises(SystemExit):
        call("sweep", "--store", url)


@pytest.mark.parametrize(
    "args",
    [
        ("simulate", "--years", "0"),
        ("simulate", "--years", "two"),
        ("simulate", "--population-fraction", "half"),
        ("simulate", "--population-fraction", "2"),
        ("frobnicate",),
    ],
)
def test_in_process_bad_arguments_exit_2(
    args: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as stop:
        call(*args)
    assert stop.value.code == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_in_process_sweep_and_demo_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("VERWIJSINDEX_KEY", raising=False)
    with pytest.raises(SystemExit):
        call("sweep", "--store", "memory://")
    assert "VERWIJSINDEX_KEY" in capsys.readouterr().err
    monkeypatch.chdir(tmp_path)
    assert call("demo")[0] == 0 and (tmp_path / "verwijsindex-demo.db").exists()


def _csv_row(n: int, bsn: str, professional: int, organisation: int) -> dict[str, str]:
    return {
        "bsn": bsn,
        "surname": "",
        "twin": "",
        "name": f"Jeugdige {n}",
        "gender": "VMO"[n % 3],
        "birth_date": f"{2008 + n % 12}-0{1 + n % 9}-1{n % 9}",
        "street": "Markt",
        "house_number": str(1 + n % 90),
        "postcode": "6211 CK",
        "city": "Maastricht",
        "municipality_code": "0935",
        "parents": "",
        "professional_id": f"p{professional}",
        "professional_name": f"Professional {professional}",
        "professional_email": f"p{professional}@example.nl",
        "professional_phone": "",
        "organisation_id": f"org-{organisation}",
        "organisation_name": f"Organisatie {organisation}",
        "organisation_municipality_code": "0935",
        "organisation_email": f"info@org{organisation}.example.nl",
        "created_at": f"2026-0{1 + n % 9}-15T10:00:00+01:00",
        "ends_on": "2027-12-31",
    }


def test_import_of_5000_historical_links_without_notifications(tmp_path: Path) -> None:
    """A regional index migrating: 5,000 links of 2,500 youths, each by two organisations;
    with --no-notify every match forms and is logged, no one is told, progress is shown per
    batch, and a second run finds every link already there."""
    import csv

    from verwijsindex.cli import CSV_COLUMNS
    from verwijsindex.index import VerwijsIndex
    from verwijsindex.model import LogAction
    from verwijsindex.pseudonyms import PseudonymKey
    from verwijsindex.storage import open_store
    from verwijsindex.testing._base import valid_bsns

    path = tmp_path / "links.csv"
    bsns = valid_bsns(2_500)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for n, bsn in enumerate(bsns):
            writer.writerow(_csv_row(n, bsn, professional=n % 40, organisation=n % 7))
            writer.writerow(_csv_row(n, bsn, professional=40 + n % 40, organisation=7 + n % 5))
        writer.writerow({**_csv_row(0, "111222334", 1, 1), "name": "Elfproef Fout"})
    url = f"sqlite:///{tmp_path / 'index.db'}"
    env = {"VERWIJSINDEX_KEY": KEY_HEX}
    done = run("import", str(path), "--store", url, "--no-notify", "--json", env=env)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert (report["created"], report["rejected"], report["matches"]) == (5_000, 1, 2_500)
    assert report["rejected_lines"][0]["line"] == 5_002
    assert "111222334" not in done.stdout + done.stderr
    progress = [line for line in done.stderr.splitlines() if line.startswith("batch ")]
    assert len(progress) == 11 and "5001 records" in progress[-1]
    with open_store(url) as store:
        index = VerwijsIndex(store, key=PseudonymKey("default", bytes.fromhex(KEY_HEX)))
        assert index.pending_notifications() == []
        with store.transaction() as tx:
            matched = sum(1 for e in tx.log_entries() if e.action is LogAction.MATCHED)
        assert matched == 2_500
        assert index.verify_logbook().ok
    again = json.loads(run("import", str(path), "--store", url, "--json", env=env).stdout)
    assert (again["created"], again["duplicates"]) == (0, 5_000)
