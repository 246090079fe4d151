// The WebSocket client: token in ?token= (browsers cannot set headers), subscribe/unsubscribe, a ping
// before API Gateway's 10-minute idle cut, reconnects with exponential back-off and jitter, and the
// channels re-subscribed on every new connection. Messages are dispatched by type; nothing polls.
import { Action, type Channel, type MessageData, type MessageType, type ServerMessage } from "./messages";

export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "stopped";

export interface SocketLike {
  readyState: number;
  onopen: ((event: unknown) => void) | null;
  onclose: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type SocketFactory = (url: string) => SocketLike;

export interface WsClientOptions {
  /** The URL with the current token, or null when logged out (then nothing connects). */
  url: () => string | null;
  socket?: SocketFactory;
  random?: () => number;
  baseDelayMs?: number;
  maxDelayMs?: number;
  pingMs?: number;
}

const OPEN = 1;
type Handler<T extends MessageType> = (data: MessageData[T], message: ServerMessage<T>) => void;

/** The wait before reconnect attempt ``attempt`` (0-based): base·2^attempt capped, then "equal jitter"
 * (half fixed, half random) so a fleet of tabs does not reconnect in lock step. */
export function backoffDelay(attempt: number, random: number, baseMs = 1000, maxMs = 30_000): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 20));
  return Math.round(ceiling / 2 + (ceiling / 2) * random);
}

export class WsClient {
  reconnections = 0;
  state: ConnectionState = "idle";
  private socket: SocketLike | null = null;
  private attempt = 0;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private readonly wanted = new Set<Channel>();
  private readonly handlers = new Map<string, Set<Handler<MessageType>>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  private readonly makeSocket: SocketFactory;
  private readonly random: () => number;

  constructor(private readonly options: WsClientOptions) {
    this.makeSocket = options.socket ?? ((url) => new WebSocket(url) as unknown as SocketLike);
    this.random = options.random ?? Math.random;
  }

  start(): void {
    if (this.socket || this.retryTimer) return;
    this.attempt = 0;
    this.open();
  }

  /** Close for good (logout): no reconnect, subscriptions forgotten. */
  stop(): void {
    this.clearTimers();
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.close(1000, "logout");
    }
    this.wanted.clear();
    this.setState("stopped");
  }

  subscribe(channels: Channel[]): void {
    const added = channels.filter((channel) => !this.wanted.has(channel));
    added.forEach((channel) => this.wanted.add(channel));
    if (added.length) this.sendAction(Action.SUBSCRIBE, added);
  }

  unsubscribe(channels: Channel[]): void {
    const removed = channels.filter((channel) => this.wanted.delete(channel));
    if (removed.length) this.sendAction(Action.UNSUBSCRIBE, removed);
  }

  get channels(): Channel[] {
    return [...this.wanted];
  }

  on<T extends MessageType>(type: T, handler: Handler<T>): () => void {
    const set = this.handlers.get(type) ?? new Set();
    set.add(handler as unknown as Handler<MessageType>);
    this.handlers.set(type, set);
    return () => set.delete(handler as unknown as Handler<MessageType>);
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  ping(): void {
    this.send({ action: Action.PING });
  }

  private open(): void {
    const url = this.options.url();
    if (!url) {
      this.setState("idle");
      return;
    }
    this.setState(this.attempt === 0 && this.reconnections === 0 ? "connecting" : "reconnecting");
    const socket = this.makeSocket(url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.setState("open");
      if (this.wanted.size) this.send({ action: Action.SUBSCRIBE, channels: [...this.wanted] });
      this.ping();
      this.pingTimer = setInterval(() => this.ping(), this.options.pingMs ?? 5 * 60_000);
    };
    socket.onmessage = (event) => this.dispatch(event.data);
    socket.onerror = () => undefined; // onclose follows and reconnects
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.clearTimers();
      this.scheduleReconnect();
    };
  }

  private scheduleReconnect(): void {
    this.setState("reconnecting");
    const delay = backoffDelay(this.attempt, this.random(), this.options.baseDelayMs, this.options.maxDelayMs);
    this.attempt += 1;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.reconnections += 1;
      this.open();
    }, delay);
  }

  private dispatch(raw: unknown): void {
    let message: ServerMessage;
    try {
      message = JSON.parse(String(raw)) as ServerMessage;
    } catch {
      return;
    }
    if (!message || typeof message.type !== "string") return;
    for (const handler of [...(this.handlers.get(message.type) ?? [])]) {
      try {
        handler(message.data, message);
      } catch (failure) {
        console.error("WebSocket handler failed", message.type, failure);
      }
    }
  }

  private sendAction(action: Action, channels: Channel[]): void {
    this.send({ action, channels });
  }

  private send(frame: object): void {
    if (this.socket && this.socket.readyState === OPEN) this.socket.send(JSON.stringify(frame));
  }

  private setState(state: ConnectionState): void {
    if (state === this.state) return;
    this.state = state;
    for (const listener of [...this.stateListeners]) listener(state);
  }

  private clearTimers(): void {
    if (this.pingTimer) clearInterval(this.pingTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.pingTimer = null;
    this.retryTimer = null;
  }
}
