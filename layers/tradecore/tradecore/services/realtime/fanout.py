"""Fan-out over the WebSocket API: publishing to a channel, notifying one user, ending sessions.

:class:`Fanout` implements all three realtime ports (``ChannelPublisher``, ``UserNotifier``,
``SessionTerminator``): they share the registry and the ``@connections`` sender. Delivery is best
effort and never raises into the caller: a failed message must not fail an analysis or a trade.

A channel's subscribers are read from the registry at most once per channel every ~2 s
(:class:`SubscriberCache`), never per message; one user's connections are read per message (a
revoked session must stop receiving at once). The posts of one message run concurrently
(:class:`ConcurrentPoster`); connections API Gateway reports gone are forgotten on the spot, other
failures are retried once and counted. A message larger than API Gateway's 32 KB frame is refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from aws_lambda_powertools.metrics import MetricUnit, single_metric

from tradecore.domain.realtime import (
    MAX_FRAME_BYTES,
    PER_USER_CHANNELS,
    MessageType,
    SessionsEnded,
    frame,
    user_channel,
)
from tradecore.errors import DependencyUnavailableError, TradecoreError
from tradecore.observability import current_trace_id, logger
from tradecore.ports import ConnectionRegistry, MessagePoster, MessageSender
from tradecore.services.realtime.delivery import FANOUT_WORKERS, POST_RETRY_DELAY_SECONDS, ConcurrentPoster
from tradecore.services.realtime.subscribers import SUBSCRIBERS_MAX_AGE_SECONDS, SubscriberCache

# Ending a session: pauses between the attempts of one step (registry removal, @connections close).
# Short: a logout or password change waits for them.
SESSION_RETRY_DELAYS = (0.1, 0.4)
_LOGGED_IDS = 5  # connection ids named in the log line of a message some could not receive


class Fanout:
    """Messages to a channel's subscribers or to one user's connections; revoked sessions ended."""

    def __init__(
        self,
        registry: ConnectionRegistry,
        sender: MessageSender,
        *,
        retry_delays: Sequence[float] = SESSION_RETRY_DELAYS,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        subscribers_max_age: float = SUBSCRIBERS_MAX_AGE_SECONDS,
        workers: int = FANOUT_WORKERS,
        post_retry_delay: float = POST_RETRY_DELAY_SECONDS,
        poster: MessagePoster | None = None,
    ) -> None:
        """``clock``: monotonic seconds, for the age of cached subscriber lists; ``poster``: how one
        message reaches many connections (default: ``sender`` over a pool of ``workers`` threads,
        a failed post retried once after ``post_retry_delay``)."""
        self._registry = registry
        self._sender = sender
        self._retry_delays = tuple(retry_delays)
        self._sleep = sleep
        self._subscribers = SubscriberCache(registry.subscribers, max_age=subscribers_max_age, clock=clock)
        self._poster = poster or ConcurrentPoster(sender, workers=workers, retry_delay=post_retry_delay, sleep=sleep)

    def publish(self, channel: str, message_type: MessageType, data: dict[str, Any]) -> None:
        """Send to every subscriber of ``channel`` (never a per-user channel: see :meth:`notify`)."""
        if channel in PER_USER_CHANNELS:
            logger.error("refused to broadcast a per-user channel to everyone", extra={"channel": channel})
            return
        self._deliver(lambda: self._subscribers.subscribers(channel), message_type, data)

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
            _count("WebSocketSessionsNotEnded", 1)
            return SessionsEnded(ended=0, complete=False)
        failed = tuple(cid for cid in connection_ids if not self._end_one(cid))
        if failed:
            _count("WebSocketSessionsNotEnded", len(failed))
        return SessionsEnded(ended=len(connection_ids) - len(failed), failed=failed)

    def _end_one(self, connection_id: str) -> bool:
        """Unregister, then close; True when both worked (a connection already gone counts as closed)."""
        # unregistered but open: it gets nothing more; registered but closed: API Gateway answers
        # the next post with Gone and fan-out forgets it. Hence both steps, whatever the first did.
        unregistered = self._step("unregister", self._registry.remove, connection_id)
        self._subscribers.forget(connection_id)
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

    def shutdown(self) -> None:
        """Let the posts under way finish and stop the posting threads (a stopping worker calls this)."""
        self._poster.shutdown()

    def _deliver(self, recipients: Callable[[], Sequence[str]], message_type: MessageType, data: dict[str, Any]) -> int:
        trace_id = current_trace_id()  # read here: the posting threads do not share this context
        size = len(frame(message_type, data, trace_id))
        if size > MAX_FRAME_BYTES:
            logger.error(
                "message larger than a WebSocket frame not sent", extra={"type": message_type.value, "bytes": size}
            )
            _count("WebSocketMessagesTooLarge", 1)
            return 0
        try:
            connection_ids = recipients()
        except TradecoreError as exc:
            logger.warning("broadcast skipped", extra={"type": message_type.value, "error": exc.message})
            return 0
        report = self._poster.post(connection_ids, message_type, data, trace_id)
        for connection_id in report.gone:
            self._forget(connection_id)
        if report.gone:
            _count("WebSocketConnectionsGone", len(report.gone))
        if report.failed:
            # one line per message, not per connection: a throttled burst must not flood the logs
            logger.warning(
                "message not delivered to some connections",
                extra={"type": message_type.value, "failed": len(report.failed), "some": report.failed[:_LOGGED_IDS]},
            )
            _count("WebSocketPostsFailed", len(report.failed))
        return report.delivered

    def _forget(self, connection_id: str) -> None:
        """Remove a connection API Gateway no longer knows; a failed removal only costs a later post."""
        self._subscribers.forget(connection_id)
        try:
            self._registry.remove(connection_id)
        except Exception as exc:  # noqa: BLE001 - the next post finds it gone again and retries this
            logger.warning(
                "gone connection not removed", extra={"connection_id": connection_id, "error": type(exc).__name__}
            )


def _count(name: str, value: int) -> None:
    # emitted on the spot: neither the stream worker nor every function flushes a metrics set
    try:
        with single_metric(name=name, unit=MetricUnit.Count, value=value):
            pass
    except Exception:  # noqa: BLE001 - a metric must never fail a delivery
        logger.debug("fan-out metric not emitted", extra={"metric": name})
