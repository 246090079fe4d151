"""Bot settings: each field's range refused with the field named, the defaults from the platform's
risk settings, the mapping onto the risk limits the trade checks use, and the service that reads
and changes one user's settings (merging the fields sent, storing nothing on a refusal)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest

from tests.support.auth import FakeClock
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.bot_settings import BotSettings, check_symbols, default_bot_settings
from tradecore.domain.risk import RiskLimits
from tradecore.domain.users import Principal, Role
from tradecore.errors import InvalidInputError
from tradecore.services.trading.bot_settings import BotSettingsService

D = Decimal
PLATFORM = ("BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT")
LIMITS = RiskLimits(D("2000"), D("5000"), 5, D("500"), 0.70)
VALID = replace(default_bot_settings(LIMITS), automated_trading=True, symbols=("BTCUSDT",))

BAD_VALUES: list[tuple[str, Any]] = [
    ("automated_trading", "yes"),
    ("paused", 1),
    ("symbols", ["BTCUSDT"]),  # a list, not a tuple: never reaches storage as a mutable value
    ("symbols", ("BTCUSDT", "BTCUSDT")),
    ("symbols", ()),  # automated trading on without a symbol
    ("timeframe", "7m"),
    ("timeframe", "1H"),
    ("min_confidence", -0.01),
    ("min_confidence", 1.01),
    ("min_confidence", float("nan")),
    ("min_confidence", True),
    ("amount_per_trade_usdt", D("0")),
    ("amount_per_trade_usdt", D("-5")),
    ("amount_per_trade_usdt", D("NaN")),
    ("amount_per_trade_usdt", D("0.000000001")),  # 9 decimals
    ("amount_per_trade_usdt", D("2000.01")),  # above max_trade_usdt
    ("max_trade_usdt", D("-1")),
    ("max_trade_usdt", D("Infinity")),
    ("max_position_usdt", D("-0.01")),
    ("max_position_usdt", D("1000000000000.01")),
    ("daily_loss_limit_usdt", D("-100")),
    ("max_open_positions", -1),
    ("max_open_positions", 1001),
    ("max_open_positions", 2.5),
    ("stop_loss_pct", D("0")),
    ("stop_loss_pct", D("50.01")),
    ("take_profit_pct", D("-1")),
    ("take_profit_pct", D("sNaN")),
    ("cooldown_seconds", -1),
    ("cooldown_seconds", 7 * 24 * 3600 + 1),
]


@pytest.mark.parametrize(("field", "value"), BAD_VALUES, ids=[f"{f}={v!r}" for f, v in BAD_VALUES])
def test_bot_settings_refuse_a_value_out_of_range_naming_the_field(field: str, value: Any) -> None:
    with pytest.raises(InvalidInputError) as refused:
        replace(VALID, **{field: value})

    expected = "amount_per_trade_usdt" if field == "amount_per_trade_usdt" else field
    assert refused.value.details == {"field": expected}
    assert refused.value.message.startswith(f"{expected}: ")
    assert refused.value.status == 422


GOOD_EDGES: list[tuple[str, Any]] = [
    ("min_confidence", 0.0),
    ("min_confidence", 1),
    ("amount_per_trade_usdt", D("0.00000001")),
    ("amount_per_trade_usdt", D("2000")),  # exactly the per-trade cap
    ("max_trade_usdt", D("0")),  # 0 disables the cap: any amount fits
    ("max_open_positions", 0),
    ("stop_loss_pct", D("50")),
    ("take_profit_pct", D("0.01")),
    ("cooldown_seconds", 0),
    ("timeframe", "1M"),
]


@pytest.mark.parametrize(("field", "value"), GOOD_EDGES, ids=[f"{f}={v!r}" for f, v in GOOD_EDGES])
def test_bot_settings_accept_the_edges_of_each_range(field: str, value: Any) -> None:
    assert getattr(replace(VALID, **{field: value}), field) == value


def test_bot_settings_with_no_per_trade_cap_accept_any_amount() -> None:
    settings = replace(VALID, max_trade_usdt=D("0"), amount_per_trade_usdt=D("999999"))
    assert settings.amount_per_trade_usdt == D("999999")


def test_bot_settings_defaults_come_from_the_platforms_risk_settings() -> None:
    defaults = default_bot_settings(LIMITS, timeframe="4h")

    assert (defaults.automated_trading, defaults.paused, defaults.symbols) == (False, False, ())
    assert defaults.risk_limits() == LIMITS
    assert (defaults.timeframe, defaults.min_confidence) == ("4h", 0.70)
    assert defaults.amount_per_trade_usdt == D("100")
    assert (defaults.stop_loss_pct, defaults.take_profit_pct, defaults.updated_at) == (None, None, None)


def test_bot_settings_default_amount_fits_under_a_small_per_trade_cap() -> None:
    assert default_bot_settings(replace(LIMITS, max_trade_usdt=D("40"))).amount_per_trade_usdt == D("40")


def test_bot_settings_defaults_of_the_container_follow_the_risk_variables(make_settings: Any) -> None:
    settings: Settings = make_settings(risk_max_trade_usdt=D("750"), risk_min_ai_confidence=0.8)
    defaults = bootstrap(settings).default_bot_settings

    assert (defaults.max_trade_usdt, defaults.min_confidence) == (D("750"), 0.8)
    assert defaults.max_position_usdt == settings.risk_max_position_usdt


def test_bot_settings_risk_limits_map_every_limit() -> None:
    settings = replace(VALID, max_trade_usdt=D("300.5"), max_position_usdt=D("900"), max_open_positions=2,
                       daily_loss_limit_usdt=D("75.25"), min_confidence=0.85)  # fmt: skip

    assert settings.risk_limits() == RiskLimits(D("300.5"), D("900"), 2, D("75.25"), 0.85)


def test_bot_settings_automating_is_on_and_not_paused() -> None:
    assert VALID.automating
    assert not replace(VALID, paused=True).automating
    assert not replace(VALID, automated_trading=False).automating


def test_check_symbols_names_the_symbols_the_platform_does_not_trade() -> None:
    check_symbols(("ETHUSDT", "BTCUSDT"), PLATFORM)
    with pytest.raises(InvalidInputError, match="DOGEUSDT, XRPUSDT not traded here") as refused:
        check_symbols(("BTCUSDT", "DOGEUSDT", "XRPUSDT"), PLATFORM)
    assert refused.value.details == {"field": "symbols"}


# ------------------------------------------------------------------------------------ service


class MemoryStore:
    def __init__(self) -> None:
        self.saved: dict[str, BotSettings] = {}

    def get(self, user_id: str) -> BotSettings | None:
        return self.saved.get(user_id)

    def put(self, user_id: str, settings: BotSettings) -> None:
        self.saved[user_id] = settings

    def users_automating(self, symbol: str) -> list[str]:
        return sorted(u for u, s in self.saved.items() if s.automated_trading and symbol in s.symbols)


NOW = 1_795_600_000.123456


def _service() -> tuple[BotSettingsService, MemoryStore]:
    store = MemoryStore()
    return BotSettingsService(store, default_bot_settings(LIMITS), symbols=PLATFORM, clock=FakeClock(NOW)), store


def _user(user_id: str = "trader-1") -> Principal:
    return Principal(user_id=user_id, role=Role.TRADER, token_id="t", issued_at=0.0, expires_at=0)


def test_bot_settings_service_answers_the_defaults_until_saved() -> None:
    service, store = _service()

    assert service.get(_user()) == default_bot_settings(LIMITS)
    assert store.saved == {}


def test_bot_settings_service_put_changes_only_the_fields_sent_and_stamps_the_time() -> None:
    service, store = _service()

    saved = service.put(_user(), {"automated_trading": True, "symbols": ["ETHUSDT"], "stop_loss_pct": D("2")})

    assert (saved.automated_trading, saved.symbols, saved.stop_loss_pct) == (True, ("ETHUSDT",), D("2"))
    assert saved.max_trade_usdt == LIMITS.max_trade_usdt  # untouched: still the default
    assert saved.updated_at == datetime(2026, 11, 25, 9, 46, 40, 123000, tzinfo=UTC)  # to the millisecond
    assert store.saved == {"trader-1": saved}


def test_bot_settings_service_pause_and_resume_keep_every_other_setting() -> None:
    service, _ = _service()
    before = service.put(_user(), {"automated_trading": True, "symbols": ["BTCUSDT"], "min_confidence": 0.9})

    paused = service.put(_user(), {"paused": True})
    resumed = service.put(_user(), {"paused": False})

    assert (paused.paused, paused.automating, resumed.automating) == (True, False, True)
    assert replace(resumed, updated_at=None) == replace(before, updated_at=None)


def test_bot_settings_service_clears_stop_loss_with_null() -> None:
    service, _ = _service()
    service.put(_user(), {"stop_loss_pct": D("3")})

    assert service.put(_user(), {"stop_loss_pct": None}).stop_loss_pct is None


REFUSED_CHANGES: list[tuple[dict[str, Any], str]] = [
    ({"symbols": ["BTCUSDT", "DOGEUSDT"]}, "symbols"),
    ({"automated_trading": True}, "symbols"),  # no symbols saved yet
    ({"max_trade_usdt": D("50")}, "amount_per_trade_usdt"),  # the saved 100 USDT no longer fits
    ({"min_confidence": 2}, "min_confidence"),
    ({"owner": "someone-else"}, "owner"),
]


@pytest.mark.parametrize(("changes", "field"), REFUSED_CHANGES, ids=[f for _, f in REFUSED_CHANGES])
def test_bot_settings_service_refuses_an_invalid_result_and_stores_nothing(changes: dict[str, Any], field: str) -> None:
    service, store = _service()
    service.put(_user(), {"cooldown_seconds": 60})
    before = dict(store.saved)

    with pytest.raises(InvalidInputError) as refused:
        service.put(_user(), changes)

    assert refused.value.details == {"field": field}
    assert store.saved == before


def test_bot_settings_service_keeps_each_users_settings_apart() -> None:
    service, _ = _service()
    service.put(_user("trader-1"), {"max_open_positions": 1})

    assert service.get(_user("trader-2")).max_open_positions == LIMITS.max_open_positions
    assert service.get(_user("trader-1")).max_open_positions == 1
