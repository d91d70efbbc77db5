"""Pseudonyms: the pinned encoding, the keyring, log tokens."""

from __future__ import annotations

import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from verwijsindex.errors import ConfigurationError
from verwijsindex.model import parse_bsn
from verwijsindex.pseudonyms import (
    Keyring,
    PseudonymKey,
    _keyed,
    entry_ref,
    lane_of,
    log_token,
    new_log_secret,
    rekey,
    seal_id,
    seal_link_id,
    unseal_id,
)

SECRET = bytes(range(32))


# HMAC-SHA-256(key = bytes 00..1f, message = b"verwijsindex:bsn:v1:111222333"), pinned: a change
# of this value means every stored pseudonym would silently stop matching.
KNOWN = "019e9c45c24e03eaf10049bb76921293bcc32d437b7124064ef68cc361f6836b"


def test_known_answer_pins_the_encoding() -> None:
    assert Keyring([PseudonymKey("k1", SECRET)]).pseudonym(parse_bsn("111222333")) == KNOWN
    assert Keyring([PseudonymKey("k1", SECRET)]).pseudonym(parse_bsn("1112.22.333")) == KNOWN


def test_eight_and_nine_digit_forms_share_a_pseudonym() -> None:
    ring = Keyring([PseudonymKey("k1", SECRET)])
    assert ring.pseudonym(parse_bsn("10000008")) == ring.pseudonym(parse_bsn("010000008"))


def test_different_keys_give_unrelated_pseudonyms() -> None:
    bsn = parse_bsn("111222333")
    a = Keyring([PseudonymKey("a", SECRET)]).pseudonym(bsn)
    b = Keyring([PseudonymKey("b", bytes(32))]).pseudonym(bsn)
    assert a != b and len(a) == len(b) == 64


def test_a_ring_chains_keys() -> None:
    k1, k2 = PseudonymKey("k1", SECRET), PseudonymKey("k2", bytes(32))
    bsn = parse_bsn("111222333")
    one = Keyring([k1]).pseudonym(bsn)
    assert Keyring([k1, k2]).pseudonym(bsn) == rekey(one, k2)
    assert Keyring([k1]).extended(k2).current_id == "k2"


def test_key_checks() -> None:
    with pytest.raises(ConfigurationError):
        PseudonymKey("k", b"short")
    with pytest.raises(ConfigurationError):
        PseudonymKey("", SECRET)
    with pytest.raises(ConfigurationError):
        Keyring([])
    with pytest.raises(ConfigurationError):
        Keyring([PseudonymKey("k", SECRET), PseudonymKey("k", bytes(32))])
    assert "secret" not in repr(PseudonymKey("k", SECRET)).replace("secret=<hidden>", "")
    assert len(PseudonymKey.generate("new").secret) == 32


def test_log_tokens_and_entry_refs() -> None:
    secret = new_log_secret()
    assert len(secret) == 64 and secret != new_log_secret()
    assert log_token(secret) == log_token(secret) != log_token(new_log_secret())
    assert entry_ref(secret, "e1") != entry_ref(secret, "e2")
    assert len(entry_ref(secret, "e1")) == 32


def test_lanes() -> None:
    assert lane_of([], 16) == 0
    assert lane_of(["ff000000aa"], 16) == 0xFF000000 % 16
    assert all(0 <= lane_of([f"{i:08x}"], 16) < 16 for i in range(0, 2**32, 2**27))


@given(secret=st.binary(max_size=200), message=st.binary(max_size=300))
def test_the_keyed_mac_is_hmac_sha256(secret: bytes, message: bytes) -> None:
    """The precomputed states give what :func:`hmac.digest` gives, for every key length
    (shorter than, equal to and longer than the 64-byte block)."""
    assert _keyed(secret)(message) == hmac.digest(secret, message, "sha256")
    assert _keyed(secret)(message) == _keyed(secret)(message)  # the states are not consumed


@given(st.binary(min_size=32, max_size=32))
def test_a_log_token_is_the_hmac_of_the_token_domain(secret: bytes) -> None:
    """Made by one hmac.digest since a re-key reads every youth's token once; the same
    value as the keyed states that make the youth's entry references."""
    expected = hmac.new(secret, b"verwijsindex:log-token:v1", "sha256").hexdigest()
    assert log_token(secret.hex()) == expected == _keyed(secret)(b"verwijsindex:log-token:v1").hex()


def test_log_tokens_and_keystreams_are_hmac_sha256() -> None:
    assert (
        log_token("ab" * 32)
        == hmac.digest(bytes.fromhex("ab" * 32), b"verwijsindex:log-token:v1", "sha256").hex()
    )
    sealed = seal_id("ab" * 32, "e1", "link-1")
    stream = hmac.digest(bytes.fromhex("ab" * 32), b"verwijsindex:log-id:v1:e1:0", "sha256")
    assert bytes.fromhex(sealed[1:]) == bytes(
        a ^ b for a, b in zip(b"link-1", stream, strict=False)
    )
    # a link id has a keystream of its own (decision 125), marked by its first character
    sealed = seal_link_id("ab" * 32, "e1", "link-1")
    stream = hmac.digest(bytes.fromhex("ab" * 32), b"verwijsindex:log-link-id:v1:e1:0", "sha256")
    assert sealed[0] == "^"
    assert bytes.fromhex(sealed[1:]) == bytes(
        a ^ b for a, b in zip(b"link-1", stream, strict=False)
    )


@given(
    secret=st.binary(min_size=32, max_size=32),
    entry_id=st.from_regex(r"[0-9a-f]{1,40}", fullmatch=True),
    value=st.text(min_size=1, max_size=80),
)
def test_a_sealed_id_opens_with_its_secret_and_entry(
    secret: bytes, entry_id: str, value: str
) -> None:
    """Either seal opens to the id it sealed, also past one block of keystream; the two
    keystreams share nothing, so an entry's link and match ids XOR-ed give nothing away."""
    log_secret = secret.hex()
    as_match, as_link = (
        seal_id(log_secret, entry_id, value),
        seal_link_id(log_secret, entry_id, value),
    )
    assert unseal_id(log_secret, entry_id, as_match) == value
    assert unseal_id(log_secret, entry_id, as_link) == value
    assert as_match[0] == "~" and as_link[0] == "^"
    zeros = "\0" * 32  # sealed, each is its keystream's first block: they differ
    assert seal_id(log_secret, entry_id, zeros)[1:] != seal_link_id(log_secret, entry_id, zeros)[1:]
