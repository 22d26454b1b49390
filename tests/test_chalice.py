"""A Chalice app's .chalice/config.json read as the template of the app's functions."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from lpgen.cli import main
from lpgen.errors import TemplateError
from lpgen.iac import load_template
from lpgen.review import review_function
from lpgen.review.git import find_templates

APP = (
    "import os\n"
    "import boto3\n"
    "from chalice import Chalice\n"
    "app = Chalice(app_name='todo')\n"
    "ddb = boto3.client('dynamodb')\n"
    "@app.route('/todos/{tid}')\n"
    "def get_todo(tid):\n"
    "    return ddb.get_item(TableName=os.environ['TABLE'], Key={})\n"
    "@app.on_sqs_message(queue=os.environ.get('QUEUE', 'todo-jobs'))\n"
    "def on_job(event):\n"
    "    ddb.put_item(TableName=os.environ['TABLE'], Item={})\n"
    "@app.schedule('rate(1 day)', name='nightly-report')\n"
    "def report(event):\n"
    "    boto3.client('sns').publish(TopicArn=os.environ['TOPIC'], Message='m')\n"
)


def _app(tmp_path: Path, config: dict[str, Any], policies: dict[str, Any] | None = None) -> Path:
    (tmp_path / ".chalice").mkdir()
    (tmp_path / "app.py").write_text(APP)
    (tmp_path / ".chalice" / "config.json").write_text(json.dumps(config, indent=2))
    for name, doc in (policies or {}).items():
        (tmp_path / ".chalice" / name).write_text(json.dumps(doc))
    return tmp_path


def _every_function() -> dict[str, set[tuple[str, str]]]:
    """(action, resource) of each function's policy, from ``lpgen suggest --template . --all``
    in the app's folder."""
    run = CliRunner().invoke(main, ["suggest", "--template", ".", "--all", "--region", "us-east-1", "--account", "1"])
    assert run.exit_code == 0, run.output
    return {name: {(a, r) for s in doc["Statement"] for a in s["Action"] for r in s["Resource"]}
            for name, doc in json.loads(run.stdout).items()}


CONFIG = {
    "version": "2.0",
    "app_name": "todo",
    "environment_variables": {"TABLE": "todo-items", "TOPIC": "arn:aws:sns:us-east-1:1:todo"},
    "lambda_functions": {"on_job": {"environment_variables": {"QUEUE": "never-merged"}}},
    "stages": {
        "dev": {"autogen_policy": False, "environment_variables": {"TABLE": "todo-dev-items"},
                "lambda_functions": {"on_job": {"environment_variables": {"QUEUE": "todo-dev-jobs"}}}},
        "prod": {"lambda_functions": {"nightly-report": {"manage_iam_role": False,
                                                         "iam_role_arn": "arn:aws:iam::1:role/reports"}}},
    },
}
POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["dynamodb:*", "sqs:*"], "Resource": "*"}]}


def test_the_apps_functions_environment_and_names_are_chalices(tmp_path: Path) -> None:
    app = _app(tmp_path, CONFIG)
    dev = load_template(str(app))
    assert sorted(dev.functions) == ["api_handler", "nightly-report", "on_job"]
    api, job, report = (dev.functions[n] for n in ("api_handler", "on_job", "nightly-report"))
    assert (api.handler, api.function_name) == ("app.app", "todo-dev")
    assert (job.handler, job.function_name) == ("app.on_job", "todo-dev-on_job")
    assert (report.handler, report.function_name) == ("app.report", "todo-dev-nightly-report")
    # NOTE: the stage's value wins; the function's own entry in the stage is merged last, the
    # top level's lambda_functions entry is not merged (Chalice's _chain_merge).
    assert job.environment == {"TABLE": "todo-dev-items", "TOPIC": "arn:aws:sns:us-east-1:1:todo", "QUEUE": "todo-dev-jobs"}
    prod = load_template(str(app / ".chalice" / "config.json"), params={"stage": "prod"})
    assert prod.functions["on_job"].environment["TABLE"] == "todo-items"
    assert prod.functions["nightly-report"].role_arn == "arn:aws:iam::1:role/reports"


def test_suggest_takes_each_functions_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(_app(tmp_path, CONFIG))
    assert _every_function() == {
        "api_handler": {("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/todo-dev-items")},
        "on_job": {("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/todo-dev-items"),
                   *((a, "arn:aws:sqs:us-east-1:1:todo-dev-jobs")
                     for a in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"))},
        "nightly-report": {("sns:Publish", "arn:aws:sns:us-east-1:1:todo")},
    }


def test_todays_policy_is_the_stages_policy_file_or_not_known(tmp_path: Path) -> None:
    app = _app(tmp_path, CONFIG, {"policy-dev.json": POLICY})
    config = str(app / ".chalice" / "config.json")
    job = review_function(config, "on_job", region="us-east-1", account="1")
    assert job.compared and job.current.role == "todo-dev-on_job" and not job.current.shared_with
    narrowed = {(c.action, a) for c in job.diff.changes if c.kind == "narrowed" for a, _ in c.replaced_by}
    assert narrowed == {("dynamodb:*", "dynamodb:PutItem"), *(("sqs:*", a) for a in (
        "sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"))}
    # NOTE: autogen_policy (prod's default): one role the app's functions share, its policy
    # written by Chalice at deploy; a role given by ARN is made elsewhere.
    prod = load_template(config, params={"stage": "prod"})
    api = review_function(config, "api_handler", template=prod, region="us-east-1", account="1")
    assert not api.compared and "autogen_policy" in api.current.unknown
    assert api.current.role == "todo-prod" and api.current.shared_with == ("on_job",)
    report = review_function(config, "nightly-report", template=prod, region="us-east-1", account="1")
    assert not report.compared and "manage_iam_role: false" in report.current.unknown
    os.remove(app / ".chalice" / "policy-dev.json")
    assert "does not exist" in load_template(config).current_policy(load_template(config).functions["on_job"]).unknown


def test_the_review_finds_a_repositorys_chalice_apps(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    _app(tmp_path / "svc", CONFIG)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "-A"], cwd=tmp_path, check=True)
    assert find_templates(str(tmp_path)) == ["svc/.chalice/config.json"]


@pytest.mark.parametrize(("text", "message"), [
    ('{"app_name": "todo",\n  "stages": {', "config.json:2: invalid JSON"),
    ('{"version": "2.0"}', "not a Chalice config (no app_name)"),
])
def test_a_bad_config_is_a_one_line_error(tmp_path: Path, text: str, message: str) -> None:
    _app(tmp_path, {"app_name": "x"})
    (tmp_path / ".chalice" / "config.json").write_text(text)
    with pytest.raises(TemplateError, match=re.escape(message)):
        load_template(str(tmp_path / ".chalice" / "config.json"))


def test_registered_blueprints_add_their_routes_and_functions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A blueprint's routes are the REST API's; its event handlers are functions named with
    the registration's name_prefix, run from the blueprint's module."""
    (tmp_path / ".chalice").mkdir()
    (tmp_path / "chalicelib").mkdir()
    (tmp_path / "chalicelib" / "__init__.py").write_text("")
    (tmp_path / "app.py").write_text(
        "from chalice import Chalice\n"
        "from chalicelib import jobs\n"
        "from chalicelib.admin import admin_bp\n"
        "app = Chalice(app_name='shop')\n"
        "app.register_blueprint(admin_bp, url_prefix='/admin')\n"
        "app.register_blueprint(jobs.bp, name_prefix='jobs_')\n"
    )
    (tmp_path / "chalicelib" / "admin.py").write_text(
        "import boto3\nfrom chalice import Blueprint\nadmin_bp = Blueprint(__name__)\n"
        "@admin_bp.route('/users')\ndef users():\n    return boto3.client('cognito-idp').list_users(UserPoolId='us-east-1_abc')\n"
    )
    (tmp_path / "chalicelib" / "jobs.py").write_text(
        "import boto3\nfrom chalice import Blueprint\nbp = Blueprint(__name__)\n"
        "@bp.on_sqs_message(queue='shop-jobs')\ndef run(event):\n"
        "    boto3.client('dynamodb').put_item(TableName='shop-done', Item={})\n"
    )
    (tmp_path / ".chalice" / "config.json").write_text('{"version": "2.0", "app_name": "shop"}')
    tpl = load_template(str(tmp_path))
    assert {n: (f.handler, f.function_name) for n, f in tpl.functions.items()} == {
        "api_handler": ("app.app", "shop-dev"), "jobs_run": ("chalicelib.jobs.run", "shop-dev-jobs_run")}
    monkeypatch.chdir(tmp_path)
    assert _every_function() == {
        "api_handler": {("cognito-idp:ListUsers", "arn:aws:cognito-idp:us-east-1:1:userpool/us-east-1_abc")},
        "jobs_run": {("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/shop-done"),
                     *((a, "arn:aws:sqs:us-east-1:1:shop-jobs")
                       for a in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"))},
    }
