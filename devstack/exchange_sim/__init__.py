"""A Binance-compatible spot exchange simulator for paper trading, local development and tests.

It speaks Binance's own Spot REST API (``/api/v3/...``), WebSocket streams and the WebSocket API's
user data stream (``/ws-api/v3``) over real sockets, so the real python-binance client is
exercised end to end. Run it with::

    python -m devstack.exchange_sim --host 127.0.0.1 --port 9000 --data-dir .data/exchange

Modules: ``symbols`` (specs and exchangeInfo), ``market`` (price process and candles), ``replay``
(Binance kline CSV replay), ``book`` (synthetic order book), ``ledger`` (accounts and balances),
``engine`` (matching), ``views`` (Binance JSON shapes), ``security`` (signatures, weights), the
HTTP/WebSocket handlers (``rest_public``, ``rest_trading``, ``streams``, ``ws_api`` with
``user_stream``, ``admin``) and ``app``.
"""
