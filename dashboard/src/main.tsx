// Entry: build the services, render the app, start the frontend metrics.
import { render } from "preact";
import { App } from "./App";
import { ServicesContext } from "./context";
import { createServices } from "./services";
import "./styles.css";

const services = createServices();
services.metrics.install(window);
window.addEventListener("load", () => {
  const [navigation] = performance.getEntriesByType("navigation") as PerformanceNavigationTiming[];
  services.metrics.setPageLoad(navigation ? navigation.loadEventStart - navigation.startTime : performance.now());
});

render(
  <ServicesContext.Provider value={services}>
    <App />
  </ServicesContext.Provider>,
  document.getElementById("app") as HTMLElement,
);
// a reload with this tab's token: the chart's candles are asked for while /api/auth/me says who it
// is (the chart's own first read then finds them in the client's cache, or still on their way)
if (services.session.token) void services.market.load();
void services.session.restore();
