"""Findings about today's policy, with stable codes and one catalogue.

Each entry says what the finding is, why it matters, an example, and what to use instead;
``lpgen findings`` prints the catalogue and the README links to it.
"""

from __future__ import annotations

from dataclasses import dataclass

from lpgen.iac.current import FINE_MANAGED, sam_attached
from lpgen.iac.model import CurrentPolicy, Unresolved
from lpgen.permissions import iam_data
from lpgen.permissions.model import Finding
from lpgen.policy.match import action_matches
from lpgen.policy.model import PolicyDocument
from lpgen.review.diff import PolicyDiff
from lpgen.review.service import severity_of


@dataclass(frozen=True)
class Entry:
    code: str
    title: str
    why: str
    example: str
    instead: str


CATALOGUE: dict[str, Entry] = {e.code: e for e in (
    Entry("LP101", "part of a resource name is not known statically", "that part of the ARN is a wildcard",
          "s3.get_object(Bucket=BUCKET, Key=event['key']) -> arn:aws:s3:::bucket/*", "a fixed prefix in the code (f'in/{key}') narrows it"),
    Entry("LP102", "call made with other credentials", "the call is authorized against the keys given to the client or its session (an assumed role's, another user's), not the function's role; an UNSIGNED client's anonymous requests use no credentials at all",
          "boto3.client('s3', aws_access_key_id=creds['AccessKeyId'], ...)", "grant it to whoever the keys belong to (the assumed role: the function needs sts:AssumeRole); an anonymous request needs the resource to allow it"),
    Entry("LP103", "conditional action added without certainty", "the request parameter that triggers it could not be resolved",
          "s3.get_object(**kwargs) where kwargs may carry VersionId", "pass the parameter explicitly so lpgen can tell"),
    Entry("LP104", "no IAM action known for a call", "the call is not in the catalogue or the IAM reference",
          "a brand-new API", "lpgen data refresh, or report the operation"),
    Entry("LP105", "action with no resource-level permission", "IAM cannot scope the action to a resource, so its Resource is \"*\" by design",
          "s3.list_buckets() -> s3:ListAllMyBuckets on *", "nothing to narrow; keep the statement to the actions that need it"),
    Entry("LP106", "the service acts with the role's rights on a resource the request does not name",
          "the service reads or writes it as the caller, so the role needs those permissions too",
          "athena.start_query_execution(QueryString=sql, WorkGroup='reports') writes the results to the workgroup's output location",
          "name it in the request (ResultConfiguration.OutputLocation), or in the template, which lpgen then reads"),
    Entry("LP107", "suggested policy larger than IAM takes", "a role's inline policies hold at most 10,240 characters "
          "(white space not counted) and a managed policy 6,144: the deploy fails with the policy as it is",
          "a function that reads two hundred tables by name, one ARN each",
          "split it into managed policies of the role, or name resources with patterns the code's names share"),
    Entry("LP201", "unresolved call", "a call on a value that may be a boto3 client could not be followed",
          "getattr(client, name)(...) with a computed name", "a literal method name or client, or --strict to fail the build"),
    Entry("LP202", "environment variable without a value", "the resource it names becomes a wildcard",
          "os.environ['TABLE'] with no --env and no template", "--env NAME=VALUE or --template"),
    Entry("LP203", "file skipped", "a file that cannot be parsed is not analysed",
          "Python 2 syntax, a syntax error, a binary file", "fix the file or exclude it"),
    Entry("LP204", "unreachable call", "code the entry point never reaches is reported, not granted",
          "a helper no handler calls", "remove dead code, or name the right handler"),
    Entry("LP205", "environment variable read with a default has no value here", "the policy assumes the default, which the deployed function may override",
          "os.environ.get('MODE', 'fast') with no --env and no template", "--env NAME=VALUE or --template"),
    Entry("LP206", "values did not settle", "instance attributes or globals that functions set kept changing when the analysis stopped, so names resting on them may lack a value",
          "a chain of methods each setting an attribute from the one the previous set", "set the attribute from a constant or in __init__"),
    Entry("LP207", "template parameter default assumed", "a name the function's environment takes from a template parameter is its default, which the deployed stack may override",
          "Environment: {TABLE: !Sub \"orders-${Stage}\"} with Stage's Default: dev", "--param Stage=prod (or the stack's value)"),
    Entry("LP208", "code deployed from elsewhere", "the template deploys the function's code from S3, so lpgen analysed the code beside the template in its place",
          "CodeUri: s3://artifacts/fn.zip", "give the code's folder (or its .zip) as PATHS"),
    Entry("LP209", "environment value not in the template", "a value known only when the template is deployed (a dynamic reference {{resolve:ssm:…}}, another stack's export, serverless.yml's ${ssm:…}, a Terraform data source, a parameter or variable without a value), so the name it gives is a wildcard here",
          "Environment: {TABLE: '{{resolve:ssm:/app/table}}'}", "--env TABLE=orders (the parameter's value)"),
    Entry("LP301", "role not in the trail", "nothing can be confirmed from this trail",
          "--role of another account or a trail without the function's region", "the right --role and trail"),
    Entry("LP302", "call seen only in the trail", "a library, a layer or dynamic code made it: proposed with its evidence",
          "kms:Decrypt made by S3 on the role's behalf", "check the evidence; keep it if the current code makes it"),
    Entry("LP303", "AccessDenied in the trail for a call not in the code", "the function tried it and was refused",
          "ssm:GetParameter denied and swallowed by a fallback", "grant it if the current code needs it"),
    Entry("LP401", 'Action "*"', "allows every action of every service: any bug or injected code can do anything the account allows",
          '{"Effect": "Allow", "Action": "*", "Resource": "*"}', "the actions the code calls, as lpgen suggests them"),
    Entry("LP402", "service:* action", "allows every action of a service, including deletes and permission changes the code never makes",
          '"Action": "dynamodb:*"', "the listed actions (dynamodb:GetItem, dynamodb:PutItem, …)"),
    Entry("LP403", 'Resource "*" where the action can be scoped', "the action applies to every resource of its kind in the account",
          '"Action": "s3:GetObject", "Resource": "*"', "the ARNs the code names (arn:aws:s3:::bucket/prefix/*)"),
    Entry("LP404", "Allow with NotAction or NotResource", "allows everything except a list: new actions and resources are allowed as soon as they exist",
          '{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}', "an Allow of the listed actions on the listed resources"),
    Entry("LP405", "iam:PassRole on * or without iam:PassedToService", "lets the function hand any role to any service: a path to privilege escalation",
          '"Action": "iam:PassRole", "Resource": "*"', 'the role ARNs, with "Condition": {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}'),
    Entry("LP406", "one role shared by several functions", "each function gets the union of all their needs: one small function, one role",
          "two AWS::Serverless::Function resources with Role: !GetAtt SharedRole.Arn", "a role per function, each with its own suggested policy"),
    Entry("LP407", "today's policy lacks something the code needs", "the call fails with AccessDenied in production (or is swallowed and silently degrades)",
          "code calls dynamodb:UpdateItem; the policy allows only GetItem and PutItem", "add the missing statements lpgen suggests"),
    Entry("LP408", "AWS managed policy attached", "an opaque, wide grant whose content changes without review",
          "ManagedPolicyArns: [arn:aws:iam::aws:policy/AmazonS3FullAccess]", "inline statements scoped to what the code uses (AWSLambdaBasicExecutionRole for logs is fine)"),
    Entry("LP409", "role defined outside the template", "today's policy cannot be compared: what the function may do is decided elsewhere",
          "Role: arn:aws:iam::123456789012:role/shared-lambda-role", "define the role next to the function, or review the suggested policy against the role's own policy"),
    Entry("LP410", "the Lambda service cannot do what the function's configuration asks",
          "Lambda uses the role to write the function's logs, to manage its network interfaces in a VPC and to send "
          "its traces: without these permissions the logs or traces are lost, and a function in a VPC cannot be "
          "created or updated",
          "VpcConfig on a function whose role allows only the calls its code makes",
          "attach AWSLambdaBasicExecutionRole, AWSLambdaVPCAccessExecutionRole or AWSXRayDaemonWriteAccess as the "
          "configuration needs, or allow the same actions"),
)}



def policy_findings(
    current: CurrentPolicy, diff: PolicyDiff, path: str = "", function: str = "", line: int = 0
) -> list[Finding]:
    """Findings about today's policy of one function (placed at ``line`` of the template)."""
    out: list[Finding] = []
    where = f" ({function})" if function else ""

    def add(code: str, detail: str, severity: str = "warning") -> None:
        out.append(Finding(code, f"{CATALOGUE[code].title}{where}: {detail}", path, line, severity))

    if current.unknown:
        add("LP409", current.unknown, "info")
    for code, detail in statement_issues(current.policy):
        add(code, detail)
    for arn in current.managed:
        name = arn.rsplit("/", 1)[-1]
        if ":aws:policy/" in arn and name not in FINE_MANAGED:
            add("LP408", arn)
    if current.shared_with:
        add("LP406", "also used by " + ", ".join(current.shared_with))
    for c in diff.of("missing"):
        add("LP407", f"{c.action} on {c.resource}" + (f" ({c.note})" if c.note else ""), "error")
    for c in diff.of("service"):
        add("LP410", f"{c.action} on {c.resource} ({c.note})", severity_of(c.action))
    return out


def statement_issues(doc: PolicyDocument) -> list[tuple[str, str]]:
    """(code, detail) for the wide grants of a policy's Allow statements."""
    out: list[tuple[str, str]] = []
    for st in doc.statements:
        if st.effect != "Allow" or sam_attached(st.sid):
            # NOTE: what SAM attaches for an event source is not the template's to narrow.
            continue
        if st.not_actions or st.not_resources:
            parts = ([f"NotAction {','.join(st.not_actions)}"] if st.not_actions else []) + (
                [f"NotResource {','.join(st.not_resources)}"] if st.not_resources else [])
            out.append(("LP404", " ".join(parts)))
        for a in st.actions:
            if a == "*":
                out.append(("LP401", "Action *"))
            elif a.endswith(":*"):
                out.append(("LP402", a))
        # NOTE: a Resource known only at deploy time (a parameter, another stack's export)
        # is the template's scoped ARN, not a "*" it wrote.
        wild = any(r == "*" and not isinstance(r, Unresolved) for r in st.resources)
        if wild:
            scoped = sorted(a for a in st.actions if "*" not in a and _scopable(a))
            if scoped:
                out.append(("LP403", ", ".join(scoped[:5])))
        passes = any(action_matches(a, "iam:PassRole") for a in st.actions)
        unconditioned = not any(k == "iam:PassedToService" for _, k, _ in st.condition)
        if passes and (wild or unconditioned):
            out.append(("LP405", "on " + ", ".join(st.resources)))
    return out


def _scopable(action: str) -> bool:
    info = iam_data.action(action)
    return bool(info and info.resources)
