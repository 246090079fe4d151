"""The data stores of the template: DynamoDB tables and SQS queues as plain specs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from devstack.template.intrinsics import TemplateError
from devstack.template.specs import QueueSpec, TableSpec, referenced_resources


def read_tables(resources: Mapping[str, dict[str, Any]]) -> dict[str, TableSpec]:
    """Logical id -> :class:`TableSpec` for the given ``AWS::DynamoDB::Table`` resources."""
    specs = {}
    for name, res in resources.items():
        props = res.get("Properties") or {}
        partition, sort = _key_schema(props.get("KeySchema") or [])
        ttl = props.get("TimeToLiveSpecification") or {}
        specs[name] = TableSpec(
            logical_id=name,
            partition_key=partition,
            sort_key=sort,
            attribute_types={a["AttributeName"]: a["AttributeType"] for a in props.get("AttributeDefinitions", [])},
            indexes={
                index["IndexName"]: _key_schema(index["KeySchema"])
                for index in props.get("GlobalSecondaryIndexes") or []
            },
            ttl_attribute=ttl.get("AttributeName") if ttl.get("Enabled") else None,
            billing_mode=props.get("BillingMode"),
            encrypted=bool((props.get("SSESpecification") or {}).get("SSEEnabled")),
            point_in_time_recovery=bool(
                (props.get("PointInTimeRecoverySpecification") or {}).get("PointInTimeRecoveryEnabled")
            ),
            properties=props,
        )
    return specs


def read_queues(resources: Mapping[str, dict[str, Any]]) -> dict[str, QueueSpec]:
    """Logical id -> :class:`QueueSpec` for the given ``AWS::SQS::Queue`` resources."""
    specs = {}
    for name, res in resources.items():
        props = res.get("Properties") or {}
        redrive = props.get("RedrivePolicy") or {}
        dead_letter = referenced_resources(redrive.get("deadLetterTargetArn"))
        specs[name] = QueueSpec(
            logical_id=name,
            dead_letter_queue=next(iter(dead_letter), None),
            max_receive_count=redrive.get("maxReceiveCount"),
            visibility_timeout=props.get("VisibilityTimeout"),
            retention_seconds=props.get("MessageRetentionPeriod"),
            encrypted=bool(props.get("SqsManagedSseEnabled") or props.get("KmsMasterKeyId")),
            fifo=bool(props.get("FifoQueue")),
            properties=props,
        )
    return specs


def _key_schema(schema: list[dict[str, str]]) -> tuple[str, str | None]:
    keys = {item["KeyType"]: item["AttributeName"] for item in schema}
    if "HASH" not in keys:
        raise TemplateError("a key schema has no HASH key")
    return keys["HASH"], keys.get("RANGE")
