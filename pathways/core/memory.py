"""Keeping Python's memory management out of the way of large batch jobs."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def cycle_collection_paused() -> Iterator[None]:
    """Pause Python's cycle collector, which otherwise rescans the hundreds of thousands of live objects a
    large import or recompute holds again and again (a quarter of an import's time). The jobs that use it
    make no reference cycles; memory is still freed as each batch is dropped, and the collector resumes
    afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
