"""A griffe extension: the docstrings' reStructuredText, as checked Markdown references.

The docstrings are written for Sphinx: they cross-reference with roles (``:class:`Bsn```,
``:meth:`~x.Y.z```, ``:func:`title <target>```) and show examples as doctest blocks.
mkdocstrings reads Markdown, where a role is plain text and a doctest's ``x["n"]`` looks
like a link. The python handler loads this extension (``mkdocs.yml``); it rewrites every
docstring of the package once the package is loaded, before anything is rendered:

- a role whose target is in the package, named in full (``verwijsindex.…``) or found in
  the scope of the documented object (its members and inherited members, its module's
  names and imports), becomes an autorefs reference ``[`title`][verwijsindex.path]``;
- when that target exists but is not in the reference (a module's name left out of its
  ``__all__``, a part of the path starting with ``_``), the reference is *optional*: a link
  when the object is documented under a public name (most of ``verwijsindex.testing`` is
  defined in private modules), plain code when it is not;
- a role whose target is another project's (found in scope outside the package, or a
  dotted name found nowhere: ``pathlib.Path``, ``str.format``), a builtin or standard
  module, or a target suppressed with ``!``, becomes code: no inventory of other projects
  is loaded, so the build needs no network;
- a role whose target does not exist in the package (``verwijsindex.model.NoSuchModel``,
  or a bare name found nowhere) stays a reference to that name, and fails.

autorefs reports each reference that leads nowhere, with the file and line of the
docstring, and ``mkdocs build --strict`` fails on it. Sphinx's display is kept: ``~``
shows the last part only, a function or method gets ``()``.

A doctest block (lines from ``>>>`` to the next blank line) becomes a fenced ``pycon``
block, and a paragraph's closing ``::`` a ``:``, as reStructuredText renders them.
"""

from __future__ import annotations

import builtins
import html
import re
import sys
from collections.abc import Iterator
from typing import Any

from griffe import (
    Alias,
    AliasResolutionError,
    CyclicAliasError,
    Extension,
    Module,
    NameResolutionError,
    Object,
)

PACKAGE = "verwijsindex"
ROLE = re.compile(
    r":(?:py:)?(?P<role>class|func|meth|data|attr|mod|exc|obj|const|type):`(?P<body>[^`]+)`"
)
EXPLICIT = re.compile(r"^(?P<title>.*?)\s*<(?P<target>[^<>]+)>$", re.DOTALL)
CALLABLE_ROLES = frozenset({"func", "meth"})
OUTSIDE_NAMES = frozenset(dir(builtins)) | sys.stdlib_module_names


def _objects(obj: Object) -> Iterator[Object]:
    """The object and every object defined under it (not the names it imports)."""
    yield obj
    for member in obj.members.values():
        if not member.is_alias:
            yield from _objects(member)  # type: ignore[arg-type]


def _in_package(path: str) -> bool:
    return path == PACKAGE or path.startswith(PACKAGE + ".")


def _lookup(pkg: Object, path: str) -> bool | None:
    """Whether the object at *path* is in the reference; None when there is no such object."""
    obj: Object | Alias = pkg
    public = True
    for part in path.split(".")[1:]:
        try:
            exports = obj.exports if obj.is_module else None
            obj = obj.all_members[part]
            is_module = obj.is_module
        except KeyError:
            return None
        except (AliasResolutionError, CyclicAliasError):  # another project's object: it exists
            return False
        private = part.startswith("_") and not part.endswith("__")
        unexported = exports is not None and not is_module and part not in map(str, exports)
        public = public and not private and not unexported
    return public


def _resolve(obj: Object, target: str) -> str | None:
    """The full path of *target* as seen from *obj*, or None when it is not in scope."""
    if _in_package(target):
        return target
    head, dot, rest = target.partition(".")
    try:
        return obj.resolve(head) + dot + rest
    except NameResolutionError:
        pass
    scope: Object | None = obj
    while scope is not None:  # a member inherited by the class, or by an enclosing class
        if scope.is_class and head in scope.all_members:
            member = scope.all_members[head]
            return (member.target_path if member.is_alias else member.path) + dot + rest  # type: ignore[union-attr]
        scope = scope.parent
    return None


def _role(pkg: Object, obj: Object, match: re.Match[str]) -> str:
    role, body = match["role"], " ".join(match["body"].split())
    explicit = EXPLICIT.match(body)
    if explicit:
        title, target = explicit["title"], explicit["target"].strip()
    else:
        target = body.lstrip("~!")
        title = target.rsplit(".", 1)[-1] if body.startswith("~") else target
        if role in CALLABLE_ROLES:
            title += "()"
    code = f"`{title}`"
    if body.startswith("!"):
        return code
    path = _resolve(obj, target)
    if path is None:
        if "." in target or target in OUTSIDE_NAMES:
            return code
        return f"[{code}][{target}]"
    if not _in_package(path):
        return code
    if _lookup(pkg, path) is False:
        return (
            f'<autoref identifier="{html.escape(path)}" optional>'
            f"<code>{html.escape(title)}</code></autoref>"
        )
    return f"[{code}][{path}]"


def _doctests(text: str) -> str:
    """*text* with each doctest block fenced as ``pycon`` and each closing ``::`` a ``:``."""
    out: list[str] = []
    in_doctest = in_fence = False
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("```"):
            in_fence = not in_fence
        if in_doctest and not stripped:
            out.append("```")
            in_doctest = False
        elif not in_fence and not in_doctest and stripped.startswith(">>>"):
            if out and out[-1].strip():
                out.append("")
            out.append("```pycon")
            in_doctest = True
        elif not in_fence and not in_doctest and stripped.endswith("::"):
            line = line[:-1]
        out.append(line)
    if in_doctest:
        out.append("```")
    return "\n".join(out)


def rewrite(pkg: Object, obj: Object, text: str) -> str:
    """The docstring *text* of *obj* in the package *pkg*, as Markdown with references."""
    parts = re.split(r"(^```pycon\n.*?^```$)", _doctests(text), flags=re.DOTALL | re.MULTILINE)
    return "".join(
        part if part.startswith("```pycon") else ROLE.sub(lambda m: _role(pkg, obj, m), part)
        for part in parts
    )


class SphinxRoles(Extension):
    """Rewrite every docstring of the package once it is loaded."""

    def on_package(self, *, pkg: Module, **kwargs: Any) -> None:
        for obj in _objects(pkg):
            if obj.docstring is not None:
                obj.docstring.value = rewrite(pkg, obj, obj.docstring.value)
