from django.apps import AppConfig


class AssessmentsConfig(AppConfig):
    name = "dangjian.assessments"
    label = "assessments"
    verbose_name = "督查考评"
