"""Order lists (OCO): a take-profit and a stop-loss on one quantity, placed once under ids derived
from the caller's key, looked up (never resent) when the outcome is uncertain, queried, cancelled."""

from __future__ import annotations

from typing import Any

from tradecore.adapters.binance import mapping
from tradecore.adapters.binance.orders import BinanceOrders
from tradecore.domain.order_math import prepare_order
from tradecore.domain.orders import OcoClientIds, OcoRequest, OcoResult, OrderRequest, OrderType, oco_client_ids
from tradecore.errors import InvalidInputError


class BinanceOrderLists(BinanceOrders):
    """OCO placement, lookup and cancellation of the exchange port."""

    def place_oco(self, request: OcoRequest) -> OcoResult:
        """A take-profit LIMIT_MAKER and a STOP_LOSS_LIMIT on one quantity (``orderList/oco``).

        The list's and both legs' client ids are derived from ``request.client_key``, so after a
        failure that may have placed it the list is looked up by its id, never sent again (a resend
        after the list has ended would place a second one). Raises InvalidInputError (no key,
        filters; before sending), the exchange's rejections, or OrderStatusUnknownError (may exist).
        """
        if not request.client_key:
            raise InvalidInputError("an OCO needs the caller's idempotency key", details={"field": "client_key"})
        ids = oco_client_ids(request.client_key)
        params = self._oco_params(request, ids)
        return self._send_once(
            lambda: mapping.oco_result(self._call("create_oco_order", **params)),
            lambda: mapping.oco_result(self._call("v3_get_order_list", origClientOrderId=ids.list_id)),
            {"list_client_order_id": ids.list_id, "symbol": request.symbol},
        )

    def _oco_params(self, request: OcoRequest, ids: OcoClientIds) -> dict[str, Any]:
        """The ``POST /api/v3/orderList/oco`` parameters, both legs rounded and checked first."""
        rules = self.get_symbol_rules(request.symbol)
        price_check = OrderRequest(request.symbol, request.side, OrderType.LIMIT, request.quantity, price=request.price)
        limit_leg = prepare_order(price_check, rules, None)
        stop_leg = prepare_order(
            OrderRequest(
                request.symbol, request.side, OrderType.STOP_LOSS_LIMIT, request.quantity,
                price=request.stop_limit_price, stop_price=request.stop_price,
            ),
            rules,
            None,
        )  # fmt: skip
        assert limit_leg.price is not None and stop_leg.price is not None and stop_leg.stop_price is not None  # noqa: S101, PT018
        maker, stopper = ("above", "below") if request.side.value == "SELL" else ("below", "above")
        return {
            "symbol": request.symbol,
            "side": request.side.value,
            "quantity": mapping.plain(limit_leg.quantity or request.quantity),
            "listClientOrderId": ids.list_id,
            f"{maker}Type": "LIMIT_MAKER",
            f"{maker}ClientOrderId": ids.take_profit,
            f"{maker}Price": mapping.plain(limit_leg.price),
            f"{stopper}Type": "STOP_LOSS_LIMIT",
            f"{stopper}ClientOrderId": ids.stop_loss,
            f"{stopper}Price": mapping.plain(stop_leg.price),
            f"{stopper}StopPrice": mapping.plain(stop_leg.stop_price),
            f"{stopper}TimeInForce": "GTC",
        }

    def get_order_list(self, *, order_list_id: int | None = None, list_client_order_id: str | None = None) -> OcoResult:
        """One order list (``GET /api/v3/orderList``); NotFoundError when the exchange does not know it."""
        params = _order_list_reference(order_list_id, list_client_order_id, "origClientOrderId")
        return mapping.oco_result(self._retried("v3_get_order_list", **params))

    def cancel_order_list(
        self, symbol: str, *, order_list_id: int | None = None, list_client_order_id: str | None = None
    ) -> OcoResult:
        """Cancel the list's open legs (``DELETE /api/v3/orderList``); NotFoundError when unknown or done."""
        params = _order_list_reference(order_list_id, list_client_order_id, "listClientOrderId")
        return mapping.oco_result(self._retried("v3_delete_order_list", symbol=symbol.upper(), **params))


def _order_list_reference(order_list_id: int | None, list_client_id: str | None, client_param: str) -> dict[str, Any]:
    """Binance's parameters naming one order list: by exchange id, or by its client id under the
    endpoint's name for it (``origClientOrderId`` to query, ``listClientOrderId`` to cancel)."""
    if order_list_id is not None:
        return {"orderListId": order_list_id}
    if list_client_id:
        return {client_param: list_client_id}
    raise InvalidInputError("an order list is named by its order list id or its list client id")
