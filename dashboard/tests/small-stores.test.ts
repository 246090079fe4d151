import { describe, expect, it } from "vitest";
import { ApiClient } from "../src/api/client";
import { MetricsReporter } from "../src/metrics";
import { AccountStore } from "../src/stores/account";
import { validateKey } from "../src/stores/exchange";
import { groupDays } from "../src/stores/performance";
import { ToastStore } from "../src/stores/toasts";
import { fakeWs, lastSocket, scriptedFetch } from "./fakes";

describe("groupDays", () => {
  const days = [
    { day: "2026-03-30", realized_pnl: "1.5", cumulative_pnl: "1.5" }, // Monday
    { day: "2026-04-01", realized_pnl: "-0.5", cumulative_pnl: "1.0" },
    { day: "2026-04-06", realized_pnl: "2", cumulative_pnl: "3.0" }, // next Monday
  ];
  it("groups by ISO week and by month, keeping the last cumulative", () => {
    expect(groupDays(days, "daily")).toHaveLength(3);
    expect(groupDays(days, "weekly")).toEqual([
      { period: "week of 2026-03-30", realized: 1, cumulative: "1.0" },
      { period: "week of 2026-04-06", realized: 2, cumulative: "3.0" },
    ]);
    expect(groupDays(days, "monthly").map((r) => [r.period, r.realized])).toEqual([["2026-03", 1.5], ["2026-04", 1.5]]);
  });
});

describe("validateKey", () => {
  it("refuses a key or secret that cannot be Binance's before sending it", () => {
    expect(validateKey("short", "x".repeat(64))).toContain("API key");
    expect(validateKey("a".repeat(64), "with spaces in it here")).toContain("API secret");
    expect(validateKey("a".repeat(64), "b".repeat(64))).toBe("");
  });
});

describe("MetricsReporter", () => {
  it("sends per-interval counts and the page load once", () => {
    const clock = { now: 0 };
    let reconnections = 3;
    const fake = scriptedFetch(() => [200, {}]);
    const api = new ApiClient({ baseUrl: "", token: () => "tok", fetch: fake.fetch });
    const metrics = new MetricsReporter(api, () => reconnections, () => true, () => clock.now);
    metrics.setPageLoad(812.4);
    metrics.countAction();
    metrics.countAction();
    clock.now = 60_000;
    metrics.report();
    reconnections = 4;
    clock.now = 120_000;
    metrics.report(true);
    expect(fake.calls.map((c) => c.body)).toEqual([
      { page_load_ms: 812, ws_reconnections: 3, user_actions: 2, interval_seconds: 60 },
      { page_load_ms: null, ws_reconnections: 1, user_actions: 0, interval_seconds: 60 },
    ]);
    expect(fake.calls[0]?.url).toBe("/api/metrics/frontend");
  });
});

describe("AccountStore", () => {
  it("re-reads the account past the cache when a trade is executed", async () => {
    const fake = scriptedFetch((call) => {
      if (call.url.startsWith("/api/account")) return [200, { balances: [], equity_usdt: "100", mode: "paper" }];
      if (call.url.startsWith("/api/positions")) return [200, { positions: [] }];
      return [200, { trades: [], next_cursor: "c2" }];
    });
    const api = new ApiClient({ baseUrl: "", token: () => "tok", fetch: fake.fetch });
    const ws = fakeWs();
    const store = new AccountStore(api, ws, new ToastStore(60_000), () => "k");
    await store.start(ws);
    expect(ws.channels).toEqual(["account", "trades"]);
    expect(fake.calls).toHaveLength(4);
    ws.start();
    lastSocket().accept();
    lastSocket().receive("trade_executed", { id: "t1" });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(fake.calls).toHaveLength(8);
  });

  it("makes one more reload, not one per notice, for notices that arrive during a reload", async () => {
    const fake = scriptedFetch(() => [200, { trades: [], next_cursor: null, positions: [], balances: [] }]);
    const api = new ApiClient({ baseUrl: "", token: () => "tok", fetch: fake.fetch });
    const ws = fakeWs();
    const store = new AccountStore(api, ws, new ToastStore(60_000));
    ws.start();
    lastSocket().accept();
    lastSocket().receive("trade_executed", { id: "t1" });
    lastSocket().receive("account_update", { reason: "trade" });
    lastSocket().receive("account_update", { reason: "sync" });
    await store.reload();
    expect(fake.calls).toHaveLength(8);
  });

  it("pages the history forward and back by cursor", async () => {
    const fake = scriptedFetch((call) => {
      const cursor = new URL(`http://x${call.url}`).searchParams.get("cursor");
      return [200, { trades: [], next_cursor: cursor === "c2" ? null : "c2", positions: [], balances: [] }];
    });
    const api = new ApiClient({ baseUrl: "", token: () => "tok", fetch: fake.fetch });
    const store = new AccountStore(api, fakeWs(), new ToastStore(60_000));
    await store.load();
    await store.page("next");
    expect(store.get()).toMatchObject({ cursor: "c2", previous: [null], nextCursor: null });
    await store.page("previous");
    expect(store.get()).toMatchObject({ cursor: null, previous: [], nextCursor: "c2" });
  });
});
