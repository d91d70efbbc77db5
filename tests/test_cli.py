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

from verwijsindex.cli import COMMANDS, EXIT_FAILURE, EXIT_REJECTED, main

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
    done = run("sweep", "--store", url, "--create", "--json", env={"VERWIJSINDEX_KEY": KEY_HEX})
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


@pytest.mark.parametrize("command", sorted(COMMANDS))
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
    assert call("sweep", "--store", url, "--create")[0] == 0
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
    done = run("import", str(path), "--store", url, "--create", "--no-notify", "--json", env=env)
    assert done.returncode == EXIT_REJECTED, done.stderr
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


# --- the issue: version, help, exit codes, files, JSON, output that fits -------------------------

KEY_ENV = {"VERWIJSINDEX_KEY": KEY_HEX}
USES_THE_KEY = {"sweep", "import", "stats"}
UNREACHABLE = "postgresql://nobody:hunter2@127.0.0.1:1/x"


def one_line(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    return lines[0]


def test_version_is_the_installed_release(capsys: pytest.CaptureFixture[str]) -> None:
    from importlib.metadata import version

    done = run("--version")
    assert done.returncode == 0
    assert done.stdout == f"verwijsindex {version('verwijsindex')}\n"
    with pytest.raises(SystemExit) as stop:
        call("--version")
    assert stop.value.code == 0 and capsys.readouterr().out == done.stdout


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_describes_the_command_and_its_environment(command: str) -> None:
    """Each subcommand's --help opens with its one-line description, names every
    environment variable it reads, and fits 100 columns on however wide a terminal."""
    done = run(command, "--help", env={"COLUMNS": "250"})
    assert done.returncode == 0
    description = COMMANDS[command]
    assert len(description) <= 100 and "\n" not in description
    assert description in done.stdout.splitlines()
    reads_key = "VERWIJSINDEX_KEY " in done.stdout and "VERWIJSINDEX_KEY_ID" in done.stdout
    assert reads_key == (command in USES_THE_KEY)
    assert "exit codes" in done.stdout
    assert max(len(line) for line in done.stdout.splitlines()) <= 100


def test_the_list_of_commands_describes_each() -> None:
    done = run("--help", env={"COLUMNS": "250"})
    assert done.returncode == 0
    text = " ".join(done.stdout.split())
    for command, description in COMMANDS.items():
        assert f"{command} {' '.join(description.split())}" in text
    assert max(len(line) for line in done.stdout.splitlines()) <= 100


def test_exit_code_2_for_a_usage_error() -> None:
    for args in (("simulate", "--years", "0"), ("sweep", "--store", "ftp://nowhere")):
        done = run(*args, env=KEY_ENV)
        assert done.returncode == 2
        assert one_line(done.stderr).startswith("verwijsindex")
    assert "nowhere" not in done.stderr


@pytest.mark.parametrize("command", ["simulate", "demo", "sweep", "stats", "import"])
def test_exit_code_3_for_a_server_that_is_down(command: str, tmp_path: Path) -> None:
    csv_file = tmp_path / "links.csv"
    csv_file.write_text("name,birth_date,professional_id\n", encoding="utf-8")
    extra = {
        "simulate": SMALL,
        "stats": ("--region", "Parkstad", "--from", "2026-01"),
        "import": (str(csv_file),),
    }.get(command, ())
    done = run(command, *extra, "--store", UNREACHABLE, env=KEY_ENV)
    assert done.returncode == 3, done.stderr
    message = one_line(done.stderr)
    assert "cannot open the store" in message
    for value in ("hunter2", "nobody", "127.0.0.1"):
        assert value not in message


def test_exit_code_3_for_a_sqlite_path_in_a_missing_directory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'no-such-directory' / 'index.db'}"
    for args in (
        ("simulate", "--store", url, *SMALL),
        ("demo", "--store", url),
        ("sweep", "--store", url, "--create"),
        ("sweep", "--store", url),
    ):
        done = run(*args, env=KEY_ENV)
        assert done.returncode == 3, args
        assert "no-such-directory" not in one_line(done.stderr)
    assert not (tmp_path / "no-such-directory").exists()


def test_exit_code_1_for_an_invalid_bsn_and_a_failed_run(tmp_path: Path) -> None:
    bad = run("check-bsn", "111222334")
    assert bad.returncode == 1 and "invalid" in bad.stdout and bad.stderr == ""
    # the index opens, but was made under another key: the run fails
    url = f"sqlite:///{tmp_path / 'index.db'}"
    assert run("sweep", "--store", url, "--create", env=KEY_ENV).returncode == 0
    other = run("sweep", "--store", url, env={"VERWIJSINDEX_KEY": "cd" * 32})
    assert other.returncode == 1
    assert "key" in one_line(other.stderr)


@pytest.mark.parametrize("command", ["sweep", "stats", "import"])
def test_commands_on_an_index_refuse_a_missing_file_without_create(
    command: str, tmp_path: Path
) -> None:
    csv_file = tmp_path / "links.csv"
    csv_file.write_text("name,birth_date,professional_id\n", encoding="utf-8")
    extra = {
        "stats": ("--region", "Parkstad", "--from", "2026-01"),
        "import": (str(csv_file),),
    }.get(command, ())
    path = tmp_path / "index.db"
    url = f"sqlite:///{path}"
    refused = run(command, *extra, "--store", url, env=KEY_ENV)
    assert refused.returncode == 3
    assert one_line(refused.stderr).endswith("no index at that path; give --create to make one")
    assert str(tmp_path) not in refused.stderr
    assert not path.exists()
    made = run(command, *extra, "--store", url, "--create", env=KEY_ENV)
    assert made.returncode == 0, made.stderr
    assert path.exists()
    again = run(command, *extra, "--store", url, env=KEY_ENV)  # now there is one
    assert again.returncode == 0, again.stderr


def test_commands_on_an_index_refuse_files_that_hold_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    empty = tmp_path / "empty.db"
    empty.touch()
    plain = tmp_path / "notes.txt"
    plain.write_text("not a database\n", encoding="utf-8")
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE t (a)")
    connection.close()
    before = other.read_bytes()
    assert call("sweep", "--store", f"sqlite:///{empty}")[0] == 3
    assert "give --create" in capsys.readouterr().err
    assert call("sweep", "--store", f"sqlite:///{plain}", "--create")[0] == 3
    assert "not a SQLite database" in capsys.readouterr().err
    assert plain.read_text(encoding="utf-8") == "not a database\n"
    assert call("stats", "--store", f"sqlite:///{other}", "--region", "Parkstad",
                "--from", "2026-01")[0] == 3  # fmt: skip
    assert "holds no index" in capsys.readouterr().err
    assert other.read_bytes() == before
    assert call("sweep", "--store", f"sqlite:///{tmp_path}")[0] == 3  # a directory
    assert "directory" in capsys.readouterr().err
    assert call("sweep", "--store", f"sqlite:///{empty}", "--create")[0] == 0


def _files(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir())}


def _mark_of(path: Path) -> list[tuple[str, ...]]:
    import sqlite3

    connection = sqlite3.connect(path)
    try:
        return list(connection.execute("SELECT command FROM cli_made"))
    finally:
        connection.close()


def test_demo_and_simulate_leave_files_they_did_not_make_alone(tmp_path: Path) -> None:
    """A plain file, a SQLite database of another program and a real index: demo and
    simulate, with or without --replace or --keep, delete and write none of them."""
    import sqlite3

    (tmp_path / "plain.db").write_text("my notes\n", encoding="utf-8")
    with sqlite3.connect(tmp_path / "other.db") as connection:
        connection.execute("CREATE TABLE t (a)")
        connection.execute("INSERT INTO t VALUES (1)")
    connection.close()
    made = run("sweep", "--store", "sqlite:///real.db", "--create", cwd=tmp_path, env=KEY_ENV)
    assert made.returncode == 0, made.stderr
    (tmp_path / "empty.db").touch()
    before = _files(tmp_path)
    for name in before:
        url = f"sqlite:///{name}"
        for args in (
            ("demo", "--store", url),
            ("demo", "--store", url, "--keep"),
            ("simulate", "--store", url, "--replace", *SMALL),
            ("simulate", "--store", url, *SMALL),
        ):
            done = run(*args, cwd=tmp_path)
            assert done.returncode == 1, (args, done.stderr)
            message = one_line(done.stderr)
            assert "not made by verwijsindex demo or simulate" in message
            assert name not in message
    assert _files(tmp_path) == before


def test_demo_and_simulate_delete_what_they_made(tmp_path: Path) -> None:
    """make demo: the demo on its file, then simulate --replace on the same file; and again."""
    path = tmp_path / "verwijsindex-demo.db"
    first = run("demo", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert _mark_of(path) == [("demo",)]
    url = "sqlite:///verwijsindex-demo.db"
    simulated = run("simulate", "--store", url, "--replace", *SMALL, cwd=tmp_path)
    assert simulated.returncode == 0, simulated.stderr
    assert _mark_of(path) == [("simulate",)]
    again = run("demo", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("new link") == first.stdout.count("new link")
    assert _mark_of(path) == [("demo",)]
    kept = run("demo", "--keep", cwd=tmp_path)
    assert kept.returncode == 0 and "new link" not in kept.stdout


def test_simulate_runs_in_memory_by_default(tmp_path: Path) -> None:
    done = run("simulate", *SMALL, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("verwijsindex simulate on memory://\n")
    assert list(tmp_path.iterdir()) == []  # nothing left behind
    data = json.loads(run("simulate", *SMALL, "--json", cwd=tmp_path).stdout)
    assert data["store_url"] == "memory://"


def test_regions_and_policies_as_json() -> None:
    from verwijsindex.regions import POLICIES, ZUID_LIMBURG

    regions = json.loads(run("regions", "--json").stdout)
    assert regions["name"] == "Zuid-Limburg"
    by_name = {r["name"]: r for r in regions["regions"]}
    assert set(by_name) == {r.name for r in ZUID_LIMBURG}
    for region in ZUID_LIMBURG:
        shown = by_name[region.name]
        assert shown["policy"] == region.policy.name
        assert [m["name"] for m in shown["municipalities"]] == [
            m.name for m in region.municipalities
        ]
    beekdaelen = next(m for m in by_name["Parkstad Limburg"]["municipalities"]
                      if m["code"] == "1954")  # fmt: skip
    assert "0951" in beekdaelen["former_codes"]
    policies = json.loads(run("policies", "--json").stdout)
    assert {p["name"] for p in policies} == set(POLICIES)
    statute = next(p for p in policies if p["name"] == "statute")
    assert set(statute["regions"]) == {r.name for r in ZUID_LIMBURG}
    sources = {p["name"]: p["source"] for p in policies}
    assert sources["leaflet-zuid-limburg"].startswith("the Zuid-Limburg leaflet: ")
    assert sources["leaflet-westelijke-mijnstreek"].startswith("the Westelijke Mijnstreek page")


def _stats_store(tmp_path: Path) -> str:
    """A SQLite index with six links this month, under the test key."""
    from datetime import date, datetime, timezone

    from verwijsindex.index import VerwijsIndex
    from verwijsindex.pseudonyms import PseudonymKey
    from verwijsindex.storage import open_store
    from verwijsindex.testing import FixedClock, make_professional, make_subject
    from verwijsindex.testing._base import valid_bsns

    url = f"sqlite:///{tmp_path / 'stats.db'}"
    with open_store(url) as store:
        clock = FixedClock(datetime.now(timezone.utc))
        key = PseudonymKey("default", bytes.fromhex(KEY_HEX))
        index = VerwijsIndex(store, key=key, clock=clock)
        nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
        index.add_organisation(nurse.organisation)
        for bsn in valid_bsns(6):
            index.register(make_subject(bsn=bsn, birth_date=date(2013, 1, 1)), nurse)
    return url


def test_every_line_of_every_command_fits_and_names_no_label(tmp_path: Path) -> None:
    """Text output (stdout and stderr) in at most 100 columns, with regions and policies
    by their names; the JSON too never carries an internal label such as "seed 000"."""
    import csv

    from verwijsindex.cli import CSV_COLUMNS
    from verwijsindex.testing._base import valid_bsns

    stats_url = _stats_store(tmp_path)
    month = __import__("datetime").date.today().strftime("%Y-%m")
    links = tmp_path / "links.csv"
    with links.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for n, bsn in enumerate(valid_bsns(3)):
            writer.writerow(_csv_row(n, bsn, professional=n, organisation=n))
            writer.writerow(_csv_row(n, bsn, professional=9, organisation=9))
        # a rejected line, its error shown in full
        writer.writerow({**_csv_row(0, "111222334", 1, 1), "name": "Elfproef Fout"})
    index_url = f"sqlite:///{tmp_path / 'index.db'}"
    long_dir = tmp_path / ("a-directory-with-a-name-long-enough-to-push-a-line-past-the-edge" * 2)
    long_dir.mkdir()
    commands: list[tuple[str, ...]] = [
        ("demo",),
        ("demo", "--store", f"sqlite:///{long_dir / 'demo.db'}"),
        ("simulate", *SMALL),
        ("simulate", *SMALL, "--policy", "leaflet-westelijke-mijnstreek", "--progress"),
        ("simulate", *SMALL, "--area", "country", "--population-fraction", "0.0002"),
        ("regions",),
        ("policies",),
        ("check-bsn", "111222333", "111222334", "123"),
        ("sweep", "--store", index_url, "--create"),
        ("import", str(links), "--store", index_url),
        ("stats", "--store", stats_url, "--region", "Maastricht-Heuvelland", "--from", month),
        ("stats", "--store", stats_url, "--municipality", "0938", "--from", month),
    ]
    for args in commands:
        done = run(*args, cwd=tmp_path, env=KEY_ENV)
        assert done.returncode in (0, 1, EXIT_REJECTED), (args, done.stderr)
        lines = (done.stdout + done.stderr.replace("\r", "\n")).splitlines()
        assert len(lines) > 2, args
        too_long = [line for line in lines if len(line) > 100]
        assert not too_long, (args, too_long)
        assert "seed 0" not in done.stdout + done.stderr, args
    for args in (("regions", "--json"), ("policies", "--json"), ("simulate", *SMALL, "--json")):
        assert "seed 0" not in run(*args).stdout


# --- the same, in-process, so coverage sees it ----------------------------------------------------


def test_in_process_regions_policies_and_help(capsys: pytest.CaptureFixture[str]) -> None:
    code, text = call("regions", "--json")
    assert code == 0 and json.loads(text)["regions"]
    code, text = call("policies")
    assert code == 0 and "the Westelijke Mijnstreek page" in text and "seed 0" not in text
    with pytest.raises(SystemExit) as stop:
        call("sweep", "--help")
    assert stop.value.code == 0 and "VERWIJSINDEX_KEY_ID" in capsys.readouterr().out


def test_in_process_stores_that_cannot_be_opened(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlite3

    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    assert call("sweep", "--store", UNREACHABLE)[0] == 3
    err = capsys.readouterr().err
    assert "is the server running" in err and "hunter2" not in err
    missing = f"sqlite:///{tmp_path / 'nowhere' / 'x.db'}"
    assert call("simulate", "--store", missing, *SMALL)[0] == 3
    assert call("sweep", "--store", missing, "--create")[0] == 3
    assert "does the directory exist" in capsys.readouterr().err
    # an index of a newer release
    newer = tmp_path / "newer.db"
    assert call("sweep", "--store", f"sqlite:///{newer}", "--create")[0] == 0
    with sqlite3.connect(newer) as connection:
        connection.execute("UPDATE schema_version SET version = 999")
    connection.close()
    capsys.readouterr()
    assert call("sweep", "--store", f"sqlite:///{newer}")[0] == 3
    assert "schema version" in one_line(capsys.readouterr().err)
    # the header of a SQLite database, and then nothing it can read
    broken = tmp_path / "broken.db"
    broken.write_bytes(b"SQLite format 3\x00" + b"\xff" * 200)
    assert call("sweep", "--store", f"sqlite:///{broken}")[0] == 3
    assert "SQLite" in capsys.readouterr().err
    assert call("demo", "--store", f"sqlite:///{broken}")[0] == 3
    assert call("simulate", "--store", f"sqlite:///{broken}", "--replace", *SMALL)[0] == 3
    assert broken.read_bytes() == b"SQLite format 3\x00" + b"\xff" * 200  # left alone
    # a directory where a file should be: nothing can be opened, nothing is touched
    directory = tmp_path / "a-directory"
    directory.mkdir()
    for command in (["demo"], ["simulate", "--replace", *SMALL], ["sweep"]):
        assert call(command[0], "--store", f"sqlite:///{directory}", *command[1:])[0] == 3
    assert directory.is_dir() and list(directory.iterdir()) == []
    # a URL that is malformed is a usage error: no store was tried
    assert call("sweep", "--store", "postgresql://127.0.0.1:1/x?schema=A-B")[0] == 2


def test_in_process_scratch_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    plain = tmp_path / "plain.db"
    plain.write_text("keep me\n", encoding="utf-8")
    assert call("demo", "--store", f"sqlite:///{plain}")[0] == 1
    assert call("simulate", "--store", f"sqlite:///{plain}", "--replace", *SMALL)[0] == 1
    assert "left alone" in capsys.readouterr().err
    assert plain.read_text(encoding="utf-8") == "keep me\n"
    own = f"sqlite:///{tmp_path / 'own.db'}"
    assert call("demo", "--store", own)[0] == 0
    assert call("demo", "--store", own, "--keep")[0] == 0
    assert call("simulate", "--store", own, "--replace", *SMALL)[0] == 0
    assert _mark_of(tmp_path / "own.db") == [("simulate",)]


def test_in_process_usage_errors_of_stats_and_import(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    url = f"sqlite:///{tmp_path / 'index.db'}"
    for args in (
        ("stats", "--store", url, "--region", "Nergens", "--from", "2026-01"),
        ("stats", "--store", url, "--municipality", "0363", "--from", "2026-01"),
        ("stats", "--store", url, "--municipality", "x", "--from", "2026-01"),
        ("stats", "--store", url, "--region", "Parkstad", "--from", "2026-05", "--to", "2026-04"),
        ("import", str(tmp_path / "missing.csv"), "--store", url),
    ):
        with pytest.raises(SystemExit) as stop:
            call(*args)
        assert stop.value.code == 2, args
        assert "Nergens" not in one_line(capsys.readouterr().err)
    latin = tmp_path / "latin.csv"
    latin.write_bytes("name,birth_date,professional_id\nJos\xe9,2010-01-01,p1\n".encode("latin-1"))
    no_column = tmp_path / "columns.csv"
    no_column.write_text("name,birth_date\nJan,2010-01-01\n", encoding="utf-8")
    for path in (latin, no_column):
        with pytest.raises(SystemExit) as stop:
            call("import", str(path), "--store", url, "--create")
        assert stop.value.code == 2
    assert "UTF-8" in capsys.readouterr().err
    monkeypatch.setenv("VERWIJSINDEX_KEY", "ab" * 8)  # hex, but too short
    with pytest.raises(SystemExit) as stop:
        call("sweep", "--store", url, "--create")
    assert stop.value.code == 2 and "32 bytes" in capsys.readouterr().err
    assert not (tmp_path / "index.db").exists()


def test_in_process_import_and_stats_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import csv

    from verwijsindex.cli import CSV_COLUMNS
    from verwijsindex.testing._base import valid_bsns

    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    links = tmp_path / "links.csv"
    with links.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for n, bsn in enumerate(valid_bsns(2)):
            writer.writerow(_csv_row(n, bsn, professional=n, organisation=n))
        writer.writerow({**_csv_row(0, "111222334", 1, 1), "name": "Elfproef Fout"})
    url = f"sqlite:///{tmp_path / 'index.db'}"
    code, text = call("import", str(links), "--store", url, "--create")
    assert code == EXIT_REJECTED and "line 4: " in text and "111222334" not in text
    code, text = call("import", str(links), "--store", url, "--json")
    assert code == EXIT_REJECTED and json.loads(text)["duplicates"] == 2
    monkeypatch.setenv("VERWIJSINDEX_KEY", "cd" * 32)  # not the key of this index: it fails
    assert call("sweep", "--store", url)[0] == 1
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    stats_url = _stats_store(tmp_path)
    month = __import__("datetime").date.today().strftime("%Y-%m")
    code, text = call("stats", "--store", stats_url, "--region", "parkstad", "--from", month)
    assert code == 0
    code, text = call("stats", "--store", stats_url, "--municipality", "935", "--from", month)
    assert code == 0 and "links-made" in text
    code, text = call("stats", "--store", stats_url, "--region", "Maastricht", "--from", month,
                      "--json")  # fmt: skip
    assert code == 0 and {row["region"] for row in json.loads(text)} == {"Maastricht-Heuvelland"}
    with pytest.raises(SystemExit):
        call("stats", "--store", stats_url, "--region", "Parkstad", "--from", "2026-13")
    code, text = call("stats", "--store", url, "--region", "Parkstad", "--from", "2001-01")
    assert code == 0 and text == "no counts in this period\n"


def test_store_urls_are_shown_without_a_password() -> None:
    from verwijsindex.cli import _shown

    assert _shown("postgresql://vi:s3cret@db.example/vi") == "postgresql://vi:***@db.example/vi"
    assert _shown("postgresql://db/vi?user=vi&password=s3cret") == (
        "postgresql://db/vi?user=vi&password=***"
    )
    assert _shown("sqlite:///index.db") == "sqlite:///index.db"


def test_a_reader_that_stops_early_gets_no_error_message() -> None:
    """`verwijsindex check-bsn ... | head`: the closed pipe is no error to report. The output
    (about 150 kB) is more than a pipe holds, so the command is still writing."""
    with subprocess.Popen(
        [sys.executable, "-m", "verwijsindex", "check-bsn", *["111222333"] * 5000],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as process:
        assert process.stdout is not None and process.stderr is not None
        assert process.stdout.read(10).startswith(b"#1: valid")
        process.stdout.close()  # before the command has written everything
        errors = process.stderr.read().decode()
    assert errors == ""


def test_a_sqlite_url_with_parameters_names_the_same_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`?synchronous=normal` is the store's setting: the mark, --create and --replace
    look at the file without it."""
    url = f"sqlite:///{tmp_path / 'sim.db'}?synchronous=normal"
    assert call("simulate", "--store", url, *SMALL)[0] == 0
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(("-wal", "-shm"))) == [
        "sim.db"
    ]
    assert call("simulate", "--store", url, "--replace", *SMALL)[0] == 0  # its own mark
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    assert call("sweep", "--store", f"sqlite:///{tmp_path / 'new.db'}?synchronous=normal")[0] == 3
    assert not (tmp_path / "new.db").exists()


# --- an import file as spreadsheets and hostile forms write it ------------------------------------


def _links_file(path: Path, rows: list[dict[str, str]], *, encoding: str = "utf-8") -> Path:
    import csv

    from verwijsindex.cli import CSV_COLUMNS

    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_import_reads_a_file_saved_with_a_byte_order_mark(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A spreadsheet's "CSV UTF-8" starts with a byte-order mark: its first column (bsn) is
    read as bsn, so that the same youth imported from two files is one youth, matched."""
    from verwijsindex.testing._base import valid_bsns

    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    (bsn,) = valid_bsns(1)
    marked = _links_file(tmp_path / "marked.csv", [_csv_row(1, bsn, 1, 1)], encoding="utf-8-sig")
    plain = _links_file(tmp_path / "plain.csv", [_csv_row(1, bsn, 2, 2)])
    assert marked.read_bytes().startswith(b"\xef\xbb\xbf")
    url = f"sqlite:///{tmp_path / 'index.db'}"
    code, text = call("import", str(marked), "--store", url, "--create", "--json")
    assert code == 0 and json.loads(text)["created"] == 1, text
    code, text = call("import", str(plain), "--store", url, "--json")
    assert code == 0 and json.loads(text)["matches"] == 1, text


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ("{columns},reden", "reden"),  # a reason, above all, is never taken in silently
        ("{columns},BSN", "BSN"),  # not the column bsn: the youth would go in by surname
        ("{columns},bsn", "twice"),
        ("{columns},opmerking_111222333", "opmerking_"),  # named, its digits masked
    ],
)
def test_import_refuses_a_column_it_does_not_take(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    header: str,
    problem: str,
) -> None:
    """A column the import does not know is a usage error naming it (digits masked), before
    the store is opened: nothing is written, and no cell is repeated."""
    from verwijsindex.cli import CSV_COLUMNS

    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    row = _csv_row(1, "111222333", 1, 1)
    path = tmp_path / "links.csv"
    path.write_text(
        header.format(columns=",".join(CSV_COLUMNS))
        + "\n"
        + ",".join([*(row[c] for c in CSV_COLUMNS), "zorgen thuis"])
        + "\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as stop:
        call("import", str(path), "--store", f"sqlite:///{tmp_path / 'index.db'}", "--create")
    assert stop.value.code == 2
    error = one_line(capsys.readouterr().err)
    assert problem in error and "zorgen" not in error and "111222333" not in error
    assert not (tmp_path / "index.db").exists()


@pytest.mark.parametrize(("between", "line"), [("\n", 2), ("\n\n\n", 4)])
def test_import_refuses_a_row_with_more_cells_than_the_header_by_its_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    between: str,
    line: int,
) -> None:
    """A usage error naming the row's line of the file (the CSV reader skips blank lines,
    and counts them), never the cell; nothing is written."""
    from verwijsindex.cli import CSV_COLUMNS

    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    row = _csv_row(1, "111222333", 1, 1)
    path = tmp_path / "links.csv"
    cells = ",".join([*(row[c] for c in CSV_COLUMNS), "zorgen"])
    path.write_text(",".join(CSV_COLUMNS) + between + cells + "\n", encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        call("import", str(path), "--store", f"sqlite:///{tmp_path / 'index.db'}", "--create")
    assert stop.value.code == 2
    error = one_line(capsys.readouterr().err)
    assert f"line {line} " in error and "zorgen" not in error
    assert not (tmp_path / "index.db").exists()


@pytest.mark.parametrize("twin", ["²", "٣", "1.5", "twee"])
def test_an_import_row_with_a_twin_that_is_no_number_is_rejected_by_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, twin: str
) -> None:
    """``"²".isdigit()`` is true, and ``int("²")`` raised with the cell in a traceback."""
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    row = {**_csv_row(1, "", 1, 1), "surname": "Jansen", "twin": twin}
    path = _links_file(tmp_path / "links.csv", [row])
    code, text = call("import", str(path), "--store", f"sqlite:///{tmp_path / 'i.db'}", "--create")
    assert code == EXIT_REJECTED and "line 2: " in text and "twin" in text and twin not in text


def test_an_import_batch_size_beyond_the_limit_is_a_usage_error_before_anything_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    path = _links_file(tmp_path / "links.csv", [_csv_row(1, "111222333", 1, 1)])
    url = f"sqlite:///{tmp_path / 'index.db'}"
    with pytest.raises(SystemExit) as stop:
        call("import", str(path), "--store", url, "--create", "--batch-size", "1000000")
    assert stop.value.code == 2 and "--batch-size" in capsys.readouterr().err
    assert not (tmp_path / "index.db").exists()


@pytest.mark.parametrize(
    "args",
    [
        ("stats", "--store", "memory://", "--municipality", "0935", "--from", "2026-01",
         "--to", "9999-12"),
        ("stats", "--store", "memory://", "--municipality", "0935", "--from", "9999-12"),
        ("simulate", "--population-fraction", "0.0001", "--years", "100000"),
        ("simulate", "--population-fraction", "0.0001", "--active-years", "100000"),
    ],
)  # fmt: skip
def test_a_period_beyond_the_calendar_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    with pytest.raises(SystemExit) as stop:
        call(*args)
    assert stop.value.code == 2
    one_line(capsys.readouterr().err)


@pytest.mark.parametrize(
    "content", ["", "\ufeff", "bsn,name\n", "\n\n"], ids=["empty", "mark", "columns", "blank"]
)
def test_an_import_file_without_the_columns_it_needs_is_a_usage_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    content: str,
) -> None:
    """An empty file, or a header without the columns every row needs, is no import of
    nothing: a usage error before the store is opened (``--create`` makes no file)."""
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    path = tmp_path / "links.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SystemExit) as stop:
        call("import", str(path), "--store", f"sqlite:///{tmp_path / 'index.db'}", "--create")
    assert stop.value.code == 2
    one_line(capsys.readouterr().err)
    assert not (tmp_path / "index.db").exists()


def test_an_import_row_with_a_twin_of_thousands_of_digits_is_rejected_by_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """int() refuses a string of more than 4,300 digits: it ended the import in a
    traceback; the row is rejected by its line like any twin that is no ordinal."""
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    rows = [
        {**_csv_row(1, "", 1, 1), "surname": "Jansen", "twin": "1" * 5_000},
        _csv_row(2, "111222333", 1, 1),
    ]
    path = _links_file(tmp_path / "links.csv", rows)
    code, text = call(
        "import", str(path), "--store", f"sqlite:///{tmp_path / 'i.db'}", "--create", "--json"
    )
    report = json.loads(text)
    assert code == EXIT_REJECTED and report["created"] == 1
    assert [r["line"] for r in report["rejected_lines"]] == [2]


def test_an_import_row_whose_organisation_lies_outside_the_regions_is_rejected_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/cli.md: a row that is wrong is reported by its number and the other rows are
    imported. An organisation of a municipality outside the index's regions (Amsterdam)
    ended the whole import."""
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    amsterdam = {**_csv_row(2, "123456782", 2, 2), "organisation_municipality_code": "0363"}
    path = _links_file(tmp_path / "links.csv", [_csv_row(1, "111222333", 1, 1), amsterdam])
    code, text = call(
        "import", str(path), "--store", f"sqlite:///{tmp_path / 'i.db'}", "--create", "--json"
    )
    report = json.loads(text)
    assert code == EXIT_REJECTED and report["created"] == 1
    assert [r["line"] for r in report["rejected_lines"]] == [3]


def test_an_organisation_written_with_its_former_and_its_current_code_is_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An organisation of Beekdaelen written 0951 (Nuth, its former code) in one row and
    1954 in another is one organisation to the index (decision 78 stores the current
    code), so the rows do not give it two sets of details: every row was rejected, and
    the match of the youth they shared was lost."""
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    beek = {"organisation_municipality_code": "1954"}
    rows = [
        {**_csv_row(1, "111222333", 1, 1), **beek, "organisation_municipality_code": "0951"},
        {**_csv_row(1, "111222333", 2, 2)},
        {**_csv_row(3, "123456782", 3, 1), **beek},
    ]
    path = _links_file(tmp_path / "links.csv", rows)
    url = f"sqlite:///{tmp_path / 'i.db'}"
    code, text = call("import", str(path), "--store", url, "--create", "--json")
    report = json.loads(text)
    assert code == 0, text
    assert (report["created"], report["rejected"], report["matches"]) == (3, 0, 1)
    stored = _organisations_in(url)["org-1"]
    assert getattr(stored, "municipality_code", None) == "1954"
    # two sets of details still reject every row of the organisation, former code or not
    other = _csv_row(4, "010000008", 4, 1)
    other.update(beek, organisation_name="Another name")
    path = _links_file(tmp_path / "more.csv", [rows[0], other])
    code, text = call("import", str(path), "--store", url, "--json")
    assert [r["line"] for r in json.loads(text)["rejected_lines"]] == [2, 3]


def test_an_import_row_whose_organisation_name_holds_a_bsn_is_rejected_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An organisation's name holding a BSN (a shifted column) is refused (decision 114):
    its rows are rejected by their lines, naming the field, and the others are imported.
    A first version let the refusal end the whole import without a line; an organisation
    name with a KvK number (eight digits) is no BSN and is imported."""
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    shifted = {**_csv_row(2, "123456782", 2, 2), "organisation_name": "School 111222333"}
    kvk = {**_csv_row(3, "010000008", 3, 3), "organisation_name": "Stichting (KvK 41078444)"}
    rows = [_csv_row(1, "111222333", 1, 1), shifted, kvk]
    path = _links_file(tmp_path / "links.csv", rows)
    code, text = call(
        "import", str(path), "--store", f"sqlite:///{tmp_path / 'i.db'}", "--create", "--json"
    )
    report = json.loads(text)
    assert code == EXIT_REJECTED and report["created"] == 2
    assert report["rejected_lines"] == [
        {"line": 3, "error": "organisation.name may not hold a BSN (a BSN goes in bsn)"}
    ]
    assert "111222333" not in text


def test_import_rows_with_the_youth_s_bsn_for_a_phone_or_an_id_are_rejected_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The youth's BSN in the professional's phone or id (a shifted column) is refused by
    the row's line (decision 115); a number that passes the elfproef but is not the
    youth's (an organisation's RSIN as its id, a phone) is taken."""
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    phone = {**_csv_row(2, "123456782", 2, 1), "professional_phone": "1234 56 782"}
    pro_id = {**_csv_row(3, "010000008", 3, 1), "professional_id": "010000008"}
    rsin = {**_csv_row(4, "111222333", 4, 4), "organisation_id": "232262536"}
    dutch = {**_csv_row(5, "100000009", 5, 1), "professional_phone": "6 12345609"}
    rows = [_csv_row(1, "232262536", 1, 1), phone, pro_id, rsin, dutch]
    path = _links_file(tmp_path / "links.csv", rows)
    code, text = call(
        "import", str(path), "--store", f"sqlite:///{tmp_path / 'i.db'}", "--create", "--json"
    )
    report = json.loads(text)
    assert code == EXIT_REJECTED and report["created"] == 3
    refused = "may not hold the youth's or a parent's BSN"
    assert report["rejected_lines"] == [
        {"line": 3, "error": f"professional.phone {refused}"},
        {"line": 4, "error": f"professional.id {refused}"},
    ]
    assert "123456782" not in text and "010000008" not in text


def _organisations_in(url: str, ids: tuple[str, ...] = ("org-1", "org-2")) -> dict[str, object]:
    from verwijsindex.storage import open_store

    store = open_store(url)
    try:
        with store.transaction() as tx:
            found = {i: tx.get_organisation(i) for i in ids}
            return {i: o for i, o in found.items() if o is not None}
    finally:
        store.close()


def test_an_import_row_that_is_rejected_writes_nothing_of_its_organisation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """docs/cli.md: a wrong row is reported by its line and nothing of it is written. A row
    whose BSN failed the elfproef added its organisation, and replaced the name and e-mail
    of an organisation the index had signed with already."""
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    url = f"sqlite:///{tmp_path / 'i.db'}"
    first = _links_file(tmp_path / "first.csv", [_csv_row(1, "111222333", 1, 1)])
    assert call("import", str(first), "--store", url, "--create", "--json")[0] == 0
    signed = _organisations_in(url)
    bad_new = {**_csv_row(2, "123456789", 2, 2)}  # fails the elfproef
    bad_known = {
        **_csv_row(3, "123456780", 3, 1),  # fails the elfproef too
        "organisation_name": "Overgenomen",
        "organisation_email": "elders@example.nl",
    }
    path = _links_file(tmp_path / "links.csv", [bad_new, bad_known])
    code, text = call("import", str(path), "--store", url, "--json")
    report = json.loads(text)
    assert code == EXIT_REJECTED and report["rejected"] == 2 and report["created"] == 0
    assert _organisations_in(url) == signed


def test_one_organisation_s_rows_that_disagree_are_rejected_whatever_their_order(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The organisation's details were taken from its first row: with a mistyped
    municipality there, every correct row of it was rejected; with the mistyped row last,
    that row was imported under the first row's details. Rows that give one organisation
    two sets of details are each rejected, naming the columns, in either order; the
    other organisations' rows are imported."""
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    typo = {**_csv_row(1, "111222333", 1, 1), "organisation_municipality_code": "0363"}
    right = [_csv_row(n, bsn, n, 1) for n, bsn in ((2, "123456782"), (3, "100000009"))]
    other = _csv_row(4, "111222333", 4, 2)
    for order, name in (([typo, *right, other], "a"), ([*right, other, typo], "b")):
        path = _links_file(tmp_path / f"{name}.csv", order)
        url = f"sqlite:///{tmp_path / name}.db"
        code, text = call("import", str(path), "--store", url, "--create", "--json")
        report = json.loads(text)
        assert code == EXIT_REJECTED and report["created"] == 1 and report["rejected"] == 3
        assert all("organisation_" in r["error"] for r in report["rejected_lines"])
        assert "0363" not in text
        assert set(_organisations_in(url)) == {"org-2"}


@pytest.mark.parametrize("url", ["memory://", "sqlite://", "sqlite:///", "sqlite:///:memory:"])
@pytest.mark.parametrize("command", ["sweep", "import", "stats"])
def test_commands_on_an_index_refuse_a_store_that_ends_with_the_command(
    command: str, url: str, tmp_path: Path
) -> None:
    """``--store "sqlite:///$DB"`` with ``DB`` unset in a nightly job: the import reported
    "created 2, matches 1" and exit 0 into an in-memory database, and everything was gone
    when the command ended. An index the command would make and drop is a usage error."""
    csv_file = _links_file(tmp_path / "links.csv", [_csv_row(1, "111222333", 1, 1)])
    extra = {
        "stats": ("--region", "Parkstad", "--from", "2026-01"),
        "import": (str(csv_file),),
    }.get(command, ())
    for create in ((), ("--create",)):
        refused = run(command, *extra, "--store", url, *create, env=KEY_ENV)
        assert refused.returncode == 2, refused.stdout
        assert one_line(refused.stderr).endswith(
            "keeps nothing after the command: give a SQLite file or a PostgreSQL URL"
        )
        assert refused.stdout == ""


def test_an_interrupted_command_says_so_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C printed a traceback and exited -2; it is one line and the shell's 130."""
    import verwijsindex.cli as cli

    def interrupted(*_: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_run", interrupted)
    assert main(["regions"]) == 130
    err = capsys.readouterr().err
    assert err.splitlines() == ["verwijsindex: error: interrupted"]


def test_a_warning_from_a_driver_is_one_line_on_stderr() -> None:
    """psycopg's pool logs a dropped connection as a warning, which Python printed as it
    came, beside the command's one error line; each is one line of the command's own,
    with long numbers masked, and nothing below a warning is shown."""
    script = (
        "import logging, sys\n"
        "import verwijsindex.cli as cli\n"
        "def run(*_):\n"
        "    logging.getLogger('psycopg.pool').warning('discarding closed connection:\\n%s', "
        "'<psycopg.Connection [BAD] 123456782>')\n"
        "    logging.getLogger('psycopg.pool').info('not shown')\n"
        "    return 0\n"
        "cli._run = run\n"
        "sys.exit(cli.main(['regions']))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        "verwijsindex: warning: discarding closed connection: <psycopg.Connection [BAD] ******782>"
    ]


def test_an_import_that_rejects_rows_says_so_in_its_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A nightly job that runs the import learns from the exit code alone whether every
    row is in the index. An import that rejected rows exited 0, as one that took every row:
    a file whose every row was rejected (a wrong date format, a column shifted) imported
    nothing, the job reported success, and the professionals of its links were never
    matched. Rows rejected give :data:`EXIT_REJECTED` (the others are written, as before);
    a file taken whole, duplicates included, still gives 0."""
    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    url = f"sqlite:///{tmp_path / 'i.db'}"
    good = _links_file(tmp_path / "good.csv", [_csv_row(1, "111222333", 1, 1)])
    assert call("import", str(good), "--store", url, "--create", "--json")[0] == 0
    assert call("import", str(good), "--store", url, "--json")[0] == 0  # a duplicate
    shifted = {**_csv_row(2, "123456782", 2, 2), "birth_date": "12-05-2015"}
    for rows, created in (([shifted], 0), ([shifted, _csv_row(3, "100000009", 3, 1)], 1)):
        path = _links_file(tmp_path / "some.csv", rows)
        code, text = call("import", str(path), "--store", url, "--json")
        report = json.loads(text)
        assert (code, report["created"], report["rejected"]) == (EXIT_REJECTED, created, 1)


def test_an_import_takes_the_household_options_of_the_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Decisions 123 and 124. The command line opened every index with the statute's
    household options. Beside an application with address matches on, an imported row
    took its youth out of the dwelling (the housemate registered next made no address
    match); beside one with family matches off, the import made family signals the
    application had turned off (helper-90). It takes the store's options now, and refuses
    to import into an index with address matches on, whose exclusion list only the
    application has: nothing is imported, exit code 1."""
    from datetime import date

    import attrs

    from verwijsindex.index import VerwijsIndex
    from verwijsindex.matching import Rules
    from verwijsindex.model import Address, NotificationKind, parse_bsn
    from verwijsindex.pseudonyms import PseudonymKey
    from verwijsindex.storage import open_store
    from verwijsindex.testing import make_professional, make_subject
    from verwijsindex.testing._base import valid_bsns

    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    home, housemate, parent = valid_bsns(3)
    dwelling = Address("Markt", "2", "6211 CK", "Maastricht", "0935")
    key = PseudonymKey("default", bytes.fromhex(KEY_HEX))
    nurse = make_professional(id="a", organisation="GGD Zuid-Limburg")
    youth = attrs.evolve(make_subject(bsn=home, birth_date=date(2009, 2, 11)), address=dwelling)
    sibling = {**_csv_row(2, housemate, 2, 2), "parents": parent}  # Markt 3, org-2
    url = f"sqlite:///{tmp_path / 'address.db'}"
    with VerwijsIndex(open_store(url), key=key, rules=Rules(address_match=True)) as app:
        app.add_organisation(nurse.organisation)
        app.register(youth, nurse)
        code, text = call("import", str(_links_file(tmp_path / "a.csv", [sibling])), "--store", url)
        assert (code, text) == (EXIT_FAILURE, "")
        assert "address matches" in capsys.readouterr().err
        assert app.links_for("p2") == []
    url = f"sqlite:///{tmp_path / 'family.db'}"
    with VerwijsIndex(open_store(url), key=key, rules=Rules(family_match=False)) as app:
        app.add_organisation(nurse.organisation)
        app.register(attrs.evolve(youth, parents=(parse_bsn(parent),)), nurse)
        code, _ = call("import", str(_links_file(tmp_path / "f.csv", [sibling])), "--store", url)
        assert code == 0 and len(app.links_for("p2")) == 1
        kinds = {n.kind for n in app.pending_notifications()}
    assert NotificationKind.FAMILY_MATCH not in kinds


def test_a_command_run_before_the_application_never_fixes_the_household_options(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Decision 124, as decision 119 has it for the match rule. A store written before
    decision 124 records a match rule and no household options; the first command line
    run recorded the statute's (family matches on), made the family signals the
    application had turned off, and then shut the application out (helper-91). The
    command line now refuses such a store, and the application's next open records its
    own."""
    import sqlite3
    from datetime import date

    from verwijsindex.index import VerwijsIndex
    from verwijsindex.matching import Rules
    from verwijsindex.model import NotificationKind
    from verwijsindex.pseudonyms import PseudonymKey
    from verwijsindex.storage import open_store
    from verwijsindex.testing import make_professional, make_subject
    from verwijsindex.testing._base import valid_bsns

    monkeypatch.setenv("VERWIJSINDEX_KEY", KEY_HEX)
    path = tmp_path / "i.db"
    url = f"sqlite:///{path}"
    home, housemate, parent = valid_bsns(3)
    key = PseudonymKey("default", bytes.fromhex(KEY_HEX))
    nurse = make_professional(id="a", organisation="GGD Zuid-Limburg")
    youth = make_subject(bsn=home, birth_date=date(2009, 2, 11), parents=[parent])
    own = Rules(family_match=False)
    with VerwijsIndex(open_store(url), key=key, rules=own) as app:
        app.add_organisation(nurse.organisation)
        app.register(youth, nurse)
    with sqlite3.connect(path) as db:  # as a store written before decision 124 has it
        db.execute("DELETE FROM settings WHERE name IN ('family_match', 'address_match')")
    sibling = {**_csv_row(2, housemate, 2, 2), "parents": parent}
    code, text = call("import", str(_links_file(tmp_path / "f.csv", [sibling])), "--store", url)
    assert (code, text) == (EXIT_FAILURE, "")
    with VerwijsIndex(open_store(url), key=key, rules=own) as app:
        assert app.links_for("p2") == []
        assert all(n.kind is not NotificationKind.FAMILY_MATCH for n in app.pending_notifications())
    code, _ = call("import", str(_links_file(tmp_path / "f.csv", [sibling])), "--store", url)
    assert code == 0
    with VerwijsIndex(open_store(url), key=key) as app:
        assert not app.rules.family_match and len(app.links_for("p2")) == 1
        assert all(n.kind is not NotificationKind.FAMILY_MATCH for n in app.pending_notifications())
