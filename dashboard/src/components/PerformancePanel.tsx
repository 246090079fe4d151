// Performance: the cumulative PnL curve, win rate, profit factor, max drawdown, and a daily / weekly /
// monthly breakdown (GET /api/performance; the grouping of its daily rows is done here).
import { useEffect } from "preact/hooks";
import type { DayPnl } from "../api/types";
import { useServices } from "../context";
import { trimZeros } from "../format";
import { groupDays, type Period } from "../stores/performance";
import { useStore } from "../stores/store";

function Curve(props: { days: DayPnl[] }) {
  const values = props.days.map((day) => Number(day.cumulative_pnl));
  if (values.length < 2) return <p class="muted">Not enough closed trades for a curve yet.</p>;
  const min = Math.min(...values, 0);
  const max = Math.max(...values, 0);
  const span = max - min || 1;
  const points = values.map((v, i) => `${(i / (values.length - 1)) * 100},${40 - ((v - min) / span) * 40}`).join(" ");
  return (
    <svg class="curve" viewBox="0 0 100 40" preserveAspectRatio="none" role="img" aria-label="Equity curve">
      <polyline points={points} fill="none" stroke="#0969da" stroke-width="0.6" vector-effect="non-scaling-stroke" />
    </svg>
  );
}

function percent(value: string | null): string {
  return value === null ? "–" : `${(Number(value) * 100).toFixed(1)}%`;
}

export function PerformancePanel() {
  const { performance } = useServices();
  const { performance: body, period, error } = useStore(performance);
  useEffect(() => void performance.load(), [performance]);
  const rows = body ? groupDays(body.daily, period) : [];

  return (
    <section class="card wide" aria-label="Performance">
      <h2>Performance</h2>
      {error && <p class="error">{error}</p>}
      {body && (
        <>
          <Curve days={body.daily} />
          <dl class="facts">
            <dt>Win rate</dt>
            <dd>{percent(body.win_rate)}</dd>
            <dt>Profit factor</dt>
            <dd>{body.profit_factor_infinite ? "∞" : trimZeros(body.profit_factor)}</dd>
            <dt>Max drawdown</dt>
            <dd>
              {trimZeros(body.max_drawdown.amount)} {body.currency}
              {body.max_drawdown.percent !== null ? ` (${percent(body.max_drawdown.percent)})` : ""}
            </dd>
            <dt>Realized PnL</dt>
            <dd>
              {trimZeros(body.realized_pnl)} {body.currency}
            </dd>
            <dt>Closed trades</dt>
            <dd>
              {body.closed_trades} ({body.wins} won, {body.losses} lost)
            </dd>
          </dl>
        </>
      )}
      <label>
        Period{" "}
        <select value={period} onChange={(e) => performance.setPeriod(e.currentTarget.value as Period)}>
          <option value="daily">Daily</option>
          <option value="weekly">Weekly</option>
          <option value="monthly">Monthly</option>
        </select>
      </label>
      <table>
        <thead>
          <tr>
            <th scope="col">Period</th>
            <th scope="col">Realized PnL</th>
            <th scope="col">Cumulative</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.period}>
              <th scope="row">{row.period}</th>
              <td>{row.realized.toFixed(2)}</td>
              <td>{trimZeros(row.cumulative)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
