"""Randomized fault scenarios, drawn from one seed so a failing run replays exactly (CHAOS_SEED).

A scenario is one new user making one to three trades. Each trade is sent with an Idempotency-Key
and retried with the same key until it has a final answer, as a client would; every attempt draws
its own faults. Later attempts draw fewer, and the last ones none, so every scenario ends.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from tests.chaos.faults import KillPoint, MongoOutage

MAX_ATTEMPTS = 5
QUIET_FROM_ATTEMPT = 3  # attempts from this one on run without faults
HIDE_MS_MAX = 1500  # the longest an order placed under a fault stays invisible to queries


@dataclass(frozen=True)
class ExchangeFaults:
    """The simulator's knobs (POST /sim/faults) during one attempt."""

    latency_ms: int = 0
    error_rate: float = 0.0
    reject_next_order: bool = False
    drop_response_after_place: bool = False
    hide_new_orders_ms: int = 0

    def body(self) -> dict[str, Any]:
        return {
            "latency_ms": self.latency_ms, "error_rate": self.error_rate,
            "drop_response_after_place": int(self.drop_response_after_place),
            "hide_new_orders_ms": self.hide_new_orders_ms,
            **({"reject_next_order": 1} if self.reject_next_order else {}),
        }  # fmt: skip

    @property
    def any(self) -> bool:
        return self != ExchangeFaults()


@dataclass(frozen=True)
class AttemptFaults:
    kill_at: KillPoint | None = None
    mongo: MongoOutage | None = None
    mongo_stopped: bool = False  # the real SecantusDB server stopped for the attempt (first attempts only)
    ai_down: bool = False
    exchange: ExchangeFaults = ExchangeFaults()
    drain_first: bool = False  # the outbox drain ran (MongoDB back) before this attempt

    def describe(self) -> str:
        parts = [
            f"kill={self.kill_at.value}" if self.kill_at else "",
            f"mongo={self.mongo.value}" if self.mongo else "",
            "mongo_stopped" if self.mongo_stopped else "",
            "ai_down" if self.ai_down else "",
            "drained" if self.drain_first else "",
            f"exchange={self.exchange.body()}" if self.exchange.any else "",
        ]
        return " ".join(p for p in parts if p) or "none"


@dataclass(frozen=True)
class TradePlan:
    body: dict[str, Any]
    attempts: tuple[AttemptFaults, ...]  # one per attempt the client is willing to make
    retry_after_success: bool  # the client retries even a final answer (a lost response on its side)


@dataclass(frozen=True)
class Scenario:
    number: int
    trades: tuple[TradePlan, ...] = field(default_factory=tuple)


def draw_scenarios(seed: int, count: int) -> list[Scenario]:
    """``count`` scenarios from ``seed`` (the same seed, the same scenarios)."""
    rng = random.Random(seed)
    return [Scenario(n, tuple(_trade(rng, i) for i in range(rng.randint(1, 3)))) for n in range(count)]


def _trade(rng: random.Random, index: int) -> TradePlan:
    attempts = tuple(_attempt(rng, n) for n in range(MAX_ATTEMPTS))
    body = _body(rng, index)
    return TradePlan(body, attempts, retry_after_success=rng.random() < 0.25)


def _body(rng: random.Random, index: int) -> dict[str, Any]:
    body: dict[str, Any] = {"symbol": "BTCUSDT", "type": "MARKET"}
    if index > 0 and rng.random() < 0.4:  # sell part of what an earlier trade may have bought
        body.update(side="SELL", quantity=rng.choice(["0.0005", "0.001"]))
    elif rng.random() < 0.5:
        body.update(side="BUY", quote_amount=str(rng.choice([60, 100, 150])))
    else:
        body.update(side="BUY", quantity=rng.choice(["0.001", "0.002", "0.003"]))
    if body["side"] == "BUY":
        protection = rng.choice(["none", "none", "oco", "stop", "target"])
        if protection in ("oco", "stop"):
            body["stop_loss"] = "40000"
        if protection in ("oco", "target"):
            body["take_profit"] = "65000"
    if index > 0 and rng.random() < 0.25:  # the signal may refuse it (a BUY against a Short): the first trade buys
        body["use_ai"] = True
    return body


def _attempt(rng: random.Random, number: int) -> AttemptFaults:
    if number >= QUIET_FROM_ATTEMPT:
        return AttemptFaults(drain_first=rng.random() < 0.5)
    first = number == 0
    kill = rng.choice(list(KillPoint)) if rng.random() < (0.35 if first else 0.15) else None
    mongo = rng.choice(list(MongoOutage)) if rng.random() < (0.25 if first else 0.2) else None
    return AttemptFaults(
        kill_at=kill,
        mongo=mongo,
        mongo_stopped=first and rng.random() < 0.04,
        ai_down=rng.random() < 0.3,
        exchange=_exchange(rng) if rng.random() < (0.5 if first else 0.2) else ExchangeFaults(),
        drain_first=not first and rng.random() < 0.5,
    )


def _exchange(rng: random.Random) -> ExchangeFaults:
    return ExchangeFaults(
        latency_ms=rng.choice([0, 0, 30, 120]),
        error_rate=rng.choice([0.0, 0.0, 0.0, 0.2, 0.4]),
        reject_next_order=rng.random() < 0.15,
        drop_response_after_place=rng.random() < 0.35,
        hide_new_orders_ms=rng.choice([0, 0, 300, HIDE_MS_MAX]),
    )
