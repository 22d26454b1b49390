"""The set of every boto3 client method name, built once per botocore version and cached.

Reading all ~400 service models takes seconds, so the set is written to the user's cache
directory and read from there afterwards.
"""

from __future__ import annotations

import json
from functools import lru_cache

from lpgen.permissions import service_models


@lru_cache(maxsize=1)
def method_names() -> set[str]:
    """Every python method name of every botocore client."""
    from lpgen.permissions.reference import cache_dir, write_cache_file

    path = cache_dir() / f"methods-botocore-{service_models.botocore_version()}.json"
    try:
        with open(path, encoding="utf-8") as fh:
            return set(json.load(fh))
    except (OSError, ValueError):
        pass
    names: set[str] = set()
    for client in service_models.client_names():
        names.update(service_models.operations(client))
    try:
        write_cache_file(path, json.dumps(sorted(names)).encode("utf-8"))
    except OSError:
        pass  # NOTE: a read-only home still works, only slower
    return names
