"""Publication: frozen editions, disclosure control, and the review pack (docs/publication.md).

Its settings are the project's (pipelines/settings.py): `editions_dir` (REVIEW_EDITIONS_DIR, default
`editions/` beside the warehouse's folder, i.e. data/editions), `pack_dir` (REVIEW_PACK_DIR, default
data/review_pack), `disclosure_k` (REVIEW_DISCLOSURE_K, default 5: cells of 1..k persons or records are
suppressed in everything published) and `acknowledgements` (REVIEW_ACKNOWLEDGEMENTS). Dagster passes its
run's settings; the command-line tools read them from the environment.

`write.py` writes the review pack (and the draft text): what the `review_pack` asset, `make demo` and
`review-publish` call.
"""
