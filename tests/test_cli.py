"""The command line, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from lpgen.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "orders"


def _suggest(*extra: str) -> str:
    result = CliRunner().invoke(
        main,
        ["suggest", str(EXAMPLE / "src" / "orders"), "--template", str(EXAMPLE / "template.yaml"),
         "--region", "us-east-1", "--account", "123456789012", *extra],
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_suggest_example_gives_scoped_policy() -> None:
    doc = json.loads(_suggest())
    pairs = {(a, r) for s in doc["Statement"] for a in s["Action"] for r in s["Resource"]}
    assert pairs == {
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/orders"),
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/orders"),
        ("sns:Publish", "arn:aws:sns:us-east-1:123456789012:order-events"),
    }


def test_output_is_byte_identical_across_runs_and_hash_seeds() -> None:
    cmd = [sys.executable, "-P", "-m", "lpgen.cli", "suggest", str(EXAMPLE / "src" / "orders"), "--template",
           str(EXAMPLE / "template.yaml"), "--region", "us-east-1", "--account", "1"]
    outs = {
        subprocess.run(cmd, capture_output=True, env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}, check=True).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(outs) == 1


def test_report_has_evidence(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    _suggest("--report", str(report))
    data = json.loads(report.read_text())
    publish = next(p for p in data["permissions"] if p["action"] == "sns:Publish")
    assert publish["evidence"][0]["line"] > 0
    assert data["reached"] == ["orders.app._announce", "orders.app.handler"]


def test_malformed_template_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "template.yaml"
    bad.write_text("Resources:\n  A: [unclosed\n")
    result = CliRunner().invoke(main, ["suggest", str(EXAMPLE / "src"), "--template", str(bad)])
    assert result.exit_code == 1
    assert str(bad) in result.output and ":" in result.output and "Traceback" not in result.output


def test_explain_list_objects_v2() -> None:
    result = CliRunner().invoke(main, ["explain", "s3.list_objects_v2", "--format", "json"])
    info = json.loads(result.stdout)
    assert info["operations"][0]["required"][0]["action"] == "s3:ListBucket"


def test_explain_says_where_a_tag_on_create_action_is_granted() -> None:
    result = CliRunner().invoke(main, ["explain", "ec2.run_instances"])
    assert "conditional  ec2:CreateTags  when TagSpecifications" in result.stdout
    assert "every resource of the types TagSpecifications.ResourceType names, with ec2:CreateAction = RunInstances" in result.stdout


def test_the_text_listing_shows_what_a_grant_is_conditioned_on(tmp_path: Path) -> None:
    app = tmp_path / "app.py"
    app.write_text(
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('cloudwatch').put_metric_data(Namespace='Acme/Orders', MetricData=[])\n"
        "    boto3.client('sqs').send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q', MessageBody='m')\n"
    )
    result = CliRunner().invoke(main, ["suggest", str(app), "--format", "text", "--region", "us-east-1", "--account", "1"])
    assert result.exit_code == 0, result.output
    listed = [ln for ln in result.stdout.splitlines() if ln and not ln.startswith((" ", "#"))]
    assert "cloudwatch:PutMetricData  *  if StringEquals cloudwatch:namespace = Acme/Orders" in listed
    assert "sqs:SendMessage  arn:aws:sqs:us-east-1:1:q" in listed


def test_catalog_dump_lines() -> None:
    result = CliRunner().invoke(main, ["catalog", "dump", "--client", "sqs"])
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    batch = next(x for x in lines if x["method"] == "send_message_batch")
    assert batch["required"] == ["sqs:SendMessage"] and {"client", "method", "operation", "conditional", "resources"} <= set(batch)


def test_copy_object_grants_the_source_read_and_only_the_destination_write(tmp_path: Path) -> None:
    from lpgen import api

    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    s3.copy_object(Bucket='dst', Key='k', CopySource='src/in/k')\n"
        "    s3.copy_object(Bucket='dst', Key='k2', CopySource={'Bucket': 'src', 'Key': 'in/k2'})\n"
    )
    got = {(p.action, p.resource) for p in api.suggest([str(src)], region="us-east-1", account="1").permissions}
    assert got == {
        ("s3:GetObject", "arn:aws:s3:::src/in/k"), ("s3:GetObject", "arn:aws:s3:::src/in/k2"),
        ("s3:PutObject", "arn:aws:s3:::dst/k"), ("s3:PutObject", "arn:aws:s3:::dst/k2"),
    }


def test_managed_copy_reads_only_the_source_and_writes_only_the_destination(tmp_path: Path) -> None:
    from lpgen import api

    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('s3').copy({'Bucket': 'src', 'Key': 'in/k'}, 'dst', 'out/k')\n"
    )
    got = {(p.action, p.resource) for p in api.suggest([str(src)], region="us-east-1", account="1").permissions}
    assert got == {
        ("s3:GetObject", "arn:aws:s3:::src/in/k"),
        ("s3:PutObject", "arn:aws:s3:::dst/out/k"),
        ("s3:AbortMultipartUpload", "arn:aws:s3:::dst/out/k"),
    }


def test_a_single_file_does_not_pull_in_its_whole_folder(tmp_path: Path) -> None:
    from lpgen import api

    (tmp_path / "app.py").write_text("import boto3\ndef handler(e, c):\n    boto3.client('sqs').send_message(QueueUrl='u', MessageBody='b')\n")
    (tmp_path / "other.py").write_text("import boto3\ndef wipe():\n    boto3.client('s3').delete_bucket(Bucket='x')\n")
    result = api.suggest([str(tmp_path / "app.py")])
    assert not [f for f in result.findings if "delete_bucket" in f.message or "DeleteBucket" in f.message]


@pytest.mark.parametrize("command", ["suggest", "diff", "review", "explain"])
def test_every_output_format_renders(command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each --format choice of each command has a renderer (no choice falls through)."""
    import shutil
    import subprocess as sp

    cmd = main.commands[command]
    formats = next(p.type.choices for p in cmd.params if p.name == "fmt")
    work = tmp_path / "orders"
    shutil.copytree(EXAMPLE, work)
    monkeypatch.chdir(work)
    if command == "review":
        for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["-c", "user.email=a@b", "-c", "user.name=a", "commit", "-qm", "x"]):
            sp.run(["git", *args], check=True, capture_output=True)
    seen = set()
    for fmt in formats:
        args = {
            "suggest": ["suggest", "--template", "template.yaml", "--format", fmt],
            "diff": ["diff", "--template", "template.yaml", "--format", fmt, "--fail-on", "none"],
            "review": ["review", "--all", "--format", fmt],
            "explain": ["explain", "s3.get_object", "--format", fmt],
        }[command]
        if command == "suggest" and fmt == "terraform":
            result = CliRunner().invoke(main, args)
            assert result.exit_code == 1 and "Terraform module" in result.output
            continue
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, (fmt, result.output)
        assert result.stdout.strip(), fmt
        seen.add(result.stdout)
    assert len(seen) == len([f for f in formats if not (command == "suggest" and f == "terraform")])


@pytest.mark.parametrize("name, text", [
    ("template.yaml",
     "Transform: AWS::Serverless-2016-10-31\n"
     "Resources:\n"
     "  Fn:\n"
     "    Type: AWS::Serverless::Function\n"
     "    Properties:\n"
     "      CodeUri: src/\n"
     "      Handler: app.handler\n"
     "      Events:\n"
     "        Jobs:\n"
     "          Type: SQS\n"
     "          Properties: {Queue: 'arn:aws:sqs:us-east-1:123456789012:jobs'}\n"),
    ("serverless.yml",
     "service: s\n"
     "provider: {name: aws}\n"
     "functions:\n"
     "  Fn:\n"
     "    handler: src/app.handler\n"
     "    events:\n"
     "      - sqs: arn:aws:sqs:us-east-1:123456789012:jobs\n"),
])
def test_template_evidence_points_at_the_event_source_line(tmp_path: Path, name: str, text: str) -> None:
    from lpgen import api
    from lpgen.iac import load_template

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(e, c):\n    return 1\n")
    (tmp_path / name).write_text(text)
    tpl = load_template(str(tmp_path / name), region="us-east-1", account="123456789012")
    result = api.suggest_for_function(tpl, "Fn")
    want = next(n for n, line in enumerate(text.splitlines(), 1) if "Jobs:" in line or "events:" in line)
    receive = [e for p in result.permissions if p.action == "sqs:ReceiveMessage" for e in p.evidence]
    assert receive and all(e.kind == "template" and e.line == want for e in receive)
    assert tpl.function("Fn").line == next(n for n, line in enumerate(text.splitlines(), 1) if line.strip() == "Fn:")


def _program(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-P", "-m", "lpgen.cli", *args], capture_output=True, text=True)


def test_the_program_exits_with_the_status_of_each_outcome(tmp_path: Path) -> None:
    usage = _program("suggest")
    assert usage.returncode == 2
    assert "give PATHS, or --template" in usage.stderr
    handler = tmp_path / "h.py"
    handler.write_text("import boto3\n\ndef handler(event, context):\n    boto3.client(event['svc']).list_things()\n")
    assert _program("suggest", str(handler)).returncode == 0
    strict = _program("suggest", str(handler), "--strict")
    assert strict.returncode == 1
    assert json.loads(strict.stdout)["Version"] == "2012-10-17"
    assert "2 unresolved" in strict.stderr
    missing = _program("suggest", str(tmp_path / "nope.py"))
    assert missing.returncode == 1
    assert missing.stderr.count("\n") == 1


def test_functions_in_other_languages_are_skipped_with_a_word(tmp_path: Path) -> None:
    (tmp_path / "py").mkdir()
    (tmp_path / "js").mkdir()
    (tmp_path / "py" / "app.py").write_text(
        "import boto3\ndef handler(event, context):\n    boto3.client('s3').get_object(Bucket='b', Key='k')\n"
    )
    (tmp_path / "js" / "index.js").write_text("exports.handler = async () => {};\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Runtime: python3.12\nResources:\n"
        "  PyFn:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: py, Handler: app.handler}\n"
        "  JsFn:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: js, Handler: index.handler, Runtime: nodejs20.x}\n"
    )
    every = CliRunner().invoke(main, ["suggest", "--template", str(tmp_path / "template.yaml"), "--all", "--format", "sam"])
    assert every.exit_code == 0, every.output
    assert "# PyFn" in every.stdout and "# JsFn" not in every.stdout
    assert "JsFn skipped: it runs nodejs20.x, not Python" in every.stderr
    one = CliRunner().invoke(main, ["suggest", "--template", str(tmp_path / "template.yaml"), "--function", "JsFn"])
    assert one.exit_code == 1
    assert "function JsFn runs nodejs20.x; lpgen reads Python handlers" in one.output


def test_the_code_given_chooses_the_templates_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder, module, bucket in (("orders", "app", "orders-b"), ("shared", "a", "a-b"), ("shared", "b", "b-b")):
        (tmp_path / folder).mkdir(exist_ok=True)
        (tmp_path / folder / f"{module}.py").write_text(
            f"import boto3\ndef handler(event, context):\n    boto3.client('s3').get_object(Bucket='{bucket}', Key='k')\n"
        )
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nGlobals:\n  Function:\n    Runtime: python3.12\nResources:\n"
        "  Orders:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: orders, Handler: app.handler}\n"
        "  A:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: shared, Handler: a.handler}\n"
        "  B:\n    Type: AWS::Serverless::Function\n    Properties: {CodeUri: shared, Handler: b.handler}\n"
    )
    monkeypatch.chdir(tmp_path)

    def resources(*paths: str) -> list[str] | str:
        run = CliRunner().invoke(main, ["suggest", *paths, "--template", "template.yaml", "--region", "us-east-1"])
        return [r for s in json.loads(run.stdout)["Statement"] for r in s["Resource"]] if run.exit_code == 0 else run.output

    assert resources("orders") == ["arn:aws:s3:::orders-b/k"]
    assert resources("orders/app.py") == ["arn:aws:s3:::orders-b/k"]
    # NOTE: two functions share the folder: the file, or the handler spec, names the one.
    assert resources("shared/b.py") == ["arn:aws:s3:::b-b/k"]
    assert resources("shared/a.handler") == ["arn:aws:s3:::a-b/k"]
    for ambiguous in ("shared", "."):
        assert "name one function with --function (A, B, Orders)" in resources(ambiguous)


def test_python_dash_m_lpgen_is_the_program() -> None:
    result = subprocess.run([sys.executable, "-P", "-m", "lpgen", "--version"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "version" in result.stdout


@pytest.mark.parametrize("fmt", ["yaml", "json", "sam", "text"])
def test_values_known_only_at_deploy_render_in_every_format(tmp_path: Path, fmt: str) -> None:
    """A template's parameter without a default, in an event source's ARN and in the
    environment, is a pattern in the suggestion, which every format writes."""
    from conftest import sam_function

    template = sam_function(tmp_path, code=(
        "import os, boto3\ndef handler(e, c):\n    boto3.resource('dynamodb').Table(os.environ['TABLE']).put_item(Item=e)\n"),
        properties=("      Environment:\n        Variables:\n          TABLE: !Sub 'orders-${Stage}'\n"
                    "      Events:\n        Q:\n          Type: SQS\n          Properties:\n"
                    "            Queue: !Sub 'arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:${QueueName}'\n"))
    template.write_text("Parameters:\n  QueueName: {Type: String}\n  Stage: {Type: String}\n" + template.read_text())
    out = CliRunner().invoke(main, ["suggest", "--template", str(template), "--region", "us-east-1", "--account", "1",
                                    "--format", fmt])
    assert out.exit_code == 0, out.output
    assert "table/orders-*" in out.stdout
    assert ("sqs:${AWS::Region}:${AWS::AccountId}:*" if fmt == "sam" else "arn:aws:sqs:us-east-1:1:*") in out.stdout
