"""Outlook e-mails (.msg) written from scratch for the tests, as Outlook saves them: a Compound
File Binary ([MS-CFB] version 3: 512-byte sectors, streams under 4096 bytes in the mini stream)
holding a message's properties as [MS-OXMSG] lays them out. No .msg file is copied from anywhere.

cfb_of writes any compound file (an old Word .doc is one too); msg_of writes an e-mail.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from itertools import pairwise

SECTOR = 512
MINI_SECTOR = 64
MINI_CUTOFF = 4096  # smaller streams live in the mini stream, as the spec requires
FREESECT, ENDOFCHAIN, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
STORAGE, STREAM, ROOT = 1, 2, 5
BLACK = 1  # every node black, siblings chained in order: a valid (if unbalanced) tree

# Property types ([MS-OXCDATA] 2.11.1) and the properties the tests write.
PT_LONG, PT_STRING8, PT_STRING, PT_BINARY, PT_OBJECT = 0x0003, 0x001E, 0x001F, 0x0102, 0x000D


# --- the compound file -----------------------------------------------------------------------------


@dataclass
class _Entry:
    """A directory entry: a storage (data None) or a stream, and where its data was put."""

    name: str
    data: bytes | None = None
    children: list[_Entry] = field(default_factory=list)
    start: int = ENDOFCHAIN
    id: int = 0
    right: int = NOSTREAM  # the next sibling in name order


def cfb_of(streams: dict[str, bytes]) -> bytes:
    """A compound file holding the streams, each named by its path ("storage/stream")."""
    root = _tree(streams)
    entries = _numbered(root)
    small = [e for e in entries[1:] if e.data and len(e.data) < MINI_CUTOFF]
    large = [e for e in entries[1:] if e.data and len(e.data) >= MINI_CUTOFF]
    mini_stream, mini_fat = _mini_stream(small)
    directory_sectors = _count(len(entries) * 128)
    mini_fat_sectors = _count(len(mini_fat) * 4)
    sizes = [directory_sectors, mini_fat_sectors, _count(len(mini_stream))]
    sizes += [_count(len(e.data or b"")) for e in large]
    fat_sectors = _fat_sectors(sum(sizes))
    starts = [fat_sectors + sum(sizes[:n]) for n in range(len(sizes))]
    root.start = starts[2] if mini_stream else ENDOFCHAIN
    for entry, start in zip(large, starts[3:], strict=True):
        entry.start = start
    fat = _fat(fat_sectors, list(zip(starts, sizes, strict=True)))
    body = b"".join(
        _padded(part)
        for part in (
            struct.pack(f"<{len(fat)}I", *fat),
            _directory(entries, len(mini_stream)),
            struct.pack(f"<{len(mini_fat)}I", *mini_fat),
            mini_stream,
            *(e.data or b"" for e in large),
        )
    )
    header = _header(fat_sectors, directory_start=starts[0], mini_fat=(starts[1], mini_fat_sectors))
    return header + body


def _tree(streams: dict[str, bytes]) -> _Entry:
    root = _Entry("Root Entry")
    for path, data in streams.items():
        *storages, name = path.split("/")
        parent = root
        for storage in storages:
            found = next((c for c in parent.children if c.name == storage), None)
            if found is None:
                found = _Entry(storage)
                parent.children.append(found)
            parent = found
        parent.children.append(_Entry(name, data))
    return root


def _order(entry: _Entry) -> tuple[int, str]:
    """[MS-CFB] 2.6.4: shorter names first, then by upper-case name."""
    return len(entry.name), entry.name.upper()


def _numbered(root: _Entry) -> list[_Entry]:
    """Every entry in directory order (the root is 0), each storage's children sorted and
    chained, each the right sibling of the one before."""
    entries: list[_Entry] = []

    def visit(entry: _Entry) -> None:
        entry.id = len(entries)
        entries.append(entry)
        entry.children.sort(key=_order)
        for child in entry.children:
            visit(child)
        for child, following in pairwise(entry.children):
            child.right = following.id

    visit(root)
    return entries


def _mini_stream(small: list[_Entry]) -> tuple[bytes, list[int]]:
    """The small streams packed into 64-byte mini sectors, and the mini FAT chaining them."""
    stream, mini_fat = b"", list[int]()
    for entry in small:
        data = entry.data or b""
        entry.start = len(mini_fat)
        count = -(-len(data) // MINI_SECTOR)
        mini_fat += [entry.start + n + 1 for n in range(count - 1)] + [ENDOFCHAIN]
        stream += data.ljust(count * MINI_SECTOR, b"\0")
    return stream, mini_fat


def _count(size: int) -> int:
    return -(-size // SECTOR)


def _fat_sectors(data_sectors: int) -> int:
    """Enough FAT sectors to map the data and themselves (128 entries a sector)."""
    fat_sectors = 1
    while fat_sectors * 128 < fat_sectors + data_sectors:
        fat_sectors += 1
    assert fat_sectors <= 109, "a test file this large would need a DIFAT"
    return fat_sectors


def _fat(fat_sectors: int, chains: list[tuple[int, int]]) -> list[int]:
    fat = [FATSECT] * fat_sectors + [FREESECT] * (fat_sectors * 127)
    for start, count in chains:
        sectors = list(range(start, start + count))
        for sector, following in pairwise(sectors):
            fat[sector] = following
        if sectors:
            fat[sectors[-1]] = ENDOFCHAIN
    return fat


def _directory(entries: list[_Entry], mini_stream_size: int) -> bytes:
    raw = b"".join(_directory_entry(entry, mini_stream_size) for entry in entries)
    unused = struct.pack("<64sHBB3I", b"", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM).ljust(128, b"\0")
    return raw + unused * (-len(entries) % 4)


def _directory_entry(entry: _Entry, mini_stream_size: int) -> bytes:
    name = (entry.name + "\0").encode("utf-16-le")
    if entry.id == 0:
        kind, size = ROOT, mini_stream_size
    elif entry.data is None:
        kind, size = STORAGE, 0
    else:
        kind, size = STREAM, len(entry.data)
    start = entry.start if kind != STORAGE else 0
    return struct.pack(
        "<64sHBB3I16sI8s8sIQ",
        name,
        len(name),
        kind,
        BLACK,
        NOSTREAM,  # left sibling
        entry.right,  # right sibling
        entry.children[0].id if entry.children else NOSTREAM,  # child
        b"",  # class id
        0,  # state bits
        b"",  # created
        b"",  # modified
        start,
        size,
    )


def _header(fat_sectors: int, *, directory_start: int, mini_fat: tuple[int, int]) -> bytes:
    mini_fat_start, mini_fat_sectors = mini_fat
    difat = list(range(fat_sectors)) + [FREESECT] * (109 - fat_sectors)
    return struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        SIGNATURE,
        b"",  # class id
        0x003E,  # minor version
        0x0003,  # major version 3: 512-byte sectors
        0xFFFE,  # little-endian
        9,  # sector shift: 512
        6,  # mini sector shift: 64
        b"",
        0,  # directory sectors: always 0 in version 3
        fat_sectors,
        directory_start,
        0,  # transaction signature
        MINI_CUTOFF,
        mini_fat_start if mini_fat_sectors else ENDOFCHAIN,
        mini_fat_sectors,
        ENDOFCHAIN,  # no DIFAT sectors
        0,
        *difat,
    )


def _padded(data: bytes) -> bytes:
    return data.ljust(_count(len(data)) * SECTOR, b"\0")


# --- the e-mail ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attachment:
    """A file attached (data), or an e-mail attached as Outlook attaches one (message)."""

    filename: str
    data: bytes = b""
    mime: str | None = None
    message: OutlookMail | None = None


@dataclass(frozen=True)
class OutlookMail:
    subject: str = "Shared care request"
    body: str | None = None  # the Unicode text body (PR_BODY_W)
    body8: bytes | None = None  # the 8-bit text body (PR_BODY_A), in `codepage`
    codepage: int | None = None  # PR_MESSAGE_CODEPAGE
    html: bytes | None = None  # PR_HTML
    rtf: bytes | None = None  # PR_RTF_COMPRESSED
    attachments: tuple[Attachment, ...] = ()


def msg_of(mail: OutlookMail) -> bytes:
    """The e-mail as Outlook saves it (File > Save As > Outlook Message Format - Unicode)."""
    streams = _message_streams(mail, header=_top_header(mail))
    for name in ("00020102", "00030102", "00040102"):  # named properties: none used
        streams[f"__nameid_version1.0/__substg1.0_{name}"] = b""
    return cfb_of(streams)


def _message_streams(mail: OutlookMail, *, header: bytes) -> dict[str, bytes]:
    variable: dict[tuple[int, int], bytes] = {
        (0x001A, PT_STRING): _unicode("IPM.Note"),
        (0x0037, PT_STRING): _unicode(mail.subject),
    }
    if mail.body is not None:
        variable[0x1000, PT_STRING] = _unicode(mail.body)
    if mail.body8 is not None:
        variable[0x1000, PT_STRING8] = mail.body8
    if mail.html is not None:
        variable[0x1013, PT_BINARY] = mail.html
    if mail.rtf is not None:
        variable[0x1009, PT_BINARY] = mail.rtf
    fixed = {} if mail.codepage is None else {(0x3FFD, PT_LONG): mail.codepage}
    streams = _properties(variable, fixed, header)
    for number, attachment in enumerate(mail.attachments):
        folder = f"__attach_version1.0_#{number:08X}"
        for path, data in _attachment_streams(attachment, number).items():
            streams[f"{folder}/{path}"] = data
    return streams


def _attachment_streams(attachment: Attachment, number: int) -> dict[str, bytes]:
    variable = {
        (0x3707, PT_STRING): _unicode(attachment.filename),
        (0x3704, PT_STRING): _unicode(attachment.filename[:8]),
        (0x3001, PT_STRING): _unicode(attachment.filename),
    }
    if attachment.mime:
        variable[0x370E, PT_STRING] = _unicode(attachment.mime)
    if attachment.message is None:
        variable[0x3701, PT_BINARY] = attachment.data
    method = 1 if attachment.message is None else 5  # by value, or an embedded message
    fixed = {(0x3705, PT_LONG): method, (0x0E21, PT_LONG): number}
    streams = _properties(variable, fixed, header=b"\0" * 8)
    if attachment.message is not None:
        inner = _message_streams(attachment.message, header=b"\0" * 24)
        streams.update({f"__substg1.0_3701000D/{path}": d for path, d in inner.items()})
    return streams


def _properties(
    variable: dict[tuple[int, int], bytes], fixed: dict[tuple[int, int], int], header: bytes
) -> dict[str, bytes]:
    """A property per stream for the variable-length ones, and the property stream listing
    them all ([MS-OXMSG] 2.4.2): a fixed value in the entry, a variable one's size."""
    streams = {f"__substg1.0_{pid:04X}{kind:04X}": data for (pid, kind), data in variable.items()}
    entries = [
        struct.pack("<IIi4x", pid << 16 | kind, 0x6, value) for (pid, kind), value in fixed.items()
    ]
    entries += [
        struct.pack("<III4x", pid << 16 | kind, 0x6, len(data) + (2 if kind == PT_STRING else 0))
        for (pid, kind), data in variable.items()
    ]
    streams["__properties_version1.0"] = header + b"".join(entries)
    return streams


def _top_header(mail: OutlookMail) -> bytes:
    """The top-level message's 32 bytes: next recipient and attachment ids, and the counts."""
    count = len(mail.attachments)
    return struct.pack("<8xIIII8x", 0, count, 0, count)


def _unicode(text: str) -> bytes:
    return text.encode("utf-16-le")
