"""Hypothesis strategies: random, valid handler packages with known needs.

A program is built from a grammar of boto3 usage: operations of common services, each
reached through one shape (module global client, class attribute, factory, lru_cache
factory, helper in another module, resource API, paginator, waiter, S3 transfer helper),
with resource names written as a literal, a constant, an f-string or an environment variable
(given as the function's environment). Each program comes with the exact (action, resource)
pairs it needs and decoys it must not get: the same action on other names, other actions on
the same resources, and calls in a function the handler never reaches.

The expected ARNs are written here from the AWS documentation's ARN formats, independently
of lpgen's catalogue.
"""

from __future__ import annotations

import os
import sys
import types
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st


def examples(normal: int) -> settings:
    """Settings of a property test: ``normal`` examples, ten times as many with
    ``HYPOTHESIS_PROFILE=bench``; no deadline (each example runs lpgen)."""
    bench = os.environ.get("HYPOTHESIS_PROFILE") == "bench"
    return settings(max_examples=normal * 10 if bench else normal, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


@contextmanager
def generated_module(source: str, recorder: KeyRecorder) -> Iterator[types.ModuleType]:
    """The module an oracle's generated ``source`` defines, run with ``recorder`` as its
    boto3 and known to ``sys.modules`` (for ``sys.modules[__name__]``) until the block ends.
    It is compiled without the calling file's ``from __future__`` flags (string annotations
    would break a dataclass in it); an error while it runs fails the test."""
    module = types.ModuleType("generated")
    module.__dict__["boto3"] = recorder
    sys.modules["generated"] = module
    try:
        code = compile(source.replace("import boto3\n", "", 1), "generated.py", "exec", dont_inherit=True)
        exec(code, module.__dict__)  # noqa: S102 - the test's own generated module
        yield module
    finally:
        del sys.modules["generated"]


class KeyRecorder:
    """A stand-in for boto3 in the oracles' own generated handlers: every client, session
    and resource is this recorder, and each way of reading an object (``get_object``,
    ``download_file``, a presigned ``get_object`` URL, the resource API's ``Object.get``)
    notes the key it was called with."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def client(self, service: str, **_: object) -> KeyRecorder:
        return self

    def Session(self, **_: object) -> KeyRecorder:  # noqa: N802 - boto3's name
        return self

    def get_object(self, Bucket: str, Key: str) -> None:  # noqa: N803 - boto3's names
        self.keys.append(Key)

    def download_file(self, Bucket: str, Key: str, Filename: str) -> None:  # noqa: N803 - boto3's names
        self.keys.append(Key)

    def generate_presigned_url(self, ClientMethod: str, Params: dict[str, str]) -> str:  # noqa: N803 - boto3's names
        assert ClientMethod == "get_object"
        self.keys.append(Params["Key"])
        return "https://example.invalid/"

    def resource(self, service: str, **_: object) -> _Resource:
        return _Resource(self)


class _Resource:
    """``boto3.resource('s3')`` of a KeyRecorder: ``Bucket(b).Object(k).get()`` and
    ``Object(b, k).get()`` note ``k``."""

    def __init__(self, recorder: KeyRecorder, key: str = "") -> None:
        self.recorder, self.key = recorder, key

    def Bucket(self, name: str) -> _Resource:  # noqa: N802 - boto3's name
        return self

    def Object(self, *names: str) -> _Resource:  # noqa: N802 - boto3's name
        return _Resource(self.recorder, names[-1])

    def get(self) -> None:
        self.recorder.keys.append(self.key)


REGION = "us-east-1"
ACCOUNT = "123456789012"


@dataclass(frozen=True)
class Op:
    service: str
    method: str
    params: str
    """keyword arguments, ``{a}``/``{b}`` standing for the name expressions."""
    action: str
    arn: str
    """expected ARN, ``{a}``/``{b}`` standing for the names."""
    decoy_action: str
    """another action on the same resource that the call does not need."""
    names: int = 1


OPS = [
    Op("s3", "get_object", "Bucket={a}, Key={b}", "s3:GetObject", "arn:aws:s3:::{a}/{b}", "s3:DeleteObject", 2),
    Op("s3", "put_object", "Bucket={a}, Key={b}, Body=b'x'", "s3:PutObject", "arn:aws:s3:::{a}/{b}", "s3:GetObject", 2),
    Op("s3", "delete_object", "Bucket={a}, Key={b}", "s3:DeleteObject", "arn:aws:s3:::{a}/{b}", "s3:PutObject", 2),
    Op("s3", "list_objects_v2", "Bucket={a}", "s3:ListBucket", "arn:aws:s3:::{a}", "s3:DeleteBucket"),
    Op("dynamodb", "get_item", "TableName={a}, Key={{}}", "dynamodb:GetItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{{a}}", "dynamodb:DeleteItem"),
    Op("dynamodb", "put_item", "TableName={a}, Item={{}}", "dynamodb:PutItem", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{{a}}", "dynamodb:Scan"),
    Op("dynamodb", "query", "TableName={a}", "dynamodb:Query", f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{{a}}", "dynamodb:PutItem"),
    Op("sqs", "send_message", f"QueueUrl='https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/' + {{a}}, MessageBody='m'",
       "sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:{{a}}", "sqs:PurgeQueue"),
    Op("sns", "publish", f"TopicArn='arn:aws:sns:{REGION}:{ACCOUNT}:' + {{a}}, Message='m'",
       "sns:Publish", f"arn:aws:sns:{REGION}:{ACCOUNT}:{{a}}", "sns:DeleteTopic"),
    Op("lambda", "invoke", "FunctionName={a}", "lambda:InvokeFunction", f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{{a}}",
       "lambda:DeleteFunction"),
    Op("ssm", "get_parameter", "Name='/' + {a}", "ssm:GetParameter", f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{{a}}",
       "ssm:PutParameter"),
    Op("kinesis", "put_record", "StreamName={a}, Data=b'x', PartitionKey='k'", "kinesis:PutRecord",
       f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/{{a}}", "kinesis:DeleteStream"),
]

# Shapes that only fit some operations: (service, python text of the call, action, ARN)
SPECIAL = [
    ("dynamodb", "boto3.resource('dynamodb').Table({a}).get_item(Key={{}})", "dynamodb:GetItem",
     f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{{a}}", "dynamodb:DeleteItem", 1),
    ("dynamodb", "boto3.resource('dynamodb').Table({a}).put_item(Item={{}})", "dynamodb:PutItem",
     f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{{a}}", "dynamodb:UpdateItem", 1),
    ("s3", "boto3.resource('s3').Object({a}, {b}).get()", "s3:GetObject", "arn:aws:s3:::{a}/{b}", "s3:PutObject", 2),
    ("s3", "boto3.resource('s3').Bucket({a}).put_object(Key={b}, Body=b'')", "s3:PutObject", "arn:aws:s3:::{a}/{b}",
     "s3:DeleteObject", 2),
    ("s3", "[p for p in boto3.client('s3').get_paginator('list_objects_v2').paginate(Bucket={a})]", "s3:ListBucket",
     "arn:aws:s3:::{a}", "s3:GetBucketPolicy", 1),
    ("s3", "boto3.client('s3').upload_file('/tmp/f', {a}, {b})", "s3:PutObject", "arn:aws:s3:::{a}/{b}", "s3:GetObject", 2),
    ("dynamodb", "boto3.client('dynamodb').get_waiter('table_exists').wait(TableName={a})", "dynamodb:DescribeTable",
     f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{{a}}", "dynamodb:DeleteTable", 1),
]

SHAPES = ("global", "class", "factory", "lru_factory", "helper_module", "guarded", "dispatch", "pool")
GUARDS = (
    # (the test of the helper's parameter, the argument the handler passes, the branch that runs)
    ("value is None", "None", "body"),
    ("value is None", "'given'", "else"),
    ("value is not None", "'given'", "body"),
    ("not value", "'given'", "else"),
    ("value", "''", "else"),
    ("isinstance(value, str)", "'given'", "body"),
    ("isinstance(value, (list, tuple))", "'given'", "else"),
    ("not isinstance(value, dict)", "{'k': 1}", "else"),
    ("value == 'given'", "'given'", "body"),
    ("value != 'given'", "'given'", "else"),
    ("'other' == value", "'given'", "else"),
    ("value in ('a', 'given')", "'given'", "body"),
    ("value not in ['given']", "'given'", "else"),
    ("value is not None and value == 'given'", "'given'", "body"),
    ("value is None or value == 'other'", "'given'", "else"),
    ("not (value == 'given' or value is None)", "'given'", "else"),
    # a variable with no value here, read with a default: the deployed function may set it
    ("value == 'given'", "os.environ.get('UNSET_FLAG', 'given')", "both"),
    ("value is None", "os.environ.get('UNSET_FLAG', 'given')", "else"),
)
"""``if`` tests of the argument: the call sits in the branch that runs, and a decoy call
in the one that cannot (with "both", the argument decides nothing and both calls are
needed)."""
NAMINGS = ("literal", "constant", "fstring", "env")


@dataclass
class Program:
    """Files of a handler package, its environment, and what it needs."""

    files: dict[str, str]
    env: dict[str, str]
    needed: list[tuple[str, str]] = field(default_factory=list)
    decoys: list[tuple[str, str]] = field(default_factory=list)


names = st.from_regex(r"[a-z][a-z0-9]{2,9}", fullmatch=True)


@st.composite
def programs(draw: st.DrawFn) -> Program:
    n_calls = draw(st.integers(1, 4))
    prog = Program({}, {})
    module: list[str] = [
        "import functools", "import os", "from concurrent.futures import ThreadPoolExecutor", "",
        "import boto3", "", "import helpers", "", "pool = ThreadPoolExecutor(2)", "",
    ]
    handler_body: list[str] = []
    extra_defs: list[str] = []
    helpers: list[str] = []
    used_names: set[str] = set()
    for i in range(n_calls):
        special = draw(st.booleans()) and draw(st.integers(0, 3)) == 0
        values = []
        exprs = []
        for j in range(2):
            value = draw(names.filter(lambda v: v not in used_names))
            used_names.add(value)
            naming = draw(st.sampled_from(NAMINGS))
            expr, value = _name(naming, value, i, j, module, prog.env)
            values.append(value)
            exprs.append(expr)
        if special:
            _service, text, action, arn, decoy_action, _n = draw(st.sampled_from(SPECIAL))
            handler_body.append("    " + text.format(a=exprs[0], b=exprs[1]))
        else:
            op = draw(st.sampled_from(OPS))
            action, arn, decoy_action = op.action, op.arn, op.decoy_action
            params = op.params.format(a=exprs[0], b=exprs[1])
            shape = draw(st.sampled_from(SHAPES))
            guard = draw(st.sampled_from(GUARDS)) if shape == "guarded" else None
            _shape(shape, i, op, params, module, handler_body, extra_defs, helpers, guard)
            if guard is not None:
                other = ("sqs:DeleteQueue", f"arn:aws:sqs:{REGION}:{ACCOUNT}:zzguard{i}")
                (prog.needed if guard[2] == "both" else prog.decoys).append(other)
        prog.needed.append((action, arn.format(a=values[0], b=values[1])))
        prog.decoys.append((action, arn.format(a="zz" + values[0], b="zz" + values[1])))
        prog.decoys.append((decoy_action, arn.format(a=values[0], b=values[1])))
        # dead code: a function nothing calls, with its own names
        dead = f"dead{values[0]}"
        extra_defs += [
            f"def _never_called_{i}():",
            f"    boto3.client('sqs').delete_queue(QueueUrl='https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{dead}')",
            "",
        ]
        prog.decoys.append(("sqs:DeleteQueue", f"arn:aws:sqs:{REGION}:{ACCOUNT}:{dead}"))
    module += extra_defs
    module += ["", "def handler(event, context):", *handler_body, "    return None", ""]
    prog.files["app.py"] = "\n".join(module)
    prog.files["helpers.py"] = "\n".join(helpers) + "\n"
    return prog


def _name(naming: str, value: str, i: int, j: int, module: list[str], env: dict[str, str]) -> tuple[str, str]:
    if naming == "literal":
        return repr(value), value
    if naming == "constant":
        module.append(f"NAME_{i}_{j} = {value!r}")
        return f"NAME_{i}_{j}", value
    if naming == "fstring":
        module.append(f"STAGE_{i}_{j} = 'prod'")
        return f"f'{{STAGE_{i}_{j}}}-{value}'", f"prod-{value}"
    env[f"ENV_{i}_{j}"] = value
    return f"os.environ['ENV_{i}_{j}']", value


def _shape(shape: str, i: int, op: Op, params: str, module: list[str], body: list[str], defs: list[str],
           helpers: list[str], guard: tuple[str, str, str] | None = None) -> None:
    call = f"{op.method}({params})"
    if guard is not None:
        test, argument, runs = guard
        needed = f"boto3.client({op.service!r}).{call}"
        never = f"boto3.client('sqs').delete_queue(QueueUrl='https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/zzguard{i}')"
        first, second = (never, needed) if runs == "else" else (needed, never)
        defs += [f"def guarded_{i}(value):", f"    if {test}:", f"        {first}", "    else:", f"        {second}", ""]
        body.append(f"    guarded_{i}({argument})")
    elif shape == "global":
        module.append(f"client_{i} = boto3.client({op.service!r})")
        body.append(f"    client_{i}.{call}")
    elif shape == "class":
        defs += [
            f"class Store{i}:",
            "    def __init__(self):",
            f"        self.client = boto3.client({op.service!r})",
            "",
            "    def go(self):",
            f"        return self.client.{call}",
            "",
        ]
        body.append(f"    Store{i}().go()")
    elif shape == "factory":
        defs += [f"def make_{i}():", f"    return boto3.client({op.service!r})", ""]
        body.append(f"    make_{i}().{call}")
    elif shape == "dispatch":
        # a method picked by a computed name: every method whose name fits may run
        defs += [
            f"class Router{i}:",
            "    def on_call(self, client):",
            f"        return client.{call}",
            "",
            "    def route(self, event):",
            f"        return getattr(self, 'on_' + event['kind'])(boto3.client({op.service!r}))",
            "",
        ]
        body.append(f"    Router{i}().route(event)")
    elif shape == "pool":
        # a thread pool calls the function with the arguments submit passes on
        defs += [f"def run_{i}(client):", f"    return client.{call}", ""]
        body.append(f"    pool.submit(run_{i}, boto3.client({op.service!r})).result()")
    elif shape == "lru_factory":
        defs += ["@functools.lru_cache(maxsize=None)", f"def cached_{i}(name):", "    return boto3.client(name)", ""]
        body.append(f"    cached_{i}({op.service!r}).{call}")
    else:
        # the client and the request cross into another module
        helpers += [f"def do_{i}(client, **kw):", f"    return client.{op.method}(**kw)", ""]
        body.append(f"    helpers.do_{i}(boto3.client({op.service!r}), {params})")
