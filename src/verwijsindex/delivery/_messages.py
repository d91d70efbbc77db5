"""The messages of :mod:`verwijsindex.delivery`: the Dutch texts, one per kind of
notification, and :func:`compose`, which fills one in and addresses it as a
:class:`Message`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from verwijsindex import _validators as v
from verwijsindex.errors import InvalidRecordError
from verwijsindex.index import VerwijsIndex
from verwijsindex.model import Contact, Notification, NotificationKind

_EMAIL = v.EMAIL

# --- the texts -----------------------------------------------------------------------------------


@attrs.frozen
class Text:
    """The subject and body of one kind of message, as :meth:`str.format` templates.

    The placeholders: ``{name}`` (the receiving professional's own name), ``{match_id}``,
    ``{link_id}`` (the receiver's own link, on a move notice), ``{contacts}`` (the other
    professionals, one block each), ``{municipality}`` and ``{region}`` (the receiving
    municipality or region). There is no placeholder for anything about the youth.
    """

    subject: str
    body: str


MATCH_TEXT: Final = Text(
    subject="Match in de verwijsindex ({match_id})",
    body=(
        "Beste {name},\n"
        "\n"
        "U bent in de verwijsindex gematcht met een of meer andere professionals die bij\n"
        "dezelfde jongere betrokken zijn als u. Neem contact met hen op om de hulp af te\n"
        "stemmen en spreek samen af wie de regie neemt.\n"
        "\n"
        "Matchnummer: {match_id}\n"
        "\n"
        "De andere betrokken professionals:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To each professional in a match (JW 7.1.2.3(1)(c))."""

FAMILY_MATCH_TEXT: Final = Text(
    subject="Gezinsmatch in de verwijsindex ({match_id})",
    body=(
        "Beste {name},\n"
        "\n"
        "U bent in de verwijsindex gematcht met professionals die betrokken zijn bij de\n"
        "jongere over wie u een melding deed of bij een andere jongere uit hetzelfde gezin\n"
        "(gezinsmatch). Neem contact met hen op om de hulp aan het gezin af te stemmen en\n"
        "spreek samen af wie de regie neemt.\n"
        "\n"
        "Matchnummer: {match_id}\n"
        "\n"
        "De andere betrokken professionals:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To each professional in a family match (JW 7.1.2.3(1)(e))."""

ADDRESS_MATCH_TEXT: Final = Text(
    subject="Adresmatch in de verwijsindex ({match_id})",
    body=(
        "Beste {name},\n"
        "\n"
        "U bent in de verwijsindex gematcht met professionals die betrokken zijn bij de\n"
        "jongere over wie u een melding deed of bij een andere jongere die op hetzelfde\n"
        "adres woont (adresmatch). Neem contact met hen op om de hulp af te stemmen en\n"
        "spreek samen af wie de regie neemt.\n"
        "\n"
        "Matchnummer: {match_id}\n"
        "\n"
        "De andere betrokken professionals:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To each professional in an address match (JW 7.1.2.3(1)(e); off by default)."""

FOLLOW_UP_TEXT: Final = Text(
    subject="Match om op te volgen ({match_id})",
    body=(
        "Beste collega,\n"
        "\n"
        "In de verwijsindex is voor de gemeente {municipality} een match ontstaan of\n"
        "uitgebreid. U volgt op of de betrokken professionals contact met elkaar hebben\n"
        "opgenomen (Jeugdwet, artikel 7.1.3.2). In de verwijsindex ziet u alleen of dat\n"
        "contact er is geweest.\n"
        "\n"
        "Matchnummer: {match_id}\n"
    ),
)
"""To the follow-up checker of the youth's municipality, when a match forms or grows."""

FOLLOW_UP_REMINDER_TEXT: Final = Text(
    subject="Herinnering: match nog niet afgestemd ({match_id})",
    body=(
        "Beste collega,\n"
        "\n"
        "Voor deze match in de gemeente {municipality} is de termijn voor opvolging\n"
        "verstreken. De betrokken professionals hebben nog niet vastgelegd dat zij de hulp\n"
        "hebben afgestemd. Wilt u nagaan of zij contact met elkaar hebben gehad?\n"
        "\n"
        "Matchnummer: {match_id}\n"
    ),
)
"""To the follow-up checker, once, when a match waits past the follow-up period."""

FOLLOW_UP_ELSEWHERE_TEXT: Final = Text(
    subject="Match om op te volgen, jongere buiten de regio ({match_id})",
    body=(
        "Beste regievoerder,\n"
        "\n"
        "In de verwijsindex is een match ontstaan of uitgebreid waarin professionals uit uw\n"
        "regio {region} zitten. De jongere woont in een gemeente buiten de regio's van deze\n"
        "verwijsindex, die deze verwijsindex niet kan bereiken. U ontvangt dit bericht als\n"
        "regievoerder voor matches over de gemeentegrenzen: volgt u op of de betrokken\n"
        "professionals contact met elkaar hebben opgenomen (Jeugdwet, artikel 7.1.3.2)?\n"
        "\n"
        "Matchnummer: {match_id}\n"
        "\n"
        "De betrokken professionals:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To the coordinator of each region whose professionals are in a match on a youth who
lives outside the index's regions, when the match forms or grows (decision 110)."""

FOLLOW_UP_ELSEWHERE_REMINDER_TEXT: Final = Text(
    subject="Herinnering: match nog niet afgestemd, jongere buiten de regio ({match_id})",
    body=(
        "Beste regievoerder,\n"
        "\n"
        "Voor deze match met professionals uit uw regio {region} is de termijn voor\n"
        "opvolging verstreken. De jongere woont buiten de regio's van deze verwijsindex.\n"
        "De betrokken professionals hebben nog niet vastgelegd dat zij de hulp hebben\n"
        "afgestemd. Wilt u nagaan of zij contact met elkaar hebben gehad?\n"
        "\n"
        "Matchnummer: {match_id}\n"
        "\n"
        "De betrokken professionals:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To the same coordinators, once, when such a match waits past the follow-up period."""

COORDINATOR_TEXT: Final = Text(
    subject="Match over de regiogrens ({match_id})",
    body=(
        "Beste regievoerder,\n"
        "\n"
        "In de verwijsindex is een match ontstaan of uitgebreid tussen professionals uit\n"
        "verschillende regio's, onder wie professionals uit uw regio {region}.\n"
        "U ontvangt dit bericht als regievoerder voor matches over de regiogrens.\n"
        "\n"
        "Matchnummer: {match_id}\n"
        "\n"
        "De betrokken professionals:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To each region's coordinator when a match crosses region borders."""

COORDINATOR_MOVE_TEXT: Final = Text(
    subject="Verhuizing naar uw regio: actieve meldingen in de verwijsindex",
    body=(
        "Beste regievoerder,\n"
        "\n"
        "Een jongere met actieve meldingen in de verwijsindex is verhuisd naar een gemeente\n"
        "in uw regio {region}.\n"
        "U ontvangt dit bericht als regievoerder. Dit zijn de professionals met een\n"
        "actieve melding:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To the new region's coordinator when a youth with active links moves into the region
(a coordinator notification without a match id)."""

MOVE_TEXT: Final = Text(
    subject="Verhuisbericht uit de verwijsindex (melding {link_id})",
    body=(
        "Beste {name},\n"
        "\n"
        "De jongere van uw melding {link_id} is verhuisd.\n"
        "Uw melding blijft actief. Stem zo nodig met de andere professionals in de match af\n"
        "hoe de hulp verdergaat.\n"
        "\n"
        "Meldingsnummer: {link_id}\n"
        "\n"
        "De andere professionals in de match van deze jongere:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To each professional with an active link when the youth moved (JW 7.1.2.3(1)(g)); the
contacts are the others in the youth's match, if there is one (decision 84)."""

MOVE_MUNICIPALITY_TEXT: Final = Text(
    subject="Verhuisbericht: jongere met actieve meldingen naar uw gemeente",
    body=(
        "Beste collega,\n"
        "\n"
        "Een jongere met actieve meldingen in de verwijsindex is verhuisd naar de gemeente\n"
        "{municipality}. Dit zijn de professionals met een actieve melding:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To the new municipality when a youth with active links moved in (JW 7.1.2.3(1)(g))."""

MOVE_MUNICIPALITY_MATCH_TEXT: Final = Text(
    subject="Verhuisbericht: jongere met een match naar uw gemeente ({match_id})",
    body=(
        "Beste collega,\n"
        "\n"
        "Een jongere met actieve meldingen in de verwijsindex is verhuisd naar de gemeente\n"
        "{municipality}. De professionals hebben een match; uw gemeente volgt nu op of zij\n"
        "contact met elkaar hebben gehad.\n"
        "\n"
        "Matchnummer: {match_id}\n"
        "\n"
        "Dit zijn de professionals met een actieve melding:\n"
        "\n"
        "{contacts}\n"
    ),
)
"""To the new municipality when a matched youth moved in: the match id, for the follow-up
that passes to the municipality where the youth lives (JW 7.1.3.2)."""

SIGN_OFF: Final = (
    "-- \n"
    "Dit bericht is automatisch verstuurd door de verwijsindex risicojongeren (Jeugdwet,\n"
    "hoofdstuk 7.1). Het bevat alleen wat de wet toestaat: de soort melding, het match- of\n"
    "meldingsnummer en de contactgegevens van de betrokken professionals. Gegevens over de\n"
    "jongere en de reden van een melding staan er nooit in.\n"
)
"""Closes every message."""

NO_CONTACTS: Final = "(geen)"
"""Stands for the contacts when a notification carries none."""


def _contact_block(contact: Contact) -> str:
    lines = [f"- {contact.name} ({contact.organisation})", f"  e-mail: {contact.email}"]
    if contact.phone is not None:
        lines.append(f"  telefoon: {contact.phone}")
    return "\n".join(lines)


def _contacts(contacts: tuple[Contact, ...]) -> str:
    return "\n".join(_contact_block(c) for c in contacts) if contacts else NO_CONTACTS


# --- composing -----------------------------------------------------------------------------------


@attrs.frozen
class Message:
    """One e-mail to send (bericht): to whom, the subject, the plain-text body, and the
    notification it delivers."""

    to: tuple[str, ...] = attrs.field(converter=v.as_tuple)
    subject: str = attrs.field(validator=v.text(300))
    body: str = attrs.field(validator=v.instance_of(str))
    notification_id: str = attrs.field(validator=v.identifier)

    @to.validator
    def _check_to(self, attribute: attrs.Attribute[Any], value: tuple[Any, ...]) -> None:
        if not value or not all(isinstance(a, str) and _EMAIL.fullmatch(a) for a in value):
            raise InvalidRecordError("to must hold one or more e-mail addresses")


_TO_PROFESSIONAL: Final[Mapping[NotificationKind, Text]] = {
    NotificationKind.MATCH: MATCH_TEXT,
    NotificationKind.FAMILY_MATCH: FAMILY_MATCH_TEXT,
    NotificationKind.ADDRESS_MATCH: ADDRESS_MATCH_TEXT,
}
_TO_MUNICIPALITY: Final[Mapping[NotificationKind, Text]] = {
    NotificationKind.FOLLOW_UP: FOLLOW_UP_TEXT,
    NotificationKind.FOLLOW_UP_REMINDER: FOLLOW_UP_REMINDER_TEXT,
}
_TO_REGION: Final[Mapping[NotificationKind, Text]] = {
    NotificationKind.FOLLOW_UP: FOLLOW_UP_ELSEWHERE_TEXT,
    NotificationKind.FOLLOW_UP_REMINDER: FOLLOW_UP_ELSEWHERE_REMINDER_TEXT,
}


def compose(notification: Notification, index: VerwijsIndex) -> Message:
    """The e-mail that delivers *notification*, addressed through *index*.

    - ``MATCH``, ``FAMILY_MATCH``, ``ADDRESS_MATCH`` and a ``MOVE`` with a ``link_id`` go
      to the professional named by ``recipient`` (:meth:`VerwijsIndex.professional`); an
      unknown professional raises :class:`~verwijsindex.errors.UnknownProfessionalError`
      (their organisation's address is not known either).
    - ``FOLLOW_UP``, ``FOLLOW_UP_REMINDER`` and a ``MOVE`` without a ``link_id`` (the
      recipient is a CBS municipality code) go to every contact of that municipality's
      region, the coordinator first. A ``FOLLOW_UP`` or ``FOLLOW_UP_REMINDER`` whose
      recipient is a region name (a match on a youth living outside the index's regions,
      decision 110) goes to that region's coordinator.
    - ``COORDINATOR`` goes to the coordinator of the region named by ``recipient``; without
      a ``match_id`` it is the notice of a move into the region.

    A match kind without a ``match_id`` or a move to a professional without a ``link_id``
    raises :class:`~verwijsindex.errors.InvalidRecordError`; an unknown municipality or
    region :class:`~verwijsindex.errors.UnknownMunicipalityError`.
    """
    v.model_argument(notification, Notification, "notification")
    kind = notification.kind
    fields: dict[str, str] = {
        "name": "",
        "match_id": notification.match_id or "",
        "link_id": notification.link_id or "",
        "contacts": _contacts(notification.contacts),
        "municipality": "",
        "region": "",
    }
    to: tuple[str, ...]
    if kind in _TO_PROFESSIONAL or (kind is NotificationKind.MOVE and notification.link_id):
        text = MOVE_TEXT if kind is NotificationKind.MOVE else _TO_PROFESSIONAL[kind]
        professional = index.professional(notification.recipient)
        fields["name"] = professional.name
        to = (professional.email,)
    elif notification.to_a_region:
        text = _TO_REGION[kind]
        region = index.regions.region_for(notification.recipient)
        fields["region"] = region.name
        to = (region.coordinator,)
    elif kind in _TO_MUNICIPALITY or kind is NotificationKind.MOVE:
        move = MOVE_MUNICIPALITY_MATCH_TEXT if notification.match_id else MOVE_MUNICIPALITY_TEXT
        text = _TO_MUNICIPALITY.get(kind, move)
        municipality = index.regions.municipality(notification.recipient)
        region = index.regions.region_of_municipality(municipality.code)
        fields["municipality"] = municipality.name
        fields["region"] = region.name
        to = tuple(dict.fromkeys((region.coordinator, *region.contacts)))
    else:  # NotificationKind.COORDINATOR
        text = COORDINATOR_TEXT if notification.match_id else COORDINATOR_MOVE_TEXT
        region = index.regions.region_for(notification.recipient)
        fields["region"] = region.name
        to = (region.coordinator,)
    if "{match_id}" in text.body and not notification.match_id:
        raise InvalidRecordError(f"a {kind.value} notification needs a match_id")
    return Message(
        to=to,
        subject=text.subject.format_map(fields),
        body=text.body.format_map(fields) + "\n" + SIGN_OFF,
        notification_id=notification.id,
    )
