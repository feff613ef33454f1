from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "dangjian.activities"
    label = "activities"
    verbose_name = "组织生活"

    def ready(self) -> None:
        from . import imports, metrics  # noqa: F401
