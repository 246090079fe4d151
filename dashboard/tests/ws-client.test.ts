import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { backoffDelay } from "../src/ws/client";
import { FakeSocket, fakeWs, lastSocket } from "./fakes";

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe("backoffDelay", () => {
  it("doubles per attempt up to the cap, with half of it jittered", () => {
    expect(backoffDelay(0, 0)).toBe(500);
    expect(backoffDelay(0, 1)).toBe(1000);
    expect(backoffDelay(3, 0)).toBe(4000);
    expect(backoffDelay(3, 1)).toBe(8000);
    expect(backoffDelay(10, 1)).toBe(30_000);
    expect(backoffDelay(50, 0)).toBe(15_000);
  });
});

describe("WsClient", () => {
  it("puts the token in the query string and pings once open", () => {
    const ws = fakeWs();
    ws.start();
    expect(lastSocket().url).toBe("ws://x/ws?token=tok");
    lastSocket().accept();
    expect(ws.state).toBe("open");
    expect(lastSocket().sent).toEqual([{ action: "ping" }]);
    vi.advanceTimersByTime(300_000);
    expect(lastSocket().sent).toEqual([{ action: "ping" }, { action: "ping" }]);
  });

  it("reconnects with exponential back-off and counts each reconnection", () => {
    const ws = fakeWs(0); // jitter 0: exactly half the ceiling
    ws.start();
    lastSocket().drop();
    expect(ws.state).toBe("reconnecting");
    vi.advanceTimersByTime(499);
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(2);
    expect(ws.reconnections).toBe(1);
    lastSocket().drop(); // failed again before opening: the wait doubles
    vi.advanceTimersByTime(999);
    expect(FakeSocket.all).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.all).toHaveLength(3);
    expect(ws.reconnections).toBe(2);
  });

  it("starts the back-off over after a connection opened", () => {
    const ws = fakeWs(0);
    ws.start();
    lastSocket().drop();
    vi.advanceTimersByTime(500);
    lastSocket().drop();
    vi.advanceTimersByTime(1000);
    lastSocket().accept();
    lastSocket().drop();
    vi.advanceTimersByTime(500);
    expect(FakeSocket.all).toHaveLength(4);
  });

  it("resubscribes every wanted channel after a reconnect, and forgets unsubscribed ones", () => {
    const ws = fakeWs();
    ws.subscribe(["prices:BTCUSDT", "status"]);
    ws.start();
    lastSocket().accept();
    expect(lastSocket().sent[0]).toEqual({ action: "subscribe", channels: ["prices:BTCUSDT", "status"] });
    ws.subscribe(["book:BTCUSDT"]);
    ws.unsubscribe(["status"]);
    expect(lastSocket().sent.slice(-2)).toEqual([
      { action: "subscribe", channels: ["book:BTCUSDT"] },
      { action: "unsubscribe", channels: ["status"] },
    ]);
    lastSocket().drop();
    vi.advanceTimersByTime(30_000);
    lastSocket().accept();
    expect(FakeSocket.all).toHaveLength(2);
    expect(lastSocket().sent[0]).toEqual({ action: "subscribe", channels: ["prices:BTCUSDT", "book:BTCUSDT"] });
  });

  it("dispatches each message to the handlers of its type only", () => {
    const ws = fakeWs();
    const prices: unknown[] = [];
    const books: unknown[] = [];
    ws.on("price_update", (data) => prices.push(data));
    const off = ws.on("book_update", (data) => books.push(data));
    ws.start();
    lastSocket().accept();
    lastSocket().receive("price_update", { symbol: "BTCUSDT", price: "65000.10", time: 1 });
    lastSocket().receive("pong", {});
    off();
    lastSocket().receive("book_update", { symbol: "BTCUSDT", bids: [], asks: [], last_update_id: 2 });
    expect(prices).toEqual([{ symbol: "BTCUSDT", price: "65000.10", time: 1 }]);
    expect(books).toEqual([]);
  });

  it("keeps dispatching after a handler throws or a frame is not JSON", () => {
    const ws = fakeWs();
    const seen: string[] = [];
    ws.on("price_update", () => {
      throw new Error("boom");
    });
    ws.on("price_update", (data) => seen.push(data.price));
    vi.spyOn(console, "error").mockImplementation(() => undefined);
    ws.start();
    lastSocket().onmessage?.({ data: "not json" });
    lastSocket().receive("price_update", { symbol: "BTCUSDT", price: "1", time: 1 });
    expect(seen).toEqual(["1"]);
  });

  it("does not reconnect after stop (logout)", () => {
    const ws = fakeWs();
    ws.start();
    lastSocket().accept();
    ws.stop();
    expect(lastSocket().closed).toBe(true);
    expect(ws.state).toBe("stopped");
    vi.advanceTimersByTime(120_000);
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("opens nothing without a token", () => {
    const ws = fakeWs(0.5, null);
    ws.start();
    expect(FakeSocket.all).toHaveLength(0);
    expect(ws.state).toBe("idle");
  });
});
