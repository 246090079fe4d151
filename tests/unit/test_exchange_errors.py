"""Every Binance error lands in the right place of the tradecore taxonomy."""

from __future__ import annotations

import json

import pytest
import requests
from binance.exceptions import BinanceAPIException, BinanceRequestException

from tradecore.adapters.binance_errors import is_temporary, translate
from tradecore.errors import (
    DependencyUnavailableError,
    ExchangeAuthError,
    InsufficientFundsError,
    InvalidOrderError,
    NotFoundError,
    OperationalError,
)


class _Response:
    def __init__(self, status: int, headers: dict[str, str] | None = None) -> None:
        self.status_code = status
        self.headers = headers or {}
        self.text = ""


def api_error(status: int, code: int, msg: str, headers: dict[str, str] | None = None) -> BinanceAPIException:
    return BinanceAPIException(_Response(status, headers), status, json.dumps({"code": code, "msg": msg}))


@pytest.mark.parametrize(("status", "code", "msg", "expected"), [
    (400, -1013, "Filter failure: LOT_SIZE", InvalidOrderError),
    (400, -1111, "Precision is over the maximum defined for this asset.", InvalidOrderError),
    (400, -1121, "Invalid symbol.", InvalidOrderError),
    (400, -2010, "Account has insufficient balance for requested action.", InsufficientFundsError),
    (400, -2010, "Order would immediately match and take.", InvalidOrderError),
    (400, -2013, "Order does not exist.", NotFoundError),
    (400, -2011, "Unknown order sent.", NotFoundError),
    (400, -1022, "Signature for this request is not valid.", ExchangeAuthError),
    (401, -2014, "API-key format invalid.", ExchangeAuthError),
    (401, -2015, "Invalid API-key, IP, or permissions for action.", ExchangeAuthError),
    (400, -1021, "Timestamp for this request is outside of the recvWindow.", DependencyUnavailableError),
    (429, -1003, "Too much request weight used", DependencyUnavailableError),
    (418, -1003, "Way too much request weight used; IP banned", DependencyUnavailableError),
    (503, -1001, "Internal error", DependencyUnavailableError),
    (400, -9999, "Something new", OperationalError),
])  # fmt: skip
def test_api_errors_are_translated(status: int, code: int, msg: str, expected: type) -> None:
    error = translate(api_error(status, code, msg))
    assert type(error) is expected
    assert is_temporary(error) is (expected is DependencyUnavailableError)


def test_rejections_keep_binance_reason_and_code() -> None:
    error = translate(api_error(400, -2010, "Account has insufficient balance for requested action."))
    assert isinstance(error, InsufficientFundsError)
    assert (error.exchange_code, error.reason) == (-2010, "Account has insufficient balance for requested action.")


def test_rate_limit_keeps_retry_after() -> None:
    error = translate(api_error(429, -1003, "Too much request weight used", {"Retry-After": "7"}))
    assert error.details["retry_after"] == "7"


@pytest.mark.parametrize(
    "exc", [requests.Timeout("slow"), requests.ConnectionError("down"), BinanceRequestException("x")]
)
def test_transport_failures_are_temporary(exc: Exception) -> None:
    error = translate(exc)
    assert isinstance(error, DependencyUnavailableError)
    assert error.temporary
    assert error.dependency == "binance"
