"""The command line, run as a user runs it: in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

KEY_HEX = "ab" * 32


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
        ("sweep", "--store", "ftp://nowhere"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    done = run(*args, env={"VERWIJSINDEX_KEY": KEY_HEX})
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr


@pytest.mark.parametrize("command", ["demo", "regions", "policies", "check-bsn", "sweep"])
def test_help_everywhere(command: str) -> None:
    done = run(command, "--help")
    assert done.returncode == 0 and "usage:" in done.stdout
