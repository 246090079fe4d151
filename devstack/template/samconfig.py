"""``samconfig.toml`` as ``sam deploy`` reads it: the template parameter overrides of one profile.

SAM CLI looks for ``samconfig.toml`` next to the template. A command's table
``[<env>.<command>.parameters]`` is laid over ``[<env>.global.parameters]`` key by key, so a
``parameter_overrides`` under ``deploy`` replaces the global one whole (SAM does not merge the two
lists). ``parameter_overrides`` is a string ``"Key=Value Key2='two words'"`` or a list of such
strings; the CloudFormation form ``ParameterKey=Key,ParameterValue=Value`` is accepted too. The
local stack applies what ``sam deploy`` would deploy: profile ``default``, command ``deploy``.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path
from typing import Any

from devstack.template.intrinsics import TemplateError

SAMCONFIG_NAME = "samconfig.toml"
_CLOUDFORMATION_FORM = re.compile(r"ParameterKey=([^,]+),ParameterValue=(.*)", re.DOTALL)


def parse_parameter_overrides(value: Any, where: str) -> dict[str, str]:
    """``{key: value}`` of a ``parameter_overrides`` value (string or list of strings); raise
    :class:`TemplateError` starting with ``where`` when a word is not ``Key=Value``."""
    texts = value if isinstance(value, list) else [value]
    overrides: dict[str, str] = {}
    for text in texts:
        if not isinstance(text, str):
            raise TemplateError(f"{where}: expected a string or a list of strings, got {text!r}")
        try:
            words = shlex.split(text)
        except ValueError as exc:  # an unclosed quote
            raise TemplateError(f"{where}: {exc} in {text!r}") from None
        for word in words:
            matched = _CLOUDFORMATION_FORM.fullmatch(word)
            key, sep, val = (matched.group(1), "=", matched.group(2)) if matched else word.partition("=")
            if not sep or not key:
                raise TemplateError(f"{where}: expected Key=Value, got {word!r}")
            overrides[key] = val
    return overrides


def read_parameter_overrides(path: Path, env: str = "default", command: str = "deploy") -> dict[str, str]:
    """The overrides ``sam <command> --config-env <env>`` would apply from the file at ``path``
    (``{}`` when there is none); raise :class:`TemplateError` naming the file when it is unreadable."""
    try:
        document = tomllib.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TemplateError(f"{path}: not TOML SAM can read: {exc}") from None
    profile = document.get(env) or {}
    for table in (command, "global"):
        parameters = (profile.get(table) or {}).get("parameters") or {}
        if "parameter_overrides" in parameters:
            where = f"{path} [{env}.{table}.parameters] parameter_overrides"
            return parse_parameter_overrides(parameters["parameter_overrides"], where)
    return {}
