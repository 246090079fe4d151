"""1,000 random orders against the simulator's matching engine: value is conserved but for fees.

For every account and asset, the final balance equals the start plus what its trades moved minus
the fees charged in it; no balance ever goes negative; locked funds equal what open orders hold.
"""

from __future__ import annotations

import random
from decimal import Decimal

from devstack.exchange_sim.engine import Engine
from devstack.exchange_sim.errors import BinanceError
from devstack.exchange_sim.ledger import Account
from devstack.exchange_sim.market import Market
from devstack.exchange_sim.symbols import DEFAULT_SYMBOLS

D = Decimal
START = {"USDT": D("20000"), "BTC": D("0.3"), "ETH": D("4"), "BNB": D("20"), "SOL": D("60")}
STOPS = ("STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT")
SPECS = {spec.symbol: spec for spec in DEFAULT_SYMBOLS}


def _random_order(engine: Engine, account: Account, rng: random.Random, now: int) -> None:
    spec = rng.choice(DEFAULT_SYMBOLS)
    last = engine.market.symbols[spec.symbol].last_price_decimal()
    side = rng.choice(["BUY", "SELL"])
    kind = rng.choice(["MARKET", "MARKET_QUOTE", "LIMIT", "LIMIT_MAKER", "STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT", "OCO"])
    notional = D(rng.randint(6, 3000))
    qty = max(spec.min_qty, (notional / last).quantize(spec.step_size))
    offset = D(rng.uniform(-0.02, 0.02)).quantize(D("0.0001"))
    price = (last * (1 + offset)).quantize(spec.tick_size)
    client_id = f"c{rng.getrandbits(40)}"
    if kind == "OCO":
        up, down = (last * D("1.01")).quantize(spec.tick_size), (last * D("0.99")).quantize(spec.tick_size)
        limit, stop = (up, down) if side == "SELL" else (down, up)
        engine.place_oco(
            account, spec.symbol, side, qty, limit, stop, stop, (client_id, client_id + "l", client_id + "s"), now
        )
        return
    stop = None
    if kind in ("STOP_LOSS_LIMIT", "TAKE_PROFIT_LIMIT"):
        rising = (kind == "STOP_LOSS_LIMIT") == (side == "BUY")
        stop = (last * (D("1.005") if rising else D("0.995"))).quantize(spec.tick_size)
    engine.place(
        account, spec.symbol, side, "MARKET" if kind.startswith("MARKET") else kind,
        qty=None if kind == "MARKET_QUOTE" else qty,
        quote_qty=notional if kind == "MARKET_QUOTE" else None,
        price=None if kind.startswith("MARKET") else price, stop_price=stop,
        time_in_force=rng.choice(["GTC", "IOC", "FOK"]) if kind in ("LIMIT", *STOPS) else None,
        client_order_id=client_id, now=now,
    )  # fmt: skip


def _expected_balances(account: Account) -> dict[str, Decimal]:
    expected = dict(START)
    for trade in account.trades:
        spec = SPECS[trade.symbol]
        quote = trade.price * trade.qty
        sign = 1 if trade.is_buyer else -1
        expected[spec.base] = expected.get(spec.base, D(0)) + sign * trade.qty
        expected[spec.quote] = expected.get(spec.quote, D(0)) - sign * quote
        expected[trade.commission_asset] -= trade.commission
    return expected


def test_thousand_random_orders_conserve_value_except_fees() -> None:
    rng = random.Random(7)
    market = Market(SPECS, seed=11, tick_ms=250, start_ms=1_700_000_000_000, history_minutes=5)
    engine = Engine(market, SPECS)
    accounts = [Account(f"key{i}", "secret") for i in range(4)]
    for account in accounts:
        account.balances = {asset: [amount, D(0)] for asset, amount in START.items()}
    placed = rejected = 0
    for step in range(1000):
        account = rng.choice(accounts)
        try:
            _random_order(engine, account, rng, market.time_ms)
            placed += 1
        except BinanceError:
            rejected += 1
        if step % 3 == 0:
            market.advance_to(market.time_ms + rng.choice([250, 1000, 30_000]))
        if step % 7 == 0:
            open_orders = [o for o in account.orders.values() if o.is_open]
            if open_orders:
                engine.cancel(account, rng.choice(open_orders))
        for each in accounts:
            assert all(free >= 0 and locked >= 0 for free, locked in each.balances.values())
    assert placed > 500  # the random mix is mostly valid orders
    fees = D(0)
    for account in accounts:
        expected = _expected_balances(account)
        totals = {asset: free + locked for asset, (free, locked) in account.balances.items()}
        assert {a: v for a, v in totals.items() if v} == {a: v for a, v in expected.items() if v}
        for asset, (_, locked) in account.balances.items():
            held = sum((o.locked for o in account.orders.values() if o.is_open and _lock_asset(o) == asset), D(0))
            assert locked == held
        fees += sum((t.commission for t in account.trades), D(0))
    assert fees > 0


def _lock_asset(order: object) -> str:
    spec = SPECS[order.symbol]  # type: ignore[attr-defined]
    return spec.quote if order.side == "BUY" else spec.base  # type: ignore[attr-defined]
