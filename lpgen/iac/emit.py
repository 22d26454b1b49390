"""The suggested policy in the template's own syntax, and written back in place.

ARNs of resources the template defines are written as the template's expressions
(``!GetAtt OrdersTable.Arn``, ``!Sub "${UploadsBucket.Arn}/in/*"``), and the partition,
region and account as ``${AWS::Partition}``, ``${AWS::Region}``, ``${AWS::AccountId}``, so
the policy is right in every stage. ``--write`` replaces the policy block's lines in the
file and leaves every other line as it was.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass
from typing import Any

from lpgen.errors import TemplateError, read_text
from lpgen.iac.current import FINE_MANAGED, has_own_role, sls_custom_role
from lpgen.iac.model import FunctionInfo, Template
from lpgen.policy.model import PolicyDocument


@dataclass(frozen=True)
class Expr:
    """A CloudFormation expression: ``!GetAtt X.Arn``, ``!Ref X``, ``!Sub "..."``, or
    ``!Join ["", [!GetAtt X.Arn, "/in/*"]]`` (serverless.yml, where ``${...}`` is its own)."""

    tag: str
    value: str
    suffix: str = ""


def _known_arns(tpl: Template, fn: FunctionInfo | None = None) -> list[tuple[str, str]]:
    """(concrete ARN, ``Logical.Attr`` or ``Logical``) for the template's resources, longest
    first; with ``fn``, not those that depend on the function its policy is for, which the
    function's role would then depend on in turn (CloudFormation refuses the cycle)."""
    if tpl.source is None or tpl.kind == "chalice":
        return []
    doc, resolver = tpl.source[0], tpl.source[1]
    from lpgen.iac.cfn import _types

    resources = ((doc.get("resources") or {}).get("Resources") if tpl.kind == "serverless" else doc.get("Resources")) or {}
    cyclic = _dependents(resources, _function_ids(tpl, fn, doc)) if fn is not None else set()
    out: list[tuple[str, str]] = []
    for logical, res in resources.items():
        if not isinstance(res, dict) or logical in cyclic:
            continue
        spec = _types().get(res.get("Type", "")) or {}

        def exact(value: str, logical: str = logical) -> bool:
            # NOTE: a name CloudFormation makes (``stack-Jobs-1A2B3C``) reads as a pattern
            # around the logical id; granted on that pattern, the grant is this resource's.
            # An id only known once deployed (a key's ``key/*``) names any resource.
            name = re.split(r"[:/]", value)[-1]
            return value.startswith("arn:") and ("*" not in value or logical.lower() in name.lower())

        for attr in (spec.get("attrs") or {}):
            value = resolver.get_att(logical, attr)
            if exact(value):
                out.append((value, f"{logical}.{attr}"))
        ref = spec.get("ref")
        if ref and ref.startswith("arn:"):
            value = resolver.ref(logical)
            if exact(value):
                out.append((value, logical))
    out.sort(key=lambda kv: (-len(kv[0]), kv[1]))
    return out


def _function_ids(tpl: Template, fn: FunctionInfo | None, doc: dict[str, Any]) -> set[str]:
    """The logical ids a policy block's role must not come to depend on: the function and the
    role it names, or, in serverless.yml (one role for every function unless it has its own),
    every function (``render`` is ``RenderLambdaFunction``)."""
    if fn is None:
        return set()
    if tpl.kind != "serverless":
        # NOTE: and the role it names, whose policies the block is: what depends on the role
        # closes the cycle too.
        res = (doc.get("Resources") or {}).get(fn.name)
        role = ((res.get("Properties") or {}).get("Role") if isinstance(res, dict) else None) or {}
        return {fn.name} | _referenced(role)
    names = [fn.name] if has_own_role((doc.get("functions") or {}).get(fn.name)) else list(doc.get("functions") or {})
    return {n[:1].upper() + n[1:].replace("-", "Dash").replace("_", "Underscore") + "LambdaFunction" for n in names}


def _dependents(resources: dict[str, Any], roots: set[str]) -> set[str]:
    """``roots`` and the resources that refer to them, directly or through others (``Ref``,
    ``Fn::GetAtt``, ``${X}`` in ``Fn::Sub``, ``DependsOn``)."""
    refs = {name: _referenced(res) for name, res in resources.items() if isinstance(res, dict)}
    found = set(roots)
    grew = True
    while grew:
        grew = False
        for name, names in refs.items():
            if name not in found and names & found:
                found.add(name)
                grew = True
    return found


def _referenced(node: Any) -> set[str]:
    """The logical ids a template value refers to."""
    out: set[str] = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                if key == "Ref" and isinstance(value, str):
                    out.add(value)
                elif key == "Fn::GetAtt":
                    target = value[0] if isinstance(value, list) and value else value
                    if isinstance(target, str):
                        out.add(target.split(".", 1)[0])
                elif key == "Fn::Sub":
                    text = value[0] if isinstance(value, list) and value else value
                    if isinstance(text, str):
                        out.update(m.split(".", 1)[0] for m in re.findall(r"\$\{([^}!:]+)\}", text))
                elif key == "DependsOn":
                    out.update([value] if isinstance(value, str) else [v for v in value if isinstance(v, str)] if isinstance(value, list) else [])
                stack.append(value)
        elif isinstance(item, list):
            stack.extend(item)
    return out


def express(arn: str, tpl: Template, known: list[tuple[str, str]] | None = None) -> str | Expr:
    """An ARN as the template would write it (``known``: ``_known_arns(tpl)``, computed once
    per block by the caller)."""
    if arn == "*":
        return arn
    scope = tpl.scope
    serverless = tpl.kind == "serverless"
    for concrete, name in _known_arns(tpl) if known is None else known:
        if arn == concrete:
            return Expr("GetAtt", name) if "." in name else Expr("Ref", name)
        if arn.startswith(concrete + "/") or arn.startswith(concrete + ":"):
            if serverless:
                return Expr("Join", name, arn[len(concrete):])
            return Expr("Sub", "${" + name + "}" + arn[len(concrete):])
    # NOTE: with no Region or account given, the ARN holds CloudFormation's placeholders
    # already; CloudFormation replaces them inside Fn::Sub only (in a plain string they would
    # reach IAM as written).
    if serverless:
        # NOTE: serverless.yml resolves ${aws:region} and ${aws:accountId} itself, and passes
        # Fn::Sub on for the partition's.
        arn = _serverless_variables(arn, tpl).replace("${AWS::Region}", "${aws:region}").replace(
            "${AWS::AccountId}", "${aws:accountId}")
        parts = arn.split(":", 5)
        if "${AWS::" not in arn and len(parts) == 6:
            if parts[3] and parts[3] == (scope.region or ""):
                parts[3] = "${aws:region}"
            if parts[4] and parts[4] == (scope.account or ""):
                parts[4] = "${aws:accountId}"
            return ":".join(parts)
        return Expr("Sub", arn) if "${AWS::" in arn else arn
    if "${AWS::" in arn:
        return Expr("Sub", arn)
    parts = arn.split(":", 5)
    if len(parts) == 6:
        changed = False
        if scope.partition is None and parts[1] == "aws" or parts[1] == scope.value("Partition"):
            parts[1] = "${AWS::Partition}"
            changed = True
        if parts[3] and parts[3] == (scope.region or ""):
            parts[3] = "${AWS::Region}"
            changed = True
        if parts[4] and parts[4] == (scope.account or ""):
            parts[4] = "${AWS::AccountId}"
            changed = True
        if changed:
            return Expr("Sub", ":".join(parts))
    return arn


def _serverless_variables(arn: str, tpl: Template) -> str:
    """Names that came from serverless variables written back as those variables
    (``media-dev-uploads`` → ``${self:service}-${sls:stage}-uploads``)."""
    if tpl.source is None or tpl.kind != "serverless":
        return arn
    doc, raw = tpl.source[0], tpl.source[2]
    pairs: list[tuple[str, str]] = []
    blocks = [((doc.get("provider") or {}).get("environment"), (raw.get("provider") or {}).get("environment"))]
    for key, fdoc in (doc.get("functions") or {}).items():
        rdoc = (raw.get("functions") or {}).get(key) or {}
        if isinstance(fdoc, dict) and isinstance(rdoc, dict):
            blocks.append((fdoc.get("environment"), rdoc.get("environment")))
    for resolved, written in blocks:
        if not isinstance(resolved, dict) or not isinstance(written, dict):
            continue
        for k, v in resolved.items():
            w = written.get(k)
            if isinstance(v, str) and isinstance(w, str) and "${" in w and v and "*" not in v and len(v) > 3:
                pairs.append((v, w))
    for value, written in sorted(set(pairs), key=lambda p: -len(p[0])):
        if value in arn:
            return arn.replace(value, written)
    return arn


def _statements(policy: PolicyDocument, tpl: Template, fn: FunctionInfo | None = None) -> list[dict[str, Any]]:
    known = _known_arns(tpl, fn)
    out = []
    for st in policy.statements:
        entry: dict[str, Any] = {"Sid": st.sid, "Effect": st.effect, "Action": list(st.actions),
                                 "Resource": [express(r, tpl, known) for r in st.resources]}
        if st.condition:
            cond: dict[str, dict[str, Any]] = {}
            for op, key, values in st.condition:
                # NOTE: an ARN in a condition (an access point's) is written as a resource is.
                written = [express(v, tpl, known) if v.startswith("arn:") else v for v in values]
                cond.setdefault(op, {})[key] = written[0] if len(written) == 1 else written
            entry["Condition"] = cond
        out.append(entry)
    return out


def _yaml(value: Any) -> str:
    from ruamel.yaml import YAML
    from ruamel.yaml.comments import TaggedScalar

    def convert(v: Any) -> Any:
        if isinstance(v, Expr) and v.tag == "Join":
            from ruamel.yaml.comments import CommentedSeq

            ref = TaggedScalar(v.value, tag="!GetAtt" if "." in v.value else "!Ref")
            inner = CommentedSeq([ref, v.suffix])
            inner.fa.set_flow_style()
            outer = CommentedSeq(["", inner])
            outer.fa.set_flow_style()
            return _tagged_seq(outer, "!Join")
        if isinstance(v, Expr):
            if v.tag == "Sub":
                from ruamel.yaml.scalarstring import DoubleQuotedScalarString

                return TaggedScalar(DoubleQuotedScalarString(v.value), tag="!Sub")
            return TaggedScalar(v.value, tag=f"!{v.tag}")
        if isinstance(v, dict):
            return {k: convert(x) for k, x in v.items()}
        if isinstance(v, list):
            return [convert(x) for x in v]
        return v

    y = YAML()
    y.indent(mapping=2, sequence=4, offset=2)
    y.width = 4096
    buf = io.StringIO()
    y.dump(convert(value), buf)
    return buf.getvalue()


def _terraform_known(tpl: Template) -> list[tuple[str, str]]:
    """(concrete ARN or name, Terraform reference) for the module's resources, longest first."""
    if tpl.source is None or tpl.kind != "terraform":
        return []
    ev = tpl.source[1]
    out: list[tuple[str, str]] = []
    for rtype, named in ev.resources.items():
        spec = ev.table.get(rtype) or {}
        for name in named:
            for attr in ("arn", "stream_arn"):
                if attr in (spec.get("attrs") or {}):
                    value = ev.attribute(rtype, name, attr)
                    if value.startswith("arn:") and "*" not in value:
                        out.append((value, f"{rtype}.{name}.{attr}"))
    out.sort(key=lambda kv: (-len(kv[0]), kv[1]))
    return out


_TERRAFORM_PLACES = {
    "${AWS::Partition}": "${data.aws_partition.current.partition}",
    "${AWS::Region}": "${data.aws_region.current.name}",
    "${AWS::AccountId}": "${data.aws_caller_identity.current.account_id}",
}


def terraform_expr(arn: str, tpl: Template, known: list[tuple[str, str]] | None = None) -> str:
    """An ARN as HCL: a reference, an interpolated string, or a plain string."""
    if arn == "*":
        return '"*"'
    for concrete, ref in _terraform_known(tpl) if known is None else known:
        if arn == concrete:
            return ref
        if arn.startswith(concrete + "/") or arn.startswith(concrete + ":"):
            return '"${' + ref + "}" + arn[len(concrete):] + '"'
    # NOTE: with no Region or account given, the ARN holds CloudFormation's placeholders,
    # which HCL would read as expressions of its own.
    for placeholder, data in _TERRAFORM_PLACES.items():
        arn = arn.replace(placeholder, data)
    parts = arn.split(":", 5)
    if len(parts) == 6:
        scope = tpl.scope
        if parts[1] == scope.value("Partition"):
            parts[1] = "${data.aws_partition.current.partition}"
        if parts[3] and parts[3] == (scope.region or ""):
            parts[3] = "${data.aws_region.current.name}"
        if parts[4] and parts[4] == (scope.account or ""):
            parts[4] = "${data.aws_caller_identity.current.account_id}"
        arn = ":".join(parts)
    return json.dumps(arn)


def terraform_block(policy: PolicyDocument, tpl: Template, fn: FunctionInfo) -> str:
    """A ``data "aws_iam_policy_document"`` to use as the role's policy."""
    known = _terraform_known(tpl)
    # NOTE: a function in a module is named by its address (module.api.this): a block's
    # name is an identifier.
    label = re.sub(r"[^A-Za-z0-9_-]", "_", fn.name)
    lines = [f'data "aws_iam_policy_document" "{label}_least_privilege" {{']
    for st in policy.statements:
        lines.append("  statement {")
        lines.append(f"    sid       = {json.dumps(st.sid)}")
        lines.append(f"    effect    = {json.dumps(st.effect)}")
        lines.append("    actions   = [" + ", ".join(json.dumps(a) for a in st.actions) + "]")
        lines.append("    resources = [" + ", ".join(terraform_expr(r, tpl, known) for r in st.resources) + "]")
        for op, key, values in st.condition:
            lines += ["    condition {", f"      test     = {json.dumps(op)}", f"      variable = {json.dumps(key)}",
                      "      values   = [" + ", ".join(terraform_expr(v, tpl, known) if v.startswith("arn:") else json.dumps(v)
                                                   for v in values) + "]", "    }"]
        lines.append("  }")
    lines.append("}")
    module = re.search(r"(?:^|\.)module\.([\w-]+)$", fn.name)
    if module:
        # NOTE: a function of the community Lambda module: its role takes the document
        # through the module's inputs.
        lines += [f'# in module "{module.group(1)}":', "#   attach_policy_json = true",
                  f"#   policy_json        = data.aws_iam_policy_document.{label}_least_privilege.json"]
    return "\n".join(lines) + "\n"


def block(policy: PolicyDocument, tpl: Template, fn: FunctionInfo, fmt: str) -> str:
    """What to paste in place of the function's policy, in ``fmt`` (sam, cloudformation,
    serverless, terraform). A role's policies (cloudformation, terraform) keep what the Lambda
    service needs of a role the template makes, where no managed policy attached to it gives
    it, as ``--write`` does (``runtime_statements``)."""
    if fmt in ("cloudformation", "terraform"):
        current = tpl.current_policy(fn)
        if not current.unknown:
            from lpgen.review.service import runtime_statements

            policy = PolicyDocument((*policy.statements, *runtime_statements(fn, current, tpl.scope)))
    if fmt == "terraform":
        if tpl.kind != "terraform":
            raise TemplateError(f"{tpl.path}: --format terraform needs a Terraform module")
        return terraform_block(policy, tpl, fn)
    statements = _statements(policy, tpl, fn)
    if fmt == "sam":
        return _yaml({"Policies": [{"Statement": statements}]})
    if fmt == "cloudformation":
        return _yaml({"Policies": [{"PolicyName": f"{fn.name}-least-privilege",
                                    "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}]})
    if fmt == "serverless":
        return _yaml({"iamRoleStatements" if _per_function(tpl, fn) else "statements": statements})
    raise TemplateError(f"unknown template format {fmt}")


def _per_function(tpl: Template, fn: FunctionInfo) -> bool:
    doc = tpl.source[0] if tpl.source else {}
    return has_own_role((doc.get("functions") or {}).get(fn.name))


# ---------------------------------------------------------------------------------------
# writing back


def write_back(tpl: Template, fn: FunctionInfo, policy: PolicyDocument, text: str | None = None) -> str:
    """The template's text (``text``, else the file's) with only ``fn``'s policy block
    replaced."""
    if text is None and tpl.kind != "terraform":
        text = read_text(tpl.path, TemplateError, "cannot read for rewriting", keep_bom=True)
    if text is None or tpl.kind == "terraform" or text.lstrip().startswith("{"):
        raise TemplateError(f"{tpl.path}: --write rewrites YAML templates; print the block with --format instead")
    from ruamel.yaml import YAML

    y = YAML()
    try:
        doc = y.load(text)
    except Exception as exc:  # ruamel's errors share no useful base with PyYAML's
        raise TemplateError(f"{tpl.path}: cannot read for rewriting: {exc}") from exc
    try:
        new_text = _rewrite(tpl, fn, policy, text, doc)
    except _Unwritable as exc:
        raise TemplateError(f"{tpl.path}:{exc}") from exc
    try:
        y.load(new_text)
    except Exception as exc:
        raise TemplateError(f"{tpl.path}: the rewritten template would not parse, so it is left as it is: {exc}") from exc
    return new_text


def _rewrite(tpl: Template, fn: FunctionInfo, policy: PolicyDocument, text: str, doc: Any) -> str:
    statements = _statements(policy, tpl, fn)
    if tpl.kind == "serverless":
        fdoc = (doc.get("functions") or {}).get(fn.name) or {}
        _unshared(fdoc, doc.get("provider"))
        custom = sls_custom_role(fdoc, doc.get("provider") or {})
        if custom is not None and not has_own_role(fdoc):
            # NOTE: the function runs with a role the service names, not the Framework's:
            # the provider's statements are not its policy.
            raise TemplateError(f"{tpl.path}: {fn.name} runs with the role {json.dumps(custom)}, whose policies --write does not edit")
        if fdoc.get("iamRoleStatements") is not None:
            return _splice(text, fdoc, "iamRoleStatements", _yaml({"iamRoleStatements": statements}))
        role = ((doc.get("provider") or {}).get("iam") or {}).get("role")
        others = [k for k in (doc.get("functions") or {}) if k != fn.name]
        if others:
            raise TemplateError(
                f"{tpl.path}: the provider's statements are shared by {', '.join(others)}: "
                "give each function its own iamRoleStatements, or review them together"
            )
        if isinstance(role, dict) and role.get("statements") is not None:
            return _splice(text, role, "statements", _yaml({"statements": statements}))
        provider = doc.get("provider") or {}
        if provider.get("iamRoleStatements") is not None:
            return _splice(text, provider, "iamRoleStatements", _yaml({"iamRoleStatements": statements}))
        raise TemplateError(f"{tpl.path}: no statements block to replace for {fn.name}")
    resources = doc.get("Resources") or {}
    if fn.name not in resources:
        # NOTE: a function a Fn::ForEach loop makes is written once, in the loop's fragment.
        raise TemplateError(f"{tpl.path}: {fn.name} is made by a Fn::ForEach loop: write its policy in the loop's "
                            "fragment (print the block with --format)")
    _unshared(resources.get(fn.name))
    props = (resources.get(fn.name) or {}).get("Properties") or {}
    current = tpl.current_policy(fn)
    if props.get("Role") is None:
        keep = [p for p in (props.get("Policies") or []) if isinstance(p, str) and p.rsplit("/", 1)[-1] in FINE_MANAGED]
        new = _yaml({"Policies": [*keep, {"Statement": statements}]})
        if props.get("Policies") is None:
            return _insert(text, props, new)
        return _splice(text, props, "Policies", new)
    if current.shared_with:
        raise TemplateError(
            f"{tpl.path}: {fn.name}'s role {current.role} is shared with {', '.join(current.shared_with)}: "
            "give each function its own role, then --write"
        )
    if current.role is None or current.role not in resources:
        raise TemplateError(f"{tpl.path}: {fn.name}'s role is not defined in this template")
    _unshared(resources[current.role])
    role_props = resources[current.role].get("Properties") or {}
    # NOTE: the role's own policies are replaced: what the Lambda service needs of it (logs, a
    # VPC's network interfaces, traces), where no managed policy gives it, stays.
    from lpgen.review.service import runtime_statements

    statements += _statements(PolicyDocument(tuple(runtime_statements(fn, current, tpl.scope))), tpl, fn)
    name = f"{fn.name}-least-privilege"
    existing = role_props.get("Policies") or []
    if existing and isinstance(existing[0], dict) and existing[0].get("PolicyName"):
        name = str(existing[0]["PolicyName"])
    new = _yaml({"Policies": [{"PolicyName": name, "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}]})
    if role_props.get("Policies") is None:
        return _insert(text, role_props, new)
    return _splice(text, role_props, "Policies", new)


class _Unwritable(Exception):
    """A place in the template the rewrite cannot edit line by line: ``LINE:COL: why``."""


def _at(mapping: Any) -> str:
    """``LINE:COL: `` of a mapping read from the text, or a space for one that is not there."""
    lc = getattr(mapping, "lc", None)
    return f"{lc.line + 1}:{lc.col + 1}: " if lc is not None else " "


def _indent(block_text: str, col: int) -> list[str]:
    return [(" " * col + line) if line else line for line in block_text.rstrip("\n").split("\n")]


def _unshared(*nodes: Any) -> None:
    """Refuse to edit inside a YAML anchor: an alias elsewhere (``<<: *common``) would
    change with it, another function's policy with this one's."""
    for node in nodes:
        anchor = node.yaml_anchor() if hasattr(node, "yaml_anchor") else None
        if anchor is not None:
            raise _Unwritable(f"{_at(node)}the block to rewrite is in the anchor &{anchor.value}, which its aliases share: "
                              "give the function a block of its own, then --write")


def _splice(text: str, mapping: Any, key: str, new_block: str) -> str:
    """Replace ``key`` and its value (whole lines) in ``text`` by ``new_block``."""
    if key not in getattr(mapping, "_ok", mapping):
        raise _Unwritable(f"{_at(mapping)}{key} comes from a merge key (<<: *…): write the function's own {key}, then --write")
    _unshared(mapping, mapping[key])
    if mapping.fa.flow_style():
        raise _Unwritable(f"{_at(mapping)}the mapping to rewrite is in flow style ({{…}}); write it as a block")
    lines = text.split("\n")
    line, col = mapping.lc.key(key)
    end = line + 1
    while end < len(lines):
        stripped = lines[end].strip()
        indent = len(lines[end]) - len(lines[end].lstrip())
        if stripped and not stripped.startswith("#") and indent <= col:
            break
        end += 1
    while end > line + 1 and not lines[end - 1].strip():
        end -= 1
    new_lines = _indent(new_block, col)
    comment = re.search(r"\s+#[^'\"]*$", lines[line])
    if comment and new_lines:
        new_lines[0] += comment.group(0)
    return "\n".join(lines[:line] + new_lines + lines[end:])


def _insert(text: str, mapping: Any, new_block: str) -> str:
    """Add ``new_block`` as the last entry of ``mapping``."""
    _unshared(mapping)
    keys = list(mapping.keys())
    if not keys:
        raise _Unwritable(f"{_at(mapping)}cannot add a policy to an empty mapping")
    last = keys[-1]
    probe = _splice(text, mapping, last, "__lpgen__")
    lines = text.split("\n")
    line, col = mapping.lc.key(last)
    pl = probe.split("\n")
    cut = pl.index(" " * col + "__lpgen__")
    tail_len = len(pl) - cut - 1
    end = len(lines) - tail_len
    return "\n".join(lines[:end] + _indent(new_block, col) + lines[end:])


def _tagged_seq(seq: Any, tag: str) -> Any:
    """A flow sequence with a tag (``!Join ["", [...]]``)."""
    seq.yaml_set_ctag(_ctag(tag))
    return seq


def _ctag(tag: str) -> Any:
    from ruamel.yaml.tag import Tag

    return Tag(suffix=tag)
