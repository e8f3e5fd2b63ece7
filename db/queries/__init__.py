"""One transaction's queries, by area, in the vocabulary of triage.models: `tx.users`,
`tx.requests`, `tx.assessments`, `tx.policies`, `tx.practice`, `tx.decisions`, `tx.log`,
`tx.exports`, `tx.originals`, `tx.roles`, `tx.changes` and `tx.caseload`. A Transaction lives
for one Database.read() or Database.write(); nothing outside db/ sees a Session or a row class."""

from __future__ import annotations

from sqlalchemy.orm import Session, SessionTransaction

from db.queries.assessments import Assessments
from db.queries.caseload import Caseload
from db.queries.changes import Changes
from db.queries.decisions import Decisions
from db.queries.exports import Exports
from db.queries.log import Log
from db.queries.originals import Originals
from db.queries.policies import Policies
from db.queries.practice import PracticeDetails
from db.queries.requests import Requests
from db.queries.roles import DatabaseRoles
from db.queries.users import Users

__all__ = ["Savepoint", "Transaction"]


class Savepoint:
    """Part of a transaction that can be undone alone (an import's file refused part way)."""

    def __init__(self, nested: SessionTransaction) -> None:
        self._nested = nested

    def keep(self) -> None:
        self._nested.commit()  # released: the outer transaction still decides

    def undo(self) -> None:
        self._nested.rollback()


class Transaction:
    def __init__(self, session: Session) -> None:
        self._session = session
        self.users = Users(session)
        self.requests = Requests(session)
        self.assessments = Assessments(session)
        self.policies = Policies(session)
        self.practice = PracticeDetails(session)
        self.decisions = Decisions(session)
        self.log = Log(session)
        self.exports = Exports(session)
        self.originals = Originals(session)
        self.roles = DatabaseRoles(session)
        self.changes = Changes(session)
        self.caseload = Caseload(session)

    def savepoint(self) -> Savepoint:
        """From here, what can be undone without undoing the rest of the transaction."""
        return Savepoint(self._session.begin_nested())
