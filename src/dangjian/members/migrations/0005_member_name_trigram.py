"""A trigram index for member name search, on PostgreSQL only (docs/scaling.md).

`name__icontains` compares `UPPER(name) LIKE '%…%'`, which a B-tree cannot serve: a GIN
index with pg_trgm's operator class on `upper(name)` can, for three or more characters
(a full name such as 欧阳娜娜 or 王秀英). It also gives the planner statistics on
`upper(name)`. SQLite keeps no such index (nothing to do there), nor does a PostgreSQL
dialect without pg_trgm: the migration then warns and search works the same, only slower.
The SQL lives in core.db with the other vendor-specific statements.
"""

from django.db import migrations

from dangjian.core.db import create_trigram_index, drop_trigram_index

INDEX = "member_name_upper_trgm"


def forwards(apps, schema_editor):
    member = apps.get_model("members", "Member")
    create_trigram_index(schema_editor, member._meta.db_table, "name", INDEX)


def backwards(apps, schema_editor):
    drop_trigram_index(schema_editor, INDEX)


class Migration(migrations.Migration):
    dependencies = [("members", "0004_member_account")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
