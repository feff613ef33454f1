"""创新案例 submitted by units and rated by the 工委, external awards, and each unit's 1+N 党建品牌 (issue 13)."""

from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "dangjian.cases"
    label = "cases"
    verbose_name = "创新案例与党建品牌"

    def ready(self) -> None:
        from . import imports, metrics, panels  # noqa: F401 — registers importers and metrics

        panels.connect()
