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
) -> TrailSummary:
    """Read a CloudTrail source (folder, file or ``s3://`` URI) and summarise it per role."""
    from lpgen.trail import events
    from lpgen.trail.read import read_source
    from lpgen.trail.summary import summarize

    agg = read_source(
        source, role=role, since=since, until=until, jobs=jobs, progress=progress, warm=events.actions_for
    )
    return summarize(agg)
