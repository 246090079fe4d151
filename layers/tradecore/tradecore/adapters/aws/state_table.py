"""The ServiceStateTable's storage layer: items by ``pk``/``sk`` with expiry, and windowed counters.

Key schema: ``pk`` (string, hash) + ``sk`` (string, range); TTL attribute ``expires_at`` (epoch
seconds). DynamoDB's TTL sweep can lag for a day or more, so reads treat an item past
``expires_at`` as absent. Reads are strongly consistent: a token revoked on one instance must be
refused by the next request on any other.

Only :mod:`tradecore.adapters.aws.service_state` uses it: that module owns which record lives under
which key, so no ``pk``/``sk`` string leaves the adapter.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import boto3
from botocore.exceptions import ClientError

from tradecore.adapters.aws.dynamodb_errors import conditional_check_failed, translate_dynamodb_errors
from tradecore.domain.service_state import WindowCount
from tradecore.errors import DependencyUnavailableError

_KEYS = ("pk", "sk")
_MAX_BATCH_ROUNDS = 5
_MAX_ACQUIRE_ROUNDS = 5


def _to_dynamo(value: Any) -> Any:
    """boto3 refuses floats: numbers are stored as ``Decimal``."""
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, dict):
        return {key: _to_dynamo(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_to_dynamo(item) for item in value]
    return value


def _from_dynamo(value: Any) -> Any:
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, dict):
        return {key: _from_dynamo(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_from_dynamo(item) for item in value]
    return value


class StateTable:
    """Put/get with expiry and windowed atomic counters over one DynamoDB table."""

    def __init__(self, table_name: str, region: str, *, clock: Callable[[], float] = time.time) -> None:
        self._resource = boto3.resource("dynamodb", region_name=region)
        self._table = self._resource.Table(table_name)
        self._table_name = table_name
        self._clock = clock  # what "expired" is measured against

    def put(self, pk: str, sk: str, attributes: dict[str, Any], *, expires_at: int | None = None) -> None:
        """Write (replace) one item; ``DependencyUnavailableError`` when DynamoDB cannot be reached."""
        item = {**_to_dynamo(attributes), "pk": pk, "sk": sk}
        if expires_at is not None:
            item["expires_at"] = int(expires_at)
        with translate_dynamodb_errors("service state put"):
            self._table.put_item(Item=item)

    def get(self, pk: str, sk: str) -> dict[str, Any] | None:
        """The item's attributes (without keys), or ``None`` when absent or expired."""
        return self._read(pk, sk, now=self._clock())

    def _read(self, pk: str, sk: str, *, now: float) -> dict[str, Any] | None:
        with translate_dynamodb_errors("service state get"):
            item = self._table.get_item(Key={"pk": pk, "sk": sk}, ConsistentRead=True).get("Item")
        return _live(item, now)

    def get_many(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, Any]]:
        """The live items among ``keys`` in one round trip (BatchGetItem), keyed by ``(pk, sk)``."""
        pending: list[dict[str, str]] = [{"pk": pk, "sk": sk} for pk, sk in dict.fromkeys(keys)]
        found: dict[tuple[str, str], dict[str, Any]] = {}
        now = self._clock()
        for _ in range(_MAX_BATCH_ROUNDS):
            if not pending:
                return found
            request = {self._table_name: {"Keys": pending, "ConsistentRead": True}}
            with translate_dynamodb_errors("service state batch get"):
                response = self._resource.batch_get_item(RequestItems=request)
            for item in response.get("Responses", {}).get(self._table_name, []):
                live = _live(item, now)
                if live is not None:
                    found[(item["pk"], item["sk"])] = live
            pending = response.get("UnprocessedKeys", {}).get(self._table_name, {}).get("Keys", [])
        raise DependencyUnavailableError("DynamoDB busy (service state batch get)", dependency="dynamodb")

    def put_if_absent(
        self, pk: str, sk: str, attributes: dict[str, Any], *, expires_at: int | None = None
    ) -> dict[str, Any] | None:
        """Write the item unless a live one exists: ``None`` when written, else the existing item's
        attributes (an expired item counts as absent and is replaced)."""
        item = {**_to_dynamo(attributes), "pk": pk, "sk": sk}
        if expires_at is not None:
            item["expires_at"] = int(expires_at)
        now = self._clock()
        try:
            with translate_dynamodb_errors("service state put if absent"):
                self._table.put_item(
                    Item=item,
                    ConditionExpression="attribute_not_exists(pk) OR expires_at < :now",
                    ExpressionAttributeValues={":now": int(now)},
                )
        except ClientError as exc:
            if not conditional_check_failed(exc):
                raise
            existing = self._read(pk, sk, now=now)
            return existing if existing is not None else {}
        return None

    def delete(self, pk: str, sk: str) -> None:
        with translate_dynamodb_errors("service state delete"):
            self._table.delete_item(Key={"pk": pk, "sk": sk})

    def increment_in_window(self, pk: str, sk: str, *, window_seconds: int, now: float) -> WindowCount:
        """Atomically add one to the counter of the current window; start a new window once it elapsed.

        Concurrent increments from many instances are all counted (``ADD`` is atomic); when two
        instances race to start a new window, the loser's increment goes into the winner's.
        """
        cutoff = _to_dynamo(float(now) - window_seconds)
        try:
            with translate_dynamodb_errors("service state increment"):
                response = self._table.update_item(
                    Key={"pk": pk, "sk": sk},
                    UpdateExpression="ADD #count :one",
                    ConditionExpression="window_started_at > :cutoff",
                    ExpressionAttributeNames={"#count": "count"},
                    ExpressionAttributeValues={":one": 1, ":cutoff": cutoff},
                    ReturnValues="ALL_NEW",
                )
            item = response["Attributes"]
            return WindowCount(int(item["count"]), float(item["window_started_at"]))
        except ClientError as exc:
            if not conditional_check_failed(exc):
                raise
        return self._start_window(pk, sk, window_seconds=window_seconds, now=now, cutoff=cutoff)

    def acquire_in_window(self, pk: str, sk: str, *, limit: int, window_seconds: int, now: float) -> WindowCount:
        """Atomically take one of ``limit`` slots of the current window, or report it full (``granted=False``).

        The increment is conditional (``count < limit`` in a live window), so concurrent callers on any
        number of instances can never take more than ``limit`` slots. Under heavy contention (the
        window keeps changing under us) it refuses rather than letting an attempt through unchecked.
        """
        cutoff = _to_dynamo(float(now) - window_seconds)
        for _ in range(_MAX_ACQUIRE_ROUNDS):
            try:
                with translate_dynamodb_errors("service state acquire"):
                    response = self._table.update_item(
                        Key={"pk": pk, "sk": sk},
                        UpdateExpression="ADD #count :one",
                        ConditionExpression="window_started_at > :cutoff AND #count < :limit",
                        ExpressionAttributeNames={"#count": "count"},
                        ExpressionAttributeValues={":one": 1, ":cutoff": cutoff, ":limit": limit},
                        ReturnValues="ALL_NEW",
                    )
                item = response["Attributes"]
                return WindowCount(int(item["count"]), float(item["window_started_at"]))
            except ClientError as exc:
                if not conditional_check_failed(exc):
                    raise
            if self._try_start_window(pk, sk, window_seconds=window_seconds, now=now, cutoff=cutoff):
                return WindowCount(1, float(now))
            current = self._read(pk, sk, now=now) or {}
            started, taken = float(current.get("window_started_at", 0)), int(current.get("count", 0))
            if started > now - window_seconds and taken >= limit:
                return WindowCount(taken, started, granted=False)
        return WindowCount(limit, float(now), granted=False)

    def release_in_window(self, pk: str, sk: str) -> None:
        """Give one slot back (never below zero; nothing when there is no window)."""
        try:
            with translate_dynamodb_errors("service state release"):
                self._table.update_item(
                    Key={"pk": pk, "sk": sk},
                    UpdateExpression="ADD #count :minus_one",
                    ConditionExpression="#count > :zero",
                    ExpressionAttributeNames={"#count": "count"},
                    ExpressionAttributeValues={":minus_one": -1, ":zero": 0},
                )
        except ClientError as exc:
            if not conditional_check_failed(exc):
                raise

    def _try_start_window(self, pk: str, sk: str, *, window_seconds: int, now: float, cutoff: Any) -> bool:
        """Open a new window holding one slot, unless another instance has a live one (False)."""
        item = {
            "pk": pk,
            "sk": sk,
            "count": 1,
            "window_started_at": _to_dynamo(float(now)),
            "expires_at": int(now) + window_seconds + 1,
        }
        try:
            with translate_dynamodb_errors("service state new window"):
                self._table.put_item(
                    Item=item,
                    ConditionExpression="attribute_not_exists(pk) OR window_started_at <= :cutoff",
                    ExpressionAttributeValues={":cutoff": cutoff},
                )
        except ClientError as exc:
            if not conditional_check_failed(exc):
                raise
            return False
        return True

    def _start_window(self, pk: str, sk: str, *, window_seconds: int, now: float, cutoff: Any) -> WindowCount:
        if self._try_start_window(pk, sk, window_seconds=window_seconds, now=now, cutoff=cutoff):
            return WindowCount(1, float(now))
        # another instance opened the window a moment ago: count this one in it
        with translate_dynamodb_errors("service state increment"):
            response = self._table.update_item(
                Key={"pk": pk, "sk": sk},
                UpdateExpression="ADD #count :one",
                ExpressionAttributeNames={"#count": "count"},
                ExpressionAttributeValues={":one": 1},
                ReturnValues="ALL_NEW",
            )
        attributes = response["Attributes"]
        return WindowCount(int(attributes["count"]), float(attributes["window_started_at"]))


def _live(item: dict[str, Any] | None, now: float) -> dict[str, Any] | None:
    if item is None:
        return None
    expires_at = item.get("expires_at")
    if expires_at is not None and float(expires_at) <= now:
        return None
    return {key: _from_dynamo(value) for key, value in item.items() if key not in _KEYS}
