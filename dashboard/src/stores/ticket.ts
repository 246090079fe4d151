// The trade ticket: review → confirm → POST /api/trades/execute. One Idempotency-Key per submission,
// created when the order is reviewed and kept across retries of that same submission (a double
// click or a retry after a lost answer never trades twice); a new or changed order gets a new key.
import { ApiError, type ApiClient, errorText } from "../api/client";
import type { ExecuteRequest, ExecuteResponse } from "../api/types";
import { Store } from "./store";
import type { ToastStore } from "./toasts";

export interface Submission {
  order: ExecuteRequest;
  key: string;
}

export interface TicketState {
  pending: Submission | null;
  submitting: boolean;
  result: ExecuteResponse | null;
  error: string;
}

function sameOrder(a: ExecuteRequest, b: ExecuteRequest): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The toast's words for an execution's outcome. */
export function outcomeText(result: ExecuteResponse): string {
  const trade = result.trade;
  const verb = trade.side === "BUY" ? "Bought" : "Sold";
  if (trade.status === "filled" || trade.status === "partially_filled") {
    const price = trade.average_price ? Number(trade.average_price).toFixed(2) : "market";
    return `${verb} ${trade.executed_quantity} ${trade.symbol} at ${price}`;
  }
  if (trade.status === "open") return `${trade.side} ${trade.symbol} order placed (${trade.type}), open`;
  return `${trade.side} ${trade.symbol}: ${trade.status}${trade.reason ? ` (${trade.reason})` : ""}`;
}

export class TicketStore extends Store<TicketState> {
  constructor(
    private readonly api: ApiClient,
    private readonly toasts: ToastStore,
    private readonly newId: () => string = () => crypto.randomUUID(),
  ) {
    super({ pending: null, submitting: false, result: null, error: "" });
  }

  /** Open the confirmation for ``order``: the same order still pending keeps its key. */
  review(order: ExecuteRequest): Submission {
    const pending = this.get().pending;
    const submission = pending && sameOrder(pending.order, order) ? pending : { order, key: this.newId() };
    this.update({ pending: submission, error: "" });
    return submission;
  }

  cancel(): void {
    if (!this.get().submitting) this.update({ pending: null, error: "" });
  }

  /** Send the pending submission; ignored while one is in flight. Kept (same key) when it may be retried. */
  async confirm(): Promise<ExecuteResponse | null> {
    const { pending, submitting } = this.get();
    if (!pending || submitting) return null;
    this.update({ submitting: true, error: "" });
    try {
      const result = await this.api.send("post", "/api/trades/execute", {
        body: pending.order,
        headers: { "Idempotency-Key": pending.key },
      });
      this.update({ submitting: false, pending: null, result });
      this.toasts.push(outcomeText(result));
      return result;
    } catch (failure) {
      // A refusal (4xx other than 409/429) will not change on retry: a fresh key next time.
      const retryable = !(failure instanceof ApiError) || failure.status === 0 || failure.status >= 500 || [409, 429].includes(failure.status);
      this.update({ submitting: false, error: errorText(failure), pending: retryable ? pending : null });
      this.toasts.push(`Order failed: ${errorText(failure)}`, "error");
      return null;
    }
  }
}
