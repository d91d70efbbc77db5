"""Test settings: a "ci" Hypothesis profile without deadlines, loaded when CI is set."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", deadline=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
