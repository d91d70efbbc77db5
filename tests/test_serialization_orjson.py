"""The orjson accelerator of :func:`verwijsindex.serialization.to_json` (decision 116):
what it writes is what the standard encoder writes, byte for byte, or it steps aside."""

from __future__ import annotations

import importlib
import inspect
import json
import sys
import typing
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.test_serialization import MODELS
from verwijsindex.errors import InvalidRecordError
from verwijsindex.serialization import _codec, to_json
from verwijsindex.serialization._codec import ENCODER, MODEL_MODULES, _encode_model
from verwijsindex.testing import make_professional

orjson = pytest.importorskip("orjson")

_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.text()
    | st.text(alphabet=st.characters(max_codepoint=0x7F)),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=20,
)
"""Plain data as a model unstructures to (no float), with what orjson refuses or writes
another way: integers beyond 64 bits, lone surrogates, DEL, text beyond ASCII."""


@given(_json_values)
def test_orjson_writes_what_the_encoder_writes_or_steps_aside(data: Any) -> None:
    fast = _encode_model(data)
    try:
        expected = ENCODER.encode(data)
    except (TypeError, ValueError):
        assert fast is None
        return
    assert fast is None or fast == expected


@pytest.mark.parametrize(
    "data",
    [
        {"a": "x\x7fy"},  # ASCII, which the encoder writes as an escape
        {"a": "Ren\u00e9e"},
        {"a": "\ud800"},
        {"a": 2**64},
    ],
)
def test_orjson_steps_aside_where_it_would_write_otherwise(data: Any) -> None:
    assert _encode_model(data) is None


def test_to_json_takes_the_accelerator_for_a_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """A stored record is written by orjson, plain data is not (it may hold a float)."""
    calls: list[Any] = []

    class Counting:
        OPT_SORT_KEYS = orjson.OPT_SORT_KEYS
        JSONEncodeError = orjson.JSONEncodeError

        @staticmethod
        def dumps(data: Any, option: int) -> bytes:
            calls.append(data)
            return orjson.dumps(data, option=option)  # type: ignore[no-any-return]

    monkeypatch.setattr(_codec, "_orjson", Counting)
    organisation = make_professional(id="p1", organisation="GGD").organisation
    assert json.loads(to_json(organisation))["id"] == organisation.id
    assert len(calls) == 1
    to_json({"count": 1.5})
    assert len(calls) == 1


@pytest.mark.parametrize(("cls", "strategy"), MODELS, ids=[cls.__name__ for cls, _ in MODELS])
@given(data=st.data())
def test_a_model_is_written_the_same_with_or_without_orjson(
    cls: type[Any], strategy: Callable[[], st.SearchStrategy[Any]], data: st.DataObject
) -> None:
    value = data.draw(strategy())
    with_it = to_json(value)
    saved = _codec._orjson
    _codec._orjson = None
    try:
        without = to_json(value)
    finally:
        _codec._orjson = saved
    assert with_it == without


def _types_in(tp: Any) -> Iterator[Any]:
    yield tp
    for arg in typing.get_args(tp):
        yield from _types_in(arg)


def test_the_models_orjson_writes_hold_no_float() -> None:
    """Every field of every model of ``MODEL_MODULES``, and of every model nested in one,
    is of a type the encoder and orjson write alike: no float, no ``Any``."""
    seen: set[type] = set()
    todo = [
        obj
        for name in sorted(MODEL_MODULES)
        for obj in vars(importlib.import_module(name)).values()
        if inspect.isclass(obj) and attrs.has(obj) and obj.__module__ == name
    ]
    assert len(todo) >= 10
    while todo:
        cls = todo.pop()
        if cls in seen:
            continue
        seen.add(cls)
        module = sys.modules[cls.__module__]
        for field, hint in typing.get_type_hints(cls, vars(module)).items():
            for tp in _types_in(hint):
                assert tp is not float and tp is not typing.Any, f"{cls.__name__}.{field}"
                if inspect.isclass(tp) and attrs.has(tp):
                    assert tp.__module__ in MODEL_MODULES, f"{cls.__name__}.{field}"
                    todo.append(tp)
    assert {"Dossier", "LogEntry", "Notification", "Professional"} <= {c.__name__ for c in seen}


def test_a_model_the_encoder_refuses_is_refused_either_way(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A model forced past its validators with a lone surrogate, or a moment the converter
    refuses, raises the same error with orjson as without it."""
    organisation = make_professional(id="p1", organisation="GGD").organisation
    broken = attrs.evolve(organisation)
    object.__setattr__(broken, "name", "a\ud800b")
    naive = attrs.evolve(organisation)
    object.__setattr__(naive, "municipality_code", datetime(2026, 1, 1))
    for value in (broken, naive):
        errors = []
        for accelerator in (_codec._orjson, None):
            monkeypatch.setattr(_codec, "_orjson", accelerator)
            with pytest.raises(InvalidRecordError) as caught:
                to_json(value)
            errors.append(str(caught.value))
        assert errors[0] == errors[1]
