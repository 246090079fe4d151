import { describe, expect, it } from "vitest";
import { ApiClient } from "../src/api/client";
import type { ExecuteRequest } from "../src/api/types";
import { outcomeText, TicketStore } from "../src/stores/ticket";
import { ToastStore } from "../src/stores/toasts";
import { type Call, scriptedFetch } from "./fakes";

const ORDER: ExecuteRequest = { symbol: "BTCUSDT", side: "BUY", type: "MARKET", quantity: "0.001", use_ai: true };

function trade(status = "filled") {
  return {
    trade: {
      id: "t1", symbol: "BTCUSDT", side: "BUY", type: "MARKET", status, executed_quantity: "0.001",
      average_price: "65000", reason: null,
    },
    signal: null, mode: "paper", degraded: false,
  };
}

function ticket(respond: (call: Call) => [number, unknown] | Promise<[number, unknown]>) {
  const fake = scriptedFetch(respond);
  const api = new ApiClient({ baseUrl: "", token: () => "tok", fetch: fake.fetch });
  let n = 0;
  const toasts = new ToastStore(60_000);
  const store = new TicketStore(api, toasts, () => `key-${++n}`);
  const keys = () => fake.calls.map((c) => c.headers["Idempotency-Key"]);
  return { store, keys, toasts, calls: fake.calls };
}

describe("TicketStore", () => {
  it("retries a failed submission with the same Idempotency-Key", async () => {
    let answers: [number, unknown][] = [[503, { error: { code: "unavailable", message: "exchange down", trace_id: "x" } }], [200, trade()]];
    const { store, keys } = ticket(() => answers.shift() ?? [500, {}]);
    store.review(ORDER);
    expect(await store.confirm()).toBeNull();
    expect(store.get().pending?.key).toBe("key-1");
    expect(await store.confirm()).not.toBeNull();
    expect(keys()).toEqual(["key-1", "key-1"]);
    answers = [[200, trade()]];
    store.review(ORDER); // a new submission after the last one succeeded
    await store.confirm();
    expect(keys()).toEqual(["key-1", "key-1", "key-2"]);
  });

  it("keeps the key when the same order is reviewed again, and changes it for a changed order", () => {
    const { store } = ticket(() => [200, trade()]);
    expect(store.review(ORDER).key).toBe("key-1");
    expect(store.review({ ...ORDER }).key).toBe("key-1");
    expect(store.review({ ...ORDER, quantity: "0.002" }).key).toBe("key-2");
  });

  it("sends one request for a double click", async () => {
    let release: (v: [number, unknown]) => void = () => undefined;
    const { store, calls } = ticket(() => new Promise((resolve) => (release = resolve)));
    store.review(ORDER);
    const first = store.confirm();
    const second = store.confirm();
    expect(store.get().submitting).toBe(true);
    release([200, trade()]);
    await Promise.all([first, second]);
    expect(calls).toHaveLength(1);
    expect(store.get().submitting).toBe(false);
    expect(store.get().pending).toBeNull();
  });

  it("drops the submission after a refusal, so the next one has a new key", async () => {
    const { store, keys } = ticket(() => [422, { error: { code: "validation_error", message: "too small", trace_id: "x" } }]);
    store.review(ORDER);
    await store.confirm();
    expect(store.get().pending).toBeNull();
    store.review(ORDER);
    await store.confirm();
    expect(keys()).toEqual(["key-1", "key-2"]);
  });

  it("says the outcome in the toast", async () => {
    const { store, toasts } = ticket(() => [200, trade()]);
    store.review(ORDER);
    await store.confirm();
    expect(toasts.get().map((t) => t.text)).toEqual(["Bought 0.001 BTCUSDT at 65000.00"]);
    expect(outcomeText(trade("open") as never)).toContain("open");
  });
});
