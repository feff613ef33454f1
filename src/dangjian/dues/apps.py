from django.apps import AppConfig


class DuesConfig(AppConfig):
    name = "dangjian.dues"
    label = "dues"
    verbose_name = "党费"

    def ready(self) -> None:
        # A broken rate table stops start-up here (ImproperlyConfigured naming the table
        # and the bracket), like the rule library: see dues/rates.py.
        from . import rates

        rates.reload_tables()
        from . import imports, metrics, receivers  # noqa: F401  (importer, metrics, signals)
