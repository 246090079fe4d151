"""Settings: every environment variable the system reads, its default, validated once.

This module is the one home of the spec's numbers (DESIGN.md §5). A wrong value fails at start
with a message naming the variable (:func:`load_settings`); secrets are ``SecretStr`` so they
never appear in ``repr``, logs or error messages.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any

from pydantic import Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from tradecore.errors import ConfigurationError

SECRET_FIELDS = (
    "mongodb_uri",
    "jwt_secret",
    "inter_service_token",
    "openai_api_key",
    "binance_api_key",
    "binance_api_secret",
)


class Environment(StrEnum):
    DEV = "dev"
    PROD = "prod"


class ExchangeMode(StrEnum):
    SIMULATOR = "simulator"
    TESTNET = "testnet"
    MAINNET = "mainnet"


class WebSocketPoster(StrEnum):
    """How one message reaches many ``@connections``: boto3 over a pool of threads (functions: a few
    posts per invocation, nothing more to import) or signed aiohttp posts (the stream task)."""

    THREADS = "threads"
    ASYNC = "async"


class RegistrationMode(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


def _csv(value: Any) -> Any:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """All configuration. Field ``foo_bar`` is read from the variable ``FOO_BAR``."""

    model_config = SettingsConfigDict(case_sensitive=False, extra="ignore", frozen=True)

    # --- environment -------------------------------------------------------------------------
    environment: Environment = Environment.DEV
    log_level: str | None = Field(default=None, pattern=r"^(DEBUG|INFO|WARNING|ERROR|CRITICAL)$")
    aws_region: str = "us-east-1"
    dashboard_origin: str = "http://localhost:3000"
    app_secrets_arn: str | None = None  # JSON secret in Secrets Manager filling unset secrets

    # --- MongoDB -----------------------------------------------------------------------------
    mongodb_uri: SecretStr = SecretStr("mongodb://127.0.0.1:27017")
    mongodb_database: str = "tradecore"
    mongodb_server_selection_timeout_ms: int = Field(default=1500, ge=100, le=30000)
    mongodb_max_pool_size: int = Field(default=10, ge=1, le=500)

    # --- AWS resources (names reach code only through these) ---------------------------------
    connections_table: str = "tradecore-connections"
    idempotency_table: str = "tradecore-idempotency"
    service_state_table: str = "tradecore-service-state"
    trade_outbox_queue_url: str | None = None
    autotrade_queue_url: str | None = None  # one message per user and candle signal (the AutoTrader)
    reconcile_queue_url: str | None = None  # one message per user to reconcile (the reconciliation worker)
    websocket_management_url: str | None = None  # https://{api}.execute-api.{region}.amazonaws.com/{stage}
    websocket_poster: WebSocketPoster = WebSocketPoster.THREADS

    # --- auth --------------------------------------------------------------------------------
    jwt_secret: SecretStr | None = None
    jwt_expiry_hours: int = Field(default=24, ge=1, le=24 * 30)
    inter_service_token: SecretStr | None = None
    registration_mode: RegistrationMode = RegistrationMode.OPEN
    login_max_failures: int = Field(default=5, ge=1)
    login_window_seconds: int = Field(default=15 * 60, ge=1)
    jwt_leeway_seconds: int = Field(default=30, ge=0, le=300)  # clock skew between instances
    # with registration closed, the one email that may register while there are no users (→ admin)
    bootstrap_admin_email: str | None = None

    # --- AI ----------------------------------------------------------------------------------
    ai_service_url: str = "http://127.0.0.1:8000"
    openai_api_key: SecretStr | None = None
    openai_base_url: str | None = None
    openai_model: str = "gpt-4o-mini"
    ai_timeout_seconds: float = Field(default=30.0, gt=0, le=30)
    ai_retry_delays_seconds: Annotated[list[float], NoDecode] = Field(default_factory=lambda: [1.0, 3.0])
    ai_degraded_after_failed_checks: int = Field(default=3, ge=1)
    ai_cached_signal_max_age_seconds: int = Field(default=15 * 60, ge=0)
    ai_recovery_check_seconds: int = Field(default=30, ge=1)
    analysis_queue_max: int = Field(default=1000, ge=1)
    analysis_retention_days: int = Field(default=30, ge=1)
    ai_request_budget_seconds: float = Field(default=29.0, gt=0, le=900)  # when no Lambda context says
    ai_deadline_margin_seconds: float = Field(default=1.0, ge=0)  # kept for the fallback and storage
    ai_min_attempt_seconds: float = Field(default=1.0, gt=0)  # no OpenAI attempt with less time left
    ai_prompt_recent_candles: int = Field(default=12, ge=1, le=200)
    openai_max_output_tokens: int = Field(default=400, ge=50)
    analysis_flush_retry_seconds: float = Field(default=5.0, gt=0)  # background retry of queued analyses

    # --- circuit breaker (state shared through the service-state table) ---------------------
    breaker_fail_max: int = Field(default=5, ge=1)
    breaker_reset_seconds: int = Field(default=30, ge=1)
    breaker_success_threshold: int = Field(default=3, ge=1)

    # --- caches (seconds) --------------------------------------------------------------------
    analysis_cache_ttl_ai: int = Field(default=300, ge=0)
    analysis_cache_ttl_core: int = Field(default=120, ge=0)
    indicator_cache_ttl: int = Field(default=60, ge=0)
    market_data_cache_ttl: int = Field(default=30, ge=0)
    account_cache_ttl: int = Field(default=300, ge=0)
    positions_cache_ttl: int = Field(default=30, ge=0)

    # --- sync cadence ------------------------------------------------------------------------
    account_sync_seconds: int = Field(default=30, ge=1)
    account_cache_seconds: int = Field(default=300, ge=1)  # the account view, shared by all instances
    account_refresh_seconds: int = Field(default=10, ge=1)  # refresh=true: one exchange read per user per window
    reconcile_seconds: int = Field(default=300, ge=60)
    price_fanout_ms: int = Field(default=100, ge=10)
    trade_flow_budget_seconds: float = Field(default=5.0, gt=0)
    health_cache_seconds: float = Field(default=5.0, ge=0)  # public health answers reuse a fresh check
    # the stream task's user side: this task follows the accounts whose user id hashes to its shard
    stream_shard_index: int = Field(default=0, ge=0)
    stream_shard_count: int = Field(default=1, ge=1)
    stream_accounts_refresh_seconds: float = Field(default=30.0, gt=0)

    # --- exchange ----------------------------------------------------------------------------
    binance_testnet: bool = False
    binance_mainnet_enabled: bool = False  # mainnet only when explicitly enabled (prod profile)
    # users' exchange connections: the KMS key of their API secrets, how long a decrypted secret
    # stays in memory, the static egress IP users whitelist (mainnet), a paper account's USDT
    kms_key_id: str | None = None
    exchange_credentials_cache_seconds: int = Field(default=300, ge=0, le=3600)
    egress_ip: str | None = None
    paper_account_usdt: Decimal = Field(default=Decimal("10000"), gt=0)
    binance_simulator_url: str = "http://127.0.0.1:9000"
    binance_api_key: SecretStr | None = None
    binance_api_secret: SecretStr | None = None
    binance_recv_window_ms: int = Field(default=5000, ge=1, le=60000)
    binance_timeout_seconds: float = Field(default=10.0, gt=0, le=30)
    binance_retry_attempts: int = Field(default=3, ge=1, le=10)
    binance_retry_base_seconds: float = Field(default=0.2, ge=0, le=10)
    # After an order request that may have executed (5xx, timeout, -1006/-1007) the order is looked
    # up, never resent, with the retry back-off above until found or this long has passed; then the
    # caller gets OrderStatusUnknownError (record pending, reconcile). Binance may hide an accepted
    # order from queries for a moment, so a single "not found" proves nothing.
    binance_order_lookup_deadline_seconds: float = Field(default=3.0, gt=0, le=60)
    binance_exchange_info_ttl_seconds: int = Field(default=300, ge=0)
    trading_symbols: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"]
    )
    max_order_notional_usdt: Decimal = Field(default=Decimal("10000"), gt=0)

    # --- trading: the risk limits of users who set none (their bot settings override them) ---
    risk_max_trade_usdt: Decimal = Field(default=Decimal("2000"), ge=0)  # 0 disables a cap
    risk_max_position_usdt: Decimal = Field(default=Decimal("5000"), ge=0)
    risk_max_open_positions: int = Field(default=5, ge=0)
    risk_daily_loss_limit_usdt: Decimal = Field(default=Decimal("500"), ge=0)
    risk_min_ai_confidence: float = Field(default=0.70, ge=0, le=1)
    # the AI signal a trade asks for: its timeframe and how many closed candles the analysis sees
    trade_signal_timeframe: str = "1h"
    trade_signal_candles: int = Field(default=200, ge=50, le=1000)
    # a user's "analyze now": requests per user per minute (LLM calls cost money), candles per timeframe
    user_analyze_per_minute: int = Field(default=10, ge=1)
    user_analyze_candles: int = Field(default=200, ge=50, le=1000)
    # a protective stop-loss becomes a stop-limit this far beyond its stop, so it can still fill in
    # the falling market that triggered it
    stop_limit_slippage: Decimal = Field(default=Decimal("0.005"), ge=0, lt=Decimal("0.2"))
    idempotency_expiry_seconds: int = Field(default=24 * 3600, ge=60)

    @model_validator(mode="before")
    @classmethod
    def _split_lists(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in ("ai_retry_delays_seconds", "trading_symbols"):
                for candidate in (key, key.upper()):
                    if candidate in data:
                        data[candidate] = _csv(data[candidate])
        return data

    @model_validator(mode="after")
    def _check_consistency(self) -> Settings:
        if self.binance_testnet and self.binance_mainnet_enabled:
            raise ValueError("BINANCE_TESTNET and BINANCE_MAINNET_ENABLED cannot both be true")
        if self.environment is Environment.PROD:
            for name in ("jwt_secret", "inter_service_token"):
                if getattr(self, name) is None and not self.app_secrets_arn:
                    raise ValueError(f"{name.upper()} (or APP_SECRETS_ARN) is required when ENVIRONMENT=prod")
        if (
            self.exchange_mode is not ExchangeMode.SIMULATOR
            and not (self.binance_api_key and self.binance_api_secret)
            and not self.app_secrets_arn
        ):
            raise ValueError("BINANCE_API_KEY and BINANCE_API_SECRET are required for testnet or mainnet")
        if self.stream_shard_index >= self.stream_shard_count:
            raise ValueError("STREAM_SHARD_INDEX must be below STREAM_SHARD_COUNT")
        return self

    @property
    def exchange_mode(self) -> ExchangeMode:
        if self.binance_mainnet_enabled:
            return ExchangeMode.MAINNET
        if self.binance_testnet:
            return ExchangeMode.TESTNET
        return ExchangeMode.SIMULATOR

    @property
    def effective_log_level(self) -> str:
        """Debug logs in dev, info in prod, unless ``LOG_LEVEL`` says otherwise."""
        return self.log_level or ("DEBUG" if self.environment is Environment.DEV else "INFO")

    def secret_values(self) -> list[str]:
        """The plain values of every secret that is set (for log redaction)."""
        values = []
        for name in SECRET_FIELDS:
            secret = getattr(self, name)
            if secret is not None and secret.get_secret_value():
                values.append(secret.get_secret_value())
        return values

    def with_secrets(self, secrets: dict[str, str]) -> Settings:
        """A copy where unset secrets are filled from ``secrets`` (variable names as keys)."""
        filled = {
            name: SecretStr(secrets[name.upper()])
            for name in SECRET_FIELDS
            if name.upper() in secrets and (getattr(self, name) is None or name == "mongodb_uri")
        }
        return self.model_copy(update=filled)


def load_settings(**overrides: Any) -> Settings:
    """Read and validate the environment; raise :class:`ConfigurationError` naming the variable.

    The message names each offending variable and the rule it broke, never the value itself.
    """
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            variable = ".".join(str(part) for part in error["loc"]).upper() or "configuration"
            problems.append(f"{variable}: {error['msg']}")
        raise ConfigurationError("Invalid configuration: " + "; ".join(problems)) from None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read once (Lambda containers reuse them)."""
    return load_settings()
