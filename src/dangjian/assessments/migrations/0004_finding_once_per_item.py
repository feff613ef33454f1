"""One finding per item of a check (a partial unique index); the text's help says what to write.

Separate from 0003's data changes: PostgreSQL builds the index in a transaction of its own.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("assessments", "0003_finding_problem_texts")]

    operations = [
        migrations.AlterField(
            model_name="finding",
            name="text",
            field=models.TextField(
                help_text="写明发现的问题；检查标准由条目显示，不必抄录", verbose_name="问题描述"
            ),
        ),
        migrations.AddConstraint(
            model_name="finding",
            constraint=models.UniqueConstraint(
                condition=models.Q(("assessment__isnull", False), ("item__isnull", False)),
                fields=("assessment", "item"),
                name="finding_once_per_item",
            ),
        ),
    ]
