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
"""

from __future__ import annotations

import argparse
import bisect
import csv
import io
import random
import sys
import time
from array import array
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

# --------------------------------------------------------------------------------------------------
# Contract vocabulary
# --------------------------------------------------------------------------------------------------

PROJECT_COLUMNS = [
    "project_code",
    "title",
    "country_iso3",
    "activity_type",
    "strategy_points",
    "primary_point",
    "start_date",
    "end_date",
    "budget_usd",
    "extracted_at",
]
EXPENDITURE_COLUMNS = ["project_code", "year", "expenditure_usd", "extracted_at"]
BENEFICIARY_COLUMNS = [
    "service_id",
    "beneficiary_id",
    "full_name",
    "document_no",
    "date_of_birth",
    "sex",
    "service_type",
    "service_date",
    "country_of_service",
    "destination_country",
    "case_category",
    "project_code",
    "extracted_at",
]
COLUMNS = {"projects": PROJECT_COLUMNS, "expenditures": EXPENDITURE_COLUMNS, "beneficiaries": BENEFICIARY_COLUMNS}
KINDS = ("projects", "expenditures", "beneficiaries")

ACTIVITY_TYPES = (
    "pre_consular",
    "migrant_training",
    "migration_health",
    "resettlement",
    "migration_law",
    "capacity_building",
    "migration_development",
    "irregular_migration",
    "research_data",
    "dialogue",
    "integration",
    "emergency",
    "post_crisis",
    "avrr",
    "ct_prevention",
    "ct_capacity",
    "ct_assistance",
    "labour_migration",
    "other",
)
# The strategy point an activity type is primarily reported under ("other" gets one of several).
ACTIVITY_POINT = {
    "pre_consular": 1,
    "migrant_training": 1,
    "migration_health": 1,
    "resettlement": 1,
    "migration_law": 2,
    "capacity_building": 3,
    "migration_development": 4,
    "irregular_migration": 5,
    "research_data": 6,
    "dialogue": 7,
    "integration": 8,
    "emergency": 9,
    "post_crisis": 9,
    "avrr": 10,
    "ct_prevention": 11,
    "ct_capacity": 11,
    "ct_assistance": 11,
    "labour_migration": 12,
    "other": 0,
}
ACTIVITY_PREFIX = {
    "pre_consular": "PC",
    "migrant_training": "MT",
    "migration_health": "MH",
    "resettlement": "RS",
    "migration_law": "ML",
    "capacity_building": "CB",
    "migration_development": "MD",
    "irregular_migration": "IM",
    "research_data": "RD",
    "dialogue": "DG",
    "integration": "IN",
    "emergency": "EM",
    "post_crisis": "PR",
    "avrr": "RT",
    "ct_prevention": "CP",
    "ct_capacity": "CC",
    "ct_assistance": "CA",
    "labour_migration": "LM",
    "other": "OT",
}

SERVICE_TYPES = (
    "pre_consular",
    "migrant_training",
    "health_assessment",
    "resettlement_movement",
    "official_training",
    "dialogue_participation",
    "avrr_return",
    "trafficking_assistance",
    "labour_deployment",
)
PC, MT, HA, RM, OT, DP, AV, TA, LD = range(9)
NEEDS_DESTINATION = (RM, AV, LD)
# Project activity type that delivers each service type (its projects carry the service's point).
SERVICE_ACTIVITY = (
    "pre_consular",
    "migrant_training",
    "migration_health",
    "resettlement",
    "capacity_building",
    "dialogue",
    "avrr",
    "ct_assistance",
    "labour_migration",
)
SEXES = ("F", "M", "U")
F, M, U = 0, 1, 2
CASE_CATEGORIES = ("resettlement", "family_reunification", "labour", "humanitarian", "other")
RES, FAM, LAB, HUM, OTH = range(5)
NO_CAT = 255

# ISO 3166-1 alpha-3 codes in use by the generator (all current, officially assigned codes).
ISO3 = (
    # Africa
    "DZA",
    "AGO",
    "BEN",
    "BWA",
    "BFA",
    "BDI",
    "CPV",
    "CMR",
    "CAF",
    "TCD",
    "COM",
    "COG",
    "COD",
    "CIV",
    "DJI",
    "EGY",
    "GNQ",
    "ERI",
    "SWZ",
    "ETH",
    "GAB",
    "GMB",
    "GHA",
    "GIN",
    "GNB",
    "KEN",
    "LSO",
    "LBR",
    "LBY",
    "MDG",
    "MWI",
    "MLI",
    "MRT",
    "MUS",
    "MAR",
    "MOZ",
    "NAM",
    "NER",
    "NGA",
    "RWA",
    "STP",
    "SEN",
    "SYC",
    "SLE",
    "SOM",
    "ZAF",
    "SDN",
    "TZA",
    "TGO",
    "TUN",
    "UGA",
    "ZMB",
    "ZWE",
    # Americas
    "ATG",
    "ARG",
    "BHS",
    "BRB",
    "BLZ",
    "BOL",
    "BRA",
    "CAN",
    "CHL",
    "COL",
    "CRI",
    "CUB",
    "DMA",
    "DOM",
    "ECU",
    "SLV",
    "GRD",
    "GTM",
    "GUY",
    "HTI",
    "HND",
    "JAM",
    "MEX",
    "NIC",
    "PAN",
    "PRY",
    "PER",
    "KNA",
    "LCA",
    "VCT",
    "SUR",
    "TTO",
    "USA",
    "URY",
    "VEN",
    # Asia
    "AFG",
    "ARM",
    "AZE",
    "BHR",
    "BGD",
    "BTN",
    "BRN",
    "KHM",
    "CHN",
    "CYP",
    "GEO",
    "IND",
    "IDN",
    "IRN",
    "IRQ",
    "ISR",
    "JPN",
    "JOR",
    "KAZ",
    "KWT",
    "KGZ",
    "LAO",
    "LBN",
    "MYS",
    "MDV",
    "MNG",
    "MMR",
    "NPL",
    "PRK",
    "OMN",
    "PAK",
    "PSE",
    "PHL",
    "QAT",
    "SAU",
    "SGP",
    "KOR",
    "LKA",
    "SYR",
    "TWN",
    "TJK",
    "THA",
    "TLS",
    "TUR",
    "TKM",
    "ARE",
    "UZB",
    "VNM",
    "YEM",
    "HKG",
    "MAC",
    # Europe
    "ALB",
    "AND",
    "AUT",
    "BLR",
    "BEL",
    "BIH",
    "BGR",
    "HRV",
    "CZE",
    "DNK",
    "EST",
    "FIN",
    "FRA",
    "DEU",
    "GRC",
    "HUN",
    "ISL",
    "IRL",
    "ITA",
    "LVA",
    "LIE",
    "LTU",
    "LUX",
    "MLT",
    "MDA",
    "MCO",
    "MNE",
    "NLD",
    "MKD",
    "NOR",
    "POL",
    "PRT",
    "ROU",
    "RUS",
    "SMR",
    "SRB",
    "SVK",
    "SVN",
    "ESP",
    "SWE",
    "CHE",
    "UKR",
    "GBR",
    "VAT",
    # Oceania
    "AUS",
    "FJI",
    "KIR",
    "MHL",
    "FSM",
    "NRU",
    "NZL",
    "PLW",
    "PNG",
    "WSM",
    "SLB",
    "TON",
    "TUV",
    "VUT",
    # Territories
    "PRI",
    "ABW",
    "NCL",
    "PYF",
    "GUM",
    "BMU",
    "CYM",
    "GRL",
    "FRO",
    "REU",
    "GLP",
    "MTQ",
    "GUF",
    "MYT",
)
CIDX = {c: i for i, c in enumerate(ISO3)}

# --------------------------------------------------------------------------------------------------
# Plan constants (scale 1). Figures in published_figures.csv are marked with their code.
# --------------------------------------------------------------------------------------------------

YEARS = (2005, 2006, 2007, 2008, 2009, 2010)
WINDOW = (2007, 2008, 2009)
CUTOFF = date(2010, 5, 31)  # last service / start date in the data; final deliveries on 2010-06-01

# projects started per year (ORG.projects_started 2007 = 550 exact; 2009 "more than 700" -> 735)
START_COUNTS = {
    1998: 20,
    1999: 28,
    2000: 42,
    2001: 62,
    2002: 110,
    2003: 175,
    2004: 270,
    2005: 440,
    2006: 520,
    2007: 550,
    2008: 640,
    2009: 735,
    2010: 300,
}
ACTIVE_2007 = 1680  # ORG.projects_active 2007: over 1,600 -> band (1600, 1760]
ACTIVE_2009 = 2415  # ORG.projects_active 2009: over 2,300 -> band (2300, 2530]
WINDOW_GROUPS = {  # group -> (total over 2007-2009, yearly weights)
    "e9": (203, (62, 66, 75)),  # P09.emergency_projects_started
    "pc9": (314, (95, 104, 115)),  # P09.post_crisis_projects_started (P09 total 517)
    "ctp": (100, (30, 33, 37)),  # P11.ct_prevention_projects_started
    "ctc": (160, (48, 53, 59)),  # P11.ct_capacity_projects_started
    "p05": (37, (11, 12, 14)),  # P05.projects_started ("more than 35")
}
P05_BUDGET = 16_000_000  # P05.budget_started_usd ("approximately USD 16 million")
TAG8_ACTIVE_2009, TAG8_OTHER = 40, 45  # P08.projects_active 2009 = 40
AVRR_ACTIVE_2009, AVRR_OTHER = 80, 70  # P10.avrr_programmes_active 2009 ~ 80
EXPENDITURE_USD = {  # ORG.expenditure_usd: 2007 = 783.8 million, 2009 = 1,027 million
    2005: 612_400_000,
    2006: 701_300_000,
    2007: 783_800_000,
    2008: 884_600_000,
    2009: 1_027_000_000,
    2010: 431_900_000,
}

# distinct persons per year (P01.pre_consular_applicants / migrant_training_participants: exact)
PERSONS = {
    "PC": {2005: 10000, 2006: 14000, 2007: 43204, 2008: 61189, 2009: 133532, 2010: 36000},
    "MT": {2005: 12000, 2006: 16000, 2007: 45619, 2008: 50678, 2009: 56637, 2010: 14000},
    "OT": {2005: 250, 2006: 300, 2007: 380, 2008: 430, 2009: 500, 2010: 200},  # P03 2009 "some 500"
    "DP": {2005: 500, 2006: 600, 2007: 700, 2008: 800, 2009: 900, 2010: 400},
    "LDO": {2005: 1500, 2006: 1800, 2007: 2200, 2008: 2600, 2009: 2900, 2010: 1400},
    # union-controlled over the window: the last window year is derived from the union target
    "RM": {2005: 18000, 2006: 24000, 2007: 93000, 2008: 98000, 2010: 22000},
    "AV": {2005: 12000, 2006: 13000, 2007: 25000, 2008: 26500, 2010: 8000},
    "TA": {2005: 900, 2006: 1000, 2007: 1100, 2008: 1200, 2010: 500},
    "LDC": {2005: 2500, 2006: 3200, 2007: 4400, 2008: 5100, 2010: 3000},
}
UNION_TARGET = {
    "RM": 292_500,  # P01.resettlement_persons 2007-2009 "nearly 300,000" -> [285000, 300000)
    "AV": 80_000,  # P10.avrr_returns "approximately 80,000"
    "TA": 3_500,  # P11.trafficked_persons_assisted "approximately 3,500"
    "LDC": 12_405,  # P12.labour_migrants_deployed to CAN, exact
}
HA_RECORDS = {2005: 20000, 2006: 28000, 2007: 50000, 2008: 75000, 2009: 283_500, 2010: 60000}  # >270,000
HA_COUNTRIES_2009 = 53  # P01.health_assessment_countries "more than 50"
AV_DESTINATIONS_WINDOW = 168  # P10.avrr_destination_countries "more than 160"
MT_WOMEN_SHARE, MT_RESETTLEMENT_SHARE = 0.45, 0.78  # P01 shares over the window
CONTINUE = {  # share of last year's persons served again this year
    "PC": 0.05,
    "MT": 0.06,
    "HA": 0.03,
    "RM": 0.01,
    "AV": 0.01,
    "TA": 0.10,
    "OT": 0.12,
    "DP": 0.15,
    "LDC": 0.35,
    "LDO": 0.25,
}
RECORDS_PER_PERSON = {  # service records per person and year: (k, weight)
    PC: ((1, 88), (2, 10), (3, 2)),
    MT: ((1, 80), (2, 15), (3, 5)),
    HA: ((1, 82), (2, 15), (3, 3)),
    RM: ((1, 96), (2, 4)),
    OT: ((1, 80), (2, 20)),
    DP: ((1, 85), (2, 15)),
    AV: ((1, 97), (2, 3)),
    TA: ((1, 60), (2, 25), (3, 15)),
    LD: ((1, 90), (2, 10)),
}
BENEFICIARY_PART_ROWS = 300_000  # rows per beneficiaries file (larger years are split into parts)

# Planted plausibility anomalies (issue 14), outside the review window so that no published figure moves:
# the checks of marts.rpt_plausibility must find each of them, and nothing else `high`.
SILENT_OFFICE = ("GHA", 2006)  # the office sends no beneficiaries extract for 2006 (office_silent)
REKEYED_OFFICE = (
    "RWA",
    2005,
)  # its 2005 services re-sent in 2006 under new service ids (rekeyed_services, duplicate_file)
REKEYED_FILE, REKEYED_TS = "beneficiaries_2005_RWA_resend.csv", "2006-02-20T09:30:00Z"
SPIKE = ("UGA", 2006, 10)  # health assessments of 2006 in UGA loaded ten times, as new case numbers (spike_country)

# --- countries of service / destination (weights) ----------------------------------------------------
PC_COS = (
    ("PHL", 10),
    ("IND", 8),
    ("NPL", 6),
    ("LKA", 4),
    ("PAK", 5),
    ("BGD", 5),
    ("VNM", 6),
    ("CHN", 7),
    ("UKR", 4),
    ("COL", 3),
    ("PER", 3),
    ("KEN", 3),
    ("NGA", 3),
    ("GHA", 2),
    ("ETH", 2),
    ("MAR", 2),
    ("EGY", 2),
    ("THA", 3),
    ("IDN", 3),
    ("MEX", 3),
)
PC_DEST = (("CAN", 30), ("GBR", 20), ("AUS", 15), ("USA", 15), ("NZL", 8), ("IRL", 5), ("DEU", 7))
MT_COS = (
    ("NPL", 14),
    ("THA", 12),
    ("KEN", 8),
    ("JOR", 7),
    ("SYR", 6),
    ("TUR", 5),
    ("MYS", 5),
    ("ETH", 4),
    ("TZA", 3),
    ("UGA", 3),
    ("EGY", 3),
    ("PHL", 4),
    ("IDN", 3),
    ("UKR", 2),
    ("RUS", 2),
    ("AUT", 2),
    ("GHA", 2),
)
RESETTLEMENT_DEST = (
    ("USA", 55),
    ("CAN", 12),
    ("AUS", 12),
    ("NZL", 3),
    ("GBR", 4),
    ("NOR", 3),
    ("SWE", 3),
    ("FIN", 2),
    ("DNK", 2),
    ("NLD", 2),
    ("IRL", 1),
    ("DEU", 1),
)
RM_COS = (
    ("NPL", 16),
    ("THA", 14),
    ("JOR", 10),
    ("SYR", 9),
    ("KEN", 8),
    ("MYS", 6),
    ("TUR", 6),
    ("ETH", 4),
    ("TZA", 4),
    ("UGA", 3),
    ("EGY", 3),
    ("LBN", 3),
    ("IRN", 2),
    ("PAK", 2),
    ("IND", 2),
    ("RUS", 2),
    ("UKR", 2),
    ("CUB", 2),
    ("RWA", 2),
    ("BDI", 1),
    ("ZMB", 1),
    ("SDN", 1),
    ("CMR", 1),
    ("GHA", 1),
)
HA_COS = (
    "NPL",
    "THA",
    "KEN",
    "JOR",
    "SYR",
    "TUR",
    "ETH",
    "UGA",
    "TZA",
    "PHL",
    "VNM",
    "IND",
    "PAK",
    "BGD",
    "LKA",
    "CHN",
    "MNG",
    "KGZ",
    "UKR",
    "RUS",
    "MDA",
    "BLR",
    "GEO",
    "ARM",
    "AZE",
    "EGY",
    "SDN",
    "GHA",
    "NGA",
    "CMR",
    "COD",
    "RWA",
    "BDI",
    "ZMB",
    "ZWE",
    "MOZ",
    "IDN",
    "MYS",
    "KHM",
    "LAO",
    "MMR",
    "IRN",
    "IRQ",
    "LBN",
    "ECU",
    "COL",
    "PER",
    "DOM",
    "HTI",
    "CUB",
    "ROU",
    "BGR",
    "ERI",
)
HA_DEST = (("USA", 35), ("CAN", 20), ("AUS", 20), ("GBR", 12), ("NZL", 8), ("IRL", 5))
AV_HOSTS = (
    ("DEU", 10),
    ("NLD", 9),
    ("BEL", 9),
    ("GBR", 8),
    ("AUT", 8),
    ("CHE", 6),
    ("NOR", 6),
    ("IRL", 4),
    ("FIN", 3),
    ("GRC", 4),
    ("ITA", 3),
    ("ESP", 3),
    ("PRT", 2),
    ("CZE", 2),
    ("POL", 2),
    ("HUN", 2),
    ("SVK", 1),
    ("AUS", 2),
    ("JPN", 1),
    ("IDN", 3),
    ("MAR", 4),
    ("LBY", 3),
    ("YEM", 2),
    ("GTM", 2),
    ("MEX", 2),
    ("THA", 2),
    ("UKR", 3),
    ("TUR", 3),
    ("EGY", 2),
)
AV_MAIN_ORIGINS = (
    "IRQ",
    "AFG",
    "RUS",
    "UKR",
    "SRB",
    "GEO",
    "ARM",
    "BRA",
    "MNG",
    "CHN",
    "NGA",
    "IRN",
    "PAK",
    "BIH",
    "MKD",
    "ALB",
    "MDA",
    "BLR",
    "AZE",
    "ECU",
    "BOL",
    "ETH",
    "SOM",
    "ERI",
    "SDN",
    "DZA",
    "MAR",
    "TUN",
    "EGY",
    "IND",
    "BGD",
    "LKA",
    "VNM",
    "PHL",
    "IDN",
    "KAZ",
    "KGZ",
    "UZB",
    "TJK",
    "SEN",
    "GHA",
    "CMR",
    "COD",
    "AGO",
    "ZWE",
    "KEN",
    "UGA",
    "GIN",
    "SLE",
    "LBR",
)
AV_NOT_ORIGIN = (
    "DEU",
    "NLD",
    "BEL",
    "GBR",
    "AUT",
    "CHE",
    "NOR",
    "IRL",
    "FIN",
    "AUS",
    "JPN",
    "USA",
    "CAN",
    "NZL",
    "SWE",
    "DNK",
    "FRA",
    "LUX",
    "ISL",
    "LIE",
    "MCO",
    "SMR",
    "AND",
    "VAT",
    "SGP",
    "PRI",
    "ABW",
    "NCL",
    "PYF",
    "GUM",
    "BMU",
    "CYM",
    "GRL",
    "FRO",
    "REU",
    "GLP",
    "MTQ",
    "GUF",
    "MYT",
    "HKG",
    "MAC",
)
TA_COS = (
    ("UKR", 8),
    ("MDA", 7),
    ("BLR", 4),
    ("RUS", 5),
    ("THA", 6),
    ("KHM", 5),
    ("VNM", 4),
    ("IDN", 5),
    ("PHL", 4),
    ("NGA", 5),
    ("GHA", 3),
    ("NPL", 4),
    ("BGD", 3),
    ("IND", 3),
    ("GTM", 3),
    ("MEX", 3),
    ("COL", 3),
    ("DOM", 2),
    ("HTI", 2),
    ("ALB", 3),
    ("ROU", 3),
    ("BGR", 2),
    ("ZAF", 3),
    ("KEN", 2),
    ("EGY", 2),
    ("TUR", 2),
    ("LAO", 2),
    ("MMR", 3),
    ("CHN", 2),
    ("KAZ", 2),
    ("KGZ", 2),
    ("UZB", 2),
    ("TJK", 2),
    ("AZE", 1),
    ("GEO", 1),
    ("ARM", 1),
    ("SRB", 2),
    ("BIH", 2),
    ("MKD", 1),
)
DP_COS = (
    ("CHE", 20),
    ("BEL", 8),
    ("THA", 6),
    ("SEN", 5),
    ("ZAF", 5),
    ("EGY", 4),
    ("MEX", 4),
    ("ARG", 3),
    ("KEN", 4),
    ("TUR", 4),
    ("PHL", 3),
    ("IDN", 3),
    ("MAR", 3),
    ("CRI", 3),
    ("BRA", 3),
    ("AUT", 3),
    ("ITA", 3),
    ("USA", 3),
)
LDC_COS = (("GTM", 45), ("MEX", 25), ("HND", 10), ("SLV", 6), ("COL", 6), ("JAM", 4), ("NIC", 4))
LDO_ROUTES = (
    (("COL", "ESP"), 15),
    (("MAR", "ESP"), 10),
    (("ECU", "ESP"), 6),
    (("PHL", "KOR"), 10),
    (("VNM", "KOR"), 8),
    (("LKA", "KOR"), 6),
    (("IDN", "KOR"), 5),
    (("MDA", "ITA"), 5),
    (("TUN", "ITA"), 5),
    (("VUT", "NZL"), 4),
    (("TON", "NZL"), 4),
    (("WSM", "NZL"), 3),
    (("NPL", "QAT"), 6),
    (("LKA", "ARE"), 4),
    (("PHL", "USA"), 3),
    (("GTM", "USA"), 2),
)

TITLES = {
    "pre_consular": (
        "Pre-consular support to visa applicants",
        "Visa application support services",
        "Document verification services",
    ),
    "migrant_training": (
        "Cultural orientation for resettling refugees",
        "Pre-departure orientation",
        "Migrant training programme",
    ),
    "migration_health": (
        "Migration health assessments",
        "Health assessments for immigrants",
        "TB screening and treatment for migrants",
    ),
    "resettlement": (
        "Refugee resettlement processing and movements",
        "Resettlement operations",
        "Movement assistance for refugees",
    ),
    "migration_law": (
        "International migration law training",
        "Migration law advisory services",
        "Review of migration legislation",
    ),
    "capacity_building": (
        "Border management capacity building",
        "Technical cooperation on migration management",
        "Training of immigration officials",
    ),
    "migration_development": (
        "Diaspora engagement for development",
        "Remittances and development",
        "Temporary return of qualified nationals",
    ),
    "irregular_migration": (
        "Addressing irregular migration flows",
        "Information campaign on irregular migration",
        "Assistance to stranded migrants",
    ),
    "research_data": ("Migration profile", "Migration data and research", "Labour market and migration study"),
    "dialogue": (
        "Regional consultative process support",
        "Inter-state dialogue on migration",
        "Regional migration dialogue",
    ),
    "integration": (
        "Integration of newly arrived migrants",
        "Migrant integration services",
        "Community integration programme",
    ),
    "emergency": (
        "Emergency shelter and non-food items",
        "Emergency response to displacement",
        "Shelter, water and sanitation for displaced persons",
    ),
    "post_crisis": (
        "Post-crisis community stabilization",
        "Return, reintegration and community recovery",
        "Disaster risk reduction and preparedness",
    ),
    "avrr": (
        "Assisted voluntary return and reintegration",
        "Voluntary return programme",
        "Return and reintegration assistance",
    ),
    "ct_prevention": (
        "Counter-trafficking awareness campaign",
        "Prevention of trafficking in persons",
        "Information campaign against human trafficking",
    ),
    "ct_capacity": (
        "Counter-trafficking capacity building for law enforcement",
        "Strengthening national counter-trafficking responses",
        "Training on victim identification",
    ),
    "ct_assistance": (
        "Direct assistance to victims of trafficking",
        "Shelter and reintegration for trafficked persons",
        "Protection of trafficking victims",
    ),
    "labour_migration": (
        "Temporary foreign worker programme",
        "Labour migration management",
        "Seasonal worker recruitment",
    ),
    "other": ("Programme support", "Migration management support", "Special projects"),
}
PROJECT_COUNTRIES = {  # activity -> where projects run (GLB is added for some)
    "pre_consular": PC_COS,
    "migrant_training": MT_COS,
    "migration_health": tuple((c, 1) for c in HA_COS),
    "resettlement": RM_COS,
    "avrr": AV_HOSTS,
    "ct_assistance": TA_COS,
    "ct_prevention": TA_COS,
    "ct_capacity": TA_COS,
    "labour_migration": LDC_COS + tuple((r[0], w) for r, w in LDO_ROUTES),
    "dialogue": DP_COS,
}

# Syllables for synthetic names (a few non-ASCII, all representable in Latin-1).
SYLLABLES = (
    "ka",
    "lo",
    "mi",
    "ra",
    "te",
    "su",
    "vo",
    "de",
    "ni",
    "pa",
    "zu",
    "bel",
    "mor",
    "tas",
    "qui",
    "ro",
    "fa",
    "gen",
    "lu",
    "wen",
    "sa",
    "do",
    "ri",
    "ma",
    "ne",
    "ko",
    "ta",
    "bi",
    "ha",
    "jo",
    "li",
    "nu",
    "ve",
    "xo",
    "yu",
    "za",
    "lé",
    "mü",
    "ña",
    "çu",
)
EPOCH = date(1970, 1, 1).toordinal()
BID_MULT, DOC_MOD = 387_420_489, 10_000_000


def d2i(d: date) -> int:
    return d.toordinal() - EPOCH


def i2d(i: int) -> date:
    return date.fromordinal(i + EPOCH)


def iso(i: int | None) -> str | None:
    return None if i is None else i2d(i).isoformat()


def money(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    c = abs(cents)
    return f"{sign}{c // 100}.{c % 100:02d}"


# --------------------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------------------


@dataclass
class GenerationReport:
    """What was written and planted. Row numbers count the header as row 1 (first data row = 2)."""

    out_dir: Path
    scale: float
    seed: int
    files: dict[str, list[str]] = field(default_factory=dict)  # kind -> file names written
    row_counts: dict[str, int] = field(default_factory=dict)  # kind -> data rows written (all files)
    bad_rows: list[tuple[str, str, int, str]] = field(default_factory=list)  # (kind, file, row, check)
    bad_files: list[tuple[str, str]] = field(default_factory=list)  # (kind, file)
    held_rows: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, file, row)
    anomalies: list[str] = field(default_factory=list)  # planted plausibility anomalies, in words
    seconds: float = 0.0

    def summary(self) -> str:
        lines = [f"demo data: scale {self.scale}, seed {self.seed}, out {self.out_dir} ({self.seconds:.1f} s)"]
        for kind in KINDS:
            lines.append(f"  {kind}: {len(self.files.get(kind, []))} files, {self.row_counts.get(kind, 0):,} rows")
        by_check: dict[str, int] = {}
        for _, _, _, check in self.bad_rows:
            by_check[check] = by_check.get(check, 0) + 1
        lines.append(f"  bad rows: {len(self.bad_rows)} ({', '.join(f'{k} {v}' for k, v in sorted(by_check.items()))})")
        lines.append(f"  bad files: {', '.join(f'{k}/{f}' for k, f in self.bad_files)}")
        lines.append(f"  held rows: {len(self.held_rows)}")
        lines += [f"  anomaly: {a}" for a in self.anomalies]
        return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------------


class Weighted:
    """Weighted draw of items with a cumulative table (bisect): fast and deterministic."""

    def __init__(self, pairs):
        self.items = [p[0] for p in pairs]
        cum, acc = [], 0.0
        for _, w in pairs:
            acc += w
            cum.append(acc)
        self.cum, self.total = cum, acc

    def draw(self, rng: random.Random):
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.total)]


def split(total: int, weights) -> list[int]:
    """Split an integer total in proportion to weights (largest remainder, ties to the first)."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    out = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - out[i]), i))
    for i in order[: total - sum(out)]:
        out[i] += 1
    return out


def day_range(y: int, season: bool = False) -> tuple[int, int]:
    """First day and number of days of year y within the data (2010 ends at the cut-off)."""
    first = date(y, 2, 1) if season else date(y, 1, 1)
    last = min(date(y, 10, 31) if season else date(y, 12, 31), CUTOFF)
    return d2i(first), (last - first).days + 1


def rand_day(rng: random.Random, y: int) -> int:
    a, n = day_range(y)
    return a + int(rng.random() * n)


def add_months(d: int, months: float) -> int:
    return d + int(months * 30.44)


def py_bid(p: int, seed: int) -> str:
    return f"BN{(p * BID_MULT + seed) % 1_000_000_000:09d}"


def py_name(p: int, seed: int) -> str | None:
    if (p * 40503 + seed) % 100 < 3:
        return None
    n = len(SYLLABLES)
    x = (p * 2654435761 + seed) % 4294967296
    s = [(x // n**k) % n for k in range(5)]
    last = SYLLABLES[s[2]].capitalize() + SYLLABLES[s[3]] + (SYLLABLES[s[4]] if (x // n**5) % 3 == 0 else "")
    return f"{SYLLABLES[s[0]].capitalize()}{SYLLABLES[s[1]]} {last}"


def py_doc(p: int, seed: int) -> str | None:
    if (p * 69621 + seed) % 100 < 15:
        return None
    return f"ZZ{(p * 48271 + seed) % DOC_MOD:07d}"


def _personal_exprs(seed: int) -> list[pl.Expr]:
    """beneficiary_id, full_name, document_no from the person number `p` (same formulas as py_*)."""
    p = pl.col("p").cast(pl.Int64)
    n = len(SYLLABLES)
    x = (p * 2654435761 + seed) % 4294967296
    cap = {i: s.capitalize() for i, s in enumerate(SYLLABLES)}
    low = dict(enumerate(SYLLABLES))

    def syl(k: int, table: dict) -> pl.Expr:
        return ((x // n**k) % n).replace_strict(table, return_dtype=pl.String)

    last3 = pl.when((x // n**5) % 3 == 0).then(syl(4, low)).otherwise(pl.lit(""))
    name = pl.concat_str([syl(0, cap), syl(1, low), pl.lit(" "), syl(2, cap), syl(3, low), last3])
    return [
        pl.concat_str([pl.lit("BN"), ((p * BID_MULT + seed) % 1_000_000_000).cast(pl.String).str.zfill(9)]).alias(
            "beneficiary_id"
        ),
        pl.when((p * 40503 + seed) % 100 < 3).then(None).otherwise(name).alias("full_name"),
        pl.when((p * 69621 + seed) % 100 < 15)
        .then(None)
        .otherwise(pl.concat_str([pl.lit("ZZ"), ((p * 48271 + seed) % DOC_MOD).cast(pl.String).str.zfill(7)]))
        .alias("document_no"),
    ]


# --------------------------------------------------------------------------------------------------
# Projects
# --------------------------------------------------------------------------------------------------


@dataclass
class Project:
    idx: int
    code: str
    title: str
    country: str
    activity: str
    points: tuple[int, ...]
    primary: int
    start: int
    end: int | None
    budget: int  # whole USD
    group: str

    def active_in(self, y: int) -> bool:
        return self.start <= d2i(date(y, 12, 31)) and (self.end is None or self.end >= d2i(date(y, 1, 1)))

    def row(self, extracted_at: str, **override) -> list[str | None]:
        v = dict(
            project_code=self.code,
            title=self.title,
            country_iso3=self.country,
            activity_type=self.activity,
            strategy_points=";".join(str(x) for x in sorted(self.points)),
            primary_point=str(self.primary),
            start_date=iso(self.start),
            end_date=iso(self.end),
            budget_usd=f"{self.budget}.00",
            extracted_at=extracted_at,
        )
        v.update(override)
        return [v[c] for c in PROJECT_COLUMNS]


class CodeMaker:
    """Project codes `AA.9999`: a two-letter prefix per activity type and a shuffled serial number."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.pools: dict[str, list[int]] = {}
        self.prefix_n: dict[str, int] = {}

    def new(self, activity: str) -> str:
        base = ACTIVITY_PREFIX[activity]
        k = self.prefix_n.setdefault(base, 0)
        while True:
            prefix = base if k == 0 else base[0] + chr(ord("A") + (ord(base[1]) - ord("A") + 7 * k) % 26)
            pool = self.pools.get(prefix)
            if pool is None:
                pool = list(range(1, 10000))
                self.rng.shuffle(pool)
                self.pools[prefix] = pool
            if pool:
                return f"{prefix}.{pool.pop():04d}"
            k += 1
            self.prefix_n[base] = k


class ProjectPlanner:
    def __init__(self, rng: random.Random, scale: float):
        self.rng, self.scale = rng, scale
        self.codes = CodeMaker(rng)
        self.projects: list[Project] = []

    def sc(self, n: float) -> int:
        return int(n * self.scale + 0.5)

    def country(self, activity: str) -> str:
        if self.rng.random() < 0.08:
            return "GLB"
        pairs = PROJECT_COUNTRIES.get(activity)
        if pairs:
            return Weighted(pairs).draw(self.rng)
        return ISO3[int(self.rng.random() * 170)]

    def title(self, activity: str, country: str) -> str:
        t = self.rng.choice(TITLES[activity])
        where = "global" if country == "GLB" else country
        phase = self.rng.random()
        suffix = " - phase II" if phase < 0.12 else (" - phase III" if phase < 0.16 else "")
        return f"{t} ({where}){suffix}"

    def add(self, group: str, activity: str, start: int, end: int | None, points=None, primary=None) -> Project:
        rng = self.rng
        if primary is None:
            primary = ACTIVITY_POINT[activity] or rng.choice((2, 3, 4, 6, 7))
        if points is None:
            points = (primary,)
            if rng.random() < 0.25:  # fillers: a second point, never 5, 8 or 9 (those are planned exactly)
                other = rng.choice(tuple(x for x in (1, 2, 3, 4, 6, 7, 11, 12) if x != primary))
                points = (primary, other)
        country = self.country(activity)
        budget = int(rng.lognormvariate(13.4, 1.0))
        if activity in ("emergency", "resettlement", "migration_health"):
            budget *= 2
        budget = max(20_000, min(budget, 60_000_000)) // 100 * 100
        p = Project(
            idx=len(self.projects),
            code=self.codes.new(activity),
            title=self.title(activity, country),
            country=country,
            activity=activity,
            points=tuple(points),
            primary=primary,
            start=start,
            end=end,
            budget=budget,
            group=group,
        )
        self.projects.append(p)
        return p

    def lifetime(self, start: int, kind: str = "filler") -> int | None:
        r = self.rng.random()
        if kind == "emergency":
            return add_months(start, 3 + 15 * self.rng.random())
        if kind == "filler" and r < 0.12 or kind == "long" and r < 0.05:
            return None
        months = Weighted(((12, 12), (24, 25), (36, 27), (48, 18), (72, 18))).draw(self.rng)
        return add_months(start, months * (0.75 + 0.5 * self.rng.random()))

    def plan(self) -> list[Project]:
        rng = self.rng
        starts = {y: self.sc(n) for y, n in START_COUNTS.items()}
        # window groups with exact counts per year
        spec = {
            "e9": ("emergency", lambda: (9,) if rng.random() < 0.75 else tuple(sorted((9, rng.choice((1, 3, 10)))))),
            "pc9": ("post_crisis", lambda: (9,) if rng.random() < 0.7 else tuple(sorted((9, rng.choice((3, 4, 12)))))),
            "ctp": ("ct_prevention", lambda: (11,) if rng.random() < 0.75 else tuple(sorted((11, rng.choice((2, 7)))))),
            "ctc": ("ct_capacity", lambda: (11,) if rng.random() < 0.75 else (3, 11)),
        }
        for group, (activity, pts) in spec.items():
            total, weights = WINDOW_GROUPS[group]
            for y, n in zip(WINDOW, split(self.sc(total), weights)):
                for _ in range(n):
                    s = rand_day(rng, y)
                    end = self.lifetime(s, "emergency" if group == "e9" else "long")
                    self.add(group, activity, s, end, pts(), 9 if group in ("e9", "pc9") else 11)
        total, weights = WINDOW_GROUPS["p05"]
        n05 = self.sc(total)
        n_irr = int(n05 * 30 / 37 + 0.5)
        others = ("migration_law", "research_data", "capacity_building", "dialogue")
        k = 0
        for y, n in zip(WINDOW, split(n05, weights)):
            for _ in range(n):
                s = rand_day(rng, y)
                if k < n_irr:
                    pts = rng.choice(((5,), (5,), (5,), (5, 11), (2, 5)))
                    self.add("p05", "irregular_migration", s, self.lifetime(s, "long"), pts, 5)
                else:
                    act = others[k % len(others)]
                    self.add(
                        "p05",
                        act,
                        s,
                        self.lifetime(s, "long"),
                        tuple(sorted((ACTIVITY_POINT[act], 5))),
                        ACTIVITY_POINT[act],
                    )
                k += 1
        # point 8 (P08.projects_active 2009) and avrr programmes (P10.avrr_programmes_active 2009)
        for group, n_active, n_other in (
            ("tag8", self.sc(TAG8_ACTIVE_2009), self.sc(TAG8_OTHER)),
            ("avrr", self.sc(AVRR_ACTIVE_2009), self.sc(AVRR_OTHER)),
        ):
            for i in range(n_active + n_other):
                if group == "tag8":
                    r = rng.random()
                    if r < 0.6:
                        act, pts = "integration", (8,)
                    elif r < 0.75:
                        act, pts = "integration", (4, 8)
                    elif r < 0.9:
                        act, pts = "migration_development", (4, 8)
                    else:
                        act, pts = "labour_migration", (8, 12)
                else:
                    r = rng.random()
                    act, pts = "avrr", ((10,) if r < 0.7 else ((10, 11) if r < 0.85 else (4, 10)))
                primary = ACTIVITY_POINT[act]
                if i < n_active:  # covers 2009
                    y = Weighted(
                        ((2003, 5), (2004, 7), (2005, 10), (2006, 13), (2007, 17), (2008, 22), (2009, 26))
                    ).draw(rng)
                    s = rand_day(rng, y)
                    e = (
                        None
                        if rng.random() < 0.15
                        else rng.randint(max(s + 180, d2i(date(2009, 1, 1))), d2i(date(2012, 12, 31)))
                    )
                elif rng.random() < 0.25:  # starts in 2010
                    s = rand_day(rng, 2010)
                    e = None if rng.random() < 0.3 else add_months(s, 12 + 24 * rng.random())
                else:  # ended before 2009
                    s = rng.randint(d2i(date(1999, 1, 1)), d2i(date(2008, 6, 30)))
                    e = min(add_months(s, 6 + 42 * rng.random()), d2i(date(2008, 12, 31)))
                self.add(group, act, s, e, pts, primary)
        # fillers complete the yearly starts
        used = {y: 0 for y in starts}
        for p in self.projects:
            used[i2d(p.start).year] = used.get(i2d(p.start).year, 0) + 1
        window_types = Weighted(
            (
                ("pre_consular", 6),
                ("migrant_training", 6),
                ("migration_health", 8),
                ("resettlement", 8),
                ("migration_law", 5),
                ("capacity_building", 12),
                ("migration_development", 8),
                ("research_data", 5),
                ("dialogue", 4),
                ("ct_assistance", 5),
                ("labour_migration", 7),
                ("other", 4),
            )
        )
        all_types = Weighted(
            tuple(zip(window_types.items, (6, 6, 8, 8, 5, 12, 8, 5, 4, 5, 7, 4)))
            + (
                ("irregular_migration", 5),
                ("emergency", 10),
                ("post_crisis", 10),
                ("ct_prevention", 4),
                ("ct_capacity", 5),
            )
        )
        for y in sorted(starts):
            for _ in range(max(0, starts[y] - used.get(y, 0))):
                act = (window_types if y in WINDOW else all_types).draw(rng)
                s = rand_day(rng, y)
                self.add("filler", act, s, self.lifetime(s, "emergency" if act == "emergency" else "filler"))
        self._fix_active()
        # P05 budgets sum exactly to the published value (whole hundreds of dollars)
        p05 = [p for p in self.projects if p.group == "p05"]
        if p05:
            target = self.sc(P05_BUDGET / 100) * 100
            raw = [p.budget for p in p05]
            parts = split(target // 100, raw)
            for p, b in zip(p05, parts):
                p.budget = b * 100
        return self.projects

    def _fix_active(self) -> None:
        """Adjust filler end dates until ORG.projects_active 2007 and 2009 hit their planned values."""
        rng = self.rng
        y06, y07, y08, y09, y10 = (d2i(date(y, 1, 1)) for y in (2006, 2007, 2008, 2009, 2010))
        fillers = [p for p in self.projects if p.group == "filler"]
        order = list(range(len(fillers)))
        rng.shuffle(order)
        fillers = [fillers[i] for i in order]

        def count(y):
            return sum(1 for p in self.projects if p.active_in(y))

        def ends_in(p, a, b):  # end year within [a, b)
            return p.end is not None and a <= p.end < b

        target07, target09 = self.sc(ACTIVE_2007), self.sc(ACTIVE_2009)
        diff = target07 - count(2007)
        for p in fillers:
            if diff > 0 and p.start < y07 and p.end is not None and p.end < y07 and p.end >= y06 - 365:
                p.end = rng.randint(y07, y09 - 1)  # now active in 2007 (and maybe 2008), not in 2009
                diff -= 1
            elif diff < 0 and p.start < y07 and ends_in(p, y07, y09):
                p.end = rng.randint(max(p.start, y06), y07 - 1)
                diff += 1
            if diff == 0:
                break
        diff = target09 - count(2009)
        for p in fillers:
            if diff > 0 and p.start < y09 and ends_in(p, y08, y09):
                p.end = rng.randint(y09, y10 + 364)
                diff -= 1
            elif diff < 0 and p.start < y09 and ends_in(p, y09, y10 + 3650) and p.start < y08 + 300:
                p.end = rng.randint(max(p.start, y08), y09 - 1)
                diff += 1
            if diff == 0:
                break


# --------------------------------------------------------------------------------------------------
# Beneficiaries: persons and records
# --------------------------------------------------------------------------------------------------


class Persons:
    """Person attributes by person number: sex, date of birth (day number, or NO_DOB) and case category."""

    NO_DOB = -(10**7)

    def __init__(self):
        self.sex = bytearray()
        self.dob = array("i")
        self.cat = bytearray()

    def __len__(self) -> int:
        return len(self.sex)

    def add(self, sex: int, dob: int, cat: int) -> int:
        self.sex.append(sex)
        self.dob.append(dob)
        self.cat.append(cat)
        return len(self.sex) - 1


# profiles: (sex weights F/M/U, age groups (child, adult, senior) weights, categories, missing dob share)
PROFILES = {
    "refugee": ((49, 50, 1), (32, 60, 8), ((RES, 90), (FAM, 8), (HUM, 2)), 0.03),
    "immigrant": ((52, 47, 1), (20, 72, 8), ((FAM, 40), (LAB, 30), (OTH, 25), (HUM, 5)), 0.03),
    "applicant": ((52, 47, 1), (18, 76, 6), ((FAM, 35), (LAB, 35), (OTH, 30)), 0.02),
    "trainee": ((46, 52, 2), (25, 68, 7), ((RES, 75), (FAM, 8), (LAB, 12), (OTH, 5)), 0.02),
    "returnee": ((30, 68, 2), (12, 85, 3), ((OTH, 70), (HUM, 30)), 0.04),
    "victim": ((76, 21, 3), (22, 78, 0), ((HUM, 85), (OTH, 15)), 0.05),
    "official": ((40, 60, 0), (0, 100, 0), ((NO_CAT, 1),), 0.10),
    "worker": ((20, 80, 0), (0, 100, 0), ((LAB, 1),), 0.0),
}


class BeneficiaryPlanner:
    """Plans the winning version of every service record, year by year, with exact quotas."""

    def __init__(self, rng: random.Random, scale: float, projects: list[Project]):
        self.rng, self.scale = rng, scale
        self.persons = Persons()
        self.prev: dict[str, list[int]] = {}
        self.union_flags: dict[str, bytearray] = {k: bytearray() for k in UNION_TARGET}
        self.union_flags["MT"] = bytearray()
        self.union_n: dict[str, int] = {k: 0 for k in self.union_flags}
        self.mt_union_f = 0
        self.mt_union_res = 0
        self.profiles = {
            k: (Weighted(tuple(zip((F, M, U), v[0]))), Weighted(tuple(zip((0, 1, 2), v[1]))), Weighted(v[2]), v[3])
            for k, v in PROFILES.items()
        }
        self.k_dist = {t: Weighted(v) for t, v in RECORDS_PER_PERSON.items()}
        # project candidates per (service type, year): projects of the delivering activity active that year
        self.proj_cands: dict[tuple[int, int], list[int]] = {}
        for t in range(9):
            for y in YEARS:
                c = [p.idx for p in projects if p.activity == SERVICE_ACTIVITY[t] and p.active_in(y)]
                self.proj_cands[(t, y)] = c
        self.dist = {
            "PC_COS": Weighted(PC_COS),
            "PC_DEST": Weighted(PC_DEST),
            "MT_COS": Weighted(MT_COS),
            "RS_DEST": Weighted(RESETTLEMENT_DEST),
            "RM_COS": Weighted(RM_COS),
            "HA_DEST": Weighted(HA_DEST),
            "AV_HOSTS": Weighted(AV_HOSTS),
            "TA_COS": Weighted(TA_COS),
            "DP_COS": Weighted(DP_COS),
            "LDC_COS": Weighted(LDC_COS),
            "LDO": Weighted(LDO_ROUTES),
            "OT_COS": Weighted(tuple((c, 1) for c in ISO3[:170])),
        }
        ha = list(HA_COS)
        self.ha_lists = {
            2005: ha[:40],
            2006: ha[:40],
            2007: ha[:48],
            2008: ha[:48],
            2009: ha[:HA_COUNTRIES_2009],
            2010: ha,
        }
        origins = list(AV_MAIN_ORIGINS) + [c for c in ISO3 if c not in AV_MAIN_ORIGINS and c not in AV_NOT_ORIGIN]
        self.av_window_dest = origins[:AV_DESTINATIONS_WINDOW]
        self.av_all_dest = origins
        w = lambda i: 40.0 / (1 + i) + 0.3  # noqa: E731 - steeply decreasing weights
        self.av_dest_window_w = Weighted(tuple((c, w(i)) for i, c in enumerate(self.av_window_dest)))
        self.av_dest_all_w = Weighted(tuple((c, w(i)) for i, c in enumerate(self.av_all_dest)))
        self._anchors: dict[int, tuple[int, int]] = {}
        self._reset_records()

    def sc(self, n: float) -> int:
        return int(n * self.scale + 0.5)

    # --- persons -------------------------------------------------------------------------------------
    def new_person(self, profile: str, y: int, sex: int | None = None, cat: int | None = None) -> int:
        rng = self.rng
        sex_w, age_w, cat_w, no_dob = self.profiles[profile]
        if sex is None:
            sex = sex_w.draw(rng)
        if cat is None:
            cat = cat_w.draw(rng)
        if rng.random() < no_dob:
            dob = Persons.NO_DOB
        else:
            group = age_w.draw(rng)
            if profile == "official":
                age = 25 + 35 * rng.random()
            elif profile == "worker":
                age = 20 + 28 * rng.random()
            else:
                age = (1 + 16.5 * rng.random(), 18 + 41.5 * rng.random(), 60 + 25 * rng.random())[group]
            # born at the latest mid-way through the year before the person's first service
            mid, latest = self._dob_anchor(y)
            dob = min(mid - int(age * 365.25), latest)
        return self.persons.add(sex, dob, cat)

    def _dob_anchor(self, y: int) -> tuple[int, int]:
        a = self._anchors.get(y)
        if a is None:
            a = self._anchors[y] = (d2i(date(y, 7, 1)), d2i(date(y - 1, 6, 30)))
        return a

    def _union_add(self, key: str, plist: list[int]) -> None:
        flags = self.union_flags[key]
        need = len(self.persons) - len(flags)
        if need > 0:
            flags.extend(bytes(need))
        n = 0
        for p in plist:
            if not flags[p]:
                flags[p] = 1
                n += 1
                if key == "MT":
                    self.mt_union_f += self.persons.sex[p] == F
                    self.mt_union_res += self.persons.cat[p] == RES
        self.union_n[key] += n

    def _in_union(self, key: str, p: int) -> bool:
        flags = self.union_flags[key]
        return p < len(flags) and flags[p] == 1

    def year_list(self, key: str, y: int, profile: str, reuse: list[int] = ()) -> list[int]:
        """Distinct persons served in year y: continuing persons, reused persons, new persons."""
        rng = self.rng
        prev = self.prev.get(key, [])
        is_union = key in UNION_TARGET and y in WINDOW
        if key in UNION_TARGET and y == WINDOW[-1]:
            n_target = None
        else:
            n_target = self.sc(PERSONS[key][y])
        n_cont = int(CONTINUE[key] * len(prev) + 0.5)
        if n_target is not None:
            n_cont = min(n_cont, n_target)
        cont = rng.sample(prev, n_cont) if n_cont else []
        seen = set(cont)
        picks = list(cont)
        for p in reuse:
            if n_target is not None and len(picks) >= n_target:
                break
            if p not in seen:
                seen.add(p)
                picks.append(p)
        if n_target is None:  # last window year of a union-controlled stream
            self._union_add(key, picks)
            n_new = max(0, self.sc(UNION_TARGET[key]) - self.union_n[key])
        else:
            n_new = n_target - len(picks)
        if key == "MT" and y in WINDOW:
            self._union_add("MT", picks)
            after = self.union_n["MT"] + n_new
            f_need = min(n_new, max(0, int(MT_WOMEN_SHARE * after + 0.5) - self.mt_union_f))
            r_need = min(n_new, max(0, int(MT_RESETTLEMENT_SHARE * after + 0.5) - self.mt_union_res))
            sexes = [F] * f_need + [U if i % 40 == 0 else M for i in range(n_new - f_need)]
            cats = [RES] * r_need + [(FAM, LAB, OTH, LAB, FAM)[i % 5] for i in range(n_new - r_need)]
            rng.shuffle(sexes)
            rng.shuffle(cats)
            new = [self.new_person(profile, y, sexes[i], cats[i]) for i in range(n_new)]
            self._union_add("MT", new)
        else:
            new = [self.new_person(profile, y) for _ in range(n_new)]
            if is_union:
                self._union_add(key, picks if n_target is not None else [])
                self._union_add(key, new)
        out = picks + new
        self.prev[key] = out
        return out

    # --- records -------------------------------------------------------------------------------------
    def _reset_records(self) -> None:
        self.r_p = array("i")
        self.r_t = array("b")
        self.r_d = array("i")
        self.r_cos = array("h")
        self.r_dest = array("h")
        self.r_cat = array("h")
        self.r_proj = array("i")
        self.r_sex = array("b")
        self.r_dob = array("i")

    def project_for(self, t: int, y: int) -> int:
        c = self.proj_cands[(t, y)]
        if not c or self.rng.random() < 0.08:
            return -1
        return c[int(self.rng.random() * len(c))]

    def emit(
        self,
        t: int,
        y: int,
        plist: list[int],
        cos_fn,
        dest_fn,
        k_fixed: int | None = None,
        cat_missing: float = 0.0,
        season: bool = False,
        max_records: int | None = None,
    ) -> int:
        """Append the records of persons `plist` for type t in year y. Returns the number of records."""
        rng = self.rng
        first, ndays = day_range(y, season)
        kd = self.k_dist[t]
        sexes, dobs, cats = self.persons.sex, self.persons.dob, self.persons.cat
        r_p, r_t, r_d, r_cos, r_dest, r_cat, r_proj, r_sex, r_dob = (
            self.r_p,
            self.r_t,
            self.r_d,
            self.r_cos,
            self.r_dest,
            self.r_cat,
            self.r_proj,
            self.r_sex,
            self.r_dob,
        )
        total = 0
        for i, p in enumerate(plist):
            k = k_fixed or kd.draw(rng)
            if max_records is not None:
                k = min(k, max_records - total)
                if k <= 0:
                    break
            cos = cos_fn(i)
            dest = dest_fn(i, cos)
            proj = self.project_for(t, y)
            c = cats[p]
            cat = -1 if c == NO_CAT or (cat_missing and rng.random() < cat_missing) else c
            sx, db = sexes[p], dobs[p]
            for _ in range(k):
                r_p.append(p)
                r_t.append(t)
                r_d.append(first + int(rng.random() * ndays))
                r_cos.append(cos)
                r_dest.append(dest)
                r_cat.append(cat)
                r_proj.append(proj)
                r_sex.append(sx)
                r_dob.append(db)
            total += k
        return total

    def plan_year(self, y: int) -> pl.DataFrame:
        """All planned (winning) service records of year y, sorted by service date, with a sequence."""
        rng, d = self.rng, self.dist
        self._reset_records()
        ci = CIDX

        def w_cos(name):
            dist = d[name]
            return lambda i: ci[dist.draw(rng)]

        def w_dest(name, missing=0.0):
            dist = d[name]

            def f(i, cos):
                if missing and rng.random() < missing:
                    return -1
                x = ci[dist.draw(rng)]
                return x if x != cos else ci["USA"] if cos != ci["USA"] else ci["CAN"]

            return f

        none = lambda i, cos: -1  # noqa: E731

        # migrant training (women / resettlement shares planned over the window)
        mt = self.year_list("MT", y, "trainee")
        self.emit(MT, y, mt, w_cos("MT_COS"), w_dest("RS_DEST", 0.1))
        # resettlement movements: many trainees of resettlement category travel the same year
        res_trainees = [p for p in mt if self.persons.cat[p] == RES]
        reuse = rng.sample(res_trainees, int(0.55 * len(res_trainees)))
        rm = self.year_list("RM", y, "refugee", reuse)
        self.emit(RM, y, rm, w_cos("RM_COS"), w_dest("RS_DEST"))
        # pre-consular applicants
        pc = self.year_list("PC", y, "applicant")
        self.emit(PC, y, pc, w_cos("PC_COS"), w_dest("PC_DEST", 0.25), cat_missing=0.05)
        # health assessments: record count planned exactly; countries of service planned for 2009
        target = self.sc(HA_RECORDS[y])
        prev = self.prev.get("HA", [])
        cand = (
            rng.sample(prev, int(CONTINUE["HA"] * len(prev)))
            + rng.sample(rm, int(0.35 * len(rm)))
            + rng.sample(pc, int(0.2 * len(pc)))
        )
        seen, ha = set(), []
        for p in cand:
            if p not in seen:
                seen.add(p)
                ha.append(p)
        rng.shuffle(ha)
        # expected 1.24 records per person: keep enough reused persons, then new ones as needed
        ha = ha[: max(1, int(target / 1.24 * 0.6))]
        countries = [ci[c] for c in self.ha_lists[y]]

        def ha_cos(i):
            return countries[i] if i < len(countries) else countries[int(len(countries) * rng.random() ** 1.7)]

        n = self.emit(HA, y, ha, ha_cos, w_dest("HA_DEST", 0.1), cat_missing=0.05, max_records=target)
        plist = list(ha)
        while n < target:
            extra = [self.new_person("immigrant", y) for _ in range(max(1, int((target - n) / 1.24)))]
            n += self.emit_offset(HA, y, extra, len(plist), ha_cos, w_dest("HA_DEST", 0.1), target - n)
            plist.extend(extra)
        self.prev["HA"] = plist
        # trafficking assistance, then returns (some assisted victims return home)
        ta = self.year_list("TA", y, "victim")
        self.emit(TA, y, ta, w_cos("TA_COS"), w_dest("TA_COS", 0.8), cat_missing=0.05)
        av = self.year_list("AV", y, "returnee", rng.sample(ta, int(0.25 * len(ta))))
        window = y in WINDOW
        av_dest = [ci[c] for c in self.av_window_dest]
        dest_w = self.av_dest_window_w if window else self.av_dest_all_w

        def av_destination(i, cos):
            x = av_dest[i] if (window and i < len(av_dest)) else ci[dest_w.draw(rng)]
            while x == cos:
                x = ci[dest_w.draw(rng)]
            return x

        def av_host(i):
            h = ci[d["AV_HOSTS"].draw(rng)]
            while window and i < len(av_dest) and h == av_dest[i]:
                h = ci[d["AV_HOSTS"].draw(rng)]
            return h

        self.emit(AV, y, av, av_host, av_destination, cat_missing=0.1)
        # officials trained, dialogue participants
        ot = self.year_list("OT", y, "official")
        self.emit(OT, y, ot, w_cos("OT_COS"), none)
        dp = self.year_list("DP", y, "official", rng.sample(ot, int(0.1 * len(ot))))
        self.emit(DP, y, dp, w_cos("DP_COS"), none)
        # labour deployments: to Canada (planned union over the window) and elsewhere
        ldc = self.year_list("LDC", y, "worker")
        can = ci["CAN"]
        self.emit(LD, y, ldc, w_cos("LDC_COS"), lambda i, cos: can, season=True)
        ldo = self.year_list("LDO", y, "worker")
        routes = [d["LDO"].draw(rng) for _ in ldo]
        self.emit(LD, y, ldo, lambda i: ci[routes[i][0]], lambda i, cos: ci[routes[i][1]], season=True)

        df = pl.DataFrame(
            {
                "p": pl.Series(self.r_p, dtype=pl.Int64),
                "t": pl.Series(self.r_t, dtype=pl.Int8),
                "d": pl.Series(self.r_d, dtype=pl.Int32),
                "cos": pl.Series(self.r_cos, dtype=pl.Int16),
                "dest": pl.Series(self.r_dest, dtype=pl.Int16),
                "cat": pl.Series(self.r_cat, dtype=pl.Int16),
                "proj": pl.Series(self.r_proj, dtype=pl.Int32),
                "sex": pl.Series(self.r_sex, dtype=pl.Int8),
                "dob": pl.Series(self.r_dob, dtype=pl.Int32),
            }
        )
        self._reset_records()
        df = df.sort("d", maintain_order=True).with_row_index("seq", offset=1)
        return df.with_columns(pl.lit(y, dtype=pl.Int32).alias("y"), pl.col("seq").cast(pl.Int64))

    def emit_offset(self, t, y, plist, offset, cos_fn, dest_fn, max_records):
        return self.emit(t, y, plist, lambda i: cos_fn(i + offset), dest_fn, cat_missing=0.05, max_records=max_records)


# --------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------


def _csv_line(values, terminator: str = "\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator=terminator).writerow(["" if v is None else v for v in values])
    return buf.getvalue()


def write_rows(
    path: Path, header: list[str], rows: list[list], *, bom: bool = False, crlf: bool = False, encoding: str = "utf-8"
) -> None:
    """Small files (projects, expenditures): csv module, RFC 4180 minimal quoting; None -> empty cell."""
    with open(path, "w", encoding=encoding, newline="") as f:
        if bom:
            f.write("\ufeff")
        w = csv.writer(f, lineterminator="\r\n" if crlf else "\n")
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])


def write_frame(path: Path, df: pl.DataFrame, inserts: list[tuple[int, list]]) -> None:
    """A big string frame via polars, with raw rows inserted at data positions (0-based, in final file)."""
    with open(path, "wb") as f:
        f.write((",".join(df.columns) + "\n").encode())
        pos = 0  # rows of df written
        written = 0  # data rows in file
        for at, raw in sorted(inserts, key=lambda x: x[0]):
            take = at - written
            if take > 0:
                buf = io.BytesIO()
                df.slice(pos, take).write_csv(buf, include_header=False)
                f.write(buf.getvalue())
                pos += take
                written += take
            f.write(_csv_line(raw).encode())
            written += 1
        if pos < df.height:
            buf = io.BytesIO()
            df.slice(pos).write_csv(buf, include_header=False)
            f.write(buf.getvalue())


class Generator:
    def __init__(self, out_dir: Path, scale: float, seed: int):
        self.out = Path(out_dir)
        self.scale, self.seed = scale, seed
        self.rng = random.Random(seed)
        self.report = GenerationReport(out_dir=self.out, scale=scale, seed=seed)
        for k in KINDS:
            self.report.files[k] = []
            self.report.row_counts[k] = 0

    def sc(self, n: float) -> int:
        return int(n * self.scale + 0.5)

    def _register(self, kind: str, name: str, n_rows: int) -> None:
        self.report.files[kind].append(name)
        self.report.row_counts[kind] += n_rows

    def _bad(self, kind: str, name: str, row_number: int, check: str) -> None:
        self.report.bad_rows.append((kind, name, row_number, check))

    def run(self) -> GenerationReport:
        for k in KINDS:
            d = self.out / k
            d.mkdir(parents=True, exist_ok=True)
            for old in sorted(d.glob(f"{k}_*.csv")):  # files of an earlier run of this generator
                old.unlink()
        self.projects = ProjectPlanner(self.rng, self.scale).plan()
        self.codes = CodeMaker(random.Random(self.seed + 1))  # fresh codes for bad / orphan rows
        self._used_codes = {p.code for p in self.projects}
        self.write_projects()
        self.write_expenditures()
        self.write_beneficiaries()
        for k in KINDS:
            self.report.files[k].sort()
        return self.report

    def fresh_code(self, activity: str) -> str:
        while True:
            c = self.codes.new(activity)
            if c not in self._used_codes:
                self._used_codes.add(c)
                return c

    # ---------------------------------------------------------------------------------------------
    # projects
    # ---------------------------------------------------------------------------------------------
    def write_projects(self) -> None:
        rng, P = self.rng, self.projects
        d = lambda y, m, dd: d2i(date(y, m, dd))  # noqa: E731
        f1 = ("projects_register_2007-01-15.csv", "2007-01-15T06:00:00Z")
        f2 = ("projects_register_2009-01-15.csv", "2009-01-15T06:00:00Z")
        f3 = ("projects_register_2010-06-01.csv", "2010-06-01T06:00:00Z")
        in1 = [p for p in P if p.start <= d(2006, 12, 31)]
        in2 = [p for p in P if p.start <= d(2008, 12, 31) and (p.end is None or p.end >= d(2007, 1, 1))]
        in3 = [p for p in P if p.end is None or p.end >= d(2009, 1, 1)]
        s2, s3 = {p.idx for p in in2}, {p.idx for p in in3}
        earlier: dict[tuple[str, int], dict] = {}  # (file, project idx) -> overridden values of that version
        extra1, extra2 = [], []
        fill = [p for p in P if p.group == "filler"]
        rng.shuffle(fill)
        # a correction that moves a project's start year: 2006 -> 2007, and 2008 -> 2009
        for y_final, f_early, early_start, extra in (
            (2007, f1, "2006-12-18", extra1),
            (2009, f2, "2008-12-20", extra2),
        ):
            cand = [p for p in fill if i2d(p.start).year == y_final and (p.end is None or p.end > d(y_final, 3, 1))]
            if cand:
                p = cand[0]
                p.start = d(y_final, 1, 8 if y_final == 2007 else 5)
                earlier[(f_early[0], p.idx)] = {"start_date": early_start}
                extra.append(p)
        # an activity-type correction inside the P09 window (earlier: emergency, final: post_crisis)
        for p in P:
            if p.group == "pc9" and p.idx in s2 and p.idx in s3:
                earlier[(f2[0], p.idx)] = {"activity_type": "emergency"}
                break
        # extended end dates: earlier snapshot had an earlier planned end
        for p in fill:
            if rng.random() < 0.04 and p.end is not None:
                for fname, s_later, cut in ((f1[0], s2, d(2006, 12, 31)), (f2[0], s3, d(2008, 12, 31))):
                    if p.idx in s_later and p.start <= cut and p.end > cut:
                        early_end = max(p.start, min(p.end - rng.randint(90, 400), cut))
                        earlier.setdefault((fname, p.idx), {})["end_date"] = iso(early_end)
                        break
        # other small corrections: title wording, a second strategy point added later, budget revisions
        for p in fill:
            if rng.random() < 0.02 and (p.idx in s2 or p.idx in s3):
                fname = f1[0] if p.idx in s2 and p.start <= d(2006, 12, 31) else f2[0]
                if fname == f2[0] and (p.idx not in s2 or p.idx not in s3):
                    continue
                r = rng.random()
                if r < 0.4:
                    earlier.setdefault((fname, p.idx), {})["title"] = p.title.lower()
                elif r < 0.7 and len(p.points) == 2:
                    earlier.setdefault((fname, p.idx), {})["strategy_points"] = str(p.primary)
                else:
                    earlier.setdefault((fname, p.idx), {})["budget_usd"] = f"{int(p.budget * 0.8) // 100 * 100}.00"

        def rows_for(fname, ts, members, final_set_next):
            rows = []
            for p in sorted(members, key=lambda q: q.code):
                ov = earlier.get((fname, p.idx), {})
                assert not ov or p.idx in final_set_next, "an earlier version needs a later delivery"
                rows.append(p.row(ts, **ov))
            return rows

        later_of_1 = s2 | s3
        rows1 = rows_for(f1[0], f1[1], in1 + extra1, later_of_1)
        rows2 = rows_for(f2[0], f2[1], in2 + [p for p in extra2 if p.idx not in s2], s3)
        rows3 = [p.row(f3[1]) for p in sorted(in3, key=lambda q: q.code)]
        # a tie inside one file: a P05 project delivered twice; the later row (planned budget) wins
        p05_in3 = [i for i, r in enumerate(rows3) if P[self._idx_of(r[0])].group == "p05"]
        if p05_in3:
            i = p05_in3[0]
            stale = list(rows3[i])
            stale[PROJECT_COLUMNS.index("budget_usd")] = f"{int(float(stale[8]) * 1.25) // 100 * 100}.00"
            rows3.insert(i, stale)
        # bad rows (extra rows with their own keys, each failing exactly one check)
        checks = [
            "field_count",
            "required",
            "project_code_format",
            "iso3166_alpha3",
            "accepted_values",
            "strategy_points_format",
            "primary_point_in_strategy_points",
            "date_format",
            "timestamp_format",
            "not_after_extracted_at",
            "end_not_before_start",
            "decimal_format",
            "non_negative",
            "integer_format",
        ]
        n_bad = max(len(checks) + 4, int(0.004 * (len(rows1) + len(rows2) + len(rows3)) + 0.5))
        plan = {f2[0]: [], f3[0]: []}
        for i in range(n_bad):
            fname, ts = f2 if i % 3 == 1 else f3
            plan[fname].append((checks[i % len(checks)], i // len(checks), ts))
        files = ((f1[0], rows1), (f2[0], rows2), (f3[0], rows3))
        out_rows = {}
        for fname, rows in files:
            bad = [(c, v, self._bad_project(c, v, ts)) for c, v, ts in plan.get(fname, [])]
            positions = sorted(rng.sample(range(len(rows) + len(bad)), len(bad)))
            merged, bi, ri = [], 0, 0
            for pos in range(len(rows) + len(bad)):
                if bi < len(bad) and positions[bi] == pos:
                    c, _, r = bad[bi]
                    self._bad("projects", fname, pos + 2, c)
                    merged.append(r)
                    bi += 1
                else:
                    merged.append(rows[ri])
                    ri += 1
            out_rows[fname] = merged
        write_rows(self.out / "projects" / f1[0], PROJECT_COLUMNS, out_rows[f1[0]])
        write_rows(self.out / "projects" / f2[0], PROJECT_COLUMNS, out_rows[f2[0]], bom=True)
        write_rows(self.out / "projects" / f3[0], PROJECT_COLUMNS, out_rows[f3[0]])
        for fname, _ in files:
            self._register("projects", fname, len(out_rows[fname]))
        # a supplement with an extra, unknown column (`notes`): unchanged re-deliveries of a few projects
        sup = rng.sample(in3, min(len(in3), max(3, self.sc(25))))
        notes = ("re-sent after register clean-up", None, "checked by regional office", None, "budget line confirmed")
        rows = [
            p.row("2010-06-02T09:15:00Z") + [notes[i % len(notes)]]
            for i, p in enumerate(sorted(sup, key=lambda q: q.code))
        ]
        write_rows(self.out / "projects" / "projects_supplement_2010-06-02.csv", PROJECT_COLUMNS + ["notes"], rows)
        self._register("projects", "projects_supplement_2010-06-02.csv", len(rows))
        # a bad file: a field office upload without the required start_date column
        name = "projects_field_office_upload_2010-06-01.csv"
        cols = [c for c in PROJECT_COLUMNS if c != "start_date"]
        sub = rng.sample(in3, min(len(in3), max(3, self.sc(30))))
        rows = [[v for c, v in zip(PROJECT_COLUMNS, p.row("2010-06-01T11:00:00Z")) if c != "start_date"] for p in sub]
        write_rows(self.out / "projects" / name, cols, rows)
        self._register("projects", name, len(rows))
        self.report.bad_files.append(("projects", name))

    def _idx_of(self, code: str) -> int:
        if not hasattr(self, "_code_idx"):
            self._code_idx = {p.code: p.idx for p in self.projects}
        return self._code_idx[code]

    def _bad_project(self, check: str, variant: int, ts: str) -> list:
        rng = self.rng
        act = rng.choice(("capacity_building", "migration_law", "research_data", "dialogue", "other"))
        pt = ACTIVITY_POINT[act] or 3
        ext_day = d2i(date.fromisoformat(ts[:10]))
        start = rng.randint(ext_day - 900, ext_day - 200)
        v = dict(
            project_code=self.fresh_code(act),
            title=f"{rng.choice(TITLES[act])} (pending)",
            country_iso3=rng.choice(ISO3[:170]),
            activity_type=act,
            strategy_points=str(pt),
            primary_point=str(pt),
            start_date=iso(start),
            end_date=iso(start + rng.randint(200, 900)),
            budget_usd=f"{rng.randint(200, 5000) * 100}.00",
            extracted_at=ts,
        )
        if check == "field_count":
            row = [v[c] for c in PROJECT_COLUMNS]
            if variant % 2 == 0:  # an unquoted comma split the title: one field too many
                return [row[0], "Return assistance", " phase II"] + row[2:]
            return row[:7] + row[8:]  # end_date column left out: one field too few
        if check == "required":
            v[("title", "budget_usd", "country_iso3")[variant % 3]] = None
        elif check == "project_code_format":
            code = v["project_code"]
            v["project_code"] = (code.replace(".", "-"), code.lower(), code + "7")[variant % 3]
        elif check == "iso3166_alpha3":
            v["country_iso3"] = ("GER", "SWI", "RSA")[variant % 3]
        elif check == "accepted_values":
            v["activity_type"] = ("emergency_response", "training", "AVRR")[variant % 3]
        elif check == "strategy_points_format":
            v["strategy_points"], v["primary_point"] = (("3;13", "3"), ("9;9", "9"), ("3,9", "3"))[variant % 3]
        elif check == "primary_point_in_strategy_points":
            v["strategy_points"], v["primary_point"] = (("3;9", "5"), ("2", "12"), ("4;6", "13"))[variant % 3]
        elif check == "date_format":
            if variant % 2 == 0:
                v["end_date"] = f"{i2d(start).year + 1}-06-31"
            else:
                v["start_date"] = i2d(start).strftime("%d/%m/%Y")
        elif check == "timestamp_format":
            v["extracted_at"] = date.fromisoformat(ts[:10]).strftime("%d/%m/%Y") + " 06:00:00"
        elif check == "not_after_extracted_at":
            v["start_date"], v["end_date"] = iso(ext_day + rng.randint(10, 60)), None
        elif check == "end_not_before_start":
            v["end_date"] = iso(start - rng.randint(30, 300))
        elif check == "decimal_format":
            v["budget_usd"] = ("1,250,000", "USD 250000", "250 000")[variant % 3]
        elif check == "non_negative":
            v["budget_usd"] = f"-{rng.randint(10, 500) * 100}.00"
        elif check == "integer_format":
            v["primary_point"] = (f"{pt}.0", "three", f"{pt}a")[variant % 3]
        return [v[c] for c in PROJECT_COLUMNS]

    # ---------------------------------------------------------------------------------------------
    # expenditures
    # ---------------------------------------------------------------------------------------------
    def write_expenditures(self) -> None:
        rng, P = self.rng, self.projects
        final: dict[int, list[tuple[int, int]]] = {}  # year -> [(project idx, cents)]
        for y in YEARS:
            y0, y1 = d2i(date(y, 1, 1)), d2i(min(date(y, 12, 31), CUTOFF))
            raw = []
            for p in P:
                if not p.active_in(y) or p.start > y1:
                    continue
                end = p.end if p.end is not None else max(p.start + 5 * 365, d2i(CUTOFF) + 365)
                dur = max(30, end - p.start + 1)
                overlap = min(end, y1) - max(p.start, y0) + 1
                v = p.budget * max(overlap, 15) / dur * (0.75 + 0.35 * rng.random())
                if rng.random() < 0.005:
                    v = -p.budget * (0.001 + 0.02 * rng.random())  # refunds / adjustments
                raw.append((p.idx, v))
            target = int(round(EXPENDITURE_USD[y] * self.scale * 100))
            tot = sum(v for _, v in raw) or 1.0
            cents = [(i, int(round(v * target / tot))) for i, v in raw]
            if cents:
                resid = target - sum(c for _, c in cents)
                j = max(range(len(cents)), key=lambda k: (cents[k][1], -k))
                cents[j] = (cents[j][0], cents[j][1] + resid)
            final[y] = sorted(cents, key=lambda x: P[x[0]].code)
        ts = {
            2005: "2006-02-15T07:00:00Z",
            2006: "2007-02-15T07:05:00Z",
            2007: "2008-02-15T07:00:00Z",
            2008: "2009-02-16T07:10:00Z",
            2009: "2010-02-15T07:00:00Z",
            2010: "2010-06-01T07:30:00Z",
        }
        names = {y: f"expenditures_FY{y}.csv" for y in range(2005, 2010)}
        names[2010] = "expenditures_2010_interim.csv"
        # corrections: audited 2007 figures revised in a later delivery (earlier values differ)
        revised = [r for r in final[2007] if rng.random() < 0.04]
        revised_set = {i for i, _ in revised}
        resend = [r for r in final[2009] if rng.random() < 0.03]
        checks = [
            "field_count",
            "required",
            "project_code_format",
            "integer_format",
            "year_range",
            "decimal_format",
            "timestamp_format",
        ]
        n_rows = sum(len(v) for v in final.values())
        n_bad = max(2 * len(checks), int(0.003 * n_rows + 0.5))
        bad_plan: dict[int, list[tuple[str, int]]] = {y: [] for y in YEARS}
        for i in range(n_bad):
            bad_plan[(2006, 2007, 2008, 2009, 2010)[i % 5]].append((checks[i % len(checks)], i // len(checks)))
        orphans = {2008: max(1, self.sc(2)), 2009: max(1, self.sc(3)), 2010: max(1, self.sc(1))}
        used_keys = {(P[i].code, y) for y in YEARS for i, _ in final[y]}
        for y in YEARS:
            name, t = names[y], ts[y]
            rows = []
            for i, c in final[y]:
                if y == 2007 and i in revised_set:
                    c = int(c * (0.85 + 0.3 * rng.random())) or c + 100_00
                rows.append([P[i].code, str(y), money(c), t])
            specials = []  # (row, kind) kind: 'bad:<check>' or 'held'
            for check, variant in bad_plan[y]:
                specials.append((self._bad_expenditure(check, variant, y, t, used_keys), "bad:" + check))
            for _ in range(orphans.get(y, 0)):
                code = self.fresh_code(rng.choice(("emergency", "post_crisis", "capacity_building")))
                specials.append(([code, str(y), money(rng.randint(5_000_00, 400_000_00)), t], "held"))
            positions = sorted(rng.sample(range(len(rows) + len(specials)), len(specials)))
            merged, si, ri = [], 0, 0
            for pos in range(len(rows) + len(specials)):
                if si < len(specials) and positions[si] == pos:
                    r, what = specials[si]
                    if what == "held":
                        self.report.held_rows.append(("expenditures", name, pos + 2))
                    else:
                        self._bad("expenditures", name, pos + 2, what[4:])
                    merged.append(r)
                    si += 1
                else:
                    merged.append(rows[ri])
                    ri += 1
            if y == 2008:  # column order is free: this delivery puts year first
                order = ["year", "project_code", "extracted_at", "expenditure_usd"]
                perm = [EXPENDITURE_COLUMNS.index(c) for c in order]
                merged = [[r[k] for k in perm] if len(r) == 4 else r for r in merged]
                write_rows(self.out / "expenditures" / name, order, merged)
            else:
                write_rows(self.out / "expenditures" / name, EXPENDITURE_COLUMNS, merged, crlf=(y == 2006))
            self._register("expenditures", name, len(merged))
        name = "expenditures_FY2007_revised.csv"
        rows = [[P[i].code, "2007", money(c), "2008-09-30T12:00:00Z"] for i, c in revised]
        write_rows(self.out / "expenditures" / name, EXPENDITURE_COLUMNS, rows)
        self._register("expenditures", name, len(rows))
        name = "expenditures_FY2009_resend.csv"
        rows = [[P[i].code, "2009", money(c), "2010-04-12T07:00:00Z"] for i, c in resend]
        write_rows(self.out / "expenditures" / name, EXPENDITURE_COLUMNS, rows)
        self._register("expenditures", name, len(rows))
        name = "expenditures_2010_adjustments.csv"  # header only: valid, contributes nothing
        write_rows(self.out / "expenditures" / name, EXPENDITURE_COLUMNS, [])
        self._register("expenditures", name, 0)
        # a bad file: a country-office export without the required extracted_at column
        name = "expenditures_FY2009_country_office.csv"
        sub = final[2009][: max(2, self.sc(20))]
        rows = [[P[i].code, "2009", money(int(c * 1.1))] for i, c in sub]
        write_rows(self.out / "expenditures" / name, ["project_code", "year", "expenditure_usd"], rows)
        self._register("expenditures", name, len(rows))
        self.report.bad_files.append(("expenditures", name))

    def _bad_expenditure(self, check: str, variant: int, y: int, ts: str, used_keys: set) -> list:
        rng, P = self.rng, self.projects
        while True:  # a real project and a year it has no expenditure row for: the row has its own key
            p = P[int(rng.random() * len(P))]
            yy = rng.choice((1998, 1999, 2000, 2001, 2002, 2003, 2004)) if i2d(p.start).year > 2004 else 2011
            if (p.code, yy) not in used_keys:
                used_keys.add((p.code, yy))
                break
        row = [p.code, str(yy), money(rng.randint(1_000_00, 900_000_00)), ts]
        if check == "field_count":
            return row + ["USD"] if variant % 2 == 0 else row[:3]
        if check == "required":
            row[(2, 1, 0)[variant % 3]] = None
        elif check == "project_code_format":
            row[0] = (p.code.lower(), p.code.replace(".", ""), p.code[:2] + "." + p.code[3:5])[variant % 3]
        elif check == "integer_format":
            row[1] = (f"FY{yy}", f"{yy}.0", f"{yy}/{yy + 1 - 2000:02d}")[variant % 3]
        elif check == "year_range":
            row[1] = ("2208", "1899", "207")[variant % 3]
        elif check == "decimal_format":
            row[2] = ("1.234.567,00", "n/a", "12 500.00")[variant % 3]
        elif check == "timestamp_format":
            row[3] = date.fromisoformat(ts[:10]).strftime("%d.%m.%Y") + " 07:00"
        return row

    # ---------------------------------------------------------------------------------------------
    # beneficiaries
    # ---------------------------------------------------------------------------------------------
    def _bene_strings(self, df: pl.DataFrame, extracted_at: str) -> pl.DataFrame:
        """Planned integer records -> contract columns as strings."""
        codes = {i: c for i, c in enumerate(ISO3)}
        proj = {p.idx: p.code for p in self.projects}
        date_str_of = lambda e: e.cast(pl.Date).dt.strftime("%Y-%m-%d")  # noqa: E731
        date_str = lambda c: date_str_of(pl.col(c))  # noqa: E731
        cats = dict(enumerate(CASE_CATEGORIES))
        return df.select(
            pl.concat_str(
                [pl.lit("SV"), pl.col("y").cast(pl.String), pl.lit("-"), pl.col("seq").cast(pl.String).str.zfill(7)]
            ).alias("service_id"),
            *_personal_exprs(self.seed),
            date_str_of(pl.when(pl.col("dob") != Persons.NO_DOB).then(pl.col("dob"))).alias("date_of_birth"),
            pl.col("sex").replace_strict(dict(enumerate(SEXES)), return_dtype=pl.String).alias("sex"),
            pl.col("t").replace_strict(dict(enumerate(SERVICE_TYPES)), return_dtype=pl.String).alias("service_type"),
            date_str("d").alias("service_date"),
            pl.col("cos").replace_strict(codes, return_dtype=pl.String).alias("country_of_service"),
            pl.col("dest").replace_strict(codes, default=None, return_dtype=pl.String).alias("destination_country"),
            pl.col("cat").replace_strict(cats, default=None, return_dtype=pl.String).alias("case_category"),
            pl.col("proj").replace_strict(proj, default=None, return_dtype=pl.String).alias("project_code"),
            pl.lit(extracted_at).alias("extracted_at"),
        )

    def write_beneficiaries(self) -> None:
        rng = self.rng
        planner = BeneficiaryPlanner(rng, self.scale, self.projects)
        self.planner = planner
        ts = {
            2005: "2006-01-18T07:10:00Z",
            2006: "2007-01-17T07:10:00Z",
            2007: "2008-01-16T07:10:00Z",
            2008: "2009-01-21T07:10:00Z",
            2009: "2010-01-20T06:00:00Z",
            2010: "2010-06-01T05:45:00Z",
        }
        corr_ts = "2010-03-15T10:20:00Z"
        resend_ts = "2009-03-02T08:00:00Z"
        checks = [
            "field_count",
            "required",
            "project_code_format",
            "iso3166_alpha3",
            "accepted_values",
            "date_format",
            "timestamp_format",
            "service_date_range",
            "required_for_service_type",
            "not_after_service_date",
        ]
        self._bene_check_i = 0
        pending: list[pl.DataFrame] = []  # earlier versions (moved records) for the next year's delivery
        corrections: list[pl.DataFrame] = []  # planned versions delivered in the corrections file
        for y in YEARS:
            stale_prev, pending = pending, []
            plan = planner.plan_year(y)  # integer columns, sorted by service date, with `seq`
            n = plan.height
            ext_day = d2i(date.fromisoformat(ts[y][:10]))
            moved: list[int] = []
            corr: list[int] = []
            if y in (2007, 2008):  # records first delivered dated early next year, corrected back into y
                late = plan.filter(pl.col("d") >= d2i(date(y, 12, 10)))["seq"].to_list()
                moved = sorted(rng.sample(late, min(len(late), max(1, self.sc(12)))))
            if y in (2008, 2009):  # same-year corrections of one value
                ms = set(moved)
                corr = sorted(s for s in rng.sample(range(1, n + 1), min(n, max(3, self.sc(700)))) if s not in ms)
            is_mb = pl.col("seq").is_in(moved)
            if moved or corr:  # the planned versions travel with the corrections
                sel = plan.filter(is_mb | pl.col("seq").is_in(corr))
                corrections.append(self._bene_strings(sel, corr_ts))
            if moved:  # their earlier version: dated early next year, in next year's delivery
                mv = self._bene_strings(plan.filter(is_mb), ts[y + 1])
                new_dates = [iso(d2i(date(y + 1, 1, 1)) + rng.randint(0, 9)) for _ in range(mv.height)]
                pending.append(mv.with_columns(pl.Series("service_date", new_dates, dtype=pl.String)))
            if y in (2008, 2009):  # unchanged re-deliveries: part of 2008 later on, some 2009 rows with the corrections
                excl = set(moved) | set(corr)
                k = max(1, n // 100) if y == 2008 else min(n, max(1, self.sc(400)))
                pick = [s for s in rng.sample(range(1, n + 1), min(n, k + len(excl))) if s not in excl][:k]
                rs = self._bene_strings(
                    plan.filter(pl.col("seq").is_in(sorted(pick))), resend_ts if y == 2008 else corr_ts
                )
                if y == 2008:
                    self._write_bene_file("beneficiaries_2008_resend.csv", rs, resend_ts, checks, bad_share=0)
                else:
                    corrections.append(rs)
            body = plan.filter(~is_mb)
            del plan
            body = self._plant_anomalies(y, body)
            stale = pl.concat(stale_prev).with_columns(pl.lit(ts[y]).alias("extracted_at")) if stale_prev else None
            self._write_year(y, body, ts[y], checks, set(corr), ext_day, stale)
            del body
        # corrections delivery; one record is in it twice: an earlier version first, then the planned one
        corr_df = pl.concat(corrections)
        j = corr_df.height // 2
        stale = corr_df.slice(j, 1)
        stale = stale.with_columns(pl.lit("U" if stale["sex"][0] != "U" else "F").alias("sex"))
        corr_df = pl.concat([corr_df.slice(0, j), stale, corr_df.slice(j)])
        self._write_bene_file("beneficiaries_2010-03_corrections.csv", corr_df, corr_ts, checks, bad_share=0.002)
        # header-only delivery: valid, contributes nothing
        name = "beneficiaries_2010_late_upload.csv"
        with open(self.out / "beneficiaries" / name, "w", encoding="utf-8", newline="") as f:
            f.write(",".join(BENEFICIARY_COLUMNS) + "\n")
        self._register("beneficiaries", name, 0)
        self._write_latin1()

    def _plant_anomalies(self, y: int, body: pl.DataFrame) -> pl.DataFrame:
        """The plausibility anomalies of year y (SILENT_OFFICE, REKEYED_OFFICE, SPIKE): valid rows that a
        row check cannot see. Uses no random draw: the plan around them is unchanged."""
        if y == SILENT_OFFICE[1]:
            body = body.filter(pl.col("cos") != CIDX[SILENT_OFFICE[0]])
            self.report.anomalies.append(f"office {SILENT_OFFICE[0]} silent in {y}")
        if y == SPIKE[1]:
            base = body.filter((pl.col("cos") == CIDX[SPIKE[0]]) & (pl.col("t") == HA))
            # the batch loaded again and again, each time as other case numbers (person numbers beyond any
            # the planner gives): the same days, no service that repeats another of the same person
            copies = [
                base.with_columns(
                    (pl.col("p") + k * 100_000_000).alias("p"), (8_000_000 + k * 100_000 + pl.col("seq")).alias("seq")
                )
                for k in range(1, SPIKE[2])
            ]
            body = pl.concat([body, *copies])
            self.report.anomalies.append(
                f"health assessments of {SPIKE[0]} in {y} loaded {SPIKE[2]} times ({base.height:,} rows -> "
                f"{base.height + sum(c.height for c in copies):,})"
            )
        if y == REKEYED_OFFICE[1]:
            again = self._bene_strings(body.filter(pl.col("cos") == CIDX[REKEYED_OFFICE[0]]), REKEYED_TS)
            again = again.with_columns(
                pl.concat_str(
                    [pl.lit(f"SV{y}-R"), pl.int_range(1, again.height + 1).cast(pl.String).str.zfill(6)]
                ).alias("service_id")
            )
            write_frame(self.out / "beneficiaries" / REKEYED_FILE, again, [])
            self._register("beneficiaries", REKEYED_FILE, again.height)
            self.report.anomalies.append(
                f"{again.height:,} services of {REKEYED_OFFICE[0]} in {y} re-sent under new ids ({REKEYED_FILE})"
            )
        return body

    def _stale_versions(self, body: pl.DataFrame, plan: pl.DataFrame, corr: set[int], ext_day: int) -> pl.DataFrame:
        """Replace the planned values of corrected records by an earlier, different (valid) version."""
        rng = self.rng
        pos = [i for i, s in enumerate(plan["seq"].to_list()) if s in corr]
        if not pos:
            return body
        rows = body[pos].to_dicts()
        plan_rows = plan[pos].select("d", "y", "dob").to_dicts()
        for r, pr in zip(rows, plan_rows):
            choice = rng.random()
            if choice < 0.25:  # service date typo within the year
                d = pr["d"] + rng.choice((-9, -5, -3, 3, 5, 9))
                y = pr["y"]
                in_year = d2i(date(y, 1, 1)) <= d <= min(ext_day, d2i(date(y, 12, 31)))
                if in_year and (pr["dob"] == Persons.NO_DOB or d >= pr["dob"]):
                    r["service_date"] = iso(d)
                    continue
            if choice < 0.5:  # sex recorded as unknown at first
                r["sex"] = "U" if r["sex"] != "U" else "F"
            elif choice < 0.7 and r["project_code"] is not None:  # project attached later
                r["project_code"] = None
            elif choice < 0.85:  # country of service corrected
                r["country_of_service"] = "USA" if r["country_of_service"] != "USA" else "CAN"
            else:  # case category added later (or corrected)
                r["case_category"] = None if r["case_category"] else "other"
        repl = pl.DataFrame(rows, schema=body.schema).with_columns(pl.Series("_i", pos, dtype=pl.UInt32))
        out = body.with_row_index("_i")
        return out.filter(~pl.col("_i").is_in(pos)).vstack(repl.select(out.columns)).sort("_i").drop("_i")

    def _write_year(
        self, y: int, body: pl.DataFrame, ts: str, checks, corr: set[int], ext_day: int, stale: pl.DataFrame | None
    ) -> None:
        """Year y's delivery, converted and written part by part (bounded memory at large scales)."""
        parts = max(1, -(-body.height // BENEFICIARY_PART_ROWS))
        size = -(-body.height // parts)
        tie = None
        if parts > 1:  # a tie across files: same extracted_at; an earlier version in part 1, the planned one in part 2
            tie = self._bene_strings(body.slice(size, 1), ts)
            tie = tie.with_columns(pl.lit("U" if tie["sex"][0] != "U" else "F").alias("sex"))
        for i in range(parts):
            chunk = body.slice(i * size, size)
            frame = self._bene_strings(chunk, ts)
            if corr:
                frame = self._stale_versions(frame, chunk, corr, ext_day)
            if (
                i == 0 and stale is not None
            ):  # earlier versions of records later moved back a year (dated early January)
                frame = pl.concat([frame, stale]).sort("service_date", maintain_order=True)
            if i == 0 and tie is not None:
                frame = pl.concat([frame.slice(0, frame.height // 3), tie, frame.slice(frame.height // 3)])
            name = f"beneficiaries_{y}.csv" if parts == 1 else f"beneficiaries_{y}_part{i + 1:02d}.csv"
            self._write_bene_file(name, frame, ts, checks, bad_share=0.002, reorder=(y == 2006))
            del frame, chunk

    def _write_bene_file(
        self, name: str, df: pl.DataFrame, ts: str, checks, bad_share: float, reorder: bool = False
    ) -> None:
        rng = self.rng
        n_bad = 0 if bad_share == 0 else max(len(checks), int(bad_share * df.height + 0.5))
        inserts = []
        total = df.height + n_bad
        positions = sorted(rng.sample(range(total), n_bad)) if n_bad else []
        for pos in positions:
            check = checks[self._bene_check_i % len(checks)]
            variant = self._bene_check_i // len(checks)
            self._bene_check_i += 1
            inserts.append((pos, self._bad_beneficiary(check, variant, ts)))
            self._bad("beneficiaries", name, pos + 2, check)
        if reorder:  # column order is free: this delivery lists the service columns first
            order = [
                "service_id",
                "service_type",
                "service_date",
                "country_of_service",
                "destination_country",
                "case_category",
                "project_code",
                "beneficiary_id",
                "full_name",
                "document_no",
                "date_of_birth",
                "sex",
                "extracted_at",
            ]
            perm = [BENEFICIARY_COLUMNS.index(c) for c in order]
            df = df.select(order)
            inserts = [(p, [r[k] for k in perm] if len(r) == len(BENEFICIARY_COLUMNS) else r) for p, r in inserts]
        write_frame(self.out / "beneficiaries" / name, df, inserts)
        self._register("beneficiaries", name, total)

    def _bad_person(self) -> int:
        return self.planner.new_person("immigrant", 2009)

    def _bad_beneficiary(self, check: str, variant: int, ts: str) -> list:
        rng = self.rng
        ext = date.fromisoformat(ts[:10])
        y = ext.year - 1 if ext.month < 3 else ext.year
        y = min(max(y, 2005), 2010)
        a, ndays = day_range(y)
        sday = min(a + int(rng.random() * ndays), d2i(ext))
        p = self._bad_person()
        self._bad_seq = getattr(self, "_bad_seq", 0) + 1
        t = rng.choice((PC, MT, HA, RM, AV, LD))
        if check == "required_for_service_type":
            t = NEEDS_DESTINATION[variant % 3]
        dest = {RM: "USA", AV: "IRQ", LD: "CAN"}.get(t, rng.choice((None, "CAN", "GBR")))
        v = dict(
            service_id=f"SV{y}-9{self._bad_seq:07d}",
            beneficiary_id=py_bid(p, self.seed),
            full_name=py_name(p, self.seed),
            document_no=py_doc(p, self.seed),
            date_of_birth=iso(sday - rng.randint(20 * 365, 50 * 365)),
            sex=rng.choice(SEXES[:2]),
            service_type=SERVICE_TYPES[t],
            service_date=iso(sday),
            country_of_service=rng.choice(("PHL", "NPL", "THA", "KEN", "JOR", "DEU")),
            destination_country=dest,
            case_category=rng.choice(("family_reunification", "labour", "other", None)),
            project_code=None,
            extracted_at=ts,
        )
        if check == "field_count":
            row = [v[c] for c in BENEFICIARY_COLUMNS]
            if variant % 2 == 0:
                return row[:-1]  # extracted_at missing: one field too few
            return (
                row[:2] + [(v["full_name"] or "Kalo Mira").split(" ")[0], "Mirasu"] + row[3:]
            )  # unquoted comma in name
        if check == "required":
            v[("beneficiary_id", "sex", "service_date", "country_of_service")[variant % 4]] = None
        elif check == "project_code_format":
            v["project_code"] = ("PC-0412", "rs.1234", "MH.12345", "PC0412")[variant % 4]
        elif check == "iso3166_alpha3":
            if variant % 2 == 0:
                v["country_of_service"] = ("GER", "UK", "SWI", "RSA")[(variant // 2) % 4]
            else:
                v["service_type"], v["destination_country"] = (
                    SERVICE_TYPES[RM],
                    ("KOS", "US", "UKR1")[(variant // 2) % 3],
                )
        elif check == "accepted_values":
            col = ("sex", "service_type", "case_category")[variant % 3]
            v[col] = {"sex": "X", "service_type": "medical_check", "case_category": "refugee"}[col]
        elif check == "date_format":
            if variant % 2 == 0:
                v["service_date"] = (f"{y}-02-30", i2d(sday).strftime("%d/%m/%Y"))[(variant // 2) % 2]
            else:
                v["date_of_birth"] = "1978-13-02"
        elif check == "timestamp_format":
            v["extracted_at"] = ext.strftime("%d/%m/%Y") + " 06:00"
        elif check == "service_date_range":
            if variant % 2 == 0:
                v["service_date"] = iso(d2i(ext) + rng.randint(20, 400))  # after the extraction date
            else:
                v["service_date"], v["date_of_birth"] = "1909-05-04", None  # typo for 2009, before 1990
        elif check == "required_for_service_type":
            v["destination_country"] = None
        elif check == "not_after_service_date":
            v["date_of_birth"] = iso(sday + rng.randint(1, 400))
        return [v[c] for c in BENEFICIARY_COLUMNS]

    def _write_latin1(self) -> None:
        """A bad file: a mission upload saved as Latin-1 (not UTF-8), with accented names. None of it counts."""
        rng = self.rng
        name = "beneficiaries_2009_mission_upload.csv"
        ts = "2010-02-03T09:00:00Z"
        rows = []
        for i in range(max(5, self.sc(150))):
            p = self._bad_person()
            nm = f"{rng.choice(('José', 'Renée', 'Müller', 'Zoë', 'Ñuka'))} {py_name(p, self.seed) or 'Kalo Mira'}"
            day = rand_day(rng, 2009)
            rows.append(
                [
                    f"SV2009-8{i:07d}",
                    py_bid(p, self.seed),
                    nm,
                    py_doc(p, self.seed),
                    iso(day - rng.randint(7000, 18000)),
                    rng.choice(("F", "M")),
                    "resettlement_movement",
                    iso(day),
                    "NPL",
                    "USA",
                    "resettlement",
                    None,
                    ts,
                ]
            )
        write_rows(self.out / "beneficiaries" / name, BENEFICIARY_COLUMNS, rows, encoding="latin-1")
        self._register("beneficiaries", name, len(rows))
        self.report.bad_files.append(("beneficiaries", name))


# --------------------------------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------------------------------


def generate(out_dir: Path, scale: float = 1.0, seed: int = 20100601) -> GenerationReport:
    """Write the three extract kinds under out_dir and return what was planted."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    t0 = time.perf_counter()
    report = Generator(Path(out_dir), scale, seed).run()
    report.seconds = time.perf_counter() - t0
    return report


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="review-demo-data", description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", type=float, default=1.0, help="volume multiplier (1 = organisation sized)")
    ap.add_argument("--out", type=Path, default=Path("data/raw"), help="root folder of the extracts")
    ap.add_argument("--seed", type=int, default=20100601)
    args = ap.parse_args(argv)
    report = generate(args.out, args.scale, args.seed)
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
