from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "dangjian.reports"
    label = "reports"
    verbose_name = "统计报表"

    def ready(self) -> None:
        # The national-system exchange importers join the import page at start-up, not only
        # once the URLconf has been loaded (a CLI command may come first).
        from .statistics import exchange  # noqa: F401
