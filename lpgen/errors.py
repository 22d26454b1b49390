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
