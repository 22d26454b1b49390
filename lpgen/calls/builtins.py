"""Python built-ins and value methods the interpreter follows (``os.environ``, ``functools``,
``str`` and ``dict`` methods, ``boto3`` entry points), dispatched from ``call_builtin``."""

from __future__ import annotations

import ast
import itertools
import posixpath
import re
from functools import partial
from typing import TYPE_CHECKING, Any

from lpgen.calls import aws, datafiles
from lpgen.calls.boto import BotoCalls, keys_given, regions_named
from lpgen.calls.formatting import combinations, format_pattern, formatted, squash, template_pattern
from lpgen.calls.values import (
    UNKNOWN_VALS,
    Builtin,
    Class,
    Client,
    Const,
    DictV,
    Func,
    Instance,
    Module,
    Resource,
    Response,
    SeqV,
    Session,
    Str,
    Unknown,
    V,
    Vals,
    given_boto,
    join,
    pattern_matcher,
    strings,
    vals,
)

if TYPE_CHECKING:
    from pathlib import Path

    from lpgen.calls.interp import Frame

NONE_VALS: Vals = (Const(None),)

ENV_GETTERS = {"os.getenv", "os.environ.get", "os.environ.setdefault"}
BOUND_METHODS = {
    "client.method": "client_call",
    "resource.method": "resource_call",
    "collection.method": "collection_call",
    "helper.method": "helper_call",
    "value.method": "value_method",
    "record.method": "record_call",
}
"""A method bound to its object: (object, method name) in ``Builtin.bound``, and the
handler that follows the call."""


STR_RESULTS = {
    "capitalize", "casefold", "center", "expandtabs", "ljust", "rjust", "swapcase", "zfill",
    "translate", "format_map",
}
"""str methods (besides those modelled one by one) whose result is a string."""


_STRFTIME = re.compile(r"%-?[a-zA-Z%]")
"""a strftime directive: each stands for text the format does not fix."""

OPERATOR_FUNCTIONS: dict[str, type[ast.operator]] = {
    "operator.add": ast.Add, "operator.concat": ast.Add, "operator.mul": ast.Mult, "operator.mod": ast.Mod,
    "operator.or_": ast.BitOr,
}
"""functions of the operator module that are an operator (``functools.reduce(operator.add, parts)``)."""

MAX_FOLDED = 256
"""items of a ``functools.reduce`` folded one by one; beyond, the fold of items not known."""

MAX_REPEAT = 8
"""longest ``repeat=`` of an ``itertools.product`` followed as a row of that length; a longer
one is a row of any length."""

MAX_FOLDS = 3
"""folds of items not known a ``functools.reduce`` is followed through before one not known
stands for the rest."""

MAX_DATA = datafiles.MAX_FILE_BYTES
"""longest text (an environment variable's, a data file's) parsed into values."""

DATA_LOADERS = {
    "json.load": "json", "json.loads": "json",
    "yaml.safe_load": "yaml", "yaml.load": "yaml", "yaml.full_load": "yaml",
    "tomllib.load": "toml", "tomllib.loads": "toml", "tomli.load": "toml", "tomli.loads": "toml",
}
"""parsers of data the analysis follows: each is given a text or an open file and runs as
the safe parser of its format (never constructing objects)."""

PATH_FUNCTIONS = {"os.path.dirname", "os.path.basename", "os.path.abspath", "os.path.realpath", "os.path.normpath"}
SPLITTERS = {"os.path.splitext", "os.path.split"}

PATH_ATTRIBUTES = {"parent", "name", "stem", "suffix"}
"""attributes of a ``pathlib`` path, whose value is text too."""

URL_PARSERS = {
    "urllib.parse.urlparse": ("scheme", "netloc", "path", "params", "query", "fragment"),
    "urllib.parse.urlsplit": ("scheme", "netloc", "path", "query", "fragment"),
}
"""the parts of a URL each parser gives, in order (a named tuple: by index or by name)."""


def _data_values(kind: str, given: Vals) -> Vals:
    """A parser's result for each text known in full or data file: its dicts, lists and
    strings; anything else is unknown."""
    out: list[V] = []
    for v in given:
        text = None
        if isinstance(v, Str) and "*" not in v.pattern and len(v.pattern) <= MAX_DATA:
            text = v.pattern
        elif type(v) is Builtin and v.name == "data file":
            text = datafiles.read_text(v.bound)
        out.append(datafiles.parse(kind, text) if text is not None else Unknown())
    return vals(*out) or UNKNOWN_VALS


def path_splits(name: str, s: str) -> list[tuple[str, str]]:
    """``os.path.splitext`` or ``os.path.split`` of a path pattern: each (root, extension)
    or (folder, name) it may give."""
    if name.endswith("split"):
        return [(path_function("dirname", s), path_function("basename", s))]
    if "*" not in s:
        return [posixpath.splitext(s)]
    tail = s.rsplit("*", 1)[1]
    dot = tail.rfind(".")
    if dot >= 0 and "/" not in tail[dot:]:
        # NOTE: the last dot is in the known end (``in/*.csv``): the extension is known,
        # unless all the name before it is dots (``.env``, ``..c``: no extension then).
        cut = len(s) - len(tail) + dot
        before = tail[:dot]
        if "/" in before:
            return [(s, "")] if set(before[before.rfind("/") + 1:]) <= {"."} else [(s[:cut], s[cut:])]
        return [(s[:cut], s[cut:]), (s, "")] if set(before) <= {"."} else [(s[:cut], s[cut:])]
    # NOTE: the extension starts in an unknown part, or at a dot before it: the root is
    # known up to the first dot of the known start's last name (or its first unknown part).
    head = s[: s.find("*")]
    first_dot = head.find(".", head.rfind("/") + 1)
    return [(squash(head[: first_dot if first_dot >= 0 else len(head)] + "*"), "*")]


def _join_variants(row: list[str]) -> list[list[str]]:
    """The parts of an ``os.path.join`` as they may be: a part not known at all (``*``) may
    be empty (``event.get("folder", "")``), and join puts no separator after an empty part
    (at most four such parts are varied). An unknown part is taken not to start with ``/``
    (a key or name from an event), which would drop the parts before it."""
    unknown = [i for i, part in enumerate(row) if part == "*"][:4]
    out: list[list[str]] = []
    for mask in itertools.product((False, True), repeat=len(unknown)):
        gone = {i for i, drop in zip(unknown, mask) if drop}
        out.append(["" if i in gone else part for i, part in enumerate(row)])
    return out


def _stripped(method: str, s: str, chars: str | None) -> str:
    """``s.strip(chars)`` (or ``lstrip``, ``rstrip``) of a pattern: an unknown part at an
    end may be all such characters (or empty), so what is known inside it may go too."""
    def right(t: str) -> str:
        while True:
            t = t.rstrip(chars)
            if not t.endswith("*") or t[:-1].rstrip(chars) == t[:-1]:
                return t
            t = t[:-1].rstrip(chars) + "*"

    def left(t: str) -> str:
        while True:
            t = t.lstrip(chars)
            if not t.startswith("*") or t[1:].lstrip(chars) == t[1:]:
                return t
            t = "*" + t[1:].lstrip(chars)

    out = right(s) if method == "rstrip" else left(s) if method == "lstrip" else right(left(s))
    return squash(out)


def _without_affix(method: str, s: str, affix: str) -> list[str]:
    """``s.removeprefix(affix)`` (or ``removesuffix``) of a pattern: when the known end
    is only the end of the affix, an unknown part may hold the rest of it (and the text
    beside that part, up to the affix's length), and the result may be without it too."""
    if not affix:
        return [s]
    if method == "removeprefix":
        if s.startswith(affix):
            return [s[len(affix):]]
        head = s.split("*", 1)[0]
        if "*" not in s or not affix.startswith(head):
            return [s]
        after = s[len(head) + 1:]
        return [s, squash("*" + after[len(affix) - len(head):])]
    if s.endswith(affix):
        return [s[: -len(affix)]]
    tail = s.rsplit("*", 1)[1] if "*" in s else ""
    if "*" not in s or not affix.endswith(tail):
        return [s]
    before = s[: len(s) - len(tail) - 1]
    return [s, squash(before[: max(0, len(before) - (len(affix) - len(tail)))] + "*")]


def _replaced(s: str, old: str, new: str, count: int | None) -> str:
    """``s.replace(old, new, count)`` of a pattern. An unknown part may hold ``old`` (its
    replacement is unknown too); where ``old`` may straddle known text and an unknown
    part, or a count may stop inside an unknown part, any text may result."""
    if count is None:
        return "*"
    if "*" not in s:
        return s.replace(old, new, count)
    if not old:
        return "*"
    segments = s.split("*")
    straddles = any(
        (i < len(segments) - 1 and any(seg.endswith(old[:k]) for k in range(1, len(old))))
        or (i > 0 and any(seg.startswith(old[-k:]) for k in range(1, len(old))))
        for i, seg in enumerate(segments)
    )
    if straddles:
        return "*"
    if count >= 0 and segments[0].count(old) < count:
        # NOTE: the count runs out inside an unknown part or past it: which known
        # occurrences after it are replaced is not known.
        return squash(segments[0].replace(old, new) + "*")
    return squash(s.replace(old, new, count))


def known_int(given: Vals | None, default: int) -> int | None:
    """An argument that is one known int (``default`` when it is not given), else None."""
    if given is None:
        return default
    ints = [v.value for v in given if isinstance(v, Const) and type(v.value) is int]
    return ints[0] if len(ints) == len(given) == 1 else None


def _covered(new: Vals, old: Vals) -> bool:
    """Does every text ``new`` may be fit a pattern of ``old`` (``app-*-*`` fits ``app-*``)?"""
    texts = [o.pattern for o in old if type(o) is Str]
    return all(
        v in old or (type(v) is Str and any(pattern_matcher(t).fullmatch(v.pattern) for t in texts))  # type: ignore[attr-defined]
        for v in new
    )


def _max_split(method: str, args: list[Vals], kwargs: dict[str, Vals]) -> int | None:
    """The ``maxsplit`` of a ``split``/``rsplit`` (-1 for none; ``partition`` splits once),
    or None when it is not known."""
    if method.endswith("partition"):
        return 1
    return known_int(args[1] if len(args) > 1 else kwargs.get("maxsplit"), -1)


def _split_parts(method: str, s: str, sep: str, limit: int | None) -> SeqV:
    """``s.split(sep, limit)`` (or ``rsplit``, ``partition``, ``rpartition``) of a pattern.

    Exact where every split falls in the pattern's known start (``split``, ``partition``)
    or known end (``rsplit``, ``rpartition``); a ``split`` with more to do past the known
    start gives the parts before the first unknown one and an open end; else one unknown
    item standing for every item."""
    unknown = SeqV(((Str("*"),),), True)
    if not sep or "*" in sep or limit is None:
        return unknown
    forward = method in ("split", "partition")

    def exact() -> SeqV:
        parts = getattr(s, method)(sep, limit) if method in ("split", "rsplit") else list(getattr(s, method)(sep))
        return SeqV(tuple((Str(p),) for p in parts))

    if "*" not in s:
        return exact()
    known = s.split("*", 1)[0] if forward else s.rsplit("*", 1)[1]
    found = known.count(sep)
    if found and 0 <= limit <= found:
        return exact()
    if method == "split" and found:
        # NOTE: the parts before the first unknown one are known
        # (``context.invoked_function_arn.split(":")[4]``, the account).
        # NOTE: the next part runs to the unknown one, which may hold the separator.
        head = known.split(sep)
        return SeqV((*((Str(p),) for p in head[:-1]), (Str(squash(head[-1] + "*")),)), open=True)
    return unknown


def _reordered(name: str, seq: SeqV, kwargs: dict[str, Vals]) -> SeqV:
    """``list``, ``tuple``, ``sorted``, ``reversed`` or ``set`` of a list: its items in the
    order the result has them when that order is known (texts known in full sort as
    Python sorts them), else one item standing for every item."""
    every = SeqV((join(*seq.items),), True) if not seq.homogeneous else seq
    if seq.homogeneous or name == "set":
        return every
    if name in ("list", "tuple"):
        return SeqV(seq.items, open=seq.open)
    if seq.open:
        return every
    if name == "reversed":
        return SeqV(tuple(reversed(seq.items)))
    known = [item[0].pattern if len(item) == 1 and isinstance(item[0], Str) else None for item in seq.items]
    if "key" in kwargs or any(k is None or "*" in k for k in known):
        return every
    backwards = any(isinstance(v, Const) and v.value is True for v in kwargs.get("reverse", ()))
    if "reverse" in kwargs and not backwards and not all(isinstance(v, Const) and v.value is False for v in kwargs["reverse"]):
        return every
    order = sorted(range(len(known)), key=lambda i: known[i] or "", reverse=backwards)
    return SeqV(tuple(seq.items[i] for i in order))


def _copied(v: V) -> V:
    """A new dict or list holding what ``v`` holds (``d.copy()``): changes in place to one
    do not reach the other (see ``Analyzer._share_change``, which goes by identity)."""
    if isinstance(v, DictV):
        return DictV(v.items, v.open)
    if isinstance(v, SeqV):
        return SeqV(v.items, v.homogeneous, v.open, v.fields)
    return v


def _list_after(seq: SeqV, method: str, kwargs: dict[str, Vals]) -> SeqV:
    """A list after ``sort()``, ``reverse()``, ``remove(x)`` or ``clear()`` in place: its
    items in their new order when that is known (as ``sorted``/``reversed`` give it), else
    one item standing for every item (``remove`` leaves some of them, in order)."""
    if method == "clear":
        return SeqV(())
    if method == "remove":
        return SeqV((join(*seq.items),), True) if seq.items and not seq.homogeneous else seq
    return _reordered("sorted" if method == "sort" else "reversed", seq, kwargs)


def url_parts(name: str, s: str) -> tuple[str, ...]:
    """``urllib.parse.urlparse`` (or ``urlsplit``) of a URL pattern (``s3://bucket/in/*``).

    The host ends at the first ``/``, ``?`` or ``#``: where an unknown part comes before
    that end, it may hold the slash, so the host is known up to it and what follows is
    not known (as ``str.split`` keeps only the parts before an unknown one)."""
    from urllib.parse import urlparse, urlsplit

    parse = urlsplit if name.endswith("urlsplit") else urlparse
    count = len(URL_PARSERS[name])
    star = s.find("*")
    if star < 0:
        return tuple(parse(s))
    scheme_end = s.find("://")
    if scheme_end < 0 or star < scheme_end + 3:
        return ("*",) * count
    host = s[scheme_end + 3 :]
    end = min((i for i in (host.find(c) for c in "/?#") if i >= 0), default=len(host))
    if host.find("*") < end:
        return (s[:scheme_end].lower(), squash(host[: host.find("*")] + "*"), *("*",) * (count - 2))
    # NOTE: past the host an unknown part is taken to hold no ``?`` or ``#``: a key with
    # one would not be read back from such a URL either.
    return tuple(parse(s))


def url_host(netloc: str) -> str:
    """A URL's ``hostname``: its host without user or port, in lower case."""
    host = netloc.rpartition("@")[2]
    if ":" in host and "*" not in host.rpartition(":")[2]:
        host = host.rpartition(":")[0]
    return host.lower()


def path_function(name: str, s: str) -> str:
    """``os.path.dirname`` and its kin on a path pattern (``*`` may stand for several
    folders: what it spans stays unknown)."""
    star, slash = s.rfind("*"), s.rfind("/")
    if name in ("dirname", "parent"):
        if star < slash:
            if "*" not in s:
                return posixpath.dirname(s)
            # NOTE: as posixpath: the slashes ending the folder go, unless it is all slashes
            # (an unknown part that is a whole folder name is taken to be one).
            head = s[: slash + 1]
            return head.rstrip("/") if head.strip("/") else head
        # NOTE: the unknown part may or may not hold the last slash: the folder is the
        # known folder or anything under it. The root stays (``/*``: ``/`` or under it).
        head = s[: s.find("*")]
        known = head[: head.rfind("/") + 1]
        return squash((known.rstrip("/") or known[:1]) + "*")
    if name in ("basename", "name"):
        return s[slash + 1 :] if star < slash else squash("*" + s[star + 1 :].rpartition("/")[2])
    if name in ("stem", "suffix"):
        base = path_function("name", s)
        stem, dot, suffix = base.rpartition(".")
        if not dot or not stem:
            # NOTE: a name with no dot has no suffix, unless an unknown part may hold one.
            return base if name == "stem" else "*" if "*" in base else ""
        if "*" in suffix:
            return "*"
        return stem if name == "stem" else "." + suffix
    # NOTE: abspath, realpath, normpath: a relative path is under the working directory.
    if "*" in s:
        return s
    return posixpath.normpath(s if name == "normpath" or s.startswith("/") else posixpath.join(datafiles.TASK_ROOT, s))


class BuiltinCalls(BotoCalls):
    """Built-ins and value methods; relies on the interpreter for names, attributes,
    iteration and the environment."""

    project: Any
    """the ``lpgen.source.discover.Project`` analysed (its roots)."""

    def env_value(self, name: str, default: Vals | None, frame: Frame, node: Any, unset_is_none: bool = False) -> Vals:
        raise NotImplementedError

    def iterate(self, value: Vals, frame: Frame, node: Any) -> Vals:
        raise NotImplementedError

    def lookup_attr(self, obj: V, name: str, frame: Frame | None) -> Vals | None:
        raise NotImplementedError

    def as_text(self, value: Vals, frame: Frame | None, node: Any, method: str = "__str__") -> Vals:
        raise NotImplementedError

    def protocol(self, objs: Vals, name: str, args: list[Vals], frame: Frame | None, node: Any = None) -> Vals | None:
        raise NotImplementedError

    def subclasses(self, cls: Class) -> Vals:
        raise NotImplementedError

    def _mro(self, cls: Class) -> list[Class]:
        raise NotImplementedError

    def attribute_names(self, obj: V) -> list[str] | None:
        raise NotImplementedError

    def _handed_call(self, node: ast.Call, position: int) -> ast.Call:
        raise NotImplementedError

    def import_dynamic(self, names: Vals, package: Vals, node: Any, frame: Frame | None) -> Vals:
        raise NotImplementedError

    def env_write(self, names: Vals, value: Vals, unset_only: bool = False) -> None:
        raise NotImplementedError

    def list_pop(self, seq: SeqV, args: list[Vals], node: Any, frame: Frame | None) -> Vals:
        raise NotImplementedError

    def dict_change(self, d: DictV, method: str, args: list[Vals], node: Any, frame: Frame | None) -> None:
        raise NotImplementedError

    def list_change(self, seq: SeqV, after: SeqV, node: Any, frame: Frame | None) -> None:
        raise NotImplementedError

    def set_attribute(self, objs: Vals, name: str, value: Vals) -> None:
        raise NotImplementedError

    def record_call(self, obj: V, method: str, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None) -> Vals:
        raise NotImplementedError

    def attribute_bag(self, kind: str, node: Any, frame: Frame | None, attributes: dict[str, Vals]) -> Vals:
        raise NotImplementedError

    def operate(self, op: ast.operator, left: Vals, right: Vals, frame: Frame, node: Any, augmented: bool = False) -> Vals:
        raise NotImplementedError

    def call_handed_functions(self, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None) -> None:
        raise NotImplementedError

    def project_file(self, path: str) -> Path | None:
        raise NotImplementedError

    def add_import_folder(self, path: str) -> None:
        raise NotImplementedError

    def dotenv(self, name: str, args: list[Vals], kwargs: dict[str, Vals], frame: Frame | None) -> Vals:
        """python-dotenv's ``load_dotenv(path)``, which sets the variables of a ``.env`` file
        the package ships (those not set already, unless ``override=True``), and
        ``dotenv_values(path)``, a dict of them. Without a path, the ``.env`` of the calling
        module's folder or the nearest folder above it in the project, as ``find_dotenv``
        looks. A file that is not the project's sets nothing known."""
        from lpgen.envfile import parse_dotenv

        given = args[0] if args else kwargs.get("dotenv_path")
        files: list[Path | None] = []
        if given is not None:
            files = [self.project_file(p) for p in strings(given)] or [None]
        elif frame is not None:
            folder = frame.module.parsed.path.parent
            while True:
                if (folder / ".env").is_file() and any(folder.is_relative_to(r) for r in self.project.roots):
                    files.append(folder / ".env")
                    break
                if not any(folder.parent.is_relative_to(r) for r in self.project.roots) or folder.parent == folder:
                    break
                folder = folder.parent
        found = [parse_dotenv(text) for f in files if f is not None and (text := datafiles.read_text(f)) is not None]
        if name == "dotenv.dotenv_values":
            return vals(*(DictV(tuple((k, (Str(v),)) for k, v in d.items())) for d in found)) or UNKNOWN_VALS
        override = any(isinstance(v, Const) and v.value is True for v in kwargs.get("override", ()))
        for d in found:
            for key, value in d.items():
                self.env_write((Str(key),), (Str(value),), unset_only=not override)
        return (Const(bool(found)),)

    def open_file(self, path: Vals, mode: Vals) -> Vals:
        """``open(path)`` for reading: each path that names a file of the project is that
        file (a data file the code then parses); anything else is unknown."""
        if any(set(m) & set("wax+*") for m in strings(mode)):
            return UNKNOWN_VALS
        out: list[V] = []
        for text in strings(path):
            found = self.project_file(text)
            out.append(Builtin("data file", found) if found is not None else Unknown("a file that is not part of the project"))
        return vals(*out) or UNKNOWN_VALS

    def call_builtin(
        self, f: Builtin, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None
    ) -> Vals:
        name = f.name
        method = BOUND_METHODS.get(name)
        if method is not None and not (name == "value.method" and f.bound[1] == "join"):
            # NOTE: the most common call by far (a client's or a value's method) goes
            # straight to its handler; only str.join is one of the cases below.
            target, attr = f.bound
            if name != "value.method":
                self.call_handed_functions(args, kwargs, node, frame)  # Callback=, …
            return getattr(self, method)(target, attr, args, kwargs, node, frame)
        if name in ("boto3.client", "session.client", "session.create_client", "boto3.resource", "session.resource"):
            return self.make_boto(f, args, kwargs, node, frame)
        if name in ("botocore.config.Config", "botocore.client.Config"):
            # NOTE: a client made with this config is in its Regions (config=Config(region_name=…)),
            # read as a client's region_name is; with signature_version=UNSIGNED its requests
            # are anonymous, made with no credentials at all.
            unsigned = bool(kwargs.get("signature_version")) and all(
                isinstance(v, Module) and v.name == "botocore.UNSIGNED" for v in kwargs["signature_version"])
            return (Builtin("unsigned client config" if unsigned else "client config",
                            tuple(regions_named(kwargs["region_name"], None)) if "region_name" in kwargs else (None,)),)
        if name in ("boto3.Session", "session.Session", "boto3.setup_default_session"):
            regions = regions_named(kwargs["region_name"], None) if "region_name" in kwargs else [None]
            made = vals(*(Session(region, keys_given(kwargs)) for region in regions))
            if name != "boto3.setup_default_session":
                return made
            # NOTE: boto3.client() and boto3.resource() use it from now on.
            self.environment.default_sessions = tuple(v for v in made if isinstance(v, Session))
            return NONE_VALS
        if name == "boto3._get_default_session":
            return self.environment.default_sessions or (Session(),)
        if name in ENV_GETTERS:
            if frame is None:
                return UNKNOWN_VALS
            key_vals = args[0] if args else kwargs.get("key", UNKNOWN_VALS)
            default = args[1] if len(args) > 1 else kwargs.get("default")
            found: list[V] = []
            for key in strings(key_vals):
                # NOTE: without a default, a variable that is not set gives None.
                found.extend(self.env_value(key, default, frame, node, unset_is_none=default is None))
            if name == "os.environ.setdefault" and default is not None:
                self.env_write(key_vals, default, unset_only=True)
            return vals(*found)
        if name in ("dotenv.load_dotenv", "dotenv.dotenv_values"):
            return self.dotenv(name, args, kwargs, frame)
        if name == "os.environ.update":
            # NOTE: os.environ.update({"QUEUE": url}) sets each key, as os.environ[...] = does.
            for d in args[0] if args else ():
                for key, value in d.items if isinstance(d, DictV) else ():
                    self.env_write((Str(key),), value)
            for key, value in kwargs.items():
                if key != "**":
                    self.env_write((Str(key),), value)
            return NONE_VALS
        if name == "os.path.join":
            if not args:
                return (Str("*"),)
            # NOTE: a part not known at all may be empty, and join puts no separator after
            # an empty part (``os.path.join(event.get("folder", ""), name)``).
            rows = combinations([strings(p) for p in args])
            return vals(*(Str(squash(posixpath.join(*variant))) for row in rows for variant in _join_variants(row)))
        if name == "value.method" and f.bound[1] == "join" and isinstance(f.bound[0], Str):
            # NOTE: each list the argument may be is joined on its own; a list whose items
            # are not known one by one (or a value that is no list) gives any text. With a
            # separator that starts with ``/``, that text may start with it (an empty first
            # item): an absolute path, which ``os.path.join`` keeps alone, as it does not an
            # unknown part (``_join_variants``).
            sep = f.bound[0].pattern
            joined: list[V] = []
            for seq in args[0] if args else UNKNOWN_VALS:
                if not isinstance(seq, SeqV) or seq.homogeneous:
                    joined.append(Str("*"))
                    if sep.startswith("/"):
                        joined.append(Str(squash(sep + "*")))
                    continue
                joined.extend(Str(squash(sep.join(row))) for row in combinations([strings(p) for p in seq.items]))
            return vals(*joined)
        if name == "time.strftime":
            return vals(*(Str(squash(_STRFTIME.sub("*", f))) for f in strings(args[0]))) if args else (Str("*"),)
        if name in ("sys.path.insert", "sys.path.append", "site.addsitedir"):
            # NOTE: a folder of the package put on the import path (``vendor/``): imports
            # the project does not resolve are looked for there too.
            for folder_text in strings(args[-1] if args else UNKNOWN_VALS):
                self.add_import_folder(folder_text)
            return NONE_VALS
        if name == "string.Template":
            return vals(*(Builtin("string template", t) for t in (args[0] if args else ()) if isinstance(t, Str))) or UNKNOWN_VALS
        if name in DATA_LOADERS:
            given = args[0] if args else next(iter(kwargs.values()), UNKNOWN_VALS)
            return _data_values(DATA_LOADERS[name], given)
        if name == "open":
            path = args[0] if args else kwargs.get("file", UNKNOWN_VALS)
            return self.open_file(path, args[1] if len(args) > 1 else kwargs.get("mode", (Str("r"),)))
        if name in URL_PARSERS:
            # NOTE: s3://bucket/key from the environment: the bucket is the netloc, the key
            # the path.
            text = args[0] if args else kwargs.get("url", UNKNOWN_VALS)
            fields = URL_PARSERS[name]
            return vals(*(SeqV(tuple((Str(part),) for part in url_parts(name, s)), fields=fields) for s in strings(text)))
        if name in SPLITTERS:
            # NOTE: (root, extension) or (folder, name) of each path.
            return vals(*(SeqV(tuple((Str(x),) for x in pair)) for p in strings(args[0]) for pair in path_splits(name, p))) if args else UNKNOWN_VALS
        if name in PATH_FUNCTIONS:
            short = name.rpartition(".")[2]
            return vals(*(Str(path_function(short, s)) for s in strings(args[0]))) if args else (Str("*"),)
        if name in ("typing.cast", "typing_extensions.cast"):
            return args[1] if len(args) > 1 else UNKNOWN_VALS
        if name in ("copy.copy", "copy.deepcopy"):
            # NOTE: a copy holds what the original holds (a request's options copied and
            # filled); a new object, which a change to the original does not reach.
            return tuple(_copied(v) for v in args[0]) if args else UNKNOWN_VALS
        if name in ("urllib.parse.quote", "urllib.parse.quote_plus"):
            # NOTE: the known parts encoded, the unknown ones left unknown (a query value).
            from urllib.parse import quote, quote_plus

            encode = quote if name.endswith("quote") else quote_plus
            safe = "".join(strings(kwargs["safe"])) if "safe" in kwargs else "/" if encode is quote else ""
            text = args[0] if args else ()
            if not text or not all(isinstance(v, Str) for v in text):
                return (Str("*"),)
            return vals(*(Str("*".join(encode(part, safe=safe) for part in v.split("*"))) for v in strings(text)))
        if name in ("urllib.parse.unquote", "urllib.parse.unquote_plus"):
            # NOTE: S3 event keys arrive URL-encoded; decoding keeps a key's known prefix.
            text = args[0] if args else ()
            return text if text and all(isinstance(v, Str) for v in text) else (Str("*"),)
        if name in ("functools.lru_cache", "functools.cache") and args and any(isinstance(a, Func) for a in args[0]):
            return args[0]
        if name in ("functools.lru_cache", "functools.cache", "functools.wraps"):
            # NOTE: functools.wraps(fn) is a decorator of the wrapper; fn is only copied from.
            return (Builtin("identity-decorator"),)
        if name == "identity-decorator":
            return args[0] if args else UNKNOWN_VALS
        if name == "functools.partial" and args:
            return (Builtin("partial", (args[0], tuple(args[1:]), tuple(kwargs.items()))),)
        if name == "partial":
            fn, pre, kw = f.bound
            return self.call_values(fn, [*pre, *args], {**dict(kw), **kwargs}, node, frame)
        if name == "contextlib.closing" and args:
            return (Builtin("closing", args[0]),)
        if name in OPERATOR_FUNCTIONS and len(args) == 2 and frame is not None:
            return self.operate(OPERATOR_FUNCTIONS[name](), args[0], args[1], frame, node)
        if name == "operator.methodcaller" and args:
            return (Builtin("methodcaller", (args[0], tuple(args[1:]), tuple(kwargs.items()))),)
        if name == "methodcaller" and args:
            names, pre, kw = f.bound
            methods = [m for obj in args[0] for n in strings(names) if "*" not in n for m in self.lookup_attr(obj, n, frame) or ()]
            return self.call_values(tuple(methods), list(pre), dict(kw), node, frame) if methods else UNKNOWN_VALS
        if name == "class.__subclasses__":
            return self.subclasses(f.bound)
        if name == "globals" and frame is not None:
            # NOTE: the module's namespace, a dict of its names (``globals()[f"on_{kind}"]``).
            return (DictV(tuple(sorted(frame.module.env.items()))),)
        if name == "importlib.import_module" and (args or "name" in kwargs):
            package = args[1] if len(args) > 1 else kwargs.get("package", ())
            return self.import_dynamic(args[0] if args else kwargs["name"], package, node, frame)
        if name == "getattr" and len(args) >= 2:
            out: list[V] = []
            for obj in args[0]:
                for attr in strings(args[1]):
                    if "*" not in attr:
                        out.extend(self.lookup_attr(obj, attr, frame) or UNKNOWN_VALS)
                        continue
                    # NOTE: getattr(self, f"handle_{action}") may be any attribute of the
                    # project's object whose name fits: each is looked up (a dispatcher's
                    # methods are then called, not reported unreachable).
                    names = self.attribute_names(obj)
                    if names is None:
                        if isinstance(obj, (Client, Resource)) and frame is not None:
                            self._unresolved(frame, node, "getattr with a method name that is not known statically", obj.service or "")
                        out.append(Unknown("dynamic getattr"))
                        continue
                    fits = pattern_matcher(attr)
                    fitting = [n for n in names if fits.fullmatch(n) and (attr.startswith("_") or not n.startswith("__"))]
                    for name_found in fitting:
                        out.extend(self.lookup_attr(obj, name_found, frame) or ())
                    # NOTE: or an attribute set where the analysis does not look (setattr):
                    # a client method called on it is reported when no known name fits.
                    out.append(Unknown() if fitting else Unknown("attribute with a name that is not known statically", maybe_client=True))
            if len(args) > 2:
                out.extend(args[2])  # NOTE: the default, for an attribute that may be missing
            return vals(*out)
        if name in ("len", "bool") and args:
            # NOTE: an instance's ``__len__`` (``__bool__``) runs; the result stays unknown.
            self.protocol(args[0], f"__{name}__", [], frame, node)
        if name == "repr" and args:
            # NOTE: an instance's ``__repr__`` gives its text; other values are quoted.
            made = self.as_text(tuple(v for v in args[0] if type(v) is Instance), frame, node, "__repr__")
            others = tuple(v for v in args[0] if type(v) is not Instance)
            return vals(*made, *(Str(t) for t in (formatted(others, "", "r") if others else ())))
        if name in ("str", "format", "print"):
            texts = [self.as_text(a, frame, node) for a in args]
            if name == "print":
                return NONE_VALS
            return join(*[tuple(Str(s) for s in strings(a)) for a in texts[:1]]) or (Str(""),)
        if name == "dict":
            entries: dict[str, Vals] = {}
            # NOTE: a dict made from one not known in full, or with **other, may hold more keys.
            open_ = "**" in kwargs
            for a in args[:1]:
                for d in a:
                    if isinstance(d, DictV):
                        entries.update(d.items)
                        open_ = open_ or d.open
                    elif not isinstance(d, SeqV):
                        open_ = True
            entries.update({k: v for k, v in kwargs.items() if k != "**"})
            return (DictV(tuple(entries.items()), open_),)
        if name == "sorted" and args and "key" in kwargs and frame is not None:
            self.call_values(kwargs["key"], [self.iterate(args[0], frame, node)], {}, node, frame)
        if name in ("dataclasses.replace", "dataclasses.asdict") and args:
            method = "_replace" if name.endswith("replace") else "_asdict"
            return vals(*(v for obj in args[0] for v in self.record_call(obj, method, args[1:], kwargs, node, frame)))
        if name in ("zip", "enumerate", "itertools.chain") and args and frame is not None:
            return self.combined_sequences(name, args, kwargs, frame, node)
        if name == "itertools.product" and args and frame is not None:
            return self.product(args, kwargs, frame, node)
        if name == "functools.reduce" and len(args) >= 2 and frame is not None:
            return self.folded(args[0], args[1], args[2] if len(args) > 2 else None, node, frame)
        if name in ("list", "tuple", "sorted", "set", "reversed") and args:
            if args[0] and all(isinstance(s, SeqV) for s in args[0]):
                return vals(*(_reordered(name, s, kwargs) for s in args[0] if isinstance(s, SeqV)))
            return (SeqV((self.iterate(args[0], frame, node),), True),) if frame else UNKNOWN_VALS
        if name in ("next", "iter") and args:
            items = self.iterate(args[0], frame, node) if frame else UNKNOWN_VALS
            if name == "iter":
                # NOTE: an iterator stands as a list of its items (``__iter__`` may return one).
                return (SeqV((items,), True),)
            # NOTE: next(it, default) gives the default when there is nothing left.
            return join(items, args[1]) if len(args) > 1 else items
        if name in ("map", "filter") and len(args) >= 2 and frame is not None:
            elems = self.iterate(args[1], frame, node)
            # NOTE: the function is called with the items: a call of its own, with the
            # iterable for argument (for the doubt of the parameter).
            call = self._handed_call(node, 0) if isinstance(node, ast.Call) else node
            if name == "map":
                return (SeqV((self.call_values(args[0], [elems], {}, call, frame),), True),)
            self.call_values(args[0], [elems], {}, call, frame)
            return (SeqV((elems,), True),)
        if name in BOUND_METHODS:
            # NOTE: str.join of values the join branch above could not combine.
            target, attr = f.bound
            return self.value_method(target, attr, args, kwargs, node, frame)
        if name in ("threading.local", "types.SimpleNamespace"):
            return self.attribute_bag(name.rpartition(".")[2], node, frame, kwargs)
        if name == "contextvars.ContextVar":
            # NOTE: a cell of its own per place, whose value is what ``set`` puts in it.
            initial = {"value": kwargs["default"]} if "default" in kwargs else {}
            made = self.attribute_bag("ContextVar", node, frame, initial)
            return tuple(Builtin("context variable", cell) if type(cell) is Instance else cell for cell in made)
        if name == "context variable.get":
            held = self.lookup_attr(f.bound, "value", frame) if type(f.bound) is Instance else None
            return join(held or (), args[0] if args else kwargs.get("default", ())) or UNKNOWN_VALS
        if name == "context variable.set" and args:
            self.set_attribute((f.bound,), "value", args[0])
            return (Unknown("the token of a context variable's set()"),)
        if name == "setattr" and len(args) == 3:
            # NOTE: setattr(obj, "sqs", client) with a name known sets that attribute.
            for attr in strings(args[1]):
                if "*" not in attr:
                    self.set_attribute(args[0], attr, args[2])
            return NONE_VALS
        if name == "object.__new__":
            # NOTE: ``super().__new__(cls)`` in a class's own ``__new__``: a new instance.
            return tuple(Instance(c) for c in (args[0] if args else ()) if isinstance(c, Class)) or UNKNOWN_VALS
        if name == "super":
            if frame is not None and frame.func is not None and frame.locals:
                first = args[1] if len(args) > 1 else next(iter(frame.locals.values()))
                named = [c for c in args[0] if isinstance(c, Class)] if args else []
                for v in first:
                    if isinstance(v, (Instance, Class)):
                        # NOTE: the classes after the one whose method this is, in the
                        # instance's order (a mixin's super() reaches the next base); in
                        # ``__new__`` or a class method, the class's.
                        mro = self._mro(v.cls if isinstance(v, Instance) else v)
                        after = next(
                            (i for i, c in enumerate(mro) if (named and c == named[0]) or (
                                not named and any(stmt is frame.func.node for stmt in c.node.body))),
                            0,
                        )
                        return (Builtin("super-proxy", (v, tuple(mro[after + 1 :]))),)
            return UNKNOWN_VALS
        self.call_handed_functions(args, kwargs, node, frame)
        if given_boto(args, kwargs):
            # NOTE: what a call given a client returns may hold it (``dict.fromkeys(names, s3)``).
            return (Unknown(f"result of {name}() given a client", maybe_client=True),)
        return UNKNOWN_VALS

    def combined_sequences(self, name: str, args: list[Vals], kwargs: dict[str, Vals], frame: Frame, node: Any) -> Vals:
        """``zip(a, b)``, ``enumerate(a)`` and ``itertools.chain(a, b)`` of sequences: item by
        item when each is one list known item by item (``for bucket, key in zip(BUCKETS,
        KEYS)`` pairs them), else one item standing for every item."""
        exact = [s[0] for s in args if len(s) == 1 and isinstance(s[0], SeqV) and not s[0].homogeneous and not s[0].open]
        if name == "itertools.chain":
            if len(exact) == len(args):
                return (SeqV(tuple(item for s in exact for item in s.items)),)
            return (SeqV((join(*(self.iterate(a, frame, node) for a in args)),), True),)
        if name == "enumerate":
            start = kwargs.get("start", args[1] if len(args) > 1 else (Const(0),))
            first = next((v.value for v in start if isinstance(v, Const) and isinstance(v.value, int)), None)
            if exact and first is not None and len(start) == 1:
                return (SeqV(tuple((SeqV(((Const(first + i),), item)),) for i, item in enumerate(exact[0].items))),)
            return (SeqV(((SeqV((UNKNOWN_VALS, self.iterate(args[0], frame, node))),),), True),)
        if len(exact) == len(args):
            rows = zip(*(s.items for s in exact))
            return (SeqV(tuple((SeqV(tuple(row)),) for row in rows)),)
        return (SeqV(((SeqV(tuple(self.iterate(a, frame, node) for a in args)),),), True),)

    def product(self, args: list[Vals], kwargs: dict[str, Vals], frame: Frame, node: Any) -> Vals:
        """``itertools.product(a, b, repeat=n)``: one row standing for every row, each place any
        item of its iterable. The product's rows are every such combination, so no row is
        lost (nor one added), however many. With the repeat not known (or one Python refuses,
        or a long one), a row of any length, each item any of any iterable's."""
        row = tuple(self.iterate(a, frame, node) for a in args)
        repeat = known_int(kwargs.get("repeat"), 1)
        if repeat is None or not 0 <= repeat <= MAX_REPEAT:
            return (SeqV(((SeqV((join(*row),), True),),), True),)
        return (SeqV(((SeqV(row * repeat),),), True),)

    def folded(self, function: Vals, items: Vals, initial: Vals | None, node: Any, frame: Frame) -> Vals:
        """``functools.reduce(function, items[, initial])``: over a list known item by item,
        the function called on each in turn. Else the items are not counted: the function is
        called on the folds so far and any item until what it gives adds no text they do
        not cover (``app``, ``app-*``: ``app-*-*`` adds none), or at last on a fold not known,
        which covers folds of any length."""
        call = self._handed_call(node, 0) if isinstance(node, ast.Call) else node
        known = len(items) == 1 and isinstance(items[0], SeqV) and not items[0].homogeneous and not items[0].open
        if known and len(items[0].items) <= MAX_FOLDED:  # type: ignore[attr-defined]
            rest = list(items[0].items)  # type: ignore[attr-defined]
            if initial is None and not rest:
                return UNKNOWN_VALS  # NOTE: reduce() of nothing with no initial value raises
            acc = initial if initial is not None else rest.pop(0)
            for item in rest:
                acc = self.call_values(function, [acc, item], {}, call, frame)
            return acc
        each = self.iterate(items, frame, node)
        acc = initial if initial is not None else each
        for _ in range(MAX_FOLDS):
            more = self.call_values(function, [acc, each], {}, call, frame)
            if _covered(more, acc):
                return acc
            acc = join(acc, more)
        return join(acc, self.call_values(function, [join(acc, (Unknown("a fold of items not known"),)), each], {}, call, frame))

    def _field_value(self, frame: Frame | None, value: Vals, is_attribute: bool, name: str) -> Vals:
        """An attribute or item a format field reads of its argument (``{cfg.bucket}``,
        ``{0[name]}``)."""
        out: list[V] = []
        for v in value:
            if is_attribute:
                out.extend(self.lookup_attr(v, name, frame) or UNKNOWN_VALS)
            elif isinstance(v, DictV):
                out.extend(v.get(name) or UNKNOWN_VALS)
            elif isinstance(v, SeqV) and name.isdigit() and not v.homogeneous and int(name) < len(v.items):
                out.extend(v.items[int(name)])
            else:
                out.append(Unknown())
        return vals(*out) or UNKNOWN_VALS

    def value_method(
        self, obj: V, method: str, args: list[Vals], kwargs: dict[str, Vals], node: Any, frame: Frame | None
    ) -> Vals:
        """Methods of strings, dicts and responses that keep values known."""
        if isinstance(obj, Str):
            s = obj.pattern
            if method == "format":
                return vals(*(Str(p) for p in format_pattern(s, args, kwargs, partial(self._field_value, frame))))
            if method == "format_map":
                return vals(*(Str(p) for d in (args[0] if args else ()) if isinstance(d, DictV)
                              for p in format_pattern(s, [], dict(d.items), partial(self._field_value, frame)))) or (Str("*"),)
            if method == "replace" and len(args) >= 2:
                count = known_int(args[2] if len(args) > 2 else kwargs.get("count"), -1)
                out = [Str(_replaced(s, a, b, count)) for a in strings(args[0]) for b in strings(args[1]) if "*" not in a]
                return vals(*out) or (Str("*"),)
            if method in ("strip", "lstrip", "rstrip", "lower", "upper", "removeprefix", "removesuffix", "title"):
                if method == "title" and "*" in s:
                    return (Str("*"),)  # NOTE: where a word starts depends on the unknown part
                if not (method.endswith("strip") or method.startswith("remove")):
                    return (Str(getattr(s, method)()),)
                if not args:
                    return (Str(_stripped(method, s, None)),) if method.endswith("strip") else (obj,)
                # NOTE: one result for each value of the argument; characters or a prefix not
                # known may take away any part of the string.
                results: list[V] = []
                for given in strings(args[0]):
                    if "*" in given:
                        results.append(Str("*"))
                    elif method.endswith("strip"):
                        results.append(Str(_stripped(method, s, given)))
                    else:
                        results.extend(Str(part) for part in _without_affix(method, s, given))
                return vals(*results)
            if method in ("split", "rsplit", "partition", "rpartition"):
                return vals(*(_split_parts(method, s, sep, _max_split(method, args, kwargs))
                              for sep in (strings(args[0] if args else kwargs["sep"]) if args or "sep" in kwargs else [""])))
            if method in ("as_posix", "expanduser"):
                return (obj,)
            if method in ("resolve", "absolute"):
                return (Str(path_function("abspath", s)),)
            if method == "open":
                return self.open_file((obj,), args[0] if args else kwargs.get("mode", (Str("r"),)))
            if method in ("read_text", "read_bytes"):
                file = self.project_file(s)
                text = datafiles.read_text(file) if file is not None else None
                return (Str(text),) if text is not None and len(text) <= MAX_DATA else (Unknown(f"Path.{method}()"),)
            if method == "joinpath":
                rows = combinations([[s], *[strings(a) for a in args]])
                return vals(*(Str(squash(posixpath.join(*row))) for row in rows))
            # NOTE: only some methods give a string (encode gives bytes, find an int).
            return (Str("*"),) if method in STR_RESULTS else (Unknown(f"str.{method}()"),)
        if isinstance(obj, SeqV) and method == "pop" and not kwargs:
            return self.list_pop(obj, args, node, frame)
        if isinstance(obj, SeqV) and method in ("sort", "reverse", "remove", "clear"):
            self.list_change(obj, _list_after(obj, method, kwargs), node, frame)
            return NONE_VALS
        if isinstance(obj, DictV):
            if method in ("get", "setdefault", "pop") and args:
                found: list[V] = []
                missing = False
                for k in strings(args[0]):
                    v = obj.get(k)
                    if v is not None:
                        found.extend(v)
                    elif "*" in k:
                        # NOTE: a key that is not known may be any of the keys, or none of them.
                        found.extend(x for _, item in obj.items for x in item)
                        missing = True
                    else:
                        missing = True
                if missing and len(args) > 1:
                    found.extend(args[1])
                elif missing and method == "get":
                    found.append(Const(None))  # NOTE: a key that is not there gives None
                if method != "get":
                    self.dict_change(obj, method, args, node, frame)
                return vals(*found) or UNKNOWN_VALS
            if method in ("popitem", "clear"):
                self.dict_change(obj, method, args, node, frame)
                return UNKNOWN_VALS if method == "popitem" else NONE_VALS
            if method == "items":
                return (SeqV(tuple((SeqV(((Str(k),), v)),) for k, v in obj.items), False),)
            if method == "values":
                return (SeqV(tuple(v for _, v in obj.items)),)
            if method == "keys":
                return (SeqV(tuple((Str(k),) for k, _ in obj.items)),)
            if method == "copy":
                return (_copied(obj),)
        if isinstance(obj, SeqV) and method == "copy":
            return (_copied(obj),)
        if isinstance(obj, Response) and method == "get" and args:
            out2: list[V] = []
            for k in strings(args[0]):
                self.read_field(obj, k, node, frame)
                out2.extend(aws.response_value(obj, k, self.scope, self.environment.parameters) or (Unknown(f"response of {obj.operation}"),))
            return vals(*out2)
        if type(obj) is Builtin and obj.name == "string template" and method in ("substitute", "safe_substitute"):
            # NOTE: string.Template("reports/${env}/").substitute(env=ENV): each field by name.
            mappings = [dict(d.items) for d in (args[0] if args else ()) if isinstance(d, DictV)] or [{}]
            return vals(*(Str(p) for m in mappings for p in template_pattern(obj.bound.pattern, {**m, **kwargs})))
        if type(obj) is Builtin and obj.name == "data file" and method == "read":
            text = datafiles.read_text(obj.bound)
            return (Str(text),) if text is not None and len(text) <= MAX_DATA else UNKNOWN_VALS
        if isinstance(obj, Response) and method == "build_full_result":
            return (obj,)
        if isinstance(obj, Response) and method == "search" and args:
            # NOTE: a paginator's ``.search("Contents[].Key")`` yields what the expression
            # selects from every page: each item follows from the request where a page's does.
            # A list it selects is yielded item by item.
            items: list[V] = []
            for selected in (x for e in strings(args[0]) for x in aws.response_value(obj, e, self.scope, self.environment.parameters) or ()):
                if isinstance(selected, SeqV):
                    items.extend(v for item in selected.items for v in item)
                else:
                    items.append(selected)
            return (SeqV((vals(*items),), True),) if items else UNKNOWN_VALS
        return UNKNOWN_VALS
