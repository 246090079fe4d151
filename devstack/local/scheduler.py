"""EventBridge schedules of the template, fired locally with the "Scheduled Event" payload.

``rate(...)`` and ``cron(...)`` (AWS's six-field form: minutes hours day-of-month month
day-of-week year, ``?`` allowed, day-of-week 1-7 = SUN-SAT) are supported; cron parsing is
croniter's. A time scale (``DEVSTACK_TIME_SCALE=60``) runs the schedule clock faster, so a
``rate(1 minute)`` fires every second in tests. Like EventBridge, a rate rule first fires one
period after it is created. A failing target is logged; the schedule keeps firing.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from croniter import croniter

from devstack.template.intrinsics import ACCOUNT_ID, TemplateError
from devstack.template.reader import ScheduleSpec, rate_seconds

log = logging.getLogger("devstack.scheduler")
_CRON = re.compile(r"^cron\((.+)\)$")
Invoke = Callable[[str, dict[str, Any]], Awaitable[Any]]


def _aws_dow_to_cron(field: str) -> str:
    if field in ("?", "*"):
        return "*"
    # AWS numbers days 1-7 from Sunday; croniter 0-6. Only numbers before any '#' shift.
    return re.sub(r"(?<![#\d])(\d)", lambda m: str(int(m.group(1)) - 1), field)


def _years(field: str) -> set[int] | None:
    if field in ("*", "?"):
        return None
    years: set[int] = set()
    for part in field.split(","):
        low, _, high = part.partition("-")
        years.update(range(int(low), int(high or low) + 1))
    return years


class CronSchedule:
    """Next fire times of an AWS ``cron(...)`` expression (UTC)."""

    def __init__(self, expression: str, where: str) -> None:
        match = _CRON.match(expression.strip())
        fields = match.group(1).split() if match else []
        if len(fields) != 6:
            raise TemplateError(f"{where}: expected cron(min hour day month weekday year), got {expression!r}")
        minute, hour, dom, month, dow, year = fields
        self.spec = " ".join([minute, hour, "*" if dom == "?" else dom, month, _aws_dow_to_cron(dow)])
        try:
            self.years = _years(year)
            croniter(self.spec)
        except (ValueError, KeyError) as exc:
            raise TemplateError(f"{where}: {expression!r} is not a valid cron expression: {exc}") from None

    def next_after(self, moment: datetime) -> datetime | None:
        iterator = croniter(self.spec, moment)
        for _ in range(10_000):
            candidate: datetime = iterator.get_next(datetime)
            if self.years is None or candidate.year in self.years:
                return candidate
            if self.years and candidate.year > max(self.years):
                return None
        return None


def scheduled_event(rule_name: str, region: str, moment: datetime) -> dict[str, Any]:
    """The payload EventBridge sends a rule's target."""
    return {
        "version": "0",
        "id": str(uuid.uuid4()),
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": ACCOUNT_ID,
        "time": moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "region": region,
        "resources": [f"arn:aws:events:{region}:{ACCOUNT_ID}:rule/{rule_name}"],
        "detail": {},
    }


class Scheduler:
    """Fires every enabled schedule on a (possibly scaled) clock until stopped."""

    def __init__(
        self, schedules: list[ScheduleSpec], invoke: Invoke, time_scale: float = 1.0, region: str = "us-east-1"
    ):
        self.schedules = [s for s in schedules if s.enabled]
        self.invoke = invoke
        self.scale = time_scale
        self.region = region
        self.fired: dict[str, int] = {s.name: 0 for s in self.schedules}
        self._tasks: list[asyncio.Task[None]] = []
        self._start_real = time.monotonic()
        self._start_virtual = datetime.now(UTC)
        for schedule in self.schedules:  # validate all at start, naming the bad one
            if rate_seconds(schedule.expression) is None:
                CronSchedule(schedule.expression, f"Resources.{schedule.function}.Events ({schedule.name})")

    def virtual_now(self) -> datetime:
        elapsed = (time.monotonic() - self._start_real) * self.scale
        return self._start_virtual + timedelta(seconds=elapsed)

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._tasks = [loop.create_task(self._run(schedule)) for schedule in self.schedules]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._tasks.clear()

    async def _run(self, schedule: ScheduleSpec) -> None:
        period = rate_seconds(schedule.expression)
        cron = None if period is not None else CronSchedule(schedule.expression, schedule.name)
        next_fire = self.virtual_now() + timedelta(seconds=period) if period is not None else None
        while True:
            if cron is not None:
                next_fire = cron.next_after(self.virtual_now())
                if next_fire is None:
                    return
            assert next_fire is not None  # noqa: S101 - set for rate, computed for cron
            wait = (next_fire - self.virtual_now()).total_seconds() / self.scale
            await asyncio.sleep(max(0.0, wait))
            await self._fire(schedule, next_fire)
            if period is not None:
                next_fire += timedelta(seconds=period)

    async def _fire(self, schedule: ScheduleSpec, moment: datetime) -> None:
        event = json.loads(schedule.input) if schedule.input else scheduled_event(schedule.name, self.region, moment)
        self.fired[schedule.name] += 1
        log.info("firing %s -> %s", schedule.name, schedule.function)
        try:
            outcome = await self.invoke(schedule.function, event)
        except Exception:  # a failing target never stops the schedule
            log.exception("schedule %s: invoking %s failed", schedule.name, schedule.function)
            return
        if outcome is not None and not getattr(outcome, "ok", True):
            log.error("schedule %s: %s failed: %s", schedule.name, schedule.function, getattr(outcome, "error", None))
