"""KMS encryption of users' exchange API secrets, bound to the user id.

The user id is the encryption context: KMS refuses to decrypt a ciphertext under any other
context, so one user's stored secret can never be decrypted as another's, and IAM can limit
``kms:Decrypt`` to calls that carry a ``user_id`` context (template.yaml, ExchangeSecretsKey).
Locally the same calls go to moto's KMS (``AWS_ENDPOINT_URL``), which enforces the context too.
"""

from __future__ import annotations

from typing import Any

import boto3
from botocore.exceptions import BotoCoreError, ClientError

from tradecore.errors import ConfigurationError, DependencyUnavailableError, OperationalError

# KMS answers that retrying cannot fix: the key, the policy or the ciphertext is wrong (a human must look)
_PERMANENT = {
    "AccessDeniedException",
    "DisabledException",
    "IncorrectKeyException",
    "InvalidCiphertextException",
    "InvalidKeyUsageException",
    "KMSInvalidStateException",
    "NotFoundException",
}


class KmsSecretCipher:
    """The :class:`~tradecore.ports.SecretCipher` port over one KMS key.

    Secrets are API secrets (well under KMS's 4 KB plaintext limit), so they are encrypted
    directly, no data key. Raises ``ConfigurationError`` without a key id, ``OperationalError``
    when KMS refuses for good, ``DependencyUnavailableError`` when it cannot answer now.
    """

    def __init__(self, key_id: str | None, region: str, *, client: Any = None) -> None:
        self._key_id = key_id
        self._client = client or boto3.client("kms", region_name=region)

    def encrypt(self, plaintext: str, *, user_id: str) -> bytes:
        if not self._key_id:
            raise ConfigurationError("KMS_KEY_ID is not set: exchange secrets cannot be stored")
        answer = self._call("encrypt", KeyId=self._key_id, Plaintext=plaintext.encode(), **_context(user_id))
        return bytes(answer["CiphertextBlob"])

    def decrypt(self, ciphertext: bytes, *, user_id: str) -> str:
        # the key id travels inside the ciphertext; naming it too makes KMS refuse any other key's
        key = {"KeyId": self._key_id} if self._key_id else {}
        answer = self._call("decrypt", CiphertextBlob=ciphertext, **key, **_context(user_id))
        return bytes(answer["Plaintext"]).decode()

    def _call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        try:
            return dict(getattr(self._client, operation)(**kwargs))
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code", "")
            if code in _PERMANENT:
                # never the plaintext or the ciphertext in the message: only what KMS objected to
                raise OperationalError(f"KMS refused to {operation} an exchange secret ({code})") from None
            raise DependencyUnavailableError("KMS is unavailable", dependency="kms") from None
        except BotoCoreError:
            raise DependencyUnavailableError("KMS is unavailable", dependency="kms") from None


def _context(user_id: str) -> dict[str, Any]:
    return {"EncryptionContext": {"user_id": user_id}}
