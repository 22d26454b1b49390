"""Property-based oracle for the text operations names are built with: a key computed by a
random chain of ``str`` and list operations (split with a limit, partition, slices,
``sorted``, ``reversed``, ``join``, ``format``, ``%`` with a tuple or a dict, ``*``,
padding, ``os.path``, ``re.sub``/``re.split``, ``map``/``filter``, ``find``-bounded slices)
from literals and a part of the event. Python computes the key for one event; the policy lpgen suggests, which holds
for every event, must allow the call on that key.

The normal run checks 300 chains; ``HYPOTHESIS_PROFILE=bench`` checks 3,000.
"""

from __future__ import annotations

import os
import posixpath
import re
from pathlib import Path
from urllib.parse import quote, unquote_plus, urlparse

from hypothesis import assume, given
from hypothesis import strategies as st
from strategies import examples

from lpgen import api
from lpgen.policy.evaluate import allows

TEXT = "ab-/._"
SEPARATORS = ("/", "-", ".", "_", "ab")

literals = st.text(alphabet=TEXT, max_size=6).map(repr)
event_texts = st.text(alphabet=TEXT, min_size=1, max_size=8).filter(lambda t: not t.startswith("/"))
"""a part of the event: never empty (an unknown folder name, ``in/{id}/x.json``, is taken
to be one; an empty one would make ``in//x.json``), and not starting with ``/`` (a name
from an event is taken to be relative: ``os.path.join(PREFIX, name)`` keeps the prefix)."""


@st.composite
def texts(draw: st.DrawFn, depth: int = 0) -> str:
    """Python source of an expression giving a str."""
    if depth >= 3 or draw(st.integers(0, 3)) == 0:
        return draw(st.one_of(literals, st.just("event['x']"), st.just("event['y']"), st.just("NAME")))
    inner = draw(texts(depth + 1))
    other = draw(texts(depth + 1))
    atoms = st.one_of(literals, st.just("event['x']"), st.just("NAME"))
    first, second = draw(atoms), draw(atoms)
    sep = repr(draw(st.sampled_from(SEPARATORS)))
    i = draw(st.integers(-3, 3))
    n = draw(st.integers(0, 2))
    lo, hi = draw(st.one_of(st.none(), st.integers(-4, 4))), draw(st.one_of(st.none(), st.integers(-4, 4)))
    bounds = f"{'' if lo is None else lo}:{'' if hi is None else hi}"
    return draw(st.sampled_from([
        f"({inner} + {other})",
        f'f"{{{first}}}/{{{second}}}"',
        f"{inner}.split({sep})[{i}]",
        f"{inner}.split({sep}, {n})[{i}]",
        f"{inner}.rsplit({sep}, {n})[{i}]",
        f"{inner}.partition({sep})[{i % 3}]",
        f"{inner}.rpartition({sep})[{i % 3}]",
        f"{inner}.replace({sep}, '_')",
        f"{inner}.upper()",
        f"{inner}.strip('/')",
        f"{inner}.lstrip('a')",
        f"{inner}.rstrip('.')",
        f"{inner}.removeprefix('a/')",
        f"{inner}.removesuffix('.b')",
        f"{inner}[{bounds}]",
        f"{sep}.join(sorted([{inner}, {other}]))",
        f"{sep}.join(reversed([{inner}, {other}]))",
        f"{sep}.join([{inner}, {other}, 'c'][{bounds}])",
        f"{sep}.join({inner}.split('/'))",
        f"'{{}}-{{}}'.format({inner}, {other})",
        f"('%s.%s' % ({inner}, {other}))",
        f"os.path.basename({inner})",
        f"os.path.dirname({inner})",
        f"posixpath.join({inner}, {other})",
        f"os.path.splitext({inner})[{i % 2}]",
        f"os.path.split({inner})[{i % 2}]",
        f"{sep}.join({inner}.split('/')[{bounds}])",
        f"{inner}[{i}]",
        f"{inner}.capitalize()",
        f"{inner}.title()",
        f"{inner}.lower()",
        f"{inner}.zfill(4)",
        f"'{{a}}/{{b}}'.format_map({{'a': {inner}, 'b': {other}}})",
        f"urlparse('s3://' + {inner})[{i % 6}]",
        f"urlparse('s3://' + {inner}).netloc",
        f"urlparse('s3://' + {inner}).path",
        f"({inner} if {other}.startswith('a') else 'no')",
        f"({inner} if {other}.endswith('/') else {other})",
        f"({inner} if {other} == 'ab' else 'other')",
        f"({inner} if 'a' in {other} else 'none')",
        f"({inner} if {other} != '' else 'empty')",
        f"({inner} if {other}.isdigit() else 'text')",
        f"({inner} or 'default')",
        f"{inner}.replace('a', 'b', 1)",
        f"{inner}.strip('/.')",
        f"{sep}.join([p for p in {inner}.split('/') if p])",
        f"quote({inner})",
        f"unquote_plus({inner})",
        f"{inner}.encode().decode()",
        f"('%s-%d' % ({inner}, {n}))",
        f"'{{:>4}}'.format({inner})",
        f"('%(a)s/%(b)s' % {{'a': {inner}, 'b': {other}}})",
        f"({inner} * {n})",
        f"{inner}.ljust(5, '_')",
        f"{inner}.rjust(5)",
        f"{inner}.center(6, '-')",
        f"{inner}.swapcase()",
        f"{inner}.casefold()",
        f"'{{0}}-{{0}}'.format({inner})",
        f"'{{}}/{{}}'.format(*[{inner}, {other}])",
        f"{sep}.join(map(str.upper, [{inner}, {other}]))",
        f"{sep}.join(map(str, [{inner}, {n}]))",
        f"{inner}[:{inner}.find('/')]",
        f"{inner}[{inner}.rfind('-') + 1:]",
        f"{inner}[:len({inner}) - 1]",
        f"str(len({inner}))",
        f"re.sub('a+', 'b', {inner})",
        f"re.sub(r'[/.]', '-', {inner})",
        f"re.split('/', {inner})[{i}]",
        f"{inner}.expandtabs()",
        f"{inner}.translate(str.maketrans('ab', 'ba'))",
        f"(({inner}) if len({other}) > 2 else {other})",
        f"min({inner}, {other})",
        f"max([{inner}, {other}, 'b'])",
        f"'/'.join(filter(None, [{inner}, '', {other}]))",
        f"'/'.join(p.strip('.') for p in {inner}.split('/'))",
        f"'/'.join(list(dict.fromkeys([{inner}, {other}])))",
        f"''.join(sorted(set({inner})))",
        f"({inner}).join(['x', 'y'])",
        f"{inner}.replace({other}, 'r')",
        f"str.lower({inner})",
        f"str({inner}).upper()",
        f"({inner}.splitlines()[0] if {inner} else 'e')",
    ]))


@examples(300)
@given(expression=texts(), x=event_texts, y=event_texts, name=st.text(alphabet=TEXT, max_size=6))
def test_a_key_built_from_text_operations_is_allowed_for_any_event(
    expression: str, x: str, y: str, name: str, tmp_path_factory,  # type: ignore[no-untyped-def]
) -> None:
    event = {"x": x, "y": y}
    try:
        key = eval(expression, {"os": os, "posixpath": posixpath, "event": event, "NAME": name, "urlparse": urlparse,
                                "quote": quote, "unquote_plus": unquote_plus, "re": re})  # noqa: S307 - the test's own expression
    except (IndexError, ValueError):
        assume(False)
    assume("*" not in key)
    folder = Path(tmp_path_factory.getbasetemp()) / "text-oracle"
    folder.mkdir(exist_ok=True)
    source = (
        "import os, posixpath, re\nfrom urllib.parse import quote, unquote_plus, urlparse\nimport boto3\n"
        f"NAME = {name!r}\n"
        "def handler(event, context):\n"
        f"    boto3.client('s3').get_object(Bucket='oracle-bucket', Key={expression})\n"
    )
    (folder / "app.py").write_text(source)
    result = api.suggest([str(folder / "app.py")], region="us-east-1", account="1")
    arn = f"arn:aws:s3:::oracle-bucket/{key}"
    assert allows(result.policy, "s3:GetObject", arn), (expression, event, key, result.policy.dumps())
