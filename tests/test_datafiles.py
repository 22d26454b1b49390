"""Names the code reads from data files shipped in its package (``config.json``,
``settings.yaml``, ``app.toml``), located as the function finds them at run time."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from lpgen import api
from lpgen.calls.builtins import path_function


def _perms(tmp_path: Path, code: str, files: dict[str, str], target: str = "app.py") -> set[tuple[str, str]]:
    for name, text in {target: code, **files}.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    result = api.suggest([str(tmp_path / target)], region="us-east-1", account="1")
    return {(p.action, p.resource) for p in result.permissions}


def test_json_config_beside_the_module(tmp_path: Path) -> None:
    got = _perms(tmp_path, """
        import json, os
        import boto3
        with open(os.path.join(os.path.dirname(__file__), "config.json")) as f:
            CONFIG = json.load(f)
        def handler(event, context):
            boto3.client("s3").put_object(Bucket=CONFIG["bucket"], Key="in/x", Body=b"")
            boto3.client("sqs").send_message(QueueUrl=CONFIG["queues"]["jobs"], MessageBody="m")
    """, {"config.json": '{"bucket": "cfg-bucket", "queues": {"jobs": "https://sqs.us-east-1.amazonaws.com/1/cfg-jobs"}}'})
    assert got == {("s3:PutObject", "arn:aws:s3:::cfg-bucket/in/x"), ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:cfg-jobs")}


def test_yaml_and_toml_through_pathlib_and_the_working_directory(tmp_path: Path) -> None:
    got = _perms(tmp_path, """
        import tomllib
        from pathlib import Path
        import boto3
        import yaml
        HERE = Path(__file__).resolve().parent
        SETTINGS = yaml.safe_load((HERE / "conf" / "settings.yaml").read_text())
        with open("app.toml", "rb") as f:
            APP = tomllib.load(f)
        def handler(event, context):
            boto3.resource("dynamodb").Table(SETTINGS["tables"]["orders"]).get_item(Key={})
            boto3.client("sns").publish(TopicArn=APP["alerts"]["topic"], Message="m")
    """, {
        "pkg/conf/settings.yaml": "tables:\n  orders: orders-prod\n",
        "pkg/app.toml": '[alerts]\ntopic = "arn:aws:sns:us-east-1:1:alerts"\n',
    }, target="pkg/app.py")
    assert got == {("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/orders-prod"),
                   ("sns:Publish", "arn:aws:sns:us-east-1:1:alerts")}


def test_a_file_outside_the_package_is_never_read(tmp_path: Path) -> None:
    (tmp_path / "secret.json").write_text('{"bucket": "outside"}')
    code = """
        import json
        import boto3
        A = json.load(open("../secret.json"))
        B = json.load(open("/etc/hostname"))
        C = json.load(open("missing.json"))
        def handler(event, context):
            for conf in (A, B, C):
                boto3.client("s3").get_object(Bucket=conf["bucket"], Key="k")
    """
    got = _perms(tmp_path / "pkg", code, {})
    assert got == {("s3:GetObject", "arn:aws:s3:::*/k")}


def test_a_file_written_is_not_read_as_data(tmp_path: Path) -> None:
    got = _perms(tmp_path, """
        import json
        import boto3
        with open("config.json", "w") as f:
            json.dump({}, f)
        def handler(event, context):
            with open("config.json", "r+") as f:
                conf = json.load(f)
            boto3.client("s3").get_object(Bucket=conf["bucket"], Key="k")
    """, {"config.json": '{"bucket": "stale"}'})
    assert got == {("s3:GetObject", "arn:aws:s3:::*/k")}


def test_data_that_does_not_parse_leaves_the_name_unknown(tmp_path: Path) -> None:
    got = _perms(tmp_path, """
        import yaml
        import boto3
        CONF = yaml.safe_load(open("conf.yaml"))
        def handler(event, context):
            boto3.client("s3").get_object(Bucket=CONF["bucket"], Key="k")
    """, {"conf.yaml": "bucket: !!python/object:os.system x\n"})
    assert got == {("s3:GetObject", "arn:aws:s3:::*/k")}


@pytest.mark.parametrize(("name", "path", "expected"), [
    ("dirname", "/var/task/pkg/app.py", "/var/task/pkg"),
    ("dirname", "in/*/x.json", "in/*"),
    ("dirname", "in/*", "in*"),
    ("basename", "in/*/x.json", "x.json"),
    ("basename", "in/*.json", "*.json"),
    ("stem", "out/report.csv", "report"),
    ("suffix", "out/report.csv", ".csv"),
    ("suffix", "out/*", "*"),
    ("abspath", "conf/a.json", "/var/task/conf/a.json"),
    ("normpath", "a/./b/../c", "a/c"),
])
def test_path_functions_keep_what_a_pattern_fixes(name: str, path: str, expected: str) -> None:
    assert path_function(name, path) == expected


def test_a_text_file_read_whole(tmp_path: Path) -> None:
    got = _perms(tmp_path, """
        import boto3
        with open("queue.txt") as f:
            NAME = f.read().strip()
        def handler(event, context):
            boto3.client("sqs").send_message(QueueUrl=f"https://sqs.us-east-1.amazonaws.com/1/{NAME}", MessageBody="m")
    """, {"queue.txt": "jobs\n"})
    assert got == {("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs")}


def test_a_folder_the_code_puts_on_sys_path_is_searched_for_imports(tmp_path: Path) -> None:
    got = _perms(tmp_path, """
        import os, sys
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "vendor"))
        import mylib
        def handler(event, context):
            mylib.put("a/b")
    """, {"vendor/mylib/__init__.py": """
        import boto3
        def put(key):
            boto3.client("s3").put_object(Bucket="vendored", Key=key, Body=b"")
    """})
    assert got == {("s3:PutObject", "arn:aws:s3:::vendored/a/b")}


def test_yaml_aliases_do_not_blow_a_small_file_up(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    got = _perms(tmp_path, """
        import yaml
        import boto3
        CONF = yaml.safe_load(open("bomb.yaml"))
        def handler(event, context):
            boto3.client("s3").get_object(Bucket=CONF.get("bucket", "fallback"), Key="k")
    """, {"bomb.yaml": "\n".join(lines) + "\nbucket: real\n"})
    assert got == {("s3:GetObject", "arn:aws:s3:::real/k")}
