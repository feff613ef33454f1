from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "dangjian.rules"
    label = "rules"
    verbose_name = "制度规则与提醒"
