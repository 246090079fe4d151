"""A child of the local stack does not outlive it: killed with SIGKILL (no chance to stop its
children), the stack's simulator, database and stream task still end, since each runs in a session
of its own and nothing else would reach it (Linux: the kernel's parent-death signal)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.devstack import ROOT

STAND_IN = """
import sys, time
from pathlib import Path
from devstack.local.processes import ChildProcess, ComponentLogHandler
logs = ComponentLogHandler(Path(sys.argv[1]), console=open("/dev/null", "w"))
child = ChildProcess("sleeper", [sys.executable, "-c", "import time; time.sleep(120)"], {}, logs)
print(child.start().pid, flush=True)
time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has ended; only its exit status waits to be read


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="the parent-death signal is Linux's")
def test_a_child_of_the_local_stack_ends_when_the_stack_is_killed(tmp_path: Path) -> None:
    stack = subprocess.Popen(
        [sys.executable, "-c", STAND_IN, str(tmp_path)], cwd=ROOT, stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert stack.stdout is not None
    child = int(stack.stdout.readline())
    assert _alive(child)
    assert os.getpgid(child) != os.getpgid(stack.pid)  # its own session: killing the stack's group misses it

    stack.send_signal(signal.SIGKILL)
    stack.wait()

    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)
