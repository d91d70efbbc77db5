"""Notices from the population register (BRP): a death, a move.

>>> from datetime import date
>>> from verwijsindex.testing import make_index, make_professional, make_subject
>>> index = make_index()
>>> nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
>>> index.add_organisation(nurse.organisation)
>>> _ = index.register(make_subject(bsn="111222333", birth_date=date(2015, 5, 1)), nurse)
>>> index.record_move(make_subject(bsn="111222333", birth_date=date(2015, 5, 1),
...                                municipality="Heerlen"))
1
>>> sorted((n.kind.value, n.recipient) for n in index.pending_notifications())
[('move', '0917'), ('move', 'n1')]
>>> index.record_death(make_subject(bsn="111222333", birth_date=date(2015, 5, 1)), date(2025, 1, 1))
1
>>> index.record_death(make_subject(bsn="111222333", birth_date=date(2015, 5, 1)), "today")
Traceback (most recent call last):
    ...
verwijsindex.errors.InvalidRecordError: died_on must be a date
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING

import attrs

from verwijsindex._unit import UnitOfWork, is_current, new_id
from verwijsindex.errors import InvalidRecordError
from verwijsindex.model import Bsn, LogAction, Notification, NotificationKind, Subject
from verwijsindex.pseudonyms import lane_of
from verwijsindex.signals import contacts_of
from verwijsindex.storage import LOG_LANES

if TYPE_CHECKING:
    from verwijsindex.index import VerwijsIndex

__all__ = ["POPULATION_REGISTER", "record_death", "record_move"]

POPULATION_REGISTER = "population-register"


def record_death(index: VerwijsIndex, subject: Subject | Bsn, died_on: date) -> int:
    """A death notice from the population register: every link, the match and the
    archive are deleted at once (JW 7.1.4.5(2)(c)). Returns how many links went."""
    bsn = subject.bsn if isinstance(subject, Subject) else subject
    if not isinstance(bsn, Bsn):
        raise InvalidRecordError("record_death() takes a Subject or a Bsn")
    if not isinstance(died_on, date) or isinstance(died_on, datetime):
        raise InvalidRecordError("died_on must be a date")
    now = index._now()
    key = index.keyring.pseudonym(bsn)
    with index.store.transaction([key]) as tx:
        dossier = tx.load(key)
        if dossier is None:
            return 0
        work = UnitOfWork(tx, lane_of([key], LOG_LANES))
        secret = dossier.subject.log_secret
        for link in dossier.links:
            work.log(now, POPULATION_REGISTER, LogAction.DELETED, secret=secret, link_id=link.id)
        index._delete_dossier(tx, work, dossier)
        work.flush()
    return len(dossier.links)


def record_move(index: VerwijsIndex, subject: Subject) -> int:
    """A move notice from the population register (JW 7.1.2.3(1)(g)): the general data
    takes the new address; when the municipality changed, every professional with an
    active link is told, and the new municipality receives the list of active links'
    professionals and organisations. Returns how many professionals were told."""
    if not isinstance(subject, Subject):
        raise InvalidRecordError("record_move() takes the youth's Subject with the new address")
    now = index._now()
    key = index.keyring.pseudonym(subject.bsn)
    with index.store.transaction([key]) as tx:
        dossier = tx.load(key)
        if dossier is None:
            return 0
        work = UnitOfWork(tx, lane_of([key], LOG_LANES))
        old = dossier.subject.address.municipality_code
        dossier = attrs.evolve(
            dossier, subject=attrs.evolve(dossier.subject, address=subject.address)
        )
        tx.save(index._finish(dossier))
        secret = dossier.subject.log_secret
        work.log(now, POPULATION_REGISTER, LogAction.MOVED, secret=secret)
        active = [lk for lk in dossier.links if is_current(lk, now)]
        new = subject.address.municipality_code
        if new == old or not active:
            work.flush()
            return 0
        contacts = contacts_of(tx, dict.fromkeys(lk.professional for lk in active))
        for link in active:
            work.notify(
                key,
                Notification(
                    id=new_id(),
                    kind=NotificationKind.MOVE,
                    recipient=link.professional,
                    created_at=now,
                    contacts=tuple(c for c in contacts if c.professional_id != link.professional),
                    link_id=link.id,
                ),
            )
        work.notify(
            key,
            Notification(
                id=new_id(),
                kind=NotificationKind.MOVE,
                recipient=new,
                created_at=now,
                contacts=contacts,
            ),
        )
        work.log(now, f"coordinator:{new}", LogAction.SIGNALLED, secret=secret)
        work.flush()
    return len(active)
