"""Deterministic generator of synthetic extracts (projects, expenditures, beneficiaries), 2005-2010.

Usage: ``review-demo-data --scale S --out DIR [--seed N]`` (defaults: scale 1, ``data/raw``, seed 20100601).

What it writes follows ``spec/extracts.md``: one folder per kind, UTF-8 CSV with a header, comma separator,
RFC 4180 quoting, ISO dates and ``YYYY-MM-DDTHH:MM:SSZ`` timestamps. At scale 1 the data are organisation
sized (about 3,900 projects, 10,000 expenditure rows, 1.6 million service records) and, read under the
contract and the indicator conventions (``spec/indicators.md``), reproduce the 31 figures of
``spec/published_figures.csv``. Other scales multiply every volume (money and counts alike).

How the figures are met: the generator first *plans* the winning version of every record with exact
quotas (persons per service type and year, union sizes over the 2007-2009 window, project starts and
activity per point, expenditure per year to the cent), then writes deliveries around that plan:
re-deliveries (same row, later ``extracted_at``), corrections (an earlier, different version in an
earlier delivery, the planned version later: moved service years, a moved project start year, a changed
activity type, extended end dates, a tie broken by file name and one by row order), a small share of bad
rows (extra rows with their own keys, each failing exactly one named check), held-back expenditure rows
of unknown projects, bad files, a header-only file and a file with an extra ``notes`` column. Nothing a
correct warehouse discards is needed for the figures.

Three plausibility anomalies are planted outside the review window (issue 14; constants SILENT_OFFICE,
REKEYED_OFFICE, SPIKE): an office that sends nothing for a year, an office whose services of a year are
re-sent under new service ids, and one office's health assessments of a year loaded ten times. Every such
row passes every row rule; ``marts.rpt_plausibility`` flags them, and no published figure moves.

Determinism: one ``random.Random(seed)``, no wall clock, no set/dict-order dependence; the same seed and
scale give byte-identical files. Before writing, files named like this generator's output
(``<kind>/<kind>_*.csv``) are removed from the target folders, so a run at another scale leaves no stale
parts behind; other files are left alone.

Memory stays bounded: beneficiaries are planned as integer columns one year at a time and converted to
text and written in parts of at most ``BENEFICIARY_PART_ROWS`` rows (scale 1: ~15 s, ~0.4 GB; scale 10:
~2.5 min, ~1.2 GB on a 2-core machine).

Names and document numbers are built from syllables and a ``ZZ`` prefix: obviously synthetic, never real
people. Other quirks the contract allows are planted on purpose: a UTF-8 BOM (projects 2009 snapshot),
CRLF line ends (expenditures FY2006), a free column order (expenditures FY2008, beneficiaries 2006).

Layout (one job per module): ``vocabulary`` (the contract's columns and code lists, imported from
``schemas`` and the dbt seeds, never redefined), ``targets`` (the plan at scale 1), ``geography`` and
``names`` (countries, titles, synthetic identifiers), ``projects`` and ``beneficiaries`` (the planners),
``generator`` (the deliveries around the plan), ``writer`` (CSV), ``report``, ``cli`` (``generate`` and
``main``; ``python -m pipelines.demo_data`` runs it too).
"""

from pipelines.demo_data.cli import generate, main
from pipelines.demo_data.geography import ISO3
from pipelines.demo_data.names import SYLLABLES
from pipelines.demo_data.report import GenerationReport
from pipelines.demo_data.vocabulary import ACTIVITY_TYPES, CASE_CATEGORIES, COLUMNS, KINDS, SERVICE_TYPES, SEXES

__all__ = [
    "ACTIVITY_TYPES",
    "CASE_CATEGORIES",
    "COLUMNS",
    "ISO3",
    "KINDS",
    "SERVICE_TYPES",
    "SEXES",
    "SYLLABLES",
    "GenerationReport",
    "generate",
    "main",
]
