"""Does a policy allow an action on a resource? IAM's evaluation for identity policies:
an explicit Deny wins, then any Allow; NotAction/NotResource and wildcards in both.

Conditions are not evaluated (their context is not known statically): a conditional Allow
counts as allowing, a conditional Deny as not denying. Both are reported by ``diff``.
"""

from __future__ import annotations

from lpgen.policy.match import action_matches, arn_matches, covers, overlaps
from lpgen.policy.model import PolicyDocument, Statement


def statement_matches(st: Statement, action: str, resource: str) -> bool:
    """Does the statement apply to (action, resource)? ``resource`` may be a pattern, which
    then must be wholly inside the statement's resources."""
    if st.actions:
        if not any(action_matches(p, action) for p in st.actions):
            return False
    elif any(action_matches(p, action) for p in st.not_actions):
        return False
    if st.resources:
        return any(_inside(resource, p) for p in st.resources)
    return not any(overlaps(resource, p) for p in st.not_resources)


def _inside(resource: str, pattern: str) -> bool:
    return arn_matches(pattern, resource) if "*" not in resource and "?" not in resource else covers(pattern, resource)


def denied(doc: PolicyDocument, action: str, resource: str) -> bool:
    """An unconditional Deny covers some of (action, resource)."""
    for st in doc.statements:
        if st.effect != "Deny" or st.condition:
            continue
        acts = st.actions and any(action_matches(p, action) for p in st.actions)
        nots = st.not_actions and not any(action_matches(p, action) for p in st.not_actions)
        if not (acts or nots):
            continue
        if st.resources and any(overlaps(resource, p) for p in st.resources):
            return True
        if st.not_resources and not any(_inside(resource, p) for p in st.not_resources):
            return True
    return False


def allows(doc: PolicyDocument, action: str, resource: str) -> bool:
    """Is every request for ``action`` on ``resource`` (an ARN or a pattern) allowed?"""
    if denied(doc, action, resource):
        return False
    return any(st.effect == "Allow" and statement_matches(st, action, resource) for st in doc.statements)
