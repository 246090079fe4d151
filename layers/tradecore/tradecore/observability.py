"""Logger, metrics and tracer, and the trace id of the current request.

Every log line is one JSON object with the spec's fields: ``timestamp``, ``service``, ``level``,
``message``, ``trace_id``, ``user_id`` (when known) and ``extra_data`` (everything else). The trace
id is the caller's ``X-Request-ID`` (generated when absent), bound in a context variable for the
whole invocation, so concurrent requests in one process never mix ids. Known secret values are
masked in every line as a last line of defence.

Powertools reads its configuration from ``POWERTOOLS_*`` variables (set once in the template's
Globals), so the constructors here take no arguments.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import threading
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter
from aws_lambda_powertools.metrics.provider.cloudwatch_emf.cloudwatch import AmazonCloudWatchEMFProvider

if TYPE_CHECKING:
    from aws_lambda_powertools import Tracer
    from aws_lambda_powertools.logging.types import LogRecord

TRACE_HEADER = "X-Request-ID"
_TRACE_ID_PATTERN = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
_TOP_LEVEL = ("timestamp", "service", "level", "message")
_DROPPED = {"sampling_rate", "xray_trace_id"}

_trace_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("trace_id", default=None)
_user_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("user_id", default=None)
_secrets: set[str] = set()
MASK = "***"


class SpecFormatter(LambdaPowertoolsFormatter):
    """Powertools' formatter, reshaped into the spec's fields, with secrets masked."""

    def serialize(self, log: LogRecord) -> str:
        fields = dict(log)
        record = {key: fields.pop(key) for key in _TOP_LEVEL if key in fields}
        record["trace_id"] = _trace_id.get()
        user_id = _user_id.get()
        if user_id:
            record["user_id"] = user_id
        extra = {key: value for key, value in fields.items() if key not in _DROPPED}
        if extra:
            record["extra_data"] = extra
        line = json.dumps(record, default=str, separators=(",", ":"))
        return mask_secrets(line)


def mask_secrets(text: str) -> str:
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def register_secrets(values: Iterable[str]) -> None:
    """Mask these values wherever they would appear in a log line (short values are ignored)."""
    for value in values:
        if value and len(value) >= 6:
            _secrets.add(value)
            # also the JSON-escaped form, as it appears inside serialized strings
            _secrets.add(json.dumps(value)[1:-1])


class SerializedEMFProvider(AmazonCloudWatchEMFProvider):
    """Powertools' EMF provider with its metric set behind one lock.

    The set is a plain dict shared by the process: a thread adding a metric (a background flush of
    queued analyses, an in-process server running requests side by side) while the handler's
    ``log_metrics`` serializes it raised "dictionary changed size during iteration" and lost the
    invocation's metrics. Adding, serializing, flushing and clearing now take turns."""

    _lock = threading.RLock()  # re-entrant: a flush serializes and clears; 100 metrics flush from add

    def add_metric(self, *args: Any, **kwargs: Any) -> None:
        with self._lock:
            super().add_metric(*args, **kwargs)

    def add_dimension(self, name: str, value: str) -> None:
        with self._lock:
            super().add_dimension(name, value)

    def add_metadata(self, key: str, value: Any) -> None:
        with self._lock:
            super().add_metadata(key, value)

    def serialize_metric_set(self, *args: Any, **kwargs: Any) -> Any:
        with self._lock:
            return super().serialize_metric_set(*args, **kwargs)

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        with self._lock:
            super().flush_metrics(raise_on_empty_metrics=raise_on_empty_metrics)

    def clear_metrics(self) -> None:
        with self._lock:
            super().clear_metrics()


logger = Logger(logger_formatter=SpecFormatter(utc=True, use_rfc3339=True))
# Metrics keeps its sets on the class (shared by every instance): the provider is built on them
metrics = Metrics(
    provider=SerializedEMFProvider(
        metric_set=Metrics._metrics, dimension_set=Metrics._dimensions, metadata_set=Metrics._metadata,
        default_dimensions=Metrics._default_dimensions,
    )
)  # fmt: skip


@lru_cache(maxsize=1)
def get_tracer() -> Tracer:
    """Powertools' Tracer, built on first use: the X-Ray SDK costs ~0.5 s of cold start, and
    Lambda's active tracing records each invocation without it."""
    from aws_lambda_powertools import Tracer

    return Tracer()


def configure_logging(level: str) -> None:
    """Apply the configured level (debug in dev, info in prod) to our logger."""
    logger.setLevel(level)
    logging.getLogger("pymongo").setLevel(logging.WARNING)


def current_trace_id() -> str | None:
    return _trace_id.get()


def new_trace_id() -> str:
    return uuid.uuid4().hex


def accept_trace_id(incoming: str | None) -> str:
    """The caller's trace id when it is well-formed, otherwise a fresh one."""
    if incoming and _TRACE_ID_PATTERN.match(incoming):
        return incoming
    return new_trace_id()


@contextmanager
def request_context(trace_id: str | None = None, user_id: str | None = None) -> Iterator[str]:
    """Bind a trace id (and user id) for the duration of one request or job run."""
    bound = accept_trace_id(trace_id)
    trace_token = _trace_id.set(bound)
    user_token = _user_id.set(user_id)
    try:
        yield bound
    finally:
        _trace_id.reset(trace_token)
        _user_id.reset(user_token)


def bind_user(user_id: str | None) -> None:
    """Attach the authenticated user to the rest of this request's log lines."""
    _user_id.set(user_id)
