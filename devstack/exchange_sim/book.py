"""A synthetic order book around the last price, so market orders walk levels.

The book is a pure function of the price: a spread of about one basis point, levels a few basis
points apart, each deeper level holding more. An order bigger than the first level fills at
worse prices (slippage grows with size); liquidity refreshes with every tick.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from functools import lru_cache

from devstack.exchange_sim.symbols import SymbolSpec

LEVELS = 20
_HALF_SPREAD = Decimal("0.00005")  # half a basis point each side of the price
_LEVEL_GAP = Decimal("0.0002")  # two basis points between levels
_DEPTH_GROWTH = Decimal("0.35")

Level = tuple[Decimal, Decimal]  # price, quantity


def _on_grid(value: Decimal, tick: Decimal, rounding: str) -> Decimal:
    return (value / tick).to_integral_value(rounding=rounding) * tick


def best_prices(price: Decimal, spec: SymbolSpec) -> tuple[Decimal, Decimal]:
    """``(bid, ask)``: the best prices, at least one tick apart and on the tick grid."""
    bid = _on_grid(price * (1 - _HALF_SPREAD), spec.tick_size, ROUND_FLOOR)
    ask = _on_grid(price * (1 + _HALF_SPREAD), spec.tick_size, ROUND_CEILING)
    if ask <= bid:
        ask = bid + spec.tick_size
    return bid, ask


@lru_cache(maxsize=512)  # the book is a pure function of the price; orders between ticks reuse it
def book_side(price: Decimal, spec: SymbolSpec, side: str, depth: int = LEVELS) -> tuple[Level, ...]:
    """The ``side`` ("bids" or "asks") levels, best first."""
    bid, ask = best_prices(price, spec)
    gap = max(spec.tick_size, _on_grid(price * _LEVEL_GAP, spec.tick_size, ROUND_FLOOR))
    base = Decimal(repr(spec.depth_qty))
    levels = []
    for index in range(depth):
        qty = (base * (1 + _DEPTH_GROWTH * index)).quantize(spec.step_size)
        level_price = ask + gap * index if side == "asks" else bid - gap * index
        if level_price <= 0:
            break
        levels.append((level_price, qty))
    return tuple(levels)


def walk(
    levels: tuple[Level, ...] | list[Level],
    spec: SymbolSpec,
    qty: Decimal | None = None,
    quote: Decimal | None = None,
    limit: Decimal | None = None,
    is_buy: bool = True,
) -> list[Level]:
    """The fills taking ``qty`` (or spending ``quote``) from ``levels``, not past ``limit``.

    Returns ``(price, qty)`` slices; their total may be less than asked when the book (or the
    limit) runs out.
    """
    fills: list[Level] = []
    remaining_qty = qty
    remaining_quote = quote
    for level_price, level_qty in levels:
        if limit is not None and (level_price > limit if is_buy else level_price < limit):
            break
        if remaining_qty is not None:
            take = min(level_qty, remaining_qty)
            remaining_qty -= take
        else:
            assert remaining_quote is not None  # noqa: S101 - one of qty/quote is given
            affordable = _on_grid(remaining_quote / level_price, spec.step_size, ROUND_FLOOR)
            take = min(level_qty, affordable)
            remaining_quote -= take * level_price
        if take > 0:
            fills.append((level_price, take))
        if (remaining_qty is not None and remaining_qty <= 0) or take < level_qty:
            break
    return fills
