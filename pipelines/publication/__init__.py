"""Publication: frozen editions, disclosure control, and the review pack (docs/publication.md).

REVIEW_EDITIONS_DIR   where editions are frozen (default: `editions/` beside the warehouse's folder,
                      i.e. data/editions for the default data/warehouse/review.duckdb)
REVIEW_PACK_DIR       where the review pack is written (default: `review_pack/` beside it, data/review_pack)
REVIEW_DISCLOSURE_K   cells of 1..k persons or records are suppressed in everything published (default 5)
"""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.settings import REPO


def _path(var: str, name: str) -> Path:
    """Set: the variable (relative to the current directory). Unset: beside the warehouse's folder, so a
    warehouse elsewhere (a test, a second environment) keeps its editions and pack with it."""
    value = os.environ.get(var)
    if value:
        return Path(value).expanduser().resolve()
    warehouse = os.environ.get("REVIEW_WAREHOUSE")
    base = Path(warehouse).expanduser().resolve().parent.parent if warehouse else REPO / "data"
    return (base / name).resolve()


def editions_dir() -> Path:
    return _path("REVIEW_EDITIONS_DIR", "editions")


def pack_dir() -> Path:
    return _path("REVIEW_PACK_DIR", "review_pack")
