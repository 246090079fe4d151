"""The simulator is as strict as Binance: decimal parameters, signatures over the bytes sent, and the
filters served and enforced as Binance shapes them (MARKET_LOT_SIZE, PERCENT_PRICE_BY_SIDE, NOTIONAL)."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import replace
from decimal import Decimal
from urllib.parse import quote

import pytest

from devstack.exchange_sim.engine import Engine
from devstack.exchange_sim.errors import BinanceError
from devstack.exchange_sim.http_common import decimal_param, int_param
from devstack.exchange_sim.ledger import Account
from devstack.exchange_sim.market import Market
from devstack.exchange_sim.security import check_timestamp, verify_signature
from devstack.exchange_sim.symbols import DEFAULT_SYMBOLS, SymbolSpec

D = Decimal
BTC = DEFAULT_SYMBOLS[0]


# --- decimals: Binance's ^([0-9]{1,20})(\.[0-9]{1,20})?$ ------------------------------------------
@pytest.mark.parametrize(
    "raw",
    ["1E-8", "1e3", "0.000000000000000000001", "123456789012345678901", "1.", ".5", "+1", "-1", " 1", "1_000",
     "NaN", "Infinity", "sNaN", "0x10", "\uff11"],
)  # fmt: skip
def test_decimal_parameters_outside_binances_pattern_are_minus_1100(raw: str) -> None:
    with pytest.raises(BinanceError) as caught:
        decimal_param({"quantity": raw}, "quantity")
    assert (caught.value.code, caught.value.status) == (-1100, 400)
    assert "'quantity'" in caught.value.msg


@pytest.mark.parametrize(
    ("raw", "value"),
    [("1", D(1)), ("0.00000001", D("0.00000001")), ("65000.12000000", D("65000.12")),
     ("12345678901234567890.12345678901234567890", D("12345678901234567890.12345678901234567890"))],
)  # fmt: skip
def test_decimal_parameters_in_binances_pattern_are_read_exactly(raw: str, value: Decimal) -> None:
    assert decimal_param({"price": raw}, "price") == value


@pytest.mark.parametrize("window", ["NaN", "1e3", "-5", "inf"])
def test_a_recv_window_outside_the_decimal_pattern_is_minus_1100(window: str) -> None:
    with pytest.raises(BinanceError) as caught:
        check_timestamp({"timestamp": "1000", "recvWindow": window}, now=1000)
    assert caught.value.code == -1100


def test_non_ascii_digits_in_integer_parameters_are_refused_not_a_crash() -> None:
    with pytest.raises(BinanceError) as caught:
        check_timestamp({"timestamp": "\u00b2"}, now=1000)
    assert caught.value.code == -1102
    with pytest.raises(BinanceError) as caught:
        int_param({"limit": "\uff15"}, "limit")
    assert caught.value.code == -1100


# --- signatures: over the exact bytes sent --------------------------------------------------------
def _sign(secret: str, payload: str) -> str:
    return hmac.new(secret.encode(), payload.encode(), hashlib.sha256).hexdigest()


def test_a_signature_over_the_percent_decoded_payload_is_rejected() -> None:
    account = Account("key", "secret")
    decoded = "symbol=BTCUSDT&newClientOrderId=a:b/c&timestamp=1"
    sent = "symbol=BTCUSDT&newClientOrderId=" + quote("a:b/c", safe="") + "&timestamp=1"
    with pytest.raises(BinanceError) as caught:
        verify_signature(account, "", f"{sent}&signature={_sign('secret', decoded)}")
    assert caught.value.code == -1022


def test_a_signature_over_the_bytes_sent_is_accepted_in_any_letter_case() -> None:
    account = Account("key", "secret")
    sent = "symbol=BTCUSDT&newClientOrderId=" + quote("a:b/c", safe="") + "&timestamp=1"
    verify_signature(account, "", f"{sent}&signature={_sign('secret', sent).upper()}")
    verify_signature(account, f"{sent}&signature={_sign('secret', sent)}", "")


# --- the filters, as served ---------------------------------------------------------------------
def _filters(spec: SymbolSpec) -> dict[str, dict[str, object]]:
    return {f["filterType"]: f for f in spec.info()["filters"]}  # type: ignore[index]


def test_exchange_info_serves_binances_filter_shapes() -> None:
    filters = _filters(BTC)
    market_lot = filters["MARKET_LOT_SIZE"]
    assert market_lot["stepSize"] == market_lot["minQty"] == "0.00000000"
    assert D(str(market_lot["maxQty"])) < D(str(filters["LOT_SIZE"]["maxQty"]))  # its own, smaller maximum
    assert set(filters["PERCENT_PRICE_BY_SIDE"]) == {
        "filterType", "bidMultiplierUp", "bidMultiplierDown", "askMultiplierUp", "askMultiplierDown", "avgPriceMins",
    }  # fmt: skip
    notional = filters["NOTIONAL"]
    assert (notional["applyMinToMarket"], notional["applyMaxToMarket"]) == (True, False)


# --- the filters, as enforced -------------------------------------------------------------------
def _engine(spec: SymbolSpec = BTC) -> tuple[Engine, Account, Decimal]:
    specs = {spec.symbol: spec}
    market = Market(specs, seed=3, tick_ms=250, start_ms=1_700_000_000_000, history_minutes=10)
    account = Account("key", "secret")
    account.balances = {"USDT": [D("100000000"), D(0)], spec.base: [D("100000"), D(0)]}
    return Engine(market, specs), account, market.symbols[spec.symbol].last_price_decimal()


def _place(engine: Engine, account: Account, side: str, type_: str, **kwargs: object) -> object:
    args: dict[str, object] = {"qty": None, "quote_qty": None, "price": None, "stop_price": None,
                               "time_in_force": None if type_ in ("MARKET", "LIMIT_MAKER") else "GTC"}  # fmt: skip
    args.update(kwargs)
    return engine.place(account, BTC.symbol, side, type_, client_order_id="c", now=0, **args)  # type: ignore[arg-type]


def _failure(call: object) -> str:
    with pytest.raises(BinanceError) as caught:
        call()  # type: ignore[operator]
    assert caught.value.code == -1013
    return caught.value.msg


def test_a_market_order_above_the_market_lot_size_maximum_fails_that_filter() -> None:
    engine, account, last = _engine()
    too_many = BTC.market_max_qty + BTC.step_size
    assert (
        _failure(lambda: _place(engine, account, "SELL", "MARKET", qty=too_many)) == "Filter failure: MARKET_LOT_SIZE"
    )
    # a LIMIT order of that size is bounded only by LOT_SIZE
    _place(engine, account, "SELL", "LIMIT", qty=too_many, price=(last * D("1.2")).quantize(BTC.tick_size))


def test_a_market_order_off_the_lot_size_step_fails_lot_size() -> None:
    engine, account, _ = _engine()
    assert _failure(lambda: _place(engine, account, "BUY", "MARKET", qty=D("0.000015"))) == "Filter failure: LOT_SIZE"


def test_max_notional_binds_market_orders_only_with_apply_max_to_market() -> None:
    engine, account, last = _engine(replace(BTC, max_notional=D("1000")))
    qty = (D("2000") / last).quantize(BTC.step_size)  # ~2,000 USDT: above maxNotional
    _place(engine, account, "BUY", "MARKET", qty=qty)
    _place(engine, account, "BUY", "MARKET", quote_qty=D("2000"))
    price = (last * D("0.99")).quantize(BTC.tick_size)
    assert _failure(lambda: _place(engine, account, "BUY", "LIMIT", qty=qty, price=price)) == "Filter failure: NOTIONAL"


@pytest.mark.parametrize(("side", "factor"), [("BUY", "0.1"), ("BUY", "5.5"), ("SELL", "0.1"), ("SELL", "5.5")])
def test_a_limit_price_far_from_the_average_fails_percent_price_by_side(side: str, factor: str) -> None:
    engine, account, last = _engine()
    price = (last * D(factor)).quantize(BTC.tick_size)
    qty = max(BTC.min_qty, (D("100") / price).quantize(BTC.step_size))
    assert _failure(lambda: _place(engine, account, side, "LIMIT", qty=qty, price=price)) == (
        "Filter failure: PERCENT_PRICE_BY_SIDE"
    )
    near = (last * (D("0.5") if side == "BUY" else D("2"))).quantize(BTC.tick_size)
    _place(engine, account, side, "LIMIT", qty=qty, price=near)  # well inside the band: accepted
