"""A specialist team's reply to a notice of hand-back, read from its letter (PDF, Word, e-mail,
scan or text): which of our references it quotes, and whether its words accept the hand-back,
decline it, or leave it unclear (docs/caseload.md, "Replies read from a letter").

Reading never decides: a reply whose words are not plainly accepting, or that also say no, is
left for a person to read and record."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from triage.errors import FileRejected, UserError
from triage.intake.letters import letter_text
from triage.intake.letters.recognise import looks_like_email
from triage.intake.limits import MAX_FILE_BYTES, read_bounded
from triage.intake.reader import letter_format_of
from triage.models import SourceFormat

HAND_BACK_REF = re.compile(r"\bHB-\d{6}\b", re.IGNORECASE)
# Words that take a patient on, and words that do not: any of the second leave it to a person.
_ACCEPTS = re.compile(
    r"\b(accept|accepted|agree|agreed|will take over|have taken over|taken on|take on|"
    r"happy to|confirm that we will|we confirm|will now prescribe|will prescribe)\b",
    re.IGNORECASE,
)
_DECLINES = re.compile(
    r"\b(unable|cannot|can not|can't|not able|decline|declined|do not accept|will not|won't|"
    r"not in a position|no capacity|not commissioned|not funded|reject|rejected|refuse|"
    r"dispute|disagree)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Reply:
    name: str
    sha256: str
    data: bytes
    refs: list[str]  # our references it quotes, as HB-000123, in order, once each
    accepts: str | None  # the accepting words found, if plainly accepting
    unsure_because: str  # why a person must read it ("" when plainly accepting)


def read_reply(path: Path, name: str | None = None) -> Reply:
    name = name or str(path)
    try:
        data = read_bounded(path, name, MAX_FILE_BYTES)
        text = letter_text(data, name, _format(data))
    except FileRejected as rejected:
        raise UserError(str(rejected)) from None
    refs = list(dict.fromkeys(ref.upper() for ref in HAND_BACK_REF.findall(text)))
    declines = _DECLINES.search(text)
    accepts = _ACCEPTS.search(text)
    if not text.strip():
        unsure = "no words could be read from it"
    elif declines:
        unsure = f"it says {declines.group(0)!r}"
    elif not accepts:
        unsure = "it does not say plainly that the team takes the patient on"
    else:
        unsure = ""
    return Reply(
        name,
        hashlib.sha256(data).hexdigest(),
        data,
        refs,
        accepts.group(0) if accepts and not unsure else None,
        unsure,
    )


def _format(data: bytes) -> SourceFormat:
    binary = letter_format_of(data)
    if binary is not None:
        return binary
    text = data.decode("utf-8-sig", errors="replace")
    return SourceFormat.EMAIL if looks_like_email(text) else SourceFormat.TEXT
