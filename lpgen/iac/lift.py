"""serverless-lift constructs (``constructs:`` in a serverless.yml): the resources Lift makes,
its ``${construct:ID.property}`` variables, the worker functions of its queues, and the
statements it adds to the service's role.

As Lift's source has them (getlift/lift: ``src/plugin.ts``, ``src/constructs/aws/Queue.ts``,
``Storage.ts``, ``DatabaseDynamoDBSingleTable.ts``): a queue is named ``STACK-ID`` (its
dead-letter queue ``STACK-ID-dlq``, both with ``.fifo`` when ``fifo``), a bucket and a table
get the names CloudFormation generates for the logical ids CDK gives them (``IDBucket`` and
``IDTable`` with a hash), and unless ``lift.automaticPermissions`` is false every construct's
statements go to the role the Framework makes (``provider.iam.role.statements``, else
``provider.iamRoleStatements``). Other construct types are not read: their variables are not
known here.
"""

from __future__ import annotations

import re
from typing import Any

from lpgen.iac.cfn import GENERATED_SUFFIX
from lpgen.permissions.arns import Scope

STORAGE_ACTIONS = (
    "s3:PutObject", "s3:GetObject", "s3:DeleteObject", "s3:ListBucket", "s3:GetObjectAcl", "s3:PutObjectAcl",
    "s3:GetObjectTagging", "s3:PutObjectTagging", "s3:DeleteObjectTagging", "s3:GetObjectAttributes",
    "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts", "s3:ListBucketMultipartUploads", "s3:RestoreObject",
)
TABLE_ACTIONS = (
    "dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:Scan", "dynamodb:PutItem",
    "dynamodb:DeleteItem", "dynamodb:BatchWriteItem", "dynamodb:UpdateItem",
)
QUEUE_ACTIONS = ("sqs:SendMessage", "sqs:ChangeMessageVisibility")

_CDK_HASH = 8
"""the characters of the hash CDK appends to a logical id."""


def constructs(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The service's constructs by id (none without the ``constructs`` section)."""
    found = doc.get("constructs")
    return {str(k): v for k, v in found.items() if isinstance(v, dict)} if isinstance(found, dict) else {}


def variable(doc: dict[str, Any], address: str, stack: str, scope: Scope) -> str | None:
    """``${construct:ID.property}``: what Lift resolves it to, or None when not known here."""
    cid, _, prop = address.partition(".")
    spec = constructs(doc).get(cid)
    values = _variables(cid, spec, stack, scope) if spec is not None else {}
    return values.get(prop)


def _variables(cid: str, spec: dict[str, Any], stack: str, scope: Scope) -> dict[str, str]:
    kind = spec.get("type")
    if kind == "queue":
        queue, dlq = _queue_names(cid, spec, stack)
        url = f"https://sqs.{scope.value('Region')}.amazonaws.com/{scope.value('Account')}/"
        return {"queueUrl": url + queue, "queueArn": scope.arn("sqs", queue), "dlqUrl": url + dlq, "dlqArn": scope.arn("sqs", dlq)}
    if kind == "storage":
        bucket = _generated(stack.lower(), _logical(cid, "Bucket").lower(), 63)
        return {"bucketName": bucket, "bucketArn": f"arn:{scope.value('Partition')}:s3:::{bucket}"}
    if kind == "database/dynamodb-single-table":
        table = _generated(stack, _logical(cid, "Table"), 255)
        arn = scope.arn("dynamodb", f"table/{table}")
        return {"tableName": table, "tableArn": arn, "tableStreamArn": f"{arn}/stream/*"}
    return {}


def _queue_names(cid: str, spec: dict[str, Any], stack: str) -> tuple[str, str]:
    fifo = spec.get("fifo") in (True, "true")
    base = f"{stack}-{cid}"
    return (base + ".fifo", base + "-dlq.fifo") if fifo else (base, base + "-dlq")


def _logical(cid: str, child: str) -> str:
    """The logical id CDK gives the construct's resource, up to its hash."""
    return re.sub(r"[^A-Za-z0-9]", "", cid) + child


def _generated(stack: str, logical: str, limit: int) -> str:
    """The name CloudFormation generates (stack-logical-random), as a pattern; ``*`` when the
    stack's or the logical id's part may be cut to fit ``limit``."""
    if "*" in stack or len(stack) + len(logical) + _CDK_HASH + GENERATED_SUFFIX > limit:
        return "*"
    return f"{stack}-{logical}*"


def apply(doc: dict[str, Any], stack: str, scope: Scope) -> None:
    """Add to ``doc`` (a resolved serverless.yml) what Lift adds to the service: its queues'
    workers (a function of their own, or an existing one named by key) with an ``sqs`` event
    on the queue, and its constructs' statements on the Framework's role."""
    found = constructs(doc)
    if not found:
        return
    functions = doc.setdefault("functions", {})
    statements: list[dict[str, Any]] = []
    for cid, spec in found.items():
        values = _variables(cid, spec, stack, scope)
        kind = spec.get("type")
        if kind == "queue" and values:
            worker = spec.get("worker")
            name = worker if isinstance(worker, str) else f"{cid}Worker"
            if isinstance(worker, dict):
                functions[name] = dict(worker)
            target = functions.get(name)
            if isinstance(target, dict):
                target["events"] = [*(target.get("events") or []), {"sqs": {"arn": values["queueArn"]}}]
            statements.append(_statement(QUEUE_ACTIONS, [values["queueArn"]]))
        elif kind == "storage" and values:
            statements.append(_statement(STORAGE_ACTIONS, [values["bucketArn"], values["bucketArn"] + "/*"]))
        elif kind == "database/dynamodb-single-table" and values:
            statements.append(_statement(TABLE_ACTIONS, [values["tableArn"], values["tableArn"] + "/index/*"]))
    lift = doc.get("lift")
    if not statements or (isinstance(lift, dict) and lift.get("automaticPermissions") in (False, "false")):
        return
    provider = doc.setdefault("provider", {})
    role = (provider.get("iam") or {}).get("role") if isinstance(provider.get("iam"), dict) else None
    if isinstance(role, dict) and "statements" in role:
        role["statements"] = [*(role.get("statements") or []), *statements]
    else:
        provider["iamRoleStatements"] = [*(provider.get("iamRoleStatements") or []), *statements]


def _statement(actions: tuple[str, ...], resources: list[str]) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": list(actions), "Resource": resources}
