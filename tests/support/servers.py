"""Real servers the integration tests talk to over sockets: SecantusDB and moto."""

from __future__ import annotations

import random
import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pymongo

from devstack.local.processes import wait_for_port

SECANTUSD = Path(sys.executable).with_name("secantusd-py")


_LOWEST_PORT = 20000
_handed_out: set[int] = set()


def _ephemeral_floor() -> int:
    """The lowest port the kernel picks for outgoing connections (Linux: 32768 by default)."""
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A port free now, BELOW the kernel's ephemeral range: a port taken from that range (bind to 0)
    can be grabbed as the source port of any outgoing connection (the stack's own children open
    many) between being chosen and being bound, which made a stack start fail with "port in use".
    Never the same port twice in one test run."""
    ceiling = _ephemeral_floor()
    for _ in range(200):
        port = random.randrange(_LOWEST_PORT, ceiling)
        if port in _handed_out:
            continue
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
        _handed_out.add(port)
        return port
    raise RuntimeError("no free port below the ephemeral range")


class MongoServer:
    """A SecantusDB server process (real MongoDB wire protocol) that tests can stop and restart.

    Data lives in a temporary directory, so a restart keeps it, as a real outage would.
    """

    def __init__(self) -> None:
        self.port = free_port()
        self.storage = Path(tempfile.mkdtemp(prefix="secantus-"))
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}"

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        if self.running:
            return
        self._process = subprocess.Popen(
            [
                str(SECANTUSD),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--storage-path",
                str(self.storage),
                "--log-level",
                "WARNING",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, timeout=15, process=self._process, name="secantusd")
        client: pymongo.MongoClient = pymongo.MongoClient(self.uri, serverSelectionTimeoutMS=10000)
        try:
            client.admin.command("ping")
        finally:
            client.close()

    def stop(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.storage, ignore_errors=True)
