"""``lpgen explain`` and ``lpgen catalog dump``: the catalogue, one call at a time."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from lpgen.calls import aws
from lpgen.errors import UsageError
from lpgen.permissions import iam_data, service_models
from lpgen.permissions.arns import authorized_form, format_vars, param_spec
from lpgen.permissions.mapping import operation_permissions
from lpgen.permissions.model import ActionRule


def _operations_of(target: str) -> tuple[str, list[str], str]:
    """(client, operations, how) for ``s3.get_object``, ``s3.upload_file``,
    ``dynamodb.Table.put_item`` or ``s3.Bucket.objects.filter``."""
    parts = target.split(".")
    if len(parts) < 2:
        raise UsageError(f"{target!r}: expected client.method, e.g. s3.get_object")
    client = parts[0]
    if client not in service_models.client_names():
        raise UsageError(f"{target!r}: botocore has no client {client!r}")
    if len(parts) == 2:
        method = parts[1]
        info = service_models.operations(client).get(method)
        if info is not None:
            return client, [info.operation], "client method"
        helper = aws.helper_table(client, "client").get(method)
        if helper is not None:
            return client, list(helper.get("operations", ())), "boto3 helper"
        raise UsageError(f"{target!r}: {client} has no method {method!r}")
    rtype, rest = parts[1], parts[2:]
    defn = aws.resource_definition(client, rtype)
    if defn is None:
        raise UsageError(f"{target!r}: boto3 has no {client} resource {rtype!r}")
    if rest[0] in aws.collection_names(defn):
        col = aws.collection_names(defn)[rest[0]]
        ops = [col["request"]["operation"]]
        if len(rest) > 1 and rest[1] not in ("all", "filter", "limit", "page_size"):
            item = aws.resource_definition(client, col["resource"]["type"]) or {}
            batch = {aws._xform(k): v for k, v in item.get("batchActions", {}).items()}
            if rest[1] in batch:
                ops.append(batch[rest[1]]["request"]["operation"])
        return client, ops, "resource collection"
    actions = aws.action_names(defn)
    if rest[0] in actions:
        return client, [actions[rest[0]][1]["request"]["operation"]], "resource action"
    if rest[0] in ("load", "reload") and defn.get("load"):
        return client, [defn["load"]["request"]["operation"]], "resource load"
    helper = aws.helper_table(client, rtype).get(rest[0])
    if helper is not None:
        if helper.get("returns") == "batch_writer":
            return client, ["BatchWriteItem"], "boto3 helper"
        return client, list(helper.get("operations", ())), "boto3 helper"
    raise UsageError(f"{target!r}: {client}.{rtype} has no {rest[0]!r}")


def _resources(rule: ActionRule, client: str, operation: str) -> list[dict[str, Any]]:
    info = iam_data.action(rule.action)
    if info is None:
        return []
    if rule.tagging is not None:
        # NOTE: a tag-on-create action is granted on what the request creates, not on the
        # resources its request members name (see lpgen.permissions.grant._tagged).
        t = rule.tagging
        where = (f"every resource of the types {t.types_from} names" if t.types_from
                 else "*" if t.on_any else "the request's own resources of a type the action takes")
        return [{"arn": where + (f", with {t.create_key} = {operation}" if t.create_key else "")}]
    if not info.resources:
        return [{"arn": "*", "note": "no resource-level permission"}]
    op = service_models.operation_by_name(client, operation)
    members = op.input_members if op else ()
    out = []
    for ref in info.resources:
        rt = iam_data.resource_type(info.prefix, ref.name)
        if rt is None:
            continue
        variables: dict[str, str] = {}
        for var in format_vars(rt.arn_format):
            if var in ("Partition", "Region", "Account"):
                continue
            bound = dict(rule.bind).get(var)
            # NOTE: a bind to no member ("@taskDefinitionRoles") says the request does not name it.
            source = "(not in the request: any, unless a template names it)" if bound and bound.startswith("@") else bound
            if source is None:
                for m in members:
                    spec = param_spec(info.prefix, m) or {}
                    if spec.get("var") == var or m.lower() in (var.lower(), var.lower().removesuffix("name")):
                        source = m
                        break
            variables[var] = source or "(not a request parameter)"
        out.append({"type": rt.name, "arn": authorized_form(rule.action, rt.name, rt.arn_format), "variables": variables})
    return out


def explain(target: str) -> dict[str, Any]:
    """Everything the catalogue knows about one call."""
    client, operations, how = _operations_of(target)
    out: dict[str, Any] = {"call": target, "kind": how, "client": client, "operations": []}
    for operation in operations:
        perms = operation_permissions(client, operation)
        entry: dict[str, Any] = {
            "operation": operation,
            "source": perms.source,
            "required": [
                {"action": r.action, **({"unless": r.unless} if r.unless else {}), "resources": _resources(r, client, operation)}
                for r in perms.required
            ],
            "conditional": [
                {"action": r.action, "when": r.when, "resources": _resources(r, client, operation)}
                for r in perms.conditional
            ],
        }
        if perms.fanout:
            entry["per_item"] = [{"key": k, "action": a} for k, a in perms.fanout.by_key]
        if perms.no_permission:
            entry["no_permission"] = perms.no_permission
        out["operations"].append(entry)
    return out


def render_text(info: dict[str, Any]) -> str:
    """Human-readable ``explain`` output."""
    lines = [f"{info['call']} ({info['kind']})"]
    for op in info["operations"]:
        lines.append(f"  operation {info['client']}:{op['operation']}  [{op['source']}]")
        if op.get("no_permission"):
            lines.append(f"    no IAM permission: {op['no_permission']}")
        for r in op["required"]:
            lines.append(f"    required     {r['action']}" + (f"  unless {r['unless']}" if r.get("unless") else ""))
            lines.extend(_res_lines(r["resources"]))
        for r in op["conditional"]:
            lines.append(f"    conditional  {r['action']}  when {r['when']}")
            lines.extend(_res_lines(r["resources"]))
        for item in op.get("per_item", ()):
            lines.append(f"    per item     {item['key']} -> {item['action']}")
    return "\n".join(lines) + "\n"


def _res_lines(resources: list[dict[str, Any]]) -> list[str]:
    out = []
    for res in resources:
        out.append(f"        {res['arn']}")
        for var, src in sorted(res.get("variables", {}).items()):
            out.append(f"          ${{{var}}} <- {src}")
    return out


def dump(clients: list[str] | None = None) -> Iterator[dict[str, Any]]:
    """One record per (client, method) of every botocore operation."""
    for client in clients or service_models.client_names():
        for method, info in sorted(service_models.operations(client).items()):
            perms = operation_permissions(client, info.operation)
            yield {
                "client": client,
                "method": method,
                "operation": info.operation,
                "required": [r.action for r in perms.required],
                "conditional": [{"action": r.action, "when": r.when} for r in perms.conditional],
                "per_item": [{"key": k, "action": a} for k, a in perms.fanout.by_key] if perms.fanout else [],
                "no_permission": perms.no_permission,
                "resources": _arn_formats(perms.required),
                "source": perms.source,
            }


def _arn_formats(rules: tuple[ActionRule, ...]) -> list[str]:
    out: set[str] = set()
    for rule in rules:
        info = iam_data.action(rule.action)
        for ref in info.resources if info else ():
            rt = iam_data.resource_type(info.prefix, ref.name) if info else None
            if rt is not None:
                out.add(authorized_form(rule.action, rt.name, rt.arn_format))
    return sorted(out)
