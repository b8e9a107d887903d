"""Publication in Dagster: the review pack after every published refresh, and a job that freezes an
edition (the edition's name comes from the run config)."""

import dagster as dg

from pipelines.defs.publish import warehouse


@dg.asset(
    key=dg.AssetKey(["review_pack"]),
    deps=[warehouse],
    group_name="publish",
    description="The review pack ($REVIEW_PACK_DIR: review.html, review.xlsx, csv/) of the current build, "
    "disclosure-controlled (docs/publication.md).",
    kinds={"html", "excel"},
)
def review_pack(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    from pipelines.publication.cli import write_pack

    paths = write_pack()
    context.log.info(f"Review pack written: {paths['html']}, {paths['xlsx']}")
    return dg.MaterializeResult(metadata={"html": str(paths["html"]), "xlsx": str(paths["xlsx"]), "csv": str(paths["csv"])})


class EditionConfig(dg.Config):
    edition: str


@dg.op(description="Freeze the published warehouse as an immutable, disclosure-controlled edition.")
def freeze_edition(context: dg.OpExecutionContext, config: EditionConfig) -> str:
    from pipelines.publication.editions import publish_edition

    path = publish_edition(config.edition)
    context.log.info(f"Edition {config.edition!r} frozen at {path}")
    return str(path)


@dg.job(description="Freeze the current warehouse as an edition: run config ops.freeze_edition.config.edition = NAME.")
def publish_edition():
    freeze_edition()
