"""The trade API's routers, one per area; ``trade.app`` includes them, and the core API's OpenAPI
document is built from them and the auth API's (``trade.routes.openapi``)."""

from trade.routes import (
    account,
    admin_trading,
    bot,
    bot_decisions,
    exchange_connection,
    health,
    market,
    metrics,
    performance,
    positions,
    signals,
    trades,
)

ROUTERS = (
    health.router,
    account.router,
    exchange_connection.router,
    trades.router,
    positions.router,
    performance.router,
    bot.router,
    bot_decisions.router,
    admin_trading.router,
    market.router,
    signals.router,
    metrics.router,
)
