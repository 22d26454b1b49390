"""Read and parse analysed files. Nothing is imported or run."""

from __future__ import annotations

import ast
import warnings
from dataclasses import dataclass
from pathlib import Path

MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ParsedModule:
    """A parsed file, or why it could not be parsed."""

    name: str
    path: Path
    tree: ast.Module | None
    skip_reason: str = ""


def parse_file(name: str, path: Path) -> ParsedModule:
    """Parse ``path``; syntax errors, Python 2 code, binary and oversized files are skipped
    with a reason instead of raising."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        return ParsedModule(name, path, None, f"cannot read: {exc.strerror or exc}")
    if len(data) > MAX_BYTES:
        return ParsedModule(name, path, None, f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    if b"\x00" in data[:8192]:
        return ParsedModule(name, path, None, "binary file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ParsedModule(name, path, None, f"not UTF-8 (byte {exc.start})")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        hint = " (Python 2 code?)" if _looks_py2(text) else ""
        return ParsedModule(name, path, None, f"syntax error at line {exc.lineno}: {exc.msg}{hint}")
    except (RecursionError, MemoryError, ValueError):
        return ParsedModule(name, path, None, "too deeply nested to parse")
    return ParsedModule(name, path, tree)


def _looks_py2(text: str) -> bool:
    return any(line.lstrip().startswith(("print ", "exec ")) for line in text.splitlines()[:2000])
