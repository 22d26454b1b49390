"""CloudTrail reading, summarising and cross-checking, on real record shapes and the corpus."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import SHARED

from lpgen.cli import main
from lpgen.trail import summarize_source
from lpgen.trail.records import decode_file

SAMPLES = SHARED / "cloudtrail" / "samples"
CORPUS = SHARED / "corpus"
ROLE = "arn:aws:iam::123456789012:role/app-role"


def _record(name: str, source: str = "s3", t: str = "2024-06-01T10:00:00Z", role: str = ROLE, **extra: object) -> dict:
    session = extra.pop("session", "app-fn")
    rec = {
        "eventVersion": "1.09",
        "eventTime": t,
        "eventSource": f"{source}.amazonaws.com",
        "eventName": name,
        "awsRegion": "us-east-1",
        "recipientAccountId": "123456789012",
        "userIdentity": {
            "type": "AssumedRole",
            "arn": role.replace(":iam:", ":sts:").replace(":role/", ":assumed-role/") + f"/{session}",
            "sessionContext": {"sessionIssuer": {"type": "Role", "arn": role}},
        },
    }
    rec.update(extra)
    return rec


def _write_trail(folder: Path, records: list[dict], day: str = "2024/06/01", gz: bool = True) -> Path:
    d = folder / "AWSLogs" / "123456789012" / "CloudTrail" / "us-east-1" / day
    d.mkdir(parents=True, exist_ok=True)
    body = json.dumps({"Records": records}).encode()
    path = d / (f"f{len(list(d.iterdir()))}.json" + (".gz" if gz else ""))
    path.write_bytes(gzip.compress(body) if gz else body)
    return folder


# --- every real shape parses or is skipped with a reason ------------------------------


@pytest.mark.parametrize("path", sorted(p for p in SAMPLES.rglob("*") if p.is_file()), ids=lambda p: p.name)
def test_every_sample_file_parses_or_is_skipped_with_a_reason(path: Path) -> None:
    result = CliRunner().invoke(main, ["trail", "summarize", str(path), "--format", "json", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["files"] + sum(out["skipped"].values()) > 0


def test_samples_tree_counts_records_and_skips() -> None:
    s = summarize_source(str(SAMPLES), jobs=1)
    assert s.records >= 917
    assert s.skipped["digest file"] == 2
    assert s.skipped["insights event"] >= 2
    assert s.skipped["not a log file name"] == 1  # the as-printed .txt


def test_an_event_time_that_is_no_timestamp_is_not_the_first_or_last_seen(tmp_path: Path) -> None:
    """A record whose eventTime is "..." or "redacted" (redacted samples, hand-edited files)
    sorts before or after every real time; it is counted but its time is not known."""
    _write_trail(tmp_path, [_record("GetObject", t="2024-06-01T10:00:00Z"), _record("PutObject", t="..."),
                            _record("GetObject", t="2024-06-02T10:00:00Z"), _record("DeleteObject", t="redacted"),
                            _record("ListBuckets", t=None)])
    s = summarize_source(str(tmp_path), jobs=1)
    assert (s.records, s.first, s.last) == (5, "2024-06-01T10:00:00Z", "2024-06-02T10:00:00Z")
    assert {"s3:PutObject", "s3:DeleteObject"} <= set(s.roles[ROLE].actions)


def test_lookup_events_eventbridge_and_lake_shapes() -> None:
    shapes = SAMPLES / "original_shapes"
    recs, _ = decode_file((shapes / "lookup-events_DERIVED-from-stratus.json").read_bytes())
    assert len(recs) == 60 and all(r.eventName for r in recs)
    recs, _ = decode_file((shapes / "eventbridge-aws-api-call-via-cloudtrail_awsdocs.json").read_bytes())
    assert recs and recs[0].eventSource
    recs, skipped = decode_file((shapes / "lake-get-query-results_awsdocs.json").read_bytes())
    assert any(r.eventName == "ListBuckets" for r in recs)


def test_truncated_gzip_and_garbage_are_counted_not_raised(tmp_path: Path) -> None:
    _write_trail(tmp_path, [_record("GetObject")])
    day = next(tmp_path.rglob("*.json.gz")).parent
    (day / "cut.json.gz").write_bytes(gzip.compress(b'{"Records": [' + b"{}" * 100 + b"]}")[:30])
    (day / "half.json").write_bytes(b'{"Records": [{"eventSource": "s3.amazonaws.com", "eventN')
    (day / "binary.json").write_bytes(bytes(range(256)))
    s = summarize_source(str(tmp_path), jobs=1)
    assert s.records == 1
    assert s.skipped["unreadable or truncated file"] == 1
    assert s.skipped["not JSON"] == 2


# --- mapping events to actions --------------------------------------------------------


def test_events_map_through_the_catalogue(tmp_path: Path) -> None:
    obj = [{"type": "AWS::S3::Object", "ARN": "arn:aws:s3:::b/k"}, {"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::b"}]
    bucket = [{"type": "AWS::S3::Bucket", "ARN": "arn:aws:s3:::b"}]
    _write_trail(tmp_path, [
        _record("HeadObject", resources=obj),
        _record("ListObjectsV2", resources=bucket),
        _record("HeadBucket", resources=bucket),
        _record("SendMessageBatch", "sqs", requestParameters={"queueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q"}),
        _record("UpdateFunctionConfiguration20150331v2", "lambda", requestParameters={"functionName": "f"}),
        _record("GetCallerIdentity", "sts"),
        _record("DescribeAlarms", "monitoring"),
        _record("GetItem", "dynamodb", errorCode="AccessDenied",
                errorMessage="User: x is not authorized to perform: dynamodb:GetItem on resource: t because no identity-based policy allows it",
                requestParameters={"tableName": "t"}),
    ])
    s = summarize_source(str(tmp_path), jobs=1)
    hist = s.roles[ROLE]
    assert hist.actions["s3:GetObject"].resources == {"arn:aws:s3:::b/k"}
    assert hist.actions["s3:ListBucket"].count == 2
    assert hist.actions["sqs:SendMessage"].resources == {"arn:aws:sqs:us-east-1:123456789012:q"}
    assert hist.actions["lambda:UpdateFunctionConfiguration"].resources == {"arn:aws:lambda:us-east-1:123456789012:function:f"}
    assert "cloudwatch:DescribeAlarms" in hist.actions
    assert hist.no_permission == {"sts:GetCallerIdentity": 1}
    assert set(hist.denied) == {"dynamodb:GetItem"}
    assert hist.denied["dynamodb:GetItem"].resources == {"arn:aws:dynamodb:us-east-1:123456789012:table/t"}


def test_copy_object_needs_the_source_read(tmp_path: Path) -> None:
    _write_trail(tmp_path, [_record("CopyObject", requestParameters={
        "bucketName": "dst", "key": "k", "x-amz-copy-source": "src/in/k"})])
    hist = summarize_source(str(tmp_path), jobs=1).roles[ROLE]
    assert hist.actions["s3:PutObject"].resources == {"arn:aws:s3:::dst/k"}
    assert hist.actions["s3:GetObject"].resources == {"arn:aws:s3:::src/in/k"}


def test_since_until_prune_paths_and_records(tmp_path: Path) -> None:
    _write_trail(tmp_path, [_record("GetObject", t="2024-06-01T10:00:00Z")], day="2024/06/01")
    _write_trail(tmp_path, [_record("PutObject", t="2024-06-02T10:00:00Z"), _record("DeleteObject", t="2024-06-02T23:00:00Z")], day="2024/06/02")
    s = summarize_source(str(tmp_path), since="2024-06-02", until="2024-06-02T12:00:00Z", jobs=1)
    assert set(s.roles[ROLE].actions) == {"s3:PutObject"}
    assert s.skipped["outside --since/--until (by path date)"] == 1
    assert s.skipped["outside --since/--until"] == 1


def test_role_filter_accepts_assumed_role_arn(tmp_path: Path) -> None:
    _write_trail(tmp_path, [_record("GetObject"), _record("GetObject", role="arn:aws:iam::123456789012:role/other")])
    runner = CliRunner()
    out = runner.invoke(main, ["trail", "summarize", str(tmp_path), "--format", "json",
                               "--role", "arn:aws:sts::123456789012:assumed-role/app-role/app-fn"])
    assert out.exit_code == 0, out.output
    assert list(json.loads(out.output)["roles"]) == [ROLE]


# --- the generator's ground truth, and identical output for 1 or 2 workers --------------


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("gen")
    subprocess.run(
        [sys.executable, str(SHARED / "cloudtrail" / "gen_trail.py"), "--records", "20000", "--roles", "6",
         "--seed", "5", "--out", str(out), "--min-per-file", "50", "--max-per-file", "200"],
        check=True, capture_output=True,
    )
    return out


def test_summary_matches_generator_ground_truth(generated: Path) -> None:
    truth = json.loads((generated / "ground_truth.json").read_text())["roles"]
    summary = summarize_source(str(generated), jobs=2).to_json()["roles"]
    for arn, expected in truth.items():
        assert set(summary[arn]["actions"]) == set(expected["allowed_actions_used"]), arn
        assert set(summary[arn]["denied"]) == set(expected["denied_actions_attempted"]), arn


def test_summary_bytes_do_not_depend_on_worker_count(generated: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from lpgen.trail import read

    monkeypatch.setattr(read, "PARALLEL_BYTES", 0)
    one = json.dumps(summarize_source(str(generated), jobs=1).to_json(), sort_keys=True)
    two = json.dumps(summarize_source(str(generated), jobs=2).to_json(), sort_keys=True)
    assert one == two


# --- S3 source against a moto server on loopback ----------------------------------------


def test_s3_source_reads_like_a_local_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    boto3 = pytest.importorskip("boto3")
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    try:
        host, port = server.get_host_and_port()
        for k, v in {"AWS_ENDPOINT_URL": f"http://{host}:{port}", "AWS_ACCESS_KEY_ID": "testing",
                     "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}.items():
            monkeypatch.setenv(k, v)
        _write_trail(tmp_path, [_record("GetObject"), _record("PutObject")])
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="trail")
        for f in tmp_path.rglob("*.gz"):
            s3.upload_file(str(f), "trail", str(f.relative_to(tmp_path)))
        s3.put_object(Bucket="trail", Key="AWSLogs/123456789012/CloudTrail-Digest/us-east-1/2024/06/01/d.json.gz", Body=b"x")
        remote = summarize_source("s3://trail/AWSLogs/", jobs=1)
        local = summarize_source(str(tmp_path), jobs=1)
        assert remote.roles[ROLE].actions.keys() == local.roles[ROLE].actions.keys() == {"s3:GetObject", "s3:PutObject"}
        assert remote.skipped.get("digest file") == 1
    finally:
        server.stop()


# --- cross-check on the corpus trail cases ----------------------------------------------


TRAIL_CASES = sorted(p.parent for p in CORPUS.glob("*/case.json") if (p.parent / "trail").is_dir())


@pytest.mark.parametrize("case", TRAIL_CASES, ids=lambda p: p.name)
def test_corpus_trail_labels_match_the_cross_check(case: Path, tmp_path: Path) -> None:
    label = json.loads((case / "case.json").read_text())
    report = tmp_path / "report.json"
    args = ["suggest", str(case / label["entry"]), "--cloudtrail", str(case / "trail"), "--role", label["role_arn"],
            "--region", label["region"], "--account", label["account"], "--report", str(report)]
    if label.get("template"):
        args += ["--template", str(case / label["template"]), "--function", label["function"]]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    statuses = json.loads(report.read_text())["trail"]["statuses"]
    by_status: dict[str, set[str]] = {}
    for s in statuses:
        by_status.setdefault(s["status"], set()).add(s["action"])
    want = label["trail"]
    for action in want.get("denied") or ():
        assert action in by_status.get("denied", set()), (action, by_status)
    for action in want.get("unobserved") or ():
        assert action in by_status.get("code-only", set()) | by_status.get("unlogged", set()), (action, by_status)
        assert action not in by_status.get("confirmed", set())
    for action in want.get("trail_only") or ():
        needed = any(a == action for a, _ in label["allow"])
        if needed:
            # found only in the trail, or also implied by the template (a bucket's KMS key):
            # either way granted, and not from a call in the code
            assert action in by_status.get("trail-only", set()) | by_status.get("confirmed", set()), (action, by_status)
            perms = json.loads(report.read_text())["permissions"]
            assert all(e["kind"] != "code" for p in perms if p["action"] == action for e in p["evidence"])
        else:
            assert action in by_status.get("stale", set()), (action, by_status)


def test_store_rereads_only_new_files_and_gives_the_same_summary(tmp_path: Path) -> None:
    trail = tmp_path / "trail"
    _write_trail(trail, [_record("GetObject"), _record("PutObject", errorCode="AccessDenied")])
    store = str(tmp_path / "agg.sqlite")
    first = summarize_source(str(trail), store=store, jobs=1)
    assert first.from_store == 0
    _write_trail(trail, [_record("DeleteObject", t="2024-06-02T00:00:00Z")], day="2024/06/02")
    second = summarize_source(str(trail), store=store, jobs=1)
    assert second.from_store == 1
    fresh = summarize_source(str(trail), jobs=1)
    assert {**second.to_json(), "files_from_store": 0} == {**fresh.to_json(), "files_from_store": 0}
    assert set(second.roles[ROLE].actions) == {"s3:GetObject", "s3:DeleteObject"}
    assert set(second.roles[ROLE].denied) == {"s3:PutObject"}


def test_store_that_is_not_sqlite_is_one_clear_error(tmp_path: Path) -> None:
    trail = _write_trail(tmp_path / "trail", [_record("GetObject")])
    bad = tmp_path / "bad.sqlite"
    bad.write_bytes(b"not a database at all" * 100)
    result = CliRunner().invoke(main, ["trail", "summarize", str(trail), "--store", str(bad)])
    assert result.exit_code == 1
    assert "not an lpgen aggregate store" in result.output or "cannot open" in result.output


def test_athena_result_export_csv(tmp_path: Path) -> None:
    header = "eventversion,useridentity,eventtime,eventsource,eventname,awsregion,errorcode,errormessage,requestparameters,resources\n"
    ui = ("\"{type=AssumedRole, principalid=AROA:fn, arn=arn:aws:sts::123456789012:assumed-role/app-role/app-fn, "
          "accountid=123456789012, invokedby=null, accesskeyid=ASIA, username=null, sessioncontext={attributes="
          "{mfaauthenticated=false, creationdate=2024-06-01T00:00:00Z}, sessionissuer={type=Role, principalid=AROA, "
          f"arn={ROLE}, accountid=123456789012, username=app-role}}}}}}\"")
    rows = [
        f'1.08,{ui},2024-06-01T10:00:00Z,s3.amazonaws.com,GetObject,us-east-1,,,"{{""bucketName"":""b"",""key"":""k""}}",'
        '"[{arn=arn:aws:s3:::b/k, accountid=null, type=AWS::S3::Object}]"',
        f'1.08,{ui},2024-06-01T11:00:00Z,dynamodb.amazonaws.com,UpdateItem,us-east-1,AccessDenied,denied,'
        '"{""tableName"":""t""}",',
    ]
    (tmp_path / "results.csv").write_text(header + "\n".join(rows) + "\n")
    s = summarize_source(str(tmp_path / "results.csv"), jobs=1)
    hist = s.roles[ROLE]
    assert hist.actions["s3:GetObject"].resources == {"arn:aws:s3:::b/k"}
    assert hist.denied["dynamodb:UpdateItem"].resources == {"arn:aws:dynamodb:us-east-1:123456789012:table/t"}
    assert hist.functions == {"app-fn"}


def test_functions_of_one_template_share_a_trail_and_keep_their_own_roles(tmp_path: Path) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "app.py").write_text(
        "import boto3\ndef handler(e, c):\n    return boto3.client('s3').get_object(Bucket='b', Key='k')\n")
    roles = {"A": "arn:aws:iam::123456789012:role/a-role", "B": "arn:aws:iam::123456789012:role/b-role"}
    (tmp_path / "template.yaml").write_text("Transform: AWS::Serverless-2016-10-31\nResources:\n" + "".join(
        f"  {fn}:\n    Type: AWS::Serverless::Function\n"
        f"    Properties: {{CodeUri: src/, Handler: app.handler, Role: '{arn}'}}\n" for fn, arn in roles.items()))
    _write_trail(tmp_path / "trail", [
        _record("GetObject", role=roles["A"], requestParameters={"bucketName": "b", "key": "k"}),
        _record("SendMessage", source="sqs", role=roles["A"],
                requestParameters={"queueUrl": "https://sqs.us-east-1.amazonaws.com/123456789012/q"}),
        _record("GetObject", role=roles["B"], requestParameters={"bucketName": "b", "key": "k"}),
    ])
    common = ["suggest", "--template", str(tmp_path / "template.yaml"), "--cloudtrail", str(tmp_path / "trail"),
              "--region", "us-east-1", "--account", "123456789012", "--format", "json"]
    together = CliRunner().invoke(main, [*common, "--all"])
    assert together.exit_code == 0, together.output
    both = json.loads(together.stdout)
    for fn in roles:
        alone = CliRunner().invoke(main, [*common, "--function", fn])
        assert alone.exit_code == 0, alone.output
        assert both[fn] == json.loads(alone.stdout)
    actions = {fn: {a for s in both[fn]["Statement"] for a in s["Action"]} for fn in roles}
    assert "sqs:SendMessage" in actions["A"]
    assert "sqs:SendMessage" not in actions["B"]


def test_the_role_of_a_function_is_found_by_its_qualified_arn(tmp_path: Path) -> None:
    from lpgen.trail import pick_role

    other = "arn:aws:iam::123456789012:role/other-role"
    mine = _record("GetObject", session="i-0abc")
    mine["userIdentity"]["inScopeOf"] = {"credentialsIssuedTo": "arn:aws:lambda:us-east-1:123456789012:function:orders:live"}
    _write_trail(tmp_path, [mine, _record("GetObject", role=other, session="orders-batch")])
    summary = summarize_source(str(tmp_path), jobs=1)
    assert pick_role(summary, None, ["orders"]) == ROLE


@pytest.mark.parametrize("case", TRAIL_CASES, ids=lambda p: p.name)
def test_the_cross_check_does_not_depend_on_the_arns_placeholders(case: Path, tmp_path: Path) -> None:
    # Without --region and --account the policy's ARNs hold ${AWS::Region}-style
    # placeholders: each permission still gets the status it gets with them given.
    label = json.loads((case / "case.json").read_text())

    def statuses(*scope: str) -> dict[str, tuple[str, str]]:
        report = tmp_path / "report.json"
        args = ["suggest", str(case / label["entry"]), "--cloudtrail", str(case / "trail"), "--role", label["role_arn"],
                "--report", str(report), *scope]
        if label.get("template"):
            args += ["--template", str(case / label["template"]), "--function", label["function"]]
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
        return {s["action"]: (s["status"], s.get("note", "")) for s in json.loads(report.read_text())["trail"]["statuses"]}

    given = statuses("--region", label["region"], "--account", label["account"])
    placeholders = statuses()
    assert {a: s for a, (s, _) in placeholders.items()} == {a: s for a, (s, _) in given.items()}
    assert not any("Partition" in note or "AccountId" in note for _, note in placeholders.values())


def test_actions_cloudtrail_never_logs_are_unlogged_not_unexercised(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        "import boto3\n"
        "from opensearchpy import AWSV4SignerAuth, OpenSearch\n"
        "client = OpenSearch(hosts=['search-orders-abcdefghij.us-east-1.es.amazonaws.com'],\n"
        "                    http_auth=AWSV4SignerAuth(None, 'us-east-1'))\n"
        "def handler(e, c):\n"
        "    boto3.client('s3').get_object(Bucket='b', Key='k')\n"
        "    client.search(index='orders')\n"
    )
    _write_trail(tmp_path / "trail", [_record("GetObject", requestParameters={"bucketName": "b", "key": "k"})])
    report = tmp_path / "report.json"
    r = CliRunner().invoke(main, ["suggest", str(tmp_path / "app.py"), "--cloudtrail", str(tmp_path / "trail"),
                                  "--role", ROLE, "--region", "us-east-1", "--account", "123456789012",
                                  "--report", str(report)])
    assert r.exit_code == 0, r.output
    statuses = {s["action"]: (s["status"], s.get("note", "")) for s in json.loads(report.read_text())["trail"]["statuses"]}
    assert statuses["es:ESHttpPost"] == ("unlogged", "CloudTrail does not log this action")
    assert statuses["s3:GetObject"][0] == "confirmed"
