"""Pausing Python's cyclic garbage collector around work that builds many objects."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Run the block without the cyclic collector, then restore its state.

    For work that allocates many objects holding no reference cycles worth collecting
    (syntax trees, abstract values, calls, decoded records): there the collector's passes,
    which walk every live object, cost more than the work; reference counting still frees
    everything that is dropped."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
