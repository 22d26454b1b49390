"""Plain-text rendering and the JSON report of a suggestion."""

from __future__ import annotations

from typing import Any

from lpgen.api import Suggestion, data_versions


def summary(result: Suggestion) -> str:
    """One line for stderr."""
    a = result.analysis
    n_stmt = len(result.policy.statements)
    n_perm = len(result.permissions)
    parts = [f"lpgen: {n_perm} permissions in {n_stmt} statements"]
    if a is not None:
        parts.append(f"{len(a.calls)} calls")
        parts.append(f"{len(a.unresolved)} unresolved")
        if a.unreachable:
            parts.append(f"{len(a.unreachable)} unreachable")
        if a.env_missing:
            parts.append(f"{len(a.env_missing)} env vars without value")
        if a.skipped:
            parts.append(f"{len(a.skipped)} files skipped")
        parts.append(f"entry: {a.entry}")
        if a.registered:
            parts.append(f"{len(a.registered)} functions registered by decorators run as entries")
    if result.trail is not None:
        counts = result.trail.counts()
        parts.append("trail: " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items())))
    return "; ".join(parts)


def report(result: Suggestion) -> dict[str, Any]:
    """Every permission with its evidence, every finding and unresolved call, and the
    functions the entry reaches (whose calls are the ones granted)."""
    a = result.analysis
    return {
        "policy": result.policy.to_json(),
        "permissions": [
            {
                "action": p.action,
                "resource": p.resource,
                "evidence": [{"path": e.path, "line": e.line, "call": e.text, "kind": e.kind} for e in p.evidence],
                **({"condition": [list(c) for c in p.condition]} if p.condition else {}),
            }
            for p in result.permissions
        ],
        "findings": [
            {"code": f.code, "severity": f.severity, "message": f.message, "path": f.path, "line": f.line}
            for f in result.findings
        ],
        "unresolved": [
            {"path": u.location.path, "line": u.location.line, "call": u.location.text, "reason": u.reason,
             **({"service": u.service} if u.service else {})}
            for u in (a.unresolved if a else ())
        ],
        "entry": a.entry if a else None,
        "reached": list(a.reached) if a else [],
        **({"registered": list(a.registered)} if a and a.registered else {}),
        "data_versions": data_versions(),
        **({"trail": trail_report(result.trail)} if result.trail is not None else {}),
    }


def trail_report(check: Any) -> dict[str, Any]:
    """The cross-check part of the report."""
    return {
        "role": check.role,
        "window": list(check.window),
        "data_events": list(check.data_events),
        "latest_deployment": check.latest_deployment or None,
        "statuses": [
            {
                "action": s.action, "resource": s.resource, "status": s.status, "count": s.count,
                "first_seen": s.first_seen, "last_seen": s.last_seen, "note": s.note,
            }
            for s in check.statuses
        ],
    }


def render_suggestion(result: Suggestion) -> str:
    """A readable listing: each permission with the code that needs it, then findings."""
    lines = [f"# entry: {result.analysis.entry}" if result.analysis else "# lpgen"]
    if result.analysis and result.analysis.registered:
        lines.append(f"# registered by decorators: {', '.join(result.analysis.registered)}")
    for p in result.permissions:
        # NOTE: a condition is part of what is granted: without it the line reads wider.
        when = "".join(f"  if {op} {key} = {value}" for op, key, value in p.condition)
        lines.append(f"{p.action}  {p.resource}{when}")
        for e in p.evidence:
            lines.append(f"    {e.path}:{e.line}  {e.text}")
    if result.trail is not None:
        t = result.trail
        lines.append("")
        lines.append(f"trail: role {t.role}, {t.window[0]} .. {t.window[1]}; data events for: "
                     + (", ".join(t.data_events) or "none"))
        for st in t.statuses:
            seen = f" {st.count}x, last {st.last_seen}" if st.count else ""
            lines.append(f"  {st.status:<10} {st.action}  {st.resource}{seen}{'  - ' + st.note if st.note else ''}")
    if result.findings:
        lines.append("")
        lines.append("findings:")
        for f in result.findings:
            where = f"{f.path}:{f.line} " if f.path else ""
            lines.append(f"  {f.code} {where}{f.message}")
    return "\n".join(lines) + "\n"
