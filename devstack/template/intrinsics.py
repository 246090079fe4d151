"""CloudFormation intrinsics for the local stack: the YAML short tags and the one resolver.

:func:`load_yaml` turns ``!Ref X`` into ``{"Ref": "X"}``, ``!GetAtt A.B`` into
``{"Fn::GetAtt": ["A", "B"]}`` and every other short tag into its ``Fn::`` long form, so the rest
of the code only ever sees plain dicts. :class:`Resolver` evaluates those dicts lazily: a ``Ref``
or ``GetAtt`` asks a lookup (the local stack's names, or plain mappings in tests), a condition is
evaluated the first time it is needed, and only the chosen branch of ``Fn::If`` is resolved.
A value that cannot be resolved locally raises :class:`TemplateError` naming where it was
(``Resources.X.Properties.Y``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import yaml

ACCOUNT_ID = "123456789012"
NO_VALUE: Any = object()  # AWS::NoValue: the property (or list item) is removed
_SUB_VARIABLE = re.compile(r"\$\{([^}!][^}]*)\}")
_FN_TAGS = (
    *("Base64", "Cidr", "FindInMap", "GetAZs", "ImportValue", "Join", "Select", "Split", "Sub"),
    *("Transform", "If", "Equals", "Not", "And", "Or", "ToJsonString", "Length"),
)

RefLookup = Callable[[str], Any]  # logical id or parameter -> Ref value; TemplateError when unknown
AttLookup = Callable[[str, str], Any]  # (logical id, attribute) -> GetAtt value; TemplateError when unknown


class TemplateError(ValueError):
    """The template cannot be read, or a value in it cannot be resolved locally; names where."""


# ------------------------------------------------------------------------------------ YAML tags
class _CloudFormationLoader(yaml.SafeLoader):
    """SafeLoader that also understands CloudFormation's short intrinsic tags."""


def _construct(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    return loader.construct_mapping(node, deep=True)


def _get_att(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
    value = _construct(loader, node)
    if isinstance(value, str):
        resource, _, attribute = value.partition(".")
        value = [resource, attribute]
    return {"Fn::GetAtt": value}


def _tag(key: str) -> Callable[[yaml.SafeLoader, yaml.Node], dict[str, Any]]:
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> dict[str, Any]:
        return {key: _construct(loader, node)}

    return construct


_CloudFormationLoader.add_constructor("!Ref", _tag("Ref"))
_CloudFormationLoader.add_constructor("!Condition", _tag("Condition"))
_CloudFormationLoader.add_constructor("!GetAtt", _get_att)
for _name in _FN_TAGS:
    _CloudFormationLoader.add_constructor(f"!{_name}", _tag(f"Fn::{_name}"))


def load_yaml(text: str) -> dict[str, Any]:
    """Parse CloudFormation YAML into plain dicts; raise :class:`TemplateError` if it is not a mapping."""
    try:
        document = yaml.load(text, Loader=_CloudFormationLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise TemplateError(f"template is not valid YAML: {exc}") from None
    if not isinstance(document, dict):
        raise TemplateError("template is not a YAML mapping")
    return document


# ------------------------------------------------------------------------------------- resolver
class Resolver:
    """Evaluates intrinsics: ``ref`` maps a logical id or parameter to its Ref value, ``getatt``
    a (logical id, attribute) pair to the attribute; both raise :class:`TemplateError` when they
    do not know the name. ``conditions`` and ``mappings`` are the template's sections."""

    def __init__(
        self,
        ref: RefLookup,
        getatt: AttLookup,
        conditions: Mapping[str, Any] | None = None,
        mappings: Mapping[str, Any] | None = None,
        region: str = "us-east-1",
        stack_name: str = "tradecore-local",
    ) -> None:
        self._ref_lookup, self._att_lookup = ref, getatt
        self._conditions = dict(conditions or {})
        self._mappings = dict(mappings or {})
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

    @classmethod
    def over(
        cls,
        parameters: Mapping[str, Any],
        refs: Mapping[str, Any] | None = None,
        attributes: Mapping[str, Any] | None = None,
        conditions: Mapping[str, Any] | None = None,
        mappings: Mapping[str, Any] | None = None,
    ) -> Resolver:
        """A resolver over plain values: ``parameters`` and ``refs`` (logical id -> Ref value) for
        ``Ref``, ``attributes`` (``"Resource.Attribute"`` -> value) for ``GetAtt``."""
        values = {**(refs or {}), **parameters}  # a parameter wins over a resource of the same name
        found = dict(attributes or {})

        def ref(name: str) -> Any:
            if name not in values:
                raise TemplateError(f"no local value for !Ref {name}")
            return values[name]

        def getatt(resource: str, attribute: str) -> Any:
            if f"{resource}.{attribute}" not in found:
                raise TemplateError(f"no local value for !GetAtt {resource}.{attribute}")
            return found[f"{resource}.{attribute}"]

        return cls(ref, getatt, conditions=conditions, mappings=mappings)

    def resolve(self, value: Any, where: str = "") -> Any:
        """The plain value of ``value``; ``where`` ("Resources.X.Properties.Y") names it in errors.
        ``AWS::NoValue`` inside a list or mapping removes the item; at the top it is :data:`NO_VALUE`."""
        if isinstance(value, list):
            items = [self.resolve(item, where) for item in value]
            return [item for item in items if item is not NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            (key, arg), *_ = value.items()
            if key == "Ref" or key.startswith("Fn::") or key == "Condition":
                return self._intrinsic(key, arg, where)
        resolved = {k: self.resolve(v, f"{where}.{k}" if where else k) for k, v in value.items()}
        return {k: v for k, v in resolved.items() if v is not NO_VALUE}

    def condition(self, name: str, where: str = "") -> bool:
        """The truth of the named condition of the template's ``Conditions`` section (cached)."""
        if name not in self._condition_cache:
            if name not in self._conditions:
                raise TemplateError(_at(where, f"unknown condition {name!r}"))
            self._condition_cache[name] = bool(self.resolve(self._conditions[name], f"Conditions.{name}"))
        return self._condition_cache[name]

    def ref(self, name: str, where: str = "") -> Any:
        """What ``!Ref name`` means locally (pseudo parameters first)."""
        if name in self.pseudo:
            return self.pseudo[name]
        return _located(where, self._ref_lookup, name)

    def getatt(self, resource: str, attribute: str, where: str = "") -> Any:
        """What ``!GetAtt resource.attribute`` means locally."""
        return _located(where, self._att_lookup, resource, attribute)

    def _intrinsic(self, key: str, arg: Any, where: str) -> Any:  # noqa: C901 - one branch per function
        resolve = self.resolve
        if key == "Ref":
            return self.ref(arg, where)
        if key == "Condition":
            return self.condition(arg, where)
        if key == "Fn::GetAtt":
            resource, attribute = arg.split(".", 1) if isinstance(arg, str) else arg[:2]
            return self.getatt(resource, resolve(attribute, where), where)
        if key == "Fn::Sub":
            return self._sub(arg, where)
        if key == "Fn::If":
            name, when_true, when_false = arg
            return resolve(when_true if self.condition(name, where) else when_false, where)
        if key == "Fn::Join":
            separator, items = arg
            return str(resolve(separator, where)).join(str(item) for item in resolve(items, where))
        if key == "Fn::Select":
            index, items = arg
            return resolve(items, where)[int(resolve(index, where))]
        if key == "Fn::Split":
            separator, text = arg
            return str(resolve(text, where)).split(str(resolve(separator, where)))
        if key == "Fn::FindInMap":
            return self._find_in_map([resolve(item, where) for item in arg], where)
        if key == "Fn::Equals":
            left, right = (resolve(item, where) for item in arg)
            return str(left) == str(right)
        if key == "Fn::Not":
            return not resolve(arg[0], where)
        if key == "Fn::And":
            return all(resolve(item, where) for item in arg)
        if key == "Fn::Or":
            return any(resolve(item, where) for item in arg)
        if key == "Fn::ToJsonString":
            import json

            return json.dumps(resolve(arg, where), separators=(",", ":"))
        if key == "Fn::Base64":
            import base64

            return base64.b64encode(str(resolve(arg, where)).encode()).decode()
        if key == "Fn::GetAZs":
            region = resolve(arg, where) or self.pseudo["AWS::Region"]
            return [f"{region}a", f"{region}b", f"{region}c"]
        raise TemplateError(_at(where, f"intrinsic function {key} is not supported by the local stack"))

    def _sub(self, arg: Any, where: str) -> str:
        text, variables = (arg, {}) if isinstance(arg, str) else (arg[0], arg[1])
        local = {name: self.resolve(value, where) for name, value in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name in local:
                return str(local[name])
            if "." in name and name not in self.pseudo:
                resource, attribute = name.split(".", 1)
                return str(self.getatt(resource, attribute, where))
            return str(self.ref(name, where))

        # ``${!Name}`` is CloudFormation's escape for a literal ``${Name}``.
        return _SUB_VARIABLE.sub(replace, text).replace("${!", "${")

    def _find_in_map(self, keys: list[Any], where: str) -> Any:
        if len(keys) != 3:
            raise TemplateError(_at(where, "Fn::FindInMap needs [MapName, TopLevelKey, SecondLevelKey]"))
        value: Any = self._mappings
        for key in keys:
            if not isinstance(value, dict) or key not in value:
                raise TemplateError(_at(where, f"Fn::FindInMap: no {'.'.join(map(str, keys))} in Mappings"))
            value = value[key]
        return value


def _at(where: str, message: str) -> str:
    return f"{where}: {message}" if where else message


def _located(where: str, lookup: Callable[..., Any], *args: str) -> Any:
    """Call a lookup; a TemplateError it raises is re-raised naming ``where`` too."""
    try:
        return lookup(*args)
    except TemplateError as exc:
        if not where or str(exc).startswith(where):
            raise
        raise TemplateError(f"{where}: {exc}") from None
