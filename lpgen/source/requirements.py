"""Local packages a function's build installs beside its code.

``sam build`` and serverless-python-requirements install the function's ``requirements.txt``
into its package, and a monorepo's shared code is often a requirement by path
(``-e ../../libs/common``, ``../common``, ``common @ file:../common``). That code is the
team's own: the analysis follows imports into it as it does into the function's folder.
"""

from __future__ import annotations

import os
from urllib.parse import unquote, urlparse

NAMES = ("requirements.txt",)
"""the requirements files a build installs from, in the function's code folder."""

MAX_INCLUDES = 5
"""how deep ``-r other.txt`` includes are followed."""


def local_roots(folder: str, names: tuple[str, ...] = NAMES, cwd: str | None = None) -> list[str]:
    """The import roots of the packages ``folder``'s requirements (its files ``names``) name
    by a local path, in their order: a project's ``src`` folder when it keeps its packages
    there, else the project's folder. A path is relative to the requirements file, else (pip
    takes it so, as ``sam build`` runs it) to ``cwd``, where the build runs; one that is no
    folder either way is left out."""
    out: list[str] = []
    for name in names:
        path = os.path.join(folder, name)
        if os.path.isfile(path):
            for found in _paths(path, 0, cwd):
                root = _import_root(found)
                if root not in out:
                    out.append(root)
    return out


def _paths(path: str, depth: int, cwd: str | None) -> list[str]:
    try:
        with open(path, encoding="utf-8-sig") as fh:
            lines = fh.read().splitlines()
    except (OSError, UnicodeDecodeError):
        return []
    base = os.path.dirname(os.path.abspath(path))
    out: list[str] = []
    for raw in lines:
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")) and depth < MAX_INCLUDES:
            out.extend(_paths(os.path.join(base, line.split(None, 1)[1].strip()), depth + 1, cwd))
            continue
        target = _local_target(line)
        if target is None:
            continue
        for start in (base, cwd) if cwd else (base,):
            full = os.path.normpath(target if os.path.isabs(target) else os.path.join(start, target))
            if os.path.isdir(full):
                out.append(full)
                break
    return out


def _local_target(line: str) -> str | None:
    """The path a requirement names when it is a local one (``-e ../x``, ``../x``,
    ``name @ file:../x``, ``file:///abs/x``), else None."""
    for flag in ("-e ", "--editable "):
        if line.startswith(flag):
            line = line[len(flag):].strip()
            break
    if " @ " in line:
        line = line.split(" @ ", 1)[1].strip()
    line = line.split(";", 1)[0].split("#egg=", 1)[0].strip()
    if line.startswith("file:"):
        parsed = urlparse(line)
        return unquote(parsed.path if parsed.netloc in ("", "localhost") else "") or None
    if line.startswith((".", "/")):
        return line.split("[", 1)[0]
    return None


def _import_root(project: str) -> str:
    """Where imports of a local project's packages start: its ``src`` folder in the src
    layout, else the project's own folder."""
    src = os.path.join(project, "src")
    if os.path.isdir(src) and any(
        os.path.isfile(os.path.join(src, d, "__init__.py")) or d.endswith(".py") for d in os.listdir(src)
    ):
        return src
    return project
