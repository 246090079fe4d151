"""The trade outbox on SQS: where a trade record waits while MongoDB is down.

One message per record copy. The body is :func:`~tradecore.domain.trade_json.trade_to_json` of
the whole record (Decimals as strings, instants in UTC, ``version`` included), so the drain
rebuilds it exactly and the store keeps the newest copy whatever order copies arrive in. The
attributes ``user_id``, ``client_order_id`` and ``version`` let the drain (and a person reading the
dead-letter queue) see whose trade it is without parsing the body.
"""

from __future__ import annotations

import json

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from tradecore.domain.trade_json import trade_to_json
from tradecore.domain.trades import TradeRecord
from tradecore.errors import DependencyUnavailableError

# Worth the caller's retry: SQS is busy or briefly failing. Anything else (the queue is gone, no
# permission) needs a human, but the record still cannot be kept, so it is unavailable all the same.
_TEMPORARY_CODES = frozenset(
    {
        "ThrottlingException",
        "RequestThrottled",
        "InternalError",
        "InternalFailure",
        "ServiceUnavailable",
        "KmsThrottled",
    }
)


class SqsTradeOutbox:
    """The :class:`~tradecore.ports.trading.TradeOutbox` over one SQS queue."""

    def __init__(self, queue_url: str, region: str) -> None:
        self._queue_url = queue_url
        self._client = boto3.client("sqs", region_name=region)

    def put(self, trade: TradeRecord) -> None:
        """Send one copy of ``trade``; ``DependencyUnavailableError(dependency="sqs")`` when SQS
        did not take it (the caller must then treat the record as not kept)."""
        body = json.dumps(trade_to_json(trade), separators=(",", ":"))
        attributes = {
            "user_id": {"DataType": "String", "StringValue": trade.user_id},
            "client_order_id": {"DataType": "String", "StringValue": trade.client_order_id},
            "version": {"DataType": "Number", "StringValue": str(trade.version)},
        }
        try:
            self._client.send_message(QueueUrl=self._queue_url, MessageBody=body, MessageAttributes=attributes)
        except BotoCoreError as exc:
            raise DependencyUnavailableError("SQS unavailable (trade outbox)", dependency="sqs") from exc
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            raise DependencyUnavailableError(
                f"SQS refused the trade outbox message ({code})",
                dependency="sqs",
                temporary=code in _TEMPORARY_CODES,
            ) from exc


class NoTradeOutbox:
    """The outbox of a process given no ``TRADE_OUTBOX_QUEUE_URL``: every put is refused, so the
    journal treats it as down (the trade flow then sends no order while MongoDB is also down)."""

    def put(self, trade: TradeRecord) -> None:
        raise DependencyUnavailableError("TRADE_OUTBOX_QUEUE_URL is not set", dependency="sqs", temporary=False)
