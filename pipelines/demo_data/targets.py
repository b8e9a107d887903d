"""The plan at scale 1: the volumes and exact quotas the generator meets, so that the warehouse
reproduces the published figures (marked with their indicator code), and the planted plausibility anomalies."""

from __future__ import annotations

from datetime import date

from pipelines.demo_data.vocabulary import AV, DP, HA, LD, MT, OT, PC, RM, TA

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
