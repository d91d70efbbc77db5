"""The hot path's short cuts do what the general code they replace does.

A registration's cost was cut by spelling out generic steps: a check function made once per
attrs class for re-validation, ``dossier.replace`` for ``attrs.evolve``, one keystream block
for a short sealed id, a municipality code checked without ``compact``. Each is compared
here with the general form it stands for, on Hypothesis examples where the inputs vary.
The byte-for-byte test of the memory store (``tests/storage/test_memory_golden.py``) covers
them together.
"""

from __future__ import annotations

import calendar
import hmac
import json
import threading
from datetime import date, datetime, time, timezone
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.strategies import (
    aware_datetimes,
    links,
    matches,
    notifications,
    professionals,
    subjects,
)
from verwijsindex import _validators as v
from verwijsindex import cbs_code, signals
from verwijsindex._copy import copy_with, unchecked
from verwijsindex.clock import add_months
from verwijsindex.dossier import Dossier, IndexTerms, index_terms, replace
from verwijsindex.errors import InvalidRecordError, NaiveDatetimeError, VerwijsindexError
from verwijsindex.matching import active_links, as_of, is_active
from verwijsindex.model import (
    Address,
    Contact,
    Link,
    LinkStatus,
    Match,
    Notification,
    Organisation,
    Professional,
    Subject,
)
from verwijsindex.pseudonyms import (
    _ID_DOMAIN,
    _SEAL_DOMAIN,
    Keyring,
    PseudonymKey,
    _keystream,
    entry_ref,
    entry_seals,
    seal_id,
    seal_link_id,
)
from verwijsindex.storage import MemoryStore
from verwijsindex.testing import make_professional
from verwijsindex.testing._records import full_dossier
from verwijsindex.testing._records import link as record_link

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


# --- copy_with: the re-key's and the sweep's copies -----------------------------------------------

_PSEUDONYMS = st.from_regex(r"[0-9a-f]{64}", fullmatch=True)


@given(links(), _PSEUDONYMS)
def test_a_link_moved_to_a_new_pseudonym_is_attrs_evolve(link: Link, new: str) -> None:
    moved = copy_with(link, subject=new)
    assert moved == attrs.evolve(link, subject=new)  # the validators accept the new value
    assert type(moved) is Link and moved is not link


@given(links())
def test_an_archived_copy_is_attrs_evolve(link: Link) -> None:
    archived = copy_with(link, status=LinkStatus.ARCHIVED, archived_on=link.ends_on)
    assert archived == attrs.evolve(link, status=LinkStatus.ARCHIVED, archived_on=link.ends_on)
    active = attrs.evolve(link, status=LinkStatus.ACTIVE, archived_on=None)
    on_its_end_day = datetime.combine(active.ends_on, time(12), tzinfo=timezone.utc)
    assert as_of(active, on_its_end_day) == attrs.evolve(
        active, status=LinkStatus.ARCHIVED, archived_on=active.ends_on
    )


@given(matches(), _PSEUDONYMS)
def test_a_match_moved_to_a_new_pseudonym_is_attrs_evolve(match: Match, new: str) -> None:
    assert copy_with(match, subject=new) == attrs.evolve(match, subject=new)


def test_a_subject_record_moved_is_attrs_evolve() -> None:
    record = full_dossier().subject
    changes: dict[str, Any] = {
        "key": "f" * 64,
        "key_id": "k2",
        "parent_keys": ("e" * 64,),
        "address_key": None,
    }
    assert copy_with(record, **changes) == attrs.evolve(record, **changes)


_LINK_FIELDS = [f.name for f in attrs.fields(Link) if f.converter is None]


@given(links(), links(), st.lists(st.sampled_from(_LINK_FIELDS), unique=True))
def test_copy_with_is_attrs_evolve_for_any_fields_in_any_order(
    link: Link, other: Link, names: list[str]
) -> None:
    """A copy function is made per class and per the names replaced, in the order given:
    whichever fields and order (none at all included), the copy is attrs.evolve's, and so
    is the same call made again (the function kept)."""
    changes = {name: getattr(other, name) for name in names}
    expected = attrs.evolve(link, **changes)
    assert copy_with(link, **changes) == expected
    assert copy_with(link, **dict(reversed(changes.items()))) == expected
    again = copy_with(link, **changes)
    assert again == expected and again is not link


def test_copy_with_refuses_what_it_cannot_copy_unchecked() -> None:
    link = full_dossier().links[0]
    for _ in range(2):  # a refused copy is refused again: no copy function is kept for it
        with pytest.raises(TypeError):
            copy_with(link, no_such_field=1)
        with pytest.raises(TypeError):
            copy_with(link, subject="f" * 64, no_such_field=1)
    with pytest.raises(TypeError):  # a converter would not run
        copy_with(full_dossier().match, links=("L9", "L1"))
    with pytest.raises(TypeError):  # not an attrs class
        copy_with(object(), id="x")
    with pytest.raises(TypeError):  # attrs.evolve would reset it, not copy it
        copy_with(_Derived(1), a=2)
    with pytest.raises(TypeError):  # attrs.evolve takes it as "b", not "_b"
        copy_with(_Aliased(1), _b=2)
    for cached in (_CachedHash(1), _CachedHashNoSlots(1)):
        with pytest.raises(TypeError):  # __init__ also empties the cache, which a copy lacks
            copy_with(cached, a=2)


@attrs.frozen(cache_hash=True)
class _CachedHash:
    a: int


@attrs.define(frozen=True, slots=False, cache_hash=True)
class _CachedHashNoSlots:
    a: int


@attrs.frozen
class _Derived:
    a: int
    b: int = attrs.field(init=False, default=0)


@attrs.frozen
class _Aliased:
    _b: int


# --- unchecked: a registration's notifications and contacts -------------------------------------


def _fields_of(value: Any) -> dict[str, Any]:  # attrs.asdict would copy the contacts
    return {f.name: getattr(value, f.name) for f in attrs.fields(type(value))}


def _same(made: Any, expected: Any) -> None:
    """*made* is *expected*: equal, of its class, and every field the very value."""
    assert type(made) is type(expected) and made == expected
    for name, value in _fields_of(expected).items():
        assert getattr(made, name) is value, name


@given(notifications(), st.booleans())
def test_an_unchecked_notification_is_the_class_s_own(notice: Notification, lists: bool) -> None:
    fields = _fields_of(notice)
    if lists:  # the converter runs as in __init__
        fields["contacts"] = list(fields["contacts"])
    made = unchecked(Notification)(**fields)
    assert made == Notification(**fields) == notice and type(made.contacts) is tuple
    defaults: dict[str, Any] = {"id": notice.id, "kind": notice.kind}
    defaults.update(recipient=notice.recipient, created_at=notice.created_at)
    assert unchecked(Notification)(**defaults) == Notification(**defaults)


@given(links(), matches())
def test_unchecked_links_and_matches_are_the_class_s_own(link: Link, match: Match) -> None:
    _same(unchecked(Link)(**_fields_of(link)), link)
    _same(unchecked(Match)(**_fields_of(match)), match)


@given(professionals())
def test_a_contact_of_the_directory_is_contact_of(professional: Professional) -> None:
    """contacts_of builds each Contact without its validators from a Professional, whose
    validators check the same fields the same way: what it builds is Contact.of's."""
    tx = MemoryStore().transaction()
    with tx as t:
        t.put_professional(professional)

        class _Work:
            def professional(self, pid: str) -> Professional | None:
                return t.get_professional(pid)

        (made,) = signals.contacts_of(_Work(), [professional.id])  # type: ignore[arg-type]
    _same(made, Contact.of(professional))


def test_unchecked_refuses_what_it_cannot_make_as_init_does() -> None:
    for cls in (_CachedHash, _CachedHashNoSlots, _Derived, _Aliased, _Made, object):
        with pytest.raises(TypeError):
            unchecked(cls)
    with pytest.raises(TypeError):  # the fields are taken by name only
        unchecked(Link)("x", "f" * 64)


@attrs.frozen
class _Made:
    a: list[int] = attrs.field(factory=list)


# --- one keystream block --------------------------------------------------------------------------


@given(st.binary(min_size=32, max_size=32), st.text(min_size=1, max_size=40), st.integers(1, 200))
def test_the_keystream_is_the_blocks_of_hmac(secret: bytes, entry_id: str, size: int) -> None:
    prefix = _ID_DOMAIN + entry_id.encode("utf-8") + b":"
    blocks = b"".join(
        hmac.digest(secret, prefix + str(n).encode("ascii"), "sha256")
        for n in range(-(-size // 32))
    )
    assert _keystream(secret.hex(), entry_id, size) == blocks[:size]


@given(
    st.binary(min_size=32, max_size=32),
    st.from_regex(r"[0-9a-f]{1,40}", fullmatch=True),
    st.one_of(st.none(), st.text(min_size=1, max_size=80)),
    st.one_of(st.none(), st.text(min_size=1, max_size=80)),
)
def test_entry_seals_are_entry_ref_and_seal_id(
    secret: bytes, entry_id: str, link_id: str | None, match_id: str | None
) -> None:
    """A log entry's reference and sealed ids, made with the youth's key once, are those
    of entry_ref, seal_link_id and seal_id made one by one."""
    log_secret = secret.hex()
    assert entry_seals(log_secret, entry_id, link_id, match_id) == (
        entry_ref(log_secret, entry_id),
        None if link_id is None else seal_link_id(log_secret, entry_id, link_id),
        None if match_id is None else seal_id(log_secret, entry_id, match_id),
    )


# --- active links ---------------------------------------------------------------------------------


def _created_at(link: Link) -> datetime:
    return link.created_at


@given(st.lists(links(), max_size=6), aware_datetimes())
def test_active_links_are_those_is_active_keeps_oldest_first(
    found: list[Link], at: datetime
) -> None:
    """active_links checks *at* and finds its day once; is_active does both per link."""
    general = tuple(sorted((lk for lk in found if is_active(lk, at)), key=_created_at))
    assert active_links(found, at) == general


def test_active_links_checks_the_moment_as_is_active_does() -> None:
    naive = datetime(2026, 1, 1, 9, 0)
    assert active_links([], naive) == ()  # no link: nothing to judge, as before
    link = record_link(1, "k1")
    with pytest.raises(NaiveDatetimeError, match="at must be timezone-aware"):
        is_active(link, naive)
    with pytest.raises(NaiveDatetimeError, match="at must be timezone-aware"):
        active_links([link], naive)


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


# --- the memory store's index terms ---------------------------------------------------------------


def _changed(base: Dossier, links: int, match: bool, parents: int, address: str | None) -> Dossier:
    """*base* with some of its links, with or without its match, some parents, an address."""
    subject = attrs.evolve(
        base.subject,
        parent_keys=("parent-a", "parent-b", "parent-c")[:parents],
        address_key=address,
    )
    return replace(
        base,
        subject=subject,
        links=base.links[:links],
        match=base.match if match else None,
    )


def _filed(store: MemoryStore, terms: IndexTerms) -> dict[str, object]:
    with store.transaction() as tx:
        return {
            "links": {i: tx.key_for_link(i) for i in ("L1", "L2", "L3")},
            "match": tx.key_for_match("M1"),
            "professionals": {p: tx.keys_for_professional(p) for p in ("P1", "P2", "P3")},
            "parents": {p: tx.keys_for_parent(p) for p in ("parent-a", "parent-b", "parent-c")},
            "addresses": {a: tx.keys_for_address(a) for a in ("address-1", "address-2")},
            "terms": terms,
        }


def _expected(terms: IndexTerms, key: str) -> dict[str, object]:
    return {
        "links": {i: key if i in terms.link_ids else None for i in ("L1", "L2", "L3")},
        "match": key if "M1" in terms.match_ids else None,
        "professionals": {
            p: [key] if p in terms.professional_ids else [] for p in ("P1", "P2", "P3")
        },
        "parents": {
            p: [key] if p in terms.parent_keys else [] for p in ("parent-a", "parent-b", "parent-c")
        },
        "addresses": {
            a: [key] if a in terms.address_keys else [] for a in ("address-1", "address-2")
        },
        "terms": terms,
    }


@pytest.mark.parametrize("first", [(3, True, 2, "address-1"), (1, False, 0, None)])
@pytest.mark.parametrize("links_kept", [0, 1, 3])
@pytest.mark.parametrize("match", [True, False])
@pytest.mark.parametrize("parents", [0, 1, 3])
@pytest.mark.parametrize("address", [None, "address-1", "address-2"])
def test_a_saved_dossier_is_filed_under_its_index_terms_only(
    first: tuple[int, bool, int, str | None],
    links_kept: int,
    match: bool,
    parents: int,
    address: str | None,
) -> None:
    """save() and delete() read the terms from the dossiers directly; a store holds each
    dossier under exactly the terms of index_terms, and under none of the old one's, and
    under none at all once it is deleted."""
    base = full_dossier("k1")
    store = MemoryStore()
    before = _changed(base, *first)
    after = _changed(base, links_kept, match, parents, address)
    for dossier in (before, after):
        with store.transaction() as tx:
            tx.save(dossier)
    assert _filed(store, index_terms(after)) == _expected(index_terms(after), "k1")

    def undone() -> None:
        with store.transaction() as tx:
            tx.save(before)
            raise RuntimeError

    with pytest.raises(RuntimeError):  # the save is undone in full
        undone()
    assert _filed(store, index_terms(after)) == _expected(index_terms(after), "k1")

    def deleted_and_undone() -> None:
        with store.transaction() as tx:
            tx.delete("k1")
            raise RuntimeError

    # delete() too reads the terms from the dossier: it takes away exactly those of
    # index_terms, and a rollback files them all again
    with pytest.raises(RuntimeError):
        deleted_and_undone()
    assert _filed(store, index_terms(after)) == _expected(index_terms(after), "k1")
    with store.transaction() as tx:
        tx.delete("k1")
    nothing = IndexTerms((), (), (), (), ())
    assert _filed(store, nothing) == _expected(nothing, "k1")
    assert not store._by_professional and not store._by_parent and not store._by_address


# --- seals and months -----------------------------------------------------------------------------


@given(st.binary(min_size=32, max_size=80), st.text(max_size=120))
def test_a_seal_is_the_hmac_under_the_sealing_key(secret: bytes, message: str) -> None:
    """Keyring.seal uses its newest key's MAC keyed once; the seal is still the HMAC that
    hmac.new gives, and check_seal accepts it and nothing else."""
    ring = Keyring([PseudonymKey("k1", secret)])
    sealing_key = hmac.digest(secret, _SEAL_DOMAIN, "sha256")
    expected = hmac.new(sealing_key, message.encode("utf-8"), "sha256").hexdigest()
    assert ring.seal(message) == f"k1:{expected}"
    assert ring.check_seal(message, ring.seal(message))
    assert ring.check_seal(message, f"k1:{expected}")  # the HMAC itself, not only our seal
    assert not ring.check_seal(message + "x", f"k1:{expected}")
    assert not ring.check_seal(message, f"k1:{expected[:-1]}{'0' if expected[-1] != '0' else '1'}")
    assert not ring.check_seal(message, f"k2:{expected}")  # no key of that id in the ring


@pytest.mark.parametrize("seal", ["k1:é", "k1:\u0000", "k1:" + "é" * 64, "é:abc", ":", "", 7])
def test_a_seal_that_cannot_be_a_mac_does_not_fit(seal: object) -> None:
    """A seal read from a store that was tampered with may hold anything: it does not fit,
    and checking it raises nothing (hmac.compare_digest refuses non-ASCII text)."""
    ring = Keyring([PseudonymKey("k1", b"1" * 32)])
    assert ring.check_seal("m", seal) is False


def test_a_seal_of_an_older_key_of_the_ring_is_checked_under_that_key() -> None:
    """A re-key checks every dossier's seal under the old ring and seals it again under
    the new one: a seal of any key of the ring fits, under its own key only."""
    first, second = PseudonymKey("k1", b"1" * 32), PseudonymKey("k2", b"2" * 32)
    old, new = Keyring([first]), Keyring([first, second])
    sealed = old.seal("m")
    assert new.check_seal("m", sealed) and old.check_seal("m", sealed)
    assert not Keyring([second]).check_seal("m", sealed)
    forged = "k2:" + sealed.partition(":")[2]  # the first key's MAC under the second's id
    assert not new.check_seal("m", forged)
    assert new.check_seal("m", new.seal("m")) and not old.check_seal("m", new.seal("m"))


def test_a_seal_follows_the_newest_key() -> None:
    first, second = PseudonymKey("k1", b"1" * 32), PseudonymKey("k2", b"2" * 32)
    ring = Keyring([first])
    sealed = ring.seal("m")
    ring.keys = (first, second)  # the ring's keys replaced: sealed under the new newest
    assert ring.seal("m") == Keyring([second]).seal("m") != sealed
    assert ring.seal("m").startswith("k2:")


def _monthrange_add_months(day: date, months: int) -> date:
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


@given(st.dates(min_value=date(1600, 1, 1), max_value=date(2999, 12, 31)), st.integers(0, 1200))
def test_add_months_is_the_calendar_s_month_length(day: date, months: int) -> None:
    assert add_months(day, months) == _monthrange_add_months(day, months)


def _loads_as_json_loads(text: Any) -> Any:
    """What ``_codec._loads`` did before it kept one decoder: ``json.loads`` with the same
    hooks, each call building a decoder of its own."""
    from verwijsindex.serialization import _codec

    try:
        data = json.loads(text, parse_constant=_codec._refuse_constant, parse_float=_codec._finite)
        source = text if isinstance(text, str) else text.decode("utf-8")
        if _codec._SURROGATE_ESCAPE.search(source):
            _codec._refuse_lone_surrogates(data)
        return data
    except InvalidRecordError:
        raise
    except json.JSONDecodeError as exc:
        error = InvalidRecordError(f"not valid JSON: {exc.msg} at position {exc.pos}")
    except (ValueError, TypeError, RecursionError) as exc:
        error = InvalidRecordError(f"not valid JSON ({type(exc).__name__})")
    raise error from None


def _parsed(parse: Any, text: Any) -> tuple[str, Any]:
    try:
        return ("value", parse(text))
    except InvalidRecordError as error:
        return ("error", str(error))


_json_texts = st.one_of(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(),
        lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner),
        max_leaves=8,
    ).map(lambda value: json.dumps(value, ensure_ascii=False)),
    st.text(),
    st.sampled_from(
        [
            "\ufeff{}",
            '{"a": NaN}',
            "[Infinity]",
            "1e999",
            '"\\ud800"',
            '{"a": "\\udc00x"}',
            "{",
            "",
            " ",
            "[1,]",
            '{"a": 1} x',
            "\x00",
        ]
    ),
)


@given(text=_json_texts)
def test_json_is_read_as_json_loads_reads_it_with_the_same_hooks(text: str) -> None:
    from verwijsindex.serialization._codec import _loads

    assert _parsed(_loads, text) == _parsed(_loads_as_json_loads, text)
    data = text.encode("utf-8", "surrogatepass")
    assert _parsed(_loads, data) == _parsed(_loads_as_json_loads, data)


# --- directory records read by text ------------------------------------------------------------


@given(professional=professionals())
def test_a_directory_record_is_decoded_as_decode_decodes_it(professional: Professional) -> None:
    from verwijsindex.serialization import to_json
    from verwijsindex.storage._sql import decode, decode_directory

    cases: tuple[tuple[Any, Any, str], ...] = (
        (professional, Professional, "professionals"),
        (professional.organisation, Organisation, "organisations"),
    )
    for record, cls, table in cases:
        text = to_json(record)
        first = decode_directory(text, cls, table, record.id)
        assert first == decode(text, cls, table, record.id) == record
        assert decode_directory(text, cls, table, record.id) is first  # read by text
        # another text, another record: what a store holds now is what is read
        renamed = attrs.evolve(record, name=record.name + " B")
        assert decode_directory(to_json(renamed), cls, table, record.id) == renamed


def test_a_corrupt_directory_record_fails_every_time_it_is_read() -> None:
    from verwijsindex.errors import CorruptRecordError
    from verwijsindex.storage._sql import decode_directory

    for text in ('{"id": "org-1"}', "{", None, 7):
        for _ in range(2):
            with pytest.raises(CorruptRecordError, match="'organisations', row 'org-1'"):
                decode_directory(text, Organisation, "organisations", "org-1")
