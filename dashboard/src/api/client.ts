// The one HTTP client: bearer token, X-Request-ID, the error envelope, and a 10 s in-page cache of
// GET responses (DESIGN.md §4; WebSocket data is never cached). Any write clears the cache, so the
// next read after a trade is fresh.
import type { paths } from "./generated/trade";

type Method = "get" | "post" | "put" | "patch" | "delete";
type JsonOf<R> = R extends { content: { "application/json": infer B } } ? B : never;
type Responses<P extends keyof paths, M extends Method> = paths[P][M] extends { responses: infer Rs } ? Rs : never;
/** The JSON body of a route's success answer, from the OpenAPI document. */
export type Ok<P extends keyof paths, M extends Method> =
  Responses<P, M> extends { 200: infer R } ? JsonOf<R> : Responses<P, M> extends { 201: infer R } ? JsonOf<R> : never;
/** The JSON request body of a route, from the OpenAPI document. */
export type BodyOf<P extends keyof paths, M extends Method> = paths[P][M] extends {
  requestBody: { content: { "application/json": infer B } };
}
  ? B
  : paths[P][M] extends { requestBody?: { content: { "application/json": infer B } } }
    ? B
    : never;

export const CACHE_MS = 10_000;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly traceId: string,
    readonly body: unknown = null,
  ) {
    super(message);
  }

  /** For people: the message and the trace id to quote when reporting it. */
  get text(): string {
    return `${this.message} (trace ${this.traceId})`;
  }
}

export interface ApiClientOptions {
  baseUrl: string;
  token: () => string | null;
  fetch?: typeof fetch;
  now?: () => number;
  newId?: () => string;
  onUnauthorized?: () => void;
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface RequestOptions {
  query?: Query;
  body?: unknown;
  headers?: Record<string, string>;
  /** GET only: skip the cache (a WebSocket message said the data changed). */
  fresh?: boolean;
  keepalive?: boolean;
  auth?: boolean;
  /** A write that changes nothing the reads show (metrics): the cache stays. */
  keepCache?: boolean;
}

function withQuery(path: string, query?: Query): string {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export class ApiClient {
  private readonly cache = new Map<string, { at: number; value: unknown }>();
  // GETs under way: a second read of the same URL waits for the first instead of asking again
  private readonly inflight = new Map<string, Promise<unknown>>();
  private generation = 0; // moves on every clearCache: an answer read before a write is not cached
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly newId: () => string;

  constructor(private readonly options: ApiClientOptions) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? (() => Date.now());
    this.newId = options.newId ?? (() => crypto.randomUUID());
  }

  get<P extends keyof paths>(path: P, options: RequestOptions = {}): Promise<Ok<P, "get">> {
    return this.request("GET", path, options) as Promise<Ok<P, "get">>;
  }

  /** GET a path with its {placeholders} filled in. */
  getAt<P extends keyof paths>(_path: P, url: string, options: RequestOptions = {}): Promise<Ok<P, "get">> {
    return this.request("GET", url, options) as Promise<Ok<P, "get">>;
  }

  send<P extends keyof paths, M extends Exclude<Method, "get">>(
    method: M,
    path: P,
    options: RequestOptions & { url?: string; body?: BodyOf<P, M> } = {},
  ): Promise<Ok<P, M>> {
    return this.request(method.toUpperCase(), options.url ?? path, options) as Promise<Ok<P, M>>;
  }

  /** Forget every cached answer (after a write, a logout, or a WebSocket change notice). */
  clearCache(): void {
    this.cache.clear();
    this.inflight.clear();
    this.generation += 1;
  }

  async request(method: string, path: string, options: RequestOptions = {}): Promise<unknown> {
    const url = withQuery(path, options.query);
    const token = options.auth === false ? null : this.options.token();
    const key = `${token ?? ""} ${url}`;
    if (method === "GET" && !options.fresh) {
      const hit = this.cache.get(key);
      if (hit && this.now() - hit.at < CACHE_MS) return hit.value;
      const pending = this.inflight.get(key);
      if (pending) return pending;
      const reading = this.fetchOnce(method, url, key, token, options).finally(() => {
        if (this.inflight.get(key) === reading) this.inflight.delete(key);
      });
      this.inflight.set(key, reading);
      return reading;
    }
    return this.fetchOnce(method, url, key, token, options);
  }

  private async fetchOnce(
    method: string,
    url: string,
    key: string,
    token: string | null,
    options: RequestOptions,
  ): Promise<unknown> {
    const generation = this.generation;
    const traceId = this.newId();
    const headers: Record<string, string> = { "X-Request-ID": traceId, ...options.headers };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (token) headers.Authorization = `Bearer ${token}`;
    let response: Response;
    try {
      response = await this.fetchImpl(this.options.baseUrl + url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        keepalive: options.keepalive,
      });
    } catch {
      throw new ApiError(0, "unreachable", "Cannot reach the API", traceId);
    }
    const data: unknown = await response.json().catch(() => ({}));
    if (!response.ok) {
      if (response.status === 401 && token) this.options.onUnauthorized?.();
      const error = (data as { error?: { code?: string; message?: string; trace_id?: string } }).error;
      throw new ApiError(
        response.status,
        error?.code ?? "http_error",
        error?.message ?? `Request failed (${response.status})`,
        error?.trace_id ?? response.headers.get("X-Request-ID") ?? traceId,
        data,
      );
    }
    if (method !== "GET") {
      if (!options.keepCache) this.clearCache();
    } else if (generation === this.generation) {
      this.cache.set(key, { at: this.now(), value: data });
    }
    return data;
  }
}

export function errorText(error: unknown): string {
  if (error instanceof ApiError) return error.text;
  return error instanceof Error ? error.message : String(error);
}
