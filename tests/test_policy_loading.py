"""Loading a policy file: the shipped policies, and every kind of mistake named by line, with
the whole file refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies import PolicyRejected, load_policy_file, load_policy_text, load_shipped_policy
from policies.bounds import MAX_POLICY_BYTES
from policies.toml_lines import key_lines
from triage.models import Action, Category

HEADER = """\
[policy]
id = "test"
title = "Test policy"
version = "1"
effective_from = 2025-01-01
source = "A test"
"""


def problems(text: str) -> list[str]:
    with pytest.raises(PolicyRejected) as rejected:
        load_policy_text(text, "p.toml")
    return [str(problem) for problem in rejected.value.problems]


def rule(body: str) -> str:
    return f"\n[[rules]]\n{body}\n"


def test_the_shipped_policies_load_and_cite_their_sources() -> None:
    weymouth = load_shipped_policy("weymouth-portland-pcn")
    dorset = load_shipped_policy("dorset-gp-alliance")
    assert weymouth is not None and dorset is not None
    assert "Weymouth and Portland PCN" in weymouth.policy.policy.source
    assert "Dorset GP Alliance" in dorset.policy.policy.source
    # All six points of the PCN letter, from 1 January 2025.
    assert str(weymouth.policy.policy.effective_from) == "2025-01-01"
    notes = [r.note or "" for r in weymouth.policy.rules]
    assert [note.split(":")[0] for note in notes] == [f"Point {n}" for n in range(1, 6)]
    assert weymouth.policy.safe_working is not None
    assert weymouth.policy.safe_working.contacts_per_clinician_per_day == 25
    assert {r.category for r in dorset.policy.rules} >= {
        Category.ADHD, Category.GENDER_DYSPHORIA, Category.BARIATRIC, Category.EATING_DISORDER,
        Category.MGUS, Category.MENTAL_HEALTH_MONITORING, Category.DMARD, Category.DENOSUMAB,
        Category.PSA, Category.INR,
    }  # fmt: skip


def test_the_four_classic_mistakes_are_all_named_by_line() -> None:
    text = HEADER + 'colour = "blue"\n'
    text += rule('id = "a"\ncategory = "adhdd"\naction = "decline"\nreasons = ["capacity"]')
    text += rule('id = "b"\ncategory = "mgus"\naction = "redirect"\nreasons = ["capacity"]')
    text += rule('id = "a"\ncategory = "psa"\naction = "decline"\nreasons = ["capacity"]')
    assert problems(text) == [
        "p.toml:7: policy.colour: unknown key",
        "p.toml:11: rules[a].category: unknown value 'adhdd'; use one of 'adhd', "
        "'gender_dysphoria', 'mgus', 'bariatric', 'eating_disorder', 'dmard', 'denosumab', "
        "'psa', 'inr', 'mental_health_monitoring' or 'lithium'",
        "p.toml:15: rules[b].redirect_to: a redirect needs redirect_to: the service the "
        "request goes to instead",
        "p.toml:22: rules[a].id: rule id 'a' is used twice (first on line 10)",
    ]


def test_a_misspelt_key_gets_a_suggestion() -> None:
    text = HEADER + rule('id = "a"\ncategory = "psa"\naction = "redirect"\nredirect_too = "X"')
    assert "p.toml:12: rules[a].redirect_too: unknown key; did you mean 'redirect_to'?" in problems(
        text
    )


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ('action = "decline"', "rules[a].reasons: a decline needs at least one reason"),
        ('action = "accept"\nredirect_to = "X"', "rules[a].redirect_to: only a redirect goes"),
        (
            'action = "decline"\nreasons = ["capacity"]\ncapacity = { limit = 5, per = "week" }',
            'rules[a].capacity: capacity counts accepted requests, so it needs action = "accept"',
        ),
        ('action = "accept"\nwhen_full = "decline"', "rules[a].when_full: when_full only applies"),
        (
            'action = "accept"\ncapacity = { limit = 5, per = "week" }\nwhen_full = "redirect"',
            "rules[a].redirect_to: a redirect needs redirect_to",
        ),
        (
            'action = "accept"\nmin_age = 30\nmax_age = 20',
            "rules[a].max_age: no one is at least 30",
        ),
        (
            'action = "accept"\nwithin_months_of_procedure = 12\nafter_months_of_procedure = 24',
            "rules[a].after_months_of_procedure: no date is both within 12 months",
        ),
        (
            'action = "accept"\neffective_from = 2025-06-01\neffective_until = 2025-01-01',
            "rules[a].effective_until: the dates are impossible: it ends (2025-01-01) before",
        ),
        (
            'action = "accept"\neffective_until = 2024-06-01',
            "rules[a].effective_until: this rule is never in force",
        ),
        ('action = "decide"', "rules[a].action: unknown value 'decide'"),
        ('action = "accept"\nmin_age = "eighteen"', "rules[a].min_age: 'eighteen' is not a whole"),
        (
            'action = "accept"\neffective_from = "2025-01-01"',
            "rules[a].effective_from: '2025-01-01' is in quotes; write the date as YYYY-MM-DD",
        ),
        ('action = "accept"\neffective_from = 2025-01', "not valid TOML"),
        (
            'action = "accept"\nrequest_types = ["renewal"]',
            "rules[a].request_types[1]: unknown value",
        ),
    ],
)
def test_each_rule_mistake_is_refused_with_its_line(body: str, expected: str) -> None:
    found = problems(HEADER + rule(f'id = "a"\ncategory = "psa"\n{body}'))
    assert any(expected in line and line.startswith("p.toml:") for line in found), found


@pytest.mark.parametrize(
    ("review", "expected"),
    [
        ("urgent = false", "review.urgent: cannot be turned off"),
        ("red_flags = false", "review.red_flags: cannot be turned off"),
        ("invalid_nhs_number = false", "review.invalid_nhs_number: cannot be turned off"),
        ("mixed_categories = false", "review.mixed_categories: cannot be turned off"),
        ("unclassified = 0", "review.unclassified: cannot be turned off"),
        ('under_age = "21"', "review.under_age: '21' is not a whole number"),
        ("supply_within_days = 10.0", "review.supply_within_days: 10.0 is not a whole number"),
        ("under_age = 16", "review.under_age: cannot be below 18"),
        ("supply_within_days = 2", "review.supply_within_days: cannot be below 7 days"),
        ('confirm_by_gp = ["adhd", "gender"]', "review.confirm_by_gp[2]: unknown value 'gender'"),
    ],
)
def test_a_policy_cannot_switch_off_the_safety_reviews(review: str, expected: str) -> None:
    assert any(expected in line for line in problems(HEADER + f"\n[review]\n{review}\n"))


def test_missing_keys_and_impossible_policy_dates_are_named() -> None:
    found = problems(
        '[policy]\nid = "x"\neffective_from = 2025-02-01\neffective_until = 2025-01-01\n'
    )
    assert "p.toml:1: policy.title: is required" in found
    assert "p.toml:1: policy.version: is required" in found
    assert "p.toml:1: policy.source: is required" in found
    assert any(
        line.startswith("p.toml:4: policy.effective_until: the dates are impossible")
        for line in found
    )


def test_a_review_before_the_policy_starts_is_named() -> None:
    found = problems('[policy]\nid = "x"\neffective_from = 2025-02-01\nreview_on = 2025-01-31\n')
    assert (
        "p.toml:4: policy.review_on: the review (2025-01-31) comes before the policy starts "
        "(2025-02-01)" in found
    )


def test_a_misspelt_table_name_is_named_by_its_line() -> None:
    text = HEADER + "\n[[rule]]\nid = 'a'\n"
    assert problems(text) == ["p.toml:8: rule: unknown key; did you mean 'rules'?"]


def test_a_default_redirect_is_refused() -> None:
    found = problems(HEADER + 'default_action = "redirect"\n')
    assert (
        "p.toml:7: policy.default_action: a default cannot redirect: it has nowhere to send to"
        in found
    )


def test_a_toml_syntax_error_names_its_line() -> None:
    # A manager who forgets the quotes round a word:
    assert problems(HEADER + "default_action = decline\n") == [
        "p.toml:7: not valid TOML: Invalid value"
    ]


def test_bad_files_are_refused_with_one_clear_problem(tmp_path: Path) -> None:
    def refused(path: Path) -> list[str]:
        with pytest.raises(PolicyRejected) as rejected:
            load_policy_file(path)
        return [str(problem) for problem in rejected.value.problems]

    assert refused(tmp_path / "nope.toml") == [f"{tmp_path / 'nope.toml'}: no such file"]
    assert refused(tmp_path) == [f"{tmp_path}: is a folder, not a policy file"]
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes(HEADER.encode() + b'signatory = "Caf\xe9"\n')
    assert refused(latin1) == [f"{latin1}:7: is not UTF-8 text"]
    huge = tmp_path / "huge.toml"
    with huge.open("wb") as file:
        file.truncate(MAX_POLICY_BYTES + 1)
    assert refused(huge)[0].endswith("a policy file is at most 1,000,000")


def test_the_content_hash_is_of_the_meaning_not_the_layout() -> None:
    body = rule('id = "a"\ncategory = "psa"\naction = "decline"\nreasons = ["capacity"]')
    plain = load_policy_text(HEADER + body, "a.toml")
    commented = load_policy_text(
        "# our policy\n" + HEADER + body.replace('"decline"', '"decline"   # yes'), "b.toml"
    )
    changed = load_policy_text(HEADER + body.replace('"capacity"', '"governance"'), "c.toml")
    assert plain.sha256 == commented.sha256
    spelt_out = load_policy_text(HEADER + "\n[review]\nunder_age = 18\n" + body, "d.toml")
    assert spelt_out.sha256 == plain.sha256  # writing a default out does not change the meaning
    assert plain.sha256 != changed.sha256
    assert plain.policy.rules[0].action is Action.DECLINE


def test_key_lines_stay_in_step_across_multiline_strings_and_arrays() -> None:
    text = (
        '[policy]\nsource = """a\n[[rules]]\nid = 1\n"""\n'  # a header inside a string
        'reasons = [\n  "x",  # a comment with ] in it\n  "y",\n]\n'
        "[[rules]]\nid = 'a#b'\n[[rules]]\n'quoted key' = 1\n[rules.capacity]\nlimit = 2\n"
    )
    lines = key_lines(text)
    assert lines[("policy", "source")] == 2
    assert lines[("policy", "reasons")] == 6
    assert lines[("rules", 0)] == 10
    assert lines[("rules", 0, "id")] == 11
    assert lines[("rules", 1, "quoted key")] == 13
    assert lines[("rules", 1, "capacity", "limit")] == 15


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a = " + "[\n" * 100_000 + "]\n" * 100_000,
            "p.toml:33: is nested more than 32 levels deep",
        ),
        (
            "a = [\n" + "{b = " * 100 + "1" + "}" * 100 + "\n]",
            "p.toml:2: is nested more than 32 levels deep",
        ),
        (
            "a" + ".a" * 50_000 + " = 1",
            "p.toml:1: is 100,005 characters long; the lines of a policy are at most 4,000",
        ),
        ("[a" + ".a" * 400 + "]", "p.toml:1: has a key of more than 64 parts"),
        ("x = {a" + ' . "a"' * 100 + " = 1}", "p.toml:1: has a key of more than 64 parts"),
        (HEADER + 'b = """\n' + "x" * 5_000 + '\n"""', "p.toml:8: is 5,000 characters long"),
    ],
    ids=["arrays", "inline-tables", "long-line", "table-key", "inline-key", "long-string-line"],
)
def test_a_file_too_deep_or_too_long_for_the_toml_parser_is_refused_before_it(
    text: str, expected: str
) -> None:
    """tomllib recursed to a RecursionError, and took 15 GB on a key of 50,000 parts."""
    [problem] = problems(text)
    assert problem.startswith(expected)


def test_brackets_dots_and_hashes_inside_strings_and_comments_are_not_counted() -> None:
    text = HEADER.replace('source = "A test"', f'source = "{"[" * 40}{"." * 80}"  # {"{" * 40}')
    text += "extra = '''\n" + "[" * 40 + "\n'''\n"
    assert problems(text) == ["p.toml:7: policy.extra: unknown key"]
    longest_text = HEADER.replace("A test", "x" * 2_000)  # the longest a text value may be
    assert load_policy_text(longest_text, "p.toml").policy.policy.source == "x" * 2_000
