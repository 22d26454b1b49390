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
    import importlib.util
    import json
    import os

    # NOTE: botocore's folder is found without importing botocore, whose import (logging
    # and more) costs more than reading the file.
    spec = importlib.util.find_spec("botocore")
    folders = list(spec.submodule_search_locations or ()) if spec is not None else []
    if not folders:
        return "aws"
    try:
        with open(os.path.join(folders[0], "data", "partitions.json"), encoding="utf-8") as fh:
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
