"""The unit of work (werkeenheid): what one transaction logs and notifies, written at its end."""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import datetime

from verwijsindex import logbook
from verwijsindex.clock import local_date
from verwijsindex.errors import ForbiddenFieldError, InvalidRecordError, NotFoundError
from verwijsindex.model import (
    Link,
    LinkStatus,
    LogAction,
    Notification,
    Professional,
    Recipient,
    looks_like_free_text,
)
from verwijsindex.pseudonyms import entry_ref, log_token
from verwijsindex.storage import Dossier, Transaction

SYSTEM = "system"


class UnitOfWork:
    """Collects log entries and notifications of one transaction and writes them at the end."""

    def __init__(self, tx: Transaction, lane: int) -> None:
        self.tx = tx
        self.lane = lane
        self.drafts: list[tuple[logbook.Pending, str | None]] = []
        self.notes: list[tuple[str, Notification]] = []
        self.forgotten: set[str] = set()

    def log(
        self,
        at: datetime,
        actor: str,
        action: LogAction,
        *,
        secret: str | None = None,
        link_id: str | None = None,
        match_id: str | None = None,
        count: int | None = None,
    ) -> None:
        draft = logbook.pending(at, actor, action, link_id=link_id, match_id=match_id, count=count)
        self.drafts.append((draft, secret))

    def forget(self, secret: str) -> None:
        """The youth with this log secret is deleted: write no look-up reference for them,
        so their entries (earlier ones and those of this unit) stay unlinkable."""
        self.forgotten.add(secret)

    def notify(self, key: str, notification: Notification) -> None:
        self.notes.append((key, notification))

    def flush(self) -> None:
        if self.notes:
            self.tx.add_notifications(self.notes)
        if not self.drafts:
            return
        rows: list[logbook.Row] = []
        refs: list[tuple[str, str]] = []
        tokens: dict[str, str] = {}
        for draft, secret in self.drafts:
            entry_id = new_id()
            subject_ref = None
            if secret is not None:
                subject_ref = entry_ref(secret, entry_id)
                if secret not in self.forgotten:
                    if secret not in tokens:
                        tokens[secret] = log_token(secret)
                    refs.append((tokens[secret], entry_id))
            at, who, action, link_id, match_id, count = draft
            rows.append((entry_id, at, who, action, subject_ref, link_id, match_id, count))
        head = self.tx.log_head(self.lane)
        entries = logbook.chain_rows(head, rows, lane=self.lane, trusted=True)
        self.tx.append_log(entries, refs)


def new_id() -> str:
    """A random id: 128 bits from the operating system, as 32 hex digits."""
    return os.urandom(16).hex()


def actor(professional_id: str) -> str:
    return f"professional:{professional_id}"


def refuse_extra(extra: Mapping[str, object]) -> None:
    for name in extra:
        if looks_like_free_text(name):
            raise ForbiddenFieldError(field=name)
        raise InvalidRecordError(f"unexpected field {name!r}")


def professional_id(value: Professional | str) -> str:
    if isinstance(value, Professional):
        return value.id
    if isinstance(value, str) and value:
        return value
    raise InvalidRecordError("a professional is a Professional or its id")


def find_link(dossier: Dossier | None, link_id: str) -> Link:
    if dossier is not None:
        for link in dossier.links:
            if link.id == link_id:
                return link
    raise NotFoundError(kind="link", id=link_id)


def is_current(link: Link, now: datetime) -> bool:
    return link.status is LinkStatus.ACTIVE and local_date(now) < link.ends_on


def informed_by_link(dossier: Dossier) -> dict[str, set[Recipient]]:
    informed: dict[str, set[Recipient]] = {}
    for record in dossier.informed:
        informed.setdefault(record.link_id, set()).update(record.recipients)
    return informed


def duty_of(dossier: Dossier, link_id: str, default: frozenset[Recipient]) -> frozenset[Recipient]:
    for duty in dossier.duties:
        if duty.link_id == link_id:
            return duty.recipients
    return default
