from django.urls import path

from . import imports

app_name = "imports"
urlpatterns = [
    path("", imports.index, name="index"),
    path("<slug:name>/template.xlsx", imports.template, name="template"),
    path("<slug:name>/", imports.run, name="run"),
]
