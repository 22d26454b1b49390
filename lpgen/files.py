"""Writing a file whole or not at all, for the outputs lpgen writes and its cache."""

from __future__ import annotations

import os
import tempfile


def write_whole(path: str | os.PathLike[str], data: bytes, *, make_folder: bool = False) -> None:
    """Write ``path`` through a temporary file beside it, so that a reader sees the old file
    or the new one and a failed write leaves neither a half-written file nor the temporary
    one. Raises OSError when it cannot be written."""
    folder = os.path.dirname(os.path.abspath(os.fspath(path)))
    if make_folder:
        os.makedirs(folder, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".lpgen-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
