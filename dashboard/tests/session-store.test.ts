import { describe, expect, it } from "vitest";
import { ApiClient } from "../src/api/client";
import { mergeSignals } from "../src/stores/market";
import { SessionStore, TOKEN_KEY } from "../src/stores/session";
import { scriptedFetch } from "./fakes";

class MemoryStorage {
  items = new Map<string, string>();
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  setItem(key: string, value: string) {
    this.items.set(key, value);
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
}

const USER = { id: "u1", email: "a@b.c", role: "trader", active: true, created_at: "", updated_at: "" };

function session(respond: Parameters<typeof scriptedFetch>[0]) {
  const storage = new MemoryStorage();
  let store: SessionStore | null = null;
  const fake = scriptedFetch(respond);
  const api = new ApiClient({ baseUrl: "", token: () => store?.token ?? null, fetch: fake.fetch, onUnauthorized: () => store?.signOut() });
  store = new SessionStore(api, storage);
  return { store, storage, calls: fake.calls };
}

describe("SessionStore", () => {
  it("keeps the token for the tab and the user from login's answer", async () => {
    const { store, storage, calls } = session(() => [200, { access_token: "jwt", expires_at: 1, token_type: "bearer", user: USER }]);
    await store.login("a@b.c", "password-123");
    expect(storage.getItem(TOKEN_KEY)).toBe("jwt");
    expect(store.get().user?.role).toBe("trader");
    expect(calls.map((c) => c.url)).toEqual(["/api/auth/login"]);
    expect(calls[0]?.headers.Authorization).toBeUndefined();
  });

  it("shows a refusal with its trace id and keeps no token", async () => {
    const { store, storage } = session(() => [401, { error: { code: "unauthorized", message: "Invalid email or password", trace_id: "t9" } }]);
    await store.login("a@b.c", "wrong-password");
    expect(store.get().error).toBe("Invalid email or password (trace t9)");
    expect(storage.getItem(TOKEN_KEY)).toBeNull();
  });

  it("registers through /api/auth/register", async () => {
    const { store, calls } = session(() => [201, { access_token: "jwt", expires_at: 1, token_type: "bearer", user: USER }]);
    await store.login("a@b.c", "password-123", true);
    expect(calls[0]?.url).toBe("/api/auth/register");
    expect(store.token).toBe("jwt");
  });

  it("forgets the token on logout even when the API cannot be reached", async () => {
    const { store, storage } = session((call) => (call.url.endsWith("login") ? [200, { access_token: "jwt", user: USER }] : [503, {}]));
    await store.login("a@b.c", "password-123");
    await store.logout();
    expect(store.get()).toMatchObject({ token: null, user: null });
    expect(storage.getItem(TOKEN_KEY)).toBeNull();
  });

  it("signs out when a restored token is refused", async () => {
    const { store, storage } = session(() => [401, { error: { code: "unauthorized", message: "expired", trace_id: "t" } }]);
    storage.setItem(TOKEN_KEY, "old");
    const restored = new SessionStore(
      new ApiClient({ baseUrl: "", token: () => "old", fetch: scriptedFetch(() => [401, {}]).fetch }),
      storage,
    );
    await restored.restore();
    expect(restored.get().token).toBeNull();
    expect(storage.getItem(TOKEN_KEY)).toBeNull();
    expect(store.get().token).toBeNull();
  });
});

describe("mergeSignals", () => {
  const signal = (id: string, at: string) =>
    ({ analysis_id: id, timestamp: at, symbol: "BTCUSDT", signal: "Long" }) as Parameters<typeof mergeSignals>[0][number];
  it("keeps a live signal newer than the loaded page, each analysis once, newest first", () => {
    const loaded = [signal("b", "2026-01-01T00:02:00Z"), signal("a", "2026-01-01T00:01:00Z")];
    const live = [signal("c", "2026-01-01T00:03:00Z"), signal("b", "2026-01-01T00:02:00Z")];
    expect(mergeSignals(loaded, live).map((s) => s.analysis_id)).toEqual(["c", "b", "a"]);
  });
});
