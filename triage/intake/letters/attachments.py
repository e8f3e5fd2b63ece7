"""An e-mail's attachments, whichever kind of e-mail carried them (.eml, read by mail.py, or
Outlook .msg, read by outlook.py): the same letters are read from them, under the same limits.

A PDF, a Word file, plain text or an image of a page is a letter of its own. An attached e-mail
(either kind) is read as one, nested at most MAX_EMAIL_DEPTH deep. Anything else (a logo in the
signature, a calendar invitation, a spreadsheet) carries no letter.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

from triage.intake.letters import scans
from triage.intake.letters.documents import (
    MAX_ATTACHMENTS,
    MAX_EMAIL_DEPTH,
    OLE_MAGIC,
    PDF_MAGIC,
    Document,
    decode_text,
    docx_documents,
    image_documents,
    image_kind,
    is_docx,
    pdf_documents,
    reject,
    text_documents,
)

_LONGEST_NAME = 120  # characters of an attachment's file name shown in `where`


def check_count(name: str, count: int) -> None:
    if count > MAX_ATTACHMENTS:
        reject(
            name,
            f"is an e-mail with {count} attachments, over the limit of {MAX_ATTACHMENTS}: "
            "forward the letters in smaller batches",
        )


def where_of(number: int, filename: str) -> str:
    """ "attachment 2 (clinic letter.pdf)": the name is the sender's, so kept to one short line."""
    shown = " ".join(filename.split())[:_LONGEST_NAME] or f"attachment {number}"
    return f"attachment {number} ({shown})"


def nested(
    name: str, where: str, depth: int, read: Callable[[int], list[Document]]
) -> list[Document]:
    """The documents of an e-mail attached at `where`, read by `read(its depth)`, each named by
    where it sits (everything else about it, such as what OCR was unsure of, kept)."""
    if depth >= MAX_EMAIL_DEPTH:
        reject(name, f"{where}: e-mails nested more than {MAX_EMAIL_DEPTH} deep")
    return [
        dataclasses.replace(document, where=f"{where}, {document.where}")
        for document in read(depth + 1)
    ]


def attachment_documents(
    data: bytes,
    *,
    name: str,
    where: str,
    content_type: str,
    depth: int,
    charset: str | None = None,
) -> list[Document]:
    """The letters in one attachment: its bytes, and the content type its e-mail gives it."""
    # The e-mail readers call this one and it calls them back for an attached e-mail: imported
    # here, when first needed, so that neither module needs the other to be loaded first.
    from triage.intake.letters import mail, outlook

    if data.startswith(OLE_MAGIC):  # by its content, whatever type the sender gave it
        label = f"{name}: {where}"
        kind = outlook.compound_kind(data, label)
        if kind == "doc":  # may well be the letter: refused, not passed over
            reject(label, outlook.OLD_WORD)
        if kind == "other":
            return []  # an old Excel or PowerPoint file: no letter is read from those
        return nested(
            name, where, depth, lambda inner: outlook.msg_documents(data, name, inner, where)
        )
    if content_type == "message/rfc822":
        return nested(name, where, depth, lambda inner: mail.email_documents(data, name, inner))
    if data.startswith(PDF_MAGIC):
        return pdf_documents(data, name, where)
    if is_docx(data):
        return docx_documents(data, name, where)
    if image_kind(data) is not None and scans.looks_like_page(data):
        return image_documents(data, name, where)
    if content_type == "text/plain":
        return text_documents(decode_text(data, charset), where)
    return []
