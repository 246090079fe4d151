"""Validate the SAM template three ways; exit non-zero with readable messages on any problem.

    python -m devstack.template.validate template.yaml --sam .venv-sam/bin/sam

1. ``sam validate --lint`` (aws-sam-cli lives in its own virtualenv because it pins its own boto3);
2. cfn-lint on the template as written;
3. cfn-lint on the template as CloudFormation will see it: translated offline by
   aws-sam-translator (fake account and region, local code paths swapped for S3 URIs), because
   cfn-lint no longer expands SAM resources itself.

Errors and warnings both fail; the few deliberate exceptions are listed in ``TRANSLATED_IGNORES``
with their reason.
"""

from __future__ import annotations

import argparse
import copy
import json
import logging
import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cfnlint.api import ManualArgs, lint, lint_file
from cfnlint.match import Match

REGION = "us-east-1"
FAKE_ACCOUNT = "123456789012"
ARTIFACT_BUCKET = "tradecore-validation-artifacts"
SAM_TIMEOUT_SECONDS = 180
MAX_MESSAGE = 160  # cfn-lint lists every allowed value; the start says enough
# What SAM's own policy templates grant but cfn-lint's IAM catalogue does not list (the *Batch
# SQS calls are authorised through their non-batch actions). We never write these ourselves.
_SAM_POLICY_TEMPLATE_ACTIONS = ("changemessagevisibilitybatch", "deletemessagebatch", "sendmessagebatch")


@dataclass(frozen=True)
class Ignore:
    reason: str
    applies: Callable[[Match], bool] = lambda _match: True


# Findings that only exist in the translator's output and say nothing about our template.
TRANSLATED_IGNORES: dict[str, Ignore] = {
    "W2001": Ignore(
        "SAM substitutes parameters used by DeploymentPreference into literals, so its output leaves "
        "them unused; the lint of the template as written still catches a truly unused parameter."
    ),
    "W3037": Ignore(
        "SAM's SQSPollerPolicy/SQSSendMessagePolicy templates list *Batch SQS actions that cfn-lint "
        "does not know; only those exact actions are ignored.",
        lambda match: any(f"'{action}'" in match.message for action in _SAM_POLICY_TEMPLATE_ACTIONS),
    ),
}


@dataclass(frozen=True)
class Problem:
    step: str
    message: str

    def __str__(self) -> str:
        return f"[{self.step}] {self.message}"


class SamValidate:
    """``sam validate --lint`` running in the background while the cfn-lint steps work."""

    def __init__(self, template: Path, sam: Path) -> None:
        self.sam = sam
        self.process: subprocess.Popen[str] | None = None
        if sam.exists():
            env = os.environ | {"SAM_CLI_TELEMETRY": "0", "AWS_DEFAULT_REGION": REGION}
            command = [str(sam), "validate", "--lint", "--region", REGION, "--template", str(template)]
            self.process = subprocess.Popen(
                command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env
            )

    def problems(self) -> list[Problem]:
        """Wait for ``sam``; a missing executable, a timeout or a non-zero exit is a problem."""
        if self.process is None:
            return [
                Problem(
                    "sam validate",
                    f"{self.sam} not found: create it with `python3.12 -m venv .venv-sam && "
                    ".venv-sam/bin/pip install aws-sam-cli==1.170.0` (or run `make validate`)",
                )
            ]
        try:
            output, _ = self.process.communicate(timeout=SAM_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.communicate()
            return [Problem("sam validate", f"timed out after {SAM_TIMEOUT_SECONDS} s")]
        if self.process.returncode == 0:
            return []
        lines = [line for line in output.strip().splitlines() if line.strip()]
        return [Problem("sam validate", line) for line in lines] or [
            Problem("sam validate", f"exit code {self.process.returncode}")
        ]


def lint_template(template: Path) -> list[Problem]:
    """cfn-lint on the template as written (reads a ``.cfnlintrc`` next to it if there is one)."""
    return _describe("cfn-lint", [match for match in lint_file(template) if _is_failure(match)])


def translate(template: Path) -> dict[str, Any]:
    """The CloudFormation template SAM would produce, offline (no AWS account needed).

    Raises :class:`TranslationError` listing SAM's complaints when the template is invalid.
    """
    import boto3
    from samtranslator.model.exceptions import InvalidDocumentException
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator
    from samtranslator.yaml_helper import yaml_parse

    logging.getLogger("samtranslator").setLevel(logging.ERROR)  # it logs feature-toggle noise
    document = _with_artifact_uris(yaml_parse(template.read_text()))
    session = boto3.session.Session(region_name=REGION)  # no credentials needed: nothing is called
    pseudo = {"AWS::Region": REGION, "AWS::AccountId": FAKE_ACCOUNT, "AWS::Partition": "aws"}
    try:
        translated: dict[str, Any] = Translator(None, Parser(), boto_session=session).translate(
            document, parameter_values=pseudo, get_managed_policy_map=dict
        )
    except InvalidDocumentException as exc:
        raise TranslationError([cause.message for cause in exc.causes]) from None
    return translated


class TranslationError(Exception):
    def __init__(self, messages: list[str]) -> None:
        super().__init__("; ".join(messages))
        self.messages = messages


def lint_translated(template: Path) -> list[Problem]:
    """SAM-translate the template, then cfn-lint the result; deliberate ignores are skipped."""
    try:
        translated = translate(template)
    except TranslationError as exc:
        return [Problem("sam translate", message) for message in exc.messages]
    config = ManualArgs(regions=[REGION])
    matches = lint(json.dumps(translated, indent=1), config=config)
    return _describe("cfn-lint translated", [m for m in matches if _is_failure(m) and not _ignored(m)], lines=False)


def validate(template: Path, sam: Path | None) -> list[Problem]:
    """Every problem the three checks find (``sam`` None skips ``sam validate``).

    The checks run side by side (``sam`` and the plain lint in their own processes): each takes
    seconds of CPU, and the translated template has a few hundred resources.
    """
    if not template.is_file():
        return [Problem("template", f"{template} not found")]
    sam_run = SamValidate(template, sam) if sam is not None else None
    with ProcessPoolExecutor(max_workers=1) as pool:
        plain = pool.submit(lint_template, template)
        translated = lint_translated(template)
        problems = plain.result() + translated
    return (sam_run.problems() if sam_run is not None else []) + problems


def _with_artifact_uris(document: dict[str, Any]) -> dict[str, Any]:
    """Replace local code paths with S3 URIs, as `sam package` would (the translator needs them)."""
    document = copy.deepcopy(document)
    sections = [document.get("Globals", {}).get("Function", {})]
    sections += [res.get("Properties", {}) for res in document.get("Resources", {}).values()]
    for props in sections:
        for key in ("CodeUri", "ContentUri", "DefinitionUri"):
            value = props.get(key)
            if isinstance(value, str) and not value.startswith("s3://"):
                props[key] = f"s3://{ARTIFACT_BUCKET}/{value.strip('/') or 'root'}.zip"
    return document


def _is_failure(match: Match) -> bool:
    return match.rule.severity in ("error", "warning")


def _ignored(match: Match) -> bool:
    ignore = TRANSLATED_IGNORES.get(match.rule.id)
    return ignore is not None and ignore.applies(match)


def _describe(step: str, matches: list[Match], *, lines: bool = True) -> list[Problem]:
    """One readable line per distinct finding, naming every place it occurs.

    ``lines`` False leaves out line numbers (those of a generated template mean nothing to a reader).
    """
    places: dict[str, list[str]] = {}
    for match in matches:
        path = [str(part) for part in getattr(match, "path", None) or []]
        where = "/".join(path[1:] if path[:1] == ["Resources"] else path) or "the template"
        if lines:
            where += f" (line {match.linenumber})"
        message = match.message if len(match.message) <= MAX_MESSAGE else match.message[:MAX_MESSAGE] + " ..."
        places.setdefault(f"{match.rule.id} {message}", []).append(where)
    return [Problem(step, f"{finding} at {', '.join(where)}") for finding, where in places.items()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("template", type=Path, nargs="?", default=Path("template.yaml"))
    parser.add_argument("--sam", type=Path, default=Path(".venv-sam/bin/sam"), help="the sam executable")
    parser.add_argument("--skip-sam", action="store_true", help="skip `sam validate --lint` (cfn-lint steps only)")
    args = parser.parse_args(argv)
    problems = validate(args.template, None if args.skip_sam else args.sam)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{args.template}: {len(problems)} problem(s)", file=sys.stderr)
        return 1
    checks = "cfn-lint, cfn-lint on the SAM translation" + ("" if args.skip_sam else ", sam validate --lint")
    print(f"{args.template}: valid ({checks})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
