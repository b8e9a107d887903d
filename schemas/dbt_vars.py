"""The dbt vars generated from the seeds: the code lists and the measures that dbt macros expand at compile time.

The seeds are the one source (schemas._checks.seed_rows reads them for Python). dbt's Jinja cannot read a
file, and a seed read by `run_query` in a macro exists only once `dbt seed` has built it (`dbt compile` or
`dbt docs generate` on a new database would fail, and on Spark every model's compilation would run a job),
so the lists are written into `dbt_project/dbt_project.yml`, between two marker lines, by

    .venv/bin/python -m schemas.dbt_vars          # rewrite the block from the seeds
    .venv/bin/python -m schemas.dbt_vars --check  # exit 1 when the block differs from the seeds

`tests/test_seeds.py` fails when the block and the seeds disagree. The macros that read these vars also
`ref()` their seed (macros/value_codes.sql, macros/long_form.sql), so dbt builds the seed first, lineage
shows it, and a change of a code list counts in the rule version of every indicator built from it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from schemas._checks import REPO, seed_rows, seed_values

DBT_PROJECT = REPO / "dbt_project" / "dbt_project.yml"
BEGIN = (
    "  # --- generated from the seeds by `python -m schemas.dbt_vars` (tests/test_seeds.py checks it): do not edit ---"
)
END = "  # --- end of the generated vars ---"


def generated_vars() -> dict[str, object]:
    """var name -> value, in the seeds' order."""
    return {
        "review_sexes": list(seed_values("sexes", "sex")),
        "review_age_bands": list(seed_values("age_bands", "age_band")),
        "review_case_categories": list(seed_values("case_categories", "case_category")),
        "review_measures": [
            {"table_name": r["table_name"], "measure": r["measure"], "percent_only": r["percent_only"] == "true"}
            for r in seed_rows("measures")
        ],
    }


def render() -> str:
    """The block as it belongs in dbt_project.yml (YAML flow style: JSON, one var or list item a line)."""
    lines = [BEGIN]
    for name, value in generated_vars().items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            lines.append(f"  {name}:")
            lines += [f"    - {json.dumps(item)}" for item in value]
        else:
            lines.append(f"  {name}: {json.dumps(value)}")
    lines.append(END)
    return "\n".join(lines) + "\n"


def current_block(text: str) -> str | None:
    """The generated block of a dbt_project.yml text (marker lines included), or None."""
    start, end = text.find(BEGIN), text.find(END)
    if start < 0 or end < start:
        return None
    return text[start : end + len(END)] + "\n"


def write(path: Path = DBT_PROJECT) -> bool:
    """Rewrite the block from the seeds (inserted after the `vars:` line when missing). True if changed."""
    text = path.read_text(encoding="utf-8")
    block, new = current_block(text), render()
    if block == new:
        return False
    if block is None:
        at = text.index("\nvars:\n") + len("\nvars:\n")
        text = text[:at] + new + text[at:]
    else:
        text = text.replace(block, new)
    path.write_text(text, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--check"]:
        if current_block(DBT_PROJECT.read_text(encoding="utf-8")) == render():
            return 0
        print(f"{DBT_PROJECT}: the generated vars differ from the seeds: run `python -m schemas.dbt_vars`")
        return 1
    if args:
        print("usage: python -m schemas.dbt_vars [--check]", file=sys.stderr)
        return 2
    print(f"{DBT_PROJECT}: {'rewritten' if write() else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
