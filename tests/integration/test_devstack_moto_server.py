"""``python -m devstack.local.moto_server``: moto's AWS endpoint without werkzeug's banner and request lines."""

from __future__ import annotations

import socket
import subprocess
import sys

import requests

from tests.support.devstack import ROOT
from tests.support.servers import free_port, wait_for_port


def test_moto_answers_without_printing_a_banner_or_a_line_per_request() -> None:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "devstack.local.moto_server", "-H", "127.0.0.1", "-p", str(port)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        wait_for_port(port, timeout=30)
        headers = {
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "Content-Type": "application/x-amz-json-1.0",
            "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20260101/us-east-1/dynamodb/aws4_request, "
            "SignedHeaders=host, Signature=0",
        }
        for _ in range(3):
            answer = requests.post(f"http://127.0.0.1:{port}/", data="{}", headers=headers, timeout=10)
            assert answer.json() == {"TableNames": []}
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    assert "development server" not in output
    assert "HTTP/1.1" not in output


def test_a_taken_port_ends_moto_at_once_naming_the_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "devstack.local.moto_server", "-p", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode == 1
    assert f"Port {port} is in use" in result.stderr
