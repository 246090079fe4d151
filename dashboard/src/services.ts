// One place that builds the client objects and stores for the page (components import `app`).
import { ApiClient } from "./api/client";
import { readConfig } from "./config";
import { MetricsReporter } from "./metrics";
import { AccountStore } from "./stores/account";
import { AdminStore } from "./stores/admin";
import { BotStore } from "./stores/bot";
import { ExchangeStore } from "./stores/exchange";
import { MarketStore } from "./stores/market";
import { PerformanceStore } from "./stores/performance";
import { SessionStore } from "./stores/session";
import { StatusStore } from "./stores/status";
import { TicketStore } from "./stores/ticket";
import { ToastStore } from "./stores/toasts";
import { WsClient } from "./ws/client";

export function createServices() {
  const config = readConfig();
  let session: SessionStore | null = null;
  const api = new ApiClient({
    baseUrl: config.apiUrl,
    token: () => session?.token ?? null,
    onUnauthorized: () => session?.signOut(),
  });
  session = new SessionStore(api, window.sessionStorage);
  const ws = new WsClient({
    url: () => (session?.token ? `${config.wsUrl}?token=${encodeURIComponent(session.token)}` : null),
  });
  const toasts = new ToastStore();
  const status = new StatusStore(api, ws);
  const market = new MarketStore(api, ws);
  const account = new AccountStore(api, ws, toasts);
  // messages sent while the socket was down are lost: after a reconnect, read what they would have said
  ws.onState((state) => {
    if (state !== "open" || ws.reconnections === 0 || !session?.token) return;
    void status.refresh(true);
    void market.load(true);
    void account.reload();
  });
  return {
    api,
    ws,
    session,
    toasts,
    status,
    market,
    account,
    ticket: new TicketStore(api, toasts),
    performance: new PerformanceStore(api),
    bot: new BotStore(api, toasts),
    admin: new AdminStore(api, toasts),
    exchange: new ExchangeStore(api),
    metrics: new MetricsReporter(
      api,
      () => ws.reconnections,
      () => Boolean(session?.token),
    ),
  };
}

export type Services = ReturnType<typeof createServices>;
