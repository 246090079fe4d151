"""The local stack's console: one readable line per event; the component's file keeps every line whole."""

from __future__ import annotations

import io
import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from devstack.local.console import render
from devstack.local.processes import ComponentLogHandler

NOW = datetime(2026, 3, 1, 9, 30, 5, tzinfo=UTC)
REGISTERED = json.dumps(
    {
        "timestamp": "2026-03-01T09:30:04.168+00:00",
        "service": "auth",
        "level": "INFO",
        "message": "user registered",
        "trace_id": "e9248b89c2ac4d5bbb5936f055212fa1",
        "extra_data": {"location": "register:107", "new_user_id": "854ae31d", "role": "viewer"},
    },
    separators=(",", ":"),
)
METRICS = '{"_aws":{"Timestamp":1,"CloudWatchMetrics":[]},"service":"auth","Requests":[1.0]}'


def _handler(tmp_path: Path) -> tuple[ComponentLogHandler, io.StringIO]:
    console = io.StringIO()
    handler = ComponentLogHandler(tmp_path, console=console, clock=NOW.timestamp, tz=UTC)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    return handler, console


def test_a_json_line_becomes_one_readable_line_with_its_component_level_extras_and_trace() -> None:
    assert render("auth", REGISTERED, NOW, UTC) == (
        "09:30:04 auth      INFO  user registered  new_user_id=854ae31d  role=viewer  trace=e9248b89"
    )


def test_an_error_line_names_the_exception_and_where_its_traceback_is() -> None:
    line = json.dumps(
        {
            "timestamp": "2026-03-01T09:30:04+00:00",
            "level": "ERROR",
            "message": "handler failed",
            "trace_id": None,
            "extra_data": {"exception": "Traceback ...\nValueError: x", "exception_name": "ValueError"},
        }
    )
    assert render("trade", line, NOW, UTC) == (
        "09:30:04 trade     ERROR handler failed  ! ValueError (traceback in the log file)"
    )


def test_a_plain_line_is_kept_after_the_time_and_component_without_colour_codes() -> None:
    line = "\x1b[33m2026-03-01 09:30:05,907 INFO secantus.server: listening on 127.0.0.1:27017\x1b[0m"
    assert render("mongodb", line, NOW, UTC) == (
        "09:30:05 mongodb         2026-03-01 09:30:05,907 INFO secantus.server: listening on 127.0.0.1:27017"
    )


def test_metric_lines_stay_off_the_console() -> None:
    assert render("auth", METRICS, NOW, UTC) is None


def test_the_component_file_gets_every_line_whole_and_the_console_the_readable_one(tmp_path: Path) -> None:
    handler, console = _handler(tmp_path)
    for line in (REGISTERED, METRICS, "plain words"):
        handler.write("auth", line)
    handler.close()
    assert (tmp_path / "auth.log").read_text() == f"{REGISTERED}\n{METRICS}\nplain words\n"
    assert console.getvalue().splitlines() == [
        "09:30:04 auth      INFO  user registered  new_user_id=854ae31d  role=viewer  trace=e9248b89",
        "09:30:05 auth            plain words",
    ]


def test_the_local_stacks_own_records_name_their_component(tmp_path: Path) -> None:
    handler, console = _handler(tmp_path)
    record = logging.LogRecord("devstack.runner", logging.DEBUG, __file__, 1, "phase %s", ("up",), None)
    record.created = NOW.timestamp()
    handler.emit(record)
    function = logging.LogRecord("fn.trade", logging.INFO, __file__, 1, "hello", None, None)
    function.created = NOW.timestamp()
    handler.emit(function)
    handler.close()
    assert console.getvalue().splitlines() == ["09:30:05 runner    DEBUG phase up", "09:30:05 trade     INFO  hello"]
    assert (tmp_path / "runner.log").read_text() == "DEBUG phase up\n"


def test_a_librarys_stream_handler_writes_whole_lines_through_the_handler(tmp_path: Path) -> None:
    handler, console = _handler(tmp_path)
    stream = handler.stream_of("runner")
    stream.write(REGISTERED[:20])
    assert console.getvalue() == ""  # half a line waits for its end
    stream.write(REGISTERED[20:] + "\n")
    handler.close()
    assert (tmp_path / "runner.log").read_text() == REGISTERED + "\n"
    assert console.getvalue().startswith("09:30:04 runner    INFO  user registered")


def test_the_runners_tradecore_logger_does_not_silence_the_local_stacks_own_loggers() -> None:
    # Powertools guards against duplicates by filtering, on every root handler, each record whose
    # logger name contains its service name: the runner's service must not be inside "devstack.*"
    from aws_lambda_powertools.logging.filters import SuppressFilter

    from devstack.local.runner import RUNNER_SERVICE

    guard = SuppressFilter(RUNNER_SERVICE)
    for name in ("devstack", "devstack.runner", "devstack.gateway", "devstack.provision", "fn.trade"):
        assert guard.filter(logging.LogRecord(name, logging.INFO, __file__, 1, "x", None, None)), name


def test_a_powertools_handler_on_stdout_is_routed_through_the_component_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from devstack.local.runner import route_powertools_logs

    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "routing-test-service")
    library = logging.getLogger("routing-test-service")
    library.propagate = False
    stdout = logging.StreamHandler(sys.stdout)
    library.addHandler(stdout)
    handler, console = _handler(tmp_path)
    try:
        route_powertools_logs(handler, "runner")
        library.warning("%s", REGISTERED)
    finally:
        library.removeHandler(stdout)
        handler.close()
    assert (tmp_path / "runner.log").read_text() == REGISTERED + "\n"
    assert console.getvalue().startswith("09:30:04 runner    INFO  user registered")
