from django.apps import AppConfig


class HonorsConfig(AppConfig):
    name = "dangjian.honors"
    label = "honors"
    verbose_name = "表彰"

    def ready(self) -> None:
        from dangjian.core.panels import Panel, register

        from . import imports, metrics  # noqa: F401  (the importer, the metrics)
        from .me import member_honors, org_honors

        register(
            "members.member",
            Panel("honors", "荣誉表彰", "honors/_panel.html", member_honors, order=20),
        )
        register(
            "orgs.organization",
            Panel("honors", "荣誉表彰", "honors/_panel.html", org_honors, order=20),
        )
