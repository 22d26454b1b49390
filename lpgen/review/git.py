"""The git side of ``lpgen review``: which functions a change touches."""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from lpgen.errors import UsageError

TEMPLATE_NAMES = ("template.yaml", "template.yml", "template.json", "serverless.yml", "serverless.yaml", "serverless.json")


def _git(root: str, *args: str) -> str:
    try:
        out = subprocess.run(["git", "-C", root, *args], check=True, capture_output=True, text=True)
    except FileNotFoundError as exc:
        raise UsageError("git is not installed") from exc
    except subprocess.CalledProcessError as exc:
        raise UsageError(f"git {' '.join(args)}: {exc.stderr.strip() or exc}") from exc
    return out.stdout


def repo_root(path: str = ".") -> str:
    return _git(path, "rev-parse", "--show-toplevel").strip()


def repo_root_or_none(path: str = ".") -> str | None:
    """The repository ``path`` is in, or None outside one (or without git)."""
    try:
        return repo_root(path)
    except UsageError:
        return None


def folder_files(root: str) -> list[str]:
    """The files under a folder that is no repository, relative to it (``/`` between
    folders), leaving out what builds and tools put there as the analysis does (a SAM
    build's copies of the templates under ``.aws-sam``); a Chalice app's ``.chalice`` is kept."""
    from lpgen.source.discover import SKIP_DIRS

    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and (d == ".chalice" or not d.startswith(".")))
        rel = os.path.relpath(dirpath, root).replace(os.sep, "/")
        out.extend(name if rel == "." else f"{rel}/{name}" for name in sorted(filenames))
    return out


def head_sha(root: str) -> str:
    return _git(root, "rev-parse", "HEAD").strip()


def default_base(root: str) -> str:
    """The pull request's base (``GITHUB_BASE_REF``), else ``origin/HEAD``, else ``HEAD~1``."""
    candidates = []
    if os.environ.get("GITHUB_BASE_REF"):
        candidates += [f"origin/{os.environ['GITHUB_BASE_REF']}", os.environ["GITHUB_BASE_REF"]]
    candidates += ["origin/HEAD", "origin/main", "main", "HEAD~1"]
    for ref in candidates:
        try:
            _git(root, "rev-parse", "--verify", "--quiet", ref + "^{commit}")
            return ref
        except UsageError:
            continue
    raise UsageError("no base to compare with: pass --base REF" + _shallow_hint(root))


def _shallow_hint(root: str) -> str:
    """Why a base may be missing: a shallow clone (``actions/checkout`` fetches one commit
    unless told otherwise) has no history to find it in."""
    try:
        shallow = _git(root, "rev-parse", "--is-shallow-repository").strip() == "true"
    except UsageError:
        return ""
    return ("; this clone is shallow and lacks the history a change is compared with "
            "(actions/checkout with fetch-depth: 0, or git fetch --unshallow)") if shallow else ""


def changed_files(root: str, base: str) -> list[str]:
    """Files changed between the merge base of ``base`` and HEAD (paths relative to root)."""
    try:
        merge_base = _git(root, "merge-base", base, "HEAD").strip()
    except UsageError as exc:
        raise UsageError(f"{exc}{_shallow_hint(root)}") from exc
    out = _git(root, "diff", "--name-only", "--no-renames", merge_base, "HEAD")
    return sorted(line for line in out.splitlines() if line)


@dataclass(frozen=True)
class Affected:
    template: str
    """path relative to the repository root."""
    function: str
    reason: str


def find_templates(root: str, files: list[str] | None = None) -> list[str]:
    """Templates in the repository (by their usual names, and Chalice apps' ``.chalice/config.json``),
    and its Terraform root modules
    (folders of ``.tf`` files that no other folder calls as a local module), relative to
    root. ``files`` are the files to look among (default: those git tracks)."""
    out = []
    tracked = tracked_files(root) if files is None else files
    for path in tracked:
        if os.path.basename(path) in TEMPLATE_NAMES or path == ".chalice/config.json" or path.endswith("/.chalice/config.json"):
            out.append(path)
    return sorted(out) + terraform_roots(root, [p for p in tracked if p.endswith(".tf")])


def tracked_files(root: str) -> list[str]:
    """The files git tracks in the repository, relative to its root."""
    return _git(root, "ls-files").splitlines()


_MODULE_SOURCE = re.compile(r'^\s*source\s*=\s*"(\.\.?/[^"]*)"', re.MULTILINE)


def terraform_roots(root: str, files: list[str]) -> list[str]:
    """The folders of ``files`` (``.tf`` files, relative to root) that no folder among them
    calls as a local module (``source = "../modules/fn"``)."""
    folders = {os.path.dirname(f) or "." for f in files if ".terraform" not in f.split("/")}
    called: set[str] = set()
    for f in files:
        try:
            text = Path(root, f).read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        for source in _MODULE_SOURCE.findall(text):
            called.add(os.path.normpath(os.path.join(os.path.dirname(f), source)))
    return sorted(folders - called)


def affected_functions(
    root: str, changed: list[str], template_functions: dict[str, dict[str, str | tuple[str, ...]]],
) -> list[Affected]:
    """Functions whose template, or code under their CodeUri, changed.

    ``template_functions``: template path → {function: code root relative to the repository,
    or the files of its package when the template chooses them (serverless.yml's patterns)}.
    """
    out: list[Affected] = []
    for tpl, functions in sorted(template_functions.items()):
        for fn, code in sorted(functions.items()):
            if tpl in changed:
                out.append(Affected(tpl, fn, "template changed"))
                continue
            if isinstance(code, tuple):
                hits = [c for c in changed if c in code]
            else:
                prefix = code.rstrip("/") + "/" if code not in ("", ".") else ""
                hits = [c for c in changed if c.endswith(".py") and (not prefix or c.startswith(prefix))]
            if hits:
                out.append(Affected(tpl, fn, "code changed: " + ", ".join(hits[:3])))
    return out


def relative(root: str, path: str | None) -> str:
    if not path:
        return ""
    try:
        return str(Path(path).resolve().relative_to(Path(root).resolve()))
    except ValueError:
        return path
