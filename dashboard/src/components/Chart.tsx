// The chart: candles + volume from the market store (setData when the selection loads, series.update()
// for live bars), AI signals as markers, symbol and interval selectors and the last price.
import {
  CandlestickSeries,
  createChart,
  createSeriesMarkers,
  HistogramSeries,
  type IChartApi,
  type ISeriesApi,
  type ISeriesMarkersPluginApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { useEffect, useRef } from "preact/hooks";
import type { Analysis } from "../api/types";
import { useServices } from "../context";
import { type Bar, INTERVALS } from "../stores/market";
import { useStore } from "../stores/store";
import type { CandleInterval } from "../ws/messages";
import { trimZeros } from "../format";

const UP = "#1a7f37";
const DOWN = "#cf222e";
const INTERVAL_SECONDS: Record<string, number> = { "1m": 60, "5m": 300, "15m": 900, "1h": 3600, "4h": 14400, "1d": 86400 };

interface Parts {
  chart: IChartApi;
  candles: ISeriesApi<"Candlestick">;
  volume: ISeriesApi<"Histogram">;
  markers: ISeriesMarkersPluginApi<Time>;
}

function volumeBar(bar: Bar) {
  return { time: bar.time as UTCTimestamp, value: bar.volume, color: bar.close >= bar.open ? "#1a7f3755" : "#cf222e55" };
}

/** The signals of this timeframe as markers on their candle: the newest per candle (signals come
 * newest first), sorted by time as the library requires. */
export function signalMarkers(signals: Analysis[], interval: string): SeriesMarker<Time>[] {
  const step = INTERVAL_SECONDS[interval] ?? 60;
  const seen = new Set<number>();
  const candleOf = (signal: Analysis) => {
    const seconds = signal.candle_time ? signal.candle_time / 1000 : Date.parse(signal.timestamp) / 1000;
    return Math.floor(seconds / step) * step;
  };
  return signals
    .filter((signal) => signal.timeframe === interval)
    .filter((signal) => !seen.has(candleOf(signal)) && Boolean(seen.add(candleOf(signal))))
    .filter((signal) => signal.signal !== "Neutral")
    .map((signal) => {
      const long = signal.signal === "Long";
      return {
        time: candleOf(signal) as UTCTimestamp,
        position: long ? "belowBar" : "aboveBar",
        shape: long ? "arrowUp" : "arrowDown",
        color: long ? UP : DOWN,
        text: `${signal.signal} ${Math.round(signal.confidence * 100)}%`,
      } as SeriesMarker<Time>;
    })
    .sort((a, b) => Number(a.time) - Number(b.time));
}

export function Chart() {
  const { market } = useServices();
  const state = useStore(market);
  const box = useRef<HTMLDivElement>(null);
  const parts = useRef<Parts | null>(null);
  const marked = useRef(false);

  useEffect(() => {
    if (!box.current) return;
    const chart = createChart(box.current, {
      autoSize: true,
      // the logo injects a <style> element, which the strict CSP (style-src 'self') refuses: the
      // attribution the licence asks for is the link under the chart instead
      layout: { background: { color: "#ffffff" }, textColor: "#1f2328", attributionLogo: false },
      timeScale: { timeVisible: true, secondsVisible: false },
      grid: { vertLines: { color: "#eaeef2" }, horzLines: { color: "#eaeef2" } },
    });
    const candles = chart.addSeries(CandlestickSeries, {
      upColor: UP,
      downColor: DOWN,
      borderVisible: false,
      wickUpColor: UP,
      wickDownColor: DOWN,
    });
    const volume = chart.addSeries(HistogramSeries, {
      priceFormat: { type: "volume" },
      priceScaleId: "",
      lastValueVisible: false,
      priceLineVisible: false,
    });
    volume.priceScale().applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
    parts.current = { chart, candles, volume, markers: createSeriesMarkers(candles, []) };
    return () => {
      chart.remove();
      parts.current = null;
    };
  }, []);

  // a new selection's history: replace everything
  useEffect(() => {
    const p = parts.current;
    if (!p) return;
    p.candles.setData(state.candles.map((bar) => ({ ...bar, time: bar.time as UTCTimestamp })));
    p.volume.setData(state.candles.map(volumeBar));
    if (state.candles.length) {
      p.chart.timeScale().scrollToRealTime();
      if (!marked.current) {
        marked.current = true;
        performance.mark("chart-rendered");
      }
    }
  }, [state.candles]);

  // live: one bar updated (or appended), never the whole series again
  useEffect(() => {
    const p = parts.current;
    if (!p || !state.live || !state.candles.length) return;
    p.candles.update({ ...state.live, time: state.live.time as UTCTimestamp });
    p.volume.update(volumeBar(state.live));
  }, [state.live]);

  useEffect(() => {
    parts.current?.markers.setMarkers(signalMarkers(state.signals, state.interval));
  }, [state.signals, state.interval, state.candles]);

  return (
    <section class="card chart-panel" aria-label="Chart">
      <div class="toolbar">
        <label>
          Symbol{" "}
          <select
            value={state.symbol}
            onChange={(event) => void market.select(event.currentTarget.value, state.interval)}
          >
            {state.symbols.map((symbol) => (
              <option key={symbol} value={symbol}>
                {symbol}
              </option>
            ))}
          </select>
        </label>
        <label>
          Interval{" "}
          <select
            value={state.interval}
            onChange={(event) => void market.select(state.symbol, event.currentTarget.value as CandleInterval)}
          >
            {INTERVALS.map((interval) => (
              <option key={interval} value={interval}>
                {interval}
              </option>
            ))}
          </select>
        </label>
        <span class="price" aria-label="Last price" aria-live="off">
          {trimZeros(state.lastPrice)}
        </span>
      </div>
      {state.error && <p class="error">{state.error}</p>}
      <div ref={box} class="chart" />
      <p class="attribution">
        Charts by{" "}
        <a href="https://www.tradingview.com/" target="_blank" rel="noopener noreferrer">
          TradingView
        </a>{" "}
        Lightweight Charts™
      </p>
    </section>
  );
}
