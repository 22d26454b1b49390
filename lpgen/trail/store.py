"""The aggregate store: each log file's aggregate in SQLite, and a snapshot of their merge,
so that a re-run reads only the files that are new or changed."""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

from lpgen.errors import TrailError
from lpgen.trail.read import PARALLEL_BYTES, Aggregate, SourceFile, _chunks, read_files


def _read_each(files: list[SourceFile], role: str | None, since: str | None, until: str | None) -> list[tuple[str, bytes]]:
    import msgspec

    return [(f.location, msgspec.msgpack.encode(read_files([f], role, since, until).to_plain())) for f in files]


def _store_key(f: SourceFile, role: str | None, since: str | None, until: str | None) -> str:
    return "\x1f".join([f.bucket or "", f.location, str(f.size), f.stamp, role or "", since or "", until or ""])


def read_with_store(
    path: str,
    files: list[SourceFile],
    skipped: dict[str, int],
    role: str | None,
    since: str | None,
    until: str | None,
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
) -> Aggregate:
    import sqlite3

    import msgspec

    try:
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE IF NOT EXISTS files (key TEXT PRIMARY KEY, aggregate BLOB NOT NULL)")
    except sqlite3.Error as exc:
        raise TrailError(f"{path}: cannot open the aggregate store: {exc}") from exc
    agg = Aggregate()
    for reason, n in skipped.items():
        agg.skip(reason, n)
    keys = {f.location: _store_key(f, role, since, until) for f in files}
    wanted = set(keys.values())
    # NOTE: the snapshot is the merged aggregate of a set of files: when today's files are
    # yesterday's plus new ones, it is the starting point and only the new ones are read.
    base: Aggregate | None = None
    base_keys: set[str] = set()
    known: dict[str, bytes] = {}
    try:
        db.execute("CREATE TABLE IF NOT EXISTS snapshot (id INTEGER PRIMARY KEY, keys BLOB, aggregate BLOB)")
        row = db.execute("SELECT keys, aggregate FROM snapshot WHERE id = 1").fetchone()
        if row is not None:
            stored = set(msgspec.msgpack.decode(row[0]))
            if stored <= wanted:
                base_keys = stored
                base = Aggregate.from_plain(msgspec.msgpack.decode(row[1]))
        rest = [keys[f.location] for f in files if keys[f.location] not in base_keys]
        for i in range(0, len(rest), 500):
            batch = rest[i : i + 500]
            q = f"SELECT key, aggregate FROM files WHERE key IN ({','.join('?' * len(batch))})"
            known.update(db.execute(q, batch).fetchall())
    except sqlite3.DatabaseError as exc:
        raise TrailError(f"{path}: not an lpgen aggregate store: {exc}") from exc
    todo = [f for f in files if keys[f.location] not in base_keys and keys[f.location] not in known]
    fresh: dict[str, bytes] = {}
    if todo:
        jobs = jobs or os.cpu_count() or 1
        if jobs <= 1 or sum(f.size for f in todo) < PARALLEL_BYTES:
            fresh.update(_read_each(todo, role, since, until))
        else:
            import multiprocessing

            ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
            with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
                futures = [pool.submit(_read_each, part, role, since, until) for part in _chunks(todo, jobs * 8)]
                for fut in futures:
                    fresh.update(fut.result())
    total = sum(f.size for f in files)
    done = 0
    merged = Aggregate()
    if base is not None:
        merged.merge(base)
    for f in sorted(files, key=lambda f: f.location):
        done += f.size
        if keys[f.location] in base_keys:
            continue
        blob = known.get(keys[f.location]) or fresh[f.location]
        merged.merge(Aggregate.from_plain(msgspec.msgpack.decode(blob)))
        if progress:
            progress(done, total)
    with db:
        db.executemany(
            "INSERT OR REPLACE INTO files (key, aggregate) VALUES (?, ?)",
            [(keys[loc], blob) for loc, blob in sorted(fresh.items())],
        )
        if base_keys != wanted:
            db.execute(
                "INSERT OR REPLACE INTO snapshot (id, keys, aggregate) VALUES (1, ?, ?)",
                (msgspec.msgpack.encode(sorted(wanted)), msgspec.msgpack.encode(merged.to_plain())),
            )
    db.close()
    agg.merge(merged)
    agg.from_store = len(files) - len(todo)
    return agg
