"""Market data for the dashboard: candles and last prices of the platform's symbols (``ReadUser``).

Public market data, the same for every user, through a cache every instance shares (the spec's
30 s); the exchange down answers 503 unless the cache still holds the answer.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from trade.schemas.market import CandlesBody, PricesBody, candle_body
from tradecore.http_api import ContainerDep
from tradecore.http_auth import ReadUser
from tradecore.http_responses import error_responses

router = APIRouter(tags=["market"])

_REFUSALS = {422: "A symbol the platform does not trade, an unknown interval or a limit outside 1..1000 (named)",
             503: "The exchange cannot be reached and no recent answer is cached"}  # fmt: skip


@router.get(
    "/api/market/candles", response_model=CandlesBody, responses=error_responses(401, 422, 503, reasons=_REFUSALS)
)
def candles(
    _user: ReadUser,
    container: ContainerDep,
    symbol: Annotated[str, Query(examples=["BTCUSDT"])],
    interval: Annotated[str, Query(description="A Binance kline interval: 1m, 5m, 1h, 4h, 1d, ...")],
    limit: Annotated[int, Query(ge=1, le=1000)] = 500,
    end_time: Annotated[int | None, Query(ge=0, description="Epoch ms: the last candle opens at or before it")] = None,
) -> dict[str, Any]:
    """Candles of one symbol, oldest first (the newest one may still be open)."""
    klines = container.market_data.candles(symbol, interval, limit, end_time)
    return {"symbol": symbol, "interval": interval, "candles": [candle_body(k) for k in klines]}


@router.get("/api/market/prices", response_model=PricesBody, responses=error_responses(401, 422, 503, reasons={
    422: "A symbol the platform does not trade (named)", 503: _REFUSALS[503]}))  # fmt: skip
def prices(
    _user: ReadUser,
    container: ContainerDep,
    symbols: Annotated[
        str | None, Query(max_length=400, description="Comma-separated; all platform symbols if absent")
    ] = None,
) -> dict[str, Any]:
    """Last prices, by symbol."""
    return {"prices": {symbol: format(price, "f") for symbol, price in container.market_data.prices(symbols).items()}}
