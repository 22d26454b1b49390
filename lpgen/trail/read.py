"""Read CloudTrail logs into per-role aggregates: streaming, typed, on every core.

A source is a local folder as CloudTrail delivers it (``AWSLogs/<acct>/CloudTrail/<region>/
YYYY/MM/DD/*.json.gz``; plain ``.json`` too), one file, or an ``s3://bucket/prefix`` URI.
Files are split among worker processes; each worker decompresses (ISA-L), decodes only the
fields lpgen reads (msgspec) and folds records into a small aggregate keyed by
(role, event source, event name, denied, invoked by). The parent merges the aggregates and
maps each distinct event to IAM actions once.
"""

from __future__ import annotations

import itertools
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import Any

from lpgen.errors import TrailError
from lpgen.gcpause import collector_paused
from lpgen.trail import events
from lpgen.trail.records import Record, Skip, decode_file, request_parameters, resource_arns

MAX_RESOURCES = 1000
"""distinct resource ARNs kept per aggregate key; more are counted, not listed."""
MAX_PARAM_SAMPLES = 8
"""distinct requestParameters kept per key, for events whose resources are not listed."""
PARALLEL_BYTES = 16 << 20
"""below this much input, reading in one process is faster than starting workers."""

_DATE_PATH = re.compile(r"/(\d{4})/(\d{2})/(\d{2})/")
_LOG_SUFFIXES = (".json", ".json.gz", ".gz", ".jsonl", ".jsonl.gz", ".csv", ".csv.gz")
_SKIP_DIRS = {"CloudTrail-Digest": "digest file", "CloudTrail-Insight": "insights file"}


@dataclass(frozen=True)
class SourceFile:
    """One log file: a local path or an S3 object."""

    location: str
    size: int
    bucket: str | None = None
    stamp: str = ""
    """modification time (local) or ETag (S3): with the size, tells a changed file."""


Key = tuple[str, str, str, bool, str, str]
"""(role ARN, event source host, event name, denied, invoked by, region)."""


def function_name(ref: str) -> str:
    """A Lambda function's name, from its name or its (qualified) ARN."""
    return ref.split(":function:")[-1].split(":")[0]


@dataclass
class Aggregate:
    """What one worker (or the whole read) saw; merged with ``+=``."""

    uses: dict[Key, list[Any]] = field(default_factory=dict)
    """key → [count, first, last, resource ARNs, more ARNs than kept, param samples, denial message]."""
    sessions: dict[str, set[str]] = field(default_factory=dict)
    """role ARN → session names and function ARNs its credentials were issued to."""
    deployments: dict[str, str] = field(default_factory=dict)
    """function name → time of its latest code deployment."""
    data_events: dict[str, int] = field(default_factory=dict)
    """event source host → data events seen (any principal)."""
    regions: set[str] = field(default_factory=set)
    skipped: dict[str, int] = field(default_factory=dict)
    files: int = 0
    records: int = 0
    first: str = ""
    last: str = ""
    from_store: int = 0
    """files whose aggregate came from the store instead of being read again."""

    def to_plain(self) -> dict[str, Any]:
        """A msgpack-able form (for the aggregate store)."""
        return {
            "uses": [[list(k), [u[0], u[1], u[2], sorted(u[3]), u[4], list(u[5]), u[6]]] for k, u in self.uses.items()],
            "sessions": {r: sorted(n) for r, n in self.sessions.items()},
            "deployments": self.deployments,
            "data_events": self.data_events,
            "regions": sorted(self.regions),
            "skipped": self.skipped,
            "files": self.files,
            "records": self.records,
            "first": self.first,
            "last": self.last,
        }

    @classmethod
    def from_plain(cls, d: dict[str, Any]) -> Aggregate:
        agg = cls()
        for k, u in d["uses"]:
            agg.uses[tuple(k)] = [u[0], u[1], u[2], set(u[3]), u[4], list(u[5]), u[6]]  # type: ignore[index]
        agg.sessions = {r: set(n) for r, n in d["sessions"].items()}
        agg.deployments = dict(d["deployments"])
        agg.data_events = dict(d["data_events"])
        agg.regions = set(d["regions"])
        agg.skipped = dict(d["skipped"])
        agg.files, agg.records, agg.first, agg.last = d["files"], d["records"], d["first"], d["last"]
        return agg

    def skip(self, reason: str, n: int = 1) -> None:
        self.skipped[reason] = self.skipped.get(reason, 0) + n

    def add_deployment(self, function: str, time: str) -> None:
        """A code deployment of ``function`` (name or ARN) at ``time``: the latest is kept."""
        name = function_name(function)
        if time > self.deployments.get(name, ""):
            self.deployments[name] = time

    def add_use(
        self, key: Key, count: int = 0, first: str = "", last: str = "", arns: Iterable[str] = (),
        truncated: bool = False, samples: Iterable[bytes] = (), message: str | None = None,
    ) -> None:
        """Fold events of one key in: counts add, times widen, the smallest ARNs and request
        samples are kept (whatever the order things arrive in), the smallest denial message."""
        u = self.uses.get(key)
        if u is None:
            u = self.uses[key] = [0, "", "", set(), False, [], None]
        u[0] += count
        if first and (not u[1] or first < u[1]):
            u[1] = first
        if last > u[2]:
            u[2] = last
        u[3].update(arns)
        if len(u[3]) > MAX_RESOURCES:
            u[3] = set(sorted(u[3])[:MAX_RESOURCES])
            truncated = True
        u[4] = u[4] or truncated
        for raw in samples:
            _keep_sample(u[5], raw)
        if message is not None and (u[6] is None or message < u[6]):
            u[6] = message

    def merge(self, other: Aggregate) -> None:
        for key, u in other.uses.items():
            self.add_use(key, *u)
        for role, names in other.sessions.items():
            self.sessions.setdefault(role, set()).update(names)
        for fn, t in other.deployments.items():
            if t > self.deployments.get(fn, ""):
                self.deployments[fn] = t
        for src, n in other.data_events.items():
            self.data_events[src] = self.data_events.get(src, 0) + n
        self.regions |= other.regions
        for reason, n in other.skipped.items():
            self.skip(reason, n)
        self.files += other.files
        self.records += other.records
        if other.first and (not self.first or other.first < self.first):
            self.first = other.first
        self.last = max(self.last, other.last)


# ---------------------------------------------------------------------------------------
# listing


def list_source(source: str, since: str | None = None, until: str | None = None) -> tuple[list[SourceFile], dict[str, int]]:
    """The log files of a source, in a stable order, and counts of files skipped by name."""
    skipped: dict[str, int] = {}
    if source.startswith("s3://"):
        files = _list_s3(source, skipped)
    elif os.path.isfile(source):
        st = os.stat(source)
        files = [SourceFile(source, st.st_size, None, str(st.st_mtime_ns))]
    elif os.path.isdir(source):
        files = _list_local(source, skipped)
    else:
        raise TrailError(f"{source}: no such file or folder")
    kept = [f for f in files if _in_window(f.location, since, until)]
    if len(kept) < len(files):
        skipped["outside --since/--until (by path date)"] = len(files) - len(kept)
    return kept, skipped


def _list_local(root: str, skipped: dict[str, int]) -> list[SourceFile]:
    out: list[SourceFile] = []
    for folder, dirs, names in os.walk(root, followlinks=False):
        for d in list(dirs):
            if d in _SKIP_DIRS:
                n = sum(len(fs) for _, _, fs in os.walk(os.path.join(folder, d)))
                skipped[_SKIP_DIRS[d]] = skipped.get(_SKIP_DIRS[d], 0) + n
                dirs.remove(d)
        dirs.sort()
        for name in sorted(names):
            path = os.path.join(folder, name)
            if not name.endswith(_LOG_SUFFIXES) or name.startswith("."):
                skipped["not a log file name"] = skipped.get("not a log file name", 0) + 1
                continue
            try:
                st = os.stat(path)
            except OSError:
                skipped["unreadable file"] = skipped.get("unreadable file", 0) + 1
                continue
            out.append(SourceFile(path, st.st_size, None, str(st.st_mtime_ns)))
    return out


def _s3_client() -> Any:
    import boto3

    return boto3.client("s3")


def _list_s3(uri: str, skipped: dict[str, int]) -> list[SourceFile]:
    bucket, _, prefix = uri[5:].partition("/")
    if not bucket:
        raise TrailError(f"{uri}: expected s3://BUCKET/PREFIX")
    try:
        pages = _s3_client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
        out: list[SourceFile] = []
        for page in pages:
            for obj in page.get("Contents") or ():
                key = obj["Key"]
                if any(f"/{d}/" in f"/{key}" for d in _SKIP_DIRS):
                    reason = next(r for d, r in _SKIP_DIRS.items() if f"/{d}/" in f"/{key}")
                    skipped[reason] = skipped.get(reason, 0) + 1
                    continue
                if not key.endswith(_LOG_SUFFIXES):
                    skipped["not a log file name"] = skipped.get("not a log file name", 0) + 1
                    continue
                out.append(SourceFile(key, int(obj.get("Size", 0)), bucket, str(obj.get("ETag", ""))))
    except Exception as exc:  # botocore's errors have no common base worth importing
        if isinstance(exc, TrailError):
            raise
        raise TrailError(f"{uri}: cannot list: {exc}") from exc
    return sorted(out, key=lambda f: f.location)


def _in_window(path: str, since: str | None, until: str | None) -> bool:
    if not since and not until:
        return True
    m = _DATE_PATH.search(path.replace(os.sep, "/"))
    if not m:
        return True
    day = "-".join(m.groups())
    if since and day < since[:10]:
        return False
    return not (until and day > until[:10])


# ---------------------------------------------------------------------------------------
# reading


def _read_bytes(f: SourceFile) -> bytes:
    if f.bucket is not None:
        body: bytes = _s3_client().get_object(Bucket=f.bucket, Key=f.location)["Body"].read()
        data = body
    else:
        with open(f.location, "rb") as fh:
            data = fh.read()
    if data[:2] == b"\x1f\x8b":
        from isal import igzip

        data = igzip.decompress(data)
    return data


Group = list[Any]
"""[count, first, last, raw resource lists not yet decoded, requestParameters of records
without resources, denial message, ARNs were trimmed, one userIdentity, resource ARNs]."""


_KEY = attrgetter(
    "userIdentity.arn", "userIdentity.invokedBy", "userIdentity.type",
    "eventSource", "eventName", "errorCode", "awsRegion", "eventCategory", "managementEvent",
)
_UI = attrgetter("userIdentity")


def _key_slow(rec: Record) -> tuple[Any, ...]:
    ui = rec.userIdentity
    return (
        ui.arn if ui else None, ui.invokedBy if ui else None, ui.type if ui else None,
        rec.eventSource, rec.eventName, rec.errorCode, rec.awsRegion, rec.eventCategory, rec.managementEvent,
    )
_TIME = attrgetter("eventTime")
_RES = attrgetter("resources")
_PARAMS = attrgetter("requestParameters")
_NULL = b"null"


class _Groups:
    """Records bucketed by (identity, event): the hot loop of the reader.

    Per-record work is done by C builtins (attrgetter, map, Counter, dict(zip)); each
    record's key is hashed once, to a small int; Python loops run once per distinct key
    and per distinct resource list.
    """

    def __init__(self) -> None:
        self.ids: dict[tuple[Any, ...], int] = {}
        self.next_id = 0
        self.groups: dict[int, Group] = {}
        self.deploys: list[Record] = []
        self.deploy_ids: set[int] = set()

    def add(self, records: list[Record]) -> Iterable[int]:
        n = len(records)
        if not n:
            return ()
        try:
            keys = list(map(_KEY, records))
        except AttributeError:  # a record without userIdentity
            keys = [_key_slow(r) for r in records]
        base = self.next_id
        ids = list(map(self.ids.setdefault, keys, itertools.count(base)))
        self.next_id = base + n
        times = list(map(_TIME, records))
        if None in times:
            times = [t or "" for t in times]
        counts = Counter(ids)
        groups = self.groups
        lo, hi = min(filter(None, times), default=""), max(times)
        if (lo and not lo[:1].isdigit()) or (hi and not hi[:1].isdigit()):
            # NOTE: an eventTime that is no timestamp ("redacted", "...") is not known: it
            # would sort before or after every real one and become the first or last seen.
            times = [t if t[:1].isdigit() else "" for t in times]
            hi = max(times)
        lo = min(times)
        # NOTE: once a group's first/last seen span this file's time range, the file cannot
        # move them: only new groups, or a file outside the span, need per-group times.
        exact = [i for i in counts if (g := groups.get(i)) is None or not g[1] or lo < g[1] or hi > g[2]]
        firsts: dict[int, str] = {}
        lasts: dict[int, str] = {}
        if exact:
            if n > 1:
                order = sorted(range(n), key=times.__getitem__)
                ks = itemgetter(*order)(ids)
                ts = itemgetter(*order)(times)
                lasts = dict(zip(ks, ts))
                firsts = dict(zip(reversed(ks), reversed(ts)))
            else:
                lasts = firsts = {ids[0]: times[0]}
        where: dict[int, int] | None = None
        for i, c in counts.items():
            g = groups.get(i)
            if g is None:
                if where is None:
                    where = dict(zip(reversed(ids), range(n - 1, -1, -1)))
                rec = records[where[i]]
                groups[i] = [c, firsts[i], lasts[i], set(), set(), None, False, rec.userIdentity, set()]
                if rec.eventSource and rec.eventName and events.is_deployment(rec.eventSource, rec.eventName):
                    self.deploy_ids.add(i)
                continue
            g[0] += c
            if i in firsts:
                if firsts[i] < g[1] or not g[1]:
                    g[1] = firsts[i]
                if lasts[i] > g[2]:
                    g[2] = lasts[i]
        raws = list(map(bytes, map(_RES, records)))
        for i, raw in set(zip(ids, raws)):
            if raw != _NULL:
                groups[i][3].add(raw)
        if _NULL in raws:
            bare = [k for k, raw in enumerate(raws) if raw == _NULL]
            for i, params in {(ids[k], bytes(records[k].requestParameters)) for k in bare}:
                if params != _NULL:
                    groups[i][4].add(params)
        if any(map(_ERROR, records)):
            for i, rec in zip(ids, records):
                if rec.errorCode and rec.errorMessage:
                    g = groups[i]
                    if g[5] is None or rec.errorMessage < g[5]:
                        g[5] = rec.errorMessage
        if self.deploy_ids and not self.deploy_ids.isdisjoint(counts):
            self.deploys.extend(r for i, r in zip(ids, records) if i in self.deploy_ids)
        return counts

    def by_key(self) -> dict[tuple[Any, ...], Group]:
        return {k: self.groups[i] for k, i in self.ids.items() if i in self.groups}


_ERROR = attrgetter("errorCode")


def _trim(groups: dict[int, Group], touched: Iterable[int] | None = None, limit: int = 2 * MAX_RESOURCES) -> None:
    """Bound memory: decode pending resource lists and keep the smallest ARNs of each group.

    The smallest ARNs of a union are the smallest of its parts' smallest, so which ones are
    kept does not depend on file order or on the number of workers.
    """
    for i in groups if touched is None else touched:
        g = groups[i]
        if len(g[3]) > limit:
            arns: set[str] = g[8]
            for raw in g[3]:
                arns.update(resource_arns(raw))
            g[3] = set()
            if len(arns) > MAX_RESOURCES:
                g[8] = set(sorted(arns)[:MAX_RESOURCES])
                g[6] = True
        if len(g[4]) > max(limit, MAX_PARAM_SAMPLES):
            g[4] = set(sorted(g[4])[:MAX_PARAM_SAMPLES])


def _fold(agg: Aggregate, groups: dict[tuple[Any, ...], Group], deploys: list[Record], role: str | None) -> None:
    """Turn grouped records into the aggregate: roles, data events, deployments, skips."""
    for rec in deploys:
        if rec.errorCode:
            continue
        fn = request_parameters(rec).get("functionName")
        if isinstance(fn, str) and fn:
            agg.add_deployment(fn, rec.eventTime or "")
    for key in sorted(groups, key=_sort_key):
        g = groups[key]
        _, _, _, src, name, code, region, category, management = key
        ui = g[7]
        count = g[0]
        if not src or not name:
            agg.skip("record without eventSource or eventName", count)
            continue
        agg.records += count
        if g[1] and (not agg.first or g[1] < agg.first):
            agg.first = g[1]
        agg.last = max(agg.last, g[2])
        if region:
            agg.regions.add(region)
        h = src[:-14] if src.endswith(".amazonaws.com") else src
        if category == "Data" or management is False:
            agg.data_events[h] = agg.data_events.get(h, 0) + count
        ident = _identity(ui)
        if ident is None:
            agg.skip("not a role session", count)
            continue
        role_arn, session, invoked_by = ident
        if role is not None and role_arn != role:
            continue
        names = agg.sessions.setdefault(role_arn, set())
        if session:
            names.add(session)
        if ui.inScopeOf is not None and ui.inScopeOf.credentialsIssuedTo:
            names.add(ui.inScopeOf.credentialsIssuedTo)
        denied = events.is_denied(code)
        agg.add_use(
            (role_arn, h, name, denied, invoked_by, region or ""), count, g[1], g[2], g[8], g[6], g[4],
            g[5] if denied else None,
        )


def _sort_key(key: tuple[Any, ...]) -> tuple[str, ...]:
    return tuple("" if v is None else str(v) for v in key)


def _identity(ui: Any) -> tuple[str, str, str] | None:
    """(role ARN, session name, invoked by) of an AssumedRole identity; None for others."""
    if ui is None or ui.type != "AssumedRole" or ui.sessionContext is None:
        return None
    issuer = ui.sessionContext.sessionIssuer
    if issuer is None or not issuer.arn:
        return None
    session = ui.arn.rsplit("/", 1)[-1] if ui.arn and "assumed-role/" in ui.arn else ""
    return issuer.arn, session, ui.invokedBy or ""


def _keep_sample(samples: list[bytes], raw: bytes) -> None:
    if raw in samples:
        return
    if len(samples) < MAX_PARAM_SAMPLES:
        samples.append(raw)
        return
    top = max(samples)
    if raw < top:
        samples[samples.index(top)] = raw


def read_files(files: list[SourceFile], role: str | None = None, since: str | None = None, until: str | None = None) -> Aggregate:
    """Fold a list of files into one aggregate (the unit of work of one worker)."""
    agg = Aggregate()
    grouped = _Groups()
    # NOTE: collecting while millions of small decoded records come and go only costs time.
    with collector_paused():
        for f in files:
            try:
                data = _read_bytes(f)
            except Exception:  # OSError, corrupt gzip streams, S3 errors
                agg.skip("unreadable or truncated file")
                continue
            try:
                records, skipped = decode_file(data)
            except Skip as s:
                agg.skip(s.reason)
                continue
            agg.files += 1
            for reason, n in skipped.items():
                agg.skip(reason, n)
            if since or until:
                kept = [r for r in records if not r.eventTime or ((not since or r.eventTime >= since) and (not until or r.eventTime <= until))]
                if len(kept) < len(records):
                    agg.skip("outside --since/--until", len(records) - len(kept))
                records = kept
            touched = grouped.add(records)
            if touched:
                _trim(grouped.groups, touched)
    _trim(grouped.groups, limit=-1)
    _fold(agg, grouped.by_key(), grouped.deploys, role)
    return agg


def _chunks(files: list[SourceFile], n: int) -> list[list[SourceFile]]:
    """Split files into about ``n`` lists of similar total size, keeping them deterministic."""
    bins: list[list[SourceFile]] = [[] for _ in range(n)]
    sizes = [0] * n
    for f in sorted(files, key=lambda f: (-f.size, f.location)):
        i = sizes.index(min(sizes))
        bins[i].append(f)
        sizes[i] += f.size
    return [b for b in bins if b]


def read_source(
    source: str,
    *,
    role: str | None = None,
    since: str | None = None,
    until: str | None = None,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    warm: Callable[[str, str], Any] | None = None,
    store: str | None = None,
) -> Aggregate:
    """Read a whole source into one aggregate, on ``jobs`` processes (default: every core).

    ``warm(source, event_name)`` is called in the parent for each new event while workers
    are still reading. With ``store`` (a SQLite file), each file's aggregate is kept there and
    a re-run reads only the files that are new or changed.
    """
    files, skipped = list_source(source, since, until)
    if store is not None:
        from lpgen.trail.store import read_with_store

        return read_with_store(store, files, skipped, role, since, until, jobs, progress)
    total = sum(f.size for f in files)
    jobs = jobs or os.cpu_count() or 1
    agg = Aggregate()
    for reason, n in skipped.items():
        agg.skip(reason, n)
    if jobs <= 1 or total < PARALLEL_BYTES or len(files) < 2:
        parts = [files[i : i + 64] for i in range(0, len(files), 64)]
        _gather(agg, parts, (read_files(p, role, since, until) for p in parts), total, progress, None)
        return agg
    import multiprocessing

    # NOTE: each task costs a fold and a merge: two per worker keep both cores busy to the
    # end; with a progress bar to move, smaller tasks.
    parts = _chunks(files, jobs * (8 if progress else 2))
    ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        futures = [pool.submit(read_files, p, role, since, until) for p in parts]
        # NOTE: the parent is idle while workers read: it loads the catalogue entries the
        # events will need now rather than after the last worker ends.
        _gather(agg, parts, (f.result() for f in futures), total, progress, warm)
    return agg


def _gather(
    agg: Aggregate, parts: list[list[SourceFile]], results: Iterable[Aggregate], total: int,
    progress: Callable[[int, int], None] | None, warm: Callable[[str, str], Any] | None,
) -> None:
    """Merge each part's aggregate in order, moving the progress bar and warming the
    mapping of each event seen for the first time."""
    done = 0
    warmed: set[tuple[str, str]] = set()
    for part, result in zip(parts, results):
        agg.merge(result)
        if warm is not None:
            for key in result.uses:
                if (key[1], key[2]) not in warmed:
                    warmed.add((key[1], key[2]))
                    warm(key[1], key[2])
        done += sum(f.size for f in part)
        if progress:
            progress(done, total)
