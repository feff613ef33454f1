"""Where assessment evidence and rectification files live (DATA_DIR/files/assessments/).

The content checks and the writing are the activity attachments' (`check_upload`,
`store_upload`): the same five file types, recognized by their bytes, random stored names.
Files are served only through permission-checked views (`open_stored`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction


def storage_dir() -> Path:
    return Path(settings.DATA_DIR) / "files" / "assessments"


def open_stored(obj: Any):
    """The stored file of an EvidenceFile / RectificationEvidence opened for reading, or None."""
    path = storage_dir() / obj.stored_name
    # stored_name is ours (hex + known extension), but never follow anything else.
    if path.parent != storage_dir() or not path.is_file():
        return None
    return open(path, "rb")


def remove_on_commit(names: list[str]) -> None:
    def remove() -> None:
        for name in names:
            (storage_dir() / name).unlink(missing_ok=True)

    transaction.on_commit(remove)
