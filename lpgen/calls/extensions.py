"""Requests that Lambda extensions make with the function's role: those its environment
configures, and those its layers run."""

from __future__ import annotations

from typing import Any

from lpgen.calls.model import ApiCall, Location
from lpgen.data_files import load_table


def extension_calls(env: dict[str, str], where: tuple[str, int], layers: tuple[str, ...] = ()) -> list[ApiCall]:
    """The requests the extensions of a function make with its role (``data/extensions.yaml``):
    those its environment configures (``DD_API_KEY_SECRET_ARN`` makes Datadog's extension
    read that secret) and those its layers run (Lambda Insights writes to its log group).
    ``where`` is the (path, line) of the function's configuration, for evidence."""
    table: dict[str, Any] = load_table("extensions.yaml") or {}
    out: list[ApiCall] = []
    for var, spec in sorted(table.items()):
        value = env.get(var)
        if var.startswith("@") or not value:
            continue
        params = {spec["param"]: value} if spec.get("param") else {}
        loc = Location(where[0], where[1], f"{var}: {spec['by']} reads it when the function starts")
        out.append(ApiCall(spec["client"], spec["operation"], params, loc, via=f"library {spec['by']}"))
    by_layer: dict[str, Any] = table.get("@layers") or {}
    for arn in sorted(set(layers)):
        parts = arn.split(":")
        spec = by_layer.get(parts[6]) if len(parts) > 6 and parts[5] == "layer" else None
        if spec is None:
            continue
        loc = Location(where[0], where[1], f"layer {parts[6]}: {spec['by']} runs as an extension")
        for call in spec["calls"]:
            out.append(ApiCall(call["client"], call["operation"], dict(call.get("params") or {}), loc, via=f"library {spec['by']}"))
    return out
