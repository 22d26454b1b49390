#!/usr/bin/env python3
"""Instructions the analyser spends per pass over generated handlers, counted by callgrind.

    python scripts/bench/instructions.py [--modules 200] [--json OUT]

Wall-clock figures move by several percent between runs; an instruction count does not,
so a change to the interpreter can be judged by a fraction of a percent. The analysis of
--modules handlers (gen_handlers.py) runs once and three times in processes under
``valgrind --tool=callgrind``; half the difference is one warm pass (parse and
interpretation, without start-up and table loading). Needs valgrind.
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import compile_lpgen, report

HERE = Path(__file__).resolve().parent
PASSES = """
import sys
from lpgen import api
from lpgen.gcpause import collector_paused
from lpgen.source.discover import discover
env = {"TABLE": "t", "QUEUE_URL": "https://sqs.us-east-1.amazonaws.com/1/q", "TOPIC_ARN": "arn:aws:sns:us-east-1:1:t"}
project = discover([sys.argv[1]])
for _ in range(int(sys.argv[2])):
    with collector_paused():  # as api.analyze runs it
        api._analyze_part(project, env, "us-east-1", "1")
"""


def _instructions(folder: Path, passes: int) -> int:
    run = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, "-c", PASSES,
         str(folder), str(passes)],
        check=True, capture_output=True, text=True,
    )
    found = re.search(r"Collected\s*:\s*(\d+)", run.stderr)
    if found is None:
        raise SystemExit("callgrind printed no instruction count")
    return int(found.group(1))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modules", type=int, default=200)
    ap.add_argument("--json")
    args = ap.parse_args()
    if shutil.which("valgrind") is None:
        print("valgrind is not installed", file=sys.stderr)
        return 2
    compile_lpgen()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "handlers"
        subprocess.run([sys.executable, str(HERE / "gen_handlers.py"), str(folder), "--modules", str(args.modules)], check=True)
        one, three = _instructions(folder, 1), _instructions(folder, 3)
    per_pass = (three - one) // 2
    report({"modules": args.modules, "instructions_per_pass": per_pass,
            "instructions_per_module": per_pass // args.modules}, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
