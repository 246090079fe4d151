"""The SQS event source mappings of the template, and the shapes Lambda's SQS poller speaks.

No I/O: which queue feeds which function and how (:func:`sqs_mappings`), one received message as a
record of Lambda's SQS event (:func:`sqs_record`), and which messages a partial batch response
names as failed (:func:`failed_message_ids`, with Lambda's rules for a response it rejects).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any

from devstack.local.resources import LocalResources
from devstack.template.intrinsics import TemplateError
from devstack.template.stack import Stack

_UNSUPPORTED = ("FilterCriteria",)


@dataclass(frozen=True)
class SqsMapping:
    """One ``Type: SQS`` event of a function, resolved against the local resources."""

    function: str
    event: str
    queue_arn: str
    queue_url: str
    batch_size: int = 10
    window_seconds: float = 0.0
    report_failures: bool = False
    enabled: bool = True

    @property
    def name(self) -> str:
        return f"{self.function}{self.event}"


def sqs_mappings(stack: Stack, resources: LocalResources) -> list[SqsMapping]:
    """Every SQS event of every function; raise TemplateError naming a property the local stack
    cannot honour (a queue that is not an SQS ARN, a bad batch size, FilterCriteria)."""
    mappings = []
    for function in stack.functions.values():
        for event_name, event in function.events.items():
            if (event or {}).get("Type") != "SQS":
                continue
            where = f"Resources.{function.logical_id}.Properties.Events.{event_name}.Properties"
            props = dict(event.get("Properties") or {})

            def value(key: str, default: Any, props: dict[str, Any] = props, where: str = where) -> Any:
                return resources.resolve(props.get(key, default), f"{where}.{key}")

            for unsupported in _UNSUPPORTED:
                if unsupported in props:
                    raise TemplateError(f"{where}.{unsupported}: not supported by the local stack")
            arn = str(value("Queue", None))
            parts = arn.split(":")
            if len(parts) != 6 or parts[2] != "sqs":
                raise TemplateError(f"{where}.Queue: expected an SQS queue ARN, got {arn!r}")
            batch_size = _number(value("BatchSize", 10), f"{where}.BatchSize")
            if not 1 <= batch_size <= 10_000:
                raise TemplateError(f"{where}.BatchSize: expected 1-10000, got {batch_size}")
            window = _number(value("MaximumBatchingWindowInSeconds", 0), f"{where}.MaximumBatchingWindowInSeconds")
            mappings.append(
                SqsMapping(
                    function=function.logical_id,
                    event=event_name,
                    queue_arn=arn,
                    queue_url=f"{resources.aws_endpoint}/{parts[4]}/{parts[5]}",
                    batch_size=batch_size,
                    window_seconds=float(window),
                    report_failures="ReportBatchItemFailures" in (value("FunctionResponseTypes", None) or []),
                    enabled=str(value("Enabled", True)).lower() != "false",
                )
            )
    return mappings


def _number(value: Any, where: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise TemplateError(f"{where}: expected a number, got {value!r}") from None


def sqs_record(message: dict[str, Any], queue_arn: str, region: str) -> dict[str, Any]:
    """One ReceiveMessage message as a record of Lambda's SQS event (camelCase, base64 binaries)."""
    attributes = {}
    for name, value in (message.get("MessageAttributes") or {}).items():
        attribute: dict[str, Any] = {
            "stringListValues": list(value.get("StringListValues") or []),
            "binaryListValues": [_b64(item) for item in value.get("BinaryListValues") or []],
            "dataType": value["DataType"],
        }
        if "StringValue" in value:
            attribute["stringValue"] = value["StringValue"]
        if "BinaryValue" in value:
            attribute["binaryValue"] = _b64(value["BinaryValue"])
        attributes[name] = attribute
    record = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": attributes,
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _b64(value: bytes | str) -> str:
    return base64.b64encode(value if isinstance(value, bytes) else value.encode()).decode()


def failed_message_ids(response: Any, batch_ids: set[str]) -> set[str] | None:
    """The messages a partial batch response names as failed; ``None`` when Lambda would treat
    the whole batch as failed (not an object, a list that is not a list, an identifier that is
    empty, missing or not a message of the batch). No response, or an empty or null list: none."""
    if response is None:
        return set()
    if not isinstance(response, dict):
        return None
    failures = response.get("batchItemFailures")
    if failures is None:
        return set()
    if not isinstance(failures, list):
        return None
    failed = set()
    for item in failures:
        identifier = item.get("itemIdentifier") if isinstance(item, dict) else None
        if not isinstance(identifier, str) or identifier not in batch_ids:
            return None
        failed.add(identifier)
    return failed
