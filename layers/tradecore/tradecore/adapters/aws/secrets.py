"""Secrets Manager: one JSON secret whose keys fill the unset secret settings."""

from __future__ import annotations

import json

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from tradecore.errors import ConfigurationError


def fetch_app_secrets(secret_arn: str, region: str) -> dict[str, str]:
    """The key/value pairs of the app secret; a missing or malformed secret stops the start."""
    client = boto3.client("secretsmanager", region_name=region)
    try:
        raw = client.get_secret_value(SecretId=secret_arn)["SecretString"]
    except (ClientError, BotoCoreError) as exc:
        raise ConfigurationError(f"APP_SECRETS_ARN: cannot read the secret ({type(exc).__name__})") from None
    try:
        values = json.loads(raw)
    except json.JSONDecodeError:
        raise ConfigurationError("APP_SECRETS_ARN: the secret is not a JSON object") from None
    if not isinstance(values, dict):
        raise ConfigurationError("APP_SECRETS_ARN: the secret is not a JSON object")
    return {str(key): str(value) for key, value in values.items() if value}
