"""培训班 and the 夜校: a class is a series of `training` activities with enrolment, attendance and hours (issue 13)."""

from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "dangjian.training"
    label = "training"
    verbose_name = "培训班"

    def ready(self) -> None:
        from dangjian.core.panels import Panel, register

        from . import imports, metrics  # noqa: F401  (the enrolment importer, the metrics)
        from .me import member_panel

        register(
            "members.member",
            Panel("training_hours", "学时", "training/_member_panel.html", member_panel, order=30),
        )
