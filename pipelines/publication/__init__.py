"""Publication: frozen editions, disclosure control, and the review pack (docs/publication.md).

REVIEW_EDITIONS_DIR   where editions are frozen (default data/editions)
REVIEW_PACK_DIR       where the review pack is written (default data/review_pack)
REVIEW_DISCLOSURE_K   cells of 1..k persons or records are suppressed in everything published (default 5)
"""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.settings import REPO


def _path(var: str, default: str) -> Path:
    value = os.environ.get(var)
    return Path(value).expanduser().resolve() if value else (REPO / default).resolve()


def editions_dir() -> Path:
    return _path("REVIEW_EDITIONS_DIR", "data/editions")


def pack_dir() -> Path:
    return _path("REVIEW_PACK_DIR", "data/review_pack")
