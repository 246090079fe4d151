"""SQS event source mappings of the template, run locally: poll each mapped queue in moto and
invoke the function with the event Lambda's poller would send.

Every ``Type: SQS`` event of a function is a mapping (``Queue``, ``BatchSize`` (10),
``MaximumBatchingWindowInSeconds`` (0), ``FunctionResponseTypes``, ``Enabled``). Its poller long
polls (1 s, so a stop is quick) for up to ``min(BatchSize, 10)`` messages, keeps receiving until the
batch is full or the batching window has passed, and invokes the function with the batch. Then, as
Lambda does: a successful invocation deletes the whole batch, or with ``ReportBatchItemFailures``
all but the messages its ``batchItemFailures`` name; a failed or timed-out invocation, or a partial
response Lambda would reject, deletes nothing, so the messages reappear after the queue's
visibility timeout and the queue's redrive policy moves them to its dead-letter queue after
``maxReceiveCount`` receives (moto does that, as SQS does). An unreachable queue is retried with
backoff; the poller never stops by itself.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from devstack.local.resources import LocalResources
from devstack.local.sqs_mapping import SqsMapping, failed_message_ids, sqs_mappings, sqs_record
from devstack.template.stack import Stack

log = logging.getLogger("devstack.event_sources")
Invoke = Callable[[str, dict[str, Any]], Awaitable[Any]]
RunBlocking = Callable[..., Awaitable[Any]]  # (function, *args): run a blocking SQS call off the loop
LONG_POLL_SECONDS = 1
MAX_BACKOFF_SECONDS = 30.0
_RECEIVE_MAX = 10  # SQS's limit per ReceiveMessage / DeleteMessageBatch


class SqsPoller:
    """Receives batches from one mapped queue and hands them to the function until cancelled."""

    def __init__(
        self, mapping: SqsMapping, client: Callable[[], Any], invoke: Invoke, region: str, run: RunBlocking
    ) -> None:
        self.mapping = mapping
        self._client = client  # made on first use (importing boto3 and building a client takes a while)
        self.invoke = invoke
        self.region = region
        self._run_blocking = run
        self.polls = 0  # ReceiveMessage calls made
        self.invocations = 0

    async def run(self) -> None:
        """Poll and deliver until cancelled; an SQS error (a delete after a delivery included) is
        logged and retried with backoff, so the messages of that batch may come again."""
        failures = 0
        while True:
            try:
                batch = await self._receive_batch()
                if batch:
                    await self._deliver(batch)
            except (BotoCoreError, ClientError) as exc:  # moto not up, the queue missing: retry as Lambda does
                failures += 1
                delay = min(MAX_BACKOFF_SECONDS, 2.0 ** (failures - 1))
                name, arn = self.mapping.name, self.mapping.queue_arn
                log.warning("%s: polling %s failed (%s); retrying in %.0f s", name, arn, exc, delay)
                await asyncio.sleep(delay)
                continue
            failures = 0

    async def _receive_batch(self) -> list[dict[str, Any]]:
        """Long poll until a message comes, then gather until the batch is full or the window ends."""
        mapping = self.mapping
        batch: list[dict[str, Any]] = []
        deadline = 0.0
        while len(batch) < mapping.batch_size:
            wanted = min(_RECEIVE_MAX, mapping.batch_size - len(batch))
            received = await self._run_blocking(self._receive, wanted)
            if received and not batch:
                deadline = time.monotonic() + mapping.window_seconds
            batch.extend(received)
            if batch and time.monotonic() >= deadline:
                break
        return batch

    def _receive(self, count: int) -> list[dict[str, Any]]:
        self.polls += 1
        answer = self._client().receive_message(
            QueueUrl=self.mapping.queue_url,
            MaxNumberOfMessages=count,
            WaitTimeSeconds=LONG_POLL_SECONDS,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        return list(answer.get("Messages") or [])

    async def _deliver(self, batch: list[dict[str, Any]]) -> None:
        mapping = self.mapping
        names = (mapping.name, mapping.function)
        event = {"Records": [sqs_record(message, mapping.queue_arn, self.region) for message in batch]}
        self.invocations += 1
        try:
            outcome = await self.invoke(mapping.function, event)
        except Exception:
            log.exception("%s: invoking %s failed; the batch will be retried", *names)
            return
        if not getattr(outcome, "ok", True):
            error = "timed out" if getattr(outcome, "timed_out", False) else getattr(outcome, "error", None)
            log.error("%s: %s failed (%s); the batch will be retried", *names, error)
            return
        failed: set[str] | None = set()
        if mapping.report_failures:
            failed = failed_message_ids(getattr(outcome, "result", None), {m["MessageId"] for m in batch})
        if failed is None:
            log.error("%s: %s answered an invalid batchItemFailures; the batch will be retried", *names)
            return
        done = [message["ReceiptHandle"] for message in batch if message["MessageId"] not in failed]
        for start in range(0, len(done), _RECEIVE_MAX):
            await self._run_blocking(self._delete, done[start : start + _RECEIVE_MAX])

    def _delete(self, receipts: list[str]) -> None:
        entries = [{"Id": str(index), "ReceiptHandle": receipt} for index, receipt in enumerate(receipts)]
        answer = self._client().delete_message_batch(QueueUrl=self.mapping.queue_url, Entries=entries)
        for failure in answer.get("Failed") or []:
            log.warning("%s: deleting a message failed: %s", self.mapping.name, failure.get("Message"))


class EventSources:
    """One poller per enabled SQS mapping of the stack, started and stopped with the stack."""

    def __init__(self, stack: Stack, resources: LocalResources, invoke: Invoke, base_env: dict[str, str]) -> None:
        self.mappings = sqs_mappings(stack, resources)
        self.endpoint = resources.aws_endpoint
        self.region = resources.settings.region
        self.credentials = {
            "aws_access_key_id": base_env.get("AWS_ACCESS_KEY_ID", "devstack"),
            "aws_secret_access_key": base_env.get("AWS_SECRET_ACCESS_KEY", "devstack"),
        }
        self.pollers = {
            m.name: SqsPoller(m, self._sqs, invoke, self.region, self._blocking) for m in self.mappings if m.enabled
        }
        self._client: Any = None
        self._client_lock = threading.Lock()  # pollers ask for it from their threads at once
        self._executor: ThreadPoolExecutor | None = None
        self._tasks: list[asyncio.Task[None]] = []

    def _sqs(self) -> Any:
        """The one SQS client (thread-safe), made on first use; failures surface as a retried poll."""
        with self._client_lock:
            if self._client is None:
                import boto3
                from botocore.config import Config

                # one attempt per call: the poller's own backoff retries, and a stop is not delayed
                config = Config(
                    connect_timeout=2, read_timeout=LONG_POLL_SECONDS + 10, retries={"total_max_attempts": 1}
                )
                session = boto3.session.Session(region_name=self.region, **self.credentials)
                self._client = session.client("sqs", endpoint_url=self.endpoint, config=config)
            return self._client

    async def _blocking(self, function: Callable[..., Any], *args: Any) -> Any:
        # own threads: long polls must not hold the loop's default executor, others need it
        assert self._executor is not None  # noqa: S101 - set by start()
        return await asyncio.get_running_loop().run_in_executor(self._executor, function, *args)

    def start(self) -> None:
        if not self.pollers:
            return
        self._executor = ThreadPoolExecutor(max_workers=len(self.pollers) + 1, thread_name_prefix="event-sources")
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(poller.run()) for poller in self.pollers.values()]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)  # a long poll ends within a second
            self._executor = None
