"""The index service (de verwijsindex): the rules applied to stored links, on any store.

>>> from datetime import date, datetime, timezone
>>> from verwijsindex.testing import FixedClock, make_index, make_professional, make_subject
>>> clock = FixedClock(datetime(2026, 11, 23, 9, 0, tzinfo=timezone.utc))
>>> index = make_index(clock=clock)
>>> teacher = make_professional(id="t1", organisation="Sint Jozefschool")
>>> nurse = make_professional(id="n1", organisation="GGD Zuid-Limburg")
>>> index.add_organisation(teacher.organisation); index.add_organisation(nurse.organisation)
>>> youth = make_subject(bsn="111222333", birth_date=date(2012, 5, 1))
>>> first = index.register(youth, teacher)
>>> first.match is None, sorted(r.value for r in first.information_duty)
(True, ['legal-representative', 'youth'])
>>> second = index.register(youth, nurse)
>>> second.match.professionals
('t1', 'n1')
>>> index.register(youth, nurse).created      # again: the same link, no one is told twice
False
>>> sorted(n.recipient for n in index.pending_notifications())
['0935', 'n1', 't1']
>>> index.verify_logbook().ok
True
>>> index.register(make_subject(bsn="111222333", birth_date=date(2003, 1, 1)), teacher)
Traceback (most recent call last):
    ...
verwijsindex.errors.AgeLimitError: the verwijsindex only registers youths under 23 (...: 23)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from typing import Any

import attrs

from verwijsindex import importing, information, logbook, maintenance, notices, oversight, signals
from verwijsindex._unit import (
    UnitOfWork,
    actor,
    duty_of,
    find_link,
    informed_by_link,
    is_current,
    new_id,
    professional_id,
    refuse_extra,
)
from verwijsindex.clock import Clock, ensure_aware, local_date, system_clock
from verwijsindex.errors import (
    AccessDeniedError,
    ConfigurationError,
    ForbiddenFieldError,
    InvalidRecordError,
    NotFoundError,
    UnknownOrganisationError,
)
from verwijsindex.importing import ImportOutcome, ImportRecord, ImportReport, ImportStatus
from verwijsindex.information import OverdueInformation
from verwijsindex.maintenance import SweepReport
from verwijsindex.matching import (
    Disposition,
    MatchRule,
    Rules,
    archive_purge_date,
    as_of,
    check_ends_on,
    check_registrable,
    deletion_date,
    disposition,
    information_due,
    withdrawal_event,
)
from verwijsindex.model import (
    Bsn,
    Link,
    LinkStatus,
    LogAction,
    Match,
    Notification,
    Organisation,
    Professional,
    Recipient,
    Subject,
    WithdrawalReason,
)
from verwijsindex.oversight import FollowUpStatus
from verwijsindex.pseudonyms import Keyring, PseudonymKey, lane_of, log_token, new_log_secret
from verwijsindex.regions import ZUID_LIMBURG, Region, Regions
from verwijsindex.roles import (
    Actor,
    FollowUpChecker,
    OrganisationCoordinator,
    RightsOfficer,
    actor_name,
)
from verwijsindex.storage import (
    LOG_LANES,
    Dossier,
    InformationDuty,
    Store,
    SubjectRecord,
    Transaction,
)

__all__ = [
    "FollowUpStatus",
    "ImportOutcome",
    "ImportRecord",
    "ImportReport",
    "ImportStatus",
    "OverdueInformation",
    "Registration",
    "SweepReport",
    "VerwijsIndex",
]


# --- results --------------------------------------------------------------------------------------


@attrs.frozen
class Registration:
    """The outcome of :meth:`VerwijsIndex.register`.

    ``information_duty`` lists whom the professional must inform (by the notification
    policy of their organisation's region); ``archive_hint`` is true, once per
    professional, when the youth has archived links (JW 7.1.4.6(2)); ``created`` is false
    when the professional already had an active link and that link is returned.
    """

    link: Link
    match: Match | None
    information_duty: frozenset[Recipient]
    archive_hint: bool
    created: bool


# --- helpers -------------------------------------------------------------------------------------


@attrs.frozen
class _Prepared:
    subject: Subject
    professional: Professional
    key: str
    parents: tuple[str, ...]
    age: int
    created_at: datetime
    ends_on: date
    locks: tuple[str, ...]


# --- the service ---------------------------------------------------------------------------------


class VerwijsIndex:
    """The verwijsindex on *store*, keyed by pseudonyms made with *key*.

    *clock* returns the current aware time (inject a :class:`~verwijsindex.testing.FixedClock`
    in tests and simulations); *rules*, *regions* and *match_rule* default to the statute and
    Zuid-Limburg.
    """

    def __init__(
        self,
        store: Store,
        *,
        key: PseudonymKey | Keyring | Sequence[PseudonymKey] | None,
        clock: Clock = system_clock,
        rules: Rules | None = None,
        regions: Regions = ZUID_LIMBURG,
        match_rule: MatchRule = MatchRule.DIFFERENT_ORGANISATIONS,
        batch_size: int = 500,
    ) -> None:
        if key is None:
            raise ConfigurationError(
                "the index needs a pseudonym key: VerwijsIndex(store, key=PseudonymKey(...))"
            )
        if isinstance(key, Keyring):
            self.keyring = key
        elif isinstance(key, PseudonymKey):
            self.keyring = Keyring([key])
        else:
            self.keyring = Keyring(key)
        if not isinstance(match_rule, MatchRule):
            raise ConfigurationError("match_rule must be a MatchRule")
        self.store = store
        self.clock = clock
        self.rules = rules if rules is not None else Rules()
        self.regions = regions
        self.match_rule = match_rule
        self.batch_size = batch_size
        self._regions_by_code: dict[str, Region] = {}

    def __repr__(self) -> str:
        return f"<VerwijsIndex store={self.store!r} rule={self.match_rule.value}>"

    def _region_of(self, municipality_code: str) -> Region:
        region = self._regions_by_code.get(municipality_code)
        if region is None:
            region = self.regions.region_of_municipality(municipality_code)
            self._regions_by_code[municipality_code] = region
        return region

    def _now(self) -> datetime:
        return ensure_aware(self.clock(), "clock()")

    def _deny(
        self,
        actor: object,
        message: str,
        *,
        key: str | None = None,
        link_id: str | None = None,
        match_id: str | None = None,
    ) -> AccessDeniedError:
        """Log a refused attempt in a transaction of its own; return the error to raise."""
        now = self._now()
        locks = [key] if key is not None else []
        with self.store.transaction(locks) as tx:
            dossier = tx.load(key) if key is not None else None
            work = UnitOfWork(tx, lane_of(locks, LOG_LANES))
            work.log(
                now,
                actor_name(actor),
                LogAction.DENIED,
                secret=dossier.subject.log_secret if dossier is not None else None,
                link_id=link_id,
                match_id=match_id,
            )
            work.flush()
        return AccessDeniedError(message)

    def _professional(
        self,
        actor: Actor | str,
        *,
        key: str | None = None,
        link_id: str | None = None,
        match_id: str | None = None,
    ) -> str:
        """The professional id of *actor*; any other role is refused and logged."""
        if isinstance(actor, OrganisationCoordinator | FollowUpChecker | RightsOfficer):
            raise self._deny(
                actor,
                "only a professional may do this",
                key=key,
                link_id=link_id,
                match_id=match_id,
            )
        return professional_id(actor)

    # -- organisations ----------------------------------------------------------------------------

    def add_organisation(self, organisation: Organisation) -> None:
        """Record that *organisation* signed the agreement of its municipality (convenant).

        Raises :class:`~verwijsindex.errors.UnknownMunicipalityError` when the municipality
        is not in this index's regions.
        """
        if not isinstance(organisation, Organisation):
            raise InvalidRecordError("add_organisation() takes an Organisation")
        self.regions.region_of_municipality(organisation.municipality_code)
        with self.store.transaction() as tx:
            tx.put_organisation(organisation)

    def organisation(self, organisation_id: str) -> Organisation:
        with self.store.transaction() as tx:
            found = tx.get_organisation(organisation_id)
        if found is None:
            raise UnknownOrganisationError(kind="organisation", id=organisation_id)
        return found

    # -- registering ------------------------------------------------------------------------------

    def register(
        self,
        subject: Subject,
        professional: Actor,
        *,
        ends_on: date | None = None,
        **extra: object,
    ) -> Registration:
        """Record that *professional* is involved with *subject* (melding), and match.

        A youth of 23 or older, a deceased youth, an end date in the past or beyond two
        years, an unknown organisation or any extra field (a reason above all) raise a
        library error, and nothing is written.
        """
        refuse_extra(extra)
        now = self._now()
        if not isinstance(professional, Professional):
            key = self.keyring.pseudonym(subject.bsn) if isinstance(subject, Subject) else None
            self._professional(professional, key=key)  # refuses and logs any other role
            raise InvalidRecordError("register() takes a Professional")
        prepared = self._prepare(subject, professional, now, ends_on)
        with self.store.transaction(prepared.locks) as tx:
            work = UnitOfWork(tx, lane_of(prepared.locks, LOG_LANES))
            organisation = self._known_organisation(tx, professional)
            registration = self._register_in(tx, work, prepared, organisation, now)
            work.flush()
        return registration

    def _prepare(
        self,
        subject: Subject,
        professional: Professional,
        created_at: datetime,
        ends_on: date | None,
    ) -> _Prepared:
        if not isinstance(subject, Subject):
            raise InvalidRecordError("register() takes a Subject")
        if not isinstance(professional, Professional):
            raise InvalidRecordError("register() takes a Professional")
        age = check_registrable(subject, created_at, self.rules)
        ends = check_ends_on(created_at, ends_on, self.rules)
        key = self.keyring.pseudonym(subject.bsn)
        parents = tuple(sorted({self.keyring.pseudonym(p) for p in subject.parents}))
        locks = (key, *parents) if self.rules.family_match else (key,)
        return _Prepared(subject, professional, key, parents, age, created_at, ends, locks)

    def _known_organisation(self, tx: Transaction, professional: Professional) -> Organisation:
        organisation = tx.get_organisation(professional.organisation.id)
        if organisation is None:
            raise UnknownOrganisationError(
                f"organisation {professional.organisation.id!r} has not signed the agreement "
                "of this index (add_organisation)"
            )
        return organisation

    def _register_in(
        self,
        tx: Transaction,
        work: UnitOfWork,
        p: _Prepared,
        organisation: Organisation,
        now: datetime,
    ) -> Registration:
        professional = p.professional
        region = self._region_of(organisation.municipality_code)
        duty = region.policy.recipients(p.age)
        dossier = tx.load(p.key)
        record = self._subject_record(p, dossier)
        if dossier is None:
            dossier = Dossier(subject=record)
        else:
            for link in dossier.links:
                if link.professional == professional.id and is_current(link, now):
                    return Registration(
                        link=link,
                        match=dossier.match,
                        information_duty=duty_of(dossier, link.id, duty),
                        archive_hint=False,
                        created=False,
                    )
            dossier = attrs.evolve(dossier, subject=record)
        if tx.get_professional(professional.id) != professional:
            tx.put_professional(professional)

        link = Link(
            id=new_id(),
            subject=p.key,
            professional=professional.id,
            organisation=organisation.id,
            created_at=p.created_at,
            ends_on=p.ends_on,
        )
        archive_hint = False
        if professional.id not in dossier.hinted and any(
            not is_current(lk, now) for lk in dossier.links
        ):
            archive_hint = True
        hinted = dossier.hinted | {professional.id} if archive_hint else dossier.hinted
        dossier = attrs.evolve(
            dossier,
            links=(*dossier.links, link),
            hinted=hinted,
            duties=(
                *dossier.duties,
                InformationDuty(link.id, duty, information_due(p.created_at, self.rules)),
            ),
        )
        secret = record.log_secret
        work.log(now, actor(professional.id), LogAction.REGISTERED, secret=secret, link_id=link.id)
        if archive_hint:
            work.log(now, actor(professional.id), LogAction.HISTORY_LOOKUP, secret=secret)
        dossier, match = signals.rematch(self, tx, work, dossier, now, notify=True)
        tx.save(self._finish(dossier))
        if self.rules.family_match and p.parents:
            signals.family_signal(self, tx, work, dossier, link, now)
        return Registration(
            link=link, match=match, information_duty=duty, archive_hint=archive_hint, created=True
        )

    def _subject_record(self, p: _Prepared, dossier: Dossier | None) -> SubjectRecord:
        s = p.subject
        return SubjectRecord(
            key=p.key,
            key_id=self.keyring.current_id,
            name=s.name,
            gender=s.gender,
            birth_date=s.birth_date,
            address=s.address,
            log_secret=dossier.subject.log_secret if dossier is not None else new_log_secret(),
            parent_keys=p.parents,
            died_on=s.died_on,
        )

    # -- the dossier's dates ----------------------------------------------------------------------

    def _finish(self, dossier: Dossier) -> Dossier:
        """Recompute the days on which a sweep or an information check has work."""
        days: list[date] = [deletion_date(dossier.subject.birth_date, self.rules)]
        if dossier.subject.died_on is not None:
            days.append(dossier.subject.died_on)
        for link in dossier.links:
            if link.status is LinkStatus.ACTIVE:
                days.append(link.ends_on)
            elif link.archived_on is not None:
                days.append(archive_purge_date(link.archived_on, self.rules))
        informed = informed_by_link(dossier)
        active = {lk.id for lk in dossier.links if lk.status is LinkStatus.ACTIVE}
        pending = [
            duty.inform_by
            for duty in dossier.duties
            if duty.link_id in active and not duty.recipients <= informed.get(duty.link_id, set())
        ]
        return attrs.evolve(
            dossier, sweep_due=min(days), information_due=min(pending) if pending else None
        )

    # -- withdrawing -------------------------------------------------------------------------------

    def withdraw(self, link_id: str, *, by: Actor | str, reason: WithdrawalReason) -> Link | None:
        """Withdraw a link on one of the two statutory grounds (JW 7.1.4.5(1)).

        ``RISK_RESOLVED`` archives it (returned, archived); ``UNJUSTIFIED`` deletes it
        (returns ``None``). Only the professional who made the link may withdraw it.
        """
        if not isinstance(reason, WithdrawalReason):
            if isinstance(reason, str):
                raise ForbiddenFieldError(
                    "reason must be a WithdrawalReason (RISK_RESOLVED or UNJUSTIFIED); "
                    "free text is never stored",
                    field="reason",
                )
            raise InvalidRecordError("reason must be a WithdrawalReason")
        key = self._key_for_link(link_id)
        actor_id = self._professional(by, key=key, link_id=link_id)
        now = self._now()
        denied = False
        result: Link | None = None
        with self.store.transaction([key]) as tx:
            work = UnitOfWork(tx, lane_of([key], LOG_LANES))
            dossier = tx.load(key)
            link = find_link(dossier, link_id)
            assert dossier is not None
            secret = dossier.subject.log_secret
            if link.professional != actor_id:
                denied = True
                work.log(now, actor(actor_id), LogAction.DENIED, secret=secret, link_id=link_id)
            elif link.status is not LinkStatus.ACTIVE:
                raise NotFoundError(kind="active link", id=link_id)
            else:
                if disposition(withdrawal_event(reason)) is Disposition.DELETE:
                    links = tuple(lk for lk in dossier.links if lk.id != link_id)
                    duties = tuple(d for d in dossier.duties if d.link_id != link_id)
                    informed = tuple(r for r in dossier.informed if r.link_id != link_id)
                    dossier = attrs.evolve(dossier, links=links, duties=duties, informed=informed)
                else:
                    result = attrs.evolve(
                        link,
                        status=LinkStatus.ARCHIVED,
                        archived_on=local_date(now),
                        withdrawal_reason=reason,
                    )
                    dossier = attrs.evolve(
                        dossier,
                        links=tuple(result if lk.id == link_id else lk for lk in dossier.links),
                    )
                work.log(now, actor(actor_id), LogAction.WITHDRAWN, secret=secret, link_id=link_id)
                dossier, _ = signals.rematch(self, tx, work, dossier, now, notify=False)
                self._keep(tx, work, dossier)
            work.flush()
        if denied:
            raise AccessDeniedError("only the professional who made a link may withdraw it")
        return result

    def _key_for_link(self, link_id: str) -> str:
        return self._key_by("link", link_id, lambda tx, id: tx.key_for_link(id))

    def _key_for_match(self, match_id: str) -> str:
        return self._key_by("match", match_id, lambda tx, id: tx.key_for_match(id))

    def _key_by(self, kind: str, id: str, find: Callable[[Transaction, str], str | None]) -> str:
        """The pseudonym of the youth that link or match *id* belongs to."""
        if not isinstance(id, str):
            raise InvalidRecordError(f"a {kind} id is a string")
        with self.store.transaction() as tx:
            key = find(tx, id)
        if key is None:
            raise NotFoundError(kind=kind, id=id)
        return key

    # -- informing youth and parents (in information.py) ---------------------------------

    def record_informed(
        self,
        link_id: str,
        recipients: Iterable[Recipient],
        at: datetime,
        *,
        by: Actor | str | None = None,
    ) -> None:
        """Record that *recipients* were informed of link *link_id* at *at* (JW 7.1.5.1)."""
        information.record_informed(self, link_id, recipients, at, by=by)

    def overdue_information(self, now: datetime | None = None) -> list[OverdueInformation]:
        """Active links whose information duty was not met by its deadline (one month)."""
        return information.overdue_information(self, now)

    # -- matches --------------------------------------------------------------------------------

    def links_for(self, professional: Actor | str) -> list[Link]:
        """The professional's own links, active and archived."""
        pid = self._professional(professional)
        with self.store.transaction() as tx:
            dossiers = [tx.load(k) for k in tx.keys_for_professional(pid)]
        now = self._now()
        links = [
            as_of(lk, now)
            for d in dossiers
            if d is not None
            for lk in d.links
            if lk.professional == pid
        ]
        return sorted(links, key=lambda lk: (lk.created_at, lk.id))

    def matches_for(self, professional: Actor | str) -> list[Match]:
        """The matches the professional is part of."""
        pid = self._professional(professional)
        with self.store.transaction() as tx:
            found = tx.matches_for_professional(pid)
        matches = [m for m in found if pid in m.professionals]
        return sorted(matches, key=lambda m: (m.created_at, m.id))

    def set_lead(
        self,
        match_id: str,
        professional: Professional | str,
        *,
        by: Actor | str | None = None,
    ) -> Match:
        """Record which professional in the match takes the lead (regie)."""
        lead = professional_id(professional)

        def change(match: Match) -> Match:
            if lead not in match.professionals:
                raise InvalidRecordError("the lead must be a professional in the match")
            return attrs.evolve(match, lead=lead)

        return self._change_match(
            match_id, by if by is not None else lead, LogAction.LEAD_SET, change
        )

    def mark_coordinated(self, match_id: str, professional: Actor | str) -> Match:
        """Record that the professionals in the match have coordinated (contact made)."""
        return self._change_match(
            match_id,
            professional,
            LogAction.COORDINATED,
            lambda match: attrs.evolve(match, coordinated=True),
        )

    def _change_match(
        self, match_id: str, by: Actor | str, action: LogAction, change: Callable[[Match], Match]
    ) -> Match:
        now = self._now()
        key = self._key_for_match(match_id)
        actor_id = self._professional(by, key=key, match_id=match_id)
        denied = False
        with self.store.transaction([key]) as tx:
            work = UnitOfWork(tx, lane_of([key], LOG_LANES))
            dossier = tx.load(key)
            if dossier is None or dossier.match is None or dossier.match.id != match_id:
                raise NotFoundError(kind="match", id=match_id)
            secret = dossier.subject.log_secret
            match: Match = dossier.match
            if actor_id not in match.professionals:
                denied = True
                work.log(now, actor(actor_id), LogAction.DENIED, secret=secret, match_id=match_id)
            else:
                match = attrs.evolve(change(match), updated_at=now)
                tx.save(self._finish(attrs.evolve(dossier, match=match)))
                work.log(now, actor(actor_id), action, secret=secret, match_id=match_id)
            work.flush()
        if denied:
            raise AccessDeniedError("only a professional in the match may change it")
        return match

    def history(self, subject: Subject, professional: Actor | str) -> list[Link]:
        """The youth's archived links, for a professional holding an active link (logged)."""
        if not isinstance(subject, Subject):
            raise InvalidRecordError("history() takes a Subject")
        key = self.keyring.pseudonym(subject.bsn)
        pid = self._professional(professional, key=key)
        now = self._now()
        denied = False
        archived: list[Link] = []
        with self.store.transaction([key]) as tx:
            work = UnitOfWork(tx, lane_of([key], LOG_LANES))
            dossier = tx.load(key)
            secret = dossier.subject.log_secret if dossier is not None else None
            if dossier is None or not any(
                lk.professional == pid and is_current(lk, now) for lk in dossier.links
            ):
                denied = True
                work.log(now, actor(pid), LogAction.DENIED, secret=secret)
            else:
                archived = [as_of(lk, now) for lk in dossier.links if not is_current(lk, now)]
                work.log(now, actor(pid), LogAction.HISTORY_LOOKUP, secret=secret)
            work.flush()
        if denied:
            raise AccessDeniedError("history is only open to a professional with an active link")
        return archived

    # -- notices from the population register (in notices.py) -----------------------------

    def record_death(self, subject: Subject | Bsn, died_on: date) -> int:
        """A death notice: everything about the youth is deleted at once (JW 7.1.4.5(2)(c))."""
        return notices.record_death(self, subject, died_on)

    def record_move(self, subject: Subject) -> int:
        """A move notice: the new address; professionals and the new municipality are told."""
        return notices.record_move(self, subject)

    # -- the other roles (in oversight.py) ------------------------------------------------

    def follow_up_status(self, match_id: str, *, by: Actor | str) -> FollowUpStatus:
        """Whether contact was made, for the follow-up checker of the youth's municipality."""
        return oversight.follow_up_status(self, match_id, by=by)

    def organisation_contacts(self, *, by: Actor | str) -> list[Professional]:
        """The professionals of the coordinator's own organisation, with contact details."""
        return oversight.organisation_contacts(self, by=by)

    def organisation_signals(self, *, by: Actor | str) -> list[Notification]:
        """Pending match signals to the coordinator's own organisation's professionals."""
        return oversight.organisation_signals(self, by=by)

    # -- outbox ---------------------------------------------------------------------------------

    def pending_notifications(self, limit: int | None = None) -> list[Notification]:
        """Notifications written but not yet acknowledged, oldest first."""
        with self.store.transaction() as tx:
            return tx.pending_notifications(limit)

    def acknowledge(self, ids: Iterable[str]) -> int:
        """Mark notifications as delivered; returns how many were pending."""
        wanted = list(ids)
        if not all(isinstance(i, str) for i in wanted):
            raise InvalidRecordError("notification ids are strings")
        with self.store.transaction() as tx:
            return tx.acknowledge(wanted)

    # -- logbook -----------------------------------------------------------------------------------

    def verify_logbook(self) -> logbook.LogbookReport:
        """Check every hash chain of the logbook and the stored heads."""
        with self.store.transaction() as tx:
            return logbook.verify(tx.log_entries(), tx.log_heads())

    # -- sweep, import, re-keying (in their own modules) -------------------------------------

    def sweep(self, now: datetime | None = None) -> SweepReport:
        """Apply the lifecycle up to *now* (see :func:`verwijsindex.maintenance.sweep`)."""
        return maintenance.sweep(self, now)

    def _keep(self, tx: Transaction, work: UnitOfWork, dossier: Dossier) -> Dossier | None:
        """Save *dossier*, or delete it when no link is left: JW 7.1.4.3 allows the general
        data only as part of a link, so it goes with the last one. Returns what was saved."""
        if dossier.links:
            kept = self._finish(dossier)
            tx.save(kept)
            return kept
        self._delete_dossier(tx, work, dossier)
        return None

    def _delete_dossier(self, tx: Transaction, work: UnitOfWork, dossier: Dossier) -> None:
        """Delete everything about one youth: the dossier with its links, matches and archive,
        pending notifications, and the references that tie log entries to them."""
        secret = dossier.subject.log_secret
        tx.delete(dossier.key)
        tx.delete_notifications(dossier.key)
        tx.delete_log_refs(log_token(secret))
        work.forget(secret)

    def bulk_register(
        self, records: Iterable[ImportRecord | Mapping[str, Any]], *, batch_size: int | None = None
    ) -> ImportReport:
        """Import many links (see :func:`verwijsindex.importing.bulk_register`)."""
        return importing.bulk_register(self, records, batch_size=batch_size)

    def rekey(self, new_key: PseudonymKey) -> int:
        """Move every record to pseudonyms under *new_key* (see maintenance.rekey)."""
        return maintenance.rekey(self, new_key)
