"""Static analysis snippets: each shape of boto3 use the analyser must follow."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import analyse_files, write_files
from hypothesis import given
from hypothesis import strategies as st


def ops(calls) -> set[tuple[str, str]]:
    return {(c.client, c.operation) for c in calls}


def test_module_global_client_with_env_name(collect_calls) -> None:
    calls = collect_calls(
        """
        import os, boto3
        s3 = boto3.client("s3")
        BUCKET = os.environ["BUCKET"]
        def handler(event, context):
            s3.get_object(Bucket=BUCKET, Key=f"in/{event['k']}")
        """,
        env={"BUCKET": "b1"},
    )
    assert [(c.operation, c.params) for c in calls] == [("GetObject", {"Bucket": "b1", "Key": "in/*"})]


def test_lazy_global_client(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        _c = None
        def client():
            global _c
            if _c is None:
                _c = boto3.client("sqs")
            return _c
        def handler(event, context):
            client().send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q", MessageBody="x")
        """
    )
    assert ops(calls) == {("sqs", "SendMessage")}


def test_class_attribute_and_dataclass(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        from dataclasses import dataclass
        @dataclass
        class Settings:
            table: str
        class Repo:
            def __init__(self, name):
                self.t = boto3.resource("dynamodb").Table(name)
            def get(self, k):
                return self.t.get_item(Key={"id": k})
        def handler(event, context):
            s = Settings(table="orders")
            Repo(s.table).get("1")
        """
    )
    assert [(c.operation, c.params.get("TableName")) for c in calls] == [("GetItem", "orders")]


def test_client_passed_to_helper_in_other_module(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        import notify
        SNS = boto3.client("sns")
        def handler(event, context):
            notify.send(SNS, "arn:aws:sns:us-east-1:1:t")
        """,
        files={"notify.py": "def send(c, arn):\n    c.publish(TopicArn=arn, Message='m')\n"},
    )
    assert [(c.operation, c.params["TopicArn"]) for c in calls] == [("Publish", "arn:aws:sns:us-east-1:1:t")]


def test_paginator_waiter_presign_and_transfer(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        s3 = boto3.client("s3")
        ddb = boto3.client("dynamodb")
        def handler(event, context):
            for page in s3.get_paginator("list_objects_v2").paginate(Bucket="b"):
                pass
            ddb.get_waiter("table_exists").wait(TableName="t")
            s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": "k"})
            s3.upload_file("/tmp/x", "b", "out/x")
        """
    )
    got = ops(calls)
    assert {("s3", "ListObjectsV2"), ("dynamodb", "DescribeTable"), ("s3", "GetObject"), ("s3", "PutObject"), ("s3", "CreateMultipartUpload")} <= got


def test_resource_api_chains(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        def handler(event, context):
            q = boto3.resource("sqs").get_queue_by_name(QueueName="jobs")
            q.send_message(MessageBody="x")
            bucket = boto3.resource("s3").Bucket("b")
            for obj in bucket.objects.filter(Prefix="tmp/"):
                obj.delete()
            with boto3.resource("dynamodb").Table("t").batch_writer() as w:
                w.put_item(Item={})
        """
    )
    got = ops(calls)
    assert {("sqs", "GetQueueUrl"), ("sqs", "SendMessage"), ("s3", "ListObjects"), ("s3", "DeleteObject"), ("dynamodb", "BatchWriteItem")} <= got
    send = next(c for c in calls if c.operation == "SendMessage")
    assert send.params["QueueUrl"].endswith("/jobs")


def test_dict_router_of_lambdas(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        t = boto3.resource("dynamodb").Table("items")
        ROUTES = {"GET": lambda e: t.get_item(Key={}), "DELETE": lambda e: t.delete_item(Key={})}
        def handler(event, context):
            return ROUTES.get(event["m"])(event)
        """
    )
    assert ops(calls) == {("dynamodb", "GetItem"), ("dynamodb", "DeleteItem")}


def test_unreachable_function_is_not_collected(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        c = boto3.client("dynamodb")
        def purge():
            c.delete_table(TableName="t")
        def handler(event, context):
            c.get_item(TableName="t", Key={})
        """
    )
    assert ops(calls) == {("dynamodb", "GetItem")}


def test_getattr_literal_and_string_building(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3, os
        PREFIX = "app"
        def handler(event, context):
            c = boto3.client("ssm")
            getattr(c, "get_parameter")(Name="/%s/%s" % (PREFIX, "k"))
            c.get_parameter(Name="/{}/{}".format(PREFIX, "j"))
            c.get_parameter(Name=os.path.join("/", PREFIX, "z"))
        """
    )
    assert sorted(c.params["Name"] for c in calls) == ["/app/j", "/app/k", "/app/z"]


def test_computed_service_name_is_unresolved(tmp_path) -> None:
    from lpgen import api

    (tmp_path / "app.py").write_text(
        "import boto3\ndef handler(event, context):\n    boto3.client(event['svc']).do_thing()\n"
    )
    result = api.analyze([str(tmp_path / "app.py")])
    assert result.unresolved and "not known statically" in result.unresolved[0].reason


def test_syntax_error_is_skipped_with_a_reason(tmp_path) -> None:
    from lpgen import api

    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "old.py").write_text("print 'py2'\n")
    result = api.analyze([str(tmp_path)])
    assert result.skipped and "syntax error at line 1, column 1" in result.skipped[0][1]
    assert result.entry == "app.handler (found by name)"


def test_the_one_file_given_unreadable_is_an_error_not_an_empty_policy(tmp_path) -> None:
    from lpgen import api
    from lpgen.errors import SourceError

    (tmp_path / "app.py").write_text("import boto3\ndef handler(event, context:\n    pass\n")
    with pytest.raises(SourceError, match=r"app\.py: syntax error at line 2, column 12: "):
        api.analyze([str(tmp_path / "app.py")])
    with pytest.raises(SourceError, match=r"^handler app\.handler: .*app\.py: syntax error at line 2"):
        api.analyze([str(tmp_path)], handler="app.handler")


def test_a_handler_the_module_does_not_define_is_an_error(tmp_path) -> None:
    """The runtime would fail it (Runtime.HandlerNotFound); an empty policy would hide that."""
    from lpgen import api
    from lpgen.errors import SourceError

    (tmp_path / "app.py").write_text("def handler(event, context):\n    pass\n\ndef other():\n    pass\n")
    with pytest.raises(SourceError, match=r"handler app\.lambda_handler: .*app\.py defines no 'lambda_handler' "
                                          r"\(its functions: handler, other\)"):
        api.analyze([str(tmp_path)], handler="app.lambda_handler")


@pytest.mark.parametrize("source", [
    "from impl import run as handler\n",
    "import impl\nhandler = impl.App()\n",
    "try:\n    from impl import run\nexcept ImportError:\n    run = None\nhandler = run\n",
    "from mangum_like import *\n",
    "def __getattr__(name):\n    return lambda event, context: None\n",
])
def test_a_handler_bound_any_way_or_maybe_bound_unseen_is_no_error(tmp_path, source: str) -> None:
    from lpgen import api

    (tmp_path / "impl.py").write_text("def run(event, context):\n    pass\n\nclass App:\n    def __call__(self, e, c):\n        pass\n")
    (tmp_path / "app.py").write_text(source)
    assert api.analyze([str(tmp_path)], handler="app.handler").entry == "app.handler (handler)"


def test_a_lazily_created_instance_settles_in_two_passes(tmp_path) -> None:
    """Each pass runs the class statement again; its instances are still the same values,
    so the global set on first use stops changing after the pass that first sees it."""
    import textwrap

    from lpgen.calls.interp import MAX_PASSES, Analyzer
    from lpgen.source.discover import discover

    (tmp_path / "app.py").write_text(textwrap.dedent(
        """
        import boto3
        _store = None
        class Store:
            def __init__(self):
                self.s3 = boto3.client("s3")
            def get(self, key):
                return self.s3.get_object(Bucket="b", Key=key)
        def store():
            global _store
            if _store is None:
                _store = Store()
            return _store
        def handler(event, context):
            return store().get("k")
        """))
    analyzer = Analyzer(discover([str(tmp_path / "app.py")]))
    passes = analyzer.run([("app", "handler")])
    assert passes == 2 < MAX_PASSES
    assert [(c.operation, c.params) for c in analyzer.calls] == [("GetObject", {"Bucket": "b", "Key": "k"})]
    assert len(analyzer.global_writes[("app", "_store")]) == 1


def test_functions_defined_in_top_level_blocks_are_entries_and_reported(tmp_path) -> None:
    """``if DEBUG: def handler(...)`` and a ``try`` around an optional import define
    functions of the module as much as a plain ``def`` does."""
    from lpgen import api

    (tmp_path / "app.py").write_text(textwrap.dedent(
        """
        import os
        import boto3
        s3 = boto3.client("s3")
        try:
            import ujson as json
        except ImportError:
            import json
            def cleanup():
                s3.delete_object(Bucket="tmp-bucket", Key="k")
        if os.environ.get("DEBUG"):
            def handler(event, context):
                s3.get_object(Bucket="debug-bucket", Key="k")
        else:
            def handler(event, context):
                s3.put_object(Bucket="prod-bucket", Key="k", Body=b"")
        """))
    unknown = api.analyze([str(tmp_path / "app.py")])
    assert unknown.entry == "app.handler (found by name)"
    assert sorted((c.operation, c.params["Bucket"]) for c in unknown.calls) == [
        ("GetObject", "debug-bucket"), ("PutObject", "prod-bucket")]
    assert [(u.function, u.call.operation) for u in unknown.unreachable] == [("app.cleanup", "DeleteObject")]
    assert unknown.reached == ("app.handler",)
    prod = api.analyze([str(tmp_path / "app.py")], env={"DEBUG": ""}, env_complete=True)
    assert [(c.operation, c.params["Bucket"]) for c in prod.calls] == [("PutObject", "prod-bucket")]


def test_code_for_local_emulators_is_not_the_deployed_functions(tmp_path) -> None:
    """AWS_SAM_LOCAL is set by ``sam local`` only: a deployed function takes the branch for
    its absence, with or without a template, and nothing is said of the variable. A test of a
    variable with a default runs both branches unless the template says it is not set."""
    from lpgen import api

    (tmp_path / "app.py").write_text(textwrap.dedent(
        """
        import os
        import boto3
        IS_LOCAL = os.environ.get("AWS_SAM_LOCAL") == "true"
        DEBUG = os.environ.get("DEBUG", "0") == "1"
        def handler(event, context):
            if IS_LOCAL:
                boto3.client("sqs", endpoint_url="http://localstack:4566").send_message(QueueUrl="http://localstack:4566/000000000000/q", MessageBody="m")
            else:
                boto3.client("sqs").send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/jobs", MessageBody="m")
            if DEBUG:
                boto3.client("s3").put_object(Bucket="debug-dumps", Key="k", Body=b"")
        """))
    for complete in (False, True):
        result = api.analyze([str(tmp_path / "app.py")], env={}, env_complete=complete)
        assert sorted((c.operation, c.params.get("QueueUrl") or c.params.get("Bucket")) for c in result.calls) == [
            *([] if complete else [("PutObject", "debug-dumps")]), ("SendMessage", "https://sqs.us-east-1.amazonaws.com/1/jobs")]
        assert not [name for name, _, _ in result.env_missing if name == "AWS_SAM_LOCAL"]


def test_a_variable_the_template_does_not_set_is_said_so(tmp_path) -> None:
    from lpgen import api

    (tmp_path / "app.py").write_text(
        "import os, boto3\ndef handler(event, context):\n"
        "    boto3.client('s3').get_object(Bucket=os.environ['BUCKET'], Key='k')\n")
    bare = api.suggest([str(tmp_path / "app.py")], region="us-east-1", account="1")
    templated = api.suggest([str(tmp_path / "app.py")], region="us-east-1", account="1", env={}, env_complete=True)
    assert [f.message for f in bare.findings if f.code == "LP202"] == [
        "environment variable BUCKET has no value (pass --env BUCKET=… or --template)"]
    assert [f.message for f in templated.findings if f.code == "LP202"] == [
        "environment variable BUCKET has no value: the template does not set it (pass --env BUCKET=… if the "
        "function gets it elsewhere)"]


def test_handlers_found_by_name_run_again_in_every_pass(tmp_path) -> None:
    """Handlers found by name are taken as their modules are parsed; a later pass runs the
    same ones again: here the first handler reads a name the second one sets only later."""
    (tmp_path / "store.py").write_text("class Box:\n    name = 'early'\n\nbox = Box()\n")
    (tmp_path / "a.py").write_text(
        "import boto3\nimport store\n\ndef handler(event, context):\n"
        "    boto3.client('s3').get_object(Bucket=store.box.name, Key='k')\n")
    (tmp_path / "b.py").write_text("import store\n\ndef handler(event, context):\n    store.box.name = 'late'\n")
    (tmp_path / "c.py").write_text("def helper():\n    return 1\n")
    from lpgen import api

    result = api.analyze([str(tmp_path)], jobs=1)
    assert result.entry == "a.handler, b.handler (found by name)"
    assert [sorted(c.params["Bucket"]) for c in result.calls] == [["early", "late"]]


def test_dataclass_field_with_a_default_factory_client(collect_calls) -> None:
    calls = collect_calls(
        """
        from dataclasses import dataclass, field
        import boto3
        @dataclass
        class Repo:
            name: str
            ddb: object = field(default_factory=lambda: boto3.resource("dynamodb"))
            def put(self, item):
                self.ddb.Table(self.name).put_item(Item=item)
        def handler(event, context):
            Repo("orders").put({"pk": 1})
        """
    )
    assert [(c.operation, c.params.get("TableName")) for c in calls] == [("PutItem", "orders")]


def test_a_dataclass_field_nobody_sets_is_reported_not_dropped(tmp_path) -> None:
    analysis = analyse_files(tmp_path, {"app.py": """
        from dataclasses import dataclass
        @dataclass
        class Repo:
            client: object
            def get(self):
                return self.client.get_object(Bucket="b", Key="k")
        def handler(event, context):
            Repo().get()
        """})
    assert not analysis.calls
    assert [u.location.line for u in analysis.unresolved] == [7]
    assert "field 'client' of Repo" in analysis.unresolved[0].reason


def test_router_a_decorator_fills_is_followed(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        ROUTES = {}
        def route(name):
            def register(fn):
                ROUTES[name] = fn
                return fn
            return register
        @route("archive")
        def archive(event):
            boto3.client("s3").put_object(Bucket="b", Key="a", Body=b"")
        @route("purge")
        def purge(event):
            boto3.client("s3").delete_object(Bucket="b", Key="a")
        def handler(event, context):
            return ROUTES[event["op"]](event)
        """
    )
    assert ops(calls) == {("s3", "PutObject"), ("s3", "DeleteObject")}


def test_client_cache_keyed_by_a_computed_name(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        _clients = {}
        def client(name):
            if name not in _clients:
                _clients[name] = boto3.client(name)
            return _clients[name]
        def handler(event, context):
            client("sqs").send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q", MessageBody="x")
        """
    )
    assert ops(calls) == {("sqs", "SendMessage")}


def test_a_handler_bound_by_assignment_is_found_by_name(tmp_path) -> None:
    analysis = analyse_files(tmp_path, {"app.py": """
        import boto3
        class App:
            def __init__(self):
                self.s3 = boto3.client("s3")
            def run(self, event, context):
                self.s3.get_object(Bucket="b", Key="k")
        handler = App().run
        """})
    assert analysis.entry == "app.handler (found by name)"
    assert [(c.operation, c.params) for c in analysis.calls] == [("GetObject", {"Bucket": "b", "Key": "k"})]


def test_functions_handed_to_a_thread_pool_or_a_sort_key_are_followed(collect_calls) -> None:
    calls = collect_calls(
        """
        from concurrent.futures import ThreadPoolExecutor
        import boto3
        s3 = boto3.client("s3")
        sns = boto3.client("sns")
        def delete(key):
            s3.delete_object(Bucket="b", Key="tmp/" + key)
        def notify(message):
            sns.publish(TopicArn="arn:aws:sns:us-east-1:1:t", Message=message)
        def handler(event, context):
            with ThreadPoolExecutor() as pool:
                list(pool.map(delete, event["keys"]))
                pool.submit(notify, "done")
            sorted(event["keys"], key=lambda k: s3.head_object(Bucket="b", Key="tmp/" + k)["ContentLength"])
        """
    )
    assert {(c.operation, c.params.get("Key", c.params.get("TopicArn"))) for c in calls} == {
        ("DeleteObject", "tmp/*"), ("Publish", "arn:aws:sns:us-east-1:1:t"), ("HeadObject", "tmp/*"),
    }


def test_a_partial_is_not_also_run_with_unknown_arguments(collect_calls) -> None:
    calls = collect_calls(
        """
        import functools
        import boto3
        def fetch(bucket, key):
            return boto3.client("s3").get_object(Bucket=bucket, Key=key)
        get_config = functools.partial(fetch, "config")
        def handler(event, context):
            return get_config("app.json")
        """
    )
    assert [(c.operation, c.params) for c in calls] == [("GetObject", {"Bucket": "config", "Key": "app.json"})]


def test_code_for_running_the_file_by_hand_is_reported_not_granted(tmp_path) -> None:
    analysis = analyse_files(tmp_path, {"app.py": """
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            s3.get_object(Bucket="data", Key="in/x")
        if __name__ == "__main__":
            s3.create_bucket(Bucket="data")
            handler({}, None)
        """})
    assert [c.operation for c in analysis.calls] == ["GetObject"]
    assert [(u.call.operation, u.function) for u in analysis.unreachable] == [("CreateBucket", "app run as a script")]


def test_or_default_takes_the_environment_value_when_it_is_set(collect_calls) -> None:
    source = """
        import os, boto3
        TABLE = os.getenv("TABLE_NAME") or "orders-default"
        def handler(event, context):
            boto3.client("dynamodb").get_item(TableName=TABLE, Key={})
        """
    assert [c.params["TableName"] for c in collect_calls(source, env={"TABLE_NAME": "orders"})] == ["orders"]
    assert [sorted(c.params["TableName"]) for c in collect_calls(source)] == [["*", "orders-default"]]


def test_without_a_handler_calls_in_methods_nothing_reaches_are_reported(tmp_path) -> None:
    analysis = analyse_files(tmp_path, {"jobs.py": """
        import boto3
        s3 = boto3.client("s3")
        def export(key):
            s3.put_object(Bucket="exports", Key=key, Body=b"")
        class Cleaner:
            def run(self):
                s3.delete_object(Bucket="exports", Key="old")
        """}, "jobs.py")
    assert analysis.entry == "every top-level function (no handler named or found)"
    assert [c.operation for c in analysis.calls] == ["PutObject"]
    assert [(u.call.operation, u.function) for u in analysis.unreachable] == [("DeleteObject", "jobs.Cleaner.run")]


def test_an_unreachable_call_a_helper_makes_names_the_function_that_runs_it(tmp_path) -> None:
    """The finding sits on the helper's line and names the unreachable function whose run
    makes the call, which need not be the function the line is in."""
    from lpgen import api

    (tmp_path / "helpers.py").write_text("import boto3\ndef purge():\n    boto3.client('s3').delete_object(Bucket='b', Key='k')\n")
    (tmp_path / "app.py").write_text(
        "from helpers import purge\n"
        "def nightly():\n"
        "    purge()\n"
        "def handler(event, context):\n"
        "    return 1\n"
    )
    found = api.suggest([str(tmp_path / "app.py")], region="us-east-1", account="1").findings
    assert [(f.path.rsplit("/", 1)[-1], f.line, f.message) for f in found if f.code == "LP204"] == [
        ("helpers.py", 3, "s3.DeleteObject, made by app.nightly, is not reachable from the entry point: not granted"),
    ]


def test_a_handler_module_the_folder_given_names_otherwise_is_not_reported_unreachable(tmp_path) -> None:
    """serverless.yml's handler src/handlers.main is the module src.handlers; the folder src/
    given as the code names the same file handlers. What the entry reaches in it is granted
    and is no unreachable call; a function the entry does not reach still is."""
    from lpgen import api

    src = tmp_path / "src"
    src.mkdir()
    (src / "handlers.py").write_text(
        "import boto3\n"
        "def _copy(bucket, key):\n"
        "    boto3.client('s3').get_object(Bucket=bucket, Key=key)\n"
        "def main(event, context):\n"
        "    _copy('in', event['key'])\n"
        "def other(event, context):\n"
        "    boto3.client('sns').publish(TopicArn='arn:aws:sns:us-east-1:1:t', Message='m')\n"
    )
    result = api.suggest([str(src)], root=str(tmp_path), handler="src/handlers.main", region="us-east-1", account="1")
    assert [(p.action, p.resource) for p in result.permissions] == [("s3:GetObject", "arn:aws:s3:::in/*")]
    assert [(u.call.operation, u.function) for u in result.analysis.unreachable] == [("Publish", "src.handlers.other")]


def test_an_unreachable_call_the_policy_grants_anyway_is_not_reported(tmp_path) -> None:
    """A shared helper the handler calls with one argument and a function it never calls with
    another: the stream is granted either way, so that call is no LP204 'not granted'; a
    call in that function needing what is not granted still is."""
    from lpgen import api

    (tmp_path / "audit.py").write_text(
        "import boto3\n"
        "def audit(kind):\n"
        "    boto3.client('kinesis').put_record(StreamName='audit', Data=b'', PartitionKey=kind)\n"
    )
    (tmp_path / "app.py").write_text(
        "import boto3\n"
        "from audit import audit\n"
        "def handler(event, context):\n"
        "    audit('placed')\n"
        "def worker(event, context):\n"
        "    audit('stored')\n"
        "    boto3.client('sqs').delete_queue(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/old')\n"
    )
    result = api.suggest([str(tmp_path / "app.py")], handler="app.handler", region="us-east-1", account="1")
    assert [(p.action, p.resource) for p in result.permissions] == [("kinesis:PutRecord", "arn:aws:kinesis:us-east-1:1:stream/audit")]
    assert [(u.call.operation, u.function) for u in result.analysis.unreachable] == [("DeleteQueue", "app.worker")]
    assert [f.message for f in result.findings if f.code == "LP204"] == [
        "sqs.DeleteQueue, made by app.worker, is not reachable from the entry point: not granted"]


def test_tests_beside_the_code_are_no_grants(tmp_path) -> None:
    """A folder's tests (tests/, test_*.py, *_test.py, conftest.py) set up their mocked AWS
    before calling the handler: with no handler found, every top-level function counts, but
    not theirs. A folder of tests only is still analysed."""
    from lpgen import api

    (tmp_path / "handler.py").write_text(
        "import boto3\ndef main(event, context):\n    boto3.client('s3').put_object(Bucket='b', Key='k', Body=b'')\n")
    setup = "import boto3\ndef test_it():\n    boto3.client('s3').create_bucket(Bucket='b')\n"
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "helpers.py").write_text(setup.replace("test_it", "make"))
    for name in ("test_handler.py", "handler_test.py", "conftest.py"):
        (tmp_path / name).write_text(setup)
    result = api.suggest([str(tmp_path)], region="us-east-1", account="1")
    assert [(p.action, p.resource) for p in result.permissions] == [("s3:PutObject", "arn:aws:s3:::b/k")]
    assert not result.analysis.unreachable
    only = api.suggest([str(tmp_path / "tests")], region="us-east-1", account="1")
    assert [p.action for p in only.permissions] == ["s3:CreateBucket"]


def test_a_pattern_splits_into_its_known_leading_parts(collect_calls) -> None:
    """Parts before the first unknown one are known; the part holding it keeps its known
    start; a part past it, or counted from the end, is not known (the unknown text may hold
    the separator)."""
    calls = collect_calls(
        """
        import boto3
        def handler(event, context):
            parts = f"arn:aws:sqs:eu-west-1:1:jobs-{event['x']}".split(":")
            sns = boto3.client("sns")
            for i in (parts[3], parts[5], parts[6], parts[-1], parts[-2]):
                sns.publish(TopicArn="arn:aws:sns:eu-west-1:1:" + i, Message="m")
        """
    )
    arns = [a for c in calls for a in (c.params["TopicArn"] if isinstance(c.params["TopicArn"], list) else [c.params["TopicArn"]])]
    assert sorted({a.rsplit(":", 1)[-1] for a in arns}) == ["*", "eu-west-1", "jobs-*"]


def test_aioboto3_and_aiobotocore_clients(collect_calls) -> None:
    calls = collect_calls(
        """
        import aioboto3
        from aiobotocore.session import get_session
        session = aioboto3.Session()
        async def handler(event, context):
            async with session.client("s3") as s3:
                await s3.get_object(Bucket="b", Key="k")
            async with session.resource("dynamodb") as ddb:
                table = await ddb.Table("orders")
                await table.put_item(Item={})
            async with get_session().create_client("sqs") as sqs:
                await sqs.send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q", MessageBody="x")
        """
    )
    assert ops(calls) == {("s3", "GetObject"), ("dynamodb", "PutItem"), ("sqs", "SendMessage")}


def test_dict_get_with_a_key_not_known_may_give_the_default(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        s3 = boto3.client("s3")
        OPS = {"save": "put_object", "drop": "delete_object"}
        def handler(event, context):
            getattr(s3, OPS.get(event["op"], "get_object"))(Bucket="b", Key="k")
            getattr(s3, OPS.get("save", "head_object"))(Bucket="b", Key="s")
        """
    )
    assert {(c.operation, c.params["Key"]) for c in calls} == {
        ("PutObject", "k"), ("DeleteObject", "k"), ("GetObject", "k"), ("PutObject", "s"),
    }


def test_a_loop_over_literal_rows_keeps_each_row_together(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        s3 = boto3.client("s3")
        TARGETS = {"a": "in/", "b": "out/"}
        def handler(event, context):
            for bucket, prefix in [("a", "in/"), ("b", "out/")]:
                s3.put_object(Bucket=bucket, Key=prefix + "x", Body=b"")
            for bucket, prefix in TARGETS.items():
                s3.delete_object(Bucket=bucket, Key=prefix + "y")
        """
    )
    assert {(c.operation, c.params["Bucket"], c.params["Key"]) for c in calls} == {
        ("PutObject", "a", "in/x"), ("PutObject", "b", "out/x"),
        ("DeleteObject", "a", "in/y"), ("DeleteObject", "b", "out/y"),
    }


def test_a_logging_handler_is_not_taken_for_the_lambda_handler(tmp_path) -> None:
    analysis = analyse_files(tmp_path, {"job.py": """
        import logging
        import boto3
        handler = logging.StreamHandler()
        def main(event, context):
            boto3.client("s3").get_object(Bucket="b", Key="k")
        """}, "job.py")
    assert analysis.entry == "every top-level function (no handler named or found)"
    assert [c.operation for c in analysis.calls] == ["GetObject"]


def test_library_names_imported_by_name_and_typing_cast(collect_calls) -> None:
    calls = collect_calls(
        """
        from os import environ, getenv
        from os.path import join
        from functools import partial
        from typing import cast
        import typing
        import boto3
        s3 = cast("S3Client", boto3.client("s3"))
        table = typing.cast("Table", boto3.resource("dynamodb").Table(environ["TABLE"]))
        put = partial(s3.put_object, Bucket=getenv("BUCKET"))
        def handler(event, context):
            s3.get_object(Bucket=environ["BUCKET"], Key=join("in", "x.json"))
            put(Key="out/y", Body=b"")
            table.get_item(Key={})
        """,
        env={"BUCKET": "data", "TABLE": "orders"},
    )
    assert {(c.operation, c.params.get("Bucket", c.params.get("TableName")), str(c.params.get("Key"))) for c in calls} == {
        ("GetObject", "data", "in/x.json"), ("PutObject", "data", "out/y"), ("GetItem", "orders", "{}"),
    }


def test_enum_member_values_name_resources(collect_calls) -> None:
    calls = collect_calls(
        """
        from enum import Enum
        import boto3
        class Tables(str, Enum):
            ORDERS = "orders"
        def handler(event, context):
            boto3.client("dynamodb").get_item(TableName=Tables.ORDERS.value, Key={})
            boto3.client("dynamodb").put_item(TableName=f"{Tables.ORDERS.value}-archive", Item={})
        """
    )
    assert [c.params["TableName"] for c in calls] == ["orders", "orders-archive"]


def test_a_startswith_guard_narrows_the_key(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            for record in event["Records"]:
                key = record["s3"]["object"]["key"]
                if not key.startswith("incoming/"):
                    continue
                s3.copy_object(Bucket="m", Key=key.replace("incoming/", "processed/"),
                               CopySource={"Bucket": "m", "Key": key})
            name = event["name"]
            if name.startswith("tmp/"):
                s3.delete_object(Bucket="m", Key=name)
            else:
                s3.get_object(Bucket="m", Key=name)
            report = event["report"]
            if not report.endswith(".csv"):
                raise ValueError(report)
            s3.put_object(Bucket="m", Key="reports/" + report, Body=b"")
        """
    )
    assert {(c.operation, c.params["Key"]) for c in calls} == {
        ("CopyObject", "processed/*"), ("DeleteObject", "tmp/*"), ("GetObject", "*"), ("PutObject", "reports/*.csv"),
    }
    copy = next(c for c in calls if c.operation == "CopyObject")
    assert copy.params["CopySource"]["Key"] == "incoming/*"


def test_routes_an_event_handler_registers_are_entries(tmp_path) -> None:
    routes = """
        import boto3
        from aws_lambda_powertools.event_handler.router import Router
        router = Router()
        @router.delete("/todos/<todo_id>")
        def delete_todo(todo_id):
            boto3.resource("dynamodb").Table("todos").delete_item(Key={"id": todo_id})
        """
    app = """
        import backoff
        import boto3
        from aws_lambda_powertools import Tracer
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver
        from routes import router
        tracer = Tracer()
        app = APIGatewayRestResolver()
        app.include_router(router)
        table = boto3.resource("dynamodb").Table("todos")
        @app.get("/todos/<todo_id>")
        @tracer.capture_method
        def get_todo(todo_id):
            return table.get_item(Key={"id": todo_id})
        @tracer.capture_method
        def audit(key):
            boto3.client("s3").put_object(Bucket="audit", Key=key, Body=b"")
        @backoff.on_exception(backoff.expo, Exception)
        def unused():
            boto3.client("sqs").purge_queue(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q")
        @tracer.capture_lambda_handler
        def lambda_handler(event, context):
            audit("log/x")
            return app.resolve(event, context)
        """
    analysis = analyse_files(tmp_path, {"routes.py": routes, "app.py": app})
    assert {(c.operation, str(c.params.get("Key"))) for c in analysis.calls} == {
        ("GetItem", "{'id': '*'}"), ("DeleteItem", "{'id': '*'}"), ("PutObject", "log/x"),
    }
    assert analysis.registered == ("app.get_todo", "routes.delete_todo")
    assert [u.function for u in analysis.unreachable] == ["app.unused"]


def test_a_callable_instance_is_a_handler(tmp_path) -> None:
    from lpgen import api

    analyse_files(tmp_path, {"app.py": """
        import boto3
        class Handler:
            def __init__(self):
                self.sqs = boto3.client("sqs")
            def __call__(self, event, context):
                self.sqs.send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q", MessageBody="x")
        handler = Handler()
        """})
    for path in (str(tmp_path / "app.py"), str(tmp_path / "app.handler")):
        analysis = api.analyze([path])
        assert [c.operation for c in analysis.calls] == ["SendMessage"], path
        assert not analysis.unreachable


def test_client_methods_and_partials_handed_to_executors(collect_calls) -> None:
    calls = collect_calls(
        """
        import asyncio, functools
        from concurrent.futures import ThreadPoolExecutor
        import boto3
        s3 = boto3.client("s3")
        async def handler(event, context):
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, functools.partial(s3.get_object, Bucket="b", Key="k"))
            with ThreadPoolExecutor() as ex:
                ex.submit(s3.delete_object, Bucket="b", Key="old")
        """
    )
    assert {(c.operation, c.params["Key"]) for c in calls} == {("GetObject", "k"), ("DeleteObject", "old")}


def test_a_handler_made_by_a_wrapping_function_is_found_by_name(tmp_path) -> None:
    analysis = analyse_files(tmp_path, {"app.py": """
        from functools import wraps
        import boto3
        def middleware(fn):
            @wraps(fn)
            def wrapper(event, context):
                boto3.client("sqs").send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/audit", MessageBody="x")
                return fn(event, context)
            return wrapper
        def impl(event, context):
            boto3.client("s3").get_object(Bucket="b", Key="k")
        lambda_handler = middleware(impl)
        """})
    assert analysis.entry == "app.lambda_handler (found by name)"
    assert {c.operation for c in analysis.calls} == {"SendMessage", "GetObject"}


def test_the_context_object_names_the_function_and_its_account(tmp_path) -> None:
    from lpgen import api

    (tmp_path / "app.py").write_text(
        "import boto3\n"
        "def handler(event, context):\n"
        "    account = context.invoked_function_arn.split(':')[4]\n"
        "    boto3.client('sns').publish(TopicArn=f'arn:aws:sns:us-east-1:{account}:alerts', Message='m')\n"
        "    boto3.client('lambda').invoke(FunctionName=context.function_name, InvocationType='Event')\n"
    )
    known = api.analyze([str(tmp_path / "app.py")], env={"AWS_LAMBDA_FUNCTION_NAME": "worker"},
                        region="us-east-1", account="123")
    assert [(c.operation, c.params.get("TopicArn", c.params.get("FunctionName"))) for c in known.calls] == [
        ("Publish", "arn:aws:sns:us-east-1:123:alerts"), ("Invoke", "worker"),
    ]
    unknown = api.analyze([str(tmp_path / "app.py")])
    assert [(c.operation, c.params.get("TopicArn", c.params.get("FunctionName"))) for c in unknown.calls] == [
        ("Publish", "arn:aws:sns:us-east-1:${Account}:alerts"), ("Invoke", "*"),
    ]
    # NOTE: the function's own account, not any: the policy says so with the placeholder.
    policy = api.suggest([str(tmp_path / "app.py")]).policy.to_json()
    resources = {r for s in policy["Statement"] for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])}
    assert "arn:aws:sns:us-east-1:${AWS::AccountId}:alerts" in resources


def test_a_method_only_some_alternative_clients_have_is_not_unresolved(tmp_path) -> None:
    """Branches that agree (the same test twice) are joined, so ``client`` is s3 or sqs at
    each call; the alternative without the method would raise AttributeError, not call AWS."""
    analysis = analyse_files(tmp_path, {"app.py": """
        import boto3

        s3 = boto3.client("s3")
        sqs = boto3.client("sqs")


        def handler(event, context):
            if event["kind"] == "file":
                client = s3
            else:
                client = sqs
            if event["kind"] == "file":
                client.get_object(Bucket="b", Key="k")
            else:
                client.send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q", MessageBody="m")
            client.list_things()
    """})
    assert sorted((c.client, c.operation) for c in analysis.calls) == [("s3", "GetObject"), ("sqs", "SendMessage")]
    # a method no alternative has is still reported, once for each client
    assert sorted(u.reason for u in analysis.unresolved) == [
        "s3 client has no method 'list_things'", "sqs client has no method 'list_things'",
    ]


def test_isinstance_tells_each_branch_what_the_value_is(tmp_path) -> None:
    """A helper that takes one name or a list of names: each caller gets only the branch its
    argument can take, and an argument of unknown type gets both."""
    analysis = analyse_files(tmp_path, {"app.py": """
        import boto3

        ssm = boto3.client("ssm")


        def fetch(path):
            if isinstance(path, str):
                return ssm.get_parameter(Name=path)["Parameter"]["Value"]
            return [p["Value"] for p in ssm.get_parameters(Names=path)["Parameters"]]


        def tagged(value):
            if not isinstance(value, (list, tuple, set)):
                ssm.put_parameter(Name="/one/" + value, Value="x")
            else:
                ssm.delete_parameters(Names=value)


        def handler(event, context):
            fetch("/app/prefix")
            fetch(["/app/a", "/app/b"])
            fetch(event["names"])
            tagged("k")
    """})
    got = sorted((c.operation, str(c.params.get("Name", c.params.get("Names")))) for c in analysis.calls)
    assert got == [
        ("GetParameter", "*"),
        ("GetParameter", "/app/prefix"),
        ("GetParameters", "*"),
        ("GetParameters", "['/app/a', '/app/b']"),
        ("PutParameter", "/one/k"),
    ]


def test_isinstance_keeps_both_branches_when_the_type_is_not_known(tmp_path) -> None:
    """A generator or a dict view may not be a list; ``str.encode`` gives bytes."""
    analysis = analyse_files(tmp_path, {"app.py": """
        import boto3

        ssm = boto3.client("ssm")


        def names(value):
            if isinstance(value, (list, tuple, set, frozenset)):
                ssm.delete_parameters(Names=list(value))
            else:
                ssm.delete_parameter(Name="/one")


        def raw(value):
            if isinstance(value, bytes):
                ssm.put_parameter(Name="/bytes", Value="x")


        def handler(event, context):
            names(n for n in ["/a"])
            names({"/b": 1}.keys())
            raw("text".encode())
    """})
    assert sorted({c.operation for c in analysis.calls}) == ["DeleteParameter", "DeleteParameters", "PutParameter"]


def test_a_default_that_is_replaced_when_none_or_empty_is_used_only_then(tmp_path) -> None:
    """``bucket=None`` then ``if bucket is None: bucket = DEFAULT``: a caller that names its
    bucket does not also get the default's permission."""
    from lpgen import api

    (tmp_path / "app.py").write_text(textwrap.dedent("""
        import os

        import boto3

        s3 = boto3.client("s3")


        def read(key, bucket=None):
            if bucket is None:
                bucket = os.environ["DEFAULT_BUCKET"]
            return s3.get_object(Bucket=bucket, Key=key)


        def write(key, bucket=""):
            if not bucket:
                bucket = "fallback-bucket"
            s3.put_object(Bucket=bucket, Key=key, Body=b"x")


        def handler(event, context):
            read("a.json", bucket="explicit-bucket")
            read("b.json")
            write("c.json", bucket="out-bucket")
            write("d.json")
    """))
    calls = api.analyze([str(tmp_path / "app.py")], env={"DEFAULT_BUCKET": "default-bucket"}).calls
    assert sorted((c.operation, c.params["Bucket"], c.params["Key"]) for c in calls) == [
        ("GetObject", "default-bucket", "b.json"),
        ("GetObject", "explicit-bucket", "a.json"),
        ("PutObject", "fallback-bucket", "d.json"),
        ("PutObject", "out-bucket", "c.json"),
    ]


def test_a_value_that_may_be_missing_keeps_its_fallback(tmp_path) -> None:
    """``dict.get`` of a key some alternatives lack, and ``os.environ.get`` of a variable
    with no value, may be None: the ``is None`` branch still runs."""
    analysis = analyse_files(tmp_path, {"app.py": """
        import os

        import boto3

        s3 = boto3.client("s3")
        STAGES = {"prod": {"bucket": "prod-bucket"}, "dev": {}}


        def handler(event, context):
            bucket = STAGES[event["stage"]].get("bucket")
            if bucket is None:
                bucket = "dev-bucket"
            s3.get_object(Bucket=bucket, Key="k")
            queue = os.environ.get("QUEUE_NAME")
            if queue is None:
                s3.put_object(Bucket="no-queue-bucket", Key="k", Body=b"")
    """})
    buckets = {
        (c.operation, b) for c in analysis.calls
        for b in (c.params["Bucket"] if isinstance(c.params["Bucket"], list) else [c.params["Bucket"]])
    }
    assert buckets == {("GetObject", "dev-bucket"), ("GetObject", "prod-bucket"), ("PutObject", "no-queue-bucket")}


def test_tests_the_analysis_cannot_decide_keep_both_branches(tmp_path) -> None:
    """A name a nested function rebinds, a list a helper fills, a function that can end
    without return, and next() with a default: each ``if`` keeps the branch that runs."""
    analysis = analyse_files(tmp_path, {"app.py": """
        import boto3

        s3 = boto3.client("s3")
        sqs = boto3.client("sqs")


        def fill(items):
            items.append({"Id": "1", "MessageBody": "m"})


        def find(name):
            if name == "a":
                return "a-bucket"


        def handler(event, context):
            bucket = None

            def pick():
                nonlocal bucket
                bucket = "picked-bucket"

            pick()
            if bucket is not None:
                s3.get_object(Bucket="nonlocal-bucket", Key="k")
            entries = []
            fill(entries)
            if entries:
                sqs.send_message_batch(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q", Entries=entries)
            found = find(event["name"])
            if found is None:
                s3.get_object(Bucket="fallthrough-bucket", Key="k")
            first = next((n for n in ["only"]), None)
            if first is None:
                s3.get_object(Bucket="next-default-bucket", Key="k")
    """})
    got = sorted((c.operation, c.params.get("Bucket", "")) for c in analysis.calls)
    assert got == [
        ("GetObject", "fallthrough-bucket"), ("GetObject", "next-default-bucket"),
        ("GetObject", "nonlocal-bucket"), ("SendMessageBatch", ""),
    ]


def test_comparing_a_name_with_literals_picks_the_branches_its_values_take(tmp_path) -> None:
    """A stage switch at module level follows the stage the environment gives, and takes
    both branches when the stage is not known."""
    from lpgen import api

    (tmp_path / "app.py").write_text(textwrap.dedent("""
        import os

        import boto3

        STAGE = os.environ["STAGE"]
        if STAGE == "prod":
            BUCKET = "prod-data"
        else:
            BUCKET = "dev-data"
        s3 = boto3.client("s3")


        def handler(event, context):
            mode = "fast"
            if mode in ("slow", "careful"):
                s3.delete_object(Bucket=BUCKET, Key="in")
            if mode not in ["fast"]:
                s3.delete_object(Bucket=BUCKET, Key="not-in")
            if "fast" != mode:
                s3.delete_object(Bucket=BUCKET, Key="ne")
            s3.get_object(Bucket=BUCKET, Key="k")
    """))

    def buckets(env: dict[str, str]) -> list[tuple[str, str]]:
        calls = api.analyze([str(tmp_path / "app.py")], env=env).calls
        return sorted((c.operation, str(c.params["Bucket"])) for c in calls)

    assert buckets({"STAGE": "prod"}) == [("GetObject", "prod-data")]
    assert buckets({"STAGE": "test"}) == [("GetObject", "dev-data")]
    assert buckets({}) == [("GetObject", "['prod-data', 'dev-data']")]


def test_a_dict_or_list_a_helper_fills_is_filled_for_the_caller(tmp_path) -> None:
    """``tweak(cfg)`` sets a key, ``add_key(params, k)`` completes a request, and a method
    fills a list it was given: the caller sees what went in."""
    analysis = analyse_files(tmp_path, {"app.py": """
        import boto3

        s3 = boto3.client("s3")
        ddb = boto3.resource("dynamodb")


        def tweak(cfg):
            cfg["mode"] = "b"


        def add_key(params, key):
            params["Key"] = "in/" + key


        class Collector:
            def gather(self, into):
                into.append("queue-table")


        def handler(event, context):
            cfg = {"mode": "a"}
            tweak(cfg)
            if cfg.get("mode") == "b":
                ddb.Table("mode-b-table").put_item(Item={"pk": "1"})
            params = {"Bucket": "data-bucket"}
            add_key(params, "report.json")
            s3.get_object(**params)
            tables = []
            Collector().gather(tables)
            for name in tables:
                ddb.Table(name).get_item(Key={"pk": "1"})
    """})
    got = sorted((c.operation, str(c.params.get("TableName", c.params.get("Key")))) for c in analysis.calls)
    assert got == [("GetItem", "queue-table"), ("GetObject", "in/report.json"), ("PutItem", "mode-b-table")]


def test_after_a_branch_that_leaves_the_other_branch_keeps_what_it_assigned(tmp_path) -> None:
    analysis = analyse_files(tmp_path, {"app.py": """
        import boto3

        s3 = boto3.client("s3")


        def read(bucket):
            if bucket is None:
                return None
            else:
                bucket = "changed-" + bucket
            return s3.get_object(Bucket=bucket, Key="k")


        def scan(keys):
            for key in keys:
                if not key.startswith("in/"):
                    continue
                else:
                    key = "moved/" + key
                s3.delete_object(Bucket="b", Key=key)


        def handler(event, context):
            read("bucket")
            scan(event["keys"])
    """})
    by_op = {c.operation: c.params for c in analysis.calls}
    assert by_op["GetObject"]["Bucket"] == "changed-bucket"
    # the key the else branch made, never the one it replaced (the continue branch's own
    # state still joins in: it is what the next turn of the loop starts from)
    deleted = by_op["DeleteObject"]["Key"]
    assert "moved/in/*" in deleted and "in/*" not in (deleted if isinstance(deleted, list) else [deleted])


def test_a_feature_flag_from_the_environment_or_a_constant_decides_its_branch(tmp_path) -> None:
    """``if os.environ.get("AUDIT") == "on":`` follows the value the template gives; with
    none, both branches run, also for a variable read with a default, which the deployed
    function may set (``STAGE`` below). ``if DEBUG:`` with ``DEBUG = False`` at module level
    is off; a nested function's free name, which a sibling may rebind, decides nothing."""
    from lpgen import api

    (tmp_path / "app.py").write_text(textwrap.dedent("""
        import os

        import boto3

        s3 = boto3.client("s3")
        DEBUG = False
        STAGE = os.environ.get("STAGE", "dev")


        def handler(event, context):
            if STAGE == "prod":
                s3.put_object(Bucket="prod-bucket", Key="k", Body=b"")
            if os.environ.get("AUDIT") == "on":
                s3.put_object(Bucket="audit-bucket", Key="k", Body=b"")
            if os.environ.get("ARCHIVE", ""):
                s3.put_object(Bucket="archive-bucket", Key="k", Body=b"")
            if DEBUG:
                s3.put_object(Bucket="debug-bucket", Key="k", Body=b"")
            enabled = False

            def turn_on():
                nonlocal enabled
                enabled = True

            def run():
                if enabled:
                    s3.put_object(Bucket="closure-bucket", Key="k", Body=b"")

            turn_on()
            run()
    """))

    def buckets(env: dict[str, str]) -> list[str]:
        return sorted(c.params["Bucket"] for c in api.analyze([str(tmp_path / "app.py")], env=env).calls)

    assert buckets({"AUDIT": "off", "ARCHIVE": "", "STAGE": "test"}) == ["closure-bucket"]
    assert buckets({"AUDIT": "on", "ARCHIVE": "yes", "STAGE": "prod"}) == [
        "archive-bucket", "audit-bucket", "closure-bucket", "prod-bucket",
    ]
    assert buckets({}) == ["archive-bucket", "audit-bucket", "closure-bucket", "prod-bucket"]


def test_with_a_template_an_unset_variable_takes_its_default_and_without_one_it_is_reported(tmp_path) -> None:
    """The template gives the function's whole environment: a variable it does not set is
    not set, so ``os.environ.get("AUDIT", "off")`` is "off" and the audit branch cannot run.
    Without a template the default is only assumed: both branches run, and LP205 says so."""
    from lpgen import api
    from lpgen.iac import load_template

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(textwrap.dedent("""
        import os

        import boto3

        s3 = boto3.client("s3")


        def handler(event, context):
            if os.environ.get("AUDIT", "off") == "on":
                s3.put_object(Bucket="audit-bucket", Key="k", Body=b"")
            s3.get_object(Bucket=os.environ["BUCKET"], Key="k")
    """))
    (tmp_path / "template.yaml").write_text(textwrap.dedent("""
        Transform: AWS::Serverless-2016-10-31
        Resources:
          Fn:
            Type: AWS::Serverless::Function
            Properties:
              CodeUri: src/
              Handler: app.handler
              Runtime: python3.12
              Environment:
                Variables:
                  BUCKET: data-bucket
    """))
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="123456789012")
    with_template = api.suggest_for_function(tpl, "Fn")
    assert sorted(p.action for p in with_template.permissions) == ["s3:GetObject"]
    assert not [f for f in with_template.findings if f.code == "LP205"]

    alone = api.suggest([str(tmp_path / "src" / "app.py")], env={"BUCKET": "data-bucket"})
    assert sorted(p.action for p in alone.permissions) == ["s3:GetObject", "s3:PutObject"]
    lp205 = [f for f in alone.findings if f.code == "LP205"]
    assert [(f.line, f.severity) for f in lp205] == [(10, "info")] and "AUDIT" in lp205[0].message


def test_an_attribute_of_an_object_decides_no_test(tmp_path) -> None:
    """A settings class whose library base reads the environment (pydantic's BaseSettings)
    may turn ``audit`` on: neither the attribute, nor a name assigned from it, nor a global
    a function sets rules a branch out, while a module's own constant still does."""
    analysis = analyse_files(tmp_path, {"app.py": """
        import boto3
        from pydantic_settings import BaseSettings

        s3 = boto3.client("s3")
        VERBOSE = False


        class Settings(BaseSettings):
            audit: bool = False


        settings = Settings()
        ENABLED = False


        def init():
            global ENABLED
            ENABLED = settings.audit


        def handler(event, context):
            init()
            if ENABLED:
                s3.put_object(Bucket="global-bucket", Key="k", Body=b"")
            if settings.audit:
                s3.put_object(Bucket="audit-bucket", Key="k", Body=b"")
            enabled = settings.audit
            if enabled:
                s3.put_object(Bucket="copied-bucket", Key="k", Body=b"")
            if VERBOSE:
                s3.put_object(Bucket="verbose-bucket", Key="k", Body=b"")
    """})
    assert sorted(c.params["Bucket"] for c in analysis.calls) == ["audit-bucket", "copied-bucket", "global-bucket"]


def test_a_parameter_is_as_doubtful_as_the_argument_its_caller_passed(tmp_path) -> None:
    """A value read with a default that lpgen has no value for, or read from an object's
    attribute, decides no test in the function it is passed to either, nor in the
    functions that one passes it on to, nor through a local assigned from it. The same
    helper called with a literal still rules its other branch out, and with the variable
    set (``--env``) the test decides again."""
    from lpgen import api

    (tmp_path / "app.py").write_text(textwrap.dedent("""
        import os

        import boto3
        from pydantic_settings import BaseSettings

        s3 = boto3.client("s3")
        MODE = os.environ.get("MODE", "fast")


        class Settings(BaseSettings):
            audit: bool = False


        settings = Settings()


        def store(mode, key):
            if mode == "fast":
                s3.get_object(Bucket="fast-bucket", Key=key)
            else:
                s3.put_object(Bucket="slow-bucket", Key=key, Body=b"")


        def relay(mode):
            store(mode, "relayed")


        def audit(flag):
            on = flag
            if on:
                s3.put_object(Bucket="audit-bucket", Key="k", Body=b"")


        def literal(flag):
            if flag:
                s3.put_object(Bucket="never-bucket", Key="k", Body=b"")


        def handler(event, context):
            relay(MODE)
            audit(settings.audit)
            literal(False)
    """))

    def buckets(env: dict[str, str]) -> list[str]:
        return sorted(c.params["Bucket"] for c in api.analyze([str(tmp_path / "app.py")], env=env).calls)

    assert buckets({}) == ["audit-bucket", "fast-bucket", "slow-bucket"]
    assert buckets({"MODE": "fast"}) == ["audit-bucket", "fast-bucket"]
    assert buckets({"MODE": "slow"}) == ["audit-bucket", "slow-bucket"]


def test_and_or_not_and_conditional_expressions_rule_out_what_their_values_cannot_take(tmp_path) -> None:
    """``and``, ``or`` and ``not`` of tests the values decide, and a conditional expression
    (``"a" if STAGE == "prod" else "b"``), take only the branches the stage allows; a part
    the values do not decide (``event.get("x")``) may go either way, and with no stage
    every branch runs. A local the conditional's test decides is narrowed in each side."""
    from lpgen import api

    (tmp_path / "app.py").write_text(textwrap.dedent("""
        import os

        import boto3

        s3 = boto3.client("s3")
        STAGE = os.environ["STAGE"]
        DEBUG = False
        DEFAULT = "default-bucket"


        def read(key, bucket=None):
            s3.get_object(Bucket=bucket if bucket is not None else DEFAULT, Key=key)


        def handler(event, context):
            if STAGE == "prod" and event.get("x"):
                s3.put_object(Bucket="prod-bucket", Key="k", Body=b"")
            if DEBUG and event.get("y"):
                s3.put_object(Bucket="debug-bucket", Key="k", Body=b"")
            if STAGE == "dev" or DEBUG:
                s3.put_object(Bucket="dev-bucket", Key="k", Body=b"")
            if not (STAGE == "prod" or STAGE == "staging"):
                s3.put_object(Bucket="other-bucket", Key="k", Body=b"")
            s3.delete_object(Bucket="prod-data" if STAGE == "prod" else "dev-data", Key="k")
            read("k", bucket="given-bucket")
    """))

    def buckets(env: dict[str, str]) -> list[str]:
        found = [c.params["Bucket"] for c in api.analyze([str(tmp_path / "app.py")], env=env).calls]
        return sorted(b for one in found for b in (one if isinstance(one, list) else [one]))

    assert buckets({"STAGE": "prod"}) == ["given-bucket", "prod-bucket", "prod-data"]
    assert buckets({"STAGE": "dev"}) == ["dev-bucket", "dev-data", "given-bucket", "other-bucket"]
    assert buckets({}) == [
        "dev-bucket", "dev-data", "given-bucket", "other-bucket", "prod-bucket", "prod-data",
    ]


def test_a_recursive_call_does_not_let_its_first_arguments_decide_the_branches(tmp_path) -> None:
    """``go(3)`` takes the ``if n:`` branch, but the recursive ``go(n - 1)`` the analysis
    cuts short reaches ``n == 0``: the branch only a deeper call takes is granted, for
    direct and mutual recursion and for a conditional expression."""
    analysis = analyse_files(tmp_path, {"app.py": """
        import boto3

        sqs = boto3.client("sqs")


        def go(n):
            if n:
                return go(n - 1)
            return sqs.send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/direct", MessageBody="m")


        def ping(n):
            if n is None:
                sqs.send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/mutual", MessageBody="m")
                return None
            return pong(n)


        def pong(n):
            return ping(None if n == 1 else n - 1)


        def count(n):
            return count(n - 1) if n else sqs.delete_queue(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/ternary")


        def handler(event, context):
            go(3)
            ping(2)
            count(2)
    """})
    assert sorted(c.params["QueueUrl"].rsplit("/", 1)[1] for c in analysis.calls) == ["direct", "mutual", "ternary"]


def test_a_value_read_with_a_default_stays_doubtful_through_names_loops_and_tuples(tmp_path) -> None:
    """``MODE = os.environ.get("MODE", "fast")`` decides nothing whether it is tested as
    itself, through another name (``mode = MODE``), a loop variable (``for mode in
    (MODE,)``) or a name a tuple assignment binds (``a, b = MODE, 1``); with the variable
    set, each test decides again."""
    from lpgen import api

    (tmp_path / "app.py").write_text(textwrap.dedent("""
        import os

        import boto3

        s3 = boto3.client("s3")
        MODE = os.environ.get("MODE", "fast")
        CURRENT = MODE


        def handler(event, context):
            for mode in (MODE,):
                if mode == "fast":
                    s3.get_object(Bucket="loop-fast", Key="k")
                else:
                    s3.get_object(Bucket="loop-slow", Key="k")
            a, b = MODE, 1
            if a != "fast":
                s3.get_object(Bucket="tuple-slow", Key="k")
            if CURRENT == "fast":
                s3.get_object(Bucket="alias-fast", Key="k")
            else:
                s3.get_object(Bucket="alias-slow", Key="k")
    """))

    def buckets(env: dict[str, str]) -> list[str]:
        return sorted(c.params["Bucket"] for c in api.analyze([str(tmp_path / "app.py")], env=env).calls)

    assert buckets({}) == ["alias-fast", "alias-slow", "loop-fast", "loop-slow", "tuple-slow"]
    assert buckets({"MODE": "fast"}) == ["alias-fast", "loop-fast"]
    assert buckets({"MODE": "slow"}) == ["alias-slow", "loop-slow", "tuple-slow"]


def test_getattr_with_a_computed_name_reaches_every_fitting_method_or_function(tmp_path) -> None:
    """``getattr(self, f"handle_{action}")`` dispatches to any method whose name fits,
    along the class's bases, and ``getattr(module, "on_" + kind)`` to any such function
    of a project module: their calls are granted, not reported unreachable, while a
    method whose name does not fit stays unreachable."""
    analysis = analyse_files(tmp_path, {
        "events.py": """
            import boto3

            sns = boto3.client("sns")


            def on_created(event):
                sns.publish(TopicArn="arn:aws:sns:us-east-1:1:created", Message="m")


            def other(event):
                sns.publish(TopicArn="arn:aws:sns:us-east-1:1:other", Message="m")
        """,
        "app.py": """
            import boto3

            import events

            s3 = boto3.client("s3")


            class Base:
                def handle_get(self, event):
                    return s3.get_object(Bucket="b", Key=event["key"])


            class Handler(Base):
                def handle_put(self, event):
                    s3.put_object(Bucket="b", Key=event["key"], Body=b"")

                def cleanup(self, event):
                    s3.delete_object(Bucket="b", Key=event["key"])

                def dispatch(self, event):
                    method = getattr(self, f"handle_{event['action']}")
                    getattr(events, "on_" + event["kind"])(event)
                    return method(event)


            def handler(event, context):
                return Handler().dispatch(event)
        """,
    })
    assert sorted(c.operation for c in analysis.calls) == ["GetObject", "Publish", "PutObject"]
    assert [c.params["TopicArn"] for c in analysis.calls if c.operation == "Publish"] == ["arn:aws:sns:us-east-1:1:created"]
    assert "DeleteObject" in {u.call.operation for u in analysis.unreachable}


def test_a_pool_passes_its_arguments_to_the_function_it_is_handed(collect_calls) -> None:
    """``pool.submit(fn, a)`` calls ``fn(a)``, ``pool.map(fn, keys)`` calls ``fn`` with each
    key and ``loop.run_in_executor(None, fn, a)`` calls ``fn(a)``: the names stay known
    (keys listed under ``in/`` stay under ``in/``), where before the function ran with
    unknown arguments."""
    calls = collect_calls(
        """
        import asyncio
        from concurrent.futures import ThreadPoolExecutor

        import boto3

        s3 = boto3.client("s3")


        def archive(key):
            s3.copy_object(Bucket="archive", Key=key, CopySource={"Bucket": "data", "Key": key})


        def drop(bucket, key):
            s3.delete_object(Bucket=bucket, Key=key)


        async def main():
            await asyncio.get_running_loop().run_in_executor(None, drop, "async-bucket", "k")


        def handler(event, context):
            pages = s3.get_paginator("list_objects_v2").paginate(Bucket="data", Prefix="in/")
            keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
            with ThreadPoolExecutor() as pool:
                list(pool.map(archive, keys))
                pool.submit(drop, "tmp-bucket", "old/k").result()
            asyncio.run(main())
        """
    )
    found = {(c.operation, c.params.get("Bucket"), c.params.get("Key")) for c in calls}
    assert found == {
        ("ListObjectsV2", "data", None), ("CopyObject", "archive", "in/*"),
        ("DeleteObject", "tmp-bucket", "old/k"), ("DeleteObject", "async-bucket", "k"),
    }


def test_threads_and_pools_pass_their_arguments_on(collect_calls) -> None:
    """``asyncio.to_thread(fn, a, b)`` calls ``fn(a, b)``, ``pool.apply_async(fn, (a, b))``
    the same with the tuple's items, and a transfer helper handed to ``submit`` gets the
    arguments after it (its file, bucket and key), where before its names were unknown."""
    calls = collect_calls(
        """
        import asyncio
        from concurrent.futures import ThreadPoolExecutor
        from multiprocessing.pool import ThreadPool

        import boto3

        s3 = boto3.client("s3")


        def fetch(bucket, key):
            return s3.get_object(Bucket=bucket, Key=key)


        async def main():
            await asyncio.to_thread(fetch, "thread-bucket", "t")


        def handler(event, context):
            asyncio.run(main())
            ThreadPool(2).apply_async(fetch, ("pool-bucket", "p")).get()
            with ThreadPoolExecutor() as ex:
                ex.submit(s3.upload_file, "/tmp/report.csv", "reports", "daily/report.csv").result()
        """
    )
    found = {(c.operation, c.params.get("Bucket"), c.params.get("Key")) for c in calls}
    assert {("GetObject", "thread-bucket", "t"), ("GetObject", "pool-bucket", "p"),
            ("PutObject", "reports", "daily/report.csv")} <= found
    assert not {b for _, b, _ in found} - {"thread-bucket", "pool-bucket", "reports"}


def test_a_thread_calls_its_target_with_its_args_and_kwargs(collect_calls) -> None:
    """``threading.Thread(target=fn, args=(a, b))`` and ``kwargs={...}`` run ``fn`` with
    them once started."""
    calls = collect_calls(
        """
        import threading
        import boto3
        s3 = boto3.client("s3")
        def fetch(bucket, key):
            s3.get_object(Bucket=bucket, Key=key)
        def handler(event, context):
            threads = [threading.Thread(target=fetch, args=("in", k)) for k in ("a", "b")]
            threads.append(threading.Thread(target=fetch, kwargs={"bucket": "cfg", "key": "c"}))
            for t in threads:
                t.start()
        """
    )
    def each(value):
        return value if isinstance(value, list) else [value]

    found = {(b, k) for c in calls for b in each(c.params["Bucket"]) for k in each(c.params["Key"])}
    assert found == {("in", "a"), ("in", "b"), ("cfg", "c")}


def test_a_known_tuple_spread_into_a_call_gives_its_items(collect_calls) -> None:
    """``f(*args)`` with ``args`` a tuple known item by item passes those items: the client
    ``boto3.client(*CLIENT_ARGS)`` makes and the bucket and key a helper gets are known."""
    calls = collect_calls(
        """
        import boto3
        CLIENT_ARGS = ("s3",)
        TARGET = ["reports", "daily.csv"]
        s3 = boto3.client(*CLIENT_ARGS)
        def fetch(bucket, key):
            return s3.get_object(Bucket=bucket, Key=key)
        def handler(event, context):
            fetch(*TARGET)
        """
    )
    assert [(c.client, c.operation, c.params["Bucket"], c.params["Key"]) for c in calls] == [
        ("s3", "GetObject", "reports", "daily.csv")]


def test_instances_made_by_new_and_attributes_set_by_setattr(tmp_path) -> None:
    """A singleton's ``__new__`` makes the instance (``super().__new__(cls)``) and sets its
    client; ``setattr(obj, "sqs", client)`` with a name known sets that attribute; a client
    attribute set nowhere the analysis looks (``self.__dict__[…]``) is reported, not
    dropped."""
    analysis = analyse_files(tmp_path, {"app.py": """
        import boto3
        class Clients:
            _instance = None
            def __new__(cls):
                if cls._instance is None:
                    cls._instance = super().__new__(cls)
                    cls._instance.sqs = boto3.client("sqs")
                return cls._instance
        class Holder:
            pass
        holder = Holder()
        setattr(holder, "sns", boto3.client("sns"))
        class Hidden:
            def __init__(self):
                self.__dict__["s3"] = boto3.client("s3")
        def handler(event, context):
            Clients().sqs.send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q", MessageBody="x")
            holder.sns.publish(TopicArn="arn:aws:sns:us-east-1:1:t", Message="m")
            Hidden().s3.delete_object(Bucket="b", Key="k")
        """})
    assert sorted(c.operation for c in analysis.calls) == ["Publish", "SendMessage"]
    assert [(u.location.line, "Hidden().s3.delete_object()" in u.reason) for u in analysis.unresolved] == [(20, True)]


def test_clients_kept_in_a_thread_local_or_a_namespace(collect_calls) -> None:
    """``threading.local()`` holds a client per thread (``_local.s3 = boto3.client("s3")``)
    and ``types.SimpleNamespace(ddb=…)`` the clients it is given: their calls are made on
    those clients."""
    calls = collect_calls(
        """
        import threading, types
        import boto3
        _local = threading.local()
        clients = types.SimpleNamespace(ddb=boto3.client("dynamodb"))
        def s3():
            if not hasattr(_local, "s3"):
                _local.s3 = boto3.client("s3")
            return _local.s3
        def handler(event, context):
            s3().get_object(Bucket="b", Key="k")
            clients.ddb.get_item(TableName="t", Key={})
        """
    )
    assert sorted((c.client, c.operation) for c in calls) == [("dynamodb", "GetItem"), ("s3", "GetObject")]


def test_a_client_kept_in_a_context_variable(tmp_path: Path) -> None:
    """``contextvars.ContextVar`` holds what ``set`` puts in it (a client made lazily), and
    ``get`` gives it, or the default: the calls on it are made on that client, none is
    left unresolved."""
    analysis = analyse_files(tmp_path, {"app.py": textwrap.dedent(
        """
        from contextvars import ContextVar
        import boto3
        _client: ContextVar = ContextVar("client", default=None)
        _table = ContextVar("table")
        def s3():
            client = _client.get()
            if client is None:
                client = boto3.client("s3")
                _client.set(client)
            return client
        def handler(event, context):
            _table.set("orders")
            s3().get_object(Bucket="b", Key="k")
            boto3.client("dynamodb").get_item(TableName=_table.get("fallback"), Key={})
        """
    )})
    assert sorted((c.client, c.operation) for c in analysis.calls) == [("dynamodb", "GetItem"), ("s3", "GetObject")]
    assert {c.client: c.params.get("TableName") for c in analysis.calls}["dynamodb"] in (
        ["orders", "fallback"], ["fallback", "orders"])
    assert analysis.unresolved == ()


def test_a_local_emulator_variable_tested_with_in_is_unset_where_the_function_runs(collect_calls) -> None:
    """``"AWS_SAM_LOCAL" in os.environ`` is False where the function runs (only ``sam
    local`` sets it), as ``os.environ.get("AWS_SAM_LOCAL")`` is None: code for the emulator
    makes no call."""
    calls = collect_calls(
        """
        import os
        import boto3
        def handler(event, context):
            if "AWS_SAM_LOCAL" in os.environ:
                boto3.client("s3").get_object(Bucket="local-only", Key="k")
            boto3.client("s3").get_object(Bucket="real", Key="k")
        """
    )
    assert [c.params["Bucket"] for c in calls] == ["real"]


def test_a_presigned_post_grants_put_object_on_any_file_name_where_the_key_says_so(collect_calls) -> None:
    """``generate_presigned_post(Bucket, "in/${filename}")`` lets a browser upload under
    ``in/`` with its own file name: S3 replaces ``${filename}``, so the grant is ``in/*``
    (a literal ``${filename}`` in a policy would be read as a policy variable)."""
    calls = collect_calls(
        """
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            s3.generate_presigned_post("uploads", "in/${filename}")
            return s3.generate_presigned_post(Bucket="uploads", Key="fixed.json")
        """
    )
    assert sorted((c.operation, c.params["Key"]) for c in calls) == [("PutObject", "fixed.json"), ("PutObject", "in/*")]


def test_getattr_with_a_computed_name_sees_attributes_set_on_instances(tmp_path) -> None:
    """``getattr(self, f"{service}_client")`` finds the clients ``__init__`` set. A name
    that no known attribute fits may be one set where the analysis does not look
    (setattr), so a client method called on it is reported unresolved rather than
    dropped; where known names fit, the call is theirs."""
    analysis = analyse_files(tmp_path, {"app.py": """
        import boto3


        class Clients:
            def __init__(self):
                self.s3_client = boto3.client("s3")
                self.sqs_client = boto3.client("sqs")

            def get(self, service):
                return getattr(self, f"{service}_client")


        def handler(event, context):
            clients = Clients()
            clients.get("s3").get_object(Bucket="b", Key="k")
            clients.get(event["service"]).get_object(Bucket="b", Key="any")
            getattr(clients, event["name"]).list_queues()
            getattr(clients, f"x{event['n']}").put_object(Bucket="b", Key="k", Body=b"")
    """})
    assert sorted((c.client, c.operation) for c in analysis.calls) == [
        ("s3", "GetObject"), ("s3", "GetObject"), ("sqs", "ListQueues"),
    ]
    assert [u.location.line for u in analysis.unresolved] == [19]


def test_doubt_reaches_functions_called_from_comprehensions_and_map(tmp_path) -> None:
    """A value read with a default lpgen has no value for stays doubtful when a
    comprehension iterates over it, when a comprehension reads it from the enclosing
    function, and when ``map`` hands it to the function."""
    from lpgen import api

    shapes = {
        "variable": "[work(m) for m in (MODE,)]",
        "enclosing": "mode = MODE\n    return [work(mode) for _ in range(2)]",
        "map": "mode = MODE\n    list(map(work, [mode]))",
    }
    for shape, body in shapes.items():
        folder = tmp_path / shape
        folder.mkdir()
        (folder / "app.py").write_text(textwrap.dedent("""
            import os

            import boto3

            s3 = boto3.client("s3")
            MODE = os.environ.get("MODE", "fast")


            def work(mode):
                if mode == "fast":
                    s3.get_object(Bucket="fast", Key="k")
                else:
                    s3.get_object(Bucket="slow", Key="k")


        """) + "def handler(event, context):\n    " + body + "\n")
        buckets = sorted(c.params["Bucket"] for c in api.analyze([str(folder / "app.py")]).calls)
        assert buckets == ["fast", "slow"], shape
        assert [c.params["Bucket"] for c in api.analyze([str(folder / "app.py")], env={"MODE": "fast"}).calls] == ["fast"]


def test_a_call_chain_deeper_than_the_analysis_follows_is_still_granted(tmp_path) -> None:
    """Twenty functions each calling the next: the last one's call is granted (with the
    key it cannot follow as ``*``), not reported unreachable."""
    lines = ["import boto3", "", "s3 = boto3.client('s3')", ""]
    for i in range(20):
        follow = f"    return f{i + 1}(key)" if i < 19 else "    return s3.get_object(Bucket='deep', Key=key)"
        lines += [f"def f{i}(key):", follow, ""]
    lines += ["def handler(event, context):", "    return f0('k')", ""]
    analysis = analyse_files(tmp_path, {"app.py": "\n".join(lines)})
    assert [(c.operation, c.params) for c in analysis.calls] == [("GetObject", {"Bucket": "deep", "Key": "*"})]
    assert not analysis.unreachable


def test_modules_imported_by_a_computed_name_are_followed_or_reported(tmp_path) -> None:
    """``import_module(f"handlers.{kind}")`` may import any project module whose name fits
    (their calls are granted), a relative name resolves against ``package``, and a name
    not known at all is reported unresolved instead of dropping what it runs."""
    (tmp_path / "handlers").mkdir()
    analysis = analyse_files(tmp_path, {
        "handlers/__init__.py": "",
        "handlers/orders.py": """
            import boto3


            def handle(event):
                boto3.client("sqs").send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/orders", MessageBody="m")
        """,
        "handlers/users.py": """
            import boto3


            def handle(event):
                boto3.client("sns").publish(TopicArn="arn:aws:sns:us-east-1:1:users", Message="m")
        """,
        "app.py": """
            import importlib
            from importlib import import_module


            def handler(event, context):
                importlib.import_module(f"handlers.{event['kind']}").handle(event)
                import_module(".orders", package="handlers").handle(event)
                import_module(event["module"]).handle(event)
        """,
    })
    assert sorted(c.operation for c in analysis.calls) == ["Publish", "SendMessage"]
    assert [(u.location.line, "not known statically" in u.reason) for u in analysis.unresolved] == [(9, True)]


def test_make_api_call_is_the_operation_it_names(collect_calls) -> None:
    """``client._make_api_call("GetObject", {...})`` (botocore's entry under every client
    method) is that operation with that request; an unknown name is reported."""
    calls = collect_calls(
        """
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            s3._make_api_call("GetObject", {"Bucket": "b", "Key": "k"})
            s3._make_api_call(event["op"], {"Bucket": "b"})
        """
    )
    assert [(c.operation, c.params) for c in calls] == [("GetObject", {"Bucket": "b", "Key": "k"})]


def test_an_action_that_returns_a_list_of_resources_gives_items_with_their_actions(collect_calls) -> None:
    """``queue.receive_messages()`` gives Message resources: ``msg.delete()`` in the loop
    over them is DeleteMessage on the queue (it was dropped)."""
    calls = collect_calls(
        """
        import boto3
        sqs = boto3.resource("sqs")
        def handler(event, context):
            queue = sqs.get_queue_by_name(QueueName="jobs")
            for msg in queue.receive_messages(MaxNumberOfMessages=10):
                msg.delete()
        """
    )
    assert [(c.operation, c.params) for c in calls if c.operation == "DeleteMessage"] == [
        ("DeleteMessage", {"QueueUrl": "https://sqs.${Region}.amazonaws.com/${Account}/jobs", "ReceiptHandle": "*"}),
    ]


def test_queues_a_listing_returns_start_with_its_prefix(collect_calls) -> None:
    """``list_queues(QueueNamePrefix="jobs-")`` returns queues named ``jobs-…`` (the
    client call and the resource collection alike); without a prefix, any queue."""
    calls = collect_calls(
        """
        import boto3
        sqs = boto3.client("sqs")
        queues = boto3.resource("sqs")
        def handler(event, context):
            for url in sqs.list_queues(QueueNamePrefix="jobs-")["QueueUrls"]:
                sqs.purge_queue(QueueUrl=url)
            for queue in queues.queues.filter(QueueNamePrefix="tmp-"):
                queue.delete()
            for url in sqs.list_queues()["QueueUrls"]:
                sqs.get_queue_attributes(QueueUrl=url)
        """
    )
    urls = {c.operation: c.params["QueueUrl"] for c in calls if "QueueUrl" in c.params}
    assert urls == {
        "PurgeQueue": "https://sqs.${Region}.amazonaws.com/${Account}/jobs-*",
        "DeleteQueue": "https://sqs.${Region}.amazonaws.com/${Account}/tmp-*",
        "GetQueueAttributes": "https://sqs.${Region}.amazonaws.com/${Account}/*",
    }


def test_super_in_a_mixin_reaches_the_next_class_of_the_instance(tmp_path) -> None:
    """``super().save(item)`` in a mixin goes on to the next class in the instance's
    order (the base that writes the item), as ``super(Repo, self)`` names it: it used to
    find the mixin's own method again and stop."""
    analysis = analyse_files(tmp_path, {"app.py": """
        import boto3


        class Base:
            def __init__(self, table):
                self.table = boto3.resource("dynamodb").Table(table)

            def save(self, item):
                self.table.put_item(Item=item)


        class AuditMixin:
            def save(self, item):
                boto3.client("sns").publish(TopicArn="arn:aws:sns:us-east-1:1:audit", Message="saved")
                super().save(item)


        class Repo(AuditMixin, Base):
            def __init__(self):
                super(Repo, self).__init__("items")


        def handler(event, context):
            Repo().save({"pk": "1"})
    """})
    assert sorted(c.operation for c in analysis.calls) == ["Publish", "PutItem"]
    assert [c.params["TableName"] for c in analysis.calls if c.operation == "PutItem"] == ["items"]


def test_a_wrapper_that_delegates_through_getattr_makes_the_client_s_calls(collect_calls) -> None:
    """A retrying or logging wrapper whose ``__getattr__`` hands missing attributes to
    the client it wraps: ``wrapper.get_object(...)`` is the client's call."""
    calls = collect_calls(
        """
        import boto3
        class Retrying:
            def __init__(self, client):
                self._client = client
            def __getattr__(self, name):
                return getattr(self._client, name)
        s3 = Retrying(boto3.client("s3"))
        def handler(event, context):
            s3.get_object(Bucket="b", Key="k")
        """
    )
    assert [(c.client, c.operation, c.params) for c in calls] == [("s3", "GetObject", {"Bucket": "b", "Key": "k"})]


def test_with_a_contextmanager_binds_what_it_yields(collect_calls) -> None:
    """``with session_client() as sqs:`` over a ``@contextlib.contextmanager`` generator
    binds the client it yields: the calls made on it were dropped."""
    calls = collect_calls(
        """
        import contextlib
        import boto3
        @contextlib.contextmanager
        def session_client():
            client = boto3.client("sqs")
            try:
                yield client
            finally:
                client.close()
        def handler(event, context):
            with session_client() as sqs:
                sqs.send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q", MessageBody="m")
        """
    )
    assert [(c.client, c.operation) for c in calls] == [("sqs", "SendMessage")]


def test_a_client_method_called_on_a_value_from_a_library_or_an_opaque_dict_is_reported(tmp_path) -> None:
    """``make_client("dynamodb").put_item(...)`` (a library the analysis does not follow)
    and ``CLIENTS["s3"].get_object(...)`` (a dict it cannot see into) may be client calls:
    they are reported, not dropped. A one-word method (``publish``), a value read from
    the event, a method of None or of a string, and one of a standard library's object
    (a task group's ``create_task``) are not."""
    analysis = analyse_files(tmp_path, {"app.py": """
        import asyncio

        from mylib import make_client, make_bus, load_clients

        CLIENTS = load_clients()
        _cached = None


        def handler(event, context):
            CLIENTS["s3"].get_object(Bucket="b", Key="k")
            make_client("dynamodb").put_item(TableName="t", Item={})
            make_bus().publish("topic", "m")
            event["client"].send_message(QueueUrl="u", MessageBody="m")
            asyncio.TaskGroup().create_task(None)
            if _cached is None:
                return None
            return _cached.get_secret_value(SecretId="s")
    """})
    assert [u.location.line for u in analysis.unresolved] == [11, 12]


def test_botocore_sessions_make_clients(collect_calls) -> None:
    """``botocore.session.get_session().create_client("sqs")`` (and ``Session()``, imported
    either way) makes a client, as aiobotocore's sessions do."""
    calls = collect_calls(
        """
        import botocore.session
        from botocore.session import get_session
        def handler(event, context):
            botocore.session.get_session().create_client("sqs").send_message(QueueUrl="https://sqs.eu-west-1.amazonaws.com/1/q", MessageBody="m")
            get_session().create_client("sns", region_name="us-east-1").publish(TopicArn="arn:aws:sns:us-east-1:1:t", Message="m")
            botocore.session.Session().create_client("s3").head_object(Bucket="b", Key="k")
        """
    )
    assert sorted((c.client, c.operation) for c in calls) == [("s3", "HeadObject"), ("sns", "Publish"), ("sqs", "SendMessage")]


def test_boto3s_default_session_makes_clients(collect_calls) -> None:
    """``boto3.DEFAULT_SESSION`` and ``boto3._get_default_session()``, reached as attributes
    or imported, are the session ``boto3.client`` uses."""
    calls = collect_calls(
        """
        import boto3
        from boto3 import _get_default_session
        def handler(event, context):
            boto3._get_default_session().client("lambda").invoke(FunctionName="f1")
            _get_default_session().resource("dynamodb").Table("t").get_item(Key={})
            boto3.DEFAULT_SESSION.client("sqs").send_message(QueueUrl="https://sqs.eu-west-1.amazonaws.com/1/q", MessageBody="m")
        """
    )
    assert sorted((c.client, c.operation) for c in calls) == [("dynamodb", "GetItem"), ("lambda", "Invoke"), ("sqs", "SendMessage")]


def test_a_client_made_with_a_config_is_in_the_configs_region(collect_calls) -> None:
    """``config=Config(region_name=…)`` sets the client's Region, unless ``region_name``
    is given too, which botocore takes first."""
    calls = collect_calls(
        """
        import boto3, botocore.config
        from botocore.client import Config
        cfg = botocore.config.Config(region_name="eu-central-1", retries={"max_attempts": 3})
        def handler(event, context):
            boto3.client("ssm", config=cfg).get_parameter(Name="/a")
            boto3.client("ssm", config=Config(connect_timeout=5)).get_parameter(Name="/b")
            boto3.client("ssm", region_name="ap-south-1", config=cfg).get_parameter(Name="/c")
            boto3.resource("dynamodb", config=Config(region_name="eu-west-1")).Table("t").get_item(Key={})
            for region in ("us-west-2", "ca-central-1"):
                boto3.client("sns", config=Config(region_name=region)).publish(TopicArn="arn:aws:sns:us-west-2:1:t", Message="m")
        """
    )
    assert sorted((c.operation, c.region or "") for c in calls) == [
        ("GetItem", "eu-west-1"), ("GetParameter", ""), ("GetParameter", "ap-south-1"), ("GetParameter", "eu-central-1"),
        ("Publish", "ca-central-1"), ("Publish", "us-west-2"),
    ]


def test_clients_of_the_default_session_are_in_the_region_setup_default_session_gives(collect_calls) -> None:
    """``boto3.setup_default_session(region_name=…)`` makes the session ``boto3.client`` and
    ``boto3.resource`` use from then on (and ``boto3.DEFAULT_SESSION``); a client made before
    it, or from a Session of its own, keeps its own Region."""
    calls = collect_calls(
        """
        import boto3
        early = boto3.client("sqs")
        boto3.setup_default_session(region_name="eu-west-1")
        late = boto3.client("sqs")
        def handler(event, context):
            early.send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/early", MessageBody="x")
            late.send_message(QueueUrl="https://sqs.eu-west-1.amazonaws.com/1/late", MessageBody="x")
            boto3.resource("dynamodb").Table("t").get_item(Key={})
            boto3.DEFAULT_SESSION.client("ssm").get_parameter(Name="/p")
            boto3.Session().client("sns").publish(TopicArn="arn:aws:sns:us-east-1:1:t", Message="m")
        """
    )
    assert sorted((c.operation, c.params.get("QueueUrl", ""), c.region or "") for c in calls) == [
        ("GetItem", "", "eu-west-1"), ("GetParameter", "", "eu-west-1"), ("Publish", "", ""),
        ("SendMessage", "https://sqs.eu-west-1.amazonaws.com/1/late", "eu-west-1"),
        ("SendMessage", "https://sqs.us-east-1.amazonaws.com/1/early", ""),
    ]


def test_a_region_the_code_writes_to_aws_default_region_is_one_its_clients_may_use(collect_calls) -> None:
    """botocore reads a session's Region from AWS_DEFAULT_REGION when the client is made; the
    code may set it itself. The write may come after a client was made, so the function's
    own Region stays too; a client given its Region keeps it."""
    calls = collect_calls(
        """
        import os, boto3
        os.environ["AWS_DEFAULT_REGION"] = "ap-southeast-2"
        def handler(event, context):
            boto3.client("sqs").send_message(QueueUrl="https://sqs.ap-southeast-2.amazonaws.com/1/q", MessageBody="x")
            boto3.client("ssm", region_name="eu-west-1").get_parameter(Name="/p")
        """
    )
    assert sorted((c.operation, c.region or "") for c in calls) == [
        ("GetParameter", "eu-west-1"), ("SendMessage", ""), ("SendMessage", "ap-southeast-2")]


def test_unmodelled_names_of_libraries_that_call_aws_are_reported(tmp_path) -> None:
    """A function, method or attribute of a library namespace that calls AWS, which
    libraries.yaml does not model (a newer release's, or a submodule path of a modelled
    one), is reported instead of dropped; its names that call nothing are not."""
    analysis = analyse_files(tmp_path, {"app.py": """
        import awswrangler as wr
        from aws_lambda_powertools.utilities import parameters
        from aws_lambda_powertools.utilities.parameters import SSMProvider, GetParameterError
        from aws_lambda_powertools.utilities.parameters.ssm import get_parameter as ssm_get
        ssm = SSMProvider()
        def handler(event, context):
            wr.dynamodb.put_df(event["df"], table_name="t")
            wr.catalog.sanitize_table_name("x")
            parameters.clear_caches()
            ssm.clear_cache()
            ssm.get("/a")
            ssm_get("/b")
            ssm.client.get_parameter(Name="/c")
            try:
                ssm.get_multiple("/d")
            except GetParameterError:
                pass
    """})
    assert [(u.location.line, u.reason.split("(")[0]) for u in analysis.unresolved] == [
        (8, "awswrangler.dynamodb.put_df"),
        (13, "aws_lambda_powertools.utilities.parameters.ssm.get_parameter"),
        (14, "ssm.client.get_parameter"),
    ]
    assert sorted(c.operation for c in analysis.calls) == ["GetParameter", "GetParametersByPath"]


def test_decorators_passing_starred_arguments_report_nothing_unresolved(tmp_path) -> None:
    """A decorator's ``fn(*args, **kwargs)`` passes arguments the analysis cannot split:
    the wrapped function's calls are still followed with the values the decorator and
    the caller give, and the unknown starred values are not reported as clients."""
    analysis = analyse_files(tmp_path, {"app.py": """
        import functools

        import boto3


        def audited(fn):
            @functools.wraps(fn)
            def wrapper(*args, **kwargs):
                boto3.client("sns").publish(TopicArn="arn:aws:sns:us-east-1:1:audit", Message="m")
                return fn(*args, **kwargs)
            return wrapper


        def with_table(name):
            def deco(fn):
                def inner(*args):
                    return fn(boto3.resource("dynamodb").Table(name), *args)
                return inner
            return deco


        @audited
        @with_table("items")
        def store(table, item):
            table.put_item(Item=item)


        def handler(event, context):
            store({"pk": "1"})
    """})
    assert sorted(c.operation for c in analysis.calls) == ["Publish", "PutItem"]
    assert not analysis.unresolved


def test_more_alternatives_than_the_analysis_keeps_are_widened_not_dropped(tmp_path) -> None:
    """Sixteen bucket names for one call become one pattern covering them all (``x*``),
    and a dispatcher over sixteen methods calls every one: past the cap of alternatives,
    values were dropped and so were their grants."""
    lines = ["import boto3", "", "s3 = boto3.client('s3')", "", "class H:"]
    for i in range(16):
        lines += [f"    def handle_{i}(self, event):", f"        s3.get_object(Bucket='b{i}', Key='k')", ""]
    lines += ["    def route(self, event):", "        return getattr(self, 'handle_' + event['a'])(event)", ""]
    lines += ["def handler(event, context):", "    H().route(event)", "    b = 'x0'"]
    for i in range(1, 16):
        lines += [f"    if event.get('k{i}'):", f"        b = 'x{i}'"]
    lines += ["    s3.delete_object(Bucket=b, Key='k')", ""]
    analysis = analyse_files(tmp_path, {"app.py": "\n".join(lines)})
    assert sorted(c.params["Bucket"] for c in analysis.calls if c.operation == "GetObject") == sorted(f"b{i}" for i in range(16))
    deleted = [c.params["Bucket"] for c in analysis.calls if c.operation == "DeleteObject"]
    assert len(deleted) == 1 and "x*" in deleted[0] and all(b.startswith("x") for b in deleted[0])


@given(st.lists(st.text(alphabet="ab*/-", max_size=6), min_size=13, max_size=30, unique=True))
def test_a_widened_pattern_covers_every_string_it_replaces(patterns: list[str]) -> None:
    from lpgen.calls.values import Str, pattern_matcher, vals

    widened = [v.pattern for v in vals(*(Str(p) for p in patterns)) if isinstance(v, Str)]
    assert len(widened) == 1
    for p in patterns:
        assert pattern_matcher(widened[0]).fullmatch(p.replace("*", "x")), (widened, p)


def test_values_that_do_not_settle_are_reported(tmp_path) -> None:
    """A chain of methods each setting an attribute from the one the next sets needs more
    passes than the analysis runs: the bucket it ends in is missed, and LP206 says the
    names may be incomplete instead of nothing."""
    from lpgen import api

    (tmp_path / "app.py").write_text(textwrap.dedent("""
        import boto3


        class Chain:
            def __init__(self):
                self.a = self.b = self.c = self.d = "start"

            def step4(self):
                self.d = self.c

            def step3(self):
                self.c = self.b

            def step2(self):
                self.b = self.a

            def step1(self):
                self.a = "real-bucket"


        def handler(event, context):
            chain = Chain()
            boto3.client("s3").get_object(Bucket=chain.d, Key="k")
            chain.step4()
            chain.step3()
            chain.step2()
            chain.step1()
    """))
    found = api.suggest([str(tmp_path / "app.py")])
    assert [f.code for f in found.findings if f.code == "LP206"] == ["LP206"]
    assert found.analysis is not None and found.analysis.unsettled


def test_string_building_keeps_every_combination_of_its_parts(collect_calls) -> None:
    """``"%s-%s" % (env, region)``, ``"{}-{}".format(...)``, ``"-".join([...])``,
    ``os.path.join`` and f-strings over names with two values each give all four names:
    ``%``, ``format`` and the joins took the first value of each part (three of four
    buckets were never granted)."""
    calls = collect_calls(
        """
        import os
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            env = "prod" if event.get("p") else "dev"
            region = "eu" if event.get("e") else "us"
            s3.get_object(Bucket="%s-%s-a" % (env, region), Key="k")
            s3.put_object(Bucket="{}-{}-b".format(env, region), Key="k", Body=b"")
            s3.delete_object(Bucket="-".join([env, region, "c"]), Key=os.path.join(env, "x"))
            s3.head_object(Bucket=f"{env}-{region}-d", Key="k")
        """
    )
    expected = sorted(f"{e}-{r}" for e in ("dev", "prod") for r in ("eu", "us"))
    for op, suffix in (("GetObject", "a"), ("PutObject", "b"), ("DeleteObject", "c"), ("HeadObject", "d")):
        (call,) = [c for c in calls if c.operation == op]
        assert sorted(b.removesuffix("-" + suffix) for b in call.params["Bucket"]) == expected, op
    (delete,) = [c for c in calls if c.operation == "DeleteObject"]
    assert sorted(delete.params["Key"]) == ["dev/x", "prod/x"]


def test_a_string_built_from_too_many_combinations_is_covered_by_one_pattern() -> None:
    from lpgen.calls.formatting import combinations, percent
    from lpgen.calls.values import Str, pattern_matcher

    choices = [[f"a{i}" for i in range(5)], ["-"], [f"{i}z" for i in range(5)]]
    (row,) = combinations(choices)
    assert row == ["a*", "-", "*z"]
    texts = percent("%s/%s", [tuple(Str(f"b{i}") for i in range(4)), tuple(Str(f"k{i}") for i in range(4))])
    assert texts == ["b*/k*"] and pattern_matcher(texts[0]).fullmatch("b3/k2")


def test_a_listing_made_with_several_prefixes_covers_the_keys_of_each(collect_calls) -> None:
    """The keys a listing returns start with its prefix; a prefix that may be ``in/a/`` or
    ``in/b/`` gives keys under both, ``in/*/*`` (the first prefix alone lost the other's
    objects)."""
    calls = collect_calls(
        """
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            prefix = "in/a/" if event.get("a") else "in/b/"
            for o in s3.list_objects_v2(Bucket="b", Prefix=prefix)["Contents"]:
                s3.get_object(Bucket="b", Key=o["Key"])
        """
    )
    assert [c.params["Key"] for c in calls if c.operation == "GetObject"] == ["in/*/*"]


def test_a_dispatcher_over_more_methods_than_are_kept_reports_the_rest(tmp_path) -> None:
    """Past 32 callees for one call, the rest stand as one value: calling it is reported
    (LP201) rather than silently skipping the methods it stands for."""
    lines = ["import boto3", "", "s3 = boto3.client('s3')", "", "class H:"]
    for i in range(40):
        lines += [f"    def handle_{i}(self, event):", f"        s3.get_object(Bucket='b{i}', Key='k')", ""]
    lines += ["    def route(self, event):", "        return getattr(self, 'handle_' + event['a'])(event)", ""]
    lines += ["def handler(event, context):", "    H().route(event)", ""]
    analysis = analyse_files(tmp_path, {"app.py": "\n".join(lines)})
    assert len(analysis.calls) == 32
    assert [u.reason for u in analysis.unresolved] == [
        "getattr(self, 'handle_' + event['a'])(): the callee is one of too many values to follow",
    ]


def test_string_methods_take_every_value_of_their_argument(collect_calls) -> None:
    """``split(sep)`` and ``strip(chars)`` with an argument of two values give a result for
    each; a prefix or characters that are not known may take away any part."""
    calls = collect_calls(
        """
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            sep = "/" if event.get("a") else "-"
            head = "alpha/beta-gamma".split(sep)[0]
            name = "__a-b__".strip("_" if event.get("b") else "_a")
            s3.get_object(Bucket=head, Key="data/logs".removeprefix(event["p"]))
            s3.put_object(Bucket=name, Key="k", Body=b"")
        """
    )
    by_op = {c.operation: c.params for c in calls}
    assert sorted(by_op["GetObject"]["Bucket"]) == ["alpha", "alpha/beta"] and by_op["GetObject"]["Key"] == "*"
    assert sorted(by_op["PutObject"]["Bucket"]) == ["-b", "a-b"]


def test_environment_variables_the_code_sets_are_read_back(tmp_path) -> None:
    """``os.environ["QUEUE"] = url`` and ``os.environ.setdefault("TABLE", name)`` set what
    later reads give: without a value from outside, those names, not ``*`` with LP202;
    with one, the value the code sets as well (it overrides), while ``setdefault`` keeps
    the value from outside."""
    from lpgen import api

    (tmp_path / "app.py").write_text(textwrap.dedent("""
        import os
        from os import environ

        import boto3

        os.environ.setdefault("TABLE", "default-table")
        environ["QUEUE"] = "https://sqs.us-east-1.amazonaws.com/1/set-queue"


        def handler(event, context):
            boto3.client("dynamodb").get_item(TableName=os.environ["TABLE"], Key={})
            boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE"], MessageBody="m")
    """))

    def names(env: dict[str, str]) -> tuple[list[str], list[str]]:
        analysis = api.analyze([str(tmp_path / "app.py")], env=env)
        found = [c.params.get("TableName") or c.params["QueueUrl"] for c in analysis.calls]
        return sorted(n for one in found for n in (one if isinstance(one, list) else [one])), [m[0] for m in analysis.env_missing]

    assert names({}) == (["default-table", "https://sqs.us-east-1.amazonaws.com/1/set-queue"], [])
    given = {"TABLE": "real", "QUEUE": "https://sqs.us-east-1.amazonaws.com/1/given"}
    assert names(given)[0] == [
        "https://sqs.us-east-1.amazonaws.com/1/given", "https://sqs.us-east-1.amazonaws.com/1/set-queue", "real",
    ]


def test_a_comparison_with_a_named_constant_decides_like_the_literal(tmp_path) -> None:
    """``stage == PROD`` with ``PROD = "prod"``, ``STAGE not in ALLOWED`` with a tuple of
    literals, and a module's constant compared with the stage decide as the literals
    would; a name read with a default lpgen has no value for still decides nothing."""
    from lpgen import api

    (tmp_path / "config.py").write_text('LEVEL = "dev"\n')
    (tmp_path / "app.py").write_text(textwrap.dedent("""
        import os

        import boto3

        import config

        s3 = boto3.client("s3")
        PROD = "prod"
        ALLOWED = ("prod", "staging")
        STAGE = os.environ["STAGE"]
        MODE = os.environ.get("MODE", "fast")
        FAST = "fast"


        def work(stage):
            if stage == PROD:
                s3.get_object(Bucket="prod-bucket", Key="k")
            else:
                s3.get_object(Bucket="other-bucket", Key="k")


        def handler(event, context):
            work(STAGE)
            if STAGE not in ALLOWED:
                s3.get_object(Bucket="blocked-bucket", Key="k")
            if config.LEVEL == STAGE:
                s3.get_object(Bucket="level-bucket", Key="k")
            if MODE == FAST:
                s3.get_object(Bucket="fast-bucket", Key="k")
            else:
                s3.get_object(Bucket="slow-bucket", Key="k")
    """))

    def buckets(env: dict[str, str]) -> list[str]:
        return sorted(c.params["Bucket"] for c in api.analyze([str(tmp_path / "app.py")], env=env).calls)

    assert buckets({"STAGE": "prod"}) == ["fast-bucket", "prod-bucket", "slow-bucket"]
    assert buckets({"STAGE": "dev", "MODE": "fast"}) == ["blocked-bucket", "fast-bucket", "level-bucket", "other-bucket"]
    assert buckets({}) == [
        "blocked-bucket", "fast-bucket", "level-bucket", "other-bucket", "prod-bucket", "slow-bucket",
    ]


def test_clients_in_a_dict_comprehension_are_found_by_key(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        SERVICES = ("s3", "sqs")
        CLIENTS = {name: boto3.client(name) for name in SERVICES}
        PAIRS = {alias: boto3.client(service) for alias, service in [("store", "s3"), ("queue", "sqs")]}
        NAMED = {f"{name}_client": boto3.client(name) for name in SERVICES}
        def handler(event, context):
            CLIENTS["s3"].get_object(Bucket="by-name", Key="k")
            CLIENTS["sqs"].send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/jobs", MessageBody="x")
            PAIRS["store"].put_object(Bucket="by-alias", Key="k", Body=b"")
            NAMED["s3_client"].delete_object(Bucket="by-built-key", Key="k")
        """
    )
    assert sorted((c.client, c.operation, c.params.get("Bucket", "")) for c in calls) == [
        ("s3", "DeleteObject", "by-built-key"), ("s3", "GetObject", "by-name"), ("s3", "PutObject", "by-alias"),
        ("sqs", "SendMessage", ""),
    ]


def test_a_key_built_from_an_unknown_part_may_be_any_key(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        def handler(event, context):
            clients = {f"{event['svc']}_client": boto3.client("s3")}
            clients["s3_client"].get_object(Bucket="b", Key="k")
        """
    )
    assert ops(calls) == {("s3", "GetObject")}


SETTINGS = """
    import boto3
    from pydantic import Field
    from pydantic_settings import BaseSettings, SettingsConfigDict

    class Settings(BaseSettings):
        model_config = SettingsConfigDict(env_prefix="APP_")
        table_name: str
        bucket: str = "default-bucket"
        queue_url: str = Field("https://sqs.us-east-1.amazonaws.com/1/default", validation_alias="JOBS_URL")

    class Legacy(BaseSettings):
        topic_arn: str
        class Config:
            env_prefix = "OLD_"

    settings = Settings()

    def handler(event, context):
        boto3.resource("dynamodb").Table(settings.table_name).put_item(Item={})
        boto3.client("s3").get_object(Bucket=settings.bucket, Key="k")
        boto3.client("sqs").send_message(QueueUrl=settings.queue_url, MessageBody="x")
        boto3.client("sns").publish(TopicArn=Legacy().topic_arn, Message="m")
    """


def test_pydantic_settings_read_their_fields_from_the_environment(collect_calls) -> None:
    def targets(env: dict[str, str]) -> list[str]:
        calls = collect_calls(SETTINGS, env=env)
        return sorted(str(c.params.get("TableName") or c.params.get("Bucket") or c.params.get("QueueUrl")
                          or c.params.get("TopicArn")) for c in calls)

    assert targets({"APP_TABLE_NAME": "items", "APP_BUCKET": "real", "JOBS_URL": "https://sqs.us-east-1.amazonaws.com/1/jobs",
                    "old_topic_arn": "arn:aws:sns:us-east-1:1:t"}) == [
        "arn:aws:sns:us-east-1:1:t", "https://sqs.us-east-1.amazonaws.com/1/jobs", "items", "real",
    ]
    # unset: the default where there is one, else any name (reported)
    assert targets({}) == ["*", "*", "default-bucket", "https://sqs.us-east-1.amazonaws.com/1/default"]


def test_a_record_given_a_field_does_not_also_hold_its_default(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        from dataclasses import dataclass
        from pydantic import BaseModel

        @dataclass
        class Conf:
            bucket: str = "default-bucket"

        class Job(BaseModel):
            queue: str = "https://sqs.us-east-1.amazonaws.com/1/default"

        def handler(event, context):
            boto3.client("s3").get_object(Bucket=Conf(bucket="given").bucket, Key="k")
            boto3.client("sqs").send_message(QueueUrl=Job(queue="https://sqs.us-east-1.amazonaws.com/1/jobs").queue, MessageBody="x")
        """
    )
    assert sorted(str(c.params.get("Bucket") or c.params.get("QueueUrl")) for c in calls) == [
        "given", "https://sqs.us-east-1.amazonaws.com/1/jobs",
    ]


def test_keys_built_with_paths_dates_and_json_config_keep_their_known_parts(collect_calls) -> None:
    calls = collect_calls(
        """
        import json, os, time, uuid
        from datetime import datetime
        from pathlib import PurePosixPath
        import boto3
        s3 = boto3.client("s3")
        CONFIG = json.loads(os.environ.get("CONFIG", '{"bucket": "fallback", "tables": ["a", "b"]}'))
        def handler(event, context):
            s3.put_object(Bucket="paths", Key=str(PurePosixPath("exports") / "daily" / f"{uuid.uuid4()}.json"), Body=b"")
            s3.put_object(Bucket="joined", Key=PurePosixPath("in").joinpath("x", event["k"]).as_posix(), Body=b"")
            s3.put_object(Bucket="dates", Key=datetime.utcnow().strftime("raw/%Y/%m/%d/") + "x.csv", Body=b"")
            s3.put_object(Bucket="clock", Key=time.strftime("day=%Y-%m-%d/r.csv"), Body=b"")
            s3.put_object(Bucket=CONFIG["bucket"], Key="k", Body=b"")
        """,
        env={"CONFIG": '{"bucket": "configured"}'},
    )
    assert sorted((c.params["Bucket"], c.params["Key"]) for c in calls) == [
        ("clock", "day=*-*-*/r.csv"), ("configured", "k"), ("dates", "raw/*/*/*/x.csv"),
        ("joined", "in/x/*"), ("paths", "exports/daily/*.json"),
    ]


def test_affix_tests_joined_by_and_or_not_and_comprehension_filters_narrow_keys(collect_calls) -> None:
    calls = collect_calls(
        """
        import boto3
        s3 = boto3.client("s3")
        def handler(event, context):
            keys = [o["Key"] for o in s3.list_objects_v2(Bucket="lake")["Contents"]]
            for k in [k for k in keys if k.startswith("raw/") and len(k) > 4]:
                s3.delete_object(Bucket="raw-deleted", Key=k)
            for key in keys:
                if key.startswith("in/") and key.endswith(".csv"):
                    s3.get_object(Bucket="both", Key=key)
                if key.startswith("a/") or key.startswith("b/"):
                    s3.get_object(Bucket="either", Key=key)
                if not key.startswith("tmp/") or len(key) > 9:
                    continue
                s3.delete_object(Bucket="after", Key=key)
        """
    )
    def keys(bucket: str) -> set[str]:
        found = [c.params["Key"] for c in calls if c.params.get("Bucket") == bucket]
        return {k for key in found for k in (key if isinstance(key, list) else [key])}

    assert keys("raw-deleted") == {"raw/*"}
    assert keys("both") == {"in/*.csv"}
    assert "*" in keys("either")  # NOTE: either prefix: nothing narrows
    assert keys("after") == {"tmp/*"}


MATCHING = """
    import os
    import boto3
    s3 = boto3.client("s3")
    STAGE = os.environ["STAGE"]
    MODE = os.environ.get("MODE", "fast")

    def handler(event, context):
        match STAGE:
            case "prod":
                s3.get_object(Bucket="prod-bucket", Key="k")
            case "staging" | "qa" as env:
                s3.get_object(Bucket=f"{env}-bucket", Key="k")
            case "dev" if event.get("debug"):
                s3.get_object(Bucket="debug-bucket", Key="k")
            case _:
                s3.get_object(Bucket=f"{STAGE}-fallback", Key="k")
        match MODE:
            case "fast":
                s3.get_object(Bucket="fast-bucket", Key="k")
            case _:
                s3.get_object(Bucket="slow-bucket", Key="k")
    """


def test_a_match_on_known_values_runs_the_cases_they_reach(collect_calls) -> None:
    def buckets(env: dict[str, str]) -> list[str]:
        found = [c.params["Bucket"] for c in collect_calls(MATCHING, env=env)]
        return sorted({b for bucket in found for b in (bucket if isinstance(bucket, list) else [bucket])})

    assert buckets({"STAGE": "prod", "MODE": "slow"}) == ["prod-bucket", "slow-bucket"]
    # a guard does not take the values its pattern matches from the later cases
    assert buckets({"STAGE": "dev"}) == ["debug-bucket", "dev-fallback", "fast-bucket", "slow-bucket"]
    # without a value every case runs; a case of literals still names them
    assert buckets({}) == ["*-fallback", "debug-bucket", "fast-bucket", "prod-bucket", "qa-bucket", "slow-bucket",
                           "staging-bucket"]


def test_a_folder_given_finds_handlers_in_its_subfolders_that_are_no_packages(tmp_path) -> None:
    """``lpgen suggest .`` at a project's root with ``src/app.py`` (src has no
    ``__init__.py``): the runtime imports ``app`` from src, and so does the analysis."""
    from lpgen import api

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "helpers.py").write_text("import boto3\nqueue = boto3.client('sqs')\n")
    (tmp_path / "src" / "app.py").write_text(
        "import boto3\nfrom helpers import queue\n"
        "def handler(event, context):\n"
        "    boto3.client('s3').get_object(Bucket='b', Key='k')\n"
        "    queue.send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q', MessageBody='x')\n"
    )
    analysis = api.analyze([str(tmp_path)])
    assert ops(analysis.calls) == {("s3", "GetObject"), ("sqs", "SendMessage")}
    assert analysis.entry.startswith("app.handler")


def test_a_copy_of_the_sdk_or_of_installed_packages_in_the_code_is_still_the_library(tmp_path) -> None:
    """A function's code folder often holds its dependencies (``pip install -t``): boto3 found
    there is still boto3, and what pip installed is no project code to analyse."""
    from lpgen import api

    (tmp_path / "boto3").mkdir()
    (tmp_path / "boto3" / "__init__.py").write_text("from .session import Session\ndef client(*a, **k):\n    return None\n")
    (tmp_path / "boto3" / "session.py").write_text("class Session:\n    pass\n")
    (tmp_path / "vendored").mkdir()
    (tmp_path / "vendored" / "__init__.py").write_text("import boto3\ndef hidden():\n    boto3.client('sqs').purge_queue(QueueUrl='u')\n")
    (tmp_path / "vendored-1.0.dist-info").mkdir()
    (tmp_path / "vendored-1.0.dist-info" / "RECORD").write_text("vendored/__init__.py,sha256=x,1\nvendored-1.0.dist-info/RECORD,,\n")
    # an installed package the code imports (a team's shared library) is still followed;
    # what it holds that the code does not reach is no unreachable code of the function's
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "__init__.py").write_text(
        "import boto3\ndef audit():\n    boto3.client('sqs').send_message(QueueUrl='u', MessageBody='m')\n"
        "def purge():\n    boto3.client('sqs').purge_queue(QueueUrl='u')\n")
    (tmp_path / "shared-2.0.dist-info").mkdir()
    (tmp_path / "shared-2.0.dist-info" / "RECORD").write_text("shared/__init__.py,sha256=x,1\n")
    (tmp_path / "app.py").write_text(
        "import boto3\nfrom boto3 import client\nimport shared\n"
        "def handler(event, context):\n"
        "    boto3.client('s3').get_object(Bucket='b', Key='k')\n"
        "    client('sns').publish(TopicArn='arn:aws:sns:us-east-1:1:t', Message='m')\n"
        "    shared.audit()\n"
    )
    analysis = api.analyze([str(tmp_path)])
    assert ops(analysis.calls) == {("s3", "GetObject"), ("sns", "Publish"), ("sqs", "SendMessage")}
    assert not any("vendored" in f for f in analysis.files)
    assert not analysis.unreachable


def test_environment_variables_set_through_update_are_read_back(collect_calls) -> None:
    calls = collect_calls(
        """
        import os
        import boto3
        os.environ.update({"QUEUE": "https://sqs.us-east-1.amazonaws.com/1/jobs"})
        os.environ.update(TOPIC="arn:aws:sns:us-east-1:1:t")
        def handler(event, context):
            boto3.client("sqs").send_message(QueueUrl=os.environ["QUEUE"], MessageBody="x")
            boto3.client("sns").publish(TopicArn=os.environ["TOPIC"], Message="m")
        """
    )
    assert sorted(str(c.params.get("QueueUrl") or c.params.get("TopicArn")) for c in calls) == [
        "arn:aws:sns:us-east-1:1:t", "https://sqs.us-east-1.amazonaws.com/1/jobs",
    ]


def test_a_client_method_on_a_module_that_is_nowhere_is_reported(tmp_path) -> None:
    analysis = analyse_files(tmp_path, {"app.py": """
        from utils import table
        import json
        import requests
        def handler(event, context):
            table.put_item(Item={})
            requests.get("https://example.com")
            json.dumps({})
    """})
    assert [(u.location.line, "from utils" in u.reason) for u in analysis.unresolved] == [(6, True)]


def test_a_client_handed_to_a_library_lpgen_does_not_follow_is_reported(tmp_path) -> None:
    """A client, resource or session given to a library's function or to an object it made
    is used there in calls lpgen cannot see; the standard library makes no AWS calls of its
    own with one, and a function of the project is followed instead."""
    analysis = analyse_files(tmp_path, {"app.py": """
        import logging
        import boto3
        import somelib
        from helpers import sync
        s3 = boto3.client("s3")
        table = boto3.resource("dynamodb").Table("t")
        log = logging.getLogger()
        def handler(event, context):
            somelib.run(s3)
            runner = somelib.Runner()
            runner.go(table=table)
            log.info("client %s", s3)
            sync(s3)
    """, "helpers.py": """
        def sync(client):
            client.head_bucket(Bucket="b")
    """})
    assert [(u.location.line, u.reason.split(" is handed ")[1].split(",")[0], u.service) for u in analysis.unresolved] == [
        (10, "a boto3 s3 client", "s3"), (12, "a boto3 dynamodb resource", "dynamodb")]
    assert [c.operation for c in analysis.calls] == ["HeadBucket"]


def test_dependency_injector_providers_make_what_they_wrap(tmp_path) -> None:
    """providers.Singleton(boto3.client, "s3") called is boto3.client("s3"), as
    functools.partial would be."""
    from lpgen import api

    (tmp_path / "app.py").write_text(textwrap.dedent(
        """
        import boto3
        from dependency_injector import containers, providers
        class Container(containers.DeclarativeContainer):
            s3 = providers.Singleton(boto3.client, "s3")
            table = providers.Factory(lambda: boto3.resource("dynamodb").Table("di-table"))
        container = Container()
        def handler(event, context):
            container.s3().put_object(Bucket="di-bucket", Key="k", Body=b"")
            container.table().put_item(Item={})
        """))
    result = api.analyze([str(tmp_path / "app.py")])
    assert sorted((c.operation, c.params.get("Bucket") or c.params.get("TableName")) for c in result.calls) == [
        ("PutItem", "di-table"), ("PutObject", "di-bucket")]
    assert not result.unresolved


NAMESPACE_LAYOUT = {
    "svc/__init__.py": "",
    "svc/aws/__init__.py": "from .clients import *  # noqa\nfrom .storage import save as store\n",
    "svc/aws/clients.py": """
        import boto3
        __all__ = ["queue"]
        _sqs = boto3.client("sqs")
        def queue(body):
            _sqs.send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/jobs", MessageBody=body)
    """,
    "svc/aws/storage.py": """
        import boto3
        def save(key, body):
            boto3.client("s3").put_object(Bucket="data", Key=f"in/{key}", Body=body)
    """,
    "svc/handlers/api.py": """
        from ..aws import queue, store
        from ..missing import helper
        def handler(event, context):
            store(event["id"], b"")
            queue("done")
            helper()
    """,
}


@pytest.mark.parametrize("path", ["svc/handlers/api.py", "svc"])
def test_a_relative_import_above_the_given_folder_is_followed_by_the_files(tmp_path, path: str) -> None:
    """svc/handlers has no __init__.py, so handlers/api.py alone reads as a top-level module;
    its ``from ..aws import`` says it is deployed deeper: the module is the file the dots
    name. A relative import with no such file is reported, not dropped."""
    from lpgen import api

    write_files(tmp_path, {name: textwrap.dedent(text) for name, text in NAMESPACE_LAYOUT.items()})
    analysis = api.analyze([str(tmp_path / path)])
    assert {(c.client, c.operation) for c in analysis.calls} == {("s3", "PutObject"), ("sqs", "SendMessage")}
    assert [(u.location.line, u.reason.split(",")[0]) for u in analysis.unresolved] == [
        (3, "relative import ..missing goes above the package of api")]


def test_python_dotenv_files_the_package_ships(tmp_path) -> None:
    """load_dotenv() sets the variables of the .env beside the module (or above it in the
    project); load_dotenv(path) reads that file; dotenv_values(path) is a dict of its
    variables."""
    from lpgen import api

    (tmp_path / "pkg").mkdir()
    (tmp_path / ".env").write_text("TABLE=orders\nQUEUE='jobs' # the queue\n")
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "prod.env").write_text('export BUCKET="reports"\nTOPIC=alerts\n')
    (tmp_path / "pkg" / "app.py").write_text(textwrap.dedent("""
        import os
        import boto3
        from dotenv import dotenv_values, load_dotenv
        load_dotenv()
        load_dotenv("config/prod.env", override=True)
        CONF = dotenv_values("config/prod.env")
        def handler(event, context):
            boto3.resource("dynamodb").Table(os.environ["TABLE"]).put_item(Item=event)
            boto3.client("s3").put_object(Bucket=CONF["BUCKET"], Key="k", Body=b"")
            boto3.client("sqs").get_queue_url(QueueName=os.getenv("QUEUE"))
            boto3.client("sns").publish(TopicArn=f"arn:aws:sns:us-east-1:1:{os.environ['TOPIC']}", Message="m")
    """))
    result = api.suggest([str(tmp_path / "pkg" / "app.py")], root=str(tmp_path), handler="pkg.app.handler",
                         region="us-east-1", account="1")
    assert {(p.action, p.resource) for p in result.permissions} == {
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders"), ("s3:PutObject", "arn:aws:s3:::reports/k"),
        ("sqs:GetQueueUrl", "arn:aws:sqs:us-east-1:1:jobs"), ("sns:Publish", "arn:aws:sns:us-east-1:1:alerts"),
    }
    assert not [f for f in result.findings if f.code == "LP202"]


def test_a_methods_decorators_wrap_it(tmp_path) -> None:
    """A method's decorator from the project (a timer, here a factory whose wrapper uses
    functools.wraps) runs around it: the metric it puts is granted. functools.wraps(fn) is
    the wrapper's decorator, not fn: fn was called with the wrapper as its argument, and
    ``self.ROUTES`` of a function was reported as an import by a name not known."""
    analysis = analyse_files(tmp_path, {"metrics.py": """
        import functools
        import time

        import boto3

        cw = boto3.client("cloudwatch")


        def timed(metric):
            def deco(fn):
                @functools.wraps(fn)
                def wrapper(self, event, context):
                    start = time.time()
                    try:
                        return fn(self, event, context)
                    finally:
                        cw.put_metric_data(Namespace="svc", MetricData=[{"MetricName": metric, "Value": time.time() - start}])
                return wrapper
            return deco
    """, "jobs.py": """
        import boto3

        def run(payload):
            boto3.client("sqs").send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/jobs", MessageBody=payload)
    """, "app.py": """
        import importlib

        from metrics import timed


        class Handler:
            ROUTES = {"jobs": "jobs"}

            @timed("latency")
            def __call__(self, event, context):
                return importlib.import_module(self.ROUTES[event["action"]]).run(event["payload"])


        lambda_handler = Handler()
    """}, target="app.lambda_handler")
    assert sorted(c.operation for c in analysis.calls) == ["PutMetricData", "SendMessage"]
    assert not analysis.unresolved


def test_a_client_made_by_an_earlier_name_of_its_service(collect_calls) -> None:
    calls = collect_calls("""
        import boto3
        runtime = boto3.client("runtime.sagemaker")
        def handler(event, context):
            return runtime.invoke_endpoint(EndpointName="churn", Body=b"1")
    """)
    assert [(c.client, c.operation) for c in calls] == [("sagemaker-runtime", "InvokeEndpoint")]
