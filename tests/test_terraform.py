"""Terraform modules: functions, environment, event sources and today's policy, and the
suggested policy as a data "aws_iam_policy_document" block."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest
from click.testing import CliRunner
from conftest import MORE_TYPES_CODE, MORE_TYPES_GRANTS, kafka_iam

from lpgen import api
from lpgen.cli import main
from lpgen.iac import load_template

FIXTURE = Path(__file__).parent / "fixtures" / "tf"
GOLDEN = Path(__file__).parent / "golden"
SCOPE = ["--region", "us-east-1", "--account", "123456789012"]


def test_module_functions_environment_and_sources() -> None:
    tpl = load_template(str(FIXTURE / "main.tf"), params={"stage": "prod"}, region="us-east-1", account="123456789012")
    fn = tpl.function("fn")
    assert fn.handler == "app.handler"
    assert Path(fn.code_root or "").name == "src"
    assert fn.function_name == "orders-prod"
    assert fn.environment == {
        "TABLE": "orders-prod-table",
        "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/123456789012/orders-prod-jobs",
        "BUCKET": "orders-prod-exports-123456789012",
    }
    assert [s.arn for s in fn.event_sources] == ["arn:aws:sqs:us-east-1:123456789012:orders-prod-inbox"]
    assert fn.role_arn == "arn:aws:iam::123456789012:role/orders-prod-fn"


def test_evidence_from_a_module_names_the_file_and_line_of_its_block() -> None:
    tpl = load_template(str(FIXTURE), region="us-east-1", account="123456789012")
    fn = tpl.function("fn")
    text = (FIXTURE / "main.tf").read_text().splitlines()
    assert (Path(fn.path), fn.line) == (FIXTURE / "main.tf", text.index('resource "aws_lambda_function" "fn" {') + 1)
    mapping_line = text.index('resource "aws_lambda_event_source_mapping" "inbox" {') + 1
    evidence = {(Path(e.path), e.line) for p in tpl.implied_permissions(fn) for e in p.evidence}
    assert evidence == {(FIXTURE / "main.tf", mapping_line)}


def test_todays_policy_from_inline_attached_and_managed() -> None:
    tpl = load_template(str(FIXTURE), region="us-east-1", account="123456789012")
    current = tpl.current_policy(tpl.function("fn"))
    actions = {a for st in current.policy.statements for a in st.actions}
    # NOTE: with what AmazonS3FullAccess allows, which lpgen knows.
    assert actions == {"dynamodb:*", "sqs:SendMessage", "s3:PutObject", "s3:GetObject", "s3:*", "s3-object-lambda:*"}
    resources = {r for st in current.policy.statements for r in st.resources}
    assert "arn:aws:s3:::orders-dev-exports-123456789012/*" in resources
    assert current.managed == ("arn:aws:iam::aws:policy/AmazonS3FullAccess",)


def test_terraform_block_is_valid_hcl_and_closes_the_diff(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    work = tmp_path / "tf"
    shutil.copytree(FIXTURE, work)
    monkeypatch.chdir(work)
    out = CliRunner().invoke(main, ["suggest", "--template", "main.tf", "--format", "terraform", *SCOPE])
    assert out.exit_code == 0, out.output
    block = out.stdout.split("\n", 1)[1]
    path = GOLDEN / "tf.terraform.tf"
    if os.environ.get("LPGEN_UPDATE_GOLDEN"):
        path.write_text(block)
    assert block == path.read_text()
    assert "aws_dynamodb_table.orders.arn" in block and "${aws_s3_bucket.exports.arn}/exports/*.json" in block
    hcl2.loads(block)
    # use it as the role's only policy: nothing the code needs missing, nothing excess, and
    # the logging the Lambda service needs kept (the block's LambdaRuntimeLogs statement)
    text = (work / "main.tf").read_text()
    start = text.index('resource "aws_iam_role_policy" "fn"')
    end = text.index('resource "aws_lambda_function" "fn"')
    text = text[:start] + block + '\nresource "aws_iam_role_policy" "fn" {\n  role   = aws_iam_role.fn.id\n' \
        '  policy = data.aws_iam_policy_document.fn_least_privilege.json\n}\n\n' + text[end:]
    text = text.replace('  managed_policy_arns = ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]\n', "")
    (work / "main.tf").write_text(text)
    diff = CliRunner().invoke(main, ["diff", "--template", "main.tf", *SCOPE, "--format", "json",
                                     "--fail-on", "missing,excess,wildcard"])
    assert diff.exit_code == 0, diff.output
    counts = json.loads(diff.stdout)["functions"][0]["diff"]["counts"]
    assert counts["missing"] == counts["excess"] == counts["narrowed"] == 0
    assert counts["service"] == 0 and "LambdaRuntimeLogs" in block


def test_broken_terraform_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('resource "aws_sqs_queue" "q" {\n  name = "x"\n')
    out = CliRunner().invoke(main, ["suggest", "--template", str(tmp_path / "main.tf")])
    assert out.exit_code == 1
    lines = [ln for ln in out.output.strip().splitlines() if ln]
    assert len(lines) == 1 and "main.tf" in lines[0] and "invalid Terraform" in lines[0]


S3_NOTIFIED = '''
resource "aws_s3_bucket" "photos" {
  bucket = "photos-prod"
}
resource "aws_lambda_function" "thumb" {
  function_name = "thumb"
  filename      = "src.zip"
  handler       = "app.handler"
  runtime       = "python3.12"
  role          = "arn:aws:iam::1:role/thumb"
}
resource "aws_lambda_permission" "invoke" {
  function_name = aws_lambda_function.thumb.function_name
  principal     = "PRINCIPAL"
}
resource "aws_s3_bucket_notification" "photos" {
  bucket = aws_s3_bucket.photos.id
  lambda_function {
    lambda_function_arn = aws_lambda_function.thumb.arn
    events              = ["s3:ObjectCreated:*"]
    filter_prefix       = "incoming/"
    filter_suffix       = ".jpg"
  }
}
'''


def test_an_s3_notification_is_the_event_when_only_s3_may_invoke(tmp_path: Path) -> None:
    from lpgen.iac.model import S3Trigger

    (tmp_path / "main.tf").write_text(S3_NOTIFIED.replace("PRINCIPAL", "s3.amazonaws.com"))
    tpl = load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1")
    assert tpl.function("thumb").s3_triggers == (S3Trigger("photos-prod", "incoming/", ".jpg"),)
    (tmp_path / "main.tf").write_text(S3_NOTIFIED.replace("PRINCIPAL", "apigateway.amazonaws.com"))
    tpl = load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1")
    assert tpl.function("thumb").s3_triggers == ()


def test_a_name_prefix_scopes_the_name_the_provider_completes(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_s3_bucket" "uploads" {\n  bucket_prefix = "uploads-"\n}\n'
        'resource "aws_sqs_queue" "jobs" {\n  name_prefix = "jobs-"\n}\n'
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n'
        '  environment {\n    variables = {\n      BUCKET = aws_s3_bucket.uploads.id\n'
        '      QUEUE = aws_sqs_queue.jobs.url\n    }\n  }\n}\n'
    )
    tpl = load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1")
    assert tpl.function("fn").environment == {"BUCKET": "uploads-*", "QUEUE": "https://sqs.us-east-1.amazonaws.com/1/jobs-*"}


def test_a_local_modules_output_is_evaluated_with_the_inputs_it_is_given(tmp_path: Path) -> None:
    (tmp_path / "modules" / "bus").mkdir(parents=True)
    (tmp_path / "modules" / "bus" / "main.tf").write_text(
        'variable "name" {\n  default = "orders"\n}\n'
        'resource "aws_cloudwatch_event_bus" "this" {\n  name = "${var.name}-bus"\n}\n'
        'output "bus_name" {\n  value = aws_cloudwatch_event_bus.this.name\n}\n'
    )
    (tmp_path / "main.tf").write_text(
        'module "events" {\n  source = "./modules/bus"\n  name   = "shop"\n}\n'
        'module "defaults" {\n  source = "./modules/bus"\n}\n'
        'module "remote" {\n  source = "terraform-aws-modules/eventbridge/aws"\n}\n'
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n'
        '  environment {\n    variables = {\n      BUS = module.events.bus_name\n'
        '      OTHER = module.defaults.bus_name\n      REMOTE = module.remote.eventbus_name\n    }\n  }\n}\n'
    )
    tpl = load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1")
    assert tpl.function("fn").environment == {"BUS": "shop-bus", "OTHER": "orders-bus", "REMOTE": "*"}


def test_a_function_in_a_local_module_is_found_with_what_the_module_is_given(tmp_path: Path) -> None:
    (tmp_path / "modules" / "fn").mkdir(parents=True)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    boto3.resource('dynamodb').Table(os.environ['TABLE']).put_item(Item={})\n"
    )
    (tmp_path / "modules" / "fn" / "main.tf").write_text(
        'variable "name" {}\nvariable "handler" {}\nvariable "source_dir" {}\nvariable "env" {\n  default = {}\n}\n'
        'data "archive_file" "zip" {\n  type = "zip"\n  source_dir = var.source_dir\n'
        '  output_path = "${path.module}/build/${var.name}.zip"\n}\n'
        'resource "aws_lambda_function" "this" {\n  function_name = var.name\n  handler = var.handler\n'
        '  runtime = "python3.12"\n  filename = data.archive_file.zip.output_path\n'
        '  environment {\n    variables = var.env\n  }\n}\n'
    )
    (tmp_path / "main.tf").write_text(
        'resource "aws_dynamodb_table" "orders" {\n  name = "orders"\n}\n'
        'module "api" {\n  source = "./modules/fn"\n  name = "orders-api"\n  handler = "app.handler"\n'
        '  source_dir = "${path.module}/src"\n  env = {\n    TABLE = aws_dynamodb_table.orders.name\n  }\n}\n'
    )
    tpl = load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1")
    fn = tpl.function("module.api.this")
    assert (fn.function_name, fn.handler, fn.environment) == ("orders-api", "app.handler", {"TABLE": "orders"})
    assert Path(fn.code_root or "") == tmp_path / "src"
    result = CliRunner().invoke(main, ["suggest", "--template", str(tmp_path / "main.tf"), "--format", "terraform", *SCOPE])
    assert result.exit_code == 0, result.output
    assert 'data "aws_iam_policy_document" "module_api_this_least_privilege"' in result.stdout
    hcl2.loads(result.stdout)


REGISTRY_MODULE = '''
resource "aws_s3_bucket" "data" { bucket = "reg-data" }
resource "aws_sqs_queue" "jobs" { name = "reg-jobs" }
module "api" {
  source  = "terraform-aws-modules/lambda/aws"
  version = "~> 7.0"

  function_name = "reg-api"
  handler       = "app.handler"
  runtime       = "python3.12"
  source_path   = [{ path = "${path.module}/src", pip_requirements = true }]

  environment_variables = {
    BUCKET = aws_s3_bucket.data.id
  }
  event_source_mapping = {
    sqs = { event_source_arn = aws_sqs_queue.jobs.arn }
  }
  attach_tracing_policy    = true
  attach_policy_statements = true
  policy_statements = {
    s3_all = {
      effect    = "Allow",
      actions   = ["s3:*"],
      resources = ["*"]
    }
  }
}
module "off" {
  source        = "git::https://github.com/terraform-aws-modules/terraform-aws-lambda.git?ref=v7.2.1"
  create        = false
  handler       = "app.handler"
  source_path   = "${path.module}/src"
}
'''


def _registry_project(tmp_path: Path) -> Path:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('s3').put_object(Bucket=os.environ['BUCKET'], Key='out/x', Body=b'')\n"
    )
    (tmp_path / "main.tf").write_text(REGISTRY_MODULE)
    return tmp_path / "main.tf"


def test_a_function_of_the_community_lambda_module_is_read_from_its_inputs(tmp_path: Path) -> None:
    tpl = load_template(str(_registry_project(tmp_path)), region="us-east-1", account="123456789012")
    assert sorted(tpl.functions) == ["module.api"]  # create = false makes none
    fn = tpl.function("module.api")
    assert (fn.handler, fn.code_root, fn.runtime, fn.function_name) == (
        "app.handler", str(tmp_path / "src"), "python3.12", "reg-api")
    assert fn.environment == {"BUCKET": "reg-data"}
    assert [(s.kind, s.arn) for s in fn.event_sources] == [("sqs", "arn:aws:sqs:us-east-1:123456789012:reg-jobs")]
    assert fn.line == REGISTRY_MODULE.splitlines().index('module "api" {') + 1

    current = tpl.current_policy(fn)
    assert [(st.actions, st.resources) for st in current.policy.statements] == [(("s3:*",), ("*",))]
    assert current.managed == ("arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess",
                               "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole")


def test_the_community_lambda_module_in_suggest_and_review(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tf = _registry_project(tmp_path)
    r = CliRunner().invoke(main, ["suggest", "--template", str(tf), *SCOPE])
    assert r.exit_code == 0, r.output
    statements = json.loads(r.stdout)["Statement"]
    granted = {(a, res) for st in statements for a in st["Action"] for res in st["Resource"]}
    assert ("s3:PutObject", "arn:aws:s3:::reg-data/out/x") in granted
    assert ("sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:123456789012:reg-jobs") in granted

    r = CliRunner().invoke(main, ["suggest", "--template", str(tf), *SCOPE, "--format", "terraform"])
    assert "policy_json        = data.aws_iam_policy_document.module_api_least_privilege.json" in r.stdout
    hcl2.loads(r.stdout)

    monkeypatch.chdir(tmp_path)
    env = {**os.environ, "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-qm", "lambda"]):
        subprocess.run(["git", *args], check=True, capture_output=True, env=env)
    r = CliRunner().invoke(main, ["review", "--all", "--template", "main.tf", *SCOPE, "--format", "text"])
    assert r.exit_code == 0, r.output
    # today's s3:* on * is narrowed to the one object; the X-Ray and logs policies are kept
    assert "module.api" in r.stdout
    assert "~ s3:*  *\n      -> s3:PutObject  arn:aws:s3:::reg-data/out/x" in r.stdout
    assert "excess (allowed today, not needed): 0" in r.stdout


def _granted(template: Path) -> set[tuple[str, str]]:
    """The (action, resource) pairs ``lpgen suggest --template`` gives the module's function."""
    r = CliRunner().invoke(main, ["suggest", "--template", str(template), *SCOPE])
    assert r.exit_code == 0, r.output
    return {(a, res) for st in json.loads(r.stdout)["Statement"] for a in st["Action"] for res in st["Resource"]}


def test_async_results_go_to_the_dead_letter_queue_and_destinations(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''
resource "aws_sqs_queue" "dlq" { name = "fn-dlq" }
resource "aws_sns_topic" "ok" { name = "fn-ok" }
resource "aws_lambda_function" "fn" {
  function_name = "fn"
  handler       = "app.handler"
  runtime       = "python3.12"
  dead_letter_config { target_arn = aws_sqs_queue.dlq.arn }
}
resource "aws_lambda_function_event_invoke_config" "c" {
  function_name = aws_lambda_function.fn.function_name
  destination_config {
    on_failure { destination = aws_sqs_queue.dlq.arn }
    on_success { destination = aws_sns_topic.ok.arn }
  }
}
''')
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return event\n")
    granted = _granted(tmp_path / "main.tf")
    assert granted == {("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:fn-dlq"),
                       ("sns:Publish", "arn:aws:sns:us-east-1:123456789012:fn-ok")}


def test_discarded_batches_go_to_the_event_source_mappings_on_failure_destination(tmp_path: Path) -> None:
    """Lambda sends the records of a stream batch it gives up on with the function's role:
    an SQS queue takes sqs:SendMessage, an S3 bucket s3:PutObject and s3:ListBucket."""
    (tmp_path / "main.tf").write_text('''
resource "aws_sqs_queue" "failed" { name = "fn-failed" }
resource "aws_kinesis_stream" "s" { name = "clicks" }
resource "aws_lambda_function" "fn" {
  function_name = "fn"
  handler       = "app.handler"
  runtime       = "python3.12"
}
resource "aws_lambda_event_source_mapping" "m" {
  function_name     = aws_lambda_function.fn.arn
  event_source_arn  = aws_kinesis_stream.s.arn
  starting_position = "LATEST"
  destination_config {
    on_failure { destination_arn = aws_sqs_queue.failed.arn }
  }
}
resource "aws_lambda_event_source_mapping" "archive" {
  function_name     = aws_lambda_function.fn.arn
  event_source_arn  = aws_kinesis_stream.s.arn
  starting_position = "LATEST"
  destination_config {
    on_failure { destination_arn = "arn:aws:s3:::failed-batches" }
  }
}
''')
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return event\n")
    granted = _granted(tmp_path / "main.tf")
    assert {("sqs:SendMessage", "arn:aws:sqs:us-east-1:123456789012:fn-failed"),
            ("s3:PutObject", "arn:aws:s3:::failed-batches/*"), ("s3:ListBucket", "arn:aws:s3:::failed-batches")} <= granted


def test_for_each_and_count_make_a_function_per_instance(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    boto3.resource('dynamodb').Table(os.environ['TABLE']).put_item(Item={})\n"
        "    boto3.client('s3').put_object(Bucket=os.environ['BUCKET'], Key='k', Body=b'')\n"
    )
    (tmp_path / "main.tf").write_text('''
locals { fns = { orders = { table = "orders-table" }, users = { table = "users-table" } } }
data "archive_file" "zip" {
  type        = "zip"
  source_dir  = "${path.module}/src"
  output_path = "${path.module}/build.zip"
}
resource "aws_lambda_function" "fn" {
  for_each      = local.fns
  function_name = "${each.key}-${terraform.workspace}"
  filename      = data.archive_file.zip.output_path
  handler       = "app.handler"
  runtime       = "python3.12"
  environment {
    variables = { TABLE = each.value.table, BUCKET = "data-${terraform.workspace}" }
  }
}
resource "aws_lambda_function" "shard" {
  count         = 2
  function_name = "shard-${count.index}"
  filename      = data.archive_file.zip.output_path
  handler       = "app.handler"
  runtime       = "python3.12"
  environment {
    variables = { TABLE = "shard-${count.index}", BUCKET = "b" }
  }
}
''')
    tpl = load_template(str(tmp_path / "main.tf"), params={"terraform.workspace": "prod"},
                        region="us-east-1", account="123456789012")
    assert sorted(tpl.functions) == ['fn["orders"]', 'fn["users"]', "shard[0]", "shard[1]"]
    users = tpl.function('fn["users"]')
    assert (users.function_name, users.environment) == ("users-prod", {"TABLE": "users-table", "BUCKET": "data-prod"})
    assert tpl.function("shard[1]").environment["TABLE"] == "shard-1"


def test_variables_without_defaults_and_data_sources_are_reported_by_variable(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text('''
variable "table" {}
data "aws_ssm_parameter" "bucket" { name = "/app/bucket" }
resource "aws_lambda_function" "fn" {
  function_name = "fn"
  handler       = "app.handler"
  runtime       = "python3.12"
  environment {
    variables = { TABLE = var.table, BUCKET = data.aws_ssm_parameter.bucket.value, MODE = "fast" }
  }
}
''')
    tpl = load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1")
    found = sorted(f.message for f in tpl.implied_findings(tpl.function("fn")) if f.code == "LP209")
    assert found == [
        "environment variable BUCKET takes data.aws_ssm_parameter.bucket.value (read when Terraform runs), "
        "not known here (pass --env BUCKET=…)",
        "environment variable TABLE takes var.table (no default; --param table=… gives it), not known here "
        "(pass --env TABLE=…)",
    ]



VARIABLE_FN = '''
variable "stage" { default = "dev" }
variable "prefix" {}
resource "aws_lambda_function" "fn" {
  function_name = "fn-${var.stage}"
  handler       = "app.handler"
  runtime       = "python3.12"
  environment {
    variables = { PREFIX = var.prefix }
  }
}
'''


def test_variable_files_give_values_in_terraforms_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """TF_VAR_ environment variables, then terraform.tfvars, terraform.tfvars.json and
    *.auto.tfvars(.json) by name, a later one winning; --param over all; a variable file of
    a called module is not read."""
    (tmp_path / "main.tf").write_text(VARIABLE_FN)

    def loaded(**params: str) -> tuple[str | None, dict[str, str]]:
        fn = load_template(str(tmp_path), params=params, region="us-east-1", account="1").function("fn")
        return fn.function_name, fn.environment

    monkeypatch.setenv("TF_VAR_prefix", "from-env")
    assert loaded() == ("fn-dev", {"PREFIX": "from-env"})
    (tmp_path / "terraform.tfvars").write_text('stage = "qa"\nprefix = "in"\n')
    assert loaded() == ("fn-qa", {"PREFIX": "in"})
    monkeypatch.delenv("TF_VAR_prefix")
    typed = tmp_path / "typed"
    typed.mkdir()
    (typed / "main.tf").write_text(VARIABLE_FN.replace('variable "prefix" {}', 'variable "prefix" {\n  type = list(string)\n}')
                                   .replace("PREFIX = var.prefix", "PREFIX = var.prefix[1]"))
    monkeypatch.setenv("TF_VAR_prefix", '["a", "b"]')
    assert load_template(str(typed), region="us-east-1", account="1").function("fn").environment == {"PREFIX": "b"}
    (tmp_path / "terraform.tfvars.json").write_text('{"stage": "json"}')
    (tmp_path / "b.auto.tfvars").write_text('prefix = "b"\n')
    assert loaded() == ("fn-json", {"PREFIX": "b"})
    (tmp_path / "a.auto.tfvars.json").write_text('{"stage": "a", "prefix": "a"}')
    assert loaded() == ("fn-a", {"PREFIX": "b"})
    assert loaded(stage="prod") == ("fn-prod", {"PREFIX": "b"})
    tpl = load_template(str(tmp_path), region="us-east-1", account="1")
    assert [f for f in tpl.implied_findings(tpl.function("fn")) if f.code == "LP209"] == []

    child = tmp_path / "root" / "modules" / "fn"
    child.mkdir(parents=True)
    (child / "main.tf").write_text(VARIABLE_FN)
    (child / "terraform.tfvars").write_text('prefix = "ignored"\n')
    (tmp_path / "root" / "main.tf").write_text('module "fn" {\n  source = "./modules/fn"\n  stage = "m"\n}\n')
    fn = load_template(str(tmp_path / "root"), region="us-east-1", account="1").function("module.fn.fn")
    assert (fn.function_name, fn.environment) == ("fn-m", {"PREFIX": "*"})


@pytest.mark.parametrize(("name", "text", "where"), [
    ("terraform.tfvars", 'prefix = "in"\nstage = \n', "terraform.tfvars:"),
    ("terraform.tfvars.json", '{"prefix": "in",\n "stage": }', "terraform.tfvars.json:2:"),
    ("x.auto.tfvars.json", '["in"]', "x.auto.tfvars.json: "),
])
def test_a_broken_variable_file_is_one_line_naming_it(tmp_path: Path, name: str, text: str, where: str) -> None:
    (tmp_path / "main.tf").write_text(VARIABLE_FN)
    (tmp_path / name).write_text(text)
    out = CliRunner().invoke(main, ["suggest", "--template", str(tmp_path)])
    assert out.exit_code == 1
    lines = [ln for ln in out.output.strip().splitlines() if ln]
    assert len(lines) == 1 and where in lines[0], lines


def _suggest_tf(tmp_path: Path, resources: str, name: str = "fn", body: str = "") -> Any:
    """The suggestion for a Python function ``name`` running app.handler, in a main.tf with
    ``resources`` before it (``body``: more of the function's block)."""
    from lpgen import api

    (tmp_path / "main.tf").write_text(
        resources + f'resource "aws_lambda_function" "{name}" {{\n  function_name = "{name}"\n  handler = "app.handler"\n'
        f'  runtime = "python3.12"\n  filename = "fn.zip"\n  role = "arn:aws:iam::1:role/fn"\n{body}}}\n')
    return api.suggest_for_function(load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1"), name)


def test_resources_encrypted_with_a_customer_key_need_it(tmp_path: Path) -> None:
    """A queue whose kms_master_key_id is a customer key, and a bucket whose separate
    encryption configuration names one, need the key for the calls on them, through their
    service only."""
    (tmp_path / "app.py").write_text(
        "import os\nimport boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE'], MessageBody='m')\n"
        "    boto3.client('s3').get_object(Bucket=os.environ['BUCKET'], Key='k')\n")
    result = _suggest_tf(tmp_path, (
        'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n  kms_master_key_id = "arn:aws:kms:us-east-1:1:key/q"\n}\n'
        'resource "aws_s3_bucket" "data" {\n  bucket = "data-bucket"\n}\n'
        'resource "aws_s3_bucket_server_side_encryption_configuration" "data" {\n  bucket = aws_s3_bucket.data.id\n'
        '  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm = "aws:kms"\n'
        '      kms_master_key_id = "arn:aws:kms:us-east-1:1:key/b"\n    }\n  }\n}\n'
    ), body='  environment {\n    variables = {\n      QUEUE = aws_sqs_queue.jobs.url\n      BUCKET = aws_s3_bucket.data.bucket\n    }\n  }\n')
    kms = {(p.action, p.resource, p.condition) for p in result.permissions if p.action.startswith("kms:")}
    assert kms == {
        ("kms:GenerateDataKey", "arn:aws:kms:us-east-1:1:key/q", (("StringEquals", "kms:ViaService", "sqs.us-east-1.amazonaws.com"),)),
        ("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/q", (("StringEquals", "kms:ViaService", "sqs.us-east-1.amazonaws.com"),)),
        ("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/b", (("StringEquals", "kms:ViaService", "s3.us-east-1.amazonaws.com"),)),
    }


def test_a_key_the_module_makes_encrypts_what_names_it_by_id(tmp_path: Path) -> None:
    """``kms_master_key_id = aws_kms_key.k.id`` names a customer key whose id is known once
    applied: the queue still needs a key of the account, through SQS only."""
    (tmp_path / "app.py").write_text(
        "import os\nimport boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE'], MessageBody='m')\n")
    result = _suggest_tf(tmp_path, (
        'resource "aws_kms_key" "k" {}\n'
        'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n  kms_master_key_id = aws_kms_key.k.id\n}\n'
    ), body='  environment {\n    variables = {\n      QUEUE = aws_sqs_queue.jobs.url\n    }\n  }\n')
    via = (("StringEquals", "kms:ViaService", "sqs.us-east-1.amazonaws.com"),)
    assert {(p.action, p.resource, p.condition) for p in result.permissions if p.action.startswith("kms:")} == {
        ("kms:GenerateDataKey", "arn:aws:kms:us-east-1:1:key/*", via), ("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/*", via)}


def test_a_task_definitions_roles_are_passed_by_the_runs_of_it(tmp_path: Path) -> None:
    """RunTask of a task definition the module defines passes its task and execution roles:
    PassRole on those, not on any role of the account."""
    (tmp_path / "app.py").write_text(
        "import boto3\ndef handler(event, context):\n"
        "    boto3.client('ecs').run_task(cluster='c', taskDefinition='report')\n")
    result = _suggest_tf(tmp_path, (
        'resource "aws_ecs_task_definition" "report" {\n  family = "report"\n'
        '  task_role_arn = "arn:aws:iam::1:role/report-task"\n  execution_role_arn = "arn:aws:iam::1:role/report-exec"\n'
        '  container_definitions = "[]"\n}\n'
    ))
    assert sorted(p.resource for p in result.permissions if p.action == "iam:PassRole") == [
        "arn:aws:iam::1:role/report-exec", "arn:aws:iam::1:role/report-task"]


def test_a_queries_data_and_results_locations_come_from_the_module(tmp_path: Path) -> None:
    """An Athena query of a Glue table the module defines reads its S3 location; one in a
    workgroup the module defines writes its results to the workgroup's output location."""
    (tmp_path / "app.py").write_text(
        "import boto3\ndef handler(event, context):\n"
        "    boto3.client('athena').start_query_execution(QueryString='SELECT * FROM clicks',\n"
        "        QueryExecutionContext={'Database': 'lake'}, WorkGroup='reports')\n")
    result = _suggest_tf(tmp_path, (
        'resource "aws_glue_catalog_table" "clicks" {\n  name = "clicks"\n  database_name = "lake"\n'
        '  storage_descriptor {\n    location = "s3://lake-data/clicks/"\n  }\n}\n'
        'resource "aws_athena_workgroup" "reports" {\n  name = "reports"\n'
        '  configuration {\n    result_configuration {\n      output_location = "s3://athena-out/reports"\n    }\n  }\n}\n'
    ))
    got = {(p.action, p.resource) for p in result.permissions}
    assert {("s3:GetObject", "arn:aws:s3:::lake-data/clicks/*"), ("s3:PutObject", "arn:aws:s3:::athena-out/reports/*")} <= got
    assert not [f for f in result.findings if f.code == "LP106"]


def test_a_query_of_a_table_the_module_does_not_place_still_says_its_data_is_read(tmp_path: Path) -> None:
    """Athena reads each table's data with the role's rights: LP106 says so at a query with a
    table the module does not define (its location unknown), whatever the workgroup gives,
    and not at one whose every table it places, nor at one that reads no table."""
    (tmp_path / "app.py").write_text(
        "import boto3\nathena = boto3.client('athena')\ndef handler(event, context):\n"
        "    athena.start_query_execution(QueryString='SELECT * FROM clicks', QueryExecutionContext={'Database': 'lake'}, WorkGroup='reports')\n"
        "    athena.start_query_execution(QueryString='SELECT * FROM clicks JOIN users ON clicks.u = users.id',\n"
        "        QueryExecutionContext={'Database': 'lake'}, WorkGroup='reports')\n"
        "    athena.start_query_execution(QueryString='SELECT 1', WorkGroup='reports')\n")
    tables = ('resource "aws_glue_catalog_table" "clicks" {\n  name = "clicks"\n  database_name = "lake"\n'
              '  storage_descriptor {\n    location = "s3://lake-data/clicks/"\n  }\n}\n')
    workgroup = ('resource "aws_athena_workgroup" "reports" {\n  name = "reports"\n'
                 '  configuration {\n    result_configuration {\n      output_location = "s3://athena-out/reports"\n    }\n  }\n}\n')
    data = "Athena reads the data of the tables the query names"
    result = _suggest_tf(tmp_path, tables + workgroup)
    assert [(f.line, f.message.startswith(data)) for f in result.findings if f.code == "LP106"] == [(5, True)]
    bare = api.suggest([str(tmp_path / "app.py")], region="us-east-1", account="1")
    assert sorted((f.line, f.message.startswith(data)) for f in bare.findings if f.code == "LP106") == [
        (4, False), (4, True), (5, False), (5, True), (7, False)]


def test_a_rotation_function_acts_on_the_secret_it_rotates(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import boto3\ndef handler(event, context):\n"
        "    boto3.client('secretsmanager').get_secret_value(SecretId=event['SecretId'])\n")
    result = _suggest_tf(tmp_path, (
        'resource "aws_secretsmanager_secret" "db" {\n  name = "prod/db"\n}\n'
        'resource "aws_secretsmanager_secret_rotation" "db" {\n  secret_id = aws_secretsmanager_secret.db.id\n'
        '  rotation_lambda_arn = aws_lambda_function.rotator.arn\n}\n'
    ), name="rotator")
    assert [(p.action, p.resource) for p in result.permissions] == [
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:prod/db-??????")]


def test_a_rule_targets_constant_input_is_the_event(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import boto3\ndef handler(event, context):\n"
        "    boto3.client('s3').put_object(Bucket=event['bucket'], Key='r.csv', Body=b'')\n")
    result = _suggest_tf(tmp_path, (
        'resource "aws_cloudwatch_event_rule" "nightly" {\n  schedule_expression = "rate(1 day)"\n}\n'
        'resource "aws_cloudwatch_event_target" "nightly" {\n  rule = aws_cloudwatch_event_rule.nightly.name\n'
        '  arn = aws_lambda_function.job.arn\n  input = jsonencode({ bucket = "reports" })\n}\n'
        'resource "aws_lambda_permission" "events" {\n  function_name = aws_lambda_function.job.function_name\n'
        '  principal = "events.amazonaws.com"\n  action = "lambda:InvokeFunction"\n}\n'
    ), name="job")
    assert [(p.action, p.resource) for p in result.permissions] == [("s3:PutObject", "arn:aws:s3:::reports/r.csv")]


def test_an_msk_event_source_mapping_is_polled_with_the_role(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n  runtime = "python3.12"\n}\n'
        'resource "aws_lambda_event_source_mapping" "m" {\n  function_name = aws_lambda_function.fn.arn\n'
        '  event_source_arn = "arn:aws:kafka:us-east-1:123456789012:cluster/orders/abc"\n  topics = ["orders"]\n'
        '  starting_position = "LATEST"\n}\n'
    )
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return event\n")
    granted = _granted(tmp_path / "main.tf")
    assert ("kafka:DescribeClusterV2", "arn:aws:kafka:us-east-1:123456789012:cluster/orders/abc") in granted
    assert ("ec2:CreateNetworkInterface", "*") in granted


def _role_and_function(actions: str, resource: str, role_lines: str = "", function_lines: str = "") -> str:
    """HCL for function ``fn`` with role ``fn`` whose one inline policy allows ``actions`` (HCL)
    on ``resource``, and more lines in the role's and the function's blocks."""
    return ('resource "aws_iam_role" "fn" {\n  name               = "fn"\n  assume_role_policy = "{}"\n' + role_lines + '}\n'
            'resource "aws_iam_role_policy" "fn" {\n  role   = aws_iam_role.fn.id\n'
            '  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = ' + actions
            + ', Resource = "' + resource + '"}]})\n}\n'
            'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  role          = aws_iam_role.fn.arn\n'
            '  handler       = "app.handler"\n  runtime       = "python3.12"\n' + function_lines + '}\n')


def test_a_roles_permissions_boundary_in_the_module_limits_todays_policy(tmp_path: Path) -> None:
    from lpgen.review import review_function

    (tmp_path / "app.py").write_text("import boto3\ndef handler(event, context):\n    boto3.client('s3').get_object(Bucket='b', Key='k')\n")
    (tmp_path / "main.tf").write_text('''
resource "aws_iam_policy" "boundary" {
  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "logs:*", Resource = "*"}]})
}
''' + _role_and_function('"s3:GetObject"', "arn:aws:s3:::b/*", "  permissions_boundary = aws_iam_policy.boundary.arn\n"))
    review = review_function(str(tmp_path / "main.tf"), "fn", region="us-east-1", account="123456789012")
    assert [(c.action, c.note) for c in review.diff.of("missing")] == [("s3:GetObject", "outside the role's permissions boundary")]


@pytest.mark.parametrize(("principal", "refused"), [
    ('"arn:aws:iam::123456789012:user/admin"', True),
    ('"arn:aws:iam::${data.aws_caller_identity.current.account_id}:root"', False),
    ("aws_iam_role.fn.arn", False),
])
def test_a_module_keys_policy_that_does_not_let_the_role_in_refuses_its_kms_calls(
    tmp_path: Path, principal: str, refused: bool,
) -> None:
    from lpgen.review import review_function

    (tmp_path / "app.py").write_text(
        "import os, boto3\ndef handler(event, context):\n    boto3.client('sqs').send_message(QueueUrl=os.environ['Q'], MessageBody='m')\n")
    (tmp_path / "main.tf").write_text(f'''
data "aws_caller_identity" "current" {{}}
data "aws_iam_policy_document" "key" {{
  statement {{
    actions   = ["kms:*"]
    resources = ["*"]
    principals {{
      type        = "AWS"
      identifiers = [{principal}]
    }}
  }}
}}
resource "aws_kms_key" "k" {{ policy = data.aws_iam_policy_document.key.json }}
resource "aws_sqs_queue" "jobs" {{
  name              = "jobs"
  kms_master_key_id = aws_kms_key.k.arn
}}
''' + _role_and_function('["sqs:SendMessage", "kms:*"]', "*",
                           function_lines="  environment {\n    variables = { Q = aws_sqs_queue.jobs.url }\n  }\n"))
    review = review_function(str(tmp_path / "main.tf"), "fn", region="us-east-1", account="123456789012")
    notes = {c.note for c in review.diff.of("missing")}
    assert notes == ({"the key policy of aws_kms_key.k does not let the role use the key"} if refused else set())


def test_an_upload_a_module_bucket_policy_refuses_for_its_encryption_is_missing(tmp_path: Path) -> None:
    from lpgen.review import review_function

    (tmp_path / "app.py").write_text(
        "import boto3\ndef handler(event, context):\n    boto3.client('s3').put_object(Bucket='data-bucket', Key='k', Body=b'')\n")
    (tmp_path / "main.tf").write_text('''
resource "aws_s3_bucket" "data" { bucket = "data-bucket" }
data "aws_iam_policy_document" "data" {
  statement {
    effect    = "Deny"
    actions   = ["s3:PutObject"]
    resources = ["${aws_s3_bucket.data.arn}/*"]
    principals {
      type        = "*"
      identifiers = ["*"]
    }
    condition {
      test     = "Null"
      variable = "s3:x-amz-server-side-encryption"
      values   = ["true"]
    }
  }
}
resource "aws_s3_bucket_policy" "data" {
  bucket = aws_s3_bucket.data.id
  policy = data.aws_iam_policy_document.data.json
}
''' + _role_and_function('"s3:PutObject"', "*"))
    review = review_function(str(tmp_path / "main.tf"), "fn", region="us-east-1", account="123456789012")
    (missing,) = review.diff.of("missing")
    assert missing.note.startswith("the bucket policy aws_s3_bucket_policy.data denies uploads to data-bucket without ServerSideEncryption")


def _env(**variables: str) -> str:
    """A function block's environment with these variables (HCL expressions)."""
    lines = "".join(f"      {k} = {v}\n" for k, v in variables.items())
    return f"  environment {{\n    variables = {{\n{lines}    }}\n  }}\n"


def _grants(tmp_path: Path, code: str, resources: str, **env: str) -> set[tuple[str, str]]:
    """(action, resource) pairs ``_suggest_tf`` suggests for app.py's ``handler`` body ``code``."""
    (tmp_path / "app.py").write_text("import os, boto3\ndef handler(event, context):\n" + code)
    return {(p.action, p.resource) for p in _suggest_tf(tmp_path, resources, body=_env(**env)).permissions}


def _todays(tmp_path: Path, resources: str) -> Any:
    """Today's policy of function ``fn``, whose role is ``aws_iam_role.r``, with ``resources``."""
    (tmp_path / "main.tf").write_text(
        resources + 'resource "aws_iam_role" "r" {\n  name = "fn"\n  assume_role_policy = "{}"\n}\n'
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = aws_iam_role.r.arn\n}\n'
    )
    tpl = load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1")
    return tpl.current_policy(tpl.function("fn"))


def _pairs(policy: Any) -> set[tuple[str, str]]:
    return {(a, r) for st in policy.statements for a in st.actions for r in st.resources}


def test_ids_and_arns_of_resources_name_them_as_the_provider_does(tmp_path: Path) -> None:
    """A parameter named without a leading "/" has the ARN parameter/NAME; a stream's id is
    its ARN, a function's and a parameter's their names: each names its resource, not all."""
    got = _grants(tmp_path, (
        "    boto3.client('ssm').get_parameter(Name=os.environ['P_ARN'])\n"
        "    boto3.client('ssm').get_parameter(Name=os.environ['P_ID'])\n"
        "    boto3.client('kinesis').put_record(StreamARN=os.environ['S_ID'], Data=b'x', PartitionKey='k')\n"
        "    boto3.client('lambda').invoke(FunctionName=os.environ['F_ID'])\n"
    ), (
        'resource "aws_ssm_parameter" "p" {\n  name = "app-config"\n  type = "String"\n  value = "x"\n}\n'
        'resource "aws_ssm_parameter" "q" {\n  name = "/app/flags"\n  type = "String"\n  value = "x"\n}\n'
        'resource "aws_kinesis_stream" "s" {\n  name = "events"\n}\n'
        'resource "aws_lambda_function" "w" {\n  function_name = "worker"\n  handler = "w.handler"\n'
        '  runtime = "python3.12"\n  filename = "w.zip"\n  role = "arn:aws:iam::1:role/w"\n}\n'
    ), P_ARN="aws_ssm_parameter.p.arn", P_ID="aws_ssm_parameter.q.id", S_ID="aws_kinesis_stream.s.id",
        F_ID="aws_lambda_function.w.id")
    assert got == {
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/app-config"),
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/app/flags"),
        ("kinesis:PutRecord", "arn:aws:kinesis:us-east-1:1:stream/events"),
        ("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:1:function:worker"),
    }


def test_arns_of_log_groups_clusters_workgroups_jobs_and_aliases(tmp_path: Path) -> None:
    got = _grants(tmp_path, (
        "    boto3.client('logs').put_retention_policy(logGroupName=os.environ['GROUP'].split(':')[-1], retentionInDays=7)\n"
        "    boto3.client('ecs').list_tasks(cluster=os.environ['CLUSTER'])\n"
        "    boto3.client('athena').get_work_group(WorkGroup=os.environ['WG'].split('/')[-1])\n"
        "    boto3.client('glue').get_job(JobName=os.environ['JOB'])\n"
        "    boto3.client('kms').encrypt(KeyId=os.environ['ALIAS'], Plaintext=b'x')\n"
    ), (
        'resource "aws_cloudwatch_log_group" "g" {\n  name = "/app/audit"\n}\n'
        'resource "aws_ecs_cluster" "c" {\n  name = "jobs"\n}\n'
        'resource "aws_athena_workgroup" "w" {\n  name = "reports"\n}\n'
        'resource "aws_glue_job" "j" {\n  name = "nightly"\n  role_arn = "r"\n  command {\n    script_location = "s3://b/s.py"\n  }\n}\n'
        'resource "aws_kms_alias" "a" {\n  name = "alias/app"\n  target_key_id = "k"\n}\n'
    ), GROUP="aws_cloudwatch_log_group.g.arn", CLUSTER="aws_ecs_cluster.c.id", WG="aws_athena_workgroup.w.arn",
        JOB="aws_glue_job.j.id", ALIAS="aws_kms_alias.a.arn")
    # NOTE: a key named by its alias is any key of the account (the alias's key is not known).
    assert got == {
        ("logs:PutRetentionPolicy", "arn:aws:logs:us-east-1:1:log-group:/app/audit:*"),
        ("ecs:ListTasks", "arn:aws:ecs:us-east-1:1:container-instance/jobs/*"),
        ("athena:GetWorkGroup", "arn:aws:athena:us-east-1:1:workgroup/reports"),
        ("glue:GetJob", "arn:aws:glue:us-east-1:1:job/nightly"),
        ("kms:Encrypt", "arn:aws:kms:us-east-1:1:key/*"),
    }


def test_outputs_of_community_modules_name_what_their_inputs_make(tmp_path: Path) -> None:
    """terraform-aws-modules/{dynamodb-table,s3-bucket,sqs,sns,...}/aws are not on disk: their
    outputs are read from the inputs that name what they make (data/tf_modules.yaml), a
    prefix or a FIFO flag included; an output not known stays *."""
    from lpgen import api

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    boto3.resource('dynamodb').Table(os.environ['TABLE']).put_item(Item={})\n"
        "    boto3.client('s3').put_object(Bucket=os.environ['BUCKET'], Key='k', Body=b'')\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE'], MessageBody='x')\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['JOBS'], MessageBody='x', MessageGroupId='g')\n"
        "    boto3.client('sns').publish(TopicArn=os.environ['TOPIC'], Message='x')\n"
        "    boto3.client('secretsmanager').get_secret_value(SecretId=os.environ['SECRET'])\n"
        "    boto3.client('lambda').invoke(FunctionName=os.environ['WORKER'])\n"
        "    boto3.client('s3').get_object(Bucket=os.environ['DOMAIN'], Key='k')\n"
    )
    (tmp_path / "main.tf").write_text(
        'module "table" {\n  source = "terraform-aws-modules/dynamodb-table/aws"\n  version = "~> 4.0"\n  name = "orders"\n  hash_key = "pk"\n}\n'
        'module "bucket" {\n  source = "git::https://github.com/terraform-aws-modules/terraform-aws-s3-bucket.git?ref=v4.1.0"\n  bucket_prefix = "archive-"\n}\n'
        'module "queue" {\n  source = "terraform-aws-modules/sqs/aws"\n  name = "events"\n  use_name_prefix = true\n}\n'
        'module "jobs" {\n  source = "terraform-aws-modules/sqs/aws"\n  name = "jobs"\n  fifo_queue = true\n}\n'
        'module "topic" {\n  source = "registry.terraform.io/terraform-aws-modules/sns/aws"\n  name = "alerts"\n}\n'
        'module "secret" {\n  source = "terraform-aws-modules/secrets-manager/aws"\n  name = "db"\n}\n'
        'module "worker" {\n  source = "terraform-aws-modules/lambda/aws"\n  function_name = "worker"\n'
        '  handler = "w.handler"\n  runtime = "python3.12"\n  create_package = false\n  local_existing_package = "w.zip"\n}\n'
        'module "fn" {\n  source = "terraform-aws-modules/lambda/aws"\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  source_path = "src"\n'
        '  environment_variables = {\n    TABLE = module.table.dynamodb_table_id\n    BUCKET = module.bucket.s3_bucket_id\n'
        '    QUEUE = module.queue.queue_url\n    JOBS = module.jobs.queue_id\n    TOPIC = module.topic.topic_arn\n'
        '    SECRET = module.secret.secret_arn\n    WORKER = module.worker.lambda_function_arn\n'
        '    DOMAIN = module.bucket.s3_bucket_bucket_domain_name\n  }\n}\n'
    )
    tpl = load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1")
    got = {(p.action, p.resource) for p in api.suggest_for_function(tpl, "module.fn").permissions}
    assert got == {
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders"),
        ("s3:PutObject", "arn:aws:s3:::archive-*/k"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:events*"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs.fifo"),
        ("sns:Publish", "arn:aws:sns:us-east-1:1:alerts"),
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:db-??????"),
        ("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:1:function:worker"),
        # NOTE: an output the table does not know (a domain name) names no bucket.
        ("s3:GetObject", "arn:aws:s3:::*/k"),
    }


def test_a_secure_string_with_a_customer_key_needs_it_to_decrypt(tmp_path: Path) -> None:
    """Parameter Store decrypts a SecureString with the caller's kms:Decrypt on its key_id;
    one on the default key (no key_id) needs nothing of the role."""
    got = _grants(tmp_path, (
        "    boto3.client('ssm').get_parameter(Name=os.environ['TOKEN'], WithDecryption=True)\n"
        "    boto3.client('ssm').get_parameter(Name=os.environ['PLAIN'], WithDecryption=True)\n"
    ), (
        'resource "aws_ssm_parameter" "token" {\n  name = "/app/token"\n  type = "SecureString"\n  value = "x"\n'
        '  key_id = "arn:aws:kms:us-east-1:1:key/1234abcd-12ab-34cd-56ef-1234567890ab"\n}\n'
        'resource "aws_ssm_parameter" "plain" {\n  name = "/app/plain"\n  type = "SecureString"\n  value = "x"\n}\n'
    ), TOKEN="aws_ssm_parameter.token.name", PLAIN="aws_ssm_parameter.plain.name")
    assert got == {
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/app/token"),
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/app/plain"),
        ("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    }


def test_a_topic_on_a_key_named_by_alias(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import os, boto3\ndef handler(event, context):\n    boto3.client('sns').publish(TopicArn=os.environ['TOPIC'], Message='x')\n")
    result = _suggest_tf(tmp_path, (
        'resource "aws_kms_alias" "a" {\n  name = "alias/events"\n  target_key_id = "k"\n}\n'
        'resource "aws_sns_topic" "t" {\n  name = "events"\n  kms_master_key_id = aws_kms_alias.a.name\n}\n'
    ), body=_env(TOPIC="aws_sns_topic.t.arn"))
    kms = {(p.action, p.resource, p.condition) for p in result.permissions if p.action.startswith("kms:")}
    condition = (("ForAnyValue:StringEquals", "kms:ResourceAliases", "alias/events"),
                 ("StringEquals", "kms:ViaService", "sns.us-east-1.amazonaws.com"))
    assert kms == {("kms:GenerateDataKey", "arn:aws:kms:us-east-1:1:key/*", condition),
                   ("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/*", condition)}


def test_policies_read_from_files_and_templates(tmp_path: Path) -> None:
    """A role policy given as file("…json") or templatefile("…tpl", {…}) is today's policy:
    its grants are not missing."""
    (tmp_path / "queue.json.tpl").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["sqs:SendMessage"],\n'
        '  "Resource": "${queue_arn}"}, {"Effect": "Allow", "Action": "sqs:GetQueueUrl", "Resource": ${jsonencode(all)}},\n'
        '  {"Effect": "Allow", "Action": "sqs:ListQueues", "Resource": "$${aws:username}"}]}\n'
    )
    (tmp_path / "topic.json").write_text(
        '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sns:Publish", "Resource": "*"}]}\n'
    )
    current = _todays(tmp_path, (
        'resource "aws_sqs_queue" "q" {\n  name = "jobs"\n}\n'
        'resource "aws_iam_role_policy" "queue" {\n  role = aws_iam_role.r.id\n'
        '  policy = templatefile("${path.module}/queue.json.tpl", { queue_arn = aws_sqs_queue.q.arn, all = ["a", "b"] })\n}\n'
        'resource "aws_iam_role_policy" "topic" {\n  role = aws_iam_role.r.id\n  policy = file("topic.json")\n}\n'
    ))
    assert _pairs(current.policy) == {
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs"),
        ("sqs:GetQueueUrl", "a"), ("sqs:GetQueueUrl", "b"),
        ("sqs:ListQueues", "${aws:username}"),
        ("sns:Publish", "*"),
    }


def test_functions_that_pick_and_trim_names(tmp_path: Path) -> None:
    """lookup, element, try, coalesce, trimsuffix, replace, split, length and substr give
    the names they pick; a coalesce whose first value is not known here is not known, one
    whose first is a variable whose default is null takes the next."""
    tf = tmp_path / "main.tf"
    tf.write_text(
        'variable "tables" {\n  default = { orders = "orders-prod", users = "users-prod" }\n}\n'
        'variable "queues" {\n  default = ["jobs", "retries"]\n}\n'
        'variable "unset" {}\nvariable "optional" {\n  default = null\n}\n'
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = "arn:aws:iam::1:role/fn"\n'
        '  environment {\n    variables = {\n'
        '      A = lookup(var.tables, "orders")\n      B = lookup(var.tables, "audit", "audit-prod")\n'
        '      C = element(var.queues, 1)\n      D = try("first", "second")\n'
        '      E = coalesce("", "fallback")\n      F = coalesce(var.unset, "fallback")\n'
        '      G = trimsuffix("data.fifo", ".fifo")\n      H = replace("a_b", "_", "-")\n'
        '      I = element(split("/", "arn:aws:s3:::b/k"), 1)\n'
        '      J = coalesce(var.optional, "fallback")\n      K = length(var.queues)\n'
        '      L = substr("orders-prod", 0, 6)\n      M = substr("orders-prod", -4, -1)\n'
        '    }\n  }\n}\n'
    )
    env = load_template(str(tf), region="us-east-1", account="1").function("fn").environment
    assert {k: env[k] for k in "ABCDEFGHIJKLM"} == {
        "A": "orders-prod", "B": "audit-prod", "C": "retries", "D": "first", "E": "fallback", "F": "*",
        "G": "data", "H": "a-b", "I": "k", "J": "fallback", "K": "2", "L": "orders", "M": "prod",
    }


def test_policy_documents_built_on_other_documents(tmp_path: Path) -> None:
    """An aws_iam_policy_document's source_policy_documents come first, its own statements
    replace theirs of the same sid, and override_policy_documents replace both."""
    current = _todays(tmp_path, (
        'data "aws_iam_policy_document" "base" {\n'
        '  statement {\n    sid = "Read"\n    actions = ["s3:GetObject"]\n    resources = ["arn:aws:s3:::old/*"]\n  }\n'
        '  statement {\n    actions = ["sqs:SendMessage"]\n    resources = ["arn:aws:sqs:us-east-1:1:jobs"]\n  }\n}\n'
        'data "aws_iam_policy_document" "fix" {\n'
        '  statement {\n    sid = "Topic"\n    actions = ["sns:Publish"]\n    resources = ["arn:aws:sns:us-east-1:1:final"]\n  }\n}\n'
        'data "aws_iam_policy_document" "fn" {\n'
        '  source_policy_documents = [data.aws_iam_policy_document.base.json]\n'
        '  override_policy_documents = [data.aws_iam_policy_document.fix.json]\n'
        '  statement {\n    sid = "Read"\n    actions = ["s3:GetObject"]\n    resources = ["arn:aws:s3:::new/*"]\n  }\n'
        '  statement {\n    sid = "Topic"\n    actions = ["sns:Publish"]\n    resources = ["arn:aws:sns:us-east-1:1:first"]\n  }\n}\n'
        'resource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.r.id\n  policy = data.aws_iam_policy_document.fn.json\n}\n'
    ))
    assert _pairs(current.policy) == {
        ("s3:GetObject", "arn:aws:s3:::new/*"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs"),
        ("sns:Publish", "arn:aws:sns:us-east-1:1:final"),
    }


def test_the_modules_own_policies_attached_in_every_way_are_read(tmp_path: Path) -> None:
    """An aws_iam_policy of the module attached through the role's managed_policy_arns or an
    aws_iam_policy_attachment is read for its statements; an AWS managed one stays an ARN."""
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_policy" "queue" {\n  name = "queue"\n'
        '  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "sqs:SendMessage", Resource = "arn:aws:sqs:us-east-1:1:jobs"}]})\n}\n'
        'resource "aws_iam_policy" "topic" {\n  name = "topic"\n'
        '  policy = jsonencode({Version = "2012-10-17", Statement = [{Effect = "Allow", Action = "sns:Publish", Resource = "arn:aws:sns:us-east-1:1:t"}]})\n}\n'
        'resource "aws_iam_role" "r" {\n  name = "fn"\n  assume_role_policy = "{}"\n'
        '  managed_policy_arns = [aws_iam_policy.queue.arn, "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"]\n}\n'
        'resource "aws_iam_policy_attachment" "topic" {\n  name = "topic"\n  roles = [aws_iam_role.r.name]\n'
        '  policy_arn = aws_iam_policy.topic.arn\n}\n'
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = aws_iam_role.r.arn\n}\n'
    )
    tpl = load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1")
    current = tpl.current_policy(tpl.function("fn"))
    assert _pairs(current.policy) == {
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs"), ("sns:Publish", "arn:aws:sns:us-east-1:1:t"),
    }
    assert current.managed == ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",)


def test_dynamic_statements_of_a_policy_document(tmp_path: Path) -> None:
    """A dynamic "statement" block makes one statement per element of its for_each, with
    its iterator (statement, or the one it names) bound to each."""
    current = _todays(tmp_path, (
        'variable "grants" {\n  default = {\n'
        '    queue = { actions = ["sqs:SendMessage"], resources = ["arn:aws:sqs:us-east-1:1:jobs"] }\n'
        '    topic = { actions = ["sns:Publish"], resources = ["arn:aws:sns:us-east-1:1:t"] }\n  }\n}\n'
        'variable "buckets" {\n  default = ["in", "out"]\n}\n'
        'data "aws_iam_policy_document" "fn" {\n'
        '  dynamic "statement" {\n    for_each = var.grants\n    content {\n      sid = statement.key\n'
        '      actions = statement.value.actions\n      resources = statement.value.resources\n    }\n  }\n'
        '  dynamic "statement" {\n    for_each = var.buckets\n    iterator = b\n    content {\n'
        '      actions = ["s3:GetObject"]\n      resources = ["arn:aws:s3:::${b.value}/*"]\n'
        '      condition {\n        test = "StringEquals"\n        variable = "s3:ExistingObjectTag/owner"\n        values = [b.value]\n      }\n'
        '    }\n  }\n}\n'
        'resource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.r.id\n  policy = data.aws_iam_policy_document.fn.json\n}\n'
    ))
    statements = current.policy.statements
    assert {(st.sid, a, r) for st in statements for a in st.actions for r in st.resources} == {
        ("queue", "sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs"), ("topic", "sns:Publish", "arn:aws:sns:us-east-1:1:t"),
        ("", "s3:GetObject", "arn:aws:s3:::in/*"), ("", "s3:GetObject", "arn:aws:s3:::out/*"),
    }
    assert sorted(st.condition for st in statements if st.condition) == [
        (("StringEquals", "s3:ExistingObjectTag/owner", ("in",)),),
        (("StringEquals", "s3:ExistingObjectTag/owner", ("out",)),),
    ]


def test_a_dynamic_statement_whose_for_each_is_not_known_is_read_once(tmp_path: Path) -> None:
    """Its content is today's policy with the iterator not known (compared as allowing),
    rather than no statement at all (which would call what it grants missing)."""
    current = _todays(tmp_path, (
        'variable "queues" {}\n'
        'data "aws_iam_policy_document" "fn" {\n'
        '  dynamic "statement" {\n    for_each = var.queues\n    content {\n'
        '      actions = ["sqs:SendMessage"]\n      resources = ["arn:aws:sqs:us-east-1:1:${statement.value}"]\n    }\n  }\n}\n'
        'resource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.r.id\n  policy = data.aws_iam_policy_document.fn.json\n}\n'
    ))
    assert _pairs(current.policy) == {("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:*")}


def test_a_mapping_on_a_stream_consumer(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    result = _suggest_tf(tmp_path, (
        'resource "aws_kinesis_stream" "s" {\n  name = "events"\n}\n'
        'resource "aws_kinesis_stream_consumer" "c" {\n  name = "fn"\n  stream_arn = aws_kinesis_stream.s.arn\n}\n'
        'resource "aws_lambda_event_source_mapping" "m" {\n  function_name = aws_lambda_function.fn.arn\n'
        '  event_source_arn = aws_kinesis_stream_consumer.c.arn\n  starting_position = "LATEST"\n}\n'
    ))
    stream = "arn:aws:kinesis:us-east-1:1:stream/events"
    assert {(p.action, p.resource) for p in result.permissions} == {
        ("kinesis:SubscribeToShard", f"{stream}/consumer/fn:*"),
        *((a, stream) for a in ("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
                                "kinesis:DescribeStreamSummary", "kinesis:ListShards")),
    }


def test_a_mapping_on_a_serverless_msk_cluster_reads_it_with_iam(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    result = _suggest_tf(tmp_path, (
        'resource "aws_msk_serverless_cluster" "c" {\n  cluster_name = "events"\n}\n'
        'resource "aws_lambda_event_source_mapping" "m" {\n  function_name = aws_lambda_function.fn.arn\n'
        '  event_source_arn = aws_msk_serverless_cluster.c.arn\n  topics = ["clicks"]\n  starting_position = "LATEST"\n'
        '  amazon_managed_kafka_event_source_config {\n    consumer_group_id = "fn"\n  }\n}\n'
    ))
    cluster = "arn:aws:kafka:us-east-1:1:cluster/events/*"
    assert {(p.action, p.resource) for p in result.permissions if p.action.startswith("kafka")} == {
        *kafka_iam("events", "clicks", "fn"),
        ("kafka:DescribeCluster", cluster), ("kafka:DescribeClusterV2", cluster), ("kafka:GetBootstrapBrokers", cluster),
    }


def test_domains_alarms_pools_and_identities_of_the_module(tmp_path: Path) -> None:
    got = _grants(tmp_path, (
        "    import requests\n"
        "    from requests_aws4auth import AWS4Auth\n"
        "    requests.get(f\"https://{os.environ['ES']}/orders/_doc/1\", auth=AWS4Auth('k', 's', 'us-east-1', 'es'))\n"
        "    boto3.client('cloudwatch').set_alarm_state(AlarmName=os.environ['ALARM'], StateValue='OK', StateReason='r')\n"
        "    boto3.client('cognito-idp').admin_get_user(UserPoolId=os.environ['POOL'], Username='u')\n"
    ), (
        'resource "aws_opensearch_domain" "d" {\n  domain_name = "orders"\n}\n'
        'resource "aws_cloudwatch_metric_alarm" "a" {\n  alarm_name = "errors"\n}\n'
        'resource "aws_cognito_user_pool" "p" {\n  name = "users"\n}\n'
    ), ES="aws_opensearch_domain.d.endpoint", ALARM="aws_cloudwatch_metric_alarm.a.alarm_name",
        POOL="aws_cognito_user_pool.p.id")
    assert got == {
        ("es:ESHttpGet", "arn:aws:es:us-east-1:1:domain/orders/orders/_doc/1"),
        ("cloudwatch:SetAlarmState", "arn:aws:cloudwatch:us-east-1:1:alarm:errors"),
        ("cognito-idp:AdminGetUser", "arn:aws:cognito-idp:us-east-1:1:userpool/us-east-1_*"),
    }


def test_instances_of_for_each_and_count_resources_and_indexed_values(tmp_path: Path) -> None:
    """``aws_dynamodb_table.t["orders"].name`` is that instance's name, ``aws_sqs_queue.q[1]``
    the second queue's; a variable's map or list and a local object are read by key, index
    and attribute. Each names its own resource, not every table or queue."""
    resources = (
        'variable "names" {\n  default = { audit = "audit-log" }\n}\n'
        'variable "buckets" {\n  default = ["in-bucket", "out-bucket"]\n}\n'
        'locals {\n  prefix = "shop"\n  cfg = { topic = { name = "events" } }\n'
        '  tables = { orders = { hash = "pk" }, users = { hash = "id" } }\n}\n'
        'resource "aws_dynamodb_table" "t" {\n  for_each = local.tables\n  name = "${local.prefix}-${each.key}"\n'
        '  hash_key = each.value.hash\n}\n'
        'resource "aws_sqs_queue" "q" {\n  count = 2\n  name = "jobs-${count.index}"\n}\n'
        'resource "aws_sns_topic" "t" {\n  name = local.cfg.topic.name\n}\n'
    )
    got = _grants(tmp_path, (
        "    boto3.client('dynamodb').get_item(TableName=os.environ['ORDERS'], Key={})\n"
        "    boto3.client('dynamodb').query(TableName=os.environ['USERS_ARN'])\n"
        "    boto3.client('dynamodb').put_item(TableName=os.environ['AUDIT'], Item={})\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE_URL'], MessageBody='m')\n"
        "    boto3.client('s3').get_object(Bucket=os.environ['BUCKET'], Key='k')\n"
        "    boto3.client('sns').publish(TopicArn=os.environ['TOPIC'], Message='m')\n"
    ), resources, ORDERS='aws_dynamodb_table.t["orders"].name', USERS_ARN='aws_dynamodb_table.t["users"].arn',
        AUDIT='var.names["audit"]', QUEUE_URL="aws_sqs_queue.q[1].url", BUCKET="var.buckets[1]",
        TOPIC="aws_sns_topic.t.arn")
    assert got == {
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/shop-orders"),
        ("dynamodb:Query", "arn:aws:dynamodb:us-east-1:1:table/shop-users"),
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/audit-log"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs-1"),
        ("s3:GetObject", "arn:aws:s3:::out-bucket/k"),
        ("sns:Publish", "arn:aws:sns:us-east-1:1:events"),
    }


def test_every_instance_by_values_splat_or_for_and_an_unknown_key_none(tmp_path: Path) -> None:
    """``values(aws_sqs_queue.q)[*].arn`` and ``[for q in aws_sqs_queue.q : q.arn]`` in a
    policy are every instance's ARN, ``aws_sns_topic.t[*].arn`` every topic's of a ``count``;
    an instance picked by a key not known here (``[var.which]``, no default), or of a
    ``count`` not known, has a name that is not known either."""
    current = _todays(tmp_path, (
        'variable "which" {}\n'
        'variable "n" {}\n'
        'resource "aws_sqs_queue" "q" {\n  for_each = toset(["a", "b"])\n  name = "jobs-${each.key}"\n}\n'
        'resource "aws_sns_topic" "t" {\n  count = 2\n  name = "topic-${count.index}"\n}\n'
        'resource "aws_sns_topic" "more" {\n  count = var.n\n  name = "more-${count.index}"\n}\n'
        'resource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.r.id\n'
        '  policy = jsonencode({Statement = [\n'
        '    {Effect = "Allow", Action = "sqs:SendMessage", Resource = values(aws_sqs_queue.q)[*].arn},\n'
        '    {Effect = "Allow", Action = "sqs:ReceiveMessage", Resource = [for k, q in aws_sqs_queue.q : q.arn if k != "b"]},\n'
        '    {Effect = "Allow", Action = "sqs:DeleteMessage", Resource = aws_sqs_queue.q[var.which].arn},\n'
        '    {Effect = "Allow", Action = "sns:Publish", Resource = aws_sns_topic.t[*].arn},\n'
        '    {Effect = "Allow", Action = "sns:Subscribe", Resource = aws_sns_topic.more[0].arn},\n'
        '  ]})\n}\n'
    ))
    assert _pairs(current.policy) == {
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs-a"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs-b"),
        ("sqs:ReceiveMessage", "arn:aws:sqs:us-east-1:1:jobs-a"),
        ("sqs:DeleteMessage", "arn:aws:sqs:us-east-1:1:jobs-*"),
        ("sns:Publish", "arn:aws:sns:us-east-1:1:topic-0"),
        ("sns:Publish", "arn:aws:sns:us-east-1:1:topic-1"),
        ("sns:Subscribe", "arn:aws:sns:us-east-1:1:more-*"),
    }


def test_for_expressions_build_lists_and_maps(tmp_path: Path) -> None:
    """A ``for`` expression over a variable's list or map, with a test, builds the list or
    map the function's environment reads."""
    resources = (
        'variable "tables" {\n  default = { a = "alpha", b = "beta", c = "" }\n}\n'
        'locals {\n  names = {for k, v in var.tables : upper(k) => "t-${v}" if v != ""}\n'
        '  queues = [for q in ["in", "out"] : "q-${q}"]\n}\n'
    )
    got = _grants(tmp_path, (
        "    boto3.client('dynamodb').get_item(TableName=os.environ['B'], Key={})\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['Q'], MessageBody='m')\n"
    ), resources, B='local.names["B"]', Q='"https://sqs.us-east-1.amazonaws.com/1/${local.queues[1]}"')
    assert got == {
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/t-beta"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q-out"),
    }


def test_functions_over_lists_and_maps_pick_the_resource(tmp_path: Path) -> None:
    """``one(aws_sqs_queue.q[*].url)`` of a queue made once (``count = var.create ? 1 : 0``),
    ``values``/``keys`` of a map, ``flatten`` and ``compact`` of lists: each names its one
    resource."""
    resources = (
        'variable "create" {\n  default = true\n}\n'
        'variable "tables" {\n  default = { b = "beta", a = "alpha" }\n}\n'
        'variable "extra" {\n  default = [["", "gamma"], ["delta"]]\n}\n'
        'resource "aws_sqs_queue" "q" {\n  count = var.create ? 1 : 0\n  name = "jobs"\n}\n'
    )
    got = _grants(tmp_path, (
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE_URL'], MessageBody='m')\n"
        "    boto3.client('dynamodb').get_item(TableName=os.environ['FIRST'], Key={})\n"
        "    boto3.client('dynamodb').put_item(TableName=os.environ['LAST_KEY'], Item={})\n"
        "    boto3.client('dynamodb').delete_item(TableName=os.environ['EXTRA'], Key={})\n"
    ), resources, QUEUE_URL="one(aws_sqs_queue.q[*].url)", FIRST="values(var.tables)[0]",
        LAST_KEY="keys(var.tables)[1]", EXTRA="compact(flatten(var.extra))[1]")
    assert got == {
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs"),
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/alpha"),
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/b"),
        ("dynamodb:DeleteItem", "arn:aws:dynamodb:us-east-1:1:table/delta"),
    }


def test_an_expression_of_characters_hcl_has_no_token_for_is_not_known(tmp_path: Path) -> None:
    from lpgen.iac.terraform import Evaluator
    from lpgen.permissions.arns import Scope

    ev = Evaluator({}, {}, Scope("aws", "us-east-1", "1"), str(tmp_path))
    assert ev.value('${jsonencode({Action = "sqs:*"}) `}') == "*"
    assert ev.value('${var.x @ 2}') == "*"
    assert ev.value('${"a" == "a" && !false ? "yes" : "no"}') == "yes"
    assert ev.value('${"false" ? "yes" : "no"}') == "no"
    assert ev.value('${var.unset ? "same" : "same"}') == "same"


def test_instances_of_modules_with_for_each_are_functions_with_their_own_inputs(tmp_path: Path) -> None:
    """A local module called with ``for_each`` makes a function per instance
    (``module.fn["orders"].this``), each with the inputs its key gives; the community Lambda
    module likewise, with its role's policy as that instance's inputs say; and
    ``module.queues["jobs"].url`` is that instance's output."""
    from lpgen import api

    (tmp_path / "modules" / "fn").mkdir(parents=True)
    (tmp_path / "modules" / "queue").mkdir(parents=True)
    (tmp_path / "src").mkdir()
    code = ("import os, boto3\ndef handler(event, context):\n"
            "    boto3.client('dynamodb').get_item(TableName=os.environ['TABLE'], Key={})\n"
            "    boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE'], MessageBody='m')\n")
    (tmp_path / "src" / "app.py").write_text(code)
    (tmp_path / "modules" / "fn" / "app.py").write_text(code)
    (tmp_path / "modules" / "queue" / "main.tf").write_text(
        'variable "name" {}\nresource "aws_sqs_queue" "q" {\n  name = "q-${var.name}"\n}\n'
        'output "url" {\n  value = aws_sqs_queue.q.url\n}\n'
    )
    (tmp_path / "modules" / "fn" / "main.tf").write_text(
        'variable "name" {}\nvariable "table" {}\nvariable "queue" {}\n'
        'resource "aws_iam_role" "r" {\n  name = "${var.name}-role"\n  assume_role_policy = "{}"\n}\n'
        'resource "aws_lambda_function" "this" {\n  function_name = var.name\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = aws_iam_role.r.arn\n'
        '  environment {\n    variables = { TABLE = var.table, QUEUE = var.queue }\n  }\n}\n'
        'resource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.r.id\n'
        '  policy = jsonencode({Statement = [{Effect = "Allow", Action = "dynamodb:GetItem",\n'
        '    Resource = "arn:aws:dynamodb:us-east-1:1:table/${var.table}"}]})\n}\n'
    )
    (tmp_path / "main.tf").write_text(
        'locals {\n  fns = { orders = "orders-tbl", users = "users-tbl" }\n}\n'
        'module "queues" {\n  for_each = toset(["jobs", "mail"])\n  source = "./modules/queue"\n  name = each.key\n}\n'
        'module "fn" {\n  for_each = local.fns\n  source = "./modules/fn"\n  name = each.key\n  table = each.value\n'
        '  queue = module.queues[each.key == "users" ? "mail" : "jobs"].url\n}\n'
        'module "lam" {\n  for_each = local.fns\n  source = "terraform-aws-modules/lambda/aws"\n  function_name = "lam-${each.key}"\n'
        '  handler = "app.handler"\n  runtime = "python3.12"\n  source_path = "src"\n'
        '  environment_variables = { TABLE = each.value, QUEUE = module.queues["jobs"].url }\n'
        '  attach_policy_statements = true\n'
        '  policy_statements = { read = { effect = "Allow", actions = ["dynamodb:GetItem"],\n'
        '    resources = ["arn:aws:dynamodb:us-east-1:1:table/${each.value}"] } }\n}\n'
    )
    tpl = load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1")
    assert sorted(tpl.functions) == ['module.fn["orders"].this', 'module.fn["users"].this',
                                     'module.lam["orders"]', 'module.lam["users"]']

    def grants(name: str) -> set[tuple[str, str]]:
        return {(p.action, p.resource) for p in api.suggest_for_function(tpl, name).permissions}

    assert grants('module.fn["users"].this') == {
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/users-tbl"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q-mail"),
    }
    assert grants('module.lam["orders"]') == {
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/orders-tbl"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q-jobs"),
    }
    today = tpl.current_policy(tpl.function('module.lam["users"]'))
    assert ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/users-tbl") in _pairs(today.policy)
    # a function of a local module has the role its module gives it, read with that call's inputs
    today = tpl.current_policy(tpl.function('module.fn["orders"].this'))
    assert (_pairs(today.policy), today.unknown) == ({("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/orders-tbl")}, "")


def test_review_finds_terraform_root_modules_and_the_changes_to_their_modules(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With no --template, the review reads each Terraform root module of the repository
    (a folder of .tf files no other folder calls as a module), and a change to a .tf file of
    a module it calls, even one beside it, is a change of its functions; so is a change to
    a variable file of the root module's folder."""
    repo = tmp_path / "repo"
    (repo / "infra").mkdir(parents=True)
    (repo / "modules" / "fn").mkdir(parents=True)
    (repo / "src").mkdir()
    (repo / "src" / "app.py").write_text(
        "import os, boto3\ndef handler(event, context):\n"
        "    boto3.client('dynamodb').get_item(TableName=os.environ['TABLE'], Key={})\n")
    (repo / "modules" / "fn" / "main.tf").write_text(
        'variable "table" {}\n'
        'resource "aws_iam_role" "r" {\n  name = "fn"\n  assume_role_policy = "{}"\n}\n'
        'resource "aws_lambda_function" "this" {\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = aws_iam_role.r.arn\n'
        '  environment {\n    variables = { TABLE = var.table }\n  }\n}\n')
    (repo / "infra" / "main.tf").write_text(
        'module "api" {\n  source = "../modules/fn"\n  table = "orders"\n}\n')
    (repo / "modules" / "fn" / "app.py").write_text((repo / "src" / "app.py").read_text())
    monkeypatch.chdir(repo)
    env = {**os.environ, "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "dev", "GIT_COMMITTER_EMAIL": "dev@example.com"}

    def git(*args: str) -> None:
        subprocess.run(["git", *args], check=True, capture_output=True, env=env)

    git("init", "-q", "-b", "main")
    git("add", "-A")
    git("commit", "-qm", "api")
    git("checkout", "-q", "-b", "feature")
    body = (repo / "modules" / "fn" / "main.tf").read_text()
    (repo / "modules" / "fn" / "main.tf").write_text(body.replace('runtime = "python3.12"', 'runtime = "python3.13"'))
    git("commit", "-qam", "newer runtime")
    r = CliRunner().invoke(main, ["review", "--base", "main", *SCOPE, "--format", "text"])
    assert r.exit_code == 0, r.output
    assert "== module.api.this (infra)" in r.stdout
    assert "+ dynamodb:GetItem  arn:aws:dynamodb:us-east-1:123456789012:table/orders" in r.stdout

    # NOTE: a variable file is read in the root module's folder only.
    git("checkout", "-q", "-b", "called-module-vars", "main")
    (repo / "modules" / "fn" / "terraform.tfvars").write_text('table = "other"\n')
    git("add", "-A")
    git("commit", "-qm", "vars beside the module")
    r = CliRunner().invoke(main, ["review", "--base", "main", *SCOPE, "--format", "text"])
    assert r.exit_code == 0, r.output
    assert "module.api.this" not in r.stdout
    git("checkout", "-q", "-b", "root-vars", "main")
    (repo / "infra" / "main.tf").write_text('variable "table" {}\nmodule "api" {\n  source = "../modules/fn"\n  table = var.table\n}\n')
    git("commit", "-qam", "table from a variable")
    (repo / "infra" / "prod.auto.tfvars").write_text('table = "invoices"\n')
    git("add", "-A")
    git("commit", "-qm", "the table's name")
    r = CliRunner().invoke(main, ["review", "--base", "HEAD~1", *SCOPE, "--format", "text"])
    assert r.exit_code == 0, r.output
    assert "+ dynamodb:GetItem  arn:aws:dynamodb:us-east-1:123456789012:table/invoices" in r.stdout


def test_a_module_folder_is_a_template_and_its_code_is_found_from_a_relative_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``--template infra`` (a folder, named relative to the working folder) reads the module;
    a function packaged by ``filename`` has its code in the module's folder. A folder without
    .tf files, and ``--write`` of a module, say why they are refused."""
    (tmp_path / "infra").mkdir()
    (tmp_path / "empty").mkdir()
    (tmp_path / "infra" / "app.py").write_text(
        "import boto3\ndef handler(event, context):\n    boto3.client('sqs').send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q', MessageBody='m')\n")
    (tmp_path / "infra" / "main.tf").write_text(
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = "arn:aws:iam::1:role/fn"\n}\n')
    monkeypatch.chdir(tmp_path)
    r = CliRunner().invoke(main, ["suggest", "--template", "infra", *SCOPE])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["Statement"][0]["Action"] == ["sqs:SendMessage"]
    r = CliRunner().invoke(main, ["suggest", "--template", "empty", *SCOPE])
    assert r.exit_code != 0 and "empty: a folder with no .tf files" in r.output
    r = CliRunner().invoke(main, ["suggest", "--template", "infra", "--write", *SCOPE])
    assert r.exit_code != 0 and "--write rewrites YAML templates" in r.output


def test_more_resource_types_name_what_the_code_calls(tmp_path: Path) -> None:
    """The Terraform side of test_cfn's test of the same types: each attribute names its resource."""
    (tmp_path / "app.py").write_text(MORE_TYPES_CODE)
    result = _suggest_tf(tmp_path, (
        'resource "aws_ecr_repository" "r" {\n  name = "images"\n}\n'
        'resource "aws_timestreamwrite_database" "d" {\n  database_name = "telemetry"\n}\n'
        'resource "aws_batch_job_queue" "q" {\n  name = "high"\n}\n'
        'resource "aws_batch_job_definition" "j" {\n  name = "render"\n  type = "container"\n}\n'
        'resource "aws_codebuild_project" "p" {\n  name = "builder"\n}\n'
        'resource "aws_glue_crawler" "c" {\n  name = "lake"\n}\n'
        'resource "aws_sfn_activity" "a" {\n  name = "approve"\n}\n'
        'resource "aws_appsync_graphql_api" "g" {\n  name = "api"\n}\n'
    ), body=_env(REPO="aws_ecr_repository.r.name", TSDB="aws_timestreamwrite_database.d.database_name",
        QUEUE="aws_batch_job_queue.q.arn", JOBDEF="aws_batch_job_definition.j.arn_prefix",
        PROJECT="aws_codebuild_project.p.name", CRAWLER="aws_glue_crawler.c.name", ACTIVITY="aws_sfn_activity.a.id",
        API="aws_appsync_graphql_api.g.id"))
    assert {(p.action, p.resource) for p in result.permissions} >= MORE_TYPES_GRANTS


def test_policies_attached_with_for_each_are_read_per_instance(tmp_path: Path) -> None:
    """``aws_iam_role_policy_attachment`` with ``for_each`` over managed policy ARNs, or over
    the module's own ``aws_iam_policy`` instances, and a ``count`` of inline role policies:
    each instance attaches its own policy."""
    current = _todays(tmp_path, (
        'resource "aws_iam_role_policy_attachment" "managed" {\n'
        '  for_each = toset(["arn:aws:iam::aws:policy/AmazonSQSFullAccess", "arn:aws:iam::aws:policy/AmazonSNSFullAccess"])\n'
        '  role = aws_iam_role.r.name\n  policy_arn = each.value\n}\n'
        'resource "aws_iam_policy" "p" {\n  for_each = { read = "dynamodb:GetItem", write = "dynamodb:PutItem" }\n'
        '  name = "p-${each.key}"\n'
        '  policy = jsonencode({Statement = [{Effect = "Allow", Action = each.value, Resource = "arn:aws:dynamodb:us-east-1:1:table/t"}]})\n}\n'
        'resource "aws_iam_role_policy_attachment" "own" {\n  for_each = aws_iam_policy.p\n'
        '  role = aws_iam_role.r.name\n  policy_arn = each.value.arn\n}\n'
        'resource "aws_iam_role_policy" "inline" {\n  count = 2\n  role = aws_iam_role.r.id\n'
        '  policy = jsonencode({Statement = [{Effect = "Allow", Action = "s3:GetObject", Resource = "arn:aws:s3:::b${count.index}/*"}]})\n}\n'
    ))
    assert current.managed == ("arn:aws:iam::aws:policy/AmazonSNSFullAccess", "arn:aws:iam::aws:policy/AmazonSQSFullAccess")
    assert {("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/t"), ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/t"),
            ("s3:GetObject", "arn:aws:s3:::b0/*"), ("s3:GetObject", "arn:aws:s3:::b1/*")} <= _pairs(current.policy)


def test_an_image_functions_handler_is_its_command_or_its_dockerfiles(tmp_path: Path) -> None:
    """A container image function (package_type = "Image") runs the handler its
    image_config's command names, else its Dockerfile's CMD; the Dockerfile's folder is
    the code's."""
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "handler.py").write_text(
        "import boto3\n"
        "def handler(event, context):\n    boto3.client('s3').get_object(Bucket='imgs', Key='k')\n"
        "def other(event, context):\n    boto3.client('sqs').send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q', MessageBody='m')\n"
    )
    (tmp_path / "app" / "Dockerfile").write_text(
        "FROM public.ecr.aws/lambda/python:3.12\nCOPY handler.py ${LAMBDA_TASK_ROOT}\nCMD [ \"handler.handler\" ]\n")
    (tmp_path / "main.tf").write_text(
        'resource "aws_lambda_function" "plain" {\n  function_name = "plain"\n  role = "arn:aws:iam::1:role/r"\n'
        '  package_type = "Image"\n  image_uri = "1.dkr.ecr.us-east-1.amazonaws.com/imgs:latest"\n}\n'
        'resource "aws_lambda_function" "commanded" {\n  function_name = "commanded"\n  role = "arn:aws:iam::1:role/r"\n'
        '  package_type = "Image"\n  image_uri = "1.dkr.ecr.us-east-1.amazonaws.com/imgs:latest"\n'
        '  image_config {\n    command = ["handler.other"]\n  }\n}\n'
    )
    tpl = load_template(str(tmp_path), region="us-east-1", account="1")
    assert {n: (f.handler, f.code_root) for n, f in tpl.functions.items()} == {
        "plain": ("handler.handler", str(tmp_path / "app")), "commanded": ("handler.other", str(tmp_path / "app"))}
    from lpgen import api

    got = {n: {(p.action, p.resource) for p in api.suggest_for_function(tpl, n).permissions} for n in tpl.functions}
    assert got == {"plain": {("s3:GetObject", "arn:aws:s3:::imgs/k")},
                   "commanded": {("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q")}}


def test_a_functions_dynamic_blocks(tmp_path: Path) -> None:
    """A module writes a function's optional blocks as dynamic blocks (environment only
    when it has variables, vpc_config only with subnets): their content is the function's,
    once per element of the for_each. One whose for_each is not known here is read once
    for the environment, and not at all for a setting (a VPC is not taken to be there)."""
    (tmp_path / "main.tf").write_text(
        'variable "env_vars" {\n  type = map(string)\n  default = { TABLE = "orders" }\n}\n'
        'variable "subnets" {\n  type = list(string)\n}\n'
        'variable "dlq" {\n  default = null\n}\n'
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = "arn:aws:iam::1:role/fn"\n'
        '  dynamic "environment" {\n    for_each = length(var.env_vars) > 0 ? [true] : []\n'
        '    content {\n      variables = var.env_vars\n    }\n  }\n'
        '  dynamic "vpc_config" {\n    for_each = var.subnets == null ? [] : [var.subnets]\n'
        '    content {\n      subnet_ids = vpc_config.value\n      security_group_ids = ["sg-1"]\n    }\n  }\n'
        '  dynamic "dead_letter_config" {\n    for_each = var.dlq == null ? [] : [var.dlq]\n'
        '    content {\n      target_arn = dead_letter_config.value\n    }\n  }\n}\n')
    fn = load_template(str(tmp_path), region="us-east-1", account="1").function("fn")
    assert (fn.environment, fn.in_vpc, fn.targets) == ({"TABLE": "orders"}, False, ())
    fn = load_template(str(tmp_path), params={"dlq": "arn:aws:sqs:us-east-1:1:dlq", "subnets": "subnet-1"},
                       region="us-east-1", account="1").function("fn")
    assert (fn.in_vpc, fn.targets) == (True, ("arn:aws:sqs:us-east-1:1:dlq",))
    (tmp_path / "main.tf").write_text((tmp_path / "main.tf").read_text().replace(
        "length(var.env_vars) > 0 ? [true] : []", "var.subnets == null ? [] : [1]"))
    assert load_template(str(tmp_path), region="us-east-1", account="1").function("fn").environment == {"TABLE": "orders"}


def test_dynamic_inline_policies_and_conditions(tmp_path: Path) -> None:
    """A role's inline policies and a statement's conditions written as dynamic blocks."""
    (tmp_path / "main.tf").write_text(
        'variable "tags" {\n  default = ["a", "b"]\n}\n'
        'variable "inline" {\n  default = {\n    q = { actions = ["sqs:SendMessage"], arn = "arn:aws:sqs:us-east-1:1:q" }\n  }\n}\n'
        'data "aws_iam_policy_document" "fn" {\n  statement {\n    actions = ["s3:GetObject"]\n'
        '    resources = ["arn:aws:s3:::b/*"]\n    dynamic "condition" {\n      for_each = var.tags\n'
        '      content {\n        test = "StringEquals"\n        variable = "s3:ExistingObjectTag/${condition.value}"\n'
        '        values = ["yes"]\n      }\n    }\n  }\n}\n'
        'resource "aws_iam_role" "r" {\n  name = "fn"\n  assume_role_policy = "{}"\n'
        '  inline_policy {\n    name = "doc"\n    policy = data.aws_iam_policy_document.fn.json\n  }\n'
        '  dynamic "inline_policy" {\n    for_each = var.inline\n    content {\n      name = inline_policy.key\n'
        '      policy = jsonencode({ Statement = [{ Effect = "Allow", Action = inline_policy.value.actions, '
        'Resource = inline_policy.value.arn }] })\n    }\n  }\n}\n'
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = aws_iam_role.r.arn\n}\n')
    tpl = load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1")
    policy = tpl.current_policy(tpl.function("fn")).policy
    assert _pairs(policy) == {("s3:GetObject", "arn:aws:s3:::b/*"), ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q")}
    assert [st.condition for st in policy.statements if st.condition] == [(
        ("StringEquals", "s3:ExistingObjectTag/a", ("yes",)), ("StringEquals", "s3:ExistingObjectTag/b", ("yes",)))]


def test_functions_made_for_each_file_of_a_fileset(tmp_path: Path) -> None:
    """for_each over fileset(): one function per file the pattern matches (``{a,b}`` and
    ``**`` as Terraform reads them), each with its own handler."""
    for name in ("functions/orders.py", "functions/users.py", "functions/lib/util.py", "functions/README.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("def handler(e, c):\n    return 1\n")
    (tmp_path / "main.tf").write_text(
        'locals {\n  functions = { for f in fileset("${path.module}/functions", "{orders,users}.py") : '
        'trimsuffix(f, ".py") => f }\n  everything = fileset("functions", "**/*.py")\n}\n'
        'resource "aws_lambda_function" "fn" {\n  for_each = local.functions\n  function_name = each.key\n'
        '  handler = "${each.key}.handler"\n  runtime = "python3.12"\n  filename = "code.zip"\n'
        '  role = "arn:aws:iam::1:role/x"\n  environment {\n    variables = { ALL = join(",", local.everything) }\n  }\n}\n')
    tpl = load_template(str(tmp_path), region="us-east-1", account="1")
    assert {n: f.handler for n, f in tpl.functions.items()} == {'fn["orders"]': "orders.handler", 'fn["users"]': "users.handler"}
    assert tpl.function('fn["orders"]').environment == {"ALL": "lib/util.py,orders.py,users.py"}


def test_a_role_a_local_module_makes_is_todays_policy(tmp_path: Path) -> None:
    """role = module.iam.arn: the role, its policies and their inputs are the module's; two
    functions naming the same output share it."""
    (tmp_path / "modules" / "iam").mkdir(parents=True)
    (tmp_path / "modules" / "iam" / "main.tf").write_text(
        'variable "queue_arn" {}\nresource "aws_iam_role" "this" {\n  name = "fn-role"\n  assume_role_policy = "{}"\n}\n'
        'resource "aws_iam_role_policy" "this" {\n  role = aws_iam_role.this.id\n'
        '  policy = jsonencode({ Statement = [{ Effect = "Allow", Action = ["sqs:SendMessage"], Resource = var.queue_arn }] })\n}\n'
        'output "arn" {\n  value = aws_iam_role.this.arn\n}\n')
    functions = "".join(
        f'resource "aws_lambda_function" "{n}" {{\n  function_name = "{n}"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = module.iam.arn\n}\n' for n in ("a", "b"))
    (tmp_path / "main.tf").write_text(
        'resource "aws_sqs_queue" "q" {\n  name = "jobs"\n}\n'
        'module "iam" {\n  source = "./modules/iam"\n  queue_arn = aws_sqs_queue.q.arn\n}\n' + functions)
    tpl = load_template(str(tmp_path), region="us-east-1", account="1")
    current = tpl.current_policy(tpl.function("a"))
    assert (current.unknown, _pairs(current.policy)) == ("", {("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs")})
    assert current.shared_with == ("b",)


def test_policies_written_as_heredocs_are_read(tmp_path: Path) -> None:
    """A policy in a heredoc (``<<EOF``, and ``<<-EOT`` indented), with references inside,
    is today's policy: it was read as no statements, so the review called every grant
    missing."""
    current = _todays(tmp_path, (
        'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n'
        'resource "aws_iam_policy" "queue" {\n  name = "queue"\n  policy = <<EOF\n'
        '{"Version": "2012-10-17", "Statement": [\n'
        '  {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": "${aws_sqs_queue.jobs.arn}"}]}\nEOF\n}\n'
        'resource "aws_iam_role_policy_attachment" "queue" {\n  role = aws_iam_role.r.name\n'
        '  policy_arn = aws_iam_policy.queue.arn\n}\n'
        'resource "aws_iam_role_policy" "logs" {\n  role = aws_iam_role.r.id\n  policy = <<-EOT\n'
        '    {\n      "Version": "2012-10-17",\n'
        '      "Statement": [{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "arn:aws:logs:*:*:*"}]\n'
        '    }\n  EOT\n}\n'
    ))
    assert _pairs(current.policy) == {
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs"), ("logs:PutLogEvents", "arn:aws:logs:*:*:*"),
    }


def test_a_policy_lpgen_cannot_read_is_said_not_taken_as_empty(tmp_path: Path) -> None:
    current = _todays(tmp_path, (
        'variable "extra_policy" {\n  type = string\n}\n'
        'resource "aws_iam_role_policy" "extra" {\n  role = aws_iam_role.r.id\n  policy = var.extra_policy\n}\n'
        'resource "aws_iam_role_policy" "tables" {\n  role = aws_iam_role.r.id\n  policy = <<EOF\n'
        '{"Statement": [\n%{ for t in ["a", "b"] ~}\n'
        '  {"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "arn:aws:dynamodb:us-east-1:1:table/${t}"},\n'
        '%{ endfor ~}\n]}\nEOF\n}\n'
        'resource "aws_iam_role_policy" "queue" {\n  role = aws_iam_role.r.id\n'
        '  policy = jsonencode({Statement = [{Effect = "Allow", Action = "sqs:SendMessage", Resource = "*"}]})\n}\n'
    ))
    assert _pairs(current.policy) == {("sqs:SendMessage", "*")}
    assert current.unknown.split("; compared without its statements; ") == [
        f"{tmp_path / 'main.tf'}: aws_iam_role_policy.extra: the policy is known only when Terraform runs "
        "(var.extra_policy (no default))",
        f"{tmp_path / 'main.tf'}: aws_iam_role_policy.tables: the policy uses template directives (%{{ for }}, %{{ if }}) "
        "lpgen does not evaluate; compared without its statements",
    ]


def test_a_function_named_with_a_part_not_known_keeps_its_log_group(tmp_path: Path) -> None:
    """A function named ``shop-${terraform.workspace}-fn`` logs to ``/aws/lambda/shop-*-fn``:
    the block written for it granted the logs of every function (``/aws/lambda/*``)."""
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "main.tf").write_text(
        'resource "aws_iam_role" "r" {\n  name = "fn"\n  assume_role_policy = "{}"\n}\n'
        'resource "aws_lambda_function" "fn" {\n  function_name = "shop-${terraform.workspace}-fn"\n'
        '  handler = "app.handler"\n  runtime = "python3.12"\n  filename = "fn.zip"\n  role = aws_iam_role.r.arn\n}\n')
    out = CliRunner().invoke(main, ["suggest", "--template", str(tmp_path), "--format", "terraform"])
    assert out.exit_code == 0, out.output
    assert ':log-group:/aws/lambda/shop-*-fn:*"]' in out.output


def test_a_heredoc_value_is_its_lines(tmp_path: Path) -> None:
    """A heredoc is its lines, each with its newline; ``<<-`` takes their common indent off."""
    (tmp_path / "main.tf").write_text(
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = "arn:aws:iam::1:role/r"\n'
        '  environment {\n    variables = {\n      PLAIN = <<EOT\nqueue-${"a"}\nEOT\n'
        '      INDENTED = <<-EOT\n        one\n          two\n        EOT\n    }\n  }\n}\n')
    env = load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1").function("fn").environment
    assert (env["PLAIN"], env["INDENTED"]) == ("queue-a\n", "one\n  two\n")


def test_a_name_read_from_an_ssm_parameter_the_module_makes_is_its_value(tmp_path: Path) -> None:
    """Powertools' ``parameters.get_parameter`` of an ``aws_ssm_parameter`` the module makes
    returns the value the module gives it: the queue it names."""
    got = _grants(tmp_path, (
        "    from aws_lambda_powertools.utilities import parameters\n"
        "    url = parameters.get_parameter('/app/queue-url')\n"
        "    boto3.client('sqs').send_message(QueueUrl=url, MessageBody='m')\n"
    ), 'resource "aws_sqs_queue" "jobs" {\n  name = "jobs"\n}\n'
       'resource "aws_ssm_parameter" "queue" {\n  name = "/app/queue-url"\n  type = "String"\n'
       '  value = aws_sqs_queue.jobs.url\n}\n')
    assert got == {("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/app/queue-url"),
                   ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs")}


def test_an_event_source_known_only_when_terraform_runs_is_said(tmp_path: Path) -> None:
    """A mapping whose source is a variable with no default gave no grant and no word; it is
    reported (LP209), and granted once the value is given."""
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return event\n")
    resources = ('variable "queue_arn" {\n  type = string\n}\n'
                 'resource "aws_lambda_event_source_mapping" "m" {\n  function_name = aws_lambda_function.fn.arn\n'
                 '  event_source_arn = var.queue_arn\n}\n')
    result = _suggest_tf(tmp_path, resources)
    assert not result.permissions
    assert [f.message for f in result.findings if f.code == "LP209"] == [
        "an event source mapping's source takes var.queue_arn (no default), not known here: what its poller needs "
        "is not known, and nothing is granted for it"]
    tpl = load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1", params={"queue_arn": "arn:aws:sqs:us-east-1:1:jobs"})
    from lpgen import api

    assert {p.action for p in api.suggest_for_function(tpl, "fn").permissions} == {
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}


def test_the_default_providers_region_is_the_functions(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import boto3\ndef handler(event, context):\n    boto3.client('sqs').purge_queue(QueueUrl='https://sqs.eu-west-1.amazonaws.com/1/jobs')\n"
        "    boto3.client('dynamodb').get_item(TableName='orders', Key={})\n")
    main_tf = (
        'variable "region" {\n  default = "eu-west-1"\n}\n'
        'provider "aws" {\n  region = var.region\n}\n'
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = "arn:aws:iam::1:role/r"\n}\n'
        'data "archive_file" "zip" {\n  type = "zip"\n  source_file = "app.py"\n  output_path = "fn.zip"\n}\n'
    )
    (tmp_path / "main.tf").write_text(main_tf)

    def table_arn(**scope: str) -> str:
        result = api.suggest_for_function(load_template(str(tmp_path), **scope), "fn", **scope)
        return next(p.resource for p in result.permissions if p.action == "dynamodb:GetItem")

    assert table_arn(account="1") == "arn:aws:dynamodb:eu-west-1:1:table/orders"
    (tmp_path / "terraform.tfvars").write_text('region = "ap-south-1"\n')
    assert table_arn(account="1") == "arn:aws:dynamodb:ap-south-1:1:table/orders"
    assert table_arn(account="1", region="us-east-2") == "arn:aws:dynamodb:us-east-2:1:table/orders"
    # NOTE: a provider for another Region (CloudFront's WAF in us-east-1) may be a function's.
    (tmp_path / "main.tf").write_text(main_tf + 'provider "aws" {\n  alias = "edge"\n  region = "us-east-1"\n}\n')
    assert table_arn(account="1") == "arn:aws:dynamodb:${AWS::Region}:1:table/orders"
