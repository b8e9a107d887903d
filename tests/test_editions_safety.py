"""Editions a refresh reads (issue 11, item 4): only editions whose files match their manifest; temporary
folders of killed publishes are removed; two publishes of one name: the loser gets one clear line.

One tree (its folder name has a `'`), one real refresh, editions frozen from it; then a refresh that must
read exactly the edition that verifies.
"""

from __future__ import annotations

import json
import shutil
import stat
import subprocess
import time

import polars as pl
import pytest

from support.tree import BIN, REPO, Tree

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def tree(tmp_path_factory) -> Tree:
    t = Tree(tmp_path_factory.mktemp("editions") / "o'reilly")
    t.minimal(women=6)
    first = t.refresh()
    assert first.success, first.errors
    return t


def test_only_editions_that_verify_are_read(tree):
    from pipelines.publication.editions import publish_edition

    with tree.environment():
        good = publish_edition("good")
        altered = publish_edition("altered")
    # A publish killed before its rename leaves a hidden temporary folder holding a whole edition's files:
    # here a copy of `good` (the same edition name inside: its rows would be read twice) and a never
    # published one.
    for name in (".tmp-good-4242", ".tmp-ghost-4243"):
        shutil.copytree(good, tree.editions / name)
    ghost_values = pl.read_parquet(good / "values.parquet").with_columns(edition=pl.lit("ghost"))
    (tree.editions / ".tmp-ghost-4243" / "values.parquet").chmod(0o644)
    ghost_values.write_parquet(tree.editions / ".tmp-ghost-4243" / "values.parquet")
    # An edition altered after it was frozen: its values file no longer matches the manifest.
    v = altered / "values.parquet"
    altered.chmod(0o755)
    v.chmod(0o644)
    pl.read_parquet(v).with_columns(value=pl.col("value") * 2).write_parquet(v)

    out = tree.refresh()
    assert out.success, out.errors
    good_rows = pl.read_parquet(good / "values.parquet").height
    assert good_rows > 100  # a real edition of the fixture's numbers
    assert tree.query("select edition, count(*) from marts.edition_values group by 1 order by 1") == [
        ("good", good_rows)
    ]
    assert tree.query("select count(distinct edition) from marts.rpt_restatement where edition <> 'good'") == [(0,)]
    assert sorted(p.name for p in tree.editions.iterdir() if p.name.startswith(".tmp-")) == []
    warnings = [e for e in tree.events(out.run_id) if e["event"] == "warning"]
    assert len(warnings) == 1 and warnings[0]["stage"] == "editions"
    assert "'altered' is not read" in warnings[0]["message"] and "values.parquet: changed" in warnings[0]["message"]


def test_edition_values_key_is_tested_unique():
    manifest = json.loads((REPO / "dbt_project" / "target" / "manifest.json").read_text())
    tests = [
        n
        for n in manifest["nodes"].values()
        if n["resource_type"] == "test"
        and n.get("attached_node") == "model.review_warehouse.edition_values"
        and n.get("test_metadata", {}).get("name") == "unique_combination"
    ]
    assert len(tests) == 1
    assert tests[0]["test_metadata"]["kwargs"]["columns"] == [
        "edition",
        "table_name",
        "indicator_code",
        "period",
        "dimension",
        "dimension_value",
        "measure",
    ]


def test_two_publishes_of_one_name_at_once(tree, tmp_path):
    # Both pause just before their rename (REVIEW_FAULT_PAUSE_AT), so that they overlap for certain.
    env = tree.env(REVIEW_FAULT_PAUSE_AT="edition_before_rename", REVIEW_FAULT_PAUSE_SECONDS="4")
    procs = []
    for _ in range(2):
        procs.append(
            subprocess.Popen(
                [str(BIN / "review-publish"), "--edition", "race"],
                cwd=REPO,
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
        time.sleep(0.5)
    results = [(p.wait(180), *p.communicate()) for p in procs]
    codes = sorted(r[0] for r in results)
    assert codes == [0, 1], results
    loser = next(r for r in results if r[0] == 1)
    err_lines = [ln for ln in loser[2].splitlines() if ln.strip()]
    assert len(err_lines) == 1, loser[2]
    assert err_lines[0].startswith("review-publish: edition 'race' ") and "choose a new name" in err_lines[0]
    assert "Traceback" not in loser[1] + loser[2]
    from pipelines.publication.editions import verify_edition

    with tree.environment():
        assert verify_edition("race") == []
    assert [p.name for p in tree.editions.iterdir() if p.name.startswith(".tmp-")] == []


def test_a_killed_publish_leftover_goes_with_the_next_publish(tree):
    from pipelines.publication.editions import publish_edition

    left = tree.editions / ".tmp-later-999999"
    left.mkdir()
    (left / "values.parquet").write_bytes(b"partial")
    (left / "values.parquet").chmod(stat.S_IRUSR)
    with tree.environment():
        publish_edition("later")
    assert not left.exists()
