"""Fan-out over the WebSocket API: publishing to a channel, notifying one user, ending sessions.

:class:`Fanout` implements all three realtime ports (``ChannelPublisher``, ``UserNotifier``,
``SessionTerminator``): they share the registry and the ``@connections`` sender. Delivery is best
effort and never raises into the caller: a failed message must not fail an analysis or a trade.
Connections that API Gateway reports gone are forgotten on the spot.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from tradecore.domain.realtime import PER_USER_CHANNELS, MessageType, SessionsEnded, user_channel
from tradecore.errors import DependencyUnavailableError, TradecoreError
from tradecore.observability import current_trace_id, logger
from tradecore.ports import ConnectionRegistry, MessageSender

# Ending a session: pauses between the attempts of one step (registry removal, @connections close).
# Short: a logout or password change waits for them.
SESSION_RETRY_DELAYS = (0.1, 0.4)


class Fanout:
    """Messages to a channel's subscribers or to one user's connections; revoked sessions ended."""

    def __init__(
        self,
        registry: ConnectionRegistry,
        sender: MessageSender,
        *,
        retry_delays: Sequence[float] = SESSION_RETRY_DELAYS,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._registry = registry
        self._sender = sender
        self._retry_delays = tuple(retry_delays)
        self._sleep = sleep

    def publish(self, channel: str, message_type: MessageType, data: dict[str, Any]) -> None:
        """Send to every subscriber of ``channel`` (never a per-user channel: see :meth:`notify`)."""
        if channel in PER_USER_CHANNELS:
            logger.error("refused to broadcast a per-user channel to everyone", extra={"channel": channel})
            return
        self._deliver(lambda: self._registry.subscribers(channel), message_type, data)

    def notify(self, user_id: str, message_type: MessageType, data: dict[str, Any]) -> None:
        """Send to the user's connections subscribed to the message's own channel (``trades`` for
        trade and order updates, ``account`` for account updates); other types to all of theirs."""
        channel = user_channel(message_type)
        self._deliver(lambda: self._registry.of_user(user_id, channel=channel), message_type, data)

    def end_sessions(self, user_id: str, token_id: str | None = None) -> SessionsEnded:
        """End the user's connections (only those opened with ``token_id`` when given); never raises.

        Called when tokens are revoked (logout, password or role change, deactivation). Each
        connection is first removed from the registry, so no fan-out finds it even if the close
        fails, then closed; each step is retried a few times, and one connection's failure does not
        stop the others. What could not be ended is logged and counted (``WebSocketSessionsNotEnded``).
        """
        try:
            connection_ids = self._attempt(lambda: self._registry.of_user(user_id, token_id))
        except Exception as exc:  # noqa: BLE001 - the revocation itself already stands
            logger.error("sessions not ended: connections unreadable", extra={"error": type(exc).__name__})
            _count_not_ended(1)
            return SessionsEnded(ended=0, complete=False)
        failed = tuple(cid for cid in connection_ids if not self._end_one(cid))
        if failed:
            _count_not_ended(len(failed))
        return SessionsEnded(ended=len(connection_ids) - len(failed), failed=failed)

    def _end_one(self, connection_id: str) -> bool:
        """Unregister, then close; True when both worked (a connection already gone counts as closed)."""
        # unregistered but open: it gets nothing more; registered but closed: API Gateway answers
        # the next post with Gone and fan-out forgets it. Hence both steps, whatever the first did.
        unregistered = self._step("unregister", self._registry.remove, connection_id)
        closed = self._step("close", self._sender.close, connection_id)
        return unregistered and closed

    def _step(self, step: str, action: Callable[[str], None], connection_id: str) -> bool:
        try:
            self._attempt(lambda: action(connection_id))
        except Exception as exc:  # noqa: BLE001 - logged and counted; the other connections go on
            logger.error(
                "session not ended", extra={"connection_id": connection_id, "step": step, "error": type(exc).__name__}
            )
            return False
        return True

    def _attempt(self, call: Callable[[], Any]) -> Any:
        """``call``, retried after each delay while it fails with a temporary error."""
        for delay in self._retry_delays:
            try:
                return call()
            except DependencyUnavailableError:
                self._sleep(delay)
        return call()

    def _deliver(self, recipients: Any, message_type: MessageType, data: dict[str, Any]) -> int:
        try:
            connection_ids = recipients()
        except TradecoreError as exc:
            logger.warning("broadcast skipped", extra={"type": message_type.value, "error": exc.message})
            return 0
        delivered = 0
        for connection_id in connection_ids:
            # one connection's trouble (throttling, a forbidden post, a failed cleanup) must not
            # cost the other subscribers their message
            try:
                if self._sender.send(connection_id, message_type, data, current_trace_id()):
                    delivered += 1
                else:
                    self._registry.remove(connection_id)
            except Exception as exc:  # noqa: BLE001 - best effort per connection, logged
                logger.warning(
                    "broadcast to one connection failed",
                    extra={"connection_id": connection_id, "type": message_type.value, "error": type(exc).__name__},
                )
        return delivered


def _count_not_ended(count: int) -> None:
    # emitted on the spot: the auth function, where revocations happen, flushes no metrics set
    try:
        with single_metric(name="WebSocketSessionsNotEnded", unit=MetricUnit.Count, value=count):
            pass
    except Exception:  # noqa: BLE001 - a metric must never fail a logout
        logger.debug("sessions-not-ended metric not emitted")
