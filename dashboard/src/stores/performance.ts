// Performance (GET /api/performance): the totals, and the daily PnL grouped by day, week or month.
import { type ApiClient, errorText } from "../api/client";
import type { DayPnl, Performance } from "../api/types";
import { Store } from "./store";

export type Period = "daily" | "weekly" | "monthly";

export interface PeriodRow {
  period: string;
  realized: number;
  cumulative: string;
}

/** The ISO week's Monday (UTC) of a YYYY-MM-DD day. */
function weekOf(day: string): string {
  const date = new Date(`${day}T00:00:00Z`);
  const back = (date.getUTCDay() + 6) % 7;
  date.setUTCDate(date.getUTCDate() - back);
  return `week of ${date.toISOString().slice(0, 10)}`;
}

/** The daily rows grouped by ``period`` (sums of realized PnL; the last cumulative of each group). */
export function groupDays(days: DayPnl[], period: Period): PeriodRow[] {
  const key = (day: string) => (period === "daily" ? day : period === "weekly" ? weekOf(day) : day.slice(0, 7));
  const rows = new Map<string, PeriodRow>();
  for (const day of days) {
    const name = key(day.day);
    const row = rows.get(name) ?? { period: name, realized: 0, cumulative: day.cumulative_pnl };
    row.realized += Number(day.realized_pnl);
    row.cumulative = day.cumulative_pnl;
    rows.set(name, row);
  }
  return [...rows.values()];
}

export interface PerformanceState {
  performance: Performance | null;
  period: Period;
  error: string;
}

export class PerformanceStore extends Store<PerformanceState> {
  constructor(private readonly api: ApiClient) {
    super({ performance: null, period: "daily", error: "" });
  }

  async load(fresh = false): Promise<void> {
    try {
      this.update({ performance: await this.api.get("/api/performance", { fresh }), error: "" });
    } catch (failure) {
      this.update({ error: errorText(failure) });
    }
  }

  setPeriod(period: Period): void {
    this.update({ period });
  }
}
