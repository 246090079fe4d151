// The trading bot: its settings (GET|PUT /api/bot/settings) and its decisions (GET /api/bot/decisions).
import { type ApiClient, errorText } from "../api/client";
import type { BotSettings, BotSettingsUpdate, Decision } from "../api/types";
import { Store } from "./store";
import type { ToastStore } from "./toasts";

export interface BotState {
  settings: BotSettings | null;
  decisions: Decision[];
  saving: boolean;
  error: string;
}

export class BotStore extends Store<BotState> {
  constructor(
    private readonly api: ApiClient,
    private readonly toasts: ToastStore,
  ) {
    super({ settings: null, decisions: [], saving: false, error: "" });
  }

  async load(fresh = false): Promise<void> {
    try {
      const [settings, page] = await Promise.all([
        this.api.get("/api/bot/settings", { fresh }),
        this.api.get("/api/bot/decisions", { query: { limit: 50 }, fresh }),
      ]);
      this.update({ settings, decisions: page.decisions, error: "" });
    } catch (failure) {
      this.update({ error: errorText(failure) });
    }
  }

  async save(change: BotSettingsUpdate, done = "Bot settings saved"): Promise<void> {
    this.update({ saving: true, error: "" });
    try {
      const settings = await this.api.send("put", "/api/bot/settings", { body: change });
      this.update({ settings, saving: false });
      this.toasts.push(done);
    } catch (failure) {
      this.update({ saving: false, error: errorText(failure) });
      this.toasts.push(`Saving bot settings failed: ${errorText(failure)}`, "error");
    }
  }
}
