"""Read the tables shipped in ``lpgen.data`` (the repository's ``data/`` folder)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

from lpgen.errors import ModelDataError


@cache
def load_table(name: str) -> Any:
    """Parse ``data/<name>`` (YAML) once; raise ModelDataError when it is missing or broken."""
    import yaml

    try:
        text = resources.files("lpgen.data").joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, ModuleNotFoundError) as exc:
        raise ModelDataError(f"lpgen data table {name} is missing from the installation") from exc
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        raise ModelDataError(f"data/{name}: {exc}") from exc
