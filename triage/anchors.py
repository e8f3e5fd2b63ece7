"""Signed checkpoints of the decision log, and the key that signs them (docs/security.md).

A checkpoint says "the log had this many entries, and this was the hash of the last one, at
this time", signed with Ed25519. Kept outside the database (a second machine, the LMC's
mailbox), it lets `triage log verify --against` show that the log was not cut short, emptied or
rewritten up to that entry since. The private key lives outside the database too, so whoever
holds the database alone cannot make a checkpoint that a trusted public key accepts.

No database here: the service (services/log.py) hands in the head and compares it afterwards.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from triage import paths
from triage.errors import UserError

FORMAT = "shared-care-triage log checkpoint 1"
KEY_ENVIRONMENT = "TRIAGE_LOG_KEY"
CHECKPOINT_GLOB = "checkpoint-*.json"
_MAX_CHECKPOINT_BYTES = 64 * 1024  # a checkpoint is a few hundred bytes


@dataclass(frozen=True)
class Checkpoint:
    count: int  # entries in the log
    head_seq: int  # the last entry's sequence number (equal to count in a log that verifies)
    head_hash: str  # the last entry's hash (audit.GENESIS for an empty log)
    at: datetime  # when it was taken, UTC
    practice: str | None  # which practice's database, in words, where the practice is set
    public_key: str  # base64 of the raw Ed25519 public key that signed it
    signature: str = ""  # base64 of the Ed25519 signature of `signed_text`

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def signed_text(self) -> bytes:
        """What is signed: every field but the signature, as canonical JSON."""
        fields = {
            "format": FORMAT,
            "count": self.count,
            "head_seq": self.head_seq,
            "head_hash": self.head_hash,
            "at": self.at.isoformat(),
            "practice": self.practice,
            "public_key": self.public_key,
        }
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def to_text(self) -> str:
        fields = json.loads(self.signed_text())
        return json.dumps({**fields, "signature": self.signature}, indent=2, sort_keys=True) + "\n"


def key_id(public_key: str) -> str:
    """A short fingerprint of a public key, for people to compare."""
    return hashlib.sha256(base64.b64decode(public_key)).hexdigest()[:16]


def sign(
    key: Ed25519PrivateKey,
    *,
    count: int,
    head_seq: int,
    head_hash: str,
    at: datetime,
    practice: str | None,
) -> Checkpoint:
    unsigned = Checkpoint(
        count, head_seq, head_hash, at.astimezone(UTC), practice, public_key_text(key.public_key())
    )
    signature = base64.b64encode(key.sign(unsigned.signed_text())).decode()
    return replace(unsigned, signature=signature)


def public_key_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b64encode(raw).decode()


# --- checkpoint files ----------------------------------------------------------------------------


def write_checkpoint(checkpoint: Checkpoint, out: Path) -> Path:
    """Write a new file: `out` itself, or in the folder `out` a file named by time and head.
    A checkpoint is evidence, so an existing file is never overwritten."""
    out = paths.expand_user(out)
    if out.is_dir():
        name = f"checkpoint-{checkpoint.at:%Y%m%dT%H%M%SZ}-{checkpoint.count}-"
        out = out / f"{name}{checkpoint.head_hash[:12]}.json"
    try:
        descriptor = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise UserError(f"{out} already exists; a checkpoint is never overwritten") from None
    except OSError as error:
        raise UserError(f"{out}: cannot write the checkpoint ({error.strerror})") from None
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(checkpoint.to_text())
        file.flush()
        os.fsync(file.fileno())
    return out


def checkpoint_files(named: Iterable[Path]) -> list[Path]:
    """The files named, a folder standing for the checkpoint files in it."""
    found: list[Path] = []
    for path in (paths.expand_user(path) for path in named):
        if path.is_dir():
            inside = sorted(path.glob(CHECKPOINT_GLOB))
            if not inside:
                raise UserError(f"{path}: no checkpoint files ({CHECKPOINT_GLOB}) in this folder")
            found.extend(inside)
        else:
            found.append(path)
    return found


def read_checkpoint(path: Path) -> Checkpoint:
    """The checkpoint in the file, its signature checked against the key it names; anything
    else is one line saying what is wrong with the file."""
    try:
        with path.open("rb") as file:
            data = file.read(_MAX_CHECKPOINT_BYTES + 1)
    except OSError as error:
        raise UserError(f"{path}: cannot read the checkpoint ({error.strerror})") from None
    if len(data) > _MAX_CHECKPOINT_BYTES:
        raise UserError(f"{path}: not a checkpoint (far too long for one)")
    try:
        fields = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise UserError(f"{path}: not a checkpoint (not JSON)") from None
    checkpoint = _parsed(path, fields)
    try:
        Ed25519PublicKey.from_public_bytes(base64.b64decode(checkpoint.public_key)).verify(
            base64.b64decode(checkpoint.signature), checkpoint.signed_text()
        )
    except (InvalidSignature, ValueError):
        raise UserError(
            f"{path}: the checkpoint's signature does not verify (the file was changed after "
            "it was signed)"
        ) from None
    return checkpoint


def _parsed(path: Path, fields: object) -> Checkpoint:
    def bad(why: str) -> UserError:
        return UserError(f"{path}: not a checkpoint ({why})")

    if not isinstance(fields, dict) or fields.get("format") != FORMAT:
        raise bad(f"it does not say format {FORMAT!r}")
    for name in ("count", "head_seq"):
        value = fields.get(name)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise bad(f"{name} is not a whole number")
    for name in ("head_hash", "public_key", "signature", "at"):
        if not isinstance(fields.get(name), str):
            raise bad(f"{name} is missing")
    head_hash = fields["head_hash"]
    if len(head_hash) != 64 or not all(c in "0123456789abcdef" for c in head_hash):
        raise bad("head_hash is not a SHA-256")
    try:
        at = datetime.fromisoformat(fields["at"])
    except ValueError:
        raise bad(f"at {fields['at']!r} is not a time") from None
    if at.tzinfo is None:
        raise bad("at has no time zone")
    practice = fields.get("practice")
    if practice is not None and not isinstance(practice, str):
        raise bad("practice is not text")
    for name in ("public_key", "signature"):
        try:
            base64.b64decode(fields[name], validate=True)
        except ValueError:
            raise bad(f"{name} is not base64") from None
    return Checkpoint(
        fields["count"],
        fields["head_seq"],
        head_hash,
        at,
        practice,
        fields["public_key"],
        fields["signature"],
    )


# --- the key -------------------------------------------------------------------------------------


def default_key_path() -> Path:
    """The signing key, unless --key or TRIAGE_LOG_KEY names another: in the user's private
    settings folder, outside the database."""
    return paths.config_dir() / "log-signing-key.pem"


def public_key_path(key_path: Path) -> Path:
    return key_path.with_suffix(".pub")


@dataclass(frozen=True)
class SigningKey:
    key: Ed25519PrivateKey
    path: Path
    created: bool  # made now: its public key was written beside it, to copy where verified


def signing_key(path: Path | None) -> SigningKey:
    """The key at `path` (default_key_path() when None), made on first use: private to the
    user (0600), with its public key beside it (KEY.pub) for `verify --public-key`."""
    path = paths.expand_user(path) if path else default_key_path()
    if not path.exists():
        return _new_key(path)
    return SigningKey(_private_key(path), path, created=False)


def existing_public_key(path: Path | None) -> str | None:
    """The public half of the signing key, if there is one (the key verify trusts by default)."""
    path = paths.expand_user(path) if path else default_key_path()
    return public_key_text(_private_key(path).public_key()) if path.exists() else None


def _private_key(path: Path) -> Ed25519PrivateKey:
    if os.name != "nt" and stat.S_IMODE(path.stat().st_mode) & 0o077:
        raise UserError(
            f"{path}: the signing key can be read by others; make it private (chmod 600), or "
            "make a new key if someone may have copied it"
        )
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise UserError(f"{path}: not a signing key (an unencrypted Ed25519 PEM key)") from None
    except OSError as error:
        raise UserError(f"{path}: cannot read the signing key ({error.strerror})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise UserError(f"{path}: not an Ed25519 key")
    return key


def _new_key(path: Path) -> SigningKey:
    if path == default_key_path():
        paths.ensure_private_dir(path.parent)
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(pem)
        public_key_path(path).write_bytes(
            key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
    except OSError as error:
        raise UserError(f"{path}: cannot create the signing key ({error.strerror})") from None
    return SigningKey(key, path, created=True)


def trusted_public_key(path: Path) -> str:
    """A public key file (KEY.pub, PEM) as verify compares it with a checkpoint's."""
    path = paths.expand_user(path)
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (ValueError, UnsupportedAlgorithm):
        raise UserError(f"{path}: not a public key (PEM, as written beside the key)") from None
    except OSError as error:
        raise UserError(f"{path}: cannot read the public key ({error.strerror})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise UserError(f"{path}: not an Ed25519 public key")
    return public_key_text(key)
