"""Trading wiring: trade records and their outbox, idempotency, the AI signal with its fallbacks,
bot settings and risk limits, the kill switch, and the services of the money path."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring

if TYPE_CHECKING:
    from tradecore.adapters.http.ai_client import AiServiceClient
    from tradecore.domain.bot_settings import BotSettings
    from tradecore.domain.risk import RiskLimits
    from tradecore.domain.signals import TechnicalAnalyzer
    from tradecore.ports import (
        AccountCache,
        AnalysisStore,
        BotSettingsStore,
        ChannelPublisher,
        Exchange,
        IdempotencyGuard,
        PlacementLedger,
        RiskSettingsStore,
        SignalClient,
        TradeOutbox,
        TradeStore,
        TradingSwitch,
        UserNotifier,
    )
    from tradecore.services.accounts.connections import ConnectionService
    from tradecore.services.trading.bot_settings import BotSettingsService
    from tradecore.services.trading.closing import PositionCloser
    from tradecore.services.trading.desk import OrderDesk
    from tradecore.services.trading.events import TradeEvents
    from tradecore.services.trading.execution import TradeExecutor
    from tradecore.services.trading.history import TradeHistory
    from tradecore.services.trading.journal import TradeJournal
    from tradecore.services.trading.performance import PerformanceService
    from tradecore.services.trading.positions import PositionService
    from tradecore.services.trading.signals import SignalResolver


class TradingWiring(CoreWiring):
    if TYPE_CHECKING:  # provided by the exchange, accounts, realtime and analysis wiring

        @property
        def exchange(self) -> Exchange: ...
        @property
        def connection_service(self) -> ConnectionService: ...
        @property
        def account_cache(self) -> AccountCache: ...
        @property
        def user_notifier(self) -> UserNotifier: ...
        @property
        def channel_publisher(self) -> ChannelPublisher: ...
        @property
        def analysis_store(self) -> AnalysisStore: ...
        @property
        def technical_analyzer(self) -> TechnicalAnalyzer: ...

    @cached_property
    def trade_store(self) -> TradeStore:
        from tradecore.adapters.mongo.trade_store import MongoTradeStore

        return MongoTradeStore(self.mongo)

    @cached_property
    def trade_outbox(self) -> TradeOutbox:
        """SQS; without ``TRADE_OUTBOX_QUEUE_URL`` an outbox that is always down (every deployed
        function and the stream task are given one; a bare process still starts)."""
        from tradecore.adapters.aws.trade_outbox import NoTradeOutbox, SqsTradeOutbox

        if not self.settings.trade_outbox_queue_url:
            return NoTradeOutbox()
        return SqsTradeOutbox(self.settings.trade_outbox_queue_url, self.settings.aws_region)

    @cached_property
    def idempotency_guard(self) -> IdempotencyGuard:
        from tradecore.adapters.aws.idempotency import PowertoolsIdempotencyGuard

        s = self.settings
        return PowertoolsIdempotencyGuard(
            s.idempotency_table, s.aws_region, expires_after_seconds=s.idempotency_expiry_seconds
        )

    @cached_property
    def default_risk_limits(self) -> RiskLimits:
        """The limits of users who saved no bot settings (``RISK_*``)."""
        from tradecore.domain.risk import RiskLimits

        s = self.settings
        return RiskLimits(
            max_trade_usdt=s.risk_max_trade_usdt, max_position_usdt=s.risk_max_position_usdt,
            max_open_positions=s.risk_max_open_positions, daily_loss_limit_usdt=s.risk_daily_loss_limit_usdt,
            min_ai_confidence=s.risk_min_ai_confidence,
        )  # fmt: skip

    @cached_property
    def default_bot_settings(self) -> BotSettings:
        from tradecore.domain.bot_settings import default_bot_settings

        return default_bot_settings(self.default_risk_limits, timeframe=self.settings.trade_signal_timeframe)

    @cached_property
    def risk_settings(self) -> RiskSettingsStore:
        """Reads the ``risk`` part of the bot settings documents ``bot_settings_store`` writes."""
        from tradecore.adapters.mongo.risk_settings import MongoRiskSettingsStore

        return MongoRiskSettingsStore(self.mongo)

    @cached_property
    def bot_settings_store(self) -> BotSettingsStore:
        from tradecore.adapters.mongo.bot_settings_store import MongoBotSettingsStore

        return MongoBotSettingsStore(self.mongo, self.default_bot_settings)

    @cached_property
    def bot_settings_service(self) -> BotSettingsService:
        from tradecore.services.trading.bot_settings import BotSettingsService

        return BotSettingsService(
            self.bot_settings_store, self.default_bot_settings, symbols=tuple(self.settings.trading_symbols),
            clock=self.clock,
        )  # fmt: skip

    @cached_property
    def trading_switch(self) -> TradingSwitch:
        from tradecore.adapters.aws.trading_switch import DynamoTradingSwitch

        return DynamoTradingSwitch(self.settings.service_state_table, self.settings.aws_region, clock=self.clock)

    @cached_property
    def signal_client(self) -> SignalClient:
        return self.ai_service_client

    @cached_property
    def ai_service_client(self) -> AiServiceClient:
        """The AI service over HTTP (service token, retries, the breaker every instance shares): the
        trade flow's signals and users' "analyze now" both go through it."""
        from tradecore.adapters.http.ai_client import AI_SERVICE_BREAKER, AiServiceClient
        from tradecore.domain.breaker import BreakerPolicy
        from tradecore.resilience import CircuitBreaker

        s = self.settings
        policy = BreakerPolicy(
            fail_max=s.breaker_fail_max, reset_seconds=s.breaker_reset_seconds,
            success_threshold=s.breaker_success_threshold,
        )  # fmt: skip
        token = s.inter_service_token.get_secret_value() if s.inter_service_token else ""
        return AiServiceClient(
            s.ai_service_url, token, CircuitBreaker(AI_SERVICE_BREAKER, self.breaker_store, policy, self.clock),
            timeout_seconds=s.ai_timeout_seconds, retry_delays=s.ai_retry_delays_seconds,
            min_attempt_seconds=s.ai_min_attempt_seconds,
        )  # fmt: skip

    @cached_property
    def signal_resolver(self) -> SignalResolver:
        from tradecore.services.trading.signals import SignalResolver

        return SignalResolver(
            self.signal_client, self.analysis_store, self.technical_analyzer,
            max_stored_age_seconds=self.settings.ai_cached_signal_max_age_seconds, clock=self.clock,
        )  # fmt: skip

    @cached_property
    def trade_events(self) -> TradeEvents:
        """What a trade tells the user's channels, the signals channel and the account cache."""
        from tradecore.services.trading.events import TradeEvents
        from tradecore.services.trading.rendering import trade_body

        return TradeEvents(self.user_notifier, self.channel_publisher, self.account_cache, trade_body)

    @cached_property
    def trade_journal(self) -> TradeJournal:
        """Trade records to MongoDB, or to the outbox while it is down."""
        from tradecore.services.trading.journal import TradeJournal

        return TradeJournal(self.trade_store, self.trade_outbox)

    @cached_property
    def order_desk(self) -> OrderDesk:
        from tradecore.services.trading.desk import OrderDesk
        from tradecore.services.trading.protection import ProtectionDesk

        protection = ProtectionDesk(self.settings.stop_limit_slippage)
        return OrderDesk(
            self.trade_journal, protection, self.trade_events,
            placements=self.placement_ledger, clock=self.clock, sleep=self.sleep,
        )  # fmt: skip

    @cached_property
    def placement_ledger(self) -> PlacementLedger:
        from tradecore.adapters.aws.placement_ledger import DynamoPlacementLedger

        return DynamoPlacementLedger(self.settings.service_state_table, self.settings.aws_region, clock=self.clock)

    @cached_property
    def trade_executor(self) -> TradeExecutor:
        from tradecore.domain.accounts import Network
        from tradecore.services.trading.execution import TradeExecutor, TradePolicy
        from tradecore.services.trading.exposure import ExposureReader

        s = self.settings
        symbols = tuple(s.trading_symbols)
        policy = TradePolicy(
            symbols=symbols,
            default_limits=self.default_risk_limits,
            network=Network(s.exchange_mode.value),
            signal_timeframe=s.trade_signal_timeframe,
            signal_candles=s.trade_signal_candles,
            budget_seconds=s.trade_flow_budget_seconds,
        )
        return TradeExecutor(
            policy,
            exchanges=self.connection_service,
            market=lambda: self.exchange,  # public market data only: never a user's key
            desk=self.order_desk,
            guard=self.idempotency_guard,
            signals=self.signal_resolver,
            risk=self.risk_settings,
            switch=self.trading_switch,
            exposure=ExposureReader(self.trade_store, symbols, self.clock),
        )

    @cached_property
    def position_service(self) -> PositionService:
        from tradecore.services.trading.positions import PositionService

        return PositionService(self.trade_store, lambda: self.exchange)

    @cached_property
    def position_closer(self) -> PositionCloser:
        from tradecore.domain.accounts import Network
        from tradecore.services.trading.closing import PositionCloser

        return PositionCloser(
            symbols=tuple(self.settings.trading_symbols), network=Network(self.settings.exchange_mode.value),
            exchanges=self.connection_service, market=lambda: self.exchange, desk=self.order_desk,
            guard=self.idempotency_guard, positions=self.position_service,
        )  # fmt: skip

    @cached_property
    def performance_service(self) -> PerformanceService:
        from tradecore.services.trading.performance import PerformanceService

        return PerformanceService(self.trade_store, lambda: self.exchange, self.clock)

    @cached_property
    def trade_history(self) -> TradeHistory:
        from tradecore.services.trading.history import TradeHistory

        return TradeHistory(self.trade_store, self.connection_service, self.order_desk)
