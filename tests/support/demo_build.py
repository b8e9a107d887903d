"""One scale-1 demo refresh per test session, shared by the review-pack and draft tests (a refresh costs
~1 min): built under the session's base temp folder on first use, read-only afterwards."""

from __future__ import annotations

from pathlib import Path

from support.runs import refresh


def demo_warehouse(tmp_path_factory) -> Path:
    """REVIEW_TEST_DEMO_WAREHOUSE=<a demo warehouse built by this code> skips the refresh (for iterating on
    the pack; never set in CI)."""
    import os

    from pipelines.demo_data import generate

    if os.environ.get("REVIEW_TEST_DEMO_WAREHOUSE"):
        return Path(os.environ["REVIEW_TEST_DEMO_WAREHOUSE"])

    root = tmp_path_factory.getbasetemp() / "demo_pack_build"
    warehouse = root / "warehouse" / "review.duckdb"
    if not warehouse.exists():
        generate(root / "raw", scale=1)
        built = refresh(root / "raw", root)
        assert built == warehouse, built
    return warehouse
