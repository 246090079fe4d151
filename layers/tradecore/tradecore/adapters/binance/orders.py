"""Orders: placed once under the caller's client id, looked up (never resent) when the outcome is
uncertain, queried and cancelled.

Orders are normalised and checked against the symbol's filters before anything is sent. An order
carries the caller's client id (derived from the Idempotency-Key); after any failure that may have
executed it is never sent again, only looked up by that id with back-off until it is known or the
lookup deadline passes, and then the caller gets :class:`OrderStatusUnknownError`, never a plain
failure. Order lists (``order_lists.py``) go through the same :meth:`BinanceOrders._send_once`.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

from tradecore.adapters.binance import mapping
from tradecore.adapters.binance.errors import is_duplicate_order, is_temporary, may_have_been_executed
from tradecore.adapters.binance.market import BinanceMarketData
from tradecore.domain.order_math import prepare_order
from tradecore.domain.orders import OrderRequest, OrderResult, OrderType
from tradecore.errors import InvalidInputError, NotFoundError, OrderStatusUnknownError, TradecoreError
from tradecore.observability import logger

T = TypeVar("T")
# Binance accepts ``[.A-Z:/a-z0-9_-]{1,36}``, but python-binance signs ':' and '/' unencoded and sends
# them percent-encoded, which Binance answers with -1022 (read as bad credentials): keep to the safe part
CLIENT_ORDER_ID_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,36}$")
# Lookups after an uncertain failure are at least this far apart (even with a zero retry base)
MIN_LOOKUP_WAIT_SECONDS = 0.01


class BinanceOrders(BinanceMarketData):
    """Order placement, lookup and cancellation of the exchange port."""

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
        return self._send_once(
            lambda: mapping.order_result(self._call("create_order", **params)),
            lambda: mapping.order_result(
                self._call("get_order", **_order_reference("get_order", prepared.symbol, client_id, None))
            ),
            {"client_order_id": client_id, "symbol": prepared.symbol},
        )

    def _send_once(self, send: Callable[[], T], find: Callable[[], T], details: dict[str, Any]) -> T:
        """Send, resending (under the retry policy) only after failures the exchange certainly did
        not execute (a 429, a 4XX "try again"); after one that may have executed (5XX, transport,
        -1006/-1007) or a "duplicate order", never send again: wait for ``find`` to know the outcome.

        Binance frees a client id once its order is no longer open, and an accepted order can be
        invisible to queries for a moment: a resend after one "not found" would execute a filled
        MARKET order twice.
        """
        resending = self._retry_policy(self.settings.binance_retry_attempts, retryable=_safe_to_resend)
        try:
            return resending.call(send)
        except TradecoreError as error:
            if is_duplicate_order(error) or may_have_been_executed(error):
                return self._await_known(find, details, error)
            raise

    def _await_known(self, find: Callable[[], T], details: dict[str, Any], cause: TradecoreError) -> T:
        """What an uncertain request may have created, looked up under the retry policy (the
        adapter's back-off, the server's Retry-After) until it is found or the next lookup would
        start after ``binance_order_lookup_deadline_seconds`` (injected clock).

        "Not found" and temporary lookup failures mean "not known yet"; when the deadline comes,
        or a lookup fails in a way that will not pass (credentials, a ban), the caller gets
        :class:`OrderStatusUnknownError`: record it as pending and let reconciliation settle it.
        """
        details = {**details, "cause": cause.code}
        deadline_seconds = self.settings.binance_order_lookup_deadline_seconds
        base = max(self.settings.binance_retry_base_seconds, MIN_LOOKUP_WAIT_SECONDS)
        lookups = self._retry_policy(
            4 + math.ceil(deadline_seconds / (8 * base)),  # enough waits of at most 8 x base to fill the deadline
            retryable=_not_known_yet,
            base_seconds=base,
        )
        try:
            return lookups.call_until(self._clock() + deadline_seconds, find)
        except TradecoreError as last:
            if _not_known_yet(last):
                logger.error("order outcome unknown: not found before the deadline", extra=details)
                raise OrderStatusUnknownError(details=details) from cause
            logger.error("order lookup failed; outcome unknown", extra={**details, "lookup_error": last.code})
            raise OrderStatusUnknownError(details=details) from last

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


def _safe_to_resend(error: BaseException) -> bool:
    """A temporary failure the exchange certainly did not process (a 429, a 4XX "try again")."""
    return is_temporary(error) and not may_have_been_executed(error)


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
