"""The app secret in Secrets Manager (moto): read once at bootstrap, never logged."""

from __future__ import annotations

import json

import boto3
import pytest

from tradecore.bootstrap import resolve_settings
from tradecore.config import load_settings
from tradecore.errors import ConfigurationError


@pytest.mark.usefixtures("aws")
def test_unset_secrets_are_filled_from_the_app_secret() -> None:
    client = boto3.client("secretsmanager", region_name="us-east-1")
    arn = client.create_secret(
        Name="tradecore/app", SecretString=json.dumps({"JWT_SECRET": "jwt-from-aws", "OPENAI_API_KEY": "sk-aws"})
    )["ARN"]
    settings = resolve_settings(load_settings(app_secrets_arn=arn))
    assert settings.jwt_secret is not None
    assert settings.jwt_secret.get_secret_value() == "jwt-from-aws"
    assert settings.openai_api_key is not None
    assert settings.openai_api_key.get_secret_value() == "sk-aws"


@pytest.mark.usefixtures("aws")
def test_a_missing_secret_stops_the_start_without_details() -> None:
    arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:missing"
    with pytest.raises(ConfigurationError, match="APP_SECRETS_ARN"):
        resolve_settings(load_settings(app_secrets_arn=arn))
