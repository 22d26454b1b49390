"""Permissions → a minimal, deterministic policy document.

Resources covered by a wider resource of the same action are dropped (also where the
wider one needs no condition and the narrower one does), actions that share a
resource set (and condition) share a statement, everything is sorted, and each Sid is
derived from the statement's content, so the same permissions give the same bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from lpgen.permissions.model import Permission
from lpgen.policy.match import covers
from lpgen.policy.model import PolicyDocument, Statement


def minimise(resources: Iterable[str]) -> tuple[str, ...]:
    """Drop resources another one of the set already covers."""
    items = sorted(set(resources))
    if "*" in items:
        return ("*",)
    kept = [r for r in items if not any(o != r and covers(o, r) for o in items)]
    return tuple(kept)


def _sid(actions: tuple[str, ...], resources: tuple[str, ...], condition: object) -> str:
    prefixes = sorted({a.split(":", 1)[0] for a in actions})
    stem = "".join(p.replace("-", " ").title().replace(" ", "") for p in prefixes)[:40]
    digest = hashlib.sha256(repr((actions, resources, condition)).encode()).hexdigest()[:8]
    return f"{stem}{digest.upper()}"


def build_policy(permissions: Iterable[Permission]) -> PolicyDocument:
    """Group permissions into statements: one per (resource set, condition)."""
    by_action: dict[tuple[str, tuple[tuple[str, str, str], ...]], set[str]] = {}
    for p in permissions:
        by_action.setdefault((p.action, tuple(sorted(p.condition))), set()).add(p.resource)
    # NOTE: a grant under a condition adds nothing where the same action is allowed on a
    # covering resource without one.
    for (action, cond), found in list(by_action.items()):
        if cond:
            free = by_action.get((action, ()), set())
            found -= {r for r in found if any(covers(o, r) for o in free)}
            if not found:
                del by_action[(action, cond)]
    groups: dict[tuple[tuple[str, ...], tuple[tuple[str, str, str], ...]], list[str]] = {}
    for (action, cond), found in by_action.items():
        groups.setdefault((minimise(found), cond), []).append(action)
    statements = []
    for (resources, cond), actions in groups.items():
        acts = tuple(sorted(set(actions)))
        condition = tuple((op, key, (value,)) for op, key, value in cond)
        statements.append(Statement("Allow", acts, resources, _sid(acts, resources, condition), condition=condition))
    statements.sort(key=lambda s: (s.actions, s.resources, s.condition))
    return PolicyDocument(tuple(statements))
