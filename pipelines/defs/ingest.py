"""One ingest asset per extract kind: files under $REVIEW_RAW_DIR/<kind>/ -> validated Parquet in the lake.

Pandera's results surface as asset checks. They warn, never block: the contract says a refresh never
fails because of bad data; the rejected rows and files are recorded in the audit tables instead.
"""

import dagster as dg

from pipelines.ingest import DropZoneMissing, KindSummary, Pseudonymiser, ingest_kind, release_memory
from pipelines.operations import fault_point, log_event
from pipelines.settings import Settings
from schemas import KINDS

LAKE_OUTPUTS = {
    "": "Validated {kind} rows, typed, personal data removed (Parquet, one file per delivery).",
    "_rejects": "One row per failed row check of a {kind} row (no personal-data values).",
    "_files": "The {kind} files of the current refresh: loaded, rejected or ignored, with counts.",
    "_reject_context": "Per rejected {kind} row, the fields deciding which indicators it would feed (no personal data).",
}


def ingest_asset_key(kind: str, output: str = "") -> dg.AssetKey:
    """The lake table a dbt source `lake.<kind><output>` reads."""
    return dg.AssetKey(["lake", kind + output])


def _check_results(kind: str, summary: KindSummary):
    t = summary.totals
    yield dg.AssetCheckResult(
        asset_key=ingest_asset_key(kind),
        check_name="pandera_rows",
        passed=t["rows_rejected"] == 0,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{t['rows_rejected']} of {t['rows_read']} {kind} rows failed the contract's row checks "
        "(listed in audit.rejected_rows).",
        metadata={
            "rows_rejected": t["rows_rejected"],
            "rows_read": t["rows_read"],
            "failures_by_check": dg.MetadataValue.json(summary.failures_by_check),
        },
    )
    rejected = [f for f in summary.files if f.status == "rejected"]
    yield dg.AssetCheckResult(
        asset_key=ingest_asset_key(kind),
        check_name="files_readable",
        passed=not rejected,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{len(rejected)} {kind} file(s) could not be read as the contract says "
        "(listed in audit.rejected_files).",
        metadata={"rejected_files": dg.MetadataValue.json({f.file_name: f.message for f in rejected})},
    )
    not_read = summary.not_read
    yield dg.AssetCheckResult(
        asset_key=ingest_asset_key(kind),
        check_name="drop_zone_all_read",
        passed=not not_read,
        severity=dg.AssetCheckSeverity.WARN,
        description=f"{len(not_read)} entr(ies) of the drop zone reported by the {kind} ingest were not read "
        "(listed in audit.source_files with the reason).",
        metadata={
            "not_read": dg.MetadataValue.json({f"{f.kind or '(drop zone)'}/{f.file_name}": f.message for f in not_read})
        },
    )


def build_ingest_asset(kind: str) -> dg.AssetsDefinition:
    key = ingest_asset_key(kind)

    @dg.multi_asset(
        name=f"ingest_{kind}",
        specs=[
            dg.AssetSpec(
                ingest_asset_key(kind, out),
                group_name="ingest",
                description=desc.format(kind=kind) + f" From every *.csv under $REVIEW_RAW_DIR/{kind}/.",
                kinds={"polars", "parquet"},
            )
            for out, desc in LAKE_OUTPUTS.items()
        ],
        check_specs=[
            dg.AssetCheckSpec("pandera_rows", asset=key, description="Rows pass the pandera schema."),
            dg.AssetCheckSpec("files_readable", asset=key, description="Every file is readable as the contract says."),
            dg.AssetCheckSpec(
                "drop_zone_all_read",
                asset=key,
                description="Everything in the kind's folder (and the drop zone entries it reports) is a delivery "
                "that is read: no unknown folder, sub-folder, non-CSV file, link out of the drop zone or FIFO.",
            ),
        ],
        required_resource_keys={"writer_lock", "settings"},
    )
    def _ingest(context: dg.AssetExecutionContext):
        settings: Settings = context.resources.settings
        run_id = context.run.run_id

        def warn(message: str) -> None:
            context.log.warning(message)
            log_event(settings, run_id, "warning", stage="ingest", message=f"{kind}: {message}")

        if settings.key_is_default and kind == "beneficiaries":  # the only kind with case numbers
            warn(
                "REVIEW_PSEUDONYM_KEY is not set: case numbers are hashed with the public development key; "
                "set a secret key for real data"
            )
        try:
            summary = ingest_kind(
                kind,
                settings.raw_dir,
                settings.lake_dir,
                Pseudonymiser(settings.pseudonym_key),
                log=context.log.info,
                warn=warn,
                workers=settings.ingest_workers,
            )
        except DropZoneMissing as e:  # not bad data: the refresh cannot do its job; publish nothing
            log_event(settings, run_id, "failed", stage=f"ingest {kind}", reason=str(e))
            raise dg.Failure(description=str(e), allow_retries=False) from None
        except Exception as e:  # not bad data (that is recorded, not raised): disk, permissions, code
            log_event(settings, run_id, "failed", stage=f"ingest {kind}", reason=f"{type(e).__name__}: {e}")
            raise
        finally:
            release_memory()
        fault_point(f"after_ingest_{kind}")
        yield dg.MaterializeResult(
            asset_key=key,
            metadata={
                **summary.totals,
                "raw_dir": str(settings.raw_dir / kind),
                "lake_dir": str(settings.lake_dir),
                "failures_by_check": dg.MetadataValue.json(summary.failures_by_check),
                "files": dg.MetadataValue.md(
                    "| file | status | valid | rejected | note |\n|---|---|---|---|---|\n"
                    + "\n".join(
                        f"| {f.file_name} | {f.status}{' (cached)' if f.from_cache else ''} | {f.rows_valid} | "
                        f"{f.rows_rejected} | {f.message or ''} |"
                        for f in summary.files
                    )
                ),
            },
        )
        for out in ("_rejects", "_files", "_reject_context"):
            yield dg.MaterializeResult(asset_key=ingest_asset_key(kind, out))
        yield from _check_results(kind, summary)

    return _ingest


ingest_assets = [build_ingest_asset(kind) for kind in KINDS]
