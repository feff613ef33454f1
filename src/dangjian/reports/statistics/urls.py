"""党内统计 yearly tables with the balance check, and the national-system exchange columns."""

from django.urls import path

from . import views

# Included by reports/urls.py without a namespace of its own: names are reports:<name>.
urlpatterns = [
    path("", views.statistics, name="statistics"),
    path("exchange/", views.exchange_export, name="exchange_export"),
]
