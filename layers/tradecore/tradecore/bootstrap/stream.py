"""Stream wiring: the stream task's market side (Binance's market streams, the heartbeat, closed
candles to the AI service and the AutoTrader) publishing through the channel publisher.

The analysis timeframe is the one the trade flow asks signals for (``TRADE_SIGNAL_TIMEFRAME``);
the chart intervals are :data:`CHART_INTERVALS`. Without ``AUTOTRADE_QUEUE_URL`` a signal cannot be
fanned out: that candle's signal is logged as lost and the stream goes on.
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from tradecore.bootstrap.core import CoreWiring

if TYPE_CHECKING:
    from tradecore.ports import ChannelPublisher, Exchange
    from tradecore.ports.analysis import AnalysisClient
    from tradecore.ports.stream import MarketStream, StreamHeartbeat
    from tradecore.services.realtime.candle_signals import CandleSignals
    from tradecore.services.realtime.stream_worker import StreamPolicy, StreamWorker
    from tradecore.services.trading.autotrader import AutoTrader

# the dashboard's chart intervals, streamed as candle_update
CHART_INTERVALS = ("1m", "5m", "15m", "1h", "4h", "1d")


class StreamWiring(CoreWiring):
    if TYPE_CHECKING:  # provided by the exchange, market, realtime and automation wiring

        @property
        def exchange(self) -> Exchange: ...
        @property
        def analysis_client(self) -> AnalysisClient: ...
        @property
        def channel_publisher(self) -> ChannelPublisher: ...
        @property
        def auto_trader(self) -> AutoTrader: ...

    @cached_property
    def market_stream(self) -> MarketStream:
        from tradecore.adapters.binance.streams import BinanceMarketStream

        return BinanceMarketStream(self.settings)

    @cached_property
    def stream_heartbeat(self) -> StreamHeartbeat:
        from tradecore.adapters.aws.heartbeat import DynamoStreamHeartbeat

        return DynamoStreamHeartbeat(self.settings.service_state_table, self.settings.aws_region, clock=self.clock)

    @cached_property
    def stream_policy(self) -> StreamPolicy:
        from tradecore.services.realtime.stream_worker import StreamPolicy

        s = self.settings
        return StreamPolicy(
            symbols=tuple(s.trading_symbols), candle_intervals=CHART_INTERVALS,
            analysis_timeframes=(s.trade_signal_timeframe,),
        )  # fmt: skip

    @cached_property
    def candle_signals(self) -> CandleSignals:
        from tradecore.services.realtime.candle_signals import CandleSignals

        s = self.settings
        return CandleSignals(
            lambda: self.exchange, self.analysis_client, lambda signal: self.auto_trader.fan_out(signal),
            candles_per_analysis=s.trade_signal_candles, budget_seconds=s.ai_request_budget_seconds,
        )  # fmt: skip

    @cached_property
    def stream_worker(self) -> StreamWorker:
        from tradecore.services.realtime.stream_worker import StreamWorker

        return StreamWorker(
            self.stream_policy, self.market_stream, self.channel_publisher, self.stream_heartbeat,
            self.candle_signals.on_closed, history=self.exchange, wall_clock=self.clock,
        )  # fmt: skip
