"""A folder analysed in several worker processes gives what one process gives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lpgen import api

SHARED = '''
import boto3
s3 = boto3.client("s3")

def archive(key):
    s3.put_object(Bucket="archive", Key=key, Body=b"")

def purge():
    s3.delete_object(Bucket="archive", Key="old")
'''

HANDLER = '''
from shared import archive

def handler(event, context):
    archive("in/{n}")
'''

LIBRARY = '''
import boto3

def report():
    boto3.client("sqs").send_message(QueueUrl="https://sqs.us-east-1.amazonaws.com/1/q{n}", MessageBody="x")
'''


@pytest.fixture()
def folder(tmp_path: Path) -> Path:
    (tmp_path / "shared.py").write_text(SHARED)
    for n in range(8):
        (tmp_path / f"a{n}.py").write_text(LIBRARY.replace("{n}", str(n)))
    for n in range(8):
        (tmp_path / f"z{n}.py").write_text(HANDLER.replace("{n}", str(n)))
    return tmp_path


def _view(a: api.Analysis) -> tuple[object, ...]:
    return (a.entry, [(c.client, c.operation, c.params, c.location) for c in a.calls],
            [(u.function, u.call.operation, u.call.location) for u in a.unreachable], a.files)


def test_workers_choose_entries_and_reachability_as_one_process_does(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # NOTE: the folder's 17 modules are too few to split; with the threshold lowered, its
    # pieces run in two processes.
    one = api.analyze([str(folder)], region="us-east-1", account="1", jobs=1)
    monkeypatch.setattr(api, "PARALLEL_MODULES", 4)
    two = api.analyze([str(folder)], region="us-east-1", account="1", jobs=2)
    # handlers exist (in the second half), so only they are entries: the libraries' report()
    # is not reached, and purge() is not reached from any handler
    assert "found by name" in one.entry
    assert {(c.operation, c.params.get("Key")) for c in one.calls} == {("PutObject", f"in/{n}") for n in range(8)}
    assert {u.function for u in one.unreachable} >= {"shared.purge", "a0.report"}
    assert _view(two) == _view(one)


def test_a_folder_without_handlers_takes_every_function_in_workers_too(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The workers take a folder's modules a few at a time, handlers only; when no module
    has a conventional handler, every top-level function is an entry, as in one process."""
    for handler in folder.glob("z*.py"):
        handler.unlink()
    one = api.analyze([str(folder)], region="us-east-1", account="1", jobs=1)
    monkeypatch.setattr(api, "PARALLEL_MODULES", 4)
    two = api.analyze([str(folder)], region="us-east-1", account="1", jobs=2)
    assert "every top-level function" in one.entry
    assert {c.operation for c in one.calls} == {"SendMessage", "PutObject", "DeleteObject"}
    assert _view(two) == _view(one)


def test_without_fork_the_parts_and_pieces_run_here_alike(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where processes cannot be forked (Windows), the same parts and pieces run one after
    another in this process, with the same result."""
    one = api.analyze([str(folder)], region="us-east-1", account="1", jobs=1)
    monkeypatch.setattr(api, "PARALLEL_MODULES", 4)
    monkeypatch.delattr(os, "fork", raising=False)
    two = api.analyze([str(folder)], region="us-east-1", account="1", jobs=2)
    assert _view(two) == _view(one)


def test_calls_cross_from_a_worker_equal_field_by_field(tmp_path: Path) -> None:
    """A worker's calls travel as rows of values; the calls made again from them are the
    same calls, the fields equality skips (request text, notes) included."""
    import pickle
    from dataclasses import fields

    from lpgen.calls.model import pack_calls, unpack_calls

    (tmp_path / "app.py").write_text(
        "import boto3\n"
        "s3 = boto3.client('s3', region_name='eu-west-1')\n"
        "def handler(event, context):\n"
        "    s3.upload_file('/tmp/f', 'bucket', f'in/{event[\"id\"]}')\n"
        "    s3.get_paginator('list_objects_v2').paginate(Bucket='bucket', Prefix='in/')\n"
    )
    calls = api.analyze([str(tmp_path / "app.py")]).calls
    assert len(calls) > 3 and {c.via for c in calls} >= {"boto3 helper", "paginator"}
    back = unpack_calls(pickle.loads(pickle.dumps(pack_calls(calls))))
    assert back == calls
    for before, after in zip(calls, back):
        assert all(getattr(before, f.name) == getattr(after, f.name) for f in fields(before))
        assert after.location == before.location and after.region == "eu-west-1"


RACES = {
    # a worker sees the folder without its first module
    "fewer files": "replace(project, targets=project.targets[1:])",
    # a worker cannot read the folder (it was being replaced)
    "unreadable": "(_ for _ in ()).throw(PermissionError(13, 'Permission denied'))",
}


@pytest.mark.skipif(not hasattr(os, "fork"), reason="the workers are forked before the files are found")
@pytest.mark.parametrize("race", sorted(RACES))
def test_a_worker_that_finds_other_files_does_not_lose_or_double_a_module(folder: Path, race: str) -> None:
    """``lpgen`` starts its workers before the files are found and each finds them itself;
    when one sees other files than the program does (a file written meanwhile), or none,
    its part is not trusted: the parts are analysed again from the program's files."""
    import subprocess
    import sys

    one = api.suggest([str(folder)], region="us-east-1", account="1", jobs=1)
    program = (
        "import os, sys; from dataclasses import replace; from lpgen import api; from lpgen.cli import run\n"
        "api.PARALLEL_MODULES = 4; here = os.getpid(); found = api.discover\n"
        "def racing(*args, **kwargs):\n"
        "    project = found(*args, **kwargs)\n"
        f"    return project if os.getpid() == here else {RACES[race]}\n"
        "api.discover = racing\n"
        "sys.argv = ['lpgen', 'suggest', sys.argv[1], '--region', 'us-east-1', '--account', '1']\n"
        "run()\n"
    )
    out = subprocess.run([sys.executable, "-P", "-c", program, str(folder)], capture_output=True, text=True, check=True)
    assert "in/7" in one.policy.dumps()
    assert out.stdout == one.policy.dumps()
