"""The hot path's short cuts do what the general code they replace does.

A registration's cost was cut by spelling out generic steps: a check function made once per
attrs class for re-validation, ``dossier.replace`` for ``attrs.evolve``, one keystream block
for a short sealed id, a municipality code checked without ``compact``. Each is compared
here with the general form it stands for, on Hypothesis examples where the inputs vary.
The byte-for-byte test of the memory store (``tests/storage/test_memory_golden.py``) covers
them together.
"""

from __future__ import annotations

import hmac
import threading
from datetime import date
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import links, professionals, subjects
from verwijsindex import _validators as v
from verwijsindex import cbs_code
from verwijsindex.dossier import Dossier, replace
from verwijsindex.errors import InvalidRecordError, VerwijsindexError
from verwijsindex.model import Address, Organisation, Professional, Subject
from verwijsindex.pseudonyms import _ID_DOMAIN, _keystream
from verwijsindex.storage import MemoryStore
from verwijsindex.testing import make_professional
from verwijsindex.testing._records import full_dossier

# --- re-validation --------------------------------------------------------------------------------


def _slow_revalidate(value: Any) -> None:
    """Re-validation as the general loop did it: every validator of every field, in order,
    then the same for each attrs value inside, however deep."""
    if isinstance(value, tuple | frozenset):
        for item in value:
            _slow_revalidate(item)
        return
    if not attrs.has(type(value)):
        return
    for field in attrs.fields(type(value)):
        item = getattr(value, field.name)
        if field.validator is not None:
            field.validator(value, field, item)
        _slow_revalidate(item)


def _outcome(check: Any, value: Any) -> str:
    try:
        check(value)
    except VerwijsindexError as e:
        return f"{type(e).__name__}: {e}"
    except Exception as e:  # a validator that cannot look at what it was given
        return f"{type(e).__name__}"
    return "ok"


_BAD = ["", "x\n", "0000", None, 7, ("nope",), date(1800, 1, 1), "a" * 300]


@given(subjects(), st.data())
def test_revalidation_finds_what_the_general_loop_finds(
    subject: Subject, data: st.DataObject
) -> None:
    """A field changed after construction (``object.__setattr__``), at the top or inside the
    address: the per-class check raises the same error as the general loop, or passes
    where it passes."""
    assert _outcome(v.revalidate, subject) == _outcome(_slow_revalidate, subject) == "ok"
    target: Any = data.draw(st.sampled_from([subject, subject.address]))
    name = data.draw(st.sampled_from([f.name for f in attrs.fields(type(target))]))
    object.__setattr__(target, name, data.draw(st.sampled_from(_BAD)))
    assert _outcome(v.revalidate, subject) == _outcome(_slow_revalidate, subject)


@given(professionals())
def test_revalidation_of_professionals_and_their_organisation(professional: Professional) -> None:
    assert _outcome(v.revalidate, professional) == "ok"
    object.__setattr__(professional.organisation, "email", "no address")
    assert _outcome(v.revalidate, professional) == _outcome(_slow_revalidate, professional)
    assert _outcome(v.revalidate, professional).startswith("InvalidRecordError")


@given(links())
def test_revalidation_of_links(link: Any) -> None:
    assert _outcome(v.revalidate, link) == _outcome(_slow_revalidate, link) == "ok"


# --- dossier.replace ------------------------------------------------------------------------------


def test_replace_is_attrs_evolve_field_by_field() -> None:
    dossier = full_dossier()
    other = Dossier(subject=full_dossier("k2").subject)
    for field in attrs.fields(Dossier):
        value = getattr(other, field.name)
        changed = replace(dossier, **{field.name: value})
        assert changed == attrs.evolve(dossier, **{field.name: value})
        assert changed is not dossier
    assert replace(dossier) == dossier
    everything = {f.name: getattr(other, f.name) for f in attrs.fields(Dossier)}
    assert replace(dossier, **everything) == other


# --- one keystream block --------------------------------------------------------------------------


@given(st.binary(min_size=32, max_size=32), st.text(min_size=1, max_size=40), st.integers(1, 200))
def test_the_keystream_is_the_blocks_of_hmac(secret: bytes, entry_id: str, size: int) -> None:
    prefix = _ID_DOMAIN + entry_id.encode("utf-8") + b":"
    blocks = b"".join(
        hmac.digest(secret, prefix + str(n).encode("ascii"), "sha256")
        for n in range(-(-size // 32))
    )
    assert _keystream(secret.hex(), entry_id, size) == blocks[:size]


# --- municipality codes ---------------------------------------------------------------------------


@given(st.one_of(st.text(max_size=8), st.from_regex(r"[0-9]{4}", fullmatch=True), st.integers()))
def test_a_municipality_code_is_accepted_exactly_when_it_is_canonical(value: object) -> None:
    attribute = attrs.fields(Organisation).municipality_code
    canonical = isinstance(value, str) and cbs_code.compact(value) == value
    if canonical:
        v.municipality(None, attribute, value)
    else:
        with pytest.raises(InvalidRecordError):
            v.municipality(None, attribute, value)


@pytest.mark.parametrize("value", ["0000", "0935", "9999", "935", "GM0935", " 0935", "٠٩٣٥"])
def test_municipality_codes_at_the_edges(value: str) -> None:
    attribute = attrs.fields(Address).municipality_code
    if cbs_code.compact(value) == value:
        v.municipality(None, attribute, value)
    else:
        with pytest.raises(InvalidRecordError):
            v.municipality(None, attribute, value)


# --- the memory store's transaction ---------------------------------------------------------------


def test_a_memory_transaction_that_raises_keeps_nothing_and_frees_the_store() -> None:
    """The store's lock is re-entrant, so another thread shows that it was let go."""
    store = MemoryStore()
    professional = make_professional(id="p1", organisation="Wijkteam")

    def fail() -> None:
        with store.transaction() as tx:
            tx.put_professional(professional)
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    seen: list[object] = []

    def other() -> None:
        with store.transaction() as tx:
            seen.append(tx.get_professional(professional.id))

    thread = threading.Thread(target=other)
    thread.start()
    thread.join(5)
    assert not thread.is_alive() and seen == [None]  # free again, and nothing was kept
    with store.transaction() as tx:
        pass
    assert tx.closed
