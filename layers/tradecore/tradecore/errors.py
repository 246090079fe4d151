"""One error taxonomy for the whole platform.

Adapters translate vendor errors into these (``raise ... from e``); the HTTP and WebSocket
edges map them to responses exactly once (see ``tradecore.http_api``). Messages are written for
the user: they never carry secrets, stack traces or vendor internals.
"""

from __future__ import annotations

from typing import Any


class TradecoreError(Exception):
    """Base of every error the platform raises on purpose."""

    status: int = 500
    code: str = "internal_error"
    default_message: str = "Internal error"

    def __init__(self, message: str | None = None, *, details: dict[str, Any] | None = None) -> None:
        self.message = message or self.default_message
        self.details = details or {}
        super().__init__(self.message)


class InvalidInputError(TradecoreError):
    """The request is malformed or breaks a rule (schema, filters, risk limits)."""

    status = 422
    code = "validation_error"
    default_message = "The request is not valid"


class IdempotencyKeyError(InvalidInputError):
    """The ``Idempotency-Key`` header is missing or malformed (nothing was done)."""

    status = 400
    code = "idempotency_key_required"
    default_message = "Send an Idempotency-Key header (1-128 printable characters) with this request"


class IdempotencyKeyReusedError(InvalidInputError):
    """The key was already used for a different request: the first one stands, this one did nothing."""

    code = "idempotency_key_reused"
    default_message = "This Idempotency-Key was already used for a different request; use a new key"


class RiskLimitError(InvalidInputError):
    """The trade would break one of the user's risk limits (``details["limit"]`` names it)."""

    code = "risk_limit_exceeded"
    default_message = "The trade would exceed one of your risk limits"


class SignalRefusedError(InvalidInputError):
    """``use_ai`` was asked and the signal does not support the trade with enough confidence."""

    code = "ai_signal_refused"
    default_message = "The AI signal does not support this trade with the confidence you require"


class AuthenticationError(TradecoreError):
    status = 401
    code = "unauthorized"
    default_message = "Authentication required"


class ForbiddenError(TradecoreError):
    status = 403
    code = "forbidden"
    default_message = "Not allowed"


class TradingHaltedError(ForbiddenError):
    """The platform's kill switch is on: no new orders leave for anyone until an admin turns it off."""

    code = "trading_halted"
    default_message = "Trading is halted on the platform right now; no order was sent"


class NotFoundError(TradecoreError):
    status = 404
    code = "not_found"
    default_message = "Not found"


class ConflictError(TradecoreError):
    status = 409
    code = "conflict"
    default_message = "Conflict with the current state"


class RequestInProgressError(ConflictError):
    """The same Idempotency-Key is being served right now; retry after it finishes."""

    code = "request_in_progress"
    default_message = "A request with this Idempotency-Key is still in progress; retry in a moment"


class RateLimitedError(TradecoreError):
    status = 429
    code = "rate_limited"
    default_message = "Too many requests"

    def __init__(self, message: str | None = None, *, retry_after: int = 1, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = max(1, int(retry_after))


class DependencyUnavailableError(TradecoreError):
    """A dependency (MongoDB, the AI service, OpenAI, the exchange) cannot serve now.

    ``temporary`` errors may be retried by the caller's retry policy.
    """

    status = 503
    code = "dependency_unavailable"
    default_message = "A dependency is unavailable"

    def __init__(
        self, message: str | None = None, *, dependency: str = "unknown", temporary: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(message, **kwargs)
        self.dependency = dependency
        self.temporary = temporary


class CircuitOpenError(DependencyUnavailableError):
    """The dependency failed repeatedly (on any instance): calls are refused until it has had time
    to recover. Not retried by the retry policy: waiting is the point."""

    code = "circuit_open"
    default_message = "A dependency is failing; calls to it are paused"

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("temporary", False)
        super().__init__(message, **kwargs)


class OrderStatusUnknownError(DependencyUnavailableError):
    """An order was sent but the exchange's answer was lost and a lookup could not settle it.

    Never retried automatically (``temporary`` is False): the order may be live, so callers must
    record it as pending and let reconciliation decide, never as failed.
    """

    code = "order_status_unknown"
    default_message = (
        "The exchange did not confirm the order in time. It may have been placed; "
        "it will be reconciled shortly, so do not place it again."
    )

    def __init__(self, message: str | None = None, **kwargs: Any) -> None:
        kwargs.setdefault("dependency", "binance")
        kwargs.setdefault("temporary", False)
        super().__init__(message, **kwargs)


class ExchangeRejectedError(TradecoreError):
    """The exchange refused the request; ``reason`` is the exchange's own message."""

    status = 422
    code = "exchange_rejected"
    default_message = "The exchange rejected the request"

    def __init__(
        self, message: str | None = None, *, exchange_code: int | None = None, reason: str = "", **kwargs: Any
    ) -> None:
        super().__init__(message or (f"Exchange rejected the request: {reason}" if reason else None), **kwargs)
        self.exchange_code = exchange_code
        self.reason = reason


class InvalidOrderError(ExchangeRejectedError):
    code = "invalid_order"
    default_message = "The order breaks the exchange's rules"


class InsufficientFundsError(ExchangeRejectedError):
    code = "insufficient_funds"
    default_message = "Insufficient balance for the order"


class ExchangeKeyRefusedError(ExchangeRejectedError):
    """A user's own API key, offered as their exchange connection, was refused (invalid, revoked,
    for another network, or without spot trading). The user can fix it, hence 4xx, unlike
    :class:`ExchangeAuthError` for the platform's own credentials."""

    code = "exchange_key_refused"
    default_message = "The exchange refused this API key"


class WithdrawalEnabledKeyError(ExchangeKeyRefusedError):
    """A mainnet key that may withdraw funds: refused, so a leaked key can never move money out."""

    code = "withdrawal_enabled_key"
    default_message = (
        "This API key may withdraw funds. Create a key with withdrawals disabled (spot trading only) and connect that."
    )


class ExchangeAuthError(ExchangeRejectedError):
    status = 502
    code = "exchange_auth_failed"
    default_message = "The exchange refused our credentials"


class OperationalError(TradecoreError):
    """Something is wrong that needs a human (misconfiguration, unknown exchange state)."""

    status = 500
    code = "operational_error"
    default_message = "Operational error; the team has been alerted"


class ConfigurationError(TradecoreError):
    """Configuration is missing or malformed; raised at start, names the variable."""

    status = 500
    code = "configuration_error"
    default_message = "The service is misconfigured"


class InternalError(TradecoreError):
    status = 500
    code = "internal_error"
    default_message = "Internal error"
