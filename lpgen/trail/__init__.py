"""CloudTrail: read a trail, summarise what each role did, cross-check a suggested policy."""

from __future__ import annotations

from collections.abc import Callable

from lpgen.trail.summary import TrailSummary


def summarize_source(
    source: str,
    *,
    role: str | None = None,
    since: str | None = None,
    until: str | None = None,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    store: str | None = None,
) -> TrailSummary:
    """Read a CloudTrail source and summarise it per role.

    ``source``: a folder as CloudTrail delivers it, one log file, ``s3://BUCKET/PREFIX``, or
    ``athena://DATABASE/TABLE?workgroup=W&output=s3://…`` (the same aggregation as one query).
    """
    from lpgen.trail import events
    from lpgen.trail.read import read_source
    from lpgen.trail.summary import summarize

    if source.startswith("athena://"):
        from lpgen.trail.athena import AthenaSource, read_athena

        return summarize(read_athena(AthenaSource.from_uri(source), role=role, since=since, until=until))
    agg = read_source(
        source, role=role, since=since, until=until, jobs=jobs, progress=progress, warm=events.warm,
        store=store,
    )
    return summarize(agg)


def shared_trail(source: str | None, role: str | None, functions: int) -> str | TrailSummary | None:
    """``source`` read once when several functions are cross-checked against it, else left
    for the one function to read (only its role's sessions, when its role is known)."""
    if not source or functions < 2:
        return source
    return summarize_source(source, role=role_arn_of(role))


def trail_for(
    source: str | TrailSummary, role: str | None, function_names: list[str] | None = None
) -> tuple[TrailSummary, str]:
    """The trail to cross-check against and the role in it: ``source`` is read (only
    ``role``'s sessions when it is given) unless it is a summary already read, which lets
    several functions share one reading of a trail."""
    summary = summarize_source(source, role=role_arn_of(role)) if isinstance(source, str) else source
    return summary, pick_role(summary, role_arn_of(role), function_names)


def pick_role(summary: TrailSummary, role: str | None, function_names: list[str] | None = None) -> str:
    """The role to cross-check: the one given, else the one whose sessions are the function's."""
    from lpgen.errors import UsageError
    from lpgen.trail.read import function_name

    if role:
        return role
    names = set(function_names or ())
    hits = sorted(arn for arn, hist in summary.roles.items() if names & {function_name(f) for f in hist.functions})
    if len(hits) == 1:
        return hits[0]
    if not hits and len(summary.roles) == 1:
        return next(iter(summary.roles))
    raise UsageError(
        "--role is needed: the trail holds "
        + (f"{len(hits)} roles for this function" if hits else f"{len(summary.roles)} roles")
        + " (e.g. " + ", ".join(sorted(summary.roles)[:3]) + ")"
    )


def role_arn_of(role: str | None) -> str | None:
    """A role ARN as CloudTrail writes it in sessionIssuer (an assumed-role ARN is turned back)."""
    if not role or ":assumed-role/" not in role:
        return role
    head, _, rest = role.partition(":assumed-role/")
    return head.replace(":sts:", ":iam:") + ":role/" + rest.split("/")[0]
