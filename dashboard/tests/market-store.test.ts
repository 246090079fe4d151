import { describe, expect, it } from "vitest";
import { ApiClient } from "../src/api/client";
import { MarketStore } from "../src/stores/market";
import { fakeWs, lastSocket, scriptedFetch } from "./fakes";

const CANDLE = {
  open_time: 60_000, close_time: 119_999, open: "100", high: "110", low: "90", close: "105",
  volume: "2", quote_volume: "210", trades: 3,
};

function market() {
  const fake = scriptedFetch((call) => {
    if (call.url.includes("/api/market/candles")) return [200, { symbol: "BTCUSDT", interval: "1m", candles: [CANDLE] }];
    if (call.url.includes("/api/ai/signals")) return [200, { signals: [], next_cursor: null }];
    if (call.url.includes("/api/market/prices")) return [200, { prices: { BTCUSDT: "105", ETHUSDT: "3000" } }];
    return [404, {}];
  });
  const api = new ApiClient({ baseUrl: "", token: () => "tok", fetch: fake.fetch });
  const ws = fakeWs();
  const store = new MarketStore(api, ws);
  return { store, ws, calls: fake.calls };
}

describe("MarketStore", () => {
  it("subscribes to the selection's channels and loads its candles", async () => {
    const { store, ws } = market();
    await store.start();
    expect(ws.channels).toEqual(["signals", "prices:BTCUSDT", "book:BTCUSDT", "candles:BTCUSDT:1m"]);
    expect(store.get().candles).toEqual([{ time: 60, open: 100, high: 110, low: 90, close: 105, volume: 2 }]);
  });

  it("moves the last bar with price_update and ignores other symbols", async () => {
    const { store, ws } = market();
    await store.start();
    ws.start();
    lastSocket().accept();
    lastSocket().receive("price_update", { symbol: "ETHUSDT", price: "1", time: 1 });
    expect(store.get().live).toBeNull();
    lastSocket().receive("price_update", { symbol: "BTCUSDT", price: "120", time: 2 });
    expect(store.get().lastPrice).toBe("120");
    expect(store.get().live).toMatchObject({ time: 60, close: 120, high: 120, low: 90 });
  });

  it("takes a candle_update of the selection as the live bar, never an older one", async () => {
    const { store, ws } = market();
    await store.start();
    ws.start();
    lastSocket().accept();
    const next = { ...CANDLE, symbol: "BTCUSDT", interval: "1m", open_time: 120_000, close: "107", closed: false };
    lastSocket().receive("candle_update", next);
    expect(store.get().live).toMatchObject({ time: 120, close: 107 });
    lastSocket().receive("candle_update", { ...next, open_time: 0 });
    lastSocket().receive("candle_update", { ...next, interval: "5m", open_time: 300_000 });
    expect(store.get().live).toMatchObject({ time: 120 });
  });

  it("moves the subscriptions when the symbol changes", async () => {
    const { store, ws } = market();
    await store.start();
    await store.select("ETHUSDT", "5m");
    expect(ws.channels).toEqual(["signals", "prices:ETHUSDT", "book:ETHUSDT", "candles:ETHUSDT:5m"]);
    expect(store.get().symbol).toBe("ETHUSDT");
  });

  it("puts a new ai_signal of the symbol first", async () => {
    const { store, ws } = market();
    await store.start();
    ws.start();
    lastSocket().accept();
    const signal = { symbol: "BTCUSDT", timeframe: "1m", signal: "Long", confidence: 0.8, reasoning: "r",
      source: "llm", model_version: "m", analysis_id: "a1", candle_time: 60_000, timestamp: "2026-01-01T00:00:00Z", timeframes: [] };
    lastSocket().receive("ai_signal", signal);
    lastSocket().receive("ai_signal", { ...signal, symbol: "ETHUSDT", analysis_id: "a2" });
    expect(store.get().signals.map((s) => s.analysis_id)).toEqual(["a1"]);
  });
});
