"""The LLM analyzer: OpenAI chat completions with structured output, retries, deadline and breaker.

``openai`` is imported on the first call only (it costs ~0.4 s), so the AI function's cold start
does not pay for it when the key is unset or the answer is cached. Attempts: now, +1 s, +3 s
(``AI_RETRY_DELAYS_SECONDS``); each attempt's timeout is ``min(AI_TIMEOUT_SECONDS, time left)``
and no attempt starts with less than ``AI_MIN_ATTEMPT_SECONDS`` left. Rate limits, 5xx, timeouts
and connection errors are retried; malformed output is not (the technical answer is better than
waiting). The shared circuit breaker (:mod:`tradecore.resilience`, state in the service-state
table) stops every instance calling OpenAI after repeated failures; malformed output does not
count against OpenAI (it answered).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, ValidationError

from tradecore.adapters.openai.prompt import build_messages
from tradecore.config import Settings
from tradecore.domain.breaker import BreakerPhase, BreakerPolicy
from tradecore.domain.health import ComponentHealth, HealthStatus
from tradecore.domain.signals import MarketView, Signal, Source, Verdict
from tradecore.errors import CircuitOpenError, DependencyUnavailableError
from tradecore.ports import BreakerStore
from tradecore.resilience import CircuitBreaker, RetryPolicy


class LlmVerdict(BaseModel):
    """The structured output the model must return."""

    signal: Literal["Long", "Short", "Neutral"]
    confidence: float = Field(ge=0, le=1)
    reasoning: str = Field(max_length=2000)


class _TemporaryError(Exception):
    """Worth another attempt (429, 5xx, timeout, connection)."""


class _MalformedOutputError(Exception):
    """The model answered, but not in the agreed shape; not OpenAI being down."""


def _is_temporary(exc: BaseException) -> bool:
    return isinstance(exc, _TemporaryError)


class OpenAIAnalyzer:
    def __init__(self, settings: Settings, breaker_store: BreakerStore, clock: Callable[[], float] = time.time) -> None:
        self._settings = settings
        self.configured = settings.openai_api_key is not None
        self._client: Any = None
        self._client_lock = threading.Lock()
        self._retry = RetryPolicy(
            delays=tuple(settings.ai_retry_delays_seconds),
            retryable=_is_temporary,
            min_attempt_seconds=settings.ai_min_attempt_seconds,
        )
        policy = BreakerPolicy(
            fail_max=settings.breaker_fail_max,
            reset_seconds=settings.breaker_reset_seconds,
            success_threshold=settings.breaker_success_threshold,
        )
        self._breaker = CircuitBreaker("openai", breaker_store, policy, clock, neutral=(_MalformedOutputError,))
        self.last_call_at: datetime | None = None
        self.last_outcome: str | None = None

    def analyze(self, view: MarketView, deadline: float) -> Verdict:
        """Ask the model; raise ``DependencyUnavailableError`` naming the reason when it cannot answer in time."""
        if not self.configured:
            raise DependencyUnavailableError("OpenAI is not configured", dependency="openai", temporary=False)
        messages = build_messages(view, self._settings.ai_prompt_recent_candles)
        try:
            return self._retry.call_until(deadline, self._attempt, messages, deadline)
        except CircuitOpenError:
            reason = "circuit breaker open"
        except (_TemporaryError, _MalformedOutputError) as exc:
            reason = str(exc)
        raise DependencyUnavailableError(f"OpenAI unavailable: {reason}", dependency="openai")

    def _attempt(self, messages: list[dict[str, str]], deadline: float) -> Verdict:
        timeout = self._attempt_timeout(deadline)
        return self._breaker.call(self._complete, messages, timeout)

    def _attempt_timeout(self, deadline: float) -> float:
        remaining = self._retry.remaining(deadline)
        if remaining < self._settings.ai_min_attempt_seconds:
            raise _TemporaryError(f"deadline too close for an attempt ({remaining:.2f}s left)")
        return min(self._settings.ai_timeout_seconds, remaining)

    def _client_instance(self) -> Any:
        with self._client_lock:
            if self._client is None:
                from openai import OpenAI  # lazy: ~0.4 s of import

                assert self._settings.openai_api_key is not None  # noqa: S101 - checked by configured
                self._client = OpenAI(
                    api_key=self._settings.openai_api_key.get_secret_value(),
                    base_url=self._settings.openai_base_url,
                    max_retries=0,  # retries are ours: bounded by the caller's deadline
                    timeout=self._settings.ai_timeout_seconds,
                )
            return self._client

    def _complete(self, messages: list[dict[str, str]], timeout: float) -> Verdict:
        import openai

        started = time.perf_counter()
        self.last_call_at = datetime.now(UTC)
        try:
            completion = self._client_instance().chat.completions.parse(
                model=self._settings.openai_model,
                messages=messages,
                response_format=LlmVerdict,
                temperature=0.2,
                max_completion_tokens=self._settings.openai_max_output_tokens,
                timeout=timeout,
            )
        except (openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError) as exc:
            self.last_outcome = _describe(exc)
            raise _TemporaryError(self.last_outcome) from exc
        except openai.APIStatusError as exc:
            self.last_outcome = _describe(exc)
            raise DependencyUnavailableError(f"OpenAI refused: {self.last_outcome}", dependency="openai") from exc
        except (ValidationError, ValueError, openai.LengthFinishReasonError) as exc:
            self.last_outcome = f"malformed output ({type(exc).__name__})"
            raise _MalformedOutputError(self.last_outcome) from exc
        parsed = completion.choices[0].message.parsed if completion.choices else None
        if parsed is None:
            self.last_outcome = "malformed output (no parsed content or a refusal)"
            raise _MalformedOutputError(self.last_outcome)
        self.last_outcome = "ok"
        latency_ms = (time.perf_counter() - started) * 1000
        tokens = completion.usage.total_tokens if completion.usage else None
        return Verdict(
            Signal(parsed.signal),
            round(float(parsed.confidence), 3),
            parsed.reasoning,
            Source.LLM,
            completion.model or self._settings.openai_model,
            tokens=tokens,
            latency_ms=round(latency_ms, 3),
        )

    def check(self) -> ComponentHealth:
        """``openai`` health: configured or not (not configured is fine: technical-only mode)."""
        info: dict[str, Any] = {
            "configured": self.configured,
            "model": self._settings.openai_model,
            "breaker": "closed",
            "failures": 0,
            "last_call_at": self.last_call_at.isoformat() if self.last_call_at else None,
            "last_outcome": self.last_outcome,
        }
        if not self.configured:
            return ComponentHealth("openai", HealthStatus.OK, "not configured: technical analysis only", info)
        breaker = self._breaker.state()  # the shared state: what every instance sees
        if breaker is None:
            info["breaker"] = "unknown"
            return ComponentHealth("openai", HealthStatus.OK, "breaker state unavailable: calls go through", info)
        info.update(breaker=breaker.phase.value, failures=breaker.failures)
        if breaker.phase is not BreakerPhase.CLOSED:
            return ComponentHealth("openai", HealthStatus.DEGRADED, "circuit open: technical fallback", info)
        return ComponentHealth("openai", HealthStatus.OK, None, info)

    name = "openai"


def _describe(exc: Exception) -> str:
    status = getattr(exc, "status_code", None)
    return f"{type(exc).__name__}" + (f" (HTTP {status})" if status else "")
