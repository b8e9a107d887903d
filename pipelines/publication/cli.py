"""review-publish: freeze an edition, write the review pack, compare an edition with the current build.

    review-publish --edition NAME            freeze the published warehouse as edition NAME (immutable)
    review-publish --pack [--edition NAME]   write the review pack (HTML, XLSX, CSV) from the current
                                             build, or from edition NAME
    review-publish --compare NAME            what changed since edition NAME, and why
    review-publish --list                    the editions
    review-publish --draft --window 2010-2012 [--edition NAME]
                                             the draft text of the review for that window
                                             (review_draft.html, review_draft.docx in the pack folder)

Settings: REVIEW_WAREHOUSE, REVIEW_EDITIONS_DIR, REVIEW_PACK_DIR, REVIEW_DISCLOSURE_K (docs/publication.md).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections import Counter
from pathlib import Path

from pipelines.publication.write import write_draft_text, write_pack  # write_pack: also the review_pack asset's
from pipelines.settings import Settings, SettingsError


def compare(name: str, warehouse: Path | None = None) -> list[tuple]:
    """The restatement rows of edition `name` in the current build (marts.rpt_restatement)."""
    import duckdb

    from pipelines.publication.editions import EditionError, manifest

    settings = Settings.from_env()
    man = manifest(name, settings)  # a clear error for an unknown edition
    path = warehouse or settings.warehouse
    if not path.exists():
        raise EditionError(f"no published warehouse at {path}: run a refresh first")
    con = duckdb.connect(str(path), read_only=True)
    try:
        known = con.execute("select count(*) from marts.edition_values where edition = ?", [name]).fetchall()[0][0]
        if not known:
            # Frozen after the last refresh, so not in marts.edition_values yet. If it was frozen from this
            # very build, nothing can differ; otherwise only a refresh can tell what changed, and why.
            built = con.execute("select max(finished_at) from audit.refresh_log where published").fetchall()[0][0]
            built = built.isoformat(timespec="seconds") if built else ""
            if built and man.get("built_at") == built:
                return []
            raise EditionError(
                f"edition {name!r} was frozen from another build than {path} (built {built or 'unknown'}) "
                "and no refresh has read it yet: run a refresh, then compare"
            )
        return con.execute(
            "select table_name, indicator_code, period, coalesce(dimension || '=' || dimension_value, ''), measure, "
            "edition_value, current_value, change, causes from marts.rpt_restatement where edition = ? "
            "order by table_name, indicator_code, period, 4, measure",
            [name],
        ).fetchall()
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="review-publish", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument(
        "--edition", metavar="NAME", help="freeze the current build as NAME; with --pack: the edition to use"
    )
    ap.add_argument("--pack", action="store_true", help="write the review pack")
    ap.add_argument("--compare", metavar="NAME", help="list what changed since edition NAME, with causes")
    ap.add_argument("--list", action="store_true", help="list the editions")
    ap.add_argument("--draft", action="store_true", help="write the draft text of the review (with --window)")
    ap.add_argument("--window", metavar="START-END", default="2007-2009", help="review window of --draft")
    ap.add_argument("--out", type=Path, help="pack folder (default $REVIEW_PACK_DIR or data/review_pack)")
    args = ap.parse_args(argv)
    # Publishing hashes nothing: the unset pseudonym key's warning (for refreshes) would only be noise here.
    warnings.filterwarnings("ignore", message="REVIEW_PSEUDONYM_KEY is not set")
    from pipelines.publication.editions import EditionError, list_editions, publish_edition

    try:
        if args.list:
            names = list_editions()
            print("\n".join(names) if names else f"no editions under {Settings.from_env().editions_dir}")
        elif args.draft:
            from pipelines.publication.draft import WindowError

            try:
                res = write_draft_text(args.window, args.edition, args.out)
            except WindowError as e:
                print(f"review-publish: {e}", file=sys.stderr)
                return 2
            print(f"Draft text for {args.window}: {res['html']}\n  {res['docx']}")
            if res["missing"]:
                print(
                    f"  {len(res['missing'])} of {len(res['sentences'])} figures have no value (bracketed in the text)"
                )
        elif args.pack:
            paths = write_pack(args.edition, args.out)
            print(f"Review pack ({'edition ' + args.edition if args.edition else 'current build'}):")
            print(f"  {paths['html']}\n  {paths['xlsx']}\n  {paths['csv']}/")
        elif args.compare:
            rows = compare(args.compare)
            print(f"{len(rows)} published numbers of edition {args.compare!r} differ from the current build.")
            if not rows:
                print("  (nothing changed since the edition was frozen)")
            for cause, n in Counter(r[8] for r in rows).most_common():
                print(f"  {n:>6}  {cause}")
            for r in rows[:40]:
                print(
                    f"  {r[0]:<24} {r[1]:<38} {r[2]:<9} {r[3]:<28} {r[4]:<16} {r[5]!s:>14} -> {r[6]!s:<14} {r[7]}: {r[8]}"
                )
            if len(rows) > 40:
                print(f"  ... {len(rows) - 40} more in marts.rpt_restatement")
        elif args.edition:
            path = publish_edition(args.edition)
            print(f"Edition {args.edition!r} frozen at {path}")
            print(
                "It appears in marts.edition_values from the next refresh on; compare with "
                f"`review-publish --compare {args.edition}`."
            )
        else:
            ap.print_help()
            return 2
    except (EditionError, SettingsError) as e:
        print(f"review-publish: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # duckdb.IOException (a writer holds the file), OSError (disk, permissions)
        from pipelines.operations import environment_advice

        advice = environment_advice(f"{type(e).__name__}: {e}", Settings.from_env(), retry="try again")
        print(f"review-publish: {advice or f'{type(e).__name__}: {str(e)[:300]}'}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
