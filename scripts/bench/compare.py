#!/usr/bin/env python3
"""The generated-handler benchmark for several revisions side by side, in one run.

    python scripts/bench/compare.py REV [REV ...] [--modules 2000] [--rounds 11]

Each revision is checked out in a temporary git worktree and compiled; then every round
times the ``ast.parse`` loop and ``lpgen suggest`` of each revision once, in an order that
turns from round to round, so that the machine's drift over the run touches every side
alike. Prints each side's best and
first-quartile wall time and its ratio to the parse loop's best, and for each revision
after the first the median of the rounds' differences from the first (each round runs
every side once, so a difference within a round is less moved by the host's drift). ``HEAD`` is the checkout
as committed; ``.`` is the working tree as it is.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
LOOP = ("import ast, pathlib, sys\n"
        "for p in sorted(pathlib.Path(sys.argv[1]).rglob('*.py')):\n"
        "    ast.parse(p.read_bytes())\n")
ENV = ["--env", "TABLE=t", "--env", "QUEUE_URL=https://sqs.us-east-1.amazonaws.com/1/q",
       "--env", "TOPIC_ARN=arn:aws:sns:us-east-1:1:t", "--region", "us-east-1", "--account", "1"]


def _checkout(rev: str, into: Path) -> Path:
    if rev == ".":
        return ROOT
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(into), rev], check=True)
    return into


def _once(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("revs", nargs="+")
    ap.add_argument("--modules", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=11)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "handlers"
        subprocess.run([sys.executable, str(HERE / "gen_handlers.py"), str(folder), "--modules", str(args.modules)],
                       check=True, stdout=subprocess.DEVNULL)
        trees = {rev: _checkout(rev, Path(tmp) / f"rev{i}") for i, rev in enumerate(args.revs)}
        try:
            for tree in trees.values():
                subprocess.run([sys.executable, "-m", "compileall", "-q", str(tree / "lpgen")], check=True)
            sides = {"ast.parse loop": ([sys.executable, "-c", LOOP, str(folder)], Path(tmp))}
            for rev, tree in trees.items():
                sides[rev] = ([sys.executable, "-m", "lpgen.cli", "suggest", str(folder), *ENV], tree)
            times: dict[str, list[float]] = {name: [] for name in sides}
            names = list(sides)
            for i in range(args.rounds):
                # NOTE: the order turns each round: the side run last in a round was seen
                # to lose a few percent to the one run first.
                turn = names[1:][i % (len(names) - 1) :] + names[1:][: i % (len(names) - 1)]
                for name in [names[0], *turn]:
                    cmd, cwd = sides[name]
                    times[name].append(_once(cmd, cwd))
        finally:
            for tree in trees.values():
                if tree != ROOT:
                    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)
    base = min(times["ast.parse loop"])
    for name, runs in times.items():
        ordered = sorted(runs)
        print(f"{name:16s} best {ordered[0] * 1000:7.1f} ms  q1 {ordered[len(ordered) // 4] * 1000:7.1f} ms  "
              f"ratio {ordered[0] / base:.3f}")
    # NOTE: each round ran every side once, close together: a difference within a round is
    # less moved by the host's drift than the sides' best times are.
    first = args.revs[0]
    for rev in args.revs[1:]:
        differences = [b - a for a, b in zip(times[first], times[rev])]
        faster = sum(d < 0 for d in differences)
        print(f"{rev} - {first}: median of the rounds' differences {statistics.median(differences) * 1000:+.1f} ms, "
              f"faster in {faster} of {len(differences)} rounds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
