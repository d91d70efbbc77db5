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

:func:`unchecked` is the same for a value made new: a function that takes what the class
takes and sets each field as ``__init__`` does (its converters included), without the
validators. A registration makes its notifications and the contacts they carry from
values that were checked where they came in or that the library drew itself; each use
says which, and ``tests/test_fast_paths.py`` compares what it makes with ``__init__``'s.
A class with a post-init hook, a cached hash, a field ``__init__`` does not take by its own
name or a default made by a factory is refused.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Final, TypeVar

import attrs

__all__ = ["copy_with", "unchecked"]

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


_FACTORY: Final[type] = type(attrs.Factory(list))
"""attrs' class of a default made per instance (typed as a function in its stubs)."""


_MAKERS: dict[type, Callable[..., Any]] = {}
"""The function :func:`unchecked` wrote for each class."""


def unchecked(cls: type[T]) -> Callable[..., T]:
    """A function that makes a *cls* as ``cls(**fields)`` does, each field by its name,
    converters included, but without the validators: for values valid by construction (see
    the module's docstring). Written once per class, straight-line, as attrs writes
    ``__init__``; a caller keeps it (``_notification = unchecked(Notification)``)."""
    return _MAKERS.get(cls) or _maker(cls)


def _maker(cls: type) -> Callable[..., Any]:
    _fields(cls)  # the refusals copy_with makes, for the same reasons
    scope: dict[str, Any] = {"_new_": _new, "_set_": _set, "_cls_": cls}
    parameters: list[str] = []
    lines = ["    _made_ = _new_(_cls_)"]
    for i, field in enumerate(attrs.fields(cls)):  # identifiers, none with a leading "_"
        name = field.name
        if isinstance(field.default, _FACTORY) or isinstance(field.converter, attrs.Converter):
            # a factory is called per instance, a Converter may take the instance
            raise TypeError(f"unchecked() takes plain defaults and converters, not {cls}'s")
        if field.default is attrs.NOTHING:
            parameters.append(name)
        else:
            scope[f"_default_{i}_"] = field.default
            parameters.append(f"{name}=_default_{i}_")
        value = name
        if field.converter is not None:
            scope[f"_convert_{i}_"] = field.converter
            value = f"_convert_{i}_({name})"
        lines.append(f"    _set_(_made_, {name!r}, {value})")
    lines.append("    return _made_")
    source = "\n".join([f"def make(*, {', '.join(parameters)}):", *lines])
    code = compile(source, f"<unchecked {cls.__module__}.{cls.__qualname__}>", "exec")
    exec(code, scope)  # noqa: S102 - the source is made here from field names
    make: Callable[..., Any] = scope["make"]
    _MAKERS[cls] = make
    return make
