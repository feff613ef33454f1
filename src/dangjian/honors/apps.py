from django.apps import AppConfig


class HonorsConfig(AppConfig):
    name = "dangjian.honors"
    label = "honors"
    verbose_name = "表彰"
