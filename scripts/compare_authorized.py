#!/usr/bin/env python3
"""List the actions AWS's service reference authorizes for an operation that lpgen never adds
(test data; a list to review, since the reference also lists actions a request needs only in
cases the code may never reach).

    python scripts/compare_authorized.py [--tarball PATH] [--all] [--list N]

For every operation of the Lambda-typical clients (``--all``: every client) with a boto3
method, compares the reference's AuthorizedActions with the actions lpgen may add for it
(required or conditional), and prints how many operations have one lpgen never adds, then
those operations.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from compare_reference import DEFAULT_TARBALL, LAMBDA_TYPICAL, load_documents

from lpgen.permissions import service_models
from lpgen.permissions.mapping import operation_permissions


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tarball", type=Path, default=DEFAULT_TARBALL)
    ap.add_argument("--all", action="store_true")
    ap.add_argument("--list", type=int, default=50)
    args = ap.parse_args()
    total = 0
    gaps: list[tuple[str, str, list[str]]] = []
    for prefix, raw in sorted(load_documents(args.tarball).items()):
        for op in json.loads(raw).get("Operations", ()):
            listed = {f"{a.get('Service', prefix)}:{a['Name']}".lower() for a in op.get("AuthorizedActions", ())}
            for sdk in op.get("SDK", ()):
                if sdk.get("Package") != "Boto3" or not (args.all or sdk["Name"] in LAMBDA_TYPICAL):
                    continue
                info = service_models.operations(sdk["Name"]).get(sdk["Method"])
                if info is None:
                    continue
                total += 1
                perms = operation_permissions(sdk["Name"], info.operation)
                added = {r.action.lower() for r in (*perms.required, *perms.conditional)}
                if perms.fanout is not None:
                    added |= {action.lower() for _, action in perms.fanout.by_key}
                never = sorted(listed - added)
                if never:
                    gaps.append((sdk["Name"], info.operation, never))
    print(f"operations: {total}; with an action the reference lists that lpgen never adds: {len(gaps)}")
    for client, operation, never in gaps[: args.list]:
        print(f"  {client}.{operation}: {', '.join(never)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
