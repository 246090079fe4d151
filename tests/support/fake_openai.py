"""A local OpenAI-compatible server for tests: ``POST /v1/chat/completions`` with scripted behaviours.

Behaviours, consumed one per call (then ``default`` applies): ``"success"``, ``"429"``, ``"500"``,
``"slow"`` (sleeps ``slow_seconds`` then succeeds), ``"malformed"`` (content that is not JSON) and
``"bad_schema"`` (JSON that breaks the agreed schema). The real ``openai`` SDK talks to it through
``base_url``; it binds 127.0.0.1 on a free port.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "gpt-4o-mini-2024-07-18"


class FakeOpenAI:
    def __init__(self, *, signal: str = "Long", confidence: float = 0.81, slow_seconds: float = 2.0) -> None:
        self.default = "success"
        self.script: deque[str] = deque()
        self.signal = signal
        self.confidence = confidence
        self.slow_seconds = slow_seconds
        self.delay = 0.0  # added to every call (to make concurrent callers overlap)
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    @property
    def calls(self) -> int:
        return len(self.requests)

    def start(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self, *script: str, default: str = "success") -> None:
        with self._lock:
            self.requests.clear()
            self.script = deque(script)
            self.default = default
            self.delay = 0.0

    def next_behaviour(self, body: dict[str, Any]) -> str:
        with self._lock:
            self.requests.append(body)
            return self.script.popleft() if self.script else self.default

    def completion(self, content: str) -> dict[str, Any]:
        return {
            "id": f"chatcmpl-{len(self.requests)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": MODEL,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": {"prompt_tokens": 420, "completion_tokens": 38, "total_tokens": 458},
        }

    def respond(self, behaviour: str) -> tuple[int, dict[str, Any]]:
        """The status and body for one call acting out ``behaviour``."""
        if self.delay:
            time.sleep(self.delay)
        if behaviour == "429":
            return 429, {"error": {"message": "Rate limit reached", "type": "requests", "code": "rate_limit"}}
        if behaviour == "500":
            return 500, {"error": {"message": "The server had an error", "type": "server_error"}}
        if behaviour == "malformed":
            return 200, self.completion("Sure! I think it's bullish {not json")
        if behaviour == "bad_schema":
            return 200, self.completion(json.dumps({"signal": "Moon", "confidence": 7}))
        if behaviour == "slow":
            time.sleep(self.slow_seconds)
        return 200, self.completion(self.verdict_json())

    def verdict_json(self) -> str:
        reasoning = "EMA stack and MACD agree; RSI not stretched."
        return json.dumps({"signal": self.signal, "confidence": self.confidence, "reasoning": reasoning})


def _handler_for(fake: FakeOpenAI) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout): expected for "slow"

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = json.loads(self.rfile.read(length) or b"{}")
            if self.path.rstrip("/") != "/v1/chat/completions":
                self._send(404, {"error": {"message": "not found"}})
                return
            self._send(*fake.respond(fake.next_behaviour(body)))

    return Handler
