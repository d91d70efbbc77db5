"""Pseudonyms (pseudoniemen): how a BSN becomes a storage key, and a youth a log reference.

Stores key a youth by ``HMAC-SHA-256(secret, b"verwijsindex:bsn:v1:" + nine ASCII
digits)``, written as 64 hex digits, so a copied database cannot be joined to a list of
BSNs without the secret. Re-keying applies a further HMAC step with the new key over the
old pseudonym, so no BSN is needed to re-key and the old key alone no longer links.

>>> key = PseudonymKey("2026-1", b"0" * 32)
>>> key
PseudonymKey(id='2026-1', secret=<hidden>)
>>> from verwijsindex.model import parse_bsn
>>> Keyring([key]).pseudonym(parse_bsn("111222333"))[:16]
'1d071725eea602d3'
>>> PseudonymKey("short", b"too short")
Traceback (most recent call last):
    ...
verwijsindex.errors.ConfigurationError: a pseudonym key's secret must be at least 32 bytes
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable, Sequence

import attrs

from verwijsindex.errors import ConfigurationError
from verwijsindex.model import Bsn
from verwijsindex.service_number import ServiceNumber

__all__ = [
    "Keyring",
    "PseudonymKey",
    "entry_ref",
    "entry_seals",
    "forget_secrets",
    "key_check",
    "lane_of",
    "log_token",
    "new_log_secret",
    "seal_id",
    "seal_link_id",
    "unseal_id",
]

_BSN_DOMAIN = b"verwijsindex:bsn:v1:"
_VSN_DOMAIN = b"verwijsindex:vsn:v1:"
_ADDRESS_DOMAIN = b"verwijsindex:address:v1:"
_REKEY_DOMAIN = b"verwijsindex:rekey:v1:"
_TOKEN_DOMAIN = b"verwijsindex:log-token:v1"
_ENTRY_DOMAIN = b"verwijsindex:log-entry:v1:"
_CHECK_DOMAIN = b"verwijsindex:key-check:v1:"
_SEAL_DOMAIN = b"verwijsindex:seal-key:v1"
_ID_DOMAIN = b"verwijsindex:log-id:v1:"
_LINK_ID_DOMAIN = b"verwijsindex:log-link-id:v1:"
_SEALED = "~"
"""The first character of a sealed id; no identifier the library accepts starts with it."""
_SEALED_LINK = "^"
"""The first character of a link id sealed with a keystream of its own (decision 125): an
entry that names a link and a match never seals the two with one keystream, whose XOR
would give away one id to whoever knows the other. No identifier starts with it either."""


def _check_secret(_: object, __: attrs.Attribute[bytes], value: bytes) -> None:
    if not isinstance(value, bytes) or len(value) < 32:
        raise ConfigurationError("a pseudonym key's secret must be at least 32 bytes")


def _check_id(_: object, __: attrs.Attribute[str], value: str) -> None:
    if not isinstance(value, str) or not value or len(value) > 64 or not value.isprintable():
        raise ConfigurationError("a pseudonym key id must be 1 to 64 printable characters")


@attrs.frozen(repr=False)
class PseudonymKey:
    """A secret for pseudonyms and the id stored beside every pseudonym it made."""

    id: str = attrs.field(validator=_check_id)
    secret: bytes = attrs.field(validator=_check_secret)

    def __repr__(self) -> str:
        return f"PseudonymKey(id={self.id!r}, secret=<hidden>)"

    @classmethod
    def generate(cls, id: str) -> PseudonymKey:
        """A new random key (32 bytes from :mod:`secrets`)."""
        return cls(id, secrets.token_bytes(32))


def key_check(key: PseudonymKey) -> str:
    """The check value a store keeps for *key*: proves which secret was used under this id.

    An HMAC of a fixed message under the secret: nothing from which the secret follows.

    >>> key_check(PseudonymKey("2026-1", b"0" * 32))[:16]
    '...'
    """
    return _hmac(key.secret, _CHECK_DOMAIN + key.id.encode("utf-8"))


class Keyring:
    """The keys in the order they were introduced; pseudonyms are made with all of them.

    With keys ``k1, k2`` a pseudonym is ``HMAC(k2, rekey-domain + HMAC(k1, bsn-domain +
    bsn))``. :meth:`VerwijsIndex.rekey <verwijsindex.index.VerwijsIndex.rekey>` moves
    stored records from one ring to the next.
    """

    def __init__(self, keys: Iterable[PseudonymKey]) -> None:
        if isinstance(keys, str | bytes) or not isinstance(keys, Iterable):
            raise ConfigurationError("a keyring holds PseudonymKeys, oldest first")
        self.keys: tuple[PseudonymKey, ...] = tuple(keys)
        if not self.keys or not all(isinstance(k, PseudonymKey) for k in self.keys):
            raise ConfigurationError("the index needs at least one PseudonymKey")
        for key in self.keys:
            attrs.validate(key)  # also a key changed after it was made
        if len({k.id for k in self.keys}) != len(self.keys):
            raise ConfigurationError("pseudonym key ids must be unique")

    def __repr__(self) -> str:
        return f"Keyring({[k.id for k in self.keys]!r})"

    @classmethod
    def of(cls, key: PseudonymKey | Keyring | Iterable[PseudonymKey] | None) -> Keyring:
        """A ring from one key, a ring, or keys oldest first; ``None`` is refused."""
        if key is None:
            raise ConfigurationError(
                "the index needs a pseudonym key: VerwijsIndex(store, key=PseudonymKey(...))"
            )
        if isinstance(key, Keyring):
            return key
        return cls([key] if isinstance(key, PseudonymKey) else key)

    @property
    def current_id(self) -> str:
        return self.keys[-1].id

    def pseudonym(self, number: Bsn | ServiceNumber) -> str:
        """The storage key of the youth with *number* (a BSN, or the service number of a
        youth without one) under every key of the ring. The two kinds have domains of their
        own, so a service number never meets a BSN's pseudonym."""
        domain = _BSN_DOMAIN if isinstance(number, Bsn) else _VSN_DOMAIN
        value = _hmac(self.keys[0].secret, domain + number.value.encode("ascii"))
        for key in self.keys[1:]:
            value = rekey(value, key)
        return value

    def address_pseudonym(self, dwelling: str) -> str:
        """The pseudonym of a dwelling (:attr:`Address.dwelling`), for the address match:
        like a youth's, made under every key of the ring, so re-keying chains it on."""
        value = _hmac(self.keys[0].secret, _ADDRESS_DOMAIN + dwelling.encode("utf-8"))
        for key in self.keys[1:]:
            value = rekey(value, key)
        return value

    def extended(self, key: PseudonymKey) -> Keyring:
        """A ring with *key* added as the newest."""
        return Keyring([*self.keys, key])

    def seal(self, message: str) -> str:
        """A seal over *message* under the newest key: ``key id:HMAC``. Only the holder of
        the key can make one; :meth:`check_seal` tells whether a seal fits a message."""
        key = self.keys[-1]
        return f"{key.id}:{_seal_mac(key)(message.encode('utf-8')).hex()}"

    def check_seal(self, message: str, seal: object) -> bool:
        """Whether *seal* was made over *message* by a key of this ring."""
        if not isinstance(seal, str):
            return False
        key_id, _, mac = seal.rpartition(":")
        if not mac.isascii():  # compare_digest refuses other text: a tampered seal, no fit
            return False
        for key in self.keys:
            if key.id == key_id:
                return hmac.compare_digest(_seal_mac(key)(message.encode("utf-8")).hex(), mac)
        return False


def rekey(pseudonym: str, key: PseudonymKey) -> str:
    """One further HMAC step: the pseudonym under a ring extended with *key*."""
    return _hmac(key.secret, _REKEY_DOMAIN + pseudonym.encode("ascii"))


def _hmac(secret: bytes, message: bytes) -> str:
    return _keyed(secret)(message).hex()


_INNER_PAD = bytes(x ^ 0x36 for x in range(256))
_OUTER_PAD = bytes(x ^ 0x5C for x in range(256))


def _mac_under(secret: bytes) -> Callable[[bytes], bytes]:
    """HMAC-SHA-256 under *secret* (RFC 2104), with the two padded key blocks hashed once.

    :func:`hmac.digest` keys a fresh state on every call; here a MAC costs two copies of
    states keyed beforehand, about a third of the time, with the same output (the tests
    compare the two on random keys and messages, long keys included).
    """
    if len(secret) > 64:  # the block size: a longer key is hashed first, as RFC 2104 says
        secret = hashlib.sha256(secret).digest()
    block = secret.ljust(64, b"\0")
    inner_state = hashlib.sha256(block.translate(_INNER_PAD))
    outer_state = hashlib.sha256(block.translate(_OUTER_PAD))

    def mac(message: bytes) -> bytes:
        inner = inner_state.copy()
        inner.update(message)
        outer = outer_state.copy()
        outer.update(inner.digest())
        return outer.digest()

    return mac


_keyed = functools.lru_cache(maxsize=1 << 12)(_mac_under)
""":func:`_mac_under`, kept for the 4,096 secrets used last (a youth's log secret serves
several log entries of a registration)."""


def _seal_key(key: PseudonymKey) -> bytes:
    """The key a seal of *key* is made under."""
    return hmac.digest(key.secret, _SEAL_DOMAIN, "sha256")


@functools.lru_cache(maxsize=64)
def _seal_mac(key: PseudonymKey) -> Callable[[bytes], bytes]:
    """The MAC of *key*'s seals, keyed once: a seal, and the check of one (a re-key checks
    every dossier's), then costs two copies of keyed states. Not among :func:`_keyed`'s
    entries, which :func:`forget_secrets` empties and every new youth's secret pushes on."""
    return _mac_under(_seal_key(key))


def forget_secrets() -> None:
    """Empty the caches of keyed HMAC states and log tokens, which hold youths' log secrets:
    called when a youth's data is deleted, so that the secret erasure destroys does not
    stay in this process's memory either (decision 66)."""
    _keyed.cache_clear()
    log_token.cache_clear()


def new_log_secret() -> str:
    """A fresh per-youth logbook secret (32 random bytes, hex)."""
    return secrets.token_hex(32)


@functools.lru_cache(maxsize=1 << 14)
def log_token(log_secret: str) -> str:
    """The youth's logbook token: the key under which their entries are found."""
    # one MAC under this secret: hmac.digest keys it in C, where _keyed would hash both
    # padded blocks in Python first and file them (a re-key reads every youth's once)
    return hmac.digest(bytes.fromhex(log_secret), _TOKEN_DOMAIN, "sha256").hex()


def entry_ref(log_secret: str, entry_id: str) -> str:
    """The reference one log entry carries: unlinkable to others without the secret."""
    return _hmac(bytes.fromhex(log_secret), _ENTRY_DOMAIN + entry_id.encode("ascii"))[:32]


def seal_id(log_secret: str, entry_id: str, value: str) -> str:
    """*value* (a link or match id in a log entry about a youth) sealed under the youth's
    logbook secret: readable with the secret, unreadable and unlinkable once it is
    destroyed. The keystream is HMAC-SHA-256 of the entry's id, unique per entry.

    >>> secret = "00" * 32
    >>> sealed = seal_id(secret, "e1", "link-1")
    >>> sealed.startswith("~"), unseal_id(secret, "e1", sealed)
    (True, 'link-1')
    """
    data = value.encode("utf-8")
    return _SEALED + _xor(data, _keystream(log_secret, entry_id, len(data))).hex()


def seal_link_id(log_secret: str, entry_id: str, value: str) -> str:
    """*value*, a link id in a log entry about a youth, sealed as :func:`seal_id` seals,
    with a keystream of its own: the entry's match id, sealed by :func:`seal_id`, shares
    none of it (decision 125).

    >>> secret = "00" * 32
    >>> sealed = seal_link_id(secret, "e1", "link-1")
    >>> sealed.startswith("^"), unseal_id(secret, "e1", sealed)
    (True, 'link-1')
    >>> sealed[1:] != seal_id(secret, "e1", "link-1")[1:]
    True
    """
    data = value.encode("utf-8")
    return (
        _SEALED_LINK
        + _xor(data, _keystream(log_secret, entry_id, len(data), _LINK_ID_DOMAIN)).hex()
    )


def unseal_id(log_secret: str, entry_id: str, value: str) -> str:
    """The id that :func:`seal_id` or :func:`seal_link_id` sealed (a value that is not
    sealed is returned as is)."""
    if value.startswith(_SEALED):
        domain = _ID_DOMAIN
    elif value.startswith(_SEALED_LINK):
        domain = _LINK_ID_DOMAIN
    else:
        return value
    data = bytes.fromhex(value[1:])
    return _xor(data, _keystream(log_secret, entry_id, len(data), domain)).decode(
        "utf-8", "replace"
    )


def _xor(data: bytes, stream: bytes) -> bytes:
    """*data* XOR *stream* (of one length), as whole numbers: one operation, not a byte
    at a time."""
    size = len(data)
    mixed = int.from_bytes(data, "big") ^ int.from_bytes(stream, "big")
    return mixed.to_bytes(size, "big")


def entry_seals(
    log_secret: str, entry_id: str, link_id: str | None, match_id: str | None
) -> tuple[str, str | None, str | None]:
    """``entry_ref(log_secret, entry_id)``, *link_id* sealed by :func:`seal_link_id` and
    *match_id* by :func:`seal_id`, each unless it is ``None``: what a log entry about a
    youth carries, with the youth's key made ready once for the three (a registration
    logs a few entries)."""
    mac = _keyed(bytes.fromhex(log_secret))
    ref = mac(_ENTRY_DOMAIN + entry_id.encode("ascii"))[:16].hex()  # the first 32 hex digits
    if link_id is not None:
        data = link_id.encode("utf-8")
        link_id = (
            _SEALED_LINK + _xor(data, _stream(mac, entry_id, len(data), _LINK_ID_DOMAIN)).hex()
        )
    if match_id is not None:
        data = match_id.encode("utf-8")
        match_id = _SEALED + _xor(data, _stream(mac, entry_id, len(data))).hex()
    return ref, link_id, match_id


def _keystream(log_secret: str, entry_id: str, size: int, domain: bytes = _ID_DOMAIN) -> bytes:
    return _stream(_keyed(bytes.fromhex(log_secret)), entry_id, size, domain)


def _stream(
    mac: Callable[[bytes], bytes], entry_id: str, size: int, domain: bytes = _ID_DOMAIN
) -> bytes:
    prefix = domain + entry_id.encode("utf-8") + b":"
    if size <= 32:  # one block, as for every id the library makes: no list to join
        return mac(prefix + b"0")[:size]
    blocks = [mac(prefix + str(n).encode("ascii")) for n in range(-(-size // 32))]
    return b"".join(blocks)[:size]


def lane_of(keys: Sequence[str], lanes: int) -> int:
    """The logbook lane of a transaction that works on *keys* (the first one decides)."""
    if not keys:
        return 0
    return int(keys[0][:8], 16) % lanes
