import { describe, expect, it, vi } from "vitest";
import { ApiClient, ApiError, CACHE_MS } from "../src/api/client";
import { scriptedFetch } from "./fakes";

function client(respond: Parameters<typeof scriptedFetch>[0], token: string | null = "tok") {
  const clock = { now: 1_000_000 };
  const onUnauthorized = vi.fn();
  const fake = scriptedFetch(respond);
  const api = new ApiClient({
    baseUrl: "http://api",
    token: () => token,
    fetch: fake.fetch,
    now: () => clock.now,
    newId: () => "req-1",
    onUnauthorized,
  });
  return { api, calls: fake.calls, clock, onUnauthorized };
}

describe("ApiClient", () => {
  it("answers a repeated GET from its cache for 10 s, then asks again", async () => {
    const { api, calls, clock } = client(() => [200, { prices: { BTCUSDT: "1" } }]);
    await api.get("/api/market/prices");
    clock.now += CACHE_MS - 1;
    await api.get("/api/market/prices");
    expect(calls).toHaveLength(1);
    clock.now += 1;
    await api.get("/api/market/prices");
    expect(calls).toHaveLength(2);
  });

  it("caches per query string and skips the cache when asked for fresh data", async () => {
    const { api, calls } = client(() => [200, { trades: [], next_cursor: null }]);
    await api.get("/api/trades", { query: { limit: 20 } });
    await api.get("/api/trades", { query: { limit: 20, cursor: "abc" } });
    await api.get("/api/trades", { query: { limit: 20 }, fresh: true });
    expect(calls.map((c) => c.url)).toEqual([
      "http://api/api/trades?limit=20",
      "http://api/api/trades?limit=20&cursor=abc",
      "http://api/api/trades?limit=20",
    ]);
  });

  it("forgets cached reads after any write", async () => {
    const { api, calls } = client(() => [200, { positions: [] }]);
    await api.get("/api/positions");
    await api.send("post", "/api/auth/logout");
    await api.get("/api/positions");
    expect(calls.filter((c) => c.method === "GET")).toHaveLength(2);
  });

  it("asks once for a GET already under way: the second read waits for the first", async () => {
    const { api, calls } = client(() => [200, { candles: [] }]);
    const [first, second] = await Promise.all([
      api.get("/api/market/candles", { query: { symbol: "BTCUSDT" } }),
      api.get("/api/market/candles", { query: { symbol: "BTCUSDT" } }),
    ]);
    expect(calls).toHaveLength(1);
    expect(second).toEqual(first);
  });

  it("does not keep an answer read before a write that happened meanwhile", async () => {
    const { api, calls } = client(() => [200, { positions: [] }]);
    const reading = api.get("/api/positions");
    api.clearCache(); // a write (or a WebSocket change notice) while the read was on its way
    await reading;
    await api.get("/api/positions");
    expect(calls.filter((c) => c.method === "GET")).toHaveLength(2);
  });

  it("sends the bearer token, a request id and a JSON body", async () => {
    const { api, calls } = client(() => [200, {}]);
    await api.send("put", "/api/admin/trading", { body: { halted: true, reason: "r" } });
    expect(calls[0]?.headers).toMatchObject({
      Authorization: "Bearer tok",
      "X-Request-ID": "req-1",
      "Content-Type": "application/json",
    });
    expect(calls[0]?.body).toEqual({ halted: true, reason: "r" });
  });

  it("turns the error envelope into an ApiError that quotes the trace id", async () => {
    const { api } = client(() => [422, { error: { code: "validation_error", message: "quantity: too small", trace_id: "tr-9" } }]);
    const failure = await api.send("post", "/api/trades/execute", { body: { symbol: "BTCUSDT", side: "BUY", type: "MARKET", use_ai: false } }).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(ApiError);
    expect((failure as ApiError).status).toBe(422);
    expect((failure as ApiError).text).toBe("quantity: too small (trace tr-9)");
  });

  it("signs out on a 401 to an authenticated request", async () => {
    const { api, onUnauthorized } = client(() => [401, { error: { code: "unauthorized", message: "expired", trace_id: "t" } }]);
    await api.get("/api/auth/me").catch(() => undefined);
    expect(onUnauthorized).toHaveBeenCalledOnce();
  });

  it("reports an unreachable API as status 0", async () => {
    const api = new ApiClient({ baseUrl: "http://api", token: () => null, fetch: () => Promise.reject(new TypeError("down")) });
    const failure = (await api.get("/api/health").catch((e: unknown) => e)) as ApiError;
    expect(failure.status).toBe(0);
    expect(failure.message).toBe("Cannot reach the API");
  });
});
