"""AWS's service reference, downloaded by ``lpgen data refresh`` into the user's cache.

The index AWS serves is a JSON list of ``{"service": prefix, "url": document_url}``; each
document lists, per API operation, the actions it may be authorized against
(``Operations[].AuthorizedActions``) and the SDK methods that call it. ``refresh`` keeps
only what lpgen reads: a join of (boto3 client, method) → authorized actions, written to
``sdk-index.json`` so later runs read one small file.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from lpgen.errors import ModelDataError
from lpgen.files import write_whole

DEFAULT_URL = "https://servicereference.us-east-1.amazonaws.com/"
INDEX_NAME = "sdk-index.json"


def cache_dir() -> Path:
    """Where refreshed data lives: ``$LPGEN_CACHE_DIR`` or ``$XDG_CACHE_HOME/lpgen``."""
    explicit = os.environ.get("LPGEN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "lpgen"


def write_cache_file(path: str | os.PathLike[str], data: bytes) -> None:
    """Write a file of the cache whole or not at all (a run reading it meanwhile sees the
    old file or the new one), making its folder. Raises OSError when the cache cannot be
    written."""
    write_whole(path, data, make_folder=True)


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh fetched."""

    services: int
    operations: int
    path: Path
    fetched_at: str


def _get_json(url: str, timeout: float) -> Any:
    import urllib.request  # only a refresh needs it; every run reads the cache

    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - user-given URL
            return json.load(resp)
    except (OSError, ValueError) as exc:  # URLError is an OSError
        raise ModelDataError(f"cannot read {url}: {exc}") from exc


def refresh(url: str = DEFAULT_URL, *, timeout: float = 30.0) -> RefreshResult:
    """Download the service reference and write the SDK join index atomically."""
    index = _get_json(url, timeout)
    if not isinstance(index, list):
        raise ModelDataError(f"{url}: expected a JSON list of {{service, url}} entries")
    sdk: dict[str, list[list[Any]]] = {}
    services = 0
    for entry in index:
        if not isinstance(entry, dict) or "url" not in entry:
            continue
        doc = _get_json(str(entry["url"]), timeout)
        services += 1
        for op in doc.get("Operations", ()) if isinstance(doc, dict) else ():
            actions = [
                [f"{a.get('Service', doc.get('Name'))}:{a['Name']}", _context(a.get("Context"))]
                for a in op.get("AuthorizedActions", ())
                if isinstance(a, dict) and "Name" in a
            ]
            for s in op.get("SDK", ()):
                if isinstance(s, dict) and s.get("Package") == "Boto3":
                    sdk[f"{s['Name']}.{s['Method']}"] = actions
    fetched_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    target = cache_dir()
    payload = {"source": url, "fetched_at": fetched_at, "services": services, "sdk": sdk}
    write_cache_file(target / INDEX_NAME, json.dumps(payload, sort_keys=True).encode("utf-8"))
    _index.cache_clear()
    return RefreshResult(services, len(sdk), target / INDEX_NAME, fetched_at)


def _context(ctx: Any) -> str | None:
    if not isinstance(ctx, dict) or not ctx:
        return None
    return ", ".join(f"{k}={'|'.join(map(str, v if isinstance(v, list) else [v]))}" for k, v in sorted(ctx.items()))


@lru_cache(maxsize=1)
def _index() -> dict[str, Any] | None:
    if os.environ.get("LPGEN_NO_REFERENCE"):
        return None
    path = cache_dir() / INDEX_NAME
    try:
        with open(path, encoding="utf-8") as fh:
            data: dict[str, Any] = json.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise ModelDataError(f"{path}: {exc} (run `lpgen data refresh` again)") from exc
    return data


def authorized_actions(client: str, method: str) -> list[tuple[str, str | None]] | None:
    """Actions the reference lists for a boto3 method, or None without a refreshed cache."""
    index = _index()
    if index is None:
        return None
    entry = index["sdk"].get(f"{client}.{method}")
    if entry is None:
        return None
    return [(str(a), c) for a, c in entry]


def version() -> str | None:
    """``service reference <fetched_at>`` when a refreshed cache is in use."""
    index = _index()
    return f"service reference {index['fetched_at']}" if index else None
