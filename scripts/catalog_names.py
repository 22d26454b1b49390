#!/usr/bin/env python3
"""The grants of every operation whose names the request gives, to see what a change moves.

    python scripts/catalog_names.py [SERVICE ...] > grants.txt
    python scripts/catalog_names.py --unnamed SERVICE ...

Each operation of the botocore services (all, or those named) is mapped as a request that
gives every string member that is required or named ``Name``/``Id`` a distinct literal
(``vname``); one line per operation lists its (action, resource) grants. Two runs, before
and after a change to the ARN tables or the resolver, diff to exactly the operations the
change moves. ``--unnamed`` lists instead each grant on ``*`` of an action that has
resource-level permissions while the request gave a member ending in Name, Id or
Identifier: a name the tables may not yet read.
"""

from __future__ import annotations

import argparse
from typing import Any

import botocore.session

from lpgen.calls.model import ApiCall, Location
from lpgen.permissions import iam_data
from lpgen.permissions.arns import Scope
from lpgen.permissions.grant import call_permissions

SCOPE = Scope("aws", "us-east-1", "111122223333")
NAMES = ("name", "id", "identifier")


def request(shape: Any, unnamed: bool) -> dict[str, str]:
    """A request giving a literal for each string member the run looks at."""
    if shape is None:
        return {}
    out = {}
    for name, member in shape.members.items():
        if member.type_name != "string":
            continue
        lowered = name.lower()
        if unnamed:
            wanted = lowered.endswith(NAMES) and not lowered.endswith(("clienttoken", "requestid"))
        else:
            wanted = name in shape.required_members or lowered in ("name", "id")
        if wanted:
            out[name] = f"v{lowered}"
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("services", nargs="*")
    ap.add_argument("--unnamed", action="store_true")
    args = ap.parse_args()
    session = botocore.session.get_session()
    for service in args.services or session.get_available_services():
        model = session.get_service_model(service)
        for operation in model.operation_names:
            params = request(model.operation_model(operation).input_shape, args.unnamed)
            if args.unnamed and not params:
                continue
            perms, _ = call_permissions(ApiCall(service, operation, params, Location("x.py", 1, "")), SCOPE)
            if not args.unnamed:
                print(service, operation, sorted((p.action, p.resource) for p in perms))
                continue
            for p in perms:
                info = iam_data.action(p.action)
                if info is not None and info.resources and p.resource == "*":
                    print(f"{service:16s} {operation:40s} {p.action:44s} {sorted(params)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
