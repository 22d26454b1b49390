"""The one exception tree of lpgen; only ``cli.py`` turns these into exit codes."""

from __future__ import annotations


class LpgenError(Exception):
    """Base of every error lpgen raises on purpose."""


class SourceError(LpgenError):
    """A handler path or handler spec cannot be read."""


class ModelDataError(LpgenError):
    """Service model or IAM data is missing or malformed."""


class TemplateError(LpgenError):
    """An infrastructure template cannot be read."""


class TrailError(LpgenError):
    """A CloudTrail source cannot be read."""


class PolicyError(LpgenError):
    """A policy document is malformed."""


class UsageError(LpgenError):
    """The caller asked for something that does not make sense."""


def read_text(path: str, error: type[LpgenError], what: str = "cannot read", keep_bom: bool = False) -> str:
    """A UTF-8 text file's content, without the byte order mark Windows editors write first
    (``keep_bom``: with it, to write the file back as it was); a missing, unreadable or
    undecodable file raises ``error`` naming the file."""
    try:
        with open(path, encoding="utf-8" if keep_bom else "utf-8-sig") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: {what}: {exc}") from exc
