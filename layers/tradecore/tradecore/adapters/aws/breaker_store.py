"""Circuit breaker state in the ServiceStateTable: one item per breaker, written compare-and-set.

Item ``breaker#<name>`` / ``state`` with the :class:`BreakerState` fields. ``swap`` is one
conditional ``PutItem`` (the stored ``version`` must be the one the caller read, or the item must
not exist yet for version 0), so racing instances cannot both apply a transition.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3
from botocore.exceptions import ClientError

from tradecore.adapters.aws.dynamodb_errors import conditional_check_failed, translate_dynamodb_errors
from tradecore.domain.breaker import BreakerPhase, BreakerState

_SK = "state"


def _key(name: str) -> dict[str, str]:
    return {"pk": f"breaker#{name}", "sk": _SK}


class DynamoBreakerStore:
    """The :class:`~tradecore.ports.BreakerStore` over the service-state table."""

    def __init__(self, table_name: str, region: str) -> None:
        self._table = boto3.resource("dynamodb", region_name=region).Table(table_name)

    def load(self, name: str) -> BreakerState:
        with translate_dynamodb_errors("breaker load"):
            item = self._table.get_item(Key=_key(name), ConsistentRead=True).get("Item")
        return _state(item) if item else BreakerState()

    def swap(self, name: str, state: BreakerState, *, expected_version: int) -> bool:
        item = {
            **_key(name),
            "phase": state.phase.value,
            "failures": state.failures,
            "successes": state.successes,
            "opened_at": Decimal(repr(state.opened_at)),
            "probe_until": Decimal(repr(state.probe_until)),
            "version": state.version,
        }
        condition = "version = :expected"
        if expected_version == 0:
            condition = f"attribute_not_exists(pk) OR {condition}"
        try:
            with translate_dynamodb_errors("breaker swap"):
                self._table.put_item(
                    Item=item,
                    ConditionExpression=condition,
                    ExpressionAttributeValues={":expected": expected_version},
                )
        except ClientError as exc:
            if conditional_check_failed(exc):
                return False
            raise
        return True


def _state(item: dict[str, Any]) -> BreakerState:
    return BreakerState(
        phase=BreakerPhase(item["phase"]),
        failures=int(item["failures"]),
        successes=int(item["successes"]),
        opened_at=float(item["opened_at"]),
        probe_until=float(item["probe_until"]),
        version=int(item["version"]),
    )
