"""Build triage/classify/data/codes.csv from the public code lists in shared/reference/codelists.

The classifier reads the CSV as package data: one row per SNOMED CT or dm+d code, naming the
shared-care concept the code belongs to and whether it identifies that concept alone or is only
context. The CSV is committed; re-run this script whenever the code lists (or the extra codes
below) change, and review the diff:

    python3 tools/build_codes.py [--codelists DIR] [--out FILE]
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CODELISTS = ROOT.parent / "shared" / "reference" / "codelists"
DEFAULT_OUT = ROOT / "triage" / "classify" / "data" / "codes.csv"
HEADER = ("code", "system", "concept", "kind", "term", "source")

SNOMED = "snomed"
DMD = "dmd"
IDENTIFIES = "identifies"  # the code alone identifies the concept
CONTEXT = "context"  # the code supports a concept but never identifies it alone


@dataclass(frozen=True)
class Code:
    code: str
    system: str
    concept: str
    kind: str
    term: str
    source: str


@dataclass(frozen=True)
class Columns:
    """Column names of a code list CSV with a header row."""

    code: str
    term: str
    dmd_type: str | None = None  # VMP/AMP column, when the list has one


TSV = None  # a headerless code<TAB>term file


def keep_all(term: str) -> bool:
    return True


def needs_inr(term: str) -> bool:
    """Vitamin K antagonists need INR monitoring; DOACs (apixaban, rivaroxaban, ...) do not."""
    return (
        re.search(r"warfarin|marevan|acenocoumarol|sinthrome|phenindione", term, re.I) is not None
    )


@dataclass(frozen=True)
class CodeList:
    file: str
    concept: str
    columns: Columns | None  # None: headerless TSV
    medication: bool  # False: every code is a SNOMED CT concept (diagnoses, procedures, tests)
    kind: str = IDENTIFIES
    keep: Callable[[str], bool] = keep_all  # filter on the term


# In file-name order: when two lists hold the same code for the same concept, the first wins.
CODE_LISTS = (
    CodeList("adhd_diagnosis_snomed_nhsd_refset.csv", "adhd", Columns("code", "term"), False),
    CodeList("adhd_medications_dmd.csv", "adhd", Columns("code", "term", "dmd_type"), True),
    CodeList(
        "antipsychotics_depot_dmd.csv",
        "mental_health_monitoring",
        Columns("dmd_id", "dmd_name", "dmd_type"),
        True,
    ),
    CodeList(
        "antipsychotics_first_gen_dmd.csv",
        "mental_health_monitoring",
        Columns("dmd_id", "dmd_name", "dmd_type"),
        True,
    ),
    CodeList(
        "antipsychotics_second_gen_dmd.csv",
        "mental_health_monitoring",
        Columns("dmd_id", "dmd_name", "dmd_type"),
        True,
    ),
    CodeList("azathioprine_dmd.csv", "dmard", Columns("code", "term", "dmd_type"), True),
    CodeList("denosumab_dmd_subset.tsv", "denosumab", TSV, True),
    CodeList("dmards_combined_dmd.csv", "dmard", Columns("code", "term", "obj_type"), True),
    CodeList("eating_disorders_snomed.tsv", "eating_disorder", TSV, False),
    CodeList("hydroxychloroquine_dmd.csv", "dmard", Columns("code", "term", "obj_type"), True),
    CodeList("leflunomide_dmd.csv", "dmard", Columns("code", "term", "dmd_type"), True),
    CodeList("lithium_dmd.csv", "lithium", Columns("id", "term"), True),
    CodeList("lithium_level_tests_snomed.csv", "lithium", Columns("code", "term"), False),
    CodeList("lithium_snomed_dmd.tsv", "lithium", TSV, True),
    # Testosterone etc. count as gender-affirming only with gender context, decided elsewhere.
    CodeList("male_sex_hormones_snomed_dmd.tsv", "gender_affirming_hormones", TSV, True),
    CodeList("methotrexate_all_forms_dmd.csv", "dmard", Columns("id", "term"), True),
    CodeList("mgus_snomed_subset.tsv", "mgus", TSV, False),
    CodeList(
        "oral_anticoagulants_incl_warfarin_dmd.csv",
        "inr",
        Columns("id", "term"),
        True,
        keep=needs_inr,
    ),
    # A bipolar diagnosis must not make a lithium request look like antipsychotic monitoring.
    CodeList(
        "severe_mental_illness_snomed_nhsd_mh_cod.csv",
        "mental_health_monitoring",
        Columns("code", "term"),
        False,
        kind=CONTEXT,
    ),
    CodeList("sulfasalazine_dmd.csv", "dmard", Columns("code", "term", "dmd_type"), True),
    CodeList("warfarin_snomed_dmd.tsv", "inr", TSV, True),
)


def _extras(
    section: str, concept: str, system: str, codes: str, kind: str = IDENTIFIES
) -> list[Code]:
    """Codes quoted in docs/domain.md, one "code term" per line."""
    rows = (line.split(maxsplit=1) for line in codes.strip().splitlines())
    source = f"docs/domain.md §{section}"
    return [Code(code, system, concept, kind, term, source) for code, term in rows]


# Codes from the domain research (summarised in docs/domain.md) that are not, or may not be, in
# the lists above. Added last, so a code already in a list keeps the list's row.
EXTRA_CODES = (
    Code(
        "93461009",
        SNOMED,
        "gender_dysphoria",
        IDENTIFIES,
        "Gender dysphoria",
        "docs/domain.md §3.2 (third-party; verify in the NHS SNOMED browser)",
    ),
    Code(
        "430715008",
        SNOMED,
        "bariatric",
        IDENTIFIES,
        "Bariatric operative procedure",
        "docs/domain.md §3.4 (third-party; verify)",
    ),
    Code(
        "63476009",
        SNOMED,
        "psa",
        IDENTIFIES,
        "Prostate specific antigen measurement",
        "docs/domain.md §3.8 (third-party; verify)",
    ),
    *_extras(
        "3.3",
        "mgus",
        SNOMED,
        """
        128087008 Monoclonal gammopathy of undetermined significance (MGUS)
        277577000 Monoclonal gammopathy of uncertain significance
        875231000000102 Monoclonal gammopathy of undetermined significance (UK term)
        """,
    ),
    *_extras(
        "3.1",
        "adhd",
        SNOMED,
        """
        406506008 Attention deficit hyperactivity disorder
        444613000 Adult ADHD
        31177006 ADHD combined type
        35253001 ADHD predominantly inattentive
        7461003 ADHD predominantly hyperactive-impulsive
        886371000000105 On drug therapy for ADHD
        702538008 Drug therapy for ADHD
        """,
    ),
    *_extras(
        "3.1",
        "adhd",
        DMD,
        """
        42014311000001106 Methylphenidate 10mg tablets
        42013411000001102 Lisdexamfetamine 30mg capsules
        42008711000001100 Atomoxetine 40mg capsules
        31087611000001109 Guanfacine 1mg MR tablets
        31074011000001104 Intuniv 1mg MR tablets
        39708411000001103 Dexamfetamine 5mg tablets
        """,
    ),
    *_extras(
        "3.5",
        "eating_disorder",
        SNOMED,
        """
        72366004 Eating disorder
        56882008 Anorexia nervosa
        78004001 Bulimia nervosa
        439960005 Binge eating disorder
        888921000000106 Avoidant restrictive food intake disorder
        231522009 Atypical anorexia nervosa
        63393005 Anorexia nervosa binge-eating/purging type
        """,
    ),
    *_extras(
        "3.6",
        "dmard",
        DMD,
        """
        326874007 Methotrexate 2.5mg tablets
        330057007 Leflunomide 10mg tablets
        317431008 Sulfasalazine 500mg tablets
        330037008 Hydroxychloroquine 200mg tablets
        327071005 Azathioprine 25mg tablets
        """,
    ),
    *_extras(
        "3.7",
        "denosumab",
        DMD,
        """
        17301711000001109 Denosumab 60mg/1ml pre-filled syringes
        17313111000001106 Denosumab 60mg/1ml pre-filled syringes
        17301811000001101 Prolia 60mg/1ml pre-filled syringes
        19448111000001109 Denosumab 120mg/1.7ml vials
        19376011000001101 Denosumab 120mg/1.7ml vials
        19376111000001100 Xgeva 120mg/1.7ml vials
        """,
    ),
    *_extras(
        "3.9",
        "inr",
        DMD,
        """
        319733000 Warfarin 1mg tablets
        319734006 Warfarin 3mg tablets
        319735007 Warfarin 5mg tablets
        """,
    ),
    *_extras(
        "3.10",
        "mental_health_monitoring",
        DMD,
        """
        321614001 Olanzapine 10mg tablets
        321624009 Quetiapine 25mg tablets
        321589009 Risperidone 1mg tablets
        406787003 Aripiprazole 10mg tablets
        321573006 Clozapine 25mg tablets
        321417000 Haloperidol 5mg tablets
        19223711000001101 Paliperidone depot 50mg/0.5ml pre-filled syringes
        4559111000001109 Risperidone depot 25mg
        """,
    ),
    *_extras(
        "3.10",
        "mental_health_monitoring",
        SNOMED,
        """
        58214004 Schizophrenia
        13746004 Bipolar disorder
        69322001 Psychotic disorder
        191526005 Schizophrenic disorders
        """,
        kind=CONTEXT,
    ),
    *_extras("3.11", "lithium", DMD, "13177001000001108 Lithium carbonate 400mg MR tablets"),
    *_extras(
        "3.11",
        "lithium",
        SNOMED,
        """
        16977003 Lithium carbonate
        275917000 Lithium monitoring
        1006681000000100 Serum lithium level
        166957006 Lithium level high - toxic
        """,
    ),
)

SNOMED_TAGS = (
    "(substance)",
    "(medicinal product)",
    "(medicinal product form)",
    "(clinical drug)",
    "(disorder)",
    "(finding)",
    "(procedure)",
    "(situation)",
    "(morphologic abnormality)",
)


def medication_system(term: str, dmd_type: str | None) -> str:
    """Whether a code in a medication list is a dm+d product or a SNOMED CT concept.

    Use the list's own VMP/AMP column when it has one. Otherwise guess from the term: dm+d names
    products with their strength ("Warfarin 5mg tablets", "Priadel 400mg ... (product)"), while
    the SNOMED CT concepts in these lists are "Product containing ..." or tagged drugs, the
    international release's "Warfarin sodium 5 mg oral tablet" and "... in oral dosage form",
    and concepts with no strength at all ("Lithium carbonate", "Warfarin treatment plan").
    """
    if dmd_type is not None:
        kind = dmd_type.strip().upper()
        if kind == "VTM":
            return SNOMED
        if kind in ("VMP", "AMP", "VMPP", "AMPP"):
            return DMD
        raise SystemExit(f"unknown dm+d type {dmd_type!r}")
    snomed_like = (
        term.startswith("Product containing")
        or term.endswith(SNOMED_TAGS)
        or "dosage form" in term
        or re.search(r"\d mg\b", term) is not None
        or not any(character.isdigit() for character in term)
    )
    return SNOMED if snomed_like else DMD


def read_rows(path: Path, columns: Columns | None) -> Iterator[tuple[str, str, str | None]]:
    """(code, term, dm+d type or None) for each row of a code list, whitespace stripped."""
    with path.open(newline="", encoding="utf-8") as file:
        if columns is None:
            for row in csv.reader(file, delimiter="\t"):
                if not row:
                    continue  # a blank line
                if len(row) != 2:
                    raise SystemExit(f"{path.name}: expected code<TAB>term, got {row!r}")
                yield row[0].strip(), row[1].strip(), None
            return
        reader = csv.DictReader(file)
        wanted = [columns.code, columns.term, columns.dmd_type]
        missing = [name for name in wanted if name and name not in (reader.fieldnames or [])]
        if missing:
            raise SystemExit(f"{path.name}: no column {', '.join(missing)}")
        for record in reader:
            dmd_type = record[columns.dmd_type] if columns.dmd_type else None
            yield record[columns.code].strip(), record[columns.term].strip(), dmd_type


# Rows of the public lists that would mislead a classifier, each reviewed by a person.
# Dropped: the code says the patient is NOT on the medicine.
DROPPED = {
    "87051000000102": "warfarin not tolerated",
    "101991000000108": "warfarin not tolerated",
    "95041000000105": "history of warfarin allergy",
    "99911000000105": "history of warfarin allergy",
    "938781000000109": "a genotyping test, not treatment",
}
# Downgraded to context: a symptom or a broader finding, not the condition itself.
CONTEXT_ONLY = {
    "158268008": "anorexia as loss of appetite, common in cancer and frailty",
    "158272007": "anorexia as loss of appetite",
    "206915006": "anorexia as loss of appetite",
    "432541000000106": "anorexia as loss of appetite",
    "451151000000109": "anorexia as loss of appetite",
    "496871000000107": "anorexia as loss of appetite",
    "249468005": "anorexia as a symptom",
    "212572003": "a symptom, not a diagnosis",
    "248122005": "a symptom, not a diagnosis",
    "267023007": "a symptom, not a diagnosis",
    "267157001": "a symptom, not a diagnosis",
    "272059005": "a symptom, not a diagnosis",
    "273343005": "an assessment scale, not a diagnosis",
    "134180005": "any monoclonal gammopathy: could be myeloma",
    "466491000000105": "any monoclonal gammopathy: could be myeloma",
}


def read_code_list(folder: Path, code_list: CodeList) -> Iterator[Code]:
    for code, term, dmd_type in read_rows(folder / code_list.file, code_list.columns):
        if not (code.isascii() and code.isdigit()) or not code_list.keep(term):
            continue
        if code in DROPPED:
            continue
        system = medication_system(term, dmd_type) if code_list.medication else SNOMED
        kind = CONTEXT if code in CONTEXT_ONLY else code_list.kind
        yield Code(code, system, code_list.concept, kind, term, code_list.file)


def build(folder: Path) -> list[Code]:
    """Every code once, sorted by (concept, system, code).

    A code found again with the same concept and kind keeps its first row (lists in file-name
    order, then the extras). A code given a different concept or kind exits, naming the code and
    both sources, so that a person decides.
    """
    codes: dict[str, Code] = {}
    conflicts: list[str] = []
    candidates = [code for code_list in CODE_LISTS for code in read_code_list(folder, code_list)]
    for candidate in [*candidates, *EXTRA_CODES]:
        first = codes.setdefault(candidate.code, candidate)
        if (first.concept, first.kind) != (candidate.concept, candidate.kind):
            conflicts.append(
                f"{candidate.code}: {first.concept} ({first.kind}) in {first.source}"
                f" but {candidate.concept} ({candidate.kind}) in {candidate.source}"
            )
    if conflicts:
        raise SystemExit("codes with two meanings; decide which:\n  " + "\n  ".join(conflicts))
    return sorted(codes.values(), key=lambda code: (code.concept, code.system, code.code))


def write(codes: list[Code], out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file, lineterminator="\n")
        writer.writerow(HEADER)
        for code in codes:
            writer.writerow(
                (code.code, code.system, code.concept, code.kind, code.term, code.source)
            )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codelists", type=Path, default=DEFAULT_CODELISTS, metavar="DIR")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, metavar="FILE")
    args = parser.parse_args(argv)
    codes = build(args.codelists)
    write(codes, args.out)
    counts = Counter((code.concept, code.kind, code.system) for code in codes)
    for (concept, kind, system), count in sorted(counts.items()):
        print(f"{concept:26} {kind:10} {system:6} {count:5}")
    print(f"{len(codes)} codes written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
