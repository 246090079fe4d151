// The header: trading mode (Live is loud), the WebSocket's state, who is logged in, and the degraded
// banner (from GET /api/health, refreshed on `service_status`) naming what is down and what works.
import { useServices } from "../context";
import { connectionLabel, degradedMessages } from "../stores/status";
import { useStore } from "../stores/store";

const MODE_TEXT = { paper: "Paper", testnet: "Testnet", live: "Live" } as const;

export function Header() {
  const { session, status, account, exchange } = useServices();
  const { user } = useStore(session);
  const { health, connection, reachable } = useStore(status);
  const accountState = useStore(account);
  const exchangeState = useStore(exchange);
  const mode = accountState.account?.mode ?? exchangeState.connection?.mode ?? null;
  const messages = degradedMessages(health, reachable);

  return (
    <header class="top">
      <div class="top-row">
        <h1>tradecore</h1>
        {mode && (
          <span aria-label="Trading mode" class={`mode mode-${mode}`}>
            {MODE_TEXT[mode]}
          </span>
        )}
        <span aria-label="Connection" class={`conn conn-${connectionLabel(connection).toLowerCase()}`}>
          {connectionLabel(connection)}
        </span>
        <span class="spacer" />
        {user && (
          <span id="who" class="muted">
            {user.email} ({user.role})
          </span>
        )}
        <button type="button" id="logout" onClick={() => void session.logout()}>
          Log out
        </button>
      </div>
      {messages.length > 0 && (
        <div role="alert" class="banner">
          {messages.map((message) => (
            <p key={message}>{message}</p>
          ))}
        </div>
      )}
    </header>
  );
}
