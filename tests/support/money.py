"""The money fixture: 28 amounts whose float sum depends on the order of addition (issue 12, item 2).

Used by tests/test_exact_money.py (two orders, exact totals) and tests/test_spark_parity.py (the same
amounts on Spark). Every project is tagged 4 and starts in 2009; each amount is a project's budget and its
2009 expenditure.
"""

from __future__ import annotations

from pathlib import Path

from support.extracts import EXPENDITURE_COLUMNS, PROJECT_COLUMNS, write_extract

TS = "2010-01-15T00:00:00Z"

# 28 amounts, each delivered as a project's budget and as its 2009 expenditure. By hand:
#   20 x 0.10                        =        2.00
#   1234567.89 + 98765.43            =  1333333.32
#   10000000.01                      = 10000000.01
#   0.07 + 0.01 + 3.33 + 0.29 + 0.97 =        4.67
#   total                            = 11333340.00  (exactly; a double holds it exactly)
# Added up as doubles, the total misses 11333340 in the last bits, by an amount that depends on the order
# of addition; a decimal sum does not.
AMOUNTS = ["0.10"] * 20 + ["1234567.89", "0.07", "98765.43", "0.01", "3.33", "0.29", "10000000.01", "0.97"]
TOTAL = 11333340.0


def money_fixture(raw: Path, reverse: bool) -> None:
    projects = [
        [f"MN.{i + 1:04d}", f"Project {i + 1}", "KEN", "other", "4", "4", "2009-01-01", "", amount, TS]
        for i, amount in enumerate(AMOUNTS)
    ]
    expenditures = [[f"MN.{i + 1:04d}", "2009", amount, TS] for i, amount in enumerate(AMOUNTS)]
    # Bad and held rows, so that the audit tables have rows too.
    expenditures += [
        ["ZZ.0001", "2009", "5.25", TS],  # held: unknown project
        ["MN.0001", "2008", "0.0000001", TS],  # rejected: decimal_precision (7 decimal places)
        ["MN.0001", "2007", "1,5", TS],  # rejected: decimal_format
    ]
    if reverse:
        projects, expenditures = projects[::-1], expenditures[::-1]
    write_extract(raw, "projects", "p.csv", PROJECT_COLUMNS, projects)
    write_extract(raw, "expenditures", "e.csv", EXPENDITURE_COLUMNS, expenditures)
    (raw / "beneficiaries").mkdir(parents=True, exist_ok=True)
