"""Public market-data endpoints: ping, time, exchangeInfo, klines, tickers, depth, trades."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from devstack.exchange_sim import book
from devstack.exchange_sim import candles as cdl
from devstack.exchange_sim.errors import BinanceError, invalid_symbol, mandatory
from devstack.exchange_sim.http_common import SIM, int_param, json_response, symbol_of
from devstack.exchange_sim.market import SymbolMarket
from devstack.exchange_sim.symbols import exchange_info, fmt

routes = web.RouteTableDef()


@routes.get("/api/v3/ping")
async def ping(request: web.Request) -> web.Response:
    return json_response({})


@routes.get("/api/v3/time")
async def server_time(request: web.Request) -> web.Response:
    return json_response({"serverTime": request.app[SIM].clock.now()})


@routes.get("/api/v3/exchangeInfo")
async def get_exchange_info(request: web.Request) -> web.Response:
    sim = request.app[SIM]
    params = request["params"]
    wanted: list[str] | None = None
    if params.get("symbol"):
        wanted = [params["symbol"].upper()]
    elif params.get("symbols"):
        try:
            wanted = [str(name).upper() for name in json.loads(params["symbols"])]
        except ValueError:
            raise BinanceError(-1100, "Illegal characters found in parameter 'symbols'.") from None
    if wanted and any(name not in sim.specs for name in wanted):
        raise invalid_symbol()
    return json_response(exchange_info(sim.specs, sim.clock.now(), wanted, sim.rate_limits()))


def kline_row(candle: list[Any], price_places: int) -> list[Any]:
    """A candle as Binance's kline array (strings for decimals, ints for times and counts)."""
    return [
        candle[cdl.OPEN_TIME],
        fmt(candle[cdl.OPEN]),
        fmt(candle[cdl.HIGH]),
        fmt(candle[cdl.LOW]),
        fmt(candle[cdl.CLOSE]),
        fmt(candle[cdl.VOLUME]),
        candle[cdl.CLOSE_TIME],
        fmt(candle[cdl.QUOTE_VOLUME]),
        candle[cdl.COUNT],
        fmt(candle[cdl.TAKER_VOL]),
        fmt(candle[cdl.TAKER_QUOTE]),
        "0",
    ]


@routes.get("/api/v3/klines")
@routes.get("/api/v3/uiKlines")
async def klines(request: web.Request) -> web.Response:
    spec = symbol_of(request)
    assert spec is not None  # noqa: S101 - required
    params = request["params"]
    interval = params.get("interval")
    if not interval:
        raise mandatory("interval")
    if interval not in cdl.INTERVALS:
        raise BinanceError(-1120, "Invalid interval.")
    limit = int_param(params, "limit", 500, 1000) or 500
    series = request.app[SIM].market.symbols[spec.symbol].series[interval]
    rows = series.select(int_param(params, "startTime"), int_param(params, "endTime"), limit)
    return json_response([kline_row(row, spec.price_places) for row in rows])


def ticker_24h(market: SymbolMarket, now: int) -> dict[str, Any]:
    """Rolling 24-hour statistics from the 1-minute candles."""
    spec = market.spec
    rows = market.series["1m"].select(now - 86_400_000, None, 1500)
    last = market.last_price
    first = rows[0] if rows else None
    open_price = first[cdl.OPEN] if first else last
    volume = sum(r[cdl.VOLUME] for r in rows)
    quote_volume = sum(r[cdl.QUOTE_VOLUME] for r in rows)
    bid, ask = book.best_prices(market.last_price_decimal(), spec)
    depth = fmt(spec.depth_qty)
    return {
        "symbol": spec.symbol,
        "priceChange": fmt(last - open_price),
        "priceChangePercent": f"{(last - open_price) / open_price * 100:.3f}" if open_price else "0.000",
        "weightedAvgPrice": fmt(quote_volume / volume if volume else last),
        "prevClosePrice": fmt(rows[0][cdl.OPEN] if rows else last),
        "lastPrice": fmt(last),
        "lastQty": fmt(market.trades[-1].qty if market.trades else 0.0),
        "bidPrice": fmt(bid),
        "bidQty": depth,
        "askPrice": fmt(ask),
        "askQty": depth,
        "openPrice": fmt(open_price),
        "highPrice": fmt(max((r[cdl.HIGH] for r in rows), default=last)),
        "lowPrice": fmt(min((r[cdl.LOW] for r in rows), default=last)),
        "volume": fmt(volume),
        "quoteVolume": fmt(quote_volume),
        "openTime": first[cdl.OPEN_TIME] if first else now,
        "closeTime": now,
        "firstId": first[cdl.FIRST_ID] if first else 0,
        "lastId": market.next_trade_id - 1,
        "count": sum(r[cdl.COUNT] for r in rows),
    }


def _one_or_all(request: web.Request, build: Any) -> web.Response:
    sim = request.app[SIM]
    spec = symbol_of(request, required=False)
    if spec is not None:
        return json_response(build(sim.market.symbols[spec.symbol]))
    return json_response([build(market) for market in sim.market.symbols.values()])


@routes.get("/api/v3/ticker/price")
async def ticker_price(request: web.Request) -> web.Response:
    return _one_or_all(request, lambda m: {"symbol": m.spec.symbol, "price": fmt(m.last_price_decimal())})


@routes.get("/api/v3/ticker/24hr")
async def ticker_24hr(request: web.Request) -> web.Response:
    now = request.app[SIM].clock.now()
    return _one_or_all(request, lambda m: ticker_24h(m, now))


def book_ticker(market: SymbolMarket) -> dict[str, Any]:
    bid, ask = book.best_prices(market.last_price_decimal(), market.spec)
    depth = fmt(market.spec.depth_qty)
    return {"symbol": market.spec.symbol, "bidPrice": fmt(bid), "bidQty": depth, "askPrice": fmt(ask), "askQty": depth}


@routes.get("/api/v3/ticker/bookTicker")
async def ticker_book(request: web.Request) -> web.Response:
    return _one_or_all(request, book_ticker)


@routes.get("/api/v3/avgPrice")
async def avg_price(request: web.Request) -> web.Response:
    spec = symbol_of(request)
    assert spec is not None  # noqa: S101 - required
    market = request.app[SIM].market.symbols[spec.symbol]
    rows = market.series["1m"].select(None, None, 5)
    quote = sum(r[cdl.QUOTE_VOLUME] for r in rows)
    volume = sum(r[cdl.VOLUME] for r in rows)
    price = quote / volume if volume else market.last_price
    return json_response({"mins": 5, "price": fmt(price), "closeTime": request.app[SIM].clock.now()})


@routes.get("/api/v3/depth")
async def depth(request: web.Request) -> web.Response:
    spec = symbol_of(request)
    assert spec is not None  # noqa: S101 - required
    limit = int_param(request["params"], "limit", 100, 5000) or 100
    market = request.app[SIM].market.symbols[spec.symbol]
    price = market.last_price_decimal()
    levels = min(limit, 1000)
    return json_response(
        {
            "lastUpdateId": market.next_trade_id,
            "bids": [[fmt(p), fmt(q)] for p, q in book.book_side(price, spec, "bids", levels)],
            "asks": [[fmt(p), fmt(q)] for p, q in book.book_side(price, spec, "asks", levels)],
        }
    )


@routes.get("/api/v3/trades")
async def recent_trades(request: web.Request) -> web.Response:
    spec = symbol_of(request)
    assert spec is not None  # noqa: S101 - required
    limit = int_param(request["params"], "limit", 500, 1000) or 500
    trades = list(request.app[SIM].market.symbols[spec.symbol].trades)[-limit:]
    return json_response(
        [
            {
                "id": t.trade_id,
                "price": fmt(t.price),
                "qty": fmt(t.qty),
                "quoteQty": fmt(t.price * t.qty),
                "time": t.time_ms,
                "isBuyerMaker": t.buyer_is_maker,
                "isBestMatch": True,
            }
            for t in trades
        ]
    )
