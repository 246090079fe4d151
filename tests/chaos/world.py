"""One world for every chaos scenario (SecantusDB, moto's SQS outbox and DynamoDB idempotency table,
the simulator over sockets, the real AI app), and a client of the trade function's real handler that
retries each trade with its Idempotency-Key, on a fresh container per attempt, until it has an answer.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from tests.chaos.faults import KillingConnections, KillingJournal, KillLog, OutageStore, ProcessKilled
from tests.chaos.ledger import Ledger, check_user
from tests.chaos.outbox import drain_outbox
from tests.chaos.scenarios import HIDE_MS_MAX, AttemptFaults, TradePlan
from tests.conftest import FakeLambdaContext
from tests.integration.exchange_sim_fixtures import SimServer
from tests.support.auth import FastPasswordHasher, add_user
from tests.support.messages import RecordingPublisher
from tests.support.servers import MongoServer, wait_for_port
from tests.support.trading_world import TradeApi
from trade import app as trade_app
from tradecore.bootstrap import Container, bootstrap
from tradecore.config import Settings
from tradecore.domain.risk import RiskLimits
from tradecore.domain.users import Role

D = Decimal
# Each attempt's Lambda timeout: a killed attempt's in-progress idempotency record blocks the key
# this long, so the client's retry waits it out (short, to keep the run bounded).
ATTEMPT_TIMEOUT_MS = 2500
GENEROUS = RiskLimits(
    max_trade_usdt=D("5000"), max_position_usdt=D("50000"), max_open_positions=5,
    daily_loss_limit_usdt=D("5000"), min_ai_confidence=0.0,
)  # fmt: skip


class GenerousLimits:
    """Every user's risk limits: wide enough that the faults, not the limits, decide."""

    def limits(self, user_id: str) -> RiskLimits:
        return GENEROUS


@dataclass
class TradeLog:
    """What one trade's attempts answered, for the report and the replay check."""

    key: str
    answers: list[str] = field(default_factory=list)
    final: tuple[int, dict[str, Any]] | None = None
    replay_mismatch: str | None = None


def _answer(status: int, body: dict[str, Any], seconds: float, faults: AttemptFaults) -> str:
    """One attempt for the story: ``0`` is a killed process; the error code of a refusal."""
    error = body.get("error")
    code = f" {error.get('code')}" if isinstance(error, dict) else ""
    return f"{status}{code} in {seconds:.1f}s [{faults.describe()}]"


class ChaosWorld:
    def __init__(
        self, settings: Settings, sim: SimServer, mongo: MongoServer, load_event: Callable[[str], dict[str, Any]],
        dead_ai_url: str,
    ) -> None:  # fmt: skip
        self.settings, self.sim, self.mongo, self.load_event = settings, sim, mongo, load_event
        self.dead_ai_url = dead_ai_url
        self.kill_log = KillLog()
        self.attempts = 0

    # --- processes -------------------------------------------------------------------------------
    def container(self, faults: AttemptFaults | None = None) -> Container:
        """A new process's container (nothing cached from earlier attempts), faults wired in."""
        faults = faults or AttemptFaults()
        settings = self.settings
        if faults.ai_down:
            settings = settings.model_copy(update={"ai_service_url": self.dead_ai_url})
        container = bootstrap(settings, password_hasher=FastPasswordHasher())
        publisher = RecordingPublisher()
        container.__dict__.update(user_notifier=publisher, channel_publisher=publisher, risk_settings=GenerousLimits())
        if faults.mongo is not None:
            container.__dict__["trade_store"] = OutageStore(container.trade_store, faults.mongo)
        if faults.kill_at is not None:
            journal = KillingJournal(container.trade_journal, faults.kill_at, self.kill_log)
            container.__dict__["trade_journal"] = journal
            connections = KillingConnections(container.connection_service, faults.kill_at, self.kill_log)
            container.__dict__["connection_service"] = connections
        trade_app.app.state.container = container
        return container

    def new_trader(self) -> tuple[str, str]:
        """A trader with a paper account opened on the simulator (fault-free); (user id, token)."""
        container = self.container()
        user = add_user(container, Role.TRADER)
        token = container.token_service.issue(user)
        status, body = self._api(FakeLambdaContext()).call("trade_account", token)
        assert status == 200, body
        return user.user_id, token

    def _api(self, context: FakeLambdaContext) -> TradeApi:
        return TradeApi(self.load_event, context)

    # --- one trade, retried ----------------------------------------------------------------------
    def trade(self, token: str, plan: TradePlan) -> TradeLog:
        """Send ``plan`` with one Idempotency-Key until a final answer (then once more if the plan's
        client retries anyway). A process killed or a 409/5xx answer means: try again."""
        log = TradeLog(uuid.uuid4().hex)
        attempts = iter(plan.attempts)
        for faults in attempts:
            started = time.monotonic()
            status, body = self._attempt(token, plan.body, log.key, faults)
            log.answers.append(_answer(status, body, time.monotonic() - started, faults))
            if status == 409:  # another attempt holds the key: wait until its deadline passes
                time.sleep(ATTEMPT_TIMEOUT_MS / 1000)
            if status in (0, 409) or status >= 500:
                continue
            log.final = (status, body)
            break
        if log.final is not None and plan.retry_after_success:
            faults = next(attempts, AttemptFaults())
            status, body = self._attempt(token, plan.body, log.key, faults)
            log.answers.append(f"{status} (retry) [{faults.describe()}]")
            replayed = log.final[0] in (200, 202)  # a refusal is not kept: a retry runs again (and may pass)
            if replayed and body.get("trade", {}).get("id") != log.final[1].get("trade", {}).get("id"):
                log.replay_mismatch = f"{log.final} then {(status, body)}"
        return log

    def _attempt(self, token: str, body: dict[str, Any], key: str, faults: AttemptFaults) -> tuple[int, dict[str, Any]]:
        """One attempt in a fresh process: 0 when the process was killed (after which the key's
        in-progress record is waited out, as a client's later retry would)."""
        if faults.drain_first:
            drain_outbox(self.settings, self.container().trade_store)
        self.container(faults)
        context = FakeLambdaContext(timeout_ms=ATTEMPT_TIMEOUT_MS)
        self.attempts += 1
        if faults.exchange.any:
            self.sim.admin("POST", "/sim/faults", faults.exchange.body())
        if faults.mongo_stopped:
            self.mongo.stop()
        kills = len(self.kill_log.kills)
        try:
            status, answer = self._api(context).execute(token, body, key=key)
        except ProcessKilled:  # Mangum answers 500 for it; were it ever to let it through
            status, answer = 0, {}
        finally:
            if faults.exchange.any:
                self.sim.admin("DELETE", "/sim/faults")
            self._start_mongo()
            trade_app.app.state.container = None
        if len(self.kill_log.kills) > kills:
            time.sleep(context.get_remaining_time_in_millis() / 1000 + 0.2)
            return 0, {"killed": self.kill_log.kills[-1]}
        return status, answer

    def _start_mongo(self) -> None:
        """The real server back (a no-op when it runs); a loaded machine gets longer than 15 s."""
        try:
            self.mongo.start()
        except RuntimeError:
            wait_for_port(self.mongo.port, timeout=60)

    # --- recovery and the figures ----------------------------------------------------------------
    def settle(self, user_ids: list[str]) -> tuple[Ledger, str]:
        """After the scenarios: hidden orders visible again, the outbox drained into MongoDB, each user
        reconciled; then the ledger of both sides, and what recovery did."""
        self.sim.admin("DELETE", "/sim/faults")
        time.sleep(HIDE_MS_MAX / 1000 + 0.2)
        container = self.container()
        drained = drain_outbox(self.settings, container.trade_store)
        reconciled = "no reconciler wired"
        if hasattr(type(container), "reconciler"):
            repairs = sum(len(container.reconciler.reconcile_user(user_id).repairs) for user_id in user_ids)
            reconciled = f"{len(user_ids)} users reconciled, {repairs} repairs"
        ledger = Ledger()
        for user_id in user_ids:
            check_user(ledger, container, self.sim.url, user_id)
        trade_app.app.state.container = None
        kills = len(self.kill_log.kills)
        done = f"{self.attempts} attempts, {kills} processes killed, {drained} outbox records drained"
        return ledger, f"{done}, {reconciled}"
