"""Files the platform writes are its own: 0600 files, 0700 folders (DESIGN §11).

The data folder holds the database, key files, uploads, backups and exports — ID numbers
and phones of a whole city's members. A deployer's umask should already keep them private,
but the platform does not rely on it: `restrict_umask()` runs first thing in settings (so
every entry point — `dangjian`, gunicorn, tests — creates files 0600 and folders 0700), and
the places that create these files ask for the mode explicitly as well.

No Django import here: settings uses it before Django is configured.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import IO, Any

FILE_MODE = 0o600
DIR_MODE = 0o700
UMASK = 0o077


def restrict_umask() -> None:
    """Nothing this process creates is readable by group or others (whatever umask it got)."""
    current = os.umask(UMASK)
    os.umask(current | UMASK)


def private_dir(path: Path | str, *, tighten: bool = False) -> Path:
    """Create `path` and any missing parents with mode 0700.

    An existing folder is left as it is, unless `tighten` (the data folder itself): then,
    when this process owns it, group and others lose their access."""
    path = Path(path)
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            folder.mkdir(mode=DIR_MODE)
            os.chmod(folder, DIR_MODE)  # mkdir's mode is filtered by the umask
    if not path.is_dir():
        raise NotADirectoryError(path)
    if tighten and not missing:
        info = path.stat()
        if info.st_uid == os.getuid() and info.st_mode & 0o077:
            os.chmod(path, info.st_mode & 0o700)
    return path


def open_private(path: Path | str, mode: str = "wb", *, exclusive: bool = False) -> IO[Any]:
    """Open `path` for writing with mode 0600 (an existing file is truncated and tightened)."""
    path = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(path, flags, FILE_MODE)
    try:
        os.fchmod(fd, FILE_MODE)
        return os.fdopen(fd, mode)
    except BaseException:
        os.close(fd)
        raise


def write_private(path: Path | str, data: bytes | str) -> Path:
    """Write `data` to `path` (created or replaced) readable by its owner only."""
    path = Path(path)
    with open_private(path) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    return path


def private_sqlite(path: Path | str) -> None:
    """Make the SQLite database file 0600 before SQLite first opens it.

    SQLite creates a missing database with 0644 (less the umask) and gives its -wal and
    -shm files the database's own mode, so an empty 0600 file made here (SQLite takes an
    empty file for a new database) keeps all three private. A database left by an older
    version is tightened the same way."""
    path = Path(path)
    if str(path) in ("", ":memory:") or str(path).startswith("file:"):
        return
    private_dir(path.parent)
    if not path.exists():
        with contextlib.suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    for part in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
        with contextlib.suppress(FileNotFoundError, PermissionError):
            if part.stat().st_mode & 0o077:
                os.chmod(part, FILE_MODE)
