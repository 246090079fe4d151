// Test doubles: a WebSocket the test drives, and a fetch that answers from a script.
import { WsClient } from "../src/ws/client";
import type { SocketLike } from "../src/ws/client";

export class FakeSocket implements SocketLike {
  static all: FakeSocket[] = [];
  readyState = 0;
  onopen: ((event: unknown) => void) | null = null;
  onclose: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;
  sent: Record<string, unknown>[] = [];
  closed = false;

  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }

  send(data: string): void {
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(): void {
    this.closed = true;
    this.readyState = 3;
  }

  /** The server accepts the connection. */
  accept(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  /** The connection drops (network, API Gateway's 2-hour limit, a deploy). */
  drop(): void {
    this.readyState = 3;
    this.onclose?.({ code: 1006 });
  }

  receive(type: string, data: unknown): void {
    this.onmessage?.({ data: JSON.stringify({ type, data, trace_id: "t-1" }) });
  }
}

export function fakeWs(random = 0.5, token: string | null = "tok") {
  FakeSocket.all = [];
  const ws = new WsClient({
    url: () => (token ? `ws://x/ws?token=${token}` : null),
    socket: (url) => new FakeSocket(url),
    random: () => random,
    baseDelayMs: 1000,
    maxDelayMs: 30_000,
    pingMs: 300_000,
  });
  return ws;
}

export function lastSocket(): FakeSocket {
  const socket = FakeSocket.all.at(-1);
  if (!socket) throw new Error("no socket opened");
  return socket;
}

export interface Call {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
}

/** A fetch that records each call and answers with ``respond``'s [status, body]. */
export function scriptedFetch(respond: (call: Call) => [number, unknown] | Promise<[number, unknown]>) {
  const calls: Call[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const call: Call = {
      method: init?.method ?? "GET",
      url: String(input),
      headers: (init?.headers ?? {}) as Record<string, string>,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
    };
    calls.push(call);
    const [status, body] = await respond(call);
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/json" } });
  };
  return { calls, fetch: fetchImpl as typeof fetch };
}
