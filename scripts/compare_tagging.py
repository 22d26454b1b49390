#!/usr/bin/env python3
"""Measure lpgen's tag-on-create actions against AWS's service reference (test data).

    python scripts/compare_tagging.py [--tarball PATH] [--list N]

For every boto3 operation that takes tags (``Tags``, ``tags``, ``TagList``,
``ResourceTags``, ``TagSpecifications``), compares the tagging actions lpgen adds when the
request gives tags with the tagging actions the reference lists among the operation's
AuthorizedActions. Prints how many agree and lists the others.
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from pathlib import Path

from compare_reference import DEFAULT_TARBALL, load_documents

from lpgen.permissions import service_models
from lpgen.permissions.mapping import TAG_MEMBERS, operation_permissions

ADDS_TAGS = re.compile(r"(Tag|AddTags|CreateTags)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tarball", type=Path, default=DEFAULT_TARBALL)
    ap.add_argument("--list", type=int, default=20)
    args = ap.parse_args()
    counts: Counter[str] = Counter()
    others: list[tuple[str, str, list[str], list[str]]] = []
    for prefix, raw in sorted(load_documents(args.tarball).items()):
        for op in json.loads(raw).get("Operations", ()):
            if op["Name"].startswith(("Tag", "Untag", "AddTags", "RemoveTags", "CreateTags")):
                continue  # NOTE: the tagging operations themselves
            listed = sorted({f"{a.get('Service', prefix)}:{a['Name']}".lower() for a in op.get("AuthorizedActions", ())
                             if ADDS_TAGS.match(a["Name"])})
            for sdk in op.get("SDK", ()):
                if sdk.get("Package") != "Boto3":
                    continue
                info = service_models.operations(sdk["Name"]).get(sdk["Method"])
                if info is None or not set(info.input_members) & {*TAG_MEMBERS, "TagSpecifications"}:
                    continue
                perms = operation_permissions(sdk["Name"], info.operation)
                added = sorted({r.action.lower() for r in perms.conditional if ADDS_TAGS.match(r.action.split(":")[1])})
                kind = ("same" if added == listed else "lpgen adds, the reference lists none" if not listed
                        else "lpgen adds none" if not added else "fewer" if set(added) < set(listed) else "other")
                counts[kind] += 1
                if kind != "same":
                    others.append((sdk["Name"], info.operation, added, listed))
    total = sum(counts.values())
    print(f"operations taking tags: {total}; same tagging actions: {counts['same']} ({counts['same'] / total:.3f})")
    for kind, n in counts.most_common():
        if kind != "same":
            print(f"  {kind}: {n}")
    for client, operation, added, listed in others[: args.list]:
        print(f"  {client}.{operation}: lpgen {added or '-'}, reference {listed or '-'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
