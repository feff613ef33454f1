from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "dangjian.cases"
    label = "cases"
    verbose_name = "创新案例与党建品牌"
