"""The AI service's ``POST /ai/analyze`` over HTTP: the trade flow's :class:`~tradecore.ports.SignalClient`.

Every call carries ``Authorization: Bearer <INTER_SERVICE_TOKEN>`` and the current trace id as
``X-Request-ID``. Attempts: now, +1 s, +3 s (``AI_RETRY_DELAYS_SECONDS``); each attempt's timeout
is ``min(AI_TIMEOUT_SECONDS, time left)`` and no attempt starts with less than
``min_attempt_seconds`` before the caller's deadline. Transport errors, timeouts, 429 and 5xx are
retried; any other non-2xx answer is not (we sent something the service refused: a bug).

The whole call, retries included, goes through the shared circuit breaker (named
:data:`AI_SERVICE_BREAKER`), so one call that exhausts its attempts counts as one failure: five
failed trade requests, not two, open the circuit for every instance. A refusal or a malformed
answer counts as a success for the breaker: the service is up, it answered.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import httpx
from tenacity import RetryCallState

from tradecore.domain.analysis_answer import AnalysisAnswer
from tradecore.domain.orders import Kline
from tradecore.domain.signals import Signal, Source
from tradecore.domain.trades import SignalSummary
from tradecore.errors import DependencyUnavailableError
from tradecore.observability import TRACE_HEADER, current_trace_id, logger, new_trace_id
from tradecore.resilience import CircuitBreaker, RetryPolicy

AI_SERVICE_BREAKER = "ai_service"
DEPENDENCY = "ai_service"
ANALYZE_PATH = "/ai/analyze"
ORIGIN = "ai_service"
_T = TypeVar("_T")


class _TemporaryError(Exception):
    """Worth another attempt: transport error, timeout, 429 or 5xx."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class _Refusal:
    """The service answered, but not with a signal (a 4xx, or a body we cannot read)."""

    message: str


def _is_temporary(exc: BaseException) -> bool:
    return isinstance(exc, _TemporaryError)


def _retry_after(exc: BaseException) -> float | None:
    return exc.retry_after if isinstance(exc, _TemporaryError) else None


def _parse_retry_after(value: str | None) -> float | None:
    try:
        seconds = float(value) if value else None
    except ValueError:
        return None  # an HTTP date: rare from API Gateway; the scheduled delay applies
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None


def _decimal_text(value: object) -> str:
    return format(value, "f")  # plain notation: never "1E-7"


def candle_body(candles: Sequence[Kline]) -> list[list[Any]]:
    """Klines as ``/ai/analyze`` kline arrays: ``[open_time, "open", "high", "low", "close", "volume", close_time]``."""
    return [
        [k.open_time, *(_decimal_text(v) for v in (k.open, k.high, k.low, k.close, k.volume)), k.close_time]
        for k in candles
    ]


class AiServiceClient:
    """Asks the AI service for a signal; raises ``DependencyUnavailableError`` when it cannot answer in time."""

    def __init__(
        self,
        base_url: str,
        service_token: str,
        breaker: CircuitBreaker,
        *,
        timeout_seconds: float,
        retry_delays: Sequence[float],
        clock_monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        min_attempt_seconds: float = 1.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self._url = base_url.rstrip("/") + ANALYZE_PATH
        self._token = service_token
        self._breaker = breaker
        self._timeout = timeout_seconds
        self._min_attempt = min_attempt_seconds
        self._monotonic = clock_monotonic
        self._retry = RetryPolicy(
            delays=tuple(retry_delays),
            retryable=_is_temporary,
            min_attempt_seconds=min_attempt_seconds,
            wait_floor=_retry_after,
            before_retry=_log_retry,
            sleep=sleep,
            monotonic=clock_monotonic,
        )
        self._http = httpx.Client(transport=transport)

    def analyze(self, symbol: str, timeframe: str, candles: Sequence[Kline], deadline: float) -> SignalSummary:
        """The AI service's signal for ``candles`` (``symbol`` on ``timeframe``), answered before ``deadline``.

        Raises ``CircuitOpenError`` while the shared breaker is open (no request is sent),
        ``DependencyUnavailableError`` when every attempt the deadline allows failed, and
        ``DependencyUnavailableError(temporary=False)`` when the service refused the request.
        """
        body = {"symbol": symbol, "timeframe": timeframe, "candles": candle_body(candles)}
        return self._call(symbol, body, deadline, _summary)

    def analysis(
        self,
        symbol: str,
        timeframe: str,
        candles: Sequence[Kline],
        deadline: float,
        timeframes: Mapping[str, Sequence[Kline]] | None = None,
    ) -> AnalysisAnswer:
        """The AI service's whole answer (reasoning, model, candle) for a user's "analyze now":
        ``candles`` of ``timeframe`` and, in ``timeframes``, those of other timeframes. The same call,
        retries, breaker and errors as :meth:`analyze`."""
        body: dict[str, Any] = {"symbol": symbol, "timeframe": timeframe, "candles": candle_body(candles)}
        if timeframes:
            body["timeframes"] = {name: candle_body(rows) for name, rows in timeframes.items()}
        return self._call(symbol, body, deadline, _answer)

    def _call(
        self, symbol: str, body: dict[str, Any], deadline: float, parse: Callable[[httpx.Response], _T | _Refusal]
    ) -> _T:
        left = deadline - self._monotonic()
        if left < self._min_attempt:  # our deadline, not the service's fault: the breaker is not told
            raise DependencyUnavailableError(
                f"AI service not asked: {max(left, 0.0):.2f}s left before the deadline", dependency=DEPENDENCY
            )
        headers = {"Authorization": f"Bearer {self._token}", TRACE_HEADER: current_trace_id() or new_trace_id()}
        try:
            outcome = self._breaker.call(
                self._retry.call_until, deadline, self._attempt, body, headers, deadline, parse
            )
        except _TemporaryError as exc:
            raise DependencyUnavailableError(f"AI service unavailable: {exc}", dependency=DEPENDENCY) from exc
        if isinstance(outcome, _Refusal):
            logger.error("AI service refused the request", extra={"symbol": symbol, "reason": outcome.message})
            raise DependencyUnavailableError(
                f"AI service refused the request: {outcome.message}", dependency=DEPENDENCY, temporary=False
            )
        return outcome

    def close(self) -> None:
        self._http.close()

    def _attempt(
        self, body: dict[str, Any], headers: dict[str, str], deadline: float,
        parse: Callable[[httpx.Response], _T | _Refusal],
    ) -> _T | _Refusal:  # fmt: skip
        remaining = deadline - self._monotonic()
        if remaining < self._min_attempt:
            raise _TemporaryError(f"deadline too close for an attempt ({max(remaining, 0.0):.2f}s left)")
        try:
            response = self._http.post(self._url, json=body, headers=headers, timeout=min(self._timeout, remaining))
        except httpx.TimeoutException as exc:
            raise _TemporaryError(f"timed out ({type(exc).__name__})") from exc
        except httpx.TransportError as exc:
            raise _TemporaryError(f"unreachable ({type(exc).__name__})") from exc
        status = response.status_code
        if status == httpx.codes.TOO_MANY_REQUESTS or status >= httpx.codes.INTERNAL_SERVER_ERROR:
            raise _TemporaryError(f"HTTP {status}", _parse_retry_after(response.headers.get("Retry-After")))
        if not response.is_success:
            return _Refusal(f"HTTP {status}{_error_code(response)}")
        return parse(response)


def _error_code(response: httpx.Response) -> str:
    """`` (code)`` from the platform's error body ``{"error": {"code", ...}}``, if there is one."""
    try:
        code = response.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return ""
    return f" ({code})" if isinstance(code, str) else ""


def _summary(response: httpx.Response) -> SignalSummary | _Refusal:
    try:
        data = response.json()
        confidence = float(data["confidence"])
        if not 0.0 <= confidence <= 1.0:
            raise ValueError("confidence out of range")
        analysis_id = data.get("analysis_id")
        return SignalSummary(
            signal=Signal(data["signal"]).value,
            confidence=confidence,
            source=Source(data["source"]).value,
            origin=ORIGIN,
            analysis_id=str(analysis_id) if analysis_id is not None else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return _Refusal(f"unreadable answer ({type(exc).__name__})")


def _answer(response: httpx.Response) -> AnalysisAnswer | _Refusal:
    try:
        data = response.json()
        if not isinstance(data, dict):
            raise TypeError("not an object")
        return AnalysisAnswer.from_json(data)
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        return _Refusal(f"unreadable answer ({type(exc).__name__})")


def _log_retry(state: RetryCallState) -> None:
    error = state.outcome.exception() if state.outcome else None
    logger.warning(
        "AI service call failed, retrying",
        extra={"attempt": state.attempt_number, "error": str(error) if error else None},
    )
