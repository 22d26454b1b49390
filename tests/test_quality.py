"""ruff and mypy run as part of the test command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean() -> None:
    r = subprocess.run([sys.executable, "-m", "ruff", "check", "lpgen", "tests", "scripts"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


def test_mypy_clean() -> None:
    r = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 0, r.stdout


def test_the_analyser_keeps_few_enough_attributes_for_fast_access(tmp_path: Path) -> None:
    """CPython keeps an object's attributes inline, and reads them on its fastest path, only
    up to 30 of them; the analyser reads its own at every step (one more cost 2.5% of a
    pass, counted by scripts/bench/instructions.py). Caches go in one holder object."""
    from lpgen.calls.interp import Analyzer
    from lpgen.source.discover import discover

    (tmp_path / "app.py").write_text("def handler(event, context):\n    pass\n")
    analyzer = Analyzer(discover([str(tmp_path / "app.py")]))
    analyzer.run([("app", "handler")])
    assert len(vars(analyzer)) <= 28, sorted(vars(analyzer))
