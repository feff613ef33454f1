"""WSGI entry point for gunicorn (`dangjian serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangjian.settings")
application = get_wsgi_application()

from dangjian.core import heap  # noqa: E402  (after Django is set up)

heap.settle()  # the start-up heap out of the collector's walks (core/heap.py)
