"""Records to store in the transaction contract (:mod:`verwijsindex.testing._transaction`):
organisations, professionals, dossiers with every part, notifications and log entries,
each small and made the same way every time."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import attrs

from verwijsindex.dossier import (
    Dossier,
    InformationDuty,
    InformationRecord,
    SubjectRecord,
)
from verwijsindex.model import (
    Address,
    Contact,
    Gender,
    Link,
    LinkStatus,
    LogAction,
    LogEntry,
    Match,
    MatchKind,
    Notification,
    NotificationKind,
    Organisation,
    Professional,
    Recipient,
    WithdrawalReason,
)
from verwijsindex.storage import Store

T0 = datetime(2026, 3, 1, 9, 30, tzinfo=timezone.utc)
SECRET = "5e" * 32


# --- values to store ------------------------------------------------------------------------------


def organisation(n: int = 1) -> Organisation:
    return Organisation(
        id=f"O{n}", name=f"Organisatie {n}", municipality_code="935", email=f"o{n}@example.nl"
    )


def professional(n: int = 1, org: int | None = None) -> Professional:
    return Professional(
        id=f"P{n}",
        name=f"Hulpverlener {n}",
        organisation=organisation(n if org is None else org),
        email=f"p{n}@example.nl",
    )


def link(n: int, key: str, prof: int = 1) -> Link:
    return Link(
        id=f"L{n}",
        subject=key,
        professional=f"P{prof}",
        organisation=f"O{prof}",
        created_at=T0,
        ends_on=date(2028, 3, 1),
    )


def dossier(
    key: str = "k1",
    *,
    links: tuple[Link, ...] = (),
    parents: tuple[str, ...] = (),
    secret: str = SECRET,
) -> Dossier:
    subject = SubjectRecord(
        key=key,
        key_id="v1",
        name="Jan Jansen",
        gender=Gender.MALE,
        birth_date=date(2012, 5, 17),
        address=Address(
            street="Markt",
            house_number="1",
            postcode="6211 CK",
            city="Maastricht",
            municipality_code="935",
        ),
        log_secret=secret,
        parent_keys=parents,
    )
    return Dossier(subject=subject, links=links)


def full_dossier(key: str = "k1") -> Dossier:
    """A dossier with every field set: links in both states, a match, duties, records."""
    links = (
        link(1, key, 1),
        link(2, key, 2),
        Link(
            id="L3",
            subject=key,
            professional="P3",
            organisation="O3",
            created_at=T0 - timedelta(days=400),
            ends_on=date(2026, 1, 1),
            status=LinkStatus.ARCHIVED,
            archived_on=date(2025, 12, 1),
            withdrawal_reason=WithdrawalReason.RISK_RESOLVED,
        ),
    )
    match = Match(
        id="M1",
        subject=key,
        links=("L1", "L2"),
        professionals=("P1", "P2"),
        kind=MatchKind.SUBJECT,
        created_at=T0,
        updated_at=T0 + timedelta(hours=1),
        lead="P1",
        reminded=True,
    )
    base = dossier(key, links=links, parents=("parent-b", "parent-a"))
    subject = attrs.evolve(base.subject, address_key="address-1", former_secrets=("6f" * 32,))
    return Dossier(
        subject=subject,
        links=links,
        match=match,
        hinted=frozenset({"P1"}),
        duties=(InformationDuty("L2", frozenset(Recipient), date(2026, 4, 1)),),
        informed=(InformationRecord("L1", frozenset({Recipient.YOUTH}), T0, "P1"),),
        sweep_due=date(2026, 5, 1),
        information_due=date(2026, 4, 1),
        follow_up_due=date(2026, 3, 29),
        changed_at=T0 + timedelta(hours=1),
        logged=2,
        log_seal="v1:seal",
        silent=frozenset({"L1"}),
    )


def notification(n: int, kind: NotificationKind = NotificationKind.MATCH) -> Notification:
    return Notification(
        id=f"N{n}",
        kind=kind,
        recipient=f"P{n}",
        created_at=T0,
        match_id="M1",
        contacts=(Contact.of(professional(n + 1)),),
    )


def entry(lane: int, seq: int, *, at: datetime = T0, token: str | None = None) -> LogEntry:
    return LogEntry(
        id=f"e{lane}-{seq}",
        lane=lane,
        seq=seq,
        at=at,
        actor="P1",
        action=LogAction.REGISTERED,
        subject_ref=token,
        prev_hash=f"h{lane}-{seq - 1}",
        hash=f"h{lane}-{seq}",
    )


def pending_ids(store: Store) -> list[str]:
    with store.transaction() as tx:
        return [n.id for n in tx.pending_notifications(None)]
