"""Every python-binance / transport error translated into the tradecore taxonomy, in one place.

Order of the checks matters (freqtrade's rule): temporary conditions first (they may be retried),
then credentials, then "not found", then the order's own faults, and anything else is
operational. Binance's own message is kept as ``reason`` so the user sees why.
"""

from __future__ import annotations

from typing import Any

from tradecore.errors import (
    DependencyUnavailableError,
    ExchangeAuthError,
    InsufficientFundsError,
    InvalidOrderError,
    NotFoundError,
    OperationalError,
    TradecoreError,
)

DEPENDENCY = "binance"
TIMESTAMP_OUTSIDE_WINDOW = -1021
# Binance codes for "try again": internal error, disconnected, unknown/timeout, server busy,
# too many requests, too many orders, timestamp (after a resync)
TEMPORARY_CODES = frozenset({-1000, -1001, -1003, -1006, -1007, -1008, -1015, TIMESTAMP_OUTSIDE_WINDOW})
AUTH_CODES = frozenset({-1002, -1022, -2014, -2015})
NOT_FOUND_CODES = frozenset({-2013})
INVALID_ORDER_CODES = frozenset(
    {-1013, -1100, -1101, -1102, -1104, -1106, -1111, -1112, -1115, -1116, -1117, -1120, -1121, -1125, -2010, -2011}
)


def _api_error(code: int, status: int, message: str, retry_after: str | None) -> TradecoreError:
    details: dict[str, Any] = {"exchange_code": code, "http_status": status}
    if status in (418, 429) or status >= 500 or code in TEMPORARY_CODES:
        if retry_after:
            details["retry_after"] = retry_after
        return DependencyUnavailableError(
            f"Binance is unavailable right now: {message}", dependency=DEPENDENCY, temporary=True, details=details
        )
    if code in AUTH_CODES or status == 401:
        return ExchangeAuthError(exchange_code=code, reason=message, details=details)
    lowered = message.lower()
    if code in NOT_FOUND_CODES or (code == -2011 and ("unknown order" in lowered or "does not exist" in lowered)):
        return NotFoundError(f"The exchange does not know this order: {message}", details=details)
    if code == -2010 and "insufficient balance" in lowered:
        return InsufficientFundsError(exchange_code=code, reason=message, details=details)
    if code in INVALID_ORDER_CODES:
        return InvalidOrderError(exchange_code=code, reason=message, details=details)
    return OperationalError(f"Unexpected Binance error {code}: {message}", details=details)


def translate(exc: BaseException) -> TradecoreError:
    """The tradecore error for any exception raised by python-binance or its HTTP transport."""
    if isinstance(exc, TradecoreError):
        return exc
    from binance.exceptions import BinanceAPIException, BinanceRequestException
    from requests import RequestException

    if isinstance(exc, BinanceAPIException):
        response = getattr(exc, "response", None)
        headers = getattr(response, "headers", None) or {}
        return _api_error(int(exc.code or 0), int(exc.status_code), str(exc.message), headers.get("Retry-After"))
    if isinstance(exc, BinanceRequestException | RequestException | TimeoutError | ConnectionError):
        return DependencyUnavailableError(
            "Binance did not answer in time",
            dependency=DEPENDENCY,
            temporary=True,
            details={"cause": type(exc).__name__},
        )
    return OperationalError(f"Unexpected error talking to Binance: {type(exc).__name__}")


def is_temporary(exc: BaseException) -> bool:
    """Whether the retry policy may try again (only temporary dependency errors)."""
    return isinstance(exc, DependencyUnavailableError) and exc.temporary


def is_timestamp_error(exc: TradecoreError) -> bool:
    return exc.details.get("exchange_code") == TIMESTAMP_OUTSIDE_WINDOW
