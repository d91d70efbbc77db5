"""The optional dependencies, imported where a feature needs one.

>>> optional("matplotlib.figure", "drawing a plot").__name__
'matplotlib.figure'
"""

from __future__ import annotations

import importlib
from types import ModuleType

from verwijsindex.errors import ConfigurationError

__all__ = ["optional"]

_EXTRA = {"pandas": "sim", "matplotlib": "sim"}
"""The extra of ``pyproject.toml`` that installs each optional dependency."""


def optional(module: str, feature: str) -> ModuleType:
    """The optional dependency *module* (or a module of its package), or
    :class:`ConfigurationError` saying which extra installs it for *feature*."""
    package = module.partition(".")[0]
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ConfigurationError(
            f"{feature} needs {package}: pip install 'verwijsindex[{_EXTRA[package]}]'"
        ) from error
