"""Data-subject requests: who may file, deadlines, extensions, decisions, routing."""

from __future__ import annotations

from datetime import date, datetime, timezone

import pytest

from verwijsindex.errors import AccessDeniedError, InvalidRecordError, NotEligibleError
from verwijsindex.model import Recipient
from verwijsindex.privacy import (
    ExtensionGround,
    RequestKind,
    RequestStatus,
    access_report,
    decide,
    eligible_requesters,
    erase,
    file_request,
    rectify,
    route,
)
from verwijsindex.roles import FollowUpChecker, OrganisationCoordinator, RightsOfficer, actor_name
from verwijsindex.testing import FixedClock, make_index, make_professional, make_subject

YOUTH = Recipient.YOUTH
REP = Recipient.LEGAL_REPRESENTATIVE
BOTH = frozenset({YOUTH, REP})


def youth_born(born: date) -> object:
    return make_subject(bsn="111222333", birth_date=born)


@pytest.mark.parametrize(
    ("age", "who"),
    [(0, {REP}), (11, {REP}), (12, BOTH), (15, BOTH), (16, {YOUTH}), (22, {YOUTH})],
)
def test_who_files_by_age(age: int, who: set[Recipient]) -> None:
    assert eligible_requesters(age) == frozenset(who)


@pytest.mark.parametrize(
    ("born", "on", "ok", "refused"),
    [
        (date(2015, 3, 10), date(2027, 3, 9), {REP}, [{YOUTH}, BOTH]),  # 11: the day before 12
        (date(2015, 3, 10), date(2027, 3, 10), BOTH, [{REP}, {YOUTH}]),  # 12
        (date(2011, 3, 10), date(2027, 3, 9), BOTH, [{YOUTH}, {REP}]),  # 15
        (date(2011, 3, 10), date(2027, 3, 10), {YOUTH}, [BOTH, {REP}]),  # 16
        (date(2012, 2, 29), date(2028, 2, 28), BOTH, [{YOUTH}]),  # still 15 on 28 February
        (date(2012, 2, 29), date(2028, 2, 29), {YOUTH}, [BOTH]),  # 16 on the leap day
        (date(2011, 2, 28), date(2027, 2, 28), {YOUTH}, [BOTH]),
    ],
)
def test_eligibility_at_the_boundaries(
    born: date, on: date, ok: set[Recipient], refused: list[set[Recipient]]
) -> None:
    subject = make_subject(bsn="111222333", birth_date=born)
    assert file_request(RequestKind.ACCESS, subject, ok, received_on=on).requesters == frozenset(ok)
    for who in refused:
        with pytest.raises(NotEligibleError):
            file_request(RequestKind.ACCESS, subject, who, received_on=on)


def test_anyone_else_is_refused_clearly() -> None:
    subject = make_subject(bsn="111222333", birth_date=date(2008, 1, 1))
    with pytest.raises(InvalidRecordError, match="requesters must be Recipient values"):
        file_request(RequestKind.ACCESS, subject, ["the neighbour"], received_on=date(2026, 1, 1))  # type: ignore[list-item]
    with pytest.raises(NotEligibleError, match="youth or their legal representative"):
        file_request(RequestKind.ACCESS, subject, [], received_on=date(2026, 1, 1))
    with pytest.raises(InvalidRecordError):
        file_request("access", subject, {YOUTH}, received_on=date(2026, 1, 1))  # type: ignore[arg-type]
    with pytest.raises(InvalidRecordError):
        file_request(
            RequestKind.ACCESS,
            subject,
            {YOUTH},
            received_on=datetime(2026, 1, 1, tzinfo=timezone.utc),
        )


@pytest.mark.parametrize(
    ("received", "due", "extended"),
    [
        (date(2027, 1, 31), date(2027, 2, 28), date(2027, 4, 30)),
        (date(2028, 1, 31), date(2028, 2, 29), date(2028, 4, 30)),  # leap year
        (date(2027, 1, 15), date(2027, 2, 15), date(2027, 4, 15)),
        (date(2027, 3, 31), date(2027, 4, 30), date(2027, 6, 30)),
        (date(2027, 12, 31), date(2028, 1, 31), date(2028, 3, 31)),
        (date(2027, 11, 30), date(2027, 12, 30), date(2028, 2, 29)),
    ],
)
def test_due_dates_across_month_ends(received: date, due: date, extended: date) -> None:
    subject = make_subject(bsn="111222333", birth_date=date(2005, 1, 1))
    request = file_request(RequestKind.OBJECTION, subject, {YOUTH}, received_on=received)
    assert request.due_on == due
    assert request.extend(ExtensionGround.NUMBER_OF_REQUESTS).due_on == extended


def test_an_extension_needs_a_ground_and_is_at_most_two_months() -> None:
    subject = make_subject(bsn="111222333", birth_date=date(2005, 1, 1))
    request = file_request(RequestKind.ACCESS, subject, {YOUTH}, received_on=date(2027, 1, 31))
    assert request.extend(ExtensionGround.COMPLEXITY, months=1).due_on == date(2027, 3, 31)
    with pytest.raises(InvalidRecordError):
        request.extend("it is busy", months=1)  # type: ignore[arg-type]
    with pytest.raises(InvalidRecordError):
        request.extend(ExtensionGround.COMPLEXITY, months=3)
    with pytest.raises(InvalidRecordError):
        request.extend(ExtensionGround.COMPLEXITY, months=0)
    once = request.extend(ExtensionGround.COMPLEXITY, months=1)
    with pytest.raises(InvalidRecordError):
        once.extend(ExtensionGround.COMPLEXITY, months=1)


def test_decisions() -> None:
    subject = make_subject(bsn="111222333", birth_date=date(2005, 1, 1))
    request = file_request(RequestKind.OBJECTION, subject, {YOUTH}, received_on=date(2027, 1, 1))
    assert decide(request, granted=True).status is RequestStatus.GRANTED
    refused = decide(request, granted=False)
    assert refused.status is RequestStatus.REFUSED
    with pytest.raises(InvalidRecordError):
        decide(refused, granted=True)
    assert "111222333" not in repr(request)


def test_operations_check_the_request_kind() -> None:
    index = make_index(clock=FixedClock(datetime(2027, 1, 1, 9, 0, tzinfo=timezone.utc)))
    subject = make_subject(bsn="111222333", birth_date=date(2005, 1, 1))
    officer = RightsOfficer("0935")
    access = file_request(RequestKind.ACCESS, subject, {YOUTH}, received_on=date(2027, 1, 1))
    objection = decide(
        file_request(RequestKind.OBJECTION, subject, {YOUTH}, received_on=date(2027, 1, 1)),
        granted=True,
    )
    with pytest.raises(InvalidRecordError):
        access_report(index, objection, by=officer)
    with pytest.raises(InvalidRecordError):
        erase(index, access, by=officer)
    with pytest.raises(InvalidRecordError):
        rectify(index, access, subject, by=officer)


def test_routing_names_each_controller_and_contact() -> None:
    index = make_index(clock=FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)))
    pros = [
        make_professional(id="p1", organisation="GGD Zuid-Limburg"),
        make_professional(id="p2", organisation="MEE Zuid-Limburg", municipality="Sittard-Geleen"),
        make_professional(id="p3", organisation="Jeugdzorg Heerlen", municipality="Heerlen"),
    ]
    subject = make_subject(bsn="111222333", birth_date=date(2010, 1, 1))
    for p in pros:
        index.add_organisation(p.organisation)
        index.register(subject, p)
    request = file_request(RequestKind.ACCESS, subject, {YOUTH}, received_on=date(2026, 11, 23))
    routes = route(index, request, by=RightsOfficer("0917"))
    assert [(r.organisation, r.municipality, r.region) for r in routes] == [
        ("GGD Zuid-Limburg", "Maastricht", "Maastricht-Heuvelland"),
        ("MEE Zuid-Limburg", "Sittard-Geleen", "Westelijke Mijnstreek"),
        ("Jeugdzorg Heerlen", "Heerlen", "Parkstad Limburg"),
    ]
    assert routes[2].contact == "vip@heerlen.nl"
    with pytest.raises(AccessDeniedError):
        route(index, request, by=pros[0])
    nobody = make_subject(bsn="123456782", birth_date=date(2010, 1, 1))
    other = file_request(RequestKind.ACCESS, nobody, {YOUTH}, received_on=date(2026, 11, 23))
    assert route(index, other, by=RightsOfficer("0935")) == ()


def test_roles_are_values() -> None:
    assert FollowUpChecker(935) == FollowUpChecker("GM0935")
    assert actor_name(OrganisationCoordinator("ggd")) == "coordinator:ggd"
    assert actor_name(RightsOfficer("1883")) == "officer:1883"
    assert actor_name(object()) == "unknown"
    with pytest.raises(InvalidRecordError):
        RightsOfficer("nowhere")
    with pytest.raises(InvalidRecordError):
        OrganisationCoordinator("")
