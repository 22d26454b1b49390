"""Read the tables shipped in ``lpgen.data`` (the repository's ``data/`` folder)."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from lpgen.errors import ModelDataError


@cache
def load_table(name: str) -> Any:
    """Parse ``data/<name>`` (YAML) once; raise ModelDataError when it is missing or broken."""
    import yaml

    try:
        text = resources.files("lpgen.data").joinpath(name).read_text(encoding="utf-8")
    except ModuleNotFoundError as exc:
        # NOTE: run from a source checkout without installing: data/ sits beside lpgen/.
        beside = Path(__file__).resolve().parent.parent / "data" / name
        if not beside.is_file():
            raise ModelDataError(f"lpgen data table {name} is missing from the installation") from exc
        text = beside.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ModelDataError(f"lpgen data table {name} is missing from the installation") from exc
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        raise ModelDataError(f"data/{name}: {exc}") from exc
