"""A CloudTrail event → the IAM actions it needed, through the same catalogue as static analysis.

CloudTrail names events after API operations, with a few differences kept as data in
``data/trail.yaml``: event sources that are not client names (``monitoring`` is
``cloudwatch``), versioned Lambda names (``UpdateFunctionCode20150331v2``) and request
parameters spelled in camelCase (``bucketName``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from lpgen.data_files import load_table
from lpgen.permissions import iam_data, service_models
from lpgen.permissions.arns import Scope, _format_regex, resolve
from lpgen.permissions.grant import ruled_out, trigger
from lpgen.permissions.mapping import iam_prefix, operation_permissions
from lpgen.permissions.partitions import partition_of

_VERSIONED = re.compile(r"(\d{8}(v\d+)?)$")
_DENIED_ACTION = re.compile(r"not authorized to perform:?\s+([A-Za-z0-9-]+:[A-Za-z0-9]+)")


@dataclass(frozen=True)
class EventAction:
    """One action an event needed, on the resources the event names."""

    action: str
    resources: tuple[str, ...]


def host(event_source: str) -> str:
    """``s3.amazonaws.com`` → ``s3``; ``streams.dynamodb.amazonaws.com`` → ``streams.dynamodb``."""
    return event_source.removesuffix(".amazonaws.com")


def operation_name(event_name: str) -> str:
    """Strip the API version CloudTrail appends to some Lambda events."""
    return _VERSIONED.sub("", event_name) if event_name[:1].isupper() else event_name


@cache
def _table() -> dict[str, Any]:
    return load_table("trail.yaml") or {}


@cache
def _known_clients() -> frozenset[str]:
    return frozenset(service_models.client_names())


@cache
def clients_for(source_host: str) -> tuple[str, ...]:
    """The boto3 clients whose operations an event source logs."""
    table = _table().get("sources") or {}
    if source_host in table:
        return tuple(table[source_host] or ())
    return (source_host,) if source_host in _known_clients() else ()


@cache
def denied_codes() -> frozenset[str]:
    return frozenset(_table().get("denied_codes") or ())


def is_denied(error_code: str | None) -> bool:
    """Does this errorCode mean the call was refused by IAM?"""
    return bool(error_code) and error_code in denied_codes()


@cache
def data_events() -> dict[str, frozenset[str]]:
    """Event source host → the operations CloudTrail logs only as data events."""
    return {h: frozenset(names or ()) for h, names in sorted((_table().get("data_events") or {}).items())}


@cache
def never_logged() -> frozenset[str]:
    """IAM actions authorized without any CloudTrail event."""
    return frozenset(_table().get("never_logged") or ())


@cache
def deployment_events() -> tuple[tuple[str, str], ...]:
    """(event source host, operation) pairs that deploy new code for a function."""
    table = _table().get("deployments") or {}
    return tuple((host, name) for host, names in sorted(table.items()) for name in names)


@cache
def is_deployment(event_source: str, event_name: str) -> bool:
    """Does this event deploy new code (``UpdateFunctionCode20150331v2``)?"""
    return (host(event_source), operation_name(event_name)) in deployment_events()


@cache
def _client_operation(source_host: str, op: str) -> tuple[str, str] | None:
    for client in clients_for(source_host):
        if service_models.operation_by_name(client, op) is not None:
            return client, op
    return None


@cache
def _param_names(client: str, op: str) -> dict[str, str]:
    """CloudTrail's spelling of a request parameter → the SDK member name."""
    out: dict[str, str] = {}
    info = service_models.operation_by_name(client, op)
    if info is not None:
        for member in info.input_members:
            out[member] = member
            out[member[:1].lower() + member[1:]] = member
        for member, wire in info.wire_names.items():
            out[wire] = member
            out[wire.lower()] = member
    aliases = ((_table().get("params") or {}).get(client)) or {}
    out.update(aliases)
    return out


def sdk_params(client: str, op: str, params: dict[str, Any]) -> dict[str, Any]:
    """requestParameters renamed to the SDK's member names where they differ."""
    names = _param_names(client, op)
    out: dict[str, Any] = {}
    for key, value in params.items():
        out[names.get(key, names.get(key.lower(), key))] = value
    return out


@cache
def actions_for(source_host: str, event_name: str) -> tuple[str, ...]:
    """The actions an event needs whatever its parameters (required set); () when none."""
    op = operation_name(event_name)
    found = _client_operation(source_host, op)
    if found is not None:
        perms = operation_permissions(*found)
        if perms.no_permission:
            return ()
        actions = [r.action for r in perms.required]
        if perms.fanout is not None:
            actions.extend(a for _, a in perms.fanout.by_key)
        if actions:
            return tuple(dict.fromkeys(actions))
    prefixes = [iam_prefix(c) for c in clients_for(source_host)] or [source_host]
    for prefix in prefixes:
        name = f"{prefix}:{op}"
        if iam_data.action_exists(name):
            return (iam_data.canonical(name),)
    return ()


def no_permission(source_host: str, event_name: str) -> bool:
    """Is this an operation IAM does not authorize (``sts:GetCallerIdentity``)?"""
    found = _client_operation(source_host, operation_name(event_name))
    return found is not None and operation_permissions(*found).no_permission is not None


def denied_action(message: str | None) -> str | None:
    """The action named in an AccessDenied message, when it names one."""
    if not message:
        return None
    m = _DENIED_ACTION.search(message)
    if not m:
        return None
    name = m.group(1)
    return iam_data.canonical(name) if iam_data.action_exists(name) else None


@cache
def _fits(action: str) -> re.Pattern[str] | None:
    """One pattern matching every ARN format of the action's resource types."""
    info = iam_data.action(action)
    if info is None:
        return None
    alternatives = []
    for ref in info.resources:
        rt = iam_data.resource_type(info.prefix, ref.name)
        if rt is not None:
            alternatives.append("(?:" + _unnamed(_format_regex(rt.arn_format).pattern) + ")")
    if not alternatives:
        return None
    return re.compile("|".join(alternatives))


def _unnamed(pattern: str) -> str:
    return re.sub(r"\(\?P<v\d+>", "(", pattern)


def _arn_fits(action: str, arn: str) -> bool:
    pattern = _fits(action)
    return bool(pattern and pattern.match(arn))


def event_actions(
    source_host: str,
    event_name: str,
    params: dict[str, Any],
    resource_arns: tuple[str, ...],
    region: str | None,
    account: str | None,
) -> list[EventAction]:
    """What one event needed: each action on the resources the event shows."""
    op = operation_name(event_name)
    found = _client_operation(source_host, op)
    scope = Scope(partition_of(region), region, account)
    actions: list[tuple[str, tuple[tuple[str, str], ...], dict[str, Any]]] = []
    sdk: dict[str, Any] = {}
    if found is not None:
        client, _ = found
        perms = operation_permissions(client, op)
        if perms.no_permission:
            return []
        sdk = sdk_params(client, op, params)
        actions = [(r.action, r.bind, perms.request_for(r, sdk)) for r in perms.required if not ruled_out(r, sdk)]
        for rule in perms.conditional:
            if rule.when and trigger(rule.when, sdk):
                actions.append((rule.action, rule.bind, perms.request_for(rule, sdk)))
        if perms.fanout is not None:
            actions.extend((a, (), {}) for _, a in perms.fanout.by_key)
    if not actions:
        actions = [(a, (), sdk or params) for a in actions_for(source_host, event_name)]
    out: list[EventAction] = []
    for action, bind, request in actions:
        info = iam_data.action(action)
        if info is None or not info.resources:
            out.append(EventAction(action, ("*",)))
            continue
        shown = tuple(a for a in resource_arns if not bind and _arn_fits(action, a))
        if shown:
            out.append(EventAction(action, tuple(sorted(set(shown)))))
            continue
        resolved = tuple(sorted({r.arn for r in resolve(action, request, scope, bind)}))
        out.append(EventAction(action, resolved or ("*",)))
    return out


def warm(source_host: str, event_name: str) -> None:
    """Load what mapping this event will need (service model, IAM data, ARN patterns)."""
    for action in actions_for(source_host, event_name):
        _fits(action)
    found = _client_operation(source_host, operation_name(event_name))
    if found is not None:
        _param_names(*found)
