"""Property-based oracle for the statements names flow through: a handler that builds a
key in local variables, a list and a dict through random assignments, branches on the
event, loops over the event's items, ``try``/``except``/``finally``, a helper with a default
and a closure rebinding a ``nonlocal``, comprehensions, ``dict.items()``, ``enumerate``, a
dict picked by the event, ``max`` and ``with`` blocks, ``match``, ``break`` and ``for``/
``else``; classes (properties, class and static methods, a subclass calling ``super()``, a
method put on the class later, a class attribute changed), a dataclass, a generator, a
decorated function, ``functools.partial``, lambdas (late binding too), a ``global`` and a
module list, ``dict.pop``/``setdefault``, a helper raising an exception the handler catches,
coroutines (``asyncio.run``, ``gather``, an async generator). It calls S3 there, at the end,
through a helper given the client, an ``lru_cache`` factory fed a computed name, a class
whose subclass overrides the key's prefix, a module dict of clients, ``getattr`` with a
computed name, ``**params``, a thread pool, ``map`` over a lambda, a coroutine, the
resource API, ``download_file`` and a presigned URL. Keys also pass through the methods
Python runs for syntax: ``__str__``/``__repr__``, ``__getitem__``, ``__missing__``,
``__add__``/``__radd__``/``+=``, ``__iter__`` (``iter()`` of a list, or the instance as its
own iterator), a descriptor, a property's setter and ``__enter__``, and through list and
dict defaults that keep what earlier calls put in them, and a closure whose list grows
at each call. The test runs its own
generated handler with a recording stand-in for boto3 on one event; the policy lpgen
suggests for the handler (for every event) must allow the calls on the keys that run used,
those made before an exception included.

The normal run checks 200 handlers; ``HYPOTHESIS_PROFILE=bench`` checks 2,000.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from strategies import KeyRecorder, examples, generated_module

from lpgen import api
from lpgen.policy.evaluate import allows

TEXT = "ab-/."
VARIABLES = ("v0", "v1", "v2")

words = st.text(alphabet=TEXT, min_size=1, max_size=5)
"""literals, and the event's values (an unknown part is taken not to be empty)."""


@st.composite
def values(draw: st.DrawFn) -> str:
    """A str expression over the variables, the event and literals."""
    atom = st.one_of(words.map(repr), st.sampled_from(VARIABLES), st.just("event['x']"), st.just("d.get('k', 'dk')"))
    a, b = draw(atom), draw(atom)
    return draw(st.sampled_from([a, f"{a} + {b}", 'f"{' + a + '}/{' + b + '}"', "'-'.join(l)", f"helper({a})",
                                 f"helper({a}, {b})", f"{a}.upper()"]))


@st.composite
def statements(draw: st.DrawFn, depth: int = 0) -> list[str]:
    """Lines of one statement (indented by four spaces per nesting level)."""
    var = draw(st.sampled_from(VARIABLES))
    value = draw(values())
    simple = [
        [f"{var} = {value}"],
        [f"{var} += {value}"],
        [f"l.append({value})"],
        ["l.pop()" if draw(st.booleans()) else f"l.insert(0, {value})"],
        [f"d['k'] = {value}"],
        [f"d.update(k={value})"],
        [f"{var} = l[-1]"],
        [f"{var} = d['k']"],
        ["switch()"],
        [f"boto3.client('s3').get_object(Bucket='oracle-bucket', Key={var})"],
        [f"{var} = [p for p in l if p != 'x'][0]"],
        [f"{var} = ''.join(p.upper() for p in l)"],
        [f"{var} = {{'a': {value}, 'b': 'bv'}}[event['pick']]"],
        [f"{var} = max(l)"],
        [f"{var} = str(len(l)) + {value}"],
        [f"{var} = Box({value}).full"],
        ["b = Box(v0)", f"b.key = {value}", f"{var} = b.full"],
        [f"{var} = Box.make({value}).key"],
        [f"{var} = Box({value}, suffix={var}).with_kind()"],
        [f"Box.kind = {value}"],
        [f"{var} = Box.norm({value})"],
        [f"{var} = next(gen(l))"],
        [f"{var} = list(gen([{value}, {var}]))[-1]"],
        [f"{var} = decorated({value})"],
        [f"{var} = decorated(b={value}, a={var})"],
        [f"{var} = functools.partial(helper, b={value})({var})"],
        [f"set_prefix({value})"],
        [f"{var} = PREFIX + {var}"],
        [f"fetch(boto3.client('s3'), {value})"],
        [f"{var} = (lambda s: s + '!')({value})"],
        [f"{var} = helper(*l[:1])"],
        [f"{var} = helper(**{{'a': {value}}})"],
        [f"{var} = {value} if event['flag'] else {var}"],
        [f"{var} = event.get('opt') or {value}"],
        [f"{var} = '%s/%s' % ({var}, {value})"],
        [f"{var} = {{**d, 'k': {value}}}['k']"],
        ["first, *rest = l", f"{var} = first"],
        [f"{var} = getattr(Box({value}), 'key')"],
        [f"{var} = sorted(l)[0]"],
        [f"{var} = d.setdefault('k2', {value})"],
        [f"{var} = d.pop('k', {value})"],
        ["try:", f"    raise ValueError({value})", "except ValueError as e:", f"    {var} = str(e)"],
        ["l.sort()"],
        ["l.reverse()"],
        ["l.remove(l[0])"],
        [f"l[0] = {value}"],
        [f"l[0:1] = [{value}, 'sl']"],
        ["n = [l, ['m']]", f"n[0].append({value})", f"{var} = n[0][-1]"],
        [f"d['l'] = [{value}]", f"d['l'].append({var})", f"{var} = d['l'][-1]"],
        [f"{var} = {var} * 2"],
        ["m = l", f"m.append({value})"],
        ["e = d", f"e['k'] = {value}"],
        ["c = d.copy()", f"c['k'] = {value}", f"{var} = c['k'] + d['k']"],
        ["h = Box(l)", f"h.key.append({value})"],
        ["h = Box(d)", f"h.key['k'] = {value}"],
        [f"{var} = Sub({value}).with_kind()"],
        ["b = Box(v0)", f"b.rename({value})", f"{var} = b.key"],
        [f"{var} = Rec({value}).path()"],
        [f"{var} = Rec({var}, {value}).suffix"],
        [f"{var} = [lambda: p for p in [{value}, {var}]][0]()"],
        [f"{var} = [lambda p=p: p for p in [{value}, {var}]][0]()"],
        ["try:", f"    {var} = risky({value})", "except ValueError:", f"    {var} = {var} + 'e'"],
        [f"SEEN.append({value})", f"{var} = SEEN[-1]"],
        ["try:", f"    {var} = {value}", "finally:", f"    {var} = {var} + 'f'"],
        [f"{var} = asyncio.run(ahelper({value}))"],
        [f"{var} = asyncio.run(both({value}, {var}))[1]"],
        [f"{var} = asyncio.run(acollect([{value}, {var}]))[-1]"],
        [f"asyncio.run(afetch({value}))"],
        [f"client_for('s' + '3').get_object(Bucket='oracle-bucket', Key={value})"],
        [f"SubReader(boto3.client('s3')).read({value})"],
        [f"(SubReader if event['flag'] else Reader)(CLIENTS['s3']).read({value})"],
        [f"Reader(client_for('s3'), {var}).read({value})"],
        [f"boto3.resource('s3').Bucket('oracle-bucket').Object({value}).get()"],
        [f"boto3.resource('s3').Object('oracle-bucket', {value}).get()"],
        [f"getattr(CLIENTS['s3'], 'get_' + 'object')(Bucket='oracle-bucket', Key={value})"],
        [f"params = {{'Bucket': 'oracle-bucket', 'Key': {value}}}", "boto3.Session().client('s3').get_object(**params)"],
        ["with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:",
         f"    pool.submit(fetch, boto3.client('s3'), {value}).result()"],
        [f"list(map(lambda k: fetch(CLIENTS['s3'], k), [{value}, {var}]))"],
        [f"boto3.client('s3').download_file('oracle-bucket', {value}, '/dev/null')"],
        [f"boto3.client('s3').generate_presigned_url('get_object', Params={{'Bucket': 'oracle-bucket', 'Key': {value}}})"],
        [f"{var} = str(Path({value}, {var}))"],
        [f"{var} = f'''{{Path({value})}}'''"],
        [f"{var} = f'''{{Path({value})!r}}''' + repr(Path({var}))"],
        [f"{var} = Table()[{value}]"],
        [f"{var} = Params()[{value}]"],
        [f"{var} = (Money({value}) + {var}).text"],
        [f"{var} = ({value} + Money({var})).text"],
        [f"m = Money({value})", f"m += {var}", f"{var} = m.text"],
        [f"{var} = [k for k in Keys([{value}, {var}])][-1]"],
        [f"{var} = next(iter(Keys([{value}])))"],
        [f"{var} = list(Countdown([{value}, {var}]))[0]"],
        [f"{var} = Holder().value + {value}"],
        ["s = Settings()", f"s.stage = {value}", f"{var} = s.stage"],
        [f"{var} = Settings().stage + {value}"],
        [f"with Ctx({value}) as c:", f"    {var} = c"],
        [f"{var} = remember({value})[0]"],
        [f"{var} = first_seen({value})"],
        [f"bump = make_counter({value})", "bump('+')", f"{var} = bump({var})"],
        ["m = l", f"m += [{value}]"],
        [f"l += gen([{value}])"],
        ["e = d", f"e |= {{'k': {value}}}"],
        ["l *= 2", f"{var} = l[-1]"],
    ]
    if depth >= 2:
        return draw(st.sampled_from(simple))
    body = [f"    {line}" for s in draw(st.lists(statements(depth + 1), min_size=1, max_size=2)) for line in s]
    other = [f"    {line}" for s in draw(st.lists(statements(depth + 1), min_size=1, max_size=2)) for line in s]
    test = draw(st.sampled_from(["event['flag']", f"{var} == 'a'", "event['x'].startswith('a')", f"'-' in {var}",
                                 "len(l) > 2", "not event['items']"]))
    compound = [
        [f"if {test}:", *body],
        [f"if {test}:", *body, "else:", *other],
        ["for item in event['items']:", *body],
        ["for item in event['items']:", *body, f"    {var} = {var} + item"],
        ["try:", "    v0 = event['maybe']", *body, "except KeyError:", *other],
        ["n = 0", "while n < len(event['items']):", *body, "    n += 1"],
        ["for key, val in d.items():", *body, f"    {var} = {var} + val"],
        ["for i, item in enumerate(event['items']):", *body, f"    {var} = {var} + str(i)"],
        ["with open('/dev/null') as f:", *body],
        [f"if {test}:", *body, f"    boto3.client('s3').get_object(Bucket='oracle-bucket', Key={var})", "    return"],
        [f"if (w := {value}):", *body, f"    {var} = w"],
        ["for p in gen(event['items']):", *body, f"    {var} += p"],
        ["for item in event['items']:", *body, "    if item.startswith('a'):", "        break",
         "else:", f"    {var} = {var} + 'done'"],
        ["guard = 0", "while True:", *body, "    guard += 1", "    if guard > 3 or len(l) > 1 or event['flag']:",
         "        break", f"    l.append({value})"],
        ["match event['pick']:", "    case 'a':", *(f"    {line}" for line in body), "    case _:",
         *(f"    {line}" for line in other)],
    ]
    return draw(st.sampled_from(simple + compound))


@st.composite
def handlers(draw: st.DrawFn) -> str:
    lines = [line for s in draw(st.lists(statements(), min_size=1, max_size=5)) for line in s]
    key = draw(st.sampled_from(VARIABLES))
    return "\n".join([
        "import asyncio",
        "import concurrent.futures",
        "import dataclasses",
        "import functools",
        "import boto3",
        "",
        "PREFIX = 'p'",
        "",
        "def helper(a, b='h'):",
        "    return a + '_' + b",
        "",
        "class Box:",
        "    kind = 'k'",
        "    def __init__(self, key, suffix='s'):",
        "        self.key = key",
        "        self.suffix = suffix",
        "    @property",
        "    def full(self):",
        "        return self.key + '/' + self.suffix",
        "    def with_kind(self):",
        "        return self.kind + '-' + self.key",
        "    @classmethod",
        "    def make(cls, key):",
        "        return cls(key + 'm')",
        "    @staticmethod",
        "    def norm(s):",
        "        return s.lower()",
        "",
        "def gen(items):",
        "    for p in items:",
        "        yield p + '/'",
        "",
        "def wrap(fn):",
        "    @functools.wraps(fn)",
        "    def inner(*args, **kwargs):",
        "        return fn(*args, **kwargs)",
        "    return inner",
        "",
        "@wrap",
        "def decorated(a, b='z'):",
        "    return b + a",
        "",
        "def set_prefix(v):",
        "    global PREFIX",
        "    PREFIX = v",
        "",
        "class Sub(Box):",
        "    kind = 'sub'",
        "    def with_kind(self):",
        "        return super().with_kind() + '!'",
        "    def rename(self, key):",
        "        self.key = key + 'r'",
        "",
        "def rename(self, key):",
        "    self.key = key",
        "",
        "Box.rename = rename",
        "",
        "@dataclasses.dataclass",
        "class Rec:",
        "    key: str",
        "    suffix: str = 'rs'",
        "    def path(self):",
        "        return f'{self.key}/{self.suffix}'",
        "",
        "SEEN = []",
        "",
        "def risky(a):",
        "    if a.startswith('a'):",
        "        raise ValueError(a)",
        "    return a + 'ok'",
        "",
        "def fetch(client, key):",
        "    client.get_object(Bucket='oracle-bucket', Key=key)",
        "",
        "async def ahelper(a):",
        "    await asyncio.sleep(0)",
        "    return a + '_a'",
        "",
        "async def both(a, b):",
        "    return await asyncio.gather(ahelper(a), ahelper(b))",
        "",
        "async def agen(items):",
        "    for p in items:",
        "        yield p + '~'",
        "",
        "async def acollect(items):",
        "    return [p async for p in agen(items)]",
        "",
        "async def afetch(key):",
        "    boto3.client('s3').get_object(Bucket='oracle-bucket', Key=key)",
        "",
        "@functools.lru_cache(maxsize=None)",
        "def client_for(name):",
        "    return boto3.client(name)",
        "",
        "class Reader:",
        "    def __init__(self, client, base='rb/'):",
        "        self.client = client",
        "        self.base = base",
        "    def prefix(self):",
        "        return self.base",
        "    def read(self, key):",
        "        self.client.get_object(Bucket='oracle-bucket', Key=self.prefix() + key)",
        "",
        "class SubReader(Reader):",
        "    def prefix(self):",
        "        return 'sub/' + super().prefix()",
        "",
        "CLIENTS = {'s3': boto3.client('s3')}",
        "",
        "class Path:",
        "    def __init__(self, a, b='pb'):",
        "        self.a, self.b = a, b",
        "    def __str__(self):",
        "        return self.a + '/' + self.b",
        "    def __repr__(self):",
        "        return 'P(' + self.a + ')'",
        "",
        "class Table:",
        "    prefix = 't-'",
        "    def __getitem__(self, k):",
        "        return self.prefix + k",
        "",
        "class Params(dict):",
        "    def __missing__(self, k):",
        "        return 'm-' + k",
        "",
        "class Money:",
        "    def __init__(self, text):",
        "        self.text = text",
        "    def __add__(self, other):",
        "        return Money(self.text + '+' + str(other))",
        "    def __radd__(self, other):",
        "        return Money(str(other) + '=' + self.text)",
        "",
        "class Keys:",
        "    def __init__(self, items):",
        "        self.items = items",
        "    def __iter__(self):",
        "        return iter(self.items)",
        "",
        "class Countdown:",
        "    def __init__(self, items):",
        "        self.items = list(items)",
        "    def __iter__(self):",
        "        return self",
        "    def __next__(self):",
        "        if not self.items:",
        "            raise StopIteration",
        "        return self.items.pop()",
        "",
        "class Lazy:",
        "    def __get__(self, obj, owner):",
        "        return 'lz-'",
        "",
        "class Holder:",
        "    value = Lazy()",
        "",
        "class Settings:",
        "    def __init__(self):",
        "        self._stage = 'dev'",
        "    @property",
        "    def stage(self):",
        "        return 'st-' + self._stage",
        "    @stage.setter",
        "    def stage(self, value):",
        "        self._stage = value",
        "",
        "def remember(k, seen=[]):",
        "    seen.append(k)",
        "    return seen",
        "",
        "def first_seen(k, *, firsts={}):",
        "    firsts.setdefault('k', k)",
        "    return firsts['k']",
        "",
        "def make_counter(start):",
        "    seen = [start]",
        "    def bump(x):",
        "        seen.append(seen[-1] + x)",
        "        return seen[-1]",
        "    return bump",
        "",
        "class Ctx:",
        "    def __init__(self, v):",
        "        self.v = v",
        "    def __enter__(self):",
        "        return self.v + '-in'",
        "    def __exit__(self, *exc):",
        "        return False",
        "",
        "def handler(event, context):",
        "    v0, v1, v2 = 'a', 'b', 'c'",
        "    l = ['x']",
        "    d = {'k': 'dv'}",
        "    def switch():",
        "        nonlocal v1",
        "        v1 = 'sw'",
        *(f"    {line}" for line in lines),
        f"    boto3.client('s3').get_object(Bucket='oracle-bucket', Key={key})",
        "",
    ])


events = st.fixed_dictionaries({
    "x": words, "flag": st.booleans(), "items": st.lists(words, max_size=3), "pick": st.sampled_from(["a", "b"]),
}, optional={"maybe": words, "opt": words})


@examples(200)
@given(source=handlers(), event=events)
def test_the_key_a_handler_builds_is_allowed_for_any_event(source: str, event: dict, tmp_path_factory) -> None:  # type: ignore[no-untyped-def]
    recorder = KeyRecorder()
    # NOTE: the module runs outside the ``try``: one that cannot be defined is a broken
    # test, never a skipped example.
    with generated_module(source, recorder) as module:
        try:
            module.handler(dict(event), None)
        except (IndexError, KeyError, TypeError, AttributeError, ValueError, StopIteration, RuntimeError):
            pass  # NOTE: the calls made before the error were made all the same.
    if not recorder.keys:
        return
    folder = Path(tmp_path_factory.getbasetemp()) / "flow-oracle"
    folder.mkdir(exist_ok=True)
    (folder / "app.py").write_text(source)
    result = api.suggest([str(folder / "app.py")], region="us-east-1", account="1")
    for key in recorder.keys:
        arn = f"arn:aws:s3:::oracle-bucket/{key}"
        assert allows(result.policy, "s3:GetObject", arn), (source, event, key, result.policy.dumps())
