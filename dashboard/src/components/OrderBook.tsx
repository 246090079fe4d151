// The top levels of the selected symbol's book, live from `book_update`.
import { useServices } from "../context";
import { useStore } from "../stores/store";
import { trimZeros } from "../format";

const LEVELS = 10;

export function OrderBook() {
  const { market } = useServices();
  const { book, symbol } = useStore(market);
  const asks = (book?.asks ?? []).slice(0, LEVELS);
  const bids = (book?.bids ?? []).slice(0, LEVELS);
  const rows = Math.max(asks.length, bids.length);

  return (
    <section class="card" aria-label="Order book">
      <h2>Order book</h2>
      <table class="book">
        <caption class="sr-only">Best bids and asks of {symbol}</caption>
        <thead>
          <tr>
            <th scope="col">Bid size</th>
            <th scope="col">Bid</th>
            <th scope="col">Ask</th>
            <th scope="col">Ask size</th>
          </tr>
        </thead>
        <tbody>
          {Array.from({ length: rows }, (_, i) => (
            <tr key={i}>
              <td>{trimZeros(bids[i]?.[1], "")}</td>
              <td class="bid">{trimZeros(bids[i]?.[0], "")}</td>
              <td class="ask">{trimZeros(asks[i]?.[0], "")}</td>
              <td>{trimZeros(asks[i]?.[1], "")}</td>
            </tr>
          ))}
          {rows === 0 && (
            <tr>
              <td colSpan={4} class="muted">
                Waiting for the book…
              </td>
            </tr>
          )}
        </tbody>
      </table>
    </section>
  );
}
