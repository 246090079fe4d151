"""Resolve CloudFormation intrinsic functions against the local stack's resources.

Values arrive in CloudFormation's long form (``{"Ref": x}``, ``{"Fn::GetAtt": [r, a]}``,
``{"Fn::Sub": ...}``, ...), which is what the short YAML tags (``!Ref``, ``!GetAtt``, ``!Sub``)
mean. A value that cannot be resolved locally raises :class:`TemplateError` naming where it was.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

ACCOUNT_ID = "123456789012"
NO_VALUE = object()  # AWS::NoValue: the property is removed
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")


class TemplateError(ValueError):
    """The template says something the local stack cannot understand; names resource and property."""


RefResolver = Callable[[str], Any]
AttResolver = Callable[[str, str], Any]


class Resolver:
    """Evaluates intrinsics: ``ref`` maps a logical id to its Ref value, ``getatt`` to attributes."""

    def __init__(
        self,
        ref: RefResolver,
        getatt: AttResolver,
        conditions: Mapping[str, Any] | None = None,
        region: str = "us-east-1",
        stack_name: str = "tradecore-local",
    ) -> None:
        self._ref = ref
        self._getatt = getatt
        self._conditions = dict(conditions or {})
        self._condition_cache: dict[str, bool] = {}
        self.pseudo = {
            "AWS::Region": region,
            "AWS::AccountId": ACCOUNT_ID,
            "AWS::StackName": stack_name,
            "AWS::StackId": f"arn:aws:cloudformation:{region}:{ACCOUNT_ID}:stack/{stack_name}/local",
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::NoValue": NO_VALUE,
        }

    def resolve(self, value: Any, where: str) -> Any:
        """The plain value of ``value``; ``where`` ("Resource.Property") names it in errors."""
        if isinstance(value, list):
            items = [self.resolve(item, where) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), *_ = value.items()
            if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                return self._intrinsic(key, arg, where)
        resolved = {k: self.resolve(v, f"{where}.{k}") for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def condition(self, name: str, where: str) -> bool:
        """Evaluate the named condition of the template's ``Conditions`` section."""
        if name not in self._condition_cache:
            if name not in self._conditions:
                raise TemplateError(f"{where}: unknown condition {name!r}")
            self._condition_cache[name] = bool(self.resolve(self._conditions[name], f"Conditions.{name}"))
        return self._condition_cache[name]

    def _intrinsic(self, key: str, arg: Any, where: str) -> Any:  # noqa: C901 - one branch per function
        if key == "Ref":
            return self.pseudo[arg] if arg in self.pseudo else self._ref(arg)
        if key == "Fn::GetAtt":
            resource, attribute = arg.split(".", 1) if isinstance(arg, str) else arg
            return self._getatt(resource, self.resolve(attribute, where))
        if key == "Fn::Sub":
            return self._sub(arg, where)
        if key == "Fn::Join":
            separator, items = arg
            return str(separator).join(str(item) for item in self.resolve(items, where))
        if key == "Fn::Select":
            index, items = arg
            return self.resolve(items, where)[int(self.resolve(index, where))]
        if key == "Fn::Split":
            separator, text = arg
            return str(self.resolve(text, where)).split(separator)
        if key == "Fn::If":
            name, when_true, when_false = arg
            return self.resolve(when_true if self.condition(name, where) else when_false, where)
        if key == "Fn::Equals":
            left, right = (self.resolve(item, where) for item in arg)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not self.resolve(arg[0], where)
        if key == "Fn::And":
            return all(self.resolve(item, where) for item in arg)
        if key == "Fn::Or":
            return any(self.resolve(item, where) for item in arg)
        if key == "Condition":
            return self.condition(arg, where)
        if key == "Fn::ToJsonString":
            import json

            return json.dumps(self.resolve(arg, where), separators=(",", ":"))
        if key == "Fn::Base64":
            import base64

            return base64.b64encode(str(self.resolve(arg, where)).encode()).decode()
        if key == "Fn::GetAZs":
            region = self.resolve(arg, where) or self.pseudo["AWS::Region"]
            return [f"{region}a", f"{region}b", f"{region}c"]
        raise TemplateError(f"{where}: intrinsic function {key} is not supported by the local stack")

    def _sub(self, arg: Any, where: str) -> str:
        template, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        local = {name: self.resolve(value, where) for name, value in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name in local:
                return str(local[name])
            if name in self.pseudo:
                return str(self.pseudo[name])
            if "." in name:
                resource, attribute = name.split(".", 1)
                return str(self._getatt(resource, attribute))
            return str(self._ref(name))

        return _SUB_VARIABLE.sub(replace, template).replace("${!", "${")
