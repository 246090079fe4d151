"""``@connections`` posts for a long-lived sender: one aiohttp session, SigV4 signed, asynchronous.

A boto3 ``post_to_connection`` costs about a millisecond of CPU per call (request building, event
hooks, response parsing) and a thread per post in flight, so a worker posting one tick to a thousand
clients spends most of a second and all of its GIL on the client library. The stream task posts
thousands of messages a second, so it sends them itself: the same request boto3 sends (``POST
{endpoint}/@connections/{id}``, the body as is, signed with SigV4 for ``execute-api`` by botocore's
signer from the task role's credentials), over one keep-alive connection pool on an event loop in
its own thread. ``post`` is called from any thread and waits for its message's posts.

Per connection, as API Gateway answers: 200 delivered; 410 (``GoneException``) gone, not retried;
anything else (403 throttling or forbidden, 5xx, a timeout, a reset) retried once after
``retry_delay``, then reported as failed. Functions keep the boto3 sender: they post a few messages
per invocation, and importing aiohttp would slow every cold start.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import aiohttp
import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from yarl import URL

from tradecore.domain.realtime import DeliveryReport, MessageType, frame
from tradecore.errors import ConfigurationError
from tradecore.observability import logger

POSTS_IN_FLIGHT = 128
POST_TIMEOUT_SECONDS = 5.0
_GONE = 410


class SignedConnectionPoster:
    """Posts one message to many connections concurrently (``POSTS_IN_FLIGHT`` at once); never raises."""

    def __init__(
        self,
        endpoint_url: str,
        region: str,
        *,
        in_flight: int = POSTS_IN_FLIGHT,
        retry_delay: float = 0.05,
        timeout: float = POST_TIMEOUT_SECONDS,
    ) -> None:
        self._base = endpoint_url.rstrip("/") + "/@connections/"
        self._region = region
        self._in_flight = in_flight
        self._retry_delay = retry_delay
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        credentials = boto3.session.Session().get_credentials()  # refreshed by botocore when temporary
        if credentials is None:
            raise ConfigurationError("no AWS credentials to sign @connections posts with")
        self._credentials = credentials
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._session: aiohttp.ClientSession | None = None
        self._slots = asyncio.Semaphore(in_flight)  # one per loop: bound to it on first use

    def post(
        self, connection_ids: Sequence[str], message_type: MessageType, data: dict[str, Any], trace_id: str | None
    ) -> DeliveryReport:
        ids = list(connection_ids)
        if not ids:
            return DeliveryReport(delivered=0)
        payload = frame(message_type, data, trace_id)
        outcomes = asyncio.run_coroutine_threadsafe(self._post_all(ids, payload), self._running_loop()).result()
        return DeliveryReport(
            delivered=sum(status == 200 for status in outcomes),
            gone=tuple(cid for cid, status in zip(ids, outcomes, strict=True) if status == _GONE),
            failed=tuple(cid for cid, status in zip(ids, outcomes, strict=True) if status not in (200, _GONE)),
        )

    def shutdown(self) -> None:
        with self._lock:
            loop, thread, session = self._loop, self._thread, self._session
            self._loop = self._thread = self._session = None
        if loop is None or thread is None:
            return
        if session is not None:
            asyncio.run_coroutine_threadsafe(session.close(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)

    def _running_loop(self) -> asyncio.AbstractEventLoop:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(target=loop.run_forever, name="connection-poster", daemon=True)
                thread.start()
                self._loop, self._thread = loop, thread
                self._slots = asyncio.Semaphore(self._in_flight)
            return self._loop

    async def _post_all(self, ids: list[str], payload: bytes) -> list[int | None]:
        if self._session is None:  # made on the loop's own thread, as aiohttp requires
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._in_flight), timeout=self._timeout
            )
        session, slots = self._session, self._slots
        signer = SigV4Auth(self._credentials.get_frozen_credentials(), "execute-api", self._region)
        return list(await asyncio.gather(*(self._post_one(session, slots, signer, cid, payload) for cid in ids)))

    async def _post_one(
        self,
        session: aiohttp.ClientSession,
        slots: asyncio.Semaphore,
        signer: SigV4Auth,
        connection_id: str,
        payload: bytes,
    ) -> int | None:
        url = self._base + quote(connection_id, safe="")
        status: int | None = None
        for attempt in range(2):
            request = AWSRequest(method="POST", url=url, data=payload)
            signer.add_auth(request)
            try:
                async with (
                    slots,
                    session.post(
                        URL(url, encoded=True), data=payload, headers=dict(request.headers.items())
                    ) as response,
                ):
                    status = response.status
                    await response.read()
            except (aiohttp.ClientError, TimeoutError) as exc:
                status = None
                logger.debug("post failed", extra={"connection_id": connection_id, "error": repr(exc)})
            if status in (200, _GONE):
                return status
            if attempt == 0:
                await asyncio.sleep(self._retry_delay)
        return status
