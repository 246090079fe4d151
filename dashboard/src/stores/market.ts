// The selected market: symbol and interval, its candles (GET /api/market/candles, then live from
// `candle_update` and `price_update`), the order book (`book_update`), and the AI signals
// (GET /api/ai/signals, then `ai_signal`; "Analyze now" posts /api/ai/analyze).
import { type ApiClient, errorText } from "../api/client";
import type { Analysis, AnalyzeResponse, Candle } from "../api/types";
import type { WsClient } from "../ws/client";
import { type AiSignal, type BookUpdate, type CandleInterval, type CandleUpdate, channels, MessageType } from "../ws/messages";
import { Store } from "./store";

export const INTERVALS: CandleInterval[] = ["1m", "5m", "15m", "1h", "4h", "1d"];
export const DEFAULT_SYMBOLS = ["BTCUSDT", "ETHUSDT", "BNBUSDT", "SOLUSDT"];

/** One chart bar; times in epoch seconds (lightweight-charts' UTCTimestamp), prices for drawing only. */
export interface Bar {
  time: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface MarketState {
  symbols: string[];
  symbol: string;
  interval: CandleInterval;
  candles: Bar[];
  live: Bar | null;
  lastPrice: string | null;
  book: BookUpdate | null;
  signals: Analysis[];
  analyzing: boolean;
  analysis: AnalyzeResponse | null;
  error: string;
}

export function toBar(candle: Candle | CandleUpdate): Bar {
  return {
    time: Math.floor(candle.open_time / 1000),
    open: Number(candle.open),
    high: Number(candle.high),
    low: Number(candle.low),
    close: Number(candle.close),
    volume: Number(candle.volume),
  };
}

/** The bar after a trade at ``price``: close moves, high and low stretch. */
export function applyPrice(bar: Bar, price: number): Bar {
  return { ...bar, close: price, high: Math.max(bar.high, price), low: Math.min(bar.low, price) };
}

/** Newest first, each analysis once: the loaded page with any that arrived over the socket meanwhile. */
export function mergeSignals(loaded: Analysis[], live: Analysis[]): Analysis[] {
  const ids = new Set(loaded.map((signal) => signal.analysis_id).filter(Boolean));
  const extra = live.filter((signal) => !signal.analysis_id || !ids.has(signal.analysis_id));
  return [...extra, ...loaded]
    .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp))
    .slice(0, 100);
}

export class MarketStore extends Store<MarketState> {
  private loadSeq = 0;

  constructor(
    private readonly api: ApiClient,
    private readonly ws: WsClient,
  ) {
    super({
      symbols: DEFAULT_SYMBOLS,
      symbol: "BTCUSDT",
      interval: "1m",
      candles: [],
      live: null,
      lastPrice: null,
      book: null,
      signals: [],
      analyzing: false,
      analysis: null,
      error: "",
    });
    ws.on(MessageType.PRICE_UPDATE, (data) => this.onPrice(data.symbol, data.price));
    ws.on(MessageType.CANDLE_UPDATE, (data) => this.onCandle(data));
    ws.on(MessageType.BOOK_UPDATE, (data) => {
      if (data.symbol === this.get().symbol) this.update({ book: data });
    });
    ws.on(MessageType.AI_SIGNAL, (data) => this.onSignal(data));
  }

  /** The newest signal of the selected symbol (any timeframe). */
  get latestSignal(): Analysis | null {
    return this.get().signals[0] ?? null;
  }

  private marketChannels(symbol = this.get().symbol, interval = this.get().interval) {
    return [channels.prices(symbol), channels.book(symbol), channels.candles(symbol, interval)];
  }

  /** Subscribe and load the current selection (after login). */
  async start(): Promise<void> {
    this.ws.subscribe(["signals", ...this.marketChannels()]);
    void this.loadSymbols();
    await this.load();
  }

  async select(symbol: string, interval: CandleInterval): Promise<void> {
    const { symbol: oldSymbol, interval: oldInterval } = this.get();
    if (symbol === oldSymbol && interval === oldInterval) return;
    this.ws.unsubscribe(this.marketChannels(oldSymbol, oldInterval));
    const symbolChanged = symbol !== oldSymbol;
    this.update({
      symbol,
      interval,
      candles: [],
      live: null,
      ...(symbolChanged ? { lastPrice: null, book: null, signals: [], analysis: null } : {}),
    });
    this.ws.subscribe(this.marketChannels(symbol, interval));
    await this.load();
  }

  private async loadSymbols(): Promise<void> {
    try {
      const { prices } = await this.api.get("/api/market/prices");
      const symbols = Object.keys(prices).sort();
      if (symbols.length) this.update({ symbols });
      const price = prices[this.get().symbol];
      if (price && !this.get().lastPrice) this.update({ lastPrice: price });
    } catch {
      // the default list stays
    }
  }

  async load(fresh = false): Promise<void> {
    const seq = ++this.loadSeq;
    const { symbol, interval } = this.get();
    // the candles draw as soon as they arrive; the signals (markers, AI panel) follow on their own
    const signals = this.api
      .get("/api/ai/signals", { query: { symbol, limit: 50 }, fresh })
      .then((page) => {
        if (seq === this.loadSeq) this.update({ signals: mergeSignals(page.signals, this.get().signals) });
      })
      .catch(() => undefined);
    try {
      const candles = await this.api.get("/api/market/candles", { query: { symbol, interval, limit: 300 }, fresh });
      if (seq !== this.loadSeq) return; // a newer selection won
      const last = candles.candles.at(-1);
      this.update({
        candles: candles.candles.map(toBar),
        live: null,
        lastPrice: this.get().lastPrice ?? last?.close ?? null,
        error: "",
      });
    } catch (failure) {
      if (seq === this.loadSeq) this.update({ error: errorText(failure) });
    }
    await signals;
  }

  onPrice(symbol: string, price: string): void {
    const state = this.get();
    if (symbol !== state.symbol) return;
    const current = state.live ?? state.candles.at(-1) ?? null;
    this.update({ lastPrice: price, live: current ? applyPrice(current, Number(price)) : null });
  }

  onCandle(data: CandleUpdate): void {
    const state = this.get();
    if (data.symbol !== state.symbol || data.interval !== state.interval) return;
    const bar = toBar(data);
    const current = state.live ?? state.candles.at(-1);
    if (current && bar.time < current.time) return; // lightweight-charts refuses older bars
    this.update({ live: bar, lastPrice: data.close });
  }

  onSignal(data: AiSignal): void {
    if (data.symbol !== this.get().symbol) return;
    const signals = [data, ...this.get().signals.filter((s) => s.analysis_id !== data.analysis_id || !s.analysis_id)];
    this.update({ signals: signals.slice(0, 100) });
  }

  async analyze(): Promise<void> {
    const { symbol, interval } = this.get();
    this.update({ analyzing: true, error: "" });
    try {
      const analysis = await this.api.send("post", "/api/ai/analyze", { body: { symbol, timeframe: interval } });
      this.update({ analysis, analyzing: false });
      if (analysis.analysis.symbol === this.get().symbol) this.onSignal(analysis.analysis);
    } catch (failure) {
      this.update({ analyzing: false, error: errorText(failure) });
    }
  }
}
