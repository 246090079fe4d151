// The trade ticket: buy/sell, amount in base or quote, market or limit, optional stop-loss and
// take-profit, use AI → "Confirm order" (AI signal, estimated cost with fees) → the result as a toast.
import { useState } from "preact/hooks";
import type { ExecuteRequest } from "../api/types";
import { useServices } from "../context";
import { useStore } from "../stores/store";
import { Dialog } from "./Dialog";

// Binance's standard spot fee; the estimate says it is one.
const FEE_RATE = 0.001;
const DECIMAL = /^\d+(\.\d+)?$/;
const QUOTES = ["USDT", "USDC", "FDUSD", "BTC", "ETH", "BNB"];

export function splitSymbol(symbol: string): [string, string] {
  const quote = QUOTES.find((q) => symbol.endsWith(q) && symbol.length > q.length) ?? "USDT";
  return [symbol.slice(0, symbol.length - quote.length), quote];
}

interface Draft {
  side: "BUY" | "SELL";
  amount: string;
  amountIn: "base" | "quote";
  type: "MARKET" | "LIMIT";
  limitPrice: string;
  stopLoss: string;
  takeProfit: string;
  useAi: boolean;
}

/** The request for a draft, or the reason it cannot be sent. */
export function toRequest(symbol: string, draft: Draft): ExecuteRequest | string {
  if (!DECIMAL.test(draft.amount) || Number(draft.amount) <= 0) return "Amount: a positive number";
  if (draft.type === "LIMIT" && (!DECIMAL.test(draft.limitPrice) || Number(draft.limitPrice) <= 0))
    return "Limit price: a positive number";
  for (const [name, value] of [["Stop-loss", draft.stopLoss], ["Take-profit", draft.takeProfit]] as const) {
    if (value && !DECIMAL.test(value)) return `${name}: a positive number or empty`;
  }
  const request: ExecuteRequest = { symbol, side: draft.side, type: draft.type, use_ai: draft.useAi };
  if (draft.amountIn === "base") request.quantity = draft.amount;
  else request.quote_amount = draft.amount;
  if (draft.type === "LIMIT") request.price = draft.limitPrice;
  if (draft.stopLoss) request.stop_loss = draft.stopLoss;
  if (draft.takeProfit) request.take_profit = draft.takeProfit;
  return request;
}

/** Estimated cost and fee in the quote asset (for the confirmation only; the exchange decides). */
export function estimate(draft: Draft, lastPrice: string | null): { cost: number; fee: number } | null {
  const price = draft.type === "LIMIT" ? Number(draft.limitPrice) : Number(lastPrice);
  const amount = Number(draft.amount);
  const cost = draft.amountIn === "quote" ? amount : amount * price;
  if (!Number.isFinite(cost) || cost <= 0) return null;
  return { cost, fee: cost * FEE_RATE };
}

export function TradeTicket() {
  const { market, ticket } = useServices();
  const { symbol, lastPrice, signals } = useStore(market);
  const { pending, submitting, error } = useStore(ticket);
  const [draft, setDraft] = useState<Draft>({
    side: "BUY",
    amount: "",
    amountIn: "base",
    type: "MARKET",
    limitPrice: "",
    stopLoss: "",
    takeProfit: "",
    useAi: false,
  });
  const [problem, setProblem] = useState("");
  const [base, quote] = splitSymbol(symbol);
  const change = (part: Partial<Draft>) => setDraft({ ...draft, ...part });
  const text = (key: keyof Draft) => ({
    value: draft[key] as string,
    onInput: (event: Event) => change({ [key]: (event.currentTarget as HTMLInputElement).value }),
  });

  const review = (event: Event) => {
    event.preventDefault();
    const request = toRequest(symbol, draft);
    if (typeof request === "string") {
      setProblem(request);
      return;
    }
    setProblem("");
    ticket.review(request);
  };

  const signal = signals[0];
  const cost = estimate(draft, lastPrice);

  return (
    <form class="card ticket" aria-label="Trade ticket" onSubmit={review} noValidate>
      <h2>Trade {symbol}</h2>
      <fieldset class="sides">
        <legend>Side</legend>
        {(["BUY", "SELL"] as const).map((side) => (
          <label key={side} class={`side side-${side.toLowerCase()}`}>
            <input type="radio" name="side" checked={draft.side === side} onChange={() => change({ side })} />
            {side === "BUY" ? "Buy" : "Sell"}
          </label>
        ))}
      </fieldset>
      <label>
        Amount <input inputMode="decimal" autocomplete="off" {...text("amount")} />
      </label>
      <label>
        Amount in{" "}
        <select value={draft.amountIn} onChange={(e) => change({ amountIn: e.currentTarget.value as Draft["amountIn"] })}>
          <option value="base">Base asset ({base})</option>
          <option value="quote">Quote asset ({quote})</option>
        </select>
      </label>
      <label>
        Order type{" "}
        <select value={draft.type} onChange={(e) => change({ type: e.currentTarget.value as Draft["type"] })}>
          <option value="MARKET">Market</option>
          <option value="LIMIT">Limit</option>
        </select>
      </label>
      {draft.type === "LIMIT" && (
        <label>
          Limit price <input inputMode="decimal" autocomplete="off" {...text("limitPrice")} />
        </label>
      )}
      <label>
        Stop-loss <input inputMode="decimal" autocomplete="off" {...text("stopLoss")} />
      </label>
      <label>
        Take-profit <input inputMode="decimal" autocomplete="off" {...text("takeProfit")} />
      </label>
      <label class="check">
        <input type="checkbox" checked={draft.useAi} onChange={(e) => change({ useAi: e.currentTarget.checked })} /> Use AI
      </label>
      {problem && (
        <p class="error" role="alert">
          {problem}
        </p>
      )}
      <button type="submit" class="primary">
        Review order
      </button>
      {pending && (
        <Dialog title="Confirm order" onClose={() => ticket.cancel()}>
          <p>
            {pending.order.side === "BUY" ? "Buy" : "Sell"}{" "}
            {pending.order.quantity ? `${pending.order.quantity} ${base}` : `${pending.order.quote_amount} ${quote} of ${base}`} at{" "}
            {pending.order.type === "LIMIT" ? `limit ${pending.order.price}` : "market"}
          </p>
          <p>
            AI signal:{" "}
            {signal ? `${signal.signal} (${Math.round(signal.confidence * 100)}%, ${signal.source})` : "none yet"}
            {pending.order.use_ai ? "; the AI is consulted before the order is sent" : ""}
          </p>
          <p>
            Estimated cost:{" "}
            {cost
              ? `${cost.cost.toFixed(2)} ${quote} + fee ≈ ${cost.fee.toFixed(2)} ${quote} (${FEE_RATE * 100}%) = ${(cost.cost + cost.fee).toFixed(2)} ${quote}`
              : "unknown until the price is known"}
          </p>
          {error && (
            <p class="error" role="alert">
              {error}
            </p>
          )}
          <div class="actions">
            <button type="button" class="primary" disabled={submitting} aria-busy={submitting} onClick={() => void ticket.confirm()}>
              Confirm
            </button>
            <button type="button" disabled={submitting} onClick={() => ticket.cancel()}>
              Cancel
            </button>
          </div>
        </Dialog>
      )}
    </form>
  );
}
