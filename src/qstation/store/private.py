"""Files only the service may read: the data directory, the database and the signing key.

Modes are set explicitly (``chmod`` after creation), so they hold whatever the umask is:
directories 0700, files 0600.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path

DIR_MODE = 0o700
FILE_MODE = 0o600


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) if missing and make it readable by its owner only.

    An existing shared directory (sticky, like ``/tmp``) or one owned by someone else is
    left as it is.
    """
    path.mkdir(parents=True, exist_ok=True)
    info = path.stat()
    if info.st_mode & stat.S_ISVTX or info.st_uid != os.geteuid():
        return path
    path.chmod(DIR_MODE)
    return path


def _new_dirs(path: Path) -> None:
    # Directories created here are private; existing ones are left as they are.
    if not path.exists():
        _new_dirs(path.parent)
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            path.mkdir()
            path.chmod(DIR_MODE)


def private_file(path: Path) -> Path:
    """Create ``path`` empty if missing; make it readable and writable by its owner only.

    SQLite gives a database's ``-wal`` and ``-shm`` files the database file's mode, so
    creating the database file this way protects all three.
    """
    _new_dirs(path.parent)
    fd = os.open(path, os.O_CREAT | os.O_WRONLY, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
    finally:
        os.close(fd)
    return path


def read_or_create_key(path: Path, initial: str | None = None) -> str:
    """The secret in ``path``; created (0600) with ``initial`` or a fresh random secret.

    Several processes may start at once: the file appears complete or not at all (written
    aside, then linked into place), and every process reads the one that won.
    """
    if path.exists():
        path.chmod(FILE_MODE)
        return path.read_text().strip()
    _new_dirs(path.parent)
    spare = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(spare, os.O_CREAT | os.O_EXCL | os.O_WRONLY, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        os.write(fd, (initial or secrets.token_urlsafe(48)).encode() + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(spare, path)
    except FileExistsError:
        pass  # another process was first: use its key
    finally:
        spare.unlink()
    return path.read_text().strip()
