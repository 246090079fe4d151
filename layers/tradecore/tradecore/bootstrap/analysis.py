"""Analysis wiring: the LLM and technical analyzers, the analyses store, the analysis service."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring

if TYPE_CHECKING:
    from tradecore.adapters.openai.analyzer import OpenAIAnalyzer
    from tradecore.domain.signals import TechnicalAnalyzer
    from tradecore.ports import AnalysisStore, ChannelPublisher
    from tradecore.services.analysis.service import AnalysisService


class AnalysisWiring(CoreWiring):
    if TYPE_CHECKING:  # provided by RealtimeWiring

        @property
        def channel_publisher(self) -> ChannelPublisher: ...

    @cached_property
    def llm_analyzer(self) -> OpenAIAnalyzer:
        """OpenAI behind the shared retry policy and breaker; also the AI health's OpenAI probe."""
        from tradecore.adapters.openai.analyzer import OpenAIAnalyzer

        return OpenAIAnalyzer(self.settings, self.breaker_store, self.clock)

    @cached_property
    def technical_analyzer(self) -> TechnicalAnalyzer:
        from tradecore.domain.signals import TechnicalAnalyzer

        return TechnicalAnalyzer()

    @cached_property
    def analysis_store(self) -> AnalysisStore:
        from tradecore.adapters.mongo.analysis_store import MongoAnalysisStore

        return MongoAnalysisStore(self.mongo)

    @cached_property
    def analysis_service(self) -> AnalysisService:
        from tradecore.services.analysis.service import AnalysisPolicy, AnalysisService

        s = self.settings
        policy = AnalysisPolicy(
            known_symbols=tuple(s.trading_symbols),
            analysis_ttl_seconds=s.analysis_cache_ttl_ai,
            indicator_ttl_seconds=s.indicator_cache_ttl,
            deadline_margin_seconds=s.ai_deadline_margin_seconds,
            queue_max=s.analysis_queue_max,
            flush_retry_seconds=s.analysis_flush_retry_seconds,
        )
        return AnalysisService(
            policy,
            llm=self.llm_analyzer,
            technical=self.technical_analyzer,
            store=self.analysis_store,
            clock=self.clock,
            publisher=self.channel_publisher,
        )
