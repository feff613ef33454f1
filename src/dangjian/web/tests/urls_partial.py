"""Only the home page and API docs are wired (imports, audit and accounts missing)."""

from .urls_stub import urlpatterns_without

urlpatterns = urlpatterns_without("imports", "audit", "accounts")
