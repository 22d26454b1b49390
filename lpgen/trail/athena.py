"""An organisation's trail on Athena: the local reader's aggregation as one SQL query.

The query runs over the standard CloudTrail table (the DDL of the CloudTrail and Athena
guides: ``useridentity`` struct, ``resources`` array of structs, ``requestparameters`` JSON
string), optionally partitioned by projection on a ``yyyy/MM/dd`` column. Its rows fill the
same ``Aggregate`` the local reader builds, so the rest of lpgen cannot tell them apart.
The SQL uses only what Trino (Athena engine 3) and DuckDB both accept, so the tests run it
on DuckDB against a table of the same schema.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlparse

from lpgen.errors import TrailError, UsageError
from lpgen.trail.read import MAX_PARAM_SAMPLES, MAX_RESOURCES, Aggregate


@dataclass(frozen=True)
class AthenaSource:
    """Where the trail table lives and how to query it."""

    database: str
    table: str
    workgroup: str = "primary"
    output: str | None = None
    date_partition: str | None = None
    """partition-projection column holding ``yyyy/MM/dd`` (``timestamp`` in AWS's example DDL)."""

    @classmethod
    def from_uri(cls, uri: str) -> AthenaSource:
        """``athena://DATABASE/TABLE?workgroup=W&output=s3://…&date_partition=timestamp``."""
        parsed = urlparse(uri)
        table = parsed.path.strip("/")
        if parsed.scheme != "athena" or not parsed.netloc or not table:
            raise UsageError(f"{uri}: expected athena://DATABASE/TABLE[?workgroup=…&output=s3://…]")
        q = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        return cls(parsed.netloc, table, q.get("workgroup", "primary"), q.get("output"), q.get("date_partition"))


def _quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _ident(name: str) -> str:
    if not name.replace("_", "").replace(".", "").isalnum():
        raise UsageError(f"{name!r} is not a plain table or column name")
    return ".".join(f'"{part}"' for part in name.split("."))


def summary_sql(
    table: str,
    *,
    role: str | None = None,
    since: str | None = None,
    until: str | None = None,
    date_partition: str | None = None,
) -> str:
    """One query: per (role, event, denied-or-not, invoked by, region) counts and times, the
    smallest resource ARNs and request samples, code deployments and data-event counts."""
    where = ["eventsource IS NOT NULL", "eventname IS NOT NULL"]
    if since:
        where.append(f"eventtime >= {_quote(since)}")
    if until:
        where.append(f"eventtime <= {_quote(until)}")
    if date_partition and since:
        where.append(f"{_ident(date_partition)} >= {_quote(since[:10].replace('-', '/'))}")
    if date_partition and until:
        where.append(f"{_ident(date_partition)} <= {_quote(until[:10].replace('-', '/'))}")
    role_filter = f" AND role_arn = {_quote(role)}" if role else ""
    from lpgen.trail.events import deployment_events

    # NOTE: CloudTrail versions some event names (UpdateFunctionCode20150331v2): a prefix match.
    deploy = " OR ".join(
        f"(eventsource = {_quote(h + '.amazonaws.com')} AND eventname LIKE {_quote(n + '%')})"
        for h, n in deployment_events()
    )
    key = "role_arn, eventsource, eventname, errorcode, invoked_by, awsregion"
    return f"""
WITH ev AS (
  SELECT
    useridentity.type AS utype,
    useridentity.sessioncontext.sessionissuer.arn AS role_arn,
    useridentity.arn AS session_arn,
    coalesce(useridentity.invokedby, '') AS invoked_by,
    eventsource, eventname,
    coalesce(errorcode, '') AS errorcode,
    errormessage,
    coalesce(awsregion, '') AS awsregion,
    eventtime, requestparameters, resources, eventcategory
  FROM {_ident(table)}
  WHERE {' AND '.join(where)}
),
mine AS (
  SELECT * FROM ev WHERE utype = 'AssumedRole' AND role_arn IS NOT NULL{role_filter}
),
res AS (
  SELECT {key}, r.arn AS value
  FROM mine CROSS JOIN UNNEST(resources) AS u(r)
  WHERE r.arn IS NOT NULL
  GROUP BY {key}, r.arn
),
res_ranked AS (
  SELECT {key}, value,
    row_number() OVER (PARTITION BY {key} ORDER BY value) AS rn,
    count(*) OVER (PARTITION BY {key}) AS total
  FROM res
),
par AS (
  SELECT {key}, requestparameters AS value
  FROM mine
  WHERE (resources IS NULL OR cardinality(resources) = 0) AND requestparameters IS NOT NULL
  GROUP BY {key}, requestparameters
),
par_ranked AS (
  SELECT {key}, value, row_number() OVER (PARTITION BY {key} ORDER BY value) AS rn FROM par
)
SELECT 'use' AS kind, {key}, count(*) AS n, min(eventtime) AS first_seen, max(eventtime) AS last_seen,
  min(errormessage) AS value
FROM mine GROUP BY {key}
UNION ALL
SELECT 'session', role_arn, '', '', '', '', '', count(*), NULL, NULL, session_arn
FROM mine WHERE session_arn IS NOT NULL GROUP BY role_arn, session_arn
UNION ALL
SELECT 'resource', {key}, total, NULL, NULL, value FROM res_ranked WHERE rn <= {MAX_RESOURCES}
UNION ALL
SELECT 'params', {key}, 0, NULL, NULL, value FROM par_ranked WHERE rn <= {MAX_PARAM_SAMPLES}
UNION ALL
SELECT 'deploy', '', eventsource, eventname, '', '', '', count(*), NULL, max(eventtime), requestparameters
FROM ev WHERE errorcode = '' AND ({deploy}) GROUP BY eventsource, eventname, requestparameters
UNION ALL
SELECT 'data', '', eventsource, '', '', '', '', count(*), NULL, NULL, NULL
FROM ev WHERE eventcategory = 'Data' GROUP BY eventsource
UNION ALL
SELECT 'region', '', '', '', '', '', awsregion, count(*), min(eventtime), max(eventtime), NULL
FROM ev GROUP BY awsregion
""".strip()


def rows_to_aggregate(rows: list[dict[str, Any]]) -> Aggregate:
    """Fill an Aggregate from the query's rows (values as Athena's strings or DuckDB's types)."""
    import msgspec

    from lpgen.trail.events import is_denied
    from lpgen.trail.records import request_parameters, to_record

    agg = Aggregate()
    sessions: dict[str, set[str]] = {}
    for row in rows:
        kind = row.get("kind")
        n = int(row.get("n") or 0)
        src = str(row.get("eventsource") or "")
        h = src[:-14] if src.endswith(".amazonaws.com") else src
        name = str(row.get("eventname") or "")
        value = row.get("value")
        if kind == "region":
            agg.records += n
            if row.get("awsregion"):
                agg.regions.add(str(row["awsregion"]))
            first, last = str(row.get("first_seen") or ""), str(row.get("last_seen") or "")
            if first and (not agg.first or first < agg.first):
                agg.first = first
            agg.last = max(agg.last, last)
        elif kind == "data":
            agg.data_events[h] = agg.data_events.get(h, 0) + n
        elif kind == "deploy":
            rec = to_record({"eventSource": src, "eventName": name, "requestParameters": _json(value)})
            fn = request_parameters(rec).get("functionName") if rec is not None else None
            if isinstance(fn, str) and fn:
                agg.add_deployment(fn, str(row.get("last_seen") or ""))
        elif kind == "session":
            role = str(row.get("role_arn") or "")
            if value:
                sessions.setdefault(role, set()).add(str(value).rsplit("/", 1)[-1])
        elif kind in ("use", "resource", "params"):
            role = str(row.get("role_arn") or "")
            code = str(row.get("errorcode") or "")
            denied = is_denied(code)
            key = (role, h, name, denied, str(row.get("invoked_by") or ""), str(row.get("awsregion") or ""))
            if kind == "use":
                agg.add_use(key, n, str(row.get("first_seen") or ""), str(row.get("last_seen") or ""),
                            message=str(value) if denied and value else None)
                agg.sessions.setdefault(role, set())
            elif kind == "resource" and value:
                agg.add_use(key, arns=(str(value),), truncated=n > MAX_RESOURCES)
            elif kind == "params" and value:
                agg.add_use(key, samples=(msgspec.json.encode(_json(value)),))
    for role, names in sessions.items():
        agg.sessions.setdefault(role, set()).update(names)
    return agg


def _json(value: Any) -> Any:
    import msgspec

    if isinstance(value, str):
        try:
            return msgspec.json.decode(value)
        except msgspec.DecodeError:
            return value
    return value


def run_query(
    client: Any,
    sql: str,
    source: AthenaSource,
    *,
    sleep: Callable[[float], None] = time.sleep,
    timeout: float = 1800.0,
) -> list[dict[str, Any]]:
    """Start the query, poll until it ends, page through the results; rows as dicts."""
    start: dict[str, Any] = {
        "QueryString": sql,
        "QueryExecutionContext": {"Database": source.database},
        "WorkGroup": source.workgroup,
    }
    if source.output:
        start["ResultConfiguration"] = {"OutputLocation": source.output}
    try:
        qid = client.start_query_execution(**start)["QueryExecutionId"]
        waited, delay = 0.0, 0.5
        while True:
            status = client.get_query_execution(QueryExecutionId=qid)["QueryExecution"]["Status"]
            state = status.get("State")
            if state == "SUCCEEDED":
                break
            if state in ("FAILED", "CANCELLED"):
                reason = status.get("StateChangeReason") or state
                raise TrailError(f"Athena query {qid} {state.lower()}: {reason}")
            if waited >= timeout:
                raise TrailError(f"Athena query {qid} still {state} after {int(waited)} s")
            sleep(delay)
            waited += delay
            delay = min(delay * 2, 10.0)
        rows: list[dict[str, Any]] = []
        header: list[str] | None = None
        for page in client.get_paginator("get_query_results").paginate(QueryExecutionId=qid):
            for row in page["ResultSet"]["Rows"]:
                values = [d.get("VarCharValue") for d in row.get("Data", [])]
                if header is None:
                    header = [str(v) for v in values]
                    continue
                rows.append(dict(zip(header, values)))
        return rows
    except TrailError:
        raise
    except Exception as exc:  # botocore ClientError, EndpointConnectionError, …
        raise TrailError(f"Athena: {exc}") from exc


def read_athena(
    source: AthenaSource,
    *,
    role: str | None = None,
    since: str | None = None,
    until: str | None = None,
    client: Any = None,
    sleep: Callable[[float], None] = time.sleep,
) -> Aggregate:
    """Run the summary query on Athena and return the aggregate."""
    if client is None:
        import boto3

        client = boto3.client("athena")
    sql = summary_sql(source.table, role=role, since=since, until=until, date_partition=source.date_partition)
    return rows_to_aggregate(run_query(client, sql, source, sleep=sleep))
