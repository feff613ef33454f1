from django.apps import AppConfig


class RecruitmentConfig(AppConfig):
    name = "dangjian.recruitment"
    label = "recruitment"
    verbose_name = "发展党员"

    def ready(self) -> None:
        # The time rules are validated at start-up, like the rules library: a broken file
        # stops the process instead of answering with a rule that cannot be cited.
        from . import imports, metrics, receivers, timerules  # noqa: F401 — registers the importer

        receivers.connect()

        timerules.get_rules()
