import { describe, expect, it, vi } from "vitest";
import { ApiClient } from "../src/api/client";
import type { Health } from "../src/api/types";
import { connectionLabel, degradedMessages, HEALTH_REREAD_MS, StatusStore } from "../src/stores/status";
import { fakeWs, lastSocket, scriptedFetch } from "./fakes";

function health(ai: "ok" | "degraded" | "down"): Health {
  return {
    service: "core", status: ai === "ok" ? "ok" : "degraded", checked_at: "2026-01-01T00:00:00Z",
    components: { mongodb: { status: "ok", detail: null }, ai: { status: ai, detail: null } },
  };
}

describe("status", () => {
  it("names what is down and what still works", () => {
    expect(degradedMessages(health("ok"))).toEqual([]);
    expect(degradedMessages(health("down"))).toEqual(["AI service down: signals use technical analysis; trading works."]);
    expect(degradedMessages(null, false)[0]).toContain("API unreachable");
  });

  it("labels the socket states as the header shows them", () => {
    expect(connectionLabel("open")).toBe("Connected");
    expect(connectionLabel("reconnecting")).toBe("Reconnecting");
    expect(connectionLabel("stopped")).toBe("Offline");
  });

  it("applies service_status at once, then re-reads health once the server's cached report moved on", async () => {
    vi.useFakeTimers();
    try {
      const answers = [health("ok"), health("down")];
      const fake = scriptedFetch(() => [200, answers.shift() ?? health("down")]);
      const api = new ApiClient({ baseUrl: "", token: () => "tok", fetch: fake.fetch });
      const ws = fakeWs();
      const store = new StatusStore(api, ws);
      await store.refresh();
      ws.start();
      lastSocket().accept();
      expect(store.get().connection).toBe("open");

      lastSocket().receive("service_status", { overall: "degraded", changes: [{ component: "ai", status: "down", was: "ok" }] });

      expect(store.get().health?.components.ai?.status).toBe("down"); // the banner shows it now
      expect(fake.calls).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(HEALTH_REREAD_MS);
      expect(fake.calls).toHaveLength(2);
      expect(store.get().health?.components.ai?.status).toBe("down");
    } finally {
      vi.useRealTimers();
    }
  });

  it("clears the banner on the recovery broadcast even while the server's cached report still says down", () => {
    const ws = fakeWs();
    const store = new StatusStore(new ApiClient({ baseUrl: "", token: () => "tok", fetch: scriptedFetch(() => [200, health("down")]).fetch }), ws);
    store.update({ health: health("down") });
    ws.start();
    lastSocket().accept();
    lastSocket().receive("service_status", { overall: "ok", changes: [{ component: "ai", status: "ok", was: "down" }] });
    expect(degradedMessages(store.get().health)).toEqual([]);
    expect(store.get().health?.status).toBe("ok");
  });

  it("keeps the report a 503 carries", async () => {
    const down = { ...health("ok"), status: "down", components: { mongodb: { status: "down", detail: null } } };
    const fake = scriptedFetch(() => [503, down]);
    const store = new StatusStore(new ApiClient({ baseUrl: "", token: () => null, fetch: fake.fetch }), fakeWs());
    await store.refresh();
    expect(degradedMessages(store.get().health)[0]).toContain("Database down");
  });
});
