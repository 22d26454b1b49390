"""The command line, run as a user would."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from lpgen.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "orders"


def _suggest(*extra: str) -> str:
    result = CliRunner().invoke(
        main,
        ["suggest", str(EXAMPLE / "src" / "orders"), "--template", str(EXAMPLE / "template.yaml"),
         "--region", "us-east-1", "--account", "123456789012", *extra],
    )
    assert result.exit_code == 0, result.output
    return result.stdout


def test_suggest_example_gives_scoped_policy() -> None:
    doc = json.loads(_suggest())
    pairs = {(a, r) for s in doc["Statement"] for a in s["Action"] for r in s["Resource"]}
    assert pairs == {
        ("dynamodb:GetItem", "arn:aws:dynamodb:us-east-1:123456789012:table/orders"),
        ("dynamodb:PutItem", "arn:aws:dynamodb:us-east-1:123456789012:table/orders"),
        ("sns:Publish", "arn:aws:sns:us-east-1:123456789012:order-events"),
    }


def test_output_is_byte_identical_across_runs_and_hash_seeds() -> None:
    cmd = [sys.executable, "-P", "-m", "lpgen.cli", "suggest", str(EXAMPLE / "src" / "orders"), "--template",
           str(EXAMPLE / "template.yaml"), "--region", "us-east-1", "--account", "1"]
    outs = {
        subprocess.run(cmd, capture_output=True, env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}, check=True).stdout
        for seed in ("0", "1", "12345")
    }
    assert len(outs) == 1


def test_report_has_evidence(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    _suggest("--report", str(report))
    data = json.loads(report.read_text())
    publish = next(p for p in data["permissions"] if p["action"] == "sns:Publish")
    assert publish["evidence"][0]["line"] > 0


def test_malformed_template_is_a_one_line_error(tmp_path: Path) -> None:
    bad = tmp_path / "template.yaml"
    bad.write_text("Resources:\n  A: [unclosed\n")
    result = CliRunner().invoke(main, ["suggest", str(EXAMPLE / "src"), "--template", str(bad)])
    assert result.exit_code == 1
    assert str(bad) in result.output and ":" in result.output and "Traceback" not in result.output


def test_explain_list_objects_v2() -> None:
    result = CliRunner().invoke(main, ["explain", "s3.list_objects_v2", "--format", "json"])
    info = json.loads(result.stdout)
    assert info["operations"][0]["required"][0]["action"] == "s3:ListBucket"


def test_catalog_dump_lines() -> None:
    result = CliRunner().invoke(main, ["catalog", "dump", "--client", "sqs"])
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    batch = next(x for x in lines if x["method"] == "send_message_batch")
    assert batch["required"] == ["sqs:SendMessage"] and {"client", "method", "operation", "conditional", "resources"} <= set(batch)
