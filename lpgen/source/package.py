"""Deployment packages: a function whose template names a ``.zip`` of its code.

The archive is unpacked (never run) into lpgen's cache, in a folder named by the archive's
content, so the same archive is unpacked once and analysed from the same place every time.
Only plain files with safe relative names are written, within size limits. Evidence shows
such files under the archive's own path (``build/fn.zip/app.py``).
"""

from __future__ import annotations

import os
import posixpath
from pathlib import Path

from lpgen.errors import SourceError

MAX_MEMBERS = 50_000
MAX_UNPACKED = 512 * 1024 * 1024
"""largest total size of an archive's files."""

_SHOWN: dict[str, str] = {}
"""unpacked folder → the archive's path as the user gave it, for evidence."""


def is_package(path: str) -> bool:
    """Is ``path`` a local deployment package lpgen can read (a zip archive)?"""
    if not path.lower().endswith((".zip", ".jar")) or not os.path.isfile(path):
        return False
    import zipfile  # NOTE: imported here: most runs read no archive

    return zipfile.is_zipfile(path)


def unpack(path: str) -> str:
    """The folder holding the unpacked archive ``path`` (unpacked on first use)."""
    import hashlib

    from lpgen.permissions.reference import cache_dir

    try:
        with open(path, "rb") as fh:
            digest = hashlib.sha256(fh.read()).hexdigest()[:20]
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    folder = cache_dir() / "packages" / digest
    done = folder / ".unpacked"
    if not done.exists():
        _extract(path, folder)
        done.write_text("")
    # NOTE: by its resolved path: discovery resolves the folders it walks.
    _SHOWN[str(folder.resolve())] = path
    return str(folder)


def _extract(path: str, folder: Path) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > MAX_MEMBERS:
                raise SourceError(f"{path}: more than {MAX_MEMBERS} files")
            if sum(m.file_size for m in members) > MAX_UNPACKED:
                raise SourceError(f"{path}: unpacks to more than {MAX_UNPACKED // (1024 * 1024)} MB")
            for m in members:
                name = posixpath.normpath(m.filename.replace("\\", "/"))
                mode = (m.external_attr >> 16) & 0o170000
                if name.startswith(("/", "../")) or name == ".." or mode == 0o120000:
                    continue  # NOTE: a name outside the folder, or a symbolic link: not written
                target = folder.joinpath(*name.split("/"))
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(m) as src:
                    data = src.read(m.file_size + 1)
                if len(data) > m.file_size:
                    raise SourceError(f"{path}: {m.filename} is larger than its entry says")
                with open(target, "wb") as dst:
                    dst.write(data)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError) as exc:
        raise SourceError(f"{path}: not a readable zip archive: {exc}") from exc
    except OSError as exc:
        raise SourceError(f"{path}: cannot unpack: {exc.strerror or exc}") from exc


def shown_folder(folder: str) -> tuple[str, str] | None:
    """For a folder inside an unpacked archive: the archive's path and the folder's place in
    it (``""`` at its top), as evidence shows them; None for any other folder."""
    if not _SHOWN:
        return None
    for root, archive in _SHOWN.items():
        if folder == root:
            return archive, ""
        if folder.startswith(root + os.sep):
            return archive, folder[len(root) + 1 :]
    return None
