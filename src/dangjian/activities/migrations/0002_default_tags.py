"""The tags the seed's figures count (党纪学习教育) and a few common themes."""

from django.db import migrations

DEFAULT_TAGS = [
    ("discipline_education", "党纪学习教育", "2024 年全党党纪学习教育"),
    ("theme_education", "主题教育", ""),
    ("first_topic", "第一议题学习", "传达学习习近平总书记重要讲话和重要指示批示精神"),
    ("integrity_education", "廉政教育", ""),
    ("new_member_training", "新党员培训", "预备党员和新党员培训"),
]


def add_tags(apps, schema_editor):
    Tag = apps.get_model("activities", "Tag")
    for code, name, description in DEFAULT_TAGS:
        Tag.objects.get_or_create(code=code, defaults={"name": name, "description": description})


def remove_tags(apps, schema_editor):
    Tag = apps.get_model("activities", "Tag")
    Tag.objects.filter(code__in=[code for code, _name, _desc in DEFAULT_TAGS]).delete()


class Migration(migrations.Migration):
    dependencies = [("activities", "0001_initial")]

    operations = [migrations.RunPython(add_tags, remove_tags)]
