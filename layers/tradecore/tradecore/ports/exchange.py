"""The exchange: domain methods, Decimal money, the tradecore error taxonomy."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from tradecore.domain.accounts import KeyPermissions
from tradecore.domain.orders import Balance, Kline, OcoRequest, OcoResult, OrderRequest, OrderResult, SymbolRules, Trade


class Exchange(Protocol):
    """The exchange (Binance, its testnet, or the local simulator): domain methods, Decimal money.

    Errors are the tradecore taxonomy: InvalidInputError (filters, checked before sending),
    InsufficientFundsError, InvalidOrderError, NotFoundError, ExchangeAuthError, and
    DependencyUnavailableError (temporary ones were already retried).
    """

    @property
    def stream_url(self) -> str:
        """Base WebSocket URL of the exchange's market and user data streams."""
        ...

    def ping(self) -> None:
        """One unretried round trip, for health checks; raises when the exchange is unreachable."""
        ...

    def get_exchange_info(self) -> dict[str, SymbolRules]: ...

    def get_symbol_rules(self, symbol: str) -> SymbolRules: ...

    def get_price(self, symbol: str) -> Decimal: ...

    def get_prices(self, symbols: list[str] | None = None) -> dict[str, Decimal]: ...

    def get_klines(
        self, symbol: str, interval: str, limit: int = 500, start_ms: int | None = None, end_ms: int | None = None
    ) -> list[Kline]: ...

    def get_balances(self) -> dict[str, Balance]:
        """The account's balances: a signed read, so it is also how a key is validated
        (``ExchangeAuthError`` for an unknown, revoked or wrong-network key or a wrong secret)."""
        ...

    def get_key_permissions(self) -> KeyPermissions:
        """What the key may do (trade, withdraw, IP whitelist, when trading ends), a signed read.
        Networks that do not say (the Spot testnet has no ``/sapi``) give ``can_trade=True`` and
        ``None`` for the rest."""
        ...

    def place_order(self, request: OrderRequest, reference_price: Decimal | None = None) -> OrderResult: ...

    def get_order(
        self, symbol: str, *, client_order_id: str | None = None, order_id: int | None = None
    ) -> OrderResult: ...

    def cancel_order(
        self, symbol: str, *, client_order_id: str | None = None, order_id: int | None = None
    ) -> OrderResult: ...

    def open_orders(self, symbol: str | None = None) -> list[OrderResult]: ...

    def my_trades(self, symbol: str, limit: int = 500) -> list[Trade]: ...

    def place_oco(self, request: OcoRequest) -> OcoResult:
        """Place the OCO under ids derived from ``request.client_key`` (required); after a failure
        that may have placed it, the list is looked up, never resent: ``OrderStatusUnknownError``
        when that cannot settle it."""
        ...

    def get_order_list(self, *, order_list_id: int | None = None, list_client_order_id: str | None = None) -> OcoResult:
        """One order list by exchange id or list client id (``legs`` named, no ``orders``);
        NotFoundError when unknown."""
        ...

    def cancel_order_list(
        self, symbol: str, *, order_list_id: int | None = None, list_client_order_id: str | None = None
    ) -> OcoResult:
        """Cancel every open leg of an order list; NotFoundError when unknown or already done."""
        ...

    # User data streams are not here: Binance removed the listen-key endpoints in 2026; an account's
    # events come through the WebSocket API (userDataStream.subscribe.signature), in the stream task.
