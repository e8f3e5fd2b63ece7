"""The benchmark scripts still run and print their figures (tiny sizes: the figures are not
checked here, only that a developer gets them; see benchmarks/ for what each measures)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from triage.intake.letters.scans import ocr_unavailable

ROOT = Path(__file__).resolve().parent.parent


def run_benchmark(script: str, *args: str) -> str:
    # A separate process: the simulate benchmark pins itself to one CPU.
    finished = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / script), *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert finished.returncode == 0, finished.stderr
    return finished.stdout


@pytest.mark.parametrize("policy", ["weymouth-portland-pcn", "dorset-gp-alliance"])
def test_the_simulate_benchmark_prints_throughput_ratios_and_where_the_time_goes(
    policy: str,
) -> None:
    output = run_benchmark(
        "simulate_throughput.py", "--count", "300", "--repeat", "1", "--policy", policy
    )
    assert re.search(r"best\s+[\d,]+ requests/s\s+[\d.]+ µs/request", output)
    actions = re.search(r"actions: (.*)", output)
    assert actions is not None
    assert sum(int(n.replace(",", "")) for n in re.findall(r"\d[\d,]*", actions[1])) == 300
    assert re.search(r"tokenise .* ratio best\s+[\d.]+x", output)
    stages = (
        "read the words and phrases", "classify", "red flags", "dates and wording",
        "evaluate the policy",
    )  # fmt: skip
    for stage in stages:
        assert re.search(rf"{stage}\s+[\d.]+ µs/request", output), stage
    assert re.search(r"^(PASS|BELOW TARGET): best [\d,]+ requests/s", output, re.MULTILINE)


def test_the_export_benchmark_prints_its_ratio_against_a_plain_dump() -> None:
    output = run_benchmark("export_csv.py", "--rows", "200")
    assert re.search(r"ratio export / plain dump: [\d.]+x", output), output


def test_the_export_scale_benchmark_prints_each_ratio_and_the_growth() -> None:
    output = run_benchmark("exports_at_scale.py", "--sizes", "60", "120")
    for name, baseline in (
        ("fhir export", "plain dump"),
        ("xlsx export", "plain openpyxl"),
        ("report", "one GROUP BY"),
    ):
        assert re.search(
            rf"^60 decisions: {name} [\d.]+ s, {baseline} [\d.]+ s, ratio [\d.]+x, peak \d+ MB$",
            output,
            re.MULTILINE,
        ), output
        assert re.search(rf"^60 -> 120 decisions \(2x\): {name} took [\d.]+x as long", output, re.M)


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="needs a git checkout of the project")
def test_the_comparison_benchmark_prints_before_after_and_the_change() -> None:
    output = run_benchmark("compare_revisions.py", "HEAD", "--count", "200", "--rounds", "1")
    assert re.search(r"round 1: before [\d.]+ µs/request .* after [\d.]+ µs/request", output)
    assert re.search(r"throughput after / before: [\d.]+ \([+-]\d+%\)", output), output


def test_the_letters_benchmark_prints_accuracy_and_speed_per_format() -> None:
    output = run_benchmark("letters.py", "--count", "4")
    scans = ("scan-pdf", "scan-png", "scan-jpeg") if ocr_unavailable() is None else ()
    for name in ("text", "pdf", "docx", "email", *scans):
        assert re.search(
            rf"^{name} +nhs_number +[\d.]+% +date_of_birth +[\d.]+% +name +[\d.]+% +wrong +0 "
            r"+to GP +\d+ +refused +0 +[\d.]+ letters/s$",
            output,
            re.MULTILINE,
        ), output
    if not scans:
        assert "scans left out: no OCR engine (Tesseract) is installed" in output


def test_the_app_speed_benchmark_prints_every_key_against_its_target(tmp_path: Path) -> None:
    output = run_benchmark(
        "app_speed.py",
        *("--requests", "400", "--log-entries", "500", "--repeat", "1", "--startups", "1"),
        *("--cache", str(tmp_path)),
    )
    for key in ("j", "k", "page", "enter", "escape", "f3", "f4", "f5", "f6", "f2", "filter",
                "search", "decide"):  # fmt: skip
        assert re.search(rf"^{key} +\d+ +[\d.]+ +[\d.]+ +[\d.]+$", output, re.MULTILINE), key
    assert re.search(r"^(PASS|MISSED): every key median [\d.]+ ms \(target 50\), p95", output, re.M)
    assert re.search(r"^(PASS|MISSED): decide-and-next median [\d.]+ ms", output, re.MULTILINE)
    assert re.search(r"minimal Textual app \d+ ms, ratio [\d.]+x \(target 1.5x\)", output)


def test_the_verify_benchmark_prints_the_ratio_and_the_growth() -> None:
    output = run_benchmark("log_verify.py", "--sizes", "200", "400")
    assert re.search(r"200 entries: verify [\d.]+ s, baseline [\d.]+ s, ratio [\d.]+x", output)
    assert re.search(r"200 -> 400 entries \(2x\): verify took [\d.]+x as long", output)


def test_the_startup_benchmark_prints_each_command_against_python_alone() -> None:
    output = run_benchmark("startup.py", "--rounds", "1")
    assert re.search(r"python -c pass: \d+ ms", output)
    assert re.search(r"triage queue: \d+ ms, \d+x the baseline", output)


def test_the_apply_benchmark_prints_decisions_per_second_against_plain_inserts() -> None:
    output = run_benchmark("apply.py", "--sizes", "100", "200")
    assert re.search(
        r"200 requests: apply [\d.]+ s \([\d,]+ decisions/s, [\d.]+ ms CPU each\); baseline "
        r"[\d.]+ s \([\d,]+/s\); ratio [\d.]+x wall, [\d.]+x CPU",
        output,
    ), output
    assert re.search(r"100 -> 200 requests \(2x\): apply took [\d.]+x as long", output)


def test_one_command_runs_the_benchmarks_each_with_its_peak_memory() -> None:
    output = run_benchmark(
        "run_all.py", "--sizes", "100", "200", "--largest", "0", "--only", "apply.py",
        "log_verify.py",
    )  # fmt: skip
    assert "## triage apply, clear-cut requests: apply.py --sizes 100 200" in output
    assert "## triage log verify: log_verify.py --sizes 100 200" in output
    assert len(re.findall(r"\(peak memory of the whole script [\d,]+ MB;", output)) == 2


def test_the_queue_json_benchmark_prints_time_and_memory_against_a_plain_dump() -> None:
    output = run_benchmark("queue_json.py", "--sizes", "30", "60")
    assert re.search(
        r"^60 requests: queue --format json [\d.]+ s, plain [\d.]+ s, ratio [\d.]+x; "
        r"peak [\d,]+ MB vs [\d,]+ MB$",
        output,
        re.MULTILINE,
    ), output
    assert re.search(r"30 -> 60 requests \(2x\): queue --format json took [\d.]+x as long", output)
    assert re.search(r"its peak memory [\d,]+ MB -> [\d,]+ MB \([\d.]+x\)", output)


def test_the_import_benchmark_prints_time_memory_and_growth_against_executemany() -> None:
    output = run_benchmark("import_csv.py", "--sizes", "200", "400")
    assert re.search(
        r"^400 rows: import [\d.]+ s, executemany [\d.]+ s, ratio [\d.]+x; peak [\d,]+ MB vs "
        r"[\d,]+ MB$",
        output,
        re.MULTILINE,
    ), output
    assert re.search(r"processor time: import [\d.]+ s, executemany [\d.]+ s, ratio", output)
    assert re.search(
        r"200 -> 400 rows \(2x\): import took [\d.]+x as long, its peak memory [\d.]+x", output
    )
