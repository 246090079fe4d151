// The bot: automated trading on/off, its main limits, pause/resume, and its decisions.
import { useEffect } from "preact/hooks";
import { useServices } from "../context";
import { useStore } from "../stores/store";

export function BotPanel(props: { canTrade: boolean }) {
  const { bot } = useServices();
  const { settings, decisions, saving, error } = useStore(bot);
  useEffect(() => void bot.load(), [bot]);

  const save = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    void bot.save({
      automated_trading: form.get("automated") === "on",
      amount_per_trade_usdt: String(form.get("amount")),
      min_confidence: Number(form.get("confidence")),
      symbols: String(form.get("symbols"))
        .split(",")
        .map((s) => s.trim().toUpperCase())
        .filter(Boolean),
    });
  };

  return (
    <>
      <form class="card" aria-label="Bot settings" onSubmit={save}>
        <h2>Bot settings</h2>
        {error && <p class="error">{error}</p>}
        {settings && (
          <fieldset key={settings.updated_at ?? "defaults"} disabled={!props.canTrade || saving}>
            <label class="check">
              <input type="checkbox" name="automated" defaultChecked={settings.automated_trading} /> Automated trading
            </label>
            <label>
              Symbols <input name="symbols" defaultValue={settings.symbols.join(", ")} />
            </label>
            <label>
              Amount per trade (USDT) <input name="amount" inputMode="decimal" defaultValue={settings.amount_per_trade_usdt} />
            </label>
            <label>
              Minimum confidence <input name="confidence" type="number" min="0" max="1" step="0.05" defaultValue={String(settings.min_confidence)} />
            </label>
            <p class="muted">
              {settings.paused ? "Paused" : settings.automating ? "Trading automatically" : "Not trading automatically"}
              {` · timeframe ${settings.timeframe}`}
            </p>
            <div class="actions">
              <button type="submit" class="primary">
                Save settings
              </button>
              <button
                type="button"
                onClick={() => void bot.save({ paused: !settings.paused }, settings.paused ? "Bot resumed" : "Bot paused")}
              >
                {settings.paused ? "Resume" : "Pause"}
              </button>
            </div>
          </fieldset>
        )}
      </form>
      <section class="card wide" aria-label="Bot decisions">
        <h2>Bot decisions</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Symbol</th>
              <th scope="col">Signal</th>
              <th scope="col">Outcome</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {decisions.map((d) => (
              <tr key={d.id}>
                <td>{new Date(d.created_at).toLocaleString()}</td>
                <td>{d.symbol}</td>
                <td>
                  {d.signal} {Math.round(d.confidence * 100)}%
                </td>
                <td>{d.outcome}</td>
                <td>{d.message}</td>
              </tr>
            ))}
            {decisions.length === 0 && (
              <tr>
                <td colSpan={5} class="muted">
                  No decisions yet
                </td>
              </tr>
            )}
          </tbody>
        </table>
      </section>
    </>
  );
}
