"""Middleware that opens a RequestContext for every request."""

from __future__ import annotations

from . import context


def client_address(request) -> str:
    # Only REMOTE_ADDR is trusted; a proxy in front must set it (gunicorn --forwarded-allow-ips).
    return request.META.get("REMOTE_ADDR", "")


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
