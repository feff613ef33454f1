from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "dangjian.members"
    label = "members"
    verbose_name = "党员"

    def ready(self) -> None:
        from . import imports, metrics  # noqa: F401
