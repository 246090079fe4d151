"""The KMS cipher against moto's KMS: the ciphertext is bound to the user id, and KMS failures
arrive as the platform's errors without the secret in them."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from tradecore.adapters.aws.kms_cipher import KmsSecretCipher
from tradecore.errors import ConfigurationError, DependencyUnavailableError, OperationalError

SECRET = "api-secret-9f8e7d6c5b4a"


@pytest.fixture
def key_id(aws: None) -> str:
    return boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["KeyId"]


def test_a_secret_round_trips_for_its_user_and_the_ciphertext_hides_it(key_id: str) -> None:
    cipher = KmsSecretCipher(key_id, "us-east-1")

    ciphertext = cipher.encrypt(SECRET, user_id="user-1")

    assert SECRET.encode() not in ciphertext
    assert cipher.decrypt(ciphertext, user_id="user-1") == SECRET


def test_a_ciphertext_never_decrypts_for_another_user(key_id: str) -> None:
    cipher = KmsSecretCipher(key_id, "us-east-1")
    ciphertext = cipher.encrypt(SECRET, user_id="user-1")

    with pytest.raises(OperationalError) as refused:
        cipher.decrypt(ciphertext, user_id="user-2")

    assert "InvalidCiphertextException" in refused.value.message
    assert SECRET not in str(refused.value)


def test_without_a_key_id_nothing_can_be_encrypted(aws: None) -> None:
    with pytest.raises(ConfigurationError, match="KMS_KEY_ID"):
        KmsSecretCipher(None, "us-east-1").encrypt(SECRET, user_id="user-1")


class _ThrottledKms:
    def encrypt(self, **_: Any) -> dict[str, Any]:
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Encrypt")


def test_a_throttled_kms_is_a_temporary_outage() -> None:
    cipher = KmsSecretCipher("key", "us-east-1", client=_ThrottledKms())
    with pytest.raises(DependencyUnavailableError) as down:
        cipher.encrypt(SECRET, user_id="user-1")
    assert down.value.dependency == "kms"
