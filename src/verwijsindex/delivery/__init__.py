"""Delivery of the outbox (bezorging): compose each notification as an e-mail and send it.

:func:`deliver` claims a batch of pending notifications (:meth:`VerwijsIndex.claim_notifications
<verwijsindex.index.VerwijsIndex.claim_notifications>`), composes each with :func:`compose`,
hands it to a :class:`Notifier` (:class:`SmtpNotifier`, or your own) with a few tries, and
acknowledges what was sent; it goes on until the outbox has nothing left to hand out.
Several senders, in threads or processes, may run it on one store at once: a claim never
gets a notification that another claim holds. What fails stays in the outbox and returns
when its lease ends, so a message may go out twice (a crash between sending and
acknowledging), never zero times; receivers drop repeats by the
``X-Verwijsindex-Notification`` header.

A message says only what the statute allows (JW 7.1.4.3(2)): the kind of signal, the match
id, the other professionals' identity and contact details, and on a move notice the
recipient's own link id. Nothing about the youth is looked up. The texts are the constants
below, in Dutch, for a municipality to read.

>>> from datetime import date
>>> from verwijsindex.testing import make_index, make_professional, make_subject
>>> index = make_index()
>>> teacher = make_professional(id="t1", organisation="Sint Jozefschool")
>>> nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
>>> for p in (teacher, nurse):
...     index.add_organisation(p.organisation)
>>> youth = make_subject(bsn="111222333", birth_date=date(2012, 5, 1))
>>> match = [index.register(youth, p).match for p in (teacher, nurse)][-1]
>>> sent = []
>>> class Outbox:                       # any object with send(message) is a Notifier
...     def send(self, message):
...         sent.append(message)
>>> deliver(index, Outbox())
DeliveryReport(sent=3, failed=0, set_aside=0, lapsed=0, unacknowledged=0)
>>> sorted(address for m in sent for address in m.to)
['maud.jacobs@maastricht.nl', 'n1@ggd-zuid-limburg.example', 't1@sint-jozefschool.example']
>>> to_teacher = next(m for m in sent if m.to == (teacher.email,))
>>> to_teacher.subject == f"Match in de verwijsindex ({match.id})"
True
>>> "Professional n1 (GGD Zuid-Limburg)" in to_teacher.body, "111222333" in to_teacher.body
(True, False)
>>> index.pending_notifications()
[]
"""

from __future__ import annotations

from verwijsindex.delivery._deliver import DeliveryReport, Notifier, deliver
from verwijsindex.delivery._messages import (
    ADDRESS_MATCH_TEXT,
    COORDINATOR_MOVE_TEXT,
    COORDINATOR_TEXT,
    FAMILY_MATCH_TEXT,
    FOLLOW_UP_ELSEWHERE_REMINDER_TEXT,
    FOLLOW_UP_ELSEWHERE_TEXT,
    FOLLOW_UP_REMINDER_TEXT,
    FOLLOW_UP_TEXT,
    MATCH_TEXT,
    MOVE_MUNICIPALITY_MATCH_TEXT,
    MOVE_MUNICIPALITY_TEXT,
    MOVE_TEXT,
    NO_CONTACTS,
    SIGN_OFF,
    Message,
    Text,
    compose,
)
from verwijsindex.delivery._smtp import NOTIFICATION_HEADER, SmtpNotifier

__all__ = [
    "ADDRESS_MATCH_TEXT",
    "COORDINATOR_MOVE_TEXT",
    "COORDINATOR_TEXT",
    "FAMILY_MATCH_TEXT",
    "FOLLOW_UP_ELSEWHERE_REMINDER_TEXT",
    "FOLLOW_UP_ELSEWHERE_TEXT",
    "FOLLOW_UP_REMINDER_TEXT",
    "FOLLOW_UP_TEXT",
    "MATCH_TEXT",
    "MOVE_MUNICIPALITY_MATCH_TEXT",
    "MOVE_MUNICIPALITY_TEXT",
    "MOVE_TEXT",
    "NOTIFICATION_HEADER",
    "NO_CONTACTS",
    "SIGN_OFF",
    "DeliveryReport",
    "Message",
    "Notifier",
    "SmtpNotifier",
    "Text",
    "compose",
    "deliver",
]
