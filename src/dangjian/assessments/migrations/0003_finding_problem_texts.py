"""Findings say the problem, once per item — the data part, before 0004's constraint.

1. Duplicates: 提出问题 stayed clickable after a finding was raised, so a double click made
   two findings on the same item of the same check. The first one raised keeps the item;
   each later one keeps its text, check, category and rectification but no longer points
   at the item (it becomes a remark on the check), so the partial unique constraint of
   0004 can hold without deleting anything anyone answered.
2. Texts: the page wrote "<the item's standard>：<the assessor's note>" (or "<standard>——
   未达到要求。" without a note), so the 负面清单's 典型问题 read as compliance. The
   standard is shown beside the finding from its item now; the copied prefix is cut where
   the text begins with exactly its own item's standard, nothing else is touched.

Not reversible in substance (which rows had a prefix is not kept): backwards does nothing,
which leaves the cleaner texts and detached duplicates, both valid without 0004.
"""

from django.db import migrations

BATCH = 500
NO_NOTE = "——未达到要求。"
NO_NOTE_TEXT = "未达到该条检查标准。"


def problem_text(text: str, standard: str) -> str | None:
    """The text without the copied standard, or None when it did not start with it."""
    base = standard.strip().rstrip("。")
    if not base:
        return None
    if text == base + NO_NOTE:
        return NO_NOTE_TEXT
    if text.startswith(base + "："):
        rest = text[len(base) + 1 :].strip()
        return rest or None
    return None


def forwards(apps, schema_editor):
    Finding = apps.get_model("assessments", "Finding")
    rows = (
        Finding.objects.filter(item__isnull=False)
        .order_by("assessment_id", "item_id", "pk")
        .values_list("pk", "assessment_id", "item_id", "text", "item__text")
    )
    seen: set[tuple[int, int]] = set()
    later: list[int] = []
    texts: dict[int, str] = {}
    for pk, assessment_id, item_id, text, standard in rows.iterator():
        if assessment_id is not None:
            if (assessment_id, item_id) in seen:
                later.append(pk)
            seen.add((assessment_id, item_id))
        cleaned = problem_text(text, standard or "")
        if cleaned is not None:
            texts[pk] = cleaned
    for start in range(0, len(later), BATCH):
        Finding.objects.filter(pk__in=later[start : start + BATCH]).update(item=None)
    changed = [Finding(pk=pk, text=text) for pk, text in texts.items()]
    Finding.objects.bulk_update(changed, ["text"], batch_size=BATCH)


class Migration(migrations.Migration):
    dependencies = [("assessments", "0002_rectification_files_folder")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
