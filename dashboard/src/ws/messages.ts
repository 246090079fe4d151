// The WebSocket contract, mirrored from layers/tradecore/tradecore/domain/realtime.py.
// tests/unit/test_dashboard_contract.py parses this file: MessageType, Action, GLOBAL_CHANNELS and
// CANDLE_INTERVALS must equal the Python ones (keep each entry on its own line, as below).
import type { Analysis, Trade } from "../api/types";

export const MessageType = {
  PRICE_UPDATE: "price_update",
  CANDLE_UPDATE: "candle_update",
  BOOK_UPDATE: "book_update",
  AI_SIGNAL: "ai_signal",
  TRADE_SIGNAL: "trade_signal",
  TRADE_EXECUTED: "trade_executed",
  ORDER_UPDATE: "order_update",
  ACCOUNT_UPDATE: "account_update",
  SERVICE_STATUS: "service_status",
  ERROR: "error",
  PONG: "pong",
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

export const Action = {
  SUBSCRIBE: "subscribe",
  UNSUBSCRIBE: "unsubscribe",
  PING: "ping",
} as const;
export type Action = (typeof Action)[keyof typeof Action];

export const GLOBAL_CHANNELS = [
  "signals",
  "trades",
  "account",
  "status",
] as const;
export type GlobalChannel = (typeof GLOBAL_CHANNELS)[number];

export const CANDLE_INTERVALS = [
  "1m",
  "3m",
  "5m",
  "15m",
  "30m",
  "1h",
  "2h",
  "4h",
  "6h",
  "8h",
  "12h",
  "1d",
  "3d",
  "1w",
  "1M",
] as const;
export type CandleInterval = (typeof CANDLE_INTERVALS)[number];

export type Channel = GlobalChannel | `prices:${string}` | `book:${string}` | `candles:${string}:${CandleInterval}`;

export const channels = {
  prices: (symbol: string): Channel => `prices:${symbol}`,
  book: (symbol: string): Channel => `book:${symbol}`,
  candles: (symbol: string, interval: CandleInterval): Channel => `candles:${symbol}:${interval}`,
};

export interface PriceUpdate {
  symbol: string;
  price: string;
  time: number;
}

export interface CandleUpdate {
  symbol: string;
  interval: string;
  open_time: number;
  close_time: number;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: string;
  quote_volume: string;
  trades: number;
  closed: boolean;
}

export interface BookUpdate {
  symbol: string;
  last_update_id: number;
  bids: [string, string][];
  asks: [string, string][];
}

export type AiSignal = Analysis & { processing_time_ms?: number; trace_id?: string | null };

export interface TradeSignal {
  symbol: string;
  action: "BUY" | "SELL";
  price: string | null;
  ai_confidence: number;
  signal: string;
}

export interface ServiceStatus {
  overall: "ok" | "degraded" | "down";
  changes: { component: string; status: "ok" | "degraded" | "down"; was: string | null }[];
}

export type AccountUpdate = { reason?: string; trade_id?: string; symbol?: string; stale?: boolean } & Record<
  string,
  unknown
>;

/** Each message type's ``data``. */
export interface MessageData {
  price_update: PriceUpdate;
  candle_update: CandleUpdate;
  book_update: BookUpdate;
  ai_signal: AiSignal;
  trade_signal: TradeSignal;
  trade_executed: Trade;
  order_update: Trade;
  account_update: AccountUpdate;
  service_status: ServiceStatus;
  error: { code?: string; message: string };
  pong: Record<string, never>;
}

export interface ServerMessage<T extends MessageType = MessageType> {
  type: T;
  data: MessageData[T];
  trace_id: string | null;
}
