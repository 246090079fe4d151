"""``python -m stream``: the Fargate stream task (locally, a child process of the local stack).

Builds the container from the environment the task definition gives it, runs the market side of
the stream worker and, beside it, the user side (users' own order events) and the 30 s account sync
(each one's failure is logged and never stops the market side) until SIGTERM or SIGINT, and exits
within 10 s: the worker returns within its drain time, and the process then ends without joining
threads an abandoned call may still hold (an AI call can take 30 s; ECS kills the task 30 s after
SIGTERM, DESIGN says 10).
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from typing import Any


async def serve() -> int:
    """Run until a stop signal; 0 on a clean stop, 1 when the worker ended on an error."""
    from tradecore.bootstrap import bootstrap
    from tradecore.observability import logger

    container = bootstrap()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    users = asyncio.create_task(_user_side(container), name="user-streams")
    accounts = asyncio.create_task(_account_sync(container), name="account-sync")
    try:
        await container.stream_worker.run(stop)
    except Exception:  # noqa: BLE001 - logged with its traceback; the orchestrator restarts the task
        logger.exception("stream worker failed")
        return 1
    finally:
        users.cancel()
        accounts.cancel()
    return 0


async def _user_side(container: Any) -> None:
    from tradecore.observability import logger

    try:
        await container.user_stream_worker.run()
    except Exception:  # noqa: BLE001 - users' events are lost until a restart; prices must go on
        logger.exception("user data streams failed; the market side goes on")


async def _account_sync(container: Any) -> None:
    from tradecore.observability import logger

    try:
        await container.account_sync.run()
    except Exception:  # noqa: BLE001 - dashboards wait for the scheduled sync; prices must go on
        logger.exception("account sync failed; the market side goes on")


def main() -> None:
    code = asyncio.run(serve(), debug=False)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)  # no join of threads still inside a blocking call: the stop must take < 10 s


if __name__ == "__main__":
    main()
