"""The three figures of a chaos run, read from the two sides independently: the exchange (python-binance
with each user's own key) and MongoDB (the ``trades`` documents, and the positions built from them).

- lost: an order on the exchange that no trade record names (the record of its trade, or, for a
  stop-loss / take-profit, the record of the trade it protects);
- duplicates: a client order id the exchange executed twice, or two trade records sharing one;
- position mismatches: per user and symbol, the recorded position quantity against the exchange's
  base-asset balance (free + locked) less the paper account's starting balance (none: USDT only).
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tradecore.bootstrap import Container
from tradecore.domain.orders import oco_client_ids

SYMBOL, BASE = "BTCUSDT", "BTC"


@dataclass
class Ledger:
    users: int = 0
    exchange_orders: int = 0
    records: int = 0
    lost: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    mismatches: list[str] = field(default_factory=list)
    unsettled: list[str] = field(default_factory=list)  # pending / unknown records whose order exists

    def figures(self) -> str:
        return (
            f"lost trades: {len(self.lost)}, duplicates: {len(self.duplicates)}, "
            f"position mismatches: {len(self.mismatches)} "
            f"({self.users} users, {self.exchange_orders} exchange orders, {self.records} trade records, "
            f"{len(self.unsettled)} records unsettled)"
        )


def _external_id(user_id: str, client_order_id: str) -> str:
    """How a record of an order placed outside the platform is named (realtime/user_events.py)."""
    return "ext-" + hashlib.sha256(f"{user_id}\x00{client_order_id}".encode()).hexdigest()[:32]


def user_client(container: Container, sim_url: str, user_id: str) -> Any:
    """python-binance on the simulator with the user's own (decrypted) key."""
    from binance.client import Client

    connection = container.connection_store.get(user_id)
    assert connection is not None, user_id
    secret = container.secret_cipher.decrypt(connection.secret_ciphertext, user_id=user_id)
    client = Client(connection.api_key, secret, ping=False)
    client.API_URL = sim_url + "/api"
    return client


def check_user(ledger: Ledger, container: Container, sim_url: str, user_id: str) -> None:
    """Add one user's orders, records and position to ``ledger``."""
    client = user_client(container, sim_url, user_id)
    orders: list[dict[str, Any]] = client.get_all_orders(symbol=SYMBOL)
    documents = list(container.mongo.db["trades"].find({"user_id": user_id}, {"client_order_id": 1, "status": 1}))
    recorded = Counter(str(d["client_order_id"]) for d in documents)
    ledger.users += 1
    ledger.exchange_orders += len(orders)
    ledger.records += len(documents)
    ledger.duplicates += [f"{user_id}: two records of {cid}" for cid, n in recorded.items() if n > 1]
    executed = Counter(o["clientOrderId"] for o in orders)
    ledger.duplicates += [f"{user_id}: {cid} on the exchange {n} times" for cid, n in executed.items() if n > 1]
    parents = _parents(recorded)
    for order in orders:
        cid = order["clientOrderId"]
        names = {cid, parents.get(cid, ""), _external_id(user_id, cid)}
        if not names & set(recorded):
            ledger.lost.append(f"{user_id}: {order['type']} {order['side']} {cid} ({order['status']}) has no record")
    on_exchange = {o["clientOrderId"] for o in orders}
    ledger.unsettled += [
        f"{user_id}: {d['client_order_id']} {d['status']}"
        for d in documents
        if d["status"] in ("pending", "unknown") and d["client_order_id"] in on_exchange
    ]
    balance = next((b for b in client.get_account()["balances"] if b["asset"] == BASE), None)
    held = Decimal(balance["free"]) + Decimal(balance["locked"]) if balance else Decimal(0)
    position = container.position_service.position(user_id, SYMBOL)
    quantity = position.quantity if position is not None else Decimal(0)
    if quantity != held:
        ledger.mismatches.append(f"{user_id}: position {quantity} {BASE}, exchange balance {held}")


def _parents(recorded: Counter[str]) -> dict[str, str]:
    """Each protective order's client id → the client id of the trade it protects."""
    parents: dict[str, str] = {}
    for cid in recorded:
        suffix = cid.split("-", 1)[-1]
        parents[f"sl-{suffix}"] = parents[f"tp-{suffix}"] = cid
        ids = oco_client_ids(cid)
        parents[ids.list_id] = parents[ids.take_profit] = parents[ids.stop_loss] = cid
    return parents
