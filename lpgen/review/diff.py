"""Semantic diff of two identity policies, per (action, resource).

* missing: a pair the suggested policy allows and today's does not (the function's calls are denied);
* narrowed: an Allow of today's whose wildcard (in the action or the resource) covers pairs
  the suggestion needs, and more: it is replaced by exactly those pairs;
* excess: an Allow of today's that covers nothing the suggestion needs (attack surface);
* kept: an Allow that is exactly what is needed;
* service: an action the Lambda service needs of the role for the function's configuration
  (its logs, a VPC's network interfaces, traces) that today's policy does not allow
  (``lpgen.review.service``; the review adds these).

Today's policy is evaluated as IAM does for identity policies: explicit Deny wins,
NotAction/NotResource and wildcards in actions and ARNs are understood.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

from lpgen.iac.model import Unresolved
from lpgen.policy.evaluate import allows, denied, statement_matches
from lpgen.policy.match import action_matches
from lpgen.policy.model import PolicyDocument, Statement

KINDS = ("missing", "narrowed", "excess")


@dataclass(frozen=True)
class Change:
    """One line of the diff."""

    kind: str
    """``missing``, ``narrowed``, ``excess``, ``kept`` or ``service``."""
    action: str
    """an action, or today's action pattern (``dynamodb:*``, ``NotAction: iam:*``)."""
    resource: str
    replaced_by: tuple[tuple[str, str], ...] = ()
    """for ``narrowed``: the (action, resource) pairs that replace the grant."""
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "action": self.action, "resource": self.resource}
        if self.replaced_by:
            out["replaced_by"] = [{"action": a, "resource": r} for a, r in self.replaced_by]
        if self.note:
            out["note"] = self.note
        return out


@dataclass
class PolicyDiff:
    """The difference between today's policy and the suggested one."""

    changes: list[Change] = field(default_factory=list)
    unified: str = ""
    notes: list[str] = field(default_factory=list)
    """what the comparison could not take into account (conditions, managed policies)."""

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]

    def counts(self) -> dict[str, int]:
        return {k: len(self.of(k)) for k in (*KINDS, "kept", "service")}

    def wildcards(self) -> list[Change]:
        """Grants whose wildcard the suggestion replaces (``narrowed``) or drops."""
        return [c for c in self.changes if c.kind in ("narrowed", "excess") and (
            "*" in c.action or ("*" in c.resource and not isinstance(c.resource, Unresolved)) or c.action.startswith("Not"))]

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts(),
            "changes": [c.to_json() for c in self.changes if c.kind != "kept"],
            "notes": self.notes,
        }


def pairs(doc: PolicyDocument) -> list[tuple[str, str]]:
    """The (action, resource) pairs a policy of plain Allow statements grants."""
    return sorted({(a, r) for st in doc.statements if st.effect == "Allow" for a in st.actions for r in st.resources})


def _pattern_of(st: Statement) -> tuple[list[str], list[str]]:
    acts = list(st.actions) if st.actions else ["NotAction: " + ", ".join(st.not_actions)]
    res = list(st.resources) if st.resources else ["NotResource: " + ", ".join(st.not_resources)]
    return acts, res


def diff_policies(current: PolicyDocument, suggested: PolicyDocument) -> PolicyDiff:
    """Compare today's policy with the suggested one."""
    out = PolicyDiff()
    needed = pairs(suggested)
    # NOTE: the suggestion's partition is a placeholder when no Region or account was given;
    # a policy whose ARNs all spell one partition (arn:aws:…) is deployed there, so the
    # needed ARNs are compared in it.
    spelled = _spelled_partition(current)
    compared = {r: r.replace(PARTITION_PLACEHOLDER, spelled) if spelled else r for _, r in needed}
    for action, resource in needed:
        if not allows(current, action, compared[resource]):
            note = "refused by an explicit Deny" if denied(current, action, compared[resource]) else ""
            out.changes.append(Change("missing", action, resource, note=note))
    for st in current.statements:
        if st.condition:
            # NOTE: an Allow is taken to allow (as if its condition held); a Deny is taken not
            # to refuse what the code does (a condition such as aws:SecureTransport false).
            held = "held" if st.effect == "Allow" else "did not hold"
            out.notes.append(f"{statement_label(st)} has a Condition; it is compared as if the condition {held}")
        if st.effect != "Allow":
            continue
        acts, res = _pattern_of(st)
        for ap in acts:
            for rp in res:
                single = Statement("Allow", (ap,) if st.actions else (), (rp,) if st.resources else (),
                                   not_actions=st.not_actions, not_resources=st.not_resources)
                covered = tuple((a, r) for a, r in needed if _grants(single, a, compared[r]))
                if not covered:
                    out.changes.append(Change("excess", ap, rp, note=_why_excess(ap, rp, needed)))
                elif all(a.lower() == ap.lower() and (r == rp or isinstance(rp, Unresolved)) for a, r in covered):
                    # NOTE: actions ignore case (SAM writes sns:publish). A resource known only
                    # when the template deploys is no wildcard to narrow: what it names is
                    # not known to be more than what the code needs (a note says so).
                    out.changes.append(Change("kept", ap, rp))
                else:
                    out.changes.append(Change("narrowed", ap, rp, covered))
    out.changes.sort(key=change_order)
    out.unified = unified(current, suggested)
    return out


PARTITION_PLACEHOLDER = "${AWS::Partition}"


def _spelled_partition(doc: PolicyDocument) -> str:
    """The one partition the policy's ARNs spell (``aws`` in ``arn:aws:s3:::b``; placeholders
    and wildcards are no spelling), else ""."""
    spelled = {
        part
        for st in doc.statements for r in (*st.resources, *st.not_resources)
        if isinstance(r, str) and r.startswith("arn:") and r.count(":") >= 2
        and not any(c in (part := r.split(":", 2)[1]) for c in "$*?")
    }
    return next(iter(spelled)) if len(spelled) == 1 else ""


def change_order(c: Change) -> tuple[int, str, str]:
    """Missing, narrowed, excess, then the others; by action and resource within each."""
    return (KINDS.index(c.kind) if c.kind in KINDS else 9, c.action, c.resource)


def _grants(st: Statement, action: str, resource: str) -> bool:
    if st.actions and not any(action_matches(p, action) for p in st.actions):
        return False
    return statement_matches(st, action, resource)


def _why_excess(ap: str, rp: str, needed: list[tuple[str, str]]) -> str:
    same_action = [r for a, r in needed if action_matches(ap, a)] if not ap.startswith("Not") else []
    if same_action:
        return "the code uses this action only on " + ", ".join(sorted(set(same_action))[:3])
    return "nothing in the code needs it"


def statement_label(st: Statement) -> str:
    """How a note names a statement: its Sid, else its effect, actions and resources."""
    return f"statement {st.sid or _short(st)}"


def _short(st: Statement) -> str:
    acts, res = _pattern_of(st)
    return f"{st.effect} {','.join(acts)[:40]} on {','.join(res)[:40]}"


def normalise(doc: PolicyDocument) -> dict[str, Any]:
    """A document with sorted statements and lists, Sids dropped: for a readable text diff."""
    statements = sorted(
        ({k: v for k, v in st.to_json().items() if k != "Sid"} for st in doc.statements),
        key=lambda s: json.dumps(s, sort_keys=True),
    )
    return {"Version": doc.version, "Statement": statements}


def unified(current: PolicyDocument, suggested: PolicyDocument) -> str:
    """``diff -u`` of the two normalised documents."""
    a = json.dumps(normalise(current), indent=2, sort_keys=True).splitlines(keepends=True)
    b = json.dumps(normalise(suggested), indent=2, sort_keys=True).splitlines(keepends=True)
    return "".join(difflib.unified_diff(a, b, "current", "suggested"))
