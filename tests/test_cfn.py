"""CloudFormation YAML: short-form tags read as their long forms, lists inside them too."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import MORE_TYPES_CODE, MORE_TYPES_GRANTS, kafka_iam, sam_function

from lpgen import api
from lpgen.errors import TemplateError
from lpgen.iac import emit, load_template
from lpgen.iac.cfn import load_document

SHORT = """\
A: !Join ["", ["a", !Ref X]]
B: !Join
  - ""
  - - "arn:aws:s3:::"
    - !Ref Bucket
    - /*
C: !Select [1, !Split ["/", !Ref Arn]]
D: !If [IsProd, [a, b], !Ref X]
E: !Sub ["${a}-x", {a: !GetAtt T.Arn}]
"""

LONG = {
    "A": {"Fn::Join": ["", ["a", {"Ref": "X"}]]},
    "B": {"Fn::Join": ["", ["arn:aws:s3:::", {"Ref": "Bucket"}, "/*"]]},
    "C": {"Fn::Select": [1, {"Fn::Split": ["/", {"Ref": "Arn"}]}]},
    "D": {"Fn::If": ["IsProd", ["a", "b"], {"Ref": "X"}]},
    "E": {"Fn::Sub": ["${a}-x", {"a": {"Fn::GetAtt": ["T", "Arn"]}}]},
}


def _suggest(template: Path) -> Any:
    """The suggestion for the only function of ``template`` (us-east-1, account 1)."""
    from lpgen import api

    return api.suggest_for_function(load_template(str(template), region="us-east-1", account="1"), None)


def test_short_form_tags_keep_the_lists_they_hold(tmp_path: Path) -> None:
    (tmp_path / "t.yaml").write_text(SHORT)
    assert json.loads(json.dumps(load_document(str(tmp_path / "t.yaml")))) == LONG


def test_environment_and_todays_policy_through_join_select_and_split(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "template.yaml").write_text("""\
Transform: AWS::Serverless-2016-10-31
Parameters:
  Env: {Type: String, Default: dev}
Resources:
  Data:
    Type: AWS::S3::Bucket
    Properties: {BucketName: !Join ["-", [shop, !Ref Env, data]]}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      Runtime: python3.12
      Environment:
        Variables:
          QUEUE: !Join ["", ["https://sqs.", !Ref "AWS::Region", ".amazonaws.com/", !Ref "AWS::AccountId", "/jobs-", !Ref Env]]
          PREFIX: !Select [0, !Split ["-", "in-2026"]]
      Policies:
        - Statement:
            - Effect: Allow
              Action: s3:GetObject
              Resource: !Join ["", ["arn:aws:s3:::", !Ref Data, "/*"]]
""")
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="123456789012")
    fn = tpl.function("Fn")
    assert fn.environment["QUEUE"] == "https://sqs.us-east-1.amazonaws.com/123456789012/jobs-dev"
    assert fn.environment["PREFIX"] == "in"
    current = tpl.current_policy(fn)
    assert [st.resources for st in current.policy.statements] == [("arn:aws:s3:::shop-dev-data/*",)]


def test_dynamic_references_are_unknown_and_reported(tmp_path: Path) -> None:
    from lpgen import api

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    boto3.resource('dynamodb').Table(os.environ['TABLE']).get_item(Key={})\n"
    )
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      CodeUri: src/\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "      Environment:\n"
        "        Variables:\n"
        "          TABLE: '{{resolve:ssm:/app/table-name}}'\n"
    )
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="1")
    result = api.suggest_for_function(tpl, "Fn")
    assert {(p.action, p.resource) for p in result.permissions} == {("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/*")}
    found = [f for f in result.findings if f.code == "LP209"]
    assert len(found) == 1 and "{{resolve:ssm:/app/table-name}}" in found[0].message and found[0].line == 10
    given = api.suggest_for_function(tpl, "Fn", env={"TABLE": "orders"})
    assert {p.resource for p in given.permissions} == {"arn:aws:dynamodb:us-east-1:1:table/orders"}
    assert not [f for f in given.findings if f.code == "LP209"]


def test_exports_and_parameters_without_a_value_are_reported_by_variable(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Parameters:\n"
        "  TableName: {Type: String}\n"
        "Resources:\n"
        "  Fn:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties:\n"
        "      Handler: app.handler\n"
        "      Runtime: python3.12\n"
        "      Code: .\n"
        "      Environment:\n"
        "        Variables:\n"
        "          TABLE: !Ref TableName\n"
        "          BUCKET: !ImportValue shared-bucket\n"
    )
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="1")
    messages = sorted(f.message for f in tpl.implied_findings(tpl.function("Fn")) if f.code == "LP209")
    assert messages == [
        "environment variable BUCKET takes another stack's export shared-bucket, not known here (pass --env BUCKET=…)",
        "environment variable TABLE takes template parameter TableName (no default; --param TableName=… gives it), "
        "not known here (pass --env TABLE=…)",
    ]
    given = load_template(str(tmp_path / "template.yaml"), params={"TableName": "orders"}, region="us-east-1", account="1")
    assert [f.message for f in given.implied_findings(given.function("Fn")) if "TABLE" in f.message] == []


def test_an_extension_the_environment_configures_fetches_with_the_role(tmp_path: Path) -> None:
    """Datadog's extension reads the API key from the secret DD_API_KEY_SECRET_ARN names, with
    the function's role: the policy allows it, with the template's line as evidence."""
    from lpgen import api

    template = sam_function(
        tmp_path,
        "      Environment:\n        Variables:\n"
        "          DD_API_KEY_SECRET_ARN: !Ref DdKey\n          DD_SITE: datadoghq.com\n",
        "  DdKey:\n    Type: AWS::SecretsManager::Secret\n    Properties: {Name: datadog/api-key}\n",
    )
    tpl = load_template(str(template), region="us-east-1", account="1")
    result = api.suggest_for_function(tpl, None)
    assert [(p.action, p.resource, [e.line for e in p.evidence]) for p in result.permissions] == [
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:datadog/api-key-??????", [6]),
    ]
    plain = api.suggest([str(tmp_path / "src" / "app.py")], env={"DD_API_KEY_SSM_NAME": "/dd/key"}, region="us-east-1", account="1")
    assert [(p.action, p.resource) for p in plain.permissions] == [("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/dd/key")]


def test_a_lambda_insights_layer_writes_to_its_log_group_in_every_template_form(tmp_path: Path) -> None:
    """The Lambda Insights extension a function's layer runs writes to /aws/lambda-insights
    with the function's role, whichever template names the layer."""
    from lpgen import api

    layer = "arn:aws:lambda:us-east-1:580247275435:layer:LambdaInsightsExtension:53"
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(event, context):\n    return 1\n")
    sam = tmp_path / "template.yaml"
    sam.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src/, Handler: app.handler, Runtime: python3.12,\n"
        "                 Layers: [!Sub 'arn:aws:lambda:${AWS::Region}:580247275435:layer:LambdaInsightsExtension:53']}\n"
    )
    sls = tmp_path / "serverless.yml"
    sls.write_text(f"service: s\nprovider: {{name: aws, runtime: python3.12}}\nfunctions:\n  fn:\n    handler: src/app.handler\n    layers: ['{layer}']\n")
    tf = tmp_path / "tf"
    tf.mkdir()
    (tf / "main.tf").write_text(
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n  runtime = "python3.12"\n'
        f'  filename = "fn.zip"\n  layers = ["{layer}"]\n}}\n'
    )
    for path in (sam, sls, tf):
        tpl = load_template(str(path), region="us-east-1", account="1")
        assert tpl.function(None).layer_arns == (layer,)
    result = api.suggest_for_function(load_template(str(sam), region="us-east-1", account="1"), None)
    group = "arn:aws:logs:us-east-1:1:log-group:/aws/lambda-insights"
    assert {(p.action, p.resource) for p in result.permissions} == {
        ("logs:CreateLogGroup", group + ":*"), ("logs:CreateLogStream", group + ":log-stream:*"),
        ("logs:PutLogEvents", group + ":log-stream:*"),
    }


def test_an_arn_a_template_builds_from_pseudo_parameters_keeps_the_functions_own_place(tmp_path: Path) -> None:
    """``!Sub "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:alerts"`` in the
    environment is the topic in the function's own account: with no account given the policy
    says ``${AWS::AccountId}``, not any account; with one given, that account."""
    from lpgen import api

    template = sam_function(
        tmp_path,
        "      Environment:\n        Variables:\n"
        "          TOPIC_ARN: !Sub 'arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:alerts'\n"
        "          STREAM_ARN: !Sub 'arn:aws:kinesis:${AWS::Region}:${AWS::AccountId}:stream/clicks'\n",
        code=(
            "import os\nimport boto3\n"
            "def handler(event, context):\n"
            "    boto3.client('sns').publish(TopicArn=os.environ['TOPIC_ARN'], Message='m')\n"
            "    boto3.client('kinesis').put_record(StreamARN=os.environ['STREAM_ARN'], Data=b'x', PartitionKey='k')\n"
        ),
    )
    placeholders = api.suggest_for_function(load_template(str(template)), None)
    assert {(p.action, p.resource) for p in placeholders.permissions} == {
        ("sns:Publish", "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:alerts"),
        ("kinesis:PutRecord", "arn:aws:kinesis:${AWS::Region}:${AWS::AccountId}:stream/clicks"),
    }
    assert not [f for f in placeholders.findings if f.code == "LP101"]
    given = api.suggest_for_function(load_template(str(template), region="eu-west-1", account="1"), None)
    assert {(p.action, p.resource) for p in given.permissions} == {
        ("sns:Publish", "arn:aws:sns:eu-west-1:1:alerts"),
        ("kinesis:PutRecord", "arn:aws:kinesis:eu-west-1:1:stream/clicks"),
    }


def test_a_mounted_file_system_is_mounted_with_the_functions_role(tmp_path: Path) -> None:
    """Lambda mounts an EFS access point with the function's role: ClientMount and ClientWrite
    on the file system, through that access point; one the template makes is any file system
    of the account, its id being known only once deployed."""
    from lpgen import api

    ap = "arn:aws:elasticfilesystem:us-east-1:1:access-point/fsap-0123"
    template = sam_function(
        tmp_path,
        "      FileSystemConfigs:\n"
        f"        - {{Arn: {ap}, LocalMountPath: /mnt/data}}\n",
    )
    result = _suggest(template)
    assert {(p.action, p.resource, p.condition) for p in result.permissions} == {
        (action, "arn:aws:elasticfilesystem:us-east-1:1:file-system/*", (("StringEquals", "elasticfilesystem:AccessPointArn", ap),))
        for action in ("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite")
    }
    made = sam_function(
        tmp_path,
        "      FileSystemConfigs:\n        - {Arn: !GetAtt Ap.Arn, LocalMountPath: /mnt/data}\n",
        "  Fs: {Type: AWS::EFS::FileSystem}\n  Ap:\n    Type: AWS::EFS::AccessPoint\n    Properties: {FileSystemId: !Ref Fs}\n",
    )
    result = api.suggest_for_function(load_template(str(made), region="us-east-1", account="1"), None)
    assert {(p.action, p.resource, p.condition) for p in result.permissions} == {
        ("elasticfilesystem:ClientMount", "arn:aws:elasticfilesystem:us-east-1:1:file-system/*", ()),
        ("elasticfilesystem:ClientWrite", "arn:aws:elasticfilesystem:us-east-1:1:file-system/*", ()),
    }


def test_a_mounted_file_system_in_serverless_yml_and_terraform(tmp_path: Path) -> None:
    from lpgen import api

    ap = "arn:aws:elasticfilesystem:us-east-1:1:access-point/fsap-0123"
    (tmp_path / "app.py").write_text("def handler(event, context):\n    return 1\n")
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n"
        f"functions:\n  fn:\n    handler: app.handler\n    fileSystemConfig:\n      arn: {ap}\n      localMountPath: /mnt/data\n")
    (tmp_path / "main.tf").write_text(
        'resource "aws_lambda_function" "fn" {\n  function_name = "fn"\n  handler = "app.handler"\n'
        '  runtime = "python3.12"\n  filename = "fn.zip"\n  role = "arn:aws:iam::1:role/fn"\n'
        f'  file_system_config {{\n    arn = "{ap}"\n    local_mount_path = "/mnt/data"\n  }}\n}}\n')
    for name in ("serverless.yml", "main.tf"):
        tpl = load_template(str(tmp_path / name), region="us-east-1", account="1")
        result = api.suggest_for_function(tpl, None)
        assert {(p.action, p.resource) for p in result.permissions} == {
            ("elasticfilesystem:ClientMount", "arn:aws:elasticfilesystem:us-east-1:1:file-system/*"),
            ("elasticfilesystem:ClientWrite", "arn:aws:elasticfilesystem:us-east-1:1:file-system/*"),
        }, name


def test_a_function_without_a_name_has_the_one_cloudformation_makes(tmp_path: Path) -> None:
    """CloudFormation names a function stack-Logical-random: the context's name and log group
    hold that pattern, not any function."""

    template = sam_function(tmp_path, code=(
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('lambda').get_function_configuration(FunctionName=context.function_name)\n"
    ))
    result = _suggest(template)
    assert [(p.action, p.resource) for p in result.permissions] == [
        ("lambda:GetFunctionConfiguration", "arn:aws:lambda:us-east-1:1:function:*-Fn-*"),
    ]


def test_names_cloudformation_makes_without_the_stacks_name(tmp_path: Path) -> None:
    """A state machine is named Logical-random and a secret the same, a parameter
    CFN-Logical-random: a pattern that asks for stack-Logical-random matches none of them, so
    every call on them was denied."""

    template = sam_function(tmp_path, code=(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('stepfunctions').start_execution(stateMachineArn=os.environ['FLOW'])\n"
        "    boto3.client('stepfunctions').start_sync_execution(stateMachineArn=os.environ['EXPRESS'])\n"
        "    boto3.client('secretsmanager').get_secret_value(SecretId=os.environ['TOKEN'])\n"
        "    boto3.client('ssm').get_parameter(Name=os.environ['PARAM'])\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE'], MessageBody='x')\n"
        "    boto3.client('glue').start_job_run(JobName=os.environ['JOB'])\n"
        "    boto3.client('glue').start_job_run(JobName=os.environ['LONG_JOB'])\n"
    ), resources=(
        "  Flow:\n    Type: AWS::StepFunctions::StateMachine\n    Properties: {DefinitionString: '{}', RoleArn: r}\n"
        "  Express:\n    Type: AWS::Serverless::StateMachine\n    Properties: {Type: EXPRESS, Definition: {}}\n"
        "  Token:\n    Type: AWS::SecretsManager::Secret\n"
        "  Param:\n    Type: AWS::SSM::Parameter\n    Properties: {Type: String, Value: x}\n"
        "  Queue:\n    Type: AWS::SQS::Queue\n"
        "  Job:\n    Type: AWS::Glue::Job\n    Properties: {Role: r, Command: {Name: glueetl}}\n"
        "  NightlyOrdersAggregationJobForReports:\n    Type: AWS::Glue::Job\n    Properties: {Role: r, Command: {Name: glueetl}}\n"
    ), properties=(
        "      Environment:\n        Variables:\n          FLOW: !Ref Flow\n          EXPRESS: !GetAtt Express.Arn\n"
        "          TOKEN: !Ref Token\n          PARAM: !Ref Param\n          QUEUE: !Ref Queue\n"
        "          JOB: !Ref Job\n          LONG_JOB: !Ref NightlyOrdersAggregationJobForReports\n"
    ))
    result = _suggest(template)
    assert {(p.action, p.resource) for p in result.permissions} == {
        ("states:StartExecution", "arn:aws:states:us-east-1:1:stateMachine:Flow-*"),
        ("states:StartSyncExecution", "arn:aws:states:us-east-1:1:stateMachine:Express-*"),
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:Token-*-??????"),
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/CFN-Param-*"),
        # NOTE: a Glue job's name is cut to 40 characters, the random twelve kept.
        ("glue:StartJobRun", "arn:aws:glue:us-east-1:1:job/Job-*"),
        ("glue:StartJobRun", "arn:aws:glue:us-east-1:1:job/NightlyOrdersAggregationJob*"),
        # NOTE: the types that do hold the stack's name keep it.
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:*-Queue-*"),
    }


def test_state_machines_of_the_step_functions_plugin_in_a_serverless_yml(tmp_path: Path) -> None:
    """serverless-step-functions adds a state machine per ``stepFunctions.stateMachines``
    entry, under the logical id of its ``id`` or ``name``, else KeyStepFunctionsStateMachine:
    a ``!Ref`` of it names that machine, not every machine."""
    from lpgen import api

    (tmp_path / "handler.py").write_text(
        "import os, boto3\n"
        "sfn = boto3.client('stepfunctions')\n"
        "def start(event, context):\n"
        "    sfn.start_execution(stateMachineArn=os.environ['FLOW'])\n"
        "    sfn.start_execution(stateMachineArn=os.environ['NAMED'])\n"
        "    sfn.start_execution(stateMachineArn=os.environ['BY_ID'])\n"
    )
    (tmp_path / "serverless.yml").write_text("""\
service: orders
provider: {name: aws, runtime: python3.12, region: eu-west-1}
functions:
  start:
    handler: handler.start
    environment:
      FLOW: !Ref OrderUnderscoreflowStepFunctionsStateMachine
      NAMED: !Ref OrdersDashnamed
      BY_ID: ${self:resources.Outputs.ById.Value}
stepFunctions:
  stateMachines:
    order_flow:
      definition: {StartAt: A, States: {A: {Type: Pass, End: true}}}
    named:
      name: orders-named
      definition: {StartAt: A, States: {A: {Type: Pass, End: true}}}
    third:
      id: ThirdMachine
      name: orders-third-${sls:stage}
      definition: {StartAt: A, States: {A: {Type: Pass, End: true}}}
plugins: [serverless-step-functions]
resources:
  Outputs:
    ById: {Value: !Ref ThirdMachine}
""")
    tpl = load_template(str(tmp_path / "serverless.yml"), account="1")
    result = api.suggest_for_function(tpl, None)
    assert {(p.action, p.resource) for p in result.permissions} == {
        ("states:StartExecution", "arn:aws:states:eu-west-1:1:stateMachine:OrderUnderscoreflowStepFunctionsStateMachine-*"),
        ("states:StartExecution", "arn:aws:states:eu-west-1:1:stateMachine:orders-named"),
        ("states:StartExecution", "arn:aws:states:eu-west-1:1:stateMachine:orders-third-dev"),
    }


def test_an_aurora_cluster_for_the_data_api(tmp_path: Path) -> None:
    """``!GetAtt Db.DBClusterArn`` and ``!Ref Db`` name the cluster the Data API runs on; a
    generated identifier is lower case."""
    from lpgen import api

    template = sam_function(tmp_path, code=(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('rds-data').execute_statement(resourceArn=os.environ['DB'], secretArn='arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf', sql='SELECT 1')\n"
        "    boto3.client('rds-data').execute_statement(resourceArn=os.environ['REPORTS'], secretArn='arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf', sql='SELECT 1')\n"
    ), resources=(
        "  OrdersDb:\n    Type: AWS::RDS::DBCluster\n    Properties: {Engine: aurora-postgresql}\n"
        "  Reports:\n    Type: AWS::RDS::DBCluster\n    Properties: {Engine: aurora-postgresql, DBClusterIdentifier: reports}\n"
    ), properties=(
        "      Environment:\n        Variables:\n          DB: !GetAtt OrdersDb.DBClusterArn\n"
        "          REPORTS: !Sub 'arn:${AWS::Partition}:rds:${AWS::Region}:${AWS::AccountId}:cluster:${Reports}'\n"
    ))
    tpl = load_template(str(template), region="us-east-1", account="1", params={"AWS::StackName": "Shop"})
    got = {(p.action, p.resource) for p in api.suggest_for_function(tpl, None).permissions}
    assert {r for a, r in got if a == "rds-data:ExecuteStatement"} == {
        "arn:aws:rds:us-east-1:1:cluster:shop-ordersdb-*", "arn:aws:rds:us-east-1:1:cluster:reports",
    }


def test_outputs_of_a_nested_stack_on_disk(tmp_path: Path) -> None:
    """``!GetAtt Storage.Outputs.TableName`` of a nested stack whose template is on disk is
    that template's output, with the parameters passed to it; a stack from elsewhere (the
    Serverless Application Repository, S3) stays unknown."""

    (tmp_path / "storage").mkdir()
    (tmp_path / "storage" / "template.yaml").write_text(
        "Parameters:\n  Stage: {Type: String}\n"
        "Resources:\n  Orders:\n    Type: AWS::DynamoDB::Table\n    Properties: {TableName: !Sub 'orders-${Stage}'}\n"
        "  Jobs:\n    Type: AWS::SQS::Queue\n"
        "Outputs:\n  TableName: {Value: !Ref Orders}\n  QueueUrl: {Value: !Ref Jobs}\n"
    )
    template = sam_function(tmp_path, code=(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    boto3.resource('dynamodb').Table(os.environ['TABLE']).put_item(Item={})\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE'], MessageBody='x')\n"
        "    boto3.client('sns').publish(TopicArn=os.environ['TOPIC'], Message='x')\n"
    ), resources=(
        "  Storage:\n    Type: AWS::Serverless::Application\n"
        "    Properties: {Location: storage/template.yaml, Parameters: {Stage: prod}}\n"
        "  Alerts:\n    Type: AWS::CloudFormation::Stack\n"
        "    Properties: {TemplateURL: 'https://s3.amazonaws.com/b/alerts.yaml'}\n"
    ), properties=(
        "      Environment:\n        Variables:\n          TABLE: !GetAtt Storage.Outputs.TableName\n"
        "          QUEUE: !GetAtt Storage.Outputs.QueueUrl\n          TOPIC: !GetAtt Alerts.Outputs.TopicArn\n"
    ))
    result = _suggest(template)
    got = {(p.action, p.resource) for p in result.permissions}
    # NOTE: what is not known is said, with what to pass.
    assert [f.message for f in result.findings if f.code == "LP209"] == [
        "environment variable TOPIC takes nested stack Alerts's output TopicArn, not known here (pass --env TOPIC=…)"]
    assert got == {
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders-prod"),
        # NOTE: the nested stack is named Parent-Storage-random: its queue's name holds that.
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:*-Jobs-*"),
        ("sns:Publish", "arn:aws:sns:us-east-1:1:*"),
    }


def test_a_resource_encrypted_with_a_key_named_by_its_alias(tmp_path: Path) -> None:
    """A queue on ``alias/orders`` needs KMS on the key that alias names: any key of the
    account with that alias, through SQS; an AWS managed key's alias needs nothing."""

    template = sam_function(tmp_path, code=(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['JOBS'], MessageBody='x')\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['MANAGED'], MessageBody='x')\n"
    ), resources=(
        "  Jobs:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: jobs, KmsMasterKeyId: alias/orders}\n"
        "  Managed:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: managed, KmsMasterKeyId: alias/aws/sqs}\n"
    ), properties=(
        "      Environment:\n        Variables: {JOBS: !Ref Jobs, MANAGED: !Ref Managed}\n"
    ))
    result = _suggest(template)
    kms = {(p.action, p.resource, p.condition) for p in result.permissions if p.action.startswith("kms:")}
    condition = (("ForAnyValue:StringEquals", "kms:ResourceAliases", "alias/orders"),
                 ("StringEquals", "kms:ViaService", "sqs.us-east-1.amazonaws.com"))
    assert kms == {
        ("kms:GenerateDataKey", "arn:aws:kms:us-east-1:1:key/*", condition),
        ("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/*", condition),
    }


def test_an_upload_in_parts_to_a_bucket_on_a_customer_key_can_decrypt(tmp_path: Path) -> None:
    """S3 reads the encrypted parts of a multipart upload to complete it: upload_file to a
    bucket whose default encryption is a customer key needs kms:Decrypt besides
    kms:GenerateDataKey; a single put_object needs only the latter."""

    template = sam_function(tmp_path, code=(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('s3').upload_file('/tmp/f', os.environ['BIG'], 'x.bin')\n"
        "    boto3.client('s3').put_object(Bucket=os.environ['SMALL'], Key='y.bin', Body=b'')\n"
    ), resources="".join(
        f"  {name}:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: {name.lower()}\n"
        "      BucketEncryption: {ServerSideEncryptionConfiguration: [{ServerSideEncryptionByDefault: "
        f"{{SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'arn:aws:kms:us-east-1:1:key/{name.lower()}'}}}}]}}\n"
        for name in ("Big", "Small")
    ), properties="      Environment:\n        Variables: {BIG: !Ref Big, SMALL: !Ref Small}\n")
    result = _suggest(template)
    assert {(p.action, p.resource) for p in result.permissions if p.action.startswith("kms:")} == {
        ("kms:GenerateDataKey", "arn:aws:kms:us-east-1:1:key/big"),
        ("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/big"),
        ("kms:GenerateDataKey", "arn:aws:kms:us-east-1:1:key/small"),
    }


def test_an_enhanced_fan_out_consumer_as_the_event_source(tmp_path: Path) -> None:
    """A Kinesis mapping on a stream consumer (``!Ref Consumer``, its ARN) reads the consumer's
    stream and subscribes to its shards as the consumer."""

    template = sam_function(tmp_path, resources=(
        "  Stream:\n    Type: AWS::Kinesis::Stream\n    Properties: {Name: events, ShardCount: 1}\n"
        "  Consumer:\n    Type: AWS::Kinesis::StreamConsumer\n"
        "    Properties: {ConsumerName: fn, StreamARN: !GetAtt Stream.Arn}\n"
    ), properties=(
        "      Events:\n        K:\n          Type: Kinesis\n"
        "          Properties: {Stream: !Ref Consumer, StartingPosition: LATEST}\n"
    ))
    result = _suggest(template)
    stream = "arn:aws:kinesis:us-east-1:1:stream/events"
    assert {(p.action, p.resource) for p in result.permissions} == {
        ("kinesis:SubscribeToShard", f"{stream}/consumer/fn:*"),
        *((a, stream) for a in ("kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
                                "kinesis:DescribeStreamSummary", "kinesis:ListShards")),
    }


def test_msk_clusters_with_iam_access_control_need_their_topics_and_group(tmp_path: Path) -> None:
    """Lambda reads an MSK cluster with IAM access control (a serverless cluster always, a
    provisioned one with Sasl.Iam) as the function's role: kafka-cluster actions on the
    cluster, the topics read and the consumer group. A cluster reached with a SCRAM secret
    needs none of them."""

    template = sam_function(tmp_path, resources=(
        "  Events:\n    Type: AWS::MSK::ServerlessCluster\n"
        "    Properties: {ClusterName: events, ClientAuthentication: {Sasl: {Iam: {Enabled: true}}}, VpcConfigs: []}\n"
        "  Orders:\n    Type: AWS::MSK::Cluster\n"
        "    Properties: {ClusterName: orders, ClientAuthentication: {Sasl: {Iam: {Enabled: true}, Scram: {Enabled: true}}}}\n"
    ), properties=(
        "      Events:\n"
        "        E:\n          Type: MSK\n"
        "          Properties: {Stream: !GetAtt Events.Arn, StartingPosition: LATEST, Topics: [clicks], ConsumerGroupId: fn}\n"
        "        O:\n          Type: MSK\n"
        "          Properties:\n            Stream: !Ref Orders\n            StartingPosition: LATEST\n            Topics: [orders]\n"
        "            SourceAccessConfigurations: [{Type: SASL_SCRAM_512_AUTH, URI: arn:aws:secretsmanager:us-east-1:1:secret:AmazonMSK_o-AbCdEf}]\n"
    ))
    result = _suggest(template)
    iam = {(p.action, p.resource) for p in result.permissions if p.action.startswith("kafka-cluster:")}
    assert iam == kafka_iam("events", "clicks", "fn")
    # NOTE: the cluster is named, not every cluster of the account.
    assert ("kafka:DescribeClusterV2", "arn:aws:kafka:us-east-1:1:cluster/orders/*") in {
        (p.action, p.resource) for p in result.permissions}


def test_an_opensearch_domain_and_an_alarm_of_the_template(tmp_path: Path) -> None:
    """A named OpenSearch domain's endpoint names it in the signed request's grant; an alarm's
    Ref is its (generated) name."""

    template = sam_function(tmp_path, code=(
        "import os, boto3, requests\n"
        "from requests_aws4auth import AWS4Auth\n"
        "def handler(event, context):\n"
        "    requests.get(f\"https://{os.environ['ES']}/orders/_search\", auth=AWS4Auth('k', 's', 'us-east-1', 'es'))\n"
        "    boto3.client('cloudwatch').set_alarm_state(AlarmName=os.environ['ALARM'], StateValue='OK', StateReason='r')\n"
    ), resources=(
        "  Search:\n    Type: AWS::OpenSearchService::Domain\n    Properties: {DomainName: orders}\n"
        "  Alarm:\n    Type: AWS::CloudWatch::Alarm\n    Properties: {MetricName: m, Namespace: n}\n"
    ), properties="      Environment:\n        Variables: {ES: !GetAtt Search.DomainEndpoint, ALARM: !Ref Alarm}\n")
    result = _suggest(template)
    assert {(p.action, p.resource) for p in result.permissions} == {
        ("es:ESHttpGet", "arn:aws:es:us-east-1:1:domain/orders/orders/_search"),
        ("cloudwatch:SetAlarmState", "arn:aws:cloudwatch:us-east-1:1:alarm:*-Alarm-*"),
    }


def test_no_value_removes_the_list_item_or_key_that_holds_it(tmp_path: Path) -> None:
    """CDK's grants write ``[table ARN, {"Ref": "AWS::NoValue"}]``: CloudFormation drops the
    item, so today's policy has no empty resource (shown as excess with no ARN)."""
    template = sam_function(tmp_path, resources=(
        "  T:\n    Type: AWS::DynamoDB::Table\n"
        "  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n"
        "      Policies:\n        - PolicyName: p\n          PolicyDocument:\n            Statement:\n"
        "              - {Effect: Allow, Action: dynamodb:GetItem, Resource: [!GetAtt T.Arn, !Ref AWS::NoValue]}\n"
        "              - Effect: Allow\n                Action: sqs:SendMessage\n"
        "                Resource: arn:aws:sqs:us-east-1:1:q\n                Condition: !Ref AWS::NoValue\n"
    ), properties="      Role: !GetAtt Role.Arn\n")
    tpl = load_template(str(template), region="us-east-1", account="1")
    statements = tpl.current_policy(tpl.function("Fn")).policy.statements
    assert [(st.actions, st.resources, st.condition) for st in statements] == [
        (("dynamodb:GetItem",), ("arn:aws:dynamodb:us-east-1:1:table/*-T-*",), ()),
        (("sqs:SendMessage",), ("arn:aws:sqs:us-east-1:1:q",), ()),
    ]
    # NOTE: a Role a condition removes leaves SAM to make the function's role.
    template = sam_function(tmp_path, resources="", properties=(
        "      Role: !If [Never, arn:aws:iam::1:role/x, !Ref AWS::NoValue]\n"
        "      Policies: [{Statement: [{Effect: Allow, Action: sns:Publish, Resource: '*'}]}]\n"
    ))
    template.write_text("Conditions:\n  Never: !Equals [a, b]\n" + template.read_text())
    tpl = load_template(str(template), region="us-east-1", account="1")
    current = tpl.current_policy(tpl.function("Fn"))
    assert not current.unknown and [st.actions for st in current.policy.statements] == [("sns:Publish",)]


def test_a_global_table_is_named_as_a_table(tmp_path: Path) -> None:
    """``AWS::DynamoDB::GlobalTable``'s Ref is its name, and its stream an ARN under it."""

    template = sam_function(tmp_path, code=(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    boto3.resource('dynamodb').Table(os.environ['TABLE']).get_item(Key={'pk': 'a'})\n"
    ), resources=(
        "  Orders:\n    Type: AWS::DynamoDB::GlobalTable\n"
        "    Properties: {TableName: orders, Replicas: [{Region: us-east-1}], StreamSpecification: {StreamViewType: NEW_IMAGE}}\n"
    ), properties=(
        "      Environment:\n        Variables:\n          TABLE: !Ref Orders\n"
        "      Events:\n        Changes:\n          Type: DynamoDB\n"
        "          Properties: {Stream: !GetAtt Orders.StreamArn, StartingPosition: LATEST}\n"
    ))
    result = _suggest(template)
    got = {(p.action, p.resource) for p in result.permissions}
    assert ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/orders") in got
    assert ("dynamodb:GetRecords", "arn:aws:dynamodb:us-east-1:1:table/orders/stream/*") in got


def test_athena_results_go_where_the_workgroup_says_with_the_roles_rights(tmp_path: Path) -> None:
    """A query that names no OutputLocation writes its results to its workgroup's, with the
    caller's rights: the template's workgroup gives it; else LP106 says the role needs S3
    writes there."""
    from lpgen import api

    code = ("import boto3\nathena = boto3.client('athena')\n"
            "def handler(event, context):\n"
            "    athena.start_query_execution(QueryString='SELECT 1', WorkGroup='reports')\n"
            "    athena.start_query_execution(QueryString='SELECT 2', WorkGroup='other')\n"
            "    athena.start_query_execution(QueryString='SELECT 3', ResultConfiguration={'OutputLocation': 's3://mine/q/'})\n")
    plain = tmp_path / "plain.py"
    plain.write_text(code)
    bare = api.suggest([str(plain)], region="us-east-1", account="1")
    assert [f.line for f in bare.findings if f.code == "LP106"] == [4, 5]
    template = sam_function(tmp_path, code=code, resources=(
        "  Reports:\n    Type: AWS::Athena::WorkGroup\n    Properties:\n      Name: reports\n"
        "      WorkGroupConfiguration: {ResultConfiguration: {OutputLocation: s3://athena-out/reports}}\n"))
    result = _suggest(template)
    got = {(p.action, p.resource) for p in result.permissions}
    assert {("s3:PutObject", "arn:aws:s3:::athena-out/reports/*"), ("s3:ListBucket", "arn:aws:s3:::athena-out"),
            ("s3:PutObject", "arn:aws:s3:::mine/q/*")} <= got
    assert [f.line for f in result.findings if f.code == "LP106"] == [5]


def test_serverless_resources_imply_what_they_do_in_a_template(tmp_path: Path) -> None:
    """serverless.yml's resources section is CloudFormation: a queue encrypted with a key the
    section defines needs that key to send, and a workgroup's output location is written."""
    from lpgen import api

    (tmp_path / "app.py").write_text(
        "import os\nimport boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE'], MessageBody='m')\n"
        "    boto3.client('athena').start_query_execution(QueryString='SELECT 1', WorkGroup='reports')\n")
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n"
        "functions:\n  fn:\n    handler: app.handler\n    environment:\n      QUEUE: {Ref: Jobs}\n"
        "resources:\n  Resources:\n"
        "    Key: {Type: AWS::KMS::Key, Properties: {KeyPolicy: {}}}\n"
        "    Jobs:\n      Type: AWS::SQS::Queue\n      Properties: {QueueName: jobs, KmsMasterKeyId: {'Fn::GetAtt': [Key, Arn]}}\n"
        "    Reports:\n      Type: AWS::Athena::WorkGroup\n      Properties:\n        Name: reports\n"
        "        WorkGroupConfiguration: {ResultConfiguration: {OutputLocation: 's3://out/reports/'}}\n")
    result = api.suggest_for_function(load_template(str(tmp_path / "serverless.yml"), region="us-east-1", account="1"), None)
    actions = {p.action for p in result.permissions}
    assert {"kms:GenerateDataKey", "kms:Decrypt"} <= actions
    assert ("s3:PutObject", "arn:aws:s3:::out/reports/*") in {(p.action, p.resource) for p in result.permissions}
    assert not [f for f in result.findings if f.code == "LP106"]


def test_a_topic_encrypted_with_the_templates_key_by_ref_needs_it_to_publish(tmp_path: Path) -> None:
    """``KmsMasterKeyId: !Ref Key`` gives the key's id, known once deployed: publishing to the
    topic (here Lambda's delivery to a dead-letter topic) still needs a key of the account."""

    template = sam_function(
        tmp_path, "      DeadLetterQueue: {Type: SNS, TargetArn: !Ref Dlq}\n",
        "  Key: {Type: AWS::KMS::Key, Properties: {KeyPolicy: {}}}\n"
        "  Dlq: {Type: AWS::SNS::Topic, Properties: {TopicName: dlq, KmsMasterKeyId: !Ref Key}}\n")
    result = _suggest(template)
    assert {(p.action, p.resource) for p in result.permissions if p.action.startswith("kms:")} == {
        ("kms:GenerateDataKey", "arn:aws:kms:us-east-1:1:key/*"), ("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/*")}


def test_a_rotation_function_acts_on_the_secrets_it_rotates(tmp_path: Path) -> None:
    """Secrets Manager invokes a rotation function with the SecretId of the secret whose
    rotation schedule names it: the secret the template defines, not any secret."""

    template = sam_function(
        tmp_path,
        code=("import boto3\nsm = boto3.client('secretsmanager')\n"
              "def handler(event, context):\n"
              "    sm.put_secret_value(SecretId=event['SecretId'], ClientRequestToken=event['ClientRequestToken'], SecretString='x')\n"),
        resources=("  Db: {Type: AWS::SecretsManager::Secret, Properties: {Name: prod/db}}\n"
                   "  Rotation:\n    Type: AWS::SecretsManager::RotationSchedule\n"
                   "    Properties: {SecretId: !Ref Db, RotationLambdaARN: !GetAtt Fn.Arn}\n"),
    )
    result = _suggest(template)
    assert [(p.action, p.resource) for p in result.permissions] == [
        ("secretsmanager:PutSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:prod/db-??????"),
    ]


def test_a_polled_record_names_the_queue_or_stream_it_comes_from(tmp_path: Path) -> None:
    """Each record Lambda delivers from a queue or stream names its source
    (``eventSourceARN``): a queue URL or a table name the code takes from it is that
    queue's or that table's, not any queue of any account."""
    (tmp_path / "q").mkdir()
    queue = sam_function(
        tmp_path / "q",
        code=("import boto3\nsqs = boto3.client('sqs')\n"
              "def handler(event, context):\n"
              "    for record in event['Records']:\n"
              "        _, _, _, region, account, name = record['eventSourceARN'].split(':')\n"
              "        sqs.delete_message(QueueUrl=f'https://sqs.{region}.amazonaws.com/{account}/{name}',\n"
              "                           ReceiptHandle=record['receiptHandle'])\n"),
        properties="      Events:\n        Jobs: {Type: SQS, Properties: {Queue: !GetAtt Jobs.Arn}}\n",
        resources="  Jobs: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs}}\n",
    )
    got = {(p.action, p.resource) for p in _suggest(queue).permissions}
    assert {r for a, r in got if a == "sqs:DeleteMessage"} == {"arn:aws:sqs:us-east-1:1:jobs"}
    (tmp_path / "t").mkdir()
    stream = sam_function(
        tmp_path / "t",
        code=("import boto3\nddb = boto3.resource('dynamodb')\n"
              "def handler(event, context):\n"
              "    for record in event['Records']:\n"
              "        ddb.Table(record['eventSourceARN'].split('/')[1]).delete_item(Key={'id': 'x'})\n"),
        properties=("      Events:\n"
                    "        Changes: {Type: DynamoDB, Properties: {Stream: !GetAtt Orders.StreamArn, StartingPosition: LATEST}}\n"),
        resources=("  Orders:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      TableName: orders\n"
                   "      KeySchema: [{AttributeName: id, KeyType: HASH}]\n"
                   "      AttributeDefinitions: [{AttributeName: id, AttributeType: S}]\n"
                   "      StreamSpecification: {StreamViewType: KEYS_ONLY}\n"),
    )
    got = {(p.action, p.resource) for p in _suggest(stream).permissions}
    assert {r for a, r in got if a == "dynamodb:DeleteItem"} == {"arn:aws:dynamodb:us-east-1:1:table/orders"}


def test_a_variable_tested_with_in_is_decided_by_the_templates_environment(tmp_path: Path) -> None:
    """With the template's whole environment, ``"NAME" in os.environ`` holds for what it
    sets and fails for what it does not: a guarded read of an unset variable is not
    reported, and the code it guards is not granted."""
    template = sam_function(
        tmp_path,
        code=("import os, boto3\ns3 = boto3.client('s3')\n"
              "def handler(event, context):\n"
              "    if 'ARCHIVE' in os.environ:\n"
              "        s3.put_object(Bucket=os.environ['ARCHIVE'], Key='a', Body=b'')\n"
              "    debug = os.environ['DEBUG'] if 'DEBUG' in os.environ else None\n"
              "    if debug is not None:\n"
              "        s3.put_object(Bucket=debug, Key='d', Body=b'')\n"),
        properties="      Environment:\n        Variables:\n          ARCHIVE: archive-bucket\n",
    )
    result = _suggest(template)
    assert [(p.action, p.resource) for p in result.permissions] == [("s3:PutObject", "arn:aws:s3:::archive-bucket/a")]
    assert not [f for f in result.findings if f.code == "LP202"]


def test_writing_a_secret_under_the_templates_key_needs_the_key_to_encrypt_and_decrypt(tmp_path: Path) -> None:
    """Secrets Manager encrypts a new value with the writer's rights on the secret's key:
    kms:GenerateDataKey and kms:Decrypt, through Secrets Manager only."""
    template = sam_function(
        tmp_path,
        code=("import os, boto3\nsm = boto3.client('secretsmanager')\n"
              "def handler(event, context):\n"
              "    sm.put_secret_value(SecretId=os.environ['SECRET'], SecretString='x')\n"),
        properties="      Environment:\n        Variables:\n          SECRET: !Ref Db\n",
        resources=("  Key: {Type: AWS::KMS::Key, Properties: {KeyPolicy: {}}}\n"
                   "  Db: {Type: AWS::SecretsManager::Secret, Properties: {Name: prod/db, KmsKeyId: !GetAtt Key.Arn}}\n"),
    )
    result = _suggest(template)
    via = (("StringEquals", "kms:ViaService", "secretsmanager.us-east-1.amazonaws.com"),)
    assert {(p.action, p.condition) for p in result.permissions if p.action.startswith("kms:")} == {
        ("kms:GenerateDataKey", via), ("kms:Decrypt", via)}


def test_a_schedules_constant_input_is_the_event(tmp_path: Path) -> None:
    """A schedule or rule whose target Input is constant hands the function that JSON: the
    names the code reads from it are known."""

    template = sam_function(
        tmp_path,
        "      Events:\n"
        "        Nightly:\n          Type: Schedule\n          Properties:\n"
        "            Schedule: rate(1 day)\n            Input: '{\"bucket\": \"reports\", \"prefix\": \"nightly/\"}'\n",
        code=("import boto3\ndef handler(event, context):\n"
              "    boto3.client('s3').put_object(Bucket=event['bucket'], Key=event['prefix'] + 'r.csv', Body=b'')\n"),
    )
    result = _suggest(template)
    assert [(p.action, p.resource) for p in result.permissions] == [("s3:PutObject", "arn:aws:s3:::reports/nightly/r.csv")]


def test_a_serverless_schedules_input_is_the_event(tmp_path: Path) -> None:
    from lpgen import api

    (tmp_path / "app.py").write_text(
        "import boto3\ndef handler(event, context):\n"
        "    boto3.client('s3').put_object(Bucket=event['bucket'], Key='r.csv', Body=b'')\n")
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n"
        "functions:\n  fn:\n    handler: app.handler\n    events:\n"
        "      - schedule: {rate: rate(1 day), input: {bucket: reports}}\n"
        "      - schedule: {rate: rate(7 days), input: '{\"bucket\": \"archive\"}'}\n")
    result = api.suggest_for_function(load_template(str(tmp_path / "serverless.yml"), region="us-east-1", account="1"), None)
    assert sorted(p.resource for p in result.permissions) == ["arn:aws:s3:::archive/r.csv", "arn:aws:s3:::reports/r.csv"]


def test_a_rule_targets_constant_input_in_plain_cloudformation(tmp_path: Path) -> None:
    """A rule whose target Input is constant hands the function that JSON, when only
    EventBridge may invoke the function; a permission for another service drops it."""
    from lpgen import api

    (tmp_path / "app.py").write_text(
        "import boto3\ndef handler(event, context):\n"
        "    boto3.client('s3').put_object(Bucket=event['bucket'], Key='r.csv', Body=b'')\n")

    def template(extra: str) -> str:
        path = tmp_path / "template.yaml"
        path.write_text(
            "Resources:\n"
            "  Nightly:\n    Type: AWS::Events::Rule\n    Properties:\n      ScheduleExpression: rate(1 day)\n"
            "      Targets: [{Id: fn, Arn: !GetAtt Fn.Arn, Input: '{\"bucket\": \"reports\"}'}]\n"
            "  Allow:\n    Type: AWS::Lambda::Permission\n    Properties:\n"
            "      {FunctionName: !Ref Fn, Action: 'lambda:InvokeFunction', Principal: events.amazonaws.com}\n" + extra +
            "  Fn:\n    Type: AWS::Lambda::Function\n    Properties:\n      Handler: app.handler\n      Runtime: python3.12\n"
            "      Code: .\n      Role: arn:aws:iam::1:role/fn\n")
        return str(path)

    only = api.suggest_for_function(load_template(template(""), region="us-east-1", account="1"), None)
    assert [p.resource for p in only.permissions] == ["arn:aws:s3:::reports/r.csv"]
    api_too = template("  Api:\n    Type: AWS::Lambda::Permission\n    Properties:\n"
                       "      {FunctionName: !Ref Fn, Action: 'lambda:InvokeFunction', Principal: apigateway.amazonaws.com}\n")
    assert [p.resource for p in api.suggest_for_function(load_template(api_too, region="us-east-1", account="1"), None).permissions] == [
        "arn:aws:s3:::*/r.csv"]


def test_more_resources_of_the_template_name_what_the_code_calls(tmp_path: Path) -> None:
    """A repository's and a Timestream database's Ref is its name, a job queue's and job
    definition's their ARN, a project's and a crawler's their name, an activity's its ARN,
    and a GraphQL API's its ARN (with an id made when it is created)."""

    template = sam_function(tmp_path, code=MORE_TYPES_CODE, resources=(
        "  Repo:\n    Type: AWS::ECR::Repository\n    Properties: {RepositoryName: images}\n"
        "  Db:\n    Type: AWS::Timestream::Database\n    Properties: {DatabaseName: telemetry}\n"
        "  Queue:\n    Type: AWS::Batch::JobQueue\n    Properties: {JobQueueName: high, Priority: 1, ComputeEnvironmentOrder: []}\n"
        "  JobDef:\n    Type: AWS::Batch::JobDefinition\n    Properties: {JobDefinitionName: render, Type: container}\n"
        "  Project:\n    Type: AWS::CodeBuild::Project\n    Properties: {Name: builder}\n"
        "  Crawler:\n    Type: AWS::Glue::Crawler\n    Properties: {Name: lake, Role: r, Targets: {}}\n"
        "  Activity:\n    Type: AWS::StepFunctions::Activity\n    Properties: {Name: approve}\n"
        "  Api:\n    Type: AWS::AppSync::GraphQLApi\n    Properties: {Name: api, AuthenticationType: AWS_IAM}\n"
    ), properties=(
        "      Environment:\n        Variables:\n"
        "          REPO: !Ref Repo\n          TSDB: !Ref Db\n          QUEUE: !Ref Queue\n          JOBDEF: !Ref JobDef\n"
        "          PROJECT: !Ref Project\n          CRAWLER: !Ref Crawler\n          ACTIVITY: !Ref Activity\n"
        "          API: !GetAtt Api.ApiId\n"
    ))
    result = _suggest(template)
    assert {(p.action, p.resource) for p in result.permissions} >= MORE_TYPES_GRANTS


FOR_EACH = """\
Transform: [AWS::LanguageExtensions, AWS::Serverless-2016-10-31]
Parameters:
  Tenants: {Type: CommaDelimitedList, Default: "acme,globex-corp"}
Resources:
  Fn::ForEach::Tenant:
    - TenantName
    - !Ref Tenants
    - Table&{TenantName}:
        Type: AWS::DynamoDB::Table
        Properties: {TableName: !Sub "orders-${TenantName}"}
      Fn&{TenantName}:
        Type: AWS::Serverless::Function
        Properties:
          CodeUri: src
          Handler: app.handler
          Runtime: python3.12
          Environment:
            Variables:
              TABLE: !Ref "Table&{TenantName}"
              Fn::ForEach::Flag:
                - Flag
                - [AUDIT, TRACE]
                - "${Flag}_QUEUE": !Sub "https://sqs.us-east-1.amazonaws.com/1/${TenantName}-${Flag}"
          Policies:
            - DynamoDBWritePolicy: {TableName: !Ref TenantName}
"""


def test_for_each_loops_are_written_out_as_the_language_extensions_do(tmp_path: Path) -> None:
    """AWS::LanguageExtensions' Fn::ForEach: one function per item of a list parameter (its
    default, or --param), &{} without the item's punctuation, ${} and Ref with it, and a
    loop inside a function's properties; a function a loop makes is not rewritten in place."""
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    boto3.resource('dynamodb').Table(os.environ['TABLE']).put_item(Item={})\n"
        "    boto3.client('sqs').send_message(QueueUrl=os.environ['AUDIT_QUEUE'], MessageBody='m')\n"
    )
    (tmp_path / "template.yaml").write_text(FOR_EACH)
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="1")
    assert sorted(tpl.functions) == ["Fnacme", "Fnglobexcorp"]
    assert tpl.functions["Fnglobexcorp"].environment == {
        "TABLE": "orders-globex-corp", "AUDIT_QUEUE": "https://sqs.us-east-1.amazonaws.com/1/globex-corp-AUDIT",
        "TRACE_QUEUE": "https://sqs.us-east-1.amazonaws.com/1/globex-corp-TRACE"}
    assert tpl.functions["Fnacme"].line == 5
    from lpgen import api

    got = api.suggest_for_function(tpl, "Fnacme")
    assert {(p.action, p.resource) for p in got.permissions} == {
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders-acme"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:acme-AUDIT"),
    }
    current = tpl.current_policy(tpl.functions["Fnacme"])
    assert "arn:aws:dynamodb:us-east-1:1:table/acme" in {r for st in current.policy.statements for r in st.resources}
    one = load_template(str(tmp_path / "template.yaml"), params={"Tenants": "initech"}, region="us-east-1", account="1")
    assert sorted(one.functions) == ["Fninitech"]
    with pytest.raises(TemplateError, match="made by a Fn::ForEach loop"):
        emit.write_back(tpl, tpl.functions["Fnacme"], got.policy)


def test_for_each_loops_that_multiply_past_any_template_are_an_error(tmp_path: Path) -> None:
    fragment: Any = {"Q${A}${B}${C}${D}": {"Type": "AWS::SQS::Queue"}}
    for ident in "DCBA":
        fragment = {f"Fn::ForEach::L{ident}": [ident, [str(i) for i in range(10)], fragment]}
    (tmp_path / "t.json").write_text(json.dumps({"Transform": "AWS::LanguageExtensions", "Resources": fragment}))
    with pytest.raises(TemplateError, match="Fn::ForEach loops make more than 5,000 fragments"):
        load_template(str(tmp_path / "t.json"))


NESTED = (
    "Transform: AWS::Serverless-2016-10-31\n"
    "Parameters:\n  TableName: {Type: String}\n  Stage: {Type: String}\n"
    "Resources:\n"
    "  WriteFn:\n"
    "    Type: AWS::Serverless::Function\n"
    "    Properties:\n"
    "      CodeUri: src/\n      Handler: w.handler\n      Runtime: python3.12\n"
    "      Environment: {Variables: {TABLE: !Ref TableName, STAGE: !Ref Stage}}\n"
)


def _nested_app(root: Path, parent_folder: str, nested_folder: str, kind: str = "AWS::Serverless::Application") -> Path:
    (root / nested_folder).mkdir(parents=True, exist_ok=True)
    (root / parent_folder).mkdir(parents=True, exist_ok=True)
    nested = root / nested_folder / "template.yaml"
    nested.write_text(NESTED)
    where = Path(*([".."] * len(Path(parent_folder).parts)), nested_folder, "template.yaml").as_posix() if parent_folder != "." \
        else f"{nested_folder}/template.yaml"
    key = "Location" if kind == "AWS::Serverless::Application" else "TemplateURL"
    (root / parent_folder / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Parameters:\n  Stage: {Type: String, Default: prod}\n"
        "Resources:\n"
        "  Table:\n    Type: AWS::Serverless::SimpleTable\n"
        f"  Nested:\n    Type: {kind}\n    Properties:\n      {key}: {where}\n"
        "      Parameters: {TableName: !Ref Table, Stage: !Sub '${Stage}-eu'}\n"
    )
    return nested


@pytest.mark.parametrize("kind", ["AWS::Serverless::Application", "AWS::CloudFormation::Stack"])
def test_a_nested_templates_parameters_are_what_its_parent_passes(tmp_path: Path, kind: str) -> None:
    nested = _nested_app(tmp_path, ".", "writer", kind)
    fn = load_template(str(nested)).functions["WriteFn"]
    assert fn.environment == {"TABLE": "*-Table-*", "STAGE": "prod-eu"}
    # a value given on the command line wins
    assert load_template(str(nested), params={"Stage": "dev"}).functions["WriteFn"].environment["STAGE"] == "dev"


def test_a_nesting_template_is_looked_for_up_to_the_repositorys_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    nested = _nested_app(repo, "infra", "infra/apps/writer")
    # outside a repository, only the template's folder and the one above are read
    assert load_template(str(nested)).functions["WriteFn"].environment["STAGE"] == "*"
    (repo / ".git").mkdir()
    assert load_template(str(nested)).functions["WriteFn"].environment["STAGE"] == "prod-eu"
    # nor above the repository's root
    outside = _nested_app(tmp_path, ".", "repo/infra/apps/other")
    assert load_template(str(outside)).functions["WriteFn"].environment["STAGE"] == "*"


def test_a_function_is_found_by_the_name_it_is_deployed_as(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Api:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {FunctionName: orders-api, CodeUri: src/, Handler: app.handler, Runtime: python3.12}\n"
        "  Worker:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: src/, Handler: app.worker, Runtime: python3.12}\n"
    )
    tpl = load_template(str(tmp_path / "template.yaml"))
    assert tpl.function("orders-api").name == "Api"
    assert tpl.function("Worker").name == "Worker"
    with pytest.raises(TemplateError, match="no function 'orders'"):
        tpl.function("orders")


def test_a_grant_the_code_and_the_template_both_need_is_one_permission_with_both_reasons(tmp_path: Path) -> None:
    from lpgen import api

    template = sam_function(
        tmp_path,
        properties=(
            "      Environment: {Variables: {DLQ: !Ref Dlq}}\n"
            "      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Dlq.Arn}\n"
        ),
        resources="  Dlq:\n    Type: AWS::SQS::Queue\n    Properties: {QueueName: failed}\n",
        code="import os, boto3\ndef handler(event, context):\n    boto3.client('sqs').send_message(QueueUrl=os.environ['DLQ'], MessageBody='m')\n",
    )
    result = api.suggest_for_function(load_template(str(template), region="us-east-1", account="1"), "Fn")
    sends = [p for p in result.permissions if p.action == "sqs:SendMessage"]
    assert len(sends) == 1 and sends[0].resource == "arn:aws:sqs:us-east-1:1:failed"
    assert sorted(e.kind for e in sends[0].evidence) == ["code", "template"]



def test_yaml_anchors_and_merge_keys_as_sam_cli_and_the_framework_read_them(tmp_path: Path) -> None:
    """An alias is the anchored value, ``<<: *x`` merges a mapping under the keys beside it;
    each function keeps its own copy of what it shares."""
    sam = tmp_path / "template.yaml"
    sam.write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Reader:\n    Type: AWS::Serverless::Function\n    Properties: &common\n"
        "      CodeUri: src/\n      Handler: app.read\n      Runtime: python3.12\n"
        "      Environment:\n        Variables: &vars\n          TABLE: orders\n"
        "  Writer:\n    Type: AWS::Serverless::Function\n    Properties:\n      <<: *common\n"
        "      Handler: app.write\n      Environment:\n        Variables:\n          <<: *vars\n          MODE: fast\n")
    tpl = load_template(str(sam), region="us-east-1", account="1")
    reader, writer = tpl.function("Reader"), tpl.function("Writer")
    assert (reader.handler, reader.environment) == ("app.read", {"TABLE": "orders"})
    assert (writer.handler, writer.environment) == ("app.write", {"TABLE": "orders", "MODE": "fast"})
    doc = load_document(str(sam))
    assert doc["Resources"]["Reader"]["Properties"] is not doc["Resources"]["Writer"]["Properties"]
    assert doc["Resources"]["Writer"]["Properties"]["Runtime"] == "python3.12"

    sls = tmp_path / "serverless.yml"
    sls.write_text(
        "service: svc\nprovider: {name: aws, runtime: python3.12}\n"
        "custom:\n  base: &base\n    handler: app.read\n    environment: {TABLE: orders}\n"
        "functions:\n  read: *base\n  write:\n    <<: *base\n    handler: app.write\n")
    tpl = load_template(str(sls), region="us-east-1", account="1")
    assert {n: (f.handler, f.environment) for n, f in tpl.functions.items()} == {
        "read": ("app.read", {"TABLE": "orders"}), "write": ("app.write", {"TABLE": "orders"})}


SAMCONFIG_TEMPLATE = (
    "Transform: AWS::Serverless-2016-10-31\nParameters:\n  Stage: {Type: String, Default: dev}\n"
    "  Mode: {Type: String}\nResources:\n  Archive: {Type: AWS::S3::Bucket}\n"
    "  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: .\n      Handler: app.handler\n"
    "      Runtime: python3.12\n      Environment:\n        Variables:\n"
    "          TABLE: !Sub 'orders-${Stage}'\n          MODE: !Ref Mode\n          BUCKET: !Ref Archive\n"
    "          QUEUE: !Sub 'https://sqs.${AWS::Region}.amazonaws.com/${AWS::AccountId}/${AWS::StackName}-jobs'\n")


@pytest.mark.parametrize(("name", "text"), [
    ("samconfig.toml",
     'version = 0.1\n[default.global.parameters]\nstack_name = "shop"\nregion = "us-west-2"\n'
     '[default.deploy.parameters]\nregion = "eu-west-1"\nparameter_overrides = "Stage=\\"live\\" Mode=\'a b\'"\n'
     '[prod.deploy.parameters]\nstack_name = "other"\n'),
    ("samconfig.toml",
     'version = 0.1\n[default.deploy.parameters]\nstack_name = "shop"\nregion = "eu-west-1"\n'
     'parameter_overrides = ["ParameterKey=Stage,ParameterValue=live", "Mode=a b"]\n'),
    ("samconfig.yaml",
     "version: 0.1\ndefault:\n  deploy:\n    parameters:\n      stack_name: shop\n      region: eu-west-1\n"
     "      template_file: template.yaml\n      parameter_overrides: Stage=live Mode='a b'\n"),
])
def test_samconfig_gives_the_stack_its_name_region_and_parameters(tmp_path: Path, name: str, text: str) -> None:
    """sam deploy's values, from the default environment's deploy parameters over its
    global ones: the parameters, the stack's name (in generated names and AWS::StackName)
    and the Region when none is given; --param still wins."""
    (tmp_path / "template.yaml").write_text(SAMCONFIG_TEMPLATE)
    (tmp_path / name).write_text(text)
    tpl = load_template(str(tmp_path / "template.yaml"), account="1")
    assert tpl.function("Fn").environment == {
        "TABLE": "orders-live", "MODE": "a b", "BUCKET": "shop-archive-*",
        "QUEUE": "https://sqs.eu-west-1.amazonaws.com/1/shop-jobs"}
    assert tpl.function("Fn").defaulted == ()
    tpl = load_template(str(tmp_path / "template.yaml"), params={"Stage": "test"}, region="us-east-1", account="1")
    assert tpl.function("Fn").environment["TABLE"] == "orders-test"
    assert tpl.function("Fn").environment["QUEUE"] == "https://sqs.us-east-1.amazonaws.com/1/shop-jobs"


def test_samconfig_of_another_template_or_broken_is_not_taken(tmp_path: Path) -> None:
    (tmp_path / "template.yaml").write_text(SAMCONFIG_TEMPLATE)
    (tmp_path / "samconfig.toml").write_text(
        '[default.deploy.parameters]\ntemplate_file = "infra/other.yaml"\nparameter_overrides = "Stage=live"\n')
    assert load_template(str(tmp_path / "template.yaml"), account="1").function("Fn").environment["TABLE"] == "orders-dev"
    (tmp_path / "samconfig.toml").write_text(
        '[default.deploy.parameters]\ntemplate_file = ".aws-sam/build/template.yaml"\nparameter_overrides = "Stage=live"\n')
    assert load_template(str(tmp_path / "template.yaml"), account="1").function("Fn").environment["TABLE"] == "orders-live"
    (tmp_path / "samconfig.toml").write_text('[default.deploy.parameters]\nstack_name = "shop\n')
    with pytest.raises(TemplateError, match=r"samconfig.toml: invalid TOML: .*line 2"):
        load_template(str(tmp_path / "template.yaml"), account="1")
    (tmp_path / "samconfig.toml").write_text('[default.deploy.parameters]\nparameter_overrides = "Stage"\n')
    with pytest.raises(TemplateError, match="samconfig.toml: parameter_overrides: 'Stage' is not Key=Value"):
        load_template(str(tmp_path / "template.yaml"), account="1")


def test_serverless_env_variables_from_dotenv_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With useDotenv (or from version 4 on) the Framework loads the service's .env.<stage>,
    else its .env, for ${env:…}; the environment lpgen runs in still wins, as dotenv lets it."""
    monkeypatch.delenv("TABLE", raising=False)
    monkeypatch.delenv("BUCKET", raising=False)
    (tmp_path / ".env").write_text("# shared\nexport TABLE=orders-any\nBUCKET='files' # comment\n")
    (tmp_path / ".env.dev").write_text('TABLE="orders-dev"\n')

    def env(head: str, **params: str) -> dict[str, str]:
        (tmp_path / "serverless.yml").write_text(
            head + "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n"
            "  environment: {TABLE: '${env:TABLE}', BUCKET: '${env:BUCKET, \"none\"}'}\n"
            "functions:\n  fn: {handler: app.handler}\n")
        return load_template(str(tmp_path / "serverless.yml"), params=params, region="us-east-1",
                             account="1").function("fn").environment

    assert env("useDotenv: true\n") == {"TABLE": "orders-dev", "BUCKET": "none"}
    assert env("useDotenv: true\n", stage="prod") == {"TABLE": "orders-any", "BUCKET": "files"}
    assert env("frameworkVersion: '4'\n", stage="prod") == {"TABLE": "orders-any", "BUCKET": "files"}
    assert env("frameworkVersion: '3'\n")["BUCKET"] == "none"
    monkeypatch.setenv("TABLE", "from-shell")
    assert env("useDotenv: true\n")["TABLE"] == "from-shell"


def test_sam_policies_take_the_branch_their_condition_takes(tmp_path: Path) -> None:
    """A Policies item (or the whole list) in Fn::If is the branch its condition takes, with
    Fn::Not, Fn::And, Fn::Or and Condition; AWS::NoValue is no policy; a condition resting
    on what is not known takes both branches."""
    template = sam_function(tmp_path, properties=(
        "      Policies:\n"
        "        - !If [IsProd, {SQSSendMessagePolicy: {QueueName: jobs}}, !Ref AWS::NoValue]\n"
        "        - !If [NotProd, AmazonS3FullAccess, {DynamoDBReadPolicy: {TableName: orders}}]\n"
        "        - !If [ProdInRegion, {SNSPublishMessagePolicy: {TopicName: alerts}}, !Ref AWS::NoValue]\n"
        "        - !If [Unknown, {SSMParameterReadPolicy: {ParameterName: a}}, {SSMParameterReadPolicy: {ParameterName: b}}]\n"))
    template.write_text(
        "Parameters:\n  Env: {Type: String, Default: prod}\n  Other: {Type: String}\n"
        "Conditions:\n  IsProd: !Equals [!Ref Env, prod]\n  NotProd: !Not [!Condition IsProd]\n"
        "  ProdInRegion: !And [!Condition IsProd, !Or [!Equals [!Ref 'AWS::Region', us-east-1], !Equals [a, b]]]\n"
        "  Unknown: !Equals [!Ref Other, x]\n" + template.read_text())

    def granted(**params: str) -> tuple[set[str], tuple[str, ...]]:
        tpl = load_template(str(template), params=params, region="us-east-1", account="1")
        current = tpl.current_policy(tpl.function("Fn"))
        return {a for st in current.policy.statements for a in st.actions} - {"logs:CreateLogGroup", "logs:CreateLogStream",
                                                                                "logs:PutLogEvents"}, current.managed

    actions, managed = granted()
    assert {"sqs:SendMessage*", "dynamodb:GetItem", "sns:Publish", "ssm:GetParameter"} <= actions
    assert "arn:aws:iam::aws:policy/AmazonS3FullAccess" not in managed
    actions, managed = granted(Env="dev")
    assert not actions & {"sqs:SendMessage*", "dynamodb:GetItem", "sns:Publish"}
    assert "arn:aws:iam::aws:policy/AmazonS3FullAccess" in managed
    tpl = load_template(str(template), region="us-east-1", account="1")
    resources = {r for st in tpl.current_policy(tpl.function("Fn")).policy.statements for r in st.resources}
    assert {"arn:aws:ssm:us-east-1:1:parameter/a", "arn:aws:ssm:us-east-1:1:parameter/b"} <= resources


def test_serverless_values_resolved_at_deploy_with_a_region_or_by_cloudformation(tmp_path: Path) -> None:
    """${cf(eu-west-1):…} and ${ssm(raw):…} are read when the service deploys, as ${cf:…} is,
    a ${file()} of a script is what the Framework gets by running it (lpgen runs nothing),
    and an intrinsic function CloudFormation resolves (!ImportValue): each is reported."""
    (tmp_path / "serverless.yml").write_text(
        "service: s\nprovider:\n  name: aws\n  runtime: python3.12\n  environment:\n"
        "    A: ${cf(eu-west-1):shared.QueueUrl}\n    B: !ImportValue shared-table\n"
        "    D: ${file(./config.js):table}\n"
        "functions:\n  f:\n    handler: h.f\n    environment:\n      C: ${ssm(raw):/app/c}\n")
    (tmp_path / "config.js").write_text("module.exports = async () => ({ table: 'orders' });\n")
    tpl = load_template(str(tmp_path / "serverless.yml"), region="us-east-1", account="1")
    fn = tpl.function("f")
    assert fn.environment == {"A": "*", "B": "*", "C": "*", "D": "*"}
    assert sorted((f.line, f.message) for f in tpl.implied_findings(fn) if f.code == "LP209") == [
        (5, "environment variable A takes ${cf(eu-west-1):shared.QueueUrl} (resolved when the service deploys), "
            "not known here (pass --env A=…)"),
        (5, "environment variable B takes another stack's export shared-table, not known here (pass --env B=…)"),
        (5, "environment variable D takes ${file(./config.js):table} (a script the Framework runs when the service "
            "deploys), not known here (pass --env D=…)"),
        (12, "environment variable C takes ${ssm(raw):/app/c} (resolved when the service deploys), not known here "
             "(pass --env C=…)"),
    ]


def test_a_parameter_whose_value_an_ssm_parameter_holds(tmp_path: Path) -> None:
    """Type AWS::SSM::Parameter::Value<String>: the default names the SSM parameter whose
    value the stack takes when it deploys; the name is no table's. Known only then (LP209),
    unless --param gives the value."""
    template = sam_function(tmp_path, properties=(
        "      Environment:\n        Variables:\n          TABLE: !Ref TableName\n"))
    template.write_text("Parameters:\n  TableName:\n    Type: AWS::SSM::Parameter::Value<String>\n"
                        "    Default: /app/table-name\n" + template.read_text())
    tpl = load_template(str(template), region="us-east-1", account="1")
    fn = tpl.function("Fn")
    assert fn.environment == {"TABLE": "*"}
    assert [f.message for f in tpl.implied_findings(fn)] == [
        "environment variable TABLE takes template parameter TableName, the SSM parameter /app/table-name (resolved "
        "when the stack deploys), not known here (pass --env TABLE=…)"]
    assert load_template(str(template), params={"TableName": "orders"}).function("Fn").environment == {"TABLE": "orders"}


def test_a_policy_document_given_as_json_text_is_read(tmp_path: Path) -> None:
    """CloudFormation takes a policy document as JSON text (``!Sub |`` with the JSON): it
    was read as no statements, so the review called what it grants missing."""
    role = ("  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      AssumeRolePolicyDocument: {}\n"
            "      Policies:\n        - PolicyName: p\n          PolicyDocument: !Sub |\n"
            '            {"Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage",\n'
            '                            "Resource": "arn:aws:sqs:${AWS::Region}:${AWS::AccountId}:jobs"}]}\n')
    template = sam_function(tmp_path, resources=role, properties="      Role: !GetAtt Role.Arn\n")
    tpl = load_template(str(template), region="us-east-1", account="1")
    statements = tpl.current_policy(tpl.function("Fn")).policy.statements
    assert [(st.actions, st.resources) for st in statements] == [(("sqs:SendMessage",), ("arn:aws:sqs:us-east-1:1:jobs",))]
    template.write_text(template.read_text().replace('"Effect": "Allow",', '"Effect": "Allow"'))
    tpl = load_template(str(template), region="us-east-1", account="1")
    with pytest.raises(TemplateError, match=r"Role Policies\[0\]: the policy document is not JSON \(Expecting ','"):
        tpl.current_policy(tpl.function("Fn"))


S3_EVENT_READER = (
    "import boto3\n"
    "def handler(event, context):\n"
    "    for r in event['Records']:\n"
    "        boto3.client('s3').get_object(Bucket=r['s3']['bucket']['name'], Key=r['s3']['object']['key'])\n"
)


@pytest.mark.parametrize("notification, expected", [
    # CloudFormation's own: the bucket's NotificationConfiguration
    ("  Inbox:\n    Type: AWS::S3::Bucket\n    Properties:\n      BucketName: inbox\n"
     "      NotificationConfiguration:\n        LambdaConfigurations:\n"
     "          - Event: s3:ObjectCreated:*\n            Function: !GetAtt Fn.Arn\n"
     "            Filter: {S3Key: {Rules: [{Name: prefix, Value: incoming/}]}}\n",
     "arn:aws:s3:::inbox/incoming/*"),
    # CDK's bucket.add_event_notification: a custom resource with the S3 API's shape
    ("  Inbox:\n    Type: AWS::S3::Bucket\n    Properties: {BucketName: inbox}\n"
     "  InboxNotifications:\n    Type: Custom::S3BucketNotifications\n    Properties:\n"
     "      ServiceToken: arn:aws:lambda:us-east-1:1:function:notifications\n      BucketName: !Ref Inbox\n"
     "      NotificationConfiguration:\n        LambdaFunctionConfigurations:\n"
     "          - Events: [s3:ObjectCreated:*]\n            LambdaFunctionArn: !GetAtt Fn.Arn\n"
     "            Filter: {Key: {FilterRules: [{Name: suffix, Value: .csv}]}}\n",
     "arn:aws:s3:::inbox/*.csv"),
])
def test_a_bucket_notification_outside_sam_events_names_the_events_bucket(
    tmp_path: Path, notification: str, expected: str
) -> None:
    """The bucket whose notification invokes the function is the event's: the object it
    reads was any bucket's (``arn:aws:s3:::*/*``)."""
    template = sam_function(tmp_path, code=S3_EVENT_READER, resources=notification)
    got = {(p.action, p.resource) for p in _suggest(template).permissions}
    assert got == {("s3:GetObject", expected)}


def test_a_role_the_function_names_by_its_arn_is_the_templates_role(tmp_path: Path) -> None:
    """``Role: !Sub arn:…:role/worker-role`` is the template's role whose RoleName is
    worker-role, with the policies that name it by Ref, by RoleName and by name: it was
    "a role not defined in this template", and the review compared nothing."""
    template = sam_function(tmp_path, resources=(
        "  Role:\n    Type: AWS::IAM::Role\n    Properties:\n      RoleName: worker-role\n      AssumeRolePolicyDocument: {}\n"
        "  Queue:\n    Type: AWS::IAM::ManagedPolicy\n    Properties:\n      Roles: [!Ref Role]\n"
        "      PolicyDocument: {Statement: [{Effect: Allow, Action: sqs:SendMessage, Resource: arn:aws:sqs:us-east-1:1:jobs}]}\n"
        "  Topic:\n    Type: AWS::IAM::RolePolicy\n    Properties:\n      RoleName: !Ref Role\n      PolicyName: topic\n"
        "      PolicyDocument: {Statement: [{Effect: Allow, Action: sns:Publish, Resource: arn:aws:sns:us-east-1:1:t}]}\n"
        "  Files:\n    Type: AWS::IAM::Policy\n    Properties:\n      PolicyName: files\n      Roles: [worker-role]\n"
        "      PolicyDocument: {Statement: [{Effect: Allow, Action: s3:GetObject, Resource: 'arn:aws:s3:::cfg/*'}]}\n"
    ), properties="      Role: !Sub arn:aws:iam::${AWS::AccountId}:role/worker-role\n")
    tpl = load_template(str(template), region="us-east-1", account="1")
    current = tpl.current_policy(tpl.function("Fn"))
    assert (current.role, current.unknown) == ("Role", "")
    assert sorted((st.actions, st.resources) for st in current.policy.statements) == [
        (("s3:GetObject",), ("arn:aws:s3:::cfg/*",)), (("sns:Publish",), ("arn:aws:sns:us-east-1:1:t",)),
        (("sqs:SendMessage",), ("arn:aws:sqs:us-east-1:1:jobs",)),
    ]


def test_an_sns_event_through_a_queue_polls_that_queue(tmp_path: Path) -> None:
    """``SqsSubscription: true`` makes SAM deliver the topic's messages to a queue it makes
    (``FnNotesQueue``) and poll it with the role, as it does a queue the event names; SAM
    attaches the SQS poller's managed policy for either. The poller's grants were missing
    from the suggestion."""
    template = sam_function(tmp_path, resources="  Topic:\n    Type: AWS::SNS::Topic\n  Mine:\n    Type: AWS::SQS::Queue\n",
                            properties=(
        "      Events:\n"
        "        Notes:\n          Type: SNS\n          Properties: {Topic: !Ref Topic, SqsSubscription: true}\n"
        "        Audit:\n          Type: SNS\n          Properties:\n            Topic: !Ref Topic\n"
        "            SqsSubscription: {QueueArn: !GetAtt Mine.Arn, QueueUrl: !Ref Mine}\n"))
    tpl = load_template(str(template), region="us-east-1", account="1", params={"AWS::StackName": "st"})
    got = {(p.action, p.resource) for p in api.suggest_for_function(tpl, "Fn").permissions}
    assert got == {(action, f"arn:aws:sqs:us-east-1:1:st-{queue}-*")
                   for action in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")
                   for queue in ("FnNotesQueue", "Mine")}
    assert tpl.current_policy(tpl.function("Fn")).managed == (
        "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
        "arn:aws:iam::aws:policy/service-role/AWSLambdaSQSQueueExecutionRole",
    )


def test_a_name_read_from_an_ssm_parameter_the_template_makes_is_its_value(tmp_path: Path) -> None:
    """A table name kept in a parameter the template makes (``Value: !Ref Table``) and read
    with ``ssm.get_parameter`` names that table; a parameter made elsewhere stays unknown."""
    template = sam_function(tmp_path, code=(
        "import boto3\n"
        "ssm = boto3.client('ssm')\n"
        "TABLE = ssm.get_parameter(Name='/orders/table')['Parameter']['Value']\n"
        "def handler(event, context):\n"
        "    boto3.resource('dynamodb').Table(TABLE).put_item(Item={})\n"
        "    other = ssm.get_parameter(Name='/shared/table')['Parameter']['Value']\n"
        "    boto3.client('dynamodb').get_item(TableName=other, Key={})\n"
    ), resources=(
        "  Table:\n    Type: AWS::DynamoDB::Table\n    Properties: {TableName: orders}\n"
        "  TableName:\n    Type: AWS::SSM::Parameter\n    Properties: {Name: /orders/table, Type: String, Value: !Ref Table}\n"
    ))
    got = {(p.action, p.resource) for p in _suggest(template).permissions if p.action.startswith("dynamodb:")}
    assert got == {("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders"),
                   ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/*")}


def test_an_event_source_from_another_stack_is_said(tmp_path: Path) -> None:
    """A SAM SQS event on another stack's export is polled on any queue, and said so; a mapping
    whose source is an export is of a service not known, and said so too."""
    template = sam_function(tmp_path, properties=(
        "      Events:\n        Jobs:\n          Type: SQS\n          Properties:\n            Queue: !ImportValue shared-jobs\n"
    ), resources=("  Map:\n    Type: AWS::Lambda::EventSourceMapping\n"
                  "    Properties: {FunctionName: !Ref Fn, EventSourceArn: !ImportValue shared-stream}\n"))
    result = _suggest(template)
    assert {(p.action, p.resource) for p in result.permissions} == {
        ("sqs:ReceiveMessage", "*"), ("sqs:DeleteMessage", "*"), ("sqs:GetQueueAttributes", "*")}
    assert sorted(f.message for f in result.findings if f.code == "LP209") == [
        "an event source mapping's source takes another stack's export shared-stream, not known here: what its "
        "poller needs is not known, and nothing is granted for it",
        "the sqs event source takes another stack's export shared-jobs, not known here: its poller is granted on *",
    ]
