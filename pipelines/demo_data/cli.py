"""Entry points: `generate` and the `review-demo-data` command."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipelines.demo_data.generator import Generator
from pipelines.demo_data.report import GenerationReport

DESCRIPTION = "Deterministic generator of synthetic extracts (projects, expenditures, beneficiaries), 2005-2010."


def generate(out_dir: Path, scale: float = 1.0, seed: int = 20100601) -> GenerationReport:
    """Write the three extract kinds under out_dir and return what was planted."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    t0 = time.perf_counter()
    report = Generator(Path(out_dir), scale, seed).run()
    report.seconds = time.perf_counter() - t0
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="review-demo-data", description=DESCRIPTION)
    ap.add_argument("--scale", type=float, default=1.0, help="volume multiplier (1 = organisation sized)")
    ap.add_argument("--out", type=Path, default=Path("data/raw"), help="root folder of the extracts")
    ap.add_argument("--seed", type=int, default=20100601)
    args = ap.parse_args(argv)
    report = generate(args.out, args.scale, args.seed)
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
