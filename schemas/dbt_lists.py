"""The seeds' lists for dbt: the code lists and the measures that dbt macros expand at compile time.

The seeds are the one source (schemas._checks.seed_rows reads them for Python). dbt's Jinja cannot read a
file, and a seed read by `run_query` in a macro exists only once `dbt seed` has built it (`dbt compile` or
`dbt docs generate` on a new database fails; on Spark each model's compilation would run a job), so the
lists are written, from the seeds, into a generated macro file, `dbt_project/macros/seed_lists.sql`:

    .venv/bin/python -m schemas.dbt_lists          # rewrite it from the seeds
    .venv/bin/python -m schemas.dbt_lists --check  # exit 1 when it differs from the seeds

`tests/test_seeds.py` fails when the file and the seeds disagree. Being a macro file, it counts wherever
macros count: in the digest that decides whether anything changed since the published build, and in the
indicators' rule versions (REVIEW_MACROS_DIGEST). The models do not read the seeds' tables (no `ref()`):
the lists are known at compile time.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from schemas._checks import REPO, seed_rows, seed_values

MACRO_FILE = REPO / "dbt_project" / "macros" / "seed_lists.sql"


def seed_lists() -> dict[str, list]:
    """seed name -> the list the macros expand, in the seed's order."""
    return {
        "sexes": list(seed_values("sexes", "sex")),
        "age_bands": list(seed_values("age_bands", "age_band")),
        "case_categories": list(seed_values("case_categories", "case_category")),
        "measures": [
            {"table_name": r["table_name"], "measure": r["measure"], "percent_only": r["percent_only"] == "true"}
            for r in seed_rows("measures")
        ],
    }


def render() -> str:
    """The macro file's text: one macro, seed_list(name), returning a Jinja literal (JSON is one)."""
    lines = [
        "{#- Generated from the seeds by `python -m schemas.dbt_lists` (tests/test_seeds.py checks it): do not",
        "    edit. The seeds' lists the macros expand at compile time (dbt's Jinja reads no file): code lists",
        "    (macros/value_codes.sql) and measures (macros/long_form.sql). -#}",
        "{% macro seed_list(name) %}{{ return({",
    ]
    for name, value in seed_lists().items():
        if value and isinstance(value[0], dict):
            lines.append(f"    {json.dumps(name)}: [")
            lines += [f"        {json.dumps(item)}," for item in value]
            lines.append("    ],")
        else:
            lines.append(f"    {json.dumps(name)}: {json.dumps(value)},")
    lines.append("}[name]) }}{% endmacro %}")
    return "\n".join(lines) + "\n"


def write(path: Path = MACRO_FILE) -> bool:
    """Rewrite the macro file from the seeds. True if it changed."""
    text = render()
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["--check"]:
        if MACRO_FILE.exists() and MACRO_FILE.read_text(encoding="utf-8") == render():
            return 0
        print(f"{MACRO_FILE}: differs from the seeds: run `python -m schemas.dbt_lists`")
        return 1
    if args:
        print("usage: python -m schemas.dbt_lists [--check]", file=sys.stderr)
        return 2
    print(f"{MACRO_FILE}: {'rewritten' if write() else 'already up to date'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
