"""The exchange port on python-binance: mainnet, testnet or the local simulator, by Settings alone.

:class:`BinanceExchange` is the one class the composition root names; its capabilities live in one
module each, stacked so every layer sees the one below:

* ``client.py``: the python-binance client (imported on first use), error translation, the retry
  policy (the shared :class:`~tradecore.resilience.RetryPolicy`, temporary errors only);
* ``market.py``: symbols and filters, prices, candles, balances, trades, listen keys;
* ``orders.py``: orders placed once under the caller's client id, looked up (never resent) when
  the outcome is uncertain, until known or :class:`~tradecore.errors.OrderStatusUnknownError`;
* ``order_lists.py``: OCO lists, the same way, their ids derived from the caller's key.
"""

from __future__ import annotations

from tradecore.adapters.binance.order_lists import BinanceOrderLists


class BinanceExchange(BinanceOrderLists):
    """Domain methods over the Binance Spot API (freqtrade style): the :class:`~tradecore.ports.Exchange` port."""
