"""The listed symbols, their Binance filters, and the ``exchangeInfo`` document.

The filters are served and enforced as Binance shapes them, so clients meet the same rules
locally: MARKET orders pass LOT_SIZE and MARKET_LOT_SIZE (step 0, its own smaller ``maxQty``);
NOTIONAL's minimum and maximum bind MARKET orders only under ``applyMinToMarket`` /
``applyMaxToMarket``; PERCENT_PRICE_BY_SIDE bounds a limit price around the average price.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from devstack.exchange_sim.candles import QUOTE_VOLUME, VOLUME
from devstack.exchange_sim.errors import filter_failure

_ZERO = Decimal(0)


def fmt(value: Decimal | float, places: int = 8) -> str:
    """A decimal string as Binance writes them (fixed point, 8 places by default)."""
    if isinstance(value, float):
        return f"{value:.{places}f}"
    return f"{value:.{places}f}"


@dataclass(frozen=True)
class SymbolSpec:
    """One trading pair: its filters and the parameters of its simulated market."""

    symbol: str
    base: str
    quote: str
    tick_size: Decimal
    step_size: Decimal
    min_qty: Decimal
    max_qty: Decimal
    min_notional: Decimal
    max_notional: Decimal
    start_price: float
    annual_volatility: float
    depth_qty: float  # base quantity on the first book level; deeper levels hold more
    min_price: Decimal = Decimal("0.01")
    max_price: Decimal = Decimal("1000000")
    market_max_qty: Decimal = Decimal("100")  # MARKET_LOT_SIZE: Binance's is far below LOT_SIZE's
    apply_min_to_market: bool = True
    apply_max_to_market: bool = False
    bid_multiplier_up: Decimal = Decimal("5")  # PERCENT_PRICE_BY_SIDE, Binance's BTCUSDT values
    bid_multiplier_down: Decimal = Decimal("0.2")
    ask_multiplier_up: Decimal = Decimal("5")
    ask_multiplier_down: Decimal = Decimal("0.2")
    avg_price_mins: int = 5

    @property
    def price_places(self) -> int:
        return max(0, -self.tick_size.normalize().as_tuple().exponent)  # type: ignore[operator]

    @property
    def qty_places(self) -> int:
        return max(0, -self.step_size.normalize().as_tuple().exponent)  # type: ignore[operator]

    def check_price(self, price: Decimal) -> None:
        """Raise Binance's -1013 PRICE_FILTER failure unless ``price`` is on the grid."""
        if price < self.min_price or price > self.max_price or (price - self.min_price) % self.tick_size != _ZERO:
            raise filter_failure("PRICE_FILTER")

    def check_qty(self, qty: Decimal, market: bool = False) -> None:
        """Raise -1013 LOT_SIZE unless ``qty`` fits the lot rules; a MARKET order must also pass
        MARKET_LOT_SIZE (minQty 0 and stepSize 0: only its maximum binds)."""
        if qty < self.min_qty or qty > self.max_qty or (qty - self.min_qty) % self.step_size != _ZERO:
            raise filter_failure("LOT_SIZE")
        if market and qty > self.market_max_qty:
            raise filter_failure("MARKET_LOT_SIZE")

    def check_notional(self, notional: Decimal, market: bool = False) -> None:
        """Raise -1013 NOTIONAL outside [min, max]; for a MARKET order each bound binds only under
        its own flag."""
        if notional < self.min_notional and (self.apply_min_to_market or not market):
            raise filter_failure("NOTIONAL")
        if notional > self.max_notional and (self.apply_max_to_market or not market):
            raise filter_failure("NOTIONAL")

    def check_percent_price(self, side: str, price: Decimal, average: Decimal) -> None:
        """Raise -1013 PERCENT_PRICE_BY_SIDE unless ``price`` is within the side's band around the
        average price."""
        up, down = (
            (self.bid_multiplier_up, self.bid_multiplier_down)
            if side == "BUY"
            else (self.ask_multiplier_up, self.ask_multiplier_down)
        )
        if price > average * up or price < average * down:
            raise filter_failure("PERCENT_PRICE_BY_SIDE")

    def average_price(self, klines: Sequence[Sequence[Any]], last: Decimal) -> Decimal:
        """The volume-weighted average price of ``klines`` (the last ``avg_price_mins`` 1-minute
        candles), or ``last`` when they hold no volume: the reference of PERCENT_PRICE_BY_SIDE and
        of NOTIONAL for MARKET orders, as ``GET /api/v3/avgPrice`` reports it."""
        volume = sum(float(row[VOLUME]) for row in klines)
        if not volume:
            return last
        quote = sum(float(row[QUOTE_VOLUME]) for row in klines)
        return Decimal(f"{quote / volume:.{self.price_places}f}")

    def info(self) -> dict[str, Any]:
        """This symbol's entry in ``exchangeInfo``, field for field as Binance sends it."""
        return {
            "symbol": self.symbol,
            "status": "TRADING",
            "baseAsset": self.base,
            "baseAssetPrecision": 8,
            "quoteAsset": self.quote,
            "quotePrecision": 8,
            "quoteAssetPrecision": 8,
            "baseCommissionPrecision": 8,
            "quoteCommissionPrecision": 8,
            "orderTypes": [
                "LIMIT",
                "LIMIT_MAKER",
                "MARKET",
                "STOP_LOSS_LIMIT",
                "TAKE_PROFIT_LIMIT",
            ],
            "icebergAllowed": True,
            "ocoAllowed": True,
            "otoAllowed": False,
            "quoteOrderQtyMarketAllowed": True,
            "allowTrailingStop": False,
            "cancelReplaceAllowed": False,
            "isSpotTradingAllowed": True,
            "isMarginTradingAllowed": False,
            "filters": [
                {
                    "filterType": "PRICE_FILTER",
                    "minPrice": fmt(self.min_price),
                    "maxPrice": fmt(self.max_price),
                    "tickSize": fmt(self.tick_size),
                },
                {
                    "filterType": "LOT_SIZE",
                    "minQty": fmt(self.min_qty),
                    "maxQty": fmt(self.max_qty),
                    "stepSize": fmt(self.step_size),
                },
                {"filterType": "ICEBERG_PARTS", "limit": 10},
                {
                    "filterType": "MARKET_LOT_SIZE",
                    "minQty": fmt(_ZERO),
                    "maxQty": fmt(self.market_max_qty),
                    "stepSize": fmt(_ZERO),
                },
                {
                    "filterType": "PERCENT_PRICE_BY_SIDE",
                    "bidMultiplierUp": str(self.bid_multiplier_up),
                    "bidMultiplierDown": str(self.bid_multiplier_down),
                    "askMultiplierUp": str(self.ask_multiplier_up),
                    "askMultiplierDown": str(self.ask_multiplier_down),
                    "avgPriceMins": self.avg_price_mins,
                },
                {"filterType": "MAX_NUM_ORDERS", "maxNumOrders": 200},
                {"filterType": "MAX_NUM_ALGO_ORDERS", "maxNumAlgoOrders": 5},
                {
                    "filterType": "NOTIONAL",
                    "minNotional": fmt(self.min_notional),
                    "applyMinToMarket": self.apply_min_to_market,
                    "maxNotional": fmt(self.max_notional),
                    "applyMaxToMarket": self.apply_max_to_market,
                    "avgPriceMins": self.avg_price_mins,
                },
            ],
            "permissions": [],
            "permissionSets": [["SPOT"]],
            "defaultSelfTradePreventionMode": "EXPIRE_MAKER",
            "allowedSelfTradePreventionModes": ["NONE", "EXPIRE_TAKER", "EXPIRE_MAKER", "EXPIRE_BOTH"],
        }


DEFAULT_SYMBOLS: tuple[SymbolSpec, ...] = (
    SymbolSpec(
        "BTCUSDT", "BTC", "USDT", Decimal("0.01"), Decimal("0.00001"), Decimal("0.00001"), Decimal("9000"),
        Decimal("5"), Decimal("9000000"), 65000.0, 0.55, 0.6, market_max_qty=Decimal("100"),
    ),
    SymbolSpec(
        "ETHUSDT", "ETH", "USDT", Decimal("0.01"), Decimal("0.0001"), Decimal("0.0001"), Decimal("9000"),
        Decimal("5"), Decimal("9000000"), 3200.0, 0.70, 8.0, market_max_qty=Decimal("2000"),
    ),
    SymbolSpec(
        "BNBUSDT", "BNB", "USDT", Decimal("0.01"), Decimal("0.001"), Decimal("0.001"), Decimal("9000"),
        Decimal("5"), Decimal("9000000"), 580.0, 0.60, 40.0, market_max_qty=Decimal("5000"),
    ),
    SymbolSpec(
        "SOLUSDT", "SOL", "USDT", Decimal("0.01"), Decimal("0.001"), Decimal("0.001"), Decimal("90000"),
        Decimal("5"), Decimal("9000000"), 150.0, 0.85, 150.0, market_max_qty=Decimal("20000"),
    ),
)  # fmt: skip


RATE_LIMITS: list[dict[str, Any]] = [
    {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 6000},
    {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 100},
    {"rateLimitType": "ORDERS", "interval": "DAY", "intervalNum": 1, "limit": 200000},
    {"rateLimitType": "RAW_REQUESTS", "interval": "MINUTE", "intervalNum": 5, "limit": 61000},
]


def exchange_info(
    specs: dict[str, SymbolSpec], now_ms: int, wanted: list[str] | None, limits: list[dict[str, Any]]
) -> dict[str, Any]:
    """The ``GET /api/v3/exchangeInfo`` document for ``wanted`` symbols (all when None)."""
    names = wanted if wanted else list(specs)
    return {
        "timezone": "UTC",
        "serverTime": now_ms,
        "rateLimits": limits,
        "exchangeFilters": [],
        "symbols": [specs[name].info() for name in names],
    }
