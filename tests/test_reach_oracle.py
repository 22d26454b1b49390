"""Property-based oracle for reachability: a handler reaches functions and methods that call
S3 only through the ways Python runs code without a plain call — dict routers, decorator
registries (of functions and of classes), ``getattr`` with a computed name or a type's
name, ``globals()``, ``sys.modules[__name__]``, ``dict.get`` with a default function,
``__init_subclass__`` and ``__subclasses__()`` registries, dunder methods (``__call__``,
``__enter__``, ``__iter__``, ``__getitem__``, ``__add__``, ``__eq__``, ``__str__``,
``__missing__``, ``__post_init__``, ``__set_name__``, ``__aenter__``, ``__aiter__``/``__anext__``, a descriptor's
``__get__``), properties (a setter, ``property()``), a metaclass, ``contextlib`` managers
(``closing``, ``ExitStack.callback``), ``singledispatch``, JSON encoders, callbacks given to
``sorted``/``map``/``filter``/``reduce``/``starmap``/``defaultdict``, threads, timers,
executors, futures' callbacks, ``asyncio`` tasks and executors, and ``partial`` objects,
nested at random. The test runs its own generated module with a recording stand-in for boto3 on one
event; the policy lpgen suggests for the handler (for every event) must allow the calls
that run made. A function no mechanism reaches must not be granted. Half the time lpgen is
shown the same program as two modules, the handler's taking the other's names with
``from lib import *``.

The normal run checks 150 modules; ``HYPOTHESIS_PROFILE=bench`` checks 1,500.
"""

from __future__ import annotations

import itertools
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from strategies import KeyRecorder, examples, generated_module

from lpgen import api
from lpgen.policy.evaluate import allows

# NOTE: each mechanism is (module lines, handler lines). ``{n}`` is the mechanism's own
# number (for unique names), ``{call}`` the body that reaches on (one statement: a plain S3
# call or the handler lines of a nested mechanism, as a function ``reach_{n}(event)``).
MECHANISMS: dict[str, tuple[str, str]] = {
    "dict router": (
        "def on_a_{n}(event):\n    {call}\ndef on_b_{n}(event):\n    {call}\n"
        "ROUTES_{n} = {{'a': on_a_{n}, 'b': on_b_{n}}}\n",
        "ROUTES_{n}[event['pick']](event)",
    ),
    "decorator registry": (
        "REGISTRY_{n} = {{}}\n"
        "def register_{n}(name):\n    def deco(fn):\n        REGISTRY_{n}[name] = fn\n        return fn\n    return deco\n"
        "@register_{n}('a')\ndef first_{n}(event):\n    {call}\n"
        "@register_{n}('b')\ndef second_{n}(event):\n    {call}\n",
        "REGISTRY_{n}[event['pick']](event)",
    ),
    "getattr on self": (
        "class Dispatch_{n}:\n    def on_a(self, event):\n        {call}\n    def on_b(self, event):\n        {call}\n"
        "    def handle(self, event):\n        return getattr(self, 'on_' + event['pick'])(event)\n",
        "Dispatch_{n}().handle(event)",
    ),
    "globals": (
        "def job_a_{n}(event):\n    {call}\ndef job_b_{n}(event):\n    {call}\n",
        "globals()['job_' + event['pick'] + '_{n}'](event)",
    ),
    "init_subclass registry": (
        "class Plugin_{n}:\n    plugins = []\n    def __init_subclass__(cls, **kwargs):\n"
        "        super().__init_subclass__(**kwargs)\n        Plugin_{n}.plugins.append(cls)\n"
        "class Impl_{n}(Plugin_{n}):\n    def run(self, event):\n        {call}\n",
        "for plugin in Plugin_{n}.plugins:\n    plugin().run(event)",
    ),
    "subclasses": (
        "class Step_{n}:\n    def run(self, event):\n        pass\n"
        "class Real_{n}(Step_{n}):\n    def run(self, event):\n        {call}\n",
        "for step in Step_{n}.__subclasses__():\n    step().run(event)",
    ),
    "__call__": (
        "class Callable_{n}:\n    def __call__(self, event):\n        {call}\n",
        "Callable_{n}()(event)",
    ),
    "__enter__": (
        "class Ctx_{n}:\n    def __init__(self, event):\n        self.event = event\n"
        "    def __enter__(self):\n        event = self.event\n        {call}\n        return self\n"
        "    def __exit__(self, *exc):\n        return False\n",
        "with Ctx_{n}(event):\n    pass",
    ),
    "__exit__": (
        "class Closing_{n}:\n    def __init__(self, event):\n        self.event = event\n"
        "    def __enter__(self):\n        return self\n"
        "    def __exit__(self, *exc):\n        event = self.event\n        {call}\n        return False\n",
        "with Closing_{n}(event) as c:\n    pass",
    ),
    "contextmanager": (
        "@contextlib.contextmanager\ndef managed_{n}(event):\n    {call}\n    yield event\n",
        "with managed_{n}(event) as e:\n    pass",
    ),
    "__iter__": (
        "class Items_{n}:\n    def __init__(self, event):\n        self.event = event\n"
        "    def __iter__(self):\n        event = self.event\n        {call}\n        return iter([1])\n",
        "for _ in Items_{n}(event):\n    pass",
    ),
    "__getitem__": (
        "class Lookup_{n}:\n    def __getitem__(self, event):\n        {call}\n        return 1\n",
        "Lookup_{n}()[event]",
    ),
    "__add__": (
        "class Adder_{n}:\n    def __init__(self, event):\n        self.event = event\n"
        "    def __add__(self, other):\n        event = self.event\n        {call}\n        return self\n",
        "Adder_{n}(event) + 1",
    ),
    "__eq__": (
        "class Same_{n}:\n    def __init__(self, event):\n        self.event = event\n"
        "    def __eq__(self, other):\n        event = self.event\n        {call}\n        return True\n"
        "    __hash__ = object.__hash__\n",
        "Same_{n}(event) == 1",
    ),
    "__str__": (
        "class Text_{n}:\n    def __init__(self, event):\n        self.event = event\n"
        "    def __str__(self):\n        event = self.event\n        {call}\n        return 't'\n",
        "f'{{Text_{n}(event)}}'",
    ),
    "__missing__": (
        "class Defaults_{n}(dict):\n    def __init__(self, event):\n        super().__init__()\n        self.event = event\n"
        "    def __missing__(self, key):\n        event = self.event\n        {call}\n        return 0\n",
        "Defaults_{n}(event)['absent']",
    ),
    "__post_init__": (
        "@dataclasses.dataclass\nclass Rec_{n}:\n    event: dict\n"
        "    def __post_init__(self):\n        event = self.event\n        {call}\n",
        "Rec_{n}(event)",
    ),
    "__set_name__": (
        "class Field_{n}:\n    def __set_name__(self, owner, name):\n        event = EVENT\n        {call}\n"
        "class Model_{n}:\n    field = Field_{n}()\n",
        "Model_{n}()",
    ),
    "property setter": (
        "class Prop_{n}:\n    @property\n    def value(self):\n        return 1\n"
        "    @value.setter\n    def value(self, event):\n        {call}\n",
        "Prop_{n}().value = event",
    ),
    "metaclass": (
        "class Meta_{n}(type):\n    def __call__(cls, event):\n        {call}\n        return super().__call__()\n"
        "class Made_{n}(metaclass=Meta_{n}):\n    pass\n",
        "Made_{n}(event)",
    ),
    "sorted key": (
        "def key_{n}(event):\n    {call}\n    return 0\n",
        "sorted([event], key=key_{n})",
    ),
    "map": (
        "def each_{n}(event):\n    {call}\n",
        "list(map(each_{n}, [event]))",
    ),
    "filter": (
        "def keep_{n}(event):\n    {call}\n    return True\n",
        "list(filter(keep_{n}, [event]))",
    ),
    "reduce": (
        "def fold_{n}(acc, event):\n    {call}\n    return acc\n",
        "functools.reduce(fold_{n}, [event], 0)",
    ),
    "defaultdict": (
        "def make_{n}():\n    event = EVENT\n    {call}\n    return 0\n",
        "collections.defaultdict(make_{n})['absent']",
    ),
    "partial": (
        "def bound_{n}(event, extra):\n    {call}\n",
        "functools.partial(bound_{n}, event)(1)",
    ),
    "callback list": (
        "def hook_{n}(event):\n    {call}\nHOOKS_{n} = []\nHOOKS_{n}.append(hook_{n})\n",
        "for hook in HOOKS_{n}:\n    hook(event)",
    ),
    "lambda in a dict": (
        "def target_{n}(event):\n    {call}\nACTIONS_{n} = {{'a': lambda e: target_{n}(e), 'b': lambda e: target_{n}(e)}}\n",
        "ACTIONS_{n}[event['pick']](event)",
    ),
    "thread": (
        "def work_{n}(event):\n    {call}\n",
        "worker = threading.Thread(target=work_{n}, args=(event,))\nworker.start()\nworker.join()",
    ),
    "timer": (
        "def later_{n}(event):\n    {call}\n",
        "timer = threading.Timer(0, later_{n}, args=(event,))\ntimer.start()\ntimer.join()",
    ),
    "executor map": (
        "def task_{n}(event):\n    {call}\n",
        "with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:\n    list(pool.map(task_{n}, [event]))",
    ),
    "future callback": (
        "def done_{n}(future):\n    event = future.result()\n    {call}\n",
        "with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:\n"
        "    pool.submit(lambda: event).add_done_callback(done_{n})",
    ),
    "asyncio task": (
        "async def coro_{n}(event):\n    {call}\n"
        "async def main_{n}(event):\n    await asyncio.create_task(coro_{n}(event))\n",
        "asyncio.run(main_{n}(event))",
    ),
    "to_thread": (
        "def blocking_{n}(event):\n    {call}\n"
        "async def main_{n}(event):\n    await asyncio.to_thread(blocking_{n}, event)\n",
        "asyncio.run(main_{n}(event))",
    ),
    "async with": (
        "class Session_{n}:\n    def __init__(self, event):\n        self.event = event\n"
        "    async def __aenter__(self):\n        event = self.event\n        {call}\n        return self\n"
        "    async def __aexit__(self, *exc):\n        return False\n"
        "async def main_{n}(event):\n    async with Session_{n}(event):\n        pass\n",
        "asyncio.run(main_{n}(event))",
    ),
    "async for": (
        "class Stream_{n}:\n    def __init__(self, event):\n        self.event = event\n        self.done = False\n"
        "    def __aiter__(self):\n        return self\n"
        "    async def __anext__(self):\n        if self.done:\n            raise StopAsyncIteration\n"
        "        self.done = True\n        event = self.event\n        {call}\n        return 1\n"
        "async def main_{n}(event):\n    async for _ in Stream_{n}(event):\n        pass\n",
        "asyncio.run(main_{n}(event))",
    ),
    "generator": (
        "def produce_{n}(event):\n    {call}\n    yield 1\n",
        "next(produce_{n}(event))",
    ),
    "methodcaller": (
        "class Worker_{n}:\n    def __init__(self, event):\n        self.event = event\n"
        "    def go(self):\n        event = self.event\n        {call}\n",
        "operator.methodcaller('go')(Worker_{n}(event))",
    ),
    "dict.get default": (
        "def fallback_{n}(event):\n    {call}\nKNOWN_{n} = {{}}\n",
        "KNOWN_{n}.get(event['pick'], fallback_{n})(event)",
    ),
    "descriptor": (
        "class Lazy_{n}:\n    def __get__(self, obj, owner):\n        event = EVENT\n        {call}\n        return 1\n"
        "class Holder_{n}:\n    value = Lazy_{n}()\n",
        "Holder_{n}().value",
    ),
    "property()": (
        "class Old_{n}:\n    def _get(self):\n        event = EVENT\n        {call}\n        return 1\n"
        "    value = property(_get)\n",
        "Old_{n}().value",
    ),
    "class decorator": (
        "CLASSES_{n} = []\ndef plugin_{n}(cls):\n    CLASSES_{n}.append(cls)\n    return cls\n"
        "@plugin_{n}\nclass Registered_{n}:\n    def run(self, event):\n        {call}\n",
        "for cls in CLASSES_{n}:\n    cls().run(event)",
    ),
    "singledispatch": (
        "@functools.singledispatch\ndef process_{n}(item, event):\n    pass\n"
        "@process_{n}.register(dict)\ndef _(item, event):\n    {call}\n",
        "process_{n}(event, event)",
    ),
    "closing": (
        "class Conn_{n}:\n    def __init__(self, event):\n        self.event = event\n"
        "    def close(self):\n        event = self.event\n        {call}\n",
        "with contextlib.closing(Conn_{n}(event)):\n    pass",
    ),
    "ExitStack callback": (
        "def cleanup_{n}(event):\n    {call}\n",
        "with contextlib.ExitStack() as stack:\n    stack.callback(cleanup_{n}, event)",
    ),
    "json default": (
        "def encode_{n}(obj):\n    event = EVENT\n    {call}\n    return 'x'\n",
        "json.dumps({{'when': object()}}, default=encode_{n})",
    ),
    "json encoder class": (
        "class Encoder_{n}(json.JSONEncoder):\n    def default(self, obj):\n        event = EVENT\n        {call}\n        return 'x'\n",
        "json.dumps({{'when': object()}}, cls=Encoder_{n})",
    ),
    "starmap": (
        "def pair_{n}(event, extra):\n    {call}\n",
        "list(itertools.starmap(pair_{n}, [(event, 1)]))",
    ),
    "run_in_executor": (
        "def sync_{n}(event):\n    {call}\n"
        "async def main_{n}(event):\n    await asyncio.get_running_loop().run_in_executor(None, sync_{n}, event)\n",
        "asyncio.run(main_{n}(event))",
    ),
    "sys.modules": (
        "def step_a_{n}(event):\n    {call}\ndef step_b_{n}(event):\n    {call}\n",
        "getattr(sys.modules[__name__], 'step_' + event['pick'] + '_{n}')(event)",
    ),
    "type name dispatch": (
        "class ByType_{n}:\n    def on_dict(self, event):\n        {call}\n"
        "    def handle(self, event):\n        return getattr(self, 'on_' + type(event).__name__)(event)\n",
        "ByType_{n}().handle(event)",
    ),
    "classmethod factory": (
        "class Built_{n}:\n    @classmethod\n    def create(cls):\n        return cls()\n"
        "    def run(self, event):\n        {call}\n",
        "Built_{n}.create().run(event)",
    ),
}

NAMES = sorted(MECHANISMS)
ASYNC = {"asyncio task", "to_thread", "async with", "run_in_executor", "async for"}
IMPORTS = ("import asyncio", "import collections", "import concurrent.futures", "import contextlib",
           "import dataclasses", "import functools", "import itertools", "import json", "import operator", "import sys",
           "import threading", "import boto3")


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line if line else line for line in text.splitlines())


@st.composite
def modules(draw: st.DrawFn) -> str:
    """A module whose handler reaches S3 calls through chains of mechanisms."""
    numbers = itertools.count()
    defined: list[str] = []
    uses: list[str] = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        # NOTE: one event loop at a time: asyncio.run cannot run inside another's coroutine.
        chain = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3).filter(
            lambda c: sum(name in ASYNC for name in c) <= 1))
        # NOTE: the innermost mechanism calls S3; each outer one calls a function that runs
        # the next mechanism's handler lines.
        body = "boto3.client('s3').get_object(Bucket='oracle-bucket', Key='k{n}-' + event['pick'])"
        for name in reversed(chain):
            n = next(numbers)
            module_lines, handler_lines = MECHANISMS[name]
            call = body.replace("{n}", str(n))
            # NOTE: the body sits at the indentation its placeholder has in the template.
            defined.append(_fill(module_lines, n, call))
            body = f"reach_{n}(event)"
            defined.append(f"def reach_{n}(event):\n{_indent(handler_lines.format(n=n), 4)}\n")
        uses.append(body)
    decoy = "def unused(event):\n    boto3.client('s3').get_object(Bucket='oracle-bucket', Key='decoy')\n"
    return "\n".join([*IMPORTS, "", "EVENT = {'pick': 'a'}", "", decoy, *defined, "def handler(event, context):",
                      *(f"    {use}" for use in uses), ""])


def _fill(template: str, n: int, call: str) -> str:
    """``template`` with its number and with ``call`` at each ``{call}``, indented as the
    placeholder is."""
    lines = []
    for line in template.split("\n"):
        if line.strip() == "{call}":
            lines.append(_indent(call, len(line) - len(line.lstrip())))
        else:
            lines.append(line.replace("{n}", str(n)).replace("{{", "{").replace("}}", "}"))
    return "\n".join(lines)


events = st.fixed_dictionaries({"pick": st.sampled_from(["a", "b"])})


def _split(source: str) -> dict[str, str]:
    """The same program as two modules: everything but the handler in ``lib.py``, and an
    ``app.py`` whose handler takes the rest with ``from lib import *`` (what a mechanism
    reads, ``globals()`` or ``sys.modules[__name__]``, is then lib's, where its functions are)."""
    body, _, handler = source.partition("def handler(event, context):")
    return {"lib.py": body, "app.py": "from lib import *\n\n\ndef handler(event, context):" + handler}


@examples(150)
@given(source=modules(), event=events, split=st.booleans())
def test_every_call_a_handler_reaches_is_allowed_and_an_unused_function_is_not(source: str, event: dict, split: bool, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    recorder = KeyRecorder()
    with generated_module(source, recorder) as module:
        module.handler(dict(event), None)
    assert recorder.keys
    folder = Path(tmp_path_factory.getbasetemp()) / ("reach-oracle-split" if split else "reach-oracle")
    folder.mkdir(exist_ok=True)
    for name, text in (_split(source) if split else {"app.py": source}).items():
        (folder / name).write_text(text)
    result = api.suggest([str(folder / "app.py")], region="us-east-1", account="1")
    for key in recorder.keys:
        assert allows(result.policy, "s3:GetObject", f"arn:aws:s3:::oracle-bucket/{key}"), (source, event, key, result.policy.dumps())
    assert not allows(result.policy, "s3:GetObject", "arn:aws:s3:::oracle-bucket/decoy"), (source, result.policy.dumps())
