"""Login throttling shared by every function instance (a counter in the service-state table).

After ``max_failures`` failed logins for one email within ``window_seconds``, further attempts
are refused with 429 and ``Retry-After`` until the window ends, even with the right password.
Each attempt takes its slot atomically before the password is verified and a success gives it
back, so concurrent guesses get at most ``max_failures`` verifications. The window is fixed and
starts at the first attempt; a successful login clears it. The store keeps no addresses (its
adapter keys each window by a hash of the email).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from tradecore.errors import RateLimitedError
from tradecore.ports import LoginAttemptState


class StateLoginThrottle:
    """The :class:`~tradecore.ports.LoginThrottle` over :class:`~tradecore.ports.LoginAttemptState`."""

    def __init__(
        self,
        state: LoginAttemptState,
        *,
        max_failures: int,
        window_seconds: int,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._state = state
        self._max_failures = max_failures
        self._window = window_seconds
        self._clock = clock

    def reserve(self, email: str) -> None:
        """Take one attempt for ``email`` BEFORE the (slow) password check, so concurrent guesses cannot
        all pass a check made before any of them is counted. ``RateLimitedError`` when used up."""
        now = self._clock()
        slot = self._state.acquire_login_attempt(email, limit=self._max_failures, window_seconds=self._window, now=now)
        if not slot.granted:
            # clamped: a window opened by a racing instance may start a moment after our ``now``
            remaining = min(max(slot.window_started_at + self._window - now, 1), self._window)
            raise RateLimitedError(
                "Too many failed logins for this account; try again later", retry_after=math.ceil(remaining)
            )

    def refund(self, email: str) -> None:
        """Give back the attempt :meth:`reserve` took (it did not fail)."""
        self._state.release_login_attempt(email)

    def clear(self, email: str) -> None:
        """Forget every attempt for ``email`` (after a successful login)."""
        self._state.clear_login_attempts(email)
