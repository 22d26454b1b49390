"""Hostile and broken input: a clear one-line error or a counted skip, never a traceback,
never a half-written output file."""

from __future__ import annotations

import gzip
import json
import os
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from lpgen.cli import main

HANDLER = "import boto3\ndef handler(event, context):\n    boto3.client('s3').get_object(Bucket='b', Key='k')\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def assert_clean(result: Result, code: int) -> None:
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)


def assert_one_line_error(result: Result, *words: str) -> None:
    assert result.exit_code != 0
    assert "Traceback" not in result.output
    lines = [ln for ln in result.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1, result.output
    for w in words:
        assert w in lines[0]


# --- Python sources ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "content", "reason"), [
    ("broken.py", b"def handler(:\n    pass\n", "syntax error at line 1"),
    ("py2.py", b"print 'hello'\nexec 'x'\n", "Python 2 code?"),
    ("latin1.py", "x = 'caf\xe9'\n".encode("latin-1"), "not UTF-8"),
    ("binary.py", bytes(range(256)) * 8, "binary file"),
    ("deep.py", ("x = " + "(" * 500 + "1" + ")" * 500 + "\n").encode(), ""),
    ("chain.py", ("x = 'a'" + " + 'a'" * 20000 + "\n").encode(), ""),
    # NOTE: the parser takes a return outside a function; only the compiler refuses it.
    ("toplevel_return.py", b"import boto3\nreturn boto3\ndef handler(event, context):\n    pass\n", ""),
    # NOTE: PEP 701's f-strings parse from Python 3.12 on; an older one says why it cannot.
    ("pep701.py", b'd = {"a": 1}\nx = f"{d["a"]}"\n',
     "" if sys.version_info >= (3, 12) else "valid f-string syntax from Python 3.12 on"),
])
def test_bad_modules_are_skipped_with_a_finding_and_the_rest_analysed(tmp_path: Path, name: str, content: bytes, reason: str) -> None:
    (tmp_path / "app.py").write_text(HANDLER)
    (tmp_path / name).write_bytes(content)
    report = tmp_path / "report.json"
    result = run("suggest", str(tmp_path), "--format", "json", "--report", str(report))
    assert_clean(result, 0)
    doc = json.loads(report.read_text())
    assert any(p["action"] == "s3:GetObject" for p in doc["permissions"])
    skipped = [f for f in doc["findings"] if f["code"] == "LP203"]
    if reason:
        assert any(reason in f["message"] for f in skipped), skipped
    # the finding names the file as the others do: relative to the working directory
    assert all(f["path"] == os.path.relpath(tmp_path / name) for f in skipped), skipped


def test_values_python_refuses_or_would_make_huge_are_wildcards(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import boto3\n"
        "N = 3\n"
        "def handler(event, context):\n"
        "    s3 = boto3.client('s3')\n"
        "    s3.get_object(Bucket='abc'[::0], Key=f'{N:>999999999}')\n"
        "    s3.put_object(Bucket='b', Key='%0999999999d' % N + f'{N:.9999999999f}', Body=b'')\n"
    )
    result = run("suggest", str(tmp_path / "app.py"), "--format", "json", "--region", "us-east-1", "--account", "1")
    assert_clean(result, 0)
    granted = {(a, r) for st in json.loads(result.stdout)["Statement"] for a in st["Action"] for r in st["Resource"]}
    assert granted == {("s3:GetObject", "arn:aws:s3:::*/*"), ("s3:PutObject", "arn:aws:s3:::b/*")}


def test_ten_megabyte_module(tmp_path: Path) -> None:
    big = tmp_path / "big.py"
    with open(big, "w") as fh:
        fh.write(HANDLER)
        line = "X_%d = 'padding padding padding padding padding padding padding padding'\n"
        i = 0
        while fh.tell() < 10 * 1024 * 1024:
            fh.write(line % i)
            i += 1
    result = run("suggest", str(big), "--format", "json")
    assert_clean(result, 0)
    assert "s3:GetObject" in result.output


def test_a_module_over_the_size_limit_is_skipped_unread(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lpgen.source import parse

    monkeypatch.setattr(parse, "MAX_BYTES", 4096)
    (tmp_path / "app.py").write_text(HANDLER)
    (tmp_path / "generated.py").write_text("import boto3\n" + "X = 1\n" * 1000 + "boto3.client('sqs').purge_queue(QueueUrl='q')\n")
    report = tmp_path / "report.json"
    result = run("suggest", str(tmp_path), "--format", "json", "--report", str(report))
    assert_clean(result, 0)
    doc = json.loads(report.read_text())
    assert {p["action"] for p in doc["permissions"]} == {"s3:GetObject"}
    assert [f["message"] for f in doc["findings"] if f["code"] == "LP203"] == ["file skipped: larger than 0 MB"]
    # exactly at the limit is read
    assert parse.parse_file("at", _sized(tmp_path / "at.py", 4096)).tree is not None
    assert parse.parse_file("over", _sized(tmp_path / "over.py", 4097)).skip_reason == "larger than 0 MB"


def _sized(path: Path, size: int) -> Path:
    path.write_bytes(b"#" * (size - 1) + b"\n")
    return path


def test_a_folder_named_like_a_module_cannot_be_read(tmp_path: Path) -> None:
    from lpgen.source.parse import parse_file

    (tmp_path / "odd.py").mkdir()
    assert parse_file("odd", tmp_path / "odd.py").skip_reason.startswith("cannot read: ")


def test_import_cycles_and_recursion(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("import b\ndef handler(e, c):\n    b.go(3)\n")
    (tmp_path / "b.py").write_text(
        "import a\nimport boto3\ndef go(n):\n    return go(n - 1) if n else boto3.client('sqs').send_message(QueueUrl='u', MessageBody='m')\n"
    )
    result = run("suggest", str(tmp_path / "a.py"), "--format", "json")
    assert_clean(result, 0)
    assert "sqs:SendMessage" in result.output


def test_symlink_loops_are_not_followed(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(HANDLER)
    (tmp_path / "loop").mkdir()
    os.symlink(tmp_path, tmp_path / "loop" / "back")
    os.symlink(tmp_path / "self", tmp_path / "self")
    result = run("suggest", str(tmp_path), "--format", "json")
    assert_clean(result, 0)
    assert "s3:GetObject" in result.output


def test_missing_path_is_one_line(tmp_path: Path) -> None:
    assert_one_line_error(run("suggest", str(tmp_path / "nope.py")), "nope.py")


def test_a_folder_without_python_is_one_line_not_an_empty_policy(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("docs\n")
    assert_one_line_error(run("suggest", str(tmp_path)), "no Python files")


# --- templates ----------------------------------------------------------------------------


def _template(tmp_path: Path, text: str) -> Path:
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "app.py").write_text(HANDLER)
    path = tmp_path / "template.yaml"
    path.write_text(text)
    return path


FN = """
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Environment: {Variables: {A: !Ref A}}}
"""


@pytest.mark.parametrize(("text", "words"), [
    ("Resources:\n  a: &a [*a]\n" + FN, ["template.yaml:2:", "aliases"]),
    ("a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 10))
     + "Resources:" + FN, ["template.yaml:7:", "YAML aliases make the document hold more than 1,000,000 values"]),
    ("Resources:\n  X: !Bogus thing\n" + FN, ["template.yaml:2:", "unknown tag !Bogus"]),
    ("Resources:\n  A: {Type: AWS::SNS::Topic, Properties: {TopicName: !Sub '${B}'}}\n"
     "  B: {Type: AWS::SNS::Topic, Properties: {TopicName: !Sub '${A.TopicName}'}}\n" + FN, ["circular"]),
    ("Resources:\n  Fn: [unclosed\n", ["template.yaml:3:", "invalid YAML"]),
    ("just a string\n", ["template.yaml"]),
])
def test_bad_templates_are_one_line_errors_and_write_nothing(tmp_path: Path, text: str, words: list[str]) -> None:
    path = _template(tmp_path, text)
    report = tmp_path / "report.json"
    result = run("suggest", str(tmp_path / "src"), "--template", str(path), "--report", str(report))
    assert_one_line_error(result, *words)
    assert not report.exists()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".lpgen-")]


def test_a_template_handler_its_module_does_not_define_is_a_one_line_error(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(HANDLER)
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src/, Handler: app.lambda_handler, Runtime: python3.12}\n")
    report = tmp_path / "report.json"
    result = run("suggest", "--template", str(tmp_path / "template.yaml"), "--report", str(report))
    assert_one_line_error(result, "handler app.lambda_handler", "app.py defines no 'lambda_handler'", "handler")
    assert not report.exists()


# --- CloudTrail ------------------------------------------------------------------------------


def test_broken_trail_files_are_counted(tmp_path: Path) -> None:
    day = tmp_path / "AWSLogs" / "1" / "CloudTrail" / "us-east-1" / "2024" / "06" / "01"
    day.mkdir(parents=True)
    good = {"eventSource": "s3.amazonaws.com", "eventName": "GetObject", "eventTime": "2024-06-01T00:00:00Z",
            "userIdentity": {"type": "AssumedRole", "arn": "arn:aws:sts::1:assumed-role/r/s",
                             "sessionContext": {"sessionIssuer": {"arn": "arn:aws:iam::1:role/r"}}},
            "requestParameters": {"bucketName": "b", "key": "k" * 1_000_000}}
    (day / "ok.json.gz").write_bytes(gzip.compress(json.dumps({"Records": [good, {}, {"eventName": 5}]}).encode()))
    (day / "trunc.json.gz").write_bytes(gzip.compress(b'{"Records": []}' * 1000)[:100])
    (day / "half.json").write_text('{"Records": [{"eventSource": "s3.amazonaws.com"')
    (day / "notjson.json").write_text("hello")
    (day / "list.json").write_text("[1, 2, 3]")
    result = run("trail", "summarize", str(tmp_path), "--format", "json")
    assert_clean(result, 0)
    doc = json.loads(result.output)
    assert doc["roles"]["arn:aws:iam::1:role/r"]["actions"]["s3:GetObject"]["count"] == 1
    assert sum(doc["skipped"].values()) >= 5


def test_missing_trail_source_is_one_line(tmp_path: Path) -> None:
    assert_one_line_error(run("trail", "summarize", str(tmp_path / "none")), "no such file")


# --- policies ---------------------------------------------------------------------------------


@pytest.mark.parametrize("text", [
    '{"Statement": [{"Effect": "Maybe", "Action": "s3:*", "Resource": "*"}]}',
    '{"Statement": [{"Effect": "Allow", "Action": 5, "Resource": "*"}]}',
    '{"Statement": [{"Effect": "Allow", "Resource": "*"}]}',
    '{"Version": "2012-10-17"}',
    '{"Statement": ',
])
def test_bad_policies_are_input_errors(tmp_path: Path, text: str) -> None:
    bad = tmp_path / "p.json"
    bad.write_text(text)
    good = tmp_path / "g.json"
    good.write_text('{"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}')
    result = run("diff", str(bad), str(good))
    assert result.exit_code == 2
    assert_one_line_error(result, "p.json")


def test_report_into_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(HANDLER)
    result = run("suggest", str(tmp_path / "app.py"), "--report", str(tmp_path / "no" / "r.json"))
    assert_one_line_error(result, "r.json")
    assert not (tmp_path / "no").exists()


def test_code_the_parser_warns_about_is_analysed_without_warnings(tmp_path: Path) -> None:
    """``"\\d"`` and ``1if`` make Python's parser warn; those warnings belong to the analysed
    code, not to lpgen's output, whether the file is a target or imported by one."""
    import warnings

    from lpgen.api import analyze

    noisy = "PATTERN = '\\d+'\nLIMIT = [1if True else 2]\n"
    (tmp_path / "helpers.py").write_text(noisy + "def prefix():\n    return 'in/'\n")
    (tmp_path / "app.py").write_text(
        noisy + "import boto3\nfrom helpers import prefix\n"
        "def handler(event, context):\n    boto3.client('s3').get_object(Bucket='b', Key=prefix() + 'k')\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        analysis = analyze([str(tmp_path / "app.py")])
    assert [(c.operation, c.params["Key"]) for c in analysis.calls] == [("GetObject", "in/k")]
    assert not analysis.skipped


BOM = "\ufeff"


def test_files_a_windows_editor_began_with_a_byte_order_mark_are_read(tmp_path: Path) -> None:
    """Terraform ignores a UTF-8 byte order mark at a file's start, as JSON and YAML readers
    lpgen's users have do: a .tf file, a policy file and a samconfig.toml with one were
    refused as invalid."""
    (tmp_path / "app.py").write_text(HANDLER)
    tf = tmp_path / "tf"
    tf.mkdir()
    (tf / "app.py").write_text(HANDLER)
    (tf / "main.tf").write_text(BOM + 'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
                                '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = "arn:aws:iam::1:role/r"\n}\n')
    assert_clean(run("suggest", "--template", str(tf), "--region", "us-east-1", "--account", "1"), 0)
    policy = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}
    (tmp_path / "a.json").write_text(BOM + json.dumps(policy))
    (tmp_path / "b.json").write_text(json.dumps(policy))
    assert_clean(run("diff", str(tmp_path / "a.json"), str(tmp_path / "b.json")), 0)
    sam = tmp_path / "sam"
    sam.mkdir()
    (sam / "app.py").write_text(HANDLER)
    (sam / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nParameters:\n  Stage: {Type: String}\nResources:\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: ., Handler: app.handler, Runtime: python3.12}\n")
    (sam / "samconfig.toml").write_text(BOM + 'version = 0.1\n[default.deploy.parameters]\nparameter_overrides = "Stage=live"\n')
    assert_clean(run("suggest", "--template", str(sam / "template.yaml"), "--region", "us-east-1", "--account", "1"), 0)
    # --write keeps the mark where it was
    (sam / "samconfig.toml").unlink()
    template = sam / "template.yaml"
    template.write_text(BOM + "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                        "    Properties:\n      CodeUri: .\n      Handler: app.handler\n      Runtime: python3.12\n")
    assert_clean(run("suggest", "--template", str(template), "--write", "--region", "us-east-1", "--account", "1"), 0)
    written = template.read_text(encoding="utf-8")
    assert written.startswith(BOM + "Transform:") and "s3:GetObject" in written
