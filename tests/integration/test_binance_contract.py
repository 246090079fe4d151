# ruff: noqa: F811  (pytest fixtures imported from exchange_sim_fixtures are parameters here)
"""Contract: the simulator's responses match Binance's documented field names and types.

The schemas in ``binance_schemas/spot_api.json`` were written from Binance's Spot API docs.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from binance.exceptions import BinanceAPIException

from tests.integration.exchange_sim_fixtures import SimServer, binance_client, sim_server  # noqa: F401

SCHEMAS = json.loads((Path(__file__).parent / "binance_schemas" / "spot_api.json").read_text())["schemas"]


def conforms(name: str, payload: Any) -> None:
    jsonschema.Draft202012Validator(SCHEMAS[name]).validate(payload)


def test_public_responses_match_the_schemas(binance_client: Callable[..., Any]) -> None:
    client = binance_client()
    info = client.get_exchange_info()
    conforms("exchange_info", info)
    filters = {f["filterType"]: f for f in info["symbols"][0]["filters"]}
    conforms("price_filter", filters["PRICE_FILTER"])
    conforms("lot_size", filters["LOT_SIZE"])
    conforms("market_lot_size", filters["MARKET_LOT_SIZE"])
    conforms("percent_price_by_side", filters["PERCENT_PRICE_BY_SIDE"])
    conforms("notional", filters["NOTIONAL"])
    for row in client.get_klines(symbol="BTCUSDT", interval="5m", limit=3):
        conforms("kline", row)
    conforms("ticker24", client.get_ticker(symbol="BTCUSDT"))
    conforms("book_ticker", client.get_orderbook_ticker(symbol="BTCUSDT"))
    conforms("price_ticker", client.get_symbol_ticker(symbol="BTCUSDT"))
    conforms("depth", client.get_order_book(symbol="BTCUSDT", limit=5))
    for trade in client.get_recent_trades(symbol="BTCUSDT", limit=3):
        conforms("trade", trade)


def test_signed_responses_match_the_schemas(binance_client: Callable[..., Any]) -> None:
    client = binance_client()
    conforms("account", client.get_account())
    conforms("order_full", client.create_order(symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.001"))
    resting = client.order_limit_buy(symbol="BTCUSDT", quantity="0.001", price="20000")
    conforms("order_full", resting)
    conforms("order_status", client.get_order(symbol="BTCUSDT", orderId=resting["orderId"]))
    conforms("cancel", client.cancel_order(symbol="BTCUSDT", orderId=resting["orderId"]))
    conforms("my_trade", client.get_my_trades(symbol="BTCUSDT")[0])
    price = float(client.get_symbol_ticker(symbol="BTCUSDT")["price"])
    conforms("oco", client.create_oco_order(
        symbol="BTCUSDT", side="SELL", quantity="0.001", aboveType="LIMIT_MAKER", abovePrice=f"{price * 1.1:.2f}",
        belowType="STOP_LOSS_LIMIT", belowStopPrice=f"{price * 0.9:.2f}", belowPrice=f"{price * 0.89:.2f}",
        belowTimeInForce="GTC",
    ))  # fmt: skip
    with pytest.raises(BinanceAPIException) as caught:
        client.get_order(symbol="BTCUSDT", orderId=123456789)
    conforms("error", caught.value.response.json())


def test_stream_payloads_match_the_schemas(sim_server: SimServer) -> None:
    async def collect() -> dict[str, Any]:
        import aiohttp

        key, secret = sim_server.new_account()
        base = sim_server.url.replace("http://", "ws://")
        streams = "btcusdt@trade/btcusdt@kline_1m/btcusdt@bookTicker/btcusdt@miniTicker"
        seen: dict[str, Any] = {}
        async with (
            aiohttp.ClientSession() as session,
            session.ws_connect(f"{base}/stream?streams={streams}") as ws,
            session.ws_connect(f"{base}/ws-api/v3") as user_ws,
        ):
            timestamp = int(time.time() * 1000)
            signature = hmac.new(
                secret.encode(), f"apiKey={key}&timestamp={timestamp}".encode(), hashlib.sha256
            ).hexdigest()
            params = {"apiKey": key, "timestamp": timestamp, "signature": signature}
            await user_ws.send_str(
                json.dumps({"id": 1, "method": "userDataStream.subscribe.signature", "params": params})
            )
            assert json.loads((await asyncio.wait_for(user_ws.receive(), timeout=10)).data)["status"] == 200
            await asyncio.to_thread(sim_server.admin, "POST", "/sim/clock", {"advance_ms": 2000})
            from binance.client import Client

            client = Client(key, secret, ping=False)
            client.API_URL = sim_server.url + "/api"
            await asyncio.to_thread(client.create_order, symbol="BTCUSDT", side="BUY", type="MARKET", quantity="0.001")
            while len(seen) < 4:
                message = json.loads((await asyncio.wait_for(ws.receive(), timeout=10)).data)
                seen.setdefault(message["data"].get("e", "bookTicker"), message["data"])
            while len(seen) < 6:
                event = json.loads((await asyncio.wait_for(user_ws.receive(), timeout=10)).data)["event"]
                seen.setdefault(event["e"], event)
        return seen

    seen = asyncio.run(collect())
    conforms("trade_stream", seen["trade"])
    conforms("kline_stream", seen["kline"])
    conforms("book_ticker_stream", seen["bookTicker"])
    conforms("mini_ticker_stream", seen["24hrMiniTicker"])
    conforms("execution_report", seen["executionReport"])
    conforms("account_position", seen["outboundAccountPosition"])
