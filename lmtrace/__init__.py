"""lmtrace: trace Nova live migrations through Ceilometer and Zenoss logs."""

from __future__ import annotations

__version__ = "0.1.0"
