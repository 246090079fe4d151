"""Requests as the gateway sends them, and answers judged by the OpenAPI document it serves.

:func:`gateway_event` builds an API Gateway v2 event for any route of ``template.yaml`` from its
sample in ``events/`` (headers, body, query and path parameters replaced); :func:`check_answer`
asserts that an answer is one the document lists for that route, with the documented body.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parents[2]
SAMPLES: dict[str, dict[str, Any]] = {
    event["routeKey"]: event
    for event in (json.loads(path.read_text()) for path in sorted((ROOT / "events").glob("*.json")))
    if event.get("version") == "2.0"
}


def gateway_event(
    route: str,
    *,
    authorization: str | None = None,
    body: Any = None,
    raw_body: bytes | None = None,
    content_type: str | None = "application/json",
    query: str = "",
    path_parameters: dict[str, str] | None = None,
    trace: str = "openapi-check-0001",
) -> dict[str, Any]:
    """``route``'s sample event (e.g. ``"PATCH /api/admin/users/{user_id}"``) with these parts instead.

    ``body`` is sent as JSON text, ``raw_body`` as base64 bytes (as the gateway passes a body that is
    not UTF-8); a parameter missing from ``path_parameters`` keeps the sample's value.
    """
    event: dict[str, Any] = json.loads(json.dumps(SAMPLES[route]))
    headers = {k: v for k, v in event["headers"].items() if k not in ("authorization", "content-type")}
    headers["x-request-id"] = trace
    if authorization is not None:
        headers["authorization"] = authorization
    if content_type is not None:
        headers["content-type"] = content_type
    event["headers"] = headers
    event.pop("body", None)
    event["isBase64Encoded"] = False
    if raw_body is not None:
        event["body"], event["isBase64Encoded"] = base64.b64encode(raw_body).decode(), True
    elif body is not None:
        event["body"] = json.dumps(body)
    if path_parameters:
        parameters = {**event.get("pathParameters", {}), **path_parameters}
        path = re.sub(r"\{(\w+)\}", lambda m: quote(parameters[m.group(1)], safe=""), route.split(" ", 1)[1])
        event["rawPath"] = event["requestContext"]["http"]["path"] = path
        event["pathParameters"] = parameters
    event["rawQueryString"] = query
    event.pop("queryStringParameters", None)
    return event


def documented(document: dict[str, Any], route: str) -> dict[int, dict[str, Any]]:
    """Status -> the documented response of ``route`` (``"METHOD /path"``)."""
    method, path = route.split(" ", 1)
    return {int(status): answer for status, answer in document["paths"][path][method.lower()]["responses"].items()}


def check_answer(document: dict[str, Any], route: str, status: int, body: Any, headers: dict[str, str]) -> None:
    """``status`` is listed for ``route`` and the answer has the shape the document gives for it."""
    responses = documented(document, route)
    assert status in responses, f"{route} answered {status} ({body}); the document lists {sorted(responses)}"
    content = responses[status].get("content")
    if content is None:
        assert body is None, f"{route} {status}: documented without a body, answered {body!r}"
        return
    registry = Registry().with_resource("urn:doc", Resource.from_contents(document, default_specification=DRAFT202012))
    method, path = route.split(" ", 1)
    pointer = "/".join(
        part.replace("~", "~0").replace("/", "~1")
        for part in ("paths", path, method.lower(), "responses", str(status), "content", "application/json", "schema")
    )
    schema = {"$ref": f"urn:doc#/{pointer}"}  # where the document gives it, so its own references resolve
    errors = list(Draft202012Validator(schema, registry=registry).iter_errors(body))
    assert not errors, f"{route} {status}: {errors[0].message} in {body}"
    if status >= 400:
        assert body["error"]["trace_id"] == headers["x-request-id"]
    if status == 429:
        assert int(headers["retry-after"]) >= 1
