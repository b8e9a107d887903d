"""What a run wrote and planted."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipelines.demo_data.vocabulary import KINDS


@dataclass
class GenerationReport:
    """What was written and planted. Row numbers count the header as row 1 (first data row = 2)."""

    out_dir: Path
    scale: float
    seed: int
    files: dict[str, list[str]] = field(default_factory=dict)  # kind -> file names written
    row_counts: dict[str, int] = field(default_factory=dict)  # kind -> data rows written (all files)
    bad_rows: list[tuple[str, str, int, str]] = field(default_factory=list)  # (kind, file, row, check)
    bad_files: list[tuple[str, str]] = field(default_factory=list)  # (kind, file)
    held_rows: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, file, row)
    anomalies: list[str] = field(default_factory=list)  # planted plausibility anomalies, in words
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [f"demo data: scale {self.scale}, seed {self.seed}, out {self.out_dir} ({self.seconds:.1f} s)"]
        for kind in KINDS:
            lines.append(f"  {kind}: {len(self.files.get(kind, []))} files, {self.row_counts.get(kind, 0):,} rows")
        by_check: dict[str, int] = {}
        for _, _, _, check in self.bad_rows:
            by_check[check] = by_check.get(check, 0) + 1
        lines.append(f"  bad rows: {len(self.bad_rows)} ({', '.join(f'{k} {v}' for k, v in sorted(by_check.items()))})")
        lines.append(f"  bad files: {', '.join(f'{k}/{f}' for k, f in self.bad_files)}")
        lines.append(f"  held rows: {len(self.held_rows)}")
        lines += [f"  anomaly: {a}" for a in self.anomalies]
        return "\n".join(lines)
