"""Read and parse analysed files. Nothing is imported or run."""

from __future__ import annotations

import ast
import os
import stat
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

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
    def outline(self) -> Outline:
        """The module's top-level shape (computed once, on first use)."""
        return Outline.of(self.tree) if self.tree is not None else _EMPTY_OUTLINE

    @cached_property
    def has_nonlocal(self) -> bool:
        """The text holds ``nonlocal`` (a function may rebind its enclosing one's names):
        asked once per module, not again for each of its functions."""
        return "nonlocal" in self.source

    @cached_property
    def has_walrus(self) -> bool:
        """The text holds ``:=`` (an expression may bind a name), asked once per module."""
        return ":=" in self.source

    @cached_property
    def _lines(self) -> list[str]:
        # NOTE: the tokenizer ends a line at \r\n, \r or \n (str.splitlines also splits at
        # form feeds and other separators, which would shift the line numbers).
        source = self.source
        return (source.replace("\r\n", "\n").replace("\r", "\n") if "\r" in source else source).split("\n")


_FUNCTION_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


@dataclass(frozen=True)
class Outline:
    """What a module defines at top level, read from its syntax tree in one walk."""

    functions: tuple[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef], ...]
    """its functions and its classes' methods, also those defined in top-level ``if``,
    ``try`` and ``with`` blocks: (qualified name, node), in source order; a name defined
    in two branches appears twice."""
    callables: frozenset[str]
    """names it binds at top level to a function: by ``def``, or by assigning a function, a
    method or a lambda (``handler = App().run``: the runtime only looks the name up), or the
    result of calling one of its functions (``lambda_handler = middleware(impl)``), of
    making an instance of one of its classes with ``__call__``, or of a web app's Lambda
    adapter (``handler = Mangum(app)``). A name bound to another call's result
    (``handler = logging.StreamHandler()``) is not among them."""
    has_if: bool
    """it has ``if`` blocks at top level (where an ``if __name__ == "__main__":`` block
    would be)."""
    decorated: tuple[ast.FunctionDef | ast.AsyncFunctionDef, ...]
    """its top-level functions that have decorators."""

    @classmethod
    def of(cls, tree: ast.Module) -> Outline:
        functions: list[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]] = []
        decorated: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        names: set[str] = set()
        has_if = False

        def visit(stmts: list[Any], top: bool) -> None:
            # NOTE: what the module body defines inside top-level blocks counts too
            # (``if DEBUG: def handler(...)``, a ``try`` around an optional import). Node
            # types are compared directly: this runs once per module of a large tree.
            nonlocal has_if
            for node in stmts:
                kind = type(node)
                if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                    functions.append((node.name, node))
                    names.add(node.name)
                    if node.decorator_list:
                        decorated.append(node)
                elif kind is ast.Assign or kind is ast.AnnAssign:
                    value = node.value
                    if type(value) in _BOUND_VALUES or (type(value) is ast.Call and _makes_callable(value, tree)):
                        targets = node.targets if kind is ast.Assign else [node.target]
                        names.update(t.id for t in targets if type(t) is ast.Name)
                elif kind is ast.ClassDef:
                    functions.extend((f"{node.name}.{sub.name}", sub) for sub in node.body if type(sub) in _DEF_TYPES)
                elif kind in _BLOCK_TYPES:
                    has_if = has_if or (top and kind is ast.If)
                    visit(node.body, False)
                    for handler in getattr(node, "handlers", ()):
                        visit(handler.body, False)
                    visit(getattr(node, "orelse", []), False)
                    visit(getattr(node, "finalbody", []), False)

        visit(tree.body, True)
        return cls(tuple(functions), frozenset(names), has_if, tuple(decorated))


_DEF_TYPES = frozenset({ast.FunctionDef, ast.AsyncFunctionDef})
_BOUND_VALUES = frozenset({ast.Attribute, ast.Name, ast.Lambda})
"""values whose binding to a top-level name makes that name a possible handler."""
_BLOCK_TYPES = frozenset({ast.If, ast.Try, ast.With, ast.AsyncWith, *((ast.TryStar,) if hasattr(ast, "TryStar") else ())})


LAMBDA_ADAPTERS = frozenset({"Mangum", "make_lambda_handler"})
"""what libraries that turn a web app into a Lambda handler call the function making it
(``handler = Mangum(app)``, apig-wsgi's ``make_lambda_handler(app)``)."""


def _makes_callable(value: ast.expr | None, tree: ast.Module) -> bool:
    """Does ``value`` call a function of this module (``lambda_handler = middleware(impl)``,
    which returns the wrapper), make an instance of one of its classes that defines
    ``__call__``, or make a handler of a web app (``LAMBDA_ADAPTERS``)?"""
    if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and value.func.attr in LAMBDA_ADAPTERS:
        return True
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Name)):
        return False
    name = value.func.id
    if name in LAMBDA_ADAPTERS:
        return True
    for node in tree.body:
        if isinstance(node, _FUNCTION_DEFS) and node.name == name:
            return True
        if isinstance(node, ast.ClassDef) and node.name == name:
            return any(isinstance(m, _FUNCTION_DEFS) and m.name == "__call__" for m in node.body)
    return False


_EMPTY_OUTLINE = Outline((), frozenset(), False, ())


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
        data = _read_at_most(path, MAX_BYTES)
    except OSError as exc:
        return ParsedModule(name, path, None, f"cannot read: {exc.strerror or exc}")
    if data is None:
        return ParsedModule(name, path, None, f"larger than {MAX_BYTES // (1024 * 1024)} MB")
    if b"\x00" in data[:8192]:
        return ParsedModule(name, path, None, "binary file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return ParsedModule(name, path, None, f"not UTF-8 (byte {exc.start})")
    return parse_text(name, path, text)


def _read_at_most(path: Path, limit: int) -> bytes | None:
    """The file's bytes, or None when it holds more than ``limit`` (not read then).

    With the descriptor calls directly: a large tree is thousands of small files, and
    ``Path.read_bytes`` (a buffered file object for each) took twice as long to read them."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        size = st.st_size
        if size > limit:
            return None
        # NOTE: a file that grows while it is read (or reports no size) is read to its end;
        # a regular file that gave fewer bytes than asked for has ended (no read to see it).
        chunks = [os.read(fd, size + 1)]
        read = len(chunks[0])
        if read <= size and stat.S_ISREG(st.st_mode):
            return chunks[0]
        while chunks[-1] and read <= limit:
            chunks.append(os.read(fd, 1 << 16))
            read += len(chunks[-1])
        return None if read > limit else b"".join(chunks)
    finally:
        os.close(fd)


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
        hint = " (Python 2 code?)" if _looks_py2(text) else _newer_syntax(exc)
        at = f"line {exc.lineno}, column {exc.offset}" if exc.offset else f"line {exc.lineno}"
        return ParsedModule(name, path, None, f"syntax error at {at}: {exc.msg}{hint}")
    except (RecursionError, MemoryError, ValueError):
        return ParsedModule(name, path, None, "too deeply nested to parse")
    return ParsedModule(name, path, tree, source=text)


def _newer_syntax(exc: SyntaxError) -> str:
    """A hint for an f-string this Python refuses and Python 3.12 takes (PEP 701: the same
    quotes, a backslash or a comment inside a replacement field): the Lambda runtimes of
    3.12 and later run such code, so lpgen has to run on one of them to read it."""
    if sys.version_info < (3, 12) and (exc.msg or "").startswith("f-string"):
        return " (valid f-string syntax from Python 3.12 on: run lpgen with Python 3.12 or later to read it)"
    return ""


def _looks_py2(text: str) -> bool:
    return any(line.lstrip().startswith(("print ", "exec ")) for line in text.splitlines()[:2000])
