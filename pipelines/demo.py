"""`make demo`: synthetic extracts (if the drop zone is empty), a full refresh, and the summary screen of
`make refresh` (pipelines/refresh.py; Dagster's and dbt's detail go to the log file it names).

    python -m pipelines.demo [--scale 1] [--no-generate]
"""

import argparse
import sys
import time
import warnings
from pathlib import Path

from pipelines.refresh import refresh_and_report
from pipelines.settings import Settings
from schemas import KINDS


def drop_zone_is_empty(raw_dir: Path) -> bool:
    return not any(p.suffix.lower() == ".csv" for kind in KINDS for p in (raw_dir / kind).glob("*"))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", type=float, default=1.0, help="scale of generated extracts (1 = organisation-sized)")
    ap.add_argument("--no-generate", action="store_true", help="never generate, use data/raw as it is")
    args = ap.parse_args(argv)
    with warnings.catch_warnings():  # the refresh's summary says it, once, among the run's warnings
        warnings.filterwarnings("ignore", message="REVIEW_PSEUDONYM_KEY is not set")
        settings = Settings.from_env()
    if drop_zone_is_empty(settings.raw_dir) and not args.no_generate:
        from pipelines.demo_data import generate

        t = time.perf_counter()
        print(f"No extracts under {settings.raw_dir}: generating SYNTHETIC demo extracts (scale {args.scale:g}) ...")
        generate(settings.raw_dir, scale=args.scale)
        print(f"  generated in {time.perf_counter() - t:.0f} s")
    # The refresh job (ingest, dbt build, publish, review pack) with its detail in a log file, and the
    # screen of `make refresh`; then the draft text of the review for the demo's window (its data exists).
    rc = refresh_and_report(settings)
    if rc == 0 and settings.warehouse.exists():
        from pipelines.publication.write import write_draft_text

        draft = write_draft_text("2007-2009", settings=settings)
        print(f"Draft text (2007-2009): {draft['html']}\n                        {draft['docx']}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
