"""template.yaml declares the whole system as DESIGN.md and the function map say.

These read the parsed template (devstack.template); they would fail if a route, a handler, a
memory size, an encryption setting, a WebSocket dependency or an IAM scope went wrong.
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path
from typing import Any

import pytest

from devstack.template.reader import SamTemplate, referenced_resources
from tradecore.config import Settings

ROOT = Path(__file__).resolve().parents[2]
FUNCTIONS_DIR = ROOT / "functions"

# The function map: (api, method, path) -> (function, handler).
CORE, AI = "CoreHttpApi", "AiHttpApi"
HTTP_ROUTES = {
    (CORE, "GET", "/api/health"): ("HealthFunction", "trade.app.handler"),
    (CORE, "GET", "/api/account"): ("AccountFunction", "trade.app.handler"),
    (CORE, "PUT", "/api/exchange/connection"): ("PutExchangeConnectionFunction", "trade.app.handler"),
    (CORE, "GET", "/api/exchange/connection"): ("GetExchangeConnectionFunction", "trade.app.handler"),
    (CORE, "DELETE", "/api/exchange/connection"): ("DeleteExchangeConnectionFunction", "trade.app.handler"),
    (CORE, "POST", "/api/trades/execute"): ("ExecuteTradeFunction", "trade.app.handler"),
    (CORE, "GET", "/api/trades"): ("ListTradesFunction", "trade.app.handler"),
    (CORE, "GET", "/api/trades/{trade_id}"): ("GetTradeFunction", "trade.app.handler"),
    (CORE, "DELETE", "/api/orders/{trade_id}"): ("CancelOrderFunction", "trade.app.handler"),
    (CORE, "GET", "/api/positions"): ("PositionsFunction", "trade.app.handler"),
    (CORE, "POST", "/api/positions/{symbol}/close"): ("ClosePositionFunction", "trade.app.handler"),
    (CORE, "GET", "/api/performance"): ("PerformanceFunction", "trade.app.handler"),
    (CORE, "GET", "/api/market/candles"): ("CandlesFunction", "trade.app.handler"),
    (CORE, "GET", "/api/market/prices"): ("PricesFunction", "trade.app.handler"),
    (CORE, "GET", "/api/ai/signals"): ("SignalsFunction", "trade.app.handler"),
    (CORE, "POST", "/api/ai/analyze"): ("UserAnalyzeFunction", "trade.app.handler"),
    (CORE, "GET", "/api/bot/settings"): ("GetBotSettingsFunction", "trade.app.handler"),
    (CORE, "PUT", "/api/bot/settings"): ("PutBotSettingsFunction", "trade.app.handler"),
    (CORE, "GET", "/api/bot/decisions"): ("BotDecisionsFunction", "trade.app.handler"),
    (CORE, "POST", "/api/metrics/frontend"): ("FrontendMetricsFunction", "trade.app.handler"),
    (CORE, "GET", "/api/admin/trading"): ("GetTradingSwitchFunction", "trade.app.handler"),
    (CORE, "PUT", "/api/admin/trading"): ("SetTradingSwitchFunction", "trade.app.handler"),
    (CORE, "GET", "/api/openapi.json"): ("ApiOpenApiFunction", "trade.app.handler"),
    (CORE, "POST", "/api/auth/register"): ("AuthRegisterFunction", "auth.app.handler"),
    (CORE, "POST", "/api/auth/login"): ("AuthLoginFunction", "auth.app.handler"),
    (CORE, "GET", "/api/auth/me"): ("AuthMeFunction", "auth.app.handler"),
    (CORE, "POST", "/api/auth/logout"): ("AuthLogoutFunction", "auth.app.handler"),
    (CORE, "POST", "/api/auth/password"): ("AuthPasswordFunction", "auth.app.handler"),
    (CORE, "GET", "/api/admin/users"): ("AdminListUsersFunction", "auth.app.handler"),
    (CORE, "POST", "/api/admin/users"): ("AdminCreateUserFunction", "auth.app.handler"),
    (CORE, "PATCH", "/api/admin/users/{user_id}"): ("AdminUpdateUserFunction", "auth.app.handler"),
    (AI, "POST", "/ai/analyze"): ("AnalyzeFunction", "ai.app.handler"),
    (AI, "GET", "/ai/health"): ("AiHealthFunction", "ai.app.handler"),
    (AI, "GET", "/ai/openapi.json"): ("AiOpenApiFunction", "ai.app.handler"),
}
WEBSOCKET_ROUTE_KEYS = {"$connect", "$disconnect", "$default", "subscribe", "unsubscribe", "ping"}
SCHEDULES = {
    "AccountSyncFunction": ("jobs.app.account_sync", "rate(1 minute)"),
    "ReconcileFunction": ("jobs.app.reconcile", "rate(5 minutes)"),
    "HealthMonitorFunction": ("jobs.app.health_monitor", "rate(1 minute)"),
}
AI_FUNCTIONS = {"AnalyzeFunction", "AiHealthFunction"}
# SQS workers: (handler, queue); their timeout is their own, the queue's visibility covers it
QUEUE_WORKERS = {
    "AutoTradeWorkerFunction": ("jobs.app.autotrade", "AutoTradeQueue"),
    "OutboxDrainFunction": ("jobs.app.outbox_drain", "TradeOutbox"),
    "ReconcileWorkerFunction": ("jobs.app.reconcile_worker", "ReconcileQueue"),
}
TEMPLATE = SamTemplate.load()
FUNCTIONS = TEMPLATE.functions()


def _resource(name: str) -> dict[str, Any]:
    return TEMPLATE.resources[name]


# ------------------------------------------------------------------------------------ layout


def test_template_sections_follow_the_aws_samples_order() -> None:
    sections = [
        key for key in TEMPLATE.document if key in ("Parameters", "Conditions", "Globals", "Resources", "Outputs")
    ]
    assert sections == ["Parameters", "Conditions", "Globals", "Resources", "Outputs"]


def test_resources_list_data_stores_then_layer_then_functions_then_apis() -> None:
    order = list(TEMPLATE.resources)
    last_store = max(order.index(name) for name in (*TEMPLATE.tables(), *TEMPLATE.queues()))
    first_function = min(order.index(name) for name in FUNCTIONS)
    last_function = max(order.index(name) for name in FUNCTIONS)
    assert last_store < order.index("TradecoreLayer") < first_function
    assert last_function < order.index("CoreHttpApi") < order.index("WebSocketApi") < order.index("StreamCluster")


def test_choice_parameters_declare_their_allowed_values() -> None:
    for name in ("Environment", "LogLevel", "RegistrationMode", "BinanceTestnet", "BinanceMainnetEnabled"):
        assert TEMPLATE.parameters[name]["AllowedValues"], name
    assert TEMPLATE.parameters["BinanceMainnetEnabled"]["Default"] == "false"
    assert TEMPLATE.parameters["DeploymentType"]["Default"].startswith("Canary")


# ------------------------------------------------------------------------------ function map


@pytest.mark.parametrize(("key", "expected"), sorted(HTTP_ROUTES.items()), ids=lambda v: " ".join(v[1:]))
def test_every_http_route_of_the_function_map_exists_exactly_once(
    key: tuple[str, str, str], expected: tuple[str, str]
) -> None:
    api, method, path = key
    matches = [r for r in TEMPLATE.http_routes() if (r.api, r.method, r.path) == key]
    assert [(r.function, r.handler) for r in matches] == [expected], f"{method} {path} on {api}"


def test_no_http_route_outside_the_function_map() -> None:
    declared = {(r.api, r.method, r.path) for r in TEMPLATE.http_routes()}
    assert declared == set(HTTP_ROUTES)


def test_one_function_per_endpoint() -> None:
    functions = [r.function for r in TEMPLATE.http_routes()]
    assert len(functions) == len(set(functions))


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_handler_resolves_to_a_module_under_functions_with_that_attribute(name: str) -> None:
    function = FUNCTIONS[name]
    source_path = FUNCTIONS_DIR.joinpath(*function.module.split(".")).with_suffix(".py")
    assert source_path.is_file(), f"{name}: {function.handler} needs {source_path.relative_to(ROOT)}"
    tree = ast.parse(source_path.read_text())
    defined = {node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)}
    defined |= {
        target.id
        for node in tree.body
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    assert function.attribute in defined, f"{name}: {source_path.relative_to(ROOT)} defines no {function.attribute}"


def test_websocket_routes_all_invoke_the_websocket_function() -> None:
    routes = TEMPLATE.websocket_routes()
    assert {r.route_key for r in routes} == WEBSOCKET_ROUTE_KEYS
    assert {(r.function, r.handler) for r in routes} == {("WebSocketFunction", "ws.app.handler")}
    assert TEMPLATE.websocket_apis() == {"WebSocketApi": "$request.body.action"}


def test_queue_workers_consume_their_queue_in_batches_reporting_item_failures() -> None:
    found = {}
    for name, function in FUNCTIONS.items():
        for event in function.events.values():
            if event["Type"] == "SQS":
                props = event["Properties"]
                assert props["BatchSize"] == 10, name
                assert props["FunctionResponseTypes"] == ["ReportBatchItemFailures"], name
                found[name] = (function.handler, next(iter(referenced_resources(props["Queue"]))))
    assert found == QUEUE_WORKERS


def test_schedules_fire_the_jobs_at_their_rates() -> None:
    found = {s.function: (s.handler, s.expression) for s in TEMPLATE.schedules() if s.enabled}
    assert found == SCHEDULES


# ------------------------------------------------------------------------- runtime settings


def test_globals_set_runtime_architecture_tracing_layer_and_canary_alias() -> None:
    for function in FUNCTIONS.values():
        props = function.properties
        assert function.runtime == "python3.12"
        assert props["Architectures"] == ["arm64"]
        assert props["Tracing"] == "Active"
        assert props["Layers"] == [{"Ref": "TradecoreLayer"}]
        assert props["AutoPublishAlias"] == "live"
        assert props["DeploymentPreference"]["Type"] == {"Ref": "DeploymentType"}


def test_layer_is_built_for_python312_on_arm64() -> None:
    layer = _resource("TradecoreLayer")
    assert layer["Properties"]["ContentUri"] == "layers/tradecore/"
    assert layer["Properties"]["CompatibleRuntimes"] == ["python3.12"]
    assert layer["Properties"]["CompatibleArchitectures"] == ["arm64"]
    assert layer["Metadata"] == {"BuildMethod": "python3.12", "BuildArchitecture": "arm64"}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_memory_size_follows_the_spec(name: str) -> None:
    assert FUNCTIONS[name].memory_size == (1536 if name in AI_FUNCTIONS else 1024)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_timeouts_fit_api_gateway_and_the_schedules(name: str) -> None:
    timeout = FUNCTIONS[name].timeout
    assert timeout is not None
    schedules = [s for s in TEMPLATE.schedules() if s.function == name]
    if name in QUEUE_WORKERS:
        queue = TEMPLATE.queues()[QUEUE_WORKERS[name][1]]
        assert queue.visibility_timeout is not None
        assert queue.visibility_timeout >= 6 * timeout, "Lambda advises a visibility of 6 x the timeout"
    elif schedules:
        period = schedules[0].rate_seconds
        assert period is not None
        assert 29 < timeout < period, "a job may run longer than a request but must end before its next tick"
    else:
        assert timeout <= 29, "API Gateway gives up at 30 s"


def test_every_environment_variable_is_one_the_code_reads() -> None:
    known = {name.upper() for name in Settings.model_fields}
    for function in FUNCTIONS.values():
        unknown = {key for key in function.environment if key not in known and not key.startswith("POWERTOOLS_")}
        assert not unknown, f"{function.logical_id}: {unknown} are not Settings fields"


def test_resource_names_reach_code_only_through_references() -> None:
    expected = {
        "CONNECTIONS_TABLE": "ConnectionsTable",
        "IDEMPOTENCY_TABLE": "IdempotencyTable",
        "SERVICE_STATE_TABLE": "ServiceStateTable",
        "TRADE_OUTBOX_QUEUE_URL": "TradeOutbox",
        "APP_SECRETS_ARN": "AppSecret",
        "WEBSOCKET_MANAGEMENT_URL": "WebSocketApi",
    }
    for function in FUNCTIONS.values():
        for variable, resource in expected.items():
            assert resource in referenced_resources(function.environment[variable]), (function.logical_id, variable)
        for key in ("POWERTOOLS_SERVICE_NAME", "POWERTOOLS_METRICS_NAMESPACE", "POWERTOOLS_LOG_LEVEL", "ENVIRONMENT"):
            assert key in function.environment, (function.logical_id, key)


def test_ai_url_is_given_to_core_functions_but_never_to_the_ai_functions() -> None:
    # The AI API's integrations point at the AI functions: referencing it from them is a cycle.
    for name, function in FUNCTIONS.items():
        refers_to_ai = "AiHttpApi" in referenced_resources(function.environment)
        if name in AI_FUNCTIONS:
            assert not refers_to_ai, name
        elif function.handler == "trade.app.handler":
            assert refers_to_ai, name


def test_mainnet_can_never_be_on_together_with_the_testnet() -> None:
    resolver_values = {"BinanceMainnetEnabled": "true", "BinanceTestnet": "true"}
    refs = {name: name for name in TEMPLATE.resources}
    attributes = {"DashboardDistribution.DomainName": "d1.cloudfront.net"}
    resolver = TEMPLATE.resolver(resolver_values, refs=refs, attributes=attributes)
    env = TEMPLATE.function_environment("ExecuteTradeFunction", resolver)
    assert (env["BINANCE_MAINNET_ENABLED"], env["BINANCE_TESTNET"]) == ("true", "false")


@pytest.mark.parametrize("handler", ["trade.app.handler", "auth.app.handler", "ai.app.handler"])
def test_every_route_an_app_serves_is_reachable_through_the_template(handler: str) -> None:
    # A route the FastAPI app serves but the template lacks would work locally and 404 in AWS.
    module = importlib.import_module(handler.rpartition(".")[0])
    served = _served_routes(module.app.routes)
    assert served, f"{handler}: no route found (has FastAPI changed how it keeps included routers?)"
    declared = {(r.method, r.path) for r in TEMPLATE.http_routes() if r.handler == handler}
    assert served <= declared, f"missing from template.yaml: {sorted(served - declared)}"


def _served_routes(routes: list[Any], prefix: str = "") -> set[tuple[str, str]]:
    """(method, path) of every API route, inside included routers too: FastAPI >= 0.165 keeps an
    included router as one ``_IncludedRouter`` entry instead of copying its routes into the app."""
    from fastapi.routing import APIRoute

    served: set[tuple[str, str]] = set()
    for route in routes:
        if isinstance(route, APIRoute):
            served |= {(method, prefix + route.path) for method in (route.methods or set()) - {"HEAD", "OPTIONS"}}
        elif (included := getattr(route, "original_router", None)) is not None:
            served |= _served_routes(included.routes, prefix + route.include_context.prefix)
    return served
