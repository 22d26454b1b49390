"""Terraform: functions, their environment, and today's policy, from a module's ``.tf`` files.

Files are parsed by python-hcl2; its expressions come back as HCL text (``${var.stage}``,
``${jsonencode({...})}``), which ``Evaluator`` reduces to values: strings with
interpolation, lists, objects, ``var.*`` (defaults, or ``--param``), ``local.*``, resource
and data attributes (``aws_dynamodb_table.orders.arn``, from ``data/tf_resources.yaml``),
``data.aws_caller_identity.current.account_id`` and the like, and the functions policies use
(``jsonencode``, ``format``, ``join``, ``lower``, ``upper``, ``concat``, ``merge``, ``file``,
``templatefile``). What cannot be known becomes ``*``.
"""

from __future__ import annotations

import json
import os
import re
import textwrap
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any

from lpgen.data_files import load_table
from lpgen.errors import TemplateError
from lpgen.iac.model import (
    POLLED,
    SECRET_ACCESS,
    CurrentPolicy,
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
    follow,
    key_alias,
    msk_iam_grants,
    source_secrets,
    unresolved_in,
)
from lpgen.permissions.arns import Scope
from lpgen.source.package import is_package, unpack

MAX_DEPTH = 40

_RESOURCE_HEAD = re.compile(r'^[ \t]*resource[ \t]+"?([\w-]+)"?[ \t]+"?([\w-]+)"?[ \t]*\{', re.MULTILINE)
"""the first line of a ``resource "TYPE" "NAME" {`` block."""

_MODULE_HEAD = re.compile(r'^[ \t]*module[ \t]+"?([\w-]+)"?[ \t]*\{', re.MULTILINE)
"""the first line of a ``module "NAME" {`` block."""

_HEREDOC = re.compile(r'"<<(?P<indent>-?)(?P<tag>\w+)\n(?P<body>.*?)\n?[ \t]*(?P=tag)"', re.S)
"""a heredoc as python-hcl2 gives it: its marker, its lines, its closing tag, quoted.
``<<-`` strips the lines' common indentation."""

LAMBDA_MODULE = re.compile(
    r"^(?:registry\.terraform\.io/)?terraform-aws-modules/lambda/aws$"
    r"|^(?:git::)?(?:https://|ssh://git@|git@)?github\.com[/:]terraform-aws-modules/terraform-aws-lambda(?:\.git)?(?:\?.*)?$"
)
"""sources of the community Lambda module (``terraform-aws-modules/lambda/aws``): it is not
on disk, but its inputs say all lpgen reads of a function (code folder, handler, environment,
event sources, policies)."""
REGISTRY_MODULE = re.compile(
    r"^(?:registry\.terraform\.io/)?terraform-aws-modules/(?P<name>[\w-]+)/aws$"
    r"|^(?:git::)?(?:https://|ssh://git@|git@)?github\.com[/:]terraform-aws-modules/terraform-aws-(?P<repo>[\w-]+?)(?:\.git)?(?:\?.*)?$"
)
"""sources of a community module of the Registry (``terraform-aws-modules/NAME/aws``), by NAME."""


def _unquote_key(k: str) -> str:
    return k[1:-1] if len(k) >= 2 and k[0] == '"' and k[-1] == '"' else k


def _blocks(doc: dict[str, Any], kind: str) -> dict[str, dict[str, dict[str, Any]]]:
    """``resource``/``data`` blocks as {type: {name: body}}."""
    out: dict[str, dict[str, dict[str, Any]]] = {}
    for item in doc.get(kind) or ():
        for rtype, named in item.items():
            for name, body in (named or {}).items():
                out.setdefault(_unquote_key(rtype), {})[_unquote_key(name)] = body
    return out


class Evaluator:
    """Reduce HCL expression text (as python-hcl2 returns it) to Python values."""

    def __init__(self, doc: dict[str, Any], params: dict[str, Any], scope: Scope, folder: str) -> None:
        self.scope = scope
        self.folder = folder
        self.variables: dict[str, Any] = {}
        for item in doc.get("variable") or ():
            for name, body in item.items():
                # NOTE: "default = null" makes the variable optional, its value null.
                self.variables[_unquote_key(name)] = (body or {}).get("default", NO_DEFAULT)
        self.params = params
        self.locals: dict[str, Any] = {}
        for item in doc.get("locals") or ():
            self.locals.update({k: v for k, v in item.items() if k != "__is_block__"})
        self.resources = _blocks(doc, "resource")
        self.data = _blocks(doc, "data")
        self.modules: dict[str, dict[str, Any]] = {
            _unquote_key(name): body or {} for item in doc.get("module") or () for name, body in item.items()
        }
        self.outputs: dict[str, Any] = {
            _unquote_key(name): (body or {}).get("value") for item in doc.get("output") or () for name, body in item.items()
        }
        self._children: dict[str, Evaluator | None] = {}
        self.unknown: list[str] = []
        """what the values read took that is known only when Terraform runs (a variable
        without a default, a data source's attribute)."""
        self.each: tuple[Any, Any] | None = None
        self.names: dict[str, Any] = {}
        """the values of a ``for`` expression's names, for the element being read."""
        self.iterators: dict[str, tuple[Any, Any]] = {}
        """(key, value) of the element a ``dynamic`` block's content is being read for, by
        its iterator's name (``statement.value``)."""
        """(each.key, each.value) of the resource instance being read (``for_each``)."""
        self.count_index: int | None = None
        """``count.index`` of the resource instance being read."""
        self.depth = 0
        self.positions: dict[tuple[str, str], tuple[str, int]] = {}
        """where each resource block starts (file, line)."""
        self._stack: list[str] = []
        self.table: dict[str, Any] = load_table("tf_resources.yaml") or {}

    # -- values ----------------------------------------------------------------------------

    def value(self, raw: Any) -> Any:
        """A value from python-hcl2's output (strings are HCL expression text)."""
        if isinstance(raw, _Evaluated):
            return raw.value
        if isinstance(raw, dict):
            return {_unquote_key(k): self.value(v) for k, v in raw.items() if k != "__is_block__"}
        if isinstance(raw, list):
            return [self.value(v) for v in raw]
        if isinstance(raw, str):
            return self.expr(raw)
        return raw

    def string(self, raw: Any) -> str:
        v = self.value(raw)
        if isinstance(v, bool):
            return "true" if v else "false"
        if v is None or isinstance(v, (list, dict)):
            return "*"
        return v if isinstance(v, str) else str(v)

    def fileset(self, path: str, pattern: str) -> list[str] | str:
        """``fileset(path, pattern)``: the files under ``path`` (relative to this module) that
        ``pattern`` matches (``*``, ``**``, ``?``, ``[…]``, ``{a,b}``), as paths relative to
        ``path``, sorted; ``*`` when there are more than ``MAX_FILESET`` or the folder cannot
        be read."""
        base = Path(path if os.path.isabs(path) else os.path.join(self.folder, path))
        found: set[str] = set()
        try:
            for one in _braces(pattern):
                for f in base.glob(one):
                    if f.is_file():
                        found.add(f.relative_to(base).as_posix())
                        if len(found) > MAX_FILESET:
                            return "*"
        except (OSError, ValueError):
            return "*"
        return sorted(found)

    def read_file(self, path: str) -> str | None:
        """The text of a file ``file()`` or ``templatefile()`` reads, relative to this module;
        None when it cannot be read (or is larger than a policy could be)."""
        if "*" in path:
            return None
        full = path if os.path.isabs(path) else os.path.join(self.folder, path)
        try:
            if not os.path.isfile(full) or os.path.getsize(full) > MAX_READ_FILE:
                return None
            with open(full, encoding="utf-8") as fh:
                return fh.read()
        except (OSError, UnicodeDecodeError):
            return None

    def expr(self, text: str) -> Any:
        text = text.strip()
        if text.startswith("${") and text.endswith("}") and _balanced(text[2:-1]):
            return _Parser(text[2:-1], self).parse()
        heredoc = _HEREDOC.fullmatch(text)
        if heredoc:
            # NOTE: each line of a heredoc ends with its newline, the last one's too.
            body = heredoc.group("body") + "\n" if heredoc.group("body") else ""
            return self.template(textwrap.dedent(body) if heredoc.group("indent") else body, escapes=False)
        if text.startswith('"') and text.endswith('"') and len(text) >= 2:
            return self.template(text[1:-1])
        return _Parser(text, self).parse()

    def template(self, text: str, escapes: bool = True) -> str:
        """A quoted string's content with ``${...}`` interpolations evaluated (a heredoc's,
        without ``escapes``: its backslashes are its text)."""
        out: list[str] = []
        inners: list[Any] = []
        i = 0
        while i < len(text):
            j = text.find("${", i)
            if j < 0:
                out.append(text[i:])
                break
            out.append(text[i:j])
            depth, k = 0, j + 2
            while k < len(text):
                if text[k] == "{":
                    depth += 1
                elif text[k] == "}":
                    if depth == 0:
                        break
                    depth -= 1
                k += 1
            inner = _Parser(text[j + 2 : k], self).parse()
            if j == 0 and k == len(text) - 1 and isinstance(inner, Unresolved):
                # NOTE: "${var.arn}" is the value itself.
                return inner
            inners.append(inner)
            out.append("*" if inner is None or isinstance(inner, (list, dict)) else (
                ("true" if inner else "false") if isinstance(inner, bool) else str(inner)))
            i = k + 1
        joined = "".join(out)
        return unresolved_in(joined.replace('\\"', '"') if escapes else joined, inners)

    # -- references ------------------------------------------------------------------------

    def reference(self, parts: list[Any]) -> Any:
        """The value ``parts`` name: a head (``var``, ``local``, ``each``, ``module``, a
        resource type...), then attribute names (str), ``Index`` and ``SPLAT``."""
        key = ".".join(map(str, parts))
        if key in self._stack or len(self._stack) > MAX_DEPTH:
            raise TemplateError(f"{self.folder}: circular reference through {key}")
        self._stack.append(key)
        try:
            return self._reference(parts)
        finally:
            self._stack.pop()

    def _reference(self, parts: list[Any]) -> Any:
        head = parts[0]
        if head in self.names:
            return _dig(self.names[head], parts[1:])
        if head in self.iterators and len(parts) >= 2:
            key, value = self.iterators[head]
            return _dig(key if parts[1] == "key" else value if parts[1] == "value" else "*", parts[2:])
        if head == "each" and len(parts) >= 2 and self.each is not None:
            return _dig(self.each[0] if parts[1] == "key" else self.each[1] if parts[1] == "value" else "*", parts[2:])
        if head == "count" and parts[1:2] == ["index"] and self.count_index is not None:
            return self.count_index
        if head == "terraform" and parts[1:2] == ["workspace"]:
            # NOTE: the workspace is chosen when Terraform runs: --param terraform.workspace=prod.
            return self.params.get("terraform.workspace", "*")
        if head == "var" and len(parts) >= 2:
            if parts[1] in self.params:
                return _dig(self.params[parts[1]], parts[2:])
            default = self.variables.get(parts[1], NO_DEFAULT)
            if default is NO_DEFAULT:
                self.unknown.append(f"var.{parts[1]} (no default; --param {parts[1]}=… gives it)")
                return Unresolved(f"var.{parts[1]} (no default)")
            return _dig(self.value(default), parts[2:])
        if head == "local" and len(parts) >= 2:
            raw = self.locals.get(parts[1])
            return "*" if raw is None else _dig(self.value(raw), parts[2:])
        if head == "path":
            # NOTE: absolute, so a path a module passes to another stays where it points.
            return os.path.abspath(self.folder)
        if head == "data" and len(parts) >= 4:
            return self._data(parts[1], parts[2], parts[3])
        if head == "module" and len(parts) >= 2:
            return self._module(parts[1], parts[2:])
        if len(parts) >= 2 and head in self.resources:
            return self._resource(head, parts[1], parts[2:])
        return "*"

    def _resource(self, rtype: str, name: Any, rest: list[Any]) -> Any:
        """``rtype.name`` read by ``rest``: a resource is an object whose attributes are
        computed as they are read (``_Instance``); one with ``for_each`` is a map of its
        instances by key, one with ``count`` a list of them (``rtype.name["key"].attr``,
        ``rtype.name[0].attr``, ``rtype.name[*].attr``). An instance picked by a key not
        known here has a name that is not known either."""
        body = self.resources[rtype].get(name) if isinstance(name, str) else None
        if body is None:
            return "*"

        def make(each: tuple[Any, Any] | None, index: int | None, _label: str) -> _Instance:
            return _Instance(partial(self._instance_attribute, rtype, name, each, index), each, index)

        return _dig(self._instance_set(body, make), rest)

    @contextmanager
    def at(self, each: tuple[Any, Any] | None, index: int | None) -> Iterator[None]:
        """Read as the instance of a ``for_each`` (``each``) or ``count`` (``index``) block."""
        saved = self.each, self.count_index
        self.each, self.count_index = each, index
        try:
            yield
        finally:
            self.each, self.count_index = saved

    def _instance_attribute(self, rtype: str, name: str, each: tuple[Any, Any] | None, index: int | None, attr: str) -> Any:
        with self.at(each, index):
            return self.attribute(rtype, name, attr)

    def _instance_set(self, body: dict[str, Any], make: Callable[[tuple[Any, Any] | None, int | None, str], _Instance]) -> Any:
        """What a block's name refers to: ``make(each, index, label)`` of it, or when it has
        ``for_each`` a map of its instances by key, with ``count`` a list of them."""
        if "for_each" not in body and "count" not in body:
            return make(None, None, "")
        unknown = make(("*", "*") if "for_each" in body else None, None, "[*]")
        instances = [make(each, i, label) for label, each, i in _instances(self, body)]
        if "for_each" in body:
            known = all(v.each is not None and v.each[0] != "*" for v in instances)
            return _Instances({str(v.each[0]): v for v in instances if v.each is not None}, unknown, known)
        return _Instances(instances, unknown, all(v.index is not None for v in instances))

    def _module(self, name: Any, rest: list[Any]) -> Any:
        """``module.name`` read by ``rest``: an object of its outputs, or of one instance's
        (``module.name["key"].output``) when it has ``for_each`` or ``count``."""
        body = self.modules.get(name) if isinstance(name, str) else None
        if body is None:
            return "*"

        def make(each: tuple[Any, Any] | None, index: int | None, label: str) -> _Instance:
            return _Instance(partial(self._module_output, name, each, index, label), each, index)

        return _dig(self._instance_set(body, make), rest)

    def _module_output(self, name: str, each: tuple[Any, Any] | None, index: int | None, label: str, output: str) -> Any:
        child = self._child(name, each, index, label)
        if child is None:
            with self.at(each, index):
                return self._registry_output(name, output)
        return child.value(child.outputs[output]) if output in child.outputs else "*"

    def _child(self, name: str, each: tuple[Any, Any] | None = None, index: int | None = None, label: str = "") -> Evaluator | None:
        """The evaluator of a local module (``source = "./modules/bus"``) with the inputs
        this module gives it (as its instance ``label``, ``each`` and ``index`` when it has
        ``for_each`` or ``count``); None for a registry or remote module."""
        if name + label in self._children:
            return self._children[name + label]
        body = self.modules.get(name) or {}
        source = self.string(body.get("source", ""))
        child: Evaluator | None = None
        if source.startswith(("./", "../")) and self.depth < MAX_DEPTH:
            folder = os.path.normpath(os.path.join(self.folder, source))
            if os.path.isdir(folder) and any(Path(folder).glob("*.tf")):
                with self.at(each, index):
                    inputs = {k: self.value(v) for k, v in body.items() if k not in MODULE_META}
                if "terraform.workspace" in self.params:
                    inputs["terraform.workspace"] = self.params["terraform.workspace"]
                doc, positions = _read_module(folder)
                child = Evaluator(doc, inputs, self.scope, folder)
                child.depth = self.depth + 1
                child.positions = positions
        self._children[name + label] = child
        return child

    def _registry_output(self, module: str, output: str) -> str:
        """``module.NAME.OUTPUT`` of a community module of the Registry that is not on disk
        (``terraform-aws-modules/sqs/aws``): the resource its inputs name
        (``data/tf_modules.yaml``), else not known."""
        body = self.modules.get(module) or {}
        found = REGISTRY_MODULE.match(self.string(body.get("source", "")).strip())
        spec = (load_table("tf_modules.yaml") or {}).get(found.group("name") or found.group("repo")) if found else None
        template = ((spec or {}).get("outputs") or {}).get(output)
        if spec is None or template is None:
            return "*"

        def given(key: str | None) -> Any:
            return self.value(body[key]) if key and key in body else None

        name, prefix = given(spec.get("name")), given(spec.get("prefix"))
        if isinstance(prefix, str) and prefix:
            name = prefix + "*"
        elif isinstance(name, str) and name:
            if spec.get("use_prefix") and _flag(self, body, spec["use_prefix"], False):
                name = name + "*"
        else:
            name = "*"
        if spec.get("fifo") and _flag(self, body, spec["fifo"], False) and not name.endswith(".fifo"):
            name += ".fifo"
        return self.fill(str(template), name)

    def _data(self, dtype: str, name: str, attr: str) -> Any:
        if dtype == "aws_caller_identity" and attr == "account_id":
            return self.scope.value("Account")
        if dtype == "aws_region" and attr in ("name", "id", "region"):
            return self.scope.value("Region")
        if dtype == "aws_partition" and attr == "partition":
            return self.scope.value("Partition")
        body = self.data.get(dtype, {}).get(name)
        if body is None or (attr not in body and dtype != "archive_file" and not (
                dtype == "aws_iam_policy_document" and attr == "json")):
            self.unknown.append(f"data.{dtype}.{name}.{attr} (read when Terraform runs)")
            return Unresolved(f"data.{dtype}.{name}.{attr}")
        if dtype == "aws_iam_policy_document" and attr == "json":
            return _Json(self.policy_document(body))
        if dtype == "archive_file" and attr == "output_path":
            return "archive:" + self.string(body.get("source_dir") or body.get("source_file") or "*")
        return self.value(body.get(attr)) if attr in body else "*"

    def physical_name(self, rtype: str, name: str) -> str:
        spec = self.table.get(rtype) or {}
        body = self.resources.get(rtype, {}).get(name) or {}
        prop = spec.get("name")
        if prop and prop in body:
            return self.string(body[prop])
        if prop and f"{prop}_prefix" in body:
            # NOTE: name_prefix / bucket_prefix: the provider adds a unique suffix.
            return self.string(body[f"{prop}_prefix"]) + "*"
        return "*"

    def attribute(self, rtype: str, name: str, attr: str) -> Any:
        """``aws_dynamodb_table.orders.arn`` and the like."""
        spec = self.table.get(rtype) or {}
        body = self.resources.get(rtype, {}).get(name) or {}
        templ = (spec.get("attrs") or {}).get(attr)
        if templ is None:
            return self.value(body[attr]) if attr in body else "*"
        return self.fill(templ, self.physical_name(rtype, name), body)

    def fill(self, template: str, name: str, body: dict[str, Any] | None = None) -> str:
        """A data table's template over ``${Name}`` (``name``), ``${RootedName}``, the scope's
        ``${Partition}``, ``${Region}`` and ``${Account}``, and ``${Property:ARG}`` (``body``'s
        argument); what is not known is ``*``."""
        values = {
            "Partition": self.scope.value("Partition"), "Region": self.scope.value("Region"),
            "Account": self.scope.value("Account"), "Name": name, "RootedName": "/" + name.lstrip("/"),
        }

        def one(m: re.Match[str]) -> str:
            key = m.group(1)
            if key.startswith("Property:"):
                arg = key.removeprefix("Property:")
                return self.string(body[arg]) if body is not None and arg in body else "*"
            return values.get(key, "*")

        return re.sub(r"\$\{([\w:]+)\}", one, template)

    def blocks(self, body: dict[str, Any], kind: str, unknown_once: bool = False) -> Iterator[dict[str, Any]]:
        """The ``kind`` blocks of a block's body (``statement``, ``environment``), those a
        ``dynamic "kind"`` block makes included: its content read once per element of its
        ``for_each``, the iterator bound. With ``unknown_once``, a ``for_each`` not known
        here makes one block, its iterator not known (a policy's statements, a function's
        environment: what they hold is read as far as it can be); else none (an optional
        setting, a VPC, is not taken to be there)."""
        yield from body.get(kind) or ()
        for dyn in body.get("dynamic") or ():
            spec = {_unquote_key(k): v for k, v in dyn.items()}.get(kind) if isinstance(dyn, dict) else None
            if not isinstance(spec, dict):
                continue
            items = self.value(spec.get("for_each"))
            pairs = (list(items.items()) if isinstance(items, dict) else list(enumerate(items)) if isinstance(items, list)
                     else [("*", "*")] if unknown_once else [])
            # NOTE: the iterator is a bare name, not an expression.
            name = str(spec.get("iterator", kind)).strip().strip('"').removeprefix("${").removesuffix("}")
            for key, value in pairs:
                for content in spec.get("content") or ():
                    saved = self.iterators.get(name)
                    self.iterators[name] = (key, value)
                    try:
                        # NOTE: evaluated here, while the iterator is bound.
                        yield {k: _evaluated(self.value(v)) for k, v in content.items() if k != "__is_block__"}
                    finally:
                        if saved is None:
                            self.iterators.pop(name, None)
                        else:
                            self.iterators[name] = saved

    def policy_document(self, body: dict[str, Any]) -> dict[str, Any]:
        """``data "aws_iam_policy_document"`` as IAM JSON."""
        statements = []
        for st in self.blocks(body, "statement", unknown_once=True):
            out: dict[str, Any] = {"Effect": self.string(st.get("effect", '"Allow"'))}
            for src, dst in (("actions", "Action"), ("not_actions", "NotAction"),
                             ("resources", "Resource"), ("not_resources", "NotResource")):
                if src in st:
                    v = self.value(st[src])
                    out[dst] = v if isinstance(v, list) else [v]
            if "sid" in st:
                out["Sid"] = self.string(st["sid"])
            for who in st.get("principals") or ():
                # NOTE: a resource policy's (a key's): type "*" with identifiers ["*"] is anyone.
                kind, ids = self.string(who.get("type")), self.value(who.get("identifiers"))
                if kind == "*":
                    out["Principal"] = "*"
                elif not isinstance(out.get("Principal"), str):
                    out.setdefault("Principal", {}).setdefault(kind, []).extend(ids if isinstance(ids, list) else [ids])
            for cond in self.blocks(st, "condition"):
                test, variable = self.string(cond.get("test")), self.string(cond.get("variable"))
                values = self.value(cond.get("values"))
                out.setdefault("Condition", {}).setdefault(test, {})[variable] = values
            statements.append(out)
        # NOTE: the documents it builds on, then its own statements, then those overriding
        # it; a statement whose sid one before it has replaces that one (the provider's rules).
        merged: list[dict[str, Any]] = []
        for part in (self._documents(body, "source_policy_documents", "source_json"), statements,
                     self._documents(body, "override_policy_documents", "override_json")):
            for st in part:
                sid = st.get("Sid")
                at = next((i for i, old in enumerate(merged) if sid and old.get("Sid") == sid), None)
                if at is None:
                    merged.append(st)
                else:
                    merged[at] = st
        return {"Version": "2012-10-17", "Statement": merged}

    def _documents(self, body: dict[str, Any], key: str, legacy: str) -> list[dict[str, Any]]:
        """The statements of the JSON policy documents ``body[key]`` (a list) or
        ``body[legacy]`` (one) holds; one that is not known is left out."""
        given = self.value(body[key]) if key in body else [self.value(body[legacy])] if legacy in body else []
        out: list[dict[str, Any]] = []
        for doc in given if isinstance(given, list) else []:
            try:
                parsed = json.loads(doc) if isinstance(doc, str) else None
            except ValueError:
                continue
            found = parsed.get("Statement") if isinstance(parsed, dict) else None
            found = [found] if isinstance(found, dict) else found
            out.extend(st for st in found or () if isinstance(st, dict))
        return out


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += ch in "({["
        depth -= ch in ")}]"
        if depth < 0:
            return False
    return depth == 0


_TOKEN = re.compile(r'\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<str>"(?:[^"\\]|\\.)*")|(?P<name>[A-Za-z_][\w-]*)|(?P<op>==|!=|<=|>=|&&|\|\||=>|[{}\[\]().,=:?!<>+*/%-]))', re.S)


class _Parser:
    """A small recursive-descent parser for the HCL expressions policies and names use."""

    def __init__(self, text: str, ev: Evaluator) -> None:
        self.tokens: list[tuple[str, str]] = []
        pos = 0
        while pos < len(text):
            if text[pos:].strip() == "":
                break
            if text.startswith("#", pos) or text.startswith("//", pos):
                nl = text.find("\n", pos)
                pos = len(text) if nl < 0 else nl
                continue
            m = _TOKEN.match(text, pos)
            if not m or m.end() == pos:
                # NOTE: text this parser does not know makes the whole expression unknown.
                self.tokens.append(("bad", text[pos:]))
                break
            kind = m.lastgroup or "op"
            self.tokens.append((kind, m.group(kind)))
            pos = m.end()
        self.i = 0
        self.ev = ev

    def parse(self) -> Any:
        if self.tokens and self.tokens[-1][0] == "bad":
            return "*"
        try:
            value = self.expression()
        except (_Unknown, IndexError, ValueError):
            return "*"
        return value

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.i] if self.i < len(self.tokens) else ("end", "")

    def take(self, value: str | None = None) -> tuple[str, str]:
        tok = self.peek()
        if value is not None and tok[1] != value:
            raise _Unknown
        self.i += 1
        return tok

    def expression(self) -> Any:
        value = self.binary(1)
        if self.peek() == ("op", "?"):
            self.take()
            a = self.expression()
            self.take(":")
            b = self.expression()
            # NOTE: a test not known here gives what both branches give, if they agree.
            # NOTE: Terraform reads the strings "true" and "false" as the booleans.
            return a if value in (True, "true") else b if value in (False, None, "false") else a if a == b else "*"
        return value

    def binary(self, lowest: int) -> Any:
        """Operators by precedence (``||`` lowest, then ``&&``, comparisons, ``+ -``,
        ``* / %``); a result is not known (``*``) when an operand it needs is not."""
        left = self.unary()
        while True:
            kind, op = self.peek()
            level = _PRECEDENCE.get(op, 0) if kind == "op" else 0
            if level < lowest:
                return left
            self.take()
            left = _operate(op, left, self.binary(level + 1))

    def unary(self) -> Any:
        if self.peek() == ("op", "!"):
            self.take()
            value = self.unary()
            return (not value) if isinstance(value, bool) else "*"
        return self.primary()

    def primary(self) -> Any:
        kind, tok = self.take()
        if kind == "num":
            return float(tok) if "." in tok else int(tok)
        if kind == "str":
            return self.ev.template(tok[1:-1])
        if kind == "op" and tok in ("[", "{") and self.peek()[1] == "for":
            return _dig(self.for_expression("]" if tok == "[" else "}"), self.accessors())
        if kind == "op" and tok == "[":
            return self.sequence("]", self.expression)
        if kind == "op" and tok == "{":
            return dict(self.sequence("}", self.entry))
        if kind == "op" and tok == "(":
            v = self.expression()
            self.take(")")
            return _dig(v, self.accessors())
        if kind == "name":
            if tok in ("true", "false"):
                return tok == "true"
            if tok == "null":
                return None
            if self.peek()[1] == "(":
                return _dig(self.call(tok), self.accessors())
            return self.ev.reference([tok, *self.accessors()])
        raise _Unknown

    def for_expression(self, close: str) -> Any:
        """``[for v in items : value if test]``, ``[for k, v in items : ...]`` or ``{for k, v
        in items : key => value}``: the body read once for each element, with its names
        bound to it (``Evaluator.names``). A test not known here keeps the element."""
        self.take("for")
        names = [self.take()[1]]
        if self.peek()[1] == ",":
            self.take()
            names.append(self.take()[1])
        self.take("in")
        items = self.expression()
        self.take(":")
        if isinstance(items, dict):
            pairs: list[tuple[Any, Any]] = sorted(items.items(), key=lambda kv: str(kv[0]))
        elif isinstance(items, list):
            pairs = list(enumerate(items))
        else:
            pairs = [("*", "*")]
        start = end = self.i
        out: list[Any] = []
        mapped: dict[str, Any] = {}
        # NOTE: with no element, the body is still read once (to find its end), and dropped.
        for key, value in pairs or [("*", "*")]:
            self.i = start
            bound = dict(zip(names, (value,) if len(names) == 1 else (key, value)))
            saved = dict(self.ev.names)
            self.ev.names.update(bound)
            try:
                if close == "}":
                    k = self.expression()
                    self.take("=>")
                v = self.expression()
                keep = True
                if self.peek()[1] == "if":
                    self.take()
                    keep = self.expression() not in (False, None)
            finally:
                self.ev.names = saved
            end = self.i
            if keep and pairs:
                if close == "}":
                    mapped[str(k)] = v
                else:
                    out.append(v)
        self.i = end
        self.take(close)
        if not isinstance(items, (dict, list)):
            return "*"
        return mapped if close == "}" else out

    def accessors(self) -> list[Any]:
        """The attribute names, ``Index`` and ``SPLAT`` that follow a value (``.name``,
        ``["key"]``, ``[0]``, ``[*]``)."""
        parts: list[Any] = []
        while self.peek()[1] in (".", "["):
            if self.take()[1] == ".":
                kind, name = self.take()
                # NOTE: ``.*`` and ``.0`` are the older forms of ``[*]`` and ``[0]``.
                parts.append(SPLAT if name == "*" else Index(int(name)) if kind == "num" else name)
            elif self.peek()[1] == "*":
                self.take()
                self.take("]")
                parts.append(SPLAT)
            else:
                parts.append(Index(self.expression()))
                self.take("]")
        return parts

    def sequence(self, close: str, item: Callable[[], Any]) -> list[Any]:
        """Items separated by optional commas, up to and including ``close``."""
        items = []
        while self.peek()[1] != close:
            items.append(item())
            if self.peek()[1] == ",":
                self.take()
        self.take(close)
        return items

    def entry(self) -> tuple[str, Any]:
        """``key = value`` (or ``key: value``) of an object literal."""
        kind, key = self.take()
        if self.peek()[1] in ("=", ":"):
            self.take()
        return (key[1:-1] if kind == "str" else key), self.expression()

    def call(self, name: str) -> Any:
        self.take("(")
        args = self.sequence(")", self.expression)
        if name == "jsonencode" and args:
            return _Json(args[0])
        if name == "format" and args:
            out = str(args[0])
            for a in args[1:]:
                out = re.sub(r"%[sdv]", str(a).replace("\\", "\\\\"), out, count=1)
            return out
        if name == "join" and len(args) == 2 and isinstance(args[1], list):
            return str(args[0]).join(str(a) for a in args[1])
        if name == "lower" and args:
            return str(args[0]).lower()
        if name == "upper" and args:
            return str(args[0]).upper()
        if name == "concat":
            return [x for a in args if isinstance(a, list) for x in a]
        if name == "merge":
            out_d: dict[str, Any] = {}
            for a in args:
                if isinstance(a, dict):
                    out_d.update(a)
            return out_d
        if name == "tostring" and args:
            return str(args[0])
        if name in ("tolist", "toset", "distinct") and args and isinstance(args[0], list):
            return list(dict.fromkeys(args[0])) if name != "tolist" else args[0]
        if name == "lookup" and len(args) >= 2 and isinstance(args[0], dict):
            return args[0].get(str(args[1]), args[2] if len(args) > 2 else "*")
        if name == "element" and len(args) == 2 and isinstance(args[0], list) and args[0] and isinstance(args[1], int):
            return args[0][args[1] % len(args[0])]
        if name == "try" and args:
            # NOTE: its first value, when that is known here (an unknown one may not fail).
            return args[0]
        if name == "coalesce":
            for a in args:
                if a == "*" or a not in (None, ""):
                    return a
            return "*"
        if name in ("trimsuffix", "trimprefix") and len(args) == 2 and isinstance(args[0], str):
            return args[0].removesuffix(str(args[1])) if name == "trimsuffix" else args[0].removeprefix(str(args[1]))
        if name == "replace" and len(args) == 3 and isinstance(args[0], str) and not str(args[1]).startswith("/"):
            return args[0].replace(str(args[1]), str(args[2]))
        if name == "split" and len(args) == 2 and isinstance(args[1], str) and "*" not in args[1]:
            return args[1].split(str(args[0]))
        if name == "length" and len(args) == 1 and (isinstance(args[0], (list, dict)) or isinstance(args[0], str) and _known(args[0])):
            return len(args[0])
        if name == "substr" and len(args) == 3 and isinstance(args[0], str) and _known(args[0]) and all(isinstance(a, int) for a in args[1:]):
            whole, offset, size = str(args[0]), int(args[1]), int(args[2])
            start = offset if offset >= 0 else len(whole) + offset
            return whole[start:] if size < 0 else whole[start:start + size]
        if name == "one" and len(args) == 1 and isinstance(args[0], list):
            return args[0][0] if len(args[0]) == 1 else None if not args[0] else "*"
        if name in ("keys", "values") and len(args) == 1 and isinstance(args[0], dict):
            # NOTE: in the keys' lexical order, as Terraform gives them.
            return [k if name == "keys" else args[0][k] for k in sorted(args[0])]
        if name == "flatten" and len(args) == 1 and isinstance(args[0], list):
            return _flatten(args[0])
        if name == "compact" and len(args) == 1 and isinstance(args[0], list):
            return [a for a in args[0] if a not in ("", None)]
        if name == "fileset" and len(args) == 2 and all(isinstance(a, str) and "*" not in a for a in args[:1]) and isinstance(args[1], str):
            return self.ev.fileset(args[0], args[1])
        if name in ("file", "templatefile") and args and isinstance(args[0], str):
            text = self.ev.read_file(args[0])
            if text is None:
                return "*"
            if name == "file":
                return text
            return _render_template(text, args[1] if len(args) > 1 and isinstance(args[1], dict) else {})
        return "*"


_PRECEDENCE = {"||": 1, "&&": 2, "==": 3, "!=": 3, "<": 4, ">": 4, "<=": 4, ">=": 4, "+": 5, "-": 5, "*": 6, "/": 6, "%": 6}


def _known(value: Any) -> bool:
    if isinstance(value, str):
        return "*" not in value
    if isinstance(value, list):
        return all(_known(v) for v in value)
    if isinstance(value, dict):
        return not isinstance(value, _Instance) and all(_known(v) for v in value.values())
    return True


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _operate(op: str, a: Any, b: Any) -> Any:
    """``a op b`` as Terraform computes it, or ``*`` when that rests on a value not known."""
    if op in ("&&", "||"):
        decided = op == "||"
        if a is decided or b is decided:
            return decided
        return (not decided) if a is (not decided) and b is (not decided) else "*"
    if not (_known(a) and _known(b)):
        return "*"
    if op in ("==", "!="):
        return (a == b) == (op == "==")
    if not (_number(a) and _number(b)):
        return "*"
    if op in ("<", ">", "<=", ">="):
        return {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
    if op in ("/", "%") and b == 0:
        return "*"
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b, "%": a % b}[op]


def _flatten(items: list[Any]) -> list[Any]:
    return [x for item in items for x in (_flatten(item) if isinstance(item, list) else [item])]


@dataclass(frozen=True)
class Index:
    """``[key]`` in a reference: the key's value (a string, a number, or ``*`` when not known)."""

    key: Any

    def __str__(self) -> str:
        return f"[{self.key}]"


SPLAT = "[*]"
"""``[*]`` (or ``.*``) in a reference: every element."""


class _Instance(dict):  # type: ignore[type-arg]
    """One instance of a resource or module as a value: its attributes (outputs) are
    computed when read (``_dig``); as a whole it is an object not known here (an empty dict)."""

    def __init__(self, read: Callable[[str], Any], each: tuple[Any, Any] | None, index: int | None) -> None:
        super().__init__()
        self.read, self.each, self.index = read, each, index

    def attribute(self, attr: str) -> Any:
        return self.read(attr)


class _Instances:
    """The instances of a resource with ``for_each`` (a map by key) or ``count`` (a list),
    and the instance a key not known here picks. When which instances there are is not
    known (``count = var.n`` without a value), every key picks that one."""

    def __init__(self, items: dict[str, _Instance] | list[_Instance], unknown: _Instance, known: bool) -> None:
        self.items, self.unknown, self.known = items, unknown, known

    def whole(self) -> dict[str, _Instance] | list[_Instance]:
        if self.known:
            return self.items
        return {"*": self.unknown} if isinstance(self.items, dict) else [self.unknown]

    def pick(self, key: Any) -> Any:
        if not self.known:
            return self.unknown
        if isinstance(self.items, dict):
            return self.items.get(key, self.unknown) if isinstance(key, str) and key != "*" else self.unknown
        if isinstance(key, int) and not isinstance(key, bool):
            return self.items[key] if 0 <= key < len(self.items) else "*"
        return self.unknown


def _dig(value: Any, parts: list[Any]) -> Any:
    """``value`` read by attribute names, ``Index`` and ``SPLAT`` in turn; ``*`` where it
    has no such element or the key is not known."""
    if isinstance(value, _Instances) and not parts:
        return value.whole()
    for n, part in enumerate(parts):
        if isinstance(value, _Instances):
            if part is SPLAT:
                whole = value.whole()
                value = list(whole.values()) if isinstance(whole, dict) else whole
            else:
                value = value.pick(part.key if isinstance(part, Index) else part)
                continue
        if part is SPLAT:
            items = value if isinstance(value, list) else [] if value is None else [value]
            return [_dig(v, parts[n + 1:]) for v in items]
        key = part.key if isinstance(part, Index) else part
        if isinstance(value, _Instance):
            value = value.attribute(key) if isinstance(key, str) else "*"
        elif isinstance(value, dict) and isinstance(key, (str, int)) and not isinstance(key, bool) and key != "*":
            value = value.get(str(key), "*")
        elif isinstance(value, list) and isinstance(key, int) and not isinstance(key, bool) and 0 <= key < len(value):
            value = value[key]
        else:
            return "*"
    return value


NO_DEFAULT = object()
"""the value of a variable declared without a default (and given none)."""


class _Json(str):
    """JSON text (``jsonencode``, a policy document's ``json``) with the value it encodes,
    which reads back with what JSON text loses (``Unresolved`` values)."""

    value: Any

    def __new__(cls, value: Any) -> _Json:
        self = super().__new__(cls, json.dumps(value))
        self.value = value
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return _Json, (self.value,)


class _Unknown(Exception):
    pass


class _Evaluated:
    """A value already evaluated (a dynamic block's content, read while its iterator was
    bound), which ``Evaluator.value`` returns as it is."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def _evaluated(value: Any) -> Any:
    """``value`` with its leaves marked evaluated, its lists and blocks kept for walking."""
    if isinstance(value, dict):
        return {k: _evaluated(v) for k, v in value.items()}
    if isinstance(value, list) and all(isinstance(v, dict) for v in value) and value:
        return [_evaluated(v) for v in value]
    return _Evaluated(value)


_TEMPLATE_PART = re.compile(r"\$\$\{|%%\{|\$\{\s*([A-Za-z_][\w-]*)\s*\}|\$\{\s*jsonencode\(\s*([A-Za-z_][\w-]*)\s*\)\s*\}|\$\{[^}]*\}|%\{")


def _render_template(text: str, variables: dict[str, Any]) -> str:
    """``templatefile``'s text with its ``${name}`` and ``${jsonencode(name)}``
    interpolations filled from ``variables``; any other interpolation is ``*``, and a
    template with directives (``%{ for … }``) is not known."""
    def fill(m: re.Match[str]) -> str:
        token = m.group(0)
        if token == "$${":
            return "${"
        if token == "%%{":
            return "%{"
        if token == "%{":
            raise _Unknown
        name = m.group(1) or m.group(2)
        if name is None or name not in variables:
            return "*"
        value = variables[name]
        if m.group(2):
            return json.dumps(value)
        if isinstance(value, (list, dict)):
            return "*"
        return ("true" if value else "false") if isinstance(value, bool) else "*" if value is None else str(value)

    try:
        return _TEMPLATE_PART.sub(fill, text)
    except _Unknown:
        return "*"


# ---------------------------------------------------------------------------------------


MAX_FILESET = 1000
"""the most files a ``fileset()`` is read as (more is no set of functions or policies)."""


def _braces(pattern: str) -> list[str]:
    """``pattern`` with its ``{a,b}`` alternatives written out."""
    m = re.search(r"\{([^{}]*)\}", pattern)
    if m is None:
        return [pattern]
    return [x for alt in m.group(1).split(",") for x in _braces(pattern[: m.start()] + alt + pattern[m.end():])]


MAX_READ_FILE = 1 << 20
"""the largest file ``file()`` and ``templatefile()`` are read from (a policy is far smaller)."""

MODULE_META = frozenset({"source", "version", "providers", "count", "for_each", "depends_on", "__is_block__"})
"""a module block's arguments that are no input variables."""


def load_terraform(path: str, params: dict[str, str], scope: Scope) -> Template:
    """Read every ``.tf`` file of the module ``path`` is in (or the folder ``path``)."""
    folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    merged, positions = _read_module(folder)
    if not merged:
        raise TemplateError(f"{path}: no .tf files")
    return _functions(path, folder, merged, positions, params, scope, _variable_files(folder))


def _variable_files(folder: str) -> dict[str, Any]:
    """The variable values Terraform reads on its own in a root module's folder:
    ``terraform.tfvars``, ``terraform.tfvars.json``, then every ``*.auto.tfvars`` and
    ``*.auto.tfvars.json`` in name order, a later file's value winning. Values of HCL files
    are HCL text as the ``.tf`` files' are; a JSON file's are values."""
    import hcl2

    root = Path(folder)
    names = ["terraform.tfvars", "terraform.tfvars.json"]
    names += sorted(f.name for f in root.glob("*.auto.tfvars*") if is_variable_file(f.name))
    out: dict[str, Any] = {}
    for name in names:
        f = root / name
        if not f.is_file():
            continue
        try:
            text = f.read_text(encoding="utf-8-sig")
            if name.endswith(".json"):
                doc = json.loads(text)
                if not isinstance(doc, dict):
                    raise TemplateError(f"{f}: invalid variable file: a JSON object of variable values is expected")
                values = {k: _evaluated(v) for k, v in doc.items()}
            else:
                values = hcl2.loads(text)
        except TemplateError:
            raise
        except json.JSONDecodeError as exc:
            raise TemplateError(f"{f}:{exc.lineno}:{exc.colno}: invalid JSON: {exc.msg}") from exc
        except Exception as exc:  # lark's and hcl2's errors have no public common base
            raise TemplateError(_hcl_error(f, exc, "invalid variable file")) from exc
        out.update(values)
    return out


def _environment_values(doc: dict[str, list[Any]]) -> dict[str, Any]:
    """The root module's variables that ``TF_VAR_<name>`` environment variables set: a
    string variable's value is the text, another's is HCL (``["a", "b"]``)."""
    import hcl2

    out: dict[str, Any] = {}
    for item in doc.get("variable") or ():
        for name, body in item.items():
            name = _unquote_key(name)
            text = os.environ.get(f"TF_VAR_{name}")
            if text is None:
                continue
            kind = str((body or {}).get("type", "string")).strip("${}")
            if kind == "string":
                out[name] = _Evaluated(text)
                continue
            try:
                out[name] = hcl2.loads(f"v = {text}\n")["v"]
            except Exception:  # noqa: BLE001 - lark's and hcl2's errors have no common base; Terraform refuses it too
                continue
    return out


def is_variable_file(name: str) -> bool:
    """Whether Terraform reads the file ``name`` of a root module's folder on its own for
    variable values."""
    base = os.path.basename(name)
    return base in ("terraform.tfvars", "terraform.tfvars.json") or base.endswith((".auto.tfvars", ".auto.tfvars.json"))


def _hcl_error(f: Path, exc: Exception, what: str) -> str:
    line = getattr(exc, "line", None)
    where = f":{line}" if line else ""
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return f"{f}{where}: {what}: {first[:160]}"


def _read_module(folder: str) -> tuple[dict[str, list[Any]], dict[tuple[str, str], tuple[str, int]]]:
    """The blocks of every ``.tf`` file of one folder, and where each resource starts."""
    import hcl2

    merged: dict[str, list[Any]] = {}
    positions: dict[tuple[str, str], tuple[str, int]] = {}
    for f in sorted(Path(folder).glob("*.tf")):
        try:
            text = f.read_text(encoding="utf-8-sig")
            doc = hcl2.loads(text)
        except Exception as exc:  # lark's and hcl2's errors have no public common base
            raise TemplateError(_hcl_error(f, exc, "invalid Terraform")) from exc
        for key, value in doc.items():
            merged.setdefault(key, []).extend(value if isinstance(value, list) else [value])
        # NOTE: python-hcl2 keeps no positions; evidence and findings point at the block's
        # first line, found in the text.
        for head in _RESOURCE_HEAD.finditer(text):
            positions.setdefault((head.group(1), head.group(2)), (str(f), text.count("\n", 0, head.start()) + 1))
        for head in _MODULE_HEAD.finditer(text):
            positions.setdefault(("module", head.group(1)), (str(f), text.count("\n", 0, head.start()) + 1))
    return merged, positions


def _functions(
    path: str, folder: str, merged: dict[str, list[Any]], positions: dict[tuple[str, str], tuple[str, int]],
    params: dict[str, str], scope: Scope, values: dict[str, Any] | None = None,
) -> Template:
    ev = Evaluator(merged, params, scope, folder)
    # NOTE: as Terraform: a TF_VAR_ environment variable over the default, a variable file's
    # value over both; --param wins over all.
    ev.variables.update(_environment_values(merged))
    ev.variables.update({k: v for k, v in (values or {}).items() if k in ev.variables})
    ev.positions = positions
    if scope.region is None:
        region = _provider_region(ev, merged)
        if region is not None:
            scope = ev.scope = Scope(scope.partition, region, scope.account)
    functions = _module_functions(ev, "")
    return Template(path, "terraform", functions, scope, _encrypted(ev), _passed_roles(ev), _data_locations(ev),
                    _ssm_parameters(ev), source=(merged, ev))


def _ssm_parameters(ev: Evaluator) -> tuple[tuple[str, str], ...]:
    """(name, value) of the module's ``aws_ssm_parameter`` resources (one per instance)."""
    out: dict[str, str] = {}
    for _name, body in sorted(ev.resources.get("aws_ssm_parameter", {}).items()):
        for _label, each, index in _instances(ev, body):
            with ev.at(each, index):
                name = ev.string(body.get("name") or "")
                raw = body.get("value", body.get("insecure_value"))
                if name and "*" not in name and raw is not None:
                    out[name] = ev.string(raw)
    return tuple(sorted(out.items()))


def module_folders(tpl: Template) -> set[str]:
    """The folders (absolute) of a Terraform template's root module and of every local
    module it calls: a change to a ``.tf`` file in one of them may change its functions (as
    may one to a variable file of the root's, see ``is_variable_file``)."""
    out: set[str] = set()
    todo = [tpl.source[1]]
    while todo:
        ev = todo.pop()
        out.add(os.path.abspath(ev.folder))
        todo.extend(c for c in ev._children.values() if c is not None)
    return out


def _data_locations(ev: Evaluator) -> tuple[DataLocation, ...]:
    """Glue tables with an S3 location, and Athena workgroups with an output location (as
    CloudFormation's, iac/cfn.py)."""
    out: list[DataLocation | None] = []
    for name, body in sorted(ev.resources.get("aws_glue_catalog_table", {}).items()):
        location = ev.string(follow(body, ["storage_descriptor", 0, "location"]) or '""')
        table = f"table/{ev.string(body.get('database_name'))}/{ev.string(body.get('name'))}"
        out.append(DataLocation.at(ev.scope.arn("glue", table), location, ev.positions.get(("aws_glue_catalog_table", name), ("", 0))[1]))
    for name, body in sorted(ev.resources.get("aws_athena_workgroup", {}).items()):
        location = ev.string(follow(body, ["configuration", 0, "result_configuration", 0, "output_location"]) or '""')
        if body.get("name") is not None:
            out.append(DataLocation.at(ev.scope.arn("athena", f"workgroup/{ev.string(body['name'])}"), location,
                                       ev.positions.get(("aws_athena_workgroup", name), ("", 0))[1], writes=True))
    return tuple(loc for loc in out if loc is not None)


def _as_cloudformation(ev: Evaluator, table_name: str) -> Iterator[tuple[str, str, dict[str, Any], dict[str, Any], dict[str, Any], int]]:
    """(type, name, body, its ``@terraform`` entry, the CloudFormation type's entry, line) of
    each resource of a type a data table's ``@terraform`` section reads as a CloudFormation one."""
    from lpgen.data_files import load_table

    table: dict[str, Any] = load_table(table_name) or {}
    for rtype, tf in sorted((table.get("@terraform") or {}).items()):
        for name, body in sorted(ev.resources.get(rtype, {}).items()):
            yield rtype, name, body, tf, table.get(tf["as"]) or {}, ev.positions.get((rtype, name), ("", 0))[1]


def _passed_roles(ev: Evaluator) -> tuple[PassedRoles, ...]:
    """Resources whose roles the calls that run them pass (passed_roles.yaml)."""
    out: list[PassedRoles] = []
    for rtype, name, body, tf, spec, line in _as_cloudformation(ev, "passed_roles.yaml"):
        roles = tuple(r for r in (ev.string(body[k]) for k in tf["roles"] if body.get(k) is not None) if r.startswith("arn:"))
        if roles:
            out.append(PassedRoles(f"{rtype}.{name}", (str(ev.attribute(rtype, name, "arn")),), roles,
                                   tuple(spec["actions"]), spec["passed_to"], line))
    return tuple(out)


def _msk_iam(ev: Evaluator, ref: str, mapping: dict[str, Any]) -> bool:
    """Does the mapping reach the module's MSK cluster (``ref``) with IAM access control: a
    serverless cluster, or one whose ``client_authentication`` takes IAM, with no SCRAM or mTLS
    secret in the mapping?"""
    if any(isinstance(c, dict) and ev.string(c.get("type")) in SECRET_ACCESS for c in mapping.get("source_access_configuration") or ()):
        return False
    if re.search(r"aws_msk_serverless_cluster\.([\w-]+)\.", ref):
        return True
    found = re.search(r"aws_msk_cluster\.([\w-]+)\.", ref)
    body = ev.resources.get("aws_msk_cluster", {}).get(found.group(1)) if found else None
    if not isinstance(body, dict):
        return False
    sasl = [s for c in body.get("client_authentication") or () if isinstance(c, dict) for s in c.get("sasl") or () if isinstance(s, dict)]
    return any(ev.value(s.get("iam")) in (True, "true") for s in sasl)


def _encrypted(ev: Evaluator) -> tuple[EncryptedResource, ...]:
    """Resources encrypted with a customer managed key (encryption.yaml)."""
    out: list[EncryptedResource] = []
    for rtype, name, body, tf, spec, line in _as_cloudformation(ev, "encryption.yaml"):
        value = follow(body, tf["key"])
        key = ev.string(value) if value is not None else ""
        alias = key_alias(key)
        if alias:
            # NOTE: a key named by its alias: any key of the account with that alias (as for
            # CloudFormation).
            key = "*"
        elif not key or "alias/" in key:
            # NOTE: an AWS managed key needs no permission of the role.
            continue
        if "*" in key and not key.startswith("arn:"):
            # NOTE: a key the module makes (aws_kms_key.k.id, known once applied) or one a
            # variable without a value names: any key of the account, through the service only.
            key = "*"
        if key == "*":
            key = ev.scope.arn("kms", "key/*")
        elif not key.startswith("arn:"):
            key = ev.scope.arn("kms", f"key/{key}")
        arn = (f"arn:{ev.scope.value('Partition')}:s3:::{ev.string(body.get(tf['bucket']))}" if tf.get("bucket")
               else str(ev.attribute(rtype, name, "arn")))
        patterns = [arn] + [c.replace("${Arn}", arn) for c in spec.get("covers") or ()]
        made = re.search(r"aws_kms_key\.([\w-]+)\.", str(value))
        out.append(EncryptedResource(
            f"{rtype}.{name}", tuple(patterns), key, spec["service"],
            {a: tuple(k) for a, k in (spec.get("actions") or {}).items()}, line,
            f"aws_kms_key.{made.group(1)}" if made and made.group(1) in ev.resources.get("aws_kms_key", {}) else "",
            alias,
        ))
    return tuple(out)


def _provider_region(ev: Evaluator, doc: dict[str, list[Any]]) -> str | None:
    """The Region the root module's functions are deployed in: its default ``aws``
    provider's ``region`` (``var.region`` and its default), when known and no aliased
    ``aws`` provider may be in another (a function can be given one)."""
    default: str | None = None
    aliased: list[str | None] = []
    for item in doc.get("provider") or ():
        for name, body in item.items():
            if _unquote_key(name) != "aws" or not isinstance(body, dict):
                continue
            region = ev.string(body["region"]) if "region" in body else None
            if "alias" in body:
                aliased.append(region)
            else:
                default = region
    if not default or any(c in default for c in "$*{}") or any(r != default for r in aliased):
        return None
    return default


def _module_functions(ev: Evaluator, address: str) -> dict[str, FunctionInfo]:
    """The functions a module defines, and those of the local modules it calls, named by
    their address below the root (``fn``, ``module.orders.fn``)."""
    functions = _own_functions(ev, address)
    for name in sorted(ev.modules):
        # NOTE: a module with for_each or count: each instance, with its own inputs.
        for label, each, index in _instances(ev, ev.modules[name]):
            child = ev._child(name, each, index, label)
            if child is not None:
                functions.update(_module_functions(child, f"{address}module.{name}{label}."))
            elif lambda_module(ev, name) is not None:
                with ev.at(each, index):
                    fn = _lambda_module_function(ev, name, address, label)
                if fn is not None:
                    functions[fn.name] = fn
    return functions


def lambda_module(ev: Evaluator, name: str) -> dict[str, Any] | None:
    """The inputs of ``module "name"`` when it calls the community Lambda module, else None."""
    body = ev.modules.get(name) or {}
    if not LAMBDA_MODULE.match(ev.string(body.get("source", "")).strip()):
        return None
    return {k: v for k, v in body.items() if k not in MODULE_META}


def _flag(ev: Evaluator, inputs: dict[str, Any], key: str, default: bool) -> bool:
    """A boolean input of the Lambda module (its default when not given or not known)."""
    value = ev.value(inputs[key]) if key in inputs else default
    if isinstance(value, str) and value.lower() in ("true", "false"):
        value = value.lower() == "true"
    return value if isinstance(value, bool) else default


def _lambda_module_function(ev: Evaluator, name: str, address: str, label: str = "") -> FunctionInfo | None:
    """The function ``module "name"`` (the community Lambda module) creates, from its inputs:
    ``source_path`` (a folder, a file, or a list of them or of ``{path = ...}``), ``handler``,
    ``runtime``, ``environment_variables``, ``event_source_mapping``, ``dead_letter_target_arn``
    and the async ``destination_on_*``."""
    inputs = lambda_module(ev, name) or {}
    if not _flag(ev, inputs, "create", True) or not _flag(ev, inputs, "create_function", True):
        return None
    where, line = ev.positions.get(("module", name), ("", 0))
    code_root: str | None = None
    paths = ev.value(inputs.get("source_path"))
    first = next(iter(paths), None) if isinstance(paths, list) else paths
    if isinstance(first, dict):
        first = first.get("path")
    if isinstance(first, str) and first and "*" not in first:
        folder = os.path.normpath(os.path.join(ev.folder, first))
        code_root = os.path.dirname(folder) if os.path.isfile(folder) else folder
    existing = ev.string(inputs.get("local_existing_package") or "")
    if code_root is None and existing and "*" not in existing:
        package = os.path.normpath(os.path.join(ev.folder, existing))
        code_root = unpack(package) if is_package(package) else None
    env = ev.value(inputs.get("environment_variables") or {})
    sources: list[EventSource] = []
    mappings = ev.value(inputs.get("event_source_mapping") or {})
    discarded: list[str] = []
    for mapping in mappings.values() if isinstance(mappings, dict) else ():
        failure = mapping.get("destination_arn_on_failure") if isinstance(mapping, dict) else None
        if isinstance(failure, str):
            discarded.append(failure)
        arn = mapping.get("event_source_arn") if isinstance(mapping, dict) else None
        arn = arn if isinstance(arn, str) else ""
        kind = arn_service(arn)
        if kind in POLLED:
            sources.append(EventSource(kind, arn, line, where))
    targets = [ev.string(inputs[k]) for k in ("dead_letter_target_arn",) if inputs.get(k)]
    if _flag(ev, inputs, "create_async_event_config", False):
        targets += [ev.string(inputs[k]) for k in ("destination_on_failure", "destination_on_success") if inputs.get(k)]
    handler = ev.string(inputs.get("handler") or "")
    fname = ev.string(inputs.get("function_name") or "")
    role = ev.string(inputs.get("lambda_role") or "") if not _flag(ev, inputs, "create_role", True) else ""
    runtime = ev.string(inputs["runtime"]) if inputs.get("runtime") else None
    return FunctionInfo(
        name=f"{address}module.{name}{label}",
        handler=handler if handler and "*" not in handler else None,
        code_root=code_root,
        environment={k: v if isinstance(v, str) else ev.string(v) for k, v in env.items()} if isinstance(env, dict) else {},
        event_sources=tuple(sources),
        targets=tuple(t for t in targets if t.startswith("arn:")),
        discarded_to=arns(discarded),
        runtime=runtime,
        function_name=fname if fname and fname != "*" else None,
        role_arn=role if role.startswith("arn:") and "*" not in role else None,
        layer_arns=tuple(a for a in (ev.string(x) for x in ev.value(inputs.get("layers") or []) or ()) if a.startswith("arn:")),
        in_vpc=bool(ev.value(inputs.get("vpc_subnet_ids") or [])),
        traced=ev.string(inputs.get("tracing_mode") or "") == "Active",
        log_group=ev.string(inputs["logging_log_group"]) if inputs.get("logging_log_group") else "",
        line=line,
        path=where,
    )


MAX_INSTANCES = 50
"""instances of one ``for_each``/``count`` function read one by one."""


def _own_functions(ev: Evaluator, address: str) -> dict[str, FunctionInfo]:
    """The module's ``aws_lambda_function`` resources; one with ``for_each`` or ``count`` is a
    function per instance (``fn["orders"]``, ``fn[0]``), each read with its own values."""
    functions: dict[str, FunctionInfo] = {}
    for name, body in sorted(ev.resources.get("aws_lambda_function", {}).items()):
        for label, each, index in _instances(ev, body):
            with ev.at(each, index):
                fn = _function_info(ev, address, name, body, label)
            functions[fn.name] = fn
    return functions


def _instance_of(ev: Evaluator, body: dict[str, Any], label: str) -> tuple[tuple[Any, Any] | None, int | None] | None:
    """(each, count.index) of the instance of a block its address names by ``label``
    (``["orders"]``, ``[0]``, "" for a block with neither); None when it has no such one."""
    return next(((each, index) for found, each, index in _instances(ev, body) if found == label), None)


def _instances(ev: Evaluator, body: dict[str, Any]) -> list[tuple[str, tuple[Any, Any] | None, int | None]]:
    """(address suffix, each, count.index) of each instance of a resource."""
    if "for_each" in body:
        items = ev.value(body["for_each"])
        if isinstance(items, dict) and "*" not in items and 0 < len(items) <= MAX_INSTANCES:
            return [(f'["{k}"]', (k, v), None) for k, v in sorted(items.items())]
        if isinstance(items, list) and 0 < len(items) <= MAX_INSTANCES and all(isinstance(i, str) and "*" not in i for i in items):
            return [(f'["{k}"]', (k, k), None) for k in sorted(set(items))]
        return [("", ("*", "*"), None)]
    if "count" in body:
        count = ev.value(body["count"])
        if isinstance(count, int) and not isinstance(count, bool) and 0 <= count <= MAX_INSTANCES:
            return [(f"[{i}]", None, i) for i in range(count)]
        return [("", None, None)]
    return [("", None, None)]


def _function_info(ev: Evaluator, address: str, name: str, body: dict[str, Any], label: str) -> FunctionInfo:
    """One ``aws_lambda_function`` (one instance of it) as the function lpgen analyses."""
    folder, positions = ev.folder, ev.positions
    refs = (f"aws_lambda_function.{name}.", f"aws_lambda_function.{name}[")
    env: dict[str, str] = {}
    dynamic: list[tuple[str, str, int]] = []
    env_line = positions.get(("aws_lambda_function", name), ("", 0))[1]
    for block in ev.blocks(body, "environment", unknown_once=True):
        raw = (block or {}).get("variables") or {}
        if isinstance(raw, dict):
            # NOTE: one variable at a time, to tell which takes what is not known here.
            for k, raw_value in raw.items():
                if k == "__is_block__":
                    continue
                ev.unknown.clear()
                v = ev.value(raw_value)
                env[_unquote_key(k)] = ev.string(v) if not isinstance(v, str) else v
                dynamic.extend((_unquote_key(k), source, env_line) for source in dict.fromkeys(ev.unknown))
            continue
        variables = ev.value(raw)
        if isinstance(variables, dict):
            env.update({k: ev.string(v) if not isinstance(v, str) else v for k, v in variables.items()})
    filename = ev.string(body.get("filename") or "")
    code = filename[len("archive:"):] if filename.startswith("archive:") else ""
    code_root = os.path.normpath(os.path.join(folder, code)) if code not in ("*", "") else folder
    elsewhere = ""
    if filename and not filename.startswith("archive:") and "*" not in filename:
        # NOTE: a package built before Terraform runs (filename = "build/fn.zip").
        package = os.path.normpath(os.path.join(folder, filename))
        if is_package(package):
            code_root = unpack(package)
    elif body.get("s3_bucket") or body.get("s3_key"):
        elsewhere = f"s3://{ev.string(body.get('s3_bucket') or '')}/{ev.string(body.get('s3_key') or '')}"
    handler = ev.string(body.get("handler") or "")
    if ev.string(body.get("package_type") or "") == "Image":
        code_root, handler = _image_code(ev, body, folder)
    role = ev.string(body.get("role") or "")
    sources: list[EventSource] = []
    discarded: list[str] = []
    secrets: list[str] = []
    for mname, m in ev.resources.get("aws_lambda_event_source_mapping", {}).items():
        target = str(m.get("function_name", ""))
        if any(r in target for r in refs):
            discarded += [ev.string(f["destination_arn"]) for d in m.get("destination_config") or () if isinstance(d, dict)
                          for f in d.get("on_failure") or () if isinstance(f, dict) and f.get("destination_arn")]
            secrets += source_secrets([{"type": ev.string(c.get("type")), "uri": c.get("uri")}
                                       for c in m.get("source_access_configuration") or () if isinstance(c, dict)], ev.string)
            arn = ev.string(m.get("event_source_arn"))
            kind = arn_service(arn)
            if kind in POLLED:
                where, line = positions.get(("aws_lambda_event_source_mapping", mname), ("", 0))
                iam: tuple[tuple[str, str], ...] = ()
                if kind == "kafka" and _msk_iam(ev, str(m.get("event_source_arn", "")), m):
                    topics = ev.value(m.get("topics") or [])
                    group = next((ev.string(c["consumer_group_id"]) for c in m.get("amazon_managed_kafka_event_source_config") or ()
                                  if isinstance(c, dict) and c.get("consumer_group_id")), "")
                    iam = msk_iam_grants(arn, [str(t) for t in topics] if isinstance(topics, list) else [], group)
                sources.append(EventSource(kind, arn, line, where, iam))
            elif isinstance(arn, Unresolved):
                # NOTE: a source known only when Terraform runs: which service it is, and so
                # what its poller needs, is not known (said in implied_findings).
                where, line = positions.get(("aws_lambda_event_source_mapping", mname), ("", 0))
                sources.append(EventSource("*", arn, line, where))
    fname = ev.string(body.get("function_name"))
    # NOTE: the secrets a rotation names the function for (the event's SecretId), when
    # nothing else invokes it.
    triggers = () if sources else _s3_triggers(ev, name)
    inputs = () if sources or triggers else _event_inputs(ev, name)
    rotated = () if sources or triggers or inputs else tuple(sorted({
        s for r in ev.resources.get("aws_secretsmanager_secret_rotation", {}).values()
        if any(ref in str(r.get("rotation_lambda_arn", "")) for ref in refs) and (s := ev.string(r.get("secret_id"))).startswith("arn:")
    }))
    targets = [ev.string(b.get("target_arn")) for b in ev.blocks(body, "dead_letter_config") if isinstance(b, dict)]
    for config in ev.resources.get("aws_lambda_function_event_invoke_config", {}).values():
        if any(r in str(config.get("function_name", "")) for r in refs):
            for dest in config.get("destination_config") or ():
                targets += [ev.string(d.get("destination")) for key in ("on_failure", "on_success")
                            for d in (dest or {}).get(key) or () if isinstance(d, dict)]
    return FunctionInfo(
        name=address + name + label,
        handler=handler if handler and "*" not in handler else None,
        code_root=code_root,
        environment=env,
        event_sources=tuple(sources),
        s3_triggers=triggers,
        rotated_secrets=rotated,
        event_inputs=inputs,
        targets=tuple(dict.fromkeys(t for t in targets if t.startswith("arn:"))),
        discarded_to=arns(discarded),
        source_secrets=arns(secrets),
        file_systems=tuple(a for a in (ev.string(b.get("arn")) for b in ev.blocks(body, "file_system_config") if isinstance(b, dict))
                           if a.startswith("arn:")),
        runtime=ev.string(body["runtime"]) if body.get("runtime") else None,
        # NOTE: a name with a part not known here (terraform.workspace) is a pattern, as a
        # name CloudFormation generates is: its log group is still the function's own.
        function_name=fname if fname and fname != "*" else None,
        role_arn=role if role.startswith("arn:") and "*" not in role else None,
        deployed_from=elsewhere,
        dynamic=tuple(sorted(dynamic)),
        layer_arns=tuple(a for a in (ev.string(x) for x in body.get("layers") or ()) if a.startswith("arn:"))
        if isinstance(body.get("layers"), list) else (),
        in_vpc=any(isinstance(b, dict) and ev.value(b.get("subnet_ids")) for b in ev.blocks(body, "vpc_config")),
        traced=any(isinstance(b, dict) and ev.string(b.get("mode") or "") == "Active" for b in ev.blocks(body, "tracing_config")),
        log_group=next((ev.string(b["log_group"]) for b in ev.blocks(body, "logging_config")
                        if isinstance(b, dict) and b.get("log_group")), ""),
        line=positions.get(("aws_lambda_function", name), ("", 0))[1],
        path=positions.get(("aws_lambda_function", name), ("", 0))[0],
    )


def _invoked_only_by(ev: Evaluator, ref: str, principal: str) -> bool:
    """Does every ``aws_lambda_permission`` for the function ``ref`` names name ``principal``,
    and has it no function URL?"""
    if any(ref in str(u.get("function_name", "")) for u in ev.resources.get("aws_lambda_function_url", {}).values()):
        return False
    return all(ev.string(p.get("principal")) == principal for p in ev.resources.get("aws_lambda_permission", {}).values()
               if ref in str(p.get("function_name", "")))


def _event_inputs(ev: Evaluator, name: str) -> tuple[str, ...]:
    """The constant inputs of the EventBridge rule targets and schedules that invoke
    ``aws_lambda_function.<name>``, when they are all that invokes it (every
    ``aws_lambda_permission`` for it names events.amazonaws.com, it has no function URL, and
    every target that names it gives an ``input``)."""
    ref = f"aws_lambda_function.{name}."
    if not _invoked_only_by(ev, ref, "events.amazonaws.com"):
        return ()
    targets = [t for t in ev.resources.get("aws_cloudwatch_event_target", {}).values() if ref in str(t.get("arn", ""))]
    targets += [t for s in ev.resources.get("aws_scheduler_schedule", {}).values() for t in s.get("target") or ()
                if isinstance(t, dict) and ref in str(t.get("arn", ""))]
    if not targets or any(t.get("input") is None for t in targets):
        return ()
    return tuple(ev.string(t["input"]) for t in targets)


def _s3_triggers(ev: Evaluator, name: str) -> tuple[S3Trigger, ...]:
    """The bucket notifications that invoke ``aws_lambda_function.<name>``, when S3 is the
    only service the function lets invoke it (every ``aws_lambda_permission`` for it names
    s3.amazonaws.com, and it has no function URL)."""
    ref = f"aws_lambda_function.{name}."
    if not _invoked_only_by(ev, ref, "s3.amazonaws.com"):
        return ()
    triggers: list[S3Trigger] = []
    for note in ev.resources.get("aws_s3_bucket_notification", {}).values():
        for target in note.get("lambda_function") or ():
            if isinstance(target, dict) and ref in str(target.get("lambda_function_arn", "")):
                triggers.append(S3Trigger(
                    ev.string(note.get("bucket")),
                    ev.string(target.get("filter_prefix") or ""), ev.string(target.get("filter_suffix") or ""),
                ))
    return tuple(triggers)


def current_policy(tpl: Template, fn: FunctionInfo) -> CurrentPolicy:
    """The role's inline policies, attached policies and managed policy ARNs."""
    from lpgen.policy.model import PolicyDocument

    _doc, root = tpl.source
    # NOTE: a function of a local module is read in that module, with the inputs its call gives.
    ev, local = _owner(root, fn.name)
    prefix = tpl.path if ev is root else ev.folder
    module = re.fullmatch(r"module\.([\w-]+)(\[.*\])?", local)
    if module and lambda_module(ev, module.group(1)) is not None:
        # NOTE: an instance of a module with for_each or count reads its inputs as itself.
        found = _instance_of(ev, ev.modules[module.group(1)], module.group(2) or "")
        with ev.at(*(found or (None, None))):
            return _lambda_module_policy(ev, module.group(1), prefix)
    body = ev.resources.get("aws_lambda_function", {}).get(re.sub(r"\[[^\]]*\]\Z", "", local)) or {}
    role_ref = str(body.get("role", ""))
    fn_ev, fn_role = ev, role_ref
    # NOTE: a role a local module makes (role = module.iam.role_arn) is read in that module.
    role_ev, role_ref = _output_owner(ev, role_ref)
    if role_ev is not ev:
        ev, prefix = role_ev, role_ev.folder
    m = re.search(r"aws_iam_role\.([\w-]+)\.", role_ref)
    if not m:
        return CurrentPolicy(PolicyDocument(()), unknown=f"the role {ev.string(role_ref)} is not defined in this module")
    role = m.group(1)
    statements: list[Any] = []
    managed: list[str] = []

    unread: list[str] = []

    def add(policy_text: Any, where: str) -> None:
        statements.extend(_policy_statements(ev, policy_text, where, unread))

    role_body = ev.resources.get("aws_iam_role", {}).get(role) or {}
    for block in ev.blocks(role_body, "inline_policy", unknown_once=True):
        add(block.get("policy"), f"{prefix}: aws_iam_role.{role} inline_policy")
    policies = {n: b for n, b in ev.resources.get("aws_iam_policy", {}).items()}
    # NOTE: the module's own policies with for_each or count by the ARN each instance gets,
    # to tell them from managed policies when an attachment names one by a value
    # (``each.value.arn``); one without is named in the attachment's text.
    own = {
        str(ev._instance_attribute("aws_iam_policy", pname, each, index, "arn")): (pname, label, each, index)
        for pname, pbody in sorted(policies.items()) if "for_each" in pbody or "count" in pbody
        for label, each, index in _instances(ev, pbody)
    }

    def attach(ref: Any) -> None:
        """A managed policy attached by ``ref``: the module's own (its statements), else its ARN."""
        pm = re.search(r"aws_iam_policy\.([\w-]+)\.", str(ref))
        name = pm.group(1) if pm else ""
        named = policies.get(name)
        if named is not None and "for_each" not in named and "count" not in named:
            add(named.get("policy"), f"{prefix}: aws_iam_policy.{name}")
            return
        value = ev.value(ref)
        for v in value if isinstance(value, list) else [value]:
            if str(v) in own and "*" not in str(v):
                pname, label, each, index = own[str(v)]
                with ev.at(each, index):
                    add(policies[pname].get("policy"), f"{prefix}: aws_iam_policy.{pname}{label}")
            else:
                managed.append(str(v))

    def each_instance(kind: str, key: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """The ``kind`` resources whose ``key`` names the role, as each of their instances
        (``for_each``, ``count``) is read."""
        for name, body in sorted(ev.resources.get(kind, {}).items()):
            if f"aws_iam_role.{role}." in str(body.get(key, "")):
                for label, each, index in _instances(ev, body):
                    with ev.at(each, index):
                        yield f"{name}{label}", body

    arns = role_body.get("managed_policy_arns")
    for ref in arns if isinstance(arns, list) else [arns] if arns else []:
        attach(ref)
    for _name, abody in each_instance("aws_iam_policy_attachment", "roles"):
        attach(abody.get("policy_arn", ""))
    for pname, pbody in each_instance("aws_iam_role_policy", "role"):
        add(pbody.get("policy"), f"{prefix}: aws_iam_role_policy.{pname}")
    for _name, abody in each_instance("aws_iam_role_policy_attachment", "role"):
        attach(abody.get("policy_arn", ""))
    # NOTE: the functions of the function's own module that name the same role.
    shared = tuple(sorted(
        other for other, b in fn_ev.resources.get("aws_lambda_function", {}).items()
        if other != re.sub(r"\[[^\]]*\]\Z", "", local) and (
            f"aws_iam_role.{role}." in str(b.get("role", "")) if fn_ev is ev else str(b.get("role", "")) == fn_role)
    ))
    return _bounded(prefix, ev, CurrentPolicy(PolicyDocument(tuple(statements)), tuple(sorted(set(managed))), role, shared,
                                              unknown="; ".join(unread)),
                    role_body.get("permissions_boundary"))


def _owner(ev: Evaluator, name: str) -> tuple[Evaluator, str]:
    """The evaluator of the module that defines the function ``name`` (an address such as
    ``module.api["orders"].this``), and its name there."""
    while True:
        m = re.match(r"module\.([\w-]+)((?:\[[^\]]*\])?)\.(.+)\Z", name)
        child = _called(ev, m.group(1), m.group(2)) if m else None
        if m is None or child is None:
            return ev, name
        ev, name = child, m.group(3)


def _output_owner(ev: Evaluator, ref: str) -> tuple[Evaluator, str]:
    """For a reference to a local module's output (``module.iam.role_arn``), the evaluator of
    the module that makes the value and the output's own expression there, through modules
    that pass it on; else ``ev`` and ``ref``."""
    for _ in range(MAX_DEPTH):
        m = re.search(r"module\.([\w-]+)((?:\[[^\]]*\])?)\.([\w-]+)", ref)
        child = _called(ev, m.group(1), m.group(2)) if m else None
        if m is None or child is None or m.group(3) not in child.outputs:
            break
        ev, ref = child, str(child.outputs[m.group(3)])
    return ev, ref


def _called(ev: Evaluator, module: str, label: str) -> Evaluator | None:
    """The evaluator of the local module ``module`` this one calls, as its instance
    ``label`` (``["orders"]``, ``[0]``, ""); None for a registry module or no such one."""
    body = ev.modules.get(module)
    found = _instance_of(ev, body, label) if body is not None else None
    return ev._child(module, *found, label) if found else None


def _bounded(prefix: str, ev: Evaluator, found: CurrentPolicy, limit: Any) -> CurrentPolicy:
    """``found`` with the role's permissions boundary: an ``aws_iam_policy`` of the module is
    read, another ARN is kept as such (content not known here)."""
    from lpgen.policy.model import PolicyDocument

    text = str(limit or "")
    if not text:
        return found
    bm = re.search(r"aws_iam_policy\.([\w-]+)\.", text)
    policy = ev.resources.get("aws_iam_policy", {}).get(bm.group(1)) if bm else None
    if bm and policy is not None:
        where = f"{prefix}: aws_iam_policy.{bm.group(1)} (permissions boundary)"
        return replace(found, boundary=PolicyDocument(tuple(_policy_statements(ev, policy.get("policy"), where))))
    return replace(found, boundary_arn=ev.string(limit))


def _policy_statements(ev: Evaluator, policy_text: Any, where: str, unread: list[str] | None = None) -> list[Any]:
    """The statements of a policy document given as HCL (``jsonencode(...)``, a data
    source's ``json``, a heredoc); none when it is not JSON (said in ``unread``)."""
    return _document_statements(ev.value(policy_text), where, unread)


def _document_statements(value: Any, where: str, unread: list[str] | None = None) -> list[Any]:
    """The statements of an evaluated policy document (a dict, or its JSON text). A text
    that is not JSON gives none, and ``unread`` says which and why."""
    from lpgen.errors import PolicyError
    from lpgen.iac.current import as_iam_strings
    from lpgen.policy.parse import parse_policy

    if isinstance(value, _Json):
        value = value.value
    elif isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            if unread is not None:
                unread.append(f"{where}: {_unread_reason(value)}; compared without its statements")
            return []
    try:
        return list(parse_policy(as_iam_strings(value), where).statements)
    except PolicyError as exc:
        raise TemplateError(str(exc)) from exc


def _unread_reason(text: str) -> str:
    if isinstance(text, Unresolved):
        return f"the policy is known only when Terraform runs ({text.why})"
    if "%{" in text:
        return "the policy uses template directives (%{ for }, %{ if }) lpgen does not evaluate"
    if "*" in text and len(text) < 200:
        return "the policy is not known statically"
    return "the policy is not JSON lpgen can read"


LAMBDA_MODULE_MANAGED = (
    ("attach_cloudwatch_logs_policy", True, "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"),
    ("attach_tracing_policy", False, "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"),
    ("attach_network_policy", False, "arn:aws:iam::aws:policy/service-role/AWSLambdaENIManagementAccess"),
)
"""(input, default, the AWS policy of the same grants) for the Lambda module's built-in
policies: logs, X-Ray and network interfaces, which a Lambda role may keep."""


def _lambda_module_policy(ev: Evaluator, name: str, prefix: str) -> CurrentPolicy:
    """The role the community Lambda module makes for ``module "name"``: its built-in
    policies, ``policy_statements``, ``policy_json(s)``, ``policy`` and ``policies``, each as
    its ``attach_*`` input says."""
    from lpgen.policy.model import PolicyDocument

    inputs = lambda_module(ev, name) or {}
    if not _flag(ev, inputs, "create_role", True):
        role = ev.string(inputs.get("lambda_role") or "")
        return CurrentPolicy(PolicyDocument(()), unknown=f"module.{name} uses the role {role} (create_role = false)")
    where = f"{prefix}: module.{name}"
    managed = [arn for key, default, arn in LAMBDA_MODULE_MANAGED if _flag(ev, inputs, key, default)]
    if _flag(ev, inputs, "attach_policy", False) and inputs.get("policy"):
        managed.append(ev.string(inputs["policy"]))
    if _flag(ev, inputs, "attach_policies", False):
        listed = ev.value(inputs.get("policies") or [])
        managed.extend(ev.string(a) for a in (listed if isinstance(listed, list) else [listed]))
    statements: list[Any] = []
    unread: list[str] = []
    if _flag(ev, inputs, "attach_dead_letter_policy", False) and inputs.get("dead_letter_target_arn"):
        statements += _document_statements({"Statement": [{"Effect": "Allow", "Action": ["sns:Publish", "sqs:SendMessage"],
                                                           "Resource": [ev.string(inputs["dead_letter_target_arn"])]}]}, where)
    if _flag(ev, inputs, "attach_async_event_policy", False):
        targets = [ev.string(inputs[k]) for k in ("destination_on_failure", "destination_on_success") if inputs.get(k)]
        if targets:
            statements += _document_statements({"Statement": [{"Effect": "Allow", "Action": [
                "sns:Publish", "sqs:SendMessage", "lambda:InvokeFunction", "events:PutEvents"], "Resource": targets}]}, where)
    if _flag(ev, inputs, "attach_policy_json", False) and inputs.get("policy_json"):
        statements += _policy_statements(ev, inputs["policy_json"], f"{where} policy_json", unread)
    if _flag(ev, inputs, "attach_policy_jsons", False):
        listed = ev.value(inputs.get("policy_jsons") or [])
        for i, doc in enumerate(listed if isinstance(listed, list) else [listed]):
            statements += _document_statements(doc, f"{where} policy_jsons[{i}]", unread)
    if _flag(ev, inputs, "attach_policy_statements", False):
        given = ev.value(inputs.get("policy_statements") or {})
        for key, st in sorted(given.items()) if isinstance(given, dict) else ():
            if isinstance(st, dict):
                statements += _document_statements({"Statement": [_module_statement(key, st)]}, f"{where} policy_statements.{key}")
    return _bounded(prefix, ev, CurrentPolicy(PolicyDocument(tuple(statements)), tuple(sorted(set(managed))), f"module.{name}",
                                              unknown="; ".join(unread)),
                    inputs.get("role_permissions_boundary"))


def _module_statement(key: str, st: dict[str, Any]) -> dict[str, Any]:
    """One entry of the Lambda module's ``policy_statements`` as an IAM statement."""
    out: dict[str, Any] = {"Sid": str(st.get("sid") or re.sub(r"[^0-9A-Za-z]", "", key)),
                           "Effect": str(st.get("effect") or "Allow")}
    for src, dst in (("actions", "Action"), ("not_actions", "NotAction"), ("resources", "Resource"),
                     ("not_resources", "NotResource")):
        if src in st:
            out[dst] = st[src] if isinstance(st[src], list) else [st[src]]
    conditions = st.get("condition") or st.get("conditions") or {}
    for cond in conditions.values() if isinstance(conditions, dict) else conditions:
        if isinstance(cond, dict):
            values = cond.get("values")
            out.setdefault("Condition", {}).setdefault(str(cond.get("test")), {})[str(cond.get("variable"))] = values
    return out


def _image_code(ev: Any, body: dict[str, Any], folder: str) -> tuple[str, str]:
    """A container image function's code folder and handler: its ``image_config``'s
    ``command``, else the ``CMD`` of the module's Dockerfile (in its folder, or the one
    subfolder that has one), whose folder is the code's."""
    from lpgen.iac.cfn import dockerfile_handler

    built = _dockerfile_folder(folder)
    for block in ev.blocks(body, "image_config"):
        command = ev.value(block.get("command")) if isinstance(block, dict) else None
        if isinstance(command, list) and command and isinstance(command[0], str) and "*" not in command[0]:
            return built or folder, command[0]
    return built or folder, (dockerfile_handler(os.path.join(built, "Dockerfile")) or "") if built else ""


def _dockerfile_folder(folder: str) -> str | None:
    """The folder with the module's Dockerfile: its own, else its one subfolder that has one."""
    if os.path.isfile(os.path.join(folder, "Dockerfile")):
        return folder
    subfolders = [os.path.join(folder, d) for d in sorted(os.listdir(folder))] if os.path.isdir(folder) else []
    found = [d for d in subfolders if os.path.isfile(os.path.join(d, "Dockerfile"))]
    return found[0] if len(found) == 1 else None
