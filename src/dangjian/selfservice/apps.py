from django.apps import AppConfig


class SelfServiceConfig(AppConfig):
    name = "dangjian.selfservice"
    label = "selfservice"
    verbose_name = "党员自助"

    def ready(self) -> None:
        # The member account's 党员 role follows its member (transfer, leaving), and the
        # 我的 page's own sections register beside the ones other apps add.
        from . import me, receivers  # noqa: F401
