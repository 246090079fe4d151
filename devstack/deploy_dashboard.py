"""``make deploy``'s second half: the built dashboard to the stack's bucket and CloudFront.

After ``sam deploy``: read the stack's outputs (``aws cloudformation describe-stacks``), upload
``dashboard/dist`` (hashed ``assets/`` first, with a year's ``Cache-Control``; then ``config.js``,
written from the outputs; ``index.html`` last, so a page never names assets not yet uploaded; both
``no-store``), then invalidate ``/``, ``/index.html`` and ``/config.js``. Old hashed assets stay in
the bucket, so a tab opened before the deploy still loads the files its page names.

Usage: ``python -m devstack.deploy_dashboard [--config-env prod] [--dry-run]``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path
from typing import Any

from devstack.local.dashboard import ASSETS_CACHE, NEVER_CACHE, OTHER_CACHE
from devstack.template.reader import ROOT

DIST = ROOT / "dashboard" / "dist"
REQUIRED_OUTPUTS = ("CoreApiUrl", "WebSocketUrl", "DashboardBucketName", "DashboardDistributionId")


class DeployError(RuntimeError):
    """The stack is missing, lacks an output, the dashboard is not built, or an AWS CLI call failed."""


def stack_target(samconfig: Path, env: str = "default") -> tuple[str, str]:
    """``(stack_name, region)`` as ``sam deploy --config-env <env>`` reads them from ``samconfig.toml``."""
    profile = tomllib.loads(samconfig.read_text()).get(env) or {}
    merged = {
        **(profile.get("global") or {}).get("parameters", {}),
        **(profile.get("deploy") or {}).get("parameters", {}),
    }
    if "stack_name" not in merged or "region" not in merged:
        raise DeployError(f"{samconfig} [{env}]: stack_name and region are needed")
    return str(merged["stack_name"]), str(merged["region"])


def stack_outputs(describe_stacks: dict[str, Any]) -> dict[str, str]:
    """``{OutputKey: OutputValue}`` of the first stack in a ``describe-stacks`` answer, checked for
    the outputs the dashboard needs."""
    stacks = describe_stacks.get("Stacks") or []
    if not stacks:
        raise DeployError("describe-stacks returned no stack: run `sam deploy` first")
    outputs = {item["OutputKey"]: item["OutputValue"] for item in stacks[0].get("Outputs", [])}
    missing = [key for key in REQUIRED_OUTPUTS if not outputs.get(key)]
    if missing:
        raise DeployError(f"the stack has no output {', '.join(missing)}: deploy the current template.yaml")
    return outputs


def config_script(outputs: dict[str, str]) -> str:
    """``config.js`` for the deployed APIs, in the shape the local server writes."""
    config = {"apiUrl": outputs["CoreApiUrl"], "wsUrl": outputs["WebSocketUrl"]}
    return f"window.TRADECORE_CONFIG = {json.dumps(config)};\n"


def upload_plan(outputs: dict[str, str], dist: Path, config_file: Path, region: str) -> list[list[str]]:
    """The AWS CLI calls, in order: assets, other files, config.js, index.html, invalidation."""
    bucket = f"s3://{outputs['DashboardBucketName']}"
    aws = ["aws", "--region", region]
    return [
        [*aws, "s3", "sync", str(dist / "assets"), f"{bucket}/assets", "--cache-control", ASSETS_CACHE],
        [*aws, "s3", "sync", str(dist), bucket, "--exclude", "assets/*", "--exclude", "index.html",
         "--exclude", "config.js", "--cache-control", OTHER_CACHE],
        [*aws, "s3", "cp", str(config_file), f"{bucket}/config.js", "--cache-control", NEVER_CACHE,
         "--content-type", "application/javascript"],
        [*aws, "s3", "cp", str(dist / "index.html"), f"{bucket}/index.html", "--cache-control", NEVER_CACHE,
         "--content-type", "text/html"],
        [*aws, "cloudfront", "create-invalidation", "--distribution-id", outputs["DashboardDistributionId"],
         "--paths", "/", "/index.html", "/config.js"],
    ]  # fmt: skip


def _aws(args: list[str]) -> str:
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise DeployError(f"{' '.join(args[:5])} ... failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def deploy(env: str, *, dry_run: bool) -> None:
    if shutil.which("aws") is None:
        raise DeployError("the AWS CLI (aws) is not on PATH")
    if not (DIST / "index.html").is_file():
        raise DeployError(f"{DIST} has no index.html: run `make dashboard` first")
    stack, region = stack_target(ROOT / "samconfig.toml", env)
    described = json.loads(
        _aws(
            ["aws", "--region", region, "cloudformation", "describe-stacks", "--stack-name", stack, "--output", "json"]
        )
    )
    outputs = stack_outputs(described)
    with tempfile.TemporaryDirectory() as folder:
        config_file = Path(folder) / "config.js"
        config_file.write_text(config_script(outputs))
        for command in upload_plan(outputs, DIST, config_file, region):
            print(" ".join(command))
            if not dry_run:
                _aws(command)
    print(f"dashboard deployed: {outputs.get('DashboardUrl', '')}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--config-env", default="default", help="samconfig.toml profile (default, prod)")
    parser.add_argument("--dry-run", action="store_true", help="print the AWS CLI calls without uploading")
    args = parser.parse_args(argv)
    try:
        deploy(args.config_env, dry_run=args.dry_run)
    except DeployError as exc:
        print(f"deploy_dashboard: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
