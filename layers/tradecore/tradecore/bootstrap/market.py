"""Market wiring: candles and prices through the shared short cache, the signal history, and users'
"analyze now" (the AI service client, the shared answer cache and each user's request window)."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring

if TYPE_CHECKING:
    from tradecore.adapters.aws.analyze_state import DynamoAnalyzeState
    from tradecore.adapters.http.ai_client import AiServiceClient
    from tradecore.domain.signals import TechnicalAnalyzer
    from tradecore.ports import AnalysisStore, Exchange
    from tradecore.ports.analysis import AnalysisAnswerCache, AnalysisClient, AnalyzeQuota
    from tradecore.ports.market import MarketDataCache
    from tradecore.services.market.analyze_now import AnalyzeNow
    from tradecore.services.market.data import MarketData
    from tradecore.services.market.history import SignalHistory


class MarketWiring(CoreWiring):
    if TYPE_CHECKING:  # provided by the exchange, analysis and trading wiring

        @property
        def exchange(self) -> Exchange: ...
        @property
        def analysis_store(self) -> AnalysisStore: ...
        @property
        def technical_analyzer(self) -> TechnicalAnalyzer: ...
        @property
        def ai_service_client(self) -> AiServiceClient: ...

    @cached_property
    def market_data_cache(self) -> MarketDataCache:
        from tradecore.adapters.aws.market_cache import DynamoMarketDataCache

        return DynamoMarketDataCache(self.settings.service_state_table, self.settings.aws_region, clock=self.clock)

    @cached_property
    def market_data(self) -> MarketData:
        from tradecore.services.market.data import MarketData

        s = self.settings
        return MarketData(
            tuple(s.trading_symbols), lambda: self.exchange, self.market_data_cache, ttl_seconds=s.market_data_cache_ttl
        )

    @cached_property
    def signal_history(self) -> SignalHistory:
        from tradecore.services.market.history import SignalHistory

        return SignalHistory(self.analysis_store, tuple(self.settings.trading_symbols))

    @cached_property
    def analysis_client(self) -> AnalysisClient:
        """The AI service over HTTP: the trade flow's own client (one breaker, one connection pool)."""
        return self.ai_service_client

    @cached_property
    def analyze_state(self) -> DynamoAnalyzeState:
        from tradecore.adapters.aws.analyze_state import DynamoAnalyzeState

        return DynamoAnalyzeState(self.settings.service_state_table, self.settings.aws_region, clock=self.clock)

    @cached_property
    def analysis_answer_cache(self) -> AnalysisAnswerCache:
        return self.analyze_state

    @cached_property
    def analyze_quota(self) -> AnalyzeQuota:
        return self.analyze_state

    @cached_property
    def analyze_now(self) -> AnalyzeNow:
        from tradecore.services.market.analyze_now import AnalyzeNow, AnalyzePolicy

        s = self.settings
        policy = AnalyzePolicy(
            symbols=tuple(s.trading_symbols), per_minute=s.user_analyze_per_minute,
            candles_per_timeframe=s.user_analyze_candles, cache_ttl_seconds=s.analysis_cache_ttl_core,
            budget_seconds=s.ai_request_budget_seconds,
        )  # fmt: skip
        return AnalyzeNow(
            policy, market=lambda: self.exchange, client=self.analysis_client, answers=self.analysis_answer_cache,
            quota=self.analyze_quota, technical=self.technical_analyzer, clock=self.clock,
        )  # fmt: skip
