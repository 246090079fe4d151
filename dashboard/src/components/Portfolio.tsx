// The portfolio panels: balances and equity, open positions (close), open orders (cancel), and the
// trade history with cursor pages. All from the account store, refreshed by WebSocket notices.
import type { Trade } from "../api/types";
import { useServices } from "../context";
import { useStore } from "../stores/store";
import { trimZeros } from "../format";

function when(iso: string): string {
  return new Date(iso).toLocaleString();
}

export function Balances() {
  const { account } = useServices();
  const { account: body, error } = useStore(account);
  return (
    <section class="card" aria-label="Balances">
      <h2>Balances</h2>
      {error && <p class="error">{error}</p>}
      <p>
        Equity <strong aria-label="Equity">{body ? `${trimZeros(body.equity_usdt)} USDT` : "–"}</strong>
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Asset</th>
            <th scope="col">Free</th>
            <th scope="col">Locked</th>
          </tr>
        </thead>
        <tbody>
          {(body?.balances ?? []).map((balance) => (
            <tr key={balance.asset}>
              <th scope="row">{balance.asset}</th>
              <td>{trimZeros(balance.free)}</td>
              <td>{trimZeros(balance.locked)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {body && <p class="muted">As of {when(body.as_of)} ({body.source})</p>}
    </section>
  );
}

export function Positions(props: { canTrade: boolean }) {
  const { account } = useServices();
  const { positions, busy } = useStore(account);
  return (
    <section class="card wide" aria-label="Positions">
      <h2>Positions</h2>
      <table>
        <thead>
          <tr>
            <th scope="col">Symbol</th>
            <th scope="col">Quantity</th>
            <th scope="col">Entry</th>
            <th scope="col">Price</th>
            <th scope="col">Unrealized PnL</th>
            {props.canTrade && <th scope="col">Action</th>}
          </tr>
        </thead>
        <tbody>
          {positions.map((position) => (
            <tr key={position.symbol}>
              <th scope="row">{position.symbol}</th>
              <td>{trimZeros(position.quantity)}</td>
              <td>{trimZeros(position.average_entry)}</td>
              <td>{trimZeros(position.price)}</td>
              <td class={Number(position.unrealized_pnl) < 0 ? "loss" : "gain"}>{trimZeros(position.unrealized_pnl)}</td>
              {props.canTrade && (
                <td>
                  <button
                    type="button"
                    aria-label={`Close ${position.symbol} position`}
                    disabled={busy === `close:${position.symbol}`}
                    onClick={() => void account.closePosition(position.symbol)}
                  >
                    Close
                  </button>
                </td>
              )}
            </tr>
          ))}
          {positions.length === 0 && (
            <tr>
              <td colSpan={6} class="muted">
                No open positions
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

function TradeRow(props: { trade: Trade }) {
  const t = props.trade;
  return (
    <>
      <td>{when(t.created_at)}</td>
      <td>{t.symbol}</td>
      <td>{t.side}</td>
      <td>{t.type}</td>
      <td>{trimZeros(t.executed_quantity)}</td>
      <td>{trimZeros(t.average_price ?? t.sent.price)}</td>
      <td>{t.status}</td>
    </>
  );
}

const TRADE_HEAD = ["Time", "Symbol", "Side", "Type", "Filled", "Price", "Status"];

export function OpenOrders(props: { canTrade: boolean }) {
  const { account } = useServices();
  const { openOrders, busy } = useStore(account);
  return (
    <section class="card" aria-label="Open orders">
      <h2>Open orders</h2>
      <table>
        <thead>
          <tr>
            {TRADE_HEAD.map((name) => (
              <th scope="col" key={name}>
                {name}
              </th>
            ))}
            {props.canTrade && <th scope="col">Action</th>}
          </tr>
        </thead>
        <tbody>
          {openOrders.map((trade) => (
            <tr key={trade.id}>
              <TradeRow trade={trade} />
              {props.canTrade && (
                <td>
                  <button
                    type="button"
                    aria-label={`Cancel order ${trade.id}`}
                    disabled={busy === `cancel:${trade.id}`}
                    onClick={() => void account.cancelOrder(trade.id)}
                  >
                    Cancel
                  </button>
                </td>
              )}
            </tr>
          ))}
          {openOrders.length === 0 && (
            <tr>
              <td colSpan={8} class="muted">
                No open orders
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}

export function History() {
  const { account } = useServices();
  const { history, previous, nextCursor } = useStore(account);
  return (
    <section class="card wide" aria-label="Trade history">
      <h2>Trade history</h2>
      <table>
        <thead>
          <tr>
            {TRADE_HEAD.map((name) => (
              <th scope="col" key={name}>
                {name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {history.map((trade) => (
            <tr key={trade.id}>
              <TradeRow trade={trade} />
            </tr>
          ))}
          {history.length === 0 && (
            <tr>
              <td colSpan={7} class="muted">
                No trades yet
              </td>
            </tr>
          )}
        </tbody>
      </table>
      <div class="actions">
        <button type="button" disabled={previous.length === 0} onClick={() => void account.page("previous")}>
          Previous page
        </button>
        <button type="button" disabled={!nextCursor} onClick={() => void account.page("next")}>
          Next page
        </button>
      </div>
    </section>
  );
}
