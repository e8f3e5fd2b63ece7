"""The request queue, as the command line and the screens see it: one page of requests with what
each reads as and what the policy in force suggests for it today.

Only the page is read and assessed, so a queue of 100,000 requests opens as fast as one of 100.
Filtering on category, suggestion or flag uses the stored assessments, which a background
refresh (refresh_assessments) keeps up to date; the page itself is always assessed afresh. They
depend on the policy in force and on the day (ages, supply dates), so a change of either makes
them stale; a refresh rebuilds the stale ones in batches, each its own short transaction, and
can be interrupted at any point.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from policies import CapacityLedger
from triage.classify import read
from triage.due import due_date
from triage.errors import UserError
from triage.models import (
    Assessed,
    Assessment,
    QueueQuery,
    Request,
    Status,
)
from triage.presentation import category_label
from triage.rules import Permission, require
from triage.services.changes import ChangeToken
from triage.services.policy import PolicyInForce, RecordedDecisions, assess, policy_in_force
from triage.services.workspace import Workspace

BATCH = 500  # stored assessments rebuilt in one transaction
STREAM_PAGE = 500  # requests read and assessed at a time for a whole queue (queue_items)


@dataclass(frozen=True)
class Counted:
    total: int  # requests the query matches
    by_status: dict[Status, int]  # every status, for the "open 12 / awaiting GP 3" line


@dataclass(frozen=True)
class QueuePage:
    items: list[Assessed[Request]]
    total: int  # requests the query matches (the page may hold fewer)
    offset: int  # the position of the first item among them
    counts: dict[Status, int]  # every status, for the "open 12 / awaiting GP 3" line
    policy: str | None  # the policy in force ("weymouth-portland-pcn 2025-01"), if any
    on: date  # the date the suggestions were worked out for
    changes: ChangeToken  # where the records stood when the page was read (the live queue)

    @property
    def requests(self) -> list[Request]:
        return [item.request for item in self.items]

    @property
    def counted(self) -> Counted:
        return Counted(self.total, self.counts)


def queue_page(
    workspace: Workspace,
    query: QueueQuery,
    *,
    limit: int | None = None,
    offset: int = 0,
    after: int | None = None,
    before: int | None = None,
    starting: int | None = None,
    position: int | None = None,
    counted: Counted | None = None,
    on: date | None = None,
) -> QueuePage:
    """One page of the requests the query matches, in its order, with today's suggestions:
    from the top skipping `offset`, or the page after (before) the request with id `after`
    (`before`), or from `starting` on, read from the order's index however deep it is.
    `position`: where the page's first row stands among the matches, when the caller pages by
    key and keeps count.
    `counted`: the query's total and the counts by status, when the caller has just read them
    for the same query (turning a page need not count 100,000 rows again)."""
    require(workspace.user, Permission.VIEW_QUEUE)
    on = on or workspace.clock.today()
    in_force = policy_in_force(workspace)
    with workspace.database.read() as tx:
        if counted is None:
            counted = Counted(tx.requests.count(query), tx.requests.count_by_status())
        requests = tx.requests.page(
            query, limit=limit, offset=offset, after=after, before=before, starting=starting
        )
        recorded = RecordedDecisions(tx)
        items = [_item_for(request, in_force, on, recorded) for request in requests]
        changes = tx.changes.token()
    first = offset if position is None else position
    label = in_force.loaded.label if in_force else None
    return QueuePage(items, counted.total, first, counted.by_status, label, on, changes)


def queue_items(
    workspace: Workspace, query: QueueQuery, *, limit: int | None = None, on: date | None = None
) -> Iterator[Assessed[Request]]:
    """The requests the query matches (the first `limit`), in its order, each with what it reads
    as and the suggestion of the policy in force on `on`, as queue_page lists them: read and
    assessed STREAM_PAGE at a time, each page by key from where the last ended, in its own short
    transaction. However long the queue, memory holds one page, and no transaction stays open
    while the caller writes what it is given (to a reader that may be slow, or gone)."""
    require(workspace.user, Permission.VIEW_QUEUE)
    on = on or workspace.clock.today()
    in_force = policy_in_force(workspace)
    after: int | None = None
    left = limit
    while left is None or left > 0:
        size = STREAM_PAGE if left is None else min(STREAM_PAGE, left)
        with workspace.database.read() as tx:
            requests = tx.requests.page(query, limit=size, after=after)
            recorded = RecordedDecisions(tx)
            items = [_item_for(request, in_force, on, recorded) for request in requests]
        yield from items
        if len(requests) < size:
            return
        after = requests[-1].id
        if left is not None:
            left -= len(requests)


def queue_item(
    workspace: Workspace, request_id: int, on: date | None = None
) -> Assessed[Request] | None:
    """One request with what it reads as and today's suggestion (None if it no longer exists)."""
    require(workspace.user, Permission.VIEW_QUEUE)
    on = on or workspace.clock.today()
    in_force = policy_in_force(workspace)
    with workspace.database.read() as tx:
        request = tx.requests.get(request_id)
        if request is None:
            return None
        return _item_for(request, in_force, on, RecordedDecisions(tx))


def _item_for(
    request: Request, in_force: PolicyInForce | None, on: date, recorded: CapacityLedger
) -> Assessed[Request]:
    """What the request reads as, and what the policy in force (if any) suggests on `on`."""
    if in_force is None:
        return Assessed(request, read(request), None)
    return assess(request, in_force.loaded.policy, on, recorded)


# --- the stored assessments the queue filters and counts by ------------------------------------


@dataclass(frozen=True)
class Refreshed:
    assessed: int  # stored assessments rebuilt
    dates_moved: int  # requests whose due date, read from the letter, moved (the due order)


def refresh_assessments(
    workspace: Workspace,
    *,
    on: date | None = None,
    progress: Callable[[int], None] | None = None,
    stop: Callable[[], bool] = lambda: False,
) -> Refreshed:
    """Assess every undecided request whose assessment is missing or stale, storing with it
    when the request is due if its letter had not been read for that yet.
    `stop` is asked between batches (the app is closing): what is done so far is kept."""
    if workspace.database.read_only:  # nothing can be stored: filters use what is there
        return Refreshed(0, 0)
    on = on or workspace.clock.today()
    in_force = policy_in_force(workspace)
    sha = in_force.loaded.sha256 if in_force else None
    done = moved = after = 0
    while not stop():
        # Reading and assessing hold no lock; only saving a batch writes, briefly, so a
        # person's save waits for one batch's rows at most, never for the reading of them.
        with workspace.database.read() as tx:
            stale = tx.assessments.stale(sha, on, BATCH, after)
            if not stale:
                break
            recorded = RecordedDecisions(tx)
            items = [_item_for(request, in_force, on, recorded) for request in stale]
        with workspace.database.write() as tx:
            tx.assessments.save([_assessment(item, sha, on) for item in items])
            moved += tx.requests.set_due({item.request.id: due_date(item) for item in items})
        after = stale[-1].id
        done += len(stale)
        if progress is not None:
            progress(done)
    return Refreshed(done, moved)


def read_due_dates(
    workspace: Workspace, *, progress: Callable[[int, int], None] | None = None
) -> int:
    """Read, for the soonest-due order, when each undecided request is due, where its letter
    has not been read for it yet (the app does this as it assesses; the command line, before
    listing by due date). Returns how many requests were read."""
    require(workspace.user, Permission.VIEW_QUEUE)
    if workspace.database.read_only:
        return 0
    with workspace.database.read() as tx:
        unread = tx.requests.count_due_unread()
    done = after = 0
    while done < unread:
        with workspace.database.read() as tx:
            requests = tx.requests.due_unread(BATCH, after)
        if not requests:
            break
        due = {request.id: due_date(Assessed(request, read(request), None)) for request in requests}
        with workspace.database.write() as tx:
            tx.requests.set_due(due)
        after = requests[-1].id
        done += len(requests)
        if progress is not None:
            progress(min(done, unread), unread)
    return done


def _assessment(item: Assessed[Request], policy_sha256: str | None, on: date) -> Assessment:
    return Assessment(
        request_id=item.request.id,
        policy_sha256=policy_sha256,
        on=on,
        category=category_label(item.findings.classification),
        action=item.suggestion.action if item.suggestion else None,
        flags=item.flags,
    )


# --- a letter's file, as it arrived ---------------------------------------------------------------


@dataclass(frozen=True)
class SavedOriginal:
    file_name: str  # as it was imported
    size: int
    sha256: str


def save_original(workspace: Workspace, request_id: int, destination: Path) -> SavedOriginal:
    """Write the letter a request came from, byte for byte, to a new private file; its SHA-256
    is checked first, so what is written is what arrived."""
    require(workspace.user, Permission.VIEW_QUEUE)
    with workspace.database.read() as tx:
        request = tx.requests.get(request_id)
        if request is None:
            raise UserError(f"request {request_id} no longer exists")
        sha256 = request.source.original_sha256
        stored = tx.originals.get(sha256) if sha256 else None
    if stored is None or sha256 is None:
        raise UserError(
            f"{request.ref} came from a {request.source.format.value} file, not a letter: "
            "there is no original to save"
        )
    file_name, content = stored
    if hashlib.sha256(content).hexdigest() != sha256:
        raise UserError(
            f"the stored original of {request.ref} does not match its SHA-256: it has been altered"
        )
    try:
        descriptor = os.open(destination, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise UserError(f"{destination} already exists: choose a new file") from None
    except OSError as error:
        raise UserError(f"cannot write {destination}: {error.strerror}") from None
    with os.fdopen(descriptor, "wb") as file:
        file.write(content)
    return SavedOriginal(file_name, len(content), sha256)
