"""Middleware of the framework: the request context, and the security headers of every answer."""

from __future__ import annotations

from django.conf import settings
from django.utils.cache import add_never_cache_headers

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


# The policy of every page (DESIGN §11). Scripts and styles come only from our own static
# files: no inline <script>, no on…= handlers, no <style> blocks or style="" attributes
# (a page needing data hands it over in a json_script element, which is not executed).
# Images may be data: URIs (Tabler's form icons are inline SVG in its CSS; the QR code of
# two-step sign-in). Nothing may frame a page, and forms post only back to us. ECharts draws
# its tooltips on the canvas (web/static/web/app.js), and the Swagger UI starts from a
# script file. What still meets a refusal: DRF's browsable API pages (a developer's view
# of /api/) lose a few float/clear style attributes — layout only, their scripts are files.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ]
)


class SecurityHeadersMiddleware:
    """A strict Content-Security-Policy, and no caching of anything the application answers.

    Sits right after WhiteNoise, so static files (which WhiteNoise answers itself, with long
    cache lifetimes) never reach it; everything that does is a page, JSON or a download the
    application built — personal data for a signed-in user — so no browser or proxy may
    keep a copy (`no-store`; `Pragma` for HTTP/1.0 caches). Anonymous answers (the login
    page, 401s) are not worth a distinction: they carry a CSRF token at least.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        add_never_cache_headers(response)
        response["Pragma"] = "no-cache"
        return response
