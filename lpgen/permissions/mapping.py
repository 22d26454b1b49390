"""Operation → IAM actions: the default rule, reviewed overrides, and the service reference.

The default rule grants ``<prefix>:<OperationName>`` when the IAM reference knows that
action. ``data/overrides.yaml`` corrects the operations where that is wrong or incomplete.
When the user has run ``lpgen data refresh``, AWS's service reference is used to complete
operations the tables do not answer, still keeping required and conditional apart.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from typing import Any

from lpgen.data_files import load_table
from lpgen.errors import ModelDataError
from lpgen.permissions import iam_data, service_models
from lpgen.permissions.model import ActionRule, FanOut, OperationPermissions, TagOnCreate


@cache
def iam_prefix(client: str) -> str:
    """The IAM service prefix of a boto3 client (``stepfunctions`` → ``states``)."""
    table: dict[str, str] = load_table("prefixes.yaml") or {}
    if client in table:
        return table[client]
    meta = service_models.signing_metadata(client)
    known = iam_data.prefixes()
    for candidate in (meta.get("signingName"), meta.get("endpointPrefix"), client):
        if candidate and candidate in known:
            return candidate
    return client


def _rule(item: Any, when: str | None = None) -> ActionRule:
    if isinstance(item, str):
        return ActionRule(action=iam_data.canonical(item), when=when)
    if not isinstance(item, dict) or "action" not in item:
        raise ModelDataError(f"overrides.yaml: bad action entry {item!r}")
    bind = tuple(sorted((str(k), str(v)) for k, v in (item.get("bind") or {}).items()))
    return ActionRule(
        action=iam_data.canonical(item["action"]), when=item.get("when", when), bind=bind, unless=item.get("unless"),
        shared=bool(item.get("shared", False)), passed_to=item.get("passed_to"),
    )


@cache
def _overrides(client: str) -> dict[str, Any]:
    table: dict[str, Any] = load_table("overrides.yaml") or {}
    own: dict[str, Any] = dict(table.get(client) or {})
    shared = ((load_table("naming_rules.yaml") or {}).get("share_overrides") or {}).get(client)
    if shared:
        ops = {info.operation for info in service_models.operations(client).values()}
        for op, entry in (table.get(shared) or {}).items():
            if op in ops and op not in own:
                own[op] = entry
    return own


def default_action(client: str, operation: str) -> str | None:
    """``<prefix>:<OperationName>`` when the IAM reference has that action, else the action
    ``data/naming_rules.yaml`` names, else None."""
    name = f"{iam_prefix(client)}:{operation}"
    if iam_data.action_exists(name):
        return iam_data.canonical(name)
    return _named_by_rule(client, operation)


@cache
def _naming_rules() -> tuple[list[tuple[re.Pattern[str], str]], dict[str, Any]]:
    table: dict[str, Any] = load_table("naming_rules.yaml") or {}
    rewrites = [(re.compile(p), r) for p, r in table.get("rewrites") or ()]
    return rewrites, table.get("verbs") or {}


def _named_by_rule(client: str, operation: str) -> str | None:
    rewrites, verbs = _naming_rules()
    rule = verbs.get(client)
    if isinstance(rule, dict) and rule.get("http_method"):
        info = service_models.operation_by_name(client, operation)
        method = (info.http_method if info else "") or ""
        name = f"{iam_prefix(client)}:{method.upper()}"
        return iam_data.canonical(name) if method and iam_data.action_exists(name) else None
    if isinstance(rule, dict):
        for verb, action in sorted(rule.items(), key=lambda kv: -len(kv[0])):
            if operation.startswith(verb) and iam_data.action_exists(action):
                return iam_data.canonical(action)
    prefix = iam_prefix(client)
    for pattern, replacement in rewrites:
        candidate = pattern.sub(replacement, operation)
        if candidate != operation and iam_data.action_exists(f"{prefix}:{candidate}"):
            return iam_data.canonical(f"{prefix}:{candidate}")
    return None


def uri_resource(client: str, operation: str) -> str | None:
    """For services authorized on request paths (API Gateway): the resource ARN template,
    ``arn:${Partition}:apigateway:${Region}::/restapis/{restApiId}/authorizers``, whose
    ``{member}`` parts are filled from the request."""
    _, verbs = _naming_rules()
    rule = verbs.get(client)
    if not (isinstance(rule, dict) and rule.get("http_method")):
        return None
    info = service_models.operation_by_name(client, operation)
    if info is None or not info.request_uri:
        return None
    path = info.request_uri.split("?")[0]
    strip = rule.get("strip_uri_prefix")
    if strip and path.startswith(strip):
        path = path[len(strip):]
    for wire, member in info.uri_members.items():
        path = path.replace("{" + wire + "}", "{" + member + "}").replace("{" + wire + "+}", "{" + member + "}")
    return f"arn:${{Partition}}:{iam_prefix(client)}:${{Region}}::{path}"


NO_PASSED_ROLES = frozenset({"iam", "sts"})
"""clients whose role members name the role they act on (AssumeRole, AttachRolePolicy),
not one they hand to a service."""


@cache
def operation_permissions(client: str, operation: str) -> OperationPermissions:
    """What ``client.operation`` needs. Unknown operations give an empty required set. A
    request member that hands the service an IAM role (``Role``, ``NotificationChannel.RoleArn``,
    ``Targets.RoleArn``) needs ``iam:PassRole`` on it when the request names it."""
    perms = _operation_permissions(client, operation)
    if perms.no_permission or not (perms.required or perms.conditional or perms.fanout):
        return perms  # NOTE: an operation with no action of its own stays unmapped
    info = service_models.operation_by_name(client, operation)
    if info is not None and info.discovery:
        # NOTE: the SDK asks the service for the endpoint before such a call (Timestream),
        # and that request is authorized too.
        finder = default_action(client, info.discovery)
        if finder and all(r.action != finder for r in perms.required):
            perms = replace(perms, required=(*perms.required, ActionRule(finder)))
    perms = _with_tagging(perms, info)
    if client in NO_PASSED_ROLES:
        return perms
    paths = info.role_members if info else ()
    if not paths or any(r.action == "iam:PassRole" for r in (*perms.required, *perms.conditional)):
        return perms
    passed = tuple(ActionRule("iam:PassRole", when=p, bind=(("RoleNameWithPath", p),)) for p in paths)
    return replace(perms, conditional=perms.conditional + passed)


def notice(client: str, operation: str, topic: str) -> str:
    """The message of the operation's LP106 notice about ``topic`` (``notices`` in
    overrides.yaml), or ""."""
    return next((message for _, message, about in operation_permissions(client, operation).notices if about == topic), "")


@cache
def _tag_on_create(client: str) -> dict[str, Any] | None:
    table: dict[str, Any] = load_table("tag_on_create.yaml") or {}
    return table.get(client)


TAG_MEMBERS = ("Tags", "tags", "TagList", "ResourceTags")
"""request members that give tags to what a request creates (see ``data/tag_on_create.yaml``)."""
NOT_CREATING = ("Tag", "Untag", "AddTags", "RemoveTags", "CreateTags", "DeleteTags", "List", "Get", "Describe", "Search", "Send")
"""operation names whose tags members filter, label a message, or are the tagging itself."""


def _with_tagging(perms: OperationPermissions, info: Any) -> OperationPermissions:
    """A write request that gives tags to what it creates needs the service's tagging action
    too (``RunInstances`` with ``TagSpecifications`` needs ``ec2:CreateTags``, ``CreateRole``
    with ``Tags`` ``iam:TagRole``): the rule and its exceptions are in
    ``data/tag_on_create.yaml``."""
    if info is None or perms.operation.startswith(NOT_CREATING):
        return perms
    entry = _tag_on_create(perms.client) or {}
    members = [m for m in entry.get("members") or TAG_MEMBERS if m in info.input_members]
    if not members:
        return perms
    if any(_adds_tags(iam_data.action(r.action)) for r in (*perms.required, *perms.conditional)):
        return perms  # NOTE: the operation says already how its tags are authorized
    action = (entry.get("operations") or {}).get(perms.operation) or entry.get("action") or _tagging_action(perms)
    if action is None:
        return perms
    tagging = TagOnCreate(entry.get("create_key", ""), entry.get("types_from", ""), entry.get("resource") == "any")
    added = tuple(ActionRule(iam_data.canonical(action), when=m, tagging=tagging) for m in members)
    return replace(perms, conditional=perms.conditional + added)


def _adds_tags(info: iam_data.ActionInfo | None) -> bool:
    return info is not None and "Tagging" in info.access_level and info.name.startswith(("Tag", "AddTags", "CreateTags"))


def _tagging_action(perms: OperationPermissions) -> str | None:
    """The action that authorizes the tags a write request gives: the service's one action
    that adds tags, or the one of several that takes the type of the request's resource."""
    primary = iam_data.action(perms.required[0].action) if perms.required else None
    if primary is None or "Write" not in primary.access_level:
        return None
    found = [a for a in iam_data.actions(primary.prefix).values() if _adds_tags(a)]
    if len(found) > 1:
        own = {r.name for r in primary.resources}
        found = [a for a in found if own & {r.name for r in a.resources}]
        if len(found) > 1:
            found = [a for a in found if a.name == "TagResource"] or found
    return f"{found[0].prefix}:{found[0].name}" if len(found) == 1 else None


def _operation_permissions(client: str, operation: str) -> OperationPermissions:
    """What ``client.operation`` needs. Unknown operations give an empty required set."""
    info = service_models.operation_by_name(client, operation)
    method = info.method if info else operation
    prefix = iam_prefix(client)
    entry = _overrides(client).get(operation)
    if entry is not None:
        if "none" in entry:
            return OperationPermissions(
                client, operation, method, prefix, (), no_permission=str(entry["none"]),
                source="overrides.yaml",
            )
        fanout = None
        if "fanout" in entry:
            fo = entry["fanout"]
            fanout = FanOut(
                path=fo["path"],
                by_key=tuple((k, iam_data.canonical(v)) for k, v in fo["by_key"].items()),
            )
        if "required" in entry:
            required = tuple(_rule(item) for item in entry["required"])
        elif fanout is not None or "conditional" in entry and not default_action(client, operation):
            required = ()
        else:
            default = default_action(client, operation)
            required = (ActionRule(default),) if default else ()
        conditional = tuple(_rule(c) for c in entry.get("conditional") or ())
        notices = tuple((str(n["when"]), str(n["message"]), str(n.get("topic") or "")) for n in entry.get("notices") or ())
        return OperationPermissions(
            client, operation, method, prefix, required, conditional, fanout,
            source="overrides.yaml", notices=notices,
        )
    default = default_action(client, operation)
    reference = _reference_permissions(client, operation, method, prefix, default)
    if reference is not None:
        return reference
    required = (ActionRule(default),) if default else ()
    return OperationPermissions(client, operation, method, prefix, required)


def _reference_permissions(
    client: str, operation: str, method: str, prefix: str, default: str | None
) -> OperationPermissions | None:
    """Use the refreshed service reference when the default rule is not confirmed by it."""
    from lpgen.permissions import reference

    authorized = reference.authorized_actions(client, method)
    if authorized is None:
        return None
    names = [a for a, _ in authorized]
    lowered = {a.lower() for a in names}
    if default and default.lower() in lowered:
        return None  # the default rule is confirmed
    if not names:
        return None
    primary = _closest(operation, prefix, names)
    required = (ActionRule(iam_data.canonical(primary)),)
    conditional = tuple(
        ActionRule(iam_data.canonical(a), when=ctx or "service reference: may be needed")
        for a, ctx in authorized
        if a.lower() != primary.lower()
    )
    return OperationPermissions(
        client, operation, method, prefix, required, conditional, source="service reference"
    )


def _closest(operation: str, prefix: str, names: list[str]) -> str:
    """The authorized action that best stands for the operation itself."""
    op = operation.lower()

    def score(name: str) -> tuple[int, int, int]:
        p, _, a = name.lower().partition(":")
        common = 0
        for x, y in zip(a, op):
            if x != y:
                break
            common += 1
        return (int(p == prefix), common, -len(a))

    return max(sorted(set(names)), key=score)
