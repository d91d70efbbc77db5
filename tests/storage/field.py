"""Field conditions for the store tests: registering systems whose clocks disagree.

In the field every registering system reads its own wall clock, and no two agree to the
millisecond: a registration that commits *later* can carry an *earlier* time than a link
already stored on the same youth. Whatever order the stamps come in, every youth with
active links from two or more organisations must end with one match holding every active
link, and every professional in it must have been told of all the others.

:func:`race` starts processes (``spawn``) with wall clocks skewed by up to two seconds
either way and lets them register the professionals of their own organisations on a few hot
youths, all released at once. :func:`register_out_of_order` is the same defect made
deterministic with three fixed clocks. :func:`check_field` inspects the store afterwards and
returns a :class:`FieldReport` naming every youth, professional and notification that is
wrong.
"""

from __future__ import annotations

import multiprocessing
import queue
import random
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from verwijsindex.clock import local_date
from verwijsindex.index import VerwijsIndex
from verwijsindex.model import (
    Link,
    LinkStatus,
    NotificationKind,
    Professional,
    Subject,
)
from verwijsindex.storage import Dossier, Store, open_store
from verwijsindex.testing import TEST_KEY, FixedClock, make_professional, make_subject

if TYPE_CHECKING:
    from multiprocessing.queues import Queue
    from multiprocessing.synchronize import Event

MUNICIPALITIES = ("Maastricht", "Heerlen", "Sittard-Geleen", "Kerkrade")
"""Where the organisations sit: all three regions of Zuid-Limburg, so matches cross them."""


def with_schema(postgres_url: str, schema: str) -> str:
    """A PostgreSQL store URL that names *schema* (see :func:`~verwijsindex.storage.open_store`)."""
    return f"{postgres_url}{'&' if '?' in postgres_url else '?'}schema={schema}"


def youths(count: int, today: date, first: int = 20_261_123) -> list[Subject]:
    """*count* youths with valid BSNs (elfproef), aged 4 to 15 on *today*."""
    out: list[Subject] = []
    n = first
    while len(out) < count:
        n += 1
        digits = [int(c) for c in f"{n:08d}"]
        check = sum((9 - i) * d for i, d in enumerate(digits)) % 11
        if check != 10:
            i = len(out)
            birth = date(today.year - 5 - i % 11, 1 + i % 12, 1 + i % 28)
            out.append(make_subject(bsn=f"{n:08d}{check}", birth_date=birth))
    return out


def skewed_clock(skew: timedelta) -> Callable[[], datetime]:
    """The wall clock of a system that is *skew* off (ahead when positive)."""
    return lambda: datetime.now(timezone.utc) + skew


# --- the race ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Field:
    """The racing setup: which process registers whom on which youth, with which clock.

    Process *n* reads a wall clock ``skews[n]`` seconds off and works for
    ``professionals_per_process`` professionals of ``organisations[n]`` organisations that
    no other process serves (professional *k* in organisation ``k % organisations[n]``; by
    default process 0, whose clock is furthest behind, is one organisation's system and the
    others serve two each). Each process registers every one of its professionals on every
    youth, in an order shuffled with ``seed``, and does that ``rounds`` times (the later
    rounds are repeats, which must change nothing). Before each registration it waits up to
    ``pause`` seconds, so the processes' work interleaves on every youth rather than one
    process happening to come last everywhere.
    """

    youths: int = 6
    skews: tuple[float, ...] = (-1.9, -0.6, 0.7, 1.9)
    organisations: tuple[int, ...] = (1, 2, 2, 2)
    professionals_per_process: int = 2
    rounds: int = 2
    pause: float = 0.02
    seed: int = 20_261_123

    def __post_init__(self) -> None:
        if len(set(self.skews)) != len(self.skews) or any(abs(s) > 2 for s in self.skews):
            raise ValueError("each process needs a skew of its own, within two seconds")
        if len(self.organisations) != len(self.skews) or min(self.organisations) < 1:
            raise ValueError("each process serves one organisation or more")

    @property
    def processes(self) -> int:
        return len(self.skews)

    def subjects(self) -> list[Subject]:
        return youths(self.youths, date.today())

    def professionals(self, process: int) -> list[Professional]:
        """The professionals process *process* registers, of its own organisations."""
        out: list[Professional] = []
        for k in range(self.professionals_per_process):
            o = k % self.organisations[process]
            out.append(
                make_professional(
                    id=f"w{process}p{k}",
                    organisation=f"Veldorganisatie {process}-{o}",
                    municipality=MUNICIPALITIES[(process + o) % len(MUNICIPALITIES)],
                )
            )
        return out

    def all_professionals(self) -> list[Professional]:
        return [p for n in range(self.processes) for p in self.professionals(n)]

    def work(self, process: int) -> list[tuple[float, Subject, Professional]]:
        """What process *process* registers, in the order it does so, each after a pause."""
        chance = random.Random(self.seed * 100 + process)
        pairs = [(s, p) for s in self.subjects() for p in self.professionals(process)]
        out: list[tuple[float, Subject, Professional]] = []
        for _ in range(self.rounds):
            chance.shuffle(pairs)
            out.extend((chance.uniform(0, self.pause), s, p) for s, p in pairs)
        return out

    def registered(self, index: VerwijsIndex) -> dict[str, list[str]]:
        """Storage key of each youth -> the professionals registered on them."""
        pids = [p.id for p in self.all_professionals()]
        return {index.keyring.pseudonym(s.number): pids for s in self.subjects()}


def prepare(url: str, plan: Field) -> None:
    """Every organisation of the race signs the agreement, before any process starts."""
    store = open_store(url)
    try:
        index = VerwijsIndex(store, key=TEST_KEY)
        for professional in plan.all_professionals():
            index.add_organisation(professional.organisation)
    finally:
        store.close()


def _racer(
    url: str,
    plan: Field,
    n: int,
    ready: Queue[int],
    start: Event,
    errors: Queue[str],
) -> None:
    store: Store | None = None
    try:
        try:
            store = open_store(url)
            skew = timedelta(seconds=plan.skews[n])
            index = VerwijsIndex(store, key=TEST_KEY, clock=skewed_clock(skew))
            work = plan.work(n)
        finally:
            ready.put(n)  # also after a failure, so the parent never waits in vain
        if not start.wait(60):
            raise TimeoutError("never released")
        for pause, subject, professional in work:
            time.sleep(pause)
            index.register(subject, professional)
    except BaseException as error:  # reported to the parent, which fails the test
        errors.put(f"process {n}: {error!r}")
    finally:
        if store is not None:
            store.close()


def race(url: str, plan: Field) -> list[str]:
    """Run the race on the store at *url*; return what went wrong in the processes.

    Each process opens the store and builds its index first; once all are ready they are
    released together with one event."""
    ctx = multiprocessing.get_context("spawn")
    ready: Queue[int] = ctx.Queue()
    errors: Queue[str] = ctx.Queue()
    start = ctx.Event()
    processes = [
        ctx.Process(target=_racer, args=(url, plan, n, ready, start, errors))
        for n in range(plan.processes)
    ]
    for p in processes:
        p.start()
    found: list[str] = []
    try:
        for _ in processes:
            ready.get(timeout=60)
    except queue.Empty:
        found.append("not every process got ready within 60 s")
    start.set()
    for p in processes:
        p.join(120)
        if p.is_alive():
            p.kill()
            p.join(10)
    while True:
        try:
            found.append(errors.get(timeout=0.1))
        except queue.Empty:
            break
    found.extend(f"exit code {p.exitcode}" for p in processes if p.exitcode != 0)
    return found


# --- the same defect, deterministic -------------------------------------------------------------

A_AT = datetime(2026, 11, 23, 21, 7, 17, 322_000, tzinfo=timezone.utc)
B_AT = datetime(2026, 11, 23, 21, 7, 17, 417_000, tzinfo=timezone.utc)
C_AT = datetime(2026, 11, 23, 21, 7, 17, 197_000, tzinfo=timezone.utc)
"""c's clock is behind: c registers last but is stamped before a and b."""


def out_of_order_cast() -> tuple[Subject, list[tuple[Professional, datetime]]]:
    """The youth, and a (org A), b (org B), c (org C) with the clock each registers by."""
    a = make_professional(id="a", organisation="Organisatie A", municipality="Maastricht")
    b = make_professional(id="b", organisation="Organisatie B", municipality="Heerlen")
    c = make_professional(id="c", organisation="Organisatie C", municipality="Maastricht")
    (youth,) = youths(1, A_AT.date(), first=11_122_233)
    return youth, [(a, A_AT), (b, B_AT), (c, C_AT)]


def register_out_of_order(store: Store) -> dict[str, list[str]]:
    """a, b, then c on one youth, each through an index of its own with a fixed clock;
    return the storage key of the youth -> the professionals registered."""
    youth, cast = out_of_order_cast()
    setup = VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(A_AT))
    for professional, _ in cast:
        setup.add_organisation(professional.organisation)
    for professional, at in cast:
        VerwijsIndex(store, key=TEST_KEY, clock=FixedClock(at)).register(youth, professional)
    return {setup.keyring.pseudonym(youth.number): [p.id for p, _ in cast]}


# --- what the store must look like afterwards ----------------------------------------------------


@dataclass
class FieldReport:
    """What :func:`check_field` found. ``problems`` maps a kind of fault to its instances."""

    youths: int
    links: int = 0
    late_stamps: int = 0
    """Links stamped earlier than a link stored before them on the same youth."""
    problems: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def add(self, kind: str, detail: str) -> None:
        self.problems.setdefault(kind, []).append(detail)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        lines = [
            f"{self.youths} youths, {self.links} links, {self.late_stamps} links stamped "
            "earlier than a link stored before them on the same youth"
        ]
        for kind, details in sorted(self.problems.items()):
            lines.append(f"{kind}: {len(details)}")
            lines.extend(f"    {d}" for d in details[:12])
            if len(details) > 12:
                lines.append(f"    ... and {len(details) - 12} more")
        return "\n".join(lines)


def _current(link: Link, at: datetime) -> bool:
    """Active by status and end date; *not* by comparing its stamp with anyone's clock."""
    return link.status is LinkStatus.ACTIVE and local_date(at) < link.ends_on


def _dossiers(store: Store) -> dict[str, Dossier | None]:
    with store.transaction() as tx:
        return {key: tx.load(key) for key in tx.keys(None, 1000)}


def check_field(
    index: VerwijsIndex, registered: Mapping[str, Sequence[str]], at: datetime
) -> FieldReport:
    """Check the store behind *index* after *registered* (youth key -> professionals) were
    all registered; links count as active by status and end date on the day of *at*.

    - each registered (youth, professional) pair has exactly one link, and no other exists;
    - every youth with active links from two or more organisations has one match holding
      every active link (and a youth without has none);
    - every professional with an active link on a matched youth has a MATCH notification
      of that match, and the last one in outbox order names all the others;
    - ``matches_for`` gives each professional exactly one match per youth they should be
      matched on, the stored one, and nothing else;
    - the logbook verifies.
    """
    labels = {key: f"Y{i + 1}" for i, key in enumerate(registered)}
    report = FieldReport(youths=len(registered))
    stored = _dossiers(index.store)
    should_match: dict[str, set[str]] = {}  # youth key -> professionals who should be in it

    for key in stored.keys() - registered.keys():
        report.add("unexpected dossier", key[:12])
    for key, pids in registered.items():
        label = labels[key]
        dossier = stored.get(key)
        links = dossier.links if dossier is not None else ()
        report.links += len(links)
        latest: datetime | None = None
        for link in links:
            if latest is not None and link.created_at < latest:
                report.late_stamps += 1
            latest = link.created_at if latest is None else max(latest, link.created_at)
        counts = Counter(lk.professional for lk in links)
        for pid in pids:
            if counts[pid] == 0:
                report.add("link lost", f"{label} {pid}")
            elif counts[pid] > 1:
                report.add("link duplicated", f"{label} {pid}: {counts[pid]} links")
        for pid in counts.keys() - set(pids):
            report.add("unexpected link", f"{label} {pid}")
        if dossier is None:
            continue
        active = [lk for lk in links if _current(lk, at)]
        members = {lk.professional for lk in active}
        match = dossier.match
        if len({lk.organisation for lk in active}) < 2:
            if match is not None:
                report.add("match without two organisations", label)
            continue
        should_match[key] = members
        if match is None:
            report.add("youth without a match", f"{label}: {len(active)} active links")
            continue
        held = set(match.links)
        if held != {lk.id for lk in active} or set(match.professionals) != members:
            missing = sorted(lk.professional for lk in active if lk.id not in held)
            report.add(
                "partial match",
                f"{label}: holds {len(held & {lk.id for lk in active})} of {len(active)} "
                f"active links; not in it: {', '.join(missing)}",
            )

    notes = index.pending_notifications()
    for key, members in should_match.items():
        dossier = stored[key]
        assert dossier is not None
        if dossier.match is None:
            continue
        match_id = dossier.match.id
        for pid in sorted(members):
            mine = [
                n
                for n in notes
                if n.kind is NotificationKind.MATCH
                and n.recipient == pid
                and n.match_id == match_id
            ]
            if not mine:
                report.add("not notified of the match", f"{labels[key]} {pid}")
                continue
            named = {c.professional_id for c in mine[-1].contacts}
            others = members - {pid}
            if named != others:
                report.add(
                    "last match notice incomplete",
                    f"{labels[key]} {pid}: names {len(named & others)} of {len(others)} others"
                    + (f", and {len(named - others)} not in the match" if named - others else ""),
                )

    for pid in sorted({p for pids in registered.values() for p in pids}):
        matches = index.matches_for(pid)
        found = Counter(m.subject for m in matches)
        by_id = {m.id: m for m in matches}
        for key, members in should_match.items():
            if pid not in members:
                continue
            dossier = stored[key]
            assert dossier is not None
            if found[key] != 1:
                report.add("matches_for", f"{pid}: {found[key]} matches on {labels[key]}")
            elif dossier.match is None or dossier.match.id not in by_id:
                report.add("matches_for", f"{pid}: not the stored match on {labels[key]}")
            elif by_id[dossier.match.id] != dossier.match:
                report.add("matches_for", f"{pid}: a stale copy of the match on {labels[key]}")
        for key in found.keys() - {k for k, m in should_match.items() if pid in m}:
            report.add("matches_for", f"{pid}: a match on {labels.get(key, key[:12])}")

    if not index.verify_logbook().ok:
        report.add("logbook", "does not verify")
    return report
