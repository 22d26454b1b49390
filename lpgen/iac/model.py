"""What lpgen reads from a template: functions, their environment, event sources."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from lpgen.errors import TemplateError
from lpgen.permissions.arns import Scope
from lpgen.permissions.model import Evidence, Finding, Permission

# NOTE: the permissions Lambda's event source mapping uses with the function's own role
# (https://docs.aws.amazon.com/lambda/latest/dg/with-sqs.html#events-sqs-permissions,
# with-kinesis.html#services-kinesis-permissions, with-ddb.html#events-dynamodb-permissions).
POLLER_ACTIONS: dict[str, tuple[str, ...]] = {
    "sqs": ("sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"),
    "kinesis": (
        "kinesis:GetRecords", "kinesis:GetShardIterator", "kinesis:DescribeStream",
        "kinesis:DescribeStreamSummary", "kinesis:ListShards",
    ),
    "dynamodb": (
        "dynamodb:GetRecords", "dynamodb:GetShardIterator", "dynamodb:DescribeStream",
        "dynamodb:ListStreams",
    ),
}
# What a poller reaching its source through the VPC takes: the network interfaces it makes
# there (with-msk.html "Execution role permissions", with-mq.html, with-kafka.html).
THROUGH_VPC = (
    "ec2:CreateNetworkInterface", "ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs",
    "ec2:DeleteNetworkInterface", "ec2:DescribeSubnets", "ec2:DescribeSecurityGroups",
)
# Amazon MSK and Amazon MQ sources: the poller describes the cluster or broker and reaches
# it through the VPC.
POLLER_ACTIONS["kafka"] = ("kafka:DescribeCluster", "kafka:DescribeClusterV2", "kafka:GetBootstrapBrokers", *THROUGH_VPC)
POLLER_ACTIONS["mq"] = ("mq:DescribeBroker", *THROUGH_VPC)
# Amazon DocumentDB change streams (an ``rds`` cluster ARN): the poller describes the cluster,
# its parameter groups and subnet groups, and reaches it through the VPC (what aws-sam-translator's
# DocumentDB event source grants).
POLLER_ACTIONS["rds"] = ("rds:DescribeDBClusters", "rds:DescribeDBClusterParameters", "rds:DescribeDBSubnetGroups", *THROUGH_VPC)
# A self-managed Kafka cluster reached through a VPC (VPC_SUBNET in SourceAccessConfigurations;
# what aws-sam-translator's SelfManagedKafka event grants).
POLLER_ACTIONS["kafka-vpc"] = THROUGH_VPC
POLLED = ("sqs", "kinesis", "dynamodb", "kafka", "mq", "rds")
"""the services of the event source ARNs a mapping polls (``POLLER_ACTIONS``)."""
POLLER_ACCOUNT_RESOURCES = {"rds:DescribeDBClusterParameters": "cluster-pg:*", "rds:DescribeDBSubnetGroups": "subgrp:*"}
"""actions a poller takes on resources of the source's account other than the source: the
resource (after ``arn:partition:service:region:account:``) they are granted on."""
NO_RESOURCE_LEVEL = {
    "dynamodb:ListStreams", "ec2:DescribeNetworkInterfaces", "ec2:DescribeVpcs", "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups", "ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface",
}
# Where a function's failed (or finished) asynchronous invocations go: Lambda sends them with
# the function's role (invocation-async.html "Dead-letter queues", "Destinations").
TARGET_ACTIONS = {"sqs": "sqs:SendMessage", "sns": "sns:Publish", "lambda": "lambda:InvokeFunction",
                  "events": "events:PutEvents"}


SECRET_ACCESS = ("BASIC_AUTH", "SASL_SCRAM_256_AUTH", "SASL_SCRAM_512_AUTH", "CLIENT_CERTIFICATE_TLS_AUTH",
                 "SERVER_ROOT_CA_CERTIFICATE")
"""the ``SourceAccessConfigurations`` types whose URI is a secret the poller reads with the
function's role (with-mq.html, with-kafka.html, with-documentdb.html: secretsmanager:GetSecretValue)."""


def source_secrets(configurations: Any, text: Any) -> list[str]:
    """The secrets a list of ``SourceAccessConfigurations`` (``{Type, URI}``, or Terraform's
    ``{type, uri}``) names, as ``text`` makes each URI a string."""
    out: list[str] = []
    for conf in configurations if isinstance(configurations, list) else ():
        if not isinstance(conf, dict):
            continue
        kind, uri = conf.get("Type", conf.get("type")), conf.get("URI", conf.get("uri"))
        if kind in SECRET_ACCESS and uri is not None:
            out.append(text(uri))
    return out


def arns(values: Any) -> tuple[str, ...]:
    """The ARNs among ``values``, each once, in order (what is not known here is dropped)."""
    return tuple(dict.fromkeys(v for v in values if v.startswith("arn:")))


def delivery(arn: str) -> list[tuple[str, str]]:
    """(action, resource) Lambda's delivery to a destination takes of the function's role:
    ``TARGET_ACTIONS``, or for an S3 bucket s3:PutObject in it and s3:ListBucket on it
    (invocation-async-retain-records.html, kafka-on-failure.html: "Your execution role must
    have permissions for the destination")."""
    service = arn_service(arn)
    if service == "s3":
        return [("s3:PutObject", f"{arn}/*"), ("s3:ListBucket", arn)]
    action = TARGET_ACTIONS.get(service)
    return [(action, arn)] if action else []


# What mounting a file system takes of the function's role: ClientWrite for a mount that
# writes, which is every mount Lambda makes (configuration-filesystem.html, "Execution role
# permissions").
FILE_SYSTEM_ACTIONS = ("elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite")
# What writing query results takes of the caller (Athena user guide, "Access to Amazon S3":
# the query results location), on the bucket and under the prefix.
QUERY_OUTPUT_BUCKET_ACTIONS = ("s3:GetBucketLocation", "s3:ListBucket", "s3:ListBucketMultipartUploads")
QUERY_OUTPUT_OBJECT_ACTIONS = ("s3:PutObject", "s3:GetObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts")


@dataclass(frozen=True)
class EventSource:
    """A source Lambda polls with the function's role."""

    kind: str
    """the source's service: ``sqs``, ``kinesis``, ``dynamodb``, ``kafka``, ``mq`` or ``rds``
    (a DocumentDB cluster); ``kafka-vpc`` for a self-managed Kafka cluster in a VPC; ``*``
    for a source known only at deploy, whose service is not known."""
    arn: str
    line: int = 0
    path: str = ""
    """the file that defines it, when the template is several files (a Terraform module)."""
    grants: tuple[tuple[str, str], ...] = ()
    """(action, resource) the poller also needs for this source (an Amazon MSK cluster with
    IAM access control: its topics and consumer group)."""


@dataclass(frozen=True)
class S3Trigger:
    """An S3 notification that invokes the function: the bucket and the key filter."""

    bucket: str
    prefix: str = ""
    suffix: str = ""
    eventbridge: bool = False
    """delivered through EventBridge (``detail.bucket.name``), not as a notification."""


def sns_queue(event: Any) -> Any:
    """The queue an SNS event with ``SqsSubscription`` delivers through, which the function
    polls: ``True`` for the one SAM makes (``<Function><Event>Queue``), else the ``QueueArn``
    given; None for an event without one."""
    if not isinstance(event, dict) or event.get("Type") != "SNS":
        return None
    sub = (event.get("Properties") or {}).get("SqsSubscription")
    if sub is True or (isinstance(sub, str) and sub.lower() == "true"):
        return True
    return sub.get("QueueArn") if isinstance(sub, dict) else None

def eventbridge_s3(pattern: Any, resolve: Any) -> list[S3Trigger] | None:
    """The S3 events an EventBridge rule's pattern lets through (``source: [aws.s3]``, the
    ``detail.bucket.name`` list and one ``detail.object.key`` prefix or suffix filter), or
    None when the pattern may match events of another kind or of any bucket."""
    if not isinstance(pattern, dict) or pattern.get("source") not in (["aws.s3"], "aws.s3"):
        return None
    detail: dict[str, Any] = pattern["detail"] if isinstance(pattern.get("detail"), dict) else {}
    bucket: dict[str, Any] = detail["bucket"] if isinstance(detail.get("bucket"), dict) else {}
    names = bucket.get("name")
    if not isinstance(names, list) or not names or not all(isinstance(n, (str, dict)) for n in names):
        return None
    obj: dict[str, Any] = detail["object"] if isinstance(detail.get("object"), dict) else {}
    keys = obj.get("key")
    prefix = suffix = ""
    if isinstance(keys, list) and len(keys) == 1 and isinstance(keys[0], dict) and len(keys[0]) == 1:
        (kind, value), = keys[0].items()
        if kind == "prefix" and isinstance(value, (str, dict)):
            prefix = resolve(value)
        elif kind == "suffix" and isinstance(value, (str, dict)):
            suffix = resolve(value)
    return [S3Trigger(resolve(n), prefix, suffix, eventbridge=True) for n in names]


@dataclass(frozen=True)
class EncryptedResource:
    """A template resource encrypted with a customer managed key."""

    logical: str
    patterns: tuple[str, ...]
    """ARN patterns of the resource (and of what it holds, e.g. a bucket's objects)."""
    key_arn: str
    service: str
    actions: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False, compare=False)
    line: int = 0
    key_logical: str = ""
    """the template's own key (``AWS::KMS::Key``) it is encrypted with, when it names one."""
    key_alias: str = ""
    """the alias (``alias/orders``) that names the key, when only an alias does: the key is
    then any of the account's with that alias (``kms:ResourceAliases``)."""


@dataclass(frozen=True)
class PassedRoles:
    """A template resource whose roles are passed on by the calls that run it."""

    logical: str
    patterns: tuple[str, ...]
    roles: tuple[str, ...]
    actions: tuple[str, ...]
    passed_to: str
    line: int = 0


class Unresolved(str):
    """A value known only when the template deploys (a parameter without a default, another
    stack's export, an SSM parameter): ``*`` as a pattern (or a pattern with ``*`` where such
    values are part of it), and why.

    Today's policy keeps it where a statement's ``Resource`` is such a value, so that the
    review compares the statement as if it allowed what the code needs and says why,
    instead of calling the template's scoped ARN a ``Resource "*"``."""

    why: str

    def __new__(cls, why: str, text: str = "*") -> Unresolved:
        self = super().__new__(cls, text)
        self.why = why
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return Unresolved, (self.why, str(self))


def unresolved_in(text: str, parts: Any) -> str:
    """``text``, made of ``parts``, as an ``Unresolved`` when some of them are (a name
    ``!Sub "orders-${Stage}"`` builds with a parameter without a default): why they are."""
    whys = list(dict.fromkeys(p.why for p in parts if isinstance(p, Unresolved)))
    return Unresolved(", ".join(whys), text) if whys else text


@dataclass(frozen=True)
class CurrentPolicy:
    """What a template grants a function today."""

    policy: Any
    """``lpgen.policy.model.PolicyDocument`` of the statements lpgen can read."""
    managed: tuple[str, ...] = ()
    """managed policy ARNs attached (their content is not in the template)."""
    role: str | None = None
    """the role's logical id or ARN."""
    shared_with: tuple[str, ...] = ()
    """other functions of the template that use the same role."""
    unknown: str = ""
    """why today's policy cannot be read (a role defined elsewhere), when it cannot."""
    boundary: Any = None
    """the role's permissions boundary (a ``PolicyDocument``) when the template defines it:
    what the role may do is what both allow."""
    boundary_arn: str = ""
    """the boundary's ARN when one is set whose content the template does not hold."""


@dataclass(frozen=True)
class DataLocation:
    """Where a catalog table's data lives (a Glue table's StorageDescriptor.Location), or
    where an Athena workgroup writes its query results (``writes``)."""

    arn: str
    """the table's, or the workgroup's."""
    bucket: str
    prefix: str
    line: int = 0
    writes: bool = False

    @classmethod
    def at(cls, arn: str, location: str, line: int = 0, writes: bool = False) -> DataLocation | None:
        """The location an ``s3://bucket/prefix`` URL names, or None for another URL. Query
        results go under the prefix as a folder (``s3://out/reports`` is ``reports/``)."""
        if not location.startswith("s3://"):
            return None
        bucket, _, prefix = location[5:].partition("/")
        if writes and prefix and not prefix.endswith("/"):
            prefix += "/"
        return cls(arn, bucket, prefix, line, writes)


def follow(value: Any, path: list[str | int]) -> Any:
    """The part of a template value a path of keys and list indexes leads to, or None."""
    for part in path:
        if isinstance(part, int):
            value = value[part] if isinstance(value, list) and len(value) > part else None
        else:
            value = value.get(part) if isinstance(value, dict) else None
    return value


_PLACEHOLDER = re.compile(r"\$\{[^}]*\}")


def arn_service(arn: str) -> str:
    """The service part of an ARN, also when a template's placeholders fill its other parts
    (``arn:${AWS::Partition}:sqs:${AWS::Region}:…``, whose colons are not the ARN's)."""
    parts = _PLACEHOLDER.sub("x", arn).split(":")
    return parts[2] if len(parts) > 2 and parts[0] == "arn" else ""


@dataclass(frozen=True)
class FunctionInfo:
    """One function of a template."""

    name: str
    handler: str | None
    """module.function, as the runtime resolves it from ``code_root``."""
    code_root: str | None
    environment: dict[str, str] = field(default_factory=dict)
    event_sources: tuple[EventSource, ...] = ()
    line: int = 0
    function_name: str | None = None
    """the deployed function's name, when the template says or implies it."""
    targets: tuple[str, ...] = ()
    """ARNs Lambda delivers the function's async results to (dead-letter queue, destinations)."""
    layers: tuple[str, ...] = ()
    """folders of the function's layers defined in the template, as the runtime imports them."""
    layer_arns: tuple[str, ...] = ()
    """ARNs of the function's layers published elsewhere (an extension AWS or a vendor ships)."""
    role_arn: str | None = None
    """the execution role's ARN, when the template names it."""
    path: str = ""
    """the file that defines the function, when the template is several files (a Terraform
    module); ``line`` is in that file."""
    s3_triggers: tuple[S3Trigger, ...] = ()
    """the S3 notifications that invoke the function, when they are its only events: the
    event's bucket and key are theirs."""
    runtime: str | None = None
    """the Lambda runtime the template names (``python3.12``), when it names one."""
    inline_code: str | None = None
    """the function's code when the template holds it (``Code.ZipFile``, ``InlineCode``)."""
    inline_line: int = 0
    """the template line the inline code starts on (0 when not known)."""
    defaulted: tuple[tuple[str, str, int], ...] = ()
    """(parameter, default, line) of the template parameters the function's environment
    took the default of: the deployed stack may be given another value."""
    dynamic: tuple[tuple[str, str, int], ...] = ()
    """(variable, source, line) of the environment's values the template takes from where
    it cannot be read: a dynamic reference (``{{resolve:ssm:/app/table}}``, filled in when the
    stack deploys), another stack's export, a parameter without a value."""
    deployed_from: str = ""
    """where the deployed code comes from when the template names no local copy of it (an
    S3 object): ``code_root`` is then a guess (the template's folder)."""
    file_systems: tuple[str, ...] = ()
    """ARNs of the EFS access points the function mounts: Lambda mounts them with the
    function's role."""
    event_inputs: tuple[str, ...] = ()
    """the constant JSON inputs its events deliver in place of their own (a schedule's or a
    rule's ``Input``), when its events are those and S3 notifications only."""
    packaged: tuple[str, ...] | None = None
    """the Python files of ``code_root`` the function's package holds, when the template
    chooses them (serverless.yml's ``package.patterns``): its code is those only; None when
    the package is the whole folder."""
    rotated_secrets: tuple[str, ...] = ()
    """the secrets whose rotation schedule invokes the function, when that is all that
    invokes it: the event's ``SecretId`` is one of them."""
    tool_grants: tuple[tuple[str, str], ...] = ()
    """(action, resource) the deployment tool adds to the role it makes for the function,
    beyond what the template writes: serverless.yml's ``onError`` and ``destinations``."""
    discarded_to: tuple[str, ...] = ()
    """where its event source mappings send the records of batches they discard (an
    ``OnFailure`` destination of a stream or Kafka source): Lambda sends them with the
    function's role."""
    source_secrets: tuple[str, ...] = ()
    """the Secrets Manager secrets its event sources sign in or check certificates with
    (``SourceAccessConfigurations`` of MQ, Kafka and DocumentDB sources): Lambda reads them
    with the function's role."""
    source_keys: tuple[str, ...] = ()
    """the KMS keys those secrets are encrypted with, when the template names them (SAM's
    ``SecretsManagerKmsKeyId``): reading a secret decrypts it with the caller's rights."""
    in_vpc: bool = False
    """it runs in a VPC (a VpcConfig with subnets): Lambda manages its network interfaces
    with the role."""
    traced: bool = False
    """active X-Ray tracing: Lambda sends its traces with the role."""
    log_group: str = ""
    """the log group it writes to when the template names one (``LoggingConfig``); else
    ``/aws/lambda/`` and its name."""

    @property
    def is_python(self) -> bool:
        """Does the function run Python (or is its runtime not named: a container image)?"""
        return not self.runtime or "*" in self.runtime or self.runtime.startswith("python")

    def handler_files(self) -> tuple[str, str]:
        """The files its handler's module may be, under its code folder: ``module.py`` or the
        package's ``__init__.py`` (``src/app.handler`` and ``src.app.handler`` alike)."""
        module = (self.handler or "").rpartition(".")[0].replace("/", ".")
        base = os.path.join(os.path.abspath(self.code_root or "."), *module.split("."))
        return base + ".py", os.path.join(base, "__init__.py")


@dataclass
class Template:
    """A parsed template and the functions it defines."""

    path: str
    kind: str
    functions: dict[str, FunctionInfo]
    scope: Scope
    encrypted: tuple[EncryptedResource, ...] = ()
    passed_roles: tuple[PassedRoles, ...] = ()
    data_locations: tuple[DataLocation, ...] = ()
    ssm_parameters: tuple[tuple[str, str], ...] = ()
    """(name, value) of the SSM parameters the template makes (``AWS::SSM::Parameter``,
    ``aws_ssm_parameter``): what code reads of them by name is their value."""
    source: Any = field(default=None, repr=False, compare=False)
    inputs: tuple[str, ...] = ()
    """files besides the template that decide what it deploys (serverless.yml's
    ``${file(…)}`` and dotenv files), as absolute paths."""
    """the resolved document and its resolver, for reading today's policy."""
    not_created: tuple[tuple[str, str, str], ...] = ()
    """(logical id, type, why) of the resources the template would make but does not with
    these parameters (a ``Condition`` that is false)."""

    def current_policy(self, fn: FunctionInfo) -> CurrentPolicy:
        """The policy the template gives ``fn`` today (see ``lpgen.iac.current``)."""
        from lpgen.iac.current import current_policy

        try:
            return current_policy(self, fn)
        except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
            raise TemplateError(f"{self.path}: unexpected structure in {fn.name}'s policy ({structure_problem(exc)})") from exc

    def function(self, name: str | None, paths: Sequence[str] = ()) -> FunctionInfo:
        """The function named, or the only one; with no name and several functions, the one
        whose code ``paths`` (files or folders) are: the function with the deepest code
        folder holding them all, else the one whose handler's module is the file given."""
        if name is not None:
            if name in self.functions:
                return self.functions[name]
            # NOTE: the name the function is deployed as (svc-report), when one function has it.
            deployed = [f for f in self.functions.values() if f.function_name == name]
            if len(deployed) == 1:
                return deployed[0]
            absent = {n: why for n, _, why in self.not_created}.get(name)
            if absent:
                raise TemplateError(f"{self.path}: function {name!r} is not created with these parameters ({absent}; "
                                    "--param gives the parameters it rests on)")
            known = ", ".join(sorted(self.functions)) or "none"
            raise TemplateError(f"{self.path}: no function {name!r} (functions: {known})")
        if len(self.functions) == 1:
            return next(iter(self.functions.values()))
        gone = [(n, why) for n, kind, why in self.not_created if kind in FUNCTION_TYPES]
        if not self.functions and gone:
            raise TemplateError(f"{self.path}: no function is created with these parameters "
                                f"({'; '.join(f'{n}: {why}' for n, why in gone)}; --param gives the parameters they rest on)")
        chosen = _function_of_paths(list(self.functions.values()), paths)
        if chosen is not None:
            return chosen
        known = ", ".join(sorted(self.functions)) or "none"
        raise TemplateError(f"{self.path}: name one function with --function ({known})")

    def implied_findings(self, fn: FunctionInfo) -> list[Finding]:
        """What the template leaves open for ``fn``: each parameter default its environment
        took (LP207), which the deployed stack may override, and each value it takes from
        where the template cannot be read (LP209): in its environment, or an event source's
        ARN, whose poller is then granted on any such source."""
        return [
            Finding("LP207", f"template parameter {name} has no value here: its default {default!r} is assumed "
                    f"(pass --param {name}=…)", self.path, line, "info")
            for name, default, line in fn.defaulted
        ] + [
            Finding("LP209", f"environment variable {var} takes {source}, not known here (pass --env {var}=…)",
                    self.path, line)
            for var, source, line in fn.dynamic
        ] + [
            Finding("LP209", f"the {src.kind} event source takes {src.arn.why}, not known here: its poller is "
                    f"granted on {src.arn}" if src.kind != "*" else f"an event source mapping's source takes "
                    f"{src.arn.why}, not known here: what its poller needs is not known, and nothing is granted "
                    "for it", src.path or self.path, src.line)
            for src in fn.event_sources if isinstance(src.arn, Unresolved)
        ]

    def implied_permissions(self, fn: FunctionInfo) -> list[Permission]:
        """Permissions the template itself implies for ``fn``: event source pollers, and the
        dead-letter queue and destinations Lambda delivers to with the function's role."""
        out: list[Permission] = []
        for src in fn.event_sources:
            what = "self-managed Kafka event source reached through the VPC" if src.kind == "kafka-vpc" else (
                f"{src.kind} event source {src.arn}")
            ev = (Evidence(src.path or self.path, src.line, what, "template"),)
            arn = src.arn
            if src.kind == "kinesis" and "/consumer/" in arn:
                # NOTE: an enhanced fan-out consumer: the poller reads its stream's shards and
                # subscribes to them as the consumer (with-kinesis.html; what
                # AWSLambdaKinesisExecutionRole allows).
                arn = arn.split("/consumer/", 1)[0]
                out.append(Permission("kinesis:SubscribeToShard", src.arn, ev))
            out.extend(Permission(action, resource, ev) for action, resource in src.grants)
            for action in POLLER_ACTIONS.get(src.kind, ()):
                resource = "*" if action in NO_RESOURCE_LEVEL else arn
                if action in POLLER_ACCOUNT_RESOURCES:
                    resource = ":".join(arn.split(":")[:5] + [POLLER_ACCOUNT_RESOURCES[action]])
                out.append(Permission(action, resource, ev))
        for arn in fn.file_systems:
            # NOTE: EFS authorizes a mount on the file system; through an access point, the
            # access point's ARN is the condition (EFS user guide, "Using IAM to enforce the
            # use of access points"; Lambda developer guide, configuration-filesystem).
            ev = (Evidence(fn.path or self.path, fn.line, f"mounts the file system of {arn}", "template"),)
            head, sep, _ = arn.partition(":access-point/")
            resource = f"{head}:file-system/*" if sep else arn
            condition = (("StringLike" if "*" in arn else "StringEquals", "elasticfilesystem:AccessPointArn", arn),) if sep else ()
            out.extend(Permission(action, resource, ev, condition) for action in FILE_SYSTEM_ACTIONS)
        for arn in fn.targets:
            ev = (Evidence(fn.path or self.path, fn.line, f"asynchronous results are sent to {arn}", "template"),)
            out.extend(Permission(action, resource, ev) for action, resource in delivery(arn))
        for arn in fn.source_secrets:
            ev = (Evidence(fn.path or self.path, fn.line, f"its event source reads its credentials from {arn}", "template"),)
            out.append(Permission("secretsmanager:GetSecretValue", arn, ev))
        for arn in fn.source_keys:
            ev = (Evidence(fn.path or self.path, fn.line, f"its event source's credentials are encrypted with {arn}", "template"),)
            out.append(Permission("kms:Decrypt", arn, ev))
        for arn in fn.discarded_to:
            ev = (Evidence(fn.path or self.path, fn.line, f"discarded batches of its event sources are sent to {arn}", "template"),)
            out.extend(Permission(action, resource, ev) for action, resource in delivery(arn))
        return out

    def derived_permissions(self, permissions: list[Permission]) -> list[Permission]:
        """What the template adds to ``permissions``: KMS on the customer managed keys of the
        resources they touch, iam:PassRole on the roles of the task definitions they run."""
        from lpgen.policy.match import overlaps

        out: list[Permission] = self._encryption(permissions) + self._query_data(permissions)
        for pr in self.passed_roles:
            for p in permissions:
                if p.action not in pr.actions:
                    continue
                if not any(overlaps(p.resource, pat) for pat in pr.patterns):
                    continue
                # NOTE: with the calls' evidence: the roles are those the calls pass (a grant of
                # any role for them gives way, see ``api.suggest``).
                ev = (Evidence(self.path, pr.line, f"{p.action} on {pr.logical} passes its roles", "template"), *p.evidence)
                for role in pr.roles:
                    out.append(Permission("iam:PassRole", role, ev, (("StringEquals", "iam:PassedToService", pr.passed_to),)))
        return out

    def _query_data(self, permissions: list[Permission]) -> list[Permission]:
        """A query engine reading a catalog table reads its S3 data with the caller's
        credentials (Athena: "Access to Amazon S3" in the Athena User Guide). Each permission
        settles the call's LP106 notice about it: the output location's that of the queries
        started in the workgroup, the tables' data that of a query whose every table the
        template places."""
        from lpgen.permissions.mapping import notice
        from lpgen.policy.match import arn_matches, overlaps

        if not any(p.action == "athena:StartQueryExecution" for p in permissions):
            return []
        # NOTE: the tables each query names (its calls' evidence on glue:GetTable of a table).
        tables: dict[Evidence, set[str]] = {}
        for p in permissions:
            if p.action == "glue:GetTable" and ":table/" in p.resource:
                for e in p.evidence:
                    if e.kind != "template":
                        tables.setdefault(e, set()).add(p.resource)
        placed = {t for ts in tables.values() for t in ts if any(not loc.writes and arn_matches(t, loc.arn) for loc in self.data_locations)}
        read_by = tuple(e for e, ts in sorted(tables.items()) if ts <= placed)
        output, data = notice("athena", "StartQueryExecution", "query-output"), notice("athena", "StartQueryExecution", "query-data")
        out: list[Permission] = []
        for loc in self.data_locations:
            bucket = f"arn:{self.scope.value('Partition')}:s3:::{loc.bucket}"
            if loc.writes:
                # NOTE: a workgroup's output location, written with the caller's rights by the
                # queries started in it.
                starts = [p for p in permissions if p.action == "athena:StartQueryExecution" and overlaps(p.resource, loc.arn)]
                if starts:
                    ev = (Evidence(self.path, loc.line, f"queries in {loc.arn} write their results to s3://{loc.bucket}/{loc.prefix}",
                                   "template"), *(e for p in starts for e in p.evidence))
                    out.extend(Permission(a, bucket, ev, settles=output) for a in QUERY_OUTPUT_BUCKET_ACTIONS)
                    out.extend(Permission(a, f"{bucket}/{loc.prefix}*", ev, settles=output) for a in QUERY_OUTPUT_OBJECT_ACTIONS)
                continue
            if not any(p.action == "glue:GetTable" and arn_matches(p.resource, loc.arn) for p in permissions):
                continue
            ev = (Evidence(self.path, loc.line, f"the query reads {loc.arn} from s3://{loc.bucket}/{loc.prefix}", "template"),
                  *(e for e in read_by if any(arn_matches(t, loc.arn) for t in tables[e])))
            out.append(Permission("s3:GetObject", f"{bucket}/{loc.prefix}*", ev, settles=data))
            out.append(Permission("s3:ListBucket", bucket, ev, settles=data))
            out.append(Permission("s3:GetBucketLocation", bucket, ev, settles=data))
        return out

    def _encryption(self, permissions: list[Permission]) -> list[Permission]:
        from lpgen.policy.match import overlaps

        out: list[Permission] = []
        for enc in self.encrypted:
            region = self.scope.value("Region")
            via = f"{enc.service}.{region}.amazonaws.com"
            for p in permissions:
                kms = enc.actions.get(p.action)
                if not kms:
                    continue
                if not any(overlaps(p.resource, pat) for pat in enc.patterns):
                    continue
                ev = (Evidence(self.path, enc.line, f"{enc.logical} is encrypted with {enc.key_arn} ({p.action})", "template"),)
                condition: tuple[tuple[str, str, str], ...] = (("StringEquals", "kms:ViaService", via),)
                if enc.key_alias:
                    condition = (("ForAnyValue:StringEquals", "kms:ResourceAliases", enc.key_alias), *condition)
                for action in kms:
                    out.append(Permission(action, enc.key_arn, ev, condition))
        return out


FUNCTION_TYPES = ("AWS::Serverless::Function", "AWS::Lambda::Function")
"""the CloudFormation resource types of a function."""

SERVERLESS_PROGRAMS = ("serverless.ts", "serverless.js", "serverless.mjs", "serverless.cjs")
"""the Serverless Framework's configuration files that are programs."""


def load_template(
    path: str,
    *,
    params: dict[str, str] | None = None,
    region: str | None = None,
    account: str | None = None,
    partition: str | None = None,
) -> Template:
    """Read a SAM/CloudFormation template, a serverless.yml, a Terraform module (its folder or
    a file of it) or a Chalice app's ``.chalice/config.json`` (or the app's folder)."""
    from lpgen.iac import chalice

    if os.path.isdir(path) and any(f.endswith(".tf") for f in os.listdir(path)):
        from lpgen.iac.terraform import load_terraform

        return load_terraform(path, params or {}, Scope(partition, region, account))
    if os.path.isdir(path) and chalice.config_in(path):
        path = str(chalice.config_in(path))
    if os.path.isdir(path):
        raise TemplateError(f"{path}: a folder with no .tf files (a template is a file, or a Terraform module's "
                            "or Chalice app's folder)")
    if not os.path.isfile(path):
        raise TemplateError(f"{path}: no such file")
    scope = Scope(partition, region, account)
    base = os.path.basename(path).lower()
    try:
        if base.endswith(".tf"):
            from lpgen.iac.terraform import load_terraform

            return load_terraform(path, params or {}, scope)
        if base in SERVERLESS_PROGRAMS:
            raise TemplateError(f"{path}: a configuration the Serverless Framework runs as code, which lpgen does not run: "
                                "write it out with `serverless print > serverless.yml` and name that")
        if base.startswith("serverless."):
            from lpgen.iac.serverless import load_serverless

            return load_serverless(path, params or {}, scope)
        if chalice.is_chalice_config(path):
            return chalice.load_chalice(path, params or {}, scope)
        from lpgen.iac.cfn import load_cfn

        return load_cfn(path, params or {}, scope)
    except (AttributeError, TypeError, KeyError, IndexError, ValueError) as exc:
        raise TemplateError(f"{path}: unexpected template structure ({structure_problem(exc)})") from exc


def structure_problem(exc: Exception) -> str:
    """A short description of a shape mismatch found while walking a template."""
    text = str(exc)
    if isinstance(exc, AttributeError) and "object has no attribute" in text:
        kind = text.split("'")[1] if "'" in text else "value"
        return f"a mapping was expected where the template has a {kind}"
    if isinstance(exc, TypeError):
        return f"a value has the wrong type: {text[:80]}"
    return f"{type(exc).__name__}: {text[:80]}"


def code_root(template_path: str, code_uri: Any) -> str:
    """The folder a function's code is in, relative to the template: a deployment package
    (``build/fn.zip``) is unpacked; code in S3 is looked for beside the template (see
    ``deployed_from``)."""
    from lpgen.source.package import is_package, unpack

    base = os.path.dirname(os.path.abspath(template_path))
    if isinstance(code_uri, str) and not code_uri.startswith("s3://"):
        folder = os.path.normpath(os.path.join(base, code_uri))
        return unpack(folder) if is_package(folder) else folder
    return base


def deployed_from(code: Any) -> str:
    """Where a function's code is deployed from when the template names no local copy of it:
    an S3 object (``s3://bucket/key``, SAM's ``{Bucket, Key}``, ``{S3Bucket, S3Key}``), or
    ``""``."""
    if isinstance(code, str):
        return code if code.startswith("s3://") else ""
    if isinstance(code, dict):
        bucket, key = code.get("Bucket", code.get("S3Bucket")), code.get("Key", code.get("S3Key"))
        if bucket is not None or key is not None:
            return f"s3://{bucket if isinstance(bucket, str) else '*'}/{key if isinstance(key, str) else '*'}"
    return ""


def key_alias(key: str) -> str:
    """``alias/NAME`` of a key named by its alias (``alias/orders`` or its ARN), else ""; an AWS
    managed key's alias (``alias/aws/…``) too is ""."""
    name = key.split(":", 5)[5] if key.startswith("arn:") and key.count(":") >= 5 else key
    if not name.startswith("alias/") or name.startswith("alias/aws/"):
        return ""
    return name


MSK_IAM_ACTIONS = (
    ("kafka-cluster:Connect", "cluster"), ("kafka-cluster:DescribeClusterDynamicConfiguration", "cluster"),
    ("kafka-cluster:DescribeTopic", "topic"), ("kafka-cluster:ReadData", "topic"),
    ("kafka-cluster:DescribeGroup", "group"), ("kafka-cluster:AlterGroup", "group"),
)
"""what the poller of an Amazon MSK cluster with IAM access control does as the function's role,
and on what: the cluster, the topics it reads, its consumer group (Lambda Developer Guide,
"Configuring Amazon MSK cluster authentication": IAM role-based authentication)."""


def msk_iam_grants(cluster_arn: str, topics: list[str], group: str) -> tuple[tuple[str, str], ...]:
    """(action, resource) of ``MSK_IAM_ACTIONS`` for a cluster ARN
    (``arn:…:kafka:REGION:ACCOUNT:cluster/NAME/UUID``), its topics and consumer group (``*``
    when Lambda makes its id)."""
    head, sep, rest = cluster_arn.partition(":cluster/")
    if not sep:
        return ()
    name_uuid = rest if "/" in rest else f"{rest}/*"
    places = {
        "cluster": [cluster_arn],
        "topic": [f"{head}:topic/{name_uuid}/{t}" for t in (topics or ["*"])],
        "group": [f"{head}:group/{name_uuid}/{group or '*'}"],
    }
    return tuple((action, r) for action, kind in MSK_IAM_ACTIONS for r in places[kind])


def _function_of_paths(functions: list[FunctionInfo], paths: Sequence[str]) -> FunctionInfo | None:
    """The one function whose code ``paths`` are (see ``Template.function``), or None."""
    given = [os.path.abspath(p) for p in paths]
    if not given:
        return None

    def holds(root: str, path: str) -> bool:
        return path == root or path.startswith(root.rstrip(os.sep) + os.sep)

    rooted = [(os.path.abspath(f.code_root), f) for f in functions if f.code_root and f.inline_code is None]
    holding = [(root, f) for root, f in rooted if all(holds(root, p) for p in given)]
    deepest = max((len(root) for root, _ in holding), default=0)
    found = [f for root, f in holding if len(root) == deepest]
    if len(found) > 1 and len(given) == 1:
        # NOTE: functions sharing one code folder (SAM's CodeUri: src/) differ by handler: the
        # file given is the handler's module, or a handler spec (src/app.lambda_handler) is it.
        found = [f for f in found if f.handler and given[0] in (
            f.handler_files()[0], os.path.join(os.path.abspath(f.code_root or "."), f.handler))]
    if len(found) != 1 or any(f is not found[0] and any(holds(p, root) for p in given) for root, f in rooted):
        # NOTE: a folder that holds another function's code is not one function's.
        return None
    return found[0]
