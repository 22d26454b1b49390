"""Plain-text rendering of a trail summary."""

from __future__ import annotations

from lpgen.trail.summary import ActionUse, TrailSummary


def _row(action: str, use: ActionUse, status: str) -> str:
    res = sorted(use.resources)
    shown = res[0] if res else "-"
    if len(res) > 1:
        shown += f" (+{len(res) - 1})"
    via = f" via {','.join(sorted(use.invoked_by))}" if use.invoked_by else ""
    return f"  {status:<7} {action:<40} {use.count:>8}  {use.first_seen[:19]:<19}  {use.last_seen[:19]:<19}  {shown}{via}\n"


def table(summary: TrailSummary) -> str:
    """One block per role: its actions and denied calls."""
    out = [
        f"{summary.files} files, {summary.records} records, {summary.first[:19]} .. {summary.last[:19]}\n",
    ]
    for arn, hist in sorted(summary.roles.items()):
        out.append(f"\n{arn}\n")
        if hist.functions:
            names = sorted({f.split(':function:')[-1].split(':')[0] for f in hist.functions})
            out.append(f"  sessions: {', '.join(names[:8])}{' …' if len(names) > 8 else ''}\n")
        out.append(f"  {'status':<7} {'action':<40} {'count':>8}  {'first seen':<19}  {'last seen':<19}  resources\n")
        for action, use in sorted(hist.actions.items()):
            out.append(_row(action, use, "used"))
        for action, use in sorted(hist.denied.items()):
            out.append(_row(action, use, "DENIED"))
    if summary.data_events:
        out.append("\ndata events logged for: " + ", ".join(sorted(summary.data_events)) + "\n")
    else:
        out.append("\nno data events in this trail (S3 objects, DynamoDB items, Lambda Invoke, SQS, SNS are not visible)\n")
    if summary.skipped:
        out.append("skipped: " + ", ".join(f"{k} {v}" for k, v in sorted(summary.skipped.items())) + "\n")
    return "".join(out)
