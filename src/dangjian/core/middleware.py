"""Middleware that opens a RequestContext for every request."""

from __future__ import annotations

from django.conf import settings

from . import context


def client_address(request) -> str:
    """The address the audit trail records as the request's source.

    X-Forwarded-For is honoured only when the direct peer is one of our own reverse
    proxies (DANGJIAN_TRUSTED_PROXIES); then the right-most hop that is not a trusted
    proxy is the client — anything left of it could have been typed by the client.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    trusted = set(getattr(settings, "TRUSTED_PROXIES", ()))
    if remote not in trusted:
        return remote
    hops = [h.strip() for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
    for hop in reversed(hops):
        if hop not in trusted:
            return hop
    return remote


class RequestContextMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        channel = "api" if request.path.startswith("/api/") else "web"
        ctx = context.RequestContext(
            source_address=client_address(request), channel=channel, request=request
        )
        request.request_id = ctx.request_id
        with context.use(ctx):
            response = self.get_response(request)
        response["X-Request-ID"] = ctx.request_id
        return response
