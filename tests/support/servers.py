"""Real servers the integration tests talk to over sockets: SecantusDB and moto."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

import pymongo

from devstack.local.processes import wait_for_port

SECANTUSD = Path(sys.executable).with_name("secantusd-py")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


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
