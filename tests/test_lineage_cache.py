"""The column lineage cache (pipelines/dbt_metadata.py) is keyed by a model's compiled SQL with the
deployment's folders replaced: two deployments (a test's temporary folder, the bench's) share an entry,
and a model whose SQL really changed does not."""

from __future__ import annotations

from pathlib import Path

from pipelines.dbt_metadata import _lineage_builder

MANIFEST = {
    "nodes": {
        "model.review_warehouse.stg_x": {
            "unique_id": "model.review_warehouse.stg_x",
            "resource_type": "model",
            "schema": "staging",
            "name": "stg_x",
            "alias": "stg_x",
            "package_name": "review_warehouse",
            "original_file_path": "models/stg_x.sql",
            "depends_on": {"nodes": []},
        }
    },
    "sources": {},
}
COLUMNS = {("staging", "stg_x"): {"a": {"data_type": "INTEGER"}}}


def digest_of(tmp_path: Path, sql: str, roots: tuple[str, ...]) -> str:
    target = tmp_path / f"target{len(list(tmp_path.iterdir()))}"
    compiled = target / "compiled" / "review_warehouse" / "models" / "stg_x.sql"
    compiled.parent.mkdir(parents=True)
    compiled.write_text(sql)
    build = _lineage_builder(MANIFEST, target, None, None, {}, roots)
    build(("staging", "stg_x"), COLUMNS)
    (digest,) = build.used
    return digest


def test_the_same_model_in_two_deployments_has_one_digest(tmp_path):
    def sql(lake: str) -> str:
        quoted = lake.replace("'", "''")
        return f"select a from read_parquet('{quoted}/projects/valid/*-v4.parquet')"

    one = digest_of(tmp_path, sql("/srv/review/lake"), ("/srv/review/lake", "/srv/review/warehouse"))
    # a folder with a quote, as the operations tests use: SQL doubles it
    two = digest_of(tmp_path, sql("/tmp/it's/lake"), ("/tmp/it's/lake", "/tmp/it's/warehouse"))
    assert one == two
    # without the roots, the paths make two digests (what the cache did before)
    assert digest_of(tmp_path, sql("/srv/review/lake"), ()) != digest_of(tmp_path, sql("/tmp/it's/lake"), ())
    # another column read is another model: another digest
    other = digest_of(
        tmp_path,
        "select b as a from read_parquet('/srv/review/lake/projects/valid/*-v4.parquet')",
        ("/srv/review/lake", "/srv/review/warehouse"),
    )
    assert other != one
