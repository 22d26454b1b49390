"""Values that leave the permissions stage: what an operation needs, and granted permissions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple


@dataclass(frozen=True)
class ActionRule:
    """One IAM action an operation needs, always or when a request parameter says so."""

    action: str
    """``prefix:Name`` in the IAM reference's casing."""
    when: str | None = None
    """None for a required action; else the trigger (``VersionId``, ``Statement^SELECT``)."""
    bind: tuple[tuple[str, str], ...] = ()
    """(ARN variable, request parameter path) pairs when the action is authorized on
    another resource than the call's own (the source object of CopyObject)."""
    unless: str | None = None
    """for a required action: a trigger under which the request needs another action
    instead (GetObject of a ``VersionId`` is GetObjectVersion alone); for a conditional
    one, triggers (``A|B``) any of which makes it unneeded."""
    shared: bool = False
    """the members ``bind`` reads still name the call's own resource too (a Redshift
    Data API call's cluster is also the one its credentials are for)."""
    tagging: TagOnCreate | None = None
    """set when the action authorizes the tags a create request gives what it creates
    (``ec2:CreateTags`` beside ``RunInstances``): where it is granted."""
    passed_to: str | None = None
    """for ``iam:PassRole``: the service the role goes to, when it is not the calling
    service (an instance profile's role goes to EC2)."""


@dataclass(frozen=True)
class TagOnCreate:
    """Where a tag-on-create action is granted (``data/tag_on_create.yaml``)."""

    create_key: str = ""
    """condition key naming the creating action (``ec2:CreateAction``), or empty."""
    types_from: str = ""
    """request path naming the type of each resource tagged (``TagSpecifications.ResourceType``)."""
    on_any: bool = False
    """granted on ``*``: what the request tags is not what its create action is authorized on."""


@dataclass(frozen=True)
class FanOut:
    """Operations whose items are authorized one by one (TransactWriteItems)."""

    path: str
    """request parameter holding the list of items."""
    by_key: tuple[tuple[str, str], ...]
    """(item key, action) pairs: an item ``{"Put": {...}}`` needs ``dynamodb:PutItem``."""


@dataclass(frozen=True)
class OperationPermissions:
    """What one API operation needs."""

    client: str
    operation: str
    method: str
    prefix: str
    required: tuple[ActionRule, ...]
    conditional: tuple[ActionRule, ...] = ()
    fanout: FanOut | None = None
    no_permission: str | None = None
    """reason, when IAM does not authorize the operation at all."""
    notices: tuple[tuple[str, str, str], ...] = ()
    """(trigger, message, topic): what a finding (LP106) says when a request matches the
    trigger (``!Member``: the member is absent): the service acts with the caller's rights
    on a resource the request does not name (Athena's workgroup output location). A
    permission a template gives for the topic settles it (``Permission.settles``)."""
    source: str = "default rule"
    """where the answer comes from: ``default rule``, ``overrides.yaml``, ``service reference``."""

    def request_for(self, rule: ActionRule, params: dict[str, Any]) -> dict[str, Any]:
        """The part of a request ``rule``'s resources are named in. A member that another
        rule binds (``CopySource``: the object a copy reads) names that rule's resource,
        never the resources of the rules without a binding."""
        if rule.bind:
            return params
        bound = {path.split(".", 1)[0] for r in (*self.required, *self.conditional) if not r.shared for _, path in r.bind}
        if not bound & params.keys():
            return params
        return {k: v for k, v in params.items() if k not in bound}


class Evidence(NamedTuple):
    """Where a permission comes from.

    A named tuple, not a dataclass: a folder of handlers gives one per call site, and
    tuples are made, hashed and sorted in C."""

    path: str
    line: int
    text: str
    """the call as written, shortened."""
    kind: str = "code"
    """``code``, ``library`` (a call a library makes, data/libraries.yaml), ``template``
    (event source, encryption) or ``trail``."""


class Finding(NamedTuple):
    """Something the user should know about the result (a ``*`` and why, an unresolved
    call). A named tuple, like ``Evidence``: there can be one per call site."""

    code: str
    message: str
    path: str = ""
    line: int = 0
    severity: str = "warning"


@dataclass(frozen=True)
class Permission:
    """One (action, resource) pair with what justifies it."""

    action: str
    resource: str
    evidence: tuple[Evidence, ...] = ()
    condition: tuple[tuple[str, str, str], ...] = ()
    """(operator, key, value) triples, e.g. ("StringEquals", "iam:PassedToService", "…")."""
    findings: tuple[Finding, ...] = field(default=(), compare=False)
    settles: str = field(default="", compare=False)
    """a permission the template adds where a request names nothing (a workgroup's output
    location): the LP106 notice it makes unnecessary at the calls in its evidence."""

    def __post_init__(self) -> None:
        # NOTE: a template's value known only when it deploys (``lpgen.iac.model.Unresolved``,
        # a str subclass) is a plain pattern once granted: the renderers take str.
        if type(self.resource) is not str:
            object.__setattr__(self, "resource", str(self.resource))
        if any(isinstance(v, str) and type(v) is not str for _, _, v in self.condition):
            object.__setattr__(self, "condition", tuple(
                (o, k, str(v) if isinstance(v, str) else v) for o, k, v in self.condition))
