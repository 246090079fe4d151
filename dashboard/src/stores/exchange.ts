// The exchange connection (GET|PUT|DELETE /api/exchange/connection): paper account or a validated key.
import { ApiError, type ApiClient, errorText } from "../api/client";
import type { ConnectionBody } from "../api/types";
import { Store } from "./store";

export interface ExchangeState {
  connection: ConnectionBody | null;
  /** No key connected yet (404 outside the simulator). */
  missing: boolean;
  connecting: boolean;
  result: string;
  error: string;
}

/** A key and secret worth sending: Binance's are 64 letters and digits. */
export function validateKey(apiKey: string, apiSecret: string): string {
  if (!/^[A-Za-z0-9]{16,128}$/.test(apiKey.trim())) return "API key: 16 to 128 letters and digits";
  if (!/^[A-Za-z0-9]{16,128}$/.test(apiSecret.trim())) return "API secret: 16 to 128 letters and digits";
  return "";
}

export class ExchangeStore extends Store<ExchangeState> {
  constructor(private readonly api: ApiClient) {
    super({ connection: null, missing: false, connecting: false, result: "", error: "" });
  }

  async load(fresh = false): Promise<void> {
    try {
      this.update({ connection: await this.api.get("/api/exchange/connection", { fresh }), missing: false });
    } catch (failure) {
      if (failure instanceof ApiError && failure.status === 404) this.update({ missing: true, connection: null });
      else this.update({ error: errorText(failure) });
    }
  }

  async connect(apiKey: string, apiSecret: string): Promise<void> {
    const invalid = validateKey(apiKey, apiSecret);
    if (invalid) {
      this.update({ error: invalid, result: "" });
      return;
    }
    this.update({ connecting: true, error: "", result: "" });
    try {
      const connection = await this.api.send("put", "/api/exchange/connection", {
        body: { api_key: apiKey.trim(), api_secret: apiSecret.trim() },
      });
      const status = connection.status === "active" ? "Key accepted" : "Key stored but invalid";
      this.update({
        connection,
        missing: false,
        connecting: false,
        result: `${status} (${connection.network}, key ${connection.key_hint})`,
      });
    } catch (failure) {
      this.update({ connecting: false, error: `Key refused: ${errorText(failure)}` });
    }
  }
}
