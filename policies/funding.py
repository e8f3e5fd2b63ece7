"""Which funded arrangement, if any, pays for a category of work by a provider on a day: where
one does, rules with `unless_funded` and "unfunded" notices stand aside (docs/policy-language.md,
"Funded arrangements")."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from policies.schema import Funded, Policy
from triage.models import Category, sender_key

KIND_WORDS = {
    "local_enhanced_service": "a local enhanced service",
    "icb_interim_payment": "an ICB interim payment",
    "named_provider": "a funded arrangement with a named provider",
}


def funding_for(
    policy: Policy, category: Category | None, providers: Iterable[str], on: date
) -> Funded | None:
    """The first arrangement covering the category on the day for one of the providers (a
    request's sender and organisation, or a patient's specialist team)."""
    if category is None:
        return None
    names = [sender_key(name) for name in providers if name]
    for funded in policy.funded:
        if category not in funded.categories:
            continue
        if funded.effective_from is not None and on < funded.effective_from:
            continue
        if funded.effective_until is not None and on > funded.effective_until:
            continue
        if funded.provider is None or any(sender_key(funded.provider) in name for name in names):
            return funded
    return None


def described(funded: Funded) -> str:
    """ "dorset-dmard-les (a local enhanced service)" """
    return f"{funded.id} ({KIND_WORDS[funded.kind]})"
