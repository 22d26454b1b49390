"""Requests that Lambda extensions make with the function's role, named by its environment."""

from __future__ import annotations

from typing import Any

from lpgen.calls.model import ApiCall, Location
from lpgen.data_files import load_table


def extension_calls(env: dict[str, str], where: tuple[str, int]) -> list[ApiCall]:
    """The requests the extensions a function's environment configures make
    (``data/extensions.yaml``: ``DD_API_KEY_SECRET_ARN`` makes Datadog's extension read that
    secret). ``where`` is the (path, line) that sets the environment, for evidence."""
    table: dict[str, Any] = load_table("extensions.yaml") or {}
    out: list[ApiCall] = []
    for var, spec in sorted(table.items()):
        value = env.get(var)
        if not value:
            continue
        params = {spec["param"]: value} if spec.get("param") else {}
        loc = Location(where[0], where[1], f"{var}: {spec['by']} reads it when the function starts")
        out.append(ApiCall(spec["client"], spec["operation"], params, loc, via=f"library {spec['by']}"))
    return out
