"""The declared policies shipped with the product (package data in policies/shipped/)."""

from __future__ import annotations

from importlib import resources

from policies.loading import LoadedPolicy, load_policy_text

_FOLDER = resources.files("policies") / "shipped"


def shipped_policy_ids() -> list[str]:
    return sorted(
        entry.name.removesuffix(".toml")
        for entry in _FOLDER.iterdir()
        if entry.name.endswith(".toml")
    )


def load_shipped_policy(policy_id: str) -> LoadedPolicy | None:
    """The shipped policy with this id, or None. (Shipped files are checked by the tests.)"""
    if policy_id not in shipped_policy_ids():
        return None
    entry = _FOLDER / f"{policy_id}.toml"
    return load_policy_text(entry.read_text(encoding="utf-8"), f"{policy_id}.toml (shipped)")
