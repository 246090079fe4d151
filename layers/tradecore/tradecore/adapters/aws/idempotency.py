"""Run a request at most once per key: Powertools idempotency on the IdempotencyTable.

The wrapped call receives ``{"key": key, "payload": payload}``: the record's id is a SHA-256 of
``key`` (under a fixed prefix, not the Lambda function's generated name, so a redeploy does not
forget keys in flight), and the stored validation hash covers ``payload``, so the same key with
another body is refused instead of answered with someone else's result.

While a run is in progress its record blocks the key. The record carries the instant the Lambda
would time out (``remaining_ms``, read through a stand-in Lambda context registered on the config
once), so a crashed or timed-out run frees the key then, not after ``expires_after_seconds``.
The stand-in reads the current call's countdown from a context variable: one guard serves
concurrent threads, each with its own deadline.

Answers are stored as JSON (Decimals as strings) and the first caller gets the same JSON-shaped
answer replays get, so every caller of one key sees one answer.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Mapping
from contextvars import ContextVar
from typing import Any

import boto3
from aws_lambda_powertools.shared.json_encoder import Encoder
from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyInconsistentStateError,
    IdempotencyPersistenceLayerError,
    IdempotencyValidationError,
)
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyKeyError as PowertoolsKeyError,
)
from botocore.exceptions import BotoCoreError

from tradecore.errors import (
    ConfigurationError,
    DependencyUnavailableError,
    IdempotencyKeyError,
    IdempotencyKeyReusedError,
    RequestInProgressError,
)

# Powertools skips idempotency entirely when this is set (meant for tests); we refuse to run then
POWERTOOLS_DISABLE_VARIABLE = "POWERTOOLS_IDEMPOTENCY_DISABLED"
# Lambda's longest timeout: without a caller's countdown, no run can outlive this in Lambda.
DEFAULT_IN_PROGRESS_MS = 900_000

_remaining: ContextVar[Callable[[], int] | None] = ContextVar("idempotency_remaining_ms", default=None)


class _Countdown:
    """What Powertools asks of a Lambda context: the current call's remaining time."""

    def __init__(self, default_ms: int) -> None:
        self._default_ms = default_ms

    def get_remaining_time_in_millis(self) -> int:
        remaining = _remaining.get()
        return self._default_ms if remaining is None else max(0, int(remaining()))


def _answer(*, request: dict[str, Any], run: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The function Powertools wraps: runs once per key; ``request`` is only what is hashed."""
    del request
    # The first caller gets exactly what replays will get (JSON, Decimals as strings).
    answer: dict[str, Any] = json.loads(json.dumps(run(), cls=Encoder))
    return answer


class PowertoolsIdempotencyGuard:
    """The :class:`~tradecore.ports.trading.IdempotencyGuard` over the IdempotencyTable.

    ``expires_after_seconds`` is how long a completed answer is replayed; ``key_prefix`` separates
    this guard's keys from any other user of the table."""

    def __init__(
        self,
        table_name: str,
        region: str,
        *,
        expires_after_seconds: int = 86_400,
        key_prefix: str = "tradecore",
        default_in_progress_ms: int = DEFAULT_IN_PROGRESS_MS,
    ) -> None:
        self._table_name = table_name
        self._region = region
        self._key_prefix = key_prefix
        self._config = IdempotencyConfig(
            event_key_jmespath="key",
            payload_validation_jmespath="payload",
            raise_on_no_idempotency_key=True,
            expires_after_seconds=expires_after_seconds,
            hash_function="sha256",
        )
        self._config.register_lambda_context(_Countdown(default_in_progress_ms))  # type: ignore[arg-type]
        self._call: Callable[..., dict[str, Any]] | None = None
        self._lock = threading.Lock()

    def once(
        self,
        key: str,
        payload: Mapping[str, Any],
        run: Callable[[], dict[str, Any]],
        *,
        remaining_ms: Callable[[], int] | None = None,
    ) -> dict[str, Any]:
        """``run()``'s answer, once per ``key`` (see the port). ``run`` must answer JSON-able data.
        Raises ``IdempotencyKeyReusedError`` (another payload), ``RequestInProgressError`` (a run
        holds the key), ``IdempotencyKeyError`` (an empty key) or ``DependencyUnavailableError``
        (the table cannot be used); an exception from ``run`` passes through and is not stored."""
        if os.environ.get(POWERTOOLS_DISABLE_VARIABLE, "").strip().lower() not in ("", "0", "false"):
            # Powertools would silently run every request, so a retried MARKET order could execute twice
            raise ConfigurationError(f"{POWERTOOLS_DISABLE_VARIABLE} must not be set: trades rely on idempotency")
        request = {"key": key, "payload": dict(payload)}
        call = self._wrapped()
        token = _remaining.set(remaining_ms)
        try:
            return call(request=request, run=run)
        except IdempotencyValidationError as exc:
            raise IdempotencyKeyReusedError() from exc
        except IdempotencyAlreadyInProgressError as exc:
            raise RequestInProgressError() from exc
        except PowertoolsKeyError as exc:
            raise IdempotencyKeyError() from exc
        except IdempotencyInconsistentStateError as exc:  # the record kept changing under us
            raise DependencyUnavailableError("Idempotency record busy", dependency="dynamodb") from exc
        except IdempotencyPersistenceLayerError as exc:
            raise DependencyUnavailableError("Idempotency table unavailable", dependency="dynamodb") from exc
        finally:
            _remaining.reset(token)

    def _wrapped(self) -> Callable[..., dict[str, Any]]:
        """The idempotent call, built on first use (boto3 client creation is paid only when needed)."""
        if self._call is None:
            with self._lock:
                if self._call is None:
                    try:
                        client = boto3.client("dynamodb", region_name=self._region)
                    except BotoCoreError as exc:  # e.g. no region or endpoint could be resolved
                        raise DependencyUnavailableError(
                            "Idempotency table unavailable", dependency="dynamodb"
                        ) from exc
                    layer = DynamoDBPersistenceLayer(table_name=self._table_name, boto3_client=client)
                    self._call = idempotent_function(
                        _answer,
                        data_keyword_argument="request",
                        persistence_store=layer,
                        config=self._config,
                        key_prefix=self._key_prefix,
                    )
        return self._call
