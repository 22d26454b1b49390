"""The partition a Region belongs to, from botocore's partition data (a small file, read
once; no botocore session is made)."""

from __future__ import annotations

import re
from functools import cache


@cache
def partition_of(region: str | None) -> str:
    """The partition a Region is in (``cn-north-1`` → ``aws-cn``, ``us-gov-west-1`` →
    ``aws-us-gov``), from botocore's partition data; ``aws`` for any other or none."""
    if not region or region.startswith("${"):
        return "aws"
    import json
    import os

    import botocore

    try:
        with open(os.path.join(os.path.dirname(botocore.__file__), "data", "partitions.json"), encoding="utf-8") as fh:
            partitions = json.load(fh).get("partitions") or []
    except (OSError, ValueError):
        return "aws"
    for part in partitions:
        if region in (part.get("regions") or {}):
            return str(part["id"])
    # NOTE: the commercial partition's pattern last: the others' names are more specific.
    for part in sorted(partitions, key=lambda p: p.get("id") == "aws"):
        if part.get("regionRegex") and re.match(part["regionRegex"], region):
            return str(part["id"])
    return "aws"
