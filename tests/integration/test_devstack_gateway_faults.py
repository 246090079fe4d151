"""An outage on demand: while ``<data dir>/faults/<ApiLogicalId>`` exists, that API's routes answer
503 from the gateway itself (the function is never invoked); removing the file ends it, and the
other APIs never notice. The browser tests take the AI service down this way."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.support.devstack import StackHandle, running_local_stack


@pytest.fixture(scope="module")
def local_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[StackHandle]:
    with running_local_stack(data_dir=Path(tmp_path_factory.mktemp("faults"))) as handle:
        yield handle


def test_a_faulted_api_answers_503_until_the_file_is_removed(local_stack: StackHandle) -> None:
    fault = local_stack.settings.data_dir / "faults" / "CoreHttpApi"
    assert requests.get(f"{local_stack.core_url}/api/items/7", timeout=10).status_code == 201
    fault.parent.mkdir(parents=True, exist_ok=True)
    fault.touch()
    try:
        answer = requests.get(f"{local_stack.core_url}/api/items/7", timeout=10)
        assert (answer.status_code, answer.json()) == (503, {"message": "Service Unavailable"})
        assert answer.headers["x-devstack-origin"] == "gateway"
    finally:
        fault.unlink()
    assert requests.get(f"{local_stack.core_url}/api/items/7", timeout=10).status_code == 201


def test_a_fault_of_another_api_leaves_this_one_up(local_stack: StackHandle) -> None:
    fault = local_stack.settings.data_dir / "faults" / "AiHttpApi"
    fault.parent.mkdir(parents=True, exist_ok=True)
    fault.touch()
    try:
        assert requests.get(f"{local_stack.core_url}/api/items/7", timeout=10).status_code == 201
    finally:
        fault.unlink()
