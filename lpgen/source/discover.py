"""Find the analysed project's Python files and name their modules.

Inputs are files, folders, or handler specs (``src/app.lambda_handler``). Files are
never imported: this only lists paths. Virtual environments, site-packages, hidden
folders and symlink loops are skipped.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from lpgen.errors import SourceError
from lpgen.source.package import is_package, unpack

SKIP_DIRS = {
    "site-packages", "dist-packages", "node_modules", "__pycache__", ".git", ".venv", "venv",
    "env", ".tox", ".aws-sam", ".serverless", "build", "dist", ".mypy_cache", ".pytest_cache", "cdk.out",
}
MAX_FILES = 50_000

StrPath = str | os.PathLike[str]
"""a path as a string or an ``os.PathLike`` object (``pathlib.Path``)."""


@dataclass(frozen=True)
class Project:
    """The files to analyse and where module names start."""

    roots: tuple[Path, ...]
    """folders that act as ``sys.path`` entries for the analysed code."""
    modules: tuple[tuple[str, Path], ...]
    """(dotted module name, file) for every Python file found, sorted by name."""
    entry_module: str | None = None
    entry_function: str | None = None
    targets: tuple[str, ...] = ()
    """modules named on the command line (analysed whole when no entry is known)."""
    fallback: tuple[Path, ...] = ()
    """folders an import the roots do not resolve is looked for in, last (the template's:
    shared code a build copies into each function)."""
    installed: tuple[str, ...] = ()
    """modules ``pip install -t`` put beside the code (its dependencies, not the function's
    own package): followed where the code imports them, but what they hold that the code
    does not reach is no concern of the function's."""
    inline: tuple[tuple[str, str], ...] = ()
    """(module name, source) of code a template holds inline; the module's path is the
    template's, and the source is padded so that its lines are the template's."""

    def module_map(self) -> dict[str, Path]:
        """``{module name: path}``, a new dict each time (the caller may add to it)."""
        # NOTE: the pieces of a folder's analysis are projects sharing one ``modules``: a
        # copy of the dict made once is several times faster than a dict of the pairs.
        last = _LAST_MAP[0]
        if last is None or last[0] is not self.modules:
            last = _LAST_MAP[0] = (self.modules, dict(self.modules))
        return dict(last[1])


_LAST_MAP: list[tuple[tuple[tuple[str, Path], ...], dict[str, Path]] | None] = [None]
"""the ``modules`` that ``Project.module_map`` last made a dict of, and that dict."""


def _walk(root: Path) -> list[tuple[str, bool]]:
    """The .py files under ``root`` (as path text), sorted by folder then name, each with
    whether ``pip install -t`` put it there (under a package a ``*.dist-info`` folder
    beside it lists)."""
    # NOTE: paths as text: a Path for each of thousands of files cost more than the walk.
    out: list[tuple[str, bool]] = []
    seen: set[tuple[int, int]] = set()
    under_installed: set[str] = set()
    """folders inside an installed package"""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=True):
        try:
            st = os.stat(dirpath)
        except OSError:
            dirnames[:] = []
            continue
        key = (st.st_dev, st.st_ino)
        if key in seen:  # symlink loop
            dirnames[:] = []
            continue
        seen.add(key)
        inside = dirpath in under_installed
        installed = _installed_here(dirpath, dirnames)
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for d in dirnames:
            if inside or d in installed:
                under_installed.add(os.path.join(dirpath, d))
        prefix = dirpath if dirpath.endswith(os.sep) else dirpath + os.sep
        for name in sorted(filenames):
            if name.endswith(".py"):
                out.append((prefix + name, inside or name[:-3] in installed))
                if len(out) > MAX_FILES:
                    raise SourceError(f"{root}: more than {MAX_FILES} Python files")
    return out


def code_files(root: StrPath) -> list[Path]:
    """The project's own .py files under ``root`` (not what pip installed there), as
    ``discover`` walks them."""
    return [Path(f) for f, installed in _walk(Path(root)) if not installed]


TEST_FOLDERS = frozenset({"tests", "test"})


def is_test_file(path: str, given: str) -> bool:
    """Is the file under the folder given a test (``test_*.py``, ``*_test.py``,
    ``conftest.py``, or in a ``tests`` or ``test`` folder below it)?"""
    # NOTE: text operations only: this runs for every file of a large tree before the work
    # is split among the cores.
    name = path[path.rfind(os.sep) + 1 :]
    if name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py":
        return True
    below = path[len(given) : len(path) - len(name)]
    return any(folder in below for folder in _TEST_SEGMENTS)


_TEST_SEGMENTS = tuple(f"{os.sep}{name}{os.sep}" for name in sorted(TEST_FOLDERS))


def _installed_here(folder: str, dirnames: list[str]) -> set[str]:
    """Packages and modules ``pip install -t`` put in ``folder``: the top-level names each
    ``*.dist-info`` folder's RECORD lists. They are dependencies, not the code given: no
    targets of their own, though what the code imports of them is followed."""
    names: set[str] = set()
    for d in dirnames:
        if not d.endswith(".dist-info"):
            continue
        try:
            with open(os.path.join(folder, d, "RECORD"), encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    top = line.split(",", 1)[0].split("/", 1)[0]
                    if top and not top.endswith((".dist-info", ".data")) and top != "..":
                        names.add(top.removesuffix(".py"))
        except OSError:
            continue
    return names


def module_name(path: StrPath, root: Path) -> str:
    """The dotted name of the module file ``path`` under the import root ``root``."""
    text, base = os.fspath(path), str(root).rstrip(os.sep) + os.sep
    # NOTE: string slicing; pathlib's relative_to costs more than the walk itself.
    parts = text[len(base):].split(os.sep) if text.startswith(base) else list(Path(text).relative_to(root).parts)
    if not parts or parts == [""]:
        return ""
    parts = [*parts[:-1], parts[-1].removesuffix(".py")]
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def package_root(path: Path, known: dict[Path, Path] | None = None) -> Path:
    """The folder above the outermost package (folder with ``__init__.py``) holding path.

    ``known`` remembers the answer per folder across the files of one walk."""
    start = folder = path if path.is_dir() else path.parent
    if known is not None and start in known:
        return known[start]
    while (folder / "__init__.py").exists() and folder.parent != folder:
        folder = folder.parent
    if known is not None:
        known[start] = folder
    return folder


def split_handler_spec(spec: str) -> tuple[str, str] | None:
    """``src/app.lambda_handler`` → (``src/app.py`` path text, ``lambda_handler``) when the
    spec is not itself an existing path."""
    if os.path.exists(spec) or "." not in os.path.basename(spec):
        return None
    head, _, func = spec.rpartition(".")
    if not func.isidentifier():
        return None
    base = head.replace(".", os.sep) if os.sep not in head and "/" not in head else head
    for candidate in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.exists(candidate):
            return candidate, func
    return None


def discover(
    paths: Sequence[StrPath], *, root: StrPath | None = None, handler: str | None = None,
    libraries: Sequence[StrPath] | None = None, inline: tuple[str, str, str] | None = None,
    fallback: Sequence[StrPath] | None = None,
) -> Project:
    """Build the project from command-line paths.

    ``handler`` is a template-style handler (``pkg.module.function``) resolved against
    ``root`` (the CodeUri folder). ``libraries`` are more folders imports resolve against
    (a Lambda layer's ``python/`` folder, as the runtime puts it on ``sys.path``).
    ``inline`` is (module name, template path, source) of code a template holds inline.
    ``fallback`` folders resolve, last and only when asked, imports the roots do not.
    Paths are strings or ``os.PathLike`` objects (``pathlib.Path``).
    """
    roots: list[Path] = []
    files: dict[str, StrPath] = {}
    targets: list[str] = []
    entry_module: str | None = None
    entry_function: str | None = None
    walked: dict[Path, list[tuple[str, bool]]] = {}
    known: dict[Path, Path] = {}
    roots_by_folder: dict[str, Path] = {}

    def walk(folder: Path, installed_too: bool = False) -> list[str]:
        """The folder's files (path text); what pip installed there only with ``installed_too``."""
        if folder not in walked:
            walked[folder] = _walk(folder)
        return [f for f, installed in walked[folder] if installed_too or not installed]

    names: dict[tuple[str, Path], str] = {}

    def name_of(f: str, r: Path) -> str:
        key = (f, r)
        name = names.get(key)
        if name is None:
            name = names[key] = module_name(f, r)
        return name

    if root is not None:
        top = os.fspath(root)
        roots.append(Path(unpack(top) if is_package(top) else top).resolve())
    for lib in libraries or ():
        if Path(lib).is_dir() and Path(lib).resolve() not in roots:
            roots.append(Path(lib).resolve())
    for given in paths:
        raw = os.fspath(given)
        if is_package(raw):
            raw = unpack(raw)  # NOTE: a deployment package is read as the folder it unpacks to
        spec = split_handler_spec(raw)
        if spec is not None:
            raw, entry_function = spec
        p = Path(raw)
        if not p.exists():
            raise SourceError(f"{raw}: no such file or folder")
        p = p.resolve()
        r = package_root(p)
        if r not in roots:
            roots.append(r)
        if p.is_file():
            targets.append(module_name(p, r))
            if spec is not None:
                entry_module = module_name(p, r)
        else:
            inside = str(p)
            if not walk(p):
                # NOTE: a package built with ``pip install -t build .`` holds the function's
                # own code as an installed package: the handler names it.
                if handler is not None and walk(p, installed_too=True):
                    continue
                raise SourceError(f"{raw}: no Python files in this folder")
            files_here = walk(p)
            # NOTE: tests are still importable, but no code a function runs: a test's calls
            # (moto's create_bucket before the handler runs) are no grants. A folder of
            # tests only is taken as it is.
            code = [f for f in files_here if not is_test_file(f, inside)] or files_here
            for f in code:
                # NOTE: compared as text; a Path for each file's parent costs more than the walk.
                folder = f[: f.rfind(os.sep)] or os.sep
                if folder == inside:
                    targets.append(name_of(f, r))
                    continue
                # NOTE: a file in a folder that is no package (src/app.py) is imported from
                # there, as the runtime does when that folder is the function's code: the
                # folder is a root of its own.
                own = roots_by_folder.get(folder)
                if own is None:
                    own = roots_by_folder[folder] = package_root(Path(folder), known)
                if own not in roots:
                    roots.append(own)
                targets.append(module_name(f, own))
    installed: set[str] = set()
    for r in roots:
        # NOTE: what pip installed beside the code is no target, but the code imports it.
        for f in walk(r, installed_too=True):
            name = name_of(f, r)
            if name:
                files.setdefault(name, f)
        installed.update(name_of(f, r) for f, by_pip in walked[r] if by_pip)
    for t in targets:
        if t not in files:
            # a file outside every root (should not happen) still gets analysed
            for r in roots:
                cand = r / (t.replace(".", os.sep) + ".py")
                if cand.exists():
                    files[t] = cand
    if inline is not None:
        name, where, _ = inline
        files[name] = where
        targets.append(name)
    if handler:
        mod, _, func = handler.rpartition(".")
        # NOTE: the runtime takes a path for the module too (src/handlers/orders.main).
        mod = mod.replace("/", ".")
        entry_module, entry_function = mod, func
        if mod not in files:
            raise SourceError(f"handler {handler}: module {mod} not found under {roots[0] if roots else '.'}")
    own_top = entry_module.split(".")[0] if entry_module else None
    return Project(
        roots=tuple(roots),
        modules=tuple(sorted((name, Path(f)) for name, f in files.items())),
        installed=tuple(sorted(n for n in installed - set(targets) if n and n.split(".")[0] != own_top)),
        entry_module=entry_module,
        entry_function=entry_function,
        targets=tuple(sorted(set(targets))),
        inline=((inline[0], inline[2]),) if inline is not None else (),
        fallback=tuple(Path(f).resolve() for f in fallback or () if Path(f).is_dir()),
    )
