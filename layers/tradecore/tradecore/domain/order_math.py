"""Exchange order maths: rounding to tick and step sizes, and the filters an order must pass.

Pure Decimal functions. An order is normalised and checked here *before* it leaves, so the
exchange never has to reject it for a filter we could have known about; a failure raises
:class:`InvalidInputError` naming the Binance filter (``PRICE_FILTER``, ``LOT_SIZE``,
``MARKET_LOT_SIZE``, ``NOTIONAL``).

Rounding is conservative and side-aware: a BUY limit rounds down and a SELL limit rounds up
(never worse than the user's limit), a stop rounds so it never triggers earlier than asked, and
quantities round down. Rounding and checking share one grid origin (the filter's minimum).

One exception, for stop-limit orders: rounding never moves the limit across the stop. A SELL stop
with its limit at the stop (98.3626 → stop 98.36) would otherwise get the limit 98.37, above the
price that triggered it, and never fill in the falling market it was meant to escape; so a limit
the user put at or below the stop (SELL), or at or above it (BUY), stays there after rounding,
even if that costs up to one tick against the user's limit.

MARKET orders pass LOT_SIZE and, where the symbol has it, MARKET_LOT_SIZE (each of its bounds and
its step apply when non-zero; Binance sends step 0 with a smaller ``maxQty``). The NOTIONAL
minimum and maximum bind MARKET orders only under their own flags (``applyMinToMarket``,
``applyMaxToMarket``).
"""

from __future__ import annotations

from dataclasses import replace
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from tradecore.domain.orders import OrderRequest, OrderType, Side, SymbolRules, TimeInForce
from tradecore.errors import InvalidInputError

_ZERO = Decimal(0)


def round_to_step(value: Decimal, step: Decimal, rounding: str = ROUND_FLOOR, origin: Decimal = _ZERO) -> Decimal:
    """``value`` on the grid ``origin + k * step`` (a step of 0 means "no constraint").

    Binance's filters measure the grid from the filter's minimum (``(price - minPrice) %
    tickSize == 0``), so rounding uses the same origin as checking and a rounded value always
    passes the check. Exact in Decimal: ``round_to_step(Decimal("1.23456"), Decimal("0.01"))``
    is ``Decimal("1.23")``. The default rounds down (towards minus infinity).
    """
    if step <= _ZERO:
        return value
    multiple = ((value - origin) / step).quantize(Decimal(1), rounding=rounding)
    return origin + multiple * step


def limit_price_rounding(side: Side) -> str:
    """BUY rounds down, SELL rounds up: never pay more, nor sell for less, than the user's limit."""
    return ROUND_FLOOR if side is Side.BUY else ROUND_CEILING


def stop_price_rounding(side: Side, order_type: OrderType) -> str:
    """The direction that never triggers earlier than asked.

    A stop-loss BUY triggers when the price rises to the stop (round up), a stop-loss SELL when
    it falls to it (round down); take-profit triggers the other way round, so it rounds the
    other way.
    """
    rises_to_trigger = (side is Side.BUY) == (order_type is OrderType.STOP_LOSS_LIMIT)
    return ROUND_CEILING if rises_to_trigger else ROUND_FLOOR


def round_price(price: Decimal, rules: SymbolRules, rounding: str) -> Decimal:
    """The price on the symbol's tick grid (measured from ``min_price``), in the given direction."""
    return round_to_step(price, rules.tick_size, rounding, rules.min_price)


def _lot_filters(rules: SymbolRules, market: bool) -> list[tuple[str, Decimal, Decimal, Decimal]]:
    """(filter name, step, minimum, maximum) of every lot filter the order must pass, LOT_SIZE
    first: one set of grids for both rounding and checking. A zero disables a rule."""
    filters = [("LOT_SIZE", rules.step_size, rules.min_qty, rules.max_qty)]
    market_lot = (rules.market_step_size, rules.market_min_qty, rules.market_max_qty)
    if market and any(value is not None for value in market_lot):
        step, min_qty, max_qty = (value or _ZERO for value in market_lot)
        filters.append(("MARKET_LOT_SIZE", step, min_qty, max_qty))
    return filters


def round_quantity(quantity: Decimal, rules: SymbolRules, *, market: bool = False) -> Decimal:
    """The quantity on every lot step grid that applies (measured from ``minQty``), rounded down."""
    for _, step, min_qty, _ in _lot_filters(rules, market):
        quantity = round_to_step(quantity, step, ROUND_FLOOR, min_qty)
    return quantity


def _fail(symbol: str, filter_name: str, message: str) -> InvalidInputError:
    return InvalidInputError(
        f"{symbol}: {message} (filter {filter_name})", details={"filter": filter_name, "symbol": symbol}
    )


def check_price(price: Decimal, rules: SymbolRules) -> None:
    """Raise unless ``price`` is within [min, max] and on the tick grid (PRICE_FILTER)."""
    if price <= _ZERO:
        raise _fail(rules.symbol, "PRICE_FILTER", "price must be positive")
    if rules.min_price > _ZERO and price < rules.min_price:
        raise _fail(rules.symbol, "PRICE_FILTER", f"price {price} is below the minimum {rules.min_price}")
    if rules.max_price > _ZERO and price > rules.max_price:
        raise _fail(rules.symbol, "PRICE_FILTER", f"price {price} is above the maximum {rules.max_price}")
    if rules.tick_size > _ZERO and (price - rules.min_price) % rules.tick_size != _ZERO:
        raise _fail(rules.symbol, "PRICE_FILTER", f"price {price} is not a multiple of the tick {rules.tick_size}")


def check_quantity(quantity: Decimal, rules: SymbolRules, *, market: bool = False) -> None:
    """Raise unless ``quantity`` passes LOT_SIZE (and, for a MARKET order, MARKET_LOT_SIZE):
    within each filter's bounds and on its step grid."""
    for name, step, min_qty, max_qty in _lot_filters(rules, market):
        if quantity <= _ZERO:
            raise _fail(rules.symbol, name, "quantity must be positive")
        if quantity < min_qty:
            raise _fail(rules.symbol, name, f"quantity {quantity} is below the minimum {min_qty}")
        if max_qty > _ZERO and quantity > max_qty:
            raise _fail(rules.symbol, name, f"quantity {quantity} is above the maximum {max_qty}")
        if step > _ZERO and (quantity - min_qty) % step != _ZERO:
            raise _fail(rules.symbol, name, f"quantity {quantity} is not a multiple of the step {step}")


def check_notional(notional: Decimal, rules: SymbolRules, *, check_min: bool = True, check_max: bool = True) -> None:
    """Raise unless ``price * quantity`` is within the NOTIONAL filter's bounds (those asked for:
    MARKET orders pass only the bounds whose ``applyMinToMarket`` / ``applyMaxToMarket`` is set)."""
    if check_min and notional < rules.min_notional:
        raise _fail(rules.symbol, "NOTIONAL", f"order value {notional} is below the minimum {rules.min_notional}")
    if check_max and rules.max_notional is not None and notional > rules.max_notional:
        raise _fail(rules.symbol, "NOTIONAL", f"order value {notional} is above the maximum {rules.max_notional}")


def prepare_order(request: OrderRequest, rules: SymbolRules, reference_price: Decimal | None) -> OrderRequest:
    """The order rounded onto the symbol's grids (conservatively, see the module) and checked.

    ``reference_price`` (the last price) values MARKET orders for the notional check; it may be
    None for limit orders. Raises :class:`InvalidInputError` naming the filter that fails, or
    the missing field.
    """
    if request.symbol != rules.symbol:
        raise InvalidInputError(f"rules for {rules.symbol} cannot check an order for {request.symbol}")
    if rules.status != "TRADING":
        raise InvalidInputError(f"{rules.symbol} is not trading now ({rules.status})")
    if request.type is OrderType.MARKET:
        return _prepare_market(request, rules, reference_price)
    if not request.type.has_limit_price:
        raise InvalidInputError(f"{request.type} orders are not supported; use {request.type}_LIMIT")
    if request.price is None or request.quantity is None:
        raise InvalidInputError(f"a {request.type} order needs a price and a quantity")
    if request.type.has_stop_price and request.stop_price is None:
        raise InvalidInputError(f"a {request.type} order needs a stop price")
    price = round_price(request.price, rules, limit_price_rounding(request.side))
    stop_price = None
    if request.type.has_stop_price and request.stop_price is not None:
        stop_price = round_price(request.stop_price, rules, stop_price_rounding(request.side, request.type))
        price = _limit_beside_stop(request.side, request.price, request.stop_price, price, stop_price)
        check_price(stop_price, rules)
    quantity = round_quantity(request.quantity, rules)
    check_price(price, rules)
    check_quantity(quantity, rules)
    check_notional(price * quantity, rules)
    time_in_force = None if request.type is OrderType.LIMIT_MAKER else (request.time_in_force or TimeInForce.GTC)
    return replace(request, price=price, quantity=quantity, stop_price=stop_price, time_in_force=time_in_force)


def _limit_beside_stop(side: Side, asked: Decimal, asked_stop: Decimal, price: Decimal, stop: Decimal) -> Decimal:
    """The rounded limit, moved onto the rounded stop if rounding carried it across.

    A SELL limit asked at or below its stop stays at or below it (a BUY: at or above), so the
    order can fill once triggered in the market that triggered it. Both values are on the tick
    grid, so the result is too.
    """
    if side is Side.SELL and asked <= asked_stop and price > stop:
        return stop
    if side is Side.BUY and asked >= asked_stop and price < stop:
        return stop
    return price


def _prepare_market(request: OrderRequest, rules: SymbolRules, reference_price: Decimal | None) -> OrderRequest:
    if (request.quantity is None) == (request.quote_quantity is None):
        raise InvalidInputError("a MARKET order needs exactly one of quantity and quote quantity")
    if request.quote_quantity is not None:
        quote = round_to_step(request.quote_quantity, Decimal("0.00000001"))
        if quote <= _ZERO:
            raise InvalidInputError("the quote quantity must be positive")
        check_notional(quote, rules, **_market_notional_bounds(rules))
        return replace(request, quote_quantity=quote, price=None, time_in_force=None)
    assert request.quantity is not None  # noqa: S101 - narrowed by the check above
    quantity = round_quantity(request.quantity, rules, market=True)
    check_quantity(quantity, rules, market=True)
    if reference_price is not None:
        check_notional(reference_price * quantity, rules, **_market_notional_bounds(rules))
    return replace(request, quantity=quantity, price=None, time_in_force=None)


def _market_notional_bounds(rules: SymbolRules) -> dict[str, bool]:
    return {"check_min": rules.apply_min_notional_to_market, "check_max": rules.apply_max_notional_to_market}


def quantity_for_quote(quote: Decimal, price: Decimal, rules: SymbolRules) -> Decimal:
    """How much base ``quote`` buys at ``price``, rounded down to the lot step."""
    if price <= _ZERO:
        raise InvalidInputError("price must be positive")
    return round_quantity(quote / price, rules)


def ceil_to_step(value: Decimal, step: Decimal) -> Decimal:
    """``value`` rounded up to the step grid (e.g. the smallest quantity meeting a notional)."""
    return round_to_step(value, step, ROUND_CEILING)
