"""Read IAM policy documents in every grammar variant into ``PolicyDocument`` values.

Accepted: a document (``{"Version", "Statement"}``), a bare statement or list of them;
``Statement`` as an object or a list; ``Action``/``NotAction``/``Resource``/``NotResource``
as a string or a list; ``Condition`` values as strings, lists, numbers or booleans;
``Principal``/``NotPrincipal`` ignored (identity policies have none). Anything else is a
``PolicyError`` naming the statement.
"""

from __future__ import annotations

import json
from typing import Any

from lpgen.errors import PolicyError, read_text
from lpgen.policy.model import PolicyDocument, Statement


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise PolicyError(f"{where}: expected a string or a list of strings, got {type(value).__name__}")


def _condition(value: Any, where: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    if value is None:
        return ()
    if not isinstance(value, dict):
        raise PolicyError(f"{where}: Condition must be an object")
    out: list[tuple[str, str, tuple[str, ...]]] = []
    for op, block in value.items():
        if not isinstance(block, dict):
            raise PolicyError(f"{where}: Condition {op} must be an object")
        for key, v in block.items():
            items = v if isinstance(v, list) else [v]
            out.append((str(op), str(key), tuple(json.dumps(i) if not isinstance(i, str) else i for i in items)))
    return tuple(sorted(out))


def parse_statement(raw: Any, where: str) -> Statement:
    """One statement object."""
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: a statement must be an object")
    effect = raw.get("Effect")
    if effect not in ("Allow", "Deny"):
        raise PolicyError(f"{where}: Effect must be Allow or Deny, got {effect!r}")
    actions = _strings(raw.get("Action"), f"{where} Action")
    not_actions = _strings(raw.get("NotAction"), f"{where} NotAction")
    resources = _strings(raw.get("Resource"), f"{where} Resource")
    not_resources = _strings(raw.get("NotResource"), f"{where} NotResource")
    if bool(actions) == bool(not_actions):
        raise PolicyError(f"{where}: exactly one of Action and NotAction is needed")
    if not resources and not not_resources:
        raise PolicyError(f"{where}: Resource or NotResource is needed")
    return Statement(
        effect=str(effect),
        actions=tuple(sorted(set(actions))),
        resources=tuple(sorted(set(resources))),
        sid=str(raw.get("Sid") or ""),
        not_actions=tuple(sorted(set(not_actions))),
        not_resources=tuple(sorted(set(not_resources))),
        condition=_condition(raw.get("Condition"), where),
    )


def parse_policy(raw: Any, where: str = "policy") -> PolicyDocument:
    """A policy document from decoded JSON/YAML."""
    if isinstance(raw, list):
        body: Any = raw
    elif isinstance(raw, dict) and "Statement" in raw:
        body = raw["Statement"]
    elif isinstance(raw, dict) and "Effect" in raw:
        body = [raw]
    else:
        raise PolicyError(f"{where}: not an IAM policy (no Statement)")
    if isinstance(body, dict):
        body = [body]
    if not isinstance(body, list):
        raise PolicyError(f"{where}: Statement must be an object or a list")
    statements = tuple(parse_statement(s, f"{where} statement {i + 1}") for i, s in enumerate(body))
    version = raw.get("Version", "2012-10-17") if isinstance(raw, dict) else "2012-10-17"
    return PolicyDocument(statements, str(version))


def load_policy_file(path: str) -> PolicyDocument:
    """A policy from a JSON file; errors name the file and the position."""
    text = read_text(path, PolicyError)
    try:
        raw = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PolicyError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from exc
    return parse_policy(raw, path)
