"""Policy versions as stored, and who put which in force when."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session, aliased

from db.queries.convert import stored_policy_from
from db.tables import PolicyActivationRow, PolicyVersionRow, UserRow
from triage.models import PolicyActivation, StoredPolicy, User

# Made once: an alias made afresh for each query has its columns adapted afresh each time, which
# was a fifth of `triage apply`'s time (issue 18).
_ADDED_BY = aliased(UserRow, name="added_by")
_ACTIVATED_BY = aliased(UserRow, name="activated_by")


class Policies:
    def __init__(self, session: Session) -> None:
        self._session = session

    def find(
        self,
        *,
        sha256: str | None = None,
        policy_id: str | None = None,
        version: str | None = None,
    ) -> StoredPolicy | None:
        """The stored version with this content, or with this id and version."""
        if sha256 is not None:
            found = self._policies(PolicyVersionRow.content_sha256 == sha256)
        else:
            found = self._policies(
                PolicyVersionRow.policy_id == policy_id, PolicyVersionRow.version == version
            )
        return found[0] if found else None

    def versions(self, policy_id: str | None = None) -> list[StoredPolicy]:
        """Stored versions, newest first; all of them, or those of one policy id."""
        if policy_id is None:
            return self._policies()
        return self._policies(PolicyVersionRow.policy_id == policy_id)

    def _policies(self, *conditions: ColumnElement[bool]) -> list[StoredPolicy]:
        query = (
            select(PolicyVersionRow, UserRow.name)
            .join(UserRow, UserRow.id == PolicyVersionRow.added_by_id)
            .where(*conditions)
            .order_by(PolicyVersionRow.id.desc())
        )
        return [stored_policy_from(row, added_by) for row, added_by in self._session.execute(query)]

    def add(
        self,
        *,
        policy_id: str,
        version: str,
        title: str,
        content_sha256: str,
        file_name: str,
        text: str,
        added_by: User,
        added_at: datetime,
    ) -> StoredPolicy:
        row = PolicyVersionRow(
            policy_id=policy_id,
            version=version,
            title=title,
            content_sha256=content_sha256,
            file_name=file_name,
            text=text,
            added_by_id=added_by.id,
            added_at=added_at,
        )
        self._session.add(row)
        self._session.flush()
        return stored_policy_from(row, added_by.name)

    def activate(self, policy: StoredPolicy, by: User, at: datetime) -> None:
        self._session.add(
            PolicyActivationRow(
                policy_version_id=policy.row_id, activated_by_id=by.id, activated_at=at
            )
        )
        self._session.flush()

    def activations(self, *, limit: int | None = None) -> list[PolicyActivation]:
        """Activations, latest first: the first is the policy in force."""
        added_by, activated_by = _ADDED_BY, _ACTIVATED_BY
        query = (
            select(
                PolicyVersionRow,
                added_by.name,
                activated_by.name,
                PolicyActivationRow.activated_at,
            )
            .join(PolicyActivationRow, PolicyActivationRow.policy_version_id == PolicyVersionRow.id)
            .join(added_by, added_by.id == PolicyVersionRow.added_by_id)
            .join(activated_by, activated_by.id == PolicyActivationRow.activated_by_id)
            .order_by(PolicyActivationRow.id.desc())
            .limit(limit)
        )
        return [
            PolicyActivation(stored_policy_from(row, adder), activator, at)
            for row, adder, activator, at in self._session.execute(query)
        ]
