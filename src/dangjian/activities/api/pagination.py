"""Pagination for the city-wide activity and attendance lists.

For the 工委 a list covers the whole city (≈ 144 k activities, 2.3 M participations in the
demo). Django's paginator would run `SELECT COUNT(*)` over the whole scope join, and
sorting every participation by date before taking 50 rows costs a second on SQLite.
Two changes keep a page cheap without changing what it contains:

- `CappedCountPagination` counts at most `count_cap` + 1 rows. Up to the cap `count` is
  exact; beyond it `count` is the cap and `count_capped` is true (the next/previous links
  keep working; `page=last` is refused then).
- `DateWindowPagination` reads a page of a newest-first list among the rows dated on or
  after the k-th most recent activity date (one scalar subquery), widening k when that
  window holds too few rows. The window is a prefix of the full ordering, so the page is
  exactly the page of the unrestricted query.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.db.models import DateField, Subquery, Value
from django.db.models.functions import Coalesce
from rest_framework.exceptions import NotFound
from rest_framework.pagination import _positive_int
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from dangjian.core.bounds import ID_MAX
from dangjian.core.permissions import Pagination


class CappedCountPagination(Pagination):
    count_cap = 10_000
    template = None  # the browsable API's page links would need the total

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        size = self.get_page_size(request)
        if not size:
            return None
        # values("pk"): the count subquery leaves out the per-row annotations
        counted = queryset.order_by().values("pk")[: self.count_cap + 1].count()
        self.capped = counted > self.count_cap
        self.count = min(counted, self.count_cap)
        raw = request.query_params.get(self.page_query_param) or "1"
        if raw in self.last_page_strings and not self.capped:
            number = max(1, math.ceil(self.count / size))
        else:
            try:
                # No page starts beyond the last possible row id (and OFFSET stays 64-bit).
                number = _positive_int(raw, strict=True, cutoff=ID_MAX // size)
            except ValueError:
                raise NotFound("页码无效：请填写正整数页码（超过一万条时不支持 last）。") from None
        offset = (number - 1) * size
        rows = self.fetch(queryset, offset, size + 1, view)
        if number > 1 and not rows:
            raise NotFound("页码无效：该页没有数据。")
        self.number, self.has_next = number, len(rows) > size
        return rows[:size]

    def fetch(self, queryset, offset: int, limit: int, view: Any) -> list:
        return list(queryset[offset : offset + limit])

    def get_next_link(self):
        if not self.has_next:
            return None
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.number + 1)

    def get_previous_link(self):
        if self.number <= 1:
            return None
        url = self.request.build_absolute_uri()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data):
        return Response(
            {
                "count": self.count,
                "count_capped": self.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema):
        out = super().get_paginated_response_schema(schema)
        out["properties"]["count"]["description"] = (
            f"符合条件的条数；超过 {self.count_cap} 条时为 {self.count_cap}（见 count_capped）。"
        )
        out["properties"]["count_capped"] = {
            "type": "boolean",
            "description": f"为 true 时实际条数多于 {self.count_cap}，count 只是下限。",
        }
        return out


class DateWindowPagination(CappedCountPagination):
    """For lists ordered newest first by `view.window_field` (NULL dates last).

    The view supplies `window_dates()`: a queryset of candidate dates ordered newest first
    (e.g. the held_on of the activities in the user's scope), or None for no window. The page is read among rows
    dated on or after the k-th of those dates; k starts from the rows needed and grows
    eight-fold when the window is short, then the plain query is the fallback.
    """

    rows_per_date = 8  # the demo city holds ≈ 16 participations per activity: be safe
    min_dates = 32
    widenings = 2

    def fetch(self, queryset, offset: int, limit: int, view: Any) -> list:
        dates = view.window_dates()
        if dates is None:
            return super().fetch(queryset, offset, limit, view)
        field = view.window_field
        need = offset + limit
        k = need // self.rows_per_date + self.min_dates
        for _ in range(self.widenings + 1):
            bound = Coalesce(
                Subquery(dates[k - 1 : k]), Value(dt.date.min), output_field=DateField()
            )
            rows = list(queryset.filter(**{f"{field}__gte": bound})[offset : offset + limit])
            # Enough rows: the window is a long enough prefix. Short but reaching the known
            # total: the window held every row (with few dates the bound is date.min).
            if len(rows) == limit or (not self.capped and offset + len(rows) >= self.count):
                return rows
            k *= 8
        return super().fetch(queryset, offset, limit, view)
