"""The irreducible work of a registration on the memory store, counted, then done alone.

A counting pass registers a sample through the library with its HMACs, log-entry hashes
and random draws counted (the functions wrapped for that pass only). The baseline then
does exactly that many of each per registration, plus one dict write per stored row (the
dossier, each log entry, each notification), with nothing else: no rule, no model, no
validation. The library's single registrations are measured beside it, collector on.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from benchmarks._backends import Settings, index_on
from benchmarks._common import add_organisations
from benchmarks._data import make_world, registrations
from benchmarks._report import Figure, emit, settle, time_each
from verwijsindex import logbook, pseudonyms
from verwijsindex.storage import MemoryStore

__all__ = ["run"]

_SIZES = (300, 20_000)
_SAMPLE = (100, 2_000)


@contextmanager
def _counting(counts: dict[str, int]) -> Iterator[None]:
    """Count the HMACs (pseudonyms, tokens, sealed ids and seals), the log-entry hashes and
    the random draws made inside the block (a seal or the check of one counts as one HMAC:
    the ring keeps its keyed MAC, so the methods are counted, not the MAC)."""
    keyed, digest, urandom = pseudonyms._keyed, logbook._digest, os.urandom
    seal, check_seal = pseudonyms.Keyring.seal, pseudonyms.Keyring.check_seal
    one_shot = hmac.digest  # a log token (pseudonyms.log_token), a sealing key made once

    def counted(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            counts[name] = counts.get(name, 0) + 1
            return function(*args, **kwargs)

        return call

    def counting_keyed(secret: bytes) -> Callable[[bytes], bytes]:
        return counted("hmac", keyed(secret))

    pseudonyms._keyed = counting_keyed  # type: ignore[assignment]
    pseudonyms.Keyring.seal = counted("hmac", seal)  # type: ignore[method-assign]
    pseudonyms.Keyring.check_seal = counted("hmac", check_seal)  # type: ignore[method-assign]
    hmac.digest = counted("hmac", one_shot)
    logbook._digest = counted("hash", digest)
    os.urandom = counted("random", urandom)
    try:
        yield
    finally:
        pseudonyms._keyed, logbook._digest = keyed, digest
        pseudonyms.Keyring.seal, pseudonyms.Keyring.check_seal = seal, check_seal  # type: ignore[method-assign]
        hmac.digest = one_shot
        os.urandom = urandom


def run(settings: Settings, backend: str) -> None:
    n, sample = settings.size(*_SIZES), settings.size(*_SAMPLE)
    world = make_world(professionals=1_000, organisations=100)
    regs = registrations(world, n + sample, bsn_start=10_000_000, seed=11)

    store = MemoryStore()
    add_organisations(store, world)
    index = index_on(store)
    counts: dict[str, int] = {}
    with _counting(counts):
        for r in regs[:sample]:
            index.register(r.subject, r.professional)
    with store.transaction() as tx:
        rows = sum(seq for seq, _ in tx.log_heads().values()) + len(tx.pending_notifications(None))
    per = {name: counts.get(name, 0) / sample for name in ("hmac", "hash", "random")}
    per["rows"] = rows / sample + 1  # and the dossier
    settle()
    ours = time_each(regs[sample:], lambda r: index.register(r.subject, r.professional))

    keyed, payload = hmac.new(os.urandom(32), digestmod="sha256"), b"x" * 200
    table: dict[tuple[float, int], bytes] = {}
    whole = {name: int(value) for name, value in per.items()}
    extra = {name: value - whole[name] for name, value in per.items()}
    done = [0.0]

    def irreducible(_: object) -> None:
        done[0] += 1
        for name, value in extra.items():  # the fractions, spread over the registrations
            whole_now = int(done[0] * value) - int((done[0] - 1) * value)
            count = whole[name] + whole_now
            if name == "hmac":
                for _ in range(count):  # from a state keyed once, as the library does
                    mac = keyed.copy()
                    mac.update(payload)
                    mac.digest()
            elif name == "hash":
                prev = b""
                for _ in range(count):
                    prev = hashlib.sha256(prev + payload).digest()
            elif name == "random":
                for _ in range(count):
                    os.urandom(16).hex()
            else:
                for i in range(count):
                    table[(done[0], i)] = payload

    settle()
    base = time_each(regs[sample:], irreducible)
    note = ", ".join(f"{value:.1f} {name}" for name, value in per.items()) + " a registration"
    emit(Figure("register.irreducible", backend, n, ours, base, note))
