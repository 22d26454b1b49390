"""The package as users get it: a wheel carrying its data, and the refresh of AWS's service
reference from a server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from conftest import SHARED

ROOT = Path(__file__).resolve().parents[1]
TARBALL = SHARED / "reference" / "servicereference" / "servicereference-20260822.tar.gz"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out), str(ROOT)],
        check=True, capture_output=True,
    )
    return next(out.glob("lpgen-*.whl"))


def test_wheel_ships_every_data_table(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for table in sorted((ROOT / "data").glob("*.yaml")):
        assert f"lpgen/data/{table.name}" in names, table.name


def test_data_loads_from_the_wheel_alone(wheel: Path, tmp_path: Path) -> None:
    # The wheel is pure Python: put it first on the path, away from the checkout, and load
    # every table through importlib.resources as an installed lpgen does.
    code = (
        "import lpgen, lpgen.data_files as d, pathlib;"
        "assert '.whl' in lpgen.__file__, lpgen.__file__;"
        "names = [p for p in d.resources.files('lpgen.data').iterdir() if p.name.endswith('.yaml')];"
        "[d.load_table(p.name) for p in names];"
        "print(len(names))"
    )
    env = {**os.environ, "PYTHONPATH": str(wheel)}
    out = subprocess.run([sys.executable, "-P", "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == len(list((ROOT / "data").glob("*.yaml")))


def _tables_in_fresh_process(cache: Path) -> dict[str, object]:
    code = (
        "import json, sys, lpgen.data_files as d;"
        "names = sorted(p.name for p in d.resources.files('lpgen.data').iterdir() if p.name.endswith('.yaml'));"
        "print(json.dumps({'tables': {n: d.load_table(n) for n in names},"
        " 'after': 'yaml' in sys.modules}, sort_keys=True, default=str))"
    )
    env = {**os.environ, "LPGEN_CACHE_DIR": str(cache)}
    env.pop("LPGEN_NO_MODEL_CACHE", None)
    out = subprocess.run([sys.executable, "-P", "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_parsed_tables_are_read_back_from_the_cache_without_yaml(tmp_path: Path) -> None:
    import yaml

    first = _tables_in_fresh_process(tmp_path)
    assert first["after"], "the first run parses the YAML"
    second = _tables_in_fresh_process(tmp_path)
    assert not second["after"], "a warm cache needs no YAML parser"
    assert second["tables"] == first["tables"]
    for name, table in second["tables"].items():  # type: ignore[union-attr]
        assert table == json.loads(json.dumps(yaml.safe_load((ROOT / "data" / name).read_text()), default=str)), name


def test_installs_of_different_tables_keep_their_own_cache(tmp_path: Path) -> None:
    from lpgen import data_files

    one, two = data_files._cache_path("libraries.yaml", 1), data_files._cache_path("libraries.yaml", 2)
    assert one is not None and two is not None and one != two


def test_a_stale_or_broken_cached_table_is_parsed_again(tmp_path: Path) -> None:
    _tables_in_fresh_process(tmp_path)
    cached = sorted(tmp_path.glob("tables-*/*.marshal"))
    # NOTE: each cached table is named by its table and the checksum of its text.
    assert {p.stem.rsplit("-", 1)[0] for p in cached} == {p.stem for p in (ROOT / "data").glob("*.yaml")}
    import marshal

    prefixes = next(p for p in cached if p.stem.startswith("prefixes-"))
    prefixes.write_bytes(marshal.dumps((0, {"forged": "table"})))  # a checksum no text has
    next(p for p in cached if p.stem.startswith("helpers-")).write_bytes(b"not marshal")
    again = _tables_in_fresh_process(tmp_path)
    assert again["after"]
    assert "forged" not in again["tables"]["prefixes.yaml"]  # type: ignore[index]
    assert again["tables"]["helpers.yaml"]  # type: ignore[index]


# --- lpgen data refresh against a loopback copy of the service reference ------------------

SERVICES = ("dms", "s3", "lambda")


@pytest.fixture(scope="module")
def reference_server() -> Iterator[str]:
    if not TARBALL.exists():
        pytest.skip("service reference snapshot not available")
    docs: dict[str, bytes] = {}
    with tarfile.open(TARBALL) as tar:
        for prefix in SERVICES:
            fh = tar.extractfile(f"./{prefix}/{prefix}.json")
            assert fh is not None
            docs[prefix] = fh.read()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            base = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path == "/":
                body = json.dumps([{"service": p, "url": f"{base}/v1/{p}/{p}.json"} for p in SERVICES]).encode()
            elif self.path.startswith("/v1/") and self.path.split("/")[2] in docs:
                body = docs[self.path.split("/")[2]]
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()


def _required(explained: str) -> list[str]:
    return [r["action"] for op in json.loads(explained)["operations"] for r in op["required"]]


def _lpgen(args: list[str], cache: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "LPGEN_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-P", "-m", "lpgen.cli", *args], env=env, capture_output=True, text=True)


def test_refresh_completes_operations_the_tables_do_not_answer(reference_server: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert _required(_lpgen(["explain", "dms.describe_metadata_model_exports_as_script", "--format", "json"], cache).stdout) == []
    done = _lpgen(["data", "refresh", "--url", reference_server], cache)
    assert done.returncode == 0, done.stderr
    assert "3 services" in done.stdout
    after = _lpgen(["explain", "dms.describe_metadata_model_exports_as_script", "--format", "json"], cache).stdout
    assert _required(after) == ["dms:ListMetadataModelExports"]
    assert json.loads(after)["operations"][0]["source"] == "service reference"
    versions = _lpgen(["data", "versions"], cache).stdout
    assert "service reference" in versions
    # the reviewed tables still decide where they have an answer
    assert _required(_lpgen(["explain", "s3.list_objects_v2", "--format", "json"], cache).stdout) == ["s3:ListBucket"]


def test_refresh_error_is_one_line_and_keeps_the_cache(reference_server: str, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    assert _lpgen(["data", "refresh", "--url", reference_server], cache).returncode == 0
    before = (cache / "sdk-index.json").read_bytes()
    bad = _lpgen(["data", "refresh", "--url", reference_server + "missing"], cache)
    assert bad.returncode == 1
    assert len(bad.stderr.strip().splitlines()) == 1 and "Traceback" not in bad.stderr
    assert (cache / "sdk-index.json").read_bytes() == before
    offline = _lpgen(["data", "refresh", "--offline"], cache)
    assert offline.returncode == 0 and "service reference" in offline.stdout
