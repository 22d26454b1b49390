"""The Athena engine: its SQL run on DuckDB over a table with Athena's CloudTrail schema, and
its API flow against botocore's Stubber."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import boto3
import duckdb
import pytest
from botocore.stub import ANY, Stubber
from conftest import SHARED

from lpgen.errors import TrailError
from lpgen.trail import summarize_source
from lpgen.trail.athena import AthenaSource, read_athena, rows_to_aggregate, run_query, summary_sql
from lpgen.trail.summary import summarize

# The CloudTrail table of the CloudTrail/Athena guides ("Creating the table for CloudTrail
# logs in Athena using partition projection"), in DuckDB types.
DDL = """
CREATE TABLE cloudtrail_logs (
  eventversion VARCHAR,
  useridentity STRUCT(
    type VARCHAR, principalid VARCHAR, arn VARCHAR, accountid VARCHAR, invokedby VARCHAR,
    accesskeyid VARCHAR, username VARCHAR,
    sessioncontext STRUCT(
      attributes STRUCT(mfaauthenticated VARCHAR, creationdate VARCHAR),
      sessionissuer STRUCT(type VARCHAR, principalid VARCHAR, arn VARCHAR, accountid VARCHAR, username VARCHAR))),
  eventtime VARCHAR, eventsource VARCHAR, eventname VARCHAR, awsregion VARCHAR,
  sourceipaddress VARCHAR, useragent VARCHAR, errorcode VARCHAR, errormessage VARCHAR,
  requestparameters VARCHAR, responseelements VARCHAR, additionaleventdata VARCHAR,
  requestid VARCHAR, eventid VARCHAR,
  resources STRUCT(arn VARCHAR, accountid VARCHAR, type VARCHAR)[],
  eventtype VARCHAR, apiversion VARCHAR, readonly VARCHAR, recipientaccountid VARCHAR,
  serviceeventdetails VARCHAR, sharedeventid VARCHAR, vpcendpointid VARCHAR, eventcategory VARCHAR,
  "timestamp" VARCHAR
)
"""

COLS = ["eventversion", "useridentity", "eventtime", "eventsource", "eventname", "awsregion", "sourceipaddress",
        "useragent", "errorcode", "errormessage", "requestparameters", "responseelements", "additionaleventdata",
        "requestid", "eventid", "resources", "eventtype", "apiversion", "readonly", "recipientaccountid",
        "serviceeventdetails", "sharedeventid", "vpcendpointid", "eventcategory", "timestamp"]


def _s(v: Any) -> str | None:
    if v is None:
        return None
    return v if isinstance(v, str) else json.dumps(v)


def _row(rec: dict[str, Any]) -> tuple[Any, ...]:
    """One record as the JSON SerDe would map it into the table (case-insensitive names)."""
    ui = rec.get("userIdentity")
    ident = None
    if isinstance(ui, dict):
        sc = ui.get("sessionContext") or {}
        issuer = sc.get("sessionIssuer") or {}
        ident = {
            "type": ui.get("type"), "principalid": ui.get("principalId"), "arn": ui.get("arn"),
            "accountid": ui.get("accountId"), "invokedby": ui.get("invokedBy"),
            "accesskeyid": ui.get("accessKeyId"), "username": ui.get("userName"),
            "sessioncontext": {
                "attributes": None,
                "sessionissuer": {k.lower(): _s(issuer.get(k)) for k in ("type", "principalId", "arn", "accountId", "userName")}
                if issuer else None,
            } if sc else None,
        }
    res = rec.get("resources")
    resources = [{"arn": r.get("ARN"), "accountid": r.get("accountId"), "type": r.get("type")} for r in res] if isinstance(res, list) else None
    t = rec.get("eventTime") or ""
    values = {
        "eventversion": rec.get("eventVersion"), "useridentity": ident, "eventtime": t,
        "eventsource": rec.get("eventSource"), "eventname": rec.get("eventName"), "awsregion": rec.get("awsRegion"),
        "errorcode": rec.get("errorCode"), "errormessage": rec.get("errorMessage"),
        "requestparameters": _s(rec.get("requestParameters")), "resources": resources,
        "eventtype": rec.get("eventType"), "recipientaccountid": rec.get("recipientAccountId"),
        "eventcategory": rec.get("eventCategory"), "timestamp": t[:10].replace("-", "/"),
    }
    return tuple(values.get(c) for c in COLS)


def _records(folder: Path) -> list[dict[str, Any]]:
    out = []
    for f in sorted(folder.rglob("*.json*")):
        data = f.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
        doc = json.loads(data)
        out.extend(r for r in doc.get("Records", []) if isinstance(r, dict) and r.get("eventSource"))
    return out


def _duckdb_rows(records: list[dict[str, Any]], sql: str) -> list[dict[str, Any]]:
    con = duckdb.connect()
    con.execute(DDL)
    con.executemany(f"INSERT INTO cloudtrail_logs VALUES ({', '.join('?' * len(COLS))})", [_row(r) for r in records])
    cur = con.execute(sql)
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row)) for row in cur.fetchall()]


TRAILS = sorted(p / "trail" for p in (SHARED / "corpus").iterdir() if (p / "trail").is_dir())


@pytest.mark.parametrize("trail", TRAILS, ids=lambda p: p.parent.name)
def test_sql_on_duckdb_gives_the_local_readers_summary(trail: Path) -> None:
    rows = _duckdb_rows(_records(trail), summary_sql("cloudtrail_logs"))
    remote = summarize(rows_to_aggregate(rows)).to_json()
    local = summarize_source(str(trail), jobs=1).to_json()
    for key in ("roles", "deployments", "data_events", "regions", "time_range"):
        assert remote[key] == local[key], key


def test_sql_role_and_time_filters(tmp_path: Path) -> None:
    trail = SHARED / "corpus" / "50-trail-exporter-denied-parameter" / "trail"
    role = "arn:aws:iam::123456789012:role/crm-export-role"
    sql = summary_sql("cloudtrail_logs", role=role, since="2024-06-03", date_partition="timestamp")
    assert '"timestamp" >= ' in sql
    remote = summarize(rows_to_aggregate(_duckdb_rows(_records(trail), sql))).to_json()
    assert list(remote["roles"]) == [role]
    assert remote["roles"][role]["actions"]["s3:PutObject"]["first_seen"] >= "2024-06-03"


def test_sql_rejects_injection_in_names() -> None:
    from lpgen.errors import UsageError

    with pytest.raises(UsageError):
        summary_sql('logs"; DROP TABLE x; --')
    assert "'it''s'" in summary_sql("t", role="it's")


def _athena() -> Any:
    return boto3.client("athena", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")


def _page(rows: list[list[str | None]]) -> dict[str, Any]:
    return {"ResultSet": {"Rows": [{"Data": [{} if v is None else {"VarCharValue": v} for v in r]} for r in rows]}}


def test_api_flow_polls_and_pages() -> None:
    client = _athena()
    header = ["kind", "role_arn", "eventsource", "eventname", "errorcode", "invoked_by", "awsregion",
              "n", "first_seen", "last_seen", "value"]
    role = "arn:aws:iam::1:role/r"
    with Stubber(client) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": "q1"}, {
            "QueryString": ANY, "QueryExecutionContext": {"Database": "db"},
            "WorkGroup": "wg", "ResultConfiguration": {"OutputLocation": "s3://out/"}})
        stub.add_response("get_query_execution", {"QueryExecution": {"Status": {"State": "RUNNING"}}}, {"QueryExecutionId": "q1"})
        stub.add_response("get_query_execution", {"QueryExecution": {"Status": {"State": "SUCCEEDED"}}}, {"QueryExecutionId": "q1"})
        first = _page([header, ["use", role, "s3.amazonaws.com", "GetObject", None, None, "us-east-1", "3",
                                "2024-06-01T00:00:00Z", "2024-06-01T01:00:00Z", None]])
        first["NextToken"] = "t2"
        stub.add_response("get_query_results", first, {"QueryExecutionId": "q1"})
        stub.add_response("get_query_results", _page([
            ["resource", role, "s3.amazonaws.com", "GetObject", None, None, "us-east-1", "1", None, None, "arn:aws:s3:::b/k"],
            ["session", role, "", "", "", "", "", "3", None, None, "arn:aws:sts::1:assumed-role/r/fn"],
        ]), {"QueryExecutionId": "q1", "NextToken": "t2"})
        slept: list[float] = []
        agg = read_athena(AthenaSource("db", "t", "wg", "s3://out/"), client=client, sleep=slept.append)
        stub.assert_no_pending_responses()
    hist = summarize(agg).roles[role]
    assert hist.actions["s3:GetObject"].count == 3
    assert hist.actions["s3:GetObject"].resources == {"arn:aws:s3:::b/k"}
    assert hist.functions == {"fn"}
    assert slept == [0.5]


def test_api_failure_is_one_clear_error() -> None:
    client = _athena()
    with Stubber(client) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": "q9"})
        stub.add_response("get_query_execution", {"QueryExecution": {"Status": {
            "State": "FAILED", "StateChangeReason": "TABLE_NOT_FOUND: line 1:8: Table awsdatacatalog.db.t does not exist"}}})
        with pytest.raises(TrailError, match="q9 failed: TABLE_NOT_FOUND"):
            run_query(client, "SELECT 1", AthenaSource("db", "t"), sleep=lambda s: None)
    client = _athena()
    with Stubber(client) as stub:
        stub.add_client_error("start_query_execution", "AccessDeniedException", "not authorized to perform athena:StartQueryExecution")
        with pytest.raises(TrailError, match="not authorized"):
            run_query(client, "SELECT 1", AthenaSource("db", "t"), sleep=lambda s: None)


def test_source_uri_round_trip() -> None:
    src = AthenaSource.from_uri("athena://db/cloudtrail_logs?workgroup=wg&output=s3://o/p/&date_partition=timestamp")
    assert src == AthenaSource("db", "cloudtrail_logs", "wg", "s3://o/p/", "timestamp")
