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
    """Lookups made once for the whole file, so that a file of thousands of entries is read in
    time proportional to its size, not to its size squared."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = list(entries)
        self._by_key: dict[str, Any] = {}
        self._keys_of: dict[int, set[str]] = {}
        self._by_type: dict[str, list[Any]] = {}
        self._roles_by_practitioner: dict[str, list[tuple[int, Any]]] = {}
        for entry in self.entries:
            keys = entry.keys
            self._keys_of.setdefault(id(entry.resource), keys)
            for key in keys:
                self._by_key[key] = entry.resource
            self._by_type.setdefault(entry.resource_type, []).append(entry.resource)
        for position, role in enumerate(self.of_type("PractitionerRole")):
            practitioner = role.practitioner.reference if role.practitioner else None
            if practitioner:
                self._roles_by_practitioner.setdefault(practitioner, []).append((position, role))

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
        return self._keys_of.get(id(resource), set())

    def of_type(self, resource_type: str) -> list[Any]:
        return self._by_type.get(resource_type, [])

    def roles_of(self, practitioner_keys: set[str]) -> list[Any]:
        """The PractitionerRoles whose practitioner is referred to by any of these keys, in
        file order."""
        found = {
            position: role
            for key in practitioner_keys
            for position, role in self._roles_by_practitioner.get(key, [])
        }
        return [found[position] for position in sorted(found)]
