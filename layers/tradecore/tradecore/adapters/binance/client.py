"""The connection under every Binance call: the python-binance client, error translation, retries.

``import binance`` costs about a quarter of a second, so it happens on first use, never at import
time. Every SDK call goes through :meth:`BinanceConnection._call`, which translates errors
(:func:`~tradecore.adapters.binance.errors.translate`); every retry is the shared
:class:`~tradecore.resilience.RetryPolicy` built by :meth:`BinanceConnection._retry_policy`, so
reads, order resends and order lookups back off, honour Retry-After and log alike.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import cached_property
from typing import Any

from tenacity import RetryCallState

from tradecore.adapters.binance.errors import is_temporary, is_timestamp_error, retry_after_seconds, translate
from tradecore.config import ExchangeMode, Settings
from tradecore.domain.accounts import ApiCredentials
from tradecore.domain.orders import SymbolRules
from tradecore.observability import logger
from tradecore.resilience import RetryPolicy

# The local simulator's demo account. Not a secret: it opens only the simulator on 127.0.0.1.
SIMULATOR_DEMO_KEY = "tradecore-simulator-demo-key"
SIMULATOR_DEMO_SECRET = "tradecore-simulator-demo-secret"  # noqa: S105 - public demo value
MAINNET_STREAM_URL = "wss://stream.binance.com:9443/"
TESTNET_STREAM_URL = "wss://stream.testnet.binance.vision/"


class BinanceConnection:
    """The configured python-binance client and the one way to call it (translated, retried).

    With ``credentials`` it is that account's client (a user's own key pair); without, it signs with
    the operator's ``BINANCE_API_KEY/SECRET`` where set: only the market-data client is built that way.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        credentials: ApiCredentials | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.mode = settings.exchange_mode
        self._credentials = credentials
        self._sleep = sleep
        self._clock = clock  # monotonic seconds: cache expiry and the lookup deadline
        self._info_lock = threading.Lock()
        self._info: tuple[float, dict[str, SymbolRules]] | None = None
        # reads and calls that change nothing: retried on temporary errors only
        self._retrying = self._retry_policy(settings.binance_retry_attempts, retryable=is_temporary)

    @cached_property
    def client(self) -> Any:
        """The python-binance client for the configured environment (imported on first use)."""
        from binance.client import Client

        api_key, api_secret = self._key_pair()
        client = Client(
            api_key,
            api_secret,
            ping=False,
            testnet=self.mode is ExchangeMode.TESTNET,
            requests_params={"timeout": self.settings.binance_timeout_seconds},
        )
        if self.mode is ExchangeMode.SIMULATOR:
            base = self.settings.binance_simulator_url.rstrip("/")
            client.API_URL = base + "/api"
            client.MARGIN_API_URL = base + "/sapi"  # the simulator serves the key's apiRestrictions too
        client.REQUEST_RECVWINDOW = self.settings.binance_recv_window_ms
        return client

    def _key_pair(self) -> tuple[str | None, str | None]:
        if self._credentials is not None:
            return self._credentials.api_key, self._credentials.api_secret
        key, secret = self.settings.binance_api_key, self.settings.binance_api_secret
        api_key = key.get_secret_value() if key else None
        api_secret = secret.get_secret_value() if secret else None
        if self.mode is ExchangeMode.SIMULATOR and not (api_key and api_secret):
            return SIMULATOR_DEMO_KEY, SIMULATOR_DEMO_SECRET
        return api_key, api_secret

    @property
    def stream_url(self) -> str:
        """Base WebSocket URL for ``BinanceSocketManager.STREAM_URL`` (ends with ``/``)."""
        if self.mode is ExchangeMode.SIMULATOR:
            base = self.settings.binance_simulator_url.rstrip("/")
            return base.replace("https://", "wss://").replace("http://", "ws://") + "/"
        return TESTNET_STREAM_URL if self.mode is ExchangeMode.TESTNET else MAINNET_STREAM_URL

    def _retry_policy(
        self, attempts: int, *, retryable: Callable[[BaseException], bool], base_seconds: float | None = None
    ) -> RetryPolicy:
        """The adapter's retry policy: ``attempts`` in all, doubling from the retry base (capped at 8x),
        never sooner than Binance's Retry-After (retrying sooner only extends a rate limit), each
        retry logged, waits on the injected sleep and deadlines on the injected clock."""
        return RetryPolicy.exponential(
            attempts,
            self.settings.binance_retry_base_seconds if base_seconds is None else base_seconds,
            retryable=retryable,
            wait_floor=retry_after_seconds,
            before_retry=_log_retry,
            sleep=self._sleep,
            monotonic=self._clock,
        )

    def _call(self, method: str, **params: Any) -> Any:
        """One SDK call with errors translated; a -1021 resynchronises the clock first."""
        try:
            return getattr(self.client, method)(**params)
        except Exception as exc:
            error = translate(exc)
            if is_timestamp_error(error):
                self._resync_time()
            raise error from exc

    def _resync_time(self) -> None:
        try:
            server = self.client.get_server_time()["serverTime"]
            self.client.timestamp_offset = int(server) - int(time.time() * 1000)
        except Exception as exc:  # noqa: BLE001 - best effort; the retry reports the real error
            logger.warning("binance time resync failed", extra={"error": type(exc).__name__})

    def _retried(self, method: str, **params: Any) -> Any:
        """One SDK call under the retry policy: only temporary errors are tried again."""
        return self._retrying.call(self._call, method, **params)

    def ping(self) -> None:
        """One unretried round trip (health checks): ``DependencyUnavailableError`` when unreachable."""
        self._call("ping")


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    logger.warning(
        "binance call failed, retrying",
        extra={"attempt": state.attempt_number, "error": type(error).__name__ if error else None},
    )
