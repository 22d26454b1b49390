#!/usr/bin/env python3
"""Cold start: ``lpgen explain s3.get_object`` vs ``python -c "import botocore.session"``.

    python scripts/bench/cold_start.py [--repeat 7] [--json OUT]

Both run as fresh processes in the same run; the best of ``--repeat`` is kept for each
(best-of filters out scheduler noise; both sides get the same treatment).
"""

from __future__ import annotations

import argparse
import sys

from timing import best, compile_lpgen, report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--json")
    args = ap.parse_args()
    compile_lpgen()
    baseline = best([sys.executable, "-c", "import botocore.session"], args.repeat)
    lpgen = best([sys.executable, "-m", "lpgen.cli", "explain", "s3.get_object"], args.repeat)
    figures = {"botocore_import_s": round(baseline, 3), "lpgen_explain_s": round(lpgen, 3),
               "ratio": round(lpgen / baseline, 2)}
    report(figures, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
