"""Per-role history: the IAM actions each role used or was denied, on which resources, when."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import msgspec

from lpgen.trail import events
from lpgen.trail.read import Aggregate, function_name


@dataclass
class ActionUse:
    """How one role used (or was refused) one IAM action."""

    count: int = 0
    first_seen: str = ""
    last_seen: str = ""
    resources: set[str] = field(default_factory=set)
    truncated: bool = False
    invoked_by: set[str] = field(default_factory=set)
    events: set[str] = field(default_factory=set)
    """``source:EventName`` of the events behind it."""

    def add(self, count: int, first: str, last: str, resources: tuple[str, ...], truncated: bool, invoked_by: str, event: str) -> None:
        self.count += count
        if first and (not self.first_seen or first < self.first_seen):
            self.first_seen = first
        self.last_seen = max(self.last_seen, last)
        self.resources.update(resources)
        self.truncated = self.truncated or truncated
        if invoked_by:
            self.invoked_by.add(invoked_by)
        self.events.add(event)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "count": self.count,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "resources": sorted(self.resources),
            "events": sorted(self.events),
        }
        if self.truncated:
            out["resources_truncated"] = True
        if self.invoked_by:
            out["invoked_by"] = sorted(self.invoked_by)
        return out


@dataclass
class RoleHistory:
    """What one role did."""

    arn: str
    actions: dict[str, ActionUse] = field(default_factory=dict)
    denied: dict[str, ActionUse] = field(default_factory=dict)
    functions: set[str] = field(default_factory=set)
    """Lambda functions whose credentials the role's sessions were (session names, inScopeOf)."""
    no_permission: dict[str, int] = field(default_factory=dict)
    """events that need no IAM permission (``sts:GetCallerIdentity``) → count."""
    unmapped: dict[str, int] = field(default_factory=dict)
    """events lpgen could not map to an action → count."""

    def latest_deployment(self, deployments: dict[str, str]) -> str:
        """The latest code deployment of any function this role served ('' when none)."""
        names = {function_name(f) for f in self.functions}
        return max((deployments.get(n, "") for n in names), default="")

    def to_json(self, deployments: dict[str, str]) -> dict[str, Any]:
        out: dict[str, Any] = {
            "actions": {a: u.to_json() for a, u in sorted(self.actions.items())},
            "denied": {a: u.to_json() for a, u in sorted(self.denied.items())},
            "functions": sorted({function_name(f) for f in self.functions}),
        }
        deployed = self.latest_deployment(deployments)
        if deployed:
            out["latest_deployment"] = deployed
        if self.no_permission:
            out["no_permission"] = dict(sorted(self.no_permission.items()))
        if self.unmapped:
            out["unmapped"] = dict(sorted(self.unmapped.items()))
        return out


@dataclass
class TrailSummary:
    """Everything a trail says, per role."""

    roles: dict[str, RoleHistory]
    skipped: dict[str, int]
    data_events: dict[str, int]
    """event source host → data events seen; a source absent here was not logged at data level."""
    regions: tuple[str, ...]
    deployments: dict[str, str]
    files: int
    records: int
    first: str
    last: str
    from_store: int = 0

    def role(self, arn: str) -> RoleHistory | None:
        """A role's history, by ARN (an ``assumed-role`` ARN or a bare role name also match)."""
        if arn in self.roles:
            return self.roles[arn]
        name = role_name(arn)
        hits = [r for a, r in self.roles.items() if role_name(a) == name]
        return hits[0] if len(hits) == 1 else None

    def to_json(self) -> dict[str, Any]:
        return {
            "roles": {a: r.to_json(self.deployments) for a, r in sorted(self.roles.items())},
            "skipped": dict(sorted(self.skipped.items())),
            "data_events": dict(sorted(self.data_events.items())),
            "regions": list(self.regions),
            "deployments": dict(sorted(self.deployments.items())),
            "files": self.files,
            "records": self.records,
            "time_range": [self.first, self.last],
            **({"files_from_store": self.from_store} if self.from_store else {}),
        }


def role_name(arn: str) -> str:
    """``arn:aws:iam::1:role/path/name`` and ``arn:aws:sts::1:assumed-role/name/s`` → ``name``."""
    if ":assumed-role/" in arn:
        return arn.split(":assumed-role/", 1)[1].split("/")[0]
    if ":role/" in arn:
        return arn.rsplit("/", 1)[-1]
    return arn


def summarize(agg: Aggregate) -> TrailSummary:
    """Map an aggregate's events to IAM actions, per role."""
    roles: dict[str, RoleHistory] = {}
    for role_arn, names in agg.sessions.items():
        roles.setdefault(role_arn, RoleHistory(role_arn)).functions.update(names)
    for key in sorted(agg.uses):
        role_arn, src, name, denied, invoked_by, region = key
        count, first, last, arns, truncated, samples, message = agg.uses[key]
        hist = roles.setdefault(role_arn, RoleHistory(role_arn))
        event = f"{src}:{name}"
        account = role_arn.split(":")[4] if role_arn.count(":") >= 5 else None
        if events.no_permission(src, name):
            hist.no_permission[event] = hist.no_permission.get(event, 0) + count
            continue
        found: dict[str, set[str]] = {}
        for params in _decoded(samples) or [{}]:
            for ea in events.event_actions(src, name, params, tuple(sorted(arns)), region or None, account):
                found.setdefault(ea.action, set()).update(ea.resources)
        if denied:
            named = events.denied_action(message)
            if named is not None:
                found = {named: found.get(named) or set(sorted(arns)) or {"*"}}
        if not found:
            hist.unmapped[event] = hist.unmapped.get(event, 0) + count
            continue
        table = hist.denied if denied else hist.actions
        for action, resources in sorted(found.items()):
            table.setdefault(action, ActionUse()).add(
                count, first, last, tuple(resources), truncated, invoked_by, event
            )
    return TrailSummary(
        roles=roles,
        skipped=dict(agg.skipped),
        data_events=dict(agg.data_events),
        regions=tuple(sorted(agg.regions)),
        deployments=dict(agg.deployments),
        files=agg.files,
        records=agg.records,
        first=agg.first,
        last=agg.last,
        from_store=agg.from_store,
    )


def _decoded(samples: list[bytes]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for raw in sorted(samples):
        try:
            value = msgspec.json.decode(raw)
        except (msgspec.DecodeError, UnicodeDecodeError):
            continue
        if isinstance(value, dict):
            out.append(value)
    return out
