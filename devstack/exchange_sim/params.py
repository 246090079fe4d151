"""Binance's rules for parameter values, shared by the REST handlers and request security."""

from __future__ import annotations

import re
from decimal import Decimal

from devstack.exchange_sim.errors import BinanceError

# Binance's DECIMAL parameters: plain digits, no sign, no exponent, at most 20 + 20 digits
DECIMAL_PATTERN = r"^([0-9]{1,20})(\.[0-9]{1,20})?$"
_DECIMAL = re.compile(DECIMAL_PATTERN, re.ASCII)


def parse_decimal(raw: str, name: str) -> Decimal:
    """``raw`` as a Decimal when it matches Binance's pattern, else -1100 naming the parameter.

    Python's ``Decimal`` accepts more (``1E-8``, ``+1``, ``NaN``, 21+ decimals, non-ASCII
    digits); accepting them here would let a client pass locally that Binance refuses.
    """
    if not _DECIMAL.fullmatch(raw):
        raise BinanceError(
            -1100, f"Illegal characters found in parameter '{name}'; legal range is '{DECIMAL_PATTERN}'."
        )
    return Decimal(raw)
