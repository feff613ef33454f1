"""Importer registry and the import pages (template download, upload, result).

Domain apps register their importers in `AppConfig.ready()`:

    importers.register("members", MemberImporter)

A user may use an importer when they hold `add` on its model somewhere in the tree; the
importer itself keeps every row inside their scope.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from . import services
from .bounds import parse_int
from .excel import Importer, ImportResult, RowError, format_bytes
from .scoping import has_any_scope

# Room for the multipart envelope around the file itself.
_MULTIPART_SLACK = 64 * 1024


class ImporterRegistry:
    def __init__(self) -> None:
        self._classes: dict[str, type[Importer]] = {}

    def register(self, name: str, importer_class: type[Importer]) -> None:
        existing = self._classes.get(name)
        if existing is not None and existing is not importer_class:
            raise ValueError(f"importer {name!r} is already registered")
        self._classes[name] = importer_class

    def get(self, name: str) -> Importer | None:
        """A fresh importer instance (importers keep per-run state)."""
        cls = self._classes.get(name)
        if cls is None:
            return None
        importer = cls()
        importer.name = name
        return importer

    def names(self) -> list[str]:
        return list(self._classes)

    def name_for(self, model: Any) -> str | None:
        """The importer of `model`'s rows, if one is registered (the list page's 批量导入)."""
        return next((n for n, cls in self._classes.items() if cls.model is model), None)

    def available(self, user: Any) -> list[Importer]:
        found = (self.get(name) for name in self._classes)
        return [imp for imp in found if imp is not None and has_any_scope(user, imp.model, "add")]


importers = ImporterRegistry()


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Excel 文件"),
        help_text=gettext_lazy("请上传按导入模板填写的 .xlsx 文件。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx", "class": "form-control"}),
    )


def _importer_for(request, name: str) -> Importer:
    importer = importers.get(name)
    if importer is None:
        raise Http404(_("未找到。"))
    if not has_any_scope(request.user, importer.model, "add"):
        services.emit("permission_denied", None, outcome="failure", path=request.path)
        raise PermissionDenied(_("您没有导入%s的权限。") % importer.label)
    return importer


@login_required
def index(request):
    return render(
        request,
        "core/import_index.html",
        {
            "title": _("数据导入"),
            "importers": importers.available(request.user),
            "limits": _limits(),
        },
    )


@login_required
def template(request, name: str):
    return _importer_for(request, name).template_response()


@csrf_exempt
@login_required
def run(request, name: str):
    """GET: the upload form. POST: import, then the result page.

    An oversized body is refused from its Content-Length before Django parses the upload
    (CSRF checking would parse it), so the CSRF check runs inside, after that test.
    """
    importer = _importer_for(request, name)
    if request.method == "POST":
        length = parse_int(request.META.get("CONTENT_LENGTH"), 0, 2**63 - 1) or 0
        if length > settings.IMPORT_MAX_FILE_BYTES + _MULTIPART_SLACK:
            message = _("文件大小超过上限 %(max)s，请分批导入。") % {
                "max": format_bytes(settings.IMPORT_MAX_FILE_BYTES)
            }
            result = ImportResult(False, errors=[RowError(0, "", message)], error_count=1)
            return _page(request, importer, UploadForm(), result, status=413)
    return _run_checked(request, importer)


@csrf_protect
def _run_checked(request, importer: Importer):
    if request.method != "POST":
        return _page(request, importer, UploadForm())
    form = UploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, importer, form)
    result = importer.run(request.user, form.cleaned_data["file"])
    return _page(request, importer, UploadForm(), result)


def _page(request, importer: Importer, form, result: ImportResult | None = None, status: int = 200):
    return render(
        request,
        "core/import_run.html",
        {
            "title": _("导入%s") % importer.label,
            "importer": importer,
            "form": form,
            "result": result,
            "limits": _limits(),
        },
        status=status,
    )


def _limits() -> dict[str, Any]:
    return {
        "file_size": format_bytes(settings.IMPORT_MAX_FILE_BYTES),
        "rows": settings.IMPORT_MAX_ROWS,
    }
