"""Users' bot settings in MongoDB: one ``bot_settings`` document per user (unique ``user_id``,
``_id`` = the user id when this store creates it).

The risk limits live in the document's ``risk`` subdocument, in the layout
:mod:`tradecore.adapters.mongo.risk_settings` reads (the trade checks read only that), so a
change of settings is the change of limits the very next trade sees. The rest sits at the top:
``automated_trading``, ``paused``, ``symbols`` (an array: the ``symbol_automation`` index of
migration 5 answers :meth:`users_automating`), ``timeframe``, ``amount_per_trade_usdt``,
``stop_loss_pct``, ``take_profit_pct`` (Decimal128, exact), ``cooldown_seconds``, ``updated_at``.

A field a document lacks (written by an older version, or only its ``risk`` by ``put_limits``)
reads as the platform's default, so adding a setting never needs a data migration.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from bson.decimal128 import Decimal128
from pymongo import ASCENDING
from pymongo.collection import Collection
from pymongo.errors import DuplicateKeyError

from tradecore.adapters.mongo.gateway import MongoGateway, translate_errors
from tradecore.adapters.mongo.risk_settings import COLLECTION, risk_document
from tradecore.adapters.mongo.trade_documents import from_decimal128
from tradecore.domain.bot_settings import BotSettings

# BotSettings field -> its key in the ``risk`` subdocument
_RISK_KEYS = {
    "max_trade_usdt": "max_trade_usdt",
    "max_position_usdt": "max_position_usdt",
    "max_open_positions": "max_open_positions",
    "daily_loss_limit_usdt": "daily_loss_limit_usdt",
    "min_confidence": "min_ai_confidence",
}
_DECIMALS = ("amount_per_trade_usdt", "stop_loss_pct", "take_profit_pct", "max_trade_usdt", "max_position_usdt",
             "daily_loss_limit_usdt")  # fmt: skip
_TOP_LEVEL = tuple(f.name for f in fields(BotSettings) if f.name not in _RISK_KEYS)


def _stored(name: str, value: Any) -> Any:
    if value is not None and name in _DECIMALS:
        return Decimal128(value)
    if name == "symbols":
        return list(value)
    return value


def _loaded(name: str, value: Any) -> Any:
    if name in _DECIMALS:
        return from_decimal128(value)
    if name == "symbols":
        return tuple(value)
    if name in ("max_open_positions", "cooldown_seconds"):
        return int(value)
    if name == "min_confidence":
        return float(value)
    return value


def settings_document(settings: BotSettings) -> dict[str, Any]:
    """The document's fields for ``settings`` (without ``_id`` / ``user_id``)."""
    document = {name: _stored(name, getattr(settings, name)) for name in _TOP_LEVEL}
    document["risk"] = risk_document(settings.risk_limits())
    return document


def settings_from_document(document: dict[str, Any], defaults: BotSettings) -> BotSettings:
    """The settings a stored document holds, each missing field taken from ``defaults``."""
    values = {name: getattr(defaults, name) for name in (f.name for f in fields(BotSettings))}
    values["updated_at"] = None
    for name in _TOP_LEVEL:
        if name in document:
            values[name] = _loaded(name, document[name])
    risk = document.get("risk") or {}
    for name, key in _RISK_KEYS.items():
        if key in risk:
            values[name] = _loaded(name, risk[key])
    cap = values["max_trade_usdt"]
    if "amount_per_trade_usdt" not in document and 0 < cap < values["amount_per_trade_usdt"]:
        values["amount_per_trade_usdt"] = cap  # the default amount must fit under the user's own cap
    return BotSettings(**values)


class MongoBotSettingsStore:
    """The :class:`~tradecore.ports.trading.BotSettingsStore` port over MongoDB. ``defaults`` fills
    the fields a stored document lacks (the platform's settings)."""

    def __init__(self, gateway: MongoGateway, defaults: BotSettings) -> None:
        self._gateway = gateway
        self._defaults = defaults

    @property
    def _settings(self) -> Collection:
        return self._gateway.db[COLLECTION]

    def get(self, user_id: str) -> BotSettings | None:
        with translate_errors("read bot settings"):
            document = self._settings.find_one({"user_id": user_id})
        return None if document is None else settings_from_document(document, self._defaults)

    def put(self, user_id: str, settings: BotSettings) -> None:
        """Replace the user's settings and limits; other keys of the document stay as they are."""
        update = {"$set": settings_document(settings), "$setOnInsert": {"_id": user_id}}
        with translate_errors("store bot settings"):
            try:
                self._settings.update_one({"user_id": user_id}, update, upsert=True)
            except DuplicateKeyError:  # a concurrent first save inserted the document: now it is an update
                self._settings.update_one({"user_id": user_id}, update)

    def users_automating(self, symbol: str) -> list[str]:
        with translate_errors("find users automating"):
            cursor = self._settings.find({"symbols": symbol, "automated_trading": True}, {"_id": 0, "user_id": 1}).sort(
                "user_id", ASCENDING
            )
            return [document["user_id"] for document in cursor]
