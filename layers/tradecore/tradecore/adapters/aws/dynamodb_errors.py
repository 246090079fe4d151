"""DynamoDB outages and throttling, translated into the taxonomy at the adapter boundary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from botocore.exceptions import BotoCoreError, ClientError

from tradecore.errors import DependencyUnavailableError

TEMPORARY_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "InternalServerError",
        "ServiceUnavailable",
    }
)


@contextmanager
def translate_dynamodb_errors(operation: str) -> Iterator[None]:
    """Connection failures and throttling become ``DependencyUnavailableError``; other errors pass."""
    try:
        yield
    except BotoCoreError as exc:
        raise DependencyUnavailableError(f"DynamoDB unavailable ({operation})", dependency="dynamodb") from exc
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in TEMPORARY_CODES:
            raise DependencyUnavailableError(f"DynamoDB busy ({operation})", dependency="dynamodb") from exc
        raise


def conditional_check_failed(exc: ClientError) -> bool:
    """The write's condition did not hold (another writer came first, or the item is gone)."""
    return bool(exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException")
