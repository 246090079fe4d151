"""Account snapshots in MongoDB (collection ``account_snapshots``; index ``user_as_of`` on
``user_id`` + ``as_of`` descending, from the migrations): the history the scheduled account sync
writes, one document per read of a user's exchange account.

Documents: ``user_id``, ``as_of`` (a BSON date, UTC), ``network``, ``equity_usdt``, ``unpriced`` and
``balances`` (``{asset: {free, locked}}``); amounts are Decimal128, so they read back exactly
(``as_of`` keeps milliseconds, as BSON dates do).
Outages surface as ``DependencyUnavailableError``.
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any

from pymongo import DESCENDING
from pymongo.collection import Collection

from tradecore.adapters.mongo.gateway import MongoGateway, translate_errors
from tradecore.adapters.mongo.trade_documents import from_decimal128, to_decimal128
from tradecore.domain.accounts import AccountSnapshot, Network
from tradecore.domain.orders import Balance

COLLECTION = "account_snapshots"


def _to_document(user_id: str, snapshot: AccountSnapshot) -> dict[str, Any]:
    return {
        "user_id": user_id,
        "as_of": snapshot.as_of.astimezone(UTC),
        "network": snapshot.network.value,
        "equity_usdt": to_decimal128(snapshot.equity_usdt),
        "unpriced": list(snapshot.unpriced),
        "balances": {
            asset: {"free": to_decimal128(balance.free), "locked": to_decimal128(balance.locked)}
            for asset, balance in snapshot.balances.items()
        },
    }


def _amount(value: Any) -> Decimal:
    amount = from_decimal128(value)
    return Decimal(0) if amount is None else amount


def _to_snapshot(document: dict[str, Any]) -> AccountSnapshot:
    as_of = document["as_of"]
    return AccountSnapshot(
        balances={
            asset: Balance(asset, _amount(amounts["free"]), _amount(amounts["locked"]))
            for asset, amounts in document["balances"].items()
        },
        equity_usdt=_amount(document["equity_usdt"]),
        as_of=as_of.replace(tzinfo=UTC) if as_of.tzinfo is None else as_of,
        network=Network(document["network"]),
        unpriced=tuple(document.get("unpriced", ())),
    )


class MongoAccountSnapshots:
    """Appends users' account snapshots and reads back the newest ones."""

    def __init__(self, gateway: MongoGateway) -> None:
        self._gateway = gateway

    @property
    def _snapshots(self) -> Collection:
        return self._gateway.db[COLLECTION]

    def add(self, user_id: str, snapshot: AccountSnapshot) -> None:
        with translate_errors("store account snapshot"):
            self._snapshots.insert_one(_to_document(user_id, snapshot))

    def latest(self, user_id: str, limit: int = 1) -> list[AccountSnapshot]:
        """The user's newest snapshots, newest first."""
        with translate_errors("read account snapshots"):
            cursor = self._snapshots.find({"user_id": user_id}).sort("as_of", DESCENDING).limit(limit)
            return [_to_snapshot(document) for document in cursor]
