from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "dangjian.rules"
    label = "rules"
    verbose_name = "制度规则与提醒"

    def ready(self) -> None:
        # An invalid rule file or rule setting stops start-up here (ImproperlyConfigured
        # naming the file, the rule and the field): see rules/loader.py.
        from . import loader, switches

        library = loader.reload_library()
        switches.settings_switches(library)
        from . import metrics

        metrics.register(library)
        from . import rollup, sweep  # noqa: F401  (sweep registers the terms.* 换届 metrics)

        rollup.connect()  # the writes that change compliance change the roll-ups' tokens
