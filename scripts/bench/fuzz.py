#!/usr/bin/env python3
"""Mutation fuzzing of every input format: Python source, templates, CloudTrail files, policies.

    python scripts/bench/fuzz.py [--count 10000] [--seed 1] [--only python,template,trail,policy]

Seeds are the shared corpus's handlers, templates and trails and the sample policies; each
mutation flips, inserts, deletes or duplicates bytes or lines. An input may be rejected with
lpgen's own error (LpgenError) or skipped with a reason; any other exception is a failure,
printed with the input that caused it. Prints one line per format and exits 1 on failures.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "corpus"


TEMPLATE_SEED = b"""Transform: AWS::Serverless-2016-10-31
Globals:
  Function: {Tracing: Active, VpcConfig: {SubnetIds: [subnet-1], SecurityGroupIds: [sg-1]}}
Resources:
  Key:
    Type: AWS::KMS::Key
    Properties:
      KeyPolicy:
        Statement:
          - {Effect: Allow, Principal: {AWS: [!GetAtt Role.Arn, !Sub 'arn:${AWS::Partition}:iam::${AWS::AccountId}:root']}, Action: 'kms:*', Resource: '*'}
  Boundary:
    Type: AWS::IAM::ManagedPolicy
    Properties: {PolicyDocument: {Statement: [{Effect: Allow, Action: '*', Resource: '*'}]}}
  Data: {Type: AWS::S3::Bucket, Properties: {BucketName: data, BucketEncryption: {ServerSideEncryptionConfiguration: [{ServerSideEncryptionByDefault: {SSEAlgorithm: 'aws:kms', KMSMasterKeyID: !Ref Key}}]}}}
  DataPolicy:
    Type: AWS::S3::BucketPolicy
    Properties:
      Bucket: !Ref Data
      PolicyDocument:
        Statement:
          - {Effect: Deny, Principal: '*', Action: 's3:PutObject', Resource: !Sub '${Data.Arn}/*', Condition: {StringNotEquals: {'s3:x-amz-server-side-encryption': 'aws:kms'}}}
  Role:
    Type: AWS::IAM::Role
    Properties:
      PermissionsBoundary: !Ref Boundary
      ManagedPolicyArns: [!Ref Boundary, arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]
      Policies: [{PolicyName: p, PolicyDocument: {Statement: [{Effect: Allow, Action: 'logs:*', Resource: '*'}]}}]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Role: !GetAtt Role.Arn
      LoggingConfig: {LogGroup: /app/fn}
      Events:
        Q: {Type: MQ, Properties: {Broker: arn:aws:mq:us-east-1:1:broker:b:b-1, Queues: [q], SourceAccessConfigurations: [{Type: BASIC_AUTH, URI: arn:aws:secretsmanager:us-east-1:1:secret:s}], SecretsManagerKmsKeyId: k}}
        D: {Type: DocumentDB, Properties: {Cluster: arn:aws:rds:us-east-1:1:cluster:c, DatabaseName: d, StartingPosition: LATEST, SourceAccessConfigurations: [{Type: BASIC_AUTH, URI: arn:aws:secretsmanager:us-east-1:1:secret:d}]}}
        K: {Type: Kinesis, Properties: {Stream: arn:aws:kinesis:us-east-1:1:stream/s, StartingPosition: LATEST, DestinationConfig: {OnFailure: {Type: S3, Destination: !GetAtt Data.Arn}}}}
"""
"""a template seed using what the review reads of templates beside the roles: key and bucket
policies, boundaries, VPC and tracing, event sources' secrets and destinations."""


READERS_SEED = b"""Transform: AWS::Serverless-2016-10-31
Resources:
  Storage: {Type: AWS::Serverless::Application, Properties: {Location: nested.yaml, Parameters: {Stage: prod}}}
  Flow: {Type: AWS::StepFunctions::StateMachine, Properties: {DefinitionString: '{}', RoleArn: r}}
  Token: {Type: AWS::SecretsManager::Secret}
  Param: {Type: AWS::SSM::Parameter, Properties: {Type: String, Value: x}}
  Job: {Type: AWS::Glue::Job, Properties: {Role: r, Command: {Name: glueetl}}}
  Global: {Type: AWS::DynamoDB::GlobalTable, Properties: {TableName: g, StreamSpecification: {StreamViewType: NEW_IMAGE}}}
  Db: {Type: AWS::RDS::DBCluster, Properties: {Engine: aurora-postgresql}}
  Search: {Type: AWS::OpenSearchService::Domain, Properties: {DomainName: orders}}
  Jobs: {Type: AWS::SQS::Queue, Properties: {KmsMasterKeyId: alias/orders}}
  Stream: {Type: AWS::Kinesis::Stream, Properties: {ShardCount: 1}}
  Consumer: {Type: AWS::Kinesis::StreamConsumer, Properties: {ConsumerName: c, StreamARN: !GetAtt Stream.Arn}}
  Events: {Type: AWS::MSK::ServerlessCluster, Properties: {ClusterName: events, VpcConfigs: []}}
  Role:
    Type: AWS::IAM::Role
    Properties:
      Policies: [{PolicyName: p, PolicyDocument: {Statement: [{Effect: Allow, Action: 'sqs:*', Resource: [!GetAtt Jobs.Arn, !Ref AWS::NoValue]}]}}]
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Role: !GetAtt Role.Arn
      Environment:
        Variables: {T: !GetAtt Storage.Outputs.TableName, F: !Ref Flow, S: !Ref Token, P: !Ref Param, J: !Ref Job,
                    G: !Ref Global, D: !GetAtt Db.DBClusterArn, E: !GetAtt Search.DomainEndpoint, Q: !Ref Jobs}
      Events:
        K: {Type: Kinesis, Properties: {Stream: !Ref Consumer, StartingPosition: LATEST}}
        M: {Type: MSK, Properties: {Stream: !GetAtt Events.Arn, StartingPosition: LATEST, Topics: [t], ConsumerGroupId: g}}
"""
"""a template seed using the readers of nested stacks, generated names, stream consumers, MSK
clusters, keys named by alias and AWS::NoValue."""

SERVERLESS_SEED = b"""service: d
provider: {name: aws, runtime: python3.12, iam: {role: {statements: [{Effect: Allow, Action: 'sns:*', Resource: '*'}]}}}
custom: {serverless-iam-roles-per-function: {defaultInherit: true}}
plugins: [serverless-step-functions, serverless-iam-roles-per-function]
stepFunctions: {stateMachines: {flow: {definition: {}}, named: {name: n, id: NamedMachine, definition: {}}}}
functions:
  fn:
    handler: app.handler
    iamRoleStatements: []
    environment: {F: !Ref FlowStepFunctionsStateMachine, N: !Ref NamedMachine}
    onError: {Ref: Topic}
    events:
      - msk: {arn: !GetAtt Cluster.Arn, topic: t, consumerGroupId: g}
      - activemq: {arn: 'arn:aws:mq:us-east-1:1:broker:b:b-1', basicAuthArn: 'arn:aws:secretsmanager:us-east-1:1:secret:s', queue: q}
resources:
  Resources:
    Topic: {Type: AWS::SNS::Topic}
    Cluster: {Type: AWS::MSK::ServerlessCluster, Properties: {ClusterName: c}}
constructs:
  jobs: {type: queue, fifo: true, worker: {handler: app.work, environment: {Q: '${construct:jobs.dlqUrl}'}}}
  files: {type: storage}
  db: {type: database/dynamodb-single-table}
  hook: {type: webhook, path: /h}
lift: {automaticPermissions: true}
"""
"""a serverless.yml seed using the step-functions, roles-per-function and lift plugins and broker events."""

TERRAFORM_SEED = b"""variable "n" {}
variable "tables" {
  default = { a = "alpha", b = "beta" }
}
locals {
  names = {for k, v in var.tables : upper(k) => "t-${v}" if v != "" && length(v) > 0}
  all   = flatten([values(var.tables), ["x"]])
}
resource "aws_dynamodb_table" "t" {
  for_each = var.tables
  name     = "${each.key}-${each.value}"
}
resource "aws_sqs_queue" "q" {
  count = var.n > 1 ? 2 : 1
  name  = "q-${count.index}"
}
resource "aws_iam_role" "r" {
  name               = "r"
  assume_role_policy = "{}"
}
resource "aws_iam_role_policy" "p" {
  role   = aws_iam_role.r.id
  policy = jsonencode({Statement = [{Effect = "Allow", Action = "sqs:*", Resource = [for q in aws_sqs_queue.q : q.arn]},
    {Effect = "Allow", Action = "dynamodb:GetItem", Resource = values(aws_dynamodb_table.t)[*].arn}]})
}
resource "aws_lambda_function" "fn" {
  function_name = "fn"
  handler       = "app.handler"
  runtime       = "python3.12"
  filename      = "fn.zip"
  role          = aws_iam_role.r.arn
  environment {
    variables = {
      T = aws_dynamodb_table.t["a"].name
      Q = one(aws_sqs_queue.q[*].url)
      N = local.names["B"]
      X = !var.n == null ? local.all[2] : try(aws_sqs_queue.q[var.n].arn, "")
    }
  }
}
"""
"""a Terraform seed using instances of for_each and count, indexes, for expressions,
operators and functions over lists and maps."""

CHALICE_SEED = b"""{"version": "2.0", "app_name": "todo",
 "environment_variables": {"TABLE": "t", "N": 3},
 "lambda_functions": {"on_job": {"iam_policy_file": "job.json"}},
 "stages": {"dev": {"autogen_policy": false, "subnet_ids": ["s"], "security_group_ids": ["g"],
   "lambda_functions": {"on_job": {"environment_variables": {"Q": "q"}}, "api_handler": {"manage_iam_role": false,
   "iam_role_arn": "arn:aws:iam::1:role/r"}}}}}
"""
"""a Chalice app's .chalice/config.json (its app.py is CHALICE_APP, its policy files beside it)."""

CHALICE_APP = (b"from chalice import Chalice\napp = Chalice(app_name='todo')\n@app.route('/')\ndef index():\n    return {}\n"
               b"@app.on_sqs_message(queue='q')\ndef on_job(event):\n    pass\n")

FOR_EACH_SEED = b"""Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
Parameters: {Names: {Type: CommaDelimitedList, Default: "a,b-c"}}
Resources:
  Fn::ForEach::Each:
    - N
    - !Ref Names
    - Q&{N}: {Type: AWS::SQS::Queue, Properties: {QueueName: !Sub "q-${N}"}}
      Fn&{N}:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src/
          Handler: app.handler
          Runtime: python3.12
          Environment: {Variables: {Fn::ForEach::V: [V, [X, Y], {"${V}_Q": !Ref "Q&{N}"}]}}
          Policies: [SQSSendMessagePolicy: {QueueName: !GetAtt "Q&{N}.QueueName"}]
"""
"""a template seed whose resources and environment AWS::LanguageExtensions' loops write out."""

NESTED = b"Parameters: {Stage: {Type: String}}\nResources:\n  T: {Type: AWS::DynamoDB::Table, Properties: {TableName: !Sub 't-${Stage}'}}\nOutputs:\n  TableName: {Value: !Ref T}\n"
"""the nested stack READERS_SEED's application names, beside it."""


PYTHON_SEED = b"""import contextvars, functools, itertools, operator, os, boto3
s3 = boto3.client("s3")
CV = contextvars.ContextVar("c", default=None)
PARTS = ["a", "b", "c"]
def dash(a, b):
    return f"{a}-{b}"
def handler(event, context):
    for row in itertools.product(PARTS, ["x", "y"], repeat=2):
        s3.get_object(Bucket=row[0] + row[3], Key="/".join(row))
    for i, (a, b) in enumerate(zip(PARTS, itertools.chain(PARTS, ["z"])), start=5):
        s3.head_object(Bucket=f"{a}{i:03d}", Key=b * 3)
    name = functools.reduce(dash, PARTS[1:2] * 4, "n")
    CV.set(name.center(12, "-")[2:-2].zfill(9))
    s3.put_object(Bucket=CV.get("d"), Key=os.path.join(*PARTS[::2]), Body=b"")
    fn = functools.partial(s3.delete_object, Bucket="p" * 3)
    fn(Key=str(range(4)[1:3]) + "%05.2f" % 1.5 + "{:>7}".format("k"))
"""
"""a Python seed of the library calls the analyser follows with numbers in their arguments
(repeats, slices, widths): mutations make them negative, huge or missing."""


EDGE_NUMBERS = (b"-1", b"0", b"-100", b"10**9", b"99999999999", b"2**64", b"1e308", b"-0.5")
"""what a number in an input becomes when a mutation changes one (counts, repeats, widths)."""


def mutate(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(7)
        if op == 6:
            numbers = list(re.finditer(rb"\d+", bytes(out)))
            if numbers:
                hit = rng.choice(numbers)
                out[hit.start(): hit.end()] = rng.choice(EDGE_NUMBERS)
            continue
        pos = rng.randrange(len(out) + 1)
        if op == 0 and out:
            out[min(pos, len(out) - 1)] = rng.randrange(256)
        elif op == 1:
            out[pos:pos] = bytes(rng.choice(b"{}[]()\"':,\n\t\\!&*#%$ ") for _ in range(rng.randint(1, 4)))
        elif op == 2 and out:
            del out[pos: pos + rng.randint(1, 16)]
        elif op == 3:
            lines = bytes(out).split(b"\n")
            if lines:
                i = rng.randrange(len(lines))
                lines.insert(i, lines[i])
                out = bytearray(b"\n".join(lines))
        elif op == 4:
            out = out[: rng.randrange(len(out) + 1)]
        else:
            lines = bytes(out).split(b"\n")
            rng.shuffle(lines)
            out = bytearray(b"\n".join(lines))
    return bytes(out)


def seeds(kind: str) -> list[bytes]:
    if kind == "python":
        return [p.read_bytes() for p in sorted(CORPUS.glob("*/src/**/*.py"))] + [PYTHON_SEED]
    if kind == "template":
        return [p.read_bytes() for p in sorted(CORPUS.glob("*/template.yaml")) + sorted(CORPUS.glob("*/serverless.yml"))] + [
            TEMPLATE_SEED, READERS_SEED, SERVERLESS_SEED, TERRAFORM_SEED, CHALICE_SEED, FOR_EACH_SEED]
    if kind == "trail":
        out = []
        for p in sorted(CORPUS.glob("*/trail/**/*.json*")):
            data = p.read_bytes()
            out.append(gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data)
        return out
    return [json.dumps(json.loads(p.read_text()).get("current_policy", {"Statement": []})).encode()
            for p in sorted(CORPUS.glob("*/case.json"))] + [
        b'{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": ["iam:*"], "Resource": "*"},'
        b' {"Effect": "Deny", "Action": "s3:*", "NotResource": ["arn:aws:s3:::b/*"], "Condition": {"Bool": {"aws:x": true}}}]}',
    ]


def runner(kind: str, work: Path) -> Callable[[bytes], None]:
    from lpgen import api
    from lpgen.errors import LpgenError

    def python(data: bytes) -> None:
        (work / "app.py").write_bytes(data)
        api.suggest([str(work / "app.py")], region="us-east-1", account="1")

    def template(data: bytes) -> None:
        from lpgen.iac import load_template
        from lpgen.iac.current import key_refuses, upload_refusals
        from lpgen.review.service import runtime_statements, service_changes

        for old in work.glob("*.tf"):
            old.unlink()
        path = work / ("main.tf" if data.startswith(b"variable") else ".chalice/config.json" if b'"app_name"' in data[:200] else
                       "serverless.yml" if b"functions:" in data[:4000] else "template.yaml")
        if path.parent.name == ".chalice":
            path.parent.mkdir(exist_ok=True)
            (work / "app.py").write_bytes(CHALICE_APP)
            for name in ("policy-dev.json", "job.json"):
                (path.parent / name).write_bytes(mutate(b'{"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}',
                                                        random.Random(data)))
        path.write_bytes(data)
        (work / "nested.yaml").write_bytes(NESTED)
        try:
            tpl = load_template(str(path), region="us-east-1", account="1")
            for fn in tpl.functions.values():
                current = tpl.current_policy(fn)
                tpl.implied_permissions(fn)
                service_changes(fn, current, tpl.scope)
                runtime_statements(fn, current, tpl.scope)
                for enc in tpl.encrypted:
                    if enc.key_logical:
                        key_refuses(tpl, enc.key_logical, current.role, "kms:Decrypt")
            upload_refusals(tpl, [])
        except LpgenError:
            pass

    def trail(data: bytes) -> None:
        from lpgen.trail.read import SourceFile, read_files
        from lpgen.trail.summary import summarize

        path = work / "t.json"
        path.write_bytes(data)
        summarize(read_files([SourceFile(str(path), len(data))]))

    def policy(data: bytes) -> None:
        from lpgen.policy.parse import load_policy_file
        from lpgen.review.diff import diff_policies

        path = work / "p.json"
        path.write_bytes(data)
        try:
            doc = load_policy_file(str(path))
            diff_policies(doc, doc)
        except LpgenError:
            pass

    return {"python": python, "template": template, "trail": trail, "policy": policy}[kind]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default="python,template,trail,policy")
    ap.add_argument("--json")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    totals: dict[str, dict[str, float]] = {}
    failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for kind in args.only.split(","):
            run = runner(kind, work)
            pool = seeds(kind)
            errors = 0
            start = time.perf_counter()
            for _ in range(args.count):
                data = mutate(rng.choice(pool), rng)
                try:
                    run(data)
                except Exception:  # noqa: BLE001 - every unhandled exception is what we count
                    from lpgen.errors import LpgenError

                    exc = sys.exc_info()[1]
                    if isinstance(exc, LpgenError):
                        continue
                    errors += 1
                    if errors <= 3:
                        print(f"--- {kind}: unhandled {type(exc).__name__}", file=sys.stderr)
                        traceback.print_exc(limit=3)
                        print(data[:400], file=sys.stderr)
            seconds = time.perf_counter() - start
            totals[kind] = {"inputs": args.count, "unhandled": errors, "seconds": round(seconds, 1)}
            failed += errors
            print(f"{kind:<9} {args.count:>6} inputs  {errors:>4} unhandled  {seconds:7.1f} s")
    if args.json:
        Path(args.json).write_text(json.dumps(totals, indent=1) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
