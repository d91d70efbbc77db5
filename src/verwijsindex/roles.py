"""Actors and roles (rollen): who may do what in the verwijsindex.

Every read and change through :class:`~verwijsindex.index.VerwijsIndex` names its actor:

- a :class:`~verwijsindex.model.Professional` registers and withdraws their own links,
  sees their own links and the matches they are part of, records lead and coordination,
  and looks up a youth's history only while holding an active link on that youth;
- an :class:`OrganisationCoordinator` sees the contact details and signals of their own
  organisation's professionals, nothing about youths;
- a :class:`FollowUpChecker` of a municipality sees, for matches on youths living there,
  only whether the professionals made contact (JW 7.1.3.2);
- a :class:`RightsOfficer` of a municipality handles data-subject requests for youths
  linked by organisations under that municipality's agreement (JW 7.1.2.2(3)).

Nobody can list or search youths. Anything outside a role raises
:class:`~verwijsindex.errors.AccessDeniedError`, changes nothing, and is logged.

>>> actor_name(FollowUpChecker("935"))
'follow-up:0935'
>>> RightsOfficer("GM1883").municipality_code
'1883'
>>> RightsOfficer("Sittard")
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidRecordError: a municipality is named by its four-digit CBS code
"""

from __future__ import annotations

import attrs

from verwijsindex import _validators as v
from verwijsindex import cbs_code
from verwijsindex.errors import InvalidRecordError
from verwijsindex.model import Professional

__all__ = [
    "Actor",
    "FollowUpChecker",
    "OrganisationCoordinator",
    "RegionCoordinator",
    "RightsOfficer",
    "actor_name",
    "checked_actor",
]


def _code(value: object) -> str:
    code = cbs_code.compact(value)
    if code is None:
        raise InvalidRecordError("a municipality is named by its four-digit CBS code")
    return code


@attrs.frozen
class OrganisationCoordinator:
    """The verwijsindex coordinator (aandachtsfunctionaris) of one organisation."""

    organisation_id: str = attrs.field(validator=v.identifier)


@attrs.frozen
class RegionCoordinator:
    """The coordinator (regievoerder) of a region: reads the region's statistics, nothing
    about a youth."""

    region: str = attrs.field(validator=v.text(200))


@attrs.frozen
class FollowUpChecker:
    """The municipality's follow-up checker (JW 7.1.3.2): sees only whether contact was made."""

    municipality_code: str = attrs.field(converter=_code)


@attrs.frozen
class RightsOfficer:
    """The municipality's officer for data-subject requests (the college is controller)."""

    municipality_code: str = attrs.field(converter=_code)


Actor = Professional | OrganisationCoordinator | RegionCoordinator | FollowUpChecker | RightsOfficer
"""Anyone who reads or changes something through the index."""


def checked_actor(value: object, name: str = "by") -> Actor | str:
    """*value* if it can be an actor: a professional's id, a :class:`Professional` or one
    of the roles, each with fields that pass their validators; otherwise an
    :class:`InvalidRecordError` naming *name*. Checked before anything is looked up, so
    that a malformed actor is never logged as one refused."""
    if isinstance(value, str):
        return v.id_argument(value, name)
    if isinstance(value, Professional | OrganisationCoordinator | RegionCoordinator):
        return v.model_argument(value, type(value), name)
    if isinstance(value, FollowUpChecker | RightsOfficer):
        return v.model_argument(value, type(value), name)
    raise InvalidRecordError(f"{name} must be a Professional, a role or a professional's id")


def actor_name(actor: object) -> str:
    """How *actor* appears in the logbook: a role and an id, never a youth. A plain string
    is a professional's id."""
    if isinstance(actor, Professional):
        return f"professional:{actor.id}"
    if isinstance(actor, str):
        return f"professional:{actor}"
    if isinstance(actor, OrganisationCoordinator):
        return f"coordinator:{actor.organisation_id}"
    if isinstance(actor, RegionCoordinator):
        return f"region-coordinator:{actor.region}"
    if isinstance(actor, FollowUpChecker):
        return f"follow-up:{actor.municipality_code}"
    if isinstance(actor, RightsOfficer):
        return f"officer:{actor.municipality_code}"
    return "unknown"
