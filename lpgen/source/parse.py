"""Read and parse analysed files. Nothing is imported or run."""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class ParsedModule:
    """A parsed file, or why it could not be parsed."""

    name: str
    path: Path
    tree: ast.Module | None
    skip_reason: str = ""
    source: str = ""
    """the text, for quoting calls in evidence."""

    def segment(self, node: ast.AST) -> str:
        """The source text of ``node`` on one line, shortened (evidence for a call)."""
        lineno = getattr(node, "lineno", 0)
        end = getattr(node, "end_lineno", lineno) or lineno
        if not lineno or not self.source:
            return ""
        col, end_col = getattr(node, "col_offset", 0), getattr(node, "end_col_offset", None)
        if end <= lineno and lineno <= len(self._lines):
            line = self._lines[lineno - 1]
            if line.isascii():
                text = line[col:end_col]
                # NOTE: the common case: one line, already single-spaced (the full path
                # below gives the same text).
                if len(text) <= 120 and text.isprintable() and "  " not in text and text.strip(" ") == text:
                    return text
        lines = self._lines[lineno - 1 : max(end, lineno)]
        if not lines:
            return ""
        if len(lines) == 1:
            text = _cut(lines[0], col, end_col)
        else:
            text = _cut(lines[0], col, None) + " " + " ".join(x.strip() for x in lines[1:-1]) + " " + _cut(lines[-1], 0, end_col)
        text = " ".join(text.split())
        return text if len(text) <= 120 else text[:117] + "..."

    @cached_property
    def _lines(self) -> list[str]:
        # NOTE: the tokenizer ends a line at \r\n, \r or \n (str.splitlines also splits at
        # form feeds and other separators, which would shift the line numbers).
        return self.source.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _cut(line: str, col: int, end_col: int | None) -> str:
    if line.isascii():
        return line[col:end_col]
    # NOTE: ast offsets count UTF-8 bytes.
    raw = line.encode("utf-8")
    return raw[col:end_col].decode("utf-8", "replace")


_quiet = False


@contextmanager
def parsing_quietly() -> Iterator[None]:
    """Parse many files under one warnings filter: ``parse_file`` otherwise sets one up for
    each file (the parser warns about code such as ``"\\d"``; the analysed code's warnings
    are not the user's), which costs about a twentieth of a small file's parse."""
    global _quiet
    if _quiet:
        yield
        return
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _quiet = True
        try:
            yield
        finally:
            _quiet = False


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
    return parse_text(name, path, text)


def parse_text(name: str, path: Path, text: str) -> ParsedModule:
    """Parse ``text`` as the module ``name`` found at ``path`` (a file's content, or code a
    template holds inline)."""
    try:
        if _quiet:
            tree = ast.parse(text, filename=str(path))
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                tree = ast.parse(text, filename=str(path))
    except SyntaxError as exc:
        hint = " (Python 2 code?)" if _looks_py2(text) else ""
        return ParsedModule(name, path, None, f"syntax error at line {exc.lineno}: {exc.msg}{hint}")
    except (RecursionError, MemoryError, ValueError):
        return ParsedModule(name, path, None, "too deeply nested to parse")
    return ParsedModule(name, path, tree, source=text)


def _looks_py2(text: str) -> bool:
    return any(line.lstrip().startswith(("print ", "exec ")) for line in text.splitlines()[:2000])
