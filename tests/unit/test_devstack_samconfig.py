"""The local stack applies samconfig.toml's default profile, as ``sam deploy`` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from devstack.local.resources import LocalResources
from devstack.local.settings import DevstackSettings
from devstack.template.reader import TemplateError
from devstack.template.samconfig import parse_parameter_overrides
from devstack.template.stack import read_stack

TEMPLATE = """
Parameters:
  RegistrationMode:
    Type: String
    Default: closed
    AllowedValues: [open, closed]
  Greeting:
    Type: String
    Default: hello
  LogLevel:
    Type: String
    Default: INFO
  BinanceTestnet:
    Type: String
    Default: "true"
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Handler: app.handler
      Environment:
        Variables:
          REGISTRATION_MODE: !Ref RegistrationMode
          GREETING: !Ref Greeting
          LOG_LEVEL: !Ref LogLevel
          BINANCE_TESTNET: !Ref BinanceTestnet
"""


def _environment(
    tmp_path: Path, samconfig: str | None, parameter_overrides: dict[str, str] | None = None
) -> dict[str, str]:
    template = tmp_path / "template.yaml"
    template.write_text(TEMPLATE)
    if samconfig is not None:
        (tmp_path / "samconfig.toml").write_text(samconfig)
    config = DevstackSettings(template=template, parameter_overrides=parameter_overrides or {})
    stack = read_stack(template, config.parameter_overrides)
    return LocalResources(stack, config).function_environment(stack.functions["Fn"])


def test_the_default_profile_overrides_reach_the_functions(tmp_path: Path) -> None:
    samconfig = """
version = 0.1
[default.deploy.parameters]
parameter_overrides = "RegistrationMode=open Greeting=\\"good morning\\" LogLevel=DEBUG"
[prod.deploy.parameters]
parameter_overrides = "RegistrationMode=closed Greeting=prod"
"""
    env = _environment(tmp_path, samconfig)
    assert (env["REGISTRATION_MODE"], env["GREETING"], env["LOG_LEVEL"]) == ("open", "good morning", "DEBUG")


def test_without_samconfig_the_template_defaults_apply(tmp_path: Path) -> None:
    env = _environment(tmp_path, None)
    assert (env["REGISTRATION_MODE"], env["GREETING"]) == ("closed", "hello")


def test_deploy_overrides_replace_the_global_ones_whole_as_sam_does(tmp_path: Path) -> None:
    # SAM lays [default.deploy.parameters] over [default.global.parameters] key by key: the
    # deploy list replaces the global list, it is not merged with it.
    samconfig = """
version = 0.1
[default.global.parameters]
parameter_overrides = "RegistrationMode=open Greeting=global"
[default.deploy.parameters]
parameter_overrides = ["Greeting=deploy"]
"""
    env = _environment(tmp_path, samconfig)
    assert (env["REGISTRATION_MODE"], env["GREETING"]) == ("closed", "deploy")


def test_the_global_overrides_apply_when_deploy_has_none(tmp_path: Path) -> None:
    samconfig = '[default.global.parameters]\nparameter_overrides = "RegistrationMode=open"\n'
    assert _environment(tmp_path, samconfig)["REGISTRATION_MODE"] == "open"


def test_the_environment_override_wins_over_samconfig(tmp_path: Path) -> None:
    samconfig = '[default.deploy.parameters]\nparameter_overrides = "RegistrationMode=open Greeting=file"\n'
    env = _environment(tmp_path, samconfig, parameter_overrides={"RegistrationMode": "closed"})
    assert (env["REGISTRATION_MODE"], env["GREETING"]) == ("closed", "file")


def test_the_simulator_stands_in_for_binance_whatever_samconfig_says(tmp_path: Path) -> None:
    samconfig = '[default.deploy.parameters]\nparameter_overrides = "BinanceTestnet=true"\n'
    assert _environment(tmp_path, samconfig)["BINANCE_TESTNET"] == "false"
    with pytest.raises(TemplateError, match=r"^DEVSTACK_PARAMETER_OVERRIDES: BinanceTestnet is fixed locally"):
        _environment(tmp_path, None, parameter_overrides={"BinanceTestnet": "true"})


@pytest.mark.parametrize(
    ("samconfig", "message"),
    [
        ('[default.deploy.parameters]\nparameter_overrides = "Nope=1"\n', r"Nope is not a parameter of the template"),
        (
            '[default.deploy.parameters]\nparameter_overrides = "RegistrationMode=ajar"\n',
            r"RegistrationMode='ajar' is not one of \['open', 'closed'\]",
        ),
        ('[default.deploy.parameters]\nparameter_overrides = "open"\n', r"expected Key=Value, got 'open'"),
        ("[default.deploy\n", r"not TOML"),
    ],
)
def test_a_wrong_samconfig_stops_the_start_naming_the_file(tmp_path: Path, samconfig: str, message: str) -> None:
    with pytest.raises(TemplateError, match=r"samconfig\.toml.*" + message):
        _environment(tmp_path, samconfig)


def test_overrides_parse_quotes_escapes_lists_and_the_cloudformation_form() -> None:
    assert parse_parameter_overrides('A=1 B=\'two words\' C="say \\"hi\\"" D=x=y', "here") == {
        "A": "1",
        "B": "two words",
        "C": 'say "hi"',
        "D": "x=y",
    }
    assert parse_parameter_overrides(["A=1", "B=2 C=3"], "here") == {"A": "1", "B": "2", "C": "3"}
    assert parse_parameter_overrides("ParameterKey=A,ParameterValue=1 B=2", "here") == {"A": "1", "B": "2"}


def test_the_environment_variable_is_parsed_and_named_when_wrong() -> None:
    settings = DevstackSettings.from_env({"DEVSTACK_PARAMETER_OVERRIDES": "RegistrationMode=closed"})
    assert settings.parameter_overrides == {"RegistrationMode": "closed"}
    with pytest.raises(ValueError, match=r"^DEVSTACK_PARAMETER_OVERRIDES: expected Key=Value"):
        DevstackSettings.from_env({"DEVSTACK_PARAMETER_OVERRIDES": "closed"})


def test_the_projects_samconfig_opens_registration_locally_as_the_readme_says() -> None:
    stack = read_stack()
    env = LocalResources(stack, DevstackSettings()).function_environment(stack.functions["AuthRegisterFunction"])
    assert env["REGISTRATION_MODE"] == "open"
    assert env["BINANCE_TESTNET"] == "false"  # the simulator, although the dev profile deploys to the testnet
