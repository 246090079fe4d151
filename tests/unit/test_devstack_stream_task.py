"""The local stream task gets the environment the template's task definition gives the container,
resolved to the local stand-ins."""

from __future__ import annotations

from devstack.local.resources import LocalResources
from devstack.local.settings import DevstackSettings
from devstack.local.stream_task import task_environment
from devstack.template.stack import read_stack


def test_task_environment_resolves_the_task_definition_to_local_resources() -> None:
    settings = DevstackSettings(aws_endpoint_url="http://127.0.0.1:4566")
    stack = read_stack(settings.template)
    resources = LocalResources(stack, settings)

    env = task_environment(resources)

    assert env["SERVICE_STATE_TABLE"] == resources.physical_name("ServiceStateTable")
    assert env["CONNECTIONS_TABLE"] == resources.physical_name("ConnectionsTable")
    assert env["AUTOTRADE_QUEUE_URL"].startswith("http://127.0.0.1:4566/")
    assert env["WEBSOCKET_MANAGEMENT_URL"].startswith(f"http://127.0.0.1:{settings.ports['CORE_API_PORT']}")
    assert env["AI_SERVICE_URL"] == f"http://127.0.0.1:{settings.ports['AI_API_PORT']}"
    assert env["BINANCE_TESTNET"] == "false"  # the simulator, never a real exchange, locally
    assert env["APP_SECRETS_ARN"].startswith("arn:aws:secretsmanager:")
    assert env["POWERTOOLS_SERVICE_NAME"] == "stream"


def test_task_environment_of_a_template_without_the_task_is_empty() -> None:
    settings = DevstackSettings(aws_endpoint_url="http://127.0.0.1:4566")
    resources = LocalResources(read_stack(settings.template), settings)

    assert task_environment(resources, "NoSuchTaskDefinition") == {}
