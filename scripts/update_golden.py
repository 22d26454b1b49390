#!/usr/bin/env python3
"""Regenerate every golden file (fixture policies, review Markdown/SARIF, template blocks).

    python scripts/update_golden.py

Run it after a reviewed change, then read `git diff tests/golden` before committing.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ["tests/test_fixtures.py", "tests/test_review.py", "tests/test_emit.py", "tests/test_terraform.py"]

if __name__ == "__main__":
    env = {**os.environ, "LPGEN_UPDATE_GOLDEN": "1"}
    sys.exit(subprocess.run([sys.executable, "-P", "-m", "pytest", "-q", *TESTS], cwd=ROOT, env=env).returncode)
