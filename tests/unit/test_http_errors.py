"""One error mapping for every HTTP function: status, code, message, trace id; no internals."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field

from tradecore import errors
from tradecore.http_api import create_app
from tradecore.http_responses import error_responses

app = create_app("test")


class Order(BaseModel):
    symbol: str = Field(min_length=5)
    quantity: float = Field(gt=0)


@app.post("/orders")
def place(order: Order) -> dict[str, str]:
    return {"symbol": order.symbol}


@app.get("/raise/{kind}")
def raise_error(kind: str) -> None:
    raise {
        "invalid": errors.InvalidInputError("quantity: below the minimum"),
        "auth": errors.AuthenticationError(),
        "forbidden": errors.ForbiddenError(),
        "missing": errors.NotFoundError("trade not found"),
        "conflict": errors.ConflictError("email already registered"),
        "limited": errors.RateLimitedError(retry_after=42),
        "down": errors.DependencyUnavailableError("MongoDB is unavailable", dependency="mongodb"),
        "rejected": errors.InsufficientFundsError(exchange_code=-2010, reason="Account has insufficient balance"),
        "bug": RuntimeError("connection string mongodb://admin:hunter2@db"),
        "operational": errors.OperationalError("Unexpected Binance error -1000: internal detail"),
    }[kind]


client = TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("invalid", 422, "validation_error"),
        ("auth", 401, "unauthorized"),
        ("forbidden", 403, "forbidden"),
        ("missing", 404, "not_found"),
        ("conflict", 409, "conflict"),
        ("limited", 429, "rate_limited"),
        ("down", 503, "dependency_unavailable"),
        ("rejected", 422, "insufficient_funds"),
        ("bug", 500, "internal_error"),
        ("operational", 500, "operational_error"),
    ],
)
def test_each_error_kind_maps_to_its_status_and_code(kind: str, status: int, code: str) -> None:
    response = client.get(f"/raise/{kind}", headers={"X-Request-ID": f"trace-{kind}"})
    assert response.status_code == status
    assert response.json() == {
        "error": {"code": code, "message": response.json()["error"]["message"], "trace_id": f"trace-{kind}"}
    }
    assert response.json()["error"]["message"]
    assert response.headers["X-Request-ID"] == f"trace-{kind}"


def test_an_unexpected_exception_leaks_nothing() -> None:
    body = client.get("/raise/bug").text
    assert "hunter2" not in body
    assert "RuntimeError" not in body
    assert "Traceback" not in body


def test_a_deliberate_500_keeps_its_detail_in_the_log_only() -> None:
    body = client.get("/raise/operational").json()
    assert body["error"]["message"] == errors.OperationalError.default_message
    assert "internal detail" not in str(body)


def test_rate_limited_carries_retry_after() -> None:
    assert client.get("/raise/limited").headers["Retry-After"] == "42"


def test_exchange_rejection_keeps_the_exchange_reason() -> None:
    assert "insufficient balance" in client.get("/raise/rejected").json()["error"]["message"]


def test_schema_errors_name_the_field() -> None:
    response = client.post("/orders", json={"symbol": "BTCUSDT", "quantity": -1})
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "validation_error"
    assert "quantity" in response.json()["error"]["message"]


def test_unknown_route_and_method_use_the_same_shape() -> None:
    assert client.get("/nowhere").json()["error"]["code"] == "not_found"
    assert client.get("/orders").json()["error"]["code"] == "method_not_allowed"


def test_a_trace_id_is_generated_when_absent_or_malformed() -> None:
    generated = client.get("/raise/missing").headers["X-Request-ID"]
    assert len(generated) == 32
    replaced = client.get("/raise/missing", headers={"X-Request-ID": "bad id\nwith newline"})
    assert replaced.headers["X-Request-ID"] != "bad id\nwith newline"
    assert replaced.json()["error"]["trace_id"] == replaced.headers["X-Request-ID"]


def test_the_document_gives_fastapis_own_422_the_envelope_it_really_answers() -> None:
    # /orders declares no 422: FastAPI would document its own {"detail": [...]} shape, never sent
    operation = app.openapi()["paths"]["/orders"]["post"]

    assert operation["responses"]["422"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    assert "HTTPValidationError" not in app.openapi()["components"]["schemas"]
    assert all("X-Request-ID" in response["headers"] for response in operation["responses"].values())


def test_an_app_serves_its_document_only_where_the_gateway_routes_to_it() -> None:
    documented = TestClient(create_app("documented", openapi_url="/svc/openapi.json"))

    assert documented.get("/svc/openapi.json").json()["info"]["title"] == "tradecore documented"
    for path in ("/openapi.json", "/docs", "/redoc"):
        assert client.get(path).json()["error"]["code"] == "not_found"
        assert documented.get(path).status_code == 404


def test_error_responses_refuse_a_reason_for_a_status_not_listed() -> None:
    with pytest.raises(ValueError, match="409"):
        error_responses(401, reasons={409: "taken"})
    with pytest.raises(KeyError):
        error_responses(418)
