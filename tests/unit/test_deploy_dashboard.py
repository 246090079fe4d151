"""``make deploy``'s dashboard upload, without the network: the config.js written from a sample
``describe-stacks`` answer, the upload order and cache headers, and the refusals naming what is missing.
The CloudFront side (behaviours, response-headers policy) is checked against the local server's
headers, so the laptop and the cloud send the same policy."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from devstack.deploy_dashboard import DeployError, config_script, stack_outputs, stack_target, upload_plan
from devstack.local.dashboard import content_security_policy
from devstack.template.reader import SamTemplate

CORE = "https://a1b2c3d4e5.execute-api.eu-west-1.amazonaws.com"
SOCKET = "wss://f6g7h8i9j0.execute-api.eu-west-1.amazonaws.com/dev"
DESCRIBE_STACKS: dict[str, Any] = {
    "Stacks": [
        {
            "StackName": "tradecore-dev",
            "StackStatus": "UPDATE_COMPLETE",
            "Outputs": [
                {"OutputKey": "CoreApiUrl", "OutputValue": CORE, "Description": "Core HTTP API"},
                {"OutputKey": "WebSocketUrl", "OutputValue": SOCKET},
                {"OutputKey": "DashboardUrl", "OutputValue": "https://d111111abcdef8.cloudfront.net"},
                {"OutputKey": "DashboardBucketName", "OutputValue": "tradecore-dev-dashboardbucket-1x2y3z"},
                {"OutputKey": "DashboardDistributionId", "OutputValue": "E2QWRUHEXAMPLE"},
                {"OutputKey": "AiApiUrl", "OutputValue": "https://k1l2m3n4o5.execute-api.eu-west-1.amazonaws.com"},
            ],
        }
    ]
}


def test_config_script_names_the_deployed_core_api_and_socket() -> None:
    script = config_script(stack_outputs(DESCRIBE_STACKS))
    match = re.fullmatch(r"window\.TRADECORE_CONFIG = (\{.*\});\n", script)
    assert match, script
    assert json.loads(match.group(1)) == {"apiUrl": CORE, "wsUrl": SOCKET}


def test_stack_outputs_refuse_a_stack_without_the_dashboard_outputs() -> None:
    old = {
        "Stacks": [
            {"Outputs": [o for o in DESCRIBE_STACKS["Stacks"][0]["Outputs"] if "Distribution" not in o["OutputKey"]]}
        ]
    }
    with pytest.raises(DeployError, match="DashboardDistributionId"):
        stack_outputs(old)
    with pytest.raises(DeployError, match="sam deploy"):
        stack_outputs({"Stacks": []})


def test_upload_plan_sends_assets_first_index_last_then_invalidates(tmp_path: Path) -> None:
    dist, config = tmp_path / "dist", tmp_path / "config.js"
    plan = upload_plan(stack_outputs(DESCRIBE_STACKS), dist, config, "eu-west-1")
    steps = [" ".join(command) for command in plan]
    bucket = "s3://tradecore-dev-dashboardbucket-1x2y3z"
    assert f"s3 sync {dist}/assets {bucket}/assets --cache-control public, max-age=31536000, immutable" in steps[0]
    assert f"s3 cp {config} {bucket}/config.js --cache-control no-store" in steps[2]
    assert f"s3 cp {dist}/index.html {bucket}/index.html --cache-control no-store" in steps[3]
    assert "--exclude index.html --exclude config.js" in steps[1]
    assert plan[4][3:] == [
        "cloudfront",
        "create-invalidation",
        "--distribution-id",
        "E2QWRUHEXAMPLE",
        "--paths",
        "/",
        "/index.html",
        "/config.js",
    ]
    assert all(command[:3] == ["aws", "--region", "eu-west-1"] for command in plan)


def test_stack_target_reads_the_profile_like_sam_deploy(tmp_path: Path) -> None:
    samconfig = tmp_path / "samconfig.toml"
    samconfig.write_text(
        '[default.global.parameters]\nstack_name = "tradecore-dev"\nregion = "us-east-1"\n'
        '[prod.global.parameters]\nstack_name = "tradecore-prod"\nregion = "us-east-1"\n'
        '[prod.deploy.parameters]\nregion = "eu-west-1"\n'
    )
    assert stack_target(samconfig) == ("tradecore-dev", "us-east-1")
    assert stack_target(samconfig, "prod") == ("tradecore-prod", "eu-west-1")
    with pytest.raises(DeployError, match="stack_name"):
        stack_target(samconfig, "staging")


# --------------------------------------------------------------------------- CloudFront in the template

TEMPLATE = SamTemplate.load()


def _distribution() -> dict[str, Any]:
    config: dict[str, Any] = TEMPLATE.resources["DashboardDistribution"]["Properties"]["DistributionConfig"]
    return config


def test_distribution_caches_hashed_assets_and_never_the_page_or_config() -> None:
    config = _distribution()
    optimized, disabled = "658327ea-f89d-4fab-a63d-7e88639e58f6", "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
    assert config["DefaultCacheBehavior"]["CachePolicyId"] == disabled  # /, /index.html, /config.js
    assets = {behaviour["PathPattern"]: behaviour for behaviour in config["CacheBehaviors"]}["/assets/*"]
    assert assets["CachePolicyId"] == optimized
    for behaviour in (config["DefaultCacheBehavior"], assets):
        assert behaviour["ResponseHeadersPolicyId"] == {"Ref": "DashboardResponseHeaders"}
        assert behaviour["ViewerProtocolPolicy"] == "redirect-to-https"
    origins = {origin["Id"] for origin in config["Origins"]}
    assert origins == {"dashboard-bucket"}  # the APIs are not behind the distribution


def test_response_headers_policy_is_the_local_servers_policy() -> None:
    policy = TEMPLATE.resources["DashboardResponseHeaders"]["Properties"]["ResponseHeadersPolicyConfig"]
    headers = policy["SecurityHeadersConfig"]
    domain = "execute-api.${AWS::Region}.${AWS::URLSuffix}"
    expected = content_security_policy(f"https://*.{domain}", f"wss://${{WebSocketApi}}.{domain}")
    assert headers["ContentSecurityPolicy"]["ContentSecurityPolicy"] == {"Fn::Sub": expected}
    assert headers["StrictTransportSecurity"]["AccessControlMaxAgeSec"] >= 31536000
    assert headers["FrameOptions"]["FrameOption"] == "DENY"
    assert headers["ReferrerPolicy"]["ReferrerPolicy"] == "strict-origin-when-cross-origin"
    assert all(header["Override"] for header in headers.values())


def test_stack_outputs_the_distribution_id_for_the_invalidation() -> None:
    assert TEMPLATE.outputs["DashboardDistributionId"]["Value"] == {"Ref": "DashboardDistribution"}
