"""What the decision log says the other tables hold, compared with what they hold now.

The hash chain proves the entries are as written; these checks prove the rows the entries
speak of are too: each decision and its letters, the request each entry was about (who the
patient is), and each user's role. They are gathered entry by entry while the chain is walked
(`entry`), then compared with the tables once it holds (`tables`), so a row changed with plain
SQL is named even when the log itself is untouched (docs/reliability.md §4.3).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from db import Transaction, UnreadableEntry
from triage import audit
from triage.models import DECISION_EVENTS, USER_EVENTS, Decision, LetterKind, LogEntry, LogEvent

# What an entry records of its request, and how to say it.
IDENTITY = {
    "ref": "reference",
    "sender": "sender",
    "nhs_number": "NHS number",
    "patient_name": "patient's name",
    "date_of_birth": "date of birth",
}
_ROLE_WORDS = {"clerk": "a clerk", "gp": "a GP", "manager": "a manager"}


@dataclass(frozen=True)
class _Known:
    """A user as the log last had them, and the entry that said so."""

    role: str
    active: bool
    seq: int


@dataclass(frozen=True)
class Finding:
    seq: int | None  # the entry it concerns, if one does
    problem: str


@dataclass
class Stamps:
    """Who PostgreSQL recorded as writing the entries (migration 0011): the entry's own actor
    connected as themselves, or a login that is no user's (a shared login before roles were set
    up, or the database's owner). Entries stored without a stamp (SQLite, or before 0011) are
    `unstamped`."""

    by_actor: Counter[str] = field(default_factory=Counter)
    other_login: Counter[str] = field(default_factory=Counter)
    unstamped: int = 0


class LogChecks:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx
        self.stamps = Stamps()
        self._user_names: set[str] | None = None  # read when first needed
        self._requests: dict[int, tuple[int, dict[str, object]]] = {}  # id -> (seq, recorded)
        self._users: dict[str, _Known] = {}
        # From the first user entry on, the log accounts for every user; before it (a log
        # begun by an earlier version), a user is known by the role they acted in.
        self._users_chained = False
        self._decided: set[int] = set()
        self._policies: dict[str, bool] = {}  # sha256 -> stored
        # The decisions the next entries name, read a batch at a time (`prefetched`).
        self._read_ahead: dict[int, tuple[Decision, dict[LetterKind, str]]] = {}

    def prefetched(self, entries: Iterable[LogEntry], batch: int = 1000) -> Iterator[LogEntry]:
        """The entries as they come, with the decisions they name read ahead a batch at a time:
        two reads per thousand entries rather than three per decision."""
        buffer: list[LogEntry] = []
        try:
            for entry in entries:
                buffer.append(entry)
                if len(buffer) == batch:
                    self._read_decisions(buffer)
                    yield from buffer
                    buffer = []
        except UnreadableEntry:  # it ends the walk: the good entries before it still count
            self._read_decisions(buffer)
            yield from buffer
            raise
        self._read_decisions(buffer)
        yield from buffer

    def _read_decisions(self, entries: list[LogEntry]) -> None:
        ids = [entry.decision_id for entry in entries if entry.decision_id is not None]
        try:
            self._read_ahead = self._tx.decisions.with_letter_hashes(ids)
        except ValueError:  # a row no decision can hold: read one by one, to name it
            self._read_ahead = {}

    # --- entry by entry ---------------------------------------------------------------------

    def entry(self, entry: LogEntry, body: dict[str, object]) -> str:
        """How the entry (and its body, as the chain check read it) disagrees with what it
        recorded, or with the users before it ("")."""
        problem = (
            self._stamp(entry)
            or self._actor(entry, body)
            or self._user_change(entry, body)
            or self._decision(entry, body)
            or self._policy(entry, body)
        )
        request = body.get("request")
        if not problem and isinstance(request, dict) and isinstance(request.get("id"), int):
            self._requests[request["id"]] = (entry.seq, request)
        return problem

    def _stamp(self, entry: LogEntry) -> str:
        """The database's stamp of who was connected, against the actor the entry names: a
        person connected as themselves writing under another's name is what database roles
        refuse, so such an entry was forced in, or its stamp changed afterwards."""
        if entry.db_actor is None:
            self.stamps.unstamped += 1
            return ""
        if entry.db_actor == entry.actor:
            self.stamps.by_actor[entry.actor] += 1
            return ""
        if self._user_names is None:
            self._user_names = set(self._tx.users.as_stored())
        if entry.db_actor in self._user_names:
            return (
                f"it names {entry.actor} as its actor, but the database recorded {entry.db_actor} "
                "as connected when it was written (written under another person's name)"
            )
        self.stamps.other_login[entry.db_actor] += 1
        return ""

    def _actor(self, entry: LogEntry, body: dict[str, object]) -> str:
        name, role = entry.actor, str(body.get("role"))
        known = self._users.get(name)
        if known is None:
            adds_self = entry.event == LogEvent.USER_ADDED and _subject(body) == name
            if self._users_chained and not adds_self:
                return f"{name} acted, but no entry before it made them a user"
            if not self._users_chained:
                self._users[name] = _Known(role, True, entry.seq)
            return ""
        if not known.active:
            return f"{name} acted after entry {known.seq} withdrew their access"
        if role != known.role:
            return (
                f"{name} acted as {_ROLE_WORDS.get(role, role)}, but entry {known.seq} "
                f"recorded them as {_ROLE_WORDS.get(known.role, known.role)}"
            )
        return ""

    def _user_change(self, entry: LogEntry, body: dict[str, object]) -> str:
        if entry.event not in USER_EVENTS:
            return ""
        listed = body.get("users") if entry.event == LogEvent.USERS_RECORDED else [body.get("user")]
        if not isinstance(listed, list) or not all(_is_user(user) for user in listed):
            return "it does not say which user it records"
        if entry.event == LogEvent.USERS_RECORDED:
            self._users = {}
        for user in listed:
            self._users[user["name"]] = _Known(user["role"], user["active"], entry.seq)
        self._users_chained = True
        return ""

    def _decision(self, entry: LogEntry, body: dict[str, object]) -> str:
        """How the decision an entry recorded differs from what is stored now, if it does."""
        if entry.decision_id is None:
            if entry.event in DECISION_EVENTS:
                return "it records a decision but names none"
            return ""
        self._decided.add(entry.decision_id)
        tx = self._tx
        read = self._read_ahead.pop(entry.decision_id, None)
        if read is not None:
            decision, stored = read
        else:
            try:
                found = tx.decisions.get(entry.decision_id)
            except ValueError as unreadable:  # a stored value no decision can hold ('memo')
                ref = body.get("our_ref", entry.decision_id)
                return f"decision {ref} was changed after it was recorded ({unreadable})"
            if found is None:
                return f"its decision {entry.decision_id} is missing"
            decision, stored = found, tx.decisions.letter_hashes(found.id)
        texts = {kind: audit.text_sha256(text) for kind, text in decision.letters.items()}
        recorded_letters = body.get("letters_sha256")
        if {kind.value: sha for kind, sha in texts.items()} != recorded_letters or stored != texts:
            return f"the letters of decision {decision.our_ref} were changed after it was recorded"
        # Every part the entry recorded (a log written by an earlier version recorded fewer),
        # against the same summary made from the decision as it is stored now.
        now = {
            **audit.decision_details(decision, texts),
            "request": decision.request_id,
            "actor": decision.decided_by,
            "role": decision.role.value,
        }
        recorded = {**body, "request": _request_id(body), "actor": entry.actor}
        changed = sorted(key for key in now if key in body and recorded[key] != now[key])
        if changed:
            return (
                f"decision {decision.our_ref} was changed after it was recorded "
                f"({', '.join(changed)})"
            )
        return ""

    def _policy(self, entry: LogEntry, body: dict[str, object]) -> str:
        """A decision or an activation names a policy by its SHA-256: it must be stored."""
        policy = body.get("policy")
        if entry.event == LogEvent.POLICY_ACTIVATED:
            sha = body.get("policy_sha256")
        elif entry.event in DECISION_EVENTS and isinstance(policy, dict):
            sha = policy.get("sha256")
        else:
            return ""
        if not isinstance(sha, str):
            return "it does not say which policy"
        if sha not in self._policies:
            self._policies[sha] = self._tx.policies.find(sha256=sha) is not None
        if not self._policies[sha]:
            return f"the policy it names (sha256 {sha[:16]}…) is not among the stored policies"
        return ""

    # --- the tables, once the chain holds ---------------------------------------------------

    def tables(self) -> Finding | None:
        """The first way the tables differ from what the log recorded, if they do."""
        return self._unlogged_decision() or self._changed_request() or self._changed_user()

    def _unlogged_decision(self) -> Finding | None:
        refs = self._tx.decisions.refs()
        missing = sorted(set(refs) - self._decided)
        if missing:
            return Finding(
                None,
                f"decision {refs[missing[0]]} has no log entry (added outside the program, "
                "or its entry was removed)",
            )
        return None

    def _changed_request(self) -> Finding | None:
        current = self._tx.requests.identities(list(self._requests))
        for request_id, (seq, recorded) in sorted(self._requests.items(), key=lambda i: i[1][0]):
            ref = recorded.get("ref", request_id)
            now = current.get(request_id)
            if now is None:
                return Finding(seq, f"request {ref} is missing from the requests table")
            changed = [
                words
                for key, words in IDENTITY.items()
                if key in recorded and recorded[key] != now[key]
            ]
            if changed:
                return Finding(
                    seq,
                    f"request {ref}'s {' and '.join(changed)} in the requests table "
                    "differ(s) from what this entry recorded (changed outside the program)",
                )
        return None

    def _changed_user(self) -> Finding | None:
        stored = self._tx.users.as_stored()
        for name, known in sorted(self._users.items(), key=lambda item: item[1].seq):
            if name not in stored:
                return Finding(known.seq, f"user {name} is missing from the users table")
            role, active = stored[name]
            if role != known.role:
                return Finding(
                    known.seq,
                    f"user {name} is {_ROLE_WORDS.get(role, repr(role))} in the users table, "
                    f"but this entry recorded them as {_ROLE_WORDS.get(known.role, known.role)}"
                    " (changed outside the program)",
                )
            if active != known.active:
                access = "has access" if active else "has no access"
                return Finding(
                    known.seq,
                    f"user {name} {access} in the users table, unlike what this entry recorded "
                    "(changed outside the program)",
                )
        if self._users_chained:
            for name in sorted(set(stored) - set(self._users)):
                return Finding(
                    None,
                    f"user {name} is in the users table, but no log entry added them "
                    "(added outside the program)",
                )
        return None


def _subject(body: dict[str, object]) -> object:
    user = body.get("user")
    return user.get("name") if isinstance(user, dict) else None


def _is_user(value: object) -> bool:
    return (
        isinstance(value, dict)
        and isinstance(value.get("name"), str)
        and isinstance(value.get("role"), str)
        and isinstance(value.get("active"), bool)
    )


def _request_id(body: dict[str, object]) -> object:
    request = body.get("request")
    return request.get("id") if isinstance(request, dict) else None
