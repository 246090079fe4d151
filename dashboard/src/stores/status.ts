// The header's facts: service health (GET /api/health, refreshed when `service_status` says a
// component changed), the WebSocket's state, and the degraded banner's words.
import { type ApiClient, ApiError } from "../api/client";
import type { Health } from "../api/types";
import type { ConnectionState, WsClient } from "../ws/client";
import { MessageType, type ServiceStatus } from "../ws/messages";
import { Store } from "./store";

export interface StatusState {
  health: Health | null;
  connection: ConnectionState;
}

const WHAT_IT_MEANS: Record<string, { name: string; works: string }> = {
  ai: { name: "AI service", works: "signals use technical analysis; trading works." },
  binance: { name: "Exchange", works: "prices and orders may fail; your history and positions are shown." },
  stream: { name: "Live market stream", works: "prices may be stale; trading works." },
  mongodb: { name: "Database", works: "trading and history are unavailable; prices still show." },
};

/** One sentence per component not ok: what is down and what still works. */
export function degradedMessages(health: Health | null, reachable = true): string[] {
  if (!reachable) return ["API unreachable: nothing can be loaded or traded until it is back."];
  if (!health) return [];
  const messages: string[] = [];
  for (const [component, part] of Object.entries(health.components)) {
    if (part.status === "ok") continue;
    const known = WHAT_IT_MEANS[component];
    if (!known) continue;
    messages.push(`${known.name} ${part.status}: ${known.works}`);
  }
  return messages;
}

/** The header's words for the socket state. */
export function connectionLabel(state: ConnectionState): "Connected" | "Reconnecting" | "Offline" {
  if (state === "open") return "Connected";
  if (state === "connecting" || state === "reconnecting") return "Reconnecting";
  return "Offline";
}

/** GET /api/health answers from a report a few seconds old (HEALTH_CACHE_SECONDS): read it again
 * only after that, or the read could bring back what the broadcast just cleared. */
export const HEALTH_REREAD_MS = 6000;

/** ``health`` with a ``service_status`` broadcast's changes applied (the monitor's verdict). */
export function withChanges(health: Health | null, message: ServiceStatus): Health | null {
  if (!health) return health;
  const components = { ...health.components };
  for (const change of message.changes) {
    components[change.component] = { ...components[change.component], status: change.status, detail: null };
  }
  return { ...health, status: message.overall, components };
}

export class StatusStore extends Store<StatusState & { reachable: boolean }> {
  private reread: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly api: ApiClient,
    ws: WsClient,
  ) {
    super({ health: null, connection: ws.state, reachable: true });
    ws.onState((connection) => this.update({ connection }));
    ws.on(MessageType.SERVICE_STATUS, (message) => {
      this.update({ health: withChanges(this.get().health, message) });
      if (this.reread) clearTimeout(this.reread);
      this.reread = setTimeout(() => void this.refresh(true), HEALTH_REREAD_MS);
    });
  }

  async refresh(fresh = false): Promise<void> {
    try {
      const health = await this.api.get("/api/health", { auth: false, fresh });
      this.update({ health, reachable: true });
    } catch (failure) {
      // a 503 still carries the report (the worst component is down)
      const body = failure instanceof ApiError ? failure.body : null;
      const health = body && typeof body === "object" && "components" in body ? (body as Health) : null;
      this.update({ health: health ?? this.get().health, reachable: !(failure instanceof ApiError) || failure.status !== 0 });
    }
  }
}
