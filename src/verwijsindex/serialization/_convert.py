"""The converter: strict hooks for the leaves, the converter that turns every
failure into one of the library's errors, and the compiled fast path that structures the
models it knows by exactly the same rules."""

from __future__ import annotations

import contextvars
import enum
import typing
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import list_structure_factory
from cattrs.errors import (
    AttributeValidationNote,
    IterableValidationNote,
    StructureHandlerNotFoundError,
)

from verwijsindex._validators import day_argument
from verwijsindex.clock import check_moment
from verwijsindex.errors import (
    ForbiddenFieldError,
    InvalidRecordError,
    NaiveDatetimeError,
    ValidationError,
    masked_name,
)
from verwijsindex.model import Bsn, looks_like_free_text, parse_bsn

__all__ = ["fast_path", "is_forbidden_key", "make_converter"]

T = TypeVar("T")


def _normalise_key(key: str) -> str:
    return "".join(ch for ch in key.casefold() if ch.isalpha())


def is_forbidden_key(key: object, fields: Collection[str] = ()) -> bool:
    """Whether *key* looks like a reason, risk or free text (and is not one of *fields*).

    The key is normalised to lower-case letters and matches when it contains one of
    :data:`verwijsindex.model.FREE_TEXT_WORDS`. A real field of the model, in any spelling
    that normalises to the same letters, is never forbidden:

    >>> is_forbidden_key("Reden_Melding"), is_forbidden_key("risico's")
    (True, True)
    >>> is_forbidden_key("withdrawal_reason", fields=["withdrawal_reason"])
    False
    >>> is_forbidden_key("street")
    False
    """
    if not isinstance(key, str):
        return False
    normalised = _normalise_key(key)
    if normalised in {_normalise_key(name) for name in fields}:
        return False
    return looks_like_free_text(normalised)


def _type_name(cl: object) -> str:
    if isinstance(cl, type) and get_origin(cl) is None:
        return cl.__name__
    return repr(cl).replace("verwijsindex.model.", "")


# --- strict hooks for the leaves --------------------------------------------------------------


def _expected(what: str, value: object) -> InvalidRecordError:
    return InvalidRecordError(f"expected {what}, got {type(value).__name__}")


def _structure_str(value: object, _: object) -> str:
    if not isinstance(value, str):
        raise _expected("a string", value)
    return value


def _structure_int(value: object, _: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise _expected("an integer", value)
    return value


def _structure_float(value: object, _: object) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise _expected("a number", value)
    return float(value)


def _structure_bool(value: object, _: object) -> bool:
    if not isinstance(value, bool):
        raise _expected("true or false", value)
    return value


def _structure_datetime(value: object, _: object) -> datetime:
    if not isinstance(value, str):
        raise _expected("an ISO 8601 datetime string", value)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRecordError("expected an ISO 8601 datetime string") from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise NaiveDatetimeError()
    check_moment(parsed, "datetime")
    return parsed  # with the offset it was written with


def _unstructure_datetime(value: datetime) -> str:
    check_moment(value, "datetime")
    return value.isoformat()  # with its own offset: the record says what it was given


def _structure_date(value: object, _: object) -> date:
    if not isinstance(value, str):
        raise _expected("an ISO 8601 date string", value)
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise InvalidRecordError("expected an ISO 8601 date string") from None
    return day_argument(parsed, "date")


def _unstructure_date(value: date) -> str:
    return value.isoformat()


def _structure_bsn(value: object, _: object) -> Bsn:
    return parse_bsn(value)


def _unstructure_bsn(value: Bsn) -> str:
    return value.value


def _is_enum(cl: Any) -> bool:
    return isinstance(cl, type) and issubclass(cl, enum.Enum)


def _enum_hook(cl: type[enum.Enum]) -> Callable[[object, object], enum.Enum]:
    by_value = {member.value: member for member in cl}
    choices = ", ".join(repr(v) for v in by_value)

    def structure_enum(value: object, _: object) -> enum.Enum:
        try:
            return by_value[value]
        except (KeyError, TypeError):
            raise InvalidRecordError(f"expected one of {choices}") from None

    return structure_enum


def _sorted_list(values: Iterable[Any]) -> list[Any]:
    items = list(values)
    try:
        return sorted(items)
    except TypeError:
        return items


def _is_collection(cl: Any) -> bool:
    origin = get_origin(cl) or cl
    if origin is tuple:
        args = get_args(cl)
        return not args or (len(args) == 2 and args[1] is Ellipsis)
    return origin in (list, frozenset, set)


# --- the converter ----------------------------------------------------------------------------

_translating: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "verwijsindex_serialization_translating", default=False
)


class _Converter(cattrs.Converter):
    """A converter that turns every structuring failure into one of the library's errors."""

    def structure(self, obj: Any, cl: type[T]) -> T:
        if _translating.get():  # a nested call: the outermost one translates
            return super().structure(obj, cl)
        token = _translating.set(True)
        try:
            return super().structure(obj, cl)
        except Exception as exc:  # every failure, whatever its type, is translated
            error = _translate(exc, cl)
        finally:
            _translating.reset(token)
        raise error from None  # outside the handler: no __context__ to leak the input


def _translate(exc: BaseException, cl: object) -> ValidationError:
    """The first leaf of a cattrs error tree, as a library error naming model and field."""
    failed = getattr(exc, "cl", cl)  # a union names the member that failed
    where = _type_name(failed if (get_origin(failed) or failed) != (get_origin(cl) or cl) else cl)
    leaf: BaseException = exc
    while True:
        for note in getattr(leaf, "__notes__", ()):
            if isinstance(note, AttributeValidationNote):
                where += f".{note.name}"
                break
            if isinstance(note, IterableValidationNote):
                where += f"[{note.index}]" if isinstance(note.index, int) else "[…]"
                break
        if isinstance(leaf, BaseExceptionGroup) and leaf.exceptions:
            leaf = leaf.exceptions[0]
        else:
            break
    if isinstance(leaf, ValidationError):
        error = type(leaf).__new__(type(leaf))
        error.__dict__.update({k: v for k, v in vars(leaf).items() if k != "__notes__"})
        error.args = (f"{where}: {leaf}",)
        return error
    if isinstance(leaf, KeyError):
        return InvalidRecordError(f"{where}: missing field")
    if isinstance(leaf, StructureHandlerNotFoundError):
        return InvalidRecordError(f"{where}: cannot structure {_type_name(leaf.type_)}")
    return InvalidRecordError(f"{where}: invalid value ({type(leaf).__name__})")


def _collection_hook(converter: cattrs.Converter, cl: Any) -> Callable[[object, object], Any]:
    """Structure a homogeneous tuple, list, set or frozenset from a list (or tuple) only."""
    origin = get_origin(cl) or cl
    args = get_args(cl)
    element = args[0] if args else Any
    as_list = list_structure_factory(list[element], converter)  # type: ignore[valid-type]

    def structure_collection(value: object, _: object) -> Any:
        if not isinstance(value, list | tuple):
            raise _expected("a list", value)
        return origin(as_list(value, list[element]))  # type: ignore[valid-type]

    return structure_collection


def _attrs_hook(converter: cattrs.Converter, cl: type[Any]) -> Callable[[object, object], Any]:
    """Check the keys of the dict (forbidden, unknown, not strings), then let cattrs build it."""
    inner = converter.gen_structure_attrs_fromdict(cl)
    names = frozenset(a.name for a in attrs.fields(cl))

    def structure_model(value: object, _: object) -> Any:
        if not isinstance(value, Mapping):
            raise _expected("a mapping (JSON object)", value)
        unknown = [key for key in value if key not in names]
        for key in unknown:
            if is_forbidden_key(key, names):
                raise ForbiddenFieldError(field=masked_name(key))
        if unknown:
            shown = ", ".join(repr(masked_name(key)) for key in unknown[:5])
            more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
            plural = "s" if len(unknown) > 1 else ""
            raise InvalidRecordError(f"unknown key{plural} {shown}{more}")
        return inner(value, cl)

    return structure_model


def make_converter() -> cattrs.Converter:
    """A new converter with the library's rules; never :data:`cattrs.global_converter`.

    >>> from verwijsindex.model import Gender
    >>> converter = make_converter()
    >>> converter.unstructure(Gender.FEMALE), converter.structure("V", Gender)
    ('V', <Gender.FEMALE: 'V'>)
    >>> converter.structure(1, bool)
    Traceback (most recent call last):
        ...
    verwijsindex.errors.InvalidRecordError: bool: expected true or false, got int
    """
    converter = _Converter(
        forbid_extra_keys=True,
        unstruct_collection_overrides={
            tuple: list,
            list: list,
            frozenset: _sorted_list,
            set: _sorted_list,
        },
    )
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_unstructure_hook(datetime, _unstructure_datetime)
    converter.register_structure_hook(date, _structure_date)
    converter.register_unstructure_hook(date, _unstructure_date)
    converter.register_structure_hook(Bsn, _structure_bsn)
    converter.register_unstructure_hook(Bsn, _unstructure_bsn)
    converter.register_structure_hook_factory(_is_enum, _enum_hook)
    converter.register_structure_hook_factory(
        _is_collection, lambda cl: _collection_hook(converter, cl)
    )
    converter.register_structure_hook_factory(
        lambda cl: attrs.has(cl) and cl is not Bsn, lambda cl: _attrs_hook(converter, cl)
    )
    return converter


# --- the fast path ------------------------------------------------------------------------------
#
# Records read back from a store are structured on every load, so the shared converter
# gets a compiled fast path per model: straight-line code that checks exactly what the
# hooks above check (a dict with only known keys, every required key, the leaf types),
# then calls the class, whose attrs validators and converters run as always. It accepts
# nothing the converter refuses: whenever anything at all is off, it gives up and the
# converter structures the data again, so a malformed record raises the very error (and
# message) it always did. Only the library's own converter has it: one made with
# make_converter() may get hooks registered that the fast path would not know.


class _GiveUp(Exception):
    """The fast path does not handle this input: the converter decides."""


class _Unsupported(Exception):
    """A model with a field type the fast path does not compile."""


_FAST: dict[Any, Callable[[Any], Any] | None] = {}
_LEAF_CHECKED = (str, int, bool)


def fast_path(cl: Any) -> Callable[[Any], Any] | None:
    """The compiled structure function for model *cl*, or ``None`` when it has none."""
    try:
        return _FAST[cl]
    except KeyError:
        pass
    except TypeError:  # an unhashable type argument: no fast path
        return None
    fast: Callable[[Any], Any] | None = None
    if isinstance(cl, type) and attrs.has(cl) and cl is not Bsn:
        try:
            fast = _compile(cl)
        except _Unsupported:
            fast = None
    _FAST[cl] = fast
    return fast


class _Emitter:
    """Writes the lines that turn the JSON value in ``src`` into a field value in ``dst``."""

    def __init__(self, namespace: dict[str, Any]) -> None:
        self.ns = namespace

    def name(self, value: object, prefix: str) -> str:
        name = f"_{prefix}{len(self.ns)}"
        self.ns[name] = value
        return name

    def leaf(self, tp: Any) -> str | None:
        """An expression template (``{}`` for the value) for one element, or None."""
        if tp is datetime:
            return self.name(_structure_datetime, "dt") + "({}, None)"
        if tp is date:
            return self.name(_structure_date, "d") + "({}, None)"
        if tp is Bsn:
            return self.name(_structure_bsn, "bsn") + "({}, None)"
        if _is_enum(tp):
            return self.name({m.value: m for m in tp}, "enum") + "[{}]"
        if isinstance(tp, type) and attrs.has(tp):
            fast = fast_path(tp)
            if fast is None:
                raise _Unsupported(tp)
            return self.name(fast, "model") + "({})"
        return None

    def emit(self, tp: Any, src: str, dst: str, indent: str) -> list[str]:
        if tp in _LEAF_CHECKED:
            kind = self.name(tp, "t")
            return [
                f"{indent}if {src}.__class__ is not {kind}: raise _GiveUp",
                f"{indent}{dst} = {src}",
            ]
        template = self.leaf(tp)
        if template is not None:
            return [f"{indent}{dst} = {template.format(src)}"]
        args = get_args(tp)
        if len(args) == 2 and type(None) in args and get_origin(tp) is not tuple:
            inner = args[0] if args[1] is type(None) else args[1]
            return [
                f"{indent}if {src} is None:",
                f"{indent}    {dst} = None",
                f"{indent}else:",
                *self.emit(inner, src, dst, indent + "    "),
            ]
        if _is_collection(tp) and args:
            return self.collection(tp, args[0], src, dst, indent)
        raise _Unsupported(tp)

    def collection(self, tp: Any, element: Any, src: str, dst: str, indent: str) -> list[str]:
        make = self.name(get_origin(tp) or tp, "c")
        lines = [f"{indent}if {src}.__class__ is not list: raise _GiveUp"]
        if element in _LEAF_CHECKED:
            kind = self.name(element, "t")
            lines += [
                f"{indent}for _x in {src}:",
                f"{indent}    if _x.__class__ is not {kind}: raise _GiveUp",
                f"{indent}{dst} = {make}({src})",
            ]
            return lines
        template = self.leaf(element)
        if template is None:
            raise _Unsupported(tp)
        return [*lines, f"{indent}{dst} = {make}([{template.format('_x')} for _x in {src}])"]


def _compile(cl: type[Any]) -> Callable[[Any], Any]:
    fields = attrs.fields(cl)
    if any(not a.init or a.alias != a.name for a in fields):
        raise _Unsupported(cl)
    hints = typing.get_type_hints(cl)
    namespace: dict[str, Any] = {"_GiveUp": _GiveUp, "_cl": cl}
    namespace["_names"] = frozenset(a.name for a in fields)
    emitter = _Emitter(namespace)
    lines = [
        "def structure(d):",
        "    if d.__class__ is not dict or not _names.issuperset(d): raise _GiveUp",
        "    kw = {}",
    ]
    for a in fields:
        target = f"kw[{a.name!r}]"
        if a.default is attrs.NOTHING:
            lines.append(f"    v = d[{a.name!r}]")
            lines += emitter.emit(hints[a.name], "v", target, "    ")
        else:
            lines.append(f"    if {a.name!r} in d:")
            lines.append(f"        v = d[{a.name!r}]")
            lines += emitter.emit(hints[a.name], "v", target, "        ")
    lines.append("    return _cl(**kw)")
    # The code is made here from the model's own fields and types, never from input data.
    exec(  # noqa: S102
        compile("\n".join(lines), f"<verwijsindex fast structure {cl.__name__}>", "exec"), namespace
    )
    fast: Callable[[Any], Any] = namespace["structure"]
    return fast
