"""The caller's bot settings: automated trading, symbols, thresholds, sizing, risk limits, pause.

Reading is ``ReadUser`` (a viewer sees their settings); changing is ``TradeUser``. Each user has
their own settings and nobody else's are reachable: there is no user id in the path.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from trade.schemas.bot import BotSettingsBody, BotSettingsUpdate, bot_settings_body
from tradecore.http_api import ContainerDep
from tradecore.http_auth import ReadUser, TradeUser
from tradecore.http_responses import error_responses

router = APIRouter(tags=["bot"])


@router.get("/api/bot/settings", response_model=BotSettingsBody, responses=error_responses(401, 503))
def get_settings(user: ReadUser, container: ContainerDep) -> dict[str, Any]:
    """The caller's settings; the platform's defaults (``updated_at`` null) until they save any."""
    return bot_settings_body(container.bot_settings_service.get(user))


@router.put(
    "/api/bot/settings",
    response_model=BotSettingsBody,
    responses=error_responses(
        400,
        401,
        403,
        422,
        503,
        reasons={
            403: "A viewer may read the settings, not change them",
            422: "A field out of its range (named), an unknown field, a symbol the platform does not trade, "
            "automated trading without symbols, or an amount per trade above max_trade_usdt; nothing was saved",
            503: "The settings store cannot be reached; nothing was saved",
        },
    ),
)
def put_settings(body: BotSettingsUpdate, user: TradeUser, container: ContainerDep) -> dict[str, Any]:
    """Change the fields sent (the others keep their values; ``{"paused": true}`` pauses the
    AutoTrader, manual trades go on); the new limits bind the caller's next trade."""
    return bot_settings_body(container.bot_settings_service.put(user, body.changes()))
