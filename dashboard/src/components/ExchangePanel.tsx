// The exchange connection: a paper account shown as such; testnet/mainnet key entry with the
// validation result and the key hint. The deployment decides the network; the select says which.
import { useEffect, useState } from "preact/hooks";
import { useServices } from "../context";
import { useStore } from "../stores/store";

const NETWORK_TEXT = { simulator: "Paper (simulator)", testnet: "Testnet", mainnet: "Mainnet (live)" } as const;

export function ExchangePanel(props: { canTrade: boolean }) {
  const { exchange } = useServices();
  const { connection, missing, connecting, result, error } = useStore(exchange);
  const [network, setNetwork] = useState("testnet");
  const [networkProblem, setNetworkProblem] = useState("");
  useEffect(() => void exchange.load(), [exchange]);

  const connect = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    // the API takes no network: the deployment has one; refuse a key meant for the other
    if (connection && connection.network !== "simulator" && connection.network !== network) {
      setNetworkProblem(`This deployment trades on ${NETWORK_TEXT[connection.network]}; choose it or use another deployment.`);
      return;
    }
    setNetworkProblem("");
    void exchange.connect(String(form.get("api_key")), String(form.get("api_secret")));
  };

  return (
    <section class="card" aria-label="Exchange connection">
      <h2>Exchange connection</h2>
      {connection?.paper && <p class="paper">Paper account: simulated balances, no real money.</p>}
      {connection && (
        <dl class="facts">
          <dt>Network</dt>
          <dd>{NETWORK_TEXT[connection.network]}</dd>
          <dt>Key</dt>
          <dd>{connection.key_hint}</dd>
          <dt>Status</dt>
          <dd>{connection.status}</dd>
          <dt>Can trade</dt>
          <dd>{connection.permissions.can_trade ? "yes" : "no"}</dd>
        </dl>
      )}
      {connection?.warning && <p class="warning">{connection.warning}</p>}
      {missing && <p class="muted">No exchange account connected yet.</p>}
      {props.canTrade && (
        <form onSubmit={connect} aria-label="Connect an exchange key">
          <label>
            API key <input name="api_key" autocomplete="off" spellcheck={false} />
          </label>
          <label>
            API secret <input name="api_secret" type="password" autocomplete="off" />
          </label>
          <label>
            Network{" "}
            <select value={network} onChange={(e) => setNetwork(e.currentTarget.value)}>
              <option value="testnet">Testnet</option>
              <option value="mainnet">Mainnet</option>
            </select>
          </label>
          <button type="submit" class="primary" disabled={connecting}>
            Connect
          </button>
        </form>
      )}
      <p role="status" class={error || networkProblem ? "error" : "ok"}>
        {networkProblem || error || result}
      </p>
    </section>
  );
}
