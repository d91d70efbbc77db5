"""A small web service in front of the verwijsindex: FastAPI, one ``VerwijsIndex`` per process.

Run it from the repository root (``pip install "fastapi[standard]"`` brings uvicorn)::

    export VERWIJSINDEX_KEY_ID=2026-1
    export VERWIJSINDEX_KEY=...          # 64 hex digits from your secret manager, never in code
    export VERWIJSINDEX_STORE_URL=sqlite:///verwijsindex.db   # the default; or postgresql://...
    export VERWIJSINDEX_DIRECTORY=directory.json              # optional, see load_directory
    uvicorn examples.fastapi_app.app:app

What it shows: configuration from the environment, the index opened at startup and closed
at shutdown, the youth built from population-register (BRP) data, library errors as HTTP
errors, and responses in the library's public representation, which never holds a BSN or
a pseudonym. What it does not do, on purpose: authenticate. The headers ``X-Professional-Id``
and ``X-Rights-Officer`` stand in for it (see ``calling_professional``).
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Header, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from verwijsindex import (
    AccessDeniedError,
    Address,
    ConfigurationError,
    ForbiddenFieldError,
    Gender,
    InvalidRecordError,
    NotFoundError,
    Organisation,
    Professional,
    PseudonymKey,
    Recipient,
    StorageError,
    Subject,
    ValidationError,
    VerwijsIndex,
    VerwijsindexError,
    open_store,
    parse_bsn,
)
from verwijsindex.clock import Clock, local_date, system_clock
from verwijsindex.privacy import RequestKind, access_report, file_request
from verwijsindex.roles import RightsOfficer
from verwijsindex.serialization import is_forbidden_key, public

__all__ = ["Settings", "app", "create_app", "load_directory", "open_index"]

log = logging.getLogger(__name__)

STORE_URL = "VERWIJSINDEX_STORE_URL"
KEY = "VERWIJSINDEX_KEY"
KEY_ID = "VERWIJSINDEX_KEY_ID"
DIRECTORY = "VERWIJSINDEX_DIRECTORY"
DEFAULT_STORE_URL = "sqlite:///verwijsindex.db"


# --- configuration ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """What the service needs from its environment. The library itself never reads it."""

    store_url: str
    key: PseudonymKey  # its repr hides the secret
    directory: Path | None = None

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> Settings:
        """Read the settings; a missing or malformed key stops the service from starting.
        Messages name the variable, never its value."""
        key_id = environ.get(KEY_ID, "").strip()
        secret_hex = environ.get(KEY, "").strip()
        if not key_id or not secret_hex:
            raise ConfigurationError(f"set {KEY_ID} and {KEY} (the secret in hexadecimal)")
        try:
            secret = bytes.fromhex(secret_hex)
        except ValueError:
            raise ConfigurationError(f"{KEY} must be hexadecimal") from None
        directory = environ.get(DIRECTORY, "").strip()
        return cls(
            store_url=environ.get(STORE_URL, "").strip() or DEFAULT_STORE_URL,
            key=PseudonymKey(key_id, secret),  # ConfigurationError under 32 bytes
            directory=Path(directory) if directory else None,
        )


def open_index(settings: Settings, clock: Clock = system_clock) -> VerwijsIndex:
    """The one index of this process. Stores are thread-safe: FastAPI's worker threads
    share it. Each worker process (``uvicorn --workers N``) opens its own at startup."""
    store = open_store(settings.store_url)
    try:
        return VerwijsIndex(store, key=settings.key, clock=clock)
    except BaseException:
        store.close()  # e.g. KeyMismatchError: this key did not write this store
        raise


def load_directory(index: VerwijsIndex, data: Mapping[str, Any]) -> None:
    """Load organisations and professionals from the region's directory, as exported to
    JSON: ``{"organisations": [{"id", "name", "municipality_code", "email", "phone"?}],
    "professionals": [{"id", "name", "organisation", "email", "phone"?}]}``, where a
    professional's ``organisation`` is the organisation's id and an organisation's
    ``municipality_code`` is the municipality whose agreement it signed. Loading again
    replaces what is there; the library validates every field."""
    organisations: dict[str, Organisation] = {}
    for row in data.get("organisations", []):
        organisation = Organisation(
            id=row["id"],
            name=row["name"],
            municipality_code=row["municipality_code"],
            email=row["email"],
            phone=row.get("phone"),
        )
        index.add_organisation(organisation)
        organisations[organisation.id] = organisation
    for row in data.get("professionals", []):
        organisation = organisations.get(row["organisation"]) or index.organisation(
            row["organisation"]
        )
        index.add_professional(
            Professional(
                id=row["id"],
                name=row["name"],
                organisation=organisation,
                email=row["email"],
                phone=row.get("phone"),
            )
        )


# --- request bodies: the youth as the BRP gives them --------------------------------------------


class Brp(BaseModel):
    """A part of a BRP person (Haal Centraal BRP Personen). Fields the index does not use
    are ignored: they are neither read nor stored."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class Datum(Brp):
    type: str = "Datum"  # "JaarDatum", "JaarMaandDatum", "DatumOnbekend": incomplete
    datum: date | None = None

    def full(self, what: str) -> date:
        if self.type != "Datum" or self.datum is None:
            raise InvalidRecordError(f"{what} is not a complete date in the BRP")
        return self.datum


class Geboorte(Brp):
    datum: Datum


class Overlijden(Brp):
    datum: Datum | None = None


class Geslacht(Brp):
    code: Literal["M", "V", "O"]  # BRP 04.10 geslachtsaanduiding: man, vrouw, onbekend


class Naam(Brp):
    voornamen: str | None = None
    voorvoegsel: str | None = None
    geslachtsnaam: str

    def surname(self) -> str:
        return " ".join(p for p in (self.voorvoegsel, self.geslachtsnaam) if p)

    def full(self) -> str:
        return " ".join(p for p in (self.voornamen, self.surname()) if p)


class Verblijfadres(Brp):
    officieleStraatnaam: str
    huisnummer: int
    huisletter: str | None = None
    huisnummertoevoeging: str | None = None
    postcode: str
    woonplaats: str

    def house_number(self) -> str:
        """``12``, ``12a``, ``12a-bis``: the number with letter and addition."""
        number = f"{self.huisnummer}{self.huisletter or ''}"
        return f"{number}-{self.huisnummertoevoeging}" if self.huisnummertoevoeging else number


class Verblijfplaats(Brp):
    type: str = "Adres"  # "Locatie", "VerblijfplaatsBuitenland", "VerblijfplaatsOnbekend"
    verblijfadres: Verblijfadres | None = None


class Gemeente(Brp):
    code: str  # the BRP's gemeentecode: the CBS code, "0935"


class Ouder(Brp):
    burgerservicenummer: str | None = None


class Persoon(Brp):
    """The youth: ``burgerservicenummer`` left out for a youth without one, who is then
    known by surname, birth date and gender (the library derives a service number)."""

    burgerservicenummer: str | None = None
    naam: Naam
    geslacht: Geslacht
    geboorte: Geboorte
    verblijfplaats: Verblijfplaats
    gemeenteVanInschrijving: Gemeente
    ouders: list[Ouder] = Field(default_factory=list, max_length=4)
    overlijden: Overlijden | None = None

    def to_subject(self) -> Subject:
        """The library's ``Subject``; bad data raises a library ``ValidationError`` whose
        message names the field, never the value."""
        bsn = None if self.burgerservicenummer is None else parse_bsn(self.burgerservicenummer)
        where = self.verblijfplaats.verblijfadres
        if self.verblijfplaats.type != "Adres" or where is None:
            raise InvalidRecordError("the BRP gives no Dutch address for this youth")
        died = self.overlijden.datum if self.overlijden is not None else None
        return Subject(
            bsn=bsn,
            name=self.naam.full(),
            gender=Gender(self.geslacht.code),
            birth_date=self.geboorte.datum.full("geboorte.datum"),
            address=Address(
                street=where.officieleStraatnaam,
                house_number=where.house_number(),
                postcode=where.postcode,
                city=where.woonplaats,
                municipality_code=self.gemeenteVanInschrijving.code,
            ),
            parents=tuple(
                parse_bsn(o.burgerservicenummer) for o in self.ouders if o.burgerservicenummer
            ),
            died_on=died.full("overlijden.datum") if died is not None else None,
            surname=self.naam.surname() if bsn is None else None,
        )


class Body(BaseModel):
    """A request body of this service: an unknown field is refused, and one that would
    record *why* (``reden``, ``toelichting``, …) with the library's own message."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class RegistrationIn(Body):
    youth: Persoon
    ends_on: date | None = None  # at most two years; the default is the statutory two


class AcknowledgeIn(Body):
    ids: list[str] = Field(max_length=1000)


class AccessRequestIn(Body):
    youth: Persoon
    requesters: list[Recipient] = Field(min_length=1, max_length=2)
    received_on: date | None = None  # the default is today (Europe/Amsterdam)


# --- who is calling ----------------------------------------------------------------------------


def get_index(request: Request) -> VerwijsIndex:
    index = getattr(request.app.state, "index", None)
    if not isinstance(index, VerwijsIndex):
        raise HTTPException(503, "the index is not open")
    return index


IndexDep = Annotated[VerwijsIndex, Depends(get_index)]


def calling_professional(
    index: IndexDep, x_professional_id: Annotated[str | None, Header()] = None
) -> Professional:
    """The professional who calls.

    EXAMPLE ONLY. A header anyone can set is no authentication: a real service takes the
    professional from an authenticated session (the organisation's identity provider via
    OpenID Connect or SAML, eHerkenning, a client certificate) and only then looks them up
    with ``index.professional``. The library trusts the ``Professional`` it is given.
    """
    if x_professional_id is None:
        raise HTTPException(401, "no professional: authenticate first")
    try:
        return index.professional(x_professional_id)
    except (NotFoundError, ValidationError):
        raise HTTPException(401, "unknown professional") from None


def calling_officer(x_rights_officer: Annotated[str | None, Header()] = None) -> RightsOfficer:
    """The municipality's rights officer who calls, by the municipality's CBS code.

    EXAMPLE ONLY, as above: a real service authenticates the officer and takes their
    municipality from the session. Whether that municipality is the controller for the
    youth the library decides (403 otherwise).
    """
    if x_rights_officer is None:
        raise HTTPException(401, "no rights officer: authenticate first")
    try:
        return RightsOfficer(x_rights_officer)
    except ValidationError:
        raise HTTPException(401, "unknown rights officer") from None


ProfessionalDep = Annotated[Professional, Depends(calling_professional)]
OfficerDep = Annotated[RightsOfficer, Depends(calling_officer)]


# --- the endpoints -------------------------------------------------------------------------------
# Plain ``def``: the library is synchronous, so FastAPI runs each call in its worker threads,
# which share the process's one index.

router = APIRouter()


def shown(value: Any) -> Any:
    """The library's public form of *value*: no pseudonym, no BSN. When ``public`` refuses
    (it would have to leak), that is the service's fault, not the caller's: a 500."""
    try:
        return public(value)
    except ValidationError:
        log.error("the public form refused a %s", type(value).__name__)
        raise HTTPException(500, "the answer could not be made safe to send") from None


def as_json(data: Any, status_code: int = 200) -> Response:
    return Response(json.dumps(data), status_code=status_code, media_type="application/json")


@router.post("/registrations", status_code=201)
def register(body: RegistrationIn, index: IndexDep, professional: ProfessionalDep) -> Response:
    """Register that the calling professional is involved with the youth; never why."""
    registration = index.register(body.youth.to_subject(), professional, ends_on=body.ends_on)
    return as_json(shown(registration), 201 if registration.created else 200)


@router.get("/me/matches")
def my_matches(index: IndexDep, professional: ProfessionalDep) -> Response:
    """The matches the calling professional is part of."""
    return as_json(shown(index.matches_for(professional)))


@router.get("/me/notifications")
def my_notifications(index: IndexDep, professional: ProfessionalDep) -> Response:
    """The calling professional's own pending notifications."""
    return as_json(shown(index.notifications_for(professional)))


@router.post("/me/notifications/acknowledge")
def acknowledge(body: AcknowledgeIn, index: IndexDep, professional: ProfessionalDep) -> Response:
    """Acknowledge notifications; only the caller's own count, anyone else's stay pending."""
    return as_json({"acknowledged": index.acknowledge(body.ids, by=professional)})


@router.post("/access-requests")
def access_request(body: AccessRequestIn, index: IndexDep, officer: OfficerDep) -> Response:
    """File an access request (AVG 15) and answer it: the request (the youth's number
    masked) and everything stored about the youth, without BSN or pseudonym."""
    received_on = body.received_on or local_date(index.clock())
    request = file_request(
        RequestKind.ACCESS, body.youth.to_subject(), body.requesters, received_on=received_on
    )
    report = access_report(index, request, by=officer)
    return as_json({"request": shown(request), "report": shown(report)})


# --- errors: the library's message, which never holds a value -----------------------------------


def status_of(error: VerwijsindexError) -> int:
    if isinstance(error, ValidationError):
        return 422
    if isinstance(error, NotFoundError):
        return 404
    if isinstance(error, AccessDeniedError):
        return 403
    if isinstance(error, StorageError):
        return 503
    return 500


async def library_error(request: Request, error: Exception) -> Response:
    if not isinstance(error, VerwijsindexError):  # registered for these only
        raise error
    status = status_of(error)
    if status >= 500:
        # The class name only: a driver error (the cause) may quote a stored value.
        log.error("%s on %s %s", type(error).__name__, request.method, request.url.path)
        return JSONResponse({"detail": "the index could not answer; try again"}, status)
    return JSONResponse({"detail": str(error)}, status)


def _mask(part: object) -> str:
    # A key the client sent may be anything, a BSN too: digits masked, as the library does.
    if isinstance(part, str):
        return re.sub(r"\d", "*", part)
    return str(part) if isinstance(part, int) else "?"


def _field(location: Sequence[object]) -> str:
    """``youth.naam.geslachtsnaam`` for ``("body", "youth", "naam", "geslachtsnaam")``."""
    return ".".join(_mask(part) for part in location[1:]) or _mask(location[0] if location else "")


async def body_error(request: Request, error: Exception) -> Response:
    """FastAPI's 422 without the ``input`` it would echo: only where, and what is wrong."""
    if not isinstance(error, RequestValidationError):  # registered for these only
        raise error
    problems = []
    for problem in error.errors():
        location = problem.get("loc", ())
        message = str(problem.get("msg", "invalid"))
        name = location[-1] if location else ""
        if problem.get("type") == "extra_forbidden" and is_forbidden_key(name):
            message = str(ForbiddenFieldError(field=_mask(name)))
        problems.append({"field": _field(location), "message": message})
    return JSONResponse({"detail": problems}, 422)


# --- the application -----------------------------------------------------------------------------


def create_app(environ: Mapping[str, str] | None = None, *, clock: Clock = system_clock) -> FastAPI:
    """The service; *environ* defaults to ``os.environ``, read at startup."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        settings = Settings.from_environ(os.environ if environ is None else environ)
        with open_index(settings, clock) as index:
            if settings.directory is not None:
                load_directory(index, json.loads(settings.directory.read_text("utf-8")))
            app.state.index = index
            try:
                yield
            finally:
                del app.state.index  # closed by the with-block: no call may use it after

    service = FastAPI(title="verwijsindex example", lifespan=lifespan)
    service.include_router(router)
    service.add_exception_handler(VerwijsindexError, library_error)
    service.add_exception_handler(RequestValidationError, body_error)
    return service


app = create_app()
