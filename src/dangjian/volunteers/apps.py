from django.apps import AppConfig


class VolunteersConfig(AppConfig):
    name = "dangjian.volunteers"
    label = "volunteers"
    verbose_name = "志愿服务"

    def ready(self) -> None:
        from . import imports, metrics, panels  # noqa: F401  (they register themselves)
