#!/usr/bin/env python3
"""Measure lpgen's catalogue against AWS's service reference (test data, never shipped).

    python scripts/compare_reference.py [--tarball PATH] [--json OUT] [--list N]

For every operation the reference lists with AuthorizedActions and a boto3 method:
  (a) lpgen's required actions are a subset of the reference's authorized set;
  (b) where the naive rule ``<prefix>:<OperationName>`` is not in that set, lpgen's
      actions (required, or conditional with their trigger) include one that is.
Measured twice, each in a fresh process: from lpgen's own tables alone (an empty cache),
and after ``lpgen data refresh --url`` from the same snapshot served on 127.0.0.1.
Figures over all operations and over the Lambda-typical clients.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_TARBALL = ROOT.parent / "shared" / "reference" / "servicereference" / "servicereference-20260822.tar.gz"
LAMBDA_TYPICAL = ["s3", "dynamodb", "sqs", "sns", "lambda", "secretsmanager", "ssm", "kms", "stepfunctions", "events", "kinesis", "firehose", "sts", "cloudwatch", "logs", "rekognition", "textract", "comprehend", "bedrock-runtime", "athena", "glue", "sesv2", "cognito-idp", "ecs", "scheduler", "iot-data", "xray", "appconfigdata"]


def load_documents(tarball: Path) -> dict[str, bytes]:
    """prefix → the raw JSON document, straight from the tarball."""
    docs: dict[str, bytes] = {}
    with tarfile.open(tarball) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.endswith(".json"):
                fh = tar.extractfile(member)
                if fh is not None:
                    docs[Path(member.name).stem] = fh.read()
    return docs


def serve(docs: dict[str, bytes]) -> tuple[ThreadingHTTPServer, str]:
    """Serve the snapshot as AWS does: an index list of {service, url} and one document each."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server's name
            host = f"http://127.0.0.1:{self.server.server_address[1]}"
            if self.path in ("/", "/v1/"):
                body = json.dumps([{"service": p, "url": f"{host}/v1/{p}/{p}.json"} for p in sorted(docs)]).encode()
            else:
                prefix = self.path.strip("/").split("/")[-1].removesuffix(".json")
                if prefix not in docs:
                    self.send_error(404)
                    return
                body = docs[prefix]
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def measure(tarball: Path, listed: int) -> dict[str, Any]:
    """Run in a process whose LPGEN_CACHE_DIR is already set: compare every operation."""
    from lpgen.permissions import iam_data, service_models
    from lpgen.permissions.mapping import iam_prefix, operation_permissions

    clients = set(service_models.client_names())
    stats = {scope: {"ops": 0, "a_ok": 0, "naive_miss": 0, "b_ok": 0, "no_permission": 0}
             for scope in ("all", "lambda_typical")}
    disagreements: list[dict[str, Any]] = []
    for prefix, raw in sorted(load_documents(tarball).items()):
        doc = json.loads(raw)
        for op in doc.get("Operations") or ():
            authorized = {f"{a.get('Service', prefix)}:{a['Name']}".lower() for a in op.get("AuthorizedActions") or ()}
            if not authorized:
                continue
            for sdk in op.get("SDK") or ():
                if sdk.get("Package") != "Boto3" or sdk.get("Name") not in clients:
                    continue
                client, method = sdk["Name"], sdk["Method"]
                info = service_models.operations(client).get(method)
                if info is None:
                    continue
                perms = operation_permissions(client, info.operation)
                scopes = ["all"] + (["lambda_typical"] if client in LAMBDA_TYPICAL else [])
                if perms.no_permission:
                    for s in scopes:
                        stats[s]["no_permission"] += 1
                    continue
                required = {r.action.lower() for r in perms.required}
                if info.discovery:
                    # NOTE: the endpoint lookup the SDK makes first is an operation of its
                    # own (DescribeEndpoints); the reference lists each operation's actions.
                    required.discard(f"{iam_prefix(client)}:{info.discovery}".lower())
                if perms.fanout is not None:
                    required |= {a.lower() for _, a in perms.fanout.by_key}
                known = required | {r.action.lower() for r in perms.conditional}
                naive = f"{iam_prefix(client)}:{info.operation}".lower()
                a_ok = bool(known) and required <= authorized
                miss = naive not in authorized or not iam_data.action_exists(naive)
                # NOTE: (b) counts conditional actions too: PartiQL's actions depend on the
                # statement's verb and are known, with that trigger, not always required.
                b_ok = bool(known & authorized)
                for s in scopes:
                    st = stats[s]
                    st["ops"] += 1
                    st["a_ok"] += a_ok
                    if miss:
                        st["naive_miss"] += 1
                        st["b_ok"] += b_ok
                if not a_ok or (miss and not b_ok):
                    disagreements.append({
                        "client": client, "method": method, "lpgen": sorted(required),
                        "reference": sorted(authorized), "source": perms.source,
                        "lambda_typical": client in LAMBDA_TYPICAL,
                    })
    for st in stats.values():
        st["a"] = round(st["a_ok"] / st["ops"], 4) if st["ops"] else None
        st["b"] = round(st["b_ok"] / st["naive_miss"], 4) if st["naive_miss"] else None
    disagreements.sort(key=lambda d: (not d["lambda_typical"], d["client"], d["method"]))
    return {"stats": stats, "disagreements": len(disagreements), "examples": disagreements[:listed]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tarball", type=Path, default=DEFAULT_TARBALL)
    ap.add_argument("--json", help="write both measurements here")
    ap.add_argument("--list", type=int, default=20, help="disagreements to list")
    ap.add_argument("--measure-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure_only:
        print(json.dumps(measure(args.tarball, args.list)))
        return 0
    if not args.tarball.exists():
        print(f"{args.tarball}: not found", file=sys.stderr)
        return 2
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as own, tempfile.TemporaryDirectory() as refreshed:
        env = {**os.environ, "LPGEN_CACHE_DIR": own}
        cmd = [sys.executable, __file__, "--measure-only", "--tarball", str(args.tarball), "--list", str(args.list)]
        results["own_tables"] = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout)
        server, url = serve(load_documents(args.tarball))
        try:
            env = {**os.environ, "LPGEN_CACHE_DIR": refreshed}
            subprocess.run([sys.executable, "-m", "lpgen.cli", "data", "refresh", "--url", url],
                           env=env, check=True, capture_output=True)
        finally:
            server.shutdown()
        results["after_refresh"] = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout)
    for name, r in results.items():
        for scope, st in r["stats"].items():
            print(f"{name:<14} {scope:<15} ops {st['ops']:>6}  (a) {st['a']:.4f}  "
                  f"naive misses {st['naive_miss']:>5}  (b) {st['b']:.4f}  no-permission {st['no_permission']}")
        print(f"{name:<14} disagreements: {r['disagreements']}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=1, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
