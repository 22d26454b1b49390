"""SAM/CloudFormation: safe loading with short-form intrinsics, and resolving values.

YAML is read with a safe loader that turns ``!Ref X`` into ``{"Ref": "X"}`` and ``!Sub``
into ``{"Fn::Sub": …}``; nothing else is constructed. Intrinsics are then resolved to
name patterns (``*`` where a value is only known at deploy time, such as a generated name).
"""

from __future__ import annotations

import builtins
import json
import os
import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

import yaml

from lpgen.data_files import load_table
from lpgen.errors import TemplateError, read_text
from lpgen.iac import samconfig
from lpgen.iac.model import (
    POLLED,
    SECRET_ACCESS,
    DataLocation,
    EncryptedResource,
    EventSource,
    FunctionInfo,
    PassedRoles,
    S3Trigger,
    Template,
    Unresolved,
    arn_service,
    arns,
    code_root,
    deployed_from,
    eventbridge_s3,
    follow,
    key_alias,
    msk_iam_grants,
    sns_queue,
    source_secrets,
    unresolved_in,
)
from lpgen.permissions.arns import Scope

MAX_RESOLVE_DEPTH = 40


class _NoValue(str):
    """``{"Ref": "AWS::NoValue"}``: what removes the property or list item that holds it. An
    empty string where it stands alone (a whole property's value), so that what reads it as a
    string or JSON sees nothing."""

    __slots__ = ()


NO_VALUE = _NoValue("")

_DYNAMIC = re.compile(r"\{\{resolve:[^{}]*\}\}")
"""a dynamic reference CloudFormation resolves at deploy time (SSM parameters, secrets)."""


# The short forms CloudFormation defines (Template reference, "Intrinsic function reference").
TAGS = frozenset({
    "Ref", "Condition", "GetAtt", "Sub", "Join", "Select", "Split", "If", "Equals", "And", "Or",
    "Not", "FindInMap", "ImportValue", "GetAZs", "Base64", "Cidr", "Transform", "Length",
    "ToJsonString", "ForEach",
})


def _loader_class() -> Any:
    """cfn-flip's safe loader (short-form tags become their long forms), refusing tags
    CloudFormation does not define."""
    from cfn_tools.yaml_loader import TAG_MAP, CfnYamlLoader, construct_mapping, multi_constructor

    class Loader(CfnYamlLoader):  # type: ignore[misc]
        pass

    def mapping(loader: Any, node: yaml.Node) -> Any:
        # NOTE: merge keys (<<: *defaults), as the Serverless Framework and SAM CLI read them.
        if isinstance(node, yaml.MappingNode):
            loader.flatten_mapping(node)
        return construct_mapping(loader, node)

    def checked(loader: Any, suffix: str, node: yaml.Node) -> Any:
        if suffix not in TAGS:
            raise yaml.constructor.ConstructorError(
                None, None, f"unknown tag !{suffix} (CloudFormation knows {', '.join('!' + t for t in sorted(TAGS))})",
                node.start_mark,
            )
        return _plain(multi_constructor(loader, suffix, node), loader)

    Loader.add_constructor(TAG_MAP, mapping)
    Loader.add_multi_constructor("!", checked)
    return Loader


def _plain(value: Any, loader: Any) -> Any:
    """Values built lazily by the loader, made concrete (nested tags inside tags)."""
    if isinstance(value, dict):
        return {k: _plain(v, loader) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, loader) for v in value]
    if isinstance(value, yaml.Node):
        return _plain(loader.construct_object(value, deep=True), loader)
    return value


MAX_EXPANDED = 1_000_000
"""the most values a YAML document may hold once its aliases are written out."""


def _has_aliases(root: yaml.Node) -> bool:
    """Whether the document rooted at ``root`` has aliases, counting the values it holds with
    every alias written out: one past ``MAX_EXPANDED`` (a billion laughs) or whose alias
    refers to a node that holds it is refused, at that node."""
    sizes: dict[int, int] = {}
    open_: set[int] = set()
    seen = 0

    def size(node: yaml.Node) -> int:
        nonlocal seen
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_:
            raise yaml.composer.ComposerError(None, None, "recursive YAML aliases: an alias refers to a value that holds it", node.start_mark)
        seen += 1
        open_.add(key)
        total = 1
        if isinstance(node, yaml.SequenceNode):
            total += sum(size(v) for v in node.value)
        elif isinstance(node, yaml.MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        open_.discard(key)
        if total > MAX_EXPANDED:
            raise yaml.composer.ComposerError(
                None, None, f"YAML aliases make the document hold more than {MAX_EXPANDED:,} values", node.start_mark)
        sizes[key] = total
        return total

    return size(root) > seen


def _unshared(value: Any) -> Any:
    """``value`` with each alias its own copy: the template's readers may change one
    function's properties without changing another's that shared them."""
    if isinstance(value, dict):
        return {k: _unshared(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_unshared(v) for v in value]
    return value


def _key_lines(node: yaml.Node, prefix: str, depth: int, out: dict[str, int]) -> None:
    if depth == 0 or not isinstance(node, yaml.MappingNode):
        return
    for key, value in node.value:
        if isinstance(key, yaml.ScalarNode):
            path = f"{prefix}{key.value}"
            out.setdefault(path, key.start_mark.line + 1)
            _key_lines(value, path + ".", depth - 1, out)


def load_document(path: str, key_lines: dict[str, int] | None = None) -> Any:
    """Parse YAML or JSON; errors name the file and line.

    With ``key_lines``, the line of each YAML mapping key down to five levels is put there
    by its dotted path (``Resources.Fn``, ``Resources.Fn.Properties.Events.Queue``)."""
    text = read_text(path, TemplateError)
    if text.lstrip().startswith("{"):
        try:
            return json.loads(text)
        except ValueError as exc:
            line = getattr(exc, "lineno", 0)
            raise TemplateError(f"{path}:{line}: invalid JSON: {exc}") from exc
    loader = None
    try:
        loader = _loader_class()(text)
        # NOTE: every value built at once: a list inside a tag (``!Join ["", [a, !Ref B]]``)
        # is otherwise filled after the tag's value has been copied, and the copy stays empty.
        loader.deep_construct = True
        node = loader.get_single_node()
        if node is None:
            return None
        aliased = _has_aliases(node)
        if key_lines is not None:
            _key_lines(node, "", 5, key_lines)
        doc = loader.construct_document(node)
        return _unshared(doc) if aliased else doc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        if mark is None and getattr(exc, "position", None) is not None:
            line = text.count("\n", 0, exc.position) + 1  # type: ignore[attr-defined]
            where = f":{line}"
        else:
            where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or getattr(exc, "reason", None) or str(exc).splitlines()[0]
        raise TemplateError(f"{path}{where}: invalid YAML: {problem}") from exc
    except RecursionError as exc:
        raise TemplateError(f"{path}: invalid YAML: nested too deeply") from exc
    finally:
        if loader is not None:
            loader.dispose()


@lru_cache(maxsize=1)
def _types() -> dict[str, Any]:
    return load_table("cfn_resources.yaml") or {}


class Resolver:
    """Resolve intrinsic functions of one template to string patterns."""

    def __init__(self, doc: dict[str, Any], params: dict[str, str], scope: Scope, path: str, stack_name: str = "*") -> None:
        self.doc = doc
        self.stack_name = stack_name
        """the stack's name when the template decides it (serverless.yml), else ``*``."""
        self.resources: dict[str, Any] = doc.get("Resources") or {}
        self.parameters: dict[str, Any] = doc.get("Parameters") or {}
        self.mappings: dict[str, Any] = doc.get("Mappings") or {}
        self.conditions: dict[str, Any] = doc.get("Conditions") or {}
        self.params = params
        self.scope = scope
        self.path = path
        self._stack: list[str] = []
        self.defaulted: set[str] = set()
        self.dynamic: list[str] = []
        """what the values read took that is not known here: dynamic references
        (``{{resolve:ssm:/app/table}}``), other stacks' exports, parameters without a value."""
        """parameters resolved to their Default since this was last cleared."""

    def implied(self, logical: str, rtype: str) -> None:
        """Let ``Ref`` and ``Fn::GetAtt`` name a resource SAM makes for a function (an SNS
        event's queue), as a template may."""
        if logical not in self.resources:
            self.resources = {**self.resources, logical: {"Type": rtype}}

    def pseudo(self, name: str) -> str | None:
        return {
            "AWS::Region": self.scope.value("Region"),
            "AWS::AccountId": self.scope.value("Account"),
            "AWS::Partition": self.scope.value("Partition"),
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": self.stack_name,
            "AWS::StackId": "*",
            "AWS::NoValue": "",
        }.get(name)

    def _guard(self, key: str) -> None:
        if key in self._stack or len(self._stack) > MAX_RESOLVE_DEPTH:
            raise TemplateError(f"{self.path}: circular reference through {key}")

    def ref(self, name: builtins.str) -> builtins.str:
        pseudo = self.pseudo(name)
        if pseudo is not None:
            return pseudo
        if name in self.params:
            return self.params[name]
        if name in self.parameters:
            p = self.parameters[name] or {}
            if str(p.get("Type", "")).startswith("AWS::SSM::Parameter::Value<"):
                # NOTE: its value is the SSM parameter's that its default names, read when the
                # stack deploys.
                where = f"the SSM parameter {self.str(p['Default'])}" if "Default" in p else "an SSM parameter"
                self.dynamic.append(f"template parameter {name}, {where} (resolved when the stack deploys)")
                return Unresolved(f"template parameter {name}, {where}")
            if "Default" in p:
                self.defaulted.add(name)
                return self.str(p["Default"])
            self.dynamic.append(f"template parameter {name} (no default; --param {name}=… gives it)")
            return Unresolved(f"template parameter {name} (no default)")
        if name in self.resources:
            return self._resource_value(name, None)
        return "*"

    def environment(
        self, variables: dict[str, Any], lines: dict[builtins.str, int],
    ) -> tuple[dict[builtins.str, builtins.str], list[tuple[builtins.str, builtins.str, int]]]:
        """A function's environment variables as strings, and (variable, source, its line in
        ``lines``) for each value known only when the stack deploys (a parameter without a
        default, an export, a dynamic reference), one variable at a time to tell which takes
        what."""
        env: dict[builtins.str, builtins.str] = {}
        found: list[tuple[builtins.str, builtins.str, int]] = []
        for k, v in variables.items():
            self.dynamic.clear()
            env[k] = self.str(v)
            found.extend((k, source, lines.get(k, 0)) for source in dict.fromkeys(self.dynamic))
        return env, found

    def arn(self, value: Any, attr: str) -> str:
        """``attr`` of the resource a ``Ref`` names (a queue's ``Arn``, not its URL), else
        the value resolved."""
        if isinstance(value, dict) and "Ref" in value and value["Ref"] in self.resources:
            res = self.resources[value["Ref"]]
            spec = _types().get(res.get("Type", "") if isinstance(res, dict) else "") or {}
            ref = str(spec.get("ref") or "")
            if attr in (spec.get("attrs") or {}) or not ref.startswith(("arn:", "${Property:")):
                return self.get_att(value["Ref"], attr)
            # NOTE: a type whose Ref is its ARN (a topic's, a stream consumer's).
        return self.str(value)

    def get_att(self, name: str, attr: str) -> str:
        if name in self.resources:
            if attr.startswith("Outputs."):
                return self._nested_output(name, attr.removeprefix("Outputs."))
            return self._resource_value(name, attr)
        return "*"

    def _nested_output(self, logical: str, output: str) -> str:
        """An output of a nested stack whose template is on disk (``AWS::CloudFormation::Stack``
        with a local ``TemplateURL``, ``AWS::Serverless::Application`` with a local
        ``Location``), resolved with the parameters this template passes it; its stack is
        named Parent-Logical-random. Else not known."""
        res = self.resources.get(logical) or {}
        props = res.get("Properties") or {}
        path = _nested_template(res, self.path)
        key = f"nested:{path}:{output}"
        if not path or key in self._stack or not os.path.isfile(path):
            self.dynamic.append(f"nested stack {logical}'s output {output}")
            return Unresolved(f"nested stack {logical}'s output {output}")
        self._guard(key)
        self._stack.append(key)
        try:
            try:
                doc = load_document(path)
            except TemplateError as exc:
                self.dynamic.append(f"nested stack {logical}'s output {output} ({exc})")
                return "*"
            outputs = doc.get("Outputs") if isinstance(doc, dict) else None
            found = outputs.get(output) if isinstance(outputs, dict) else None
            if not isinstance(found, dict) or not isinstance(doc.get("Resources"), dict):
                return "*"
            given = props.get("Parameters") or {}
            params = {k: self.str(v) for k, v in given.items()} if isinstance(given, dict) else {}
            stack = "*" if self.stack_name == "*" else f"{self.stack_name}-{logical}-*"
            nested = Resolver(doc, params, self.scope, path, stack)
            nested._stack = self._stack
            return nested.str(found.get("Value"))
        finally:
            self._stack.pop()

    def physical_name(self, logical: str) -> str:
        """The resource's name: its name property, or a generated-name pattern."""
        res = self.resources.get(logical) or {}
        spec = _types().get(res.get("Type", ""), {})
        props = res.get("Properties") or {}
        prop = spec.get("name")
        value: Any = props
        for part in (prop or "").split("."):
            value = value.get(part) if isinstance(value, dict) else None
        if prop and value is not None:
            key = f"name:{logical}"
            self._guard(key)
            self._stack.append(key)
            try:
                return self.str(value)
            finally:
                self._stack.pop()
        form = str(spec.get("generated") or "")
        if form == "*":
            return "*"
        if "${Logical}" in form:
            # NOTE: a type whose generated names leave the stack's name out (a state
            # machine is Logical-random, a secret the same, a parameter CFN-Logical-random).
            limit = int(spec.get("generated_limit") or 0)
            if limit and len(form.replace("${Logical}", logical)) - 1 + GENERATED_RANDOM > limit:
                # NOTE: the logical id is cut for the random part to fit.
                return form.replace("${Logical}-*", logical[: max(limit - GENERATED_RANDOM - 1, 0)] + "*")
            return form.replace("${Logical}", logical)
        lower = form == "lower"
        stack = self.stack_name.lower() if lower else self.stack_name
        # NOTE: CloudFormation names it stack-logical-random and shortens the stack and
        # logical parts when the whole would pass the type's limit (64 for a function or
        # role, 63 for a bucket); only a name that surely fits keeps the stack's name.
        if len(stack) + len(logical) + GENERATED_SUFFIX > 63 or "*" in stack:
            stack = "*"
        generated = f"{stack}-{logical.lower() if lower else logical}-*"
        if spec.get("fifo_suffix") and props.get(spec["fifo_suffix"]) in (True, "true"):
            generated += ".fifo"
        return generated

    def _resource_value(self, logical: str, attr: str | None) -> str:
        res = self.resources.get(logical) or {}
        spec = _types().get(res.get("Type", ""))
        if spec is None:
            return "*"
        template = spec.get("ref") if attr is None else (spec.get("attrs") or {}).get(attr)
        if template is None:
            return "*"
        values = {
            "Partition": self.scope.value("Partition"),
            "Region": self.scope.value("Region"),
            "Account": self.scope.value("Account"),
        }
        if "${Name}" in template:
            values["Name"] = self.physical_name(logical)
        props = res.get("Properties") or {}
        for prop in re.findall(r"\$\{Property:(\w+)\}", template):
            values[f"Property:{prop}"] = self.str(props.get(prop)) if isinstance(props, dict) and prop in props else "*"
        return re.sub(r"\$\{([\w:]+)\}", lambda m: values.get(m.group(1), "*"), template)

    def given(self, value: Any) -> Any:
        """``value`` as written, or None when it is absent or resolves to ``AWS::NoValue``
        (``!If [Cond, …, !Ref AWS::NoValue]``), which removes the property."""
        return None if value is None or self.value(value) is NO_VALUE else value

    def str(self, value: Any) -> str:  # noqa: A003
        """Resolve a value to a string pattern. A dynamic reference (``{{resolve:ssm:…}}``)
        is filled in by CloudFormation when it deploys: here its part is ``*``."""
        out = self.value(value)
        if out is NO_VALUE:
            return ""
        if isinstance(out, (list, dict)):
            return "*"
        if isinstance(out, bool):
            return "true" if out else "false"
        if isinstance(out, Unresolved):
            return out
        text = "*" if out is None else str(out)
        return self._dynamic(text) if "{{resolve:" in text else text

    def _dynamic(self, text: builtins.str) -> builtins.str:
        """``text`` with its dynamic references ``*`` (and noted in ``dynamic``)."""
        refs = _DYNAMIC.findall(text)
        self.dynamic.extend(f"{ref} (resolved when the stack deploys)" for ref in refs)
        if refs == [text]:
            return Unresolved(f"the dynamic reference {text}")
        return Unresolved(", ".join(f"the dynamic reference {r}" for r in dict.fromkeys(refs)), _DYNAMIC.sub("*", text))

    def value(self, value: Any) -> Any:
        """Resolve intrinsics inside any value. ``AWS::NoValue`` removes the list item or
        the key that holds it (CDK writes ``[table ARN, {"Ref": "AWS::NoValue"}]``)."""
        if isinstance(value, list):
            return [v for v in (self.value(v) for v in value) if v is not NO_VALUE]
        if not isinstance(value, dict):
            return self._dynamic(value) if isinstance(value, str) and "{{resolve:" in value else value
        if len(value) == 1:
            (k, arg), = value.items()
            if k == "Ref":
                return NO_VALUE if arg == "AWS::NoValue" else self.ref(str(arg))
            if k == "Fn::GetAtt":
                parts = arg if isinstance(arg, list) else str(arg).split(".", 1)
                return self.get_att(str(parts[0]), str(parts[1]) if len(parts) > 1 else "")
            if k == "Fn::Sub":
                text = self.sub(arg)
                return self._dynamic(text) if "{{resolve:" in text else text
            if k == "Fn::Join" and isinstance(arg, list) and len(arg) == 2:
                items = self.value(arg[1])
                items = items if isinstance(items, list) else [items]
                joined = [self.str(i) for i in items]
                return unresolved_in(str(arg[0]).join(joined), joined)
            if k == "Fn::Select" and isinstance(arg, list) and len(arg) == 2:
                seq = self.value(arg[1])
                try:
                    return seq[int(self.str(arg[0]))] if isinstance(seq, list) else "*"
                except (ValueError, IndexError):
                    return "*"
            if k == "Fn::Split" and isinstance(arg, list) and len(arg) == 2:
                text = self.str(arg[1])
                return text.split(str(arg[0]))
            if k == "Fn::If" and isinstance(arg, list) and len(arg) == 3:
                cond = self.condition(str(arg[0]))
                return self.value(arg[2] if cond is False else arg[1])
            if k == "Fn::FindInMap" and isinstance(arg, list) and len(arg) >= 3:
                try:
                    return self.value(self.mappings[self.str(arg[0])][self.str(arg[1])][self.str(arg[2])])
                except (KeyError, TypeError):
                    return "*"
            if k == "Fn::ImportValue":
                name = self.str(arg)
                exported = self._exported(name)
                if exported is not None:
                    return exported
                self.dynamic.append(f"another stack's export {name}")
                return Unresolved(f"another stack's export {name}")
            if k in ("Fn::GetAZs", "Fn::Base64", "Fn::Cidr"):
                return "*"
        return {k: v for k, v in ((k, self.value(v)) for k, v in value.items()) if v is not NO_VALUE}

    def _exported(self, name: builtins.str) -> builtins.str | None:
        """What another stack of the same CDK app exports as ``name``: the templates beside
        this one in ``cdk.out``, each resolved as its own stack (the manifest's name). None
        when this template is no CDK app's or no stack of it exports ``name``."""
        folder = os.path.dirname(os.path.abspath(self.path))
        key = f"import:{name}"
        if "*" in name or key in self._stack or not os.path.isfile(os.path.join(folder, "manifest.json")):
            return None
        self._guard(key)
        self._stack.append(key)
        try:
            for producer in _app_stacks(folder, self.path, self.scope):
                outputs = producer.doc.get("Outputs")
                if not isinstance(outputs, dict):
                    continue
                producer._stack = self._stack
                for output in outputs.values():
                    export = (output.get("Export") or {}).get("Name") if isinstance(output, dict) else None
                    if export is not None and producer.str(export) == name:
                        return producer.str(output.get("Value"))
            return None
        finally:
            self._stack.pop()

    def sub(self, arg: Any) -> builtins.str:
        if isinstance(arg, list) and arg:
            text, variables = str(arg[0]), (arg[1] if len(arg) > 1 and isinstance(arg[1], dict) else {})
        else:
            text, variables = str(arg), {}

        parts: list[builtins.str] = []

        def repl(m: re.Match[builtins.str]) -> builtins.str:
            parts.append(value(m.group(1)))
            return parts[-1]

        def value(name: builtins.str) -> builtins.str:
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return self.str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical, attr = name.split(".", 1)
                return self.get_att(logical, attr)
            key = f"sub:{name}"
            self._guard(key)
            self._stack.append(key)
            try:
                return self.ref(name)
            finally:
                self._stack.pop()

        return unresolved_in(re.sub(r"\$\{([^}]+)\}", repl, text), parts)

    def condition(self, name: builtins.str) -> bool | None:
        """Whether the template's condition ``name`` holds: None when it rests on what is
        not known here."""
        key = f"condition:{name}"
        self._guard(key)
        self._stack.append(key)
        try:
            return self._holds(self.conditions.get(name))
        finally:
            self._stack.pop()

    def _holds(self, cond: Any) -> bool | None:
        """A condition function's value (``Fn::Equals``, ``Fn::Not``, ``Fn::And``, ``Fn::Or``,
        ``Condition``), three-valued: None is not known."""
        if not isinstance(cond, dict) or len(cond) != 1:
            return None
        (k, arg), = cond.items()
        if k == "Condition":
            return self.condition(str(arg))
        if k == "Fn::Equals" and isinstance(arg, list) and len(arg) == 2:
            a, b = self.str(arg[0]), self.str(arg[1])
            return None if "*" in a + b else a == b
        if not isinstance(arg, list):
            return None
        values = [self._holds(c) for c in arg]
        if k == "Fn::Not" and len(values) == 1:
            return None if values[0] is None else not values[0]
        if k == "Fn::And":
            return False if False in values else None if None in values else True
        if k == "Fn::Or":
            return True if True in values else None if None in values else False
        return None


def _image_code(path: str, res: dict[str, Any], props: dict[str, Any], handler: Any) -> tuple[Any, Any]:
    """A container image function's code folder (SAM's ``Metadata.DockerContext``) and
    handler: ``ImageConfig.Command``, else the Dockerfile's ``CMD``."""
    meta = res.get("Metadata") or {}
    context = str(meta["DockerContext"]) if isinstance(meta.get("DockerContext"), str) else "."
    command = (props.get("ImageConfig") or {}).get("Command")
    if isinstance(command, list) and command and isinstance(command[0], str):
        return context, command[0]
    dockerfile = os.path.join(os.path.dirname(os.path.abspath(path)), context, str(meta.get("Dockerfile") or "Dockerfile"))
    return context, dockerfile_handler(dockerfile) or handler


def dockerfile_handler(dockerfile: str) -> str | None:
    """The handler a Lambda image's Dockerfile names in its last ``CMD``, or None."""
    try:
        with open(dockerfile, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
    except OSError:
        return None
    cmds = re.findall(r"(?im)^\s*CMD\s+(.+)$", text)
    if cmds:
        found = re.findall(r'"([^"]+)"', cmds[-1]) or cmds[-1].split()
        if found and re.fullmatch(r"[\w./]+\.\w+", found[0]):
            return found[0]
    return None


def _inline_code(props: dict[str, Any], lines: dict[str, int], logical: str) -> tuple[str | None, int]:
    """The code a function holds in the template (``Code.ZipFile``, SAM's ``InlineCode``)
    and the line it starts on: a block scalar's text starts below its key."""
    code = props.get("Code")
    for key, text in (("Code.ZipFile", code.get("ZipFile") if isinstance(code, dict) else None),
                      ("InlineCode", props.get("InlineCode"))):
        if isinstance(text, str):
            line = lines.get(f"Resources.{logical}.Properties.{key}", 0)
            return text, line + 1 if line and "\n" in text else line
    return None, 0


def _parent_parameters(path: str, scope: Scope) -> dict[str, str]:
    """The parameters a CDK app's parent stack passes to the nested stack whose template is
    ``path`` (the parent's resource whose ``aws:asset:path`` names it), resolved as the parent."""
    folder = os.path.dirname(os.path.abspath(path))
    name = os.path.basename(path)
    if not name.endswith(".nested.template.json") or not os.path.isfile(os.path.join(folder, "manifest.json")):
        return {}
    for parent in _app_stacks(folder, path, scope):
        for res in parent.resources.values() if isinstance(parent.resources, dict) else ():
            meta = res.get("Metadata") if isinstance(res, dict) else None
            if isinstance(meta, dict) and meta.get("aws:asset:path") == name:
                given = (res.get("Properties") or {}).get("Parameters") or {}
                try:
                    return {k: parent.str(v) for k, v in given.items()} if isinstance(given, dict) else {}
                except TemplateError:
                    return {}
    return {}


def _nested_template(res: Any, parent: str) -> str:
    """The template file on disk of a nested stack resource of the template ``parent``
    (``AWS::CloudFormation::Stack``'s local ``TemplateURL``, ``AWS::Serverless::Application``'s
    local ``Location``, a CDK nested stack's asset), or "" when it has none."""
    if not isinstance(res, dict):
        return ""
    props: dict[str, Any] = res["Properties"] if isinstance(res.get("Properties"), dict) else {}
    where = {"AWS::CloudFormation::Stack": props.get("TemplateURL"),
             "AWS::Serverless::Application": props.get("Location")}.get(res.get("Type", ""))
    meta = res.get("Metadata") or {}
    if isinstance(meta, dict) and meta.get("aws:asset:property") == "TemplateURL" and isinstance(meta.get("aws:asset:path"), str):
        # NOTE: a CDK nested stack: its TemplateURL is the asset's place in S3, its
        # template the file beside this one in cdk.out.
        where = meta["aws:asset:path"]
    if not isinstance(where, str) or "://" in where or where.startswith("s3:"):
        return ""
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(parent)), where))


NESTING_LEVELS = 3
"""how many folders above a template its nesting template is looked for in."""


def _nesting_parameters(path: str, scope: Scope, depth: int = NESTING_LEVELS) -> dict[str, str]:
    """The parameters the template that nests this one passes it (an
    ``AWS::Serverless::Application`` whose ``Location``, or an ``AWS::CloudFormation::Stack``
    whose ``TemplateURL``, is this file), resolved as that template, itself given what its
    own nesting template passes. Looked for in the template's folder and the
    ``NESTING_LEVELS`` above it; none found, none."""
    target = os.path.realpath(path)
    folder = os.path.dirname(target)
    if os.path.isfile(os.path.join(folder, "manifest.json")):
        # NOTE: a CDK app's output: its nested stacks are its assets (_parent_parameters).
        return {}
    # NOTE: not above the repository's root, nor, outside a repository, above the
    # template's parent folder (a home folder's files are no template's).
    top = _repository_root(folder) or os.path.dirname(folder)
    for _ in range(NESTING_LEVELS + 1):
        for parent in _nesting_candidates(folder, target):
            found = _passed_parameters(parent, target, scope, depth)
            if found is not None:
                return found
        if folder == top or os.path.dirname(folder) == folder:
            break
        folder = os.path.dirname(folder)
    return {}


def _repository_root(folder: str) -> str | None:
    """The folder holding ``.git`` that ``folder`` is in, or None."""
    while not os.path.exists(os.path.join(folder, ".git")):
        above = os.path.dirname(folder)
        if above == folder:
            return None
        folder = above
    return folder


def _nesting_candidates(folder: str, target: str) -> list[str]:
    """The templates in ``folder`` whose text names ``target``'s file where a nested stack
    does (read as text first: most files are no such template)."""
    out = []
    try:
        names = sorted(os.listdir(folder))
    except OSError:
        return []
    for name in names:
        candidate = os.path.join(folder, name)
        if not name.endswith((".yaml", ".yml", ".json")) or os.path.realpath(candidate) == target:
            continue
        try:
            if os.path.getsize(candidate) > 2 * 1024 * 1024:
                continue
            with open(candidate, encoding="utf-8", errors="replace") as fh:
                text = fh.read()
        except OSError:
            continue
        if os.path.basename(target) in text and ("Location" in text or "TemplateURL" in text):
            out.append(candidate)
    return out


def _passed_parameters(parent: str, target: str, scope: Scope, depth: int) -> dict[str, str] | None:
    """What the template ``parent`` passes the nested stack whose template is ``target``, or
    None when it nests no such stack (or cannot be read)."""
    try:
        doc = load_document(parent)
    except TemplateError:
        return None
    resources = doc.get("Resources") if isinstance(doc, dict) else None
    for res in resources.values() if isinstance(resources, dict) else ():
        where = _nested_template(res, parent)
        if not where or os.path.realpath(where) != target:
            continue
        given = (res.get("Properties") or {}).get("Parameters")
        if not isinstance(given, dict):
            return {}
        own = _nesting_parameters(parent, scope, depth - 1) if depth > 1 else {}
        deployed = samconfig.read(parent)
        own = {**own, **(deployed.parameters if deployed is not None else {})}
        resolver = Resolver(doc, own, scope, parent, own.get("AWS::StackName", "*"))
        out = {}
        for key, value in given.items():
            try:
                out[str(key)] = resolver.str(value)
            except TemplateError:
                continue
        return out
    return None


def _app_stacks(folder: str, own: str, scope: Scope) -> Iterator[Resolver]:
    """The other stacks of the CDK app whose output ``folder`` is (``own`` left out), each a
    resolver of its template as the stack the manifest names."""
    for other in sorted(os.listdir(folder)):
        path = os.path.join(folder, other)
        if not other.endswith(".template.json") or os.path.abspath(path) == os.path.abspath(own):
            continue
        doc = _app_template(path)
        if isinstance(doc, dict):
            yield Resolver(doc, {}, scope, path, _cdk_stack_name(path) or "*")


@lru_cache(maxsize=64)
def _app_template(path: str) -> Any:
    """Another stack's template of a CDK app (JSON), or None when it cannot be read."""
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except (OSError, ValueError):
        return None


def _cdk_stack_name(path: str) -> str | None:
    """The stack a template of a CDK app's output is deployed as (its ``manifest.json``)."""
    manifest = os.path.join(os.path.dirname(os.path.abspath(path)), "manifest.json")
    try:
        with open(manifest, encoding="utf-8") as fh:
            artifacts = json.load(fh).get("artifacts") or {}
    except (OSError, ValueError, AttributeError):
        return None
    for name, artifact in artifacts.items() if isinstance(artifacts, dict) else ():
        props = (artifact or {}).get("properties") or {} if isinstance(artifact, dict) else {}
        if isinstance(props, dict) and props.get("templateFile") == os.path.basename(path):
            stack = props.get("stackName", name)
            return stack if isinstance(stack, str) and stack else None
    return None


GENERATED_SUFFIX = 15
"""the two hyphens and the random part (12 or 13 characters) of a generated name."""
GENERATED_RANDOM = 12
"""the random part of a generated name that leaves the stack's name out."""


def load_cfn(path: str, params: dict[str, str], scope: Scope) -> Template:
    """Read a SAM/CloudFormation template."""
    lines: dict[str, int] = {}
    doc = load_document(path, lines)
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict):
        raise TemplateError(f"{path}: not a CloudFormation template (no Resources section)")
    # NOTE: what sam deploy deploys the stack with (its samconfig.toml) comes after what a
    # parent stack passes and before --param.
    deployed = samconfig.read(path)
    if deployed is not None:
        params = {**deployed.parameters, **params}
        if scope.region is None and deployed.region:
            scope = Scope(scope.partition, deployed.region, scope.account)
    params = {**_nesting_parameters(path, scope), **_parent_parameters(path, scope), **params}
    doc = expand_for_each(doc, params, lines, path)
    doc, not_created = _created(doc, params, scope, path)
    resolver = Resolver(doc, params, scope, path, params.get("AWS::StackName") or _cdk_stack_name(path) or "*")
    globals_fn = ((doc.get("Globals") or {}).get("Function") or {})
    functions: dict[str, FunctionInfo] = {}
    for logical, res in doc["Resources"].items():
        if not isinstance(res, dict):
            continue
        rtype = res.get("Type")
        if rtype not in ("AWS::Serverless::Function", "AWS::Lambda::Function"):
            continue
        props = res.get("Properties") or {}
        merged_env: dict[str, Any] = {}
        for block in (globals_fn, props):
            variables = ((block.get("Environment") or {}).get("Variables")) or {}
            if isinstance(variables, dict):
                merged_env.update(variables)
        resolver.defaulted.clear()
        at = lines.get(f"Resources.{logical}.Properties.Environment.Variables",
                       lines.get(f"Resources.{logical}.Properties.Environment", lines.get(f"Resources.{logical}", 0)))
        env, dynamic = resolver.environment(merged_env, dict.fromkeys(merged_env, at))
        defaulted = tuple(
            (name, resolver.str((resolver.parameters.get(name) or {}).get("Default")), lines.get(f"Parameters.{name}", 0))
            for name in sorted(resolver.defaulted)
        )
        handler = props.get("Handler", globals_fn.get("Handler"))
        runtime = props.get("Runtime", globals_fn.get("Runtime"))
        uri = props.get("CodeUri", globals_fn.get("CodeUri", "."))
        if rtype == "AWS::Lambda::Function":
            uri = props.get("Code") if isinstance(props.get("Code"), str) else "."
        elsewhere = deployed_from(resolver.value(props.get("Code") if rtype == "AWS::Lambda::Function" else uri))
        inline_code, inline_line = _inline_code(props, lines, logical)
        if props.get("PackageType") == "Image":
            uri, handler = _image_code(path, res, props, handler)
        asset = (res.get("Metadata") or {}).get("aws:asset:path")
        if isinstance(asset, str) and (res.get("Metadata") or {}).get("aws:asset:property") in ("Code", "CodeUri"):
            # NOTE: a CDK app's template names the staged code in cdk.out.
            uri = asset
            elsewhere = ""
        if inline_code is not None or props.get("PackageType") == "Image":
            elsewhere = ""
        line = lines.get(f"Resources.{logical}", 0)
        sources = []
        triggers: list[S3Trigger] = []
        inputs: list[str] = []
        other_events = False
        discarded: list[str] = []
        secrets: list[str] = []
        keys: list[str] = []
        for ename, event in (props.get("Events") or {}).items():
            if not isinstance(event, dict):
                continue
            etype = event.get("Type")
            eprops = event.get("Properties") or {}
            at = lines.get(f"Resources.{logical}.Properties.Events.{ename}", line)
            if etype == "S3":
                triggers.append(_s3_trigger(resolver, eprops))
                continue
            if etype in ("Schedule", "ScheduleV2", "EventBridgeRule", "CloudWatchEvent") and isinstance(eprops.get("Input"), str):
                # NOTE: a target's constant Input is the event the function gets.
                inputs.append(resolver.str(eprops["Input"]))
                continue
            if etype in ("EventBridgeRule", "CloudWatchEvent"):
                found = eventbridge_s3(eprops.get("Pattern"), resolver.str)
                if found is not None:
                    triggers.extend(found)
                    continue
            other_events = True
            discarded.append(_on_failure(resolver, eprops))
            secrets += source_secrets(eprops.get("SourceAccessConfigurations"), resolver.str)
            if eprops.get("SecretsManagerKmsKeyId") is not None:
                keys.append(resolver.scope.arn("kms", f"key/{resolver.str(eprops['SecretsManagerKmsKeyId'])}"))
            queue = sns_queue(event)
            if queue is not None:
                # NOTE: SNS delivers to a queue the function polls: SAM's own (whose name
                # Ref and GetAtt may use), or the one the event names.
                if queue is True:
                    resolver.implied(f"{logical}{ename}Queue", "AWS::SQS::Queue")
                    queue = {"Fn::GetAtt": [f"{logical}{ename}Queue", "Arn"]}
                sources.append(EventSource("sqs", resolver.str(queue), at))
            if etype == "SQS":
                sources.append(EventSource("sqs", resolver.arn(eprops.get("Queue"), "Arn"), at))
            elif etype == "Kinesis":
                sources.append(EventSource("kinesis", resolver.arn(eprops.get("Stream"), "Arn"), at))
            elif etype == "DynamoDB":
                sources.append(EventSource("dynamodb", resolver.arn(eprops.get("Stream"), "StreamArn"), at))
            elif etype == "MSK":
                arn = resolver.str(eprops.get("Stream"))
                grants = _kafka_iam(resolver, arn, eprops.get("Stream"), eprops, eprops.get("ConsumerGroupId"))
                sources.append(EventSource("kafka", arn, at, grants=grants))
            elif etype == "MQ":
                sources.append(EventSource("mq", resolver.str(eprops.get("Broker")), at))
            elif etype == "DocumentDB":
                sources.append(EventSource("rds", resolver.str(eprops.get("Cluster")), at))
            elif etype == "SelfManagedKafka" and _through_vpc(eprops):
                sources.append(EventSource("kafka-vpc", "*", at))
        for mapping, other in doc["Resources"].items():
            if isinstance(other, dict) and other.get("Type") == "AWS::Lambda::EventSourceMapping":
                p = other.get("Properties") or {}
                target = p.get("FunctionName")
                if _names_function(target, logical):
                    arn = resolver.str(p.get("EventSourceArn"))
                    kind = arn_service(arn)
                    other_events = True
                    discarded.append(_on_failure(resolver, p))
                    secrets += source_secrets(p.get("SourceAccessConfigurations"), resolver.str)
                    if kind in POLLED:
                        iam = _kafka_iam(resolver, arn, p.get("EventSourceArn"), p,
                                         follow(p, ["AmazonManagedKafkaEventSourceConfig", "ConsumerGroupId"])) if kind == "kafka" else ()
                        sources.append(EventSource(kind, arn, lines.get(f"Resources.{mapping}", 0), grants=iam))
                    elif p.get("SelfManagedEventSource") is not None and _through_vpc(p):
                        sources.append(EventSource("kafka-vpc", "*", lines.get(f"Resources.{mapping}", 0)))
                    elif isinstance(arn, Unresolved):
                        # NOTE: a source known only at deploy: its service, and so its poller's needs, are not known.
                        sources.append(EventSource("*", arn, lines.get(f"Resources.{mapping}", 0)))
        triggers += _bucket_notifications(doc, resolver, logical)
        role = resolver.given(props.get("Role"))
        role_arn = resolver.str(role) if role is not None else None
        targets = _async_targets(doc, resolver, logical, props)
        given, invokers = _rule_inputs(doc, resolver, logical)
        if given is None or invokers - {"events.amazonaws.com"}:
            inputs = []  # NOTE: something else may invoke it with another event
            constant = False
        else:
            inputs += given
            constant = True
        rotated = () if other_events or triggers or inputs or invokers - {"secretsmanager.amazonaws.com"} else (
            _rotated_secrets(doc, resolver, logical))
        mounts = props.get("FileSystemConfigs", globals_fn.get("FileSystemConfigs"))
        file_systems = tuple(_mounted(resolver, m.get("Arn")) for m in mounts if isinstance(m, dict) and m.get("Arn") is not None) if (
            isinstance(mounts, list)) else ()
        vpc = resolver.value(props.get("VpcConfig", globals_fn.get("VpcConfig")))
        tracing = props.get("Tracing", globals_fn.get("Tracing")) if rtype == "AWS::Serverless::Function" else (
            (props.get("TracingConfig") or {}).get("Mode") if isinstance(props.get("TracingConfig"), dict) else None)
        logging = props.get("LoggingConfig", globals_fn.get("LoggingConfig"))
        layer_refs = props.get("Layers", globals_fn.get("Layers"))
        layers = _layer_folders(path, doc, layer_refs)
        layer_arns = tuple(
            arn for arn in (resolver.str(ref) for ref in layer_refs if not isinstance(ref, dict) or "Ref" not in ref)
            if arn.startswith("arn:")
        ) if isinstance(layer_refs, list) else ()
        functions[logical] = FunctionInfo(
            name=logical,
            handler=str(handler) if handler else None,
            code_root=code_root(path, uri),
            deployed_from=elsewhere,
            environment=env,
            event_sources=tuple(sources),
            s3_triggers=() if other_events else tuple(triggers),
            runtime=resolver.str(runtime) if runtime else None,
            inline_code=inline_code,
            inline_line=inline_line,
            defaulted=defaulted,
            dynamic=tuple(dynamic),
            function_name=resolver.physical_name(logical),
            role_arn=role_arn if role_arn and role_arn.startswith("arn:") and "*" not in role_arn else None,
            targets=targets,
            discarded_to=arns(discarded),
            source_secrets=arns(secrets),
            source_keys=tuple(dict.fromkeys(keys)),
            file_systems=file_systems,
            rotated_secrets=rotated,
            event_inputs=() if other_events or not constant else tuple(inputs),
            layers=layers,
            layer_arns=layer_arns,
            in_vpc=isinstance(vpc, dict) and bool(vpc.get("SubnetIds")),
            traced=tracing is not None and resolver.str(tracing) == "Active",
            log_group=resolver.str(logging["LogGroup"]) if isinstance(logging, dict) and logging.get("LogGroup") else "",
            line=line,
        )
    return Template(
        path, "cloudformation", functions, scope, _encrypted(doc, resolver, lines), _passed_roles(doc, resolver, lines),
        _data_locations(doc, resolver, lines), ssm_parameters(doc, resolver), source=(doc, resolver), not_created=not_created,
    )


def ssm_parameters(doc: dict[str, Any], resolver: Resolver) -> tuple[tuple[str, str], ...]:
    """(name, value) of the template's ``AWS::SSM::Parameter`` resources named by their
    ``Name`` (a generated name is no name code would read); a value known only when the
    stack deploys stays so."""
    out: dict[str, str] = {}
    for res in (doc.get("Resources") or {}).values():
        props = res.get("Properties") if isinstance(res, dict) and res.get("Type") == "AWS::SSM::Parameter" else None
        if not isinstance(props, dict) or props.get("Name") is None or props.get("Value") is None:
            continue
        name = resolver.str(props["Name"])
        if name and "*" not in name:
            out[name] = resolver.str(props["Value"])
    return tuple(sorted(out.items()))


def _created(doc: dict[str, Any], params: dict[str, str], scope: Scope, path: str) -> tuple[dict[str, Any], tuple[tuple[str, str, str], ...]]:
    """The template without the resources CloudFormation does not create with these
    parameters (their ``Condition`` is false: a function, a role's policy only made in
    production), and (logical id, type, why) of those left out. A condition that rests on
    what is not known here keeps its resource."""
    resources = doc.get("Resources") or {}
    guarded = {k: r["Condition"] for k, r in resources.items() if isinstance(r, dict) and isinstance(r.get("Condition"), str)}
    if not guarded:
        return doc, ()
    probe = Resolver(doc, params, scope, path)
    false = {k: c for k, c in guarded.items() if probe.condition(c) is False}
    if not false:
        return doc, ()
    gone = tuple(sorted(
        (k, str(resources[k].get("Type")), f"its condition {c} is false")
        for k, c in false.items()))
    return {**doc, "Resources": {k: r for k, r in resources.items() if k not in false}}, gone


def _layer_folders(path: str, doc: dict[str, Any], layers: Any) -> tuple[str, ...]:
    """Code folders of the template's own layers (``python/`` inside ContentUri when present)."""
    import os

    out: list[str] = []
    resources = doc.get("Resources") or {}
    for ref in layers if isinstance(layers, list) else []:
        logical = ref.get("Ref") if isinstance(ref, dict) else None
        res = resources.get(logical) if isinstance(logical, str) else None
        if not isinstance(res, dict) or res.get("Type") not in ("AWS::Serverless::LayerVersion", "AWS::Lambda::LayerVersion"):
            continue
        props = res.get("Properties") or {}
        uri = props.get("ContentUri") or props.get("Content")
        if not isinstance(uri, str):
            continue
        folder = code_root(path, uri)
        python = os.path.join(folder, "python")
        out.append(python if os.path.isdir(python) else folder)
    return tuple(out)


def _s3_trigger(resolver: Any, props: dict[str, Any]) -> S3Trigger:
    """A SAM S3 event: its bucket's name and the key filter's prefix and suffix rules."""
    return _filtered(resolver, props.get("Bucket"), follow(props.get("Filter") or {}, ["S3Key", "Rules"]))


def _filtered(resolver: Any, bucket: Any, rules: Any) -> S3Trigger:
    """The notifications of ``bucket`` whose key filter ``rules`` (``[{Name: prefix, Value: …}]``) give."""
    parts = {str(r.get("Name", "")).lower(): resolver.str(r.get("Value")) for r in rules or () if isinstance(r, dict)}
    return S3Trigger(resolver.str(bucket), parts.get("prefix", ""), parts.get("suffix", ""))


def _bucket_notifications(doc: dict[str, Any], resolver: Any, logical: str) -> list[S3Trigger]:
    """The S3 notifications that invoke the function outside its SAM ``Events``: a bucket's
    ``NotificationConfiguration.LambdaConfigurations``, and CDK's
    ``Custom::S3BucketNotifications`` (the S3 API's ``LambdaFunctionConfigurations``, which CDK
    writes for ``bucket.add_event_notification``)."""
    out: list[S3Trigger] = []
    for bucket, res in (doc.get("Resources") or {}).items():
        if not isinstance(res, dict):
            continue
        props = res.get("Properties") or {}
        config = props.get("NotificationConfiguration")
        if not isinstance(config, dict):
            continue
        name: Any
        items: Any
        if res.get("Type") == "AWS::S3::Bucket":
            name, items, target, rules_at = {"Ref": bucket}, config.get("LambdaConfigurations"), "Function", ("S3Key", "Rules")
        elif res.get("Type") == "Custom::S3BucketNotifications":
            name, items, target, rules_at = props.get("BucketName"), config.get("LambdaFunctionConfigurations"), "LambdaFunctionArn", ("Key", "FilterRules")
        else:
            continue
        for item in items if isinstance(items, list) else ():
            if isinstance(item, dict) and _names_function(item.get(target), logical):
                out.append(_filtered(resolver, name, follow(item.get("Filter") or {}, list(rules_at))))
    return out


def _names_function(value: Any, logical: str) -> bool:
    """Does a template value name the function ``logical``: its logical id, ``Ref`` of it
    (its name), or ``Fn::GetAtt`` of it (its ARN)?"""
    if value == logical or value == {"Ref": logical}:
        return True
    att = value.get("Fn::GetAtt") if isinstance(value, dict) else None
    target = att[0] if isinstance(att, list) and att else att.split(".", 1)[0] if isinstance(att, str) else None
    return target == logical


def _rule_inputs(doc: dict[str, Any], resolver: Resolver, logical: str) -> tuple[list[str] | None, set[str]]:
    """The constant inputs of the EventBridge rules' and schedules' targets that invoke the
    function outside its SAM ``Events`` (None when one of them has no ``Input``), and the
    services its permissions let invoke it (``*`` for a function URL)."""
    out: list[str] | None = []
    invokers: set[str] = set()
    for res in (doc.get("Resources") or {}).values():
        if not isinstance(res, dict):
            continue
        props = res.get("Properties") or {}
        kind = res.get("Type")
        if kind == "AWS::Lambda::Permission" and _names_function(props.get("FunctionName"), logical):
            invokers.add(resolver.str(props.get("Principal")))
        elif kind == "AWS::Lambda::Url" and _names_function(props.get("TargetFunctionArn"), logical):
            invokers.add("*")
        elif kind in ("AWS::Events::Rule", "AWS::Scheduler::Schedule"):
            targets = props.get("Targets") if kind == "AWS::Events::Rule" else [props.get("Target")]
            for target in targets if isinstance(targets, list) else ():
                if isinstance(target, dict) and _names_function(target.get("Arn"), logical) and out is not None:
                    out = out + [resolver.str(target["Input"])] if isinstance(target.get("Input"), str) else None
    return out, invokers


def _rotated_secrets(doc: dict[str, Any], resolver: Resolver, logical: str) -> tuple[str, ...]:
    """The secrets whose rotation schedule names the function as its rotation function."""
    out = []
    for res in (doc.get("Resources") or {}).values():
        if isinstance(res, dict) and res.get("Type") == "AWS::SecretsManager::RotationSchedule":
            props = res.get("Properties") or {}
            if _names_function(props.get("RotationLambdaARN"), logical) and props.get("SecretId") is not None:
                secret = resolver.str(props["SecretId"])
                if secret.startswith("arn:"):
                    out.append(secret)
    return tuple(sorted(set(out)))


def _mounted(resolver: Resolver, value: Any) -> str:
    """The ARN of an access point a function mounts; one the template makes has an id only
    known when it deploys: any file system of the account then."""
    arn = resolver.str(value)
    return arn if arn.startswith("arn:") else resolver.scope.arn("elasticfilesystem", "file-system/*")


def _kafka_iam(resolver: Resolver, arn: str, cluster: Any, props: dict[str, Any], group: Any) -> tuple[tuple[str, str], ...]:
    """The IAM access control grants of an MSK mapping (a SAM event's or an
    ``AWS::Lambda::EventSourceMapping``'s ``props``) on cluster ``arn``, which ``cluster`` names
    in the template; none when Lambda does not reach it with IAM (``msk_iam``)."""
    if not msk_iam(resolver.resources, cluster, props.get("SourceAccessConfigurations")):
        return ()
    topics = props.get("Topics")
    return msk_iam_grants(arn, [resolver.str(t) for t in topics] if isinstance(topics, list) else [],
                          resolver.str(group) if group else "")


def msk_iam(resources: dict[str, Any], cluster: Any, access: Any) -> bool:
    """Does Lambda reach this Amazon MSK cluster with IAM access control: the template's own
    cluster (``resources``) takes IAM (a serverless one always does), and the mapping's
    ``access`` configurations give no SASL/SCRAM or mTLS secret, which Lambda would use instead?"""
    if isinstance(access, list) and any(isinstance(c, dict) and c.get("Type") in SECRET_ACCESS for c in access):
        return False
    ref = cluster.get("Ref") if isinstance(cluster, dict) else None
    att = cluster.get("Fn::GetAtt") if isinstance(cluster, dict) else None
    logical = ref if isinstance(ref, str) else (att[0] if isinstance(att, list) and att else str(att or "").split(".")[0])
    res = resources.get(logical) if logical and isinstance(resources, dict) else None
    if not isinstance(res, dict):
        return False
    if res.get("Type") == "AWS::MSK::ServerlessCluster":
        return True
    enabled = follow(res.get("Properties") or {}, ["ClientAuthentication", "Sasl", "Iam", "Enabled"])
    return res.get("Type") == "AWS::MSK::Cluster" and enabled in (True, "true", "True")


def _through_vpc(props: dict[str, Any]) -> bool:
    """Does a Kafka source reach its cluster through a VPC (a ``VPC_SUBNET`` access configuration)?"""
    confs = props.get("SourceAccessConfigurations")
    return any(isinstance(c, dict) and c.get("Type") == "VPC_SUBNET" for c in confs) if isinstance(confs, list) else False


def _on_failure(resolver: Resolver, props: dict[str, Any]) -> str:
    """The ARN an event source mapping (or a SAM pull event) sends discarded batches to, or ""."""
    target = follow(props, ["DestinationConfig", "OnFailure", "Destination"])
    return resolver.str(target) if target is not None else ""


def _async_targets(doc: dict[str, Any], resolver: Resolver, logical: str, props: dict[str, Any]) -> tuple[str, ...]:
    """Dead-letter queue and destinations of a function (SAM and CloudFormation forms)."""
    out: list[str] = []
    dlq = props.get("DeadLetterQueue") or props.get("DeadLetterConfig") or {}
    if isinstance(dlq, dict) and dlq.get("TargetArn") is not None:
        out.append(resolver.str(dlq["TargetArn"]))
    configs = [props.get("EventInvokeConfig") or {}]
    for res in (doc.get("Resources") or {}).values():
        if isinstance(res, dict) and res.get("Type") == "AWS::Lambda::EventInvokeConfig":
            p = res.get("Properties") or {}
            target = p.get("FunctionName")
            if _names_function(target, logical):
                configs.append(p)
    for cfg in configs:
        dest = (cfg or {}).get("DestinationConfig") or {}
        for key in ("OnFailure", "OnSuccess"):
            d = dest.get(key) or {}
            if isinstance(d, dict) and d.get("Destination") is not None:
                out.append(resolver.str(d["Destination"]))
    return tuple(a for a in out if a.startswith("arn:"))


def _typed(doc: dict[str, Any], types: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any], Any]]:
    """(logical id, properties, ``types``' entry) of each resource of a type ``types`` names,
    in logical-id order."""
    for logical, res in sorted(doc["Resources"].items()):
        spec = types.get(res.get("Type", "")) if isinstance(res, dict) else None
        if spec:
            yield logical, res.get("Properties") or {}, spec


def _data_locations(doc: dict[str, Any], resolver: Resolver, lines: dict[str, int]) -> tuple[DataLocation, ...]:
    """Glue tables with an S3 location, what a query of them reads, and Athena workgroups
    with an output location, where their queries write."""
    out: list[DataLocation | None] = []
    for logical, props, _ in _typed(doc, {"AWS::Glue::Table": True}):
        location = resolver.str(follow(props, ["TableInput", "StorageDescriptor", "Location"]) or "")
        table = f"table/{resolver.str(props.get('DatabaseName'))}/{resolver.str(follow(props, ['TableInput', 'Name']))}"
        out.append(DataLocation.at(resolver.scope.arn("glue", table), location, lines.get(f"Resources.{logical}", 0)))
    for logical, props, _ in _typed(doc, {"AWS::Athena::WorkGroup": True}):
        location = resolver.str(follow(props, ["WorkGroupConfiguration", "ResultConfiguration", "OutputLocation"]) or "")
        if props.get("Name") is not None:
            out.append(DataLocation.at(resolver.scope.arn("athena", f"workgroup/{resolver.str(props['Name'])}"), location,
                                       lines.get(f"Resources.{logical}", 0), writes=True))
    return tuple(loc for loc in out if loc is not None)


def _passed_roles(doc: dict[str, Any], resolver: Resolver, lines: dict[str, int]) -> tuple[PassedRoles, ...]:
    """Resources whose roles are passed by the calls that run them (data/passed_roles.yaml)."""
    out: list[PassedRoles] = []
    for logical, props, spec in _typed(doc, load_table("passed_roles.yaml") or {}):
        roles = tuple(
            r for r in (resolver.str(props[k]) for k in spec["roles"] if props.get(k) is not None)
            if r.startswith("arn:")
        )
        if roles:
            arn = resolver.get_att(logical, spec["arn"])
            out.append(PassedRoles(logical, (arn,), roles, tuple(spec["actions"]), spec["passed_to"], lines.get(f"Resources.{logical}", 0)))
    return tuple(out)


def _encrypted(doc: dict[str, Any], resolver: Resolver, lines: dict[str, int]) -> tuple[EncryptedResource, ...]:
    """Resources encrypted with a customer managed key (data/encryption.yaml)."""
    out: list[EncryptedResource] = []
    for logical, props, spec in _typed(doc, load_table("encryption.yaml") or {}):
        value = follow(props, spec["key"])
        if value is None:
            continue
        named = _template_key(value, doc["Resources"])
        if named:
            # NOTE: a key the template makes: its id is only known once deployed.
            value = {"Fn::GetAtt": [named, "Arn"]}
        key = resolver.str(value)
        if key.startswith("alias/aws/") or ":alias/aws/" in key or key == "":
            continue
        if key == "*":
            # NOTE: a customer managed key the template does not name (a parameter without
            # a value): any key of the account, through the service only.
            key = resolver.scope.arn("kms", "key/*")
        alias = key_alias(key)
        if alias:
            # NOTE: KMS authorizes on the key, not the alias: any key of the account that has
            # the alias (kms:ResourceAliases), through the service only.
            key = resolver.scope.arn("kms", "key/*")
        elif key.startswith("alias/") or ":alias/" in key:
            continue
        if not key.startswith("arn:"):
            key = resolver.scope.arn("kms", f"key/{key}")
        arn = resolver.get_att(logical, spec["arn"])
        patterns = [arn] + [c.replace("${Arn}", arn) for c in spec.get("covers") or ()]
        out.append(EncryptedResource(
            logical, tuple(patterns), key, spec["service"],
            {a: tuple(k) for a, k in (spec.get("actions") or {}).items()}, lines.get(f"Resources.{logical}", 0), named,
            alias,
        ))
    return tuple(out)


def _template_key(value: Any, resources: dict[str, Any]) -> str:
    """The logical id of the template's ``AWS::KMS::Key`` a key property names (``!Ref Key``,
    ``!GetAtt Key.Arn``), or ""."""
    ref = value.get("Ref") if isinstance(value, dict) and len(value) == 1 else None
    att = value.get("Fn::GetAtt") if isinstance(value, dict) and len(value) == 1 else None
    if isinstance(att, str):
        att = att.split(".", 1)
    if isinstance(att, list) and len(att) == 2 and att[1] in ("Arn", "KeyId"):
        ref = att[0]
    return ref if isinstance(ref, str) and (resources.get(ref) or {}).get("Type") == "AWS::KMS::Key" else ""


FOR_EACH = "Fn::ForEach::"
MAX_FOR_EACH = 5000
"""fragments all of a template's loops may write out."""
_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")


def expand_for_each(
    doc: dict[str, Any], params: dict[str, str], lines: dict[str, int] | None = None, path: str = "",
) -> dict[str, Any]:
    """The template with its ``Fn::ForEach`` loops written out, as the AWS::LanguageExtensions
    transform does before anything else reads it: each loop (``Fn::ForEach::Name: [Id,
    Collection, Fragment]``, in Resources, Outputs, Conditions or a resource's properties)
    becomes its fragment once per item of the collection, with ``${Id}`` replaced by the
    item, ``&{Id}`` by the item without its non-alphanumeric characters, and ``{"Ref": Id}``
    by the item. A collection is a list or a ``Ref`` to a list parameter (``--param`` or its
    default); one not known here is one item, ``*``. An expanded resource's line is its
    loop's."""
    transform = doc.get("Transform")
    if "AWS::LanguageExtensions" not in (transform if isinstance(transform, list) else [transform]):
        return doc
    parameters: dict[str, Any] = doc["Parameters"] if isinstance(doc.get("Parameters"), dict) else {}

    def collection(raw: Any) -> list[str]:
        if isinstance(raw, list):
            return [item if isinstance(item, str) else json.dumps(item) for item in raw]
        if isinstance(raw, dict) and isinstance(raw.get("Ref"), str):
            name = raw["Ref"]
            spec: dict[str, Any] = parameters[name] if isinstance(parameters.get(name), dict) else {}
            value = params.get(name, spec.get("Default"))
            if isinstance(value, list):
                return [str(v) for v in value]
            if isinstance(value, str):
                return [v.strip() for v in value.split(",")]
        return ["*"]

    made = [0]

    def walk(node: Any, where: str) -> Any:
        if isinstance(node, list):
            return [walk(item, where) for item in node]
        if not isinstance(node, dict):
            return node
        out: dict[str, Any] = {}
        for key, value in node.items():
            if isinstance(key, str) and key.startswith(FOR_EACH) and isinstance(value, list) and len(value) == 3 \
                    and isinstance(value[0], str) and isinstance(value[2], dict):
                ident, items, fragment = value
                for item in collection(items):
                    made[0] += 1
                    if made[0] > MAX_FOR_EACH:
                        # NOTE: CloudFormation takes 500 resources; nested loops multiply.
                        raise TemplateError(f"{path}: {where}{key}: Fn::ForEach loops make more than {MAX_FOR_EACH:,} fragments")
                    for name, body in walk(_replace(fragment, ident, item), where).items():
                        out[name] = body
                        if lines is not None and where:
                            lines.setdefault(f"{where}{name}", lines.get(f"{where}{key}", 0))
            else:
                out[key] = walk(value, f"{where}{key}." if where.count(".") < 4 else where)
        return out

    return walk(doc, "")


def _replace(node: Any, ident: str, item: str) -> Any:
    """``node`` with a ForEach loop's identifier replaced by one item (see ``expand_for_each``)."""
    if isinstance(node, str):
        return node.replace("${" + ident + "}", item).replace("&{" + ident + "}", _NOT_ALPHANUMERIC.sub("", item))
    if isinstance(node, list):
        return [_replace(v, ident, item) for v in node]
    if isinstance(node, dict):
        if node == {"Ref": ident}:
            return item
        return {_replace(k, ident, item): _replace(v, ident, item) for k, v in node.items()}
    return node
