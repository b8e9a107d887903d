"""Each dbt invocation leaves a target folder (`<asset>-<run>-<hash>`, ~15 MB); a build removes those of
earlier builds but the most recent ones (pipelines/defs/dbt.py prune_run_targets)."""

from __future__ import annotations

import os

from pipelines.defs.dbt import prune_run_targets


def test_prune_keeps_the_latest_builds_and_this_one(tmp_path):
    target = tmp_path / "target"
    for i in range(14):  # runs 0..13, run i last written at 1000 + i
        d = target / f"review_dbt_assets-run{i:03d}-abc"
        d.mkdir(parents=True)
        (d / "dbt.log").write_text("log")
        os.utime(d, (1000 + i, 1000 + i))
    (target / "partial_parse.msgpack").write_text("state")
    (target / "compiled").mkdir()
    # this build's folder is the oldest (a long build started first): kept whatever its age
    prune_run_targets(target / "review_dbt_assets-run000-abc", target, keep=10)
    # kept: this build's and the 9 most recent others (13 down to 5); 1..4 removed; other files untouched
    assert sorted(p.name for p in target.iterdir()) == sorted(
        ["review_dbt_assets-run000-abc", *(f"review_dbt_assets-run{i:03d}-abc" for i in range(5, 14))]
        + ["partial_parse.msgpack", "compiled"]
    )
