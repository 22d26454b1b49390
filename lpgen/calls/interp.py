"""The analyser: an abstract interpreter over the handler's source that collects AWS calls.

It starts at the entry function, follows calls into functions, methods, classes, lambdas
and other modules of the project, and evaluates every branch. Values are small sets of
alternatives (``values.py``). Module globals set from functions (lazy clients) and instance
attributes are kept in a heap shared by all paths, and the entry is run until that heap
stops growing. The code is only parsed, never imported or run.
"""

from __future__ import annotations

import ast
import os
import posixpath
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path
from typing import Any

from lpgen.calls import aws, datafiles
from lpgen.calls.boto import path_below, spec_value
from lpgen.calls.builtins import (
    DATA_LOADERS,
    OPERATOR_FUNCTIONS,
    PATH_ATTRIBUTES,
    PATH_FUNCTIONS,
    SPLITTERS,
    URL_PARSERS,
    BuiltinCalls,
    known_int,
    path_function,
    url_host,
)
from lpgen.calls.formatting import combinations, formatted, percent, squash
from lpgen.calls.model import MAYBE_ABSENT, OWN_PLACE, ApiCall, Location, UnresolvedCall
from lpgen.calls.values import (
    TOO_MANY,
    UNKNOWN_VALS,
    Boto3,
    Bound,
    Builtin,
    Class,
    Client,
    Collection,
    Const,
    DictV,
    Func,
    Helper,
    Instance,
    LibMethod,
    LibObject,
    Module,
    Resource,
    Response,
    SeqV,
    Session,
    Str,
    Unknown,
    V,
    Vals,
    cover,
    given_boto,
    join,
    pattern_matcher,
    strings,
    vals,
)
from lpgen.permissions import service_models
from lpgen.source.discover import Project
from lpgen.source.package import shown_folder
from lpgen.source.parse import ParsedModule, parse_file, parse_text

SDK_MODULES = ("boto3", "aioboto3")
"""modules whose clients, resources and sessions are boto3's (aioboto3's are awaited)."""
SESSION_FACTORIES = {
    "aiobotocore.session.get_session", "aiobotocore.session.AioSession",
    "botocore.session.get_session", "botocore.session.Session",
}
"""botocore's and aiobotocore's sessions, whose ``create_client`` makes a client."""

MAX_DEPTH = 14
MAX_PASSES = 4
MAX_REPEAT = 64
"""``text * n`` for a larger ``n`` is not followed (the text is unknown)."""


@dataclass
class ModuleState:
    """A project module being or having been executed."""

    name: str
    parsed: ParsedModule
    env: dict[str, Vals] = field(default_factory=dict)
    done: bool = False
    display: str = ""
    """the file's path as evidence shows it (relative to the working directory)."""


class Frame:
    """Locals of one function activation (or a module or class body).

    A plain class: one is made for every call the analysis follows, and a dataclass's
    default factories cost more than the rest of its set-up."""

    __slots__ = ("module", "locals", "func", "closure", "globals_decl", "nonlocals_decl", "returns", "yields", "is_module",
                 "changed", "doubt", "site")

    def __init__(
        self, module: ModuleState, locals: dict[str, Vals], func: Func | None = None,
        closure: Frame | None = None, is_module: bool = False,
    ) -> None:
        self.module = module
        self.locals = locals
        self.func = func
        self.closure = closure
        self.globals_decl: frozenset[str] = _NO_NAMES
        """names a ``global`` statement declared (replaced, never changed in place)."""
        self.nonlocals_decl: frozenset[str] = _NO_NAMES
        """names a ``nonlocal`` statement declared: the enclosing function's variables."""
        self.returns: list[Vals] = []
        self.yields: list[Vals] = []
        self.is_module = is_module
        self.changed: set[str] | None = None
        """local dicts and lists changed in place (``d[k] = v``, ``items.append(x)``)."""
        self.doubt: dict[str, int] | None = _NO_DOUBT
        """parameters whose argument a test may not trust, with how far (see ``_doubt``);
        replaced, never changed in place. None until asked for (``Analyzer._frame_doubt``)."""
        self.site: tuple[ast.Call, list[Vals], V | None, Frame] | None = None
        """the call that made this activation (its node, arguments, bound self, caller frame)."""


class _ComprehensionFrame(Frame):
    """The variables of a comprehension; its closure is the frame the comprehension is in."""

    __slots__ = ("comprehension",)

    def __init__(self, outer: Frame, node: ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp) -> None:
        super().__init__(outer.module, {}, outer.func, outer)
        self.comprehension = node


_NO_NAMES: frozenset[str] = frozenset()
_NO_SECONDS: set[Any] = set()
_NO_DOUBT: dict[str, int] = {}
DOUBT_ENV = 1
DOUBT_OBJECT = 2


class _SyntaxFacts:
    """What the analyser works out once per syntax node. One attribute of the analyser for
    all of them: CPython's fast attribute access holds for objects of up to 30 attributes,
    and the analyser reads its own on every step."""

    __slots__ = (
        "records", "nonlocals", "if_tests", "assigned", "assignments", "imports", "guards", "params", "handed",
        "library_bases", "routes", "own_functions", "foreign_bases", "bags", "rebinds", "setters",
    )

    def __init__(self) -> None:
        self.records: dict[int, bool] = {}
        """per class node: is it a dataclass or NamedTuple (fields, no ``__init__``)?"""
        self.nonlocals: dict[int, frozenset[str]] = {}
        """per function node: the names its nested functions declare ``nonlocal``."""
        self.rebinds: dict[int, bool] = {}
        """per function node: does it declare ``nonlocal`` names (rebind its enclosing
        function's variables), or close over a variable a nested function was seen to
        change in place? Such a function's calls are not remembered (``invoke``)."""
        self.if_tests: dict[int, tuple[Any, Any, Any]] = {}
        """per ``if`` node: what its test is (``__main__`` guard, value guard, affix guard)."""
        self.assigned: dict[tuple[int, str], tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}
        """per (scope node, name), or (expression node, ""): what ``_facts`` tells of the
        values the scope assigns the name, or of the expression."""
        self.assignments: dict[int, dict[str, list[ast.expr]]] = {}
        """per scope node: the values it assigns to each name."""
        self.imports: dict[int, frozenset[str]] = {}
        """per module tree: the names its imports bind."""
        self.params: dict[int, frozenset[str]] = {}
        """per function node: its parameters' names."""
        self.handed: dict[tuple[int, int], ast.Call] = {}
        """per (call node, position): ``Analyzer._handed_call``."""
        self.guards: dict[int, tuple[Any, Any, Any] | None] = {}
        """per test expression (a part of ``and``/``or``, a conditional expression's test):
        ``_value_guard`` of it."""
        self.library_bases: dict[int, str | None] = {}
        """per class node: the modelled library class it names as a base (a PynamoDB
        ``Model``), or None."""
        self.routes: set[int] = set()
        """function nodes a library calls (routes its decorators registered): their
        parameters come from the request, or from the dependencies they declare."""
        self.own_functions: set[int] = set()
        """those of ``routes`` a decorator made Lambda functions of their own (Chalice's event
        handlers): no other entry runs them."""
        self.foreign_bases: dict[int, tuple[str, ...]] = {}
        """per class node: its bases from outside the project (a library's or the standard
        library's), by dotted name."""
        self.bags: dict[int, ast.ClassDef] = {}
        """per call node of ``threading.local()`` or ``types.SimpleNamespace()``: the class
        statement that stands for the objects it makes (their attributes live in the heap
        as an instance's do)."""
        self.setters: set[str] = set()
        """the names of the properties that have a setter in any class (``@name.setter``)."""


class _Key:
    """A memo key that hashes its (deep) contents once, not on every dict operation."""

    __slots__ = ("parts", "hashed")

    def __init__(self, parts: tuple[Any, ...]) -> None:
        self.parts = parts
        self.hashed = hash(parts)

    def __hash__(self) -> int:
        return self.hashed

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Key) and self.hashed == other.hashed and self.parts == other.parts


class _Environment:
    """What the analysed code does with its process's environment: its variables, the
    session boto3 makes clients from, and the SSM parameters its deployment makes."""

    __slots__ = ("assumed", "default_sessions", "parameters", "written")

    def __init__(self) -> None:
        self.assumed: set[str] = set()
        """variables with no value here that the code read with a default."""
        self.written: _Store = _Store()
        """per variable, the values the code sets (``os.environ["X"] = v``,
        ``os.environ.setdefault("X", v)``): what the deployed function reads may be these."""
        self.default_sessions: tuple[Session, ...] = ()
        """the sessions ``boto3.setup_default_session`` made in this pass, which
        ``boto3.client`` and ``boto3.resource`` use from then on (none: boto3's own)."""
        self.parameters: Mapping[str, str] = {}
        """SSM parameter name → value, for the parameters the function's template makes:
        what the code reads of them (``ssm.get_parameter(Name=…)``) is their value."""


class _ByDoubt:
    """A memo entry of a function whose run asked how far its parameters may be trusted
    (``Analyzer._frame_doubt``): its results by that answer."""

    __slots__ = ("results",)

    def __init__(self) -> None:
        self.results: dict[tuple[tuple[str, int], ...], Vals] = {}


class _Return(Exception):
    pass


class _Store(dict):  # type: ignore[type-arg]
    """Values written during a pass (instance attributes, module globals set from functions).

    It remembers which keys were read, so a pass whose writes never changed a value it had
    already read is a fixpoint: no second pass is needed to see the writes.
    """

    def __init__(self) -> None:
        super().__init__()
        self.read: set[Any] = set()
        self.read_all = False
        self.stale = False
        self.holding: dict[int, dict[Any, None]] = {}
        """per dict or list added (by ``id``): the keys it was added under."""
        self.under: dict[Any, set[Any]] = {}
        """per first part of the two-part keys (a class's node, by ``id``): their second
        parts (the attribute names stored for it)."""

    def copy_from(self, other: _Store) -> None:
        """Hold what ``other`` holds (a successor's start)."""
        self.update(other)
        self.holding = other.holding
        self.under = {first: set(seconds) for first, seconds in other.under.items()}

    def seconds_under(self, first: Any) -> set[Any]:
        """The second parts of the keys ``(first, …)`` held, read as a whole: any later
        write may be one of them."""
        self.read_all = True
        return self.under.get(first, _NO_SECONDS)

    def start_pass(self) -> None:
        self.read = set()
        self.read_all = False
        self.stale = False

    def get(self, key: Any, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)

    def items(self) -> Any:
        self.read_all = True
        return super().items()

    def add(self, key: Any, value: Vals) -> None:
        old = super().get(key, ())
        new = join(old, value)
        if new != old:
            if self.read_all or key in self.read:
                self.stale = True
            super().__setitem__(key, new)
            if not old and type(key) is tuple and len(key) == 2:
                self.under.setdefault(key[0], set()).add(key[1])
        fresh: dict[V, V] = {v: v for v in value if isinstance(v, (DictV, SeqV))}
        if fresh:
            if any(fresh.get(v, v) is not v for v in new):
                # NOTE: of equal dicts and lists the newest objects are kept: a change in place
                # finds the other holders of what it changes by identity (Analyzer._share_change).
                super().__setitem__(key, tuple(fresh.get(v, v) for v in new))
            for v in fresh:
                self.holding.setdefault(id(v), {})[key] = None

    def holders(self, value: V) -> list[Any]:
        """The keys holding this very object (a dict or list)."""
        return [k for k in self.holding.get(id(value), ()) if _holds_object(dict.get(self, k, ()), value)]


class Analyzer(BuiltinCalls):
    """Collect the AWS calls reachable from an entry point of a project."""

    def __init__(
        self,
        project: Project,
        env: dict[str, str] | None = None,
        scope: dict[str, str | None] | None = None,
        event: Vals | None = None,
        parameters: Mapping[str, str] | None = None,
    ) -> None:
        self.project = project
        self.event: Vals = event or (Unknown("the invocation event"),)
        """what the entry is called with (an S3 notification, when the template tells)."""
        self.env = dict(env or {})
        self.scope = dict(scope or {})
        self.context: V = self._lambda_context()
        self.module_paths = project.module_map()
        _WORKING_FOLDER[0] = os.getcwd()
        self.parsed: dict[str, ParsedModule] = {}
        self.heap: _Store = _Store()
        self.global_writes: _Store = _Store()
        self.class_envs: dict[int, dict[str, Vals]] = {}
        self.class_bases: dict[int, list[Class]] = {}
        self._mros: dict[int, list[Class]] = {}
        """each class's bases in lookup order, until a class statement runs again."""
        self._syntax = _SyntaxFacts()
        self.environment = _Environment()
        self.environment.parameters = dict(parameters or {})
        self.env_complete = False
        """the environment is the function's whole environment (from its template): a
        variable not in it is not set, so its default is what the code gets."""
        self.wrappers: dict[int, list[Func]] = {}
        self.calls: list[ApiCall] = []
        self.unresolved: list[UnresolvedCall] = []
        self.env_missing: dict[str, Location] = {}
        self.env_defaulted: dict[str, Location] = {}
        self.skipped: dict[str, str] = {}
        self.visited: set[int] = set()
        self._reset_pass()

    # -- passes --------------------------------------------------------------------------

    def _reset_pass(self) -> None:
        self.modules: dict[str, ModuleState] = {}
        self.memo: dict[Any, Vals | _ByDoubt] = {}
        self.changed_args: dict[Any, tuple[tuple[str, Vals], ...]] = {}
        """per memo key: the parameters (dicts, lists) the call changed in place."""
        self.stack: list[int] = []
        self.reentered: set[int] = set()
        """functions a call entered again while they ran (recursion): later calls of them
        trust no test of a parameter."""
        self.trusted = 0
        """how many times a test's values ruled a branch out (or a function remembered
        asking whether to trust its parameters was called again): a recursive function
        whose run trusted no value runs once."""
        self.calls = []
        self.unresolved = []
        self.env_missing = {}
        self.env_defaulted = {}
        self.environment.default_sessions = ()

    def run(self, entries: Iterable[tuple[str, str | None]]) -> int:
        """Analyse each (module, function or None for the module body) until stable; the
        number of passes it took. ``entries`` may be an iterator (one that parses each
        module as it names it): the first pass takes them as they come, later passes the
        same again."""
        taken: list[tuple[str, str | None]] = []
        passes = 0
        ended: list[tuple[dict[Any, Vals], dict[Any, Vals]]] = []
        while passes < MAX_PASSES:
            if passes == MAX_PASSES - 1 and len(ended) >= 2:
                # NOTE: the last pass runs on values that cover what later passes would add:
                # each value that every pass so far changed.
                _widen_store(self.heap, ended[-2][0], ended[-1][0])
                _widen_store(self.global_writes, ended[-2][1], ended[-1][1])
            ended.append((dict(self.heap), dict(self.global_writes)))
            passes += 1
            self.heap.start_pass()
            self.global_writes.start_pass()
            self.environment.written.start_pass()
            self._reset_pass()
            self.visited = set()
            for module, function in entries if passes == 1 else taken:
                if passes == 1:
                    taken.append((module, function))
                self._run_entry(module, function)
            if not (self.heap.stale or self.global_writes.stale or self.environment.written.stale):
                break
        return passes

    def successor(self) -> Analyzer:
        """A new analyser that starts where this one's last pass ended: its heap, module
        bodies, classes and invocations are final, so running what the entries did not
        reach need not run every module again. (A call made in a reused invocation was
        reached, so it is no unreachable call anyway.)"""
        side = Analyzer(self.project, self.env, self.scope, parameters=self.environment.parameters)
        side.env_complete = self.env_complete
        side.heap.copy_from(self.heap)
        side.global_writes.update(self.global_writes)
        side.environment.written.update(self.environment.written)
        side.parsed = self.parsed
        side.modules = dict(self.modules)
        side.class_envs = self.class_envs
        side.class_bases = self.class_bases
        side._syntax.foreign_bases = self._syntax.foreign_bases
        side._syntax.bags = self._syntax.bags
        side.wrappers = self.wrappers
        side.memo = dict(self.memo)
        side.changed_args = dict(self.changed_args)
        side.environment.default_sessions = self.environment.default_sessions
        return side

    def calls_of(self, run: Any, *args: Any) -> list[ApiCall]:
        """The calls ``run(*args)`` records."""
        before = len(self.calls)
        run(*args)
        return self.calls[before:]

    def run_alone(self, module: str, qual: str) -> None:
        """Run one function or method (``Class.method``) of ``module`` on its own, with
        arguments that are not known."""
        if "." not in qual:
            self._run_entry(module, qual)
            return
        cls, method = qual.split(".", 1)
        state = self.load_module(module)
        for c in state.env.get(cls, ()) if state is not None else ():
            if isinstance(c, Class):
                for m in self.instance_attr(Instance(c), method, None) or ():
                    self.call_value(m, [(Unknown(),)] * 4, {}, None, None)

    def run_main_blocks(self, module: str) -> None:
        """Run the module's ``if __name__ == "__main__":`` code, which the Lambda runtime
        never runs (so the analysis proper skips it), to report what it would call."""
        parsed = self.parse(module)
        if parsed is None or parsed.tree is None:
            return
        blocks = [
            s.body if main else s.orelse
            for s in parsed.tree.body if isinstance(s, ast.If) and (main := _main_guard(s.test)) is not None
        ]
        state = self.load_module(module) if blocks else None
        if state is None:
            return
        for block in blocks:
            try:
                self.exec_block(block, Frame(state, dict(state.env), is_module=True))
            except _Return:
                pass

    def is_route(self, node: ast.AST) -> bool:
        """Did a decorator hand this function to an object of a library, which calls it
        (``@app.get("/items")``)? Such a route runs with what the request holds."""
        return id(node) in self._syntax.routes

    def is_own_function(self, node: object) -> bool:
        """Did a decorator make this function a Lambda function of its own (Chalice's
        ``@app.on_sqs_message``), which no other handler of its app calls?"""
        return id(node) in self._syntax.own_functions

    def _run_entry(self, module: str, function: str | None) -> None:
        state = self.load_module(module)
        if state is None or function is None:
            return
        target = state.env.get(function)
        if not target:
            return
        for f in target:
            args: list[Vals] = [self.event, (self.context,)]
            kwargs: dict[str, Vals] = {}
            if isinstance(f, Func) and id(f.node) in self._syntax.routes and not isinstance(f.node, ast.Lambda):
                args, kwargs = [], self._route_arguments(f, state)
            self.call_value(f, args, kwargs, None, Frame(state, {}, is_module=True))

    def _route_arguments(self, f: Func, state: ModuleState) -> dict[str, Vals]:
        """What a library passes a route, by parameter: for each one without a default,
        what a dependency its annotation declares gives (FastAPI's ``Annotated[Table,
        Depends(get_table)]``), else the request's data (the event, then the context, for
        ``def on_message(event, context)``); a parameter with a default takes it."""
        a = f.node.args
        positional = [*a.posonlyargs, *a.args]
        required = [*positional[: len(positional) - len(a.defaults)], *(p for p, d in zip(a.kwonlyargs, a.kw_defaults) if d is None)]
        defining = Frame(state, {}, is_module=True)
        event = self._route_event(f, defining) or self.event
        out: dict[str, Vals] = {}
        for i, p in enumerate(required):
            injected = self._annotated_dependency(p.annotation, defining)
            out[p.arg] = injected if injected is not None else (self.context,) if i == 1 else event
        return out

    def _route_event(self, f: Func, frame: Frame) -> Vals | None:
        """The event a library hands a function its decorator registered, when the decorator
        says what it holds (Chalice's ``@app.on_s3_event(bucket=…, prefix=…)``: an object
        whose ``bucket`` and ``key`` are those of the notification); None otherwise."""
        for dec in getattr(f.node, "decorator_list", ()):
            if not (isinstance(dec, ast.Call) and isinstance(dec.func, ast.Attribute)):
                continue
            for owner in self.ev(dec.func.value, frame):
                spec = aws.route_event(owner.name, dec.func.attr) if isinstance(owner, LibObject) else None
                if spec is None:
                    continue
                args = [self.ev(x, frame) for x in dec.args]
                kwargs = {k.arg: self.ev(k.value, frame) for k in dec.keywords if k.arg}
                attrs = tuple((name, _route_attr(parts, args, kwargs)) for name, parts in sorted((spec.get("attrs") or {}).items()))
                return (LibObject(str(spec["object"]), (), attrs),)
        return None

    def _annotated_dependency(self, annotation: ast.expr | None, frame: Frame) -> Vals | None:
        """What ``Annotated[T, Depends(dep)]`` injects, or None for any other annotation."""
        if isinstance(annotation, ast.Subscript) and isinstance(annotation.slice, ast.Tuple):
            for meta in annotation.slice.elts[1:]:
                injected = self._dependency(meta, annotation.slice.elts[0], frame)
                if injected is not None:
                    return injected
        return None

    def _dependency(self, expr: ast.expr | None, annotation: ast.expr | None, frame: Frame) -> Vals | None:
        """FastAPI's ``Depends(dep)`` or ``Security(dep)``: what the framework passes for
        it, the result of calling ``dep`` (what it yields, for a generator; the annotated
        class, for ``Depends()``); None for any other expression."""
        if not (isinstance(expr, ast.Call) and isinstance(expr.func, (ast.Name, ast.Attribute))):
            return None
        name = expr.func.id if isinstance(expr.func, ast.Name) else expr.func.attr
        if name not in ("Depends", "Security") or not any(
            isinstance(v, Module) and not v.project and v.name.startswith("fastapi.") for v in self.ev(expr.func, frame)
        ):
            return None
        dep = expr.args[0] if expr.args else next((k.value for k in expr.keywords if k.arg == "dependency"), annotation)
        if dep is None:
            return UNKNOWN_VALS
        callee = self.ev(dep, frame)
        result = self.call_values(callee, [], {}, expr, frame)
        if any(isinstance(c, Func) and not isinstance(c.node, ast.Lambda) and _is_generator(c.node) for c in callee):
            # NOTE: a dependency that yields (a session closed after the request) injects
            # what it yields.
            return self.iterate(result, frame, expr)
        return result

    def own_region(self) -> str:
        """The function's Region: the scope's, its AWS_REGION, else the ``OWN_PLACE`` one."""
        return self.scope.get("region") or self.env.get("AWS_REGION") or OWN_PLACE["Region"]

    def _lambda_context(self) -> V:
        """The handler's context object: its function name and ARN as far as the
        environment and the scope tell (``context.invoked_function_arn.split(":")[4]`` is
        the account)."""
        name = self.env.get("AWS_LAMBDA_FUNCTION_NAME")
        region = self.own_region()
        parts = (self.scope.get("partition") or OWN_PLACE["Partition"], region,
                 self.scope.get("account") or OWN_PLACE["Account"], name or "*")
        known: list[tuple[str, Vals]] = [("invoked_function_arn", (Str("arn:{}:lambda:{}:{}:function:{}".format(*parts)),))]
        if name:
            known += [("function_name", (Str(name),)), ("log_group_name", (Str(f"/aws/lambda/{name}"),))]
        return Builtin("lambda.context", tuple(known))

    # -- modules -------------------------------------------------------------------------

    def parse(self, name: str) -> ParsedModule | None:
        """Parse a project module once; None when it is not part of the project."""
        if name in self.parsed:
            return self.parsed[name]
        path = self.module_paths.get(name)
        if path is None:
            return None
        inline = next((src for n, src in self.project.inline if n == name), None) if self.project.inline else None
        pm = parse_file(name, path) if inline is None else parse_text(name, path, inline)
        self.parsed[name] = pm
        if pm.tree is None:
            self.skipped[_display_path(path)] = pm.skip_reason
        return pm

    def add_import_folder(self, path: str) -> None:
        """A folder the code puts on ``sys.path``: searched for imports nothing else resolves."""
        found = datafiles.locate(path, (*self.project.roots, *self.project.fallback), folder=True)
        if found is not None and found not in self.project.fallback:
            from dataclasses import replace

            self.project = replace(self.project, fallback=(*self.project.fallback, found))

    def project_file(self, path: str) -> Path | None:
        """The project's file ``path`` names at run time (a data file the code reads)."""
        return datafiles.locate(path, (*self.project.roots, *self.project.fallback))

    def load_module(self, name: str) -> ModuleState | None:
        """Execute a project module's body once per pass."""
        if name in self.modules:
            return self.modules[name]
        pm = self.parse(name)
        if pm is None:
            return None
        state = ModuleState(name, pm, display=_display_path(pm.path))
        self.modules[name] = state
        state.env["__name__"] = (Str(name),)
        if pm.tree is not None:
            frame = Frame(state, state.env, is_module=True)
            try:
                self.exec_block(pm.tree.body, frame)
            except _Return:
                pass  # NOTE: a return outside a function (the parser takes it) ends the body
        for (mod, var), written in self.global_writes.items():
            if mod == name:
                state.env[var] = join(state.env.get(var, ()), written)
        state.done = True
        return state

    def _resolve_import(self, module: ModuleState, level: int, name: str | None) -> str:
        if level == 0:
            return name or ""
        pkg = module.name.split(".")
        is_pkg = module.parsed.path.name == "__init__.py"
        base = pkg if is_pkg else pkg[:-1]
        if level > 1:
            base = base[: len(base) - (level - 1)]
        return ".".join([*base, name] if name else base)

    def module_value(self, dotted: str) -> V:
        """The value bound by ``import dotted``."""
        if (dotted in self.module_paths or self._found_late(dotted)) and dotted.split(".")[0] not in aws.modelled_packages():
            return Module(dotted, project=True)
        if dotted.split(".")[0] in SDK_MODULES:
            return Boto3()
        return Module(dotted)

    def import_dynamic(self, names: Vals, package: Vals, node: Any, frame: Frame | None) -> Vals:
        """``importlib.import_module(name, package)``: the module of each name; a name with
        unknown parts (``f"handlers.{kind}"``) is every project module it fits. A name not
        known at all is reported: any module of the project may run."""
        out: list[V] = []
        bases = [p for p in strings(package) if "*" not in p] or [""]
        for text in strings(names):
            level = len(text) - len(text.lstrip("."))
            wanted = []
            for base in bases if level else [""]:
                parts = base.split(".")[: len(base.split(".")) - (level - 1)] if level else []
                wanted.append(".".join([*parts, text[level:]]) if parts and parts != [""] else text[level:])
            for dotted in wanted:
                if not dotted.strip("*."):
                    if frame is not None:
                        self._unresolved(frame, node, "a module imported by a name that is not known statically")
                    out.append(Unknown("module imported by a computed name"))
                elif "*" not in dotted:
                    out.append(self.module_value(dotted))
                    self._maybe_load(dotted)
                else:
                    fits = pattern_matcher(dotted)
                    found = [m for m in sorted(self.module_paths) if fits.fullmatch(m)]
                    for m in found:
                        self.load_module(m)
                        out.append(Module(m, project=True))
                    if not found:
                        out.append(Unknown("module imported by a computed name"))
        return vals(*out) or UNKNOWN_VALS

    # -- statements ----------------------------------------------------------------------

    def exec_block(self, body: list[ast.stmt], frame: Frame) -> None:
        """Execute statements in order."""
        for stmt in body:
            try:
                self.exec_stmt(stmt, frame)
            except _Return:
                raise
            except RecursionError:
                self._unresolved(frame, stmt, "expression too deeply nested to follow")

    def _branches(
        self, frame: Frame, blocks: list[list[ast.stmt]], binds: list[dict[str, Vals]] | None = None
    ) -> None:
        """Run alternative blocks from the same state and join what they leave; ``binds``
        gives names a block sees narrowed (what its condition tells)."""
        start = dict(frame.locals)
        results: list[dict[str, Vals]] = []
        for i, block in enumerate(blocks):
            bind = binds[i] if binds else {}
            if not block and not bind:
                results.append(start)
                continue
            frame.locals.clear()
            frame.locals.update(start)
            frame.locals.update(bind)
            try:
                self.exec_block(block, frame)
            except _Return:
                pass
            results.append(dict(frame.locals))
        frame.locals.clear()
        frame.locals.update(_join_states(results))

    def _unrolled(self, loop: ast.For | ast.AsyncFor, rows: tuple[Vals, ...], frame: Frame) -> None:
        """A loop unpacking the rows of a literal list runs once per row, in order, so each
        row's values stay together (``for bucket, prefix in [("a", "in/"), ("b", "out/")]``
        never pairs ``a`` with ``out/``)."""
        states = [dict(frame.locals)]
        for row in rows:
            self.assign(loop.target, row, frame)
            try:
                self.exec_block(loop.body, frame)
            except _Return:
                pass
            states.append(dict(frame.locals))
        frame.locals.clear()
        frame.locals.update(_join_states(states))
        self._branches(frame, [loop.orelse, []])

    def exec_stmt(self, s: ast.stmt, frame: Frame) -> None:
        """Execute one statement."""
        run = _STATEMENTS.get(type(s))
        if run is not None:
            run(self, s, frame)

    def _st_expr(self, s: ast.Expr, frame: Frame) -> None:
        self.ev(s.value, frame)
        call = s.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and _is_place(call.func.value):
            if call.func.attr == "update":
                self._dict_update(call.func.value, call, frame)
            elif call.func.attr in ("append", "add", "insert", "extend") and call.args:
                self._seq_add(call.func.value, call.func.attr, call.args[-1], frame)

    def _st_assign(self, s: ast.Assign, frame: Frame) -> None:
        value = self.ev(s.value, frame)
        for t in s.targets:
            self.assign(t, value, frame)

    def _st_annassign(self, s: ast.AnnAssign, frame: Frame) -> None:
        if s.value is not None:
            self.assign(s.target, self.ev(s.value, frame), frame)

    def _st_augassign(self, s: ast.AugAssign, frame: Frame) -> None:
        """``x op= y``. On a list (``+=``, ``*=``) or dict (``|=``) it changes the object in
        place: every other name holding it sees the change (``_share_change``)."""
        current = self.ev(s.target, frame) if not isinstance(s.target, ast.Subscript) else UNKNOWN_VALS
        right = self.ev(s.value, frame)
        mutable = (SeqV,) if type(s.op) in (ast.Add, ast.Mult) else (DictV,) if type(s.op) is ast.BitOr else ()
        if mutable and isinstance(s.target, (ast.Name, ast.Attribute)) and any(isinstance(v, mutable) for v in current):
            extends = type(s.op) is ast.Add and not all(type(r) is SeqV for r in right)
            # NOTE: ``items += other`` extends by any iterable's items (``+= gen()``, ``+= "ab"``).
            after = [(SeqV((join(*v.items, self.iterate(right, frame, s)),), True),) if extends and type(v) is SeqV
                     else self.operate(s.op, (v,), right, frame, s, augmented=True) for v in current]
            self._store_held(s.target, vals(*(x for new in after for x in new)), frame)
            for old, new in zip(current, after):
                if isinstance(old, mutable):
                    self._share_change(old, new, s.target, frame)
            return
        self.assign(s.target, self.operate(s.op, current, right, frame, s, augmented=True), frame)

    def _st_return(self, s: ast.Return, frame: Frame) -> None:
        frame.returns.append(self.ev(s.value, frame) if s.value else (Const(None),))
        raise _Return()

    def _st_if(self, s: ast.If, frame: Frame) -> None:
        kinds = self._syntax.if_tests.get(id(s))
        if kinds is None:
            kinds = self._syntax.if_tests[id(s)] = (_main_guard(s.test), _value_guard(s.test), _affix_guard(s.test))
        main, tested, guard = kinds
        if main is not None:
            # NOTE: the Lambda runtime imports the handler's module, so __name__ is never
            # "__main__" there: code for running the file by hand is not the function's.
            self.exec_block(s.orelse if main else s.body, frame)
            return
        if tested is None and type(_without_not(s.test)) is ast.Compare:
            tested = self._named_guard(s.test, frame)
        if tested is not None and not (guard is not None and guard[0] in frame.locals):
            operand, check, holds = tested
            if isinstance(operand, ast.Name) and operand.id in frame.locals:
                if operand.id not in self._rebound_inside(frame) and not self._undecided(operand, frame, check):
                    self._instance_truth(self.ev(s.test, frame), frame, s.test)
                    self._guarded_branches(s, frame, frame.locals[operand.id], check, holds, operand.id)
                    return
            elif not isinstance(operand, ast.Name) or frame.closure is None:
                # NOTE: an expression (os.environ.get("FLAG") == "on") or a global name: its
                # values may rule a branch out, though there is no local to narrow.
                self._decided_branches(s, frame, *self._truth(s.test, frame))
                return
        elif tested is None and type(_without_not(s.test)) is ast.BoolOp:
            # NOTE: ``if STAGE == "prod" and event.get("x"):`` cannot hold when STAGE is dev;
            # ``if key.startswith("in/") and key.endswith(".csv"):`` tells the body both.
            body_facts, else_facts = _affix_facts(s.test, True), _affix_facts(s.test, False)
            sides = (_narrow(frame, body_facts), _narrow(frame, else_facts))
            self._decided_branches(s, frame, *self._truth(s.test, frame), sides)
            for block, other, bind in ((s.body, s.orelse, sides[1]), (s.orelse, s.body, sides[0])):
                if block and _exits(block):
                    frame.locals.update({k: v for k, v in bind.items() if not _assigns(other, k)})
            return
        if type(_without_not(s.test)) is ast.Compare:
            can_hold, can_fail = self._truth(s.test, frame)
            if not (can_hold and can_fail):
                # NOTE: a comparison its values decide (``"TABLE" in os.environ`` with the
                # template's whole environment): one branch.
                self._decided_branches(s, frame, can_hold, can_fail)
                return
        else:
            self._instance_truth(self.ev(s.test, frame), frame, s.test)
        if guard is None or guard[0] not in frame.locals:
            self._branches(frame, [s.body, s.orelse])
            return
        # NOTE: ``if key.startswith("in/")`` tells the body that key starts with "in/";
        # ``if not key.endswith(".json"): continue`` tells the code after it its suffix.
        name, method, literal, holds_in_body = guard
        narrowed = {name: _with_affix(frame.locals[name], method, literal)}
        self._branches(frame, [s.body, s.orelse], [narrowed, {}] if holds_in_body else [{}, narrowed])
        if _exits(s.orelse if holds_in_body else s.body) and not _assigns(s.body if holds_in_body else s.orelse, name):
            frame.locals[name] = narrowed[name]

    def _truth(self, test: ast.expr, frame: Frame) -> tuple[bool, bool]:
        """Evaluate a branch test: (whether it can hold, whether it can fail). ``and``,
        ``or`` and ``not`` combine what their parts can do; a part that the values of one
        expression decide (``_value_guard``: ``STAGE == "prod"``, ``x is None``) holds or
        fails as those values allow, unless they are in doubt (``_undecided``) or are a
        free name of a nested function, which a sibling may rebind; any other part may do
        either."""
        kind = type(test)
        if kind is ast.BoolOp:
            parts = [self._truth(v, frame) for v in test.values]  # type: ignore[attr-defined]
            if type(test.op) is ast.And:  # type: ignore[attr-defined]
                return all(t for t, _ in parts), any(f for _, f in parts)
            return any(t for t, _ in parts), all(f for _, f in parts)
        if kind is ast.UnaryOp and type(test.op) is ast.Not:  # type: ignore[attr-defined]
            can_hold, can_fail = self._truth(test.operand, frame)  # type: ignore[attr-defined]
            return can_fail, can_hold
        tested = self._guard_of(test)
        if tested is None and kind is ast.Compare:
            tested = self._named_guard(test, frame)
        if tested is None:
            value = self.ev(test, frame)
            self._instance_truth(value, frame, test)
            if kind is ast.Compare and value and all(type(v) is Const and type(v.value) is bool for v in value):
                # NOTE: a comparison its values decide (``"TABLE" in os.environ`` with the
                # template's whole environment).
                return any(v.value for v in value), any(not v.value for v in value)  # type: ignore[attr-defined]
            return True, True
        operand, check, holds = tested
        if isinstance(operand, ast.Name) and (
            operand.id in self._rebound_inside(frame) if operand.id in frame.locals else frame.closure is not None
        ):
            self.ev(test, frame)
            return True, True
        value = self.ev(operand, frame)  # NOTE: the rest of the test is literals
        if _without_not(test) is operand:
            self._instance_truth(value, frame, operand)
        if not value or self._undecided(operand, frame, check):
            return True, True
        yes = any(check(v) is not False for v in value)
        no = any(check(v) is not True for v in value)
        if not (yes and no) and not (isinstance(operand, ast.Name) and operand.id not in frame.locals):
            self.trusted += 1
        return (yes, no) if holds else (no, yes)

    def _instance_truth(self, value: Vals, frame: Frame, test: ast.expr) -> None:
        """An instance tested for truth runs its class's ``__bool__`` (else ``__len__``)."""
        if type(test) in (ast.Compare, ast.UnaryOp) or Instance not in map(type, value):
            return  # NOTE: a comparison's value is a bool; ``not x`` tested its operand
        for v in value:
            if type(v) is Instance and self.protocol((v,), "__bool__", [], frame, test) is None:
                self.protocol((v,), "__len__", [], frame, test)

    def _named_guard(self, test: ast.expr, frame: Frame) -> tuple[ast.expr, Callable[[V], bool | None], bool] | None:
        """``stage == PROD`` with ``PROD = "prod"`` (or ``stage in ALLOWED`` with a tuple of
        literals): a comparison with a name, or a module's attribute, whose one value is
        known and trusted (``_undecided``), taken as if that value were written there."""
        holds = True
        while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            test, holds = test.operand, not holds
        if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
            return None
        op, left, right = test.ops[0], test.left, test.comparators[0]
        membership = isinstance(op, (ast.In, ast.NotIn))
        if not (membership or isinstance(op, (ast.Eq, ast.NotEq))):
            return None
        for operand, other in ((left, right),) if membership else ((left, right), (right, left)):
            if not isinstance(other, (ast.Name, ast.Attribute)) or isinstance(operand, ast.Constant):
                continue
            if isinstance(other, ast.Name) and other.id not in frame.locals and frame.closure is not None:
                continue  # NOTE: a free name of a nested function, which a sibling may rebind
            if self._undecided(other, frame, None):
                continue
            literals = _literals_of(self.ev(other, frame), membership)
            if literals is not None:
                return operand, partial(_equals_one_of, literals=literals), holds == isinstance(op, (ast.Eq, ast.In))
        return None

    def _decided_branches(
        self, s: ast.If, frame: Frame, can_hold: bool, can_fail: bool,
        narrowed: tuple[dict[str, Vals], dict[str, Vals]] | None = None,
    ) -> None:
        """Run the branches of ``s`` its test can take, each seeing the names ``narrowed``
        gives it."""
        sides = [(b, bind) for b, ok, bind in zip((s.body, s.orelse), (can_hold, can_fail), narrowed or ({}, {})) if ok]
        if not sides:
            sides = [(s.body, {}), (s.orelse, {})]
        blocks = [b for b, _ in sides]
        self._branches(frame, blocks, [bind for _, bind in sides] if narrowed else None)
        if all(b and isinstance(b[-1], ast.Return) for b in blocks):
            raise _Return()  # NOTE: every branch that can run returns: what follows cannot run

    def _guard_of(self, test: ast.expr) -> tuple[ast.expr, Callable[[V], bool | None], bool] | None:
        """``_value_guard`` of a test expression, worked out once per node."""
        key = id(test)
        if key in self._syntax.guards:
            return self._syntax.guards[key]
        tested = self._syntax.guards[key] = _value_guard(test)
        return tested

    def _split(self, value: Vals, check: Callable[[V], bool | None], holds: bool) -> tuple[Vals, Vals]:
        """(the alternatives of ``value`` for which the test can hold, those for which it
        can fail), with ``holds`` False for a test under ``not``."""
        yes = tuple(v for v in value if check(v) is not False)
        no = tuple(v for v in value if check(v) is not True)
        if len(yes) < len(value) or len(no) < len(value):
            self.trusted += 1
        return (yes, no) if holds else (no, yes)

    def _undecided(self, operand: ast.expr, frame: Frame, check: Any) -> bool:
        """Must a test of ``operand`` run both branches although its values may rule one out?"""
        doubt = self._doubt(operand, frame)
        return doubt == DOUBT_OBJECT or (doubt == DOUBT_ENV and check is not _is_none)

    def _doubt(self, operand: ast.expr, frame: Frame) -> int:
        """How far a test of ``operand``'s values may be trusted to rule a branch out:

        - ``DOUBT_ENV``: it rests on an environment variable that has no value here and was
          read with a default (``os.environ.get("MODE", "fast")``). The default is only what
          the code does when the variable is not set, and the deployed function may set it;
          only ``is None`` still decides, since neither is ever None.
        - ``DOUBT_OBJECT``: it reads an attribute of an object rather than of a module
          (``settings.audit``, ``self.enabled``), which a library base class may set (a
          settings class reading the environment), or a global that a function sets: no
          test of it decides.
        - 0: its values are all it can be.

        Judged from the text: the operand, and every value the function or the module
        assigns to a name it reads, and so on; a parameter carries the doubt of the
        argument its caller passed (``Frame.doubt``)."""
        if isinstance(operand, ast.Name):
            return self._doubt_of_names((operand.id,), frame)
        texts, roots, names = self._expression_facts(operand)
        doubt = self._doubt_of_facts(texts, roots, frame)
        return doubt if doubt == DOUBT_OBJECT else max(doubt, self._doubt_of_names(names, frame))

    def _doubt_of_facts(self, texts: frozenset[str], roots: frozenset[str], frame: Frame) -> int:
        if roots and not roots <= self._imported(frame):
            return DOUBT_OBJECT  # NOTE: reads an attribute of an object, not of a module
        return DOUBT_ENV if not texts.isdisjoint(self.environment.assumed) else 0

    def _doubt_of_names(self, names: Iterable[str], frame: Frame) -> int:
        """The most doubt the values of ``names`` carry: a doubtful parameter's, and what
        the values the function and the module assign them read (``mode = MODE``, ``for
        mode in (MODE,)``, ``MODE = os.environ.get("MODE", "fast")``)."""
        if type(frame) is _ComprehensionFrame and frame.closure is not None:
            # NOTE: a comprehension's variable is as doubtful as what it iterates over; any
            # other name is the enclosing code's.
            bound = {n: gen.iter for gen in frame.comprehension.generators for n in _target_names(gen.target)}
            outer = [n for n in names if n not in bound]
            doubt = self._doubt_of_names(outer, frame.closure) if outer else 0
            for n in names:
                if n in bound and doubt < DOUBT_OBJECT:
                    doubt = max(doubt, self._doubt(bound[n], frame.closure))
            return doubt
        function = frame.func if frame.func is not None and not frame.is_module else None
        doubt = 0
        seen: set[tuple[str, bool]] = set()
        todo = [(name, function is not None and name in frame.locals) for name in names]
        while todo:
            item = todo.pop()
            if item in seen:
                continue
            seen.add(item)
            name, local = item
            if local:
                assert function is not None
                scope: ast.AST | None = function.node
                if name in self._params(function):
                    doubt = max(doubt, self._frame_doubt(frame).get(name, 0))
            elif (frame.module.name, name) in self.global_writes:
                return DOUBT_OBJECT  # NOTE: a global a function sets: what it is set to is not read here
            else:
                scope = frame.module.parsed.tree
            if scope is None:
                return DOUBT_OBJECT
            texts, roots, more = self._name_facts(scope, name, frame)
            found = self._doubt_of_facts(texts, roots, frame)
            if found == DOUBT_OBJECT:
                return found
            doubt = max(doubt, found)
            todo.extend((n, local and n in frame.locals) for n in more)
        return doubt

    def _params(self, func: Func) -> frozenset[str]:
        known = self._syntax.params.get(id(func.node))
        if known is None:
            known = self._syntax.params[id(func.node)] = frozenset(_doubting(func))
        return known

    def _expression_facts(self, operand: ast.expr) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        """``_facts`` of one expression."""
        key = (id(operand), "")
        facts = self._syntax.assigned.get(key)
        if facts is None:
            facts = self._syntax.assigned[key] = _facts([operand])
        return facts

    def _name_facts(self, scope: ast.AST, name: str, frame: Frame) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
        """``_facts`` of every value ``scope`` assigns to ``name``."""
        key = (id(scope), name)
        facts = self._syntax.assigned.get(key)
        if facts is None:
            values = self._syntax.assignments.get(id(scope))
            if values is None:
                values = self._syntax.assignments[id(scope)] = _assignments(scope, frame.module.parsed.has_walrus)
            facts = self._syntax.assigned[key] = _facts(values.get(name, []))
        return facts

    def _frame_doubt(self, frame: Frame) -> dict[str, int]:
        """The frame's doubtful parameters, worked out from its call when first asked for.
        A function that never asks (no test or call of it depends on them) is memoised
        whatever its arguments' doubt (``invoke``)."""
        if frame.doubt is None:
            site = frame.site
            assert site is not None and frame.func is not None
            frame.doubt = self._arg_doubt(frame.func, *site)
        return frame.doubt

    def _arg_doubt(self, func: Func, node: ast.Call, args: list[Vals], self_value: V | None, caller: Frame) -> dict[str, int]:
        """The doubt (``_doubt``) of each argument of a call, by the parameter it binds:
        ``process(MODE)`` with ``MODE = os.environ.get("MODE", "fast")`` makes a test of
        ``mode`` inside ``process`` decide as little as a test of ``MODE`` would."""
        if len(node.args) != len(args):
            return _NO_DOUBT  # NOTE: called with other arguments than the call's own (a handed function)
        out: dict[str, int] | None = None
        a = func.node.args
        positional = (*a.posonlyargs, *a.args)
        first = 1 if self_value is not None else 0
        for i, expr in enumerate(node.args):
            if type(expr) is ast.Constant:
                continue
            if isinstance(expr, ast.Starred) or first + i >= len(positional):
                break
            doubt = self._doubt(expr, caller)
            if doubt:
                out = out or {}
                out[positional[first + i].arg] = doubt
        for kw in node.keywords:
            if kw.arg is not None and type(kw.value) is not ast.Constant:
                doubt = self._doubt(kw.value, caller)
                if doubt:
                    out = out or {}
                    out[kw.arg] = doubt
        return out or _NO_DOUBT

    def _imported(self, frame: Frame) -> frozenset[str]:
        """Names the frame's module binds by ``import`` (the roots of module attributes)."""
        tree = frame.module.parsed.tree
        key = id(tree)
        known = self._syntax.imports.get(key)
        if known is None:
            known = self._syntax.imports[key] = frozenset(
                (a.asname or a.name.split(".")[0]) for node in _statements(tree) if isinstance(node, (ast.Import, ast.ImportFrom))
                for a in node.names
            ) if tree is not None else frozenset()
        return known

    def _rebinds(self, func: Func) -> bool:
        """Does the function declare ``nonlocal`` names (or close over a variable that a
        function of its enclosing one changes in place)?"""
        node = func.node
        known = self._syntax.rebinds.get(id(node))
        if known is None:
            # NOTE: the module's text tells first whether there is any to look for.
            parsed = self.parsed.get(func.module)
            known = self._syntax.rebinds[id(node)] = (
                parsed is not None and parsed.has_nonlocal and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
                and any(isinstance(sub, ast.Nonlocal) for sub in _scope_nodes(node))
            )
        return known

    def _rebound_inside(self, frame: Frame) -> frozenset[str]:
        """Names of the frame's function that a nested function rebinds (``nonlocal``),
        which the analysis does not carry back: a test of them decides nothing."""
        node = frame.func.node if frame.func is not None else None
        if node is None:
            return _NO_NAMES
        known = self._syntax.nonlocals.get(id(node))
        if known is None:
            # NOTE: the module's text tells first whether there is any to look for.
            known = self._syntax.nonlocals[id(node)] = frozenset(
                name for sub in ast.walk(node) if isinstance(sub, ast.Nonlocal) for name in sub.names
            ) if frame.module.parsed.has_nonlocal else _NO_NAMES
        return known

    def _guarded_branches(
        self, s: ast.If, frame: Frame, value: Vals, test: Callable[[V], bool | None], holds_in_body: bool,
        name: str,
    ) -> None:
        """An ``if`` that the alternatives of the local ``name`` (``value``) may decide (``if
        bucket is None:``, ``if isinstance(path, str):``): a branch none of them can take is
        not run, and each branch sees only the alternatives that take it (``if bucket is
        None: bucket = DEFAULT`` with a bucket given keeps that bucket)."""
        body, orelse = self._split(value, test, holds_in_body)
        self._decided_branches(s, frame, bool(body) or not value, bool(orelse) or not value, ({name: body}, {name: orelse}))
        # NOTE: after an if whose one branch always leaves, the name holds what the other
        # branch can take (unless that branch assigns it).
        if orelse and _exits(s.body) and not _assigns(s.orelse, name):
            frame.locals[name] = orelse
        elif body and _exits(s.orelse) and not _assigns(s.body, name):
            frame.locals[name] = body

    def _st_for(self, s: ast.For | ast.AsyncFor, frame: Frame) -> None:
        iterable = self.ev(s.iter, frame)
        rows = _literal_rows(iterable, s.target)
        if rows is not None:
            self._unrolled(s, rows, frame)
            return
        items = self.iterate(iterable, frame, s)
        self._loop_rounds(frame, s.body, lambda: self.assign(s.target, items, frame))
        self._branches(frame, [s.orelse, []])

    def _st_while(self, s: ast.While, frame: Frame) -> None:
        self._instance_truth(self.ev(s.test, frame), frame, s.test)
        self._loop_rounds(frame, s.body, lambda: None)
        self._branches(frame, [s.orelse, []])

    def _loop_rounds(self, frame: Frame, body: list[ast.stmt], bind: Callable[[], None]) -> None:
        """A loop's body, run twice (each time it may also not run). A text the second round
        still changed may change in every round the loop takes: it becomes one pattern
        covering its values, and the body runs once more with it, so that the calls in
        the body are made with every name a later round gives."""
        bind()
        self._branches(frame, [body, []])
        once = dict(frame.locals)
        bind()
        self._branches(frame, [body, []])
        if _widen_growing(once, frame):
            again = dict(frame.locals)
            bind()
            self._branches(frame, [body, []])
            _widen_growing(again, frame)

    def _st_with(self, s: ast.With | ast.AsyncWith, frame: Frame) -> None:
        """Each manager is entered (its class's ``__enter__``, ``__aenter__`` for ``async
        with``), the body runs, and each is left (``__exit__``/``__aexit__``), even after a
        ``return`` in the body."""
        enter, leave = ("__aenter__", "__aexit__") if isinstance(s, ast.AsyncWith) else ("__enter__", "__exit__")
        managers: list[tuple[Vals, ast.expr]] = []
        for item in s.items:
            value = self.ev(item.context_expr, frame)
            entered = self._enter(value, enter, frame, item.context_expr)
            managers.append((value, item.context_expr))
            if item.optional_vars is not None:
                self.assign(item.optional_vars, entered, frame)
        try:
            self.exec_block(s.body, frame)
        finally:
            for value, expr in reversed(managers):
                self.protocol(value, leave, [UNKNOWN_VALS] * 3, frame, expr)
                for v in value:
                    if type(v) is Builtin and v.name == "closing":
                        # NOTE: ``with contextlib.closing(conn):`` calls ``conn.close()`` at the end.
                        close = [m for x in v.bound for m in self.lookup_attr(x, "close", frame) or () if isinstance(m, Bound)]
                        self.call_values(tuple(close), [], {}, expr, frame)

    def _st_try(self, s: Any, frame: Frame) -> None:
        before = len(self.calls)
        self._branches(frame, [s.body, []])
        if len(self.calls) > before and _handles_not_found(s.handlers):
            self.see_not_found(self.calls[before:])
        handlers = [h.body for h in s.handlers]
        self._branches(frame, [*handlers, s.orelse, []])
        self.exec_block(s.finalbody, frame)

    def _st_match(self, s: ast.Match, frame: Frame) -> None:
        subject = self.ev(s.subject, frame)
        name = s.subject.id if isinstance(s.subject, ast.Name) and s.subject.id in frame.locals else None
        decided = bool(subject) and all(type(v) is Const or (type(v) is Str and "*" not in v.pattern) for v in subject) and (
            name not in self._rebound_inside(frame) if name is not None else frame.closure is None
        ) and not self._doubt(s.subject, frame)
        if not decided:
            # NOTE: every case may run; one that matches literals still tells its body the
            # value (``case "staging" | "qa" as env:``).
            binds_any = []
            for case in s.cases:
                literals = _pattern_literals(case.pattern)
                binds_any.append(_case_bind(case.pattern, literals or subject, name if literals else None))
            self._branches(frame, [c.body for c in s.cases] + [[]], [*binds_any, {}])
            return
        # NOTE: ``match STAGE: case "prod": …`` with the stage known runs the cases its
        # values can reach, in order, each seeing the values it takes.
        blocks: list[list[ast.stmt]] = []
        binds: list[dict[str, Vals]] = []
        left = subject
        for case in s.cases:
            if not left:
                break
            taken = _pattern_takes(case.pattern, left)
            reached = left if taken is None else taken
            if reached:
                blocks.append(case.body)
                binds.append(_case_bind(case.pattern, reached, name))
            if taken is not None and case.guard is None:
                left = tuple(v for v in left if v not in taken)
        if left:
            blocks.append([])
            binds.append({name: left} if name is not None else {})
        self._branches(frame, blocks, binds)

    def _st_import(self, s: ast.Import, frame: Frame) -> None:
        for alias in s.names:
            if alias.asname:
                self._bind(alias.asname, (self.module_value(alias.name),), frame)
                self._maybe_load(alias.name)
            else:
                top = alias.name.split(".")[0]
                self._bind(top, (self.module_value(top),), frame)
                self._maybe_load(alias.name)

    def _st_import_from(self, s: ast.ImportFrom, frame: Frame) -> None:
        base = self._resolve_import(frame.module, s.level, s.module)
        if s.level and _above_package(frame.module, s.level):
            found = self._relative_by_path(frame.module, s.level, s.module)
            if found is None:
                # NOTE: the names stay unknown; what they would call cannot be followed.
                self._unresolved(frame, s, f"relative import {'.' * s.level}{s.module or ''} goes above the package of "
                                           f"{frame.module.name or 'the module'}, and nothing beside the file is that module: "
                                           "its names are not followed (give the folder the code is deployed from)")
                return
            base = found
        for alias in s.names:
            if alias.name == "*":
                state = self._maybe_load(base)
                if state:
                    for k, v in state.env.items():
                        if not k.startswith("_"):
                            frame.locals[k] = v
                continue
            self._bind(alias.asname or alias.name, self.import_name(base, alias.name), frame)

    def _st_global(self, s: ast.Global, frame: Frame) -> None:
        frame.globals_decl = frame.globals_decl | set(s.names)

    def _st_nonlocal(self, s: ast.Nonlocal, frame: Frame) -> None:
        frame.nonlocals_decl = frame.nonlocals_decl | set(s.names)

    def _st_raise(self, s: ast.Raise, frame: Frame) -> None:
        if s.exc is not None:
            self.ev(s.exc, frame)

    def _st_assert(self, s: ast.Assert, frame: Frame) -> None:
        self.ev(s.test, frame)

    def _relative_by_path(self, module: ModuleState, level: int, name: str | None) -> str | None:
        """The module a relative import that climbs above its module's package names, found
        by the files: a file given alone (``handlers/api.py``) in a folder that is no package
        of its own is read as a top-level module, yet its ``from ..aws import x`` says it is
        deployed deeper. The module is named as the folders above it make it (``svc.aws``)
        and their root searched for the rest of its imports; None when there is no file."""
        from dataclasses import replace

        from lpgen.source.discover import module_name, package_root

        folder = module.parsed.path.parent
        for _ in range(level - 1):
            folder = folder.parent
        target = folder.joinpath(*name.split(".")) if name else folder
        for candidate in (target.with_suffix(".py") if name else None, target / "__init__.py"):
            if candidate is not None and candidate.is_file():
                root = package_root(candidate)
                dotted = module_name(candidate, root)
                if not dotted:
                    return None
                self.module_paths.setdefault(dotted, candidate)
                if root not in self.project.roots and root not in self.project.fallback:
                    self.project = replace(self.project, fallback=(*self.project.fallback, root))
                return dotted
        return None

    def _maybe_load(self, name: str) -> ModuleState | None:
        if name in self.module_paths or self._found_late(name):
            return self.load_module(name)
        return None

    def _found_late(self, dotted: str) -> bool:
        """Is ``dotted`` a module of a fallback folder (``Project.fallback``)? Found ones
        join the project's modules. The standard library and modelled packages are never
        looked for."""
        if not self.project.fallback or not dotted:
            return False
        found = _late_module(self.project.fallback, dotted)
        if found is not None:
            self.module_paths[dotted] = found
        return found is not None

    def import_name(self, base: str, name: str) -> Vals:
        """``from base import name``."""
        sub = f"{base}.{name}" if base else name
        modelled = (base or name).split(".")[0] in aws.modelled_packages()
        if (sub in self.module_paths or self._found_late(sub)) and not modelled:
            self.load_module(sub)
            return (Module(sub, project=True),)
        state = None if modelled else self._maybe_load(base)
        if state is not None:
            return state.env.get(name) or self._module_getattr(state, name, None) or (Unknown(f"{name} from {base}"),)
        if base.split(".")[0] in SDK_MODULES:
            if name in _BOTO3_NAMES:
                return self._boto3_attr(name)
            if aws.library_model(sub) is not None:
                return (Module(sub),)  # NOTE: a class of the SDK modelled as a library (S3Transfer)
            return (Boto3(),)
        return (_library_value(sub) if base else Module(name),)

    def protocol(self, objs: Vals, name: str, args: list[Vals], frame: Frame | None, node: Any = None) -> Vals | None:
        """Run the method ``name`` that Python calls for syntax or a builtin (``with``,
        ``for``, ``+``, ``[]``, ``==``, ``str()``) on each instance alternative of ``objs``
        whose class defines it; what they return, or None when none does."""
        out: list[V] = []
        found = False
        for v in objs:
            if type(v) is Instance:
                method = tuple(m for m in self.instance_attr(v, name, frame) or () if isinstance(m, Bound))  # type: ignore[arg-type]
                if method:
                    found = True
                    out.extend(self.call_values(method, args, {}, node, frame))
        return vals(*out) if found else None

    def _module_getattr(self, state: ModuleState, name: str, frame: Frame | None) -> Vals | None:
        """A name a project module does not define, given by its own ``__getattr__``
        (PEP 562: a module of lazily made clients), or None."""
        hook = [f for f in state.env.get("__getattr__", ()) if isinstance(f, Func)]
        if not hook or (name.startswith("__") and name.endswith("__")):
            return None  # NOTE: a module's own dunder names (``__path__``) are not asked of it
        return self.call_values(tuple(hook), [(Str(name),)], {}, None, frame)

    def _enter(self, value: Vals, method: str, frame: Frame, node: ast.expr) -> Vals:
        """What ``with`` binds of each manager: what its ``method`` (``__enter__``,
        ``__aenter__``) returns, what a ``@contextmanager`` generator yields, or the
        object ``closing`` was given; else the manager itself."""
        out: list[V] = []
        for v in value:
            if isinstance(v, Instance):
                entered = self.protocol((v,), method, [], frame, node)
                if entered is not None:
                    out.extend(entered)
                    continue
            if type(v) is Builtin and v.name in ("context manager", "closing"):
                out.extend(v.bound)  # NOTE: what a @contextmanager generator yields; closing's object
                continue
            out.append(v)
        return vals(*out)

    def _bind(self, name: str, value: Vals, frame: Frame) -> None:
        if name in frame.globals_decl and not frame.is_module:
            key = (frame.module.name, name)
            self.global_writes.add(key, value)
            frame.module.env[name] = join(frame.module.env.get(name, ()), value)
        elif name in frame.nonlocals_decl:
            # NOTE: the enclosing function's variable: after a call of this function it may
            # hold either value (``def switch(): nonlocal bucket; bucket = other``).
            owner = frame.closure
            while owner is not None and name not in owner.locals:
                owner = owner.closure
            if owner is None:
                frame.locals[name] = value
            else:
                owner.locals[name] = join(owner.locals[name], value)
        else:
            frame.locals[name] = value

    def assign(self, target: ast.expr, value: Vals, frame: Frame) -> None:
        """Bind an assignment target."""
        if isinstance(target, ast.Name):
            self._bind(target.id, value, frame)
        elif isinstance(target, (ast.Tuple, ast.List)):
            n = len(target.elts)
            seqs = [v for v in value if isinstance(v, SeqV) and len(v.items) == n and not v.homogeneous]
            for i, elt in enumerate(target.elts):
                if isinstance(elt, ast.Starred):
                    self.assign(elt.value, UNKNOWN_VALS, frame)
                    continue
                parts = [s.items[i] for s in seqs]
                homo = [v.items[0] for v in value if isinstance(v, SeqV) and v.homogeneous and v.items]
                self.assign(elt, join(*parts, *homo) or UNKNOWN_VALS, frame)
        elif isinstance(target, ast.Attribute):
            self.set_attribute(self.ev(target.value, frame), target.attr, value)
        elif isinstance(target, ast.Subscript):
            keys = self.ev(target.slice, frame)
            base = target.value
            if isinstance(base, (ast.Name, ast.Attribute)) and any(
                type(v) is Builtin and v.name == "os.environ" for v in self.ev(base, frame)
            ):
                self.env_write(keys, value)
            elif _is_place(base):
                self._dict_set(base, keys, value, frame, whole=isinstance(target.slice, ast.Slice))
        elif isinstance(target, ast.Starred):
            self.assign(target.value, UNKNOWN_VALS, frame)

    def _unset_attribute(self, obj: V, name: str) -> Vals:
        """An attribute of a project object that nothing the analysis ran sets (set by
        ``self.__dict__[…]``, a computed ``setattr``, code not followed): a client method
        called on it is reported, not dropped; on a class deriving from a library's class,
        one only clients are likely to have (the library may set it)."""
        if type(obj) is not Instance:
            return UNKNOWN_VALS
        cls = obj.cls
        foreign = self._syntax.foreign_bases
        from_library = any(foreign.get(id(c.node)) for c in self._mro(cls))
        return (Unknown(f"attribute {name!r} of {cls.qualname}, set nowhere the analysis looks", maybe_client=not from_library),)

    def attribute_bag(self, kind: str, node: Any, frame: Frame | None, attributes: dict[str, Vals]) -> Vals:
        """What ``threading.local()`` or ``types.SimpleNamespace(**attributes)`` makes: an
        object whose attributes the code sets (a client per thread), one per place."""
        if not isinstance(node, ast.Call) or frame is None:
            return UNKNOWN_VALS
        statement = self._syntax.bags.get(id(node))
        if statement is None:
            statement = self._syntax.bags[id(node)] = ast.copy_location(
                ast.ClassDef(name=kind, bases=[], keywords=[], body=[], decorator_list=[]), node)
        obj = Instance(Class(statement, frame.module.name, f"{kind} at line {node.lineno}"))
        for name, value in attributes.items():
            if name != "**":
                self.set_attribute((obj,), name, value)
        return (obj,)

    def set_attribute(self, objs: Vals, name: str, value: Vals) -> None:
        """``obj.name = value`` (or ``setattr(obj, "name", value)``) on each alternative: an
        instance's or class's attributes live in the heap by class, a project module's in
        its global writes. A function put on a class (``Box.rename = rename``) is one of its
        methods, as if the class body defined it: an instance's call binds it."""
        for obj in objs:
            if isinstance(obj, Instance):
                setter = self._defined_in(self._mro(obj.cls), f"{name}.setter") if name in self._syntax.setters else None
                if setter is not None:
                    self.invoke(setter, [value], {}, obj, None, None)
                    continue
                self.heap.add((id(obj.cls.node), name), value)
            elif isinstance(obj, Class):
                methods = tuple(v for v in value if isinstance(v, Func))
                env = self.class_envs.get(id(obj.node))
                if methods and env is not None:
                    env[name] = join(env.get(name, ()), methods)
                    value = tuple(v for v in value if not isinstance(v, Func))
                if value:
                    self.heap.add((id(obj.node), name), value)
            elif isinstance(obj, Module) and obj.project:
                # NOTE: as a ``global`` statement's write: the module's functions may read
                # either value from now on.
                state = self.modules.get(obj.name)
                if state is not None:
                    state.env[name] = join(state.env.get(name, ()), value)
                self.global_writes.add((obj.name, name), value)

    def _held(self, place: ast.expr, frame: Frame) -> Vals | None:
        """What a variable, or an attribute of a module, instance or class (``names.CACHE``,
        ``self.routes``), holds, for a change in place to it (see ``_store_held``); None for
        any other expression."""
        if isinstance(place, ast.Name):
            name = place.id
            owner = _owner(frame, name)
            if owner is not None:
                return owner.locals[name]
            return frame.module.env.get(name) if not frame.is_module else None
        if isinstance(place, (ast.Attribute, ast.Subscript)) and _is_place(place):
            return self.ev(place, frame)
        return None

    def _store_held(self, place: ast.expr, updated: Vals, frame: Frame) -> None:
        """``place`` (see ``_held``) now holds ``updated``. A module's variable written from a
        function stays written in later passes; an instance's or class's attribute joins
        what it held (attributes are kept by class)."""
        if isinstance(place, ast.Name):
            name = place.id
            owner = _owner(frame, name)
            if owner is frame or (owner is None and frame.is_module):
                frame.locals[name] = updated
                _note_change(frame, name)
            elif owner is not None:
                # NOTE: an enclosing function's variable, changed by a function it defined
                # (``def add(k): keys.append(k)``): either content from then on, as after a
                # ``nonlocal`` rebinding.
                owner.locals[name] = join(owner.locals[name], updated)
                _note_change(owner, name)
                if owner.func is not None:
                    # NOTE: the functions that close over it then run at each call, as those
                    # rebinding a ``nonlocal`` do: a remembered result would hold its old
                    # content (a counter's ``bump()`` called twice).
                    for sub in ast.walk(owner.func.node):
                        if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)) and sub is not owner.func.node:
                            self._syntax.rebinds[id(sub)] = True
            elif name in frame.module.env:
                frame.module.env[name] = join(frame.module.env[name], updated)
                self.global_writes.add((frame.module.name, name), updated)
            return
        if isinstance(place, ast.Subscript):
            # NOTE: an item of a dict or list (``jobs[0].append(x)``) is written back into it.
            self._dict_set(place.value, self.ev(place.slice, frame), updated, frame)
            return
        assert isinstance(place, ast.Attribute)
        for obj in self.ev(place.value, frame):
            if isinstance(obj, Module) and obj.project:
                # NOTE: as a change to the module's own variable (a dict or list changed in place).
                state = self.modules.get(obj.name)
                if state is not None:
                    state.env[place.attr] = join(state.env.get(place.attr, ()), updated)
                self.global_writes.add((obj.name, place.attr), updated)
            else:
                self.set_attribute((obj,), place.attr, updated)

    def _change_held(self, place: ast.expr, current: Vals, after: list[Vals], frame: Frame) -> None:
        """``place`` held ``current``; each of its alternatives is now what ``after`` gives at
        its position: stored at the place (``_store_held``) and at every other holder of the
        same object (``_share_change``)."""
        self._store_held(place, vals(*(x for new in after for x in new)), frame)
        for old, new in zip(current, after):
            self._share_change(old, new, place, frame)

    def _share_change(self, old: V, new: Vals, place: ast.expr, frame: Frame) -> None:
        """A dict or list changed in place through ``place`` is the same object wherever
        else it is held (``params = request`` before ``params["Key"] = k``; an instance given
        the dict): each other variable of this function and those enclosing it, variable of
        its module and attribute holding ``old`` may now hold ``new`` too.

        By identity: an equal value held by chance (another empty dict) is not the same.
        An attribute keeps the newest of equal values it is given (``_Store.add``), so one
        made again in a later pass is still found."""
        if len(new) == 1 and new[0] is old:
            return
        skip = place.id if isinstance(place, ast.Name) else None
        f: Frame | None = frame
        while f is not None:
            for name, held in f.locals.items():
                if name != skip and _holds_object(held, old):
                    f.locals[name] = join(held, new)
                    _note_change(f, name)
            f = f.closure
        env = frame.module.env
        if env is not frame.locals:
            for name, held in env.items():
                if name != skip and _holds_object(held, old):
                    env[name] = join(held, new)
                    self.global_writes.add((frame.module.name, name), new)
        for key in self.heap.holders(old):
            self.heap.add(key, new)

    def _dict_set(self, place: ast.expr, keys: Vals, value: Vals, frame: Frame, whole: bool = False) -> None:
        """``d[k] = v`` on a dict: the dict now has that key (a request built piecewise).

        A key that is not known goes in as ``*``, which any key reads back: caches such as
        ``_clients[name] = boto3.client(name)`` and routers that decorators fill
        (``ROUTES[name] = fn``) give what went in. ``items[i] = v`` on a list replaces the
        item when the index and the list are known item by item, else the list may hold
        ``v`` anywhere; ``whole`` says ``value`` replaces a slice (its items go in)."""
        current = self._held(place, frame)
        if current and any(type(d) is Instance for d in current):
            self.protocol(current, "__setitem__", [keys, value], frame, place)
        if not current or not any(isinstance(d, (DictV, SeqV)) for d in current):
            return
        names = strings(keys)
        index = None if whole else known_int(keys, -1)
        updated: list[V] = []
        for d in current:
            if isinstance(d, SeqV):
                n = len(d.items)
                if index is not None and not d.homogeneous and not d.open and -n <= index < n:
                    updated.append(SeqV(d.items[:index % n] + (value,) + d.items[index % n + 1:], fields=d.fields))
                else:
                    added = self.iterate(value, frame, place) if whole else value
                    updated.append(SeqV((join(*d.items, added),), True))
            elif not isinstance(d, DictV):
                updated.append(d)
            elif len(names) == 1 and "*" not in names[0]:
                items = [(k, v) for k, v in d.items if k != names[0]] + [(names[0], value)]
                updated.append(DictV(tuple(items), d.open))
            else:
                items = [(k, v) for k, v in d.items if k != "*"] + [("*", join(d.get("*") or (), value))]
                updated.append(DictV(tuple(items), True))
        self._change_held(place, current, [(u,) for u in updated], frame)

    def _seq_add(self, place: ast.expr, method: str, arg: ast.expr, frame: Frame) -> None:
        """``items.append(x)`` on a list: the list may now hold ``x`` (kept homogeneous)."""
        current = self._held(place, frame)
        if not current or not any(isinstance(v, SeqV) for v in current):
            return
        value = self.ev(arg, frame)
        added = self.iterate(value, frame, arg) if method == "extend" else value
        self._change_held(place, current, [
            (SeqV((join(*v.items, added),), True) if isinstance(v, SeqV) else v,) for v in current
        ], frame)

    def list_pop(self, seq: SeqV, args: list[Vals], node: Any, frame: Frame | None) -> Vals:
        """``parts.pop()`` or ``parts.pop(i)``: the item taken (``arn.split("/").pop()``, the
        last part); the list a variable or attribute holds no longer holds it. An index not
        known, or a list whose length is not known, gives an unknown item and leaves the
        list unknown."""
        items = seq.items
        index = known_int(args[0], -1) if args else -1
        if seq.homogeneous:
            return items[0] if items else UNKNOWN_VALS
        taken: Vals = UNKNOWN_VALS
        if items and index is not None and -len(items) <= index < len(items) and (index in (0, -1) or not seq.open):
            taken = items[index % len(items)]
        if frame is not None and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            self._replace_held(node.func.value, seq, (_list_rest(seq, index),), frame)
        return taken

    def list_change(self, seq: SeqV, after: SeqV, node: Any, frame: Frame | None) -> None:
        """A list changed in place (``keys.sort()``, ``parts.reverse()``): the variable or
        attribute holding it holds ``after``."""
        if frame is not None and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            self._replace_held(node.func.value, seq, (after,), frame)

    def dict_change(self, d: DictV, method: str, args: list[Vals], node: Any, frame: Frame | None) -> None:
        """What ``d.pop(k)``, ``d.setdefault(k, v)``, ``d.popitem()`` and ``d.clear()`` do to
        the dict a variable or attribute holds: a known key goes (or comes in); see
        ``_dict_after``."""
        if frame is not None and isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            self._replace_held(node.func.value, d, _dict_after(d, method, args), frame)

    def _replace_held(self, place: ast.expr, old: V, new: Vals, frame: Frame) -> None:
        """The dict or list ``old`` that ``place`` holds (see ``_held``) is now ``new``
        (changed in place: ``d.pop(k)``, ``del items[0]``)."""
        current = self._held(place, frame)
        if not current or all(v is not old for v in current):
            return
        self._change_held(place, current, [new if v is old else (v,) for v in current], frame)

    def _st_delete(self, s: ast.Delete, frame: Frame) -> None:
        """``del d[k]`` and ``del items[i]``: the dict or list a variable or attribute holds
        loses the item."""
        for t in s.targets:
            if not isinstance(t, ast.Subscript):
                continue
            for v in self._held(t.value, frame) or ():
                if isinstance(v, DictV):
                    self._replace_held(t.value, v, _dict_after(v, "pop", [self.ev(t.slice, frame)]), frame)
                elif isinstance(v, SeqV):
                    index = None if isinstance(t.slice, ast.Slice) else known_int(self.ev(t.slice, frame), -1)
                    self._replace_held(t.value, v, (_list_rest(v, index),), frame)

    def _dict_update(self, place: ast.expr, call: ast.Call, frame: Frame) -> None:
        """``d.update(other, k=v)`` on a dict a variable or attribute holds."""
        current = self._held(place, frame)
        if not current or not any(isinstance(d, DictV) for d in current):
            return
        add: list[tuple[str, Vals]] = []
        open_ = False
        for arg in call.args:
            found = [d for d in self.ev(arg, frame) if isinstance(d, DictV)]
            if len(found) == 1:
                add.extend(found[0].items)
                open_ = open_ or found[0].open
            else:
                open_ = True
        for kw in call.keywords:
            if kw.arg is None:
                open_ = True
            else:
                add.append((kw.arg, self.ev(kw.value, frame)))
        keys = {k for k, _ in add}
        self._change_held(place, current, [
            (DictV(tuple((k, v) for k, v in d.items if k not in keys) + tuple(add), d.open or open_),)
            if isinstance(d, DictV) else (d,)
            for d in current
        ], frame)

    def define_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, frame: Frame) -> None:
        """Bind a ``def``; decorators from the project are remembered as wrappers."""
        qual = f"{frame.func.qualname}.{node.name}" if frame.func else node.name
        func = Func(node, frame.module.name, qual, None if frame.is_module else frame, self._defaults_here(node, frame))
        made = len(self.calls)
        self._decorate(func, frame)
        if frame.is_module and any(_registers(dec, frame, self) for dec in node.decorator_list):
            self._syntax.routes.add(id(node))
            if any(_makes_own_function(dec, frame, self) for dec in node.decorator_list):
                self._syntax.own_functions.add(id(node))
                named = self.project.entry_module, self.project.entry_function
                if named[1] is not None and named != (frame.module.name, node.name):
                    # NOTE: what the decorator subscribes (Chalice's SQS queue, polled with the
                    # role) is that function's, not the named handler's.
                    del self.calls[made:]
        frame.locals[node.name] = (func,)

    def _ssm_value(self, source: str, args: list[Vals], kwargs: dict[str, Vals]) -> Vals:
        """What a library's read of an SSM parameter returns: the value the function's
        template gives the parameter the argument ``source`` names, when it makes it."""
        names = strings(spec_value(source, args, kwargs, [], {}) or ())
        given = [self.environment.parameters.get(n) for n in names]
        if names and None not in given:
            return vals(*(Str(v) for v in given if v is not None))
        return (Unknown("the value of an SSM parameter"),)

    def _decorate(self, func: Func, frame: Frame) -> None:
        """Run the project's decorators of ``func`` on it: the functions they return in its
        place are remembered as its wrappers, run whenever it is (``invoke``)."""
        wrappers: list[Func] = []
        for dec in getattr(func.node, "decorator_list", ()):
            for base in _dispatch_bases(dec, frame, self):
                # NOTE: ``@process.register(dict)`` of a ``functools.singledispatch``
                # function: a call of ``process`` may run this one, with its arguments.
                registered = self.wrappers.setdefault(id(base.node), [])
                if all(r.node is not func.node for r in registered):
                    registered.append(func)
            for d in self.ev(dec, frame):
                if isinstance(d, Func):
                    for w in self.call_value(d, [(func,)], {}, dec, frame):
                        if isinstance(w, Func) and w is not func:
                            wrappers.append(w)
        if wrappers:
            self.wrappers[id(func.node)] = wrappers

    def define_class(self, node: ast.ClassDef, frame: Frame) -> None:
        """Execute a class body into the class namespace."""
        cls = Class(node, frame.module.name, node.name)
        given = [b for e in node.bases for b in self.ev(e, frame)]
        bases = [b for b in given if isinstance(b, Class)]
        self.class_bases[id(node)] = bases
        self._syntax.foreign_bases[id(node)] = tuple(b.name for b in given if isinstance(b, Module) and not b.project)
        self._mros.clear()
        body = Frame(frame.module, {}, func=None, closure=None if frame.is_module else frame, is_module=True)
        body.locals = {}
        try:
            for stmt in node.body:
                if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    f = Func(stmt, frame.module.name, f"{node.name}.{stmt.name}")
                    if stmt.decorator_list:
                        # NOTE: a method's decorators from the project (a timer, a retry)
                        # wrap it as a function's do.
                        self._decorate(f, body)
                    part = _property_part(stmt)
                    if part is not None and stmt.name in body.locals:
                        # NOTE: ``@value.setter``: reading still runs the getter; an
                        # assignment runs this (``set_attribute``).
                        body.locals[f"{stmt.name}.{part}"] = (f,)
                        self._syntax.setters.add(stmt.name)
                    else:
                        body.locals[stmt.name] = (f,)
                else:
                    self.exec_stmt(stmt, body)
        except _Return:
            pass
        self.class_envs[id(node)] = body.locals
        frame.locals[node.name] = (cls,)
        for b in bases:
            self.heap.add((SUBCLASSES, id(b.node)), (cls,))
        self._class_made(cls, body.locals, frame)
        if node.decorator_list:
            frame.locals[node.name] = self._decorated_class(cls, frame)

    def _decorated_class(self, cls: Class, frame: Frame) -> Vals:
        """Run the project's decorators of a class on it, innermost first (a registry's
        ``@plugin``): the name holds the class and what a decorator returns in its place
        (a function or another class)."""
        held: Vals = (cls,)
        for dec in reversed(cls.node.decorator_list):
            made: list[V] = []
            for d in self.ev(dec, frame):
                if isinstance(d, (Func, Bound)):
                    made.extend(v for v in self.call_value(d, [held], {}, dec, frame) if isinstance(v, (Func, Bound, Class)))
            held = join(held, tuple(made)) if made else held
        return held

    def _class_made(self, cls: Class, namespace: dict[str, Vals], frame: Frame) -> None:
        """What Python runs once a class is made: ``__set_name__`` of the descriptors in its
        body, the first base's ``__init_subclass__`` (with the class's keywords) and a
        project metaclass's ``__new__`` and ``__init__`` (plugin registries)."""
        node = cls.node
        for name, held in namespace.items():
            for v in held:
                if type(v) is Instance:
                    self.protocol(held, "__set_name__", [(cls,), (Str(name),)], frame, node)
                    break
        if not node.bases and not node.keywords:
            return
        keywords = {k.arg: self.ev(k.value, frame) for k in node.keywords if k.arg is not None}
        meta = keywords.pop("metaclass", None)
        hook = self._defined_in(self._mro(cls)[1:], "__init_subclass__")
        if hook is not None:
            self.invoke(hook, [], keywords, cls, node, frame)
        metaclass = self._metaclass(cls, meta)
        if metaclass is not None:
            shape: list[Vals] = [(Str(node.name),), (SeqV(tuple((b,) for b in self.class_bases.get(id(node), ()))),),
                                 (DictV(tuple(sorted(namespace.items()))),)]
            for method in ("__new__", "__init__"):
                found = self._defined_in(self._mro(metaclass), method)
                if found is not None:
                    self.invoke(found, [(metaclass,), *shape] if method == "__new__" else shape, keywords, None if method == "__new__" else cls, node, frame)

    def _metaclass(self, cls: Class, given: Vals | None = None) -> Class | None:
        """The project class that is ``cls``'s metaclass (``metaclass=`` on it or a base), if any."""
        if given is None:
            for c in self._mro(cls):
                if c.node.keywords:
                    state = self.modules.get(c.module)
                    expr = next((k.value for k in c.node.keywords if k.arg == "metaclass"), None)
                    if state is not None and expr is not None:
                        given = self.ev(expr, Frame(state, state.env, is_module=True))
                        break
        return next((v for v in given or () if isinstance(v, Class)), None)

    def _defined_in(self, classes: list[Class], name: str) -> Func | None:
        """The function ``name`` that the first of ``classes`` (a class's order of bases, or
        the part after it) to define one defines."""
        return next((v for c in classes for v in self.class_envs.get(id(c.node), {}).get(name, ()) if isinstance(v, Func)), None)

    def subclasses(self, cls: Class) -> Vals:
        """``cls.__subclasses__()``: the project's classes made so far that name it as a base."""
        return (SeqV((self.heap.get((SUBCLASSES, id(cls.node))) or (),), homogeneous=True),)

    # -- expressions ---------------------------------------------------------------------

    def ev(self, node: ast.expr | None, frame: Frame) -> Vals:
        """Evaluate an expression to its alternatives."""
        kind = type(node)
        if kind is ast.Name:
            return self.lookup_name(node.id, frame)  # type: ignore[union-attr]
        if kind is ast.Constant:
            value = node.value  # type: ignore[union-attr]
            return (Str(value),) if type(value) is str else (Const(value),)
        if kind is ast.Call:
            return self.ev_call(node, frame)  # type: ignore[arg-type]
        if kind is ast.Attribute:
            attr = node.attr  # type: ignore[union-attr]
            objs = self.ev(node.value, frame)  # type: ignore[union-attr]
            if len(objs) == 1:
                if type(objs[0]) is Resource:
                    # NOTE: with the node: reading a loaded attribute is a call there.
                    return self.resource_attr(objs[0], attr, frame, node)  # type: ignore[arg-type]
                one = self.lookup_attr(objs[0], attr, frame) or self._unset_attribute(objs[0], attr)
                return one if len(one) < 2 else vals(*one)
            out: list[V] = []
            for obj in objs:
                found = self.resource_attr(obj, attr, frame, node) if type(obj) is Resource else self.lookup_attr(obj, attr, frame)  # type: ignore[arg-type]
                out.extend(found or self._unset_attribute(obj, attr))
            return vals(*out)
        if node is None:
            return NONE_VALS
        handler = _EXPRESSIONS.get(kind)
        return handler(self, node, frame) if handler is not None else UNKNOWN_VALS

    def _ev_formatted(self, node: ast.FormattedValue, frame: Frame) -> Vals:
        return tuple(Str(p) for p in strings(self.as_text(self.ev(node.value, frame), frame, node)))

    def as_text(self, value: Vals, frame: Frame | None, node: Any, method: str = "__str__") -> Vals:
        """``value`` where text is made of it (``str(x)``, ``f"{x}"``, ``print(x)``): an
        instance whose class defines ``method`` (``__repr__`` for ``repr(x)`` and ``!r``,
        which ``__str__`` falls back on) is what that returns."""
        if Instance not in map(type, value):
            return value
        out: list[V] = []
        for v in value:
            made = None
            if type(v) is Instance:
                made = self.protocol((v,), method, [], frame, node)
                if made is None and method == "__str__":
                    made = self.protocol((v,), "__repr__", [], frame, node)
            out.extend(made if made is not None else (v,))
        return vals(*out)

    def _ev_binop(self, node: ast.BinOp, frame: Frame) -> Vals:
        return self.operate(node.op, self.ev(node.left, frame), self.ev(node.right, frame), frame, node)

    def operate(self, op: ast.operator, left: Vals, right: Vals, frame: Frame, node: Any, augmented: bool = False) -> Vals:
        """``left op right``: an instance whose class defines the operator's method
        (``__add__``, or ``__iadd__`` first for ``+=``) runs it, the right side's reflected
        one (``__radd__``) where the left side has none; the rest as ``binop``."""
        name = _OPERATOR_METHODS.get(type(op))
        if name is None or (Instance not in map(type, left) and Instance not in map(type, right)):
            return self.binop(op, left, right)
        out: list[V] = []
        plain_left: list[V] = []
        for a in left:
            got = None
            if type(a) is Instance:
                got = self.protocol((a,), f"__i{name}__", [right], frame, node) if augmented else None
                got = got if got is not None else self.protocol((a,), f"__{name}__", [right], frame, node)
            out.extend(got) if got is not None else plain_left.append(a)
        plain_right: list[V] = []
        for b in right if plain_left else ():
            got = self.protocol((b,), f"__r{name}__", [tuple(plain_left)], frame, node) if type(b) is Instance else None
            out.extend(got) if got is not None else plain_right.append(b)
        if plain_left and plain_right:
            out.extend(self.binop(op, tuple(plain_left), tuple(plain_right)))
        return vals(*out) or UNKNOWN_VALS

    def _ev_subscript(self, node: ast.Subscript, frame: Frame) -> Vals:
        return self.subscript(self.ev(node.value, frame), node.slice, frame, node)

    def _ev_dict(self, node: ast.Dict, frame: Frame) -> Vals:
        return (self.dict_literal(node, frame),)

    def _ev_sequence(self, node: ast.List | ast.Tuple | ast.Set, frame: Frame) -> Vals:
        items: list[Vals] = []
        for e in node.elts:
            if isinstance(e, ast.Starred):
                inner = self.ev(e.value, frame)
                items.extend(it for s in inner if isinstance(s, SeqV) for it in s.items)
                if not inner or any(not isinstance(s, SeqV) for s in inner):
                    # NOTE: elements not known (``[first, *event["more"]]``) stand as one
                    # unknown item: a request's list may hold anything there.
                    items.append(UNKNOWN_VALS)
            else:
                items.append(self.ev(e, frame))
        return (SeqV(tuple(items)),)

    def _ev_ifexp(self, node: ast.IfExp, frame: Frame) -> Vals:
        """``a if test else b``: the sides the test can take; a local the test decides
        is narrowed in each (``bucket if bucket is not None else DEFAULT``)."""
        test = node.test
        tested = self._guard_of(test)
        if tested is not None and isinstance(tested[0], ast.Name) and tested[0].id in frame.locals:
            name, check, holds = tested[0].id, tested[1], tested[2]
            if name not in self._rebound_inside(frame) and not self._undecided(tested[0], frame, check):
                self.ev(test, frame)
                value = frame.locals[name]
                out: list[Vals] = []
                for side, seen in zip((node.body, node.orelse), self._split(value, check, holds)):
                    if seen or not value:
                        frame.locals[name] = seen or value
                        out.append(self.ev(side, frame))
                frame.locals[name] = value
                return join(*out)
        can_hold, can_fail = self._truth(test, frame)
        if can_hold == can_fail:
            return join(self.ev(node.body, frame), self.ev(node.orelse, frame))
        return self.ev(node.body if can_hold else node.orelse, frame)

    def _ev_boolop(self, node: ast.BoolOp, frame: Frame) -> Vals:
        parts: list[Vals] = []
        for v in node.values:
            parts.append(self.ev(v, frame))
            if isinstance(node.op, ast.Or) and all(_truthy(x) is True for x in parts[-1]):
                # NOTE: ``os.getenv("TABLE") or "default"`` with TABLE set is TABLE alone.
                break
        kept = [tuple(x for x in p if not (isinstance(x, Const) and not x.value)) for p in parts]
        return join(*kept) or join(*parts)

    def _ev_lambda(self, node: ast.Lambda, frame: Frame) -> Vals:
        qual = f"{frame.func.qualname}.<lambda>" if frame.func else "<lambda>"
        return (Func(node, frame.module.name, qual, frame, self._defaults_here(node, frame)),)

    def _defaults_here(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda, frame: Frame) -> tuple[Any, ...] | None:
        """A nested function's defaults, evaluated as Python does, where it is defined: a
        loop's ``name=name`` keeps each round's value. A module's functions take theirs
        from the module when called (its constants are set by then)."""
        a = node.args
        if frame.is_module or not (a.defaults or any(a.kw_defaults)):
            return None
        positional = [*a.posonlyargs, *a.args][len([*a.posonlyargs, *a.args]) - len(a.defaults):]
        return (
            *(self._default(d, p.annotation, frame) for d, p in zip(a.defaults, positional)),
            *(None if d is None else self._default(d, p.annotation, frame) for d, p in zip(a.kw_defaults, a.kwonlyargs)),
        )

    def _ev_yield_from(self, node: ast.YieldFrom, frame: Frame) -> Vals:
        inner = self.ev(node.value, frame)
        frame.yields.append(self.iterate(inner, frame, node))
        return UNKNOWN_VALS

    def _ev_yield(self, node: ast.Yield, frame: Frame) -> Vals:
        frame.yields.append(self.ev(node.value, frame) if node.value else NONE_VALS)
        return UNKNOWN_VALS

    def _ev_inner(self, node: ast.Await | ast.Starred, frame: Frame) -> Vals:
        return self.ev(node.value, frame)

    def _ev_named(self, node: ast.NamedExpr, frame: Frame) -> Vals:
        value = self.ev(node.value, frame)
        self.assign(node.target, value, frame)
        return value

    def _ev_compare(self, node: ast.Compare, frame: Frame) -> Vals:
        """``a == b``: its value where every alternative of both sides is known text or a
        constant (``os.environ.get("AWS_SAM_LOCAL") == "true"`` is False where the function
        runs), else either."""
        left = self.ev(node.left, frame)
        rights = [self.ev(c, frame) for c in node.comparators]
        if Instance in map(type, left) or any(Instance in map(type, right) for right in rights):
            return self._compare_instances(node, left, rights, frame)
        if len(rights) == 1 and type(node.ops[0]) in _EQUALITY:
            sides = [_known(left), _known(rights[0])]
            if sides[0] is not None and sides[1] is not None:
                equal = {a == b for a in sides[0] for b in sides[1]}
                if type(node.ops[0]) in (ast.NotEq, ast.IsNot):
                    equal = {not e for e in equal}
                return tuple(Const(e) for e in sorted(equal))
        if len(rights) == 1 and type(node.ops[0]) in (ast.In, ast.NotIn) and rights[0] and all(
            type(v) is Builtin and v.name == "os.environ" for v in rights[0]
        ):
            present = self._env_present(left)
            if present is not None:
                return (Const(present if type(node.ops[0]) is ast.In else not present),)
        return BOOL_VALS

    def _compare_instances(self, node: ast.Compare, left: Vals, rights: list[Vals], frame: Frame) -> Vals:
        """A comparison with an instance: its class's method runs (``__eq__``, ``__lt__``,
        the right side's reflected one, ``__contains__`` for ``in``); the result is either."""
        for op, right in zip(node.ops, rights):
            kind = type(op)
            if kind in (ast.In, ast.NotIn):
                self.protocol(right, "__contains__", [left], frame, node)
            elif kind in _COMPARISON_METHODS:
                method, reflected = _COMPARISON_METHODS[kind]
                self.protocol(left, method, [right], frame, node)
                self.protocol(right, reflected, [left], frame, node)
            left = right
        return BOOL_VALS

    def _env_present(self, names: Vals) -> bool | None:
        """``NAME in os.environ``: True when the environment gives the variable, False when
        nothing sets it where the function runs (the environment is the function's whole one,
        a template's, or the variable is one only a local emulator sets) and the code does
        not either, else not known."""
        found = set()
        for name in strings(names):
            if "*" in name:
                return None
            if name in self.env:
                found.add(True)
            elif (self.env_complete or name in LOCAL_ONLY_VARS) and not self.environment.written.get(name):
                found.add(False)
            else:
                return None
        return found.pop() if len(found) == 1 else None

    def _ev_unary(self, node: ast.UnaryOp, frame: Frame) -> Vals:
        operand = self.ev(node.operand, frame)
        if type(node.op) is ast.Not:
            self._instance_truth(operand, frame, node.operand)
        if isinstance(node.op, (ast.USub, ast.UAdd)) and len(operand) == 1 and isinstance(operand[0], Const) and (
            type(operand[0].value) in (int, float)
        ):
            # NOTE: a negative index or bound (``key[-1]``, ``name[:-5]``).
            value = operand[0].value
            return (Const(-value if isinstance(node.op, ast.USub) else value),)
        return UNKNOWN_VALS

    def lookup_name(self, name: str, frame: Frame) -> Vals:
        """Locals, enclosing functions, module globals, then builtins."""
        f: Frame | None = frame
        while f is not None:
            if name in f.locals:
                return f.locals[name]
            f = f.closure
        if name in frame.module.env:
            return frame.module.env[name]
        if name in ("getattr", "setattr", "str", "dict", "list", "tuple", "sorted", "set", "next", "iter",
                    "print", "isinstance", "len", "int", "float", "bool", "super", "map", "filter", "globals",
                    "enumerate", "zip", "range", "repr", "format", "open", "reversed"):
            return (Builtin(name),)
        if name == "__file__":
            return (Str(datafiles.runtime_path(frame.module.parsed.path, self.project.roots)),)
        return (Unknown(f"name {name!r}", maybe_client=True),)

    def fstring(self, node: ast.JoinedStr, frame: Frame) -> Vals:
        """Each alternative of each part, combined (capped)."""
        pieces: list[list[str]] = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                pieces.append([str(part.value)])
            elif isinstance(part, ast.FormattedValue):
                value = self.ev(part.value, frame)
                if Instance not in map(type, value):
                    pieces.append(self._formatted_part(part, value, part.conversion))
                    continue
                # NOTE: an instance's text is what its class's method returns (``!r``: its
                # ``__repr__``), with no conversion after it.
                method = "__str__" if part.conversion in (-1, ord("s")) else "__repr__"
                texts = self.as_text(tuple(v for v in value if type(v) is Instance), frame, part, method)
                others = tuple(v for v in value if type(v) is not Instance)
                pieces.append([*self._formatted_part(part, texts, -1), *(self._formatted_part(part, others, part.conversion) if others else ())])
            else:
                pieces.append(["*"])
        if all(len(piece) == 1 for piece in pieces):
            return (Str(squash("".join(piece[0] for piece in pieces))),)
        return vals(*(Str(squash("".join(row))) for row in combinations(pieces)))

    @staticmethod
    def _formatted_part(part: ast.FormattedValue, value: Vals, conversion: int) -> list[str]:
        """The texts of one ``{value!conversion:spec}`` of an f-string."""
        if part.format_spec is None and conversion == -1:
            return strings(value)
        spec = part.format_spec.values if isinstance(part.format_spec, ast.JoinedStr) else ()
        if not all(isinstance(x, ast.Constant) for x in spec):
            return ["*"]  # NOTE: a spec computed at run time (f"{n:{width}}")
        return formatted(value, "".join(str(x.value) for x in spec), chr(conversion) if conversion != -1 else None)  # type: ignore[attr-defined]

    def binop(self, op: ast.operator, left: Vals, right: Vals) -> Vals:
        """String and list concatenation, path joins, dict merges and ``%`` formatting;
        anything else is unknown. Every pair of alternatives gives a result: a pair this
        does not follow (two unknowns added) gives an unknown one, never none."""
        out: list[V] = []
        if isinstance(op, ast.Add):
            for a in left:
                for b in right:
                    if isinstance(a, Str) or isinstance(b, Str):
                        out.append(Str(squash(strings((a,))[0] + strings((b,))[0])))
                    elif isinstance(a, SeqV) and isinstance(b, SeqV):
                        out.append(_concatenated(a, b))
                    else:
                        out.append(Unknown())
        elif isinstance(op, ast.Div):
            # NOTE: strings do not divide: ``a / b`` on text is a path joined (``PurePosixPath``),
            # and on a library's path object (cloudpathlib's S3Path) the object below it.
            for a in left:
                below = path_below(a, [right]) if isinstance(a, LibObject) else None
                if below is not None:
                    out.extend(below)
                elif isinstance(a, Str):
                    for b in right:
                        tail = strings((b,))[0] if isinstance(b, (Str, Unknown)) else "*"
                        out.append(Str(squash(posixpath.join(a.pattern, tail))))
                else:
                    out.append(Unknown())
        elif isinstance(op, ast.BitOr):
            # NOTE: ``defaults | {"Key": key}`` merges two dicts, the right one's keys winning.
            for a in left:
                for b in right:
                    if isinstance(a, DictV) and isinstance(b, DictV):
                        out.append(DictV(tuple({**dict(a.items), **dict(b.items)}.items()), a.open or b.open))
                    else:
                        out.append(Unknown())
        elif isinstance(op, ast.Mult):
            # NOTE: ``"-" * 3`` or ``[x] * 2``: a pattern repeated matches the texts repeated.
            for a in left:
                for b in right:
                    text, times = (a, b) if isinstance(b, Const) else (b, a)
                    n = times.value if isinstance(times, Const) and type(times.value) is int else None
                    if n is None or not 0 <= n <= MAX_REPEAT:
                        out.append(Unknown())
                    elif isinstance(text, Str):
                        out.append(Str(squash(text.pattern * n)))
                    elif isinstance(text, SeqV) and not text.homogeneous and not text.open:
                        out.append(SeqV(text.items * n))
                    else:
                        out.append(Unknown())
        elif isinstance(op, ast.Mod):
            for a in left:
                if not isinstance(a, Str):
                    out.append(Unknown())
                    continue
                for b in right:
                    if isinstance(b, DictV):
                        # NOTE: ``"%(env)s/x" % {"env": ENV}`` takes each placeholder by name.
                        out.extend(Str(p) for p in percent(a.pattern, [], dict(b.items)))
                        continue
                    # NOTE: a tuple gives each placeholder its own value; anything else fills the first.
                    positions: list[Vals] = list(b.items) if isinstance(b, SeqV) and not b.homogeneous else [(b,)]
                    out.extend(Str(p) for p in percent(a.pattern, positions))
        return vals(*out) or UNKNOWN_VALS

    def dict_literal(self, node: ast.Dict, frame: Frame) -> DictV:
        """A dict literal; ``**other`` merges a known dict or marks the dict open."""
        items: dict[str, Vals] = {}
        open_ = False
        for k, v in zip(node.keys, node.values):
            value = self.ev(v, frame)
            if k is None:
                known = [d for d in value if isinstance(d, DictV)]
                for d in known:
                    for kk, vv in d.items:
                        items[kk] = join(items.get(kk, ()), vv)
                open_ = open_ or not known
                continue
            for key in strings(self.ev(k, frame)):
                items[key] = join(items.get(key, ()), value)
        return DictV(tuple(items.items()), open_)

    def comprehension(self, node: Any, frame: Frame) -> Vals:
        """Bind generator targets once and evaluate the element."""
        inner = _ComprehensionFrame(frame, node)
        for i, gen in enumerate(node.generators):
            items = self.iterate(self.ev(gen.iter, inner), inner, node)
            if i == 0 and isinstance(node, ast.DictComp) and len(node.generators) == 1:
                split = self._dict_by_item(node, frame, items)
                if split is not None:
                    return split
            self.assign(gen.target, items, inner)
            self._filter(gen.ifs, inner)
        if isinstance(node, ast.DictComp):
            self.ev(node.key, inner)
            value = self.ev(node.value, inner)
            return (DictV((("*", value),), open=True),)
        return (SeqV((self.ev(node.elt, inner),), homogeneous=True),)

    def _filter(self, tests: list[ast.expr], inner: Frame) -> None:
        """A comprehension's ``if`` filters: what they tell of its variable holds for every
        element it keeps (``[k for k in keys if k.startswith("in/")]`` keeps ``in/*``)."""
        for cond in tests:
            self.ev(cond, inner)
            inner.locals.update(_narrow(inner, _affix_facts(cond, True)))

    def _dict_by_item(self, node: ast.DictComp, frame: Frame, items: Vals) -> Vals | None:
        """``{name: boto3.client(name) for name in ("s3", "sqs")}`` over a few known
        ``items`` (what its iterable gives): each item gives its own key and value, so
        ``clients["s3"]`` is the S3 client. None when the items are not known or too many."""
        gen = node.generators[0]
        if len(items) > SPLIT_ITEMS or any(type(v) is Unknown or (type(v) is Str and "*" in v.pattern) for v in items):
            return None
        out: dict[str, Vals] = {}
        for item in items:
            inner = _ComprehensionFrame(frame, node)
            self.assign(gen.target, (item,), inner)
            self._filter(gen.ifs, inner)
            value = self.ev(node.value, inner)
            for key in strings(self.ev(node.key, inner)):
                out[key] = join(out.get(key, ()), value)
        return (DictV(tuple(out.items())),)

    def subscript(self, base: Vals, index: ast.expr, frame: Frame, node: ast.expr | None = None) -> Vals:
        """``d[k]``: dict items, os.environ, responses, sequence items. ``node`` is the whole
        expression, for evidence."""
        keys = self.ev(index, frame)
        out: list[V] = []
        for b in base:
            if isinstance(b, DictV):
                found = False
                for k in strings(keys):
                    v = b.get(k)
                    if v is None and "*" not in k:
                        # NOTE: a key built from unknown parts (``f"{name}_client"``, or a
                        # comprehension's) may be the one asked for.
                        v = join(*(items for pattern, items in b.items if "*" in pattern and _key_matches(pattern, k))) or None
                    if v is not None:
                        out.extend(v)
                        found = True
                if not found:
                    patterns = [k for k in strings(keys) if "*" in k]
                    # NOTE: a name built at run time (``ROUTES["on_" + kind]``) is one of the
                    # keys it fits (any, when none does); a dict made with ``**other`` may
                    # hold others.
                    fitting = [v for key, items in b.items if any("*" in key or _key_matches(k, key) for k in patterns)
                               for v in items]
                    out.extend(fitting or [v for _, items in b.items for v in items]) if patterns else out.append(Unknown())
                    if patterns and b.open:
                        out.append(Unknown())
            elif type(b) is Module and b.name == "sys.modules":
                # NOTE: ``sys.modules[__name__]``: the module, as importing it gives.
                out.extend(self.import_dynamic(keys, (), node, frame))
            elif type(b) is Instance:
                got = self.protocol((b,), "__getitem__", [keys], frame, node or index)
                if got is None:
                    # NOTE: a dict subclass's ``__missing__`` gives what a key not stored gives.
                    got = join(self.protocol((b,), "__missing__", [keys], frame, node or index) or (), UNKNOWN_VALS)
                out.extend(got)
            elif isinstance(b, Builtin) and b.name == "os.environ":
                for k in strings(keys):
                    out.extend(self.env_value(k, None, frame, index))
            elif isinstance(b, Response):
                for k in strings(keys):
                    self.read_field(b, k, node or index, frame)
                    out.extend(aws.response_value(b, k, self.scope, self.environment.parameters) or (Unknown(f"response of {b.operation}"),))
            elif isinstance(b, SeqV) and isinstance(index, ast.Slice):
                out.append(self._list_slice(b, index, frame))
            elif isinstance(b, SeqV):
                idx = [v.value for v in keys if isinstance(v, Const) and isinstance(v.value, int)]
                if b.homogeneous or not idx:
                    out.extend(x for item in b.items for x in item)
                else:
                    for i in idx:
                        if b.open and (i < 0 or i >= len(b.items)):
                            out.append(Str("*"))
                        elif -len(b.items) <= i < len(b.items):
                            out.extend(b.items[i])
            elif isinstance(b, Str):
                out.append(Str(self._text_part(b.pattern, index, keys, frame)))
            else:
                # NOTE: an item named for a service (``clients["sns"]``) of a value not known
                # may be a client: its calls are reported, not dropped.
                out.append(Unknown(b.reason, maybe_client=b.maybe_client or _names_service(keys)) if isinstance(b, Unknown)
                           else Unknown())
        return vals(*out) or UNKNOWN_VALS

    def _slice_bounds(self, index: ast.Slice, frame: Frame) -> tuple[int | None, int | None, int | None] | None:
        """A slice's (lower, upper, step) when each is a constant int or left out, else None."""
        bounds: list[int | None] = []
        for part in (index.lower, index.upper, index.step):
            found = self.ev(part, frame) if part is not None else (Const(None),)
            if len(found) != 1 or not isinstance(found[0], Const) or not isinstance(found[0].value, (int, type(None))):
                return None
            bounds.append(found[0].value)
        return bounds[0], bounds[1], bounds[2]

    def _list_slice(self, seq: SeqV, index: ast.Slice, frame: Frame) -> SeqV:
        """``items[a:b]``: the items taken when the bounds are constants and the list is
        known item by item; else a list whose one item stands for every item."""
        bounds = self._slice_bounds(index, frame)
        every = seq if seq.homogeneous else SeqV((join(*seq.items),), True)
        if seq.homogeneous or bounds is None or bounds[2] == 0:
            return every
        lo, hi, step = bounds
        if not seq.open:
            return SeqV(seq.items[lo:hi:step])
        # NOTE: the last item of an open list may stand for more: the items before it are
        # where they are (``arn.split(":")[:5]``), what follows is open still.
        if step in (None, 1) and (lo is None or lo >= 0):
            if hi is not None and 0 <= hi < len(seq.items):
                return SeqV(seq.items[lo:hi])
            if hi is None:
                return SeqV(seq.items[lo:], open=True)
        return every

    def _text_part(self, text: str, index: ast.expr, keys: Vals, frame: Frame) -> str:
        """``text[i]`` or ``text[a:b]`` where the indices are constants: exact on known text,
        and on a pattern where the part taken lies in its known start or end; else ``*``."""
        if isinstance(index, ast.Slice):
            bounds = self._slice_bounds(index, frame)
            if bounds is None:
                return "*"
            lo, hi, step = bounds
            if step == 0:
                return "*"  # NOTE: a ValueError when it runs
            if "*" not in text:
                return text[lo:hi:step]
            head, tail = text.split("*", 1)[0], text.rsplit("*", 1)[1]
            if step not in (None, 1):
                return "*"
            if (lo is None or 0 <= lo <= len(head)) and hi is None:
                return text[lo:]  # NOTE: from the known start on: the rest of the pattern
            if (lo is None or lo >= 0) and hi is not None and 0 <= hi <= len(head):
                return text[lo:hi]
            if (lo is None or 0 <= lo <= len(head)) and hi is not None and hi > len(head):
                return squash(head[lo:] + "*")
            if lo is not None and -len(tail) <= lo < 0 and hi is None:
                return text[lo:]
            return "*"
        positions = [k.value for k in keys if isinstance(k, Const) and isinstance(k.value, int)]
        if len(positions) != 1 or len(keys) != 1:
            return "*"
        i = positions[0]
        if "*" not in text:
            return text[i] if -len(text) <= i < len(text) else "*"
        head, tail = text.split("*", 1)[0], text.rsplit("*", 1)[1]
        if 0 <= i < len(head):
            return head[i]
        if -len(tail) <= i < 0:
            return tail[i]
        return "*"

    def env_value(self, name: str, default: Vals | None, frame: Frame, node: Any, unset_is_none: bool = False) -> Vals:
        """An environment variable: from --env or the template, else its default, else unknown
        (and, with ``unset_is_none``, possibly None: ``os.environ.get(name)``)."""
        if "*" in name:
            return (Unknown("computed environment variable name"),)
        # NOTE: a value the code itself sets may be what the deployed function reads (the
        # code runs the write before the read, or a later invocation reads it); when the
        # variable has no value here, reading it before any write would fail.
        written: Vals | None = self.environment.written.get(name)
        if name in self.env:
            given: Vals = (Str(self.env[name]),)
            return join(given, written) if written else given
        if default is not None:
            if not self.env_complete:
                self.environment.assumed.add(name)
                _first_place(self.env_defaulted, name, self._loc(frame, node))
            return join(default, written) if written else default
        if written:
            return written
        if name in LOCAL_ONLY_VARS:
            # NOTE: set by a local emulator only (``sam local``): unset where the function runs.
            return NONE_VALS
        _first_place(self.env_missing, name, self._loc(frame, node))
        return (Str("*"), Const(None)) if unset_is_none else (Str("*"),)

    def env_write(self, names: Vals, value: Vals, unset_only: bool = False) -> None:
        """``os.environ[name] = value``: later reads may give it; ``setdefault`` sets it only
        when the variable has no value (``unset_only``)."""
        for name in strings(names):
            if "*" not in name and not (unset_only and name in self.env):
                self.environment.written.add(name, tuple(v for v in value if type(v) is Str) or (Str("*"),))

    def iterate(self, value: Vals, frame: Frame, node: Any) -> Vals:
        """The values a ``for`` loop over ``value`` binds."""
        out: list[V] = []
        for v in value:
            if isinstance(v, SeqV):
                out.extend(x for item in v.items for x in item)
            elif isinstance(v, DictV):
                out.extend(Str(k) for k, _ in v.items)
            elif isinstance(v, Collection):
                out.extend(self.collection_items(v, frame, node))
            elif isinstance(v, Response):
                out.append(v)
            elif isinstance(v, Class) and self._is_enum(v):
                # NOTE: ``for t in Tables:`` runs over the members of an Enum class.
                out.extend(x for name, held in self.class_envs.get(id(v.node), {}).items()
                           if not name.startswith("_") for x in held if not isinstance(x, (Func, Class)))
            elif type(v) is Instance:
                out.extend(self._instance_items(v, frame, node))
            else:
                out.append(Unknown(v.reason) if isinstance(v, Unknown) else Unknown())
        return vals(*out) or UNKNOWN_VALS

    def _instance_items(self, obj: Instance, frame: Frame, node: Any) -> Vals:
        """What a loop takes from an instance: its class's ``__iter__`` (``__aiter__`` for
        ``async for``) runs, and the iterator it returns gives its ``__next__``
        (``__anext__``) values (an instance that is its own iterator too, as ``next(obj)``
        asks)."""
        made = self.protocol((obj,), "__iter__", [], frame, node) or self.protocol((obj,), "__aiter__", [], frame, node) or (obj,)
        iterators = tuple(x for x in made if type(x) is Instance)
        taken = (self.protocol(iterators, "__next__", [], frame, node) or self.protocol(iterators, "__anext__", [], frame, node)) if iterators else None
        out: list[V] = list(taken or ())
        others = tuple(x for x in made if type(x) is not Instance)
        if others:
            out.extend(self.iterate(others, frame, node))
        return vals(*out) or UNKNOWN_VALS

    def _is_enum(self, cls: Class) -> bool:
        """Does the class derive from ``enum``'s classes (directly)?"""
        state = self.modules.get(cls.module)
        if state is None:
            return False
        frame = Frame(state, state.env, is_module=True)
        return any(
            isinstance(b, Module) and b.name in ENUM_BASES
            for expr in cls.node.bases if isinstance(expr, (ast.Name, ast.Attribute)) for b in self.ev(expr, frame)
        )

    # -- attributes ----------------------------------------------------------------------

    def lookup_attr(self, obj: V, name: str, frame: Frame | None) -> Vals | None:
        """``obj.name``."""
        kind = type(obj)
        if kind is Class and name == "__subclasses__":
            return (Builtin("class.__subclasses__", obj),)
        if kind is Instance or kind is Class:
            return self.instance_attr(obj, name, frame)  # type: ignore[arg-type]
        if kind is Client:
            if name == "meta":
                return (Builtin("client.meta", obj),)
            if name == "exceptions":
                return (Const(None),)
            return (Builtin("client.method", (obj, name)),)
        if kind is Str:
            if name in PATH_ATTRIBUTES and ("/" in obj.pattern or "." in obj.pattern):  # type: ignore[attr-defined]
                # NOTE: a path has these (``Path(__file__).parent / "config.json"``); so has an
                # Enum member (``Stage.PROD.name``), whose value is no path.
                return (Str(path_function(name, obj.pattern)),)  # type: ignore[attr-defined]
            # NOTE: only an Enum member has .value: ``Tables.ORDERS.value`` is its string.
            return (obj,) if name == "value" else (Builtin("value.method", (obj, name)),)
        if kind is Resource:
            return self.resource_attr(obj, name, frame)  # type: ignore[arg-type]
        if kind is LibMethod:
            read = f"{obj.obj.name}.{obj.method}"  # type: ignore[attr-defined]
            if aws.unmodelled_aws_name(read) is not None:
                # NOTE: an attribute of an object that calls AWS, read, not called (a
                # provider's ``.client``): what it holds may be a client.
                return (Unknown(read, maybe_client=True),)
        if isinstance(obj, LibObject):
            model = aws.library_model(obj.name) or {}
            if name in (model.get("methods") or {}) or (name == "joinpath" and model.get("path")):
                return (LibMethod(obj, name),)
            held = dict(obj.kwargs).get(name) if obj.name.startswith("@event:") else None
            if held is not None:
                # NOTE: an attribute of the event a library hands a route (_route_event).
                return held
            if aws.library_model(f"{obj.name}.{name}") is not None:
                # NOTE: a namespace of the object's methods (``client.indices.create``).
                return (LibObject(f"{obj.name}.{name}", obj.args, obj.kwargs),)
            if aws.unmodelled_aws_name(f"{obj.name}.{name}") is not None:
                # NOTE: a method of an object that calls AWS, which calling it reports.
                return (LibMethod(obj, name),)
            return UNKNOWN_VALS
        if isinstance(obj, Module):
            if obj.project:
                state = self.load_module(obj.name)
                if state and name in state.env:
                    return state.env[name]
                sub = f"{obj.name}.{name}"
                if sub in self.module_paths:
                    self.load_module(sub)
                    return (Module(sub, project=True),)
                gw = self.global_writes.get((obj.name, name))
                return gw or (state and self._module_getattr(state, name, frame)) or (Unknown(f"{obj.name}.{name}"),)
            return (_library_value(f"{obj.name}.{name}"),)
        if isinstance(obj, Boto3):
            return self._boto3_attr(name) if name in _BOTO3_NAMES else (Boto3(),)
        if isinstance(obj, Session):
            if name == "region_name":
                # NOTE: a session made with no Region is in the function's own (AWS_REGION).
                return (Str(obj.region or self.own_region()),)
            return (Builtin(f"session.{name}", obj),)
        if isinstance(obj, Builtin) and obj.name == "os.environ":
            return (Builtin(f"os.environ.{name}"),)
        if isinstance(obj, Builtin) and obj.name == "context variable":
            return (Builtin(f"context variable.{name}", obj.bound),)
        if isinstance(obj, Builtin) and obj.name == "lambda.context":
            return dict(obj.bound).get(name) or (Unknown(f"context.{name}"),)
        if isinstance(obj, Builtin) and obj.name == "client.meta":
            if name == "region_name":
                return (Str(obj.bound.region or self.own_region()),)
            return (Const(None),)
        if isinstance(obj, Builtin) and obj.name == "resource.meta":
            if name == "client":
                owner = aws.client_of(obj.bound)
                return (owner,) if owner is not None else UNKNOWN_VALS
            return (Const(None),)
        if isinstance(obj, Collection):
            return (Builtin("collection.method", (obj, name)),)
        if isinstance(obj, Helper):
            return (Builtin("helper.method", (obj, name)),)
        if isinstance(obj, Builtin) and obj.name == "super-proxy":
            inst, bases = obj.bound
            for base in bases:
                env = self.class_envs.get(id(base.node), {})
                if name in env:
                    if name == "__new__":
                        return env[name]  # NOTE: a static method: the class is passed
                    return tuple(Bound(v, inst) if isinstance(v, Func) else v for v in env[name])
            return (Builtin("object.__new__"),) if name == "__new__" else None
        if name == "value" and isinstance(obj, (Str, Const)):
            # NOTE: only an Enum member has .value: ``Tables.ORDERS.value`` is its string.
            return (obj,)
        if kind is SeqV and obj.fields:  # type: ignore[attr-defined]
            fields = obj.fields  # type: ignore[attr-defined]
            if name in fields:
                return obj.items[fields.index(name)]  # type: ignore[attr-defined]
            if name == "hostname" and "netloc" in fields:
                return tuple(Str(url_host(s)) for s in strings(obj.items[fields.index("netloc")]))  # type: ignore[attr-defined]
        if isinstance(obj, (Str, DictV, SeqV, Response)) or (
            kind is Builtin and obj.name in ("string template", "data file")  # type: ignore[attr-defined]
        ):
            return (Builtin("value.method", (obj, name)),)
        if isinstance(obj, Func) and name == "cache_clear":
            return (Builtin("noop"),)
        if isinstance(obj, Unknown):
            if name == "strftime":
                # NOTE: a date's text in a key (``now.strftime("raw/%Y/%m/")``) keeps its literal parts.
                return (Builtin("time.strftime"),)
            return (Unknown(obj.reason, maybe_client=obj.maybe_client or service_models.is_client_name(name)),)
        return None

    def instance_attr(self, obj: Instance | Class, name: str, frame: Frame | None) -> Vals | None:
        cls = obj.cls if isinstance(obj, Instance) else obj
        if name in RECORD_METHODS and type(obj) is Instance and any(self._is_record(c) for c in self._mro(cls)) and not any(
                name in self.class_envs.get(id(c.node), {}) for c in self._mro(cls)):
            return (Builtin("record.method", (obj, name)),)
        out: list[V] = []
        for c in self._mro(cls):
            stored = self.heap.get((id(c.node), name))
            if stored:
                out.extend(stored)
            env = self.class_envs.get(id(c.node), {})
            if name in env and not (stored and type(obj) is Instance and self._is_record(c)):
                # NOTE: a record's instance always has its fields: the class's default
                # (``bucket: str = "x"``) is what an instance holds only when not given.
                for v in env[name]:
                    if isinstance(v, Func) and isinstance(obj, Instance):
                        decos = _decorator_names(v.node)
                        if "staticmethod" in decos:
                            out.append(v)
                        elif "classmethod" in decos:
                            out.append(Bound(v, cls))
                        elif decos & {"property", "cached_property"}:
                            out.extend(self.invoke(v, [], {}, obj, None, frame))
                        else:
                            out.append(Bound(v, obj))
                    elif isinstance(v, Func) and "classmethod" in _decorator_names(v.node):
                        out.append(Bound(v, cls))
                    elif type(v) is Instance and (got := self.protocol((v,), "__get__", [(obj,) if type(obj) is Instance else NONE_VALS, (cls,)], frame)) is not None:
                        # NOTE: a descriptor (a lazy client's ``__get__``) gives what it returns.
                        out.extend(got)
                    else:
                        out.append(v)
            if name in env:
                break
            # NOTE: an attribute only written here (``self.base = x``, ``Sub.base = x``: kept
            # for the whole pass) may be read before the write: what a base class holds too.
        if not out and isinstance(obj, Instance) and not (name.startswith("__") and name.endswith("__")):
            # NOTE: a class that delegates what it lacks (``def __getattr__(self, name):
            # return getattr(self._client, name)``, a retrying or logging wrapper).
            hook = self.instance_attr(obj, "__getattr__", frame)
            if hook:
                out.extend(self.call_values(hook, [(Str(name),)], {}, None, frame))
        if not out and not (name.startswith("__") and name.endswith("__")):
            out.extend(self._inherited_from_library(cls, name))
            if not out and isinstance(obj, Instance) and not self._within(frame, obj.cls):
                # NOTE: what the instance inherits from a library's class, used from outside
                # the class, may call the methods the project's class defines for it (a
                # parameter provider's _get); its own methods using it are already running.
                self.run_library_hooks(obj, frame)
        return vals(*out) or None

    def record_call(self, obj: V, method: str, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None) -> Vals:
        """A dataclass's, NamedTuple's or pydantic model's copy with changes (``replace(s,
        table=…)``, ``s._replace(…)``, ``s.model_copy(update={…})``) or its fields as a dict
        (``asdict(s)``, ``s._asdict()``, ``s.model_dump()``). Attributes live in the heap by
        class, so a copy's changes are the class's too (as ``obj.table = …`` is)."""
        if type(obj) is not Instance:
            return UNKNOWN_VALS
        if method in ("_replace", "model_copy"):
            changes = dict(kwargs)
            if method == "model_copy":
                changes = {k: v for d in kwargs.get("update", ()) if isinstance(d, DictV) for k, v in d.items}
            for name, value in changes.items():
                if name != "**":
                    self.set_attribute((obj,), name, value)
            return (obj,)
        names = [f[0] for c in reversed(self._mro(obj.cls)) if self._is_record(c) for f in _fields(c.node)]
        return (DictV(tuple((n, self.instance_attr(obj, n, frame) or UNKNOWN_VALS) for n in dict.fromkeys(names))),)

    def _within(self, frame: Frame | None, cls: Class) -> bool:
        """Is ``frame`` a method of ``cls`` or of one of its classes?"""
        func = frame.func if frame is not None else None
        return func is not None and any(stmt is func.node for c in self._mro(cls) for stmt in c.node.body)

    def run_library_hooks(self, obj: Instance, frame: Frame | None) -> None:
        """Run, with arguments that are not known, the methods an instance's project classes
        define that nothing ran yet, when one of them derives from a library's class that is
        not a data model:
        the library's methods call them (a template method: Powertools' ``BaseProvider.get``
        calls the subclass's ``_get``; ``logging.Handler`` its ``emit``). Once per class and
        pass."""
        key = ("library hooks", id(obj.cls.node))
        if key in self.memo:
            return
        self.memo[key] = ()
        mro = self._mro(obj.cls)
        foreign = self._syntax.foreign_bases
        if not any(base.partition(".")[0] not in PASSIVE_BASES for c in mro for base in foreign.get(id(c.node), ())):
            return
        seen: set[str] = set()
        for c in mro:
            for name, values in self.class_envs.get(id(c.node), {}).items():
                if name in seen or (name.startswith("__") and name.endswith("__")):
                    continue
                seen.add(name)
                for v in values:
                    # NOTE: a method the code itself runs is reached already (the library's
                    # calls of it may only differ in their arguments).
                    if isinstance(v, Func) and id(v.node) not in self.visited and not (
                        _decorator_names(v.node) & {"staticmethod", "property", "cached_property"}
                    ):
                        # NOTE: ``**`` marks keywords not known: a hook's **options are open.
                        self.call_value(Bound(v, obj.cls if "classmethod" in _decorator_names(v.node) else obj), [],
                                        {"**": UNKNOWN_VALS}, v.node, frame)

    def _inherited_from_library(self, cls: Class, name: str) -> Vals:
        """A method a project class inherits from a modelled library class (a PynamoDB
        model's ``get``, ``save``, ``query``): bound to what the class's ``Meta`` names."""
        for c in self._mro(cls):
            lib = self._library_base(c)
            if lib is None:
                continue
            sub = (aws.library_model(lib) or {}).get("subclass") or {}
            if name not in (sub.get("methods") or {}):
                return ()
            meta = [(f"meta.{key}", self._meta_attr(cls, key)) for key in sub.get("meta") or ()]
            if sub.get("owner_meta"):
                owners = self._owners(cls)
                meta.append(("__owner__", tuple(owners)))
                for key in sub["owner_meta"]:
                    found = [v for o in owners for v in self._meta_attr(o, key)]
                    meta.append((f"owner.{key}", vals(*found) or (Unknown(f"the model of {cls.qualname}"),)))
            return (LibMethod(LibObject(lib, (), (("__class__", (cls,)), *meta)), name),)
        return ()

    def _library_base(self, cls: Class) -> str | None:
        facts = self._syntax.library_bases
        if id(cls.node) in facts:
            return facts[id(cls.node)]
        found = None
        state = self.modules.get(cls.module)
        if state is not None:
            frame = Frame(state, state.env, is_module=True)
            for expr in cls.node.bases:
                if isinstance(expr, (ast.Name, ast.Attribute)):
                    for base in self.ev(expr, frame):
                        if isinstance(base, Module) and not base.project and "subclass" in (aws.library_model(base.name) or {}):
                            found = base.name
        facts[id(cls.node)] = found
        return found

    def class_meta(self, value: Vals, key: str) -> Vals:
        """``key`` of the ``Meta`` of each class, or class of each instance, in ``value``."""
        out: list[V] = []
        for v in value:
            cls = v.cls if type(v) is Instance else v if type(v) is Class else None
            out.extend(self._meta_attr(cls, key) if cls is not None else (Unknown(f"Meta.{key} of a model not known"),))
        return vals(*out) or UNKNOWN_VALS

    def _meta_attr(self, cls: Class, key: str) -> Vals:
        """``key`` of the ``Meta`` class ``cls`` or a base of it defines."""
        for c in self._mro(cls):
            for meta in self.class_envs.get(id(c.node), {}).get("Meta") or ():
                if isinstance(meta, Class) and key in self.class_envs.get(id(meta.node), {}):
                    return self.class_envs[id(meta.node)][key]
        return (Unknown(f"{cls.qualname}.Meta.{key}"),)

    def _owners(self, cls: Class) -> list[Class]:
        """The module-level classes that hold an instance of ``cls`` as a class attribute
        (the model a PynamoDB index belongs to)."""
        owners: list[Class] = []
        for state in list(self.modules.values()):
            for held in list(state.env.values()):
                for c in held:
                    if type(c) is Class and c not in owners and any(
                        type(v) is Instance and v.cls == cls for vs in self.class_envs.get(id(c.node), {}).values() for v in vs
                    ):
                        owners.append(c)
        return owners

    def attribute_names(self, obj: V) -> list[str] | None:
        """The attribute names of a project object that its code defines (methods and
        class attributes along its bases, a module's globals), sorted; None for any other
        value."""
        if isinstance(obj, (Instance, Class)):
            cls = obj.cls if isinstance(obj, Instance) else obj
            mro = {id(c.node) for c in self._mro(cls)}
            names = {name for c in mro for name in self.class_envs.get(c, ())}
            if isinstance(obj, Instance):
                # NOTE: and what methods set on instances (self.s3_client = ...); read as a
                # whole, so that one set later in the pass is seen by the next.
                for c in mro:
                    names.update(self.heap.seconds_under(c))
            return sorted(names)
        if isinstance(obj, Module) and obj.project:
            state = self.load_module(obj.name)
            return sorted(state.env) if state is not None else None
        return None

    def _mro(self, cls: Class) -> list[Class]:
        known = self._mros.get(id(cls.node))
        if known is None:
            known = self._mros[id(cls.node)] = self._linearize(cls)
        return known

    def _is_record(self, cls: Class) -> bool:
        known = self._syntax.records.get(id(cls.node))
        if known is None:
            known = self._syntax.records[id(cls.node)] = (
                "dataclass" in _decorator_names(cls.node) or _is_namedtuple(cls) or bool(_pydantic_base(cls.node))
            )
        return known

    def _linearize(self, cls: Class) -> list[Class]:
        out: list[Class] = []
        todo = [cls]
        while todo and len(out) < 20:
            c = todo.pop(0)
            if c in out:
                continue
            out.append(c)
            todo.extend(self.class_bases.get(id(c.node), []))
        return out

    # -- calls ---------------------------------------------------------------------------

    def ev_call(self, node: ast.Call, frame: Frame) -> Vals:
        args: list[Vals] = []
        for a in node.args:
            if isinstance(a, ast.Starred):
                spread = self.ev(a.value, frame)
                if len(spread) == 1 and type(spread[0]) is SeqV and not (spread[0].homogeneous or spread[0].open):
                    # NOTE: a tuple or list known item by item (``boto3.client(*args)``).
                    args.extend(spread[0].items)
                else:
                    args.append(UNKNOWN_VALS)
            else:
                args.append(self.ev(a, frame))
        kwargs: dict[str, Vals] = {}
        maybe: set[str] | None = None
        for kw in node.keywords:
            value = self.ev(kw.value, frame)
            if kw.arg is None:
                dicts = [d for d in value if isinstance(d, DictV)]
                for d in dicts:
                    for k, v in d.items:
                        kwargs[k] = join(kwargs.get(k, ()), v)
                if len(dicts) > 1:
                    # NOTE: a key some of the dict's alternatives lack may be left out.
                    shared = set.intersection(*({k for k, _ in d.items} for d in dicts))
                    maybe = (maybe or set()) | {k for d in dicts for k, _ in d.items if k not in shared}
                if not dicts or any(d.open for d in dicts):
                    kwargs["**"] = UNKNOWN_VALS
            else:
                kwargs[kw.arg] = value
        if maybe:
            maybe -= {kw.arg for kw in node.keywords if kw.arg} | {MAYBE_ABSENT}
            if maybe:
                kwargs[MAYBE_ABSENT] = join(kwargs.get(MAYBE_ABSENT, ()), tuple(Str(k) for k in sorted(maybe)))
        callee = self.ev(node.func, frame)
        return self.call_values(callee, args, kwargs, node, frame)

    def call_values(
        self, callee: Vals, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None
    ) -> Vals:
        if len(callee) == 1:
            one = self.call_value(callee[0], args, kwargs, node, frame)
            return (one if len(one) < 2 else vals(*one)) or UNKNOWN_VALS
        out: list[V] = []
        for f in _callable_alternatives(callee):
            out.extend(self.call_value(f, args, kwargs, node, frame))
        return vals(*out) or UNKNOWN_VALS

    def call_value(
        self, f: V, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None
    ) -> Vals:
        """Call one callee alternative."""
        if type(f) is Builtin:
            return self.call_builtin(f, args, kwargs, node, frame)  # type: ignore[arg-type]
        if isinstance(f, Func):
            return self.invoke(f, args, kwargs, None, node, frame)
        if isinstance(f, Bound):
            return self.invoke(f.func, args, kwargs, f.self_value, node, frame)
        if isinstance(f, Class):
            return self.instantiate(f, args, kwargs, node, frame)
        if isinstance(f, Builtin):
            return self.call_builtin(f, args, kwargs, node, frame)
        if isinstance(f, Instance):
            call = self.instance_attr(f, "__call__", frame)
            if call:
                return self.call_values(call, args, kwargs, node, frame)
        self.call_handed_functions(args, kwargs, node, frame)
        if isinstance(f, Module) and not f.project:
            model = aws.library_model(f.name)
            if model is not None:
                self._library_calls(model.get("calls") or (), f.name, args, kwargs, None, node, frame)
                if model.get("methods") or model.get("signer"):
                    return (LibObject(f.name, tuple(args), tuple(sorted(kwargs.items()))),)
                if str(model.get("returns", "")).startswith("object:"):
                    # NOTE: a factory of a modelled object (create_transfer_manager).
                    return (LibObject(model["returns"][7:], tuple(args), tuple(sorted(kwargs.items()))),)
                if str(model.get("returns", "")).startswith("ssm value:"):
                    # NOTE: the value of a parameter the function's template makes.
                    return self._ssm_value(model["returns"][10:], args, kwargs)
            if _standard_result(f.name):
                # NOTE: a task, a lock, a date, a logger: never a client.
                return UNKNOWN_VALS
            if model is None and self._unmodelled_call(f.name, node, frame):
                return UNKNOWN_VALS
            if model is None:
                self._handed_away(f.name, args, kwargs, node, frame)
            top, _, rest = f.name.partition(".")
            method = f.name.rpartition(".")[2]
            if (
                rest and frame is not None and isinstance(node, ast.Call) and "_" in method.strip("_")
                and method in _all_method_names() and model is None and not _installed(top)
            ):
                # NOTE: ``from utils import table`` where utils is neither the project's nor
                # an installed package (shared code lpgen was not shown): table.put_item()
                # may be a client call.
                self._unresolved(
                    frame, node, f"{ast.unparse(node.func)}(): the receiver may be a boto3 client, from {top}, "
                    "a module neither in the project nor installed",
                )
            # NOTE: the reason marks a value from a library (see _maybe_unresolved); one
            # given a client or a service's name (``aws.client_for("sns")``) may be a client.
            return (Unknown(f"result of {f.name}()", maybe_client=_given_client(args, kwargs)),)
        if isinstance(f, LibObject) and "__call__" in ((aws.library_model(f.name) or {}).get("methods") or {}):
            # NOTE: an object the code calls (a Strands agent: ``agent("prompt")``).
            return self.call_value(LibMethod(f, "__call__"), args, kwargs, node, frame)
        if isinstance(f, LibMethod):
            model = aws.library_model(f.obj.name) or {}
            owner = dict(f.obj.kwargs).get("__class__")
            if owner is not None:
                spec = (model.get("subclass") or {}).get("methods", {}).get(f.method) or {}
                self._library_calls(spec.get("calls") or (), f"{f.obj.name}.{f.method}", args, kwargs, f.obj, node, frame)
                if spec.get("returns", "").startswith("owner "):
                    return _library_result(spec["returns"][6:], dict(f.obj.kwargs).get("__owner__", ()), f.obj)
                return _library_result(spec.get("returns"), owner, f.obj)
            if f.method == "joinpath" and (below := path_below(f.obj, list(args))) is not None:
                return below
            spec = (model.get("methods") or {}).get(f.method)
            if spec is None:
                self._unmodelled_call(f"{f.obj.name}.{f.method}", node, frame)
            # NOTE: a method may be {calls, returns: "object:NAME"}: a factory of an object that
            # keeps its maker's arguments (a connection's cursor).
            calls = spec.get("calls") or () if isinstance(spec, dict) else spec or ()
            self._library_calls(calls, f"{f.obj.name}.{f.method}", args, kwargs, f.obj, node, frame)
            return _library_result(spec.get("returns"), (), f.obj) if isinstance(spec, dict) else UNKNOWN_VALS
        if isinstance(f, Unknown):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                specs = aws.value_method_calls(node.func.attr)
                if specs:
                    # NOTE: ``df.to_csv("s3://bucket/key")``: the path makes it an AWS call.
                    self._library_calls(specs, node.func.attr, args, kwargs, None, node, frame)
            if f.reason.startswith("result of ") and f.reason.endswith("()"):
                # NOTE: an object a library made (``runner = lib.Runner(); runner.go(s3)``).
                self._handed_away(f.reason[10:-2], args, kwargs, node, frame)
            if frame is not None and isinstance(node, ast.Call):
                if f.reason == TOO_MANY:
                    # NOTE: what it stands for were functions or objects the code can call.
                    self._unresolved(frame, node, f"{ast.unparse(node.func)}(): the callee is {TOO_MANY}")
                else:
                    self._maybe_unresolved(f, node, frame)
            if _given_client(args, kwargs):
                return (Unknown(f.reason or "result of a call given a client", maybe_client=True),)
            return (Unknown(f.reason, maybe_client=f.maybe_client),) if f.reason else UNKNOWN_VALS
        return UNKNOWN_VALS

    def call_handed_functions(
        self, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None
    ) -> None:
        """A function of the project handed to code lpgen does not follow (a thread pool's
        ``submit``, ``asyncio``'s executors, a transfer's ``Callback=``, a retry helper) may
        be called there: it runs with arguments that are not known, except where the
        method says what it passes (``pool.submit(fn, a)`` calls ``fn(a)``, ``pool.map(fn,
        items)`` calls ``fn`` with each item)."""
        method = node.func.attr if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) else ""
        passes = HANDED_ARGUMENTS.get(method)
        target = kwargs.get("target")
        if target is not None and frame is not None:
            # NOTE: threading.Thread(target=fn, args=(a,), kwargs={...}) (and a process's)
            # calls fn(*args, **kwargs) once started.
            handed = self._handed_arguments("tuple", [kwargs["args"]], frame, node) if "args" in kwargs else []
            named = [d for d in kwargs.get("kwargs", ()) if isinstance(d, DictV)]
            for v in target:
                if isinstance(v, (Func, Bound)) or (isinstance(v, Builtin) and v.name == "partial"):
                    self.call_value(v, handed, dict(named[0].items) if len(named) == 1 else {}, node, frame)
            kwargs = {k: x for k, x in kwargs.items() if k != "target"}
        for position, value in enumerate((*args, *kwargs.values())):
            for v in value:
                if type(v) is Instance or type(v) is Class:
                    # NOTE: an object handed to a library (logger.addHandler(handler)) whose
                    # class derives from one of its classes: the library calls its methods;
                    # so it does a class's it makes (``json.dumps(item, cls=Encoder)``).
                    self.run_library_hooks(v if type(v) is Instance else Instance(v), frame)  # type: ignore[arg-type]
                    continue
                if type(v) not in _CALLABLE_VALUES:
                    continue
                if isinstance(v, (Func, Bound)) or (isinstance(v, Builtin) and v.name == "partial"):
                    if passes is not None and position == passes[0] and position < len(args) and frame is not None:
                        handed = self._handed_arguments(passes[1], args[position + 1 :], frame, node)
                        self.call_value(v, handed, {}, self._handed_call(node, position), frame)
                    else:
                        self.call_value(v, [], {}, node, frame)
                elif isinstance(v, Builtin) and v.name in ("client.method", "resource.method"):
                    # NOTE: executor.submit(s3.delete_object, Bucket=b, Key=k) passes the
                    # keywords on to the method, and the arguments after it to a transfer
                    # helper (executor.submit(s3.upload_file, path, bucket, key)).
                    handed = []
                    if passes is not None and position == passes[0] and position < len(args) and frame is not None:
                        handed = self._handed_arguments(passes[1], args[position + 1 :], frame, node)
                    self.call_value(v, handed, {k: x for k, x in kwargs.items() if x is not value}, node, frame)

    def _handed_arguments(self, how: str, rest: list[Vals], frame: Frame, node: Any) -> list[Vals]:
        """The arguments a method calls a handed function with (``HANDED_ARGUMENTS``): those
        after it, one item of each iterable after it, or the items of the tuple after it."""
        if how == "items":
            return [self.iterate(a, frame, node) for a in rest]
        if how == "tuple":
            tuples = [v for v in rest[0] if isinstance(v, SeqV) and not v.homogeneous] if rest else []
            return list(tuples[0].items) if len(tuples) == 1 and len(rest[0]) == 1 else []
        return list(rest)

    def _handed_call(self, node: ast.Call, position: int) -> ast.Call:
        """The call a method makes of the function at ``position`` of ``node``'s arguments,
        with the argument expressions after it (for the doubt of its parameters and the
        dicts it fills); one node per place, so that it keys caches like a real one."""
        key = (id(node), position)
        known = self._syntax.handed.get(key)
        if known is None:
            known = self._syntax.handed[key] = ast.copy_location(
                ast.Call(func=node.func, args=node.args[position + 1 :], keywords=[]), node
            )
        return known

    def _handed_away(self, name: str, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None) -> None:
        """Report a boto3 client, resource or session handed to code of ``name``'s library,
        which lpgen neither follows nor models (not the standard library, whose functions
        make no AWS calls of their own): what it calls with it is not known."""
        if frame is None or not isinstance(node, ast.Call) or name.partition(".")[0] in sys.stdlib_module_names:
            return
        given = [v for value in (*args, *kwargs.values()) for v in value if isinstance(v, (Client, Resource, Session))]
        if not given:
            return
        what = sorted({f"{v.service} client" if isinstance(v, Client) and v.service else
                       f"{v.service} resource" if isinstance(v, Resource) else
                       "session" if isinstance(v, Session) else "client" for v in given})
        services = {v.service for v in given if isinstance(v, (Client, Resource)) and v.service}
        self._unresolved(
            frame, node, f"{ast.unparse(node.func)}() is handed a boto3 {', '.join(what)}, and lpgen does not follow "
            f"{name.partition('.')[0]}: the calls made with it are not known",
            next(iter(services)) if len(services) == 1 else "",
        )

    def _maybe_unresolved(self, f: Unknown, node: ast.Call, frame: Frame) -> None:
        """Report a call of a boto3 client method on a value that is not known. A value
        from where a client may come (a parameter, a call result) is reported for any
        client method; any other unknown value (a library's result, an item of a dict
        the analysis cannot see into) for a method only boto3 clients are likely to have
        (``put_item``, ``send_message``: two words or more) when a reason says where it
        came from (a library's result, what it holds), unless it is read from the
        handler's event or context, which hold data, never clients."""
        if not isinstance(node.func, ast.Attribute):
            return
        method = node.func.attr
        if not f.maybe_client and (
            not f.reason or "_" not in method.strip("_") or self._from_invocation(node.func.value, frame)
        ):
            return
        if method in _all_method_names():
            recv = ast.unparse(node.func.value) if hasattr(ast, "unparse") else "?"
            self._unresolved(
                frame, node,
                f"{recv}.{method}(): the receiver may be a boto3 client but cannot be "
                f"determined ({f.reason or 'value from outside the analysed code'})",
            )

    def _from_invocation(self, expr: ast.expr, frame: Frame) -> bool:
        """Is ``expr`` read from the entry's event or context (``event["client"]``)?"""
        while isinstance(expr, (ast.Attribute, ast.Subscript, ast.Call)):
            expr = expr.func if isinstance(expr, ast.Call) else expr.value
        if not isinstance(expr, ast.Name):
            return False
        value = frame.locals.get(expr.id, ())
        return bool(value) and all(v is self.context or any(v is e for e in self.event) for v in value)

    def invoke(
        self, func: Func, args: list[Vals], kwargs: dict[str, Vals], self_value: V | None,
        node: Any, caller: Frame | None,
    ) -> Vals:
        """Interpret a function body with the given arguments."""
        parts = (func, self_value, tuple(args), tuple(sorted(kwargs.items())))
        key = plain = _Key(parts)
        # NOTE: a function rebinding its enclosing function's variables (``nonlocal``) runs
        # at each call: a result remembered would skip the writes the call makes.
        known = self.memo.get(key) if not self._rebinds(func) else None
        site = (node, args, self_value, caller) if caller is not None and type(node) is ast.Call else None
        doubt: dict[str, int] | None = _NO_DOUBT if site is None else None
        by_doubt = type(known) is _ByDoubt
        if by_doubt:
            # NOTE: an earlier run of the function asked whether its parameters may be
            # trusted: the answer is part of the key.
            self.trusted += 1
            doubt = self._arg_doubt(func, *site) if site is not None else _NO_DOUBT
            asked = tuple(sorted(doubt.items()))
            known = known.results.get(asked)  # type: ignore[union-attr]
            key = _Key((*parts, asked))
        if known is not None:
            changed = self.changed_args.get(key)
            if changed:
                self._write_back(func, args, kwargs, self_value, node, caller, changed)
            return known  # type: ignore[return-value]
        if id(func.node) in self.stack:
            self.reentered.add(id(func.node))
            return (Unknown("recursion", maybe_client=True),)
        if len(self.stack) >= MAX_DEPTH:
            return self._beyond_depth(func, self_value)
        self.visited.add(id(func.node))
        state = self.modules.get(func.module) or self.load_module(func.module)
        if state is None:
            return UNKNOWN_VALS
        closure = func.closure if isinstance(func.closure, Frame) else None
        frame = Frame(state, {}, func, closure)
        recursive = id(func.node) in self.reentered
        frame.doubt, frame.site = (_doubting(func), None) if recursive else (doubt, site)
        self._bind_params(func, args, kwargs, self_value, frame)
        if not by_doubt:
            self.memo[key] = UNKNOWN_VALS
        trusted = self.trusted
        self._run_body(func, frame)
        if not recursive and id(func.node) in self.reentered and self.trusted != trusted:
            # NOTE: the call that entered the function again was cut short, yet it runs
            # with other arguments (``go(n - 1)``), which may take the branches these did
            # not: the body runs once more with no test of a parameter trusted, as every
            # later call of the function does.
            again = Frame(state, {}, func, closure)
            self._bind_params(func, args, kwargs, self_value, again)
            again.doubt = _doubting(func)
            self._run_body(func, again)
            frame.returns += again.returns
            frame.yields += again.yields
            for name in again.changed or ():
                frame.locals[name] = join(frame.locals.get(name, ()), again.locals[name])
                frame.changed = (frame.changed or set()) | {name}
        for w in self.wrappers.get(id(func.node), ()):
            self.invoke(w, args, kwargs, self_value, node, caller)
        if frame.yields and _decorator_names(func.node) & {"contextmanager", "asynccontextmanager"}:
            # NOTE: ``with session_client() as sqs:`` binds what the generator yields.
            result: Vals = (Builtin("context manager", join(*frame.yields)),)
        elif frame.yields:
            # NOTE: calling a generator gives an iterable of what it yields.
            yielded = frame.yields
            result = (SeqV((join(*yielded),), True),) if yielded else (SeqV((), True),)
        elif frame.returns and _returns_at_end(func.node):
            result = join(*frame.returns)
        else:
            # NOTE: a body that can end without ``return`` also gives None.
            result = join(*frame.returns, NONE_VALS)
        if by_doubt or (doubt is None and frame.doubt is not None):
            asked = tuple(sorted((frame.doubt or _NO_DOUBT).items()))
            entry = self.memo.get(plain)
            if type(entry) is not _ByDoubt:
                entry = self.memo[plain] = _ByDoubt()
            entry.results[asked] = result  # type: ignore[union-attr]
            key = _Key((*parts, asked))
        else:
            self.memo[key] = result
        if frame.changed:
            a = func.node.args
            if a.defaults or a.kw_defaults:
                self._keep_defaults(func, frame, args, kwargs, self_value)
            params = {p.arg for p in (*a.posonlyargs, *a.args, *a.kwonlyargs)}
            changed = tuple((p, frame.locals[p]) for p in sorted(frame.changed) if p in params)
            if changed:
                self.changed_args[key] = changed
                self._write_back(func, args, kwargs, self_value, node, caller, changed)
        return result

    def _shared_default(self, func: Func, param: str, default: Vals) -> Vals:
        """A parameter's default: a list or dict default is one object for every call, so
        what earlier calls put in it (``def collect(k, acc=[])``) is there too."""
        if not any(type(v) is SeqV or type(v) is DictV for v in default):
            return default
        added = self.heap.get((DEFAULTS, id(func.node), param))
        return join(default, added) if added else default

    def _keep_defaults(self, func: Func, frame: Frame, args: list[Vals], kwargs: dict[str, Vals], self_value: V | None) -> None:
        """Remember what a call put in the list or dict defaults it changed in place."""
        a = func.node.args
        positional = [*a.posonlyargs, *a.args]
        given = len(args) + (self_value is not None)
        defaulted = {p.arg for i, p in enumerate(positional) if i >= given and p.arg not in kwargs}
        defaulted |= {p.arg for p in a.kwonlyargs if p.arg not in kwargs}
        for name in sorted((frame.changed or set()) & defaulted):
            self.heap.add((DEFAULTS, id(func.node), name), frame.locals[name])

    def _beyond_depth(self, func: Func, self_value: V | None) -> Vals:
        """A call deeper than MAX_DEPTH: the function still runs (its calls are granted,
        not reported unreachable), once, from a fresh depth and with every argument
        unknown, since the arguments the chain would give are not followed."""
        key = _Key((func, self_value, "beyond depth"))
        known = self.memo.get(key)
        if known is not None:
            return known  # type: ignore[return-value]
        self.memo[key] = (Unknown("call chain too deep to follow", maybe_client=True),)
        a = func.node.args
        positional = [*a.posonlyargs, *a.args][1 if self_value is not None else 0 :]
        unknown = (Unknown("argument of a call chain too deep to follow", maybe_client=True),)
        stack, self.stack = self.stack, []
        try:
            result = self.invoke(func, [unknown] * len(positional), {p.arg: unknown for p in a.kwonlyargs}, self_value, None, None)
        finally:
            self.stack = stack
        self.memo[key] = result
        return result

    def _run_body(self, func: Func, frame: Frame) -> None:
        self.stack.append(id(func.node))
        try:
            if isinstance(func.node, ast.Lambda):
                frame.returns.append(self.ev(func.node.body, frame))
            else:
                try:
                    self.exec_block(func.node.body, frame)
                except _Return:
                    pass
        finally:
            self.stack.pop()

    def _write_back(
        self, func: Func, args: list[Vals], kwargs: dict[str, Vals], self_value: V | None, node: Any,
        caller: Frame | None, changed: tuple[tuple[str, Vals], ...],
    ) -> None:
        """A dict or list the function changed in place (``fill(params)``) is changed for
        the caller too: the name the caller passed may now hold what the function put in."""
        if not changed or caller is None or not isinstance(node, ast.Call):
            return
        if len(node.args) != len(args) or any(isinstance(a, ast.Starred) for a in node.args):
            return  # NOTE: called with other arguments than the call's own (a handed function)
        a = func.node.args
        positional = [p.arg for p in (*a.posonlyargs, *a.args)][1 if self_value is not None else 0 :]
        for param, value in changed:
            if param in kwargs:
                expr = next((k.value for k in node.keywords if k.arg == param), None)
            elif param in positional and positional.index(param) < len(node.args):
                expr = node.args[positional.index(param)]
            else:
                continue
            if not isinstance(expr, ast.Name):
                continue
            name = expr.id
            if name in caller.locals:
                caller.locals[name] = join(caller.locals[name], value)
                _note_change(caller, name)
            elif name in caller.module.env:
                caller.module.env[name] = join(caller.module.env[name], value)
                self.global_writes.add((caller.module.name, name), caller.module.env[name])

    def _bind_params(
        self, func: Func, args: list[Vals], kwargs: dict[str, Vals], self_value: V | None, frame: Frame
    ) -> None:
        a = func.node.args
        given = list(args)
        if self_value is not None:
            given.insert(0, (self_value,))
        if (
            not kwargs and len(given) == len(a.args) and not a.posonlyargs and not a.kwonlyargs
            and a.vararg is None and a.kwarg is None
        ):
            # NOTE: the common call: every parameter given by position.
            for p, value in zip(a.args, given):
                frame.locals[p.arg] = value
            return
        positional = [*a.posonlyargs, *a.args]
        defaults = list(a.defaults)
        first_default = len(positional) - len(defaults)
        def_frame = self.modules.get(func.module)
        made = func.defaults
        for i, p in enumerate(positional):
            if i < len(given):
                frame.locals[p.arg] = given[i]
            elif p.arg in kwargs:
                frame.locals[p.arg] = kwargs[p.arg]
            elif i >= first_default and made is not None:
                frame.locals[p.arg] = self._shared_default(func, p.arg, made[i - first_default])
            elif i >= first_default and def_frame is not None:
                frame.locals[p.arg] = self._shared_default(
                    func, p.arg, self._default(defaults[i - first_default], p.annotation, Frame(def_frame, {}, is_module=True)))
            else:
                injected = self._annotated_dependency(p.annotation, Frame(def_frame, {}, is_module=True)) if (
                    def_frame is not None and p.annotation is not None) else None
                frame.locals[p.arg] = injected or (Unknown(f"parameter {p.arg!r} of {func.qualname}", maybe_client=True),)
        for j, (p, d) in enumerate(zip(a.kwonlyargs, a.kw_defaults)):
            if p.arg in kwargs:
                frame.locals[p.arg] = kwargs[p.arg]
            elif d is not None and made is not None:
                frame.locals[p.arg] = self._shared_default(func, p.arg, made[len(defaults) + j])
            elif d is not None and def_frame is not None:
                frame.locals[p.arg] = self._shared_default(func, p.arg, self._default(d, p.annotation, Frame(def_frame, {}, is_module=True)))
            else:
                frame.locals[p.arg] = (Unknown(f"parameter {p.arg!r}", maybe_client=True),)
        if a.vararg:
            frame.locals[a.vararg.arg] = (SeqV(tuple(given[len(positional):])),)
        if a.kwarg:
            names = {p.arg for p in positional} | {p.arg for p in a.kwonlyargs}
            extra = tuple((k, v) for k, v in kwargs.items() if k not in names and k != "**")
            frame.locals[a.kwarg.arg] = (DictV(extra, open="**" in kwargs),)

    def _default(self, expr: ast.expr, annotation: ast.expr | None, defining: Frame) -> Vals:
        """A parameter's default: its value, or what a FastAPI dependency (``= Depends(dep)``)
        gives, since only the framework leaves such a parameter out of a call."""
        injected = self._dependency(expr, annotation, defining)
        return injected if injected is not None else self.ev(expr, defining)

    def instantiate(
        self, cls: Class, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None
    ) -> Vals:
        """Create an instance: dataclass fields, or ``__init__``. A project metaclass's
        ``__call__`` runs first (what it returns is not followed: the instance is)."""
        inst = Instance(cls)
        mro = self._mro(cls)
        if any(c.node.keywords for c in mro):
            metaclass = self._metaclass(cls)
            call = self._defined_in(self._mro(metaclass), "__call__") if metaclass is not None else None
            if call is not None:
                self.invoke(call, args, kwargs, cls, node, frame)
        if any(self._is_record(c) for c in mro):
            fields = [f for c in reversed(mro) for f in _fields(c.node)]
            given = list(args)
            state = self.modules.get(cls.module)
            env_prefix = _settings_prefix(mro)
            for i, (fname, default, factory, alias) in enumerate(fields):
                value: Vals | None = None
                if i < len(given):
                    value = given[i]
                elif fname in kwargs or (alias and alias in kwargs):
                    value = kwargs[fname] if fname in kwargs else kwargs[alias]  # type: ignore[index]
                elif state is not None and (default is not None or factory is not None):
                    defining = Frame(state, {}, is_module=True)
                    if factory is not None:
                        value = self.call_values(self.ev(factory, defining), [], {}, factory, defining)
                    else:
                        value = self.ev(default, defining)  # type: ignore[arg-type]
                if env_prefix is not None and i >= len(given) and fname not in kwargs and frame is not None:
                    # NOTE: pydantic settings read each field from the environment (the
                    # prefix and field name, in any case), else take the default.
                    value = self.env_value(self._env_name(alias or env_prefix + fname), value, frame, node)
                if value is None:
                    value = (Unknown(f"field {fname!r} of {cls.qualname}", maybe_client=True),)
                hk = (id(cls.node), fname)
                self.heap.add(hk, value)
            post = self.instance_attr(inst, "__post_init__", frame)
            if post:
                self.call_values(post, [], {}, node, frame)
            return (inst,)
        made: Vals = (inst,)
        new = self._defined_in(mro, "__new__")
        if new is not None:
            # NOTE: a class's own __new__ (a singleton's) makes the instance, or returns one
            # it made before; Python then runs __init__ on what is an instance of the class.
            made = self.invoke(new, [(cls,), *args], kwargs, None, node, frame) or UNKNOWN_VALS
            if not any(type(v) is Instance and cls in self._mro(v.cls) for v in made):
                return made
        init = self.instance_attr(inst, "__init__", frame)
        if init:
            self.call_values(init, args, kwargs, node, frame)
        return made

    def _boto3_attr(self, name: str) -> Vals:
        """What ``boto3.<name>`` is, for the names in ``_BOTO3_NAMES``: the functions that make
        clients and sessions, and the default session those functions use (code that reaches
        it directly makes its clients from it): the one ``setup_default_session`` made, else
        boto3's own."""
        if name == "DEFAULT_SESSION":
            return self.environment.default_sessions or (Session(),)
        return (Builtin(f"boto3.{name}"),)

    def _env_name(self, name: str) -> str:
        """The variable a case-insensitive name reads: one given in any case, else upper case."""
        if name in self.env:
            return name
        folded = name.lower()
        return next((k for k in sorted(self.env) if k.lower() == folded), name.upper())

    # -- builtins and boto3 entry points -------------------------------------------------

    # -- reporting -----------------------------------------------------------------------

    def _loc(self, frame: Frame | None, node: Any) -> Location:
        if frame is None:
            return Location("", 0, "")
        path = frame.module.display
        line = getattr(node, "lineno", 0) or 0
        text = frame.module.parsed.segment(node) if isinstance(node, ast.AST) else ""
        return Location(path, line, text)

    def _unmodelled_call(self, name: str, node: Any, frame: Frame | None) -> bool:
        """Report a call of ``name``, under a library namespace that calls AWS but not modelled
        (``aws.unmodelled_aws_name``); whether it was one."""
        namespace = aws.unmodelled_aws_name(name)
        if namespace is None or frame is None or not isinstance(node, ast.Call):
            return False
        self._unresolved(frame, node, f"{name}() calls AWS in {namespace}, and lpgen does not know which calls")
        return True

    def _unresolved(self, frame: Frame, node: Any, reason: str, service: str = "") -> None:
        self.unresolved.append(UnresolvedCall(self._loc(frame, node), reason, service))


def _library_result(returns: str | None, owner: Vals, obj: LibObject) -> Vals:
    """What a method inherited from a library class gives (``returns`` in its model): an
    instance of the project class, an iterable of them, or another modelled object."""
    items = tuple(Instance(c) for c in owner if isinstance(c, Class))
    if returns == "instance" and items:
        return items
    if returns == "instances" and items:
        return (SeqV((items,), True),)
    if returns and returns.startswith("object:"):
        return (LibObject(returns[7:], obj.args, tuple(kv for kv in obj.kwargs if not kv[0].startswith("__"))),)
    if returns == "paths below":
        # NOTE: a listing of a path object (iterdir, glob): paths of the same class below it,
        # each one not known (``for p in root.iterdir(): p.unlink()``).
        below = path_below(obj, [(Str("*"),)])
        if below:
            return (SeqV((below,), True),)
    return UNKNOWN_VALS


NONE_VALS: Vals = (Const(None),)
BOOL_VALS: Vals = (Const(True), Const(False))

PASSIVE_BASES = frozenset({
    "abc", "typing", "typing_extensions", "enum", "dataclasses", "collections", "numbers", "builtins",
    "pydantic", "pydantic_settings", "attr", "attrs", "marshmallow", "msgspec",
})
"""libraries whose base classes call no method a subclass defines for them (data models,
enumerations, abstract and generic bases): deriving from them runs nothing."""

_CALLABLE_VALUES = frozenset({Func, Bound, Builtin})
"""the values ``call_handed_functions`` may call."""

_STATEMENTS: dict[type, Any] = {
    ast.Expr: Analyzer._st_expr,
    ast.Assign: Analyzer._st_assign,
    ast.AnnAssign: Analyzer._st_annassign,
    ast.AugAssign: Analyzer._st_augassign,
    ast.Return: Analyzer._st_return,
    ast.FunctionDef: Analyzer.define_function,
    ast.AsyncFunctionDef: Analyzer.define_function,
    ast.ClassDef: Analyzer.define_class,
    ast.If: Analyzer._st_if,
    ast.For: Analyzer._st_for,
    ast.AsyncFor: Analyzer._st_for,
    ast.While: Analyzer._st_while,
    ast.With: Analyzer._st_with,
    ast.AsyncWith: Analyzer._st_with,
    ast.Try: Analyzer._st_try,
    ast.Match: Analyzer._st_match,
    ast.Import: Analyzer._st_import,
    ast.ImportFrom: Analyzer._st_import_from,
    ast.Global: Analyzer._st_global,
    ast.Nonlocal: Analyzer._st_nonlocal,
    ast.Raise: Analyzer._st_raise,
    ast.Assert: Analyzer._st_assert,
    ast.Delete: Analyzer._st_delete,
}
"""how ``Analyzer.exec_stmt`` runs each kind of statement (``pass``, ``break`` and
``continue`` change nothing it tracks)."""
if hasattr(ast, "TryStar"):
    _STATEMENTS[ast.TryStar] = Analyzer._st_try


_OPERATOR_METHODS = {
    ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.MatMult: "matmul", ast.Div: "truediv",
    ast.FloorDiv: "floordiv", ast.Mod: "mod", ast.Pow: "pow", ast.LShift: "lshift", ast.RShift: "rshift",
    ast.BitOr: "or", ast.BitXor: "xor", ast.BitAnd: "and",
}
"""the name of each binary operator's methods (``__add__``, ``__radd__``, ``__iadd__``)."""

_COMPARISON_METHODS = {
    ast.Eq: ("__eq__", "__eq__"), ast.NotEq: ("__ne__", "__ne__"), ast.Lt: ("__lt__", "__gt__"),
    ast.LtE: ("__le__", "__ge__"), ast.Gt: ("__gt__", "__lt__"), ast.GtE: ("__ge__", "__le__"),
}
"""each comparison's method and the right side's reflected one."""

_EXPRESSIONS: dict[type, Any] = {
    ast.JoinedStr: Analyzer.fstring,
    ast.FormattedValue: Analyzer._ev_formatted,
    ast.BinOp: Analyzer._ev_binop,
    ast.Subscript: Analyzer._ev_subscript,
    ast.Dict: Analyzer._ev_dict,
    ast.List: Analyzer._ev_sequence,
    ast.Tuple: Analyzer._ev_sequence,
    ast.Set: Analyzer._ev_sequence,
    ast.ListComp: Analyzer.comprehension,
    ast.SetComp: Analyzer.comprehension,
    ast.GeneratorExp: Analyzer.comprehension,
    ast.DictComp: Analyzer.comprehension,
    ast.IfExp: Analyzer._ev_ifexp,
    ast.BoolOp: Analyzer._ev_boolop,
    ast.Lambda: Analyzer._ev_lambda,
    ast.YieldFrom: Analyzer._ev_yield_from,
    ast.Await: Analyzer._ev_inner,
    ast.Yield: Analyzer._ev_yield,
    ast.NamedExpr: Analyzer._ev_named,
    ast.Starred: Analyzer._ev_inner,
    ast.Compare: Analyzer._ev_compare,
    ast.UnaryOp: Analyzer._ev_unary,
}
"""how ``Analyzer.ev`` evaluates the expressions other than names, constants, calls and
attributes (which it handles first, being most of any program)."""


def _callable_alternatives(callee: Vals) -> Vals:
    """The alternatives of ``x.method`` that can be called. When ``x`` may be one of
    several clients and some have the method, the others would raise AttributeError there
    rather than reach AWS (``for client, bucket in ...: if client is s3:
    client.get_object(...)``): they are dropped, not reported as unresolved. A client whose
    service is not known stays (it may be any service)."""
    methods = [
        (f, aws.client_has_method(f.bound[0], f.bound[1]))
        for f in callee
        if type(f) is Builtin and f.name == "client.method" and f.bound[0].service is not None  # type: ignore[attr-defined]
    ]
    if not any(has for _, has in methods) or all(has for _, has in methods):
        return callee
    lacking = {id(f) for f, has in methods if not has}
    return tuple(f for f in callee if id(f) not in lacking)


HOLDERS = frozenset({
    "builtins", "collections", "contextlib", "contextvars", "copy", "dataclasses", "functools", "itertools",
    "operator", "pickle", "queue", "shelve", "types", "typing", "weakref",
    "threading.local", "asyncio.Queue", "asyncio.LifoQueue", "asyncio.PriorityQueue", "multiprocessing.Queue",
    "multiprocessing.Manager",
})
"""standard modules, and classes of others, whose results may hold what the code puts in
them (a client in a ``defaultdict``, a ``copy``, a thread's ``threading.local()``)."""


_EQUALITY = (ast.Eq, ast.NotEq, ast.Is, ast.IsNot)


def _known(values: Vals) -> list[Any] | None:
    """The plain values of ``values`` when each is known (text with no unknown part, None, a
    number or a flag), else None. ``is`` between such values is ``==`` (None, True, False,
    and equal small texts and numbers alike)."""
    out: list[Any] = []
    for v in values:
        if type(v) is Str and "*" not in v.pattern:  # type: ignore[attr-defined]
            out.append(v.pattern)  # type: ignore[attr-defined]
        elif type(v) is Const and (v.value is None or type(v.value) in (bool, int, float, str)):  # type: ignore[attr-defined]
            out.append(v.value)  # type: ignore[attr-defined]
        else:
            return None
    return out or None


LOCAL_ONLY_VARS = frozenset({"AWS_SAM_LOCAL", "LOCALSTACK_HOSTNAME"})
"""variables only a local emulator sets (SAM CLI's ``sam local``: AWS_SAM_LOCAL=true;
LocalStack's Lambda containers: LOCALSTACK_HOSTNAME): a deployed function never has them,
so code that tests them for local runs takes its deployed path."""


@cache
def _standard_result(name: str) -> bool:
    """Is ``name`` a function or class of the standard library whose result is never a
    client (``asyncio.TaskGroup``, ``datetime.now``, ``logging.getLogger``)?"""
    top = name.partition(".")[0]
    return top in sys.stdlib_module_names and top not in HOLDERS and name not in HOLDERS


def _widen_growing(once: dict[str, Vals], frame: Frame) -> bool:
    """After a round of a loop: each text the round changed (``key += part``) becomes one
    pattern that covers its values (``b``, ``ba``, ``baa`` → ``b*``), each list it changed
    one list of any length; whether any did."""
    widened = False
    for name, now in frame.locals.items():
        before = once.get(name)
        if before is None or now == before or set(now) <= set(before):
            continue
        texts = [v.pattern for v in now if type(v) is Str]
        dicts = [v for v in now if isinstance(v, DictV)]
        if len(texts) > 1 or dicts:
            frame.locals[name] = now = _covering(now)
            widened = widened or len(texts) > 1 or any(d not in before for d in dicts)
        lists = [v for v in now if type(v) is SeqV]
        if any(v not in before for v in lists) and not (len(lists) == 1 and lists[0].homogeneous):
            # NOTE: a list the round changed (``l *= 2``, ``l.append(x)``) may change in every
            # round: one item stands for every item it may have.
            items = [item for v in lists for item in v.items]
            frame.locals[name] = vals(*(v for v in now if type(v) is not SeqV), SeqV((join(*items),) if items else (), True))
            widened = True
    return widened


def _covering(now: Vals) -> Vals:
    """``now`` with its texts as one pattern covering them and its dicts as one dict."""
    texts = [v.pattern for v in now if type(v) is Str]
    dicts = [v for v in now if isinstance(v, DictV)]
    kept = [v for v in now if type(v) is not Str and not isinstance(v, DictV)]
    return vals(*kept, *((Str(cover(texts)),) if texts else ()), *_covering_dicts(dicts))


def _concatenated(a: SeqV, b: SeqV) -> SeqV:
    """``a + b`` of two lists: item by item when both are known item by item (the second may
    end open); when either is not (a generator's items, a list a loop grew), or the first
    may go on past its known items, one item standing for every item of both."""
    if a.homogeneous or b.homogeneous or a.open:
        items = (*a.items, *b.items)
        return SeqV((join(*items),), True) if items else SeqV((), True)
    return SeqV(a.items + b.items, open=b.open)


def _widen_store(store: _Store, earlier: dict[Any, Vals], before: dict[Any, Vals]) -> None:
    """Each value of ``store`` that changed in the last two passes (from ``earlier`` to
    ``before``, the ends of the passes before them, and from ``before`` to now) becomes one
    covering its alternatives (see ``_covering``): what a pass writes from what an earlier
    one wrote (``PREFIX = build(PREFIX)`` in a function) stops growing."""
    for key, now in list(dict.items(store)):
        old, older = before.get(key), earlier.get(key)
        if old is not None and older is not None and now != old != older:
            dict.__setitem__(store, key, _covering(now))


def _covering_dicts(dicts: list[DictV]) -> tuple[DictV, ...]:
    """One dict for each set of keys among a loop's dicts (a request or a cache it keeps
    changing), each key with one pattern covering its texts: a key only some of the dicts
    have stays missing from the others (``d.get(k, default)`` still gives the default)."""
    groups: dict[frozenset[str], list[DictV]] = {}
    for d in dicts:
        groups.setdefault(frozenset(k for k, _ in d.items), []).append(d)
    out = []
    for group in groups.values():
        keys: dict[str, list[V]] = {}
        for d in group:
            for k, v in d.items:
                keys.setdefault(k, []).extend(v)
        items = []
        for k, held in keys.items():
            texts = [v.pattern for v in held if type(v) is Str]
            items.append((k, vals(*(v for v in held if type(v) is not Str), *((Str(cover(texts)),) if texts else ()))))
        out.append(DictV(tuple(items), any(d.open for d in group)))
    return tuple(out)


DEFAULTS = "<default>"
"""with a function's id and a parameter's name, the heap key of what calls put in the
parameter's list or dict default."""

SUBCLASSES = "<subclasses>"
"""with a class's id, the heap key of the project's classes deriving from it (apart from
the attributes, which are keyed by the class's id first)."""


def _property_part(node: ast.FunctionDef | ast.AsyncFunctionDef) -> str | None:
    """"setter" or "deleter" for a method decorated ``@<its name>.setter``/``.deleter``."""
    for d in node.decorator_list:
        if isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter") and isinstance(d.value, ast.Name) and d.value.id == node.name:
            return d.attr
    return None


def _decorator_names(node: Any) -> set[str]:
    names: set[str] = set()
    for d in getattr(node, "decorator_list", ()):
        target = d.func if isinstance(d, ast.Call) else d
        if isinstance(target, ast.Name):
            names.add(target.id)
        elif isinstance(target, ast.Attribute):
            names.add(target.attr)
    return names


RECORD_METHODS = frozenset({"_replace", "_asdict", "model_copy", "model_dump"})
"""methods of a dataclass, NamedTuple or pydantic model the analysis follows (``record_call``)."""


MODELLED = {
    "os.environ", "os.getenv", "os.path.join", "posixpath.join", "functools.lru_cache", "functools.cache",
    "functools.partial", "functools.wraps", "functools.cached_property", "dataclasses.dataclass", "operator.methodcaller",
    "contextlib.closing",
    "dataclasses.field", "typing.cast", "typing_extensions.cast", "urllib.parse.unquote", "urllib.parse.quote",
    "urllib.parse.quote_plus",
    "urllib.parse.unquote_plus", "importlib.import_module", "time.strftime", *DATA_LOADERS, *PATH_FUNCTIONS, *SPLITTERS,
    *URL_PARSERS,
    "string.Template", "sys.path.insert", "sys.path.append", "site.addsitedir", "botocore.config.Config",
    "botocore.client.Config", "dotenv.load_dotenv", "dotenv.dotenv_values", "copy.copy", "copy.deepcopy",
    "threading.local", "types.SimpleNamespace", "itertools.chain", "itertools.product", "functools.reduce",
    "dataclasses.replace", "dataclasses.asdict", "contextvars.ContextVar", *OPERATOR_FUNCTIONS,
}
"""library names the analyser follows, however they are imported."""


DEFERRED_CALLS = frozenset({
    f"dependency_injector.providers.{name}"
    for name in ("Singleton", "ThreadSafeSingleton", "ThreadLocalSingleton", "Factory", "Callable", "Resource")
})
"""library objects that call their first argument with the rest when called, as
functools.partial does (dependency-injector's providers: ``providers.Singleton(boto3.client,
"s3")()`` is ``boto3.client("s3")``)."""


ENUM_BASES = frozenset({"enum.Enum", "enum.StrEnum", "enum.IntEnum", "enum.Flag", "enum.IntFlag"})
"""the enum module's classes: a class deriving from one iterates over its members."""


PATH_CLASSES = frozenset({
    "pathlib.PurePosixPath", "pathlib.PurePath", "pathlib.Path", "pathlib.PosixPath", "pathlib.PureWindowsPath",
})
"""path classes: their value is the joined text (``PurePosixPath(prefix) / name`` builds keys)."""


def _library_value(full: str) -> V:
    """What the dotted name of a library object is to the analyser (``os.getenv`` by
    ``import os`` or by ``from os import getenv`` alike)."""
    if full in SESSION_FACTORIES:
        return Builtin("boto3.Session")
    if full.startswith("posixpath.") and "os.path." + full[10:] in MODELLED:
        return Builtin("os.path." + full[10:])
    if full in PATH_CLASSES:
        return Builtin("os.path.join")
    if full in MODELLED:
        return Builtin(full)
    if full in DEFERRED_CALLS:
        return Builtin("functools.partial")
    return Module(full)


def _join_states(states: list[dict[str, Vals]]) -> dict[str, Vals]:
    """Each name's alternatives over the states (of branches, or of a loop's rows)."""
    merged = dict(states[0]) if states else {}
    for state in states[1:]:
        for k, v in state.items():
            old = merged.get(k)
            if old is None:
                merged[k] = v
            elif old is not v:
                # NOTE: a name no branch rebinds keeps its value object: nothing to join.
                merged[k] = join(old, v)
    return merged


MAX_UNROLL = 12
"""rows of a literal list a loop is run for one by one."""


def _literal_rows(iterable: Vals, target: ast.expr) -> tuple[Vals, ...] | None:
    """The rows of a literal list of tuples that a loop unpacks, or None."""
    if not isinstance(target, (ast.Tuple, ast.List)) or len(iterable) != 1:
        return None
    seq = iterable[0]
    if not isinstance(seq, SeqV) or seq.homogeneous or not 0 < len(seq.items) <= MAX_UNROLL:
        return None
    if not all(len(row) == 1 and isinstance(row[0], SeqV) and not row[0].homogeneous for row in seq.items):
        return None
    return seq.items


def _pattern_takes(pattern: ast.pattern, values: Vals) -> Vals | None:
    """The values a ``case`` pattern matches, of literal ones; None when the pattern may
    match any of them (a class, mapping or sequence pattern, a dotted name)."""
    if isinstance(pattern, ast.MatchAs) and pattern.pattern is None:
        return values
    literals = _pattern_literals(pattern)
    if literals is None:
        return None
    wanted = [_literal(v) for v in literals]
    return tuple(v for v in values if _literal(v) in wanted)


def _pattern_literals(pattern: ast.pattern) -> Vals | None:
    """The values a pattern of literals alone can match (``"a" | "b"``), else None."""
    if isinstance(pattern, ast.MatchAs):
        return None if pattern.pattern is None else _pattern_literals(pattern.pattern)
    if isinstance(pattern, ast.MatchOr):
        parts = [_pattern_literals(p) for p in pattern.patterns]
        return None if any(p is None for p in parts) else tuple(v for p in parts for v in p or ())
    if isinstance(pattern, ast.MatchValue) and isinstance(pattern.value, ast.Constant):
        value = pattern.value.value
        return (Str(value),) if isinstance(value, str) else (Const(value),)
    if isinstance(pattern, ast.MatchSingleton):
        return (Const(pattern.value),)
    return None


def _literal(v: V) -> Any:
    return v.pattern if type(v) is Str else v.value if type(v) is Const else None  # type: ignore[attr-defined]


def _case_bind(pattern: ast.pattern, values: Vals, subject: str | None) -> dict[str, Vals]:
    """What a case's body sees: the subject's local (when it is narrowed) and the name the
    pattern captures (``case x:``, ``case "a" | "b" as x:``), each bound to ``values``."""
    bind = {subject: values} if subject is not None else {}
    if isinstance(pattern, ast.MatchAs) and pattern.name:
        bind[pattern.name] = values
    return bind


def _affix_facts(test: ast.expr, holds: bool) -> list[tuple[str, str, str]]:
    """What ``test`` evaluating to ``holds`` tells of names' affixes: (name, "startswith",
    "lit") for each ``name.startswith("lit")`` that must then hold (through ``and``, ``or``
    and ``not``)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        return _affix_facts(test.operand, not holds)
    if isinstance(test, ast.BoolOp):
        # NOTE: every part of an ``and`` that held, every part of an ``or`` that failed.
        if holds == isinstance(test.op, ast.And):
            return [f for v in test.values for f in _affix_facts(v, holds)]
        return []
    guard = _affix_guard(test)
    return [guard[:3]] if guard is not None and guard[3] == holds else []


def _narrow(frame: Frame, facts: list[tuple[str, str, str]]) -> dict[str, Vals]:
    """The locals ``facts`` narrow, as they are narrowed."""
    out: dict[str, Vals] = {}
    for name, method, literal in facts:
        if name in frame.locals:
            out[name] = _with_affix(out.get(name, frame.locals[name]), method, literal)
    return out


def _affix_guard(test: ast.expr) -> tuple[str, str, str, bool] | None:
    """``name.startswith("lit")`` → (name, "startswith", "lit", True); the same for
    ``endswith``; under ``not`` the last part is False."""
    holds = True
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, holds = test.operand, not holds
    if (
        isinstance(test, ast.Call) and isinstance(test.func, ast.Attribute)
        and test.func.attr in ("startswith", "endswith")
        and isinstance(test.func.value, ast.Name) and len(test.args) == 1 and not test.keywords
        and isinstance(test.args[0], ast.Constant) and isinstance(test.args[0].value, str) and test.args[0].value
    ):
        return test.func.value.id, test.func.attr, test.args[0].value, holds
    return None


_TYPE_NAMES: dict[str, type] = {
    "str": str, "dict": dict, "list": list, "tuple": tuple, "set": set, "frozenset": frozenset,
    "int": int, "float": float, "bool": bool, "bytes": bytes,
}


def _value_guard(test: ast.expr) -> tuple[ast.expr, Callable[[V], bool | None], bool] | None:
    """A test that the values of one expression may decide: ``x is None``, ``x is not
    None``, ``x`` (truthiness), ``x == "literal"`` (``!=``, ``in`` and ``not in`` a tuple,
    list or set of literals) or ``isinstance(x, str)`` with built-in types. (x, the test of
    one alternative, True); under ``not`` the last part is False."""
    holds = True
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test, holds = test.operand, not holds
    if (
        isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Is, ast.IsNot))
        and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None
    ):
        return test.left, _is_none, holds == isinstance(test.ops[0], ast.Is)
    compared = _compared_to_literals(test)
    if compared is not None:
        operand, literals, positive = compared
        return operand, partial(_equals_one_of, literals=literals), holds == positive
    if isinstance(test, ast.Call) and isinstance(test.func, ast.Name) and test.func.id == "isinstance":
        if len(test.args) != 2 or test.keywords:
            return None
        spec = test.args[1]
        names = spec.elts if isinstance(spec, ast.Tuple) else [spec]
        if not names or not all(isinstance(n, ast.Name) and n.id in _TYPE_NAMES for n in names):
            return None
        types = tuple(_TYPE_NAMES[n.id] for n in names)  # type: ignore[attr-defined]
        return test.args[0], partial(_is_instance, types=types), holds
    if isinstance(test, (ast.Compare, ast.BoolOp)):
        return None  # NOTE: other comparisons and and/or: their truth is not one value's
    return test, _truthy, holds


def _doubting(func: Func) -> dict[str, int]:
    """Every parameter of ``func`` in doubt: no test of one decides."""
    a = func.node.args
    return {p.arg: DOUBT_OBJECT for p in (*a.posonlyargs, *a.args, *a.kwonlyargs, a.vararg, a.kwarg) if p is not None}


HANDED_ARGUMENTS = {
    "submit": (0, "args"), "run_in_executor": (1, "args"), "to_thread": (0, "args"),
    "apply_async": (0, "tuple"), "apply": (0, "tuple"),
    "map": (0, "items"), "imap": (0, "items"), "imap_unordered": (0, "items"),
}
"""methods that call the function at an argument position with the arguments after it
("args"), with one item of each iterable after it ("items") or with the items of the tuple
after it ("tuple"): an executor's ``submit`` and ``map``, asyncio's
``loop.run_in_executor(None, fn, *args)`` and ``asyncio.to_thread(fn, *args)``, a process
pool's ``apply_async(fn, (a, b))``."""


def _literals_of(value: Vals, membership: bool) -> tuple[object, ...] | None:
    """The literal a name stands for when it has exactly one known value (a string with no
    unknown part, a number), or with ``membership`` the items of its one literal tuple."""
    if len(value) != 1:
        return None
    one = value[0]
    if membership:
        if type(one) is not SeqV or one.homogeneous or not one.items:
            return None
        items = [_literals_of(item, False) for item in one.items]
        return tuple(x[0] for x in items if x is not None) if all(x is not None for x in items) else None
    if type(one) is Str and "*" not in one.pattern:
        return (one.pattern,)
    if type(one) is Const and isinstance(one.value, (str, int)) and not isinstance(one.value, bool):
        return (one.value,)
    return None


def _without_not(test: ast.expr) -> ast.expr:
    while isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        test = test.operand
    return test


def _compared_to_literals(test: ast.expr) -> tuple[ast.expr, tuple[object, ...], bool] | None:
    """``x == "a"`` → (x, ("a",), True); ``x != "a"`` → (…, False); ``x in ("a", "b")`` →
    (x, ("a", "b"), True); the literal may stand on the left of ``==``."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None
    op, left, right = test.ops[0], test.left, test.comparators[0]

    def literal(e: ast.expr) -> bool:
        return isinstance(e, ast.Constant) and isinstance(e.value, (str, int))

    if isinstance(op, (ast.Eq, ast.NotEq)):
        if literal(left) and not literal(right):
            left, right = right, left
        if literal(right) and not literal(left):
            return left, (right.value,), isinstance(op, ast.Eq)  # type: ignore[attr-defined]
        return None
    if (
        isinstance(op, (ast.In, ast.NotIn)) and not literal(left)
        and isinstance(right, (ast.Tuple, ast.List, ast.Set)) and right.elts and all(literal(e) for e in right.elts)
    ):
        return left, tuple(e.value for e in right.elts), isinstance(op, ast.In)  # type: ignore[attr-defined]
    return None


def _equals_one_of(v: V, literals: tuple[object, ...]) -> bool | None:
    """Whether the alternative equals one of the literals, when that is known: a string
    pattern's unknown parts may match, any value other than a string or constant may
    define ``__eq__``."""
    if isinstance(v, Str):
        if "*" not in v.pattern:
            return v.pattern in literals
        shape = pattern_matcher(v.pattern)
        return None if any(isinstance(x, str) and shape.fullmatch(x) for x in literals) else False
    if isinstance(v, Const):
        return any(v.value == x for x in literals)
    return None


def _is_none(v: V) -> bool | None:
    if isinstance(v, Const):
        return v.value is None
    return None if isinstance(v, Unknown) else False


def _truthy(v: V) -> bool | None:
    """Whether the alternative is true in an ``if``, when that is known: strings and
    constants (which nothing can change) and clients, functions and modules (always true).
    A list or dict may have been filled or emptied where the analysis does not follow
    (``collect(items)``), and an instance may define ``__bool__``."""
    if isinstance(v, Str):
        return bool(v.pattern) if "*" not in v.pattern else (True if v.pattern.strip("*") else None)
    if isinstance(v, Const):
        return bool(v.value)
    if isinstance(v, (Client, Resource, Session, Boto3, Func, Bound, Class, Module)):
        return True
    return None


def _is_instance(v: V, types: tuple[type, ...]) -> bool | None:
    """Whether the alternative is an instance of ``types`` (built-in types), when known.
    Strings, dict literals and constants are known. A sequence is known not to be a str,
    dict or number, but it may be a list, a tuple, a generator or a dict view; any other
    value may be anything (a class of the project may derive from ``dict``)."""
    if isinstance(v, Str):
        return str in types
    if isinstance(v, DictV):
        return dict in types
    if isinstance(v, SeqV):
        return None if {list, tuple, set, frozenset} & set(types) else False
    if isinstance(v, Const):
        return isinstance(v.value, types)
    return None


def _with_affix(value: Vals, method: str, literal: str) -> Vals:
    """The alternatives of a string known to start (``startswith``) or end with ``literal``."""
    out: list[V] = []
    for v in value:
        pattern = v.pattern if isinstance(v, Str) else "*"
        if method == "startswith":
            known = pattern.split("*", 1)[0]
            if pattern.startswith(literal):
                out.append(Str(pattern))
            elif "*" in pattern and literal.startswith(known):
                out.append(Str(squash(literal + "*" + pattern[len(known) + 1 :])))
        else:
            known = pattern.rsplit("*", 1)[-1]
            if pattern.endswith(literal):
                out.append(Str(pattern))
            elif "*" in pattern and literal.endswith(known):
                out.append(Str(squash(pattern[: len(pattern) - len(known) - 1] + "*" + literal)))
    return vals(*out) or value


def _owner(frame: Frame, name: str) -> Frame | None:
    """The frame whose variable ``name`` is: this one or one it is nested in (not the
    module's, unless this is the module's own frame)."""
    f: Frame | None = frame
    while f is not None:
        if name in f.locals:
            return f
        f = f.closure
    return None


def _holds_object(held: Vals, obj: V) -> bool:
    """Is ``obj`` itself (not an equal value) one of ``held``?"""
    for v in held:  # noqa: SIM110 - a loop, not any() of a generator: it runs for every variable a change scans
        if v is obj:
            return True
    return False


def _is_place(expr: ast.expr) -> bool:
    """A variable, or a chain of attributes and items of one with constant or variable
    keys (``CACHE``, ``self.routes``, ``names.PARTS``, ``jobs[0]``, ``config["keys"]``): what
    a change in place writes back to (no call in it runs twice)."""
    while isinstance(expr, (ast.Attribute, ast.Subscript)):
        if isinstance(expr, ast.Subscript) and not isinstance(expr.slice, (ast.Constant, ast.Name)):
            return False
        expr = expr.value
    return isinstance(expr, ast.Name)


def _list_rest(seq: SeqV, index: int | None) -> SeqV:
    """The list after the item at ``index`` goes (``pop``, ``del``): unknown when the index
    or the list's length is not known."""
    items = seq.items
    if seq.homogeneous or not items or index is None or not -len(items) <= index < len(items):
        return seq if seq.homogeneous else SeqV((UNKNOWN_VALS,), True)
    if index not in (0, -1) and seq.open:
        return SeqV((UNKNOWN_VALS,), True)
    position = index % len(items)
    # NOTE: the last item of an open list may stand for more: what is left after it goes is
    # open still when that item was not known.
    return SeqV(items[:position] + items[position + 1:],
                open=seq.open and (position != len(items) - 1 or "*" in "".join(strings(items[position]))))


MAX_KEY_REMOVALS = 8
"""a dict losing a key not known becomes one alternative per key it may lose, up to this many keys."""


def _dict_after(d: DictV, method: str, args: list[Vals]) -> Vals:
    """The dict after ``d.pop(k)``, ``d.setdefault(k, v)``, ``d.popitem()`` or ``d.clear()``.

    A key not known may be any of the keys (or none): the dict is each of the alternatives
    (with many keys, the dict itself stays, only ever allowing more)."""
    if method == "clear":
        return (DictV((), False),)
    if method == "popitem":
        keys = ["*"]
    elif method in ("pop", "setdefault") and args:
        keys = strings(args[0])
    else:
        return (d,)
    out: list[V] = []
    for key in keys:
        if method == "setdefault":
            default = args[1] if len(args) > 1 else NONE_VALS
            if "*" in key:
                out.extend((d, DictV(tuple((k, v) for k, v in d.items if k != "*") + (("*", join(d.get("*") or (), default)),), True)))
            else:
                out.append(d if d.get(key) is not None else DictV((*d.items, (key, default)), d.open))
        elif "*" in key:
            out.append(d)
            if len(d.items) <= MAX_KEY_REMOVALS:
                out.extend(DictV(tuple(item for item in d.items if item[0] != k), d.open) for k, _ in d.items)
        else:
            out.append(DictV(tuple(item for item in d.items if item[0] != key), d.open))
    return vals(*out)


def _note_change(frame: Frame, name: str) -> None:
    if frame.changed is None:
        frame.changed = set()
    frame.changed.add(name)


def _assigns(block: list[ast.stmt], name: str) -> bool:
    """Does the block bind ``name`` anywhere (assignment, loop target, with, import, def)?"""
    for stmt in block:
        for sub in ast.walk(stmt):
            if isinstance(sub, ast.Name) and sub.id == name and isinstance(sub.ctx, ast.Store):
                return True
            if isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and sub.name == name:
                return True
            if isinstance(sub, ast.alias) and (sub.asname or sub.name.split(".")[0]) == name:
                return True
    return False


def _scope_nodes(scope: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a module's or function's own code: not the bodies of the functions,
    classes and lambdas it defines, whose names are their own (a module of thousands of
    lines is walked in its top-level statements)."""
    todo = list(ast.iter_child_nodes(scope))
    while todo:
        node = todo.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            todo.extend(ast.iter_child_nodes(node))


def _statements(scope: ast.AST) -> Iterator[ast.AST]:
    """The statements of a module's or function's own code, in and under its compound
    statements but not in the functions and classes it defines: what ``_scope_nodes``
    yields that can bind a name by assignment or import, without walking expressions."""
    todo: list[Any] = list(getattr(scope, "body", None) or ())
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        yield node
        for name in _STATEMENT_LISTS:
            block = getattr(node, name, None)
            if block:
                todo.extend(block)


_STATEMENT_LISTS = ("body", "orelse", "finalbody", "handlers", "cases")


def _assignments(scope: ast.AST, walrus: bool = True) -> dict[str, list[ast.expr]]:
    """Every value ``scope`` assigns, by the name it is assigned to (the whole value for
    each name a tuple target, a ``for`` target or a ``with ... as`` binds). Without
    ``walrus`` (the source has no ``:=``) only statements are looked at."""
    out: dict[str, list[ast.expr]] = {}
    nodes = _scope_nodes(scope) if walrus or isinstance(scope, ast.Lambda) else _statements(scope)
    for node in nodes:
        if isinstance(node, ast.Assign):
            pairs: list[tuple[ast.expr | None, ast.expr | None]] = [(t, node.value) for t in node.targets]
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)):
            pairs = [(node.target, node.value)]
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            pairs = [(node.target, node.iter)]
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            pairs = [(item.optional_vars, item.context_expr) for item in node.items]
        else:
            continue
        for target, value in pairs:
            if value is not None and target is not None:
                for name in _target_names(target):
                    out.setdefault(name, []).append(value)
    return out


def _target_names(target: ast.expr) -> Iterator[str]:
    """The names an assignment target binds (``a, *rest = ...`` binds a and rest)."""
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def _facts(values: list[ast.expr]) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(the string literals in the expressions, the roots of the attributes they read (""
    for a root that is no name: ``"a b".split``), the names they read)."""
    texts: set[str] = set()
    names: set[str] = set()
    roots: set[str] = set()
    for value in values:
        for node in ast.walk(value):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                texts.add(node.value)
            elif isinstance(node, ast.Name):
                names.add(node.id)
            elif isinstance(node, ast.Attribute):
                root: ast.expr = node
                while isinstance(root, (ast.Attribute, ast.Subscript, ast.Call)):
                    root = root.func if isinstance(root, ast.Call) else root.value
                roots.add(root.id if isinstance(root, ast.Name) else "")
    return frozenset(texts), frozenset(roots), frozenset(names)


def _first_place(places: dict[str, Location], name: str, loc: Location) -> None:
    """Keep the first place (by path and line) a variable is read at, whatever the order
    the analysis reached them in (one process or several give the same)."""
    known = places.get(name)
    if known is None or (loc.path, loc.line) < (known.path, known.line):
        places[name] = loc


TRANSPARENT_DECORATORS = {
    "capture_method", "capture_lambda_handler", "inject_lambda_context", "log_metrics",
    "capture", "capture_async", "trace", "timed", "cache", "cached", "memoize",
}
"""methods of objects whose decorators wrap a function and call it only when it is called
(Powertools' tracer, logger and metrics, X-Ray's recorder): no registration."""


def _route_attr(parts: list[str], args: list[Vals], kwargs: dict[str, Vals]) -> Vals:
    """An attribute of a route's event made of its decorator's arguments: the parts joined,
    each ``"*"`` as it is, each other a decorator argument (``kw|0``: keyword, else position;
    one not given is empty, one not known ``*``)."""
    out = ""
    for part in parts:
        if part == "*":
            out += "*"
            continue
        key, _, position = part.partition("|")
        given = kwargs.get(key) if key in kwargs else args[int(position)] if position and int(position) < len(args) else None
        if given is None:
            continue
        texts = strings(given)
        out += texts[0] if len(texts) == 1 and "*" not in texts[0] else "*"
    while "**" in out:
        out = out.replace("**", "*")
    return (Str(out),)


def _registers(dec: ast.expr, frame: Frame, analyzer: Analyzer) -> bool:
    """Is ``@dec`` a method of a library's object that keeps the function to call it later
    (``@app.get("/items")``, ``@router.post``, ``@app.resolver(...)``)? (Not a project
    function's ``register``: see ``_dispatch_bases``.)"""
    target = dec.func if isinstance(dec, ast.Call) else dec
    return (
        isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
        and target.attr not in TRANSPARENT_DECORATORS
        and any(not isinstance(v, (Module, Builtin, Boto3)) for v in analyzer.lookup_name(target.value.id, frame))
        and not _dispatch_bases(dec, frame, analyzer)
    )


def _dispatch_bases(dec: ast.expr, frame: Frame, analyzer: Analyzer) -> list[Func]:
    """The project functions ``@dec`` registers an implementation of: ``@f.register`` or
    ``@f.register(type)`` where ``f`` is one (a ``functools.singledispatch`` function, or a
    ``singledispatchmethod`` in a class body)."""
    target = dec.func if isinstance(dec, ast.Call) else dec
    if not (isinstance(target, ast.Attribute) and target.attr == "register" and isinstance(target.value, ast.Name)):
        return []
    found = analyzer.lookup_name(target.value.id, frame)
    return [v for v in found if isinstance(v, Func)] if all(isinstance(v, Func) for v in found) else []


def _makes_own_function(dec: ast.expr, frame: Frame, analyzer: Analyzer) -> bool:
    """Is ``@dec`` a decorator of a library's object that makes the function a Lambda
    function of its own (``@own-functions`` in libraries.yaml)?"""
    target = dec.func if isinstance(dec, ast.Call) else dec
    return isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) and any(
        isinstance(v, LibObject) and aws.makes_own_function(v.name, target.attr)
        for v in analyzer.lookup_name(target.value.id, frame)
    )


def _is_generator(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Does the function's own body (not a function nested in it) yield?"""
    todo: list[ast.AST] = list(node.body)
    while todo:
        n = todo.pop()
        if isinstance(n, (ast.Yield, ast.YieldFrom)):
            return True
        if not isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            todo.extend(ast.iter_child_nodes(n))
    return False


def _returns_at_end(node: Any) -> bool:
    """Does the function end in ``return`` or ``raise`` (a lambda always returns), so that
    it cannot run off its end and give None?"""
    if isinstance(node, ast.Lambda):
        return True
    return bool(node.body) and isinstance(node.body[-1], (ast.Return, ast.Raise))


def _exits(block: list[ast.stmt]) -> bool:
    """Does the block always leave (``continue``, ``break``, ``return``, ``raise``)?"""
    return bool(block) and isinstance(block[-1], (ast.Continue, ast.Break, ast.Return, ast.Raise))


NOT_FOUND_WORDS = ("NoSuchKey", "NotFound", "404")
"""what an except clause names (its exception, or a code it compares) when it handles a
resource that does not exist."""


def _handles_not_found(handlers: list[ast.ExceptHandler]) -> bool:
    """Does one of the handlers deal with a resource that does not exist: by the exception it
    catches (``except s3.exceptions.NoSuchKey``), or by comparing the error's code
    (``if e.response["Error"]["Code"] in ("404", "NoSuchKey")``)? A handler that only answers
    404 itself (``return {"statusCode": 404}``) tells nothing apart."""
    for handler in handlers:
        for node in ast.walk(handler.type) if handler.type is not None else ():
            if (node.attr if isinstance(node, ast.Attribute) else node.id if isinstance(node, ast.Name) else None) in NOT_FOUND_WORDS:
                return True
        for node in ast.walk(handler):
            if isinstance(node, ast.Compare) and any(
                isinstance(c, ast.Constant) and (c.value == 404 or c.value in NOT_FOUND_WORDS)
                for side in (node.left, *node.comparators) for c in ast.walk(side)
            ):
                return True
    return False


_BOTO3_NAMES = frozenset({"client", "resource", "Session", "DEFAULT_SESSION", "_get_default_session", "setup_default_session"})


def _main_guard(test: ast.expr) -> bool | None:
    """True for ``__name__ == "__main__"``, False for ``!=``, None for any other test."""
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], (ast.Eq, ast.NotEq))):
        return None
    sides = [test.left, test.comparators[0]]
    names = [x for x in sides if isinstance(x, ast.Name) and x.id == "__name__"]
    mains = [x for x in sides if isinstance(x, ast.Constant) and x.value == "__main__"]
    if len(names) == 1 and len(mains) == 1:
        return isinstance(test.ops[0], ast.Eq)
    return None


def _is_namedtuple(cls: Class) -> bool:
    return any(
        (isinstance(b, ast.Name) and b.id == "NamedTuple") or (isinstance(b, ast.Attribute) and b.attr == "NamedTuple")
        for b in cls.node.bases
    )


def _fields(node: ast.ClassDef) -> list[tuple[str, ast.expr | None, ast.expr | None, str | None]]:
    """(name, default, default factory, alias) of each dataclass, NamedTuple or pydantic field."""
    out: list[tuple[str, ast.expr | None, ast.expr | None, str | None]] = []
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            ann = ast.unparse(stmt.annotation) if stmt.annotation else ""
            if "ClassVar" in ann or stmt.target.id == "model_config":
                continue
            default, factory, alias = stmt.value, None, None
            if isinstance(default, ast.Call) and isinstance(default.func, (ast.Name, ast.Attribute)):
                fname = default.func.id if isinstance(default.func, ast.Name) else default.func.attr
                if fname in ("field", "Field"):
                    keywords = {k.arg: k.value for k in default.keywords if k.arg}
                    factory = keywords.get("default_factory")
                    given = default.args[0] if fname == "Field" and default.args else keywords.get("default")
                    # NOTE: pydantic's Field(...) (Ellipsis) marks a required field.
                    default = None if isinstance(given, ast.Constant) and given.value is Ellipsis else given
                    named = next((keywords[k] for k in ("validation_alias", "alias", "env") if k in keywords), None)
                    alias = named.value if isinstance(named, ast.Constant) and isinstance(named.value, str) else None
            out.append((stmt.target.id, default, factory, alias))
    return out


def _pydantic_base(node: ast.ClassDef) -> str:
    """``BaseModel`` or ``BaseSettings`` when the class derives from one directly, else ``""``."""
    for b in node.bases:
        name = b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else ""
        if name in ("BaseModel", "BaseSettings"):
            return name
    return ""


def _settings_prefix(mro: list[Class]) -> str | None:
    """The environment prefix of a pydantic settings class (``env_prefix``), or None when the
    class is no settings class."""
    if not any(_pydantic_base(c.node) == "BaseSettings" for c in mro):
        return None
    for c in mro:
        for stmt in c.node.body:
            config: ast.expr | None = None
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                if any(isinstance(t, ast.Name) and t.id == "model_config" for t in targets):
                    config = stmt.value
            elif isinstance(stmt, ast.ClassDef) and stmt.name == "Config":
                config = stmt  # type: ignore[assignment]
            prefix = _config_prefix(config)
            if prefix is not None:
                return prefix
    return ""


def _config_prefix(config: ast.AST | None) -> str | None:
    """``env_prefix`` of ``SettingsConfigDict(...)``, a dict literal or a ``class Config``."""
    value: ast.expr | None = None
    if isinstance(config, ast.Call):
        value = next((k.value for k in config.keywords if k.arg == "env_prefix"), None)
    elif isinstance(config, ast.Dict):
        value = next((v for k, v in zip(config.keys, config.values)
                      if isinstance(k, ast.Constant) and k.value == "env_prefix"), None)
    elif isinstance(config, ast.ClassDef):
        value = next((s.value for s in config.body if isinstance(s, ast.Assign)
                      and any(isinstance(t, ast.Name) and t.id == "env_prefix" for t in s.targets)), None)
    return value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None


SPLIT_ITEMS = 16
"""a dict comprehension over at most this many known items is built item by item."""


def _key_matches(pattern: str, key: str) -> bool:
    return pattern == "*" or pattern_matcher(pattern).fullmatch(key) is not None


_WORKING_FOLDER = [os.curdir]
"""the working folder when the latest analyser was made: evidence paths are relative to it
(read once per analysis, not once per module)."""


def _display_path(path: Path) -> str:
    """Paths in evidence are relative to the working directory."""
    cwd = _WORKING_FOLDER[0]
    folder, _, name = str(path).rpartition(os.sep)
    packaged = shown_folder(folder)
    if packaged is not None:
        # NOTE: a file of an unpacked deployment package shows under the package's path.
        archive, inside = packaged
        where = _display_folder(os.path.dirname(os.path.abspath(archive)) or os.sep, cwd)
        return os.path.normpath(os.path.join(where, os.path.basename(archive), inside, name))
    shown = _display_folder(folder or os.sep, cwd)
    return name if shown == os.curdir else shown + os.sep + name


@cache
def _display_folder(folder: str, cwd: str) -> str:
    """``folder`` relative to ``cwd`` (once per folder: every module of a folder shares it)."""
    if folder == cwd:
        return os.curdir
    if folder.startswith(cwd) and folder[len(cwd) : len(cwd) + 1] == os.sep:
        return folder[len(cwd) + 1 :]
    try:
        return os.path.relpath(folder, cwd)
    except ValueError:
        return folder


_METHODS: set[str] | None = None


def _above_package(module: ModuleState, level: int) -> bool:
    """Does a relative import of ``level`` dots climb above ``module``'s top-level package?"""
    package = module.name.count(".") + 1 if module.name else 0
    if module.parsed.path.name != "__init__.py":
        package -= 1
    return level > package


@cache
def _late_module(folders: tuple[Path, ...], dotted: str) -> Path | None:
    """The file of module ``dotted`` in the first of ``folders`` that has it (looked up once
    per name, found or not)."""
    top = dotted.split(".")[0]
    if top in sys.stdlib_module_names or top in aws.modelled_packages():
        return None
    rel = dotted.replace(".", os.sep)
    for folder in folders:
        for candidate in (folder / f"{rel}.py", folder / rel / "__init__.py"):
            if candidate.is_file():
                return candidate
    return None


@cache
def _installed(top: str) -> bool:
    """Is ``top`` a package lpgen's own Python can find (a real library, not missing code)?
    Looked up, never imported."""
    import importlib.util

    try:
        return importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False


def _names_service(keys: Vals) -> bool:
    """Is one of ``keys`` a literal boto3 client name?"""
    return any(type(k) is Str and service_models.is_client_name(k.pattern) for k in keys)


def _given_client(args: list[Vals], kwargs: dict[str, Vals]) -> bool:
    """Is a call given a boto3 client (``given_boto``) or a service's name? What it returns
    may then be a client."""
    return given_boto(args, kwargs) or any(_names_service(a) for a in (*args, *kwargs.values()))


def _all_method_names() -> set[str]:
    """Every boto3 client method name (for reporting calls on unknown receivers)."""
    global _METHODS
    if _METHODS is None:
        from lpgen.permissions.method_index import method_names

        _METHODS = method_names()
    return _METHODS

