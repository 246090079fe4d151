"""Pure parts of the local SQS event sources: the template's mappings and Lambda's response rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.local.resources import LocalResources
from devstack.local.settings import DevstackSettings
from devstack.local.sqs_mapping import SqsMapping, failed_message_ids, sqs_mappings
from devstack.template.intrinsics import TemplateError
from devstack.template.stack import read_stack

BATCH = {"a", "b", "c"}


@pytest.mark.parametrize("response", [None, {}, {"batchItemFailures": None}, {"batchItemFailures": []}, {"x": 1}])
def test_failed_message_ids_treat_no_failures_as_complete_success(response: object) -> None:
    assert failed_message_ids(response, BATCH) == set()


def test_failed_message_ids_name_the_reported_messages() -> None:
    response = {"batchItemFailures": [{"itemIdentifier": "a"}, {"itemIdentifier": "c"}]}
    assert failed_message_ids(response, BATCH) == {"a", "c"}


@pytest.mark.parametrize(
    "response",
    [
        "not an object",
        {"batchItemFailures": "a"},
        {"batchItemFailures": [{"itemIdentifier": ""}]},
        {"batchItemFailures": [{"itemIdentifier": None}]},
        {"batchItemFailures": [{"itemId": "a"}]},
        {"batchItemFailures": [{"itemIdentifier": "not-in-batch"}]},
        {"batchItemFailures": ["a"]},
    ],
)
def test_failed_message_ids_reject_what_lambda_treats_as_a_failed_batch(response: object) -> None:
    assert failed_message_ids(response, BATCH) is None


def _mappings(tmp_path: Path, event_properties: str) -> list[SqsMapping]:
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n  Jobs:\n    Type: AWS::SQS::Queue\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n"
        f"      Events:\n        Work: {{Type: SQS, Properties: {event_properties}}}\n"
    )
    settings = DevstackSettings(template=path, aws_endpoint_url="http://127.0.0.1:4566", stack_name="s")
    stack = read_stack(path)
    return sqs_mappings(stack, LocalResources(stack, settings))


def test_sqs_mappings_read_lambdas_defaults_and_the_queue_url(tmp_path: Path) -> None:
    [mapping] = _mappings(tmp_path, "{Queue: !GetAtt Jobs.Arn}")
    assert mapping.name == "FnWork"
    assert mapping.queue_arn == "arn:aws:sqs:us-east-1:123456789012:s-Jobs"
    assert mapping.queue_url == "http://127.0.0.1:4566/123456789012/s-Jobs"
    assert (mapping.batch_size, mapping.window_seconds, mapping.report_failures, mapping.enabled) == (
        10,
        0.0,
        False,
        True,
    )


@pytest.mark.parametrize(
    ("properties", "where"),
    [
        ("{Queue: !GetAtt Jobs.Arn, BatchSize: 0}", r"Events\.Work\.Properties\.BatchSize"),
        ("{Queue: !GetAtt Jobs.Arn, FilterCriteria: {Filters: []}}", r"Events\.Work\.Properties\.FilterCriteria"),
        ("{Queue: !Ref Jobs}", r"Events\.Work\.Properties\.Queue: expected an SQS queue ARN"),
    ],
)
def test_sqs_mappings_name_what_the_local_stack_cannot_honour(tmp_path: Path, properties: str, where: str) -> None:
    with pytest.raises(TemplateError, match=where):
        _mappings(tmp_path, properties)
