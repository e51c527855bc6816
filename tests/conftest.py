"""Shared fixtures: where the real public data is, and sample paths."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples"
# ../shared/realdata beside the checkout (CI has it; a bare clone may not)
REALDATA_DIR = ROOT.parent / "shared" / "realdata"

BLOG_COLLECTOR = "aalvarez_blog_2017-01-23_ceilometer_collector_live_migration.log"
BLOG_ZENPYTHON = "aalvarez_blog_2017-01-23_zenpython_live_migration.log"


@pytest.fixture
def realdata() -> Path:
    """The folder of real public logs; the test is skipped when it is absent."""
    if not REALDATA_DIR.is_dir():
        pytest.skip("../shared/realdata is not beside this checkout")
    return REALDATA_DIR
