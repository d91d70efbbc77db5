"""Copies of frozen attrs values with some fields replaced by values known to be valid.

``attrs.evolve`` builds the copy through the class's ``__init__``, so every validator runs
again on every field, the unchanged ones included: for a :class:`~verwijsindex.model.Link`
that is five pattern matches. A re-key moves every link and match of the store to a new
pseudonym, and a sweep archives every ended link; for those, :func:`copy_with` sets the
fields one by one, as attrs' own ``__init__`` does after its checks, in a function written
for each class and set of replaced names. A link moved to a new pseudonym: 1.0 µs, against
1.35 µs for a loop over the field names and 3.2–3.4 µs for ``attrs.evolve`` (this
project's 2-core machine, 2026-12-06).

Only for values the class would take unchanged: each use passes a value made by the
library (a pseudonym from an HMAC, an enum member, a date read from the same valid value),
and ``tests/test_fast_paths.py`` compares each use with ``attrs.evolve``. A replaced field
with a converter, a class with a post-init hook, a cached hash or a field that ``__init__``
does not take by its own name (``init=False``, an alias), and a name the class lacks are
refused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

import attrs

__all__ = ["copy_with"]

T = TypeVar("T")

_new = object.__new__
_set = object.__setattr__


_Copy = Callable[[Any, dict[str, Any]], Any]

_CACHED_HASH = "_attrs_cached_hash"
"""Where attrs keeps the hash of a class made with ``cache_hash=True``."""


@functools.cache
def _fields(cls: type) -> tuple[tuple[str, ...], frozenset[str]]:
    """The field names of *cls* in order, and those a copy may replace (no converter)."""
    if not attrs.has(cls) or hasattr(cls, "__attrs_post_init__"):
        raise TypeError(f"copy_with() takes attrs classes without a post-init hook, not {cls}")
    fields = attrs.fields(cls)
    if any(not f.init or f.alias != f.name for f in fields):  # evolve would treat them apart
        raise TypeError(f"copy_with() needs an __init__ taking every field by name, not {cls}")
    if _CACHED_HASH in getattr(getattr(cls.__hash__, "__code__", None), "co_names", ()):
        # attrs' cache_hash=True: __init__ also sets the cache, which a copy would lack
        raise TypeError(f"copy_with() takes classes without a cached hash, not {cls}")
    return (
        tuple(f.name for f in fields),
        frozenset(f.name for f in fields if f.converter is None),
    )


_COPIERS: dict[tuple[type, tuple[str, ...]], _Copy] = {}
"""A copy function per class and the names it replaces, in the order a caller passes them."""


def _copier(cls: type, changed: tuple[str, ...]) -> _Copy:
    """The copy of a *cls* with the fields *changed* replaced: straight-line code, as attrs
    writes ``__init__``, each field set in order from the instance or from the changes."""
    names, replaceable = _fields(cls)
    if not replaceable.issuperset(changed):
        raise TypeError(f"copy_with() cannot set {sorted(set(changed) - replaceable)} on {cls}")
    scope: dict[str, Any] = {"_new": _new, "_set": _set, "cls": cls}
    lines = ["def copy(instance, changes):", "    new = _new(cls)"]
    for i, name in enumerate(names):  # attrs takes only identifiers as field names
        scope[f"name_{i}"] = name
        value = f"changes[name_{i}]" if name in changed else f"instance.{name}"
        lines.append(f"    _set(new, name_{i}, {value})")
    lines.append("    return new")
    # named for tracebacks and profiles, which would show every copy as "<string>"
    where = f"<copy_with {cls.__module__}.{cls.__qualname__} {', '.join(changed)}>"
    code = compile("\n".join(lines), where, "exec")
    exec(code, scope)  # noqa: S102 - the source is made here from field names
    copy: _Copy = scope["copy"]
    _COPIERS[cls, changed] = copy
    return copy


def copy_with(instance: T, **changes: Any) -> T:
    """``attrs.evolve(instance, **changes)`` without the validators, for *changes* that
    are valid by construction (see the module's docstring)."""
    cls: type = type(instance)
    changed = tuple(changes)
    copy = _COPIERS.get((cls, changed)) or _copier(cls, changed)
    new: T = copy(instance, changes)
    return new
