"""Synthetic text: project titles, and the person identifiers, names and document numbers built from
the person number (obviously synthetic: syllables and a `ZZ` prefix, never real people)."""

from __future__ import annotations

import polars as pl

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


BID_MULT, DOC_MOD = 387_420_489, 10_000_000


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


def personal_exprs(seed: int) -> list[pl.Expr]:
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
