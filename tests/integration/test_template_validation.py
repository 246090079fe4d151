"""`make validate` passes on template.yaml and fails, readably, on broken copies of it.

The three validations run side by side (each takes seconds of cfn-lint CPU); the broken copies
skip `sam validate`, which does not catch either defect anyway (it lints the template without
expanding the SAM resources) and would only add time.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from devstack.template.validate import SamValidate

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
SAM = ROOT / ".venv-sam" / "bin" / "sam"

pytestmark = pytest.mark.timeout(400)


@dataclass
class Run:
    process: subprocess.Popen[str]
    _output: tuple[int, str] | None = None

    def result(self) -> tuple[int, str]:
        if self._output is None:
            stdout, stderr = self.process.communicate(timeout=380)
            self._output = (self.process.returncode, stdout + stderr)
        return self._output


def _broken_copy(directory: Path, name: str, old: str, new: str) -> Path:
    text = TEMPLATE.read_text()
    assert old in text, f"template.yaml no longer contains {old!r}: update this test"
    path = directory / f"{name}.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def _start(template: Path, *extra: str) -> Run:
    command = [sys.executable, "-m", "devstack.template.validate", str(template), "--sam", str(SAM), *extra]
    return Run(subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    if not SAM.exists():
        pytest.skip("needs aws-sam-cli in .venv-sam (`make validate` creates it)")
    directory = tmp_path_factory.mktemp("templates")
    bad_runtime = _broken_copy(directory, "bad_runtime", "    Runtime: python3.12\n", "    Runtime: python3.99\n")
    bad_schedule = _broken_copy(directory, "bad_schedule", "Schedule: rate(5 minutes)", "Schedule: rate(5 minute)")
    started = {
        "valid": _start(TEMPLATE),
        "bad_runtime": _start(bad_runtime, "--skip-sam"),
        "bad_schedule": _start(bad_schedule, "--skip-sam"),
    }
    yield started
    for run in started.values():
        if run.process.poll() is None:
            run.process.kill()
            run.process.communicate()


def test_validator_passes_on_the_real_template(runs: dict[str, Run]) -> None:
    code, output = runs["valid"].result()
    assert code == 0, output
    assert "valid (cfn-lint, cfn-lint on the SAM translation, sam validate --lint)" in output


def test_validator_fails_on_an_invalid_runtime(runs: dict[str, Run]) -> None:
    code, output = runs["bad_runtime"].result()
    assert code == 1
    assert "E3030 'python3.99'" in output
    assert "HealthFunction/Properties/Runtime" in output  # names where, not just what


def test_validator_fails_on_a_malformed_schedule_expression(runs: dict[str, Run]) -> None:
    code, output = runs["bad_schedule"].result()
    assert code == 1
    assert "E3027 'minute'" in output
    assert "ReconcileFunctionSchedule/Properties/ScheduleExpression" in output


def test_a_missing_sam_executable_is_reported_with_how_to_create_it(tmp_path: Path) -> None:
    problems = SamValidate(TEMPLATE, tmp_path / "sam").problems()
    assert len(problems) == 1
    assert "aws-sam-cli==1.170.0" in str(problems[0])
