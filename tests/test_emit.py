"""The suggested policy in the template's own syntax, and --write that changes nothing but
the policy block."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SHARED

from lpgen.cli import main

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
SCOPE = ["--region", "us-east-1", "--account", "123456789012"]


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("LPGEN_UPDATE_GOLDEN"):
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed (LPGEN_UPDATE_GOLDEN=1 to accept)"


def _copy(src: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    dst = tmp_path / src.name
    shutil.copytree(src, dst)
    monkeypatch.chdir(dst)
    return dst


def _changed_block(before: str, after: str) -> list[str]:
    """The lines of ``before`` between the longest common prefix and suffix of the two texts."""
    a, b = before.splitlines(), after.splitlines()
    p = 0
    while p < min(len(a), len(b)) and a[p] == b[p]:
        p += 1
    q = 0
    while q < min(len(a), len(b)) - p and a[-1 - q] == b[-1 - q]:
        q += 1
    return a[p: len(a) - q] or b[p: len(b) - q]


def _run(*args: str) -> str:
    out = CliRunner().invoke(main, list(args))
    assert out.exit_code == 0, out.output
    return out.output


@pytest.mark.parametrize("fmt", ["sam", "cloudformation"])
def test_block_in_template_syntax(fmt: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _copy(ROOT / "examples" / "orders", tmp_path, monkeypatch)
    text = CliRunner().invoke(main, ["suggest", "--template", "template.yaml", "--format", fmt, *SCOPE]).stdout
    _golden(f"orders.{fmt}.yaml", text)
    assert "!GetAtt OrdersTable.Arn" in text and "!Ref OrderEventsTopic" in text


def test_a_roles_block_keeps_what_the_lambda_service_needs(tmp_path: Path) -> None:
    """A cloudformation block replaces a hand-made role's policies: where no managed policy
    attached to the role gives the function's logs, the block holds them (as --write does)."""
    from conftest import sam_function

    role = ("  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n"
            "      ManagedPolicyArns: MANAGED\n")
    for managed, keeps in (("[]", True), ("[arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]", False)):
        template = sam_function(tmp_path, resources=role.replace("MANAGED", managed),
                                properties="      Role: !GetAtt Role.Arn\n      FunctionName: orders\n")
        text = _run("suggest", "--template", str(template), "--format", "cloudformation", *SCOPE)
        assert ("LambdaRuntimeLogs" in text) is keeps, text
        if keeps:
            assert "log-group:/aws/lambda/orders:*" in text


def test_serverless_block_keeps_its_variables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _copy(ROOT / "tests" / "fixtures" / "sls", tmp_path, monkeypatch)
    text = CliRunner().invoke(
        main, ["suggest", "--template", "serverless.yml", "--all", "--format", "serverless", "--account", "123456789012"]).stdout
    _golden("sls.serverless.yaml", text)
    assert "arn:aws:s3:::${self:service}-${sls:stage}-uploads/thumbs/*" in text
    assert "!GetAtt Stats.Arn" in text


@pytest.mark.parametrize(("case", "template", "function"), [
    ("examples/orders", "template.yaml", "OrdersFunction"),
    ("tests/fixtures/sls", "serverless.yml", "thumbnail"),
    ("corpus:47-trail-ingest-sse-kms", "template.yaml", "IngestFunction"),
    ("corpus:07-ddb-client-accounts", "template.yaml", None),
])
def test_write_changes_only_the_policy_block_and_converges(
    case: str, template: str, function: str | None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    src = SHARED / "corpus" / case.split(":", 1)[1] if case.startswith("corpus:") else ROOT / case
    if not src.exists():
        pytest.skip("corpus not present")
    _copy(src, tmp_path, monkeypatch)
    before = Path(template).read_text()
    args = ["suggest", "--template", template, "--write", *SCOPE] + (["--function", function] if function else [])
    _run(*args)
    after = Path(template).read_text()
    touched = _changed_block(before, after)
    assert touched, "nothing was rewritten"
    # the one changed region holds policy statements only: no other property or resource
    assert not [ln for ln in touched if any(k in ln for k in ("Type:", "Handler:", "Environment", "handler:", "CodeUri", "Runtime"))]
    # the rewritten template now grants exactly what the code needs
    diff = json.loads(_run("diff", "--template", template, *(["--function", function] if function else []),
                           *SCOPE, "--format", "json", "--fail-on", "missing,excess,wildcard"))
    counts = diff["functions"][0]["diff"]["counts"]
    assert counts["missing"] == counts["excess"] == counts["narrowed"] == 0
    # and a second write is a no-op
    _run(*args)
    assert Path(template).read_text() == after


@pytest.mark.parametrize(("granted", "missing"), [(":*", 0), ("", 2)])
def test_a_log_group_is_granted_as_cloudwatch_logs_checks_it(
    granted: str, missing: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    """CloudWatch Logs checks a group's actions on its ARN with ``:*``: a role granting
    ``log-group:/app/audit:*`` has what reading the group needs, one granting the bare ARN
    does not, and the suggestion names the group as the role must."""
    monkeypatch.chdir(tmp_path)
    Path("app.py").write_text(
        "import boto3\nlogs = boto3.client('logs')\ndef handler(event, context):\n"
        "    logs.describe_log_streams(logGroupName='/app/audit')\n"
        "    logs.filter_log_events(logGroupName='/app/audit')\n")
    Path("template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: .\n      Handler: app.handler\n      Runtime: python3.12\n"
        "      Policies:\n        - Statement:\n            - Effect: Allow\n"
        "              Action: [logs:DescribeLogStreams, logs:FilterLogEvents]\n"
        f"              Resource: arn:aws:logs:us-east-1:123456789012:log-group:/app/audit{granted}\n")
    diff = json.loads(CliRunner().invoke(main, ["diff", "--template", "template.yaml", *SCOPE, "--format", "json",
                                                "--fail-on", "none"]).stdout)
    assert diff["functions"][0]["diff"]["counts"]["missing"] == missing
    policy = json.loads(CliRunner().invoke(main, ["suggest", "--template", "template.yaml", *SCOPE]).stdout)
    assert [st["Resource"] for st in policy["Statement"]] == [["arn:aws:logs:us-east-1:123456789012:log-group:/app/audit:*"]]


def test_write_refuses_json_templates_and_shared_roles(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(e, c):\n    return 1\n")
    tpl = tmp_path / "template.json"
    tpl.write_text(json.dumps({"Resources": {"Fn": {"Type": "AWS::Serverless::Function",
                                                    "Properties": {"CodeUri": "src/", "Handler": "app.handler"}}}}))
    out = CliRunner().invoke(main, ["suggest", "--template", str(tpl), "--write"])
    assert out.exit_code == 1 and "YAML" in out.output
    yaml_tpl = tmp_path / "template.yaml"
    yaml_tpl.write_text(
        "Resources:\n"
        "  Role: {Type: AWS::IAM::Role, Properties: {Policies: []}}\n"
        "  A: {Type: AWS::Serverless::Function, Properties: {CodeUri: src/, Handler: app.handler, Role: !GetAtt Role.Arn}}\n"
        "  B: {Type: AWS::Serverless::Function, Properties: {CodeUri: src/, Handler: app.handler, Role: !GetAtt Role.Arn}}\n"
    )
    before = yaml_tpl.read_text()
    out = CliRunner().invoke(main, ["suggest", "--template", str(yaml_tpl), "--function", "A", "--write"])
    assert out.exit_code == 1 and "shared" in out.output
    assert yaml_tpl.read_text() == before
    # NOTE: a serverless.yml function on a role of its resources section: the provider's
    # statements are not its policy.
    sls = tmp_path / "serverless.yml"
    sls.write_text(
        "service: s\nprovider:\n  name: aws\n  iam:\n    role:\n      statements: [{Effect: Allow, Action: 'sqs:*', Resource: '*'}]\n"
        "functions:\n  fn: {handler: src/app.handler, role: Custom}\n"
        "resources:\n  Resources:\n    Custom: {Type: AWS::IAM::Role, Properties: {Policies: []}}\n"
    )
    before = sls.read_text()
    out = CliRunner().invoke(main, ["suggest", "--template", str(sls), "--write"])
    assert out.exit_code == 1 and "runs with the role" in out.output
    assert sls.read_text() == before


def test_write_for_every_function_is_all_or_nothing(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import boto3\ndef handler(e, c):\n"
        "    return boto3.client('sqs').send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q', MessageBody='m')\n")
    tpl = tmp_path / "template.yaml"
    fn = "  {}:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: src/\n      Handler: app.handler\n{}"
    head = "Transform: AWS::Serverless-2016-10-31\nResources:\n"
    tpl.write_text(head + fn.format("A", "") + fn.format("B", ""))
    out = CliRunner().invoke(main, ["suggest", "--template", str(tpl), "--all", "--write"])
    assert out.exit_code == 0, out.output
    assert tpl.read_text().count("sqs:SendMessage") == 2
    # one function whose block cannot be rewritten (its role is shared) leaves the whole file as it was
    shared = "      Role: !GetAtt Role.Arn\n"
    tpl.write_text(head + fn.format("A", "") + fn.format("C", shared) + fn.format("D", shared)
                   + "  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      Policies: []\n")
    before = tpl.read_text()
    out = CliRunner().invoke(main, ["suggest", "--template", str(tpl), "--all", "--write"])
    assert out.exit_code == 1 and "shared" in out.output
    assert tpl.read_text() == before


def test_write_refuses_a_flow_style_mapping_it_would_break(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("import boto3\ndef handler(e, c):\n    boto3.client('s3').get_object(Bucket='b', Key='k')\n")
    tpl = tmp_path / "template.yaml"
    tpl.write_text("Resources:\n  A: {Type: AWS::Serverless::Function, Properties: {CodeUri: src/, Handler: app.handler}}\n")
    before = tpl.read_text()
    out = CliRunner().invoke(main, ["suggest", "--template", str(tpl), "--function", "A", "--write"])
    assert out.exit_code == 1
    assert f"{tpl}:2:" in out.output and "flow style" in out.output
    assert tpl.read_text() == before


ANCHORED = (
    "Transform: AWS::Serverless-2016-10-31\nResources:\n"
    "  Reader:\n    Type: AWS::Serverless::Function\n    Properties: &common\n      CodeUri: src/\n"
    "      Handler: app.handler\n      Runtime: python3.12\n      Policies:\n        - AmazonS3FullAccess\n"
    "  Writer:\n    Type: AWS::Serverless::Function\n    Properties:\n      <<: *common\n      Runtime: python3.11\n")


@pytest.mark.parametrize(("function", "where", "words"), [
    ("Reader", ":5:", "in the anchor &common"),
    ("Writer", ":14:", "Policies comes from a merge key"),
])
def test_write_refuses_a_block_an_alias_shares(tmp_path: Path, function: str, where: str, words: str) -> None:
    """Rewriting a block another function takes by an alias would rewrite that function's
    policy too; rewriting a merged key would rewrite the anchor's lines."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("import boto3\ndef handler(e, c):\n    boto3.client('s3').get_object(Bucket='b', Key='k')\n")
    tpl = tmp_path / "template.yaml"
    tpl.write_text(ANCHORED)
    out = CliRunner().invoke(main, ["suggest", "--template", str(tpl), "--function", function, "--write"])
    assert out.exit_code == 1
    assert f"{tpl}{where}" in out.output and words in out.output
    assert tpl.read_text() == ANCHORED


def test_serverless_block_has_no_placeholder_cloudformation_would_not_replace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no account or Region given, serverless.yml gets its own ${aws:accountId} and
    ${aws:region}: a ${AWS::AccountId} in a plain string reaches IAM as written. A queue whose
    name CloudFormation makes is written as its !GetAtt, not as the pattern of that name."""
    (tmp_path / "handler.py").write_text(
        "import os\nimport boto3\n"
        "def run(event, context):\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE_URL'], MessageBody='m')\n"
        "    boto3.client('sns').publish(TopicArn=f\"arn:aws:sns:{os.environ['AWS_REGION']}:{context.invoked_function_arn.split(':')[4]}:t\", Message='m')\n"
    )
    (tmp_path / "serverless.yml").write_text(
        "service: jobs\nprovider:\n  name: aws\n  runtime: python3.12\n"
        "functions:\n  run:\n    handler: handler.run\n    environment:\n      QUEUE_URL: { Ref: Work }\n"
        "resources:\n  Resources:\n    Work:\n      Type: AWS::SQS::Queue\n"
    )
    monkeypatch.chdir(tmp_path)
    text = _run("suggest", "--template", "serverless.yml", "--format", "serverless")
    assert "!GetAtt Work.Arn" in text
    assert "arn:aws:sns:${aws:region}:${aws:accountId}:t" in text
    assert "AWS::" not in text.replace('!Sub "arn:${AWS::Partition}', "")


def test_placeholders_are_written_where_the_template_replaces_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no Region or account given, an ARN lpgen builds holds ${AWS::Region} and the
    others: a SAM block puts them in !Sub (a plain string reaches IAM as written) and
    Terraform names its data sources (HCL would read ${AWS::Region} as an expression)."""
    (tmp_path / "app.py").write_text(
        "import boto3\ndef handler(event, context):\n    boto3.client('dynamodb').get_item(TableName='ext', Key={})\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      CodeUri: .\n      Handler: app.handler\n      Runtime: python3.12\n")
    (tmp_path / "main.tf").write_text(
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = "arn:aws:iam::1:role/fn"\n}\n')
    monkeypatch.chdir(tmp_path)
    sam = _run("suggest", "--template", "template.yaml", "--format", "sam")
    assert '- !Sub arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/ext' in sam
    tf = _run("suggest", "--template", "main.tf", "--all", "--format", "terraform")
    assert ('resources = ["arn:${data.aws_partition.current.partition}:dynamodb:${data.aws_region.current.name}:'
            '${data.aws_caller_identity.current.account_id}:table/ext"]') in tf


def test_a_block_never_refers_to_what_depends_on_its_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The function's role is a dependency of the function: a policy naming the function
    (!GetAtt Fn.Arn) or a resource made from it (its log group, !Sub /aws/lambda/${Fn}) would
    close a cycle CloudFormation refuses. Those are written by name; other resources by
    reference."""
    (tmp_path / "app.py").write_text(
        "import os\nimport boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('lambda').get_function_configuration(FunctionName=context.function_name)\n"
        "    boto3.client('logs').put_log_events(logGroupName=os.environ['LOGS'], logStreamName='s', logEvents=[])\n"
        "    boto3.resource('dynamodb').Table(os.environ['TABLE']).get_item(Key={})\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Orders: {Type: AWS::DynamoDB::Table, Properties: {TableName: orders}}\n"
        "  Audit:\n    Type: AWS::Logs::LogGroup\n    Properties: {LogGroupName: !Sub '/aws/lambda/${Fn}'}\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      FunctionName: orders-api\n"
        "      CodeUri: .\n      Handler: app.handler\n      Runtime: python3.12\n"
        "      Environment: {Variables: {LOGS: !Ref Audit, TABLE: !Ref Orders}}\n")
    monkeypatch.chdir(tmp_path)
    text = _run("suggest", "--template", "template.yaml", "--format", "sam", *SCOPE)
    assert "!GetAtt Orders.Arn" in text
    assert "Fn." not in text and "Audit" not in text
    assert "function:orders-api" in text and "log-group:/aws/lambda/orders-api" in text


def test_a_block_never_refers_to_what_depends_on_the_role_it_is_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A table whose resource policy names the function's role depends on the role: the
    role's policy naming the table (!GetAtt Orders.Arn) would close a cycle. It is written by
    name. A key CloudFormation makes the id of is never written as one resource."""
    (tmp_path / "app.py").write_text(
        "import os\nimport boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('dynamodb').get_item(TableName=os.environ['TABLE'], Key={})\n"
        "    boto3.client('kms').encrypt(KeyId=os.environ['KEY'], Plaintext=b'x')\n")
    (tmp_path / "template.yaml").write_text(
        "Resources:\n"
        "  FnRole:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n"
        "  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy: {}\n"
        "  Orders:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: orders\n"
        "      ResourcePolicy:\n        PolicyDocument:\n"
        "          Statement: [{Effect: Allow, Principal: {AWS: !GetAtt FnRole.Arn}, Action: 'dynamodb:GetItem', Resource: '*'}]\n"
        "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Handler: app.handler\n      Runtime: python3.12\n"
        "      Code: .\n      Role: !GetAtt FnRole.Arn\n"
        "      Environment: {Variables: {TABLE: !Ref Orders, KEY: !GetAtt Key.Arn}}\n")
    monkeypatch.chdir(tmp_path)
    text = _run("suggest", "--template", "template.yaml", "--format", "cloudformation", *SCOPE)
    assert "table/orders" in text and "kms:Encrypt" in text and "GetAtt" not in text


def test_write_keeps_what_the_lambda_service_needs_of_a_hand_made_role(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A role the template makes, with no AWS managed policy for the runtime, held the
    function's logging and network interface grants in its own policies: the rewrite keeps
    them, so the function still logs and, in its VPC, can still be updated."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("import boto3\ndef handler(event, context):\n    boto3.client('s3').get_object(Bucket='b', Key='k')\n")
    (tmp_path / "template.yaml").write_text(
        "Resources:\n"
        "  Role:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]}\n"
        "      Policies:\n        - PolicyName: all\n          PolicyDocument:\n            Statement:\n"
        "              - {Effect: Allow, Action: ['s3:*', 'logs:*', 'ec2:*'], Resource: '*'}\n"
        "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n"
        "      Runtime: python3.12\n      Handler: app.handler\n      Code: src\n      FunctionName: orders\n"
        "      Role: !GetAtt Role.Arn\n      VpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}\n"
    )
    monkeypatch.chdir(tmp_path)
    _run("suggest", "--template", "template.yaml", "--write", *SCOPE)
    text = Path("template.yaml").read_text()
    assert "LambdaRuntimeLogs" in text and "log-group:/aws/lambda/orders:*" in text and "ec2:CreateNetworkInterface" in text
    diff = json.loads(_run("diff", "--template", "template.yaml", *SCOPE, "--format", "json"))
    counts = diff["functions"][0]["diff"]["counts"]
    assert counts["missing"] == counts["excess"] == counts["narrowed"] == counts["service"] == 0
