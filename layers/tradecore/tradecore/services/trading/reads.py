"""Independent reads of one request, in flight together.

A trade reads the kill switch (DynamoDB), the user's records and limits (MongoDB), their balances
(the exchange) and market data before it may send anything; one after another they are a dozen
round trips. Each read here runs on a small shared pool, in a copy of the caller's context (the
trace id and user id stay on its log lines); the caller collects the results in the order its
rules need them, so the first refusal is still the one a trader is told.
"""

from __future__ import annotations

import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="trade-read")


def started(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> Future[T]:
    """``fn(*args, **kwargs)`` running in the background; ``.result()`` returns it or raises its error."""
    context = contextvars.copy_context()
    return _POOL.submit(lambda: context.run(fn, *args, **kwargs))
