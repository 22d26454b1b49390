"""Property-based oracle for names that cross modules: a handler in ``app.py`` builds a key
with a package's helpers, imported in each way Python allows (``from lib import build``
through the package's re-export, ``import lib.names as names``, ``from lib.names import
PREFIX``, ``importlib.import_module``, ``getattr`` on a module), changes the package's
module variables from outside (``names.PREFIX = …``, a setter with ``global``, a module
dict and list changed in place) and calls S3 itself, through a function of another module
that holds its own client, through a class of another module given the handler's client,
through the handler's subclass of another module's class (its class attribute changed from
outside), an ``lru_cache`` factory fed a computed name, and coroutines gathered in another
module. The test imports and runs its own generated package with a recording stand-in for
boto3 on one event; the policy lpgen suggests for the handler (for every event) must allow
the calls on the keys that run used.

The normal run checks 150 packages; ``HYPOTHESIS_PROFILE=bench`` checks 1,500.
"""

from __future__ import annotations

import importlib
import itertools
import sys
import types
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from strategies import KeyRecorder, examples

from lpgen import api
from lpgen.policy.evaluate import allows

TEXT = "ab-/."
VARIABLES = ("v0", "v1")
words = st.text(alphabet=TEXT, min_size=1, max_size=4)

LIBRARY = {
    "lib/__init__.py": "from .names import build\nfrom . import clients\n",
    "lib/names.py": (
        "PREFIX = 'p/'\n"
        "SUFFIXES = {'k': '.s'}\n"
        "PARTS = ['pt']\n"
        "def build(a, b='n'):\n"
        "    return PREFIX + a + SUFFIXES.get('k', '.d') + b\n"
        "def set_prefix(value):\n"
        "    global PREFIX\n"
        "    PREFIX = value\n"
        "def last_part():\n"
        "    return PARTS[-1]\n"
    ),
    "lib/clients.py": (
        "import boto3\n"
        "from lib import names\n"
        "s3 = boto3.client('s3')\n"
        "def fetch(key):\n"
        "    s3.get_object(Bucket='oracle-bucket', Key=names.build(key))\n"
        "class Repo:\n"
        "    def __init__(self, client, prefix='r/'):\n"
        "        self.client = client\n"
        "        self.prefix = prefix\n"
        "    def get(self, key):\n"
        "        self.client.get_object(Bucket='oracle-bucket', Key=self.prefix + key)\n"
    ),
    "lib/readers.py": (
        "import functools\n"
        "import boto3\n"
        "from lib import names\n"
        "@functools.lru_cache(maxsize=None)\n"
        "def client_for(name):\n"
        "    return boto3.client(name)\n"
        "class Reader:\n"
        "    base = 'rb/'\n"
        "    def __init__(self, client=None):\n"
        "        self.client = client or client_for('s' + '3')\n"
        "    def prefix(self):\n"
        "        return self.base + names.PREFIX\n"
        "    def read(self, key):\n"
        "        self.client.get_object(Bucket='oracle-bucket', Key=self.prefix() + key)\n"
    ),
    "lib/tasks.py": (
        "import asyncio\n"
        "from lib.clients import fetch\n"
        "async def one(key):\n"
        "    await asyncio.sleep(0)\n"
        "    fetch(key)\n"
        "async def fetch_all(keys):\n"
        "    await asyncio.gather(*(one(k) for k in keys))\n"
    ),
}


@st.composite
def values(draw: st.DrawFn) -> str:
    atom = st.one_of(words.map(repr), st.sampled_from(VARIABLES), st.just("event['x']"))
    a, b = draw(atom), draw(atom)
    return draw(st.sampled_from([a, f"{a} + {b}", f"build({a})", f"names.build({a}, {b})", f"PREFIX + {a}",
                                 f"names.PREFIX + {a}", f"lib.names.last_part() + {a}",
                                 f"importlib.import_module('lib.names').build({a})",
                                 f"getattr(names, 'build')({a})"]))


@st.composite
def statements(draw: st.DrawFn) -> list[str]:
    var = draw(st.sampled_from(VARIABLES))
    value = draw(values())
    return draw(st.sampled_from([
        [f"{var} = {value}"],
        [f"names.PREFIX = {value}"],
        [f"names.set_prefix({value})"],
        [f"names.SUFFIXES['k'] = {value}"],
        ["names.SUFFIXES.pop('k', None)"],
        [f"names.PARTS.append({value})"],
        [f"clients.fetch({value})"],
        [f"Repo(boto3.client('s3')).get({value})"],
        [f"Repo(boto3.client('s3'), prefix={value}).get({var})"],
        [f"boto3.client('s3').get_object(Bucket='oracle-bucket', Key={value})"],
        ["if event['flag']:", f"    {var} = {value}"],
        ["if event['flag']:", f"    names.set_prefix({value})"],
        [f"AppReader().read({value})"],
        [f"readers.Reader(boto3.client('s3')).read({value})"],
        [f"readers.Reader.base = {value}"],
        [f"AppReader.base = {value}"],
        [f"asyncio.run(tasks.fetch_all([{value}, {var}]))"],
        [f"readers.client_for('s3').get_object(Bucket='oracle-bucket', Key={value})"],
    ]))


@st.composite
def packages(draw: st.DrawFn) -> dict[str, str]:
    lines = [line for s in draw(st.lists(statements(), min_size=1, max_size=6)) for line in s]
    key = draw(st.sampled_from(VARIABLES))
    app = "\n".join([
        "import asyncio",
        "import importlib",
        "import boto3",
        "import lib.names",
        "from lib import build, clients",
        "from lib import names",
        "from lib.names import PREFIX",
        "from lib.clients import Repo",
        "from lib import readers, tasks",
        "",
        "class AppReader(readers.Reader):",
        "    def prefix(self):",
        "        return 'app/' + super().prefix()",
        "",
        "def handler(event, context):",
        "    v0, v1 = 'a', 'b'",
        *(f"    {line}" for line in lines),
        f"    boto3.client('s3').get_object(Bucket='oracle-bucket', Key={key})",
        "",
    ])
    return {**LIBRARY, "app.py": app}


_runs = itertools.count()


def _run(folder: Path, event: dict) -> list[str]:
    """Import the generated package from ``folder`` with the recorder as boto3, run the
    handler on ``event``; the keys it read. The modules are forgotten afterwards."""
    recorder = KeyRecorder()
    saved = {name: sys.modules.get(name) for name in ("boto3", "app", "lib", "lib.names", "lib.clients", "lib.readers", "lib.tasks")}
    sys.modules["boto3"] = types.SimpleNamespace(client=recorder.client)  # type: ignore[assignment]
    for name in saved:
        if name != "boto3":
            sys.modules.pop(name, None)
    sys.path.insert(0, str(folder))
    try:
        importlib.import_module("app").handler(dict(event), None)
    except (IndexError, KeyError, TypeError, ValueError):
        pass  # NOTE: the calls made before the error were made all the same.
    finally:
        sys.path.remove(str(folder))
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module
    return recorder.keys


events = st.fixed_dictionaries({"x": words, "flag": st.booleans()})


@examples(150)
@given(files=packages(), event=events)
def test_a_key_built_across_modules_is_allowed_for_any_event(files: dict[str, str], event: dict, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    folder = Path(tmp_path_factory.getbasetemp()) / f"module-oracle-{next(_runs)}"
    for name, text in files.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    keys = _run(folder, event)
    result = api.suggest([str(folder / "app.py")], region="us-east-1", account="1")
    for key in keys:
        arn = f"arn:aws:s3:::oracle-bucket/{key}"
        assert allows(result.policy, "s3:GetObject", arn), (files["app.py"], event, key, result.policy.dumps())
