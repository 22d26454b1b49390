"""Functions deployed from a package: a local .zip is read as the folder it unpacks to, code
in S3 is looked for beside the template and said so."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from lpgen import api
from lpgen.cli import main
from lpgen.errors import SourceError
from lpgen.iac import load_template

APP = (
    "import json, os\n"
    "import boto3\n"
    "CONF = json.load(open(os.path.join(os.path.dirname(__file__), 'conf.json')))\n"
    "def handler(event, context):\n"
    "    boto3.client('s3').put_object(Bucket=CONF['bucket'], Key='out/x', Body=b'')\n"
)
SCOPE = ["--region", "us-east-1", "--account", "1"]


def _zip(path: Path, members: dict[str, str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w") as z:
        for name, text in members.items():
            z.writestr(name, text)
    return path


def _granted(result: api.Suggestion) -> set[tuple[str, str]]:
    return {(p.action, p.resource) for p in result.permissions}


def test_a_zip_code_uri_is_read_and_shown_under_the_archive(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _zip(tmp_path / "build" / "fn.zip", {"app.py": APP, "conf.json": '{"bucket": "zipped"}'})
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: build/fn.zip, Handler: app.handler, Runtime: python3.12}\n"
    )
    monkeypatch.chdir(tmp_path)
    result = api.suggest_for_function(load_template("template.yaml", region="us-east-1", account="1"), "Fn")
    assert _granted(result) == {("s3:PutObject", "arn:aws:s3:::zipped/out/x")}
    assert {e.path for p in result.permissions for e in p.evidence} == {str(Path("build/fn.zip/app.py"))}

    r = CliRunner().invoke(main, ["suggest", "build/fn.zip", *SCOPE])
    assert r.exit_code == 0, r.output
    assert '"arn:aws:s3:::zipped/out/x"' in r.stdout


def test_terraform_and_serverless_packages_built_beforehand(tmp_path: Path) -> None:
    _zip(tmp_path / "dist" / "fn.zip", {"app.py": APP, "conf.json": '{"bucket": "prebuilt"}'})
    (tmp_path / "main.tf").write_text(
        'resource "aws_lambda_function" "fn" {\n'
        '  function_name = "fn"\n  filename = "dist/fn.zip"\n  handler = "app.handler"\n  runtime = "python3.12"\n}\n'
    )
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider: {name: aws, runtime: python3.12}\n"
        "functions:\n  fn: {handler: app.handler, package: {artifact: dist/fn.zip}}\n"
    )
    for name in ("main.tf", "serverless.yml"):
        tpl = load_template(str(tmp_path / name), region="us-east-1", account="1")
        assert _granted(api.suggest_for_function(tpl, "fn")) == {("s3:PutObject", "arn:aws:s3:::prebuilt/out/x")}


def test_an_archive_writes_nothing_outside_its_folder(tmp_path: Path) -> None:
    from lpgen.source.package import unpack

    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("app.py", "x = 1\n")
        z.writestr("../escaped.py", "x = 2\n")
        z.writestr("/abs.py", "x = 3\n")
        link = zipfile.ZipInfo("link.py")
        link.external_attr = 0o120777 << 16
        z.writestr(link, "/etc/passwd")
    folder = Path(unpack(str(archive)))
    assert sorted(p.name for p in folder.rglob("*") if p.name != ".unpacked") == ["app.py"]
    assert not (folder.parent / "escaped.py").exists()


def test_code_in_s3_is_looked_for_beside_the_template_and_said_so(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties:\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "      Code: {S3Bucket: artifacts, S3Key: fn.zip}\n"
    )
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="1")
    with pytest.raises(SourceError, match="deployed from s3://artifacts/fn.zip"):
        api.suggest_for_function(tpl, "Fn")
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    result = api.suggest_for_function(tpl, "Fn")
    assert [f.code for f in result.findings if f.code == "LP208"] == ["LP208"]
    # the code given as PATHS is the code: nothing to say
    result = api.suggest_for_function(tpl, "Fn", [str(tmp_path / "app.py")])
    assert not [f for f in result.findings if f.code == "LP208"]


def test_terraform_packages_in_s3_and_the_lambda_modules_existing_package(tmp_path: Path) -> None:
    _zip(tmp_path / "dist" / "fn.zip", {"app.py": APP, "conf.json": '{"bucket": "from-module"}'})
    (tmp_path / "main.tf").write_text(
        'resource "aws_lambda_function" "remote" {\n'
        '  function_name = "remote"\n  s3_bucket = "artifacts"\n  s3_key = "fn.zip"\n'
        '  handler = "app.handler"\n  runtime = "python3.12"\n}\n'
        'module "packaged" {\n'
        '  source = "terraform-aws-modules/lambda/aws"\n'
        '  function_name = "packaged"\n  handler = "app.handler"\n  runtime = "python3.12"\n'
        '  create_package = false\n  local_existing_package = "dist/fn.zip"\n}\n'
    )
    tpl = load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1")
    assert tpl.function("remote").deployed_from == "s3://artifacts/fn.zip"
    assert _granted(api.suggest_for_function(tpl, "module.packaged")) == {("s3:PutObject", "arn:aws:s3:::from-module/out/x")}


def test_a_serverless_functions_module_is_its_package(tmp_path: Path) -> None:
    """serverless-python-requirements' per-function "module": the folder is the function's
    package, its handler relative to it."""
    for module, call in (("users", "boto3.client('cognito-idp').list_users(UserPoolId='us-east-1_x')"),
                         ("orders", "boto3.client('dynamodb').get_item(TableName='orders', Key={})")):
        (tmp_path / module).mkdir()
        (tmp_path / module / "handler.py").write_text(f"import boto3\ndef main(event, context):\n    {call}\n")
    (tmp_path / "serverless.yml").write_text(
        "service: shop\nprovider: {name: aws, runtime: python3.12, region: us-east-1}\npackage: {individually: true}\n"
        "functions:\n  users: {handler: handler.main, module: users}\n  orders: {handler: handler.main, module: orders}\n"
    )
    tpl = load_template(str(tmp_path / "serverless.yml"), account="1")
    got = {n: {(p.action, p.resource) for p in api.suggest_for_function(tpl, n).permissions} for n in tpl.functions}
    assert got == {"users": {("cognito-idp:ListUsers", "arn:aws:cognito-idp:us-east-1:1:userpool/us-east-1_x")},
                   "orders": {("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/orders")}}


def _individually_packaged(root: Path) -> str:
    """A service whose two functions are packaged individually by patterns: each package
    holds its own handler's folder and the shared common/; tests/ is in none."""
    for folder, text in {
        "functions/users": "from common.db import users\ndef main(event, context):\n    users.put_item(Item=event)\n",
        "functions/billing": (
            "import boto3\nfrom common.db import users\ndef main(event, context):\n    users.get_item(Key={'id': 'x'})\n"
            "    boto3.client('s3').put_object(Bucket='invoices', Key='latest.pdf', Body=b'')\n"
        ),
        "tests": "import boto3\ndef test_it():\n    boto3.client('dynamodb').delete_table(TableName='users')\n",
    }.items():
        (root / folder).mkdir(parents=True)
        (root / folder / ("handler.py" if "functions" in folder else "test_it.py")).write_text(text)
    (root / "common").mkdir()
    (root / "common" / "__init__.py").write_text("")
    (root / "common" / "db.py").write_text("import boto3\nusers = boto3.resource('dynamodb').Table('users')\n")
    (root / "serverless.yml").write_text(
        "service: acct\nprovider: {name: aws, runtime: python3.12, region: us-east-1}\n"
        "package:\n  individually: true\n  patterns: ['!**', 'common/**']\n"
        "functions:\n"
        "  users: {handler: functions/users/handler.main, package: {patterns: [functions/users]}}\n"
        "  billing: {handler: functions/billing/handler.main, package: {patterns: ['functions/billing/**', '!**/*.pdf']}}\n"
    )
    return str(root / "serverless.yml")


def test_a_serverless_functions_package_patterns_choose_its_code(tmp_path: Path) -> None:
    """Another function's handler and the tests are in no package of the function: their
    calls are not reported unreachable (LP204) as code the function ships and never runs."""
    tpl = load_template(_individually_packaged(tmp_path), account="1")
    assert {n: sorted(Path(p).relative_to(tmp_path).as_posix() for p in f.packaged or ()) for n, f in tpl.functions.items()} == {
        "users": ["common/__init__.py", "common/db.py", "functions/users/handler.py"],
        "billing": ["common/__init__.py", "common/db.py", "functions/billing/handler.py"],
    }
    for name, granted in (("users", [("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/users")]),
                          ("billing", [("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/users"),
                                       ("s3:PutObject", "arn:aws:s3:::invoices/latest.pdf")])):
        result = api.suggest_for_function(tpl, name)
        assert [(p.action, p.resource) for p in result.permissions] == granted
        assert not [f for f in result.findings if f.code == "LP204"], name


def test_a_package_that_leaves_out_its_handler_is_an_error(tmp_path: Path) -> None:
    path = _individually_packaged(tmp_path)
    Path(path).write_text(Path(path).read_text().replace("patterns: [functions/users]", "patterns: [functions/user]"))
    tpl = load_template(path, account="1")
    with pytest.raises(SourceError, match=r"function users: its package patterns leave out its handler's module .*functions/users/handler\.py"):
        api.suggest_for_function(tpl, "users")
    assert api.suggest_for_function(tpl, "billing").permissions


@pytest.mark.parametrize(("pattern", "path", "matches"), [
    ("common/**", "common/db.py", True),
    ("common/**", "common/sub/x.py", True),
    ("common/**", "lib/common/db.py", False),
    ("*.py", "app.py", True),
    ("*.py", "src/app.py", False),
    ("**/*.py", "app.py", True),
    ("**/*.py", "src/a/app.py", True),
    ("src/{users,orders}/*.py", "src/orders/h.py", True),
    ("src/{users,orders}/*.py", "src/billing/h.py", False),
    ("./src/?.py", "src/a.py", True),
])
def test_package_patterns_match_as_globs(pattern: str, path: str, matches: bool) -> None:
    from lpgen.iac.serverless import _glob

    assert bool(_glob(pattern, False).fullmatch(path)) is matches
    # NOTE: an added folder brings what is under it; a pattern taking one away does not reach further.
    assert bool(_glob("functions/users", True).fullmatch("functions/users/handler.py"))
    assert not _glob("functions/users", False).fullmatch("functions/users/handler.py")


def test_no_patterns_is_the_whole_folder(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("def main(event, context):\n    return 1\n")
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider: {name: aws, runtime: python3.12}\npackage: {individually: true}\n"
        "functions:\n  f: {handler: app.main}\n")
    assert load_template(str(tmp_path / "serverless.yml")).functions["f"].packaged is None


def test_a_serverless_image_functions_code_is_its_images_build_folder(tmp_path: Path) -> None:
    """A function of a container image provider.ecr.images builds: the image's path is the
    code's folder; the handler is the function's command, else the Dockerfile's CMD."""
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "app.py").write_text(
        "import boto3\n"
        "def handler(event, context):\n    boto3.client('s3').get_object(Bucket='imgs', Key='k')\n"
        "def other(event, context):\n    boto3.client('sns').publish(TopicArn='arn:aws:sns:us-east-1:1:t', Message='m')\n"
    )
    (tmp_path / "img" / "Dockerfile").write_text("FROM public.ecr.aws/lambda/python:3.12\nCOPY app.py ./\nCMD [\"app.handler\"]\n")
    (tmp_path / "serverless.yml").write_text(
        "service: shop\nprovider:\n  name: aws\n  region: us-east-1\n  ecr: {images: {appimage: {path: ./img}}}\n"
        "functions:\n  plain: {image: appimage}\n  commanded: {image: {name: appimage, command: [app.other]}}\n"
    )
    tpl = load_template(str(tmp_path / "serverless.yml"), account="1")
    assert {n: f.handler for n, f in tpl.functions.items()} == {"plain": "app.handler", "commanded": "app.other"}
    got = {n: {(p.action, p.resource) for p in api.suggest_for_function(tpl, n).permissions} for n in tpl.functions}
    assert got == {"plain": {("s3:GetObject", "arn:aws:s3:::imgs/k")},
                   "commanded": {("sns:Publish", "arn:aws:sns:us-east-1:1:t")}}


def test_a_package_that_installs_the_functions_own_code(tmp_path: Path) -> None:
    """``pip install -t package .`` puts the project's own package there as an installed
    one (a dist-info lists it): the handler names it, so it is the function's code. A
    folder of installed packages only, with no handler, is still no code."""
    from conftest import write_files

    build = tmp_path / "package"
    write_files(build, {
        "myapp/__init__.py": "",
        "myapp/handlers.py": "from myapp.store import put\ndef main(event, context):\n    put(event)\n",
        "myapp/store.py": "import boto3\ndef put(item):\n    boto3.resource('dynamodb').Table('orders').put_item(Item=item)\n",
        "myapp-1.0.dist-info/RECORD": "myapp/__init__.py,,\nmyapp/handlers.py,,\nmyapp/store.py,,\n",
    })
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: package/, Handler: myapp.handlers.main, Runtime: python3.12}\n")
    result = api.suggest_for_function(load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="1"), None)
    assert [(p.action, p.resource) for p in result.permissions] == [
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders")]
    with pytest.raises(SourceError, match="no Python files in this folder"):
        api.analyze([str(build)])


def test_a_local_package_the_requirements_name_by_path_is_the_functions_code(tmp_path: Path) -> None:
    """A monorepo's shared library, a requirement by path in the function's requirements.txt
    (which sam build installs beside the code), is followed as the function's code: its
    calls were missing without a word (0 permissions, 0 unresolved)."""
    from conftest import write_files

    from lpgen import api
    from lpgen.iac import load_template
    from lpgen.source.requirements import local_roots

    write_files(tmp_path, {
        "libs/common/pyproject.toml": "[project]\nname = 'common'\n",
        "libs/common/common/__init__.py": "",
        "libs/common/common/store.py": "import boto3\ndef save(item):\n    boto3.resource('dynamodb').Table('orders').put_item(Item=item)\n",
        "libs/audit/pyproject.toml": "[project]\nname = 'audit'\n",
        "libs/audit/src/audit/__init__.py": "import boto3\ndef log(m):\n    boto3.client('sns').publish(TopicArn='arn:aws:sns:us-east-1:1:audit', Message=m)\n",
        "svc/src/requirements.txt": "boto3>=1.34  # the SDK\n-e ../../libs/common\n-r more.txt\n",
        "svc/src/more.txt": f"audit @ file://{tmp_path}/libs/audit\n./missing\nrequests==2.32\n../libs/metrics\n",
        # relative to where sam build runs (the template's folder), as pip takes it there
        "libs/metrics/metrics.py": "import boto3\ndef put():\n    boto3.client('cloudwatch').put_metric_data(Namespace='svc', MetricData=[])\n",
        "svc/src/app.py": "from common.store import save\nfrom audit import log\nfrom metrics import put\n"
                          "def handler(event, context):\n    save(event)\n    log('saved')\n    put()\n",
        "svc/template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                            "    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12}\n",
    })
    # a project in the src layout is imported from its src folder; a path that is no folder is left out
    assert local_roots(str(tmp_path / "svc" / "src"), cwd=str(tmp_path / "svc")) == [
        str(tmp_path / "libs" / "common"), str(tmp_path / "libs" / "audit" / "src"), str(tmp_path / "libs" / "metrics")]
    tpl = load_template(str(tmp_path / "svc" / "template.yaml"), region="us-east-1", account="1")
    got = {(p.action, p.resource) for p in api.suggest_for_function(tpl, "Fn").permissions}
    assert got == {("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders"),
                   ("sns:Publish", "arn:aws:sns:us-east-1:1:audit"), ("cloudwatch:PutMetricData", "*")}


def test_code_given_by_path_reads_its_requirements_local_packages_too(tmp_path: Path) -> None:
    from conftest import write_files

    from lpgen import api

    write_files(tmp_path, {
        "libs/common/common/__init__.py": "import boto3\ndef save(item):\n    boto3.resource('dynamodb').Table('orders').put_item(Item=item)\n",
        "src/requirements.txt": "../libs/common\n",
        "src/app.py": "from common import save\ndef handler(event, context):\n    save(event)\n",
    })
    for given in (tmp_path / "src", tmp_path / "src" / "app.py"):
        got = {(p.action, p.resource) for p in api.suggest([str(given)], region="us-east-1", account="1").permissions}
        assert got == {("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders")}, given


def test_serverless_python_requirements_file_name_is_the_one_read(tmp_path: Path) -> None:
    from conftest import write_files

    from lpgen import api
    from lpgen.iac import load_template

    write_files(tmp_path, {
        "lib/shared/__init__.py": "import boto3\ndef put(x):\n    boto3.client('sqs').send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q', MessageBody=x)\n",
        "requirements/prod.txt": "-e ../lib\n",
        "handler.py": "from shared import put\ndef handler(event, context):\n    put('x')\n",
        "serverless.yml": "service: s\nprovider: {name: aws, runtime: python3.12, region: us-east-1}\n"
                          "custom:\n  pythonRequirements:\n    fileName: requirements/prod.txt\n"
                          "functions:\n  fn: {handler: handler.handler}\n",
    })
    tpl = load_template(str(tmp_path / "serverless.yml"), account="1")
    got = {(p.action, p.resource) for p in api.suggest_for_function(tpl, "fn").permissions}
    assert got == {("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q")}
