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


def read_text(path: str, error: type[LpgenError], what: str = "cannot read") -> str:
    """A UTF-8 text file's content; a missing, unreadable or undecodable file raises
    ``error`` naming the file."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise error(f"{path}: {what}: {exc}") from exc
