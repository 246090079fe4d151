"""``python -m devstack.exchange_sim --host 127.0.0.1 --port 9000 --data-dir .data/exchange``."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

from aiohttp import web

from devstack.exchange_sim.app import create_app
from devstack.exchange_sim.simulator import SimConfig


def _replay(value: str) -> tuple[str, Path]:
    symbol, _, path = value.partition("=")
    if not path:
        raise argparse.ArgumentTypeError("use SYMBOL=path/to/klines.csv")
    return symbol.upper(), Path(path)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devstack.exchange_sim", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9000)
    parser.add_argument("--data-dir", type=Path, default=None, help="where accounts and orders persist")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--tick-ms", type=int, default=250, help="market time between trades")
    parser.add_argument("--manual-market", action="store_true", help="move the market only via /sim/clock")
    parser.add_argument("--replay", type=_replay, action="append", default=[], help="SYMBOL=klines.csv")
    parser.add_argument(
        "--history-minutes", type=int, default=1500, help="of 1m candles; every other interval up to 1d gets 1,000"
    )
    parser.add_argument("--balances", type=json.loads, default=None, help='JSON, e.g. {"USDT": "10000"}')
    parser.add_argument("--weight-per-minute", type=int, default=6000)
    parser.add_argument("--orders-per-10s", type=int, default=100)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    config = SimConfig(
        seed=args.seed,
        tick_ms=args.tick_ms,
        manual_market=args.manual_market,
        data_dir=args.data_dir,
        replay_files=dict(args.replay),
        history_minutes=args.history_minutes,
        weight_per_minute=args.weight_per_minute,
        orders_per_10s=args.orders_per_10s,
    )
    if args.balances is not None:
        config.starting_balances = {k: str(v) for k, v in args.balances.items()}
    web.run_app(create_app(config), host=args.host, port=args.port, print=None, access_log=None)


if __name__ == "__main__":
    main()
