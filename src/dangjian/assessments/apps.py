from django.apps import AppConfig
from django.db import connections
from django.db.models.signals import post_migrate


def load_framework_library(sender, using="default", **kwargs) -> None:
    """Load the shipped framework library after `migrate` (and after a test DB flush)."""
    from .models import Framework

    if Framework._meta.db_table not in connections[using].introspection.table_names():
        return  # migrated backwards past the assessments tables
    from .frameworks import sync_library

    sync_library()


class AssessmentsConfig(AppConfig):
    name = "dangjian.assessments"
    label = "assessments"
    verbose_name = "督查考评"

    def ready(self) -> None:
        from . import metrics  # noqa: F401  (registers the supervision.* / evaluation.* metrics)

        post_migrate.connect(
            load_framework_library, sender=self, dispatch_uid="assessments.framework_library"
        )
        from .reminders import register as register_reminders

        register_reminders()  # 整改逾期提醒 into `dangjian remind`
