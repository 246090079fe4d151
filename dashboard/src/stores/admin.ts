// Administration: users and their roles (/api/admin/users) and the kill switch (/api/admin/trading).
import { type ApiClient, errorText } from "../api/client";
import type { Role, TradingSwitch, User } from "../api/types";
import { Store } from "./store";
import type { ToastStore } from "./toasts";

export interface AdminState {
  users: User[];
  trading: TradingSwitch | null;
  error: string;
}

export class AdminStore extends Store<AdminState> {
  constructor(
    private readonly api: ApiClient,
    private readonly toasts: ToastStore,
  ) {
    super({ users: [], trading: null, error: "" });
  }

  async load(fresh = false): Promise<void> {
    try {
      const [page, trading] = await Promise.all([
        this.api.get("/api/admin/users", { query: { limit: 200 }, fresh }),
        this.api.get("/api/admin/trading", { fresh }),
      ]);
      this.update({ users: page.users, trading, error: "" });
    } catch (failure) {
      this.update({ error: errorText(failure) });
    }
  }

  async setRole(user: User, role: Role): Promise<void> {
    try {
      const updated = await this.api.send("patch", "/api/admin/users/{user_id}", {
        url: `/api/admin/users/${encodeURIComponent(user.id)}`,
        body: { role },
      });
      this.update({ users: this.get().users.map((u) => (u.id === updated.id ? updated : u)) });
      this.toasts.push(`${updated.email} is now ${updated.role}`);
    } catch (failure) {
      this.toasts.push(`Changing the role of ${user.email} failed: ${errorText(failure)}`, "error");
    }
  }

  async setHalted(halted: boolean): Promise<void> {
    try {
      const reason = halted ? "halted from the dashboard" : "resumed from the dashboard";
      const trading = await this.api.send("put", "/api/admin/trading", { body: { halted, reason } });
      this.update({ trading });
      this.toasts.push(halted ? "Trading halted for every user" : "Trading resumed");
    } catch (failure) {
      this.toasts.push(`Kill switch failed: ${errorText(failure)}`, "error");
    }
  }
}
