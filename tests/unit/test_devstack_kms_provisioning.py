"""The local stack makes the template's KMS keys in moto, once per running moto: a second start
finds the same key by its alias, so what it encrypted still decrypts."""

from __future__ import annotations

import boto3

from devstack.local.provisioning import _ensure_key


def test_a_kms_key_is_made_once_and_found_again_by_its_alias(aws: None) -> None:
    kms = boto3.client("kms", region_name="us-east-1")

    key_id, arn = _ensure_key(kms, "tradecore-ExchangeSecretsKey")
    again = _ensure_key(kms, "tradecore-ExchangeSecretsKey")

    assert again == (key_id, arn)
    assert arn.endswith(key_id)
    assert len(kms.list_keys()["Keys"]) == 1
    ciphertext = kms.encrypt(KeyId=key_id, Plaintext=b"s", EncryptionContext={"user_id": "u"})["CiphertextBlob"]
    assert kms.decrypt(CiphertextBlob=ciphertext, EncryptionContext={"user_id": "u"})["Plaintext"] == b"s"
