"""The policy language: its schema, loading TOML with every mistake named by line, evaluating a
request against it, and the declared policies shipped with the product.

This package imports nothing of ours but triage.models (the shared vocabulary).
"""

from __future__ import annotations

from policies.evaluate import CapacityLedger, NoDecisions, evaluate
from policies.loading import LoadedPolicy, load_policy_file, load_policy_text
from policies.problems import PolicyRejected
from policies.schema import Policy, Rule
from policies.shipped import load_shipped_policy, shipped_policy_ids

__all__ = [
    "CapacityLedger",
    "LoadedPolicy",
    "NoDecisions",
    "Policy",
    "PolicyRejected",
    "Rule",
    "evaluate",
    "load_policy_file",
    "load_policy_text",
    "load_shipped_policy",
    "shipped_policy_ids",
]
