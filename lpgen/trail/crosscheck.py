"""Cross-check a suggested policy against what the function's role really did.

Every permission the code needs gets a status; the trail never removes one. Calls the
trail shows but the code does not (a library, a layer, dynamic code) are proposed with
their evidence, unless they were last seen before the function's latest code deployment.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import cache

from lpgen.permissions import iam_data
from lpgen.permissions.model import Evidence, Finding, Permission
from lpgen.policy.match import arn_matches
from lpgen.trail import events
from lpgen.trail.summary import ActionUse, RoleHistory, TrailSummary

CONFIRMED = "confirmed"
"""in the code and seen in the trail."""
CODE_ONLY = "code-only"
"""in the code, not seen although this trail would log it (a path that did not run)."""
UNLOGGED = "unlogged"
"""in the code; this trail cannot show it (data events off, other region)."""
TRAIL_ONLY = "trail-only"
"""seen in the trail, not found in the code: proposed."""
STALE = "stale"
"""seen only before the function's latest code deployment: not proposed."""
DENIED = "denied"
"""AccessDenied in the trail: the current policy lacks it."""

MAX_LISTED = 10
"""trail-only resources listed one by one; more are folded into a prefix pattern."""


@dataclass(frozen=True)
class TrailStatus:
    """What the trail says about one permission."""

    action: str
    resource: str
    status: str
    count: int = 0
    first_seen: str = ""
    last_seen: str = ""
    note: str = ""


@dataclass
class CrossCheck:
    """The result of checking a policy against a trail."""

    role: str
    statuses: list[TrailStatus] = field(default_factory=list)
    proposed: list[Permission] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    data_events: tuple[str, ...] = ()
    latest_deployment: str = ""
    window: tuple[str, str] = ("", "")

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for s in self.statuses:
            out[s.status] = out.get(s.status, 0) + 1
        return out


@cache
def _data_event_hosts() -> dict[str, str]:
    """IAM action → event source host, for actions logged only as data events."""
    out: dict[str, str] = {}
    for host, names in events.data_events().items():
        for name in sorted(names):
            for action in events.actions_for(host, name):
                out.setdefault(action, host)
    return out


def _matching(use: ActionUse | None, pattern: str) -> list[str]:
    if use is None:
        return []
    return [r for r in use.resources if r == "*" or arn_matches(pattern, r)]


def cross_check(permissions: list[Permission], summary: TrailSummary, role_arn: str) -> CrossCheck:
    """Mark each permission with what the trail shows, and propose what only the trail shows."""
    hist = summary.role(role_arn)
    result = CrossCheck(
        role=hist.arn if hist else role_arn,
        data_events=tuple(sorted(summary.data_events)),
        window=(summary.first, summary.last),
    )
    if hist is None:
        result.findings.append(
            Finding(
                "LP301",
                f"role {role_arn} does not appear in the trail ({summary.files} files, "
                f"{summary.records} records): nothing confirmed, nothing removed",
                severity="warning",
            )
        )
        for p in permissions:
            result.statuses.append(TrailStatus(p.action, p.resource, UNLOGGED, note="role not in the trail"))
        return result
    deployed = hist.latest_deployment(summary.deployments)
    result.latest_deployment = deployed
    for p in permissions:
        result.statuses.append(_status(p, hist, summary))
    _trail_only(permissions, hist, deployed, result)
    return result


def _status(p: Permission, hist: RoleHistory, summary: TrailSummary) -> TrailStatus:
    denied = _matching(hist.denied.get(p.action), p.resource)
    if denied:
        use = hist.denied[p.action]
        return TrailStatus(p.action, p.resource, DENIED, use.count, use.first_seen, use.last_seen,
                           "AccessDenied in the trail: the current policy lacks it")
    seen = _matching(hist.actions.get(p.action), p.resource)
    if seen:
        use = hist.actions[p.action]
        return TrailStatus(p.action, p.resource, CONFIRMED, use.count, use.first_seen, use.last_seen)
    if p.action in events.never_logged():
        return TrailStatus(p.action, p.resource, UNLOGGED, note="CloudTrail does not log this action")
    host = _data_event_hosts().get(p.action)
    if host is not None and host not in summary.data_events:
        return TrailStatus(p.action, p.resource, UNLOGGED,
                           note=f"the trail holds no {host} data events")
    # NOTE: a placeholder (${AWS::Region}) stands for any Region, and holds colons itself.
    parts = re.sub(r"\$\{[^}]*\}", "*", p.resource).split(":")
    region = parts[3] if len(parts) > 3 else ""
    if region and "*" not in region and "$" not in region and summary.regions and region not in summary.regions:
        return TrailStatus(p.action, p.resource, UNLOGGED, note=f"the trail holds no events from {region}")
    if p.evidence and all(e.kind == "template" for e in p.evidence):
        return TrailStatus(p.action, p.resource, CODE_ONLY, note="needed by the template (event source, encryption); not seen in this trail")
    return TrailStatus(p.action, p.resource, CODE_ONLY, note="not seen: this code path did not run in the trail's window")


def _covered(action: str, arn: str, permissions: list[Permission]) -> bool:
    return any(p.action == action and (p.resource == "*" or arn_matches(p.resource, arn)) for p in permissions)


def _trail_only(permissions: list[Permission], hist: RoleHistory, deployed: str, result: CrossCheck) -> None:
    for table, denied in ((hist.actions, False), (hist.denied, True)):
        for action, use in sorted(table.items()):
            missing = _uncovered(action, use, permissions)
            if not missing:
                continue
            stale = bool(deployed) and use.last_seen and use.last_seen < deployed
            for resource in _fold_resources(action, missing):
                if stale:
                    result.statuses.append(
                        TrailStatus(action, resource, STALE, use.count, use.first_seen, use.last_seen,
                                    f"last seen before the latest code deployment ({deployed}): not proposed")
                    )
                    continue
                via = f" (made by {', '.join(sorted(use.invoked_by))} on the role's behalf)" if use.invoked_by else ""
                status = DENIED if denied else TRAIL_ONLY
                note = ("AccessDenied in the trail, and not found in the code" if denied
                        else "seen in the trail, not found in the code") + via
                result.statuses.append(
                    TrailStatus(action, resource, status, use.count, use.first_seen, use.last_seen, note)
                )
                evidence = Evidence(
                    "cloudtrail", 0,
                    f"{use.count} × {', '.join(sorted(use.events))} {use.first_seen}..{use.last_seen}{via}",
                    kind="trail",
                )
                result.proposed.append(Permission(action, resource, (evidence,)))
                result.findings.append(
                    Finding("LP302" if not denied else "LP303",
                            f"{action} on {resource}: {note}; proposed from the trail", severity="info")
                )


def _uncovered(action: str, use: ActionUse, permissions: list[Permission]) -> list[str]:
    return sorted(r for r in (use.resources or {"*"}) if not _covered(action, r, permissions))


def _fold_resources(action: str, arns: list[str]) -> list[str]:
    """Resources to grant for trail-only ARNs: each one, or one prefix pattern per parent."""
    info = iam_data.action(action)
    if info is None or not info.resources or "*" in arns:
        return ["*"]
    if len(arns) <= MAX_LISTED:
        return arns
    groups: dict[str, list[str]] = {}
    for arn in arns:
        head = arn.rsplit("/", 1)[0] if "/" in arn else arn.rsplit(":", 1)[0]
        groups.setdefault(head, []).append(arn)
    out: list[str] = []
    for _head, members in sorted(groups.items()):
        if len(members) == 1:
            out.append(members[0])
            continue
        common = os.path.commonprefix(members)
        out.append(common + "*")
    return out
