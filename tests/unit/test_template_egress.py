"""template.yaml: static egress for mainnet (StaticEgress) - a VPC whose one NAT gateway and Elastic
IP carry the exchange traffic of the functions that sign with a user's key and of the stream task.

Both branches are resolved the way CloudFormation would resolve them (the local stack's resolver),
so a resource or a VpcConfig that leaks into the default deployment, or a caller left outside the
VPC when the parameter is on, fails here.
"""

from __future__ import annotations

from typing import Any

import pytest

from devstack.template.intrinsics import NO_VALUE, Resolver
from devstack.template.reader import DEFAULT_TEMPLATE, SamTemplate, referenced_resources
from tradecore.config import Settings

TEMPLATE = SamTemplate.load()
FUNCTIONS = TEMPLATE.functions()
CONDITION = "StaticEgressEnabled"
PRIVATE_SUBNETS = ["EgressPrivateSubnetA", "EgressPrivateSubnetB"]
# The functions that call the exchange with a user's key (IP-whitelisted keys refuse any other
# address). Market data uses no key, so it may leave from anywhere.
EXCHANGE_CALLERS = {
    "AccountFunction",
    "PutExchangeConnectionFunction",
    "ExecuteTradeFunction",
    "ClosePositionFunction",
    "CancelOrderFunction",
    "AccountSyncFunction",
    "ReconcileWorkerFunction",
    "AutoTradeWorkerFunction",
}
EGRESS_RESOURCES = {
    "EgressVpc": "AWS::EC2::VPC",
    "EgressInternetGateway": "AWS::EC2::InternetGateway",
    "EgressGatewayAttachment": "AWS::EC2::VPCGatewayAttachment",
    "EgressPublicSubnet": "AWS::EC2::Subnet",
    "EgressPrivateSubnetA": "AWS::EC2::Subnet",
    "EgressPrivateSubnetB": "AWS::EC2::Subnet",
    "EgressEip": "AWS::EC2::EIP",
    "EgressNatGateway": "AWS::EC2::NatGateway",
    "EgressPrivateRouteTable": "AWS::EC2::RouteTable",
    "EgressPrivateDefaultRoute": "AWS::EC2::Route",
    "EgressDynamoDbEndpoint": "AWS::EC2::VPCEndpoint",
    "EgressSecurityGroup": "AWS::EC2::SecurityGroup",
}


def _resolver(static_egress: str) -> Resolver:
    refs = {name: name for name in TEMPLATE.resources}
    attributes = {"DashboardDistribution.DomainName": "d1.cloudfront.net"}
    return TEMPLATE.resolver({"StaticEgress": static_egress}, refs=refs, attributes=attributes)


def _props(name: str) -> dict[str, Any]:
    properties: dict[str, Any] = TEMPLATE.resources[name]["Properties"]
    return properties


def _vpc_config(name: str, static_egress: str) -> Any:
    value = FUNCTIONS[name].properties.get("VpcConfig")
    return NO_VALUE if value is None else _resolver(static_egress).resolve(value, name)


# ------------------------------------------------------------------------- parameter, resources


def test_static_egress_is_off_unless_chosen() -> None:
    parameter = TEMPLATE.parameters["StaticEgress"]
    assert (parameter["Default"], sorted(parameter["AllowedValues"])) == ("false", ["false", "true"])
    assert TEMPLATE.conditions[CONDITION] == {"Fn::Equals": [{"Ref": "StaticEgress"}, "true"]}
    assert _resolver("false").condition(CONDITION) is False
    assert _resolver("true").condition(CONDITION) is True


def test_every_network_resource_exists_only_under_the_condition() -> None:
    for name, resource_type in EGRESS_RESOURCES.items():
        assert TEMPLATE.resources[name]["Type"] == resource_type, name
    for name, resource in TEMPLATE.resources.items():
        if resource["Type"].startswith("AWS::EC2::"):
            assert resource.get("Condition") == CONDITION, f"{name} would be created without StaticEgress"


def test_private_subnets_reach_the_internet_only_through_the_nat_and_its_elastic_ip() -> None:
    nat = _props("EgressNatGateway")
    assert nat["AllocationId"] == {"Fn::GetAtt": ["EgressEip", "AllocationId"]}
    assert nat["SubnetId"] == {"Ref": "EgressPublicSubnet"}
    route = _props("EgressPrivateDefaultRoute")
    assert (route["DestinationCidrBlock"], route["NatGatewayId"]) == ("0.0.0.0/0", {"Ref": "EgressNatGateway"})
    assert "GatewayId" not in route
    associations = {
        _props(name)["SubnetId"]["Ref"]: _props(name)["RouteTableId"]["Ref"]
        for name, resource in TEMPLATE.resources.items()
        if resource["Type"] == "AWS::EC2::SubnetRouteTableAssociation"
    }
    assert associations == {
        "EgressPublicSubnet": "EgressPublicRouteTable",
        "EgressPrivateSubnetA": "EgressPrivateRouteTable",
        "EgressPrivateSubnetB": "EgressPrivateRouteTable",
    }
    public = _props("EgressPublicDefaultRoute")
    assert public["GatewayId"] == {"Ref": "EgressInternetGateway"}
    # one NAT, so one address for users to whitelist
    nats = [n for n, r in TEMPLATE.resources.items() if r["Type"] == "AWS::EC2::NatGateway"]
    assert nats == ["EgressNatGateway"]


def test_private_subnets_span_two_availability_zones() -> None:
    zones = {_resolver("true").resolve(_props(name)["AvailabilityZone"]) for name in PRIVATE_SUBNETS}
    assert len(zones) == 2


def test_dynamodb_is_reached_through_a_gateway_endpoint_not_the_nat() -> None:
    endpoint = _props("EgressDynamoDbEndpoint")
    assert endpoint["VpcEndpointType"] == "Gateway"
    assert _resolver("true").resolve(endpoint["ServiceName"]) == "com.amazonaws.us-east-1.dynamodb"
    assert endpoint["RouteTableIds"] == [{"Ref": "EgressPrivateRouteTable"}]


def test_security_group_allows_no_ingress_and_only_the_outbound_ports_in_use() -> None:
    group = _props("EgressSecurityGroup")
    assert "SecurityGroupIngress" not in group
    rules = {(rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) for rule in group["SecurityGroupEgress"]}
    # HTTPS; Binance's streams (stream.binance.com:9443); MongoDB Atlas
    assert rules == {("tcp", 443, 443), ("tcp", 9443, 9443), ("tcp", 27017, 27017)}


# ------------------------------------------------------------------------------ who is inside


@pytest.mark.parametrize("name", sorted(EXCHANGE_CALLERS))
def test_exchange_callers_join_the_vpc_only_with_static_egress(name: str) -> None:
    assert _vpc_config(name, "false") is NO_VALUE
    assert _vpc_config(name, "true") == {"SubnetIds": PRIVATE_SUBNETS, "SecurityGroupIds": ["EgressSecurityGroup"]}


def test_every_function_that_may_use_the_exchange_secrets_key_leaves_through_the_egress_ip() -> None:
    # Whoever may encrypt or decrypt a user's secret signs with that user's key; if it left from
    # another address, an IP-whitelisted key would refuse it. Ties the KMS grants to the VPC.
    holders = {name for name, f in FUNCTIONS.items() if "ExchangeSecretsKey" in referenced_resources(f.policies)}
    assert holders == EXCHANGE_CALLERS
    stream_role = _props("StreamTaskRole")["Policies"]
    assert "ExchangeSecretsKey" in referenced_resources(stream_role)


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_no_function_is_in_a_vpc_by_default(name: str) -> None:
    assert _vpc_config(name, "false") is NO_VALUE


def test_functions_that_never_sign_for_a_user_stay_outside_the_vpc() -> None:
    # auth, the AI API and the WebSocket dispatcher gain nothing from the NAT but its cost and cold starts
    inside = {name for name in FUNCTIONS if _vpc_config(name, "true") is not NO_VALUE}
    assert inside >= EXCHANGE_CALLERS
    outsiders = {n for n, f in FUNCTIONS.items() if f.handler.split(".")[0] in ("auth", "ai", "ws")}
    assert not inside & outsiders


def test_vpc_functions_get_the_lambda_vpc_access_role_from_sam() -> None:
    # SAM attaches AWSLambdaVPCAccessExecutionRole to the role of every function with a VpcConfig,
    # so no policy of ours grants ec2:*NetworkInterface* (and the policy-scope test stays strict).
    from devstack.template.validate import translate

    translated = translate(DEFAULT_TEMPLATE)["Resources"]
    for name in EXCHANGE_CALLERS:
        managed = translated[f"{name}Role"]["Properties"]["ManagedPolicyArns"]
        assert any("AWSLambdaVPCAccessExecutionRole" in str(arn) for arn in managed), name
        assert translated[name]["Properties"]["VpcConfig"]["Fn::If"][0] == CONDITION


def test_stream_task_leaves_through_the_nat_with_static_egress_and_the_given_network_without() -> None:
    network = _props("StreamService")["NetworkConfiguration"]["AwsvpcConfiguration"]
    on = _resolver("true").resolve(network)
    assert on == {"AssignPublicIp": "DISABLED", "Subnets": PRIVATE_SUBNETS, "SecurityGroups": ["EgressSecurityGroup"]}
    off = TEMPLATE.resolver(
        {"StreamSubnetIds": ["subnet-a"], "StreamSecurityGroupIds": ["sg-c"], "StreamAssignPublicIp": "ENABLED"}
    ).resolve(network)
    assert off == {"AssignPublicIp": "ENABLED", "Subnets": ["subnet-a"], "SecurityGroups": ["sg-c"]}


# ---------------------------------------------------------------------- the address, published


def test_egress_ip_is_an_output_only_with_static_egress() -> None:
    output = TEMPLATE.outputs["EgressIp"]
    assert output["Condition"] == CONDITION
    assert output["Value"] == {"Ref": "EgressEip"}


def test_functions_learn_the_egress_ip_or_nothing() -> None:
    assert "egress_ip" in Settings.model_fields
    for name in EXCHANGE_CALLERS:
        assert TEMPLATE.function_environment(name, _resolver("false"))["EGRESS_IP"] == ""
        assert TEMPLATE.function_environment(name, _resolver("true"))["EGRESS_IP"] == "EgressEip"
        assert referenced_resources(FUNCTIONS[name].environment["EGRESS_IP"]) == {"EgressEip"}


def test_the_local_stack_reads_the_template_with_the_default_profile() -> None:
    # devstack runs no VPC: with the default (false) no function has a VpcConfig to honour and the
    # environment resolves without any network resource existing locally.
    resolver = TEMPLATE.resolver(
        refs={name: name for name in TEMPLATE.resources if not name.startswith("Egress")},
        attributes={"DashboardDistribution.DomainName": "localhost"},
    )
    assert TEMPLATE.function_environment("ExecuteTradeFunction", resolver)["EGRESS_IP"] == ""
