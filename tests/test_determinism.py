"""Same input, same bytes: across runs, hash seeds, input order and worker counts."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from lpgen import api
from lpgen.render.text import report

ROOT = Path(__file__).resolve().parents[1]
ENV = {"TABLE": "t", "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/q", "TOPIC_ARN": "arn:aws:sns:us-east-1:1:t"}


@pytest.fixture(scope="module")
def handlers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("handlers")
    subprocess.run([sys.executable, str(ROOT / "scripts" / "bench" / "gen_handlers.py"), str(out), "--modules", "80"], check=True)
    return out


def _bytes(result: api.Suggestion) -> str:
    return result.policy.dumps() + json.dumps(report(result), sort_keys=True)


def test_one_or_two_worker_processes_give_the_same_bytes(handlers: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(api, "PARALLEL_MODULES", 10)
    one = api.suggest([str(handlers)], env=ENV, region="us-east-1", account="1", jobs=1)
    two = api.suggest([str(handlers)], env=ENV, region="us-east-1", account="1", jobs=2)
    assert _bytes(one) == _bytes(two)
    assert len(one.analysis.calls) > 100 if one.analysis else False


def test_input_order_does_not_matter(handlers: Path) -> None:
    files = sorted(str(p) for p in handlers.glob("*.py"))[:12]
    forward = api.suggest(files, env=ENV, region="us-east-1", account="1")
    backward = api.suggest(list(reversed(files)), env=ENV, region="us-east-1", account="1")
    assert _bytes(forward) == _bytes(backward)


def test_repeated_cli_runs_are_byte_identical(handlers: Path, tmp_path: Path) -> None:
    outs = []
    for seed in ("1", "77"):
        cmd = [sys.executable, "-P", "-m", "lpgen.cli", "suggest", str(handlers), "--region", "us-east-1", "--account", "1",
               "--report", str(tmp_path / f"r{seed}.json")] + [a for k, v in ENV.items() for a in ("--env", f"{k}={v}")]
        outs.append(subprocess.run(cmd, capture_output=True, check=True, env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}).stdout)
    assert outs[0] == outs[1]
    assert (tmp_path / "r1.json").read_bytes() == (tmp_path / "r77.json").read_bytes()


def test_the_program_gives_the_bytes_the_library_gives(handlers: Path, tmp_path: Path) -> None:
    # The program keeps its part of the analysis in its own process and ends without the
    # interpreter's teardown; in-process (as a library) every part runs in a worker.
    from click.testing import CliRunner

    from lpgen.cli import main

    args = ["suggest", str(handlers), "--region", "us-east-1", "--account", "1", "--format", "text",
            *[a for k, v in ENV.items() for a in ("--env", f"{k}={v}")]]
    program = subprocess.run([sys.executable, "-P", "-m", "lpgen.cli", *args, "--report", str(tmp_path / "program.json")],
                             capture_output=True, check=True)
    library = CliRunner().invoke(main, [*args, "--report", str(tmp_path / "library.json")])
    assert library.exit_code == 0, library.output
    assert program.stdout.decode() == library.stdout
    assert program.stderr.decode() == library.stderr
    assert (tmp_path / "program.json").read_bytes() == (tmp_path / "library.json").read_bytes()
    assert "handler_0079.handler" in (tmp_path / "program.json").read_text()


REGISTRY = """import boto3

CLIENTS = {}


def register(name, service):
    CLIENTS[name] = boto3.client(service)
"""
ROUTER = """import registry


def handler(event, context):
    for client in registry.CLIENTS.values():
        client.list_tags_for_resource(ResourceArn=event["arn"])
"""
PLUGIN = """import boto3
import registry

registry.register("c{n}", "{service}")


def handler(event, context):
    boto3.client("s3").get_object(Bucket="b{n}", Key="k")
"""


def test_a_folder_of_handlers_gives_the_same_bytes_on_any_number_of_cores(tmp_path: Path) -> None:
    """A folder of many modules is cut into pieces; what one module sees of another's
    module-level state (a registry the others fill as they are imported) depends on which
    modules share a piece, so the cut is the same whatever the machine's core count, one
    core included."""
    (tmp_path / "registry.py").write_text(REGISTRY)
    (tmp_path / "router.py").write_text(ROUTER)
    services = ["sqs", "sns", "kms", "logs", "firehose", "ssm", "kinesis"]
    for n in range(api.PARALLEL_MODULES + 6):
        (tmp_path / f"plugin_{n:03d}.py").write_text(PLUGIN.replace("{n}", str(n)).replace("{service}", services[n % 7]))
    runs = {jobs: _bytes(api.suggest([str(tmp_path)], region="us-east-1", account="1", jobs=jobs)) for jobs in (1, 2, 3, 4)}
    assert runs[1] == runs[2] == runs[3] == runs[4]
    assert "plugin_069.handler" in runs[2]


def test_a_tree_of_packages_gives_the_same_bytes_on_any_number_of_cores(tmp_path: Path) -> None:
    """A tree of packages with no handler named is cut into parts; as with a folder of
    handlers, what a module sees of another's module-level state depends on which modules
    share a part, so the cut is the same whatever the machine's core count, one core
    included."""
    package = tmp_path / "app"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "registry.py").write_text(REGISTRY)
    (package / "router.py").write_text(
        "from app import registry\n\n\ndef handler(event, context):\n"
        "    registry.CLIENTS['c5'].list_tags_for_resource(ResourceArn=event['arn'])\n")
    services = ["sqs", "sns", "kms", "logs", "firehose", "ssm", "kinesis"]
    for n in range(api.PARALLEL_MODULES + 6):
        plugin = PLUGIN.replace("{n}", str(n)).replace("{service}", services[n % 7])
        (package / f"plugin_{n:03d}.py").write_text(plugin.replace("import registry", "from app import registry"))
    runs = {jobs: _bytes(api.suggest([str(tmp_path)], region="us-east-1", account="1", jobs=jobs)) for jobs in (1, 2, 3, 4)}
    assert runs[1] == runs[2] == runs[3] == runs[4]
    assert "app.plugin_069.handler" in runs[2]
