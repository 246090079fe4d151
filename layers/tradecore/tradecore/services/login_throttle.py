"""Login throttling shared by every function instance (a counter in the service-state table).

After ``max_failures`` failed logins for one email within ``window_seconds``, further attempts
are refused with 429 and ``Retry-After`` until the window ends, even with the right password.
The window is fixed and starts at the first failure; a successful login clears it. The key is a
hash of the email, so the table holds no addresses.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from tradecore.errors import RateLimitedError
from tradecore.ports import ServiceState

_FAILURES = "failures"


def _key(email: str) -> tuple[str, str]:
    return "login#" + hashlib.sha256(email.encode()).hexdigest(), _FAILURES


class StateLoginThrottle:
    """The :class:`~tradecore.ports.LoginThrottle` over :class:`~tradecore.ports.ServiceState`."""

    def __init__(
        self,
        state: ServiceState,
        *,
        max_failures: int,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._state = state
        self._max_failures = max_failures
        self._window = window_seconds
        self._clock = clock

    def check(self, email: str) -> None:
        """Raise :class:`RateLimitedError` while ``email`` has used up its failures in this window."""
        item = self._state.get(*_key(email))
        if not item or int(item.get("count", 0)) < self._max_failures:
            return
        remaining = float(item["window_started_at"]) + self._window - self._clock()
        if remaining > 0:
            raise RateLimitedError(
                "Too many failed logins for this account; try again later", retry_after=math.ceil(remaining)
            )

    def record_failure(self, email: str) -> None:
        pk, sk = _key(email)
        self._state.increment_in_window(pk, sk, window_seconds=self._window, now=self._clock())

    def reset(self, email: str) -> None:
        self._state.delete(*_key(email))
