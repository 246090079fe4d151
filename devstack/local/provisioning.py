"""Create the template's DynamoDB tables, SQS queues, app secret and KMS keys in the local AWS (moto).

Tables keep the template's own keys, attribute types, GSIs and TTL; queues their attributes and
redrive policy. Existing resources are left alone, so a second start is a no-op. Returns the real
ARNs (the secret's has a random suffix) so ``!Ref``/``!GetAtt`` resolve to them. Tables, the
queues (dead-letter queues first) and the secret are created concurrently.

KMS keys are found again by their alias (``alias/<physical name>``) while moto keeps running, so
a key id, and what it encrypted, stays valid as long as the local AWS does.
"""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import boto3
from botocore.exceptions import ClientError

from devstack.local.resources import LocalResources

log = logging.getLogger("devstack.provision")
_TABLE_KEYS = (
    "AttributeDefinitions",
    "KeySchema",
    "GlobalSecondaryIndexes",
    "LocalSecondaryIndexes",
    "BillingMode",
    "ProvisionedThroughput",
    "StreamSpecification",
)
_QUEUE_ATTRIBUTES = (
    "DelaySeconds",
    "MaximumMessageSize",
    "MessageRetentionPeriod",
    "ReceiveMessageWaitTimeSeconds",
    "VisibilityTimeout",
    "FifoQueue",
    "ContentBasedDeduplication",
)


def provision(
    resources: LocalResources, env: dict[str, str], secret_values: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Create what is missing; return overrides (logical id -> {"Ref"/attribute: value})."""
    endpoint = env["AWS_ENDPOINT_URL"]
    session = boto3.session.Session(
        region_name=resources.settings.region,
        aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
    )
    template = resources.stack.template
    # clients are made here (a session is not thread-safe), then used concurrently (they are)
    dynamodb = session.client("dynamodb", endpoint_url=endpoint)
    sqs = session.client("sqs", endpoint_url=endpoint)
    secrets = session.client("secretsmanager", endpoint_url=endpoint)
    kms = session.client("kms", endpoint_url=endpoint)
    queues = template.queues()
    ordered_queues = sorted(queues, key=lambda n: queues[n].dead_letter_queue is not None)  # DLQs first
    secret_names = list(template.resources_of_type("AWS::SecretsManager::Secret"))
    key_names = list(template.resources_of_type("AWS::KMS::Key"))
    with ThreadPoolExecutor(max_workers=8, thread_name_prefix="provision") as pool:
        jobs = [pool.submit(_create_table, dynamodb, resources, name) for name in template.tables()]
        jobs.append(pool.submit(_create_queues, sqs, resources, ordered_queues))
        arns = {
            name: pool.submit(_ensure_secret, secrets, resources.physical_name(name), secret_values)
            for name in secret_names
        }
        keys = {name: pool.submit(_ensure_key, kms, resources.physical_name(name)) for name in key_names}
        for job in jobs:
            job.result()  # re-raises the first failure
        overrides: dict[str, dict[str, Any]] = {name: {"Ref": arn.result()} for name, arn in arns.items()}
        for name, key in keys.items():
            key_id, key_arn = key.result()
            overrides[name] = {"Ref": key_id, "Arn": key_arn}
        return overrides


def _create_table(client: Any, resources: LocalResources, name: str) -> None:
    table = resources.physical_name(name)
    props = {key: resources.property(name, key) for key in _TABLE_KEYS if resources.property(name, key) is not None}
    if props.get("BillingMode") == "PAY_PER_REQUEST":
        props.pop("ProvisionedThroughput", None)
        for index in props.get("GlobalSecondaryIndexes") or []:
            index.pop("ProvisionedThroughput", None)
    try:
        client.create_table(TableName=table, **props)
        log.info("created table %s", table)
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceInUseException":
            raise
    ttl = resources.property(name, "TimeToLiveSpecification")
    if ttl and ttl.get("Enabled"):
        client.update_time_to_live(TableName=table, TimeToLiveSpecification=ttl)


def _create_queues(client: Any, resources: LocalResources, names: list[str]) -> None:
    for name in names:  # in order: a queue's redrive policy names its dead-letter queue
        _create_queue(client, resources, name)


def _create_queue(client: Any, resources: LocalResources, name: str) -> None:
    attributes = {
        key: str(resources.property(name, key)).lower()
        if isinstance(resources.property(name, key), bool)
        else str(resources.property(name, key))
        for key in _QUEUE_ATTRIBUTES
        if resources.property(name, key) is not None
    }
    redrive = resources.property(name, "RedrivePolicy")
    if redrive:
        attributes["RedrivePolicy"] = json.dumps(redrive)
    client.create_queue(QueueName=resources.physical_name(name), Attributes=attributes)
    log.info("queue %s ready", resources.physical_name(name))


def _ensure_secret(client: Any, secret_name: str, values: dict[str, str]) -> str:
    payload = json.dumps(values)
    try:
        arn: str = client.create_secret(Name=secret_name, SecretString=payload)["ARN"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "ResourceExistsException":
            raise
        arn = client.put_secret_value(SecretId=secret_name, SecretString=payload)["ARN"]
    return arn


def _ensure_key(client: Any, name: str) -> tuple[str, str]:
    """The key called ``alias/<name>`` (made with the alias when missing): its id and ARN."""
    alias = f"alias/{name}"
    try:
        metadata = client.describe_key(KeyId=alias)["KeyMetadata"]
    except ClientError as exc:
        if exc.response["Error"]["Code"] != "NotFoundException":
            raise
        metadata = client.create_key(Description=f"devstack {name}")["KeyMetadata"]
        client.create_alias(AliasName=alias, TargetKeyId=metadata["KeyId"])
        log.info("kms key %s ready", alias)
    return str(metadata["KeyId"]), str(metadata["Arn"])
