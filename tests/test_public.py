"""Tests for :func:`verwijsindex.serialization.public`: the form an API may return.

No storage pseudonym, secret or hash, a masked BSN, and a refusal for anything that would
still carry one, while the library's own random ids (hexadecimal, so with runs of digits
in them) always pass.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from verwijsindex.errors import InvalidRecordError
from verwijsindex.model import Contact, Link, Recipient
from verwijsindex.privacy import RequestKind, file_request
from verwijsindex.roles import RightsOfficer
from verwijsindex.serialization import public, public_json
from verwijsindex.testing import make_index, make_professional, make_subject

BSN = "111222333"
WHEN = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def a_link(**changes: object) -> Link:
    fields: dict[str, object] = {
        "id": "L1",
        "subject": "ab" * 32,
        "professional": "p1",
        "organisation": "o1",
        "created_at": WHEN,
        "ends_on": date(2028, 11, 23),
    }
    fields.update(changes)
    return Link(**fields)  # type: ignore[arg-type]


def strings(data: object) -> list[str]:
    if isinstance(data, str):
        return [data]
    if isinstance(data, dict):
        return [s for item in data.values() for s in strings(item)]
    if isinstance(data, list):
        return [s for item in data for s in strings(item)]
    return []


def test_a_link_loses_its_pseudonym() -> None:
    data = public(a_link())
    assert "subject" not in data
    assert data["id"] == "L1" and data["professional"] == "p1"
    assert "ab" * 32 not in public_json(a_link())


@pytest.mark.parametrize(
    "link_id",
    [
        "ab111222333cd0123456789abcdef012",  # a valid BSN inside a random id
        "111222333abcdef0123456789abcdef0",  # at its start
        "abcdef0123456789abcdefa111222333",  # at its end
    ],
)
def test_a_hexadecimal_id_with_a_bsn_shaped_run_passes(link_id: str) -> None:
    """The library's ids are 32 random hexadecimal digits: about one in two hundred holds
    nine decimal digits that pass the elfproef. Such an id is no BSN and must not make the
    public form refuse (an access report holds dozens of ids)."""
    assert public(a_link(id=link_id))["id"] == link_id


@given(st.binary(min_size=16, max_size=16))
def test_every_random_id_passes(raw: bytes) -> None:
    assert public(a_link(id=raw.hex()))["id"] == raw.hex()


@pytest.mark.parametrize(
    "text",
    [BSN, f"bsn {BSN}", f"{BSN}, Maastricht", f"({BSN})", "ab" * 32],
)
def test_a_bsn_or_pseudonym_standing_as_a_word_is_refused(text: str) -> None:
    contact = Contact(professional_id="p1", name=text, organisation="GGD", email="p1@ggd.example")
    with pytest.raises(InvalidRecordError, match="pseudonym or a BSN") as caught:
        public(contact)
    assert BSN not in str(caught.value)


def test_nine_digits_that_fail_the_elfproef_pass() -> None:
    assert public(a_link(professional="123456789"))["professional"] == "123456789"


def test_a_registration_and_an_access_report_are_public_without_pseudonym_or_bsn() -> None:
    index = make_index()
    teacher = make_professional(id="t1", organisation="Sint Jozefschool")
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    for p in (teacher, nurse):
        index.add_organisation(p.organisation)
    youth = make_subject(bsn=BSN, birth_date=date(2012, 5, 1))
    registrations = [index.register(youth, p) for p in (teacher, nurse)]
    request = file_request(
        RequestKind.ACCESS,
        youth,
        {Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE},
        received_on=date(2026, 1, 1),  # make_index's day: a request is not dated ahead
    )
    report = index.access_report(request, by=RightsOfficer(youth.address.municipality_code))
    values = [*registrations, report, request, *index.pending_notifications()]
    for value in values:
        data = public(value)
        json.dumps(data)  # plain JSON data
        text = public_json(value)
        assert BSN not in text
        for s in strings(data):
            assert not (len(s) == 64 and set(s) <= set("0123456789abcdef")), s
    assert public(request)["subject"] == "******333"


def test_the_store_records_have_no_public_form() -> None:
    index = make_index()
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    index.add_organisation(nurse.organisation)
    index.register(make_subject(bsn=BSN, birth_date=date(2012, 5, 1)), nurse)
    with index.store.transaction() as tx:
        dossier = tx.load(next(iter(tx.keys(None, 10))))
    assert dossier is not None
    with pytest.raises(InvalidRecordError, match="no public form"):
        public(dossier)
    with pytest.raises(InvalidRecordError, match="mapping"):
        public({"bsn": BSN})
    assert attrs.has(type(dossier))
