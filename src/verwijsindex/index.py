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
    KeyMismatchError,
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
    as_of,
    check_ends_on,
    check_registrable,
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
from verwijsindex.pseudonyms import Keyring, PseudonymKey, key_check, lane_of, new_log_secret
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
    Scrubbing,
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
    """A registration checked as far as it can be without the lock: the values, the
    pseudonyms, the locks. What depends on the moment is checked under the lock."""

    subject: Subject
    professional: Professional
    key: str
    parents: tuple[str, ...]
    ends_on: date | None
    created_at: datetime | None
    locks: tuple[str, ...]


_ATTEMPTS = 5
"""How often a registration is tried again when it finds siblings it has not locked."""


# --- the service ---------------------------------------------------------------------------------


class VerwijsIndex:
    """The verwijsindex on *store*, keyed by pseudonyms made with *key*.

    *clock* returns the current aware time (inject a :class:`~verwijsindex.testing.FixedClock`
    in tests and simulations); *rules*, *regions* and *match_rule* default to the statute and
    Zuid-Limburg.

    The key must fit the store: a store keeps, per key id, a check value proving the secret,
    and a key with a known id and another secret, or a keyring without the ids the store's
    records were made under, raises :class:`~verwijsindex.errors.KeyMismatchError` before
    anything is read or written.
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
        self._check_keys(self.keyring)

    def __repr__(self) -> str:
        return f"<VerwijsIndex store={self.store!r} rule={self.match_rule.value}>"

    def _check_keys(self, keyring: Keyring) -> None:
        """Refuse a keyring that does not fit the store; record the check values of its
        keys that the store does not know yet (decision 31)."""
        checks = {key.id: key_check(key) for key in keyring.keys}
        with self.store.transaction() as tx:
            stored = tx.key_checks()
            wrong = sorted(
                key_id for key_id, value in checks.items() if stored.get(key_id, value) != value
            )
            if wrong:
                raise KeyMismatchError(
                    f"key id {', '.join(repr(k) for k in wrong)} is known to this store with "
                    "another secret: the key given is not the one its records were made with",
                    key_ids=tuple(wrong),
                )
            unknown = sorted(set(stored) - set(checks))
            if unknown:
                raise KeyMismatchError(
                    f"this store holds records made under key id "
                    f"{', '.join(repr(k) for k in unknown)}, which the keyring does not hold",
                    key_ids=tuple(unknown),
                )
            for key_id, value in checks.items():
                if key_id not in stored:
                    tx.add_key_check(key_id, value)
            if not stored:
                self._adopt(tx, keyring)

    @staticmethod
    def _adopt(tx: Transaction, keyring: Keyring) -> None:
        """A store that has never seen a key (no check values and no seal at all: written by
        a release before seals) has its logbook heads and each youth's count of log
        references sealed as they stand: trust on first use (decision 31). A store with
        any seal is left alone: what does not fit stays for :meth:`verify_logbook`."""
        heads, seals = tx.log_heads(), tx.log_seals()
        youths = tx.log_audit().youths
        if any(seals.values()) or any(seal for _, _, _, seal, _ in youths):
            return
        unsealed = {
            lane: keyring.seal(logbook.head_message(lane, seq, hash_))
            for lane, (seq, hash_) in heads.items()
            if not keyring.check_seal(logbook.head_message(lane, seq, hash_), seals.get(lane))
        }
        if unsealed:
            tx.append_log([], [], unsealed)
        for key, token, logged, seal, found in youths:
            if keyring.check_seal(logbook.refs_message(token, logged), seal):
                continue
            dossier = tx.load(key)
            if dossier is not None:
                message = logbook.refs_message(token, found)
                tx.save(attrs.evolve(dossier, logged=found, log_seal=keyring.seal(message)))

    def _unit(self, tx: Transaction, locks: Sequence[str]) -> UnitOfWork:
        return UnitOfWork(
            tx,
            lane_of(locks, LOG_LANES),
            clock=self.clock,
            keyring=self.keyring,
            rules=self.rules,
        )

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
        locks = [key] if key is not None else []
        with self.store.transaction(locks) as tx:
            work = self._unit(tx, locks)
            dossier = work.load(key) if key is not None else None
            now = work.stamp(dossier)
            work.log(
                now,
                actor_name(actor),
                LogAction.DENIED,
                about=dossier,
                link_id=link_id if dossier is not None else None,
                match_id=match_id if dossier is not None else None,
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
        library error, and nothing is written. The link is stamped with a moment read while
        the youth's lock is held, never earlier than the youth's latest stored change.
        """
        refuse_extra(extra)
        if not isinstance(professional, Professional):
            key = self.keyring.pseudonym(subject.bsn) if isinstance(subject, Subject) else None
            self._professional(professional, key=key)  # refuses and logs any other role
            raise InvalidRecordError("register() takes a Professional")
        prepared = self._prepare(subject, professional, ends_on, None)
        siblings: frozenset[str] = frozenset()
        for _ in range(_ATTEMPTS):
            locks = tuple(sorted({*prepared.locks, *siblings}))
            try:
                with self.store.transaction(locks) as tx:
                    work = self._unit(tx, locks)
                    organisation = self._known_organisation(tx, professional)
                    registration = self._register_in(work, prepared, organisation, locks)
                    work.flush()
            except signals.LockSiblings as more:
                siblings = siblings | more.keys
                continue
            return registration
        raise ConfigurationError(  # pragma: no cover - only when siblings keep appearing
            "the youth's family kept changing while registering; try again"
        )

    def _prepare(
        self,
        subject: Subject,
        professional: Professional,
        ends_on: date | None,
        created_at: datetime | None,
    ) -> _Prepared:
        if not isinstance(subject, Subject):
            raise InvalidRecordError("register() takes a Subject")
        if not isinstance(professional, Professional):
            raise InvalidRecordError("register() takes a Professional")
        if ends_on is not None and (not isinstance(ends_on, date) or isinstance(ends_on, datetime)):
            raise InvalidRecordError("ends_on must be a date")
        key = self.keyring.pseudonym(subject.bsn)
        parents = tuple(sorted({self.keyring.pseudonym(p) for p in subject.parents}))
        locks = (key, *parents) if self.rules.family_match else (key,)
        return _Prepared(subject, professional, key, parents, ends_on, created_at, locks)

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
        work: UnitOfWork,
        p: _Prepared,
        organisation: Organisation,
        locks: Sequence[str],
    ) -> Registration:
        professional = p.professional
        tx = work.tx
        dossier = work.load(p.key)
        now = work.stamp(dossier)
        created_at = now
        if p.created_at is not None:  # a historical link, imported
            created_at = p.created_at
            if created_at > now:
                raise InvalidRecordError("created_at lies in the future")
        age = check_registrable(p.subject, created_at, self.rules)
        if created_at < now:
            check_registrable(p.subject, now, self.rules)
        ends_on = check_ends_on(created_at, p.ends_on, self.rules)
        if ends_on <= local_date(now):
            raise InvalidRecordError("the link ended before the import; nothing to keep")
        region = self._region_of(organisation.municipality_code)
        duty = region.policy.recipients(age)
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
            created_at=created_at,
            ends_on=ends_on,
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
                InformationDuty(link.id, duty, information_due(created_at, self.rules)),
            ),
        )
        work.log(now, actor(professional.id), LogAction.REGISTERED, about=dossier, link_id=link.id)
        if archive_hint:
            work.log(now, actor(professional.id), LogAction.HISTORY_LOOKUP, about=dossier)
        dossier, match = signals.rematch(self, work, dossier, now, notify=True)
        work.save(dossier)
        if self.rules.family_match and p.parents:
            signals.family_signal(self, work, dossier, link, now, frozenset(locks))
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
        denied = False
        result: Link | None = None
        deleted = False
        with self.store.transaction([key]) as tx:
            work = self._unit(tx, [key])
            dossier = work.load(key)
            link = find_link(dossier, link_id)
            assert dossier is not None
            now = work.stamp(dossier)
            if link.professional != actor_id:
                denied = True
                work.log(now, actor(actor_id), LogAction.DENIED, about=dossier, link_id=link_id)
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
                work.log(now, actor(actor_id), LogAction.WITHDRAWN, about=dossier, link_id=link_id)
                dossier, _ = signals.rematch(self, work, dossier, now, notify=False)
                deleted = not self._keep(work, dossier)
            work.flush()
        if denied:
            raise AccessDeniedError("only the professional who made a link may withdraw it")
        if deleted:
            self._scrub()
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
        key = self._key_for_match(match_id)
        actor_id = self._professional(by, key=key, match_id=match_id)
        denied = False
        with self.store.transaction([key]) as tx:
            work = self._unit(tx, [key])
            dossier = work.load(key)
            if dossier is None or dossier.match is None or dossier.match.id != match_id:
                raise NotFoundError(kind="match", id=match_id)
            now = work.stamp(dossier)
            match: Match = dossier.match
            if actor_id not in match.professionals:
                denied = True
                work.log(now, actor(actor_id), LogAction.DENIED, about=dossier, match_id=match_id)
            else:
                match = attrs.evolve(change(match), updated_at=now)
                dossier = attrs.evolve(dossier, match=match)
                work.save(dossier)
                work.log(now, actor(actor_id), action, about=dossier, match_id=match_id)
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
        denied = False
        archived: list[Link] = []
        with self.store.transaction([key]) as tx:
            work = self._unit(tx, [key])
            dossier = work.load(key)
            now = work.stamp(dossier)
            if dossier is None or not any(
                lk.professional == pid and is_current(lk, now) for lk in dossier.links
            ):
                denied = True
                work.log(now, actor(pid), LogAction.DENIED, about=dossier)
            else:
                archived = [as_of(lk, now) for lk in dossier.links if not is_current(lk, now)]
                work.log(now, actor(pid), LogAction.HISTORY_LOOKUP, about=dossier)
            work.flush()
        if denied:
            raise AccessDeniedError("history is only open to a professional with an active link")
        return archived

    # -- notices from the population register (in notices.py) -----------------------------

    def record_death(self, subject: Subject | Bsn, died_on: date) -> int:
        """A death notice: everything about the youth is deleted at once (JW 7.1.4.5(2)(c)).

        A death after today (Europe/Amsterdam) or before the birth date cannot be true:
        :class:`~verwijsindex.errors.InvalidNoticeError`, and nothing changes."""
        return notices.record_death(self, subject, died_on)

    def record_move(self, subject: Subject) -> int:
        """A move notice: the new address; the professionals with active links are told, and
        the new municipality's (and region's) coordinator when those changed."""
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

    def logbook_anchor(self) -> dict[str, Any]:
        """A small value to keep outside the database: each lane's last sequence number and
        hash now. :meth:`verify_logbook` with it reports any entry at or before it that is
        missing or changed, even by someone who holds the key."""
        with self.store.transaction() as tx:
            heads = tx.log_heads()
        return logbook.make_anchor(heads, self._now())

    def verify_logbook(
        self, anchor: Mapping[str, Any] | str | None = None
    ) -> logbook.LogbookReport:
        """Check every hash chain of the logbook, the sealed heads, each youth's sealed count
        of references to their entries, and, given an *anchor*, that nothing at or before it
        is missing or changed."""
        anchored = logbook.read_anchor(anchor) if anchor is not None else None
        with self.store.transaction() as tx:
            heads = tx.log_heads()
            report = logbook.verify(tx.log_entries(), heads, anchor=anchored)
            seals = tx.log_seals()
            audit = tx.log_audit()
        problems = list(report.problems)
        problems += logbook.check_seals(heads, seals, self.keyring)
        problems += logbook.check_refs(audit, self.keyring)
        return attrs.evolve(report, ok=not problems, problems=tuple(problems))

    # -- sweep, import, re-keying (in their own modules) -------------------------------------

    def sweep(self, now: datetime | None = None) -> SweepReport:
        """Apply the lifecycle up to *now* (see :func:`verwijsindex.maintenance.sweep`)."""
        return maintenance.sweep(self, now)

    def _keep(self, work: UnitOfWork, dossier: Dossier) -> bool:
        """Save *dossier*, or delete it when no link is left: JW 7.1.4.3 allows the general
        data only as part of a link, so it goes with the last one. Returns whether it was
        kept."""
        if dossier.links:
            work.save(dossier)
            return True
        work.delete(dossier)
        return False

    def _scrub(self) -> None:
        """Make data deleted by the last transaction unreadable from the store's files."""
        if isinstance(self.store, Scrubbing):
            self.store.scrub()

    def bulk_register(
        self, records: Iterable[ImportRecord | Mapping[str, Any]], *, batch_size: int | None = None
    ) -> ImportReport:
        """Import many links (see :func:`verwijsindex.importing.bulk_register`)."""
        return importing.bulk_register(self, records, batch_size=batch_size)

    def rekey(self, new_key: PseudonymKey) -> int:
        """Move every record to pseudonyms under *new_key* (see maintenance.rekey)."""
        return maintenance.rekey(self, new_key)
