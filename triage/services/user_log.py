"""Users in the decision log: adding one, changing a role and withdrawing access are chained
entries like decisions, so a role changed in the users table behind the program's back is found
by `triage log verify` (services/log_checks.py)."""

from __future__ import annotations

from datetime import datetime

from db import Transaction
from triage import audit
from triage.models import USER_EVENTS, LogEvent, User


def user_fields(user: User) -> dict[str, object]:
    return {
        "name": user.name,
        "role": user.role.value,
        "full_name": user.full_name,
        "active": user.active,
    }


def record_users_so_far(tx: Transaction, actor: User, now: datetime) -> None:
    """Before the first user entry of a log begun by an earlier version, record every user as
    they are, so that from here on the log accounts for each of them. Call it before the change."""
    if tx.users.count() == 0 or any(tx.log.count(event.value) for event in USER_EVENTS):
        return
    audit.append(
        tx,
        event=LogEvent.USERS_RECORDED,
        user=actor,
        at=now,
        details={"users": [user_fields(user) for user in tx.users.all()]},
    )


def log_user(
    tx: Transaction,
    event: LogEvent,
    *,
    actor: User,
    subject: User,
    now: datetime,
    details: dict[str, object] | None = None,
) -> None:
    """Chain the change to `subject` (as it is now), made by `actor` (as they were)."""
    audit.append(
        tx,
        event=event,
        user=actor,
        at=now,
        details={"user": user_fields(subject), **(details or {})},
    )
