// The app shell: the login form, or the header, the main navigation and the current view.
import { useEffect, useState } from "preact/hooks";
import { AdminPanel } from "./components/AdminPanel";
import { AiPanel } from "./components/AiPanel";
import { BotPanel } from "./components/BotPanel";
import { Chart } from "./components/Chart";
import { ExchangePanel } from "./components/ExchangePanel";
import { Header } from "./components/Header";
import { Login } from "./components/Login";
import { OrderBook } from "./components/OrderBook";
import { PerformancePanel } from "./components/PerformancePanel";
import { Balances, History, OpenOrders, Positions } from "./components/Portfolio";
import { Toasts } from "./components/Toasts";
import { TradeTicket } from "./components/TradeTicket";
import { useServices } from "./context";
import { useStore } from "./stores/store";

const VIEWS = ["Trade", "Portfolio", "Performance", "Bot", "Settings", "Admin"] as const;
type View = (typeof VIEWS)[number];

function viewFromHash(): View {
  const name = location.hash.replace(/^#\/?/, "").toLowerCase();
  return VIEWS.find((view) => view.toLowerCase() === name) ?? "Trade";
}

function useView(): View {
  const [view, setView] = useState(viewFromHash);
  useEffect(() => {
    const onHash = () => setView(viewFromHash());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  return view;
}

export function App() {
  const services = useServices();
  const { session } = services;
  const { token, user } = useStore(session);
  const view = useView();

  // logged in: one socket, the market and the account live; logged out: everything stops
  useEffect(() => {
    if (!token || !user) return;
    services.ws.subscribe(["status"]);
    services.ws.start();
    // the chart's candles first (on two cores every other request slows them), the rest right after
    let started = false;
    const rest = () => {
      if (started) return;
      started = true;
      void services.status.refresh();
      void services.account.start(services.ws);
      void services.exchange.load();
    };
    const chart = services.market.start();
    const timer = setTimeout(rest, 1000);
    void chart.then(() => {
      clearTimeout(timer);
      rest();
    });
    return () => {
      clearTimeout(timer);
      services.ws.stop();
    };
  }, [token, user?.id]);

  if (!token || !user) {
    return (
      <>
        <main>
          <Login />
        </main>
        <Toasts />
      </>
    );
  }

  const canTrade = user.role !== "viewer";
  const views = VIEWS.filter((name) => name !== "Admin" || user.role === "admin");
  const shown = views.includes(view) ? view : "Trade";

  return (
    <>
      <Header />
      <nav aria-label="Main" class="nav">
        {views.map((name) => (
          <a key={name} href={`#/${name.toLowerCase()}`} aria-current={shown === name ? "page" : undefined}>
            {name}
          </a>
        ))}
      </nav>
      <main id="app-view" class={`view view-${shown.toLowerCase()}`}>
        {shown === "Trade" && (
          <>
            <Chart />
            <AiPanel />
            <OrderBook />
            {canTrade && <TradeTicket />}
          </>
        )}
        {shown === "Portfolio" && (
          <>
            <Balances />
            <Positions canTrade={canTrade} />
            <OpenOrders canTrade={canTrade} />
            <History />
          </>
        )}
        {shown === "Performance" && <PerformancePanel />}
        {shown === "Bot" && <BotPanel canTrade={canTrade} />}
        {shown === "Settings" && <ExchangePanel canTrade={canTrade} />}
        {shown === "Admin" && <AdminPanel />}
      </main>
      <Toasts />
    </>
  );
}
