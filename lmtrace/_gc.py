"""A pause of Python's cyclic garbage collector around bulk work.

Reading a log builds hundreds of thousands of small objects (events, rows,
reports) that form no reference cycles; the collector would still walk all
of them again and again as they pile up, for nothing (10-15 % of a run on
an event-dense log). Reference counting frees them as usual.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["gc_paused"]


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Disable the cyclic collector inside the block (nestable); restore it after."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
