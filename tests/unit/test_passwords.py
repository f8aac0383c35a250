"""Password policy, hashing, throttling keys and device cookies: pure functions."""

from __future__ import annotations

import ipaddress
import unicodedata

import pytest

from ai4d_core.security import device
from ai4d_core.security.blocklist import common_passwords, context_words, weakness
from ai4d_core.security.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    PasswordPolicyError,
    check_policy,
    hash_password,
    needs_rehash,
    verify_password,
)
from ai4d_core.security.throttle import parse_networks, source_key

pytestmark = pytest.mark.unit
GOOD = "violet kettle drums at dawn"


def test_blocklist_has_the_zxcvbn_passwords_list() -> None:
    blocked = common_passwords()
    assert len(blocked) >= 10_000
    for word in ("password", "123456", "qwerty", "dragon", "iloveyou", "trustno1"):
        assert word in blocked


@pytest.mark.parametrize(
    "password",
    [
        "passwordpassword",  # on the list
        "Password 123456789",  # list word + digits, case and spaces ignored
        "p-a-s-s-w-o-r-d-1234567",  # separators ignored
        "correct horse battery staple",
        "aaaaaaaaaaaaaaaa",  # one repeated unit
        "abcabcabcabcabc",
        "blue sky blue sky blue sky",
        "123456789012345",  # runs
        "qwertyuiopasdfgh",
        "zyxwvutsrqponmlk",
    ],
)
def test_common_and_patterned_passwords_are_refused(password: str) -> None:
    with pytest.raises(PasswordPolicyError):
        check_policy(password)


def test_context_words_are_refused() -> None:
    words = context_words("ada.lovelace@example.org", "Ada Lovelace")
    assert {"ada", "lovelace", "adalovelace", "ai4d"} <= set(words)
    for password in ("Ada Lovelace 1815 1815", "adalovelace2024adalovelace", "ai4d ai4d ai4d 2025 ada"):
        with pytest.raises(PasswordPolicyError, match="name"):
            check_policy(password, words)
    check_policy("Ada wrote notes on the engine", words)  # context words inside a real passphrase are fine


def test_lengths_are_counted_after_nfkc_and_no_composition_rules() -> None:
    with pytest.raises(PasswordPolicyError, match=f"at least {MIN_LENGTH}"):
        check_policy("short but fine")
    with pytest.raises(PasswordPolicyError, match=f"at most {MAX_LENGTH}"):
        check_policy("word " * 30)
    check_policy("all lower case words here")  # no digit, no capital, no symbol needed
    # "ﬁ" (one code point) is "fi" under NFKC: 14 ligatures make 28 characters
    check_policy("\ufb01" * 2 + " tangerine dreams")
    assert weakness("tangerine dreams") is None


def test_nfkc_makes_equivalent_spellings_match() -> None:
    composed = "caf\u00e9 au lait with friends"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    stored = hash_password(composed)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=1$")
    assert verify_password(decomposed, stored)
    assert verify_password("\uff43af\u00e9 au lait with friends", stored)  # full-width c
    assert not verify_password("cafe au lait with friends", stored)
    assert not needs_rehash(stored)


def test_out_of_range_lengths_fail_without_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    from ai4d_core.security import passwords

    stored = hash_password(GOOD)

    def no_hashing() -> None:
        raise AssertionError("hashed")

    monkeypatch.setattr(passwords, "_context", no_hashing)
    assert not verify_password("x" * (MAX_LENGTH + 1), stored)
    assert not verify_password("x" * 10_000, None)
    assert not verify_password("short", stored)


def test_source_is_the_peer_unless_trusted_proxies_and_ipv6_by_64() -> None:
    assert source_key("203.0.113.9", "198.51.100.1", []) == "203.0.113.9"  # header ignored: no trusted proxy
    assert source_key("2001:db8:1:2:aaaa::1", None) == source_key("2001:db8:1:2:ffff::9", None) == "2001:db8:1:2::/64"
    assert source_key("2001:db8:1:3::1", None) != source_key("2001:db8:1:2::1", None)
    assert source_key("::ffff:192.0.2.7", None) == "192.0.2.7"
    trusted = parse_networks(["10.0.0.0/8", "2001:db8:ffff::/48"])
    forwarded = "6.6.6.6, 198.51.100.23, 10.1.1.1"  # client-chosen, real client, inner proxy
    assert source_key("10.0.0.2", forwarded, trusted) == "198.51.100.23"
    assert source_key("203.0.113.9", forwarded, trusted) == "203.0.113.9"  # peer not trusted: header ignored
    assert source_key("10.0.0.2", "10.1.1.1, 10.2.2.2", trusted) == "10.1.1.1"  # all trusted: left-most
    assert source_key("10.0.0.2", "garbage, 198.51.100.23", trusted) == "198.51.100.23"
    assert isinstance(trusted[1], ipaddress.IPv6Network)
    with pytest.raises(ValueError, match="not a network"):
        parse_networks(["10.0.0.0/33"])


def test_device_cookies_are_signed_and_name_the_account() -> None:
    value = device.issue("secret-one", 42)
    read = device.read("secret-one", value)
    assert read is not None and read.user_id == 42 and len(read.device_id) == 22
    assert device.read("secret-two", value) is None
    forged = value.replace("42.", "43.", 1)
    assert device.read("secret-one", forged) is None
    assert device.read("secret-one", "not a cookie") is None
    assert device.read("secret-one", None) is None
    assert device.issue("secret-one", 42) != value  # a new device id each time


def test_a_hash_made_with_four_lanes_still_verifies_and_is_upgraded() -> None:
    from passlib.hash import argon2

    old = argon2.using(type="ID", memory_cost=65536, rounds=3, parallelism=4).hash("caf\u00e9 au lait with friends")
    assert verify_password("caf\u00e9 au lait with friends", old)
    assert needs_rehash(old)
