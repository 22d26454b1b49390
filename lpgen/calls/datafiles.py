"""Data files the analysed code reads at run time: a ``config.json`` or ``settings.yaml``
shipped in the function's package, whose names and ARNs the code then uses.

At run time the package sits in the Lambda task root, which is also the working directory;
``__file__`` is a path under it. The analysis mirrors that: ``__file__`` is the module's path
under ``TASK_ROOT``, and a path the code opens is looked for under the project's roots.
Files are only read from there (never from elsewhere on the machine), and only parsed as data.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from lpgen.calls.values import Const, DictV, SeqV, Str, Unknown, V

TASK_ROOT = "/var/task"
"""where Lambda unpacks a function's code, and its working directory."""

MAX_FILE_BYTES = 1024 * 1024
"""largest data file read into values."""

def runtime_path(path: Path, roots: Iterable[Path]) -> str:
    """``__file__`` of the module at ``path`` as the function sees it (under TASK_ROOT)."""
    for root in roots:
        try:
            rel = path.relative_to(root)
        except ValueError:
            continue
        return posixpath.join(TASK_ROOT, rel.as_posix())
    return posixpath.join(TASK_ROOT, path.name)


def locate(text: str, roots: Iterable[Path], folder: bool = False) -> Path | None:
    """The project file (or, with ``folder``, folder) a path the code names (absolute under
    TASK_ROOT, or relative to it as the working directory), or None when it names none of
    the project's."""
    if not text or "*" in text or "\x00" in text:
        return None
    norm = posixpath.normpath(text)
    if norm == TASK_ROOT:
        norm = "."
    elif norm.startswith(TASK_ROOT + "/"):
        norm = norm[len(TASK_ROOT) + 1 :]
    elif norm.startswith("/"):
        return None
    if norm == ".." or norm.startswith("../"):
        return None
    for root in roots:
        candidate = root / norm
        try:
            if not (candidate.is_dir() if folder else candidate.is_file()):
                continue
            if not candidate.resolve().is_relative_to(root.resolve()):
                continue
            if not folder and candidate.stat().st_size > MAX_FILE_BYTES:
                continue
        except (OSError, RuntimeError):  # NOTE: RuntimeError: a symlink loop
            continue
        return candidate
    return None


def read_text(path: Path) -> str | None:
    """The file's text, or None when it cannot be read as UTF-8."""
    try:
        return path.read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None


def parse(kind: str, text: str) -> V:
    """``text`` parsed as ``kind`` (``json``, ``yaml`` or ``toml``) into values; unknown when
    it does not parse."""
    # NOTE: imported here: most runs read no data file, and the parsers cost start-up time.
    import json
    import tomllib

    import yaml

    try:
        if kind == "json":
            data: Any = json.loads(text)
        elif kind == "yaml":
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        else:
            data = tomllib.loads(text)
    except (ValueError, RecursionError, yaml.YAMLError):
        return Unknown(f"{kind} data that does not parse")
    return from_data(data)


MAX_NODES = 100_000
"""values one parsed document becomes at most."""


def from_data(data: Any, seen: dict[int, V] | None = None) -> V:
    """Parsed data as values: dicts, lists, strings and plain constants. A part the document
    repeats (a YAML alias) is converted once and shared, as the parser shares it."""
    seen = {} if seen is None else seen
    if id(data) in seen:
        return seen[id(data)]
    if len(seen) > MAX_NODES:
        return Unknown("data too large to follow")
    out: V
    if isinstance(data, dict):
        seen[id(data)] = Unknown("data that holds itself")
        out = DictV(tuple((str(k), (from_data(v, seen),)) for k, v in data.items()))
    elif isinstance(data, list):
        seen[id(data)] = Unknown("data that holds itself")
        out = SeqV(tuple((from_data(v, seen),) for v in data))
    elif isinstance(data, str):
        return Str(data)
    elif data is None or isinstance(data, (bool, int, float)):
        return Const(data)
    else:
        return Unknown("a value of data read from a file")
    seen[id(data)] = out
    return out
