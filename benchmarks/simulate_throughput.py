"""Throughput of the policy simulation: requests per second through `services.policy.simulate`.

What is timed: `simulate(policy, requests, on)` consumed to the end, which for each request runs
`triage.classify.read` (the classifier and the red-flag scanner) and `policies.evaluate`, with the
capacity ledger counting the acceptances simulated so far. What is not timed: making the requests
(the demo's 53 scenarios, cycling, checked by `check_record` as an import would), loading the
policy, and loading the vocabulary (timed and printed separately).

The machines are shared and noisy, so the figures come with a baseline measured in the same run
on the same requests, and the ratio simulate / baseline is the number to compare between runs.
The target is at least 50,000 requests per second on one core. Last, each stage (reading the
words, classifying, red flags, the letter's dates and wording, evaluating) is timed on its own,
to show where the time goes.

Run it from the repository root:

    .venv/bin/python benchmarks/simulate_throughput.py
    .venv/bin/python benchmarks/simulate_throughput.py --policy dorset-gp-alliance --count 20000

On Linux the process is pinned to the first CPU it may use (os.sched_setaffinity); elsewhere,
or where pinning is not allowed, it runs unpinned.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import date
from functools import partial
from typing import TypeVar

from memory import peak_mb

from policies import Policy, evaluate, load_shipped_policy, shipped_policy_ids
from triage.classify.classifier import classify
from triage.classify.reading import ReadRequest
from triage.classify.red_flags import scan
from triage.classify.vocabulary import vocabulary
from triage.classify.written import read_written
from triage.demo import demo_records
from triage.errors import Place
from triage.intake.records import RawRecord, check_record
from triage.models import Action, Findings, IncomingRequest, SourceFormat
from triage.services.policy import simulate

TARGET_PER_SECOND = 50_000
# A fixed date, after both shipped policies take effect, so every run sees the same requests.
TODAY = date(2025, 6, 2)
WARM_UP = 1_000
STAGE_SAMPLE = 10_000  # requests whose stages are timed apart (each keeps its words in memory)
_WORD = re.compile(r"[a-z0-9]+")
T = TypeVar("T")


def pin_to_one_core() -> str:
    """Pin the process to the first CPU it may use; say which, or why not."""
    if not hasattr(os, "sched_setaffinity"):
        return "not pinned (no sched_setaffinity on this platform)"
    try:
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
    except OSError as error:
        return f"not pinned ({error})"
    return f"pinned to CPU {cpu}"


def make_requests(count: int) -> list[IncomingRequest]:
    """`count` demo requests, checked the way an import checks them."""
    requests = []
    for line, record in enumerate(demo_records(count, today=TODAY), start=1):
        raw = RawRecord(Place(line=line), record)
        checked = check_record(raw, file="benchmark", source_format=SourceFormat.JSONL, today=TODAY)
        if checked.request is None:
            raise SystemExit(f"demo record {line} was rejected: {checked.problems}")
        requests.append(checked.request)
    return requests


def run_simulation(policy: Policy, requests: Sequence[IncomingRequest]) -> Counter[Action]:
    """One full simulation; the action counts show it did real work (and cost ~0.1 µs each)."""
    actions: Counter[Action] = Counter()
    for assessed in simulate(policy, requests, TODAY):
        actions[assessed.suggested.action] += 1
    return actions


def stage_times(
    policy: Policy, requests: Sequence[IncomingRequest], repeat: int
) -> list[tuple[str, float]]:
    """Best seconds for each stage of `simulate` on its own, each fed the stage before's output:
    where the time goes. Capacity is not counted here (no ledger), so the sum is approximate."""
    words = vocabulary()
    reads = [ReadRequest(request, words) for request in requests]
    classified = [classify(read, words) for read in reads]
    findings = [
        Findings(
            classification,
            scan(read, classification.categories, words),
            read_written(read, classification.categories, words),
        )
        for read, classification in zip(reads, classified, strict=True)
    ]
    stages: list[tuple[str, Callable[[], object]]] = [
        (
            "read the words and phrases",
            lambda: [ReadRequest(request, words) for request in requests],
        ),
        ("classify", lambda: [classify(read, words) for read in reads]),
        (
            "red flags",
            lambda: [
                scan(read, classification.categories, words)
                for read, classification in zip(reads, classified, strict=True)
            ],
        ),
        (
            "dates and wording",
            lambda: [
                read_written(read, classification.categories, words)
                for read, classification in zip(reads, classified, strict=True)
            ],
        ),
        (
            "evaluate the policy",
            lambda: [
                evaluate(policy, request, found, TODAY)
                for request, found in zip(requests, findings, strict=True)
            ],
        ),
    ]
    return [(name, min(timed(work, repeat)[0])) for name, work in stages]


# Baselines: per-request work any implementation must pay, cheap and stable, so that a slow or
# busy machine shows up in them as much as in the simulation and the ratio stays comparable.
# - tokenise: lower-case and split the same five text fields the classifier reads, with the
#   same regular expression (triage/classify/text.py) - the floor of "reading the words".
# - serialise: model_dump + json.dumps of the request, the cost of merely touching every field
#   of the pydantic model once (what the JSON output of `triage policy simulate` pays anyway).
def baseline_tokenise(requests: Sequence[IncomingRequest]) -> int:
    words = 0
    for request in requests:
        for text in (
            "; ".join(request.medications),
            request.diagnosis or "",
            request.text or "",
            request.organisation,
            request.requester,
        ):
            words += len(_WORD.findall(text.lower()))
    return words


def baseline_serialise(requests: Sequence[IncomingRequest]) -> int:
    return sum(len(json.dumps(request.model_dump(mode="json"))) for request in requests)


def timed(work: Callable[[], T], repeat: int) -> tuple[list[float], list[T]]:
    """Seconds for each of `repeat` runs of `work` with the garbage collector off, and results."""
    seconds, results = [], []
    for _ in range(repeat):
        gc.collect()
        gc.disable()
        try:
            start = time.perf_counter()
            results.append(work())
            seconds.append(time.perf_counter() - start)
        finally:
            gc.enable()
    return seconds, results


def main(argv: Sequence[str] | None = None) -> int:
    policy_ids = sorted(shipped_policy_ids())
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--count", type=int, default=100_000, help="requests (default 100000)")
    parser.add_argument("--policy", choices=policy_ids, default="weymouth-portland-pcn")
    parser.add_argument("--repeat", type=int, default=3, help="timed passes (default 3)")
    args = parser.parse_args(argv)
    if args.count < 1 or args.repeat < 1:
        parser.error("--count and --repeat must be at least 1")

    print(f"process: {pin_to_one_core()}; Python {sys.version.split()[0]}")
    loaded = load_shipped_policy(args.policy)
    assert loaded is not None  # argparse only accepts shipped ids
    policy = loaded.policy

    start = time.perf_counter()
    requests = make_requests(args.count)
    print(f"made {len(requests):,} requests in {time.perf_counter() - start:.2f} s (not timed)")
    start = time.perf_counter()
    vocabulary()
    print(f"vocabulary loaded in {(time.perf_counter() - start) * 1000:.1f} ms (not timed)")
    run_simulation(policy, requests[:WARM_UP])  # warm-up: caches, first-call costs

    count = len(requests)
    sim_seconds, runs = timed(partial(run_simulation, policy, requests), args.repeat)
    actions = runs[-1]
    best, median = min(sim_seconds), statistics.median(sim_seconds)
    print(f"\npolicy {policy.id} (version {policy.version}) on {TODAY}, {count:,} requests")
    print(f"simulate, {args.repeat} passes: " + ", ".join(f"{s:.3f} s" for s in sim_seconds))
    print(
        f"  best   {count / best:>10,.0f} requests/s  {best / count * 1e6:8.2f} µs/request\n"
        f"  median {count / median:>10,.0f} requests/s  {median / count * 1e6:8.2f} µs/request"
    )
    print("  actions: " + ", ".join(f"{action.value} {actions[action]:,}" for action in Action))
    if any(run != actions for run in runs):
        print(f"  WARNING: the passes disagree: {runs}")

    print("\nbaselines (same requests, same run; simulate time / baseline time):")
    for name, baseline in (("tokenise", baseline_tokenise), ("serialise", baseline_serialise)):
        seconds, _ = timed(partial(baseline, requests), args.repeat)
        base_best, base_median = min(seconds), statistics.median(seconds)
        print(
            f"  {name:<9} best {count / base_best:>10,.0f} requests/s "
            f"{base_best / count * 1e6:6.2f} µs/request; "
            f"ratio best {best / base_best:6.1f}x, median {median / base_median:6.1f}x"
        )

    print(f"\npeak memory (whole process): {peak_mb():.0f} MB")  # before the stages

    sample = requests[:STAGE_SAMPLE]
    print(
        f"\nwhere the time goes: each stage alone, {len(sample):,} requests, best of {args.repeat}"
    )
    for stage, stage_best in stage_times(policy, sample, args.repeat):
        print(f"  {stage:<27} {stage_best / len(sample) * 1e6:6.2f} µs/request")

    verdict = "PASS" if count / best >= TARGET_PER_SECOND else "BELOW TARGET"
    print(f"\n{verdict}: best {count / best:,.0f} requests/s, target {TARGET_PER_SECOND:,}")
    return 0  # a verdict, not a failure: absolute figures on a shared machine are noisy


if __name__ == "__main__":
    sys.exit(main())
