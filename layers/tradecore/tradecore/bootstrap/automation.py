"""Automation wiring: the AutoTrader, its decisions and its per-user queue."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring

if TYPE_CHECKING:
    from tradecore.ports import BotSettingsStore, TradingSwitch, UserStore
    from tradecore.ports.automation import AutoTradeQueue, DecisionStore
    from tradecore.services.trading.autotrader import AutoTrader
    from tradecore.services.trading.closing import PositionCloser
    from tradecore.services.trading.execution import TradeExecutor


class AutomationWiring(CoreWiring):
    if TYPE_CHECKING:  # provided by the trading and auth wiring

        @property
        def bot_settings_store(self) -> BotSettingsStore: ...
        @property
        def user_store(self) -> UserStore: ...
        @property
        def trading_switch(self) -> TradingSwitch: ...
        @property
        def trade_executor(self) -> TradeExecutor: ...
        @property
        def position_closer(self) -> PositionCloser: ...

    @cached_property
    def decision_store(self) -> DecisionStore:
        from tradecore.adapters.mongo.decision_store import MongoDecisionStore

        return MongoDecisionStore(self.mongo)

    @cached_property
    def autotrade_queue(self) -> AutoTradeQueue:
        from tradecore.adapters.aws.autotrade_queue import SqsAutoTradeQueue
        from tradecore.errors import ConfigurationError

        if not self.settings.autotrade_queue_url:
            raise ConfigurationError("AUTOTRADE_QUEUE_URL is not set")
        return SqsAutoTradeQueue(self.settings.autotrade_queue_url, self.settings.aws_region)

    @cached_property
    def auto_trader(self) -> AutoTrader:
        from tradecore.services.trading.autotrader import AutoTrader

        return AutoTrader(
            bots=self.bot_settings_store, decisions=self.decision_store, queue=self.autotrade_queue,
            users=self.user_store, switch=self.trading_switch, executor=self.trade_executor,
            closer=self.position_closer, clock=self.clock,
        )  # fmt: skip
