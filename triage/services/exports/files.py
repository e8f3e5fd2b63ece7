"""Writing an export file safely: private (0600) from the start, complete or not at all.

The content goes to a temporary file beside the destination, named as in-progress output
(leftovers.py) so that one a killed export left is removed by the next; only when it is
complete (and synced) does the caller move it into place, after logging it. A failure removes
it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from triage.errors import UserError
from triage.paths import expand_user
from triage.services.exports.leftovers import SUFFIX, in_progress_prefix


def check_destination(destination: Path) -> Path:
    destination = expand_user(destination)
    if destination.is_dir():
        raise UserError(f"{destination} is a folder; give a file name for the export")
    if not destination.parent.is_dir():
        raise UserError(
            f"cannot write {destination}: the folder {destination.parent} does not exist"
        )
    return destination


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def private_temporary(destination: Path) -> Iterator[tuple[Path, BinaryIO]]:
    """A new 0600 file beside `destination` to write into; synced on success, removed on
    failure. The caller moves it into place (Path.replace) once the export is logged."""
    try:
        descriptor, name = tempfile.mkstemp(
            prefix=in_progress_prefix(destination), suffix=SUFFIX, dir=destination.parent
        )
    except OSError as error:
        raise cannot_write(destination, error) from None
    temporary = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as file:
            yield temporary, file
            file.flush()
            os.fsync(file.fileno())
    except OSError as error:  # the disk is full, or was unplugged
        temporary.unlink(missing_ok=True)
        raise cannot_write(destination, error) from None
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def cannot_write(destination: Path, error: OSError) -> UserError:
    """A disk or permission problem while exporting, as one line for the user."""
    return UserError(f"cannot write {destination}: {error.strerror or error}")
