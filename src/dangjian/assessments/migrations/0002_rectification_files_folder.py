"""Rectification proof gets a folder of its own (files/rectifications/), instead of
sharing the assessments' evidence folder.

Moves the files of existing RectificationEvidence rows. Idempotent and safe to re-run: a
file is moved only when it is still in the old folder and not yet in the new one, so a
migration interrupted part way (files are not transactional) finishes on the next run.
Reversible.
"""

import os
from pathlib import Path

from django.conf import settings
from django.db import migrations

OLD = "assessments"
NEW = "rectifications"


def move(apps, source: str, target: str) -> int:
    files = Path(settings.DATA_DIR) / "files"
    src, dst = files / source, files / target
    names = apps.get_model("assessments", "RectificationEvidence").objects.values_list(
        "stored_name", flat=True
    )
    moved = 0
    for name in names.iterator():
        old, new = src / name, dst / name
        if old.is_file() and not new.exists():
            dst.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.replace(old, new)  # same file system: an atomic rename
            moved += 1
    return moved


def forwards(apps, schema_editor):
    move(apps, OLD, NEW)


def backwards(apps, schema_editor):
    move(apps, NEW, OLD)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
