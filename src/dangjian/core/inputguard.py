"""Refuse a request whose parameters contain a NUL character, before any view runs.

NUL (\\x00) is never part of a name, a date or a note, and PostgreSQL cannot store or
compare a string holding one ("A string literal cannot contain NUL"), so a value read by
hand from the query string or a form would otherwise end in a 500 there. Form fields and
serializer fields already refuse it with their own message (core/locale); this closes the
class for every parameter at once. JSON bodies are left to the serializers.
"""

from __future__ import annotations

from django.http import JsonResponse
from django.shortcuts import render

MESSAGE = "请求中含有空字符（\\x00），请删除后重试。"


def _has_nul(params) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in params.lists())


class RefuseNulMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        form_body = request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        )
        if (
            "\x00" in request.path
            or _has_nul(request.GET)
            or (request.method == "POST" and form_body and _has_nul(request.POST))
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {"detail": MESSAGE}, status=400, json_dumps_params={"ensure_ascii": False}
                )
            return render(request, "core/bad_request.html", {"message": MESSAGE}, status=400)
        return self.get_response(request)
