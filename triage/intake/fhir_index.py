"""The resources of one FHIR file and how they refer to each other: each entry with where it is,
and references resolved by fullUrl, by "Type/id", or by "#id" for contained resources."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from triage.errors import Place

# The two versions of the request: R4's ServiceRequest, and STU3's ReferralRequest, which the
# e-Referral Service still serves.
REQUEST_TYPES = ("ServiceRequest", "ReferralRequest")


@dataclass(frozen=True)
class Entry:
    place: Place
    full_url: str | None
    resource: Any  # a fhir.resources model, R4B or STU3
    bundle_time: str | None = None  # the bundle's timestamp (or lastUpdated), ISO 8601

    @property
    def resource_type(self) -> str:
        return str(self.resource.get_resource_type())

    @property
    def keys(self) -> set[str]:
        """What a reference to this entry may say: its fullUrl, or Type/id."""
        keys = {self.full_url} if self.full_url else set()
        if self.resource.id:
            keys.add(f"{self.resource_type}/{self.resource.id}")
        return keys


class ResourceIndex:
    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = list(entries)
        self._by_key: dict[str, Any] = {}
        for entry in self.entries:
            for key in entry.keys:
                self._by_key[key] = entry.resource

    def resolve(self, reference: Any, *owners: Any) -> Any:
        """The resource a Reference names, or None when it is not in the file. A "#id" is looked
        for among each owner's contained resources in turn (a contained resource's own "#id"
        references point into the resource that contains it, so that one is passed too)."""
        target = getattr(reference, "reference", None)
        if not target:
            return None
        if target.startswith("#"):
            for owner in owners:
                for contained in getattr(owner, "contained", None) or []:
                    if contained.id == target[1:]:
                        return contained
            return None
        return self._by_key.get(target)

    def keys_of(self, resource: Any) -> set[str]:
        """How the file may refer to a resource: its entry's keys (contained: nothing more)."""
        for entry in self.entries:
            if entry.resource is resource:
                return entry.keys
        return set()

    def of_type(self, resource_type: str) -> list[Any]:
        return [e.resource for e in self.entries if e.resource_type == resource_type]
