"""Users' risk limits in MongoDB: the ``risk`` subdocument of their ``bot_settings`` document
(one per user, unique index ``user_unique`` from migration 1).

``risk`` holds ``max_trade_usdt``, ``max_position_usdt`` and ``daily_loss_limit_usdt`` as Decimal128
(exact USDT), ``max_open_positions`` and ``min_ai_confidence``. The rest of the document (automated
trading, symbols, sizing) belongs to the bot settings and is left as it is. A user without a
document, or without ``risk``, has no limits of their own (``None``: the platform's defaults apply).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128
from pymongo.collection import Collection

from tradecore.adapters.mongo.gateway import MongoGateway, translate_errors
from tradecore.adapters.mongo.trade_documents import from_decimal128
from tradecore.domain.risk import RiskLimits

COLLECTION = "bot_settings"


def risk_document(limits: RiskLimits) -> dict[str, Any]:
    return {
        "max_trade_usdt": Decimal128(limits.max_trade_usdt),
        "max_position_usdt": Decimal128(limits.max_position_usdt),
        "max_open_positions": limits.max_open_positions,
        "daily_loss_limit_usdt": Decimal128(limits.daily_loss_limit_usdt),
        "min_ai_confidence": limits.min_ai_confidence,
    }


def _usdt(risk: dict[str, Any], name: str) -> Decimal:
    # never read a missing cap as 0: 0 disables the cap
    value = from_decimal128(risk[name])
    if value is None:
        raise ValueError(f"bot_settings.risk.{name} is null")
    return value


def _limits(risk: dict[str, Any]) -> RiskLimits:
    return RiskLimits(
        max_trade_usdt=_usdt(risk, "max_trade_usdt"),
        max_position_usdt=_usdt(risk, "max_position_usdt"),
        max_open_positions=int(risk["max_open_positions"]),
        daily_loss_limit_usdt=_usdt(risk, "daily_loss_limit_usdt"),
        min_ai_confidence=float(risk["min_ai_confidence"]),
    )


class MongoRiskSettingsStore:
    """The :class:`~tradecore.ports.trading.RiskSettingsStore` port over MongoDB, plus the write the
    bot-settings route uses."""

    def __init__(self, gateway: MongoGateway) -> None:
        self._gateway = gateway

    @property
    def _settings(self) -> Collection:
        return self._gateway.db[COLLECTION]

    def limits(self, user_id: str) -> RiskLimits | None:
        with translate_errors("read risk limits"):
            document = self._settings.find_one({"user_id": user_id}, {"risk": 1})
        risk = (document or {}).get("risk")
        return _limits(risk) if risk else None

    def put_limits(self, user_id: str, limits: RiskLimits) -> None:
        """Set the user's limits, creating their settings document when they have none."""
        with translate_errors("store risk limits"):
            self._settings.update_one(
                {"user_id": user_id},
                {"$set": {"risk": risk_document(limits)}, "$setOnInsert": {"_id": user_id}},
                upsert=True,
            )
