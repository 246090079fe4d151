"""The OpenAPI documents, as the gateway serves them: valid OpenAPI 3.1, complete, and honest.

``GET /api/openapi.json`` (one document for the auth and trade apps, served by a trade function)
and ``GET /ai/openapi.json`` go through the real Lambda handlers with the sample events.
Validity is checked with jsonschema against the OpenAPI 3.1 schema published by the OpenAPI
Initiative (``tests/support/openapi_3_1_schema.json``, id https://spec.openapis.org/oas/3.1/schema/2022-10-07),
plus what that schema leaves out: every ``$ref`` resolves and every component is a valid JSON Schema.
Whether each route's listed statuses are the ones it really answers is proven for the auth routes
in ``test_auth_routes_documented.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import iter_route_contexts
from jsonschema import Draft202012Validator

from ai import app as ai_app
from auth import app as auth_app
from devstack.template.reader import SamTemplate
from tests.support.ai_events import analyze_body, analyze_event, invoke
from tests.support.fake_analysis import FakeAnalysisStore
from tests.support.openapi import check_answer
from trade import app as trade_app
from trade.routes.openapi import core_document
from tradecore.bootstrap import bootstrap
from tradecore.config import Settings
from tradecore.domain.health import ComponentHealth, HealthStatus

ROOT = Path(__file__).resolve().parents[2]
OAS_31_SCHEMA = json.loads((ROOT / "tests" / "support" / "openapi_3_1_schema.json").read_text())
HANDLERS = {"api_openapi": trade_app.handler, "ai_openapi": ai_app.handler}
APIS = {"api_openapi": "CoreHttpApi", "ai_openapi": "AiHttpApi"}
DOCUMENT_ROUTES = {"GET /api/openapi.json", "GET /ai/openapi.json"}
HTTP_METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}
ERROR_REF = "#/components/schemas/ErrorBody"
HEALTH_REF = "#/components/schemas/HealthBody"


@pytest.fixture(params=sorted(HANDLERS))
def served(
    request: pytest.FixtureRequest, load_event: Callable[[str], dict[str, Any]], lambda_context: Any
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(event name, the Lambda response, the document it carries)."""
    response = HANDLERS[request.param](load_event(request.param), lambda_context)
    return request.param, response, json.loads(response["body"])


def _operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield method.upper(), path, operation


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


def _resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref}: only local references are expected"
    node: Any = document
    for part in ref[2:].split("/"):
        part = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict), f"{ref} does not resolve"
        assert part in node, f"{ref} does not resolve"
        node = node[part]
    return node


def test_each_document_is_served_through_its_handler_as_valid_openapi_3_1(
    served: tuple[str, dict[str, Any], dict[str, Any]],
) -> None:
    name, response, document = served

    assert response["statusCode"] == 200
    assert response["headers"]["content-type"] == "application/json"
    assert response["headers"]["x-request-id"] == f"evt-{name.replace('_', '-')}-0001"
    errors = sorted(Draft202012Validator(OAS_31_SCHEMA).iter_errors(document), key=lambda e: list(e.path))
    assert not errors, "\n".join(f"{list(e.path)}: {e.message}" for e in errors[:10])
    assert document["openapi"].startswith("3.1.")
    for ref in set(_refs(document)):
        _resolve(document, ref)
    for schema in document["components"]["schemas"].values():
        Draft202012Validator.check_schema(schema)


def test_each_document_lists_the_routes_of_its_api_and_nothing_else(
    served: tuple[str, dict[str, Any], dict[str, Any]],
) -> None:
    name, _, document = served
    declared = {r.route_key for r in SamTemplate.load().http_routes() if r.api == APIS[name]}
    implemented = {
        f"{method} {route.path}"
        for app in ((auth_app.app, trade_app.app) if name == "api_openapi" else (ai_app.app,))
        for route in iter_route_contexts(app.routes)
        if route.include_in_schema
        for method in route.methods or ()
    }

    documented = {f"{method} {path}" for method, path, _ in _operations(document)}

    assert documented == implemented - DOCUMENT_ROUTES
    assert documented <= declared, f"documented but not routed by the gateway: {documented - declared}"
    # never vacuous: each document has the routes its API is for
    landmarks = {
        "api_openapi": {"POST /api/auth/login", "GET /api/account", "POST /api/trades/execute", "GET /api/positions"},
        "ai_openapi": {"POST /ai/analyze", "GET /ai/health"},
    }[name]
    assert landmarks <= documented


def test_every_refusal_is_documented_with_the_error_envelope(
    served: tuple[str, dict[str, Any], dict[str, Any]],
) -> None:
    _, _, document = served
    for method, path, operation in _operations(document):
        for status, response in operation["responses"].items():
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if status.startswith(("4", "5")):
                expected = HEALTH_REF if path.endswith("/health") else ERROR_REF
                assert schema == {"$ref": expected}, f"{method} {path} {status}"
            assert "X-Request-ID" in response["headers"], f"{method} {path} {status}"
            if status == "429":
                assert "Retry-After" in response["headers"], f"{method} {path}"
    envelope = document["components"]["schemas"]["ErrorBody"]
    detail = _resolve(document, envelope["properties"]["error"]["$ref"])
    assert set(detail["required"]) == {"code", "message", "trace_id"}
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_locked_routes_document_the_bearer_scheme_and_401_and_inputs_document_422(
    served: tuple[str, dict[str, Any], dict[str, Any]],
) -> None:
    _, _, document = served
    schemes = document["components"].get("securitySchemes", {})
    for method, path, operation in _operations(document):
        statuses = set(operation["responses"])
        for requirement in operation.get("security", []):
            for scheme in requirement:
                assert schemes[scheme] == {**schemes[scheme], "type": "http", "scheme": "bearer"}
            assert "401" in statuses, f"{method} {path}"
        if operation.get("parameters") or operation.get("requestBody"):
            assert "422" in statuses, f"{method} {path}"
        assert any(status.startswith("2") for status in statuses), f"{method} {path}"


def test_only_health_register_and_login_are_public() -> None:
    document = core_document()
    public = {f"{method} {path}" for method, path, operation in _operations(document) if not operation.get("security")}

    assert public == {"GET /api/health", "POST /api/auth/register", "POST /api/auth/login"}


def test_the_core_document_costs_trade_functions_nothing_at_cold_start(tmp_path: Path) -> None:
    # the auth routers are imported on the document's first request, not when trade.app loads
    probe = (
        "import json, sys\n"
        "import trade.app\n"
        "before = sorted(m for m in sys.modules if m == 'auth' or m.startswith(('auth.', 'tradecore.http_openapi')))\n"
        "from trade.routes.openapi import core_document\n"
        "paths = sorted(core_document()['paths'])\n"
        "print(json.dumps({'before': before, 'paths': paths}))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "functions"), str(ROOT / "layers" / "tradecore")])}
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path, check=False, timeout=60
    )
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])

    assert report["before"] == []
    assert "/api/auth/login" in report["paths"]
    assert "/api/health" in report["paths"]


class _UpMongo:
    name = "mongodb"

    def check(self) -> ComponentHealth:
        return ComponentHealth("mongodb", HealthStatus.OK)


def test_the_ai_routes_answer_only_what_the_ai_document_lists(
    make_settings: Callable[..., Settings], load_event: Callable[[str], dict[str, Any]], lambda_context: Any
) -> None:
    document = json.loads(ai_app.handler(load_event("ai_openapi"), lambda_context)["body"])
    container = bootstrap(make_settings(), analysis_store=FakeAnalysisStore(), mongo_probe=_UpMongo())
    ai_app.app.state.container = container
    analyze = load_event("ai_analyze")
    cases = [
        ("POST /ai/analyze", analyze, 200),
        ("POST /ai/analyze", analyze_event(analyze, analyze_body(), token=None), 401),
        ("POST /ai/analyze", analyze_event(analyze, analyze_body(symbol="DOGEUSDT")), 422),
        ("POST /ai/analyze", analyze_event(analyze, {"symbol": "BTCUSDT"}), 422),
        ("GET /ai/health", load_event("ai_health"), 200),
    ]
    try:
        for route, event, expected in cases:
            status, body, headers = invoke(ai_app, event, lambda_context)

            assert status == expected, body
            check_answer(document, route, status, body, headers)
    finally:
        container.analysis_service.pending.close()
        ai_app.app.state.container = None
