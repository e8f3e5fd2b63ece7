"""Print the table of result thresholds in docs/clinical-signals.md, from the data the reader uses.

    .venv/bin/python tools/signals_table.py

The test suite checks that the document holds exactly this table, so the document can never
describe thresholds the product does not apply. Paste the output between the markers in the
document after changing triage/classify/data/results.toml.
"""

from __future__ import annotations

import sys

from triage.classify.measures import MeasureRule, measures

BEGIN = "<!-- results table: tools/signals_table.py -->"
END = "<!-- end of results table -->"


def table() -> str:
    known = measures()
    rows = ["| category | result | goes to a GP when | source |", "|---|---|---|---|"]
    for category, rules in known.rules.items():
        for rule in rules:
            measure = known.by_key[rule.measure]
            where = category.label if category is not None else "any request"
            label = measure.label + (f" ({rule.part})" if rule.part else "")
            rows.append(
                f"| {where} | {label} | {_when(rule, measure.reference_unit)} | {rule.source} |"
            )
    return "\n".join([BEGIN, *rows, END])


def _when(rule: MeasureRule, unit: str) -> str:
    unit = f" {unit}" if unit else ""
    parts = [
        f"{sign} {value:g}{unit}"
        for sign, value in (
            (">", rule.above),
            (">=", rule.at_least),
            ("<", rule.below),
            ("<=", rule.at_most),
        )
        if value is not None
    ]
    if rule.by_age:
        parts.append(
            "by age: " + ", ".join(f">= {value:g}{unit} from {age}" for age, value in rule.by_age)
        )
    if rule.rise_by is not None:
        parts.append("any rise" if rule.rise_by == 0 else f"a rise of more than {rule.rise_by:g}")
    if rule.rise_by_percent is not None:
        parts.append(f"a rise of more than {rule.rise_by_percent:g}%")
    if rule.fall_by is not None:
        parts.append("any fall" if rule.fall_by == 0 else f"a fall of more than {rule.fall_by:g}")
    if rule.above_nadir_by is not None:
        parts.append(f"{rule.above_nadir_by:g} or more above the lowest value written")
    if rule.above_range_times is not None:
        times = "" if rule.above_range_times == 1 else f"{rule.above_range_times:g}x "
        parts.append(f"above {times}the upper limit of a range written beside it")
    condition = ""
    if rule.when:
        condition += " (when the letter says " + " or ".join(" ".join(p) for p in rule.when) + ")"
    if rule.unless:
        condition += " (unless it says " + " or ".join(" ".join(p) for p in rule.unless) + ")"
    if rule.sexes:
        condition += (
            " (the patient's sex as the letter reads: " + " or ".join(sorted(rule.sexes)) + ")"
        )
    return "; ".join(parts) + condition


if __name__ == "__main__":
    sys.stdout.write(table() + "\n")
