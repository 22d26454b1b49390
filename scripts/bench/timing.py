"""Wall-clock timing of whole commands and reporting of figures, shared by the benchmarks
beside this file."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path


def timed(cmd: list[str] | str, shell: bool = False) -> tuple[float, bytes]:
    """Run a command once: (seconds, its standard output)."""
    start = time.perf_counter()
    out = subprocess.run(cmd, shell=shell, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    return time.perf_counter() - start, out


def best(cmd: list[str] | str, repeat: int, shell: bool = False) -> float:
    """The fastest of ``repeat`` runs (best-of filters scheduler noise, the same for both sides)."""
    return min(timed(cmd, shell)[0] for _ in range(repeat))


def report(figures: dict, json_path: str | None) -> None:
    """Print the figures and, with ``json_path``, write them there for ``all``."""
    text = json.dumps(figures, indent=1)
    print(text)
    if json_path:
        Path(json_path).write_text(text + "\n")


def compile_lpgen() -> None:
    """Write the bytecode of the lpgen these benchmarks run, as pip does when it installs.

    A checkout run with PYTHONDONTWRITEBYTECODE set (or a read-only one) would otherwise
    compile every changed module again in every timed process."""
    code = ("import importlib.util, os, compileall; "
            "compileall.compile_dir(os.path.dirname(importlib.util.find_spec('lpgen').origin), quiet=1)")
    subprocess.run([sys.executable, "-c", code], check=True, stdout=subprocess.DEVNULL)

