"""Turn an ``ApiCall`` into the (action, resource) permissions it needs."""

from __future__ import annotations

import re
from typing import Any

from lpgen.calls.model import MAYBE_ABSENT, UNKNOWN, ApiCall
from lpgen.permissions import iam_data
from lpgen.permissions.arns import (
    CONTEXT_VARS,
    NO_RESOURCE_LEVEL,
    ArnResult,
    Scope,
    fill_in_scope,
    format_vars,
    graph_effects,
    lookup,
    resolve,
    sql_kind,
    sql_reads,
)
from lpgen.permissions.mapping import operation_permissions, uri_resource
from lpgen.permissions.model import ActionRule, Evidence, Finding, Permission

# NOTE: the principal a role is passed to, where it is not "<prefix>.amazonaws.com"
# (https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_passrole.html).
_PASSED_TO = {"ecs": "ecs-tasks.amazonaws.com"}


def preload_mapping() -> None:
    """Load what mapping any call first reads: the shared tables, the IAM reference's
    service list and botocore's version (which names the model index)."""
    from lpgen.data_files import load_table
    from lpgen.permissions import iam_data, service_models

    for name in ("prefixes.yaml", "overrides.yaml", "naming_rules.yaml", "arn_params.yaml"):
        load_table(name)
    iam_data.prefixes()
    service_models.botocore_version()


def request_conditions(action: str, params: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
    """``StringEquals`` conditions on the keys ``data/request_conditions.yaml`` lists for an
    action, when the request gives the value whole (``Namespace="App"``)."""
    from lpgen.data_files import load_table

    keys: dict[str, str] = (load_table("request_conditions.yaml") or {}).get(action) or {}
    out = []
    for key, source in sorted(keys.items()):
        # NOTE: "Member>text": the part of the member's value from text on, when it holds it
        # (KeyId "arn:…:alias/orders" → "alias/orders").
        member, _, start = source.partition(">")
        value = params.get(member)
        if isinstance(value, str) and start:
            value = value[value.find(start):] if start in value else None
        if isinstance(value, str) and value and "*" not in value:
            out.append(("StringEquals", key, value))
    return tuple(out)


def ruled_out(rule: ActionRule, params: dict[str, Any]) -> bool:
    """Does the request surely need another action instead of this required one? Not when
    the parameter the trigger reads may be left out (``MAYBE_ABSENT``)."""
    if rule.unless is None or trigger(rule.unless, params) is not True:
        return False
    maybe = params.get(MAYBE_ABSENT, ())
    return re.split(r"[.=^~@]", rule.unless, maxsplit=1)[0] not in ([maybe] if isinstance(maybe, str) else maybe)


def trigger(when: str, params: dict[str, Any]) -> bool | None:
    """Does the request match a conditional action's trigger? None when it cannot be known.

    ``Member``: given; ``Member=text``: equal to it, ``^``: starting with it, ``~``: holding
    it (case aside); ``Member@kind``: a SQL statement of that kind (``sql_kind``), and
    ``Member@unknown`` one whose kind is not known: a statement of unknown kind is not taken
    for every kind there is (what it would need is said instead); ``Member@reads`` one that
    may read a table's data (a query with FROM, INSERT … SELECT, MSCK REPAIR TABLE);
    ``Member@graph write`` (``delete``) a graph query that may write (delete)."""
    first = re.search(r"[=^~@]", when)
    if first is not None and first.group() == "@":
        path, _, kind = when.partition("@")
        texts = [v if isinstance(v, str) else "*" for v in lookup(params, path) or ()]
        if kind.startswith("graph "):
            # NOTE: ``Member@graph write``: a graph query that may write (or delete).
            effects = [graph_effects(t) for t in texts]
            return None if any(e is None for e in effects) else any(kind[6:] in e for e in effects if e is not None)
        if kind == "reads":
            return any(sql_reads(t) for t in texts)
        return (None if kind == "unknown" else kind) in [sql_kind(t) for t in texts]
    for op in ("=", "^", "~"):
        if op in when:
            path, _, expected = when.partition(op)
            break
    else:
        path, op, expected = when, "", ""
    values = lookup(params, path)
    if not values:
        # NOTE: members not known (``**kwargs``) may hold the one the trigger reads.
        return None if "**" in params and path.partition(".")[0] not in params else False
    if not op:
        return True
    unknown = False
    for v in values:
        if isinstance(v, bool):
            # NOTE: a flag the code sets (to_param keeps True and False) reads as its text.
            v = str(v)
        if not isinstance(v, str) or v == "*":
            unknown = True
            continue
        text = v.strip().lower()
        exp = expected.lower()
        if (op == "=" and text == exp) or (op == "^" and text.startswith(exp)) or (op == "~" and exp in text):
            return True
        if "*" in text and (op != "^" or text.startswith("*")):
            unknown = True
    return None if unknown else False


def rules_for(call: ApiCall) -> tuple[list[tuple[ActionRule, dict[str, Any]]], list[str]]:
    """The action rules that apply to one call, each with the request part it reads.

    The second item lists why a conditional action was added without certainty.
    """
    op = operation_permissions(call.client, call.operation)
    out: list[tuple[ActionRule, dict[str, Any]]] = [
        (r, op.request_for(r, call.params)) for r in op.required if not ruled_out(r, call.params)
    ]
    doubts: list[str] = []
    for rule in op.conditional:
        assert rule.when is not None
        if rule.unless and any(trigger(u, call.params) is True for u in rule.unless.split("|")):
            continue  # NOTE: another parameter of the request makes the action unneeded
        hit = trigger(rule.when, call.params)
        if hit is None:
            member = re.split(r"[.=^~@]", rule.when, maxsplit=1)[0]
            doubts.append(f"{rule.action} added: members passed as a dict not known here (**kwargs, ExtraArgs) may give {member}"
                          if "**" in call.params and member not in call.params
                          else f"{rule.action} added: cannot tell whether {rule.when} holds")
        if hit is None or hit:
            out.append((rule, op.request_for(rule, call.params)))
    if op.fanout is not None:
        items = lookup(call.params, op.fanout.path)
        for item in items or [UNKNOWN]:
            for key, action in op.fanout.by_key:
                # NOTE: a list the code builds elsewhere (``Entries=build(event)``) or an
                # element not known (``*`` from to_param) may hold items of every kind.
                if item is UNKNOWN or item == "*":
                    out.append((ActionRule(action), {"**": "*"}))
                elif isinstance(item, dict) and key == ".":
                    # NOTE: each item is a request of its own (PutEvents entries): absent
                    # names take their defaults item by item.
                    out.append((ActionRule(action), item))
                elif isinstance(item, dict) and key in item:
                    sub = item[key]
                    out.append((ActionRule(action), sub if isinstance(sub, dict) else {"**": "*"}))
    return out, doubts


def evidence_of(call: ApiCall) -> Evidence:
    """Where a call's permissions come from: its line of code, or a library it calls."""
    loc = call.location
    # NOTE: the named tuple made as a tuple of its type, without its __new__'s Python frame:
    # a folder of handlers gives one for each of thousands of calls.
    return _new(Evidence, (loc.path, loc.line, loc.text, "library" if call.via.startswith("library ") else "code"))


_new = tuple.__new__


def call_permissions(call: ApiCall, scope: Scope) -> tuple[list[Permission], list[Finding]]:
    """Permissions one call needs, with findings for every ``*`` that is not by design."""
    loc = call.location
    evidence = (evidence_of(call),)
    op = operation_permissions(call.client, call.operation)
    if op.no_permission:
        return [], []
    if call.assumed_role:
        return [], [
            Finding(
                "LP102",
                f"{call.client}.{op.method} uses credentials other than the function's role (keys given to the "
                "client or its session, such as sts.assume_role's, or none: an UNSIGNED client's requests are "
                "anonymous): authorized against those, not this role",
                loc.path, loc.line, "info",
            )
        ]
    if call.region:
        scope = Scope(scope.partition, call.region, scope.account)
    rules, doubts = rules_for(call)
    findings = [Finding("LP103", d, loc.path, loc.line, "info") for d in doubts]
    for when, message, _ in op.notices:
        # NOTE: "!Member": when the request may leave the member out.
        if (trigger(when[1:], call.params) is not True) if when.startswith("!") else (trigger(when, call.params) is not False):
            findings.append(Finding("LP106", message, loc.path, loc.line))
    if not rules:
        findings.append(
            Finding(
                "LP104",
                f"no IAM action is known for {call.client}.{op.method}",
                loc.path, loc.line,
            )
        )
        return [], findings
    perms: list[Permission] = []
    uri = uri_resource(call.client, call.operation)
    own: list[ArnResult] = []
    for rule, params in rules:
        if uri is not None and rule.action.startswith(f"{op.prefix}:") and rule.action.split(":")[1].isupper():
            arn, complete = _fill_uri(uri, params, scope)
            perms.append(Permission(rule.action, arn, evidence))
            if not complete:
                findings.append(Finding("LP101", f"{rule.action} on {arn}: part of the path is not known statically", loc.path, loc.line))
            continue
        found = resolve(rule.action, params, scope, rule.bind) if rule.tagging is None else _tagged(rule, params, own, scope)
        if rule.when is None and not rule.bind:
            own.extend(found)
        for res in found:
            condition: tuple[tuple[str, str, str], ...] = ()
            if rule.tagging is not None:
                if rule.tagging.create_key:
                    condition = (("StringEquals", rule.tagging.create_key, op.operation),)
            elif rule.action == "iam:PassRole":
                principal = rule.passed_to or _PASSED_TO.get(op.prefix, f"{op.prefix}.amazonaws.com")
                condition = (("StringEquals", "iam:PassedToService", principal),)
            elif res.arn == "*" or not res.complete:
                condition = request_conditions(rule.action, params)
            perms.append(Permission(rule.action, res.arn, evidence, condition))
            if res.arn == "*" and res.resource_type is None and res.note == NO_RESOURCE_LEVEL:
                findings.append(Finding("LP105", f"{rule.action} on *: {res.note}", loc.path, loc.line, "info"))
            elif res.arn == "*" or (not res.complete and res.resource_type is not None):
                findings.append(Finding("LP101", f"{rule.action} on {res.arn}: {res.note}", loc.path, loc.line))
    if call.client == "s3" and any(_DIRECTORY_BUCKET.match(p.resource) for p in perms):
        perms = _directory_bucket_sessions(perms, op.operation, scope)
    return perms, findings


def _tagged(rule: ActionRule, params: dict[str, Any], own: list[ArnResult], scope: Scope) -> list[ArnResult]:
    """Where a tag-on-create action is granted: every resource of the types the request
    tags (AWS names them), else the call's own resources of a type the action takes, else *."""
    assert rule.tagging is not None
    info = iam_data.action(rule.action)
    takes = {r.name for r in info.resources} if info else set()
    unknown = ArnResult("*", None, False, "what the request tags is not named before AWS creates it")
    if info is None or rule.tagging.on_any or not takes:
        return [unknown]
    if rule.tagging.types_from:
        out: list[ArnResult] = []
        for name in lookup(params, rule.tagging.types_from):
            rt = iam_data.resource_type(info.prefix, name) if isinstance(name, str) and name in takes else None
            if rt is None:
                return [unknown]
            ids = {v: "*" for v in format_vars(rt.arn_format) if v not in CONTEXT_VARS}
            out.append(ArnResult(fill_in_scope(rt.arn_format, ids, scope), rt.name, False, "AWS names what the request creates"))
        return out or [unknown]
    same = [r for r in own if r.resource_type in takes and r.arn != "*"]
    return same or [unknown]


_DIRECTORY_BUCKET = re.compile(r"arn:([^:]+):s3:::([^/]+--x-s3)(?:/|\Z)")
"""an S3 ARN in an S3 Express One Zone directory bucket (``name--azid--x-s3``)."""

REGIONAL_S3_EXPRESS = {
    "CreateBucket": "CreateBucket", "DeleteBucket": "DeleteBucket", "ListDirectoryBuckets": "ListAllMyDirectoryBuckets",
    "GetBucketPolicy": "GetBucketPolicy", "PutBucketPolicy": "PutBucketPolicy", "DeleteBucketPolicy": "DeleteBucketPolicy",
    "GetBucketEncryption": "GetEncryptionConfiguration", "PutBucketEncryption": "PutEncryptionConfiguration",
    "DeleteBucketEncryption": "PutEncryptionConfiguration",
    "GetBucketLifecycleConfiguration": "GetLifecycleConfiguration",
    "PutBucketLifecycleConfiguration": "PutLifecycleConfiguration", "DeleteBucketLifecycle": "PutLifecycleConfiguration",
}
"""operations on a directory bucket authorized action by action (the Service Authorization
Reference's s3express actions); every other one goes through a session the SDK opens
with s3express:CreateSession."""


def _directory_bucket_sessions(perms: list[Permission], operation: str, scope: Scope) -> list[Permission]:
    """Object operations on a directory bucket are authorized by the session the SDK opens
    on the bucket (https://docs.aws.amazon.com/AmazonS3/latest/userguide/s3-express-authenticating-authorizing.html)."""
    out: list[Permission] = []
    for p in perms:
        m = _DIRECTORY_BUCKET.match(p.resource)
        if m is None:
            out.append(p)
            continue
        region, account = scope.value("Region"), scope.value("Account")
        bucket_arn = f"arn:{m.group(1)}:s3express:{region}:{account}:bucket/{m.group(2)}"
        action = f"s3express:{REGIONAL_S3_EXPRESS.get(operation, 'CreateSession')}"
        out.append(Permission(action, bucket_arn, p.evidence, p.condition))
    return out


def _fill_uri(template: str, params: dict[str, Any], scope: Scope) -> tuple[str, bool]:
    """An API Gateway path ARN with its ``{member}`` parts taken from the request."""
    complete = True

    def member(m: re.Match[str]) -> str:
        nonlocal complete
        value = params.get(m.group(1))
        if isinstance(value, str) and value and "*" not in value:
            return value
        complete = False
        return "*"

    head, sep, path = template.partition("::")
    head = head.replace("${Partition}", scope.value("Partition")).replace("${Region}", scope.value("Region"))
    return head + sep + re.sub(r"\{([A-Za-z0-9_]+)\}", member, path), complete
