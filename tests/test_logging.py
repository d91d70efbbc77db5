"""The library logs under ``verwijsindex``: totals at INFO, each registration and match at
DEBUG, never a youth's BSN, name, street or postcode."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest

from verwijsindex.importing import ImportRecord
from verwijsindex.model import Recipient
from verwijsindex.privacy import RequestKind, decide, erase, file_request
from verwijsindex.pseudonyms import PseudonymKey
from verwijsindex.roles import RightsOfficer
from verwijsindex.testing import FixedClock, make_index, make_professional, make_subject
from verwijsindex.testing._base import START, valid_bsns


def test_a_scenario_at_debug_names_no_youth(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="verwijsindex")
    clock = FixedClock(START)
    index = make_index(clock=clock)
    nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
    teacher = make_professional(id="t1", organisation="Sint Jozefschool")
    for pro in (nurse, teacher):
        index.add_organisation(pro.organisation)
    youths = [
        make_subject(bsn=bsn, birth_date=date(2012, 5, 1), name=f"Jeugdige Geheimnaam{i}")
        for i, bsn in enumerate(valid_bsns(6))
    ]
    for youth in youths[:3]:
        index.register(youth, nurse)
        index.register(youth, teacher)
    index.bulk_register([ImportRecord(y, nurse) for y in youths[3:]], notify=False)
    request = file_request(
        RequestKind.OBJECTION,
        youths[0],
        {Recipient.YOUTH, Recipient.LEGAL_REPRESENTATIVE},
        received_on=START.date(),
    )
    erase(index, decide(request, granted=True), by=RightsOfficer("0935"))
    clock.advance(timedelta(days=800))
    index.sweep()
    index.rekey(PseudonymKey("2027-1", b"k" * 32))
    messages = [r.getMessage() for r in caplog.records]
    text = "\n".join(messages)
    assert any(r.levelno == logging.DEBUG and "registered link" in r.getMessage()
               for r in caplog.records)  # fmt: skip
    assert any(r.levelno == logging.DEBUG and "match" in r.getMessage() for r in caplog.records)
    info = [r for r in caplog.records if r.levelno == logging.INFO]
    assert any(r.name == "verwijsindex.sweep" and "expired" in r.getMessage() for r in info)
    assert any(r.name == "verwijsindex.import" for r in info)
    assert any(r.name == "verwijsindex.rights" and "erased" in r.getMessage() for r in info)
    assert any(r.name == "verwijsindex.rekey" for r in info)
    for youth in youths:
        assert youth.number.value not in text
        assert youth.name not in text and "Geheimnaam" not in text
        assert youth.address.street not in text and youth.address.postcode not in text
        assert index.keyring.pseudonym(youth.number) not in text
    assert all(r.name.startswith("verwijsindex") for r in caplog.records)


def test_the_library_adds_no_handler_of_its_own() -> None:
    handlers = logging.getLogger("verwijsindex").handlers
    assert handlers and all(isinstance(h, logging.NullHandler) for h in handlers)
