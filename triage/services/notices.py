"""Handing existing patients back with notice (docs/caseload.md): import the caseload, plan the
policy's notices, send them (per patient and per team, every letter in the decision log), record
a GP's sign-off and the teams' confirmations, and chase the replies that are overdue.

The log is the record: each entry about a hand-back carries its letters whole, and what has been
sent, signed off, confirmed or chased is read back from it, so running `send` or `chase` again
records nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from db import Transaction
from policies.notices import NoticePlan, PlannedHandBack, plan_notices
from policies.schema import Policy
from triage import audit
from triage.errors import ProblemsFound, UserError
from triage.letters.notices import (
    NoticeHeader,
    NoticePatient,
    draft_notice,
    draft_team_letter,
)
from triage.models import (
    CaseloadEntry,
    DecisionFilter,
    HandBackKey,
    HandBackRecord,
    LogEntry,
    LogEvent,
    Practice,
    Recorded,
    normalise_nhs_number,
    practice_date,
    sender_key,
)
from triage.rules import Permission, require
from triage.services.deciding.steps import practice_required
from triage.services.policy import PolicyInForce, policy_in_force
from triage.services.workspace import Workspace

HAND_BACK_EVENTS = (
    LogEvent.HAND_BACK_SIGNED_OFF,
    LogEvent.NOTICE_SENT,
    LogEvent.HAND_BACK_CONFIRMED,
    LogEvent.HAND_BACK_CHASED,
)


# --- the caseload --------------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseloadImported:
    file: str
    added: int
    updated: int
    unchanged: int
    rejected: int
    problems: list[str]  # with skip_invalid, the rows left out


def import_caseload(
    workspace: Workspace, path: Path, *, skip_invalid: bool = False, name: str | None = None
) -> CaseloadImported:
    """Read a search export of existing patients into the caseload: all or nothing unless
    `skip_invalid`, and logged. `name` is what the caseload and the log call the file (the
    path, unless given)."""
    require(workspace.user, Permission.IMPORT_CASELOAD)
    from triage.intake.caseload_reader import read_caseload_file  # the readers, when reading

    now = workspace.clock.now()
    read = read_caseload_file(path, today=workspace.clock.today(), name=name)
    problems = [str(problem) for problem in read.problems]
    if read.file_rejected or (problems and not skip_invalid):
        count = len(problems)
        raise ProblemsFound(
            f"nothing imported: {count} problem{'s' if count != 1 else ''} in {read.name}"
            + ("" if read.file_rejected else "; correct the file, or use --skip-invalid"),
            problems,
        )
    with workspace.database.write() as tx:
        stored = tx.caseload.store(read.entries, by=workspace.user, at=now)
        audit.append(
            tx,
            event=LogEvent.CASELOAD_IMPORTED,
            user=workspace.user,
            at=now,
            details={
                "file": read.name,
                "file_sha256": read.sha256,
                "added": stored.added,
                "updated": stored.updated,
                "unchanged": stored.unchanged,
                "rejected": read.rows_rejected,
            },
        )
    return CaseloadImported(
        read.name, stored.added, stored.updated, stored.unchanged, read.rows_rejected, problems
    )


def caseload(workspace: Workspace) -> list[CaseloadEntry]:
    """Every existing patient: the imported caseload, then those taken on by accepting a
    request that the caseload does not already list."""
    require(workspace.user, Permission.VIEW_QUEUE)
    with workspace.database.read() as tx:
        return _caseload(tx)


def _caseload(tx: Transaction) -> list[CaseloadEntry]:
    imported = tx.caseload.entries()
    listed = {(entry.nhs_number, sender_key(entry.medication)) for entry in imported}
    accepted = [
        entry
        for entry in tx.caseload.accepted_requests()
        if (entry.nhs_number, sender_key(entry.medication)) not in listed
    ]
    return imported + accepted


# --- the plan ------------------------------------------------------------------------------------


def notice_plan(workspace: Workspace) -> NoticePlan:
    """Who the policy in force hands back, to whom and when, and what holds each."""
    require(workspace.user, Permission.VIEW_QUEUE)
    in_force = _policy(workspace)
    with workspace.database.read() as tx:
        return _plan(tx, in_force.loaded.policy, workspace.clock.today())


def _policy(workspace: Workspace) -> PolicyInForce:
    in_force = policy_in_force(workspace)
    if in_force is None:
        raise UserError(
            "no policy is in force, so no notice can be planned: a manager activates one"
        )
    return in_force


def _plan(tx: Transaction, policy: Policy, today: date) -> NoticePlan:
    return plan_notices(policy, _caseload(tx), hand_back_records(tx), today)


def hand_back_records(tx: Transaction) -> dict[HandBackKey, HandBackRecord]:
    """What the decision log says about every hand-back."""
    records: dict[HandBackKey, HandBackRecord] = {}
    for entry in tx.log.of_events([event.value for event in HAND_BACK_EVENTS]):
        try:
            _read_entry(records, entry)
        except (KeyError, TypeError, ValueError, AttributeError):
            # Written by this program, so only a change outside it makes one unreadable.
            raise UserError(
                f"entry {entry.seq} of the decision log is not as this program writes it: "
                "`triage log verify` says whether the log was changed"
            ) from None
    return records


def _read_entry(records: dict[HandBackKey, HandBackRecord], entry: LogEntry) -> None:
    body = json.loads(entry.body)
    on = practice_date(entry.at)
    recorded = Recorded(entry.actor, on, entry.seq, body.get("note"))
    if entry.event == LogEvent.HAND_BACK_CHASED:
        for key in body["hand_backs"]:
            _record(records, key).chased.append(recorded)
        return
    record = _record(records, body["hand_back"])
    record.category = record.category or body.get("category")
    if entry.event == LogEvent.HAND_BACK_SIGNED_OFF:
        record.signed_off = recorded
    elif entry.event == LogEvent.NOTICE_SENT:
        record.sent = recorded
        record.ref = body["our_ref"]
        record.return_to = body["return_to"]
        record.hand_back_on = date.fromisoformat(body["hand_back_on"])
        record.confirm_by = date.fromisoformat(body["confirm_by"])
    elif entry.event == LogEvent.HAND_BACK_CONFIRMED:
        record.confirmed = recorded


def _record(records: dict[HandBackKey, HandBackRecord], key: dict[str, str]) -> HandBackRecord:
    parsed = HandBackKey(**key)
    return records.setdefault(parsed, HandBackRecord(parsed))


# --- sending -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TeamBatch:
    team: str
    our_ref: str  # the covering letter's, or the reminder's
    refs: list[str]  # the patients' hand-backs in it


@dataclass(frozen=True)
class NoticesSent:
    batches: list[TeamBatch]
    awaiting_sign_off: int  # not sent: a GP signs them off first

    @property
    def sent(self) -> int:
        return sum(len(batch.refs) for batch in self.batches)


def send_notices(workspace: Workspace) -> NoticesSent:
    """Record, for every hand-back ready to go, the notice to the team, the patient's letter and
    SMS; and for each team one covering letter listing its patients. All in one transaction; a
    hand-back already sent is never sent again."""
    require(workspace.user, Permission.SEND_NOTICES)
    in_force = _policy(workspace)
    policy = in_force.loaded.policy
    now, today = workspace.clock.now(), workspace.clock.today()
    with workspace.database.write() as tx:
        tx.log.head()  # hold the log: two managers sending at once must not both send
        plan = _plan(tx, policy, today)
        ready = plan.with_status("ready")
        waiting = len(plan.with_status("awaiting_sign_off"))
        if not ready:
            return NoticesSent([], waiting)
        practice, letters_dir = practice_required(tx)
        template_dir = Path(letters_dir) if letters_dir else None
        writing = _Writing(tx, workspace, in_force, practice, template_dir, today, now)
        numbered = tx.log.count(LogEvent.NOTICE_SENT.value)
        batches = tx.log.count(LogEvent.NOTICE_COVERING.value)
        sent: list[TeamBatch] = []
        for team, items in _by_team(ready):
            batches += 1
            batch = TeamBatch(team, f"HBT-{batches:05d}", [])
            patients = []
            for item in items:
                numbered += 1
                ref = f"HB-{numbered:06d}"
                patient = _notice_patient(
                    item, ref, today + timedelta(item.notice.confirm_within_days)
                )
                letters = draft_notice(
                    practice,
                    patient,
                    item.return_to,
                    item.category,
                    _header(in_force, item),
                    workspace.user,
                    today,
                    template_dir,
                )
                audit.append(
                    tx,
                    event=LogEvent.NOTICE_SENT,
                    user=workspace.user,
                    at=now,
                    details={
                        **_about(item, in_force),
                        "our_ref": ref,
                        "batch": batch.our_ref,
                        "hand_back_on": patient.hand_back_on.isoformat(),
                        "confirm_by": patient.confirm_by.isoformat(),
                        "letters": {
                            "specialist": letters.specialist,
                            "patient": letters.patient,
                            "sms": letters.sms,
                        },
                    },
                )
                batch.refs.append(ref)
                patients.append(patient)
            writing.team_letter(
                LogEvent.NOTICE_COVERING,
                "notice.covering.j2",
                batch,
                items,
                patients,
                {"hand_backs": batch.refs},
            )
            sent.append(batch)
    return NoticesSent(sent, waiting)


@dataclass(frozen=True)
class _Writing:
    """What drafting and recording a hand-back's letters needs, inside one transaction."""

    tx: Transaction
    workspace: Workspace
    in_force: PolicyInForce
    practice: Practice
    template_dir: Path | None
    today: date
    now: datetime

    def team_letter(
        self,
        event: LogEvent,
        template: str,
        batch: TeamBatch,
        items: Sequence[PlannedHandBack],
        patients: Sequence[NoticePatient],
        details: dict[str, object],
    ) -> None:
        """One team's covering letter or reminder, drafted and recorded whole in the log."""
        letter = draft_team_letter(
            template,
            self.practice,
            batch.team,
            patients,
            _header(self.in_force, items[0]),
            self.workspace.user,
            self.today,
            batch.our_ref,
            self.template_dir,
        )
        audit.append(
            self.tx,
            event=event,
            user=self.workspace.user,
            at=self.now,
            details={"our_ref": batch.our_ref, "team": batch.team, **details, "letter": letter},
        )


def _by_team(items: Sequence[PlannedHandBack]) -> list[tuple[str, list[PlannedHandBack]]]:
    teams: dict[str, tuple[str, list[PlannedHandBack]]] = {}
    for item in items:
        teams.setdefault(sender_key(item.return_to), (item.return_to, []))[1].append(item)
    return sorted(teams.values(), key=lambda team: team[0].casefold())


def _notice_patient(item: PlannedHandBack, ref: str, confirm_by: date) -> NoticePatient:
    patient = item.patient
    record = item.record
    return NoticePatient(
        name=patient.patient_name,
        date_of_birth=patient.date_of_birth,
        nhs_number=patient.nhs_number,
        medications=item.medications,
        team=patient.team,
        our_ref=ref,
        hand_back_on=item.hand_back_on,
        confirm_by=item.confirm_by or confirm_by,
        sent_on=record.sent.on if record and record.sent else None,
    )


def _header(in_force: PolicyInForce, item: PlannedHandBack) -> NoticeHeader:
    header = in_force.loaded.policy.policy
    return NoticeHeader(
        header.title, header.version, header.source, header.signatory, item.notice.notice_months
    )


def _about(item: PlannedHandBack, in_force: PolicyInForce) -> dict[str, object]:
    """What every entry about a hand-back says of it: which, whom, and under which policy."""
    patient = item.patient
    policy = in_force.loaded
    return {
        "hand_back": item.key.as_dict(),
        "patient": {
            "nhs_number": patient.nhs_number,
            "patient_name": patient.patient_name,
            "date_of_birth": patient.date_of_birth.isoformat(),
        },
        "category": item.category.value,
        "medications": list(item.medications),
        "team": patient.team,
        "return_to": item.return_to,
        "policy": {
            "id": policy.policy.id,
            "version": policy.policy.version,
            "sha256": policy.sha256,
        },
    }


# --- a GP's sign-off, the team's confirmation, and chasing ---------------------------------------


def sign_off_hand_back(workspace: Workspace, nhs_number: str, note: str) -> list[str]:
    """A GP agrees that the patient's hand-backs waiting for sign-off may go; their notice goes
    with the next `send`. Returns the categories signed off."""
    require(workspace.user, Permission.SIGN_OFF_HAND_BACK)
    if not note.strip():
        raise UserError("a GP's sign-off needs a note: what they checked")
    in_force = _policy(workspace)
    number = normalise_nhs_number(nhs_number)
    now = workspace.clock.now()
    with workspace.database.write() as tx:
        tx.log.head()
        plan = _plan(tx, in_force.loaded.policy, workspace.clock.today())
        waiting = [
            item for item in plan.with_status("awaiting_sign_off") if item.key.nhs_number == number
        ]
        if not waiting:
            raise UserError(
                f"no hand-back of NHS number {nhs_number} is waiting for a GP's sign-off"
            )
        for item in waiting:
            audit.append(
                tx,
                event=LogEvent.HAND_BACK_SIGNED_OFF,
                user=workspace.user,
                at=now,
                details={**_about(item, in_force), "note": note.strip()},
            )
    return [item.category.label for item in waiting]


def confirm_hand_back(workspace: Workspace, our_ref: str, note: str) -> PlannedHandBack:
    """Record that the specialist team confirmed it has taken the patient on (their reply,
    quoting our reference): the hand-back is complete and its tasks end."""
    require(workspace.user, Permission.CONFIRM_HAND_BACK)
    if not note.strip():
        raise UserError("say how the team confirmed, e.g. 'letter from Dr Rao, 3 December'")
    in_force = _policy(workspace)
    wanted = our_ref.strip().upper()
    now = workspace.clock.now()
    with workspace.database.write() as tx:
        tx.log.head()
        plan = _plan(tx, in_force.loaded.policy, workspace.clock.today())
        item = next((i for i in plan.hand_backs if i.record and i.record.ref == wanted), None)
        if item is None:
            raise UserError(f"{our_ref}: no notice with this reference was sent")
        assert item.record is not None
        confirmed = item.record.confirmed
        if confirmed is not None:
            raise UserError(
                f"{wanted} was already confirmed on {confirmed.on.isoformat()} by {confirmed.by}"
            )
        audit.append(
            tx,
            event=LogEvent.HAND_BACK_CONFIRMED,
            user=workspace.user,
            at=now,
            details={**_about(item, in_force), "our_ref": wanted, "note": note.strip()},
        )
    return item


@dataclass(frozen=True)
class ReplyRead:
    file: str
    confirmed: list[str]  # the references recorded as confirmed
    already: list[str]  # quoted, but confirmed before
    unknown: list[str]  # quoted, but no notice was sent under them


def confirm_from_reply(workspace: Workspace, path: Path) -> ReplyRead:
    """Record the hand-backs a team's reply letter confirms: every reference of ours it quotes,
    when its words plainly take the patients on. A reply that also says no, or does not say
    yes plainly, is refused for a person to read (nothing is recorded). The letter is kept,
    unchanged, with the evidence of every request's letter."""
    require(workspace.user, Permission.CONFIRM_HAND_BACK)
    from triage.intake.replies import read_reply  # the letter readers, when reading

    in_force = _policy(workspace)
    reply = read_reply(path)
    if not reply.refs:
        raise UserError(
            f"{reply.name}: quotes no reference of ours (HB-000123): read it and record the "
            "reply with `triage notice confirm REF --note ...`"
        )
    if reply.unsure_because:
        raise UserError(
            f"{reply.name}: {reply.unsure_because}, so a person must read it; it quotes "
            f"{', '.join(reply.refs)}. Record what it says with `triage notice confirm REF "
            "--note ...`"
        )
    now = workspace.clock.now()
    note = f"reply letter {reply.name} (sha256 {reply.sha256[:16]}): {reply.accepts!r}"
    read = ReplyRead(reply.name, [], [], [])
    with workspace.database.write() as tx:
        tx.log.head()
        plan = _plan(tx, in_force.loaded.policy, workspace.clock.today())
        by_ref = {i.record.ref: i for i in plan.hand_backs if i.record and i.record.ref}
        for ref in reply.refs:
            item = by_ref.get(ref)
            if item is None:
                read.unknown.append(ref)
            elif item.record is not None and item.record.confirmed is not None:
                read.already.append(ref)
            else:
                audit.append(
                    tx,
                    event=LogEvent.HAND_BACK_CONFIRMED,
                    user=workspace.user,
                    at=now,
                    details={**_about(item, in_force), "our_ref": ref, "note": note,
                             "reply_sha256": reply.sha256},
                )  # fmt: skip
                read.confirmed.append(ref)
        if read.confirmed:
            tx.originals.keep(reply.sha256, reply.name, reply.data, now)
    return read


def chase_overdue(workspace: Workspace) -> list[TeamBatch]:
    """For each team with hand-backs past their reply date and not chased within the notice's
    `chase_every_days`, record one reminder letter listing them."""
    require(workspace.user, Permission.CONFIRM_HAND_BACK)
    in_force = _policy(workspace)
    now, today = workspace.clock.now(), workspace.clock.today()
    with workspace.database.write() as tx:
        tx.log.head()
        plan = _plan(tx, in_force.loaded.policy, today)
        due = [item for item in plan.overdue if _chase_due(item, today)]
        if not due:
            return []
        practice, letters_dir = practice_required(tx)
        writing = _Writing(
            tx,
            workspace,
            in_force,
            practice,
            Path(letters_dir) if letters_dir else None,
            today,
            now,
        )
        numbered = tx.log.count(LogEvent.HAND_BACK_CHASED.value)
        chased: list[TeamBatch] = []
        for team, items in _by_team(due):
            numbered += 1
            refs = [item.record.ref for item in items if item.record and item.record.ref]
            batch = TeamBatch(team, f"HBC-{numbered:05d}", refs)
            patients = [
                _notice_patient(item, item.record.ref or "", today)
                for item in items
                if item.record is not None
            ]
            writing.team_letter(
                LogEvent.HAND_BACK_CHASED,
                "chase.covering.j2",
                batch,
                items,
                patients,
                {"hand_backs": [item.key.as_dict() for item in items], "refs": refs},
            )
            chased.append(batch)
    return chased


def _chase_due(item: PlannedHandBack, today: date) -> bool:
    record = item.record
    if record is None:
        return False
    last = max((chase.on for chase in record.chased), default=None)
    return last is None or (today - last).days >= item.notice.chase_every_days


def hand_back_letter_files(tx: Transaction, chosen: DecisionFilter) -> Iterator[tuple[str, str]]:
    """Every hand-back letter the filter covers, as (file name, text), for `letters export`:
    2026-11-27_HB-000012_9434765919_specialist.txt, 2026-11-27_HBT-00003_covering.txt. The
    filter's dates, category and person apply; an action picks out decisions only."""
    if chosen.action is not None:
        return
    events = [LogEvent.NOTICE_SENT, LogEvent.NOTICE_COVERING, LogEvent.HAND_BACK_CHASED]
    for entry in tx.log.of_events([event.value for event in events]):
        on = practice_date(entry.at)
        body = json.loads(entry.body)
        if (
            (chosen.start is not None and on < chosen.start)
            or (chosen.end is not None and on > chosen.end)
            or (chosen.user is not None and entry.actor != chosen.user)
            or (chosen.category is not None and body.get("category") != chosen.category)
        ):
            continue
        if entry.event == LogEvent.NOTICE_SENT:
            number = body["hand_back"]["nhs_number"]
            for kind, text in sorted(body["letters"].items()):
                yield f"{on.isoformat()}_{body['our_ref']}_{number}_{kind}.txt", text
        else:
            kind = "covering" if entry.event == LogEvent.NOTICE_COVERING else "reminder"
            yield f"{on.isoformat()}_{body['our_ref']}_{kind}.txt", body["letter"]


def hand_back_letters(workspace: Workspace, our_ref: str) -> dict[str, str]:
    """The letters recorded under a reference: a patient's notice (HB-), a covering letter
    (HBT-) or a reminder (HBC-), exactly as the log holds them."""
    require(workspace.user, Permission.VIEW_LOG)
    wanted = our_ref.strip().upper()
    events = [LogEvent.NOTICE_SENT, LogEvent.NOTICE_COVERING, LogEvent.HAND_BACK_CHASED]
    with workspace.database.read() as tx:
        for entry in tx.log.of_events([event.value for event in events]):
            body = json.loads(entry.body)
            if body.get("our_ref") != wanted:
                continue
            if entry.event == LogEvent.NOTICE_SENT:
                return dict(body["letters"])
            return {
                "covering" if entry.event == LogEvent.NOTICE_COVERING else "reminder": body[
                    "letter"
                ]
            }
    raise UserError(f"{our_ref}: no notice, covering letter or reminder has this reference")


__all__ = [
    "CaseloadImported",
    "NoticePlan",
    "NoticesSent",
    "PlannedHandBack",
    "TeamBatch",
    "caseload",
    "chase_overdue",
    "confirm_from_reply",
    "confirm_hand_back",
    "hand_back_letter_files",
    "hand_back_letters",
    "hand_back_records",
    "import_caseload",
    "notice_plan",
    "send_notices",
    "sign_off_hand_back",
]
