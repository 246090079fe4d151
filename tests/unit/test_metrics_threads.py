"""Metrics added from other threads while the handler flushes are neither lost nor fatal: Powertools
keeps one plain dict per process, and serializing it while another thread adds a metric raised
"dictionary changed size during iteration" (seen in CI: 100 concurrent invocations of the AI app)."""

from __future__ import annotations

import json
import threading

import pytest

from tradecore.observability import metrics

ADDERS = 8
PER_ADDER = 400


def test_metrics_added_while_flushing_are_all_emitted_once(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(metrics.provider, "namespace", "ThreadTest")
    metrics.clear_metrics()
    done = threading.Event()
    errors: list[BaseException] = []

    def add() -> None:
        for _ in range(PER_ADDER):
            metrics.add_metric(name="Added", unit="Count", value=1)

    def flush() -> None:
        try:
            while not done.is_set():
                metrics.flush_metrics()
        except BaseException as exc:  # noqa: BLE001 - the failure under test
            errors.append(exc)

    flusher = threading.Thread(target=flush)
    flusher.start()
    adders = [threading.Thread(target=add) for _ in range(ADDERS)]
    for thread in adders:
        thread.start()
    for thread in adders:
        thread.join()
    done.set()
    flusher.join()
    metrics.flush_metrics()

    assert errors == []
    emitted = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert sum(len(item.get("Added", [])) for item in emitted) == ADDERS * PER_ADDER
