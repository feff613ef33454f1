from django.apps import AppConfig


class IntegrityConfig(AppConfig):
    name = "dangjian.integrity"
    label = "integrity"
    verbose_name = "廉政风险"

    def ready(self) -> None:
        from . import imports, metrics, panels  # noqa: F401  (importers, metrics)

        panels.register_panels()
