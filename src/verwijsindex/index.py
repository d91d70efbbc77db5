"""The index service (de verwijsindex): the rules applied to stored links, on any store.

Each method of :class:`VerwijsIndex` is one operation of a module of its own (decision 38);
this module is their table of contents. ``docs/api.md`` and the README show a session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Self

import attrs

from verwijsindex import (
    directory,
    importing,
    information,
    links,
    maintenance,
    matches,
    notices,
    outbox,
    oversight,
    reports,
    rights,
)
from verwijsindex._context import Context
from verwijsindex.clock import Clock, system_clock
from verwijsindex.errors import ConfigurationError
from verwijsindex.logbook import LogbookReport
from verwijsindex.matching import MatchRule, Rules
from verwijsindex.model import (
    Address,
    Bsn,
    Link,
    Match,
    Notification,
    Organisation,
    Professional,
    Recipient,
    Subject,
    WithdrawalReason,
)
from verwijsindex.pseudonyms import Keyring, PseudonymKey
from verwijsindex.regions import ZUID_LIMBURG, Regions
from verwijsindex.roles import Actor
from verwijsindex.service_number import ServiceNumber
from verwijsindex.statistics import DEFAULT_THRESHOLD, Statistics
from verwijsindex.storage import Store
from verwijsindex.subject_requests import AccessReport, RightsRequest, Route

__all__ = ["VerwijsIndex"]


class VerwijsIndex:
    """The verwijsindex on *store*, keyed by pseudonyms made with *key*; each method is one
    operation of a module of its own, whose function says in full what it refuses and how
    it records (decision 38).

    *clock* returns the aware time now; *rules*, *regions* and *match_rule* default to the
    statute and Zuid-Limburg; the sweep, re-keying and imports work in batches of
    *batch_size* youths (by default the store's own: 50 in memory, else 500);
    *excluded_addresses* never make an address match. A key that does
    not fit the store's check values raises :class:`~verwijsindex.errors.KeyMismatchError`
    before anything is read (decision 31); ``adopt=True`` opens a store made before them.
    The store keeps the match rule its youths were judged by: another one raises
    :class:`~verwijsindex.errors.RuleMismatchError` (:meth:`change_match_rule` changes it;
    decision 119), and ``match_rule=None`` takes the store's. So it does whether family
    and address matches are on: *rules* with other ones raise it too
    (:meth:`change_household_rules` changes them), and ``rules=None`` takes the statute's
    rules with the store's household options (decision 124).
    """

    def __init__(
        self,
        store: Store,
        *,
        key: PseudonymKey | Keyring | Sequence[PseudonymKey] | None,
        clock: Clock = system_clock,
        rules: Rules | None = None,
        regions: Regions = ZUID_LIMBURG,
        match_rule: MatchRule | None = MatchRule.DIFFERENT_ORGANISATIONS,
        batch_size: int | None = None,
        adopt: bool = False,
        excluded_addresses: Iterable[Address] = (),
    ) -> None:
        self._context = Context.checked(
            store=store,
            keyring=Keyring.of(key),
            clock=clock,
            rules=rules if rules is not None else Rules(),
            regions=regions,
            match_rule=MatchRule.DIFFERENT_ORGANISATIONS if match_rule is None else match_rule,
            batch_size=batch_size,
            excluded_addresses=excluded_addresses,
        )
        if not isinstance(adopt, bool):
            raise ConfigurationError("adopt must be True or False")
        moving = maintenance.check_keys(store, self._context.keyring, adopt=adopt)
        self._context.unfinished_rekey.extend(moving)
        rule = maintenance.check_rule(store, match_rule)
        if rule is not self._context.match_rule:
            self._context = attrs.evolve(self._context, match_rule=rule)
        household = maintenance.check_household(store, rules)
        if household != self._context.rules:
            self._context = attrs.evolve(self._context, rules=household)

    def __repr__(self) -> str:
        return f"<VerwijsIndex store={self.store!r} rule={self.match_rule.value}>"

    def close(self) -> None:
        """Close the store (its connections); closing twice is harmless."""
        self._context.store.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- what the index works with ----------------------------------------------------------------

    @property
    def store(self) -> Store:
        """The store the index keeps its records in."""
        return self._context.store

    @property
    def keyring(self) -> Keyring:
        """The pseudonym keys, oldest first (:meth:`rekey` adds one)."""
        return self._context.keyring

    @property
    def clock(self) -> Clock:
        """The clock the index reads."""
        return self._context.clock

    @property
    def rules(self) -> Rules:
        """The statutory periods and limits."""
        return self._context.rules

    @property
    def regions(self) -> Regions:
        """The regions and municipalities the index serves."""
        return self._context.regions

    @property
    def match_rule(self) -> MatchRule:
        """Which professionals' links make a match."""
        return self._context.match_rule

    @property
    def batch_size(self) -> int:
        """Youths per transaction in the sweep, re-keying and imports (and per page of the
        follow-up and report reads)."""
        return self._context.batch_size

    # -- organisations (directory.py) --------------------------------------------------------------

    def add_organisation(self, organisation: Organisation) -> None:
        """Record that *organisation* signed its municipality's agreement (convenant)."""
        directory.add_organisation(self._context, organisation)

    def organisation(self, organisation_id: str) -> Organisation:
        """The organisation with *organisation_id* (``UnknownOrganisationError`` if none)."""
        return directory.organisation(self._context, organisation_id)

    def add_professional(self, professional: Professional) -> None:
        """Record a professional of an organisation that signed the agreement."""
        directory.add_professional(self._context, professional)

    def professional(self, professional_id: str) -> Professional:
        """The professional with *professional_id* (``UnknownProfessionalError`` if none)."""
        return directory.professional(self._context, professional_id)

    # -- links (links.py) --------------------------------------------------------------------------

    def register(
        self, subject: Subject, professional: Actor, *, ends_on: date | None = None, **extra: object
    ) -> links.Registration:
        """Record that *professional* is involved with *subject* (melding), and match."""
        return links.register(self._context, subject, professional, ends_on=ends_on, extra=extra)

    def withdraw(self, link_id: str, *, by: Actor | str, reason: WithdrawalReason) -> Link | None:
        """Withdraw one's own link: archived (returned) or deleted (``None``)."""
        return links.withdraw(self._context, link_id, by=by, reason=reason)

    def links_for(self, professional: Actor | str) -> list[Link]:
        """The professional's own links, active and archived."""
        return links.links_for(self._context, professional)

    def history(self, subject: Subject, professional: Actor | str) -> list[Link]:
        """The youth's archived links, for a professional holding an active link (logged)."""
        return links.history(self._context, subject, professional)

    def bulk_register(
        self,
        records: Iterable[importing.ImportRecord | Mapping[str, Any]],
        *,
        batch_size: int | None = None,
        notify: bool = True,
        progress: importing.Progress | None = None,
    ) -> importing.ImportReport:
        """Import many links; ``notify=False`` for a migration."""
        return importing.bulk_register(
            self._context, records, batch_size=batch_size, notify=notify, progress=progress
        )

    # -- matches (matches.py) ----------------------------------------------------------------------

    def matches_for(self, professional: Actor | str) -> list[Match]:
        """The matches the professional is part of."""
        return matches.matches_for(self._context, professional)

    def set_lead(
        self, match_id: str, professional: Professional | str, *, by: Actor | str | None = None
    ) -> Match:
        """Record which professional in the match takes the lead (regie)."""
        return matches.set_lead(self._context, match_id, professional, by=by)

    def mark_coordinated(self, match_id: str, professional: Actor | str) -> Match:
        """Record that the professionals in the match have coordinated (contact made)."""
        return matches.mark_coordinated(self._context, match_id, professional)

    # -- informing youth and parents (information.py) ----------------------------------------------

    def record_informed(
        self,
        link_id: str,
        recipients: Iterable[Recipient],
        at: datetime,
        *,
        by: Actor | str | None = None,
    ) -> None:
        """Record that *recipients* were informed of link *link_id* at *at* (JW 7.1.5.1)."""
        information.record_informed(self._context, link_id, recipients, at, by=by)

    def overdue_information(
        self, now: datetime | None = None
    ) -> list[information.OverdueInformation]:
        """Active links whose information duty was not met by its deadline (one month)."""
        return information.overdue_information(self._context, now)

    # -- notices from the population register (notices.py) -----------------------------------------

    def record_death(self, subject: Subject | Bsn | ServiceNumber, died_on: date) -> int:
        """A death notice: everything about the youth is deleted (JW 7.1.4.5(2)(c))."""
        return notices.record_death(self._context, subject, died_on)

    def record_move(self, subject: Subject) -> int:
        """A move notice: the new address; whoever must know of it is told."""
        return notices.record_move(self._context, subject)

    def merge_service_number(
        self, without: Subject | ServiceNumber, subject: Subject
    ) -> notices.MergeOutcome:
        """The youth registered by service number now has a BSN (BJW 7.3.1): one dossier."""
        return notices.merge_service_number(self._context, without, subject)

    # -- the other roles (oversight.py) ------------------------------------------------------------

    def follow_up_status(self, match_id: str, *, by: Actor | str) -> oversight.FollowUpStatus:
        """Whether contact was made, for the follow-up checker of the youth's municipality."""
        return oversight.follow_up_status(self._context, match_id, by=by)

    def matches_awaiting_coordination(
        self, *, by: Actor | str, now: datetime | None = None
    ) -> list[oversight.AwaitingCoordination]:
        """The checker's matches still uncoordinated after ``Rules.follow_up_after``."""
        return oversight.matches_awaiting_coordination(self._context, by=by, now=now)

    def organisation_contacts(self, *, by: Actor | str) -> list[Professional]:
        """The professionals of the coordinator's own organisation, with contact details."""
        return oversight.organisation_contacts(self._context, by=by)

    def organisation_signals(self, *, by: Actor | str) -> list[Notification]:
        """Pending match signals to the coordinator's own organisation's professionals."""
        return oversight.organisation_signals(self._context, by=by)

    # -- statistics (reports.py) -------------------------------------------------------------------

    def statistics(
        self, period: tuple[date, date], *, by: Actor | str, threshold: int = DEFAULT_THRESHOLD
    ) -> Statistics:
        """Counts that identify no one (JW 7.1.2.3(1)(h)), for a coordinator or checker: the
        whole months from *period*'s first day's to its last day's, at a *threshold* of 5
        or more (decision 80)."""
        return reports.statistics(self._context, period, by=by, threshold=threshold)

    # -- data-subject rights (rights.py; also verwijsindex.privacy) --------------------------------

    def access_report(self, request: RightsRequest, *, by: Actor) -> AccessReport:
        """Everything stored about the youth of *request* (AVG 15), for a rights officer."""
        return rights.access_report(self._context, request, by=by)

    def export(self, request: RightsRequest, *, by: Actor) -> str:
        """The access report as JSON through the library's converter (AVG 20)."""
        return rights.export(self._context, request, by=by)

    def rectify(
        self,
        request: RightsRequest,
        corrected: Subject,
        *,
        by: Actor,
        no_parents: bool = False,
    ) -> RightsRequest:
        """Correct the youth's general data (AVG 16) to *corrected*; logged with who did it.
        The parents it names replace the registered ones; naming none keeps them, unless
        *no_parents* says the youth has no parent to register (decision 105)."""
        return rights.rectify(self._context, request, corrected, by=by, no_parents=no_parents)

    def erase(self, request: RightsRequest, *, by: Actor) -> RightsRequest:
        """Carry out a granted objection (AVG 21, 17): nothing about the youth is left."""
        return rights.erase(self._context, request, by=by)

    def route(self, request: RightsRequest, *, by: Actor) -> tuple[Route, ...]:
        """The controllers for *request*, and their region's contact point (logged)."""
        return rights.route(self._context, request, by=by)

    # -- outbox (outbox.py) ------------------------------------------------------------------------

    def pending_notifications(self, limit: int | None = None) -> list[Notification]:
        """Notifications written but not yet acknowledged, oldest first."""
        return outbox.pending_notifications(self._context, limit)

    def notifications_for(
        self, professional: Actor | str, *, limit: int | None = None
    ) -> list[Notification]:
        """The professional's own pending notifications (a look-up by recipient)."""
        return outbox.notifications_for(self._context, professional, limit=limit)

    def claim_notifications(
        self, limit: int = 50, *, lease: timedelta = timedelta(minutes=5)
    ) -> outbox.Claim:
        """Pending notifications for one sender, held for *lease* (never two senders')."""
        return outbox.claim_notifications(self._context, limit, lease=lease)

    def acknowledge(
        self, ids: Iterable[str] | outbox.Claim, *, by: Actor | str | None = None
    ) -> int:
        """Remove delivered notifications (or a claim's); with *by*, only theirs."""
        return outbox.acknowledge(self._context, ids, by=by)

    # -- housekeeping and the logbook (maintenance.py) ---------------------------------------------

    def sweep(self, now: datetime | None = None) -> maintenance.SweepReport:
        """Apply the lifecycle up to *now* (see :func:`verwijsindex.maintenance.sweep`)."""
        return maintenance.sweep(self._context, now)

    def rekey(self, new_key: PseudonymKey) -> int:
        """Move every record to pseudonyms under *new_key*; returns how many dossiers moved.

        The old pseudonyms then leave the store's files as well (``scrub``, also when
        nothing was left to move, so running the re-key again finishes one whose scrub
        did not). If another session keeps it from finishing (a SQLite reader of the
        write-ahead log, an older PostgreSQL snapshot), ``ScrubIncompleteError`` says so
        after the re-key itself is done and this index uses the new key."""
        ring, moved = maintenance.rekey(self._context, new_key)
        self._context = attrs.evolve(self._context, keyring=ring)
        self._context.scrub()
        return moved

    def change_match_rule(self, rule: MatchRule) -> maintenance.RuleChange:
        """Make *rule* the store's match rule and judge every youth again by it: a match
        that forms or grows is told to everyone in it and the follow-up checker, one that
        no longer holds dissolves. An index opened on the store afterwards must have
        *rule* (``RuleMismatchError`` otherwise), and so must every worker: run it while
        no other registers, then open them with *rule* (decision 119)."""
        self._context = maintenance.change_match_rule(self._context, rule)
        return maintenance.judge_again(self._context)

    def change_household_rules(
        self, *, family_match: bool | None = None, address_match: bool | None = None
    ) -> Rules:
        """Make the options given the store's, and work by them: an index opened on the
        store afterwards must have them (``RuleMismatchError`` otherwise; ``rules=None``
        takes them). Nothing is judged again: a household signal is made when a link is,
        so one turned on signals from then on (decision 44). Run it while no other worker
        registers, then open them again (decision 124). Returns the rules now in force."""
        self._context = maintenance.change_household_rules(
            self._context, family_match=family_match, address_match=address_match
        )
        return self._context.rules

    def logbook_anchor(self) -> dict[str, Any]:
        """Each lane's last sequence number and hash, to keep outside the database."""
        return maintenance.logbook_anchor(self._context)

    def verify_logbook(
        self, anchor: Mapping[str, Any] | str | None = None, *, from_anchor: bool = False
    ) -> LogbookReport:
        """Check the logbook's chains, seals and counts, and nothing before *anchor* changed."""
        return maintenance.verify_logbook(self._context, anchor, from_anchor=from_anchor)
