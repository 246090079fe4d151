"""template.yaml: data stores, encryption, IAM scope, the WebSocket wiring, stream, dashboard, outputs."""

from __future__ import annotations

from typing import Any

import pytest

from devstack.template.reader import FunctionSpec, SamTemplate, referenced_resources

TEMPLATE = SamTemplate.load()
FUNCTIONS = TEMPLATE.functions()
TABLES = TEMPLATE.tables()
POSTERS = {
    "WebSocketFunction",
    "ExecuteTradeFunction",
    "ClosePositionFunction",
    "CancelOrderFunction",
    "AccountSyncFunction",
    "ReconcileWorkerFunction",
    "AutoTradeWorkerFunction",
    "HealthMonitorFunction",
    "AnalyzeFunction",
    "AuthLogoutFunction",
    "AuthPasswordFunction",
    "AdminUpdateUserFunction",
}
SAM_POLICY_TEMPLATES = {
    "DynamoDBCrudPolicy",
    "DynamoDBReadPolicy",
    "SQSSendMessagePolicy",
    "SQSPollerPolicy",
    "AWSSecretsManagerGetSecretValuePolicy",
    "KMSDecryptPolicy",
}
WEBSOCKET_ARN_PREFIX = "arn:${AWS::Partition}:execute-api:${AWS::Region}:${AWS::AccountId}:${WebSocketApi}/"


def _props(name: str) -> dict[str, Any]:
    properties: dict[str, Any] = TEMPLATE.resources[name]["Properties"]
    return properties


def _all_statements(function: FunctionSpec) -> list[dict[str, Any]]:
    return [s for policy in function.policies if isinstance(policy, dict) for s in policy.get("Statement", [])]


def _statements(function: FunctionSpec) -> list[dict[str, Any]]:
    """The inline statements other than the exchange-secret key's (tested on their own below)."""
    return [s for s in _all_statements(function) if not str(s["Action"]).startswith("kms:")]


def _key_actions(function: FunctionSpec) -> set[str]:
    """What the function may do with ExchangeSecretsKey (each statement checked for its user context)."""
    actions = set()
    for statement in _all_statements(function):
        if str(statement["Action"]).startswith("kms:"):
            assert statement["Resource"] == {"Fn::GetAtt": ["ExchangeSecretsKey", "Arn"]}, function.logical_id
            assert statement["Condition"] == {"Null": {"kms:EncryptionContext:user_id": "false"}}
            actions.add(statement["Action"])
    return actions


def _sub_text(value: Any) -> str:
    sub = value["Fn::Sub"]
    return str(sub if isinstance(sub, str) else sub[0])


# ------------------------------------------------------------------------------ data stores


def test_tables_have_the_documented_keys_ttl_and_index() -> None:
    assert (TABLES["ConnectionsTable"].partition_key, TABLES["ConnectionsTable"].sort_key) == ("connection_id", None)
    assert TABLES["ConnectionsTable"].ttl_attribute == "expires_at"
    assert TABLES["ConnectionsTable"].indexes == {"user_id-index": ("user_id", None)}
    # Powertools' idempotency layout.
    assert (TABLES["IdempotencyTable"].partition_key, TABLES["IdempotencyTable"].ttl_attribute) == ("id", "expiration")
    state = TABLES["ServiceStateTable"]
    assert (state.partition_key, state.sort_key, state.ttl_attribute) == ("pk", "sk", "expires_at")


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_table_is_encrypted_on_demand_and_recoverable(name: str) -> None:
    table = TABLES[name]
    assert table.encrypted
    assert table.properties["SSESpecification"]["KMSMasterKeyId"] == {"Ref": "AppKey"}
    assert table.billing_mode == "PAY_PER_REQUEST"
    assert table.point_in_time_recovery


@pytest.mark.parametrize("name", sorted(TEMPLATE.queues()))
def test_every_queue_is_encrypted(name: str) -> None:
    assert TEMPLATE.queues()[name].encrypted


def test_the_outbox_redrives_to_a_dead_letter_queue_and_survives_stack_deletion() -> None:
    outbox = TEMPLATE.queues()["TradeOutbox"]
    assert outbox.dead_letter_queue == "TradeOutboxDeadLetterQueue"
    assert outbox.max_receive_count is not None
    assert outbox.max_receive_count > 1
    drain_timeout = FUNCTIONS["OutboxDrainFunction"].timeout
    assert outbox.visibility_timeout is not None
    assert drain_timeout is not None
    assert outbox.visibility_timeout >= 2 * drain_timeout
    for name in ("TradeOutbox", "TradeOutboxDeadLetterQueue"):
        assert TEMPLATE.resources[name]["DeletionPolicy"] == "Retain"


def test_the_autotrade_queue_retries_three_times_then_keeps_failures_for_two_weeks_and_alarms() -> None:
    queue = TEMPLATE.queues()["AutoTradeQueue"]
    assert (queue.dead_letter_queue, queue.max_receive_count) == ("AutoTradeDeadLetterQueue", 3)
    assert _props("AutoTradeDeadLetterQueue")["MessageRetentionPeriod"] == 14 * 86_400
    alarm = _props("AutoTradeDeadLetterAlarm")
    assert referenced_resources(alarm["Dimensions"]) == {"AutoTradeDeadLetterQueue"}
    assert (alarm["MetricName"], alarm["ComparisonOperator"], alarm["Threshold"]) == (
        "ApproximateNumberOfMessagesVisible", "GreaterThanThreshold", 0,
    )  # fmt: skip
    assert TEMPLATE.globals["Function"]["Environment"]["Variables"]["AUTOTRADE_QUEUE_URL"] == {"Ref": "AutoTradeQueue"}


def test_the_secret_is_kms_encrypted_and_generated_without_real_values() -> None:
    secret = _props("AppSecret")
    assert secret["KmsKeyId"] == {"Ref": "AppKey"}
    generated = secret["GenerateSecretString"]
    assert generated["GenerateStringKey"] == "JWT_SECRET"
    assert '""' in generated["SecretStringTemplate"]  # placeholders only, filled after deploy
    assert _props("AppKey")["EnableKeyRotation"] is True


# ------------------------------------------------------------------------------------- IAM


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_function_policies_are_sam_templates_on_one_resource_or_scoped_statements(name: str) -> None:
    function = FUNCTIONS[name]
    assert function.policies, f"{name} has no policies"
    for policy in function.policies:
        assert isinstance(policy, dict), f"{name}: managed policy {policy!r} is not scoped"
        (kind, argument), *_ = policy.items()
        if kind == "Statement":
            continue
        assert kind in SAM_POLICY_TEMPLATES, f"{name}: unexpected policy {kind}"
        assert len(argument) == 1, f"{name}: {kind} {argument}"
        assert len(referenced_resources(argument)) == 1, f"{name}: {kind} {argument}"
    for statement in _statements(function):
        assert statement["Action"] == "execute-api:ManageConnections"
        assert _sub_text(statement["Resource"]).startswith(WEBSOCKET_ARN_PREFIX)
        assert "*" not in (statement["Resource"], statement["Action"])


def test_only_the_senders_may_post_to_websocket_connections() -> None:
    posters = {name for name, function in FUNCTIONS.items() if _statements(function)}
    assert posters == POSTERS


def test_every_function_can_read_the_app_secret_and_nothing_else_writes_the_outbox() -> None:
    senders = set()
    for name, function in FUNCTIONS.items():
        kinds = {next(iter(policy)): next(iter(policy.values())) for policy in function.policies}
        assert kinds["AWSSecretsManagerGetSecretValuePolicy"] == {"SecretArn": {"Ref": "AppSecret"}}, name
        assert kinds["KMSDecryptPolicy"] == {"KeyId": {"Ref": "AppKey"}}, name
        if "SQSSendMessagePolicy" in kinds and name != "ReconcileFunction":
            senders.add(name)
            assert referenced_resources(kinds["SQSSendMessagePolicy"]) == {"TradeOutbox"}
    assert senders == {
        "ExecuteTradeFunction", "ClosePositionFunction", "CancelOrderFunction", "AutoTradeWorkerFunction",
    }  # fmt: skip
    reconcile = {next(iter(policy)): policy for policy in FUNCTIONS["ReconcileFunction"].policies}
    assert referenced_resources(reconcile["SQSSendMessagePolicy"]) == {"ReconcileQueue"}  # its fan-out only
    pollers = {
        name: referenced_resources(policy["SQSPollerPolicy"])
        for name, f in FUNCTIONS.items()
        for policy in f.policies
        if "SQSPollerPolicy" in policy
    }
    assert pollers == {
        "OutboxDrainFunction": {"TradeOutbox"}, "AutoTradeWorkerFunction": {"AutoTradeQueue"},
        "ReconcileWorkerFunction": {"ReconcileQueue"},
    }  # fmt: skip


def test_only_the_functions_that_post_write_the_connections_table() -> None:
    # a sender forgets a connection API Gateway reports gone (410), so it needs delete; nobody else writes
    writers = {
        name
        for name, function in FUNCTIONS.items()
        for policy in function.policies
        if "DynamoDBCrudPolicy" in policy and referenced_resources(policy) == {"ConnectionsTable"}
    }
    assert writers == POSTERS


# ------------------------------------------------------------------------------- WebSocket


def test_websocket_api_is_explicit_with_a_route_selection_expression() -> None:
    api = _props("WebSocketApi")
    assert (api["ProtocolType"], api["RouteSelectionExpression"]) == ("WEBSOCKET", "$request.body.action")


def test_websocket_deployment_depends_on_every_route() -> None:
    routes = set(TEMPLATE.resources_of_type("AWS::ApiGatewayV2::Route"))
    assert len(routes) == 6
    assert set(TEMPLATE.resources["WebSocketDeployment"]["DependsOn"]) == routes
    stage = _props("WebSocketStage")
    assert stage["DeploymentId"] == {"Ref": "WebSocketDeployment"}
    assert stage["StageName"] == {"Ref": "Environment"}


def test_each_route_has_its_own_integration_to_the_live_alias() -> None:
    integrations = TEMPLATE.resources_of_type("AWS::ApiGatewayV2::Integration")
    targets = [
        referenced_resources(r["Properties"]["Target"])
        for r in TEMPLATE.resources_of_type("AWS::ApiGatewayV2::Route").values()
    ]
    assert sorted(next(iter(t)) for t in targets) == sorted(integrations)
    for integration in integrations.values():
        props = integration["Properties"]
        assert props["IntegrationType"] == "AWS_PROXY"
        assert props["IntegrationUri"]["Fn::Sub"][1] == {"FunctionArn": {"Ref": "WebSocketFunction.Alias"}}


def test_api_gateway_may_invoke_the_websocket_alias_of_this_api_only() -> None:
    permission = _props("WebSocketPermission")
    assert permission["FunctionName"] == {"Ref": "WebSocketFunction.Alias"}
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert _sub_text(permission["SourceArn"]).startswith(WEBSOCKET_ARN_PREFIX)


# ---------------------------------------------------------------------------------- HTTP API


def test_core_api_cors_allows_only_the_dashboard_origin() -> None:
    cors = _props("CoreHttpApi")["CorsConfiguration"]
    (origin,) = cors["AllowOrigins"]
    condition, own_origin, distribution = origin["Fn::If"]
    assert (condition, own_origin) == ("HasDashboardOrigin", {"Ref": "DashboardOrigin"})
    assert referenced_resources(distribution) == {"DashboardDistribution"}
    assert "idempotency-key" in cors["AllowHeaders"]
    assert "x-request-id" in cors["ExposeHeaders"]
    assert "CorsConfiguration" not in _props("AiHttpApi")  # internal: no browser calls it


# ------------------------------------------------------------------------------ stream task


def test_stream_resources_exist_only_with_an_image() -> None:
    stream = ("StreamLogGroup", "StreamCluster", "StreamExecutionRole", "StreamTaskRole")
    for name in (*stream, "StreamTaskDefinition", "StreamService"):
        assert TEMPLATE.resources[name]["Condition"] == "HasStreamImage", name
    assert TEMPLATE.conditions["HasStreamImage"] == {"Fn::Not": [{"Fn::Equals": [{"Ref": "StreamImageUri"}, ""]}]}


def test_stream_task_is_one_arm64_vcpu_with_two_gigabytes() -> None:
    task = _props("StreamTaskDefinition")
    assert (task["Cpu"], task["Memory"]) == ("1024", "2048")
    assert task["RuntimePlatform"]["CpuArchitecture"] == "ARM64"
    assert task["RequiresCompatibilities"] == ["FARGATE"]
    (container,) = task["ContainerDefinitions"]
    assert container["Image"] == {"Ref": "StreamImageUri"}
    assert container["LogConfiguration"]["Options"]["awslogs-group"] == {"Ref": "StreamLogGroup"}


def test_stream_task_role_is_scoped_to_the_websocket_api_connections_and_secret() -> None:
    (policy,) = _props("StreamTaskRole")["Policies"]
    statements = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert _sub_text(statements["PostToWebSocketClients"]["Resource"]).startswith(WEBSOCKET_ARN_PREFIX)
    read = statements["ReadConnections"]
    assert all(
        not action.startswith(("dynamodb:Put", "dynamodb:Delete", "dynamodb:Update")) for action in read["Action"]
    )
    assert referenced_resources(read["Resource"]) == {"ConnectionsTable"}
    assert statements["ReadAppSecret"]["Resource"] == {"Ref": "AppSecret"}
    queue = statements["QueueAutomatedDecisions"]  # the AutoTrader's fan-out at candle close
    assert (queue["Action"], queue["Resource"]) == ("sqs:SendMessage", {"Fn::GetAtt": ["AutoTradeQueue", "Arn"]})
    # users' order events update their trade records: the outbox when MongoDB is down, and their
    # cached account view is dropped
    outbox = statements["TradeRecordsToTheOutbox"]
    assert (outbox["Action"], outbox["Resource"]) == ("sqs:SendMessage", {"Fn::GetAtt": ["TradeOutbox", "Arn"]})
    assert "dynamodb:DeleteItem" in statements["HeartbeatBreakersAndAccountCache"]["Action"]
    (task,) = _props("StreamTaskDefinition")["ContainerDefinitions"]
    environment = {variable["Name"]: variable["Value"] for variable in task["Environment"]}
    assert environment["TRADE_OUTBOX_QUEUE_URL"] == {"Ref": "TradeOutbox"}
    for statement in statements.values():
        assert statement["Resource"] != "*"


def test_stream_service_runs_exactly_one_task_in_the_given_network() -> None:
    service = _props("StreamService")
    assert service["DesiredCount"] == 1
    assert service["DeploymentConfiguration"]["MaximumPercent"] == 100
    network = service["NetworkConfiguration"]["AwsvpcConfiguration"]
    # without StaticEgress (test_template_egress.py covers the other branch)
    assert network["Subnets"]["Fn::If"][2] == {"Ref": "StreamSubnetIds"}
    assert network["SecurityGroups"]["Fn::If"][2] == {"Ref": "StreamSecurityGroupIds"}


# ------------------------------------------------------------------------------- dashboard


def test_dashboard_bucket_is_private_and_encrypted_and_read_through_oac() -> None:
    bucket = _props("DashboardBucket")
    assert all(bucket["PublicAccessBlockConfiguration"].values())
    assert bucket["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    (origin,) = _props("DashboardDistribution")["DistributionConfig"]["Origins"]
    assert referenced_resources(origin["OriginAccessControlId"]) == {"DashboardOriginAccessControl"}
    policy = _props("DashboardBucketPolicy")["PolicyDocument"]["Statement"]
    reader = next(s for s in policy if s["Effect"] == "Allow")
    assert reader["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert "DashboardDistribution" in referenced_resources(reader["Condition"])


# --------------------------------------------------------------------------------- outputs


def test_outputs_give_every_url_and_name_a_deployer_needs() -> None:
    outputs = TEMPLATE.outputs
    for name in (
        "CoreApiUrl",
        "AiApiUrl",
        "WebSocketUrl",
        "WebSocketManagementUrl",
        "DashboardUrl",
        "ConnectionsTableName",
        "IdempotencyTableName",
        "ServiceStateTableName",
        "TradeOutboxQueueUrl",
        "AutoTradeQueueUrl",
        "AutoTradeDeadLetterQueueUrl",
    ):
        assert name in outputs, name
    assert _sub_text(outputs["WebSocketUrl"]["Value"]).startswith("wss://${WebSocketApi}.")
    assert _sub_text(outputs["WebSocketManagementUrl"]["Value"]).startswith("https://${WebSocketApi}.")


def test_the_key_lets_others_in_only_through_dynamodb_of_this_account() -> None:
    for statement in _props("AppKey")["KeyPolicy"]["Statement"]:
        if statement["Principal"] == {"AWS": "*"}:
            conditions = statement["Condition"]["StringEquals"]
            assert conditions["kms:CallerAccount"] == {"Ref": "AWS::AccountId"}
            assert _sub_text(conditions["kms:ViaService"]).startswith("dynamodb.")
            assert "kms:*" not in statement["Action"]


# the functions that sign with a user's key (the stream task too, in its own role)
SECRET_READERS = {
    "AccountFunction",
    "ExecuteTradeFunction",
    "ClosePositionFunction",
    "CancelOrderFunction",
    "AccountSyncFunction",
    "ReconcileWorkerFunction",
    "AutoTradeWorkerFunction",
}


def test_only_the_connect_function_encrypts_and_only_the_signers_decrypt_users_exchange_secrets() -> None:
    actions = {name: _key_actions(function) for name, function in FUNCTIONS.items()}
    assert {name for name, granted in actions.items() if "kms:Encrypt" in granted} == {"PutExchangeConnectionFunction"}
    assert {name for name, granted in actions.items() if "kms:Decrypt" in granted} == SECRET_READERS
    assert all(granted <= {"kms:Encrypt", "kms:Decrypt"} for granted in actions.values())
    stream = _props("StreamTaskRole")["Policies"][0]["PolicyDocument"]["Statement"]
    decrypt = next(s for s in stream if s.get("Sid") == "DecryptUsersExchangeSecrets")
    assert decrypt["Resource"] == {"Fn::GetAtt": ["ExchangeSecretsKey", "Arn"]}
    assert decrypt["Condition"] == {"Null": {"kms:EncryptionContext:user_id": "false"}}


def test_the_exchange_secrets_key_refuses_any_use_without_a_user_context() -> None:
    key = _props("ExchangeSecretsKey")
    assert key["EnableKeyRotation"] is True
    deny = next(s for s in key["KeyPolicy"]["Statement"] if s["Effect"] == "Deny")
    assert {"kms:Encrypt", "kms:Decrypt"} <= set(deny["Action"])
    assert deny["Condition"] == {"Null": {"kms:EncryptionContext:user_id": "true"}}
    assert TEMPLATE.globals["Function"]["Environment"]["Variables"]["KMS_KEY_ID"] == {"Ref": "ExchangeSecretsKey"}
