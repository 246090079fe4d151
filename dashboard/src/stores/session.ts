// Who is logged in: the token lives in sessionStorage (this tab only), the user from /api/auth/me.
import { type ApiClient, errorText } from "../api/client";
import type { CurrentUser } from "../api/types";
import { Store } from "./store";

export const TOKEN_KEY = "tradecore.token";

/** What the app needs of the caller (login's answer and /api/auth/me both have it). */
export type SessionUser = Pick<CurrentUser, "id" | "email" | "role">;

export interface SessionState {
  token: string | null;
  user: SessionUser | null;
  error: string;
  busy: boolean;
}

export interface TokenStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

export class SessionStore extends Store<SessionState> {
  constructor(
    private readonly api: ApiClient,
    private readonly storage: TokenStorage,
  ) {
    super({ token: storage.getItem(TOKEN_KEY), user: null, error: "", busy: false });
  }

  get token(): string | null {
    return this.get().token;
  }

  /** On page load with a token from this tab: who it belongs to (or logged out if it expired). */
  async restore(): Promise<void> {
    if (!this.token) return;
    try {
      const user = await this.api.get("/api/auth/me", { fresh: true });
      this.update({ user });
    } catch {
      this.signOut();
    }
  }

  async login(email: string, password: string, register = false): Promise<void> {
    this.update({ busy: true, error: "" });
    try {
      const body = { email, password };
      const session = register
        ? await this.api.send("post", "/api/auth/register", { body, auth: false })
        : await this.api.send("post", "/api/auth/login", { body, auth: false });
      this.storage.setItem(TOKEN_KEY, session.access_token);
      this.update({ token: session.access_token, user: session.user, busy: false });
    } catch (failure) {
      this.storage.removeItem(TOKEN_KEY);
      this.update({ token: null, user: null, busy: false, error: errorText(failure) });
    }
  }

  async logout(): Promise<void> {
    try {
      await this.api.send("post", "/api/auth/logout");
    } catch {
      // the token is dropped here either way
    }
    this.signOut();
  }

  /** Forget the token (logout, or the API answered 401). */
  signOut(): void {
    this.storage.removeItem(TOKEN_KEY);
    this.api.clearCache();
    this.set({ token: null, user: null, error: this.get().error, busy: false });
  }
}
