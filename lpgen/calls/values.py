"""Abstract values the analyser computes for expressions.

Every expression evaluates to a small set of alternatives (``Vals``): a branch that sets a
name two ways gives both. Values are frozen and hashable so sets of them stay small.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lpgen.calls.model import UNKNOWN

MAX_ALTERNATIVES = 12


class V:
    """Base of every abstract value."""

    __slots__ = ()


def _hash_once(value: Any, parts: tuple[Any, ...]) -> int:
    """The hash of ``parts``, kept in ``value._hash``: values nest (dicts of lists of dicts),
    and sets and memo keys hash them over and over. Values are never changed once made."""
    h: int = hash(parts) or 1
    value._hash = h
    return h


@dataclass(unsafe_hash=True, slots=True)
class Str(V):
    """A string; ``*`` in ``pattern`` stands for a part that is not known."""

    pattern: str


@dataclass(unsafe_hash=True, slots=True)
class Token(Str):
    """An opaque id a response gives that stands for the resource it is authorized on
    (an Athena query execution id stands for its workgroup's ARN, a shard iterator for its
    stream's): passed whole in a request it is that ARN; as part of other text (an S3 key
    made of a query's id) it is a part that is not known."""


@dataclass(unsafe_hash=True, slots=True)
class Const(V):
    """A non-string constant (number, bool, None)."""

    value: Any


@dataclass(unsafe_hash=True, slots=True)
class Unknown(V):
    """A value the analysis cannot know, with why.

    Two unknowns are the same value whatever their reasons: a function called with an
    unknown argument is analysed once, not once per place the unknown came from."""

    reason: str = field(default="", compare=False)
    maybe_client: bool = False
    """it came from a place a boto3 client could come from (a parameter, a call result)."""


@dataclass(slots=True)
class DictV(V):
    """A dict literal; keys are string patterns."""

    items: tuple[tuple[str, Vals], ...]
    open: bool = False
    """built with ``**other`` of unknown content."""
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def get(self, key: str) -> Vals | None:
        for k, v in self.items:
            if k == key:
                return v
        return None

    def __hash__(self) -> int:
        return self._hash or _hash_once(self, (self.items, self.open))


@dataclass(slots=True)
class SeqV(V):
    """A list, tuple or set literal (or what a comprehension builds)."""

    items: tuple[Vals, ...]
    homogeneous: bool = False
    """one element stands for every element (a comprehension)."""
    open: bool = False
    """the items are the first ones, and the last may stand for more (a pattern split where
    its unknown part may hold the separator): an index from the end is not known."""
    fields: tuple[str, ...] = ()
    """the items' names, for a named tuple (what ``urllib.parse.urlparse`` gives): each item
    is read as an attribute too (``parsed.netloc``)."""
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        return self._hash or _hash_once(self, (self.items, self.homogeneous, self.open, self.fields))


@dataclass(unsafe_hash=True, slots=True)
class Boto3(V):
    """The ``boto3`` module (or ``boto3.session``)."""


@dataclass(unsafe_hash=True, slots=True)
class Session(V):
    """A ``boto3.Session``."""

    region: str | None = None
    assumed: bool = False


@dataclass(unsafe_hash=True, slots=True)
class Client(V):
    """A boto3 client; ``service`` None when the name was computed."""

    service: str | None
    region: str | None = None
    assumed: bool = False
    endpoint: str | None = None
    """the ``endpoint_url`` it was made with (a WebSocket API's callback URL names the API)."""


@dataclass(slots=True)
class Resource(V):
    """A boto3 resource object: the service resource (``rtype`` None) or e.g. a Table."""

    service: str
    rtype: str | None
    ids: tuple[tuple[str, Vals], ...] = ()
    region: str | None = None
    assumed: bool = False
    loaded: bool = False
    """made with its data from a response (a collection's items: an ObjectSummary of a
    listing has its size): reading an attribute of its shape loads nothing."""
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def ident(self, name: str) -> Vals | None:
        for k, v in self.ids:
            if k == name:
                return v
        return None

    def __hash__(self) -> int:
        return self._hash or _hash_once(self, (self.service, self.rtype, self.ids, self.region, self.assumed, self.loaded))


@dataclass(slots=True)
class Collection(V):
    """A resource collection (``bucket.objects``), possibly filtered."""

    parent: Resource
    name: str
    params: tuple[tuple[str, Vals], ...] = ()
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        return self._hash or _hash_once(self, (self.parent, self.name, self.params))


@dataclass(unsafe_hash=True, slots=True)
class Helper(V):
    """A helper object that makes calls later: paginator, waiter, batch writer."""

    kind: str
    client: Client | Resource
    operation: str = ""


@dataclass(slots=True)
class Response(V):
    """What an API call returned."""

    client: str
    operation: str
    request: tuple[tuple[str, Vals], ...] = ()
    region: str | None = None
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        return self._hash or _hash_once(self, (self.client, self.operation, self.request, self.region))


@dataclass(eq=False, slots=True)
class Func(V):
    """A function defined in the analysed code (also lambdas)."""

    node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
    module: str
    qualname: str
    closure: Any = field(default=None, compare=False)
    """the defining frame's locals for nested functions."""
    defaults: tuple[Any, ...] | None = field(default=None, compare=False)
    """a nested function's parameter defaults, evaluated where it is defined (``lambda k,
    name=name: …`` in a loop): the positional ones, then the keyword-only ones (None where
    one has none)."""

    # NOTE: each pass runs the ``def`` again; the function is the same when its code, its
    # defining frame and its defaults are, so values a pass stores compare equal in the
    # next one and the heap can settle.
    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Func) and other.node is self.node and other.closure is self.closure
                and other.defaults == self.defaults)

    def __hash__(self) -> int:
        if self.defaults is None:
            return hash((id(self.node), id(self.closure)))
        return hash((id(self.node), id(self.closure), self.defaults))


@dataclass(unsafe_hash=True, slots=True)
class Bound(V):
    """A function bound to an instance (or a class for classmethods)."""

    func: Func
    self_value: V


@dataclass(eq=False, slots=True)
class Class(V):
    """A class defined in the analysed code."""

    node: ast.ClassDef
    module: str
    qualname: str

    # NOTE: the same ``class`` statement run again (each pass does) is the same class.
    def __eq__(self, other: object) -> bool:
        return isinstance(other, Class) and other.node is self.node

    def __hash__(self) -> int:
        return id(self.node)


@dataclass(unsafe_hash=True, slots=True)
class Instance(V):
    """An instance of an analysed class; attributes live in the analyser's heap by class."""

    cls: Class


@dataclass(unsafe_hash=True, slots=True)
class Module(V):
    """A module: ``name`` is dotted; ``project`` when its source is analysed."""

    name: str
    project: bool = False


@dataclass(slots=True)
class LibObject(V):
    """An instance of a library class whose AWS calls are modelled (data/libraries.yaml)."""

    name: str
    args: tuple[Vals, ...] = ()
    kwargs: tuple[tuple[str, Vals], ...] = ()
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        return self._hash or _hash_once(self, (self.name, self.args, self.kwargs))


@dataclass(unsafe_hash=True, slots=True)
class LibMethod(V):
    """A method of a modelled library object, not called yet."""

    obj: LibObject
    method: str


@dataclass(slots=True)
class Builtin(V):
    """A library function or object lpgen models (``os.getenv``, ``os.environ``)."""

    name: str
    bound: Any = None
    _hash: int = field(default=0, init=False, repr=False, compare=False)

    def __hash__(self) -> int:
        return self._hash or _hash_once(self, (self.name, self.bound))


Vals = tuple[V, ...]

UNKNOWN_VALS: Vals = (Unknown(),)


def vals(*items: V) -> Vals:
    """Dedupe alternatives. Past MAX_ALTERNATIVES, the strings become one pattern that
    covers them all (``x0`` … ``x15`` → ``x*``) and other constants an unknown value, so
    that combining values stays small without dropping one; other values are all kept
    (each comes from its own place in the code: methods a dispatcher may call, clients)."""
    if len(items) < 2:
        return items
    out: list[V] = []
    seen: set[V] = set()
    for v in items:
        if v not in seen:
            seen.add(v)
            out.append(v)
    if len(out) <= MAX_ALTERNATIVES:
        return tuple(out)
    return _widened(out)


def cover(patterns: list[str]) -> str:
    """One pattern that every one of ``patterns`` fits: their common start and end around
    ``*`` (``a1b``, ``a22b`` → ``a*b``)."""
    if len(set(patterns)) == 1:
        return patterns[0]
    prefix = os.path.commonprefix(patterns).split("*")[0]
    suffix = os.path.commonprefix([p[::-1] for p in patterns])[::-1].split("*")[-1]
    room = min(len(p) for p in patterns) - len(prefix)
    suffix = suffix[len(suffix) - max(room, 0) :] if len(suffix) > room else suffix
    return prefix + "*" + suffix


MAX_KEPT = 32
"""past MAX_ALTERNATIVES, how many values of other kinds (functions, classes, clients) are
kept; the rest stand as one unknown value, so that calls on them are reported."""
TOO_MANY = "one of too many values to follow"
"""the reason of that unknown value."""


def _widened(items: list[V]) -> Vals:
    """Many alternatives as few: the strings as one pattern covering them all, other
    constants as an unknown value, dicts as one dict with every key (each with all its
    values), lists as one list of all their items; no more than MAX_KEPT others."""
    patterns = [v.pattern for v in items if type(v) is Str]
    if len(patterns) > 1:
        patterns = [cover(patterns)]
    dicts = [v for v in items if type(v) is DictV]
    seqs = [v for v in items if type(v) is SeqV]
    out: list[V] = []
    others = 0
    for v in items:
        kind = type(v)
        if kind is Str or kind is Const:
            if patterns:
                out.append(Str(patterns.pop()))
                if any(type(c) is Const for c in items):
                    out.append(Unknown("one of many constants"))
            elif not any(type(c) is Str for c in items) and Unknown() not in out:
                out.append(Unknown("one of many constants"))
        elif kind is DictV:
            if dicts:
                keys: dict[str, list[V]] = {}
                for d in dicts:
                    for k, value in d.items:  # type: ignore[attr-defined]
                        keys.setdefault(k, []).extend(value)
                out.append(DictV(tuple((k, vals(*value)) for k, value in keys.items()), any(d.open for d in dicts)))  # type: ignore[attr-defined]
                dicts = []
        elif kind is SeqV:
            if seqs:
                out.append(SeqV((vals(*(x for q in seqs for item in q.items for x in item)),), True))  # type: ignore[attr-defined]
                seqs = []
        elif others < MAX_KEPT:
            out.append(v)
            others += 1
        elif others == MAX_KEPT:
            out.append(Unknown(TOO_MANY, maybe_client=True))
            others += 1
    return tuple(out)


def given_boto(args: list[Vals], kwargs: dict[str, Vals]) -> bool:
    """Does a call's argument hold a boto3 client, resource or session (itself, or as an
    item of a list or dict given)? What the call returns may then hold it
    (``dict.fromkeys(names, s3)``)."""
    for value in (*args, *kwargs.values()):
        for v in value:
            if isinstance(v, (Client, Resource, Session)):
                return True
            items = v.items if type(v) is SeqV else [x for _, x in v.items] if type(v) is DictV else ()
            if any(isinstance(x, (Client, Resource, Session)) for item in items for x in item):
                return True
    return False


def join(*groups: Vals) -> Vals:
    """Union of alternatives."""
    # NOTE: the shortcuts only pass on a single alternative: a longer tuple may repeat one,
    # and the heap compares joined values to know whether anything changed.
    if len(groups) == 1 and len(groups[0]) < 2:
        return groups[0]
    if len(groups) == 2 and len(groups[1]) < 2 and (not groups[0] or groups[0] == groups[1]):
        return groups[1]
    return vals(*(v for g in groups for v in g))


@lru_cache(maxsize=1024)
def pattern_matcher(pattern: str) -> re.Pattern[str]:
    """A regular expression for the texts a name pattern stands for (``*`` is any text)."""
    return re.compile(".*".join(re.escape(part) for part in pattern.split("*")), re.DOTALL)


def strings(values: Vals) -> list[str]:
    """String patterns of the alternatives; non-strings become ``*``."""
    if len(values) == 1 and type(values[0]) is Str:
        return [values[0].pattern]  # type: ignore[attr-defined]
    out: list[str] = []
    for v in values:
        if isinstance(v, Str):
            out.append("*" if type(v) is Token else v.pattern)
        elif isinstance(v, Const) and v.value is not None and not isinstance(v.value, bool):
            out.append(str(v.value))
        elif isinstance(v, Const):
            continue
        else:
            out.append("*")
    return list(dict.fromkeys(out)) or ["*"]


def to_param(values: Vals, depth: int = 0) -> Any:
    """Plain request data for the permissions stage (see ``ApiCall.params``)."""
    if len(values) == 1 and type(values[0]) in (Str, Token):
        return values[0].pattern  # type: ignore[attr-defined]
    if depth > 6:
        return UNKNOWN
    concrete = [v for v in values if not (isinstance(v, Const) and v.value is None)]
    if not concrete:
        return UNKNOWN
    dicts = [v for v in concrete if isinstance(v, DictV)]
    seqs = [v for v in concrete if isinstance(v, SeqV)]
    if dicts and len(dicts) == len(concrete):
        merged: dict[str, Any] = {}
        for d in dicts:
            for k, v in d.items:
                merged.setdefault(k, to_param(v, depth + 1))
        return merged
    if seqs and len(seqs) == len(concrete):
        return [to_param(item, depth + 1) for s in seqs for item in s.items]
    if all(isinstance(v, Const) and isinstance(v.value, bool) for v in concrete):
        # NOTE: a flag the code sets (ReturnMetadata=True) decides a conditional action.
        flags = list(dict.fromkeys(v.value for v in concrete))  # type: ignore[attr-defined]
        return flags[0] if len(flags) == 1 else flags
    # NOTE: a token passed whole is what it stands for.
    rest = tuple(v for v in concrete if type(v) is not Token)
    pats = list(dict.fromkeys([*(v.pattern for v in concrete if type(v) is Token), *(strings(rest) if rest else ())]))  # type: ignore[attr-defined]
    return pats[0] if len(pats) == 1 else pats
