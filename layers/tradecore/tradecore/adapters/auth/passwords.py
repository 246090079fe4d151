"""Password hashing with argon2id (argon2-cffi).

Parameters are argon2-cffi's defaults, which are RFC 9106's second recommended ("low-memory")
profile: argon2id, time cost 3, 64 MiB, parallelism 4, 16-byte salt, 32-byte hash. Changing
them later is safe: :meth:`Argon2PasswordHasher.needs_rehash` lets login upgrade old hashes.

Unknown emails verify a dummy hash made with the same parameters, so they cost the same time
as a wrong password and an attacker cannot probe which emails exist.
"""

from __future__ import annotations

import secrets
import threading

from argon2 import PasswordHasher as _Argon2
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError


class Argon2PasswordHasher:
    """The :class:`~tradecore.ports.PasswordHasher` port, with argon2id."""

    def __init__(self, hasher: _Argon2 | None = None) -> None:
        self._hasher = hasher or _Argon2()
        self._dummy_hash: str | None = None
        self._lock = threading.Lock()

    @property
    def parameters(self) -> dict[str, int]:
        """The cost parameters in force (reported by the benchmark)."""
        h = self._hasher
        return {
            "time_cost": h.time_cost,
            "memory_cost_kib": h.memory_cost,
            "parallelism": h.parallelism,
            "hash_len": h.hash_len,
            "salt_len": h.salt_len,
        }

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        """Whether ``password`` matches ``password_hash``; ``None`` checks the dummy hash (→ False)."""
        target = password_hash if password_hash is not None else self._dummy()
        try:
            matched = self._hasher.verify(target, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
        return matched and password_hash is not None

    def needs_rehash(self, password_hash: str) -> bool:
        try:
            return self._hasher.check_needs_rehash(password_hash)
        except InvalidHashError:
            return True

    def _dummy(self) -> str:
        # made once per process with the same parameters as real hashes; its password is random
        with self._lock:
            if self._dummy_hash is None:
                self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(24))
            return self._dummy_hash
