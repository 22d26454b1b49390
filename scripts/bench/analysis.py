#!/usr/bin/env python3
"""Static analysis speed: ``lpgen suggest DIR`` vs a bare single-process ``ast.parse`` loop.

    python scripts/bench/analysis.py [--modules 2000] [--repeat 3] [--json OUT]

Generates DIR with gen_handlers.py (deterministic), then times, as fresh processes in the
same run, a loop that reads and parses every file, and lpgen's whole suggest (both cores).
Best of --repeat for each; prints files/s and the ratio.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import best, report

HERE = Path(__file__).resolve().parent
LOOP = "import ast, pathlib, sys\nfor p in sorted(pathlib.Path(sys.argv[1]).glob('*.py')):\n    ast.parse(p.read_bytes())\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modules", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "handlers"
        subprocess.run([sys.executable, str(HERE / "gen_handlers.py"), str(folder), "--modules", str(args.modules)], check=True)
        parse_s = best([sys.executable, "-c", LOOP, str(folder)], args.repeat)
        env = ["--env", "TABLE=t", "--env", "QUEUE_URL=https://sqs.us-east-1.amazonaws.com/1/q",
               "--env", "TOPIC_ARN=arn:aws:sns:us-east-1:1:t"]
        lpgen_s = best([sys.executable, "-m", "lpgen.cli", "suggest", str(folder), *env,
                        "--region", "us-east-1", "--account", "1"], args.repeat)
    figures = {
        "modules": args.modules,
        "ast_parse_loop_s": round(parse_s, 3),
        "lpgen_suggest_s": round(lpgen_s, 3),
        "lpgen_files_per_s": round(args.modules / lpgen_s),
        "ratio": round(lpgen_s / parse_s, 2),
    }
    report(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
