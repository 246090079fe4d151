"""argon2id hashing: the hash format, matching, the dummy path, rehash on parameter change."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher

from tradecore.adapters.auth.passwords import Argon2PasswordHasher

PASSWORD = "a long enough passphrase"


@pytest.fixture
def hasher() -> Argon2PasswordHasher:
    # cheap parameters keep the unit tests fast; production uses argon2-cffi's defaults
    return Argon2PasswordHasher(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


def test_passwords_hash_is_salted_argon2id_without_the_password(hasher: Argon2PasswordHasher) -> None:
    first, second = hasher.hash(PASSWORD), hasher.hash(PASSWORD)

    assert first.startswith("$argon2id$")
    assert first != second
    assert PASSWORD not in first


def test_passwords_verify_matches_only_the_right_password(hasher: Argon2PasswordHasher) -> None:
    stored = hasher.hash(PASSWORD)

    assert hasher.verify(stored, PASSWORD)
    assert not hasher.verify(stored, PASSWORD + "!")
    assert not hasher.verify("not-a-hash", PASSWORD)


def test_passwords_unknown_user_verifies_a_dummy_hash_and_never_matches(hasher: Argon2PasswordHasher) -> None:
    assert not hasher.verify(None, PASSWORD)
    assert hasher._dummy_hash is not None
    assert hasher._dummy_hash.startswith("$argon2id$v=19$m=1024,t=1,p=1$")  # same cost as real hashes


def test_passwords_default_parameters_are_rfc9106_low_memory_and_old_hashes_need_rehash(
    hasher: Argon2PasswordHasher,
) -> None:
    production = Argon2PasswordHasher()

    assert production.parameters == {
        "time_cost": 3,
        "memory_cost_kib": 65536,
        "parallelism": 4,
        "hash_len": 32,
        "salt_len": 16,
    }
    assert production.needs_rehash(hasher.hash(PASSWORD))
    assert not hasher.needs_rehash(hasher.hash(PASSWORD))
