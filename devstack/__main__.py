"""``python -m devstack`` runs the local stack; ``python -m devstack invoke FN --event FILE`` runs one function."""

from __future__ import annotations

import asyncio
import os
import sys


def main(argv: list[str]) -> int:
    if argv and argv[0] == "invoke":
        from devstack.runtime.invoke import main as invoke_main

        return invoke_main(argv[1:])
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    from devstack.local.runner import RUNNER_SERVICE, run
    from devstack.local.settings import DevstackSettings

    os.environ.setdefault("POWERTOOLS_SERVICE_NAME", RUNNER_SERVICE)  # before anything imports tradecore

    try:
        settings = DevstackSettings.from_env()
    except ValueError as exc:
        print(f"devstack: {exc}", file=sys.stderr)
        return 2
    return asyncio.run(run(settings))


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
