"""Test settings: a "ci" Hypothesis profile without deadlines, loaded when CI is set.

Every test that asks for a PostgreSQL server (the ``postgres_url`` fixture, directly or
through another fixture) carries the ``postgres`` mark, so ``make fast`` can leave them
out by mark and no test needs to remember to mark itself.
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

settings.register_profile("ci", deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "postgres_url" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
