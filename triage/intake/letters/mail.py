"""E-mails saved as .eml (RFC 5322, MIME): the body, when it carries a letter itself, and each
attachment (attachments.py). The caller decides which documents are letters: a covering note
is not."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage, Message

from triage.intake.letters.attachments import attachment_documents, check_count, where_of
from triage.intake.letters.documents import Document, decode_text, reject, text_documents
from triage.intake.letters.html_text import html_to_text

# The standard library's MIME header parser takes time by the square of a header's length: a
# 100,000-character Content-Type took minutes. Honest ones (a type, a charset, a file name)
# run to a few hundred characters.
MAX_MIME_HEADER_CHARACTERS = 4_000


def email_documents(data: bytes, name: str, depth: int = 0) -> list[Document]:
    _check_mime_headers(data, name)
    message = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(message, EmailMessage)  # what email.policy.default always gives
    attachments = list(message.iter_attachments())
    check_count(name, len(attachments))
    found: list[Document] = []
    body = message.get_body(preferencelist=("plain", "html"))
    if body is not None:
        text = _body_text(body)
        if text.strip():
            found.extend(text_documents(text, "the e-mail's text"))
    for number, part in enumerate(attachments, start=1):
        attached = _attached_email(part)
        filename = part.get_filename() or (str(attached["Subject"] or "") if attached else "")
        found.extend(
            attachment_documents(
                attached.as_bytes() if attached else _payload(part),
                name=name,
                where=where_of(number, filename),
                content_type=part.get_content_type(),
                charset=part.get_content_charset(),
                depth=depth,
            )
        )
    return found


def _check_mime_headers(data: bytes, name: str) -> None:
    """Refuse the e-mail before its Content- headers are parsed, if one is too long to parse.
    The parser of the older policy (compat32) splits a header's parameters as plain text, in
    time proportional to its length: it finds the parts and their headers here."""
    for part in email.message_from_bytes(data, policy=email.policy.compat32).walk():
        for header, value in part.raw_items():
            if header.lower().startswith("content-") and len(value) > MAX_MIME_HEADER_CHARACTERS:
                reject(
                    name,
                    f"has a {header[:40]} header of {len(value):,} characters, over the limit "
                    f"of {MAX_MIME_HEADER_CHARACTERS:,}: it is not an e-mail a mail program made",
                )


def _attached_email(part: Message) -> Message | None:
    """An e-mail attached as one (message/rfc822), named by its subject when it has no name."""
    payload = part.get_payload()
    if isinstance(payload, list) and payload and isinstance(payload[0], Message):
        return payload[0]
    return None


def _payload(part: Message) -> bytes:
    decoded = part.get_payload(decode=True)  # an attached e-mail sent base64-encoded, too
    return decoded if isinstance(decoded, bytes) else b""


def _body_text(part: Message) -> str:
    assert isinstance(part, EmailMessage)  # what email.policy.default always gives
    try:
        content = part.get_content()
    except (LookupError, ValueError):  # a charset Python does not know ("tf-8", or a name
        # holding a NUL, which the codec lookup refuses with ValueError): read it as best we can
        payload = part.get_payload(decode=True)
        content = decode_text(payload) if isinstance(payload, bytes) else ""
    text = content if isinstance(content, str) else ""
    if part.get_content_type() == "text/html":
        text = html_to_text(text)
    return text
