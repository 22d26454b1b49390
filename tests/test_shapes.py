"""Request shapes that decide the resource: dicts built piecewise, several resource types,
a bare Name, event-given names."""

from __future__ import annotations

import os
import posixpath
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lpgen import api
from lpgen.calls.builtins import url_parts
from lpgen.calls.values import pattern_matcher
from lpgen.policy.evaluate import allows


def _policy(tmp_path: Path, code: str) -> Any:
    """The policy ``lpgen suggest`` gives for ``code`` as a handler module."""
    (tmp_path / "app.py").write_text(code)
    return api.suggest([str(tmp_path / "app.py")], region="us-east-1", account="1").policy


def _perms(tmp_path: Path, code: str) -> set[tuple[str, str]]:
    src = tmp_path / "app.py"
    src.write_text(code)
    return {(p.action, p.resource) for p in api.suggest([str(src)], region="us-east-1", account="1").permissions}


def _perm_lines(tmp_path: Path, code: str) -> dict[tuple[str, str], list[int]]:
    """Each permission the handler ``code`` needs, with the lines of its evidence."""
    src = tmp_path / "app.py"
    src.write_text(code)
    result = api.suggest([str(src)], region="us-east-1", account="1")
    return {(p.action, p.resource): sorted(e.line for e in p.evidence) for p in result.permissions}


def test_request_dict_built_key_by_key(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\ns3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    kwargs = {'Bucket': 'b', 'Key': 'k'}\n"
        "    if event.get('v'):\n"
        "        kwargs['VersionId'] = event['v']\n"
        "    s3.get_object(**kwargs)\n"
        "    d = dict(Bucket='b2')\n"
        "    d.update(Key='k2')\n"
        "    s3.put_object(**d, Body=b'')\n"
    ))
    assert got == {
        ("s3:GetObject", "arn:aws:s3:::b/k"), ("s3:GetObjectVersion", "arn:aws:s3:::b/k"),
        ("s3:PutObject", "arn:aws:s3:::b2/k2"),
    }


def test_every_required_and_named_resource_type(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('glue').get_table(DatabaseName='db', Name='t')\n"
        "    boto3.client('sesv2').send_email(FromEmailAddress='a@mail.example.com', ConfigurationSetName='cs',\n"
        "        Destination={'ToAddresses': ['x@y.z']}, Content={})\n"
        "    boto3.resource('dynamodb').Table('orders').query(IndexName='by-customer')\n"
    ))
    assert {r for a, r in got if a == "glue:GetTable"} == {
        "arn:aws:glue:us-east-1:1:catalog", "arn:aws:glue:us-east-1:1:database/db", "arn:aws:glue:us-east-1:1:table/db/t"}
    # SES checks the sender's own identity when the address is verified, else its domain's
    assert {r for a, r in got if a == "ses:SendEmail"} == {
        "arn:aws:ses:us-east-1:1:identity/a@mail.example.com", "arn:aws:ses:us-east-1:1:identity/mail.example.com",
        "arn:aws:ses:us-east-1:1:configuration-set/cs"}
    # an index narrows its table: Query on the index only
    assert {r for a, r in got if a == "dynamodb:Query"} == {"arn:aws:dynamodb:us-east-1:1:table/orders/index/by-customer"}


def test_unknown_bucket_and_key_stay_an_object_pattern(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    r = event['Records'][0]['s3']\n"
        "    boto3.client('rekognition').detect_labels(Image={'S3Object': {'Bucket': r['bucket']['name'], 'Name': r['object']['key']}})\n"
    ))
    assert ("s3:GetObject", "arn:aws:s3:::*/*") in got


def test_listing_prefix_scopes_what_is_done_with_the_listed_keys(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\ns3 = boto3.client('s3')\n"
        "def stale():\n"
        "    for page in s3.get_paginator('list_objects_v2').paginate(Bucket='b', Prefix='tmp/'):\n"
        "        for obj in page.get('Contents', []):\n"
        "            yield obj['Key']\n"
        "def handler(event, context):\n"
        "    batch = []\n"
        "    for key in stale():\n"
        "        batch.append({'Key': key})\n"
        "    s3.delete_objects(Bucket='b', Delete={'Objects': batch})\n"
        "    for v in s3.list_object_versions(Bucket='b', Prefix='old/')['Versions']:\n"
        "        s3.delete_object(Bucket='b', Key=v['Key'], VersionId=v['VersionId'])\n"
    ))
    assert ("s3:DeleteObject", "arn:aws:s3:::b/tmp/*") in got
    assert ("s3:DeleteObjectVersion", "arn:aws:s3:::b/old/*") in got
    assert not any(r == "arn:aws:s3:::b/*" for _, r in got)


def test_athena_query_reads_catalog_and_writes_results(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('athena').start_query_execution(\n"
        "        QueryString=f\"SELECT a FROM requests JOIN weblogs.users u ON 1=1 WHERE dt = '{event}'\",\n"
        "        QueryExecutionContext={'Database': 'weblogs'}, WorkGroup='wg',\n"
        "        ResultConfiguration={'OutputLocation': 's3://results/daily/'})\n"
    ))
    assert ("athena:StartQueryExecution", "arn:aws:athena:us-east-1:1:workgroup/wg") in got
    assert {r for a, r in got if a == "glue:GetTable"} == {
        "arn:aws:glue:us-east-1:1:catalog", "arn:aws:glue:us-east-1:1:database/weblogs",
        "arn:aws:glue:us-east-1:1:table/weblogs/requests", "arn:aws:glue:us-east-1:1:table/weblogs/users"}
    assert ("s3:PutObject", "arn:aws:s3:::results/daily/*") in got
    assert ("s3:GetBucketLocation", "arn:aws:s3:::results") in got
    assert not any(a == "s3:DeleteObject" for a, _ in got)


def test_library_calls_are_modelled_not_imported(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "from aws_lambda_powertools.utilities import parameters\n"
        "from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer, idempotent\n"
        "store = DynamoDBPersistenceLayer(table_name='idem')\n"
        "@idempotent(persistence_store=store)\n"
        "def handler(event, context):\n"
        "    return parameters.get_parameter('/app/limits'), parameters.get_secret(name='app/token')\n"
    ))
    assert {a for a, r in got if r == "arn:aws:dynamodb:us-east-1:1:table/idem"} == {
        "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"}
    assert ("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/app/limits") in got
    assert ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:app/token-??????") in got


def test_service_resource_constructs_every_resource_type(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\ns3 = boto3.resource('s3')\n"
        "def handler(event, context):\n"
        "    s3.Object('b', 'k').get()\n"
        "    boto3.resource('s3').ObjectAcl('b', 'k2').load()\n"
    ))
    assert ("s3:GetObject", "arn:aws:s3:::b/k") in got
    assert ("s3:GetObjectAcl", "arn:aws:s3:::b/k2") in got


def test_template_async_targets_and_msk_sources(tmp_path: Path) -> None:
    from lpgen.iac import load_template

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("def handler(e, c):\n    return 1\n")
    (tmp_path / "template.yaml").write_text("""
Transform: AWS::Serverless-2016-10-31
Resources:
  Dlq: {Type: AWS::SQS::Queue, Properties: {QueueName: fn-dlq}}
  Done: {Type: AWS::SNS::Topic, Properties: {TopicName: done}}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler
      DeadLetterQueue: {Type: SQS, TargetArn: !GetAtt Dlq.Arn}
      EventInvokeConfig:
        DestinationConfig:
          OnSuccess: {Type: SNS, Destination: !Ref Done}
      Events:
        Stream:
          Type: MSK
          Properties: {Stream: "arn:aws:kafka:us-east-1:1:cluster/c/abc", StartingPosition: LATEST, Topics: [t]}
""")
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="1")
    got = {(p.action, p.resource) for p in tpl.implied_permissions(tpl.function("Fn"))}
    assert ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:fn-dlq") in got
    assert ("sns:Publish", "arn:aws:sns:us-east-1:1:done") in got
    assert ("kafka:DescribeClusterV2", "arn:aws:kafka:us-east-1:1:cluster/c/abc") in got
    assert ("ec2:CreateNetworkInterface", "*") in got
    # NOTE: with no Region or account the ARNs hold placeholders, whose colons are not the ARN's
    bare = load_template(str(tmp_path / "template.yaml"))
    assert {(p.action, p.resource) for p in bare.implied_permissions(bare.function("Fn"))} >= {
        ("sqs:SendMessage", "arn:${AWS::Partition}:sqs:${AWS::Region}:${AWS::AccountId}:fn-dlq"),
        ("sns:Publish", "arn:${AWS::Partition}:sns:${AWS::Region}:${AWS::AccountId}:done"),
    }


def test_library_objects_and_data_libraries(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import awswrangler as wr\n"
        "from aws_lambda_powertools.utilities import parameters\n"
        "from aws_lambda_powertools.utilities.parameters import DynamoDBProvider\n"
        "ssm = parameters.SSMProvider()\n"
        "flags = DynamoDBProvider(table_name='flags')\n"
        "def handler(event, context):\n"
        "    ssm.get('/app/config')\n"
        "    flags.get('feature-x')\n"
        "    df = wr.s3.read_parquet(path='s3://lake/raw/2024/')\n"
        "    wr.s3.to_parquet(df, 's3://lake/curated/out.parquet')\n"
    ))
    assert got == {
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/app/config"),
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/flags"),
        ("s3:ListBucket", "arn:aws:s3:::lake"),
        ("s3:GetObject", "arn:aws:s3:::lake/raw/2024/*"),
        ("s3:PutObject", "arn:aws:s3:::lake/curated/out.parquet"),
    }


def test_powertools_parameters_by_name_are_the_dicts_keys(tmp_path: Path) -> None:
    """get_parameters_by_name takes {name: options}: the names are the keys, read with
    GetParameters, and one by one with GetParameter for those it decrypts."""
    got = _perms(tmp_path, (
        "from aws_lambda_powertools.utilities.parameters import SSMProvider, get_parameters_by_name\n"
        "def handler(event, context):\n"
        "    get_parameters_by_name(parameters={'/app/a': {}, '/app/b': {'decrypt': True}})\n"
        "    SSMProvider().get_parameters_by_name({'/app/c': {}})\n"
    ))
    assert got == {
        (action, f"arn:aws:ssm:us-east-1:1:parameter/app/{name}")
        for action in ("ssm:GetParameters", "ssm:GetParameter") for name in "abc"
    }


def test_powertools_parameters_that_write_need_the_writes(tmp_path: Path) -> None:
    """set_parameter puts the parameter; set_secret adds a version, or creates the secret."""
    got = _perms(tmp_path, (
        "from aws_lambda_powertools.utilities import parameters\n"
        "from aws_lambda_powertools.utilities.parameters import SecretsProvider, SSMProvider\n"
        "def handler(event, context):\n"
        "    parameters.set_parameter(name='/app/counter', value='1', overwrite=True)\n"
        "    parameters.set_secret('app/token', 'x')\n"
        "    SSMProvider().set('/app/other', 'v')\n"
        "    SecretsProvider().set(name='app/key', value='k')\n"
    ))
    assert got == {
        ("ssm:PutParameter", "arn:aws:ssm:us-east-1:1:parameter/app/counter"),
        ("ssm:PutParameter", "arn:aws:ssm:us-east-1:1:parameter/app/other"),
        ("secretsmanager:PutSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:app/token-??????"),
        ("secretsmanager:CreateSecret", "arn:aws:secretsmanager:us-east-1:1:secret:app/token-??????"),
        ("secretsmanager:PutSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:app/key-??????"),
        ("secretsmanager:CreateSecret", "arn:aws:secretsmanager:us-east-1:1:secret:app/key-??????"),
    }


def test_the_parameters_and_secrets_extension_fetches_with_the_role(tmp_path: Path) -> None:
    """The AWS Parameters and Secrets Lambda Extension and the AppConfig agent answer on
    localhost with what they fetch with the function's role; the runtime's own variables are
    set, not missing."""
    src = tmp_path / "app.py"
    src.write_text(
        "import os, urllib.parse, urllib.request\n"
        "import requests\n"
        "PORT = os.environ.get('PARAMETERS_SECRETS_EXTENSION_HTTP_PORT', '2773')\n"
        "HEADERS = {'X-Aws-Parameters-Secrets-Token': os.environ['AWS_SESSION_TOKEN']}\n"
        "def handler(event, context):\n"
        "    requests.get(f'http://localhost:{PORT}/systemsmanager/parameters/get?name=%2Fapp%2Fdb&withDecryption=true',\n"
        "                 headers=HEADERS)\n"
        "    url = f'http://localhost:{PORT}/secretsmanager/get?secretId={urllib.parse.quote(\"prod/api key\")}'\n"
        "    urllib.request.urlopen(urllib.request.Request(url, headers=HEADERS))\n"
        "    requests.Session().get(f'http://localhost:{PORT}/secretsmanager/get?secretId=' + event['id'])\n"
        "    requests.get('https://example.com/systems')\n"
        "    requests.get('http://localhost:2772/applications/a1b2c3d/environments/e4f5g6h/configurations/p7q8r9s')\n"
    )
    result = api.suggest([str(src)], region="us-east-1", account="1")
    assert {(p.action, p.resource) for p in result.permissions} == {
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/app/db"),
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:prod/api key-??????"),
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:*"),
        # NOTE: the AppConfig agent's session, on the configuration the path names by id.
        ("appconfig:StartConfigurationSession",
         "arn:aws:appconfig:us-east-1:1:application/a1b2c3d/environment/e4f5g6h/configuration/p7q8r9s"),
        ("appconfig:GetLatestConfiguration",
         "arn:aws:appconfig:us-east-1:1:application/a1b2c3d/environment/e4f5g6h/configuration/p7q8r9s"),
    }
    assert not [f for f in result.findings if f.code == "LP202"]


def test_code_in_the_templates_own_layer_is_followed(tmp_path: Path) -> None:
    from lpgen.iac import load_template

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text("from common.store import save\ndef handler(e, c):\n    save(e['id'])\n")
    lib = tmp_path / "layers" / "common" / "python" / "common"
    lib.mkdir(parents=True)
    (lib / "__init__.py").write_text("")
    (lib / "store.py").write_text(
        "import boto3\ndef save(key):\n    boto3.client('s3').put_object(Bucket='vault', Key=f'items/{key}', Body=b'')\n")
    (tmp_path / "template.yaml").write_text("""
Transform: AWS::Serverless-2016-10-31
Resources:
  Common: {Type: AWS::Serverless::LayerVersion, Properties: {ContentUri: layers/common}}
  Fn:
    Type: AWS::Serverless::Function
    Properties: {CodeUri: src/, Handler: app.handler, Layers: [!Ref Common]}
""")
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="1")
    result = api.suggest_for_function(tpl, "Fn")
    assert {(p.action, p.resource) for p in result.permissions} == {("s3:PutObject", "arn:aws:s3:::vault/items/*")}


def test_batch_delete_of_a_filtered_listing_stays_under_its_bucket_and_prefix(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.resource('s3').Bucket('logs').objects.filter(Prefix='tmp/').delete()\n"
        "    boto3.resource('s3').Bucket('logs').object_versions.filter(Prefix='old/').delete()\n"
    ))
    # NOTE: a version's key is [Versions,DeleteMarkers]|[].Key of the listing, and its batch
    # delete sets both Delete.Objects[*].Key and .VersionId.
    assert got == {("s3:ListBucket", "arn:aws:s3:::logs"), ("s3:DeleteObject", "arn:aws:s3:::logs/tmp/*"),
                   ("s3:ListBucketVersions", "arn:aws:s3:::logs"), ("s3:DeleteObject", "arn:aws:s3:::logs/old/*"),
                   ("s3:DeleteObjectVersion", "arn:aws:s3:::logs/old/*")}


def test_every_star_resource_carries_a_finding(tmp_path: Path) -> None:
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('s3').list_buckets()\n"
        "    boto3.client('kms').decrypt(CiphertextBlob=b'x')\n"
        "    boto3.client('kms').decrypt(CiphertextBlob=b'x', KeyId='arn:aws:kms:us-east-1:1:key/0b1e')\n"
    )
    result = api.suggest([str(src)], region="us-east-1", account="1")
    stars = {p.action for p in result.permissions if p.resource == "*"}
    assert stars == {"s3:ListAllMyBuckets", "kms:Decrypt"}
    found = {(f.code, f.line) for f in result.findings}
    assert ("LP105", 3) in found  # by design: IAM cannot scope ListAllMyBuckets
    assert ("LP101", 4) in found  # the ciphertext names the key, the request does not
    assert not any(f.line == 5 for f in result.findings)


def test_a_star_says_whether_the_request_names_no_resource_or_an_unknown_one(tmp_path: Path) -> None:
    """An ARN the request takes from the event is not "no resource of this action": the
    finding names the parameter, which the reviewer can pin down."""
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('stepfunctions').start_execution(stateMachineArn=event['arn'])\n"
        "    boto3.client('kms').decrypt(CiphertextBlob=b'x')\n"
    )
    result = api.suggest([str(src)], region="us-east-1", account="1")
    notes = {f.line: f.message for f in result.findings if f.code == "LP101"}
    assert notes[3].endswith("stateMachineArn is not known statically")
    assert notes[4].endswith("the call names no resource of this action")


def test_an_access_point_given_as_the_bucket_is_the_resource(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "AP = 'arn:aws:s3:us-west-2:222233334444:accesspoint/reports'\n"
        "def handler(event, context):\n"
        "    s3 = boto3.client('s3')\n"
        "    s3.get_object(Bucket=AP, Key='daily/summary.csv')\n"
        "    s3.list_objects_v2(Bucket=AP, Prefix='daily/')\n"
    ))
    assert got == {
        ("s3:GetObject", "arn:aws:s3:us-west-2:222233334444:accesspoint/reports/object/daily/summary.csv"),
        ("s3:ListBucket", "arn:aws:s3:us-west-2:222233334444:accesspoint/reports"),
    }


def test_a_kms_encrypted_upload_that_may_go_in_parts_can_decrypt_with_its_key(tmp_path: Path) -> None:
    key = "arn:aws:kms:us-east-1:1:key/0b1e"
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        f"    boto3.client('s3').upload_file('/tmp/f', 'out', 'x.bin', ExtraArgs={{'ServerSideEncryption': 'aws:kms', 'SSEKMSKeyId': '{key}'}})\n"
        f"    boto3.client('s3').put_object(Bucket='out', Key='y.bin', Body=b'', ServerSideEncryption='aws:kms', SSEKMSKeyId='{key}')\n"
    ))
    assert {(a, r) for a, r in got if a.startswith("kms:")} == {("kms:GenerateDataKey", key), ("kms:Decrypt", key)}



def test_an_upload_encrypted_with_a_key_named_by_its_alias_is_granted_on_keys(tmp_path: Path) -> None:
    """KMS authorizes on the key an alias points to: key/alias/data is no key's ARN."""
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('s3').put_object(Bucket='out', Key='y.bin', Body=b'', ServerSideEncryption='aws:kms',\n"
        "                                  SSEKMSKeyId='alias/data')\n"
    ))
    assert {(a, r) for a, r in got if a.startswith("kms:")} == {("kms:GenerateDataKey", "arn:aws:kms:us-east-1:1:key/*")}


def test_keys_a_paginator_search_yields_keep_the_listing_prefix(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    pages = s3.get_paginator('list_objects_v2').paginate(Bucket='b', Prefix='tmp/')\n"
        "    for key in pages.search('Contents[].Key'):\n"
        "        s3.delete_object(Bucket='b', Key=key)\n"
        "    for obj in s3.get_paginator('list_objects_v2').paginate(Bucket='c', Prefix='old/').search('Contents'):\n"
        "        s3.delete_object(Bucket='c', Key=obj['Key'])\n"
    ))
    assert got == {
        ("s3:ListBucket", "arn:aws:s3:::b"), ("s3:DeleteObject", "arn:aws:s3:::b/tmp/*"),
        ("s3:ListBucket", "arn:aws:s3:::c"), ("s3:DeleteObject", "arn:aws:s3:::c/old/*"),
    }


def test_code_that_handles_a_missing_key_may_list_the_bucket(tmp_path: Path) -> None:
    """S3 answers a missing key with 404 only to a caller that may list the bucket, else 403:
    a handler for NoSuchKey or a 404, and the waiters on an object, need s3:ListBucket."""
    got = _perms(tmp_path, (
        "import json, boto3\n"
        "from botocore.exceptions import ClientError\n"
        "s3 = boto3.client('s3')\n"
        "def load(key):\n"
        "    return json.loads(s3.get_object(Bucket='cfg', Key=key)['Body'].read())\n"
        "def handler(event, context):\n"
        "    try:\n"
        "        load('settings.json')\n"
        "    except s3.exceptions.NoSuchKey:\n"
        "        pass\n"
        "    try:\n"
        "        s3.head_object(Bucket='data', Key='k')\n"
        "    except ClientError as e:\n"
        "        if e.response['Error']['Code'] in ('404', 'NoSuchKey'):\n"
        "            return None\n"
        "        raise\n"
        "    try:\n"
        "        s3.get_object(Bucket='plain', Key='x')\n"
        "    except ClientError:\n"
        "        return {'statusCode': 404}\n"
        "    s3.get_waiter('object_exists').wait(Bucket='waited', Key='y')\n"
    ))
    assert {r for a, r in got if a == "s3:ListBucket"} == {
        "arn:aws:s3:::cfg", "arn:aws:s3:::data", "arn:aws:s3:::waited",
    }


def test_reading_a_field_returned_only_with_another_permission_needs_it(tmp_path: Path) -> None:
    """GetFunction returns Tags only to a caller with lambda:ListTags; S3 returns an object's
    tag count and Object Lock fields only with the matching read permission."""
    got = _perms(tmp_path, (
        "import boto3\n"
        "lam = boto3.client('lambda')\n"
        "s3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    team = lam.get_function(FunctionName='worker')['Tags'].get('team')\n"
        "    lam.get_function(FunctionName='arn:aws:lambda:us-east-1:1:function:other:live')['Configuration']\n"
        "    head = s3.head_object(Bucket='locked', Key='a')\n"
        "    if head.get('ObjectLockMode') == 'COMPLIANCE':\n"
        "        return s3.get_object(Bucket='tagged', Key='b')['TagCount']\n"
    ))
    assert got == {
        ("lambda:GetFunction", "arn:aws:lambda:us-east-1:1:function:worker"),
        ("lambda:ListTags", "arn:aws:lambda:us-east-1:1:function:worker"),
        ("lambda:GetFunction", "arn:aws:lambda:us-east-1:1:function:other:live"),
        ("s3:GetObject", "arn:aws:s3:::locked/a"), ("s3:GetObjectRetention", "arn:aws:s3:::locked/a"),
        ("s3:GetObject", "arn:aws:s3:::tagged/b"), ("s3:GetObjectTagging", "arn:aws:s3:::tagged/b"),
    }

S3_HANDLER = '''
import urllib.parse
import boto3
s3 = boto3.client("s3")
def handler(event, context):
    for record in event["Records"]:
        bucket = record["s3"]["bucket"]["name"]
        key = urllib.parse.unquote_plus(record["s3"]["object"]["key"])
        s3.get_object(Bucket=bucket, Key=key)
        s3.put_object(Bucket=bucket, Key=key.replace("incoming/", "thumbs/"), Body=b"")
'''


def test_an_s3_notification_names_the_event_bucket_and_key(tmp_path: Path) -> None:
    from lpgen.iac import load_template

    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(S3_HANDLER)
    events = """
      Events:
        Upload:
          Type: S3
          Properties:
            Bucket: !Ref Photos
            Events: s3:ObjectCreated:*
            Filter: {S3Key: {Rules: [{Name: prefix, Value: incoming/}, {Name: suffix, Value: .jpg}]}}"""
    head = """Transform: AWS::Serverless-2016-10-31
Resources:
  Photos:
    Type: AWS::S3::Bucket
    Properties: {BucketName: photos-prod}
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      CodeUri: src/
      Handler: app.handler"""
    (tmp_path / "template.yaml").write_text(head + events + "\n")
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="1")
    got = {(p.action, p.resource) for p in api.suggest_for_function(tpl, "Fn").permissions}
    assert got == {
        ("s3:GetObject", "arn:aws:s3:::photos-prod/incoming/*.jpg"),
        ("s3:PutObject", "arn:aws:s3:::photos-prod/thumbs/*.jpg"),
    }
    # another kind of event may invoke it too: its event is not known any more
    api_event = "\n        Get:\n          Type: Api\n          Properties: {Path: /x, Method: get}"
    (tmp_path / "template.yaml").write_text(head + events + api_event + "\n")
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="1")
    got = {(p.action, p.resource) for p in api.suggest_for_function(tpl, "Fn").permissions}
    assert got == {("s3:GetObject", "arn:aws:s3:::*/*"), ("s3:PutObject", "arn:aws:s3:::*/*")}


def test_a_serverless_s3_event_names_the_event_bucket_and_key(tmp_path: Path) -> None:
    from lpgen.iac import load_template

    (tmp_path / "handler.py").write_text(S3_HANDLER)
    (tmp_path / "serverless.yml").write_text(
        "service: thumbs\nprovider: {name: aws, runtime: python3.12}\nfunctions:\n  thumbnailer:\n"
        "    handler: handler.handler\n    events:\n      - s3: {bucket: photos, rules: [{prefix: incoming/}]}\n"
    )
    tpl = load_template(str(tmp_path / "serverless.yml"), region="us-east-1", account="1")
    got = {(p.action, p.resource) for p in api.suggest_for_function(tpl, "thumbnailer").permissions}
    assert got == {("s3:GetObject", "arn:aws:s3:::photos/incoming/*"), ("s3:PutObject", "arn:aws:s3:::photos/thumbs/*")}


def test_a_metric_namespace_scopes_put_metric_data(tmp_path: Path) -> None:
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('cloudwatch').put_metric_data(Namespace='Orders', MetricData=[])\n"
    )
    policy = api.suggest([str(src)], region="us-east-1", account="1").policy.to_json()
    assert policy["Statement"] == [{
        "Sid": policy["Statement"][0]["Sid"], "Effect": "Allow", "Action": ["cloudwatch:PutMetricData"],
        "Resource": ["*"], "Condition": {"StringEquals": {"cloudwatch:namespace": "Orders"}},
    }]
    # a namespace the code does not fix needs the action unconditioned, which covers the other
    src.write_text(src.read_text() + "    boto3.client('cloudwatch').put_metric_data(Namespace=event['ns'], MetricData=[])\n")
    policy = api.suggest([str(src)], region="us-east-1", account="1").policy.to_json()
    assert [(s["Action"], s["Resource"], s.get("Condition")) for s in policy["Statement"]] == [
        (["cloudwatch:PutMetricData"], ["*"], None),
    ]


def test_a_serverless_stack_names_the_resources_cloudformation_names(tmp_path: Path) -> None:
    from lpgen.iac import load_template

    (tmp_path / "handler.py").write_text(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('sns').publish(TopicArn=os.environ['TOPIC'], Message='m')\n"
        "    boto3.client('s3').put_object(Bucket=os.environ['BUCKET'], Key='k', Body=b'')\n"
    )
    resources = (
        "resources:\n  Resources:\n    Events:\n      Type: AWS::SNS::Topic\n"
        "    Uploads:\n      Type: AWS::S3::Bucket\n"
    )

    def grants(provider: str, service: str = "orders") -> dict[str, tuple[str, str]]:
        (tmp_path / "serverless.yml").write_text(
            f"service: {service}\nprovider:\n  name: aws\n{provider}"
            "  environment: {TOPIC: !Ref Events, BUCKET: !Ref Uploads}\n"
            "functions:\n  api:\n    handler: handler.handler\n" + resources
        )
        tpl = load_template(str(tmp_path / "serverless.yml"), region="us-east-1", account="1")
        result = api.suggest_for_function(tpl, "api")
        notes = {f.message for f in result.findings if f.code == "LP101"}
        return {p.action: (p.resource, next(n for n in notes if p.resource in n)) for p in result.permissions}

    got = grants("  stage: prod\n")
    assert got["sns:Publish"][0] == "arn:aws:sns:us-east-1:1:orders-prod-Events-*"
    assert got["s3:PutObject"][0] == "arn:aws:s3:::orders-prod-uploads-*/k"
    assert got["sns:Publish"][1].endswith("part of the ARN is not known statically")
    assert grants("  stackName: Shop-Api\n")["s3:PutObject"][0] == "arn:aws:s3:::shop-api-uploads-*/k"
    # a name CloudFormation would shorten keeps only the parts it surely has
    assert grants("", service="a-very-long-service-name-for-orders-and-more")["sns:Publish"][0] == (
        "arn:aws:sns:us-east-1:1:*-Events-*"
    )


def test_a_bedrock_inference_profile_grants_the_profile_and_its_model_everywhere(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "br = boto3.client('bedrock-runtime')\n"
        "def handler(event, context):\n"
        "    br.invoke_model(modelId='anthropic.claude-3-haiku-20240307-v1:0', body='{}')\n"
        "    br.converse(modelId='us.anthropic.claude-3-5-sonnet-20240620-v1:0', messages=[])\n"
        "    br.converse_stream(modelId='arn:aws:bedrock:eu-west-1:9:inference-profile/eu.amazon.nova-pro-v1:0', messages=[])\n"
    ))
    assert got == {
        ("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"),
        ("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1:1:inference-profile/us.anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ("bedrock:InvokeModel", "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-sonnet-20240620-v1:0"),
        ("bedrock:InvokeModelWithResponseStream", "arn:aws:bedrock:eu-west-1:9:inference-profile/eu.amazon.nova-pro-v1:0"),
        ("bedrock:InvokeModelWithResponseStream", "arn:aws:bedrock:*::foundation-model/amazon.nova-pro-v1:0"),
    }


def test_services_that_use_s3_with_the_callers_rights_grant_it(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('transcribe').start_transcription_job(TranscriptionJobName='j',\n"
        "        Media={'MediaFileUri': 's3://media/in/a.mp3'}, OutputBucketName='texts', OutputKey='out/',\n"
        "        OutputEncryptionKMSKeyId='alias/transcripts')\n"
        "    boto3.client('polly').start_speech_synthesis_task(Text='hi', OutputFormat='mp3', VoiceId='Joanna',\n"
        "        OutputS3BucketName='speech', OutputS3KeyPrefix='tts/')\n"
        "    boto3.client('rekognition').compare_faces(SourceImage={'S3Object': {'Bucket': 'faces', 'Name': 'a.jpg'}},\n"
        "        TargetImage={'S3Object': {'Bucket': 'faces', 'Name': 'b.jpg'}})\n"
        "    boto3.client('textract').start_document_analysis(\n"
        "        DocumentLocation={'S3Object': {'Bucket': 'docs', 'Name': 'in/x.pdf'}}, FeatureTypes=['TABLES'])\n"
    ))
    assert {r for a, r in got if a == "s3:GetObject"} == {
        "arn:aws:s3:::media/in/a.mp3", "arn:aws:s3:::faces/a.jpg", "arn:aws:s3:::faces/b.jpg", "arn:aws:s3:::docs/in/x.pdf",
    }
    assert {r for a, r in got if a == "s3:PutObject"} == {"arn:aws:s3:::texts/out/*", "arn:aws:s3:::speech/tts/*"}
    assert {(a, r) for a, r in got if a.startswith("kms:")} == {("kms:Encrypt", "arn:aws:kms:us-east-1:1:key/*")}


def test_textract_writes_a_jobs_results_to_the_callers_bucket_with_its_key(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "KEY = 'arn:aws:kms:us-east-1:1:key/1234abcd-12ab-34cd-56ef-1234567890ab'\n"
        "def handler(event, context):\n"
        "    tx = boto3.client('textract')\n"
        "    tx.start_document_text_detection(DocumentLocation={'S3Object': {'Bucket': 'docs', 'Name': 'in/x.pdf'}},\n"
        "        OutputConfig={'S3Bucket': 'results', 'S3Prefix': 'ocr'}, KMSKeyId=KEY)\n"
        "    tx.start_expense_analysis(DocumentLocation={'S3Object': {'Bucket': 'docs', 'Name': 'in/y.pdf'}},\n"
        "        OutputConfig={'S3Bucket': 'expenses'})\n"
        "    tx.start_document_analysis(DocumentLocation={'S3Object': {'Bucket': 'docs', 'Name': 'in/z.pdf'}},\n"
        "        FeatureTypes=['FORMS'])\n"
    ))
    # NOTE: without S3Prefix the results go under "textract_output/"; bucket/* covers it.
    assert {r for a, r in got if a == "s3:PutObject"} == {"arn:aws:s3:::results/ocr*", "arn:aws:s3:::expenses/*"}
    key = "arn:aws:kms:us-east-1:1:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    assert {a for a, r in got if a.startswith("kms:")} == {
        "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:DescribeKey",
    }
    assert {r for a, r in got if a.startswith("kms:")} == {key}


def _cdk_app(tmp_path: Path, code: str, templates: dict[str, Any], stacks: dict[str, str | None]) -> Path:
    """A CDK app's cdk.out: the asset ``asset.abc123`` holding index.py (``handler``'s body
    ``code``), the ``templates`` (file name -> document) and a manifest naming ``stacks``
    (template file -> stack name, None for the artifact's own)."""
    import json

    out = tmp_path / "cdk.out"
    (out / "asset.abc123").mkdir(parents=True)
    (out / "asset.abc123" / "index.py").write_text("import os, boto3\ndef handler(event, context):\n" + code)
    for name, doc in templates.items():
        (out / name).write_text(json.dumps(doc))
    artifacts = {
        f.removesuffix(".template.json"): {"type": "aws:cloudformation:stack",
                                           "properties": {"templateFile": f, **({"stackName": n} if n else {})}}
        for f, n in stacks.items()
    }
    (out / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    return out


def _cdk_function(env: dict[str, Any]) -> dict[str, Any]:
    """A CDK-made function running the asset's index.handler with environment ``env``."""
    return {"Type": "AWS::Lambda::Function",
            "Properties": {"Code": {"S3Bucket": "assets", "S3Key": "abc123.zip"}, "Handler": "index.handler",
                           "Runtime": "python3.12", "Environment": {"Variables": env}},
            "Metadata": {"aws:asset:path": "asset.abc123", "aws:asset:property": "Code"}}


def _cdk_grants(out: Path, template: str) -> set[tuple[str, str]]:
    from lpgen.iac import load_template

    tpl = load_template(str(out / template), region="us-east-1", account="1")
    return {(p.action, p.resource) for p in api.suggest_for_function(tpl, None).permissions}


_PUT_ORDER = "    boto3.resource('dynamodb').Table(os.environ['TABLE_NAME']).put_item(Item={})\n"


def test_a_cdk_apps_stacks_import_what_the_others_export(tmp_path: Path) -> None:
    """Fn::ImportValue of an export another stack of the same app makes (CDK's cross-stack
    references) is that stack's value, resolved as that stack: its table, not every table."""
    storage = {
        "Resources": {"OrdersTable315BB997": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
                      "Jobs5E3D9C21": {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "jobs"}}},
        "Outputs": {
            "ExportsOutputRefOrdersTable315BB9976C1E8E2E": {
                "Value": {"Ref": "OrdersTable315BB997"},
                "Export": {"Name": "Storage:ExportsOutputRefOrdersTable315BB9976C1E8E2E"}},
            "JobsUrl": {"Value": {"Ref": "Jobs5E3D9C21"},
                        "Export": {"Name": {"Fn::Sub": "${AWS::StackName}-jobs-url"}}},
        },
    }
    compute = {"Resources": {"Handler886CB40B": _cdk_function({
        "TABLE_NAME": {"Fn::ImportValue": "Storage:ExportsOutputRefOrdersTable315BB9976C1E8E2E"},
        "QUEUE_URL": {"Fn::ImportValue": "Storage-Prod-jobs-url"}})}}
    out = _cdk_app(tmp_path, _PUT_ORDER + "    boto3.client('sqs').send_message(QueueUrl=os.environ['QUEUE_URL'], MessageBody='x')\n",
                   {"Storage.template.json": storage, "Compute.template.json": compute},
                   {"Storage.template.json": "Storage-Prod", "Compute.template.json": None})
    assert _cdk_grants(out, "Compute.template.json") == {
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/Storage-Prod-OrdersTable315BB997-*"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:jobs"),
    }


_NESTED = "AppStorage1A2B3C4D.nested.template.json"


def _nested_stack(parameters: dict[str, Any]) -> dict[str, Any]:
    """A CDK NestedStack resource: its template is the asset _NESTED in cdk.out."""
    return {"Type": "AWS::CloudFormation::Stack",
            "Properties": {"TemplateURL": "https://s3.amazonaws.com/cdk-assets/x.json", "Parameters": parameters},
            "Metadata": {"aws:asset:path": _NESTED, "aws:asset:property": "TemplateURL"}}


def test_a_cdk_nested_stacks_outputs_come_from_its_template_in_cdk_out(tmp_path: Path) -> None:
    """A CDK NestedStack's TemplateURL is an S3 asset; its template lies in cdk.out (the
    resource's aws:asset:path), read with the parameters the parent passes."""
    nested = {
        "Parameters": {"Stage": {"Type": "String"}},
        "Resources": {"Orders": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": {"Fn::Sub": "orders-${Stage}"}}}},
        "Outputs": {"AppStorageOrdersRef": {"Value": {"Ref": "Orders"}}},
    }
    parent = {"Resources": {
        "StorageNestedStackResource": _nested_stack({"Stage": "prod"}),
        "Handler886CB40B": _cdk_function({"TABLE_NAME": {"Fn::GetAtt": ["StorageNestedStackResource", "Outputs.AppStorageOrdersRef"]}}),
    }}
    out = _cdk_app(tmp_path, _PUT_ORDER, {_NESTED: nested, "App.template.json": parent}, {"App.template.json": None})
    assert _cdk_grants(out, "App.template.json") == {("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders-prod")}


def test_a_function_in_a_cdk_nested_stack_has_the_parameters_its_parent_passes(tmp_path: Path) -> None:
    nested = {
        "Parameters": {"referencetoAppOrdersRef": {"Type": "String"}},
        "Resources": {"Handler886CB40B": _cdk_function({"TABLE_NAME": {"Ref": "referencetoAppOrdersRef"}})},
    }
    parent = {"Resources": {
        "Orders": {"Type": "AWS::DynamoDB::Table", "Properties": {"TableName": "orders"}},
        "WorkersNestedStackResource": _nested_stack({"referencetoAppOrdersRef": {"Ref": "Orders"}}),
    }}
    out = _cdk_app(tmp_path, _PUT_ORDER, {_NESTED: nested, "App.template.json": parent}, {"App.template.json": None})
    assert _cdk_grants(out, _NESTED) == {("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders")}


def test_exports_that_import_each_other_are_not_known(tmp_path: Path) -> None:
    """Two stacks whose exports import each other's (CloudFormation refuses them) leave the
    value unknown instead of looping."""
    from lpgen.iac import load_template

    templates = {
        f"{me}.template.json": {
            "Resources": {"Fn": _cdk_function({"Q": {"Fn::ImportValue": f"{other}-q"}})} if me == "A" else {},
            "Outputs": {"Q": {"Value": {"Fn::ImportValue": f"{other}-q"}, "Export": {"Name": f"{me}-q"}}},
        }
        for me, other in (("A", "B"), ("B", "A"))
    }
    out = _cdk_app(tmp_path, "    return 1\n", templates, {})
    tpl = load_template(str(out / "A.template.json"), region="us-east-1", account="1")
    assert tpl.functions["Fn"].environment["Q"] == "*"


def test_a_cdk_template_finds_its_staged_code_and_stack_name(tmp_path: Path) -> None:
    orders = {"Resources": {
        "OrdersTable315BB997": {"Type": "AWS::DynamoDB::Table", "Properties": {}},
        "Handler886CB40B": _cdk_function({"TABLE_NAME": {"Ref": "OrdersTable315BB997"}}),
    }}
    out = _cdk_app(tmp_path, _PUT_ORDER, {"Orders.template.json": orders}, {"Orders.template.json": "Orders-Prod"})
    assert _cdk_grants(out, "Orders.template.json") == {
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/Orders-Prod-OrdersTable315BB997-*")}


def test_chalice_event_sources_are_polled_with_the_role(tmp_path: Path) -> None:
    """A Chalice app's SQS, Kinesis and DynamoDB stream handlers: Lambda polls their sources
    with the function's role, which an app with its own policy must give."""
    got = _perms(tmp_path, (
        "from chalice import Chalice\n"
        "app = Chalice(app_name='orders')\n"
        "@app.on_sqs_message(queue='jobs')\n"
        "def on_job(event):\n    return 1\n"
        "@app.on_sqs_message(queue_arn='arn:aws:sqs:us-east-1:1:other')\n"
        "def on_other(event):\n    return 1\n"
        "@app.on_kinesis_record(stream='clicks')\n"
        "def on_click(event):\n    return 1\n"
    ))
    queues = {"arn:aws:sqs:us-east-1:1:jobs", "arn:aws:sqs:us-east-1:1:other"}
    assert got == {
        *((a, q) for q in queues for a in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")),
        *((a, "arn:aws:kinesis:us-east-1:1:stream/clicks") for a in (
            "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
            "kinesis:DescribeStreamSummary", "kinesis:ListShards")),
    }


def test_a_flag_the_code_sets_decides_a_conditional_action(tmp_path: Path) -> None:
    """S3 Vectors reads metadata with GetVectors: a query or listing that sets the flag True
    needs it, one that sets it False does not, and one whose flag is not known gets it with
    a finding (LP103). The vector bucket is named by vectorBucketName."""
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\n"
        "v = boto3.client('s3vectors')\n"
        "def handler(event, context):\n"
        "    v.query_vectors(vectorBucketName='emb', indexName='faq', queryVector={}, topK=3, returnMetadata=True)\n"
        "    v.query_vectors(vectorBucketName='emb', indexName='keys', queryVector={}, topK=3, returnMetadata=False)\n"
        "    v.list_vectors(vectorBucketName='emb', indexName='all', returnData=event['full'])\n"
    )
    result = api.suggest([str(src)], region="us-east-1", account="1")
    index = "arn:aws:s3vectors:us-east-1:1:bucket/emb/index/"
    assert {(p.action, p.resource) for p in result.permissions} == {
        ("s3vectors:QueryVectors", index + "faq"), ("s3vectors:GetVectors", index + "faq"),
        ("s3vectors:QueryVectors", index + "keys"),
        ("s3vectors:ListVectors", index + "all"), ("s3vectors:GetVectors", index + "all"),
    }
    assert [(f.code, f.line) for f in result.findings if f.code == "LP103"] == [("LP103", 6)]


def test_names_each_service_gives_its_own_member(tmp_path: Path) -> None:
    """Members whose names differ from the ARN format's variable: a KMS alias's name carries
    the alias/ prefix its ARN adds (and an alias operation is checked on the key too), SES
    v2 names an identity by EmailIdentity, each kind of Transcribe job by its own member,
    and a Config recorder by ConfigurationRecorderName."""
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    kms = boto3.client('kms')\n"
        "    kms.create_alias(AliasName='alias/app', TargetKeyId='1234abcd-12ab-34cd-56ef-1234567890ab')\n"
        "    kms.delete_alias(AliasName='alias/old')\n"
        "    boto3.client('sesv2').get_email_identity(EmailIdentity='example.com')\n"
        "    tr = boto3.client('transcribe')\n"
        "    tr.get_transcription_job(TranscriptionJobName='t1')\n"
        "    tr.get_call_analytics_job(CallAnalyticsJobName='c1')\n"
        "    tr.get_medical_transcription_job(MedicalTranscriptionJobName='m1')\n"
        "    boto3.client('config').start_configuration_recorder(ConfigurationRecorderName='default')\n"
    ))
    kms, tr = "arn:aws:kms:us-east-1:1:", "arn:aws:transcribe:us-east-1:1:"
    assert got == {
        ("kms:CreateAlias", kms + "alias/app"), ("kms:CreateAlias", kms + "key/1234abcd-12ab-34cd-56ef-1234567890ab"),
        ("kms:DeleteAlias", kms + "alias/old"), ("kms:DeleteAlias", kms + "key/*"),
        ("ses:GetEmailIdentity", "arn:aws:ses:us-east-1:1:identity/example.com"),
        ("transcribe:GetTranscriptionJob", tr + "transcription-job/t1"),
        ("transcribe:GetCallAnalyticsJob", tr + "analytics/c1"),
        ("transcribe:GetMedicalTranscriptionJob", tr + "medical-transcription-job/m1"),
        ("config:StartConfigurationRecorder", "arn:aws:config:us-east-1:1:configuration-recorder/default/*"),
    }


def test_one_member_fills_the_variable_each_format_has(tmp_path: Path) -> None:
    """AppSync's apiId is a GraphQL API's id or an Event API's; CodePipeline's name is a
    pipeline's (its ARN is the name) or, for a webhook operation, the webhook's."""
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('appsync').get_graphql_api(apiId='g1')\n"
        "    boto3.client('appsync').get_api(apiId='e1')\n"
        "    cp = boto3.client('codepipeline')\n"
        "    cp.start_pipeline_execution(name='deploy')\n"
        "    cp.get_pipeline_state(name='deploy')\n"
        "    cp.delete_webhook(name='hook')\n"
    ))
    assert got == {
        ("appsync:GetGraphqlApi", "arn:aws:appsync:us-east-1:1:apis/g1"),
        ("appsync:GetApi", "arn:aws:appsync:us-east-1:1:apis/e1"),
        ("codepipeline:StartPipelineExecution", "arn:aws:codepipeline:us-east-1:1:deploy"),
        ("codepipeline:GetPipelineState", "arn:aws:codepipeline:us-east-1:1:deploy"),
        ("codepipeline:DeleteWebhook", "arn:aws:codepipeline:us-east-1:1:webhook:hook"),
    }


def test_a_restore_is_authorized_on_its_source_and_writes_the_new_table(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "ddb = boto3.client('dynamodb')\n"
        "def handler(event, context):\n"
        "    ddb.restore_table_to_point_in_time(SourceTableName='orders', TargetTableName='orders-pitr')\n"
        "    ddb.restore_table_from_backup(TargetTableName='orders-copy', BackupArn='arn:aws:dynamodb:us-east-1:1:table/orders/backup/01')\n"
        "    ddb.restore_table_to_point_in_time(SourceTableArn='arn:aws:dynamodb:us-east-1:1:table/carts', TargetTableName='orders-pitr')\n"
    ))
    table = "arn:aws:dynamodb:us-east-1:1:table/"
    io = ("BatchWriteItem", "DeleteItem", "GetItem", "PutItem", "Query", "Scan", "UpdateItem")
    assert got == {
        ("dynamodb:RestoreTableToPointInTime", table + "orders"), ("dynamodb:RestoreTableToPointInTime", table + "carts"),
        ("dynamodb:RestoreTableFromBackup", table + "orders/backup/01"),
        *((f"dynamodb:{a}", table + t) for a in io for t in ("orders-pitr", "orders-copy")),
    }


def test_a_bare_name_names_the_operations_subject(tmp_path: Path) -> None:
    """Name is the rule EnableRule and DisableRule act on, the bus of DescribeEventBus, the
    workflow of StartWorkflowRun, the document of SSM's document operations (where Name
    elsewhere names a parameter; a document AWS owns has no account), and the terminology of
    Translate's terminology operations; Amazon Location names a collection CollectionName."""
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    ev = boto3.client('events')\n"
        "    ev.disable_rule(Name='nightly')\n"
        "    ev.enable_rule(Name='sync', EventBusName='orders')\n"
        "    ssm = boto3.client('ssm')\n"
        "    ssm.get_document(Name='Runbook')\n"
        "    ssm.describe_document(Name='AWS-RunShellScript')\n"
        "    ssm.get_parameter(Name='/app/flag')\n"
        "    boto3.client('translate').get_terminology(Name='brand', TerminologyDataFormat='CSV')\n"
        "    ev.describe_event_bus(Name='orders')\n"
        "    boto3.client('glue').start_workflow_run(Name='nightly-etl')\n"
        "    boto3.client('location').put_geofence(CollectionName='stores', GeofenceId='g1', Geometry={})\n"
    ))
    assert got == {
        # NOTE: a bus (the s of Bus is not a plural's); a workflow's run is the workflow's.
        ("events:DescribeEventBus", "arn:aws:events:us-east-1:1:event-bus/orders"),
        ("glue:StartWorkflowRun", "arn:aws:glue:us-east-1:1:workflow/nightly-etl"),
        ("geo:PutGeofence", "arn:aws:geo:us-east-1:1:geofence-collection/stores"),
        ("events:DisableRule", "arn:aws:events:us-east-1:1:rule/nightly"),
        ("events:EnableRule", "arn:aws:events:us-east-1:1:rule/orders/sync"),
        ("ssm:GetDocument", "arn:aws:ssm:us-east-1:1:document/Runbook"),
        ("ssm:DescribeDocument", "arn:aws:ssm:us-east-1:*:document/AWS-RunShellScript"),
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/app/flag"),
        ("translate:GetTerminology", "arn:aws:translate:us-east-1:1:terminology/brand"),
    }


def test_each_chalice_handler_is_a_function_of_its_own(tmp_path: Path) -> None:
    """Chalice deploys the REST API (``app.app``) and each event handler as separate Lambda
    functions: the API runs its routes only, an event handler itself only, and the queue a
    handler subscribes to is polled with that handler's role."""
    (tmp_path / "app.py").write_text(
        "import boto3\n"
        "from chalice import Chalice\n"
        "app = Chalice(app_name='orders')\n"
        "ddb = boto3.client('dynamodb')\n"
        "@app.route('/orders/{oid}')\n"
        "def get_order(oid):\n"
        "    return ddb.get_item(TableName='orders', Key={})\n"
        "@app.on_sqs_message(queue='jobs')\n"
        "def on_job(event):\n"
        "    ddb.put_item(TableName='jobs-done', Item={})\n"
        "@app.lambda_function(name='report')\n"
        "def report(event, context):\n"
        "    boto3.client('ssm').get_parameter(Name='/report')\n"
    )

    def grants(handler: str) -> set[tuple[str, str]]:
        got = api.suggest([f"{tmp_path}/app.{handler}"], region="us-east-1", account="1").permissions
        return {(p.action, p.resource) for p in got}

    assert grants("app") == {("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/orders")}
    assert grants("on_job") == {
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/jobs-done"),
        *((a, "arn:aws:sqs:us-east-1:1:jobs") for a in ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes")),
    }
    assert grants("report") == {("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/report")}


def test_a_chalice_s3_handler_reads_the_bucket_and_keys_its_decorator_names(tmp_path: Path) -> None:
    """Chalice hands an on_s3_event handler the notification's bucket and key: the
    decorator's bucket, keys with its prefix and suffix; an attribute it does not model
    stays unknown."""
    got = _perms(tmp_path, (
        "import boto3\n"
        "from chalice import Chalice\n"
        "app = Chalice(app_name='orders')\n"
        "s3 = boto3.client('s3')\n"
        "@app.on_s3_event(bucket='uploads', prefix='in/', suffix='.csv', events=['s3:ObjectCreated:*'])\n"
        "def on_upload(event):\n"
        "    s3.get_object(Bucket=event.bucket, Key=event.key)\n"
        "    s3.put_object(Bucket='out', Key='done/' + event.key, Body=b'')\n"
        "    s3.delete_object(Bucket='trash', Key=event.event_name)\n"
        "@app.on_s3_event('photos')\n"
        "def on_photo(event):\n"
        "    s3.get_object(Bucket=event.bucket, Key=event.key)\n"
    ))
    assert got == {
        ("s3:GetObject", "arn:aws:s3:::uploads/in/*.csv"),
        ("s3:PutObject", "arn:aws:s3:::out/done/in/*.csv"),
        ("s3:DeleteObject", "arn:aws:s3:::trash/*"),
        ("s3:GetObject", "arn:aws:s3:::photos/*"),
    }


def test_a_directory_bucket_is_used_through_a_session(tmp_path: Path) -> None:
    from lpgen.permissions import iam_data
    from lpgen.permissions.grant import REGIONAL_S3_EXPRESS

    got = _perms(tmp_path, (
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    s3.put_object(Bucket='fast--use1-az4--x-s3', Key='k', Body=b'')\n"
        "    s3.copy_object(Bucket='fast--use1-az4--x-s3', Key='c', CopySource={'Bucket': 'slow', 'Key': 'k'})\n"
        "    s3.delete_bucket_policy(Bucket='old--use1-az4--x-s3')\n"
        "    s3.get_object(Bucket='slow', Key='k')\n"
    ))
    assert got == {
        ("s3express:CreateSession", "arn:aws:s3express:us-east-1:1:bucket/fast--use1-az4--x-s3"),
        ("s3express:DeleteBucketPolicy", "arn:aws:s3express:us-east-1:1:bucket/old--use1-az4--x-s3"),
        ("s3:GetObject", "arn:aws:s3:::slow/k"),
    }
    assert all(iam_data.action_exists(f"s3express:{a}") for a in [*REGIONAL_S3_EXPRESS.values(), "CreateSession"])


def test_a_version_needs_the_version_action_alone_unless_it_may_be_left_out(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\ns3 = boto3.client('s3')\n"
        "def fetch(**kw):\n"
        "    return s3.head_object(**kw)\n"
        "def handler(event, context):\n"
        "    v = event['version']\n"
        "    s3.get_object(Bucket='given', Key='k', VersionId=v)\n"
        "    s3.put_object_tagging(Bucket='given', Key='k', VersionId=v, Tagging={'TagSet': []})\n"
        "    s3.get_object_acl(Bucket='given', Key='k')\n"
        "    s3.get_object_attributes(Bucket='attrs', Key='k', ObjectAttributes=['ETag'])\n"
        "    s3.get_object_attributes(Bucket='attrs', Key='v', VersionId=v, ObjectAttributes=['ETag'])\n"
        "    kw = {'Bucket': 'maybe', 'Key': 'k'}\n"
        "    if event.get('v'):\n"
        "        kw['VersionId'] = event['v']\n"
        "    fetch(**kw)\n"
    ))
    assert got == {
        ("s3:GetObjectVersion", "arn:aws:s3:::given/k"), ("s3:PutObjectVersionTagging", "arn:aws:s3:::given/k"),
        ("s3:GetObjectAcl", "arn:aws:s3:::given/k"),
        ("s3:GetObject", "arn:aws:s3:::attrs/k"), ("s3:GetObjectAttributes", "arn:aws:s3:::attrs/k"),
        ("s3:GetObjectVersion", "arn:aws:s3:::attrs/v"), ("s3:GetObjectVersionAttributes", "arn:aws:s3:::attrs/v"),
        ("s3:GetObject", "arn:aws:s3:::maybe/k"), ("s3:GetObjectVersion", "arn:aws:s3:::maybe/k"),
    }


def test_partiql_statements_name_their_tables_and_indexes(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\nddb = boto3.client('dynamodb')\n"
        "def handler(event, context):\n"
        "    ddb.execute_statement(Statement='SELECT * FROM \"orders\" WHERE pk = ?', Parameters=[{'S': '1'}])\n"
        "    ddb.execute_statement(Statement=\"UPDATE orders SET n = 1 WHERE pk = 'x'\")\n"
        "    ddb.batch_execute_statement(Statements=[{'Statement': 'DELETE FROM \"carts\" WHERE pk = ?'}])\n"
        "    ddb.execute_transaction(TransactStatements=[{'Statement': 'SELECT * FROM \"users\".\"by-email\" WHERE e = ?'}])\n"
        "    ddb.execute_statement(Statement=f'INSERT INTO \"{event[\"t\"]}\" VALUE {{}}')\n"
    ))
    assert got == {
        ("dynamodb:PartiQLSelect", "arn:aws:dynamodb:us-east-1:1:table/orders"),
        ("dynamodb:PartiQLUpdate", "arn:aws:dynamodb:us-east-1:1:table/orders"),
        ("dynamodb:PartiQLDelete", "arn:aws:dynamodb:us-east-1:1:table/carts"),
        ("dynamodb:PartiQLSelect", "arn:aws:dynamodb:us-east-1:1:table/users/index/by-email"),
        ("dynamodb:PartiQLInsert", "arn:aws:dynamodb:us-east-1:1:table/*"),
    }


def test_a_websocket_callback_is_granted_on_the_api_its_endpoint_names(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    ctx = event['requestContext']\n"
        "    fixed = boto3.client('apigatewaymanagementapi', endpoint_url='https://abc123.execute-api.eu-west-1.amazonaws.com/prod')\n"
        "    fixed.post_to_connection(ConnectionId=ctx['connectionId'], Data=b'hi')\n"
        "    custom = boto3.client('apigatewaymanagementapi', endpoint_url=f\"https://{ctx['domainName']}/{ctx['stage']}\")\n"
        "    custom.delete_connection(ConnectionId=ctx['connectionId'])\n"
        "    boto3.client('s3', endpoint_url='http://localhost:4566').get_object(Bucket='b', Key='k')\n"
    ))
    assert got == {
        ("execute-api:ManageConnections", "arn:aws:execute-api:eu-west-1:1:abc123/prod/*/@connections/*"),
        ("execute-api:ManageConnections", "arn:aws:execute-api:us-east-1:1:*/*/*/@connections/*"),
        ("s3:GetObject", "arn:aws:s3:::b/k"),
    }


EVENTBRIDGE_HANDLER = '''
import boto3
s3 = boto3.client("s3")
def handler(event, context):
    bucket = event["detail"]["bucket"]["name"]
    key = event["detail"]["object"]["key"]
    s3.get_object(Bucket=bucket, Key=key)
    s3.put_object(Bucket=bucket, Key=key.replace("incoming/", "thumbs/"), Body=b"")
'''


def test_s3_events_through_eventbridge_name_the_bucket_and_key(tmp_path: Path) -> None:
    from lpgen.iac import load_template

    (tmp_path / "handler.py").write_text(EVENTBRIDGE_HANDLER)
    pattern = "{source: [aws.s3], detail: {bucket: {name: [photos]}, object: {key: [{prefix: incoming/}]}}}"
    (tmp_path / "template.yaml").write_text(
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: handler.handler\n"
        f"      Events:\n        Up:\n          Type: EventBridgeRule\n          Properties:\n            Pattern: {pattern}\n"
    )
    (tmp_path / "serverless.yml").write_text(
        "service: thumbs\nprovider: {name: aws}\nfunctions:\n  fn:\n    handler: handler.handler\n"
        f"    events:\n      - eventBridge:\n          pattern: {pattern}\n"
    )
    want = {("s3:GetObject", "arn:aws:s3:::photos/incoming/*"), ("s3:PutObject", "arn:aws:s3:::photos/thumbs/*")}
    for name, fn in (("template.yaml", "Fn"), ("serverless.yml", "fn")):
        tpl = load_template(str(tmp_path / name), region="us-east-1", account="1")
        assert {(p.action, p.resource) for p in api.suggest_for_function(tpl, fn).permissions} == want, name
    # a rule that may match events of any source tells nothing of the event
    (tmp_path / "template.yaml").write_text((tmp_path / "template.yaml").read_text().replace("source: [aws.s3], ", ""))
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="1")
    assert {p.resource for p in api.suggest_for_function(tpl, "Fn").permissions} == {"arn:aws:s3:::*/*"}


def test_powertools_feature_flags_appconfig_and_streaming_make_their_calls(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "from aws_lambda_powertools.utilities.feature_flags import AppConfigStore, FeatureFlags\n"
        "from aws_lambda_powertools.utilities.parameters import AppConfigProvider\n"
        "from aws_lambda_powertools.utilities.streaming import S3Object\n"
        "import boto3\n"
        "flags = FeatureFlags(store=AppConfigStore(environment='prod', application='shop', name='features'))\n"
        "provider = AppConfigProvider(environment='def5678', application='abc1234')\n"
        "def handler(event, context):\n"
        "    provider.get('ghi9012')\n"
        "    S3Object(bucket='uploads', key='in/a.csv').read()\n"
        "    S3Object(bucket='uploads', key='in/b.csv', version_id=event['v']).read()\n"
        "    return flags.evaluate(name='x', default=False)\n"
    ))
    configuration = "arn:aws:appconfig:us-east-1:1:application/{}/environment/{}/configuration/{}"
    assert got == {
        ("appconfig:StartConfigurationSession", configuration.format("*", "*", "*")),  # names, not ids
        ("appconfig:StartConfigurationSession", configuration.format("abc1234", "def5678", "ghi9012")),
        # NOTE: the session's token reads the same configuration.
        ("appconfig:GetLatestConfiguration", configuration.format("*", "*", "*")),
        ("appconfig:GetLatestConfiguration", configuration.format("abc1234", "def5678", "ghi9012")),
        ("s3:GetObject", "arn:aws:s3:::uploads/in/a.csv"),
        ("s3:GetObjectVersion", "arn:aws:s3:::uploads/in/b.csv"),
    }


def test_code_a_template_holds_inline_is_analysed_at_the_templates_lines(tmp_path: Path) -> None:
    from lpgen.iac import load_template

    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\n"
        "Resources:\n"
        "  Seeds:\n"
        "    Type: AWS::DynamoDB::Table\n"
        "    Properties: {TableName: seeds}\n"
        "  Seeder:\n"
        "    Type: AWS::Lambda::Function\n"
        "    Properties:\n"
        "      Runtime: python3.12\n"
        "      Handler: index.handler\n"
        "      Environment: {Variables: {TABLE: !Ref Seeds}}\n"
        "      Code:\n"
        "        ZipFile: |\n"
        "          import os, boto3, cfnresponse\n"
        "          def handler(event, context):\n"
        "              boto3.resource('dynamodb').Table(os.environ['TABLE']).put_item(Item={})\n"
        "              cfnresponse.send(event, context, cfnresponse.SUCCESS, {})\n"
        "  Notifier:\n"
        "    Type: AWS::Serverless::Function\n"
        "    Properties:\n"
        "      Runtime: python3.12\n"
        "      Handler: app.main\n"
        "      InlineCode: |\n"
        "        import boto3\n"
        "        def main(event, context):\n"
        "            boto3.client('sns').publish(TopicArn='arn:aws:sns:us-east-1:1:t', Message='m')\n"
    )
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="1")
    seeder = api.suggest_for_function(tpl, "Seeder")
    assert [(p.action, p.resource) for p in seeder.permissions] == [("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/seeds")]
    assert [(e.path.endswith("template.yaml"), e.line) for e in seeder.permissions[0].evidence] == [(True, 16)]
    notifier = api.suggest_for_function(tpl, "Notifier")
    assert [(p.action, p.evidence[0].line) for p in notifier.permissions] == [("sns:Publish", 26)]


def test_shared_code_outside_the_functions_folder_is_found_at_the_template_or_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    from click.testing import CliRunner

    from lpgen.cli import main
    from lpgen.iac import load_template

    (tmp_path / "functions" / "orders").mkdir(parents=True)
    (tmp_path / "common").mkdir()
    (tmp_path / "common" / "__init__.py").write_text("")
    (tmp_path / "common" / "db.py").write_text("import boto3\ntable = boto3.resource('dynamodb').Table('orders')\n")
    (tmp_path / "functions" / "orders" / "handler.py").write_text(
        "from common.db import table\nimport json\n\ndef main(event, context):\n    table.put_item(Item={})\n"
    )
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Orders:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: functions/orders, Handler: handler.main, Runtime: python3.12}\n"
    )
    want = {("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/orders")}
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="1")
    assert {(p.action, p.resource) for p in api.suggest_for_function(tpl, "Orders").permissions} == want
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["suggest", "functions/orders/handler.main", "--region", "us-east-1", "--account", "1"])
    assert result.exit_code == 0, result.output
    assert "dynamodb:PutItem" in result.stdout


def test_a_securestring_written_with_a_customer_key_needs_encrypt_on_it(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\nssm = boto3.client('ssm')\n"
        "def handler(event, context):\n"
        "    ssm.put_parameter(Name='/app/token', Value='x', Type='SecureString', KeyId='arn:aws:kms:us-east-1:1:key/abcd')\n"
        "    ssm.put_parameter(Name='/app/plain', Value='x', Type='SecureString')\n"
    ))
    assert got == {
        ("kms:Encrypt", "arn:aws:kms:us-east-1:1:key/abcd"),
        ("ssm:PutParameter", "arn:aws:ssm:us-east-1:1:parameter/app/token"),
        ("ssm:PutParameter", "arn:aws:ssm:us-east-1:1:parameter/app/plain"),
    }


def test_a_handler_named_by_its_path_is_found(tmp_path: Path) -> None:
    from lpgen.iac import load_template

    (tmp_path / "src" / "handlers").mkdir(parents=True)
    (tmp_path / "src" / "handlers" / "orders.py").write_text(
        "import boto3\ndef main(event, context):\n    boto3.client('s3').get_object(Bucket='b', Key='k')\n"
    )
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {CodeUri: ., Handler: src/handlers/orders.main, Runtime: python3.12}\n"
    )
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="1")
    result = api.suggest_for_function(tpl, "Fn")
    assert [(p.action, p.resource) for p in result.permissions] == [("s3:GetObject", "arn:aws:s3:::b/k")]


def test_a_container_image_function_is_read_from_its_docker_context(tmp_path: Path) -> None:
    from lpgen.iac import load_template

    for name in ("orders", "audit"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "app.py").write_text(
            f"import boto3\ndef handler(event, context):\n    boto3.client('s3').get_object(Bucket='{name}', Key='k')\n"
        )
    (tmp_path / "orders" / "Dockerfile").write_text('FROM public.ecr.aws/lambda/python:3.12\nCMD [ "app.handler" ]\n')
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n"
        "  Orders:\n    Type: AWS::Serverless::Function\n    Properties: {PackageType: Image}\n"
        "    Metadata: {Dockerfile: Dockerfile, DockerContext: ./orders}\n"
        "  Audit:\n    Type: AWS::Serverless::Function\n"
        "    Properties: {PackageType: Image, ImageConfig: {Command: [app.handler]}}\n"
        "    Metadata: {DockerContext: ./audit}\n"
    )
    tpl = load_template(str(tmp_path / "template.yaml"), region="us-east-1", account="1")
    for fn, bucket in (("Orders", "orders"), ("Audit", "audit")):
        result = api.suggest_for_function(tpl, fn)
        assert [(p.action, p.resource) for p in result.permissions] == [("s3:GetObject", f"arn:aws:s3:::{bucket}/k")]
        assert result.analysis is not None and result.analysis.entry == "app.handler (handler)"


def test_a_template_parameters_default_is_reported_when_the_environment_takes_it(tmp_path: Path) -> None:
    from lpgen.iac import load_template

    (tmp_path / "app.py").write_text(
        "import os, boto3\ndef handler(event, context):\n"
        "    boto3.resource('dynamodb').Table(os.environ['TABLE']).get_item(Key={})\n"
    )
    (tmp_path / "template.yaml").write_text(
        "Transform: AWS::Serverless-2016-10-31\nParameters:\n  Stage:\n    Type: String\n    Default: dev\n"
        "  Unused:\n    Type: String\n    Default: x\n"
        "Resources:\n  Fn:\n    Type: AWS::Serverless::Function\n"
        "    Properties:\n      Handler: app.handler\n      Runtime: python3.12\n"
        "      Environment: {Variables: {TABLE: !Sub 'orders-${Stage}'}}\n"
    )

    def lp207(**params: str) -> list[tuple[str, int]]:
        tpl = load_template(str(tmp_path / "template.yaml"), params=params, region="us-east-1", account="1")
        return [(f.message.split(" has ")[0], f.line) for f in api.suggest_for_function(tpl, "Fn").findings if f.code == "LP207"]

    assert lp207() == [("template parameter Stage", 3)]
    assert lp207(Stage="prod") == []


PYNAMODB_MODELS = """
import os
from pynamodb.attributes import UnicodeAttribute
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactGet, TransactWrite


class EmailIndex(GlobalSecondaryIndex):
    class Meta:
        index_name = "by-email"
        projection = AllProjection()
    email = UnicodeAttribute(hash_key=True)


class Base(Model):
    class Meta:
        table_name = os.environ.get("USERS_TABLE", "users")
    id = UnicodeAttribute(hash_key=True)


class User(Base):
    by_email = EmailIndex()


class Stock(Model):
    class Meta:
        table_name = "stock"
    id = UnicodeAttribute(hash_key=True)
"""


def test_pynamodb_models_call_dynamodb_on_the_table_their_meta_names(tmp_path: Path) -> None:
    got = _perms(tmp_path, PYNAMODB_MODELS + (
        "def handler(event, context):\n"
        "    u = User.get(event['id'])\n"
        "    u.save()\n"
        "    for x in User.by_email.query('a@b.c'):\n"
        "        x.delete()\n"
        "    with User.batch_write() as batch:\n"
        "        batch.save(User(id='2'))\n"
        "    return User.count()\n"
    ))
    table = "arn:aws:dynamodb:us-east-1:1:table/users"
    assert got == {
        ("dynamodb:GetItem", table), ("dynamodb:PutItem", table), ("dynamodb:DeleteItem", table),
        ("dynamodb:BatchWriteItem", table), ("dynamodb:Query", table + "/index/by-email"),
        # count() without a hash key reads the table's item count
        ("dynamodb:DescribeTable", table),
    }


def test_pynamodb_transactions_need_each_items_action_on_its_models_table(tmp_path: Path) -> None:
    got = _perms(tmp_path, PYNAMODB_MODELS + (
        "def handler(event, context):\n"
        "    with TransactWrite() as t:\n"
        "        t.update(User.get('1'), actions=[])\n"
        "        t.condition_check(Stock, 's1')\n"
        "    with TransactGet() as g:\n"
        "        g.get(Stock, 's2')\n"
        "    return User.count('1')\n"
    ))
    assert got == {
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/users"),
        ("dynamodb:UpdateItem", "arn:aws:dynamodb:us-east-1:1:table/users"),
        # count(hash_key) is a query
        ("dynamodb:Query", "arn:aws:dynamodb:us-east-1:1:table/users"),
        ("dynamodb:ConditionCheckItem", "arn:aws:dynamodb:us-east-1:1:table/stock"),
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/stock"),
    }


def test_an_iam_database_token_needs_connect_as_its_user(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    rds = boto3.client('rds')\n"
        "    return rds.generate_db_auth_token(DBHostname='db.cluster-x.us-east-1.rds.amazonaws.com', Port=5432,\n"
        "                                      DBUsername='app_user')\n"
    ))
    # the resource id in the user's ARN is not the host name: it stays unknown
    assert got == {("rds-db:connect", "arn:aws:rds-db:us-east-1:1:dbuser:*/app_user")}


def test_an_aurora_dsql_token_connects_to_the_cluster_its_endpoint_names(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    c = boto3.client('dsql')\n"
        "    a = c.generate_db_connect_auth_token('abc123.dsql.eu-west-1.on.aws', 'eu-west-1')\n"
        "    return a, c.generate_db_connect_admin_auth_token(Hostname=event['host'], Region='us-east-1')\n"
    ))
    assert got == {("dsql:DbConnect", "arn:aws:dsql:eu-west-1:1:cluster/abc123"),
                   ("dsql:DbConnectAdmin", "arn:aws:dsql:us-east-1:1:cluster/*")}


def test_retrieve_and_generate_also_retrieves_and_invokes_the_model_as_the_caller(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    return boto3.client('bedrock-agent-runtime').retrieve_and_generate(\n"
        "        input={'text': event['q']},\n"
        "        retrieveAndGenerateConfiguration={'type': 'KNOWLEDGE_BASE', 'knowledgeBaseConfiguration': {\n"
        "            'knowledgeBaseId': 'KB1', 'modelArn': 'anthropic.claude-3-haiku-20240307-v1:0'}})\n"
    ))
    assert got == {
        ("bedrock:RetrieveAndGenerate", "*"),
        ("bedrock:Retrieve", "arn:aws:bedrock:us-east-1:1:knowledge-base/KB1"),
        ("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"),
    }


def test_serverless_variables_read_through_a_file_whose_name_holds_a_variable(tmp_path: Path) -> None:
    from lpgen.iac import load_template

    (tmp_path / "config.prod.json").write_text('{"bucket": "cfg-prod", "nested": {"queue": "jobs-prod"}}')
    (tmp_path / "config.dev.json").write_text('{"bucket": "cfg-dev"}')
    (tmp_path / "serverless.yml").write_text(
        "service: shop\n"
        "custom:\n"
        "  cfg: ${file(./config.${opt:stage, 'dev'}.json)}\n"
        "provider:\n"
        "  name: aws\n"
        "  environment:\n"
        "    BUCKET: ${self:custom.cfg.bucket}\n"
        "    QUEUE: ${self:custom.cfg.nested.queue, 'none'}\n"
        "functions:\n"
        "  fn: {handler: app.handler}\n"
    )
    for stage, env in (("prod", {"BUCKET": "cfg-prod", "QUEUE": "jobs-prod"}), ("dev", {"BUCKET": "cfg-dev", "QUEUE": "none"})):
        tpl = load_template(str(tmp_path / "serverless.yml"), params={"stage": stage}, region="us-east-1", account="1")
        assert {k: v for k, v in tpl.function("fn").environment.items() if k in env} == env


def test_a_partial_secret_arn_allows_the_suffix_secrets_manager_adds(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "sm = boto3.client('secretsmanager')\n"
        "def handler(event, context):\n"
        "    sm.get_secret_value(SecretId='arn:aws:secretsmanager:us-east-1:1:secret:prod/db')\n"
        "    sm.get_secret_value(SecretId='arn:aws:secretsmanager:us-east-1:1:secret:prod/api-AbC123')\n"
    ))
    assert got == {
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:prod/db-??????"),
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:prod/api-AbC123"),
    }


def test_pandas_and_smart_open_on_s3_paths_are_s3_calls_and_local_paths_none(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import io\n"
        "import pandas as pd\n"
        "from smart_open import open as sopen\n"
        "def handler(event, context):\n"
        "    df = pd.read_csv(f\"s3://lake/raw/{event['day']}.csv\")\n"
        "    pd.read_csv('/tmp/local.csv').to_csv('/tmp/out.csv')\n"
        "    pd.read_json(io.BytesIO(event['body'].encode()))\n"
        "    df.to_parquet(path=f\"s3://lake/curated/{event['day']}.parquet\")\n"
        "    with sopen('s3://logs/in/a.gz') as fin, sopen('s3://logs/out/a.gz', mode='wb') as fout:\n"
        "        fout.write(fin.read())\n"
    ))
    assert got == {
        ("s3:GetObject", "arn:aws:s3:::lake/raw/*.csv"),
        ("s3:PutObject", "arn:aws:s3:::lake/curated/*.parquet"),
        ("s3:GetObject", "arn:aws:s3:::logs/in/a.gz"),
        ("s3:PutObject", "arn:aws:s3:::logs/out/a.gz"),
        ("s3:AbortMultipartUpload", "arn:aws:s3:::logs/out/a.gz"),
    }


def test_boto3_transfer_classes_used_directly(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "from boto3.s3.transfer import S3Transfer, TransferConfig, create_transfer_manager\n"
        "def handler(event, context):\n"
        "    s3 = boto3.client('s3')\n"
        "    S3Transfer(s3, TransferConfig()).upload_file('/tmp/a', 'xfer', 'up/a')\n"
        "    S3Transfer(s3).download_file('xfer', 'down/b', '/tmp/b')\n"
        "    with create_transfer_manager(s3, TransferConfig()) as tm:\n"
        "        tm.delete('xfer', 'old/c')\n"
    ))
    assert got == {
        ("s3:PutObject", "arn:aws:s3:::xfer/up/a"), ("s3:AbortMultipartUpload", "arn:aws:s3:::xfer/up/a"),
        ("s3:GetObject", "arn:aws:s3:::xfer/down/b"), ("s3:DeleteObject", "arn:aws:s3:::xfer/old/c"),
    }


def test_the_secrets_manager_caching_client_describes_and_gets_each_secret(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "from aws_secretsmanager_caching import InjectSecretString, SecretCache\n"
        "cache = SecretCache()\n"
        "@InjectSecretString('prod/db', cache)\n"
        "def connect(secret):\n"
        "    return secret\n"
        "def handler(event, context):\n"
        "    return connect(), cache.get_secret_string(secret_id='prod/token')\n"
    ))
    arn = "arn:aws:secretsmanager:us-east-1:1:secret:"
    assert got == {(a, arn + name) for a in ("secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue")
                   for name in ("prod/db-??????", "prod/token-??????")}


def test_langchain_bedrock_models_invoke_their_model_whoever_runs_them(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "from langchain_aws import ChatBedrock, ChatBedrockConverse, BedrockEmbeddings\n"
        "chat = ChatBedrockConverse(model='anthropic.claude-3-haiku-20240307-v1:0')\n"
        "chain = PROMPT | chat\n"
        "def handler(event, context):\n"
        "    for chunk in ChatBedrock(model_id='amazon.nova-lite-v1:0').stream(event['q']):\n"
        "        pass\n"
        "    return chain.invoke(event), BedrockEmbeddings(model_id='amazon.titan-embed-text-v2:0').embed_query('x')\n"
    ))
    model = "arn:aws:bedrock:us-east-1::foundation-model/"
    assert got == {
        ("bedrock:InvokeModel", model + "anthropic.claude-3-haiku-20240307-v1:0"),
        ("bedrock:InvokeModel", model + "amazon.nova-lite-v1:0"),
        ("bedrock:InvokeModelWithResponseStream", model + "amazon.nova-lite-v1:0"),
        ("bedrock:InvokeModel", model + "amazon.titan-embed-text-v2:0"),
    }


def test_templates_format_maps_named_percent_and_enum_members(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import os\n"
        "from enum import Enum\n"
        "from string import Template\n"
        "import boto3\n"
        "class Tables(str, Enum):\n"
        "    ORDERS = 'orders'\n"
        "    USERS = 'users'\n"
        "    def describe(self):\n"
        "        return self.value\n"
        "class Stage(Enum):\n"
        "    PROD = 'prod'\n"
        "s3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    s3.put_object(Bucket='t', Key=Template('r/${env}/$day.csv').substitute(env='dev', day=event['d']), Body=b'')\n"
        "    s3.put_object(Bucket='f', Key='{env}/x'.format_map({'env': 'dev'}), Body=b'')\n"
        "    s3.put_object(Bucket='p', Key='%(env)s/y' % {'env': 'dev'}, Body=b'')\n"
        "    s3.put_object(Bucket='n', Key=Stage.PROD.name + '/z', Body=b'')\n"
        "    for t in Tables:\n"
        "        boto3.client('dynamodb').describe_table(TableName=t.value)\n"
    ))
    assert got == {
        ("s3:PutObject", "arn:aws:s3:::t/r/dev/*.csv"), ("s3:PutObject", "arn:aws:s3:::f/dev/x"),
        ("s3:PutObject", "arn:aws:s3:::p/dev/y"),
        # a member's name is not its value: not known here, and not taken for a path's last part
        ("s3:PutObject", "arn:aws:s3:::n/*/z"),
        ("dynamodb:DescribeTable", "arn:aws:dynamodb:us-east-1:1:table/orders"),
        ("dynamodb:DescribeTable", "arn:aws:dynamodb:us-east-1:1:table/users"),
    }


def test_format_specs_and_conversions_shape_the_name(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "SHARD = 3\n"
        "s3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    s3.put_object(Bucket='b', Key=f'part-{SHARD:04d}.csv', Body=b'')\n"
        "    s3.put_object(Bucket='b', Key='n-{:>3}'.format('x'), Body=b'')\n"
        "    s3.put_object(Bucket='b', Key='p-%03d' % SHARD, Body=b'')\n"
        "    s3.put_object(Bucket='b', Key=f\"r-{'v'!r}\", Body=b'')\n"
        "    s3.put_object(Bucket='b', Key=f\"u-{event['n']:06d}\", Body=b'')\n"
    ))
    assert got == {
        ("s3:PutObject", "arn:aws:s3:::b/part-0003.csv"), ("s3:PutObject", "arn:aws:s3:::b/n-  x"),
        ("s3:PutObject", "arn:aws:s3:::b/p-003"), ("s3:PutObject", "arn:aws:s3:::b/r-'v'"),
        ("s3:PutObject", "arn:aws:s3:::b/u-*"),
    }


def test_slices_and_indices_of_text_keep_what_they_take_from_known_parts(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import os, boto3\n"
        "s3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    key = 'in/' + event['k']\n"
        "    s3.put_object(Bucket='b', Key=key[:2] + '/x', Body=b'')\n"
        "    s3.put_object(Bucket='b', Key='report.json'[:-5] + '.csv', Body=b'')\n"
        "    s3.put_object(Bucket='b', Key='a/b/c'.split('/')[-1], Body=b'')\n"
        "    s3.put_object(Bucket='b', Key=os.path.splitext('data/r.csv')[0] + '.gz', Body=b'')\n"
        "    s3.put_object(Bucket='b', Key='out/' + os.path.splitext(key)[0] + '.gz', Body=b'')\n"
        "    s3.put_object(Bucket='c', Key=key[5:], Body=b'')\n"
    ))
    assert got == {
        ("s3:PutObject", "arn:aws:s3:::b/in/x"), ("s3:PutObject", "arn:aws:s3:::b/report.csv"),
        ("s3:PutObject", "arn:aws:s3:::b/c"), ("s3:PutObject", "arn:aws:s3:::b/data/r.gz"),
        ("s3:PutObject", "arn:aws:s3:::b/out/in/*.gz"),
        # past the known start, the part taken is not known
        ("s3:PutObject", "arn:aws:s3:::c/*"),
    }


def test_awswrangler_athena_queries_and_s3_helpers(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import awswrangler as wr\n"
        "def handler(event, context):\n"
        "    wr.athena.read_sql_query('SELECT * FROM sales', database='analytics', s3_output='s3://out/q/', workgroup='etl')\n"
        "    wr.athena.read_sql_query('SELECT 1 FROM orders', 'analytics', ctas_approach=False, workgroup='etl')\n"
        "    wr.s3.delete_objects('s3://lake/tmp/')\n"
    ))
    actions = {a for a, _ in got}
    assert {("athena:StartQueryExecution", "arn:aws:athena:us-east-1:1:workgroup/etl"),
            ("glue:GetTable", "arn:aws:glue:us-east-1:1:table/analytics/sales"),
            ("glue:GetTable", "arn:aws:glue:us-east-1:1:table/analytics/orders"),
            ("s3:PutObject", "arn:aws:s3:::out/q/*"),
            ("s3:DeleteObject", "arn:aws:s3:::lake/tmp/*")} <= got
    # the CTAS approach (the default, used once here) makes and drops a temporary table
    assert ("glue:CreateTable", "arn:aws:glue:us-east-1:1:table/analytics/temp_table_*") in got
    assert {"athena:GetQueryExecution", "athena:GetQueryResults", "glue:DeleteTable"} <= actions
    # the execution a query starts is read in its workgroup
    assert {r for a, r in got if a in ("athena:GetQueryExecution", "athena:GetQueryResults")} == {
        "arn:aws:athena:us-east-1:1:workgroup/etl"}


def test_serverless_values_known_only_at_deploy_are_reported_by_variable(tmp_path: Path) -> None:
    from lpgen.iac import load_template

    (tmp_path / "serverless.yml").write_text(
        "service: shop\n"
        "custom:\n"
        "  table: ${ssm:/shop/${sls:stage}/table}\n"
        "provider:\n"
        "  name: aws\n"
        "  environment:\n"
        "    TABLE: ${self:custom.table}\n"
        "    BUCKET: plain\n"
        "functions:\n"
        "  fn: {handler: app.handler}\n"
    )
    tpl = load_template(str(tmp_path / "serverless.yml"), region="us-east-1", account="1")
    found = [(f.line, f.message) for f in tpl.implied_findings(tpl.function("fn")) if f.code == "LP209"]
    assert found == [(6, "environment variable TABLE takes ${ssm:/shop/dev/table} (resolved when the service deploys), "
                         "not known here (pass --env TABLE=…)")]


def test_serverless_params_resolve_by_stage_then_default_then_fallback(tmp_path: Path) -> None:
    from lpgen.iac import load_template

    (tmp_path / "serverless.yml").write_text(
        "service: shop\n"
        "params:\n"
        "  default:\n"
        "    bucket: data-${sls:stage}\n"
        "    table: orders-default\n"
        "  prod:\n"
        "    table: orders-live\n"
        "stages:\n"
        "  default:\n"
        "    params:\n"
        "      topic: events\n"
        "provider:\n"
        "  name: aws\n"
        "  stage: ${opt:stage, 'dev'}\n"
        "  environment:\n"
        "    BUCKET: ${param:bucket}\n"
        "    TABLE: ${param:table}\n"
        "    TOPIC: ${param:topic}\n"
        "    QUEUE: ${param:queue, 'jobs'}\n"
        "    KEY: ${param:apiKey}\n"
        "functions:\n"
        "  fn: {handler: app.handler}\n"
    )
    path = str(tmp_path / "serverless.yml")
    dev = load_template(path, region="us-east-1", account="1")
    assert {k: dev.function("fn").environment[k] for k in ("BUCKET", "TABLE", "TOPIC", "QUEUE")} == {
        "BUCKET": "data-dev", "TABLE": "orders-default", "TOPIC": "events", "QUEUE": "jobs"}
    # a parameter defined nowhere fails the deploy: it stays unknown, and is said so
    found = [f.message for f in dev.implied_findings(dev.function("fn")) if f.code == "LP209"]
    assert found == ["environment variable KEY takes ${param:apiKey} (resolved when the service deploys), "
                     "not known here (pass --env KEY=…)"]
    prod = load_template(path, region="us-east-1", account="1", params={"stage": "prod", "queue": "urgent"})
    env = prod.function("fn").environment
    assert (env["BUCKET"], env["TABLE"], env["QUEUE"]) == ("data-prod", "orders-live", "urgent")


def test_serverless_params_of_a_dashboard_service_may_be_set_there(tmp_path: Path) -> None:
    from lpgen.iac import load_template

    (tmp_path / "serverless.yml").write_text(
        "org: acme\n"
        "app: shop\n"
        "service: shop\n"
        "params:\n"
        "  default:\n"
        "    table: orders\n"
        "provider:\n"
        "  name: aws\n"
        "  environment:\n"
        "    TABLE: ${param:table}\n"
        "    QUEUE: ${param:queue, 'jobs'}\n"
        "functions:\n"
        "  fn: {handler: app.handler}\n"
    )
    tpl = load_template(str(tmp_path / "serverless.yml"), region="us-east-1", account="1")
    env = tpl.function("fn").environment
    # the file's own value stands; one it lacks may come from the Dashboard, not the fallback
    assert env["TABLE"] == "orders" and env["QUEUE"] == "*"
    found = [f.message for f in tpl.implied_findings(tpl.function("fn")) if f.code == "LP209"]
    assert [m.split(" takes ")[0] for m in found] == ["environment variable QUEUE"]


def test_loads_boto3_injects_and_the_line_an_attribute_read_loads_at(tmp_path: Path) -> None:
    got = _perm_lines(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    bucket = boto3.resource('s3').Bucket('my-bucket')\n"
        "    print(bucket.creation_date)\n"
        "    for summary in bucket.objects.filter(Prefix='in/'):\n"
        "        summary.load()\n"
        "    return boto3.resource('dynamodb').Table('t').item_count\n"
    ))
    assert got == {
        # Bucket has no load in the resource model: boto3's lists the buckets
        ("s3:ListAllMyBuckets", "*"): [4],
        ("s3:ListBucket", "arn:aws:s3:::my-bucket"): [5],
        ("s3:GetObject", "arn:aws:s3:::my-bucket/in/*"): [6],
        ("dynamodb:DescribeTable", "arn:aws:dynamodb:us-east-1:1:table/t"): [7],
    }


def test_a_listings_items_come_with_their_data(tmp_path: Path) -> None:
    """An ObjectSummary of a listing has the listing's data: its size is read without a
    HeadObject (s3:GetObject); one made by its key, or the Object of a summary, loads."""
    got = _perm_lines(tmp_path, (
        "import boto3\n"
        "s3 = boto3.resource('s3')\n"
        "def handler(event, context):\n"
        "    for summary in s3.Bucket('logs').objects.filter(Prefix='tmp/'):\n"
        "        if summary.size > 10 and summary.last_modified:\n"
        "            summary.delete()\n"
        "    print(s3.ObjectSummary('cfg', 'a.json').size)\n"
        "    for summary in s3.Bucket('media').objects.all():\n"
        "        print(summary.Object().content_type)\n"
    ))
    assert got == {
        ("s3:ListBucket", "arn:aws:s3:::logs"): [4],
        ("s3:DeleteObject", "arn:aws:s3:::logs/tmp/*"): [6],
        ("s3:GetObject", "arn:aws:s3:::cfg/a.json"): [7],
        ("s3:ListBucket", "arn:aws:s3:::media"): [8],
        ("s3:GetObject", "arn:aws:s3:::media/*"): [9],
    }


def test_the_redshift_data_api_gets_credentials_as_the_caller(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "rs = boto3.client('redshift-data')\n"
        "def handler(event, context):\n"
        "    rs.execute_statement(ClusterIdentifier='analytics', Database='dev', DbUser='etl', Sql='select 1')\n"
        "    rs.execute_statement(ClusterIdentifier='analytics', Database='dev', Sql='select 2')\n"
        "    rs.execute_statement(ClusterIdentifier='analytics', Database='dev', Sql='select 3',\n"
        "                         SecretArn='arn:aws:secretsmanager:us-east-1:1:secret:rs-AbCdEf')\n"
    ))
    assert got == {
        ("redshift-data:ExecuteStatement", "arn:aws:redshift:us-east-1:1:cluster:analytics"),
        ("redshift:GetClusterCredentials", "arn:aws:redshift:us-east-1:1:dbuser:analytics/etl"),
        ("redshift:GetClusterCredentials", "arn:aws:redshift:us-east-1:1:dbname:analytics/dev"),
        # neither a user nor a secret: credentials for the caller's own identity
        ("redshift:GetClusterCredentialsWithIAM", "arn:aws:redshift:us-east-1:1:dbname:analytics/dev"),
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:rs-AbCdEf"),
    }


def test_a_role_handed_to_a_service_is_passed_to_that_service_only(tmp_path: Path) -> None:
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('mediaconvert').create_job(Role='arn:aws:iam::1:role/mc-role', Settings={})\n"
        "    boto3.client('events').put_targets(Rule='r', Targets=[{'Id': '1', 'Arn': 'arn:aws:sqs:us-east-1:1:q',\n"
        "                                                           'RoleArn': 'arn:aws:iam::1:role/ev-role'}])\n"
    )
    perms = api.suggest([str(src)], region="us-east-1", account="1").permissions
    assert {(p.resource, p.condition) for p in perms if p.action == "iam:PassRole"} == {
        ("arn:aws:iam::1:role/mc-role", (("StringEquals", "iam:PassedToService", "mediaconvert.amazonaws.com"),)),
        ("arn:aws:iam::1:role/ev-role", (("StringEquals", "iam:PassedToService", "events.amazonaws.com"),)),
    }


def test_a_role_added_to_an_instance_profile_is_passed_to_ec2(tmp_path: Path) -> None:
    """IAM denies AddRoleToInstanceProfile without iam:PassRole on the role: the instances
    using the profile, not IAM, take it."""
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('iam').add_role_to_instance_profile(InstanceProfileName='web', RoleName='web-role')\n"
    )
    perms = api.suggest([str(src)], region="us-east-1", account="1").permissions
    assert {(p.action, p.resource, p.condition) for p in perms} == {
        ("iam:AddRoleToInstanceProfile", "arn:aws:iam::1:instance-profile/web", ()),
        ("iam:PassRole", "arn:aws:iam::1:role/web-role", (("StringEquals", "iam:PassedToService", "ec2.amazonaws.com"),)),
    }


def test_tags_given_on_create_need_the_tagging_action_too(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('sqs').create_queue(QueueName='jobs', tags={'team': 'a'})\n"
        "    boto3.client('sqs').create_queue(QueueName='plain')\n"
        "    boto3.client('sns').create_topic(Name='alerts', Tags=[{'Key': 't', 'Value': 'a'}])\n"
        "    boto3.client('ssm').put_parameter(Name='/app/x', Value='v', Type='String', Tags=[{'Key': 't', 'Value': 'a'}])\n"
    ))
    assert got == {
        ("sqs:CreateQueue", "arn:aws:sqs:us-east-1:1:jobs"), ("sqs:TagQueue", "arn:aws:sqs:us-east-1:1:jobs"),
        ("sqs:CreateQueue", "arn:aws:sqs:us-east-1:1:plain"),
        ("sns:CreateTopic", "arn:aws:sns:us-east-1:1:alerts"), ("sns:TagResource", "arn:aws:sns:us-east-1:1:alerts"),
        ("ssm:PutParameter", "arn:aws:ssm:us-east-1:1:parameter/app/x"),
        ("ssm:AddTagsToResource", "arn:aws:ssm:us-east-1:1:parameter/app/x"),
    }


def test_tags_an_ec2_or_ecs_create_request_gives_are_allowed_for_that_request_only(tmp_path: Path) -> None:
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\n"
        "ec2 = boto3.client('ec2')\n"
        "def handler(event, context):\n"
        "    ec2.run_instances(ImageId='ami-1', MinCount=1, MaxCount=1, TagSpecifications=[\n"
        "        {'ResourceType': 'instance', 'Tags': []}, {'ResourceType': 'volume', 'Tags': []}])\n"
        "    ec2.create_security_group(GroupName='g', Description='d', TagSpecifications=[\n"
        "        {'ResourceType': event['kind'], 'Tags': []}])\n"
        "    ec2.create_volume(AvailabilityZone='us-east-1a', Size=1)\n"
        "    boto3.client('ecs').run_task(cluster='c', taskDefinition='td:1', tags=[{'key': 'a', 'value': 'b'}])\n"
    )
    perms = api.suggest([str(src)], region="us-east-1", account="1").permissions
    tagging = {(p.action, p.resource, p.condition) for p in perms if p.action in ("ec2:CreateTags", "ecs:TagResource")}
    assert tagging == {
        ("ec2:CreateTags", "arn:aws:ec2:us-east-1:1:instance/*", (("StringEquals", "ec2:CreateAction", "RunInstances"),)),
        ("ec2:CreateTags", "arn:aws:ec2:us-east-1:1:volume/*", (("StringEquals", "ec2:CreateAction", "RunInstances"),)),
        # NOTE: a type the code does not fix: whatever the request creates.
        ("ec2:CreateTags", "*", (("StringEquals", "ec2:CreateAction", "CreateSecurityGroup"),)),
        # NOTE: RunTask tags the task it starts, not the task definition it is authorized on.
        ("ecs:TagResource", "*", (("StringEquals", "ecs:CreateAction", "RunTask"),)),
    }


def test_tags_given_to_a_new_function_secret_or_rule_are_allowed_on_it(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('lambda').create_function(FunctionName='f', Role='arn:aws:iam::1:role/r', Code={}, Tags={'a': 'b'})\n"
        "    sm = boto3.client('secretsmanager')\n"
        "    sm.create_secret(Name='tagged', SecretString='x', Tags=[{'Key': 'a', 'Value': 'b'}])\n"
        "    sm.create_secret(Name='plain', SecretString='x')\n"
        "    boto3.client('events').put_rule(Name='r', EventBusName='b', ScheduleExpression='rate(1 day)',\n"
        "                                    Tags=[{'Key': 'a', 'Value': 'b'}])\n"
        "    boto3.client('lambda').tag_resource(Resource='arn:aws:lambda:us-east-1:1:function:g', Tags={'a': 'b'})\n"
    ))
    assert got == {
        ("lambda:CreateFunction", "arn:aws:lambda:us-east-1:1:function:f"),
        ("lambda:TagResource", "arn:aws:lambda:us-east-1:1:function:f"),
        ("iam:PassRole", "arn:aws:iam::1:role/r"),
        ("secretsmanager:CreateSecret", "arn:aws:secretsmanager:us-east-1:1:secret:tagged-??????"),
        ("secretsmanager:TagResource", "arn:aws:secretsmanager:us-east-1:1:secret:tagged-??????"),
        ("secretsmanager:CreateSecret", "arn:aws:secretsmanager:us-east-1:1:secret:plain-??????"),
        ("events:PutRule", "arn:aws:events:us-east-1:1:rule/b/r"),
        ("events:TagResource", "arn:aws:events:us-east-1:1:rule/b/r"),
        ("lambda:TagResource", "arn:aws:lambda:us-east-1:1:function:g"),
    }


def test_any_service_that_authorizes_tags_on_create_gets_its_tagging_action(tmp_path: Path) -> None:
    """The rule of data/tag_on_create.yaml: a write request giving tags needs the service's
    action that adds tags to the resource type it creates; tags that label a message, or
    filter a listing, need nothing."""
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('iam').create_role(RoleName='r1', AssumeRolePolicyDocument='{}', Tags=[{'Key': 'a', 'Value': 'b'}])\n"
        "    boto3.client('sts').assume_role(RoleArn='arn:aws:iam::1:role/r2', RoleSessionName='s',\n"
        "                                    Tags=[{'Key': 'a', 'Value': 'b'}])\n"
        "    boto3.client('kinesis').create_stream(StreamName='k1', ShardCount=1, Tags={'a': 'b'})\n"
        "    boto3.client('ses').send_email(Source='a@example.com', Destination={}, Message={},\n"
        "                                   Tags=[{'Name': 'n', 'Value': 'v'}])\n"
        "    boto3.client('ecr').create_repository(repositoryName='repo')\n"
    ))
    assert got == {
        ("iam:CreateRole", "arn:aws:iam::1:role/r1"), ("iam:TagRole", "arn:aws:iam::1:role/r1"),
        ("sts:AssumeRole", "arn:aws:iam::1:role/r2"), ("sts:TagSession", "arn:aws:iam::1:role/r2"),
        ("kinesis:CreateStream", "arn:aws:kinesis:us-east-1:1:stream/k1"),
        ("kinesis:AddTagsToStream", "arn:aws:kinesis:us-east-1:1:stream/k1"),
        ("ses:SendEmail", "arn:aws:ses:us-east-1:1:identity/example.com"),
        ("ses:SendEmail", "arn:aws:ses:us-east-1:1:identity/a@example.com"),
        ("ecr:CreateRepository", "arn:aws:ecr:us-east-1:1:repository/repo"),
    }


def test_request_options_that_ask_for_more_need_their_actions(tmp_path: Path) -> None:
    """Object Lock on a copy or a multipart upload, a governance bypass, a source identity,
    layers, a published version and a batch of secrets are each authorized on their own."""
    got = _perms(tmp_path, (
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    s3.copy_object(Bucket='lock', Key='a', CopySource='src/a', ObjectLockLegalHoldStatus='ON')\n"
        "    s3.create_multipart_upload(Bucket='lock', Key='b', ObjectLockMode='GOVERNANCE',\n"
        "                               ObjectLockRetainUntilDate='2030-01-01')\n"
        "    s3.delete_object(Bucket='lock', Key='c', BypassGovernanceRetention=True)\n"
        "    boto3.client('sts').assume_role(RoleArn='arn:aws:iam::1:role/x', RoleSessionName='s', SourceIdentity='me')\n"
        "    boto3.client('lambda').update_function_configuration(FunctionName='f', Layers=['arn:aws:lambda:us-east-1:1:layer:common:3'])\n"
        "    boto3.client('stepfunctions').create_state_machine(name='m', definition='{}', roleArn='arn:aws:iam::1:role/r',\n"
        "                                                       publish=True)\n"
        "    boto3.client('secretsmanager').batch_get_secret_value(SecretIdList=['app/db'])\n"
    ))
    assert got == {
        ("s3:PutObject", "arn:aws:s3:::lock/a"), ("s3:GetObject", "arn:aws:s3:::src/a"),
        ("s3:PutObjectLegalHold", "arn:aws:s3:::lock/a"),
        ("s3:PutObject", "arn:aws:s3:::lock/b"), ("s3:PutObjectRetention", "arn:aws:s3:::lock/b"),
        ("s3:DeleteObject", "arn:aws:s3:::lock/c"), ("s3:BypassGovernanceRetention", "arn:aws:s3:::lock/c"),
        ("sts:AssumeRole", "arn:aws:iam::1:role/x"), ("sts:SetSourceIdentity", "arn:aws:iam::1:role/x"),
        ("lambda:UpdateFunctionConfiguration", "arn:aws:lambda:us-east-1:1:function:f"),
        ("lambda:GetLayerVersion", "arn:aws:lambda:us-east-1:1:layer:common:3"),
        ("states:CreateStateMachine", "arn:aws:states:us-east-1:1:stateMachine:m"),
        ("states:PublishStateMachineVersion", "arn:aws:states:us-east-1:1:stateMachine:m"),
        ("iam:PassRole", "arn:aws:iam::1:role/r"),
        ("secretsmanager:BatchGetSecretValue", "*"),
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:app/db-??????"),
    }


def test_more_request_options_and_nested_regions(tmp_path: Path) -> None:
    """A topic's data protection policy, a Firehose subscription's role, a secret's replicas
    and unmasked log events each need their action; a Region inside a structure (the
    replicas') is not the Region the request is made in."""
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    sns = boto3.client('sns')\n"
        "    sns.create_topic(Name='t1', DataProtectionPolicy='{}')\n"
        "    sns.subscribe(TopicArn='arn:aws:sns:us-east-1:1:t1', Protocol='firehose',\n"
        "                  Endpoint='arn:aws:firehose:us-east-1:1:deliverystream/d',\n"
        "                  Attributes={'SubscriptionRoleArn': 'arn:aws:iam::1:role/sns-fh'})\n"
        "    boto3.client('secretsmanager').create_secret(Name='s', SecretString='x',\n"
        "                                                 AddReplicaRegions=[{'Region': 'eu-west-1'}])\n"
        "    boto3.client('logs').get_log_events(logGroupName='/app', logStreamName='s', unmask=True)\n"
        "    boto3.client('logs').filter_log_events(logGroupName='/app2')\n"
        "    boto3.client('logs').start_query(logGroupName='/q', startTime=0, endTime=1, queryString='fields unmask(@message)')\n"
    ))
    assert got == {
        ("sns:CreateTopic", "arn:aws:sns:us-east-1:1:t1"), ("sns:PutDataProtectionPolicy", "arn:aws:sns:us-east-1:1:t1"),
        ("sns:Subscribe", "arn:aws:sns:us-east-1:1:t1"), ("iam:PassRole", "arn:aws:iam::1:role/sns-fh"),
        ("secretsmanager:CreateSecret", "arn:aws:secretsmanager:us-east-1:1:secret:s-??????"),
        ("secretsmanager:ReplicateSecretToRegions", "arn:aws:secretsmanager:us-east-1:1:secret:s-??????"),
        ("logs:GetLogEvents", "arn:aws:logs:us-east-1:1:log-group:/app:log-stream:s"),
        ("logs:Unmask", "arn:aws:logs:us-east-1:1:log-group:/app:*"),
        ("logs:FilterLogEvents", "arn:aws:logs:us-east-1:1:log-group:/app2:*"),
        ("logs:StartQuery", "arn:aws:logs:us-east-1:1:log-group:/q:*"), ("logs:Unmask", "arn:aws:logs:us-east-1:1:log-group:/q:*"),
    }


def test_redrives_automations_and_new_buckets_need_what_they_touch(tmp_path: Path) -> None:
    """A DLQ redrive reads the DLQ and sends to the destination; an automation is started on
    its runbook and its new execution, passing its role; a bucket made with Object Lock and an
    ownership setting needs those actions; an EC2 launch named by an image ARN is still checked
    against every resource it makes."""
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('sqs').start_message_move_task(SourceArn='arn:aws:sqs:us-east-1:1:jobs-dlq',\n"
        "                                                DestinationArn='arn:aws:sqs:us-east-1:1:jobs')\n"
        "    boto3.client('ssm').start_automation_execution(DocumentName='AWS-RestartEC2Instance',\n"
        "        Parameters={'InstanceId': ['i-1'], 'AutomationAssumeRole': ['arn:aws:iam::1:role/automation']})\n"
        "    boto3.client('s3').create_bucket(Bucket='new-b', ObjectOwnership='BucketOwnerEnforced',\n"
        "                                     ObjectLockEnabledForBucket=True)\n"
        "    boto3.client('ec2').run_instances(ImageId='arn:aws:ec2:us-east-1::image/ami-1', MinCount=1, MaxCount=1)\n"
    ))
    dlq, jobs = "arn:aws:sqs:us-east-1:1:jobs-dlq", "arn:aws:sqs:us-east-1:1:jobs"
    ec2 = "arn:aws:ec2:us-east-1:1:"
    assert got == {
        ("sqs:StartMessageMoveTask", dlq), ("sqs:ReceiveMessage", dlq), ("sqs:DeleteMessage", dlq),
        ("sqs:GetQueueAttributes", dlq), ("sqs:SendMessage", jobs),
        ("ssm:StartAutomationExecution", "arn:aws:ssm:us-east-1:*:document/AWS-RestartEC2Instance"),
        ("ssm:StartAutomationExecution", "arn:aws:ssm:us-east-1:1:automation-execution/*"),
        ("iam:PassRole", "arn:aws:iam::1:role/automation"),
        ("s3:CreateBucket", "arn:aws:s3:::new-b"), ("s3:PutBucketOwnershipControls", "arn:aws:s3:::new-b"),
        ("s3:PutBucketObjectLockConfiguration", "arn:aws:s3:::new-b"), ("s3:PutBucketVersioning", "arn:aws:s3:::new-b"),
        *(("ec2:RunInstances", ec2 + t) for t in ("instance/*", "network-interface/*", "security-group/*", "subnet/*", "volume/*")),
        ("ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-1"),
    }


def test_a_client_for_each_region_the_code_names(tmp_path: Path) -> None:
    """A loop over Regions makes a client in each; a Region only a response gives, or a
    variable with no value here gives, is any Region; the function's own AWS_REGION stays
    the function's Region."""
    got = _perms(tmp_path, (
        "import os, boto3\n"
        "REGIONS = ['us-east-1', 'eu-west-1']\n"
        "def handler(event, context):\n"
        "    for region in REGIONS:\n"
        "        boto3.client('dynamodb', region_name=region).get_item(TableName='global-t', Key={})\n"
        "        boto3.client('sqs', region_name=region).send_message(\n"
        "            QueueUrl=f'https://sqs.{region}.amazonaws.com/1/q', MessageBody='m')\n"
        "    for r in boto3.client('ec2').describe_regions()['Regions']:\n"
        "        boto3.client('ssm', region_name=r['RegionName']).get_parameter(Name='/x')\n"
        "    boto3.client('ssm', region_name=os.environ['AWS_REGION']).get_parameter(Name='/y')\n"
        "    boto3.client('ssm', region_name=os.getenv('CONFIG_REGION')).get_parameter(Name='/z')\n"
        "    for region in ('us-east-1', 'ap-south-1'):\n"
        "        boto3.Session(region_name=region).resource('dynamodb').Table('t').get_item(Key={})\n"
    ))
    assert got == {
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/global-t"),
        ("dynamodb:GetItem", "arn:aws:dynamodb:eu-west-1:1:table/global-t"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q"), ("sqs:SendMessage", "arn:aws:sqs:eu-west-1:1:q"),
        ("ec2:DescribeRegions", "*"),
        ("ssm:GetParameter", "arn:aws:ssm:*:1:parameter/x"),
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/y"),
        ("ssm:GetParameter", "arn:aws:ssm:*:1:parameter/z"),
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/t"),
        ("dynamodb:GetItem", "arn:aws:dynamodb:ap-south-1:1:table/t"),
    }


def test_an_execution_started_by_the_code_is_an_execution_of_its_state_machine(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "sfn = boto3.client('stepfunctions')\n"
        "def handler(event, context):\n"
        "    run = sfn.start_execution(stateMachineArn='arn:aws:states:us-east-1:1:stateMachine:orders:prod', input='{}')\n"
        "    sfn.describe_execution(executionArn=run['executionArn'])\n"
        "    named = sfn.start_execution(stateMachineArn='arn:aws:states:us-east-1:1:stateMachine:refunds', name='r-1')\n"
        "    sfn.stop_execution(executionArn=named['executionArn'])\n"
    ))
    assert got == {
        ("states:StartExecution", "arn:aws:states:us-east-1:1:stateMachine:orders:prod"),
        ("states:DescribeExecution", "arn:aws:states:us-east-1:1:execution:orders:*"),
        ("states:StartExecution", "arn:aws:states:us-east-1:1:stateMachine:refunds"),
        ("states:StopExecution", "arn:aws:states:us-east-1:1:execution:refunds:r-1"),
    }


def test_fastapi_routes_get_what_their_dependencies_give(tmp_path: Path) -> None:
    """A route's parameter declared with Depends/Security (as a default or in Annotated)
    holds what the dependency returns or yields, dependencies of dependencies included;
    the route's other parameters are the request's data, not the handler's context.
    ``handler = Mangum(app)`` is found by name, so a function no route reaches is
    unreachable, not granted."""
    got = _perms(tmp_path, (
        "from typing import Annotated\n"
        "import boto3\n"
        "from fastapi import Depends, FastAPI, Security\n"
        "from mangum import Mangum\n"
        "app = FastAPI()\n"
        "def get_table():\n"
        "    return boto3.resource('dynamodb').Table('items')\n"
        "def get_s3():\n"
        "    client = boto3.client('s3')\n"
        "    yield client\n"
        "class Store:\n"
        "    def __init__(self, s3=Depends(get_s3)):\n"
        "        self.s3 = s3\n"
        "    def save(self, key):\n"
        "        self.s3.put_object(Bucket='store', Key=key, Body=b'')\n"
        "def audit_queue(s3: Annotated[object, Depends(get_s3)]):\n"
        "    s3.put_object(Bucket='audit', Key='log', Body=b'')\n"
        "    return boto3.resource('sqs').Queue('https://sqs.us-east-1.amazonaws.com/1/audit')\n"
        "@app.get('/items/{item_id}')\n"
        "def read(item_id: str, table=Depends(get_table)):\n"
        "    return table.get_item(Key={'id': item_id})\n"
        "@app.post('/items/{key}')\n"
        "async def write(key: str, store: Store = Depends(), queue=Security(audit_queue)):\n"
        "    store.save(key)\n"
        "    queue.send_message(MessageBody=key)\n"
        "@app.delete('/items/{key}')\n"
        "def drop(key: str, s3: Annotated[object, Depends(get_s3)]):\n"
        "    s3.delete_object(Bucket='store', Key=key)\n"
        "def unused():\n"
        "    boto3.client('s3').delete_bucket(Bucket='gone')\n"
        "handler = Mangum(app)\n"
    ))
    named = api.suggest([str(tmp_path)], handler="app.handler", region="us-east-1", account="1")
    found = api.suggest([str(tmp_path)], region="us-east-1", account="1")
    assert found.analysis is not None and found.analysis.entry == "app.handler (found by name)"
    assert [u.function for u in found.analysis.unreachable] == ["app.unused"]
    assert {(p.action, p.resource) for p in named.permissions} == got == {
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/items"),
        ("s3:PutObject", "arn:aws:s3:::store/*"), ("s3:PutObject", "arn:aws:s3:::audit/log"),
        ("s3:DeleteObject", "arn:aws:s3:::store/*"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:audit"),
    }


def test_every_resource_a_request_names_is_granted_beside_a_whole_arn(tmp_path: Path) -> None:
    """Batch checks SubmitJob on the job queue and on the job definition, whose ARN in the
    request always has a revision; Run Command on the document and on each instance
    (EC2, or a hybrid mi- node), where a document AWS owns has no account in its ARN."""
    got = _perms(tmp_path, (
        "import boto3\nbatch = boto3.client('batch')\nssm = boto3.client('ssm')\n"
        "def handler(event, context):\n"
        "    batch.submit_job(jobName='j', jobQueue='arn:aws:batch:us-east-1:1:job-queue/q', jobDefinition='render:3')\n"
        "    batch.submit_job(jobName='j', jobQueue='nightly', jobDefinition='etl')\n"
        "    ssm.send_command(DocumentName='AWS-RunShellScript', InstanceIds=['i-0abc', 'mi-0def'])\n"
        "    ssm.send_command(DocumentName='Ops-Restart', Targets=[{'Key': 'tag:Role', 'Values': ['web']}])\n"
    ))
    assert got == {
        ("batch:SubmitJob", "arn:aws:batch:us-east-1:1:job-queue/q"),
        ("batch:SubmitJob", "arn:aws:batch:us-east-1:1:job-definition/render:3"),
        ("batch:SubmitJob", "arn:aws:batch:us-east-1:1:job-queue/nightly"),
        ("batch:SubmitJob", "arn:aws:batch:us-east-1:1:job-definition/etl:*"),
        ("ssm:SendCommand", "arn:aws:ssm:us-east-1:*:document/AWS-RunShellScript"),
        ("ssm:SendCommand", "arn:aws:ec2:us-east-1:1:instance/i-0abc"),
        ("ssm:SendCommand", "arn:aws:ssm:us-east-1:1:managed-instance/mi-0def"),
        ("ssm:SendCommand", "arn:aws:ssm:us-east-1:1:document/Ops-Restart"),
        ("ssm:SendCommand", "arn:aws:ec2:us-east-1:1:instance/*"),
    }


def test_ec2_requests_are_granted_on_every_resource_they_involve(tmp_path: Path) -> None:
    """EC2 checks an action against each resource the request uses or creates: a launch
    against the image, subnet and security groups it names and the instance, network
    interface and volumes it makes; a snapshot against its volume and itself. Ids in
    list parameters (InstanceIds) name one resource each."""
    got = _perms(tmp_path, (
        "import boto3\nec2 = boto3.client('ec2')\n"
        "def handler(event, context):\n"
        "    ec2.run_instances(ImageId='ami-0abc', InstanceType='t3.micro', MinCount=1, MaxCount=1,\n"
        "                      SubnetId='subnet-1', SecurityGroupIds=['sg-1'])\n"
        "    ec2.create_snapshot(VolumeId='vol-1')\n"
        "    ec2.stop_instances(InstanceIds=['i-0abc', 'i-0def'])\n"
    ))
    assert got == {
        ("ec2:RunInstances", "arn:aws:ec2:us-east-1::image/ami-0abc"),
        ("ec2:RunInstances", "arn:aws:ec2:us-east-1:1:subnet/subnet-1"),
        ("ec2:RunInstances", "arn:aws:ec2:us-east-1:1:security-group/sg-1"),
        ("ec2:RunInstances", "arn:aws:ec2:us-east-1:1:instance/*"),
        ("ec2:RunInstances", "arn:aws:ec2:us-east-1:1:network-interface/*"),
        ("ec2:RunInstances", "arn:aws:ec2:us-east-1:1:volume/*"),
        ("ec2:CreateSnapshot", "arn:aws:ec2:us-east-1:1:volume/vol-1"),
        ("ec2:CreateSnapshot", "arn:aws:ec2:us-east-1::snapshot/*"),
        ("ec2:StopInstances", "arn:aws:ec2:us-east-1:1:instance/i-0abc"),
        ("ec2:StopInstances", "arn:aws:ec2:us-east-1:1:instance/i-0def"),
    }


def test_log_groups_and_event_bus_rules_are_named_as_iam_checks_them(tmp_path: Path) -> None:
    """Log groups given by name or by ARN (with DescribeLogGroups' trailing :*) in one list,
    each granted as CloudWatch Logs checks a group's actions: its ARN with ``:*``;
    a rule's ARN has its bus, except on the default bus, whether the bus is given by name
    or ARN; a bus in another account keeps its account."""
    got = _perms(tmp_path, (
        "import boto3\nlogs = boto3.client('logs')\nev = boto3.client('events')\n"
        "def handler(event, context):\n"
        "    logs.start_query(logGroupIdentifiers=['/aws/lambda/api', 'arn:aws:logs:us-east-1:1:log-group:/aws/lambda/jobs:*'],\n"
        "                     startTime=0, endTime=1, queryString='fields @message')\n"
        "    ev.put_rule(Name='r1', ScheduleExpression='rate(1 day)')\n"
        "    ev.put_rule(Name='r2', EventBusName='orders', EventPattern='{}')\n"
        "    ev.put_rule(Name='r3', EventBusName='arn:aws:events:us-east-1:1:event-bus/b', EventPattern='{}')\n"
        "    ev.put_events(Entries=[{'EventBusName': 'arn:aws:events:us-east-1:2:event-bus/central', 'Source': 's',\n"
        "                            'DetailType': 'd', 'Detail': '{}'}])\n"
    ))
    assert got == {
        ("logs:StartQuery", "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/api:*"),
        ("logs:StartQuery", "arn:aws:logs:us-east-1:1:log-group:/aws/lambda/jobs:*"),
        ("events:PutRule", "arn:aws:events:us-east-1:1:rule/r1"),
        ("events:PutRule", "arn:aws:events:us-east-1:1:rule/orders/r2"),
        ("events:PutRule", "arn:aws:events:us-east-1:1:rule/b/r3"),
        ("events:PutEvents", "arn:aws:events:us-east-1:2:event-bus/central"),
    }


def test_a_guardrail_is_applied_on_itself_and_not_taken_for_the_model(tmp_path: Path) -> None:
    """A guardrail named by id or ARN (on ApplyGuardrail, on InvokeModel, in Converse's
    guardrailConfig) needs ApplyGuardrail on that guardrail; the model call stays on the
    model. An AWS-owned document's ARN (no account) still names the document."""
    got = _perms(tmp_path, (
        "import boto3\nbr = boto3.client('bedrock-runtime')\nssm = boto3.client('ssm')\n"
        "M = 'anthropic.claude-3-haiku-20240307-v1:0'\n"
        "def handler(event, context):\n"
        "    br.apply_guardrail(guardrailIdentifier='gr-abc', guardrailVersion='1', source='INPUT', content=[])\n"
        "    br.invoke_model(modelId=M, body='{}', guardrailIdentifier='gr-def', guardrailVersion='DRAFT')\n"
        "    br.converse(modelId=M, messages=[], guardrailConfig={\n"
        "        'guardrailIdentifier': 'arn:aws:bedrock:us-east-1:1:guardrail/gr-xyz', 'guardrailVersion': '2'})\n"
        "    ssm.send_command(DocumentName='arn:aws:ssm:us-east-1::document/AWS-RunShellScript', InstanceIds=['i-1'])\n"
    ))
    assert got == {
        ("bedrock:ApplyGuardrail", "arn:aws:bedrock:us-east-1:1:guardrail/gr-abc"),
        ("bedrock:ApplyGuardrail", "arn:aws:bedrock:us-east-1:1:guardrail/gr-def"),
        ("bedrock:ApplyGuardrail", "arn:aws:bedrock:us-east-1:1:guardrail/gr-xyz"),
        ("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"),
        ("ssm:SendCommand", "arn:aws:ssm:us-east-1::document/AWS-RunShellScript"),
        ("ssm:SendCommand", "arn:aws:ec2:us-east-1:1:instance/i-1"),
    }


def test_iam_ec2_and_ecs_names_as_the_apis_spell_them(tmp_path: Path) -> None:
    """IAM names users and roles with their path; EC2 ids of any kind in Resources by
    their prefix (images and snapshots have no account); GroupId is a security group;
    ECS services are in their cluster (the default one when none is given)."""
    got = _perms(tmp_path, (
        "import boto3\niam = boto3.client('iam')\nec2 = boto3.client('ec2')\necs = boto3.client('ecs')\n"
        "def handler(event, context):\n"
        "    iam.create_access_key(UserName='bob')\n"
        "    ec2.create_tags(Resources=['i-0abc', 'ami-123', 'snap-9'], Tags=[{'Key': 'k', 'Value': 'v'}])\n"
        "    ec2.authorize_security_group_ingress(GroupId='sg-1', IpPermissions=[])\n"
        "    ecs.describe_services(cluster='prod', services=['api', 'worker'])\n"
        "    ecs.describe_services(services=['solo'])\n"
    ))
    assert got == {
        ("iam:CreateAccessKey", "arn:aws:iam::1:user/bob"),
        ("ec2:CreateTags", "arn:aws:ec2:us-east-1:1:instance/i-0abc"),
        ("ec2:CreateTags", "arn:aws:ec2:us-east-1::image/ami-123"),
        ("ec2:CreateTags", "arn:aws:ec2:us-east-1::snapshot/snap-9"),
        ("ec2:AuthorizeSecurityGroupIngress", "arn:aws:ec2:us-east-1:1:security-group/sg-1"),
        ("ecs:DescribeServices", "arn:aws:ecs:us-east-1:1:service/prod/api"),
        ("ecs:DescribeServices", "arn:aws:ecs:us-east-1:1:service/prod/worker"),
        ("ecs:DescribeServices", "arn:aws:ecs:us-east-1:1:service/default/solo"),
    }


def test_rds_identifiers_name_instances_clusters_snapshots_and_groups(tmp_path: Path) -> None:
    """RDS names its resources by identifier (DbInstanceName in the ARN); a restore is
    also checked against the option, parameter and subnet groups it uses (the defaults,
    when the request names none)."""
    got = _perms(tmp_path, (
        "import boto3\nrds = boto3.client('rds')\n"
        "def handler(event, context):\n"
        "    rds.stop_db_instance(DBInstanceIdentifier='orders-db')\n"
        "    rds.create_db_snapshot(DBInstanceIdentifier='orders-db', DBSnapshotIdentifier='orders-snap')\n"
        "    rds.restore_db_instance_from_db_snapshot(DBInstanceIdentifier='restored', DBSnapshotIdentifier='orders-snap')\n"
        "    rds.stop_db_cluster(DBClusterIdentifier='aurora-1')\n"
    ))
    assert got == {
        ("rds:StopDBInstance", "arn:aws:rds:us-east-1:1:db:orders-db"),
        ("rds:CreateDBSnapshot", "arn:aws:rds:us-east-1:1:db:orders-db"),
        ("rds:CreateDBSnapshot", "arn:aws:rds:us-east-1:1:snapshot:orders-snap"),
        ("rds:RestoreDBInstanceFromDBSnapshot", "arn:aws:rds:us-east-1:1:db:restored"),
        ("rds:RestoreDBInstanceFromDBSnapshot", "arn:aws:rds:us-east-1:1:snapshot:orders-snap"),
        ("rds:RestoreDBInstanceFromDBSnapshot", "arn:aws:rds:us-east-1:1:og:*"),
        ("rds:RestoreDBInstanceFromDBSnapshot", "arn:aws:rds:us-east-1:1:pg:*"),
        ("rds:RestoreDBInstanceFromDBSnapshot", "arn:aws:rds:us-east-1:1:subgrp:*"),
        ("rds:StopDBCluster", "arn:aws:rds:us-east-1:1:cluster:aurora-1"),
    }


def test_the_rds_data_api_reads_the_secret_it_is_given(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\nrd = boto3.client('rds-data')\n"
        "C = 'arn:aws:rds:us-east-1:1:cluster:aurora-1'\nS = 'arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf'\n"
        "def handler(event, context):\n"
        "    rd.execute_statement(resourceArn=C, secretArn=S, database='app', sql='select 1')\n"
    ))
    assert got == {
        ("rds-data:ExecuteStatement", "arn:aws:rds:us-east-1:1:cluster:aurora-1"),
        ("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:1:secret:db-AbCdEf"),
    }


def test_records_read_through_a_shard_iterator_are_scoped_to_its_stream(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\nk = boto3.client('kinesis')\nds = boto3.client('dynamodbstreams')\n"
        "def handler(event, context):\n"
        "    it = k.get_shard_iterator(StreamName='clicks', ShardId='s', ShardIteratorType='LATEST')['ShardIterator']\n"
        "    k.get_records(ShardIterator=it)\n"
        "    arn = ds.list_streams(TableName='orders')['Streams'][0]['StreamArn']\n"
        "    sit = ds.get_shard_iterator(StreamArn=arn, ShardId='s', ShardIteratorType='LATEST')['ShardIterator']\n"
        "    ds.get_records(ShardIterator=sit)\n"
    ))
    assert got == {
        ("kinesis:GetShardIterator", "arn:aws:kinesis:us-east-1:1:stream/clicks"),
        ("kinesis:GetRecords", "arn:aws:kinesis:us-east-1:1:stream/clicks"),
        ("dynamodb:ListStreams", "*"),
        ("dynamodb:GetShardIterator", "arn:aws:dynamodb:us-east-1:1:table/orders/stream/*"),
        ("dynamodb:GetRecords", "arn:aws:dynamodb:us-east-1:1:table/orders/stream/*"),
    }


def test_a_query_execution_is_read_in_the_workgroup_that_started_it(tmp_path: Path) -> None:
    """Athena authorizes an execution's reads on its workgroup: the primary one when the
    start names none. An id from elsewhere (the event) may be in any workgroup."""
    got = _perms(tmp_path, (
        "import boto3\nathena = boto3.client('athena')\n"
        "def run(sql, workgroup=None):\n"
        "    kwargs = {'QueryString': sql}\n"
        "    if workgroup:\n"
        "        kwargs['WorkGroup'] = workgroup\n"
        "    qid = athena.start_query_execution(**kwargs)['QueryExecutionId']\n"
        "    athena.get_query_execution(QueryExecutionId=qid)\n"
        "    return athena.get_paginator('get_query_results').paginate(QueryExecutionId=qid)\n"
        "def handler(event, context):\n"
        "    run('SELECT 1')\n"
        "    run('SELECT 2', 'etl')\n"
        "    athena.stop_query_execution(QueryExecutionId=event['qid'])\n"
    ))
    athena = {(a, r) for a, r in got if a.startswith("athena:")}
    assert athena == {
        (action, f"arn:aws:athena:us-east-1:1:workgroup/{wg}")
        for action in ("athena:StartQueryExecution", "athena:GetQueryExecution", "athena:GetQueryResults")
        for wg in ("primary", "etl")
    } | {("athena:StopQueryExecution", "*")}


def test_a_query_id_in_other_text_is_an_unknown_part(tmp_path: Path) -> None:
    """Athena writes a query's results as ``<id>.csv`` under the output location: a key
    made of the id is any key there, while the id passed whole still names the workgroup."""
    got = _perms(tmp_path, (
        "import boto3\nathena = boto3.client('athena')\ns3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    qid = athena.start_query_execution(QueryString='SELECT 1', WorkGroup='reports')['QueryExecutionId']\n"
        "    athena.get_query_execution(QueryExecutionId=qid)\n"
        "    return s3.get_object(Bucket='results', Key=f'athena/{qid}.csv')\n"
    ))
    assert ("s3:GetObject", "arn:aws:s3:::results/athena/*.csv") in got
    assert {r for a, r in got if a == "athena:GetQueryExecution"} == {"arn:aws:athena:us-east-1:1:workgroup/reports"}
    assert not any("workgroup" in r for a, r in got if a.startswith("s3:"))


def test_athena_statements_that_change_the_catalog_need_glue_writes_on_their_table(tmp_path: Path) -> None:
    """Athena makes the Glue calls of a DDL statement or an insert with the caller's rights,
    on the statement's target table (not on the tables it reads); a statement of unknown
    kind is granted no write, and LP106 says what one would need."""
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\nathena = boto3.client('athena')\nCTX = {'Database': 'lake'}\n"
        "def handler(event, context):\n"
        "    day = event['day']\n"
        "    athena.start_query_execution(QueryString=f\"ALTER TABLE clicks ADD IF NOT EXISTS PARTITION (dt='{day}')\", QueryExecutionContext=CTX)\n"
        "    athena.start_query_execution(QueryString='MSCK REPAIR TABLE lake.views')\n"
        "    athena.start_query_execution(QueryString='INSERT INTO daily SELECT * FROM clicks', QueryExecutionContext=CTX)\n"
        "    athena.start_query_execution(QueryString='DROP TABLE IF EXISTS tmp_x', QueryExecutionContext=CTX)\n"
        "    athena.start_query_execution(QueryString='CREATE DATABASE IF NOT EXISTS staging')\n"
        "    athena.start_query_execution(QueryString=event['sql'], QueryExecutionContext=CTX)\n"
        "    athena.start_query_execution(QueryString='SELECT * FROM clicks', QueryExecutionContext=CTX)\n")
    result = api.suggest([str(src)], region="us-east-1", account="1")
    tables = {(p.action, p.resource.rpartition(":")[2]) for p in result.permissions
              if p.action.startswith("glue:") and p.action not in ("glue:GetTable", "glue:GetPartitions", "glue:GetDatabase")
              and ":catalog" not in p.resource and ":database/lake" not in p.resource}
    assert tables == {
        ("glue:BatchCreatePartition", "table/lake/clicks"), ("glue:CreatePartition", "table/lake/clicks"),
        ("glue:BatchCreatePartition", "table/lake/views"), ("glue:BatchCreatePartition", "table/lake/daily"),
        ("glue:DeleteTable", "table/lake/tmp_x"), ("glue:CreateDatabase", "database/staging"),
    }
    said = {"reads the data": "data", "rows it inserts": "rows", "statement is not known": "unknown"}
    notices = {(f.line, label) for f in result.findings if f.code == "LP106" for text, label in said.items() if text in f.message}
    assert notices == {(7, "data"), (8, "data"), (8, "rows"), (11, "data"), (11, "unknown"), (12, "data")}


def test_athena_show_statements_list_the_catalog(tmp_path: Path) -> None:
    """SHOW TABLES lists a database's tables (glue:GetTables on the database it names, else
    the query's, and its tables) and SHOW DATABASES the catalog's databases
    (glue:GetDatabases on every database); neither reads a table's definition."""
    got = _perms(tmp_path, (
        "import boto3\nathena = boto3.client('athena')\n"
        "def handler(event, context):\n"
        "    athena.start_query_execution(QueryString='SHOW TABLES IN sales', WorkGroup='wg')\n"
        "    athena.start_query_execution(QueryString='SHOW TABLES', QueryExecutionContext={'Database': 'ops'}, WorkGroup='wg')\n"
        "    athena.start_query_execution(QueryString='SHOW DATABASES', WorkGroup='wg')\n"
    ))
    glue = {(a, r.partition(":1:")[2]) for a, r in got if a.startswith("glue:") and a != "glue:GetDatabase"}
    assert glue == {
        ("glue:GetTables", "catalog"), ("glue:GetTables", "database/sales"), ("glue:GetTables", "table/sales/*"),
        ("glue:GetTables", "database/ops"), ("glue:GetTables", "table/ops/*"),
        ("glue:GetDatabases", "catalog"), ("glue:GetDatabases", "database/*"),
    }


def test_an_athena_ctas_writes_its_table_where_its_external_location_says(tmp_path: Path) -> None:
    """``CREATE TABLE … WITH (external_location = 's3://…') AS SELECT`` writes the new
    table's files there with the role's rights: s3:PutObject under it, s3:ListBucket and
    s3:GetBucketLocation on its bucket, and glue:CreateTable on the table; a CTAS without
    a location says (LP106) that it writes under the results location instead."""
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\nathena = boto3.client('athena')\n"
        "def handler(event, context):\n"
        "    athena.start_query_execution(WorkGroup='wg', QueryString=\n"
        "        \"CREATE TABLE sales.daily WITH (format = 'PARQUET', external_location = 's3://lake/daily/') \"\n"
        "        \"AS SELECT * FROM sales.orders\")\n"
        "    athena.start_query_execution(WorkGroup='wg', QueryString='CREATE TABLE sales.tmp AS SELECT 1')\n"
    )
    result = api.suggest([str(src)], region="us-east-1", account="1")
    got = {(p.action, p.resource) for p in result.permissions}
    assert {("s3:PutObject", "arn:aws:s3:::lake/daily/*"), ("s3:ListBucket", "arn:aws:s3:::lake"),
            ("s3:GetBucketLocation", "arn:aws:s3:::lake"), ("glue:CreateTable", "arn:aws:glue:us-east-1:1:table/sales/daily"),
            ("glue:CreateTable", "arn:aws:glue:us-east-1:1:table/sales/tmp")} <= got
    assert {a for a, _ in got if a.startswith("s3:")} == {"s3:PutObject", "s3:ListBucket", "s3:GetBucketLocation"}
    located = [f.line for f in result.findings if f.code == "LP106" and "names no external_location" in f.message]
    assert located == [7]


def test_an_athena_unload_writes_its_files_where_it_says(tmp_path: Path) -> None:
    """``UNLOAD (…) TO 's3://…'`` writes the result files there with the caller's rights,
    as results are written; a plain query writes nothing there."""
    got = _perms(tmp_path, (
        "import boto3\nathena = boto3.client('athena')\n"
        "def handler(event, context):\n"
        "    athena.start_query_execution(QueryString=\"UNLOAD (SELECT * FROM clicks) TO 's3://exports/clicks/' \"\n"
        "        \"WITH (format = 'PARQUET')\", QueryExecutionContext={'Database': 'lake'}, WorkGroup='etl')\n"
        "    athena.start_query_execution(QueryString='SELECT * FROM views', QueryExecutionContext={'Database': 'lake'},\n"
        "        WorkGroup='etl')\n"
    ))
    s3 = {(a, r) for a, r in got if a.startswith("s3:")}
    assert s3 == {
        *((a, "arn:aws:s3:::exports") for a in ("s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads")),
        *((a, "arn:aws:s3:::exports/clicks/*") for a in ("s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload",
                                                          "s3:ListMultipartUploadParts")),
    }
    assert ("glue:GetTable", "arn:aws:glue:us-east-1:1:table/lake/clicks") in got


def test_dynamodb_exports_and_imports_use_the_callers_s3_rights(tmp_path: Path) -> None:
    """An export writes to its bucket and prefix, an import reads its source objects and
    writes its errors to DynamoDB's import log group, with the caller's rights."""
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\nddb = boto3.client('dynamodb')\ndef handler(event, context):\n"
        "    ddb.export_table_to_point_in_time(TableArn='arn:aws:dynamodb:us-east-1:1:table/orders', S3Bucket='exports',\n"
        "                                      S3Prefix='orders/')\n"
        "    ddb.import_table(S3BucketSource={'S3Bucket': 'imports', 'S3KeyPrefix': 'batch1/'}, InputFormat='CSV',\n"
        "                     TableCreationParameters={'TableName': 'imported', 'KeySchema': [], 'AttributeDefinitions': [],\n"
        "                                              'BillingMode': 'PAY_PER_REQUEST'})\n")
    result = api.suggest([str(src)], region="us-east-1", account="1")
    assert {(p.action, p.resource) for p in result.permissions} == {
        ("dynamodb:ExportTableToPointInTime", "arn:aws:dynamodb:us-east-1:1:table/orders"),
        *((a, "arn:aws:s3:::exports/orders/*") for a in ("s3:PutObject", "s3:AbortMultipartUpload", "s3:PutObjectAcl")),
        ("dynamodb:ImportTable", "arn:aws:dynamodb:us-east-1:1:table/imported"),
        ("s3:GetObject", "arn:aws:s3:::imports/batch1/*"), ("s3:ListBucket", "arn:aws:s3:::imports"),
        *((a, "arn:aws:logs:us-east-1:1:log-group:/aws-dynamodb/imports:*")
          for a in ("logs:CreateLogGroup", "logs:PutRetentionPolicy", "logs:DescribeLogStreams")),
        *((a, "arn:aws:logs:us-east-1:1:log-group:/aws-dynamodb/imports:log-stream:*")
          for a in ("logs:CreateLogStream", "logs:PutLogEvents")),
        ("logs:DescribeLogGroups", "*"),
    }


def test_a_stack_made_without_a_service_role_is_made_with_the_roles_rights(tmp_path: Path) -> None:
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\ncf = boto3.client('cloudformation')\ndef handler(event, context):\n"
        "    cf.create_stack(StackName='t1', TemplateBody='{}')\n"
        "    cf.create_stack(StackName='t2', TemplateBody='{}', RoleARN='arn:aws:iam::1:role/deployer')\n"
        "    cf.delete_stack(StackName='t1')\n")
    result = api.suggest([str(src)], region="us-east-1", account="1")
    assert [f.line for f in result.findings if f.code == "LP106"] == [4, 6]
    assert ("iam:PassRole", "arn:aws:iam::1:role/deployer") in {(p.action, p.resource) for p in result.permissions}


def test_code_in_s3_and_a_secret_under_a_customer_key_use_the_callers_rights(tmp_path: Path) -> None:
    """Lambda reads function and layer code from S3, and Secrets Manager encrypts a new
    secret's value under its KMS key, with the caller's credentials."""
    key = "arn:aws:kms:us-east-1:1:key/1234abcd-12ab-34cd-56ef-1234567890ab"
    got = _perms(tmp_path, (
        "import boto3\nlam = boto3.client('lambda')\nsm = boto3.client('secretsmanager')\n"
        "def handler(event, context):\n"
        "    lam.create_function(FunctionName='gen', Runtime='python3.12', Role='arn:aws:iam::1:role/gen', Handler='a.h',\n"
        "                        Code={'S3Bucket': 'artifacts', 'S3Key': 'gen/v1.zip'})\n"
        "    lam.update_function_code(FunctionName='gen', S3Bucket='artifacts', S3Key='gen/v2.zip', S3ObjectVersion='3')\n"
        "    lam.update_function_code(FunctionName='gen', ZipFile=b'PK')\n"
        "    lam.publish_layer_version(LayerName='deps', Content={'S3Bucket': 'artifacts', 'S3Key': 'layers/deps.zip'})\n"
        f"    sm.create_secret(Name='tenant/x', SecretString='s', KmsKeyId='{key}')\n"
        "    sm.create_secret(Name='tenant/y', SecretString='s')\n"
    ))
    assert {(a, r) for a, r in got if a.startswith(("s3:", "kms:"))} == {
        ("s3:GetObject", "arn:aws:s3:::artifacts/gen/v1.zip"), ("s3:GetObjectVersion", "arn:aws:s3:::artifacts/gen/v2.zip"),
        ("s3:GetObject", "arn:aws:s3:::artifacts/layers/deps.zip"),
        ("kms:GenerateDataKey", key), ("kms:Decrypt", key),
    }


def test_a_timestream_query_selects_on_the_tables_it_names(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\ntq = boto3.client('timestream-query')\n"
        "def handler(event, context):\n"
        "    tq.query(QueryString='SELECT * FROM \"metrics\".\"cpu\" c JOIN \"metrics\".mem m ON c.host = m.host')\n"
    ))
    assert {r for a, r in got if a == "timestream:Select"} == {
        "arn:aws:timestream:us-east-1:1:database/metrics/table/cpu", "arn:aws:timestream:us-east-1:1:database/metrics/table/mem"}


def test_an_unsigned_client_uses_none_of_the_roles_permissions(tmp_path: Path) -> None:
    """``Config(signature_version=UNSIGNED)`` makes anonymous requests (a public dataset's
    bucket): the role's permissions play no part, as LP102 says; a client signing as usual
    is granted what it calls."""
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\nimport botocore\nfrom botocore import UNSIGNED\nfrom botocore.config import Config\n"
        "pub = boto3.client('s3', config=Config(signature_version=UNSIGNED))\n"
        "res = boto3.resource('s3', config=botocore.config.Config(signature_version=botocore.UNSIGNED))\n"
        "mine = boto3.client('s3', config=Config(signature_version='s3v4'))\n"
        "def handler(event, context):\n"
        "    pub.get_object(Bucket='open-data', Key='a.nc')\n"
        "    res.Object('open-data', 'b.nc').get()\n"
        "    mine.put_object(Bucket='mine', Key='k', Body=b'')\n")
    result = api.suggest([str(src)], region="us-east-1", account="1")
    assert {(p.action, p.resource) for p in result.permissions} == {("s3:PutObject", "arn:aws:s3:::mine/k")}
    assert [(f.code, f.line) for f in result.findings if "UNSIGNED" in f.message] == [("LP102", 9), ("LP102", 10)]


def test_powertools_data_masking_uses_its_providers_kms_keys(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "from aws_lambda_powertools.utilities.data_masking import DataMasking\n"
        "from aws_lambda_powertools.utilities.data_masking.provider.kms.aws_encryption_sdk import AWSEncryptionSDKProvider\n"
        "masker = DataMasking(provider=AWSEncryptionSDKProvider(keys=['arn:aws:kms:us-east-1:1:key/abc']))\n"
        "def handler(event, context):\n"
        "    return masker.decrypt(masker.encrypt(event['data']))\n"
    ))
    assert got == {("kms:GenerateDataKey", "arn:aws:kms:us-east-1:1:key/abc"), ("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/abc")}


def test_a_strands_agent_converses_with_its_bedrock_model(tmp_path: Path) -> None:
    """Calling a Strands agent sends the turn to its model (a BedrockModel's model_id, or a
    model id given as text), streamed or not."""
    got = _perms(tmp_path, (
        "from strands import Agent\nfrom strands.models import BedrockModel\n"
        "agent = Agent(model=BedrockModel(model_id='anthropic.claude-3-5-haiku-20241022-v1:0'))\n"
        "quick = Agent(model='anthropic.claude-3-haiku-20240307-v1:0')\n"
        "def handler(event, context):\n"
        "    agent(event['question'])\n"
        "    quick('summarise')\n"
    ))
    model = "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-3"
    assert got == {
        (action, model + suffix)
        for action in ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")
        for suffix in ("-5-haiku-20241022-v1:0", "-haiku-20240307-v1:0")
    }


def test_the_aws_encryption_sdk_uses_its_key_providers_kms_keys(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import aws_encryption_sdk\n"
        "client = aws_encryption_sdk.EncryptionSDKClient()\n"
        "keys = aws_encryption_sdk.StrictAwsKmsMasterKeyProvider(key_ids=['arn:aws:kms:us-east-1:1:key/k1'])\n"
        "def handler(event, context):\n"
        "    ct, _ = client.encrypt(source=b'x', key_provider=keys)\n"
        "    return client.decrypt(source=ct, key_provider=keys)\n"
    ))
    assert got == {("kms:GenerateDataKey", "arn:aws:kms:us-east-1:1:key/k1"), ("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/k1")}


def test_an_instance_profile_passes_its_role_to_ec2(tmp_path: Path) -> None:
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\nec2 = boto3.client('ec2')\n"
        "def handler(event, context):\n"
        "    ec2.run_instances(ImageId='ami-1', MinCount=1, MaxCount=1, IamInstanceProfile={'Name': 'web'})\n"
        "    ec2.run_instances(ImageId='ami-2', MinCount=1, MaxCount=1)\n"
    )
    perms = api.suggest([str(src)], region="us-east-1", account="1").permissions
    passed = [(p.resource, p.condition) for p in perms if p.action == "iam:PassRole"]
    # NOTE: the profile's role is not named: any role of the account, passed to EC2 only
    assert passed == [("arn:aws:iam::1:role/*", (("StringEquals", "iam:PassedToService", "ec2.amazonaws.com"),))]
    assert [e.line for p in perms if p.action == "iam:PassRole" for e in p.evidence] == [4]


def test_a_task_definitions_roles_are_passed_when_it_runs(tmp_path: Path) -> None:
    """RunTask passes the roles its task definition names. Those of a definition the template
    does not define are any role of the account, passed to ECS tasks only, with a finding;
    those of one it defines replace them."""
    from conftest import sam_function

    from lpgen.iac import load_template

    code = ("import boto3\n"
            "def handler(event, context):\n"
            "    boto3.client('ecs').run_task(cluster='c', taskDefinition='report:3')\n")
    src = tmp_path / "app.py"
    src.write_text(code)
    plain = api.suggest([str(src)], region="us-east-1", account="1")
    to_ecs = (("StringEquals", "iam:PassedToService", "ecs-tasks.amazonaws.com"),)
    assert [(p.resource, p.condition) for p in plain.permissions if p.action == "iam:PassRole"] == [
        ("arn:aws:iam::1:role/*", to_ecs)]
    assert [f.line for f in plain.findings if f.message.startswith("iam:PassRole")] == [3]
    template = sam_function(
        tmp_path, code=code, resources=(
            "  Report:\n    Type: AWS::ECS::TaskDefinition\n    Properties:\n      Family: report\n"
            "      TaskRoleArn: arn:aws:iam::1:role/report-task\n      ExecutionRoleArn: arn:aws:iam::1:role/report-exec\n"
            "      ContainerDefinitions: []\n"))
    known = api.suggest_for_function(load_template(str(template), region="us-east-1", account="1"), None)
    assert sorted((p.resource, p.condition) for p in known.permissions if p.action == "iam:PassRole") == [
        ("arn:aws:iam::1:role/report-exec", to_ecs), ("arn:aws:iam::1:role/report-task", to_ecs)]
    assert not [f for f in known.findings if f.message.startswith("iam:PassRole")]


def test_a_china_region_gives_aws_cn_arns(tmp_path: Path) -> None:
    src = tmp_path / "app.py"
    src.write_text("import boto3\ndef handler(event, context):\n    boto3.client('s3').get_object(Bucket='b', Key='k')\n")
    perms = api.suggest([str(src)], region="cn-north-1", account="1").permissions
    assert [(p.action, p.resource) for p in perms] == [("s3:GetObject", "arn:aws-cn:s3:::b/k")]


def test_an_account_or_region_the_code_does_not_know_is_any_not_the_functions_own(tmp_path: Path) -> None:
    """A queue URL whose account or Region comes from the event may name another account's
    queue: granting the function's own would deny it. The ARN keeps ``*`` there, with a finding."""
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\nsqs = boto3.client('sqs')\n"
        "def handler(event, context):\n"
        "    sqs.send_message(QueueUrl=f\"https://sqs.eu-west-1.amazonaws.com/{event['acct']}/audit\", MessageBody='x')\n"
        "    sqs.send_message(QueueUrl=f\"https://sqs.{event['region']}.amazonaws.com/2/audit\", MessageBody='x')\n"
    )
    result = api.suggest([str(src)], region="us-east-1", account="1")
    assert {(p.action, p.resource) for p in result.permissions} == {
        ("sqs:SendMessage", "arn:aws:sqs:eu-west-1:*:audit"),
        ("sqs:SendMessage", "arn:aws:sqs:*:2:audit"),
    }
    assert sorted(f.line for f in result.findings if f.code == "LP101") == [4, 5]


def test_the_functions_own_account_and_region_read_at_run_time_take_placeholders(tmp_path: Path) -> None:
    """With no Region or account given, what the code reads of its own (the caller identity,
    AWS_REGION, a shard iterator of its stream) gives the template placeholders: ``*`` would
    allow any account."""
    src = tmp_path / "app.py"
    src.write_text(
        "import os\nimport boto3\n"
        "ddb = boto3.client('dynamodb', region_name=os.environ['AWS_REGION'])\n"
        "def handler(event, context):\n"
        "    me = boto3.client('sts').get_caller_identity()['Account']\n"
        "    boto3.client('sns').publish(TopicArn=f\"arn:aws:sns:{os.environ['AWS_REGION']}:{me}:alerts\", Message='m')\n"
        "    k = boto3.client('kinesis')\n"
        "    it = k.get_shard_iterator(StreamName='clicks', ShardId='s', ShardIteratorType='LATEST')['ShardIterator']\n"
        "    k.get_records(ShardIterator=it)\n"
        "    ddb.get_item(TableName='t', Key={})\n"
        "    fn = context.invoked_function_arn.split(':')[-1]\n"
        "    boto3.client('lambda').get_function(FunctionName=fn)\n"
    )
    result = api.suggest([str(src)])
    own = "${AWS::Region}:${AWS::AccountId}"
    assert {(p.action, p.resource) for p in result.permissions} == {
        ("sns:Publish", f"arn:aws:sns:{own}:alerts"),
        ("kinesis:GetShardIterator", f"arn:${{AWS::Partition}}:kinesis:{own}:stream/clicks"),
        ("kinesis:GetRecords", f"arn:${{AWS::Partition}}:kinesis:{own}:stream/clicks"),
        ("dynamodb:GetItem", f"arn:${{AWS::Partition}}:dynamodb:{own}:table/t"),
        # NOTE: the last part of the ARN may be an alias after the name: not known
        ("lambda:GetFunction", f"arn:${{AWS::Partition}}:lambda:{own}:function:*"),
    }


def test_a_policy_larger_than_iam_takes_is_reported(tmp_path: Path) -> None:
    """IAM takes 10,240 characters of inline policy per role (white space not counted): a
    function reading two hundred tables one call each gets a policy it cannot be given."""
    calls = "".join(f"    ddb.Table('{chr(97 + i % 26)}{i}-inventory-records').get_item(Key={{}})\n" for i in range(200))
    src = tmp_path / "app.py"
    src.write_text(f"import boto3\nddb = boto3.resource('dynamodb')\ndef handler(event, context):\n{calls}")
    big = api.suggest([str(src)], region="us-east-1", account="123456789012")
    assert big.policy.size() > 10_240
    (finding,) = [f for f in big.findings if f.code == "LP107"]
    assert f"{big.policy.size():,} characters" in finding.message
    src.write_text("import boto3\ndef handler(event, context):\n    boto3.resource('dynamodb').Table('t').get_item(Key={})\n")
    assert not [f for f in api.suggest([str(src)], region="us-east-1", account="1").findings if f.code == "LP107"]


def test_calls_with_other_credentials_are_not_granted_and_say_whose(tmp_path: Path) -> None:
    """A client made with keys of its own, or from a session on an assumed role's
    credentials, is authorized against those: its calls are reported, not granted to the
    function's role; only the AssumeRole is."""
    src = tmp_path / "app.py"
    src.write_text(
        "import os, boto3\n"
        "def handler(event, context):\n"
        "    keyed = boto3.client('s3', aws_access_key_id=os.environ['K'], aws_secret_access_key=os.environ['S'])\n"
        "    keyed.get_object(Bucket='b', Key='k')\n"
        "    c = boto3.client('sts').assume_role(RoleArn='arn:aws:iam::2:role/r', RoleSessionName='s')['Credentials']\n"
        "    other = boto3.Session(aws_access_key_id=c['AccessKeyId'], aws_secret_access_key=c['SecretAccessKey'],\n"
        "                          aws_session_token=c['SessionToken']).client('sqs')\n"
        "    other.send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/2/q', MessageBody='m')\n"
    )
    result = api.suggest([str(src)], region="us-east-1", account="1", env={"K": "k", "S": "s"})
    assert {(p.action, p.resource) for p in result.permissions} == {("sts:AssumeRole", "arn:aws:iam::2:role/r")}
    notes = sorted((f.line, f.message) for f in result.findings if f.code == "LP102")
    assert notes == [
        (4, "s3.get_object uses credentials other than the function's role (keys given to the client or its "
            "session, such as sts.assume_role's, or none: an UNSIGNED client's requests are anonymous): authorized "
            "against those, not this role"),
        (8, "sqs.send_message uses credentials other than the function's role (keys given to the client or its "
            "session, such as sts.assume_role's, or none: an UNSIGNED client's requests are anonymous): authorized "
            "against those, not this role"),
    ]


def test_keys_that_may_be_none_leave_the_call_to_the_role(tmp_path: Path) -> None:
    """Local-development keys read with os.environ.get (None where the function runs
    without them) leave the client on the function's role: its call is granted, with no
    LP102. Keys the environment always gives are the client's own."""
    src = tmp_path / "app.py"
    src.write_text(
        "import os, boto3\n"
        "s3 = boto3.client('s3', aws_access_key_id=os.environ.get('DEV_KEY'),\n"
        "                  aws_secret_access_key=os.environ.get('DEV_SECRET'))\n"
        "dev = boto3.Session(aws_access_key_id=os.getenv('DEV_KEY')).client('sqs')\n"
        "def handler(event, context):\n"
        "    s3.get_object(Bucket='b', Key='k')\n"
        "    dev.send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q', MessageBody='m')\n"
    )
    template_env = api.suggest([str(src)], region="us-east-1", account="1", env={}, env_complete=True)
    assert {(p.action, p.resource) for p in template_env.permissions} == {
        ("s3:GetObject", "arn:aws:s3:::b/k"), ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q")}
    assert not [f for f in template_env.findings if f.code == "LP102"]
    keyed = api.suggest([str(src)], region="us-east-1", account="1", env={"DEV_KEY": "k", "DEV_SECRET": "s"},
                        env_complete=True)
    assert not keyed.permissions
    assert len([f for f in keyed.findings if f.code == "LP102"]) == 2


def test_names_a_service_keeps_in_lower_case_are_granted_in_lower_case(tmp_path: Path) -> None:
    """SageMaker authorizes an endpoint (its configuration, a notebook instance) on an ARN in
    lower case, and RDS stores instance and cluster identifiers in lower case: a name the
    code gives in mixed case is granted as the service names it, or the call is denied."""
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('sagemaker-runtime').invoke_endpoint(EndpointName='Churn-Model', Body=b'x')\n"
        "    boto3.client('sagemaker').describe_endpoint_config(EndpointConfigName='Churn-Config')\n"
        "    boto3.client('rds').describe_db_instances(DBInstanceIdentifier='Orders-DB')\n"
        "    boto3.client('rds').describe_db_clusters(DBClusterIdentifier='Orders-' + event['stage'])\n"
    ))
    assert {
        ("sagemaker:InvokeEndpoint", "arn:aws:sagemaker:us-east-1:1:endpoint/churn-model"),
        ("sagemaker:DescribeEndpointConfig", "arn:aws:sagemaker:us-east-1:1:endpoint-config/churn-config"),
        ("rds:DescribeDBInstances", "arn:aws:rds:us-east-1:1:db:orders-db"),
        ("rds:DescribeDBClusters", "arn:aws:rds:us-east-1:1:cluster:orders-*"),
    } <= got


def test_s3fs_filesystem_methods_are_s3_calls_on_their_paths(tmp_path: Path) -> None:
    """s3fs (pandas' S3 layer, also used on its own) takes ``bucket/key`` paths with or
    without ``s3://``: reads get, writes put (a failed multipart upload aborts), listings
    list under the prefix, deletes delete, moves get, put and delete; fsspec opens the same."""
    got = _perms(tmp_path, (
        "import fsspec, s3fs\n"
        "def handler(event, context):\n"
        "    fs = s3fs.S3FileSystem()\n"
        "    with fs.open('raw-data/in/extra.json') as f:\n"
        "        f.read()\n"
        "    with fs.open('s3://curated/out/x.json', 'wb') as f:\n"
        "        f.write(b'x')\n"
        "    fs.ls('raw-data/in/')\n"
        "    fs.rm('s3://tmp-bucket/scratch/' + event['id'])\n"
        "    fs.mv('raw-data/in/a.csv', 'archive/2024/a.csv')\n"
        "    fs.put_file('/tmp/report.pdf', 'reports/monthly/report.pdf')\n"
        "    with fsspec.open('s3://logs/app.log', 'r') as f:\n"
        "        f.read()\n"
    ))
    assert {
        ("s3:GetObject", "arn:aws:s3:::raw-data/in/extra.json"),
        ("s3:PutObject", "arn:aws:s3:::curated/out/x.json"),
        ("s3:AbortMultipartUpload", "arn:aws:s3:::curated/out/x.json"),
        ("s3:ListBucket", "arn:aws:s3:::raw-data"),
        ("s3:DeleteObject", "arn:aws:s3:::tmp-bucket/scratch/*"),
        ("s3:GetObject", "arn:aws:s3:::raw-data/in/a.csv"),
        ("s3:PutObject", "arn:aws:s3:::archive/2024/a.csv"),
        ("s3:DeleteObject", "arn:aws:s3:::raw-data/in/a.csv"),
        ("s3:PutObject", "arn:aws:s3:::reports/monthly/report.pdf"),
        ("s3:GetObject", "arn:aws:s3:::logs/app.log"),
    } <= got
    assert ("s3:PutObject", "arn:aws:s3:::raw-data/in/extra.json") not in got


def test_watchtower_pyathena_and_cloudpathlib_are_aws_calls(tmp_path: Path) -> None:
    """watchtower's handler creates its log group and stream and puts events; a pyathena
    cursor's query runs in the connection's workgroup with its staging folder (a cursor is
    an object of the connection's); cloudpathlib's S3Path reads and writes its object."""
    got = _perms(tmp_path, (
        "import logging, watchtower\n"
        "from pyathena import connect\n"
        "from cloudpathlib import S3Path\n"
        "log = logging.getLogger()\n"
        "log.addHandler(watchtower.CloudWatchLogHandler(log_group_name='/app/audit', log_stream_name='fn'))\n"
        "def handler(event, context):\n"
        "    cur = connect(s3_staging_dir='s3://athena-out/q/', work_group='etl', schema_name='lake').cursor()\n"
        "    cur.execute('SELECT * FROM events')\n"
        "    S3Path('s3://docs/readme.txt').read_text()\n"
        "    S3Path('s3://docs/out/copy.txt').write_text('x')\n"
    ))
    assert {
        ("logs:CreateLogGroup", "arn:aws:logs:us-east-1:1:log-group:/app/audit:*"),
        ("logs:CreateLogStream", "arn:aws:logs:us-east-1:1:log-group:/app/audit:log-stream:fn"),
        ("logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:/app/audit:log-stream:fn"),
        ("athena:StartQueryExecution", "arn:aws:athena:us-east-1:1:workgroup/etl"),
        ("athena:GetQueryResults", "arn:aws:athena:us-east-1:1:workgroup/etl"),
        ("glue:GetTable", "arn:aws:glue:us-east-1:1:table/lake/events"),
        ("s3:PutObject", "arn:aws:s3:::athena-out/q/*"),
        ("s3:GetObject", "arn:aws:s3:::docs/readme.txt"),
        ("s3:PutObject", "arn:aws:s3:::docs/out/copy.txt"),
    } <= got


def test_an_athena_query_on_a_table_of_another_database_is_granted_there(tmp_path: Path) -> None:
    """``FROM sales.orders`` names the sales database whatever the query's context says; an
    unqualified table is in the context's database."""
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    boto3.client('athena').start_query_execution(\n"
        "        QueryString='SELECT * FROM sales.orders o JOIN customers c ON o.c = c.id',\n"
        "        QueryExecutionContext={'Database': 'crm'}, WorkGroup='etl')\n"
    ))
    tables = {r for a, r in got if a == "glue:GetTable" and ":table/" in r}
    assert {"arn:aws:glue:us-east-1:1:table/sales/orders", "arn:aws:glue:us-east-1:1:table/crm/customers"} <= tables


def test_an_s3path_joined_with_slash_or_joinpath_names_the_object_under_it(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "from cloudpathlib import S3Path\n"
        "ROOT = S3Path('s3://docs')\n"
        "def handler(event, context):\n"
        "    (ROOT / 'in' / 'a.txt').read_text()\n"
        "    ROOT.joinpath('out', event['name']).write_text('x')\n"
    ))
    assert got == {("s3:GetObject", "arn:aws:s3:::docs/in/a.txt"), ("s3:PutObject", "arn:aws:s3:::docs/out/*")}


def test_the_s3path_packages_paths_and_the_paths_a_listing_gives(tmp_path: Path) -> None:
    """s3path's S3Path is "/bucket/key" (from_uri an s3:// URL); a listing (iterdir, glob)
    gives paths below its path, in cloudpathlib too, so deleting what it lists is granted."""
    got = _perms(tmp_path, (
        "from s3path import S3Path\n"
        "from cloudpathlib import S3Path as CloudS3Path\n"
        "BASE = S3Path('/reports/daily')\n"
        "def handler(event, context):\n"
        "    (BASE / 'summary.json').write_text('{}')\n"
        "    S3Path.from_uri('s3://inbox/in/data.csv').read_text()\n"
        "    for p in S3Path('/archive/old/').iterdir():\n"
        "        p.unlink()\n"
        "    for p in CloudS3Path('s3://scratch/tmp').glob('*.csv'):\n"
        "        p.unlink()\n"
    ))
    assert got == {
        ("s3:PutObject", "arn:aws:s3:::reports/daily/summary.json"),
        ("s3:GetObject", "arn:aws:s3:::inbox/in/data.csv"),
        ("s3:ListBucket", "arn:aws:s3:::archive"), ("s3:DeleteObject", "arn:aws:s3:::archive/old/*"),
        ("s3:ListBucket", "arn:aws:s3:::scratch"), ("s3:DeleteObject", "arn:aws:s3:::scratch/tmp/*"),
    }


def test_a_cloudpath_of_an_s3_url_is_an_s3path_and_of_another_cloud_none(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "from cloudpathlib import CloudPath, AnyPath\n"
        "def handler(event, context):\n"
        "    CloudPath('s3://docs/c.txt').read_text()\n"
        "    (AnyPath('s3://docs') / 'd.txt').write_text('x')\n"
        "    CloudPath('gs://elsewhere/e.txt').read_text()\n"
    ))
    assert got == {("s3:GetObject", "arn:aws:s3:::docs/c.txt"), ("s3:PutObject", "arn:aws:s3:::docs/d.txt")}


def test_a_sagemaker_sdk_predictor_invokes_its_endpoint(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "from sagemaker.predictor import Predictor\n"
        "from sagemaker.serializers import JSONSerializer\n"
        "predictor = Predictor(endpoint_name='Churn-Model', serializer=JSONSerializer())\n"
        "def handler(event, context):\n"
        "    return predictor.predict({'x': 1})\n"
    ))
    assert got == {("sagemaker:InvokeEndpoint", "arn:aws:sagemaker:us-east-1:1:endpoint/churn-model")}


def test_serverless_a_variables_fallback_may_be_another_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """``${opt:stage, self:provider.stage}`` falls back to the provider's stage, and
    ``${opt:stage, env:STAGE, 'qa'}`` to the environment, then to 'qa': the fallback was
    taken as text, and the table was named ``orders-self:provider.stage``."""
    from lpgen.iac import load_template

    (tmp_path / "serverless.yml").write_text(
        "service: shop\n"
        "custom:\n"
        "  stage: ${opt:stage, self:provider.stage}\n"
        "  region: ${opt:region, env:SHOP_REGION, 'eu-west-1'}\n"
        "provider:\n"
        "  name: aws\n"
        "  stage: live\n"
        "  environment:\n"
        "    TABLE: orders-${self:custom.stage}\n"
        "    REGION: ${self:custom.region}\n"
        "functions:\n"
        "  fn: {handler: app.handler}\n"
    )
    path = str(tmp_path / "serverless.yml")
    monkeypatch.delenv("SHOP_REGION", raising=False)
    env = load_template(path, account="1").function("fn").environment
    assert (env["TABLE"], env["REGION"]) == ("orders-live", "eu-west-1")
    monkeypatch.setenv("SHOP_REGION", "us-west-2")
    env = load_template(path, account="1", params={"stage": "test"}).function("fn").environment
    assert (env["TABLE"], env["REGION"]) == ("orders-test", "us-west-2")


def test_serverless_a_role_named_by_its_arn_in_the_resources_is_read(tmp_path: Path) -> None:
    """``provider.iam.role`` as the ARN of a role the resources section makes (by its
    RoleName) is that role: it was "defined outside this file"."""
    from lpgen.iac import load_template

    (tmp_path / "serverless.yml").write_text(
        "service: s5\n"
        "provider:\n  name: aws\n  iam:\n    role: arn:aws:iam::${aws:accountId}:role/${self:service}-exec\n"
        "functions:\n  fn: {handler: app.handler}\n"
        "resources:\n  Resources:\n    Exec:\n      Type: AWS::IAM::Role\n      Properties:\n"
        "        RoleName: ${self:service}-exec\n        AssumeRolePolicyDocument: {}\n"
        "        Policies:\n          - PolicyName: p\n            PolicyDocument:\n"
        "              Statement: [{Effect: Allow, Action: sqs:SendMessage, Resource: 'arn:aws:sqs:us-east-1:1:jobs'}]\n"
    )
    tpl = load_template(str(tmp_path / "serverless.yml"), region="us-east-1", account="1")
    current = tpl.current_policy(tpl.function("fn"))
    assert (current.role, current.unknown) == ("Exec", "")
    assert [st.actions for st in current.policy.statements] == [("sqs:SendMessage",)]


def test_serverless_functions_and_resources_given_as_lists_are_merged(tmp_path: Path) -> None:
    """The Framework takes ``functions`` and ``resources`` as lists (of mappings, or of files
    holding one) and merges them: such a service was refused as an unexpected structure."""
    from conftest import write_files

    from lpgen.iac import load_template

    write_files(tmp_path, {
        "serverless.yml": "service: s\nprovider:\n  name: aws\n  region: us-east-1\n"
                          "functions:\n  - ${file(./fns.yml)}\n  - other: {handler: other.handler}\n"
                          "resources:\n  - Resources:\n      Jobs: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs}}\n"
                          "  - ${file(./more.yml)}\n",
        "fns.yml": "orders:\n  handler: orders.handler\n  environment: {QUEUE: !GetAtt Jobs.Arn, TOPIC: !Ref Done}\n",
        "more.yml": "Resources:\n  Done: {Type: AWS::SNS::Topic, Properties: {TopicName: done}}\n",
    })
    tpl = load_template(str(tmp_path / "serverless.yml"), account="1")
    assert sorted(tpl.functions) == ["orders", "other"]
    assert tpl.function("orders").environment == {"QUEUE": "arn:aws:sqs:us-east-1:1:jobs", "TOPIC": "arn:aws:sns:us-east-1:1:done"}


def test_a_flow_log_published_to_s3_is_a_log_delivery_the_caller_creates(tmp_path: Path) -> None:
    """Only the flow log that publishes to S3 (line 4) needs logs:CreateLogDelivery; the one
    to CloudWatch Logs (line 6) passes a role instead."""
    got = _perm_lines(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    ec2 = boto3.client('ec2')\n"
        "    ec2.create_flow_logs(ResourceIds=['vpc-1'], ResourceType='VPC', TrafficType='ALL', LogDestinationType='s3', LogDestination='arn:aws:s3:::logs/flow')\n"
        "    ec2.create_flow_logs(ResourceIds=['vpc-2'], ResourceType='VPC', TrafficType='ALL',\n"
        "                         LogGroupName='flow', DeliverLogsPermissionArn='arn:aws:iam::1:role/flow')\n"
    ))
    assert got[("logs:CreateLogDelivery", "*")] == [4]


def test_a_trail_created_is_named_by_the_name_it_was_created_with(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "ct = boto3.client('cloudtrail')\n"
        "def handler(event, context):\n"
        "    made = ct.create_trail(Name='audit', S3BucketName='logs')\n"
        "    ct.start_logging(Name=made['Name'])\n"
        "    ct.get_trail_status(Name=made['TrailARN'])\n"
    ))
    trail = "arn:aws:cloudtrail:us-east-1:1:trail/audit"
    assert got == {("cloudtrail:CreateTrail", trail), ("cloudtrail:StartLogging", trail), ("cloudtrail:GetTrailStatus", trail)}


def test_serverless_a_stream_known_only_at_deploy_is_said(tmp_path: Path) -> None:
    """``- stream: ${cf:core.OrdersStreamArn}`` (no type) was dropped without a word."""
    from lpgen.iac import load_template

    (tmp_path / "app.py").write_text("def handler(event, context):\n    return event\n")
    (tmp_path / "serverless.yml").write_text(
        "service: ev\nprovider: {name: aws, runtime: python3.12, region: us-east-1}\n"
        "functions:\n  a:\n    handler: app.handler\n    events:\n      - stream: ${cf:core.OrdersStreamArn}\n")
    tpl = load_template(str(tmp_path / "serverless.yml"), account="1")
    result = api.suggest_for_function(tpl, "a")
    assert not result.permissions
    assert [f.message for f in result.findings if f.code == "LP209"] == [
        "an event source mapping's source takes ${cf:core.OrdersStreamArn}, "
        "not known here: what its poller needs is not known, and nothing is granted for it"]


def test_serverless_wsgi_serves_the_app_its_custom_section_names(tmp_path: Path) -> None:
    """serverless-wsgi's handler (wsgi_handler.handler) is written when the plugin packages
    the service: the function runs the app ``custom.wsgi.app`` names, and its routes. It was
    refused as a handler whose module is not found."""
    from lpgen.iac import load_template

    (tmp_path / "app.py").write_text(
        "import boto3\nfrom flask import Flask\napp = Flask(__name__)\n"
        "table = boto3.resource('dynamodb').Table('users')\n"
        "@app.route('/users/<uid>')\ndef get_user(uid):\n    return table.get_item(Key={'id': uid})\n")
    (tmp_path / "serverless.yml").write_text(
        "service: api\nprovider: {name: aws, runtime: python3.12, region: us-east-1}\n"
        "plugins: [serverless-wsgi]\ncustom:\n  wsgi:\n    app: app.app\n"
        "functions:\n  api:\n    handler: wsgi_handler.handler\n    events:\n      - http: ANY /{proxy+}\n")
    tpl = load_template(str(tmp_path / "serverless.yml"), account="1")
    assert tpl.function("api").handler == "app.app"
    got = {(p.action, p.resource) for p in api.suggest_for_function(tpl, "api").permissions}
    assert got == {("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/users")}


def test_items_built_elsewhere_get_every_action_their_kind_allows(tmp_path: Path) -> None:
    """Entries or transaction items a library builds (or the event gives, or a starred part
    of a list) may be of any kind and name any resource: each per-item action is granted
    on any resource of its type, not dropped, and an unknown entry's bus is not assumed to
    be the default one."""
    got = _perms(tmp_path, (
        "import boto3\nfrom shared.events import build_entries, build_items\n"
        "ddb = boto3.client('dynamodb')\nev = boto3.client('events')\n"
        "def handler(event, context):\n"
        "    ddb.transact_write_items(TransactItems=build_items(event))\n"
        "    ddb.transact_get_items(TransactItems=[event['get']])\n"
        "    ev.put_events(Entries=build_entries(event))\n"
        "    ev.put_events(Entries=[{'EventBusName': 'orders', 'Source': 's', 'DetailType': 'd', 'Detail': '{}'},\n"
        "                           *event['more']])\n"
    ))
    assert got == {
        ("dynamodb:PutItem", "*"),
        ("dynamodb:UpdateItem", "*"),
        ("dynamodb:DeleteItem", "*"),
        ("dynamodb:ConditionCheckItem", "*"),
        ("dynamodb:GetItem", "*"),
        ("events:PutEvents", "arn:aws:events:us-east-1:1:event-bus/orders"),
        ("events:PutEvents", "arn:aws:events:us-east-1:1:event-bus/*"),
    }


def test_partiql_batches_built_elsewhere_may_run_any_statement(tmp_path: Path) -> None:
    """Statements a library builds may be of every verb: a batch or transaction of them
    gets each PartiQL action (with a doubt said), not none; a known statement beside
    unknown ones keeps its own table."""
    got = _perms(tmp_path, (
        "import boto3\nfrom shared.sql import statements\nddb = boto3.client('dynamodb')\n"
        "def handler(event, context):\n"
        "    ddb.batch_execute_statement(Statements=statements(event))\n"
        "    ddb.execute_transaction(TransactStatements=[{'Statement': 'SELECT * FROM \"orders\"'}, *statements(event)])\n"
    ))
    verbs = ("Select", "Insert", "Update", "Delete")
    assert {a for a, _ in got} == {f"dynamodb:PartiQL{v}" for v in verbs}
    assert ("dynamodb:PartiQLSelect", "arn:aws:dynamodb:us-east-1:1:table/orders") in got


def test_members_passed_as_an_unknown_dict_may_trigger_conditional_actions(tmp_path: Path) -> None:
    """A request completed by a dict not known here (``**extra``, a transfer's ExtraArgs
    from the event) may carry ACL, Tagging or a KMS key: those actions are added, each
    with a doubt that says why; a known or absent ExtraArgs adds none."""
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\ns3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    s3.put_object(Bucket='b', Key='a', Body=b'x', **event['extra'])\n"
        "    s3.upload_file('/tmp/f', 'b', 'c', ExtraArgs=event['args'])\n"
        "    s3.upload_file('/tmp/f', 'b', 'd', ExtraArgs={'ContentType': 'text/plain'})\n"
        "    s3.upload_file('/tmp/f', 'b', 'e', ExtraArgs=None)\n"
    )
    result = api.suggest([str(src)], region="us-east-1", account="1")
    got = {(p.action, p.resource) for p in result.permissions}
    for key in ("a", "c"):
        assert {("s3:PutObjectAcl", f"arn:aws:s3:::b/{key}"), ("s3:PutObjectTagging", f"arn:aws:s3:::b/{key}")} <= got
    assert ("kms:GenerateDataKey", "*") in got
    assert {a for a, r in got if r in ("arn:aws:s3:::b/d", "arn:aws:s3:::b/e")} == {"s3:PutObject", "s3:AbortMultipartUpload"}
    doubts = {(f.line, f.message) for f in result.findings if f.code == "LP103"}
    assert (4, "s3:PutObjectAcl added: members passed as a dict not known here (**kwargs, ExtraArgs) may give ACL") in doubts
    assert {line for line, _ in doubts} == {4, 5}


def test_waf_scopes_are_named_as_their_arns_say(tmp_path: Path) -> None:
    """WAF's Scope is REGIONAL or CLOUDFRONT in the request and regional or global in the
    ARN, a CloudFront scope's resources in us-east-1 whatever Region the function runs in;
    an id taken as the last part of the set's ARN (``arn.split('/').pop()``) is that id."""
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\nwaf = boto3.client('wafv2')\n"
        "ARN = 'arn:aws:wafv2:eu-west-1:1:regional/ipset/blocked/abc-123'\n"
        "def handler(event, context):\n"
        "    set_id = ARN.split('/').pop()\n"
        "    waf.get_ip_set(Scope='REGIONAL', Name='blocked', Id=set_id)\n"
        "    waf.update_ip_set(Scope='CLOUDFRONT', Name='edge', Id='def-456', Addresses=[], LockToken='t')\n"
    )
    got = {(p.action, p.resource) for p in api.suggest([str(src)], region="eu-west-1", account="1").permissions}
    assert got == {
        ("wafv2:GetIPSet", "arn:aws:wafv2:eu-west-1:1:regional/ipset/blocked/abc-123"),
        ("wafv2:UpdateIPSet", "arn:aws:wafv2:us-east-1:1:global/ipset/edge/def-456"),
    }


def test_list_pop_takes_the_item_and_the_list_loses_it(tmp_path: Path) -> None:
    """``pop()`` gives the last item, ``pop(0)`` the first, and a later pop the next one:
    the local list no longer holds what was taken."""
    got = _perms(tmp_path, (
        "import boto3\ns3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    parts = 'data/in/today'.split('/')\n"
        "    day = parts.pop()\n"
        "    folder = parts.pop()\n"
        "    s3.get_object(Bucket=parts.pop(0), Key=folder + '/' + day)\n"
        "    s3.get_object(Bucket='logs', Key=event['path'].split('/').pop())\n"
    ))
    assert got == {("s3:GetObject", "arn:aws:s3:::data/in/today"), ("s3:GetObject", "arn:aws:s3:::logs/*")}


def test_a_dict_losing_a_key_no_longer_gives_it(tmp_path: Path) -> None:
    """``d.pop(k)``, ``del d[k]``, ``d.clear()`` and ``del items[0]`` take the item out, so a
    later ``d.get(k, default)`` gives the default; ``setdefault`` puts a missing key in; a
    key not known may be any key (each is gone in one alternative). A module's dict a
    function changes may hold either content from then on (as a ``global``'s value)."""
    got = _perms(tmp_path, (
        "import boto3\ns3 = boto3.client('s3')\nCACHE = {'k': 'cached'}\n"
        "def forget():\n"
        "    CACHE.pop('k')\n"
        "def handler(event, context):\n"
        "    d = {'k': 'kept', 'j': 'other'}\n"
        "    d.pop('k', None)\n"
        "    s3.get_object(Bucket='popped', Key=d.get('k', 'default'))\n"
        "    e = {'k': 'kept'}\n"
        "    del e['k']\n"
        "    s3.get_object(Bucket='deleted', Key=e.get('k', 'default'))\n"
        "    f = {'a': 'fa', 'b': 'fb'}\n"
        "    f.pop(event['name'])\n"
        "    s3.get_object(Bucket='unknown-key', Key=f.get('a', 'default'))\n"
        "    g = {}\n"
        "    g.setdefault('k', 'set')\n"
        "    s3.get_object(Bucket='setdefault', Key=g['k'])\n"
        "    h = {'k': 'kept'}\n"
        "    h.clear()\n"
        "    s3.get_object(Bucket='cleared', Key=h.get('k', 'default'))\n"
        "    items = ['first', 'second']\n"
        "    del items[0]\n"
        "    s3.get_object(Bucket='list', Key=items[0])\n"
        "    s3.get_object(Bucket='module', Key=CACHE.get('k', 'default'))\n"
        "    forget()\n"
        "    s3.get_object(Bucket='module-after', Key=CACHE.get('k', 'default'))\n"
    ))
    assert got == {("s3:GetObject", f"arn:aws:s3:::{key}") for key in (
        "popped/default", "deleted/default", "unknown-key/fa", "unknown-key/default", "setdefault/set",
        "cleared/default", "list/second", "module/cached", "module/default", "module-after/cached",
        "module-after/default")}


def test_a_function_put_on_a_class_is_a_method_of_its_instances(tmp_path: Path) -> None:
    """``Store.rename = rename`` after the class: an instance's ``store.rename(k)`` runs the
    function with the instance as ``self`` (what it sets is the instance's), and a method
    read from it sees the instance's attributes."""
    got = _perms(tmp_path, (
        "import boto3\ns3 = boto3.client('s3')\n"
        "class Store:\n"
        "    def __init__(self, key):\n"
        "        self.key = key\n"
        "def rename(self, key):\n"
        "    self.key = key\n"
        "def prefixed(self):\n"
        "    return 'in/' + self.key\n"
        "Store.rename = rename\n"
        "Store.prefixed = prefixed\n"
        "def handler(event, context):\n"
        "    store = Store('first')\n"
        "    store.rename('second')\n"
        "    s3.get_object(Bucket='b', Key=store.prefixed())\n"
    ))
    # NOTE: attributes are kept by class, so the instance holds both names.
    assert got == {("s3:GetObject", "arn:aws:s3:::b/in/first"), ("s3:GetObject", "arn:aws:s3:::b/in/second")}


def test_a_dict_or_list_an_attribute_holds_changes_in_place(tmp_path: Path) -> None:
    """``self.names['k'] = v``, ``self.keys.append(v)`` and ``self.names.pop('k')`` change
    what the instance's attribute holds, as for a variable; so do ``names.SUFFIXES[...] =``
    and ``names.PARTS.append`` on another module's variables, which its functions read."""
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("")
    (tmp_path / "lib" / "names.py").write_text(
        "SUFFIXES = {'k': '.json'}\nPARTS = ['base']\n"
        "def build(name):\n"
        "    return PARTS[-1] + '/' + name + SUFFIXES.get('k', '.txt')\n"
    )
    got = _perms(tmp_path, (
        "import boto3\nfrom lib import names\ns3 = boto3.client('s3')\n"
        "class Store:\n"
        "    def __init__(self):\n"
        "        self.names = {'k': 'first'}\n"
        "        self.keys = []\n"
        "    def put(self, name):\n"
        "        self.names['k'] = name\n"
        "        self.keys.append(name + '.gz')\n"
        "def handler(event, context):\n"
        "    store = Store()\n"
        "    store.put('second')\n"
        "    s3.get_object(Bucket='item', Key=store.names.get('k', 'none'))\n"
        "    s3.get_object(Bucket='appended', Key=store.keys[0])\n"
        "    store.names.pop('k')\n"
        "    s3.get_object(Bucket='popped', Key=store.names.get('k', 'none'))\n"
        "    names.SUFFIXES['k'] = '.csv'\n"
        "    names.PARTS.append('extra')\n"
        "    s3.get_object(Bucket='module', Key=names.build('x'))\n"
    ))
    # NOTE: an instance's attributes are kept by class and a module's variables changed
    # from a function may hold either content, so earlier values stay allowed.
    assert got == {("s3:GetObject", f"arn:aws:s3:::{key}") for key in (
        "item/first", "item/second", "item/none", "appended/second.gz", "popped/first", "popped/second", "popped/none",
        "module/base/x.json", "module/base/x.csv", "module/extra/x.json", "module/extra/x.csv")}


def test_a_module_variable_set_from_another_module_is_what_its_functions_read(tmp_path: Path) -> None:
    """``names.PREFIX = …`` from the handler's module is read by ``names.build`` (either
    value from then on, as after a ``global`` statement); a value that keeps growing from
    call to call (``names.PREFIX = names.build(…)``) ends as a pattern covering every
    round's value, so the key the third round builds is allowed."""
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "__init__.py").write_text("")
    (tmp_path / "lib" / "names.py").write_text("PREFIX = 'p/'\ndef build(name):\n    return PREFIX + name\n")
    got = _perms(tmp_path, (
        "import boto3\nfrom lib import names\ns3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    names.PREFIX = 'set/'\n"
        "    s3.get_object(Bucket='set', Key=names.build('x'))\n"
    ))
    assert ("s3:GetObject", "arn:aws:s3:::set/set/x") in got
    (tmp_path / "app.py").write_text(
        "import boto3\nfrom lib import names\ns3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    names.PREFIX = 'a'\n"
        "    names.PREFIX = names.build('a')\n"
        "    names.PREFIX = names.build('a')\n"
        "    s3.get_object(Bucket='chain', Key=names.build('a'))\n"
    )
    policy = api.suggest([str(tmp_path / "app.py")], region="us-east-1", account="1").policy
    assert allows(policy, "s3:GetObject", "arn:aws:s3:::chain/aaaa")


def test_a_list_changed_in_place_gives_its_new_items(tmp_path: Path) -> None:
    """``sort()``, ``reverse()``, ``remove(x)``, ``items[i] = v``, a slice assigned and an
    inner list changed through its container (``jobs[0].append(x)``, ``cfg["keys"].append``)
    change what the list gives; each kept the old items, so the key the code used was
    denied. ``[x] * 2`` and ``"ab" * 2`` repeat what is known."""
    got = _perms(tmp_path, (
        "import boto3\ns3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    a = ['b', 'a']\n"
        "    a.sort()\n"
        "    s3.get_object(Bucket='sort', Key=a[0])\n"
        "    b = ['a', 'b']\n"
        "    b.reverse()\n"
        "    s3.get_object(Bucket='reverse', Key=b[0])\n"
        "    c = ['a', 'b']\n"
        "    c.remove('a')\n"
        "    s3.get_object(Bucket='remove', Key=c[0])\n"
        "    d = ['a', 'b']\n"
        "    d[0] = 'z'\n"
        "    s3.get_object(Bucket='item', Key=d[0])\n"
        "    e = ['a', 'b']\n"
        "    e[0:1] = ['s']\n"
        "    s3.get_object(Bucket='slice', Key=e[0])\n"
        "    jobs = [['x']]\n"
        "    jobs[0].append('y')\n"
        "    s3.get_object(Bucket='nested', Key=jobs[0][-1])\n"
        "    cfg = {'keys': ['x']}\n"
        "    cfg['keys'].append('y')\n"
        "    s3.get_object(Bucket='in-dict', Key=cfg['keys'][-1])\n"
        "    s3.get_object(Bucket='repeat', Key=(['p', 'q'] * 2)[2] + '-' * 2 + 'ab' * 2)\n"
    ))
    # NOTE: after remove() or an append the order is not followed: any item may come first.
    assert got == {("s3:GetObject", f"arn:aws:s3:::{key}") for key in (
        "sort/a", "reverse/b", "remove/a", "remove/b", "item/z", "slice/a", "slice/b", "slice/s",
        "nested/x", "nested/y", "in-dict/x", "in-dict/y", "repeat/p--abab")}


def test_a_change_through_one_name_is_seen_through_the_others(tmp_path: Path) -> None:
    """``params = request`` then ``params["Key"] = k`` changes ``request`` too (one object),
    as do changes to a dict an instance was given, through the instance or the name, and a
    nested function's change to its enclosing function's list; a copy (``BASE.copy()``,
    ``dict(BASE)``) is another object, which the change leaves alone."""
    got = _perms(tmp_path, (
        "import boto3\ns3 = boto3.client('s3')\nBASE = {'Bucket': 'base', 'Key': 'k0'}\n"
        "class Holder:\n"
        "    def __init__(self, d):\n"
        "        self.d = d\n"
        "def handler(event, context):\n"
        "    request = {'Bucket': 'alias', 'Key': 'old'}\n"
        "    params = request\n"
        "    params['Key'] = 'new'\n"
        "    s3.get_object(**request)\n"
        "    names = ['x']\n"
        "    more = names\n"
        "    more.append('y')\n"
        "    s3.get_object(Bucket='list', Key=names[-1])\n"
        "    cfg = {'k': 'first'}\n"
        "    holder = Holder(cfg)\n"
        "    holder.d['k'] = 'second'\n"
        "    s3.get_object(Bucket='held', Key=cfg['k'])\n"
        "    copy = BASE.copy()\n"
        "    copy['Key'] = 'k1'\n"
        "    s3.get_object(**copy)\n"
        "    s3.get_object(Bucket='after', Key=BASE['Key'])\n"
        "    keys = ['a']\n"
        "    def add(k):\n"
        "        keys.append(k)\n"
        "    add('b')\n"
        "    s3.get_object(Bucket='closure', Key=keys[-1])\n"
    ))
    # NOTE: the other names, and an enclosing function's variable a nested function
    # changes, may hold either content (the change is joined there).
    assert got == {("s3:GetObject", f"arn:aws:s3:::{key}") for key in (
        "alias/old", "alias/new", "list/x", "list/y", "held/first", "held/second", "base/k1", "after/k0",
        "closure/a", "closure/b")}


def test_region_name_of_a_session_or_client_is_the_function_s_own_unless_given(tmp_path: Path) -> None:
    """``boto3.session.Session().region_name`` and ``client.meta.region_name`` are the
    function's Region when none is given, the given one otherwise: ARNs built from them
    keep their Region instead of ``*``."""
    got = _perms(tmp_path, (
        "import boto3\nsns = boto3.client('sns')\nwest = boto3.client('sns', region_name='us-west-2')\n"
        "def handler(event, context):\n"
        "    region = boto3.session.Session().region_name\n"
        "    sns.publish(TopicArn=f'arn:aws:sns:{region}:1:home', Message='m')\n"
        "    sns.publish(TopicArn=f'arn:aws:sns:{sns.meta.region_name}:1:meta', Message='m')\n"
        "    west.publish(TopicArn=f'arn:aws:sns:{west.meta.region_name}:1:west', Message='m')\n"
        "    south = boto3.Session(region_name='ap-south-1')\n"
        "    south.client('sns').publish(TopicArn=f'arn:aws:sns:{south.region_name}:1:south', Message='m')\n"
    ))
    assert got == {
        ("sns:Publish", "arn:aws:sns:us-east-1:1:home"), ("sns:Publish", "arn:aws:sns:us-east-1:1:meta"),
        ("sns:Publish", "arn:aws:sns:us-west-2:1:west"), ("sns:Publish", "arn:aws:sns:ap-south-1:1:south"),
    }


def test_methods_a_library_base_class_calls_are_reached(tmp_path: Path) -> None:
    """A class deriving from a library's class defines methods the library calls (a
    template method): Powertools' provider ``get`` calls the subclass's ``_get``, a logging
    handler's ``emit`` runs for each record logged, a thread's ``run`` once started. They
    are reached, with ``self`` as the project made it; a data model's own methods (a
    pydantic model's) are not run for it."""
    (tmp_path / "provider.py").write_text(
        "import copy\nimport boto3\nfrom aws_lambda_powertools.utilities.parameters import BaseProvider\n"
        "class S3Provider(BaseProvider):\n"
        "    def __init__(self, bucket_name):\n"
        "        super().__init__()\n"
        "        self.bucket_name = bucket_name\n"
        "        self.client = boto3.client('s3')\n"
        "    def _get(self, name, **sdk_options):\n"
        "        options = copy.deepcopy(sdk_options)\n"
        "        options['Bucket'] = self.bucket_name\n"
        "        options['Key'] = name\n"
        "        return self.client.get_object(**options)['Body'].read().decode()\n"
    )
    got = _perms(tmp_path, (
        "import logging, threading, boto3\nfrom pydantic import BaseModel\nfrom provider import S3Provider\n"
        "class AuditHandler(logging.Handler):\n"
        "    def emit(self, record):\n"
        "        boto3.client('logs').put_log_events(logGroupName='/app/audit', logStreamName='s', logEvents=[])\n"
        "class Worker(threading.Thread):\n"
        "    def run(self):\n"
        "        boto3.client('sqs').send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/work', MessageBody='x')\n"
        "class Order(BaseModel):\n"
        "    id: str\n"
        "    def archive(self):\n"
        "        boto3.client('s3').put_object(Bucket='archive', Key=self.id, Body=b'')\n"
        "logger = logging.getLogger()\nlogger.addHandler(AuditHandler())\nconfig = S3Provider(bucket_name='config')\n"
        "def handler(event, context):\n"
        "    Worker().start()\n"
        "    logger.info(Order(id=event['id']).model_dump_json())\n"
        "    return config.get('endpoint')\n"
    ))
    assert got == {
        ("logs:PutLogEvents", "arn:aws:logs:us-east-1:1:log-group:/app/audit:log-stream:s"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:work"),
        ("s3:GetObject", "arn:aws:s3:::config/*"),
        ("s3:GetObjectVersion", "arn:aws:s3:::config/*"),
    }


def test_neptune_queries_are_authorized_by_what_they_do(tmp_path: Path) -> None:
    """Neptune's data API is authorized by what a query may do: every query reads, one that
    adds (MERGE, SET, addV) writes, one that drops deletes; a query not known may do all
    three (with a doubt). Neptune Analytics names the graph by its id."""
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\nnd = boto3.client('neptunedata', endpoint_url='https://db.cluster-x.us-east-1.neptune.amazonaws.com:8182')\n"
        "ng = boto3.client('neptune-graph')\n"
        "def handler(event, context):\n"
        "    nd.execute_open_cypher_query(openCypherQuery='MATCH (n:Person) WHERE n.created > 1 RETURN count(*)')\n"
        "    nd.execute_open_cypher_query(openCypherQuery='MERGE (p:Person {id: $id}) SET p.name = $name')\n"
        "    nd.execute_gremlin_query(gremlinQuery=\"g.V('1').drop()\")\n"
        "    nd.execute_open_cypher_query(openCypherQuery=event['q'])\n"
        "    ng.execute_query(graphIdentifier='g-abc123', queryString='MATCH (n) RETURN n LIMIT 1', language='OPEN_CYPHER')\n"
    )
    result = api.suggest([str(src)], region="us-east-1", account="1")
    lines = {(p.action, p.resource): sorted(e.line for e in p.evidence) for p in result.permissions}
    assert lines == {
        ("neptune-db:ReadDataViaQuery", "*"): [5, 6, 7, 8],
        ("neptune-db:WriteDataViaQuery", "*"): [6, 8],
        ("neptune-db:DeleteDataViaQuery", "*"): [7, 8],
        ("neptune-graph:ReadDataViaQuery", "arn:aws:neptune-graph:us-east-1:1:graph/g-abc123"): [9],
    }
    assert {f.line for f in result.findings if f.code == "LP103"} == {8}


def test_urlparse_of_an_s3_uri_gives_the_bucket_and_the_key(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import os, boto3\n"
        "import urllib.parse\n"
        "from urllib.parse import urlparse, urlsplit\n"
        "s3 = boto3.client('s3')\n"
        "URI = os.environ.get('INPUT_URI', 's3://env-bucket/incoming/')\n"
        "def handler(event, context):\n"
        "    p = urlparse(URI)\n"
        "    s3.put_object(Bucket=p.netloc, Key=p.path.lstrip('/') + 'out.json', Body=b'')\n"
        "    scheme, netloc, path, query, fragment = urlsplit(f\"s3://split-bucket/{event['k']}\")\n"
        "    s3.delete_object(Bucket=netloc, Key=path[1:])\n"
        "    h = urllib.parse.urlparse('https://host-bucket.s3.amazonaws.com:443/a/b.txt')\n"
        "    s3.get_object(Bucket=h.hostname.split('.')[0], Key=h[2].lstrip('/'))\n"
        "    # an unknown part inside the host may hold the slash that ends it\n"
        "    u = urlparse(f\"s3://{event['stage']}-data/key\")\n"
        "    s3.head_object(Bucket=u.netloc, Key=u.path.lstrip('/'))\n"
        "    e = urlparse(event['uri'])\n"
        "    s3.delete_object(Bucket=e.netloc, Key=e.path)\n"
    ))
    assert got == {
        ("s3:PutObject", "arn:aws:s3:::env-bucket/incoming/out.json"),
        ("s3:DeleteObject", "arn:aws:s3:::split-bucket/*"),
        ("s3:GetObject", "arn:aws:s3:::host-bucket/a/b.txt"),
        ("s3:GetObject", "arn:aws:s3:::*/*"),
        ("s3:DeleteObject", "arn:aws:s3:::*/*"),
    }


_URL_TEXT = st.text(alphabet="ab-./?#:", max_size=6)


@given(
    st.lists(st.one_of(_URL_TEXT, st.just("*")), min_size=1, max_size=5),
    st.lists(st.text(alphabet="ab-./", max_size=5), min_size=5, max_size=5),
)
def test_each_url_part_of_a_pattern_matches_that_part_of_every_url_it_stands_for(
    pieces: list[str], fills: list[str],
) -> None:
    pattern = "s3://" + "".join(pieces)
    concrete, taken = "s3://", iter(fills)
    for piece in pieces:
        concrete += next(taken) if piece == "*" else piece
    from urllib.parse import urlparse

    for part, known in zip(urlparse(concrete), url_parts("urllib.parse.urlparse", pattern)):
        assert pattern_matcher(known).fullmatch(part), (pattern, concrete, known, part)


def test_a_nested_function_rebinding_a_nonlocal_changes_what_the_enclosing_one_reads(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    bucket = 'outer-bucket'\n"
        "    count = 0\n"
        "    def switch():\n"
        "        nonlocal bucket, count\n"
        "        bucket = 'inner-bucket'\n"
        "        count += 1\n"
        "    switch()\n"
        "    s3.get_object(Bucket=bucket, Key='n')\n"
    ))
    # NOTE: after the call the variable may hold either value (the call may not rebind it).
    assert got == {("s3:GetObject", "arn:aws:s3:::outer-bucket/n"), ("s3:GetObject", "arn:aws:s3:::inner-bucket/n")}


def test_a_nested_functions_defaults_are_taken_where_it_is_defined(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    readers = []\n"
        "    for name in ('a-bucket', 'b-bucket'):\n"
        "        readers.append(lambda key, name=name: s3.get_object(Bucket=name, Key=key))\n"
        "        def write(key, *, bucket=name + '-out'):\n"
        "            s3.put_object(Bucket=bucket, Key=key, Body=b'')\n"
        "        write('w')\n"
        "    for read in readers:\n"
        "        read('r')\n"
    ))
    assert got == {
        ("s3:GetObject", "arn:aws:s3:::a-bucket/r"), ("s3:GetObject", "arn:aws:s3:::b-bucket/r"),
        ("s3:PutObject", "arn:aws:s3:::a-bucket-out/w"), ("s3:PutObject", "arn:aws:s3:::b-bucket-out/w"),
    }


def test_zip_enumerate_chain_and_dict_merge_keep_known_items(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import itertools, boto3\n"
        "s3 = boto3.client('s3')\n"
        "BUCKETS = ['raw-bucket', 'clean-bucket']\n"
        "def handler(event, context):\n"
        "    for i, (bucket, key) in enumerate(zip(BUCKETS, ['in/a', 'out/b'])):\n"
        "        s3.get_object(Bucket=bucket, Key=key)\n"
        "    for n, bucket in enumerate(BUCKETS, start=1):\n"
        "        s3.put_object(Bucket=bucket, Key=f'part-{n}', Body=b'')\n"
        "    for bucket in itertools.chain(BUCKETS, ('extra-bucket',)):\n"
        "        s3.list_objects_v2(Bucket=bucket)\n"
        "    base = {'Bucket': 'merge-bucket'}\n"
        "    s3.delete_object(**(base | {'Key': 'm'}))\n"
        "    # an item of an iterable not known item by item stands for every item\n"
        "    for bucket, key in zip(event['buckets'], ['k']):\n"
        "        s3.head_object(Bucket=bucket, Key=key)\n"
    ))
    assert got == {
        ("s3:GetObject", "arn:aws:s3:::raw-bucket/in/a"), ("s3:GetObject", "arn:aws:s3:::clean-bucket/out/b"),
        ("s3:PutObject", "arn:aws:s3:::raw-bucket/part-1"), ("s3:PutObject", "arn:aws:s3:::clean-bucket/part-2"),
        ("s3:ListBucket", "arn:aws:s3:::raw-bucket"), ("s3:ListBucket", "arn:aws:s3:::clean-bucket"),
        ("s3:ListBucket", "arn:aws:s3:::extra-bucket"),
        ("s3:DeleteObject", "arn:aws:s3:::merge-bucket/m"),
        ("s3:GetObject", "arn:aws:s3:::*/k"),
    }


def test_product_pairs_every_item_with_every_other(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import itertools, boto3\n"
        "s3 = boto3.client('s3')\n"
        "BUCKETS = ['raw-bucket', 'clean-bucket']\n"
        "def handler(event, context):\n"
        "    for bucket, prefix in itertools.product(BUCKETS, ['in/', 'out/']):\n"
        "        s3.put_object(Bucket=bucket, Key=prefix + 'x', Body=b'')\n"
        "    for a, b in itertools.product(['left', 'right'], repeat=2):\n"
        "        s3.get_object(Bucket=f'{a}-{b}', Key='k')\n"
        "    # an iterable not known item by item: each row stands for every combination\n"
        "    for bucket, key in itertools.product(event['buckets'], ['k']):\n"
        "        s3.head_object(Bucket=bucket, Key=key)\n"
        "    # 36 rows: each place stays any item of its own iterable\n"
        "    for row in itertools.product(['a', 'b', 'c'], ['x', 'y'], repeat=2):\n"
        "        s3.get_object(Bucket=row[0] + row[3], Key='many')\n"
        "    # a repeat Python refuses stops no analysis\n"
        "    for row in itertools.product(['odd-bucket'], repeat=-1):\n"
        "        s3.delete_object(Bucket=row[0], Key='k')\n"
    ))
    assert got == {
        ("s3:PutObject", "arn:aws:s3:::raw-bucket/in/x"), ("s3:PutObject", "arn:aws:s3:::raw-bucket/out/x"),
        ("s3:PutObject", "arn:aws:s3:::clean-bucket/in/x"), ("s3:PutObject", "arn:aws:s3:::clean-bucket/out/x"),
        ("s3:GetObject", "arn:aws:s3:::left-left/k"), ("s3:GetObject", "arn:aws:s3:::left-right/k"),
        ("s3:GetObject", "arn:aws:s3:::right-left/k"), ("s3:GetObject", "arn:aws:s3:::right-right/k"),
        ("s3:GetObject", "arn:aws:s3:::*/k"), ("s3:DeleteObject", "arn:aws:s3:::odd-bucket/k"),
        *{("s3:GetObject", f"arn:aws:s3:::{a}{b}/many") for a in "abc" for b in "xy"},
    }


def test_reduce_folds_known_items_in_order(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import functools, operator, boto3\n"
        "s3 = boto3.client('s3')\n"
        "def dash(a, b):\n"
        "    return a + '-' + b\n"
        "def handler(event, context):\n"
        "    s3.get_object(Bucket=functools.reduce(dash, ['app', 'prod', 'data']), Key='k')\n"
        "    s3.put_object(Bucket=functools.reduce(lambda a, b: a + b, ['-logs'], 'app'), Key='k', Body=b'')\n"
        "    # items not known one by one: none, one or more (app-*-* is an app-* bucket)\n"
        "    s3.head_object(Bucket=functools.reduce(dash, event['parts'], 'app'), Key='k')\n"
    ))
    assert got == {
        ("s3:GetObject", "arn:aws:s3:::app-prod-data/k"), ("s3:PutObject", "arn:aws:s3:::app-logs/k"),
        ("s3:GetObject", "arn:aws:s3:::app/k"), ("s3:GetObject", "arn:aws:s3:::app-*/k"),
    }


def test_the_operator_module_s_functions_are_their_operators(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import functools, operator, boto3\n"
        "s3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    s3.get_object(Bucket=functools.reduce(operator.add, ['app', '-', 'data']), Key='k')\n"
        "    s3.put_object(Bucket=operator.concat('logs-', 'eu'), Key=operator.mod('in/%s.json', 'x'), Body=b'')\n"
    ))
    assert got == {("s3:GetObject", "arn:aws:s3:::app-data/k"), ("s3:PutObject", "arn:aws:s3:::logs-eu/in/x.json")}


def test_reduce_over_more_items_than_it_follows_covers_every_fold(tmp_path: Path) -> None:
    parts = ", ".join(repr(f"p{n}") for n in range(300))
    got = _perms(tmp_path, (
        "import functools, boto3\n"
        "s3 = boto3.client('s3')\n"
        f"PARTS = [{parts}]\n"
        "def handler(event, context):\n"
        "    s3.get_object(Bucket=functools.reduce(lambda a, b: a + '-' + b, PARTS), Key='k')\n"
    ))
    # each fold starts with an item, and every item starts with p
    assert got == {("s3:GetObject", "arn:aws:s3:::p*/k")}


def test_copies_and_dicts_of_records_keep_their_fields(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import dataclasses, boto3\n"
        "from typing import NamedTuple\n"
        "from pydantic import BaseModel\n"
        "class Paths(NamedTuple):\n"
        "    bucket: str = 'nt-bucket'\n"
        "@dataclasses.dataclass(frozen=True)\n"
        "class Tables:\n"
        "    orders: str = 'orders'\n"
        "class Target(BaseModel):\n"
        "    queue: str = 'https://sqs.us-east-1.amazonaws.com/1/q'\n"
        "def handler(event, context):\n"
        "    p = Paths()._replace(bucket='other-bucket')\n"
        "    boto3.client('s3').get_object(Bucket=p.bucket, Key='k')\n"
        "    t = dataclasses.replace(Tables(), orders='orders-v2')\n"
        "    boto3.client('dynamodb').get_item(TableName=dataclasses.asdict(t)['orders'], Key={})\n"
        "    q = Target().model_copy(update={'queue': 'https://sqs.us-east-1.amazonaws.com/1/q2'})\n"
        "    boto3.client('sqs').send_message(QueueUrl=q.model_dump()['queue'], MessageBody='m')\n"
    ))
    # NOTE: attributes are kept by class: a copy's change is one more value of the field.
    assert got == {
        ("s3:GetObject", "arn:aws:s3:::nt-bucket/k"), ("s3:GetObject", "arn:aws:s3:::other-bucket/k"),
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/orders"),
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/orders-v2"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q"), ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q2"),
    }


def test_sorted_and_reversed_lists_are_in_their_new_order(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    s3.get_object(Bucket='-'.join(sorted(['west', 'east'])), Key='a')\n"
        "    s3.get_object(Bucket='-'.join(reversed(['x', 'y'])), Key='b')\n"
        "    s3.get_object(Bucket='-'.join(sorted(['p', 'q'], reverse=True)), Key='c')\n"
        "    # an order not known (an item not known, a set) may put any item anywhere\n"
        "    s3.get_object(Bucket='-'.join(sorted([event['p'], 'a'])), Key='d')\n"
        "    s3.get_object(Bucket='-'.join(set(['s1', 's2'])), Key='e')\n"
    ))
    assert got == {
        ("s3:GetObject", "arn:aws:s3:::east-west/a"), ("s3:GetObject", "arn:aws:s3:::y-x/b"),
        ("s3:GetObject", "arn:aws:s3:::q-p/c"), ("s3:GetObject", "arn:aws:s3:::*/d"), ("s3:GetObject", "arn:aws:s3:::*/e"),
    }


def test_format_fields_read_attributes_and_items_of_their_arguments(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "class Config:\n"
        "    bucket = 'cfg-bucket'\n"
        "NAMES = {'bucket': 'map-bucket'}\n"
        "PARTS = ['first', 'second']\n"
        "def handler(event, context):\n"
        "    s3 = boto3.client('s3')\n"
        "    s3.get_object(Bucket='{cfg.bucket}'.format(cfg=Config), Key='a')\n"
        "    s3.get_object(Bucket='{0[bucket]}-x'.format(NAMES), Key='b')\n"
        "    s3.get_object(Bucket='{names[bucket]}'.format_map({'names': NAMES}), Key='c')\n"
        "    s3.get_object(Bucket='{0[1]}-bucket'.format(PARTS), Key='d')\n"
        "    s3.get_object(Bucket='{e[b]}-bucket'.format(e=event), Key='e')\n"
    ))
    assert got == {
        ("s3:GetObject", "arn:aws:s3:::cfg-bucket/a"), ("s3:GetObject", "arn:aws:s3:::map-bucket-x/b"),
        ("s3:GetObject", "arn:aws:s3:::map-bucket/c"), ("s3:GetObject", "arn:aws:s3:::second-bucket/d"),
        ("s3:GetObject", "arn:aws:s3:::*-bucket/e"),
    }


def test_splits_with_a_limit_and_list_slices_take_the_right_parts(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "BUCKETS = ['b0', 'b1', 'b2']\n"
        "def handler(event, context):\n"
        "    s3.get_object(Bucket='a/b/c'.split('/', 1)[1].replace('/', '-'), Key='split')\n"
        "    s3.get_object(Bucket='x.y.z'.rsplit('.', 1)[0], Key='rsplit')\n"
        "    s3.get_object(Bucket=BUCKETS[0:2][1], Key='slice')\n"
        "    for bucket in BUCKETS[2:]:\n"
        "        s3.get_object(Bucket=bucket, Key='tail')\n"
        "    arn = 'arn:aws:s3:::' + event['b']\n"
        "    s3.get_object(Bucket=':'.join(arn.split(':')[:2]), Key='open')\n"
        "    s3.get_object(Bucket=('in/' + event['k'] + '/x-data').rpartition('/')[2], Key='rpartition')\n"
        "    s3.get_object(Bucket=f\"{'p/q/' + event['r']}\".split('/', 1)[1], Key='head')\n"
    ))
    assert got == {
        ("s3:GetObject", "arn:aws:s3:::b-c/split"), ("s3:GetObject", "arn:aws:s3:::x.y/rsplit"),
        ("s3:GetObject", "arn:aws:s3:::b1/slice"), ("s3:GetObject", "arn:aws:s3:::b2/tail"),
        ("s3:GetObject", "arn:aws:s3:::arn:aws/open"), ("s3:GetObject", "arn:aws:s3:::x-data/rpartition"),
        ("s3:GetObject", "arn:aws:s3:::q/*/head"),
    }


def test_text_operations_on_patterns_cover_every_value_they_stand_for(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import os, boto3\n"
        "s3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    parts = ['a', 'b'] if event['flat'] else ['c']\n"
        "    s3.get_object(Bucket='join', Key='/'.join(parts))\n"
        "    s3.get_object(Bucket='strip', Key=(event['x'] + '.').rstrip('.'))\n"
        "    s3.get_object(Bucket='suffix', Key=(event['x'] + '.' + event['y']).removesuffix('.gz'))\n"
        "    s3.get_object(Bucket='folder', Key=os.path.join(event.get('folder', ''), 'x.json'))\n"
        "    s3.get_object(Bucket='ext', Key=os.path.splitext(event['x'] + '.env')[0])\n"
    ))
    assert got == {
        # each list joined on its own, not their items run together
        ("s3:GetObject", "arn:aws:s3:::join/a/b"), ("s3:GetObject", "arn:aws:s3:::join/c"),
        # what is stripped may reach past an unknown part that is all dots
        ("s3:GetObject", "arn:aws:s3:::strip/*"),
        # the suffix may begin inside an unknown part
        ("s3:GetObject", "arn:aws:s3:::suffix/*.*"), ("s3:GetObject", "arn:aws:s3:::suffix/*"),
        # an empty folder gives no slash
        ("s3:GetObject", "arn:aws:s3:::folder/*/x.json"), ("s3:GetObject", "arn:aws:s3:::folder/x.json"),
        # a name that is all dots before the last one has no extension
        ("s3:GetObject", "arn:aws:s3:::ext/*"), ("s3:GetObject", "arn:aws:s3:::ext/*.env"),
    }


def test_every_pair_of_alternatives_gives_a_name(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    # two unknown parts added are an unknown name, not no name\n"
        "    s3.get_object(Bucket='add', Key=event['a'] + (event['b'] if event['c'] else 'fixed'))\n"
        "    s3.get_object(Bucket='count', Key='aa-aa'.replace('a', 'b', 1))\n"
        "    # a text replaced may straddle known text and an unknown part\n"
        "    s3.get_object(Bucket='straddle', Key=('x-' + event['a']).replace('--', '-'))\n"
        "    # the part after the last known separator runs into an unknown part\n"
        "    s3.get_object(Bucket='split', Key=('v.' + event['a'] + '/c').split('.')[1])\n"
    ))
    assert got == {
        ("s3:GetObject", "arn:aws:s3:::add/*"), ("s3:GetObject", "arn:aws:s3:::add/*fixed"),
        ("s3:GetObject", "arn:aws:s3:::count/ba-aa"), ("s3:GetObject", "arn:aws:s3:::straddle/*"),
        ("s3:GetObject", "arn:aws:s3:::split/*"),
    }


def test_a_text_a_loop_keeps_changing_covers_every_round(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "s3 = boto3.client('s3')\n"
        "def handler(event, context):\n"
        "    key = 'out/'\n"
        "    for _ in event['items']:\n"
        "        key += 'x'\n"
        "    s3.get_object(Bucket='loop', Key=key)\n"
        "    n, name = 0, 'v'\n"
        "    while n < event['count']:\n"
        "        name = 'a' + name\n"
        "        n += 1\n"
        "    s3.get_object(Bucket='while', Key=name)\n"
    ))
    # NOTE: two rounds gave out/, out/x and out/xx: a longer list makes a longer key.
    assert got == {("s3:GetObject", "arn:aws:s3:::loop/out/*"), ("s3:GetObject", "arn:aws:s3:::while/*v")}


def test_a_nested_function_rebinding_a_nonlocal_rebinds_it_at_every_call(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    bucket = 'first'\n"
        "    def reset():\n"
        "        nonlocal bucket\n"
        "        bucket = 'reset'\n"
        "    if event['flag']:\n"
        "        reset()\n"
        "        bucket = 'other'\n"
        "    reset()\n"
        "    boto3.client('s3').get_object(Bucket=bucket, Key='k')\n"
    ))
    assert ("s3:GetObject", "arn:aws:s3:::reset/k") in got


def test_calls_in_a_loop_body_are_made_with_every_name_a_later_round_gives(tmp_path: Path) -> None:
    got = _perms(tmp_path, (
        "import boto3\n"
        "def handler(event, context):\n"
        "    name = 't'\n"
        "    request = {'Bucket': 'b', 'Key': 'k'}\n"
        "    for item in event['items']:\n"
        "        name += 'x'\n"
        "        boto3.resource('dynamodb').Table(name).get_item(Key={})\n"
        "        request.update(Key=request['Key'] + '/' + item)\n"
        "    boto3.client('s3').get_object(**request)\n"
    ))
    assert ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:1:table/t*x") in got
    assert ("s3:GetObject", "arn:aws:s3:::b/k*") in got


def test_an_attribute_a_subclass_sets_is_read_from_its_base_before_the_write(tmp_path: Path) -> None:
    """``Sub.base = x`` or ``self.base = x`` in a subclass whose body does not define
    ``base``: a read before the write is the base class's value, so both names are allowed."""
    (tmp_path / "lib.py").write_text(
        "import boto3\n"
        "class Reader:\n"
        "    base = 'rb/'\n"
        "    def read(self, key):\n"
        "        boto3.client('s3').get_object(Bucket='b', Key=self.base + key)\n"
    )
    got = _perms(tmp_path, (
        "from lib import Reader\n"
        "class AppReader(Reader):\n"
        "    def rename(self):\n"
        "        self.base = 'own/'\n"
        "class Other(Reader):\n"
        "    pass\n"
        "def handler(event, context):\n"
        "    reader = AppReader()\n"
        "    reader.read('a')\n"
        "    reader.rename()\n"
        "    reader.read('a')\n"
        "    Other().read('b')\n"
        "    Other.base = 'set/'\n"
        "    Other().read('b')\n"
    ))
    assert got == {("s3:GetObject", "arn:aws:s3:::b/rb/a"), ("s3:GetObject", "arn:aws:s3:::b/own/a"),
                   ("s3:GetObject", "arn:aws:s3:::b/rb/b"), ("s3:GetObject", "arn:aws:s3:::b/set/b")}


def test_methods_python_runs_for_syntax_are_reached(tmp_path: Path) -> None:
    """A context manager's ``__enter__``/``__exit__`` (with or without ``as``, and the async
    pair), an iterable's ``__iter__``/``__next__``, ``__getitem__``/``__setitem__``, a dict
    subclass's ``__missing__``, an operator's ``__add__``, ``__eq__``, ``__contains__``,
    ``__len__``, ``__bool__`` and a property's setter run where Python runs them; their
    calls were reported unreachable and not granted."""
    got = _perms(tmp_path, (
        "import asyncio\nimport boto3\n"
        "table = boto3.resource('dynamodb').Table('locks')\n"
        "class Lock:\n"
        "    def __enter__(self):\n"
        "        table.put_item(Item={'id': 'x'})\n"
        "    def __exit__(self, *exc):\n"
        "        table.delete_item(Key={'id': 'x'})\n"
        "class AsyncLock:\n"
        "    async def __aenter__(self):\n"
        "        boto3.client('sqs').send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/enter', MessageBody='m')\n"
        "    async def __aexit__(self, *exc):\n"
        "        boto3.client('sqs').send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/exit', MessageBody='m')\n"
        "class Keys:\n"
        "    def __iter__(self):\n"
        "        return self\n"
        "    def __next__(self):\n"
        "        return boto3.client('s3').get_object(Bucket='iter', Key='k')\n"
        "class Params(dict):\n"
        "    def __missing__(self, name):\n"
        "        return boto3.client('ssm').get_parameter(Name='/app/' + name)\n"
        "class Cache:\n"
        "    def __getitem__(self, key):\n"
        "        return boto3.client('s3').get_object(Bucket='cache', Key=key)\n"
        "    def __setitem__(self, key, value):\n"
        "        boto3.client('s3').put_object(Bucket='cache', Key=key, Body=value)\n"
        "    def __len__(self):\n"
        "        return boto3.client('s3').list_objects_v2(Bucket='cache')['KeyCount']\n"
        "class Money:\n"
        "    def __add__(self, other):\n"
        "        boto3.client('sns').publish(TopicArn='arn:aws:sns:us-east-1:1:added', Message='m')\n"
        "        return self\n"
        "    def __eq__(self, other):\n"
        "        boto3.client('sns').publish(TopicArn='arn:aws:sns:us-east-1:1:compared', Message='m')\n"
        "        return True\n"
        "    def __contains__(self, item):\n"
        "        boto3.client('sns').publish(TopicArn='arn:aws:sns:us-east-1:1:contains', Message='m')\n"
        "        return True\n"
        "    def __bool__(self):\n"
        "        boto3.client('sns').publish(TopicArn='arn:aws:sns:us-east-1:1:truth', Message='m')\n"
        "        return True\n"
        "class Settings:\n"
        "    @property\n"
        "    def stage(self):\n"
        "        return 'dev'\n"
        "    @stage.setter\n"
        "    def stage(self, value):\n"
        "        boto3.client('ssm').put_parameter(Name='/stage', Value=value, Overwrite=True)\n"
        "async def main():\n"
        "    async with AsyncLock():\n"
        "        pass\n"
        "def handler(event, context):\n"
        "    with Lock():\n"
        "        pass\n"
        "    asyncio.run(main())\n"
        "    for _ in Keys():\n"
        "        break\n"
        "    Params()['db']\n"
        "    cache = Cache()\n"
        "    cache['read']\n"
        "    cache['written'] = b'x'\n"
        "    len(cache)\n"
        "    money = Money()\n"
        "    money + 1\n"
        "    money == 2\n"
        "    'x' in money\n"
        "    if money:\n"
        "        pass\n"
        "    Settings().stage = 'prod'\n"
    ))
    assert got == {
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:1:table/locks"),
        ("dynamodb:DeleteItem", "arn:aws:dynamodb:us-east-1:1:table/locks"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:enter"),
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:exit"),
        ("s3:GetObject", "arn:aws:s3:::iter/k"),
        ("ssm:GetParameter", "arn:aws:ssm:us-east-1:1:parameter/app/db"),
        ("s3:GetObject", "arn:aws:s3:::cache/read"),
        ("s3:PutObject", "arn:aws:s3:::cache/written"),
        ("s3:ListBucket", "arn:aws:s3:::cache"),
        ("sns:Publish", "arn:aws:sns:us-east-1:1:added"),
        ("sns:Publish", "arn:aws:sns:us-east-1:1:compared"),
        ("sns:Publish", "arn:aws:sns:us-east-1:1:contains"),
        ("sns:Publish", "arn:aws:sns:us-east-1:1:truth"),
        ("ssm:PutParameter", "arn:aws:ssm:us-east-1:1:parameter/stage"),
    }


def test_classes_registered_as_they_are_made_are_reached(tmp_path: Path) -> None:
    """Plugin registries Python fills when a class is made (``__init_subclass__``, a
    metaclass's ``__init__``, ``__set_name__``), ``cls.__subclasses__()``, ``globals()[name]``
    and ``operator.methodcaller`` reach the methods they name; a function nothing names is
    still not granted."""
    got = _perms(tmp_path, (
        "import operator\nimport boto3\n"
        "s3 = boto3.client('s3')\n"
        "class Plugin:\n"
        "    registry = []\n"
        "    def __init_subclass__(cls, **kwargs):\n"
        "        super().__init_subclass__(**kwargs)\n"
        "        Plugin.registry.append(cls)\n"
        "class Export(Plugin):\n"
        "    def run(self):\n"
        "        s3.put_object(Bucket='b', Key='export', Body=b'')\n"
        "HANDLERS = {}\n"
        "class Registered(type):\n"
        "    def __init__(cls, name, bases, namespace):\n"
        "        super().__init__(name, bases, namespace)\n"
        "        HANDLERS[name] = cls\n"
        "class Base(metaclass=Registered):\n"
        "    def run(self):\n"
        "        pass\n"
        "class Archive(Base):\n"
        "    def run(self):\n"
        "        s3.put_object(Bucket='b', Key='archive', Body=b'')\n"
        "class Step:\n"
        "    def run(self):\n"
        "        pass\n"
        "class Copy(Step):\n"
        "    def run(self):\n"
        "        s3.put_object(Bucket='b', Key='copy', Body=b'')\n"
        "def on_create(event):\n"
        "    s3.put_object(Bucket='b', Key='created', Body=b'')\n"
        "def unused(event):\n"
        "    s3.put_object(Bucket='b', Key='unused', Body=b'')\n"
        "class Job:\n"
        "    def go(self):\n"
        "        s3.put_object(Bucket='b', Key='job', Body=b'')\n"
        "def handler(event, context):\n"
        "    for plugin in Plugin.registry:\n"
        "        plugin().run()\n"
        "    HANDLERS[event['kind']]().run()\n"
        "    for step in Step.__subclasses__():\n"
        "        step().run()\n"
        "    globals()['on_' + event['action']](event)\n"
        "    operator.methodcaller('go')(Job())\n"
    ))
    assert got == {("s3:PutObject", f"arn:aws:s3:::b/{key}") for key in ("export", "archive", "copy", "created", "job")}


def test_implementations_lazy_values_and_closers_python_runs_are_reached(tmp_path: Path) -> None:
    """A ``singledispatch`` function's registered implementations (of a method too), a
    class decorator's registry, a descriptor's ``__get__``, ``contextlib.closing``'s
    ``close()``, a JSON encoder class's ``default`` and ``sys.modules[__name__]`` run the
    code they name; an implementation of a function nothing calls is still not granted."""
    got = _perms(tmp_path, (
        "import contextlib\nimport functools\nimport json\nimport sys\nimport boto3\n"
        "s3 = boto3.client('s3')\n"
        "@functools.singledispatch\n"
        "def process(item):\n"
        "    pass\n"
        "@process.register(dict)\n"
        "def _(item):\n"
        "    s3.get_object(Bucket='b', Key='dict')\n"
        "@functools.singledispatch\n"
        "def never(item):\n"
        "    pass\n"
        "@never.register(str)\n"
        "def _(item):\n"
        "    s3.get_object(Bucket='b', Key='never')\n"
        "class Shapes:\n"
        "    @functools.singledispatchmethod\n"
        "    def area(self, shape):\n"
        "        pass\n"
        "    @area.register\n"
        "    def _(self, shape: int):\n"
        "        s3.get_object(Bucket='b', Key='method')\n"
        "PLUGINS = []\n"
        "def plugin(cls):\n"
        "    PLUGINS.append(cls)\n"
        "    return cls\n"
        "@plugin\n"
        "class Export:\n"
        "    def run(self):\n"
        "        s3.get_object(Bucket='b', Key='plugin')\n"
        "class LazyClient:\n"
        "    def __get__(self, obj, owner):\n"
        "        return boto3.client('sqs')\n"
        "class Queue:\n"
        "    client = LazyClient()\n"
        "    def send(self):\n"
        "        self.client.send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q', MessageBody='m')\n"
        "class Upload:\n"
        "    def close(self):\n"
        "        s3.get_object(Bucket='b', Key='closed')\n"
        "class Encoder(json.JSONEncoder):\n"
        "    def default(self, o):\n"
        "        return s3.get_object(Bucket='b', Key='encoded')\n"
        "def by_name(event):\n"
        "    s3.get_object(Bucket='b', Key='by-name')\n"
        "def handler(event, context):\n"
        "    process(event)\n"
        "    Shapes().area(3)\n"
        "    for cls in PLUGINS:\n"
        "        cls().run()\n"
        "    Queue().send()\n"
        "    with contextlib.closing(Upload()):\n"
        "        pass\n"
        "    json.dumps(event, cls=Encoder)\n"
        "    getattr(sys.modules[__name__], 'by_' + 'name')(event)\n"
    ))
    assert got == {
        *{("s3:GetObject", f"arn:aws:s3:::b/{key}") for key in ("dict", "method", "plugin", "closed", "encoded", "by-name")},
        ("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q"),
    }


def test_an_iterator_an_iter_method_returns_gives_the_items_of_what_it_iterates(tmp_path: Path) -> None:
    """``__iter__`` returning ``iter(self.pairs)`` gives the pairs (not the characters of
    each name), and ``next(iter(names))`` a name: a loop over the instance unpacks rows."""
    got = _perms(tmp_path, (
        "import boto3\ns3 = boto3.client('s3')\n"
        "class Pairs:\n"
        "    def __init__(self):\n"
        "        self.pairs = [('b1', 'k1')]\n"
        "    def __iter__(self):\n"
        "        return iter(self.pairs)\n"
        "def handler(event, context):\n"
        "    for bucket, key in Pairs():\n"
        "        s3.get_object(Bucket=bucket, Key=key)\n"
        "    s3.get_object(Bucket='y', Key=next(iter(['first'])))\n"
    ))
    assert got == {("s3:GetObject", "arn:aws:s3:::b1/k1"), ("s3:GetObject", "arn:aws:s3:::y/first")}


def test_an_instance_text_is_what_its_str_or_repr_returns(tmp_path: Path) -> None:
    """``str(x)``, ``f"{x}"``, ``f"{x!r}"`` and ``repr(x)`` of an instance are what its class's
    ``__str__``/``__repr__`` return (not quoted again); ``repr`` of text quotes it."""
    got = _perms(tmp_path, (
        "import boto3\ns3 = boto3.client('s3')\n"
        "class S3Path:\n"
        "    def __init__(self, key):\n"
        "        self.key = key\n"
        "    def __str__(self):\n"
        "        return 'in/' + self.key\n"
        "    def __repr__(self):\n"
        "        return 'P(' + self.key + ')'\n"
        "def handler(event, context):\n"
        "    s3.get_object(Bucket='a', Key=str(S3Path('k')))\n"
        "    s3.get_object(Bucket='b', Key=f'{S3Path(\"k\")}.json')\n"
        "    s3.get_object(Bucket='c', Key=f'{S3Path(\"k\")!r}' + repr(S3Path('k')) + repr('q'))\n"
    ))
    assert got == {("s3:GetObject", "arn:aws:s3:::a/in/k"), ("s3:GetObject", "arn:aws:s3:::b/in/k.json"),
                   ("s3:GetObject", "arn:aws:s3:::c/P(k)P(k)'q'")}


def test_a_list_or_dict_default_keeps_what_earlier_calls_put_in_it(tmp_path: Path) -> None:
    """A default is one object for every call: ``collect('second')`` returns a list that
    still holds 'first', and a dict default filled by the first call answers the second."""
    got = _perms(tmp_path, (
        "import boto3\ns3 = boto3.client('s3')\n"
        "def collect(k, acc=[]):\n"
        "    acc.append(k)\n"
        "    return acc\n"
        "def first(k, *, seen={}):\n"
        "    seen.setdefault('k', k)\n"
        "    return seen['k']\n"
        "def handler(event, context):\n"
        "    collect('first')\n"
        "    s3.get_object(Bucket='list', Key=collect('second')[0])\n"
        "    first('one')\n"
        "    s3.get_object(Bucket='dict', Key=first('two'))\n"
    ))
    assert {("s3:GetObject", "arn:aws:s3:::list/first"), ("s3:GetObject", "arn:aws:s3:::dict/one")} <= got
    assert all(resource.startswith(("arn:aws:s3:::list/", "arn:aws:s3:::dict/")) and "*" not in resource for _, resource in got)


def test_a_closure_that_changes_its_enclosing_list_runs_at_each_call(tmp_path: Path) -> None:
    """``bump()`` appends to the list of the function that made it: its second call returns
    what the first added to, so both keys are allowed (a remembered result gave the first)."""
    got = _perms(tmp_path, (
        "import boto3\ns3 = boto3.client('s3')\n"
        "def counter():\n"
        "    n = ['c0']\n"
        "    def bump():\n"
        "        n.append(n[-1] + '+')\n"
        "        return n[-1]\n"
        "    return bump\n"
        "def handler(event, context):\n"
        "    b = counter()\n"
        "    s3.get_object(Bucket='b', Key=b())\n"
        "    s3.get_object(Bucket='b', Key=b())\n"
    ))
    assert {("s3:GetObject", "arn:aws:s3:::b/c0+"), ("s3:GetObject", "arn:aws:s3:::b/c0++")} <= got


def test_augmented_assignment_changes_a_list_or_dict_in_place(tmp_path: Path) -> None:
    """``m += [k]``, ``m += other_iterable`` and ``f |= {...}`` change the object in place:
    another name of the same list or dict sees the new items (they were only the new name's)."""
    got = _perms(tmp_path, (
        "import boto3\ns3 = boto3.client('s3')\n"
        "def more():\n"
        "    yield 'g1'\n"
        "def handler(event, context):\n"
        "    keys = ['l0']\n"
        "    alias = keys\n"
        "    alias += ['l1']\n"
        "    alias += more()\n"
        "    for k in keys:\n"
        "        s3.get_object(Bucket='list', Key=k)\n"
        "    request = {'Key': 'e0'}\n"
        "    params = request\n"
        "    params |= {'Key': 'e1'}\n"
        "    s3.get_object(Bucket='dict', **request)\n"
    ))
    needed = {("s3:GetObject", f"arn:aws:s3:::list/{k}") for k in ("l0", "l1", "g1")} | {("s3:GetObject", "arn:aws:s3:::dict/e1")}
    assert needed <= got
    assert all("*" not in resource for _, resource in got)


def test_an_async_iterator_runs_its_anext(tmp_path: Path) -> None:
    """``async for`` over an instance runs its class's ``__aiter__`` and ``__anext__`` (a
    paginating wrapper) and binds what ``__anext__`` returns."""
    got = _perms(tmp_path, (
        "import asyncio\nimport boto3\ns3 = boto3.client('s3')\n"
        "class Pages:\n"
        "    def __aiter__(self):\n"
        "        return self\n"
        "    async def __anext__(self):\n"
        "        s3.list_objects_v2(Bucket='pages')\n"
        "        return 'k'\n"
        "async def main():\n"
        "    async for key in Pages():\n"
        "        s3.get_object(Bucket='b', Key=key)\n"
        "def handler(event, context):\n"
        "    asyncio.run(main())\n"
    ))
    assert got == {("s3:ListBucket", "arn:aws:s3:::pages"), ("s3:GetObject", "arn:aws:s3:::b/k")}


def test_a_module_getattr_gives_the_names_the_module_does_not_define(tmp_path: Path) -> None:
    """A module of lazily made clients (PEP 562's module ``__getattr__``): ``clients.sqs``
    and ``from clients import s3`` are what it returns (they were unresolved)."""
    (tmp_path / "clients.py").write_text(
        "import boto3\n_cache = {}\n"
        "def __getattr__(name):\n"
        "    if name not in _cache:\n"
        "        _cache[name] = boto3.client(name)\n"
        "    return _cache[name]\n"
    )
    got = _perms(tmp_path, (
        "import clients\nfrom clients import s3\n"
        "def handler(event, context):\n"
        "    clients.sqs.send_message(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q', MessageBody='m')\n"
        "    s3.get_object(Bucket='b', Key='k')\n"
    ))
    assert got == {("sqs:SendMessage", "arn:aws:sqs:us-east-1:1:q"), ("s3:GetObject", "arn:aws:s3:::b/k")}


def test_a_client_that_may_hide_in_a_value_not_known_is_reported(tmp_path: Path) -> None:
    """An item or attribute named for a service of a value lpgen cannot see into
    (``clients["sns"].publish``) and what a call given a client or a service's name returns
    (``dict.fromkeys(names, s3)``, ``aws.client_for("dynamodb")``) may be clients: their calls are reported as unresolved,
    where they were dropped without a word."""
    src = tmp_path / "app.py"
    src.write_text(
        "import boto3\nfrom shared_layer import aws, get_clients\n"
        "def publish_all(clients):\n"
        "    clients['sns'].publish(TopicArn='arn:aws:sns:us-east-1:1:t', Message='m')\n"
        "    clients.sqs.purge_queue(QueueUrl='https://sqs.us-east-1.amazonaws.com/1/q')\n"
        "def handler(event, context):\n"
        "    publish_all(get_clients())\n"
        "    by_name = dict.fromkeys(['a', 'b'], boto3.client('s3'))\n"
        "    by_name['a'].get_object(Bucket='b', Key='k')\n"
        "    aws.client_for('dynamodb').query(TableName='t')\n"
        "    aws.settings().query(TableName='t')\n"
    )
    result = api.suggest([str(src)], region="us-east-1", account="1")
    # NOTE: a library's result with no sign of a client keeps one-word methods quiet (line 11).
    assert sorted(u.location.line for u in result.analysis.unresolved) == [4, 5, 9, 10]


@pytest.mark.parametrize("key", [
    "posixpath.join('in', '/'.join(list(dict.fromkeys(['', event['x']]))) + event['x'])",
    "posixpath.join('in', '/'.join(list({'': None, event['x']: None})))",
    "posixpath.join('in', os.path.split('/' + event['x'])[0])",
])
def test_a_folder_that_may_start_at_the_root_is_not_put_under_the_first_one(tmp_path: Path, key: str) -> None:
    """``os.path.join`` drops what comes before an absolute part. A text joined with ``/``
    from items not known one by one may start with it (an empty first item), and the folder
    of ``/name`` is ``/``: either may be such a part, so the policy allows the key Python
    computes (``/__`` and ``/`` here), not only keys under ``in/``."""
    policy = _policy(tmp_path, "import os, posixpath\nimport boto3\n\n\ndef handler(event, context):\n"
                     f"    boto3.client('s3').get_object(Bucket='b', Key={key})\n")
    event = {"x": "_"}
    computed = eval(key, {"os": os, "posixpath": posixpath, "event": event})  # noqa: S307 - the test's own expression
    assert computed.startswith("/")
    assert allows(policy, "s3:GetObject", f"arn:aws:s3:::b/{computed}"), policy.dumps()


def test_a_list_added_to_one_whose_items_are_not_known_one_by_one_may_have_any_number(tmp_path: Path) -> None:
    """``['x'] + list(gen(...))``: a generator's items are one item standing for every item,
    so the sum is not a list of two items. It was taken as one (``x-a/`` and ``x-b/``),
    while the key is ``x-a/-b/``."""
    policy = _policy(
        tmp_path,
        "import boto3\n\n\ndef gen(items):\n    for p in items:\n        yield p + '/'\n\n\n"
        "def handler(event, context):\n"
        "    names = ['x'] + list(gen(['a', 'b']))\n"
        "    boto3.client('s3').get_object(Bucket='b', Key='-'.join(names))\n",
    )
    assert allows(policy, "s3:GetObject", "arn:aws:s3:::b/x-a/-b/"), policy.dumps()


def test_a_list_a_loop_changes_in_every_round_may_have_any_length(tmp_path: Path) -> None:
    """``l *= 2`` in a loop over the event's items: the loop may run any number of times,
    so the list may have any length. Each round's list was kept as it was (``x``, ``x-x``,
    ``x-x-x-x``), while three items give eight."""
    policy = _policy(
        tmp_path,
        "import boto3\n\n\ndef handler(event, context):\n"
        "    names = ['x']\n"
        "    for item in event['items']:\n"
        "        names *= 2\n"
        "    boto3.client('s3').get_object(Bucket='b', Key='-'.join(names))\n",
    )
    assert allows(policy, "s3:GetObject", "arn:aws:s3:::b/" + "-".join(["x"] * 8)), policy.dumps()
