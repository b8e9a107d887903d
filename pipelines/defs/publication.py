"""Publication in Dagster: the review pack after every published refresh, the editions (frozen by the
`publish_edition` job, read back by the dbt build), and the job that freezes an edition (its name comes from
the run config)."""

import contextlib

import dagster as dg

from pipelines.defs.dbt import EDITIONS
from pipelines.defs.warehouse import WAREHOUSE
from pipelines.settings import Settings

editions = dg.AssetSpec(
    EDITIONS,
    group_name="publish",
    description="The editions frozen from the published warehouse ($REVIEW_EDITIONS_DIR/<edition>/, immutable; "
    "docs/publication.md) by the `publish_edition` job, never by a refresh. Each refresh reads the editions "
    "whose manifest verifies back into marts.edition_values, edition_provenance and rpt_restatement (the dbt "
    "source `editions`): the loop warehouse -> edition -> the next build's restatement.",
    kinds={"parquet"},
)


@dg.asset(
    key=dg.AssetKey(["review_pack"]),
    deps=[WAREHOUSE],
    group_name="publish",
    description="The review pack ($REVIEW_PACK_DIR: review.html, review.xlsx, csv/) of the current build, "
    "disclosure-controlled (docs/publication.md).",
    kinds={"html", "excel"},
)
def review_pack(context: dg.AssetExecutionContext, settings: dg.ResourceParam[Settings]) -> dg.MaterializeResult:
    """Runs after the warehouse was replaced: a failure here leaves the new warehouse published and the
    previous pack in place, and says so ("published, pack stale") in the run and the refresh log."""
    from pipelines.operations import log_event
    from pipelines.publication.write import write_pack

    try:
        paths = write_pack(settings=settings)
    except Exception as e:
        message = (
            f"Published, pack stale: write it again with `.venv/bin/review-publish --pack`. The warehouse "
            f"{settings.warehouse} is the new build, but the review pack under {settings.pack_dir} could not be "
            f"written ({type(e).__name__}: {str(e)[:300]}) and is still the previous build's."
        )
        with contextlib.suppress(OSError):
            log_event(settings, context.run.run_id, "warning", stage="review pack", message=message)
        raise dg.Failure(message) from e
    with contextlib.suppress(OSError):
        log_event(settings, context.run.run_id, "pack_written", html=str(paths["html"]), xlsx=str(paths["xlsx"]))
    context.log.info(f"Review pack written: {paths['html']}, {paths['xlsx']}")
    return dg.MaterializeResult(
        metadata={"html": str(paths["html"]), "xlsx": str(paths["xlsx"]), "csv": str(paths["csv"])}
    )


class EditionConfig(dg.Config):
    edition: str


@dg.op(description="Freeze the published warehouse as an immutable, disclosure-controlled edition.")
def freeze_edition(context: dg.OpExecutionContext, config: EditionConfig, settings: dg.ResourceParam[Settings]) -> str:
    from pipelines.publication.editions import EditionError, publish_edition

    try:
        path = publish_edition(config.edition, settings=settings)
    except EditionError as e:
        raise dg.Failure(str(e)) from None
    context.log.info(f"Edition {config.edition!r} frozen at {path}")
    context.log_event(dg.AssetMaterialization(EDITIONS, metadata={"edition": config.edition, "path": str(path)}))
    return str(path)


@dg.job(description="Freeze the current warehouse as an edition: run config ops.freeze_edition.config.edition = NAME.")
def publish_edition():
    freeze_edition()
