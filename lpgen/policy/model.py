"""IAM policy documents as values."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Statement:
    """One statement; lists are kept sorted so equal statements compare equal."""

    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    sid: str = ""
    not_actions: tuple[str, ...] = ()
    not_resources: tuple[str, ...] = ()
    condition: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    """(operator, key, values) triples."""

    def to_json(self) -> dict[str, Any]:
        """The statement as IAM JSON (single values stay lists for stable diffs)."""
        out: dict[str, Any] = {}
        if self.sid:
            out["Sid"] = self.sid
        out["Effect"] = self.effect
        if self.actions or not self.not_actions:
            out["Action"] = list(self.actions)
        if self.not_actions:
            out["NotAction"] = list(self.not_actions)
        if self.resources or not self.not_resources:
            out["Resource"] = list(self.resources)
        if self.not_resources:
            out["NotResource"] = list(self.not_resources)
        if self.condition:
            cond: dict[str, dict[str, Any]] = {}
            for op, key, values in self.condition:
                cond.setdefault(op, {})[key] = values[0] if len(values) == 1 else list(values)
            out["Condition"] = cond
        return out


@dataclass(frozen=True)
class PolicyDocument:
    """An identity policy."""

    statements: tuple[Statement, ...]
    version: str = "2012-10-17"

    def to_json(self) -> dict[str, Any]:
        """The document as IAM JSON."""
        return {"Version": self.version, "Statement": [s.to_json() for s in self.statements]}

    def dumps(self) -> str:
        """Stable, indented JSON text."""
        return json.dumps(self.to_json(), indent=2) + "\n"

    def size(self) -> int:
        """The characters IAM counts against its policy size quotas: the JSON text without
        its white space."""
        return sum(not c.isspace() for c in json.dumps(self.to_json(), separators=(",", ":")))
