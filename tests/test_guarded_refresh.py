"""The publish guard (issue 12, item 3) and the refresh with nothing new (item 6), on real refreshes.

One tree (a `'` in its folder name); beneficiaries b1.csv (8 women) and b2.csv (2 men), 10 valid rows:
  1. first refresh: published (a first build is not guarded), P01.pre_consular_applicants 2009 = 10;
  2. b2.csv removed: 8 valid rows, 20 % fewer, not *more* than 20 %: published, value 8;
  3. b1.csv removed, b2.csv back: 2 valid rows against 8, 75 % fewer: NOT published, value stays 8, the
     build file is gone, the refresh log says why;
  4. the same with REVIEW_ALLOW_SHRINK=1: published, value 2, a warning event says it shrank;
  5. nothing changed: not rebuilt (the published file is untouched), the refresh log says so;
  6. an edition frozen: the editions a build reads changed, so the refresh rebuilds.
"""

from __future__ import annotations

import pytest

from support.tree import B_HEADER, Tree, services

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def seq(tmp_path_factory) -> dict:
    t = Tree(tmp_path_factory.mktemp("guard") / "d'arcy")
    t.minimal(women=8)
    b2 = t.write("beneficiaries", "b2.csv", B_HEADER, services("M", 2, sex="M"))
    b1_text = (t.raw / "beneficiaries" / "b1.csv").read_text()
    out = {"tree": t}
    out["first"] = t.refresh()
    out["v1"] = t.pre_consular_2009()
    b2_text = b2.read_text()
    b2.unlink()
    out["second"] = t.refresh()
    out["v2"] = t.pre_consular_2009()
    (t.raw / "beneficiaries" / "b1.csv").unlink()
    b2.write_text(b2_text)
    out["third"] = t.refresh()
    out["v3"] = t.pre_consular_2009()
    out["build_after_third"] = t.warehouse.with_name(t.warehouse.name + ".build").exists()
    out["fourth"] = t.refresh(REVIEW_ALLOW_SHRINK="1")
    out["v4"] = t.pre_consular_2009()
    st = t.warehouse.stat()
    out["fifth"] = t.refresh()
    out["same_file_after_fifth"] = (t.warehouse.stat().st_ino, t.warehouse.stat().st_mtime_ns) == (
        st.st_ino,
        st.st_mtime_ns,
    )
    from pipelines.publication.editions import publish_edition

    with t.environment():
        publish_edition("after-shrink")
    out["sixth"] = t.refresh()
    out["b1_text"] = b1_text
    return out


def _kinds(tree: Tree, run) -> list[str]:
    return [e["event"] for e in tree.events(run.run_id) if e["event"] != "started"]


def test_first_build_and_a_small_shrink_are_published(seq):
    assert seq["first"].success and seq["v1"] == 10
    assert seq["second"].success and seq["v2"] == 8  # 20 % fewer: at the limit, not above it


def test_a_collapse_is_not_published(seq):
    t, third = seq["tree"], seq["third"]
    assert not third.success
    assert seq["v3"] == 8  # the published warehouse is the previous build
    assert not seq["build_after_third"]  # and the refused build is not left beside it
    failed = [e for e in t.events(third.run_id) if e["event"] == "failed"]
    assert len(failed) == 1 and failed[0]["stage"] == "publish guard"
    reason = failed[0]["reason"]
    assert "beneficiaries 8 -> 2 valid rows (75% fewer)" in reason
    assert "REVIEW_ALLOW_SHRINK=1" in reason and "REVIEW_SHRINK_LIMIT_PCT" in reason
    assert "projects" not in reason.split("published warehouse: ")[1].split(". ")[0]  # only what shrank is named
    assert any("Not published" in e and "75% fewer" in e for e in third.errors)
    # ... and it is in the warehouse's refresh log from the next published refresh on
    logged = t.query("select published, reason from audit.refresh_log where run_id = ?", [third.run_id])
    assert logged and logged[0][0] is False and logged[0][1].startswith("publish guard: Not published")


def test_a_shrink_can_be_published_on_purpose(seq):
    t, fourth = seq["tree"], seq["fourth"]
    assert fourth.success and seq["v4"] == 2
    warnings = [e for e in t.events(fourth.run_id) if e["event"] == "warning"]
    assert [w["stage"] for w in warnings] == ["publish guard"]
    assert "REVIEW_ALLOW_SHRINK=1" in warnings[0]["message"] and "8 -> 2" in warnings[0]["message"]


def test_nothing_new_is_not_rebuilt(seq):
    t, fifth = seq["tree"], seq["fifth"]
    assert fifth.success
    assert _kinds(t, fifth) == ["unchanged"]  # no build, no publish
    assert seq["same_file_after_fifth"]
    msg = next(e["message"] for e in t.events(fifth.run_id) if e["event"] == "unchanged")
    assert msg.startswith("Nothing new since the published build (run " + seq["fourth"].run_id[:8])
    assert "the same 3 files" in msg


def test_a_new_edition_is_something_new(seq):
    t, sixth = seq["tree"], seq["sixth"]
    assert sixth.success and "published" in _kinds(t, sixth)
    assert t.query("select distinct edition from marts.edition_values") == [("after-shrink",)]


def test_shrinkage_rule():
    from pipelines.defs.warehouse import shrinkage

    old = {"projects": 100, "expenditures": 50, "beneficiaries": 10}
    assert shrinkage({"projects": 80, "expenditures": 50, "beneficiaries": 10}, old, 20) == []  # 20 % is allowed
    assert shrinkage({"projects": 79, "expenditures": 60, "beneficiaries": 10}, old, 20) == [
        ("projects", 100, 79, 21.0)
    ]
    assert shrinkage({"projects": 100}, old, 20) == [("beneficiaries", 10, 0, 100.0), ("expenditures", 50, 0, 100.0)]
    assert shrinkage({"projects": 1}, {"projects": 0}, 20) == []  # nothing to lose
    assert shrinkage({"projects": 90}, old | {"expenditures": 0, "beneficiaries": 0}, 5) == [
        ("projects", 100, 90, 10.0)
    ]
