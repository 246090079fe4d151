"""CloudFormation intrinsics for the local stack: the YAML short tags and a small resolver.

``load_yaml`` turns ``!Ref X`` into ``{"Ref": "X"}``, ``!GetAtt A.B`` into
``{"Fn::GetAtt": ["A", "B"]}`` and every other short tag into its ``Fn::`` long form, so the
rest of the code only ever sees plain dicts. :class:`Resolver` evaluates those dicts against
parameter values and local names for resources (what ``!Ref`` / ``!GetAtt`` mean on a laptop).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml


class TemplateError(ValueError):
    """The template cannot be read, or a value in it cannot be resolved locally."""


_FN_TAGS = (
    *("Base64", "Cidr", "FindInMap", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub"),
    *("Transform", "If", "Equals", "Not", "And", "Or", "ToJsonString", "Length"),
)
_SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")


class _CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that also understands CloudFormation's short intrinsic tags."""


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _ref(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    return {"Ref": _construct(loader, node)}


def _condition(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    return {"Condition": _construct(loader, node)}


def _get_att(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value = _construct(loader, node)
    if isinstance(value, str):
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {"Fn::GetAtt": value}


def _function(name: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {f"Fn::{name}": _construct(loader, node)}

    return construct


_CloudFormationLoader.add_constructor("!Ref", _ref)
_CloudFormationLoader.add_constructor("!Condition", _condition)
_CloudFormationLoader.add_constructor("!GetAtt", _get_att)
for _name in _FN_TAGS:
    _CloudFormationLoader.add_constructor(f"!{_name}", _function(_name))


def load_yaml(text: str) -> dict[str, Any]:
    """Parse CloudFormation YAML into plain dicts; raise :class:`TemplateError` if it is not a mapping."""
    try:
        document = yaml.load(text, Loader=_CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise TemplateError(f"template is not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise TemplateError("template is not a YAML mapping")
    return document


class Resolver:
    """Evaluates intrinsic functions against local values.

    ``parameters`` are the template's parameter values (defaults already applied), ``refs`` maps a
    resource's logical id (or ``Name.Alias``) to what ``!Ref`` returns locally, ``attributes`` maps
    ``"Resource.Attribute"`` to what ``!GetAtt`` returns, and ``conditions`` are the template's
    ``Conditions`` section. A reference nobody supplied raises :class:`TemplateError` naming it.
    """

    def __init__(
        self,
        parameters: Mapping[str, Any],
        refs: Mapping[str, Any] | None = None,
        attributes: Mapping[str, Any] | None = None,
        conditions: Mapping[str, Any] | None = None,
        pseudo: Mapping[str, Any] | None = None,
    ) -> None:
        self.parameters = dict(parameters)
        self.refs = dict(refs or {})
        self.attributes = dict(attributes or {})
        self.conditions = dict(conditions or {})
        self.pseudo = {
            "AWS::Region": "us-east-1",
            "AWS::AccountId": "123456789012",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": "tradecore-local",
            "AWS::NoValue": None,
            **(pseudo or {}),
        }

    def resolve(self, value: Any) -> Any:
        """``value`` with every intrinsic evaluated (recursively)."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, argument), *_ = value.items()
            if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                return self._intrinsic(key, argument)
        return {key: self.resolve(item) for key, item in value.items()}

    def condition(self, name: str) -> bool:
        """The truth of the named condition of the template."""
        if name not in self.conditions:
            raise TemplateError(f"unknown condition {name!r}")
        return bool(self.resolve(self.conditions[name]))

    def _intrinsic(self, key: str, argument: Any) -> Any:
        handlers: dict[str, Callable[[Any], Any]] = {
            "Ref": self._ref,
            "Condition": self.condition,
            "Fn::GetAtt": self._get_att,
            "Fn::Sub": self._sub,
            "Fn::If": self._if,
            "Fn::Join": lambda arg: self.resolve(arg[0]).join(str(part) for part in self.resolve(arg[1])),
            "Fn::Select": lambda arg: self.resolve(arg[1])[int(self.resolve(arg[0]))],
            "Fn::Split": lambda arg: self.resolve(arg[1]).split(self.resolve(arg[0])),
            "Fn::Equals": lambda arg: self.resolve(arg[0]) == self.resolve(arg[1]),
            "Fn::Not": lambda arg: not self.resolve(arg[0]),
            "Fn::And": lambda arg: all(self.resolve(item) for item in arg),
            "Fn::Or": lambda arg: any(self.resolve(item) for item in arg),
        }
        if key not in handlers:
            raise TemplateError(f"{key} is not supported by the local stack")
        return handlers[key](argument)

    def _ref(self, name: str) -> Any:
        for source in (self.pseudo, self.parameters, self.refs):
            if name in source:
                return source[name]
        raise TemplateError(f"no local value for !Ref {name}")

    def _get_att(self, argument: Any) -> Any:
        resource, attribute = (argument.split(".", 1) if isinstance(argument, str) else argument)[:2]
        key = f"{resource}.{self.resolve(attribute)}"
        if key not in self.attributes:
            raise TemplateError(f"no local value for !GetAtt {key}")
        return self.attributes[key]

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else (argument[0], argument[1])
        local = {name: self.resolve(item) for name, item in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in local:
                return str(local[name])
            if "." in name and not name.startswith("AWS::"):
                return str(self._get_att(name))
            return str(self._ref(name))

        # ``${!Name}`` is CloudFormation's escape for a literal ``${Name}``.
        return _SUB_VARIABLE.sub(replace, text).replace("${!", "${")

    def _if(self, argument: Any) -> Any:
        name, when_true, when_false = argument
        return self.resolve(when_true if self.condition(name) else when_false)
