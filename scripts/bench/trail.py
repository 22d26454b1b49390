#!/usr/bin/env python3
"""Trail reading vs zcat, in the same run, on a trail from ../shared/cloudtrail/gen_trail.py.

    python scripts/bench/trail.py [--records 700000] [--dir /tmp/lpgen-bench-trail] [--json OUT]

Generates the trail once (same seed, same bytes), then times
  1. zcat over the same .gz files, split across 2 processes (the baseline), and
  2. ``lpgen trail summarize DIR --format json`` (both cores),
takes the best of ``--repeat`` runs of each, reports the ratio and lpgen's peak RSS, and
checks the summary against the generator's ground_truth.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import best, report, timed

ROOT = Path(__file__).resolve().parents[2]
GEN = ROOT.parent / "shared" / "cloudtrail" / "gen_trail.py"


def _peak_rss_kb(cmd: list[str]) -> int:
    """Peak RSS of a command and its workers (ru_maxrss of the waited-for children)."""
    code = (
        "import resource, subprocess, sys; subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL);"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    return int(subprocess.run([sys.executable, "-c", code, *cmd], check=True, capture_output=True, text=True).stdout)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=700_000)
    ap.add_argument("--dir", default="/tmp/lpgen-bench-trail")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", help="write the figures here")
    args = ap.parse_args()
    folder = Path(args.dir)
    if not (folder / "ground_truth.json").exists():
        subprocess.run([sys.executable, str(GEN), "--records", str(args.records), "--roles", "8", "--seed", "11",
                        "--out", str(folder), "--jobs", "2"], check=True, stdout=subprocess.DEVNULL)
    files = sorted(str(p) for p in folder.rglob("*.json.gz"))
    half = len(files) // 2
    scratch = Path(tempfile.mkdtemp(prefix="lpgen-bench-"))
    lists = [scratch / "files.a", scratch / "files.b"]
    lists[0].write_text("\n".join(files[:half]) + "\n")
    lists[1].write_text("\n".join(files[half:]) + "\n")
    zcat = f"xargs zcat < {lists[0]} > /dev/null & xargs zcat < {lists[1]} > /dev/null; wait"
    lpgen = [sys.executable, "-m", "lpgen.cli", "trail", "summarize", str(folder), "--format", "json"]
    zcat_s = best(zcat, args.repeat, shell=True)
    runs = [timed(lpgen) for _ in range(args.repeat)]
    lpgen_s = min(t for t, _ in runs)
    summary = json.loads(runs[0][1])["roles"]
    truth = json.loads((folder / "ground_truth.json").read_text())["roles"]
    matches = all(
        set(summary.get(arn, {}).get("actions", {})) == set(t["allowed_actions_used"])
        and set(summary.get(arn, {}).get("denied", {})) == set(t["denied_actions_attempted"])
        for arn, t in truth.items()
    )
    rss_mb = _peak_rss_kb(lpgen) / 1024
    size_mb = sum(os.path.getsize(f) for f in files) / 1e6
    figures = {
        "files": len(files),
        "gzip_mb": round(size_mb, 1),
        "zcat_2proc_s": round(zcat_s, 3),
        "lpgen_s": round(lpgen_s, 3),
        "ratio": round(lpgen_s / zcat_s, 2),
        "peak_rss_mb": round(rss_mb, 1),
        "ground_truth_matches": matches,
        "cores": os.cpu_count(),
    }
    report(figures, args.json)
    return 0 if matches else 1


if __name__ == "__main__":
    sys.exit(main())
