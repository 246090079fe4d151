// The spec's frontend metrics: page load time, WebSocket reconnections and user actions, POSTed every
// 60 s to /api/metrics/frontend (and once more on pagehide, with fetch keepalive: sendBeacon cannot
// carry the Authorization header). Counts are per interval: each report sends what happened since the last.
import type { ApiClient } from "./api/client";
import type { FrontendMetrics } from "./api/types";

export const REPORT_SECONDS = 60;

export class MetricsReporter {
  private actions = 0;
  private reportedReconnections = 0;
  private pageLoadMs: number | null = null;
  private lastReport: number;

  constructor(
    private readonly api: ApiClient,
    private readonly reconnections: () => number,
    private readonly loggedIn: () => boolean,
    private readonly now: () => number = () => Date.now(),
  ) {
    this.lastReport = now();
  }

  setPageLoad(ms: number): void {
    this.pageLoadMs = Math.round(ms);
  }

  countAction(): void {
    this.actions += 1;
  }

  /** What the next report would send (and resets the counts when ``take``). */
  snapshot(take = false): FrontendMetrics {
    const now = this.now();
    const total = this.reconnections();
    const body: FrontendMetrics = {
      page_load_ms: this.pageLoadMs,
      ws_reconnections: Math.max(0, total - this.reportedReconnections),
      user_actions: this.actions,
      interval_seconds: Math.max(1, Math.round((now - this.lastReport) / 1000)),
    };
    if (take) {
      this.pageLoadMs = null; // sent once
      this.reportedReconnections = total;
      this.actions = 0;
      this.lastReport = now;
    }
    return body;
  }

  report(keepalive = false): void {
    if (!this.loggedIn()) return;
    const body = this.snapshot(true);
    this.api.send("post", "/api/metrics/frontend", { body, keepalive, keepCache: true }).catch(() => undefined);
  }

  /** Report every minute and on pagehide; count clicks and submits as user actions. */
  install(target: Window): void {
    target.setInterval(() => this.report(), REPORT_SECONDS * 1000);
    target.addEventListener("pagehide", () => this.report(true));
    target.addEventListener("click", (event) => {
      if ((event.target as Element | null)?.closest?.("button, a, [role=tab]")) this.countAction();
    });
    target.addEventListener("change", () => this.countAction());
  }
}
