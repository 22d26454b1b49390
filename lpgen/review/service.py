"""What the Lambda service itself needs of a function's role, checked against today's policy.

Beside running the code, Lambda uses the execution role to write the function's logs, to
manage its network interfaces when it runs in a VPC, and to send its traces when tracing is
active (``data/lambda_service.yaml``). The suggested policy leaves these to the AWS managed
policies made for them; a role that has neither those policies nor statements allowing the
same loses the function's logs or traces, or cannot be used for a function in a VPC at all.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from lpgen.iac.model import CurrentPolicy, FunctionInfo
from lpgen.permissions.arns import Scope
from lpgen.policy.evaluate import allows, denied
from lpgen.policy.match import action_matches
from lpgen.policy.model import Statement
from lpgen.review.diff import Change


@cache
def _table() -> dict[str, Any]:
    from lpgen.data_files import load_table

    table: dict[str, Any] = load_table("lambda_service.yaml") or {}
    return table


def _log_group(fn: FunctionInfo) -> str:
    """The log group the function writes to: the template's, else Lambda's default."""
    return fn.log_group or f"/aws/lambda/{fn.function_name or '*'}"


def _given(current: CurrentPolicy) -> set[str] | None:
    """The actions the AWS managed policies attached to the role give among the needs, or
    None when one of them is a policy whose content is not known here."""
    managed = _table().get("managed") or {}
    names = [arn.rsplit("/", 1)[-1] for arn in current.managed]
    if any(name not in managed for name in names):
        return None
    return {action for name in names for action in managed[name]}


def needs_of(fn: FunctionInfo) -> list[str]:
    """The needs (``data/lambda_service.yaml``) the function's configuration makes, in order."""
    return ["logs", *(["vpc"] if fn.in_vpc else []), *(["tracing"] if fn.traced else [])]


def service_changes(fn: FunctionInfo, current: CurrentPolicy, scope: Scope) -> list[Change]:
    """Each action a need of ``fn`` asks that today's policy does not allow, as a ``service``
    change whose note says the need, what happens without it and what gives it. Nothing
    when today's policy cannot be read whole: a role defined elsewhere, or a managed policy
    attached whose content is not known here (it may allow them)."""
    table = _table()
    given = _given(current)
    if current.unknown or given is None:
        return []
    out: list[Change] = []
    for need in needs_of(fn):
        spec = table["needs"][need]
        resource = _resource(spec["resource"], fn, scope)
        for action in spec["actions"]:
            bounded = current.boundary is None or allows(current.boundary, action, resource)
            if bounded and action in given and not denied(current.policy, action, resource):
                continue
            if bounded and _allowed(current, action, resource):
                continue
            remedy = f"{spec['attach']} allows it" if bounded else "the role's permissions boundary does not allow it"
            out.append(Change("service", action, resource, note=f"{_reason(need, fn)}: {spec['without']}; {remedy}"))
    return out


def runtime_statements(fn: FunctionInfo, current: CurrentPolicy, scope: Scope) -> list[Statement]:
    """Statements for what the Lambda service needs of a role the template makes, which the
    AWS managed policies attached to it do not give: written beside the code's statements
    when the role's own policies are replaced, so the function keeps its logs (and, in a VPC,
    can still be updated)."""
    table = _table()
    given = _given(current) or set()
    out: list[Statement] = []
    for need in needs_of(fn):
        spec = table["needs"][need]
        actions = tuple(a for a in (*spec["actions"], *spec.get("may_use", ())) if a not in given)
        if not actions:
            continue
        resource = scope.arn("logs", f"log-group:{_log_group(fn)}:*") if spec["resource"] == "log-streams" else "*"
        out.append(Statement("Allow", tuple(sorted(actions)), (resource,), sid=f"LambdaRuntime{need.capitalize()}"))
    return out


def lambda_uses(fn: FunctionInfo, scope: Scope, action: str, resource: str) -> bool:
    """Does today's grant of ``action`` (an action, not a pattern) on ``resource`` (a pattern)
    give the Lambda service something the function's configuration makes it use? Such a grant
    is not excess though no code needs it."""
    from lpgen.policy.match import intersects

    table = _table()["needs"]
    for need in needs_of(fn):
        spec = table[need]
        if action.lower() not in {a.lower() for a in (*spec["actions"], *spec.get("may_use", ()))}:
            continue
        if spec["resource"] != "log-streams":
            return True
        group = scope.arn("logs", f"log-group:{_log_group(fn)}")
        # NOTE: the group itself (CreateLogGroup) and its streams, however a policy writes them.
        if intersects(resource, group) or intersects(resource, f"{group}:*"):
            return True
    return False


def _resource(kind: str, fn: FunctionInfo, scope: Scope) -> str:
    if kind != "log-streams":
        return kind
    return scope.arn("logs", f"log-group:{_log_group(fn)}:log-stream:*")


def _allowed(current: CurrentPolicy, action: str, resource: str) -> bool:
    """Does today's policy allow ``action`` on ``resource``? A log group whose name is not
    known (``*`` in it) is taken as allowed when any statement allows the action on a log
    group of the function's kind."""
    if allows(current.policy, action, resource):
        return True
    if "*" not in resource.split(":log-group:", 1)[-1].removesuffix(":log-stream:*"):
        return False
    return any(
        st.effect == "Allow" and any(action_matches(p, action) for p in st.actions) and not denied(current.policy, action, resource)
        for st in current.policy.statements
    )


def _reason(need: str, fn: FunctionInfo) -> str:
    return {
        "logs": f"Lambda writes the function's logs to {_log_group(fn)}",
        "vpc": "the function runs in a VPC",
        "tracing": "tracing is active",
    }[need]


def severity_of(action: str) -> str:
    """The severity of a need's finding (LP410), by an action the need asks."""
    needs = _table()["needs"]
    return next((spec["severity"] for spec in needs.values() if action in spec["actions"]), "warning")
