"""督查考评 API."""

urlpatterns: list = []
