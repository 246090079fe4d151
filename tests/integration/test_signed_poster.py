"""The stream task's ``@connections`` poster against a scripted management API on 127.0.0.1.

What API Gateway would see: ``POST {endpoint}/@connections/{id}`` with the id percent-encoded, the
message as the body, a SigV4 signature for ``execute-api`` that verifies with the caller's
credentials; and what the poster makes of the answers: 200 delivered, 410 gone and never retried,
anything else retried once and then reported as failed.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import boto3
import pytest
from aiohttp import web
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tradecore.adapters.aws.signed_poster import SignedConnectionPoster
from tradecore.domain.realtime import MessageType

REGION = "us-east-1"


@dataclass
class ManagementApi:
    """Answers each connection id with its scripted statuses in turn (200 once the script is used up)."""

    port: int = 0
    script: dict[str, list[int]] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    requests: list[tuple[str, dict[str, str], bytes]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        connection_id = request.match_info["connection_id"]
        self.calls[connection_id] += 1
        self.requests.append((request.raw_path, dict(request.headers), body))
        statuses = self.script.get(connection_id, [])
        status = statuses.pop(0) if statuses else 200
        return web.Response(status=status)


@pytest.fixture
def management_api() -> Iterator[ManagementApi]:
    api = ManagementApi()
    loop = asyncio.new_event_loop()
    started = threading.Event()

    async def serve() -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/dev/@connections/{connection_id}", api.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        api.port = runner.addresses[0][1]
        return runner

    runner_box: list[web.AppRunner] = []

    def run() -> None:
        asyncio.set_event_loop(loop)
        runner_box.append(loop.run_until_complete(serve()))
        started.set()
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10)
    yield api
    asyncio.run_coroutine_threadsafe(runner_box[0].cleanup(), loop).result(10)
    loop.call_soon_threadsafe(loop.stop)
    thread.join(10)


def _poster(api: ManagementApi) -> SignedConnectionPoster:
    return SignedConnectionPoster(f"http://127.0.0.1:{api.port}/dev", REGION, retry_delay=0.01)


def test_signed_poster_sends_each_connection_the_message_signed_for_execute_api(management_api: ManagementApi) -> None:
    poster = _poster(management_api)
    ids = ["L0SM9cOFvHcCIhw=", *[f"conn-{n}" for n in range(200)]]
    try:
        report = poster.post(ids, MessageType.PRICE_UPDATE, {"symbol": "BTCUSDT", "price": "97000.5"}, "trace-1")
    finally:
        poster.shutdown()

    assert report.delivered == len(ids)
    assert (report.gone, report.failed) == ((), ())
    assert sorted(management_api.calls) == sorted(ids)  # each exactly once
    assert set(management_api.calls.values()) == {1}
    raw_path, headers, body = next(r for r in management_api.requests if "L0SM9" in r[0])
    assert raw_path == "/dev/@connections/L0SM9cOFvHcCIhw%3D"  # the id percent-encoded, as boto3 sends it
    assert json.loads(body) == {
        "type": "price_update",
        "data": {"symbol": "BTCUSDT", "price": "97000.5"},
        "trace_id": "trace-1",
    }
    # the signature is the one botocore computes for this request with the environment's credentials
    authorization = headers["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=testing/")
    assert f"/{REGION}/execute-api/aws4_request" in authorization
    environment = boto3.session.Session().get_credentials().get_frozen_credentials()
    signer = SigV4Auth(
        Credentials(environment.access_key, environment.secret_key, environment.token), "execute-api", REGION
    )
    signed = {name: headers[name] for name in ("X-Amz-Date", "X-Amz-Security-Token") if name in headers}
    request = AWSRequest(
        method="POST", url=f"http://127.0.0.1:{management_api.port}{raw_path}", data=body, headers=signed
    )
    request.context["timestamp"] = headers["X-Amz-Date"]
    expected = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
    assert authorization.endswith(f"Signature={expected}")


def test_signed_poster_forgets_gone_connections_and_retries_other_failures_once(
    management_api: ManagementApi,
) -> None:
    management_api.script = {
        "gone": [410],
        "flaky": [500],  # fails once, then delivered by the retry
        "throttled": [429, 429],  # fails twice: reported failed, not retried a third time
        "forbidden": [403, 403],
    }
    poster = _poster(management_api)
    try:
        report = poster.post(
            ["ok", "gone", "flaky", "throttled", "forbidden"], MessageType.SERVICE_STATUS, {"overall": "ok"}, None
        )
    finally:
        poster.shutdown()

    assert report.delivered == 2  # ok, flaky
    assert report.gone == ("gone",)
    assert sorted(report.failed) == ["forbidden", "throttled"]
    assert management_api.calls == Counter({"ok": 1, "gone": 1, "flaky": 2, "throttled": 2, "forbidden": 2})


def test_signed_poster_reports_an_unreachable_api_as_failed_without_raising() -> None:
    poster = SignedConnectionPoster("http://127.0.0.1:9/dev", REGION, retry_delay=0.01, timeout=2)  # discard port
    try:
        report = poster.post(["a", "b"], MessageType.PRICE_UPDATE, {"price": "1"}, None)
    finally:
        poster.shutdown()
    assert (report.delivered, report.gone, sorted(report.failed)) == (0, (), ["a", "b"])
