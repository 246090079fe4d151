// The caller's money: balances and equity, positions, open orders and the trade history (cursor
// pages). Reloaded (past the cache) when the WebSocket says a trade or the account changed.
import { type ApiClient, errorText } from "../api/client";
import type { Account, Position, Trade } from "../api/types";
import type { WsClient } from "../ws/client";
import { MessageType } from "../ws/messages";
import { Store } from "./store";
import type { ToastStore } from "./toasts";

export const PAGE_SIZE = 20;

export interface AccountState {
  account: Account | null;
  positions: Position[];
  openOrders: Trade[];
  history: Trade[];
  /** The cursors of the pages before the current one (the first page's is null). */
  previous: (string | null)[];
  cursor: string | null;
  nextCursor: string | null;
  error: string;
  busy: string | null;
}

export class AccountStore extends Store<AccountState> {
  private reloading: Promise<void> | null = null;
  private again = false;

  constructor(
    private readonly api: ApiClient,
    ws: WsClient,
    private readonly toasts: ToastStore,
    private readonly newId: () => string = () => crypto.randomUUID(),
  ) {
    super({
      account: null,
      positions: [],
      openOrders: [],
      history: [],
      previous: [],
      cursor: null,
      nextCursor: null,
      error: "",
      busy: null,
    });
    const changed = () => void this.reload();
    ws.on(MessageType.ACCOUNT_UPDATE, changed);
    ws.on(MessageType.TRADE_EXECUTED, changed);
    ws.on(MessageType.ORDER_UPDATE, changed);
  }

  start(ws: WsClient): Promise<void> {
    ws.subscribe(["account", "trades"]);
    return this.load();
  }

  /** A fresh load; notices that arrive meanwhile (a trade sends two or three) make one more, not one each. */
  async reload(): Promise<void> {
    if (this.reloading) {
      this.again = true;
      return this.reloading;
    }
    this.reloading = (async () => {
      do {
        this.again = false;
        await this.load(true);
      } while (this.again);
    })();
    try {
      await this.reloading;
    } finally {
      this.reloading = null;
    }
  }

  async load(fresh = false): Promise<void> {
    try {
      const [account, positions, open, page] = await Promise.all([
        this.api.get("/api/account", { fresh }),
        this.api.get("/api/positions", { fresh }),
        this.api.get("/api/trades", { query: { status: "open", limit: 50 }, fresh }),
        this.api.get("/api/trades", { query: { limit: PAGE_SIZE, cursor: this.get().cursor }, fresh }),
      ]);
      this.update({
        account,
        positions: positions.positions,
        openOrders: open.trades,
        history: page.trades,
        nextCursor: page.next_cursor,
        error: "",
      });
    } catch (failure) {
      this.update({ error: errorText(failure) });
    }
  }

  async page(direction: "next" | "previous"): Promise<void> {
    const state = this.get();
    let cursor: string | null;
    let previous = state.previous;
    if (direction === "next") {
      if (!state.nextCursor) return;
      previous = [...previous, state.cursor];
      cursor = state.nextCursor;
    } else {
      if (!previous.length) return;
      cursor = previous.at(-1) ?? null;
      previous = previous.slice(0, -1);
    }
    try {
      const page = await this.api.get("/api/trades", { query: { limit: PAGE_SIZE, cursor } });
      this.update({ history: page.trades, nextCursor: page.next_cursor, cursor, previous, error: "" });
    } catch (failure) {
      this.update({ error: errorText(failure) });
    }
  }

  async closePosition(symbol: string): Promise<void> {
    this.update({ busy: `close:${symbol}` });
    try {
      const result = await this.api.send("post", "/api/positions/{symbol}/close", {
        url: `/api/positions/${encodeURIComponent(symbol)}/close`,
        headers: { "Idempotency-Key": this.newId() },
      });
      const trade = result.trade;
      this.toasts.push(`Closed ${symbol}: sold ${trade.executed_quantity} at ${trade.average_price ?? "market"}`);
    } catch (failure) {
      this.toasts.push(`Closing ${symbol} failed: ${errorText(failure)}`, "error");
    }
    this.update({ busy: null });
    await this.load(true);
  }

  async cancelOrder(id: string): Promise<void> {
    this.update({ busy: `cancel:${id}` });
    try {
      await this.api.send("delete", "/api/orders/{trade_id}", { url: `/api/orders/${encodeURIComponent(id)}` });
      this.toasts.push(`Cancelled order ${id}`);
    } catch (failure) {
      this.toasts.push(`Cancelling order ${id} failed: ${errorText(failure)}`, "error");
    }
    this.update({ busy: null });
    await this.load(true);
  }
}
