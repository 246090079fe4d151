"""Settings: the spec's defaults, validation naming the variable, secrets kept out of sight."""

from __future__ import annotations

import pytest

from tradecore.config import ExchangeMode, Settings, load_settings
from tradecore.errors import ConfigurationError


def test_defaults_carry_the_spec_numbers() -> None:
    settings = Settings()
    assert settings.ai_timeout_seconds == 30
    assert settings.ai_retry_delays_seconds == [1.0, 3.0]
    assert (settings.breaker_fail_max, settings.breaker_reset_seconds, settings.breaker_success_threshold) == (5, 30, 3)
    assert settings.ai_degraded_after_failed_checks == 3
    assert settings.ai_cached_signal_max_age_seconds == 15 * 60
    assert settings.analysis_queue_max == 1000
    assert (settings.analysis_cache_ttl_ai, settings.analysis_cache_ttl_core) == (300, 120)
    assert (settings.indicator_cache_ttl, settings.market_data_cache_ttl) == (60, 30)
    assert (settings.account_cache_ttl, settings.positions_cache_ttl) == (300, 30)
    assert (settings.account_sync_seconds, settings.reconcile_seconds, settings.price_fanout_ms) == (30, 300, 100)
    assert settings.jwt_expiry_hours == 24
    assert settings.analysis_retention_days == 30
    assert settings.openai_model == "gpt-4o-mini"
    assert settings.exchange_mode is ExchangeMode.SIMULATOR


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("AI_TIMEOUT_SECONDS", "soon"),
        ("AI_TIMEOUT_SECONDS", "45"),
        ("MONGODB_SERVER_SELECTION_TIMEOUT_MS", "5"),
        ("ENVIRONMENT", "staging"),
        ("REGISTRATION_MODE", "sometimes"),
        ("LOG_LEVEL", "LOUD"),
        ("BREAKER_FAIL_MAX", "0"),
    ],
)
def test_a_wrong_value_fails_naming_the_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigurationError) as raised:
        load_settings()
    assert variable in raised.value.message
    assert value not in raised.value.message.replace(variable, "")


def test_lists_are_read_from_comma_separated_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AI_RETRY_DELAYS_SECONDS", "0.5, 2")
    monkeypatch.setenv("TRADING_SYMBOLS", "BTCUSDT,ETHUSDT")
    settings = load_settings()
    assert settings.ai_retry_delays_seconds == [0.5, 2.0]
    assert settings.trading_symbols == ["BTCUSDT", "ETHUSDT"]


def test_secrets_never_appear_in_repr_or_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", "super-secret-jwt-value")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-not-a-real-key")
    settings = load_settings()
    assert "super-secret-jwt-value" not in repr(settings)
    assert "sk-test-not-a-real-key" not in str(settings)
    assert set(settings.secret_values()) >= {"super-secret-jwt-value", "sk-test-not-a-real-key"}


def test_prod_requires_the_auth_secrets(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ENVIRONMENT", "prod")
    with pytest.raises(ConfigurationError, match="JWT_SECRET"):
        load_settings()
    monkeypatch.setenv("APP_SECRETS_ARN", "arn:aws:secretsmanager:us-east-1:123456789012:secret:app")
    assert load_settings().effective_log_level == "INFO"


def test_real_exchange_needs_keys_and_never_both_networks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BINANCE_TESTNET", "true")
    with pytest.raises(ConfigurationError, match="BINANCE_API_KEY"):
        load_settings()
    monkeypatch.setenv("BINANCE_API_KEY", "k" * 16)
    monkeypatch.setenv("BINANCE_API_SECRET", "s" * 16)
    assert load_settings().exchange_mode is ExchangeMode.TESTNET
    monkeypatch.setenv("BINANCE_MAINNET_ENABLED", "true")
    with pytest.raises(ConfigurationError, match="cannot both"):
        load_settings()


def test_secrets_from_secrets_manager_fill_only_unset_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JWT_SECRET", "from-the-environment")
    settings = load_settings().with_secrets(
        {"JWT_SECRET": "from-the-secret", "INTER_SERVICE_TOKEN": "token-from-secret", "MONGODB_URI": "mongodb://db:1"}
    )
    assert settings.jwt_secret is not None
    assert settings.jwt_secret.get_secret_value() == "from-the-environment"
    assert settings.inter_service_token is not None
    assert settings.inter_service_token.get_secret_value() == "token-from-secret"
    assert settings.mongodb_uri.get_secret_value() == "mongodb://db:1"
