"""Writing what is published from a build or an edition: the review pack (HTML, XLSX, CSV) and the draft text
of the review. The `review_pack` asset (pipelines/defs/publication.py), `make demo` (pipelines/demo.py) and
`review-publish` (pipelines/publication/cli.py) call these.

Both are disclosure-controlled whatever they are written from: an edition is frozen controlled; the
current build is controlled here with the settings' k (REVIEW_DISCLOSURE_K). `settings`: a Dagster run's;
None: from the environment (the command-line tools).
"""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.publication.published import Publication
from pipelines.settings import Settings


def publication(
    edition: str | None = None, warehouse: Path | None = None, settings: Settings | None = None
) -> Publication:
    """What is published: edition `edition`, or the current build (the settings' warehouse by default)."""
    from pipelines.publication.editions import load_edition
    from pipelines.publication.published import load_current

    settings = settings or Settings.from_env()
    if edition:
        return load_edition(edition, settings)
    return load_current(warehouse or settings.warehouse, settings.disclosure_k)


def write_pack(
    edition: str | None = None,
    out_dir: Path | None = None,
    warehouse: Path | None = None,
    settings: Settings | None = None,
) -> dict:
    """The review pack from an edition, or from the current build, under `out_dir` (default the settings'
    pack_dir). A failed write removes its temporary files: the previous pack stays whole."""
    from pipelines.publication.pack import build_pack

    settings = settings or Settings.from_env()
    pub = publication(edition, warehouse, settings)
    out = out_dir or settings.pack_dir
    try:
        return build_pack(pub, out)
    except BaseException:
        remove_partial_pack_files(out)
        raise


def remove_partial_pack_files(out_dir: Path) -> list[Path]:
    """The temporary files (`.<name>.<pid>.tmp`) a failed pack write of this process left in `out_dir`."""
    removed = []
    if out_dir.is_dir():
        for p in out_dir.rglob(f".*.{os.getpid()}.tmp"):
            if p.is_file():
                p.unlink(missing_ok=True)
                removed.append(p)
    return removed


def write_draft_text(
    window_text: str,
    edition: str | None = None,
    out_dir: Path | None = None,
    warehouse: Path | None = None,
    settings: Settings | None = None,
) -> dict:
    """The draft text of the review for the window `S-E` (review_draft.html, .docx under `out_dir`, default
    the settings' pack_dir), from an edition or the current build. What `review-publish --draft` runs."""
    from pipelines.publication.draft import parse_window, write_draft

    settings = settings or Settings.from_env()
    window = parse_window(window_text)
    return write_draft(publication(edition, warehouse, settings), window, out_dir or settings.pack_dir)
