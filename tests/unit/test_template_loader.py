"""devstack.template: intrinsic tags, SAM's Globals merge, the resolver, routes and schedules."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.template.intrinsics import Resolver, load_yaml
from devstack.template.reader import SamTemplate, ScheduleSpec, TemplateError, referenced_resources
from devstack.template.stack import read_stack

SMALL = """
Parameters:
  Stage:
    Type: String
    Default: dev
  Flag:
    Type: String
    Default: "false"
Conditions:
  FlagOn: !Equals [!Ref Flag, "true"]
Globals:
  Function:
    Runtime: python3.12
    Timeout: 10
    Layers: [!Ref SharedLayer]
    Environment:
      Variables:
        STAGE: !Ref Stage
        TABLE: !Ref Table
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
        - {AttributeName: sk, KeyType: RANGE}
  Api:
    Type: AWS::Serverless::HttpApi
  Hello:
    Type: AWS::Serverless::Function
    Properties:
      Handler: hello.app.handler
      Timeout: 20
      Layers: [!Ref ExtraLayer]
      Environment:
        Variables:
          STAGE: override
          URL: !Sub https://${Api}.execute-api.${AWS::Region}.${AWS::URLSuffix}/${Stage}
          MODE: !If [FlagOn, "on", "off"]
      Events:
        Get:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Method: get, Path: "/hello/{name}"}
        Implicit:
          Type: HttpApi
          Properties: {Method: POST, Path: /other}
        Tick:
          Type: Schedule
          Properties: {Schedule: rate(2 hours)}
        Nightly:
          Type: ScheduleV2
          Properties: {ScheduleExpression: "cron(0 3 * * ? *)", State: DISABLED}
  Socket:
    Type: AWS::ApiGatewayV2::Api
    Properties: {ProtocolType: WEBSOCKET, RouteSelectionExpression: $request.body.type}
  SocketIntegration:
    Type: AWS::ApiGatewayV2::Integration
    Properties:
      ApiId: !Ref Socket
      IntegrationUri: !Sub arn:aws:apigateway:${AWS::Region}:lambda:path/functions/${Hello.Arn}/invocations
  SocketRoute:
    Type: AWS::ApiGatewayV2::Route
    Properties:
      ApiId: !Ref Socket
      RouteKey: $connect
      Target: !Join [/, [integrations, !Ref SocketIntegration]]
"""


@pytest.fixture
def small(tmp_path: Path) -> SamTemplate:
    path = tmp_path / "template.yaml"
    path.write_text(SMALL)
    return SamTemplate.load(path)


def test_short_tags_become_long_form_dicts() -> None:
    document = load_yaml("A: !GetAtt Queue.Arn\nB: !Sub x-${Y}\nC: !If [Cond, 1, 2]\nD: !Condition Cond\n")
    assert document == {
        "A": {"Fn::GetAtt": ["Queue", "Arn"]},
        "B": {"Fn::Sub": "x-${Y}"},
        "C": {"Fn::If": ["Cond", 1, 2]},
        "D": {"Condition": "Cond"},
    }


@pytest.mark.parametrize("text", ["- just\n- a list\n", "key: [unclosed\n"])
def test_a_document_that_is_not_a_yaml_mapping_is_refused(text: str) -> None:
    with pytest.raises(TemplateError):
        load_yaml(text)


def test_a_missing_file_is_a_template_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="cannot read"):
        SamTemplate.load(tmp_path / "absent.yaml")


def test_globals_merge_like_sam_maps_merge_lists_add_scalars_are_replaced(small: SamTemplate) -> None:
    hello = small.functions()["Hello"]
    assert (hello.runtime, hello.timeout) == ("python3.12", 20)
    assert hello.properties["Layers"] == [{"Ref": "SharedLayer"}, {"Ref": "ExtraLayer"}]
    assert hello.environment["STAGE"] == "override"
    assert hello.environment["TABLE"] == {"Ref": "Table"}
    assert (hello.module, hello.attribute) == ("hello.app", "handler")


def test_function_environment_resolves_refs_subs_pseudo_parameters_and_conditions(small: SamTemplate) -> None:
    resolver = small.resolver({"Stage": "prod", "Flag": "true"}, refs={"Table": "local-table", "Api": "local"})
    env = small.function_environment("Hello", resolver)
    assert env == {
        "STAGE": "override",
        "TABLE": "local-table",
        "URL": "https://local.execute-api.us-east-1.amazonaws.com/prod",
        "MODE": "on",
    }


def test_resolver_names_the_reference_it_cannot_resolve() -> None:
    resolver = Resolver.over({}, refs={})
    with pytest.raises(TemplateError, match="Missing"):
        resolver.resolve({"Ref": "Missing"})
    with pytest.raises(TemplateError, match=r"Bucket\.Arn"):
        resolver.resolve({"Fn::Sub": "${Bucket.Arn}/*"})


def test_resolver_handles_sub_variables_joins_selects_and_escapes() -> None:
    resolver = Resolver.over({"P": "v"}, attributes={"Q.Url": "http://q"})
    assert resolver.resolve({"Fn::Sub": ["${A}-${P}", {"A": {"Fn::GetAtt": ["Q", "Url"]}}]}) == "http://q-v"
    assert resolver.resolve({"Fn::Join": ["/", ["a", {"Ref": "P"}]]}) == "a/v"
    assert resolver.resolve({"Fn::Select": [1, {"Fn::Split": [",", "x,y"]}]}) == "y"
    assert resolver.resolve({"Fn::Sub": "${!Literal}"}) == "${Literal}"


def test_http_routes_per_api_with_the_implicit_api(small: SamTemplate) -> None:
    assert [r.route_key for r in small.http_routes("Api")] == ["GET /hello/{name}"]
    assert [r.route_key for r in small.http_routes("ServerlessHttpApi")] == ["POST /other"]
    assert small.http_apis() == ["Api", "ServerlessHttpApi"]


def test_websocket_routes_follow_route_target_integration_function(small: SamTemplate) -> None:
    (route,) = small.websocket_routes()
    assert (route.api, route.route_key, route.function, route.handler) == (
        "Socket",
        "$connect",
        "Hello",
        "hello.app.handler",
    )
    assert small.websocket_apis() == {"Socket": "$request.body.type"}


def test_schedules_include_disabled_v2_schedules_and_parse_rates(small: SamTemplate) -> None:
    schedules = {s.event: s for s in small.schedules()}
    assert (schedules["Tick"].rate_seconds, schedules["Tick"].enabled) == (7200, True)
    assert (schedules["Nightly"].rate_seconds, schedules["Nightly"].enabled) == (None, False)
    assert ScheduleSpec("f", "h", "e", "rate(1 minute)", True).rate_seconds == 60


def test_tables_report_their_keys(small: SamTemplate) -> None:
    table = small.tables()["Table"]
    assert (table.partition_key, table.sort_key, table.encrypted) == ("pk", "sk", False)


def test_referenced_resources_sees_through_sub_variables_and_getatt() -> None:
    value = {"Fn::Sub": ["${A}/${B.Arn}/${AWS::Region}", {"A": {"Ref": "C.Alias"}}]}
    assert referenced_resources(value) == {"B", "C"}


def test_resolver_finds_in_mappings_drops_no_value_and_names_where_it_failed() -> None:
    resolver = Resolver.over({"Env": "dev"}, mappings={"Sizes": {"dev": {"Memory": 512}}})
    assert resolver.resolve({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Memory"]}) == 512
    assert resolver.resolve({"A": {"Ref": "AWS::NoValue"}, "B": [1, {"Ref": "AWS::NoValue"}]}) == {"B": [1]}
    with pytest.raises(TemplateError, match=r"^Resources\.Fn\.Properties\.Role: no local value for !Ref Missing"):
        resolver.resolve({"Ref": "Missing"}, "Resources.Fn.Properties.Role")
    with pytest.raises(TemplateError, match=r"^Resources\.Fn\.Properties\.Size: Fn::FindInMap: no Sizes\.prod"):
        resolver.resolve({"Fn::FindInMap": ["Sizes", "prod", "Memory"]}, "Resources.Fn.Properties.Size")


def test_stack_snapshot_has_stages_cors_code_uri_and_schedule_rules() -> None:
    stack = read_stack(Path(__file__).parents[1] / "support" / "devstack_template.yaml")
    websocket = stack.websocket_apis["WebSocketApi"]
    assert (websocket.stage, set(websocket.routes)) == ("dev", {"$connect", "$disconnect", "$default", "whoami"})
    cors = stack.http_apis["CoreHttpApi"].cors
    assert cors is not None
    assert cors["AllowOrigins"] == ["http://localhost:3000"]  # from Globals.HttpApi
    slow = stack.functions["SlowFunction"]
    assert (slow.timeout, slow.memory_size, slow.code_uri) == (1, 1024, "tests/support/devstack_functions/")
    assert {s.name: s.enabled for s in stack.schedules} == {
        "TickFunctionEveryMinute": True,
        "TickFunctionDisabled": False,
    }


def test_any_method_aliases_schedule_input_and_bad_handlers(tmp_path: Path) -> None:
    path = tmp_path / "template.yaml"
    path.write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: app.handler\n"
        "      Events:\n        All: {Type: HttpApi, Properties: {Method: '*', Path: $default}}\n"
        "        Job: {Type: Schedule, Properties: {Schedule: rate(1 minute), Name: job, Input: '{\"a\": 1}'}}\n"
    )
    stack = read_stack(path)
    assert [(r.method, r.route_key) for r in stack.http_routes] == [("ANY", "$default")]
    assert [(s.name, s.input) for s in stack.schedules] == [("job", '{"a": 1}')]
    path.write_text("Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {Handler: nodot}\n")
    with pytest.raises(TemplateError, match=r"^Resources\.Fn\.Properties\.Handler"):
        read_stack(path)
