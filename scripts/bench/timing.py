"""Wall-clock timing of whole commands, shared by the benchmarks beside this file."""

from __future__ import annotations

import subprocess
import time


def timed(cmd: list[str] | str, shell: bool = False) -> tuple[float, bytes]:
    """Run a command once: (seconds, its standard output)."""
    start = time.perf_counter()
    out = subprocess.run(cmd, shell=shell, check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
    return time.perf_counter() - start, out


def best(cmd: list[str] | str, repeat: int, shell: bool = False) -> float:
    """The fastest of ``repeat`` runs (best-of filters scheduler noise, the same for both sides)."""
    return min(timed(cmd, shell)[0] for _ in range(repeat))
