// The AI signal of the selected symbol: signal, confidence, reasoning, source; "Analyze now".
import { useServices } from "../context";
import { useStore } from "../stores/store";

export function AiPanel() {
  const { market } = useServices();
  const state = useStore(market);
  const latest = state.signals[0] ?? null;
  const analysis = state.analysis;

  return (
    <section class="card" aria-label="AI signal">
      <h2>AI signal</h2>
      {latest ? (
        <dl class="facts">
          <dt>Signal</dt>
          <dd class={`signal signal-${latest.signal.toLowerCase()}`}>{latest.signal}</dd>
          <dt>Confidence</dt>
          <dd>{Math.round(latest.confidence * 100)}%</dd>
          <dt>Source</dt>
          <dd>{latest.source}</dd>
          <dt>Timeframe</dt>
          <dd>{latest.timeframe}</dd>
          <dt>Reasoning</dt>
          <dd class="reasoning">{latest.reasoning}</dd>
        </dl>
      ) : (
        <p class="muted">No signal yet for {state.symbol}.</p>
      )}
      {analysis?.degraded && (
        <p class="muted">AI service unavailable: this signal comes from {analysis.origin.replace("_", " ")}.</p>
      )}
      <button type="button" onClick={() => void market.analyze()} disabled={state.analyzing} aria-busy={state.analyzing}>
        {state.analyzing ? "Analyzing…" : "Analyze now"}
      </button>
    </section>
  );
}
