"""The exchange port on python-binance: mainnet, testnet or the local simulator, by Settings alone.

``import binance`` costs about a quarter of a second, so it happens on first use, never at import
time. Every SDK call goes through :meth:`BinanceExchange._call`, which translates errors
(``binance.errors.translate``); one tenacity policy retries only temporary errors. Orders are
normalised and checked against the symbol's filters before anything is sent. An order carries
the caller's client id (derived from the Idempotency-Key); after any failure that may have
executed it is never sent again, only looked up by that id with back-off until it is known or the
lookup deadline passes, and then the caller gets :class:`OrderStatusUnknownError`, never a plain
failure. OCO lists get the same treatment, their ids derived from the caller's key.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable
from decimal import Decimal
from functools import cached_property
from typing import Any, TypeVar

from tenacity import RetryCallState, retry, retry_if_exception, stop_after_attempt, wait_exponential

from tradecore.adapters.binance import mapping
from tradecore.adapters.binance.errors import (
    is_duplicate_order,
    is_temporary,
    is_timestamp_error,
    may_have_been_executed,
    retry_after_seconds,
    translate,
)
from tradecore.config import ExchangeMode, Settings
from tradecore.domain.order_math import prepare_order
from tradecore.domain.orders import (
    Balance,
    Kline,
    OcoRequest,
    OcoResult,
    OrderRequest,
    OrderResult,
    OrderType,
    SymbolRules,
    Trade,
)
from tradecore.errors import (
    DependencyUnavailableError,
    InvalidInputError,
    NotFoundError,
    OrderStatusUnknownError,
    TradecoreError,
)
from tradecore.observability import logger
from tradecore.resilience import RetryPolicy

T = TypeVar("T")
# The local simulator's demo account. Not a secret: it opens only the simulator on 127.0.0.1.
SIMULATOR_DEMO_KEY = "tradecore-simulator-demo-key"
SIMULATOR_DEMO_SECRET = "tradecore-simulator-demo-secret"  # noqa: S105 - public demo value
MAINNET_STREAM_URL = "wss://stream.binance.com:9443/"
TESTNET_STREAM_URL = "wss://stream.testnet.binance.vision/"
# Binance accepts ``[.A-Z:/a-z0-9_-]{1,36}``, but python-binance signs ':' and '/' unencoded and sends
# them percent-encoded, which Binance answers with -1022 (read as bad credentials): keep to the safe part
CLIENT_ORDER_ID_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,36}$")
# Lookups after an uncertain failure are at least this far apart (even with a zero retry base)
MIN_LOOKUP_WAIT_SECONDS = 0.01


class BinanceExchange:
    """Domain methods over the Binance Spot API (freqtrade style)."""

    def __init__(
        self,
        settings: Settings,
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings = settings
        self.mode = settings.exchange_mode
        self._sleep = sleep
        self._clock = clock  # monotonic seconds: cache expiry and the lookup deadline
        self._info_lock = threading.Lock()
        self._info: tuple[float, dict[str, SymbolRules]] | None = None
        attempts = settings.binance_retry_attempts
        base = settings.binance_retry_base_seconds
        backoff = wait_exponential(multiplier=base, max=max(base * 8, 0.001))

        def wait(state: RetryCallState) -> float:
            # Binance's Retry-After (429) is a floor: retrying sooner only extends the limit
            error = state.outcome.exception() if state.outcome else None
            return max(backoff(state), (retry_after_seconds(error) if error else None) or 0.0)

        # ONE retry policy: only temporary errors, exponential backoff, the original error re-raised
        self._retrying = retry(
            retry=retry_if_exception(is_temporary),
            stop=stop_after_attempt(attempts),
            wait=wait,
            sleep=sleep,
            reraise=True,
            before_sleep=self._before_retry,
        )

    # --- plumbing ----------------------------------------------------------------------------
    @cached_property
    def client(self) -> Any:
        """The python-binance client for the configured environment (imported on first use)."""
        from binance.client import Client

        key, secret = self.settings.binance_api_key, self.settings.binance_api_secret
        api_key = key.get_secret_value() if key else None
        api_secret = secret.get_secret_value() if secret else None
        if self.mode is ExchangeMode.SIMULATOR and not (api_key and api_secret):
            api_key, api_secret = SIMULATOR_DEMO_KEY, SIMULATOR_DEMO_SECRET
        client = Client(
            api_key,
            api_secret,
            ping=False,
            testnet=self.mode is ExchangeMode.TESTNET,
            requests_params={"timeout": self.settings.binance_timeout_seconds},
        )
        if self.mode is ExchangeMode.SIMULATOR:
            client.API_URL = self.settings.binance_simulator_url.rstrip("/") + "/api"
        client.REQUEST_RECVWINDOW = self.settings.binance_recv_window_ms
        return client

    @property
    def stream_url(self) -> str:
        """Base WebSocket URL for ``BinanceSocketManager.STREAM_URL`` (ends with ``/``)."""
        if self.mode is ExchangeMode.SIMULATOR:
            base = self.settings.binance_simulator_url.rstrip("/")
            return base.replace("https://", "wss://").replace("http://", "ws://") + "/"
        return TESTNET_STREAM_URL if self.mode is ExchangeMode.TESTNET else MAINNET_STREAM_URL

    def _before_retry(self, state: RetryCallState) -> None:
        error = state.outcome.exception() if state.outcome else None
        logger.warning(
            "binance call failed, retrying",
            extra={"attempt": state.attempt_number, "error": type(error).__name__ if error else None},
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
        return self._retrying(self._call)(method, **params)

    def ping(self) -> None:
        """One unretried round trip (health checks): ``DependencyUnavailableError`` when unreachable."""
        self._call("ping")

    # --- market data -------------------------------------------------------------------------
    def get_exchange_info(self) -> dict[str, SymbolRules]:
        """Every symbol's filters, cached for ``BINANCE_EXCHANGE_INFO_TTL_SECONDS``."""
        with self._info_lock:
            if self._info is not None and self._info[0] > self._clock():
                return self._info[1]
        raw = self._retried("get_exchange_info")
        rules = {item["symbol"]: mapping.symbol_rules(item) for item in raw["symbols"]}
        with self._info_lock:
            self._info = (self._clock() + self.settings.binance_exchange_info_ttl_seconds, rules)
        return rules

    def get_symbol_rules(self, symbol: str) -> SymbolRules:
        """The symbol's filters; :class:`InvalidInputError` for a symbol the exchange does not list."""
        rules = self.get_exchange_info().get(symbol.upper())
        if rules is None:
            raise InvalidInputError(f"Unknown symbol {symbol}", details={"symbol": symbol})
        return rules

    def get_price(self, symbol: str) -> Decimal:
        return mapping.dec(self._retried("get_symbol_ticker", symbol=symbol.upper())["price"])

    def get_prices(self, symbols: list[str] | None = None) -> dict[str, Decimal]:
        """Last prices, by symbol (all listed symbols when ``symbols`` is None)."""
        raw = self._retried("get_symbol_ticker")
        wanted = {s.upper() for s in symbols} if symbols else None
        return {t["symbol"]: mapping.dec(t["price"]) for t in raw if wanted is None or t["symbol"] in wanted}

    def get_klines(
        self, symbol: str, interval: str, limit: int = 500, start_ms: int | None = None, end_ms: int | None = None
    ) -> list[Kline]:
        params: dict[str, Any] = {"symbol": symbol.upper(), "interval": interval, "limit": limit}
        if start_ms is not None:
            params["startTime"] = start_ms
        if end_ms is not None:
            params["endTime"] = end_ms
        return [mapping.kline(row) for row in self._retried("get_klines", **params)]

    # --- account -----------------------------------------------------------------------------
    def get_balances(self) -> dict[str, Balance]:
        return mapping.balances(self._retried("get_account"))

    def my_trades(self, symbol: str, limit: int = 500) -> list[Trade]:
        return [mapping.trade(t) for t in self._retried("get_my_trades", symbol=symbol.upper(), limit=limit)]

    # --- orders ------------------------------------------------------------------------------
    def place_order(self, request: OrderRequest, reference_price: Decimal | None = None) -> OrderResult:
        """Round, check the filters, then place under the request's ``client_order_id``.

        The client id is required (callers derive it from the Idempotency-Key) so that a retry of
        the same request can never place a second order. Raises InvalidInputError (no or invalid
        client id, filters; before sending), InsufficientFundsError, InvalidOrderError,
        ExchangeAuthError, DependencyUnavailableError (not placed), or OrderStatusUnknownError
        (may have been placed: record it as pending and reconcile).
        """
        client_id = request.client_order_id
        if not client_id or not CLIENT_ORDER_ID_PATTERN.match(client_id):
            raise InvalidInputError(
                "an order needs a client order id of 1-36 characters [a-zA-Z0-9_-]",
                details={"field": "client_order_id"},
            )
        rules = self.get_symbol_rules(request.symbol)
        if request.type is OrderType.MARKET and reference_price is None and request.quantity is not None:
            reference_price = self.get_price(request.symbol)
        prepared = prepare_order(request, rules, reference_price)
        params = mapping.order_params(prepared, client_id)
        return self._place_idempotently(prepared.symbol, client_id, lambda: self._call("create_order", **params))

    def _place_idempotently(self, symbol: str, client_id: str, send: Callable[[], Any]) -> OrderResult:
        """Send once; find the order by its client id after any failure that may have executed."""
        return self._send_once(
            lambda: mapping.order_result(send()),
            lambda: mapping.order_result(
                self._call("get_order", **_order_reference("get_order", symbol, client_id, None))
            ),
            {"client_order_id": client_id, "symbol": symbol},
        )

    def _send_once(self, send: Callable[[], T], find: Callable[[], T], details: dict[str, Any]) -> T:
        """Send, resending only after failures the exchange certainly did not execute (a 429, a
        4XX "try again"); after one that may have executed (5XX, transport, -1006/-1007) or a
        "duplicate order", never send again: wait for ``find`` to know the outcome.

        Binance frees a client id once its order is no longer open, and an accepted order can be
        invisible to queries for a moment: a resend after one "not found" would execute a filled
        MARKET order twice.
        """
        attempts = self.settings.binance_retry_attempts
        for attempt in range(1, attempts + 1):
            try:
                return send()
            except TradecoreError as error:
                if is_duplicate_order(error) or may_have_been_executed(error):
                    return self._await_known(find, details, error)
                if not is_temporary(error) or attempt == attempts:
                    raise
                self._sleep(max(self._backoff_seconds(attempt), retry_after_seconds(error) or 0.0))
        raise DependencyUnavailableError("Binance did not accept the order", dependency="binance")  # unreachable

    def _await_known(self, find: Callable[[], T], details: dict[str, Any], cause: TradecoreError) -> T:
        """What an uncertain request may have created, looked up under the shared retry policy
        (the adapter's back-off, the server's Retry-After) until it is found or the next lookup
        would start after ``binance_order_lookup_deadline_seconds`` (injected clock).

        "Not found" and temporary lookup failures mean "not known yet"; when the deadline comes,
        or a lookup fails in a way that will not pass (credentials, a ban), the caller gets
        :class:`OrderStatusUnknownError`: record it as pending and let reconciliation settle it.
        """
        details = {**details, "cause": cause.code}
        deadline_seconds = self.settings.binance_order_lookup_deadline_seconds
        base = max(self.settings.binance_retry_base_seconds, MIN_LOOKUP_WAIT_SECONDS)
        policy = RetryPolicy.exponential(
            4 + math.ceil(deadline_seconds / (8 * base)),  # enough waits of at most 8 x base to fill the deadline
            base,
            retryable=_not_known_yet,
            wait_floor=retry_after_seconds,
            sleep=self._sleep,
            monotonic=self._clock,
        )
        try:
            return policy.call_until(self._clock() + deadline_seconds, find)
        except TradecoreError as last:
            if _not_known_yet(last):
                logger.error("order outcome unknown: not found before the deadline", extra=details)
                raise OrderStatusUnknownError(details=details) from cause
            logger.error("order lookup failed; outcome unknown", extra={**details, "lookup_error": last.code})
            raise OrderStatusUnknownError(details=details) from last

    def _backoff_seconds(self, attempt: int) -> float:
        """The retry policy's wait before try ``attempt + 1``: doubling from the base, capped at 8x."""
        base = self.settings.binance_retry_base_seconds
        return float(base * 2 ** min(attempt - 1, 3))

    def get_order(self, symbol: str, *, client_order_id: str | None = None, order_id: int | None = None) -> OrderResult:
        """One order by client id (preferred) or exchange id; NotFoundError when unknown."""
        params = _order_reference("get_order", symbol, client_order_id, order_id)
        return mapping.order_result(self._retried("get_order", **params))

    def cancel_order(
        self, symbol: str, *, client_order_id: str | None = None, order_id: int | None = None
    ) -> OrderResult:
        """Cancel an open order (an OCO leg cancels its list); NotFoundError when not open."""
        params = _order_reference("cancel_order", symbol, client_order_id, order_id)
        return mapping.order_result(self._retried("cancel_order", **params))

    def open_orders(self, symbol: str | None = None) -> list[OrderResult]:
        params = {"symbol": symbol.upper()} if symbol else {}
        return [mapping.order_result(o) for o in self._retried("get_open_orders", **params)]

    def place_oco(self, request: OcoRequest) -> OcoResult:
        """A take-profit LIMIT_MAKER and a STOP_LOSS_LIMIT on one quantity (``orderList/oco``).

        The list's and both legs' client ids are derived from ``request.client_key``, so after a
        failure that may have placed it the list is looked up by its id, never sent again (a resend
        after the list has ended would place a second one). Raises InvalidInputError (no key,
        filters; before sending), the exchange's rejections, or OrderStatusUnknownError (may exist).
        """
        if not request.client_key:
            raise InvalidInputError("an OCO needs the caller's idempotency key", details={"field": "client_key"})
        ids = mapping.oco_client_ids(request.client_key)
        params = self._oco_params(request, ids)
        return self._send_once(
            lambda: mapping.oco_result(self._call("create_oco_order", **params)),
            lambda: mapping.oco_result(self._call("v3_get_order_list", origClientOrderId=ids.list_id)),
            {"list_client_order_id": ids.list_id, "symbol": request.symbol},
        )

    def _oco_params(self, request: OcoRequest, ids: mapping.OcoClientIds) -> dict[str, Any]:
        """The ``POST /api/v3/orderList/oco`` parameters, both legs rounded and checked first."""
        rules = self.get_symbol_rules(request.symbol)
        price_check = OrderRequest(request.symbol, request.side, OrderType.LIMIT, request.quantity, price=request.price)
        limit_leg = prepare_order(price_check, rules, None)
        stop_leg = prepare_order(
            OrderRequest(
                request.symbol, request.side, OrderType.STOP_LOSS_LIMIT, request.quantity,
                price=request.stop_limit_price, stop_price=request.stop_price,
            ),
            rules,
            None,
        )  # fmt: skip
        assert limit_leg.price is not None and stop_leg.price is not None and stop_leg.stop_price is not None  # noqa: S101, PT018
        maker, stopper = ("above", "below") if request.side.value == "SELL" else ("below", "above")
        return {
            "symbol": request.symbol,
            "side": request.side.value,
            "quantity": mapping.plain(limit_leg.quantity or request.quantity),
            "listClientOrderId": ids.list_id,
            f"{maker}Type": "LIMIT_MAKER",
            f"{maker}ClientOrderId": ids.take_profit,
            f"{maker}Price": mapping.plain(limit_leg.price),
            f"{stopper}Type": "STOP_LOSS_LIMIT",
            f"{stopper}ClientOrderId": ids.stop_loss,
            f"{stopper}Price": mapping.plain(stop_leg.price),
            f"{stopper}StopPrice": mapping.plain(stop_leg.stop_price),
            f"{stopper}TimeInForce": "GTC",
        }

    def get_order_list(self, *, order_list_id: int | None = None, list_client_order_id: str | None = None) -> OcoResult:
        """One order list (``GET /api/v3/orderList``); NotFoundError when the exchange does not know it."""
        params = _order_list_reference(order_list_id, list_client_order_id, "origClientOrderId")
        return mapping.oco_result(self._retried("v3_get_order_list", **params))

    def cancel_order_list(
        self, symbol: str, *, order_list_id: int | None = None, list_client_order_id: str | None = None
    ) -> OcoResult:
        """Cancel the list's open legs (``DELETE /api/v3/orderList``); NotFoundError when unknown or done."""
        params = _order_list_reference(order_list_id, list_client_order_id, "listClientOrderId")
        return mapping.oco_result(self._retried("v3_delete_order_list", symbol=symbol.upper(), **params))

    # --- user data stream --------------------------------------------------------------------
    def create_listen_key(self) -> str:
        return str(self._retried("stream_get_listen_key"))

    def keepalive_listen_key(self, listen_key: str) -> None:
        self._retried("stream_keepalive", listenKey=listen_key)

    def close_listen_key(self, listen_key: str) -> None:
        self._retried("stream_close", listenKey=listen_key)


def _not_known_yet(error: BaseException) -> bool:
    """A lookup answer that does not settle an uncertain order: "not found" (Binance may show an
    accepted order only a moment later) or a temporary failure."""
    return isinstance(error, NotFoundError) or is_temporary(error)


def _order_reference(operation: str, symbol: str, client_order_id: str | None, order_id: int | None) -> dict[str, Any]:
    """Binance's parameters naming one order: by client id (preferred) or by exchange id."""
    params: dict[str, Any] = {"symbol": symbol.upper()}
    if client_order_id:
        params["origClientOrderId"] = client_order_id
    elif order_id is not None:
        params["orderId"] = order_id
    else:
        raise InvalidInputError(f"{operation} needs a client order id or an order id")
    return params


def _order_list_reference(order_list_id: int | None, list_client_id: str | None, client_param: str) -> dict[str, Any]:
    """Binance's parameters naming one order list: by exchange id, or by its client id under the
    endpoint's name for it (``origClientOrderId`` to query, ``listClientOrderId`` to cancel)."""
    if order_list_id is not None:
        return {"orderListId": order_list_id}
    if list_client_id:
        return {client_param: list_client_id}
    raise InvalidInputError("an order list is named by its order list id or its list client id")
