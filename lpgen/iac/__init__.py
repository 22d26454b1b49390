"""Infrastructure templates: functions, their environment and policies."""

from __future__ import annotations

from lpgen.iac.model import Template, load_template

__all__ = ["Template", "load_template"]
