"""Read the tables shipped in ``lpgen.data`` (the repository's ``data/`` folder).

The tables are YAML, written and reviewed by hand. Parsing YAML (and importing the YAML
library) costs more than a whole small analysis, so each parsed table is also kept in the
user's cache directory in Python's ``marshal`` format, under the checksum of the text it
came from: a changed table is parsed again, a cached one is read back as it was parsed.
"""

from __future__ import annotations

import marshal
import os
import sys
import zlib
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from lpgen.errors import ModelDataError


@cache
def load_table(name: str) -> Any:
    """Parse ``data/<name>`` (YAML) once; raise ModelDataError when it is missing or broken."""
    text = _text(name)
    checksum = zlib.crc32(text.encode("utf-8"))
    cache_path = _cache_path(name, checksum)
    if cache_path is not None:
        try:
            with open(cache_path, "rb") as fh:
                stored, data = marshal.load(fh)
            if stored == checksum:
                return data
        except (OSError, EOFError, ValueError, TypeError):
            pass
    data = _parse(name, text)
    if cache_path is not None:
        _store(cache_path, (checksum, data))
    return data


def _text(name: str) -> str:
    try:
        return resources.files("lpgen.data").joinpath(name).read_text(encoding="utf-8")
    except ModuleNotFoundError as exc:
        # NOTE: run from a source checkout without installing: data/ sits beside lpgen/.
        beside = Path(__file__).resolve().parent.parent / "data" / name
        if not beside.is_file():
            raise ModelDataError(f"lpgen data table {name} is missing from the installation") from exc
        return beside.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ModelDataError(f"lpgen data table {name} is missing from the installation") from exc


def _parse(name: str, text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        raise ModelDataError(f"data/{name}: {exc}") from exc


def _cache_path(name: str, checksum: int) -> str | None:
    from lpgen.permissions.reference import cache_dir

    if os.environ.get("LPGEN_NO_MODEL_CACHE"):
        return None
    # NOTE: marshal's format belongs to the Python version that wrote it; the table's
    # checksum in the name lets installs of different versions keep their own.
    folder = f"tables-py{sys.version_info[0]}{sys.version_info[1]}"
    return os.path.join(str(cache_dir()), folder, f"{name.rsplit('.', 1)[0]}-{checksum:08x}.marshal")


def _store(path: str, value: Any) -> None:
    from lpgen.permissions.reference import write_cache_file

    try:
        blob = marshal.dumps(value)
    except ValueError:
        return  # NOTE: a value marshal cannot hold (a YAML date) is parsed every time.
    try:
        write_cache_file(path, blob)
    except OSError:
        pass  # NOTE: a read-only or full cache only costs the next run the parse.
