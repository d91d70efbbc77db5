"""The FastAPI example (``examples/fastapi_app/app.py``) runs, on SQLite and PostgreSQL.

The app is driven through httpx's ``ASGITransport`` with its lifespan run by hand (the
startup opens the index, the shutdown closes it): two professionals register one youth
and match, each sees the match and their own notification, nobody acknowledges someone
else's, a rights officer gets the access report, and no response body holds the youth's
BSN, a parent's BSN or the storage pseudonym. Bad input is a 422 that does not repeat it.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest
from examples.fastapi_app.app import create_app

from tests.storage.conftest import postgres_schema, postgres_url  # noqa: F401 - fixtures
from verwijsindex import ConfigurationError, VerwijsIndex, parse_bsn
from verwijsindex.clock import FixedClock

BSN = "111222333"
PARENT_BSN = "100000009"
STREET = "Brusselsestraat"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc)

KEY_HEX = "00112233445566778899aabbccddeeff" * 2  # a test key; a real one comes from a vault


def persoon(**changes: Any) -> dict[str, Any]:
    """A youth of 14 as the BRP gives them (Haal Centraal BRP Personen), with *changes*."""
    data: dict[str, Any] = {
        "burgerservicenummer": BSN,
        "naam": {"voornamen": "Sanne", "voorvoegsel": "van der", "geslachtsnaam": "Berg"},
        "geslacht": {"code": "V", "omschrijving": "vrouw"},
        "geboorte": {"datum": {"type": "Datum", "datum": "2012-05-01", "langFormaat": "1 mei"}},
        "verblijfplaats": {
            "type": "Adres",
            "verblijfadres": {
                "officieleStraatnaam": STREET,
                "korteStraatnaam": "Brusselsestr",
                "huisnummer": 12,
                "huisletter": "a",
                "postcode": "6211PE",
                "woonplaats": "Maastricht",
            },
        },
        "gemeenteVanInschrijving": {"code": "0935", "omschrijving": "Maastricht"},
        "ouders": [{"burgerservicenummer": PARENT_BSN, "ouderAanduiding": "1"}],
        "leeftijd": 14,
    }
    data.update(changes)
    return data


DIRECTORY = {
    "organisations": [
        {
            "id": "sint-jozefschool",
            "name": "Sint Jozefschool",
            "municipality_code": "0935",
            "email": "verwijsindex@sintjozef.example",
        },
        {
            "id": "ggd-zl",
            "name": "GGD Zuid-Limburg",
            "municipality_code": "0935",
            "email": "verwijsindex@ggdzl.example",
            "phone": "+31 43 850 5500",
        },
        {
            "id": "jeugdzorg-heerlen",
            "name": "Jeugdzorg Heerlen",
            "municipality_code": "0917",
            "email": "verwijsindex@jeugdzorg-heerlen.example",
        },
    ],
    "professionals": [
        {
            "id": "t1",
            "name": "Tom Teacher",
            "organisation": "sint-jozefschool",
            "email": "t1@sintjozef.example",
        },
        {"id": "n1", "name": "Nina Nurse", "organisation": "ggd-zl", "email": "n1@ggdzl.example"},
        {
            "id": "w1",
            "name": "Wim Worker",
            "organisation": "jeugdzorg-heerlen",
            "email": "w1@jeugdzorg-heerlen.example",
        },
    ],
}


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh store: an SQLite file, or a schema of its own on the test PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'index.db'}"
    url: str = request.getfixturevalue("postgres_url")
    schema: str = request.getfixturevalue("postgres_schema")
    return f"{url}{'&' if '?' in url else '?'}schema={schema}"


@pytest.fixture
def environ(store_url: str, tmp_path: Path) -> dict[str, str]:
    directory = tmp_path / "directory.json"
    directory.write_text(json.dumps(DIRECTORY), encoding="utf-8")
    return {
        "VERWIJSINDEX_STORE_URL": store_url,
        "VERWIJSINDEX_KEY_ID": "test-2026",
        "VERWIJSINDEX_KEY": KEY_HEX,
        "VERWIJSINDEX_DIRECTORY": str(directory),
    }


class Service:
    """The app behind an httpx client; every response body is kept, to look for leaks."""

    def __init__(self, client: httpx.AsyncClient, index: VerwijsIndex) -> None:
        self.client = client
        self.index = index
        self.bodies: list[str] = []

    async def call(
        self, method: str, path: str, *, who: Mapping[str, str] | None = None, body: Any = None
    ) -> httpx.Response:
        response = await self.client.request(method, path, headers=who, json=body)
        self.bodies.append(response.text)
        return response

    async def get(self, path: str, *, by: str) -> Any:
        response = await self.call("GET", path, who=professional(by))
        assert response.status_code == 200, response.text
        return response.json()


def professional(pid: str) -> dict[str, str]:
    return {"X-Professional-Id": pid}


@asynccontextmanager
async def running(environ: Mapping[str, str]) -> AsyncIterator[Service]:
    app = create_app(environ, clock=FixedClock(NOW))
    async with app.router.lifespan_context(app):
        index = app.state.index
        assert isinstance(index, VerwijsIndex)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://example") as client:
            yield Service(client, index)
    assert not hasattr(app.state, "index")  # closed at shutdown


def run(environ: Mapping[str, str], scenario: Callable[[Service], Awaitable[None]]) -> Service:
    async def main() -> Service:
        async with running(environ) as service:
            await scenario(service)
        return service

    return asyncio.run(main())


def test_two_professionals_match_and_no_response_holds_a_bsn_or_pseudonym(
    environ: dict[str, str],
) -> None:
    async def scenario(service: Service) -> None:
        first = await service.call(
            "POST", "/registrations", who=professional("t1"), body={"youth": persoon()}
        )
        assert first.status_code == 201, first.text
        assert first.json()["match"] is None
        assert first.json()["information_duty"] == ["legal-representative", "youth"]

        second = await service.call(
            "POST", "/registrations", who=professional("n1"), body={"youth": persoon()}
        )
        assert second.status_code == 201, second.text
        match = second.json()["match"]
        assert match["professionals"] == ["t1", "n1"]

        again = await service.call(
            "POST", "/registrations", who=professional("n1"), body={"youth": persoon()}
        )
        assert (again.status_code, again.json()["created"]) == (200, False)

        for pid in ("t1", "n1"):
            assert [m["id"] for m in await service.get("/me/matches", by=pid)] == [match["id"]]
        assert await service.get("/me/matches", by="w1") == []

        told = {pid: await service.get("/me/notifications", by=pid) for pid in ("t1", "n1", "w1")}
        assert [(n["kind"], n["match_id"]) for n in told["t1"]] == [("match", match["id"])]
        assert [c["professional_id"] for c in told["t1"][0]["contacts"]] == ["n1"]
        assert [c["professional_id"] for c in told["n1"][0]["contacts"]] == ["t1"]
        assert told["w1"] == []

        teachers = [n["id"] for n in told["t1"]]
        for other in ("w1", "n1"):  # someone else's notification is not theirs to acknowledge
            response = await service.call(
                "POST",
                "/me/notifications/acknowledge",
                who=professional(other),
                body={"ids": teachers},
            )
            assert response.json() == {"acknowledged": 0}, response.text
        assert await service.get("/me/notifications", by="t1") == told["t1"]

        for pid in ("t1", "n1"):
            response = await service.call(
                "POST",
                "/me/notifications/acknowledge",
                who=professional(pid),
                body={"ids": [n["id"] for n in told[pid]]},
            )
            assert response.json() == {"acknowledged": 1}, response.text
            assert await service.get("/me/notifications", by=pid) == []

        access = await service.call(
            "POST",
            "/access-requests",
            who={"X-Rights-Officer": "0935"},
            body={"youth": persoon(), "requesters": ["youth", "legal-representative"]},
        )
        assert access.status_code == 200, access.text
        request, report = access.json()["request"], access.json()["report"]
        assert request["subject"] == "******333"
        assert report["subject"]["name"] == "Sanne van der Berg"
        assert sorted(r["organisation"]["name"] for r in report["links"]) == [
            "GGD Zuid-Limburg",
            "Sint Jozefschool",
        ]
        assert {e["action"] for e in report["log"]} >= {"registered", "signalled"}

    service = run(environ, scenario)
    pseudonym = service.index.keyring.pseudonym(parse_bsn(BSN))
    secrets = (BSN, "1112.22.333", PARENT_BSN, pseudonym)
    assert len(service.bodies) > 10
    for body in service.bodies:
        assert not [s for s in secrets if s in body], body

    # The youth's address is general data: it is in the access report, where AVG 15 wants
    # it (report.subject.address), and in no other response.
    *others, access_body = service.bodies
    assert not [body for body in others if STREET in body]
    answer = json.loads(access_body)
    assert answer["report"]["subject"]["address"]["street"] == STREET
    del answer["report"]["subject"]["address"]
    assert STREET not in json.dumps(answer)


def test_a_youth_without_a_bsn_matches_by_surname_birth_date_and_gender(
    environ: dict[str, str],
) -> None:
    async def scenario(service: Service) -> None:
        without = persoon(ouders=[])
        del without["burgerservicenummer"]
        for pid, voorvoegsel in (("t1", "van der"), ("n1", "Van Der")):
            without["naam"] = {**without["naam"], "voorvoegsel": voorvoegsel}
            response = await service.call(
                "POST", "/registrations", who=professional(pid), body={"youth": without}
            )
            assert response.status_code == 201, response.text
        assert response.json()["match"]["professionals"] == ["t1", "n1"]

    run(environ, scenario)


def test_bad_input_is_refused_without_repeating_it(environ: dict[str, str]) -> None:
    async def expect(
        service: Service,
        status: int,
        path: str,
        body: Any,
        says: str,
        *,
        who: Mapping[str, str] | None = None,
        secret: str = "",
    ) -> None:
        response = await service.call(
            "POST", path, who=professional("t1") if who is None else who, body=body
        )
        assert response.status_code == status, response.text
        assert says in response.text, response.text
        if secret:
            assert secret not in response.text, response.text

    async def scenario(service: Service) -> None:
        reg = "/registrations"
        youth = {"youth": persoon()}
        wrong_bsn = "111222334"
        await expect(
            service,
            422,
            reg,
            {"youth": persoon(burgerservicenummer=wrong_bsn)},
            "not a valid BSN",
            secret=wrong_bsn,
        )
        await expect(
            service,
            422,
            reg,
            {"youth": persoon(burgerservicenummer=int(wrong_bsn))},
            "youth.burgerservicenummer",
            secret=wrong_bsn,
        )
        await expect(
            service,
            422,
            reg,
            {**youth, "reden": "zorgen over de thuissituatie"},
            "may not be stored",
            secret="thuissituatie",
        )
        await expect(service, 422, reg, {**youth, wrong_bsn: "x"}, "*********", secret=wrong_bsn)
        await expect(
            service,
            422,
            reg,
            {"youth": persoon(geboorte={"datum": {"type": "Datum", "datum": "2001-05-01"}})},
            "only registers youths under 23",
        )
        await expect(
            service,
            422,
            reg,
            {"youth": persoon(geboorte={"datum": {"type": "JaarDatum", "jaar": 2012}})},
            "not a complete date",
        )
        address = persoon()["verblijfplaats"]
        address["verblijfadres"]["postcode"] = "62111PE"
        await expect(
            service,
            422,
            reg,
            {"youth": persoon(verblijfplaats=address)},
            "postcode",
            secret="62111PE",
        )
        await expect(service, 422, reg, {"youth": persoon(geslacht={"code": "X"})}, "geslacht")
        await expect(
            service, 422, reg, {**youth, "ends_on": "2030-01-01"}, "ends_on", secret="2030-01-01"
        )
        await expect(
            service,
            422,
            "/me/notifications/acknowledge",
            {"ids": [f"{wrong_bsn}!"]},
            "identifier",
            secret=wrong_bsn,
        )
        bad_json = await service.client.post(
            reg,
            headers={**professional("t1"), "Content-Type": "application/json"},
            content=f'{{"youth": {{"burgerservicenummer": "{wrong_bsn}"',
        )
        assert bad_json.status_code == 422 and wrong_bsn not in bad_json.text, bad_json.text

        await expect(service, 401, reg, youth, "authenticate", who={})
        await expect(service, 401, reg, youth, "unknown professional", who=professional("x9"))
        await expect(
            service,
            401,
            reg,
            youth,
            "unknown professional",
            who=professional(wrong_bsn + "@"),
            secret=wrong_bsn,
        )

        assert (await service.call("POST", reg, who=professional("t1"), body=youth)).is_success
        officer = {"X-Rights-Officer": "0935"}
        both = ["youth", "legal-representative"]
        await expect(
            service,
            422,
            "/access-requests",
            {"youth": persoon(), "requesters": ["youth"]},
            "file together",
            who=officer,
        )
        await expect(
            service,
            403,
            "/access-requests",
            {"youth": persoon(), "requesters": both},
            "not the controller",
            who={"X-Rights-Officer": "0917"},
        )
        await expect(
            service,
            401,
            "/access-requests",
            {"youth": persoon(), "requesters": both},
            "unknown rights officer",
            who={"X-Rights-Officer": "Maastricht"},
        )

    service = run(environ, scenario)
    for body in service.bodies:
        assert BSN not in body and PARENT_BSN not in body, body


@pytest.mark.parametrize(
    ("changes", "says"),
    [
        ({"VERWIJSINDEX_KEY": ""}, "set VERWIJSINDEX_KEY_ID and VERWIJSINDEX_KEY"),
        ({"VERWIJSINDEX_KEY": "not hex at all"}, "must be hexadecimal"),
        ({"VERWIJSINDEX_KEY": "abcd"}, "at least 32 bytes"),
    ],
)
def test_the_service_does_not_start_without_a_good_key(
    environ: dict[str, str], changes: dict[str, str], says: str
) -> None:
    async def scenario(service: Service) -> None:
        raise AssertionError("the service started")

    with pytest.raises(ConfigurationError, match=says) as caught:
        run({**environ, **changes}, scenario)
    assert KEY_HEX not in str(caught.value)


def test_another_key_cannot_open_the_store(environ: dict[str, str]) -> None:
    async def nothing(service: Service) -> None:
        pass

    run(environ, nothing)
    with pytest.raises(ConfigurationError, match="another secret"):
        run({**environ, "VERWIJSINDEX_KEY": "ff" * 32}, nothing)
