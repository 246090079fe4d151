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
IP_BANNED_STATUS = 418  # retrying while banned only lengthens the ban
RATE_LIMITED_STATUS = 429
DUPLICATE_ORDER_MESSAGE = "duplicate order sent"
# A Retry-After longer than this is not waited out inside one request: the error goes to the caller
MAX_HONOURED_RETRY_AFTER_SECONDS = 10.0
# Binance codes for "try again": internal error, disconnected, unknown/timeout, server busy,
# too many requests, too many orders, timestamp (after a resync)
TEMPORARY_CODES = frozenset({-1000, -1001, -1003, -1006, -1007, -1008, -1015, TIMESTAMP_OUTSIDE_WINDOW})
# "Unexpected response" / "Send status unknown; execution status unknown": the matching engine may
# have executed the request, whatever HTTP status carries the code
STATUS_UNKNOWN_CODES = frozenset({-1006, -1007})
AUTH_CODES = frozenset({-1002, -1022, -2014, -2015})
NOT_FOUND_CODES = frozenset({-2013})
INVALID_ORDER_CODES = frozenset(
    {-1013, -1100, -1101, -1102, -1104, -1106, -1111, -1112, -1115, -1116, -1117, -1120, -1121, -1125, -2010, -2011}
)


def _api_error(code: int, status: int, message: str, retry_after: str | None) -> TradecoreError:
    details: dict[str, Any] = {"exchange_code": code, "http_status": status}
    if retry_after:
        details["retry_after"] = retry_after
    if status == IP_BANNED_STATUS:
        return DependencyUnavailableError(
            f"Binance has banned this IP for now: {message}", dependency=DEPENDENCY, temporary=False, details=details
        )
    if status == RATE_LIMITED_STATUS or status >= 500 or code in TEMPORARY_CODES:
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


def retry_after_seconds(exc: BaseException) -> float | None:
    """The ``Retry-After`` Binance sent with the error (seconds), or None."""
    raw = exc.details.get("retry_after") if isinstance(exc, TradecoreError) else None
    try:
        return max(0.0, float(raw)) if raw is not None else None
    except (TypeError, ValueError):
        return None


def is_temporary(exc: BaseException) -> bool:
    """Whether the retry policy may try again: temporary dependency errors whose Retry-After (if
    any) is short enough to wait out; never an IP ban (418)."""
    if not (isinstance(exc, DependencyUnavailableError) and exc.temporary):
        return False
    wait = retry_after_seconds(exc)
    return wait is None or wait <= MAX_HONOURED_RETRY_AFTER_SECONDS


def may_have_been_executed(exc: BaseException) -> bool:
    """Whether a failed order request may still have been executed (Binance: 5XX, transport
    failures and the codes -1006/-1007 on any status mean "execution status unknown"; any other
    4XX, 418 and 429 included, was not processed)."""
    if not isinstance(exc, DependencyUnavailableError):
        return False
    if exc.details.get("exchange_code") in STATUS_UNKNOWN_CODES:
        return True
    status = exc.details.get("http_status")
    return status is None or int(status) >= 500


def is_duplicate_order(exc: BaseException) -> bool:
    """Binance's -2010 "Duplicate order sent.": an open order already has this client id."""
    return (
        isinstance(exc, InvalidOrderError)
        and exc.exchange_code == -2010
        and DUPLICATE_ORDER_MESSAGE in exc.reason.lower()
    )


def is_timestamp_error(exc: TradecoreError) -> bool:
    return exc.details.get("exchange_code") == TIMESTAMP_OUTSIDE_WINDOW
