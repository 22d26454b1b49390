"""Shared test helpers."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest

from lpgen.calls.model import ApiCall

SHARED = Path(__file__).resolve().parents[2] / "shared"


def collect(source: str, tmp_path: Path, env: dict[str, str] | None = None, files: dict[str, str] | None = None) -> list[ApiCall]:
    """Analyse one handler module (plus optional sibling modules) and return its calls."""
    from lpgen import api

    (tmp_path / "app.py").write_text(textwrap.dedent(source))
    for name, text in (files or {}).items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))
    return list(api.analyze([str(tmp_path / "app.py")], env=env).calls)


def analyse_files(tmp_path: Path, files: dict[str, str], target: str = "app.py") -> Any:
    """Write ``files`` (dedented) under tmp_path and analyse ``target`` (a file, or a
    handler spec relative to tmp_path): the whole ``Analysis``."""
    from lpgen import api

    for name, text in files.items():
        (tmp_path / name).write_text(textwrap.dedent(text))
    return api.analyze([str(tmp_path / target)])


@pytest.fixture
def collect_calls(tmp_path: Path):
    """``collect(source, env=…)`` bound to a fresh folder."""

    def run(source: str, env: dict[str, str] | None = None, files: dict[str, str] | None = None) -> list[ApiCall]:
        return collect(source, tmp_path, env, files)

    return run


@pytest.fixture(autouse=True, scope="session")
def _no_user_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Tests see lpgen's own tables, never a service reference the user refreshed."""
    import os

    os.environ["LPGEN_CACHE_DIR"] = str(tmp_path_factory.mktemp("lpgen-cache"))
