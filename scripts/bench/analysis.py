#!/usr/bin/env python3
"""Static analysis speed: ``lpgen suggest DIR`` vs a bare single-process ``ast.parse`` loop.

    python scripts/bench/analysis.py [--modules 2000] [--repeat 3] [--no-real] [--json OUT]

Two trees, each timed as fresh processes in the same run, the two sides alternating (best of
--repeat for each side, and the median of each round's ratio):

- generated: --modules handler modules from gen_handlers.py (deterministic). Every file is
  a Lambda handler making AWS calls, the most work per file lpgen can have.
- real: the .py files of the installed boto3, botocore and moto packages, copied to a
  temporary folder (lpgen skips site-packages). No handler is named, so every top-level
  function of every module is an entry and the analysis follows imports across the tree.
- entry: the generated handlers and one more module whose handler imports and calls every
  one of them, named as the entry (``app.main``): one function reaching the whole tree,
  analysed in one process, as ``lpgen suggest`` does for a template's function.

lpgen uses every core (one for the entry); the baseline reads and parses every file in one
process. Prints files/s and the ratio for each tree; the first tree's figures keep their
old keys.
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from timing import compile_lpgen, report, timed

HERE = Path(__file__).resolve().parent
LOOP = ("import ast, pathlib, sys\n"
        "for p in sorted(pathlib.Path(sys.argv[1]).rglob('*.py')):\n"
        "    ast.parse(p.read_bytes())\n")
REAL_PACKAGES = ("boto3", "botocore", "moto")


def _copy_sources(dest: Path) -> list[str]:
    """Copy the .py files of the installed REAL_PACKAGES under dest; the names copied."""
    copied = []
    for name in REAL_PACKAGES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.origin:
            continue
        src = Path(spec.origin).parent
        shutil.copytree(src, dest / name, ignore=lambda d, names: [
            n for n in names if not n.endswith(".py") and not (Path(d) / n).is_dir() or n == "__pycache__"])
        copied.append(name)
    return copied


def _measure(folder: Path, extra: list[str], repeat: int, target: str = "") -> dict[str, float | int]:
    files = sum(1 for _ in folder.rglob("*.py"))
    loop = [sys.executable, "-c", LOOP, str(folder)]
    lpgen = [sys.executable, "-m", "lpgen.cli", "suggest", target or str(folder), *extra]
    parse_runs: list[float] = []
    lpgen_runs: list[float] = []
    for _ in range(repeat):
        # NOTE: the sides alternate, so that the machine's drift over the run (other work on
        # the host) touches both alike; each round's two runs also give a ratio of their own.
        parse_runs.append(timed(loop)[0])
        lpgen_runs.append(timed(lpgen)[0])
    parse_s, lpgen_s = min(parse_runs), min(lpgen_runs)
    rounds = statistics.median(b / a for a, b in zip(parse_runs, lpgen_runs))
    return {"files": files, "ast_parse_loop_s": round(parse_s, 3), "lpgen_suggest_s": round(lpgen_s, 3),
            "lpgen_files_per_s": round(files / lpgen_s), "ratio": round(lpgen_s / parse_s, 2),
            "ratio_median_of_rounds": round(rounds, 2)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--modules", type=int, default=2000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-real", action="store_true", help="only the generated handlers")
    ap.add_argument("--json")
    args = ap.parse_args()
    compile_lpgen()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "handlers"
        subprocess.run([sys.executable, str(HERE / "gen_handlers.py"), str(folder), "--modules", str(args.modules)], check=True)
        env = ["--env", "TABLE=t", "--env", "QUEUE_URL=https://sqs.us-east-1.amazonaws.com/1/q",
               "--env", "TOPIC_ARN=arn:aws:sns:us-east-1:1:t", "--region", "us-east-1", "--account", "1"]
        generated = _measure(folder, env, args.repeat)
        figures: dict[str, object] = {"modules": args.modules, **{k: v for k, v in generated.items() if k != "files"}}
        entry = Path(tmp) / "entry"
        shutil.copytree(folder, entry)
        names = sorted(p.stem for p in entry.glob("handler_*.py"))
        (entry / "app.py").write_text("".join(f"import {n}\n" for n in names) + "\n\ndef main(event, context):\n"
                                      + "".join(f"    {n}.handler(event, context)\n" for n in names))
        figures["entry"] = _measure(entry, env, args.repeat, target=str(entry / "app.main"))
        if not args.no_real:
            real = Path(tmp) / "real"
            packages = _copy_sources(real)
            if packages:
                figures["real"] = {"packages": packages, **_measure(real, [], args.repeat)}
    report(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
